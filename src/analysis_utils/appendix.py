"""The report's title page and appendix (data queries, data dictionary, methods, provenance), and the tables workbook.

``write_report`` writes both from the executed notebooks (the runner calls it once every notebook ran):
the HTML with nbconvert (``htmlreport``), the workbook with XlsxWriter.
"""

import csv
import html
import platform
from datetime import datetime
from importlib import metadata
from pathlib import Path

import pandas as pd

from analysis_utils import export, findings, htmlreport, paths, report, tables, vocabulary
from analysis_utils.io import _atomic_write

#: Packages whose versions the provenance lists (the pinned runtime).
PROVENANCE_PACKAGES = (
    "numpy", "scipy", "pandas", "matplotlib", "seaborn", "pingouin", "statsmodels", "pyarrow",
    "openpyxl", "pyreadstat", "papermill", "nbclient", "nbconvert", "nbformat", "ipykernel", "mistune", "xlsxwriter",
)

METHODS_MARKDOWN = """
**Design and populations.** Single-arm, open-label pilot; every analysis is exploratory and descriptive.
There is no control group, no multiplicity adjustment and no causal claim: changes from baseline include
regression to the mean, placebo response and the natural course of the disease. The full analysis set (FAS)
and the safety set are all enrolled patients who took at least one dose.

**Scores.** ESSDAI: sum over 12 domains of weight × activity level (Seror et al. 2010; range 0-123).
ESSPRI: mean of dryness, fatigue and pain (0-10; all three items required). PGA on a 0-10 scale.
MCII: ESSDAI decrease ≥ 3 points; ESSPRI decrease ≥ 1 point or ≥ 15 % of baseline (Seror et al. 2016),
evaluated on exact item sums. PASS: ESSPRI < 5. Activity: low < 5, moderate 5-13, high ≥ 14.
Decisions where the sources are silent (IgG = 16.0 g/L scores 0 in the biological domain; missing
biological assays scored from the available items with a data query; only disease-related cytopenias
score; lab-implied levels never override the physician) are documented with the software's scoring rules.

**Statistics.** Summaries: n, mean (SD), median [Q1, Q3], min-max. Paired comparisons of each visit with
baseline: Wilcoxon signed-rank test, paired t-test with the 95 % CI of the mean change, Hodges-Lehmann
estimate with its CI; the options of each test are listed with its results in the efficacy section and in
the method column of the analysis results dataset (ard.csv). Responder rates: n/N (%) with exact
Clopper-Pearson 95 % CIs. Missing data: observed cases are primary; baseline observation carried
forward (a dropout is a non-responder), last observation carried forward and a linear mixed model with a
random intercept per patient are sensitivity analyses.

**Visits and data cuts.** Each assessment is analysed at its nominal visit whatever its study day. The
protocol windows are week 12 on study day 85 ± 14 and week 24 on day 169 ± 14 (day 1 = first dose);
a visit outside its window is a protocol deviation, listed with the days outside and counted in
the analysis results dataset, never re-assigned or excluded. At an interim data cut a visit counts as
due when it took place, the patient left the study, or its window closed before the cut; BOCF, LOCF and
the mixed model fill or model only visits that were due, and a visit not yet due is shown as such.
Disposition counts the patients completed, discontinued and still on study at the cut.

**Laboratory.** Values in SI units; normal-range categories from the laboratory's reference range;
toxicity grades by CTCAE v5.0 (laboratory criteria only).

**Rounding.** Numbers are stored unrounded in the analysis results dataset (ard.csv). For display they
are rounded half up on their shortest decimal representation (as SAS ROUND): 42.65 shows as 42.7.
Percentages have one decimal, p-values three (`<0.001` below that).
"""


def _queries_part(reports: Path) -> str:
    path = reports / "data_queries.csv"
    queries = pd.read_csv(path, dtype=str, keep_default_na=False) if path.exists() else pd.DataFrame()
    if queries.empty:
        return "<p>No data queries were raised.</p>"
    by_rule = queries.groupby(["source", "rule"], sort=True).size().rename("queries").reset_index()
    return tables.to_html(by_rule, caption="Data queries by rule", note="Source: data_queries.csv.") + tables.to_html(
        queries, caption="Data queries", note="Source: data_queries.csv beside the report (full listing).")


def _dictionary_part() -> str:
    from analysis_utils import dictionary

    frame = dictionary.dictionary_frame().replace(r" ?\((?:[a-z_]+\.)+[A-Z_]+\)", "", regex=True)  # no code names
    return tables.to_html(frame, caption="Data dictionary of the raw export", max_rows=None,
                          note="Source: the data dictionary of the analysis software, as in docs/data_dictionary.md.")


