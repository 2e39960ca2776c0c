"""Build the report: run the numbered notebooks, two at a time, and render one HTML report.

Usage::

    python -m analysis_utils.runner --data-dir data/raw --data-cutoff 2022-01-31

Design (../shared/performance.md §8, and ``kernels``): every notebook runs in a fresh Jupyter
kernel of its own, forked from a template process that imported the libraries once, so no
notebook pays for a kernel start or for imports, and none sees another's state: its outputs are
the same as when it runs alone with papermill (``tests/e2e/test_pipeline.py`` checks it). Up to
``MAX_KERNELS`` notebooks (one per core) run at once. A notebook can start when the notebooks whose
outputs it reads (its metadata ``report.needs``) have finished and its template stage has imported
its libraries: 03 (eligibility), 04 (efficacy tables), 05 (efficacy figures), 06 (safety) and 07
(planning) need only 02, so two of them run side by side. Of the notebooks that can start, the one
that took longest in the last build starts first (``pick_next``; times in
``.build/notebook_seconds.json``), so that the two lanes finish close together. Notebooks that
write the same file (``reports/ard.csv``) do so under a lock (``report``).
The HTML report and the Excel workbook are then written in one more kernel forked from the
template (``appendix.write_report``), so this process never imports pandas.

The export is validated by the first notebook (``01_data_cleaning``) before anything is derived
from it; a bad export stops the build there with the list of errors.

Nothing is replaced until everything succeeded: the notebooks write into a staging folder
(``.build/stage``), and only after the last notebook ran and the HTML rendered are the outputs
moved into ``data/processed``, ``figures`` and ``reports`` (``report.html`` last, by rename).
On failure the previous ``report.html`` is renamed ``report.previous.html`` (it describes
other inputs, so it must not look current), the partly executed notebook is kept under
``reports/failed/``, and the process exits non-zero naming the notebook, the cell and the error.
"""

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from analysis_utils import kernels, paths


class NotebookFailed(RuntimeError):
    """A notebook raised an error; the message names the notebook, the cell and the error.

    ``ename`` is the name of the exception the cell raised (``ExportValidationError`` when
    ``01_data_cleaning`` finds errors in the raw export) and ``evalue`` its message.
    """

    def __init__(self, message: str, *, ename: str = "", evalue: str = ""):
        super().__init__(message)
        self.ename, self.evalue = ename, evalue


def list_notebooks(folder: Path = paths.NOTEBOOKS) -> list[Path]:
    """Return the numbered pipeline notebooks (``NN_name.ipynb``) in order."""
    return sorted(p for p in folder.glob("[0-9][0-9]_*.ipynb"))


def inject_parameters(nb, parameters: dict):
    """Insert a cell tagged ``injected-parameters`` after the ``parameters`` cell (papermill's contract).

    Only names the notebook declares in its parameters cell are injected. The cell gets the
    fixed id ``injected-parameters`` so that executed notebooks are byte-reproducible.
    """
    import nbformat

    index = next((i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])), None)
    if index is None:
        raise ValueError("notebook has no cell tagged 'parameters'")
    declared = nb.cells[index].source
    lines = [f"{k} = {json.dumps(v)}" for k, v in parameters.items() if f"{k} =" in declared or f"{k}=" in declared]
    cell = nbformat.v4.new_code_cell(source="# Parameters\n" + "\n".join(lines) + "\n")
    cell.id = "injected-parameters"
    cell.metadata["tags"] = ["injected-parameters"]
    nb.cells.insert(index + 1, cell)
    return nb


def normalise_executed(nb):
    """Strip run-dependent metadata so two runs give byte-identical notebooks.

    Removes timing and papermill metadata and renumbers execution counts 1..n in cell order
    (so the numbers never depend on what the kernel ran before).
    """
    nb.metadata.pop("papermill", None)
    count = 0
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
        if cell.cell_type == "code":
            count += 1
            cell.execution_count = count if cell.get("outputs") is not None else None
            for out in cell.get("outputs", []):
                if "execution_count" in out:
                    out["execution_count"] = count
    return nb


