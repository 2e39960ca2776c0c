"""Laboratory results reported beyond a limit of quantification (``<0.8``, ``>140``): accepted as a data query, analysed
as half a lower limit or as an upper limit, and shown as reported (docs/decisions.md, "Laboratory results beyond a
limit"). Hand-worked on the shipped trial: patient 001's CRP is 3.3 mg/L at baseline and 0.6 at week 12 (normal range
0-8), patient 007's HBV DNA 0 IU/mL at baseline (normal range 0-20)."""

import math

import pandas as pd
import pytest

from analysis_utils import cleaning, safety, validation

SUBJ = "NCT04916756-01-"
CRP_BL = "001,BL,2021-06-28,CRP,3.3,mg/L,0.0,8.0"
CRP_W12 = "001,W12,2021-09-20,CRP,0.6,mg/L,0.0,8.0"
HBV_BL = "007,BL,2021-07-19,HBVDNA,0,IU/mL,0.0,20.0"


def test_the_rule_is_pinned():
    assert validation.BELOW_LIMIT_FRACTION == 0.5


@pytest.mark.parametrize(("text", "sign", "limit", "value"), [
    ("<0.8", "<", 0.8, 0.4),
    ("< 0.8", "<", 0.8, 0.4),
    ("<=20", "<", 20.0, 10.0),
    ("≤20", "<", 20.0, 10.0),
    ("＜20", "<", 20.0, 10.0),  # full-width, as a Chinese input method types it
    (" >140 ", ">", 140.0, 140.0),
    (">=140", ">", 140.0, 140.0),
    ("≥140", ">", 140.0, 140.0),
    ("＞140", ">", 140.0, 140.0),
    ("<.5", "<", 0.5, 0.25),
    ("<2.00E+01", "<", 20.0, 10.0),  # scientific notation, as an HBV DNA assay reports
    ("<1e2", "<", 100.0, 50.0),
    ("<1e", "", None, None),
    ("<-1", "", None, None),  # no negative limit
    ("<", "", None, None),
    ("<0.8 mg/L", "", None, None),  # a unit belongs in LBORRESU
    ("<<1", "", None, None),
    ("0.8", "", None, None),  # a plain number is read as a number, not here
    ("NEG", "", None, None),
])
def test_read_limit_results(text, sign, limit, value):
    found = validation.read_limit_results(pd.Series([text])).iloc[0]
    assert found["sign"] == sign
    assert (math.isnan(found["limit"]) and math.isnan(found["value"])) if limit is None else (
        (found["limit"], found["value"]) == (limit, value))


def test_each_result_beyond_a_limit_is_a_data_query_saying_what_is_analysed(edit_export):
    result = edit_export("labs", (CRP_W12, CRP_W12.replace(",0.6,", ",<0.8,")),
                     (HBV_BL, HBV_BL.replace(",0,", ",＜20,")), (CRP_BL, CRP_BL.replace(",3.3,", ",>3,")))
    assert result.ok
    found = result.queries[result.queries["rule"] == "result_beyond_limit"]
    assert found[["row", "USUBJID", "AVISIT", "value"]].values.tolist() == [
        ["10", SUBJ + "001", "Baseline", ">3"], ["30", SUBJ + "001", "Week 12", "<0.8"],
        ["373", SUBJ + "007", "Baseline", "＜20"]]
    assert [m.split("column LBORRES: ")[1] for m in found["message"]] == [
        "result_beyond_limit: value '>3' is above the limit of quantification of CRP: analysed as the limit, 3",
        "result_beyond_limit: value '<0.8' is below the limit of quantification of CRP: analysed as half the limit, 0.4",
        "result_beyond_limit: value '＜20' is below the limit of quantification of HBVDNA: analysed as half the limit, "
        "10"]


@pytest.mark.parametrize("bad", ["<", "<-1", "< 0.8 mg/L", "about 3"])
def test_other_text_is_still_no_result(edit_export, bad):
    result = edit_export("labs", (CRP_W12, CRP_W12.replace(",0.6,", f",{bad},")))
    assert result.errors[["row", "variable", "rule"]].values.tolist() == [["30", "LBORRES", "lab_result_type"]]


def test_adlb_analyses_half_a_lower_limit_and_an_upper_limit_and_keeps_the_text(edit_export):
    result = edit_export("labs", (CRP_W12, CRP_W12.replace(",0.6,", ",<0.8,")),
                     (CRP_BL, CRP_BL.replace(",3.3,", ",>3,")))
    datasets = cleaning.derive_all(result.typed)
    crp = datasets["adlb"].set_index(["USUBJID", "PARAMCD", "AVISIT"]).sort_index().loc[(SUBJ + "001", "CRP")]
    assert crp.loc["Baseline", ["AVAL", "LBSTRESC", "ANRIND"]].tolist() == [3.0, ">3.0", "NORMAL"]
    assert crp.loc["Week 12", ["AVAL", "LBSTRESC", "BASE", "CHG"]].tolist() == [0.4, "<0.8", 3.0, pytest.approx(-2.6)]
    assert datasets["adsl"].set_index("USUBJID").loc[SUBJ + "001", "CRPBL"] == 3.0


