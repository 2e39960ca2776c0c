"""The report's title page and appendix (data queries, data dictionary, methods, provenance, abbreviations), and the
tables workbook.

``write_report`` writes both from the executed notebooks (the runner calls it once every notebook ran):
the HTML with nbconvert (``htmlreport``), the workbook with XlsxWriter.
"""

import csv
import html
import itertools
import platform
import re
from collections.abc import Mapping
from datetime import datetime
from importlib import metadata
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from analysis_utils import (dictionary, export, findings, htmlreport, listings, paths, report, scoring, tables,
                            vocabulary)
from analysis_utils.cleaning import TRTEM_WINDOW_DAYS
from analysis_utils.io import _atomic_write

#: Packages whose versions the provenance lists (the pinned runtime).
PROVENANCE_PACKAGES = (
    "numpy", "scipy", "pandas", "matplotlib", "seaborn", "pingouin", "statsmodels", "pyarrow",
    "openpyxl", "pyreadstat", "papermill", "nbclient", "nbconvert", "nbformat", "ipykernel", "mistune", "xlsxwriter",
)

#: The design paragraph of a trial of several arms (``methods_markdown``), instead of the pilot's first paragraph.
RANDOMISED_DESIGN_MARKDOWN = """
**Design and populations.** Randomised, {blinding} trial of {arms} arms; the between-arm comparisons below estimate
the treatment effect, and the changes from baseline in all patients together are exploratory and descriptive (they
include regression to the mean and the natural course of the disease). P-values are not adjusted for multiplicity:
neither for the number of endpoints nor, with more than two arms, for the comparisons of each arm with the reference
arm, each made at two-sided 5 %. The full analysis set and the safety set are all randomised patients who took at
least one dose; patients are analysed in the arm they were randomised to, and the baseline characteristics describe
every patient randomised, by that arm; adverse events and laboratory values by the treatment taken when they
occurred (a patient who switched counts under each), exposure and medications by the first treatment (a
switched patient's second period in that column).{controlled}
"""
#: Added to ``RANDOMISED_DESIGN_MARKDOWN`` when the ARD has the first weeks' safety table (``findings.CONTROLLED_ID``).
CONTROLLED_DESIGN = (f" The adverse events of the first {findings.CONTROLLED_WEEKS}, before any switch, are also "
                     "counted by the arm each patient started on: the randomised comparison of safety "
                     "(Table 14.3.1.5).")

#: The ESSDAI domains' weights as the methods give them (``scoring.ESSDAI_WEIGHTS``).
_ESSDAI_WEIGHTS = ", ".join(f"{listings.ESSDAI_DOMAIN_LABELS[domain].lower()} {weight}"
                            for domain, weight in scoring.ESSDAI_WEIGHTS.items())

METHODS_MARKDOWN = f"""
**Design and populations.** Single-arm, open-label pilot; every analysis is exploratory and descriptive.
There is no control group, no multiplicity adjustment and no causal claim: changes from baseline include
regression to the mean, placebo response and the natural course of the disease. The full analysis set (FAS)
and the safety set are all enrolled patients who took at least one dose.

**Scores.** ESSDAI: sum over 12 domains of weight × activity level (Seror et al. 2010; range 0-123); the
weights: {_ESSDAI_WEIGHTS}.
ESSPRI: mean of dryness, fatigue and pain (0-10; all three items required). PGA on a 0-10 scale.
MCII: ESSDAI decrease ≥ 3 points; ESSPRI decrease ≥ 1 point or ≥ 15 % of baseline (Seror et al. 2016),
evaluated on exact item sums. PASS: ESSPRI < 5. Activity: low < 5, moderate 5-13, high ≥ 14.
Decisions where the sources are silent (IgG = 16.0 g/L scores 0 in the biological domain; missing
biological assays scored from the available items with a data query; only disease-related cytopenias
score; lab-implied levels never override the physician) are documented with the software's scoring rules.

**Statistics.** Summaries: n, mean (SD, n - 1), median [Q1, Q3] (Hyndman-Fan type 2, as SAS's default), min-max.
Paired comparisons of each visit with baseline: Wilcoxon signed-rank test, paired t-test with the 95 % CI of the
mean change, Hodges-Lehmann estimate with its CI; the options of each test are listed with its results in the
efficacy section and in the method column of the analysis results dataset (ard.csv). Responder rates: n/N (%) with exact
Clopper-Pearson 95 % CIs. Change across visits: Friedman test. Effect sizes: Cohen's dz (mean change / SD
of the change) and the matched-pairs rank-biserial correlation. Missing data: observed cases are primary;
baseline observation carried forward (a dropout is a non-responder), last observation carried forward and a
linear mixed model with a random intercept per patient are sensitivity analyses.

**Visits and data cuts.** Each assessment is analysed at its nominal visit whatever its study day. Each
visit has a window of study days (day 1 = first dose), taken from the export's visit schedule (without one, the
analysis's default for the pilot: baseline day -28 to 1, weeks 12 and 24 at their target day ± 14) and
stated in the efficacy section and with the listing of visits outside their window;
a visit outside its window is a protocol deviation, listed with the days outside and counted in
the analysis results dataset, never re-assigned or excluded. At an interim data cut a visit counts as
due when it took place, the patient left the study, or its window closed before the cut; BOCF, LOCF and
the mixed model fill or model only visits that were due, and a visit not yet due is shown as such.
Disposition counts the patients completed, discontinued and still on study at the cut.

**Laboratory.** Values in SI units; normal-range categories from the laboratory's reference range;
toxicity grades by CTCAE v5.0 (laboratory criteria only). A result reported below a limit of quantification
(such as <0.8) is analysed as half the limit, one above a limit (such as >140) as the limit; each is a data query.
A test sampled twice at one visit counts once in the summaries by visit, the last sample with a result (at
baseline, the last on or before the first dose), and at every sample in the shift tables and alerts; each repeat is a
data query. The shift tables take the worst value after baseline, of scheduled visits and of unscheduled samples
after the first dose.

**Adverse events.** An adverse event is treatment-emergent (TEAE) when it starts on or after the first dose and at
most {TRTEM_WINDOW_DAYS} days after the last dose; the tables count the TEAEs of the safety set, a patient once per row.
Adverse events of special interest are rated per 100 patient-years at risk: from the first dose to the first event
of the category, or without one to {TRTEM_WINDOW_DAYS} days after the last dose, at most to the end of study (adverse
events are collected until then) and to the data cut, with an exact Poisson (Garwood) 95 % CI.

**Partial dates.** A start or end date of an adverse event or medication whose day, or month and day, is not
known is imputed as admiral's ADAE template does: a start to the first day of its month (or year), or to the
first dose when that falls in it, so that the event counts as treatment-emergent; an end to the last day, or to
the end of study or the data cut when one falls in it. A partial date of diagnosis takes the first day of its
month or year. The adverse-event listing marks imputed dates, and each partial date is a data query.

**Adverse events not yet assessed.** An adverse event not yet coded in MedDRA is counted under "Not yet coded";
one not yet graded is not given a grade: it is counted in no "grade 3 or more" row and shows as Missing in the
table by maximum grade; one whose relationship to the drug is not yet assessed counts as related. Each such blank
is a data query.

**Rounding.** Numbers are stored unrounded in the analysis results dataset (ard.csv). For display they
are rounded half up on their shortest decimal representation (as SAS ROUND): 42.65 shows as 42.7.
Percentages have one decimal, p-values three (`<0.001` below that). A minimum and maximum are values of the data and
show with the decimals the data carry, at most the table's (ages of 36 and 63 years as 36 - 63), the mean and
median with those of the table, the SD with one more.
"""


