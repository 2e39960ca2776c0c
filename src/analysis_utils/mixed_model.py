"""Linear mixed model of the change from baseline at every visit (random intercept, REML, t-based intervals).

Method (stated in the ARD rows' ``method``): ``AVAL ~ C(AVISITN)`` with a random intercept per subject
over every available visit, baseline included, REML (statsmodels MixedLM); valid under missing at random.
The change at a visit is its coefficient; its 95 % CI and p-value come from the t distribution with the
within-subject (containment) degrees of freedom, not from a z (Wald) test. The model on AVAL was preferred
to ``CHG ~ visit + BASE`` because with few post-baseline visits the latter drops the subjects who have
only a baseline value. Every scheduled visit present in the data is a level of ``C(AVISITN)``.
At an interim data cut, a visit's estimate is fitted on the patients for whom that visit was due
(``fit_mixed_model_due``).
"""

import math
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from analysis_utils.summaries import CONF_LEVEL
from analysis_utils.visits import visit_weeks

#: Method statement of the mixed model (ARD ``method``).
MIXED_METHOD = ("Linear mixed model AVAL ~ C(AVISITN) + random intercept per subject (statsmodels MixedLM, "
                "REML), all available visits; change = visit coefficient; 95% CI and p-value from the t distribution "
                "with within-subject (containment) df = records - subjects - (visits - 1)")


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
    adjustment). Every week of ``AVISITN`` in ``data`` is a level of the visit; its estimate is labelled with
    the data's ``AVISIT`` of that week (the week itself when ``data`` has no ``AVISIT``).

    Returns
    -------
    DataFrame
        Columns ``AVISIT, stat_name, stat_value``: estimate, ci_lower, ci_upper, p_value, df per
        post-baseline visit, then n_subjects, n_obs, converged (1/0) with AVISIT ``""``. With df < 1
        (every subject seen at one visit only) the CI and p-value are missing.
    """
    import statsmodels.formula.api as smf
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    label = _visit_labels(data)
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


def _visit_labels(data: pd.DataFrame) -> dict:
    """Planned week (integer) -> AVISIT label of the scheduled visits of ``data`` (``visits.visit_weeks``)."""
    return {int(round(week)): avisit for avisit, week in visit_weeks(data).items()}


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
    sets = {avisit: frozenset(due.loc[due["AVISIT"] == avisit, "USUBJID"]) & present
            for avisit in dict.fromkeys(due["AVISIT"])}
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
