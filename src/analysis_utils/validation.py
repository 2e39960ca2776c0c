"""Validation of a raw export against the data dictionary: errors that stop the run, and data queries.

Every rule is generated from ``analysis_utils.dictionary`` (forms, columns, types, allowed values,
ranges, required items, keys, lab units) plus the cross-form rules listed in ``RULES``. A problem is
one row with the columns of ``report.QUERY_COLUMNS`` (without ``source``): the file, the row number
(the CSV line as a text editor numbers it, header = line 1; the row of a workbook sheet), the pseudonymous subject (``USUBJID``) and visit, the column, the rule,
the offending value and a message naming them all.

The structure is checked first (``STRUCTURE_RULES``): every form present under its lower-case name,
every file readable as UTF-8 CSV with as many fields on each line as in its header, each column
name once, the dictionary's columns present, rows where a form needs them. A structural error stops
validation there, missing forms listed first, so that one misnamed file gives one message and not
hundreds of follow-on ones. Then the values, one form at a time, and the rules across forms.

Errors invalidate the analysis; ``check_export`` raises ``ExportValidationError`` listing them, and
the command line exits with status 1::

    python -m analysis_utils.validation data/raw --reports scratch/validation

Queries (a visit outside its window, a missing non-required item, a partial start or end date of an adverse
event or medication or date of diagnosis (imputed: ``partial_dates``), an incomplete biological
assessment, a column not in the dictionary, disposition against the visits, a dosed subject without
assessment) do not stop the run: they are listed in ``data_queries.csv`` (a build's in ``reports/``; the
command line's in ``scratch/validation/``, leaving the published outputs as the report shows them).
"""

import argparse
import re
import sys
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analysis_utils import ctcae, dictionary, export, partial_dates, scoring
from analysis_utils import vocabulary as voc
from analysis_utils.vocabulary import ESSDAI_DOMAINS, ESSDAI_LEVEL_PARAMCD, ESSPRI_ITEM_PARAMCD

#: Key of ``DataFrame.attrs`` marking a form already typed per the data dictionary (``cleaning`` parses others).
TYPED_ATTR = "typed"

#: Days after a sample below the baricitinib label's interruption threshold (``ctcae.LAB_INTERRUPTION_THRESHOLDS``) for
#: its result to reach the site and the investigator to interrupt dosing: the label says to interrupt, with no delay; a
#: week covers a laboratory's turnaround and a call to the patient (a project decision, docs/decisions.md,
#: "Baricitinib continued below the label's threshold"). Dosing that ran on past it is ``continued_below_label``.
LABEL_ACTION_DAYS = 7
#: Days after the start of baricitinib within which a patient with past hepatitis B (anti-HBc positive, HBsAg negative)
#: dosed beyond them has an HBV DNA result: the label asks to monitor HBV DNA in such a patient, without an interval
#: (Olumiant HCP treatment considerations; Lilly Medical UK, laboratory monitoring); AASLD 2018 and APASL 2016 monitor
#: it every 1 to 3 months in resolved hepatitis B under immunosuppression without prophylaxis (J Pers Med 2021;11:267,
#: Table 4). Three months (91 days), the longest interval, and the 14 days of a visit window
#: (``dictionary.VISIT_WINDOWS``: a sample taken at the next visit, late in its window). A project decision,
#: docs/decisions.md, "HBV DNA not monitored".
HBV_DNA_DUE_DAYS = 105


#: Every rule: name -> (kind, meaning). Kind "error" stops the run; "query" is listed for review.
RULES = MappingProxyType({
    # Structure: checked first; any of these stops the run before a value is checked.
    "missing_file": ("error", "a form of the data dictionary is absent from the export (file names are lower case)"),
    "empty_file": ("error", "a file or sheet is empty: not even a header line"),
    "not_utf8": ("error", "a file is not UTF-8 text (a byte-order mark is accepted)"),
    "binary_file": ("error", "a file is not text at all (NUL bytes, a workbook or archive renamed .csv)"),
    "wrong_separator": ("error", "a file's columns are separated by semicolons or tabs, not commas"),
    "wrong_field_count": ("error", "a line has more or fewer fields than the header (an unquoted comma in free text)"),
    "unclosed_quote": ("error", "a text in double quotes is never closed"),
    "duplicate_column": ("error", "a column name appears twice in a header"),
    "no_rows": ("error", "a form that needs data rows has only its header"),
    "missing_column": ("error", "a column of the data dictionary is absent from a form"),
    "merged_cells": ("error", "cells of a workbook sheet are merged: only the first holds the value, the rows below "
                     "would read as empty"),
    "formula_without_value": ("error", "a workbook cell holds a formula saved without its result (a workbook "
                              "written by a program, never opened in Excel), which would read as empty"),
    "identifier_number": ("error", "an identifier stored as a number in a workbook cannot be restored to its "
                                   "zero-padded text with certainty"),
    # Values, one form at a time.
    "wrong_type": ("error", "a value is not of the declared type (integer, decimal, YYYY-MM-DD date)"),
    "wrong_format": ("error", "an identifier is not in its declared format: a subject or site number not text of "
                              "the declared digits (leading zeros lost?), a study identifier with spaces"),
    "required": ("error", "a required value is empty"),
    "not_allowed": ("error", "a value is not in the allowed set"),
    "no_known_test": ("error", "no row of the laboratory form is a test of the data dictionary (LOINC codes, a "
                               "laboratory's own numbers or names): every laboratory analysis would be empty"),
    "test_code_alias": ("error", "a laboratory test of the data dictionary under a code a laboratory system gives it "
                                 "(TBIL for BILI, PLT for PLAT; dictionary.LAB_TEST_ALIASES): one error per code"),
    "spreadsheet_error": ("error", "a text item holds a spreadsheet's error value (#N/A, #REF!, #VALUE!, Err:502): a "
                                   "formula that failed where the export must hold the value"),
    "out_of_range": ("error", "a value is outside the allowed range"),
    "duplicate_subject": ("error", "a subject appears twice in a one-row-per-subject form"),
    "duplicate_visit": ("error", "a subject and visit appear twice in a one-row-per-visit form"),
    "study_rows": ("error", "the study form has more than one row (one row describes the export and its study)"),
    "duplicate_record": ("error", "a record key (subject and sequence number, or subject, test and date) "
                                  "appears twice"),
    # Across forms.
    "unknown_subject": ("error", "a subject is not in the demographics form"),
    "unknown_visit": ("error", "an assessment refers to a visit absent from the visits form"),
    "end_before_start": ("error", "an end date is before its start date (adverse event, medication, exposure)"),
    "visit_before_consent": ("error", "a visit date is before the date of informed consent"),
    "dosed_before_consent": ("error", "a first dose of the study treatment (exposure EXSTDT) is before the date of "
                                      "informed consent"),
    "after_export": ("error", "a date is after the export's date (form study, EXPORTDT): nothing recorded can be later "
                              "(a mistyped year?), and a data cut would leave the record out unseen"),
    "unknown_unit": ("error", "a laboratory unit is not an accepted unit of its test"),
    "reversed_range": ("error", "a laboratory reference range's lower limit is above its upper limit"),
    "glucocorticoid_dose_unknown": ("error", "a glucocorticoid taken during the study (not ended before the informed "
                                             "consent) whose daily prednisone-equivalent dose cannot be counted: a "
                                             "drug outside the equivalence table (the ingredient's name, without its "
                                             "salt), a dose blank or not in mg, a frequency PRN or blank"),
    "whodrug_not_english": ("error", "a WHODrug name (CMDECOD) in Chinese, Japanese or Korean of a glucocorticoid or "
                                     "antimalarial taken during the study: the analyses read WHODrug's English names "
                                     "(hydroxychloroquine at baseline, the prednisone equivalents)"),
    "meddra_not_english": ("error", "a MedDRA term (AEDECOD, AEBODSYS) in Chinese, Japanese or Korean: the adverse "
                                    "events of special interest are defined by MedDRA's English terms"),
    "implausible_result": ("error", "a laboratory result, in its test's standard unit, is one no patient can have "
                                    "(haemoglobin under 25 g/L): a result in another unit under this one's name, as "
                                    "g/dL under g/L (dictionary.LAB_IMPOSSIBLE)"),
    "lab_result_type": ("error", "a laboratory result is not a number (or POSITIVE/NEGATIVE for qualitative tests)"),
    "negative_result": ("error", "a laboratory result is negative: no concentration, count, rate or activity can be"),
    "missed_doses_exceed_days": ("error", "more daily doses missed than days from the first to the last dose"),
    "overlapping_exposure": ("error", "two exposure periods of a subject overlap (a period starts on or before the "
                                      "last dose of the one before)"),
    "dose_without_baricitinib": ("error", "a period of a treatment without baricitinib (an arm of DOSE 0 in the arms "
                                          "form, without one the default arms' HCQ 400 mg; the arm randomised where "
                                          "EXTRT is blank) has a daily dose of baricitinib (EXDOSE above 0): the "
                                          "treatment or the dose mistyped?"),
    "dose_above_arm": ("query", "a daily dose of baricitinib (EXDOSE) is above the dose planned in the period's "
                                "treatment (the arms form's DOSE, without one dictionary.ARM_DOSES): a mistyped dose, "
                                "a mistyped treatment, or a deviation?"),
    "continued_below_label": ("query", "baricitinib continued below the label's threshold: a sample after the start of "
                                       "baricitinib (its first dose, or the switch to it) below the threshold at which "
                                       "the label interrupts it (neutrophils {NEUT:.1f}, lymphocytes {LYM:.1f} "
                                       "x10^9/L, haemoglobin {HGB:g} g/L), while its dosing ran on more than {days} "
                                       "days after the sample with no interruption in the exposure form: one query "
                                       "per patient and test, at the first such sample (an interruption not recorded, "
                                       "or a deviation?)".format(**ctcae.LAB_INTERRUPTION_THRESHOLDS,
                                                                 days=LABEL_ACTION_DAYS)),
    "arm_code_repeated": ("error", "two arms of the arms form have the same code (ARMN)"),
    "arms_declared": ("error", "the arms form declares fewer than two arms, an arm twice (names that differ only in "
                               "letter case or spacing), or the export has no randomisation form for its arms"),
    "reference_not_control": ("query", "the arm of the lowest code among the arms with patients (the reference arm "
                                       "of every comparison) has baricitinib, though another arm has none (the "
                                       "control): the codes' order meant?"),
    "arm_dose_contradicted": ("error", "the exposure periods of an arm (each first period of its patients, or every "
                                       "period naming it; two patients or more) all contradict its daily dose of "
                                       "baricitinib in the arms form: none where it has one, one where it has none, "
                                       "or more than it (the arm's DOSE mistyped?)"),
    "blinding_unstated": ("query", "the study's blinding (TBLIND) is blank, read as open label, though its title or "
                                   "design says it is blinded; or a single-arm export states a blinding"),
    "arm_without_patients": ("query", "an arm of the arms form has no patient randomised to it: no table or figure "
                                      "shows it"),
    "schedule_baseline": ("error", "the visit schedule has no baseline visit BL at week 0, or BL at another week"),
    "schedule_window": ("error", "a visit window of the schedule does not hold the visit's target study day "
                                 "(7 x week + 1), or the week is repeated"),
    "not_randomised": ("error", "a dosed subject of a randomised export has no row in the randomisation form"),
    "randomised_before_consent": ("error", "a randomisation date is before the date of informed consent"),
    "randomised_before_eligibility": ("error", "a randomisation date is before the eligibility assessment"),
    "dosed_before_randomisation": ("error", "the first dose is before the randomisation date"),
    "exposure_end_missing": ("error", "an exposure period has no last dose though the patient left the study or a "
                                      "later period starts (only a patient still on treatment has none)"),
    "screen_failure_dosed": ("error", "a subject whose end of study is SCREEN FAILURE received the study treatment"),
    "visit_without_dose": ("error", "a visit after baseline of a subject with no dose recorded (no EXSTDT in the "
                           "exposure form): an exposure row missing would take the subject, every assessment and "
                           "adverse event out of the analysis sets unseen"),
    "screen_failure_randomised": ("error", "a subject whose end of study is SCREEN FAILURE was randomised"),
    # Data queries: listed for the investigators; the run goes on.
    "unknown_form": ("query", "a file or sheet is not a form of the data dictionary: not read"),
    "unknown_column": ("query", "a column is not in the data dictionary, or has no name (empty columns a spreadsheet "
                                "writes after the last one used): dropped when read, never carried further"),
    "empty_form": ("query", "a form that may be empty (no adverse event, medication, ILD assessment or end of "
                            "study yet) has no rows"),
    "identifier_restored": ("query", "identifiers stored as numbers in a workbook were restored to zero-padded text"),
    "visit_window": ("query", "a visit is outside its window (study day target +/- half-width)"),
    "sample_window": ("query", "a laboratory sample of a post-baseline visit is dated further from the visit's date "
                               "than half its window, or one of the baseline visit before the baseline window: "
                               "analysed at its visit code (a sample of another visit, or a mistyped date?)"),
    "missing_item": ("query", "a non-required item is empty"),
    "result_beyond_limit": ("query", "a numeric laboratory result is reported beyond a limit of quantification "
                                     "(<0.8, >140): analysed as half a lower limit, or as an upper limit "
                                     "(docs/decisions.md, 'Laboratory results beyond a limit')"),
    "result_not_detected": ("query", "an HBV DNA is reported as not detected (Target Not Detected, 未检出): analysed "
                                     "as 0, which the export's HBV DNA means by not detected"),
    "partial_date": ("query", "a start or end date of an adverse event or medication, or the date of diagnosis, is "
                              "partial (day, or month and day, unknown): imputed, with its flag in ADAE, ADCM or ADSL "
                              "(docs/decisions.md, 'Partial dates')"),
    "baseline_after_first_dose": ("query", "a laboratory sample of the baseline visit is dated after the first dose: "
                                           "not a baseline (ADLB ABLFL), read by no analysis by visit"),
    "screening_after_first_dose": ("query", "a laboratory sample of the screening visit (SCR) is dated after the "
                                            "first dose: a sample of another visit, or a mistyped date?"),
    "score_differs": ("query", "the ESSDAI or ESSPRI the eCRF computed (optional columns ESSDAI, ESSPRI) is not the "
                               "one the items give: the analysis uses the items' score"),
    "visit_not_done": ("query", "a row of an assessment form with no item recorded, a laboratory row with only its "
                                "test code, or a row of the visits form with no date and no assessment: a visit not "
                                "done (an EDC exporting every planned visit and form), read as if the row were absent"),
    "unknown_test": ("query", "a laboratory test the data dictionary does not list (GGT, ALB of a full liver panel): "
                              "its rows are not read; one query per test"),
    "repeated_row": ("query", "a row the same as an earlier row of its form in every column (an export appended "
                              "twice, a record sent twice): read once (docs/decisions.md, 'A row given twice')"),
    "early_switch": ("query", "a switch to another treatment before the visit of the protocol's switch week "
                              "(week 12): that visit's values, the primary endpoint, would be after it"),
    "unplanned_switch": ("query", "a switch the protocol does not plan: from a treatment with baricitinib, without a "
                                  "visit of the switch week, or after that visit's window (the visits before it are "
                                  "analysed as before the switch)"),
    "stratum_missing": ("query", "a randomised patient without a stratum (STRATUM) while others have one: the "
                                 "between-arm analyses are stratified by centre, not by the randomisation's strata "
                                 "(arms.strata_variable)"),
    "stratum_other_site": ("query", "a stratum (STRATUM) that names another centre than the patient's (SITEID), where "
                                    "every stratum names one centre and most patients' strata their own: randomised "
                                    "in another centre's stratum, or a mistyped centre? The analyses take the stratum "
                                    "as randomised"),
    "subject_other_site": ("query", "a subject number that starts with another centre's number than its SITEID "
                                    "(02003 at centre 01), where most start with their own centre's, in two centres "
                                    "or more: a mistyped centre or subject number?"),
    "spelled_as_another": ("query", "a stratum (STRATUM), a MedDRA term (AEDECOD, AEBODSYS) or a drug name (CMDECOD) "
                                    "spelled as another value of its column in another letter case: read as that "
                                    "value, the spelling most rows have (dictionary.one_spelling)"),
    "empty_record": ("query", "a row of the adverse-event, medication or exposure form with nothing but the subject "
                              "(and its record number): a log page left empty, read as if the row were absent"),
    "randomisation_blank": ("query", "a row of the randomisation form without a date and an arm (RANDDT and ARM "
                                     "empty), as a system listing every screened patient writes it: read as a patient "
                                     "not randomised"),
    "unscheduled_visit": ("query", "a row of the visits form or of an assessment form (ESSDAI, ESSPRI, PGA, ILD) at "
                                   "an unscheduled visit (UNS, UNS1, ...): not read; the analyses are at the "
                                   "scheduled visits (docs/decisions.md, 'Unscheduled visits')"),
    "screening_visit": ("query", "rows of the visits form or of an assessment form (ESSDAI, ESSPRI, PGA, ILD) at a "
                                 "screening visit (SCR, Screening): not read, one query per form; the baseline is the "
                                 "baseline visit's (docs/decisions.md, 'Screening visits')"),
    "antimalarial_not_counted": ("query", "an antimalarial taken during the study that is not hydroxychloroquine by "
                                          "its coded name (cleaning.HYDROXYCHLOROQUINE): counted in no row of the "
                                          "baseline table (hydroxychloroquine at baseline)"),
    "overlapping_medication": ("query", "a medication record starts before the end of an earlier record of the same "
                                        "drug, or while it is ongoing: their doses are added on the days both are "
                                        "taken (a dose changed without ending the old record?)"),
    "repeated_sample": ("query", "a laboratory test is sampled again at a scheduled visit: the analyses by visit "
                                 "read the last sample with a result (ADLB ANL01FL), the worst-value tables every "
                                 "sample (docs/decisions.md, 'A test repeated at a visit')"),
    "incomplete_biological": ("query", "C3, C4, monoclonal component or cryoglobulins missing at an ESSDAI visit"),
    "no_assessment": ("query", "a dosed subject has no row in the ESSDAI, ESSPRI and PGA forms (kept in the "
                               "analysis sets, every assessment missing)"),
    "missing_assessment": ("query", "a visit with a date has no row in the ESSDAI, ESSPRI or PGA form (a form not "
                                    "entered yet?): that assessment is missing in the analysis"),
    "completed_without_final_visit": ("query", "a subject marked COMPLETED has no week-24 visit"),
    "discontinued_after_final_visit": ("query", "a subject marked as discontinued had the week-24 visit"),
    "no_end_of_study": ("query", "a dosed subject has no row in the disposition form though the final visit's window "
                                 "closed before the export's date: analysed as still on study (an interim analysis)"),
    "visit_after_end_of_study": ("query", "a visit is dated after the subject's end-of-study date"),
    "adverse_event_after_end_of_study": ("query", "an adverse event starts after the subject's end-of-study date: "
                                                  "counted as recorded (treatment-emergent within the window after "
                                                  "the last dose)"),
    "adverse_event_before_consent": ("query", "an adverse event starts before the informed consent: medical history, "
                                     "or a mistyped date (counted as not treatment-emergent)"),
    "dosed_after_end_of_study": ("query", "a last dose of the study treatment (exposure EXENDT) is after the subject's "
                                          "end-of-study date: days on treatment and dose are counted to it"),
    "fatal_grade_mismatch": ("query", "an adverse event with a fatal outcome is not of CTCAE grade 5, or one of "
                                      "grade 5 (death) has another outcome"),
    "discontinued_without_adverse_event": ("query", "a subject whose end of study is ADVERSE EVENT has no adverse event "
                                                    "whose action is DRUG WITHDRAWN: the disposition table and the "
                                                    "adverse events leading to discontinuation disagree"),
    "hbv_dna_not_monitored": ("query", "a patient with past hepatitis B (anti-HBc POSITIVE, HBsAg not POSITIVE) still "
                                       "dosed with baricitinib more than {days} days after its start (its first "
                                       "dose, or the switch to it) has no HBV DNA result sampled in those {days} days: "
                                       "the label asks to monitor HBV DNA in such a patient; a result not entered, or "
                                       "not measured? Analysed as recorded".format(days=HBV_DNA_DUE_DAYS)),
    "withdrawn_after_last_dose": ("query", "an adverse event whose action is DRUG WITHDRAWN starts later than the "
                                           "day after the subject's last day of study treatment in the exposure form "
                                           "(the first day without a dose): it cannot have led to withdrawing the "
                                           "drug (CDISC AEACN NOT APPLICABLE), or a date is mistyped; analysed as "
                                           "recorded"),
    "fatal_not_serious": ("query", "an adverse event with a fatal outcome or of grade 5 is recorded as not serious "
                                   "(AESER N): ICH E2A counts an event that results in death as serious"),
    "death_not_in_disposition": ("query", "a subject with a fatal adverse event has an end of study other than DEATH"),
    "visit_after_death": ("query", "a visit is dated after the end of the subject's fatal adverse event"),
    "randomised_not_dosed": ("query", "a randomised patient whose study ended without a dose in the exposure form: "
                                      "outside the full analysis and safety sets, with every assessment and adverse "
                                      "event (a missing exposure row?)"),
    "treated_not_as_randomised": ("query", "the first treatment taken (exposure EXTRT) is not the arm randomised to "
                                           "(analysed as randomised, TRT01P; TRT01A is the treatment taken)"),
})

#: Structural rules: checked first, on the files, their columns and rows; any error among them
#: stops validation before a value is checked (so that one missing form does not give hundreds of
#: follow-on "unknown subject" errors).
STRUCTURE_RULES = ("missing_file", "empty_file", "not_utf8", "binary_file", "wrong_separator", "wrong_field_count",
                   "unclosed_quote", "duplicate_column", "identifier_number", "merged_cells", "formula_without_value",
                   "no_rows", "missing_column", "unknown_form", "unknown_column", "empty_form", "identifier_restored")
#: The last scheduled visit of the pilot's schedule: a subject who completed the study had it (protocol:
#: week 24, end of study). With a ``schedule`` form, the visit with the highest week (``final_visit``).
FINAL_VISIT = "W24"
#: Forms holding the efficacy assessments: a dosed subject with no row in any of them is a query.
ASSESSMENT_FORMS = ("essdai", "esspri", "pga")

#: Visit windows of the pilot's schedule on the study day (day 1 = first dose): visit -> (target day,
#: half-width); week 12 = day 85 +/- 14, week 24 = day 169 +/- 14 (``dictionary.VISIT_WINDOWS``).
VISIT_WINDOWS = dictionary.VISIT_WINDOWS
#: Baseline window of the pilot's schedule: study day -28 to day 1 (the first dose).
BASELINE_WINDOW = dictionary.BASELINE_WINDOW
#: Assays of the ESSDAI biological domain other than IgG (Seror et al. 2010, Table 3, row 12; docs/decisions.md (b)).
BIOLOGICAL_ASSAYS = ("C3", "C4", "MCOMP", "CRYO")
#: Date-order rules: form -> (start column, end column).
DATE_ORDER = MappingProxyType({
    "adverse_events": ("AESTDT", "AEENDT"), "conmeds": ("CMSTDT", "CMENDT"), "exposure": ("EXSTDT", "EXENDT"),
})
#: Number of errors quoted in the message of ExportValidationError.
MAX_ERRORS_IN_MESSAGE = 20

#: Columns of the error and query frames (report.QUERY_COLUMNS without ``source``).
PROBLEM_COLUMNS = ("file", "row", "USUBJID", "AVISIT", "variable", "rule", "value", "message")
_VISIT_FORMS = ("essdai", "esspri", "pga", "ild")
#: A sheet of a workbook, as ``export`` names it: ``book.xlsx[sheet]`` (its rows are sheet rows, not lines).
_WORKBOOK_FILE = re.compile(r"^(?P<book>.+\.xlsx)\[(?P<sheet>.*)\]$", re.IGNORECASE)


@dataclass(frozen=True)
class ValidationResult:
    """Errors (stop the run) and queries (listed for review) of one export.

    ``typed`` holds the export's forms as validation parsed them from their text: the dictionary's
    columns with their declared types, unparseable values missing, as ``parse_export`` gives them
    for an export read as text. ``cleaning.derive_all`` takes them as they are, so the export is
    neither read nor parsed a second time.
    """

    errors: pd.DataFrame
    queries: pd.DataFrame
    typed: dict = field(default_factory=dict, repr=False, compare=False)
    #: Form -> (file, the file line of each row of ``typed[form]``), as the queries' ``file`` and ``row`` name them.
    lines: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        """Return True when there is no error."""
        return self.errors.empty


class ExportValidationError(Exception):
    """The raw export has errors; ``.errors`` lists them all (columns ``PROBLEM_COLUMNS``). The message quotes
    ``MAX_ERRORS_IN_MESSAGE`` of them, in the order of the list, each kind of error (file, column and rule) before a
    second of any kind, so that one form's many errors of one kind do not hide another form's."""

    def __init__(self, errors: pd.DataFrame):
        self.errors = errors
        kind = errors.groupby(["file", "variable", "rule"], sort=False, dropna=False).cumcount().to_numpy()
        first = np.sort(np.argsort(kind, kind="stable")[:MAX_ERRORS_IN_MESSAGE])
        shown = errors["message"].iloc[first].tolist()
        more = len(errors) - len(shown)
        text = f"{len(errors)} validation error(s) in the raw export:\n" + "\n".join(f"  {m}" for m in shown)
        super().__init__(text + (f"\n  ... and {more} more" if more > 0 else ""))


# ---------------------------------------------------------------------------------------------
# Problem rows
# ---------------------------------------------------------------------------------------------

