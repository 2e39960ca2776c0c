"""Outputs of the notebooks: the ARD, data queries, tables and figures, written reproducibly.

A notebook writes only files of its own: ARD sections as ``ard/<section>.csv`` and data queries
as ``queries/<source>.csv``; ``combine_parts`` joins them into ``ard.csv`` and
``data_queries.csv`` in a fixed order (the build does it once every notebook has run), so
notebooks running side by side need no lock. Every writer is atomic (temporary file, then
rename) and deterministic: the same inputs give byte-identical files (fixed column order,
``\\n`` line ends, ``repr``-exact floats, PNG and SVG without dates or version strings).
"""

import io
import re
from pathlib import Path

import pandas as pd

from analysis_utils import ard as ard_mod
from analysis_utils import paths, tables
from analysis_utils.io import _atomic_write

#: Columns of the data-query listing (reports/data_queries.csv).
QUERY_COLUMNS = ("source", "file", "row", "USUBJID", "AVISIT", "variable", "rule", "value", "message")

#: Fixed salt so that SVG element ids are the same on every run (matplotlib rcParams['svg.hashsalt']).
SVG_HASHSALT = "nct04916756"


def write_csv(data: pd.DataFrame, path: str | Path) -> Path:
    """Write ``data`` as CSV deterministically (no index, ``\\n`` line ends, shortest exact floats)."""
    return _atomic_write(paths.resolve(path), lambda p: data.to_csv(p, index=False, lineterminator="\n"))


#: Query sources in the order of the pipeline; any other source follows, alphabetically.
QUERY_SOURCE_ORDER = ("validation", "scoring", "switch", "eligibility")


def _ordered_parts(folder: Path, order: tuple[str, ...]) -> list[Path]:
    """The part files (``<name>.csv``) in ``folder``: names in ``order`` first, then the others alphabetically."""
    rank = {name: i for i, name in enumerate(order)}
    return sorted(folder.glob("*.csv"), key=lambda p: (rank.get(p.stem, len(rank)), p.stem))


def _read_ard_csv(path: Path) -> pd.DataFrame:
    return ard_mod.make_ard(pd.read_csv(path, dtype={c: str for c in ard_mod._TEXT_COLUMNS},
                                        keep_default_na=False, na_values={"stat_value": [""]}))


def read_ard(reports_dir: str | Path = paths.REPORTS) -> pd.DataFrame | None:
    """The whole ARD of ``reports_dir``, as ``reports/ard.csv`` holds it after a build; ``None`` if there is none.

    Each notebook writes its sections as parts (``ard/<section>.csv``, ``save_ard``); the ARD is
    their rows in ``ard.SECTION_ORDER`` (other sections after, alphabetically). Without parts,
    ``ard.csv`` itself is read.
    """
    folder = paths.resolve(reports_dir)
    parts = _ordered_parts(folder / "ard", ard_mod.SECTION_ORDER)
    if parts:
        return ard_mod.replace_sections(None, {p.stem: _read_ard_csv(p) for p in parts})
    return _read_ard_csv(folder / "ard.csv") if (folder / "ard.csv").exists() else None


def save_ard(rows: pd.DataFrame, section: str, *, reports_dir: str | Path = paths.REPORTS) -> pd.DataFrame:
    """Write ``rows`` as the ARD rows of ``section`` (``ard/<section>.csv``, replacing that section's old rows);
    return them as written. ``read_ard`` reads every section as one ARD."""
    return save_ard_sections({section: rows}, reports_dir=reports_dir)


def save_ard_sections(sections: dict[str, pd.DataFrame], *, reports_dir: str | Path = paths.REPORTS) -> pd.DataFrame:
    """``save_ard`` for several sections (name to rows) at once; returns their rows as written.

    Each section is a file of its own, so notebooks running side by side never write the same file
    (no lock). The build combines the parts into ``ard.csv`` once every notebook has run
    (``combine_parts``); a notebook does not (combining every section each time cost a build about
    0.7 s of CPU), so a notebook run alone leaves parts only, which ``read_ard`` reads as one ARD.
    """
    folder = paths.resolve(reports_dir)
    typed = ard_mod.replace_sections(None, sections)  # checks the rows; an empty section stays a part
    for section in sections:
        write_csv(typed[typed["section"] == section], folder / "ard" / f"{section}.csv")
    return typed


