"""Tests of analysis_utils.conmeds: the medication table and the glucocorticoid dose by visit, by hand on
small frames and on the shipped synthetic trial (data/raw/conmeds.csv counted by hand)."""

import pandas as pd
import pytest

from analysis_utils import ard, cleaning, conmeds, safety, scoring

CUTOFF = "2022-01-31"


def _adsl():
    return pd.DataFrame({"USUBJID": ["S1", "S2", "S3"], "SAFFL": ["Y", "Y", "N"], "TRT01A": "Bari",
                         "TRTSDT": pd.to_datetime(["2021-07-01", "2021-07-05", "2021-07-01"])})


def _adcm():
    # S1: prednisone in two records (dose lowered on 2021-09-01) and hydroxychloroquine; S2: an eye drop
    # started during treatment and an antiviral after it; S3: outside the safety population.
    return pd.DataFrame({
        "USUBJID": ["S1", "S1", "S1", "S2", "S2", "S3"],
        "CMSEQ": [1, 2, 3, 1, 2, 1],
        "CMCLAS": ["GLUCOCORTICOID", "GLUCOCORTICOID", "ANTIMALARIAL", "OTHER", "OTHER", "GLUCOCORTICOID"],
        "CMDECOD": ["PREDNISONE", "PREDNISONE", "HYDROXYCHLOROQUINE", "SODIUM HYALURONATE", "ENTECAVIR",
                    "PREDNISONE"],
        "CMDOSE": [10.0, 5.0, 200.0, 1.0, 0.5, 10.0], "CMDOSU": ["mg", "mg", "mg", "drop", "mg", "mg"],
        "CMDOSFRQ": ["QD", "QD", "BID", "QID", "QD", "QD"],
        "ASTDT": pd.to_datetime(["2021-01-01", "2021-09-01", "2020-01-01", "2021-08-01", "2022-01-10", "2021-01-01"]),
        "AENDT": pd.to_datetime(["2021-08-31", None, None, None, None, None]),
        "PREFL": ["Y", "N", "Y", "N", "N", "Y"],
        "ONTRTFL": ["Y", "Y", "Y", "Y", "N", "Y"],
    })


def test_a_trial_of_two_arms_has_a_total_column_each_patient_once():
    """S1 (prednisone, prior and concomitant) on Bari, S2 (no prednisone) on HCQ: Total 1 of 2 (50.0 %)."""
    adsl = _adsl().assign(TRT01A=["Bari", "HCQ", "Bari"])
    table = conmeds.format_conmeds(conmeds.summarize_conmeds(_adcm(), adsl, total=True))
    assert [top for top, _ in table.columns[2::3]] == ["Bari (N = 1)", "HCQ (N = 1)", "Total (N = 2)"]
    row = table[table[("", "Medication")] == "Prednisone"].iloc[0]
    assert (row[("Bari (N = 1)", "Prior, n (%)")], row[("HCQ (N = 1)", "Prior, n (%)")],
            row[("Total (N = 2)", "Prior, n (%)")]) == ("1 (100.0)", "0", "1 (50.0)")


def test_the_note_of_a_trial_of_several_arms_names_the_first_treatment_in_words():
    assert conmeds.FIRST_TREATMENT_NOTE == ("Columns by the first treatment taken, as in Table 14.1.4: a patient who "
                                            "switched treatment counts there, before and after the switch.")


def test_medication_table_counts_patients_once_per_row_and_period():
    out = conmeds.summarize_conmeds(_adcm(), _adsl())
    got = {(p, c, d): n for p, c, d, n in out[["period", "cmclas", "cmdecod", "n_subjects"]].values}
    # S1's two prednisone records: one patient; S3 is not in the safety population.
    assert got[("Prior", "GLUCOCORTICOID", "PREDNISONE")] == 1
    assert got[("Concomitant", "GLUCOCORTICOID", "PREDNISONE")] == 1
    assert got[("Prior", "", "")] == 1 and got[("Concomitant", "", "")] == 2 and got[("After treatment", "", "")] == 1
    assert got[("After treatment", "OTHER", "ENTECAVIR")] == 1 and got[("Concomitant", "OTHER", "ENTECAVIR")] == 0
    assert (out["big_n"] == 2).all()
    assert out.loc[out["n_subjects"] == 2, "pct"].unique().tolist() == [100.0]
    # rows: any, then the classes in CM_CLASS_LABELS order, each followed by its drugs
    rows = list(dict.fromkeys(zip(out["cmclas"], out["cmdecod"])))
    assert rows == [("", ""), ("GLUCOCORTICOID", ""), ("GLUCOCORTICOID", "PREDNISONE"), ("ANTIMALARIAL", ""),
                    ("ANTIMALARIAL", "HYDROXYCHLOROQUINE"), ("OTHER", ""), ("OTHER", "ENTECAVIR"),
                    ("OTHER", "SODIUM HYALURONATE")]
    table = conmeds.format_conmeds(out)
    arm = "Bari (N = 2)"
    assert table.columns.tolist() == [("", "Medication class"), ("", "Medication"), (arm, "Prior, n (%)"),
                                      (arm, "Concomitant, n (%)"), (arm, "After treatment, n (%)")]
    assert table.iloc[0].tolist() == ["Any medication", "", "1 (50.0)", "2 (100.0)", "1 (50.0)"]
    assert table.iloc[1].tolist() == ["Glucocorticoid", "", "1 (50.0)", "1 (50.0)", "0"]
    assert table.iloc[7].tolist() == ["", "Sodium hyaluronate", "0", "1 (50.0)", "0"]


