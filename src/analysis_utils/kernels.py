"""Jupyter kernels forked from a template process that has already imported the libraries.

A kernel started the usual way is a new Python process that imports ipykernel and then, in the
notebook's first cells, pandas, scipy, matplotlib and statsmodels: about 2.5 s before any work,
paid again by every kernel. Here one *template* process (``python -m analysis_utils.kernels``)
imports them once, and every notebook gets a kernel of its own by ``os.fork()`` of the template:
a new process, so notebooks share no state, ready in about 0.2 s.

The template has two stages, so that the first notebooks need not wait for every library. It
imports what every kernel needs (``COMMON_IMPORTS``: ipykernel, numpy, pandas, pyarrow) and the
modules that read, check and derive the data, then forks:

- ``base`` (the template itself) adds what writes the report; ready about 1 s after the build starts.
- ``full`` (its child, at the same time on the other core) adds scipy, matplotlib and the analysis
  modules, and draws one figure (``_warm_matplotlib``); ready about 1.5 s later, while the first
  notebooks run.

A notebook picks its stage in its metadata (``report.kernel``, default ``full``). The stage only
decides what is imported before the notebook's first cell: a notebook imports what it uses
itself, so it gives the same outputs from either stage and when run alone with papermill
(``tests/e2e/test_pipeline.py`` checks it).

Protocol, one JSON line each way: the runner writes ``{"connection_file": path}`` on a stage's
request pipe; the template forks a kernel that binds the sockets named in that file and answers
``{"pid": n}`` on its reply pipe. The first line on each reply pipe is ``{"ready": stage}``. A
stage exits when its request pipe closes or its reply pipe is gone (the build ended, or the runner
died), quietly, and its kernels exit when it does (ipykernel's parent poller).
"""

import asyncio
import contextlib
import gc
import importlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

#: Imported by the template before it forks the full stage: what every kernel needs (ipykernel and
#: the modules a kernel's start imports, numpy, pandas, pyarrow with its parquet reader, pandas' CSV
#: writer) and the modules that read, check and derive the data.
COMMON_IMPORTS = (
    "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger", "IPython.core.history",
    "IPython.core.debugger", "IPython.core.completerlib", "IPython.extensions.storemagic", "tornado.platform.asyncio",
    "IPython.core.oinspect", "IPython.utils.wildcard", "IPython.core.logger", "faulthandler", "runpy",
    "numpy", "pandas", "pyarrow.parquet", "pyarrow.dataset", "pandas.io.formats.csvs",
    "analysis_utils.cleaning", "analysis_utils.eligibility", "analysis_utils.export", "analysis_utils.io",
    "analysis_utils.report", "analysis_utils.scoring", "analysis_utils.tables", "analysis_utils.validation",
)
#: Imported by each stage after the fork, side by side. statsmodels is left to the one function that
#: fits a model (``endpoints.fit_mixed_model``): imported here, it would delay every full-stage kernel.
STAGE_IMPORTS = {
    "base": ("nbformat", "analysis_utils.appendix"),  # for the kernel that writes the report (runner.FINISH_STAGE)
    "full": (
        "scipy.stats", "matplotlib.pyplot",
        "analysis_utils.ctcae", "analysis_utils.disposition", "analysis_utils.endpoints", "analysis_utils.planning",
        "analysis_utils.planning_plots", "analysis_utils.plotting", "analysis_utils.safety",
    ),
}
STAGES = tuple(STAGE_IMPORTS)


def stage_imports(stage: str) -> tuple[str, ...]:
    """Every module a stage's kernels start with, in import order.

    >>> stage_imports("base")[-1], stage_imports("full")[-1]
    ('analysis_utils.appendix', 'analysis_utils.safety')
    """
    return COMMON_IMPORTS + STAGE_IMPORTS[stage]


