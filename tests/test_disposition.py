"""Tests of analysis_utils.disposition: disposition, exposure, Table 1 and listings,
hand-worked and on the CDISC pilot ADSL."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from analysis_utils import disposition, io, paths, vocabulary  # noqa: E402

ADAM = paths.CDISC_PILOT / "adam"


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _adsl():
    # S1 completes; S2 completes week 12 then is lost; S3 stops for HBV reactivation before week 12;
    # S4 is enrolled but never treated (withdrew consent).
    return pd.DataFrame({
        "USUBJID": ["S1", "S2", "S3", "S4"],
        "TRT01P": "Bari", "TRT01A": ["Bari", "Bari", "Bari", ""],
        "SAFFL": ["Y", "Y", "Y", "N"],
        "COMP12FL": ["Y", "Y", "N", "N"], "COMP24FL": ["Y", "N", "N", "N"],
        "EOSSTT": ["COMPLETED", "DISCONTINUED", "DISCONTINUED", "DISCONTINUED"],
        "DCSREAS": ["", "Lost to follow-up", "Adverse event", "Withdrew consent"],
        "TRTSDT": pd.to_datetime(["2021-07-01", "2021-07-05", "2021-07-10", None]),
        "TRTEDT": pd.to_datetime(["2021-12-16", "2021-10-01", "2021-08-01", None]),
        "EOSDT": pd.to_datetime(["2021-12-16", "2021-11-01", "2021-08-05", "2021-06-20"]),
        "DTHFL": ["N", "N", "N", "N"],
        "AGE": [45.0, 52.0, 38.0, 60.0], "SEX": ["F", "F", "M", "F"],
        "ANTISSA": ["POSITIVE", "NEGATIVE", "POSITIVE", "POSITIVE"],
        "TRTDURD": [169.0, 89.0, 23.0, np.nan], "CUMDOSE": [338.0, 178.0, 46.0, np.nan],
        "ADHERPCT": [100.0, 100.0, 100.0, np.nan],
    })


def test_disposition_stages_pinned():
    assert dict(disposition.DISPOSITION_STAGES) == {
        "Enrolled": None, "Treated": "SAFFL", "Completed week 12": "COMP12FL",
        "Completed week 24": ("EOSSTT", "COMPLETED")}


def test_completed_without_week_24_visit_is_counted_once_as_the_crf_says():
    # S1 is recorded COMPLETED but has no week-24 visit (COMP24FL = N): counted completed, as the CRF says.
    adsl = _adsl().assign(COMP24FL="N")
    out = disposition.summarize_disposition(adsl).set_index(["category", "reason"])["n_subjects"]
    assert out[("Completed week 24", "")] == 1
    assert out[("Completed week 24", "")] + out[("Discontinued", "")] + out[("Ongoing at data cut-off", "")] \
        == out[("Enrolled", "")] == 4


def test_disposition_adds_up_to_the_enrolled_with_ongoing_patients():
    adsl = _adsl().assign(EOSSTT=["ONGOING", "DISCONTINUED", "DISCONTINUED", "DISCONTINUED"], DCSREAS=[
        "", "Lost to follow-up", "Adverse event", "Withdrew consent"])
    out = disposition.summarize_disposition(adsl).set_index(["category", "reason"])["n_subjects"]
    assert (out[("Completed week 24", "")], out[("Discontinued", "")], out[("Ongoing at data cut-off", "")]) == (0, 3, 1)


def test_data_cut_is_interim_while_a_patient_is_ongoing_or_a_visit_not_due():
    adsl = _adsl().assign(DUE12FL="Y", DUE24FL="Y")
    assert disposition.is_final_cut(adsl)
    assert not disposition.is_final_cut(adsl.assign(DUE24FL=["Y", "Y", "Y", "N"]))
    assert not disposition.is_final_cut(adsl.assign(EOSSTT=["ONGOING"] + ["DISCONTINUED"] * 3))
    cut = disposition.summarize_data_cut(adsl.assign(EOSSTT=["ONGOING"] + ["DISCONTINUED"] * 3,
                                                     DUE24FL=["N", "Y", "Y", "Y"]))
    got = cut.set_index(["avisit", "stat_name"])["stat_value"].to_dict()
    assert got == {("", "n_enrolled"): 4, ("", "n_completed"): 0, ("", "n_discontinued"): 3, ("", "n_ongoing"): 1,
                   ("", "n_awaiting_dose"): 0, ("", "interim"): 1, ("Week 12", "n_due"): 4, ("Week 12", "n_not_due"): 0,
                   ("Week 24", "n_due"): 3, ("Week 24", "n_not_due"): 1}
    # the ongoing patient not yet dosed: no visit is due for them (a consent before the cut, a first dose after it)
    awaiting = disposition.summarize_data_cut(adsl.assign(EOSSTT=["ONGOING"] + ["DISCONTINUED"] * 3,
                                                          TRTSDT=adsl["TRTSDT"].where(adsl.index > 0)))
    assert awaiting.set_index(["avisit", "stat_name"])["stat_value"][("", "n_awaiting_dose")] == 1
    rows = disposition.data_cut_to_ard(cut, data_cutoff="2021-12-20")
    assert set(rows["category"]) == {"interim"} and rows["label"].iloc[0] == "Data cut 2021-12-20: interim"
    assert rows["analysis_id"].eq("DISP-DATACUT").all()
    # a schedule with a week-4 visit (the randomised example's): its flag counts, in week order, as the others do
    four = adsl.assign(DUE4FL=["Y", "Y", "N", "Y"])
    assert not disposition.is_final_cut(four)
    cut = disposition.summarize_data_cut(four)
    assert cut.loc[cut["avisit"] != "", "avisit"].unique().tolist() == ["Week 4", "Week 12", "Week 24"]
    assert cut.set_index(["avisit", "stat_name"]).loc[("Week 4", "n_not_due"), "stat_value"] == 1


def test_visit_window_rule_and_deviation_listing_hand_worked():
    # Windows (validation.VISIT_WINDOWS): week 12 day 85 +/- 14 = 71-99; week 24 day 169 +/- 14 = 155-183;
    # baseline day -28 to 1. S1's week 12 on day 101 is 2 days late; S2's week 24 on day 150 is 5 days early;
    # day 99 and day 155 are inside (the limits belong to the window).
    bds = pd.DataFrame({
        "USUBJID": ["S1", "S1", "S1", "S1", "S2", "S2", "S2"],
        "AVISIT": ["Baseline", "Week 12", "Week 12", "Week 24", "Baseline", "Week 12", "Week 24"],
        "ADT": pd.to_datetime(["2021-07-01", "2021-10-09", "2021-10-09", "2021-12-16", "2021-07-01", "2021-10-07",
                               "2021-11-27"]),
        "ADY": [1, 101, 101, 169, 1, 99, 150]})
    listing = disposition.list_visit_deviations(bds)
    assert listing[["USUBJID", "AVISIT", "ADY", "WINDOW", "DAYSOUT"]].values.tolist() == [
        ["S1", "Week 12", 101, "day 71 to 99", 2], ["S2", "Week 24", 150, "day 155 to 183", -5]]
    counts = disposition.summarize_visit_deviations(bds).set_index(["avisit", "stat_name"])["stat_value"]
    assert counts[("Week 12", "n_visits")] == 2 and counts[("Week 12", "n_out_of_window")] == 1
    assert counts[("Week 24", "n_early")] == 1 and counts[("Baseline", "n_out_of_window")] == 0
    shown = disposition.format_visit_deviations(listing)
    assert shown["Days outside"].tolist() == ["+2 (late)", "-5 (early)"]
    assert "nominal visit" in disposition.VISIT_WINDOW_RULE


def test_summarize_disposition_hand_worked():
    out = disposition.summarize_disposition(_adsl())
    expected = pd.DataFrame({
        "arm": ["Bari"] * 9,
        "category": ["Enrolled", "Treated", "Completed week 12", "Completed week 24", "Discontinued",
                     "Discontinued", "Discontinued", "Discontinued", "Ongoing at data cut-off"],
        "reason": ["", "", "", "", "", "Adverse event", "Lost to follow-up", "Withdrew consent", ""],
        "n_subjects": [4, 3, 2, 1, 3, 1, 1, 1, 0],
        "big_n": [4] * 9,
        "pct": [100.0, 75.0, 50.0, 25.0, 75.0, 25.0, 25.0, 25.0, 0.0],
    })
    pd.testing.assert_frame_equal(out, expected)


def test_patients_without_an_arm_have_a_column_of_their_own():
    """A randomised trial: S4 was never randomised (a screen failure, or awaiting randomisation at an interim cut):
    no TRT01P. Its column is "Not randomised", after the arms and before the total, not a column without a name."""
    adsl = _adsl().assign(TRT01P=["Control", "Bari", "Bari", ""], TRT01PN=[1, 2, 2, None])
    out = disposition.summarize_disposition(adsl, total=True)
    enrolled = out[out["category"] == "Enrolled"].set_index("arm")["n_subjects"]
    assert enrolled.to_dict() == {"Control": 1, "Bari": 2, disposition.NOT_RANDOMISED_LABEL: 1, "Total": 4}
    assert disposition.NOT_RANDOMISED_LABEL == "Not randomised"


def test_summarize_disposition_blank_reason_is_missing_and_reasons_by_frequency():
    adsl = _adsl().assign(DCSREAS=["", "Adverse event", "Adverse event", ""])
    out = disposition.summarize_disposition(adsl)
    assert out.loc[out["reason"] != "", ["reason", "n_subjects"]].values.tolist() == [
        ["Adverse event", 2], ["Missing", 1]]


def test_summarize_disposition_counts_ongoing_subjects():
    adsl = _adsl().assign(EOSSTT=["COMPLETED", "ONGOING", "DISCONTINUED", "DISCONTINUED"])
    out = disposition.summarize_disposition(adsl)
    assert out.iloc[-1][["category", "n_subjects"]].tolist() == ["Ongoing at data cut-off", 1]


def test_format_disposition():
    out = disposition.format_disposition(disposition.summarize_disposition(_adsl()))
    assert list(out.columns) == ["Status", "Bari (N = 4)"]
    assert out.values.tolist()[:5] == [["Enrolled", "4 (100.0)"], ["Treated", "3 (75.0)"],
                                       ["Completed week 12", "2 (50.0)"], ["Completed week 24", "1 (25.0)"],
                                       ["Discontinued", "3 (75.0)"]]
    assert out["Status"].iloc[5] == "    Adverse event"


def test_summarize_exposure_safety_population_only():
    out = disposition.summarize_exposure(_adsl())
    stats = out.pivot(index="variable", columns="stat_name", values="stat_value")
    assert list(out["variable"].drop_duplicates()) == ["TRTDURD", "CUMDOSE", "ADHERPCT"]
    assert stats.loc["TRTDURD", ["n", "mean", "median", "min", "max", "missing"]].tolist() == [
        3.0, 281 / 3, 89.0, 23.0, 169.0, 0.0]
    assert stats.loc["CUMDOSE", "sd"] == pytest.approx(np.std([338.0, 178.0, 46.0], ddof=1))
    assert (out["big_n"] == 3).all()


def test_summarize_table1_order_missing_and_levels():
    adsl = _adsl().assign(AGE=[45.0, np.nan, 38.0, 60.0], SEX=["F", "", "M", "F"])
    out = disposition.summarize_table1(adsl, continuous=["AGE"], categorical=["SEX", "ANTISSA"],
                                       levels_order={"ANTISSA": ["POSITIVE", "NEGATIVE"]})
    cont = out[out["variable"] == "AGE"].set_index("stat_name")["stat_value"]
    assert list(cont.index) == list(disposition.CONTINUOUS_STATS)
    assert cont[["n", "mean", "min", "max", "missing"]].tolist() == [2.0, 41.5, 38.0, 45.0, 1.0]
    cat = out[out["stat_name"] == "n"][["variable", "category", "stat_value"]].values.tolist()
    # SEX without an order: by frequency (F 1, M 1 -> alphabetical), then Missing
    assert cat == [["AGE", "", 2.0], ["SEX", "F", 1.0], ["SEX", "M", 1.0], ["SEX", "Missing", 1.0],
                   ["ANTISSA", "POSITIVE", 2.0], ["ANTISSA", "NEGATIVE", 1.0], ["ANTISSA", "Missing", 0.0]]
    pct = out[(out["variable"] == "ANTISSA") & (out["stat_name"] == "pct")]["stat_value"].tolist()
    assert pct == [200 / 3, 100 / 3, 0.0]


def test_baseline_table_of_a_randomised_trial_is_of_every_patient_randomised_by_arm_randomised():
    """CONSORT 2010 item 15. Four randomised patients: a (T, dosed), b (C, dosed), c (C, never dosed), d (T, given C);
    e not randomised. By first treatment (the safety set) T had 1 patient and C 2 (b, d); as randomised, T has a and
    d (ages 40 and 60: mean 50), C has b and c (50, 30: mean 40), the total the 4 randomised (mean 45)."""
    adsl = pd.DataFrame({"USUBJID": list("abcde"), "SAFFL": ["Y", "Y", "N", "Y", "N"],
                         "TRT01P": ["T", "C", "C", "T", ""], "TRT01PN": [2, 1, 1, 2, None],
                         "TRT01A": ["T", "C", "", "C", ""], "TRT01AN": [2, 1, None, 1, None],
                         "AGE": [40.0, 50.0, 30.0, 60.0, 20.0]})
    t1 = disposition.table1_population(adsl, randomised=True)
    assert t1.notes == (disposition.TABLE1_RANDOMISED_NOTE,)
    assert (t1.arm, t1.population, t1.n) == ("TRT01P", "Randomised patients", 4)
    out = disposition.summarize_table1(adsl, continuous=["AGE"], arm=t1.arm, members=t1.members, total=True)
    mean = out[out["stat_name"] == "mean"].set_index("arm")["stat_value"]
    assert list(mean.index) == ["C", "T", "Total"] and mean.tolist() == [40.0, 50.0, 45.0]
    assert out.drop_duplicates("arm")["big_n"].tolist() == [2, 2, 4]
    assert disposition.table1_to_ard(out, analysis_id="DEM-DMT01", population=t1.ard_population)["population"].eq(
        "Randomised patients (TRT01P given), by arm randomised (TRT01P)").all()
    as_treated = disposition.summarize_table1(adsl, continuous=["AGE"], total=True)  # the default: the safety set
    assert as_treated.drop_duplicates("arm")["big_n"].tolist() == [2, 1, 3]


def test_summarize_table1_unknown_level_names_the_subject():
    with pytest.raises(ValueError, match=r"SEX = 'M' \(subject 'S3'\) is not in the levels given \['F'\]"):
        disposition.summarize_table1(_adsl(), categorical=["SEX"], levels_order={"SEX": ["F"]})


def test_format_table1():
    res = disposition.summarize_table1(_adsl(), continuous=["AGE"], categorical=["SEX"],
                                       levels_order={"SEX": ["F", "M"]})
    out = disposition.format_table1(res, labels={"AGE": "Age (years)", "SEX": "Sex"}, decimals={"AGE": 0})
    assert out.values.tolist() == [
        ["Age (years)", "n", "3"], ["", "Mean (SD)", "45 (7.0)"], ["", "Median [Q1, Q3]", "45 [38, 52]"],
        ["", "Min - Max", "38 - 52"], ["", "Missing", "0"],
        ["Sex", "Female", "2 (66.7)"], ["", "Male", "1 (33.3)"], ["", "Missing", "0"]]
    assert list(out.columns) == ["Characteristic", "Statistic", "Bari (N = 3)"]


def test_table1_min_and_max_show_the_decimals_of_the_data_in_every_arm():
    """Ages in whole years: min and max as 38 - 52, the mean and median at the table's one decimal, the SD at two.
    One patient's age of 44.5 in arm B: min and max at one decimal in both arms, so the rows of AGE keep one
    precision (the mean of A, (38 + 45 + 52) / 3 = 45.0; of B, 44.5)."""
    adsl = pd.DataFrame({"USUBJID": ["S1", "S2", "S3", "S4"], "TRT01A": ["A", "A", "A", "B"], "SAFFL": "Y",
                         "AGE": [38.0, 45.0, 52.0, 44.5]})
    whole = disposition.format_table1(disposition.summarize_table1(adsl.iloc[:3], continuous=["AGE"]))
    assert whole.set_index("Statistic").loc[["Mean (SD)", "Min - Max"], "A (N = 3)"].tolist() == [
        "45.0 (7.00)", "38 - 52"]
    both = disposition.format_table1(disposition.summarize_table1(adsl, continuous=["AGE"]))
    assert both.set_index("Statistic").loc["Min - Max", ["A (N = 3)", "B (N = 1)"]].tolist() == [
        "38.0 - 52.0", "44.5 - 44.5"]


def test_derive_vars_baseline_params():
    adeff = pd.DataFrame({"USUBJID": ["S1", "S1", "S2", "S2", "S3"],
                          "PARAMCD": ["ESSDAI", "ESSPRI", "ESSDAI", "ESSDAI", "PGA"],
                          "ABLFL": ["Y", "Y", "Y", "", "Y"], "AVAL": [12.0, 6.0, 9.0, 3.0, 5.0]})
    out = disposition.derive_vars_baseline_params(_adsl()[["USUBJID"]], adeff)
    expected = pd.DataFrame({"USUBJID": ["S1", "S2", "S3", "S4"], "ESSDAIBL": [12.0, 9.0, np.nan, np.nan],
                             "ESSPRIBL": [6.0, np.nan, np.nan, np.nan], "PGABL": [np.nan, np.nan, 5.0, np.nan]})
    pd.testing.assert_frame_equal(out, expected)
    with pytest.raises(ValueError, match="subject 'S2' has several baseline records of ESSDAI"):
        disposition.derive_vars_baseline_params(_adsl(), adeff.assign(ABLFL="Y"))


def test_compute_study_day_has_no_day_zero():
    start = pd.Series(pd.to_datetime(["2021-07-01"] * 4))
    dates = pd.Series(pd.to_datetime(["2021-07-01", "2021-07-02", "2021-06-30", "2021-12-15"]))
    assert disposition.compute_study_day(dates, start).tolist() == [1, 2, -1, 168]


def test_list_discontinuations_with_study_day():
    out = disposition.list_discontinuations(_adsl())
    assert out["USUBJID"].tolist() == ["S2", "S3", "S4"]
    assert out["EOSDY"].tolist()[:2] == [120, 27] and pd.isna(out["EOSDY"].iloc[2])  # whole days (Int64)
    assert out["DCSREAS"].tolist() == ["Lost to follow-up", "Adverse event", "Withdrew consent"]


def test_pilot_table1_invariants_and_independent_counts():
    adsl = io.read_adam(ADAM / "adsl.xpt")
    out = disposition.summarize_table1(adsl, continuous=["AGE", "WEIGHTBL", "BMIBL"],
                                       categorical=["SEX", "AGEGR1", "RACE"],
                                       levels_order={"AGEGR1": ["<65", "65-80", ">80"], "SEX": ["F", "M"]})
    big_n = adsl[adsl["SAFFL"] == "Y"].groupby("TRT01A").size()
    assert out.groupby("arm")["big_n"].first().to_dict() == big_n.to_dict()
    stats = out[out["category"] == ""].pivot_table(index=["arm", "variable"], columns="stat_name", values="stat_value")
    assert ((stats["n"] + stats["missing"]).groupby("arm").first() == big_n.astype(float)).all()
    assert stats.loc[("Xanomeline Low Dose", "WEIGHTBL"), "missing"] == 1  # the subject without baseline weight
    np.testing.assert_allclose(stats.xs("AGE", level="variable")["mean"], adsl.groupby("TRT01A")["AGE"].mean())
    counts = out[(out["stat_name"] == "n") & (out["category"] != "")]
    assert (counts.groupby(["arm", "variable"])["stat_value"].sum().groupby("arm").first() == big_n).all()
    sex = counts[counts["variable"] == "SEX"].pivot(index="arm", columns="category", values="stat_value")
    assert sex[["F", "M"]].astype(int).to_dict("index") == pd.crosstab(adsl["TRT01A"], adsl["SEX"]).to_dict("index")
    ages = out[(out["variable"] == "AGEGR1") & (out["stat_name"] == "n")]["category"].drop_duplicates().tolist()
    assert ages == ["<65", "65-80", ">80", "Missing"]
    pct = out[out["stat_name"] == "pct"]["stat_value"].to_numpy()
    np.testing.assert_allclose(pct, 100 * counts["stat_value"].to_numpy() / counts["big_n"].to_numpy())


def test_pilot_disposition_counts():
    adsl = io.read_adam(ADAM / "adsl.xpt")
    out = disposition.summarize_disposition(
        adsl, stages={"Enrolled": None, "Treated": "SAFFL", "Completed week 24": "COMP24FL"})
    enrolled = out[out["category"] == "Enrolled"].set_index("arm")["n_subjects"]
    assert enrolled.to_dict() == adsl.groupby("TRT01P").size().to_dict()
    reasons = out[(out["category"] == "Discontinued") & (out["reason"] != "")]
    stopped = out[(out["category"] == "Discontinued") & (out["reason"] == "")].set_index("arm")["n_subjects"]
    assert (reasons.groupby("arm")["n_subjects"].sum() == stopped.sort_index()).all()
    assert enrolled.index.tolist() == ["Placebo", "Xanomeline Low Dose", "Xanomeline High Dose"]  # by TRT01PN
    assert stopped.sum() == (adsl["EOSSTT"] == "DISCONTINUED").sum()


def test_disposition_of_several_arms_has_a_total_and_the_control_first():
    hcq, bari = "HCQ 400 mg", "Baricitinib 4 mg + HCQ 400 mg"
    adsl = pd.DataFrame({"USUBJID": ["1", "2", "3", "4", "5"], "TRT01P": [bari, bari, bari, hcq, hcq],
                         "TRT01PN": [2, 2, 2, 1, 1], "SAFFL": "Y",
                         "EOSSTT": ["COMPLETED", "DISCONTINUED", "COMPLETED", "DISCONTINUED", "DISCONTINUED"],
                         "DCSREAS": ["", "ADVERSE EVENT", "", "ADVERSE EVENT", "LOST TO FOLLOW-UP"]})
    out = disposition.summarize_disposition(adsl, stages={"Enrolled": None}, total=True)
    stopped = out[(out["category"] == "Discontinued")].set_index(["reason", "arm"])
    # HCQ: 2 of 2 left (adverse event, lost); baricitinib: 1 of 3 (adverse event); Total: 3 of 5
    assert stopped.loc["", ["n_subjects", "big_n"]].values.tolist() == [[2, 2], [1, 3], [3, 5]]
    assert stopped.loc["ADVERSE EVENT", "n_subjects"].tolist() == [1, 1, 2]
    assert disposition.format_disposition(out).columns.tolist() == [
        "Status", f"{hcq} (N = 2)", f"{bari} (N = 3)", "Total (N = 5)"]
    one = disposition.summarize_disposition(adsl.assign(TRT01P=bari), stages={"Enrolled": None})
    assert one["arm"].unique().tolist() == [bari]


def test_table1_of_several_arms_has_a_total_after_the_arms_in_code_order():
    adsl = pd.DataFrame({"USUBJID": ["1", "2", "3"], "SAFFL": "Y", "TRT01A": ["B", "A", "B"], "TRT01AN": [2, 1, 2],
                         "AGE": [40.0, 50.0, 60.0], "SEX": ["F", "M", "F"]})
    out = disposition.summarize_table1(adsl, continuous=["AGE"], categorical=["SEX"], total=True)
    means = out[out["stat_name"] == "mean"].set_index("arm")["stat_value"]
    assert means.to_dict() == {"A": 50.0, "B": 50.0, "Total": 50.0}
    women = out[(out["category"] == "F") & (out["stat_name"] == "n")][["arm", "stat_value", "big_n"]]
    assert women.astype({"arm": str}).values.tolist() == [["A", 0.0, 1], ["B", 2.0, 2], ["Total", 2.0, 3]]
    table = disposition.format_table1(out)
    assert table.columns.tolist() == ["Characteristic", "Statistic", "A (N = 1)", "B (N = 2)", "Total (N = 3)"]


# ---------------------------------------------------------------------------------------------
# a screen failure: consented, found not eligible, never treated


SCREENED = "012,01,ZZLA,SYN-HR-000012,2021-08-01,39,F,ASIAN,NOT HISPANIC OR LATINO,160.0,52.0,2019-03-02,POSITIVE," \
           "NEGATIVE,NEGATIVE,NEGATIVE,N"
SCREENED_ELIG = "012,2021-08-02,,5,4.0,0.06,Y,N,N,Y,N,Y,N,N,N,N,N,N,N,Y,Y,N,Y,N,N,N,N"  # ESSDAI below 5 (INC3)


def _with_screened(folder, disposition_line):
    from analysis_utils import export, validation
    for form, line in (("demographics", SCREENED), ("eligibility", SCREENED_ELIG), ("disposition", disposition_line)):
        path = folder / f"{form}.csv"
        path.write_text(path.read_text() + line + "\n" if line else path.read_text())
    return validation.validate_export(export.read_export(folder))


def test_a_screen_failure_is_enrolled_not_treated_and_discontinued_not_ongoing(tmp_export):
    from analysis_utils import cleaning
    result = _with_screened(tmp_export, "012,SCREEN FAILURE,2021-08-05")
    assert result.ok
    datasets = cleaning.derive_all(result.typed)
    adsl = datasets["adsl"].set_index("SUBJID")
    assert adsl.loc["012", ["SAFFL", "FASFL", "EOSSTT", "DCSREAS"]].tolist() == ["N", "N", "DISCONTINUED",
                                                                                  "SCREEN FAILURE"]
    # planned the single arm on enrolment; no actual treatment (ADaM IG: TRT01A is the treatment taken)
    assert adsl.loc["012", ["TRT01P", "TRT01PN", "TRT01A", "TRT02A"]].tolist() == [vocabulary.ARM, 1.0, "", ""]
    assert pd.isna(adsl.loc["012", "TRT01AN"]) and adsl.loc["011", "TRT01A"] == vocabulary.ARM
    # SDTM DM's arm of a screen failure, in ARM and ACTARM (cleaning.derive_arm)
    assert adsl.loc["012", ["ARM", "ACTARM"]].tolist() == ["Screen Failure"] * 2
    assert adsl.loc["011", ["ARM", "ACTARM"]].tolist() == [vocabulary.ARM] * 2
    disp = disposition.summarize_disposition(datasets["adsl"]).set_index(["category", "reason"])["n_subjects"]
    # Shipped: 11 treated, 9 completed, 2 discontinued (an adverse event, lost to follow-up), none ongoing.
    assert disp[("Enrolled", "")] == 12 and disp[("Treated", "")] == 11
    assert disp[("Discontinued", "")] == 3 and disp[("Discontinued", "SCREEN FAILURE")] == 1
    assert disp[("Ongoing at data cut-off", "")] == 0
    no_scores = pd.DataFrame(columns=["USUBJID", "PARAMCD", "AVISIT", "AVAL"])
    consort = disposition.summarize_consort(datasets["adsl"], no_scores).set_index(["box", "reason"])["n"]
    assert (consort[("Enrolled", "")], consort[("Not treated", "")], consort[("Treated", "")]) == (12, 1, 11)


def test_a_screen_failures_sample_and_event_at_screening_are_not_in_the_safety_sets_listings(tmp_export):
    """A screen failure's neutrophils of 0.5 at screening (grade 3, below the label's threshold) and a headache the
    next day: in ADLB and ADAE, a Screening sample and an event without a study day; in neither listing of the
    safety set, whose population the patient is not."""
    from analysis_utils import cleaning, ctcae, safety
    for form, line in (("labs", "012,SCR,2021-08-02,NEUT,0.5,10^9/L,1.8,6.3"),
                       ("adverse_events", "012,1,headache,Headache,Nervous system disorders,2021-08-03,2021-08-04,N,1,"
                                          "NOT RELATED,NOT APPLICABLE,RECOVERED/RESOLVED")):
        path = tmp_export / f"{form}.csv"
        path.write_text(path.read_text() + line + "\n")
    datasets = cleaning.derive_all(_with_screened(tmp_export, "012,SCREEN FAILURE,2021-08-05").typed)
    adae, adsl = datasets["adae"], datasets["adsl"]
    adlb = datasets["adlb"].assign(ATOXGR=lambda d: ctcae.grade_ctcae(d))
    sample = adlb[adlb["USUBJID"] == "NCT04916756-01-012"]
    assert sample[["AVISIT", "AVAL", "ATOXGR", "ANL01FL"]].values.tolist() == [["Screening", 0.5, 3.0, "N"]]
    assert pd.isna(sample["ADY"].iloc[0]) and (adae["USUBJID"] == "NCT04916756-01-012").sum() == 1
    # the pilot's other alert: 007's HBV DNA detected on day 22
    assert safety.list_lab_alerts(adlb)["USUBJID"].tolist() == ["NCT04916756-01-007", "NCT04916756-01-012"]
    assert safety.list_lab_alerts(adlb, adsl=adsl)["USUBJID"].tolist() == ["NCT04916756-01-007"]
    listed = safety.list_adverse_events(adae, adsl=adsl)
    pd.testing.assert_frame_equal(listed, safety.list_adverse_events(adae[adae["USUBJID"] != "NCT04916756-01-012"]))


def test_without_a_disposition_record_an_untreated_patient_is_ongoing(tmp_export):
    """Consented, first dose not yet given at the cut: still on study (the data cut is interim)."""
    from analysis_utils import cleaning
    result = _with_screened(tmp_export, None)
    adsl = cleaning.derive_all(result.typed)["adsl"]
    assert adsl.set_index("SUBJID").loc["012", "EOSSTT"] == "ONGOING"


def test_a_screen_failure_who_was_dosed_stops_the_build(tmp_export):
    path = tmp_export / "disposition.csv"
    path.write_text(path.read_text().replace("003,COMPLETED,", "003,SCREEN FAILURE,"))
    result = _with_screened(tmp_export, None)
    assert result.errors[["row", "variable", "rule"]].values.tolist() == [["4", "DSDECOD", "screen_failure_dosed"]]
    assert result.errors["message"].iloc[0].endswith(
        "value 'SCREEN FAILURE' but the subject received the study treatment from 2021-07-05 (exposure form)")


def test_consort_by_arm_of_the_randomised_example_adds_up():
    """The randomised example (87 patients, 29 and 58 allocated; 12 control patients switched at week 12): the boxes
    of each arm add up as the single-arm flow's do, the arms add up to the randomised, and the figure is drawn the
    same twice (SVG bytes)."""
    import io

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from analysis_utils import cleaning, scoring, synthetic
    ds = cleaning.derive_all(synthetic.generate_randomised_trial())
    adeff = scoring.derive_adeff(ds["adqs"])
    out = disposition.summarize_consort_by_arm(ds["adsl"], adeff)
    boxes = out[out["reason"] == ""].pivot(index="box", columns="arm", values="n")
    assert boxes.loc[["Enrolled", "Not randomised", "Randomised"], ""].tolist() == [87, 0, 87]
    control, treated = "HCQ 400 mg", "Baricitinib 4 mg + HCQ 400 mg"
    assert boxes.loc["Enrolled", [control, treated]].tolist() == [29, 58]
    assert boxes.loc[disposition.SWITCHED_BOX, control] == 12 and boxes.loc[disposition.CHANGED_BOX, treated] == 0
    for arm in (control, treated):
        b = boxes[arm]
        assert b["Treated"] - b["Left before week 12"] - b["Week 12 not yet due"] == b["In study at week 12"]
        assert b["In study at week 12"] - b["Left between week 12 and week 24"] - b["Still on study at the data cut"] \
            == b["Completed week 24"]
    svgs, texts = [], []
    for _ in range(2):
        fig, ax = plt.subplots(figsize=(11, 8))
        disposition.plot_consort_by_arm(out, ax=ax)
        texts = [t.get_text() for t in ax.texts]
        buffer = io.BytesIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None})
        plt.close(fig)
        svgs.append(buffer.getvalue())
    assert svgs[0] == svgs[1]
    assert "Allocated to HCQ 400 mg (n = 29)\n  Treated: 29\n  Not treated: 0" in texts
    assert "In study at week 12 (n = 28)\nAnalysed at week 12 (n = 28)\nSwitched treatment at week 12 (n = 12)" in texts
    assert not [t for t in texts if "Not randomised" in t or "not yet due" in t]  # none: left out


def test_disposition_counts_the_switched_patients_of_a_randomised_trial():
    # Two of the control arm's three patients switched after week 12: a row after week 12's, by arm and in total.
    adsl = pd.DataFrame({"USUBJID": list("abcd"), "TRT01P": ["HCQ", "HCQ", "HCQ", "Bari"], "TRT01PN": [1, 1, 1, 2],
                         "SAFFL": "Y", "COMP12FL": "Y", "EOSSTT": "COMPLETED", "DCSREAS": "",
                         "SWITCHFL": ["Y", "Y", "N", "N"]})
    out = disposition.summarize_disposition(adsl, stages=disposition.disposition_stages(adsl), total=True)
    switched = out[out["category"] == disposition.SWITCHED_LABEL].set_index("arm")["n_subjects"]
    assert switched.to_dict() == {"HCQ": 2, "Bari": 0, "Total": 2}
    assert list(dict.fromkeys(out["category"]))[2:4] == ["Completed week 12", "Switched treatment"]


def test_the_exposure_table_gives_the_patient_years_on_treatment_of_each_arm_and_the_total():
    """ICH E3 12.1: the total exposure. Arm A 100 + 200 days = 300 / 365.25 = 0.821 patient-years, arm B 400 days =
    1.095, all 700 = 1.916; a patient outside the safety set (never dosed) adds nothing."""
    adsl = pd.DataFrame({"USUBJID": list("abcd"), "SAFFL": ["Y", "Y", "Y", "N"], "TRT01A": ["A", "A", "B", ""],
                         "TRT01AN": [1, 1, 2, None], "TRTDURD": [100, 200, 400, None]})
    table = disposition.format_table1(disposition.summarize_exposure(adsl, variables=["TRTDURD"], total=True))
    assert table.set_index("Statistic").loc["Patient-years on treatment"].tolist()[1:] == ["0.82", "1.10", "1.92"]


def test_consort_flow_puts_a_long_arm_name_on_lines_of_its_own():
    """Three arms share the flow's width (120 characters: 40 a column): "Allocated to Baricitinib 2 mg + HCQ 400 mg
    (n = 29)" (51 characters) overlapped its neighbours, and goes below "Allocated to"; "HCQ 400 mg (n = 29)" fits on
    one line, as every arm of two does."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    arms = ["HCQ 400 mg", "Baricitinib 2 mg + HCQ 400 mg", "Baricitinib 4 mg + HCQ 400 mg"]

    def allocation_boxes(names):
        counts = pd.DataFrame({"arm": names, "box": "Enrolled", "reason": "", "n": 29})
        fig, ax = plt.subplots()
        disposition.plot_consort_by_arm(counts, ax=ax)
        boxes = [t.get_text().split("\n  Treated")[0] for t in ax.texts if "Treated" in t.get_text()]
        plt.close(fig)
        return boxes

    assert disposition.FLOW_LINE_CHARACTERS == 120
    assert allocation_boxes(arms) == ["Allocated to HCQ 400 mg (n = 29)",
                                      "Allocated to\nBaricitinib 2 mg + HCQ 400 mg (n = 29)",
                                      "Allocated to\nBaricitinib 4 mg + HCQ 400 mg (n = 29)"]
    assert allocation_boxes(arms[::2]) == ["Allocated to HCQ 400 mg (n = 29)",
                                           "Allocated to Baricitinib 4 mg + HCQ 400 mg (n = 29)"]