_EMPTY = pd.DataFrame({c: pd.Series(dtype=object) for c in PROBLEM_COLUMNS})


def _empty() -> pd.DataFrame:
    """The empty problem frame (shared: callers only concatenate it, never modify it)."""
    return _EMPTY


def lookup(values: pd.Series, mapping: dict | pd.Series) -> pd.Series:
    """``values.map(mapping)`` (a dict, or a Series indexed by unique keys; missing where absent), looking up each
    distinct value once: the same values and dtype. ``Series.map`` converts the result of a text key value by value
    (pandas 3, Arrow-backed strings): 2.1 s of ``01`` at 10,000 patients (docs/performance.md, "At 10,000 patients");
    and through an empty Series of dates it raises (``TypeError: Cannot cast DatetimeArray to dtype float64``), which
    an export whose dates of a form are all unreadable gives: validation then lists those errors.

    Examples
    --------
    >>> lookup(pd.Series(["BL", "W12", "BL", "X"]), {"BL": 0, "W12": 12}).tolist()
    [0.0, 12.0, 0.0, nan]
    >>> lookup(pd.Series(["b", "a", None]), pd.Series([1.5, 2.5], index=["a", "b"])).tolist()
    [2.5, 1.5, nan]
    >>> lookup(pd.Series(["001"]), pd.Series([], dtype="datetime64[ns]")).tolist()
    [NaT]
    """
    mapping = mapping if isinstance(mapping, pd.Series) else pd.Series(mapping)
    codes, uniques = pd.factorize(values)
    return pd.Series(mapping.reindex(uniques).array.take(codes, allow_fill=True), index=values.index, name=values.name)


def isin_text(values: pd.Series, candidates) -> np.ndarray:
    """Return whether each text value is among ``candidates`` (text; Arrow's hash set, fast for many of either:
    pandas' ``isin`` on Arrow-backed text makes a Python scalar of each candidate, 50 ms for 10,000).

    >>> isin_text(pd.Series(["01-001", "01-009", None]), pd.Index(["01-001", "01-002"])).tolist()
    [True, False, False]
    """
    left = pa.array(values.astype("str"), from_pandas=True)
    right = pa.array(pd.Series(candidates, dtype="str"), from_pandas=True).cast(left.type)
    return pc.is_in(left, value_set=right).to_numpy(zero_copy_only=False)


def sorted_groups(frame: pd.DataFrame, keys: list, order: str, mask) -> tuple:
    """The rows of ``frame`` where ``mask`` holds, grouped by ``keys`` and, within a group, sorted by the column
    ``order`` (dates, without NaT) and then position: (their positions in that order, whether each starts a group,
    the position of its group's first row). Written with numpy: pandas' sort and group-by on three text keys cost
    0.35 s at 10,000 patients' laboratory samples, this 0.04 s.

    >>> f = pd.DataFrame({"id": ["a", "a", "b", "a"], "day": pd.to_datetime(["2021-01-03", "2021-01-01",
    ...                   "2021-01-02", "2021-01-02"])})
    >>> [x.tolist() for x in sorted_groups(f, ["id"], "day", [True, True, True, False])]
    [[1, 0, 2], [True, False, True], [1, 1, 2]]
    """
    key = np.zeros(len(frame), dtype=np.int64)
    for column in keys:
        codes, uniques = pd.factorize(frame[column])
        key = key * (len(uniques) + 1) + codes + 1
    rows = np.flatnonzero(np.asarray(mask, dtype=bool))
    rows = rows[np.lexsort((rows, frame[order].to_numpy()[rows].view(np.int64), key[rows]))]
    key = key[rows]
    starts = np.r_[True, key[1:] != key[:-1]] if len(rows) else np.zeros(0, dtype=bool)
    return rows, starts, rows[np.maximum.accumulate(np.where(starts, np.arange(len(rows)), 0))]


def _subject_ids(tables: dict) -> tuple:
    """Return (SUBJID -> SITEID map, default site, study identifier) used to build pseudonymous USUBJIDs.

    The study identifier is the export's own (``dictionary.study_identity``), so that a message names the
    subject as its analysis datasets will; the default site is the study form's (a single-centre export). A subject
    number at several sites (an export numbering subjects per site, which stops the build) has them all, ``01/02``:
    a message of another form cannot say which of those patients its row is.
    """
    study = tables.get("study")
    default = study["SITEID"].iloc[0] if study is not None and "SITEID" in study and len(study) else ""
    studyid = dictionary.study_identity(study).studyid
    demog = tables.get("demographics")
    if demog is None or not {"SUBJID", "SITEID"} <= set(demog.columns):
        return {}, default, studyid
    site_map = dict(zip(demog["SUBJID"], demog["SITEID"]))
    repeated = demog["SUBJID"].duplicated(keep=False).to_numpy()
    if repeated.any():  # only then: a grouping costs 0.2 s at 10,000 patients
        sites = demog[repeated].groupby("SUBJID", sort=False)["SITEID"].unique()
        site_map.update(zip(sites.index, sites.map("/".join)))
    return site_map, default, studyid


def _usubjid(subjid: pd.Series, sites: tuple, own: pd.Series | None = None) -> pd.Series:
    """USUBJIDs of ``subjid``: the site a row names itself (``own``, demographics' ``SITEID``), else the subject's."""
    site_map, default, studyid = sites
    site = subjid.map(site_map).fillna(default).astype(str)
    if own is not None:
        site = own.astype(str).where(own.astype(str) != "", site)
    return (studyid + "-" + site + "-" + subjid.astype(str)).where(subjid.astype(str) != "", "")


class _Context:
    """File, row, USUBJID and AVISIT of a form's rows, built only for the rows a rule flags.

    ``ctx[mask]`` is the frame of those columns for the rows where ``mask`` holds (the row numbers
    as in the file: ``export.row_lines``). Built for every row, the subject ids alone cost about 0.6 s at 10,000 patients.
    """

    def __init__(self, name: str, frame: pd.DataFrame, sites: tuple, labels=dictionary.VISIT_LABELS):
        self.file, self.frame, self.sites, self.labels = frame.attrs.get("file", f"{name}.csv"), frame, sites, labels

    def __getitem__(self, mask) -> pd.DataFrame:
        mask = np.asarray(mask, dtype=bool)
        rows = self.frame[mask]
        n = len(rows)
        subjid = rows["SUBJID"] if "SUBJID" in rows else pd.Series([""] * n, index=rows.index)
        visit = rows["VISIT"] if "VISIT" in rows else pd.Series([""] * n, index=rows.index)
        return pd.DataFrame({
            "file": self.file,
            "row": export.row_lines(self.frame, np.flatnonzero(mask)),
            "USUBJID": _usubjid(subjid, self.sites, rows["SITEID"] if "SITEID" in rows else None).to_numpy(),
            "AVISIT": visit.map(self.labels).fillna(visit).to_numpy(),
        }, index=rows.index)


#: The error values a spreadsheet shows for a formula that failed (Excel: "How to correct a #N/A error" and its
#: siblings; LibreOffice Calc: "Error codes", Err:501 to Err:539), which a CSV file saved from it, or a workbook's
#: stored result of the formula, holds as text: #N/A is a lookup (VLOOKUP, XLOOKUP) that found nothing, as when the
#: terms of a form are coded from a list. Never data: a text item holding one is an error (``spreadsheet_error``), and
#: the message of any other rule a value of a typed column breaks says what it is (``_problems``).
SPREADSHEET_ERROR = (r"#(?:N/A|REF!|VALUE!|DIV/0!|NAME\?|NUM!|NULL!|SPILL!|CALC!|FIELD!|BLOCKED!|CONNECT!|BUSY!"
                     r"|UNKNOWN!|EXTERNAL!|PYTHON!|GETTING_DATA)|Err:5\d\d")
#: What ``unknown_unit`` adds for an HBV DNA in copies/mL: the copies in an international unit (WHO International
#: Standard) are the assay's own (Roche COBAS TaqMan 5.82, Abbott RealTime 3.41, as their laboratories state them), so
#: no factor of the analysis converts them (docs/decisions.md, "HBV DNA in copies/mL").
HBV_COPIES_SAID = (": the copies in an IU are the assay's own (5.82 for Roche COBAS TaqMan, 3.41 for Abbott "
                   "RealTime), so no factor of the analysis converts them: report IU/mL, as the laboratory can, or "
                   "convert by its assay's stated factor")
#: Items whose values no rule of their own reads, but the laboratory rules do (``lab_result_type``, ``unknown_unit``).
_LAB_TEXT = ("LBORRES", "LBORRESU")


def _spreadsheet_error_said(values: pd.Series) -> pd.Series:
    """What a message adds for a spreadsheet's error value."""
    lookup = values.str.strip().str.upper() == "#N/A"
    return (": a spreadsheet's error value, " + lookup.map({True: "a lookup (VLOOKUP, XLOOKUP) that found nothing",
                                                           False: "a formula that failed"})
            + "; the export must hold the value itself, not a formula")


#: Full-width forms of ASCII characters (Unicode block Halfwidth and Fullwidth Forms, U+FF01 to U+FF5E, and the
#: ideographic space U+3000), which a Chinese input method types: '５' is no digit to a parser. Only a laboratory
#: result's '＜' and '＞' are read (``read_limit_results``); any other such value breaks a rule, whose message says why.
FULL_WIDTH = "[\uff01-\uff5e\u3000]"
_FULL_WIDTH_SAID = (": it holds full-width characters (as a Chinese input method types '５' for 5), which are not "
                    "read as digits or letters: type them half-width")
#: Marks a spreadsheet or a form is filled with for a value not recorded (not available, not done, unknown; ``.``,
#: SAS's missing number; 未查, 未做, 未测, 不详, 缺失, 无 of a Chinese form), where an export leaves the item empty. Not
#: read as empty: ``ND`` and ``NK`` are not among them (not done or not detected?). A message of a rule such a value
#: breaks says what to write.
NOT_RECORDED = r"(?i)N/?A|n\.a\.?|-+|/|\.|none|null|nil|unk|unknown|未查|未做|未测|不详|缺失|无"
_NOT_RECORDED_SAID = (": a mark for a value not recorded? Leave the item empty: an empty item is the export's missing "
                      "value")
#: The rules a value breaks by how it is written (a Chinese term's full-width comma breaks none of them).
_READING_RULES = ("wrong_type", "wrong_format", "not_allowed", "lab_result_type", "unknown_unit")


def _problems(ctx: _Context, mask, variable: str, rule: str, value: pd.Series, detail) -> pd.DataFrame:
    """Problem rows for the rows of ``ctx`` where ``mask`` holds; ``detail`` is a str, a Series, or a
    function of the mask returning a Series indexed as ``value`` (to build it only when a row is flagged). A value
    that is a spreadsheet's error value (``SPREADSHEET_ERROR``) is said to be one, one with full-width characters
    (``FULL_WIDTH``) to hold them, and a mark for a value not recorded (``NOT_RECORDED``) to be one."""
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():
        return _empty()
    out = ctx[mask].copy()
    out["variable"] = variable
    out["rule"] = rule
    out["value"] = value[mask].astype(str).to_numpy()
    if callable(detail):  # built only for the flagged rows
        detail = detail(mask).astype(str).to_numpy()
    elif isinstance(detail, pd.Series):
        detail = detail[mask].astype(str).to_numpy()
    unit = ", row " if _WORKBOOK_FILE.match(ctx.file) else ", line "
    where = (out["file"] + unit + out["row"].astype(str) + ", subject " + out["USUBJID"].replace("", "-")
             + ", visit " + out["AVISIT"].replace("", "-") + ", column " + variable)
    out["message"] = where + ": " + rule + ": value '" + out["value"] + "' " + detail
    said = out["value"].str.strip().str.fullmatch(SPREADSHEET_ERROR, case=False)
    out.loc[said, "message"] += _spreadsheet_error_said(out.loc[said, "value"])
    if rule in _READING_RULES:
        out.loc[out["value"].str.contains(FULL_WIDTH), "message"] += _FULL_WIDTH_SAID
        out.loc[out["value"].str.strip().str.fullmatch(NOT_RECORDED), "message"] += _NOT_RECORDED_SAID
    return out[list(PROBLEM_COLUMNS)]


def _file_problem(file: str, rule: str, variable: str, message: str, *, row="", value: str = "",
                  unit: str = "line") -> pd.DataFrame:
    where = f"{file}, {unit} {row}" if row != "" else file
    return pd.DataFrame([{"file": file, "row": row, "USUBJID": "", "AVISIT": "", "variable": variable,
                          "rule": rule, "value": value, "message": f"{where}: {rule}: {message}"}])


# ---------------------------------------------------------------------------------------------
# Per-form rules generated from the dictionary
# ---------------------------------------------------------------------------------------------

def parse_column(text: pd.Series, type_: str) -> tuple:
    """Parse a text column to its declared type.

    Returns
    -------
    (Series, Series)
        The parsed values (missing where empty or unparseable) and a boolean mask of non-empty
        values that could not be parsed.

    Examples
    --------
    >>> values, bad = parse_column(pd.Series(["3", "", "x", "2.5"]), "int")
    >>> values.tolist(), bad.tolist()
    ([3, <NA>, <NA>, <NA>], [False, False, True, True])
    """
    return _parse(text.astype(str).str.strip(), type_)


def _parse(stripped: pd.Series, type_: str) -> tuple:
    if type_ == "str":
        return stripped, np.zeros(len(stripped), dtype=bool)
    present = stripped != ""
    if type_ == "date":
        stripped = partial_dates.as_iso_dates(stripped)
        values = pd.to_datetime(stripped.where(present), format="%Y-%m-%d", errors="coerce")
        return values, (present & values.isna()).to_numpy()
    numbers = to_numbers(stripped.where(present))
    if type_ == "int":
        integral = numbers.notna() & (numbers == np.floor(numbers.fillna(0)))
        return numbers.where(integral).astype("Int64"), (present & ~integral).to_numpy()
    return numbers.astype(float), (present & numbers.isna()).to_numpy()


#: A numeric laboratory result reported beyond a limit of quantification, as laboratories write it: ``<0.8``,
#: ``<=20``, ``>140``, also with ``≤``, ``≥`` or the full-width ``＜``, ``＞`` that Chinese input methods type, spaces
#: allowed. The limit is a non-negative number in the result's unit, also in scientific notation (``<2.00E+01``, as
#: an HBV DNA assay reports it).
LIMIT_RESULT = r"\s*(<=?|>=?|≤|≥|＜|＞)\s*((?:[0-9]+[.]?[0-9]*|[.][0-9]+)(?:[eE][+-]?[0-9]+)?)\s*"
#: Value analysed for a result below a lower limit (``<x``, ``<=x``): this fraction of the limit, x/2, the middle of
#: the values it may be (0 to x), the rule analysis plans usually state for results below the limit of quantification.
#: A result above an upper limit (``>x``, ``>=x``) is analysed as x, the least it may be. docs/decisions.md,
#: "Laboratory results beyond a limit".
BELOW_LIMIT_FRACTION = 0.5


def read_limit_results(text: pd.Series) -> pd.DataFrame:
    """Read laboratory results reported beyond a limit of quantification (``LIMIT_RESULT``).

    Returns
    -------
    DataFrame
        ``sign`` (``"<"`` below a lower limit, ``">"`` above an upper one, ``""`` for any other text), ``limit``
        (float) and ``value``, the value analysed (``BELOW_LIMIT_FRACTION`` of a lower limit, an upper limit
        itself); NaN for any other text. Index of ``text``.

    Examples
    --------
    >>> read_limit_results(pd.Series(["<0.8", "≥ 140", "＜20", "12", "<-1"])).values.tolist()
    [['<', 0.8, 0.4], ['>', 140.0, 140.0], ['<', 20.0, 10.0], ['', nan, nan], ['', nan, nan]]
    """
    found = text.astype(str).str.extract(f"^{LIMIT_RESULT}$")
    below = found[0].isin(["<", "<=", "≤", "＜"])
    sign = pd.Series(np.where(below, "<", np.where(found[0].notna(), ">", "")), index=text.index)
    limit = found[1].astype(float)
    return pd.DataFrame({"sign": sign, "limit": limit, "value": limit * np.where(below, BELOW_LIMIT_FRACTION, 1.0)})


#: A numeric laboratory result with the abnormal flag a laboratory system prints after it: ``45 H``, ``3.2L``, ``45↑``,
#: ``3.2↓``, ``HH``/``LL`` or ``↑↑``/``↓↓`` (critical), ``*`` (China's systems print the arrows). The flag says no more
#: than the result and its reference range do (the analysis derives HIGH and LOW from them), so the number is read,
#: without a data query (``read_flagged_results``).
FLAGGED_RESULT = r"\s*((?:[0-9]+[.]?[0-9]*|[.][0-9]+)(?:[eE][+-]?[0-9]+)?)\s*(?:[HhLl]{1,2}|↑{1,2}|↓{1,2}|\*)\s*"


def read_flagged_results(text: pd.Series) -> pd.Series:
    """The numbers of laboratory results written with an abnormal flag after them (``FLAGGED_RESULT``), NaN for any
    other text. Index of ``text``.

    >>> read_flagged_results(pd.Series(["45 H", "3.2↓", "45↑↑", "12", "45 U/L", "H"])).tolist()
    [45.0, 3.2, 45.0, nan, nan, nan]
    """
    return text.astype(str).str.extract(f"^{FLAGGED_RESULT}$")[0].astype(float)


#: Numbers in plain decimal notation (optional sign, digits with one optional point, optional
#: exponent): the strings ``to_numbers`` gives to Arrow.
PLAIN_NUMBER = r"^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$"


def to_numbers(text: pd.Series) -> pd.Series:
    """Parse numbers written as text to floats, as ``pd.to_numeric(text, errors="coerce")`` does, mostly by Arrow.

    Arrow parses a column of numbers about 20 times faster than pandas. When Arrow rejects a value
    of the column (a word such as ``NEG``, ``1_000``), the values in plain decimal notation
    (``PLAIN_NUMBER``) are still parsed by Arrow and the others by pandas. What counts as a number
    never changes: Arrow accepts no string that pandas rejects. Arrow's value is the correctly
    rounded one, that of Python's ``float()``; pandas' own parse is one unit in the last place off
    for a few strings (``"+5e31"`` gives 4.999999999999999e+31). ``tests/test_validation.py``
    checks both on generated strings. (Arrow's integer parse does not qualify: it reads
    ``"0x1A"``.) Missing values (NaN) stay missing. A signed zero (``"-0"``, ``"-0.0"``) is read
    as 0 (pandas keeps the sign or not depending on the column's other values).

    Examples
    --------
    >>> to_numbers(pd.Series(["3", "-0.0", None, "2.5e1"])).tolist()
    [3.0, 0.0, nan, 25.0]
    >>> to_numbers(pd.Series(["3", "NEG", "inf", "1_000"])).tolist()
    [3.0, nan, inf, nan]
    """
    values = pa.array(text.astype("str"), from_pandas=True)  # pandas' Arrow strings: no copy
    try:  # the usual case: Arrow reads every value
        return pd.Series(pc.cast(values, pa.float64()).to_numpy(zero_copy_only=False) + 0.0, index=text.index)
    except pa.ArrowInvalid:
        pass
    plain = pc.fill_null(pc.match_substring_regex(values, PLAIN_NUMBER), False).to_numpy(zero_copy_only=False)
    numbers = np.full(len(text), np.nan)
    numbers[plain] = pc.cast(pc.filter(values, pa.array(plain)), pa.float64()).to_numpy(zero_copy_only=False)
    other = ~plain & text.notna().to_numpy()
    if other.any():
        numbers[other] = pd.to_numeric(text[other], errors="coerce").astype(float).to_numpy()
    return pd.Series(numbers + 0.0, index=text.index)  # -0.0 + 0.0 is 0.0


#: Decimals kept after a unit conversion: removes binary floating-point noise of the product
#: (e.g. 1.1 x 88.4 = 97.24000000000001) without changing any reported digit.
CONVERSION_DECIMALS = 9


def standard_values(labs: pd.DataFrame) -> pd.Series:
    """Each numeric laboratory result of ``labs`` (the text of the export: ``LBTESTCD``, ``LBORRES``, ``LBORRESU``) in
    its test's standard unit, as ``cleaning.standardize_labs`` reads ADLB's ``AVAL``: the number (a flag after it left
    out, ``read_flagged_results``), a result beyond a limit of quantification as ``read_limit_results`` analyses it, one
    not detected as 0 (``dictionary.read_not_detected``), times the factor of its unit (``dictionary.LAB_UNITS``;
    another spelling of it, ``dictionary.unit_spelled``), rounded to ``CONVERSION_DECIMALS``. Missing for a
    qualitative test, a unit not accepted or a result that is no number (their own rules query them).

    >>> labs = pd.DataFrame({"LBTESTCD": ["NEUT", "NEUT", "HGB", "LYM", "MCOMP"],
    ...     "LBORRES": ["720", "<0.2", "7.9 L", "0.4", "POSITIVE"], "LBORRESU": ["/mm3", "10^9/L", "g/dL", "x", ""]})
    >>> standard_values(labs).tolist()
    [0.72, 0.1, 79.0, nan, nan]
    """
    test, res = labs["LBTESTCD"].astype(str), labs["LBORRES"].fillna("").astype(str).str.strip()
    factor = dictionary.unit_factors(test, labs["LBORRESU"])[0]
    return (read_result_values(test, res)[0] * factor).round(CONVERSION_DECIMALS)


def read_result_values(test: pd.Series, result: pd.Series) -> tuple[pd.Series, pd.DataFrame, pd.Series]:
    """The number of each laboratory result (``result``: ``LBORRES``, stripped), in its reported unit, as ADLB's
    ``AVAL`` analyses it (``cleaning.standardize_labs`` and ``standard_values`` share it): the number, a flag after it
    left out (``read_flagged_results``), a result beyond a limit of quantification as ``read_limit_results`` analyses
    it, one not detected as 0 (``dictionary.read_not_detected``); missing for a qualitative test (``test``,
    ``dictionary.QUALITATIVE_TESTS``) or a text that is no number. Also the rows read by ``read_limit_results`` and
    the mask of those not detected (of the results that are not numbers), for the result as text (``LBSTRESC``).

    >>> tests, results = pd.Series(["NEUT", "HGB", "NEUT", "MCOMP"]), pd.Series(["0.72", "79 L", "<0.2", "POS"])
    >>> read_result_values(tests, results)[0].tolist()
    [0.72, 79.0, 0.1, nan]
    """
    qualitative = test.isin(dictionary.QUALITATIVE_TESTS)
    numeric = to_numbers(result.where(~qualitative & (result != "")))
    text_only = ~qualitative & (result != "") & numeric.isna()
    numeric = numeric.fillna(read_flagged_results(result[text_only]))  # 45 H: 45, its flag left out
    text_only &= numeric.isna()
    beyond = read_limit_results(result[text_only])  # the few results that are not numbers
    not_detected = dictionary.read_not_detected(test[text_only], result[text_only])
    value = numeric.fillna(beyond["value"]).fillna(pd.Series(0.0, index=not_detected.index[not_detected]))
    return value, beyond, not_detected


def _format_mask(var: dictionary.Variable, stripped: pd.Series) -> np.ndarray:
    """Non-empty values not matching ``var.pattern`` in full (Arrow's regular expressions: fast on long columns).

    >>> _format_mask(dictionary.FORMS["visits"].variable("SUBJID"), pd.Series(["008", "8", "", "1234", "0x8"])).tolist()
    [False, True, False, False, True]
    """
    values = pa.array(stripped.astype("str"), from_pandas=True)
    ok = pc.fill_null(pc.match_substring_regex(values, f"^(?:{var.pattern})$"), False).to_numpy(zero_copy_only=False)
    return (stripped != "").to_numpy() & ~ok


#: What an identifier of digits (``Variable.min_digits``) that is not one most likely is: a number whose leading zeros a
#: spreadsheet dropped (``8``, ``8.0``), or a site's number and a subject's joined, as an EDC numbering subjects per site
#: shows them (``01-001``).
_IDENTIFIER_HINTS = (
    (r"\d+(?:\.0+)?", ": leading zeros lost? (a spreadsheet program may have read the column as numbers)"),
    (r"\d+[-_/ ]\d+", ": a site's number and a subject's joined? An identifier is digits only, and a subject number is "
                      "unique in the study, across sites: write the digits without the separator (01001)"))


def _identifier_hint(stripped: pd.Series) -> pd.Series:
    """What ``wrong_format`` adds for each value of an identifier of digits (``_IDENTIFIER_HINTS``; else nothing).

    >>> _identifier_hint(pd.Series(["8", "01-001", "A8"])).str[:40].tolist()
    [': leading zeros lost? (a spreadsheet pro', ": a site's number and a subject's joined", '']
    """
    out = pd.Series("", index=stripped.index)
    for pattern, hint in _IDENTIFIER_HINTS:
        out = out.mask(stripped.str.fullmatch(pattern), hint)
    return out


#: The ESSDAI domain of each activity-level item (``EDLARTIC``: articular).
_LEVEL_DOMAIN = MappingProxyType({code: domain for domain, code in ESSDAI_LEVEL_PARAMCD.items()})


