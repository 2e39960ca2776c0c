"""CTCAE v5.0 grading of laboratory results (grades 0-4).

Source: National Cancer Institute. Common Terminology Criteria for Adverse Events (CTCAE) v5.0,
27 November 2017, U.S. Department of Health and Human Services (SI units). The wording of each grade
below is quoted from that text as encoded in pharmaverse/admiral ``data-raw/adlb_grading/ncictcaev5.json``;
every threshold is a row of the table ``CTCAE_V5`` with its inclusiveness stated:

- CTCAE writes a grade as a range whose lower end is either strict (">ULN - 3.0 x ULN", "<1.5 - 1.0":
  strictly beyond the value) or inclusive ("1.71 - 3.42 mmol/L", "1.5 - 3.0 x baseline": the value itself
  belongs to the grade). A grade's range ends where the next grade starts, so the upper end of each range
  is inclusive whenever the next grade starts strictly beyond it. ``Threshold.inclusive`` records the
  lower end of every grade; this is where the project differs from admiral's encoding, which grades
  hypertriglyceridaemia grade 1 as ``> 1.71`` although CTCAE writes "1.71 - 3.42 mmol/L"
  (docs/decisions.md, "CTCAE grading");
- values are compared after rounding to ``SIGNIF_DIGITS`` significant digits, as admiral's
  ``signif(x, signif_dig)`` with its default of 15, so ``3 x 40.1`` equals ``120.3``;
- "decreased" terms (NEUT, LYM, WBC, HGB, PLAT) grade from absolute thresholds; grade 1 needs the
  lab's LLN and is missing (NaN) when LLN is missing and no higher grade applies;
- anaemia has no numeric grade 4 (it needs "life-threatening consequences"), so lab grading stops at 3;
- ALT and AST use ``x ULN`` thresholds when the baseline is normal and ``x baseline`` thresholds when it
  is abnormal (grade 1 from ``AVAL >= 1.5 x BASE``); bilirubin likewise (grade 1 from ``AVAL > BASE``);
- creatinine takes the worse of the ULN rule (grades 1-4) and the baseline rule (grades 2-3);
- CPK (CK) uses ``x ULN``; cholesterol uses ULN for grade 1 and absolute thresholds above;
  triglycerides use absolute thresholds only (not the ULN).

Project conventions (docs/decisions.md, "CTCAE grading"; tests pin them):

- "baseline abnormal" is ``BASE > ANRHI`` (admiral reads ``BNRIND`` = HIGH, which is the same thing when
  ANRHI is the row's range). A missing BASE counts as a normal baseline.
- The baseline-relative rules describe a change from baseline, so the baseline record itself
  (``ABLFL`` = "Y", when the column is present) is graded against the ULN.
- A grade-1 threshold whose reference (LLN or ULN) is missing leaves the row ungraded (NaN) unless a
  higher grade is reached without it; a missing BASE only switches a baseline rule off.
- A PARAMCD without a CTCAE term here (e.g. ESR, CRP, IgG) gets NaN: not gradable, never 0.
- A negative value of a graded parameter (a count or a concentration) is impossible: ``grade_ctcae``
  raises ``ValueError`` naming the parameter, the column and the value instead of grading it.
"""

from types import MappingProxyType
from typing import NamedTuple

import numpy as np
import pandas as pd

#: Significant digits of the comparison (admiral's default ``signif_dig``).
SIGNIF_DIGITS = 15

#: Baricitinib label thresholds, the same for not starting it and for interrupting it (Olumiant label; Olumiant HCP
#: treatment considerations; EU SmPC: "do not initiate" and "interrupt" at ANC < 1.0 x10^9/L, lymphocytes
#: < 0.5 x10^9/L, Hb < 80 g/L). PARAMCD -> threshold in the SI unit of ``vocabulary.LAB_PARAMS``; a value strictly
#: below alerts (``safety.list_lab_alerts``) and, before a start of baricitinib, is queried
#: (``eligibility.derive_label_queries``).
LAB_INTERRUPTION_THRESHOLDS = MappingProxyType({"NEUT": 1.0, "LYM": 0.5, "HGB": 80.0})

