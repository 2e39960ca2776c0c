"""Tests of analysis_utils.ctcae: CTCAE v5.0 thresholds on both sides for each test, the
baseline-relative rules, and invariants on the CDISC pilot ADLBC."""

import re

import numpy as np
import pandas as pd
import pytest

from analysis_utils import paths
from analysis_utils.ctcae import CTCAE_V5, grade_ctcae


def grade(paramcd, aval, *, lln=np.nan, uln=np.nan, base=np.nan, ablfl="N") -> float:
    frame = pd.DataFrame({"PARAMCD": [paramcd], "AVAL": [aval], "ANRLO": [lln], "ANRHI": [uln],
                          "BASE": [base], "ABLFL": [ablfl]})
    return grade_ctcae(frame).iloc[0]


# Every CTCAE v5.0 boundary, hand-worked at, just below and just above it:
# (PARAMCD, rule, grade, references, threshold, (grade at, grade just below, grade just above)).
# rule "ULN" is the rule used with a normal baseline; "BASE" the baseline rule. The references are
# chosen so that the boundary is the only one in play; the just-below/above values are threshold -/+ a
# step of the value's precision. "<LLN - 1.5" starts strictly below LLN; "1.71 - 3.42" starts AT 1.71.
NEUT, LYM, WBC = {"lln": 1.8}, {"lln": 1.0}, {"lln": 4.0}
PLAT, HGB = {"lln": 150}, {"lln": 120}
ALT_N, ALT_A = {"uln": 40, "base": 30}, {"uln": 40, "base": 60}   # baseline normal / abnormal (60 > 40)
BILI_N, BILI_A = {"uln": 21, "base": 10}, {"uln": 21, "base": 30}
CK, CREAT, CREAT_B = {"uln": 200}, {"uln": 100}, {"uln": 100, "base": 40}
CHOL, TRIG = {"uln": 5.2}, {"uln": 1.7}
BOUNDARIES = [
    # decreased terms: "<x" is strict, so the value x itself is still the grade below
    ("NEUT", "ULN", 1, NEUT, 1.8, (0, 1, 0), 0.01),      # "<LLN - 1.5 x 10e9 /L"
    ("NEUT", "ULN", 2, NEUT, 1.5, (1, 2, 1), 0.01),      # "<1.5 - 1.0 x 10e9 /L"
    ("NEUT", "ULN", 3, NEUT, 1.0, (2, 3, 2), 0.01),      # "<1.0 - 0.5 x 10e9 /L"
    ("NEUT", "ULN", 4, NEUT, 0.5, (3, 4, 3), 0.01),      # "<0.5 x 10e9 /L"
    ("LYM", "ULN", 1, LYM, 1.0, (0, 1, 0), 0.01),        # "<LLN - 0.8 x 10e9/L"
    ("LYM", "ULN", 2, LYM, 0.8, (1, 2, 1), 0.01),
    ("LYM", "ULN", 3, LYM, 0.5, (2, 3, 2), 0.01),
    ("LYM", "ULN", 4, LYM, 0.2, (3, 4, 3), 0.01),
    ("WBC", "ULN", 1, WBC, 4.0, (0, 1, 0), 0.01),        # "<LLN - 3.0 x 10e9 /L"
    ("WBC", "ULN", 2, WBC, 3.0, (1, 2, 1), 0.01),
    ("WBC", "ULN", 3, WBC, 2.0, (2, 3, 2), 0.01),
    ("WBC", "ULN", 4, WBC, 1.0, (3, 4, 3), 0.01),
    ("PLAT", "ULN", 1, PLAT, 150, (0, 1, 0), 0.1),       # "<LLN - 75.0 x 10e9 /L"
    ("PLAT", "ULN", 2, PLAT, 75, (1, 2, 1), 0.1),
    ("PLAT", "ULN", 3, PLAT, 50, (2, 3, 2), 0.1),
    ("PLAT", "ULN", 4, PLAT, 25, (3, 4, 3), 0.1),
    ("HGB", "ULN", 1, HGB, 120, (0, 1, 0), 1),           # "<LLN - 100 g/L"
    ("HGB", "ULN", 2, HGB, 100, (1, 2, 1), 1),           # "<100 - 80g/L"
    ("HGB", "ULN", 3, HGB, 80, (2, 3, 2), 1),            # "<80 g/L; transfusion indicated"
    # increased terms: ">x" is strict, so the value x itself is still the grade below
    ("ALT", "ULN", 1, ALT_N, 40, (0, 0, 1), 0.1),        # ">ULN - 3.0 x ULN if baseline was normal"
    ("ALT", "ULN", 2, ALT_N, 120, (1, 1, 2), 0.1),       # ">3.0 - 5.0 x ULN"
    ("ALT", "ULN", 3, ALT_N, 200, (2, 2, 3), 0.1),       # ">5.0 - 20.0 x ULN"
    ("ALT", "ULN", 4, ALT_N, 800, (3, 3, 4), 0.1),       # ">20.0 x ULN"
    ("ALT", "BASE", 1, ALT_A, 90, (1, 0, 1), 0.1),       # "1.5 - 3.0 x baseline": inclusive at 1.5 x 60
    ("ALT", "BASE", 2, ALT_A, 180, (1, 1, 2), 0.1),      # ">3.0 - 5.0 x baseline"
    ("ALT", "BASE", 3, ALT_A, 300, (2, 2, 3), 0.1),
    ("ALT", "BASE", 4, ALT_A, 1200, (3, 3, 4), 0.1),
    ("BILI", "ULN", 1, BILI_N, 21, (0, 0, 1), 0.1),      # ">ULN - 1.5 x ULN if baseline was normal"
    ("BILI", "ULN", 2, BILI_N, 31.5, (1, 1, 2), 0.1),
    ("BILI", "ULN", 3, BILI_N, 63, (2, 2, 3), 0.1),
    ("BILI", "ULN", 4, BILI_N, 210, (3, 3, 4), 0.1),
    ("BILI", "BASE", 1, BILI_A, 30, (0, 0, 1), 0.1),     # "> 1.0 - 1.5 x baseline": strict, unlike ALT
    ("BILI", "BASE", 2, BILI_A, 45, (1, 1, 2), 0.1),
    ("BILI", "BASE", 3, BILI_A, 90, (2, 2, 3), 0.1),
    ("BILI", "BASE", 4, BILI_A, 300, (3, 3, 4), 0.1),
    ("CK", "ULN", 1, CK, 200, (0, 0, 1), 0.1),           # ">ULN - 2.5 x ULN"
    ("CK", "ULN", 2, CK, 500, (1, 1, 2), 0.1),
    ("CK", "ULN", 3, CK, 1000, (2, 2, 3), 0.1),
    ("CK", "ULN", 4, CK, 2000, (3, 3, 4), 0.1),
    ("CREAT", "ULN", 1, CREAT, 100, (0, 0, 1), 0.1),     # ">ULN - 1.5 x ULN"
    ("CREAT", "ULN", 2, CREAT, 150, (1, 1, 2), 0.1),
    ("CREAT", "ULN", 3, CREAT, 300, (2, 2, 3), 0.1),
    ("CREAT", "ULN", 4, CREAT, 600, (3, 3, 4), 0.1),
    ("CREAT", "BASE", 2, CREAT_B, 60, (0, 0, 2), 0.1),   # ">1.5 - 3.0 x baseline" (below the ULN of 100)
    ("CREAT", "BASE", 3, CREAT_B, 120, (2, 2, 3), 0.1),  # ">3.0 baseline" (> ULN too, so grade 2 below it)
    ("CHOL", "ULN", 1, CHOL, 5.2, (0, 0, 1), 0.01),      # ">ULN - 7.75 mmol/L"
    ("CHOL", "ULN", 2, CHOL, 7.75, (1, 1, 2), 0.01),     # ">7.75 - 10.34 mmol/L"
    ("CHOL", "ULN", 3, CHOL, 10.34, (2, 2, 3), 0.01),
    ("CHOL", "ULN", 4, CHOL, 12.92, (3, 3, 4), 0.01),
    ("TRIG", "ULN", 1, TRIG, 1.71, (1, 0, 1), 0.01),     # "1.71 mmol/L - 3.42 mmol/L": inclusive at 1.71
    ("TRIG", "ULN", 2, TRIG, 3.42, (1, 1, 2), 0.01),     # ">3.42 mmol/L - 5.7 mmol/L"
    ("TRIG", "ULN", 3, TRIG, 5.7, (2, 2, 3), 0.01),
    ("TRIG", "ULN", 4, TRIG, 11.4, (3, 3, 4), 0.01),
]
BOUNDARIES += [("AST", *b[1:]) for b in BOUNDARIES if b[0] == "ALT"]  # AST increased: the same wording as ALT


