"""Tests of analysis_utils.safety: hand-worked AE and lab tables, then invariants and independent
counts on the CDISC pilot ADaM (254 subjects, three arms)."""


import numpy as np
import pandas as pd
import pytest

from analysis_utils import ard, io, paths, safety, tables

ADAM = paths.CDISC_PILOT / "adam"

INF, SKIN = "Infections and infestations", "Skin and subcutaneous tissue disorders"


def _adsl(arms=("Bari", "Bari", "Bari", "Bari")):
    return pd.DataFrame({"USUBJID": ["S1", "S2", "S3", "S4"], "SAFFL": ["Y", "Y", "Y", "N"],
                         "TRT01A": list(arms)})


def _adae():
    # S1: two herpes zoster events and a rash; S2: HBV reactivation (serious, grade 3, drug withdrawn);
    # S3: a rash before the first dose (not treatment-emergent); S4: outside the safety population.
    return pd.DataFrame({
        "USUBJID": ["S1", "S1", "S1", "S2", "S3", "S4"],
        "AESEQ": [1, 2, 3, 1, 1, 1],
        "AEBODSYS": [INF, INF, SKIN, INF, SKIN, INF],
        "AEDECOD": ["Herpes zoster", "Herpes zoster", "Rash", "Hepatitis B reactivation", "Rash", "Nasopharyngitis"],
        "TRTEMFL": ["Y", "Y", "Y", "Y", "N", "Y"],
        "AESER": ["N", "N", "N", "Y", "N", "N"],
        "AETOXGR": [2, 1, 1, 3, 1, 1],
        "RELFL": ["N", "N", "N", "Y", "N", "N"],
        "AEACN": ["DOSE NOT CHANGED", "DOSE NOT CHANGED", "DOSE NOT CHANGED", "DRUG WITHDRAWN",
                  "DOSE NOT CHANGED", "DOSE NOT CHANGED"],
        "AEOUT": ["RECOVERED/RESOLVED"] * 6,
        "ASTDT": pd.to_datetime(["2021-08-01", "2021-09-01", "2021-08-15", "2021-07-20", "2021-06-01",
                                 "2021-08-01"]),
    })


# ---------------------------------------------------------------------------------------------
# AE by SOC and PT


def test_summarize_ae_by_soc_pt_hand_worked():
    out = safety.summarize_ae_by_soc_pt(_adae(), _adsl())
    expected = pd.DataFrame({
        "arm": ["Bari"] * 6,
        "soc": ["", INF, INF, INF, SKIN, SKIN],
        "pt": ["", "", "Hepatitis B reactivation", "Herpes zoster", "", "Rash"],
        "n_subjects": [2, 2, 1, 1, 1, 1],
        "n_events": [4, 3, 1, 2, 1, 1],
        "big_n": [3] * 6,
        "pct": [200 / 3, 200 / 3, 100 / 3, 100 / 3, 100 / 3, 100 / 3],
    })
    pd.testing.assert_frame_equal(out, expected)


def test_summarize_ae_by_soc_pt_two_arms_keeps_zero_rows_and_takes_arm_from_adsl():
    adae = _adae().assign(TRT01A="wrong arm column in ADAE is ignored")
    out = safety.summarize_ae_by_soc_pt(adae, _adsl(arms=("B", "A", "B", "A")))
    assert out["arm"].tolist()[:2] == ["A", "B"]
    rash = out[out["pt"] == "Rash"].set_index("arm")
    assert rash.loc["A", "n_subjects"] == 0 and rash.loc["B", "n_subjects"] == 1
    assert out.groupby("arm")["big_n"].first().to_dict() == {"A": 1, "B": 2}
    assert len(out) == 2 * 6


def test_summarize_ae_by_soc_pt_serious_filter():
    out = safety.summarize_ae_by_soc_pt(_adae(), _adsl(), where="AESER")
    assert out[["soc", "pt", "n_subjects", "n_events"]].values.tolist() == [
        ["", "", 1, 1], [INF, "", 1, 1], [INF, "Hepatitis B reactivation", 1, 1]]


def test_summarize_ae_by_soc_pt_no_events_gives_zero_any_row():
    out = safety.summarize_ae_by_soc_pt(_adae(), _adsl(), where=pd.Series(False, index=_adae().index))
    assert out[["soc", "pt", "n_subjects", "n_events", "big_n", "pct"]].values.tolist() == [["", "", 0, 0, 3, 0.0]]


def test_summarize_ae_by_soc_pt_errors_name_the_subject():
    adae = _adae()
    adae.loc[1, "AEDECOD"] = ""
    with pytest.raises(ValueError, match="subject 'S1' has a TEAE with blank AEDECOD"):
        safety.summarize_ae_by_soc_pt(adae, _adsl())
    adsl = pd.concat([_adsl(), _adsl().head(1)])
    with pytest.raises(ValueError, match="subject 'S1' has more than one row"):
        safety.summarize_ae_by_soc_pt(_adae(), adsl)
    with pytest.raises(ValueError, match=r"ADAE: missing column\(s\) \['AEBODSYS'\]"):
        safety.summarize_ae_by_soc_pt(_adae().drop(columns="AEBODSYS"), _adsl())


# ---------------------------------------------------------------------------------------------
# AE overview and maximum grade


def test_summarize_ae_overview_hand_worked():
    out = safety.summarize_ae_overview(_adae(), _adsl()).set_index("category")
    expected = {  # category: (subjects, events)
        "Any TEAE": (2, 4), "Related TEAE": (1, 1), "Serious TEAE": (1, 1), "TEAE of CTCAE grade >= 3": (1, 1),
        "TEAE leading to discontinuation of study drug": (1, 1), "TEAE with fatal outcome": (0, 0),
        "AESI: serious infection": (1, 1), "AESI: opportunistic infection": (1, 1), "AESI: herpes zoster": (1, 2),
        "AESI: hepatitis B reactivation": (1, 1), "AESI: venous thromboembolism": (0, 0), "AESI: MACE": (0, 0),
        "AESI: malignancy (neoplasm SOC)": (0, 0), "AESI: GI perforation": (0, 0),
    }
    assert list(out.index) == list(expected)
    assert {k: (int(r.n_subjects), int(r.n_events)) for k, r in out.iterrows()} == expected
    assert (out["big_n"] == 3).all()
    assert out.loc["Any TEAE", "pct"] == pytest.approx(200 / 3)


def test_aesi_lookup_pins_the_hbv_term_and_is_case_insensitive():
    assert "hepatitis b reactivation" in safety.AESI_PTS["Hepatitis B reactivation"]
    adae = _adae().assign(AEDECOD=lambda d: d["AEDECOD"].str.upper())
    out = safety.summarize_ae_overview(adae, _adsl()).set_index("category")
    assert out.loc["AESI: hepatitis B reactivation", "n_subjects"] == 1
    assert safety.ACTION_DRUG_WITHDRAWN == "DRUG WITHDRAWN" and safety.SEVERE_GRADE == 3


def test_ae_overview_rules_fatal_soc_and_pt_categories():
    adsl = pd.DataFrame({"USUBJID": ["A", "B", "C", "D"], "SAFFL": "Y", "TRT01A": "Bari"})
    adae = pd.DataFrame({
        "USUBJID": ["A", "B", "C", "D", "D"], "TRTEMFL": "Y", "RELFL": "N", "AETOXGR": [5, 3, 2, 4, 2],
        "AEBODSYS": [INF, safety.SOC_NEOPLASMS.upper(), "Vascular disorders", "Cardiac disorders",
                     "Gastrointestinal disorders"],
        "AEDECOD": ["Pneumonia", "Basal cell carcinoma", "Deep vein thrombosis", "Myocardial infarction",
                    "Large intestine perforation"],
        "AESER": ["Y", "N", "Y", "Y", "Y"], "AEACN": "DOSE NOT CHANGED", "AEOUT": ["FATAL"] + ["RECOVERED/RESOLVED"] * 4,
    })
    out = safety.summarize_ae_overview(adae, adsl).set_index("category")["n_subjects"]
    assert out[["TEAE of CTCAE grade >= 3", "TEAE with fatal outcome", "AESI: serious infection",
                "AESI: malignancy (neoplasm SOC)", "AESI: venous thromboembolism", "AESI: MACE",
                "AESI: GI perforation", "AESI: opportunistic infection"]].tolist() == [3, 1, 1, 1, 1, 1, 1, 0]
    assert safety.OUTCOME_FATAL == "FATAL" and safety.SOC_INFECTIONS == INF


def test_summarize_ae_overview_missing_column_is_named():
    with pytest.raises(ValueError, match="'Related TEAE': ADAE has no column 'RELFL'"):
        safety.summarize_ae_overview(_adae().drop(columns="RELFL"), _adsl())


def test_summarize_ae_by_max_grade_counts_each_subject_at_the_highest_grade():
    out = safety.summarize_ae_by_max_grade(_adae(), _adsl())
    hits = out[out["n_subjects"] > 0][["soc", "pt", "grade", "n_subjects"]].values.tolist()
    assert hits == [["", "", "2", 1], ["", "", "3", 1], [INF, "", "2", 1], [INF, "", "3", 1],
                    [INF, "Hepatitis B reactivation", "3", 1], [INF, "Herpes zoster", "2", 1],
                    [SKIN, "", "1", 1], [SKIN, "Rash", "1", 1]]
    assert len(out) == 6 * 6  # 6 rows x (Missing + 5 grades), zeros kept
    assert out.groupby(["soc", "pt"])["n_subjects"].sum().loc[("", "")] == 2


def test_summarize_ae_by_max_grade_missing_and_unknown_grades():
    adae = _adae().astype({"AETOXGR": float})
    adae.loc[2, "AETOXGR"] = np.nan
    out = safety.summarize_ae_by_max_grade(adae, _adsl())
    rash = out[(out["pt"] == "Rash") & (out["n_subjects"] > 0)]
    assert rash["grade"].tolist() == ["Missing"]
    adae.loc[2, "AETOXGR"] = 7
    with pytest.raises(ValueError, match="USUBJID 'S1', AEDECOD 'Rash': value 7.0 not in the levels"):
        safety.summarize_ae_by_max_grade(adae, _adsl())


