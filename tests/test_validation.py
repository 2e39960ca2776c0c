"""Validation rules: each one on a deliberately broken copy of the synthetic export."""

import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis_utils import dictionary, export, partial_dates, validation

SUBJ = "NCT04916756-01-"


def _break(folder, form, change):
    """Read ``form`` as text, apply ``change`` (frame -> frame) and write it back."""
    path = folder / f"{form}.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    change(frame).to_csv(path, index=False, lineterminator="\n")


def _set(row, column, value):
    def change(frame):
        frame.loc[row, column] = value
        return frame
    return change


def _append_copy(row, column, value):
    """A second record under the key of ``row``, with ``column`` another ``value`` (the same row in every column is
    read once: ``repeated_row``)."""
    return lambda frame: pd.concat([frame, frame.iloc[[row]].assign(**{column: value})], ignore_index=True)


def _errors(folder):
    before = export.file_manifest(folder)
    with pytest.raises(validation.ExportValidationError) as info:
        validation.check_export(folder)
    pd.testing.assert_frame_equal(export.file_manifest(folder), before)  # raw files unchanged
    return info.value.errors

FORMS_WITH_SUBJECTS = ("eligibility", "visits", "essdai", "esspri", "pga", "ild", "labs", "adverse_events",
                       "conmeds", "exposure", "disposition")


def _last_row_subject(frame):
    return _set(len(frame) - 1, "SUBJID", "777")(frame)


# (form, change) applied together to one copy of the export; each touches its own row.
BREAKAGES = [
    ("demographics", _set(2, "AGE", "forty")),
    ("demographics", _set(0, "SEX", "X")),
    ("visits", _set(0, "VISITDT", "28/06/2021")),
    ("visits", _set(1, "VISITDT", "")),
    ("visits", _set(3, "VISITDT", "2021-06-01")),
    ("pga", _set(0, "PGA", "11")),
    ("essdai", _set(0, "EDLCONST", "3")),
    ("essdai", _set(3, "EDLCNS", "1")),
    ("adverse_events", _set(0, "AEENDT", "2021-06-01")),
    ("adverse_events", _set(2, "AEENDT", "2022-07-07")),  # the export is dated 2022-01-31: 2021 mistyped
    ("labs", _set(5, "SUBJID", "999")),
    ("labs", _set(0, "LBORRESU", "mmol/L")),
    ("labs", _set(1, "LBORRES", "high")),
    *[(form, _last_row_subject) for form in FORMS_WITH_SUBJECTS],
    ("demographics", _append_copy(4, "WEIGHT", "67.0")),
    ("visits", _append_copy(4, "VISITDT", "2021-09-26")),
    ("adverse_events", _append_copy(1, "AETERM", "cold")),
    # subject 010 was lost to follow-up after week 12: an ESSPRI at week 24 has no visit date
    ("esspri", lambda f: pd.concat([f, pd.DataFrame([{"SUBJID": "010", "VISIT": "W24", "ESPDRY": "5",
                                                      "ESPFAT": "5", "ESPPAIN": "5"}])], ignore_index=True)),
]
# case -> expected (file, row, USUBJID, AVISIT, variable, rule, value)
EXPECTED = {
    "wrong_type": ("demographics.csv", "4", SUBJ + "003", "", "AGE", "wrong_type", "forty"),
    "wrong_type_date": ("visits.csv", "2", SUBJ + "001", "Baseline", "VISITDT", "wrong_type", "28/06/2021"),
    "required": ("visits.csv", "3", SUBJ + "001", "Week 12", "VISITDT", "required", ""),
    "out_of_range": ("pga.csv", "2", SUBJ + "001", "Baseline", "PGA", "out_of_range", "11"),
    "not_allowed_level": ("essdai.csv", "2", SUBJ + "001", "Baseline", "EDLCONST", "not_allowed", "3"),
    "not_allowed_cns": ("essdai.csv", "5", SUBJ + "002", "Baseline", "EDLCNS", "not_allowed", "1"),
    "not_allowed_sex": ("demographics.csv", "2", SUBJ + "001", "", "SEX", "not_allowed", "X"),
    "duplicate_subject": ("demographics.csv", "13", SUBJ + "005", "", "SUBJID", "duplicate_subject", "005"),
    "duplicate_visit": ("visits.csv", "32", SUBJ + "002", "Week 12", "SUBJID/VISIT", "duplicate_visit", "002/W12"),
    "duplicate_record": ("adverse_events.csv", "9", SUBJ + "002", "", "SUBJID/AESPID", "duplicate_record", "002/1"),
    "unknown_subject": ("labs.csv", "7", SUBJ + "999", "Baseline", "SUBJID", "unknown_subject", "999"),
    "unknown_visit": ("esspri.csv", "32", SUBJ + "010", "Week 24", "VISIT", "unknown_visit", "W24"),
    "end_before_start": ("adverse_events.csv", "2", SUBJ + "001", "", "AEENDT", "end_before_start", "2021-06-01"),
    "visit_before_consent": ("visits.csv", "5", SUBJ + "002", "Baseline", "VISITDT", "visit_before_consent",
                             "2021-06-01"),
    "after_export": ("adverse_events.csv", "4", SUBJ + "003", "", "AEENDT", "after_export", "2022-07-07"),
    "unknown_unit": ("labs.csv", "2", SUBJ + "001", "Baseline", "LBORRESU", "unknown_unit", "mmol/L"),
    "lab_result_type": ("labs.csv", "3", SUBJ + "001", "Baseline", "LBORRES", "lab_result_type", "high"),
    # the last exposure row, 011's, given to subject 777: 011's week-12 visit has no dose before it
    "visit_without_dose": ("visits.csv", "30", SUBJ + "011", "Week 12", "VISIT", "visit_without_dose", "W12"),
}


@pytest.fixture(scope="module")
def broken_errors(tmp_path_factory, _synthetic_trial):
    """Errors of one copy of the export carrying every breakage (raw files checked unchanged)."""
    folder = tmp_path_factory.mktemp("broken")
    export.write_export(_synthetic_trial, folder)
    for form, change in BREAKAGES:
        _break(folder, form, change)
    return _errors(folder)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_each_rule_gives_its_specific_error(broken_errors, case):
    expected = EXPECTED[case]
    hits = broken_errors[(broken_errors["file"] == expected[0]) & (broken_errors["row"] == expected[1])
                         & (broken_errors["rule"] == expected[5])]
    assert len(hits) == 1, broken_errors
    row = hits.iloc[0]
    assert tuple(row[list(validation.PROBLEM_COLUMNS[:-1])]) == expected
    for part in (expected[0], f"line {expected[1]}", expected[2], f"column {expected[4]}", expected[5],
                 f"'{expected[6]}'"):
        assert part in row["message"]


@pytest.mark.parametrize("form", FORMS_WITH_SUBJECTS)
def test_unknown_subject_in_any_form(broken_errors, form, _synthetic_trial):
    hit = broken_errors[(broken_errors["rule"] == "unknown_subject") & (broken_errors["file"] == f"{form}.csv")
                        & (broken_errors["value"] == "777")]
    assert hit["row"].tolist() == [str(len(_synthetic_trial[form]) + 1)]


def test_no_error_without_a_breakage(broken_errors):
    assert set(broken_errors["rule"]) == {e[5] for e in EXPECTED.values()}


def test_missing_file(tmp_export):
    (tmp_export / "pga.csv").unlink()
    row = _errors(tmp_export).query("rule == 'missing_file'").iloc[0]
    assert row["file"] == "pga.csv" and "missing" in row["message"]


def test_missing_column(tmp_export):
    _break(tmp_export, "demographics", lambda f: f.drop(columns="SEX"))
    row = _errors(tmp_export).query("rule == 'missing_column'").iloc[0]
    assert (row["file"], row["variable"]) == ("demographics.csv", "SEX")


