"""Build the report twice from the same inputs and check that every output is byte-identical.

Usage: python scripts/check_repro.py --data-dir data/raw [--data-cutoff 2022-01-31]
Compares the report, the executed notebooks, figures (PNG and SVG), the ARD, the tables
(CSV and Excel) and the analysis datasets. Exits 1 and lists the files that differ (the two builds' outputs stay in
.build/repro to compare; after a success that folder is removed).
"""

import argparse
import filecmp
import shutil
import sys
from pathlib import Path

from analysis_utils import paths, runner

OUTPUT_DIRS = ("reports", "figures", "data/processed")


def snapshot(root: Path, dest: Path) -> None:
    shutil.rmtree(dest, ignore_errors=True)
    for sub in OUTPUT_DIRS:
        shutil.copytree(root / sub, dest / sub)


def differences(a: Path, b: Path) -> list[str]:
    files_a = {p.relative_to(a) for p in a.rglob("*") if p.is_file()}
    files_b = {p.relative_to(b) for p in b.rglob("*") if p.is_file()}
    diff = [f"only in one build: {p}" for p in sorted(files_a ^ files_b)]
    diff += [f"differs: {p}" for p in sorted(files_a & files_b) if not filecmp.cmp(a / p, b / p, shallow=False)]
    return diff


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default="data/raw")
    parser.add_argument("--data-cutoff", default="", help="YYYY-MM-DD; default: the export's date (form study, EXPORTDT)")
    parser.add_argument("--kernels", default=None, help="kernel path of both builds (fork, warm, plain; default: automatic)")
    args = parser.parse_args()
    data_dir = paths.resolve(args.data_dir)
    work = paths.PROJECT_ROOT / ".build" / "repro"
    runner.build(data_dir, args.data_cutoff, kernel_path=args.kernels)
    snapshot(paths.PROJECT_ROOT, work / "first")
    runner.build(data_dir, args.data_cutoff, kernel_path=args.kernels)
    snapshot(paths.PROJECT_ROOT, work / "second")
    diff = differences(work / "first", work / "second")
    n_files = sum(1 for p in (work / "first").rglob("*") if p.is_file() and p.name != ".gitkeep")
    if diff:
        print(f"NOT reproducible (both builds' outputs are in {paths.relative(work)}):\n  " + "\n  ".join(diff))
        return 1
    shutil.rmtree(work)  # two more copies of every dataset, of a real export too
    print(f"reproducible: {n_files} output files byte-identical across two builds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
