"""Efficacy endpoints: summaries, paired tests, estimates, responder rates and missing-data analyses.

Every function returns unrounded numbers; ``summarize_efficacy`` gathers them into ARD rows
(``analysis_utils.ard``) and the ``format_*`` / ``describe_*`` functions at the end of the module
only lay out ARD rows for display (rounding through ``analysis_utils.tables``).

Methods (fixed here, stated in each ARD row's ``method``)
---------------------------------------------------------
- Summaries: n, mean, SD (n - 1 denominator), median, Q1, Q3, min, max of the non-missing values.
  Quartiles are Hyndman-Fan type 2 (``QUANTILE_METHOD``), the SAS default (QNTLDEF=5) and the default
  of tern's summaries; with 11 patients the choice changes Q1/Q3, so it is fixed and stated.
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
- Responder rates: n/N (%) with N = patients with an evaluable flag at the visit, and the exact
  Clopper-Pearson 95 % CI from beta quantiles.
- Friedman test across the three visits on the complete cases (chi-square approximation with tie
  correction, scipy).
- Missing data: observed cases on the full analysis set are primary (each patient's visits as
  attended; nothing is assumed about values never measured, and n is shown at every visit).
  Side by side: BOCF (``impute_bocf``: the baseline record fills a missed visit, so a dropout is
  unchanged and an MCII non-responder), LOCF (``impute_locf``: the last observed record) and a
  linear mixed model (``fit_mixed_model``: ``AVAL ~ C(AVISITN)`` with a random intercept per
  subject over every available visit, baseline included, REML; valid under missing at random).
  The model on AVAL was preferred to ``CHG ~ visit + BASE`` because with two post-baseline visits
  the latter drops the subjects who have only a baseline value.
- Interim data cuts: a visit is imputed (BOCF, LOCF) or modelled as missing (mixed model) only when it
  was due at the data cut (ADSL ``DUE12FL``/``DUE24FL``, rule ``cleaning.VISIT_DUE_RULE``): a patient whose
  visit is not yet due is not in that visit's denominator, and the mixed model's estimate at a visit is
  fitted on the patients for whom that visit was due. At the final cut every visit is due.
- Display: ``format_*`` lay ARD rows out as tables and ``describe_*`` write the one-sentence
  interpretations; both take every number from the ARD and round only through ``analysis_utils.tables``
  (decimals: ``DISPLAY_DECIMALS``).

Analysis identifiers (ARD ``analysis_id``; ``{P}`` = ESSDAI, ESSPRI, PGA or a lab PARAMCD,
``{V}`` = W12 or W24, ``{S}`` = "" for observed cases or "-BOCF" / "-LOCF")
-------------------------------------------------------------------------------------------------
- ``EFF-{P}-SUMMARY{S}``: n ... max of AVAL by visit, and of CHG, PCHG at post-baseline visits.
- ``EFF-{P}-{V}-WILCOXON{S}``: statistic (V = W+), p_value, n (pairs), n_nonzero.
- ``EFF-{P}-{V}-TTEST{S}``: estimate (mean change), ci_lower, ci_upper, statistic, df, p_value.
- ``EFF-{P}-{V}-HL{S}``: estimate, ci_lower, ci_upper, conf_level (achieved).
- ``EFF-{P}-{V}-EFFSIZE{S}``: estimate, category ``cohen_dz`` or ``rank_biserial``.
- ``EFF-{P}-FRIEDMAN``: statistic, df, p_value, n (complete cases), observed cases.
- ``EFF-{P}-MIXED``: estimate, ci_lower, ci_upper, p_value, df at each post-baseline visit; n_subjects,
  n_obs and converged (1/0) at avisit ``""``.
- ``EFF-ESSDAI-MCII{S}``, ``EFF-ESSPRI-MCII{S}``, ``EFF-ESSPRI-PASS{S}``: n_responders, n_evaluable,
  pct, ci_lower, ci_upper.
- ``EFF-ESSDAI-ACTCAT{S}``: n, n_evaluable, pct per category (Low / Moderate / High).
- ``EFF-REMISSION``: responder statistics of REMARTIC, REMCUTAN, REMHAEM and ILDIMP (patients
  involved at baseline).
- ``EFF-EDS-SUMMARY``: summaries of the ESSDAI domain scores by visit.
- ``EFF-VISITS-DUE``: n_fas and n_due (patients of the full analysis set whose visit was due at the data
  cut) at each post-baseline visit.
"""

import math
import re
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from analysis_utils import ard as ard_mod
from analysis_utils import tables
from analysis_utils.cleaning import DUE_FLAGS
from analysis_utils.vocabulary import (
    ARM, AVISIT_ORDER, AVISITN, ESSDAI_SCORE_PARAMCD, PARAMCD_ESSDAI, PARAMCD_ESSPRI, PARAMCD_PGA, RESPONSE_LABELS,
    param_label,
)

#: Confidence level of every interval in the efficacy section.
CONF_LEVEL = 0.95
#: ESSDAI minimal clinically important improvement: a change of -3 points or less (Seror et al.
#: Ann Rheum Dis 2016;75:382-9, abstract and Table 4). Used for the waterfall line; the flag itself is CRIT1FL.
ESSDAI_MCII_CHANGE = -3.0
#: numpy quantile method for Q1/Q3: Hyndman-Fan type 2 (SAS QNTLDEF=5, tern default).
QUANTILE_METHOD = "averaged_inverted_cdf"
#: Zero differences are dropped before ranking (Wilcoxon 1945; R wilcox.test, SAS UNIVARIATE).
WILCOXON_ZERO_METHOD = "wilcox"
#: Largest number of non-zero differences with an exact signed-rank p-value (normal approximation beyond).
EXACT_MAX_N = 50
#: Differences are rounded to this many decimals before ranking, so that binary noise
#: (e.g. 5.67 - 4.33 versus 1.34 for ESSPRI thirds) neither breaks nor invents ties.
DIFF_DECIMALS = 10
#: Statistics of a continuous summary, in display order.
SUMMARY_STATS = ("n", "mean", "sd", "median", "q1", "q3", "min", "max")
#: Population labels of the ARD, by missing-data approach.
POPULATIONS = {
    "OC": "FAS (observed cases)", "BOCF": "FAS (BOCF)", "LOCF": "FAS (LOCF)", "MIXED": "FAS (mixed model)",
    "DUE": "FAS (visit due at the data cut)",
}
#: Endpoint totals analysed by visit.
ENDPOINT_PARAMCDS = (PARAMCD_ESSDAI, PARAMCD_ESSPRI, PARAMCD_PGA)
#: Laboratory markers of disease activity analysed as change from baseline (adlb PARAMCD).
EFFICACY_LAB_PARAMCDS = ("IGG", "ESR", "CRP", "C3", "C4")
#: Remission/improvement parameters of adeff (post-baseline, patients involved at baseline).
REMISSION_PARAMCDS = ("REMARTIC", "REMCUTAN", "REMHAEM", "ILDIMP")
#: ESSDAI activity categories of AVALCAT1 (Seror et al. 2016: < 5, 5-13, >= 14).
ACTIVITY_CATEGORIES = ("Low", "Moderate", "High")
#: Responder flags on change from baseline: a record carried from baseline is a non-responder.
CHANGE_CRITERIA = ("CRIT1FL", "CRIT2FL")
#: Short visit codes used in analysis identifiers.
VISIT_CODE = {"Week 12": "W12", "Week 24": "W24"}
#: ADSL flag saying that a post-baseline visit was due at the data cut (``cleaning.DUE_FLAGS``), by AVISIT.
VISIT_DUE_FLAG = {avisit: DUE_FLAGS[code] for avisit, code in VISIT_CODE.items()}

#: Method statements of the ARD rows, by analysis type.
METHODS = {
    "summary": "n, mean, SD (n-1), median, Q1/Q3 (Hyndman-Fan type 2, as SAS QNTLDEF=5), min, max",
    "ttest": "Paired t-test, two-sided; 95% CI mean +/- t(0.975, n-1) SD/sqrt(n)",
    "hl": ("Hodges-Lehmann: median of Walsh averages; CI from Walsh-average order statistics "
           "(exact signed-rank distribution without ties)"),
    "effsize": "Cohen's dz = mean/SD of change; matched-pairs rank-biserial (Kerby 2014)",
    "cp": "n/N (%), N = patients evaluable at the visit; exact Clopper-Pearson 95% CI",
    "category": "n/N (%), N = patients with a category at the visit",
    "friedman": "Friedman test across Baseline, Week 12, Week 24 on complete cases (chi-square, tie-corrected)",
    "mixed": ("Linear mixed model AVAL ~ C(AVISITN) + random intercept per subject (statsmodels MixedLM, "
              "REML), all available visits; change = visit coefficient; 95% CI and p-value from the t distribution "
              "with within-subject (containment) df = records - subjects - (visits - 1)"),
    "due": ("Patients of the full analysis set whose visit was due at the data cut: attended, left the study, "
            "or window (target day + half-width) closed before the cut"),
}


# --------------------------------------------------------------------------------------------
# Descriptive summaries
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# Paired tests and estimates on one vector of differences
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# Results frames over the data
# --------------------------------------------------------------------------------------------

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
                       METHODS["ttest"]),
        *_stat_records("HL", hl, ("estimate", "ci_lower", "ci_upper", "conf_level"), METHODS["hl"]),
        *_stat_records("EFFSIZE", {"estimate": es["cohen_dz"]}, ("estimate",), METHODS["effsize"],
                       category="cohen_dz"),
        *_stat_records("EFFSIZE", {"estimate": es["rank_biserial"]}, ("estimate",), METHODS["effsize"],
                       category="rank_biserial"),
    ]
    return pd.DataFrame(records, columns=["analysis", "category", "stat_name", "stat_value", "method"])


def _reject(data: pd.DataFrame, bad: pd.Series, rule: str) -> None:
    """Raise ``ValueError`` naming the first offending record (subject, parameter, visit) and the rule."""
    if bad.any():
        row = data.loc[bad].iloc[0]
        where = ", ".join(f"{c} {row[c]}" for c in ("USUBJID", "PARAMCD", "AVISIT") if c in data.columns)
        raise ValueError(f"{where}: {rule}")


