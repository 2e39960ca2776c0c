"""Reading and writing raw CRF exports: a folder of ``<form>.csv`` files or one ``.xlsx`` workbook.

Everything is read as text first (empty cell = ``""``), so that validation can report a wrong type
with its row number. Each frame read carries its source in ``frame.attrs["file"]``. Row numbers in
messages are the CSV line as a text editor numbers it (header = line 1; blank lines and text in
quotes spanning lines counted), or the sheet row: ``row_lines`` gives them.

The structure of each file is checked before its values are read (``read_forms``): an empty
file, text that is not UTF-8, a binary file, a line with the wrong number of fields (an unquoted
comma in free text), an unclosed quote, a column name twice. pandas alone would pass most of
these silently (a short line filled with blanks, a second ``AGE`` renamed ``AGE.1``).

Writing is byte-deterministic: columns in the given order, dates as ``YYYY-MM-DD``, floats in
their shortest exact ``repr``, integers without a decimal point, ``"\\n"`` line ends.
"""

import codecs
import csv
import datetime
import functools
import hashlib
import html
import io
import json
import os
import re
import zipfile
from dataclasses import dataclass, replace
from xml.etree import ElementTree
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

from analysis_utils import dictionary, paths
from analysis_utils.io import _atomic_write

#: Form holding the study's identity and the export-level flags (``SYNTHETIC``).
STUDY_FORM = "study"
#: Permissions of written export files (readable by everyone, like the rest of the repository).
FILE_MODE = 0o644
#: First data row number (the header is row 1).
FIRST_DATA_ROW = 2