def test_header_in_lower_case_names_each_column_and_not_an_empty_form(edit_export):
    """Every column of pga.csv misnamed: the form still has its data rows (no ``no_rows``), each column is named."""
    errors = edit_export("pga", ("SUBJID,VISIT,PGA", "subjid,visit,pga")).errors
    assert "no_rows" not in set(errors["rule"])
    assert errors.query("rule == 'missing_column'")["message"].str.contains(
        "found '(?:subjid|visit|pga)': column names are upper case").tolist() == [True] * 3


def test_missing_folder_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="raw export not found"):
        validation.check_export(tmp_path / "nowhere")


def test_shipped_export_has_no_error_and_two_queries(tmp_export):
    result = validation.check_export(tmp_export)
    assert result.ok
    assert result.queries[["USUBJID", "AVISIT", "rule"]].values.tolist() == [
        [SUBJ + "008", "Week 12", "incomplete_biological"],
        [SUBJ + "009", "Week 12", "visit_window"],
    ]
    assert "study day 101, outside the window day 71 to 99" in result.queries["message"].iloc[1]


def test_missing_non_required_item_is_a_query_not_an_error(tmp_export):
    _break(tmp_export, "esspri", _set(0, "ESPPAIN", ""))
    result = validation.check_export(tmp_export)
    row = result.queries.query("rule == 'missing_item'").iloc[0]
    assert (row["file"], row["row"], row["USUBJID"], row["variable"]) == ("esspri.csv", "2", SUBJ + "001", "ESPPAIN")


def test_missing_monoclonal_component_is_an_incomplete_biological_assessment(tmp_export):
    _break(tmp_export, "labs",
           lambda f: f[~((f["SUBJID"] == "001") & (f["VISIT"] == "BL") & (f["LBTESTCD"] == "MCOMP"))])
    queries = validation.check_export(tmp_export).queries
    row = queries[(queries["rule"] == "incomplete_biological") & (queries["USUBJID"] == SUBJ + "001")].iloc[0]
    assert (row["AVISIT"], row["value"]) == ("Baseline", "MCOMP")
    # at the ESSDAI row's biological level, the item scored from incomplete assays (LBTESTCD is the labs form's)
    assert (row["file"], row["variable"]) == ("essdai.csv", "EDLBIOL")


def test_visit_window_boundaries(synthetic_export):
    assert validation.VISIT_WINDOWS == {"W12": (85, 14), "W24": (169, 14)}
    assert validation.BASELINE_WINDOW == (-28, 1)
    visits = synthetic_export["visits"]
    first_dose = visits["SUBJID"].map(synthetic_export["exposure"].set_index("SUBJID")["EXSTDT"])
    days = {("001", "W12"): 70, ("002", "W12"): 71, ("003", "W12"): 99, ("004", "W12"): 100,
            ("001", "W24"): 154, ("002", "W24"): 155, ("003", "W24"): 183, ("004", "W24"): 184}
    for (subjid, visit), day in days.items():
        row = (visits["SUBJID"] == subjid) & (visits["VISIT"] == visit)
        visits.loc[row, "VISITDT"] = first_dose[row] + pd.Timedelta(days=day - 1)
    queries = validation.validate_export(synthetic_export).queries.query("rule == 'visit_window'")
    assert queries[["USUBJID", "AVISIT"]].values.tolist() == [
        [SUBJ + "001", "Week 12"], [SUBJ + "001", "Week 24"], [SUBJ + "004", "Week 12"], [SUBJ + "004", "Week 24"],
        [SUBJ + "009", "Week 12"]]


def test_error_message_lists_first_twenty_and_counts_the_rest(tmp_export):
    _break(tmp_export, "labs", lambda f: f.assign(LBORRESU="furlongs"))
    with pytest.raises(validation.ExportValidationError) as info:
        validation.check_export(tmp_export)
    text = str(info.value)
    n = len(info.value.errors)
    assert text.startswith(f"{n} validation error(s)") and f"... and {n - 20} more" in text
    assert text.count("unknown_unit") == 20
    # each kind of error (file, column, rule) is quoted before a second of any kind, in the list's order
    _break(tmp_export, "pga", lambda f: f.assign(PGA=f["PGA"].where(f.index > 0, 55.0)))
    with pytest.raises(validation.ExportValidationError) as info:
        validation.check_export(tmp_export)
    text = str(info.value)
    assert text.count("unknown_unit") == 19 and text.count("out_of_range") == 1
    quoted = [m for m in info.value.errors["message"] if f"  {m}\n" in text]
    assert len(quoted) == 20 and [text.index(m) for m in quoted] == sorted(text.index(m) for m in quoted)


def test_parse_column_types():
    values, bad = validation.parse_column(pd.Series(["2021-06-01", "2021-13-01", ""]), "date")
    assert bad.tolist() == [False, True, False]
    assert values.iloc[0] == pd.Timestamp("2021-06-01") and values.iloc[2] is pd.NaT
    values, bad = validation.parse_column(pd.Series(["1.5", "1,5"]), "float")
    assert values.tolist()[0] == 1.5 and bad.tolist() == [False, True]


def test_validation_of_typed_tables_equals_validation_of_the_files(tmp_export, synthetic_export):
    from_files = validation.validate_export(export.read_export(tmp_export))
    from_frames = validation.validate_export(synthetic_export)
    pd.testing.assert_frame_equal(from_files.queries, from_frames.queries)


def test_summarize_queries_counts_by_rule():
    q = pd.DataFrame({"rule": ["incomplete_biological", "visit_window", "visit_window"]})
    assert validation.summarize_queries(q)[["rule", "n"]].values.tolist() == [
        ["visit_window", 2], ["incomplete_biological", 1]]


def test_cli_exit_status_and_query_file(tmp_export, tmp_path, capsys):
    reports = tmp_path / "reports"
    assert validation.main([str(tmp_export), "--reports", str(reports)]) == 0
    written = pd.read_csv(reports / "data_queries.csv", dtype=str, keep_default_na=False)
    assert written["source"].unique().tolist() == ["validation"] and len(written) == 2
    _break(tmp_export, "pga", _set(0, "PGA", "55"))
    assert validation.main([str(tmp_export), "--reports", str(reports)]) == 1
    assert "out_of_range" in capsys.readouterr().err


def test_every_rule_is_documented_with_its_kind():
    kinds = {kind for kind, _ in validation.RULES.values()}
    assert kinds == {"error", "query"}
    assert {"visit_window", "missing_item", "incomplete_biological", "unknown_form", "unknown_column", "empty_form",
            "identifier_restored", "no_assessment", "completed_without_final_visit", "discontinued_after_final_visit",
            "visit_after_end_of_study", "treated_not_as_randomised", "randomised_not_dosed", "partial_date",
            "adverse_event_after_end_of_study", "no_end_of_study",
            "missing_assessment",
            "result_beyond_limit", "fatal_grade_mismatch", "death_not_in_disposition", "visit_after_death",
            "repeated_sample", "baseline_after_first_dose", "overlapping_medication", "score_differs",
            "visit_not_done", "result_not_detected", "unknown_test", "unscheduled_visit", "antimalarial_not_counted",
            "dosed_after_end_of_study", "repeated_row", "early_switch", "unplanned_switch", "dose_above_arm",
            "reference_not_control", "arm_without_patients", "blinding_unstated",
            "stratum_missing",
            "stratum_other_site", "subject_other_site", "spelled_as_another",
            "sample_window", "fatal_not_serious", "randomisation_blank", "empty_record", "screening_visit",
            "screening_after_first_dose", "discontinued_without_adverse_event", "adverse_event_before_consent",
            "continued_below_label", "withdrawn_after_last_dose", "hbv_dna_not_monitored"} == {
        r for r, (k, _) in validation.RULES.items() if k == "query"}
    assert set(validation.STRUCTURE_RULES) <= set(validation.RULES)
    assert set(export.READ_QUERIES) == {r for r in validation.STRUCTURE_RULES if validation.RULES[r][0] == "query"
                                        and r not in ("unknown_form", "unknown_column", "empty_form")}


