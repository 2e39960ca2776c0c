import os
import re
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from analysis_utils import kernels, paths


def test_fork_only_on_linux_with_os_fork(monkeypatch):
    assert kernels.fork_is_safe("linux") == hasattr(os, "fork")
    assert not kernels.fork_is_safe("darwin") and not kernels.fork_is_safe("win32")
    monkeypatch.delattr(os, "fork", raising=False)
    assert not kernels.fork_is_safe("linux")


def test_choice_is_automatic_and_overridable(monkeypatch):
    monkeypatch.delenv("KERNELS", raising=False)
    assert kernels.choose(None, platform="darwin") == "warm"
    assert kernels.choose("auto", platform="win32") == "warm"
    assert kernels.choose(None, platform="linux") == ("fork" if hasattr(os, "fork") else "warm")
    assert kernels.choose("plain", platform="linux") == "plain"
    monkeypatch.setenv("KERNELS", "warm")  # make report KERNELS=warm
    assert kernels.choose(None, platform="linux") == "warm"
    assert kernels.choose("plain") == "plain"  # the command-line flag wins over the variable
    with pytest.raises(ValueError, match="unknown kernel path 'spawn'; expected one of auto, fork, warm, plain"):
        kernels.choose("spawn")
    with pytest.raises(ValueError, match="kernel path 'fork' needs os.fork on Linux \\(this is darwin\\)"):
        kernels.choose("fork", platform="darwin")


def test_kernel_environment_fixes_hashing_dates_and_threads():
    assert kernels.KERNEL_ENV["PYTHONHASHSEED"] == "0" and kernels.KERNEL_ENV["SOURCE_DATE_EPOCH"] == "0"
    assert {kernels.KERNEL_ENV[k] for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")} == {"1"}


def test_kernels_take_matplotlibs_own_font_and_no_users_configuration(tmp_path):
    """A kernel's matplotlib reads the project's folder (``.build/matplotlib/<environment>``), not the user's: a
    user-wide font cache written by another environment, listing only a system copy of DejaVu Sans, or a user's
    ``matplotlibrc`` (here another font and style), changes nothing."""
    import matplotlib
    from matplotlib.font_manager import FontManager

    config = tmp_path / "config" / "matplotlib"
    config.mkdir(parents=True)
    (config / "matplotlibrc").write_text("font.family: serif\naxes.grid: True\n", encoding="utf-8")
    (config / f"fontlist-v{FontManager.__version__}.json").write_text(  # no font: matplotlib's own missing
        f'{{"_version": "{FontManager.__version__}", "ttflist": [], "afmlist": []}}', encoding="utf-8")
    code = ("import matplotlib; from matplotlib import font_manager; "
            "print(matplotlib.get_configdir()); print(font_manager.findfont('DejaVu Sans')); "
            "print(matplotlib.rcParams['font.family'], matplotlib.rcParams['axes.grid'])")
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_CACHE_HOME": str(tmp_path / "config"), "MPLCONFIGDIR": str(config)}
    configdir, font, style = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                            env={**env, **kernels.KERNEL_ENV}).stdout.splitlines()
    assert Path(configdir).parent == paths.PROJECT_ROOT / ".build" / "matplotlib"  # a folder per environment
    assert Path(font).is_relative_to(Path(matplotlib.get_data_path()))  # matplotlib's own DejaVu Sans
    assert style == "['sans-serif'] False"


