"""Statistical tests between randomised arms: ANCOVA, responder rates, logistic regression, repeated measures.

Each ``compare_arms_*`` / ``fit_*`` function takes one analysis dataset (ADaM names, one arm column
such as ``TRTP``, ``TRT01P`` or ``TRT01A``), compares every arm with a ``reference`` arm and returns
an ``ArmComparison``: the per-arm statistics, the between-arm differences and the method, all
unrounded. ``to_ard`` turns a result into ARD rows (``analysis_utils.ard``): per-arm rows keep
``group`` = the arm; between-arm rows get the analysis id with ``-DIFF`` appended, ``group`` =
``"<arm> vs <reference>"`` and ``stat_name`` in ``estimate, ci_lower, ci_upper, p_value``.

Methods (and which library computes what)
-----------------------------------------
- ``compare_arms_ancova``: ANCOVA ``value ~ arm + factors + baseline`` by ordinary least squares
  (statsmodels ``OLS``; treatment coding against the reference arm, the factors as categorical
  terms, the baseline as a linear covariate). Differences are the arm coefficients with t-based
  CIs and p-values on the residual degrees of freedom, as SAS PROC GLM ``LSMEANS / PDIFF CL``.
  Least-squares means are computed at the mean baseline and, over the factor levels, with equal
  weights by default (``LSMEANS_WEIGHTS = "equal"``, the SAS LSMEANS default) or with the observed
  marginal proportions (``"observed"``, SAS ``OM``, emmeans ``weights = "proportional"``). The
  differences do not depend on that choice (the model has no arm-by-factor interaction).
  ``pingouin.ancova`` returns only the F table of the arm term, not the contrasts, LS means or
  their standard errors, so statsmodels is used.
- ``compare_arms_responders``: n/N and rate per arm (exact Clopper-Pearson CI, statsmodels
  ``proportion_confint(method="beta")``, as the single-arm responder summaries); the difference of
  each arm minus the reference with the Newcombe hybrid score interval (Newcombe 1998, Stat Med
  17:873-890, method 10: the two Wilson score intervals combined; statsmodels
  ``confint_proportions_2indep(method="newcomb")``); p-value by the Cochran-Mantel-Haenszel test
  stratified by ``strata`` (statsmodels ``StratifiedTable.test_null_odds``, no continuity
  correction, as SAS PROC FREQ ``CMH``), or by Fisher's exact test (scipy ``fisher_exact``) when no
  strata are given or the strata are too sparse for the CMH chi-square (``MANTEL_FLEISS_MIN``).
- ``fit_responder_logistic``: logistic regression of the responder flag on the arm and baseline
  covariates (pingouin ``logistic_regression``, maximum likelihood without penalty); the odds ratio
  with its Wald CI and p-value.
- ``fit_mmrm``: a linear mixed model over all post-baseline visits with a random intercept per
  subject (statsmodels ``MixedLM``, REML), arm-by-visit cell means and the baseline as covariate;
  the arm difference at each visit with t-based CIs on the between-subject degrees of freedom.
  See its docstring for how this differs from the SAS standard MMRM.
"""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from analysis_utils import ard as ard_mod

CONF_LEVEL = 0.95

#: LS-means weighting over the levels of the classification factors: "equal" (SAS LSMEANS default,
#: each level weighted 1/L) or "observed" (the observed marginal proportions, SAS ``OM``).
LSMEANS_WEIGHTS = "equal"

#: Mantel-Fleiss criterion (Mantel N, Fleiss JL. Am J Epidemiol 1980;112:129-34) for the CMH
#: chi-square approximation: summed over strata, the expected number of responders in the compared
#: arm must lie at least this far from both the smallest and the largest value the margins allow.
#: Below it the strata are "too sparse" and Fisher's exact test (unstratified) is used instead.
MANTEL_FLEISS_MIN = 5.0

DIFF_SUFFIX = "-DIFF"
DIFF_STATS = ("estimate", "ci_lower", "ci_upper", "p_value")

METHODS = {
    "ancova": "ANCOVA {value} ~ arm{factors} + {baseline} (OLS); LS means at mean {baseline}, {weights} weights; "
              "t-based {pct}% CI",
    "newcombe": "Newcombe hybrid score {pct}% CI (Newcombe 1998, method 10)",
    "cmh": "CMH test stratified by {strata} (no continuity correction)",
    "cmh_single": "; {n} {stratum} of one patient left out (no information on the odds ratio)",
    "fisher": "Fisher's exact test (two-sided)",
    "fisher_sparse": "Fisher's exact test (two-sided); strata {strata} too sparse for CMH (Mantel-Fleiss < 5)",
    "cp": "n/N, rate with exact Clopper-Pearson {pct}% CI",
    "logistic": "Logistic regression {flag} ~ arm{covariates} (maximum likelihood); odds ratio, Wald {pct}% CI",
    "mmrm": "Linear mixed model {value} ~ visit x arm{baseline} + random intercept per subject (REML); "
            "t-based {pct}% CI on {df} between-subject df{lsmeans}",
}


@dataclass(frozen=True)
class ArmComparison:
    """Result of a between-arm analysis.

    Attributes
    ----------
    by_arm : DataFrame
        Per-arm statistics (column ``arm``, and ``avisit`` for per-visit analyses).
    differences : DataFrame
        One row per arm compared with the reference (and per visit): ``arm, estimate, se, ci_lower,
        ci_upper, p_value`` (``se`` is missing where the method has none), plus ``method``.
    reference : str
        The reference arm.
    method : str
        The method of the per-arm statistics.
    info : dict
        Model facts (numbers of subjects and records, degrees of freedom, convergence).
    """

    by_arm: pd.DataFrame
    differences: pd.DataFrame
    reference: str
    method: str
    info: dict = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------------------------