def test_medication_table_puts_an_unknown_class_last_and_refuses_an_uncoded_drug():
    adcm = _adcm()
    adcm.loc[3, "CMCLAS"] = "ANTIVIRAL"
    out = conmeds.summarize_conmeds(adcm, _adsl())
    assert list(dict.fromkeys(out.loc[out["cmdecod"] == "", "cmclas"])) == ["", "GLUCOCORTICOID", "ANTIMALARIAL",
                                                                            "OTHER", "ANTIVIRAL"]
    assert conmeds.format_conmeds(out)[("", "Medication class")].iloc[-2] == "ANTIVIRAL"
    with pytest.raises(ValueError, match=r"medication period 'Concomitant': ADCM has no column 'ONTRTFL'"):
        conmeds.summarize_conmeds(adcm.drop(columns="ONTRTFL"), _adsl())
    adcm.loc[1, "CMDECOD"] = " "
    with pytest.raises(ValueError, match=r"'S1' has a medication record with blank CMDECOD"):
        conmeds.summarize_conmeds(adcm, _adsl())


def test_visit_dates_take_the_first_dose_as_baseline_and_refuse_two_dates_at_a_visit():
    adeff = pd.DataFrame({"USUBJID": ["S1", "S1", "S2"], "AVISIT": ["Baseline", "Week 12", "Week 24"],
                          "ADT": pd.to_datetime(["2021-06-28", "2021-09-23", "2021-12-20"])})
    dates = conmeds.visit_dates(_adsl(), adeff)
    assert [(s, v, d.strftime("%m-%d")) for s, v, d in dates.values] == [
        ("S1", "Baseline", "07-01"), ("S1", "Week 12", "09-23"), ("S2", "Baseline", "07-05"),
        ("S2", "Week 24", "12-20"), ("S3", "Baseline", "07-01")]
    two = pd.concat([adeff, adeff.iloc[[1]].assign(ADT=pd.Timestamp("2021-09-24"))])
    with pytest.raises(ValueError, match=r"'S1', visit 'Week 12': assessments on different dates"):
        conmeds.visit_dates(_adsl(), two)


def test_gc_dose_on_a_visit_date_counts_records_running_that_day():
    dates = pd.DataFrame({"USUBJID": ["S1", "S1", "S1", "S2"], "AVISIT": ["Baseline", "Week 12", "Week 24", "Baseline"],
                          "ADT": pd.to_datetime(["2021-07-01", "2021-08-31", "2021-12-15", "2021-07-05"])})
    doses = conmeds.derive_gc_dose_by_visit(_adcm(), dates)
    # Baseline: 10 mg record only; 2021-08-31: last day of the 10 mg record (end date included);
    # 2021-12-15: the 5 mg record. S2 takes no glucocorticoid: 0.
    assert doses[["AVISIT", "AVAL", "BASE", "CHG", "CHGFL"]].values.tolist() == [
        ["Baseline", 10.0, 10.0, 0.0, "N"], ["Week 12", 10.0, 10.0, 0.0, "N"], ["Week 24", 5.0, 10.0, -5.0, "Y"],
        ["Baseline", 0.0, 0.0, 0.0, "N"]]
    bid = _adcm().assign(CMDOSFRQ="BID", CMDECOD="METHYLPREDNISOLONE")  # 2 x 10 mg x 5/4
    assert conmeds.derive_gc_dose_by_visit(bid, dates)["AVAL"].iloc[0] == 25.0