def test_list_adverse_events_sorted_with_study_days_and_filter():
    adae = _adae().assign(ASTDY=[13, 44, 27, 20, -30, 13])
    listing = safety.list_adverse_events(adae)
    assert listing[["USUBJID", "AESEQ"]].values.tolist() == [["S1", 1], ["S1", 3], ["S1", 2], ["S2", 1],
                                                              ["S3", 1], ["S4", 1]]
    assert "ASTDY" in listing.columns and "AETERM" not in listing.columns
    assert safety.list_adverse_events(adae, where="AESER")["AEDECOD"].tolist() == ["Hepatitis B reactivation"]


# ---------------------------------------------------------------------------------------------
# laboratory


def _adlb():
    return pd.DataFrame({
        "USUBJID": ["S1", "S2", "S3", "S1", "S2", "S3", "S1", "S4"],
        "PARAMCD": "HGB",
        "AVISIT": ["Baseline"] * 3 + ["Week 12"] * 3 + ["Week 24", "Baseline"],
        "AVISITN": [0, 0, 0, 12, 12, 12, 24, 0],
        "ABLFL": ["Y", "Y", "Y", "", "", "", "", "Y"],
        "AVAL": [120.0, 130.0, 140.0, 110.0, 128.0, np.nan, 75.0, 90.0],
        "CHG": [np.nan, np.nan, np.nan, -10.0, -2.0, np.nan, -45.0, np.nan],
        "ANRIND": ["NORMAL", "NORMAL", "HIGH", "LOW", "NORMAL", "", "LOW", "LOW"],
        "ANL01FL": "Y",
    })


def test_summarize_lab_by_visit_hand_worked():
    out = safety.summarize_lab_by_visit(_adlb(), _adsl())
    base = out[(out["AVISIT"] == "Baseline") & (out["variable"] == "AVAL")].iloc[0]
    # 120, 130, 140: mean 130, SD 10; type-2 quartiles: Q1 = x(ceil(0.75)) = 120, Q3 = x(ceil(2.25)) = 140
    assert (base["n"], base["mean"], base["sd"], base["median"], base["q1"], base["q3"]) == (3, 130, 10, 130, 120, 140)
    assert out[["AVISIT", "variable", "n"]].values.tolist() == [
        ["Baseline", "AVAL", 3], ["Week 12", "AVAL", 2], ["Week 12", "CHG", 2], ["Week 24", "AVAL", 1],
        ["Week 24", "CHG", 1]]
    chg = out[(out["AVISIT"] == "Week 12") & (out["variable"] == "CHG")].iloc[0]
    assert (chg["mean"], chg["min"], chg["max"]) == (-6.0, -10.0, -2.0)


def test_quantile_rule_is_type_2_as_in_the_efficacy_tables():
    # Hyndman-Fan type 2 (SAS QNTLDEF=5), the rule of endpoints.QUANTILE_METHOD: with n = 4 the
    # quartiles average two order statistics, with n = 5 they take one.
    assert safety.QUANTILE_METHOD == "averaged_inverted_cdf"
    four = safety.summarize_continuous(pd.DataFrame({"g": 1, "x": [1.0, 2.0, 3.0, 4.0]}), by=["g"], value="x")
    five = safety.summarize_continuous(pd.DataFrame({"g": 1, "x": [1.0, 2.0, 3.0, 4.0, 5.0]}), by=["g"], value="x")
    assert (four["q1"].iloc[0], four["q3"].iloc[0], five["q1"].iloc[0], five["q3"].iloc[0]) == (1.5, 3.5, 2.0, 4.0)


def test_summarize_lab_shift_worst_high_and_low():
    high = safety.summarize_lab_shift(_adlb(), _adsl(), worst="high")
    low = safety.summarize_lab_shift(_adlb(), _adsl(), worst="low")
    # S1: NORMAL -> LOW, LOW; S2: NORMAL -> NORMAL; S3: HIGH -> blank (missing); S4 not in the safety population
    cells = {"high": [["NORMAL", "LOW", 1], ["NORMAL", "NORMAL", 1], ["HIGH", "Missing", 1]],
             "low": [["NORMAL", "LOW", 1], ["NORMAL", "NORMAL", 1], ["HIGH", "Missing", 1]]}
    for name, out in (("high", high), ("low", low)):
        assert out.loc[out["n_subjects"] > 0, ["baseline", "worst", "n_subjects"]].values.tolist() == cells[name]
        assert len(out) == 16 and (out["big_n"] == 3).all()
        assert out["n_subjects"].sum() == 3


def test_summarize_lab_shift_high_and_low_differ_when_both_directions_occur():
    adlb = _adlb()
    adlb.loc[4, "ANRIND"] = "HIGH"  # S2 week 12 high, then add a low value at week 24
    adlb = pd.concat([adlb, adlb.iloc[[4]].assign(AVISIT="Week 24", AVISITN=24, ANRIND="LOW")], ignore_index=True)
    s2 = {w: safety.summarize_lab_shift(adlb, _adsl(), worst=w) for w in ("high", "low")}
    pick = {w: o.loc[(o["baseline"] == "NORMAL") & (o["n_subjects"] > 0), "worst"].tolist() for w, o in s2.items()}
    assert pick == {"high": ["LOW", "HIGH"], "low": ["LOW"]}


def test_summarize_lab_shift_takes_unscheduled_samples_after_the_first_dose():
    # S2's ALT-like flare: normal at its scheduled visits, HIGH on an unscheduled sample of day 22 (as the pilot's
    # patient 01-007 at her hepatitis B flare): worst high HIGH. S1's unscheduled HIGH sample of day -20 (before the
    # first dose) and S3's without a study day are not after baseline: S1 stays LOW (week 12), S3 Missing.
    adlb = _adlb().assign(ADY=[1, 1, 1, 85, 85, 85, 169, 1])
    extra = pd.DataFrame({"USUBJID": ["S2", "S1", "S3"], "PARAMCD": "HGB", "AVISIT": "Unscheduled",
                          "AVISITN": np.nan, "ABLFL": "N", "ADY": [22, -20, np.nan],
                          "ANRIND": ["HIGH", "HIGH", "HIGH"]})
    out = safety.summarize_lab_shift(pd.concat([adlb, extra], ignore_index=True), _adsl(), worst="high")
    assert out.loc[out["n_subjects"] > 0, ["baseline", "worst", "n_subjects"]].values.tolist() == [
        ["NORMAL", "LOW", 1], ["NORMAL", "HIGH", 1], ["HIGH", "Missing", 1]]
    without_day = safety.summarize_lab_shift(pd.concat([adlb, extra], ignore_index=True).drop(columns="ADY"),
                                             _adsl(), worst="high")
    assert without_day.loc[without_day["n_subjects"] > 0, "worst"].tolist() == ["LOW", "NORMAL", "Missing"]


def test_summarize_lab_shift_by_grade_and_errors():
    adlb = _adlb().assign(ATOXGR=[0, 0, 0, 1, 0, np.nan, 3, 2])
    out = safety.summarize_lab_shift(adlb, _adsl(), by="ATOXGR", levels=(0, 1, 2, 3, 4))
    assert out.loc[out["n_subjects"] > 0, ["baseline", "worst", "n_subjects"]].values.tolist() == [
        ["0", "Missing", 1], ["0", "0", 1], ["0", "3", 1]]
    with pytest.raises(ValueError, match="USUBJID 'S1', PARAMCD 'HGB', AVISITN 12: value 'VERY LOW'"):
        safety.summarize_lab_shift(_adlb().replace({"ANRIND": {"LOW": "VERY LOW"}}), _adsl())
    dup = pd.concat([_adlb(), _adlb().head(1)], ignore_index=True)
    with pytest.raises(ValueError, match="subject 'S1' has several baseline records of HGB"):
        safety.summarize_lab_shift(dup, _adsl())
    with pytest.raises(ValueError, match="worst must be"):
        safety.summarize_lab_shift(_adlb(), _adsl(), worst="max")


def test_lab_interruption_thresholds_pinned_with_boundaries():
    assert dict(safety.LAB_INTERRUPTION_THRESHOLDS) == {"NEUT": 1.0, "LYM": 0.5, "HGB": 80.0}
    adlb = pd.DataFrame({"USUBJID": ["S1"] * 7, "PARAMCD": ["NEUT", "NEUT", "LYM", "LYM", "HGB", "HGB", "ALT"],
                         "ADT": pd.to_datetime(["2021-07-01"] * 7),
                         "AVAL": [0.99, 1.0, 0.49, 0.5, 79.0, 80.0, 300.0], "ATOXGR": [3, 2, 3, 2, 3, 2, 3]})
    out = safety.list_lab_alerts(adlb)
    assert out[["PARAMCD", "AVAL", "ALERT"]].values.tolist() == [
        ["ALT", 300.0, "CTCAE grade >= 3"],
        ["HGB", 79.0, "CTCAE grade >= 3; below label threshold (HGB < 80.0)"],
        ["LYM", 0.49, "CTCAE grade >= 3; below label threshold (LYM < 0.5)"],
        ["NEUT", 0.99, "CTCAE grade >= 3; below label threshold (NEUT < 1.0)"]]
    only_threshold = safety.list_lab_alerts(adlb.assign(ATOXGR=0), grade_col=None)
    assert only_threshold["AVAL"].tolist() == [79.0, 0.49, 0.99]


# ---------------------------------------------------------------------------------------------
# ARD and display