@pytest.mark.parametrize("paramcd, rule, g, refs, value, expected, step", BOUNDARIES,
                         ids=[f"{b[0]}-{b[1]}-G{b[2]}" for b in BOUNDARIES])
def test_every_ctcae_boundary_at_just_below_and_just_above(paramcd, rule, g, refs, value, expected, step):
    got = tuple(grade(paramcd, round(value + d, 6), **refs) for d in (0, -step, step))
    assert got == expected


def test_every_threshold_of_the_table_is_pinned_above():
    pinned = {(p, rule, g) for p, rule, g, *_ in BOUNDARIES}
    in_table = {(p, "BASE" if t.ref == "BASE" else "ULN", t.grade)
                for p, term in CTCAE_V5.items() for t in term.thresholds + term.abnormal_baseline}
    assert in_table == pinned


def test_inclusive_lower_ends_are_exactly_those_ctcae_writes_without_a_comparison_sign():
    # Typed from the CTCAE v5.0 text: only "1.71 mmol/L - 3.42 mmol/L" and "1.5 - 3.0 x baseline" start AT
    # their value; every other grade is written "<x - ..." or ">x - ...".
    inclusive = {(p, t.ref, t.grade) for p, term in CTCAE_V5.items()
                 for t in term.thresholds + term.abnormal_baseline if t.inclusive}
    assert inclusive == {("TRIG", "ABS", 1), ("ALT", "BASE", 1), ("AST", "BASE", 1)}
    # ... and the flag agrees with the quoted wording of every grade (a leading "<" or ">" = strict).
    for term in CTCAE_V5.values():
        for t in term.thresholds + term.abnormal_baseline:
            text = re.sub(r"^(Hemoglobin \(Hgb\)|Hgb)\s*", "", t.ctcae).lstrip()
            assert (text[0] in "<>") == (not t.inclusive), t


