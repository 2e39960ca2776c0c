"""Display formatting: numbers to strings, and result frames to escaped, deterministic HTML tables.

Nothing here computes a statistic: every number arrives already computed (from the ARD) and is
only rounded and laid out.

Rounding rule (the only one in the project)
-------------------------------------------
Round half up (away from zero) on the shortest decimal representation of the float
(``repr``), as SAS ``ROUND`` does: ``42.65`` shows as ``42.7`` at one decimal although its
binary value is 42.6499...; Python's ``round`` and ``'%.1f'`` would give ``42.6``
(ecosystem.md §3). The representation is first taken to ``ROUNDING_DIGITS`` significant digits:
arithmetic on measured values leaves noise in the last digits (the median of 2.8 and 2.9 is
2.8499999999999996, a change of -0.375 is -0.37499999999999994), and a half so computed is a half,
as SAS's fuzz and R's ``janitor::round_half_up`` (which adds sqrt of the machine epsilon) take it.
Percentages use one decimal, p-values three (``<0.001`` below that).
"""

import html
import re
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal

import pandas as pd

#: Decimals for percentages in n (%) cells (ICH E3 / SAS convention, ecosystem.md §1.1).
PCT_DECIMALS = 1
#: p-values: three decimals; smaller values show as "<0.001".
PVALUE_DECIMALS = 3
#: Shown for a missing number.
MISSING = "NA"
#: Significant digits a number keeps before it is rounded for display (a double holds 15 reliably): the noise of
#: arithmetic beyond them does not move a half below the half (module docstring).
ROUNDING_DIGITS = 12
#: Rows shown in the HTML for a listing; longer ones are cut with a note (full CSV beside the report).
MAX_HTML_ROWS = 50
#: A result an interim data cut does not have: its visit was due for no patient, or due and without data.
NOT_DUE_TEXT, NO_DATA_TEXT = "not yet due at the data cut", "no data at the data cut"


def describe_due(n_due: float, n_fas: float) -> str:
    """Why a visit has no result at the data cut, with the patients it was due for: the words of the efficacy
    section's sentences and of the key findings alike.

    >>> describe_due(0, 2), describe_due(1.0, 11.0)
    ('not yet due at the data cut (the visit was due for 0 of 2 patients)', \
'no data at the data cut (the visit was due for 1 of 11 patients)')
    """
    return (f"{NOT_DUE_TEXT if n_due == 0 else NO_DATA_TEXT} (the visit was due for {format_number(n_due, 0)} of "
            f"{format_number(n_fas, 0)} patients)")


def _is_missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA


def format_number(x: float | int | None, decimals: int) -> str:
    """Format ``x`` with ``decimals`` decimals, rounding half up on its decimal representation taken to
    ``ROUNDING_DIGITS`` significant digits (more when ``decimals`` asks for them).

    Examples
    --------
    >>> format_number(42.65, 1), format_number(2.675, 2), format_number(-0.05, 1), format_number(3, 0)
    ('42.7', '2.68', '-0.1', '3')
    >>> (2.8 + 2.9) / 2, format_number((2.8 + 2.9) / 2, 1), format_number(-0.37499999999999994, 2)
    (2.8499999999999996, '2.9', '-0.38')
    >>> format_number(0.3749999, 2), format_number(201578736.465, 2), format_number(1234567890123.25, 1)
    ('0.37', '201578736.47', '1234567890123.3')
    >>> format_number(float("nan"), 1)
    'NA'
    """
    if _is_missing(x):
        return MISSING
    if isinstance(x, float) and math.isinf(x):
        return "Inf" if x > 0 else "-Inf"
    quantum = Decimal(1).scaleb(-decimals)
    exact = Decimal(repr(float(x)))
    value = Context(prec=max(ROUNDING_DIGITS, exact.adjusted() + 2 + decimals)).plus(exact)  # a digit past the shown
    value = value.quantize(quantum, rounding=ROUND_HALF_UP)
    if value == 0:
        value = abs(value)  # never show "-0.0"
    return f"{value:.{decimals}f}"


