"""Build the report (``python -m analysis_utils.runner --data-dir data/raw [--data-cutoff 2022-01-31]``): papermill
executes the numbered notebooks, one per core at a time, each in a fresh kernel (``kernels``) once the notebooks it reads
(metadata ``report.needs``) have finished, into ``.build/stage-<pid>``; once every notebook ran and the report rendered
(``appendix.write_report``) the outputs move into ``data/processed``, ``figures`` and ``reports`` (``report.html``
last). On failure the old report becomes ``report.previous.html``, the partly executed notebook is kept in
``reports/failed/``, and the error names notebook, cell and exception.
"""

import argparse
import contextlib
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from pathlib import Path

from analysis_utils import htmlreport, kernels, paths

#: Notebooks executing side by side: one per core (``os.cpu_count``; two on the 2-core machines the project is built on),
#: at most four: after ``02`` six can run, and no process of a build held over 0.5 GB at 10,000 patients (0.2 GB at 11).
MAX_KERNELS = 4
#: A staging folder this old (seconds) was left by a build killed outright (no build runs for a day); a build removes it.
STALE_STAGE_SECONDS = 86_400
#: A publishing lock this old (seconds) was left by a build killed while publishing (which takes well under a second).
STALE_LOCK_SECONDS = 60
#: The kernel every notebook runs on (the venv's own Python), as its executed notebook records it, whichever kernel a
#: statistician's JupyterLab saved into the notebook.
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}


class NotebookFailed(RuntimeError):
    """A notebook raised an error; ``ename`` and ``evalue`` are the exception's name and message."""

    def __init__(self, message: str, *, ename: str = "", evalue: str = ""):
        super().__init__(message)
        self.ename, self.evalue = ename, evalue


def list_notebooks(folder: Path = paths.NOTEBOOKS) -> list[Path]:
    """Return the numbered pipeline notebooks (``NN_name.ipynb``) in order."""
    return sorted(folder.glob("[0-9][0-9]_*.ipynb"))


def notebook_needs(metadata: dict[str, dict]) -> dict[str, list[str]]:
    """Return, for each notebook (file name, in run order), the notebooks whose outputs it reads: its
    metadata ``report.needs`` (file stems, of earlier notebooks), by default every earlier notebook.

    >>> notebook_needs({"01_a.ipynb": {}, "02_b.ipynb": {"report": {"needs": ["01_a"]}}, "03_c.ipynb": {}})
    {'01_a.ipynb': [], '02_b.ipynb': ['01_a.ipynb'], '03_c.ipynb': ['01_a.ipynb', '02_b.ipynb']}
    """
    names, needs = list(metadata), {}
    for i, (name, meta) in enumerate(metadata.items()):
        declared = meta.get("report", {}).get("needs")
        if declared is not None and (not isinstance(declared, list) or not all(isinstance(d, str) for d in declared)):
            raise ValueError(f"{name}: metadata report.needs {declared!r}: expected a list of notebook names")
        needs[name] = names[:i] if declared is None else [f"{stem}.ipynb" for stem in declared]
        if late := [n for n in needs[name] if n not in names[:i]]:
            raise ValueError(f"{name}: metadata report.needs names {late}, which is not an earlier notebook")
    return needs


def normalise_executed(nb, stage: Path | None = None):
    """Strip papermill's timings and give its cells (random ids) fixed ids, so two runs give byte-identical
    notebooks (nbclient records no timings, ``record_timing=False``, and every notebook's fresh kernel
    numbers its cells 1..n); the parameters name a build's own staging folder ``stage`` (``.build/stage-<pid>``)
    as ``.build/stage``, written as papermill writes a string (a path outside the project is absolute, and may hold
    backslashes on Windows or letters outside ASCII, which papermill writes as escapes); the notebook names the kernel
    it ran on (``KERNELSPEC``; papermill keeps the kernelspec the notebook was saved with)."""
    from papermill.translators import PythonTranslator

    nb.metadata.pop("papermill", None)
    nb.metadata.kernelspec = dict(KERNELSPEC)
    for index, cell in enumerate(nb.cells):
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)  # nbclient's timings, in a notebook run by papermill's command line
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags:
            cell.id = "injected-parameters"
            if stage is not None:
                own, shared = (PythonTranslator.translate_str(paths.relative(p))[1:-1] for p in (stage, stage.parent / "stage"))
                cell.source = cell.source.replace(own, shared)
        elif "papermill-error-cell-tag" in tags:  # papermill's notes on a failed notebook
            cell.id = f"papermill-error-{index}"
    return nb