#: Notebooks executing side by side, each in a kernel of its own: one per core on the 2-core
#: machines the project is built on (more would only compete for the cores). ``report.needs``
#: decides what can overlap.
MAX_KERNELS = 2
#: Template stage of the kernel that runs ``execute_notebooks``' ``finish`` code (writing the report):
#: pandas is imported there; scipy and matplotlib are not needed.
FINISH_STAGE = "base"


def notebook_needs(metadata: dict[str, dict]) -> dict[str, list[str]]:
    """Return, for each notebook (file name, in run order), the notebooks whose outputs it reads.

    ``metadata`` maps each notebook's file name to its notebook metadata. A notebook lists what it
    reads in ``report.needs`` (file stems, e.g. ``["02_scoring"]``); without that list it needs
    every earlier notebook. A needed notebook must come earlier in the numbered order, so running
    the notebooks one by one in that order is always valid.

    Examples
    --------
    >>> notebook_needs({"01_a.ipynb": {}, "02_b.ipynb": {"report": {"needs": ["01_a"]}}, "03_c.ipynb": {}})
    {'01_a.ipynb': [], '02_b.ipynb': ['01_a.ipynb'], '03_c.ipynb': ['01_a.ipynb', '02_b.ipynb']}
    """
    names = list(metadata)
    needs = {}
    for i, (name, meta) in enumerate(metadata.items()):
        declared = meta.get("report", {}).get("needs")
        if declared is None:
            needs[name] = names[:i]
            continue
        found = [f"{stem}.ipynb" for stem in declared]
        late = [n for n in found if n not in names[:i]]
        if late:
            raise ValueError(f"{name}: metadata report.needs names {late}, which is not an earlier notebook")
        needs[name] = found
    return needs


def _width(needs: dict[str, list[str]]) -> int:
    """An upper bound on how many notebooks can run side by side: 1 for a chain (each needs all before it).

    >>> _width({"a": [], "b": ["a"], "c": ["b"]}), _width({"a": [], "b": ["a"], "c": ["a"], "d": ["c"]})
    (1, 2)
    """
    names, before = list(needs), {}
    for name in names:
        before[name] = set(needs[name]).union(*(before[n] for n in needs[name]))
    # A notebook that does not depend on the one just before it can overlap with it.
    return 1 + sum(1 for prev, name in zip(names, names[1:]) if prev not in before[name])


async def _run(template, nb, *, kernel_stage: str, timeout: int) -> None:
    """Execute ``nb`` (in place) in a fresh kernel forked from ``kernel_stage``, then stop the kernel.

    A failing cell raises nbclient's ``CellExecutionError``; the notebook keeps the outputs so far.
    """
    from nbclient import NotebookClient

    kc, km = await template.kernel(kernel_stage)
    client = NotebookClient(nb, km=km, timeout=timeout, record_timing=False, kernel_name="python3",
                            allow_errors=False)
    client.kc = kc
    try:
        await client.async_execute()
    finally:
        template.release(kc, km)


async def _execute(template, path: Path, nb, stage_dir: Path, *, kernel_stage: str, timeout: int):
    """Execute one notebook in a kernel of its own, forked from ``kernel_stage``; write it to ``stage_dir``."""
    import nbformat
    from nbclient.exceptions import CellExecutionError

    try:
        await _run(template, nb, kernel_stage=kernel_stage, timeout=timeout)
    except CellExecutionError as err:
        failed = stage_dir / "failed"
        failed.mkdir(parents=True, exist_ok=True)
        nbformat.write(normalise_executed(nb), failed / path.name)
        index, cell = next(((j, c) for j, c in enumerate(nb.cells) for o in c.get("outputs", [])
                            if o.get("output_type") == "error"), (None, None))
        where = f"cell {index} (id {cell.id})" if cell is not None else "a cell"
        raise NotebookFailed(
            f"{path.name}: {where} failed: {err.ename}: {err.evalue}\n"
            f"(partly executed notebook: reports/failed/{path.name})", ename=err.ename, evalue=err.evalue,
        ) from None
    nb = normalise_executed(nb)
    out = stage_dir / "reports" / "executed" / path.name
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out)
    return nb


