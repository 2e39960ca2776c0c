"""Tests of analysis_utils.eligibility: 2016 ACR/EULAR items on both sides of each threshold,
classification, the protocol criteria per subject, and that a failing subject is reported."""

import numpy as np
import pandas as pd
import pytest

from analysis_utils.eligibility import (
    ELIG_RESULTS, compute_acr_eular_2016, compute_serology_baseline, compute_stable_dose_days, derive_adelig,
    derive_ie_wide, describe_ineligible, eligibility_to_ard, summarize_criteria, summarize_eligibility,
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
    assert list(adelig.columns) == ["USUBJID", "CRITTYPE", "CRITID", "CRITERION", "AVALC", "VALUE"]
    assert adelig.groupby("USUBJID").size().tolist() == [17, 17]
    assert not adelig.isna().any().any()
    assert set(adelig["AVALC"]) == set(ELIG_RESULTS) == {"MET", "NOT MET", "NOT DONE"}


def test_derive_adelig_evaluates_criteria_from_the_data(study):
    adelig = derive_adelig(*study[:4], adie=study[4]).set_index(["USUBJID", "CRITID"])
    result = adelig["AVALC"]
    assert result.loc["P-001"][["ACRSCORE", "ACRCLASS", "INC1", "INC2", "INC3", "INC4"]].tolist() == ["MET"] * 6
    assert result.loc["P-001"][["EXC1", "EXC2", "EXC3", "EXC4"]].tolist() == ["NOT MET"] * 4
    assert result.loc["P-001"][["ACR1", "ACR2", "ACR3", "ACR4", "ACR5"]].tolist() == ["MET"] * 4 + ["NOT DONE"]
    assert adelig.loc[("P-001", "ACRSCORE"), "VALUE"] == "8"  # 3 + 3 + 1 + 1; saliva flow not done
    assert adelig.loc[("P-001", "ACRCLASS"), "VALUE"] == "score 8 from the items done; not done: ACR5"
    assert adelig.loc[("P-001", "INC2"), "VALUE"] == "ESSDAI 9; CRF: Y"
    assert adelig.loc[("P-001", "INC3"), "VALUE"] == "CRP missing; ESR missing; IGG 21 g/L (ULN 16); CRF: Y"
    # P-002: biopsy not done, anti-SSA only (score 3, at most 6 with the biopsy): the score and the
    # classification, hence INC1, are not done; ESSDAI 4; IgG normal with CRP and ESR missing (not done);
    # age 17; CNS active; prednisone stable 30 days; the severe-infection answer is missing (not done).
    assert result.loc["P-002"][["ACR1", "ACR2", "ACR3", "ACR4", "ACR5"]].tolist() == [
        "NOT DONE", "MET", "NOT MET", "NOT MET", "NOT MET"]
    assert result.loc["P-002"][["ACRSCORE", "ACRCLASS", "INC1"]].tolist() == ["NOT DONE"] * 3
    assert result.loc["P-002"][["INC2", "INC3", "INC4"]].tolist() == ["NOT MET", "NOT DONE", "NOT MET"]
    assert result.loc["P-002"][["EXC1", "EXC2", "EXC3", "EXC4"]].tolist() == ["MET", "NOT MET", "NOT DONE", "MET"]
    assert adelig.loc[("P-002", "ACRCLASS"), "VALUE"] == "score 3 from the items done; not done: ACR1; not evaluable"
    assert adelig.loc[("P-002", "EXC4"), "VALUE"] == "dose stable 30 days at first dose; CRF: N"
    assert adelig.loc[("P-002", "EXC3"), "VALUE"] == "CRF: missing"


def test_summarize_eligibility_lists_failed_and_not_done_criteria_apart(study):
    summary = summarize_eligibility(derive_adelig(*study[:4], adie=study[4]))
    assert summary.columns.tolist() == ["USUBJID", "ELIGFL", "ACRSCORE", "ACRCLASS", "FAILED", "NOTDONE"]
    assert summary.values.tolist() == [
        ["P-001", "Y", "8", "MET", "", ""],
        ["P-002", "N", "3", "NOT DONE", "INC2 not met, INC4 not met, EXC1 met, EXC4 met", "INC1, INC3, EXC3"],
    ]


def test_a_subject_with_only_criteria_not_done_is_not_shown_eligible_nor_failed(study):
    adsl, adeff, adlb, adcm, adie = study
    adie = adie[~((adie["USUBJID"] == "P-001") & (adie["IETESTCD"] == "EXC3"))]  # answer left blank
    summary = summarize_eligibility(derive_adelig(adsl, adeff, adlb, adcm, adie=adie)).set_index("USUBJID")
    assert summary.loc["P-001", ["ELIGFL", "FAILED", "NOTDONE"]].tolist() == ["N", "", "EXC3"]


def test_derive_adelig_without_crf_form_marks_crf_criteria_not_done(study):
    adelig = derive_adelig(*study[:4]).set_index(["USUBJID", "CRITID"])
    assert adelig.loc[("P-001", "EXC3"), ["AVALC", "VALUE"]].tolist() == ["NOT DONE", "CRF: missing"]
    assert adelig.loc[("P-001", "ACRSCORE"), "VALUE"] == "3"  # anti-SSA from adsl only
    # Anti-SSA (3) with the four other tests not done (at most 9), no entry answers: not evaluable.
    assert adelig.loc[("P-001", "ACRCLASS"), "AVALC"] == "NOT DONE"
    assert adelig.loc[("P-001", "ACR1"), ["AVALC", "VALUE"]].tolist() == ["NOT DONE", "not done"]


def test_derive_ie_wide_takes_measurements_from_iestresn_and_blank_answers_as_missing():
    adie = pd.DataFrame({"USUBJID": ["A", "A", "A"], "IETESTCD": ["FOCUSSC", "UWSFR", "EXC3"],
                         "IEORRES": ["", "0.1", ""], "IESTRESN": [np.nan, 0.1, np.nan]})
    wide = derive_ie_wide(adie)
    assert wide.columns.tolist() == ["USUBJID", "FOCUSSC", "UWSFR", "EXC3"]
    assert pd.isna(wide.loc[0, "FOCUSSC"]) and wide.loc[0, "UWSFR"] == 0.1 and pd.isna(wide.loc[0, "EXC3"])
    with pytest.raises(ValueError, match="more than one UWSFR record for A"):
        derive_ie_wide(pd.concat([adie, adie.iloc[[1]]]))


def test_summarize_criteria_counts_met_not_met_and_not_done_with_the_denominator(study):
    counts = summarize_criteria(derive_adelig(*study[:4], adie=study[4])).set_index("CRITID")
    assert counts.columns.tolist() == ["CRITTYPE", "CRITERION", "MET", "NOTMET", "NOTDONE", "SUBJECTS"]
    assert counts.loc["INC4", ["MET", "NOTMET", "NOTDONE", "SUBJECTS"]].tolist() == [1, 1, 0, 2]
    assert counts.loc["EXC2", ["MET", "NOTMET", "NOTDONE", "SUBJECTS"]].tolist() == [0, 2, 0, 2]
    assert counts.loc["ACR1", ["MET", "NOTMET", "NOTDONE", "SUBJECTS"]].tolist() == [1, 0, 1, 2]
    assert counts.loc["EXC3", ["MET", "NOTMET", "NOTDONE", "SUBJECTS"]].tolist() == [0, 1, 1, 2]
    assert (counts[["MET", "NOTMET", "NOTDONE"]].sum(axis=1) == counts["SUBJECTS"]).all()
    assert counts.index.tolist()[:2] == ["ACR1", "ACR2"] and counts.index.tolist()[-1] == "EXC4"


def test_labial_biopsy_never_done_is_counted_as_not_done_not_as_not_met():
    # The issue's case: 11 subjects, the biopsy done in 3 (all positive), never done in 8.
    ids = [f"S{i:02d}" for i in range(11)]
    d = pd.Timestamp
    adsl = pd.DataFrame({"USUBJID": ids, "AGE": 40, "SEX": "F", "ANTISSA": "POSITIVE", "TRTSDT": d("2021-07-01")})
    adeff = pd.DataFrame({"USUBJID": ids, "PARAMCD": "ESSDAI", "ABLFL": "Y", "AVAL": 8.0})
    adlb = pd.DataFrame({"USUBJID": ids, "PARAMCD": "IGG", "ABLFL": "Y", "AVAL": 20.0, "ANRHI": 16.0})
    adcm = pd.DataFrame({"USUBJID": ["S00"], "CMDECOD": ["HYDROXYCHLOROQUINE"], "CMCLAS": ["ANTIMALARIAL"],
                         "CMDOSE": [400.0], "ASTDT": [d("2021-01-01")], "AENDT": [pd.NaT]})
    wide = pd.DataFrame({"USUBJID": ids, "FOCUSSC": [2.0] * 3 + [np.nan] * 8, "OSS": 6, "SCHIRMER": 3.0,
                         "UWSFR": 0.05, "ENTRY1": "Y"})
    counts = summarize_criteria(derive_adelig(adsl, adeff, adlb, adcm, adie=to_adie(wide))).set_index("CRITID")
    assert counts.loc["ACR1", ["MET", "NOTMET", "NOTDONE", "SUBJECTS"]].tolist() == [3, 0, 8, 11]
    # anti-SSA (3) + OSS, Schirmer, saliva (3 x 1) = 6 >= 4 without the biopsy: the score is met in all 11.
    assert counts.loc["ACRSCORE", ["MET", "NOTMET", "NOTDONE"]].tolist() == [11, 0, 0]


# Hand-worked 2016 ACR/EULAR cases with tests not done (weights: biopsy 3, anti-SSA 3, OSS 1, Schirmer 1,
# saliva 1; classified when the score is >= 4, an entry answer is Y and no exclusion answer is Y).
NO_EXCLUSION = {f"ACREX{i}": "N" for i in range(1, 8)}
ALL_ENTRY_N = {f"ENTRY{i}": "N" for i in range(1, 7)}


@pytest.mark.parametrize("values, score, score_max, classified, evaluable", [
    # anti-SSA + OSS = 4 without the biopsy: classified; the biopsy can only add points.
    ({"FOCUSSC": np.nan, "ANTISSA": "POSITIVE", "OSS": 5, **NO_EXCLUSION}, 4, 7, True, True),
    # OSS only = 1, biopsy not done: at most 1 + 3 = 4, so the biopsy decides: not evaluable.
    ({"FOCUSSC": np.nan, "OSS": 5, **NO_EXCLUSION}, 1, 4, False, False),
    # nothing positive, biopsy not done: at most 3 < 4, not classified whatever the biopsy shows.
    ({"FOCUSSC": np.nan, **NO_EXCLUSION}, 0, 3, False, True),
    # anti-SSA = 3, OSS not done: at most 4, not evaluable.
    ({"ANTISSA": "POSITIVE", "OSS": np.nan, **NO_EXCLUSION}, 3, 4, False, False),
    # anti-SSA not done (blank), biopsy 3: at most 6, not evaluable.
    ({"ANTISSA": "", "FOCUSSC": 1.0, **NO_EXCLUSION}, 3, 6, False, False),
    # score 9 but exclusion answers 2-7 missing: classified on the answers recorded, not evaluable.
    ({"FOCUSSC": 2.0, "ANTISSA": "POSITIVE", "OSS": 6, "SCHIRMER": 3.0, "UWSFR": 0.05}, 9, 9, True, False),
    # score 9 but every entry answer N: not classified, evaluable.
    ({"FOCUSSC": 2.0, "ANTISSA": "POSITIVE", "OSS": 6, "SCHIRMER": 3.0, "UWSFR": 0.05, **ALL_ENTRY_N,
      **NO_EXCLUSION}, 9, 9, False, True),
    # an exclusion answered Y settles it, whatever is missing.
    ({"FOCUSSC": np.nan, "ACREX4": "Y"}, 0, 3, False, True),
])
def test_acr_eular_not_done_scores_0_and_flags_the_classification_not_evaluable(values, score, score_max,
                                                                                  classified, evaluable):
    got = compute_acr_eular_2016(acr(**values)).iloc[0]
    assert (got["SCORE"], got["SCOREMAX"], got["CLASSIFIED"], got["EVALUABLE"]) == (
        score, score_max, classified, evaluable)


def test_summarize_criteria_rejects_an_unknown_result():
    e = pd.DataFrame({"USUBJID": ["A"], "CRITTYPE": "INCLUSION", "CRITID": "INC4", "CRITERION": "",
                      "AVALC": ["Y"], "VALUE": ""})
    with pytest.raises(ValueError, match="AVALC must be one of"):
        summarize_criteria(e)


def test_eligibility_ard_rows_match_the_tables(study):
    adelig = derive_adelig(*study[:4], adie=study[4])
    by_criterion, by_subject = summarize_criteria(adelig), summarize_eligibility(adelig)
    rows = eligibility_to_ard(by_criterion, by_subject)
    assert set(rows["analysis_id"]) == {"ELIG-CRITERIA", "ELIG-SUBJECTS"}
    crit = rows[rows["analysis_id"] == "ELIG-CRITERIA"]
    acr1 = crit[crit["paramcd"] == "ACR1"].set_index(["stat_name", "category"])["stat_value"]
    assert acr1.to_dict() == {("n", "MET"): 1.0, ("n", "NOT MET"): 0.0, ("n", "NOT DONE"): 1.0, ("big_n", ""): 2.0}
    n = crit[crit["stat_name"] == "n"].groupby("paramcd", sort=False)["stat_value"].sum()
    big_n = crit[crit["stat_name"] == "big_n"].set_index("paramcd")["stat_value"]
    assert len(n) == 17 and (n == big_n.reindex(n.index)).all()
    subjects = rows[rows["analysis_id"] == "ELIG-SUBJECTS"].set_index("category")["stat_value"]
    assert subjects.to_dict() == {"Y": 1.0, "N": 1.0, "": 2.0}


def test_the_patients_not_eligible_are_named_twenty_at_most():
    subjects = pd.DataFrame({"USUBJID": [f"X-01-{i:03d}" for i in range(1, 31)], "ELIGFL": "N", "FAILED": "EXC1 met",
                             "NOTDONE": ""})
    text = describe_ineligible(subjects)
    assert text.startswith("30 of 30 patients are not shown eligible: 01-001 (EXC1 met),")
    assert text.endswith("01-020 (EXC1 met), and 10 more, listed first below.")


def test_baricitinib_started_below_the_label_threshold_is_queried_at_each_start():
    """Patient a starts baricitinib with lymphocytes 0.49 (below 0.5) and haemoglobin 80 (the threshold itself: not
    below); b starts HCQ alone with neutrophils 0.9 (no baricitinib, a planned dose of 0: no query, whatever the arm is
    called) and switches to baricitinib on a day
    whose sample, drawn before the first new dose, has neutrophils 0.95; c's baseline 0.8 was followed by 1.1, the last
    value before its first dose."""
    from analysis_utils.eligibility import STARTED_BELOW_LABEL, derive_label_queries
    day = pd.Timestamp("2021-01-05")
    adsl = pd.DataFrame({"USUBJID": ["a", "b", "c"], "TRT01A": ["Bari 4 mg", "Control", "Bari 4 mg"],
                         "DOSE01A": [4.0, 0.0, 4.0], "DOSE02A": 4.0,
                         "TRTSDT": [day] * 3, "TRT02A": ["Bari 4 mg", "Bari 4 mg", "Bari 4 mg"],
                         "TR02SDT": [pd.NaT, pd.Timestamp("2021-04-01"), pd.NaT]})
    adlb = pd.DataFrame({"USUBJID": ["a", "a", "b", "b", "b", "c", "c"],
                         "PARAMCD": ["LYM", "HGB", "NEUT", "NEUT", "NEUT", "NEUT", "NEUT"],
                         "AVAL": [0.49, 80.0, 0.9, 0.95, 0.5, 0.8, 1.1],
                         "ADT": pd.to_datetime(["2021-01-05", "2021-01-05", "2021-01-05", "2021-04-01", "2021-04-02",
                                                "2020-12-20", "2021-01-04"]),
                         "AVISIT": ["Baseline", "Baseline", "Baseline", "Week 12", "Week 12", "Screening", "Baseline"]})
    out = derive_label_queries(adlb, adsl)
    assert out[["USUBJID", "AVISIT", "variable", "value"]].values.tolist() == [
        ["a", "Baseline", "LYM", "0.49"], ["b", "Week 12", "NEUT", "0.95"]]
    assert set(out["rule"]) == {STARTED_BELOW_LABEL} and set(out["source"]) == {"eligibility"}
    assert out["message"].iloc[1] == (
        "Bari 4 mg started on 2021-04-01 (switch) with neutrophils (10^9/L) 0.95 on 2021-04-01: the label advises "
        "against starting baricitinib below 1; a deviation to confirm (analysed as recorded)")


def test_no_label_query_without_a_sample_before_a_start_or_without_the_tests():
    """No neutrophil, lymphocyte or haemoglobin sample on or before the start (only CRP; a sample after it; none at
    all; an ADSL without the treatment taken): no query, and no error (an empty selection compared text with
    numbers). A value below a limit of quantification says how it was reported."""
    from analysis_utils.eligibility import derive_label_queries
    adsl = pd.DataFrame({"USUBJID": ["a"], "TRT01A": ["Bari 4 mg"], "DOSE01A": [4.0],
                         "TRTSDT": pd.to_datetime(["2021-01-05"])})
    sample = pd.DataFrame({"USUBJID": ["a"], "PARAMCD": ["CRP"], "AVAL": [1.0], "ADT": pd.to_datetime(["2021-01-05"]),
                           "AVISIT": ["Baseline"]})
    for adlb in (sample, sample.assign(PARAMCD="NEUT", ADT=pd.Timestamp("2021-01-09")), sample.iloc[:0]):
        assert derive_label_queries(adlb, adsl).empty
        assert derive_label_queries(adlb, adsl.drop(columns="TRT01A")).empty
    low = sample.assign(PARAMCD="LYM", AVAL=0.15, LBSTRESC="<0.3")
    message = derive_label_queries(low, adsl)["message"][0]
    assert " lymphocytes (10^9/L) 0.15 (reported as <0.3) on 2021-01-05:" in message


def test_a_criterion_the_data_meet_but_the_crf_answers_otherwise_is_queried():
    """INC2 answered N though the baseline ESSDAI (17) meets it; EXC2 answered Y though the data say it does not
    apply: the site's own record says the patient was not eligible. A CRF answer that agrees, or one missing, raises
    nothing."""
    from analysis_utils.eligibility import CRF_CONTRADICTS_DATA, derive_queries
    adelig = pd.DataFrame({"USUBJID": "S-01-005", "CRITTYPE": ["INCLUSION", "INCLUSION", "EXCLUSION", "EXCLUSION"],
                           "CRITID": ["INC2", "INC4", "EXC2", "EXC3"],
                           "CRITERION": ["ESSDAI >= 5", "Age >= 18", "Pregnancy", "Severe infection"],
                           "AVALC": ["MET", "MET", "NOT MET", "NOT MET"],
                           "VALUE": ["ESSDAI 17; CRF: N", "age 36; CRF: Y", "sex F; CRF: Y", "CRF: missing"]})
    adsl = pd.DataFrame({"USUBJID": ["S-01-005"], "SAFFL": "Y", "TRT01P": "Bari"})
    out = derive_queries(adelig, adsl)
    assert out[["variable", "rule", "value"]].values.tolist() == [
        ["INC2", CRF_CONTRADICTS_DATA, "N"], ["EXC2", CRF_CONTRADICTS_DATA, "Y"]]
    assert out["message"][0] == ("inclusion criterion INC2 (ESSDAI >= 5) answered N on the CRF, but the data say met "
                                 "(ESSDAI 17; CRF: N): the site's record says the patient was not eligible; to "
                                 "confirm (analysed as the data say)")
    assert derive_queries(adelig, adsl.assign(SAFFL="N", TRT01P="")).empty  # neither randomised nor treated
