"""The whole pipeline on the shipped synthetic trial: outputs, privacy, reproducibility, failure handling."""

import filecmp
import json
import os
import re
import shutil
import subprocess
import sys

import nbformat
import pandas as pd
import pytest
from papermill.translators import PythonTranslator

from analysis_utils import paths, runner

DATA_CUTOFF = "2022-01-31"

pytestmark = pytest.mark.slow


def test_build_writes_every_output(built):
    reports = built / "reports"
    for name in ("report.html", "ard.csv", "data_queries.csv", "input_manifest.csv", "tables.xlsx"):
        assert (reports / name).stat().st_size > 0, name
    executed = sorted(p.name for p in (reports / "executed").glob("*.ipynb"))
    assert executed == [p.name for p in runner.list_notebooks()]
    datasets = {p.stem for p in (built / "data" / "processed").glob("*.parquet")}
    assert datasets == {"adsl", "adqs", "adeff", "adelig", "adie", "adlb", "adae", "adcm"}
    assert list((built / "figures").glob("*.png")) and list((built / "figures").glob("*.svg"))
    assert list((reports / "tables").glob("*.csv"))
    assert not list((built / ".build").glob("stage*"))  # the build's own staging folder, removed


def test_ard_reproduces_the_published_figures(built):
    """Mean ESSDAI 10.0 at baseline (n = 11) and 3.4 at week 24 (n = 9); 8 of 9 MCII responders at week 24."""
    from analysis_utils import ard, report

    rows = report.read_ard(built / "reports")
    summary = dict(section="efficacy", analysis_id="EFF-ESSDAI-SUMMARY", paramcd="ESSDAI", variable="AVAL")
    assert ard.get_stat(rows, "n", avisit="Baseline", **summary) == 11
    assert ard.get_stat(rows, "mean", avisit="Baseline", **summary) == pytest.approx(10.0, abs=1e-12)
    assert ard.get_stat(rows, "n", avisit="Week 24", **summary) == 9
    assert ard.get_stat(rows, "mean", avisit="Week 24", **summary) == pytest.approx(31 / 9, abs=1e-12)  # 3.4
    mcii = dict(section="efficacy", analysis_id="EFF-ESSDAI-MCII", avisit="Week 24")
    assert (ard.get_stat(rows, "n_responders", **mcii), ard.get_stat(rows, "n_evaluable", **mcii)) == (8, 9)


def test_report_is_self_contained(built):
    text = (built / "reports" / "report.html").read_text()
    assert "<script" not in text and "<link" not in text
    assert "cdnjs" not in text and "mathjax" not in text.lower()
    assert 'id="synthetic-banner"' in text


def test_a_single_arm_reports_efficacy_figures_are_numbered_from_14_2_1(built):
    """Without a between-arm figure (a randomised trial's 14.2.1), the figures of the patients' course start at 14.2.1:
    no number is missing (arms.pooled_figure)."""
    html = (built / "reports" / "report.html").read_text(encoding="utf-8")
    efficacy = html[html.index('<h1 id="sec-efficacy"'):html.index('<h1 id="sec-safety"')]
    assert re.findall(r">(Figure 14\.2\.\d+) ", efficacy) == [f"Figure 14.2.{n}" for n in (1, 2, 3, 4)]
    assert ">Figure 14.2.1 Each patient's course" in efficacy
    assert "The primary endpoint of a single-arm trial such as this one is the change at week 12" in efficacy


def test_no_direct_identifier_leaves_data_raw(built):
    from analysis_utils import dictionary, export

    ident = dictionary.dictionary_frame().query("identifier == 'Y'")
    raw = export.read_export(paths.DATA_RAW)
    values = {str(v) for form, var in ident[["form", "variable"]].itertuples(index=False)
              for v in raw[form][var].dropna().unique() if len(str(v)) >= 4}
    assert values, "the synthetic export has direct identifiers to test with"
    outputs = [p for p in built.rglob("*") if p.is_file() and p.suffix in (".html", ".csv", ".ipynb", ".svg")]
    for path in outputs:
        text = re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+", "", path.read_text(errors="ignore"))
        text = re.sub(r'"image/png": "[A-Za-z0-9+/=\\n]+"', "", text)
        leaked = [v for v in values if v in text]
        assert not leaked, f"{path.name} contains {leaked[:3]}"
    for path in (built / "data" / "processed").glob("*.parquet"):
        frame = pd.read_parquet(path).astype(str)
        assert not set(frame.to_numpy().ravel()) & values, path.name
        assert not set(frame.columns) & set(ident["variable"]), path.name


