"""Whole-process timings of the pipeline, printed against the library import time.

Usage: make bench, or .venv/bin/python scripts/bench.py [--runs 5] [--skip-cold]

Figures (wall-clock seconds, median and range over several rounds; each round times the import
floor, the full build, the floor, the 10,000-subject build, the full build, the floor, the portable
build and the floor in turn,
and ratios are taken within a round, because the machine's speed drifts over minutes):
- import floor: ``python -c "import pandas, scipy.stats, matplotlib.pyplot, seaborn, pingouin"``,
  a round's value the median of its four timings;
- cold setup: ``make env`` into a new venv with an empty uv cache, so every package is downloaded
  (one run);
- full report: ``make report`` with the environment in place and the report removed, a round's
  value the mean of its two timings;
- no-op: ``make report`` when nothing changed;
- 10,000 subjects: the synthetic generator's 10,000-subject trial through the same pipeline
  (into .build/bench, leaving data/ and reports/ alone), with the size of its report.
- portable path: the full build with ``KERNELS=warm`` (pre-started kernels, no ``os.fork``), as on
  macOS and Windows, a round's value one timing.
- size: lines (``wc -l``) of the execution and rendering code, ``EXECUTION_AND_RENDERING``.
Targets: full report within 3x the import floor (default path: fork on Linux), the portable path
within 6x; no-op under 0.5 s; 10,000 subjects within 3x the 11-subject time, report under 10 MB;
the execution and rendering code well under half of the 1,255 lines it replaced.
"""

import argparse
import ast
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable  # the project's .venv Python: `make bench` runs this script with it
BENCH = ROOT / ".build" / "bench"
IMPORTS = "import pandas, scipy.stats, matplotlib.pyplot, seaborn, pingouin"
#: What runs the notebooks and renders the report and the workbook: whole files, or the named
#: top-level definitions of a file (the rest of appendix.py writes the report's text). It replaced 1,255 lines.
EXECUTION_AND_RENDERING = {
    "src/analysis_utils/runner.py": None, "src/analysis_utils/kernels.py": None,
    "src/analysis_utils/htmlreport.py": None, "src/analysis_utils/templates/report/index.html.j2": None,
    "src/analysis_utils/appendix.py": ("render", "write_report", "EXCEL_CELL_LIMIT", "EXCEL_ROW_LIMIT", "fit_cell",
                                       "_table_sheet", "write_tables_workbook"),
}
REPLACED_LINES = 1255


def code_lines() -> str:
    """Lines (as ``wc -l`` counts them) of ``EXECUTION_AND_RENDERING``, by file and in total."""
    counts = {}
    for name, defined in EXECUTION_AND_RENDERING.items():
        text = (ROOT / name).read_text(encoding="utf-8")
        if defined is None:
            counts[Path(name).name] = len(text.splitlines())
            continue
        names = {node: getattr(node, "name", None) or getattr(getattr(node, "targets", [None])[0], "id", None)
                 for node in ast.parse(text).body}
        counts[Path(name).name] = sum(node.end_lineno - node.lineno + 1 for node, n in names.items() if n in defined)
    total = sum(counts.values())
    parts = ", ".join(f"{name} {n}" for name, n in counts.items())
    return f"execution and rendering code: {total} lines ({parts}; appendix.py: rendering and workbook only), " \
           f"{total / REPLACED_LINES:.0%} of the {REPLACED_LINES} replaced (target well under half)"


def timed(cmd: list[str], *, before=None, runs: int = 1) -> list[float]:
    times = []
    for _ in range(runs):
        if before:
            before()
        start = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return times


def row(label: str, times: list[float], ratios: list[float] | None = None) -> str:
    med = statistics.median(times)
    ratio = f"{statistics.median(ratios):5.2f}x" if ratios else "     "
    return f"{label:<36} {med:8.2f} s  ({min(times):.2f}-{max(times):.2f}, n={len(times)})  {ratio}"


