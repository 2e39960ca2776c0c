"""Between-arm comparisons: hand-worked examples, Newcombe's published intervals and the CDISC pilot ANCOVA."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis_utils import ard as ard_mod
from analysis_utils import comparisons, paths
from analysis_utils.io import read_adam

ADAM = paths.CDISC_PILOT / "adam"
PLACEBO, LOW, HIGH = "Placebo", "Xanomeline Low Dose", "Xanomeline High Dose"


# --------------------------------------------------------------------------------------------
# ANCOVA
# --------------------------------------------------------------------------------------------

def _two_arm_ancova_data() -> pd.DataFrame:
    # Same baselines in both arms; within each arm the centred changes are (-1, 1, 0) at
    # centred baselines (-1, 0, 1): pooled slope 2/4 = 0.5, residuals (-0.5, 1, -0.5) per arm.
    return pd.DataFrame({"USUBJID": [f"S{i}" for i in range(6)], "TRTP": ["A"] * 3 + ["B"] * 3,
                         "BASE": [1.0, 2.0, 3.0] * 2, "CHG": [1.0, 3.0, 2.0, 4.0, 6.0, 5.0]})


def test_ancova_hand_worked_difference_se_ci_and_p():
    r = comparisons.compare_arms_ancova(_two_arm_ancova_data(), reference="A")
    row = r.differences.iloc[0]
    # RSS = 2 x 1.5 = 3 on 6 - 3 = 3 df, s^2 = 1; equal baselines: var(diff) = s^2 (1/3 + 1/3).
    se = math.sqrt(2 / 3)
    t = stats.t.ppf(0.975, 3)
    assert row["arm"] == "B"
    assert row["estimate"] == pytest.approx(3.0)
    assert row["se"] == pytest.approx(se)
    assert row["df"] == 3
    assert (row["ci_lower"], row["ci_upper"]) == pytest.approx((3 - t * se, 3 + t * se))
    assert row["p_value"] == pytest.approx(2 * stats.t.sf(3 / se, 3))
    # LS means at the mean baseline (2): the arm means of the change; SE = s / sqrt(3).
    assert r.by_arm["arm"].tolist() == ["A", "B"]
    assert r.by_arm["n"].tolist() == [3, 3]
    assert r.by_arm["lsmean"].tolist() == pytest.approx([2.0, 5.0])
    assert r.by_arm["se"].tolist() == pytest.approx([math.sqrt(1 / 3)] * 2)
    assert r.reference == "A" and "ANCOVA CHG ~ arm + BASE" in r.method


def _factor_data() -> pd.DataFrame:
    # Cell means A/site 1 = 10, A/site 2 = 14, B/site 1 = 12, B/site 2 = 16 (additive: arm +2,
    # site 2 +4), each cell holding pairs mean +/- 1; site 2 is a third of each arm.
    rows = []
    for arm, mean1 in (("A", 10.0), ("B", 12.0)):
        for site, mean, pairs in (("1", mean1, 2), ("2", mean1 + 4.0, 1)):
            for _ in range(pairs):
                rows += [(arm, site, mean - 1.0), (arm, site, mean + 1.0)]
    d = pd.DataFrame(rows, columns=["TRTP", "SITEGR1", "CHG"])
    return d.assign(USUBJID=[f"S{i:02d}" for i in range(len(d))])


def test_ancova_lsmeans_equal_and_observed_weights_hand_worked():
    d = _factor_data()
    equal = comparisons.compare_arms_ancova(d, reference="A", baseline=None, factors=["SITEGR1"])
    observed = comparisons.compare_arms_ancova(d, reference="A", baseline=None, factors=["SITEGR1"],
                                               weights="observed")
    # Equal weights: site effect 4 weighted 1/2; observed margins: weighted 4/12.
    assert equal.by_arm["lsmean"].tolist() == pytest.approx([12.0, 14.0])
    assert observed.by_arm["lsmean"].tolist() == pytest.approx([10 + 4 / 3, 12 + 4 / 3])
    # The difference does not depend on the weights: 2, RSS 12 on 12 - 3 = 9 df, and the same site
    # mix in both arms gives var = s^2 (1/6 + 1/6) = (12/9)(1/3), SE 2/3.
    for r in (equal, observed):
        row = r.differences.iloc[0]
        assert (row["estimate"], row["se"], row["df"]) == pytest.approx((2.0, 2 / 3, 9))
    assert "equal weights" in equal.method and "observed weights" in observed.method


def test_ancova_leaves_out_incomplete_records_and_orders_arms_reference_first():
    d = _two_arm_ancova_data()
    extra = pd.DataFrame({"USUBJID": ["S6", "S7"], "TRTP": ["A", "B"], "BASE": [np.nan, 2.0], "CHG": [9.0, np.nan]})
    r = comparisons.compare_arms_ancova(pd.concat([extra, d], ignore_index=True), reference="B")
    assert r.by_arm["arm"].tolist() == ["B", "A"]
    assert r.by_arm["n"].tolist() == [3, 3]
    assert r.differences["estimate"].iloc[0] == pytest.approx(-3.0)


def test_ancova_rejects_bad_input():
    d = _two_arm_ancova_data()
    with pytest.raises(ValueError, match="no record of the reference arm C yet, only of A, B"):
        comparisons.compare_arms_ancova(d, reference="C")
    with pytest.raises(ValueError, match="USUBJID S0.*more than one record"):
        comparisons.compare_arms_ancova(pd.concat([d, d.iloc[:1]]), reference="A")
    with pytest.raises(ValueError, match=r"column\(s\) \['AVAL'\]"):
        comparisons.compare_arms_ancova(d, value="AVAL", reference="A")
    with pytest.raises(ValueError, match="weights"):
        comparisons.compare_arms_ancova(d, reference="A", weights="proportional")
    with pytest.raises(ValueError, match="not of full rank"):
        comparisons.compare_arms_ancova(d.assign(SITE=d["TRTP"]), reference="A", factors=["SITE"])
    with pytest.raises(ValueError, match="conf_level"):
        comparisons.compare_arms_ancova(d, reference="A", conf_level=95)


@pytest.fixture(scope="module")
def adas_week24() -> pd.DataFrame:
    """ADAS-Cog(11) at week 24 under LOCF, efficacy population: the analysis results metadata of
    CDISC pilot Table 14-3.01 (PARAMCD ACTOT, AVISIT Week 24, EFFFL Y, ANL01FL Y)."""
    adas = read_adam(ADAM / "adadas.csv.gz")
    return adas[(adas["PARAMCD"] == "ACTOT") & (adas["AVISIT"] == "Week 24")
                & (adas["EFFFL"] == "Y") & (adas["ANL01FL"] == "Y")]


def test_cdisc_pilot_primary_ancova_reproduces_the_published_table(adas_week24):
    """CDISC pilot Table 14-3.01 as published by the R Consortium submission pilot 1
    (RConsortium/submissions-pilot1, output/tlf-primary.rtf): ANCOVA with treatment and site group
    as factors and baseline as covariate. Xanomeline - placebo: High Dose -1.0 (SE 0.84), 95% CI
    (-2.7; 0.7), p 0.233; Low Dose -0.5 (0.82), (-2.1; 1.1), p 0.569; High - Low p 0.520.
    N = 79 placebo, 74 high dose, 81 low dose."""
    assert (adas_week24["ITTFL"] == "Y").all()  # the published program also selects ITTFL = "Y"
    assert set(adas_week24["DTYPE"]) == {"", "LOCF"}
    r = comparisons.compare_arms_ancova(adas_week24, reference=PLACEBO, factors=["SITEGR1"])
    assert dict(zip(r.by_arm["arm"], r.by_arm["n"])) == {PLACEBO: 79, HIGH: 74, LOW: 81}
    diff = r.differences.set_index("arm")
    published = {HIGH: (-1.0, 0.84, -2.7, 0.7, 0.233), LOW: (-0.5, 0.82, -2.1, 1.1, 0.569)}
    for arm, (est, se, lo, hi, p) in published.items():
        row = diff.loc[arm]
        assert round(row["estimate"], 1) == est
        assert round(row["se"], 2) == se
        assert (round(row["ci_lower"], 1), round(row["ci_upper"], 1)) == (lo, hi)
        assert round(row["p_value"], 3) == p
    high_vs_low = comparisons.compare_arms_ancova(adas_week24, reference=LOW, factors=["SITEGR1"])
    assert round(high_vs_low.differences.set_index("arm").loc[HIGH, "p_value"], 3) == 0.520


def test_cdisc_pilot_primary_ancova_full_precision(adas_week24):
    r = comparisons.compare_arms_ancova(adas_week24, reference=PLACEBO, factors=["SITEGR1"])
    diff = r.differences.set_index("arm")
    assert diff["df"].tolist() == [220.0, 220.0]  # 234 subjects - 14 parameters
    expected = {
        HIGH: (-1.0060135977313316, 0.8405293567503518, -2.6625335545786095, 0.6505063591159466,
               0.23264109588576845),
        LOW: (-0.46678235750073666, 0.8180422222836835, -2.0789845439843937, 1.1454198289829205,
              0.5688469713417749),
    }
    for arm, values in expected.items():
        got = diff.loc[arm, ["estimate", "se", "ci_lower", "ci_upper", "p_value"]].tolist()
        assert got == pytest.approx(values, rel=1e-9)
    lsm = r.by_arm.set_index("arm")
    assert lsm.loc[[PLACEBO, HIGH, LOW], "lsmean"].tolist() == pytest.approx(
        [2.4736755977436036, 1.467662000012272, 2.006893240242867], rel=1e-9)
    assert lsm.loc[[PLACEBO, HIGH, LOW], "se"].tolist() == pytest.approx(
        [0.6047157365850624, 0.624384432365661, 0.59352415581587], rel=1e-9)
    observed = comparisons.compare_arms_ancova(adas_week24, reference=PLACEBO, factors=["SITEGR1"],
                                               weights="observed").by_arm.set_index("arm")
    assert observed.loc[[PLACEBO, HIGH, LOW], "lsmean"].tolist() == pytest.approx(
        [2.49455402374997, 1.4885404260186381, 2.0277716662492336], rel=1e-9)


# --------------------------------------------------------------------------------------------
# Responder rates
# --------------------------------------------------------------------------------------------

def _responders(counts: dict, strata: dict | None = None) -> pd.DataFrame:
    """Records from {arm: (responders, n)} or, with strata, {stratum: {arm: (responders, n)}}."""
    rows = []
    for stratum, by_arm in (strata or {"": counts}).items():
        for arm, (x, n) in by_arm.items():
            rows += [(arm, stratum, "Y")] * x + [(arm, stratum, "N")] * (n - x)
    d = pd.DataFrame(rows, columns=["TRTP", "SITEGR1", "CRIT1FL"])
    return d.assign(USUBJID=[f"S{i:03d}" for i in range(len(d))])


#: Newcombe RG. Interval estimation for the difference between independent proportions: comparison
#: of eleven methods. Stat Med 1998;17:873-890, Table II, method 10 (score, no continuity correction).
NEWCOMBE_TABLE_II = [
    ((56, 70, 48, 80), (0.0524, 0.3339)),
    ((9, 10, 3, 10), (0.1705, 0.8090)),
    ((6, 7, 2, 7), (0.0582, 0.8062)),
    ((5, 56, 0, 29), (-0.0381, 0.1926)),
    ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ((0, 10, 0, 10), (-0.2775, 0.2775)),
    ((10, 10, 0, 20), (0.6791, 1.0000)),
    ((10, 10, 0, 10), (0.6075, 1.0000)),
]


@pytest.mark.parametrize(("counts", "published"), NEWCOMBE_TABLE_II)
def test_responder_difference_ci_matches_newcombe_table_ii(counts, published):
    x1, n1, x2, n2 = counts
    r = comparisons.compare_arms_responders(_responders({"T": (x1, n1), "C": (x2, n2)}), reference="C")
    row = r.differences.iloc[0]
    assert row["estimate"] == pytest.approx(x1 / n1 - x2 / n2)
    assert (round(row["ci_lower"], 4), round(row["ci_upper"], 4)) == published
    assert "Newcombe hybrid score 95% CI" in row["method"]


def test_responder_rates_per_arm_with_clopper_pearson():
    r = comparisons.compare_arms_responders(_responders({"T": (56, 70), "C": (48, 80)}), reference="C")
    by_arm = r.by_arm.set_index("arm")
    assert by_arm.index.tolist() == ["C", "T"]
    assert by_arm.loc["T", ["n_responders", "n_evaluable", "rate"]].tolist() == [56, 70, 0.8]
    # Exact interval from beta quantiles: Beta(x, n - x + 1) at 2.5 %, Beta(x + 1, n - x) at 97.5 %.
    assert by_arm.loc["T", "ci_lower"] == pytest.approx(stats.beta.ppf(0.025, 56, 15))
    assert by_arm.loc["T", "ci_upper"] == pytest.approx(stats.beta.ppf(0.975, 57, 14))


def test_responder_p_value_fisher_without_strata_hand_worked():
    # 3/3 against 0/3: the observed table is one of C(6, 3) = 20 equally likely ones with three
    # responders; it and its mirror image are the two most extreme, so p = 2 / 20.
    r = comparisons.compare_arms_responders(_responders({"T": (3, 3), "C": (0, 3)}), reference="C")
    row = r.differences.iloc[0]
    assert row["p_value"] == pytest.approx(0.1)
    assert row["method"].endswith("Fisher's exact test (two-sided)")


def test_responder_p_value_cmh_hand_worked():
    # Two centres, 10 + 10 patients each: T 8/10 vs C 5/10, T 7/10 vs C 4/10.
    # E(a) = 10 x 13 / 20 = 6.5 and 10 x 11 / 20 = 5.5; Var(a) = n1 n2 m1 m2 / (N^2 (N - 1)) =
    # 10 x 10 x 13 x 7 / 7600 and 10 x 10 x 11 x 9 / 7600, summing to 2.5. CMH = (1.5 + 1.5)^2 / 2.5 = 3.6.
    d = _responders({}, strata={"01": {"T": (8, 10), "C": (5, 10)}, "02": {"T": (7, 10), "C": (4, 10)}})
    r = comparisons.compare_arms_responders(d, reference="C", strata="SITEGR1")
    row = r.differences.iloc[0]
    assert row["p_value"] == pytest.approx(stats.chi2.sf(3.6, 1))
    assert "CMH test stratified by SITEGR1" in row["method"]
    assert row["estimate"] == pytest.approx(15 / 20 - 9 / 20)


def test_mantel_fleiss_distance_hand_worked_and_sparse_strata_fall_back_to_fisher():
    # The two centres above: sum E = 12, bounds 3 + 1 = 4 and 10 + 10 = 20, distance min(8, 8).
    assert comparisons.mantel_fleiss_distance([[[8, 2], [5, 5]], [[7, 3], [4, 6]]]) == pytest.approx(8.0)
    assert comparisons.MANTEL_FLEISS_MIN == 5.0
    # Three small centres, 1/1 vs 0/1 each: E = 0.5 per centre, bounds 0 and 1, distance 1.5 < 5.
    strata = {f"0{i}": {"T": (1, 1), "C": (0, 1)} for i in range(1, 4)}
    d = _responders({}, strata=strata)
    assert comparisons.mantel_fleiss_distance([[[1, 0], [0, 1]]] * 3) == pytest.approx(1.5)
    row = comparisons.compare_arms_responders(d, reference="C", strata="SITEGR1").differences.iloc[0]
    assert row["p_value"] == pytest.approx(0.1)  # Fisher on 3/3 vs 0/3, unstratified
    assert "too sparse for CMH" in row["method"]


def test_responders_leave_out_blank_flags_and_reject_other_values():
    d = _responders({"T": (2, 3), "C": (1, 3)})
    blank = pd.DataFrame({"USUBJID": ["X1"], "TRTP": ["T"], "SITEGR1": [""], "CRIT1FL": [""]})
    r = comparisons.compare_arms_responders(pd.concat([d, blank], ignore_index=True), reference="C")
    assert r.by_arm.set_index("arm").loc["T", "n_evaluable"] == 3
    bad = blank.assign(CRIT1FL="yes")
    with pytest.raises(ValueError, match="USUBJID X1: CRIT1FL must be 'Y', 'N' or blank"):
        comparisons.compare_arms_responders(pd.concat([d, bad], ignore_index=True), reference="C")
    with pytest.raises(ValueError, match="stratum SITEGR1 is missing"):
        comparisons.compare_arms_responders(d.assign(SITEGR1=""), reference="C", strata="SITEGR1")


# --------------------------------------------------------------------------------------------
# Logistic regression
# --------------------------------------------------------------------------------------------

def test_logistic_without_covariates_gives_the_cross_product_odds_ratio_and_woolf_interval():
    # T 6/10, C 3/10: OR = (6 x 7) / (4 x 3) = 3.5; SE(log OR) = sqrt(1/6 + 1/4 + 1/3 + 1/7).
    d = _responders({"T": (6, 10), "C": (3, 10)})
    row = comparisons.fit_responder_logistic(d, reference="C", covariates=()).differences.iloc[0]
    se = math.sqrt(1 / 6 + 1 / 4 + 1 / 3 + 1 / 7)
    z = stats.norm.ppf(0.975)
    assert row["estimate"] == pytest.approx(3.5, rel=1e-5)
    assert row["se"] == pytest.approx(se, rel=1e-5)
    assert (row["ci_lower"], row["ci_upper"]) == pytest.approx(
        (3.5 * math.exp(-z * se), 3.5 * math.exp(z * se)), rel=1e-5)
    assert row["p_value"] == pytest.approx(2 * stats.norm.sf(math.log(3.5) / se), rel=1e-5)


def test_logistic_adjusted_for_baseline_agrees_with_statsmodels_logit():
    import statsmodels.api as sm

    rng = np.random.default_rng(18)
    n = 60
    arm = np.repeat(["T", "C"], n // 2)
    base = rng.uniform(5, 20, n).round()
    p = 1 / (1 + np.exp(-(-1.5 + 1.0 * (arm == "T") + 0.1 * base)))
    y = np.where(rng.uniform(size=n) < p, "Y", "N")
    d = pd.DataFrame({"USUBJID": [f"S{i}" for i in range(n)], "TRTP": arm, "BASE": base, "CRIT1FL": y})
    row = comparisons.fit_responder_logistic(d, reference="C").differences.iloc[0]
    x = sm.add_constant(np.column_stack([(arm == "T").astype(float), base]))
    ref = sm.Logit((y == "Y").astype(float), x).fit(disp=0)
    assert row["estimate"] == pytest.approx(math.exp(ref.params[1]), rel=1e-4)
    assert row["se"] == pytest.approx(ref.bse[1], rel=1e-4)
    assert row["p_value"] == pytest.approx(ref.pvalues[1], rel=1e-3)
    assert "Logistic regression CRIT1FL ~ arm + BASE" in row["method"]


def test_logistic_refuses_complete_separation():
    d = _responders({"T": (10, 10), "C": (3, 10)}).assign(BASE=8.0)
    with pytest.raises(ValueError, match="arm 'T' has 10 responders of 10"):
        comparisons.fit_responder_logistic(d, reference="C")


# --------------------------------------------------------------------------------------------
# Repeated measures
# --------------------------------------------------------------------------------------------

VALUES_A = {"a1": [1.0, 2.0], "a2": [3.0, 5.0], "a3": [2.0, 2.0]}
VALUES_B = {"b1": [4.0, 6.0], "b2": [5.0, 8.0], "b3": [7.0, 7.0]}


def _repeated(values_a=VALUES_A, values_b=VALUES_B, base=None) -> pd.DataFrame:
    rows = []
    for arm, values in (("A", values_a), ("B", values_b)):
        for i, (subject, ys) in enumerate(values.items()):
            for (avisit, avisitn), y in zip((("Week 4", 4), ("Week 8", 8)), ys):
                rows.append((subject, arm, avisit, avisitn, y, np.nan if base is None else base[i]))
    return pd.DataFrame(rows, columns=["USUBJID", "TRTP", "AVISIT", "AVISITN", "CHG", "BASE"])


def test_mmrm_balanced_complete_data_hand_worked():
    """Balanced, complete data: the visit difference is the difference in means, and REML gives
    the ANOVA variance components, so var(difference) = (s_b^2 + s_e^2)(1/3 + 1/3) with
    s_b^2 + s_e^2 = (MSB + (T - 1) MSW) / T."""
    r = comparisons.fit_mmrm(_repeated(), reference="A", baseline=None)
    ya, yb = np.array(list(VALUES_A.values())), np.array(list(VALUES_B.values()))
    t_visits, n_subjects = 2, 6
    msb = sum(t_visits * ((y.mean(1) - y.mean()) ** 2).sum() for y in (ya, yb)) / (n_subjects - 2)
    msw = sum(((y - y.mean(1, keepdims=True) - y.mean(0, keepdims=True) + y.mean()) ** 2).sum()
              for y in (ya, yb)) / ((n_subjects - 2) * (t_visits - 1))
    assert (msb, msw) == pytest.approx((17 / 6, 5 / 6))  # MSB > MSW: the REML subject variance is positive
    se = math.sqrt((msb + (t_visits - 1) * msw) / t_visits * (1 / 3 + 1 / 3))
    diff = r.differences.set_index("avisit")
    assert diff.index.tolist() == ["Week 4", "Week 8"]
    assert diff["estimate"].tolist() == pytest.approx(list(yb.mean(0) - ya.mean(0)))  # 10/3, 4
    assert diff["se"].tolist() == pytest.approx([se, se], rel=1e-4)
    assert diff["df"].tolist() == [4.0, 4.0]  # between-subject df: 6 subjects - 2 arms
    t = stats.t.ppf(0.975, 4)
    assert diff.loc["Week 8", "ci_lower"] == pytest.approx(4 - t * diff.loc["Week 8", "se"])
    assert diff.loc["Week 8", "p_value"] == pytest.approx(2 * stats.t.sf(4 / diff.loc["Week 8", "se"], 4))
    assert r.info["var_residual"] == pytest.approx(msw, rel=1e-3)
    assert r.info["var_subject"] == pytest.approx((msb - msw) / t_visits, rel=1e-3)
    assert r.info["converged"] and r.info["n_obs"] == 12
    lsm = r.by_arm.set_index(["avisit", "arm"])["lsmean"]
    assert lsm[("Week 8", "A")] == pytest.approx(3.0) and lsm[("Week 8", "B")] == pytest.approx(7.0)


def test_mmrm_with_baseline_balanced_across_arms_keeps_the_difference_in_means():
    d = _repeated(base=[10.0, 12.0, 14.0])
    r = comparisons.fit_mmrm(d, reference="A")
    assert r.differences["estimate"].tolist() == pytest.approx([10 / 3, 4.0], rel=1e-6)
    assert r.differences["df"].tolist() == [3.0, 3.0]  # 6 subjects - 2 arms - 1 baseline slope
    assert "3 between-subject df" in r.method
    # the arms' LS means at the mean baseline of the model's records, as SAS's LSMEANS
    assert r.method.endswith("; LS means at mean BASE over the model's records")
    assert "LS means" not in comparisons.fit_mmrm(d, reference="A", baseline=None).method


def test_mmrm_rejects_baseline_records_duplicates_and_empty_cells():
    d = _repeated()
    with pytest.raises(ValueError, match="USUBJID a1, AVISIT Week 4: a baseline record"):
        comparisons.fit_mmrm(d.assign(ABLFL=["Y"] + [""] * 11), reference="A", baseline=None)
    with pytest.raises(ValueError, match="USUBJID a1, AVISIT Week 4: more than one record"):
        comparisons.fit_mmrm(pd.concat([d, d.iloc[:1]]), reference="A", baseline=None)
    no_b_week8 = d[~((d["TRTP"] == "B") & (d["AVISIT"] == "Week 8"))]
    with pytest.raises(ValueError, match="no record of arm 'B' at visit 'Week 8'"):
        comparisons.fit_mmrm(no_b_week8, reference="A", baseline=None)
    # the reference arm absent at a visit another arm has (an interim cut): not estimable, not a singular matrix
    no_a_week8 = d[~((d["TRTP"] == "A") & (d["AVISIT"] == "Week 8"))]
    with pytest.raises(comparisons.NotEstimable, match="no record of arm 'A' at visit 'Week 8'"):
        comparisons.fit_mmrm(no_a_week8, reference="A", baseline=None)
    with pytest.raises(ValueError, match="USUBJID a1: more than one TRTP"):
        comparisons.fit_mmrm(d.assign(TRTP=["B"] + d["TRTP"].tolist()[1:]), reference="A", baseline=None)


def test_mmrm_cdisc_pilot_observed_cases_all_visits():
    adas = read_adam(ADAM / "adadas.csv.gz")
    rows = adas[(adas["PARAMCD"] == "ACTOT") & (adas["EFFFL"] == "Y") & (adas["ANL01FL"] == "Y")
                & (adas["AVISITN"] > 0) & (adas["DTYPE"] == "")]
    r = comparisons.fit_mmrm(rows, reference=PLACEBO)
    assert (r.info["n_subjects"], r.info["n_obs"], r.info["df"]) == (234, 539, 230.0)
    diff = r.differences.set_index(["avisit", "arm"])
    assert diff.index.get_level_values(0).unique().tolist() == ["Week 8", "Week 16", "Week 24"]
    assert diff.loc[("Week 24", HIGH), ["estimate", "se"]].tolist() == pytest.approx(
        [-0.829122, 0.943691], abs=1e-5)
    assert diff.loc[("Week 24", LOW), ["estimate", "se"]].tolist() == pytest.approx(
        [-0.768789, 0.898278], abs=1e-5)


# --------------------------------------------------------------------------------------------
# ARD rows
# --------------------------------------------------------------------------------------------

def test_to_ard_per_arm_rows_and_diff_rows():
    r = comparisons.compare_arms_responders(_responders({"T": (56, 70), "C": (48, 80)}), reference="C")
    rows = comparisons.to_ard(r, analysis_id="EFF-ESSDAI-MCII", section="efficacy", paramcd="ESSDAI",
                              avisit="Week 12", variable="MCII")
    assert list(rows.columns) == list(ard_mod.ARD_COLUMNS)
    per_arm = rows[rows["analysis_id"] == "EFF-ESSDAI-MCII"]
    assert per_arm["group"].unique().tolist() == ["C", "T"]
    assert per_arm["stat_name"].unique().tolist() == ["n_responders", "n_evaluable", "rate", "ci_lower", "ci_upper"]
    diff = rows[rows["analysis_id"] == "EFF-ESSDAI-MCII-DIFF"]
    assert diff["group"].unique().tolist() == ["T vs C"]
    assert diff["stat_name"].tolist() == ["estimate", "ci_lower", "ci_upper", "p_value"]
    assert diff["method"].str.contains("Newcombe").all()
    assert ard_mod.get_stat(rows, "ci_lower", analysis_id="EFF-ESSDAI-MCII-DIFF") == pytest.approx(0.0524, abs=5e-5)
    assert (rows["avisit"] == "Week 12").all() and (rows["section"] == "efficacy").all()


def test_to_ard_takes_the_visit_from_a_per_visit_result():
    r = comparisons.fit_mmrm(_repeated(), reference="A", baseline=None)
    rows = comparisons.to_ard(r, analysis_id="EFF-ESSDAI-MMRM", paramcd="ESSDAI")
    diff = rows[rows["analysis_id"] == "EFF-ESSDAI-MMRM-DIFF"]
    assert diff[["avisit", "stat_name"]].values.tolist()[:5] == [
        ["Week 4", "estimate"], ["Week 4", "ci_lower"], ["Week 4", "ci_upper"], ["Week 4", "p_value"],
        ["Week 8", "estimate"]]
    assert ard_mod.get_stat(rows, "estimate", analysis_id="EFF-ESSDAI-MMRM-DIFF", avisit="Week 8") == pytest.approx(4.0)
    with pytest.raises(ValueError, match="do not pass avisit"):
        comparisons.to_ard(r, analysis_id="EFF-X", avisit="Week 8")
    with pytest.raises(ValueError, match="without '-DIFF'"):
        comparisons.to_ard(r, analysis_id="EFF-X-DIFF")


# --------------------------------------------------------------------------------------------
# Responder comparisons of many trials at once (the planned-trial simulation)
# --------------------------------------------------------------------------------------------

def test_compare_responder_tables_hand_worked_cmh_and_sparse_fisher():
    # Trial 1: the two centres of the CMH example above, CMH = 3.6. Trial 2: three centres of 1/1 vs 0/1
    # (Mantel-Fleiss distance 1.5 < 5): Fisher on the pooled 3/3 vs 0/3, p = 2/20.
    cmh_trial = [[[8, 2], [5, 5]], [[7, 3], [4, 6]], [[0, 0], [0, 0]]]
    sparse_trial = [[[1, 0], [0, 1]]] * 3
    p, by_cmh = comparisons.compare_responder_tables(np.array([cmh_trial, sparse_trial]))
    assert p[0] == pytest.approx(stats.chi2.sf(3.6, 1), abs=1e-15)
    assert p[1] == pytest.approx(0.1, abs=1e-15)
    assert by_cmh.tolist() == [True, False]
    assert comparisons.mantel_fleiss_distances(np.array([cmh_trial, sparse_trial], float)).tolist() == [8.0, 1.5]


def test_fisher_exact_pvalues_equal_scipy_on_every_small_table():
    tables = np.array([[[a, n1 - a], [c, n2 - c]] for n1, n2 in [(3, 3), (6, 3), (7, 12), (0, 4)]
                       for a in range(n1 + 1) for c in range(n2 + 1)])
    expected = [stats.fisher_exact(t).pvalue for t in tables]
    np.testing.assert_allclose(comparisons.fisher_exact_pvalues(tables), expected, rtol=0, atol=1e-12)
    # the 3/3 vs 0/3 table: 2 of the C(6, 3) = 20 equally likely tables are as extreme
    assert comparisons.fisher_exact_pvalues(np.array([[3, 0], [0, 3]])) == pytest.approx(0.1)


def test_cmh_pvalues_equal_statsmodels_on_random_strata():
    from statsmodels.stats.contingency_tables import StratifiedTable

    rng = np.random.default_rng(3)
    tables = rng.integers(0, 7, size=(50, 5, 2, 2))
    tables[:, 4] = 0  # an empty stratum adds nothing
    expected = [StratifiedTable([t.astype(float) for t in trial[:4]]).test_null_odds(correction=False).pvalue
                for trial in tables]
    np.testing.assert_allclose(comparisons.cmh_pvalues(tables), expected, rtol=0, atol=1e-12)
    # a stratum of one patient (statsmodels' variance 0/0: NaN) is left out: 3/4 vs 1/4, E = 4 x 4 / 8 = 2,
    # Var = 4 x 4 x 4 x 4 / (64 x 7), CMH = 1 / (256 / 448) = 1.75
    assert comparisons.cmh_pvalues(np.array([[[[1, 0], [0, 0]], [[3, 1], [1, 3]]]]))[0] == pytest.approx(
        stats.chi2.sf(1.75, 1))


def test_a_stratum_of_one_patient_leaves_the_cmh_test_as_it_was():
    """The two centres of the hand-worked CMH test (3.6) and a third with one patient, a responder on T: it adds 0 to
    the numerator (1 - 1 x 1 / 1) and 0/0 to the variance, which made statsmodels' test NaN."""
    strata = {"01": {"T": (8, 10), "C": (5, 10)}, "02": {"T": (7, 10), "C": (4, 10)}, "03": {"T": (1, 1), "C": (0, 0)}}
    row = comparisons.compare_arms_responders(_responders({}, strata=strata), reference="C",
                                              strata="SITEGR1").differences.iloc[0]
    assert row["p_value"] == pytest.approx(stats.chi2.sf(3.6, 1))
    assert row["method"].endswith("CMH test stratified by SITEGR1 (no continuity correction); 1 stratum of one patient "
                                  "left out (no information on the odds ratio)")
    del strata["03"]
    row = comparisons.compare_arms_responders(_responders({}, strata=strata), reference="C",
                                              strata="SITEGR1").differences.iloc[0]
    assert row["method"].endswith("CMH test stratified by SITEGR1 (no continuity correction)")


def test_strata_tables_count_each_stratum_with_one_pass():
    pair = pd.DataFrame({"S": ["02", "01", "01", "02", "02"], "TRTP": ["T", "T", "C", "C", "T"],
                         "_y": [1, 0, 1, 1, 1]})
    tables = comparisons._strata_tables(pair, "TRTP", "T", "S")
    # centre 01: T 0/1, C 1/1; centre 02: T 2/2, C 1/1
    assert tables.tolist() == [[[0, 1], [1, 0]], [[2, 0], [1, 0]]]
    assert comparisons._strata_tables(pair, "TRTP", "T", None).tolist() == [[[2, 1], [2, 0]]]