def test_validation_hands_cleaning_the_forms_parse_export_gives(tmp_path):
    """01_data_cleaning derives the datasets from ``result.typed``: it must be what parsing the text again gives."""
    from analysis_utils import cleaning, synthetic

    export.write_export(synthetic.generate_trial(), tmp_path)
    text = export.read_export(tmp_path)
    result = validation.validate_export(text)
    expected = validation.parse_export(text)
    assert result.typed.keys() == expected.keys()
    for name, frame in expected.items():
        pd.testing.assert_frame_equal(result.typed[name], frame, check_flags=False)
        assert result.typed[name].attrs[validation.TYPED_ATTR]
    from_typed, from_text = cleaning.derive_all(result.typed), cleaning.derive_all(text)
    for name in from_text:
        pd.testing.assert_frame_equal(from_typed[name], from_text[name])


# --- parsing numbers written as text ----------------------------------------------------------

_NUMBER_TEXT = st.one_of(
    st.text(alphabet="0123456789+-.eE", min_size=1, max_size=15),
    st.sampled_from(["inf", "-Infinity", "NaN", "nAn", "+inf", "1_000", "0x1A", "1d3", "NEG", "٣", "1,5", "-0", "-0.0",
                     "00012", "5.", ".5", "1e400", "4.9e-324", "9007199254740993"]),
    st.none(),
)


def _same(a, b) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return bool(np.all((np.isnan(a) & np.isnan(b)) | ((a == b) & (np.signbit(a) == np.signbit(b)))))


@settings(max_examples=300, deadline=None)
@given(st.lists(_NUMBER_TEXT, max_size=8))
def test_to_numbers_accepts_what_pandas_accepts_with_the_correctly_rounded_value(texts):
    """On every generated column (numbers, words and blanks mixed): missing where pandas' parse is, else Python's float()."""
    text = pd.Series(texts, dtype="str")
    parsed = validation.to_numbers(text).to_numpy()
    by_pandas = pd.to_numeric(text, errors="coerce").astype(float).to_numpy()
    assert np.array_equal(np.isnan(parsed), np.isnan(by_pandas))
    for value, string in zip(parsed, texts):
        if not np.isnan(value):
            assert _same(value, float(string) + 0.0), string


def test_to_numbers_is_correctly_rounded_where_pandas_is_not():
    assert validation.to_numbers(pd.Series(["+5e31"])).iloc[0] == float("+5e31") == 5e31  # pandas 3.1: 4.999999999999999e+31


def test_to_numbers_reads_signed_zero_as_zero_and_words_as_missing():
    assert [np.signbit(v) for v in validation.to_numbers(pd.Series(["-0", "-0.0", "-0e0"]))] == [False] * 3
    assert [np.signbit(v) for v in validation.to_numbers(pd.Series(["-0", "x"]))] == [False, False]  # via pandas
    parsed = validation.to_numbers(pd.Series(["7", "0x1A", "1_000", None], index=[5, 6, 7, 8]))
    assert parsed.index.tolist() == [5, 6, 7, 8] and parsed.iloc[0] == 7.0 and parsed.iloc[1:].isna().all()


def test_typed_tables_get_the_structural_rules_too(synthetic_export):
    """``validate_export`` on frames (no files): a missing form stops first; an extra column is a query, not carried."""
    trial = dict(synthetic_export)
    trial["demographics"] = trial["demographics"].assign(NOTES="x")
    result = validation.validate_export(trial)
    assert result.ok and result.queries.query("rule == 'unknown_column'")["variable"].tolist() == ["NOTES"]
    assert "NOTES" not in result.typed["demographics"]
    del trial["visits"]
    errors = validation.validate_export(trial).errors
    assert errors[["file", "rule"]].values.tolist() == [["visits.csv", "missing_file"]]
    assert errors["message"].iloc[0] == "visits.csv: missing_file: form visits missing (expected visits.csv)"


def test_no_assessment_is_asked_only_for_dosed_subjects(synthetic_export):
    trial = dict(synthetic_export)
    for form in validation.ASSESSMENT_FORMS + ("ild",):
        trial[form] = trial[form][trial[form]["SUBJID"] != "004"].reset_index(drop=True)
    queries = validation.validate_export(trial).queries.query("rule == 'no_assessment'")
    assert queries[["file", "row", "USUBJID"]].values.tolist() == [["demographics.csv", "5", SUBJ + "004"]]
    trial["exposure"].loc[trial["exposure"]["SUBJID"] == "004", "EXSTDT"] = pd.NaT
    trial["exposure"].loc[trial["exposure"]["SUBJID"] == "004", "EXENDT"] = pd.NaT
    assert "no_assessment" not in set(validation.validate_export(trial).queries["rule"])


@pytest.mark.parametrize(("value", "partial"), [
    ("2021", True), ("2021-08", True), ("2021-08-UN", True), ("2019-unk-unk", True), ("2021-XX-XX", True),
    ("28/06/2021", False), ("2021-8", False), ("2021-08-32", False), ("UNK", False), ("2021-UN-15", False),
])
def test_partial_date_pattern(value, partial):
    """The values whose wrong_type message says they are partial dates (docs/decisions.md, "Partial dates")."""
    assert bool(re.fullmatch(partial_dates.PARTIAL_DATE, value)) is partial


@pytest.mark.parametrize(("value", "read"), [
    ("2021-06-28T09:30", "2021-06-28"), ("2021-06-28T09:30:15", "2021-06-28"), ("2021-06-28 09:30", "2021-06-28"),
    ("2021-06-28T09:30:15.250Z", "2021-06-28"), ("2021-06-28T23:59+08:00", "2021-06-28"),
    (" 2021-06-28T09:30 ", "2021-06-28"), ("2021-06-28T9:30", None), ("2021-06-28T", None), ("2021-06-28 noon", None),
])
def test_a_date_time_is_read_as_its_date(tmp_export, value, read):
    """An EDC exports a collection date-time as ISO 8601 (CDISC --DTC): its date is the date; the analysis counts days."""
    path = tmp_export / "visits.csv"
    text = path.read_text()
    path.write_text(text.replace("001,BL,2021-06-28", f"001,BL,{value}", 1))
    result = validation.validate_export(export.read_export(tmp_export))
    if read is None:
        assert result.errors[["row", "variable", "rule"]].values.tolist() == [["2", "VISITDT", "wrong_type"]]
    else:
        assert result.ok
        visits = result.typed["visits"]
        assert visits.loc[(visits["SUBJID"] == "001") & (visits["VISIT"] == "BL"), "VISITDT"].tolist() == [
            pd.Timestamp(read)]


def test_a_partial_date_with_a_time_is_still_partial():
    assert partial_dates.date_range(pd.Series(["2021-08-10T14:00", "2021-08"])).astype(str).values.tolist() == [
        ["2021-08-10", "2021-08-10", ""], ["2021-08-01", "2021-08-31", "D"]]


@pytest.mark.parametrize(("value", "says"), [
    ("2021/6/28", "the date 2021-06-28 as a spreadsheet shows it (Excel saves a CSV file so on a Chinese Windows)"),
    ("2021/6/28 9:30", "the date 2021-06-28 as a spreadsheet shows it"),
    ("28/06/2021", "a date with the day and month first cannot be read safely"),
    ("6/28/21", "a date with the day and month first cannot be read safely"),
    ("28.06.2021", "a date with the day and month first cannot be read safely"),
    ("2021-06-31", "ISO 8601 YYYY-MM-DD: there is no such day, 2021-06 has 30 days"),  # written as asked: not a date
    ("2021-02-29", "there is no such day, 2021-02 has 28 days"),
    ("2021-13-28", "ISO 8601 YYYY-MM-DD: there is no month 13"),
])
def test_a_date_as_a_spreadsheet_shows_it_stops_with_what_to_do(tmp_export, value, says):
    path = tmp_export / "visits.csv"
    path.write_text(path.read_text().replace("001,BL,2021-06-28", f"001,BL,{value}", 1))
    errors = validation.validate_export(export.read_export(tmp_export)).errors
    assert errors[["row", "variable", "rule"]].values.tolist() == [["2", "VISITDT", "wrong_type"]]
    assert says in errors["message"].iloc[0]


