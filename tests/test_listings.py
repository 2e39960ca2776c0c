"""Tests of analysis_utils.listings: efficacy listings and the analysis sets, by hand on small frames and
on the shipped synthetic trial (data/raw/essdai.csv, esspri.csv, pga.csv read by hand)."""

import pandas as pd
import pytest

from analysis_utils import ard, cleaning, listings, safety, scoring
from analysis_utils.vocabulary import ESSDAI_DOMAINS, ESSDAI_LEVEL_PARAMCD


@pytest.fixture(scope="module")
def trial(_synthetic_trial):
    data = cleaning.derive_all(_synthetic_trial, data_cutoff="2022-01-31")
    data["adeff"] = scoring.derive_adeff(data["adqs"])
    return data


def _levels(subject, visit, day, levels, essdai):
    codes = [ESSDAI_LEVEL_PARAMCD[d] for d in ESSDAI_DOMAINS]
    return pd.DataFrame({"USUBJID": subject, "AVISIT": visit, "ADY": day, "PARAMCD": [*codes, "ESSDAI"],
                         "AVAL": [*levels, essdai]})


def test_essdai_listing_words_every_level_and_orders_patients_and_visits():
    adeff = pd.concat([_levels("B", "Week 12", 85, [0, 1, 2, 3] * 3, 40.0),
                       _levels("A", "Week 24", 170, [0] * 12, 0.0), _levels("A", "Baseline", 1, [1] * 12, 20.0)])
    out = listings.list_essdai_domains(adeff)
    assert out.columns.tolist() == ["Patient", "Visit", "Study day", "Constitutional", "Lymphadenopathy", "Glandular",
                                    "Articular", "Cutaneous", "Pulmonary", "Renal", "Muscular",
                                    "Peripheral nervous system", "Central nervous system", "Haematological",
                                    "Biological", "ESSDAI score"]
    assert out[["Patient", "Visit", "Study day"]].values.tolist() == [["A", "Baseline", "1"], ["A", "Week 24", "170"],
                                                                      ["B", "Week 12", "85"]]
    assert out.iloc[2, 3:7].tolist() == ["No", "Low", "Moderate", "High"]
    assert out["ESSDAI score"].tolist() == ["20", "0", "40"]
    first, second = (listings.list_essdai_domains(adeff, domains=part, score=part is listings.ESSDAI_LISTING_PARTS[1])
                     for part in listings.ESSDAI_LISTING_PARTS)
    assert first.columns.tolist() == out.columns[:9].tolist()  # keys and the first six domains
    assert second.columns.tolist() == [*out.columns[:3], *out.columns[9:]]
    assert second.iloc[2, 3:].tolist() == ["Moderate", "High", "No", "Low", "Moderate", "High", "40"]


def test_essdai_listing_leaves_an_unassessed_domain_blank_and_refuses_a_level_outside_0_to_3():
    adeff = _levels("A", "Baseline", 1, [1] * 12, 20.0)
    out = listings.list_essdai_domains(adeff[adeff["PARAMCD"] != "EDLRENAL"])
    assert out["Renal"].tolist() == [""] and out["Muscular"].tolist() == ["Low"]
    bad = adeff.assign(AVAL=adeff["AVAL"].where(adeff["PARAMCD"] != "EDLPULM", 4.0))
    with pytest.raises(ValueError, match=r"'A', visit 'Baseline': EDLPULM = 4.0 is not an activity level"):
        listings.list_essdai_domains(bad)
    with pytest.raises(ValueError, match=r"several EDLCONST records"):
        listings.list_essdai_domains(pd.concat([adeff, adeff.iloc[[0]]]))


def test_shipped_trial_essdai_listing_as_in_the_crf(trial):
    """data/raw/essdai.csv, patient 001 at baseline: levels 0,0,1,2,0,0,0,0,0,0,1,1 (glandular low, articular
    moderate, haematological and biological low): ESSDAI 2x1 + 2x2 + 2x1 + 1x1 = 9. Patient 007 left after
    baseline and 010 after week 12: 11 + 10 + 9 = 30 rows."""
    out = listings.list_essdai_domains(trial["adeff"])
    assert len(out) == 30
    first = out.iloc[0]
    assert first["Patient"] == "01-001" and first["Visit"] == "Baseline" and first["Study day"] == "1"
    assert first.iloc[3:].tolist() == ["No", "No", "Low", "Moderate", "No", "No", "No", "No", "No", "No", "Low",
                                       "Low", "9"]
    assert out.loc[out["Patient"].str.endswith("-007"), "Visit"].tolist() == ["Baseline"]
    assert out.loc[out["Patient"].str.endswith("-010"), "Visit"].tolist() == ["Baseline", "Week 12"]


