"""Reading and writing analysis datasets. With ``report``, the only module that touches the disk.

- ``read_processed(name)`` / ``write_processed(df, name)``: the project's ADaM-style datasets
  (``data/processed/<name>.parquet``).
"""

import os
import tempfile
from pathlib import Path

import pandas as pd

from analysis_utils import paths


def _atomic_write(path: Path, write) -> Path:
    """Write through a temporary file in the same folder, then rename: never a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_processed(data: pd.DataFrame, name: str, *, folder: str | Path = paths.DATA_PROCESSED) -> Path:
    """Write an analysis dataset to ``<folder>/<name>.parquet`` (atomically, without the index)."""
    path = paths.resolve(folder) / f"{name}.parquet"
    return _atomic_write(path, lambda p: data.to_parquet(p, index=False, engine="pyarrow"))


def read_processed(name: str, *, folder: str | Path = paths.DATA_PROCESSED) -> pd.DataFrame:
    """Read an analysis dataset written by ``write_processed``."""
    path = paths.resolve(folder) / f"{name}.parquet"
    if not path.exists():
        raise FileNotFoundError(
            f"{path}: analysis dataset '{name}' not found; run the notebooks in order (make report)"
        )
    return pd.read_parquet(path, engine="pyarrow")