def run_order(imports: dict[str, str], seconds: dict[str, float]) -> list[str]:
    """Notebooks (name -> import set) in the order they start once ready: those on ``base`` kernels first (ready at
    once, while the template imports the other sets), then the longest of the last build (``seconds``), then those
    on heavier kernels (figures), then in numbered order.

    >>> run_order({"01_a.ipynb": "stats", "02_b.ipynb": "full", "03_c.ipynb": "stats", "04_d.ipynb": "base"},
    ...           {"03_c.ipynb": 9.5})
    ['04_d.ipynb', '03_c.ipynb', '02_b.ipynb', '01_a.ipynb']
    """
    stages = list(kernels.IMPORTS)
    return sorted(imports, key=lambda n: (imports[n] != "base", -seconds.get(n, 0), -stages.index(imports[n])))


def _read(path: Path) -> tuple[dict, set[str]]:
    """A notebook's metadata and the names its ``parameters`` cell assigns (read before any kernel starts)."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        cell = next((c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", [])), {"source": ""})
        return nb["metadata"], set(re.findall(r"^(\w+)\s*=", "".join(cell["source"]), re.M))
    except (ValueError, KeyError, TypeError) as err:
        raise ValueError(f"{path}: not a notebook file ({type(err).__name__}: {err})") from None


def _with_cell_ids(path: Path, folder: Path) -> Path:
    """``path``, or, when its cells lack ids (nbformat 4.4 and older) or repeat one (a merge gone wrong), to which papermill
    (nbformat) would give random ids, changing the report and the executed notebook in every build: a copy in ``folder``
    whose cells have ids by position."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    ids = [cell.get("id") for cell in nb["cells"]]
    if None not in ids and len(set(ids)) == len(ids):
        return path
    nb["nbformat_minor"] = max(nb.get("nbformat_minor", 0), 5)
    for index, cell in enumerate(nb["cells"]):
        cell["id"] = f"cell-{index}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / path.name).write_text(json.dumps(nb), encoding="utf-8")
    return folder / path.name


def _execute(path: Path, parameters: dict, stage: Path, km, timeout: int, stopped: threading.Event):
    """Execute one notebook with papermill on kernel ``km``; write it to ``stage/reports/executed``.

    A cell that raises, a kernel that dies (out of memory, a crash in a library) or a cell still running after
    ``timeout`` seconds raises ``NotebookFailed``, naming the notebook and the cell, and leaves the partly
    executed notebook in ``stage/failed`` (papermill writes none for the last two: nbclient's hooks keep it), unless
    the build was ``stopped`` (another notebook's failure, Ctrl-C): that killed this kernel, or (plain path:
    papermill's own kernel) stops the notebook before its next cell.
    nbclient joins the text a cell prints on one stream into one output (``coalesce_streams``): the kernel
    sends it in pieces cut by time (ipykernel flushes every 0.2 s), one output or two depending on the load.
    """
    import nbformat
    import papermill
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    out, running = stage / "reports" / "executed" / path.name, {}

    def cell_start(cell, cell_index):
        if stopped.is_set():
            raise NotebookFailed(f"{path.name}: stopped with the build")
        running.update(cell=cell, index=cell_index)

    try:
        nb = papermill.execute_notebook(path, out, parameters=parameters, kernel_name=KERNELSPEC["name"],
                                        language=KERNELSPEC["language"], km=km,
                                        progress_bar=False, record_timing=False, request_save_on_cell_execute=False,
                                        coalesce_streams=True, execution_timeout=timeout, start_timeout=60,
                                        # papermill's own kernel (plain): its arguments; killed once done, not asked to
                                        # exit (build 14.7-14.8 s, was 16.1-26.4 s; and no libzmq assertion printed)
                                        extra_arguments=kernels.TCP_ARGS, shutdown_kernel="immediate",
                                        on_notebook_start=lambda notebook: running.update(nb=notebook),
                                        on_cell_start=cell_start)
    except papermill.PapermillExecutionError as err:
        partial = normalise_executed(nbformat.read(out, as_version=4), stage)
        out.unlink()
        cell = next(c for c in partial.cells if any(o.output_type == "error" for o in c.get("outputs", [])))
        where, ename, evalue = f"cell {err.cell_index} (id {cell.id})", err.ename, err.evalue
    except (DeadKernelError, CellTimeoutError) as err:
        if "cell" not in running or stopped.is_set():  # before the first cell, or stopped by another's failure
            raise
        partial = normalise_executed(running["nb"], stage)
        where, ename, evalue = f"cell {running['index']} (id {running['cell'].id})", type(err).__name__, str(err).split("\n")[0]
        evalue += " (its process stopped: out of memory, or a crash in a library)" if ename == "DeadKernelError" else ""
    else:
        _write_notebook(normalise_executed(nb, stage), out)
        return nb
    (stage / "failed").mkdir(exist_ok=True)
    _write_notebook(partial, stage / "failed" / path.name)
    raise NotebookFailed(f"{path.name}: {where} failed: {ename}: {evalue}\n"
                         f"(partly executed notebook: reports/failed/{path.name})", ename=ename, evalue=evalue)