def test_shipped_trial_esspri_pga_listing_as_in_the_crf(trial):
    """data/raw/esspri.csv and pga.csv: 001 at week 12 dryness 6, fatigue 4, pain 3 (ESSPRI 13/3 = 4.33),
    PGA 3; 007 at baseline 7, 6, 6 (ESSPRI 19/3 = 6.33), PGA 5."""
    out = listings.list_esspri_pga(trial["adeff"])
    assert out.columns.tolist() == ["Patient", "Visit", "Study day", "Dryness (0-10)", "Fatigue (0-10)",
                                    "Pain (0-10)", "ESSPRI (0-10)", "Physician global (0-10)"]
    one = out[out["Patient"].str.endswith("-001") & (out["Visit"] == "Week 12")]
    assert one.iloc[0, 2:].tolist() == ["85", "6", "4", "3", "4.33", "3"]
    seven = out[out["Patient"].str.endswith("-007")]
    assert seven.iloc[0, 1:].tolist() == ["Baseline", "1", "7", "6", "6", "6.33", "5"]
    assert out.loc[0, "ESSPRI (0-10)"] == "6.00"  # 001 at baseline: (7 + 6 + 5) / 3, two decimals throughout


@pytest.mark.parametrize("decimals", [None, 0, 2])
@pytest.mark.parametrize("values", [[2.0, None, 5 / 3, 2.0, -0.0, 0.0, 2.675, float("nan"), 10.25],
                                    [None, None], []])
def test_listed_values_formatted_once_each_as_one_by_one(values, decimals):
    """Each distinct value formatted once gives what formatting every value does, missing ones blank."""
    column = pd.Series(values, dtype="float64", index=range(10, 10 + len(values)))
    once = listings._format_values(column, decimals)
    assert once.tolist() == [listings._format_value(v, decimals) for v in column]
    assert once.index.equals(column.index)


def test_listed_counts_give_the_listings_ard_rows(trial):
    counts = listings.summarize_listed(trial["adeff"], ["ESSDAI", "PGA"])
    assert counts.values.tolist() == [["ESSDAI", "Baseline", 11], ["ESSDAI", "Week 12", 10], ["ESSDAI", "Week 24", 9],
                                      ["PGA", "Baseline", 11], ["PGA", "Week 12", 10], ["PGA", "Week 24", 9]]
    rows = safety.to_ard(counts, analysis_id="LIST-ESSDAI", **listings.ARD_LAYOUTS["listed"])
    assert ard.get_stat(rows, "n_subjects", paramcd="PGA", avisit="Week 24") == 9


def test_analysis_sets_count_flags_and_the_essdai_of_full_analysis_set_patients_per_visit():
    adsl = pd.DataFrame({"USUBJID": ["1", "2", "3", "4"], "SAFFL": ["Y", "Y", "Y", "N"],
                         "FASFL": ["Y", "Y", "N", "N"]})
    # 3 has an ESSDAI but is not in the full analysis set; 2's week-12 ESSDAI is missing.
    adeff = pd.DataFrame({"USUBJID": ["1", "1", "2", "2", "3", "1"],
                          "PARAMCD": ["ESSDAI", "ESSDAI", "ESSDAI", "ESSDAI", "ESSDAI", "PGA"],
                          "AVISIT": ["Baseline", "Week 12", "Baseline", "Week 12", "Week 12", "Week 24"],
                          "AVAL": [9.0, 4.0, 8.0, None, 5.0, 3.0]})
    out = listings.summarize_analysis_sets(adsl, adeff)
    assert out[["category", "n_subjects", "big_n", "pct"]].values.tolist() == [
        ["Enrolled", 4, 4, 100.0], ["Safety set", 3, 4, 75.0], ["Full analysis set", 2, 4, 50.0],
        ["ESSDAI observed at baseline", 2, 4, 50.0], ["ESSDAI observed at week 12", 1, 4, 25.0],
        ["ESSDAI observed at week 24", 0, 4, 0.0]]
    table = listings.format_analysis_sets(out)
    assert table.columns.tolist() == ["Analysis set", "Definition", "Patients, n (%)"]
    assert table["Patients, n (%)"].tolist() == ["4 (100.0)", "3 (75.0)", "2 (50.0)", "2 (50.0)", "1 (25.0)", "0"]
    with pytest.raises(ValueError, match=r"subject '2': FASFL = '', not 'Y' or 'N'"):
        listings.summarize_analysis_sets(adsl.assign(FASFL=["Y", "", "N", "N"]), adeff)