def test_gc_dose_on_the_day_of_a_change_is_the_new_dose():
    """The 10 mg record ended on 2021-09-01, the day the 5 mg one started (a dose change entered so): on that day
    the dose is 5 mg, not 15; a switch to methylprednisolone 4 mg (prednisone 5 mg) that day too."""
    adcm = _adcm()
    adcm.loc[0, "AENDT"] = pd.Timestamp("2021-09-01")
    dates = pd.DataFrame({"USUBJID": "S1", "AVISIT": ["Baseline", "Week 12"],
                          "ADT": pd.to_datetime(["2021-07-01", "2021-09-01"])})
    assert conmeds.derive_gc_dose_by_visit(adcm, dates)["AVAL"].tolist() == [10.0, 5.0]
    adcm.loc[1, ["CMDECOD", "CMDOSE"]] = ["METHYLPREDNISOLONE", 4.0]
    assert conmeds.derive_gc_dose_by_visit(adcm, dates)["AVAL"].tolist() == [10.0, 5.0]


def test_gc_dose_refuses_a_record_without_a_prednisone_equivalent():
    adcm = _adcm()
    adcm.loc[1, "CMDOSFRQ"] = "PRN"
    dates = pd.DataFrame({"USUBJID": ["S1", "S1"], "AVISIT": ["Baseline", "Week 12"],
                          "ADT": pd.to_datetime(["2021-07-01", "2021-09-23"])})
    with pytest.raises(ValueError, match=r"'S1', CMSEQ 2, taken at Week 12: no prednisone equivalent"):
        conmeds.derive_gc_dose_by_visit(adcm, dates)
    conmeds.derive_gc_dose_by_visit(adcm, dates.iloc[:1])  # not taken on the baseline date: no error


def test_gc_dose_summary_follows_the_baseline_users_and_counts_every_change():
    adsl = pd.DataFrame({"USUBJID": ["A", "B", "C"], "SAFFL": "Y", "TRT01A": "Bari"})
    # A: 10 then stopped (0); B: 4 then 4; C: none, then starts 5 mg at week 12.
    doses = pd.DataFrame({"USUBJID": ["A", "A", "B", "B", "C", "C"], "AVISIT": ["Baseline", "Week 12"] * 3,
                          "AVAL": [10.0, 0.0, 4.0, 4.0, 0.0, 5.0], "BASE": [10.0, 10.0, 4.0, 4.0, 0.0, 0.0],
                          "CHGFL": ["N", "Y", "N", "N", "N", "Y"]})
    out = conmeds.summarize_gc_dose(doses, adsl).set_index("AVISIT")
    assert out.loc["Baseline", ["n_assessed", "n_on_gc", "n", "mean", "median", "min", "max", "n_changed"]].tolist() \
        == [3, 2, 2, 7.0, 7.0, 4.0, 10.0, 0]
    wk12 = out.loc["Week 12"]
    # dose statistics: A (0) and B (4), the baseline users; on a glucocorticoid: B and C; changed: A and C
    assert (wk12["n"], wk12["mean"], wk12["n_on_gc"], wk12["n_changed"]) == (2, 2.0, 2, 2)
    assert wk12["pct_changed"] == pytest.approx(200 / 3)
    table = conmeds.format_gc_dose(out.reset_index())
    arm = table.columns[1][0]
    assert table.columns.tolist() == [("", ""), (arm, "Baseline"), (arm, "Week 12")] and arm.endswith("(N = 3)")
    assert table[(arm, "Week 12")].tolist() == ["3", "2 (66.7)", "2", "2.0 (2.83)", "2.0", "0 - 4", "2 (66.7)"]
    assert table[("", "")].iloc[-1] == "Dose changed from baseline, n (%)"


@pytest.fixture(scope="module")
def trial(_synthetic_trial):
    data = cleaning.derive_all(_synthetic_trial, data_cutoff=CUTOFF)
    data["adeff"] = scoring.derive_adeff(data["adqs"])
    return data


