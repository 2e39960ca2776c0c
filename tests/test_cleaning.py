"""Derivation of the analysis datasets: hand-typed examples, the synthetic trial, identifier removal."""

import numpy as np
import pandas as pd
import pytest

from analysis_utils import cleaning, dictionary, export, synthetic
from analysis_utils.vocabulary import LAB_PARAMS

SUBJ = "NCT04916756-01-"


@pytest.fixture
def datasets(synthetic_export):
    return cleaning.derive_all(synthetic_export)




# --- hand-worked unit examples ---------------------------------------------------------------

def test_study_day_has_no_day_zero():
    first = pd.Series(pd.to_datetime(["2021-07-01"] * 4))
    dates = pd.Series(pd.to_datetime(["2021-06-29", "2021-06-30", "2021-07-01", "2021-09-23"]))
    assert cleaning.compute_study_day(dates, first).tolist() == [-2, -1, 1, 85]


def test_standardize_labs_converts_to_si_with_named_factors():
    raw = pd.DataFrame({
        "SUBJID": ["001"] * 6, "VISIT": ["BL"] * 6, "LBDT": pd.to_datetime(["2021-07-01"] * 6),
        "LBTESTCD": ["HGB", "PLAT", "CREAT", "BILI", "IGG", "CRYO"],
        "LBORRES": ["12.4", "224000", "1.1", "1.0", "1650", "POSITIVE"],
        "LBORRESU": ["g/dL", "/mm3", "mg/dL", "mg/dL", "mg/dL", ""],
        "LBORNRLO": [11.5, 125000, 0.5, 0.3, 700, np.nan], "LBORNRHI": [15.0, 350000, 0.95, 1.3, 1700, np.nan],
    })
    out = cleaning.standardize_labs(raw)
    assert out["AVAL"].tolist()[:5] == [124.0, 224.0, 97.24, 17.1, 16.5]
    assert np.isnan(out["AVAL"].iloc[5]) and out["AVALC"].tolist() == ["", "", "", "", "", "POSITIVE"]
    assert out["AVALU"].tolist() == ["g/L", "10^9/L", "umol/L", "umol/L", "g/L", ""]
    assert out["ANRLO"].tolist()[:5] == [115.0, 125.0, 44.2, 5.13, 7.0]


def test_standardize_labs_rejects_an_unknown_unit():
    raw = pd.DataFrame({"SUBJID": ["001"], "VISIT": ["BL"], "LBDT": pd.to_datetime(["2021-07-01"]),
                        "LBTESTCD": ["HGB"], "LBORRES": ["7.7"], "LBORRESU": ["mmol/L"],
                        "LBORNRLO": [np.nan], "LBORNRHI": [np.nan]})
    with pytest.raises(ValueError, match="'mmol/L' of test HGB"):
        cleaning.standardize_labs(raw)


def test_no_two_accepted_units_of_a_test_read_alike():
    """``dictionary.unit_spelled`` reads a unit whatever its case, micro sign or power-of-ten notation: that is
    certain only while no two accepted units of a test are the same under those rules."""
    for test, units in dictionary.LAB_UNITS.items():
        keys = dictionary._unit_key(pd.Series(list(units)))
        assert keys.is_unique, (test, list(units))


@pytest.mark.parametrize(("test", "spelled", "unit"), [
    ("CREAT", "µmol/L", "umol/L"), ("CREAT", "μmol/L", "umol/L"), ("BILI", "umol/l", "umol/L"),
    ("WBC", "×10^9/L", "10^9/L"), ("WBC", "x10^9/L", "10^9/L"), ("NEUT", "10*9/L", "10^9/L"),
    ("LYM", "×10⁹/L", "10^9/L"), ("PLAT", "10^9 /L", "10^9/L"), ("PLAT", "/mm³", "/mm3"), ("PLAT", "10³/µL", "10^3/uL"),
    ("ALT", "iu/l", "IU/L"), ("HGB", "G/DL", "g/dL"), ("HBVDNA", "IU/ml", "IU/mL"),
    ("ESR", "mm/hr", "mm/h"), ("ESR", "mm/1h", "mm/h"), ("UPROT", "g/24hr", "g/24h"), ("UPROT", "mg/d", "mg/24h"),
    ("UPROT", "g/day", "g/24h"), ("WBC", "10E9/L", "10^9/L"), ("WBC", "10e9/l", "10^9/L"), ("WBC", "/µL", "/mm3"),
    ("NEUT", "cells/uL", "/mm3"), ("PLAT", "K/uL", "10^3/uL"), ("LYM", "×10⁹个/L", "10^9/L"),
    ("WBC", "109/L", "109/L"),  # a power of ten without its sign: not read (10^9? or a typing error?)
    ("WBC", "G/L", "G/L"),  # giga per litre, where a haemoglobin's g/L is grams: not read
    ("HBVDNA", "copies/mL", "copies/mL"),  # copies per IU depend on the assay (5.82 for COBAS TaqMan): not read
    ("HGB", "mmol/L", "mmol/L"), ("ALT", "kat/L", "kat/L"),
])
def test_a_unit_spelled_another_way_is_read_as_that_unit(test, spelled, unit):
    assert dictionary.unit_spelled(pd.Series([test]), pd.Series([spelled])).tolist() == [unit]