#: Values the baricitinib label asks to act on once detected: HBV DNA, monitored in a patient with past hepatitis B
#: (anti-HBc positive, HBsAg negative): "If HBV DNA is detected, consult a hepatologist" (Olumiant HCP treatment
#: considerations; Lilly Medical, laboratory monitoring). PARAMCD -> the value of not detected (0:
#: ``dictionary.NOT_DETECTED_TESTS``); a value above it alerts (``safety.list_lab_alerts``).
LAB_DETECTION_ALERTS = MappingProxyType({"HBVDNA": 0.0})
#: What the laboratory alerts list (Listing 14.3.4.5, ``safety.list_lab_alerts``), in the listing's title, the ARD's
#: method and the report's sentences.
LAB_ALERTS_CRITERIA = "CTCAE grade 3 or more, below the label's interruption thresholds, or HBV DNA detected"


class Threshold(NamedTuple):
    """Where one CTCAE grade starts.

    The threshold is ``factor`` times the reference ``ref``: ``"ABS"`` (an absolute value in SI units),
    ``"LLN"``, ``"ULN"`` or ``"BASE"`` (the subject's baseline value). ``inclusive`` is True when the grade
    starts at the threshold itself (``>=`` for an increased term, ``<=`` for a decreased one) and False when
    it starts strictly beyond it (``>`` or ``<``). ``ctcae`` quotes the CTCAE v5.0 wording of the grade.
    """

    grade: int
    ref: str
    factor: float
    inclusive: bool
    ctcae: str


class Term(NamedTuple):
    """A CTCAE term graded from one laboratory parameter.

    ``direction`` is ``"H"`` (increased: the grade is reached above its threshold) or ``"L"`` (decreased:
    below it). ``thresholds`` apply when the baseline is normal or missing (for creatinine, the ULN and the
    baseline rules together: the worse grade wins); ``abnormal_baseline``, when not empty, replaces them on
    post-baseline rows whose baseline is above the ULN (ALT, AST, bilirubin).
    """

    name: str
    direction: str
    thresholds: tuple
    abnormal_baseline: tuple = ()


T = Threshold

#: ALT and AST increased share their CTCAE v5.0 wording: (x ULN when the baseline is normal,
#: x baseline when it is abnormal).
_AMINOTRANSFERASE = (
    (T(1, "ULN", 1.0, False, ">ULN - 3.0 x ULN if baseline was normal"),
     T(2, "ULN", 3.0, False, ">3.0 - 5.0 x ULN if baseline was normal"),
     T(3, "ULN", 5.0, False, ">5.0 - 20.0 x ULN if baseline was normal"),
     T(4, "ULN", 20.0, False, ">20.0 x ULN if baseline was normal")),
    (T(1, "BASE", 1.5, True, "1.5 - 3.0 x baseline if baseline was abnormal"),
     T(2, "BASE", 3.0, False, ">3.0 - 5.0 x baseline if baseline was abnormal"),
     T(3, "BASE", 5.0, False, ">5.0 - 20.0 x baseline if baseline was abnormal"),
     T(4, "BASE", 20.0, False, ">20.0 x baseline if baseline was abnormal")),
)