def test_analysis_sets_at_an_interim_cut_count_the_visits_not_yet_due():
    """Patient 3's week-12 window is still open, 2 missed it; nobody has reached week 24 (no ESSDAI at it, only a due
    flag), nor week 16 (a row of its own from ADSL's DUE16FL): not yet due is not missing."""
    adsl = pd.DataFrame({"USUBJID": ["1", "2", "3"], "SAFFL": "Y", "FASFL": "Y", "DUE12FL": ["Y", "Y", "N"],
                         "DUE16FL": "N", "DUE24FL": "N"})
    adeff = pd.DataFrame({"USUBJID": ["1", "2", "3", "1"], "PARAMCD": "ESSDAI",
                          "AVISIT": ["Baseline"] * 3 + ["Week 12"], "AVISITN": [0, 0, 0, 12], "AVAL": [9.0, 8, 7, 4]})
    out = listings.summarize_analysis_sets(adsl, adeff)
    assert out[["category", "n_subjects"]].values.tolist()[3:] == [
        ["ESSDAI observed at baseline", 3], ["ESSDAI observed at week 12", 1],
        ["Week 12 not yet due at the data cut", 1],
        ["ESSDAI observed at week 16", 0], ["Week 16 not yet due at the data cut", 3],
        ["ESSDAI observed at week 24", 0], ["Week 24 not yet due at the data cut", 3]]
    final = listings.summarize_analysis_sets(adsl.assign(DUE12FL="Y", DUE16FL="Y", DUE24FL="Y"), adeff)
    assert not final["category"].str.contains("not yet due").any()


def test_shipped_trial_analysis_sets(trial):
    """11 patients enrolled, all dosed and with a baseline ESSDAI; ESSDAI at week 12 for all but 007 (left on
    day 21) and at week 24 for all but 007 and 010 (left on day 113): data/raw/visits.csv."""
    out = listings.summarize_analysis_sets(trial["adsl"], trial["adeff"])
    assert out["n_subjects"].tolist() == [11, 11, 11, 11, 10, 9]
    rows = safety.to_ard(out, analysis_id="DSP-ANALYSIS-SETS", **listings.ARD_LAYOUTS["analysis_sets"])
    assert ard.get_stat(rows, "pct", category="ESSDAI observed at week 24") == pytest.approx(900 / 11)


def test_the_visit_windows_come_from_the_schedule_of_the_data_not_from_the_pilot():
    # a schedule every 4 weeks (the randomised example's): target day 7 x week + 1, windows of +/- 7 days
    weeks = [0, 4, 8, 12, 16, 20, 24]
    bds = pd.DataFrame({"AVISIT": ["Baseline" if w == 0 else f"Week {w}" for w in weeks][::-1],
                        "AVISITN": weeks[::-1],
                        "AWLO": [-28 if w == 0 else 7 * w + 1 - 7 for w in weeks][::-1],
                        "AWHI": [1 if w == 0 else 7 * w + 1 + 7 for w in weeks][::-1]})
    text = listings.describe_visit_windows(bds)
    assert text.endswith(": Baseline, day -28 to 1; Week 4, day 22 to 36; Week 8, day 50 to 64; Week 12, day 78 to 92; "
                         "Week 16, day 106 to 120; Week 20, day 134 to 148; Week 24, day 162 to 176.")
    assert "71 to 99" not in text  # the pilot's week-12 window
    with pytest.raises(ValueError, match="AWLO"):
        listings.describe_visit_windows(bds.drop(columns="AWLO"))