@pytest.mark.parametrize("paramcd, aval, expected", [
    ("NEUT", 1.6, np.nan), ("NEUT", 1.4, 2), ("HGB", 110, np.nan), ("HGB", 99, 2), ("PLAT", 100, np.nan),
])
def test_decreased_grade_1_is_nan_without_lln_but_higher_grades_stand(paramcd, aval, expected):
    got = grade(paramcd, aval, uln=1000)
    assert (np.isnan(got) and np.isnan(expected)) or got == expected


def test_anaemia_has_no_grade_4_from_the_value():
    assert grade("HGB", 30, lln=120) == 3


def test_alt_with_baseline_equal_to_1_5_x_baseline_is_grade_1_but_bilirubin_at_baseline_is_0():
    assert grade("ALT", 90, uln=40, base=60) == 1      # "1.5 - 3.0 x baseline": 90 = 1.5 x 60
    assert grade("BILI", 30, uln=21, base=30) == 0     # "> 1.0 - 1.5 x baseline": 30 is not above 30


def test_baseline_record_itself_is_graded_on_uln():
    assert grade("ALT", 60, uln=40, base=60, ablfl="Y") == 1
    assert grade("ALT", 60, uln=40, base=60, ablfl="N") == 0


def test_baseline_equal_to_uln_is_normal():
    assert grade("ALT", 41, uln=40, base=40) == 1


@pytest.mark.parametrize("aval, expected", [(60, 0), (61, 2), (120, 2), (121, 3)])
def test_creatinine_takes_the_worse_of_uln_and_baseline_rules(aval, expected):
    # ULN 100, baseline 40: > 1.5 x baseline (60) is grade 2, > 3 x baseline (120) is grade 3.
    assert grade("CREAT", aval, uln=100, base=40) == expected


def test_creatinine_without_uln_grades_only_from_baseline():
    assert np.isnan(grade("CREAT", 50, base=40))
    assert grade("CREAT", 61, base=40) == 2


def test_triglyceride_grade_1_starts_at_1_71_inclusive_as_ctcae_writes_it():
    # CTCAE v5.0: "150 mg/dL - 300 mg/dL; 1.71 mmol/L - 3.42 mmol/L" (admiral's encoding uses > 1.71).
    assert grade("TRIG", 1.71) == 1 and grade("TRIG", 1.709) == 0 and grade("TRIG", 3.42) == 1


def test_triglycerides_ignore_the_uln():
    assert grade("TRIG", 2.0, uln=5.0) == 1
    assert grade("TRIG", 2.0) == 1


def test_cholesterol_grade_1_needs_uln_and_higher_grades_are_absolute():
    assert np.isnan(grade("CHOL", 6.0))
    assert grade("CHOL", 8.0) == 2


def test_missing_value_missing_uln_and_unknown_param_give_nan():
    assert np.isnan(grade("ALT", np.nan, uln=40))
    assert np.isnan(grade("ALT", 50, uln=np.nan))
    assert np.isnan(grade("CRP", 50, uln=5))


