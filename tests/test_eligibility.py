"""Tests of analysis_utils.eligibility: 2016 ACR/EULAR items on both sides of each threshold,
classification, the protocol criteria per subject, and that a failing subject is reported."""

import numpy as np
import pandas as pd
import pytest

from analysis_utils.eligibility import (
    compute_acr_eular_2016, compute_serology_baseline, compute_stable_dose_days, derive_adelig, derive_ie_wide,
    summarize_criteria, summarize_eligibility,
)

MEASURED = ("FOCUSSC", "OSS", "SCHIRMER", "UWSFR")


def to_adie(wide: pd.DataFrame) -> pd.DataFrame:
    """ADIE rows (one per subject x item) from one row per subject, as cleaning writes them."""
    long = wide.melt(id_vars="USUBJID", var_name="IETESTCD", value_name="VALUE")
    measured = long["IETESTCD"].isin(MEASURED)
    return pd.DataFrame({
        "USUBJID": long["USUBJID"], "IETESTCD": long["IETESTCD"],
        "IEORRES": long["VALUE"].astype(object).where(long["VALUE"].notna(), "").astype(str),
        "IESTRESN": pd.to_numeric(long["VALUE"].where(measured), errors="coerce"),
    })


def acr(**values) -> pd.DataFrame:
    none_met = {"FOCUSSC": 0.0, "ANTISSA": "NEGATIVE", "OSS": 0, "SCHIRMER": 20.0, "UWSFR": 0.5,
                "ENTRY1": "Y", "ACREX1": "N"}
    return pd.DataFrame([{**none_met, **values}])


@pytest.mark.parametrize("values, score", [
    ({"FOCUSSC": 0.99}, 0), ({"FOCUSSC": 1.0}, 3),
    ({"ANTISSA": "NEGATIVE"}, 0), ({"ANTISSA": "POSITIVE"}, 3),
    ({"OSS": 4}, 0), ({"OSS": 5}, 1),
    ({"SCHIRMER": 5.1}, 0), ({"SCHIRMER": 5.0}, 1),
    ({"UWSFR": 0.11}, 0), ({"UWSFR": 0.1}, 1), ({"UWSFR": 0.3 - 0.2}, 1),  # 0.09999999999999998
    ({"FOCUSSC": np.nan, "OSS": np.nan}, 0),  # a test not done scores 0
])
def test_acr_eular_item_thresholds_and_weights(values, score):
    assert compute_acr_eular_2016(acr(**values))["SCORE"].tolist() == [score]


def test_acr_eular_maximum_is_9_and_classification_needs_4_entry_and_no_exclusion():
    full = {"FOCUSSC": 2.0, "ANTISSA": "POSITIVE", "OSS": 6, "SCHIRMER": 3.0, "UWSFR": 0.05}
    frame = pd.concat([acr(**full), acr(ANTISSA="POSITIVE"), acr(ANTISSA="POSITIVE", OSS=5),
                       acr(**full, ENTRY1="N"), acr(**full, ACREX1="Y")], ignore_index=True)
    got = compute_acr_eular_2016(frame)
    assert got["SCORE"].tolist() == [9, 3, 4, 9, 9]
    assert got["CLASSIFIED"].tolist() == [True, False, True, False, False]
    assert got["ENTRY"].tolist() == [True, True, True, False, True]
    assert got["EXCLUDED"].tolist() == [False, False, False, False, True]