def test_to_ard_rows_and_keys_are_unique():
    res = safety.summarize_ae_by_soc_pt(_adae(), _adsl())
    rows = safety.to_ard(res, analysis_id="SAF-AET02", columns={"group": "arm", "variable": "soc", "category": "pt"},
                         stats=["n_subjects", "n_events", "big_n", "pct"], section="safety")
    assert len(rows) == 6 * 4
    assert ard.get_stat(rows, "n_events", variable=INF, category="Herpes zoster") == 2.0
    assert ard.get_stat(rows, "pct", variable="", category="") == pytest.approx(200 / 3)
    ard.stack_ard([rows])  # raises on a duplicate key
    grades = safety.to_ard(safety.summarize_ae_by_max_grade(_adae(), _adsl()), analysis_id="SAF-AET04",
                           columns={"group": "arm", "variable": "soc", "category": "pt"},
                           stats=["n_subjects", "pct"], by_stat="grade")
    assert ard.get_stat(grades, "n_subjects_grade3", variable="", category="") == 1.0
    ard.stack_ard([grades])


def test_format_ae_table_shows_n_pct_events_and_blank_soc_on_pt_rows():
    out = safety.format_ae_table(safety.summarize_ae_by_soc_pt(_adae(), _adsl()))
    assert list(out.columns) == [("", "System organ class"), ("", "Preferred term"), ("Bari (N = 3)", "n (%) [events]")]
    assert out.values.tolist()[:3] == [["Any TEAE", "", "2 (66.7) [4]"], [INF, "", "2 (66.7) [3]"],
                                       ["", "Hepatitis B reactivation", "1 (33.3) [1]"]]


def test_format_shift_and_lab_summary_tables():
    shift = safety.format_shift_table(safety.summarize_lab_shift(_adlb(), _adsl()))
    worst = "Bari: worst post-baseline"
    assert list(shift.columns) == [("", "Parameter"), ("", "Baseline"), (worst, "N"), (worst, "Missing"),
                                   (worst, "Low"), (worst, "Normal"), (worst, "High")]
    assert shift.loc[shift[("", "Baseline")] == "Normal", [(worst, "Low"), (worst, "Normal")]].values.tolist() == [
        ["1 (33.3)", "1 (33.3)"]]
    # the parameter is named once, by name and unit, on the first row of its block
    assert shift[("", "Parameter")].tolist() == ["Haemoglobin (g/L)", "", "", ""]
    summary = safety.format_lab_summary(safety.summarize_lab_by_visit(_adlb(), _adsl()), decimals={"HGB": 0})
    assert summary.iloc[0][["Mean (SD)", "Median [Q1, Q3]", "Min - Max"]].tolist() == ["130 (10.0)", "130 [120, 140]",
                                                                                       "120 - 140"]
    # at the default one decimal, whole g/L show as whole in min and max, values and changes alike; one value of
    # 127.5 at week 12 (a change of -2.5) gives every min and max of the parameter its one decimal
    ends = safety.format_lab_summary(safety.summarize_lab_by_visit(_adlb(), _adsl()))["Min - Max"].tolist()
    assert ends == ["120 - 140", "110 - 128", "-10 - -2", "75 - 75", "-45 - -45"]
    half = _adlb().assign(AVAL=lambda d: d["AVAL"].replace(128.0, 127.5), CHG=lambda d: d["CHG"].replace(-2.0, -2.5))
    ends = safety.format_lab_summary(safety.summarize_lab_by_visit(half, _adsl()))["Min - Max"].tolist()
    assert ends == ["120.0 - 140.0", "110.0 - 127.5", "-10.0 - -2.5", "75.0 - 75.0", "-45.0 - -45.0"]


# ---------------------------------------------------------------------------------------------
# CDISC pilot: invariants and independent counts


@pytest.fixture(scope="module")
def pilot():
    return {"adsl": io.read_adam(ADAM / "adsl.xpt"), "adae": io.read_adam(ADAM / "adae.xpt"),
            "adlb": io.read_adam(ADAM / "adlbc.csv.gz")}


def test_pilot_ae_by_soc_pt_invariants_and_independent_counts(pilot):
    adsl, adae = pilot["adsl"], pilot["adae"]
    out = safety.summarize_ae_by_soc_pt(adae, adsl)
    big_n = adsl[adsl["SAFFL"] == "Y"].groupby("TRT01A").size()
    assert out.groupby("arm")["big_n"].first().to_dict() == big_n.to_dict() == {
        "Placebo": 86, "Xanomeline High Dose": 84, "Xanomeline Low Dose": 84}
    assert not out.duplicated(["arm", "soc", "pt"]).any()
    assert (out.groupby(["soc", "pt"]).size() == 3).all()  # every row in every arm
    np.testing.assert_allclose(out["pct"], 100 * out["n_subjects"] / out["big_n"])
    soc_rows = out[(out["soc"] != "") & (out["pt"] == "")].set_index(["arm", "soc"])
    pt_rows = out[out["pt"] != ""]
    any_rows = out[out["soc"] == ""].set_index("arm")
    assert (pt_rows["n_subjects"].to_numpy() <= soc_rows.loc[list(zip(pt_rows["arm"], pt_rows["soc"])),
                                                             "n_subjects"].to_numpy()).all()
    assert (soc_rows["n_subjects"] <= soc_rows.index.get_level_values("arm").map(any_rows["n_subjects"])).all()
    pt_events = pt_rows.groupby(["arm", "soc"])["n_events"].sum()
    assert (pt_events.reindex(soc_rows.index) == soc_rows["n_events"]).all()
    assert (soc_rows.groupby("arm")["n_events"].sum().reindex(any_rows.index) == any_rows["n_events"]).all()
    # independent counts from the raw records (arm taken from ADSL)
    te = adae[adae["TRTEMFL"] == "Y"].merge(adsl[["USUBJID", "TRT01A"]], on="USUBJID")
    assert any_rows["n_subjects"].to_dict() == te.groupby("TRT01A")["USUBJID"].nunique().to_dict()
    assert any_rows["n_subjects"].to_dict() == {"Placebo": 65, "Xanomeline High Dose": 76, "Xanomeline Low Dose": 77}
    pruritus = te[te["AEDECOD"] == "APPLICATION SITE PRURITUS"].groupby("TRT01A")["USUBJID"]
    got = out[out["pt"] == "APPLICATION SITE PRURITUS"].set_index("arm")
    assert got["n_subjects"].to_dict() == pruritus.nunique().to_dict()
    assert got["n_events"].to_dict() == pruritus.size().to_dict()
    soc_total = soc_rows.groupby(level="soc")["n_subjects"].sum()
    order = list(dict.fromkeys(out.loc[(out["soc"] != "") & (out["pt"] == ""), "soc"]))
    assert soc_total.loc[order].is_monotonic_decreasing


def test_pilot_serious_ae_table_matches_the_raw_serious_records(pilot):
    out = safety.summarize_ae_by_soc_pt(pilot["adae"], pilot["adsl"], where="AESER")
    raw = pilot["adae"][(pilot["adae"]["AESER"] == "Y") & (pilot["adae"]["TRTEMFL"] == "Y")]
    assert out.loc[out["soc"] == "", "n_events"].sum() == len(raw)
    assert set(out.loc[out["pt"] != "", "pt"]) == set(raw["AEDECOD"])


def test_pilot_ae_by_max_severity(pilot):
    out = safety.summarize_ae_by_max_grade(pilot["adae"], pilot["adsl"], grade="AESEV",
                 levels=("MILD", "MODERATE", "SEVERE"))
    overall = out[out["soc"] == ""].groupby("arm")["n_subjects"].sum()
    any_teae = safety.summarize_ae_by_soc_pt(pilot["adae"], pilot["adsl"]).query("soc == ''").set_index("arm")
    assert overall.to_dict() == any_teae["n_subjects"].to_dict()


def test_pilot_lab_summary_against_a_direct_computation(pilot):
    adlb = pilot["adlb"][~pilot["adlb"]["PARAMCD"].str.startswith("_")]
    out = safety.summarize_lab_by_visit(adlb, pilot["adsl"], params=["ALT", "CREAT"], flag=None)  # its ANL01FL: worst
    assert list(dict.fromkeys(out["PARAMCD"])) == ["ALT", "CREAT"]
    alt = out[(out["PARAMCD"] == "ALT") & (out["variable"] == "AVAL")]
    assert alt.groupby("arm")["AVISITN"].apply(lambda v: v.is_monotonic_increasing).all()
    raw = adlb[(adlb["PARAMCD"] == "ALT") & (adlb["AVISITN"] == 0)].merge(pilot["adsl"][["USUBJID", "TRT01A"]])
    got = alt[alt["AVISITN"] == 0].set_index("arm")
    assert got["n"].to_dict() == raw.groupby("TRT01A")["AVAL"].count().to_dict()
    np.testing.assert_allclose(got["mean"], raw.groupby("TRT01A")["AVAL"].mean().loc[got.index])
    np.testing.assert_allclose(got["sd"], raw.groupby("TRT01A")["AVAL"].std().loc[got.index])
    chg = out[(out["PARAMCD"] == "ALT") & (out["variable"] == "CHG")]
    assert (chg["AVISITN"] > 0).all()  # no change-from-baseline row at baseline


def test_pilot_shift_table_against_a_naive_reimplementation(pilot):
    adlb = pilot["adlb"][~pilot["adlb"]["PARAMCD"].str.startswith("_")]
    out = safety.summarize_lab_shift(adlb, pilot["adsl"], levels=("L", "N", "H"))
    sums = out.groupby(["arm", "PARAMCD"])["n_subjects"].sum()
    assert (sums == out.groupby(["arm", "PARAMCD"])["big_n"].first()).all()
    # naive: loop over ALT subjects, worst high = H if any H, else N if any N, else L
    alt = adlb[adlb["PARAMCD"] == "ALT"].merge(pilot["adsl"][["USUBJID", "TRT01A"]])
    expected = {}
    for (arm, subject), rec in alt.groupby(["TRT01A", "USUBJID"]):
        base = rec.loc[rec["ABLFL"] == "Y", "ANRIND"]
        after = (rec["AVISITN"] > 0) | (rec["AVISITN"].isna() & (rec["ADY"] > 1))  # scheduled, or unscheduled
        post = set(rec.loc[(rec["ABLFL"] != "Y") & after, "ANRIND"]) - {""}
        worst = next((c for c in ("H", "N", "L") if c in post), "Missing")
        key = (arm, base.iloc[0] if len(base) and base.iloc[0] else "Missing", worst)
        expected[key] = expected.get(key, 0) + 1
    got = out[(out["PARAMCD"] == "ALT") & (out["n_subjects"] > 0)]
    assert {(a, b, w): n for a, b, w, n in got[["arm", "baseline", "worst", "n_subjects"]].values} == expected