def test_a_limit_in_another_unit_is_converted_like_the_result(edit_export):
    result = edit_export("labs", (CRP_W12, "001,W12,2021-09-20,CRP,<0.08,mg/dL,0.0,0.8"))
    crp = cleaning.derive_all(result.typed)["adlb"].set_index(["USUBJID", "PARAMCD", "AVISIT"]).sort_index()
    assert crp.loc[(SUBJ + "001", "CRP", "Week 12"), ["AVAL", "LBSTRESC", "ANRHI"]].tolist() == [0.4, "<0.8", 8.0]


def test_the_lab_alert_listing_says_a_value_was_reported_beyond_a_limit():
    adlb = pd.DataFrame({"USUBJID": ["S1", "S1"], "PARAMCD": ["LYM", "NEUT"], "AVAL": [0.4, 0.9], "ATOXGR": [3, 3],
                         "LBSTRESC": ["<0.8", "0.9"]})
    assert safety.list_lab_alerts(adlb)["ALERT"].tolist() == [
        "CTCAE grade >= 3; below label threshold (LYM < 0.5); reported as <0.8, analysed as 0.4",
        "CTCAE grade >= 3; below label threshold (NEUT < 1.0)"]


def test_a_limit_in_scientific_notation_is_kept_as_reported_in_its_unit(edit_export):
    result = edit_export("labs", (HBV_BL, HBV_BL.replace(",0,", ",<2.00E+01,")))
    assert result.queries.query("rule == 'result_beyond_limit'")["value"].tolist() == ["<2.00E+01"]
    hbv = cleaning.derive_all(result.typed)["adlb"].set_index(["USUBJID", "PARAMCD", "AVISIT"]).sort_index()
    assert hbv.loc[(SUBJ + "007", "HBVDNA", "Baseline"), ["AVAL", "LBSTRESC"]].tolist() == [10.0, "<20.0"]


def test_hbv_dna_detected_is_a_laboratory_alert(edit_export):
    """The label: "If HBV DNA is detected, consult a hepatologist". Patient 007's baseline sample, not detected (0),
    alerts nothing; reported below the limit of quantification (<20 IU/mL, detected but not quantified) it alerts,
    with what was reported; its unscheduled 24,000 IU/mL of day 22 alerts in either export."""
    def alerts(result):
        adlb = cleaning.derive_all(result.typed)["adlb"]
        found = safety.list_lab_alerts(adlb.assign(ATOXGR=float("nan")), grade_col=None)
        return found.loc[found["PARAMCD"] == "HBVDNA", ["AVAL", "ALERT"]].values.tolist()

    assert alerts(edit_export("labs")) == [[24000.0, "detected (HBVDNA > 0)"]]
    assert alerts(edit_export("labs", (HBV_BL, HBV_BL.replace(",0,", ",<20,")))) == [
        [10.0, "detected (HBVDNA > 0); reported as <20.0, analysed as 10"], [24000.0, "detected (HBVDNA > 0)"]]


@pytest.mark.parametrize(("value", "hint"), [
    ("24,000", ": a comma between thousands? Write 24000 (or, a decimal comma, 24.000)"),
    ("1,234,567.5", ": a comma between thousands? Write 1234567.5"),
    ("3,3", ": a decimal comma? Write 3.3 (a point as the decimal separator)"),  # not a thousands separator
    ("<0,5", ": a decimal comma? Write <0.5 (a point as the decimal separator)"),  # beyond a limit too
])
def test_a_thousands_separator_is_named(edit_export, value, hint):
    result = edit_export("labs", (HBV_BL, HBV_BL.replace(",0,", f',"{value}",')))
    assert result.errors["message"].tolist() == [
        f"labs.csv, line 373, subject {SUBJ}007, visit Baseline, column LBORRES: lab_result_type: value '{value}' is "
        f"not a valid result of HBVDNA{hint}"]


@pytest.mark.parametrize("reported", ["Target Not Detected", "TND", "not detected", "未检出", "低于检测下限"])
def test_an_hbv_dna_not_detected_is_analysed_as_0_with_a_query(edit_export, reported):
    """Patient 007's baseline HBV DNA, 0 IU/mL in the shipped trial, reported as a laboratory system words it."""
    result = edit_export("labs", (HBV_BL, HBV_BL.replace(",0,", f",{reported},")))
    assert result.ok
    found = result.queries[result.queries["rule"] == "result_not_detected"]
    assert found["message"].tolist() == [
        f"labs.csv, line 373, subject {SUBJ}007, visit Baseline, column LBORRES: result_not_detected: value "
        f"'{reported}' is a result of HBVDNA reported as not detected: analysed as 0"]
    hbv = cleaning.derive_all(result.typed)["adlb"].set_index(["USUBJID", "PARAMCD", "AVISIT"]).sort_index()
    assert hbv.loc[(SUBJ + "007", "HBVDNA", "Baseline"), ["AVAL", "LBSTRESC", "ANRIND"]].tolist() == [
        0.0, "NOT DETECTED", "NORMAL"]


def test_not_detected_is_read_for_hbv_dna_only(edit_export):
    result = edit_export("labs", (CRP_W12, CRP_W12.replace(",0.6,", ",not detected,")))
    assert result.errors["rule"].tolist() == ["lab_result_type"]