def test_compute_stable_dose_days_merges_same_dose_records_and_restarts_at_a_dose_change():
    d = pd.Timestamp
    adsl = pd.DataFrame({"USUBJID": ["A", "B", "C"], "TRTSDT": [d("2021-07-01")] * 3})
    adcm = pd.DataFrame({
        "USUBJID": ["A", "A", "B", "B", "C"],
        "CMDECOD": ["PREDNISONE", "PREDNISONE", "PREDNISONE", "PREDNISONE", "HYDROXYCHLOROQUINE"],
        "CMCLAS": ["GLUCOCORTICOID"] * 4 + ["ANTIMALARIAL"],
        "CMDOSE": [10.0, 10.0, 10.0, 7.5, 400.0],
        "ASTDT": [d("2021-01-01"), d("2021-03-01"), d("2021-01-01"), d("2021-05-01"), d("2021-06-20")],
        "AENDT": [d("2021-02-28"), pd.NaT, d("2021-04-30"), pd.NaT, pd.NaT],
    })
    got = compute_stable_dose_days(adcm, adsl)
    assert got.to_dict() == {"A": 181, "B": 61}  # C takes no glucocorticoid or immunosuppressant


def test_compute_serology_baseline_raised_above_uln():
    adlb = pd.DataFrame({"USUBJID": ["A", "A", "B", "B"], "PARAMCD": ["IGG", "ESR", "IGG", "ESR"],
                         "ABLFL": "Y", "AVAL": [16.0, 30.0, 16.0, 20.0], "ANRHI": [16.0, 20.0, 16.0, 20.0]})
    got = compute_serology_baseline(adlb)
    assert got["RAISED"].tolist() == [True, False] and got["MISSING"].tolist() == [False, False]


@pytest.fixture
def study():
    d = pd.Timestamp
    adsl = pd.DataFrame({"USUBJID": ["P-001", "P-002"], "SUBJID": ["001", "002"], "AGE": [45, 17],
                         "SEX": ["F", "M"], "ANTISSA": ["POSITIVE", "POSITIVE"],
                         "TRTSDT": [d("2021-07-01"), d("2021-07-01")]})
    adeff = pd.DataFrame({"USUBJID": ["P-001", "P-001", "P-002", "P-002"],
                          "PARAMCD": ["ESSDAI", "EDLCNS", "ESSDAI", "EDLCNS"], "ABLFL": "Y",
                          "AVAL": [9.0, 0.0, 4.0, 2.0]})
    adlb = pd.DataFrame({"USUBJID": ["P-001", "P-002"], "PARAMCD": "IGG", "ABLFL": "Y",
                         "AVAL": [21.0, 12.0], "ANRHI": [16.0, 16.0]})
    adcm = pd.DataFrame({"USUBJID": ["P-002"], "CMDECOD": ["PREDNISONE"], "CMCLAS": ["GLUCOCORTICOID"],
                         "CMDOSE": [5.0], "ASTDT": [d("2021-06-01")], "AENDT": [pd.NaT]})
    answers = {c: "N" for c in ["ENTRY2", "ENTRY3", "ENTRY4", "ENTRY5", "ENTRY6", "ACREX1", "ACREX2",
                                "ACREX3", "ACREX4", "ACREX5", "ACREX6", "ACREX7", "EXC1", "EXC2", "EXC3", "EXC4"]}
    elig = pd.DataFrame([{"USUBJID": "P-001", "FOCUSSC": 1.5, "OSS": 5, "SCHIRMER": 4.0, "UWSFR": np.nan,
                          "ENTRY1": "Y", **answers, "INC1": "Y", "INC2": "Y", "INC3": "Y", "INC4": "Y"},
                         {"USUBJID": "P-002", "FOCUSSC": np.nan, "OSS": 3, "SCHIRMER": 10.0, "UWSFR": 0.2,
                          "ENTRY1": "Y", **answers, "EXC3": np.nan, "INC1": "Y", "INC2": "Y", "INC3": "Y",
                          "INC4": "Y"}])
    return adsl, adeff, adlb, adcm, to_adie(elig)


def test_derive_adelig_one_row_per_subject_and_criterion(study):
    adelig = derive_adelig(*study[:4], adie=study[4])
    assert list(adelig.columns) == ["USUBJID", "CRITTYPE", "CRITID", "CRITERION", "MET", "VALUE"]
    assert adelig.groupby("USUBJID").size().tolist() == [17, 17]
    assert not adelig.isna().any().any()
    assert set(adelig["MET"]) == {"Y", "N"}