def test_the_template_imports_every_set_and_leaves_the_inline_backend_to_the_kernel():
    """The inline backend must be imported inside a kernel (it hooks into the kernel's shell then). A module
    that fails to import is skipped: every module of the sets must import here (a misspelt name would not)."""
    code = ("from analysis_utils import kernels; kernels._import_all('full', kernels.TEMPLATE_IMPORTS); import sys; "
            "print(' '.join(sorted(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, **kernels.KERNEL_ENV}).stdout.split()
    assert {*(m for modules in kernels.IMPORTS.values() for m in modules), *kernels.TEMPLATE_IMPORTS} <= set(out)
    assert "matplotlib_inline.backend_inline" not in out


def test_the_template_leaves_a_module_that_fails_to_import_to_the_notebook(tmp_path, monkeypatch):
    (tmp_path / "being_edited.py").write_text("import json\ndef broken(:\n", encoding="utf-8")
    (tmp_path / "fine.py").write_text("VALUE = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(kernels, "IMPORTS", {"base": ("being_edited", "fine"), "stats": (), "full": ()})
    kernels._import_all("base", ("missing_module",))  # raises nothing
    assert "fine" in sys.modules and "being_edited" not in sys.modules and "missing_module" not in sys.modules
    del sys.modules["fine"]


def test_no_module_imports_fcntl_or_forks_outside_the_fork_path():
    """Portable: fcntl exists nowhere but Unix, os.fork nowhere but Unix (and is unsafe on macOS)."""
    for path in sorted((paths.PROJECT_ROOT / "src" / "analysis_utils").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^\s*(import fcntl|from fcntl)", text, re.M), path.name
        if path.name != "kernels.py":
            assert "os.fork" not in text, path.name


_WITHOUT_FORK = """
import os, sys
sys.modules["fcntl"] = None  # import fcntl raises ImportError, as on Windows
del os.fork
from analysis_utils import appendix, htmlreport, kernels, report, runner
print(kernels.choose(None), kernels.fork_is_safe())
"""


def test_a_platform_without_fork_and_fcntl_imports_everything_and_chooses_warm(monkeypatch):
    env = {k: v for k, v in os.environ.items() if k != "KERNELS"}
    out = subprocess.run([sys.executable, "-c", _WITHOUT_FORK], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["warm", "False"]


@pytest.mark.slow
@pytest.mark.parametrize("kernel_path", ["warm", "plain"])
def test_a_platform_without_fork_and_fcntl_runs_a_notebook(tmp_path, kernel_path):
    import nbformat

    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('REPORTS_DIR = "scratch/reports"')
    params.metadata["tags"] = ["parameters"]
    save = ("import pandas as pd\nfrom analysis_utils import ard, report\n"
            "rows = ard.make_ard(pd.DataFrame({'stat_name': ['n'], 'stat_value': [11]}))\n"
            "print(len(report.save_ard(rows, 'efficacy', reports_dir=REPORTS_DIR)))")
    nb.cells = [params, nbformat.v4.new_code_cell(save)]
    nbformat.write(nb, tmp_path / "01_a.ipynb")
    code = _WITHOUT_FORK + (
        "from pathlib import Path\n"
        f"stage = Path({str(tmp_path / 'stage')!r})\n"
        f"nb, = runner.execute_notebooks([Path({str(tmp_path / '01_a.ipynb')!r})], "
        f"{{'REPORTS_DIR': str(stage / 'reports')}}, stage, kernel_path={kernel_path!r})\n"
        "print(nb.cells[-1].outputs[0]['text'].strip())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["warm", "False", "1"]
    assert (tmp_path / "stage" / "reports" / "ard" / "efficacy.csv").exists()


def _run(km, code: str) -> list[str]:
    """Execute ``code`` in the kernel of ``km``; return the texts it printed."""
    from jupyter_core.utils import run_sync

    client = km.client()
    client.start_channels()
    try:
        run_sync(client.wait_for_ready)(timeout=60)
        msg_id, texts = client.execute(code), []
        while True:
            msg = run_sync(client.get_iopub_msg)(timeout=30)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "stream":
                texts.append(msg["content"]["text"])
            if msg["content"].get("execution_state") == "idle":
                return texts
    finally:
        client.stop_channels()


@pytest.mark.slow
@pytest.mark.parametrize("kernel_path", ["fork", "warm"])
def test_a_kernel_is_ready_once_it_answers_on_shell_and_iopub(kernel_path):
    """The client's wait_for_ready returns on the idle status of its kernel_info request, without
    jupyter_client's 0.2 s of IOPub quiet (which ends on an empty queue), and the first output of the
    first cell still arrives (IOPub is connected by then)."""
    from queue import Empty

    from jupyter_core.utils import run_sync

    if kernel_path == "fork" and not kernels.fork_is_safe():
        pytest.skip("fork needs Linux")
    with kernels.Kernels(kernel_path, paths.PROJECT_ROOT) as pool:
        km = pool.start("01_a.ipynb", "base")
        client = km.client()
        assert isinstance(client, kernels.ready_client())
        client.start_channels()
        run_sync(client.wait_for_ready)(timeout=60)
        received, get_iopub_msg = [], client.get_iopub_msg

        async def recorded(*args, **kwargs):
            try:
                received.append(await get_iopub_msg(*args, **kwargs))
            except Empty:
                received.append(None)
                raise
            return received[-1]

        client.get_iopub_msg = recorded
        run_sync(client.wait_for_ready)(timeout=60)  # a second wait, on a kernel that is ready
        last = received[-1] if received else None  # what the wait read last on IOPub
        assert last is not None and last["content"].get("execution_state") == "idle"
        assert last["parent_header"]["msg_type"] == "kernel_info_request"
        client.get_iopub_msg = get_iopub_msg
        client.stop_channels()
        assert _run(km, "print('first')") == ["first\n"]
        pool.release("01_a.ipynb")


def test_each_import_set_adds_to_the_one_before():
    assert list(kernels.IMPORTS) == ["base", "stats", "full"]
    code = ("from analysis_utils import kernels; import sys; kernels._import_all('stats'); a = set(sys.modules)\n"
            "kernels._import_all('full'); b = set(sys.modules)\n"
            "print('scipy.stats' in a, 'matplotlib' in a, 'matplotlib.pyplot' in b)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, **kernels.KERNEL_ENV}).stdout.split()
    assert out == ["True", "False", "True"]


def test_notebooks_on_the_lighter_kernels_draw_no_figures():
    """``base`` and ``stats`` kernels import no matplotlib: their notebooks must not draw, but for a randomised trial's
    figure of 04 (each arm's change, from the ARD rows 04 computes), which imports matplotlib in its kernel: a cell
    that runs only when ``randomised``, so that the single-arm pilot's build never pays for it."""
    import json

    lighter, drawing = 0, []
    for path in sorted((paths.PROJECT_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        if nb["metadata"].get("report", {}).get("kernel", "full") == "full":
            continue
        lighter += 1
        for cell in nb["cells"]:
            source = "".join(cell["source"])
            if cell["cell_type"] == "code" and re.search(r"matplotlib|plotting|planning_plots|show_figure|savefig",
                                                         source):
                drawing.append(cell["id"])
                assert path.name == "04_efficacy.ipynb" and source.startswith("if randomised:\n"), path.name
    assert lighter >= 5 and drawing == ["cell-05-arms-figure"]  # 01-03 and 08 on base, 04 on stats


@pytest.mark.slow
@pytest.mark.parametrize("kernel_path", ["fork", "warm"])
def test_kernels_of_each_set_have_imported_that_set(kernel_path):
    """The template imports a set when a kernel of it is first asked for; a later set adds to it. A warm kernel
    imports none: the notebook imports what it uses."""
    if kernel_path == "fork" and not kernels.fork_is_safe():
        pytest.skip("fork needs Linux")
    code = "import sys; print('scipy.stats' in sys.modules, 'matplotlib.pyplot' in sys.modules)"
    with kernels.Kernels(kernel_path, paths.PROJECT_ROOT) as pool:
        for name, stage in (("01_a", "base"), ("02_b", "stats"), ("03_c", "full")):
            pool.start(name, stage)
        seen = {stage: _run(km, code) for name, stage in (("01_a", "base"), ("02_b", "stats"), ("03_c", "full"))
                for km in [pool.start(name, stage)]}
    assert seen == ({"base": ["False False\n"], "stats": ["True False\n"], "full": ["True True\n"]} if kernel_path == "fork"
                    else dict.fromkeys(("base", "stats", "full"), ["False False\n"]))


def test_the_fork_template_refuses_to_start_where_fork_is_not_safe(monkeypatch):
    monkeypatch.setattr(kernels, "fork_is_safe", lambda: False)  # as on Windows or macOS
    with pytest.raises(SystemExit, match="needs os.fork on Linux"):
        kernels._template()


def test_the_models_and_the_template_never_import_statsmodels_api():
    """statsmodels.api costs 0.2 s more to import than the modules the package's models come from."""
    code = ("import sys, pandas as pd; from analysis_utils import comparisons as c, kernels, mixed_model\n"
            "[__import__(m) for m in kernels.TEMPLATE_IMPORTS]\n"
            "d = pd.DataFrame({'USUBJID': [f's{i}' for i in range(8) for _ in (0, 1)], 'TRTP': ['A'] * 8 + ['B'] * 8,\n"
            "                  'AVISIT': ['W4', 'W8'] * 8, 'BASE': [5.0, 5, 6, 6, 7, 7, 8, 8] * 2,\n"
            "                  'CHG': [1.0, 2, 0, 3, 2, 2, 1, 4, 3, 5, 4, 6, 2, 5, 5, 7]})\n"
            "c.compare_arms_ancova(d[d.AVISIT == 'W8'], reference='A'); c.fit_mmrm(d, reference='A')\n"
            "print('statsmodels.regression.mixed_linear_model' in sys.modules, 'statsmodels.api' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "False"]


@pytest.mark.slow
def test_a_forked_kernel_collects_its_own_garbage_not_the_templates():
    """The template's objects are frozen before the fork: a kernel's collections never walk (and copy) them."""
    if not kernels.fork_is_safe():
        pytest.skip("fork needs Linux")
    code = "import gc; print(gc.isenabled(), gc.get_freeze_count() > 100_000)"
    with kernels.Kernels("fork", paths.PROJECT_ROOT) as pool:
        assert _run(pool.start("01_a", "base"), code) == ["True True\n"]


@pytest.mark.slow
@pytest.mark.parametrize("kernel_path", ["fork", "warm"])
def test_a_kernel_collects_garbage_after_gc_threshold_new_objects_and_binds_no_name(kernel_path):
    if kernel_path == "fork" and not kernels.fork_is_safe():
        pytest.skip("fork needs Linux")
    assert kernels.GC_THRESHOLD == (100_000, 10, 10)
    with kernels.Kernels(kernel_path, paths.PROJECT_ROOT) as pool:
        out = _run(pool.start("01_a", "base"), "import sys\nprint(__import__('gc').get_threshold(), 'gc' in dir(), "
                   "'pyarrow.parquet' in sys.modules, 'pandas' in dir())")
    assert out == ["(100000, 10, 10) False True False\n"]  # pandas and pyarrow imported as the kernel starts


@pytest.mark.slow
def test_a_template_that_stopped_is_named_as_the_error_not_a_broken_pipe():
    if not kernels.fork_is_safe():
        pytest.skip("fork needs Linux")
    with pytest.raises(RuntimeError, match=r"the kernel template stopped \(exit code -9\)"):
        with kernels.Kernels("fork", paths.PROJECT_ROOT) as pool:
            pool._template.kill()  # as the system does to a process out of memory
            pool._template.wait()
            pool.start("01_a.ipynb", "base")


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, exited but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")


@pytest.mark.slow
@pytest.mark.skipif(os.name == "nt", reason="os.kill(pid, 0) ends a process on Windows")
@pytest.mark.parametrize("kernel_path", ["fork", "warm"])
def test_a_runner_killed_outright_takes_its_kernels_with_it(kernel_path):
    """A runner killed outright (out of memory, a closed terminal) leaves no kernel running: a warm kernel watches the
    runner (jupyter_client's launcher), a forked one the template, which exits once the runner's end of its pipe closes."""
    if kernel_path == "fork" and not kernels.fork_is_safe():
        pytest.skip("fork needs Linux")
    script = (f"import sys, time; sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
              "from test_kernels import _run; from analysis_utils import kernels, paths\n"
              "pool = kernels.Kernels(sys.argv[1], paths.PROJECT_ROOT).__enter__()\n"
              "print(*_run(pool.start('01_a', 'base'), 'import os; print(os.getpid())'), end='', flush=True)\n"
              "time.sleep(600)\n")
    runner = subprocess.Popen([sys.executable, "-c", script, kernel_path], stdout=subprocess.PIPE, text=True)
    kernel = int(next(line for line in runner.stdout if line.strip().isdigit()))  # its pid, after any kernel's notes
    assert _alive(kernel)
    runner.kill()
    runner.wait()
    for _ in range(100):  # a kernel looks for its parent once a second
        if not _alive(kernel):
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"the kernel (process {kernel}) outlived its runner by 10 s")


def test_a_warm_kernel_on_windows_listens_on_tcp_logs_errors_only_and_watches_the_runner(tmp_path, monkeypatch):
    """Windows has no Unix sockets: its kernels use TCP on localhost, without ipykernel's warning at each start that
    TCP is unencrypted (``TCP_ARGS``), and with the kernels' own arguments. jupyter_client's launcher starts them (its
    Windows branch run here with Windows' calls simulated): each watches the runner by an inherited handle to it
    (``JPY_PARENT_PID``; a runner killed outright takes its kernels with it), in a process group of its own, out of
    Ctrl-C's reach (Windows' ``CREATE_NEW_PROCESS_GROUP``, 0x200)."""
    from jupyter_client import launcher

    commands, windows = [], SimpleNamespace(platform="win32", executable=sys.executable)
    monkeypatch.setattr(kernels, "sys", windows)
    monkeypatch.setattr(launcher, "sys", windows)
    monkeypatch.setattr(kernels.subprocess, "CREATE_NEW_PROCESS_GROUP", 0x200, raising=False)
    monkeypatch.setitem(sys.modules, "_winapi", SimpleNamespace(  # a handle (7) to the runner, inheritable (True)
        CREATE_NEW_PROCESS_GROUP=0x200, DUPLICATE_SAME_ACCESS=2, GetCurrentProcess=lambda: -1,
        DuplicateHandle=lambda *args: 7 if args == (-1, -1, -1, 0, True, 2) else None))
    monkeypatch.setitem(sys.modules, "jupyter_client.win_interrupt", SimpleNamespace(create_interrupt_event=lambda: 9))
    monkeypatch.setattr(launcher, "Popen", lambda command, **kw: commands.append((command, kw)) or
                        SimpleNamespace(poll=lambda: None, kill=lambda: None, wait=lambda: 0))
    with kernels.Kernels("warm", tmp_path) as pool:
        assert pool.start("01_a.ipynb").info["transport"] == "tcp"
    (command, options), = commands
    assert command[-len(kernels.TCP_ARGS):] == kernels.TCP_ARGS
    assert options["creationflags"] == 0x200 and "start_new_session" not in options
    assert options["env"]["JPY_PARENT_PID"] == "7" and options["env"]["PYTHONHASHSEED"] == "0"
    assert set(kernels.KERNEL_ARGS) < set(kernels.TCP_ARGS) and "--IPKernelApp.log_level=CRITICAL" in kernels.TCP_ARGS