def _score_hint(name: str, values: pd.Series) -> pd.Series:
    """What ``not_allowed`` adds for a value of an ESSDAI level item (``_LEVEL_DOMAIN``) that is the domain's score,
    weight x a level (``scoring.ESSDAI_WEIGHTS``; 4 of the articular domain, weight 2: level 2), as an eCRF that records
    domain scores exports them: else nothing. Such a form's other values are scores too, and a score that is also a
    level (2 of the articular domain, level 1) passes as that level: the message says so.

    >>> _score_hint("EDLARTIC", pd.Series([4.0, 5.0, None])).str[:41].tolist()
    [": the domain's score, weight 2 x level 2?", '', '']
    """
    domain = _LEVEL_DOMAIN.get(name)
    out = pd.Series("", index=values.index)
    if domain is None:
        return out
    weight, levels = scoring.ESSDAI_WEIGHTS[domain], scoring.ESSDAI_ALLOWED_LEVELS[domain]
    for level in sorted(levels - {0}):
        out = out.mask(values == weight * level,
                       f": the domain's score, weight {weight} x level {level}? The item is the activity level; if "
                       "the form holds scores, all its values are (those that are also levels were read as levels)")
    return out


#: Items rated 0-10 (the ESSPRI's numerical rating scales, the physician's global assessment) that an eCRF may record
#: on a 0-100 visual analogue scale instead.
_RATED_0_10 = (*ESSPRI_ITEM_PARAMCD.values(), "PGA")


def _scale_hint(name: str, values: pd.Series) -> pd.Series:
    """What ``out_of_range`` adds for a value above 10 and up to 100 of an item rated 0-10 (``_RATED_0_10``): a 0-100
    scale's, as an eCRF recording a visual analogue scale in millimetres exports it; else nothing. Such a form's other
    values are on that scale too, and those up to 10 pass as 0-10 ratings: the message says so.

    >>> _scale_hint("PGA", pd.Series([55.0, 9.0, 120.0])).str[:25].tolist()
    [': a 0-100 scale (55 mm of', '', '']
    """
    if name not in _RATED_0_10:
        return pd.Series("", index=values.index)
    return pd.Series(np.where((values > 10) & (values <= 100), ": a 0-100 scale (" + values.map("{:g}".format)
                              + " mm of a visual analogue scale)? The item is rated 0-10; if the form holds a 0-100 "
                              "scale, all its values are (those up to 10 were read as 0-10)", ""), index=values.index)


def _allowed_mask(var: dictionary.Variable, stripped: pd.Series, values: pd.Series) -> np.ndarray:
    if var.type == "str":
        return ((stripped != "") & ~stripped.isin([str(a) for a in var.allowed])).to_numpy()
    return (values.notna() & ~values.isin(list(var.allowed))).to_numpy()


def _range_mask(var: dictionary.Variable, values: pd.Series) -> np.ndarray:
    numbers = values.to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        low = numbers < var.low if var.low is not None else np.zeros(len(numbers), dtype=bool)
        high = numbers > var.high if var.high is not None else np.zeros(len(numbers), dtype=bool)
    return low | high


#: One number with words around it, as a form decoding its values or a hand-typed sheet writes a number: ``Grade 2``
#: (a CTCAE grade decoded), ``2级`` (grade 2), ``5分`` (5 points), ``10 mg``.
_NUMBER_IN_WORDS = r"^[^0-9]*?([0-9]+(?:\.[0-9]+)?)[^0-9]*$"


def _type_detail(var: dictionary.Variable, stripped: pd.Series):
    """What ``wrong_type`` says of a value: its type expected; for a number with words around it
    (``_NUMBER_IN_WORDS``), to write the number alone; for a partial date in a column that takes complete dates
    only (``partial_dates.PARTIAL_DATE``), also that; for a date written YYYY-MM-DD that is no day (``2021-09-31``,
    ``2021-13-01``), that there is no such day or month; for a date as a spreadsheet shows it, the ISO date it stands
    for (``2021/6/28``, year first) or why it cannot be read (``28/06/2021``, day and month first)."""
    expected = f"is not of type {var.type}: expected {dictionary.TYPES[var.type]}"
    if var.type in ("int", "float"):
        def number_in_words(mask) -> pd.Series:
            values = stripped[mask]
            found = values.str.extract(_NUMBER_IN_WORDS)[0]
            out = (expected + ": write the number alone (" + found + ")").where(found != values).fillna(expected)
            fraction = values.str.fullmatch(r"-?\d+\.\d*[1-9]\d*") if var.type == "int" else values.str.len() < 0
            comma = values.str.fullmatch(r"-?\d+,\d+")
            out = out.mask(fraction, expected + ": " + values + " is not a whole number")
            if var.type == "int":
                return out.mask(comma, expected + ": a comma in a whole number: write the digits alone ("
                                + values.str.replace(",", "") + "), or correct the value")
            return out.mask(comma, expected + ": a decimal comma? Write " + values.str.replace(",", ".") + " (a point "
                            "as the decimal separator), or, a comma between thousands, "
                            + values.str.replace(",", ""))
        return number_in_words
    if var.type != "date":
        return expected

    def detail(mask) -> pd.Series:
        values = stripped[mask]
        out = pd.Series(expected, index=values.index)
        if not var.partial:
            out = out.mask(values.str.fullmatch(partial_dates.PARTIAL_DATE),
                           expected + ": a partial date (day or month unknown) is taken only as the start or end of an "
                           "adverse event or medication, or as the date of diagnosis; complete it in the export "
                           "(docs/decisions.md, 'Partial dates')")
        ymd = values.str.extract(r"^(\d{4})-(\d{2})-(\d{2})$").astype(float)  # ISO, but no such day or month
        days = pd.to_datetime(values.str[:7] + "-01", format="%Y-%m-%d", errors="coerce").dt.days_in_month
        out = out.mask(ymd[1].notna() & ~ymd[1].between(1, 12), expected + ": there is no month " + values.str[5:7])
        out = out.mask(days.notna() & ymd[2].notna() & ~ymd[2].between(1, days), expected + ": there is no such day, "
                       + values.str[:7] + " has " + days.astype("Int64").astype(str) + " days")
        ymd = values.str.extract(r"^(\d{4})/(\d{1,2})/(\d{1,2})(?:\s.*)?$")
        iso = ymd[0] + "-" + ymd[1].str.zfill(2) + "-" + ymd[2].str.zfill(2)
        out = out.mask(iso.notna(), expected + ": the date " + iso + " as a spreadsheet shows it (Excel saves a CSV "
                       "file so on a Chinese Windows); use the export as the EDC wrote it, or format the column as "
                       "yyyy-mm-dd before saving")
        serial = pd.to_numeric(values.where(values.str.fullmatch(r"\d{5}(?:\.\d+)?")), errors="coerce")
        serial = serial.where(serial.between(*SPREADSHEET_SERIALS))
        iso = (SPREADSHEET_EPOCH + pd.to_timedelta(serial.fillna(0).astype(int), unit="D")).dt.strftime("%Y-%m-%d")
        out = out.mask(serial.notna(), expected + ": the number a spreadsheet keeps for the date " + iso + " (a date "
                       "column formatted as a number); format the column as yyyy-mm-dd before saving")
        return out.mask(values.str.fullmatch(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}(?:\s.*)?"),
                        expected + ": a date with the day and month first cannot be read safely (is 03/04 the 3rd of "
                        "April or the 4th of March?)")

    return detail


#: A date as a spreadsheet keeps it, shown when its column is formatted as a number: days since 1899-12-30
#: (Excel's and LibreOffice's day 0 for dates after February 1900); ``_type_detail`` names the date of such a number
#: between these two (1954-10-03 to 2119-01-11), never reads it.
SPREADSHEET_EPOCH = pd.Timestamp("1899-12-30")
SPREADSHEET_SERIALS = (20000, 80000)


#: Columns a typed form holds beside a date that may be partial (``Variable.partial``), whose typed value is the first
#: day the date may be: ``<name>_LAST`` the last day, ``<name>_DTF`` the imputation flag (``partial_dates``).
LAST_SUFFIX, FLAG_SUFFIX = "_LAST", "_DTF"


def _partial_columns(name: str, found: pd.DataFrame) -> dict:
    """A date that may be partial as a typed form holds it: its first day (``name``), last day and flag
    (``partial_dates.date_range``)."""
    return {name: found["first"], name + LAST_SUFFIX: found["last"], name + FLAG_SUFFIX: found["flag"]}


def _check_variable(var: dictionary.Variable, text: pd.Series, ctx: _Context) -> tuple:
    """One variable's values: (its typed columns, by name: the variable's, and ``_partial_columns`` for a date that
    may be partial; its problems)."""
    stripped = text.astype(str).str.strip()
    if var.partial:
        found = partial_dates.date_range(stripped)
        values, bad_type = found["first"], ((stripped != "") & found["first"].isna()).to_numpy()
    else:
        values, bad_type = _parse(stripped, var.type)
    parts = [_problems(ctx, bad_type, var.name, "wrong_type", text, _type_detail(var, stripped))]
    if var.type == "str" and not var.allowed and not var.pattern and var.name not in _LAB_TEXT:  # free text
        parts.append(_problems(ctx, stripped.str.fullmatch(SPREADSHEET_ERROR, case=False).to_numpy(), var.name,
                               "spreadsheet_error", text, "is not data"))
    if var.partial:
        flag = found["flag"]
        parts.append(_problems(ctx, flag != "", var.name, "partial_date", text, lambda m: flag[m].map({
            partial_dates.DAY: "is a partial date (day unknown): imputed (docs/decisions.md, 'Partial dates')",
            partial_dates.MONTH: "is a partial date (month and day unknown): imputed (docs/decisions.md, "
                                 "'Partial dates')"})))
    if var.pattern:
        said = f"is not {var.allowed_text()}"
        parts.append(_problems(ctx, _format_mask(var, stripped), var.name, "wrong_format", text,
                               (lambda m: said + _identifier_hint(stripped[m])) if var.min_digits else said))
        # a subject or site number with spaces around it ('002 ') is another subject for every other form: said here,
        # once (a study identifier's outer blanks are stripped)
        spaced = ((stripped != text.astype(str)) & (stripped != "")).to_numpy() & ~_format_mask(var, stripped) \
            & bool(var.min_digits)
        parts.append(_problems(ctx, spaced, var.name, "wrong_format", text,
                               lambda m: "has spaces around it: write '" + stripped[m] + "'"))
    if var.required or var.query_missing:
        empty = (stripped == "").to_numpy()
        missing = f"is empty: {var.blank}" if var.blank else "is empty (item not recorded)"
        rule, detail = ("required", "is empty (a value is required)") if var.required else ("missing_item", missing)
        parts.append(_problems(ctx, empty, var.name, rule, text, detail))
    if var.allowed:
        said = f"is not one of: {var.allowed_text()}" + _ARM_HINT.get(var.name, "")
        parts.append(_problems(ctx, _allowed_mask(var, stripped, values), var.name, "not_allowed", text,
                               (lambda m: said + _score_hint(var.name, values[m])) if var.name in _LEVEL_DOMAIN
                               else said))
    if var.type in ("int", "float") and (var.low is not None or var.high is not None):
        said = f"is outside {var.allowed_text()}"
        parts.append(_problems(ctx, _range_mask(var, values), var.name, "out_of_range", text,
                               (lambda m: said + _scale_hint(var.name, values[m])) if var.name in _RATED_0_10
                               else said))
    columns = _partial_columns(var.name, found) if var.partial else {var.name: values}
    return columns, pd.concat([p for p in parts if not p.empty] or [_empty()], ignore_index=True)


#: What to do with an arm or treatment the export does not declare (README, "Another trial's arms"): its ``arms``
#: form declares its arms, or without one they are the follow-on trial's (``dictionary.default_arms``).
_ARM_HINT = MappingProxyType({
    "ARM": " (the arms of the export's arms form; without one, the follow-on trial's): declare the trial's arms, "
           "their codes and daily doses of baricitinib in an arms form (README, 'Another trial's arms'), or recode "
           "the export's arm names",
    "EXTRT": " (the arms of the export's arms form; without one, the pilot's single arm or the follow-on trial's "
             "arms): declare the trial's arms, their codes and daily doses of baricitinib in an arms form (README, "
             "'Another trial's arms'), or recode the export's treatment names"})


def _check_form(form: dictionary.Form, frame: pd.DataFrame, ctx: _Context) -> tuple:
    """Check one form's values (its columns were checked by ``_check_structure``); return (typed frame, problems)."""
    parts, typed = [], {}
    for var in form.variables:
        if var.name not in frame.columns:
            continue
        columns, problems = _check_variable(var, frame[var.name], ctx)
        typed.update(columns)
        parts.append(problems)
    return pd.DataFrame(typed, index=frame.index), pd.concat([p for p in parts if not p.empty] or [_empty()],
                                                             ignore_index=True)


# ---------------------------------------------------------------------------------------------
# Cross-form rules
# ---------------------------------------------------------------------------------------------

def _duplicate_rule(form: dictionary.Form) -> str:
    if form.keys == ("SUBJID",):
        return "duplicate_subject"
    return "duplicate_visit" if "VISIT" in form.keys else "duplicate_record"


def _check_keys(form: dictionary.Form, frame: pd.DataFrame, ctx: _Context) -> pd.DataFrame:
    keys = [k for k in form.keys if k in frame.columns]
    if len(keys) < len(form.keys) or frame.empty:
        return _empty()
    dup = frame.duplicated(subset=keys, keep="first")
    value = frame[keys[0]].astype(str)
    for key in keys[1:]:
        value = value + "/" + frame[key].astype(str)

    def earlier(mask) -> pd.Series:
        """The line (or workbook row) of the first row with the same key."""
        first = ~frame.duplicated(subset=keys, keep="first").to_numpy() & value.isin(value[mask]).to_numpy()
        lines = pd.Series(export.row_lines(frame, np.flatnonzero(first)), index=value[first].to_numpy())
        unit = "row" if _WORKBOOK_FILE.match(ctx.file) else "line"
        said = f"repeats the key ({', '.join(keys)}) of {unit} " + value[mask].map(lines).astype(str)
        if keys == ["SUBJID"] and "SITEID" in frame:  # a site numbering its subjects from 001, as another does
            site = pd.Series(frame["SITEID"][first].to_numpy(), index=value[first].to_numpy())
            other = frame["SITEID"][mask].to_numpy() != value[mask].map(site).to_numpy()
            said = said.where(~other, said + ", of another site: a subject number is the key of every form and "
                              "must be unique in the study, across sites (number subjects across sites, or include "
                              "the site, as 01001)")
        return said

    return _problems(ctx, dup, "/".join(keys), _duplicate_rule(form), value, earlier)


def _check_study_rows(frame: pd.DataFrame, ctx: _Context) -> pd.DataFrame:
    """Every row of the study form after the first (one row describes the export: ``study_rows``)."""
    extra = np.arange(len(frame)) > 0
    return _problems(ctx, extra, "STUDYID", "study_rows", frame["STUDYID"] if "STUDYID" in frame else
                     pd.Series("", index=frame.index), "is on a second row of the study form: one row describes "
                     "the export (the first row's study is the export's)")


#: A blinded design named in words (the study form's TITLE or DESIGN): "double-blind", "single blind", "double
#: masked", "blinded"; not "non-blinded", "not blinded", nor a blinded assessment of an open trial ("blinded endpoint").
_BLINDED_WORDS = re.compile(r"\b(?:(?:single|double|triple|quadruple)[-\u2010\u2011\u2013 ]?(?:blind|mask)(?:ed)?"
                            r"|(?<![-\u2010\u2011])(?<!not )(?<!un)blinded(?! (?:endpoint|outcome|assess)))\b",
                            re.IGNORECASE)


def _query_blinding(typed: dict, text: dict, ctxs: dict) -> pd.DataFrame:
    """The study form's blinding (``TBLIND``) against the design: a randomised export whose TITLE or DESIGN says it
    is blinded (``_BLINDED_WORDS``) with a blank TBLIND, which the report reads as open label and says so in its
    caveat; a single-arm export (no randomisation form) whose TBLIND is a blinding, which its report, of an open-label
    pilot, does not read. A data query: the design's words, or the blinding, to confirm."""
    study = typed.get("study")
    if study is None or study.empty:
        return _empty()
    raw = text["study"]["TBLIND"] if "TBLIND" in text["study"] else pd.Series("", index=text["study"].index)
    first = np.arange(len(study)) == 0
    blinding = study["TBLIND"].fillna("").astype(str) if "TBLIND" in study else pd.Series("", index=study.index)
    words = pd.Series("", index=study.index)
    for column in ("TITLE", "DESIGN"):
        if column in study:
            found = study[column].fillna("").astype(str).str.extract(f"({_BLINDED_WORDS.pattern})", flags=re.I)[0]
            words = words.where(words.ne(""), found.fillna(""))
    if "randomisation" in typed:
        bad = first & blinding.eq("").to_numpy() & words.ne("").to_numpy()
        return _problems(ctxs["study"], bad, "TBLIND", "blinding_unstated", raw, lambda m: (
            "is blank, read as open label (and the report says patients and investigators knew the treatment), though "
            "the study's title or design says '" + words[m] + "': state the blinding in TBLIND"))
    blinded = blinding.isin([b for b in dictionary.BLINDINGS if b != dictionary.OPEN_LABEL]).to_numpy()
    return _problems(ctxs["study"], first & blinded, "TBLIND", "blinding_unstated", raw, "is the blinding of a "
                     "single-arm export (no randomisation form), which the report reads as an open-label pilot: a "
                     "randomised export's randomisation form missing, or the blinding mistyped?")


def _check_subjects(name: str, frame: pd.DataFrame, subjects: pd.Index, ctx: _Context) -> pd.DataFrame:
    if name in ("study", "demographics") or "SUBJID" not in frame:
        return _empty()
    unknown = ~isin_text(frame["SUBJID"].str.strip(), subjects.str.strip())  # spaces around: wrong_format's
    return _problems(ctx, unknown, "SUBJID", "unknown_subject", frame["SUBJID"],
                     "is not a subject of demographics")


#: What the query ``visit_not_done`` says of a row of each form (``rows_not_done``): the column it names, and why.
_NOT_DONE_SAID = MappingProxyType({
    "visits": ("VISITDT", "is empty and no ESSDAI, ESSPRI, PGA or ILD assessment is recorded at the visit: read as a "
                          "visit not done, as if the row were absent"),
    "labs": ("LBDT", "is empty, and so are the result, unit and range: read as if the row were absent (a test not "
                     "done)"),
    "assessment": ("VISIT", "has no item recorded: read as if the row were absent (a form not done, or not entered "
                            "yet)"),
})


def _blank_rows(frame: pd.DataFrame, columns) -> np.ndarray:
    """A mask of the rows of ``frame`` blank (``""``, spaces or missing) in every one of ``columns``; checked column by
    column, on the rows still blank (few)."""
    rows = np.arange(len(frame))
    for column in columns:
        cells = frame[column].iloc[rows]
        empty = cells.isna()
        if cells.dtype == object or pd.api.types.is_string_dtype(cells.dtype):
            empty |= cells.astype(str).str.strip() == ""
        rows = rows[empty.to_numpy(dtype=bool)]
    mask = np.zeros(len(frame), dtype=bool)
    mask[rows] = True
    return mask


def rows_not_done(forms: dict) -> dict:
    """The rows of a visit not done, as an EDC that exports every planned visit and form writes them: by form, a mask
    of its rows (docs/decisions.md, "A visit without a date"). A row of an assessment form (``_VISIT_FORMS``) whose
    every item is blank; a laboratory row with nothing but its test code (no date, result, unit or range); a row of
    the visits form without a date whose visit has no other row in the assessment forms. Read as if the rows were
    absent. ``forms``: text or typed (a blank is ``""`` or missing)."""
    masks = {name: _blank_rows(forms[name], [c for c in forms[name].columns if c not in ("SUBJID", "VISIT")])
             for name in _VISIT_FORMS if name in forms and {"SUBJID", "VISIT"} <= set(forms[name])}
    labs = forms.get("labs")
    if labs is not None and {"SUBJID", "VISIT", "LBTESTCD"} <= set(labs):
        masks["labs"] = _blank_rows(labs, [c for c in labs.columns if c not in ("SUBJID", "VISIT", "LBTESTCD")])
    visits = forms.get("visits")
    if visits is not None and {"SUBJID", "VISIT", "VISITDT"} <= set(visits):
        assessed = [forms[f]["SUBJID"].astype(str)[~m] + "|" + forms[f]["VISIT"].astype(str)[~m]
                    for f, m in masks.items()]
        keys = visits["SUBJID"].astype(str) + "|" + visits["VISIT"].astype(str)
        masks["visits"] = _blank_rows(visits, ["VISITDT"]) & ~isin_text(
            keys, pd.concat(assessed) if assessed else pd.Series([], dtype=str))
    return masks


#: A visit code of an unscheduled visit, in any letter case: ``UNS`` (``dictionary.UNSCHEDULED``), as the laboratory
#: form takes it, or numbered as an EDC numbers a patient's unscheduled visits (``UNS1``, ``UNS2``), or named as an
#: EDC exporting decoded values writes it (``Unscheduled``, ``Unscheduled visit 2``).
UNSCHEDULED_VISIT = r"\s*(?:UNS|UNSCHEDULED(?: VISIT)?)\s*\d*\s*"
#: What the query ``unscheduled_visit`` says of a row of the visits form, and of an assessment form: the column it
#: names, and why.
_UNSCHEDULED_SAID = MappingProxyType({
    "visits": ("VISIT", "is an unscheduled visit: not read (its laboratory samples are read from the laboratory form, "
                        "by their date; docs/decisions.md, 'Unscheduled visits')"),
    "assessment": ("VISIT", "is an assessment at an unscheduled visit: not read; the analyses are at the scheduled "
                            "visits (docs/decisions.md, 'Unscheduled visits')"),
})


#: A visit code of a screening visit, in any letter case: ``SCR`` (``dictionary.SCREENING``) or ``SCRN``, or named as an
#: EDC exporting decoded values writes it (``Screening``, ``Screening visit``), numbered for a patient screened again
#: (``SCR2``, ``Screening 2``; CDISC's ``SCREENING 1``).
SCREENING_VISIT = r"\s*(?:SCRN?|SCREENING(?: VISIT)?)\s*\d*\s*"
#: What the query ``screening_visit`` says of the visits form, and of an assessment form (one query per form, at its
#: first such row, ``{n}`` the form's rows at screening): the column it names, and why.
_SCREENING_SAID = MappingProxyType({
    "schedule": ("VISIT", "is the screening visit: not a visit of the analysis schedule, which begins at the baseline "
                          "visit (BL); its rows of the visits and assessment forms are not read, its laboratory "
                          "samples are, as SCR (docs/decisions.md, 'Screening visits')"),
    "visits": ("VISIT", "is a screening visit: the form's {n} row(s) at screening not read; study day 1 is the first "
                        "dose (docs/decisions.md, 'Screening visits')"),
    "assessment": ("VISIT", "is an assessment at screening: the form's {n} row(s) at screening not read; the baseline "
                            "of every analysis is the baseline visit's (docs/decisions.md, 'Screening visits')"),
})


def _visit_named(visit: pd.Series, pattern: str) -> np.ndarray:
    """A mask of the visit codes matching ``pattern`` in any letter case, by code: a few codes, many rows."""
    codes, names = pd.factorize(visit.astype(str))
    return np.append(pd.Series(names).str.fullmatch(pattern, case=False).to_numpy(dtype=bool), False)[codes]


def _unscheduled(visit: pd.Series) -> np.ndarray:
    """A mask of the visit codes of an unscheduled visit (``UNSCHEDULED_VISIT``)."""
    return _visit_named(visit, UNSCHEDULED_VISIT)


def unscheduled_rows(forms: dict) -> dict:
    """The rows of the visits form and of the assessment forms (``_VISIT_FORMS``) at an unscheduled visit
    (``UNSCHEDULED_VISIT``): by form, a mask of its rows, read as if absent (docs/decisions.md, "Unscheduled visits").
    ``forms``: text or typed."""
    return {name: _unscheduled(forms[name]["VISIT"]) for name in ("visits", *_VISIT_FORMS)
            if name in forms and "VISIT" in forms[name]}


def screening_rows(forms: dict) -> dict:
    """The rows of the visits form and of the assessment forms (``_VISIT_FORMS``) at a screening visit
    (``SCREENING_VISIT``), and the schedule's row of it (by its code or its name): by form, a mask of its rows, read
    as if absent (docs/decisions.md, "Screening visits"). ``forms``: text or typed.

    >>> screening_rows({"pga": pd.DataFrame({"VISIT": ["SCR", "BL", "Screening 2"]})})["pga"].tolist()
    [True, False, True]
    >>> screening_rows({"schedule": pd.DataFrame({"VISIT": ["V0", "BL"], "AVISIT": ["Screening", "Baseline"]})})
    {'schedule': array([ True, False])}
    """
    masks = {name: _visit_named(forms[name]["VISIT"], SCREENING_VISIT) for name in ("visits", *_VISIT_FORMS)
             if name in forms and "VISIT" in forms[name]}
    if "schedule" in forms and {"VISIT", "AVISIT"} <= set(forms["schedule"]):
        schedule = forms["schedule"]
        masks["schedule"] = _visit_named(schedule["VISIT"], SCREENING_VISIT) | _visit_named(schedule["AVISIT"],
                                                                                            SCREENING_VISIT)
    return masks


