"""Fresh Jupyter kernels, one per notebook, handed to papermill as ``km`` by one of three paths: ``fork``
(Linux only: fork is missing on Windows, unsafe on macOS), forked from a *template* process that imported
the libraries once; ``warm`` (everywhere), a new ipykernel per notebook, started ahead of it, that leaves the
imports to the notebook but for pandas (``KERNEL_ARGS``); ``plain``, papermill's own kernel. ``choose``: fork where safe,
else warm. Same outputs on every path: a notebook imports what it uses; kernels get ``KERNEL_ENV``, ``KERNEL_ARGS``.
"""

import contextlib
import functools
import gc
import hashlib
import importlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from queue import Empty

from analysis_utils import paths

PATHS = ("fork", "warm", "plain")
#: Imported by the fork template before it forks a notebook's kernel, up to the set its metadata ``report.kernel`` names:
#: ``base`` (a kernel, numpy, pandas, pyarrow, the data modules), ``stats`` (scipy, the analysis modules),
#: ``full`` (default; matplotlib, and a figure drawn off-screen). This changes when, never what, is imported. ``base``
#: also has what a kernel imports as it starts (IPython's inspector, debugger, completer, storemagic; 35 ms of each
#: kernel's start) and pandas' modules every notebook loads (CSV writer, reshaping); never ``matplotlib_inline``,
#: which sets a kernel's figures up only when imported in it.
IMPORTS = {
    "base": ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "ipykernel.debugger", "IPython.display",
             "IPython.core.oinspect", "IPython.core.debugger", "IPython.core.completerlib", "IPython.core.logger",
             "IPython.extensions.storemagic", "tornado.platform.asyncio", "faulthandler",
             "numpy", "pandas", "pandas.core.reshape.reshape", "pandas.io.formats.csvs",
             "pandas.core.arrays.arrow.extension_types", "pyarrow.parquet", "pyarrow.dataset", *(f"analysis_utils.{m}" for m in (
                 "appendix", "cleaning", "eligibility", "report", "scoring", "tables", "validation"))),
    "stats": ("scipy.stats", *(f"analysis_utils.{m}" for m in (
        "endpoints", "safety", "planning", "disposition", "arms", "comparisons", "conmeds", "listings", "ctcae",
        "synthetic"))),
    "full": ("matplotlib.pyplot", *(f"analysis_utils.{m}" for m in ("plotting", "planning_plots"))),
}
#: Imported by the fork template before its first ``stats`` kernel, after the ``full`` ones that do not need it:
#: statsmodels' formula interface (``04``; the package never imports statsmodels.api, 0.2 s more). A warm kernel
#: imports none of these: it would pay for each set itself, and on two busy cores a set a notebook does not use
#: costs more than importing ahead hides (a build 9-15 % slower, measured).
TEMPLATE_IMPORTS = ("statsmodels.formula.api",)
#: Environment of every kernel: outputs that do not vary by run (hash seed, source date), one BLAS/OpenMP thread
#: each (the kernels share the cores; a process that forks must not have started thread pools), inline figures, and
#: matplotlib's configuration folder of the project's own, one per environment (``.build/matplotlib/<hash of
#: sys.prefix>``): its font cache, written by that environment's matplotlib, and no ``matplotlibrc`` (a user's own
#: would restyle the figures). The user-wide cache is written by whichever environment ran matplotlib first; one that
#: lists another copy of DejaVu Sans (a system font) instead of matplotlib's own gives the SVG figures other glyph ids.
KERNEL_ENV = {
    "PYTHONHASHSEED": "0", "SOURCE_DATE_EPOCH": "0", "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "MPLCONFIGDIR": str(paths.PROJECT_ROOT / ".build" / "matplotlib"
                        / hashlib.sha256(sys.prefix.encode()).hexdigest()[:12]),
    "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}
#: A kernel collects cyclic garbage after 100,000 new objects, not 700: else a warm kernel's collections walk the
#: libraries it imported again and again (a portable build about 5 % faster, measured; forked kernels: no change).
GC_THRESHOLD = (100_000, 10, 10)
#: No input history (a build's cells do not belong in the user's IPython history database); ``GC_THRESHOLD``; pandas and
#: pyarrow.parquet, which every notebook imports, imported as the kernel starts: a warm kernel started ahead imports
#: them while it waits (``02`` 0.15 s sooner on the portable path; a forked kernel has them). Neither binds a name.
KERNEL_ARGS = ["--HistoryManager.enabled=False",
               f"--IPKernelApp.exec_lines=__import__('gc').set_threshold{GC_THRESHOLD}",
               "--IPKernelApp.exec_lines=__import__('pandas'), __import__('pyarrow.parquet')"]