def test_every_ard_layout_gives_unique_keys():
    results = {
        "ae_overview": safety.summarize_ae_overview(_adae(), _adsl()),
        "ae_soc_pt": safety.summarize_ae_by_soc_pt(_adae(), _adsl()),
        "ae_max_grade": safety.summarize_ae_by_max_grade(_adae(), _adsl()),
        "lab_summary": safety.summarize_lab_by_visit(_adlb(), _adsl()),
        "lab_shift": safety.summarize_lab_shift(_adlb(), _adsl()),
        "aesi_eair": safety.summarize_aesi_eair(_eair_adae(), _eair_adsl()),
        "ae_not_assessed": safety.summarize_not_assessed(_adae().assign(AEREL="RELATED")),
        "ae_overview_controlled": safety.summarize_ae_overview(_switch_adae(), _switch_adsl(), arm="TRT01A"),
    }
    assert set(results) == set(safety.ARD_LAYOUTS)
    parts = [safety.to_ard(res, analysis_id=kind, **safety.ARD_LAYOUTS[kind]) for kind, res in results.items()]
    stacked = ard.stack_ard(parts)
    # the safety set, and by which treatment: the tables by treatment taken say so (an arm's N differs from that of
    # the tables by first treatment once patients switch: 70 against 58 in the randomised example)
    taken, first = ~stacked["analysis_id"].isin(["ae_not_assessed", "ae_overview_controlled"]), \
        stacked["analysis_id"] == "ae_overview_controlled"
    assert stacked.loc[taken, "population"].eq("Safety population (SAFFL = Y), by treatment taken (TRTA: at an "
                                               "event's onset or a sample's date; a patient who switched counts under "
                                               "each treatment)").all()
    assert stacked.loc[first, "population"].eq("Safety population (SAFFL = Y), by first treatment (TRT01A)").all()
    assert stacked.loc[~taken & ~first, "population"].eq("Safety population (SAFFL = Y)").all()
    assert ard.get_stat(stacked, "n_subjects", analysis_id="lab_shift", paramcd="HGB",
                        category="NORMAL to LOW") == 1.0


def test_format_overview_and_max_grade_tables():
    overview = safety.format_ae_overview(safety.summarize_ae_overview(_adae(), _adsl()))
    assert overview.iloc[0].tolist() == ["Any TEAE", "2 (66.7) [4]"]
    grades = safety.format_max_grade_table(safety.summarize_ae_by_max_grade(_adae(), _adsl()))
    assert list(grades.columns) == [("", "System organ class"), ("", "Preferred term"), ("", "Maximum grade"),
                                    ("Bari (N = 3)", "n (%)")]
    # grades as rows: S1 at grade 2 (zoster 2 and 1, rash 1), S2 at grade 3 (HBV); no "Missing" row (none missing)
    assert grades.values.tolist()[:5] == [["Any TEAE", "", "Grade 1", "0"], ["", "", "Grade 2", "1 (33.3)"],
                                          ["", "", "Grade 3", "1 (33.3)"], ["", "", "Grade 4", "0"],
                                          ["", "", "Grade 5", "0"]]
    hbv = grades.index[grades[("", "Preferred term")] == "Hepatitis B reactivation"][0]
    assert grades.iloc[hbv:hbv + 5, 2:].values.tolist() == [["Grade 1", "0"], ["Grade 2", "0"],
                                                            ["Grade 3", "1 (33.3)"], ["Grade 4", "0"], ["Grade 5", "0"]]


# ---------------------------------------------------------------------------------------------
# The shipped synthetic trial: the HBV reactivation in every table


def test_shipped_trial_hbv_reactivation_counted_in_every_table(synthetic_export):
    from analysis_utils import cleaning, disposition

    data = cleaning.derive_all(synthetic_export)
    adsl, adae = data["adsl"], data["adae"]
    raw = synthetic_export["adverse_events"]
    hbv_raw = raw[raw["AEDECOD"] == "Hepatitis B reactivation"].iloc[0]  # what the CRF says
    first_dose = synthetic_export["exposure"].groupby("SUBJID")["EXSTDT"].min()[hbv_raw["SUBJID"]]
    expected_day = (hbv_raw["AESTDT"] - first_dose).days + 1
    serious = hbv_raw["AESER"] == "Y"

    overview = safety.summarize_ae_overview(adae, adsl).set_index("category")["n_subjects"]
    assert overview["AESI: hepatitis B reactivation"] == 1
    assert overview["TEAE leading to discontinuation of study drug"] == 1
    assert overview["Serious TEAE"] == (1 if serious else 0)
    soc_pt = safety.summarize_ae_by_soc_pt(adae, adsl)
    row = soc_pt[soc_pt["pt"] == "Hepatitis B reactivation"].iloc[0]
    assert (row["soc"], row["n_subjects"], row["n_events"], row["big_n"]) == (INF, 1, 1, 11)
    saes = safety.summarize_ae_by_soc_pt(adae, adsl, where="AESER")
    assert ("Hepatitis B reactivation" in set(saes["pt"])) == serious
    grades = safety.summarize_ae_by_max_grade(adae, adsl)
    hit = grades[(grades["pt"] == "Hepatitis B reactivation") & (grades["n_subjects"] > 0)]
    assert hit["grade"].tolist() == [str(hbv_raw["AETOXGR"])]
    listing = safety.list_adverse_events(adae, where=adae["AEACN"] == safety.ACTION_DRUG_WITHDRAWN)
    assert listing[["AEDECOD", "TRTEMFL", "ASTDY"]].values.tolist() == [["Hepatitis B reactivation", "Y",
                                                                       expected_day]]
    stopped = disposition.list_discontinuations(adsl)
    assert stopped.loc[stopped["DCSREAS"] == "ADVERSE EVENT", "USUBJID"].tolist() == [listing["USUBJID"].iloc[0]]


# ---------------------------------------------------------------------------------------------
# Adverse events of special interest: exposure-adjusted incidence per 100 patient-years


@pytest.mark.parametrize(("count", "lower", "upper"), [
    (0, 0.0, 3.6889),     # upper = -ln(0.025) (Garwood 1936; Ulm 1990 table)
    (1, 0.0253, 5.5716),  # lower = -ln(0.975)
    (3, 0.6187, 8.7673),
])
def test_poisson_ci_is_garwoods_exact_interval(count, lower, upper):
    lo, hi = safety.compute_poisson_ci(count, 100.0)  # per 100 units of exposure: the expected count's bounds
    assert (round(lo, 4), round(hi, 4)) == (lower, upper)
    lo2, hi2 = safety.compute_poisson_ci(count, 200.0)  # twice the exposure: half the rate
    assert (lo2, hi2) == pytest.approx((lo / 2, hi / 2))


def test_poisson_ci_has_the_bits_of_scipy_stats_chi2():
    """The bounds come from scipy.special (importing scipy.stats costs 0.7 s): the same numbers, to the last bit."""
    from scipy import stats

    for count in range(0, 60):
        for exposure, conf_level in ((1.0, 0.95), (12.345, 0.9), (87.6, 0.99)):
            alpha = 1 - conf_level
            lower = stats.chi2.ppf(alpha / 2, 2 * count) / 2 if count else 0.0
            upper = stats.chi2.ppf(1 - alpha / 2, 2 * count + 2) / 2
            expected = (float(100 * lower / exposure), float(100 * upper / exposure))
            assert safety.compute_poisson_ci(count, exposure, conf_level=conf_level) == expected, count


def test_poisson_ci_refuses_a_negative_count_or_no_exposure():
    with pytest.raises(ValueError, match="exposure"):
        safety.compute_poisson_ci(1, 0.0)
    with pytest.raises(ValueError, match="count"):
        safety.compute_poisson_ci(-1, 10.0)


def _eair_adsl():
    return pd.DataFrame({"USUBJID": ["S1", "S2", "S3", "S4"], "SAFFL": ["Y", "Y", "Y", "N"], "TRT01A": "Bari",
                         "TRTSDT": pd.to_datetime(["2021-01-01", "2021-01-01", "2021-02-01", "2021-01-01"]),
                         "TRTEDT": pd.to_datetime(["2021-06-30", "2021-03-31", "2021-07-31", "2021-06-30"])})


def _eair_adae():
    # S1: herpes zoster on day 31, again on day 100 (one patient, two events); S2: zoster on 2021-04-20,
    # 20 days after the last dose (inside the 30-day window); S3: zoster before the first dose (not a TEAE);
    # S4: not in the safety population.
    return pd.DataFrame({"USUBJID": ["S1", "S1", "S2", "S3", "S4"], "TRTEMFL": ["Y", "Y", "Y", "N", "Y"],
                         "AEDECOD": "Herpes zoster", "AEBODSYS": INF, "AESER": "N",
                         "ASTDT": pd.to_datetime(["2021-01-31", "2021-04-10", "2021-04-20", "2021-01-20",
                                                  "2021-02-01"])})


def test_aesi_eair_ends_at_the_end_of_study_but_counts_an_event_of_the_window_after_it():
    """With the ends of study: S1 and S2 left on their last dose (S2's zoster, 20 days later, reported at a
    follow-up call), S3 a week after hers. S2's event still counts, at risk to it (110 days, as without the end of
    study): the overview table counts her. S3, without an event: to her end of study, 2021-08-07 = 188 days (211
    without). 31 + 110 + 188 = 329 days."""
    adsl = _eair_adsl().assign(EOSDT=pd.to_datetime(["2021-06-30", "2021-03-31", "2021-08-07", "2021-06-30"]))
    hz = safety.summarize_aesi_eair(_eair_adae(), adsl, categories={
        "Herpes zoster": safety.AESI_CATEGORIES["Herpes zoster"]}).set_index("category").loc["Herpes zoster"]
    assert (hz["n_subjects"], hz["n_events"]) == (2, 3)
    assert hz["pyears"] == pytest.approx(329 / 365.25)