def read_lab_visits(frame: pd.DataFrame) -> pd.DataFrame:
    """The laboratory form with every unscheduled visit's code (``UNSCHEDULED_VISIT``: ``UNS1``, ``Unscheduled visit
    2``) read as ``UNS`` (``dictionary.UNSCHEDULED``), and every screening visit's (``SCREENING_VISIT``: ``Screening``,
    ``SCR2``) as ``SCR`` (``dictionary.SCREENING``), the codes the form takes: their samples are dated by ``LBDT``,
    and the number adds nothing (docs/decisions.md, "Unscheduled visits", "Screening visits"). Text or typed.

    >>> read_lab_visits(pd.DataFrame({"VISIT": ["BL", "UNS2", "unscheduled visit 1", "Screening 2"]}))["VISIT"].tolist()
    ['BL', 'UNS', 'UNS', 'SCR']
    """
    if "VISIT" not in frame:
        return frame
    unscheduled, screening = _unscheduled(frame["VISIT"]), _visit_named(frame["VISIT"], SCREENING_VISIT)
    if not (unscheduled.any() or screening.any()):
        return frame
    return frame.assign(VISIT=frame["VISIT"].mask(unscheduled, dictionary.UNSCHEDULED)
                        .mask(screening, dictionary.SCREENING))


def repeated_rows(forms: dict) -> dict:
    """The rows the same as an earlier row of their form in every column (docs/decisions.md, "A row given twice"): by
    form, a mask of its rows, read as if absent; a row that repeats only a form's key (``dictionary.Form.keys``) is
    not one, and stops the build by that rule. Every form but the study form's one row (``study_rows``). ``forms``:
    text or typed, as the dictionary spells coded values.

    >>> rows = repeated_rows({"pga": pd.DataFrame({"SUBJID": ["001", "001", "001"], "VISIT": ["BL", "BL", "BL"],
    ...                                           "PGA": ["5", "5", "6"]})})
    >>> rows["pga"].tolist()
    [False, True, False]
    """
    def repeated(frame: pd.DataFrame, keys: list) -> np.ndarray:
        mask = np.zeros(len(frame), dtype=bool)
        again = frame.duplicated(subset=keys, keep=False).to_numpy()  # only there: the whole row costs twice as long
        if again.any():
            mask[np.flatnonzero(again)] = frame[again].duplicated(keep="first").to_numpy()
        return mask

    return {name: repeated(frame, list(dictionary.FORMS[name].keys)) for name, frame in forms.items()
            if name != "study" and name in dictionary.FORMS and set(dictionary.FORMS[name].keys) <= set(frame.columns)}


def _query_repeated_rows(text: dict, sites: tuple, labels: dict) -> tuple:
    """``repeated_rows`` of the text forms as queries, each naming the earlier row it repeats: (problems, the forms
    without those rows)."""
    problems, out = [], dict(text)
    for name, rows in repeated_rows(text).items():
        if not rows.any():
            continue
        frame = text[name]
        first = ~frame.duplicated(keep="first").to_numpy()
        code = frame.groupby(list(frame.columns), sort=False, dropna=False).ngroup().to_numpy()
        line = pd.Series(export.row_lines(frame, np.flatnonzero(first)), index=code[first])
        unit = "row" if _WORKBOOK_FILE.match(frame.attrs.get("file", "")) else "line"
        keys = list(dictionary.FORMS[name].keys)
        value = frame[keys].astype(str).agg("/".join, axis=1)
        problems.append(_problems(_Context(name, frame, sites, labels), rows, "/".join(keys), "repeated_row", value,
                                  lambda m: f"repeats {unit} " + pd.Series(code[m], index=frame.index[m]).map(line)
                                  .astype(str) + " in every column (an export appended twice, or a record sent "
                                                 "twice?): read once"))
        out[name] = export.drop_rows(frame, rows)
    return problems, out


#: What the query ``randomisation_blank`` says of a row of the randomisation form: the column it names, and why.
_NOT_RANDOMISED_SAID = MappingProxyType({
    "randomisation": ("ARM", "is empty, and so is RANDDT: read as a patient not randomised, as if the row were absent "
                             "(a screen failure, or awaiting randomisation at the data cut)"),
})


def rows_not_randomised(forms: dict) -> dict:
    """The rows of the randomisation form without a date and an arm (``RANDDT`` and ``ARM`` blank, whatever the
    stratum, which a randomisation system may record at registration), as a system that lists every screened
    patient writes them: a mask of its rows, read as if absent (docs/decisions.md, "Screen failures"). ``forms``: text
    or typed.

    >>> rows_not_randomised({"randomisation": pd.DataFrame({"SUBJID": ["001", "002", "003"], "RANDDT": [
    ...     "2021-01-03", "", ""], "ARM": ["HCQ 400 mg", "", "HCQ 400 mg"], "STRATUM": ["CENTRE 01"] * 3})})
    {'randomisation': array([False,  True, False])}
    """
    rand = forms.get("randomisation")
    if rand is None or not {"RANDDT", "ARM"} <= set(rand):
        return {}
    return {"randomisation": _blank_rows(rand, ["RANDDT", "ARM"])}


#: The forms of records logged as they happen (not by visit), with the column that numbers a subject's records: a row
#: with nothing but the subject and its number is a log page left empty (``empty_log_rows``).
LOG_FORMS = MappingProxyType({"adverse_events": "AESPID", "conmeds": "CMSPID", "exposure": None})
#: What the query ``empty_record`` says of a row of each log form: the column it names, and why.
_EMPTY_RECORD_SAID = MappingProxyType({
    name: ("SUBJID", f"has nothing recorded in this row but the subject{' (and a record number)' if number else ''}: "
                     f"read as if the row were absent (a log page left empty: {what} recorded)")
    for (name, number), what in zip(LOG_FORMS.items(), ("no adverse event", "no medication", "no dose"))})


def empty_log_rows(forms: dict) -> dict:
    """The rows of the log forms (``LOG_FORMS``) with nothing but the subject and its record number, as an EDC writes
    a log page left empty (a patient without an adverse event, a medication, or a dose yet): by form, a mask of its
    rows, read as if absent (docs/decisions.md, "A visit without a date"). ``forms``: text or typed.

    >>> empty_log_rows({"conmeds": pd.DataFrame({"SUBJID": ["001", "002"], "CMSPID": ["1", "1"],
    ...                                          "CMTRT": ["Prednisone", ""], "CMSTDT": ["2021-01-02", None]})})
    {'conmeds': array([False,  True])}
    """
    masks = {}
    for name, number in LOG_FORMS.items():
        frame = forms.get(name)
        if frame is None or "SUBJID" not in frame:
            continue
        items = [c for c in frame.columns if c not in ("SUBJID", number)]
        masks[name] = _blank_rows(frame, items) if items else np.zeros(len(frame), dtype=bool)
    return masks


#: Rows read as if absent, before any check (validation and ``parse_export`` alike): what finds them, by form; the
#: query each is; what it says, by form (the column it names, and why); whether the query is one per form (at its
#: first such row, saying how many) rather than one per row.
_LEFT_OUT = ((rows_not_done, "visit_not_done", _NOT_DONE_SAID, False),
             (unscheduled_rows, "unscheduled_visit", _UNSCHEDULED_SAID, False),
             (screening_rows, "screening_visit", _SCREENING_SAID, True),
             (rows_not_randomised, "randomisation_blank", _NOT_RANDOMISED_SAID, False),
             (empty_log_rows, "empty_record", _EMPTY_RECORD_SAID, False))


def other_tests(labs: pd.DataFrame, tests=tuple(dictionary.LAB_PARAMS)) -> tuple:
    """Rows of the laboratory form whose test (``LBTESTCD``) is not one of ``tests``: (a mask of those under a code
    laboratory systems give one of them, ``dictionary.LAB_TEST_ALIASES``; a mask of any other test, which no analysis
    reads: a full liver panel's GGT). ``labs``: text or typed, its coded values read (``dictionary.read_coded``)."""
    code = labs["LBTESTCD"].fillna("").astype(str)
    other = ~code.isin([*tests, ""])
    alias = other & code[other].str.strip().str.upper().isin(list(dictionary.LAB_TEST_ALIASES)).reindex(
        code.index, fill_value=False)
    return alias.to_numpy(), (other & ~alias).to_numpy()


def _check_other_tests(labs: pd.DataFrame, ctx: _Context) -> tuple:
    """``other_tests`` as problems, one per test code (its first row, with its count of rows): (problems, the
    rows of both kinds, which are left out)."""
    alias, unknown = other_tests(labs)
    code = labs["LBTESTCD"].astype(str)
    first = ~code.duplicated().to_numpy()
    rows = code[alias | unknown].value_counts()
    count = lambda m: code[m].map(rows).astype(str) + " row(s)"  # noqa: E731
    said = lambda m: (code[m].str.strip().str.upper().map(dictionary.LAB_TEST_ALIASES).map(  # noqa: E731
        lambda c: f"stands for {dictionary.LAB_PARAMS[c][0]}, coded {c} in the data dictionary: write {c}")
        + " (" + count(m) + ")")
    coded = code.str.strip() != ""
    if coded.any() and (unknown | ~coded).all():  # not one test read: the form's codes are another system's
        found = ", ".join(rows.index[:3]) + (", ..." if len(rows) > 3 else "")
        listed = ", ".join(dictionary.LAB_PARAMS)
        return _file_problem(ctx.file, "no_known_test", "LBTESTCD", f"no row is a test of the data dictionary (found "
                             f"{found}: {len(rows)} code(s)): write the dictionary's codes ({listed}; "
                             "docs/data_dictionary.md, Laboratory units)"), alias | unknown
    return pd.concat([
        _problems(ctx, alias & first, "LBTESTCD", "test_code_alias", code, said),
        _problems(ctx, unknown & first, "LBTESTCD", "unknown_test", code, lambda m: "is not a test of the data "
                  "dictionary (docs/data_dictionary.md, Laboratory units): its " + count(m) + " not read"),
    ], ignore_index=True), alias | unknown


def _check_assessment_visits(name: str, frame: pd.DataFrame, visits: pd.DataFrame | None,
                             ctx: _Context) -> pd.DataFrame:
    if name not in _VISIT_FORMS or visits is None or not {"SUBJID", "VISIT"} <= set(frame.columns):
        return _empty()
    def keys(rows: pd.DataFrame) -> pd.MultiIndex:  # a subject number's spaces around it are wrong_format's
        return pd.MultiIndex.from_arrays([rows["SUBJID"].astype(str).str.strip(), rows["VISIT"]])
    absent = ~keys(frame).isin(keys(visits))
    return _problems(ctx, absent, "VISIT", "unknown_visit", frame["VISIT"], "has no date in the visits form")


def _check_date_order(name: str, typed: pd.DataFrame, text: pd.DataFrame, ctx: _Context) -> pd.DataFrame:
    if name not in DATE_ORDER or not set(DATE_ORDER[name]) <= set(typed.columns):
        return _empty()
    start, end = DATE_ORDER[name]
    bad = (typed.get(end + LAST_SUFFIX, typed[end]) < typed[start]).fillna(False).astype(bool)  # latest < earliest
    return _problems(ctx, bad, end, "end_before_start", text[end], "is before " + start + " " + text[start])


#: Dates before the informed consent: (form, column, rule, what the message adds). A visit or a dose cannot be (a
#: mistyped date, most often) and either moves study day 1, the windows and the baseline of every analysis: errors.
#: An adverse event whose start (its latest possible day, for a partial date) is before it is medical history entered
#: as an adverse event, or a mistyped date, and not treatment-emergent either way: a query.
_BEFORE_CONSENT = (("visits", "VISITDT", "visit_before_consent", ""),
                   ("exposure", "EXSTDT", "dosed_before_consent", ""),
                   ("adverse_events", "AESTDT", "adverse_event_before_consent",
                    ": medical history, or a mistyped date? Counted as not treatment-emergent"))


def _check_consent(typed: dict, text: dict, ctxs: dict) -> pd.DataFrame:
    """The dates of ``_BEFORE_CONSENT`` before the patient's informed consent."""
    demog = typed.get("demographics")
    if demog is None or "CONSDT" not in demog:
        return _empty()
    consented = demog.drop_duplicates("SUBJID").set_index("SUBJID")["CONSDT"]
    parts = []
    for form, column, rule, said in _BEFORE_CONSENT:
        frame = typed.get(form)
        if frame is None or column not in frame:
            continue
        consent = lookup(frame["SUBJID"], consented)
        bad = (frame.get(column + LAST_SUFFIX, frame[column]) < consent).fillna(False).astype(bool)
        parts.append(_problems(ctxs[form], bad, column, rule, text[form][column],
                               "is before the informed consent on " + consent.dt.strftime("%Y-%m-%d").fillna("")
                               + said))
    return pd.concat(parts or [_empty()], ignore_index=True)


def _check_visits_without_dose(typed: dict, text: dict, ctxs: dict) -> pd.DataFrame:
    """A visit after baseline (``dictionary.BASELINE``) of a subject with no first dose in the exposure form: the
    subject would leave the safety and full analysis sets, and with them every assessment and adverse event, without a
    word (an exposure row not entered, or deleted). The baseline visit comes before the first dose (a patient still
    awaiting it has that visit only); unscheduled and screening rows are not read."""
    visits, exposure = typed.get("visits"), typed.get("exposure")
    if visits is None or exposure is None or not {"SUBJID", "VISIT"} <= set(visits) or "EXSTDT" not in exposure:
        return _empty()
    raw = text["visits"]
    subject = visits["SUBJID"].astype(str).str.strip()  # '002 ' is wrong_format's, not a missing dose
    bad = (raw["VISIT"].str.strip() != dictionary.BASELINE) & ~isin_text(subject, first_doses(exposure).index)
    return _problems(ctxs["visits"], bad, "VISIT", "visit_without_dose", raw["VISIT"],
                     "is a visit after baseline, but the subject has no dose of the study treatment in the exposure "
                     "form (no EXSTDT): a missing exposure row? Without one the subject, with every assessment and "
                     "adverse event, would leave the safety and full analysis sets")


def export_timestamp(tables: dict) -> pd.Timestamp:
    """The export's date (form ``study``, ``EXPORTDT``, first row; typed or text), ``NaT`` when it has none.

    >>> export_timestamp({"study": pd.DataFrame({"EXPORTDT": ["2022-01-31"]})}), export_timestamp({})
    (Timestamp('2022-01-31 00:00:00'), NaT)
    """
    study = tables.get("study")
    if study is None or "EXPORTDT" not in study or study.empty:
        return pd.NaT
    return pd.Timestamp(study["EXPORTDT"].iloc[0])


def _check_after_export(typed: dict, text: dict, ctxs: dict, forms: dict) -> pd.DataFrame:
    """Every date of the export on or before the export's own date (form ``study``, ``EXPORTDT``; rule
    ``after_export``): without this rule a mistyped year would put a record after the data cut, which leaves it out."""
    exported = export_timestamp(typed)
    if pd.isna(exported):
        return _empty()
    detail = f"is after the export's date {exported:%Y-%m-%d} (form study, EXPORTDT)"
    return pd.concat([_empty(), *(
        _problems(ctxs[name], (typed[name][v.name] > exported).fillna(False).astype(bool), v.name, "after_export",
                  text[name][v.name], detail)
        for name, form in forms.items() if name != "study" for v in form.variables
        if v.type == "date" and v.name in typed[name])])


def _check_reference_range(labs: pd.DataFrame, text: pd.DataFrame, ctx: _Context) -> pd.DataFrame:
    """A reference range whose lower limit is above its upper limit (swapped in the export): the normal-range
    category and the CTCAE grade (multiples of the upper limit) would read it."""
    if not {"LBORNRLO", "LBORNRHI"} <= set(labs.columns):
        return _empty()
    reversed_ = (labs["LBORNRLO"] > labs["LBORNRHI"]).fillna(False).to_numpy(dtype=bool)
    return _problems(ctx, reversed_, "LBORNRLO", "reversed_range", text["LBORNRLO"], lambda m: (
        "is above the upper limit " + text["LBORNRHI"][m].str.strip() + " (LBORNRHI) of the same result: the limits "
        "swapped? The normal-range category and the CTCAE grade read them"))


def _check_labs(labs: pd.DataFrame, ctx: _Context, typed: pd.DataFrame) -> pd.DataFrame:
    if not {"LBTESTCD", "LBORRES", "LBORRESU"} <= set(labs.columns):
        return _empty()
    test, res = labs["LBTESTCD"], labs["LBORRES"].str.strip()
    known_test = test.isin(list(dictionary.LAB_UNITS))
    unit = dictionary.unit_factors(test, labs["LBORRESU"])[1]  # another spelling (µmol/L, ×10⁹/L, u/l): that unit
    pairs = _unit_pairs(test, unit)  # factor to the standard unit (none for a unit not accepted), impossible limits
    bad_unit = known_test & np.isnan(pairs[0])
    units_text = {t: ", ".join(u or '""' for u in units) for t, units in dictionary.LAB_UNITS.items()}
    qualitative = test.isin(dictionary.QUALITATIVE_TESTS)
    numeric = to_numbers(res.where(res != ""))
    text_only = (res != "") & known_test & ~qualitative & numeric.isna()
    numeric = numeric.fillna(read_flagged_results(res[text_only]))  # 45 H: 45
    text_only &= numeric.isna()
    limits = read_limit_results(res[text_only]).reindex(res.index)
    beyond = limits["sign"].isin(["<", ">"]).to_numpy()
    not_detected = dictionary.read_not_detected(test[text_only], res[text_only]).reindex(res.index, fill_value=False)
    unread = dictionary.read_qualitative(res[qualitative]).isna().reindex(res.index, fill_value=False)
    bad_result = (res != "") & known_test & np.where(qualitative, unread, numeric.isna() & ~beyond & ~not_detected)
    negative = (known_test & ~qualitative & (numeric < 0)).to_numpy()
    flagged = lambda m: test[m]  # noqa: E731 (the test codes of the flagged rows only)
    impossible = {column: _impossible_results(test, unit, values, known_test & ~bad_unit, pairs)
                  for column, values in (("LBORRES", numeric), ("LBORNRLO", typed.get("LBORNRLO")),
                                         ("LBORNRHI", typed.get("LBORNRHI"))) if values is not None}

    def analysed(mask) -> pd.Series:
        below = limits["sign"][mask] == "<"
        return ("is " + below.map({True: "below", False: "above"}) + " the limit of quantification of " + test[mask]
                + below.map({True: ": analysed as half the limit, ", False: ": analysed as the limit, "})
                + limits["value"][mask].map("{:g}".format))
    return pd.concat([
        _problems(ctx, bad_unit, "LBORRESU", "unknown_unit", labs["LBORRESU"],
                  lambda m: "is not an accepted unit of " + flagged(m) + " (accepted: "
                  + flagged(m).map(units_text).fillna("") + ")" + np.where(
                      (flagged(m) == "HBVDNA") & unit[m].str.fullmatch(r"(?i)copies\s*/\s*ml"), HBV_COPIES_SAID, "")),
        _problems(ctx, bad_result, "LBORRES", "lab_result_type", labs["LBORRES"],
                  lambda m: "is not a valid result of " + flagged(m) + np.where(
                      res[m].str.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?"),
                      ": a comma between thousands? Write " + res[m].str.replace(",", "") + np.where(
                          res[m].str.fullmatch(r"\d+,\d+"), " (or, a decimal comma, " + res[m].str.replace(",", ".")
                          + ")", ""),
                      np.where(res[m].str.fullmatch(r"[<>]?\d+,\d+"), ": a decimal comma? Write "
                               + res[m].str.replace(",", ".") + " (a point as the decimal separator)",
                               (": write the number alone (" + res[m].str.extract(
                                   r"^(\d+(?:\.\d+)?)\s*[^\d\s+][^\d+]*$")[0] + "), its unit in LBORRESU"
                                ).fillna("")))),  # not a dipstick's 1+
        _problems(ctx, negative, "LBORRES", "negative_result", labs["LBORRES"],
                  lambda m: "is negative: a result of " + flagged(m) + " cannot be below 0"),
        *(_problems(ctx, found, column, "implausible_result", labs[column],
                    lambda m, standard=standard, column=column: _impossible_said(test[m], unit[m], standard[m], column))
          for column, (found, standard) in impossible.items()),
        _problems(ctx, beyond, "LBORRES", "result_beyond_limit", labs["LBORRES"], analysed),
        _problems(ctx, not_detected, "LBORRES", "result_not_detected", labs["LBORRES"],
                  lambda m: "is a result of " + flagged(m) + " reported as not detected: analysed as 0"),
    ], ignore_index=True)


def _unit_pairs(test: pd.Series, unit: pd.Series) -> tuple:
    """Each row's (test, unit) pair as indices into a table of the few pairs: (row indices of the table,
    per pair: factor to the standard unit, and the limits no patient's result is beyond, ``LAB_IMPOSSIBLE``; the
    last entry missing). 0.03 s for 570,000 rows, where mapping joined texts took 0.3 s."""
    tests, test_names = pd.factorize(test)
    units, unit_names = pd.factorize(unit)
    per_pair = np.full((len(test_names) + 1, len(unit_names) + 1, 3), np.nan)
    for i, t in enumerate(test_names):
        low, high, _ = dictionary.LAB_IMPOSSIBLE.get(t, (None, None, ""))
        for j, u in enumerate(unit_names):
            per_pair[i, j] = (dictionary.LAB_UNITS.get(t, {}).get(u, np.nan),
                              np.nan if low is None else low, np.nan if high is None else high)
    return per_pair[tests, units].T


def _impossible_results(test: pd.Series, unit: pd.Series, values: pd.Series, known, pairs) -> tuple:
    """Values (results or reference limits, in the reported unit) no patient's result can be
    (``dictionary.LAB_IMPOSSIBLE``), among the ``known`` rows (a test and unit of the dictionary): (their mask, every
    value in the standard unit)."""
    factor, low, high = pairs
    standard = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan) * factor
    with np.errstate(invalid="ignore"):
        out = np.asarray(known, dtype=bool) & ((standard < low) | (standard > high))
    return out, pd.Series(standard, index=test.index)


def _impossible_said(test: pd.Series, unit: pd.Series, standard: pd.Series, column: str) -> pd.Series:
    """What ``implausible_result`` says of each flagged value of ``column``."""
    what = "result" if column == "LBORRES" else "reference limit"

    def said(t: str, u: str, value: float) -> str:
        low, high, slip = dictionary.LAB_IMPOSSIBLE[t]
        si = dictionary.LAB_PARAMS[t][1]
        side, limit = ("below", low) if low is not None and value < low else ("above", high)
        converted = f" ({value:g} {si} in the standard unit)" if u != si else ""
        fix = ("Correct the result or its unit (LBORRESU)" if column == "LBORRES" else
               "Correct the limit: the range is in the result's unit (LBORRESU)")
        return f"is {side} {limit:g} {si}{converted}, which no patient's {t} is: a {what} {slip} under {u}? {fix}"
    return pd.Series([said(t, u, v) for t, u, v in zip(test, unit, standard)], index=test.index)


def _check_missed_doses(exposure: pd.DataFrame, text: pd.DataFrame, ctx: _Context) -> pd.DataFrame:
    if not {"EXSTDT", "EXENDT", "EXMISSED"} <= set(exposure.columns):
        return _empty()
    days = (exposure["EXENDT"] - exposure["EXSTDT"]).dt.days + 1
    bad = ((days >= 1) & (exposure["EXMISSED"].astype(float) > days)).fillna(False).astype(bool)
    return _problems(ctx, bad, "EXMISSED", "missed_doses_exceed_days", text["EXMISSED"],
                     "is more than the " + days.astype("Int64").astype(str) + " days from the first to the last dose")


def _check_open_exposure(typed: dict, text: dict, ctxs: dict) -> pd.DataFrame:
    """A period without its last dose (``EXENDT`` blank: still on treatment) of a patient who left the study, or
    followed by a later period."""
    exposure, ds = typed.get("exposure"), typed.get("disposition")
    if exposure is None or not {"SUBJID", "EXSTDT", "EXENDT"} <= set(exposure):
        return _empty()
    open_ = exposure["EXENDT"].isna() & exposure["EXSTDT"].notna()
    last_start = exposure.groupby("SUBJID")["EXSTDT"].transform("max")
    later = last_start > exposure["EXSTDT"]
    left = pd.Series(False, index=exposure.index)
    why = "but a later period of the subject starts on " + last_start.dt.strftime("%Y-%m-%d").fillna("")
    if ds is not None and {"SUBJID", "DSDECOD", "DSSTDT"} <= set(ds):
        end = ds.drop_duplicates("SUBJID").set_index("SUBJID")
        left = lookup(exposure["SUBJID"], end["DSDECOD"]).notna()
        why = why.where(later, "but the subject's end of study is "
                        + lookup(exposure["SUBJID"], end["DSDECOD"]).fillna("").astype(str) + " on "
                        + lookup(exposure["SUBJID"], end["DSSTDT"]).dt.strftime("%Y-%m-%d").fillna("")
                        + " (disposition): the last dose is known")
    return _problems(ctxs["exposure"], (open_ & (later | left)).to_numpy(), "EXENDT", "exposure_end_missing",
                     text["exposure"]["EXENDT"], why)


def _check_overlapping_exposure(exposure: pd.DataFrame, text: pd.DataFrame, ctx: _Context) -> pd.DataFrame:
    """A period starting on or before the last dose of the subject's period before it (by start date)."""
    if not {"SUBJID", "EXSTDT", "EXENDT"} <= set(exposure.columns) or len(exposure) < 2:
        return _empty()
    order = exposure.sort_values(["SUBJID", "EXSTDT"], kind="stable")
    previous_end = order.groupby("SUBJID")["EXENDT"].shift()
    bad = (order["EXSTDT"] <= previous_end).fillna(False).astype(bool).reindex(exposure.index)
    detail = "starts on or before the last dose of the previous period, " + previous_end.reindex(
        exposure.index).dt.strftime("%Y-%m-%d").fillna("")
    return _problems(ctx, bad, "EXSTDT", "overlapping_exposure", text["EXSTDT"], detail)


