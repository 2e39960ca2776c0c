"""The analysis results dataset (ARD): every number the report shows, in one long table.

One row per analysis x group x parameter x visit x variable x statistic, with the unrounded
value in ``stat_value`` (cards/CDISC ARS style). Tables and figure annotations are formatted
from these rows (``tables``); nothing is computed while formatting.

Columns (``ARD_COLUMNS``):

- ``section``: report section that owns the rows (``efficacy``, ``safety``, ``planning``, ...).
- ``analysis_id``: stable identifier of the analysis, e.g. ``EFF-ESSDAI-SUMMARY``.
- ``group``: treatment arm or other column group (the single arm here; several in multi-arm data).
- ``paramcd``, ``avisit``, ``variable``: what was analysed (e.g. ``ESSDAI``, ``Week 12``, ``CHG``).
- ``category``: a row label within the analysis (a SOC, a PT, a shift category, a scenario); ``""`` if none.
- ``stat_name``, ``stat_value``: the statistic and its unrounded value.
- ``method``, ``population``, ``label``: how, on whom, and a human-readable label.
"""

import numpy as np
import pandas as pd

ARD_COLUMNS = (
    "section", "analysis_id", "group", "paramcd", "avisit", "variable", "category",
    "stat_name", "stat_value", "method", "population", "label",
)
_TEXT_COLUMNS = tuple(c for c in ARD_COLUMNS if c != "stat_value")
#: Order of the sections in ard.csv (the report's order; the notebooks write one or more each).
SECTION_ORDER = ("disposition", "demographics", "eligibility", "efficacy", "efficacy-arms", "safety", "supplement",
                 "planning")
ARD_KEY = ("section", "analysis_id", "group", "paramcd", "avisit", "variable", "category", "stat_name")


def make_ard(stats: pd.DataFrame, **constants: str) -> pd.DataFrame:
    """Return ``stats`` as ARD rows: fill the constant columns, order and type every column.

    Parameters
    ----------
    stats : DataFrame
        At least ``stat_name`` and ``stat_value``; any other ARD column it has is kept.
    **constants : str
        Values for ARD columns that are the same on every row (e.g. ``analysis_id="EFF-1"``).
        Columns neither in ``stats`` nor given here are ``""``.

    Examples
    --------
    >>> ard = make_ard(pd.DataFrame({"stat_name": ["n", "mean"], "stat_value": [11, 10.0]}),
    ...                section="efficacy", analysis_id="EFF-1", paramcd="ESSDAI")
    >>> ard[["analysis_id", "paramcd", "stat_name", "stat_value"]].values.tolist()
    [['EFF-1', 'ESSDAI', 'n', 11.0], ['EFF-1', 'ESSDAI', 'mean', 10.0]]
    """
    unknown = set(constants) - set(ARD_COLUMNS)
    if unknown:
        raise ValueError(f"make_ard: unknown ARD column(s) {sorted(unknown)}")
    out = stats.copy()
    for col, value in constants.items():
        out[col] = value
    for col in _TEXT_COLUMNS:
        out[col] = out[col].fillna("").astype(str) if col in out else ""
    out["stat_value"] = pd.to_numeric(out["stat_value"], errors="raise").astype(float)
    return out[list(ARD_COLUMNS)].reset_index(drop=True)


def stack_ard(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate ARD parts, refusing duplicate keys (one value per statistic)."""
    ard = pd.concat([make_ard(p) for p in parts], ignore_index=True) if parts else make_ard(
        pd.DataFrame({"stat_name": [], "stat_value": []}))
    dup = ard.duplicated(list(ARD_KEY), keep=False)
    if dup.any():
        first = ard.loc[dup, list(ARD_KEY)].iloc[0].to_dict()
        raise ValueError(f"ARD: duplicate statistic {first}")
    return ard


def get_stat(ard: pd.DataFrame, stat_name: str, **where: str) -> float:
    """Return the single ``stat_value`` matching ``stat_name`` and the ``where`` filters.

    Raises ``KeyError`` if none or several rows match, so a display never shows a guess.
    """
    mask = ard["stat_name"] == stat_name
    for col, value in where.items():
        mask &= ard[col] == value
    hits = ard.loc[mask, "stat_value"]
    if len(hits) != 1:
        raise KeyError(f"ARD: {len(hits)} rows for stat_name={stat_name!r}, {where}")
    return float(hits.iloc[0])


def replace_section(current: pd.DataFrame | None, section_rows: pd.DataFrame, section: str) -> pd.DataFrame:
    """Replace the rows of ``section`` in ``current`` by ``section_rows`` (re-running a notebook never duplicates).

    Rows are then sorted by section in a fixed order and kept in their own order within a section.
    """
    return replace_sections(current, {section: section_rows})


def replace_sections(current: pd.DataFrame | None, sections: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Replace the rows of each section in ``sections`` (name to rows), as ``replace_section`` does for one.

    Every row is typed (``make_ard``); the new rows are checked for duplicate statistics. The rows
    kept from ``current`` (``report.read_ard``) were checked when they were written, and cannot
    duplicate a new row, since ``section`` is part of ``ARD_KEY``.

    Examples
    --------
    >>> rows = make_ard(pd.DataFrame({"stat_name": ["n"], "stat_value": [3]}))
    >>> out = replace_sections(None, {"safety": rows, "disposition": rows})
    >>> out["section"].tolist(), replace_sections(out, {"safety": rows.iloc[:0]})["section"].tolist()
    (['disposition', 'safety'], ['disposition'])
    """
    new = stack_ard([rows.assign(section=section) for section, rows in sections.items()])  # typed by stack_ard
    kept = None if current is None or not len(current) else make_ard(current[~current["section"].isin(list(sections))])
    ard = pd.concat([kept, new], ignore_index=True) if kept is not None and len(kept) else new
    order = {s: i for i, s in enumerate(SECTION_ORDER)}
    rank = ard["section"].map(order).fillna(len(order)).to_numpy()
    return ard.iloc[np.argsort(rank, kind="stable")].reset_index(drop=True)