#: Environment of the template and so of every kernel: fixed hash seed and source date, so that
#: outputs do not vary by run; one BLAS/OpenMP thread each (the kernels already share the cores,
#: and a process that forks must not have started thread pools); no warning from the debugger
#: (debugpy, imported by the template) about frozen modules, as ipykernel itself sets it.
KERNEL_ENV = {
    "PYTHONHASHSEED": "0", "SOURCE_DATE_EPOCH": "0", "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}


# --- the template process -------------------------------------------------------------------

def _write(fd: int, message: dict) -> None:
    os.write(fd, (json.dumps(message) + "\n").encode())


def _start_kernel(connection_file: str, parent: int, close_fds: tuple[int, ...]) -> None:
    """In a forked child: become an ipykernel serving ``connection_file``; never returns."""
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the template ignores it; kernels run subprocesses
        gc.enable()
        for fd in close_fds:
            os.close(fd)
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        os.dup2(devnull, 1)
        from ipykernel.kernelapp import IPKernelApp

        # No input history: a build's cells do not belong in the user's IPython history database,
        # and kernels writing it side by side would contend for it.
        IPKernelApp.launch_instance(argv=["-f", connection_file, f"--IPKernelApp.parent_handle={parent}",
                                          "--HistoryManager.enabled=False"])
    finally:
        os._exit(0)


def _serve(stage: str, requests: int, replies: int) -> None:
    """Answer kernel requests on ``requests`` until it closes, then exit."""
    # Objects imported so far are never collected by a kernel's garbage collector: its collections
    # do not walk (and so copy, page by page) the template's memory (Python's gc.freeze() advice).
    gc.freeze()
    try:
        _write(replies, {"ready": stage})
        with os.fdopen(requests, "r", encoding="utf-8") as lines:
            for line in lines:
                pid = os.fork()
                if pid == 0:
                    _start_kernel(json.loads(line)["connection_file"], os.getppid(), (requests, replies))
                try:
                    _write(replies, {"pid": pid})
                except BrokenPipeError:
                    with contextlib.suppress(ProcessLookupError):  # it may have stopped already
                        os.kill(pid, signal.SIGKILL)  # nobody will connect to it
                    raise
    except BrokenPipeError:
        pass  # the runner has gone (its build ended or failed): no more kernels, and nothing to report
    os._exit(0)  # nothing to clean up, and exiting the interpreter with the libraries loaded is slow


def _warm_matplotlib() -> None:
    """Draw and save one small figure, as PNG and SVG, in the template.

    The first figure a process draws pays for loading fonts and the PNG and SVG writers (about
    0.3 s); done once here, no notebook pays it. The figure is drawn on its own canvas, not through
    pyplot, and no setting is changed, so nothing a notebook sees differs.
    """
    import io

    from matplotlib.figure import Figure

    fig = Figure(figsize=(3, 2), layout="constrained")
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], marker="o", label="line")
    ax.bar([0.5], [0.5], label="bar")
    ax.scatter([0.2], [0.8])
    fig.colorbar(ax.imshow([[0, 1], [1, 0]], extent=(0, 1, 0, 1)), ax=ax, label="scale")
    ax.text(0.5, 0.5, "0.5", ha="center", fontsize=6)
    ax.set(title="Warm-up", xlabel="Visit", ylabel="ESSDAI")
    ax.legend(frameon=False)
    for fmt in ("png", "svg"):
        fig.savefig(io.BytesIO(), format=fmt)


def template_main(fds: list[int]) -> None:
    """Run the template: ``fds`` are the base stage's request and reply pipes, then the full stage's.

    The template imports ``COMMON_IMPORTS``, then forks the full stage; each stage imports its own
    list beside the other, so no module is imported twice.
    """
    base_requests, base_replies, full_requests, full_replies = fds
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # forked kernels are reaped as they exit
    gc.disable()  # no collections in the template: they would leave holes in pages the kernels share
    for name in COMMON_IMPORTS:
        importlib.import_module(name)
    if os.fork() == 0:  # the full stage: a child that imports the rest, beside the base stage
        os.close(base_requests), os.close(base_replies)
        try:
            for name in STAGE_IMPORTS["full"]:
                importlib.import_module(name)
            _warm_matplotlib()
            _serve("full", full_requests, full_replies)
        except BaseException:
            import traceback

            traceback.print_exc()  # on the runner's stderr; the runner then names the stage that stopped
        finally:
            os._exit(1)
    os.close(full_requests), os.close(full_replies)
    for name in STAGE_IMPORTS["base"]:
        importlib.import_module(name)
    _serve("base", base_requests, base_replies)


# --- the runner's side ----------------------------------------------------------------------

class _ForkedKernel:
    """What nbclient asks of a kernel manager, for a kernel forked by the template."""

    has_kernel = True

    def __init__(self, pid: int):
        self.pid = pid

    def interrupt_kernel(self) -> None:
        with contextlib.suppress(ProcessLookupError):  # the kernel has already exited
            os.kill(self.pid, signal.SIGINT)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)


