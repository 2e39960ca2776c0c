"""Between-arm analyses into the ARD: a hand-made two-arm trial (the randomised design's ADaM names)
and the CDISC pilot."""

import math

import numpy as np
import pandas as pd
import pytest

from analysis_utils import ard as ard_mod
from analysis_utils import arms, comparisons, paths, tables, vocabulary
from analysis_utils.io import read_adam

BARI = "Baricitinib 4 mg + HCQ 400 mg"
HCQ = "HCQ 400 mg"

# Twelve patients, 8 on baricitinib + HCQ (TRT01PN 2), 4 on HCQ alone (TRT01PN 1, the control), two centres.
# ESSDAI baseline means are equal in both arms (11), so the ANCOVA difference is the difference of mean changes.
SUBJECTS = [f"S{i:02d}" for i in range(1, 13)]
ARM = [BARI] * 8 + [HCQ] * 4
SITE = ["01"] * 4 + ["02"] * 4 + ["01", "01", "02", "02"]
BASE = [8, 10, 12, 14, 8, 10, 12, 14, 8, 10, 12, 14]
CHG12 = [-6, -4, -3, -5, -3, -1, -7, -2, -3, -1, 0, -2]  # MCII (<= -3): 6/8 and 1/4
CHG24 = [-6, -5, -4, -5, -3, -2, -7, -3, -3, -4, -3, -1]  # MCII: 7/8 and 3/4
SWITCHED = {"S10", "S11", "S12"}  # control patients without an MCII at week 12


def _two_arm_adsl() -> pd.DataFrame:
    return pd.DataFrame({
        "USUBJID": SUBJECTS, "SITEID": SITE, "FASFL": "Y", "TRT01P": ARM, "TRT01A": ARM,
        "TRT01PN": [2 if a == BARI else 1 for a in ARM], "TRT01AN": [2 if a == BARI else 1 for a in ARM],
        "SWITCHFL": ["Y" if s in SWITCHED else "N" for s in SUBJECTS],
        "TRT02P": [BARI if s in SWITCHED else a for s, a in zip(SUBJECTS, ARM)],
    })


def _two_arm_adeff() -> pd.DataFrame:
    records = []
    for i, s in enumerate(SUBJECTS):
        for avisit, avisitn, chg in (("Baseline", 0, np.nan), ("Week 12", 12, CHG12[i]), ("Week 24", 24, CHG24[i])):
            aval = BASE[i] + (0 if avisitn == 0 else chg)
            flag = "" if avisitn == 0 else ("Y" if chg <= -3 else "N")
            trta = BARI if (s in SWITCHED and avisitn > 12) else ARM[i]
            records.append({"USUBJID": s, "PARAMCD": "ESSDAI", "AVISIT": avisit, "AVISITN": avisitn, "AVAL": aval,
                            "BASE": BASE[i], "CHG": chg, "ABLFL": "Y" if avisitn == 0 else "", "CRIT1FL": flag,
                            "TRTP": ARM[i], "TRTA": trta})
    return pd.DataFrame(records)


@pytest.fixture(scope="module")
def two_arm_ard() -> pd.DataFrame:
    return arms.summarize_arms(_two_arm_adsl(), _two_arm_adeff())


def _values(ard: pd.DataFrame, analysis_id: str, **where) -> dict:
    rows = ard[ard["analysis_id"] == analysis_id]
    for col, value in where.items():
        rows = rows[rows[col] == value]
    return dict(zip(rows["stat_name"], rows["stat_value"]))