def _metadata(path: Path) -> dict:
    """A notebook's metadata, read without nbformat's validation (so the kernels can start first)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))["metadata"]
    except (ValueError, KeyError, TypeError) as err:
        raise ValueError(f"{path}: not a notebook file ({type(err).__name__}: {err})") from None


def notebook_kernel_stage(name: str, metadata: dict) -> str:
    """The template stage a notebook's kernel is forked from: metadata ``report.kernel`` (default ``full``).

    ``base`` (numpy, pandas, pyarrow, the data modules imported) suits notebooks that only read,
    check and derive data: their kernel is ready about 1.5 s sooner (``kernels``).

    >>> notebook_kernel_stage("01_a.ipynb", {"report": {"kernel": "base"}}), notebook_kernel_stage("02_b.ipynb", {})
    ('base', 'full')
    """
    stage = metadata.get("report", {}).get("kernel", "full")
    if stage not in kernels.STAGES:
        raise ValueError(f"{name}: metadata report.kernel is {stage!r}; expected one of {', '.join(kernels.STAGES)}")
    return stage


async def _run_code(template, code: str, *, what: str, kernel_stage: str, timeout: int) -> None:
    """Run ``code`` in a fresh kernel forked from ``kernel_stage``; an error raises ``NotebookFailed`` naming ``what``."""
    import nbformat
    from nbclient.exceptions import CellExecutionError

    try:
        await _run(template, nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)]),
                   kernel_stage=kernel_stage, timeout=timeout)
    except CellExecutionError as err:
        raise NotebookFailed(f"{what} failed: {err.ename}: {err.evalue}\n{_ANSI.sub('', str(err))}",
                             ename=err.ename, evalue=err.evalue) from None


#: Terminal colour codes, as in the tracebacks a kernel sends.
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def pick_next(candidates: list[str], durations: dict[str, float]) -> str:
    """The notebook to start next among ``candidates`` (in numbered order): the longest in ``durations``.

    Starting the longest first leaves the short ones to fill the end, so the lanes finish close
    together (longest-processing-time-first scheduling). Notebooks without a duration (a first
    build) keep their numbered order, after those with one.

    >>> pick_next(["03_c", "04_d", "05_e"], {"04_d": 1.5, "05_e": 2.5}), pick_next(["03_c", "04_d"], {})
    ('05_e', '03_c')
    """
    return min(candidates, key=lambda name: (-durations.get(name, -1.0), candidates.index(name)))


async def _execute_all(notebook_paths: list[Path], parameters: dict, stage: Path, *, timeout: int,
                       finish: str | None, parallel: int, durations: dict[str, float]) -> list:
    metadata = {p.name: _metadata(p) for p in notebook_paths}
    needs = notebook_needs(metadata)
    kernel_stage = {name: notebook_kernel_stage(name, meta) for name, meta in metadata.items()}
    by_name = {p.name: p for p in notebook_paths}
    parallel = max(1, min(parallel, _width(needs)))
    previous = dict(durations)

    def read_notebooks():  # in a thread, while the template imports the libraries
        import nbformat

        return {p.name: inject_parameters(nbformat.read(p, as_version=4), parameters) for p in notebook_paths}

    demand = {k: list(kernel_stage.values()).count(k) for k in set(kernel_stage.values())}
    if finish:
        demand[FINISH_STAGE] = demand.get(FINISH_STAGE, 0) + 1
    async with kernels.KernelTemplate(paths.PROJECT_ROOT, demand=demand, spares=parallel,
                                      timeout=timeout) as template:
        notebooks = await asyncio.to_thread(read_notebooks)
        waiting, done, executed = list(notebooks), set(), {}
        started = set()  # template stages whose kernels can start now
        changed = asyncio.Condition()

        async def watch(kernel_stage_name):
            await template.started(kernel_stage_name)
            async with changed:
                started.add(kernel_stage_name)
                changed.notify_all()

        def next_ready():
            # A notebook whose inputs are ready, and whose stage has started: a lane does not wait
            # for a stage while another notebook could run.
            candidates = [n for n in waiting if set(needs[n]) <= done and kernel_stage[n] in started]
            return pick_next(candidates, previous) if candidates else None

        async def lane():
            while True:
                async with changed:
                    await changed.wait_for(lambda: not waiting or next_ready() is not None)
                    if not waiting:
                        return
                    name = next_ready()
                    waiting.remove(name)
                begin = time.monotonic()
                executed[name] = await _execute(template, by_name[name], notebooks[name], stage,
                                                kernel_stage=kernel_stage[name], timeout=timeout)
                durations[name] = round(time.monotonic() - begin, 2)
                async with changed:
                    done.add(name)
                    changed.notify_all()

        watchers = [asyncio.create_task(watch(s)) for s in set(kernel_stage.values())]
        lanes = [asyncio.create_task(lane()) for _ in range(parallel)]
        try:
            await asyncio.gather(*lanes)
        except BaseException:
            for task in lanes:
                task.cancel()
            await asyncio.gather(*lanes, return_exceptions=True)
            raise
        finally:
            for task in watchers:
                task.cancel()
            await asyncio.gather(*watchers, return_exceptions=True)
        if finish:
            await _run_code(template, finish, what="writing the report", kernel_stage=FINISH_STAGE, timeout=timeout)
    return [executed[name] for name in notebooks]


def execute_notebooks(notebook_paths: list[Path], parameters: dict, stage: Path, *, timeout: int = 600,
                      finish: str | None = None, kernels: int | None = None,
                      durations: dict[str, float] | None = None) -> list:
    """Execute the notebooks, up to ``kernels`` at a time (default ``MAX_KERNELS``, at most one per core).

    Each notebook runs in a fresh kernel of its own, forked from a template process that has
    already imported the libraries (``kernels``); a notebook starts as soon as fewer than
    ``kernels`` are running, the notebooks it needs (``notebook_needs``) have finished and its
    template stage has imported its modules. Of several such notebooks, the one that took longest
    in ``durations`` (seconds per notebook file name, from an earlier build) starts first
    (``pick_next``); ``durations`` is then updated with this build's times. The order changes no
    output: a notebook reads only what the notebooks it needs wrote. Each executed notebook is
    written to ``stage/reports/executed``; they are returned in ``notebook_paths`` order.
    ``finish`` (Python code) then runs in one more fresh kernel, forked from ``FINISH_STAGE``; its
    error stops the build like a notebook's. The first failing notebook stops every kernel.
    """
    kernels = kernels or min(MAX_KERNELS, os.cpu_count() or 1)
    return asyncio.run(_execute_all(notebook_paths, parameters, stage, timeout=timeout, finish=finish,
                                    parallel=kernels, durations={} if durations is None else durations))


def git_state(root: Path = paths.PROJECT_ROOT) -> dict:
    """Return the git commit of ``root`` and whether its tracked files differ from it."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, check=True).stdout.strip() != ""
    except (OSError, subprocess.CalledProcessError):
        return {"commit": "not a git checkout", "dirty": "unknown"}
    return {"commit": commit, "dirty": "yes (uncommitted changes)" if dirty else "no"}