def analysis_queries(source: str, rows: pd.DataFrame, *, variable, rule: str, value, message,
                     avisit="") -> pd.DataFrame:
    """Data queries of an analysis step ``source`` (``QUERY_COLUMNS``), one per row of ``rows`` (its ``USUBJID``):
    no file or line (they are of the analysis datasets, not of the export); ``variable``, ``value``, ``message`` and
    ``avisit`` a value or a Series aligned with ``rows``.

    >>> rows = pd.DataFrame({"USUBJID": ["S-01-001"]})
    >>> analysis_queries("switch", rows, variable="CRIT1FL", rule="r", value="Y", message="m").values.tolist()
    [['switch', '', '', 'S-01-001', '', 'CRIT1FL', 'r', 'Y', 'm']]
    """
    out = pd.DataFrame({"source": source, "file": "", "row": "", "USUBJID": rows["USUBJID"], "AVISIT": avisit,
                        "variable": variable, "rule": rule, "value": value, "message": message},
                       index=rows.index, columns=list(QUERY_COLUMNS))
    return out.reset_index(drop=True)


def save_queries(queries: pd.DataFrame, source: str, *, reports_dir: str | Path = paths.REPORTS) -> pd.DataFrame:
    """Write the data queries raised by ``source`` (``queries/<source>.csv``, replacing its old rows), text a
    spreadsheet would run as a formula quoted (``tables.neutralise_formulas``: a query's value is the export's, as
    typed; ``tables.restore_formula_text`` gives it back).

    Returns every query of ``reports_dir`` (``data_queries.csv``, combined as ``combine_parts`` does).
    """
    folder = paths.resolve(reports_dir)
    new = queries.assign(source=source)
    for col in QUERY_COLUMNS:
        new[col] = new[col].astype(str).where(new[col].notna(), "") if col in new else ""
    write_csv(tables.neutralise_formulas(new[list(QUERY_COLUMNS)]), folder / "queries" / f"{source}.csv")
    return _combine_queries(folder)


def read_queries(reports_dir: str | Path = paths.REPORTS) -> pd.DataFrame:
    """The data queries of ``reports_dir`` (``data_queries.csv``) as raised, their text as the export wrote it
    (``tables.restore_formula_text``); no rows when there is none."""
    path = paths.resolve(reports_dir) / "data_queries.csv"
    if not path.exists():
        return pd.DataFrame(columns=list(QUERY_COLUMNS))
    return pd.read_csv(path, dtype=str, keep_default_na=False).map(tables.restore_formula_text)


def describe_record_queries(queries: pd.DataFrame, records: pd.DataFrame, *, files: tuple[str, ...],
                            at_most: int = 20) -> str:
    """A table's note on the data queries about the records it analyses: of ``files`` (``essdai.csv``; of an export
    in one workbook, its sheet, ``export.xlsx[essdai]``), and of the patients and visits of ``records`` (``USUBJID``,
    ``AVISIT``), by patient, visit and rule, ``at_most`` of them named (the appendix lists them all); ``""`` without
    any. The primary endpoint's table says so beside its numbers, not only the appendix's listing of every query.

    >>> queries = pd.DataFrame({"file": ["essdai.csv", "visits.csv", "labs.csv"], "AVISIT": "Week 12",
    ...     "USUBJID": ["S-01-008", "S-01-009", "S-01-008"], "rule": ["incomplete_biological", "visit_window", "x"]})
    >>> records = pd.DataFrame({"USUBJID": ["S-01-008", "S-01-009"], "AVISIT": "Week 12"})
    >>> describe_record_queries(queries, records, files=("essdai.csv", "visits.csv"))
    'Data queries on these records (listed in the appendix): 01-008 at Week 12 (incomplete_biological); 01-009 at \
Week 12 (visit_window).'
    >>> describe_record_queries(queries, records, files=("essdai.csv", "visits.csv"), at_most=1)
    'Data queries on these records (listed in the appendix): 01-008 at Week 12 (incomplete_biological); and 1 more.'
    >>> describe_record_queries(queries.assign(file="export.xlsx[visits]"), records, files=("visits.csv",))[56:]
    '01-008 at Week 12 (incomplete_biological, x); 01-009 at Week 12 (visit_window).'
    """
    from analysis_utils.vocabulary import patient_label

    forms = {re.sub(r"\.csv$", "", f) for f in files}
    sheet = queries["file"].astype(str).str.extract(r"\[([^\]]*)\]$", expand=False)
    queried = sheet.fillna(queries["file"].astype(str).str.replace(r"\.csv$", "", regex=True))

    order = {key: i for i, key in enumerate(dict.fromkeys(zip(records["USUBJID"], records["AVISIT"])))}
    rules = {}  # (patient, visit) -> rules, in the records' order
    for subject, visit, form, rule in zip(queries["USUBJID"], queries["AVISIT"], queried, queries["rule"]):
        if form in forms and (subject, visit) in order:
            rules.setdefault((subject, visit), {})[rule] = None
    if not rules:
        return ""
    named = [f"{patient_label(s)} at {v} ({', '.join(rules[s, v])})" for s, v in sorted(rules, key=order.get)]
    more = f"; and {len(named) - at_most} more" if len(named) > at_most else ""
    return f"Data queries on these records (listed in the appendix): {'; '.join(named[:at_most])}{more}."