def test_units_spelled_as_a_laboratory_system_writes_them_give_the_same_adlb(synthetic_export, tmp_path):
    from analysis_utils import validation
    labs = synthetic_export["labs"].copy()
    labs["LBORRESU"] = labs["LBORRESU"].replace({"umol/L": "µmol/L", "10^9/L": "×10⁹/L", "U/L": "u/l"})
    assert labs["LBORRESU"].isin(["µmol/L", "×10⁹/L", "u/l"]).sum() > 100
    respelled = validation.validate_export({**synthetic_export, "labs": labs})
    assert respelled.ok
    assert not set(respelled.queries["rule"]) - set(validation.validate_export(synthetic_export).queries["rule"])
    pd.testing.assert_frame_equal(cleaning.derive_all(respelled.typed)["adlb"],
                                  cleaning.derive_all(synthetic_export)["adlb"])


def test_qualitative_results_as_a_laboratory_system_writes_them_give_the_same_adlb(synthetic_export):
    from analysis_utils import validation
    labs = synthetic_export["labs"].copy()
    qualitative = labs["LBTESTCD"].isin(dictionary.QUALITATIVE_TESTS)
    spelled = {"NEGATIVE": "阴性", "POSITIVE": "Pos"}
    labs.loc[qualitative, "LBORRES"] = labs.loc[qualitative, "LBORRES"].map(spelled)
    assert set(labs.loc[qualitative, "LBORRES"]) == {"阴性", "Pos"}  # both results occur in the shipped trial
    respelled = validation.validate_export({**synthetic_export, "labs": labs})
    assert respelled.ok
    pd.testing.assert_frame_equal(cleaning.derive_all(respelled.typed)["adlb"],
                                  cleaning.derive_all(synthetic_export)["adlb"])
    assert validation.validate_export({**synthetic_export, "labs": labs.assign(
        LBORRES=labs["LBORRES"].where(~qualitative, "trace"))}).errors["rule"].unique().tolist() == ["lab_result_type"]


def test_range_indicator_boundaries_are_normal():
    ind = cleaning.compute_range_indicator(pd.Series([6.9, 7.0, 17.0, 17.1, 5.0]),
                                           pd.Series([7.0] * 4 + [np.nan]), pd.Series([17.0] * 4 + [np.nan]))
    assert ind.tolist() == ["LOW", "NORMAL", "NORMAL", "HIGH", ""]


def test_prednisone_equivalents():
    cm = pd.DataFrame({"CMDECOD": ["PREDNISONE", "METHYLPREDNISOLONE", "DEXAMETHASONE", "HYDROCORTISONE", "X"],
                       "CMDOSE": [10.0, 4.0, 0.75, 20.0, 5.0], "CMDOSU": ["mg"] * 5,
                       "CMDOSFRQ": ["QD", "BID", "QD", "QD", "QD"]})
    assert cleaning.compute_prednisone_equivalent(cm).tolist()[:4] == pytest.approx([10.0, 10.0, 5.0, 5.0])
    assert np.isnan(cleaning.compute_prednisone_equivalent(cm).iloc[4])


def test_treatment_emergent_window_boundaries(synthetic_export):
    assert cleaning.TRTEM_WINDOW_DAYS == 30
    t = synthetic_export
    first, last = pd.Timestamp("2021-06-28"), pd.Timestamp("2021-12-13")  # subject 001
    starts = [first - pd.Timedelta(days=1), first, last + pd.Timedelta(days=30), last + pd.Timedelta(days=31)]
    ae = t["adverse_events"]
    rows = pd.DataFrame([ae.iloc[0]] * 4).assign(AESPID=[11, 12, 13, 14], AESTDT=starts, AEENDT=pd.NaT)
    t["adverse_events"] = pd.concat([ae, rows], ignore_index=True)
    adsl = cleaning.derive_adsl(t)
    adae = cleaning.derive_adae(t, adsl).query("USUBJID == @SUBJ + '001'")
    assert adae[["ASTDY", "TRTEMFL"]].values.tolist() == [
        [-1, "N"], [1, "Y"], [5, "Y"], [199, "Y"], [200, "N"]]
    assert adae["AESEQ"].tolist() == [1, 2, 3, 4, 5]


# --- the synthetic trial -----------------------------------------------------------------------