def test_aesi_eair_censors_at_the_first_event_and_ends_30_days_after_the_last_dose():
    zoster = {"Herpes zoster": safety.AESI_CATEGORIES["Herpes zoster"],
              "MACE": safety.AESI_CATEGORIES["Major adverse cardiovascular event (MACE)"]}
    out = safety.summarize_aesi_eair(_eair_adae(), _eair_adsl(), categories=zoster).set_index("category")
    # Herpes zoster: S1 at risk 2021-01-01..01-31 = 31 days; S2 2021-01-01..04-20 = 110 days; S3 without
    # a TEAE: 2021-02-01..(07-31 + 30 = 08-30) = 211 days. 352 days = 0.96372 PY; 2 patients, 3 events.
    hz = out.loc["Herpes zoster"]
    assert (hz["n_subjects"], hz["n_events"], hz["big_n"]) == (2, 3, 3)
    assert hz["pyears"] == pytest.approx(352 / 365.25)
    assert hz["rate"] == pytest.approx(100 * 2 / (352 / 365.25))
    lo, hi = safety.compute_poisson_ci(2, 352 / 365.25)
    assert (hz["ci_lower"], hz["ci_upper"]) == pytest.approx((lo, hi))
    # MACE: nobody; every patient at risk to last dose + 30 days: 211 + 120 + 211 = 542 days.
    mace = out.loc["MACE"]
    assert (mace["n_subjects"], mace["rate"], mace["ci_lower"]) == (0, 0.0, 0.0)
    assert mace["pyears"] == pytest.approx(542 / 365.25)
    assert mace["ci_upper"] == pytest.approx(100 * 3.6888794541 / (542 / 365.25))


def test_aesi_eair_stops_the_time_at_risk_at_the_data_cut():
    adsl = _eair_adsl().assign(TRTEDT=pd.to_datetime(["2021-06-30", "2021-03-31", pd.NaT, "2021-06-30"]))
    hz = {"Herpes zoster": safety.AESI_CATEGORIES["Herpes zoster"]}
    with pytest.raises(ValueError, match=r"'S3' has no TRTEDT"):
        safety.summarize_aesi_eair(_eair_adae(), adsl, categories=hz)
    out = safety.summarize_aesi_eair(_eair_adae(), adsl, categories=hz, data_cutoff="2021-04-15")
    # S1 31 days (event); S2's event on 04-20 is after the cut: not counted, at risk 01-01..04-15 = 105 days;
    # S3 still on treatment: 02-01..04-15 = 74 days.
    assert (out["n_subjects"].iloc[0], out["n_events"].iloc[0]) == (1, 2)
    assert out["pyears"].iloc[0] == pytest.approx((31 + 105 + 74) / 365.25)


def test_aesi_eair_refuses_an_event_without_a_start_date():
    adae = _eair_adae()
    adae.loc[0, "ASTDT"] = pd.NaT
    with pytest.raises(ValueError, match=r"'S1' has a TEAE of 'Herpes zoster' without a start date"):
        safety.summarize_aesi_eair(adae, _eair_adsl())


def test_aesi_categories_are_the_overview_rows_and_every_printed_term_is_caught():
    overview = [label for label in safety.AE_OVERVIEW_CATEGORIES if label.startswith("AESI: ")]
    assert list(safety.AESI_LABELS) == overview
    assert list(safety.AESI_CATEGORIES) == list(safety.AESI_LABELS.values())
    assert all(safety.AESI_CATEGORIES[safety.AESI_LABELS[o]] is safety.AE_OVERVIEW_CATEGORIES[o] for o in overview)
    assert list(safety.AESI_DEFINITIONS) == list(safety.AESI_CATEGORIES)
    pt_lists = {"Major adverse cardiovascular event (MACE)": "MACE", "Gastrointestinal perforation": "GI perforation"}
    for category, text in safety.AESI_DEFINITIONS.items():
        rule = safety.AESI_CATEGORIES[category]
        if text.startswith("Preferred terms: "):
            terms = text.removeprefix("Preferred terms: ").removesuffix(".").split("; ")
            assert {t.lower() for t in terms} == safety.AESI_PTS[pt_lists.get(category, category)]
            ae = pd.DataFrame({"AEDECOD": terms, "AEBODSYS": "Any", "AESER": "N"})
            assert rule(ae).all(), category  # each printed term, as printed, is counted
        else:
            soc = safety.SOC_INFECTIONS if "infection" in category else safety.SOC_NEOPLASMS
            assert soc in text
            ae = pd.DataFrame({"AEDECOD": ["x", "x"], "AEBODSYS": [soc, "Other"], "AESER": ["Y", "Y"]})
            assert rule(ae).tolist() == [True, False]
    table = safety.list_aesi_definitions()
    assert table.columns.tolist() == ["Adverse event of special interest", "Definition (MedDRA)"]
    assert table.iloc[3].tolist() == ["Hepatitis B reactivation", "Preferred terms: Hepatitis B; "
                                      "Hepatitis B DNA increased; Hepatitis B reactivation."]


def test_shipped_trial_hbv_reactivation_exposure_adjusted(synthetic_export):
    """By hand from data/raw (exposure.csv, adverse_events.csv, disposition.csv, cut 2022-01-31): patient 007 (first
    dose 2021-07-19) had hepatitis B reactivation on 2021-08-09, day 22. The others are at risk to the last dose
    + 30 days, at most to their end of study, which is the day of the last dose for each (completed at week 24, or 010
    left on day 113): 001 169, 002 171, 003 168, 004 172, 005 167, 006 169, 008 170, 009 173, 010 113, 011 171:
    1643 days; with 007's 22: 1665 days = 4.5585 PY (5.2786 with the 30 days after the study, when no adverse event
    was collected). Without an event, 007 is at risk to the end of study on 2021-08-15, day 28 (last dose day 21)."""
    from analysis_utils import cleaning

    data = cleaning.derive_all(synthetic_export, data_cutoff="2022-01-31")
    out = safety.summarize_aesi_eair(data["adae"], data["adsl"], data_cutoff="2022-01-31").set_index("category")
    hbv = out.loc["Hepatitis B reactivation"]
    assert (hbv["n_subjects"], hbv["n_events"], hbv["big_n"]) == (1, 1, 11)
    assert hbv["pyears"] == pytest.approx(1665 / 365.25)
    assert round(hbv["rate"], 2) == 21.94
    assert out.loc["Opportunistic infection", "n_subjects"] == 1  # the same event (consensus list)
    zoster = out.loc["Herpes zoster"]
    assert (zoster["n_subjects"], zoster["rate"]) == (0, 0.0)
    assert zoster["pyears"] == pytest.approx((1665 - 22 + 28) / 365.25)  # 007 to the end of study (day 28)
    table = safety.format_aesi_eair(out.reset_index())
    assert table.columns.tolist() == ["Adverse event of special interest", "Patients, n (%)", "Events",
                                      "Patient-years at risk", "Rate per 100 patient-years (95% CI)"]
    assert table.loc[3].tolist() == ["Hepatitis B reactivation", "1 (9.1)", "1", "4.56", "21.9 (0.6, 122.2)"]
    rows = safety.to_ard(out.reset_index(), analysis_id="SAF-AESI-EAIR", **safety.ARD_LAYOUTS["aesi_eair"])
    assert ard.get_stat(rows, "rate", category="Hepatitis B reactivation") == pytest.approx(hbv["rate"])
    assert len(rows) == 8 * len(safety.AESI_CATEGORIES)


def test_format_listing_heads_columns_in_words_and_decodes_codes_but_not_terms():
    listing = pd.DataFrame({"USUBJID": ["S1"], "AEDECOD": ["HEPATITIS B REACTIVATION"], "AESER": ["Y"],
                            "AEACN": ["DRUG WITHDRAWN"], "ASTDY": [22.0]})
    out = safety.format_listing(listing)
    assert out.columns.tolist() == ["Patient", "Preferred term", "Serious", "Action", "Start day"]
    # a MedDRA term stays as coded (capitals included); flags and CDISC values are shown in words
    assert out.values.tolist() == [["S1", "HEPATITIS B REACTIVATION", "Yes", "Drug withdrawn", "22"]]


def test_format_listing_says_what_of_a_partial_date_was_imputed():
    listing = pd.DataFrame({"ASTDT": pd.to_datetime(["2021-07-01", "2021-08-10", "2021-01-01"]),
                            "ASTDTF": ["D", "", "M"], "ASTDY": [1.0, 41.0, -180.0],
                            "AENDT": pd.to_datetime(["2021-08-31", None, "2021-03-31"]),
                            "AENDTF": ["D", "", ""], "AENDY": [62.0, None, -92.0]})
    out = safety.format_listing(listing)
    assert out.columns.tolist() == ["Start date (study day)", "End date (study day)"]
    assert out.values.tolist() == [["2021-07-01 (1), day imputed", "2021-08-31 (62), day imputed"],
                                   ["2021-08-10 (41)", ""],
                                   ["2021-01-01 (-180), month and day imputed", "2021-03-31 (-92)"]]


def test_max_grade_table_shows_a_missing_row_only_where_a_grade_is_missing():
    res = pd.DataFrame({"arm": "Bari", "soc": ["", "", "", INF, INF, INF], "pt": "",
                        "grade": ["Missing", "1", "2"] * 2, "n_subjects": [1, 1, 0, 0, 1, 0], "big_n": 4, "pct": 0.0})
    out = safety.format_max_grade_table(res, any_label="Any TEAE")
    assert out.values.tolist() == [["Any TEAE", "", "Missing", "1 (25.0)"], ["", "", "Grade 1", "1 (25.0)"],
                                   ["", "", "Grade 2", "0"], [INF, "", "Grade 1", "1 (25.0)"],
                                   ["", "", "Grade 2", "0"]]


# ---------------------------------------------------------------------------------------------
# a trial of several arms: as treated (TRTA), with a Total column, exposure split at the switch