#: Also for a kernel on TCP (papermill's own, ``plain``; every kernel on Windows, which has no ipc sockets): only
#: critical errors in its log, not ipykernel's warning, on every start, that TCP is unencrypted (the kernel listens on
#: localhost), nor its "ERROR | KeyboardInterrupt caught in kernel" when papermill stops it (jupyter_client interrupts
#: a kernel before it shuts it down). A cell's error reaches papermill by the protocol, not by this log.
TCP_ARGS = [*KERNEL_ARGS, "--IPKernelApp.log_level=CRITICAL"]


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


def _import_all(stage: str = "full", extra: tuple[str, ...] = ()) -> None:
    """Import the sets of ``IMPORTS`` up to ``stage`` and the modules ``extra`` (again: at no cost); for ``full`` draw
    a figure once. What fails (a module being edited, with a syntax error) is left to the notebook that imports it,
    whose cell then names the error, as on the other paths."""
    for module in [*(m for name in list(IMPORTS)[:list(IMPORTS).index(stage) + 1] for m in IMPORTS[name]), *extra]:
        with contextlib.suppress(Exception):
            importlib.import_module(module)
    if stage == "full":
        with contextlib.suppress(Exception):
            _draw_figure()


@functools.cache
def _draw_figure() -> None:
    """Draw a figure off-screen: fonts and the PNG and SVG writers then load once, not in each notebook."""
    import io

    from matplotlib.figure import Figure

    ax = Figure(figsize=(3, 2), layout="constrained").subplots()
    ax.plot([0, 1], marker="o", label="line"), ax.legend(), ax.set(title="Warm-up", xlabel="Visit")
    for fmt in ("png", "svg"):
        ax.figure.savefig(io.BytesIO(), format=fmt)


def _template() -> None:
    """For each ``<stage> <connection file>`` line on stdin, import that stage's sets and fork a kernel;
    kill it on ``stop <connection file>``; exit when stdin closes. It imports with the garbage collector off and
    freezes its objects before each fork (``gc.freeze``, as Python's docs advise for a fork without exec): a kernel's
    collections never walk, and so copy, them (its cells' CPU time, 6.5 s a build, fell by 1 s)."""
    if not fork_is_safe():  # only ``choose`` starts a template, and only where fork is safe
        raise SystemExit(f"the kernel template needs os.fork on Linux (this is {sys.platform}); "
                         "use KERNELS=warm or KERNELS=plain")
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # forked kernels are reaped as they exit
    gc.disable()
    _import_all("base")
    pids = {}
    for line in sys.stdin:
        stage, connection_file = line.strip().split(" ", 1)
        if stage == "stop":
            with contextlib.suppress(ProcessLookupError):
                os.kill(pids.pop(connection_file), signal.SIGKILL)
            continue
        _import_all(stage, TEMPLATE_IMPORTS if stage == "stats" else ())
        gc.freeze()
        pids[connection_file] = os.fork()
        if pids[connection_file] == 0:
            try:
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # kernels run subprocesses
                gc.enable()
                os.dup2(os.open(os.devnull, os.O_RDWR), 0)
                from ipykernel.kernelapp import IPKernelApp

                IPKernelApp.launch_instance(argv=["-f", connection_file, f"--IPKernelApp.parent_handle={os.getppid()}",
                                                  *KERNEL_ARGS])
            finally:
                os._exit(0)
    os._exit(0)  # exiting with the libraries loaded is slow


@functools.cache
def ready_client() -> type:
    """The client class: ``ReadyClient``, whose ``wait_for_ready`` returns once the kernel has answered kernel_info
    on shell and its idle status for that request has come on IOPub (both channels connected: no output is lost).
    jupyter_client's own trusts the heartbeat, dead while a kernel is not yet forked, and waits for 0.2 s of quiet
    on IOPub. (jupyter_client is imported here, on first use: the runner starts the template 0.1 s sooner.)"""
    from jupyter_client.asynchronous import AsyncKernelClient

    class ReadyClient(AsyncKernelClient):
        async def wait_for_ready(self, timeout: float | None = None) -> None:
            deadline = time.monotonic() + (float("inf") if timeout is None else timeout)
            while time.monotonic() < deadline:
                msg_id = self.kernel_info()
                with contextlib.suppress(TimeoutError, Empty):  # Empty: IOPub was not subscribed yet
                    self._handle_kernel_info_reply(await self._async_recv_reply(msg_id, timeout=1))
                    while (msg := await self.get_iopub_msg(timeout=0.05))["parent_header"].get("msg_id") != msg_id \
                            or msg["content"].get("execution_state") != "idle":
                        pass
                    return
                if self.exit_code() is not None:  # of the kernel (warm) or of the template (fork)
                    raise RuntimeError("Kernel died before replying to kernel_info")
            raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")

    return ReadyClient


