"""Change from baseline within patients: paired tests and estimates, and the Friedman test across visits.

Methods (stated in each ARD row's ``method``)
---------------------------------------------
- Paired Wilcoxon signed-rank test on the change from baseline, two-sided. Zero differences are
  dropped before ranking (``WILCOXON_ZERO_METHOD = "wilcox"``, as R ``wilcox.test`` and SAS PROC
  UNIVARIATE); tied absolute differences get mid-ranks. The p-value is exact: the permutation
  distribution of the mid-rank statistic over all 2^n sign flips (which, without ties, is the
  classical exact distribution), for up to ``EXACT_MAX_N`` non-zero differences; beyond, the normal
  approximation with tie and continuity correction. The statistic reported is V = W+ (sum of the
  ranks of the positive differences, R's ``V``).
  It is the primary test of the change (no normality needed with n = 11); the paired t-test is shown beside it.
- Hodges-Lehmann estimate: median of the n(n+1)/2 Walsh averages of all differences (zeros kept;
  R's ``wilcox.test`` drops them first).
  Its CI: Walsh averages of order k and M + 1 - k, M = n(n+1)/2, k from the exact null distribution
  of the signed-rank statistic without ties (Hollander, Wolfe & Chicken 2014, §3.3; as R's exact
  ``wilcox.test(conf.int = TRUE)``); the achieved level is reported (``conf_level``). With ties or
  zeros the coverage is approximate. For n <= 5 no such interval reaches 95 % and the CI is missing.
- Paired t-test on the change, with its 95 % CI mean +/- t(0.975, n-1) SD / sqrt(n).
- Effect sizes: Cohen's dz = mean change / SD of change; matched-pairs rank-biserial correlation
  r = (W+ - W-) / (W+ + W-) over the non-zero differences (Kerby 2014), negative when values fall.
- Friedman test across the scheduled visits on the complete cases (chi-square approximation with tie
  correction, scipy); the visits are those of the data (``cleaning.visit_order``), by planned week.
"""

import math

import numpy as np
import pandas as pd
from scipy import stats

from analysis_utils.summaries import CONF_LEVEL
from analysis_utils.visits import visit_weeks

#: Method statements of the paired analyses (ARD ``method``); the Wilcoxon test states its own (ties, zeros).
TTEST_METHOD = "Paired t-test, two-sided; 95% CI mean +/- t(0.975, n-1) SD/sqrt(n)"
HL_METHOD = ("Hodges-Lehmann: median of Walsh averages; CI from Walsh-average order statistics "
             "(exact signed-rank distribution without ties)")
EFFSIZE_METHOD = "Cohen's dz = mean/SD of change; matched-pairs rank-biserial (Kerby 2014)"


#: Zero differences are dropped before ranking (Wilcoxon 1945; R wilcox.test, SAS UNIVARIATE).
WILCOXON_ZERO_METHOD = "wilcox"


#: Largest number of non-zero differences with an exact signed-rank p-value (normal approximation beyond).
EXACT_MAX_N = 50


#: Differences are rounded to this many decimals before ranking, so that binary noise
#: (e.g. 5.67 - 4.33 versus 1.34 for ESSPRI thirds) neither breaks nor invents ties.
DIFF_DECIMALS = 10


def _differences(diff) -> np.ndarray:
    d = np.round(np.asarray(diff, dtype=float), DIFF_DECIMALS)
    return d[~np.isnan(d)]


