"""Descriptive summaries of efficacy data by visit: n, mean, SD, median, quartiles, range; category counts.

Methods (stated in each ARD row's ``method``)
---------------------------------------------
- Summaries: n, mean, SD (n - 1 denominator), median, Q1, Q3, min, max of the non-missing values.
  Quartiles are Hyndman-Fan type 2 (``QUANTILE_METHOD``), the SAS default (QNTLDEF=5) and the default
  of tern's summaries; with 11 patients the choice changes Q1/Q3, so it is fixed and stated.
- Categories (ESSDAI activity): n/N (%), N = patients with a category at the visit, every level shown.

Every function returns unrounded numbers; ``analysis_utils.efficacy_ard`` turns them into ARD rows.
"""

import math

import numpy as np
import pandas as pd

#: Confidence level of every interval in the efficacy section.
CONF_LEVEL = 0.95


#: numpy quantile method for Q1/Q3: Hyndman-Fan type 2 (SAS QNTLDEF=5, tern default).
QUANTILE_METHOD = "averaged_inverted_cdf"


#: Method statement of a continuous summary (ARD ``method``).
SUMMARY_METHOD = "n, mean, SD (n-1), median, Q1/Q3 (Hyndman-Fan type 2, as SAS QNTLDEF=5), min, max"
#: Method statement of category counts (ARD ``method``).
CATEGORY_METHOD = "n/N (%), N = patients with a category at the visit"
#: Statistics of a continuous summary, in display order.
SUMMARY_STATS = ("n", "mean", "sd", "median", "q1", "q3", "min", "max")


#: ESSDAI activity categories of AVALCAT1 (Seror et al. 2016: < 5, 5-13, >= 14).
ACTIVITY_CATEGORIES = ("Low", "Moderate", "High")