def _write_notebook(nb, path: Path) -> None:
    """``nbformat.write``, but with "\n" line ends on every platform (text mode writes "\r\n" on Windows)."""
    import nbformat

    path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8", newline="\n")


@contextlib.contextmanager
def _quiet_when(stopped: threading.Event):
    """Papermill's log without what it says once the build is ``stopped`` (nbclient's "Kernel died while waiting for
    execute reply", for each kernel the failure stopped): the failure's own error follows."""
    logger, keep = logging.getLogger("papermill"), lambda record: not stopped.is_set()
    logger.addFilter(keep)
    try:
        yield
    finally:
        logger.removeFilter(keep)


def execute_notebooks(notebook_paths: list[Path], parameters: dict, stage: Path, *, kernel_path: str | None = None,
                      parallel: int | None = None, timeout: int = 600, background=None) -> list:
    """Execute the notebooks with papermill, up to ``parallel`` at a time, each in a fresh kernel (``kernel_path``);
    return them in ``notebook_paths`` order, written to ``stage/reports/executed``.

    A notebook starts once the notebooks it needs (``notebook_needs``) have finished, in ``run_order`` (the
    durations of the last build: ``stage/../notebook-seconds.json``), and gets the ``parameters``
    its parameters cell declares; ``background()`` runs meanwhile, in a thread. The first failing notebook
    raises ``NotebookFailed`` and stops the others: their kernels, or on the plain path (papermill's own kernels, which
    the build does not hold) each before its next cell.
    """
    try:  # every notebook's metadata, before any kernel starts
        read = {p.name: _read(p) for p in notebook_paths}
        if twice := [n for n in read if [m[:2] for m in read].count(n[:2]) > 1]:  # the report's cell ids: nb<number>-
            raise ValueError(f"{' and '.join(twice)}: one number, two notebooks (a copy, as JupyterLab's Duplicate "
                             "names it?): the number orders the report and names its cells; give each notebook its "
                             "own, or keep the copy outside notebooks/")
        needs = notebook_needs({name: meta for name, (meta, _) in read.items()})
        imports = {name: meta.get("report", {}).get("kernel", "full") for name, (meta, _) in read.items()}
        if bad := {n: v for n, v in imports.items() if v not in kernels.IMPORTS}:
            raise ValueError(f"metadata report.kernel {bad}: expected one of {', '.join(kernels.IMPORTS)}")
        for name, (meta, _) in read.items():
            htmlreport.section_of(name, meta)  # known, or the build would fail once every notebook has run
    except ValueError as err:
        raise NotebookFailed(str(err)) from None
    timings = stage.parent / "notebook-seconds.json"
    seconds = json.loads(timings.read_text()) if timings.exists() else {}
    waiting = run_order(imports, seconds)
    parallel = parallel or min(MAX_KERNELS, os.cpu_count() or 1)
    by_name = {p.name: _with_cell_ids(p, stage / "sources") for p in notebook_paths}
    executed, running, stopped = {}, {}, threading.Event()
    (stage / "reports" / "executed").mkdir(parents=True, exist_ok=True)
    # the kernel template (fork) starts first; a failure leaves both ``with``: the other kernels stop, then the threads
    with _quiet_when(stopped), ThreadPoolExecutor(parallel) as threads, kernels.Kernels(
            kernels.choose(kernel_path), paths.PROJECT_ROOT, {paths.STAGE_VARIABLE: str(stage.resolve())}) as pool:
        import nbformat  # noqa: F401  (imported before the threads: a module two threads import at once
        import papermill  # noqa: F401  can be seen half-initialised)

        (warm_up := threading.Thread(target=background or (lambda: None), daemon=True)).start()
        try:
            while waiting or running:
                ready = [n for n in waiting if not {*needs[n]} & {*waiting, *running.values()}]
                for name in ready[:parallel - len(running)]:
                    params = {k: v for k, v in parameters.items() if k in read[name][1]}
                    running[threads.submit(_execute, by_name[name], params, stage, pool.start(name, imports[name]),
                                           timeout, stopped)] = name
                    waiting.remove(name)
                    seconds[name] = time.perf_counter()
                # kernels start ahead, first those of notebooks that wait for running ones only: forked ones (cheap)
                # all, so that the template imports the next sets while the first notebooks run; warm ones one, plus one
                # per idle lane
                soon = [n for n in waiting if not {*needs[n]} & {*waiting}]
                ahead = ([*soon, *(n for n in waiting if n not in soon)] if pool.path == "fork"
                         else soon[:1 + parallel - len(running)])
                for name in ahead:
                    pool.start(name, imports[name])
                # with a timeout: on Windows, Ctrl-C interrupts a wait without one only from Python 3.14
                finished, _ = wait(running, timeout=1, return_when=FIRST_COMPLETED)
                for future in finished:
                    name = running.pop(future)
                    pool.release(name)
                    executed[name] = future.result()
                    seconds[name] = round(time.perf_counter() - seconds[name], 1)
        except BaseException:  # a notebook failed, or Ctrl-C: before the ``with`` stops the other kernels
            stopped.set()
            raise
    part = timings.with_name(f"{timings.name}.{os.getpid()}")
    part.write_text(json.dumps(seconds, indent=1, sort_keys=True) + "\n")
    paths.replace(part, timings)  # whole, for a build starting meanwhile
    warm_up.join()
    return [executed[p.name] for p in notebook_paths]