def format_n_pct(n: float, big_n: float, *, decimals: int = PCT_DECIMALS) -> str:
    """Format a count with its percentage of ``big_n``: ``"8 (88.9)"``; a zero count is a bare ``"0"``.

    >>> format_n_pct(8, 9), format_n_pct(0, 11), format_n_pct(11, 11)
    ('8 (88.9)', '0', '11 (100.0)')
    """
    if _is_missing(n):
        return MISSING
    if n == 0:
        return "0"
    if _is_missing(big_n) or big_n == 0:
        return f"{int(n)}"
    return f"{int(n)} ({format_number(100.0 * n / big_n, decimals)})"


def format_n_pct_events(n: float, big_n: float, events: float, *, decimals: int = PCT_DECIMALS) -> str:
    """Format subjects, percentage and events as in AE tables: ``"2 (18.2) [3]"``; ``"0"`` when none.

    >>> format_n_pct_events(2, 11, 3), format_n_pct_events(0, 11, 0)
    ('2 (18.2) [3]', '0')
    """
    if not _is_missing(n) and n == 0:
        return "0"
    return f"{format_n_pct(n, big_n, decimals=decimals)} [{int(events)}]"


def format_mean_sd(mean: float, sd: float, decimals: int) -> str:
    """Format ``mean (SD)`` with the SD given one more decimal than the mean.

    >>> format_mean_sd(10.0, 2.8284, 1)
    '10.0 (2.83)'
    """
    return f"{format_number(mean, decimals)} ({format_number(sd, decimals + 1)})"


def format_median_q1q3(median: float, q1: float, q3: float, decimals: int) -> str:
    """Format ``median [Q1, Q3]``.

    >>> format_median_q1q3(9, 7.5, 12, 1)
    '9.0 [7.5, 12.0]'
    """
    return f"{format_number(median, decimals)} [{format_number(q1, decimals)}, {format_number(q3, decimals)}]"


def format_min_max(lo: float, hi: float, decimals: int) -> str:
    """Format ``min, max`` as ``"min - max"``.

    >>> format_min_max(5, 17, 0)
    '5 - 17'
    """
    return f"{format_number(lo, decimals)} - {format_number(hi, decimals)}"


def extreme_decimals(values, decimals: int) -> int:
    """Decimals of a parameter's min and max: the decimals its ``values`` (its mins and maxes, in every row of the
    table) carry, at most ``decimals`` (its mean's); missing and infinite values carry none, and a value is read to
    ``ROUNDING_DIGITS`` significant digits, as the rounding rule reads it. A min and max are values of the data, shown
    at the data's precision (PhUSE, "Analyses and Displays Associated with Demographics, Disposition, and
    Medications", 2014: min and max to the decimals collected, the mean one more): ages of 36 and 63 years show as
    "36 - 63", not "36.0 - 63.0". Taken over every row of a parameter, its rows keep one precision; a CRP of 0.96
    and 12.04 at the table's one decimal shows as "1.0 - 12.0".

    >>> extreme_decimals([36.0, 63.0, 41.0], 1), extreme_decimals([36.0, 62.5], 1), extreme_decimals([5.333], 1)
    (0, 1, 1)
    >>> extreme_decimals([0.96, 12.04], 1), extreme_decimals([0.9, 1.25, float("nan")], 2), extreme_decimals([], 1)
    (1, 2, 0)
    >>> import numpy as np
    >>> extreme_decimals([np.float32("nan"), float("inf"), 4.0, 0.1 + 0.2], 2)  # 0.30000000000000004: 0.3
    1
    """
    decimals, context = int(decimals), Context(prec=ROUNDING_DIGITS)
    exact = [context.plus(Decimal(repr(float(v)))) for v in values if not _is_missing(v) and math.isfinite(v)]
    return next((d for d in range(decimals) if all(x == x.quantize(Decimal(1).scaleb(-d)) for x in exact)), decimals)


def extreme_decimals_by(keys, lows, highs, decimals) -> list[int]:
    """``extreme_decimals`` of each row (aligned ``keys``, ``lows``, ``highs`` and ``decimals``: a table's rows)
    over every row of its key (a parameter), at most the most ``decimals`` of those rows: one precision a parameter.

    >>> extreme_decimals_by(["AGE", "AGE", "HGB"], [36.0, 40.0, 110.5], [63.0, 70.0, 139.0], [1, 1, 1])
    [0, 0, 1]
    """
    rows = pd.DataFrame({"key": list(keys), "lo": list(lows), "hi": list(highs), "d": list(decimals)})
    per = {key: extreme_decimals([*g["lo"], *g["hi"]], g["d"].max()) for key, g in rows.groupby("key", sort=False)}
    return [per[key] for key in rows["key"]]