HIGH_CHOL = ("011,1,high cholesterol,Blood cholesterol increased,Investigations,2021-10-26,,N,1,POSSIBLY RELATED,"
             "DOSE NOT CHANGED,NOT RECOVERED/NOT RESOLVED")


@pytest.mark.parametrize(("grade", "outcome", "expected"), [
    # Patient 011 (completed, week-24 visit 2022-01-19): its adverse event made fatal, ending 2021-11-02.
    ("5", "FATAL", [["8", "AEOUT", "death_not_in_disposition",
                     "value 'FATAL' but the end of study is COMPLETED (disposition), not DEATH"],
                    ["31", "VISITDT", "visit_after_death",
                     "value '2022-01-19' is after the end of the subject's fatal adverse event on 2021-11-02"]]),
    ("3", "FATAL", [["8", "AEOUT", "death_not_in_disposition",
                     "value 'FATAL' but the end of study is COMPLETED (disposition), not DEATH"],
                    ["8", "AETOXGR", "fatal_grade_mismatch",
                     "value '3' is not grade 5 (death) but the outcome is FATAL"],
                    ["31", "VISITDT", "visit_after_death",
                     "value '2022-01-19' is after the end of the subject's fatal adverse event on 2021-11-02"]]),
    ("5", "RECOVERED/RESOLVED", [["8", "AEOUT", "fatal_grade_mismatch",
                                  "value 'RECOVERED/RESOLVED' is not FATAL but the grade is 5 (death)"]]),
    ("", "FATAL", [["8", "AEOUT", "death_not_in_disposition",
                    "value 'FATAL' but the end of study is COMPLETED (disposition), not DEATH"],
                   ["8", "AETOXGR", "missing_item",
                    "value '' is empty: not yet assessed; not imputed ('Missing' in the table by maximum grade, in no "
                    "'grade >= 3' row)"],
                   ["31", "VISITDT", "visit_after_death",
                    "value '2022-01-19' is after the end of the subject's fatal adverse event on 2021-11-02"]]),
])
def test_a_death_recorded_one_way_and_not_another_is_a_query(tmp_export, grade, outcome, expected):
    path = tmp_export / "adverse_events.csv"
    text = path.read_text()
    assert HIGH_CHOL in text
    path.write_text(text.replace(HIGH_CHOL, "011,1,high cholesterol,Blood cholesterol increased,Investigations,"
                                            f"2021-10-26,2021-11-02,Y,{grade},POSSIBLY RELATED,DRUG WITHDRAWN,{outcome}"))
    result = validation.validate_export(export.read_export(tmp_export))
    assert result.ok
    found = result.queries[result.queries["USUBJID"] == SUBJ + "011"]
    assert [[r, v, rule, m.split(f"{rule}: ")[1]] for r, v, rule, m in
            found[["row", "variable", "rule", "message"]].values] == expected


def test_a_death_in_the_disposition_form_agrees(tmp_export):
    """The fatal event ends on the day of the last visit, the disposition says DEATH that day: no death query."""
    for form, old, new in (("adverse_events", HIGH_CHOL, "011,1,high cholesterol,Blood cholesterol increased,"
                            "Investigations,2021-10-26,2022-01-19,Y,5,POSSIBLY RELATED,DRUG WITHDRAWN,FATAL"),
                           ("disposition", "011,COMPLETED,2022-01-19", "011,DEATH,2022-01-19")):
        path = tmp_export / f"{form}.csv"
        assert old in path.read_text()
        path.write_text(path.read_text().replace(old, new))
    result = validation.validate_export(export.read_export(tmp_export))
    assert result.ok
    assert not set(result.queries["rule"]) & {"fatal_grade_mismatch", "death_not_in_disposition", "visit_after_death"}


def test_a_repeated_key_names_the_line_it_repeats(tmp_export):
    """A laboratory system's repeat of a test on the same day: the message names both lines."""
    path = tmp_export / "labs.csv"
    path.write_text(path.read_text() + "001,BL,2021-06-28,ALT,25,U/L,7.0,40.0\n")
    errors = validation.validate_export(export.read_export(tmp_export)).errors
    assert errors[["row", "rule", "value"]].values.tolist() == [["604", "duplicate_record", "001/ALT/2021-06-28"]]
    assert errors["message"].iloc[0].endswith("repeats the key (SUBJID, LBTESTCD, LBDT) of line 2")


PREDNISONE = "002,1,Prednisone,PREDNISONE,GLUCOCORTICOID,10.0,mg,QD,2020-05-27,"


@pytest.mark.parametrize(("first_end", "second", "flagged"), [
    ("", "2021-09-02,", "ongoing"),  # the old record never ended: both count, 15 mg/day
    ("2021-09-10", "2021-09-02,", "until 2021-09-10"),
    ("2021-09-02", "2021-09-02,", None),  # the dose changed that day: the usual way to enter a change
    ("2021-09-01", "2021-09-02,", None),
    ("2021-09-10", "2021-09,", None),  # a partial start: may be after the end (only a certain overlap is queried)
    ("", "2021-09,", "ongoing"),
])
def test_overlapping_records_of_one_drug_are_a_query(edit_export, first_end, second, flagged):
    result = edit_export("conmeds", (PREDNISONE, PREDNISONE + first_end + "\n"
                                     "002,9,Prednisone,PREDNISONE,GLUCOCORTICOID,5.0,mg,QD," + second))
    found = result.queries[result.queries["rule"] == "overlapping_medication"]
    assert result.ok
    if flagged is None:
        assert found.empty
    else:
        assert found[["row", "USUBJID", "variable"]].values.tolist() == [["5", SUBJ + "002", "CMSTDT"]]
        assert found["message"].iloc[0].endswith(
            f"starts while an earlier record of PREDNISONE is taken ({flagged}): on the days both are taken, their "
            "doses are added; a dose changed ends the old record")


def test_an_overlap_with_any_earlier_record_of_the_drug_is_found(edit_export):
    """Record 1 ongoing, 9 from 2021-08-01 to 08-31, 10 from 2021-09-02: both later ones overlap record 1."""
    result = edit_export("conmeds", (PREDNISONE, PREDNISONE + "\n"
                                     "002,9,Prednisone,PREDNISONE,GLUCOCORTICOID,5.0,mg,QD,2021-08-01,2021-08-31\n"
                                     "002,10,Prednisone,PREDNISONE,GLUCOCORTICOID,7.5,mg,QD,2021-09-02,"))
    assert result.queries.query("rule == 'overlapping_medication'")["row"].tolist() == ["5", "6"]


def test_no_two_allowed_values_of_an_item_read_alike():
    """``dictionary.read_coded`` reads a coded value in any letter case: certain only while no two allowed values of
    an item differ by letter case alone (nor a Y/N or POSITIVE/NEGATIVE spelling names another value)."""
    for form in dictionary.FORMS.values():
        for var in (v for v in form.variables if v.type == "str" and v.allowed):
            upper = [str(a).upper() for a in var.allowed]
            assert len(set(upper)) == len(upper), (form.name, var.name)