def _prepare_render() -> None:
    """Import what writes the report and the workbook and reads the data cut (``disposition``, with scipy: 0.2 s), and
    compile the report's template (run while the notebooks do)."""
    import xlsxwriter  # noqa: F401

    from analysis_utils import appendix, disposition  # noqa: F401

    htmlreport.compile_template()


def git_state(root: Path = paths.PROJECT_ROOT) -> dict:
    """Return the git commit of ``root`` and whether its tracked files differ from it (git writes UTF-8, any locale)."""
    try:
        status = subprocess.run(["git", "-C", str(root), "status", "--porcelain=v2", "--branch", "--untracked-files=no"],
                                capture_output=True, encoding="utf-8", errors="replace", check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return {"commit": "not a git checkout", "dirty": "unknown"}
    dirty = any(not line.startswith("#") for line in status.splitlines())
    return {"commit": re.search(r"^# branch.oid (\S+)", status, re.M)[1], "dirty": "yes (uncommitted changes)" if dirty else "no"}


def _publish(stage: Path, out_root: Path, started: float) -> None:
    """Move the staged outputs into place, replacing the old ones, all or none; ``report.html`` last, by an atomic
    rename, dated ``started`` (the build's start: make then sees a notebook or module saved during the build as newer).
    The old ones are moved aside first. A file another program holds open (a workbook in Excel, on Windows) stops
    the publishing, and the moves made are undone (``paths.replace`` waits out a file a scanner holds for a moment)."""
    targets = {"processed": out_root / "data" / "processed", "figures": out_root / "figures", "reports": out_root / "reports"}
    moves = []  # (from, to), in order
    for name, target in targets.items():
        target.mkdir(parents=True, exist_ok=True)
        (stage / "old" / name).mkdir(parents=True)
        moves += [(old, stage / "old" / name / old.name) for old in target.iterdir()
                  if old.name not in (".gitkeep", "report.html")]
    moves += [(new, targets[name] / new.name) for name in targets for new in sorted((stage / name).iterdir())
              if new.name != "report.html"]
    moves.append((stage / "reports" / "report.html", out_root / "reports" / "report.html"))
    os.utime(stage / "reports" / "report.html", (started, started))
    done = []
    try:
        for move in moves:
            paths.replace(*move)
            done.append(move)
    except OSError as err:
        for src, dst in reversed(done):
            paths.replace(dst, src)
        raise OSError(err.errno, f"{err.strerror} (open in another program?); nothing was replaced", err.filename) from None


@contextlib.contextmanager
def _publishing(folder: Path):
    """One build at a time publishes (or retires the report) in a checkout: it holds ``folder/publishing``, a folder
    (``mkdir`` is atomic on every platform; no ``fcntl``), waiting while another build holds it; a lock older than
    ``STALE_LOCK_SECONDS`` was left by a killed build and is taken over. While it holds the lock (milliseconds), Ctrl-C
    is ignored: publishing moves all the outputs or none."""
    lock = folder / "publishing"
    while True:
        with contextlib.suppress(FileExistsError):
            lock.mkdir(parents=True)
            break
        with contextlib.suppress(OSError):  # gone meanwhile: try again
            if time.time() - lock.stat().st_mtime > STALE_LOCK_SECONDS:
                lock.rmdir()
        time.sleep(0.02)
    in_main = threading.current_thread() is threading.main_thread()  # the only thread that may set signal handlers
    ctrl_c = signal.signal(signal.SIGINT, signal.SIG_IGN) if in_main else None
    try:
        yield
    finally:
        lock.rmdir()
        if ctrl_c is not None:  # None: not from Python, and not to be put back by it
            signal.signal(signal.SIGINT, ctrl_c)


def _retire(stage: Path, reports: Path) -> None:
    """After a failure: rename the old report ``report.previous.html`` (one another program holds open, as Word does on
    Windows, stays, with a warning: the failure's own error follows); keep the partial notebook in reports/failed
    (where one of an earlier failure would mislead: it is removed)."""
    reports.mkdir(parents=True, exist_ok=True)
    if (reports / "report.html").exists():
        try:
            paths.replace(reports / "report.html", reports / "report.previous.html")
        except OSError as err:
            print(f"warning: reports/report.html, of the last build that succeeded, stays as it is ({err.strerror}: "
                  "open in another program?)", file=sys.stderr)
    shutil.rmtree(reports / "failed", ignore_errors=True)
    if (stage / "failed").exists():
        paths.replace(stage / "failed", reports / "failed")


def build(data_dir: Path, data_cutoff: str, *, out_root: Path = paths.PROJECT_ROOT,
          notebooks: list[Path] | None = None, kernel_path: str | None = None) -> Path:
    """Run the whole pipeline and publish the outputs under ``out_root``; return the report path. The build stages its
    outputs in a folder of its own (``.build/stage-<process id>``), which a build running meanwhile leaves alone, and
    removes those ``STALE_STAGE_SECONDS`` old. One build publishes at a time (``_publishing``): the last one wins.
    ``data_cutoff`` ``""``: the export's date, which ``01`` takes (``cleaning.export_date``)."""
    started, notebooks, stage = time.time(), notebooks or list_notebooks(), out_root / ".build" / f"stage-{os.getpid()}"
    for old in (out_root / ".build").glob("stage-*"):  # this process's own, left by an earlier one; stale ones
        with contextlib.suppress(OSError):  # removed meanwhile by its own build
            if old == stage or started - old.stat().st_mtime > STALE_STAGE_SECONDS:
                shutil.rmtree(old)
    for sub in ("processed", "figures", "reports"):
        (stage / sub).mkdir(parents=True)
    parameters = {"DATA_DIR": paths.relative(data_dir), "DATA_CUTOFF": data_cutoff,
                  **{k: paths.relative(stage / v) for k, v in {"PROCESSED_DIR": "processed", "OUT_PROCESSED_DIR":
                     "processed", "REPORTS_DIR": "reports", "FIGURES_DIR": "figures"}.items()}}
    try:
        # The first notebook validates the export before anything is derived from it: a bad export
        # stops the build there (ename ExportValidationError), and nothing is published.
        execute_notebooks(notebooks, parameters, stage, kernel_path=kernel_path, background=_prepare_render)
        from analysis_utils import appendix, disposition, io, report

        data_cutoff = data_cutoff or disposition.data_cut_date(io.read_processed("adsl", folder=stage / "processed"))
        ard = report.combine_parts(stage / "reports")  # ard.csv and data_queries.csv, in a fixed order
        appendix.write_report(stage_reports=stage / "reports", ard=ard, data_dir=data_dir, data_cutoff=data_cutoff,
                              git=git_state(), notebooks=[p.name for p in notebooks])
        with _publishing(out_root / ".build"):
            _publish(stage, out_root, started)
    except BaseException:
        with _publishing(out_root / ".build"):
            _retire(stage, out_root / "reports")
        raise
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return out_root / "reports" / "report.html"


def _iso_date(text: str) -> str:
    """``paths.iso_date``, as argparse reports an error."""
    try:
        return paths.iso_date(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the HTML report from a raw export.")
    parser.add_argument("--data-dir", default="data/raw", help="raw export: folder of CSVs or an .xlsx workbook")
    parser.add_argument("--data-cutoff", type=_iso_date, default="",
                        help="data cut (YYYY-MM-DD); default: the export's date (form study, EXPORTDT)")
    parser.add_argument("--out-root", default=str(paths.PROJECT_ROOT), help="where data/processed, figures and reports go")
    parser.add_argument("--kernels", choices=("auto", *kernels.PATHS), default=None,
                        help="fork (Linux), warm (pre-started) or plain (papermill's own); "
                             "default: the KERNELS variable, else fork where safe, else warm")
    args, start = parser.parse_args(argv), time.perf_counter()
    if problem := paths.not_an_export(args.data_dir):  # before any kernel starts, in words (a .zip, an .xls)
        print(f"error: {problem}; nothing was replaced", file=sys.stderr)
        return 1
    reports = Path(args.out_root).resolve() / "reports"
    try:
        report = build(paths.resolve(args.data_dir), args.data_cutoff, out_root=reports.parent,
                       kernel_path=args.kernels)
    except (NotebookFailed, OSError, KeyboardInterrupt) as err:
        interrupted = getattr(err, "ename", type(err).__name__) == "KeyboardInterrupt"  # of the runner, or of a cell
        print("interrupted: nothing was replaced" if interrupted else
              f"error: the export {args.data_dir} failed validation; nothing was replaced.\n{err.evalue}\n"
              f"(`make validate DATA_DIR={args.data_dir}` lists every error in scratch/validation/data_queries.csv)"
              if getattr(err, "ename", "") == "ExportValidationError" else f"error: {err}", file=sys.stderr)
        if (reports / "report.previous.html").exists() and not (reports / "report.html").exists():
            print("(the last build's report is now reports/report.previous.html)", file=sys.stderr)
        return 130 if interrupted else 1
    from analysis_utils import export

    if warning := export.real_export_warning(args.data_dir):
        print(warning, file=sys.stderr)
    print(f"report: {report} ({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush(), sys.stderr.flush()
    os._exit(code)  # the build has closed its files and stopped its kernels: skip the 0.2 s of tearing down pandas & co.
