"""The study's identity comes from the export's study form: STUDYID, title, registry, reference, design."""

import pandas as pd
import pytest

from analysis_utils import appendix, cleaning, dictionary, export, paths, synthetic, validation, vocabulary

#: The pilot's title page, as it has always read (the pilot's export gives it unchanged).
PILOT_TITLE_PAGE = {
    "Title": "Pilot study of baricitinib 2 mg daily in active primary Sjögren's syndrome",
    "Registry": "ClinicalTrials.gov NCT04916756",
    "Publication": "Bai W et al. Ann Rheum Dis 2022;81(7):1050. doi:10.1136/annrheumdis-2021-222053",
    "Design": "Single-centre, open-label, single-arm, 24-week pilot (Peking Union Medical College Hospital)",
}


def _with_study(tmp_export, text: str):
    (tmp_export / "study.csv").write_text(text, encoding="utf-8")
    return tmp_export


def _errors(folder) -> pd.DataFrame:
    return validation.validate_export(*export.read_forms(folder)).errors


# ---------------------------------------------------------------------------------------------
# The pilot: its export unchanged, its identity unchanged
# ---------------------------------------------------------------------------------------------

def test_the_pilots_study_form_is_unchanged_and_gives_the_pilots_identity_and_title_page():
    assert (paths.DATA_RAW / "study.csv").read_text() == ("STUDYID,SITEID,SYNTHETIC,EXPORTDT\n"
                                                          "NCT04916756,01,Y,2022-01-31\n")
    identity = export.study_identity(paths.DATA_RAW)
    assert identity == dictionary.PILOT_STUDY
    assert (identity.studyid, identity.title) == (vocabulary.STUDYID, vocabulary.STUDY_TITLE)
    assert appendix.describe_study(paths.DATA_RAW) == PILOT_TITLE_PAGE
    assert list(appendix.describe_study(paths.DATA_RAW)) == ["Title", "Registry", "Publication", "Design"]


def test_the_pilots_datasets_carry_its_study_identifier(synthetic_export):
    adsl = cleaning.derive_adsl(synthetic_export)
    assert adsl["USUBJID"].iloc[0] == "NCT04916756-01-001" and set(adsl["STUDYID"]) == {"NCT04916756"}


def test_an_export_without_study_columns_beyond_the_pilots_id_is_the_pilot():
    study = pd.DataFrame({"STUDYID": [" NCT04916756 "], "SITEID": ["01"], "TITLE": [""], "REGID": [None]})
    assert dictionary.study_identity(study) == dictionary.PILOT_STUDY
    assert dictionary.study_identity(None) == dictionary.PILOT_STUDY


# ---------------------------------------------------------------------------------------------
# Another study: its identity read from the export
# ---------------------------------------------------------------------------------------------

OTHER_STUDY = ("STUDYID,SITEID,SYNTHETIC,EXPORTDT,TITLE,REGID,REFERENCE\n"
               "ABC-2024-01,01,N,2022-01-31,\"A trial, of something\",NCT01234567,Doe J. Trials 2024. doi:10.1/x\n")


def test_another_studys_identity_is_read_from_its_study_form(tmp_export):
    folder = _with_study(tmp_export, OTHER_STUDY)
    assert _errors(folder).empty  # any STUDYID of the right format is accepted, not only the pilot's
    identity = export.study_identity(folder)
    assert identity == dictionary.StudyIdentity("ABC-2024-01", "A trial, of something", regid="NCT01234567",
                                                reference="Doe J. Trials 2024. doi:10.1/x", design="")
    # Its own title page: the study identifier shown (it is not the registry number), no pilot default.
    assert appendix.describe_study(folder) == {
        "Title": "A trial, of something", "Study identifier": "ABC-2024-01",
        "Registry": "ClinicalTrials.gov NCT01234567", "Publication": "Doe J. Trials 2024. doi:10.1/x"}


def test_another_studys_datasets_and_messages_carry_its_study_identifier(tmp_export):
    folder = _with_study(tmp_export, OTHER_STUDY)
    result = validation.validate_export(*export.read_forms(folder))
    datasets = cleaning.derive_all(result.typed)
    for name, data in datasets.items():
        assert set(data["STUDYID"]) == {"ABC-2024-01"}, name
    adsl = datasets["adsl"]
    # USUBJID = STUDYID-SITEID-SUBJID: subject 001 of site 01.
    assert adsl["USUBJID"].iloc[0] == "ABC-2024-01-01-001"
    assert vocabulary.patient_label(adsl["USUBJID"].iloc[0]) == "01-001"
    assert set(result.queries["USUBJID"]) == {"ABC-2024-01-01-008", "ABC-2024-01-01-009"}