def _project_relative(path: Path) -> str:
    """Path as notebooks receive it: relative to the project root when inside it (no machine paths in outputs)."""
    path = Path(path).resolve()
    return path.relative_to(paths.PROJECT_ROOT).as_posix() if path.is_relative_to(paths.PROJECT_ROOT) else str(path)


def _publish(stage: Path, out_root: Path) -> None:
    """Move the staged outputs into place; ``report.html`` last, by an atomic rename."""
    targets = {"processed": out_root / "data" / "processed", "figures": out_root / "figures", "reports": out_root / "reports"}
    for name, target in targets.items():
        target.mkdir(parents=True, exist_ok=True)
        for old in target.iterdir():
            if old.name in (".gitkeep", "report.html") or (name == "reports" and old.name == "failed"):
                continue
            shutil.rmtree(old) if old.is_dir() else old.unlink()
        for new in sorted((stage / name).iterdir()):
            if new.name != "report.html":
                os.replace(new, target / new.name)
    shutil.rmtree(out_root / "reports" / "failed", ignore_errors=True)
    (out_root / "reports" / "report.previous.html").unlink(missing_ok=True)
    os.replace(stage / "reports" / "report.html", out_root / "reports" / "report.html")


def _retire_old_report(out_root: Path) -> None:
    old = out_root / "reports" / "report.html"
    if old.exists():
        os.replace(old, out_root / "reports" / "report.previous.html")