@pytest.mark.parametrize(("form", "column", "spelled"), [
    ("adverse_events", "AESER", {"N": "No", "Y": "yes"}),
    ("adverse_events", "AEREL", {v: v.lower() for v in ("RELATED", "POSSIBLY RELATED", "UNLIKELY RELATED",
                                                          "NOT RELATED")}),
    ("adverse_events", "AEREL", {"POSSIBLY RELATED": "POSSIBLY  RELATED", "NOT RELATED": "Not   related"}),
    ("eligibility", "INC1", {"Y": "是", "N": "否"}),
    ("demographics", "ANTISSA", {"POSITIVE": "阳性", "NEGATIVE": "neg"}),
    ("demographics", "SEX", {"F": "f", "M": "m"}),
    ("essdai", "VISIT", {"W12": "w12", "W24": " W24 "}),
    ("labs", "LBTESTCD", {"ALT": "alt", "CRP": "Crp"}),
])
def test_coded_values_spelled_another_way_give_the_same_datasets(synthetic_export, form, column, spelled):
    from analysis_utils import cleaning

    frame = synthetic_export[form]
    respelled = frame.assign(**{column: frame[column].replace(spelled)})
    assert (respelled[column] != frame[column]).any()
    result = validation.validate_export({**synthetic_export, form: respelled})
    expected = validation.validate_export(synthetic_export)
    assert result.ok and result.queries["message"].tolist() == expected.queries["message"].tolist()
    pd.testing.assert_frame_equal(result.typed[form], expected.typed[form])
    datasets = cleaning.derive_all(expected.typed)
    for name, dataset in cleaning.derive_all(result.typed).items():
        pd.testing.assert_frame_equal(dataset, datasets[name])


def test_a_coded_value_no_spelling_reads_is_still_an_error(synthetic_export):
    ae = synthetic_export["adverse_events"]
    result = validation.validate_export({**synthetic_export, "adverse_events": ae.assign(AESER="not serious")})
    assert result.errors["rule"].unique().tolist() == ["not_allowed"]
    assert "value 'not serious' is not one of: Y, N" in result.errors["message"].iloc[0]


VISIT_007 = "007,BL,2021-07-19\n"


def test_a_planned_visit_without_a_date_or_assessment_is_a_visit_not_done(edit_export, tmp_export):
    """Patient 007 stopped in the first month: an EDC exporting every planned visit gives week 12 and week 24 rows
    without a date. They are read as absent: the same datasets as without them, one query each."""
    from analysis_utils import cleaning

    plain = edit_export("visits")
    result = edit_export("visits", (VISIT_007, VISIT_007 + "007,W12,\n007,W24, \n"),
                         ("008,BL,2021-07-22", "008,BL,2021-07-2x"))
    assert result.errors[["row", "rule"]].values.tolist() == [["23", "wrong_type"]]  # lines count the rows read as absent
    result = edit_export("visits", ("008,BL,2021-07-2x", "008,BL,2021-07-22"))
    assert result.ok
    found = result.queries[result.queries["rule"] == "visit_not_done"]
    assert found[["row", "USUBJID", "AVISIT", "variable"]].values.tolist() == [
        ["21", SUBJ + "007", "Week 12", "VISITDT"], ["22", SUBJ + "007", "Week 24", "VISITDT"]]
    assert found["message"].iloc[0].endswith("value '' is empty and no ESSDAI, ESSPRI, PGA or ILD assessment is "
                                             "recorded at the visit: read as a visit not done, as if the row were "
                                             "absent")
    pd.testing.assert_frame_equal(result.typed["visits"], plain.typed["visits"])
    expected = cleaning.derive_all(plain.typed)
    for source in (result.typed, export.read_export(tmp_export)):  # validated, and parsed without validation
        for name, dataset in cleaning.derive_all(source).items():
            pd.testing.assert_frame_equal(dataset, expected[name])


def test_a_visit_without_a_date_but_with_an_assessment_still_needs_its_date(edit_export):
    result = edit_export("visits", ("001,W12,2021-09-20", "001,W12,"))
    assert result.errors[["row", "variable", "rule"]].values.tolist() == [["3", "VISITDT", "required"]]


def test_assessment_rows_without_any_item_are_read_as_absent(edit_export, tmp_export):
    """The same EDC writes an empty ESSDAI, ESSPRI and PGA row and laboratory rows with only a test code for patient
    007's week 12 (not done): each is read as absent, one query each, and the visit without a date is then a visit not
    done."""
    from analysis_utils import cleaning

    plain = cleaning.derive_all(edit_export("visits").typed)
    edit_export("visits", (VISIT_007, VISIT_007 + "007,W12,\n"))
    edit_export("esspri", ("007,BL,7,6,6\n", "007,BL,7,6,6\n007,W12, , ,\n"))
    edit_export("pga", ("007,BL,5.0\n", "007,BL,5.0\n007,W12,\n"))
    edit_export("labs", ("007,UNS,2021-08-09,ALT,", "007,W12,,ALT,,,,\n007,W12,,CRP, ,,,\n007,UNS,2021-08-09,ALT,"))
    result = edit_export("essdai", ("007,BL,0,0,1,1,0,0,0,0,0,0,0,2,N\n",
                                    "007,BL,0,0,1,1,0,0,0,0,0,0,0,2,N\n007,W12,,,,,,,,,,,,,\n"))
    assert result.ok
    found = result.queries[result.queries["rule"] == "visit_not_done"]
    assert found[["file", "row", "variable"]].values.tolist() == [
        ["essdai.csv", "21", "VISIT"], ["esspri.csv", "21", "VISIT"], ["labs.csv", "383", "LBDT"],
        ["labs.csv", "384", "LBDT"], ["pga.csv", "21", "VISIT"], ["visits.csv", "21", "VISITDT"]]
    assert found["message"].iloc[0].endswith("value 'W12' has no item recorded: read as if the row were absent (a "
                                             "form not done, or not entered yet)")
    assert not (set(result.queries["rule"]) & {"missing_item", "missing_assessment"})
    for source in (result.typed, export.read_export(tmp_export)):
        for name, dataset in cleaning.derive_all(source).items():
            pd.testing.assert_frame_equal(dataset, plain[name])


def test_log_rows_with_nothing_but_the_subject_are_read_as_absent(edit_export, tmp_export):
    """An EDC writes a row for a log page left empty: patient 010's adverse events (with a record number), 004's
    medications and 011's exposure (nothing but the subject). Each is read as absent, one query each, and the analysis
    datasets are those of the export without them; they stopped the build as 'required' items."""
    from analysis_utils import cleaning

    plain = cleaning.derive_all(edit_export("pga").typed)
    rows = {"adverse_events": "010,2,,,,,,,,,,\n", "conmeds": "004,,,,,,,,,\n", "exposure": "011,,,,\n"}
    for form, row in rows.items():
        with open(tmp_export / f"{form}.csv", "a", encoding="utf-8", newline="") as file:
            file.write(row)
    result = validation.validate_export(export.read_export(tmp_export))
    assert result.ok, result.errors["message"].tolist()
    found = result.queries[result.queries["rule"] == "empty_record"]
    assert found[["file", "USUBJID", "variable"]].values.tolist() == [
        ["adverse_events.csv", "NCT04916756-01-010", "SUBJID"], ["conmeds.csv", "NCT04916756-01-004", "SUBJID"],
        ["exposure.csv", "NCT04916756-01-011", "SUBJID"]]
    assert found["message"].iloc[0].endswith("value '010' has nothing recorded in this row but the subject (and a "
                                             "record number): read as if the row were absent (a log page left empty: "
                                             "no adverse event recorded)")
    assert found["message"].iloc[2].endswith("value '011' has nothing recorded in this row but the subject: read as if "
                                             "the row were absent (a log page left empty: no dose recorded)")
    for source in (result.typed, export.read_export(tmp_export)):
        for name, dataset in cleaning.derive_all(source).items():
            pd.testing.assert_frame_equal(dataset, plain[name])