def compute_quantile(values, q: float) -> float:
    """Return the ``q`` quantile of the non-missing ``values`` by ``QUANTILE_METHOD`` (type 2).

    Type 2 averages the two middle order statistics when ``n q`` is an integer, else takes
    the next order statistic up.

    Examples
    --------
    >>> compute_quantile([1, 2, 3, 4], 0.25), compute_quantile([1, 2, 3, 4, 5], 0.25)
    (1.5, 2.0)
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    return float(np.quantile(x, q, method=QUANTILE_METHOD)) if len(x) else math.nan


def summarize_by_visit(data: pd.DataFrame, *, value: str = "AVAL", by=("PARAMCD", "AVISIT"),
                       group: str | None = None) -> pd.DataFrame:
    """Summarise ``value`` (n, mean, SD, median, Q1, Q3, min, max) within each ``by`` x ``group`` cell.

    Missing values are left out (n counts the non-missing ones); a cell without any value has no rows.
    SD has the n - 1 denominator (NaN for n = 1); quartiles follow ``QUANTILE_METHOD``.

    Parameters
    ----------
    data : DataFrame
        Long data (one row per subject x parameter x visit, e.g. adeff or CDISC ADADAS).
    value : str, default 'AVAL'
        Numeric column to summarise (``AVAL``, ``CHG``, ``PCHG``...).
    by : sequence of str, default ('PARAMCD', 'AVISIT')
        Columns defining the cells.
    group : str, optional
        Column of the treatment group (e.g. ``TRTP``), added to the cells.

    Returns
    -------
    DataFrame
        Columns ``*by, [group], variable, stat_name, stat_value``; ``variable`` is ``value`` and
        ``stat_name`` runs through ``SUMMARY_STATS`` within each cell, cells sorted by key.

    Examples
    --------
    >>> d = pd.DataFrame({"PARAMCD": "X", "AVISIT": "Baseline", "AVAL": [1.0, 2.0, 4.0, None]})
    >>> summarize_by_visit(d).set_index("stat_name")["stat_value"].round(4).to_dict()
    {'n': 3.0, 'mean': 2.3333, 'sd': 1.5275, 'median': 2.0, 'q1': 1.0, 'q3': 4.0, 'min': 1.0, 'max': 4.0}
    """
    keys = list(by) + ([group] if group else [])
    absent = [c for c in keys + [value] if c not in data.columns]
    if absent:
        raise ValueError(f"summarize_by_visit: column(s) {absent} not in the data")
    numbers = pd.to_numeric(data[value], errors="coerce")
    _reject(data, numbers.isna() & data[value].notna(),
            f"{value} is not a number: {data.loc[numbers.isna() & data[value].notna(), value].head(1).tolist()}")
    # Codes of each key in sorted order (missing key: -1, left out as groupby does); one sort then puts
    # each cell's values together, cells in key order and values increasing, so each cell is a slice.
    codes = np.array([pd.factorize(data[k], sort=True)[0] for k in keys]).reshape(len(keys), len(data))
    keep = numbers.notna().to_numpy() & (codes >= 0).all(axis=0)
    codes, values = codes[:, keep], numbers.to_numpy(dtype=float)[keep]
    order = np.lexsort((values, *codes[::-1]))
    codes, values = codes[:, order], values[order]
    new_cell = np.r_[len(values) > 0, (codes[:, 1:] != codes[:, :-1]).any(axis=0)]
    starts = np.flatnonzero(new_cell)
    stats_ = [_summary_stats(values[a:b]) for a, b in zip(starts, np.r_[starts[1:], len(values)])]
    cells = data.loc[keep, keys].iloc[order[starts]]
    long = cells.iloc[np.repeat(np.arange(len(cells)), len(SUMMARY_STATS))].reset_index(drop=True)
    return long.assign(variable=value, stat_name=SUMMARY_STATS * len(starts),
                       stat_value=np.array(stats_, dtype=float).reshape(-1))


def _summary_stats(ordered: np.ndarray) -> tuple:
    """``SUMMARY_STATS`` of a non-empty vector sorted in increasing order."""
    n = len(ordered)
    q1, median, q3 = np.quantile(ordered, (0.25, 0.5, 0.75), method=QUANTILE_METHOD)  # type 2 median = usual median
    return (n, ordered.mean(), ordered.std(ddof=1) if n > 1 else math.nan, median, q1, q3, ordered[0], ordered[-1])


def _reject(data: pd.DataFrame, bad: pd.Series, rule: str) -> None:
    """Raise ``ValueError`` naming the first offending record (subject, parameter, visit) and the rule."""
    if bad.any():
        row = data.loc[bad].iloc[0]
        where = ", ".join(f"{c} {row[c]}" for c in ("USUBJID", "PARAMCD", "AVISIT") if c in data.columns)
        raise ValueError(f"{where}: {rule}")


def summarize_categories(data: pd.DataFrame, *, var: str = "AVALCAT1", levels=ACTIVITY_CATEGORIES,
                         by=("PARAMCD", "AVISIT")) -> pd.DataFrame:
    """Count each category of ``var`` (all ``levels``, zeros included) among records with a category.

    Returns
    -------
    DataFrame
        Columns ``*by, category, stat_name, stat_value`` with stat_name n, n_evaluable, pct (0-100).

    Examples
    --------
    >>> d = pd.DataFrame({"PARAMCD": "ESSDAI", "AVISIT": "Week 24", "AVALCAT1": ["Low", "Low", "High"]})
    >>> summarize_categories(d).query("stat_name == 'n'")[["category", "stat_value"]].values.tolist()
    [['Low', 2.0], ['Moderate', 0.0], ['High', 1.0]]
    """
    keys = list(by)
    known = data[data[var].isin(levels)]
    bad = data[var].notna() & (data[var] != "") & ~data[var].isin(levels)
    _reject(data, bad, f"{var} value {data.loc[bad, var].head(1).tolist()} is not one of {list(levels)}")
    counts = known.groupby(keys + [var], sort=True).size().unstack(var, fill_value=0)
    long = counts.reindex(columns=list(levels), fill_value=0).stack(future_stack=True).rename("n").reset_index()
    long.columns = keys + ["category", "n"]
    long["n_evaluable"] = long.groupby(keys, sort=False)["n"].transform("sum")
    long["pct"] = 100.0 * long["n"] / long["n_evaluable"]
    out = long.melt(id_vars=keys + ["category"], value_vars=["n", "n_evaluable", "pct"],
                    var_name="stat_name", value_name="stat_value")
    out["_c"] = out["category"].map({c: i for i, c in enumerate(levels)})
    out["_s"] = out["stat_name"].map({s: i for i, s in enumerate(("n", "n_evaluable", "pct"))})
    out = out.sort_values(keys + ["_c", "_s"], kind="stable").drop(columns=["_c", "_s"])
    out["stat_value"] = out["stat_value"].astype(float)
    return out.reset_index(drop=True)
