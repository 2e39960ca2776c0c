"""Build the report: papermill executes the numbered notebooks, two at a time, then the report is rendered.

Usage::

    python -m analysis_utils.runner --data-dir data/raw --data-cutoff 2022-01-31 [--kernels fork|warm|plain]

Every notebook runs in a fresh kernel of its own (``kernels``) once the notebooks it reads
(metadata ``report.needs``) have finished, the longest of the last build first (``pick_next``).
The notebooks write into ``.build/stage`` (passed as parameters); only when every notebook ran
and the report rendered (``appendix.write_report``) are the outputs moved into ``data/processed``,
``figures`` and ``reports`` (``report.html`` last). On failure the old ``report.html`` becomes
``report.previous.html``, the partly executed notebook is kept in ``reports/failed/``, and the
error names the notebook, the cell and the exception.
"""

import argparse
import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from pathlib import Path

from analysis_utils import kernels, paths


class NotebookFailed(RuntimeError):
    """A notebook raised an error: the message names the notebook, the cell and the error; ``ename``
    and ``evalue`` are the exception's name (``ExportValidationError`` for a bad export) and message."""

    def __init__(self, message: str, *, ename: str = "", evalue: str = ""):
        super().__init__(message)
        self.ename, self.evalue = ename, evalue


#: Notebooks executing side by side: one per core on the 2-core machines the project is built on.
MAX_KERNELS = 2
#: Imported while the notebooks run: what renders the report and writes the workbook.
_RENDER_MODULES = ("analysis_utils.appendix", "analysis_utils.dictionary", "nbconvert", "mistune", "xlsxwriter")
#: Seconds each notebook took in the last successful build: only the order of the notebooks depends on it.
DURATIONS_FILE = Path(".build") / "notebook_seconds.json"
#: The thread preparing the rendering while notebooks run; the report is rendered once it has finished.
_PREPARING: list[threading.Thread] = []


def list_notebooks(folder: Path = paths.NOTEBOOKS) -> list[Path]:
    """Return the numbered pipeline notebooks (``NN_name.ipynb``) in order."""
    return sorted(folder.glob("[0-9][0-9]_*.ipynb"))


def notebook_needs(metadata: dict[str, dict]) -> dict[str, list[str]]:
    """Return, for each notebook (file name, in run order), the notebooks whose outputs it reads.

    A notebook lists them in its metadata ``report.needs`` (file stems); without that list it needs
    every earlier notebook. A needed notebook must come earlier in the numbered order.

    >>> notebook_needs({"01_a.ipynb": {}, "02_b.ipynb": {"report": {"needs": ["01_a"]}}, "03_c.ipynb": {}})
    {'01_a.ipynb': [], '02_b.ipynb': ['01_a.ipynb'], '03_c.ipynb': ['01_a.ipynb', '02_b.ipynb']}
    """
    names, needs = list(metadata), {}
    for i, (name, meta) in enumerate(metadata.items()):
        declared = meta.get("report", {}).get("needs")
        needs[name] = names[:i] if declared is None else [f"{stem}.ipynb" for stem in declared]
        late = [n for n in needs[name] if n not in names[:i]]
        if late:
            raise ValueError(f"{name}: metadata report.needs names {late}, which is not an earlier notebook")
    return needs


def pick_next(candidates: list[str], durations: dict[str, float]) -> str:
    """The notebook to start next among ``candidates`` (in numbered order): the longest in ``durations``,
    then those without a duration in numbered order.

    >>> pick_next(["03_c", "04_d", "05_e"], {"04_d": 1.5, "05_e": 2.5}), pick_next(["03_c", "04_d"], {})
    ('05_e', '03_c')
    """
    return min(candidates, key=lambda name: (-durations.get(name, -1.0), candidates.index(name)))