class KernelTemplate:
    """Start the template process and hand out kernels forked from it.

    Use as an async context manager; ``await kernel(stage)`` returns a ready ``AsyncKernelClient``
    and its ``_ForkedKernel`` (nbclient's ``km``). ``demand`` (kernels each stage will be asked
    for) lets the template fork kernels before they are asked for, up to ``spares`` per stage, so
    that a notebook finds its kernel ready (starting one takes about 0.2 s). Every kernel is
    stopped on exit.
    """

    def __init__(self, cwd: Path, *, demand: dict[str, int] | None = None, spares: int = 1,
                 timeout: float = 120):
        self.cwd, self.timeout, self.spares = cwd, timeout, spares
        self._demand = {stage: 0 for stage in STAGES} | (demand or {})
        self._folder = Path(tempfile.mkdtemp(prefix="report-kernels-"))  # short: socket paths are limited
        self._process = None
        self._pipes: dict[str, tuple[int, object]] = {}
        self._lock = {stage: asyncio.Lock() for stage in STAGES}
        self._pool: dict[str, list[asyncio.Task]] = {stage: [] for stage in STAGES}
        self._kernels: list[tuple[object, _ForkedKernel]] = []
        self._count = 0

    async def __aenter__(self):
        fds, child_fds = {}, []
        for stage in STAGES:
            request_r, request_w = os.pipe()
            reply_r, reply_w = os.pipe()
            fds[stage] = (request_w, reply_r)
            child_fds += [request_r, reply_w]
        self._process = subprocess.Popen(
            [sys.executable, "-m", "analysis_utils.kernels", *map(str, child_fds)], pass_fds=child_fds,
            cwd=self.cwd, env={**os.environ, **KERNEL_ENV}, stdin=subprocess.DEVNULL, start_new_session=True)
        for fd in child_fds:
            os.close(fd)
        loop = asyncio.get_running_loop()
        for stage, (request_w, reply_r) in fds.items():
            reader = asyncio.StreamReader()
            await loop.connect_read_pipe(lambda r=reader: asyncio.StreamReaderProtocol(r), os.fdopen(reply_r, "rb"))
            self._pipes[stage] = (request_w, reader)
        self._ready = {stage: asyncio.create_task(self._read(stage)) for stage in STAGES}
        for stage in STAGES:
            self._top_up(stage)
        return self

    async def _read(self, stage: str) -> dict:
        line = await self._pipes[stage][1].readline()
        if not line:
            code = self._process.poll()
            raise RuntimeError(f"the kernel template's {stage} stage stopped (template exit code {code}); "
                               "its error is printed above")
        return json.loads(line)

    def _top_up(self, stage: str) -> None:
        while len(self._pool[stage]) < min(self.spares, self._demand[stage]):
            self._demand[stage] -= 1
            self._pool[stage].append(asyncio.create_task(self._fork(stage)))

    async def _fork(self, stage: str):
        from jupyter_client.asynchronous import AsyncKernelClient
        from jupyter_client.connect import write_connection_file

        async with self._lock[stage]:
            await asyncio.wait_for(asyncio.shield(self._ready[stage]), self.timeout)
            self._count += 1
            name = f"k{self._count}"
            path, info = write_connection_file(str(self._folder / f"{name}.json"), transport="ipc",
                                               ip=str(self._folder / name), key=secrets.token_hex(16).encode())
            _write(self._pipes[stage][0], {"connection_file": path})
            km = _ForkedKernel((await asyncio.wait_for(self._read(stage), self.timeout))["pid"])
            client = AsyncKernelClient()
            client.load_connection_info(info)
            client.start_channels()
            self._kernels.append((client, km))
        await asyncio.wait_for(_until_answers(client), self.timeout)
        return client, km

    async def started(self, stage: str) -> None:
        """Return once ``stage`` has imported its modules, has stopped, or has not started within the
        timeout (``kernel`` then raises why)."""
        await asyncio.wait([self._ready[stage]], timeout=self.timeout)

    async def kernel(self, stage: str = "full"):
        """A kernel forked from ``stage`` (a spare one if ready): ``(client, km)``, once it answers."""
        if stage not in STAGES:
            raise ValueError(f"unknown kernel stage {stage!r} (one of {', '.join(STAGES)})")
        if not self._pool[stage]:
            self._demand[stage] += 1
            self._top_up(stage)
        task = self._pool[stage].pop(0)
        self._top_up(stage)
        return await task

    def release(self, client, km: _ForkedKernel) -> None:
        """Stop a kernel that has done its work."""
        if (client, km) in self._kernels:
            self._kernels.remove((client, km))
            client.stop_channels()
            km.kill()

    async def __aexit__(self, *exc):
        pending = [task for pool in self._pool.values() for task in pool]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for client, km in list(self._kernels):
            self.release(client, km)
        for request_w, _ in self._pipes.values():
            with contextlib.suppress(OSError):
                os.close(request_w)  # the template's stages exit when their request pipe closes
        for task in self._ready.values():
            if task.done() and not task.cancelled():
                task.exception()  # retrieved: a stage that failed to start is reported by kernel()
            task.cancel()
        if self._process is not None:
            try:
                await asyncio.wait_for(asyncio.to_thread(self._process.wait), 5)
            except TimeoutError:
                os.killpg(self._process.pid, signal.SIGKILL)
        shutil.rmtree(self._folder, ignore_errors=True)


async def _until_answers(client) -> None:
    """Wait until the kernel answers a kernel_info request on shell *and* IOPub.

    Both must be connected before the first cell, or its first outputs could be lost (ZeroMQ's
    slow joiner). jupyter_client's ``wait_for_ready`` does the same but then waits 0.2 s more
    for IOPub to fall quiet.
    """
    from queue import Empty

    while True:
        msg_id = client.kernel_info()
        try:
            await client.get_shell_msg(timeout=5)
        except Empty:
            continue
        try:
            while True:
                msg = await client.get_iopub_msg(timeout=0.05)
                if (msg["parent_header"].get("msg_id") == msg_id
                        and msg["content"].get("execution_state") == "idle"):
                    return
        except Empty:
            pass  # IOPub was not subscribed yet when the kernel answered: ask again


if __name__ == "__main__":
    template_main([int(fd) for fd in sys.argv[1:]])