def format_ci(lo: float, hi: float, decimals: int) -> str:
    """Format a confidence interval as ``"(lo, hi)"``.

    >>> format_ci(0.5175, 0.9972, 3)
    '(0.518, 0.997)'
    """
    return f"({format_number(lo, decimals)}, {format_number(hi, decimals)})"


def join_words(items) -> str:
    """``"A, B and C"``: items joined for a sentence or a title.

    >>> join_words(["Baseline", "Week 12", "Week 24"]), join_words(["Week 12"])
    ('Baseline, Week 12 and Week 24', 'Week 12')
    """
    items = [str(i) for i in items]
    return " and ".join([", ".join(items[:-1]), items[-1]]) if len(items) > 1 else "".join(items)


def format_pvalue(p: float) -> str:
    """Format a p-value with three decimals, ``"<0.001"`` below 0.001.

    >>> format_pvalue(0.0009765625), format_pvalue(0.0495), format_pvalue(1.0)
    ('<0.001', '0.050', '1.000')
    """
    if _is_missing(p):
        return MISSING
    if p < 10 ** -PVALUE_DECIMALS:
        return f"<{10 ** -PVALUE_DECIMALS:.{PVALUE_DECIMALS}f}"
    return format_number(p, PVALUE_DECIMALS)


class HTMLTable:
    """An HTML table for notebook display; ``_repr_html_`` returns the markup."""

    def __init__(self, markup: str):
        self.markup = markup

    def _repr_html_(self) -> str:
        return self.markup

    def __repr__(self) -> str:  # plain-text fallback, e.g. in a terminal
        return f"<HTMLTable: {len(self.markup)} characters of HTML>"


#: A cell that starts with a date (``2021-07-02 (5)``, a listing's date and study day): its column is kept on one line
#: (``date``), as printed listings broke it after a hyphen ("2021-07-" / "02 (5)").
_DATE_CELL = re.compile(r"\d{4}-\d\d-\d\d\b")


def _is_numeric_text(value: str) -> bool:
    head = value.split(" ")[0].lstrip("<-").replace(".", "", 1)
    return head.isdigit() or value in (MISSING, "")


@dataclass(frozen=True)
class TableInfo:
    """What a reader needs around a table: its number and title, population and N, source and method.

    Parameters
    ----------
    number : str
        ``"Table 14.2.1"`` or ``"Listing 16.2.1"``; numbers follow the report's reading order.
    title : str
        What the table shows, without the population (``"ESSDAI by visit"``).
    population : str
        The analysis set in words (``"Full analysis set"``); empty for a table of no patients (the
        input files, the data dictionary, the software's versions), whose caption and footnotes then
        name none.
    n : int or None
        Patients in ``population``, counted from the data by the caller (never typed); ``None`` only
        where no patient count applies (planning inputs from the literature, no population).
    source : tuple of str
        Analysis datasets the numbers come from (``("ADEFF", "ADSL")``).
    method : str
        The method or test, in words; may be empty for a listing.
    notes : tuple of str
        Further footnotes (abbreviations, conventions), each a sentence.

    Examples
    --------
    >>> info = TableInfo("Table 14.2.1", "ESSDAI by visit", "Full analysis set", 11, ("ADEFF", "ADSL"),
    ...                  "Observed cases.", ("SD: standard deviation.",))
    >>> info.caption
    'Table 14.2.1 ESSDAI by visit \u2014 Full analysis set (N = 11)'
    >>> info.footnotes
    ['Population: Full analysis set (N = 11).', 'Source: ADEFF, ADSL.', 'Method: Observed cases.', \
'SD: standard deviation.']
    >>> files = TableInfo("Table A.1", "Input files", "", None, ("the export's files",))
    >>> files.caption, files.footnotes
    ('Table A.1 Input files', ["Source: the export's files."])
    """

    number: str
    title: str
    population: str
    n: int | None
    source: tuple[str, ...]
    method: str = ""
    notes: tuple[str, ...] = ()

    def __post_init__(self):
        if isinstance(self.source, str) or isinstance(self.notes, str):
            raise TypeError(f"{self.number}: source and notes are tuples of strings, not a string")
        if not self.source:
            raise ValueError(f"{self.number}: a table names its source dataset(s)")
        if self.n is not None and (isinstance(self.n, bool) or int(self.n) != self.n or self.n < 0):
            raise ValueError(f"{self.number}: N must be a count of patients, not {self.n!r}")
        if self.n is not None and not self.population:
            raise ValueError(f"{self.number}: N = {self.n} of no population: name the population it counts")

    @property
    def _population_n(self) -> str:
        return self.population if self.n is None else f"{self.population} (N = {int(self.n)})"

    @property
    def caption(self) -> str:
        """``"<number> <title> \u2014 <population> (N = n)"``; ``"<number> <title>"`` without a population."""
        return f"{self.number} {self.title}" + (f" \u2014 {self._population_n}" if self.population else "")

    @property
    def footnotes(self) -> list[str]:
        """Population (when given), source, method (when given) and the further notes, one sentence each."""
        population = [f"Population: {self._population_n}."] if self.population else []
        method = [f"Method: {_sentence(self.method)}"] if self.method else []
        return [*population, f"Source: {', '.join(self.source)}.", *method, *(_sentence(n) for n in self.notes if n)]

    def companion_text(self) -> str:
        """The caption and the footnotes, one per line: the text file written beside the table's CSV."""
        return "\n".join([self.caption, *self.footnotes]) + "\n"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "?", "!")) else text + "."