#: CTCAE v5.0 laboratory terms graded here: PARAMCD -> Term. Units are those of vocabulary.LAB_PARAMS
#: (10^9/L for counts; g/L for haemoglobin; U/L for ALT, AST, CK; umol/L for bilirubin and creatinine;
#: mmol/L for cholesterol and triglycerides). Each threshold quotes the CTCAE wording of its grade.
CTCAE_V5 = MappingProxyType({
    "NEUT": Term("Neutrophil count decreased", "L", (
        T(1, "LLN", 1.0, False, "<LLN - 1500/mm3; <LLN - 1.5 x 10e9 /L"),
        T(2, "ABS", 1.5, False, "<1500 - 1000/mm3; <1.5 - 1.0 x 10e9 /L"),
        T(3, "ABS", 1.0, False, "<1000 - 500/mm3; <1.0 - 0.5 x 10e9 /L"),
        T(4, "ABS", 0.5, False, "<500/mm3; <0.5 x 10e9 /L"),
    )),
    "LYM": Term("Lymphocyte count decreased", "L", (
        T(1, "LLN", 1.0, False, "<LLN - 800/mm3; <LLN - 0.8 x 10e9/L"),
        T(2, "ABS", 0.8, False, "<800 - 500/mm3; <0.8 - 0.5 x 10e9 /L"),
        T(3, "ABS", 0.5, False, "<500 - 200/mm3; <0.5 - 0.2 x 10e9 /L"),
        T(4, "ABS", 0.2, False, "<200/mm3; <0.2 x 10e9 /L"),
    )),
    "WBC": Term("White blood cell decreased", "L", (
        T(1, "LLN", 1.0, False, "<LLN - 3000/mm3; <LLN - 3.0 x 10e9 /L"),
        T(2, "ABS", 3.0, False, "<3000 - 2000/mm3; <3.0 - 2.0 x 10e9 /L"),
        T(3, "ABS", 2.0, False, "<2000 - 1000/mm3; <2.0 - 1.0 x 10e9 /L"),
        T(4, "ABS", 1.0, False, "<1000/mm3; <1.0 x 10e9 /L"),
    )),
    "PLAT": Term("Platelet count decreased", "L", (
        T(1, "LLN", 1.0, False, "<LLN - 75,000/mm3; <LLN - 75.0 x 10e9 /L"),
        T(2, "ABS", 75.0, False, "<75,000 - 50,000/mm3; <75.0 - 50.0 x 10e9 /L"),
        T(3, "ABS", 50.0, False, "<50,000 - 25,000/mm3; <50.0 - 25.0 x 10e9 /L"),
        T(4, "ABS", 25.0, False, "<25,000/mm3; <25.0 x 10e9 /L"),
    )),
    # Grade 4, "Life-threatening consequences; urgent intervention indicated", has no numeric threshold.
    "HGB": Term("Anemia", "L", (
        T(1, "LLN", 1.0, False, "Hemoglobin (Hgb) <LLN - 10.0 g/dL; <LLN - 6.2 mmol/L; <LLN - 100 g/L"),
        T(2, "ABS", 100.0, False, "Hgb <10.0 - 8.0 g/dL; <6.2 - 4.9 mmol/L; <100 - 80g/L"),
        T(3, "ABS", 80.0, False, "Hgb <8.0 g/dL; <4.9 mmol/L; <80 g/L; transfusion indicated"),
    )),
    "ALT": Term("Alanine aminotransferase increased", "H", *_AMINOTRANSFERASE),
    "AST": Term("Aspartate aminotransferase increased", "H", *_AMINOTRANSFERASE),
    "BILI": Term("Blood bilirubin increased", "H", (
        T(1, "ULN", 1.0, False, ">ULN - 1.5 x ULN if baseline was normal"),
        T(2, "ULN", 1.5, False, ">1.5 - 3.0 x ULN if baseline was normal"),
        T(3, "ULN", 3.0, False, ">3.0 - 10.0 x ULN if baseline was normal"),
        T(4, "ULN", 10.0, False, ">10.0 x ULN if baseline was normal"),
    ), (
        T(1, "BASE", 1.0, False, "> 1.0 - 1.5 x baseline if baseline was abnormal"),
        T(2, "BASE", 1.5, False, ">1.5 - 3.0 x baseline if baseline was abnormal"),
        T(3, "BASE", 3.0, False, ">3.0 - 10.0 x baseline if baseline was abnormal"),
        T(4, "BASE", 10.0, False, ">10.0 x baseline if baseline was abnormal"),
    )),
    "CK": Term("CPK increased", "H", (
        T(1, "ULN", 1.0, False, ">ULN - 2.5 x ULN"),
        T(2, "ULN", 2.5, False, ">2.5 x ULN - 5 x ULN"),
        T(3, "ULN", 5.0, False, ">5 x ULN - 10 x ULN"),
        T(4, "ULN", 10.0, False, ">10 x ULN"),
    )),
    "CREAT": Term("Creatinine increased", "H", (
        T(1, "ULN", 1.0, False, ">ULN - 1.5 x ULN"),
        T(2, "ULN", 1.5, False, ">1.5 - 3.0 x ULN"),
        T(2, "BASE", 1.5, False, ">1.5 - 3.0 x baseline"),
        T(3, "ULN", 3.0, False, ">3.0 - 6.0 x ULN"),
        T(3, "BASE", 3.0, False, ">3.0 baseline"),
        T(4, "ULN", 6.0, False, ">6.0 x ULN"),
    )),
    "CHOL": Term("Cholesterol high", "H", (
        T(1, "ULN", 1.0, False, ">ULN - 300 mg/dL; >ULN - 7.75 mmol/L"),
        T(2, "ABS", 7.75, False, ">300 - 400 mg/dL; >7.75 - 10.34 mmol/L"),
        T(3, "ABS", 10.34, False, ">400 - 500 mg/dL; >10.34 - 12.92 mmol/L"),
        T(4, "ABS", 12.92, False, ">500 mg/dL; >12.92 mmol/L"),
    )),
    # Grade 1 is inclusive at 1.71 mmol/L as CTCAE writes it (admiral encodes "> 1.71"); the ULN plays no part.
    "TRIG": Term("Hypertriglyceridemia", "H", (
        T(1, "ABS", 1.71, True, "150 mg/dL - 300 mg/dL; 1.71 mmol/L - 3.42 mmol/L"),
        T(2, "ABS", 3.42, False, ">300 mg/dL - 500 mg/dL; >3.42 mmol/L - 5.7 mmol/L"),
        T(3, "ABS", 5.7, False, ">500 mg/dL - 1000 mg/dL; >5.7 mmol/L - 11.4 mmol/L"),
        T(4, "ABS", 11.4, False, ">1000 mg/dL; >11.4 mmol/L; life-threatening consequences"),
    )),
})
del T