def test_adsl_follows_the_contract(datasets):
    adsl = datasets["adsl"]
    assert tuple(adsl.columns) == cleaning.ADSL_COLUMNS
    assert len(adsl) == 11 and adsl["USUBJID"].is_unique
    assert adsl["USUBJID"].iloc[0] == SUBJ + "001" and (adsl["STUDYID"] == "NCT04916756").all()
    assert (adsl[["SAFFL", "FASFL"]] == "Y").all().all()
    assert adsl["COMP12FL"].eq("Y").sum() == 10 and adsl["COMP24FL"].eq("Y").sum() == 9
    assert adsl.set_index("SUBJID").loc[["007", "010"], ["EOSSTT", "DCSREAS"]].values.tolist() == [
        ["DISCONTINUED", "ADVERSE EVENT"], ["DISCONTINUED", "LOST TO FOLLOW-UP"]]
    assert adsl.loc[adsl["EOSSTT"] == "COMPLETED", "DCSREAS"].eq("").all()
    assert adsl.loc[adsl["HBVHXFL"] == "Y", "SUBJID"].tolist() == ["007"]
    assert adsl.loc[adsl["ILDFL"] == "Y", "SUBJID"].tolist() == ["004", "008"]
    assert str(adsl["TRTSDT"].dtype) == "datetime64[ns]"
    for flag in ("SAFFL", "FASFL", "COMP12FL", "COMP24FL", "DTHFL", "HBVHXFL", "ILDFL", "GCFL", "HCQFL", "ISFL"):
        assert set(adsl[flag]) <= {"Y", "N"}, flag


def test_adsl_exposure_and_baseline_values_hand_worked(datasets):
    s = datasets["adsl"].set_index("SUBJID")
    # 001: 2021-06-28 to 2021-12-13 = 169 days, 2 missed doses, 2 mg a day
    assert s.loc["001", ["TRTDURD", "CUMDOSE"]].tolist() == [169, 334.0]
    assert s.loc["001", "ADHERPCT"] == pytest.approx(100 * 167 / 169)
    assert s.loc["001", "BMIBL"] == pytest.approx(55.0 / 1.58 ** 2)
    # 009 takes methylprednisolone 4 mg QD = prednisone 5 mg; 002 prednisone 10 mg and methotrexate
    assert s.loc["009", ["GCFL", "GCDOSEBL"]].tolist() == ["Y", 5.0]
    assert s.loc["002", ["GCDOSEBL", "ISFL", "HCQFL"]].tolist() == [10.0, "Y", "N"]
    assert s.loc["001", ["IGGBL", "ESRBL"]].tolist() == [18.5, 32.0]
    assert s.loc["003", "DURDIS"] == pytest.approx(548 / 365.25)


def test_adqs_items_by_visit(datasets):
    adqs = datasets["adqs"]
    assert tuple(adqs.columns) == cleaning.ADQS_COLUMNS + cleaning.BDS_ADDED_COLUMNS
    # 30 visits x (12 levels + attribution + 3 ESSPRI items + PGA) + 4 ILD visits x 2 items
    assert len(adqs) == 30 * 17 + 4 * 2
    assert not adqs.duplicated(["USUBJID", "AVISIT", "PARAMCD"]).any()
    assert set(adqs["AVISIT"]) == {"Baseline", "Week 12", "Week 24"}
    s1 = adqs[adqs["USUBJID"] == SUBJ + "001"].set_index(["AVISIT", "PARAMCD"])
    assert s1.loc[("Baseline", "EDLARTIC"), ["AVAL", "ABLFL", "ADY"]].tolist() == [2.0, "Y", 1]
    assert s1.loc[("Baseline", "EDHAEMDR"), ["AVAL", "AVALC"]].tolist() == [1.0, "Y"]
    assert s1.loc[("Week 12", "PGA"), ["AVAL", "ABLFL", "ADY"]].tolist() == [3.0, "N", 85]
    ild = adqs[adqs["PARCAT1"] == "ILD"]
    assert ild["AVAL"].isna().all() and set(ild["AVALC"]) <= {"IMPROVED", "STABLE", "WORSENED", "PROGRESSED"}


def test_adlb_si_units_baseline_and_change(datasets):
    adlb = datasets["adlb"]
    assert tuple(adlb.columns) == cleaning.ADLB_COLUMNS + cleaning.BDS_ADDED_COLUMNS
    assert (adlb["AVALU"] == adlb["PARAMCD"].map({p: v[1] for p, v in LAB_PARAMS.items()})).all()
    hgb = adlb[(adlb["USUBJID"] == SUBJ + "002") & (adlb["PARAMCD"] == "HGB")].set_index("AVISIT")
    assert hgb.loc["Week 24", ["AVAL", "ANRLO", "ANRHI"]].tolist() == [124.0, 115.0, 150.0]  # 12.4 g/dL
    base = hgb.loc["Baseline", "AVAL"]
    assert hgb.loc["Week 24", ["BASE", "CHG"]].tolist() == [base, 124.0 - base]
    assert np.isnan(hgb.loc["Baseline", "CHG"])
    igg = adlb[(adlb["USUBJID"] == SUBJ + "001") & (adlb["PARAMCD"] == "IGG")].set_index("AVISIT")
    assert igg.loc["Week 24", ["AVAL", "BASE", "BNRIND", "ANRIND"]].tolist() == [16.8, 18.5, "HIGH", "NORMAL"]
    assert igg.loc["Week 24", "PCHG"] == pytest.approx(100 * (16.8 - 18.5) / 18.5)
    dna = adlb[adlb["PARAMCD"] == "HBVDNA"].set_index("AVISIT")
    assert dna.loc["Unscheduled", ["AVAL", "ANRIND", "ADY", "CHG"]].tolist() == [24000.0, "HIGH", 22, 24000.0]
    assert np.isnan(dna.loc["Unscheduled", "AVISITN"])
    cryo = adlb[(adlb["PARAMCD"] == "CRYO") & (adlb["USUBJID"] == SUBJ + "009")]
    assert cryo["AVALC"].eq("POSITIVE").all() and cryo["AVAL"].isna().all() and cryo["ANRIND"].eq("").all()