def test_two_builds_are_byte_identical(built, tmp_path):
    first = tmp_path / "first"
    shutil.copytree(built, first, ignore=shutil.ignore_patterns(".build"))
    runner.build(paths.DATA_RAW, DATA_CUTOFF, out_root=built)
    for sub in ("reports", "figures", "data/processed"):
        cmp = filecmp.dircmp(first / sub, built / sub)
        stack, diffs = [cmp], []
        while stack:
            c = stack.pop()
            diffs += [f"{c.left}/{f}" for f in c.left_only + c.right_only]
            diffs += [f"{c.left}/{f}" for f in c.common_files if not filecmp.cmp(f"{c.left}/{f}", f"{c.right}/{f}", shallow=False)]
            stack += c.subdirs.values()
        assert diffs == [], diffs


def _outputs(nb):
    """Cells and their outputs, a cell's printed text joined per stream as the build's nbclient joins it
    (``coalesce_streams``; papermill's command line cannot ask for it)."""
    def joined(outputs):
        kept, streams = [], {}
        for out in outputs or []:
            if out.get("output_type") == "stream" and out.name in streams:
                streams[out.name]["text"] += out.text
            else:
                kept.append(out)
                streams.update({out.name: out} if out.get("output_type") == "stream" else {})
        return kept
    return [(c.cell_type, joined(c.get("outputs"))) for c in nb.cells
            if "injected-parameters" not in c.metadata.get("tags", [])]


@pytest.mark.parametrize("notebook", [p.name for p in runner.list_notebooks()])
def test_notebook_alone_gives_the_outputs_of_the_pipeline(built, scratch_copy, notebook):
    """The papermill command line (papermill's own kernel) against the build's kernel (forked from the template)."""
    out = scratch_copy / "alone.ipynb"
    params = ["-p", "DATA_DIR", "data/raw",  # as the runner passes it: relative to the project root
              "-p", "DATA_CUTOFF", DATA_CUTOFF,
              "-p", "PROCESSED_DIR", str(scratch_copy / "data" / "processed"),
              "-p", "OUT_PROCESSED_DIR", str(scratch_copy / "data" / "processed"),
              "-p", "REPORTS_DIR", str(scratch_copy / "reports"), "-p", "FIGURES_DIR", str(scratch_copy / "figures")]
    subprocess.run([sys.executable, "-m", "papermill", str(paths.NOTEBOOKS / notebook), str(out), "--no-progress-bar",
                    "--cwd", str(paths.PROJECT_ROOT), *params], check=True, capture_output=True)
    alone = runner.normalise_executed(nbformat.read(out, as_version=4))
    shared = nbformat.read(built / "reports" / "executed" / notebook, as_version=4)
    assert _outputs(alone) == _outputs(shared)


def test_bad_export_stops_the_build_before_anything_is_replaced(built, scratch_copy, tmp_path, capsys):
    bad = tmp_path / "bad_export"
    shutil.copytree(paths.DATA_RAW, bad)
    forms = sorted(bad.glob("*.csv"))
    forms[0].write_text(forms[0].read_text().replace(",", ";", 1))  # a header no longer splits into its columns
    processed_before = {p.name: p.read_bytes() for p in (scratch_copy / "data" / "processed").iterdir()}
    assert runner.main(["--data-dir", str(bad), "--data-cutoff", DATA_CUTOFF, "--out-root", str(scratch_copy)]) == 1
    message = capsys.readouterr().err
    assert f"error: the export {bad} failed validation; nothing was replaced." in message
    assert message.endswith("\n(the last build's report is now reports/report.previous.html)\n")
    assert forms[0].name in message and "validation error(s) in the raw export" in message
    assert (scratch_copy / "reports" / "failed" / "01_data_cleaning.ipynb").exists()  # stopped at validation
    assert not (scratch_copy / "reports" / "report.html").exists()
    assert (scratch_copy / "reports" / "report.previous.html").exists()
    assert {p.name: p.read_bytes() for p in (scratch_copy / "data" / "processed").iterdir()} == processed_before


