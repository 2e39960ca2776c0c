import os
import subprocess
import sys

import pytest

from analysis_utils import kernels


def _modules_after(imports: list[str]) -> set[str]:
    code = "import importlib, sys\n" + "".join(f"importlib.import_module({m!r})\n" for m in imports) + \
           "print(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, **kernels.KERNEL_ENV}).stdout
    return set(out.split())


def test_base_stage_leaves_out_the_slow_libraries_and_full_stage_not_the_inline_backend():
    """The base stage is ready early only while it imports no scipy, matplotlib or statsmodels; and
    the inline backend must be imported inside a kernel (it hooks into the kernel's shell then), never by
    the template, or figures left open would not be displayed."""
    base = _modules_after(list(kernels.stage_imports("base")))
    assert {"pandas", "numpy", "pyarrow", "ipykernel"} <= base
    assert not {"scipy", "matplotlib", "statsmodels"} & base
    full = _modules_after(list(kernels.stage_imports("full")))
    assert {"scipy", "matplotlib"} <= full
    assert "matplotlib_inline.backend_inline" not in full
    assert "statsmodels" not in full  # only endpoints.fit_mixed_model needs it; it imports it itself
    assert "nbformat" not in full  # only the kernel that writes the report needs it (base stage)


def test_kernel_environment_fixes_hashing_dates_and_threads():
    assert kernels.KERNEL_ENV["PYTHONHASHSEED"] == "0" and kernels.KERNEL_ENV["SOURCE_DATE_EPOCH"] == "0"
    assert {kernels.KERNEL_ENV[k] for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")} == {"1"}


def _fork_template():
    """Run ``kernels.template_main`` in a child with only its ends of the pipes, as the runner starts it.

    Returns the child's pid and the runner's ends: base requests, base replies, full requests, full replies.
    """
    pipes = [os.pipe() for _ in range(4)]  # base requests, base replies, full requests, full replies
    fds = [pipes[0][0], pipes[1][1], pipes[2][0], pipes[3][1]]
    pid = os.fork()
    if pid == 0:
        try:
            for fd in (pipes[0][1], pipes[1][0], pipes[2][1], pipes[3][0]):
                os.close(fd)
            kernels.template_main(fds)
        finally:
            os._exit(1)
    for fd in fds:
        os.close(fd)
    return pid, pipes[0][1], pipes[1][0], pipes[2][1], pipes[3][0]


def test_a_stage_that_cannot_import_closes_its_pipe_and_prints_why(monkeypatch, capfd):
    """The runner sees the full stage's reply pipe close (and names the stage); the traceback is on stderr."""
    monkeypatch.setitem(kernels.STAGE_IMPORTS, "full", ("analysis_utils.no_such_module",))
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    pid, base_requests, base_replies_fd, full_requests, full_replies_fd = _fork_template()
    with os.fdopen(full_replies_fd, "rb") as full_replies, os.fdopen(base_replies_fd, "rb") as base_replies:
        assert full_replies.read() == b""  # closed without {"ready": "full"}
        assert base_replies.readline() == b'{"ready": "base"}\n'  # the base stage still serves
        os.close(base_requests)  # no more requests: the base stage exits
        os.close(full_requests)
        os.waitpid(pid, 0)
    assert "No module named 'analysis_utils.no_such_module'" in capfd.readouterr().err


def test_the_template_imports_every_module_once(monkeypatch, tmp_path):
    """The common list is imported before the full stage is forked, and each stage imports only its own list."""
    log = tmp_path / "imports"
    monkeypatch.setattr(kernels, "COMMON_IMPORTS", ("json", "csv"))
    monkeypatch.setattr(kernels, "STAGE_IMPORTS", {"base": ("decimal",), "full": ("fractions",)})
    monkeypatch.setattr(kernels, "_warm_matplotlib", lambda: None)

    def record(name):
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"{os.getpid()} {name}\n")

    monkeypatch.setattr(kernels.importlib, "import_module", record)
    pid, base_requests, base_replies_fd, full_requests, full_replies_fd = _fork_template()
    with os.fdopen(base_replies_fd, "rb") as base_replies, os.fdopen(full_replies_fd, "rb") as full_replies:
        assert base_replies.readline() == b'{"ready": "base"}\n'
        assert full_replies.readline() == b'{"ready": "full"}\n'
        os.close(base_requests)  # no more requests: both stages exit
        os.close(full_requests)
        os.waitpid(pid, 0)
    by_process = {}
    for process, name in (line.split() for line in log.read_text(encoding="utf-8").splitlines()):
        by_process.setdefault(process, []).append(name)
    assert sorted(by_process.values()) == [["fractions"], ["json", "csv", "decimal"]]


