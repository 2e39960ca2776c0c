"""Adverse events entered before they were coded or assessed, as in an interim export: a blank MedDRA term, grade,
relationship, action or outcome is a data query, not a stop, and the AE tables count such events by the rules of docs/decisions.md
("Adverse events not yet assessed"). Hand-worked on the shipped trial, whose seven events are each of one patient:
001 nausea (grade 1, possibly related), 002 common cold (grade 1, unlikely related), 007 hepatitis B reactivation
(grade 2, related, drug withdrawn), 009 headache (nervous system disorders), all treatment-emergent but 003's dental
caries (day -3)."""

import pandas as pd
import pytest

from analysis_utils import cleaning, export, safety

SUBJ = "NCT04916756-01-"
NAUSEA = "001,1,nausea after tablets,Nausea,Gastrointestinal disorders,2021-07-02,2021-07-07,N,"
COLD = "002,1,common cold,Upper respiratory tract infection,Infections and infestations,2021-08-10,2021-08-17,N,"
HBV = "Hepatitis B reactivation,Infections and infestations,2021-08-09,2021-10-07,N,2,"
HEADACHE = "009,1,headache,Headache,Nervous system disorders,"


def _not_assessed(edit_export):
    """001's grade, 002's relationship, 007's action and outcome blank; 009's term not coded."""
    return edit_export("adverse_events", (NAUSEA + "1,", NAUSEA + ","), (COLD + "1,UNLIKELY RELATED,", COLD + "1,,"),
                  (HBV + "RELATED,DRUG WITHDRAWN,RECOVERED/RESOLVED", HBV + "RELATED,,"),
                  (HEADACHE, "009,1,headache,,,"))


def test_each_blank_is_a_data_query_naming_the_line_and_the_build_goes_on(edit_export):
    result = _not_assessed(edit_export)
    assert result.ok
    found = result.queries[result.queries["file"] == "adverse_events.csv"]
    assert found[["row", "USUBJID", "variable", "rule"]].values.tolist() == [
        ["2", SUBJ + "001", "AETOXGR", "missing_item"], ["3", SUBJ + "002", "AEREL", "missing_item"],
        ["6", SUBJ + "007", "AEACN", "missing_item"], ["6", SUBJ + "007", "AEOUT", "missing_item"],
        ["7", SUBJ + "009", "AEBODSYS", "missing_item"], ["7", SUBJ + "009", "AEDECOD", "missing_item"]]
    # Each says what the blank means and what the tables do with it (dictionary.Variable.blank).
    assert found["message"].iloc[1].endswith("column AEREL: missing_item: value '' is empty: not yet assessed; counted "
                                             "as related")


def test_a_blank_seriousness_still_stops_the_build(edit_export):
    # Seriousness decides expedited reporting within 24 hours: it is known when the event is entered.
    result = edit_export("adverse_events", (NAUSEA, NAUSEA.replace(",N,", ",,")))
    assert result.errors[["row", "variable", "rule"]].values.tolist() == [["2", "AESER", "required"]]


def test_adae_keeps_a_grade_missing_and_counts_a_missing_relationship_as_related(edit_export):
    adae = cleaning.derive_all(_not_assessed(edit_export).typed)["adae"].set_index("USUBJID")
    assert str(adae["AETOXGR"].dtype) == "Int64" and pd.isna(adae.loc[SUBJ + "001", "AETOXGR"])
    assert adae.loc[SUBJ + "005", "AETOXGR"] == 1
    assert adae.loc[SUBJ + "002", ["AEREL", "RELFL"]].tolist() == ["", cleaning.RELFL_NOT_ASSESSED] == ["", "Y"]
    assert adae.loc[SUBJ + "009", ["AEREL", "RELFL"]].tolist() == ["UNLIKELY RELATED", "N"]
    assert adae.loc[SUBJ + "007", ["AEACN", "AEOUT", "DTHFL"]].tolist() == ["", "", "N"]
    assert adae.loc[SUBJ + "009", ["AETERM", "AEDECOD", "AEBODSYS"]].tolist() == [
        "headache", cleaning.NOT_CODED, cleaning.NOT_CODED] == ["headache", "Not yet coded", "Not yet coded"]


@pytest.fixture
def interim(edit_export):
    datasets = cleaning.derive_all(_not_assessed(edit_export).typed)
    return datasets["adae"], datasets["adsl"]


def test_the_overview_counts_an_ungraded_event_in_no_grade_row_and_an_unassessed_one_as_related(interim):
    overview = safety.summarize_ae_overview(*interim).set_index("category")["n_subjects"]
    # Shipped: related 001, 005, 007, 011 (4); now also 002. The grade >= 3 row: none graded 3 or more either way.
    assert overview["Related TEAE"] == 5
    assert overview[f"TEAE of CTCAE grade >= {safety.SEVERE_GRADE}"] == 0
    # 007's action not recorded: not counted as leading to discontinuation (its query says why).
    assert overview["TEAE leading to discontinuation of study drug"] == 0


def test_the_table_by_maximum_grade_shows_the_ungraded_patient_as_missing(interim):
    grades = safety.summarize_ae_by_max_grade(*interim)
    any_teae = grades[grades["soc"] == ""].set_index("grade")["n_subjects"]
    # Six TEAEs of six patients: 001 ungraded, five of grade 1 or 2 (007's grade 2).
    assert any_teae.to_dict() == {"Missing": 1, "1": 4, "2": 1, "3": 0, "4": 0, "5": 0}
    nausea = grades[grades["pt"] == "Nausea"].set_index("grade")["n_subjects"]
    assert nausea["Missing"] == 1 and nausea["1"] == 0


def test_a_term_not_yet_coded_is_counted_under_its_own_row_after_the_coded_ones(interim):
    rows = safety.summarize_ae_by_soc_pt(*interim)
    assert rows[["soc", "pt", "n_subjects"]].values.tolist()[-2:] == [
        ["Not yet coded", "", 1], ["Not yet coded", "Not yet coded", 1]]
    assert "Nervous system disorders" not in set(rows["soc"])


def test_the_tables_say_how_many_events_are_not_yet_assessed(interim):
    assert safety.describe_not_assessed(interim[0]) == (
        "1 TEAE not yet coded in MedDRA (a data query): counted under 'Not yet coded', in no adverse event of special "
        "interest; the listing gives the verbatim term.",
        "1 TEAE without a CTCAE grade yet (a data query): in no grade >= 3 row; Missing in the table by maximum grade.",
        "1 TEAE without a relationship to the study drug yet (a data query): counted as related.",
        "1 TEAE without the action taken with the study drug yet (a data query): in no row of TEAEs leading to "
        "discontinuation of study drug.",
        "1 TEAE without an outcome yet (a data query): in no row of TEAEs with fatal outcome.")
    assert safety.summarize_not_assessed(interim[0]).set_index("category")["n_events"].tolist() == [1, 1, 1, 1, 1]


def test_an_export_with_every_event_assessed_has_no_note(tmp_export):
    adae = cleaning.derive_all(export.read_export(tmp_export))["adae"]
    assert safety.describe_not_assessed(adae) == ()
    assert adae["AETOXGR"].notna().all() and (adae["AEREL"] != "").all()