def _check_conf_level(conf_level: float) -> None:
    if not 0.0 < conf_level < 1.0:
        raise ValueError(f"conf_level must be between 0 and 1, got {conf_level}")


def _check_columns(data: pd.DataFrame, columns, what: str) -> None:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise ValueError(f"{what}: column(s) {missing} not in the data (columns: {list(data.columns)})")


def _first_row(data: pd.DataFrame, bad: pd.Series, keys=("USUBJID", "AVISIT")) -> str:
    row = data.loc[bad].iloc[0]
    return ", ".join(f"{c} {row[c]}" for c in keys if c in data.columns) or f"row {data.index[bad][0]}"


class NotEstimable(ValueError):
    """The data cannot estimate the model: an arm without a record (at a visit), too few patients or records for its
    parameters, complete separation. An early interim cut is the usual cause; ``arms.summarize_arms`` then reports
    the analysis as not estimable instead of stopping the build. Any other ``ValueError`` is an error of the data
    or of the call. ``rates``: ARD rows that stand without the model (``arms.compare_responders``: each arm's rate),
    if any."""

    rates = None


def _is_missing(values: pd.Series) -> pd.Series:
    return values.isna() | values.astype(str).str.strip().eq("")


def _arm_levels(data: pd.DataFrame, arm: str, reference: str, what: str) -> list:
    """The reference arm first, then the other arms (categorical order, else sorted)."""
    values = data[arm]
    levels = list(values.cat.categories) if isinstance(values.dtype, pd.CategoricalDtype) else sorted(values.unique())
    levels = [a for a in levels if a in set(values)]
    if reference not in levels:
        raise NotEstimable(f"{what}: no record of the reference arm {reference} yet, only of "
                           f"{', '.join(map(str, levels)) or 'no arm'}")
    if len(levels) < 2:
        raise NotEstimable(f"{what}: records of the reference arm {reference} only, no other arm to compare "
                           "with yet")
    return [reference] + [a for a in levels if a != reference]


def _one_row_per_subject(data: pd.DataFrame, subject: str | None, what: str) -> None:
    if subject and subject in data.columns:
        dup = data[subject].duplicated(keep=False)
        if dup.any():
            raise ValueError(f"{what}: {_first_row(data, dup)}: more than one record for the subject "
                             "(select one visit and one record per subject, e.g. by ANL01FL)")


def _pct(conf_level: float) -> str:
    return f"{100 * conf_level:g}"


# --------------------------------------------------------------------------------------------
# ANCOVA
# --------------------------------------------------------------------------------------------

def _dummies(values: pd.Series, levels: list) -> np.ndarray:
    """Indicator columns of ``levels[1:]`` (treatment coding against ``levels[0]``)."""
    return np.column_stack([(values == lev).to_numpy(float) for lev in levels[1:]]) if len(levels) > 1 else \
        np.empty((len(values), 0))