def flatten_columns(frame: pd.DataFrame, *, sep: str = ": ") -> pd.DataFrame:
    """Return ``frame`` with two-level (spanner, column) headers joined into one (for CSV files).

    An empty spanner or column part is left out. A frame with plain columns is returned unchanged.

    >>> t = pd.DataFrame([["n", "11"]], columns=pd.MultiIndex.from_tuples([("", "Statistic"), ("Bari (N = 11)", "n (%)")]))
    >>> flatten_columns(t).columns.tolist()
    ['Statistic', 'Bari (N = 11): n (%)']
    """
    if not isinstance(frame.columns, pd.MultiIndex):
        return frame
    if frame.columns.nlevels != 2:
        raise ValueError(f"headers of {frame.columns.nlevels} levels: only a spanner over columns (2 levels) is supported")
    return frame.set_axis([sep.join(p for p in (str(top), str(leaf)) if p) for top, leaf in frame.columns], axis=1)


def _header_rows(columns: pd.Index, attr: list[str]) -> list[str]:
    """``<tr>`` rows of the header: one for plain columns; two for (spanner, column) pairs, where
    adjacent columns under the same spanner share one spanning cell and a column without a spanner
    (or a spanner without columns) fills both rows."""
    if not isinstance(columns, pd.MultiIndex):
        return ["<tr>" + "".join(f"<th{a}>{html.escape(str(c))}</th>" for c, a in zip(columns, attr)) + "</tr>"]
    if columns.nlevels != 2:
        raise ValueError(f"headers of {columns.nlevels} levels: only a spanner over columns (2 levels) is supported")
    pairs = [(str(t), str(leaf)) for t, leaf in columns]
    top, below, i = [], [], 0
    while i < len(pairs):
        spanner, leaf = pairs[i]
        if not spanner or not leaf:
            top.append(f'<th rowspan="2"{attr[i]}>{html.escape(spanner or leaf)}</th>')
            i += 1
            continue
        j = i
        while j < len(pairs) and pairs[j][0] == spanner and pairs[j][1]:
            below.append(f"<th{attr[j]}>{html.escape(pairs[j][1])}</th>")
            j += 1
        group = " group" if i > 0 and pairs[i - 1][0] != spanner else ""
        top.append(f'<th colspan="{j - i}" class="spanner{group}">{html.escape(spanner)}</th>')
        i = j
    return ["<tr>" + "".join(top) + "</tr>", "<tr>" + "".join(below) + "</tr>"]