def period_treatments(exposure: pd.DataFrame, randomisation: pd.DataFrame | None) -> pd.Series:
    """Each exposure period's treatment: ``EXTRT``; blank or absent, the arm randomised (``randomisation`` ``ARM``;
    ``""`` for a subject without one), or without a randomisation form the pilot's single arm (``dictionary.ARM``).
    Typed forms.

    >>> exposure = pd.DataFrame({"SUBJID": ["1", "1", "2"], "EXTRT": ["", "Baricitinib 4 mg + HCQ 400 mg", None]})
    >>> period_treatments(exposure, pd.DataFrame({"SUBJID": ["1"], "ARM": ["HCQ 400 mg"]})).tolist()
    ['HCQ 400 mg', 'Baricitinib 4 mg + HCQ 400 mg', '']
    >>> period_treatments(exposure.drop(columns="EXTRT"), None).tolist()
    ['Baricitinib 2 mg', 'Baricitinib 2 mg', 'Baricitinib 2 mg']
    """
    given = exposure["EXTRT"].fillna("").astype(str) if "EXTRT" in exposure else pd.Series("", index=exposure.index)
    if randomisation is None or "ARM" not in randomisation:
        return given.where(given != "", dictionary.ARM)
    arm = randomisation.drop_duplicates("SUBJID").set_index("SUBJID")["ARM"]
    return given.where(given != "", exposure["SUBJID"].map(arm)).fillna("").astype(str)


def planned_doses(arms: pd.DataFrame) -> pd.Series:
    """The daily dose of baricitinib (mg) planned in each treatment an exposure period may name: the pilot's single arm
    (``dictionary.ARM_DOSES``) and the arms of ``arms`` (``export_arms``), by name.

    >>> planned_doses(dictionary.default_arms()).to_dict()
    {'Baricitinib 2 mg': 2.0, 'HCQ 400 mg': 0.0, 'Baricitinib 4 mg + HCQ 400 mg': 4.0}
    """
    return pd.Series({dictionary.ARM: dictionary.ARM_DOSES[dictionary.ARM],
                      **dict(zip(arms["ARM"].astype(str), arms["DOSE"].astype(float)))}, dtype=float)


def _check_dose_without_baricitinib(typed: dict, text: dict, ctxs: dict, arms: pd.DataFrame) -> pd.DataFrame:
    """A period of a treatment without baricitinib (an arm of ``arms`` of ``DOSE`` 0: ``EXTRT``, blank the arm
    randomised) with a daily dose of baricitinib: its cumulative dose (ADSL ``CUMDOSE``) would count baricitinib in
    the control arm. The treatment and the dose contradict each other, and which is right only the site can say."""
    exposure, rand = typed["exposure"], typed.get("randomisation")
    if "EXDOSE" not in exposure or rand is None or "ARM" not in rand:
        return _empty()
    treatment = period_treatments(exposure, rand)
    bad = (treatment.isin(dictionary.without_baricitinib(arms)) & (exposure["EXDOSE"] > 0)).fillna(False).to_numpy(bool)
    return _problems(ctxs["exposure"], bad, "EXDOSE", "dose_without_baricitinib", text["exposure"]["EXDOSE"],
                     "is a daily dose of baricitinib, but the period's treatment, " + treatment + ", has none: the "
                     "treatment (EXTRT, or the arm randomised) or the dose mistyped?")


def _query_dose_above_arm(typed: dict, text: dict, ctxs: dict, arms: pd.DataFrame) -> pd.DataFrame:
    """A period whose daily dose of baricitinib is above the dose planned in its treatment (``planned_doses``; a
    treatment without baricitinib is ``dose_without_baricitinib``'s): a 2 mg arm recorded at 4 mg. A dose below it
    is a reduction the protocol allows (the label halves it for renal impairment), never queried. A data query: a
    mistyped dose or treatment, or a deviation for the site to confirm."""
    exposure = typed["exposure"]
    if "EXDOSE" not in exposure:
        return _empty()
    treatment = period_treatments(exposure, typed.get("randomisation"))
    planned = treatment.map(planned_doses(arms))
    bad = ((exposure["EXDOSE"] > planned) & (planned > 0)).fillna(False).to_numpy(bool)
    return _problems(ctxs["exposure"], bad, "EXDOSE", "dose_above_arm", text["exposure"]["EXDOSE"], lambda m: (
        "is above the daily dose of baricitinib planned in the period's treatment, " + treatment[m] + " ("
        + planned[m].map(lambda d: f"{d:g}") + " mg): a mistyped dose or treatment, or a deviation to confirm?"))


def baricitinib_runs(exposure: pd.DataFrame, exported=pd.NaT) -> pd.DataFrame:
    """The stretches of days dosed with baricitinib of each subject (typed ``exposure``): its periods of a daily dose
    above 0 (``EXDOSE``; a period of dose 0 is of an arm without baricitinib, or an interruption:
    ``cleaning.interrupted``), a period starting by the day after the last dose of the one before continuing its
    stretch (a dose changed, with no day undosed); a gap of a day or more, or a period of dose 0, ends it
    (docs/decisions.md, "A treatment interruption"). A period still running at the export (``EXENDT`` blank) runs to
    ``exported``, the export's date (``NaT``: its end not known).

    Returns ``SUBJID, START, END, RUNNING`` (``END`` ``NaT`` when not known; ``RUNNING``: a period of the stretch still
    running at the export, ``END`` its date), one row per stretch, by subject and start.

    >>> ex = pd.DataFrame({"SUBJID": "1", "EXDOSE": [4.0, 2.0, 0.0, 4.0],
    ...     "EXSTDT": pd.to_datetime(["2021-01-01", "2021-02-01", "2021-03-01", "2021-03-15"]),
    ...     "EXENDT": pd.to_datetime(["2021-01-31", "2021-02-28", "2021-03-14", None])})
    >>> baricitinib_runs(ex, pd.Timestamp("2021-06-30")).astype(str).values.tolist()
    [['1', '2021-01-01', '2021-02-28', 'False'], ['1', '2021-03-15', '2021-06-30', 'True']]
    """
    dosed = ((exposure["EXDOSE"] > 0).fillna(False) & exposure["EXSTDT"].notna()).astype(bool)
    ex = exposure[dosed].assign(_end=lambda d: d["EXENDT"].fillna(exported)).sort_values(["SUBJID", "EXSTDT"],
                                                                                          kind="stable")
    before = ex.groupby("SUBJID", sort=False)["_end"].shift()  # a subject's first period: NaT, a new stretch
    run = (~(ex["EXSTDT"] <= before + pd.Timedelta(days=1)).fillna(False).astype(bool)).cumsum()
    by = ex.groupby(run, sort=False)
    return pd.DataFrame({"SUBJID": by["SUBJID"].first(), "START": by["EXSTDT"].min(),
                         "END": by["_end"].max().mask(ex["_end"].isna().groupby(run, sort=False).any()),
                         "RUNNING": ex["EXENDT"].isna().groupby(run, sort=False).any()}).reset_index(drop=True)


def _query_continued_below_label(typed: dict, text: dict, ctxs: dict, *, thresholds=ctcae.LAB_INTERRUPTION_THRESHOLDS,
                                 allowance: int = LABEL_ACTION_DAYS) -> pd.DataFrame:
    """Baricitinib continued below the label's threshold (Olumiant SmPC 4.2 and US label, "interrupt" at neutrophils
    < 1.0, lymphocytes < 0.5 x10^9/L or haemoglobin < 80 g/L: ``thresholds``, in the standard unit,
    ``standard_values``): a sample below it after the start of baricitinib (the first day of the subject's first
    stretch dosed with it, ``baricitinib_runs``: the first dose, or the switch to it; a sample on or before that day is
    the start's own, ``eligibility.derive_label_queries``), taken in a stretch dosed with it that ran on more than
    ``allowance`` days after the sample (``LABEL_ACTION_DAYS``): no interruption recorded where the label asks for one.
    One query per subject and test, on the first such sample, saying how many there were (a site gets one question,
    not one a visit). An interruption not recorded, or a deviation for the site to confirm; the analyses take the
    data as recorded. docs/decisions.md, "Baricitinib continued below the label's threshold"."""
    exposure, labs = typed.get("exposure"), text.get("labs")
    if exposure is None or labs is None or not {"SUBJID", "EXDOSE", "EXSTDT", "EXENDT"} <= set(exposure) \
            or not {"SUBJID", "LBTESTCD", "LBORRES", "LBORRESU"} <= set(labs) or "LBDT" not in typed.get("labs", {}):
        return _empty()
    tested = labs["LBTESTCD"].isin(list(thresholds)).to_numpy()
    runs = baricitinib_runs(exposure, export_timestamp(typed))
    if runs.empty or not tested.any():
        return _empty()
    value = standard_values(labs[tested])
    # a result beyond a limit of quantification is surely below the threshold only when reported below a limit at or
    # under it ("<1.0", analysed as half of it; "<1.5" may be 1.2); one above a limit (">0.5") never is
    sign = read_limit_results(labs["LBORRES"][tested].fillna("").astype(str).str.strip())["sign"]
    samples = pd.DataFrame({"_row": np.flatnonzero(tested), "SUBJID": labs["SUBJID"][tested], "SIGN": sign,
                            "TEST": labs["LBTESTCD"][tested], "DATE": typed["labs"]["LBDT"][tested],
                            "AVAL": value.where(sign != "<", value / BELOW_LIMIT_FRACTION).where(sign != ">")})
    threshold = samples["TEST"].map(thresholds).astype(float)
    samples = samples[np.where(samples["SIGN"] == "<", samples["AVAL"] <= threshold, samples["AVAL"] < threshold)]
    started = runs.groupby("SUBJID")["START"].min()  # the first dose of baricitinib, or the switch to it
    on = samples.merge(runs, on="SUBJID")
    on = on[((on["START"] <= on["DATE"]) & (on["DATE"] > on["SUBJID"].map(started))
             & (on["END"] > on["DATE"] + pd.Timedelta(days=allowance))).fillna(False).astype(bool)]
    on = on.sort_values(["SUBJID", "TEST", "DATE", "_row"], kind="stable")
    by = on.groupby(["SUBJID", "TEST"], sort=False)
    first = on.drop_duplicates(["SUBJID", "TEST"]).assign(N=by["DATE"].transform("size"), LAST=by["DATE"].transform(
        "max")).assign(BARI=lambda d: d["SUBJID"].map(started))
    mask = np.zeros(len(labs), dtype=bool)
    mask[first["_row"].to_numpy()] = True
    first = first.set_index(labs.index[first["_row"].to_numpy()])

    def said(m) -> pd.Series:
        row, day = first.loc[labs.index[m]], "%Y-%m-%d"
        more = np.where(row["N"] > 1, ", the first of " + row["N"].astype(str) + " such samples (the last on "
                        + row["LAST"].dt.strftime(day) + ")", "")
        dosed = np.where(row["RUNNING"], "was still dosed at the export (", "was dosed on to ")
        return ("is " + row["TEST"].map(lambda code: voc.in_sentence(voc.param_label(code))) + " "
                + row["SIGN"] + row["AVAL"].map("{:g}".format) + ", below the label's threshold of "
                + row["TEST"].map(thresholds).map("{:g}".format) + " at which baricitinib is interrupted, sampled on "
                + row["DATE"].dt.strftime(day) + more + "; yet baricitinib (started on " + row["BARI"].dt.strftime(day)
                + ") " + dosed + row["END"].dt.strftime(day) + np.where(row["RUNNING"], ")", "")
                + f", more than {allowance} days after that sample, with no interruption in the exposure form: an "
                "interruption not entered, or a deviation to confirm? Analysed as recorded")
    return _problems(ctxs["labs"], mask, "LBORRES", "continued_below_label", labs["LBORRES"], said)


#: The laboratory test monitored in a patient with past hepatitis B (``hbv_dna_not_monitored``).
HBV_DNA_TEST = "HBVDNA"


def _query_hbv_dna_not_monitored(typed: dict, text: dict, ctxs: dict, *, due: int = HBV_DNA_DUE_DAYS) -> pd.DataFrame:
    """A patient with past hepatitis B (``dictionary.past_hepatitis_b``: anti-HBc ``POSITIVE``, HBsAg not ``POSITIVE``,
    ADSL's ``HBVHXFL``, the label's group whose HBV DNA is monitored) whose last day dosed with baricitinib
    (``baricitinib_runs``; a stretch still running at the export: the export's date) is more than ``due`` days
    (``HBV_DNA_DUE_DAYS``) after the first (the first dose, or the switch to it), without an HBV DNA result
    (``HBV_DNA_TEST``, a result entered, detected or not) sampled in the ``due`` days after that first day (a sample on
    the first day is the start's own, taken before the dose). One query per patient, on its demographics row (column
    ``ANTIHBC``), naming the first result after those days and the last on or before the start, if any. A subject with
    a stretch whose end is not known (no export date) is not queried. A result not entered, or monitoring not done, for
    the site to answer; the analyses take the data as recorded (the key findings say when HBV DNA was never
    measured)."""
    demog, exposure, labs = typed.get("demographics"), typed.get("exposure"), typed.get("labs")
    if demog is None or exposure is None or labs is None or not {"SUBJID", "ANTIHBC", "HBSAG"} <= set(demog) \
            or not {"SUBJID", "EXDOSE", "EXSTDT", "EXENDT"} <= set(exposure) \
            or not {"SUBJID", "LBTESTCD", "LBDT", "LBORRES"} <= set(labs):
        return _empty()
    past = dictionary.past_hepatitis_b(demog).to_numpy(bool)
    runs = baricitinib_runs(exposure, export_timestamp(typed))
    if not past.any() or runs.empty:
        return _empty()
    by = runs.groupby("SUBJID")
    start, running = by["START"].min(), by["RUNNING"].any()
    end = by["END"].max().mask(runs["END"].isna().groupby(runs["SUBJID"]).any())  # an end not known: none
    entered = labs["LBORRES"].fillna("").astype(str).str.strip() != ""
    hbv = labs[((labs["LBTESTCD"] == HBV_DNA_TEST) & entered).fillna(False).astype(bool)]
    day = (hbv["LBDT"] - lookup(hbv["SUBJID"], start)).dt.days  # 0: the start's own sample
    in_time = hbv[(day > 0) & (day <= due)]
    later = hbv[day > due].groupby("SUBJID")["LBDT"].min()
    before = hbv[day <= 0].groupby("SUBJID")["LBDT"].max()
    subject = demog["SUBJID"]
    first, last = lookup(subject, start), lookup(subject, end)
    monitored = isin_text(subject, in_time["SUBJID"].unique())
    bad = past & ((last - first).dt.days > due).fillna(False).to_numpy(bool) & ~monitored

    def said(m) -> pd.Series:
        fmt, still = "%Y-%m-%d", lookup(subject[m], running).fillna(False).astype(bool)
        since = ("the first on " + lookup(subject[m], later).dt.strftime(fmt)).fillna("none since")
        earlier = ("the last on or before it on " + lookup(subject[m], before).dt.strftime(fmt)).fillna("none before")
        return (np.where(demog["HBSAG"][m] == "NEGATIVE", "with HBsAg NEGATIVE", "with HBsAg not recorded")
                + " (past hepatitis B), and baricitinib was first dosed on " + first[m].dt.strftime(fmt)
                + np.where(still, " and still at the export on ", ", last on ") + last[m].dt.strftime(fmt)
                + f", yet no HBV DNA result was sampled in the {due} days after its start (" + since + "; " + earlier
                + "): the label asks to monitor HBV DNA in such a patient (guidelines: every 1 to 3 months); a result "
                "not entered, or not measured? Analysed as recorded")
    return _problems(ctxs["demographics"], bad, "ANTIHBC", "hbv_dna_not_monitored", text["demographics"]["ANTIHBC"],
                     said)


#: Letters of Chinese, Japanese and Korean (CJK ideographs and their extensions, kana, hangul), of which no English
#: MedDRA term has any.
CJK_LETTER = "[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]"


def _in_cjk(names: pd.Series) -> pd.Series:
    """A mask of the names with a letter of Chinese, Japanese or Korean (``CJK_LETTER``): a term or drug name of a
    translation, where the analyses read English ones."""
    return names.fillna("").astype(str).str.contains(CJK_LETTER)


def _check_meddra_english(ae: pd.DataFrame, ctx: _Context) -> pd.DataFrame:
    """MedDRA terms in a translation (MedDRA has Chinese and Japanese ones, with the same codes): the adverse events
    of special interest (``safety.AESI_PTS``, the infection and neoplasm system organ classes) are English terms, and
    a translated term would be in none, without a sign (an HBV reactivation coded 乙型肝炎再激活 would not count)."""
    said = ("is not MedDRA's English term: the adverse events of special interest are defined by English terms, and "
            "this event would be in none (a translation of MedDRA has the same codes); export the English term, or "
            "leave it blank (not yet coded)")
    return pd.concat([_problems(ctx, _in_cjk(ae[column]).to_numpy(dtype=bool), column,
                                "meddra_not_english", ae[column], said)
                      for column in ("AEDECOD", "AEBODSYS") if column in ae], ignore_index=True)


#: Medication classes whose records the analyses read by their WHODrug name (``CMDECOD``): hydroxychloroquine at
#: baseline (``cleaning.HYDROXYCHLOROQUINE``) and the glucocorticoids' prednisone equivalents.
CLASSES_READ_BY_NAME = ("GLUCOCORTICOID", "ANTIMALARIAL")


def _check_whodrug_english(typed: dict, text: dict, ctxs: dict) -> pd.DataFrame:
    """WHODrug names in a translation (WHODrug has a Chinese one) of a class the analyses read by name
    (``CLASSES_READ_BY_NAME``), taken during the study: such a record would count in no row (羟氯喹 not as
    hydroxychloroquine at baseline, with a query only). Another class's name is read as exported (the medication
    tables show it)."""
    cm, demog = typed.get("conmeds"), typed.get("demographics")
    if cm is None or demog is None or not {"CMCLAS", "CMDECOD", "CMENDT"} <= set(cm.columns) or "CONSDT" not in demog:
        return _empty()
    translated = _in_cjk(cm["CMDECOD"]) & cm["CMCLAS"].isin(CLASSES_READ_BY_NAME)
    return _problems(ctxs["conmeds"], translated.to_numpy(dtype=bool) & _taken_during_study(cm, demog), "CMDECOD",
                     "whodrug_not_english", text["conmeds"]["CMDECOD"], "is not WHODrug's English name: the analyses "
                     "read English names (hydroxychloroquine at baseline, the glucocorticoids' prednisone "
                     "equivalents); export the English name")


def _taken_during_study(cm: pd.DataFrame, demog: pd.DataFrame) -> np.ndarray:
    """Medication records ongoing, or ending (at the latest day a partial date may be) on or after the informed
    consent: those the tables of medications at the first dose and at each visit may count."""
    consent = lookup(cm["SUBJID"], demog.drop_duplicates("SUBJID").set_index("SUBJID")["CONSDT"])
    end = cm.get("CMENDT" + LAST_SUFFIX, cm["CMENDT"])
    return (end.isna() | ~(end < consent)).to_numpy(dtype=bool)


def _query_antimalarials(typed: dict, text: dict, ctxs: dict) -> pd.DataFrame:
    """An antimalarial taken during the study whose coded name is not hydroxychloroquine's (ADSL ``HCQFL`` counts
    ``cleaning.HYDROXYCHLOROQUINE``): chloroquine, or hydroxychloroquine not coded."""
    from analysis_utils import cleaning  # which imports this module

    cm, demog = typed.get("conmeds"), typed.get("demographics")
    if cm is None or demog is None or not {"CMCLAS", "CMDECOD", "CMENDT"} <= set(cm.columns) or "CONSDT" not in demog:
        return _empty()
    other = ((cm["CMCLAS"] == "ANTIMALARIAL") & ~cm["CMDECOD"].str.upper().isin(cleaning.HYDROXYCHLOROQUINE)
             & ~_in_cjk(cm["CMDECOD"]))  # in Chinese: whodrug_not_english
    return _problems(ctxs["conmeds"], other.to_numpy(dtype=bool) & _taken_during_study(cm, demog), "CMDECOD",
                     "antimalarial_not_counted", text["conmeds"]["CMDECOD"],
                     "is an antimalarial, not hydroxychloroquine by its coded name "
                     f"({', '.join(cleaning.HYDROXYCHLOROQUINE)}): counted in no row of the baseline table "
                     "(hydroxychloroquine at baseline). Another antimalarial, or hydroxychloroquine not coded?")


def _check_glucocorticoid_doses(typed: dict, text: dict, ctxs: dict) -> pd.DataFrame:
    """A glucocorticoid record taken during the study (ongoing, or ending on or after the informed consent: the
    glucocorticoid tables count the records taken at the first dose and at each visit) whose daily dose in prednisone
    equivalents (``cleaning.compute_prednisone_equivalent``) cannot be computed: the tables would sum it as nothing
    (ADSL ``GCDOSEBL`` 0 mg for a patient on it), or the build would stop in the glucocorticoid table."""
    from analysis_utils import cleaning, conmeds  # which import this module

    cm, demog = typed.get("conmeds"), typed.get("demographics")
    columns = {"CMCLAS", "CMDECOD", "CMDOSE", "CMDOSU", "CMDOSFRQ", "CMENDT"}
    if cm is None or demog is None or not columns <= set(cm.columns) or "CONSDT" not in demog:
        return _empty()
    taken = (cm["CMCLAS"] == conmeds.GC_CLASS).to_numpy(dtype=bool) & _taken_during_study(cm, demog)
    drugs = ", ".join(cleaning.PREDNISONE_EQUIVALENT)
    frequencies = ", ".join(cleaning.DOSES_PER_DAY)
    checks = [  # a name in Chinese is whodrug_not_english, not also this
        ("CMDECOD", ~cm["CMDECOD"].str.upper().isin(list(cleaning.PREDNISONE_EQUIVALENT))
         & ~_in_cjk(cm["CMDECOD"]),
         pd.Series(f"is a glucocorticoid without a prednisone equivalent: expected one of {drugs} (the ingredient's "
                   "name, without its salt: PREDNISONE for prednisone acetate)", index=cm.index).where(
             cm["CMDECOD"].fillna("") != "", "is empty (not yet coded), for a glucocorticoid: its prednisone "
                                             f"equivalent needs the drug's name, one of {drugs}")),
        ("CMDOSE", cm["CMDOSE"].isna(), "is empty: the glucocorticoid's daily dose is needed"),
        ("CMDOSU", cm["CMDOSU"].fillna("") != "mg", "is not mg: a glucocorticoid's dose is counted in mg"),
        ("CMDOSFRQ", ~cm["CMDOSFRQ"].isin(list(cleaning.DOSES_PER_DAY)),
         f"is not a regular frequency ({frequencies}): the glucocorticoid's daily dose is needed"),
    ]
    said = (", and the record is taken during the study: the glucocorticoid tables (baseline dose, dose by visit) "
            "would count it as no dose")
    return pd.concat([_problems(ctxs["conmeds"], taken & bad.to_numpy(dtype=bool), column,
                                "glucocorticoid_dose_unknown", text["conmeds"][column], detail + said)
                      for column, bad, detail in checks], ignore_index=True)


def _query_overlapping_medication(typed: dict, text: dict, ctxs: dict) -> pd.DataFrame:
    """A medication record that starts before the end of an earlier record of the same drug (``CMDECOD``) of the
    subject, or while it is ongoing: both count on the days they share, their doses added (a dose changed without
    ending the old record?). A new record starting the day the old one ends is a dose change, not an overlap. With
    a partial date, only an overlap whatever the missing day or month is."""
    cm = typed.get("conmeds")
    if cm is None or not {"SUBJID", "CMDECOD", "CMSPID", "CMSTDT", "CMENDT"} <= set(cm) or len(cm) < 2:
        return _empty()
    ongoing = pd.Timestamp.max.floor("D")
    order = cm.assign(_start=cm.get("CMSTDT" + LAST_SUFFIX, cm["CMSTDT"]), _end=cm["CMENDT"].astype("datetime64[ns]")
                      .fillna(ongoing), _drug=dictionary.one_spelling(cm["CMDECOD"]))
    order = order[order["_drug"] != ""].sort_values(["SUBJID", "_drug", "CMSTDT"], kind="stable")  # coded drugs only
    keys = [order["SUBJID"], order["_drug"]]
    latest_end = order["_end"].groupby(keys, sort=False).cummax().groupby(keys, sort=False).shift()  # of the earlier
    bad = (order["_start"] < latest_end).fillna(False).astype(bool)
    detail = ("starts while an earlier record of " + order["_drug"] + " is taken ("
              + latest_end.dt.strftime("until %Y-%m-%d").where(latest_end != ongoing, "ongoing") + "): on the days "
              "both are taken, their doses are added; a dose changed ends the old record")
    return _problems(ctxs["conmeds"], bad.reindex(cm.index, fill_value=False).to_numpy(), "CMSTDT",
                     "overlapping_medication", text["conmeds"]["CMSTDT"], detail.reindex(cm.index).fillna(""))


#: How far an ESSPRI the eCRF computed may be from the mean of the items: half a unit of the first decimal (16/3 shown
#: as 5.3 or 5.33 agrees; as 5, or 5.4, it does not). An ESSDAI total is an integer and must agree exactly.
CRF_ESSPRI_TOLERANCE = 0.05


