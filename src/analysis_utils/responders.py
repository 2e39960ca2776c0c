"""Responder rates: n/N (%) of patients meeting a response flag at a visit, with the exact Clopper-Pearson CI.

The flags themselves (ESSDAI MCII ``CRIT1FL``, ESSPRI MCII ``CRIT2FL``, ESSPRI PASS ``CRIT3FL``, remission
``AVALC``) are derived in ``analysis_utils.scoring``; here they are only counted. N = patients with an
evaluable flag (``Y``/``N``) at the visit; the CI is Clopper-Pearson from beta quantiles.
"""

import math

import pandas as pd
from scipy import stats

from analysis_utils.scoring import ESSDAI_MCII_DECREASE
from analysis_utils.summaries import CONF_LEVEL, _reject

#: Method statement of a responder rate (ARD ``method``).
CP_METHOD = "n/N (%), N = patients evaluable at the visit; exact Clopper-Pearson 95% CI"
#: Method statement of a remission rate, whose N is its own (one definition of N, not two).
REMISSION_METHOD = ("n/N (%), N = patients involved at baseline with an assessment at the visit; exact Clopper-Pearson "
                    "95% CI")
#: ESSDAI minimal clinically important improvement as a change: -3 points or less (``scoring.ESSDAI_MCII_DECREASE``,
#: Seror et al. Ann Rheum Dis 2016;75:382-9). Used for the waterfall line; the flag itself is CRIT1FL.
ESSDAI_MCII_CHANGE = -float(ESSDAI_MCII_DECREASE)


def compute_clopper_pearson(x: int, n: int, *, conf_level: float = CONF_LEVEL) -> tuple[float, float]:
    """Return the exact Clopper-Pearson CI of a proportion x/n from beta quantiles.

    Examples
    --------
    >>> tuple(round(v, 4) for v in compute_clopper_pearson(8, 9))
    (0.5175, 0.9972)
    """
    if n == 0:
        return math.nan, math.nan
    alpha = 1.0 - conf_level
    lo = 0.0 if x == 0 else float(stats.beta.ppf(alpha / 2.0, x, n - x + 1))
    hi = 1.0 if x == n else float(stats.beta.ppf(1.0 - alpha / 2.0, x + 1, n - x))
    return lo, hi


def summarize_responders(data: pd.DataFrame, *, flag: str = "CRIT1FL", by=("PARAMCD", "AVISIT"),
                         conf_level: float = CONF_LEVEL) -> pd.DataFrame:
    """Count responders (``flag == "Y"``) among evaluable records (``flag`` in Y/N) in each ``by`` cell.

    Returns
    -------
    DataFrame
        Columns ``*by, stat_name, stat_value`` with stat_name n_responders, n_evaluable, pct
        (0-100, as tables show it), rate (the same, a proportion 0-1) and ci_lower, ci_upper (exact
        Clopper-Pearson, proportions 0-1: the interval of ``rate``, as the between-arm rows have it).

    Examples
    --------
    >>> d = pd.DataFrame({"PARAMCD": "ESSDAI", "AVISIT": "Week 24", "CRIT1FL": ["Y"] * 8 + ["N", ""]})
    >>> summarize_responders(d)["stat_value"].round(4).tolist()
    [8.0, 9.0, 88.8889, 0.8889, 0.5175, 0.9972]
    """
    keys = list(by)
    bad = data[flag].notna() & ~data[flag].isin(["Y", "N", ""])
    _reject(data, bad, f"{flag} must be 'Y', 'N' or blank, got {data.loc[bad, flag].head(1).tolist()}")
    evaluable = data[data[flag].isin(["Y", "N"])]
    counts = evaluable.assign(_y=evaluable[flag].eq("Y")).groupby(keys, sort=True)["_y"].agg(["sum", "count"])
    lo_hi = [compute_clopper_pearson(int(x), int(n), conf_level=conf_level)
             for x, n in zip(counts["sum"], counts["count"])]
    table = pd.DataFrame({
        "n_responders": counts["sum"].astype(float), "n_evaluable": counts["count"].astype(float),
        "pct": 100.0 * counts["sum"] / counts["count"], "rate": counts["sum"] / counts["count"],
        "ci_lower": [lo for lo, _ in lo_hi], "ci_upper": [hi for _, hi in lo_hi],
    }, index=counts.index)
    long = table.stack(future_stack=True).rename("stat_value").reset_index()
    return long.rename(columns={long.columns[len(keys)]: "stat_name"})
