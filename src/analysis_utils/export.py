"""Reading and writing raw CRF exports: a folder of ``<form>.csv`` files or one ``.xlsx`` workbook.

Everything is read as text first (empty cell = ``""``), so that validation can report a wrong type
with its row number. Each frame read carries its source in ``frame.attrs["file"]``. Row numbers in
messages are the CSV line number (header = line 1), or the sheet row: data row ``i`` (from 0) is
row ``i + 2``.

Writing is byte-deterministic: columns in the given order, dates as ``YYYY-MM-DD``, floats in
their shortest exact ``repr``, integers without a decimal point, ``"\\n"`` line ends.
"""

import hashlib
import os
from pathlib import Path

import pandas as pd

from analysis_utils import paths
from analysis_utils.io import _atomic_write

#: Form holding the export-level flags (``SYNTHETIC``).
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


def _read_csv(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8")
    frame.attrs["file"] = path.name
    return frame


def _normalise_sheet_cell(col: pd.Series) -> pd.Series:
    # openpyxl returns real dates for date cells; keep the date part as ISO text.
    return col.str.replace(r"^(\d{4}-\d{2}-\d{2}) 00:00:00$", r"\1", regex=True)


def _read_xlsx(path: Path) -> dict:
    sheets = pd.read_excel(path, sheet_name=None, dtype=str, keep_default_na=False, na_filter=False,
                           engine="openpyxl")
    out = {}
    for name, frame in sheets.items():
        frame = frame.astype(str).apply(_normalise_sheet_cell)
        frame.attrs["file"] = f"{path.name}[{name}]"
        out[str(name)] = frame
    return out


def read_export(path: str | Path) -> dict:
    """Read a raw export as text frames, one per form.

    Parameters
    ----------
    path : str or Path
        A folder of ``<form>.csv`` files, or one ``.xlsx`` workbook with a sheet per form.
        Relative paths are taken from the project root.

    Returns
    -------
    dict of str to DataFrame
        Form name to a frame of strings (missing = ``""``), sorted by form name, each with a
        ``RangeIndex`` (data row ``i`` is file row ``i + 2``) and ``attrs["file"]``.

    Raises
    ------
    FileNotFoundError
        The folder or workbook does not exist.

    Examples
    --------
    >>> tables = read_export(paths.DATA_RAW)
    >>> tables["visits"].loc[0, ["SUBJID", "VISIT", "VISITDT"]].tolist(), tables["visits"].attrs["file"]
    (['001', 'BL', '2021-06-28'], 'visits.csv')
    """
    path = paths.resolve(path)
    if path.is_dir():
        return {p.stem: _read_csv(p) for p in sorted(path.glob("*.csv"))}
    if path.suffix.lower() == ".xlsx" and path.is_file():
        return dict(sorted(_read_xlsx(path).items()))
    raise FileNotFoundError(f"{path}: raw export not found (expected a folder of CSV files or an .xlsx workbook)")


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
        A folder (every file in it, recursively, hidden files excepted) or a single file.

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
        files = sorted(p for p in path.rglob("*") if p.is_file()
                       and not any(part.startswith(".") for part in p.relative_to(path).parts))
        names = [p.relative_to(path).as_posix() for p in files]
    elif path.is_file():
        files, names = [path], [path.name]
    else:
        raise FileNotFoundError(f"{path}: raw export not found")
    return pd.DataFrame({"file": names, "sha256": [_sha256(p) for p in files],
                         "bytes": [p.stat().st_size for p in files]}).astype({"bytes": "int64"})


def is_synthetic(path: str | Path) -> bool:
    """Return True when the export at ``path`` says it is synthetic (form ``study``, ``SYNTHETIC = "Y"``).

    A missing ``study`` form or flag means not synthetic.

    Examples
    --------
    >>> is_synthetic(paths.DATA_RAW)
    True
    """
    path = paths.resolve(path)
    if path.is_dir():
        study_file = path / f"{STUDY_FORM}.csv"
        if not study_file.is_file():
            return False
        study = _read_csv(study_file)
    else:
        study = read_export(path).get(STUDY_FORM)
        if study is None:
            return False
    return "SYNTHETIC" in study.columns and bool((study["SYNTHETIC"] == "Y").any())


#: One-line statement shown with every output built from a synthetic export.
SYNTHETIC_STATEMENT = ("Synthetic data: this export is an invented trial, consistent with the published summary "
                       "of the pilot but not its data; no result shown here is a result of the trial.")


def describe_source(path: str | Path) -> str:
    """Return ``SYNTHETIC_STATEMENT`` when the export at ``path`` is synthetic, else ``""``."""
    return SYNTHETIC_STATEMENT if is_synthetic(path) else ""