def _query_crf_totals(typed: dict, text: dict, ctxs: dict) -> pd.DataFrame:
    """A score the eCRF computed (``dictionary.CRF_TOTALS``) that is not what the items give (``scoring``): the
    analysis uses the items' score. A visit with an item missing or not allowed (an error of its own) is not
    compared."""
    parts = []
    for name, items, allowed, score, tolerance in (
            ("essdai", {ESSDAI_LEVEL_PARAMCD[d]: d for d in ESSDAI_DOMAINS}, scoring.ESSDAI_ALLOWED_LEVELS,
             scoring.compute_essdai, 0),
            ("esspri", {c: i for i, c in ESSPRI_ITEM_PARAMCD.items()},
             dict.fromkeys(ESSPRI_ITEM_PARAMCD, range(scoring.ESSPRI_ITEM_RANGE[0], scoring.ESSPRI_ITEM_RANGE[1] + 1)),
             scoring.compute_esspri, CRF_ESSPRI_TOLERANCE)):
        form, crf = typed.get(name), dictionary.CRF_TOTALS[name]
        if form is None or crf not in form or not set(items) <= set(form) or form[crf].isna().all():
            continue
        values = form[list(items)].rename(columns=items)
        valid = pd.concat([values[i].isin(list(allowed[i])) for i in values], axis=1).all(axis=1)
        computed = pd.Series(np.nan, index=form.index)
        computed[valid] = score(values[valid].astype(float))
        differs = ((form[crf] - computed).abs() > tolerance + 1e-9).fillna(False).to_numpy(dtype=bool)
        parts.append(_problems(ctxs[name], differs, crf, "score_differs", text[name][crf],
                               lambda m, c=computed, n=crf: f"is not the {n} the items give, "
                               + c[m].round(2).map("{:g}".format) + f": the analysis uses the items' {n}"))
    return pd.concat(parts, ignore_index=True) if parts else _empty()


def _check_schedule(schedule: pd.DataFrame, text: pd.DataFrame, ctx: _Context) -> pd.DataFrame:
    """The schedule form: a baseline BL at week 0; each window holds the target day 7 x week + 1; weeks once."""
    if not set(dictionary.SCHEDULE_COLUMNS) <= set(schedule.columns):
        return _empty()
    code = schedule["VISIT"].astype(str).str.strip()
    week = schedule["AVISITN"].astype("Float64")
    is_bl = (code == dictionary.BASELINE).to_numpy()
    parts = [_problems(ctx, is_bl & (week != 0).fillna(False).to_numpy(), "AVISITN", "schedule_baseline",
                       text["AVISITN"], "is the week of the baseline visit BL: it must be 0")]
    if not is_bl.any():
        parts.append(_file_problem(ctx.file, "schedule_baseline", "VISIT",
                                   "the schedule has no baseline visit BL (week 0)"))
    target = week * dictionary.DAYS_PER_WEEK + 1
    outside = ((target < schedule["WINLO"]) | (target > schedule["WINHI"])).fillna(False).astype(bool)
    parts.append(_problems(ctx, outside, "WINLO/WINHI", "schedule_window",
                           text["WINLO"] + " to " + text["WINHI"],
                           "does not hold the target study day " + target.astype("Int64").astype(str)
                           + " of week " + text["AVISITN"]))
    repeated = (week.notna() & week.duplicated(keep="first")).to_numpy(dtype=bool)
    parts.append(_problems(ctx, repeated, "AVISITN", "schedule_window", text["AVISITN"],
                           "is the week of an earlier visit of the schedule"))
    return pd.concat(parts, ignore_index=True)


#: Patients of an arm at least whose every exposure period contradicts the arm's declared dose, for an error
#: (``arm_dose_contradicted``): one patient's dose may be held from the start, or raised; every patient's is the
#: arm's dose mistyped.
ARM_DOSE_PATIENTS = 2