@pytest.mark.slow
def test_a_kernel_starts_with_nothing_left_to_import(tmp_path):
    """Every module a new kernel has imported by its first cell came from the template (none imported per kernel)."""
    import json

    import nbformat

    from analysis_utils import runner

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("DATA_DIR = 'x'"),
                nbformat.v4.new_code_cell(f"import sys, json; json.dump(sorted(sys.modules), open({str(tmp_path / 'k.json')!r}, 'w'))")]
    nb.cells[0].metadata["tags"] = ["parameters"]
    nb.metadata["report"] = {"needs": [], "kernel": "base"}
    nbformat.write(nb, tmp_path / "01_a.ipynb")
    runner.execute_notebooks([tmp_path / "01_a.ipynb"], {"DATA_DIR": "x"}, tmp_path / "stage")
    in_kernel = set(json.loads((tmp_path / "k.json").read_text()))
    assert in_kernel - _modules_after(list(kernels.stage_imports("base"))) == set()


def test_waiting_for_a_stage_that_never_starts_ends_at_the_timeout(tmp_path):
    """The runner's lanes wait for a stage with ``started``; a stage stuck in its imports must not hang the build."""
    import asyncio
    import shutil
    import time

    async def wait_for_stuck_stage():
        template = kernels.KernelTemplate(tmp_path, timeout=0.2)
        shutil.rmtree(template._folder)
        template._ready = {"full": asyncio.get_running_loop().create_future()}  # never ready
        start = time.monotonic()
        await template.started("full")
        return time.monotonic() - start

    assert 0.15 < asyncio.run(wait_for_stuck_stage()) < 2


def test_a_stage_whose_runner_has_gone_exits_quietly(monkeypatch, capfd, tmp_path):
    """A request whose reply cannot be written (the runner ended) stops the stage without a traceback,
    and the kernel forked for it is killed."""
    import time

    monkeypatch.setattr(kernels, "COMMON_IMPORTS", ())
    monkeypatch.setattr(kernels, "STAGE_IMPORTS", {"base": (), "full": ()})
    monkeypatch.setattr(kernels, "_warm_matplotlib", lambda: None)

    def kernel_that_waits(*args):
        (tmp_path / str(os.getpid())).touch()
        time.sleep(60)
        os._exit(0)

    monkeypatch.setattr(kernels, "_start_kernel", kernel_that_waits)
    write = kernels._write

    def write_later(fd, message):  # the kernel has started by the time its reply fails
        if "pid" in message:
            time.sleep(0.3)
        write(fd, message)

    monkeypatch.setattr(kernels, "_write", write_later)
    pid, base_requests, base_replies_fd, full_requests, full_replies_fd = _fork_template()
    with os.fdopen(full_replies_fd, "rb") as full_replies:
        assert full_replies.readline() == b'{"ready": "full"}\n'
    with os.fdopen(base_replies_fd, "rb") as base_replies:
        assert base_replies.readline() == b'{"ready": "base"}\n'
    # Both reply pipes are closed: the next request's reply cannot be written.
    os.write(full_requests, b'{"connection_file": "unused.json"}\n')
    os.write(base_requests, b'{"connection_file": "unused.json"}\n')
    status = os.waitpid(pid, 0)[1]
    os.close(base_requests)
    os.close(full_requests)
    err = capfd.readouterr().err
    assert status == 0, err  # the base stage (the template itself) exited normally
    assert "Traceback" not in err, err
    kernel_pids = [int(p.name) for p in tmp_path.iterdir()]
    assert len(kernel_pids) == 2  # one per stage
    deadline = time.monotonic() + 5
    while any(os.path.exists(f"/proc/{k}") for k in kernel_pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(os.path.exists(f"/proc/{k}") for k in kernel_pids)