def _wilson(x: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = x / n
    centre, half = (p + z * z / (2 * n)) / (1 + z * z / n), z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (
        1 + z * z / n)
    return centre - half, centre + half


# --------------------------------------------------------------------------------------------
# Arms
# --------------------------------------------------------------------------------------------

def test_reference_arm_is_the_lowest_code_and_arms_are_ordered_by_code():
    adsl = _two_arm_adsl()
    assert arms.reference_arm(adsl) == HCQ
    assert arms.arms_of(adsl) == [HCQ, BARI]
    assert arms.arms_of(adsl, "TRT01A") == [HCQ, BARI]
    assert arms.has_several_arms(adsl)
    single = adsl.assign(TRT01P="Baricitinib 2 mg", TRT01PN=1)
    assert not arms.has_several_arms(single)
    assert not arms.has_several_arms(adsl.drop(columns=["TRT01P"]))


def test_arm_codes_reject_two_codes_for_an_arm_a_shared_code_and_a_missing_arm():
    adsl = _two_arm_adsl()
    with pytest.raises(ValueError, match="more than one TRT01PN"):
        arms.arm_codes(adsl.assign(TRT01PN=[2] * 7 + [3] + [1] * 4))
    with pytest.raises(ValueError, match="code of more than one arm"):
        arms.arm_codes(adsl.assign(TRT01PN=1))
    with pytest.raises(ValueError, match="USUBJID S03: TRT01P or TRT01PN is missing"):
        arms.arm_codes(adsl.assign(TRT01P=["A", "A", ""] + ARM[3:]))
    with pytest.raises(ValueError, match="not supported"):
        arms.reference_arm(adsl, "ARM")


def test_analysis_records_take_the_arm_from_adsl_when_the_data_lack_it_and_name_bad_rows():
    adsl, adeff = _two_arm_adsl(), _two_arm_adeff()
    rows = arms.analysis_records(adsl, adeff.drop(columns=["TRTP"]), paramcd="ESSDAI")
    assert list(rows["TRTP"].cat.categories) == [HCQ, BARI]
    assert rows["SITEID"].tolist()[:3] == ["01"] * 3 and "SWITCHFL" in rows
    assert len(rows) == 36
    not_fas = adsl.assign(FASFL=["N"] + ["Y"] * 11)
    assert len(arms.analysis_records(not_fas, adeff, paramcd="ESSDAI")) == 33
    with pytest.raises(ValueError, match="USUBJID S01, AVISIT Baseline: TRTP 'Placebo' is not an arm"):
        arms.analysis_records(adsl, adeff.assign(TRTP=["Placebo"] + list(adeff["TRTP"][1:])), paramcd="ESSDAI")
    with pytest.raises(ValueError, match="USUBJID S01, AVISIT Baseline: more than one ESSDAI record"):
        arms.analysis_records(adsl, pd.concat([adeff.iloc[:1], adeff]), paramcd="ESSDAI")


def test_post_switch_records_are_the_switched_patients_visits_after_week_12():
    rows = arms.analysis_records(_two_arm_adsl(), _two_arm_adeff(), paramcd="ESSDAI")
    post = rows.loc[arms.post_switch(rows)]
    assert sorted(post["USUBJID"]) == ["S10", "S11", "S12"]
    assert set(post["AVISIT"]) == {"Week 24"}
    assert (post["TRTA"] == BARI).all() and (post["TRTP"] == HCQ).all()  # analysed by the randomised arm


def test_an_arm_without_a_response_yet_leaves_the_others_rates_and_says_why_no_difference():
    """An early cut: no HCQ patient has reached week 12. The difference is not estimable, in words; the baricitinib
    arm's rate (6 of 8, Clopper-Pearson 34.9 % to 96.8 %) and the total's stand."""
    adeff = _two_arm_adeff()
    early = adeff[~(adeff["TRTP"].eq(HCQ) & adeff["AVISIT"].ne("Baseline"))]
    ard = arms.summarize_arms(_two_arm_adsl(), early, visits=("Week 12",), change_paramcds=())
    why = ard.loc[ard["analysis_id"] == "EFF-ESSDAI-MCII" + arms.NOT_ESTIMABLE, "method"].tolist()
    assert why == [f"no record of the reference arm {HCQ} yet, only of {BARI}"]
    rates = ard[ard["analysis_id"] == "EFF-ESSDAI-MCII"]
    assert sorted(set(rates["group"])) == sorted({BARI, arms.TOTAL})
    bari = _values(ard, "EFF-ESSDAI-MCII", group=BARI)
    assert (bari["n_responders"], bari["n_evaluable"]) == (6, 8)
    assert (bari["ci_lower"], bari["ci_upper"]) == pytest.approx((0.3491, 0.9681), abs=1e-4)
    assert not ard["analysis_id"].eq("EFF-ESSDAI-MCII-DIFF").any()
    # HCQ's week-12 records there, but without a response (no baseline): no rate of 0 of 0 for HCQ either
    blank = adeff.assign(CRIT1FL=adeff["CRIT1FL"].where(~(adeff["TRTP"].eq(HCQ) & adeff["AVISIT"].ne("Baseline")), ""))
    ard = arms.summarize_arms(_two_arm_adsl(), blank, visits=("Week 12",), change_paramcds=())
    rates = ard[ard["analysis_id"] == "EFF-ESSDAI-MCII"]
    assert sorted(set(rates["group"])) == sorted({BARI, arms.TOTAL})
    assert _values(ard, "EFF-ESSDAI-MCII", group=arms.TOTAL)["n_evaluable"] == 8


def test_post_switch_records_are_those_dated_after_the_first_new_dose():
    # S10 switched on its week-24 assessment's day (before the dose: that record is pre-switch), S11 two weeks
    # after week 12 (week 24 is after it), S12 on its week-12 visit's day (week 24 is after it, but for a record
    # without a date, which TRTA too keeps under the first treatment)
    day = {"Baseline": "2021-01-04", "Week 12": "2021-03-29", "Week 24": "2021-06-21"}
    adeff = _two_arm_adeff().assign(ADT=lambda d: pd.to_datetime(d["AVISIT"].map(day)))
    adsl = _two_arm_adsl().assign(TR02SDT=pd.to_datetime(
        [None] * 9 + ["2021-06-21", "2021-04-12", "2021-03-29"]))
    rows = arms.analysis_records(adsl, adeff, paramcd="ESSDAI")
    post = rows.loc[arms.post_switch(rows)]
    assert sorted(post["USUBJID"]) == ["S11", "S12"] and set(post["AVISIT"]) == {"Week 24"}
    undated = rows.assign(ADT=rows["ADT"].where(rows["USUBJID"] != "S12"))
    assert sorted(undated.loc[arms.post_switch(undated), "USUBJID"]) == ["S11"]


# --------------------------------------------------------------------------------------------
# Responders, hand-worked
# --------------------------------------------------------------------------------------------

def test_week12_responder_rates_difference_newcombe_ci_and_fisher_p_hand_worked(two_arm_ard):
    per_arm = {g: _values(two_arm_ard, "EFF-ESSDAI-MCII", avisit="Week 12", group=g) for g in (BARI, HCQ, "Total")}
    assert (per_arm[BARI]["n_responders"], per_arm[BARI]["n_evaluable"], per_arm[BARI]["rate"]) == (6, 8, 0.75)
    assert (per_arm[HCQ]["n_responders"], per_arm[HCQ]["n_evaluable"], per_arm[HCQ]["rate"]) == (1, 4, 0.25)
    assert (per_arm["Total"]["n_responders"], per_arm["Total"]["n_evaluable"]) == (7, 12)
    diff = _values(two_arm_ard, "EFF-ESSDAI-MCII-DIFF", avisit="Week 12", group=f"{BARI} vs {HCQ}")
    assert diff["estimate"] == pytest.approx(0.5)
    # Newcombe method 10 from the two Wilson intervals, by hand
    (l1, u1), (l2, u2) = _wilson(6, 8), _wilson(1, 4)
    assert diff["ci_lower"] == pytest.approx(0.5 - math.sqrt((0.75 - l1) ** 2 + (u2 - 0.25) ** 2), rel=1e-9)
    assert diff["ci_upper"] == pytest.approx(0.5 + math.sqrt((u1 - 0.75) ** 2 + (0.25 - l2) ** 2), rel=1e-9)
    # Fisher: margins 8/4 and 7 responders; P(X = k) = C(8,k) C(4,7-k) / 792 = 56, 280, 336, 112, 8 for k = 3..7;
    # observed k = 6 (112); two-sided p = (56 + 112 + 8) / 792
    assert diff["p_value"] == pytest.approx(176 / 792, rel=1e-12)
    method = two_arm_ard.loc[two_arm_ard["analysis_id"] == "EFF-ESSDAI-MCII-DIFF", "method"].iloc[0]
    assert "Newcombe" in method and "Fisher" in method and "SITEID too sparse for CMH" in method


def test_week12_responders_missing_counted_as_non_responders_hand_worked():
    """NRI: S02 (baricitinib, change -4) and S09 (control, -3), both responders, have no week-12 assessment. Observed
    cases leave them out: 5/7 and 0/3. NRI counts them as non-responders: 5/8 and 0/4, a difference of 62.5 points;
    and S09's visit not yet due leaves S09 out of NRI too (5/8 and 0/3)."""
    adeff = _two_arm_adeff()
    adeff = adeff[~(adeff["USUBJID"].isin(["S02", "S09"]) & (adeff["AVISIT"] == "Week 12"))]
    ard = arms.summarize_arms(_two_arm_adsl(), adeff)
    observed = {g: _values(ard, "EFF-ESSDAI-MCII", avisit="Week 12", group=g) for g in (BARI, HCQ)}
    assert [(v["n_responders"], v["n_evaluable"]) for v in observed.values()] == [(5, 7), (0, 3)]
    nri = {g: _values(ard, "EFF-ESSDAI-MCII-NRI", avisit="Week 12", group=g) for g in (BARI, HCQ, "Total")}
    assert [(v["n_responders"], v["n_evaluable"]) for v in nri.values()] == [(5, 8), (0, 4), (5, 12)]
    diff = _values(ard, "EFF-ESSDAI-MCII-NRI-DIFF", avisit="Week 12", group=f"{BARI} vs {HCQ}")
    (l1, u1), (l2, u2) = _wilson(5, 8), _wilson(0, 4)  # Newcombe method 10, by hand
    assert diff["estimate"] == pytest.approx(0.625)
    assert diff["ci_lower"] == pytest.approx(0.625 - math.sqrt((0.625 - l1) ** 2 + (u2 - 0) ** 2), rel=1e-9)
    method = ard.loc[ard["analysis_id"] == "EFF-ESSDAI-MCII-NRI-DIFF", "method"].iloc[0]
    assert method.startswith(arms.NRI_METHOD) and "Newcombe" in method
    assert not (ard["analysis_id"] == "EFF-ESSDAI-MCII-NRI-LOGISTIC-DIFF").any()  # the rates only
    table = arms.format_arms_table(ard, analysis_ids=["EFF-ESSDAI-MCII", "EFF-ESSDAI-MCII-NRI"])
    week12 = table[table["Visit"] == "Week 12"]
    # n/N (%): the N differs between the rows (7 evaluable, 8 due), and a cell of none still gives it
    assert week12[[HCQ, BARI]].values.tolist() == [["0/3 (0.0)", "5/7 (71.4)"], ["0/4 (0.0)", "5/8 (62.5)"]]
    assert week12["Analysis"].iloc[1] == arms.ANALYSIS_LABELS[arms.NRI]
    # the sentence names NRI's N as the table does: the patients whose visit was due, not those evaluable
    text = arms.describe_comparison(ard, analysis_id="EFF-ESSDAI-MCII-NRI", avisit="Week 12", what="the ESSDAI MCII")
    assert "by 5 of the 8 patients whose visit was due (62.5%) randomised to" in text and "evaluable" not in text
    assert "5 of the 7 patients evaluable" in arms.describe_comparison(ard, analysis_id="EFF-ESSDAI-MCII",
                                                                       avisit="Week 12", what="the ESSDAI MCII")
    not_due = _two_arm_adsl().assign(DUE12FL=lambda d: np.where(d["USUBJID"] == "S09", "N", "Y"), DUE24FL="Y")
    nri = _values(arms.summarize_arms(not_due, adeff), "EFF-ESSDAI-MCII-NRI", avisit="Week 12", group=HCQ)
    assert (nri["n_responders"], nri["n_evaluable"]) == (0, 3)


def test_week24_responders_by_randomised_arm_under_treatment_policy(two_arm_ard):
    diff = _values(two_arm_ard, "EFF-ESSDAI-MCII-DIFF", avisit="Week 24")
    assert diff["estimate"] == pytest.approx(7 / 8 - 3 / 4)
    methods = two_arm_ard.loc[(two_arm_ard["analysis_id"] == "EFF-ESSDAI-MCII-DIFF"), ["avisit", "method"]]
    assert methods.groupby("avisit")["method"].first().str.contains("treatment policy").to_dict() == {
        "Week 12": False, "Week 24": True}


def test_logistic_odds_ratio_rows_and_the_separation_case(two_arm_ard):
    diff = _values(two_arm_ard, "EFF-ESSDAI-MCII-LOGISTIC-DIFF", avisit="Week 12")
    assert set(diff) == set(comparisons.DIFF_STATS) and diff["ci_lower"] < diff["estimate"] < diff["ci_upper"]
    rows = arms.analysis_records(_two_arm_adsl(), _two_arm_adeff(), paramcd="ESSDAI")
    all_respond = rows.assign(CRIT1FL=np.where(rows["TRTP"] == BARI, "Y", rows["CRIT1FL"]))
    out = arms.compare_responders(all_respond, paramcd="ESSDAI", flag="CRIT1FL", avisit="Week 12", reference=HCQ)
    assert "EFF-ESSDAI-MCII-DIFF" in set(out["analysis_id"])  # rates still compared
    assert not out["analysis_id"].str.contains("LOGISTIC").any()  # no infinite odds ratio


# --------------------------------------------------------------------------------------------
# Change: ANCOVA and repeated measures
# --------------------------------------------------------------------------------------------

def test_ancova_difference_is_the_difference_of_mean_changes_with_balanced_baselines(two_arm_ard):
    diff = _values(two_arm_ard, "EFF-ESSDAI-CHG-DIFF", avisit="Week 12")
    assert diff["estimate"] == pytest.approx(-31 / 8 - (-6 / 4), abs=1e-12)  # -3.875 - (-1.5) = -2.375
    method = two_arm_ard.loc[two_arm_ard["analysis_id"] == "EFF-ESSDAI-CHG-DIFF", "method"].iloc[0]
    # with the centre: 12 - 4 parameters = 8 residual df < MIN_RESIDUAL_DF, so it is left out and said so
    assert "SITEID left out (fewer than 10 residual df with it)" in method
    lsm = {g: _values(two_arm_ard, "EFF-ESSDAI-CHG", avisit="Week 12", group=g) for g in (BARI, HCQ)}
    assert lsm[BARI]["lsmean"] - lsm[HCQ]["lsmean"] == pytest.approx(-2.375)
    assert (lsm[BARI]["n"], lsm[HCQ]["n"]) == (8, 4)


def test_ancova_keeps_the_centre_when_estimable():
    rows = arms.analysis_records(_two_arm_adsl(), _two_arm_adeff(), paramcd="ESSDAI")
    many = pd.concat([rows.assign(USUBJID=rows["USUBJID"] + f"-{k}") for k in range(3)], ignore_index=True)
    out = arms.compare_change(many, paramcd="ESSDAI", avisit="Week 12", reference=HCQ)
    method = out.loc[out["analysis_id"] == "EFF-ESSDAI-CHG-DIFF", "method"].iloc[0]
    assert "+ SITEID" in method and "left out" not in method
    week12 = many[many["AVISIT"] == "Week 12"]
    direct = comparisons.compare_arms_ancova(week12.assign(TRTP=week12["TRTP"].astype(str)), reference=HCQ,
                                             factors=["SITEID"])
    assert _values(out, "EFF-ESSDAI-CHG-DIFF")["estimate"] == pytest.approx(direct.differences["estimate"].iloc[0])
    assert direct.info["df"] == 36 - 4


def test_repeated_measures_treatment_policy_and_hypothetical_sensitivity(two_arm_ard):
    tp = two_arm_ard[two_arm_ard["analysis_id"] == "EFF-ESSDAI-MMRM"]
    hypo = two_arm_ard[two_arm_ard["analysis_id"] == "EFF-ESSDAI-MMRM-HYPO"]
    n_at = lambda rows, visit: rows[(rows["stat_name"] == "n") & (rows["avisit"] == visit)].set_index("group")[
        "stat_value"].to_dict()
    assert n_at(tp, "Week 24") == {HCQ: 4, BARI: 8}
    assert n_at(hypo, "Week 24") == {HCQ: 1, BARI: 8}  # the three switched patients' week 24 set to missing
    assert n_at(hypo, "Week 12") == {HCQ: 4, BARI: 8}
    for analysis_id, strategy in (("EFF-ESSDAI-MMRM-DIFF", "treatment policy"), ("EFF-ESSDAI-MMRM-HYPO-DIFF",
                                                                                   "hypothetical")):
        rows = two_arm_ard[two_arm_ard["analysis_id"] == analysis_id]
        assert sorted(set(rows["avisit"])) == ["Week 12", "Week 24"]
        assert rows["method"].str.contains(f"{strategy}:").all()
        assert rows["method"].str.contains("on 9 between-subject df").all()  # 12 subjects - 2 arms - 1 (baseline)
    # with complete data at week 12 and the same baselines, the week-12 difference is the difference in means
    assert _values(two_arm_ard, "EFF-ESSDAI-MMRM-DIFF", avisit="Week 12")["estimate"] == pytest.approx(-2.375,
                                                                                                         abs=1e-6)


def test_hypothetical_rows_show_the_records_their_model_reads(two_arm_ard):
    # Week 24 of the control arm: by treatment policy S09-S12 (changes -3, -4, -3, -1: mean -2.75, SD sqrt(4.75/3));
    # without the switched patients' post-switch records (hypothetical), S09 alone. The columns showed the first for
    # both rows, beside an estimate that left the switched patients' week 24 out.
    table = arms.format_arms_table(two_arm_ard, analysis_ids=["EFF-ESSDAI-MMRM", "EFF-ESSDAI-MMRM-HYPO"])
    week24 = table[table["Visit"] == "Week 24"].set_index("Analysis")
    assert week24.loc[arms.ANALYSIS_LABELS["MMRM"], HCQ] == "-2.8 (1.26) [4]"
    assert week24.loc[arms.ANALYSIS_LABELS["HYPO"], HCQ] == f"-3.0 ({tables.MISSING}) [1]"
    assert week24.loc[arms.ANALYSIS_LABELS["HYPO"], BARI] == week24.loc[arms.ANALYSIS_LABELS["MMRM"], BARI]
    assert "hypothetical: without the records after a switch" in arms.CELLS_NOTE
    # the row label says what the columns then hold (``post_switch``: the switched patients' later records left out)
    assert arms.ANALYSIS_LABELS["HYPO"] == ("Repeated measures: difference in mean change (hypothetical: records "
                                            "after a switch left out)")
    assert "a rate difference above 0, or an odds ratio above 1, favours the arm named first" in arms.CELLS_NOTE


@pytest.mark.parametrize("arm", ["TRT01P", "TRT01A"])
def test_the_arm_can_be_any_adam_arm_variable(two_arm_ard, arm):
    out = arms.summarize_arms(_two_arm_adsl(), _two_arm_adeff().drop(columns=["TRTP"]), arm=arm,
                              change_paramcds=())
    got = _values(out, "EFF-ESSDAI-MCII-DIFF", avisit="Week 12")
    assert got == _values(two_arm_ard, "EFF-ESSDAI-MCII-DIFF", avisit="Week 12")
    assert set(out.loc[out["analysis_id"] == "EFF-ESSDAI-MCII", "group"]) == {HCQ, BARI, "Total"}


def test_without_a_switch_flag_there_is_no_hypothetical_analysis():
    out = arms.summarize_arms(_two_arm_adsl().drop(columns=["SWITCHFL"]), _two_arm_adeff().drop(columns=["TRTA"]))
    assert "EFF-ESSDAI-MMRM-HYPO" not in set(out["analysis_id"])
    assert not out["method"].str.contains("treatment policy").any()


def test_summary_rows_by_arm_and_total(two_arm_ard):
    chg = two_arm_ard[(two_arm_ard["analysis_id"] == "EFF-ESSDAI-SUMMARY-ARMS") & (two_arm_ard["variable"] == "CHG")
                      & (two_arm_ard["avisit"] == "Week 12")]
    means = chg[chg["stat_name"] == "mean"].set_index("group")["stat_value"]
    assert means.to_dict() == pytest.approx({BARI: -3.875, HCQ: -1.5, "Total": -37 / 12})
    assert set(two_arm_ard["section"]) == {arms.SECTION}
    assert ard_mod.stack_ard([two_arm_ard]).shape == two_arm_ard.shape  # no duplicate statistic


def test_summaries_by_arm_name_the_quartile_rule_of_the_pooled_ones(two_arm_ard):
    methods = set(two_arm_ard.loc[two_arm_ard["analysis_id"] == "EFF-ESSDAI-SUMMARY-ARMS", "method"])
    assert methods == {"n, mean, SD (n-1), median, Q1/Q3 (Hyndman-Fan type 2, as SAS QNTLDEF=5), min, max "
                       "(observed cases)"}


def test_every_diff_row_has_the_four_statistics_and_a_method(two_arm_ard):
    diff = two_arm_ard[two_arm_ard["analysis_id"].str.endswith("-DIFF")]
    assert set(diff["analysis_id"]) == {"EFF-ESSDAI-MCII-DIFF", "EFF-ESSDAI-MCII-NRI-DIFF",
                                        "EFF-ESSDAI-MCII-LOGISTIC-DIFF", "EFF-ESSDAI-CHG-DIFF",
                                        "EFF-ESSDAI-MMRM-DIFF", "EFF-ESSDAI-MMRM-HYPO-DIFF"}
    assert (diff.groupby(["analysis_id", "avisit", "group"])["stat_name"].apply(tuple)
            == comparisons.DIFF_STATS).all()
    assert diff["method"].str.len().gt(0).all() and diff["stat_value"].notna().all()


# --------------------------------------------------------------------------------------------
# Display
# --------------------------------------------------------------------------------------------

def test_responder_table_shows_each_arm_the_total_and_the_difference(two_arm_ard):
    table = arms.format_arms_table(two_arm_ard, analysis_ids=["EFF-ESSDAI-MCII"])
    assert list(table.columns) == ["Endpoint", "Visit", "Analysis", "Comparison", HCQ, BARI, "Total",
                                   "Estimate (95% CI)", "p-value"]
    week12 = table[table["Visit"] == "Week 12"].iloc[0]
    assert (week12[HCQ], week12[BARI], week12["Total"]) == ("1/4 (25.0)", "6/8 (75.0)", "7/12 (58.3)")
    assert week12["Estimate (95% CI)"].startswith("50.0 (")
    assert week12["p-value"] == "0.222"
    assert table["Visit"].tolist() == ["Week 12", "Week 24"]


def test_change_table_and_sentences(two_arm_ard):
    table = arms.format_arms_table(two_arm_ard, analysis_ids=["EFF-ESSDAI-CHG", "EFF-ESSDAI-MMRM"])
    first = table.iloc[0]
    assert (first[BARI], first[HCQ]) == ("-3.9 (2.03) [8]", "-1.5 (1.29) [4]")  # SDs sqrt(28.875/7), sqrt(5/3)
    assert first["Estimate (95% CI)"].startswith("-2.4 (")
    text = arms.describe_comparison(two_arm_ard, analysis_id="EFF-ESSDAI-CHG", avisit="Week 12", what="ESSDAI")
    assert text.startswith(f"At Week 12, the mean change in ESSDAI in the {BARI} arm was 2.4 points lower than in the "
                           f"{HCQ} arm")
    mcii = arms.describe_comparison(two_arm_ard, analysis_id="EFF-ESSDAI-MCII", avisit="Week 12",
                                    what="the ESSDAI MCII")
    assert mcii == (f"At Week 12, the ESSDAI MCII was reached by 6 of the 8 patients evaluable (75.0%) randomised to "
                    f"{BARI} and 1 of the 4 patients evaluable (25.0%) randomised to {HCQ}: a difference of 50.0 "
                    "percentage points (95% CI -6.4 to 77.1; p = 0.222, Fisher's exact test).")
    week24 = arms.describe_comparison(two_arm_ard, analysis_id="EFF-ESSDAI-MCII", avisit="Week 24",
                                      what="the ESSDAI MCII")
    assert week24.startswith("At Week 24 (treatment policy: each patient in the arm randomised")
    same = two_arm_ard.assign(stat_value=np.where(
        (two_arm_ard["analysis_id"] == "EFF-ESSDAI-CHG-DIFF") & (two_arm_ard["stat_name"] == "estimate"), 0.04,
        two_arm_ard["stat_value"]))
    assert "was about the same as in the" in arms.describe_comparison(same, analysis_id="EFF-ESSDAI-CHG",
                                                                     avisit="Week 12", what="ESSDAI")
    assert "no records" in arms.describe_comparison(two_arm_ard, analysis_id="EFF-PGA-CHG", avisit="Week 12",
                                                    what="PGA")
    assert "Newcombe" in arms.methods_note(two_arm_ard, analysis_ids=["EFF-ESSDAI-MCII"])


def test_a_comparison_at_a_visit_not_yet_due_for_every_patient_says_so(two_arm_ard):
    """At an interim cut week 24 was due for 9 of 12 patients: the comparison rests on those enrolled first."""
    from analysis_utils.efficacy_ard import summarize_visits_due

    adsl = pd.DataFrame({"USUBJID": [f"S{i}" for i in range(12)], "FASFL": "Y", "DUE12FL": "Y",
                         "DUE24FL": ["Y"] * 9 + ["N"] * 3})
    week24 = arms.describe_comparison(two_arm_ard, analysis_id="EFF-ESSDAI-MCII", avisit="Week 24",
                                      what="the ESSDAI MCII", due=summarize_visits_due(adsl))
    assert week24.endswith("At this interim data cut Week 24 was not yet due for 3 of the 12 patients: the "
                           "comparison rests on those enrolled first and may change at the final analysis.")
    final = arms.describe_comparison(two_arm_ard, analysis_id="EFF-ESSDAI-MCII", avisit="Week 24",
                                     what="the ESSDAI MCII", due=summarize_visits_due(adsl.assign(DUE24FL="Y")))
    assert "interim" not in final and final.startswith(week24.split(" At this interim")[0])


def test_each_arm_by_visit_table_hand_worked(two_arm_ard):
    table = arms.format_summary_by_arm(two_arm_ard, arms=[HCQ, BARI], paramcds=["ESSDAI", "PGA"])
    assert list(table.columns) == [("", "Parameter"), ("", "Visit"), ("", "Variable"),
                                   *((g, c) for g in (HCQ, BARI, "Total") for c in arms.SUMMARY_COLUMNS)]
    assert table[[("", "Visit"), ("", "Variable")]].values.tolist() == [
        ["Baseline", "Value"], ["Week 12", "Value"], ["Week 24", "Value"],
        ["Week 12", "Change from baseline"], ["Week 24", "Change from baseline"]]  # no PGA record: no PGA row
    week12 = table.iloc[3]
    # HCQ changes -3, -1, 0, -2: mean -1.5, SD sqrt(5/3) = 1.291; type-2 quartiles of (-3, -2, -1, 0): n q = 1 and 3
    # are integers, so Q1 = (-3 + -2) / 2, Q3 = (-1 + 0) / 2; median (-2 + -1) / 2
    assert week12[HCQ].tolist() == ["4", "-1.5 (1.29)", "-1.5 [-2.5, -0.5]"]
    # baricitinib -6, -4, -3, -5, -3, -1, -7, -2: sorted -7 -6 -5 -4 -3 -3 -2 -1; mean -31/8 = -3.875,
    # SD sqrt(28.875/7) = 2.031; Q1 = (-6 + -5) / 2, median (-4 + -3) / 2, Q3 = (-3 + -2) / 2
    assert week12[BARI].tolist() == ["8", "-3.9 (2.03)", "-3.5 [-5.5, -2.5]"]
    # all twelve: sum -37, mean -3.083; sum of squares 163, SD sqrt((163 - 37 ** 2 / 12) / 11) = 2.109; sorted
    # -7 -6 -5 -4 -3 -3 -3 -2 -2 -1 -1 0: Q1 = (-5 + -4) / 2, median (-3 + -3) / 2, Q3 = (-2 + -1) / 2
    assert week12["Total"].tolist() == ["12", "-3.1 (2.11)", "-3.0 [-4.5, -1.5]"]
    assert table.iloc[0][HCQ].tolist() == ["4", "11.0 (2.58)", "11.0 [9.0, 13.0]"]  # baselines 8, 10, 12, 14


def test_each_arm_by_visit_table_at_an_interim_cut_shows_an_arm_without_values():
    rows = _two_arm_adeff()
    rows = rows[~((rows["TRTP"] == HCQ) & (rows["AVISITN"] == 24))]  # no control patient at week 24 yet
    ard = arms.summarize_by_arm(rows, paramcd="ESSDAI")
    table = arms.format_summary_by_arm(ard, arms=[HCQ, BARI], paramcds=["ESSDAI"])
    week24 = table[(table[("", "Visit")] == "Week 24") & (table[("", "Variable")] == "Value")].iloc[0]
    assert week24[HCQ].tolist() == ["0", "NA", "NA"]
    assert week24[BARI].tolist()[0] == "8" and week24["Total"].tolist()[0] == "8"
    text = arms.describe_summary_by_arm(ard, arms=[HCQ, BARI], paramcd="ESSDAI")
    # week 24 has no control value: week 12, the last in both arms
    assert text == (f"Mean ESSDAI at Baseline and at Week 12: 11.0 (n = 4) and 9.5 (n = 4) in the {HCQ} arm; 11.0 "
                    f"(n = 8) and 7.1 (n = 8) in the {BARI} arm.")
    assert arms.describe_summary_by_arm(ard.iloc[:0], arms=[HCQ, BARI], paramcd="ESSDAI") == ""


def test_each_arm_by_visit_rows_without_the_models_are_those_of_the_between_arm_analyses(two_arm_ard):
    alone = arms.summarize_endpoints_by_arm(_two_arm_adsl(), _two_arm_adeff())
    summary = two_arm_ard[two_arm_ard["analysis_id"] == "EFF-ESSDAI-SUMMARY-ARMS"]
    columns = ["analysis_id", "group", "avisit", "variable", "stat_name", "stat_value"]
    assert alone[columns].reset_index(drop=True).equals(summary[columns].reset_index(drop=True))
    medians = arms.describe_summary_by_arm(alone, arms=[HCQ, BARI], paramcd="ESSDAI", stat="median")
    # HCQ: baselines 8, 10, 12, 14, week 24 values 5, 6, 9, 13 (median (6 + 9) / 2); baricitinib: baselines 8 to 14
    # twice, week 24 values 2, 5, 5, 5, 8, 8, 9, 11 sorted (median (5 + 8) / 2)
    assert medians == (f"Median ESSDAI at Baseline and at Week 24: 11.0 (n = 4) and 7.5 (n = 4) in the {HCQ} arm; "
                       f"11.0 (n = 8) and 6.5 (n = 8) in the {BARI} arm.")


def test_laboratory_markers_by_arm_read_the_analysed_scheduled_samples():
    """IgG of two patients per arm at baseline and week 12, plus what the summaries must not read: a repeated
    sample not analysed (ANL01FL N), an unscheduled sample, and a patient outside the full analysis set."""
    adsl = _two_arm_adsl()
    adsl.loc[adsl["USUBJID"] == "S12", "FASFL"] = "N"
    rows = [("S01", "Baseline", 0, 20.0, None, "Y"), ("S02", "Baseline", 0, 16.0, None, "Y"),
            ("S01", "Week 12", 12, 15.0, -5.0, "Y"), ("S02", "Week 12", 12, 14.0, -2.0, "Y"),
            ("S02", "Week 12", 12, 99.0, 83.0, "N"), ("S01", "Unscheduled", None, 99.0, 79.0, "Y"),
            ("S09", "Baseline", 0, 18.0, None, "Y"), ("S10", "Baseline", 0, 12.0, None, "Y"),
            ("S09", "Week 12", 12, 17.0, -1.0, "Y"), ("S12", "Baseline", 0, 99.0, None, "Y")]
    adlb = pd.DataFrame(rows, columns=["USUBJID", "AVISIT", "AVISITN", "AVAL", "CHG", "ANL01FL"]).assign(
        PARAMCD="IGG", TRTP=lambda d: d["USUBJID"].map(dict(zip(SUBJECTS, ARM))))
    ard = arms.summarize_arms(adsl, _two_arm_adeff(), labs=adlb, lab_paramcds=("IGG", "CRP"))
    table = arms.format_summary_by_arm(ard, arms=[HCQ, BARI], paramcds=["IGG", "CRP"])
    assert table[("", "Parameter")].unique().tolist() == ["IgG (g/L)"]  # no CRP record: no CRP row
    cells = table.set_index([("", "Visit"), ("", "Variable")])
    assert cells.loc[("Baseline", "Value"), BARI].tolist() == ["2", "18.0 (2.83)", "18.0 [16.0, 20.0]"]  # 20, 16
    assert cells.loc[("Baseline", "Value"), HCQ].tolist() == ["2", "15.0 (4.24)", "15.0 [12.0, 18.0]"]  # not S12
    assert cells.loc[("Week 12", "Change from baseline"), BARI].tolist() == ["2", "-3.5 (2.12)", "-3.5 [-5.0, -2.0]"]
    assert cells.loc[("Week 12", "Value"), HCQ].tolist() == ["1", "17.0 (NA)", "17.0 [17.0, 17.0]"]
    assert cells.loc[("Week 12", "Value"), "Total"].tolist()[0] == "3"
    assert set(ard.loc[ard["paramcd"] == "IGG", "section"]) == {arms.SECTION}
    text = arms.describe_summary_by_arm(ard, arms=[HCQ, BARI], paramcd="IGG", avisit="Week 12")
    assert text.startswith(f"Mean IgG (g/L) at Baseline and at Week 12: 15.0 (n = 2) and 17.0 (n = 1) in the {HCQ} arm")


def test_remission_by_arm_counts_the_patients_involved_at_baseline_as_the_pooled_table():
    """Articular remission at week 12: S01, S02 (baricitinib) Y and N, S09 (control) Y, S03 not involved (blank),
    S12 outside the full analysis set (Y): 1/2 and 1/1, 2/3 in total, the pooled EFF-REMISSION's 2/3."""
    from analysis_utils import efficacy_ard

    adsl = _two_arm_adsl()
    adsl.loc[adsl["USUBJID"] == "S12", "FASFL"] = "N"
    adeff = pd.DataFrame({"USUBJID": ["S01", "S02", "S03", "S09", "S12"], "PARAMCD": "REMARTIC", "AVISIT": "Week 12",
                          "AVISITN": 12, "AVALC": ["Y", "N", "", "Y", "Y"]}).assign(
        TRTP=lambda d: d["USUBJID"].map(dict(zip(SUBJECTS, ARM))))
    table = arms.format_remission_by_arm(arms.summarize_arms(adsl, _two_arm_adeff().pipe(
        lambda e: pd.concat([e, adeff], ignore_index=True))), arms=[HCQ, BARI])
    assert table.values.tolist() == [["Articular involvement", "Remission", "Week 12", "1/1 (100.0)", "1/2 (50.0)",
                                      "2/3 (66.7)"]]
    pooled = efficacy_ard.summarize_remission(efficacy_ard.select_fas(adeff, adsl))
    assert _values(pooled, "EFF-REMISSION", avisit="Week 12")["n_evaluable"] == 3
    assert _values(pooled, "EFF-REMISSION", avisit="Week 12")["n_responders"] == 2
    assert arms.format_remission_by_arm(arms.summarize_arms(adsl, _two_arm_adeff()), arms=[HCQ, BARI]).empty


def test_by_arm_summaries_take_the_population_named_not_the_full_analysis_set():
    """The CDISC pilot's efficacy population is EFFFL, and its ADSL has no FASFL: the per-arm summaries of remission
    and of the laboratory markers read the population ``summarize_arms`` is given."""
    adsl = _two_arm_adsl().rename(columns={"FASFL": "EFFFL"})
    adsl.loc[adsl["USUBJID"] == "S01", "EFFFL"] = "N"
    labs = _two_arm_adeff().assign(PARAMCD="IGG", ANL01FL="Y")
    ard = arms.summarize_arms(adsl, _two_arm_adeff(), population="EFFFL", labs=labs, lab_paramcds=("IGG",))
    n = _values(ard, "EFF-IGG-SUMMARY-ARMS", avisit="Baseline", variable="AVAL", group=BARI)["n"]
    assert n == 7  # S01 left out


def test_activity_by_arm_as_the_pooled_categories_and_na_for_an_arm_not_assessed():
    """Week 24 ESSDAI of the fixture, baricitinib 2, 5, 8, 9, 5, 8, 5, 11 (all low or moderate: 4 < 5 <= 13) and no
    control patient assessed at week 24 (an interim cut): NA in the control column."""
    from analysis_utils import efficacy_ard

    adeff = _two_arm_adeff().assign(AVALCAT1=lambda d: np.where(d["AVAL"] < 5, "Low", np.where(
        d["AVAL"] <= 13, "Moderate", "High")))
    adeff = adeff[~((adeff["TRTP"] == HCQ) & (adeff["AVISIT"] == "Week 24"))]
    table = arms.format_activity_by_arm(arms.summarize_arms(_two_arm_adsl(), adeff), arms=[HCQ, BARI])
    week24 = table[table["Visit"] == "Week 24"].set_index("Activity")
    assert week24.loc["Low", [HCQ, BARI, "Total"]].tolist() == ["NA", "1/8 (12.5)", "1/8 (12.5)"]
    assert week24.loc["Moderate", BARI] == "7/8 (87.5)" and week24.loc["High", BARI] == "0/8 (0.0)"
    pooled = efficacy_ard.summarize_activity(adeff)  # the pooled table's counts, all patients together
    n = pooled[(pooled["avisit"] == "Baseline") & (pooled["stat_name"] == "n")].set_index("category")["stat_value"]
    base = table[table["Visit"] == "Baseline"].set_index("Activity")["Total"]
    assert [base[c].split("/")[0] for c in ("Low", "Moderate", "High")] == [f"{n[c]:.0f}" for c in ("Low", "Moderate",
                                                                                                  "High")]


def test_each_arm_by_visit_total_is_the_pooled_summary_of_the_efficacy_section():
    from analysis_utils import efficacy_tables, endpoints

    adsl, adeff = _two_arm_adsl(), _two_arm_adeff().assign(PCHG=np.nan)
    pooled = efficacy_tables.format_summary_table(endpoints.summarize_primary(adsl, adeff),
                                                  analysis_id="EFF-ESSDAI-SUMMARY")
    pooled = pooled[pooled["Variable"] != "% change from baseline"]
    by_arm = arms.format_summary_by_arm(arms.summarize_arms(adsl, adeff), arms=[HCQ, BARI], paramcds=["ESSDAI"])
    assert by_arm["Total"].values.tolist() == pooled[["n", "Mean (SD)", "Median [Q1, Q3]"]].values.tolist()


# --------------------------------------------------------------------------------------------
# CDISC pilot (three arms, Placebo = TRT01PN 0)
# --------------------------------------------------------------------------------------------

ADAM = paths.CDISC_PILOT / "adam"
PLACEBO, HIGH, LOW = "Placebo", "Xanomeline High Dose", "Xanomeline Low Dose"


@pytest.fixture(scope="module")
def cdisc():
    adsl = read_adam(ADAM / "adsl.xpt")
    adas = read_adam(ADAM / "adadas.csv.gz")
    adas = adas[adas["PARAMCD"] == "ACTOT"]
    # responder: ADAS-Cog(11) improved (a decrease) from baseline; evaluable when the change is known
    adas = adas.assign(CRIT1FL=np.where(adas["CHG"].isna(), "", np.where(adas["CHG"] < 0, "Y", "N")))
    return adsl, adas


def test_cdisc_pilot_reference_arm_is_placebo(cdisc):
    adsl, _ = cdisc
    assert arms.reference_arm(adsl) == PLACEBO
    assert arms.arms_of(adsl) == [PLACEBO, LOW, HIGH]  # TRT01PN 0, 54, 81


def test_cdisc_pilot_week24_ancova_from_adsl_and_adadas_reproduces_table_14_3_01(cdisc):
    """Published (CDISC pilot Table 14-3.01, ADAS-Cog(11) week 24 LOCF, site group as factor):
    High Dose - Placebo -1.0 (-2.7; 0.7) p 0.233; Low Dose - Placebo -0.5 (-2.1; 1.1) p 0.569."""
    adsl, adas = cdisc
    rows = arms.analysis_records(adsl, adas, paramcd="ACTOT", population="EFFFL", strata="SITEGR1")
    out = arms.compare_change(rows, paramcd="ACTOT", avisit="Week 24", reference=arms.reference_arm(adsl),
                              centre="SITEGR1")
    for arm, (est, lo, hi, p) in {HIGH: (-1.0, -2.7, 0.7, 0.233), LOW: (-0.5, -2.1, 1.1, 0.569)}.items():
        got = _values(out, "EFF-ACTOT-CHG-DIFF", group=f"{arm} vs {PLACEBO}")
        assert (round(got["estimate"], 1), round(got["ci_lower"], 1), round(got["ci_upper"], 1)) == (est, lo, hi)
        assert round(got["p_value"], 3) == p
    n = out[(out["analysis_id"] == "EFF-ACTOT-CHG") & (out["stat_name"] == "n")].set_index("group")["stat_value"]
    assert n.to_dict() == {PLACEBO: 79, LOW: 81, HIGH: 74}


def test_cdisc_pilot_week24_responders_by_arm(cdisc):
    adsl, adas = cdisc
    rows = arms.analysis_records(adsl, adas, paramcd="ACTOT", population="EFFFL", strata="SITEGR1")
    out = arms.compare_responders(rows, paramcd="ACTOT", flag="CRIT1FL", avisit="Week 24", reference=PLACEBO,
                                  strata="SITEGR1", variable="IMPROVED")
    week24 = adas[(adas["AVISIT"] == "Week 24") & (adas["ANL01FL"] == "Y")
                  & adas["USUBJID"].isin(adsl.loc[adsl["EFFFL"] == "Y", "USUBJID"])]
    counts = week24.groupby("TRTP")["CRIT1FL"].agg(lambda f: (int((f == "Y").sum()), int(f.isin(["Y", "N"]).sum())))
    for arm in (PLACEBO, LOW, HIGH):
        got = _values(out, "EFF-ACTOT-IMPROVED", group=arm)
        assert (got["n_responders"], got["n_evaluable"]) == counts[arm]
    total = _values(out, "EFF-ACTOT-IMPROVED", group="Total")
    assert total["n_evaluable"] == sum(n for _, n in counts) == 234
    high = _values(out, "EFF-ACTOT-IMPROVED-DIFF", group=f"{HIGH} vs {PLACEBO}")
    (x1, n1), (x0, n0) = counts[HIGH], counts[PLACEBO]
    assert high["estimate"] == pytest.approx(x1 / n1 - x0 / n0)
    method = out.loc[out["analysis_id"] == "EFF-ACTOT-IMPROVED-DIFF", "method"].iloc[0]
    assert "CMH test stratified by SITEGR1" in method  # 3 site groups of about 80 patients: not sparse
    assert "EFF-ACTOT-IMPROVED-LOGISTIC-DIFF" in set(out["analysis_id"])


# --------------------------------------------------------------------------------------------
# Notebook 04: the between-arm cells leave the single-arm report unchanged
# --------------------------------------------------------------------------------------------

def test_notebook_04_between_arm_cells_run_only_for_several_arms_and_show_nothing_otherwise():
    import json

    nb = json.loads((paths.PROJECT_ROOT / "notebooks" / "04_efficacy.ipynb").read_text(encoding="utf-8"))
    ids = [c["id"] for c in nb["cells"]]
    new = nb["cells"][ids.index("cell-05-arms-ard"):ids.index("cell-05-pooled") + 1]  # they open the section
    assert [c["id"] for c in new] == ["cell-05-arms-ard", "cell-05-arms-intro", "cell-05-arms-primary",
                                      "cell-05-arms-change", "cell-05-arms-esspri", "cell-05-arms-by-visit",
                                      "cell-05-arms-figure", "cell-05-pooled"]
    assert ids.index("cell-05-pooled") < ids.index("cell-06")  # before the first table of all patients together
    assert new[0]["metadata"]["tags"] == ["report-exclude"]
    assert "randomised = arms.has_several_arms(adsl)" in "".join(new[0]["source"])
    for cell in new:
        assert cell["outputs"] == [] and cell["execution_count"] is None
        code = [line for line in "".join(cell["source"]).splitlines() if line.strip() and not line.startswith("#")]
        body = code[code.index("if randomised:"):] if cell is new[0] else code
        assert body[0] == "if randomised:" and all(line.startswith(" ") for line in body[1:])
    for cell in new[1:]:
        assert cell["metadata"]["tags"] == ["report-if-output"]


def test_methods_text_names_every_between_arm_method_from_the_ard(two_arm_ard):
    from analysis_utils import appendix

    text = appendix.describe_between_arm_methods(two_arm_ard)
    methods = two_arm_ard.loc[two_arm_ard["analysis_id"].str.endswith("-DIFF"), "method"]
    before_estimand = (m.split("; treatment policy")[0].split("; hypothetical")[0] for m in methods)
    clauses = {c.strip() for m in before_estimand for c in m.split(";")}
    assert all(vocabulary.method_in_words(c) in text for c in clauses)  # every clause of every method, from the ARD
    assert "SITEID" not in text and "CRIT1FL" not in text  # ADaM names in words
    for words in ("Newcombe hybrid score", "Logistic regression", "ANCOVA", "between-subject df",
                  "Estimands after the treatment switch", "Treatment policy: analysed in the randomised arm",
                  "Hypothetical: post-switch records of switched patients set to missing; linear mixed model "
                  "(random intercept) under missing at random."):
        assert words in text
    assert "CMH test" in text or "Fisher's exact test" in text
    assert text.index("- Responder rates (ESSDAI)") < text.index("- Change from baseline at a visit (ESSDAI)")
    single = two_arm_ard[~two_arm_ard["analysis_id"].str.endswith("-DIFF")]
    assert appendix.describe_between_arm_methods(single) == ""  # one arm: the methods text is unchanged


def test_the_efficacy_section_opens_with_the_between_arm_tables_and_says_where_the_primary_one_is(two_arm_ard):
    """Tables 14.2.1 to 14.2.9 are the between-arm ones; the pooled tables follow (the pilot's 14.2.1 is 14.2.10).
    The note says the primary table is 14.2.1, or, before week 12 is due, that it will be."""
    assert arms.ARMS_TABLES == 9 and arms.pooled_table(1, False) == "Table 14.2.1"
    assert [arms.pooled_table(n, True) for n in (1, 14)] == ["Table 14.2.10", "Table 14.2.23"]
    adsl = _two_arm_adsl()
    text = arms.describe_efficacy_order(adsl, two_arm_ard)
    assert "the ESSDAI MCII rate at week 12, is Table 14.2.1, the first of the between-arm comparisons" in text
    assert "from Table 14.2.10 on, pool the arms" in text
    assert "all 12 patients of the full analysis set (after week 12, the 3 who switched treatment on their new " \
           "one)" in text
    baseline_only = _two_arm_adeff().query("AVISIT == 'Baseline'")  # an interim cut before any week 12
    early = arms.summarize_arms(adsl, baseline_only, visits=("Week 12",), change_paramcds=())
    assert "left out" not in text
    text = arms.describe_efficacy_order(adsl, early)
    assert "at week 12, will be Table 14.2.1, the first of the between-arm comparisons" in text
    assert "At this data cut a between-arm table or figure that cannot be estimated yet is left out, with its " \
           "number (the comparisons below say why)." in text


def test_the_between_arm_table_notes_name_the_stratum_and_the_change_in_words():
    """The notes read ADaM names in words, as the methods text (the ARD keeps the exact statement)."""
    ard = pd.DataFrame({"analysis_id": "EFF-ESSDAI-MCII-DIFF", "avisit": ["Week 12", "Week 24"],
                        "method": ["Newcombe; CMH test stratified by STRAT1R", "Newcombe; strata STRAT1R too sparse "
                                   "for CMH; treatment policy: analysed in the randomised arm (TRTP)"]})
    assert arms.methods_note(ard, analysis_ids=["EFF-ESSDAI-MCII"]).split(" | ")[1:] == [
        "Response rate, difference in % points (Week 12): Newcombe; CMH test stratified by the randomisation stratum",
        "Response rate, difference in % points (Week 24): Newcombe; the strata too sparse for CMH; treatment policy: "
        "analysed in the randomised arm"]
