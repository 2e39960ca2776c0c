"""Project paths. Every other module and notebook takes its folders from here, and moves files with ``replace``.

``PROJECT_ROOT`` assumes the editable install from the ``src`` layout (``make env``).
Each folder can be overridden by a notebook parameter; these are only the defaults.
"""

import contextlib
import os
import sys
import time
from datetime import date
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
#: ``make report`` gives its kernels the build's staging folder in this variable: the default folders below are then
#: the build's, so that a notebook declaring no folder parameters reads and writes this build's outputs, never the
#: published ones (of another export, perhaps).
STAGE_VARIABLE = "ANALYSIS_UTILS_STAGE"
_STAGE = os.environ.get(STAGE_VARIABLE)
DATA_RAW = PROJECT_ROOT / "data" / "raw"
DATA_PROCESSED = Path(_STAGE, "processed") if _STAGE else PROJECT_ROOT / "data" / "processed"
FIGURES = Path(_STAGE, "figures") if _STAGE else PROJECT_ROOT / "figures"
REPORTS = Path(_STAGE, "reports") if _STAGE else PROJECT_ROOT / "reports"
NOTEBOOKS = PROJECT_ROOT / "notebooks"
CDISC_PILOT = PROJECT_ROOT / "tests" / "data" / "cdiscpilot01"  # public CDISC pilot ADaM used by the tests


def resolve(path: str | Path) -> Path:
    """Return ``path`` as an absolute path, relative paths taken from the project root.

    >>> resolve("data/raw") == DATA_RAW
    True
    """
    path = Path(path)
    return path if path.is_absolute() else PROJECT_ROOT / path


#: What to do with a file given where a raw export is expected, by its suffix.
_NOT_AN_EXPORT = {".zip": "a zip archive: unzip it and give the folder it holds",
                  ".xls": "an Excel 97-2003 workbook: save it as .xlsx (File, Save As, Excel Workbook)",
                  ".xlsm": "a workbook with macros: save it as .xlsx",
                  ".csv": "one form: give the folder that holds the export's CSV files"}


def not_an_export(path: str | Path) -> str:
    """Why ``path`` is not a raw export (a folder of CSV files or an ``.xlsx`` workbook), ``""`` when it may be one;
    read before anything runs, without pandas.

    >>> not_an_export(DATA_RAW), not_an_export(DATA_RAW / "labs.csv")
    ('', "labs.csv is one form: give the folder that holds the export's CSV files (.../data/raw)")
    >>> not_an_export("../data/raw").split(": ", 1)[1]
    "raw export not found (expected a folder of CSV files or an .xlsx workbook; a relative path is taken from the \
project's root)"
    """
    path = resolve(path)
    if path.is_dir() or (path.is_file() and path.suffix.lower() == ".xlsx"):
        return ""
    if not path.exists():  # in the project: perhaps a path written from notebooks/, JupyterLab's folder
        return (f"{path}: raw export not found (expected a folder of CSV files or an .xlsx workbook"
                + ("; a relative path is taken from the project's root" if path.is_relative_to(PROJECT_ROOT) else "")
                + ")")
    hint = _NOT_AN_EXPORT.get(path.suffix.lower(), "not a folder of CSV files or an .xlsx workbook")
    where = f" ({'.../' + '/'.join(path.parent.parts[-2:])})" if path.suffix.lower() == ".csv" else ""
    return f"{path.name} is {hint}{where}"


def iso_date(value) -> str:
    """``value`` if it is a date written YYYY-MM-DD (as the title page and the workbook show a data cut) or empty (the
    export's date), else a ``ValueError``: ``10/09/2021`` would be read as 9 October by some steps and rejected by
    others, and papermill passes ``-p DATA_CUTOFF 20210801`` as a number. Read before anything runs, without pandas.

    >>> iso_date("2021-09-10"), iso_date("")
    ('2021-09-10', '')
    >>> iso_date("10/09/2021")
    Traceback (most recent call last):
    ValueError: data cut '10/09/2021': expected a date written YYYY-MM-DD, e.g. 2022-01-31
    """
    with contextlib.suppress(TypeError, ValueError):
        if value == "" or date.fromisoformat(value).isoformat() == value:
            return value
    raise ValueError(f"data cut {value!r}: expected a date written YYYY-MM-DD, e.g. 2022-01-31")


def relative(path: str | Path) -> str:
    """``path`` as outputs show it: relative to the project root when inside it (no machine paths), else absolute.

    >>> relative(DATA_RAW), relative("/srv/exports/cut-2")
    ('data/raw', '/srv/exports/cut-2')
    """
    path = Path(path).resolve()
    return path.relative_to(PROJECT_ROOT).as_posix() if path.is_relative_to(PROJECT_ROOT) else str(path)


#: Seconds a rename is retried on Windows while it fails with PermissionError: an antivirus scanner or a sync client
#: (OneDrive, Dropbox) opens a file just written for a moment, and Windows then refuses to move it or what it replaces
#: (pip retries its renames for 1 s for this reason: ``pip._internal.utils.filesystem.replace``). A file a program keeps
#: open (a workbook in Excel) still fails, after this long. Elsewhere an open file never stops a rename: no retry.
RENAME_RETRY_SECONDS = 1.0


def replace(src: str | Path, dst: str | Path, *, platform: str = sys.platform) -> None:
    """``os.replace``, retried every 0.05 s for ``RENAME_RETRY_SECONDS`` on Windows while it raises PermissionError."""
    deadline = time.monotonic() + RENAME_RETRY_SECONDS
    while True:
        try:
            return os.replace(src, dst)
        except PermissionError:
            if platform != "win32" or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