def _combine_queries(folder: Path) -> pd.DataFrame | None:
    """Write ``data_queries.csv`` from the query parts of ``folder`` (``QUERY_SOURCE_ORDER``); return it.

    Two notebooks saving queries side by side may each combine while the other writes its part, and the
    combination written last may miss the other's newest part: each combines again until the parts it read
    are still the parts there, so the file written last holds every part's last version (no lock).
    """
    def read_parts() -> dict[Path, bytes]:
        return {p: p.read_bytes() for p in _ordered_parts(folder / "queries", QUERY_SOURCE_ORDER)}

    parts, before = read_parts(), None
    while parts != before and parts:
        queries = pd.concat([pd.read_csv(io.BytesIO(b), dtype=str, keep_default_na=False) for b in parts.values()],
                            ignore_index=True)
        write_csv(queries, folder / "data_queries.csv")
        before, parts = parts, read_parts()
    return queries if parts else None


def combine_parts(reports_dir: str | Path) -> pd.DataFrame | None:
    """Write ``ard.csv`` and ``data_queries.csv`` from the parts in ``reports_dir``, in a fixed order.

    ARD sections in ``ard.SECTION_ORDER``, query sources in ``QUERY_SOURCE_ORDER`` (others after,
    alphabetically). Returns the ARD (``None`` without ARD parts).
    """
    folder = paths.resolve(reports_dir)
    _combine_queries(folder)
    ard = read_ard(folder) if (folder / "ard").is_dir() else None
    if ard is not None:
        write_csv(ard, folder / "ard.csv")
    return ard


#: The note of a table saved with the analysis datasets' variable names (``save_table``).
ADAM_NAMES_NOTE = ("Columns: the analysis datasets' variables (docs/analysis_datasets.md of the analysis software), "
                   "which the report shows by their labels; USUBJID: the study, site and patient number.")


def save_table(table: pd.DataFrame, name: str, *, info: "tables.TableInfo | None" = None,
               reports_dir: str | Path = paths.REPORTS) -> Path:
    """Write a display table as ``reports/tables/<name>.csv`` (the report's tables, for re-use).

    Two-level headers (spanner, column) are joined into one (``tables.flatten_columns``). With
    ``info`` (``tables.TableInfo``) its caption and footnotes are written beside the CSV as
    ``<name>.txt`` (one per line: caption, population, source, method, notes), which the workbook
    puts above and below the table. Text from the data cannot act as a spreadsheet formula when
    the file is opened: a text cell starting with ``=``, ``+``, ``-`` or ``@`` gets a leading ``'``
    (``tables.neutralise_formulas``, OWASP CSV injection); numbers and numbers shown as text
    (``-1.5 (2.1)``) are written as they are. A listing saved with the analysis datasets' variable names (a
    ``USUBJID`` column), where the report shows their labels, has ``ADAM_NAMES_NOTE`` too: the footnotes name the
    report's columns ("Patient", "Days").
    """
    folder = paths.resolve(reports_dir) / "tables"
    companion = folder / f"{name}.txt"
    if info is not None:
        text = info.companion_text() + (f"{ADAM_NAMES_NOTE}\n" if "USUBJID" in table.columns else "")
        _atomic_write(companion, lambda p: p.write_text(text, encoding="utf-8", newline="\n"))
    elif companion.exists():
        companion.unlink()  # a footnote of an earlier build must not outlive its table
    return write_csv(tables.neutralise_formulas(tables.flatten_columns(table)), folder / f"{name}.csv")