HCQ, BARI = "HCQ 400 mg", "Baricitinib 4 mg + HCQ 400 mg"


def _switch_adsl():
    # S1, S2 randomised to baricitinib + HCQ; S3 to HCQ, switched on 2021-04-01; S4 HCQ throughout; S5 untreated.
    # Every treated patient from 2021-01-01 to 2021-06-30: 181 days, 90 before the switch date and 91 from it.
    return pd.DataFrame({
        "USUBJID": ["S1", "S2", "S3", "S4", "S5"], "SAFFL": ["Y", "Y", "Y", "Y", "N"],
        "TRT01A": [BARI, BARI, HCQ, HCQ, HCQ], "TRT01AN": [2, 2, 1, 1, 1], "TRT01P": [BARI, BARI, HCQ, HCQ, HCQ],
        "TRT01PN": [2, 2, 1, 1, 1], "TRT02A": [BARI, BARI, BARI, HCQ, HCQ],
        "TR02SDT": pd.to_datetime([None, None, "2021-04-01", None, None]),
        "TRTSDT": pd.to_datetime(["2021-01-01"] * 4 + [None]), "TRTEDT": pd.to_datetime(["2021-06-30"] * 4 + [None]),
        "EOSSTT": ["COMPLETED", "DISCONTINUED", "COMPLETED", "DISCONTINUED", "DISCONTINUED"],
        "DCSREAS": ["", "ADVERSE EVENT", "", "LOST TO FOLLOW-UP", "WITHDRAWAL BY SUBJECT"],
    })


def _switch_adae():
    # S3's zoster starts the day before the switch (HCQ), its cystitis on the switch date (baricitinib + HCQ).
    return pd.DataFrame({
        "USUBJID": ["S1", "S3", "S3", "S4", "S4"], "TRTEMFL": ["Y", "Y", "Y", "Y", "N"],
        "AEBODSYS": [INF, INF, INF, INF, SKIN], "AEDECOD": ["Herpes zoster", "Herpes zoster", "Cystitis", "Cystitis",
                                                           "Rash"],
        "ASTDT": pd.to_datetime(["2021-02-01", "2021-03-31", "2021-04-01", "2021-02-01", "2020-12-01"]),
        "AETOXGR": [1, 2, 3, 1, 1], "AESER": ["N", "N", "Y", "N", "N"], "RELFL": "N", "AEACN": "DOSE NOT CHANGED",
        "AEOUT": "RECOVERED/RESOLVED",
    })


def test_treatment_periods_split_a_switched_patient_and_order_the_arms_by_code():
    periods = safety.treatment_periods(_switch_adsl())
    assert periods.astype({"arm": str})[["USUBJID", "arm"]].values.tolist() == [
        ["S1", BARI], ["S2", BARI], ["S3", HCQ], ["S3", BARI], ["S4", HCQ]]
    assert periods["_start"].notna().tolist() == [False, False, False, True, False]
    assert list(periods["arm"].cat.categories) == [HCQ, BARI]  # the control (lowest TRT01AN) first
    assert safety.compute_big_n(_switch_adsl(), arm=safety.AS_TREATED).to_dict() == {HCQ: 2, BARI: 3}
    assert safety.table_arms(_switch_adsl()) == {"arm": safety.AS_TREATED, "total": True}


def test_as_treated_overview_counts_each_event_in_the_treatment_taken_at_onset_with_a_total():
    out = safety.summarize_ae_overview(_switch_adae(), _switch_adsl(), **safety.table_arms(_switch_adsl()))
    cells = out.set_index(["category", "arm"])[["n_subjects", "n_events", "big_n"]]
    # Any TEAE: HCQ S3 (zoster) and S4; baricitinib S1 and S3 (cystitis); Total S1, S3, S4 with 4 events
    assert cells.loc["Any TEAE"].values.tolist() == [[2, 2, 2], [2, 2, 3], [3, 4, 4]]
    assert cells.loc["Serious TEAE"]["n_subjects"].tolist() == [0, 1, 1]
    assert out["arm"].drop_duplicates().tolist() == [HCQ, BARI, safety.TOTAL]
    rows = safety.to_ard(out, analysis_id="SAF-AET01", **safety.ARD_LAYOUTS["ae_overview"])
    assert rows["group"].drop_duplicates().tolist() == [HCQ, BARI, "Total"]  # ARD group = the arm
    table = safety.format_ae_overview(out)
    assert table.columns.tolist()[1:] == [(f"{HCQ} (N = 2)", "n (%) [events]"), (f"{BARI} (N = 3)", "n (%) [events]"),
                                          ("Total (N = 4)", "n (%) [events]")]
    assert table.iloc[0].tolist() == ["Any TEAE", "2 (100.0) [2]", "2 (66.7) [2]", "3 (75.0) [4]"]


def test_controlled_period_is_the_first_84_days_before_any_switch_by_first_treatment():
    """The randomised comparison: events of study days 1 to 84 (12 weeks), before a switch, by TRT01A."""
    assert safety.CONTROLLED_PERIOD_DAYS == 84  # 12 weeks: the primary comparison, then the control's switch
    adsl = _switch_adsl()
    adae = pd.concat([_switch_adae(), pd.DataFrame({  # S3 on day 84 (in), S2 on day 85 (out)
        "USUBJID": ["S3", "S2"], "TRTEMFL": "Y", "AEBODSYS": SKIN, "AEDECOD": "Rash",
        "ASTDT": pd.to_datetime(["2021-03-25", "2021-03-26"]), "AETOXGR": 1, "AESER": ["Y", "N"], "RELFL": "N",
        "AEACN": "DOSE NOT CHANGED", "AEOUT": "RECOVERED/RESOLVED"})], ignore_index=True)
    # S1 zoster day 32, S3 zoster day 90, S3 cystitis at the switch (day 91), S4 cystitis day 32, S4 rash before the
    # first dose, S3 rash day 84, S2 rash day 85
    assert safety.started_in_controlled_period(adae, adsl).tolist() == [True, False, False, True, False, True, False]
    out = safety.summarize_ae_overview(adae[safety.started_in_controlled_period(adae, adsl)], adsl, arm="TRT01A",
                                       total=True)
    cells = out.set_index(["category", "arm"])[["n_subjects", "n_events", "big_n"]]
    # HCQ (S3, S4): S4's cystitis and S3's rash; baricitinib (S1, S2): S1's zoster; Total: 3 of 4
    assert cells.loc["Any TEAE"].values.tolist() == [[2, 2, 2], [1, 1, 2], [3, 3, 4]]
    assert cells.loc["Serious TEAE"]["n_subjects"].tolist() == [1, 0, 1]  # S3's rash; its serious cystitis is after
    assert out["arm"].drop_duplicates().tolist() == [HCQ, BARI, safety.TOTAL]
    # a switch on day 60 ends S3's period there: its rash of day 84 is after it
    early = adsl.assign(TR02SDT=pd.to_datetime([None, None, "2021-03-01", None, None]))
    assert safety.started_in_controlled_period(adae, early).tolist() == [True, False, False, True, False, False, False]
    # the first dose's day (study day 1) is in; a switch on day 60 ends the period that day, an event on it is not in
    edges = pd.DataFrame({"USUBJID": ["S1", "S3", "S3"], "TRTEMFL": "Y",
                          "ASTDT": pd.to_datetime(["2021-01-01", "2021-02-28", "2021-03-01"])})
    assert safety.started_in_controlled_period(edges, early).tolist() == [True, True, False]
    # no switch yet (an interim cut), or no second period at all: the first 84 days of everyone
    for unswitched in (adsl.assign(TRT02A=adsl["TRT01A"], TR02SDT=pd.NaT), adsl.drop(columns=["TRT02A", "TR02SDT"])):
        assert safety.started_in_controlled_period(adae, unswitched).tolist() == [True, False, False, True, False,
                                                                                   True, False]
    rows = safety.to_ard(out, analysis_id="SAF-AET01-CONTROLLED", **safety.ARD_LAYOUTS["ae_overview_controlled"])
    assert set(rows["population"]) == {"Safety population (SAFFL = Y), by first treatment (TRT01A)"}
    assert "first 12 weeks" in safety.CONTROLLED_NOTE and "study days 1 to 84" in safety.CONTROLLED_NOTE


def test_the_notes_of_the_adverse_event_tables_say_in_words_what_the_adam_names_mean():
    """Investigators read the table notes: the first treatment taken (TRT01A), the day of a switch (TR02SDT: an event
    on it is left out, ``started_in_controlled_period``) and the related flag (RELFL, a relationship not yet assessed
    included) in words; the ARD's populations keep the ADaM names."""
    assert safety.CONTROLLED_NOTE.startswith(
        "Columns by the first treatment taken, the arm each patient started on: events that started in the first 12 "
        "weeks (study days 1 to 84, day 1 the first dose) and before the day of a switch (the first dose of the "
        "treatment switched to). N: ")
    assert safety.ARD_LAYOUTS["ae_overview"]["method"] == (
        "Subjects counted once per row; events counted. Related: related or possibly related to study drug, or not "
        "yet assessed; AESI: adverse event of special interest")
    assert safety.ARD_LAYOUTS["ae_overview_controlled"]["method"] == (
        "As the overview of treatment-emergent adverse events, of the events that started in the first 84 days from "
        "the first dose and before the day of a switch (the first dose of the treatment switched to)")
    assert safety.FIRST_TREATMENT_POPULATION == "Safety population (SAFFL = Y), by first treatment (TRT01A)"


def test_controlled_period_refuses_a_treatment_emergent_event_without_a_start_date():
    adae = _switch_adae().assign(AESEQ=[1, 1, 2, 1, 2])
    adae.loc[2, "ASTDT"] = pd.NaT
    with pytest.raises(ValueError, match="ADAE: subject 'S3' has a treatment-emergent event without a start date "
                                         r"\(ASTDT; AESEQ 2, AEDECOD Cystitis\): its period is unknown"):
        safety.started_in_controlled_period(adae, _switch_adsl())
    adae.loc[2, "TRTEMFL"] = "N"  # not treatment-emergent: in no period
    assert not safety.started_in_controlled_period(adae, _switch_adsl())[2]