def test_a_subject_number_given_again_by_another_site_says_numbers_are_unique_across_sites(edit_export):
    """A multi-centre export whose second site numbers its subjects from 001 again (002 here, at site 02)."""
    line = ("002,01,ZZBA,SYN-HR-000002,2021-06-24,52,F,ASIAN,NOT HISPANIC OR LATINO,161.5,62.5,2015-09-13,POSITIVE,"
            "NEGATIVE,NEGATIVE,NEGATIVE,N\n")
    result = edit_export("demographics", (line, line + line.replace("002,01,", "002,02,")))
    assert result.errors.query("rule == 'duplicate_subject'")["message"].iloc[0].endswith(
        "value '002' repeats the key (SUBJID) of line 3, of another site: a subject number is the key of every form and "
        "must be unique in the study, across sites (number subjects across sites, or include the site, as 01001)")


@pytest.mark.parametrize(("value", "said"), [
    ("44375", ": the number a spreadsheet keeps for the date 2021-06-28 (a date column formatted as a number); format "
              "the column as yyyy-mm-dd before saving"),
    ("44375.39", ": the number a spreadsheet keeps for the date 2021-06-28 (a date column formatted as a number); "
                 "format the column as yyyy-mm-dd before saving"),  # with a time of day
    ("12345", ""),  # 1933-10-18: no date of this trial, no hint
    ("123456", ""),
])
def test_a_spreadsheets_date_number_is_named_as_the_date_it_keeps(edit_export, value, said):
    errors = edit_export("visits", ("001,BL,2021-06-28", f"001,BL,{value}")).errors
    assert errors["message"].tolist() == [
        f"visits.csv, line 2, subject {SUBJ}001, visit Baseline, column VISITDT: wrong_type: value '{value}' is not of "
        f"type date: expected date, ISO 8601 YYYY-MM-DD{said}"]


def test_a_pseudonymised_export_without_the_direct_identifiers_gives_the_same_datasets(synthetic_export):
    """An EDC export for the statistician usually leaves out the name initials and hospital number (the site keeps
    them): the columns are optional, and nothing the analysis derives changes."""
    from analysis_utils import cleaning

    demographics = synthetic_export["demographics"].drop(columns=list(dictionary.IDENTIFIERS))
    result = validation.validate_export({**synthetic_export, "demographics": demographics})
    expected = validation.validate_export(synthetic_export)
    assert result.ok and result.queries["message"].tolist() == expected.queries["message"].tolist()
    datasets = cleaning.derive_all(expected.typed)
    for name, dataset in cleaning.derive_all(result.typed).items():
        pd.testing.assert_frame_equal(dataset, datasets[name])
    blank = synthetic_export["demographics"].assign(INITIALS="", HOSPNO="")
    assert validation.validate_export({**synthetic_export, "demographics": blank}).queries["message"].tolist() == \
        expected.queries["message"].tolist()


def test_no_rule_is_named_twice():
    """A rule name given twice in ``RULES`` keeps its last kind and text only (a dict literal): an error rule would
    silently become a query."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(validation))
    literal = next(node.value for node in tree.body if isinstance(node, ast.Assign)
                   and getattr(node.targets[0], "id", "") == "RULES")
    names = [key.value for key in next(n for n in ast.walk(literal) if isinstance(n, ast.Dict)).keys]
    assert len(names) == len(set(names)) == len(validation.RULES)


def test_a_dosed_patient_without_an_exposure_row_stops_and_an_event_before_consent_is_a_query(tmp_export):
    """The shipped export without 003's only exposure row (exposure.csv line 4): her week-12 and week-24 visits name
    the missing dose (the build went on and dropped her, with her adverse event, from every analysis set). Her
    toothache moved from 2021-07-02 to 2021-06-01, before her consent on 2021-06-25: a data query."""
    path = tmp_export / "exposure.csv"
    path.write_text("".join(l for l in path.read_text().splitlines(keepends=True) if not l.startswith("003,")))
    ae = tmp_export / "adverse_events.csv"
    ae.write_text(ae.read_text().replace('003,1,"toothache, dental caries",Dental caries,Gastrointestinal disorders,'
                                         "2021-07-02", '003,1,"toothache, dental caries",Dental caries,'
                                         "Gastrointestinal disorders,2021-06-01"))
    result = validation.validate_export(export.read_export(tmp_export))
    hits = result.errors.query("rule == 'visit_without_dose'")
    assert hits["USUBJID"].str.endswith("-003").all() and hits["AVISIT"].tolist() == ["Week 12", "Week 24"]
    assert "no dose of the study treatment in the exposure form" in hits["message"].iloc[0]
    query = result.queries.query("rule == 'adverse_event_before_consent'").iloc[0]
    assert (query["file"], query["row"], query["value"]) == ("adverse_events.csv", "4", "2021-06-01")
    assert "before the informed consent on 2021-06-25" in query["message"]


def test_a_subject_number_with_a_space_after_it_is_one_error_naming_its_row(edit_export):
    """'002 ' in demographics.csv made every row of 002 in the other forms an unknown subject (79 errors), none naming
    the row at fault."""
    errors = edit_export("demographics", ("\n002,", "\n002 ,")).errors
    assert errors["message"].tolist() == [
        "demographics.csv, line 3, subject NCT04916756-01-002 , visit -, column SUBJID: wrong_format: value '002 ' has "
        "spaces around it: write '002'"]


def test_a_subject_number_with_a_space_in_the_visits_form_is_one_error_too(edit_export):
    """'002 ,W12' in visits.csv: not also a visit without a dose, nor three assessments of an unknown visit."""
    errors = edit_export("visits", ("\n002,W12,", "\n002 ,W12,")).errors
    assert errors[["file", "rule", "value"]].values.tolist() == [["visits.csv", "wrong_format", "002 "]]


def test_a_number_that_is_not_whole_or_has_a_decimal_comma_is_said_so(edit_export):
    """'38.5' for an age (an integer) was told to 'write the number alone (38.5)'; '38,5' got no hint."""
    row = "003,01,ZZCA,SYN-HR-000003,2021-06-25,38,"
    assert edit_export("demographics", (row, row.replace(",38,", ",38.5,"))).errors["message"].item().endswith(
        "value '38.5' is not of type int: expected integer (digits only): 38.5 is not a whole number")


def test_a_dosed_subject_without_an_end_of_study_row_is_queried_once_the_final_window_closed(edit_export):
    """Subject 010 (lost to follow-up) without its disposition row was analysed as still on study, and the pilot's final
    analysis read as an interim one. Its week-24 window closed on study day 183: first dose 2021-07-29 + 182 days =
    2022-01-27, before the export's date 2022-01-31: a query on its first dose. 011's closes on 2022-01-31 itself (first
    dose 2021-08-02): a visit on the export's date is still in the window, no query."""
    result = edit_export("disposition", ("010,LOST TO FOLLOW-UP,2021-11-18\n", ""), ("011,COMPLETED,2022-01-19\n", ""))
    found = result.queries[result.queries["rule"] == "no_end_of_study"]
    assert found[["file", "USUBJID", "variable", "value"]].values.tolist() == [
        ["exposure.csv", "NCT04916756-01-010", "EXSTDT", "2021-07-29"]]
    assert "window of the week 24 visit closed on 2022-01-27, before the export's date 2022-01-31" in \
        found["message"].iloc[0]
    assert result.errors.empty


def test_an_export_with_an_empty_disposition_form_queries_every_dosed_subject_whose_window_closed(edit_export):
    """The disposition form with its header only (no end of study entered): validation looked the subjects' ends up
    through an empty Series of dates and raised; each dosed subject whose week-24 window closed before the export's date
    (all but 011, whose window closes on it) is a no_end_of_study query."""
    result = edit_export("disposition", *((line + "\n", "") for line in (
        "001,COMPLETED,2021-12-13", "002,COMPLETED,2021-12-18", "003,COMPLETED,2021-12-19", "004,COMPLETED,2021-12-26",
        "005,COMPLETED,2021-12-25", "006,COMPLETED,2021-12-30", "007,ADVERSE EVENT,2021-08-15",
        "008,COMPLETED,2022-01-07", "009,COMPLETED,2022-01-14", "010,LOST TO FOLLOW-UP,2021-11-18",
        "011,COMPLETED,2022-01-19")))
    assert result.errors.empty
    queried = result.queries.loc[result.queries["rule"] == "no_end_of_study", "USUBJID"].str[-3:].tolist()
    assert queried == [f"{i:03d}" for i in range(1, 11)]