def test_negative_value_of_a_graded_parameter_stops_naming_parameter_value_subject_and_visit():
    frame = pd.DataFrame({"USUBJID": ["S-1", "S-2"], "AVISIT": ["Baseline", "Week 12"],
                          "PARAMCD": ["ALT", "NEUT"], "AVAL": [30.0, -0.4], "ANRLO": [5.0, 1.8],
                          "ANRHI": [40.0, 6.3], "BASE": [30.0, 2.0]})
    with pytest.raises(ValueError, match=r"PARAMCD NEUT: negative AVAL -0\.4 \(USUBJID S-2, AVISIT Week 12\)"):
        grade_ctcae(frame)
    with pytest.raises(ValueError, match=r"PARAMCD ALT: negative BASE -30\.0"):
        grade_ctcae(frame.assign(AVAL=[30.0, 2.0], BASE=[-30.0, 2.0]))
    with pytest.raises(ValueError, match=r"PARAMCD NEUT: negative ANRLO -1\.8"):
        grade_ctcae(frame.assign(AVAL=[30.0, 2.0], ANRLO=[5.0, -1.8]))


def test_negative_value_of_a_parameter_not_graded_is_left_alone():
    # e.g. a change parameter (the CDISC pilot's "_ALT") can be negative; it is not a CTCAE term.
    frame = pd.DataFrame({"PARAMCD": ["_ALT", "ALT"], "AVAL": [-3.0, 30.0], "ANRLO": [np.nan, 5.0],
                          "ANRHI": [np.nan, 40.0], "BASE": [np.nan, 30.0]})
    assert grade_ctcae(frame).fillna(-1).tolist() == [-1.0, 0.0]


def test_comparison_is_exact_to_15_significant_digits():
    # 3 x 0.7 is 2.0999999999999996 in binary floating point; 2.1 is not above 3 x ULN.
    assert grade("ALT", 2.1, uln=0.7) == 1


def test_grade_ctcae_keeps_index_and_name_and_runs_without_ablfl():
    frame = pd.DataFrame({"PARAMCD": ["ALT", "NEUT"], "AVAL": [50.0, 0.4], "ANRLO": [5.0, 1.8],
                          "ANRHI": [40.0, 6.0], "BASE": [30.0, 2.0]}, index=[7, 3])
    got = grade_ctcae(frame)
    assert got.name == "ATOXGR" and got.index.tolist() == [7, 3] and got.tolist() == [1.0, 4.0]
    with pytest.raises(ValueError, match="missing column"):
        grade_ctcae(frame.drop(columns="BASE"))


# --- CDISC pilot ADLBC ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def adlbc():
    lb = pd.read_csv(paths.CDISC_PILOT / "adam" / "adlbc.csv.gz",
                     usecols=["USUBJID", "PARAMCD", "AVAL", "A1LO", "A1HI", "BASE", "ABLFL"])
    lb = lb[lb["PARAMCD"].isin(["ALT", "AST", "BILI", "CK", "CREAT", "CHOL"])]
    return lb.rename(columns={"A1LO": "ANRLO", "A1HI": "ANRHI"}).reset_index(drop=True)


def test_cdisc_adlbc_grades_are_0_to_4_or_nan_only_where_value_or_range_missing(adlbc):
    grades = grade_ctcae(adlbc)
    assert set(grades.dropna().unique()) <= {0.0, 1.0, 2.0, 3.0, 4.0}
    assert grades.notna().sum() > 10_000
    unexplained = grades.isna() & adlbc["AVAL"].notna() & adlbc["ANRHI"].notna()
    assert not unexplained.any()


def test_cdisc_adlbc_grade_0_within_normal_range(adlbc):
    grades = grade_ctcae(adlbc)
    within = (adlbc["AVAL"] >= adlbc["ANRLO"]) & (adlbc["AVAL"] <= adlbc["ANRHI"])
    # Two rules can grade a value inside the range: creatinine's baseline rule (> 1.5 x baseline) and
    # cholesterol's absolute grade 2 (> 7.75 mmol/L) where a lab's ULN is above 7.75 (01-716-1108: 7.76).
    exempt = ((adlbc["PARAMCD"] == "CREAT") & (adlbc["AVAL"] > 1.5 * adlbc["BASE"])) | (
        (adlbc["PARAMCD"] == "CHOL") & (adlbc["AVAL"] > 7.75))
    assert (grades[within & ~exempt] == 0).all()


def test_cdisc_adlbc_grades_are_monotone_in_the_value(adlbc):
    grades = grade_ctcae(adlbc)
    for factor in (1.01, 1.5, 3.0, 10.0):
        higher = grade_ctcae(adlbc.assign(AVAL=adlbc["AVAL"] * factor))
        both = grades.notna() & higher.notna()
        assert (higher[both] >= grades[both]).all()