def test_adae_from_the_synthetic_trial(datasets):
    adae = datasets["adae"]
    assert tuple(adae.columns) == cleaning.ADAE_COLUMNS
    hbv = adae[adae["AEDECOD"] == "Hepatitis B reactivation"].iloc[0]
    assert (hbv["USUBJID"], hbv["ASTDY"], hbv["TRTEMFL"], hbv["AEACN"], hbv["RELFL"]) == (
        SUBJ + "007", 22, "Y", "DRUG WITHDRAWN", "Y")
    caries = adae[adae["AEDECOD"] == "Dental caries"].iloc[0]
    assert (caries["ASTDY"], caries["TRTEMFL"]) == (-3, "N")
    ongoing = adae[adae["AEOUT"] == "NOT RECOVERED/NOT RESOLVED"]
    assert ongoing["AENDT"].isna().all() and ongoing["ADURN"].isna().all()
    assert adae["TRTEMFL"].eq("Y").sum() == 6


def test_adcm_flags(datasets):
    adcm = datasets["adcm"]
    assert tuple(adcm.columns) == cleaning.ADCM_COLUMNS
    entecavir = adcm[adcm["CMDECOD"] == "ENTECAVIR"].iloc[0]
    assert (entecavir["PREFL"], entecavir["ONTRTFL"]) == ("N", "N")  # started after the last dose of 007
    background = adcm[adcm["CMCLAS"] == "GLUCOCORTICOID"]
    assert background["PREFL"].eq("Y").all() and background["ONTRTFL"].eq("Y").all()


def test_adie_eligibility_items(datasets):
    adie = datasets["adie"]
    assert tuple(adie.columns) == cleaning.ADIE_COLUMNS
    assert len(adie) == 11 * len(cleaning.ELIGIBILITY_ITEMS)
    s3 = adie[adie["USUBJID"] == SUBJ + "003"].set_index("IETESTCD")
    assert s3.loc["FOCUSSC", ["IECAT", "IESTRESN", "IEORRESU"]].tolist() == ["ACR-EULAR ITEM", 2.0, "foci/4 mm2"]
    assert s3.loc["INC1", ["IECAT", "IEORRES"]].tolist() == ["INCLUSION", "Y"]
    assert s3.loc["OSS", "IEORRES"] == ""  # not done


def test_no_direct_identifier_leaves_the_raw_data(synthetic_export, datasets):
    raw_ids = set(synthetic_export["demographics"][list(dictionary.IDENTIFIERS)].to_numpy().ravel())
    assert dictionary.IDENTIFIERS == ("INITIALS", "HOSPNO")
    for name, data in datasets.items():
        assert not set(data.columns) & set(dictionary.IDENTIFIERS), name
        for col in data.columns:
            values = set(data[col].dropna().astype(str))
            assert not values & raw_ids, (name, col)
            assert not any(i in v for v in values for i in raw_ids), (name, col)


def test_raw_files_are_not_modified(tmp_export):
    before = export.file_manifest(tmp_export)
    cleaning.derive_all(export.read_export(tmp_export), data_cutoff="2022-01-31")
    pd.testing.assert_frame_equal(export.file_manifest(tmp_export), before)


def test_text_and_typed_input_give_the_same_datasets(tmp_export, datasets):
    from_files = cleaning.derive_all(export.read_export(tmp_export))
    for name, data in datasets.items():
        pd.testing.assert_frame_equal(from_files[name], data, check_dtype=False)


def test_data_cutoff_removes_later_records(synthetic_export):
    cut = cleaning.derive_all(synthetic_export, data_cutoff="2021-10-31")
    assert set(cut["adqs"]["AVISIT"]) == {"Baseline", "Week 12"}
    assert cut["adsl"]["COMP24FL"].eq("N").all()
    assert (cut["adsl"]["TRTEDT"] <= "2021-10-31").all()
    assert cut["adsl"].set_index("SUBJID").loc["001", "EOSSTT"] == "ONGOING"
    assert (cut["adae"]["ASTDT"] <= "2021-10-31").all()