def describe_input(data_dir: Path, *, synthetic: bool) -> str:
    """The title page's "Input": the folder as given (relative to the project when inside it) and what it is.

    The shipped synthetic trial is named as such only when its files match the shipped ones byte for
    byte (``export.matches_shipped_synthetic``); an export that says it is synthetic but differs is
    labelled an edited synthetic export; anything else is named by its folder alone.

    >>> describe_input(paths.DATA_RAW, synthetic=True)
    'data/raw: the synthetic trial shipped with the project (invented data)'
    """
    where = data_source(data_dir)
    if export.matches_shipped_synthetic(data_dir):
        return f"{where}: the synthetic trial shipped with the project (invented data)"
    if synthetic:
        return f"{where}: a synthetic export (invented data) that differs from the one shipped with the project"
    return where


def data_source(data_dir: Path) -> str:
    """``data_dir`` as the user gives it: relative to the project root when inside it, else absolute.

    >>> data_source(paths.DATA_RAW), data_source(Path("/srv/exports/cut-2"))
    ('data/raw', '/srv/exports/cut-2')
    """
    path = Path(data_dir).resolve()
    return path.relative_to(paths.PROJECT_ROOT).as_posix() if path.is_relative_to(paths.PROJECT_ROOT) else str(path)


def describe_data_cut(reports: Path, data_cutoff: str) -> str:
    """The title page's "Data cut": the date and whether the cut is interim or final (ARD ``DISP-DATACUT``)."""
    ard = report.read_ard(reports)
    rows = ard[ard["analysis_id"] == "DISP-DATACUT"] if ard is not None else None
    return describe_data_cut_rows(rows, data_cutoff)


def describe_data_cut_rows(rows: pd.DataFrame | None, data_cutoff: str) -> str:
    """``describe_data_cut`` from the ``DISP-DATACUT`` rows (``data_cutoff`` alone when there are none).

    >>> from analysis_utils import disposition
    >>> adsl = pd.DataFrame({"EOSSTT": ["COMPLETED", "ONGOING"], "DUE12FL": "Y", "DUE24FL": ["Y", "N"]})
    >>> rows = disposition.data_cut_to_ard(disposition.summarize_data_cut(adsl), data_cutoff="2021-12-20")
    >>> describe_data_cut_rows(rows, "2021-12-20")
    '2021-12-20, interim analysis (1 of 2 patients still on study)'
    """
    if rows is None or rows.empty:
        return data_cutoff
    value = rows[rows["avisit"] == ""].set_index("stat_name")["stat_value"]
    if not value["interim"]:
        return f"{data_cutoff}, final analysis"
    return (f"{data_cutoff}, interim analysis ({value['n_ongoing']:.0f} of {value['n_enrolled']:.0f} patients "
            "still on study)")


def _provenance_part(data_dir: Path, data_cutoff: str, git: dict, notebooks: list[str]) -> str:
    manifest = export.file_manifest(data_dir)
    versions = pd.DataFrame({"package": ("python", *PROVENANCE_PACKAGES),
                             "version": [platform.python_version(), *(metadata.version(p) for p in PROVENANCE_PACKAGES)]})
    params = pd.DataFrame({"parameter": ["Data folder", "Data cut", "Analysis steps", "Git commit", "Uncommitted changes"],
                           "value": [data_source(data_dir), data_cutoff, ", ".join(notebooks), git["commit"], git["dirty"]]})
    return (tables.to_html(params, caption="Build parameters", note="Source: the build's command line and git.")
            + tables.to_html(manifest, caption="Input files (SHA-256)", max_rows=None, note="Source: the input folder.")
            + tables.to_html(versions, caption="Python and package versions", note="Source: the installed packages."))


def render(executed: list, *, stage_reports: Path, data_dir: Path, data_cutoff: str, synthetic: bool,
           git: dict, notebooks: list[str]) -> str:
    """Return the full HTML report for the executed notebooks (file names ``notebooks``)."""
    import mistune

    ard = report.read_ard(stage_reports)
    title_block = {
        "Title": vocabulary.STUDY_TITLE,
        "Registry": f"ClinicalTrials.gov {vocabulary.STUDYID}",
        "Publication": vocabulary.STUDY_REFERENCE,
        "Design": vocabulary.STUDY_DESIGN,
        "Data cut": describe_data_cut_rows(None if ard is None else ard[ard["analysis_id"] == "DISP-DATACUT"], data_cutoff),
        "Input": describe_input(data_dir, synthetic=synthetic),
        "Software": f"analysis_utils at git commit {git['commit'][:12]}"
                    + (" with uncommitted changes" if git["dirty"].startswith("yes") else "")
                    + f", Python {platform.python_version()}",
    }
    parts = [
        ("Data queries", _queries_part(stage_reports)),
        ("Data dictionary", _dictionary_part()),
        ("Methods", mistune.create_markdown(escape=True)(METHODS_MARKDOWN)),
        ("Provenance", _provenance_part(data_dir, data_cutoff, git, notebooks)),
    ]
    safety = [("Interpretation of the safety data", f"<p>{html.escape(findings.describe_safety(ard))}</p>")]
    return htmlreport.render_report(executed, title_block=title_block, synthetic=synthetic, appendix=parts,
                                    parts={"safety": safety}, summary=findings.to_html(ard), names=notebooks)