NEUT_W12, LYM_W12 = "001,W12,2021-09-20,NEUT,2.74,10^9/L,1.8,6.3\n", "001,W12,2021-09-20,LYM,1.30,"
# 001: baricitinib 2 mg from 2021-06-28 to 2021-12-13 (one period); neutrophils 0.7 at baseline (the start's sample),
# 0.9 at week 12 (line 37), 850/mm3 = 0.85 x10^9/L on an unscheduled sample of 2021-10-04, 0.8 at week 24 (last dose)
LOW_NEUTROPHILS = (("001,BL,2021-06-28,NEUT,3.39,", "001,BL,2021-06-28,NEUT,0.70,"),
                   (NEUT_W12, NEUT_W12.replace("2.74", "0.90") + "001,UNS,2021-10-04,NEUT,850,/mm3,1800.0,6300.0\n"),
                   ("001,W24,2021-12-13,NEUT,3.60,", "001,W24,2021-12-13,NEUT,0.80,"))
ONE_PERIOD = "001,2.0,2021-06-28,2021-12-13,2"


def _continued(result) -> list:
    found = result.queries[result.queries["rule"] == "continued_below_label"]
    return [[row, message.split("continued_below_label: ")[1]] for row, message in found[["row", "message"]].values]


def test_baricitinib_continued_below_the_labels_threshold_is_one_query_per_patient_and_test(edit_export):
    """The label interrupts baricitinib below neutrophils 1.0 or lymphocytes 0.5 x10^9/L. 001's neutrophils of week 12
    (0.9, 2021-09-20) and of 2021-10-04 (0.85) were followed by dosing to 2021-12-13, more than 7 days after each: one
    query, on the first, counting 2. Her baseline 0.7 is the start's (eligibility's query, on or before the first
    dose), her week-24 0.8 on the day of her last dose (an interruption could have followed): neither is counted.
    Lymphocytes 0.45 at week 12 are a query of their own; 0.5 is not below the threshold."""
    result = edit_export("labs", *LOW_NEUTROPHILS, (LYM_W12, LYM_W12.replace("1.30", "0.45")))
    assert result.ok
    tail = ("yet baricitinib (started on 2021-06-28) was dosed on to 2021-12-13, more than 7 days after that sample, "
            "with no interruption in the exposure form: an interruption not entered, or a deviation to confirm? "
            "Analysed as recorded")
    assert _continued(result) == [
        ["35", "value '0.45' is lymphocytes (10^9/L) 0.45, below the label's threshold of 0.5 at which baricitinib is "
               "interrupted, sampled on 2021-09-20; " + tail],
        ["37", "value '0.90' is neutrophils (10^9/L) 0.9, below the label's threshold of 1 at which baricitinib is "
               "interrupted, sampled on 2021-09-20, the first of 2 such samples (the last on 2021-10-04); " + tail]]
    assert result.queries["message"].str.startswith(
        "labs.csv, line 37, subject NCT04916756-01-001, visit Week 12, column LBORRES: continued_below_label:").any()
    assert _continued(edit_export("labs", ("001,W12,2021-09-20,LYM,0.45,", "001,W12,2021-09-20,LYM,0.50,")))[0][0] \
        == "37"  # lymphocytes at the threshold: only the neutrophils' query


@pytest.mark.parametrize(("periods", "expected"), [
    # interrupted (a period of dose 0, or a gap) from 2021-09-28, 8 days after week 12: within the 7 days allowed
    ("001,2.0,2021-06-28,2021-09-27,0\n001,0.0,2021-09-28,2021-10-10,0\n001,2.0,2021-10-11,2021-12-13,2", []),
    ("001,2.0,2021-06-28,2021-09-27,0\n001,2.0,2021-10-11,2021-12-13,2", []),
    # a day later: dosed on 2021-09-28, 8 days after the week-12 sample; the sample of 2021-10-04 is in the interruption
    ("001,2.0,2021-06-28,2021-09-28,0\n001,0.0,2021-09-29,2021-10-10,0\n001,2.0,2021-10-11,2021-12-13,2",
     [["37", "sampled on 2021-09-20; yet baricitinib (started on 2021-06-28) was dosed on to 2021-09-28, more"]]),
    # the dose halved from 2021-09-28, no day undosed: no interruption
    ("001,2.0,2021-06-28,2021-09-27,0\n001,1.0,2021-09-28,2021-12-13,2",
     [["37", "sampled on 2021-09-20, the first of 2 such samples (the last on 2021-10-04); yet baricitinib (started "
             "on 2021-06-28) was dosed on to 2021-12-13, more"]]),
])
def test_an_interruption_in_the_exposure_form_within_7_days_of_the_sample_is_no_query(edit_export, periods, expected):
    edit_export("exposure", (ONE_PERIOD, periods))
    found = _continued(edit_export("labs", *LOW_NEUTROPHILS))
    assert [[row, message[message.index("sampled on"):][:len(said)]] for (row, message), (_, said)
            in zip(found, expected)] == expected and len(found) == len(expected)


# 001: baricitinib 2 mg from 2021-06-28 to 2021-12-13 (168 days); anti-HBc NEGATIVE as shipped, no HBV DNA result
PAST_HBV_001 = ("001,01,ZZAA,SYN-HR-000001,2021-06-19,45,F,ASIAN,NOT HISPANIC OR LATINO,158.0,55.0,2018-04-16,POSITIVE,"
                "POSITIVE,NEGATIVE,NEGATIVE,N")
HBV_DNA_001 = "001,{visit},{date},HBVDNA,{result},IU/mL,0.0,20.0\n001,{visit},{date},ALT,"


