"""A laboratory test sampled twice at one scheduled visit (a haemolysed sample drawn again, an abnormal result
checked): the analyses by visit read one sample, the last with a result (ADLB ``ANL01FL``), a baseline one on or before
the first dose; each other sample is a data query (docs/decisions.md, "A test repeated at a visit"). Hand-worked on the
shipped trial: patient 001's first dose is on 2021-06-28; ALT 22 U/L at baseline (that day), 23 at week 12
(2021-09-20); IgG 18.5 g/L at baseline. Ten patients have a week-12 ALT."""

import pandas as pd
import pytest

from analysis_utils import cleaning, endpoints, safety, scoring

SUBJ = "NCT04916756-01-"
ALT_BL = "001,BL,2021-06-28,ALT,22,U/L,7.0,40.0\n"
ALT_W12 = "001,W12,2021-09-20,ALT,23,U/L,7.0,40.0\n"


def _alt(datasets: dict) -> pd.DataFrame:
    adlb = datasets["adlb"]
    return adlb[(adlb["USUBJID"] == SUBJ + "001") & (adlb["PARAMCD"] == "ALT")].set_index("ADT")


def test_a_repeat_at_week_12_is_read_once_the_last_sample(edit_export):
    result = edit_export("labs", (ALT_W12, ALT_W12 + "001,W12,2021-09-25,ALT,95,U/L,7.0,40.0\n"))
    assert result.ok
    query = result.queries[result.queries["rule"] == "repeated_sample"]
    assert query[["row", "USUBJID", "AVISIT", "variable", "value"]].values.tolist() == [
        ["23", SUBJ + "001", "Week 12", "LBDT", "2021-09-25"]]
    assert query["message"].iloc[0].endswith(
        "value '2021-09-25' is a second sample of ALT at this visit (the first on 2021-09-20, line 22): the analyses "
        "by visit read the last sample with a result (ANL01FL), the worst-value tables every one")
    datasets = cleaning.derive_all(result.typed)
    alt = _alt(datasets)
    assert alt.loc[["2021-09-20", "2021-09-25"], ["AVISIT", "AVAL", "ANL01FL", "CHG"]].values.tolist() == [
        ["Week 12", 23.0, "N", 1.0], ["Week 12", 95.0, "Y", 73.0]]
    table = safety.summarize_lab_by_visit(datasets["adlb"], datasets["adsl"], params=["ALT"])
    week12 = table[(table["AVISIT"] == "Week 12")].set_index("variable")
    assert week12.loc["AVAL", ["n", "max"]].tolist() == [10, 95.0]
    assert week12.loc["CHG", "max"] == 73.0
    adlb = datasets["adlb"]
    shift = safety.summarize_lab_shift(adlb[adlb["PARAMCD"] == "ALT"], datasets["adsl"], worst="high")
    assert shift["n_subjects"].sum() == 11  # each patient once, worst of every post-baseline sample
    assert shift.set_index("shift").loc["NORMAL to HIGH", "n_subjects"] >= 1


def test_a_repeat_without_a_result_leaves_the_first_sample_read(edit_export):
    result = edit_export("labs", (ALT_W12, ALT_W12 + "001,W12,2021-09-25,ALT,,U/L,7.0,40.0\n"))
    alt = _alt(cleaning.derive_all(result.typed))
    assert alt["ANL01FL"].tolist() == ["Y", "Y", "N", "Y"]  # baseline, week 12 (first), its empty repeat, week 24


def test_baseline_is_the_last_sample_on_or_before_the_first_dose(edit_export):
    """A sample three days before the dose, the day of the dose (analysed), two days after it (not a baseline)."""
    result = edit_export("labs", (ALT_BL, "001,BL,2021-06-25,ALT,30,U/L,7.0,40.0\n" + ALT_BL
                                  + "001,BL,2021-06-30,ALT,41,U/L,7.0,40.0\n"))
    assert result.ok
    found = result.queries[result.queries["USUBJID"] == SUBJ + "001"].set_index("rule")
    assert found.loc["repeated_sample", ["row", "value"]].tolist() == ["3", "2021-06-28"]
    assert found.loc["baseline_after_first_dose", ["row", "value"]].tolist() == ["4", "2021-06-30"]
    assert found.loc["baseline_after_first_dose", "message"].endswith(
        "is after the first dose on 2021-06-28: not a baseline (ABLFL), read by no analysis by visit")
    alt = _alt(cleaning.derive_all(result.typed))
    assert alt.loc[["2021-06-25", "2021-06-28", "2021-06-30"], ["ABLFL", "ANL01FL"]].values.tolist() == [
        ["N", "N"], ["Y", "Y"], ["N", "N"]]
    assert set(alt["BASE"]) == {22.0}


def _adeff(datasets: dict) -> pd.DataFrame:
    """ADEFF as 02_scoring derives it."""
    adsl, adqs = datasets["adsl"], datasets["adqs"]
    return cleaning.derive_vars_window(cleaning.derive_vars_trt(scoring.derive_adeff(adqs), adsl), adqs)


def test_an_efficacy_marker_repeated_counts_once_in_its_change_from_baseline(edit_export):
    igg = "001,BL,2021-06-28,IGG,18.5,g/L,7.0,17.0\n"
    plain = cleaning.derive_all(edit_export("labs").typed)
    repeated = cleaning.derive_all(edit_export("labs", (igg, "001,BL,2021-06-20,IGG,30.0,g/L,7.0,17.0\n" + igg)).typed)
    adsl = repeated["adsl"].set_index("USUBJID")
    assert adsl.loc[SUBJ + "001", "IGGBL"] == 18.5  # ADLB's baseline, not the first sample of the visit
    summary = [endpoints.summarize_efficacy(d["adsl"], _adeff(d), d["adlb"]).query(
        "analysis_id == 'EFF-IGG-SUMMARY'").reset_index(drop=True) for d in (plain, repeated)]
    pd.testing.assert_frame_equal(*summary)


def test_unscheduled_samples_are_never_repeats(edit_export):
    result = edit_export("labs", (ALT_W12, ALT_W12 + "001,UNS,2021-09-25,ALT,95,U/L,7.0,40.0\n"))
    assert "repeated_sample" not in set(result.queries["rule"])
    assert _alt(cleaning.derive_all(result.typed)).loc["2021-09-25", "ANL01FL"] == "N"


def test_the_summary_by_visit_never_counts_a_patient_twice(edit_export):
    result = edit_export("labs", (ALT_W12, ALT_W12 + "001,W12,2021-09-25,ALT,95,U/L,7.0,40.0\n"))
    datasets = cleaning.derive_all(result.typed)
    with pytest.raises(ValueError, match=f"subject '{SUBJ}001' has several ALT records at Week 12 \\(flag the one"):
        safety.summarize_lab_by_visit(datasets["adlb"], datasets["adsl"], params=["ALT"], flag=None)
