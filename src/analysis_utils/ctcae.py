"""CTCAE v5.0 grading of laboratory results (grades 0-4).

Source: NCI Common Terminology Criteria for Adverse Events v5.0 (27 Nov 2017), in the machine-readable
encoding of pharmaverse/admiral ``data-raw/adlb_grading/ncictcaev5.json`` (SI units; domain.md §5).
Every threshold below is a named table taken from that encoding:

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

Project conventions (documented choices, tests pin them):

- "baseline abnormal" is ``BASE > ANRHI`` (the brief's rule; admiral reads ``BNRIND`` = HIGH, which is
  the same thing when ANRHI is the row's range). A missing BASE counts as a normal baseline.
- The baseline-relative rules describe a change from baseline, so the baseline record itself
  (``ABLFL`` = "Y", when the column is present) is graded against the ULN.
- A PARAMCD without a CTCAE term here (e.g. ESR, CRP, IgG) gets NaN: not gradable, never 0.
"""

from types import MappingProxyType

import numpy as np
import pandas as pd

#: Significant digits of the comparison (admiral's default ``signif_dig``).
SIGNIF_DIGITS = 15

#: Decreased terms: PARAMCD -> (grade-2, grade-3, grade-4 upper limits, exclusive: grade g when AVAL < limit).
#: SI units of vocabulary.LAB_PARAMS (10^9/L; g/L for haemoglobin). Grade 1 = AVAL < LLN. ``None`` = no grade.
CTCAE_DECREASED = MappingProxyType({
    "NEUT": (1.5, 1.0, 0.5),   # Neutrophil count decreased
    "LYM": (0.8, 0.5, 0.2),    # Lymphocyte count decreased
    "WBC": (3.0, 2.0, 1.0),    # White blood cell decreased
    "PLAT": (75.0, 50.0, 25.0),  # Platelet count decreased
    "HGB": (100.0, 80.0, None),  # Anaemia: grade 4 is clinical only
})

#: Increased terms graded on multiples of ULN, or of the baseline when the baseline is abnormal:
#: PARAMCD -> (ULN multiples for grades 1-4, baseline multiples for grades 1-4, is grade 1 on baseline inclusive).
#: Grade g when AVAL > multiple x reference (>= for grade 1 on baseline when inclusive).
CTCAE_ULN_OR_BASELINE = MappingProxyType({
    "ALT": ((1.0, 3.0, 5.0, 20.0), (1.5, 3.0, 5.0, 20.0), True),   # ALT increased
    "AST": ((1.0, 3.0, 5.0, 20.0), (1.5, 3.0, 5.0, 20.0), True),   # AST increased
    "BILI": ((1.0, 1.5, 3.0, 10.0), (1.0, 1.5, 3.0, 10.0), False),  # Blood bilirubin increased
})

#: CPK increased: grade g when AVAL > multiple x ULN (grades 1-4).
CTCAE_CK_ULN = (1.0, 2.5, 5.0, 10.0)

#: Creatinine increased: ULN multiples for grades 1-4, and baseline multiples for grades 2-3
#: (">1.5 - 3.0 x baseline", ">3.0 x baseline"); the grade is the worse of the two rules.
CTCAE_CREAT_ULN = (1.0, 1.5, 3.0, 6.0)
CTCAE_CREAT_BASELINE = (None, 1.5, 3.0, None)

#: Cholesterol high (mmol/L): grade 1 > ULN, grades 2-4 > absolute limits.
CTCAE_CHOL_ABSOLUTE = (None, 7.75, 10.34, 12.92)
#: Hypertriglyceridaemia (mmol/L): grades 1-4 > absolute limits; the ULN plays no part.
#: CTCAE lists grade 1 as "1.71 - 3.42 mmol/L"; admiral's encoding grades it as > 1.71, which is followed here.
CTCAE_TRIG_ABSOLUTE = (1.71, 3.42, 5.7, 11.4)

#: PARAMCDs this module grades.
GRADED_PARAMS = frozenset(CTCAE_DECREASED) | frozenset(CTCAE_ULN_OR_BASELINE) | {"CK", "CREAT", "CHOL", "TRIG"}


def _signif(x: np.ndarray, digits: int = SIGNIF_DIGITS) -> np.ndarray:
    """Round to ``digits`` significant digits, elementwise (R's ``signif``); NaN and 0 pass through."""
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        exponent = np.floor(np.log10(np.abs(x)))
        exponent = np.where(np.isfinite(exponent), exponent, 0)
        scale = 10.0 ** (digits - 1 - exponent)
        return np.where(np.isfinite(x) & (x != 0), np.round(x * scale) / scale, x)


def _grade_above(v: np.ndarray, refs: list, inclusive_first: bool = False) -> np.ndarray:
    """Highest g in 1..4 with v > signif(refs[g-1]) (>= for g = 1 when ``inclusive_first``); 0 if none.

    ``v`` is already rounded by ``_signif``. ``refs[g-1]`` may be None (no such grade) or an array with
    NaN (rule not applicable on that row).
    """
    grade = np.zeros(v.shape)
    for g, ref in enumerate(refs, start=1):
        if ref is None:
            continue
        r = _signif(np.broadcast_to(ref, v.shape))
        hit = (v >= r) if (g == 1 and inclusive_first) else (v > r)
        grade[hit] = g
    return grade