def summarize_responders(data: pd.DataFrame, *, flag: str = "CRIT1FL", by=("PARAMCD", "AVISIT"),
                         conf_level: float = CONF_LEVEL) -> pd.DataFrame:
    """Count responders (``flag == "Y"``) among evaluable records (``flag`` in Y/N) in each ``by`` cell.

    Returns
    -------
    DataFrame
        Columns ``*by, stat_name, stat_value`` with stat_name n_responders, n_evaluable, pct
        (0-100), ci_lower, ci_upper (exact Clopper-Pearson, proportions 0-1).

    Examples
    --------
    >>> d = pd.DataFrame({"PARAMCD": "ESSDAI", "AVISIT": "Week 24", "CRIT1FL": ["Y"] * 8 + ["N", ""]})
    >>> summarize_responders(d)["stat_value"].round(4).tolist()
    [8.0, 9.0, 88.8889, 0.5175, 0.9972]
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
        "pct": 100.0 * counts["sum"] / counts["count"],
        "ci_lower": [lo for lo, _ in lo_hi], "ci_upper": [hi for _, hi in lo_hi],
    }, index=counts.index)
    long = table.stack(future_stack=True).rename("stat_value").reset_index()
    return long.rename(columns={long.columns[len(keys)]: "stat_name"})


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


def compare_visits_friedman(data: pd.DataFrame, *, value: str = "AVAL", visits=AVISIT_ORDER,
                            subject: str = "USUBJID") -> dict:
    """Test whether ``value`` differs across ``visits`` (Friedman) on subjects with every visit.

    ``data`` holds one parameter; each subject x visit must be unique.

    Returns
    -------
    dict
        ``statistic`` (chi-square, tie-corrected), ``df`` (visits - 1), ``p_value``, ``n`` (complete cases).

    Examples
    --------
    >>> d = pd.DataFrame({"USUBJID": list("aaabbbccc"), "AVISIT": ["Baseline", "Week 12", "Week 24"] * 3,
    ...                   "AVAL": [9, 5, 3, 8, 6, 2, 7, 7, 1]})
    >>> round(compare_visits_friedman(d)["statistic"], 4)  # (31/6) / (1 - 6/72), tie-corrected
    5.6364
    """
    rows = data[data["AVISIT"].isin(visits)].dropna(subset=[value])
    dup = rows.duplicated([subject, "AVISIT"], keep=False)
    if dup.any():
        first = rows.loc[dup].iloc[0]
        raise ValueError(f"Friedman: several records for subject {first[subject]} at {first['AVISIT']}")
    wide = rows.pivot(index=subject, columns="AVISIT", values=value).reindex(columns=list(visits)).dropna()
    out = {"statistic": math.nan, "df": float(len(visits) - 1), "p_value": math.nan, "n": float(len(wide))}
    if len(wide) < 2:
        return out
    res = stats.friedmanchisquare(*[wide[v].to_numpy(dtype=float) for v in visits])
    return {**out, "statistic": float(res.statistic), "p_value": float(res.pvalue)}


def fit_mixed_model(data: pd.DataFrame, *, value: str = "AVAL", subject: str = "USUBJID") -> pd.DataFrame:
    """Estimate the change from baseline at each visit with a random-intercept linear mixed model.

    Model ``value ~ C(AVISITN)`` with a random intercept per subject (statsmodels MixedLM, REML),
    fitted on every available record of one parameter (baseline included), which is valid when
    data are missing at random given the observed values. The coefficient of a post-baseline visit
    is the model-based mean change from baseline.

    CIs and p-values use the t distribution, not the normal one (with 11 patients Wald z-intervals
    are too narrow): estimate +/- t(0.975, df) SE, p = 2 P(T_df > |estimate / SE|), with the
    within-subject degrees of freedom of the visit effect (``compute_within_subject_df``): the
    containment method of SAS PROC MIXED (``DDFM=CONTAIN``; the visit effect is not contained in the
    random intercept, so it gets the residual df N - rank[X Z]), which for a within-subject effect
    equals the between-within df (``DDFM=BETWITHIN``). Complete data of n subjects at v visits give
    (n - 1)(v - 1). The SE is the REML model-based SE of the coefficient (no Kenward-Roger
    adjustment).

    Returns
    -------
    DataFrame
        Columns ``AVISIT, stat_name, stat_value``: estimate, ci_lower, ci_upper, p_value, df per
        post-baseline visit, then n_subjects, n_obs, converged (1/0) with AVISIT ``""``. With df < 1
        (every subject seen at one visit only) the CI and p-value are missing.
    """
    import statsmodels.formula.api as smf
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    rows = data.dropna(subset=[value])[[subject, "AVISITN", value]].rename(columns={value: "y"})
    rows["AVISITN"] = rows["AVISITN"].round().astype(int)  # float weeks (12.0) would name terms "T.12.0"
    rows = rows.sort_values([subject, "AVISITN"], kind="stable").reset_index(drop=True)
    footer = pd.DataFrame({"AVISIT": "", "stat_name": ["n_subjects", "n_obs", "converged"],
                           "stat_value": [float(rows[subject].nunique()), float(len(rows)), 0.0]})
    if rows["AVISITN"].nunique() < 2 or rows[subject].nunique() < 2 or len(rows) <= rows["AVISITN"].nunique():
        return footer  # nothing to estimate yet (e.g. an early data cut: baseline values only)
    if rows[subject].nunique() > MIXED_MODEL_STATSMODELS_MAX_SUBJECTS:
        params, se, converged = _fit_random_intercept_reml(rows, subject=subject)
    else:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            fit = smf.mixedlm("y ~ C(AVISITN)", rows, groups=rows[subject]).fit(reml=True)
        converged = fit.converged and not any(issubclass(w.category, ConvergenceWarning) for w in caught)
        params, se = fit.fe_params, fit.bse_fe
    df = compute_within_subject_df(rows, subject=subject)
    label = {week: name for name, week in AVISITN.items()}
    parts = []
    for week in sorted(w for w in rows["AVISITN"].unique() if w != 0):
        term = f"C(AVISITN)[T.{week}]"
        ci_lower, ci_upper, p_value = compute_t_interval(params[term], se[term], df)
        parts.append(pd.DataFrame({"AVISIT": label.get(week, str(week)),
                                   "stat_name": ["estimate", "ci_lower", "ci_upper", "p_value", "df"],
                                   "stat_value": [params[term], ci_lower, ci_upper, p_value, df]}))
    parts.append(pd.DataFrame({"AVISIT": "", "stat_name": ["n_subjects", "n_obs", "converged"],
                               "stat_value": [rows[subject].nunique(), len(rows), float(converged)]}))
    out = pd.concat(parts, ignore_index=True)
    out["stat_value"] = out["stat_value"].astype(float)
    return out


def compute_within_subject_df(rows: pd.DataFrame, *, subject: str = "USUBJID", visit: str = "AVISITN") -> float:
    """Compute the within-subject (containment) degrees of freedom of the visit effect of a random-intercept model.

    df = N - rank[X Z] = N - n_subjects - rank(visit dummies with each subject's mean removed), N the
    records, X the fixed-effect design (intercept + visit dummies), Z the subject indicators. This is
    the residual df of the model with fixed subject effects: SAS PROC MIXED's ``DDFM=CONTAIN`` and
    ``DDFM=BETWITHIN`` for an effect that varies within subjects. Complete data: (n - 1)(v - 1);
    records of a subject seen once add nothing.

    Examples
    --------
    >>> rows = pd.DataFrame({"USUBJID": list("AAABBBCC"), "AVISITN": [0, 12, 24, 0, 12, 24, 0, 24]})
    >>> compute_within_subject_df(rows)  # 8 records - 3 subjects - 2 visit effects
    3.0
    """
    weeks = sorted(rows[visit].unique())
    if len(weeks) < 2:
        return 0.0
    codes, _ = pd.factorize(rows[subject])
    dummies = np.column_stack([(rows[visit] == w).to_numpy(float) for w in weeks[1:]])
    counts = np.bincount(codes).astype(float)
    means = np.stack([np.bincount(codes, weights=dummies[:, k]) for k in range(dummies.shape[1])], axis=1)
    within = dummies - (means / counts[:, None])[codes]
    rank = np.linalg.matrix_rank(within, tol=1e-9 * max(1.0, float(np.abs(within).max())))
    return float(len(rows) - len(counts) - rank)


def compute_t_interval(estimate: float, se: float, df: float, *, conf_level: float = CONF_LEVEL
                       ) -> tuple[float, float, float]:
    """Return the t-based CI and two-sided p-value of an estimate: (ci_lower, ci_upper, p_value).

    estimate +/- t(1 - a/2, df) se and p = 2 P(T_df > |estimate / se|), a = 1 - conf_level; all
    missing when df < 1 or se is not positive.

    Examples
    --------
    >>> [round(x, 4) for x in compute_t_interval(-5.0, 1.0, 10)]
    [-7.2281, -2.7719, 0.0005]
    """
    if not (df >= 1 and se > 0 and math.isfinite(se)):
        return math.nan, math.nan, math.nan
    q = float(stats.t.ppf(0.5 + conf_level / 2.0, df))
    return (float(estimate - q * se), float(estimate + q * se), float(2.0 * stats.t.sf(abs(estimate / se), df)))


#: statsmodels' MixedLM loops over subjects in Python (about 17 s for 10,000 subjects); above this
#: many subjects the same REML fit is computed by ``_fit_random_intercept_reml`` in closed form per
#: subject (tests check the two agree).
MIXED_MODEL_STATSMODELS_MAX_SUBJECTS = 500


def _fit_random_intercept_reml(rows: pd.DataFrame, *, subject: str):
    """REML fit of ``y ~ C(AVISITN)`` + random intercept, vectorised over subjects.

    With V_i = s2 (I + lam J) for a subject with n_i records, V_i^-1 = (I - c_i J) / s2 with
    c_i = lam / (1 + n_i lam); s2 is profiled out (s2 = Q / (N - p)) and the REML criterion
    (N - p) log s2 + sum log(1 + n_i lam) + log |X'WX| is minimised over log lam.
    Returns params, their model-based SEs sqrt(diag(s2 (X'V^-1 X)^-1)) (Series by term) and converged;
    ``fit_mixed_model`` turns them into t-based intervals.
    """
    from scipy import optimize

    weeks = sorted(rows["AVISITN"].unique())
    terms = ["Intercept"] + [f"C(AVISITN)[T.{w}]" for w in weeks[1:]]
    x = np.column_stack([np.ones(len(rows))] + [(rows["AVISITN"] == w).to_numpy(float) for w in weeks[1:]])
    y = rows["y"].to_numpy(float)
    codes, _ = pd.factorize(rows[subject])
    n_i = np.bincount(codes).astype(float)
    sx = np.stack([np.bincount(codes, weights=x[:, k]) for k in range(x.shape[1])], axis=1)
    sy = np.bincount(codes, weights=y)
    n_obs, p = x.shape

    def solve(log_lam):
        c = np.exp(log_lam) / (1.0 + n_i * np.exp(log_lam))
        xwx = x.T @ x - (sx * c[:, None]).T @ sx
        beta = np.linalg.solve(xwx, x.T @ y - (sx * c[:, None]).T @ sy)
        r = y - x @ beta
        q = r @ r - np.sum(c * np.bincount(codes, weights=r) ** 2)
        return beta, xwx, q / (n_obs - p), c

    def criterion(log_lam):
        _, xwx, s2, _ = solve(log_lam)
        return (n_obs - p) * np.log(s2) + np.sum(np.log1p(n_i * np.exp(log_lam))) + np.linalg.slogdet(xwx)[1]

    res = optimize.minimize_scalar(criterion, bounds=(-20.0, 12.0), method="bounded", options={"xatol": 1e-10})
    beta, xwx, s2, _ = solve(res.x)
    se = np.sqrt(np.diag(s2 * np.linalg.inv(xwx)))
    return pd.Series(beta, index=terms), pd.Series(se, index=terms), bool(res.success)


# --------------------------------------------------------------------------------------------
# Missing post-baseline visits: carried-forward records
# --------------------------------------------------------------------------------------------

def _observed(data: pd.DataFrame) -> pd.DataFrame:
    """Keep the observed records (no ``DTYPE`` or a blank one) that have a value."""
    keep = data["AVAL"].notna()
    if "DTYPE" in data.columns:
        keep &= data["DTYPE"].fillna("").eq("")
    return data[keep]


def _missing_slots(data: pd.DataFrame, subjects, visits, due=None) -> pd.DataFrame:
    """Subject x parameter x post-baseline visit cells without an observed value, for pairs with a baseline.

    With ``due`` (``visits_due``: the ``USUBJID, AVISIT`` pairs due at the data cut), only due cells.
    """
    obs = _observed(data)
    pairs = obs.loc[obs["AVISITN"].eq(0) & obs["USUBJID"].isin(list(subjects)), ["USUBJID", "PARAMCD"]]
    post = pd.DataFrame({"AVISIT": [v for v in visits if AVISITN[v] != 0]})
    post["AVISITN"] = post["AVISIT"].map(AVISITN)
    grid = pairs.drop_duplicates().merge(post, how="cross")
    seen = obs[["USUBJID", "PARAMCD", "AVISITN"]].drop_duplicates().assign(_seen=True)
    grid = grid.merge(seen, on=["USUBJID", "PARAMCD", "AVISITN"], how="left")
    grid = grid[grid["_seen"].isna()].drop(columns="_seen")
    if due is not None:
        grid = grid.merge(due[["USUBJID", "AVISIT"]].drop_duplicates(), on=["USUBJID", "AVISIT"], how="inner")
    return grid.reset_index(drop=True)


def _carried_records(data: pd.DataFrame, slots: pd.DataFrame, source: pd.Series, dtype: str) -> pd.DataFrame:
    """Build the carried records: the source record's values at the missing visit, CHG/PCHG recomputed."""
    rows = data.loc[source.to_numpy()].reset_index(drop=True)
    from_baseline = rows["AVISITN"].eq(0).to_numpy()
    rows["AVISIT"], rows["AVISITN"], rows["DTYPE"] = slots["AVISIT"].to_numpy(), slots["AVISITN"].to_numpy(), dtype
    rows["CHG"] = rows["AVAL"] - rows["BASE"]
    rows["PCHG"] = (100.0 * rows["CHG"] / rows["BASE"]).where(rows["BASE"] != 0)
    if "ABLFL" in rows.columns:
        rows["ABLFL"] = "N"
    for flag in CHANGE_CRITERIA:
        if flag in rows.columns:
            has_flag = rows["PARAMCD"].isin(data.loc[data[flag].isin(["Y", "N"]), "PARAMCD"].unique())
            rows.loc[from_baseline & has_flag.to_numpy(), flag] = "N"
    return rows


def _with_carried(data: pd.DataFrame, slots: pd.DataFrame, carried: pd.DataFrame) -> pd.DataFrame:
    key = ["USUBJID", "PARAMCD", "AVISITN"]
    base = data.assign(DTYPE=data["DTYPE"].fillna("") if "DTYPE" in data.columns else "")
    hit = base[key].merge(slots[key].assign(_slot=True), on=key, how="left")["_slot"].notna().to_numpy()
    out = pd.concat([base[~hit], carried], ignore_index=True)
    return out.sort_values(key + ["DTYPE"], kind="stable").reset_index(drop=True)


def impute_locf(data: pd.DataFrame, *, subjects, visits=AVISIT_ORDER, due=None) -> pd.DataFrame:
    """Fill missing post-baseline visits by last observation carried forward (``DTYPE = "LOCF"``).

    For every subject in ``subjects`` (the FAS) and parameter with an observed baseline, a
    post-baseline visit in ``visits`` without an observed value gets a copy of the latest earlier
    observed record (the baseline one if there is no post-baseline value at all), with the visit
    replaced, ``CHG``/``PCHG`` recomputed and ``DTYPE = "LOCF"``. Value-based flags (CRIT3FL,
    AVALCAT1) travel with the value; change-based flags (``CHANGE_CRITERIA``) are copied from a
    post-baseline source and set to ``"N"`` when the source is the baseline (no change, no response).
    Observed records are kept with ``DTYPE = ""``; a record without a value at a filled visit is dropped.
    With ``due`` (``visits_due``), only the visits due at the data cut are filled: a visit not yet due is
    not missing.

    Examples
    --------
    >>> d = pd.DataFrame({"USUBJID": ["a", "a", "b"], "PARAMCD": "ESSDAI",
    ...                   "AVISIT": ["Baseline", "Week 12", "Baseline"], "AVISITN": [0, 12, 0],
    ...                   "AVAL": [10.0, 6.0, 8.0], "BASE": [10.0, 10.0, 8.0],
    ...                   "CHG": [None, -4.0, None], "PCHG": [None, -40.0, None], "CRIT1FL": ["", "Y", ""]})
    >>> impute_locf(d, subjects=["a", "b"])[["USUBJID", "AVISITN", "AVAL", "CRIT1FL", "DTYPE"]].values.tolist()
    [['a', 0, 10.0, '', ''], ['a', 12, 6.0, 'Y', ''], ['a', 24, 6.0, 'Y', 'LOCF'], ['b', 0, 8.0, '', ''], \
['b', 12, 8.0, 'N', 'LOCF'], ['b', 24, 8.0, 'N', 'LOCF']]
    """
    data = data.reset_index(drop=True)
    slots = _missing_slots(data, subjects, visits, due)
    obs = _observed(data)
    src = obs[["USUBJID", "PARAMCD", "AVISITN"]].assign(_src=obs.index).sort_values("AVISITN", kind="stable")
    left = slots.reset_index().sort_values("AVISITN", kind="stable")
    found = pd.merge_asof(left, src.astype({"AVISITN": left["AVISITN"].dtype}), on="AVISITN",
                          by=["USUBJID", "PARAMCD"], direction="backward", allow_exact_matches=False)
    found = found.sort_values("index").reset_index(drop=True)
    return _with_carried(data, slots, _carried_records(data, slots, found["_src"].astype(int), "LOCF"))


def impute_bocf(data: pd.DataFrame, *, subjects, visits=AVISIT_ORDER, due=None) -> pd.DataFrame:
    """Fill missing post-baseline visits by baseline observation carried forward (``DTYPE = "BOCF"``).

    As ``impute_locf`` but the carried record is always the baseline one: a patient without a
    value at the visit counts as unchanged, hence a non-responder for MCII (``CHANGE_CRITERIA`` = "N").
    With ``due`` (``visits_due``), only the visits due at the data cut are filled.

    Examples
    --------
    >>> d = pd.DataFrame({"USUBJID": ["a", "a"], "PARAMCD": "ESSDAI", "AVISIT": ["Baseline", "Week 12"],
    ...                   "AVISITN": [0, 12], "AVAL": [10.0, 6.0], "BASE": [10.0, 10.0],
    ...                   "CHG": [None, -4.0], "PCHG": [None, -40.0], "CRIT1FL": ["", "Y"]})
    >>> impute_bocf(d, subjects=["a"])[["AVISITN", "AVAL", "CHG", "CRIT1FL", "DTYPE"]].values.tolist()
    [[0, 10.0, nan, '', ''], [12, 6.0, -4.0, 'Y', ''], [24, 10.0, 0.0, 'N', 'BOCF']]
    """
    data = data.reset_index(drop=True)
    slots = _missing_slots(data, subjects, visits, due)
    obs = _observed(data)
    base = obs.loc[obs["AVISITN"].eq(0), ["USUBJID", "PARAMCD"]].assign(_src=obs.index[obs["AVISITN"].eq(0)])
    dup = base.duplicated(["USUBJID", "PARAMCD"], keep=False)
    if dup.any():
        first = base.loc[dup].iloc[0]
        raise ValueError(f"BOCF: several baseline records for subject {first['USUBJID']}, {first['PARAMCD']}")
    found = slots.merge(base, on=["USUBJID", "PARAMCD"], how="left")
    return _with_carried(data, slots, _carried_records(data, slots, found["_src"].astype(int), "BOCF"))


# --------------------------------------------------------------------------------------------
# ARD rows of the efficacy section
# --------------------------------------------------------------------------------------------

def _suffix(approach: str) -> str:
    return "" if approach == "OC" else f"-{approach}"


def _ard(results: pd.DataFrame, **constants) -> tuple[pd.DataFrame, dict]:
    """A part of an ARD: results with ARD column names, and the constants of its other columns.

    The constants are filled in by ``_stack``, for all parts at once (one column at a time, not
    one small frame at a time).
    """
    return results.rename(columns={"PARAMCD": "paramcd", "AVISIT": "avisit"}), constants


def _stack(parts: list) -> pd.DataFrame:
    """One ARD from parts (``_ard`` parts or ARD frames): typed once by ``make_ard``, duplicates refused.

    A constant of a part replaces that column in the part's rows, as ``DataFrame.assign`` would.
    """
    parts = [part if isinstance(part, tuple) else (part, {}) for part in parts]
    frames = [frame for frame, _ in parts]
    out = pd.concat(frames, ignore_index=True)
    part_of_row = np.repeat(np.arange(len(parts)), [len(frame) for frame in frames])
    for col in dict.fromkeys(name for _, constants in parts for name in constants):
        given = np.array([col in constants for _, constants in parts])
        values = np.array([constants.get(col) for _, constants in parts], dtype=object)
        old = out[col].to_numpy(dtype=object) if col in out else np.full(len(out), None, dtype=object)
        out[col] = np.where(given[part_of_row], values[part_of_row], old)
    return ard_mod.stack_ard([out])


def summarize_endpoint(data: pd.DataFrame, *, paramcd: str, approach: str = "OC", group: str = ARM) -> pd.DataFrame:
    """Return the ARD rows of one continuous endpoint: summaries by visit and paired analyses of change.

    AVAL is summarised at every visit, CHG and PCHG at post-baseline visits
    (``EFF-{P}-SUMMARY{S}``); at Week 12 and Week 24 the changes get the Wilcoxon test, the paired
    t-test, the Hodges-Lehmann estimate and the effect sizes (``EFF-{P}-{V}-...{S}``).

    Parameters
    ----------
    data : DataFrame
        BDS records (adeff or adlb) of the analysis population, observed or with carried records.
    paramcd : str
        Parameter analysed.
    approach : {'OC', 'BOCF', 'LOCF'}, default 'OC'
        Missing-data approach of ``data``; sets the identifier suffix and the population label.
    group : str, default vocabulary.ARM
        ARD ``group`` (treatment arm).
    """
    return _stack(_endpoint_parts(data, paramcd=paramcd, approach=approach, group=group))


def _summary_part(rows: pd.DataFrame, post: pd.DataFrame, *, paramcd: str, approach: str, group: str):
    summary = pd.concat([summarize_by_visit(rows, value="AVAL"), summarize_by_visit(post, value="CHG"),
                         summarize_by_visit(post, value="PCHG")], ignore_index=True)
    return _ard(summary, analysis_id=f"EFF-{paramcd}-SUMMARY{_suffix(approach)}", group=group,
                population=POPULATIONS[approach], method=METHODS["summary"],
                label=f"{paramcd}: value and change from baseline by visit")


def _endpoint_parts(data: pd.DataFrame, *, paramcd: str, approach: str, group: str) -> list:
    rows = data[data["PARAMCD"] == paramcd]
    post = rows[rows["AVISITN"] != 0]
    sfx, pop = _suffix(approach), POPULATIONS[approach]
    parts = [_summary_part(rows, post, paramcd=paramcd, approach=approach, group=group)]
    for avisit, code in VISIT_CODE.items():
        chg = post.loc[post["AVISIT"] == avisit, "CHG"].dropna()
        if chg.empty:
            continue
        res = compare_paired(chg.to_numpy())
        res["analysis_id"] = f"EFF-{paramcd}-{code}-" + res["analysis"] + sfx
        parts.append(_ard(res.drop(columns="analysis"), paramcd=paramcd, avisit=avisit, variable="CHG",
                          group=group, population=pop, label=f"{paramcd}: change from baseline to {avisit}"))
    return parts


def summarize_response(data: pd.DataFrame, *, paramcd: str, flag: str, variable: str, approach: str = "OC",
                       group: str = ARM) -> pd.DataFrame:
    """Return the ARD rows (``EFF-{P}-{variable}{S}``) of a responder flag by visit: n/N (%), exact CI."""
    return _stack([_response_part(data, paramcd=paramcd, flag=flag, variable=variable, approach=approach,
                                  group=group)])


def _response_part(data: pd.DataFrame, *, paramcd: str, flag: str, variable: str, approach: str, group: str):
    res = summarize_responders(data[data["PARAMCD"] == paramcd], flag=flag)
    return _ard(res, analysis_id=f"EFF-{paramcd}-{variable}{_suffix(approach)}", variable=variable,
                group=group, population=POPULATIONS[approach], method=METHODS["cp"],
                label=f"{paramcd} {variable} ({flag} = Y)")


def summarize_activity(data: pd.DataFrame, *, approach: str = "OC", group: str = ARM) -> pd.DataFrame:
    """Return the ARD rows (``EFF-ESSDAI-ACTCAT{S}``) of the ESSDAI activity categories by visit."""
    return _stack([_activity_part(data, approach=approach, group=group)])


def _activity_part(data: pd.DataFrame, *, approach: str, group: str):
    res = summarize_categories(data[data["PARAMCD"] == PARAMCD_ESSDAI], var="AVALCAT1")
    return _ard(res, analysis_id=f"EFF-ESSDAI-ACTCAT{_suffix(approach)}", variable="AVALCAT1",
                group=group, population=POPULATIONS[approach], method=METHODS["category"],
                label="ESSDAI activity: Low (<5), Moderate (5-13), High (>=14)")


def visits_due(adsl: pd.DataFrame) -> pd.DataFrame | None:
    """List the post-baseline visits due at the data cut: one ``USUBJID, AVISIT`` row per due visit.

    From the ADSL flags ``DUE12FL``/``DUE24FL`` (``VISIT_DUE_FLAG``, rule ``cleaning.VISIT_DUE_RULE``).
    ``None`` when ADSL has no such flag (a dataset from elsewhere): every visit is then taken as due.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["a", "b"], "DUE12FL": ["Y", "Y"], "DUE24FL": ["Y", "N"]})
    >>> visits_due(adsl).values.tolist()
    [['a', 'Week 12'], ['b', 'Week 12'], ['a', 'Week 24']]
    """
    flags = {avisit: flag for avisit, flag in VISIT_DUE_FLAG.items() if flag in adsl.columns}
    if not flags:
        return None
    parts = [pd.DataFrame({"USUBJID": adsl.loc[adsl[flag] == "Y", "USUBJID"], "AVISIT": avisit})
             for avisit, flag in flags.items()]
    return pd.concat(parts, ignore_index=True)


def summarize_visits_due(adsl: pd.DataFrame, *, group: str = ARM) -> pd.DataFrame:
    """Return the ``EFF-VISITS-DUE`` ARD rows: n_fas and n_due at each post-baseline visit.

    n_due counts the full-analysis-set patients whose visit was due at the data cut (``visits_due``;
    all of them when ADSL has no due flags). Tables and sentences use it to tell a visit not yet due
    from a visit without data.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["a", "b"], "FASFL": "Y", "DUE12FL": ["Y", "Y"], "DUE24FL": ["Y", "N"]})
    >>> summarize_visits_due(adsl)[["avisit", "stat_name", "stat_value"]].values.tolist()
    [['Week 12', 'n_fas', 2.0], ['Week 12', 'n_due', 2.0], ['Week 24', 'n_fas', 2.0], ['Week 24', 'n_due', 1.0]]
    """
    return _stack([_visits_due_part(adsl, group=group)])


def _visits_due_part(adsl: pd.DataFrame, *, group: str):
    fas = adsl.loc[adsl["FASFL"] == "Y", "USUBJID"]
    due = visits_due(adsl)
    rows = []
    for avisit in VISIT_CODE:
        n_due = len(fas) if due is None else int(due.loc[due["AVISIT"] == avisit, "USUBJID"].isin(fas).sum())
        rows += [(avisit, "n_fas", float(len(fas))), (avisit, "n_due", float(n_due))]
    res = pd.DataFrame(rows, columns=["AVISIT", "stat_name", "stat_value"])
    return _ard(res, analysis_id="EFF-VISITS-DUE", group=group, population=POPULATIONS["DUE"], method=METHODS["due"],
                label="Patients whose visit was due at the data cut")


def fit_mixed_model_due(data: pd.DataFrame, *, due=None, value: str = "AVAL", subject: str = "USUBJID"
                        ) -> pd.DataFrame:
    """Fit ``fit_mixed_model`` so that each visit's estimate uses only the patients for whom it was due.

    Without ``due`` (``visits_due``), one fit on every record. With it, the estimate at a post-baseline
    visit comes from the fit on the records of the patients for whom that visit was due at the data cut
    (a patient whose visit is not yet due is not modelled as missing there); the footer rows (avisit
    ``""``: n_subjects, n_obs, converged) describe the fit on the patients with any post-baseline visit
    due. A visit fitted on other patients than the footer's also gets its own n_subjects and n_obs rows.
    When every visit is due for the same patients (a final cut) this is exactly ``fit_mixed_model``.
    """
    if due is None:
        return fit_mixed_model(data, value=value, subject=subject)
    present = set(data[subject])
    sets = {avisit: frozenset(due.loc[due["AVISIT"] == avisit, "USUBJID"]) & present for avisit in VISIT_CODE}
    overall = frozenset().union(*sets.values())
    fits: dict = {}

    def fit(subjects):
        if subjects not in fits:
            fits[subjects] = fit_mixed_model(data[data[subject].isin(subjects)], value=value, subject=subject)
        return fits[subjects]

    parts = []
    for avisit, subjects in sets.items():
        res = fit(subjects)
        part = res[res["AVISIT"] == avisit]
        if len(part) and subjects != overall:
            part = pd.concat([part, res[(res["AVISIT"] == "") & res["stat_name"].isin(["n_subjects", "n_obs"])]
                              .assign(AVISIT=avisit)], ignore_index=True)
        parts.append(part)
    parts.append(fit(overall).query("AVISIT == ''"))
    return pd.concat(parts, ignore_index=True)


def summarize_visits_and_model(data: pd.DataFrame, *, paramcd: str, group: str = ARM, due=None) -> pd.DataFrame:
    """Return the Friedman (``EFF-{P}-FRIEDMAN``) and mixed-model (``EFF-{P}-MIXED``) ARD rows of one parameter.

    ``due`` (``visits_due``): the visits due at the data cut, for the mixed model (``fit_mixed_model_due``).
    """
    rows = _observed(data[data["PARAMCD"] == paramcd])
    fried = compare_visits_friedman(rows)
    parts = [_ard(pd.DataFrame({"stat_name": list(fried), "stat_value": list(fried.values())}),
                  analysis_id=f"EFF-{paramcd}-FRIEDMAN", paramcd=paramcd, variable="AVAL", group=group,
                  population=POPULATIONS["OC"], method=METHODS["friedman"],
                  label=f"{paramcd}: Friedman test across visits (complete cases)")]
    parts.append(_ard(fit_mixed_model_due(rows, due=due), analysis_id=f"EFF-{paramcd}-MIXED", paramcd=paramcd,
                      variable="CHG",
                      group=group, population=POPULATIONS["MIXED"], method=METHODS["mixed"],
                      label=f"{paramcd}: model-based change from baseline"))
    return _stack(parts)


def summarize_remission(data: pd.DataFrame, *, group: str = ARM) -> pd.DataFrame:
    """Return the ARD rows (``EFF-REMISSION``) of the remission/improvement parameters (AVALC Y/N)."""
    rows = data[data["PARAMCD"].isin(REMISSION_PARAMCDS)]
    res = summarize_responders(rows, flag="AVALC")
    return _stack([_ard(res, analysis_id="EFF-REMISSION", variable="RESPONSE", group=group,
                        population=POPULATIONS["OC"],
                        method=METHODS["cp"] + "; N = patients involved at baseline with an assessment at the visit",
                        label="Remission (domain level 0) or ILD improvement among patients involved at baseline")])


def select_fas(data: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    """Keep the records of full-analysis-set subjects (``adsl.FASFL == "Y"``) at the analysis visits.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["a", "b"], "FASFL": ["Y", "N"]})
    >>> d = pd.DataFrame({"USUBJID": ["a", "a", "b"], "AVISIT": ["Baseline", "Unscheduled", "Baseline"]})
    >>> select_fas(d, adsl).index.tolist()
    [0]
    """
    for col in ("USUBJID", "FASFL"):
        if col not in adsl.columns:
            raise ValueError(f"adsl: column {col} missing (needed for the full analysis set)")
    fas = adsl.loc[adsl["FASFL"] == "Y", "USUBJID"]
    return data[data["USUBJID"].isin(fas) & data["AVISIT"].isin(AVISIT_ORDER)]


def _scenarios(adeff: pd.DataFrame, subjects, *, approaches=("OC", "BOCF", "LOCF"), due=None) -> dict:
    """The endpoint records under each missing-data approach: observed cases, BOCF, LOCF (due visits only)."""
    endpoints = adeff[adeff["PARAMCD"].isin(ENDPOINT_PARAMCDS)]
    make = {"OC": lambda: _observed(endpoints), "BOCF": lambda: impute_bocf(endpoints, subjects=subjects, due=due),
            "LOCF": lambda: impute_locf(endpoints, subjects=subjects, due=due)}
    return {approach: make[approach]() for approach in approaches}


def _domains_part(eff: pd.DataFrame, *, group: str):
    domains = _observed(eff[eff["PARAMCD"].isin(list(ESSDAI_SCORE_PARAMCD.values()))])
    return _ard(summarize_by_visit(domains), analysis_id="EFF-EDS-SUMMARY", group=group,
                population=POPULATIONS["OC"], method=METHODS["summary"], label="ESSDAI domain scores by visit")


def summarize_course(adsl: pd.DataFrame, adeff: pd.DataFrame, *, group: str = ARM) -> pd.DataFrame:
    """Return the efficacy ARD rows the efficacy figures describe, on observed cases.

    The summaries by visit of ESSDAI, ESSPRI and PGA (``EFF-{P}-SUMMARY``) and of the ESSDAI domain
    scores (``EFF-EDS-SUMMARY``), and the ESSDAI MCII (``EFF-ESSDAI-MCII``): the same rows, to the
    last bit, as ``summarize_efficacy`` gives, from the same functions on the same records of the
    full analysis set. For ``05_efficacy_figures``, so that it need not wait for ``04_efficacy``.
    """
    eff = select_fas(adeff, adsl)
    data = _scenarios(eff, None, approaches=("OC",))["OC"]
    parts = []
    for p in ENDPOINT_PARAMCDS:
        rows = data[data["PARAMCD"] == p]
        parts.append(_summary_part(rows, rows[rows["AVISITN"] != 0], paramcd=p, approach="OC", group=group))
    parts.append(_response_part(data, paramcd=PARAMCD_ESSDAI, flag="CRIT1FL", variable="MCII", approach="OC",
                                group=group))
    parts.append(_domains_part(eff, group=group))
    parts.append(_visits_due_part(adsl, group=group))
    return _stack(parts)


def summarize_primary(adsl: pd.DataFrame, adeff: pd.DataFrame, *, group: str = ARM) -> pd.DataFrame:
    """Return the ESSDAI rows of the efficacy ARD on observed cases: summaries, paired analyses and MCII.

    The same rows, to the last bit, as ``summarize_efficacy`` gives (``EFF-ESSDAI-SUMMARY``,
    ``EFF-ESSDAI-{W12,W24}-*``, ``EFF-ESSDAI-MCII``): the same functions on the same records of the
    full analysis set. For a notebook that needs the primary endpoint's results without the whole
    efficacy section (``07_next_trial_planning``), so that it need not wait for ``04_efficacy``.
    """
    eff = select_fas(adeff, adsl)
    data = _scenarios(eff[eff["PARAMCD"] == PARAMCD_ESSDAI], None, approaches=("OC",))["OC"]
    return _stack([*_endpoint_parts(data, paramcd=PARAMCD_ESSDAI, approach="OC", group=group),
                   _response_part(data, paramcd=PARAMCD_ESSDAI, flag="CRIT1FL", variable="MCII", approach="OC",
                                  group=group),
                   _visits_due_part(adsl, group=group)])


def summarize_efficacy(adsl: pd.DataFrame, adeff: pd.DataFrame, adlb: pd.DataFrame, *,
                       group: str = ARM) -> pd.DataFrame:
    """Compute every number of the efficacy section as ARD rows (full analysis set, ``FASFL == "Y"``).

    Observed cases (primary) and BOCF/LOCF for the ESSDAI, ESSPRI and PGA summaries, paired analyses,
    MCII, PASS and activity categories; on observed cases, the Friedman tests, the mixed models,
    remission, the ESSDAI domain scores and the laboratory markers (``EFFICACY_LAB_PARAMCDS``); the
    patients due at each visit (``EFF-VISITS-DUE``). BOCF, LOCF and the mixed model treat as missing only
    the visits due at the data cut (``visits_due``). The identifiers are listed in the module docstring.
    """
    fas = adsl.loc[adsl["FASFL"] == "Y", "USUBJID"]
    eff = select_fas(adeff, adsl)
    due = visits_due(adsl)
    parts = []
    for approach, data in _scenarios(eff, fas, due=due).items():
        for p in ENDPOINT_PARAMCDS:
            parts += _endpoint_parts(data, paramcd=p, approach=approach, group=group)
        for paramcd, flag, variable in ((PARAMCD_ESSDAI, "CRIT1FL", "MCII"), (PARAMCD_ESSPRI, "CRIT2FL", "MCII"),
                                        (PARAMCD_ESSPRI, "CRIT3FL", "PASS")):
            parts.append(_response_part(data, paramcd=paramcd, flag=flag, variable=variable, approach=approach,
                                        group=group))
        parts.append(_activity_part(data, approach=approach, group=group))
    parts += [summarize_visits_and_model(eff, paramcd=p, group=group, due=due) for p in ENDPOINT_PARAMCDS]
    parts.append(summarize_remission(eff, group=group))
    parts.append(_domains_part(eff, group=group))
    labs = select_fas(adlb, adsl)
    for p in EFFICACY_LAB_PARAMCDS:
        if (labs["PARAMCD"] == p).any():
            parts += _endpoint_parts(_observed(labs), paramcd=p, approach="OC", group=group)
    parts.append(_visits_due_part(adsl, group=group))
    return _stack(parts)


# --------------------------------------------------------------------------------------------
# Display: tables and sentences laid out from ARD rows (rounding only through analysis_utils.tables)
# --------------------------------------------------------------------------------------------

#: Display decimals of means, medians, quartiles, CIs and min/max by parameter (SD gets one more);
#: 1 unless listed (complement in g/L needs 2).
DISPLAY_DECIMALS = {"C3": 2, "C4": 2}
#: Display names of the ARD variables.
VARIABLE_LABELS = {"AVAL": "Value", "CHG": "Change from baseline", "PCHG": "% change from baseline"}


def _decimals(paramcd: str) -> int:
    return DISPLAY_DECIMALS.get(paramcd, 1)


_CELL_KEYS = ("paramcd", "avisit", "variable", "category")


class _Cells:
    """The ARD's analyses as small wide tables: ``cells(analysis_id)`` is what ``_cell`` returns.

    One pass over the ARD, then each lookup works on a few rows in plain Python (a pandas filter
    and unstack per lookup costs ~100x more, and a table layout makes dozens of lookups).
    """

    def __init__(self, ard: pd.DataFrame):
        self._columns = {c: ard[c].tolist() for c in (*_CELL_KEYS, "stat_name", "stat_value")}
        self._rows: dict[str, list[int]] = {}
        for i, analysis_id in enumerate(ard["analysis_id"].tolist()):
            self._rows.setdefault(analysis_id, []).append(i)

    def __contains__(self, analysis_id: str) -> bool:
        return analysis_id in self._rows

    def __call__(self, analysis_id: str) -> pd.DataFrame:
        if analysis_id not in self._rows:
            raise KeyError(f"ARD: no rows for analysis_id={analysis_id!r}")
        cells: dict[tuple, dict] = {}
        columns = self._columns
        for i in self._rows[analysis_id]:
            key, name = tuple(columns[c][i] for c in _CELL_KEYS), columns["stat_name"][i]
            stats = cells.setdefault(key, {})
            if name in stats:
                raise ValueError(f"ARD: several values of {name!r} for {analysis_id} {dict(zip(_CELL_KEYS, key))}")
            stats[name] = columns["stat_value"][i]
        names = sorted({name for stats in cells.values() for name in stats})
        return pd.DataFrame([[*key, *(stats.get(n, math.nan) for n in names)] for key, stats in sorted(cells.items())],
                            columns=[*_CELL_KEYS, *names])


def _cell(ard: pd.DataFrame, analysis_id: str) -> pd.DataFrame:
    """Rows of one analysis: one row per key (``_CELL_KEYS``, sorted), one column per stat_name (sorted).

    Examples
    --------
    >>> a = pd.DataFrame({"analysis_id": "A", "paramcd": "P", "avisit": ["W24", "W12", "W12"], "variable": "CHG",
    ...                   "category": "", "stat_name": ["n", "n", "mean"], "stat_value": [9.0, 10.0, -5.5]})
    >>> _cell(a, "A").values.tolist()
    [['P', 'W12', 'CHG', '', -5.5, 10.0], ['P', 'W24', 'CHG', '', nan, 9.0]]
    """
    return _Cells(ard)(analysis_id)


def _n_due(cells: "_Cells", avisit: str) -> tuple[float, float]:
    """(n_fas, n_due) at ``avisit`` from ``EFF-VISITS-DUE`` (NaN, NaN when the ARD has no such rows)."""
    if "EFF-VISITS-DUE" not in cells:
        return math.nan, math.nan
    w = cells("EFF-VISITS-DUE").set_index("avisit")
    if avisit not in w.index:
        return math.nan, math.nan
    return float(w.loc[avisit, "n_fas"]), float(w.loc[avisit, "n_due"])


def describe_no_data(ard: pd.DataFrame, *, what: str, avisit: str) -> str:
    """Say why ``what`` has no result at ``avisit``: the visit was not yet due at the data cut, or no data.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["a", "b"], "FASFL": "Y", "DUE12FL": "Y", "DUE24FL": "N"})
    >>> describe_no_data(summarize_visits_due(adsl), what="ESSDAI change", avisit="Week 24")
    'ESSDAI change at Week 24: not yet due at the data cut (the visit was due for 0 of 2 patients).'
    >>> describe_no_data(summarize_visits_due(adsl), what="ESSDAI change", avisit="Week 12")
    'ESSDAI change at Week 12: no data at the data cut (the visit was due for 2 of 2 patients).'
    """
    n_fas, n_due = _n_due(_Cells(ard), avisit)
    if math.isnan(n_due):
        return f"{what} at {avisit}: no data."
    due = f"the visit was due for {tables.format_number(n_due, 0)} of {tables.format_number(n_fas, 0)} patients"
    if n_due == 0:
        return f"{what} at {avisit}: not yet due at the data cut ({due})."
    return f"{what} at {avisit}: no data at the data cut ({due})."


#: Text of a display table that has no result yet (an early data cut).
NO_DATA_TEXT = "no data at the data cut"


def _or_no_data(rows: list, columns) -> pd.DataFrame:
    """``rows`` as a table; one row saying ``NO_DATA_TEXT`` (in the first column) when there are none."""
    if rows:
        return pd.DataFrame(rows)
    return pd.DataFrame([[NO_DATA_TEXT] + [""] * (len(columns) - 1)], columns=list(columns))


def _visit_rank(avisit: pd.Series) -> pd.Series:
    return avisit.map({v: i for i, v in enumerate(AVISIT_ORDER)}).fillna(len(AVISIT_ORDER))


def format_summary_table(ard: pd.DataFrame, *, analysis_id) -> pd.DataFrame:
    """Lay out ``EFF-{P}-SUMMARY`` analyses: one row per variable x visit, n, mean (SD), median [Q1, Q3], min - max.

    ``analysis_id`` is one identifier or a list of them (shown in that order); with more than one
    parameter a first column names it.

    Examples
    --------
    >>> d = pd.DataFrame({"PARAMCD": "ESSDAI", "AVISIT": "Baseline", "AVAL": [8.0, 12.0]})
    >>> a = _stack([_ard(summarize_by_visit(d), analysis_id="EFF-ESSDAI-SUMMARY")])
    >>> format_summary_table(a, analysis_id="EFF-ESSDAI-SUMMARY").iloc[0].tolist()
    ['Baseline', 'Value', '2', '10.0 (2.83)', '10.0 [8.0, 12.0]', '8.0 - 12.0']
    """
    ids = [analysis_id] if isinstance(analysis_id, str) else list(analysis_id)
    cells = _Cells(ard)
    w = pd.concat([cells(i).assign(_i=k) for k, i in enumerate(ids)], ignore_index=True)
    w = w.assign(_v=w["variable"].map({v: i for i, v in enumerate(VARIABLE_LABELS)}), _a=_visit_rank(w["avisit"]))
    w = w.sort_values(["_i", "paramcd", "_v", "_a"], kind="stable")
    dec = [_decimals(p) for p in w["paramcd"]]
    first = {"Parameter": w["paramcd"].map(param_label).to_numpy()} if w["paramcd"].nunique() > 1 else {}
    return pd.DataFrame({
        **first, "Visit": w["avisit"].to_numpy(), "Variable": w["variable"].map(VARIABLE_LABELS).to_numpy(),
        "n": [tables.format_number(n, 0) for n in w["n"]],
        "Mean (SD)": [tables.format_mean_sd(m, s, d) for m, s, d in zip(w["mean"], w["sd"], dec)],
        "Median [Q1, Q3]": [tables.format_median_q1q3(m, a, b, d) for m, a, b, d in zip(w["median"], w["q1"],
                                                                                          w["q3"], dec)],
        "Min - Max": [tables.format_min_max(a, b, d) for a, b, d in zip(w["min"], w["max"], dec)],
    })


#: Columns of the paired-change table: (spanner, column); the spanner names the test, so that the
#: columns themselves stay short ("p", "V", "r") and the table fits a page.
PAIRED_COLUMNS = (
    ("", "Parameter"), ("", "Visit"), ("", "n"),
    ("Paired t-test", "Mean change (95% CI)"), ("Paired t-test", "p"),
    ("Wilcoxon signed-rank test", "Hodges-Lehmann median (95% CI)"), ("Wilcoxon signed-rank test", "V"),
    ("Wilcoxon signed-rank test", "p"),
    ("Effect size", "Cohen's dz"), ("Effect size", "Rank-biserial r"),
)


def paired_analysis_ids(paramcds, *, approach: str = "OC") -> list[str]:
    """Identifiers of the paired analyses of change that ``format_paired_table`` lays out, in its order.

    >>> paired_analysis_ids(["PGA"])[:4]
    ['EFF-PGA-W12-TTEST', 'EFF-PGA-W12-WILCOXON', 'EFF-PGA-W12-HL', 'EFF-PGA-W12-EFFSIZE']
    """
    return [f"EFF-{p}-{code}-{kind}{_suffix(approach)}" for p in paramcds for code in VISIT_CODE.values()
            for kind in ("TTEST", "WILCOXON", "HL", "EFFSIZE")]


def format_paired_table(ard: pd.DataFrame, *, paramcds, approach: str = "OC") -> pd.DataFrame:
    """Lay out the paired analyses of change: one row per parameter x post-baseline visit.

    Columns (``PAIRED_COLUMNS``, two-level): n; paired t-test mean change (95 % CI) and p; Wilcoxon
    signed-rank Hodges-Lehmann median change (95 % CI), V and p; Cohen's dz and rank-biserial r.
    Parameters by name and unit (``vocabulary.param_label``).
    """
    cells = _Cells(ard)
    out = []
    for paramcd in paramcds:
        for avisit, code in VISIT_CODE.items():
            stem, sfx = f"EFF-{paramcd}-{code}-", _suffix(approach)
            if f"{stem}TTEST{sfx}" not in cells:
                continue
            t, w = cells(f"{stem}TTEST{sfx}").iloc[0], cells(f"{stem}WILCOXON{sfx}").iloc[0]
            hl, es = cells(f"{stem}HL{sfx}").iloc[0], cells(f"{stem}EFFSIZE{sfx}").set_index("category")
            d = _decimals(paramcd)
            out.append(dict(zip(PAIRED_COLUMNS, [
                param_label(paramcd), avisit, tables.format_number(w["n"], 0),
                f"{tables.format_number(t['estimate'], d)} {tables.format_ci(t['ci_lower'], t['ci_upper'], d)}",
                tables.format_pvalue(t["p_value"]),
                f"{tables.format_number(hl['estimate'], d)} {tables.format_ci(hl['ci_lower'], hl['ci_upper'], d)}",
                tables.format_number(w["statistic"], 1), tables.format_pvalue(w["p_value"]),
                tables.format_number(es.loc["cohen_dz", "estimate"], 2),
                tables.format_number(es.loc["rank_biserial", "estimate"], 2),
            ])))
    table = _or_no_data(out, PAIRED_COLUMNS)
    return table.set_axis(pd.MultiIndex.from_tuples(PAIRED_COLUMNS), axis=1)


def format_responder_table(ard: pd.DataFrame, *, analysis_ids) -> pd.DataFrame:
    """Lay out responder analyses: one row per analysis x parameter x visit, n/N (%) and exact 95 % CI (%).

    Parameters and responses in words (``vocabulary.param_label``, ``vocabulary.RESPONSE_LABELS``:
    ``REMARTIC``/``RESPONSE`` shows as ``Articular involvement``/``Remission``).
    """
    out, cells = [], _Cells(ard)
    population = dict(zip(ard["analysis_id"], ard["population"]))
    for analysis_id in analysis_ids:
        if analysis_id not in cells:  # no patient evaluable yet (an early data cut)
            continue
        w = cells(analysis_id)
        w = w.assign(_a=_visit_rank(w["avisit"])).sort_values(["paramcd", "_a"], kind="stable")
        pop = population[analysis_id]
        for _, r in w.iterrows():
            out.append({
                "Parameter": param_label(r["paramcd"]),
                "Response": RESPONSE_LABELS.get(r["paramcd"], r["variable"]) if r["variable"] == "RESPONSE"
                else r["variable"], "Visit": r["avisit"], "Population": pop,
                "n/N (%)": f"{tables.format_number(r['n_responders'], 0)}/{tables.format_number(r['n_evaluable'], 0)}"
                           f" ({tables.format_number(r['pct'], tables.PCT_DECIMALS)})",
                "95% CI (%)": tables.format_ci(100 * r["ci_lower"], 100 * r["ci_upper"], tables.PCT_DECIMALS),
            })
    return _or_no_data(out, ["Parameter", "Response", "Visit", "Population", "n/N (%)", "95% CI (%)"])


def format_category_table(ard: pd.DataFrame, *, analysis_id: str = "EFF-ESSDAI-ACTCAT") -> pd.DataFrame:
    """Lay out the activity categories: one row per visit, N and n (%) of each category."""
    w = _cell(ard, analysis_id)
    w = w.assign(_a=_visit_rank(w["avisit"]))
    out = []
    for avisit, rows in w.sort_values("_a", kind="stable").groupby("avisit", sort=False):
        row = {"Visit": avisit, "N": tables.format_number(rows["n_evaluable"].iloc[0], 0)}
        for _, r in rows.iterrows():
            row[r["category"]] = tables.format_n_pct(r["n"], r["n_evaluable"])
        out.append(row)
    levels = [c for c in ACTIVITY_CATEGORIES if c in w["category"].unique()]
    return pd.DataFrame(out, columns=["Visit", "N", *levels])


def sensitivity_analysis_ids(paramcd: str) -> list[str]:
    """Identifiers of the analyses ``format_sensitivity_table`` lays out: the t-tests under observed
    cases, BOCF and LOCF, the mixed model and (ESSDAI) the MCII, in the table's order.

    >>> sensitivity_analysis_ids("PGA")
    ['EFF-PGA-W12-TTEST', 'EFF-PGA-W24-TTEST', 'EFF-PGA-W12-TTEST-BOCF', 'EFF-PGA-W24-TTEST-BOCF', \
'EFF-PGA-W12-TTEST-LOCF', 'EFF-PGA-W24-TTEST-LOCF', 'EFF-PGA-MIXED']
    """
    ids = [f"EFF-{paramcd}-{code}-TTEST{_suffix(a)}" for a in ("OC", "BOCF", "LOCF") for code in VISIT_CODE.values()]
    ids.append(f"EFF-{paramcd}-MIXED")
    if paramcd == PARAMCD_ESSDAI:
        ids += [f"EFF-{paramcd}-MCII{_suffix(a)}" for a in ("OC", "BOCF", "LOCF")]
    return ids


def format_sensitivity_table(ard: pd.DataFrame, *, paramcd: str) -> pd.DataFrame:
    """Lay out the change at each post-baseline visit under observed cases, BOCF, LOCF and the mixed model.

    Columns: approach (population label), visit, n, mean change (95 % CI) and its p-value (paired
    t-test for the data sets, Wald test for the mixed model), and for ESSDAI the MCII n/N (%).
    """
    cells = _Cells(ard)
    d, out = _decimals(paramcd), []
    for approach in ("OC", "BOCF", "LOCF", "MIXED"):
        for avisit, code in VISIT_CODE.items():
            if approach == "MIXED":
                m = cells(f"EFF-{paramcd}-MIXED").set_index("avisit")
                if avisit not in m.index:
                    continue
                est = m.loc[avisit]
                n = est["n_subjects"] if not pd.isna(est.get("n_subjects", math.nan)) else m.loc["", "n_subjects"]
            else:
                ident = f"EFF-{paramcd}-{code}-TTEST{_suffix(approach)}"
                if ident not in cells:
                    continue
                est = cells(ident).iloc[0]
                n = cells(f"EFF-{paramcd}-{code}-WILCOXON{_suffix(approach)}").iloc[0]["n"]
            row = {"Parameter": param_label(paramcd), "Analysis": POPULATIONS[approach], "Visit": avisit,
                   "n": tables.format_number(n, 0),
                   "Mean change (95% CI)": f"{tables.format_number(est['estimate'], d)} "
                                           f"{tables.format_ci(est['ci_lower'], est['ci_upper'], d)}",
                   "p": tables.format_pvalue(est["p_value"])}
            mcii = f"EFF-{paramcd}-MCII{_suffix(approach)}"
            if paramcd == PARAMCD_ESSDAI and approach != "MIXED" and mcii in cells \
                    and avisit in set(cells(mcii)["avisit"]):
                r = cells(mcii).set_index("avisit").loc[avisit]
                row["MCII n/N (%)"] = (f"{tables.format_number(r['n_responders'], 0)}/"
                                       f"{tables.format_number(r['n_evaluable'], 0)} "
                                       f"({tables.format_number(r['pct'], tables.PCT_DECIMALS)})")
            out.append(row)
    return _or_no_data(out, ["Parameter", "Analysis", "Visit", "n", "Mean change (95% CI)", "p"]).fillna("")


def format_friedman_table(ard: pd.DataFrame, *, paramcds=ENDPOINT_PARAMCDS) -> pd.DataFrame:
    """Lay out the Friedman tests: one row per parameter, complete cases n, chi-square, df, p."""
    cells = _Cells(ard)
    rows = [cells(f"EFF-{p}-FRIEDMAN").iloc[0] for p in paramcds]
    return pd.DataFrame({
        "Parameter": list(paramcds), "n (complete cases)": [tables.format_number(r["n"], 0) for r in rows],
        "Chi-square": [tables.format_number(r["statistic"], 2) for r in rows],
        "df": [tables.format_number(r["df"], 0) for r in rows],
        "p": [tables.format_pvalue(r["p_value"]) for r in rows],
    })


def _p_text(p: float) -> str:
    """``"p = 0.004"`` or ``"p < 0.001"`` for a sentence."""
    shown = tables.format_pvalue(p)
    return f"p < {shown[1:]}" if shown.startswith("<") else f"p = {shown}"


def _ci_side(lo: float, hi: float) -> str:
    """Where a CI of a change lies, in words."""
    if hi < 0:
        return "entirely below zero"
    if lo > 0:
        return "entirely above zero"
    return "which includes zero, so no change is compatible with the data"


def _change_words(ard: pd.DataFrame, paramcd: str, avisit: str, approach: str = "OC") -> dict:
    cells = _Cells(ard)
    code, sfx, d = VISIT_CODE[avisit], _suffix(approach), _decimals(paramcd)
    summ = cells(f"EFF-{paramcd}-SUMMARY{sfx}").set_index(["variable", "avisit"])
    t = cells(f"EFF-{paramcd}-{code}-TTEST{sfx}").iloc[0]
    w = cells(f"EFF-{paramcd}-{code}-WILCOXON{sfx}").iloc[0]
    hl = cells(f"EFF-{paramcd}-{code}-HL{sfx}").iloc[0]
    return {
        "n": tables.format_number(w["n"], 0), "n_base": tables.format_number(summ.loc[("AVAL", "Baseline"), "n"], 0),
        "base": tables.format_number(summ.loc[("AVAL", "Baseline"), "mean"], d),
        "value": tables.format_number(summ.loc[("AVAL", avisit), "mean"], d),
        "direction": "fell" if t["estimate"] < 0 else "rose",
        "size": tables.format_number(abs(t["estimate"]), d), "ci": tables.format_ci(t["ci_lower"], t["ci_upper"], d),
        "hl": tables.format_number(hl["estimate"], d), "p": _p_text(w["p_value"]),
        "ci_side": _ci_side(t["ci_lower"], t["ci_upper"]),
    }


def describe_change(ard: pd.DataFrame, *, paramcd: str, avisit: str, approach: str = "OC") -> str:
    """Say in one sentence how ``paramcd`` changed from baseline to ``avisit``, from the ARD numbers.

    Examples
    --------
    >>> d = pd.DataFrame({"USUBJID": list("abcabc"), "PARAMCD": "PGA",
    ...                   "AVISIT": ["Baseline"] * 3 + ["Week 12"] * 3, "AVISITN": [0, 0, 0, 12, 12, 12],
    ...                   "AVAL": [6.0, 5, 7, 3, 4, 3], "CHG": [None] * 3 + [-3.0, -1, -4]})
    >>> d["PCHG"] = 100 * d["CHG"] / [6.0, 5, 7, 6, 5, 7]
    >>> print(describe_change(summarize_endpoint(d, paramcd="PGA"), paramcd="PGA", avisit="Week 12"))
    PGA fell by 2.7 points on average from baseline to Week 12 in the 3 patients assessed at both (mean 6.0 at \
baseline in 3 patients, 3.3 at Week 12; 95% CI of the mean change (-6.5, 1.1), which includes zero, so no \
change is compatible with the data; median (Hodges-Lehmann) change -2.8; Wilcoxon p = 0.250).
    """
    if f"EFF-{paramcd}-{VISIT_CODE[avisit]}-TTEST{_suffix(approach)}" not in _Cells(ard):
        return describe_no_data(ard, what=f"Change in {paramcd} from baseline", avisit=avisit)
    x = _change_words(ard, paramcd, avisit, approach)
    return (f"{paramcd} {x['direction']} by {x['size']} points on average from baseline to {avisit} in the "
            f"{x['n']} patients assessed at both (mean {x['base']} at baseline in {x['n_base']} patients, "
            f"{x['value']} at {avisit}; 95% CI of the mean change {x['ci']}, {x['ci_side']}; median (Hodges-Lehmann) "
            f"change {x['hl']}; Wilcoxon {x['p']}).")


def describe_responders(ard: pd.DataFrame, *, analysis_id: str, paramcd: str, avisit: str, what: str) -> str:
    """Say in one sentence how many patients responded (``what``, e.g. "the ESSDAI MCII") at ``avisit``.

    Examples
    --------
    >>> d = pd.DataFrame({"PARAMCD": "ESSDAI", "AVISIT": "Week 24", "CRIT1FL": ["Y"] * 8 + ["N"]})
    >>> a = summarize_response(d, paramcd="ESSDAI", flag="CRIT1FL", variable="MCII")
    >>> print(describe_responders(a, analysis_id="EFF-ESSDAI-MCII", paramcd="ESSDAI", avisit="Week 24",
    ...                           what="the ESSDAI MCII (a fall of 3 points or more)"))
    At Week 24, 8 of the 9 patients evaluable (88.9%) reached the ESSDAI MCII (a fall of 3 points or more); \
exact 95% CI 51.8% to 99.7%.
    """
    cells = _Cells(ard)
    r = cells(analysis_id) if analysis_id in cells else pd.DataFrame(columns=["paramcd", "avisit"])
    r = r[(r["paramcd"] == paramcd) & (r["avisit"] == avisit)]
    if r.empty:
        return describe_no_data(ard, what=what[0].upper() + what[1:], avisit=avisit)
    r = r.iloc[0]
    pct = tables.PCT_DECIMALS
    return (f"At {avisit}, {tables.format_number(r['n_responders'], 0)} of the "
            f"{tables.format_number(r['n_evaluable'], 0)} patients evaluable "
            f"({tables.format_number(r['pct'], pct)}%) reached {what}; exact 95% CI "
            f"{tables.format_number(100 * r['ci_lower'], pct)}% to {tables.format_number(100 * r['ci_upper'], pct)}%.")


def describe_sensitivity(ard: pd.DataFrame, *, paramcd: str, avisit: str) -> str:
    """Say in one sentence whether the change at ``avisit`` depends on how missing visits are handled."""
    cells = _Cells(ard)
    d, code = _decimals(paramcd), VISIT_CODE[avisit]
    est = {a: cells(f"EFF-{paramcd}-{code}-TTEST{_suffix(a)}").iloc[0] for a in ("OC", "BOCF", "LOCF")
           if f"EFF-{paramcd}-{code}-TTEST{_suffix(a)}" in cells}
    mixed = cells(f"EFF-{paramcd}-MIXED").set_index("avisit") if f"EFF-{paramcd}-MIXED" in cells else None
    if mixed is not None and avisit in mixed.index:
        est["MIXED"] = mixed.loc[avisit]
    if "OC" not in est:
        return describe_no_data(ard, what=f"Change in {paramcd} from baseline", avisit=avisit)
    names = {"OC": "observed cases", "BOCF": "BOCF", "LOCF": "LOCF", "MIXED": "mixed model"}
    values = ", ".join(f"{names[a]} {tables.format_number(e['estimate'], d)}" for a, e in est.items())
    with_zero = [names[a] for a, e in est.items() if e["ci_lower"] <= 0 <= e["ci_upper"]]
    verdict = ("the 95% CI excludes zero under every approach, so the conclusion does not depend on how "
               "missing visits are handled" if not with_zero else
               f"the 95% CI includes zero under: {', '.join(with_zero)}")
    return f"Mean change in {paramcd} from baseline to {avisit}: {values}; {verdict}."


def describe_population(ard: pd.DataFrame, *, paramcd: str = PARAMCD_ESSDAI) -> str:
    """Say how many patients of the full analysis set have ``paramcd`` at each visit (observed cases)."""
    cells = _Cells(ard)
    n = cells(f"EFF-{paramcd}-SUMMARY").query("variable == 'AVAL'").set_index("avisit")["n"]
    parts = [f"{tables.format_number(n[v], 0) if v in n.index else '0'} at {v}" for v in AVISIT_ORDER]
    due = []
    for avisit in VISIT_CODE:
        n_fas, n_due = _n_due(cells, avisit)
        if n_due < n_fas:
            due.append(f"{avisit} was due for {tables.format_number(n_due, 0)} of the "
                       f"{tables.format_number(n_fas, 0)} patients (not yet due for "
                       f"{tables.format_number(n_fas - n_due, 0)})")
    interim = f" At this interim data cut, {'; '.join(due)}." if due else ""
    return f"Patients of the full analysis set with an {paramcd} assessment: {', '.join(parts)}.{interim}"


def describe_categories(ard: pd.DataFrame, *, avisit: str, analysis_id: str = "EFF-ESSDAI-ACTCAT") -> str:
    """Say how the patients assessed at baseline and at ``avisit`` split into activity categories."""
    w = _cell(ard, analysis_id).set_index(["avisit", "category"])
    if (avisit, ACTIVITY_CATEGORIES[0]) not in w.index:
        return describe_no_data(ard, what="ESSDAI activity category", avisit=avisit)

    def split(visit):
        return ", ".join(f"{tables.format_number(w.loc[(visit, c), 'n'], 0)} {c.lower()}"
                         for c in ACTIVITY_CATEGORIES)
    return (f"At baseline the {tables.format_number(w.loc[('Baseline', ACTIVITY_CATEGORIES[0]), 'n_evaluable'], 0)} "
            f"patients had {split('Baseline')} ESSDAI activity; at {avisit} the "
            f"{tables.format_number(w.loc[(avisit, ACTIVITY_CATEGORIES[0]), 'n_evaluable'], 0)} patients assessed "
            f"had {split(avisit)} activity.")


def describe_friedman(ard: pd.DataFrame, *, paramcds=ENDPOINT_PARAMCDS) -> str:
    """Say in one sentence what the Friedman tests across the three visits found."""
    cells = _Cells(ard)
    rows = {p: cells(f"EFF-{p}-FRIEDMAN").iloc[0] for p in paramcds}
    parts = [f"{p} {_p_text(r['p_value']) if not pd.isna(r['p_value']) else 'not computed'} "
             f"(n = {tables.format_number(r['n'], 0)})" for p, r in rows.items()]
    return ("Among the patients assessed at all three visits, the Friedman test compares the three visits "
            f"without assuming normality: {'; '.join(parts)}.")


def describe_remission(ard: pd.DataFrame, *, avisit: str) -> str:
    """Say, for each remission/improvement parameter, how many involved patients remitted at ``avisit``."""
    cells = _Cells(ard)
    if "EFF-REMISSION" not in cells:
        return describe_no_data(ard, what="Remission among the patients involved at baseline", avisit=avisit)
    w = cells("EFF-REMISSION")
    w = w[w["avisit"] == avisit].set_index("paramcd")
    names = {"REMARTIC": "arthritis remitted", "REMCUTAN": "cutaneous involvement remitted",
             "REMHAEM": "haematological involvement remitted", "ILDIMP": "interstitial lung disease improved"}
    parts = [f"{names.get(p, p)} in {tables.format_number(w.loc[p, 'n_responders'], 0)} of "
             f"{tables.format_number(w.loc[p, 'n_evaluable'], 0)}" for p in REMISSION_PARAMCDS if p in w.index]
    if not parts:
        return f"No patient involved at baseline was assessed for remission at {avisit}."
    return f"At {avisit}, among the patients involved at baseline: {'; '.join(parts)}."


def describe_labs(ard: pd.DataFrame, *, avisit: str, paramcds=EFFICACY_LAB_PARAMCDS) -> str:
    """Say, for each laboratory marker, the mean change to ``avisit`` and whether its 95 % CI excludes no change."""
    cells = _Cells(ard)
    parts = []
    for p in paramcds:
        ident = f"EFF-{p}-{VISIT_CODE[avisit]}-TTEST"
        if ident not in cells:
            continue
        t = cells(ident).iloc[0]
        with_zero = t["ci_lower"] <= 0 <= t["ci_upper"]
        parts.append(f"{p} {tables.format_number(t['estimate'], _decimals(p))} "
                     f"{tables.format_ci(t['ci_lower'], t['ci_upper'], _decimals(p))}"
                     f"{', CI includes zero' if with_zero else ''}")
    if not parts:
        return describe_no_data(ard, what="Change in the laboratory markers", avisit=avisit)
    return f"Mean change from baseline to {avisit} (95% CI): {'; '.join(parts)}."


def _method_kind(method: str) -> str:
    """The name of a method statement: its text before the first comma, semicolon or colon."""
    return re.split(r"[,;:]", method, maxsplit=1)[0].strip()


#: Code in the ARD's method statements and the words a reader sees instead (the ARD keeps the exact
#: statement; only the report's note is reworded). A fragment not found is left alone.
METHOD_WORDS = {
    " (zero_method='wilcox')": "",
    "AVAL ~ C(AVISITN) + random intercept per subject": "of the value on the visit (categorical), random intercept "
                                                       "per patient",
    "as SAS QNTLDEF=5": "the SAS default",
}


def _method_words(method: str) -> str:
    for code, words in METHOD_WORDS.items():
        method = method.replace(code, words)
    return method


def format_methods_note(ard: pd.DataFrame, *, analysis_ids) -> str:
    """Return the methods of ``analysis_ids`` (the ARD ``method`` column) as sentences for a table note.

    Each distinct statement appears once, in the order of ``analysis_ids`` (statements of one method
    next to each other); identifiers without ARD
    rows (an analysis not run at an early data cut) or without a method are skipped. Where one method
    has different statements for different analyses (a Wilcoxon test that dropped zero differences
    at one visit only), each statement is prefixed by the parameter and visit it applies to. Code in
    a statement is put in words (``METHOD_WORDS``).

    Examples
    --------
    >>> a = pd.DataFrame({"analysis_id": ["S", "S", "W1", "W2", "T1", "T2"], "paramcd": "PGA",
    ...                   "avisit": ["", "", "Week 12", "Week 24", "Week 12", "Week 24"],
    ...                   "method": ["n, mean", "n, mean", "Wilcoxon, 1 zero dropped", "Wilcoxon, none dropped",
    ...                              "Paired t-test", "Paired t-test"]})
    >>> format_methods_note(a, analysis_ids=["T1", "T2", "W1", "W2", "S", "X"])
    'Paired t-test. PGA Week 12: Wilcoxon, 1 zero dropped. PGA Week 24: Wilcoxon, none dropped. n, mean.'
    """
    known = ard.drop_duplicates("analysis_id").set_index("analysis_id")
    ids = [i for i in dict.fromkeys(analysis_ids) if i in known.index and str(known.loc[i, "method"]).strip()]
    statements = {}  # method text -> analysis ids that use it
    for i in ids:
        statements.setdefault(_method_words(str(known.loc[i, "method"]).strip()), []).append(i)
    kinds = pd.Series([_method_kind(m) for m in statements]).value_counts()
    rank = {kind: i for i, kind in enumerate(dict.fromkeys(_method_kind(m) for m in statements))}
    parts = []
    for method, users in sorted(statements.items(), key=lambda item: rank[_method_kind(item[0])]):
        if kinds[_method_kind(method)] > 1:
            where = ", ".join(" ".join(p for p in (param_label(known.loc[i, "paramcd"]), known.loc[i, "avisit"]) if p)
                                 for i in users)
            method = f"{where}: {method}" if where else method
        parts.append(method if method.endswith(".") else method + ".")
    return " ".join(parts)


def describe_course(ard: pd.DataFrame, *, paramcd: str, stat: str = "mean") -> str:
    """Say ``stat`` (mean or median) of ``paramcd`` at each visit, with the number of patients assessed.

    Examples
    --------
    >>> d = pd.DataFrame({"PARAMCD": "PGA", "AVISIT": ["Baseline", "Baseline", "Week 12"], "AVAL": [6.0, 5, 3]})
    >>> a = _stack([_ard(summarize_by_visit(d), analysis_id="EFF-PGA-SUMMARY")])
    >>> describe_course(a, paramcd="PGA")
    'Mean PGA by visit: 5.5 at Baseline (n = 2), 3.0 at Week 12 (n = 1).'
    """
    w = _cell(ard, f"EFF-{paramcd}-SUMMARY").query("variable == 'AVAL'").set_index("avisit")
    parts = [f"{tables.format_number(w.loc[v, stat], _decimals(paramcd))} at {v} "
             f"(n = {tables.format_number(w.loc[v, 'n'], 0)})" for v in AVISIT_ORDER if v in w.index]
    return f"{stat.capitalize()} {paramcd} by visit: {', '.join(parts)}."


def describe_domains(ard: pd.DataFrame, *, avisits=("Baseline", "Week 24"), top: int = 3) -> str:
    """Say which ESSDAI domains had the highest mean scores at ``avisits`` (from ``EFF-EDS-SUMMARY``)."""
    w = _cell(ard, "EFF-EDS-SUMMARY")
    names = {code: d for d, code in ESSDAI_SCORE_PARAMCD.items()}
    parts = []
    for avisit in avisits:
        if not (w["avisit"] == avisit).any():
            parts.append(f"at {avisit}, no data at the data cut")
            continue
        v = w[(w["avisit"] == avisit) & (w["mean"] > 0)].sort_values(["mean", "paramcd"], ascending=[False, True])
        listed = ", ".join(f"{names.get(p, p)} {tables.format_number(m, 1)}" for p, m in
                           zip(v["paramcd"].head(top), v["mean"].head(top)))
        parts.append(f"at {avisit}, {listed or 'no domain scored'}")
    return f"Domains with the highest mean scores (weight x level): {'; '.join(parts)}."