def _text_column(col: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(col):
        return col.dt.strftime("%Y-%m-%d").fillna("")
    if pd.api.types.is_float_dtype(col):
        # float -> str is the shortest round-trip repr ('1.5', '24000.0').
        return col.astype(str).where(col.notna(), "")
    if pd.api.types.is_integer_dtype(col) or pd.api.types.is_bool_dtype(col):
        return col.astype("string").fillna("").astype(str)
    if pd.api.types.is_string_dtype(col) and col.dtype != object:
        return col.fillna("")
    return col.astype(str).where(col.notna(), "")


def to_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with every column as text, as it is written to CSV (missing = ``""``).

    Examples
    --------
    >>> df = pd.DataFrame({"a": [1.5, None], "d": pd.to_datetime(["2021-06-01", None]),
    ...                    "n": pd.array([3, None], dtype="Int64"), "s": ["x", None]})
    >>> to_text(df).values.tolist()
    [['1.5', '2021-06-01', '3', 'x'], ['', '', '', '']]
    """
    out = pd.DataFrame({c: _text_column(frame[c]) for c in frame.columns}, index=frame.index)
    out.attrs = dict(frame.attrs)
    return out


# ---------------------------------------------------------------------------------------------
# Reading: structure first (encoding, CSV syntax, header), then the values as text
# ---------------------------------------------------------------------------------------------

#: Text encoding of a CSV export. A UTF-8 byte-order mark (as Excel's "CSV UTF-8" writes) is accepted.
ENCODING = "UTF-8"
#: Rules of reading problems that are data queries (listed, the run goes on); every other one stops
#: the run. ``validation.RULES`` describes every rule.
READ_QUERIES = ("identifier_restored",)
#: Separators other than the comma that spreadsheets write into text exports, with what a message says of them.
OTHER_SEPARATORS = MappingProxyType({
    ";": "semicolons (Excel writes them in a CSV where the decimal mark is a comma, as in much of Europe)",
    "\t": "tabs (as Excel's 'Text (Tab delimited)' writes)",
})
#: Line numbers of the other bad lines quoted in a ``wrong_field_count`` message.
MAX_LINES_QUOTED = 5
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
#: File names that are never part of an export: hidden files (``.DS_Store``, which macOS's Finder writes into a folder it
#: shows) and Office's owner files (``~$labs.csv``: Excel writes one beside a file it has open, with the user's name in
#: it, hidden on Windows). Neither is read, counted in the input manifest, or (Makefile) a reason to build again.
NOT_INPUT_PREFIXES = (".", "~$")
_ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class ReadProblem:
    """A problem found while reading one file or sheet of the export.

    ``message`` is complete: it names the file (``labs.csv``, ``export.xlsx[labs]``), the line (CSV
    line as a text editor numbers it, header = line 1) or sheet row where there is one, and the rule.
    """

    file: str
    line: int | None
    rule: str
    message: str
    form: str = ""
    variable: str = ""
    value: str = ""


class ExportReadError(ValueError):
    """The export cannot be read as forms; ``.problems`` lists every ``ReadProblem`` that stops the run."""

    def __init__(self, problems: list):
        self.problems = list(problems)
        super().__init__(f"{len(self.problems)} problem(s) reading the raw export:\n"
                         + "\n".join(f"  {p.message}" for p in self.problems))


def _problem(file: str, line: int | None, rule: str, text: str, *, unit: str = "line", **kw) -> ReadProblem:
    where = f"{file}, {unit} {line}" if line is not None else file
    return ReadProblem(file=file, line=line, rule=rule, message=f"{where}: {rule}: {text}", **kw)


def _line_shifts(lines: np.ndarray, first: int) -> tuple:
    """Encode each data row's line compactly: ``((row, extra lines from there on), ...)``, empty when row i is line first + i."""
    shift = np.asarray(lines, dtype=np.int64) - (np.arange(len(lines)) + first)
    if not len(shift) or not shift.any():
        return ()
    change = np.flatnonzero(np.diff(shift, prepend=0))
    return tuple((int(i), int(shift[i])) for i in change)


def row_lines(frame: pd.DataFrame, positions) -> np.ndarray:
    """Return the file line (CSV, as a text editor numbers it) or sheet row of data rows at ``positions``.

    Row ``i`` of a frame read from a file is line ``i + FIRST_DATA_ROW`` unless blank lines, lines
    before the header or text spanning several lines came before it: ``read_export`` records
    those shifts in ``frame.attrs["line_shifts"]``.

    Examples
    --------
    >>> frame = pd.DataFrame({"a": ["1", "2", "3"]})
    >>> row_lines(frame, [0, 2]).tolist()
    [2, 4]
    >>> frame.attrs["line_shifts"] = ((1, 1), (2, 3))  # a blank line before row 1, two more before row 2
    >>> row_lines(frame, [0, 1, 2]).tolist()
    [2, 4, 7]
    """
    positions = np.asarray(positions, dtype=np.int64)
    lines = positions + FIRST_DATA_ROW
    shifts = frame.attrs.get("line_shifts", ())
    if shifts:
        starts = np.array([r for r, _ in shifts], dtype=np.int64)
        extra = np.array([0] + [e for _, e in shifts], dtype=np.int64)
        lines = lines + extra[np.searchsorted(starts, positions, side="right")]
    return lines


def drop_rows(frame: pd.DataFrame, mask) -> pd.DataFrame:
    """``frame`` without the rows where ``mask`` holds, the others keeping their lines (``row_lines``).

    >>> frame = drop_rows(pd.DataFrame({"a": ["1", "2", "3"]}), [False, True, False])
    >>> frame["a"].tolist(), row_lines(frame, [0, 1]).tolist()
    (['1', '3'], [2, 4])
    """
    keep = ~np.asarray(mask, dtype=bool)
    lines = row_lines(frame, np.flatnonzero(keep))
    out = frame[keep].reset_index(drop=True)
    out.attrs = {k: v for k, v in frame.attrs.items() if k != "line_shifts"}
    if shifts := _line_shifts(lines, FIRST_DATA_ROW):
        out.attrs["line_shifts"] = shifts
    return out


def header_line(frame: pd.DataFrame) -> int:
    """Return the line (or sheet row) of ``frame``'s header: 1 unless blank lines came before it."""
    return int(frame.attrs.get("header_line", 1))


def _decode(raw: bytes, file: str) -> tuple:
    """Return (text, body bytes without BOM, problem or None)."""
    if not raw:
        return None, raw, _problem(file, None, "empty_file", "the file is empty (0 bytes): a form needs at least "
                                   "its header line")
    if raw.startswith(_UTF16_BOMS):
        return None, raw, _problem(file, 1, "not_utf8", f"the file is UTF-16 text; expected {ENCODING} "
                                   "(a byte-order mark is accepted): save it as 'CSV UTF-8'")
    if raw.startswith(_ZIP_MAGIC):
        return None, raw, _problem(file, 1, "binary_file", "the file is an Excel workbook or a zip archive, not "
                                   "CSV text: save each sheet as 'CSV UTF-8', or give the .xlsx workbook itself")
    body = raw[len(codecs.BOM_UTF8):] if raw.startswith(codecs.BOM_UTF8) else raw
    nul = body.find(b"\x00")
    if nul >= 0:
        return None, body, _problem(file, body.count(b"\n", 0, nul) + 1, "binary_file",
                                    f"the file is not text (a NUL byte): expected CSV text in {ENCODING}")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = body.count(b"\n", 0, exc.start) + 1
        column = len(body[body.rfind(b"\n", 0, exc.start) + 1:exc.start].decode("utf-8")) + 1  # valid before it
        return None, body, _problem(
            file, line, "not_utf8", f"byte 0x{body[exc.start]:02X} (character {column} of the line) is not "
            f"{ENCODING} text; the export must be encoded in {ENCODING} (a byte-order mark is accepted). A system's "
            "own encoding gives this: Latin-1 or Windows-1252 (an accented letter), GBK or GB18030 (Chinese text, as "
            "Excel's 'CSV (Comma delimited)' writes on a Chinese Windows): save the file as 'CSV UTF-8'")
    if not text.strip():
        return None, body, _problem(file, None, "empty_file", "the file has no header line (only blank lines)")
    return text, body, None


_QUOTE, _COMMA, _LF, _CR = (ord(c) for c in '",\n\r')


def _outside_quotes(data: np.ndarray, positions: np.ndarray, quotes: np.ndarray) -> np.ndarray:
    """Which ``positions`` lie outside quoted text (an even number of quotes before them)."""
    return np.searchsorted(quotes, positions) % 2 == 0


def _regular_quotes(data: np.ndarray, quotes: np.ndarray) -> bool:
    """True when every quote opens a field, closes one or doubles another (RFC 4180): then counting them is exact."""
    if len(quotes) % 2:
        return False
    opens, closes = quotes[0::2], quotes[1::2]
    before = data[np.maximum(opens - 1, 0)]
    after = data[np.minimum(closes + 1, len(data) - 1)]
    doubled = np.zeros(len(opens), dtype=bool)  # a quote doubled inside quoted text: close then open at once
    doubled[1:] = opens[1:] == closes[:-1] + 1
    reopened = np.append(doubled[1:], False)
    open_ok = (opens == 0) | (before == _COMMA) | (before == _LF) | (before == _CR) | doubled
    close_ok = (closes == len(data) - 1) | (after == _COMMA) | (after == _LF) | (after == _CR) | reopened
    return bool(open_ok.all() and close_ok.all())


def _scan(body: bytes) -> tuple | None:
    """Lines and field counts of a CSV, by counting bytes (numpy): (header fields, header line, data lines, field counts).

    Exact for a file without quotes, or whose quotes all follow RFC 4180 (a quoted field's quotes at
    its ends, doubled inside): commas and line breaks in quoted text do not count. None otherwise
    (Python's csv module reads it then). A line of the result is the line a text editor shows
    where the record starts; blank lines are not records.
    """
    data = np.frombuffer(body, dtype=np.uint8)
    all_newlines = np.flatnonzero(data == _LF)
    commas = np.flatnonzero(data == _COMMA)
    newlines = all_newlines
    quotes = np.flatnonzero(data == _QUOTE)
    if len(quotes):
        if not _regular_quotes(data, quotes):
            return None
        newlines = all_newlines[_outside_quotes(data, all_newlines, quotes)]
        commas = commas[_outside_quotes(data, commas, quotes)]
    ends = newlines if body.endswith(b"\n") else np.append(newlines, len(data))
    starts = np.concatenate(([0], newlines + 1))[:len(ends)]
    fields = np.diff(np.searchsorted(commas, np.concatenate(([-1], ends)))) + 1
    length = ends - starts
    cr = np.zeros(len(ends), dtype=bool)
    cr[length > 0] = data[ends[length > 0] - 1] == _CR
    non_blank = np.flatnonzero((length - cr) != 0)
    lines = np.searchsorted(all_newlines, starts[non_blank]) + 1
    head = non_blank[0]
    header_text = body[starts[head]:ends[head] - int(cr[head])].decode("utf-8")
    header = next(csv.reader([header_text])) if len(quotes) else header_text.split(",")
    return header, int(lines[0]), lines[1:], fields[non_blank[1:]]


def _scan_quoted(text: str, file: str) -> tuple:
    """As ``_scan`` for any CSV (Python's csv module), plus the rows; or a problem (an unclosed quote)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header, head, lines, rows = None, 0, [], []
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                return None, _problem(file, start, "unclosed_quote", "a text in double quotes starts on this line "
                                      "and its closing quote is missing (the rest of the file would be one text)")
            if reader.line_num > start:  # a quoted text ran on from the row's line: its closing quote is missing
                return None, _problem(file, start, "unclosed_quote", "a text in double quotes starts on this line "
                                      f"and runs on to line {reader.line_num}, where a quote is out of place ({exc}): "
                                      "its closing quote is missing?")
            return None, _problem(file, reader.line_num, "unclosed_quote", f"a quote out of place ({exc}): a text "
                                  'holding a quote is written in double quotes, its quotes doubled ("")')
        if not row:
            continue  # a blank line
        if header is None:
            header, head = row, start
        else:
            lines.append(start)
            rows.append(row)
    return (header, head, np.array(lines, dtype=np.int64), np.array([len(r) for r in rows], dtype=np.int64),
            rows), None


#: Column names one of which every form's header holds: a row naming one of them, below the row read as the header,
#: is the header, and what is above it a title (``_title_hint``).
KEY_COLUMNS = ("SUBJID", "STUDYID")


def _title_hint(header: list, row: list, at: str) -> str:
    """What to say of a header that is a title above the columns (an export tool's first line, "PGA form, exported
    2022-01-31"), when the first data ``row`` (its place: ``at``) names a key column; else ""."""
    names = [str(v).strip() for v in row if v is not None]
    if any(str(h).strip() in KEY_COLUMNS for h in header) or not set(names) & set(KEY_COLUMNS):
        return ""
    unit = at.split()[0]
    return (f"{at} names the columns ({', '.join(n for n in names if n)}): a title above the header? The header is the "
            f"first {unit} that is not blank: remove the {unit}(s) above it")


def _check_fields(file: str, header: list, head: int, lines: np.ndarray, fields: np.ndarray,
                  text: str = "") -> ReadProblem | None:
    bad = np.flatnonzero(fields != len(header))
    if not len(bad):
        return None
    first = int(bad[0])
    n, line = int(fields[first]), int(lines[first])
    row = next(csv.reader([text.splitlines()[line - 1]]), []) if first == 0 and text else []
    cause = (_title_hint(header, row, f"line {line}")
             or ("a comma inside a text that is not in double quotes? Put the text in double quotes or remove the comma"
                 if n > len(header) else "a value or a separating comma is missing"))
    others = [str(int(lines[i])) for i in bad[1:1 + MAX_LINES_QUOTED]]
    more = (f"; also line(s) {', '.join(others)}" + (" and more" if len(bad) > 1 + MAX_LINES_QUOTED else "")
            if others else "")
    return _problem(file, line, "wrong_field_count", f"{n} fields where the header (line {head}) has "
                    f"{len(header)}: {cause}{more}", value=str(n))


def _check_separator(file: str, header: list, head: int) -> ReadProblem | None:
    """A header that is one column holding one of ``OTHER_SEPARATORS``: a file separated by them, not by commas."""
    other = next((sep for sep in OTHER_SEPARATORS if sep in header[0]), None) if len(header) == 1 else None
    if other is None:
        return None
    return _problem(file, head, "wrong_separator", f"the header is one column, {header[0]!r}: the columns are separated "
                    f"by {OTHER_SEPARATORS[other]}; export the form separated by commas, with a point as decimal mark")


def _check_header(file: str, header: list, head: int, *, unit: str = "line") -> ReadProblem | None:
    """A column name given twice. Columns without a name may repeat: a spreadsheet writes such empty columns after the
    last one used, and they are never read (``_drop_unknown_columns``; validation lists them)."""
    seen: dict = {}
    for position, name in enumerate(header, start=1):
        if name != "":
            seen.setdefault(name, []).append(position)
    dups = {name: pos for name, pos in seen.items() if len(pos) > 1}
    if not dups:
        return None
    text = "; ".join(f"column name '{name}' appears {len(pos)} times (columns {', '.join(map(str, pos))})"
                     for name, pos in dups.items())
    return _problem(file, head, "duplicate_column", text + ": each column must have its own name", unit=unit,
                    variable=", ".join(dups))


def _header_again(frame: pd.DataFrame) -> np.ndarray:
    """Rows whose every named column holds its own name: the header again, as where two exports' files were joined
    with their headers (no data: no value of any form is its column's name).

    >>> _header_again(pd.DataFrame({"SUBJID": ["001", "SUBJID", " SUBJID"], "PGA": ["5", "PGA", "PGA"]})).tolist()
    [False, True, True]
    """
    names = [c for c in frame.columns if c != ""]
    if frame.empty or not names:
        return np.zeros(len(frame), dtype=bool)
    again = (frame[names[0]].astype(str).str.strip() == names[0]).to_numpy()  # the first column: few rows, if any
    for name in names[1:]:
        if not again.any():
            break
        again = again & (frame[name].astype(str).str.strip() == name).to_numpy()
    return again


def _with_source(frame: pd.DataFrame, file: str, head: int, lines) -> pd.DataFrame:
    """Record where ``frame`` comes from: ``attrs`` file, header line (when not 1), line shifts (``row_lines``).
    Rows whose every field is empty are left out, as blank lines are: a spreadsheet writes them (``,,``) for rows
    once used below the data. So are rows that repeat the header (``_header_again``)."""
    empty = (frame == "").all(axis="columns").to_numpy() | _header_again(frame)
    if empty.any():
        frame, lines = frame[~empty].reset_index(drop=True), np.asarray(lines)[~empty]
    frame.attrs["file"] = file
    if head != 1:
        frame.attrs["header_line"] = head
    shifts = _line_shifts(lines, FIRST_DATA_ROW)
    if shifts:
        frame.attrs["line_shifts"] = shifts
    return frame


def _read_csv(path: Path, *, by_bytes: bool = True) -> tuple:
    """Read one CSV as text: (frame or None, problems). The frame's attrs: file, header line, line shifts.

    The structure is found by counting bytes (``_scan``) and the values read by pandas, or, for
    quotes out of the ordinary (``by_bytes`` False, or the two readings disagreeing), both by
    Python's csv module.
    """
    file = path.name
    text, body, problem = _decode(path.read_bytes(), file)
    if problem:
        return None, [problem]
    rows, scanned = None, _scan(body) if by_bytes else None
    if scanned is None:
        scanned, problem = _scan_quoted(text, file)
        if problem:
            return None, [problem]
        header, head, lines, fields, rows = scanned
    else:
        header, head, lines, fields = scanned
    if problem := _check_separator(file, header, head):  # its lines' fields would only repeat it
        return None, [problem]
    problems = [p for p in (_check_header(file, header, head), _check_fields(file, header, head, lines, fields, text))
                if p is not None]
    if problems:
        return None, problems
    if rows is not None:
        frame = pd.DataFrame(rows, columns=header, dtype=str) if rows else pd.DataFrame(columns=header, dtype=str)
        return _with_source(frame, file, head, lines), []
    frame = pd.read_csv(io.BytesIO(body), dtype=str, keep_default_na=False, na_filter=False, index_col=False,
                        encoding="utf-8", skiprows=head - 1)
    if len(frame) != len(lines):  # pandas saw the records otherwise: never guess
        return _read_csv(path, by_bytes=False)
    frame.columns = header
    return _with_source(frame, file, head, lines), []


def _cell_text(value) -> str:
    """A workbook cell as the text a CSV export would hold (dates ISO, whole numbers without a point)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time(0) else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _sheet(ws, file: str) -> tuple:
    """One worksheet as (header, header row, data rows as tuples of cell values, their sheet rows) or a problem."""
    header, head, rows, numbers = None, 0, [], []
    for number, values in enumerate(ws.iter_rows(min_row=1, values_only=True), start=1):
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        if header is None:
            names = list(values)
            while names and names[-1] is None:
                names.pop()
            header, head = [_cell_text(v) for v in names], number
            continue
        extra = [i for i, v in enumerate(values[len(header):], start=len(header) + 1) if v not in (None, "")]
        if extra:
            hint = _title_hint(header, list(values), f"row {number}") if not rows else ""
            return None, _problem(file, number, "wrong_field_count", f"a value in column {extra[0]}, beyond the "
                                  f"{len(header)} columns of the header (row {head})" + (f": {hint}" if hint else ""),
                                  unit="row")
        rows.append(tuple(values[:len(header)]) + (None,) * (len(header) - len(values)))
        numbers.append(number)
    if header is None:
        return None, _problem(file, None, "empty_file", "the sheet is empty: a form needs at least its header row")
    return (header, head, rows, np.array(numbers, dtype=np.int64)), None


_SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_CELL = re.compile(r"<(?:\w+:)?c\b([^>]*?)(?<!/)>(.*?)</(?:\w+:)?c>", re.S)
_MERGED = re.compile(r"""<(?:\w+:)?mergeCell\b[^>]*\bref=["']([^"']+)["']""")
#: Cells of a sheet listed at most, of each hazard (``_workbook_hazards``), before "and n more".
MAX_HAZARDS_LISTED = 5


def _workbook_hazards(path: Path) -> dict:
    """What openpyxl reads wrongly in each sheet of a workbook, read from its XML: ``{sheet: (merged ranges, [(cell,
    formula), ...])}``. A merged range has its value in its first cell only (the rows below read as blank); a formula
    saved without its result (a workbook written by a program and never opened in Excel: openpyxl, pandas, R) reads
    as an empty cell, as ``data_only`` reads a workbook: no ``<v>``, or an empty one in a cell not of text (Excel
    saves a formula whose result is the empty string as text, ``t="str"``). Formulas are looked for only in a sheet
    that has one."""
    out = {}
    with zipfile.ZipFile(path) as book:
        names = set(book.namelist())
        rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
        target = {r.get("Id"): r.get("Target", "") for r in rels}
        for sheet in ElementTree.fromstring(book.read("xl/workbook.xml")).iter(f"{_SHEET_NS}sheet"):
            where = target.get(sheet.get(_REL_ID), "")
            where = where.lstrip("/") if where.startswith("/") else f"xl/{where}"
            if where not in names:
                continue
            xml = book.read(where).decode("utf-8", "replace")
            formulas = []
            if re.search(r"<(?:\w+:)?f[\s>/]", xml):
                for attrs, body in _CELL.findall(xml):
                    text_cell = re.search(r"""\bt=["'](?:str|s|inlineStr)["']""", attrs)
                    stored = re.search(r"<(?:\w+:)?v>[^<]+<", body) or (text_cell and re.search(r"<(?:\w+:)?v\b", body))
                    if re.search(r"<(?:\w+:)?f[\s>/]", body) and not stored:
                        ref = re.search(r"""\br=["']([A-Z]+\d+)["']""", attrs)
                        text = re.search(r"<(?:\w+:)?f\b[^>]*>([^<]*)<", body)
                        formulas.append((ref[1] if ref else "?", html.unescape(text[1]) if text else ""))
            out[sheet.get("name")] = (_MERGED.findall(xml), formulas)
    return out


def _cell_row(ref: str, *, last: bool = False) -> int | None:
    """The sheet row of a cell reference (``C2`` -> 2), the first of a range (``A2:A4`` -> 2, the ``last`` 4);
    ``None`` without one."""
    rows = re.findall(r"\d+", ref)
    return int(rows[-1 if last else 0]) if rows else None


def _column_index(ref: str) -> int:
    """The 0-based column of a cell reference (``C2`` -> 2)."""
    letters = re.match(r"[A-Z]+", ref)[0]
    return sum((ord(ch) - 64) * 26 ** i for i, ch in enumerate(reversed(letters))) - 1


def _hazard_problems(file: str, header: list, merged: list, formulas: list) -> list:
    """The ``merged_cells`` and ``formula_without_value`` problems of one sheet (``_workbook_hazards``)."""
    def column(ref: str) -> str:
        if not re.match(r"[A-Z]+\d", ref):
            return "a cell"
        index = _column_index(ref)
        return f"column {re.match(r'[A-Z]+', ref)[0]}" + (f" ({header[index]})" if 0 <= index < len(header) else "")


    more = lambda items: (f" (and {len(items) - MAX_HAZARDS_LISTED} more)"  # noqa: E731
                          if len(items) > MAX_HAZARDS_LISTED else "")
    problems = [_problem(file, _cell_row(ref), "merged_cells", f"cells {ref} are merged: only the first holds the "
                         "value, the others read as empty; unmerge them and fill the value into every row"
                         + more(merged), unit="row") for ref in merged[:MAX_HAZARDS_LISTED]]
    problems += [_problem(file, _cell_row(ref), "formula_without_value", f"{column(ref)}, cell {ref}, holds the "
                          f"formula ={formula} with no stored result (the workbook was written by a program and "
                          "never opened in Excel): open and save it in Excel, or paste the values" + more(formulas),
                          unit="row")
                 for ref, formula in formulas[:MAX_HAZARDS_LISTED]]
    return problems


def _identifier_widths(sheets: dict) -> dict:
    """Widths of the identifiers stored as text, per identifier column, over every form sheet."""
    widths: dict = {}
    for name, (header, _, rows, _) in sheets.items():
        for var in dictionary.FORMS[name].variables if name in dictionary.FORMS else ():
            if var.min_digits and var.name in header:
                i = header.index(var.name)
                widths.setdefault(var.name, set()).update(
                    len(v.strip()) for r in rows if isinstance(v := r[i], str) and v.strip().isdigit())
    return widths


def _restore_identifiers(name: str, file: str, sheet: tuple, widths: dict) -> tuple:
    """Text of the identifier columns of one sheet, numbers restored as zero-padded text: (columns, problems)."""
    header, _, rows, numbers = sheet
    columns, problems = {}, []
    form = dictionary.FORMS.get(name)
    for var in (v for v in form.variables if v.min_digits and v.name in header) if form else ():
        i = header.index(var.name)
        cells = [r[i] for r in rows]
        at = [k for k, v in enumerate(cells) if _is_number(v)]
        if not at:
            continue
        bad = [k for k in at if not (float(cells[k]).is_integer() and cells[k] >= 0)]
        text_widths = widths.get(var.name, set())
        width = (next(iter(text_widths)) if len(text_widths) == 1
                 else max(var.min_digits, max(len(str(int(cells[k]))) for k in at if k not in bad) if len(bad) < len(at)
                          else var.min_digits))
        too_long = [k for k in at if k not in bad and len(str(int(cells[k]))) > width]
        where = dict(unit="row", form=name, variable=var.name)
        if bad:
            k = bad[0]
            problems.append(_problem(file, int(numbers[k]), "identifier_number", f"column {var.name}: the number "
                                     f"{cells[k]!r} cannot be a {var.name} ({var.allowed_text()})",
                                     value=_cell_text(cells[k]), **where))
        elif len(text_widths) > 1 or too_long:
            k = too_long[0] if too_long else at[0]
            why = (f"the {var.name} values stored as text have {len(text_widths)} widths "
                   f"({', '.join(map(str, sorted(text_widths)))} digits)" if len(text_widths) > 1
                   else f"it has more digits than the {width} of the {var.name} values stored as text")
            problems.append(_problem(file, int(numbers[k]), "identifier_number", f"column {var.name}: "
                                     f"{len(at)} value(s) stored as numbers (the first {cells[k]!r}) cannot be "
                                     f"restored to zero-padded text: {why}. Store the column as text",
                                     value=_cell_text(cells[k]), **where))
        else:
            numeric = set(at)
            restored = [str(int(v)).zfill(width) if k in numeric else _cell_text(v) for k, v in enumerate(cells)]
            k = at[0]
            source = ("the width of the values stored as text" if text_widths
                      else f"at least {var.min_digits} digits, the width of the largest number")
            problems.append(_problem(file, int(numbers[k]), "identifier_restored", f"column {var.name}: {len(at)} "
                                     f"value(s) stored as numbers were read as text of {width} digits ({source}): "
                                     f"{cells[k]!r} -> '{restored[k]}'", value=_cell_text(cells[k]), **where))
            columns[var.name] = restored
    return columns, problems


def _read_xlsx(path: Path) -> tuple:
    """Read every sheet of a workbook as text frames: (sheet name -> frame, problems). The last workbook read is kept
    (``_read_xlsx_once``, by path, size and modification time) and a copy returned: a build reads the workbook's
    ``study`` sheet several times in one process (``is_synthetic``, ``describe_source``, ``study_identity``), each
    time the whole workbook (1.3 s for the randomised example's 11,780 laboratory rows)."""
    stat = path.stat()
    sheets, problems = _read_xlsx_once(path.resolve(), stat.st_size, stat.st_mtime_ns)
    return {name: frame.copy() for name, frame in sheets.items()}, list(problems)


@functools.lru_cache(maxsize=1)
def _read_xlsx_once(path: Path, size: int, mtime_ns: int) -> tuple:
    """``_read_xlsx``'s reading (``size`` and ``mtime_ns`` only key the cache)."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        hazards = _workbook_hazards(path)
        sheets, problems = {}, []
        for ws in book.worksheets:
            file = f"{path.name}[{ws.title}]"
            sheet, problem = _sheet(ws, file)
            if problem is None:
                header, head, _, _ = sheet
                problem = _check_header(file, header, head, unit="row")
            merged, formulas = hazards.get(ws.title, ((), ())) if ws.title in dictionary.FORMS else ((), ())
            if problem is None:  # the cells of the form's data: below its header, in its columns
                merged = [r for r in merged if _cell_row(r, last=True) > head]
                formulas = [(ref, f) for ref, f in formulas if not re.fullmatch(r"[A-Z]+\d+", ref)
                            or (_column_index(ref) < len(header) and _cell_row(ref) > head)]
            if problem is None and (found := _hazard_problems(file, header, merged, formulas)):
                problems += [replace(p, form=ws.title) for p in found]
                continue
            if problem is not None:
                problems.append(replace(problem, form=ws.title))
                continue
            sheets[ws.title] = sheet
    finally:
        book.close()
    widths, out = _identifier_widths(sheets), {}
    for name, sheet in sheets.items():
        file = f"{path.name}[{name}]"
        header, head, rows, numbers = sheet
        restored, found = _restore_identifiers(name, file, sheet, widths)
        problems += found
        if any(p.rule not in READ_QUERIES for p in found):
            continue
        frame = pd.DataFrame({h: restored.get(h) or [_cell_text(r[i]) for r in rows] for i, h in enumerate(header)},
                             index=pd.RangeIndex(len(rows)), dtype=str)
        out[str(name)] = _with_source(frame, file, head, numbers)
    return out, problems


def _drop_unknown_columns(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Drop the columns a form of the dictionary does not have, naming them in ``attrs["dropped_columns"]``."""
    form = dictionary.FORMS.get(name)
    extra = list(dict.fromkeys(c for c in frame.columns if form is not None and c not in form.columns))
    if not extra:
        return frame
    out = frame.drop(columns=extra)
    out.attrs = {**frame.attrs, "dropped_columns": tuple(extra)}
    return out


def _csv_files(folder: Path) -> list:
    """The CSV files of a folder (any case of the suffix), by name; hidden and owner files (``NOT_INPUT_PREFIXES``)
    excepted."""
    return sorted((p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".csv"
                   and not p.name.startswith(NOT_INPUT_PREFIXES)), key=lambda p: p.name)


def read_forms(path: str | Path) -> tuple:
    """Read a raw export as text frames, one per file or sheet, and the problems met reading it.

    A file that cannot be read as a form (empty, not UTF-8 text, binary, a wrong number of fields
    on a line, an unclosed quote, a column name twice) is left out and its problem listed, naming
    the file and the line (or sheet row). Columns a form of the data dictionary does not have are
    dropped at once (named in ``attrs["dropped_columns"]``; validation lists them as data queries).
    In a workbook, identifiers stored as numbers (``SUBJID`` 8 for ``"008"``) are restored to the
    dictionary's zero-padded text when the width is certain: the width of the same identifier
    stored as text elsewhere in the workbook when that is one width, else the dictionary's minimum
    or the width of the largest number if wider; otherwise the sheet is left out (``identifier_number``).

    Parameters
    ----------
    path : str or Path
        A folder of ``<form>.csv`` files, or one ``.xlsx`` workbook with a sheet per form.
        Relative paths are taken from the project root.

    Returns
    -------
    (dict of str to DataFrame, list of ReadProblem)
        File stem (``demographics`` for ``demographics.csv``; ``Demographics`` for
        ``Demographics.csv``; the full name for another suffix case such as ``pga.CSV``) or sheet
        name to frame, sorted; and the problems (``READ_QUERIES`` are notes, the others stop the run).

    Raises
    ------
    FileNotFoundError
        The folder or workbook does not exist.
    """
    path = paths.resolve(path)
    if path.is_dir():
        tables, problems = {}, []
        for p in _csv_files(path):
            name = p.stem if p.suffix == ".csv" else p.name
            frame, found = _read_csv(p)
            problems += [replace(q, form=name) for q in found]
            if frame is not None:
                tables[name] = frame
    elif path.suffix.lower() == ".xlsx" and path.is_file():
        tables, problems = _read_xlsx(path)
    else:
        raise FileNotFoundError(paths.not_an_export(path))
    return {name: _drop_unknown_columns(name, tables[name]) for name in sorted(tables)}, problems


def read_export(path: str | Path) -> dict:
    """Read a raw export (``path`` as for ``read_forms``) as text frames, one per form, or raise.

    Returns
    -------
    dict of str to DataFrame
        Form name to a frame of strings (missing = ``""``), sorted by form name, each with a
        ``RangeIndex`` and ``attrs["file"]``; ``row_lines`` gives the file line of a data row
        (row ``i`` is line ``i + 2`` unless blank or multi-line records came before it).
        Columns that are not in the data dictionary are dropped (see ``read_forms``).

    Raises
    ------
    FileNotFoundError
        The folder or workbook does not exist.
    ExportReadError
        A file or sheet cannot be read as a form; the error lists every such problem with its file
        and line (``validation.check_export`` reports them as validation errors).

    Examples
    --------
    >>> tables = read_export(paths.DATA_RAW)
    >>> tables["visits"].loc[0, ["SUBJID", "VISIT", "VISITDT"]].tolist(), tables["visits"].attrs["file"]
    (['001', 'BL', '2021-06-28'], 'visits.csv')
    """
    tables, problems = read_forms(path)
    errors = [p for p in problems if p.rule not in READ_QUERIES]
    if errors:
        raise ExportReadError(errors)
    return tables


def write_export(tables: dict, folder: str | Path) -> list:
    """Write ``tables`` as ``<form>.csv`` files in ``folder``, byte-deterministically.

    Returns the paths written, in form-name order.
    """
    folder = paths.resolve(folder)
    written = []
    for name in sorted(tables):
        text = to_text(tables[name])
        path = _atomic_write(folder / f"{name}.csv",
                             lambda p, t=text: t.to_csv(p, index=False, lineterminator="\n", encoding="utf-8"))
        os.chmod(path, FILE_MODE)
        written.append(path)
    return written


def write_text(text: str, path: str | Path) -> Path:
    """Write ``text`` to ``path`` (UTF-8, ``"\\n"`` line ends), atomically."""
    path = _atomic_write(paths.resolve(path), lambda p: p.write_bytes(text.encode("utf-8")))
    os.chmod(path, FILE_MODE)
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_manifest(path: str | Path) -> pd.DataFrame:
    """Return the SHA-256 checksum and size of every input file of an export.

    Parameters
    ----------
    path : str or Path
        A folder (every file in it, recursively, hidden folders and hidden and owner files, ``NOT_INPUT_PREFIXES``,
        excepted) or a single file.

    Returns
    -------
    DataFrame
        Columns ``file`` (path relative to the folder, or the file name), ``sha256``, ``bytes``,
        sorted by ``file``.

    Examples
    --------
    >>> file_manifest(paths.DATA_RAW)["file"].tolist()[:2]
    ['README.md', 'adverse_events.csv']
    """
    path = paths.resolve(path)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(NOT_INPUT_PREFIXES)
                       and not any(part.startswith(".") for part in p.relative_to(path).parts))
        names = [p.relative_to(path).as_posix() for p in files]
    elif path.is_file():
        files, names = [path], [path.name]
    else:
        raise FileNotFoundError(f"{path}: raw export not found")
    return pd.DataFrame({"file": names, "sha256": [_sha256(p) for p in files],
                         "bytes": [p.stat().st_size for p in files]}).astype({"bytes": "int64"})


def _read_study_form(path: str | Path) -> pd.DataFrame | None:
    """The ``study`` form of the export at ``path`` as text, or None when it has none (or it cannot be read)."""
    path = paths.resolve(path)
    if path.is_dir():
        study_file = path / f"{STUDY_FORM}.csv"
        return _read_csv(study_file)[0] if study_file.is_file() else None
    return read_forms(path)[0].get(STUDY_FORM)


def is_synthetic(path: str | Path) -> bool:
    """Return True when the export at ``path`` says it is synthetic (form ``study``, ``SYNTHETIC = "Y"``).

    A missing ``study`` form or flag means not synthetic.

    Examples
    --------
    >>> is_synthetic(paths.DATA_RAW)
    True
    """
    study = _read_study_form(path)
    return study is not None and "SYNTHETIC" in study.columns and bool((study["SYNTHETIC"] == "Y").any())


#: Where real exports go inside the checkout: git ignores the folder (``.gitignore``), so no commit takes them.
EXPORTS_FOLDER = "data/exports"


def git_would_take(path: str | Path) -> list[str]:
    """The files at ``path`` that git tracks or would add with the next ``git add -A`` (not ignored), relative to
    the project's root; none outside its git checkout, or without git."""
    import subprocess

    try:
        out = subprocess.run(["git", "-C", str(paths.PROJECT_ROOT), "ls-files", "-z", "--cached", "--others",
                              "--exclude-standard", "--", str(paths.resolve(path))],
                             capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):  # no git, not a checkout, or a path outside it
        return []
    return sorted(os.fsdecode(name) for name in out.split(b"\0") if name)


def real_export_warning(path: str | Path) -> str:
    """A warning when the export at ``path`` is real (form ``study``, ``SYNTHETIC`` not ``Y``) and git would take
    its files (``git_would_take``): a commit would carry patients' data into the repository and its copies; else
    ``""``. The shipped synthetic exports, tracked on purpose, get none.

    >>> real_export_warning(paths.DATA_RAW)
    ''
    """
    if is_synthetic(path) or not (files := git_would_take(path)):
        return ""
    return (f"warning: {paths.relative(paths.resolve(path))} is a real export (form study: SYNTHETIC is not Y) and git "
            f"would take its {len(files)} file(s) into the next commit: keep real exports in {EXPORTS_FOLDER}/ (git "
            "ignores it) or outside the checkout" + (", and put the shipped synthetic trial back (git checkout -- "
                                                      "data/raw)" if paths.resolve(path) == paths.DATA_RAW else ""))


def study_identity(path: str | Path) -> dictionary.StudyIdentity:
    """Return the identity of the study of the export at ``path`` (its ``study`` form; ``dictionary.study_identity``).

    Examples
    --------
    >>> study_identity(paths.DATA_RAW).registry, study_identity("data/examples/randomised").studyid
    ('ClinicalTrials.gov NCT04916756', 'BARI-PSS-RCT')
    """
    return dictionary.study_identity(_read_study_form(path))


#: The synthetic exports shipped with the project: name -> (folder, arguments of
#: ``python -m analysis_utils.synthetic`` that write it).
SHIPPED_SYNTHETIC = {
    "pilot": ("data/raw", ("--n-subjects", "11")),
    "randomised": ("data/examples/randomised", ("--randomised",)),
}
#: SHA-256 and size of every file of each shipped synthetic export (``SHIPPED_SYNTHETIC``), as the
#: generator writes it (``make synthetic`` for data/raw).
#: Regenerate after a change of the generator: ``python -m analysis_utils.export --synthetic-manifest``.
SYNTHETIC_MANIFEST = Path(__file__).with_name("synthetic_manifest.json")


def shipped_synthetic_manifest(example: str = "pilot") -> pd.DataFrame:
    """Return the stored manifest of a shipped synthetic export (columns as ``file_manifest``)."""
    stored = json.loads(SYNTHETIC_MANIFEST.read_text(encoding="utf-8"))[example]
    return pd.DataFrame([{"file": f, **entry} for f, entry in sorted(stored.items())],
                        columns=["file", "sha256", "bytes"]).astype({"bytes": "int64"})


def matches_shipped_synthetic(path: str | Path) -> bool:
    """Return True only when the export at ``path`` is, byte for byte, a synthetic export shipped with the project.

    Every file of the folder (hidden and owner files excepted) must be one of a ``SYNTHETIC_MANIFEST`` entry with its
    SHA-256, and none of them missing: an edited copy, a real export that says ``SYNTHETIC = Y``,
    a workbook, are not a shipped export. (``is_synthetic`` reads the export's own flag.)

    Examples
    --------
    >>> matches_shipped_synthetic(paths.DATA_RAW), matches_shipped_synthetic(paths.resolve("data/examples/randomised"))
    (True, True)
    """
    path = paths.resolve(path)
    if not path.is_dir():
        return False
    manifest = file_manifest(path)
    return any(manifest.equals(shipped_synthetic_manifest(name)) for name in SHIPPED_SYNTHETIC)


def write_synthetic_manifest(target: str | Path = SYNTHETIC_MANIFEST) -> Path:
    """Generate every shipped synthetic export in a scratch folder and store their manifests at ``target``."""
    import tempfile

    from analysis_utils import synthetic

    entries = {}
    for name, (_folder, args) in SHIPPED_SYNTHETIC.items():
        with tempfile.TemporaryDirectory() as scratch:
            synthetic.main([*args, "--out", scratch])
            manifest = file_manifest(scratch)
        entries[name] = {row.file: {"sha256": row.sha256, "bytes": int(row.bytes)} for row in manifest.itertuples()}
    text = json.dumps(entries, indent=1, sort_keys=True) + "\n"
    return write_text(text, target)


#: One-line statement shown with every output built from a synthetic export.
SYNTHETIC_STATEMENT = ("Synthetic data: this export is an invented trial, consistent with the published summary "
                       "of the pilot but not its data; no result shown here is a result of the trial.")
#: The statement for a synthetic export with randomisation (the randomised example).
RANDOMISED_STATEMENT = ("Synthetic data: this export is an invented randomised trial modelled on the published "
                        "protocol of the pilot's randomised follow-on trial; no result shown here is a result of "
                        "any trial.")
#: The statement for any other export that says it is synthetic: an edited copy of a shipped one, or one generated
#: with other settings, of which neither statement above need be true.
INVENTED_STATEMENT = ("Synthetic data: this export says it is invented (study form SYNTHETIC = Y); no result shown "
                      "here is a result of any trial.")


def describe_source(path: str | Path) -> str:
    """Return, when the export at ``path`` is synthetic (``is_synthetic``), ``SYNTHETIC_STATEMENT`` for the shipped
    pilot and ``RANDOMISED_STATEMENT`` for the shipped randomised example (``matches_shipped_synthetic``), and
    ``INVENTED_STATEMENT`` for any other; else ``""``."""
    if not is_synthetic(path):
        return ""
    if not matches_shipped_synthetic(path):
        return INVENTED_STATEMENT
    path = paths.resolve(path)
    randomised = (path / "randomisation.csv").is_file() if path.is_dir() else "randomisation" in read_forms(path)[0]
    return RANDOMISED_STATEMENT if randomised else SYNTHETIC_STATEMENT


if __name__ == "__main__":
    import sys

    if sys.argv[1:] != ["--synthetic-manifest"]:
        sys.exit("usage: python -m analysis_utils.export --synthetic-manifest")
    print(write_synthetic_manifest())