def compare_arms_ancova(data: pd.DataFrame, *, value: str = "CHG", baseline: str | None = "BASE",
                        arm: str = "TRTP", reference: str, factors=(), conf_level: float = CONF_LEVEL,
                        weights: str = LSMEANS_WEIGHTS, subject: str = "USUBJID") -> ArmComparison:
    """Compare arms by ANCOVA of ``value`` with ``baseline`` as covariate and ``factors`` as categorical terms.

    Model ``value = intercept + arm + factor_1 + ... + b * baseline + error``, fitted by ordinary
    least squares (statsmodels ``OLS``) on one record per subject; records with a missing value,
    baseline or factor are left out (complete cases, as SAS PROC GLM and R ``lm``). Arms use
    treatment coding against ``reference``, each factor against its first (sorted) level.

    Parameters
    ----------
    data : DataFrame
        One record per subject (for example ``PARAMCD``, ``AVISIT`` and ``ANL01FL`` already selected).
    value, baseline : str
        The response (the change from baseline) and the baseline covariate; ``baseline=None``
        fits the model without covariate (an ANOVA).
    arm : str
        The arm column (``TRTP``, ``TRT01P``, ``TRT01A``, ...).
    reference : str
        The reference arm (placebo, control); every other arm is compared with it.
    factors : sequence of str
        Classification factors (site group, stratum), as categorical main effects.
    conf_level : float
        Confidence level of the t-based intervals.
    weights : {"equal", "observed"}
        LS-means weighting over the factor levels (see ``LSMEANS_WEIGHTS``).
    subject : str
        Subject identifier, checked for duplicates when present.

    Returns
    -------
    ArmComparison
        ``differences``: ``arm, estimate, se, df, ci_lower, ci_upper, p_value, method`` (each arm
        minus the reference: the LS-mean difference, which is the arm coefficient).
        ``by_arm``: ``arm, n, lsmean, se, ci_lower, ci_upper`` (LS means at the mean baseline of
        the analysed records, averaged over the factor levels with ``weights``).

    Examples
    --------
    >>> d = pd.DataFrame({"TRTP": ["A"] * 3 + ["B"] * 3, "BASE": [1, 2, 3] * 2,
    ...                   "CHG": [1, 3, 2, 4, 6, 5]})
    >>> r = compare_arms_ancova(d, reference="A")
    >>> r.differences[["arm", "estimate", "se"]].round(4).values.tolist()
    [['B', 3.0, 0.8165]]
    >>> r.by_arm[["arm", "n", "lsmean"]].round(4).values.tolist()
    [['A', 3, 2.0], ['B', 3, 5.0]]
    """
    from statsmodels.regression.linear_model import OLS  # not statsmodels.api: 0.2 s more to import

    what = "compare_arms_ancova"
    _check_conf_level(conf_level)
    if weights not in ("equal", "observed"):
        raise ValueError(f"{what}: weights must be 'equal' or 'observed', got {weights!r}")
    factors = list(factors)
    covariates = [baseline] if baseline else []
    _check_columns(data, [value, arm, *covariates, *factors], what)
    used = [value, *covariates]
    keep = data[used].notna().all(axis=1)
    for f in factors:
        keep &= ~_is_missing(data[f])
    keep &= ~_is_missing(data[arm])
    rows = data.loc[keep].reset_index(drop=True)
    _one_row_per_subject(rows, subject, what)
    arms = _arm_levels(rows, arm, reference, what)
    factor_levels = {f: sorted(rows[f].unique()) for f in factors}

    columns = [np.ones((len(rows), 1)), _dummies(rows[arm], arms)]
    columns += [_dummies(rows[f], factor_levels[f]) for f in factors]
    columns += [rows[[c]].to_numpy(float) for c in covariates]
    x = np.column_stack(columns)
    y = rows[value].to_numpy(float)
    if np.linalg.matrix_rank(x) < x.shape[1]:
        raise NotEstimable(f"{what}: the design is not of full rank (an arm or factor level is confounded "
                         "with another term, or a factor has a level in one arm only)")
    fit = OLS(y, x).fit()
    df = float(fit.df_resid)
    if df < 1:
        raise NotEstimable(f"{what}: {len(rows)} records for {x.shape[1]} parameters; no residual degrees of freedom")
    t_crit = stats.t.ppf(0.5 + conf_level / 2, df)
    cov = fit.cov_params()

    # LS-mean design rows: one per arm, factors averaged with the chosen weights, covariate at its mean.
    factor_part = []
    for f in factors:
        levels = factor_levels[f]
        if weights == "equal":
            w = np.full(len(levels), 1.0 / len(levels))
        else:
            w = rows[f].value_counts(normalize=True).reindex(levels).to_numpy(float)
        factor_part.append(w[1:])
    cov_part = [np.array([rows[c].mean()]) for c in covariates]
    lsm_rows = []
    for i, _a in enumerate(arms):
        arm_part = np.zeros(len(arms) - 1)
        if i:
            arm_part[i - 1] = 1.0
        lsm_rows.append(np.concatenate([[1.0], arm_part, *factor_part, *cov_part]))
    lsm_x = np.vstack(lsm_rows)
    lsmean = lsm_x @ fit.params
    lsm_se = np.sqrt(np.einsum("ij,jk,ik->i", lsm_x, cov, lsm_x))
    by_arm = pd.DataFrame({
        "arm": arms,
        "n": [int((rows[arm] == a).sum()) for a in arms],
        "lsmean": lsmean, "se": lsm_se,
        "ci_lower": lsmean - t_crit * lsm_se, "ci_upper": lsmean + t_crit * lsm_se,
    })

    pct = _pct(conf_level)
    method = METHODS["ancova"].format(value=value, factors="".join(f" + {f}" for f in factors),
                                      baseline=baseline or "no covariate", weights=weights, pct=pct)
    est = fit.params[1:len(arms)]
    se = fit.bse[1:len(arms)]
    differences = pd.DataFrame({
        "arm": arms[1:], "estimate": est, "se": se, "df": df,
        "ci_lower": est - t_crit * se, "ci_upper": est + t_crit * se,
        "p_value": 2 * stats.t.sf(np.abs(est / se), df), "method": method,
    })
    return ArmComparison(by_arm=by_arm, differences=differences, reference=reference, method=method,
                         info={"n_subjects": len(rows), "df": df})


# --------------------------------------------------------------------------------------------
# Responder rates
# --------------------------------------------------------------------------------------------

def _responder_rows(data: pd.DataFrame, flag: str, what: str) -> pd.DataFrame:
    """Evaluable records (flag ``"Y"`` or ``"N"``) with a 0/1 ``_y``; any other non-blank value is an error."""
    values = data[flag]
    blank = _is_missing(values)
    bad = ~blank & ~values.isin(["Y", "N"])
    if bad.any():
        raise ValueError(f"{what}: {_first_row(data, bad)}: {flag} must be 'Y', 'N' or blank, "
                         f"got {values[bad].iloc[0]!r}")
    rows = data.loc[~blank].copy()
    rows["_y"] = rows[flag].eq("Y").astype(int)
    return rows


def mantel_fleiss_distance(tables) -> float:
    """Smaller distance of the summed expected count from its bounds (Mantel-Fleiss criterion).

    Each table is 2x2: rows = compared arm, reference arm; columns = responders, non-responders.
    For stratum k with arm size n1, reference size n2 and m1 responders in all, the responders of
    the compared arm have expectation n1 m1 / N under the null and lie between max(0, m1 - n2) and
    min(n1, m1). The CMH chi-square is adequate when both summed distances reach ``MANTEL_FLEISS_MIN``.
    One set of strata of ``mantel_fleiss_distances``.

    Examples
    --------
    >>> mantel_fleiss_distance([[[8, 2], [5, 5]]])  # E = 10 * 13 / 20 = 6.5, bounds 3 and 10
    3.5
    """
    return float(mantel_fleiss_distances(np.asarray(tables, float)[None])[0])