def test_a_study_without_title_is_named_by_its_identifier_and_a_registry_not_clinicaltrials_gov_as_given():
    identity = dictionary.study_identity(pd.DataFrame({"STUDYID": ["XYZ"], "REGID": ["ChiCTR2100041234"]}))
    assert (identity.title, identity.registry, identity.design) == ("Study XYZ", "ChiCTR2100041234", "")
    # "NCT" and 8 digits is a ClinicalTrials.gov number; anything else is shown as given.
    assert dictionary.StudyIdentity("X", "T", regid="NCT0123456").registry == "NCT0123456"


# ---------------------------------------------------------------------------------------------
# Bad study identifiers: file, row and rule named
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, rule, detail", [
    ("BARI PSS", "wrong_format", "is not text without spaces (e.g. NCT04916756 or BARI-PSS-RCT)"),
    ("", "required", "is empty (a value is required)"),
])
def test_a_bad_study_identifier_stops_with_file_line_and_rule(tmp_export, value, rule, detail):
    folder = _with_study(tmp_export, f"STUDYID,SITEID,SYNTHETIC,EXPORTDT\n{value},01,Y,2022-01-31\n")
    errors = _errors(folder)
    assert errors[["file", "row", "variable", "rule", "value"]].values.tolist() == [
        ["study.csv", "2", "STUDYID", rule, value]]
    assert errors["message"].item() == (f"study.csv, line 2, subject -, visit -, column STUDYID: {rule}: "
                                        f"value '{value}' {detail}")


def test_a_tab_in_the_study_identifier_is_a_format_error_and_outer_blanks_are_stripped(synthetic_export):
    synthetic_export["study"]["STUDYID"] = "BARI\tPSS"
    assert validation.validate_export(synthetic_export).errors["rule"].tolist() == ["wrong_format"]
    synthetic_export["study"]["STUDYID"] = "  BARI-PSS  "
    assert validation.validate_export(synthetic_export).ok
    assert cleaning.study_id(validation.validate_export(synthetic_export).typed) == "BARI-PSS"


def test_a_second_study_row_stops_with_file_line_and_rule(tmp_export):
    folder = _with_study(tmp_export, "STUDYID,SITEID,SYNTHETIC,EXPORTDT\nNCT04916756,01,Y,2022-01-31\n"
                                     "OTHER,01,Y,2022-01-31\n")
    errors = _errors(folder)
    assert errors[["file", "row", "rule", "value"]].values.tolist() == [["study.csv", "3", "study_rows", "OTHER"]]
    assert errors["message"].item().startswith("study.csv, line 3, subject -, visit -, column STUDYID: study_rows: ")


# ---------------------------------------------------------------------------------------------
# A multi-centre export: each subject's site from demographics
# ---------------------------------------------------------------------------------------------

def test_a_multi_centre_export_needs_no_single_site_in_its_study_form(synthetic_export):
    synthetic_export["study"] = synthetic_export["study"].drop(columns="SITEID").assign(STUDYID="MC-1")
    synthetic_export["demographics"]["SITEID"] = ["01"] * 6 + ["02"] * 5
    result = validation.validate_export(synthetic_export)
    assert result.ok, result.errors["message"].tolist()
    adsl = cleaning.derive_adsl(result.typed)
    assert adsl["USUBJID"].tolist()[5:7] == ["MC-1-01-006", "MC-1-02-007"]


def test_the_study_forms_site_is_never_compared_with_the_subjects_sites(synthetic_export):
    synthetic_export["demographics"]["SITEID"] = ["01"] * 6 + ["02"] * 5  # the study form says 01
    assert validation.validate_export(synthetic_export).ok


# ---------------------------------------------------------------------------------------------
# The randomised example: its own identity
# ---------------------------------------------------------------------------------------------

def test_the_randomised_example_names_itself_not_the_pilot():
    folder = paths.resolve("data/examples/randomised")
    identity = export.study_identity(folder)
    assert identity.studyid == synthetic.RANDOMISED_STUDYID == "BARI-PSS-RCT"
    assert identity.title == ("A multi-center, open-label, randomized study to explore efficacy and safety of "
                              "baricitinib in active primary Sjogren's syndrome patients")
    assert "doi:10.1186/s13063-023-07087-5" in identity.reference and identity.regid == ""
    page = appendix.describe_study(folder)
    assert list(page) == ["Title", "Study identifier", "Publication", "Design"]
    assert page["Study identifier"] == "BARI-PSS-RCT" and "8 centres" in page["Design"]
    demographics = pd.read_csv(folder / "demographics.csv", dtype=str)
    assert "SITEID" not in pd.read_csv(folder / "study.csv", dtype=str) and demographics["SITEID"].nunique() == 8


def test_the_randomised_generators_subjects_carry_its_study_identifier():
    trial = synthetic.generate_randomised_trial(9, n_centres=3)
    adsl = cleaning.derive_adsl(validation.validate_export(trial).typed)
    assert adsl["USUBJID"].str.startswith("BARI-PSS-RCT-").all() and set(adsl["STUDYID"]) == {"BARI-PSS-RCT"}
    first = adsl.iloc[0]
    assert first["USUBJID"] == f"BARI-PSS-RCT-{first['SITEID']}-{first['SUBJID']}"