def test_a_drug_withdrawn_after_the_cut_is_not_yet_withdrawn_at_it(synthetic_export):
    """A rash of patient 001 from 2021-10-20 after which her baricitinib was withdrawn (her last dose 2021-12-13): at a
    cut on 2021-10-31 she is still dosed, so the action is not yet recorded (blank: counted as not yet assessed, in
    no row of events leading to discontinuation); at the export's date it is the withdrawal. 007's hepatitis B flare
    (last dose 2021-08-08, the day before it) keeps its withdrawal at a cut on 2021-08-10."""
    from analysis_utils import safety

    ae = synthetic_export["adverse_events"]
    rash = ae[ae["SUBJID"] == "001"].head(1).assign(AESPID=9, AETERM="rash", AEDECOD="Rash",
                                                     AESTDT=pd.Timestamp("2021-10-20"), AEENDT=pd.NaT,
                                                     AEACN=cleaning.ACTION_WITHDRAWN)
    export = {**synthetic_export, "adverse_events": pd.concat([ae, rash], ignore_index=True)}

    def action(cutoff, subject, start):
        adae = cleaning.derive_all(export, data_cutoff=cutoff)["adae"]
        return adae.loc[adae["USUBJID"].str.endswith(subject) & (adae["ASTDT"] == start), "AEACN"].item()

    assert action("2021-10-31", "-001", "2021-10-20") == ""
    assert action("2022-01-31", "-001", "2021-10-20") == cleaning.ACTION_WITHDRAWN == safety.ACTION_DRUG_WITHDRAWN
    # the AE tables' note at that cut: the action is not (only) a data query, the export has it
    adae = cleaning.derive_all(export, data_cutoff="2021-10-31")["adae"]
    assert safety.describe_not_assessed(adae, interim=True) == (
        "1 TEAE without the action taken with the study drug yet (recorded after the data cut, or a data query): in "
        "no row of TEAEs leading to discontinuation of study drug.",)
    assert action("2021-08-10", "-007", "2021-08-09") == cleaning.ACTION_WITHDRAWN


def test_queries_on_records_dated_after_the_cut_are_left_out():
    """The shipped export's two queries: 01-008's week-12 ESSDAI (visit of 2021-10-12; essdai.csv line 22) and
    01-009's week-12 visit of 2021-11-03 outside its window (visits.csv line 25). At a cut on 2021-11-01 the second is
    after the cut; on 2021-08-01 both; at the export's date neither."""
    from analysis_utils import paths, validation

    result = validation.check_export(paths.resolve("data/raw"))
    assert result.queries[["file", "row"]].astype(str).values.tolist() == [["essdai.csv", "22"], ["visits.csv", "25"]]
    for cutoff, kept, left_out in (("2021-11-01", ["essdai.csv"], 1), ("2021-08-01", [], 2), ("2022-01-31", [
            "essdai.csv", "visits.csv"], 0), ("", ["essdai.csv", "visits.csv"], 0)):
        queries, n = cleaning.queries_at_cut(result, cutoff)
        assert (queries["file"].tolist(), n) == (kept, left_out), cutoff


def test_an_adverse_event_ongoing_at_the_cut_has_not_yet_its_outcome(synthetic_export):
    """005's raised ALT (2021-10-08 to 2021-11-15, recovered): at a cut on 2021-10-15 it is ongoing, not recovered;
    at the export's date, as recorded."""
    for cutoff, end, outcome in (("2021-10-15", None, "NOT RECOVERED/NOT RESOLVED"),
                                 ("2022-01-31", pd.Timestamp("2021-11-15"), "RECOVERED/RESOLVED")):
        adae = cleaning.derive_all(synthetic_export, data_cutoff=cutoff)["adae"]
        event = adae[adae["USUBJID"].str.endswith("-005") & (adae["ASTDT"] == "2021-10-08")].iloc[0]
        assert (None if pd.isna(event["AENDT"]) else event["AENDT"], event["AEOUT"]) == (end, outcome)
    assert cleaning.ONGOING_OUTCOME == "NOT RECOVERED/NOT RESOLVED"


def test_summarize_datasets(datasets):
    counts = cleaning.summarize_datasets(datasets).set_index("dataset")
    assert counts.loc["adsl", ["records", "subjects"]].tolist() == [11, 11]
    assert counts.loc["adqs", "records"] == 518


@pytest.mark.slow
def test_cleaning_ten_thousand_subjects():  # its speed is timed by make bench (the 10,000-subject build)
    trial = synthetic.generate_trial(10_000)
    out = cleaning.derive_all(trial)
    assert len(out["adsl"]) == 10_000


@pytest.mark.parametrize("values", [
    pd.Series([1.5, 2.5], index=pd.Index(["a", "b"], dtype="str")),
    pd.Series(pd.to_datetime(["2021-01-01", None]), index=pd.Index(["a", "b"], dtype="str")),
    pd.Series(["x", "y"], index=pd.Index(["a", "b"], dtype="str"), dtype="str"),
    {"a": 1, "b": 12},
    {"a": "x", "b": ""},
], ids=["float", "date", "text", "dict of int", "dict of text"])
def test_lookup_gives_series_map_s_values_and_dtype(values):
    """Against pandas' own ``Series.map``: absent and missing keys give missing values, the index and name stay."""
    key = pd.Series(["b", "a", None, "b", "z"], index=[10, 11, 12, 13, 14], dtype="str", name="USUBJID")
    pd.testing.assert_series_equal(cleaning.lookup(key, values), key.map(values))