def test_derive_adelig_evaluates_criteria_from_the_data(study):
    adelig = derive_adelig(*study[:4], adie=study[4]).set_index(["USUBJID", "CRITID"])
    met = adelig["MET"]
    assert met.loc["P-001"][["ACRSCORE", "ACRCLASS", "INC1", "INC2", "INC3", "INC4"]].tolist() == ["Y"] * 6
    assert met.loc["P-001"][["EXC1", "EXC2", "EXC3", "EXC4"]].tolist() == ["N"] * 4
    assert adelig.loc[("P-001", "ACRSCORE"), "VALUE"] == "8"  # 3 + 3 + 1 + 1
    assert adelig.loc[("P-001", "INC2"), "VALUE"] == "ESSDAI 9; CRF: Y"
    assert adelig.loc[("P-001", "INC3"), "VALUE"] == "CRP missing; ESR missing; IGG 21 g/L (ULN 16); CRF: Y"
    # P-002: score 3 (anti-SSA only), ESSDAI 4, IgG normal, age 17, CNS active, prednisone stable 30 days,
    # severe-infection answer missing (counts against eligibility).
    assert met.loc["P-002"][["ACRCLASS", "INC1", "INC2", "INC3", "INC4"]].tolist() == ["N"] * 5
    assert met.loc["P-002"][["EXC1", "EXC2", "EXC3", "EXC4"]].tolist() == ["Y", "N", "Y", "Y"]
    assert adelig.loc[("P-002", "EXC4"), "VALUE"] == "dose stable 30 days at first dose; CRF: N"
    assert adelig.loc[("P-002", "EXC3"), "VALUE"] == "CRF: missing"


def test_summarize_eligibility_reports_failing_subjects_with_the_criteria(study):
    summary = summarize_eligibility(derive_adelig(*study[:4], adie=study[4]))
    assert summary.values.tolist() == [
        ["P-001", "Y", "8", ""],
        ["P-002", "N", "3", "INC1, INC2, INC3, INC4, EXC1, EXC3, EXC4"],
    ]


def test_derive_adelig_without_crf_form_marks_crf_criteria_missing(study):
    adelig = derive_adelig(*study[:4]).set_index(["USUBJID", "CRITID"])
    assert adelig.loc[("P-001", "EXC3"), ["MET", "VALUE"]].tolist() == ["Y", "CRF: missing"]
    assert adelig.loc[("P-001", "ACRSCORE"), "VALUE"] == "3"  # anti-SSA from adsl only


def test_derive_ie_wide_takes_measurements_from_iestresn_and_blank_answers_as_missing():
    adie = pd.DataFrame({"USUBJID": ["A", "A", "A"], "IETESTCD": ["FOCUSSC", "UWSFR", "EXC3"],
                         "IEORRES": ["", "0.1", ""], "IESTRESN": [np.nan, 0.1, np.nan]})
    wide = derive_ie_wide(adie)
    assert wide.columns.tolist() == ["USUBJID", "FOCUSSC", "UWSFR", "EXC3"]
    assert pd.isna(wide.loc[0, "FOCUSSC"]) and wide.loc[0, "UWSFR"] == 0.1 and pd.isna(wide.loc[0, "EXC3"])
    with pytest.raises(ValueError, match="more than one UWSFR record for A"):
        derive_ie_wide(pd.concat([adie, adie.iloc[[1]]]))


def test_summarize_criteria_counts_subjects_meeting_each_criterion(study):
    counts = summarize_criteria(derive_adelig(*study[:4], adie=study[4])).set_index("CRITID")
    assert counts.loc["INC4", ["MET", "SUBJECTS"]].tolist() == [1, 2]
    assert counts.loc["EXC2", ["MET", "SUBJECTS"]].tolist() == [0, 2]
    assert counts.index.tolist()[:2] == ["ACR1", "ACR2"] and counts.index.tolist()[-1] == "EXC4"