def test_shipped_trial_medications_counted_by_hand(trial):
    """data/raw/conmeds.csv by hand: hydroxychloroquine 001, 003, 005, 006, 007, 010; prednisone 002, 004, 008,
    011; methylprednisolone 009; methotrexate 002; mycophenolate 004; calcium/vitamin D 002, 004, 008, 011;
    sodium hyaluronate 001, 003, 006, 009; all started before the first dose and still taken. Entecavir for
    007 started 2021-08-10, two days after 007's last dose (2021-08-08): after treatment only."""
    out = conmeds.summarize_conmeds(trial["adcm"], trial["adsl"])
    got = {(p, d): n for p, c, d, n in out[["period", "cmclas", "cmdecod", "n_subjects"]].values if d}
    for period in ("Prior", "Concomitant"):
        assert {d: n for (p, d), n in got.items() if p == period and n} == {
            "HYDROXYCHLOROQUINE": 6, "PREDNISONE": 4, "METHYLPREDNISOLONE": 1, "METHOTREXATE": 1,
            "MYCOPHENOLATE MOFETIL": 1, "CALCIUM CARBONATE;COLECALCIFEROL": 4, "SODIUM HYALURONATE": 4}
    assert {d: n for (p, d), n in got.items() if p == "After treatment" and n} == {"ENTECAVIR": 1}
    classes = out[(out["cmdecod"] == "") & (out["period"] == "Prior")].set_index("cmclas")["n_subjects"]
    assert classes.to_dict() == {"": 11, "GLUCOCORTICOID": 5, "IMMUNOSUPPRESSANT": 2, "ANTIMALARIAL": 6, "OTHER": 8}
    rows = safety.to_ard(out, analysis_id="CM-CMT01", **conmeds.ARD_LAYOUTS["conmeds"])
    assert ard.get_stat(rows, "n_subjects", avisit="After treatment", variable="OTHER", category="ENTECAVIR") == 1
    assert not ard.stack_ard([rows]).empty


def test_shipped_trial_glucocorticoid_dose_unchanged(trial):
    """By hand: prednisone 10 mg (002, 004), 7.5 mg (008), 5 mg (011), methylprednisolone 4 mg = prednisone 5 mg
    (009), all daily with no end date: mean 7.5, SD sqrt((4 x 2.5^2) / 4) = 2.5, median 7.5, range 5-10 at every
    visit. Assessed: 11 at baseline, 10 at week 12 (007 left on day 21), 9 at week 24 (010 left on day 113)."""
    adsl, adcm, adeff = trial["adsl"], trial["adcm"], trial["adeff"]
    doses = conmeds.derive_gc_dose_by_visit(adcm, conmeds.visit_dates(adsl, adeff))
    baseline = doses[doses["AVISIT"] == "Baseline"].set_index("USUBJID")["AVAL"]
    assert baseline.to_dict() == adsl.set_index("USUBJID")["GCDOSEBL"].to_dict()  # ADSL's own baseline dose
    out = conmeds.summarize_gc_dose(doses, adsl)
    assert out["AVISIT"].tolist() == ["Baseline", "Week 12", "Week 24"]
    assert out["n_assessed"].tolist() == [11, 10, 9]
    assert out["n"].tolist() == [5, 5, 5] and out["n_on_gc"].tolist() == [5, 5, 5]
    assert out["mean"].tolist() == [7.5] * 3 and out["sd"].tolist() == pytest.approx([2.5] * 3)
    assert (out["min"].tolist(), out["max"].tolist()) == ([5.0] * 3, [10.0] * 3)
    assert out["n_changed"].tolist() == [0, 0, 0]
    rows = safety.to_ard(out, analysis_id="CM-GC-DOSE", **conmeds.ARD_LAYOUTS["gc_dose"])
    assert ard.get_stat(rows, "n_changed", avisit="Week 24") == 0


def test_shipped_trial_a_dose_change_shows(synthetic_export):
    """The table shows a change: 002's prednisone 10 mg stopped on 2021-09-01 and replaced by 5 mg."""
    raw = dict(synthetic_export)
    cm = raw["conmeds"].copy()
    i = cm.index[(cm["SUBJID"] == "002") & (cm["CMDECOD"] == "PREDNISONE")][0]
    cm.loc[i, "CMENDT"] = pd.Timestamp("2021-09-01")
    new = cm.loc[[i]].assign(CMSPID=9, CMDOSE=5.0, CMSTDT=pd.Timestamp("2021-09-02"), CMENDT=pd.NaT)
    raw["conmeds"] = pd.concat([cm, new], ignore_index=True)
    data = cleaning.derive_all(raw, data_cutoff=CUTOFF)
    doses = conmeds.derive_gc_dose_by_visit(data["adcm"], conmeds.visit_dates(data["adsl"],
                                                                            scoring.derive_adeff(data["adqs"])))
    out = conmeds.summarize_gc_dose(doses, data["adsl"]).set_index("AVISIT")
    assert out["n_changed"].tolist() == [0, 1, 1]
    assert out.loc["Week 12", "mean"] == pytest.approx(32.5 / 5)