def write_report(*, stage_reports: Path, data_dir: Path, data_cutoff: str, git: dict, notebooks: list[str]) -> Path:
    """Write ``report.html`` and ``tables.xlsx`` into ``stage_reports``; return the report's path.

    The executed notebooks are read from ``stage_reports/executed`` in the order of ``notebooks``
    (file names); ``git`` is ``runner.git_state()``.
    """
    import nbformat

    reports, data_dir = Path(stage_reports), Path(data_dir)
    # Written (and validated) moments ago: read without validating them again.
    executed = [nbformat.v4.reads((reports / "executed" / name).read_text(encoding="utf-8")) for name in notebooks]
    text = render(executed, stage_reports=reports, data_dir=data_dir, data_cutoff=data_cutoff,
                  synthetic=export.is_synthetic(data_dir), git=git, notebooks=notebooks)
    path = _atomic_write(reports / "report.html", lambda p: p.write_text(text, encoding="utf-8"))
    write_tables_workbook(reports, data_cutoff=data_cutoff)
    return path


#: Excel's limit on the characters of one cell.
EXCEL_CELL_LIMIT = 32_767


def fit_cell(text: str) -> str:
    """``text``, or its start with a visible marker when it exceeds Excel's ``EXCEL_CELL_LIMIT``.

    >>> len(fit_cell("x" * 40_000)) == EXCEL_CELL_LIMIT, fit_cell("x" * 40_000)[-31:]
    (True, '… [truncated: 40000 characters]')
    """
    if len(text) <= EXCEL_CELL_LIMIT:
        return text
    marker = f"… [truncated: {len(text)} characters]"
    return text[:EXCEL_CELL_LIMIT - len(marker)] + marker


def _table_sheet(path: Path) -> tuple[str, list[list[str]]]:
    """(title, rows) of a table CSV's sheet: its caption (first line of the ``<name>.txt`` companion,
    ``report.save_table``) and a blank row above the table, its footnotes after a blank row below.
    Without a companion, the title is the file name and the sheet holds the table alone."""
    with path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    companion = path.with_suffix(".txt")
    if not companion.exists():
        return path.stem, rows
    caption, *footnotes = companion.read_text(encoding="utf-8").splitlines()
    return caption, [[caption], [], *rows, [], *([n] for n in footnotes)]


def write_tables_workbook(reports: Path, *, data_cutoff: str) -> Path:
    """Write every table CSV under ``reports/tables`` (and the data queries) into ``reports/tables.xlsx``.

    A first sheet ``index`` names the table on each sheet ``T01``, ``T02``, ... (CSV file names
    sorted) with its title. A table with a caption file (``<name>.txt``) has its caption in the
    sheet's first row and its footnotes (population, source, method) below it (``_table_sheet``).
    Every cell is text as the CSV holds it: XlsxWriter never turns a string into a number,
    formula or link. A cell over Excel's limit is cut with a marker (``fit_cell``) and a note row
    ends its sheet. The workbook is byte-reproducible: its document dates are the data cut.
    """
    import xlsxwriter

    sources = sorted((reports / "tables").glob("*.csv"))
    if (reports / "data_queries.csv").exists():
        sources.append(reports / "data_queries.csv")
    sheets, index = {}, [["sheet", "table", "title"]]
    for i, path in enumerate(sources, start=1):
        title, sheets[f"T{i:02d}"] = _table_sheet(path)
        index.append([f"T{i:02d}", path.stem, title])
    sheets = {"index": index, **sheets}

    def write(out: Path) -> None:
        book = xlsxwriter.Workbook(str(out), {"strings_to_formulas": False, "strings_to_urls": False,
                                              "strings_to_numbers": False})  # every cell written as text
        book.set_properties({"created": datetime.fromisoformat(data_cutoff), "author": "analysis_utils",
                             "comments": f"data cut {data_cutoff}"})
        for name, rows in sheets.items():
            sheet = book.add_worksheet(name)
            for r, row in enumerate(rows):
                sheet.write_row(r, 0, [fit_cell(value) for value in row])  # "" leaves the cell empty
            if cut := sum(len(value) > EXCEL_CELL_LIMIT for row in rows for value in row):
                sheet.write_string(len(rows) + 1, 0, f"Note: {cut} cell(s) exceed Excel's limit of {EXCEL_CELL_LIMIT:,} "
                                                     "characters and are cut; the CSV holds the full text.")
        book.close()

    return _atomic_write(reports / "tables.xlsx", write)