def _snapshot(root):
    return {p: p.read_bytes() for sub in ("reports", "figures", "data/processed") for p in sorted((root / sub).rglob("*"))
            if p.is_file()}


def test_a_notebook_run_alone_with_its_defaults_writes_only_to_scratch():
    """Exploring is safe: papermill with the notebook's own parameters publishes nothing."""
    scratch = paths.PROJECT_ROOT / "scratch"  # in the repository (empty but for .gitkeep), ignored by git
    for old in ("processed", "reports", "01_data_cleaning.ipynb"):
        shutil.rmtree(scratch / old, ignore_errors=True)
    before = _snapshot(paths.PROJECT_ROOT)
    out = scratch / "01_data_cleaning.ipynb"
    subprocess.run([sys.executable, "-m", "papermill", str(paths.NOTEBOOKS / "01_data_cleaning.ipynb"), str(out),
                    "--no-progress-bar"], check=True, capture_output=True, cwd=paths.PROJECT_ROOT)
    assert _snapshot(paths.PROJECT_ROOT) == before
    assert {p.stem for p in (scratch / "processed").glob("*.parquet")} >= {"adsl", "adqs", "adae"}
    assert (scratch / "reports" / "queries" / "validation.csv").exists()
    assert (scratch / "reports" / "input_manifest.csv").exists()
    (scratch / "01_data_cleaning.ipynb").unlink()
    ignored = subprocess.run(["git", "check-ignore", "scratch/processed/adsl.parquet"], cwd=paths.PROJECT_ROOT,
                             capture_output=True, text=True)
    assert ignored.returncode == 0, "scratch/ must be ignored by git"


@pytest.mark.parametrize(("cut", "read_as"), [("10/09/2021", "'10/09/2021'"), ("20210801", "20210801")])
def test_a_notebook_run_alone_with_a_cut_of_another_form_stops_before_validation(tmp_path, cut, read_as):
    """``-p DATA_CUTOFF 10/09/2021`` was read as 9 October, 10 September meant, and ``20210801`` (papermill passes a
    number) stopped in a comparison of a number with text: both stop at the parameter, as ``make report`` does."""
    done = subprocess.run([sys.executable, "-m", "papermill", str(paths.NOTEBOOKS / "01_data_cleaning.ipynb"),
                           str(tmp_path / "01.ipynb"), "--no-progress-bar", "-p", "DATA_CUTOFF", cut,
                           "-p", "OUT_PROCESSED_DIR", str(tmp_path / "processed"), "-p", "REPORTS_DIR", str(tmp_path)],
                          capture_output=True, text=True, cwd=paths.PROJECT_ROOT)
    assert done.returncode == 1
    assert f"ValueError: data cut {read_as}: expected a date written YYYY-MM-DD" in done.stderr
    assert not (tmp_path / "processed").exists() and not (tmp_path / "input_manifest.csv").exists()


def test_an_executed_notebook_run_again_writes_nothing(built, tmp_path):
    """Notebook 01 of reports/executed names the ended build's staging folder (.build/stage); run again it wrote its
    datasets and tables there, out of sight, where the next executed notebooks read them. It stops at its first
    write."""
    executed = built / "reports" / "executed" / "01_data_cleaning.ipynb"
    done = subprocess.run([sys.executable, "-m", "papermill", str(executed),
                           str(tmp_path / "01.ipynb"), "--no-progress-bar"], capture_output=True, text=True,
                          cwd=paths.PROJECT_ROOT)
    assert done.returncode == 1
    assert "input_manifest.csv: the staging folder of a build that has ended" in done.stderr
    assert not (paths.PROJECT_ROOT / ".build" / "stage").exists()


