"""Reading and writing analysis datasets. With ``report``, the only module that touches the disk.

- ``read_processed(name)`` / ``write_processed(df, name)``: the project's ADaM-style datasets
  (``data/processed/<name>.parquet``).
- ``read_adam(path)``: an ADaM dataset in any common format (XPT, CSV, parquet), normalised
  to one set of conventions (exact zeros, ``datetime64`` dates, ``""`` for character missing).
"""

import os
import tempfile
from pathlib import Path

import pandas as pd

from analysis_utils import paths


def _umask() -> int:
    """The process's umask (read by setting it and setting it back: the portable way)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _ended_build(folder: str | Path) -> str:
    """Why ``folder`` is not to be read or written, ``""`` when it may be: a folder in ``.build/stage``, the name the
    executed notebooks of ``reports/executed`` give their build's staging folder (``runner.normalise_executed``; a
    running build's is ``.build/stage-<pid>``), gone once the build ended: such a notebook, run again, reads and writes
    nothing there, where no one would look for its outputs.

    >>> _ended_build(".build/stage/reports/tables"), _ended_build(".build/stage-123/reports"), _ended_build("scratch")
    (".build/stage/reports/tables: the staging folder of a build that has ended: this is an executed notebook \
(reports/executed); run notebooks/ instead (README, 'Exploring a notebook')", '', '')
    """
    parts = Path(folder).parts
    if not any(parts[i:i + 2] == (".build", "stage") for i in range(len(parts) - 1)):
        return ""
    return (f"{Path(folder).as_posix()}: the staging folder of a build that has ended: this is an executed notebook "
            "(reports/executed); run notebooks/ instead (README, 'Exploring a notebook')")


def _atomic_write(path: Path, write) -> Path:
    """Write through a temporary file in the same folder, then rename: never a half-written file; never into the
    staging folder of a build that has ended (``_ended_build``).

    The file gets the mode a plain ``open()`` would give it (``0o666`` less the umask), not the
    temporary file's private ``0o600``: under umask 022 a colleague can read the report.
    """
    if ended := _ended_build(paths.relative(path)):
        raise FileNotFoundError(ended)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_umask())
        paths.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_processed(data: pd.DataFrame, name: str, *, folder: str | Path = paths.DATA_PROCESSED) -> Path:
    """Write an analysis dataset to ``<folder>/<name>.parquet`` (atomically, without the index)."""
    path = paths.resolve(folder) / f"{name}.parquet"
    return _atomic_write(path, lambda p: data.to_parquet(p, index=False, engine="pyarrow"))


def read_processed(name: str, *, folder: str | Path = paths.DATA_PROCESSED) -> pd.DataFrame:
    """Read an analysis dataset written by ``write_processed``. Not found in a build's staging folder (``.build/stage``,
    gone once the build ended): an executed notebook of ``reports/executed`` run again, which the error says.

    >>> read_processed("adsl", folder=".build/stage/processed")
    Traceback (most recent call last):
    FileNotFoundError: .build/stage/processed: the staging folder of a build that has ended: this is an executed \
notebook (reports/executed); run notebooks/ instead (README, 'Exploring a notebook')
    """
    path = paths.resolve(folder) / f"{name}.parquet"
    if ended := _ended_build(folder):
        raise FileNotFoundError(ended)
    if not path.exists():
        raise FileNotFoundError(
            f"{path}: analysis dataset '{name}' not found; build the report first (make report), or, notebooks run "
            "alone, give PROCESSED_DIR the folder 01 and 02 wrote to (scratch/processed: README, 'Exploring a "
            "notebook')"
        )
    return pd.read_parquet(path, engine="pyarrow")


#: File types ``read_adam`` reads, by suffix.
ADAM_SUFFIXES = (".xpt", ".csv", ".csv.gz", ".parquet")


def _is_adam_date_name(name: str) -> bool:
    """ADaM naming rule: numeric dates end in ``DT`` (``ADT``, ``TRTSDT``), datetimes in ``DTM``."""
    return name.endswith(("DT", "DTM"))


def _normalise_adam(data: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Give every reader's output the same conventions (see ``read_adam``)."""
    out = data.copy()
    for col in out.columns:
        values = out[col]
        kind = pd.api.types.infer_dtype(values, skipna=True)
        if kind in ("date", "datetime", "datetime64"):
            out[col] = pd.to_datetime(values).astype("datetime64[ns]")
        elif pd.api.types.is_string_dtype(values.dtype) and kind in ("string", "empty"):
            text = values.fillna("").astype(str).str.strip()
            if _is_adam_date_name(col) and path.suffix.lower() != ".xpt":
                parsed = pd.to_datetime(text.where(text != ""), format="ISO8601", errors="coerce")
                bad = parsed.isna() & (text != "")
                if bad.any():
                    row = int(bad.to_numpy().nonzero()[0][0])
                    raise ValueError(f"{path}: column {col} row {row}: {text.iloc[row]!r} is not an ISO 8601 date")
                out[col] = parsed.astype("datetime64[ns]")
            else:
                out[col] = text
    return out


def read_adam(path: str | Path) -> pd.DataFrame:
    """Read an ADaM dataset from SAS transport (``.xpt``), CSV (``.csv``, ``.csv.gz``) or ``.parquet``.

    Whatever the format, the frame comes back with the same conventions:

    - **Numbers exact.** ``.xpt`` is read with ``pyreadstat.read_xport``, which returns true
      zeros (``pandas.read_sas`` returns 5.4e-79 for some zeros, pandas issues #50670 and
      #30051, so ``TRT01PN == 0`` would select nobody).
    - **Dates are** ``datetime64[ns]``: in ``.xpt`` the variables with a SAS date or datetime
      format (``DATE9.``, ``DATETIME20.``, ...); in CSV and parquet the character columns whose
      names follow the ADaM rule for numeric dates (ending in ``DT`` or ``DTM``; ISO 8601 text).
      Character ``--DTC`` variables stay text. An unparsable date raises ``ValueError``
      naming the file, column and row.
    - **Character missing is** ``""`` (as in SAS): CSV empty fields and parquet nulls in text
      columns become ``""``, so flags are compared with ``== "Y"``. Only empty CSV fields are
      missing (a literal ``"NA"`` stays text); an entirely empty CSV column is numeric NaN.
    - **Text is stripped** of leading and trailing blanks (SAS pads values; the CSV copies of
      the CDISC pilot have ``AVISIT`` values such as ``"        Baseline"``). Use ``AVISITN``
      for logic all the same.

    Parameters
    ----------
    path : str or Path
        The file; relative paths are taken from the project root.

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> adsl = read_adam(paths.CDISC_PILOT / "adam" / "adsl.xpt")
    >>> int((adsl["TRT01PN"] == 0).sum()), str(adsl["TRTSDT"].dtype)
    (86, 'datetime64[ns]')
    """
    path = paths.resolve(path)
    name = path.name.lower()
    if not path.exists():
        raise FileNotFoundError(f"{path}: ADaM dataset not found")
    if name.endswith(".xpt"):
        import pyreadstat

        data, _meta = pyreadstat.read_xport(str(path))
    elif name.endswith((".csv", ".csv.gz")):
        data = pd.read_csv(path, keep_default_na=False, na_values=[""], low_memory=False)
    elif name.endswith(".parquet"):
        data = pd.read_parquet(path, engine="pyarrow")
    else:
        raise ValueError(f"{path}: unsupported ADaM file type (expected one of {', '.join(ADAM_SUFFIXES)})")
    return _normalise_adam(data, path)
