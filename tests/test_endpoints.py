"""Tests of analysis_utils.endpoints: each statistic against a hand-worked value or a naive recomputation."""

import itertools
import math
import statistics

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis_utils import ard as ard_mod
from analysis_utils import endpoints as ep
from analysis_utils import paths

VISITS = {0: "Baseline", 12: "Week 12", 24: "Week 24"}


# ------------------------------------------------------------------------------------------
# Independent (naive) computations
# ------------------------------------------------------------------------------------------

def _midranks(values):
    """Mid-ranks of ``values`` by counting, without scipy."""
    ordered = sorted(values)
    return [statistics.mean(i + 1 for i, o in enumerate(ordered) if o == v) for v in values]


def _enumerated_wilcoxon(diff):
    """W+ and the two-sided p-value by enumerating all 2^n sign flips of the non-zero differences."""
    d = [x for x in diff if x != 0]
    ranks = _midranks([abs(x) for x in d])
    observed = sum(r for r, x in zip(ranks, d) if x > 0)
    centre = sum(ranks) / 2
    hits = sum(
        abs(sum(r for r, s in zip(ranks, signs) if s) - centre) >= abs(observed - centre) - 1e-9
        for signs in itertools.product((0, 1), repeat=len(d))
    )
    return observed, hits / 2 ** len(d)


def _naive_hodges_lehmann(diff, conf_level=0.95):
    """Walsh averages by double loop; k by enumerating the sign flips of ranks 1..n."""
    n = len(diff)
    walsh = sorted((diff[i] + diff[j]) / 2 for i in range(n) for j in range(i, n))
    sums = [sum(r for r, s in zip(range(1, n + 1), signs) if s) for signs in itertools.product((0, 1), repeat=n)]
    k = 0
    while sum(t <= k for t in sums) / 2 ** n <= (1 - conf_level) / 2:  # P0(T+ <= k) for the next k
        k += 1
    return statistics.median(walsh), walsh[k - 1], walsh[len(walsh) - k]


# ------------------------------------------------------------------------------------------
# Summaries
# ------------------------------------------------------------------------------------------

def test_summarize_by_visit_hand_example_skips_missing():
    data = pd.DataFrame({"PARAMCD": ["X"] * 4, "AVISIT": ["Baseline"] * 4, "AVAL": [1.0, 2.0, 4.0, None]})
    got = ep.summarize_by_visit(data)
    expected = pd.DataFrame({
        "PARAMCD": ["X"] * 8, "AVISIT": ["Baseline"] * 8, "variable": ["AVAL"] * 8,
        "stat_name": ["n", "mean", "sd", "median", "q1", "q3", "min", "max"],
        "stat_value": [3.0, 7 / 3, math.sqrt(7 / 3), 2.0, 1.0, 4.0, 1.0, 4.0],
    })
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_quartiles_are_hyndman_fan_type_2_as_sas():
    # 1..11: n p = 2.75 -> 3rd value; 8.25 -> 9th value (type 7 would give 3.5 and 8.5).
    eleven = pd.DataFrame({"PARAMCD": "X", "AVISIT": "Baseline", "AVAL": np.arange(1.0, 12.0)})
    got = ep.summarize_by_visit(eleven).set_index("stat_name")["stat_value"]
    assert (got["q1"], got["q3"]) == (3.0, 9.0)
    # 1..4: n p = 1 and 3 are integers -> averages of neighbours.
    assert ep.compute_quantile([4, 1, 3, 2], 0.25) == 1.5
    assert ep.compute_quantile([4, 1, 3, 2], 0.75) == 3.5


def test_summarize_by_visit_groups_and_sorts_cells():
    data = pd.DataFrame({"PARAMCD": "X", "AVISIT": ["Week 12", "Baseline", "Baseline"],
                         "ARM": ["B", "A", "B"], "CHG": [1.0, 2.0, 3.0]})
    got = ep.summarize_by_visit(data, value="CHG", group="ARM")
    n_rows = got[got["stat_name"] == "n"]
    assert n_rows[["AVISIT", "ARM", "variable", "stat_value"]].values.tolist() == [
        ["Baseline", "A", "CHG", 1.0], ["Baseline", "B", "CHG", 1.0], ["Week 12", "B", "CHG", 1.0]]
    assert math.isnan(got.query("stat_name == 'sd'")["stat_value"].iloc[0])  # SD of one value


def test_summarize_by_visit_names_non_numeric_record():
    data = pd.DataFrame({"USUBJID": ["S1", "S2"], "PARAMCD": "PGA", "AVISIT": "Baseline", "AVAL": ["5", "n/a"]})
    with pytest.raises(ValueError, match=r"USUBJID S2, PARAMCD PGA, AVISIT Baseline: AVAL is not a number: \['n/a'\]"):
        ep.summarize_by_visit(data)


def test_summarize_by_visit_names_missing_column():
    with pytest.raises(ValueError, match="PCHG"):
        ep.summarize_by_visit(pd.DataFrame({"PARAMCD": ["X"], "AVISIT": ["Baseline"]}), value="PCHG")


def _adadas_actot():
    data = pd.read_csv(paths.CDISC_PILOT / "adam" / "adadas.csv.gz")
    data = data[data["PARAMCD"] == "ACTOT"]
    return data.assign(AVISIT=data["AVISIT"].str.strip())  # labels may be space-padded (README trap 4)


def test_summarize_by_visit_on_cdisc_adadas_by_arm_with_locf_records():
    adadas = _adadas_actot()
    analysis = adadas[adadas["ANL01FL"] == "Y"]  # one record per subject and visit, LOCF records included
    assert (analysis["DTYPE"] == "LOCF").sum() > 0
    got = ep.summarize_by_visit(analysis, value="AVAL", group="TRTP")
    n = got[got["stat_name"] == "n"].set_index(["AVISIT", "TRTP"])["stat_value"]
    # ADSL arm sizes of the CDISC pilot: placebo 86, low dose 84, high dose 84, at every LOCF visit.
    for visit in ("Baseline", "Week 8", "Week 16", "Week 24"):
        assert n[(visit, "Placebo")] == 86
        assert n[(visit, "Xanomeline Low Dose")] == 84
        assert n[(visit, "Xanomeline High Dose")] == 84
    # Invariants on every cell: min <= q1 <= median <= q3 <= max, min <= mean <= max.
    wide = got.pivot_table(index=["AVISIT", "TRTP"], columns="stat_name", values="stat_value")
    assert ((wide["min"] <= wide["q1"]) & (wide["q1"] <= wide["median"]) & (wide["median"] <= wide["q3"])
            & (wide["q3"] <= wide["max"]) & (wide["min"] <= wide["mean"]) & (wide["mean"] <= wide["max"])).all()
    # One cell recomputed with the standard library.
    values = analysis.loc[(analysis["AVISIT"] == "Week 24") & (analysis["TRTP"] == "Placebo"), "AVAL"].tolist()
    assert wide.loc[("Week 24", "Placebo"), "mean"] == pytest.approx(statistics.mean(values))
    assert wide.loc[("Week 24", "Placebo"), "sd"] == pytest.approx(statistics.stdev(values))