def _dose_contradicted(names: pd.Series, declared: pd.Series, periods: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """For each arm of ``names`` (declared daily dose ``declared``), how the periods of ``periods`` (columns
    ``_TRT``, ``SUBJID``, ``EXDOSE``) that name it, of ``ARM_DOSE_PATIENTS`` patients or more, all contradict that
    dose (``""``: they do not), and of how many patients."""
    by = periods.groupby("_TRT")
    low, high = names.map(by["EXDOSE"].min()), names.map(by["EXDOSE"].max())
    patients = names.map(by["SUBJID"].nunique()).fillna(0).astype(int)
    enough = patients.ge(ARM_DOSE_PATIENTS)
    cases = [enough & declared.gt(0) & high.eq(0), enough & declared.eq(0) & low.gt(0),
             enough & declared.gt(0) & low.gt(declared)]
    said = ["none (EXDOSE 0): an arm without baricitinib has DOSE 0 (its periods would be read as interruptions of "
            "the treatment, moving a switched patient's first dose)",
            "one (EXDOSE from " + low.map(lambda d: f"{d:g}") + " mg): an arm with baricitinib has its daily dose here "
            "(as 0, every period is queried as a dose without baricitinib)",
            "more (EXDOSE from " + low.map(lambda d: f"{d:g}") + " mg): the arm's dose mistyped (as it is, every "
            "period is queried as a dose above the arm's)?"]
    what = np.select([c.fillna(False).to_numpy(dtype=bool) for c in cases], said, "")
    return pd.Series(what, index=names.index), patients


def _check_arms(typed: dict, text: pd.DataFrame, ctx: _Context) -> pd.DataFrame:
    """The arms form: each arm once (in any letter case or spacing) with a code of its own, two arms at least, a
    randomisation form whose patients they are, and no arm whose every period (of ``ARM_DOSE_PATIENTS`` patients or
    more) contradicts its dose: none where it has one, one where it has none, or more than it; queried, a reference
    arm (the lowest code of the arms with patients) with baricitinib beside an arm without it (the control), and an
    arm no patient was randomised to."""
    arms = typed["arms"]
    if not set(dictionary.ARMS_COLUMNS) <= set(arms.columns):
        return _empty()
    code = arms["ARMN"].astype("Float64")
    repeated = (code.notna() & code.duplicated(keep="first")).to_numpy(dtype=bool)
    parts = [_problems(ctx, repeated, "ARMN", "arm_code_repeated", text["ARMN"],
                       "is the code of an earlier arm: each arm has its own, the reference arm's lowest")]
    name = dictionary.one_spelling(arms["ARM"])
    alike = (name.ne("") & name.duplicated(keep="first")).to_numpy(dtype=bool)
    parts.append(_problems(ctx, alike, "ARM", "arms_declared", text["ARM"], "is an earlier arm's name, spelt "
                           "otherwise at most in letter case or spacing: one arm, declared once"))
    if name[name.ne("")].nunique() < 2:
        parts.append(_file_problem(ctx.file, "arms_declared", "ARM", "declares fewer than two arms: a randomised "
                                   "trial compares two or more (a single-arm study has no arms form)"))
    if "randomisation" not in typed:
        parts.append(_file_problem(ctx.file, "arms_declared", "ARM", "declares the arms of a randomised trial, but the "
                                   "export has no randomisation form: add it, or remove the arms form"))
        return pd.concat(parts, ignore_index=True)
    randomised = typed["randomisation"]["ARM"] if "ARM" in typed["randomisation"] else pd.Series(dtype=object)
    every = export_arms(typed)  # with patients or not: a period may name an arm no patient is randomised to
    usable = every[every["ARM"].isin(randomised)]  # the arms the analyses see: those with patients
    control = dictionary.without_baricitinib(usable)
    if control and usable["DOSE"].iloc[0] > 0:
        lowest = (arms["ARM"] == usable["ARM"].iloc[0]).to_numpy(dtype=bool) & ~alike
        parts.append(_problems(ctx, lowest, "ARMN", "reference_not_control", text["ARMN"],
                               f"is the lowest code of an arm with patients, so {usable['ARM'].iloc[0]} is the "
                               f"reference arm of every comparison, though it has baricitinib and {', '.join(control)} "
                               "has none (the control): is the order of the codes meant?"))
    exposure = typed.get("exposure")
    if exposure is not None and {"SUBJID", "EXDOSE", "EXSTDT"} <= set(exposure):
        declared = arms["ARM"].map(dict(zip(every["ARM"], every["DOSE"])))
        periods = exposure.assign(_TRT=period_treatments(exposure, typed["randomisation"]))
        first = periods.sort_values(["SUBJID", "EXSTDT"], kind="stable").drop_duplicates("SUBJID")
        first = first.assign(_TRT=first["SUBJID"].map(typed["randomisation"].drop_duplicates("SUBJID").set_index(
            "SUBJID")["ARM"]) if "ARM" in typed["randomisation"] else first["_TRT"])
        what, patients = _dose_contradicted(arms["ARM"], declared, first)  # each patient's first period, by arm
        also, named = _dose_contradicted(arms["ARM"], declared, periods)  # every period naming the arm
        patients, what = patients.where(what.ne(""), named), what.where(what.ne(""), also)
        bad = what.ne("").to_numpy(dtype=bool) & ~alike
        parts.append(_problems(ctx, bad, "DOSE", "arm_dose_contradicted", text["DOSE"], lambda m: (
            "is the arm's daily dose of baricitinib, but the periods of it of " + patients[m].astype(str)
            + " patients all have " + what[m])))
    empty = (name.ne("") & ~arms["ARM"].isin(randomised)).to_numpy(dtype=bool) & ~alike
    parts.append(_problems(ctx, empty, "ARM", "arm_without_patients", text["ARM"],
                           "has no patient randomised to it: no table or figure shows the arm, and the reference arm "
                           "is the lowest code of the arms with patients (at an interim cut, not yet; else a mistyped "
                           "arm?)"))
    return pd.concat(parts, ignore_index=True)


def _check_screen_failures(typed: dict, text: dict, ctxs: dict) -> pd.DataFrame:
    """A screen failure (``dictionary.SCREEN_FAILURE``: never treated, so not in the safety or full analysis set, and
    not "ongoing" at a data cut) with a dose in the exposure form, or a row in the randomisation form."""
    ds, exposure, rand = typed.get("disposition"), typed.get("exposure"), typed.get("randomisation")
    if ds is None or "DSDECOD" not in ds:
        return _empty()
    failed = (ds["DSDECOD"] == dictionary.SCREEN_FAILURE).to_numpy()
    raw, parts = text["disposition"]["DSDECOD"], [_empty()]
    if exposure is not None and {"SUBJID", "EXSTDT"} <= set(exposure):
        first = first_doses(exposure)
        parts.append(_problems(ctxs["disposition"], failed & isin_text(ds["SUBJID"], first.index), "DSDECOD",
                               "screen_failure_dosed", raw, "but the subject received the study treatment from "
                               + lookup(ds["SUBJID"], first).dt.strftime("%Y-%m-%d").fillna("") + " (exposure form)"))
    if rand is not None and {"SUBJID", "RANDDT"} <= set(rand):
        randdt = rand.drop_duplicates("SUBJID").set_index("SUBJID")["RANDDT"]
        parts.append(_problems(ctxs["disposition"], failed & isin_text(ds["SUBJID"], randdt.index), "DSDECOD",
                               "screen_failure_randomised", raw, "but the subject was randomised"
                               + (" on " + lookup(ds["SUBJID"], randdt).dt.strftime("%Y-%m-%d")).fillna("")
                               + " (randomisation form)"))
    return pd.concat(parts, ignore_index=True)


def _check_randomisation(typed: dict, text: dict, ctxs: dict) -> pd.DataFrame:
    """Randomisation against consent, eligibility and the first dose; every dosed subject randomised."""
    rand, demog, elig, exposure = (typed.get(n) for n in ("randomisation", "demographics", "eligibility", "exposure"))
    if rand is None or not {"SUBJID", "RANDDT"} <= set(rand.columns):
        return _empty()
    ctx, raw = ctxs["randomisation"], text["randomisation"]["RANDDT"]
    parts = []

    def before(other: pd.Series, rule: str, what: str) -> pd.DataFrame:
        when = lookup(rand["SUBJID"], other)
        bad = (rand["RANDDT"] < when).fillna(False).astype(bool)
        return _problems(ctx, bad, "RANDDT", rule, raw, "is before " + what + " on "
                         + when.dt.strftime("%Y-%m-%d").fillna(""))

    if demog is not None and "CONSDT" in demog:
        parts.append(before(demog.drop_duplicates("SUBJID").set_index("SUBJID")["CONSDT"],
                            "randomised_before_consent", "the informed consent"))
    if elig is not None and "ELIGDT" in elig:
        parts.append(before(elig.drop_duplicates("SUBJID").set_index("SUBJID")["ELIGDT"],
                            "randomised_before_eligibility", "the eligibility assessment"))
    if exposure is not None and "EXSTDT" in exposure:
        first = first_doses(exposure)
        randdt = rand.drop_duplicates("SUBJID").set_index("SUBJID")["RANDDT"]
        dosed = demog["SUBJID"].isin(first.index).to_numpy() if demog is not None else np.zeros(0, bool)
        missing = dosed & ~isin_text(demog["SUBJID"], randdt.index)
        parts.append(_problems(ctxs["demographics"], missing, "SUBJID", "not_randomised", demog["SUBJID"],
                               "received the study treatment but has no row in the randomisation form"))
        early = (lookup(rand["SUBJID"], first) < rand["RANDDT"]).fillna(False).astype(bool)
        parts.append(_problems(ctx, early, "RANDDT", "dosed_before_randomisation", raw,
                               "is after the first dose on " + lookup(rand["SUBJID"], first).dt.strftime(
                                   "%Y-%m-%d").fillna("")))
        ds = typed.get("disposition")
        if ds is not None and {"SUBJID", "DSDECOD", "DSSTDT"} <= set(ds.columns):
            ended = ds.dropna(subset=["DSDECOD"]).drop_duplicates("SUBJID").set_index("SUBJID")
            ended = ended[ended["DSDECOD"] != dictionary.SCREEN_FAILURE]  # a screen failure randomised has its own
            left = (isin_text(rand["SUBJID"], ended.index) & ~isin_text(rand["SUBJID"], first.index)
                    & rand["RANDDT"].notna().to_numpy())
            parts.append(_problems(ctx, left, "RANDDT", "randomised_not_dosed", raw, lambda m: (
                "is the randomisation of a patient whose study ended ("
                + lookup(rand.loc[m, "SUBJID"], ended["DSDECOD"]).astype(str) + " on "
                + lookup(rand.loc[m, "SUBJID"], ended["DSSTDT"]).dt.strftime("%Y-%m-%d").fillna("no date")
                + ") without a dose in the exposure form: the patient is outside "
                "the full analysis and safety sets, with every assessment and adverse event (ICH E9 allows leaving "
                "out a randomised patient never treated); a missing exposure row?")))
        if "EXTRT" in exposure and "ARM" in rand:
            first_trt = exposure.dropna(subset=["EXSTDT"]).sort_values(["SUBJID", "EXSTDT"], kind="stable")
            first_trt = first_trt.drop_duplicates("SUBJID").set_index("SUBJID")["EXTRT"].fillna("")
            taken = rand["SUBJID"].map(first_trt).fillna("")
            other = ((taken != "") & (taken != rand["ARM"].fillna(""))).to_numpy()
            parts.append(_problems(ctx, other, "ARM", "treated_not_as_randomised", text["randomisation"]["ARM"],
                                   "is the arm randomised to, but the first treatment taken is " + taken))
    return pd.concat(parts, ignore_index=True) if parts else _empty()


# ---------------------------------------------------------------------------------------------
# Queries
# ---------------------------------------------------------------------------------------------

def _switches(typed: dict, schedule: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series, pd.Series] | None:
    """Each switch of the export (the first dose of a later exposure period with another treatment, ``EXTRT``; blank
    is the arm randomised), found by the rule of ADSL's ``TR02SDT`` (``cleaning.derive_treatment``), which validation
    cannot call (cleaning imports validation): a change to one is a change to both. ``None`` without a switch (or a
    form or column to find one); else (switches: the exposure row ``_line``, the treatment switched from ``_from``,
    the date of the visit of the switch week ``_visit`` (``dictionary.SWITCH_WEEK``) and the study day ``_day``; each
    exposure row's treatment; that visit's row of the schedule)."""
    exposure, visits = typed.get("exposure"), typed.get("visits")
    week = schedule.loc[schedule["AVISITN"] == dictionary.SWITCH_WEEK]
    if exposure is None or "EXTRT" not in exposure or "randomisation" not in typed or week.empty \
            or not {"SUBJID", "EXSTDT"} <= set(exposure):
        return None
    rand = typed["randomisation"]
    arm = exposure["SUBJID"].map(rand.drop_duplicates("SUBJID").set_index("SUBJID")["ARM"]) if "ARM" in rand \
        else pd.Series("", index=exposure.index)
    taken = exposure["EXTRT"].fillna("").astype(str)
    taken = taken.where(taken != "", arm.fillna(""))  # blank: the arm randomised
    ex = exposure.assign(_line=np.arange(len(exposure)), _trt=taken).dropna(subset=["EXSTDT"]).sort_values(
        ["SUBJID", "EXSTDT"], kind="stable")
    first_trt = ex.groupby("SUBJID", sort=False)["_trt"].transform("first")
    switch = ex.assign(_from=first_trt)[ex["_trt"] != first_trt].drop_duplicates("SUBJID")
    if switch.empty:
        return None
    code = week["VISIT"].iloc[0]
    dated = visits.loc[visits["VISIT"] == code].dropna(subset=["VISITDT"]).drop_duplicates("SUBJID") \
        .set_index("SUBJID")["VISITDT"] if visits is not None else pd.Series(dtype="datetime64[ns]")
    switch = switch.assign(_visit=lookup(switch["SUBJID"], dated),
                           _day=_study_day(switch["EXSTDT"], lookup(switch["SUBJID"], first_doses(exposure))))
    return switch, taken, week.iloc[0]


def _is_early(switch: pd.DataFrame, winlo: float) -> pd.Series:
    """A switch before the visit of the switch week: before its date, or without one before its window's first day."""
    return ((switch["EXSTDT"] < switch["_visit"]).fillna(False)
            | (switch["_visit"].isna() & (switch["_day"] < winlo).fillna(False))).astype(bool)


def _query_early_switch(typed: dict, text: dict, ctxs: dict, schedule: pd.DataFrame) -> pd.DataFrame:
    """A switch (``_switches``) before the visit of the switch week (``dictionary.SWITCH_WEEK``): the protocol
    switches control non-responders after their week-12 assessment, so a switch before it puts the primary endpoint
    after the new treatment. Measured against that visit's date, or, where the visit has none, against the first day
    of its window (study day, from the first dose). A data query: a mistyped date, or a deviation for the statistical
    analysis plan to handle."""
    if (found := _switches(typed, schedule)) is None:
        return _empty()
    switch, taken, week = found
    switch = switch[_is_early(switch, week["WINLO"])]
    mask = np.zeros(len(typed["exposure"]), dtype=bool)
    mask[switch["_line"].to_numpy()] = True
    when = pd.Series("", index=typed["exposure"].index)
    when.iloc[switch["_line"].to_numpy()] = np.where(
        switch["_visit"].notna(),
        f"the {week['AVISIT']} visit on " + switch["_visit"].dt.strftime("%Y-%m-%d").fillna(""),
        f"the {week['AVISIT']} visit's window (from study day {week['WINLO']:g}; on study day "
        + switch["_day"].astype(str) + ")")
    return _problems(ctxs["exposure"], mask, "EXSTDT", "early_switch", text["exposure"]["EXSTDT"], lambda m: (
        "is the first dose of " + taken[m] + " (a switch), before " + when[m]
        + f": the protocol switches after the week-{dictionary.SWITCH_WEEK} assessment, so that visit's values, the "
        "primary endpoint, would be after the new treatment (a mistyped date, or a deviation?)"))


def _query_unplanned_switch(typed: dict, text: dict, ctxs: dict, schedule: pd.DataFrame,
                            arms: pd.DataFrame) -> pd.DataFrame:
    """A switch (``_switches``) the protocol does not plan, by the first of these that holds: from a treatment with
    baricitinib (only a control arm, of ``arms`` without baricitinib, switches; a stop of baricitinib is recorded as
    a period of the treatment continued), with no visit of the switch week (no assessment to switch on; one before
    that visit's window is ``early_switch``), or after that visit's window (its last day, ``WINHI``: the visits
    before it count as before the switch, ``arms.post_switch``). A data query: a deviation, or a mistyped treatment
    or date."""
    if (found := _switches(typed, schedule)) is None:
        return _empty()
    switch, taken, week = found
    label, reasons = week["AVISIT"], pd.Series("", index=switch.index, dtype=object)
    control = dictionary.without_baricitinib(arms)
    for reason, holds in (
            ("from a treatment with baricitinib: the protocol switches only patients of the control arm "
             f"({', '.join(control) or 'none: no arm is without baricitinib'})", ~switch["_from"].isin(control)),
            (f"without a {label} visit: the protocol switches on the week-{dictionary.SWITCH_WEEK} assessment",
             switch["_visit"].isna() & ~_is_early(switch, week["WINLO"])),
            (f"after the {label} visit's window (to study day {week['WINHI']:g}; on study day "
             + switch["_day"].astype(str) + "): the visits before it are analysed as before the switch",
             (switch["_day"] > week["WINHI"]).fillna(False))):
        fill = holds.to_numpy(dtype=bool) & reasons.eq("").to_numpy()
        reasons[fill] = reason if isinstance(reason, str) else reason[fill]
    why = pd.Series("", index=typed["exposure"].index, dtype=object)
    why.iloc[switch["_line"].to_numpy()] = reasons.to_numpy()
    return _problems(ctxs["exposure"], why.ne("").to_numpy(), "EXSTDT", "unplanned_switch", text["exposure"]["EXSTDT"],
                     lambda m: "is the first dose of " + taken[m] + " (a switch) " + why[m] + " (a deviation, or a "
                               "mistyped treatment or date?)")


def _query_stratum(text: dict, ctxs: dict) -> pd.DataFrame:
    """A blank ``STRATUM`` in a randomisation form whose other rows have one. The between-arm analyses stratify by
    the randomisation's stratum only when every patient of the full analysis set has one (``arms.strata_variable``,
    which cleaning's ADSL feeds and validation cannot call); otherwise by centre, which this query makes known."""
    rand = text.get("randomisation")
    if rand is None or "STRATUM" not in rand or "randomisation" not in ctxs:
        return _empty()
    blank = rand["STRATUM"].fillna("").str.strip().eq("")
    if blank.all() or not blank.any():
        return _empty()
    return _problems(ctxs["randomisation"], blank.to_numpy(), "STRATUM", "stratum_missing", rand["STRATUM"],
                     f"is empty while {int((~blank).sum())} other patients have a stratum: once the patient is dosed "
                     "(in the full analysis set), the between-arm analyses are stratified by centre (SITEID), not by "
                     "the strata of the randomisation")


#: A word of a stratum, as it may name a centre: "CENTRE 01".
_WORD = re.compile(r"[0-9A-Za-z]+")


def _site_key(word: str) -> str:
    """A centre as a word names it: a number without its leading zeros (``01`` is ``1``), else in capitals.

    >>> _site_key("01"), _site_key("0"), _site_key("pumch")
    ('1', '0', 'PUMCH')
    """
    return (word.lstrip("0") or "0") if word.isdigit() else word.upper()


def _centres_agree(own: pd.Series, named: pd.Series) -> bool:
    """Whether the patients (``own``, their centres; blank left out) mostly name their own centre (``named``,
    aligned), and those of two centres or more do: the export's convention, not one large centre's numbers (subjects
    101-187 at centres 1 and 2) nor a number that is no centre (strata ``ESSDAI < 5`` beside a centre 05). A centre
    of one patient, named wrongly, leaves it standing."""
    kept = own.ne("").to_numpy()
    same = pd.Series((named.to_numpy() == own.to_numpy())[kept])
    by_centre = same.groupby(own.to_numpy()[kept]).mean()
    return bool(same.mean() > 0.5) and int((by_centre > 0.5).sum()) >= 2


def _query_sites(text: dict, ctxs: dict) -> pd.DataFrame:
    """Centres named twice for a patient, and not alike, where the export names its centres so: a stratum naming
    another centre than the patient's SITEID (``stratum_other_site``), where every stratum names exactly one of the
    export's centres as a word (``CENTRE 02``, ``Centre 2``) and the patients mostly have their own centre's stratum;
    a subject number that starts with another centre's SITEID (``subject_other_site``, ``02003`` at centre 01), where
    the centres' numbers are of one length and the subject numbers mostly start with their own centre's, two digits or
    more after it (``_centres_agree``: in two centres or more). A patient's SITEID is demographics';
    the strata of a subject number given at several centres (which stops the build, ``duplicate_key``) are not
    compared."""
    demog = text["demographics"]
    if "SITEID" not in demog or "SUBJID" not in demog:
        return _empty()
    written = demog["SITEID"].fillna("").str.strip()
    own = written.map(_site_key)
    sites = dict(zip(own, written))
    sites.pop("", None)
    if len(sites) < 2:
        return _empty()
    found = [_empty()]
    subjid, length = demog["SUBJID"].fillna("").str.strip(), written[written.ne("")].str.len().unique()
    if len(length) == 1:
        prefix = subjid.str[:int(length[0])].where(subjid.str.len() >= length[0] + 2, "")
        if _centres_agree(written, prefix):
            other = prefix.isin(list(sites.values())) & written.ne("") & prefix.ne(written)
            found.append(_problems(ctxs["demographics"], other.to_numpy(), "SUBJID", "subject_other_site",
                                   demog["SUBJID"], lambda m: "starts with centre " + prefix[m] + "'s number, while "
                                   "the patient's centre (SITEID) is " + written[m] + ", as most subject numbers start "
                                   "with their own centre's: a mistyped centre or subject number? The analyses take "
                                   "SITEID"))
    rand = text.get("randomisation")
    if rand is None or "STRATUM" not in rand or "SUBJID" not in rand or "randomisation" not in ctxs:
        return _sorted(found)
    strata = rand["STRATUM"].fillna("").str.strip()
    named = {s: {k for w in _WORD.findall(s) if (k := _site_key(w)) in sites} for s in strata.unique() if s}
    if not named or any(len(centres) != 1 for centres in named.values()):
        return _sorted(found)
    once = ~demog["SUBJID"].duplicated(keep=False)
    patient = rand["SUBJID"].map(dict(zip(demog.loc[once, "SUBJID"], own[once]))).fillna("")
    stratum = strata.map(lambda s: next(iter(named[s])) if s else "")
    if not _centres_agree(patient.where(stratum.ne(""), ""), stratum):
        return _sorted(found)
    other = (stratum.ne("") & patient.ne("") & stratum.ne(patient)).to_numpy()
    found.append(_problems(ctxs["randomisation"], other, "STRATUM", "stratum_other_site", rand["STRATUM"],
                           lambda m: "names centre " + stratum[m].map(sites) + ", while the patient's centre "
                           "(demographics, SITEID) is " + patient[m].map(sites) + ", as most patients' strata name "
                           "their centre: randomised in another centre's stratum, or a mistyped centre? The analyses "
                           "take the stratum as randomised"))
    return _sorted(found)


#: What the values of each ``dictionary.ONE_SPELLING`` column are, in the ``spelled_as_another`` query.
_SPELLED_WHAT = MappingProxyType({"STRATUM": "strata", "AEDECOD": "preferred terms",
                                  "AEBODSYS": "system organ classes", "CMDECOD": "drug names"})


def _query_spellings(text: dict, ctxs: dict) -> pd.DataFrame:
    """A value of a column that groups the analyses (``dictionary.ONE_SPELLING``) spelled as another value of the
    column in another letter case, which the analysis datasets read as that one (``dictionary.one_spelling``). Spaces
    are not compared: they are read as single spaces, as one cannot see them (a column written with two spaces
    throughout would be a query on every row)."""
    found = [_empty()]
    for form, columns in dictionary.ONE_SPELLING.items():
        frame = text.get(form)
        for column in (c for c in columns if frame is not None and c in frame and form in ctxs):
            written = frame[column].fillna("").str.split().str.join(" ")
            read = dictionary.one_spelling(written)
            spelled = written.ne(read)
            if spelled.any():
                rows = read.map(written[~spelled].value_counts()).fillna(0).astype(int).astype(str)
                found.append(_problems(ctxs[form], spelled.to_numpy(), column, "spelled_as_another", frame[column],
                                       "is read as '" + read + "', as " + rows + " other rows have it: "
                                       f"{_SPELLED_WHAT[column]} that differ only in letter case are one"))
    return pd.concat(found, ignore_index=True)


def _study_day(dates: pd.Series, first_dose: pd.Series) -> pd.Series:
    """Study days (no day 0) as integers, missing without a first dose (a message says day 38, not 38.0)."""
    days = (dates - first_dose).dt.days.astype("Int64")
    return days + (days >= 0).astype("Int64")


def first_doses(exposure: pd.DataFrame) -> pd.Series:
    """Return each subject's first dose date (the earliest ``EXSTDT`` of its exposure periods), by SUBJID.

    >>> ex = pd.DataFrame({"SUBJID": ["001", "001", "002"],
    ...                    "EXSTDT": pd.to_datetime(["2021-09-20", "2021-06-28", None])})
    >>> first_doses(ex).dt.strftime("%Y-%m-%d").to_dict()
    {'001': '2021-06-28'}
    """
    return exposure.dropna(subset=["EXSTDT"]).groupby("SUBJID", sort=True)["EXSTDT"].min()


def _allowed_arms(tables: dict, declared: pd.DataFrame | None) -> pd.DataFrame:
    """The arms an export's randomisation (``ARM``) and exposure (``EXTRT``) forms may name (``dictionary.forms_for``):
    those of its ``arms`` form (``declared``); without one, the follow-on trial's (``dictionary.default_arms``) in a
    randomised export, and the pilot's single arm (``dictionary.ARM``) in a single-arm one (no randomisation form).
    Never the single arm in a randomised export: a period of it has no arm code (ADSL ``TRT01AN``), nor an arm of the
    follow-on trial in a single-arm one.

    >>> _allowed_arms({}, None)["ARM"].tolist(), _allowed_arms({"randomisation": None}, None)["ARM"].tolist()
    (['Baricitinib 2 mg'], ['HCQ 400 mg', 'Baricitinib 4 mg + HCQ 400 mg'])
    """
    if declared is not None:  # without its ARM column (an error of the structure), no arm
        return declared if "ARM" in declared else pd.DataFrame({"ARM": pd.Series(dtype=object)})
    if "randomisation" in tables:
        return dictionary.default_arms()
    return pd.DataFrame({"ARM": [dictionary.ARM]})


def export_arms(typed: dict) -> pd.DataFrame:
    """Return the arms of an export: its ``arms`` form, else ``dictionary.default_arms()``.

    Rows with a missing name, code or dose (values validation rejected) are left out; sorted by code (ARMN). An
    ``arms`` form without any usable row gives the default arms.

    >>> export_arms({})["ARM"].tolist()
    ['HCQ 400 mg', 'Baricitinib 4 mg + HCQ 400 mg']
    >>> export_arms({"arms": pd.DataFrame({"ARM": ["Bari 4 mg", "Placebo"], "ARMN": [2, 0], "DOSE": [4.0, 0.0]})}
    ...             ).values.tolist()
    [['Placebo', 0, 0.0], ['Bari 4 mg', 2, 4.0]]
    """
    return _design_rows(typed, "arms", "ARMN", dictionary.default_arms,
                        {"ARM": str, "ARMN": "int64", "DOSE": "float64"})


def _design_rows(typed: dict, name: str, order: str, default, types: dict) -> pd.DataFrame:
    """The usable rows of the design form ``name`` of an export (``schedule``, ``arms``): its columns, every value
    present (validation rejected the others), the key (the first column) not blank and once, sorted by ``order`` and
    typed as ``types``; ``default()`` without the form, a column of it, or a usable row."""
    columns = list(dictionary.FORMS[name].columns)
    frame = typed.get(name)
    if frame is None or not set(columns) <= set(frame.columns):
        return default()
    frame = frame[columns].dropna()
    frame = frame[frame[columns[0]].astype(str).str.strip() != ""]
    if frame.empty:
        return default()
    return frame.drop_duplicates(columns[0]).sort_values(order, kind="stable").reset_index(drop=True).astype(types)


def export_schedule(typed: dict) -> pd.DataFrame:
    """Return the visit schedule of an export: its ``schedule`` form, else ``dictionary.default_schedule()``.

    Rows with a missing code, week or window (values validation rejected) are left out; sorted by
    week (AVISITN). A ``schedule`` form without any usable row gives the default schedule.

    >>> export_schedule({})["VISIT"].tolist()
    ['BL', 'W12', 'W24']
    """
    return _design_rows(typed, "schedule", "AVISITN", dictionary.default_schedule,
                        {"VISIT": str, "AVISIT": str, "AVISITN": "int64", "WINLO": "int64", "WINHI": "int64"})


def final_visit(schedule: pd.DataFrame) -> str:
    """Return the code of the last scheduled visit (the highest week).

    >>> final_visit(dictionary.default_schedule())
    'W24'
    """
    return str(schedule.sort_values("AVISITN", kind="stable")["VISIT"].iloc[-1])


def _query_windows(typed: dict, text: dict, ctxs: dict, schedule: pd.DataFrame) -> pd.DataFrame:
    visits, exposure = typed.get("visits"), typed.get("exposure")
    if visits is None or exposure is None or not {"VISITDT", "VISIT"} <= set(visits) or "EXSTDT" not in exposure:
        return _empty()
    first = lookup(visits["SUBJID"], first_doses(exposure))
    day = _study_day(visits["VISITDT"], first)
    lo = visits["VISIT"].map(dict(zip(schedule["VISIT"], schedule["WINLO"])))
    hi = visits["VISIT"].map(dict(zip(schedule["VISIT"], schedule["WINHI"])))
    bad = ((day < lo) | (day > hi)).fillna(False).astype(bool)
    detail = ("is on study day " + day.astype(str) + ", outside the window day " + lo.astype("Int64").astype(str)
              + " to " + hi.astype("Int64").astype(str))
    return _problems(ctxs["visits"], bad, "VISITDT", "visit_window", text["visits"]["VISITDT"], detail)


def _query_sample_windows(typed: dict, text: dict, ctxs: dict, schedule: pd.DataFrame) -> pd.DataFrame:
    """A laboratory sample of a post-baseline scheduled visit dated further from that visit's date (visits form) than
    half its window (the schedule's: 14 days for the pilot's weeks 12 and 24). It is analysed at its visit code all the
    same (docs/decisions.md, "Visit windows"), so that a sample of another visit coded W12, or a mistyped date, would
    give a false change from baseline. A sample near a visit out of its own window is that visit's query
    (``visit_window``). A baseline sample may be drawn days before its visit (screening): it is queried before the
    baseline window (the schedule's first day, study day -28 for the pilot, counted from the first dose), as a
    sample of routine care before the study or a mistyped date would be the baseline, and after the first dose
    (``baseline_after_first_dose``)."""
    labs, visits = typed.get("labs"), typed.get("visits")
    if labs is None or visits is None or not {"VISIT", "LBDT"} <= set(labs) or not {"VISIT", "VISITDT"} <= set(visits) \
            or len(labs.index) == 0:
        return _empty()
    half = ((schedule["WINHI"] - schedule["WINLO"]) / 2).where(schedule["VISIT"] != dictionary.BASELINE)
    visit, codes = pd.factorize(labs["VISIT"])  # a few codes: the half-width by code, not by row
    width = np.append(half.set_axis(schedule["VISIT"]).reindex(codes).to_numpy(dtype=float), np.nan)[visit]
    dated = visits.dropna(subset=["VISITDT"]).drop_duplicates(["SUBJID", "VISIT"])
    keys = [pd.factorize(pd.concat([labs[c], dated[c]], ignore_index=True))[0].astype(np.int64)
            for c in ("SUBJID", "VISIT")]  # (subject, visit) as one integer: 0.05 s for 570,000 samples
    key = keys[0] * (keys[1].max() + 1) + keys[1]
    found = pd.Index(key[len(labs):]).get_indexer(key[:len(labs)])
    visit_date = pd.Series(np.append(dated["VISITDT"].to_numpy(dtype="datetime64[ns]"),
                                     np.datetime64("NaT"))[found], index=labs.index)
    apart = (labs["LBDT"] - visit_date).dt.days.to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        bad = np.abs(apart) > width
    baseline = schedule.set_index("VISIT").reindex([dictionary.BASELINE]).iloc[0]  # none: a schedule's error
    at_baseline = (labs["VISIT"] == dictionary.BASELINE).to_numpy()
    day = np.full(len(labs), np.nan)
    if "exposure" in typed and "EXSTDT" in typed["exposure"] and at_baseline.any() and pd.notna(baseline["WINLO"]):
        base = labs[at_baseline]
        day[at_baseline] = _study_day(base["LBDT"], lookup(base["SUBJID"], first_doses(typed["exposure"]))).to_numpy(
            dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        early = day < baseline["WINLO"]
    return pd.concat([_problems(ctxs["labs"], bad, "LBDT", "sample_window", text["labs"]["LBDT"], lambda m: (
        "is " + pd.Series(np.abs(apart[m]), index=labs.index[m]).astype(int).astype(str) + " days "
        + pd.Series(np.where(apart[m] < 0, "before", "after"), index=labs.index[m]) + " the "
        + labs["VISIT"][m].map(dict(zip(schedule["VISIT"], schedule["AVISIT"]))) + " visit ("
        + visit_date[m].dt.strftime("%Y-%m-%d") + "), more than half "
        "its window (" + pd.Series(width[m], index=labs.index[m]).map("{:g}".format) + " days): analysed at that "
        "visit all the same (a sample of another visit, or a mistyped date?)")),
        _problems(ctxs["labs"], early, "LBDT", "sample_window", text["labs"]["LBDT"], lambda m: (
            "is on study day " + pd.Series(day[m], index=labs.index[m]).astype(int).astype(str) + ", before the "
            f"baseline window (day {baseline['WINLO']:g} to {baseline['WINHI']:g}): analysed as the baseline all the "
            "same (a sample of routine care before the study, or a mistyped date?)"))], ignore_index=True)


#: The CTCAE grade of a fatal adverse event (grade 5: death related to the adverse event, CTCAE v5.0).
FATAL_GRADE = 5
#: The action taken with the study treatment of an adverse event after which it was stopped for good (CDISC codelist
#: ACN, C66767: DRUG WITHDRAWN); an event after the last dose has NOT APPLICABLE (``withdrawn_after_last_dose``).
ACTION_WITHDRAWN = "DRUG WITHDRAWN"


def _query_deaths(typed: dict, text: dict, ctxs: dict) -> pd.DataFrame:
    """A death recorded one way and not another: a fatal outcome not of grade 5 or the reverse; a fatal adverse event
    of a subject whose end of study is not DEATH; a visit after the end of a fatal adverse event (the death)."""
    ae, ds, visits = typed.get("adverse_events"), typed.get("disposition"), typed.get("visits")
    if ae is None or not {"SUBJID", "AEOUT", "AETOXGR", "AEENDT"} <= set(ae):
        return _empty()
    fatal_outcome, died = dictionary.OUTCOME_FATAL, dictionary.DISPOSITION_DEATH
    fatal = (ae["AEOUT"] == fatal_outcome).to_numpy()
    grade = ae["AETOXGR"].astype("Float64")
    parts = [_empty(), _problems(ctxs["adverse_events"], fatal & (grade < FATAL_GRADE).fillna(False).to_numpy(),
                                 "AETOXGR", "fatal_grade_mismatch", text["adverse_events"]["AETOXGR"],
                                 f"is not grade {FATAL_GRADE} (death) but the outcome is {fatal_outcome}"),
             _problems(ctxs["adverse_events"], ~fatal & (grade == FATAL_GRADE).fillna(False).to_numpy()
                       & ae["AEOUT"].notna().to_numpy(), "AEOUT", "fatal_grade_mismatch",
                       text["adverse_events"]["AEOUT"],
                       f"is not {fatal_outcome} but the grade is {FATAL_GRADE} (death)")]
    if ds is not None and {"SUBJID", "DSDECOD"} <= set(ds):
        end = ds.drop_duplicates("SUBJID").set_index("SUBJID")["DSDECOD"]
        status = lookup(ae["SUBJID"], end)
        parts.append(_problems(ctxs["adverse_events"], fatal & (status != died).to_numpy(), "AEOUT",
                               "death_not_in_disposition", text["adverse_events"]["AEOUT"],
                               "but the end of study is " + status.fillna("not recorded").astype(str)
                               + f" (disposition), not {died}"))
    if ds is not None and {"SUBJID", "DSDECOD"} <= set(ds) and "AEACN" in ae:
        withdrawn = ae.loc[(ae["AEACN"] == ACTION_WITHDRAWN).to_numpy(), "SUBJID"]
        parts.append(_problems(ctxs["disposition"], ((ds["DSDECOD"] == "ADVERSE EVENT").to_numpy()
                                                     & ~ds["SUBJID"].isin(withdrawn).to_numpy()), "DSDECOD",
                               "discontinued_without_adverse_event", text["disposition"]["DSDECOD"],
                               "but no adverse event of the subject has the action DRUG WITHDRAWN: the disposition "
                               "table counts a discontinuation for an adverse event that the adverse events leading to "
                               "discontinuation do not (the action not yet recorded, or another reason?)"))
    if "AESER" in ae:  # ICH E2A: an event that results in death is serious, whatever else is recorded
        deadly = fatal | (grade == FATAL_GRADE).fillna(False).to_numpy()
        parts.append(_problems(ctxs["adverse_events"], deadly & (ae["AESER"] == "N").to_numpy(), "AESER",
                               "fatal_not_serious", text["adverse_events"]["AESER"],
                               "but the event is fatal (outcome or grade 5), and an event that results in death is "
                               "serious (ICH E2A): the serious adverse events would not count it"))
    if visits is not None and {"SUBJID", "VISITDT"} <= set(visits) and fatal.any():
        died = ae[fatal].dropna(subset=["AEENDT"]).groupby("SUBJID")["AEENDT"].min()
        death = lookup(visits["SUBJID"], died)
        parts.append(_problems(ctxs["visits"], (visits["VISITDT"] > death).fillna(False).to_numpy(), "VISITDT",
                               "visit_after_death", text["visits"]["VISITDT"],
                               "is after the end of the subject's fatal adverse event on "
                               + death.dt.strftime("%Y-%m-%d").fillna("")))
    return pd.concat(parts, ignore_index=True)


def last_treatment_days(exposure: pd.DataFrame) -> pd.Series:
    """Each dosed subject's last day of study treatment in the exposure form (typed), by SUBJID: the latest last dose
    (``EXENDT``) of its periods, a period of daily dose 0 included (an arm without baricitinib, or an interruption,
    during which the drug may still be withdrawn); none for a subject with a period still running at the export
    (``EXENDT`` blank: on treatment).

    >>> ex = pd.DataFrame({"SUBJID": ["1", "1", "2", "2"], "EXSTDT": pd.to_datetime(["2021-01-01", "2021-03-01",
    ...     "2021-01-05", "2021-02-01"]), "EXENDT": pd.to_datetime(["2021-02-28", "2021-03-14", "2021-01-31", None])})
    >>> last_treatment_days(ex).dt.strftime("%Y-%m-%d").to_dict()
    {'1': '2021-03-14'}
    """
    dosed = exposure.dropna(subset=["EXSTDT"])
    running = pd.Index(dosed.loc[dosed["EXENDT"].isna(), "SUBJID"].unique())
    last = dosed.groupby("SUBJID", sort=True)["EXENDT"].max()
    return last[~last.index.isin(running)]


#: Days after the last dose on which an adverse event whose action is DRUG WITHDRAWN may start: a daily drug stopped
#: because of an event leaves the event's onset on the first day without a dose, the day after the last (the pilot's
#: hepatitis B reactivation of 01-007, found on 2021-08-09, the last dose on 2021-08-08). A later onset is
#: ``withdrawn_after_last_dose``.
WITHDRAWN_ONSET_DAYS = 1


def _query_withdrawn_after_last_dose(typed: dict, text: dict, ctxs: dict) -> pd.DataFrame:
    """An adverse event whose action is ``ACTION_WITHDRAWN`` that starts (``AESTDT``; a partial date: the first day it
    may be, so the event surely started after) more than ``WITHDRAWN_ONSET_DAYS`` after the subject's last day of study
    treatment (``last_treatment_days``): an event that began once the drug was no longer taken cannot have led to
    withdrawing it (its action is NOT APPLICABLE, CDISC codelist ACN, C66767), or the onset or the last dose is
    mistyped. A data query; the analysis keeps the data as recorded (the treatment-emergent window, the events leading
    to discontinuation and every table unchanged)."""
    ae, exposure = typed.get("adverse_events"), typed.get("exposure")
    if ae is None or exposure is None or not {"SUBJID", "AESTDT", "AEACN"} <= set(ae) \
            or not {"SUBJID", "EXSTDT", "EXENDT"} <= set(exposure):
        return _empty()
    last = lookup(ae["SUBJID"], last_treatment_days(exposure))
    late = ae["AESTDT"] > last + pd.Timedelta(days=WITHDRAWN_ONSET_DAYS)
    bad = ((ae["AEACN"] == ACTION_WITHDRAWN) & late).fillna(False).to_numpy(bool)
    term = ae["AEDECOD"] if "AEDECOD" in ae else pd.Series("", index=ae.index)
    onset = text["adverse_events"]["AESTDT"].fillna("").astype(str).str.strip()  # a partial date as entered
    return _problems(ctxs["adverse_events"], bad, "AEACN", "withdrawn_after_last_dose", text["adverse_events"]["AEACN"],
                     lambda m: "(" + term[m].fillna("").astype(str) + ") but the event starts on "
                     + onset[m] + ", after the last day of study treatment on "
                     + last[m].dt.strftime("%Y-%m-%d") + " (exposure EXENDT): an event that began after the last dose "
                     "cannot have led to withdrawing the drug (CDISC AEACN NOT APPLICABLE), or the onset or the last "
                     "dose is mistyped? Analysed as recorded")


def _query_no_assessment(typed: dict, text: dict, ctxs: dict) -> pd.DataFrame:
    """A dosed subject (a first-dose date) with no row in any form of ``ASSESSMENT_FORMS``."""
    demog, exposure = text.get("demographics"), typed.get("exposure")
    if demog is None or exposure is None or "EXSTDT" not in exposure:
        return _empty()
    first_dose = first_doses(exposure)
    assessed = pd.Index(pd.concat([text[f]["SUBJID"] for f in ASSESSMENT_FORMS if f in text] or [pd.Series([], dtype=str)])
                        .unique())
    bad = isin_text(demog["SUBJID"], first_dose.index) & ~isin_text(demog["SUBJID"], assessed)
    if not bad.any():
        return _empty()
    dose = lookup(demog["SUBJID"], first_dose).dt.strftime("%Y-%m-%d").fillna("")
    return _problems(ctxs["demographics"], bad, "SUBJID", "no_assessment", demog["SUBJID"],
                     "received the study drug (first dose " + dose + ") but has no row in "
                     + ", ".join(ASSESSMENT_FORMS) + ": kept in the analysis sets, every assessment missing")


def _query_missing_assessments(text: dict, ctxs: dict) -> pd.DataFrame:
    """A visit with a date (form ``visits``) and no row in one of ``ASSESSMENT_FORMS``: a form not entered yet, whose
    assessment would otherwise be missing unseen (the week-12 ESSDAI, the primary endpoint). A subject with no row in
    any of them is one ``no_assessment`` query instead."""
    visits = text.get("visits")
    forms = [f for f in ASSESSMENT_FORMS if f in text and {"SUBJID", "VISIT"} <= set(text[f])]
    if visits is None or not {"SUBJID", "VISIT"} <= set(visits) or not forms:
        return _empty()
    assessed = isin_text(visits["SUBJID"], pd.concat([text[f]["SUBJID"] for f in forms]).unique())
    keys = pd.MultiIndex.from_frame(visits[["SUBJID", "VISIT"]])
    return pd.concat([_empty(), *(
        _problems(ctxs["visits"], assessed & ~keys.isin(pd.MultiIndex.from_frame(text[f][["SUBJID", "VISIT"]])),
                  "VISIT", "missing_assessment", visits["VISIT"], f"has a visit date but no row in form {f} (not "
                  f"entered yet?): its {f.upper()} is missing in the analysis") for f in forms)])


def _query_disposition(typed: dict, text: dict, ctxs: dict, last: str = FINAL_VISIT,
                       label: str = "week 24") -> pd.DataFrame:
    """Disposition against the visits: COMPLETED without the final visit ``last``, discontinued after it, visits,
    last doses and adverse events' onsets after the end."""
    visits, ds = typed.get("visits"), typed.get("disposition")
    if visits is None or ds is None or ds.empty or not {"VISIT", "VISITDT"} <= set(visits) \
            or not {"DSDECOD", "DSSTDT"} <= set(ds):
        return _empty()
    final = visits[visits["VISIT"] == last].drop_duplicates("SUBJID").set_index("SUBJID")["VISITDT"]
    has_final = isin_text(ds["SUBJID"], final.index)
    final_date = lookup(ds["SUBJID"], final)
    completed = (ds["DSDECOD"] == "COMPLETED").to_numpy()
    after_final = ~(final_date > ds["DSSTDT"]).fillna(False).astype(bool).to_numpy()
    end = ds.drop_duplicates("SUBJID").set_index("SUBJID")
    end_date = lookup(visits["SUBJID"], end["DSSTDT"])
    late = (visits["VISITDT"] > end_date).fillna(False).astype(bool)
    parts = []
    for form, column, rule, what in (
            ("exposure", "EXENDT", "dosed_after_end_of_study", "the last dose or the end of study mistyped? Days on "
             "treatment and dose are counted to the last dose"),
            ("adverse_events", "AESTDT", "adverse_event_after_end_of_study", "the onset or the end of study mistyped? "
             "The event counts as recorded (treatment-emergent within the window after the last dose)")):
        if (rows := typed.get(form)) is None or column not in rows:
            continue
        ended = lookup(rows["SUBJID"], end["DSSTDT"])
        parts.append(_problems(ctxs[form], (rows[column] > ended).fillna(False).astype(bool), column, rule,
                               text[form][column], lambda m, rows=rows, ended=ended, what=what: (
                                   "is after the end of study on " + ended[m].dt.strftime("%Y-%m-%d") + " ("
                                   + lookup(rows["SUBJID"][m], end["DSDECOD"]).fillna("").astype(str) + "): " + what)))
    return pd.concat([
        _problems(ctxs["disposition"], completed & ~has_final, "DSDECOD", "completed_without_final_visit",
                  text["disposition"]["DSDECOD"], f"but the subject has no {label} visit in the visits form"),
        _problems(ctxs["disposition"], ~completed & ds["DSDECOD"].notna().to_numpy() & has_final & after_final,
                  "DSDECOD", "discontinued_after_final_visit", text["disposition"]["DSDECOD"],
                  f"but the {label} visit took place on " + final_date.dt.strftime("%Y-%m-%d").fillna("")
                  + ": completed?"),
        _problems(ctxs["visits"], late, "VISITDT", "visit_after_end_of_study", text["visits"]["VISITDT"],
                  "is after the end of study on " + end_date.dt.strftime("%Y-%m-%d").fillna("") + " ("
                  + lookup(visits["SUBJID"], end["DSDECOD"]).fillna("").astype(str) + ")"),
        *parts,
    ], ignore_index=True)


def _query_no_end_of_study(typed: dict, text: dict, ctxs: dict, last: pd.Series, label: str) -> pd.DataFrame:
    """A dosed subject without a row in the disposition form, though the window of the final visit (``last``, a row
    of the schedule: its last study day ``WINHI``, day 1 the first dose) closed before the export's date. The analysis
    counts the patient as still on study: a final analysis read as an interim one ("1 of 11 patients still on
    study"), the patient's withdrawal left out of the disposition tables. Queried on the subject's first dose."""
    exposure, ds = typed.get("exposure"), typed.get("disposition")
    exported = export_timestamp(typed)
    if exposure is None or ds is None or pd.isna(exported) or "SUBJID" not in ds \
            or not {"SUBJID", "EXSTDT"} <= set(exposure):
        return _empty()
    first = first_doses(exposure)
    closed = lookup(exposure["SUBJID"], first + pd.Timedelta(days=int(last["WINHI"]) - 1))
    first_row = (exposure["EXSTDT"] == lookup(exposure["SUBJID"], first)).fillna(False).astype(bool) \
        & ~exposure.duplicated(["SUBJID", "EXSTDT"])
    missing = first_row.to_numpy() & ~isin_text(exposure["SUBJID"], ds["SUBJID"].dropna().unique()) \
        & (closed < exported).fillna(False).astype(bool).to_numpy()
    return _problems(ctxs["exposure"], missing, "EXSTDT", "no_end_of_study", text["exposure"]["EXSTDT"],
                     lambda m: "(the first dose) but the subject has no row in the disposition form, though the "
                               f"window of the {label} visit closed on " + closed[m].dt.strftime("%Y-%m-%d")
                               + f", before the export's date {exported.date()}: the end of study not entered yet? "
                               "The analysis "
                               "counts the patient as still on study (an interim analysis)")


def _query_lab_samples(typed: dict, text: dict, ctxs: dict) -> pd.DataFrame:
    """The samples of a scheduled visit the analyses by visit do not read (``cleaning.analysis_flag``;
    docs/decisions.md, "A test repeated at a visit"): a baseline sample dated after the first dose; a test sampled
    again at a visit (each sample after the visit's first). And a screening sample dated after the first dose
    (docs/decisions.md, "Screening visits")."""
    labs, exposure = typed.get("labs"), typed.get("exposure")
    if labs is None or not {"SUBJID", "VISIT", "LBTESTCD", "LBDT"} <= set(labs):
        return _empty()
    baseline = (labs["VISIT"] == dictionary.BASELINE).to_numpy(dtype=bool, na_value=False)
    screening = (labs["VISIT"] == dictionary.SCREENING).to_numpy(dtype=bool, na_value=False)
    before, late = baseline | screening, np.zeros(len(labs), dtype=bool)
    first_dose = pd.Series(pd.NaT, index=labs.index)
    if exposure is not None and "EXSTDT" in exposure and before.any():
        first_dose[before] = lookup(labs["SUBJID"][before], first_doses(exposure))
        late[before] = (labs["LBDT"][before] > first_dose[before]).to_numpy(dtype=bool, na_value=False)
    after = lambda m: "is after the first dose on " + first_dose[m].dt.strftime("%Y-%m-%d")  # noqa: E731
    parts = [_problems(ctxs["labs"], late & baseline, "LBDT", "baseline_after_first_dose", text["labs"]["LBDT"],
                       lambda m: after(m) + ": not a baseline (ABLFL), read by no analysis by visit"),
             _problems(ctxs["labs"], late & screening, "LBDT", "screening_after_first_dose", text["labs"]["LBDT"],
                       lambda m: after(m) + ": a sample of another visit, or a mistyped date? Read by no analysis by "
                                            "visit; the alerts listing shows it")]
    scheduled = (labs["VISIT"].notna() & ~labs["VISIT"].isin(dictionary.OFF_SCHEDULE)).to_numpy(dtype=bool)
    rows, starts, first = sorted_groups(labs, ["SUBJID", "VISIT", "LBTESTCD"], "LBDT",
                                        scheduled & labs["LBDT"].notna().to_numpy() & ~late)
    again, first = rows[~starts], first[~starts]
    if len(again):
        mask = np.zeros(len(labs), dtype=bool)
        mask[again] = True
        detail, unit = pd.Series("", index=labs.index), "row" if _WORKBOOK_FILE.match(ctxs["labs"].file) else "line"
        detail.iloc[again] = ("is a second sample of " + labs["LBTESTCD"].iloc[again].astype(str).to_numpy()
                              + " at this visit (the first on " + labs["LBDT"].iloc[first].dt.strftime("%Y-%m-%d")
                              .to_numpy().astype(str) + f", {unit} " + export.row_lines(text["labs"], first).astype(str)
                              + "): the analyses by visit read the last sample with a result (ANL01FL), the "
                              "worst-value tables every one")
        parts.append(_problems(ctxs["labs"], mask, "LBDT", "repeated_sample", text["labs"]["LBDT"], detail))
    return pd.concat(parts, ignore_index=True)


def _query_biological(text: dict, ctxs: dict) -> pd.DataFrame:
    essdai, labs = text.get("essdai"), text.get("labs")
    if essdai is None or labs is None or not {"SUBJID", "VISIT"} <= set(essdai) \
            or not {"SUBJID", "VISIT", "LBTESTCD", "LBORRES"} <= set(labs):
        return _empty()
    done = labs[labs["LBTESTCD"].isin(BIOLOGICAL_ASSAYS) & (labs["LBORRES"].str.strip() != "")]
    done_keys = done["SUBJID"] + "|" + done["VISIT"] + "|" + done["LBTESTCD"]
    visit_key = essdai["SUBJID"] + "|" + essdai["VISIT"] + "|"
    missing = pd.DataFrame({a: ~isin_text(visit_key + a, done_keys) for a in BIOLOGICAL_ASSAYS}, index=essdai.index)
    listed = pd.Series("", index=essdai.index)
    for assay in BIOLOGICAL_ASSAYS:
        listed = listed + np.where(missing[assay], assay + " ", "")
    listed = listed.str.strip().str.replace(" ", ", ")
    # located at the ESSDAI row's biological level (the domain scored from the items available), not in the labs form
    return _problems(ctxs["essdai"], missing.any(axis=1), ESSDAI_LEVEL_PARAMCD["biological"], "incomplete_biological",
                     listed,
                     "not available at this ESSDAI visit: the biological domain is scored from the items available")


# ---------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------

def _workbook(text: dict, read_problems) -> str | None:
    """The workbook's file name when the export was read from an ``.xlsx`` workbook, else None."""
    files = [f.attrs.get("file", "") for f in text.values()] + [p.file for p in read_problems]
    return next((m["book"] for m in map(_WORKBOOK_FILE.match, files) if m), None)


def _case_variants(name: str, names) -> list:
    """The names among ``names`` that are form ``name`` in another letter case or with spaces around it (a sheet
    renamed ``Labs`` or ``labs ``)."""
    return [k for k in names if k != name and k.strip().lower() in (name, f"{name}.csv")]


def _missing_forms(text: dict, read_problems) -> pd.DataFrame:
    unreadable = {p.form: p.file for p in read_problems}
    found = {**unreadable, **{k: f.attrs.get("file", f"{k}.csv") for k, f in text.items()}}
    book, parts = _workbook(text, read_problems), []
    for name, form in dictionary.FORMS.items():
        if name in text or name in unreadable or form.optional:
            continue
        file = f"{book}[{name}]" if book else f"{name}.csv"
        variants = _case_variants(name, found)
        if variants:
            hint = (f"found sheet {', '.join(map(repr, variants))}: a sheet is named as its form, in lower case, "
                    "without spaces around it" if book
                    else f"found {', '.join(found[k] for k in variants)}: file names are lower case")
        else:
            others = [repr(k if book else found[k]) for k in found
                      if k.strip().lower().removesuffix(".csv") not in dictionary.FORMS]
            hint = f"expected {'sheet ' + name if book else file}" + (
                f"; {'sheets' if book else 'files'} that are no form: {', '.join(others)}" if others else "")
        parts.append(_file_problem(file, "missing_file", "", f"form {name} missing ({hint})"))
    return pd.concat(parts, ignore_index=True) if parts else _empty()


def _form_structure(name: str, form: dictionary.Form, frame: pd.DataFrame) -> list:
    """Rows and columns of one form: no_rows / empty_form, missing_column, unknown_column."""
    file, head = frame.attrs.get("file", f"{name}.csv"), export.header_line(frame)
    unit = "row" if _WORKBOOK_FILE.match(file) else "line"
    parts = []
    if len(frame.index) == 0:  # not frame.empty: a form whose every column is misnamed has rows and no column
        rule, text = (("no_rows", f"the form has its header but no data rows; form {name} needs at least one row")
                      if form.rows_required else
                      ("empty_form", f"the form has no rows; form {name} may be empty (nothing recorded): is it?"))
        parts.append(_file_problem(file, rule, "", text))
    extra = list(dict.fromkeys([*frame.attrs.get("dropped_columns", ()),
                                *(c for c in frame.columns if c not in form.columns)]))  # columns without a name: once
    for var in (v.name for v in form.variables if v.column_required):
        if var not in frame.columns:
            near = [c for c in extra if str(c).strip().upper() == var]
            hint = f" (found '{near[0]}': column names are upper case, without spaces)" if near else ""
            tests = [str(c) for c in extra if str(c).strip().upper() in {*dictionary.LAB_PARAMS,
                                                                         *dictionary.LAB_TEST_ALIASES}]
            if var == "LBTESTCD" and tests:  # a hospital's laboratory table: a column per test
                hint = (f" (found {', '.join(tests[:3])}{', ...' if len(tests) > 3 else ''}: a column per test? The "
                        "form is long: one row per subject, test and sample, the test's code in LBTESTCD and its "
                        "result in LBORRES)")
            parts.append(_file_problem(file, "missing_column", var, f"column '{var}' is missing (data dictionary "
                                       f"form '{name}'){hint}", row=head, unit=unit))
    for col in extra:
        what = (f"column '{col}' is not in the data dictionary (form '{name}')" if col != "" else
                "columns without a name (as a spreadsheet writes after the last column used)")
        parts.append(_file_problem(file, "unknown_column", str(col), f"{what}: not read, carried nowhere", row=head,
                                   value=str(col), unit=unit))
    return parts


def _check_structure(text: dict, read_problems=()) -> pd.DataFrame:
    """Problems of the files, sheets, columns and rows (rules in ``STRUCTURE_RULES``), missing forms first."""
    names = set(text) | {p.form for p in read_problems}

    def unknown(name: str) -> bool:  # neither a form nor a form's name in another case
        return name not in dictionary.FORMS and not any(
            _case_variants(form, [name]) for form in dictionary.FORMS if form not in names)

    not_read = "not a form of the data dictionary: not read"
    parts = [pd.DataFrame([{"file": p.file, "row": "" if p.line is None else p.line, "USUBJID": "", "AVISIT": "",
                            "variable": p.variable, "rule": p.rule, "value": p.value, "message": p.message}
                           for p in read_problems if not unknown(p.form)], columns=list(PROBLEM_COLUMNS))]
    parts += [_file_problem(p.file, "unknown_form", "", f"{not_read} (and not readable: {p.rule})")
              for p in read_problems if unknown(p.form)]
    for name, frame in text.items():
        if name in dictionary.FORMS:
            parts += _form_structure(name, dictionary.FORMS[name], frame)
        elif unknown(name):
            parts.append(_file_problem(frame.attrs.get("file", name), "unknown_form", "", not_read))
    return pd.concat([_missing_forms(text, read_problems).astype(str), _sorted(parts)], ignore_index=True)


#: Forms whose problems are listed first, before the other forms' in the order of their files: the study and the
#: subjects every other form is keyed on. A subject number repeated across sites (an export numbering subjects per
#: site) then heads the list, not the thousands of repeated keys it causes in the forms of visits and results.
REGISTER_FORMS = ("study", "demographics")


def _sorted(problems: list) -> pd.DataFrame:
    frames = [p for p in problems if not p.empty]
    if not frames:
        return _empty()
    out = pd.concat(frames, ignore_index=True)
    form = out["file"].str.extract(_WORKBOOK_FILE)["sheet"].fillna(out["file"].str.removesuffix(".csv"))
    order = out.assign(_row=pd.to_numeric(out["row"], errors="coerce").fillna(0),
                       _form=form.map({f: i for i, f in enumerate(REGISTER_FORMS)}).fillna(len(REGISTER_FORMS)))
    order = order.sort_values(["_form", "file", "_row", "variable", "rule"], kind="stable")
    return order[list(PROBLEM_COLUMNS)].astype(str).reset_index(drop=True)


def _read_codes(form: dictionary.Form, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (text) with its coded values spelled as the dictionary spells them (``dictionary.read_coded``): read
    before any check, so that every rule sees ``Y`` where the export says ``yes``."""
    frame = read_lab_visits(frame) if form.name == "labs" else frame
    read = {v.name: dictionary.read_coded(v, frame[v.name]) for v in form.variables
            if v.allowed and v.name in frame.columns}
    changed = {name: col for name, col in read.items() if col is not frame[name]}
    return frame.assign(**changed) if changed else frame


def _typed_columns(var: dictionary.Variable, col: pd.Series) -> dict:
    """``col`` typed: the variable's column (``_coerce``; a coded value as the dictionary spells it,
    ``dictionary.read_coded``), or for a date that may be partial ``_partial_columns`` (a column typed already holds
    complete dates)."""
    if var.allowed:
        col = dictionary.read_coded(var, col)
    if not var.partial:
        return {var.name: _coerce(col, var.type)}
    if pd.api.types.is_datetime64_any_dtype(col):
        return _partial_columns(var.name, pd.DataFrame({"first": col, "last": col, "flag": ""}, index=col.index))
    return _partial_columns(var.name, partial_dates.date_range(export.to_text(col.to_frame())[col.name]))


def _coerce(col: pd.Series, type_: str) -> pd.Series:
    """Return ``col`` with its declared type, parsing text only when the column is not typed already."""
    if type_ == "date" and pd.api.types.is_datetime64_any_dtype(col):
        return col
    if type_ == "int" and pd.api.types.is_integer_dtype(col):
        return col.astype("Int64")
    if type_ == "float" and pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        return col.astype(float)
    return parse_column(export.to_text(col.to_frame())[col.name], type_)[0]


def _typed_form(form: dictionary.Form, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the columns of ``form``, typed (``_typed_columns``; the laboratory form's unscheduled visits
    read as ``UNS``, ``read_lab_visits``)."""
    frame = read_lab_visits(frame) if form.name == "labs" else frame
    return pd.DataFrame({k: c for v in form.variables if v.name in frame.columns
                         for k, c in _typed_columns(v, frame[v.name]).items()}, index=frame.index)


def parse_export(tables: dict) -> dict:
    """Return the forms of the dictionary typed (Int64, float64, datetime64, str), unparseable values missing.

    Text columns are parsed; columns that already have their type are kept. Columns outside the
    dictionary are dropped; forms absent from ``tables`` are absent from the result.
    """
    schedule = {}
    if "schedule" in tables:  # without its screening visit's row (read as if absent below too)
        schedule = {"schedule": _typed_form(dictionary.FORMS["schedule"], tables["schedule"])}
        if (rows := screening_rows(schedule).get("schedule")) is not None:
            schedule["schedule"] = schedule["schedule"][~rows]
    out, schedule = {}, export_schedule(schedule)
    arms = _typed_form(dictionary.FORMS["arms"], tables["arms"]) if "arms" in tables else None
    for name, form in dictionary.forms_for(schedule, _allowed_arms(tables, arms)).items():  # visit codes, arms
        if name not in tables:
            continue
        out[name] = _typed_form(form, tables[name])
    for find in (repeated_rows, *(f for f, *_ in _LEFT_OUT)):
        for name, rows in find(out).items():
            out[name] = out[name][~rows].reset_index(drop=True)
    if "LBTESTCD" in out.get("labs", ()):
        out["labs"] = out["labs"][~np.logical_or(*other_tests(out["labs"]))].reset_index(drop=True)
    return out


def _kind(problems: pd.DataFrame) -> pd.Series:
    return problems["rule"].map(lambda r: RULES[r][0])


def validate_export(tables: dict, read_problems=()) -> ValidationResult:
    """Validate a raw export against the data dictionary.

    The structure comes first (``STRUCTURE_RULES``: forms present, files readable, columns, rows);
    when it has an error, the result holds only the structural problems, missing forms first, and
    no value is checked. Then every value, one form at a time, and the rules across forms.

    Parameters
    ----------
    tables : dict of str to DataFrame
        Form name to frame, as returned by ``export.read_forms`` (text) or
        ``synthetic.generate_trial`` (typed; converted to text first).
    read_problems : sequence of export.ReadProblem, optional
        The problems ``export.read_forms`` met reading the files (their forms are not missing).

    Returns
    -------
    ValidationResult
        ``errors`` and ``queries`` frames, columns ``PROBLEM_COLUMNS``, sorted by file and row.

    Examples
    --------
    >>> from analysis_utils import synthetic
    >>> trial = synthetic.generate_trial()
    >>> validate_export(trial).ok
    True
    >>> trial["pga"].loc[0, "PGA"] = 55.0
    >>> validate_export(trial).errors[["row", "variable", "rule", "value"]].values.tolist()
    [['2', 'PGA', 'out_of_range', '55.0']]
    """
    text = {name: export.to_text(frame) for name, frame in tables.items()}
    structure = _check_structure(text, read_problems)
    structure_error = _kind(structure) == "error"
    if structure_error.any():
        return ValidationResult(errors=structure[structure_error].reset_index(drop=True),
                                queries=structure[~structure_error].reset_index(drop=True))
    sites = _subject_ids(text)
    problems, typed, ctxs = [structure], {}, {}
    schedule = export_schedule(parse_export({"schedule": text["schedule"]}) if "schedule" in text else {})
    declared = parse_export({"arms": text["arms"]}) if "arms" in text else {}
    arms = export_arms(declared)
    forms = {name: form for name, form in dictionary.forms_for(schedule, _allowed_arms(text, declared.get("arms"))
                                                                ).items() if name in text}
    labels = {**dict(zip(schedule["VISIT"], schedule["AVISIT"])),
              **{code: dictionary.VISIT_LABELS[code] for code in dictionary.OFF_SCHEDULE}}
    text = {**text, **{name: _read_codes(form, text[name]) for name, form in forms.items()}}
    repeated, text = _query_repeated_rows(text, sites, labels)
    problems += repeated
    for find, rule, said, per_form in _LEFT_OUT:  # rows read as absent, before any check: a query each, or per form
        for name, rows in find(text).items():
            if rows.any():
                column, detail = said[name] if name in said else said["assessment"]
                queried = rows
                if per_form:
                    queried, detail = np.zeros_like(rows), detail.format(n=int(rows.sum()))
                    queried[np.argmax(rows)] = True
                problems.append(_problems(_Context(name, text[name], sites, labels), queried, column, rule,
                                          text[name][column], detail))
                text[name] = export.drop_rows(text[name], rows)
    if "LBTESTCD" in text["labs"]:
        found, other = _check_other_tests(text["labs"], _Context("labs", text["labs"], sites, labels))
        problems.append(found)
        text["labs"] = export.drop_rows(text["labs"], other) if other.any() else text["labs"]
    for name, form in forms.items():
        ctxs[name] = _Context(name, text[name], sites, labels)
        typed[name], found = _check_form(form, text[name], ctxs[name])
        problems.append(found)
    subjects = pd.Index(text["demographics"]["SUBJID"])
    for name, form in forms.items():
        problems += [_check_keys(form, text[name], ctxs[name]),
                     _check_subjects(name, text[name], subjects, ctxs[name]),
                     _check_assessment_visits(name, text[name], text.get("visits"), ctxs[name]),
                     _check_date_order(name, typed[name], text[name], ctxs[name])]
    problems += [_check_study_rows(text["study"], ctxs["study"]), _query_blinding(typed, text, ctxs),
                 _check_consent(typed, text, ctxs),
                 _check_visits_without_dose(typed, text, ctxs),
                 _check_after_export(typed, text, ctxs, forms), _check_labs(text["labs"], ctxs["labs"], typed["labs"]),
                 _check_reference_range(typed["labs"], text["labs"], ctxs["labs"]),
                 _check_missed_doses(typed["exposure"], text["exposure"], ctxs["exposure"]),
                 _check_overlapping_exposure(typed["exposure"], text["exposure"], ctxs["exposure"]),
                 _check_dose_without_baricitinib(typed, text, ctxs, arms),
                 _query_dose_above_arm(typed, text, ctxs, arms), _query_continued_below_label(typed, text, ctxs),
                 _query_hbv_dna_not_monitored(typed, text, ctxs),
                 _check_open_exposure(typed, text, ctxs),
                 _check_randomisation(typed, text, ctxs), _check_screen_failures(typed, text, ctxs),
                 _query_windows(typed, text, ctxs, schedule), _query_sample_windows(typed, text, ctxs, schedule),
                 _query_early_switch(typed, text, ctxs, schedule),
                 _query_unplanned_switch(typed, text, ctxs, schedule, arms),
                 _query_stratum(text, ctxs), _query_sites(text, ctxs),
                 _query_spellings(text, ctxs), _query_biological(text, ctxs),
                 _query_lab_samples(typed, text, ctxs), _check_glucocorticoid_doses(typed, text, ctxs),
                 _query_antimalarials(typed, text, ctxs),
                 _check_meddra_english(text["adverse_events"], ctxs["adverse_events"]),
                 _check_whodrug_english(typed, text, ctxs),
                 _query_overlapping_medication(typed, text, ctxs),
                 _query_crf_totals(typed, text, ctxs),
                 _query_no_assessment(typed, text, ctxs), _query_missing_assessments(text, ctxs),
                 _query_deaths(typed, text, ctxs), _query_withdrawn_after_last_dose(typed, text, ctxs)]
    if "schedule" in typed:
        problems.append(_check_schedule(typed["schedule"], text["schedule"], ctxs["schedule"]))
    if "arms" in typed:
        problems.append(_check_arms(typed, text["arms"], ctxs["arms"]))
    last = final_visit(schedule)
    label = schedule.set_index("VISIT").loc[last, "AVISIT"].lower()
    problems.append(_query_disposition(typed, text, ctxs, last, label))
    problems.append(_query_no_end_of_study(typed, text, ctxs, schedule.set_index("VISIT").loc[last], label))
    all_problems = _sorted(problems)
    is_query = _kind(all_problems) == "query"
    for frame in typed.values():
        frame.attrs[TYPED_ATTR] = True  # cleaning takes typed forms as they are
    lines = {name: (ctxs[name].file, export.row_lines(text[name], np.arange(len(text[name])))) for name in forms}
    return ValidationResult(errors=all_problems[~is_query].reset_index(drop=True),
                            queries=all_problems[is_query].reset_index(drop=True), typed=typed, lines=lines)


def summarize_queries(queries: pd.DataFrame) -> pd.DataFrame:
    """Count problems by rule.

    Returns
    -------
    DataFrame
        Columns ``rule, meaning, n``, one row per rule present, in the order of ``RULES``.

    Examples
    --------
    >>> q = pd.DataFrame({"rule": ["visit_window", "missing_item", "visit_window"]})
    >>> summarize_queries(q)[["rule", "n"]].values.tolist()
    [['visit_window', 2], ['missing_item', 1]]
    """
    counts = queries["rule"].value_counts()
    rules = [r for r in RULES if r in counts.index]
    return pd.DataFrame({"rule": rules, "meaning": [RULES[r][1] for r in rules],
                         "n": [int(counts[r]) for r in rules]})


def check_export(path) -> ValidationResult:
    """Read and validate the export at ``path``; raise ``ExportValidationError`` if it has errors.

    Every problem of the export's structure is an error here too, naming the file and line: a
    missing form, a file that is empty, not UTF-8 text or not text at all, a line with the wrong
    number of fields, a duplicated column name, a form with no rows that needs them. Returns the
    ``ValidationResult`` (with its queries) when there is no error.
    """
    result = validate_export(*export.read_forms(path))
    if not result.ok:
        raise ExportValidationError(result.errors)
    return result


def main(argv: list | None = None) -> int:
    """Command line: validate DATA_DIR, write scratch/validation/data_queries.csv, exit 1 on errors."""
    from analysis_utils import report

    parser = argparse.ArgumentParser(prog="python -m analysis_utils.validation",
                                     description="Validate a raw export against the data dictionary.")
    parser.add_argument("data_dir", help="folder of CSV files or an .xlsx workbook")
    parser.add_argument("--reports", default="scratch/validation",
                        help="folder of data_queries.csv (default: scratch/validation)")
    args = parser.parse_args(argv)
    try:
        result = validate_export(*export.read_forms(args.data_dir))
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    report.save_queries(pd.concat([result.errors, result.queries], ignore_index=True), "validation",
                        reports_dir=args.reports)
    if warning := export.real_export_warning(args.data_dir):
        print(warning, file=sys.stderr)
    if not result.ok:
        print(ExportValidationError(result.errors), file=sys.stderr)
        return 1
    n = len(result.queries)
    print(f"{args.data_dir}: no validation error; {n} data {'query' if n == 1 else 'queries'} written to "
          f"{args.reports}/data_queries.csv")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
