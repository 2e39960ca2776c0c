"""Outputs of the notebooks: the ARD, data queries, tables and figures, written reproducibly.

Every writer is atomic (temporary file, then rename) and deterministic: the same inputs give
byte-identical files (fixed column order, ``\\n`` line ends, ``repr``-exact floats, PNG and SVG
without dates or version strings).
"""

import contextlib
import fcntl
import os
from pathlib import Path

import pandas as pd

from analysis_utils import ard as ard_mod
from analysis_utils import paths
from analysis_utils.io import _atomic_write

#: Columns of the data-query listing (reports/data_queries.csv).
QUERY_COLUMNS = ("source", "file", "row", "USUBJID", "AVISIT", "variable", "rule", "value", "message")

#: Fixed salt so that SVG element ids are the same on every run (matplotlib rcParams['svg.hashsalt']).
SVG_HASHSALT = "nct04916756"


def write_csv(data: pd.DataFrame, path: str | Path) -> Path:
    """Write ``data`` as CSV deterministically (no index, ``\\n`` line ends, shortest exact floats)."""
    return _atomic_write(paths.resolve(path), lambda p: data.to_csv(p, index=False, lineterminator="\n"))


@contextlib.contextmanager
def _folder_lock(folder: Path):
    """Hold an exclusive lock on ``folder`` while a shared file in it is read, changed and written.

    Notebooks running side by side (``runner``) update the same ``ard.csv`` and
    ``data_queries.csv``; the lock makes each read-change-write whole, so no section is lost.
    """
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def read_ard(reports_dir: str | Path = paths.REPORTS) -> pd.DataFrame | None:
    """Read ``reports/ard.csv`` if it exists, else return ``None``."""
    path = paths.resolve(reports_dir) / "ard.csv"
    if not path.exists():
        return None
    return ard_mod.make_ard(pd.read_csv(path, dtype={c: str for c in ard_mod._TEXT_COLUMNS},
                                        keep_default_na=False, na_values={"stat_value": [""]}))


def save_ard(rows: pd.DataFrame, section: str, *, reports_dir: str | Path = paths.REPORTS) -> pd.DataFrame:
    """Put ``rows`` into ``reports/ard.csv`` as the rows of ``section`` (replacing that section's old rows).

    Returns the whole ARD as written.
    """
    return save_ard_sections({section: rows}, reports_dir=reports_dir)


def save_ard_sections(sections: dict[str, pd.DataFrame], *, reports_dir: str | Path = paths.REPORTS) -> pd.DataFrame:
    """``save_ard`` for several sections (name to rows) at once: ``ard.csv`` is read and written once.

    Returns the whole ARD as written.
    """
    with _folder_lock(paths.resolve(reports_dir)):
        ard = ard_mod.replace_sections(read_ard(reports_dir), sections)
        write_csv(ard, paths.resolve(reports_dir) / "ard.csv")
    return ard


def save_queries(queries: pd.DataFrame, source: str, *, reports_dir: str | Path = paths.REPORTS) -> pd.DataFrame:
    """Put data queries raised by ``source`` into ``reports/data_queries.csv`` (replacing that source's rows)."""
    path = paths.resolve(reports_dir) / "data_queries.csv"
    new = queries.assign(source=source)
    for col in QUERY_COLUMNS:
        new[col] = new[col].astype(str).where(new[col].notna(), "") if col in new else ""
    new = new[list(QUERY_COLUMNS)]
    with _folder_lock(path.parent):
        old = pd.read_csv(path, dtype=str, keep_default_na=False) if path.exists() else None
        out = pd.concat([old[old["source"] != source], new], ignore_index=True) if old is not None else new
        write_csv(out, path)
    return out


def save_table(table: pd.DataFrame, name: str, *, reports_dir: str | Path = paths.REPORTS) -> Path:
    """Write a display table as ``reports/tables/<name>.csv`` (the report's tables, for re-use)."""
    return write_csv(table, paths.resolve(reports_dir) / "tables" / f"{name}.csv")


def save_figure(fig, name: str, *, figures_dir: str | Path = paths.FIGURES) -> tuple[Path, Path]:
    """Save ``fig`` as ``<name>.png`` and ``<name>.svg``, byte-reproducibly (no dates, no versions).

    The layout computed for the PNG is kept (the figure's layout engine is switched off after it),
    so both files show the same layout and it is computed once.
    """
    import matplotlib

    folder = paths.resolve(figures_dir)
    folder.mkdir(parents=True, exist_ok=True)
    png, svg = folder / f"{name}.png", folder / f"{name}.svg"
    with matplotlib.rc_context({"svg.hashsalt": SVG_HASHSALT}):
        _atomic_write(png, lambda p: fig.savefig(p, format="png", dpi=110, metadata={"Software": None}))
        # The PNG's draw placed every axes; keep that layout for the SVG rather than computing it again.
        fig.set_layout_engine("none")
        _atomic_write(svg, lambda p: fig.savefig(p, format="svg", metadata={"Date": None, "Creator": None}))
    return png, svg


def show_figure(fig, name: str, *, figures_dir: str | Path = paths.FIGURES) -> None:
    """Save ``fig`` (``save_figure``), display the saved PNG in the notebook and close the figure.

    The notebook shows exactly the file written under ``figures/``, and the figure is drawn
    twice (PNG, SVG) instead of four times (the inline backend would draw it again, twice,
    to trim its margins). The PNG's alt text is ``name`` in words.
    """
    import matplotlib.pyplot as plt
    from IPython.display import Image, display

    png, _ = save_figure(fig, name, figures_dir=figures_dir)
    plt.close(fig)
    display(Image(data=png.read_bytes(), format="png"), metadata={"alt": name.replace("_", " ")})
