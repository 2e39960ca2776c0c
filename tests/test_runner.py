import contextlib
import functools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

from analysis_utils import kernels, runner
from analysis_utils.paths import PROJECT_ROOT


def _notebook(*sources, params="DATA_DIR = 'data/raw'\nSEED = 1\n"):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(params)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell] + [nbformat.v4.new_code_cell(s) for s in sources]
    for i, c in enumerate(nb.cells):
        c.id = f"cell-{i:02d}"
    return nb


def _write(folder, notebooks: dict) -> list:
    """Write ``{file name: notebook}`` into ``folder``; return the paths in that order."""
    for name, nb in notebooks.items():
        nbformat.write(nb, folder / name)
    return [folder / name for name in notebooks]


def test_normalise_executed_strips_timing_fixes_papermills_ids_and_names_the_kernel_that_ran():
    nb = _notebook("x = 1", "y = 2")
    nb.metadata["papermill"] = {"start_time": "now"}
    nb.metadata["kernelspec"] = {"name": "sjogren", "display_name": "Python (sjogren)", "language": "python"}
    for cell in nb.cells:
        cell.metadata["papermill"] = {"duration": 0.1}
        cell.metadata["execution"] = {"iopub.status.busy": "now"}
    nb.cells[1].metadata["tags"] = ["injected-parameters"]
    nb.cells[1].id = "f3a9c2d1-random"  # papermill's own id is random
    out = runner.normalise_executed(nb)
    assert out.cells[1].id == "injected-parameters"
    assert "papermill" not in out.metadata
    assert out.metadata.kernelspec == {"name": "python3", "display_name": "Python 3", "language": "python"}  # what ran
    assert all("execution" not in c.metadata and "papermill" not in c.metadata for c in out.cells)


def test_executed_notebooks_name_a_builds_own_staging_folder_as_build_stage():
    """Two builds stage apart (``.build/stage-<pid>``) and still give the same executed notebooks."""
    stage = PROJECT_ROOT / ".build" / "stage-4242"
    nb = _notebook("x = 1", params='REPORTS_DIR = "scratch/reports"\n')
    injected = nbformat.v4.new_code_cell('# Parameters\nREPORTS_DIR = ".build/stage-4242/reports"\nDATA_DIR = "data/raw"\n')
    injected.metadata["tags"] = ["injected-parameters"]
    nb.cells.insert(1, injected)
    out = runner.normalise_executed(nb, stage)
    assert out.cells[1].source == '# Parameters\nREPORTS_DIR = ".build/stage/reports"\nDATA_DIR = "data/raw"\n'
    assert out.cells[0].source == 'REPORTS_DIR = "scratch/reports"\n'  # the notebook's own cells as they are


def test_a_staging_folder_outside_the_project_is_named_as_papermill_wrote_it(tmp_path):
    """Outside the project the parameters are absolute paths, which papermill writes as a Python string: a letter
    outside ASCII as an escape (``\\u5206``), a backslash (Windows' separator) doubled. Both builds then still give
    the same executed notebook."""
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    root, (source,) = tmp_path / "分析 a\\b", _write(tmp_path, {"a.ipynb": _notebook("x = 1", params='REPORTS_DIR = "r"\n')})
    executed = []
    for pid in (4242, 5353):
        stage = root / ".build" / f"stage-{pid}"
        nb = parameterize_notebook(load_notebook_node(str(source)), {"REPORTS_DIR": str(stage / "reports")},
                                   kernel_name="python3", language="python")
        assert str(stage) not in nb.cells[1].source  # papermill's escapes: the path itself is not in the cell
        executed.append(runner.normalise_executed(nb, stage).cells[1].source)
    assert executed[0] == executed[1]
    assert executed[0].endswith(f'REPORTS_DIR = "{tmp_path}/\\u5206\\u6790 a\\\\b/.build/stage/reports"\n')


def test_a_build_stages_in_a_folder_of_its_own_and_removes_it_after_success_or_failure(tmp_path, monkeypatch):
    """A build running meanwhile in the same checkout keeps its staging folder; each build removes its own."""
    from analysis_utils import appendix, report

    other = tmp_path / ".build" / "stage-1" / "reports" / "ard"  # of a build running meanwhile
    other.mkdir(parents=True)
    killed = tmp_path / ".build" / "stage-2"  # of a build killed outright, a day and a second ago
    (killed / "reports").mkdir(parents=True)
    day_ago = runner.time.time() - runner.STALE_STAGE_SECONDS - 1
    runner.os.utime(killed, (day_ago, day_ago))
    staged = []

    def execute(notebooks, parameters, stage, **kw):
        staged.append(stage)
        assert stage.name == f"stage-{runner.os.getpid()}" and parameters["REPORTS_DIR"] == str(stage / "reports")
        if len(staged) == 2:
            raise runner.NotebookFailed("01_a.ipynb: cell 2 (id c) failed: ValueError: bad visit")

    monkeypatch.setattr(runner, "execute_notebooks", execute)
    monkeypatch.setattr(report, "combine_parts", lambda folder: None)
    monkeypatch.setattr(appendix, "write_report", lambda stage_reports, **kw: (stage_reports / "report.html").write_text("r"))
    args = (tmp_path / "raw", "2022-01-31")
    assert runner.build(*args, out_root=tmp_path, notebooks=[]).read_text() == "r"
    with pytest.raises(runner.NotebookFailed):
        runner.build(*args, out_root=tmp_path, notebooks=[])
    assert sorted(p.name for p in (tmp_path / ".build").iterdir()) == ["stage-1"] and other.is_dir()