@pytest.mark.parametrize(("hbsag", "samples", "period", "said"), [
    # past hepatitis B, dosed 168 days, no HBV DNA at all
    ("NEGATIVE", [], "", ("2021-06-28", "2021-12-13", "none since", "none before")),
    # only the baseline's, on the day of the first dose (taken before it): no monitoring since
    ("NEGATIVE", [("BL", "2021-06-28")], "", ("2021-06-28", "2021-12-13", "none since",
                                              "the last on or before it on 2021-06-28")),
    ("NEGATIVE", [("BL", "2021-06-28"), ("W12", "2021-09-20")], "", None),  # day 84: in time
    # the first result at week 24, day 168: later than 105 days after the start
    ("NEGATIVE", [("W24", "2021-12-13")], "", ("2021-06-28", "2021-12-13", "the first on 2021-12-13", "none before")),
    # a week-12 row with a date and no result: nothing measured
    ("NEGATIVE", [("W12", "2021-09-20", "")], "", ("2021-06-28", "2021-12-13", "none since", "none before")),
    ("POSITIVE", [], "", None),  # HBsAg positive: a current infection, not the label's monitored group
    ("", [], "", ("2021-06-28", "2021-12-13", "none since", "none before")),  # HBsAg not recorded: still anti-HBc+
    # the last day dosed 105 days after the first (106 days on treatment): not yet due; 106 days after it: due
    ("NEGATIVE", [], "001,2.0,2021-06-28,2021-10-11,2", None),
    ("NEGATIVE", [], "001,2.0,2021-06-28,2021-10-12,2", ("2021-06-28", "2021-10-12", "none since", "none before")),
    # an interruption (dose 0) or a gap: first and last day dosed, whatever lies between
    ("NEGATIVE", [], "001,2.0,2021-06-28,2021-07-31,0\n001,0.0,2021-08-01,2021-11-30,0\n"
                     "001,2.0,2021-12-01,2021-12-13,2", ("2021-06-28", "2021-12-13", "none since", "none before")),
    ("NEGATIVE", [("W12", "2021-09-20")], "001,2.0,2021-06-28,2021-07-31,0\n001,2.0,2021-08-10,2021-12-13,2", None),
    ("NEGATIVE", [], "001,2.0,2021-06-28,2021-07-31,0\n001,2.0,2021-08-10,2021-12-13,2",
     ("2021-06-28", "2021-12-13", "none since", "none before")),
    # baricitinib started after a period without it (dose 0), as a switch: counted from its own first dose
    ("NEGATIVE", [("BL", "2021-06-28")], "001,0.0,2021-06-28,2021-08-01,0\n001,2.0,2021-08-02,2021-12-13,2",
     ("2021-08-02", "2021-12-13", "none since", "the last on or before it on 2021-06-28")),
])
def test_past_hepatitis_b_without_hbv_dna_on_baricitinib_is_a_query(edit_export, hbsag, samples, period, said):
    """The label asks to monitor HBV DNA in a patient with past hepatitis B (anti-HBc positive, HBsAg negative);
    the guidelines every 1 to 3 months. 001 made anti-HBc POSITIVE: still dosed with baricitinib more than 105 days
    after its start (validation.HBV_DNA_DUE_DAYS, 3 months and a visit window) without an HBV DNA result sampled in
    those days is one query, on her demographics row. 01-007, anti-HBc positive as shipped, was dosed 20 days."""
    assert validation.HBV_DNA_DUE_DAYS == 105
    edit_export("demographics", (PAST_HBV_001, PAST_HBV_001.replace("POSITIVE,POSITIVE,NEGATIVE,NEGATIVE,N",
                                                                    f"POSITIVE,POSITIVE,POSITIVE,{hbsag},N")))
    if period:
        edit_export("exposure", (ONE_PERIOD, period))
    result = edit_export("labs", *((f"001,{visit},{date},ALT,", HBV_DNA_001.format(visit=visit, date=date,
                                                                                   result=value[0] if value else "<20"))
                                   for visit, date, *value in samples))
    found = result.queries[result.queries["rule"] == "hbv_dna_not_monitored"]
    expected = [] if said is None else [
        "demographics.csv, line 2, subject NCT04916756-01-001, visit -, column ANTIHBC: hbv_dna_not_monitored: value "
        f"'POSITIVE' with HBsAg {hbsag or 'not recorded'} (past hepatitis B), and baricitinib was first dosed on "
        f"{said[0]}, last on {said[1]}, yet no HBV DNA result was sampled in the 105 days after its start ({said[2]}; "
        f"{said[3]}): the label asks to monitor HBV DNA in such a patient (guidelines: every 1 to 3 months); a result "
        "not entered, or not measured? Analysed as recorded"]
    assert found["message"].tolist() == expected


def test_past_hepatitis_b_still_dosed_at_the_export_is_said_so(edit_export):
    edit_export("exposure", (ONE_PERIOD, "001,2.0,2021-06-28,,"))
    result = edit_export("demographics", (PAST_HBV_001, PAST_HBV_001.replace(
        "POSITIVE,POSITIVE,NEGATIVE,NEGATIVE,N", "POSITIVE,POSITIVE,POSITIVE,NEGATIVE,N")))
    found = result.queries.loc[result.queries["rule"] == "hbv_dna_not_monitored", "message"].tolist()
    assert len(found) == 1 and "first dosed on 2021-06-28 and still at the export on 2022-01-31, yet" in found[0]


AE_007 = ('007,1,"HBV reactivation, HBV DNA detectable",Hepatitis B reactivation,Infections and infestations,'
          "2021-08-09,2021-10-07,N,2,RELATED,DRUG WITHDRAWN,RECOVERED/RESOLVED")


@pytest.mark.parametrize(("edits", "onset"), [
    ([], ""),  # as shipped: onset 2021-08-09, the day after the last dose, the first day without one
    ([("adverse_events", "2021-08-09,2021-10-07", "2021-08-08,2021-10-07")], ""),  # on the day of the last dose
    ([("adverse_events", "2021-08-09,2021-10-07", "2021-08-10,2021-10-07")], "2021-08-10"),  # two days after it
    ([("adverse_events", "2021-08-09,2021-10-07", "2021-08,2021-10-07")], ""),  # partial: may be before it
    ([("adverse_events", "2021-08-09,2021-10-07", "2021-09,2021-10-07")], "2021-09"),  # partial, surely after it
    ([("adverse_events", "2021-08-09,2021-10-07", "2021-08-10,2021-10-07"),
      ("adverse_events", "DRUG WITHDRAWN", "DRUG INTERRUPTED")], ""),
    # an interruption (dose 0) from 2021-08-09 to the end of study: the drug withdrawn during it
    ([("adverse_events", "2021-08-09,2021-10-07", "2021-08-10,2021-10-07"), ("exposure",
      "007,2.0,2021-07-19,2021-08-08,0", "007,2.0,2021-07-19,2021-08-08,0\n007,0.0,2021-08-09,2021-08-15,0")], ""),
])
def test_drug_withdrawn_for_an_event_that_started_after_the_last_dose_is_a_query(edit_export, edits, onset):
    """An adverse event whose action is DRUG WITHDRAWN that started after the first day without a dose (the day after
    the last, validation.WITHDRAWN_ONSET_DAYS: 01-007's hepatitis B reactivation of 2021-08-09, the last dose on
    2021-08-08, as shipped) cannot have led to withdrawing the drug: a query, the onset as entered."""
    assert validation.WITHDRAWN_ONSET_DAYS == 1
    for form, old, new in edits or [("adverse_events", AE_007, AE_007)]:
        result = edit_export(form, (old, new))
    assert result.ok
    found = result.queries[result.queries["rule"] == "withdrawn_after_last_dose"]
    assert found["message"].tolist() == [
        "adverse_events.csv, line 6, subject NCT04916756-01-007, visit -, column AEACN: withdrawn_after_last_dose: "
        f"value 'DRUG WITHDRAWN' (Hepatitis B reactivation) but the event starts on {onset}, after the last day of "
        "study treatment on 2021-08-08 (exposure EXENDT): an event that began after the last dose cannot have led to "
        "withdrawing the drug (CDISC AEACN NOT APPLICABLE), or the onset or the last dose is mistyped? Analysed as "
        "recorded"][:int(bool(onset))]


@pytest.mark.parametrize(("reported", "queried"), [
    ("<1.0", "is neutrophils (10^9/L) <1, below"),  # below a limit at the threshold: surely below it
    ("<1.5", None),  # analysed as 0.75, but it may be 1.2: not surely below the threshold
    (">0.5", None),  # above a limit: may be any value above it
])
def test_a_result_beyond_a_limit_of_quantification_is_queried_only_when_surely_below_the_threshold(
        edit_export, reported, queried):
    """001's neutrophils of week 12 reported beyond a limit of quantification, dosing running on after them."""
    found = _continued(edit_export("labs", (NEUT_W12, NEUT_W12.replace("2.74", reported))))
    assert [message[len(f"value '{reported}' "):][:len(queried)] for _, message in found] == ([queried] if queried
                                                                                               else [])


def test_a_period_still_running_at_the_export_is_said_so(edit_export):
    """001's period without a last dose (on treatment at the export): dosed on to the export's date, which the query
    names as such, not as a last dose."""
    edit_export("exposure", (ONE_PERIOD, "001,2.0,2021-06-28,,"))
    found = _continued(edit_export("labs", (NEUT_W12, NEUT_W12.replace("2.74", "0.90"))))
    assert len(found) == 1 and "yet baricitinib (started on 2021-06-28) was still dosed at the export (" in found[0][1]