def test_summarize_by_visit_on_cdisc_adadas_change_observed_cases():
    adadas = _adadas_actot()
    observed = adadas[adadas["DTYPE"].isna() & (adadas["AVISITN"] > 0)]
    got = ep.summarize_by_visit(observed, value="CHG", group="TRTP")
    n = got[got["stat_name"] == "n"].set_index(["AVISIT", "TRTP"])["stat_value"]
    counted = observed.dropna(subset=["CHG"]).value_counts(["AVISIT", "TRTP"])
    assert n.sort_index().tolist() == counted.sort_index().astype(float).tolist()
    assert len(n) == 9


# ------------------------------------------------------------------------------------------
# Wilcoxon, Hodges-Lehmann, t-test, effect sizes, Clopper-Pearson
# ------------------------------------------------------------------------------------------

def test_wilcoxon_hand_worked_with_zero_and_ties():
    # Non-zero differences -2, -2, -2, 1 -> mid-ranks 3, 3, 3, 1; W+ = 1. Of the 16 sign flips,
    # W+ <= 1 ({}, {1}) or >= 9 ({3,3,3}, all) are as extreme: p = 4/16.
    got = ep.compute_wilcoxon([-2, -2, -2, 1, 0])
    assert (got["statistic"], got["p_value"], got["n"], got["n_nonzero"]) == (1.0, 0.25, 5.0, 4.0)
    assert "exact distribution over all 2^n sign flips (mid-ranks for ties)" in got["method"]
    assert "1 zero difference(s) dropped" in got["method"]


def test_wilcoxon_without_ties_uses_exact_distribution():
    # Ranks 1..6, W+ = 6; P0(T+ <= 6) = 14/64 for n = 6, two-sided 28/64.
    got = ep.compute_wilcoxon([-1, -2, -3, -4, -5, 6])
    assert (got["statistic"], got["p_value"]) == (6.0, 0.4375)
    assert "(no ties)" in got["method"]
    assert got["p_value"] == pytest.approx(stats.wilcoxon([-1, -2, -3, -4, -5, 6], method="exact").pvalue)


@pytest.mark.parametrize("diff", [
    [-3, -3, -1, 0, 2, -5, 0, -2, -4, -4],
    [-7, -6, -6, -5, -3, -3, 0, 1, -9],
    [-1 / 3, -2 / 3, 1 / 3, -1.0, -1 / 3 + 1e-15, 0.0],  # thirds (ESSPRI) with binary noise
])
def test_wilcoxon_matches_enumeration_of_sign_flips(diff):
    rounded = [round(x, 10) for x in diff]
    statistic, p_value = _enumerated_wilcoxon(rounded)
    got = ep.compute_wilcoxon(diff)
    assert got["statistic"] == pytest.approx(statistic)
    assert got["p_value"] == pytest.approx(p_value, rel=1e-12)
    nonzero = [x for x in rounded if x != 0]
    permutation = stats.wilcoxon(nonzero, method=stats.PermutationMethod(n_resamples=np.inf))
    assert got["p_value"] == pytest.approx(permutation.pvalue, rel=1e-9)


def test_wilcoxon_uses_normal_approximation_beyond_exact_limit():
    diff = np.arange(1.0, 61.0) - 20.0
    got = ep.compute_wilcoxon(diff)
    nonzero = diff[diff != 0]
    reference = stats.wilcoxon(nonzero, method="approx", correction=True)
    assert got["p_value"] == pytest.approx(reference.pvalue) and "normal approximation" in got["method"]


def test_wilcoxon_without_non_zero_differences_is_missing():
    got = ep.compute_wilcoxon([0.0, 0.0])
    assert math.isnan(got["p_value"]) and got["n_nonzero"] == 0