def test_analysis_sets_by_arm_randomised_with_the_total():
    # Arm B (code 1, the control) first; patient 5 enrolled but not randomised: a column of its own. Patient 3 (arm A)
    # took no dose; patient 2's week-12 ESSDAI is missing.
    adsl = pd.DataFrame({"USUBJID": list("12345"), "TRT01P": ["A", "A", "A", "B", ""], "TRT01PN": [2, 2, 2, 1, None],
                         "SAFFL": ["Y", "Y", "N", "Y", "N"], "FASFL": ["Y", "Y", "N", "Y", "N"]})
    adeff = pd.DataFrame({"USUBJID": ["1", "2", "4", "1", "4"], "PARAMCD": "ESSDAI",
                          "AVISIT": ["Baseline", "Baseline", "Baseline", "Week 12", "Week 12"],
                          "AVAL": [9.0, 8.0, 7.0, 5.0, 6.0]})
    out = listings.summarize_analysis_sets(adsl, adeff, visits=["Baseline", "Week 12"], arm="TRT01P")
    got = out.pivot(index="category", columns="arm", values="n_subjects").loc[
        ["Enrolled", "Safety set", "ESSDAI observed at week 12"], ["B", "A", "Total"]]
    assert got.values.tolist() == [[1, 3, 5], [1, 2, 3], [1, 1, 2]]
    table = listings.format_analysis_sets(out)
    assert table.columns.tolist() == ["Analysis set", "Definition", "B (N = 1)", "A (N = 3)", "Not randomised (N = 1)",
                                      "Total (N = 5)"]
    assert table.iloc[1, 2:].tolist() == ["1 (100.0)", "2 (66.7)", "0", "3 (60.0)"]
    single = listings.summarize_analysis_sets(adsl, adeff, visits=["Baseline", "Week 12"])
    assert single[["category", "n_subjects"]].values.tolist() == out.loc[out["arm"] == "Total",
                                                                         ["category", "n_subjects"]].values.tolist()


def test_the_note_of_the_arm_column_names_the_arm_randomised_in_words():
    assert listings.ARM_NOTE == "Arm: the arm randomised; a patient who switched treatment stays in it."


def test_patients_by_centre_where_the_strata_are_not_the_centres():
    """Strata of baseline activity within two centres: Table 14.1.8 shows HIGH and LOW, and no table the patients of
    each centre (ICH E3 10.1), which ``summarize_strata(by=CENTRE)`` counts: centre 01 T, C, T (2 and 1), centre 02 C
    (0 and 1), a patient not randomised (blank arm) in neither. A stratum per centre shows them already."""
    adsl = pd.DataFrame({"USUBJID": list("abcde"), "TRT01P": ["T", "C", "T", "C", ""], "TRT01PN": [2, 1, 2, 1, None],
                         "SITEID": ["01", "01", "01", "02", "02"], "FASFL": ["Y", "Y", "Y", "Y", "N"],
                         "STRAT1R": ["HIGH", "LOW", "LOW", "HIGH", ""]})
    assert listings.centres_apart(adsl)
    assert listings.format_strata(listings.summarize_strata(adsl, by=listings.CENTRE)).values.tolist() == [
        ["01", "1", "2", "3"], ["02", "1", "0", "1"], ["Total", "2", "2", "4"]]
    by_centre = adsl.assign(STRAT1R=["CENTRE 01"] * 3 + ["CENTRE 02"] * 2)
    assert not listings.centres_apart(by_centre)
    # a patient of the full analysis set without a stratum: Table 14.1.8 and the analyses take the centres
    assert not listings.centres_apart(adsl.assign(STRAT1R=["HIGH", "", "LOW", "HIGH", ""]))
    assert not listings.centres_apart(adsl.drop(columns="STRAT1R"))


def test_a_patient_randomised_without_a_stratum_and_never_dosed_is_a_row_of_its_own():
    """Strata are of the full analysis set (strata_variable): a patient randomised without a stratum, never dosed, is
    outside it, and Table 14.1.8 showed the patient on a row without a name."""
    adsl = pd.DataFrame({"USUBJID": list("abc"), "TRT01P": ["T", "C", "C"], "TRT01PN": [2, 1, 1],
                         "SITEID": "01", "FASFL": ["Y", "Y", "N"], "STRAT1R": ["HIGH", "LOW", ""]})
    assert listings.strata_variable(adsl) == "STRAT1R"
    assert listings.format_strata(listings.summarize_strata(adsl)).values.tolist() == [
        [listings.NO_STRATUM, "1", "0", "1"], ["HIGH", "0", "1", "1"], ["LOW", "1", "0", "1"], ["Total", "2", "1", "3"]]
