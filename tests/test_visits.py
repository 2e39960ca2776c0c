"""Schedule-driven efficacy analyses: the visits come from the data, by planned week.

A toy trial with four visits (weeks 0, 4, 8 and 12, none of them the pilot's week 24) and four patients of
the full analysis set; every expected number is worked by hand in the comments.

ESSDAI by patient and week (ESSPRI and PGA are half of it):

    week   0   4   8   12
    A     10   8   6    5
    B      9   7   .    .     (left after week 4)
    C     12  11   9    8
    D      8   .   .    .     (baseline only)
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from analysis_utils import cleaning, conmeds, endpoints, plotting, visits  # noqa: E402

WEEKS = {0: "Baseline", 4: "Week 4", 8: "Week 8", 12: "Week 12"}
ESSDAI = {"A": {0: 10, 4: 8, 8: 6, 12: 5}, "B": {0: 9, 4: 7}, "C": {0: 12, 4: 11, 8: 9, 12: 8}, "D": {0: 8}}


def _toy_trial():
    rows = [(s, p, w, v * factor) for s, by_week in ESSDAI.items() for w, v in by_week.items()
            for p, factor in (("ESSDAI", 1.0), ("ESSPRI", 0.5), ("PGA", 0.5))]
    adeff = pd.DataFrame(rows, columns=["USUBJID", "PARAMCD", "AVISITN", "AVAL"])
    adeff.insert(2, "AVISIT", adeff["AVISITN"].map(WEEKS))
    base = adeff[adeff["AVISITN"] == 0].set_index(["USUBJID", "PARAMCD"])["AVAL"]
    adeff["BASE"] = [base[(s, p)] for s, p in zip(adeff["USUBJID"], adeff["PARAMCD"])]
    adeff["CHG"] = (adeff["AVAL"] - adeff["BASE"]).where(adeff["AVISITN"] > 0)
    adeff["PCHG"] = 100 * adeff["CHG"] / adeff["BASE"]
    post, essdai, esspri = adeff["AVISITN"] > 0, adeff["PARAMCD"] == "ESSDAI", adeff["PARAMCD"] == "ESSPRI"
    adeff["CRIT1FL"] = np.where(essdai & post, np.where(adeff["CHG"] <= -3, "Y", "N"), "")
    adeff["CRIT2FL"] = np.where(esspri & post, np.where(adeff["CHG"] <= -1, "Y", "N"), "")
    adeff["CRIT3FL"] = np.where(esspri, np.where(adeff["AVAL"] < 5, "Y", "N"), "")
    adeff["AVALCAT1"] = np.where(essdai, np.where(adeff["AVAL"] < 5, "Low", "Moderate"), "")
    adeff["AVALC"] = ""
    adsl = pd.DataFrame({"USUBJID": list("ABCD"), "FASFL": "Y", "TRT01P": "Drug"})
    adlb = adeff.iloc[:0].assign(ANL01FL="")
    return adsl, adeff, adlb


@pytest.fixture(scope="module")
def toy_ard():
    return endpoints.summarize_efficacy(*_toy_trial())


def _stat(ard, analysis_id, stat_name, **where):
    rows = ard[(ard["analysis_id"] == analysis_id) & (ard["stat_name"] == stat_name)]
    for column, value in where.items():
        rows = rows[rows[column] == value]
    assert len(rows) == 1, (analysis_id, stat_name, where)
    return rows["stat_value"].iloc[0]


def test_the_visits_are_those_of_the_data_by_planned_week():
    _, adeff, _ = _toy_trial()
    shuffled = adeff.sample(frac=1.0, random_state=1)
    assert visits.visit_weeks(shuffled) == {"Baseline": 0, "Week 4": 4, "Week 8": 8, "Week 12": 12}
    assert [visits.visit_code(w) for w in (4, 8, 12)] == ["W4", "W8", "W12"]
    unscheduled = pd.concat([adeff, adeff.iloc[[0]].assign(AVISIT="Unscheduled", AVISITN=np.nan)])
    assert endpoints.select_fas(unscheduled, _toy_trial()[0])["AVISIT"].nunique() == 4  # unscheduled left out


def test_the_visits_and_their_weeks_follow_the_schedule_order_of_cleaning():
    # Default visits merged with the data's, a non-whole week, an unscheduled record: same order as visit_order.
    d = pd.DataFrame({"AVISIT": ["Week 24", "Week 2.5", "Baseline", "Unscheduled"], "AVISITN": [24, 2.5, 0, None]})
    weeks = visits.visit_weeks(d, default=("Week 12",))
    assert weeks == {"Baseline": 0, "Week 2.5": 2.5, "Week 12": 12, "Week 24": 24}
    assert tuple(weeks) == cleaning.visit_order(d, default=("Week 12",))


def test_a_summary_has_the_four_visits_in_schedule_order(toy_ard):
    table = endpoints.format_summary_table(toy_ard, analysis_id="EFF-ESSDAI-SUMMARY")
    values = table[table["Variable"] == "Value"]
    assert values["Visit"].tolist() == ["Baseline", "Week 4", "Week 8", "Week 12"]
    assert values["n"].tolist() == ["4", "3", "2", "2"]
    assert _stat(toy_ard, "EFF-ESSDAI-SUMMARY", "mean", avisit="Week 4", variable="AVAL") == pytest.approx(26 / 3)
    changes = table[table["Variable"] == "Change from baseline"]
    assert changes["Visit"].tolist() == ["Week 4", "Week 8", "Week 12"]


def test_paired_analyses_at_every_post_baseline_visit(toy_ard):
    # Week 4 changes: A -2, B -2, C -1 -> mean -5/3; week 8: A -4, C -3 -> -3.5.
    assert _stat(toy_ard, "EFF-ESSDAI-W4-TTEST", "estimate") == pytest.approx(-5 / 3)
    assert _stat(toy_ard, "EFF-ESSDAI-W8-TTEST", "estimate") == pytest.approx(-3.5)
    assert endpoints.format_paired_table(toy_ard, paramcds=["ESSDAI"])[("", "Visit")].tolist() == [
        "Week 4", "Week 8", "Week 12"]
    assert endpoints.paired_analysis_ids(toy_ard, ["PGA"])[::4] == ["EFF-PGA-W4-TTEST", "EFF-PGA-W8-TTEST",
                                                                    "EFF-PGA-W12-TTEST"]


def test_locf_carries_through_weeks_4_and_8():
    _, adeff, _ = _toy_trial()
    locf = endpoints.impute_locf(adeff[adeff["PARAMCD"] == "ESSDAI"], subjects=list("ABCD"))
    carried = locf[locf["DTYPE"] == "LOCF"]
    # B: week 4 (7) carried to weeks 8 and 12; D: baseline (8) carried to weeks 4, 8 and 12, unchanged.
    assert carried[["USUBJID", "AVISIT", "AVAL", "CHG", "CRIT1FL"]].values.tolist() == [
        ["B", "Week 8", 7.0, -2.0, "N"], ["B", "Week 12", 7.0, -2.0, "N"],
        ["D", "Week 4", 8.0, 0.0, "N"], ["D", "Week 8", 8.0, 0.0, "N"], ["D", "Week 12", 8.0, 0.0, "N"]]
    bocf = endpoints.impute_bocf(adeff[adeff["PARAMCD"] == "ESSDAI"], subjects=list("ABCD"))
    assert bocf.loc[bocf["DTYPE"] == "BOCF", ["USUBJID", "AVISIT", "AVAL"]].values.tolist() == [
        ["B", "Week 8", 9.0], ["B", "Week 12", 9.0], ["D", "Week 4", 8.0], ["D", "Week 8", 8.0], ["D", "Week 12", 8.0]]


def test_missing_data_approaches_at_each_visit(toy_ard):
    # LOCF week 8: A -4, B -2, C -3, D 0 -> -9/4; week 12: A -5, B -2, C -4, D 0 -> -11/4, MCII A and C: 2/4.
    assert _stat(toy_ard, "EFF-ESSDAI-W8-TTEST-LOCF", "estimate") == pytest.approx(-2.25)
    assert _stat(toy_ard, "EFF-ESSDAI-W12-TTEST-LOCF", "estimate") == pytest.approx(-2.75)
    assert _stat(toy_ard, "EFF-ESSDAI-MCII-LOCF", "n_responders", avisit="Week 12") == 2.0
    assert _stat(toy_ard, "EFF-ESSDAI-MCII-LOCF", "n_evaluable", avisit="Week 12") == 4.0
    # BOCF week 8: A -4, B 0, C -3, D 0 -> -7/4.
    assert _stat(toy_ard, "EFF-ESSDAI-W8-TTEST-BOCF", "estimate") == pytest.approx(-1.75)
    table = endpoints.format_sensitivity_table(toy_ard, paramcd="ESSDAI")
    assert len(table) == 12  # observed cases, BOCF, LOCF and mixed model at weeks 4, 8 and 12
    assert table.loc[table["Analysis"] == "FAS (mixed model)", "Visit"].tolist() == ["Week 4", "Week 8", "Week 12"]


def test_carried_forward_rows_need_a_patient_observed_at_the_visit(toy_ard):
    """Without the observed cases of week 12 (nobody assessed at it yet), its BOCF and LOCF rows would rest on
    imputed values alone: the table leaves them out, and keeps weeks 4 and 8."""
    observed_w12 = toy_ard["analysis_id"].str.fullmatch(r"EFF-ESSDAI-W12-(TTEST|WILCOXON)")
    table = endpoints.format_sensitivity_table(toy_ard[~observed_w12], paramcd="ESSDAI")
    carried = table[table["Analysis"].isin(["FAS (BOCF)", "FAS (LOCF)"])]
    assert carried["Visit"].tolist() == ["Week 4", "Week 8"] * 2


def test_mixed_model_and_friedman_use_every_visit(toy_ard):
    # Containment df: 11 records - 4 subjects - 3 visit effects = 4 (D, seen once, adds nothing).
    for avisit in ("Week 4", "Week 8", "Week 12"):
        assert _stat(toy_ard, "EFF-ESSDAI-MIXED", "df", avisit=avisit) == 4.0
    # Friedman across the 4 visits: df 3, complete cases A and C.
    assert _stat(toy_ard, "EFF-ESSDAI-FRIEDMAN", "df") == 3.0
    assert _stat(toy_ard, "EFF-ESSDAI-FRIEDMAN", "n") == 2.0
    method = toy_ard.loc[toy_ard["analysis_id"] == "EFF-ESSDAI-FRIEDMAN", "method"].iloc[0]
    assert method.startswith("Friedman test across Baseline, Week 4, Week 8, Week 12 on complete cases")
    assert "at all four visits" in endpoints.describe_friedman(toy_ard)


def test_sentences_and_visit_lists_follow_the_schedule(toy_ard):
    assert endpoints.analysis_visits(toy_ard) == ["Baseline", "Week 4", "Week 8", "Week 12"]
    assert endpoints.describe_population(toy_ard) == (
        "Patients of the full analysis set with an ESSDAI assessment: 4 at Baseline, 3 at Week 4, 2 at Week 8, "
        "2 at Week 12.")
    assert endpoints.describe_course(toy_ard, paramcd="ESSDAI") == (
        "Mean ESSDAI by visit: 9.8 at Baseline (n = 4), 8.7 at Week 4 (n = 3), 7.5 at Week 8 (n = 2), "
        "6.5 at Week 12 (n = 2).")
    assert _stat(toy_ard, "EFF-VISITS-DUE", "n_due", avisit="Week 4") == 4.0  # no due flags: every visit due
    assert set(toy_ard["group"]) == {"Drug"}  # the one arm of ADSL


def test_visits_without_a_due_flag_follow_the_next_flagged_visit():
    adsl = pd.DataFrame({"USUBJID": list("ABC"), "DUE12FL": ["Y", "N", "Y"], "DUE24FL": ["N", "N", "Y"],
                         "EOSSTT": ["ONGOING", "ONGOING", "COMPLETED"]})
    weeks = {"Baseline": 0, "Week 4": 4, "Week 12": 12, "Week 16": 16, "Week 24": 24, "Week 28": 28}
    due = visits.visits_due(adsl, weeks).groupby("AVISIT", sort=False)["USUBJID"].agg("".join)
    # Week 4 as week 12 (A, C); week 16 as week 24 (C); week 28, after every flag: C left the study.
    assert due.to_dict() == {"Week 4": "AC", "Week 12": "AC", "Week 16": "C", "Week 24": "C", "Week 28": "C"}


def test_pooled_rows_of_several_arms_are_all_patients():
    adsl, adeff, adlb = _toy_trial()
    two_arms = adsl.assign(TRT01P=["Drug", "Control", "Drug", "Control"])
    assert set(endpoints.summarize_course(two_arms, adeff)["group"]) == {"All patients"}


def test_figures_show_every_visit():
    plt.close("all")  # figures left open by earlier tests
    _, adeff, _ = _toy_trial()
    box = plotting.plot_box_points(adeff, paramcd="ESSDAI", seed=1)
    assert [t.get_text() for t in box.get_xticklabels()] == ["Baseline", "Week 4", "Week 8", "Week 12"]
    lines = plotting.plot_trajectories(adeff, paramcd="ESSDAI")
    assert [t.get_text() for t in lines.get_xticklabels()] == ["Baseline", "Week 4", "Week 8", "Week 12"]
    plt.close("all")


def test_glucocorticoid_visit_dates_cover_every_visit():
    adsl = pd.DataFrame({"USUBJID": ["A"], "TRTSDT": pd.to_datetime(["2021-07-01"])})
    adeff = pd.DataFrame({"USUBJID": "A", "AVISIT": ["Baseline", "Week 4", "Week 8"], "AVISITN": [0, 4, 8],
                          "ADT": pd.to_datetime(["2021-06-30", "2021-07-29", "2021-08-26"])})
    dates = conmeds.visit_dates(adsl, adeff)
    assert dates[["AVISIT", "AVISITN"]].values.tolist() == [["Baseline", 0], ["Week 4", 4], ["Week 8", 8]]
