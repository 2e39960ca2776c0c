"""Tests of analysis_utils.ctcae: CTCAE v5.0 thresholds on both sides for each test, the
baseline-relative rules, and invariants on the CDISC pilot ADLBC."""

import numpy as np
import pandas as pd
import pytest

from analysis_utils import paths
from analysis_utils.ctcae import grade_ctcae


def grade(paramcd, aval, *, lln=np.nan, uln=np.nan, base=np.nan, ablfl="N") -> float:
    frame = pd.DataFrame({"PARAMCD": [paramcd], "AVAL": [aval], "ANRLO": [lln], "ANRHI": [uln],
                          "BASE": [base], "ABLFL": [ablfl]})
    return grade_ctcae(frame).iloc[0]


# (PARAMCD, LLN, [(AVAL, grade), ...]): decreased terms, every threshold on both sides.
DECREASED = [
    ("NEUT", 1.8, [(1.8, 0), (1.79, 1), (1.5, 1), (1.49, 2), (1.0, 2), (0.99, 3), (0.5, 3), (0.49, 4)]),
    ("LYM", 1.0, [(1.0, 0), (0.99, 1), (0.8, 1), (0.79, 2), (0.5, 2), (0.49, 3), (0.2, 3), (0.19, 4)]),
    ("WBC", 3.5, [(3.5, 0), (3.49, 1), (3.0, 1), (2.99, 2), (2.0, 2), (1.99, 3), (1.0, 3), (0.99, 4)]),
    ("PLAT", 150, [(150, 0), (149, 1), (75, 1), (74, 2), (50, 2), (49, 3), (25, 3), (24, 4)]),
    ("HGB", 120, [(120, 0), (119, 1), (100, 1), (99, 2), (80, 2), (79, 3), (30, 3)]),  # no grade 4 from labs
]


@pytest.mark.parametrize("paramcd, lln, aval, expected",
                         [(p, lln, a, g) for p, lln, cases in DECREASED for a, g in cases])
def test_decreased_terms_thresholds(paramcd, lln, aval, expected):
    assert grade(paramcd, aval, lln=lln, uln=lln * 5) == expected


@pytest.mark.parametrize("paramcd, aval, expected", [
    ("NEUT", 1.6, np.nan), ("NEUT", 1.4, 2), ("HGB", 110, np.nan), ("HGB", 99, 2), ("PLAT", 100, np.nan),
])
def test_decreased_grade_1_is_nan_without_lln_but_higher_grades_stand(paramcd, aval, expected):
    got = grade(paramcd, aval, uln=1000)
    assert (np.isnan(got) and np.isnan(expected)) or got == expected


# Increased terms graded on ULN (baseline normal or missing).
ULN_CASES = [
    ("ALT", 40, [(40, 0), (41, 1), (120, 1), (121, 2), (200, 2), (201, 3), (800, 3), (801, 4)]),
    ("AST", 40, [(40, 0), (41, 1), (120, 1), (121, 2), (200, 2), (201, 3), (800, 3), (801, 4)]),
    ("BILI", 21, [(21, 0), (21.1, 1), (31.5, 1), (31.6, 2), (63, 2), (63.1, 3), (210, 3), (210.1, 4)]),
    ("CK", 200, [(200, 0), (201, 1), (500, 1), (501, 2), (1000, 2), (1001, 3), (2000, 3), (2001, 4)]),
    ("CREAT", 100, [(100, 0), (101, 1), (150, 1), (151, 2), (300, 2), (301, 3), (600, 3), (601, 4)]),
    ("CHOL", 5.2, [(5.2, 0), (5.21, 1), (7.75, 1), (7.76, 2), (10.34, 2), (10.35, 3), (12.92, 3), (12.93, 4)]),
]


@pytest.mark.parametrize("paramcd, uln, aval, expected",
                         [(p, uln, a, g) for p, uln, cases in ULN_CASES for a, g in cases])
def test_increased_terms_uln_thresholds(paramcd, uln, aval, expected):
    assert grade(paramcd, aval, lln=uln / 10, uln=uln) == expected


# ALT/AST/bilirubin with an abnormal baseline (BASE > ULN): thresholds are multiples of the baseline.
BASELINE_CASES = [
    ("ALT", 40, 60, [(89, 0), (90, 1), (180, 1), (181, 2), (300, 2), (301, 3), (1200, 3), (1201, 4)]),
    ("AST", 40, 60, [(89, 0), (90, 1), (180, 1), (181, 2), (300, 2), (301, 3), (1200, 3), (1201, 4)]),
    ("BILI", 21, 30, [(30, 0), (30.1, 1), (45, 1), (45.1, 2), (90, 2), (90.1, 3), (300, 3), (300.1, 4)]),
]


@pytest.mark.parametrize("paramcd, uln, base, aval, expected",
                         [(p, uln, b, a, g) for p, uln, b, cases in BASELINE_CASES for a, g in cases])
def test_alt_ast_bili_use_baseline_multiples_when_baseline_is_abnormal(paramcd, uln, base, aval, expected):
    assert grade(paramcd, aval, uln=uln, base=base) == expected


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


@pytest.mark.parametrize("aval, expected", [(1.71, 0), (1.72, 1), (3.42, 1), (3.43, 2), (5.7, 2), (5.71, 3),
                                            (11.4, 3), (11.41, 4)])
def test_triglycerides_use_absolute_thresholds(aval, expected):
    assert grade("TRIG", aval, uln=1.7) == expected


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