def _grade_decreased(v: np.ndarray, lln: np.ndarray, limits) -> np.ndarray:
    lo = _signif(lln)
    grade = np.where(np.isnan(lo), np.nan, np.where(v < lo, 1.0, 0.0))
    for g, limit in enumerate(limits, start=2):
        if limit is not None:
            grade[v < limit] = g
    return grade


def _grade_increased(code: str, v: np.ndarray, uln: np.ndarray, base: np.ndarray, base_rule: np.ndarray) -> np.ndarray:
    """Grades of the increased terms for one PARAMCD (NaN where the needed reference is missing)."""
    if code in CTCAE_ULN_OR_BASELINE:
        uln_mult, base_mult, inclusive = CTCAE_ULN_OR_BASELINE[code]
        by_uln = _grade_above(v, [m * uln for m in uln_mult])
        by_base = _grade_above(v, [m * base for m in base_mult], inclusive_first=inclusive)
        return np.where(np.isnan(uln), np.nan, np.where(base_rule, by_base, by_uln))
    if code == "CK":
        return np.where(np.isnan(uln), np.nan, _grade_above(v, [m * uln for m in CTCAE_CK_ULN]))
    if code == "CREAT":
        by_uln = _grade_above(v, [m * uln for m in CTCAE_CREAT_ULN])
        by_base = _grade_above(v, [None if m is None else m * base for m in CTCAE_CREAT_BASELINE])
        worst = np.fmax(by_uln, by_base)
        return np.where(np.isnan(uln) & (by_base < 2), np.nan, worst)
    if code == "CHOL":
        grade = _grade_above(v, [uln, *CTCAE_CHOL_ABSOLUTE[1:]])
        return np.where(np.isnan(uln) & (grade < 2), np.nan, grade)
    return _grade_above(v, list(CTCAE_TRIG_ABSOLUTE))


def grade_ctcae(adlb: pd.DataFrame) -> pd.Series:
    """Grade each laboratory result by CTCAE v5.0 (0-4; NaN when it cannot be graded).

    Parameters
    ----------
    adlb : DataFrame
        ADLB-like rows with ``PARAMCD`` (NEUT, LYM, WBC, HGB, PLAT in 10^9/L and g/L; ALT, AST, CK in U/L;
        BILI, CREAT in umol/L; CHOL, TRIG in mmol/L), ``AVAL``, ``ANRLO``, ``ANRHI``, ``BASE`` and
        optionally ``ABLFL``. Other PARAMCDs get NaN.

    Returns
    -------
    Series
        Float grades named ``ATOXGR``, aligned to ``adlb``'s index. NaN when AVAL is missing, when the
        needed LLN/ULN is missing (and no grade is reached without it), or when PARAMCD is not graded.

    Examples
    --------
    >>> lb = pd.DataFrame({"PARAMCD": ["NEUT", "NEUT", "NEUT", "ALT", "ALT", "TRIG"],
    ...                    "AVAL": [1.0, 1.6, 1.6, 121.0, 60.0, 1.8], "ANRLO": [1.8, 1.8, None, 7, 7, 0.5],
    ...                    "ANRHI": [6.3, 6.3, 6.3, 40, 40, 1.7], "BASE": [2.0, 2.0, 2.0, 30, 40, 1.0]})
    >>> grade_ctcae(lb).tolist()
    [2.0, 1.0, nan, 2.0, 1.0, 1.0]
    """
    missing = [c for c in ("PARAMCD", "AVAL", "ANRLO", "ANRHI", "BASE") if c not in adlb.columns]
    if missing:
        raise ValueError(f"grade_ctcae: missing column(s) {missing}")
    codes, uniques = pd.factorize(adlb["PARAMCD"])
    aval, lln, uln, base = (pd.to_numeric(adlb[c], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
                            for c in ("AVAL", "ANRLO", "ANRHI", "BASE"))
    v = _signif(aval)
    is_baseline = (adlb["ABLFL"] == "Y").to_numpy() if "ABLFL" in adlb.columns else np.zeros(len(adlb), bool)
    base_rule = ~is_baseline & (_signif(base) > _signif(uln))
    grade = np.full(len(adlb), np.nan)
    for k, param in enumerate(uniques):
        if param not in GRADED_PARAMS:
            continue
        rows = codes == k
        if param in CTCAE_DECREASED:
            grade[rows] = _grade_decreased(v[rows], lln[rows], CTCAE_DECREASED[param])
        else:
            grade[rows] = _grade_increased(param, v[rows], uln[rows], base[rows], base_rule[rows])
    grade[np.isnan(aval)] = np.nan
    return pd.Series(grade, index=adlb.index, name="ATOXGR")