def signed_rank_null_counts(n: int) -> np.ndarray:
    """Return, for T+ = 0 ... n(n+1)/2, the number of the 2^n sign patterns giving that signed-rank sum.

    The exact null distribution of the Wilcoxon signed-rank statistic without ties (ranks 1..n).

    Examples
    --------
    >>> signed_rank_null_counts(3).tolist()
    [1, 1, 1, 2, 1, 1, 1]
    """
    counts = np.zeros(n * (n + 1) // 2 + 1, dtype=np.int64)
    counts[0] = 1
    for rank in range(1, n + 1):
        shifted = np.zeros_like(counts)
        shifted[rank:] = counts[:-rank]
        counts = counts + shifted
    return counts


def _signed_rank_p_value(weights: np.ndarray, observed: int) -> float:
    """Two-sided exact p-value of the signed-rank sum with integer rank ``weights`` (all 2^n sign flips)."""
    counts = np.zeros(int(weights.sum()) + 1, dtype=np.int64)
    counts[0] = 1
    for w in weights:
        shifted = np.zeros_like(counts)
        shifted[w:] = counts[:len(counts) - w]
        counts = counts + shifted
    sums = np.arange(len(counts))
    total2 = int(weights.sum())  # twice the null mean
    extreme = np.abs(2 * sums - total2) >= abs(2 * observed - total2)
    return min(float(counts[extreme].sum() / 2.0 ** len(weights)), 1.0)


def compute_wilcoxon(diff) -> dict:
    """Test whether paired differences are centred on zero: two-sided Wilcoxon signed-rank test.

    Zero differences are dropped and tied absolute differences get mid-ranks. For up to
    ``EXACT_MAX_N`` non-zero differences the p-value is exact: the share of the 2^n sign flips whose
    signed-rank sum W+ lies at least as far from its null mean as the observed one, counted by
    convolution over the (doubled, hence integer) mid-ranks. This is the exact conditional
    (permutation) distribution; it equals ``scipy.stats.wilcoxon(method=PermutationMethod())`` and,
    without ties, ``method="exact"``. Beyond, scipy's normal approximation with tie and continuity
    correction. ``method`` says which was used.

    Returns
    -------
    dict
        ``statistic`` (V = W+), ``p_value``, ``n`` (all differences), ``n_nonzero``, ``method``.

    Examples
    --------
    >>> r = compute_wilcoxon([-3, -3, -1, 0, 2, -5])
    >>> r["statistic"], r["p_value"], r["n_nonzero"]
    (2.0, 0.1875, 5.0)
    """
    d = _differences(diff)
    nz = d[d != 0]
    out = {"statistic": math.nan, "p_value": math.nan, "n": float(len(d)), "n_nonzero": float(len(nz))}
    zeros = f"{len(d) - len(nz)} zero difference(s) dropped" if len(d) > len(nz) else "no zero differences"
    if len(nz) == 0:
        return {**out, "method": f"Wilcoxon signed-rank: no non-zero differences ({zeros})"}
    ranks = stats.rankdata(np.abs(nz))
    ties = "mid-ranks for ties" if len(np.unique(np.abs(nz))) < len(nz) else "no ties"
    w_plus = float(ranks[nz > 0].sum())
    if len(nz) <= EXACT_MAX_N:
        doubled = np.rint(2 * ranks).astype(np.int64)
        p_value = _signed_rank_p_value(doubled, int(round(2 * w_plus)))
        kind = f"exact distribution over all 2^n sign flips ({ties})"
    else:
        p_value = float(stats.wilcoxon(nz, zero_method=WILCOXON_ZERO_METHOD, method="approx", correction=True).pvalue)
        kind = f"normal approximation with tie and continuity correction ({ties})"
    method = f"Wilcoxon signed-rank, two-sided, {kind}; {zeros} (zero_method='wilcox'); statistic V = W+"
    return {**out, "statistic": w_plus, "p_value": p_value, "method": method}


def compute_hodges_lehmann(diff, *, conf_level: float = CONF_LEVEL) -> dict:
    """Estimate the median paired difference by Hodges-Lehmann, with its distribution-free CI.

    Returns
    -------
    dict
        ``estimate`` (median of the Walsh averages), ``ci_lower``, ``ci_upper`` (Walsh averages of
        order k and M + 1 - k) and ``conf_level`` (achieved level 1 - 2 P0(T+ <= k - 1)); the CI
        is NaN when n is too small to reach ``conf_level``.

    Examples
    --------
    >>> r = compute_hodges_lehmann([-4, -3, -3, -2, -1, 0, 1])
    >>> r["estimate"], r["ci_lower"], r["ci_upper"], round(r["conf_level"], 4)
    (-1.75, -3.5, 0.0, 0.9531)
    """
    d = _differences(diff)
    n = len(d)
    out = {"estimate": math.nan, "ci_lower": math.nan, "ci_upper": math.nan, "conf_level": math.nan}
    if n == 0:
        return out
    walsh = _walsh_order_statistic(d)
    m = n * (n + 1) // 2
    out["estimate"] = walsh(m // 2 + 1) if m % 2 else (walsh(m // 2) + walsh(m // 2 + 1)) / 2.0
    alpha = 1.0 - conf_level
    if n <= EXACT_MAX_N:
        cdf = np.cumsum(signed_rank_null_counts(n)) / 2.0 ** n
        k = int(np.searchsorted(cdf, alpha / 2.0, side="right"))  # largest k with P0(T+ <= k-1) <= alpha/2
        achieved = 1.0 - 2.0 * cdf[k - 1] if k else math.nan
    else:  # normal approximation of T+ (mean n(n+1)/4, variance n(n+1)(2n+1)/24), continuity-corrected
        mu, sigma = n * (n + 1) / 4.0, math.sqrt(n * (n + 1) * (2 * n + 1) / 24.0)
        k = int(math.floor(mu - 0.5 + sigma * stats.norm.ppf(alpha / 2.0))) + 1
        achieved = 1.0 - 2.0 * float(stats.norm.cdf((k - 1 + 0.5 - mu) / sigma))
    if k <= 0:
        return out
    return {**out, "ci_lower": walsh(k), "ci_upper": walsh(m + 1 - k), "conf_level": float(achieved)}


def _walsh_order_statistic(d: np.ndarray):
    """Return ``f(k)``, the k-th smallest (1-based) of the n(n+1)/2 Walsh averages of ``d``.

    Works on the distinct values and their counts, so tied data (integer scores) of any size
    need only (number of distinct values)^2 / 2 pairs, never n^2 / 2.
    """
    values, counts = np.unique(d, return_counts=True)
    i, j = np.triu_indices(len(values))
    weights = np.where(i == j, counts[i] * (counts[i] + 1) // 2, counts[i] * counts[j])
    averages = (values[i] + values[j]) / 2.0
    order = np.argsort(averages, kind="stable")
    averages, cumulative = averages[order], np.cumsum(weights[order])
    return lambda k: float(averages[np.searchsorted(cumulative, k, side="left")])


def compute_paired_t(diff, *, conf_level: float = CONF_LEVEL) -> dict:
    """Test the mean paired difference against zero (two-sided t-test) and give its CI.

    Returns
    -------
    dict
        ``estimate`` (mean), ``sd``, ``ci_lower``, ``ci_upper`` (mean +/- t SD / sqrt(n)),
        ``statistic`` (t), ``df`` (n - 1), ``p_value``.

    Examples
    --------
    >>> r = compute_paired_t([-2.0, -4.0, -6.0])
    >>> r["estimate"], round(r["statistic"], 6), r["df"]
    (-4.0, -3.464102, 2.0)
    """
    d = _differences(diff)
    n = len(d)
    mean = float(d.mean()) if n else math.nan
    sd = float(d.std(ddof=1)) if n > 1 else math.nan
    out = {"estimate": mean, "sd": sd, "ci_lower": math.nan, "ci_upper": math.nan,
           "statistic": math.nan, "df": float(n - 1) if n else math.nan, "p_value": math.nan}
    if n < 2 or sd == 0:
        return out
    half = stats.t.ppf(0.5 + conf_level / 2.0, n - 1) * sd / math.sqrt(n)
    t_stat = mean / (sd / math.sqrt(n))
    return {**out, "ci_lower": mean - half, "ci_upper": mean + half, "statistic": t_stat,
            "p_value": float(2.0 * stats.t.sf(abs(t_stat), n - 1))}


def compute_effect_sizes(diff) -> dict:
    """Return Cohen's dz (mean / SD) and the matched-pairs rank-biserial correlation of differences.

    Examples
    --------
    >>> compute_effect_sizes([-3.0, -1.0, 0.0, 2.0])
    {'cohen_dz': -0.2401922307076307, 'rank_biserial': -0.3333333333333333}
    """
    d = _differences(diff)
    nz = d[d != 0]
    sd = d.std(ddof=1) if len(d) > 1 else math.nan
    dz = float(d.mean() / sd) if len(d) > 1 and sd > 0 else math.nan
    if len(nz) == 0:
        return {"cohen_dz": dz, "rank_biserial": math.nan}
    ranks = stats.rankdata(np.abs(nz))
    w_plus, w_minus = ranks[nz > 0].sum(), ranks[nz < 0].sum()
    return {"cohen_dz": dz, "rank_biserial": float((w_plus - w_minus) / (w_plus + w_minus))}


def _stat_records(analysis: str, results: dict, names, method: str, *, category: str = "") -> list[tuple]:
    return [(analysis, category, name, float(results[name]), method) for name in names]


def compare_paired(diff, *, conf_level: float = CONF_LEVEL) -> pd.DataFrame:
    """Run the paired analyses of one set of changes: Wilcoxon, t-test, Hodges-Lehmann, effect sizes.

    Returns
    -------
    DataFrame
        Columns ``analysis`` (WILCOXON, TTEST, HL, EFFSIZE), ``category``, ``stat_name``,
        ``stat_value``, ``method``.

    Examples
    --------
    >>> compare_paired([-3, -1, -4, 0, -2, -5, 1]).groupby("analysis", sort=False).size().to_dict()
    {'WILCOXON': 4, 'TTEST': 6, 'HL': 4, 'EFFSIZE': 2}
    """
    w = compute_wilcoxon(diff)
    t = compute_paired_t(diff, conf_level=conf_level)
    hl = compute_hodges_lehmann(diff, conf_level=conf_level)
    es = compute_effect_sizes(diff)
    records = [
        *_stat_records("WILCOXON", w, ("statistic", "p_value", "n", "n_nonzero"), w["method"]),
        *_stat_records("TTEST", t, ("estimate", "ci_lower", "ci_upper", "statistic", "df", "p_value"),
                       TTEST_METHOD),
        *_stat_records("HL", hl, ("estimate", "ci_lower", "ci_upper", "conf_level"), HL_METHOD),
        *_stat_records("EFFSIZE", {"estimate": es["cohen_dz"]}, ("estimate",), EFFSIZE_METHOD,
                       category="cohen_dz"),
        *_stat_records("EFFSIZE", {"estimate": es["rank_biserial"]}, ("estimate",), EFFSIZE_METHOD,
                       category="rank_biserial"),
    ]
    return pd.DataFrame(records, columns=["analysis", "category", "stat_name", "stat_value", "method"])


def friedman_method(visits) -> str:
    """Method statement of the Friedman test across ``visits`` (ARD ``method``).

    >>> friedman_method(["Baseline", "Week 12", "Week 24"])
    'Friedman test across Baseline, Week 12, Week 24 on complete cases (chi-square, tie-corrected)'
    """
    return f"Friedman test across {', '.join(visits)} on complete cases (chi-square, tie-corrected)"


def compare_visits_friedman(data: pd.DataFrame, *, value: str = "AVAL", visits=None,
                            subject: str = "USUBJID") -> dict:
    """Test whether ``value`` differs across ``visits`` (Friedman) on subjects with every visit.

    ``data`` holds one parameter; each subject x visit must be unique. ``visits`` default to the scheduled
    visits of ``data`` (``visits.visit_weeks``: every visit with a planned week, in week order; without an
    ``AVISITN`` column, its visits in order of appearance).

    Returns
    -------
    dict
        ``statistic`` (chi-square, tie-corrected), ``df`` (visits - 1), ``p_value``, ``n`` (complete cases);
        statistic and p-value missing with fewer than 2 complete cases or 3 visits.

    Examples
    --------
    >>> d = pd.DataFrame({"USUBJID": list("aaabbbccc"), "AVISIT": ["Baseline", "Week 12", "Week 24"] * 3,
    ...                   "AVISITN": [0, 12, 24] * 3, "AVAL": [9, 5, 3, 8, 6, 2, 7, 7, 1]})
    >>> round(compare_visits_friedman(d)["statistic"], 4)  # (31/6) / (1 - 6/72), tie-corrected
    5.6364
    """
    if visits is None:
        visits = visit_weeks(data) if "AVISITN" in data.columns else dict.fromkeys(data["AVISIT"].dropna())
    visits = tuple(visits)
    rows = data[data["AVISIT"].isin(visits)].dropna(subset=[value])
    dup = rows.duplicated([subject, "AVISIT"], keep=False)
    if dup.any():
        first = rows.loc[dup].iloc[0]
        raise ValueError(f"Friedman: several records for subject {first[subject]} at {first['AVISIT']}")
    wide = rows.pivot(index=subject, columns="AVISIT", values=value).reindex(columns=list(visits)).dropna()
    out = {"statistic": math.nan, "df": float(len(visits) - 1), "p_value": math.nan, "n": float(len(wide))}
    if len(wide) < 2 or len(visits) < 3:  # the test needs three visits or more
        return out
    res = stats.friedmanchisquare(*[wide[v].to_numpy(dtype=float) for v in visits])
    return {**out, "statistic": float(res.statistic), "p_value": float(res.pvalue)}