def mantel_fleiss_distances(tables: np.ndarray) -> np.ndarray:
    """Mantel-Fleiss distance (``mantel_fleiss_distance``) of many sets of strata at once.

    ``tables`` has shape (trials, strata, 2, 2), rows and columns as in ``mantel_fleiss_distance``;
    empty strata (no patient) add nothing. The strata are summed one after the other, in order, so
    the result is the same floating-point number as a loop over the strata.

    Examples
    --------
    >>> mantel_fleiss_distances(np.array([[[[8, 2], [5, 5]], [[0, 0], [0, 0]]]], float)).tolist()
    [3.5]
    """
    t = np.asarray(tables, float)
    n1, n2, m1 = t[..., 0, :].sum(-1), t[..., 1, :].sum(-1), t[..., :, 0].sum(-1)
    total = n1 + n2
    expected, lower, upper = (np.zeros(t.shape[0]) for _ in range(3))
    with np.errstate(invalid="ignore", divide="ignore"):
        for k in range(t.shape[1]):
            has = total[:, k] > 0
            expected += np.where(has, n1[:, k] * m1[:, k] / total[:, k], 0.0)
            lower += np.maximum(0.0, m1[:, k] - n2[:, k])
            upper += np.minimum(n1[:, k], m1[:, k])
    return np.minimum(expected - lower, upper - expected)


#: Relative tolerance for ties in Fisher's two-sided exact test as scipy's ``fisher_exact``
#: computes it (scipy 1.17: a table is "as or less likely" than the observed one when its
#: probability is at most (1 + 1e-14) times the observed one), so that ``compare_responder_tables``
#: gives scipy's p-values.
SCIPY_FISHER_TOLERANCE = 1e-14


def fisher_exact_pvalues(tables: np.ndarray) -> np.ndarray:
    """Two-sided Fisher exact p-values of many 2x2 tables at once, as ``scipy.stats.fisher_exact``.

    ``tables`` has shape (..., 2, 2), rows = compared arm, reference arm; columns = responders,
    non-responders. For each table, with its margins fixed, the responders of the compared arm
    follow the hypergeometric law (probabilities from ``scipy.stats.hypergeom.pmf``, the function
    scipy's test uses); the p-value sums the probabilities of every table at most
    (1 + ``SCIPY_FISHER_TOLERANCE``) times as likely as the observed one, capped at 1 (1 when a
    margin is zero). One (tables x possible counts) array: no Python loop over the tables.

    Examples
    --------
    >>> fisher_exact_pvalues(np.array([[[3, 0], [0, 3]], [[2, 1], [1, 2]]])).round(4).tolist()
    [0.1, 1.0]
    """
    t = np.asarray(tables, dtype=np.int64)
    shape, t = t.shape[:-2], t.reshape(-1, 2, 2)
    n1, n2, m1 = t[:, 0].sum(-1), t[:, 1].sum(-1), t[:, :, 0].sum(-1)
    x = np.arange(int(n1.max(initial=0)) + 1)[None, :]
    pmf = stats.hypergeom.pmf(x, (n1 + n2)[:, None], n1[:, None], m1[:, None])
    observed = stats.hypergeom.pmf(t[:, 0, 0], n1 + n2, n1, m1)
    p = np.where(pmf <= observed[:, None] * (1 + SCIPY_FISHER_TOLERANCE), pmf, 0.0).sum(-1)
    empty = (np.minimum(n1, n2) == 0) | (m1 == 0) | (m1 == n1 + n2)
    return np.where(empty, 1.0, np.minimum(p, 1.0)).reshape(shape)


def cmh_pvalues(tables: np.ndarray) -> np.ndarray:
    """Cochran-Mantel-Haenszel p-values (no continuity correction) of many sets of strata at once.

    ``tables`` has shape (trials, strata, 2, 2) as in ``mantel_fleiss_distances``. The statistic
    (sum_k (a_k - n1_k m1_k / N_k))² / sum_k n1_k n2_k m1_k m2_k / (N_k² (N_k - 1)) on 1 df is
    computed term by term as statsmodels ``StratifiedTable.test_null_odds(correction=False)`` does
    (``compare_arms_responders``); strata with fewer than two patients are left out
    (``_informative_strata``; NaN where the variance is zero, as statsmodels gives).

    Examples
    --------
    >>> round(float(cmh_pvalues(np.array([[[[8, 2], [5, 5]], [[7, 3], [4, 6]]]]))[0]), 6)  # CMH = 9 / 2.5
    0.05778
    """
    t = np.asarray(tables, float)
    apb, apc = t[..., 0, 0] + t[..., 0, 1], t[..., 0, 0] + t[..., 1, 0]
    bpd, cpd = t[..., 0, 1] + t[..., 1, 1], t[..., 1, 0] + t[..., 1, 1]
    n = t.sum((-2, -1))
    present = n > 1
    with np.errstate(invalid="ignore", divide="ignore"):
        diff = np.where(present, t[..., 0, 0] - apb * apc / n, 0.0)
        var = np.where(present, apb * apc * bpd * cpd / (n ** 2 * (n - 1)), 0.0)
        statistic = np.abs(diff.sum(-1)) ** 2 / var.sum(-1)
    return 1 - stats.chi2.cdf(statistic, 1)