#: PARAMCDs this module grades.
GRADED_PARAMS = frozenset(CTCAE_V5)

#: Columns whose values are counts or concentrations of a graded parameter, so never negative.
NON_NEGATIVE_COLUMNS = ("AVAL", "BASE", "ANRLO", "ANRHI")


def _signif(x: np.ndarray, digits: int = SIGNIF_DIGITS) -> np.ndarray:
    """Round to ``digits`` significant digits, elementwise (R's ``signif``); NaN and 0 pass through."""
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        exponent = np.floor(np.log10(np.abs(x)))
        exponent = np.where(np.isfinite(exponent), exponent, 0)
        scale = 10.0 ** (digits - 1 - exponent)
        return np.where(np.isfinite(x) & (x != 0), np.round(x * scale) / scale, x)


def _reached(v: np.ndarray, threshold: np.ndarray, direction: str, inclusive: bool) -> np.ndarray:
    """Whether each (rounded) value reaches the grade starting at ``threshold`` (False where it is NaN)."""
    if direction == "H":
        return v >= threshold if inclusive else v > threshold
    return v <= threshold if inclusive else v < threshold


def _grade_term(term: Term, v: np.ndarray, refs: dict, abnormal: np.ndarray) -> np.ndarray:
    """Grades of one term (NaN where a missing grade-1 reference leaves the grade open).

    ``v`` is the rounded value; ``refs`` maps ``"LLN"``, ``"ULN"``, ``"BASE"`` to float arrays;
    ``abnormal`` marks the rows graded by ``term.abnormal_baseline`` when the term has one.
    """
    def grade_by(thresholds) -> np.ndarray:
        grade, open_g1 = np.zeros(v.shape), np.zeros(v.shape, bool)
        for t in thresholds:
            ref = np.ones(v.shape) if t.ref == "ABS" else refs[t.ref]
            reached = _reached(v, _signif(t.factor * ref), term.direction, t.inclusive)
            grade = np.where(reached, np.fmax(grade, t.grade), grade)
            if t.grade == 1 and t.ref in ("LLN", "ULN"):
                open_g1 |= np.isnan(ref)
        return np.where(open_g1 & (grade < 2), np.nan, grade)

    grade = grade_by(term.thresholds)
    if term.abnormal_baseline:
        grade = np.where(abnormal, grade_by(term.abnormal_baseline), grade)
    return grade