def read_durations(path: Path) -> dict[str, float]:
    """The notebook durations saved by the last build; empty if there are none or the file is unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {str(k): float(v) for k, v in data.items() if isinstance(v, (int, float))}
    except (OSError, ValueError, AttributeError):
        return {}


def _write_durations(path: Path, durations: dict[str, float]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(durations, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def normalise_executed(nb):
    """Strip run-dependent metadata so two runs give byte-identical notebooks.

    Removes papermill's and nbclient's timing metadata, gives papermill's injected cell the fixed
    id ``injected-parameters`` (its own is random; so are those of its notes on a failure), and numbers execution counts 1..n in cell order.
    """
    nb.metadata.pop("papermill", None)
    count = 0
    for index, cell in enumerate(nb.cells):
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags:
            cell.id = "injected-parameters"
        elif "papermill-error-cell-tag" in tags:  # papermill's notes on a failed notebook
            cell.id = f"papermill-error-{index}"
        if cell.cell_type == "code":
            count += 1
            cell.execution_count = count if cell.get("outputs") is not None else None
            for out in cell.get("outputs", []):
                if "execution_count" in out:
                    out["execution_count"] = count
    return nb


def _read(path: Path) -> tuple[dict, set[str]]:
    """A notebook's metadata and the names its ``parameters`` cell assigns (read before any kernel starts)."""
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        cell = next((c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", [])), {"source": ""})
        source = "".join(cell["source"])
        return nb["metadata"], set(re.findall(r"^(\w+)\s*=", source, re.M))
    except (ValueError, KeyError, TypeError) as err:
        raise ValueError(f"{path}: not a notebook file ({type(err).__name__}: {err})") from None


def _execute(path: Path, parameters: dict, stage: Path, pool: "kernels.Kernels", timeout: int, kernel_stage: str):
    """Execute one notebook with papermill in a fresh kernel; write it to ``stage/reports/executed``."""
    import nbformat
    import papermill

    out = stage / "reports" / "executed" / path.name
    out.parent.mkdir(parents=True, exist_ok=True)
    km = pool.take(path.name, kernel_stage)
    try:
        nb = papermill.execute_notebook(str(path), str(out), parameters=parameters, kernel_name="python3", language="python", km=km,
                                        progress_bar=False, record_timing=False, request_save_on_cell_execute=False,
                                        execution_timeout=timeout, start_timeout=timeout)
    except papermill.PapermillExecutionError as err:
        failed = stage / "failed" / path.name
        failed.parent.mkdir(parents=True, exist_ok=True)
        partial = normalise_executed(nbformat.read(out, as_version=4))
        nbformat.write(partial, failed)
        out.unlink()
        cell = next(c for c in partial.cells if any(o.output_type == "error" for o in c.get("outputs", [])))
        raise NotebookFailed(f"{path.name}: cell {err.cell_index} (id {cell.id}) failed: {err.ename}: {err.evalue}\n"
                             f"(partly executed notebook: reports/failed/{path.name})",
                             ename=err.ename, evalue=err.evalue) from None
    finally:
        pool.release(km)
    nbformat.write(normalise_executed(nb), out)
    return nb


def _prepare_rendering() -> None:
    """Import what renders the report and render a one-cell report, unused: what nbconvert, its
    templates and the HTML filters load on first use is then loaded before the notebooks finish."""
    for name in _RENDER_MODULES:
        importlib.import_module(name)
    import nbformat

    from analysis_utils import htmlreport

    output = nbformat.v4.new_output("display_data", data={"text/html": "<table><tr><td>1</td></tr></table>"})
    cells = [nbformat.v4.new_markdown_cell("# Warm-up\n*text*"), nbformat.v4.new_code_cell("1", outputs=[output])]
    htmlreport.render_report([nbformat.v4.new_notebook(cells=cells)], title_block={"Title": "Warm-up"}, synthetic=True,
                             appendix=[("Appendix", "<p>text</p>")], names=["00_warm_up.ipynb"])


def execute_notebooks(notebook_paths: list[Path], parameters: dict, stage: Path, *, kernel_path: str | None = None,
                      parallel: int | None = None, durations: dict[str, float] | None = None, timeout: int = 600) -> list:
    """Execute the notebooks with papermill, up to ``parallel`` at a time, each in a fresh kernel.

    Kernels come by ``kernel_path`` (``kernels.choose``). A notebook starts when the notebooks it
    needs (``notebook_needs``) have finished; of several, the longest in ``durations`` (seconds by
    file name, from an earlier build) first; ``durations`` is then updated. Each notebook gets the
    ``parameters`` its parameters cell declares; the executed notebooks are written to
    ``stage/reports/executed`` and returned in ``notebook_paths`` order. The first failing notebook
    raises ``NotebookFailed`` and stops the kernels of the others.
    """
    read = {p.name: _read(p) for p in notebook_paths}
    needs = notebook_needs({name: meta for name, (meta, _) in read.items()})
    by_name = {p.name: p for p in notebook_paths}
    kernel_stage = {name: meta.get("report", {}).get("kernel", "full") for name, (meta, _) in read.items()}
    for name, value in kernel_stage.items():
        if value not in kernels.IMPORTS:
            raise ValueError(f"{name}: metadata report.kernel is {value!r}; expected one of {', '.join(kernels.IMPORTS)}")
    parallel = parallel or min(MAX_KERNELS, os.cpu_count() or 1)
    durations = {} if durations is None else durations
    previous, waiting, done, running, executed = dict(durations), list(by_name), set(), {}, {}

    def run(name):
        begin = time.monotonic()
        params = {k: v for k, v in parameters.items() if k in read[name][1]}
        executed[name] = _execute(by_name[name], params, stage, pool, timeout, kernel_stage[name])
        durations[name] = round(time.monotonic() - begin, 2)

    with kernels.Kernels(kernels.choose(kernel_path), paths.PROJECT_ROOT) as pool:  # the template imports meanwhile
        # Imported before the threads start: a module two threads import at once can be seen half-initialised.
        import jupyter_client.asynchronous  # noqa: F401
        import nbformat  # noqa: F401
        import papermill  # noqa: F401

        # What renders the report, imported and tried once meanwhile (a core is idle while 01 and 02 run
        # one after the other).
        if not _PREPARING:  # once per process
            _PREPARING.append(threading.Thread(target=_prepare_rendering, daemon=True))
            _PREPARING[0].start()
        with ThreadPoolExecutor(parallel) as threads:
            while waiting or running:
                ready = [n for n in waiting if set(needs[n]) <= done]
                while ready and len(running) < parallel:
                    name = pick_next(ready, previous)
                    ready.remove(name), waiting.remove(name)
                    running[threads.submit(run, name)] = name
                # start the kernels of the next notebooks ahead of them: forked ones (cheap) one per lane,
                # pre-started ones (each imports the libraries) one, and one more per idle lane (while
                # 01 and 02 run one after the other a core is free)
                ahead = parallel if pool.path == "fork" else 1 + parallel - len(running)
                unmet = {n: sum(m not in done and m not in running.values() for m in needs[n]) for n in waiting}
                for name in sorted(waiting, key=lambda n: (unmet[n], -previous.get(n, -1.0)))[:ahead]:
                    pool.start(name, kernel_stage[name])
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    done.add(running.pop(future))
                    if future.exception() is not None:
                        pool.stop_all()
                        raise future.exception()
    return [executed[p.name] for p in notebook_paths]


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


def _retire(stage: Path, out_root: Path) -> None:
    """After a failure: rename the old report ``report.previous.html``; keep the partial notebook in reports/failed."""
    old = out_root / "reports" / "report.html"
    if old.exists():
        os.replace(old, out_root / "reports" / "report.previous.html")
    if (stage / "failed").exists():
        dest = out_root / "reports" / "failed"
        shutil.rmtree(dest, ignore_errors=True)
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(stage / "failed", dest)


def build(data_dir: Path, data_cutoff: str, *, out_root: Path = paths.PROJECT_ROOT,
          notebooks: list[Path] | None = None, kernel_path: str | None = None) -> Path:
    """Run the whole pipeline and publish the outputs under ``out_root``; return the report path."""
    notebooks = notebooks or list_notebooks()
    stage = out_root / ".build" / "stage"
    durations = read_durations(out_root / DURATIONS_FILE)
    shutil.rmtree(stage, ignore_errors=True)
    for sub in ("processed", "figures", "reports/executed"):
        (stage / sub).mkdir(parents=True)
    folders = {"PROCESSED_DIR": stage / "processed", "OUT_PROCESSED_DIR": stage / "processed",
               "REPORTS_DIR": stage / "reports", "FIGURES_DIR": stage / "figures"}
    parameters = {"DATA_DIR": _project_relative(data_dir), "DATA_CUTOFF": data_cutoff,
                  **{k: _project_relative(v) for k, v in folders.items()}}
    try:
        # The export is validated by the first notebook, before anything is derived from it: a bad
        # export stops the build there (ename ExportValidationError), and nothing is published.
        execute_notebooks(notebooks, parameters, stage, kernel_path=kernel_path, durations=durations)
        for thread in _PREPARING:
            thread.join()
        from analysis_utils import appendix, report

        report.combine_parts(stage / "reports")  # ard.csv and data_queries.csv, in a fixed order
        appendix.write_report(stage_reports=stage / "reports", data_dir=data_dir, data_cutoff=data_cutoff,
                              git=git_state(), notebooks=[p.name for p in notebooks])
    except BaseException:
        _retire(stage, out_root)
        raise
    _publish(stage, out_root)
    shutil.rmtree(stage, ignore_errors=True)
    _write_durations(out_root / DURATIONS_FILE, durations)
    return out_root / "reports" / "report.html"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the HTML report from a raw export.")
    parser.add_argument("--data-dir", default="data/raw", help="raw export: folder of CSVs or an .xlsx workbook")
    parser.add_argument("--data-cutoff", required=True, help="data cut or export date shown on the title page (YYYY-MM-DD)")
    parser.add_argument("--out-root", default=str(paths.PROJECT_ROOT), help="where data/processed, figures and reports go")
    parser.add_argument("--kernels", choices=("auto", *kernels.PATHS), default=None,
                        help="how kernels start: fork (Linux), warm (pre-started), plain (papermill's own); "
                             "default: the KERNELS variable, else fork where safe, else warm")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        report = build(paths.resolve(args.data_dir), args.data_cutoff, out_root=Path(args.out_root).resolve(),
                       kernel_path=args.kernels)
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