@pytest.mark.parametrize(("kernel_path", "cores"), [("warm", None), ("plain", None), ("fork", 8)])
def test_every_kernel_path_builds_the_same_bytes(built, tmp_path, monkeypatch, capfd, kernel_path, cores):
    """The portable paths, and the fork path on a machine of 8 cores (four notebooks side by side), give the bytes
    of the default build, except where the build's folder is named; that folder's name has a space and Chinese
    characters, as a laptop's user folder in China may."""
    running, most, execute = set(), [], runner._execute
    if cores:
        monkeypatch.setattr(os, "cpu_count", lambda: cores)

        def counted(path, *args):
            running.add(path.name)
            most.append(len(running))
            try:
                return execute(path, *args)
            finally:
                running.discard(path.name)

        monkeypatch.setattr(runner, "_execute", counted)
    out_root = tmp_path / "分析 build"
    shutil.copytree(built, out_root, ignore=shutil.ignore_patterns("reports", "figures", "data"))
    runner.build(paths.DATA_RAW, DATA_CUTOFF, out_root=out_root, kernel_path=kernel_path)
    assert max(most, default=None) == (runner.MAX_KERNELS if cores else None)
    printed = capfd.readouterr().err
    assert printed == "", printed  # e.g. no "KeyboardInterrupt caught in kernel" as papermill stops its kernels
    _assert_same_outputs(built, out_root, kernel_path)


def test_a_build_without_a_data_cut_takes_the_exports_date(built, tmp_path):
    """``make report`` without ``DATA_CUTOFF``: the cut is the export's date (2022-01-31, form study), and every output
    is the build's given that cut, but for the parameter papermill injects into ``01_data_cleaning``."""
    out_root = tmp_path / "build"
    shutil.copytree(built, out_root, ignore=shutil.ignore_patterns("reports", "figures", "data"))
    assert runner.main(["--data-dir", str(paths.DATA_RAW), "--out-root", str(out_root)]) == 0
    executed = out_root / "reports" / "executed" / "01_data_cleaning.ipynb"
    injected, given = b'DATA_CUTOFF = \\"\\"\\n"', f'DATA_CUTOFF = \\"{DATA_CUTOFF}\\"\\n"'.encode()
    assert executed.read_bytes().count(injected) == 1
    executed.write_bytes(executed.read_bytes().replace(injected, given))
    _assert_same_outputs(built, out_root, "no data cut given")


@pytest.mark.skipif(os.name == "nt" or not f"{paths.PROJECT_ROOT}{sys.prefix}".isascii(),
                    reason="needs a locale set by LC_ALL, and paths an ASCII locale can hold")
def test_a_build_where_the_locales_encoding_is_not_utf8_gives_the_same_bytes(built, tmp_path):
    """As on a Windows whose code page is cp1252 or cp936: the build and its kernels run with Python's locale
    encoding ASCII, so a text file read or written in that encoding (no ``encoding=``) would fail or differ."""
    out_root = tmp_path / "build"
    shutil.copytree(built, out_root, ignore=shutil.ignore_patterns("reports", "figures", "data"))
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}
    done = subprocess.run([sys.executable, "-m", "analysis_utils.runner", "--data-dir", str(paths.DATA_RAW),
                           "--data-cutoff", DATA_CUTOFF, "--out-root", str(out_root)], env=env, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    _assert_same_outputs(built, out_root, "ASCII locale")


def _assert_same_outputs(built, out_root, label: str) -> None:
    """The files of ``reports``, ``figures`` and ``data/processed`` under ``out_root`` are those of ``built``, byte for
    byte, but where an executed notebook names its build's folder."""
    for sub in ("reports", "figures", "data/processed"):
        files = sorted(p.relative_to(built / sub) for p in (built / sub).rglob("*") if p.is_file())
        assert files == sorted(p.relative_to(out_root / sub) for p in (out_root / sub).rglob("*") if p.is_file())
        for name in files:
            ours, theirs = (out_root / sub / name).read_bytes(), (built / sub / name).read_bytes()
            if name.suffix == ".ipynb":  # the injected parameters name the build's folder, as papermill writes it
                for form in (str, lambda path: json.dumps(PythonTranslator.translate_str(str(path))[1:-1])[1:-1]):
                    ours = ours.replace(form(out_root).encode(), form(built).encode())
            assert ours == theirs, f"{label}: {sub}/{name}"


def test_the_primary_endpoints_table_names_the_data_queries_on_its_records(built):
    """01-008's week-12 ESSDAI was scored without C3 and C4, and 01-009's week-12 visit lies outside its window: queries
    the appendix lists, which Table 14.2.2 (the primary endpoint's) names beside its numbers."""
    note = (built / "reports" / "tables" / "efficacy_essdai_change_tests.txt").read_text(encoding="utf-8")
    assert note.splitlines()[-1] == ("Data queries on these records (listed in the appendix): 01-008 at Week 12 "
                                     "(incomplete_biological); 01-009 at Week 12 (visit_window).")