def test_hepatitis_b_past_and_current(edit_export):
    # 007: anti-HBc positive, HBsAg negative: past infection. With HBsAg positive too, a current one, which the flag
    # of past infection counted; 011: HBsAg positive alone, current.
    plain = cleaning.derive_all(edit_export("demographics").typed)["adsl"].set_index("SUBJID")
    assert plain.loc["007", ["HBVHXFL", "HBSAGFL"]].tolist() == ["Y", "N"]
    adsl = cleaning.derive_all(edit_export("demographics", (
        "2015-01-18,POSITIVE,NEGATIVE,POSITIVE,NEGATIVE,N", "2015-01-18,POSITIVE,NEGATIVE,POSITIVE,POSITIVE,N"), (
        "2014-04-15,POSITIVE,NEGATIVE,NEGATIVE,NEGATIVE,N", "2014-04-15,POSITIVE,NEGATIVE,NEGATIVE,POSITIVE,N")).typed
    )["adsl"].set_index("SUBJID")
    assert adsl.loc[["007", "011"], ["HBVHXFL", "HBSAGFL"]].values.tolist() == [["N", "Y"], ["N", "Y"]]
    assert (adsl.drop(index=["007", "011"])[["HBVHXFL", "HBSAGFL"]] == "N").all().all()


def test_a_blank_height_weight_or_diagnosis_date_is_a_query_and_missing(edit_export):
    """Patient 001 measured neither height nor weight, and the date of diagnosis is not known: BMI and disease
    duration are missing for 001 only."""
    plain = cleaning.derive_all(edit_export("demographics").typed)["adsl"]
    result = edit_export("demographics", (",NOT HISPANIC OR LATINO,158.0,55.0,2018-04-16,",
                                          ",NOT HISPANIC OR LATINO,,,,"))
    assert result.ok
    found = result.queries[result.queries["rule"] == "missing_item"]
    assert found[["row", "variable"]].values.tolist() == [["2", "DIAGDT"], ["2", "HEIGHT"], ["2", "WEIGHT"]]
    assert found["message"].str.endswith(("not known; the patient's disease duration is missing",
                                          "not measured; the patient's BMI is missing")).all()
    adsl = cleaning.derive_all(result.typed)["adsl"]
    first = adsl["USUBJID"].str.endswith("-001")
    assert adsl.loc[first, ["BMIBL", "DURDIS", "DIAGDT"]].isna().all(axis=None)
    pd.testing.assert_frame_equal(adsl[~first], plain[~first])


def test_missed_doses_not_yet_counted_leave_cumulative_dose_and_adherence_missing():
    """Patient 004 of the randomised example took HCQ from 2021-01-07, then baricitinib 4 mg from 2021-04-04 to
    2021-06-24 (82 days, 2 missed: 320 mg). Its second tablet count not yet returned: 169 days on treatment still,
    no cumulative dose or adherence (not a sum of the periods counted), at the export and at an interim cut."""
    from analysis_utils import paths, validation

    forms = export.read_export(paths.resolve("data/examples/randomised"))
    counted = cleaning.derive_all(validation.validate_export(forms).typed)["adsl"].set_index("USUBJID")
    exposure = forms["exposure"]
    blank = (exposure["SUBJID"] == "004") & (exposure["EXSTDT"] == "2021-04-04")
    result = validation.validate_export({**forms, "exposure": exposure.assign(EXMISSED=exposure["EXMISSED"].mask(
        blank, ""))})
    assert result.ok and result.queries.query("rule == 'missing_item'")["variable"].tolist() == ["EXMISSED"]
    for cut in (None, "2021-05-31"):
        adsl = cleaning.derive_all(result.typed, data_cutoff=cut)["adsl"].set_index("USUBJID")
        patient = adsl.filter(like="-004", axis=0).iloc[0]
        assert pd.isna(patient["CUMDOSE"]) and pd.isna(patient["ADHERPCT"])
        assert patient["TRTDURD"] == (169 if cut is None else 145)
        others = adsl.drop(index=patient.name)
        reference = (counted if cut is None else cleaning.derive_all(validation.validate_export(forms).typed,
                                                                     data_cutoff=cut)["adsl"].set_index("USUBJID"))
        pd.testing.assert_frame_equal(others, reference.drop(index=patient.name))
    assert counted.filter(like="-004", axis=0)["CUMDOSE"].tolist() == [320.0]