def test_as_treated_soc_pt_and_max_grade_by_treatment():
    adsl, adae = _switch_adsl(), _switch_adae()
    soc_pt = safety.summarize_ae_by_soc_pt(adae, adsl, **safety.table_arms(adsl)).set_index(["pt", "arm"])
    assert soc_pt.loc["Herpes zoster", "n_subjects"].tolist() == [1, 1, 2]  # S3 on HCQ, S1 on baricitinib
    assert soc_pt.loc["Cystitis", "n_subjects"].tolist() == [1, 1, 2]  # S4 on HCQ, S3 on baricitinib
    grade = safety.summarize_ae_by_max_grade(adae, adsl, **safety.table_arms(adsl))
    anyae = grade[(grade["soc"] == "") & (grade["n_subjects"] > 0)]
    # HCQ: S4 grade 1, S3 grade 2; baricitinib: S1 grade 1, S3 grade 3; Total: S1, S4 grade 1, S3 grade 3
    assert anyae[["grade", "arm", "n_subjects"]].values.tolist() == [  # grades, each with the arms in order
        ["1", HCQ, 1], ["1", BARI, 1], ["1", "Total", 2], ["2", HCQ, 1], ["3", BARI, 1], ["3", "Total", 1]]


def test_eair_splits_a_switched_patients_time_at_the_switch_date():
    rules = {"Herpes zoster": lambda ae: ae["AEDECOD"] == "Herpes zoster",
             "Cystitis": lambda ae: ae["AEDECOD"] == "Cystitis"}
    out = safety.summarize_aesi_eair(_switch_adae(), _switch_adsl(), categories=rules, window_days=0,
                                     **safety.table_arms(_switch_adsl()))
    days = out.assign(days=(out["pyears"] * 365.25).round(9)).set_index(["category", "arm"])
    # Zoster. HCQ: S3 to its event the day before the switch (90 days), S4 181 = 271, one patient.
    # Baricitinib: S1 to its event on day 32, S2 181, S3 from the switch 91 (no zoster then) = 304, one patient.
    # Total: 32 + 181 + 90 + 181 = 484 days, two patients (no split).
    assert days.loc["Herpes zoster", ["n_subjects", "days"]].values.tolist() == [[1, 271], [1, 304], [2, 484]]
    # Cystitis. HCQ: S3 90 (the whole first period), S4 to day 32 = 122; baricitinib: 181 + 181 + 1 (S3 on
    # the switch date) = 363; Total: 181 + 181 + 91 + 32 = 485.
    assert days.loc["Cystitis", ["n_subjects", "days"]].values.tolist() == [[1, 122], [1, 363], [2, 485]]
    assert days.loc[("Cystitis", HCQ), "rate"] == pytest.approx(100 / (122 / 365.25))
    table = safety.format_aesi_eair(out)
    assert table.columns[1] == (f"{HCQ} (N = 2)", "Patients, n (%)") and table.shape == (2, 13)
    assert table.iloc[0, -1] == f"{tables.format_number(2 / (484 / 365.25) * 100, 1)} " + tables.format_ci(
        *safety.compute_poisson_ci(2, 484 / 365.25), 1)


def test_without_a_switch_the_split_adds_up_to_the_whole_time():
    adsl = _switch_adsl().assign(TRT02A=lambda d: d["TRT01A"], TR02SDT=pd.NaT)
    out = safety.summarize_aesi_eair(_switch_adae(), adsl, categories={"Any": lambda ae: ae["USUBJID"] != ""},
                                     window_days=0, **safety.table_arms(adsl)).set_index("arm")
    assert out.loc[HCQ, "pyears"] + out.loc[BARI, "pyears"] == pytest.approx(out.loc["Total", "pyears"])
    assert out["big_n"].tolist() == [2, 2, 4]


def test_one_arm_gives_the_tables_of_today():
    """The single-arm pilot: the as-treated arguments of ``table_arms`` change no number and add no column."""
    adsl, adae = _adsl(), _adae()
    assert safety.table_arms(adsl) == {"arm": safety.AS_TREATED, "total": False}
    for summarize in (safety.summarize_ae_overview, safety.summarize_ae_by_soc_pt, safety.summarize_ae_by_max_grade):
        pd.testing.assert_frame_equal(summarize(adae, adsl, **safety.table_arms(adsl)), summarize(adae, adsl),
                                      check_dtype=False)
    adlb = _adlb()
    pd.testing.assert_frame_equal(safety.summarize_lab_shift(adlb, adsl, **safety.table_arms(adsl)),
                                  safety.summarize_lab_shift(adlb, adsl), check_dtype=False)
    pd.testing.assert_frame_equal(safety.summarize_lab_by_visit(adlb, adsl, **safety.table_arms(adsl)),
                                  safety.summarize_lab_by_visit(adlb, adsl), check_dtype=False)


def _switch_adlb():
    # S3: baseline normal, low at week 12 (HCQ), high at week 16 (baricitinib + HCQ); S4: normal throughout.
    return pd.DataFrame({
        "USUBJID": ["S3", "S3", "S3", "S4", "S4"], "PARAMCD": "NEUT",
        "AVISIT": ["Baseline", "Week 12", "Week 16", "Baseline", "Week 16"], "AVISITN": [0, 12, 16, 0, 16],
        "ABLFL": ["Y", "N", "N", "Y", "N"], "ANRIND": ["NORMAL", "LOW", "HIGH", "NORMAL", "NORMAL"],
        "AVAL": [2.0, 1.0, 9.0, 3.0, 3.5], "CHG": [None, -1.0, 7.0, None, 0.5], "TRTA": [HCQ, HCQ, BARI, HCQ, HCQ],
        "ANL01FL": "Y"})


def test_lab_shift_takes_the_worst_value_on_each_treatment_from_the_study_baseline():
    out = safety.summarize_lab_shift(_switch_adlb(), _switch_adsl(), worst="high", **safety.table_arms(_switch_adsl()))
    seen = out[out["n_subjects"] > 0][["arm", "shift", "n_subjects", "big_n"]].values.tolist()
    assert seen == [[HCQ, "NORMAL to LOW", 1, 2], [HCQ, "NORMAL to NORMAL", 1, 2], ["Total", "NORMAL to NORMAL", 1, 2],
                    [BARI, "NORMAL to HIGH", 1, 1], ["Total", "NORMAL to HIGH", 1, 2]]
    visits = safety.summarize_lab_by_visit(_switch_adlb(), _switch_adsl(), **safety.table_arms(_switch_adsl()))
    week16 = visits[(visits["AVISIT"] == "Week 16") & (visits["variable"] == "AVAL")]
    assert week16[["arm", "n", "mean"]].values.tolist() == [[HCQ, 1, 3.5], [BARI, 1, 9.0], ["Total", 2, 6.25]]


def test_switch_errors_name_the_subject_and_the_rule():
    with pytest.raises(ValueError, match=r"'S3' switched .* without a switch date \(TR02SDT\)"):
        safety.treatment_periods(_switch_adsl().assign(TR02SDT=pd.NaT))
    adae = _switch_adae()
    adae.loc[1, "ASTDT"] = pd.NaT
    with pytest.raises(ValueError, match=r"'S3' switched treatment and has a record without ASTDT \(AEDECOD Herpes zoster\)"):
        safety.summarize_ae_overview(adae, _switch_adsl(), arm=safety.AS_TREATED)
    adlb = _switch_adlb()
    adlb.loc[4, "TRTA"] = BARI
    with pytest.raises(ValueError, match="'S4', NEUT visit 16: TRTA .* not a treatment the subject took"):
        safety.summarize_lab_shift(adlb, _switch_adsl(), arm=safety.AS_TREATED)
    with pytest.raises(ValueError, match="ADLB: no TRTA column"):
        safety.summarize_lab_by_visit(_switch_adlb().drop(columns="TRTA"), _switch_adsl(), arm=safety.AS_TREATED)


@pytest.fixture(scope="module")
def randomised_example():
    """The analysis datasets of the shipped randomised example (87 patients, 12 switched at week 12)."""
    from analysis_utils import cleaning, synthetic

    ds = cleaning.derive_all(synthetic.generate_randomised_trial())
    return ds["adsl"], ds["adae"]


def test_randomised_example_counts_each_event_in_the_treatment_taken(randomised_example):
    from analysis_utils import synthetic

    adsl, adae = randomised_example
    control, treated = synthetic.CONTROL_ARM, synthetic.TREATED_ARM
    out = safety.summarize_ae_overview(adae, adsl, **safety.table_arms(adsl)).set_index(["category", "arm"])
    anyae = out.loc["Any TEAE"]
    switched = int((adsl["SWITCHFL"] == "Y").sum())
    assert anyae["big_n"].to_dict() == {control: 29, treated: 58 + switched, "Total": 87}
    # independently: a TEAE of a switched patient from the switch date on is the treated arm's
    teae = adae[adae["TRTEMFL"] == "Y"].merge(adsl[["USUBJID", "TRT01A", "TRT02A", "TR02SDT"]], on="USUBJID")
    taken = np.where(teae["TR02SDT"].notna() & (teae["ASTDT"] >= teae["TR02SDT"]), teae["TRT02A"], teae["TRT01A"])
    expected = teae.assign(arm=taken).groupby("arm")["USUBJID"].agg(["nunique", "size"])
    for arm in (control, treated):
        assert anyae.loc[arm, ["n_subjects", "n_events"]].tolist() == expected.loc[arm].tolist()
    assert anyae.loc["Total", "n_events"] == len(teae)
    assert anyae.loc[control, "n_events"] + anyae.loc[treated, "n_events"] == len(teae)
    assert anyae.loc["Total", "n_subjects"] == teae["USUBJID"].nunique()