def save_figure(fig, name: str, *, figures_dir: str | Path = paths.FIGURES) -> tuple[Path, Path]:
    """Save ``fig`` as ``<name>.png`` and ``<name>.svg``, byte-reproducibly (no dates, no versions).

    The layout computed for the PNG is kept (the figure's layout engine is removed after it), so both
    files show the same layout, computed once: without a layout engine, ``savefig`` draws the SVG once
    instead of twice (with one, even a disabled one, it draws the figure once more first to lay it out).
    """
    import matplotlib

    folder = paths.resolve(figures_dir)
    folder.mkdir(parents=True, exist_ok=True)
    png, svg = folder / f"{name}.png", folder / f"{name}.svg"
    # no layout engine when ``set_layout_engine(None)`` reads these settings
    with matplotlib.rc_context({"svg.hashsalt": SVG_HASHSALT, "figure.autolayout": False,
                                "figure.constrained_layout.use": False}):
        _atomic_write(png, lambda p: fig.savefig(p, format="png", dpi=110, metadata={"Software": None}))
        # The PNG's draw placed every axes; keep that layout for the SVG rather than computing it again.
        fig.set_layout_engine(None)
        # A file opened in binary: matplotlib writes an SVG named by path in text mode, with "\r\n" on Windows.
        _atomic_write(svg, lambda p: _save_binary(p, fig, format="svg", metadata={"Date": None, "Creator": None}))
    return png, svg


def _save_binary(path: Path, fig, **kwargs) -> None:
    with path.open("wb") as handle:
        fig.savefig(handle, **kwargs)


def end_notebook(text: str, *, leave_out: bool = False) -> None:
    """Show ``text`` (markdown) and end the notebook's part of the report there (``htmlreport.END_METADATA``): what
    follows does not apply to the export, as ``text`` says. The notebook runs on in JupyterLab; its later cells should
    compute nothing (guarded by the same condition).

    ``leave_out``: the whole section does not apply to this kind of export (the planning of a randomised trial from a
    single-arm pilot, for a randomised trial's export): the report leaves out every cell of the notebook, ``text``
    too (``htmlreport.LEAVE_OUT``), so a section with nothing else has no heading; JupyterLab still shows ``text``."""
    from IPython.display import Markdown, display

    from analysis_utils import htmlreport

    display(Markdown(text), metadata={htmlreport.END_METADATA: htmlreport.LEAVE_OUT if leave_out else True})


def show_figure(fig, name: str, *, alt: str = "", caption: str = "", figures_dir: str | Path = paths.FIGURES) -> None:
    """Save ``fig`` (``save_figure``), display the saved PNG in the notebook and close the figure.

    The notebook shows exactly the file written under ``figures/``, and the figure is drawn
    twice (PNG, SVG) instead of four times (the inline backend would draw it again, twice,
    to trim its margins). The PNG's alt text is ``alt`` (what the figure shows, for a reader who
    cannot see it), by default ``name`` in words. ``caption`` (``"Figure 14.1.1 Flow of patients"``), shown in bold
    above the figure, numbers a figure that has no heading of its own: a figure that is a section of the report
    takes its number in its heading (``## Figure 14.2.1 Each patient's course``).
    """
    import matplotlib.pyplot as plt
    from IPython.display import Image, Markdown, display

    png, _ = save_figure(fig, name, figures_dir=figures_dir)
    plt.close(fig)
    if caption:
        display(Markdown(f"**{caption}**"))
    display(Image(data=png.read_bytes(), format="png"), metadata={"alt": alt or name.replace("_", " ")})