def test_one_build_at_a_time_publishes_and_a_lock_left_by_a_killed_build_is_taken_over(tmp_path):
    lock, order = tmp_path / "publishing", []
    lock.mkdir()  # held by another build, which releases it 0.2 s later
    threading.Timer(0.2, lambda: (order.append("other released"), lock.rmdir())).start()
    with runner._publishing(tmp_path):
        order.append("published")
        assert lock.is_dir()
    assert order == ["other released", "published"] and not lock.exists()
    lock.mkdir()  # left by a build killed while publishing
    old = runner.time.time() - runner.STALE_LOCK_SECONDS - 1
    runner.os.utime(lock, (old, old))
    with runner._publishing(tmp_path):
        assert lock.is_dir() and lock.stat().st_mtime > old
    assert not lock.exists()


def test_ctrl_c_is_ignored_while_a_build_publishes_and_heeded_again_after(tmp_path):
    """Publishing moves all the outputs or none: a Ctrl-C in the middle would leave some new and some old. The test
    starts from Python's own handler, as in a terminal: run in the background or under nohup, the tests inherit
    Ctrl-C ignored, which publishing then leaves as it found it."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        try:
            with runner._publishing(tmp_path):
                signal.raise_signal(signal.SIGINT)
        except KeyboardInterrupt:
            pytest.fail("Ctrl-C stopped publishing half-way")
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)
    finally:
        signal.signal(signal.SIGINT, before)


@pytest.mark.skipif(shutil.which("git") is None or os.name == "nt" or not f"{PROJECT_ROOT}{sys.prefix}".isascii(),
                    reason="needs git, a locale set by LC_ALL, and paths an ASCII locale can hold")
def test_git_state_reads_a_branch_named_in_chinese_whatever_the_locales_encoding(tmp_path):
    """As on a Windows whose code page is not UTF-8 (cp936 in China): Python's locale encoding here is ASCII."""
    git = ["git", "-C", str(tmp_path), "-c", "user.name=a", "-c", "user.email=a@b"]
    for args in (["init", "-q"], ["commit", "-q", "--allow-empty", "-m", "a"], ["checkout", "-q", "-b", "分析-ü"]):
        subprocess.run(git + args, check=True)
    commit = subprocess.run(git + ["rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    code = f"from pathlib import Path; from analysis_utils import runner; print(runner.git_state(Path({str(tmp_path)!r})))"
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}
    done = subprocess.run([sys.executable, "-c", f"import locale; assert locale.getencoding() == 'ANSI_X3.4-1968'; {code}"],
                          capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == repr({"commit": commit, "dirty": "no"})


def _without_cell_ids(nb) -> str:
    """``nb`` as nbformat 4.4 and older write it: no cell ids (older Jupyter versions, some converters)."""
    raw = json.loads(nbformat.writes(nb))
    raw["nbformat_minor"] = 4
    for cell in raw["cells"]:
        del cell["id"]
    return json.dumps(raw)


def test_a_notebook_without_cell_ids_or_with_one_twice_runs_from_a_copy_with_ids_by_position(tmp_path):
    with_ids = _write(tmp_path, {"01_a.ipynb": _notebook("x = 1")})[0]
    assert runner._with_cell_ids(with_ids, tmp_path / "sources") == with_ids  # as it is: no copy
    old = tmp_path / "02_b.ipynb"
    old.write_text(_without_cell_ids(_notebook("x = 1", "y = 2")), encoding="utf-8")
    copy = runner._with_cell_ids(old, tmp_path / "sources")
    assert copy == tmp_path / "sources" / "02_b.ipynb" and "id" not in old.read_text(encoding="utf-8")
    nb = nbformat.read(copy, as_version=4)
    assert [c.id for c in nb.cells] == ["cell-0", "cell-1", "cell-2"] and nb.nbformat_minor == 5
    assert [c.source for c in nb.cells] == ["DATA_DIR = 'data/raw'\nSEED = 1\n", "x = 1", "y = 2"]
    twice = json.loads(nbformat.writes(_notebook("x = 1", "y = 2")))
    twice["cells"][2]["id"] = twice["cells"][1]["id"]  # a merge gone wrong: nbformat would give one a random id
    (tmp_path / "03_c.ipynb").write_text(json.dumps(twice), encoding="utf-8")
    copy = runner._with_cell_ids(tmp_path / "03_c.ipynb", tmp_path / "sources")
    assert [c["id"] for c in json.loads(copy.read_text(encoding="utf-8"))["cells"]] == ["cell-0", "cell-1", "cell-2"]


@pytest.mark.slow
def test_a_notebook_without_cell_ids_gives_the_same_executed_notebook_in_every_build(tmp_path):
    """papermill would give its cells random ids (nbformat's upgrade): the report's ids would change each build."""
    old = tmp_path / "01_a.ipynb"
    old.write_text(_without_cell_ids(_notebook("print(1)")), encoding="utf-8")
    builds = []
    for stage in ("stage-1", "stage-2"):
        runner.execute_notebooks([old], {"DATA_DIR": "d"}, tmp_path / stage)
        builds.append((tmp_path / stage / "reports" / "executed" / "01_a.ipynb").read_bytes())
    assert builds[0] == builds[1] and b'"id": "cell-1"' in builds[0]


@pytest.mark.slow
@pytest.mark.parametrize("kernel_path", ["fork", "warm", "plain"])
def test_each_notebook_runs_in_a_fresh_kernel(tmp_path, kernel_path):
    first = _notebook("import matplotlib as mpl; mpl.rcParams['lines.linewidth'] = 9; leaked = 1",
                      "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nplt.show()")
    second = _notebook("import matplotlib as mpl\nprint(mpl.rcParams['lines.linewidth'], 'leaked' in dir())",
                       "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.plot([1, 2]);")
    paths = _write(tmp_path, {"01_a.ipynb": first, "02_b.ipynb": second})
    executed = runner.execute_notebooks(paths, {"DATA_DIR": "d"}, tmp_path / "stage", kernel_path=kernel_path)
    assert executed[1].cells[-2].outputs[0]["text"] == "1.5 False\n"  # nothing of 01_a is left
    assert [c.execution_count for c in executed[1].cells] == [1, 2, 3, 4]  # a fresh kernel numbers from 1
    # figures display by themselves: the inline backend is set up in a forked kernel as in a new one
    assert any("image/png" in o.get("data", {}) for o in executed[1].cells[-1].outputs)
    assert (tmp_path / "stage" / "reports" / "executed" / "02_b.ipynb").exists()


@pytest.mark.slow
def test_text_printed_in_pieces_is_one_output_however_the_kernel_cut_it(tmp_path):
    """ipykernel sends printed text in pieces cut by its 0.2 s flush timer; the executed notebook must not show the cut."""
    nb = _notebook("import sys, time\nprint('done: 24/240', end='', flush=True); time.sleep(0.5)\nprint()\n"
                   "print('n = 11')\nprint('warning', file=sys.stderr, flush=True); time.sleep(0.3); print('end')")
    executed, = runner.execute_notebooks(_write(tmp_path, {"01_a.ipynb": nb}), {"DATA_DIR": "d"}, tmp_path / "stage")
    assert [(o.name, o.text) for o in executed.cells[-1].outputs] == [
        ("stdout", "done: 24/240\nn = 11\nend\n"), ("stderr", "warning\n")]


@pytest.mark.slow
def test_failing_notebook_names_the_notebook_and_cell_and_keeps_the_partial_notebook(tmp_path):
    nb = _notebook("ok = 1", "raise ValueError('bad ESSDAI level')", "never = 1")
    paths = _write(tmp_path, {"03_broken.ipynb": nb})
    with pytest.raises(runner.NotebookFailed, match=r"03_broken.ipynb: cell 3 \(id cell-02\) failed: ValueError: bad ESSDAI level"):
        runner.execute_notebooks(paths, {"DATA_DIR": "d"}, tmp_path / "stage")
    partial = nbformat.read(tmp_path / "stage" / "failed" / "03_broken.ipynb", as_version=4)
    assert partial.cells[0].id == "papermill-error-0"  # papermill's note on where it failed, first
    assert partial.cells[5].id == "cell-02" and partial.cells[5].outputs[0]["output_type"] == "error"
    assert partial.cells[6].outputs == []  # never ran


@pytest.mark.slow
@pytest.mark.parametrize(("source", "error"), [
    ("import os; os._exit(1)", "DeadKernelError: Kernel died"),  # as when the system stops a kernel out of memory
    ("import time; time.sleep(60)", "CellTimeoutError: A cell timed out while it was being executed, after 2 seconds."),
])
def test_a_kernel_that_dies_or_a_cell_past_the_timeout_names_the_notebook_and_cell_and_keeps_what_ran(
        tmp_path, source, error):
    nb = _notebook("print('ok')", source, "never = 1")
    paths = _write(tmp_path, {"04_stops.ipynb": nb})
    with pytest.raises(runner.NotebookFailed, match=re.escape(f"04_stops.ipynb: cell 3 (id cell-02) failed: {error}")):
        runner.execute_notebooks(paths, {"DATA_DIR": "d"}, tmp_path / "stage", timeout=2)
    partial = nbformat.read(tmp_path / "stage" / "failed" / "04_stops.ipynb", as_version=4)
    assert [c.id for c in partial.cells] == ["cell-00", "injected-parameters", "cell-01", "cell-02", "cell-03"]
    assert partial.cells[2].outputs[0]["text"] == "ok\n" and partial.cells[4].outputs == []
    assert not (tmp_path / "stage" / "reports" / "executed" / "04_stops.ipynb").exists()


@pytest.mark.slow
@pytest.mark.parametrize("kernel_path", ["fork", "warm", "plain"])
def test_a_package_module_with_a_syntax_error_fails_the_cell_that_imports_it_on_every_path(
        tmp_path, monkeypatch, kernel_path):
    """A statistician's edit with a syntax error: the fork template skips the module (it must not stop, taking every
    kernel with it), and the notebook's own import names the error, as on the other paths."""
    if kernel_path == "fork" and not kernels.fork_is_safe():
        pytest.skip("fork needs Linux")
    package = tmp_path / "src" / "analysis_utils"
    shutil.copytree(PROJECT_ROOT / "src" / "analysis_utils", package, ignore=shutil.ignore_patterns("__pycache__"))
    with (package / "conmeds.py").open("a", encoding="utf-8") as f:
        f.write("\ndef broken(:\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "src"))  # the package of the kernels (and of the template)
    nb = _notebook("ok = 1", "from analysis_utils import conmeds", "never = 1")
    with pytest.raises(runner.NotebookFailed, match=r"04_edited.ipynb: cell 3 \(id cell-02\) failed: SyntaxError"):
        runner.execute_notebooks(_write(tmp_path, {"04_edited.ipynb": nb}), {"DATA_DIR": "d"}, tmp_path / "stage",
                                 kernel_path=kernel_path)


@pytest.mark.slow
@pytest.mark.parametrize("kernel_path", ["fork", "warm", "plain"])
def test_a_notebook_stopped_by_another_ones_failure_is_not_kept_as_failed_nor_reported(tmp_path, capfd, caplog,
                                                                                        kernel_path):
    failing = _notebook("import time; time.sleep(1)", "raise ValueError('bad visit')")
    failing.metadata["report"] = {"needs": []}
    ran = tmp_path / "cells-run"  # a dot for each cell of the other notebook that ran: 40 cells, 20 s
    other = _notebook(*[f"import time; open({str(ran)!r}, 'a').write('.'); time.sleep(0.5)"] * 40)
    other.metadata["report"] = {"needs": []}
    paths = _write(tmp_path, {"01_fails.ipynb": failing, "02_other.ipynb": other})
    with pytest.raises(runner.NotebookFailed, match="01_fails.ipynb: cell 3 .* ValueError: bad visit"):
        runner.execute_notebooks(paths, {"DATA_DIR": "d"}, tmp_path / "stage", parallel=2, kernel_path=kernel_path)
    # stopped, on the plain path too (papermill's own kernel: before its next cell), not run to its end
    assert 0 < len(ran.read_text()) < 20
    assert sorted(p.name for p in (tmp_path / "stage" / "failed").iterdir()) == ["01_fails.ipynb"]
    # nothing printed besides the error: no "Kernel died while waiting for execute reply" for the kernel stopped,
    # no warning that a kernel on TCP (plain) is unencrypted, no "KeyboardInterrupt caught" as papermill stops it
    printed = capfd.readouterr().err + "".join(r.getMessage() for r in caplog.records)
    assert "Kernel died" not in printed and "without encryption" not in printed and "KeyboardInterrupt" not in printed


def _processes_of(out: Path) -> list[int]:
    """The processes whose environment names a staging folder under ``out``: a build's kernels and fork template
    (Linux: ``/proc``)."""
    found, marker = [], f"{runner.paths.STAGE_VARIABLE}={out.resolve()}".encode()
    for environ in Path("/proc").glob("[0-9]*/environ"):
        with contextlib.suppress(OSError):  # gone meanwhile, or another user's
            if marker in environ.read_bytes():
                found.append(int(environ.parent.name))
    return found


@pytest.mark.slow
@pytest.mark.skipif(os.name == "nt", reason="signals a process group, as a terminal's Ctrl-C does on Linux and macOS")
@pytest.mark.parametrize("moment", ["kernels starting", "notebook running"])
@pytest.mark.parametrize("kernel_path", ["fork", "warm", "plain"])
def test_ctrl_c_stops_the_build_with_one_line_and_leaves_no_process_nor_staging_folder(tmp_path, kernel_path, moment):
    """Ctrl-C reaches the runner only: kernels and the fork template run in sessions of their own (as jupyter_client
    starts papermill's, ``plain``), so that none prints a traceback while it imports; the runner stops them. On the
    plain path the notebook stops once its running cell has finished (hence a minute of short cells)."""
    if kernel_path == "fork" and not kernels.fork_is_safe():
        pytest.skip("fork needs Linux")
    if not Path("/proc/self/environ").exists():
        pytest.skip("finds the build's kernels in /proc (Linux)")
    started, out = tmp_path / "started", tmp_path / "out"
    _write(tmp_path, {"01_waits.ipynb": _notebook(f"open({str(started)!r}, 'w').close()", *["import time; time.sleep(0.5)"] * 120)})
    script = ("import sys; from pathlib import Path; from analysis_utils import runner\n"
              "runner.list_notebooks = lambda: [Path(sys.argv[1])]\n"
              "sys.exit(runner.main(['--data-cutoff', '2022-01-31', '--out-root', sys.argv[2], '--kernels', sys.argv[3]]))")
    build = subprocess.Popen([sys.executable, "-c", script, tmp_path / "01_waits.ipynb", out, kernel_path],
                             stderr=subprocess.PIPE, text=True, start_new_session=True)
    if moment == "kernels starting":  # the build's first kernel (or the template) started 0.15 s ago: it imports
        while not _processes_of(out) and build.poll() is None:
            time.sleep(0.01)
        time.sleep(0.15)
    for _ in range(1200):  # until the notebook runs (at most a minute)
        if moment == "kernels starting" or started.exists() or build.poll() is not None:
            break
        time.sleep(0.05)
    os.killpg(build.pid, signal.SIGINT)
    assert (build.wait(timeout=60), build.stderr.read()) == (130, "interrupted: nothing was replaced\n")
    assert list((out / ".build").glob("stage-*")) == []
    for _ in range(100):  # kernels killed a moment ago may take that moment to go
        if not _processes_of(out):
            break
        time.sleep(0.05)
    else:
        pytest.fail(f"processes of the build (kernels, the fork template) are still running: {_processes_of(out)}")


def _staged_and_published(tmp_path) -> tuple[Path, Path]:
    """A staging folder with new outputs and a checkout with old ones ("new adsl.parquet", "old adsl.parquet")."""
    stage, out = tmp_path / ".build" / "stage", tmp_path
    for folder, files in {"processed": ["adsl.parquet"], "figures": ["f.png"], "reports": ["report.html", "tables.xlsx"]}.items():
        for target in (stage / folder, out / ("data/processed" if folder == "processed" else folder)):
            target.mkdir(parents=True, exist_ok=True)
            for name in files:
                (target / name).write_text(f"{'new' if target.is_relative_to(stage) else 'old'} {name}")
    return stage, out


def _published(stage: Path, out: Path) -> set[str]:
    return {p.read_text() for p in out.rglob("*") if p.is_file() and not p.is_relative_to(stage)}


def test_publishing_replaces_all_outputs_or_none_when_a_file_is_held_open(tmp_path, monkeypatch, hold_open):
    stage, out = _staged_and_published(tmp_path)
    hold_open(out / "reports" / "tables.xlsx")  # the old workbook, open in Excel
    with pytest.raises(OSError, match=r"another process \(open in another program\?\); nothing was replaced: .*tables.xlsx"):
        runner._publish(stage, out, started=0)
    assert _published(stage, out) == {"old adsl.parquet", "old f.png", "old report.html", "old tables.xlsx"}
    monkeypatch.undo()
    shutil.rmtree(stage / "old")
    runner._publish(stage, out, started=1_600_000_000)  # once the file is closed
    assert _published(stage, out) == {"new adsl.parquet", "new f.png", "new report.html", "new tables.xlsx"}
    # dated the build's start: make rebuilds after a notebook saved while the build ran
    assert (out / "reports" / "report.html").stat().st_mtime == 1_600_000_000


def test_a_failure_with_the_old_report_held_open_warns_and_keeps_the_failed_notebook(tmp_path, hold_open, capsys):
    """Word, on Windows, holds the report.html it shows: the failure's own error must still be the one shown."""
    stage, reports = tmp_path / ".build" / "stage", tmp_path / "reports"
    reports.mkdir(parents=True)
    (reports / "report.html").write_text("old")
    (stage / "failed").mkdir(parents=True)
    (stage / "failed" / "05_efficacy_figures.ipynb").write_text("partly executed")
    hold_open(reports / "report.html")
    runner._retire(stage, reports)  # no error of its own
    assert capsys.readouterr().err == ("warning: reports/report.html, of the last build that succeeded, stays as it is "
                                       "(The process cannot access the file because it is being used by another "
                                       "process: open in another program?)\n")
    assert (reports / "report.html").read_text() == "old" and not (reports / "report.previous.html").exists()
    assert [p.name for p in (reports / "failed").iterdir()] == ["05_efficacy_figures.ipynb"]


def test_publishing_undoes_its_moves_when_a_new_file_cannot_be_moved_and_on_windows_waits_out_a_scanner(
        tmp_path, monkeypatch, hold_open):
    """An antivirus scanner or OneDrive holds the new workbook: held for good, the old outputs are put back and the
    new ones stay staged; on Windows, held for a moment (two refusals), the move is tried again and works."""
    stage, out = _staged_and_published(tmp_path)
    hold_open(stage / "reports" / "tables.xlsx")
    with pytest.raises(OSError, match=r"another process \(open in another program\?\); nothing was replaced"):
        runner._publish(stage, out, started=0)
    assert _published(stage, out) == {"old adsl.parquet", "old f.png", "old report.html", "old tables.xlsx"}
    assert {p.read_text() for p in stage.glob("*/*") if p.is_file()} == {
        "new adsl.parquet", "new f.png", "new report.html", "new tables.xlsx"}
    shutil.rmtree(stage / "old")
    tries = hold_open(stage / "reports" / "tables.xlsx", times=2)
    monkeypatch.setattr(runner.paths, "replace", functools.partial(runner.paths.replace, platform="win32"))
    runner._publish(stage, out, started=0)
    assert len(tries) == 3  # two refused, the third moved it
    assert _published(stage, out) == {"new adsl.parquet", "new f.png", "new report.html", "new tables.xlsx"}


def test_a_failed_build_says_where_the_last_report_went(tmp_path, monkeypatch, capsys):
    notebook = _write(tmp_path, {"01_fails.ipynb": _notebook("1 / 0")})[0]
    monkeypatch.setattr(runner, "list_notebooks", lambda: [notebook])
    (tmp_path / "out" / "reports").mkdir(parents=True)
    (tmp_path / "out" / "reports" / "report.html").write_text("of the last build")
    assert runner.main(["--data-cutoff", "2022-01-31", "--out-root", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: 01_fails.ipynb: cell 2 (id cell-01) failed: ZeroDivisionError")
    assert err.endswith("\n(the last build's report is now reports/report.previous.html)\n")
    assert (tmp_path / "out" / "reports" / "report.previous.html").read_text() == "of the last build"


def test_after_a_failure_the_report_is_retired_and_only_this_builds_failed_notebook_is_kept(tmp_path):
    stage, reports = tmp_path / ".build" / "stage", tmp_path / "reports"
    (reports / "failed").mkdir(parents=True)
    (reports / "failed" / "03_eligibility.ipynb").write_text("of an earlier build")
    (reports / "report.html").write_text("old")
    runner._retire(stage, reports)  # a failure that kept no notebook: publishing, or Ctrl-C
    assert sorted(p.name for p in reports.iterdir()) == ["report.previous.html"]
    (stage / "failed").mkdir(parents=True)
    (stage / "failed" / "05_efficacy_figures.ipynb").write_text("partly executed")
    runner._retire(stage, reports)
    assert [p.name for p in (reports / "failed").iterdir()] == ["05_efficacy_figures.ipynb"]
    assert (reports / "report.previous.html").read_text() == "old"


def test_a_data_cut_not_written_yyyy_mm_dd_stops_the_build_before_anything_runs(tmp_path, capsys):
    for bad in ("01/02/2022", "2022-1-31", "20220131", "2022-02-30"):
        with pytest.raises(SystemExit) as stop:
            runner.main(["--data-cutoff", bad, "--out-root", str(tmp_path)])
        assert stop.value.code == 2 and f"{bad!r}: expected a date written YYYY-MM-DD" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
@pytest.mark.parametrize("kernel_path", ["fork", "warm", "plain"])
def test_a_notebook_declaring_no_folders_reads_and_writes_the_builds_not_the_published_ones(tmp_path, kernel_path):
    if kernel_path == "fork" and not kernels.fork_is_safe():
        pytest.skip("fork needs Linux")
    nb = nbformat.v4.new_notebook()  # a statistician's new notebook, without a parameters cell
    nb.cells = [nbformat.v4.new_code_cell("from analysis_utils import paths\n"
                                          "print(paths.DATA_PROCESSED, paths.FIGURES, paths.REPORTS)")]
    executed, = runner.execute_notebooks(_write(tmp_path, {"09_adhoc.ipynb": nb}), {"DATA_DIR": "d"}, tmp_path / "stage",
                                         kernel_path=kernel_path)
    stage = (tmp_path / "stage").resolve()
    assert executed.cells[0].outputs[0]["text"] == f"{stage / 'processed'} {stage / 'figures'} {stage / 'reports'}\n"


@pytest.mark.parametrize(("report", "error"), [
    ({"needs": "01_a"}, "02_b.ipynb: metadata report.needs '01_a': expected a list of notebook names"),
    ({"kernel": "stat"}, "metadata report.kernel {'02_b.ipynb': 'stat'}: expected one of base, stats, full"),
    ({"section": "efficacy-figures"}, "02_b.ipynb: unknown report section 'efficacy-figures' (known: ['disposition', "
                                      "'efficacy', 'safety', 'listings', 'planning', 'appendix'])"),
])
def test_a_metadata_mistake_names_the_notebook_before_any_kernel_starts(tmp_path, monkeypatch, report, error):
    monkeypatch.setattr(runner.kernels, "Kernels", None)  # never reached
    second = _notebook("x = 1")
    second.metadata["report"] = report
    paths = _write(tmp_path, {"01_a.ipynb": _notebook("x = 1"), "02_b.ipynb": second})
    with pytest.raises(runner.NotebookFailed, match=re.escape(error)):
        runner.execute_notebooks(paths, {"DATA_DIR": "d"}, tmp_path / "stage")


def test_two_notebooks_of_one_number_stop_the_build_before_any_kernel_starts(tmp_path, monkeypatch):
    """JupyterLab's Duplicate names a copy 04_efficacy-Copy1.ipynb: built, its section came twice into the report, and
    its cells' ids (nb04-...) repeated the original's, which nbconvert replaced with random ones."""
    monkeypatch.setattr(runner.kernels, "Kernels", None)  # never reached
    paths = _write(tmp_path, {"01_a.ipynb": _notebook("x = 1"), "04_efficacy.ipynb": _notebook("x = 1"),
                              "04_efficacy-Copy1.ipynb": _notebook("x = 1")})
    with pytest.raises(runner.NotebookFailed, match=re.escape(
            "04_efficacy.ipynb and 04_efficacy-Copy1.ipynb: one number, two notebooks (a copy, as JupyterLab's")):
        runner.execute_notebooks(paths, {"DATA_DIR": "d"}, tmp_path / "stage")


def test_notebook_needs_default_to_every_earlier_notebook_and_must_be_earlier():
    meta = {"01_a.ipynb": {}, "02_b.ipynb": {"report": {"needs": []}}, "03_c.ipynb": {"report": {"needs": ["01_a"]}}}
    assert runner.notebook_needs(meta) == {"01_a.ipynb": [], "02_b.ipynb": [], "03_c.ipynb": ["01_a.ipynb"]}
    with pytest.raises(ValueError, match=r"01_a.ipynb: metadata report.needs names \['02_b.ipynb'\]"):
        runner.notebook_needs({"01_a.ipynb": {"report": {"needs": ["02_b"]}}, "02_b.ipynb": {}})


def test_each_shipped_notebook_needs_the_notebooks_that_write_what_it_reads():
    """What a notebook reads (analysis datasets, the ARD) is written by a notebook it needs, directly or not."""
    import inspect
    import json
    import re

    from analysis_utils import cleaning

    meta, sources = {}, {}
    for path in runner.list_notebooks():
        nb = json.loads(path.read_text(encoding="utf-8"))
        meta[path.name] = nb["metadata"]
        sources[path.name] = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    needs = runner.notebook_needs(meta)
    writes = {name: {m for cell in cells for m in re.findall(r'write_processed\(\w+, "(\w+)"', cell)}
              | ({"ard"} if any(re.search(r"save_ard(_sections)?\(", cell) for cell in cells) else set())
              for name, cells in sources.items()}
    writes["01_data_cleaning.ipynb"] |= set(re.findall(r'"(ad\w+)":', inspect.getsource(cleaning.derive_all)))
    for name, cells in sources.items():
        reads = {m for cell in cells if "read_processed" in cell for m in re.findall(r'"(ad\w+)"', cell)}
        reads |= {"ard"} if any("read_ard(" in cell for cell in cells) else set()
        before, stack = set(), list(needs[name])
        while stack:
            needed = stack.pop()
            before |= writes[needed]
            stack += needs[needed]
        assert reads <= before, (name, sorted(reads - before))
        assert reads or not needs[name], name  # a notebook that needs others reads something of theirs
    side_by_side = ("03_eligibility.ipynb", "04_efficacy.ipynb", "05_efficacy_figures.ipynb", "06_safety.ipynb",
                    "07_next_trial_planning.ipynb")
    assert all(needs[name] == ["02_scoring.ipynb"] for name in side_by_side)  # they run side by side


@pytest.mark.slow
def test_notebooks_that_need_the_same_one_run_side_by_side(tmp_path):
    stamp = tmp_path / "stamp"
    first = _notebook(f"import pathlib; pathlib.Path({str(stamp)!r}).write_text('1')")
    later = ("import time, pathlib\nstart = time.time(); time.sleep(2)\n"
             f"print(pathlib.Path({str(stamp)!r}).read_text(), start, time.time())")
    second, third = _notebook(later), _notebook(later)
    for nb in (second, third):
        nb.metadata["report"] = {"needs": ["01_a"]}
    paths = _write(tmp_path, {"01_a.ipynb": first, "02_b.ipynb": second, "03_c.ipynb": third})
    executed = runner.execute_notebooks(paths, {"DATA_DIR": "d"}, tmp_path / "stage", parallel=2)
    (b_stamp, b_start, b_end), (c_stamp, c_start, c_end) = (nb.cells[-1].outputs[0]["text"].split()
                                                            for nb in executed[1:])
    assert b_stamp == c_stamp == "1"  # both ran after 01 wrote its file
    assert float(b_start) < float(c_end) and float(c_start) < float(b_end)  # and at the same time
    assert [c.execution_count for c in executed[2].cells] == [1, 2, 3]  # numbered per notebook
    seconds = json.loads((tmp_path / "notebook-seconds.json").read_text())  # the next build's run order
    assert set(seconds) == {"01_a.ipynb", "02_b.ipynb", "03_c.ipynb"}
    assert seconds["02_b.ipynb"] >= 2 and seconds["03_c.ipynb"] >= 2  # each slept 2 s; 01 did not


@pytest.mark.slow
def test_a_failing_notebook_stops_the_one_running_beside_it(tmp_path):
    import time

    first = _notebook("ok = 1")
    slow = _notebook("import time; time.sleep(60)")
    broken = _notebook("raise ValueError('bad ESSPRI item')")
    for nb in (slow, broken):
        nb.metadata["report"] = {"needs": ["01_a"]}
    paths = _write(tmp_path, {"01_a.ipynb": first, "02_slow.ipynb": slow, "03_broken.ipynb": broken})
    start = time.perf_counter()
    with pytest.raises(runner.NotebookFailed, match=r"03_broken.ipynb: cell 2 \(id cell-01\) failed: ValueError"):
        runner.execute_notebooks(paths, {"DATA_DIR": "d"}, tmp_path / "stage", parallel=2)
    assert time.perf_counter() - start < 30  # the 60-second notebook was stopped, not waited for
    assert (tmp_path / "stage" / "failed" / "03_broken.ipynb").exists()


def test_a_broken_notebook_file_is_named_before_any_kernel_starts(tmp_path):
    (tmp_path / "01_a.ipynb").write_text('{"cells": [', encoding="utf-8")
    with pytest.raises(runner.NotebookFailed, match=r"01_a.ipynb: not a notebook file \(JSONDecodeError"):
        runner.execute_notebooks([tmp_path / "01_a.ipynb"], {"DATA_DIR": "d"}, tmp_path / "stage")


@pytest.mark.slow
def test_every_kernel_path_gives_the_same_outputs_and_stops_its_kernels(tmp_path):
    """A notebook imports what it uses, so the way its kernel started changes nothing in its outputs."""
    import os
    import time
    from pathlib import Path

    source = ("import os, sys, matplotlib.pyplot as plt, pandas as pd\n"
              "print(pd.DataFrame({'AVAL': [1.5, 2.5]}).mean().iloc[0], sys.flags.hash_randomization, hash('essdai'))\n"
              "fig, ax = plt.subplots(figsize=(2, 2)); ax.plot([0, 1]); plt.show()")
    paths = _write(tmp_path, {"01_a.ipynb": _notebook(source, "print(os.getpid())")})
    outputs = {}
    for kernel_path in ("fork", "warm", "plain"):
        executed = runner.execute_notebooks(paths, {"DATA_DIR": "d"}, tmp_path / kernel_path, kernel_path=kernel_path)
        outputs[kernel_path] = executed[0].cells[2].outputs
        pid = int(executed[0].cells[-1].outputs[0]["text"])
        status = Path(f"/proc/{pid}/status")
        deadline = time.monotonic() + 5
        while status.exists() and "State:\tZ" not in status.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pid != os.getpid() and (not status.exists() or "State:\tZ" in status.read_text()), kernel_path
        assert (tmp_path / kernel_path / "reports" / "executed" / "01_a.ipynb").exists()
    assert outputs["fork"] == outputs["warm"] == outputs["plain"]
    assert outputs["fork"][0]["text"].startswith("2.0 0 ")  # PYTHONHASHSEED=0 in every kernel
    assert any("image/png" in o.get("data", {}) for o in outputs["fork"])


@pytest.mark.slow
@pytest.mark.parametrize("kernel_path", ["fork", "warm", "plain"])
def test_kernels_keep_no_input_history(tmp_path, kernel_path):
    """A build's cells are not written to the user's IPython history database."""
    paths = _write(tmp_path, {"01_a.ipynb": _notebook("print(get_ipython().history_manager.enabled)")})
    executed = runner.execute_notebooks(paths, {"DATA_DIR": "d"}, tmp_path / "stage", kernel_path=kernel_path)
    assert executed[0].cells[-1].outputs[0]["text"] == "False\n"


def test_a_file_that_is_no_export_stops_before_any_kernel_saying_what_to_do(tmp_path, capsys):
    """A zipped export, an .xls workbook or one CSV given as the data folder: a sentence, not a notebook's
    FileNotFoundError ("raw export not found" of a file that exists)."""
    for name, words in (("pilot.zip", "pilot.zip is a zip archive: unzip it"),
                        ("pilot.xls", "pilot.xls is an Excel 97-2003 workbook: save it as .xlsx"),
                        ("labs.csv", "labs.csv is one form: give the folder that holds the export's CSV files")):
        (tmp_path / name).write_bytes(b"PK")
        assert runner.main(["--data-dir", str(tmp_path / name), "--out-root", str(tmp_path / "out")]) == 1
        err = capsys.readouterr().err
        assert words in err and "nothing was replaced" in err and not (tmp_path / "out").exists()