def test_randomised_example_exposure_of_the_treatments_adds_up_to_the_total(randomised_example):
    adsl, adae = randomised_example
    eair = safety.summarize_aesi_eair(adae, adsl, data_cutoff="2022-01-31", **safety.table_arms(adsl))
    years = eair.pivot(index="category", columns="arm", values="pyears")
    none = eair.groupby("category")["n_subjects"].sum() == 0  # without events the time at risk is the whole time
    assert none.any()
    np.testing.assert_allclose(years.loc[none].drop(columns="Total").sum(axis=1), years.loc[none, "Total"])
    rows = safety.to_ard(eair, analysis_id="SAF-AESI-EAIR", **safety.ARD_LAYOUTS["aesi_eair"])
    assert rows["group"].drop_duplicates().tolist()[-1] == "Total"


def test_category_rules_read_a_column_without_records_typed_as_numbers():
    """An early data cut of a randomised trial had no adverse event yet: the empty ADAE's term columns came typed
    float, and the AESI rules on them stopped the build (``.str`` of a float column)."""
    empty = pd.DataFrame({c: pd.Series([], dtype=float) for c in ("AEBODSYS", "AEDECOD", "AESER")})
    for label in ("AESI: serious infection", "AESI: herpes zoster", "AESI: malignancy (neoplasm SOC)"):
        assert len(safety.AE_OVERVIEW_CATEGORIES[label](empty)) == 0


def test_tables_by_first_treatment_order_the_arms_by_their_code():
    # Alphabetically "Bari" comes first; by TRT01AN the control (code 1) does, as in every other table of the report.
    adsl = pd.DataFrame({"USUBJID": ["1", "2", "3"], "SAFFL": "Y", "TRT01A": ["Bari", "HCQ", "Bari"],
                         "TRT01AN": [2, 1, 2]})
    assert list(safety.compute_big_n(adsl).items()) == [("HCQ", 1), ("Bari", 2)]
    assert list(safety.compute_big_n(adsl.drop(columns="TRT01AN")).index) == ["Bari", "HCQ"]


def test_narratives_of_significant_events_only_with_the_treatment_taken_at_onset():
    # S1 switched from HCQ to Bari on 2021-04-01: her serious herpes zoster of 2021-05-01, ongoing, is on Bari since
    # the switch. S2's rash (not serious, dose not changed) has no narrative; S3's event before the first dose is
    # not treatment-emergent; S4 is outside the safety set.
    adsl = pd.DataFrame({"USUBJID": ["X-01-001", "X-01-002", "X-01-003", "X-01-004"], "SAFFL": ["Y", "Y", "Y", "N"],
                         "AGE": [60, 40, 50, 30], "SEX": ["F", "M", "F", "F"], "TRT01A": ["HCQ", "Bari", "Bari", ""],
                         "TRT01AN": [1, 2, 2, None], "TRT02A": ["Bari", "Bari", "Bari", ""],
                         "TRTSDT": pd.to_datetime(["2021-01-01", "2021-01-01", "2021-01-01", None]),
                         "TR02SDT": pd.to_datetime(["2021-04-01", None, None, None]),
                         "TRTEDT": pd.to_datetime(["2021-06-17", "2021-06-17", "2021-06-17", None]),
                         "EOSDT": pd.to_datetime(["2021-06-17", "2021-06-17", "2021-06-17", None]),
                         "EOSSTT": "COMPLETED", "DCSREAS": ""})
    adae = pd.DataFrame({"USUBJID": ["X-01-001", "X-01-002", "X-01-003", "X-01-004"], "AESEQ": 1,
                         "AETERM": ["shingles", "rash", "rash", "rash"],
                         "AEDECOD": ["Herpes zoster", "Rash", "Rash", "Rash"],
                         "ASTDT": pd.to_datetime(["2021-05-01", "2021-02-01", "2020-12-20", "2021-02-01"]),
                         "AENDT": pd.to_datetime([None, "2021-02-10", "2020-12-25", "2021-02-10"]),
                         "TRTEMFL": ["Y", "Y", "N", "Y"], "AESER": ["Y", "N", "Y", "Y"], "AETOXGR": [3, 1, 1, 3],
                         "AEREL": ["NOT RELATED", "RELATED", "RELATED", "RELATED"],
                         "AEACN": ["DOSE NOT CHANGED"] * 4,
                         "AEOUT": ["NOT RECOVERED/NOT RESOLVED"] + ["RECOVERED/RESOLVED"] * 3,
                         "DTHFL": "N"})
    out = safety.list_narratives(adae, adsl)
    assert out[["USUBJID", "AEDECOD"]].values.tolist() == [["X-01-001", "Herpes zoster"]]
    text = out["NARRATIVE"].iloc[0]
    # day 121 = 2021-05-01 - 2021-01-01 + 1; the switch on day 91
    assert text.startswith("A 60-year-old female patient on Bari since 2021-04-01 (day 91), after HCQ from 2021-01-01. "
                           "Herpes zoster (reported as \"shingles\"), from 2021-05-01 (day 121), still ongoing: CTCAE "
                           "grade 3, serious, not related to the study drug;")
    assert "Medications" not in text and "Laboratory" not in text  # no ADCM or ADLB given
    none = safety.list_narratives(adae.assign(AESER="N"), adsl)
    assert none.empty and list(none.columns) == ["USUBJID", "AESEQ", "AEDECOD", "NARRATIVE"]


def test_a_narrative_of_a_patient_treated_up_to_the_data_cut_gives_no_last_dose():
    """At a cut on 2021-06-05 patient 001 is on study and ADSL's last dose is the cut (the real one came later): the
    narrative says she was on treatment at the cut; with her end of study recorded, it gives the last dose."""
    adsl = pd.DataFrame({"USUBJID": ["X-01-001"], "SAFFL": "Y", "AGE": [50], "SEX": ["F"], "TRT01A": ["Bari"],
                         "TRTSDT": pd.to_datetime(["2021-01-01"]), "TRTEDT": pd.to_datetime(["2021-06-05"]),
                         "DCUTDT": pd.to_datetime(["2021-06-05"]), "EOSDT": pd.NaT, "EOSSTT": ["ONGOING"],
                         "DCSREAS": [""]})
    adae = pd.DataFrame({"USUBJID": ["X-01-001"], "AESEQ": [1], "AETERM": ["zoster"], "AEDECOD": ["Herpes zoster"],
                         "ASTDT": pd.to_datetime(["2021-06-01"]), "AENDT": pd.NaT, "TRTEMFL": "Y", "AESER": "Y",
                         "AETOXGR": [3], "AEREL": ["RELATED"], "AEACN": ["DOSE NOT CHANGED"],
                         "AEOUT": ["NOT RECOVERED/NOT RESOLVED"], "DTHFL": "N"})
    text = safety.list_narratives(adae, adsl)["NARRATIVE"].iloc[0]
    assert "On treatment at the data cut of 2021-06-05 (day 156); ongoing at the data cut." in text  # 31+28+31+30+31+5
    assert "Last dose" not in text
    left = adsl.assign(EOSSTT="DISCONTINUED", EOSDT=pd.to_datetime(["2021-06-05"]), DCSREAS="ADVERSE EVENT")
    assert "Last dose on 2021-06-05 (day 156)" in safety.list_narratives(adae, left)["NARRATIVE"].iloc[0]


def test_lab_alert_sentence_names_twenty_patients_at_most():
    alerts = pd.DataFrame({"USUBJID": [f"S-01-{i:03d}" for i in range(1, 26)], "PARAMCD": "NEUT", "ADY": 29})
    text = safety.describe_lab_alerts(alerts)
    assert text.startswith("Patients with such a value: neutrophils (10^9/L) in 25 (01-001, 01-002,")
    assert text.endswith("01-020 and 5 more).") and "01-021" not in text


def test_narrative_window_is_fourteen_days_both_ends_included():
    assert safety.NARRATIVE_WINDOW_DAYS == 14
    adsl = pd.DataFrame({"USUBJID": ["X-01-001"], "SAFFL": "Y", "AGE": [50], "SEX": ["F"], "TRT01A": ["Bari"],
                         "TRTSDT": pd.to_datetime(["2021-01-01"]), "TRTEDT": pd.to_datetime(["2021-03-01"]),
                         "EOSDT": pd.to_datetime(["2021-03-01"]), "EOSSTT": ["DISCONTINUED"],
                         "DCSREAS": ["ADVERSE EVENT"]})
    adae = pd.DataFrame({"USUBJID": ["X-01-001"], "AESEQ": [1], "AETERM": ["zoster"], "AEDECOD": ["Herpes zoster"],
                         "ASTDT": pd.to_datetime(["2021-02-01"]), "AENDT": pd.to_datetime(["2021-02-20"]),
                         "TRTEMFL": "Y", "AESER": "N", "AETOXGR": [2], "AEREL": ["RELATED"],
                         "AEACN": ["DRUG WITHDRAWN"], "AEOUT": ["RECOVERED/RESOLVED"], "DTHFL": "N"})
    # onset 2021-02-01: 2021-01-18 and 2021-02-15 are 14 days away (named), 2021-01-17 and 2021-02-16 are 15 (not)
    dates = pd.to_datetime(["2021-01-17", "2021-01-18", "2021-02-15", "2021-02-16"])
    adcm = pd.DataFrame({"USUBJID": "X-01-001", "CMDECOD": ["A", "B", "C", "D"], "CMDOSE": 1.0, "CMDOSU": "mg",
                         "CMDOSFRQ": "QD", "ASTDT": dates})
    adlb = pd.DataFrame({"USUBJID": "X-01-001", "PARAMCD": "ALT", "AVAL": [50.0, 51.0, 52.0, 53.0], "AVALU": "U/L",
                         "ANRIND": "HIGH", "ADT": dates})
    text = safety.list_narratives(adae, adsl, adcm=adcm, adlb=adlb)["NARRATIVE"].iloc[0]
    assert " b 1 mg QD" in text and " c 1 mg QD" in text and " a 1 mg" not in text and " d 1 mg" not in text
    assert "ALT 51 U/L" in text and "ALT 52 U/L" in text and "ALT 50 " not in text and "ALT 53 " not in text