#: Letter of the appendix's table numbers: the appendix is part "A" of the report, and its tables and
#: listings are numbered "Table A.1", "Listing A.2", ... in reading order (one sequence for both, as
#: sections 14 and 16 of an ICH E3 report number theirs), after every table of the study report.
APPENDIX_SERIES = "A"
#: Headers in words of the data-query columns (``report.QUERY_COLUMNS``) and of their summaries.
QUERY_HEADERS = {"source": "Step", "file": "File", "row": "Row", "USUBJID": "Patient", "AVISIT": "Visit",
                 "variable": "Variable", "rule": "Rule", "meaning": "Meaning", "value": "Value",
                 "message": "Message", "n": "Queries", "queries": "Queries"}
#: Source footnotes of the appendix's tables: the export's files, the validation rules, the data dictionary.
QUERY_SOURCES = ("the export's files checked against the validation rules of the data dictionary",
                 "the checks of scoring (with the treatment switches) and eligibility on the analysis datasets "
                 "(data_queries.csv)")
DICTIONARY_SOURCE = ("the data dictionary of the analysis software (docs/data_dictionary.md)",)
#: Headers in words of the data dictionary's columns (``dictionary.dictionary_frame``).
DICTIONARY_HEADERS = {"form": "Form", "variable": "Variable", "type": "Type", "unit": "Unit",
                      "allowed": "Allowed values", "required": "Required", "description": "Description",
                      "identifier": "Identifier"}
#: Headers in words of the input manifest (``export.file_manifest``) and of the analysis datasets
#: summary (``cleaning.summarize_datasets``).
MANIFEST_HEADERS = {"file": "File", "sha256": "SHA-256", "bytes": "Bytes"}
DATASET_HEADERS = {"dataset": "Dataset", "records": "Records", "subjects": "Patients", "columns": "Variables"}
_NUMBER = re.compile(r"<caption>(?:Table|Listing) ([A-Z])\.(\d+)\b")


def table_number(kind: str, k: int) -> str:
    """The number of the ``k``-th table or listing of the appendix (``kind``: ``"Table"`` or ``"Listing"``).

    >>> table_number("Table", 1), table_number("Listing", 12)
    ('Table A.1', 'Listing A.12')
    """
    if kind not in ("Table", "Listing"):
        raise ValueError(f"an appendix table is a Table or a Listing, not {kind!r}")
    return f"{kind} {APPENDIX_SERIES}.{int(k)}"


def next_table_number(executed: list) -> int:
    """The appendix number after the highest one the executed notebooks show (1 when they show none).

    The notebooks of data cleaning and scoring number their tables ``Table A.1``, ... themselves; the
    appendix's own tables (data queries, dictionary, provenance) follow them in the page, so they
    continue the sequence from the captions the notebooks displayed (in ``text/html`` outputs).

    >>> import nbformat
    >>> cell = nbformat.v4.new_code_cell("t")
    >>> cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": "<caption>Listing A.6 Queries</caption>"})]
    >>> next_table_number([nbformat.v4.new_notebook(cells=[cell])]), next_table_number([])
    (7, 1)
    """
    found = [int(k) for nb in executed for cell in nb.cells if cell.cell_type == "code"
             for output in cell.get("outputs", []) for letter, k in _NUMBER.findall(output.get("data", {}).get("text/html", ""))
             if letter == APPENDIX_SERIES]
    return max(found, default=0) + 1


