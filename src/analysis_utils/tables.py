"""Display formatting: numbers to strings, and result frames to escaped, deterministic HTML tables.

Nothing here computes a statistic: every number arrives already computed (from the ARD) and is
only rounded and laid out.

Rounding rule (the only one in the project)
-------------------------------------------
Round half up (away from zero) on the shortest decimal representation of the float
(``repr``), as SAS ``ROUND`` does: ``42.65`` shows as ``42.7`` at one decimal although its
binary value is 42.6499...; Python's ``round`` and ``'%.1f'`` would give ``42.6``
(ecosystem.md §3). Percentages use one decimal, p-values three (``<0.001`` below that).
"""

import html
import re
import math
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

#: Decimals for percentages in n (%) cells (ICH E3 / SAS convention, ecosystem.md §1.1).
PCT_DECIMALS = 1
#: p-values: three decimals; smaller values show as "<0.001".
PVALUE_DECIMALS = 3
#: Shown for a missing number.
MISSING = "NA"
#: Rows shown in the HTML for a listing; longer ones are cut with a note (full CSV beside the report).
MAX_HTML_ROWS = 50


def _is_missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA


def format_number(x: float | int | None, decimals: int) -> str:
    """Format ``x`` with ``decimals`` decimals, rounding half up on its decimal representation.

    Examples
    --------
    >>> format_number(42.65, 1), format_number(2.675, 2), format_number(-0.05, 1), format_number(3, 0)
    ('42.7', '2.68', '-0.1', '3')
    >>> format_number(float("nan"), 1)
    'NA'
    """
    if _is_missing(x):
        return MISSING
    if isinstance(x, float) and math.isinf(x):
        return "Inf" if x > 0 else "-Inf"
    quantum = Decimal(1).scaleb(-decimals)
    value = Decimal(repr(float(x))).quantize(quantum, rounding=ROUND_HALF_UP)
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


def format_ci(lo: float, hi: float, decimals: int) -> str:
    """Format a confidence interval as ``"(lo, hi)"``.

    >>> format_ci(0.5175, 0.9972, 3)
    '(0.518, 0.997)'
    """
    return f"({format_number(lo, decimals)}, {format_number(hi, decimals)})"


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


def _is_numeric_text(value: str) -> bool:
    head = value.split(" ")[0].lstrip("<-").replace(".", "", 1)
    return head.isdigit() or value in (MISSING, "")


def to_html(frame: pd.DataFrame, *, caption: str = "", note: str = "", max_rows: int | None = MAX_HTML_ROWS) -> str:
    """Render ``frame`` as an escaped HTML table (``<table class="report-table">``).

    Every cell and header is HTML-escaped (free text from the data can never inject markup);
    columns whose cells are all numbers (or number-led cells like ``"8 (88.9)"``) are
    right-aligned. With more than ``max_rows`` rows only the first ``max_rows`` are shown,
    followed by a note saying so. The output depends only on ``frame``: no ids, no styles from state.

    >>> print(to_html(pd.DataFrame({"Term": ["<b>rash</b>"], "n (%)": ["1 (9.1)"]}), caption="AEs"))
    <table class="report-table">
    <caption>AEs</caption>
    <thead><tr><th>Term</th><th class="num">n (%)</th></tr></thead>
    <tbody>
    <tr><td>&lt;b&gt;rash&lt;/b&gt;</td><td class="num">1 (9.1)</td></tr>
    </tbody>
    </table>
    """
    shown = frame if max_rows is None or len(frame) <= max_rows else frame.head(max_rows)
    cells = shown.astype(object).where(shown.notna(), "").astype(str)
    numeric = [bool(len(cells)) and all(_is_numeric_text(v) for v in cells[c]) for c in cells.columns]
    attr = [' class="num"' if is_num else "" for is_num in numeric]
    lines = ['<table class="report-table">']
    if caption:
        lines.append(f"<caption>{html.escape(caption)}</caption>")
    head = "".join(f"<th{a}>{html.escape(str(c))}</th>" for c, a in zip(cells.columns, attr))
    lines += [f"<thead><tr>{head}</tr></thead>", "<tbody>"]
    for row in cells.itertuples(index=False):
        lines.append("<tr>" + "".join(f"<td{a}>{html.escape(v)}</td>" for v, a in zip(row, attr)) + "</tr>")
    lines += ["</tbody>", "</table>"]
    notes = [note] if note else []
    if len(shown) < len(frame):
        notes.append(f"Showing the first {len(shown)} of {len(frame)} rows; the full table is in the CSV beside the report.")
    lines += [f'<p class="table-note">{html.escape(n)}</p>' for n in notes]
    return "\n".join(lines)


def show(frame: pd.DataFrame, *, caption: str = "", note: str = "", max_rows: int | None = MAX_HTML_ROWS) -> HTMLTable:
    """Return ``frame`` as a displayable, escaped, deterministic HTML table (see ``to_html``)."""
    return HTMLTable(to_html(frame, caption=caption, note=note, max_rows=max_rows))


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


def _neutralise(value):
    if not isinstance(value, str) or not value:
        return value
    first = value[0] if value[0] in ("\t", "\r") else value.lstrip(" ")[:1]
    if first in FORMULA_TRIGGERS and not NUMERIC_DISPLAY.fullmatch(value):
        return FORMULA_ESCAPE + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with every text cell that a spreadsheet would run as a formula made inert.

    OWASP "CSV Injection": a cell written to a CSV file whose text starts with ``=``, ``+``, ``-``,
    ``@``, a tab or a carriage return (``FORMULA_TRIGGERS``; after leading spaces too) is prefixed
    with a single quote (``FORMULA_ESCAPE``), so that a spreadsheet shows it as text instead of
    evaluating it (``=HYPERLINK(...)`` typed as an adverse-event term). Not changed: numbers
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