def test_a_period_running_past_the_cut_has_no_missed_doses_to_count(synthetic_export):
    """The missed doses are counted to a period's last dose, without dates: at a cut on 2021-11-30, patient 001 (first
    dose 2021-06-28, last 2021-12-13, 2 missed) has 156 days on treatment and no cumulative dose or adherence (the
    2 may have been missed after the cut); 010 (2021-07-29 to 2021-11-18, 1 missed: 113 days, 112 dosed) keeps
    224 mg and 112 / 113 = 99.1 %; 007 (2021-07-19 to 2021-08-08, none missed) 21 days, 42 mg, 100 %; 002 (from
    2021-07-01 to 2021-12-18, none missed) 153 days, and no count at the cut, as 001: keeping the zeros alone would
    show every ongoing patient at 100 %."""
    adsl = cleaning.derive_all(synthetic_export, data_cutoff="2021-11-30")["adsl"]
    adsl = adsl.set_index(adsl["USUBJID"].str[-3:])
    assert adsl.loc["001", "TRTDURD"] == 156 and adsl.loc["001", ["CUMDOSE", "ADHERPCT"]].isna().all()
    assert adsl.loc["010", ["TRTDURD", "CUMDOSE"]].tolist() == [113, 224.0]
    assert adsl.loc["010", "ADHERPCT"] == pytest.approx(100 * 112 / 113)
    assert adsl.loc["007", ["TRTDURD", "CUMDOSE", "ADHERPCT"]].tolist() == [21, 42.0, 100.0]
    assert adsl.loc["002", "TRTDURD"] == 153 and adsl.loc["002", ["CUMDOSE", "ADHERPCT"]].isna().all()


def test_a_period_without_baricitinib_adds_no_dose_counted_or_not():
    """Patient 002 of the randomised example took HCQ alone (daily baricitinib dose 0) from 2021-01-06 to 2021-06-21:
    at a cut on 2021-03-31 its missed doses are not known (85 days on treatment, no adherence), but its cumulative
    baricitinib dose is 0 mg, not missing; 001 (baricitinib 4 mg from 2021-01-04) has none."""
    from analysis_utils import paths, validation

    typed = validation.validate_export(export.read_export(paths.resolve("data/examples/randomised"))).typed
    adsl = cleaning.derive_all(typed, data_cutoff="2021-03-31")["adsl"]
    adsl = adsl.set_index(adsl["USUBJID"].str[-3:])
    assert adsl.loc["002", ["TRTDURD", "CUMDOSE"]].tolist() == [85, 0.0] and pd.isna(adsl.loc["002", "ADHERPCT"])
    assert adsl.loc["001", ["CUMDOSE", "ADHERPCT"]].isna().all()


def test_an_interruption_as_a_period_of_dose_0_is_days_not_dosed_as_a_gap_is(synthetic_export):
    """Patient 001 (first dose 2021-06-28, last 2021-12-13: 169 days, 2 doses missed) interrupted from 2021-09-02 to
    2021-09-15 (14 days), recorded as a period of daily dose 0 or as a gap between two periods: 169 days on treatment
    either way, 169 - 2 - 14 = 153 days dosed, 306 mg, adherence 153 / 169. Every other patient as shipped."""
    from analysis_utils import validation

    exposure, day = synthetic_export["exposure"], pd.Timestamp
    assert exposure[exposure["SUBJID"] == "001"].values.tolist() == [["001", 2.0, day("2021-06-28"),
                                                                       day("2021-12-13"), 2]]
    periods = pd.DataFrame([["001", 2.0, day("2021-06-28"), day("2021-09-01"), 2],
                            ["001", 0.0, day("2021-09-02"), day("2021-09-15"), 0],
                            ["001", 2.0, day("2021-09-16"), day("2021-12-13"), 0]], columns=exposure.columns)
    periods = periods.astype(exposure.dtypes.to_dict())
    shipped = cleaning.derive_all(validation.validate_export(synthetic_export).typed)["adsl"].set_index("USUBJID")
    adsl = {}
    for way, rows in (("dose 0", periods), ("gap", periods.drop(index=1))):
        result = validation.validate_export({**synthetic_export, "exposure": pd.concat(
            [rows, exposure[exposure["SUBJID"] != "001"]], ignore_index=True)})
        assert result.ok, way
        adsl[way] = cleaning.derive_all(result.typed)["adsl"].set_index("USUBJID")
    patient = adsl["dose 0"].loc["NCT04916756-01-001"]
    assert (patient["TRTDURD"], patient["CUMDOSE"]) == (169, 306.0)
    assert patient["ADHERPCT"] == pytest.approx(100 * 153 / 169)
    pd.testing.assert_frame_equal(adsl["dose 0"], adsl["gap"])
    pd.testing.assert_frame_equal(adsl["gap"].drop(index=patient.name), shipped.drop(index=patient.name))
    # and interrupted again from 2021-12-01 to the end, 2021-12-13: the last dose on 2021-11-30, day 156, as if the
    # period ended then; dosed 66 - 2 days to 2021-09-01 and 76 from 2021-09-16: 280 mg
    ended = periods.iloc[[0, 2]].assign(EXENDT=[day("2021-09-01"), day("2021-11-30")])
    result = validation.validate_export({**synthetic_export, "exposure": pd.concat(
        [ended, periods.iloc[[2]].assign(EXDOSE=0.0, EXSTDT=day("2021-12-01")), exposure[exposure["SUBJID"] != "001"]],
        ignore_index=True)})
    patient = cleaning.derive_all(result.typed)["adsl"].set_index("USUBJID").loc["NCT04916756-01-001"]
    assert (patient["TRTEDT"], patient["TRTDURD"], patient["CUMDOSE"]) == (day("2021-11-30"), 156, 2.0 * (64 + 76))


