"""Fresh Jupyter kernels for papermill, one per notebook, handed to it as ``km`` by one of three paths.

- ``fork`` (Linux): a *template* process imports the libraries once and forks each kernel, ready
  in about 0.2 s. Only where ``os.fork`` exists and is safe after such imports: not on Windows (no
  ``os.fork``) nor macOS (Python's documentation calls it unsafe there).
- ``warm`` (everywhere): a new Python per notebook imports the libraries, then becomes an
  ipykernel; started ahead of its notebook, never reused, shut down by the runner.
- ``plain``: papermill starts its own ``python3`` kernel (the last resort).

``choose`` picks fork where it is safe, else warm; ``KERNELS`` or ``--kernels`` overrides it. Every
path gives the same outputs: a notebook imports what it uses, and every kernel gets ``KERNEL_ENV``.
"""

import contextlib
import functools
import importlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from queue import Empty

PATHS = ("fork", "warm", "plain")
#: Imported before a notebook's first cell (fork and warm paths), by the notebook's metadata
#: ``report.kernel``; each set adds to the one before it: ``base`` (what a kernel needs, numpy, pandas,
#: pyarrow and the data modules) for notebooks that read, check and derive data, ``stats`` adds scipy
#: and the analysis modules for notebooks that draw no figure, ``full`` (default) adds matplotlib (and
#: draws a figure off-screen). The notebook imports what it uses, so this changes when, never what,
#: it imports. statsmodels is left to the one function that fits a model.
IMPORTS = {
    "base": ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "numpy", "pandas", "pyarrow.parquet",
             "analysis_utils.cleaning", "analysis_utils.eligibility", "analysis_utils.report",
             "analysis_utils.scoring", "analysis_utils.tables", "analysis_utils.validation"),
    "stats": ("scipy.stats", "analysis_utils.endpoints", "analysis_utils.safety", "analysis_utils.planning"),
    "full": ("matplotlib.pyplot", "analysis_utils.plotting"),
}
#: Environment of every kernel: outputs that do not vary by run (hash seed, source date), one
#: BLAS/OpenMP thread each (the kernels share the cores; a process that forks must not have
#: started thread pools), and the inline backend for figures.
KERNEL_ENV = {
    "PYTHONHASHSEED": "0", "SOURCE_DATE_EPOCH": "0", "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}
#: No input history: a build's cells do not belong in the user's IPython history database.
KERNEL_ARGS = ["--HistoryManager.enabled=False"]


def fork_is_safe(platform: str = sys.platform) -> bool:
    """``os.fork`` exists and is safe after importing the libraries: Linux only.

    >>> fork_is_safe("darwin"), fork_is_safe("win32")
    (False, False)
    """
    return platform.startswith("linux") and hasattr(os, "fork")


def choose(requested: str | None = None, platform: str = sys.platform) -> str:
    """The kernel path: ``requested`` (or the ``KERNELS`` variable) if given, else fork where safe, else warm.

    >>> choose("plain"), choose(None, platform="darwin")
    ('plain', 'warm')
    """
    requested = requested or os.environ.get("KERNELS") or "auto"
    if requested == "auto":
        return "fork" if fork_is_safe(platform) else "warm"
    if requested not in PATHS:
        raise ValueError(f"unknown kernel path {requested!r}; expected one of auto, {', '.join(PATHS)}")
    if requested == "fork" and not fork_is_safe(platform):
        raise ValueError(f"kernel path 'fork' needs os.fork on Linux (this is {platform}); use warm or plain")
    return requested


def _import_all(stage: str = "full", after: str | None = None) -> None:
    """Import the sets of ``IMPORTS`` up to ``stage`` (those after the set ``after`` only); for ``full``
    also draw a figure off-screen, so that fonts and the PNG and SVG writers are loaded once (not by
    each notebook)."""
    stages = list(IMPORTS)
    for name in stages[stages.index(after) + 1 if after else 0:stages.index(stage) + 1]:
        for module in IMPORTS[name]:
            importlib.import_module(module)
    if stage == "full" and after != "full":
        import io

        from matplotlib.figure import Figure

        ax = Figure(figsize=(3, 2), layout="constrained").subplots()
        ax.plot([0, 1], marker="o", label="line"), ax.legend(), ax.set(title="Warm-up", xlabel="Visit")
        for fmt in ("png", "svg"):
            ax.figure.savefig(io.BytesIO(), format=fmt)


def _template() -> None:
    """Fork a kernel for each ``<stage> <connection file>`` line on stdin; answer its pid.

    The ``base`` imports come first; those of a later set when a kernel of that set is first asked
    for, so that the first notebooks (``base``) need not wait for scipy and matplotlib.
    """
    if not fork_is_safe():  # only ``choose`` starts a template, and only where fork is safe
        raise SystemExit(f"the kernel template needs os.fork on Linux (this is {sys.platform}); "
                         "use KERNELS=warm or KERNELS=plain")
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # forked kernels are reaped as they exit
    _import_all("base")
    parent, replies, imported = os.getpid(), os.fdopen(os.dup(1), "w"), "base"
    stages = list(IMPORTS)
    for line in sys.stdin:
        stage, connection_file = line.strip().split(" ", 1)
        if stages.index(stage) > stages.index(imported):
            _import_all(stage, after=imported)
            imported = stage
        pid = os.fork()
        if pid == 0:
            try:
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # kernels run subprocesses
                devnull = os.open(os.devnull, os.O_RDWR)
                os.dup2(devnull, 0), os.dup2(devnull, 1)
                from ipykernel.kernelapp import IPKernelApp

                IPKernelApp.launch_instance(argv=["-f", connection_file, f"--IPKernelApp.parent_handle={parent}",
                                                  *KERNEL_ARGS])
            finally:
                os._exit(0)
        replies.write(f"{pid}\n")
        replies.flush()
    os._exit(0)  # stdin closed: the build is over (exiting with the libraries loaded is slow)


@functools.cache
def ready_client():
    """The class of kernel clients used here (imported when first needed: the template starts first)."""
    from jupyter_client.asynchronous import AsyncKernelClient

    class ReadyClient(AsyncKernelClient):
        """A kernel client whose ``wait_for_ready`` returns as soon as the kernel is ready for a notebook.

        That is when it has answered a kernel_info request on shell *and* its idle status for that request
        has come on IOPub: both channels are connected, so no output of the first cell is lost (ZeroMQ's
        slow joiner). jupyter_client's own waits for a heartbeat first (0.2 s steps, for a kernel it did
        not start) and then for 0.2 s of quiet on IOPub, about 0.4 s per notebook.
        """

        async def wait_for_ready(self, timeout: float | None = None) -> None:
            deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
            while True:
                msg_id = self.kernel_info()
                try:
                    reply = await self._async_recv_reply(msg_id, timeout=1)
                except TimeoutError:
                    pass
                else:
                    self._handle_kernel_info_reply(reply)
                    if await self._idle_after(msg_id):
                        return
                if not await self._async_is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")

        async def _idle_after(self, msg_id: str) -> bool:
            """Whether IOPub brings the kernel's idle status for request ``msg_id`` (no message for 0.05 s:
            IOPub was not subscribed yet when the kernel answered, so ask again)."""
            while True:
                try:
                    msg = await self.get_iopub_msg(timeout=0.05)
                except Empty:
                    return False
                if msg["parent_header"].get("msg_id") == msg_id and msg["content"].get("execution_state") == "idle":
                    return True

    return ReadyClient


class ForkedKernel:
    """What papermill (nbclient) asks of ``km`` for a kernel it did not start: a client, interrupt, stop."""

    has_kernel = True

    def __init__(self, pid: int, info: dict):
        self.pid, self.info = pid, info

    def client(self):
        client = ready_client()()
        client.load_connection_info(self.info)
        return client

    def interrupt_kernel(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGINT)

    def shutdown(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)


class Kernels:
    """Start kernels for notebooks by one path; ``start(name)`` begins a notebook's kernel (ahead of it
    if wanted), ``take(name)`` returns its ``km`` for papermill (``None``: papermill starts its own),
    ``release(km)`` stops it. Use as a context manager: every kernel is stopped on exit."""

    def __init__(self, path: str, cwd: Path):
        self.path, self.cwd, self._started, self._lock = path, cwd, {}, threading.Lock()
        self._folder = Path(tempfile.mkdtemp(prefix="report-kernels-"))  # short: ipc socket paths are limited
        self._template, self._live, self._environ, self._count = None, [], dict(os.environ), 0
        self._pending: list[tuple[str, dict]] = []  # fork requests not answered yet (notebook, connection info)

    def __enter__(self):
        if self.path == "plain":  # papermill's kernel inherits the environment
            os.environ.update(KERNEL_ENV)
        if self.path == "fork":
            self._template = subprocess.Popen(
                [sys.executable, "-m", "analysis_utils.kernels", "template"], cwd=self.cwd, text=True,
                env={**os.environ, **KERNEL_ENV}, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        return self

    def start(self, name: str, stage: str = "full") -> None:
        """Begin the kernel of notebook ``name`` (without waiting for it)."""
        with self._lock:
            if self.path == "plain" or name in self._started:
                return
            self._started[name] = self._fork(name, stage) if self.path == "fork" else self._warm(stage)

    def _fork(self, name: str, stage: str) -> None:
        """Ask the template for a kernel; its pid is read when the notebook takes it (``take``)."""
        from jupyter_client.connect import write_connection_file

        self._count += 1
        path, info = write_connection_file(str(self._folder / f"k{self._count}.json"), transport="ipc",
                                           ip=str(self._folder / f"k{self._count}"))
        self._template.stdin.write(f"{stage} {path}\n")
        self._template.stdin.flush()
        self._pending.append((name, info))

    def _forked(self, name: str) -> None:
        """Read the template's answers (in the order of the requests) until ``name``'s kernel is known."""
        while self._started.get(name) is None and self._pending:
            reply = self._template.stdout.readline()
            if not reply:
                raise RuntimeError(f"the kernel template stopped (exit code {self._template.wait()}); its error is above")
            asked, info = self._pending.pop(0)
            self._started[asked] = ForkedKernel(int(reply), info)

    def _warm(self, stage: str):
        from jupyter_client import AsyncKernelManager
        from jupyter_client.kernelspec import KernelSpecManager
        from jupyter_core.utils import run_sync

        spec = self._folder / f"warm-{stage}"
        if not spec.exists():  # a kernelspec: this Python imports the libraries, then becomes an ipykernel
            spec.mkdir()
            argv = [sys.executable, "-m", "analysis_utils.kernels", stage, "-f", "{connection_file}", *KERNEL_ARGS]
            (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "warm", "language": "python",
                                                          "env": KERNEL_ENV}), encoding="utf-8")
        self._count += 1
        # Unix sockets where the platform has them; TCP on loopback on Windows.
        where = {"transport": "tcp"} if sys.platform == "win32" else {"transport": "ipc", "ip": str(self._folder / f"w{self._count}")}
        km = AsyncKernelManager(kernel_name=spec.name, kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(self._folder)]),
                                **where)
        km.client_factory = ready_client()
        run_sync(km.start_kernel)(cwd=str(self.cwd))
        return km

    def take(self, name: str, stage: str = "full"):
        """The ``km`` of notebook ``name`` for papermill (``None`` on the plain path)."""
        self.start(name, stage)
        with self._lock:
            if self.path == "fork":
                self._forked(name)
            km = self._started.pop(name, None)
            self._live.append(km)
        return km

    def release(self, km) -> None:
        with self._lock:
            if km not in self._live:
                return
            self._live.remove(km)
        if isinstance(km, ForkedKernel):
            km.shutdown()
        elif km is not None:
            from jupyter_core.utils import run_sync

            run_sync(km.shutdown_kernel)(now=True)

    def stop_all(self) -> None:
        """Stop every kernel: those started ahead and those running a notebook (after a failure)."""
        with self._lock:
            if self._template is not None and self._pending:
                with contextlib.suppress(RuntimeError):  # those asked for are stopped below, not left to run
                    self._forked(self._pending[-1][0])
            self._live += [km for km in self._started.values()]
            self._started.clear()
        for km in list(self._live):
            self.release(km)

    def __exit__(self, *exc):
        self.stop_all()
        if self._template is not None:
            self._template.stdin.close()  # the template exits; its kernels follow (parent_handle)
            try:
                self._template.wait(5)
            except subprocess.TimeoutExpired:
                self._template.kill()
        os.environ.clear()
        os.environ.update(self._environ)
        shutil.rmtree(self._folder, ignore_errors=True)


if __name__ == "__main__":
    if sys.argv[1] == "template":
        _template()
    else:  # a warm kernel: import the libraries of its stage, then become an ipykernel
        _import_all(sys.argv[1])
        from ipykernel.kernelapp import launch_new_instance

        launch_new_instance(argv=sys.argv[2:])