def to_html(frame: pd.DataFrame, *, caption: str = "", note: str = "", max_rows: int | None = MAX_HTML_ROWS,
            info: TableInfo | None = None) -> str:
    """Render ``frame`` as an escaped HTML table (``<table class="report-table">``).

    Every cell and header is HTML-escaped (free text from the data can never inject markup);
    columns whose cells are all numbers (or number-led cells like ``"8 (88.9)"``) are
    right-aligned, and those whose cells all start with a date (``_DATE_CELL``) kept on one line. Two-level columns
    (spanner, column) give a two-row header, the spanner over its columns (``_header_rows``). With ``info``
    (``TableInfo``) the caption is its number, title, population and N, and its footnotes (population, source,
    method, notes) follow the table, before ``note``. With more than ``max_rows`` rows only the first ``max_rows``
    are shown, followed by a note saying so. The output depends only on the arguments: no ids, no styles from state.

    >>> print(to_html(pd.DataFrame({"Term": ["<b>rash</b>"], "n (%)": ["1 (9.1)"]}), caption="AEs"))
    <table class="report-table">
    <caption>AEs</caption>
    <thead><tr><th>Term</th><th class="num">n (%)</th></tr></thead>
    <tbody>
    <tr><td>&lt;b&gt;rash&lt;/b&gt;</td><td class="num">1 (9.1)</td></tr>
    </tbody>
    </table>
    """
    if info is not None and caption:
        raise ValueError("give the caption either as text or by a TableInfo, not both")
    shown = frame if max_rows is None or len(frame) <= max_rows else frame.head(max_rows)
    cells = shown.astype(object).where(shown.notna(), "").astype(str)
    numeric = [bool(len(cells)) and all(_is_numeric_text(v) for v in cells.iloc[:, i]) for i in range(cells.shape[1])]
    filled = [[v for v in cells.iloc[:, i] if v not in ("", MISSING)] for i in range(cells.shape[1])]
    dates = [bool(values) and all(_DATE_CELL.match(v) for v in values) for values in filled]
    # the first column under each spanner starts a group (a rule left of it: a shift table's "Grade 4" count of one
    # arm and the "N" of the next read as one number, "0 69")
    tops = [str(c[0]) for c in cells.columns] if isinstance(cells.columns, pd.MultiIndex) else [""] * cells.shape[1]
    starts = [i > 0 and bool(t) and t != tops[i - 1] for i, t in enumerate(tops)]
    classes = [[n for n, on in (("num", is_num), ("date", date), ("group", start)) if on]
               for is_num, date, start in zip(numeric, dates, starts)]
    attr = [f' class="{" ".join(c)}"' if c else "" for c in classes]
    lines = ['<table class="report-table">']
    caption = info.caption if info is not None else caption
    if caption:
        lines.append(f"<caption>{html.escape(caption)}</caption>")
    lines += [f"<thead>{''.join(_header_rows(cells.columns, attr))}</thead>", "<tbody>"]
    for row in cells.itertuples(index=False):
        lines.append("<tr>" + "".join(f"<td{a}>{html.escape(v)}</td>" for v, a in zip(row, attr)) + "</tr>")
    lines += ["</tbody>", "</table>"]
    notes = [*(info.footnotes if info is not None else []), *([note] if note else [])]
    if len(shown) < len(frame):
        notes.append(f"Showing the first {len(shown)} of {len(frame)} rows; the full table is in the CSV beside the report.")
    lines += [f'<p class="table-note">{html.escape(n)}</p>' for n in notes]
    return "\n".join(lines)


def show(frame: pd.DataFrame, info: TableInfo | None = None, *, caption: str = "", note: str = "",
         max_rows: int | None = ...) -> HTMLTable:
    """Return ``frame`` as a displayable, escaped, deterministic HTML table (see ``to_html``).

    Every table of the report passes a ``TableInfo`` (number, title, population and N, source,
    method); ``note`` adds a remark that holds for this display only (a listing with no rows).
    ``max_rows`` by default: ``MAX_HTML_ROWS`` for a listing (a number ``"Listing ..."``, or no ``info``), every row
    for a table, whose rows are read together: a randomised trial's laboratory markers by visit, cut at 50 rows, lost
    the C3 and C4 their title names.

    >>> rows = pd.DataFrame({"x": range(60)})
    >>> [show(rows, TableInfo(n, "T", "", None, ("X",))).markup.count("<tr>") for n in ("Table 1", "Listing 1")]
    [61, 51]
    """
    if max_rows is ...:
        max_rows = MAX_HTML_ROWS if info is None or info.number.startswith("Listing") else None
    return HTMLTable(to_html(frame, caption=caption, note=note, max_rows=max_rows, info=info))


# --------------------------------------------------------------------------------------------
# CSV injection (OWASP): text from the data must not act as a spreadsheet formula
# --------------------------------------------------------------------------------------------