def format_queries(queries: pd.DataFrame) -> pd.DataFrame:
    """Data queries (or their counts) for display: headers in words (``QUERY_HEADERS``), the patient as
    site and patient number (``vocabulary.patient_label``), the step that raised each query capitalised.

    >>> q = pd.DataFrame({"source": ["validation"], "USUBJID": ["NCT04916756-01-008"], "rule": ["visit_window"]})
    >>> format_queries(q).to_dict("records")
    [{'Step': 'Validation', 'Patient': '01-008', 'Rule': 'visit_window'}]
    """
    out = queries.copy()
    if "USUBJID" in out:
        out["USUBJID"] = out["USUBJID"].map(lambda s: vocabulary.patient_label(s) if s else s)
    if "source" in out:
        out["source"] = out["source"].str.capitalize()
    return out.rename(columns=QUERY_HEADERS)


def _queries_part(reports: Path, number) -> str:
    queries = report.read_queries(reports)
    if queries.empty:
        return "<p>No data queries were raised.</p>"
    by_rule = queries.groupby(["source", "rule"], sort=False).size().rename("queries").reset_index()
    summary = tables.TableInfo(table_number("Table", next(number)), "Data queries by step and rule", "", None,
                               QUERY_SOURCES, "Count of the queries each step raised under each rule")
    listing = tables.TableInfo(table_number("Listing", next(number)), "Data queries of every step", "", None,
                               QUERY_SOURCES, notes=("The full listing is data_queries.csv beside the report.",))
    return (tables.to_html(format_queries(by_rule), info=summary)
            + tables.to_html(format_queries(queries), info=listing))


def _dictionary_part(number) -> str:
    from analysis_utils import dictionary

    frame = dictionary.dictionary_frame().replace(r" ?\((?:[a-z_]+\.)+[A-Z_]+\)", "", regex=True)  # no code names
    info = tables.TableInfo(table_number("Table", next(number)), "Data dictionary of the raw export", "", None,
                            DICTIONARY_SOURCE, notes=("One row per variable of each form an export may hold.",))
    return tables.to_html(frame.rename(columns=DICTIONARY_HEADERS), max_rows=None, info=info)


def describe_study(data_dir: Path) -> dict:
    """The title page's study lines, from the export's ``study`` form (``export.study_identity``).

    ``Title``; ``Study identifier`` unless the registry line shows it already (the pilot's STUDYID is its
    ClinicalTrials.gov number); ``Registry``, ``Publication`` and ``Design`` when the export gives them (the
    pilot's defaults for the pilot's STUDYID: ``vocabulary.STUDY_TITLE``, ``STUDY_REFERENCE``, ``STUDY_DESIGN``).

    >>> pilot = describe_study(paths.DATA_RAW)
    >>> list(pilot), pilot["Registry"]
    (['Title', 'Registry', 'Publication', 'Design'], 'ClinicalTrials.gov NCT04916756')
    >>> describe_study(paths.resolve("data/examples/randomised"))["Study identifier"]
    'BARI-PSS-RCT'
    """
    study = export.study_identity(data_dir)
    lines = {"Title": study.title,
             "Study identifier": "" if study.studyid == study.regid else study.studyid,
             "Registry": study.registry, "Publication": study.reference, "Design": study.design}
    return {label: text for label, text in lines.items() if text}


def describe_input(data_dir: Path, *, synthetic: bool) -> str:
    """The title page's "Input": the folder as given (relative to the project when inside it) and what it is.

    The shipped synthetic trial is named as such only when its files match the shipped ones byte for
    byte (``export.matches_shipped_synthetic``); an export that says it is synthetic but differs is
    labelled an edited synthetic export; anything else is named by its folder alone.

    >>> describe_input(paths.DATA_RAW, synthetic=True)
    'data/raw: the synthetic trial shipped with the project (invented data)'
    """
    where = paths.relative(data_dir)
    if export.matches_shipped_synthetic(data_dir):
        return f"{where}: the synthetic trial shipped with the project (invented data)"
    if synthetic:
        return f"{where}: a synthetic export (invented data) that differs from the one shipped with the project"
    return where