def test_a_medication_not_yet_coded_is_counted_under_not_yet_coded_last_in_its_class(edit_export):
    """An interim export: 001's eye drops and 004's mycophenolate and calcium with vitamin D, all ongoing, entered
    before WHODrug coding (CMDECOD blank). Each blank is a data query, ADCM names them 'Not yet coded', the
    medication table counts them in their class after the coded drugs with a note, and 004's two such records are not
    one drug taken twice (no overlapping_medication). A blank name stopped the build ('required')."""
    result = edit_export("conmeds", ("001,2,Sodium hyaluronate eye drops,SODIUM HYALURONATE,",
                                     "001,2,Sodium hyaluronate eye drops,,"),
                         ("004,2,Mycophenolate mofetil,MYCOPHENOLATE MOFETIL,", "004,2,Mycophenolate mofetil,,"),
                         ("004,3,Calcium carbonate and vitamin D3,CALCIUM CARBONATE;COLECALCIFEROL,",
                          "004,3,Calcium carbonate and vitamin D3,,"))
    assert result.ok, result.errors["message"].tolist()
    found = result.queries[result.queries["file"] == "conmeds.csv"]
    assert found[["row", "variable", "rule"]].values.tolist() == [
        ["3", "CMDECOD", "missing_item"], ["10", "CMDECOD", "missing_item"], ["11", "CMDECOD", "missing_item"]]
    ds = cleaning.derive_all(result.typed)
    adcm, adsl = ds["adcm"], ds["adsl"]
    assert adcm.loc[adcm["CMDECOD"] == cleaning.NOT_CODED, ["USUBJID", "CMTRT"]].values.tolist() == [
        ["NCT04916756-01-001", "Sodium hyaluronate eye drops"], ["NCT04916756-01-004", "Mycophenolate mofetil"],
        ["NCT04916756-01-004", "Calcium carbonate and vitamin D3"]]
    table = conmeds.format_conmeds(conmeds.summarize_conmeds(adcm, adsl))
    drugs = table[("", "Medication")].tolist()
    for cls in ("Immunosuppressant", "Other"):  # the last row of each class
        start = table.index[table[("", "Medication class")] == cls][0]
        end = next((i for i in range(start + 1, len(table)) if table.iloc[i][("", "Medication class")]), len(table))
        assert drugs[end - 1] == "Not yet coded" and drugs[start + 1:end - 1].count("Not yet coded") == 0
    assert conmeds.describe_not_coded(adcm) == ("'Not yet coded': 3 records of 2 patients whose drug name is not yet "
                                                "coded in WHODrug, counted under it.")
    assert conmeds.describe_not_coded(adcm[adcm["CMDECOD"] != cleaning.NOT_CODED]) == ""


def test_each_arm_has_its_periods_together():
    # Rows come period by period; the columns were (HCQ, Prior), (Bari, Prior), (HCQ, Concomitant)...: an arm's
    # header repeated over columns apart.
    res = pd.DataFrame({"arm": ["HCQ", "Bari", "HCQ", "Bari"],
                        "period": ["Prior", "Prior", "Concomitant", "Concomitant"], "cmclas": "", "cmdecod": "",
                        "n_subjects": [1, 2, 3, 4], "big_n": [10, 20, 10, 20], "pct": 0.0})
    assert list(conmeds.format_conmeds(res).columns)[2:] == [
        ("HCQ (N = 10)", "Prior, n (%)"), ("HCQ (N = 10)", "Concomitant, n (%)"),
        ("Bari (N = 20)", "Prior, n (%)"), ("Bari (N = 20)", "Concomitant, n (%)")]


def test_glucocorticoid_dose_by_arm_puts_the_control_first():
    # "Bari" sorts first and comes first in ADSL; by TRT01AN the control (code 1) leads, as in every other table.
    adsl = pd.DataFrame({"USUBJID": ["1", "2"], "SAFFL": "Y", "TRT01A": ["Bari", "HCQ"], "TRT01AN": [2, 1]})
    doses = pd.DataFrame({"USUBJID": ["1", "2"], "AVISIT": "Baseline", "AVAL": [5.0, 10.0], "BASE": [5.0, 10.0],
                          "CHGFL": "N"})
    out = conmeds.summarize_gc_dose(doses, adsl, visits=["Baseline"])
    assert out["arm"].astype(str).tolist() == ["HCQ", "Bari"]