def test_a_crf_without_ethnicity_gives_a_demographics_table_without_it(synthetic_export):
    """A CRF of China records the ethnic group (民族), not CDISC's Hispanic or Latino: without the column, ADSL ETHNIC
    is missing and Table 1 has no ethnicity row (``disposition.NOT_ALWAYS_COLLECTED``); everything else as before.
    A blank ETHNIC is a data query, and a patient with it is counted as missing."""
    from analysis_utils import disposition, validation

    result = validation.validate_export({**synthetic_export,
                                         "demographics": synthetic_export["demographics"].drop(columns="ETHNIC")})
    expected = validation.validate_export(synthetic_export)
    assert result.ok and result.queries["message"].tolist() == expected.queries["message"].tolist()
    adsl, plain = (cleaning.derive_all(r.typed)["adsl"] for r in (result, expected))
    assert adsl["ETHNIC"].isna().all() and adsl["ETHNIC"].dtype == plain["ETHNIC"].dtype  # text, as with the column
    pd.testing.assert_frame_equal(adsl.drop(columns="ETHNIC"), plain.drop(columns="ETHNIC"))
    categorical = disposition.DEMOGRAPHICS_CATEGORICAL
    assert disposition.collected(adsl, categorical) == ("SEX", "RACE")
    assert disposition.collected(plain, categorical) == categorical
    blank = synthetic_export["demographics"].assign(ETHNIC=lambda d: d["ETHNIC"].mask(d["SUBJID"] == "001", ""))
    queried = validation.validate_export({**synthetic_export, "demographics": blank})
    missing = queried.queries[queried.queries["rule"] == "missing_item"]
    assert missing[["row", "variable"]].values.tolist() == [["2", "ETHNIC"]]
    table = disposition.summarize_table1(cleaning.derive_all(queried.typed)["adsl"], categorical=["ETHNIC"])
    assert table.query("category == 'Missing' and stat_name == 'n'")["stat_value"].tolist() == [1.0]


def test_a_subject_never_dosed_has_no_actual_treatment():
    """ADaM IG: TRT01A is the treatment taken. Subject 003 was randomised to HCQ and never dosed (withdrew before
    the first dose); the pilot's 012 consented and was never dosed: planned arms kept, actual ones empty."""
    t = {"randomisation": pd.DataFrame({"SUBJID": ["001", "003"], "ARM": ["HCQ 400 mg", "HCQ 400 mg"],
                                        "RANDDT": pd.to_datetime(["2021-01-04", "2021-01-05"])}),
         "exposure": pd.DataFrame({"SUBJID": ["001"], "EXTRT": ["HCQ 400 mg"],
                                   "EXSTDT": pd.to_datetime(["2021-01-05"])})}
    trt = cleaning.derive_treatment(t, pd.Index(["001", "003"]))
    assert trt[["TRT01P", "TRT01A", "TRT02P", "TRT02A"]].values.tolist() == [
        ["HCQ 400 mg", "HCQ 400 mg", "HCQ 400 mg", "HCQ 400 mg"], ["HCQ 400 mg", "", "HCQ 400 mg", ""]]
    assert trt["TRT01PN"].tolist() == [1.0, 1.0] and trt["TRT01AN"].isna().tolist() == [False, True]
    pilot = cleaning.derive_treatment({"exposure": t["exposure"]}, pd.Index(["001", "012"]))
    assert pilot["TRT01A"].tolist() == [cleaning.ARM, ""] and pilot["TRT01AN"].isna().tolist() == [False, True]


def test_only_the_protocols_switch_is_a_planned_second_period():
    """ADaM IG: TRTxxP is the treatment planned for the period. The protocol switches control patients (001, HCQ
    400 mg) to baricitinib + HCQ: planned and taken. A patient randomised to baricitinib + HCQ (002) who continued on
    HCQ alone took it, but it was never planned: TRT02P stays the arm randomised."""
    bari, hcq = "Baricitinib 4 mg + HCQ 400 mg", "HCQ 400 mg"
    t = {"randomisation": pd.DataFrame({"SUBJID": ["001", "002"], "ARM": [hcq, bari],
                                        "RANDDT": pd.to_datetime(["2021-01-04", "2021-01-05"])}),
         "exposure": pd.DataFrame({"SUBJID": ["001", "001", "002", "002"], "EXTRT": [hcq, bari, bari, hcq],
                                   "EXSTDT": pd.to_datetime(["2021-01-05", "2021-03-30", "2021-01-06", "2021-04-30"])})}
    trt = cleaning.derive_treatment(t, pd.Index(["001", "002"]))
    assert trt[["TRT02P", "TRT02A", "SWITCHFL"]].values.tolist() == [[bari, bari, "Y"], [bari, hcq, "Y"]]