def describe_data_cut_rows(rows: pd.DataFrame | None, data_cutoff: str) -> str:
    """The title page's "Data cut" from the ARD's ``DISP-DATACUT`` rows: the date and whether the cut is interim
    or final (``data_cutoff`` alone when there are none).

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


def input_files_info(number: str, data_dir: Path) -> tables.TableInfo:
    """The title and footnotes of the table of input files (``export.file_manifest``) of ``data_dir``.

    >>> input_files_info("Table A.1", paths.DATA_RAW).footnotes
    ["Source: the export's files in data/raw.", 'Method: SHA-256 checksum of the bytes of each file.']
    """
    return tables.TableInfo(number, "Input files and their checksums (SHA-256)", "", None,
                            (f"the export's files in {paths.relative(data_dir)}",), "SHA-256 checksum of the bytes of each file")


def _shown_table(executed: list, title: str) -> str:
    """The number (``Table A.1``) under which an executed notebook showed the table ``title``, ``""`` if none did."""
    pattern = re.compile(rf"<caption>((?:Table|Listing) {APPENDIX_SERIES}\.\d+) {re.escape(html.escape(title))}")
    pages = (output.get("data", {}).get("text/html", "") for nb in executed for cell in nb.cells
             if cell.cell_type == "code" for output in cell.get("outputs", []))
    return next((m[1] for page in pages for m in pattern.finditer(page)), "")


def _provenance_part(data_dir: Path, data_cutoff: str, git: dict, notebooks: list[str], number, executed=()) -> str:
    """The build's parameters, the input files (their table, unless a notebook showed it: then its number) and the
    package versions."""
    files = input_files_info("", data_dir)
    shown = _shown_table(executed, files.title)
    versions = pd.DataFrame({"Package": ("python", *PROVENANCE_PACKAGES),
                             "Version": [platform.python_version(), *(metadata.version(p) for p in PROVENANCE_PACKAGES)]})
    rows = {"Data folder": paths.relative(data_dir), "Data cut": data_cutoff, "Analysis steps": ", ".join(notebooks),
            "Git commit": git["commit"], "Uncommitted changes": git["dirty"],
            **({"Input files": f"{shown} (SHA-256 of each file)"} if shown else {})}
    params = pd.DataFrame({"Parameter": list(rows), "Value": list(rows.values())})
    params_info = tables.TableInfo(table_number("Table", next(number)), "Build parameters", "", None,
                                   ("the build's command line and the git repository of the analysis software",))
    page = tables.to_html(params, info=params_info)
    if not shown:
        page += tables.to_html(export.file_manifest(data_dir).rename(columns=MANIFEST_HEADERS), max_rows=None,
                               info=input_files_info(table_number("Table", next(number)), data_dir))
    versions_info = tables.TableInfo(table_number("Table", next(number)), "Python and package versions", "", None,
                                     ("the packages installed in the environment that ran the analysis",))
    return page + tables.to_html(versions, info=versions_info)


def appendix_parts(executed: list, *, stage_reports: Path, ard: pd.DataFrame | None, data_dir: Path, data_cutoff: str,
                   git: dict, notebooks: list[str], pages: list[str] = ()) -> list[tuple[str, str]]:
    """The appendix's parts after the notebooks' own: (heading, HTML) of the data queries, the data
    dictionary, the methods (``methods_markdown`` of ``ard``, the build's ARD as ``report.read_ard`` gives
    it, and of the blinding of the export at ``data_dir``), the provenance and the abbreviations (``abbreviations_part``
    of the shown notebooks, these parts and the report's other ``pages``: title page, key findings); their tables
    continue the appendix's numbers after those the executed notebooks show (``next_table_number``)."""
    import mistune

    number = itertools.count(next_table_number(executed))
    parts = [
        ("Data queries", _queries_part(stage_reports, number)),
        ("Data dictionary", _dictionary_part(number)),
        ("Methods", mistune.create_markdown(escape=True)(
            methods_markdown(ard, export.study_identity(data_dir).blinding))),
        ("Provenance", _provenance_part(data_dir, data_cutoff, git, notebooks, number, executed)),
    ]
    used = abbreviations_part(executed, notebooks, [*pages, *(page for _, page in parts)], number)
    return parts + ([("Abbreviations", used)] if used else [])


#: The abbreviations the report's pages may use and what they stand for (ICH E3, section 4: a list of abbreviations);
#: the appendix lists those a report uses (``abbreviations_used``). Variable names of the datasets (``ADSL``,
#: ``STRAT1R``) are the data dictionary's, not listed here.
ABBREVIATIONS = MappingProxyType({
    "ACR": "American College of Rheumatology", "ALT": "alanine aminotransferase",
    "ANCOVA": "analysis of covariance", "anti-HBc": "antibody to the hepatitis B core antigen",
    "ARD": "analysis results dataset", "AESI": "adverse event of special interest",
    "AST": "aspartate aminotransferase", "BID": "twice daily", "BMI": "body mass index",
    "BOCF": "baseline observation carried forward",
    "CDISC": "Clinical Data Interchange Standards Consortium", "CI": "confidence interval", "CK": "creatine kinase",
    "CMH": "Cochran-Mantel-Haenszel (test)", "CNS": "central nervous system",
    "CONSORT": "Consolidated Standards of Reporting Trials", "CRF": "case report form", "CRP": "C-reactive protein",
    "CSV": "comma-separated values (a text file of a table)",
    "CTCAE": "Common Terminology Criteria for Adverse Events", "DNA": "deoxyribonucleic acid",
    "eCRF": "electronic case report form", "ESR": "erythrocyte sedimentation rate",
    "ESSDAI": "EULAR Sjögren's Syndrome Disease Activity Index",
    "ESSPRI": "EULAR Sjögren's Syndrome Patient Reported Index",
    "EULAR": "European Alliance of Associations for Rheumatology (until 2021 the European League Against Rheumatism)",
    "FAS": "full analysis set", "GI": "gastrointestinal", "HBsAg": "hepatitis B surface antigen",
    "HBV": "hepatitis B virus", "HCQ": "hydroxychloroquine", "HRCT": "high-resolution computed tomography",
    "ICH": "International Council for Harmonisation", "IgG": "immunoglobulin G", "ILD": "interstitial lung disease",
    "IU": "international units", "JAK": "Janus kinase", "LOCF": "last observation carried forward",
    "LS mean": "least-squares mean", "MACE": "major adverse cardiovascular event",
    "MC": "Monte Carlo (simulation)", "MCII": "minimal clinically important improvement",
    "MedDRA": "Medical Dictionary for Regulatory Activities",
    "NRI": "non-responder imputation (missing counted as non-response)", "OLS": "ordinary least squares",
    "PASS": "patient acceptable symptom state", "PGA": "physician global assessment",
    "PNS": "peripheral nervous system", "PRN": "as needed", "PT": "preferred term (MedDRA)",
    "Q1": "first quartile", "Q3": "third quartile", "QD": "once daily", "QID": "four times daily",
    "QOD": "every other day", "QW": "once weekly",
    "REML": "restricted maximum likelihood", "SD": "standard deviation", "SE": "standard error",
    "SI": "International System of Units", "SOC": "system organ class (MedDRA)", "TID": "three times daily",
    "TEAE": "treatment-emergent adverse event", "ULN": "upper limit of normal", "WBC": "white blood cell count",
    "WHODrug": "WHO Drug Dictionary",
})


def abbreviations_used(text: str, abbreviations: Mapping[str, str] = ABBREVIATIONS) -> pd.DataFrame:
    """The ``abbreviations`` that ``text`` uses as words of their own, or their plurals (``TEAEs``; ``AE`` is not in
    ``TEAE``; letter case as written), in alphabetical order: ``Abbreviation``, ``Meaning``. HTML tags (an attribute,
    ``class="SD"``) and images inlined as data (base64 text, whose letters could spell one) are not read.

    >>> page = "<td class='SD'>AESI: GI perforation</td> <p>LS mean</p> <img src='data:image/png;base64,+CI/'>"
    >>> abbreviations_used(page,
    ...                    {"GI": "gastrointestinal", "LS mean": "least-squares mean", "SD": "standard deviation",
    ...                     "SI": "International System of Units", "CI": "confidence interval"}).values.tolist()
    [['GI', 'gastrointestinal'], ['LS mean', 'least-squares mean']]
    """
    text = re.sub(r"data:[^\s\"')]+|</?[A-Za-z][^>]*>", " ", text)  # a "<" of text ("ESSDAI < 5") is no tag
    words = set(re.findall(r"[\w-]+", text))  # one pass over the page; an abbreviation of two words is looked for
    used = sorted((a for a in abbreviations if ({a, f"{a}s"} & words if " " not in a else
                                                 re.search(rf"(?<![\w-]){re.escape(a)}s?(?![\w-])", text))),
                  key=str.lower)
    return pd.DataFrame({"Abbreviation": used, "Meaning": [abbreviations[a] for a in used]})


def _shown_text(executed: list, names: list[str]) -> str:
    """The text the report shows of the executed notebooks (file ``names``): the cells ``htmlreport.merge`` keeps
    (not those left out by a tag, after a notebook's end, nor stderr), their markdown and their outputs' HTML,
    markdown and printed text."""
    texts = []
    for cell in htmlreport.merge(executed, names, {}).cells:
        if cell.cell_type == "markdown":
            texts.append(cell.source)
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            texts += [data.get("text/html", ""), data.get("text/markdown", ""), output.get("text", "")]
    return "\n".join(texts)


#: The source and method of the list of abbreviations (``abbreviations_part``).
ABBREVIATIONS_SOURCE = ("the text of this report and the analysis software's list of abbreviations "
                        "(appendix.ABBREVIATIONS)",)
ABBREVIATIONS_METHOD = "Each abbreviation of the list that the report's pages use, in alphabetical order."


def abbreviations_part(executed: list, names: list[str], pages: list[str], number) -> str:
    """The appendix's list of abbreviations, a table numbered by the next of ``number`` (an iterator of the appendix's
    numbers): those the executed notebooks' shown text (``_shown_text``) and the report's other ``pages`` (title page,
    key findings, appendix parts) use; ``""``, no number taken, when none is used."""
    used = abbreviations_used("\n".join([_shown_text(executed, names), *pages]))
    if not len(used):
        return ""
    info = tables.TableInfo(table_number("Table", next(number)), "Abbreviations", "", None, ABBREVIATIONS_SOURCE,
                            ABBREVIATIONS_METHOD)
    return tables.to_html(used, max_rows=None, info=info)


def describe_software(git: dict) -> str:
    """The analysis software as the title page names it: the git commit (``runner.git_state``), shortened, and
    whether the checkout had uncommitted changes; a copy outside git says it has no commit to name.

    >>> describe_software({"commit": "9224985" + "0" * 33, "dirty": "yes (uncommitted changes)"})
    'analysis_utils at git commit 922498500000 with uncommitted changes'
    >>> describe_software({"commit": "not a git checkout", "dirty": "unknown"})
    'analysis_utils, not a git checkout (no commit to name)'
    """
    if not re.fullmatch(r"[0-9a-f]{7,64}", git["commit"]):
        return f"analysis_utils, {git['commit']} (no commit to name)"
    return (f"analysis_utils at git commit {git['commit'][:12]}"
            + (" with uncommitted changes" if git["dirty"].startswith("yes") else ""))


def render(executed: list, *, stage_reports: Path, ard, data_dir: Path, data_cutoff: str, synthetic: bool,
           git: dict, notebooks: list[str]) -> str:
    """Return the full HTML report for the executed notebooks (file names ``notebooks``) and the build's ``ard``."""
    title_block = {
        **describe_study(data_dir),
        "Data cut": describe_data_cut_rows(None if ard is None else ard[ard["analysis_id"] == "DISP-DATACUT"], data_cutoff),
        "Input": describe_input(data_dir, synthetic=synthetic),
        "Software": f"{describe_software(git)}, Python {platform.python_version()}",
    }
    safety = [("Interpretation of the safety data", f"<p>{html.escape(findings.describe_safety(ard))}</p>")]
    summary = findings.to_html(ard, export.study_identity(data_dir).blinding)
    parts = appendix_parts(executed, stage_reports=stage_reports, ard=ard, data_dir=data_dir, data_cutoff=data_cutoff,
                           git=git, notebooks=notebooks, pages=[*map(str, title_block.values()), summary,
                                                                 *(page for _, page in safety)])
    return htmlreport.render_report(executed, title_block=title_block, synthetic=synthetic, appendix=parts,
                                    parts={"safety": safety}, names=notebooks, summary=summary)


def write_report(*, stage_reports: Path, ard, data_dir: Path, data_cutoff: str, git: dict, notebooks: list[str]) -> Path:
    """Write ``report.html`` and ``tables.xlsx`` into ``stage_reports``; return the report's path.

    The executed notebooks are read from ``stage_reports/executed`` in the order of ``notebooks``
    (file names); ``ard`` is the build's (``report.combine_parts``), ``git`` is ``runner.git_state()``.
    """
    import nbformat

    reports, data_dir = Path(stage_reports), Path(data_dir)
    # Written (and validated) moments ago: read without validating them again.
    executed = [nbformat.v4.reads((reports / "executed" / name).read_text(encoding="utf-8")) for name in notebooks]
    text = render(executed, stage_reports=reports, ard=ard, data_dir=data_dir, data_cutoff=data_cutoff,
                  synthetic=export.is_synthetic(data_dir), git=git, notebooks=notebooks)
    # "\n" line ends on every platform (text mode writes "\r\n" on Windows): the same bytes everywhere
    path = _atomic_write(reports / "report.html", lambda p: p.write_text(text, encoding="utf-8", newline="\n"))
    write_tables_workbook(reports, data_cutoff=data_cutoff, synthetic=export.is_synthetic(data_dir))
    return path


#: Excel's limit on the characters of one cell.
EXCEL_CELL_LIMIT = 32_767
#: Excel's limit on the rows of one sheet.
EXCEL_ROW_LIMIT = 1_048_576


def fit_cell(text: str) -> str:
    """``text``, or its start with a visible marker when it exceeds Excel's ``EXCEL_CELL_LIMIT``.

    >>> len(fit_cell("x" * 40_000)) == EXCEL_CELL_LIMIT, fit_cell("x" * 40_000)[-31:]
    (True, '… [truncated: 40000 characters]')
    """
    if len(text) <= EXCEL_CELL_LIMIT:
        return text
    marker = f"… [truncated: {len(text)} characters]"
    return text[:EXCEL_CELL_LIMIT - len(marker)] + marker


#: A cell the workbook writes as a number: a decimal as a table shows it, without sign (``+``), leading zero (``007``,
#: an identifier), exponent or more than 15 digits (Excel's precision); its format keeps the decimals shown (``1.50``).
PLAIN_NUMBER = re.compile(r"-?(?:0|[1-9]\d{0,14})(?:\.(\d{1,6}))?")


def _table_sheet(path: Path) -> tuple[str, list[list[str]], int, int]:
    """(title, rows, header row, rows of the table) of a table CSV's sheet: its caption (first line of the
    ``<name>.txt`` companion, ``report.save_table``) and a blank row above the table, its footnotes after a blank row
    below. Without a companion, the title is the file name and the sheet holds the table alone. The cells as the data
    wrote them, without the quote ``report.save_table`` and ``report.save_queries`` put before text a spreadsheet would
    run (``tables.restore_formula_text``)."""
    with path.open(newline="", encoding="utf-8") as f:
        rows = [[tables.restore_formula_text(v) for v in row] for row in csv.reader(f)]
    companion = path.with_suffix(".txt")
    if not companion.exists():
        return path.stem, rows, 0, len(rows)
    caption, *footnotes = companion.read_text(encoding="utf-8").splitlines()
    return caption, [[caption], [], *rows, [], *([n] for n in footnotes)], 2, len(rows)


def write_tables_workbook(reports: Path, *, data_cutoff: str, synthetic: bool = False) -> Path:
    """Write every table CSV under ``reports/tables`` (and the data queries) into ``reports/tables.xlsx``.

    A first sheet ``index`` names the table on each sheet ``T01``, ``T02``, ... (CSV file names
    sorted) with its title. A table with a caption file (``<name>.txt``) has its caption in the
    sheet's first row and its footnotes (population, source, method) below it (``_table_sheet``).
    A cell of the table that is a plain number (``PLAIN_NUMBER``: a score, a study day, a count, a laboratory value)
    is a number shown with the decimals of the CSV, which Excel sums and sorts; every other cell is text as the CSV
    holds it (``10 (90.9)``, ``<0.001``, ``007``, ``+1``), without the quote the CSV puts before text a spreadsheet
    would run (``tables.restore_formula_text``): XlsxWriter never turns a string into a formula or link.
    The header row stays in view (frozen) and columns are as wide as their longest cell (at most 60 characters). A
    cell over Excel's limit is cut with a marker (``fit_cell``) and a note row ends its sheet. Of a ``synthetic``
    export every sheet ends with the report's banner (``htmlreport.SYNTHETIC_BANNER``). The workbook is
    byte-reproducible: its document dates are the data cut.
    """
    import xlsxwriter

    sources = sorted((reports / "tables").glob("*.csv"))
    if (reports / "data_queries.csv").exists():
        sources.append(reports / "data_queries.csv")
    sheets, index = {}, [["sheet", "table", "title"]]
    for i, path in enumerate(sources, start=1):
        title, *sheets[f"T{i:02d}"] = _table_sheet(path)
        index.append([f"T{i:02d}", path.stem, title])
    sheets = {"index": (index, 0, len(index)), **sheets}

    def write(out: Path) -> None:
        # No string read as a formula, link or number; the parts built in memory, not in temporary files written in
        # text mode ("\r\n" on Windows) and dated in the local time zone: the same parts, dated 1980-01-01, everywhere.
        book = xlsxwriter.Workbook(str(out), {"strings_to_formulas": False, "strings_to_urls": False,
                                              "strings_to_numbers": False, "in_memory": True})
        book.set_properties({"created": datetime.fromisoformat(data_cutoff), "author": "analysis_utils",
                             "comments": f"data cut {data_cutoff}"})
        formats = {}  # decimals -> number format
        as_text = book.add_format({"num_format": "@"})  # a text Excel would run: text also once edited (F2, Enter)
        for name, (rows, header, n_rows) in sheets.items():
            sheet, kept = book.add_worksheet(name), rows[:EXCEL_ROW_LIMIT - 3]  # room for the notes
            for r, row in enumerate(kept):  # write_string: write_row's type checks cost 0.2 s at 10,000 patients
                in_table = header < r < header + n_rows
                for c, value in enumerate(row):
                    if in_table and (number := PLAIN_NUMBER.fullmatch(value)):
                        decimals = len(number[1] or "")
                        if decimals not in formats:
                            shown = f"0.{'0' * decimals}" if decimals else "0"
                            formats[decimals] = book.add_format({"num_format": shown})
                        sheet.write_number(r, c, float(value), formats[decimals])
                    elif value:  # "" leaves the cell empty
                        sheet.write_string(r, c, fit_cell(value), as_text if value[:1] in "=+-@" else None)
            sheet.freeze_panes(header + 1, 0)
            table = rows[header:header + n_rows]
            widths = itertools.zip_longest(*([len(v) for v in row] for row in table), fillvalue=0)
            for c, width in enumerate(map(max, widths)):
                sheet.set_column(c, c, min(max(width, 8), 60) + 1)
            notes = [f"Note: {cut} cell(s) exceed Excel's limit of {EXCEL_CELL_LIMIT:,} characters and are cut; the CSV "
                     "holds the full text."] if (cut := sum(len(v) > EXCEL_CELL_LIMIT for row in kept for v in row)) else []
            if len(rows) > len(kept):
                notes.append(f"Note: the table has {len(rows):,} rows, more than an Excel sheet holds; the sheet shows "
                             f"the first {len(kept):,}, the CSV all of them.")
            for i, note in enumerate(notes + [htmlreport.SYNTHETIC_BANNER] * synthetic):
                sheet.write_string(len(kept) + 1 + i, 0, note)
        book.close()

    return _atomic_write(reports / "tables.xlsx", write)


#: Between-arm analyses in the methods text, by the ending of their ARD analysis id (``EFF-<P>-<kind>-DIFF``),
#: in the order shown: kind -> what is compared, in words.
BETWEEN_ARM_KINDS = {
    "MCII": "Responder rates",
    "NRI": "Responder rates, missing = non-responder (sensitivity analysis)",
    "LOGISTIC": "Odds ratio of response, adjusted",
    "CHG": "Change from baseline at a visit",
    "MMRM": "Change from baseline over all visits (repeated measures)",
    "HYPO": "Repeated measures without the post-switch values",
}
#: Words that start the estimand clause ending a between-arm method (``arms.SWITCH_ESTIMANDS``, ``"; <strategy>: "``).
ESTIMAND_STRATEGIES = ("treatment policy", "hypothetical")


def describe_between_arm_methods(ard: pd.DataFrame | None) -> str:
    """The methods paragraph of the between-arm analyses, as Markdown, read from the ARD's ``method`` column.

    One bullet per kind of analysis (``BETWEEN_ARM_KINDS``) with the endpoints it covers and every distinct
    clause of its rows' methods (a CI, a test and why, a model with its degrees of freedom), then the
    estimands for a treatment switch (the clauses starting with ``ESTIMAND_STRATEGIES``); ADaM names in
    words (``vocabulary.method_in_words``). Empty when the
    ARD has no between-arm row (``-DIFF``): the single-arm pilot's methods stay as they are.

    >>> ard = pd.DataFrame({"analysis_id": ["EFF-ESSDAI-MCII-DIFF", "EFF-ESSDAI-MCII-DIFF", "EFF-X-W12-TTEST"],
    ...     "method": ["Newcombe hybrid score 95% CI; CMH test stratified by SITEID",
    ...                "Newcombe hybrid score 95% CI; Fisher's exact test; treatment policy: in the arm randomised",
    ...                "t"]})
    >>> print(describe_between_arm_methods(ard))
    <BLANKLINE>
    **Between-arm analyses.** Each arm is compared with the reference arm (lowest arm code); the methods as the analysis results dataset names them:
    <BLANKLINE>
    - Responder rates (ESSDAI): Newcombe hybrid score 95% CI; CMH test stratified by centre; Fisher's exact test.
    <BLANKLINE>
    **Estimands after the treatment switch.** Treatment policy: in the arm randomised.
    <BLANKLINE>
    >>> describe_between_arm_methods(ard.iloc[2:]), describe_between_arm_methods(None)
    ('', '')
    """
    if ard is None or not len(ard):
        return ""
    diffs = ard[ard["analysis_id"].str.endswith("-DIFF")].drop_duplicates(["analysis_id", "method"])
    if not len(diffs):
        return ""
    names = diffs["analysis_id"].str.removesuffix("-DIFF")
    kinds, paramcds = names.str.rsplit("-", n=1).str[-1], names.str.split("-").str[1]
    lines, estimands = [], {}
    for kind, label in BETWEEN_ARM_KINDS.items():
        mask = kinds == kind
        if not mask.any():
            continue
        clauses = {}
        for method in diffs.loc[mask, "method"].astype(str).map(vocabulary.method_in_words):
            starts = [method.find(f"; {s}:") for s in ESTIMAND_STRATEGIES if f"; {s}:" in method]
            cut = min(starts) if starts else len(method)  # the estimand ends the method, ";" and all
            if starts:
                estimands.setdefault(method[cut + 2:].strip(), None)
            for clause in (c.strip() for c in method[:cut].split(";") if c.strip()):
                clauses.setdefault(clause, None)
        lines.append(f"- {label} ({', '.join(dict.fromkeys(paramcds[mask]))}): {'; '.join(clauses)}.")
    text = ("\n**Between-arm analyses.** Each arm is compared with the reference arm (lowest arm code); the methods as "
            "the analysis results dataset names them:\n\n" + "\n".join(lines) + "\n")
    if estimands:
        text += ("\n**Estimands after the treatment switch.** "
                 + " ".join(f"{c[:1].upper()}{c[1:]}." for c in estimands) + "\n")
    return text


#: The end of the statistics paragraph's missing-data sentence (``METHODS_MARKDOWN``), and what a trial of several arms
#: adds to it: those analyses are of all patients together; the between-arm primary analysis has its own.
POOLED_MISSING_DATA = "linear mixed model with a random intercept per patient are sensitivity analyses."
RANDOMISED_MISSING_DATA = (" In a trial of several arms these are the descriptive analyses of all patients together"
                           "{switched}; the between-arm primary analysis takes observed cases, with non-responder"
                           " imputation as its sensitivity analysis (below).")
#: Inserted in ``RANDOMISED_MISSING_DATA`` where a control patient switched (``findings.has_switch``).
SWITCHED_CHANGES = " (changes that include the switched patients' weeks on the new treatment)"


def methods_markdown(ard: pd.DataFrame | None, blinding: str = dictionary.OPEN_LABEL) -> str:
    """The appendix's methods text: ``METHODS_MARKDOWN``, and for a trial of several arms (the ARD holds
    between-arm rows, ``describe_between_arm_methods``) its design paragraph replaced by
    ``RANDOMISED_DESIGN_MARKDOWN`` of the trial's ``blinding`` (study form ``TBLIND``) and the between-arm methods
    added.

    >>> methods_markdown(None) == METHODS_MARKDOWN
    True
    >>> ard = pd.DataFrame({"analysis_id": ["EFF-ESSDAI-MCII-DIFF"], "method": ["Newcombe hybrid score 95% CI"]})
    >>> text = methods_markdown(ard)
    >>> "Single-arm" in text, "Randomised, open-label" in text, "Newcombe" in text, SWITCHED_CHANGES in text
    (False, True, True, False)
    >>> with_first_weeks = pd.concat([ard, ard.assign(analysis_id=findings.CONTROLLED_ID)])
    >>> CONTROLLED_DESIGN in text, CONTROLLED_DESIGN in methods_markdown(with_first_weeks)
    (False, True)
    >>> "Randomised, double-blind trial" in methods_markdown(ard, "DOUBLE BLIND")
    True
    """
    between = describe_between_arm_methods(ard)
    if not between:
        return METHODS_MARKDOWN
    first, rest = METHODS_MARKDOWN.lstrip("\n").split("\n\n", 1)
    assert first.startswith("**Design and populations.**"), "METHODS_MARKDOWN must open with the design paragraph"
    assert POOLED_MISSING_DATA in rest, "the statistics paragraph must state the pooled analyses' missing data"
    missing = RANDOMISED_MISSING_DATA.format(switched=SWITCHED_CHANGES if findings.has_switch(ard) else "")
    rest = rest.replace(POOLED_MISSING_DATA, POOLED_MISSING_DATA + missing)
    n_arms = len(findings.trial_arms(ard))
    controlled = CONTROLLED_DESIGN if ard["analysis_id"].eq(findings.CONTROLLED_ID).any() else ""
    design = RANDOMISED_DESIGN_MARKDOWN.format(blinding=dictionary.BLINDING_WORDS[blinding], controlled=controlled,
                                               arms=tables.count_words(n_arms) if n_arms > 1 else "several")
    return design + "\n" + rest + between