def compare_responder_tables(tables: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """p-values of many stratified responder comparisons at once, by the rule of ``compare_arms_responders``.

    For each set of strata (``tables``: trials x strata x 2 x 2, rows = compared arm, reference arm;
    columns = responders, non-responders): the CMH test (``cmh_pvalues``) when the strata pass the
    Mantel-Fleiss criterion (``mantel_fleiss_distances`` >= ``MANTEL_FLEISS_MIN``), else Fisher's
    exact test of the strata added up (``fisher_exact_pvalues``). The same rule and the same
    p-values (to rounding, about 1e-15) as ``compare_arms_responders(..., strata=...)``, which
    takes 10-30 ms per dataset (pandas, statsmodels and scipy per call): the planned-trial
    simulation (``planning.simulate_planned_trial_power``) analyses thousands of simulated trials
    this way in milliseconds, and its tests check the p-values against ``compare_arms_responders``
    on a sample of the simulated trials.

    Returns
    -------
    (p_values, by_cmh)
        Arrays of length trials: the p-value and whether the CMH test gave it.

    Examples
    --------
    >>> p, cmh = compare_responder_tables(np.array([[[[8, 2], [5, 5]], [[7, 3], [4, 6]]],
    ...                                          [[[1, 0], [0, 1]]] * 2]))
    >>> p.round(4).tolist(), cmh.tolist()  # CMH = 3.6; 2/2 vs 0/2 pooled: Fisher p = 2/6
    ([0.0578, 0.3333], [True, False])
    """
    t = np.asarray(tables)
    by_cmh = mantel_fleiss_distances(t) >= MANTEL_FLEISS_MIN
    p = np.full(t.shape[0], np.nan)
    if by_cmh.any():
        p[by_cmh] = cmh_pvalues(t[by_cmh])
    if (~by_cmh).any():
        p[~by_cmh] = fisher_exact_pvalues(t[~by_cmh].sum(1))
    return p, by_cmh


def compare_arms_responders(data: pd.DataFrame, *, flag: str = "CRIT1FL", arm: str = "TRTP", reference: str,
                            strata: str | None = None, conf_level: float = CONF_LEVEL,
                            subject: str = "USUBJID") -> ArmComparison:
    """Compare responder rates between arms: n/N per arm, the difference with its CI and a p-value.

    The difference (each arm minus the reference, on the 0-1 scale) has the Newcombe hybrid score
    interval (method 10 of Newcombe 1998; statsmodels). The p-value is the CMH test stratified by
    ``strata`` (statsmodels ``StratifiedTable``), or Fisher's exact test (scipy) when ``strata`` is
    None or fails the Mantel-Fleiss criterion (``MANTEL_FLEISS_MIN``); the row's ``method`` names it.

    Parameters
    ----------
    data : DataFrame
        One record per subject at the analysis visit, with the flag ``"Y"`` (responder), ``"N"``
        (non-responder) or blank (not evaluable: left out of n and N).
    flag, arm : str
        The responder flag (``CRIT1FL``) and the arm column.
    reference : str
        The reference arm.
    strata : str, optional
        The stratification column (centre, randomisation stratum) for the CMH test.
    conf_level : float
        Confidence level of the per-arm and difference intervals.

    Returns
    -------
    ArmComparison
        ``by_arm``: ``arm, n_responders, n_evaluable, rate, ci_lower, ci_upper`` (proportions 0-1).
        ``differences``: ``arm, estimate, se (missing), ci_lower, ci_upper, p_value, method``.

    Examples
    --------
    >>> d = pd.DataFrame({"TRTP": ["A"] * 70 + ["B"] * 80,
    ...                   "CRIT1FL": ["Y"] * 56 + ["N"] * 14 + ["Y"] * 48 + ["N"] * 32})
    >>> r = compare_arms_responders(d, arm="TRTP", reference="B")
    >>> r.differences[["arm", "estimate", "ci_lower", "ci_upper"]].round(4).values.tolist()
    [['A', 0.2, 0.0524, 0.3339]]
    """
    from statsmodels.stats.contingency_tables import StratifiedTable
    from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

    what = "compare_arms_responders"
    _check_conf_level(conf_level)
    _check_columns(data, [flag, arm, *([strata] if strata else [])], what)
    rows = _responder_rows(data.loc[~_is_missing(data[arm])], flag, what)
    _one_row_per_subject(rows, subject, what)
    if strata:
        bad = _is_missing(rows[strata])
        if bad.any():
            raise ValueError(f"{what}: {_first_row(rows, bad)}: stratum {strata} is missing")
    arms = _arm_levels(rows, arm, reference, what)
    alpha = 1.0 - conf_level
    pct = _pct(conf_level)

    counts = rows.groupby(arm, sort=False)["_y"].agg(["sum", "count"]).reindex(arms)
    x, n = counts["sum"].astype(int), counts["count"].astype(int)
    lo, hi = proportion_confint(x.to_numpy(), n.to_numpy(), alpha=alpha, method="beta")
    by_arm = pd.DataFrame({"arm": arms, "n_responders": x.to_numpy(), "n_evaluable": n.to_numpy(),
                           "rate": (x / n).to_numpy(float), "ci_lower": lo, "ci_upper": hi})

    ci_method = METHODS["newcombe"].format(pct=pct)
    records = []
    ref_rows = rows[rows[arm] == reference]
    for a in arms[1:]:
        d_lo, d_hi = confint_proportions_2indep(x[a], n[a], x[reference], n[reference], method="newcomb",
                                                compare="diff", alpha=alpha)
        pair = pd.concat([rows[rows[arm] == a], ref_rows])
        p_value, test = _responder_test(pair, arm=arm, compared=a, strata=strata, table_cls=StratifiedTable)
        records.append({"arm": a, "estimate": x[a] / n[a] - x[reference] / n[reference], "se": np.nan,
                        "ci_lower": float(d_lo), "ci_upper": float(d_hi), "p_value": p_value,
                        "method": f"{ci_method}; {test}"})
    differences = pd.DataFrame(records, columns=["arm", "estimate", "se", "ci_lower", "ci_upper", "p_value", "method"])
    return ArmComparison(by_arm=by_arm, differences=differences, reference=reference,
                         method=METHODS["cp"].format(pct=pct), info={"n_subjects": len(rows)})


def _strata_tables(pair: pd.DataFrame, arm: str, compared, strata: str | None) -> np.ndarray:
    """2x2 tables per stratum (sorted), shape (strata, 2, 2): rows = ``compared``, reference; columns =
    responders, non-responders; one table of everybody when ``strata`` is None. One count of the
    (stratum, arm, response) cells (``numpy.bincount``), not a pass over the rows per stratum."""
    codes, levels = pd.factorize(pair[strata], sort=True) if strata else (np.zeros(len(pair), int), [0])
    cell = 4 * codes + 2 * (pair[arm] != compared).to_numpy(int) + (1 - pair["_y"].to_numpy(int))
    return np.bincount(cell, minlength=4 * len(levels)).reshape(len(levels), 2, 2)


def _informative_strata(tables: np.ndarray) -> np.ndarray:
    """The strata (2x2 tables) of two patients or more. A stratum of one patient adds 0 to the CMH statistic's
    numerator (a - n1 m1 / N is 1 - 1, or 0 - 0) and 0/0 to its variance, which made statsmodels' whole test NaN:
    at an interim cut, the one patient of a centre due at week 24 left a p-value "NA" (without him, p = 0.620). R's
    ``mantelhaen.test`` refuses such strata; leaving them out is the limit of the statistic, which they do not move.

    >>> _informative_strata(np.array([[[1, 0], [0, 0]], [[2, 1], [1, 2]], [[0, 0], [0, 0]]])).tolist()
    [[[2, 1], [1, 2]]]
    """
    return tables[tables.sum((1, 2)) > 1]


def _responder_test(pair: pd.DataFrame, *, arm: str, compared, strata: str | None, table_cls) -> tuple[float, str]:
    """p-value and method: CMH across ``strata`` when they pass Mantel-Fleiss, else Fisher's exact test. The method
    says how many strata of one patient the CMH test left out (``_informative_strata``)."""
    tables = _strata_tables(pair, arm, compared, strata)
    if strata:
        if mantel_fleiss_distance(tables) >= MANTEL_FLEISS_MIN:
            informative = _informative_strata(tables)
            result = table_cls([np.asarray(t, float) for t in informative]).test_null_odds(correction=False)
            single = len(tables) - len(informative)
            return float(result.pvalue), METHODS["cmh"].format(strata=strata) + (METHODS["cmh_single"].format(
                n=single, stratum="stratum" if single == 1 else "strata") if single else "")
        method = METHODS["fisher_sparse"].format(strata=strata)
    else:
        method = METHODS["fisher"]
    return float(stats.fisher_exact(tables.sum(0)).pvalue), method


def fit_responder_logistic(data: pd.DataFrame, *, flag: str = "CRIT1FL", arm: str = "TRTP", reference: str,
                           covariates=("BASE",), conf_level: float = CONF_LEVEL,
                           subject: str = "USUBJID") -> ArmComparison:
    """Odds ratio of response for each arm against the reference, adjusted for ``covariates``.

    Logistic regression ``logit P(flag = Y) = intercept + arm + covariates`` by maximum likelihood
    without penalty (pingouin ``logistic_regression``, which fits with scikit-learn and computes
    the Wald standard errors); the odds ratio is exp(coefficient) with the Wald CI exp(b +/- z se)
    and the Wald z-test p-value. Records with a blank flag or a missing covariate are left out.

    Raises ``ValueError`` when an arm has only responders or only non-responders (complete
    separation: the maximum likelihood odds ratio is infinite; report the rates and their
    difference instead).

    Returns
    -------
    ArmComparison
        ``by_arm``: ``arm, n_responders, n_evaluable`` of the records in the model.
        ``differences``: ``arm, estimate (odds ratio), se (of the log odds ratio), ci_lower,
        ci_upper, p_value, method``.

    Examples
    --------
    >>> d = pd.DataFrame({"TRTP": ["A"] * 10 + ["B"] * 10,
    ...                   "CRIT1FL": ["Y"] * 6 + ["N"] * 4 + ["Y"] * 3 + ["N"] * 7})
    >>> r = fit_responder_logistic(d, reference="B", covariates=())
    >>> round(float(r.differences["estimate"].iloc[0]), 4)  # (6 x 7) / (4 x 3)
    3.5
    """
    import pingouin

    what = "fit_responder_logistic"
    _check_conf_level(conf_level)
    covariates = list(covariates)
    _check_columns(data, [flag, arm, *covariates], what)
    rows = _responder_rows(data.loc[~_is_missing(data[arm])], flag, what)
    rows = rows.loc[rows[covariates].notna().all(axis=1)].reset_index(drop=True)
    _one_row_per_subject(rows, subject, what)
    arms = _arm_levels(rows, arm, reference, what)
    counts = rows.groupby(arm, sort=False)["_y"].agg(["sum", "count"]).reindex(arms)
    separated = [a for a in arms if counts.loc[a, "sum"] in (0, counts.loc[a, "count"])]
    if separated:
        raise NotEstimable(f"{what}: arm {separated[0]!r} has {counts.loc[separated[0], 'sum']} responders of "
                         f"{counts.loc[separated[0], 'count']} (complete separation); the odds ratio is not estimable")
    names = [f"_arm{i}" for i in range(1, len(arms))]
    x = pd.DataFrame(_dummies(rows[arm], arms), columns=names)
    for c in covariates:
        x[c] = rows[c].to_numpy(float)
    alpha = 1.0 - conf_level
    fit = pingouin.logistic_regression(x, rows["_y"].to_numpy(), alpha=alpha).set_index("names")
    z = stats.norm.ppf(1.0 - alpha / 2)
    coef, se = fit.loc[names, "coef"].to_numpy(float), fit.loc[names, "se"].to_numpy(float)
    method = METHODS["logistic"].format(flag=flag, covariates="".join(f" + {c}" for c in covariates),
                                        pct=_pct(conf_level))
    differences = pd.DataFrame({
        "arm": arms[1:], "estimate": np.exp(coef), "se": se,
        "ci_lower": np.exp(coef - z * se), "ci_upper": np.exp(coef + z * se),
        "p_value": fit.loc[names, "pval"].to_numpy(float), "method": method,
    })
    by_arm = pd.DataFrame({"arm": arms, "n_responders": counts["sum"].to_numpy(int),
                           "n_evaluable": counts["count"].to_numpy(int)})
    return ArmComparison(by_arm=by_arm, differences=differences, reference=reference,
                         method="n/N of the records in the model", info={"n_subjects": len(rows)})


# --------------------------------------------------------------------------------------------
# Repeated measures
# --------------------------------------------------------------------------------------------

def _visit_levels(rows: pd.DataFrame, visit: str) -> list:
    """Visits in study order: by ``AVISITN`` when present, else categorical order, else sorted."""
    if "AVISITN" in rows.columns and visit != "AVISITN":
        order = rows.groupby(visit, sort=False)["AVISITN"].min().sort_values(kind="stable")
        return list(order.index)
    values = rows[visit]
    if isinstance(values.dtype, pd.CategoricalDtype):
        return [v for v in values.cat.categories if v in set(values)]
    return sorted(values.unique())


def fit_mmrm(data: pd.DataFrame, *, value: str = "CHG", arm: str = "TRTP", visit: str = "AVISIT",
             subject: str = "USUBJID", baseline: str | None = "BASE", reference: str,
             conf_level: float = CONF_LEVEL) -> ArmComparison:
    """Estimate the arm difference at each visit with a repeated-measures mixed model over all visits.

    Model: ``value = visit-by-arm cell mean + b * baseline + u_subject + error``, with a random
    intercept ``u`` per subject (compound-symmetry covariance within a subject), fitted by REML
    (statsmodels ``MixedLM``) on every available post-baseline record: valid when data are missing
    at random given the observed values. The arm difference at a visit is the arm's cell mean
    minus the reference's (the same baseline slope in every cell).

    The SAS standard for a "MMRM" is PROC MIXED with an unstructured within-subject covariance and
    Kenward-Roger standard errors and degrees of freedom; statsmodels offers neither. This model is
    a random-intercept model instead: with few visits and small arms it is more stable, but it
    assumes equal variances and equal correlations across visits. Its small-sample degrees of
    freedom are the between-subject (containment) df, ``n_subjects - n_arms - 1`` (without
    ``baseline``: ``n_subjects - n_arms``), the residual df of the subject-level terms (intercept,
    arm, baseline), as SAS ``DDFM=BETWITHIN`` assigns to the between-subject arm effect. They are
    used for every visit's t-based CI and p-value; this is conservative beside Kenward-Roger, which
    for an effect mixing between- and within-subject information lies between these df and the
    within-subject df. The standard errors are the model-based (REML) ones, not Kenward-Roger
    adjusted.

    Parameters
    ----------
    data : DataFrame
        Post-baseline records, one per subject and visit (records flagged ``ABLFL == "Y"`` are
        refused: the baseline is the covariate, not a response). Records with a missing value or
        baseline are left out.
    value, arm, visit, subject, baseline : str
        Columns; ``baseline=None`` fits the model without covariate.
    reference : str
        The reference arm.
    conf_level : float
        Confidence level of the t-based intervals.

    Returns
    -------
    ArmComparison
        ``by_arm``: ``avisit, arm, n, lsmean, se, ci_lower, ci_upper`` (cell means at the mean
        baseline of the analysed records).
        ``differences``: ``avisit, arm, estimate, se, df, ci_lower, ci_upper, p_value, method``.
        ``info``: ``n_subjects``, ``n_obs``, ``df``, ``converged`` (bool), ``var_subject``, ``var_residual``.
    """
    import warnings

    from statsmodels.regression.mixed_linear_model import MixedLM
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    what = "fit_mmrm"
    _check_conf_level(conf_level)
    covariates = [baseline] if baseline else []
    _check_columns(data, [value, arm, visit, subject, *covariates], what)
    if "ABLFL" in data.columns:
        bad = data["ABLFL"].eq("Y")
        if bad.any():
            raise ValueError(f"{what}: {_first_row(data, bad, (subject, visit))}: a baseline record (ABLFL = 'Y'); "
                             "pass post-baseline records only, the baseline enters as the covariate")
    rows = data.loc[data[[value, *covariates]].notna().all(axis=1) & ~_is_missing(data[arm])].reset_index(drop=True)
    dup = rows.duplicated([subject, visit], keep=False)
    if dup.any():
        raise ValueError(f"{what}: {_first_row(rows, dup, (subject, visit))}: more than one record for the "
                         "subject at the visit")
    arm_per_subject = rows.groupby(subject)[arm].nunique()
    if (arm_per_subject > 1).any():
        raise ValueError(f"{what}: {subject} {arm_per_subject[arm_per_subject > 1].index[0]}: "
                         f"more than one {arm} value; the arm must be constant within a subject")
    arms = _arm_levels(rows, arm, reference, what)
    visits = _visit_levels(rows, visit)
    rank = rows[visit].map({v: i for i, v in enumerate(visits)})
    rows = rows.assign(_rank=rank).sort_values([subject, "_rank"], kind="stable").reset_index(drop=True)

    # Cell-means coding: one column per visit (the reference arm's mean), one per visit x other arm
    # (the difference from the reference at that visit), then the covariate.
    names, columns = [], []
    for v in visits:
        names.append(("ref", v))
        columns.append((rows[visit] == v).to_numpy(float))
    for a in arms[1:]:
        for v in visits:
            names.append((a, v))
            columns.append(((rows[visit] == v) & (rows[arm] == a)).to_numpy(float))
    # a visit's reference column holds every arm's records: the reference arm's own are counted apart (without one,
    # the reference and difference columns of the visit are the same, and the model is singular)
    missing_cells = [(a, v) for a, v in names if not ((rows[visit] == v) & (rows[arm] == (reference if a == "ref"
                                                                                            else a))).any()]
    if missing_cells:
        a, v = missing_cells[0]
        raise NotEstimable(f"{what}: no record of arm {reference if a == 'ref' else a!r} at visit {v!r}; "
                         "the arm difference at that visit is not estimable")
    x = np.column_stack(columns + [rows[c].to_numpy(float) for c in covariates])
    n_subjects = rows[subject].nunique()
    df = float(n_subjects - len(arms) - len(covariates))
    if df < 1:
        raise NotEstimable(f"{what}: {n_subjects} subjects for {len(arms)} arms; no between-subject degrees of freedom")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = MixedLM(rows[value].to_numpy(float), x, groups=rows[subject].to_numpy()).fit(reml=True)
    converged = bool(fit.converged) and not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    for w in caught:  # convergence is reported in ``info``; any other warning is passed on
        if not issubclass(w.category, ConvergenceWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    k = x.shape[1]
    beta = np.asarray(fit.fe_params, float)
    cov = np.asarray(fit.cov_params())[:k, :k]
    t_crit = stats.t.ppf(0.5 + conf_level / 2, df)
    pct = _pct(conf_level)
    method = METHODS["mmrm"].format(value=value, baseline=f" + {baseline}" if baseline else "", pct=pct,
                                    df=f"{df:g}", lsmeans=f"; LS means at mean {baseline} over the model's records"
                                    if baseline else "")

    index = {c: i for i, c in enumerate(names)}
    cov_mean = [rows[c].mean() for c in covariates]
    lsm = []
    for v in visits:
        for a in arms:
            vec = np.zeros(k)
            vec[index[("ref", v)]] = 1.0
            if a != reference:
                vec[index[(a, v)]] = 1.0
            vec[len(names):] = cov_mean
            est, se = float(vec @ beta), float(np.sqrt(vec @ cov @ vec))
            lsm.append({"avisit": v, "arm": a, "n": int(((rows[visit] == v) & (rows[arm] == a)).sum()),
                        "lsmean": est, "se": se, "ci_lower": est - t_crit * se, "ci_upper": est + t_crit * se})
    diffs = []
    for v in visits:
        for a in arms[1:]:
            i = index[(a, v)]
            est, se = float(beta[i]), float(np.sqrt(cov[i, i]))
            diffs.append({"avisit": v, "arm": a, "estimate": est, "se": se, "df": df,
                          "ci_lower": est - t_crit * se, "ci_upper": est + t_crit * se,
                          "p_value": float(2 * stats.t.sf(abs(est / se), df)), "method": method})
    info = {"n_subjects": n_subjects, "n_obs": len(rows), "df": df, "converged": converged,
            "var_subject": float(np.asarray(fit.cov_re)[0, 0]), "var_residual": float(fit.scale)}
    return ArmComparison(by_arm=pd.DataFrame(lsm), differences=pd.DataFrame(diffs), reference=reference,
                         method=method, info=info)


# --------------------------------------------------------------------------------------------
# ARD rows
# --------------------------------------------------------------------------------------------

def to_ard(result: ArmComparison, *, analysis_id: str, **constants: str) -> pd.DataFrame:
    """ARD rows of a between-arm result: per-arm rows, then the ``-DIFF`` rows.

    Per-arm rows: ``analysis_id``, ``group`` = the arm, one row per numeric column of
    ``result.by_arm`` (``method`` = ``result.method``). Between-arm rows: ``analysis_id + "-DIFF"``,
    ``group`` = ``"<arm> vs <reference>"``, ``stat_name`` in ``DIFF_STATS`` and each row's method.
    Per-visit results fill ``avisit`` from the result; ``constants`` fill the other ARD columns
    (``section``, ``paramcd``, ``avisit``, ``variable``, ``population``, ``label``).

    Examples
    --------
    >>> d = pd.DataFrame({"TRTP": ["A"] * 70 + ["B"] * 80,
    ...                   "CRIT1FL": ["Y"] * 56 + ["N"] * 14 + ["Y"] * 48 + ["N"] * 32})
    >>> rows = to_ard(compare_arms_responders(d, reference="B"), analysis_id="EFF-MCII", section="efficacy")
    >>> rows.loc[rows["analysis_id"] == "EFF-MCII-DIFF", ["group", "stat_name"]].values.tolist()[:2]
    [['A vs B', 'estimate'], ['A vs B', 'ci_lower']]
    """
    if analysis_id.endswith(DIFF_SUFFIX):
        raise ValueError(f"to_ard: give the analysis id without {DIFF_SUFFIX!r} (it is added to the between-arm rows)")
    keys = [c for c in ("avisit",) if c in result.by_arm.columns]
    if keys and "avisit" in constants:
        raise ValueError("to_ard: the result has one row per visit; do not pass avisit")
    per_arm = result.by_arm.rename(columns={"arm": "group"})
    per_arm = per_arm.melt(id_vars=["group", *keys], var_name="stat_name", value_name="stat_value",
                           ignore_index=False).sort_index(kind="stable")
    per_arm = ard_mod.make_ard(per_arm.assign(method=result.method), analysis_id=analysis_id, **constants)
    diff = result.differences.assign(group=result.differences["arm"].astype(str) + f" vs {result.reference}")
    diff = diff.melt(id_vars=["group", *keys, "method"], value_vars=list(DIFF_STATS), var_name="stat_name",
                     value_name="stat_value", ignore_index=False).sort_index(kind="stable")
    diff = ard_mod.make_ard(diff, analysis_id=analysis_id + DIFF_SUFFIX, **constants)
    return ard_mod.stack_ard([per_arm, diff])