def test_signed_rank_null_counts_match_enumeration():
    for n in (1, 4, 7):
        sums = [sum(r for r, s in zip(range(1, n + 1), signs) if s) for signs in itertools.product((0, 1), repeat=n)]
        assert ep.signed_rank_null_counts(n).tolist() == [sums.count(t) for t in range(n * (n + 1) // 2 + 1)]


def test_hodges_lehmann_hand_worked():
    # 28 Walsh averages of -4,-3,-3,-2,-1,0,1; 14th and 15th are -2 and -1.5. n = 7: P0(T+ <= 2) = 3/128
    # <= 0.025 < P0(T+ <= 3) = 5/128, so k = 3: 3rd (-3.5) and 26th (0) averages; level 1 - 6/128.
    got = ep.compute_hodges_lehmann([-4, -3, -3, -2, -1, 0, 1])
    assert (got["estimate"], got["ci_lower"], got["ci_upper"]) == (-1.75, -3.5, 0.0)
    assert got["conf_level"] == 1 - 6 / 128


@pytest.mark.parametrize("diff", [[-6, -5, -9, -4, -7, -2, -8, -3, -6], [2.5, -1, 0, 3, -4, 7, 1, 1, -2, 5, 6]])
def test_hodges_lehmann_matches_naive_enumeration(diff):
    got = ep.compute_hodges_lehmann(diff)
    assert (got["estimate"], got["ci_lower"], got["ci_upper"]) == _naive_hodges_lehmann(diff)


def test_hodges_lehmann_ci_missing_when_n_too_small():
    got = ep.compute_hodges_lehmann([-1, -2, -3, -4, -5])  # P0(T+ = 0) = 1/32 > 0.025
    assert got["estimate"] == -3.0 and math.isnan(got["ci_lower"]) and math.isnan(got["ci_upper"])


def test_paired_t_hand_worked_and_against_scipy():
    got = ep.compute_paired_t([-2.0, -4.0, -6.0])
    half = stats.t.ppf(0.975, 2) * 2.0 / math.sqrt(3)  # mean -4, SD 2
    assert got["estimate"] == -4.0 and got["sd"] == 2.0 and got["df"] == 2.0
    assert (got["ci_lower"], got["ci_upper"]) == pytest.approx((-4.0 - half, -4.0 + half))
    reference = stats.ttest_1samp([-2.0, -4.0, -6.0], 0.0)
    assert got["statistic"] == pytest.approx(reference.statistic)
    assert got["p_value"] == pytest.approx(reference.pvalue)
    assert (got["ci_lower"], got["ci_upper"]) == pytest.approx(tuple(reference.confidence_interval()))


def test_effect_sizes_hand_worked():
    # mean -0.5, SD sqrt(13/3); non-zero -3, -1, 2 -> ranks 3, 1, 2: W+ = 2, W- = 4.
    got = ep.compute_effect_sizes([-3.0, -1.0, 0.0, 2.0])
    assert got["cohen_dz"] == pytest.approx(-0.5 / math.sqrt(13 / 3))
    assert got["rank_biserial"] == pytest.approx(-2 / 6)


def test_clopper_pearson_known_values_and_scipy():
    lo, hi = ep.compute_clopper_pearson(8, 9)
    assert (round(lo, 4), round(hi, 4)) == (0.5175, 0.9972)
    for x, n in [(8, 9), (3, 11), (0, 5), (5, 5)]:
        ref = stats.binomtest(x, n).proportion_ci(confidence_level=0.95, method="exact")
        assert ep.compute_clopper_pearson(x, n) == pytest.approx((ref.low, ref.high))
    assert ep.compute_clopper_pearson(0, 5) == pytest.approx((0.0, 1 - 0.025 ** (1 / 5)))
    assert ep.compute_clopper_pearson(5, 5) == pytest.approx((0.025 ** (1 / 5), 1.0))


def test_compare_paired_rows():
    got = ep.compare_paired([-3, -1, -4, 0, -2, -5, 1])
    assert got[["analysis", "category", "stat_name"]].values.tolist()[:5] == [
        ["WILCOXON", "", "statistic"], ["WILCOXON", "", "p_value"], ["WILCOXON", "", "n"],
        ["WILCOXON", "", "n_nonzero"], ["TTEST", "", "estimate"]]
    assert set(got.loc[got["analysis"] == "EFFSIZE", "category"]) == {"cohen_dz", "rank_biserial"}
    assert got["method"].ne("").all()


# ------------------------------------------------------------------------------------------
# Responders, categories, Friedman
# ------------------------------------------------------------------------------------------

def test_summarize_responders_counts_evaluable_only():
    data = pd.DataFrame({"PARAMCD": "ESSDAI", "AVISIT": ["Week 12"] * 3 + ["Week 24"] * 10,
                         "CRIT1FL": ["Y", "N", ""] + ["Y"] * 8 + ["N", ""]})
    got = ep.summarize_responders(data).set_index(["AVISIT", "stat_name"])["stat_value"]
    assert got[("Week 12", "n_responders")] == 1 and got[("Week 12", "n_evaluable")] == 2
    assert got[("Week 24", "n_responders")] == 8 and got[("Week 24", "n_evaluable")] == 9
    assert got[("Week 24", "pct")] == pytest.approx(800 / 9)
    assert (round(got[("Week 24", "ci_lower")], 4), round(got[("Week 24", "ci_upper")], 4)) == (0.5175, 0.9972)


def test_summarize_categories_fills_empty_levels():
    data = pd.DataFrame({"PARAMCD": "ESSDAI", "AVISIT": ["Baseline", "Baseline", "Week 24"],
                         "AVALCAT1": ["High", "Moderate", "Low"]})
    got = ep.summarize_categories(data)
    week24 = got[got["AVISIT"] == "Week 24"]
    assert week24[["category", "stat_name", "stat_value"]].values.tolist() == [
        ["Low", "n", 1.0], ["Low", "n_evaluable", 1.0], ["Low", "pct", 100.0],
        ["Moderate", "n", 0.0], ["Moderate", "n_evaluable", 1.0], ["Moderate", "pct", 0.0],
        ["High", "n", 0.0], ["High", "n_evaluable", 1.0], ["High", "pct", 0.0]]


def test_summarize_categories_rejects_unknown_category():
    data = pd.DataFrame({"USUBJID": ["S1"], "PARAMCD": "ESSDAI", "AVISIT": ["Baseline"], "AVALCAT1": ["Severe"]})
    with pytest.raises(ValueError, match="USUBJID S1, PARAMCD ESSDAI, AVISIT Baseline: AVALCAT1 value .*Severe"):
        ep.summarize_categories(data)


def test_summarize_responders_rejects_unknown_flag_value():
    data = pd.DataFrame({"USUBJID": ["S1", "S2"], "PARAMCD": "ESSDAI", "AVISIT": "Week 12", "CRIT1FL": ["Y", "y"]})
    with pytest.raises(ValueError, match="USUBJID S2, PARAMCD ESSDAI, AVISIT Week 12: CRIT1FL must be"):
        ep.summarize_responders(data)


def test_friedman_hand_worked_with_ties_and_incomplete_subject():
    # Ranks within subject: a 3,2,1; b 3,2,1; c 2.5,2.5,1 -> sums 8.5, 6.5, 3; Q = 31/6, tie factor 11/12.
    data = pd.DataFrame({"USUBJID": list("aaabbbcccd"), "AVISIT": ["Baseline", "Week 12", "Week 24"] * 3 + ["Baseline"],
                         "AVAL": [9, 5, 3, 8, 6, 2, 7, 7, 1, 4]})
    got = ep.compare_visits_friedman(data)
    assert got["n"] == 3 and got["df"] == 2
    assert got["statistic"] == pytest.approx(62 / 11)
    assert got["p_value"] == pytest.approx(math.exp(-31 / 11))  # chi-square 2 df: exp(-x/2)


def test_friedman_rejects_duplicate_visit():
    data = pd.DataFrame({"USUBJID": ["a", "a"], "AVISIT": ["Baseline", "Baseline"], "AVAL": [1, 2]})
    with pytest.raises(ValueError, match="subject a at Baseline"):
        ep.compare_visits_friedman(data)


# ------------------------------------------------------------------------------------------
# Carried-forward records
# ------------------------------------------------------------------------------------------

def _bds(rows):
    """BDS frame from (USUBJID, PARAMCD, AVISITN, AVAL, CRIT1FL) tuples, BASE/CHG/PCHG filled."""
    data = pd.DataFrame(rows, columns=["USUBJID", "PARAMCD", "AVISITN", "AVAL", "CRIT1FL"])
    data.insert(2, "AVISIT", data["AVISITN"].map(VISITS))
    base = data[data["AVISITN"] == 0].set_index(["USUBJID", "PARAMCD"])["AVAL"]
    data["BASE"] = [base.get((s, p), np.nan) for s, p in zip(data["USUBJID"], data["PARAMCD"])]
    data["CHG"] = (data["AVAL"] - data["BASE"]).where(data["AVISITN"] > 0)
    data["PCHG"] = 100 * data["CHG"] / data["BASE"]
    data["ABLFL"] = np.where(data["AVISITN"] == 0, "Y", "N")
    return data


CARRY = _bds([
    ("S1", "ESSDAI", 0, 10.0, ""), ("S1", "ESSDAI", 12, 6.0, "Y"), ("S1", "ESSDAI", 24, 4.0, "Y"),
    ("S2", "ESSDAI", 0, 8.0, ""), ("S2", "ESSDAI", 12, 6.0, "N"), ("S2", "ESSDAI", 24, np.nan, ""),
    ("S3", "ESSDAI", 0, 12.0, ""),
    ("S4", "ESSDAI", 0, 9.0, ""),                                  # not in the FAS
    ("S1", "PGA", 0, 6.0, ""), ("S1", "PGA", 24, 2.0, ""),
])


def test_impute_locf_hand_worked():
    got = ep.impute_locf(CARRY, subjects=["S1", "S2", "S3"])
    carried = got[got["DTYPE"] == "LOCF"]
    assert carried[["USUBJID", "PARAMCD", "AVISIT", "AVAL", "CHG", "CRIT1FL", "ABLFL"]].values.tolist() == [
        ["S1", "PGA", "Week 12", 6.0, 0.0, "", "N"],       # PGA carries no change criterion
        ["S2", "ESSDAI", "Week 24", 6.0, -2.0, "N", "N"],  # last observation (week 12) carried
        ["S3", "ESSDAI", "Week 12", 12.0, 0.0, "N", "N"],  # no post-baseline value: baseline carried,
        ["S3", "ESSDAI", "Week 24", 12.0, 0.0, "N", "N"],  # a non-responder
    ]
    assert carried["PCHG"].tolist() == [0.0, -25.0, 0.0, 0.0]
    assert "S4" not in set(carried["USUBJID"])
    assert len(got) == len(CARRY) - 1 + 4  # the empty S2 week 24 record is replaced
    assert not got.duplicated(["USUBJID", "PARAMCD", "AVISITN"]).any()


def test_impute_bocf_dropout_is_non_responder():
    got = ep.impute_bocf(CARRY, subjects=["S1", "S2", "S3"])
    carried = got[got["DTYPE"] == "BOCF"]
    assert carried[["USUBJID", "PARAMCD", "AVISIT", "AVAL", "CHG", "CRIT1FL"]].values.tolist() == [
        ["S1", "PGA", "Week 12", 6.0, 0.0, ""],
        ["S2", "ESSDAI", "Week 24", 8.0, 0.0, "N"],
        ["S3", "ESSDAI", "Week 12", 12.0, 0.0, "N"],
        ["S3", "ESSDAI", "Week 24", 12.0, 0.0, "N"],
    ]
    observed = got[got["DTYPE"] == ""]
    assert len(observed) == len(CARRY) - 1


def test_impute_bocf_rejects_two_baselines():
    data = pd.concat([CARRY, CARRY.iloc[[0]]], ignore_index=True)
    with pytest.raises(ValueError, match="subject S1, ESSDAI"):
        ep.impute_bocf(data, subjects=["S1"])


# ------------------------------------------------------------------------------------------
# Mixed model
# ------------------------------------------------------------------------------------------

MIXED = _bds([
    ("A", "ESSDAI", 0, 10.0, ""), ("A", "ESSDAI", 12, 6.0, ""), ("A", "ESSDAI", 24, 4.0, ""),
    ("B", "ESSDAI", 0, 8.0, ""), ("B", "ESSDAI", 12, 7.0, ""), ("B", "ESSDAI", 24, 3.0, ""),
    ("C", "ESSDAI", 0, 14.0, ""), ("C", "ESSDAI", 12, 9.0, ""), ("C", "ESSDAI", 24, 7.0, ""),
    ("D", "ESSDAI", 0, 7.0, ""), ("D", "ESSDAI", 12, 5.0, ""), ("D", "ESSDAI", 24, 5.0, ""),
    ("E", "ESSDAI", 0, 11.0, ""), ("E", "ESSDAI", 12, 4.0, ""), ("E", "ESSDAI", 24, 2.0, ""),
])


def test_mixed_model_balanced_estimate_is_difference_of_visit_means():
    got = ep.fit_mixed_model(MIXED).set_index(["AVISIT", "stat_name"])["stat_value"]
    assert got[("Week 12", "estimate")] == pytest.approx((31 - 50) / 5, abs=1e-6)  # means 10.0 -> 6.2
    assert got[("Week 24", "estimate")] == pytest.approx((21 - 50) / 5, abs=1e-6)  # 10.0 -> 4.2
    assert (got[("", "n_subjects")], got[("", "n_obs")]) == (5.0, 15.0)


def test_mixed_model_equals_direct_statsmodels_fit_with_missing_visits():
    import statsmodels.formula.api as smf

    data = MIXED.drop(index=[5, 7]).reset_index(drop=True)  # B week 24 and C week 12 missing
    got = ep.fit_mixed_model(data).set_index(["AVISIT", "stat_name"])["stat_value"]
    direct = smf.mixedlm("AVAL ~ C(AVISITN)", data, groups=data["USUBJID"]).fit(reml=True)
    df = 13 - 5 - 2  # records - subjects - visit effects (within-subject df)
    q = stats.t.ppf(0.975, df)
    for visit, term in (("Week 12", "C(AVISITN)[T.12]"), ("Week 24", "C(AVISITN)[T.24]")):
        est, se = direct.params[term], direct.bse[term]
        assert got[(visit, "estimate")] == pytest.approx(est, rel=1e-6)
        assert got[(visit, "ci_lower")] == pytest.approx(est - q * se, rel=1e-6)
        assert got[(visit, "ci_upper")] == pytest.approx(est + q * se, rel=1e-6)
        assert got[(visit, "p_value")] == pytest.approx(2 * stats.t.sf(abs(est / se), df), rel=1e-6)
        assert got[(visit, "df")] == df
    assert got[("", "n_obs")] == 13.0


# ------------------------------------------------------------------------------------------
# The efficacy ARD on a small hand-made study
# ------------------------------------------------------------------------------------------

def _small_study():
    adsl = pd.DataFrame({"USUBJID": ["S1", "S2", "S3", "S4", "S5"], "FASFL": ["Y", "Y", "Y", "Y", "N"]})
    scores = {  # ESSDAI, ESSPRI, PGA by subject and week (None = not assessed)
        "S1": {0: (10, 6.0, 6), 12: (6, 5.0, 4), 24: (4, 4.0, 2)},
        "S2": {0: (8, 5.0, 5), 12: (6, 4.0, 4), 24: (3, 4.0, 3)},
        "S3": {0: (14, 7.0, 7), 12: (9, 6.0, 5), 24: (5, 4.0, 3)},
        "S4": {0: (9, 6.0, 6), 12: (7, 6.0, 5)},
        "S5": {0: (20, 9.0, 9), 12: (2, 1.0, 1), 24: (1, 1.0, 1)},
    }
    rows = []
    for subject, visits in scores.items():
        for week, values in visits.items():
            for paramcd, value in zip(("ESSDAI", "ESSPRI", "PGA"), values):
                rows.append((subject, paramcd, week, float(value), ""))
    adeff = _bds(rows)
    post = adeff["AVISITN"] > 0
    essdai, esspri = adeff["PARAMCD"] == "ESSDAI", adeff["PARAMCD"] == "ESSPRI"
    adeff["CRIT1FL"] = np.where(essdai & post, np.where(adeff["CHG"] <= -3, "Y", "N"), "")
    adeff["CRIT2FL"] = np.where(esspri & post, np.where(adeff["CHG"] <= -1, "Y", "N"), "")
    adeff["CRIT3FL"] = np.where(esspri, np.where(adeff["AVAL"] < 5, "Y", "N"), "")
    adeff["AVALCAT1"] = np.where(essdai, np.select([adeff["AVAL"] < 5, adeff["AVAL"] < 14], ["Low", "Moderate"],
                                                   "High"), "")
    adeff["AVALC"] = ""
    remission = pd.DataFrame({"USUBJID": ["S1", "S1", "S3"], "PARAMCD": "REMARTIC",
                              "AVISIT": ["Week 12", "Week 24", "Week 24"], "AVISITN": [12, 24, 24],
                              "AVAL": [0.0, 1.0, 1.0], "AVALC": ["N", "Y", "Y"]})
    adlb = _bds([("S1", "IGG", 0, 20.0, ""), ("S1", "IGG", 12, 18.0, ""), ("S2", "IGG", 0, 25.0, ""),
                 ("S2", "IGG", 12, 21.5, ""), ("S3", "IGG", 0, 17.0, ""), ("S3", "IGG", 12, 17.0, ""),
                 ("S3", "IGG", 12, 40.0, "")])  # a repeated sample the analyses do not read (ANL01FL N)
    adlb["ANL01FL"] = ["Y"] * 6 + ["N"]
    return adsl, pd.concat([adeff, remission], ignore_index=True), adlb


@pytest.fixture(scope="module")
def small_ard():
    adsl, adeff, adlb = _small_study()
    return ep.summarize_efficacy(adsl, adeff, adlb)


def test_efficacy_ard_summaries_use_the_fas_only(small_ard):
    def stat(name, **where):
        return ard_mod.get_stat(small_ard, name, **where)
    base = dict(analysis_id="EFF-ESSDAI-SUMMARY", paramcd="ESSDAI", variable="AVAL")
    assert stat("n", avisit="Baseline", **base) == 4 and stat("mean", avisit="Baseline", **base) == 41 / 4
    assert stat("n", avisit="Week 24", **base) == 3 and stat("mean", avisit="Week 24", **base) == 4.0
    assert small_ard["population"].isin(ep.POPULATIONS.values()).all()
    assert small_ard["analysis_id"].str.startswith("EFF-").all()
    assert not small_ard.duplicated(list(ard_mod.ARD_KEY)).any()


def test_efficacy_ard_responders_under_each_approach(small_ard):
    def mcii(suffix, name):
        return ard_mod.get_stat(small_ard, name, analysis_id=f"EFF-ESSDAI-MCII{suffix}", avisit="Week 24")
    # Week 24 changes -6, -5, -9 (S4 has no week 24): 3/3 observed; S4 is a non-responder under BOCF,
    # and under LOCF carries its week 12 change of -2 (not an MCII).
    assert (mcii("", "n_responders"), mcii("", "n_evaluable")) == (3.0, 3.0)
    assert (mcii("-BOCF", "n_responders"), mcii("-BOCF", "n_evaluable")) == (3.0, 4.0)
    assert (mcii("-LOCF", "n_responders"), mcii("-LOCF", "n_evaluable")) == (3.0, 4.0)
    locf = dict(analysis_id="EFF-ESSDAI-SUMMARY-LOCF", paramcd="ESSDAI", avisit="Week 24", variable="CHG")
    assert ard_mod.get_stat(small_ard, "mean", **locf) == (-6 - 5 - 9 - 2) / 4


def test_efficacy_ard_paired_tests_equal_direct_computation(small_ard):
    wilcoxon = ep.compute_wilcoxon([-4.0, -2.0, -5.0, -2.0])  # ESSDAI week 12 changes of S1..S4
    where = dict(analysis_id="EFF-ESSDAI-W12-WILCOXON", avisit="Week 12", variable="CHG")
    assert ard_mod.get_stat(small_ard, "p_value", **where) == wilcoxon["p_value"]
    assert ard_mod.get_stat(small_ard, "estimate", analysis_id="EFF-ESSDAI-W12-TTEST") == -13 / 4
    assert ard_mod.get_stat(small_ard, "estimate", analysis_id="EFF-ESSDAI-W12-EFFSIZE",
                            category="rank_biserial") == -1.0


def test_efficacy_ard_other_analyses(small_ard):
    get = ard_mod.get_stat
    assert get(small_ard, "n", analysis_id="EFF-ESSDAI-FRIEDMAN") == 3
    assert get(small_ard, "n_subjects", analysis_id="EFF-PGA-MIXED") == 4
    assert get(small_ard, "n_responders", analysis_id="EFF-REMISSION", avisit="Week 24") == 2
    assert get(small_ard, "n", analysis_id="EFF-ESSDAI-ACTCAT", avisit="Week 24", category="Low") == 2
    assert get(small_ard, "mean", analysis_id="EFF-IGG-SUMMARY", avisit="Week 12", variable="CHG") == pytest.approx(
        (-2 - 3.5 + 0) / 3)
    assert get(small_ard, "n_responders", analysis_id="EFF-ESSPRI-PASS", avisit="Baseline") == 0


# ------------------------------------------------------------------------------------------
# Display frames and sentences (formatted from the ARD only)
# ------------------------------------------------------------------------------------------

def test_format_summary_table_from_ard(small_ard):
    table = ep.format_summary_table(small_ard, analysis_id="EFF-ESSDAI-SUMMARY")
    assert table.iloc[0].tolist() == ["Baseline", "Value", "4", "10.3 (2.63)", "9.5 [8.5, 12.0]", "8 - 14"]
    # whole points: min and max without decimals; a % change, a ratio, at the mean's decimal
    assert set(table.loc[table["Variable"] == "Change from baseline", "Min - Max"].str.count(r"\.")) == {0}
    pchg = table.loc[table["Variable"] == "% change from baseline", "Min - Max"]
    assert len(pchg) and pchg.str.fullmatch(r"-?\d+\.\d - -?\d+\.\d").all()
    assert table["Variable"].tolist()[:3] == ["Value"] * 3 and table["Visit"].tolist()[:3] == [
        "Baseline", "Week 12", "Week 24"]


def test_format_responder_and_sensitivity_tables(small_ard):
    resp = ep.format_responder_table(small_ard, analysis_ids=["EFF-ESSDAI-MCII", "EFF-ESSDAI-MCII-BOCF"])
    assert resp[["Visit", "Population", "n/N (%)"]].values.tolist()[-1] == ["Week 24", "FAS (BOCF)", "3/4 (75.0)"]
    sens = ep.format_sensitivity_table(small_ard, paramcd="ESSDAI")
    assert sens["Analysis"].unique().tolist() == [ep.POPULATIONS[a] for a in ("OC", "BOCF", "LOCF", "MIXED")]
    assert sens.loc[(sens["Analysis"] == "FAS (LOCF)") & (sens["Visit"] == "Week 24"), "n"].item() == "4"
    # BOCF, week 24: 3 of 4; exact limits: the upper 0.975 ** (1/4) = 99.37 %, the lower the 2.5 % point of
    # Beta(3, 2), 19.41 %
    bocf = sens.loc[(sens["Analysis"] == "FAS (BOCF)") & (sens["Visit"] == "Week 24")].iloc[0]
    assert [bocf["MCII n/N (%)"], bocf["MCII 95% CI (%)"]] == ["3/4 (75.0)", "(19.4, 99.4)"]
    assert sens.loc[sens["Analysis"] == "FAS (mixed model)", "MCII 95% CI (%)"].eq("").all()


def test_describe_sentences_come_from_ard(small_ard):
    text = ep.describe_responders(small_ard, analysis_id="EFF-ESSDAI-MCII-BOCF", paramcd="ESSDAI",
                                  avisit="Week 24", what="the ESSDAI MCII")
    assert text.startswith("At Week 24, 3 of the 4 patients evaluable (75.0%) reached the ESSDAI MCII")
    assert "ESSDAI fell by 3.3 points" in ep.describe_change(small_ard, paramcd="ESSDAI", avisit="Week 12")
    assert ep.describe_sensitivity(small_ard, paramcd="ESSDAI", avisit="Week 24").endswith(
        "mixed model -6.4; the 95% CI includes zero under: BOCF.")
    # a verdict on whether the score changed, not on the change's size or cause
    assert ep.describe_sensitivity(small_ard, paramcd="ESSDAI", avisit="Week 12").endswith(
        "; the 95% CI excludes zero under every approach: that the score changed does not depend on how missing "
        "visits are handled.")
    # IgG changes -2, -3.5 and 0: mean -1.83, SD 1.756, t(0.975, 2) = 4.303: CI -1.83 +/- 4.36; the Wilcoxon test
    # drops the zero and its two negative changes give the exact p = 2 x (1/2)^2 = 0.5 (the primary test, beside the CI)
    assert ep.describe_labs(small_ard, avisit="Week 12", paramcds=["IGG"]) == (
        "Mean change from baseline to Week 12 (95% CI) and Wilcoxon signed-rank test: IgG (g/L) -1.8 (-6.2, 2.5), "
        "CI includes zero, Wilcoxon p = 0.500.")


def test_float_visit_numbers_give_the_same_results():
    floats = CARRY.assign(AVISITN=CARRY["AVISITN"].astype(float))
    as_int = ep.impute_locf(CARRY, subjects=["S1", "S2", "S3"])
    as_float = ep.impute_locf(floats, subjects=["S1", "S2", "S3"])
    assert as_float["AVAL"].tolist() == as_int["AVAL"].tolist()
    assert as_float["DTYPE"].tolist() == as_int["DTYPE"].tolist()
    mixed = MIXED.assign(AVISITN=MIXED["AVISITN"].astype(float))
    pd.testing.assert_frame_equal(ep.fit_mixed_model(mixed), ep.fit_mixed_model(MIXED))


def test_hodges_lehmann_large_n_matches_full_walsh_enumeration_with_normal_ci():
    rng = np.random.default_rng(7)
    d = np.round(rng.normal(-2, 3, 300), 1)  # beyond EXACT_MAX_N, with ties
    n = len(d)
    i, j = np.triu_indices(n)
    walsh = np.sort((d[i] + d[j]) / 2.0)
    mu, sigma = n * (n + 1) / 4, math.sqrt(n * (n + 1) * (2 * n + 1) / 24)
    k = math.floor(mu - 0.5 + sigma * stats.norm.ppf(0.025)) + 1
    r = ep.compute_hodges_lehmann(d)
    assert r["estimate"] == np.median(walsh)
    assert (r["ci_lower"], r["ci_upper"]) == (walsh[k - 1], walsh[len(walsh) - k])
    assert r["conf_level"] == pytest.approx(0.95, abs=1e-3)


def test_hodges_lehmann_on_many_tied_differences_matches_full_enumeration():
    d = np.tile(np.arange(-9.0, 3.0), 167)[:2000]  # integer scores: few distinct values
    i, j = np.triu_indices(len(d))
    assert ep.compute_hodges_lehmann(d)["estimate"] == np.median((d[i] + d[j]) / 2.0)
    big = ep.compute_hodges_lehmann(np.tile(np.arange(-9.0, 3.0), 834)[:10_000])  # 50 million Walsh averages
    assert big["ci_lower"] <= big["estimate"] <= big["ci_upper"]


def test_vectorised_reml_fit_matches_statsmodels_mixedlm():
    import statsmodels.formula.api as smf

    rng = np.random.default_rng(3)
    subjects = np.repeat([f"S{i:03d}" for i in range(80)], 3)
    weeks = np.tile([0, 12, 24], 80)
    y = 10 - 0.3 * weeks + np.repeat(rng.normal(0, 2, 80), 3) + rng.normal(0, 1.5, 240)
    rows = pd.DataFrame({"USUBJID": subjects, "AVISITN": weeks, "y": y}).iloc[rng.permutation(240)[:200]]
    rows = rows.sort_values(["USUBJID", "AVISITN"]).reset_index(drop=True)
    params, se, converged = ep._fit_random_intercept_reml(rows, subject="USUBJID")
    fit = smf.mixedlm("y ~ C(AVISITN)", rows, groups=rows["USUBJID"]).fit(reml=True)
    assert converged
    for term in ("C(AVISITN)[T.12]", "C(AVISITN)[T.24]"):
        assert params[term] == pytest.approx(fit.params[term], abs=1e-5)
        # standard errors: s2 (X'V^-1 X)^-1 at the REML optimum here, statsmodels' numerical
        # information matrix there; they agree to well under the displayed precision
        assert se[term] == pytest.approx(fit.bse[term], abs=1e-3)


def test_summarize_primary_gives_the_efficacy_sections_essdai_rows_to_the_last_bit(small_ard):
    adsl, adeff, _ = _small_study()
    primary = ep.summarize_primary(adsl, adeff)
    ids = {"EFF-ESSDAI-SUMMARY", "EFF-ESSDAI-MCII", "EFF-VISITS-DUE"} | {
        f"EFF-ESSDAI-{v}-{a}" for v in ("W12", "W24") for a in ("WILCOXON", "TTEST", "HL", "EFFSIZE")}
    assert set(primary["analysis_id"]) == ids
    expected = small_ard[small_ard["analysis_id"].isin(ids)].reset_index(drop=True)
    pd.testing.assert_frame_equal(primary, expected)  # same rows, same order, same bits (NaN = NaN)
    assert ard_mod.get_stat(primary, "n", analysis_id="EFF-ESSDAI-SUMMARY", avisit="Baseline", variable="AVAL") == 4


def test_summarize_course_gives_the_efficacy_sections_rows_for_the_figures_to_the_last_bit():
    adsl, adeff, adlb = _small_study()
    domains = _bds([(s, code, w, float(v), "") for s, code, w, v in (
        ("S1", "EDSARTIC", 0, 4), ("S1", "EDSARTIC", 12, 2), ("S2", "EDSBIOL", 0, 1), ("S2", "EDSBIOL", 24, 0),
        ("S5", "EDSARTIC", 0, 6))])  # S5 is outside the full analysis set
    adeff = pd.concat([adeff, domains], ignore_index=True)
    full, course = ep.summarize_efficacy(adsl, adeff, adlb), ep.summarize_course(adsl, adeff)
    ids = {"EFF-ESSDAI-SUMMARY", "EFF-ESSPRI-SUMMARY", "EFF-PGA-SUMMARY", "EFF-ESSDAI-MCII", "EFF-EDS-SUMMARY",
           "EFF-VISITS-DUE"}
    assert set(course["analysis_id"]) == ids
    expected = full[full["analysis_id"].isin(ids)].reset_index(drop=True)
    pd.testing.assert_frame_equal(course, expected)  # same rows, same order, same bits (NaN = NaN)
    assert ep.describe_domains(course) == ep.describe_domains(full) == (
        "Domains with the highest mean scores (weight x level): at Baseline, articular 4.0, biological 1.0; "
        "at Week 24, no domain scored.")


def test_cell_refuses_two_values_of_one_statistic():
    a = pd.DataFrame({"analysis_id": "A", "paramcd": "P", "avisit": "W12", "variable": "CHG", "category": "",
                      "stat_name": ["n", "n"], "stat_value": [9.0, 10.0]})
    with pytest.raises(ValueError, match="several values of 'n' for A"):
        ep._cell(a, "A")


def test_summarize_by_visit_keeps_cells_of_a_frame_with_repeated_index_labels():
    d = pd.DataFrame({"PARAMCD": "X", "AVISIT": ["Week 12", "Baseline", "Baseline"], "AVAL": [5.0, 1.0, 3.0]},
                     index=[7, 7, 7])
    out = ep.summarize_by_visit(d).set_index(["AVISIT", "stat_name"])["stat_value"]
    assert out[("Baseline", "n")] == 2 and out[("Baseline", "mean")] == 2.0 and out[("Week 12", "max")] == 5.0
    assert len(out) == 2 * len(ep.SUMMARY_STATS)


def test_imputation_fills_only_the_visits_due_at_the_data_cut():
    # S2 misses week 24 and S3 both post-baseline visits; at the cut S3's week 24 is not yet due and S2's is.
    due = pd.DataFrame({"USUBJID": ["S1", "S2", "S3", "S1", "S2"],
                        "AVISIT": ["Week 12", "Week 12", "Week 12", "Week 24", "Week 24"]})
    for impute, dtype in ((ep.impute_bocf, "BOCF"), (ep.impute_locf, "LOCF")):
        got = impute(CARRY, subjects=["S1", "S2", "S3"], due=due)
        carried = got[got["DTYPE"] == dtype]
        assert carried[["USUBJID", "PARAMCD", "AVISIT"]].values.tolist() == [
            ["S1", "PGA", "Week 12"], ["S2", "ESSDAI", "Week 24"], ["S3", "ESSDAI", "Week 12"]]
        everything = impute(CARRY, subjects=["S1", "S2", "S3"])  # no due list: every visit is due
        assert len(everything[everything["DTYPE"] == dtype]) == 4


def test_visits_due_from_adsl_and_absent_flags_mean_all_due():
    adsl = pd.DataFrame({"USUBJID": ["A", "B"], "FASFL": "Y", "DUE12FL": ["Y", "Y"], "DUE24FL": ["Y", "N"]})
    assert ep.visits_due(adsl).values.tolist() == [["A", "Week 12"], ["B", "Week 12"], ["A", "Week 24"]]
    assert ep.visits_due(adsl[["USUBJID", "FASFL"]]) is None
    rows = ep.summarize_visits_due(adsl[["USUBJID", "FASFL"]], weeks={"Baseline": 0, "Week 12": 12, "Week 24": 24})
    assert rows.loc[rows["stat_name"] == "n_due", "stat_value"].tolist() == [2.0, 2.0]


def test_mixed_model_estimates_each_visit_on_the_patients_due_there():
    # Week 24 due for A, B, C only (D and E not yet): its estimate is the fit on A, B, C's records; week 12 and
    # the footer use everyone. With every visit due the result is fit_mixed_model's, to the last bit.
    rows = MIXED[~(MIXED["USUBJID"].isin(["D", "E"]) & (MIXED["AVISITN"] == 24))]
    due = pd.DataFrame({"USUBJID": list("ABCDE") + list("ABC"), "AVISIT": ["Week 12"] * 5 + ["Week 24"] * 3})
    got = ep.fit_mixed_model_due(rows, due=due).set_index(["AVISIT", "stat_name"])["stat_value"]
    abc = ep.fit_mixed_model(rows[rows["USUBJID"].isin(list("ABC"))]).set_index(["AVISIT", "stat_name"])["stat_value"]
    full = ep.fit_mixed_model(rows).set_index(["AVISIT", "stat_name"])["stat_value"]
    assert got[("Week 24", "estimate")] == abc[("Week 24", "estimate")]
    assert got[("Week 12", "estimate")] == full[("Week 12", "estimate")]
    assert (got[("Week 24", "n_subjects")], got[("", "n_subjects")]) == (3.0, 5.0)
    all_due = pd.DataFrame({"USUBJID": list("ABCDE") * 2, "AVISIT": ["Week 12"] * 5 + ["Week 24"] * 5})
    pd.testing.assert_frame_equal(ep.fit_mixed_model_due(MIXED, due=all_due), ep.fit_mixed_model(MIXED))


def test_mixed_model_with_baseline_values_only_reports_counts_without_estimates():
    got = ep.fit_mixed_model(MIXED[MIXED["AVISITN"] == 0])
    assert got[["AVISIT", "stat_name", "stat_value"]].values.tolist() == [
        ["", "n_subjects", 5.0], ["", "n_obs", 5.0], ["", "converged", 0.0]]


# ------------------------------------------------------------------------------------------
# Table notes and layout for the report (methods under each table, spanned headers, words for codes)
# ------------------------------------------------------------------------------------------

def test_format_methods_note_gives_each_method_once_from_the_ard(small_ard):
    # the ARD's own method statements (the ARD's method column), looked up by analysis id
    # ... with its code put in words (the ARD keeps "as SAS QNTLDEF=5")
    assert ep.format_methods_note(small_ard, analysis_ids=["EFF-ESSDAI-SUMMARY"]) == (
        "n, mean, SD (n-1), median, Q1/Q3 (Hyndman-Fan type 2, the SAS default), min, max.")
    assert "(zero_method='wilcox')" in small_ard.loc[small_ard["analysis_id"] == "EFF-ESSDAI-W12-WILCOXON",
                                                     "method"].iloc[0]
    assert "zero_method" not in ep.format_methods_note(small_ard, analysis_ids=["EFF-ESSDAI-W12-WILCOXON"])
    assert ep.format_methods_note(small_ard, analysis_ids=["EFF-ESSDAI-MIXED"]).startswith(
        "Linear mixed model of the value on the visit (categorical), random intercept per patient (")
    # the t-test and effect-size statements are shared by both visits: once each; ids not in the ARD are skipped
    note = ep.format_methods_note(small_ard, analysis_ids=["EFF-ESSDAI-W12-TTEST", "EFF-ESSDAI-W24-TTEST",
                                                           "EFF-ESSDAI-W12-EFFSIZE", "EFF-ESSDAI-W24-EFFSIZE",
                                                           "EFF-NOTHING"])
    assert note == ("Paired t-test, two-sided; 95% CI mean +/- t(0.975, n-1) SD/sqrt(n). "
                    "Cohen's dz = mean/SD of change; matched-pairs rank-biserial (Kerby 2014).")
    assert ep.format_methods_note(small_ard, analysis_ids=["EFF-NOTHING"]) == ""


def test_format_methods_note_names_where_one_method_was_applied_differently():
    ard = pd.DataFrame({"analysis_id": ["W1", "W2", "W3", "H1"], "paramcd": ["ESSPRI", "ESSPRI", "PGA", "ESSPRI"],
                        "avisit": ["Week 12", "Week 24", "Week 12", "Week 12"],
                        "method": ["Wilcoxon signed-rank, 1 zero difference dropped", "Wilcoxon signed-rank, none",
                                   "Wilcoxon signed-rank, none", "Hodges-Lehmann: median of Walsh averages"]})
    assert ep.format_methods_note(ard, analysis_ids=["W1", "H1", "W2", "W3"]) == (
        "ESSPRI Week 12: Wilcoxon signed-rank, 1 zero difference dropped. "
        "ESSPRI Week 24, PGA Week 12: Wilcoxon signed-rank, none. Hodges-Lehmann: median of Walsh averages.")


def test_format_paired_table_groups_columns_under_their_test_and_names_parameters_with_units(small_ard):
    table = ep.format_paired_table(small_ard, paramcds=["ESSDAI", "IGG"])
    assert table.columns.tolist() == [
        ("", "Parameter"), ("", "Visit"), ("", "n"), ("Paired t-test", "Mean change (95% CI)"), ("Paired t-test", "p"),
        ("Wilcoxon signed-rank test", "Hodges-Lehmann median (95% CI)"), ("Wilcoxon signed-rank test", "V"),
        ("Wilcoxon signed-rank test", "p"), ("Effect size", "Cohen's dz"), ("Effect size", "Rank-biserial r")]
    # ESSDAI week 12 changes -4, -2, -5, -2: mean -13/4 = -3.25 -> -3.3 (half up); every change negative: r = -1
    assert table.iloc[0].tolist()[:3] == ["ESSDAI", "Week 12", "4"]
    assert table.iloc[0, 3].startswith("-3.3 (") and table.iloc[0, 9] == "-1.00"
    assert table[("", "Parameter")].tolist() == ["ESSDAI", "ESSDAI", "IgG (g/L)"]


def test_format_responder_table_shows_remission_codes_in_words(small_ard):
    table = ep.format_responder_table(small_ard, analysis_ids=["EFF-REMISSION"])
    assert table[["Parameter", "Response", "Visit", "n/N (%)"]].values.tolist() == [
        ["Articular involvement", "Remission", "Week 12", "0/1 (0.0)"],
        ["Articular involvement", "Remission", "Week 24", "2/2 (100.0)"]]


def test_format_responder_table_puts_ild_improvement_after_the_remissions(small_ard):
    """The ARD holds ILDIMP before REMARTIC (alphabetical); the table follows its title and the table by arm:
    the remissions of ``REMISSION_PARAMCDS`` first, the improvement of interstitial lung disease last."""
    rows = small_ard[small_ard["analysis_id"] == "EFF-REMISSION"]
    ard = pd.concat([rows.assign(paramcd="ILDIMP"), small_ard], ignore_index=True)
    table = ep.format_responder_table(ard, analysis_ids=["EFF-REMISSION"])
    assert table["Parameter"].drop_duplicates().tolist() == ["Articular involvement", "Interstitial lung disease"]
    assert table["Response"].drop_duplicates().tolist() == ["Remission", "Improvement"]
# Mixed model: t-based intervals on the within-subject degrees of freedom; p-value display
# ------------------------------------------------------------------------------------------

def _pilot_like_mixed():
    """11 subjects at weeks 0, 12, 24 with three records missing, like the pilot (30 records)."""
    rng = np.random.default_rng(11)
    rows = [(f"S{i:02d}", "ESSDAI", week, float(np.round(12 - 0.25 * week + rng.normal(0, 2.5), 0)), "")
            for i in range(11) for week in (0, 12, 24)]
    return _bds([r for k, r in enumerate(rows) if k not in (5, 20, 32)])


def test_mixed_model_interval_is_wald_widened_by_t_over_z_on_the_within_subject_df():
    # Independent computation: statsmodels MixedLM's own Wald interval, widened by t(0.975, df) / z(0.975)
    # with df = 30 records - 11 subjects - 2 visit effects = 17: t = 2.1098, 7.6% wider than z = 1.96
    # (the "about 8 %" of the week-12 interval with 11 patients).
    import statsmodels.formula.api as smf

    data = _pilot_like_mixed()
    got = ep.fit_mixed_model(data).set_index(["AVISIT", "stat_name"])["stat_value"]
    direct = smf.mixedlm("AVAL ~ C(AVISITN)", data, groups=data["USUBJID"]).fit(reml=True)
    wald = direct.conf_int()
    widening = stats.t.ppf(0.975, 17) / stats.norm.ppf(0.975)
    assert widening == pytest.approx(1.0765, abs=1e-4)
    for visit, term in (("Week 12", "C(AVISITN)[T.12]"), ("Week 24", "C(AVISITN)[T.24]")):
        assert got[(visit, "df")] == 17.0
        width = got[(visit, "ci_upper")] - got[(visit, "ci_lower")]
        assert width == pytest.approx(widening * (wald.loc[term, 1] - wald.loc[term, 0]), rel=1e-6)
        assert got[(visit, "p_value")] > direct.pvalues[term]  # the t tail is heavier than the normal one


def test_within_subject_df_by_hand():
    complete = pd.DataFrame({"USUBJID": np.repeat(list("ABCDE"), 3), "AVISITN": np.tile([0, 12, 24], 5)})
    assert ep.compute_within_subject_df(complete) == (5 - 1) * (3 - 1)
    # a subject seen once adds a record and a subject: no within-subject information
    once = pd.concat([complete, pd.DataFrame({"USUBJID": ["F"], "AVISITN": [12]})], ignore_index=True)
    assert ep.compute_within_subject_df(once) == 8.0
    # every subject seen once: df 0, so the model gives no interval
    single = pd.DataFrame({"USUBJID": list("ABCD"), "AVISITN": [0, 0, 12, 12]})
    assert ep.compute_within_subject_df(single) == 0.0
    assert all(math.isnan(x) for x in ep.compute_t_interval(-1.0, 0.5, 0.0))


def test_t_interval_by_hand():
    # t(0.975, 10) = 2.228139; -5 +/- 2.228139; p = 2 P(T_10 > 5) = 0.000537
    lo, hi, p = ep.compute_t_interval(-5.0, 1.0, 10)
    assert (lo, hi) == (pytest.approx(-7.228139, abs=1e-6), pytest.approx(-2.771861, abs=1e-6))
    assert p == pytest.approx(0.000537, abs=1e-6)


def test_mixed_model_ard_keeps_full_precision_and_display_shows_below_0001():
    data = _pilot_like_mixed()
    rows = ep.summarize_visits_and_model(data, paramcd="ESSDAI")
    mixed = rows[rows["analysis_id"] == "EFF-ESSDAI-MIXED"]
    p = ard_mod.get_stat(mixed, "p_value", avisit="Week 24")
    est, lo = (ard_mod.get_stat(mixed, name, avisit="Week 24") for name in ("estimate", "ci_lower"))
    se = (est - lo) / stats.t.ppf(0.975, 17)
    assert p == pytest.approx(2 * stats.t.sf(abs(est / se), 17), rel=1e-9) and p < 0.001  # unrounded in the ARD
    assert ard_mod.get_stat(mixed, "df", avisit="Week 24") == 17.0
    assert "t distribution" in mixed["method"].iloc[0] and "within-subject" in mixed["method"].iloc[0]
    assert ep._p_text(p) == "p < 0.001" and ep._p_text(2.5e-23) == "p < 0.001"
    assert ep._p_text(0.0123) == "p = 0.012"