def _compile_package() -> None:
    """Write the bytecode of the package's changed modules, so the template and the runner need not compile them.

    Python does this itself unless ``PYTHONDONTWRITEBYTECODE`` is set (as on CI machines); then
    every process compiled the package again (about 0.1 s each). Nothing happens when the source
    folder is read-only.
    """
    import compileall

    try:
        compileall.compile_dir(Path(__file__).parent, quiet=2, maxlevels=0)
    except OSError:
        pass


#: Seconds each notebook took in the last successful build (under the output root): the next build
#: starts the longest first (``pick_next``). Only the order of the notebooks depends on it, never an output.
DURATIONS_FILE = Path(".build") / "notebook_seconds.json"


def read_durations(path: Path) -> dict[str, float]:
    """The notebook durations saved by the last build; empty if there are none (or the file is unreadable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): float(v) for k, v in data.items() if isinstance(v, (int, float))}


def _write_durations(path: Path, durations: dict[str, float]) -> None:
    # Written here rather than with io._atomic_write: io imports pandas, which the runner never does.
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(durations, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def render_code(**arguments) -> str:
    """The code a kernel runs to write the report: ``appendix.write_report(**arguments)`` (JSON-able arguments).

    >>> print(render_code(data_cutoff="2022-01-31"))
    import json
    from analysis_utils import appendix
    appendix.write_report(**json.loads('{"data_cutoff": "2022-01-31"}'))
    """
    return ("import json\nfrom analysis_utils import appendix\n"
            f"appendix.write_report(**json.loads({json.dumps(arguments, sort_keys=True)!r}))")


def build(data_dir: Path, data_cutoff: str, *, out_root: Path = paths.PROJECT_ROOT,
          notebooks: list[Path] | None = None) -> Path:
    """Run the whole pipeline and publish the outputs under ``out_root``; return the report path."""
    _compile_package()
    notebooks = notebooks or list_notebooks()
    stage = out_root / ".build" / "stage"
    durations = read_durations(out_root / DURATIONS_FILE)
    shutil.rmtree(stage, ignore_errors=True)
    for sub in ("processed", "figures", "reports"):
        (stage / sub).mkdir(parents=True)
    try:
        parameters = {
            "DATA_DIR": _project_relative(data_dir), "DATA_CUTOFF": data_cutoff,
            "PROCESSED_DIR": _project_relative(stage / "processed"),
            "REPORTS_DIR": _project_relative(stage / "reports"), "FIGURES_DIR": _project_relative(stage / "figures"),
        }
        # The export is validated by the first notebook, before anything is derived from it: a bad
        # export stops the build there (ename ExportValidationError), and nothing is published.
        execute_notebooks(notebooks, parameters, stage, durations=durations, finish=render_code(
            stage_reports=str(stage / "reports"), data_dir=str(data_dir), data_cutoff=data_cutoff,
            git=git_state(), notebooks=[p.name for p in notebooks]))
    except BaseException:
        _retire_old_report(out_root)
        failed = stage / "failed"
        if failed.exists():
            dest = out_root / "reports" / "failed"
            shutil.rmtree(dest, ignore_errors=True)
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(failed, dest)
        raise
    _publish(stage, out_root)
    shutil.rmtree(out_root / ".build" / "stage", ignore_errors=True)
    _write_durations(out_root / DURATIONS_FILE, durations)
    return out_root / "reports" / "report.html"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the HTML report from a raw export.")
    parser.add_argument("--data-dir", default="data/raw", help="raw export: folder of CSVs or an .xlsx workbook")
    parser.add_argument("--data-cutoff", required=True, help="data cut or export date shown on the title page (YYYY-MM-DD)")
    parser.add_argument("--out-root", default=str(paths.PROJECT_ROOT), help="where data/processed, figures and reports go")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        report = build(paths.resolve(args.data_dir), args.data_cutoff, out_root=Path(args.out_root).resolve())
    except NotebookFailed as err:
        if err.ename == "ExportValidationError":
            print(f"error: the export {args.data_dir} failed validation; nothing was replaced.\n{err.evalue}\n"
                  f"(`make validate DATA_DIR={args.data_dir}` lists every error in reports/data_queries.csv)",
                  file=sys.stderr)
        else:
            print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"report: {report} ({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