def _check_non_negative(adlb: pd.DataFrame, graded: np.ndarray, values: dict) -> None:
    """Raise ValueError at the first negative value of a graded parameter (defence in depth)."""
    for col in NON_NEGATIVE_COLUMNS:
        bad = np.flatnonzero(graded & (values[col] < 0))
        if bad.size:
            row = adlb.iloc[bad[0]]
            where = ", ".join(f"{c} {row[c]}" for c in ("USUBJID", "AVISIT") if c in adlb.columns)
            raise ValueError(f"grade_ctcae: PARAMCD {row['PARAMCD']}: negative {col} {row[col]}"
                             f"{' (' + where + ')' if where else ''}; a count or concentration cannot be "
                             f"negative, so it is not graded ({bad.size} such row(s))")


def grade_ctcae(adlb: pd.DataFrame) -> pd.Series:
    """Grade each laboratory result by CTCAE v5.0 (0-4; NaN when it cannot be graded).

    Parameters
    ----------
    adlb : DataFrame
        ADLB-like rows with ``PARAMCD`` (NEUT, LYM, WBC, HGB, PLAT in 10^9/L and g/L; ALT, AST, CK in U/L;
        BILI, CREAT in umol/L; CHOL, TRIG in mmol/L), ``AVAL``, ``ANRLO``, ``ANRHI``, ``BASE`` and
        optionally ``ABLFL`` (``USUBJID`` and ``AVISIT``, when present, locate errors). Other PARAMCDs
        get NaN. The thresholds and their inclusiveness are the table ``CTCAE_V5``.

    Returns
    -------
    Series
        Float grades named ``ATOXGR``, aligned to ``adlb``'s index. NaN when AVAL is missing, when the
        needed LLN/ULN is missing (and no grade is reached without it), or when PARAMCD is not graded.

    Raises
    ------
    ValueError
        When a column is missing, or when AVAL, BASE, ANRLO or ANRHI of a graded parameter is negative
        (the message names the parameter, the column, the value and the subject and visit).

    Examples
    --------
    >>> lb = pd.DataFrame({"PARAMCD": ["NEUT", "NEUT", "NEUT", "ALT", "ALT", "TRIG"],
    ...                    "AVAL": [1.0, 1.6, 1.6, 121.0, 60.0, 1.71], "ANRLO": [1.8, 1.8, None, 7, 7, 0.5],
    ...                    "ANRHI": [6.3, 6.3, 6.3, 40, 40, 1.7], "BASE": [2.0, 2.0, 2.0, 30, 40, 1.0]})
    >>> grade_ctcae(lb).tolist()
    [2.0, 1.0, nan, 2.0, 1.0, 1.0]
    """
    missing = [c for c in ("PARAMCD", "AVAL", "ANRLO", "ANRHI", "BASE") if c not in adlb.columns]
    if missing:
        raise ValueError(f"grade_ctcae: missing column(s) {missing}")
    codes, uniques = pd.factorize(adlb["PARAMCD"])
    values = {c: pd.to_numeric(adlb[c], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
              for c in NON_NEGATIVE_COLUMNS}
    graded = np.isin(codes, [k for k, param in enumerate(uniques) if param in CTCAE_V5])
    _check_non_negative(adlb, graded, values)
    aval, lln, uln, base = values["AVAL"], values["ANRLO"], values["ANRHI"], values["BASE"]
    v = _signif(aval)
    is_baseline = (adlb["ABLFL"] == "Y").to_numpy() if "ABLFL" in adlb.columns else np.zeros(len(adlb), bool)
    abnormal = ~is_baseline & (_signif(base) > _signif(uln))
    grade = np.full(len(adlb), np.nan)
    for k, param in enumerate(uniques):
        if param not in CTCAE_V5:
            continue
        rows = codes == k
        refs = {"LLN": lln[rows], "ULN": uln[rows], "BASE": base[rows]}
        grade[rows] = _grade_term(CTCAE_V5[param], v[rows], refs, abnormal[rows])
    grade[np.isnan(aval)] = np.nan
    return pd.Series(grade, index=adlb.index, name="ATOXGR")