#: First characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection":
#: equals, plus, minus, at sign, tab, carriage return).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: Prefix that makes a spreadsheet show the cell as text (OWASP's recommendation: a single quote).
FORMULA_ESCAPE = "'"
#: A display number that stays as it is although it starts with a sign: only digits, spaces, the
#: decimal point, commas, parentheses, brackets, percent, plus, minus and en dash, with at least
#: one digit ("-1.5", "-1.5 (2.10)", "-3 (-4, -2)", "-0.5 [-1.0, 0.0]", "+12.5 %", "-2 – 3").
#: Without letters, ``=``, ``@``, ``|``, ``!`` or ``:``, no function, cell reference or external
#: call can be written, so such a cell can do no harm; a quote before it would only spoil it.
NUMERIC_DISPLAY = re.compile(r"[0-9 .,()\[\]%+\-\u2013]*[0-9][0-9 .,()\[\]%+\-\u2013]*")


def restore_formula_text(value: str) -> str:
    """The text ``_neutralise`` quoted for a CSV file, as the data wrote it: for a workbook, whose string cells
    XlsxWriter never turns into formulas (``strings_to_formulas=False``), where the quote would be part of the text
    (``'=HYPERLINK(...)`` as an adverse-event term). Exact: ``_neutralise`` also quotes a text that starts with the
    quote itself.

    >>> [restore_formula_text(_neutralise(v)) for v in ("=1+2", "+AE", "rash", "'quoted", "'=1", "-1.5 (2.10)")]
    ['=1+2', '+AE', 'rash', "'quoted", "'=1", '-1.5 (2.10)']
    """
    return value[len(FORMULA_ESCAPE):] if value.startswith(FORMULA_ESCAPE) else value


def _neutralise(value):
    if not isinstance(value, str) or not value:
        return value
    first = value[0] if value[0] in ("\t", "\r") else value.lstrip(" ")[:1]
    if first in FORMULA_TRIGGERS and not NUMERIC_DISPLAY.fullmatch(value) or value.startswith(FORMULA_ESCAPE):
        return FORMULA_ESCAPE + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with every text cell that a spreadsheet would run as a formula made inert.

    OWASP "CSV Injection": a cell written to a CSV file whose text starts with ``=``, ``+``, ``-``,
    ``@``, a tab or a carriage return (``FORMULA_TRIGGERS``; after leading spaces too) is prefixed
    with a single quote (``FORMULA_ESCAPE``), so that a spreadsheet shows it as text instead of
    evaluating it (``=HYPERLINK(...)`` typed as an adverse-event term); so is a text that starts with the quote, so
    that ``restore_formula_text`` gives every text back as it was. Not changed: numbers
    (numeric columns, and numbers in text columns), and display numbers written as text that start
    with a sign (``NUMERIC_DISPLAY``: ``"-1.5 (2.10)"``, ``"-3 (-4, -2)"``), which hold no letter
    and so can call no function. Column names are treated like cells. Pure: ``frame`` is not modified.

    Examples
    --------
    >>> t = pd.DataFrame({"Term": ["=1+2", "@SUM(A1)", "-cmd|' /C calc'!A0", "rash", "-1.5 (2.10)", "+AE"],
    ...                   "n": [1, -2, 3, 4, 5, 6]})
    >>> neutralise_formulas(t).values.tolist()
    [["'=1+2", 1], ["'@SUM(A1)", -2], ["'-cmd|' /C calc'!A0", 3], ['rash', 4], ['-1.5 (2.10)', 5], ["'+AE", 6]]
    """
    out = frame.copy()
    for i in range(out.shape[1]):
        col = out.iloc[:, i]
        kind = col.dtype
        if pd.api.types.is_numeric_dtype(kind) or kind.kind in "mM":
            continue  # numbers, booleans, dates and durations are written as numbers
        mapped = col.map(_neutralise)
        out.isetitem(i, mapped if isinstance(kind, pd.CategoricalDtype) else mapped.astype(kind))
    out.columns = [_neutralise(c) for c in out.columns]
    return out


#: Numbers written as words in sentences (a count of visits, of arms).
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                "twelve")


def count_words(n: int) -> str:
    """``n`` in words up to twelve, in digits beyond.

    >>> count_words(3), count_words(7), count_words(13)
    ('three', 'seven', '13')
    """
    return NUMBER_WORDS[n] if 0 <= n < len(NUMBER_WORDS) else str(n)