def main() -> int:
    print(code_lines(), flush=True)
    parser = argparse.ArgumentParser(description="Pipeline benchmark")
    parser.add_argument("--runs", type=int, default=5, help="rounds (default 5)")
    parser.add_argument("--skip-cold", action="store_true", help="skip the cold environment setup (about 30 s)")
    args = parser.parse_args()
    BENCH.mkdir(parents=True, exist_ok=True)
    report = ROOT / "reports" / "report.html"
    raw10k, out10k = BENCH / "raw10k", BENCH / "out10k"
    subprocess.run([PY, "-m", "analysis_utils.synthetic", "--n-subjects", "10000", "--out", str(raw10k)],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)

    lines = []
    if not args.skip_cold:
        venv, cache = BENCH / "venv", BENCH / "uv-cache"
        cold = timed(["bash", "-c", f"rm -rf {venv} {cache} && UV_CACHE_DIR={cache} make -s env VENV={venv}"])
        shutil.rmtree(venv, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)
        lines.append(row("cold setup (make env: venv, pip, uv)", cold))
    # The machine's speed drifts, so a round times, one after another: the import floor, the full
    # build, the floor, the 10,000-subject build, the full build and the floor. One timing alone
    # varies by a quarter from run to run, so a round's floor is the median of its four timings and
    # its full build the mean of its two (which bracket the 10,000-subject build); the ratios are
    # taken within a round.
    floor, full, big, warm = [], [], [], []
    def clean():
        report.unlink(missing_ok=True)

    for _ in range(args.runs):
        floors = timed([PY, "-c", IMPORTS])
        fulls = timed(["make", "-s", "report"], before=clean)
        floors += timed([PY, "-c", IMPORTS])
        big += timed([PY, "-m", "analysis_utils.runner", "--data-dir", str(raw10k), "--out-root", str(out10k)])
        fulls += timed(["make", "-s", "report"], before=clean)
        floors += timed([PY, "-c", IMPORTS])
        warm += timed(["make", "-s", "report", "KERNELS=warm"], before=clean)
        floors += timed([PY, "-c", IMPORTS])
        floor.append(statistics.median(floors))
        full.append(statistics.mean(fulls))
    # the last round's build was KERNELS=warm, another build parameter: build with the default ones first
    timed(["make", "-s", "report"])
    noop = timed(["make", "-s", "report"], runs=5)
    size_mb = (out10k / "reports" / "report.html").stat().st_size / 1e6
    full_ratio = [f / i for f, i in zip(full, floor)]
    warm_ratio = [w / i for w, i in zip(warm, floor)]
    big_ratio = [b / f for b, f in zip(big, full)]
    lines += [row("import floor (pandas..pingouin; round median of 4)", floor),
              row("full make report (11 subjects; round mean of 2)", full, full_ratio),
              row("full make report KERNELS=warm (portable)", warm, warm_ratio),
              row("no-op make report", noop),
              row("report, 10,000 subjects", big, big_ratio)]
    print("\n".join(lines))
    print("ratios: median over the rounds of each round's ratio")
    print(f"full report / import floor: {statistics.median(full_ratio):.2f} (target <= 3); "
          f"rounds: {', '.join(f'{r:.2f}' for r in full_ratio)}")
    print(f"portable path (KERNELS=warm) / import floor: {statistics.median(warm_ratio):.2f} (target <= 6); "
          f"rounds: {', '.join(f'{r:.2f}' for r in warm_ratio)}")
    print(f"no-op make report: {statistics.median(noop):.2f} s (target < 0.5)")
    print(f"10,000 / 11 subjects: {statistics.median(big_ratio):.2f} (target <= 3); "
          f"rounds: {', '.join(f'{r:.2f}' for r in big_ratio)}; report {size_mb:.2f} MB (target < 10)")
    print(code_lines())
    return 0


if __name__ == "__main__":
    sys.exit(main())