class Kernel:
    """What papermill (nbclient) asks of ``km`` for a kernel it did not start: ``client()``; and ``shutdown()``."""

    has_kernel = True

    def __init__(self, info: dict, shutdown, exit_code):
        self.info, self.shutdown, self.exit_code = info, shutdown, exit_code

    def client(self):
        client = ready_client()()
        client.load_connection_info(self.info)
        client.exit_code = self.exit_code
        return client


class Kernels:
    """Kernels by one path: ``start(name, stage)`` starts notebook ``name``'s kernel (once; ahead of the notebook if
    wanted; ``stage``, the set the fork template imports first) and returns its ``km`` (``None`` on the plain path:
    papermill starts its own); ``release(name)`` stops it. As a context manager it stops every kernel it started."""

    def __init__(self, path: str, cwd: Path, env: dict[str, str] | None = None):
        self.path, self.cwd, self._environ, self._template = path, cwd, dict(os.environ), None
        self.env = {**KERNEL_ENV, **(env or {})}  # of every kernel
        self._folder = Path(tempfile.mkdtemp(prefix="report-kernels-"))  # short: ipc socket paths are limited
        self._kernels: dict[str, Kernel] = {}  # by notebook, until released

    def __enter__(self):
        if self.path == "plain":  # papermill's kernel inherits the environment
            os.environ.update(self.env)
        if self.path == "fork":  # in a session of its own: Ctrl-C reaches the runner alone, which stops it
            self._template = subprocess.Popen([sys.executable, "-m", "analysis_utils.kernels"], cwd=self.cwd, text=True,
                                              env={**os.environ, **self.env}, stdin=subprocess.PIPE, start_new_session=True)
        return self

    def _tell(self, *words: str) -> None:
        try:
            self._template.stdin.write(" ".join(words) + "\n")
            self._template.stdin.flush()
        except BrokenPipeError:
            raise RuntimeError(f"the kernel template stopped (exit code {self._template.wait()}); "
                               "any error it printed is above") from None

    def start(self, name: str, stage: str = "full") -> Kernel | None:
        if self.path == "plain" or name in self._kernels:
            return self._kernels.get(name)
        from jupyter_client.connect import write_connection_file

        file = str(self._folder / f"k{len(list(self._folder.glob('*.json')))}")  # sockets, or TCP on Windows:
        file, info = write_connection_file(f"{file}.json", **{"transport": "tcp"} if sys.platform == "win32" else
                                           {"transport": "ipc", "ip": file})
        if self.path == "fork":
            self._tell(stage, file)
            self._kernels[name] = Kernel(info, functools.partial(self._tell, "stop", file), self._template.poll)
        else:
            from jupyter_client.launcher import launch_kernel

            # jupyter_client's launcher, as papermill's kernel starts: in a session of its own (Ctrl-C reaches the
            # runner alone, which stops it), watching the runner (it dies with it; on Windows by an inherited process
            # handle); on Windows, in a process group of its own, for the same Ctrl-C
            windows = sys.platform == "win32"
            command = [sys.executable, "-m", "ipykernel_launcher", "-f", file, *(TCP_ARGS if windows else KERNEL_ARGS)]
            process = launch_kernel(command, cwd=str(self.cwd), env={**os.environ, **self.env}, stdin=subprocess.DEVNULL,
                                    **{"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP} if windows else {})
            self._kernels[name] = Kernel(info, lambda: (process.kill(), process.wait()), process.poll)
        return self._kernels[name]

    def release(self, name: str) -> None:
        if kernel := self._kernels.pop(name, None):
            with contextlib.suppress(OSError):  # a template that stopped has taken its kernels with it
                kernel.shutdown()

    def __exit__(self, *exc):
        for name in list(self._kernels):
            self.release(name)
        if self._template is not None:
            with contextlib.suppress(BrokenPipeError):  # a template that stopped has taken its kernels with it
                self._template.stdin.close()  # the template stops the kernels it was told to, then exits
            self._template.wait()
        os.environ.clear()
        os.environ.update(self._environ)
        shutil.rmtree(self._folder, ignore_errors=True)


if __name__ == "__main__":
    _template()
