"""Clinical scores of primary Sjögren's syndrome: ESSDAI, ESSPRI, PGA, responses and lab-implied levels.

Sources:

- ESSDAI: Seror R et al. Ann Rheum Dis 2010;69:1103-9, Table 3 (domains, weights, levels);
  Seror R et al. RMD Open 2015;1:e000022 (user guide).
- Activity states and MCII: Seror R et al. Ann Rheum Dis 2016;75:382-9.
- ESSPRI: Seror R et al. Ann Rheum Dis 2011;70:968-72 (mean of dryness, fatigue and pain, 0-10).
- Project decisions docs/decisions.md (a)-(f) ("Scoring decisions"): IgG boundaries, biological domain
  with missing assays, attribution of cytopenias, PGA on 0-10, all three ESSPRI items required, ClinESSDAI.

ClinESSDAI is **not implemented**: its weights were found only in an unattributed public code file and
have not been verified against Table 2 of Seror R et al. Ann Rheum Dis 2016;75:1945-50
(docs/decisions.md (f)). No value in this package is a ClinESSDAI.

Exact arithmetic: every boundary is compared on integers. ESSDAI totals are integer sums; ESSPRI
responses are decided on integer item sums; lab values are rounded to their reporting resolution and
compared in integer units (cells/µL, g/L, tenths of g/L), never as raw binary floats.

The efficacy BDS (``derive_adeff``) follows docs/analysis_datasets.md, section ``adeff``.
"""

from types import MappingProxyType

import numpy as np
import pandas as pd

from analysis_utils import vocabulary as voc
from analysis_utils.report import QUERY_COLUMNS
from analysis_utils.vocabulary import ESSDAI_DOMAINS

# ---------------------------------------------------------------------------------------------------
# ESSDAI: weights, levels, categories, MCII
# ---------------------------------------------------------------------------------------------------

#: ESSDAI domain weights (Seror et al. 2010, Table 3). Domain score = weight x activity level.
ESSDAI_WEIGHTS = MappingProxyType({
    "constitutional": 3, "lymphadenopathy": 4, "glandular": 2, "articular": 2,
    "cutaneous": 3, "pulmonary": 5, "renal": 5, "muscular": 6, "pns": 5, "cns": 5,
    "haematological": 2, "biological": 1,
})

#: Activity levels each domain allows (Seror et al. 2010, Table 3): no level 3 ("high") for
#: constitutional, glandular and biological; no level 1 ("low") for CNS.
ESSDAI_ALLOWED_LEVELS = MappingProxyType({
    d: frozenset({0, 1, 2}) if d in ("constitutional", "glandular", "biological")
    else frozenset({0, 2, 3}) if d == "cns"
    else frozenset({0, 1, 2, 3})
    for d in ESSDAI_DOMAINS
})

#: Highest possible ESSDAI total, the sum of weight x highest allowed level (= 123).
ESSDAI_MAX = sum(ESSDAI_WEIGHTS[d] * max(ESSDAI_ALLOWED_LEVELS[d]) for d in ESSDAI_DOMAINS)

#: ESSDAI activity categories (Seror et al. 2016, abstract): low < 5, moderate 5-13, high >= 14.
#: Each entry is (lowest total of the category, label).
ESSDAI_CATEGORIES = ((0, "Low"), (5, "Moderate"), (14, "High"))

#: ESSDAI minimal clinically important improvement: a decrease of at least 3 points (Seror et al. 2016).
ESSDAI_MCII_DECREASE = 3

# ---------------------------------------------------------------------------------------------------
# ESSPRI and PGA
# ---------------------------------------------------------------------------------------------------

#: ESSPRI item scale: integer numerical rating scales 0-10 (Seror et al. 2011).
ESSPRI_ITEM_RANGE = (0, 10)
#: Patient acceptable symptom state: ESSPRI < 5 (Seror R et al. Ann Rheum Dis 2016;75:382-9).
ESSPRI_PASS_CUTOFF = 5
#: ESSPRI MCII, absolute rule: a decrease of at least 1 point (Seror R et al. Ann Rheum Dis 2016;75:382-9, Table 4).
ESSPRI_MCII_POINTS = 1
#: ESSPRI MCII, relative rule: a decrease of at least 15 % of baseline, as a percentage (same source).
ESSPRI_MCII_PERCENT = 15
#: Tolerance of ``is_esspri_mcii`` on float ESSPRI values (absolute, in ESSPRI points / fraction of baseline).
#: 1e-9 is far below the smallest real difference (1/3 point) and far above float error (~1e-15).
ESSPRI_FLOAT_TOLERANCE = 1e-9
#: Physician global assessment scale (docs/decisions.md (d)): 0-10.
PGA_RANGE = (0, 10)

# ---------------------------------------------------------------------------------------------------
# Lab-implied ESSDAI levels (Seror et al. 2010, Table 3, rows 11-12; docs/decisions.md (a)-(c))
# ---------------------------------------------------------------------------------------------------

#: Haematological items compared in integer units after rounding to the unit's resolution:
#: PARAMCD -> (factor from the SI unit of vocabulary.LAB_PARAMS to the integer unit, integer unit).
HAEM_LAB_UNITS = MappingProxyType({
    "NEUT": (1000, "cells/uL"), "LYM": (1000, "cells/uL"), "PLAT": (1000, "cells/uL"), "HGB": (1, "g/L"),
})
#: Haematological levels per item, in integer units (Seror R et al. Ann Rheum Dis 2010;69:1103-9, Table 3, row 11).
#: Each level is (lower, lower_inclusive, upper, upper_inclusive); None = unbounded. Low uses strict
#: inequalities, moderate inclusive ones: ANC 1000 < x < 1500 low, 500 <= x <= 1000 moderate, < 500 high;
#: Hb 100 < x < 120 g/L low, 80-100 moderate, < 80 high; platelets 100,000 < x < 150,000/µL low,
#: 50,000-100,000 moderate, < 50,000 high; lymphocytes 500 < x < 1000/µL low, <= 500 moderate (no high level).
HAEM_LEVEL_BOUNDS = MappingProxyType({
    "NEUT": {3: (None, False, 500, False), 2: (500, True, 1000, True), 1: (1000, False, 1500, False)},
    "HGB": {3: (None, False, 80, False), 2: (80, True, 100, True), 1: (100, False, 120, False)},
    "PLAT": {3: (None, False, 50_000, False), 2: (50_000, True, 100_000, True), 1: (100_000, False, 150_000, False)},
    "LYM": {2: (None, False, 500, True), 1: (500, False, 1000, False)},
})

#: IgG in integer tenths of g/L (docs/decisions.md (a)): > 16.0 and <= 20.0 g/L -> low (1);
#: > 20.0 g/L -> moderate (2); 16.0 exactly -> 0.
IGG_TENTHS_LOW_ABOVE = 160
IGG_TENTHS_MODERATE_ABOVE = 200
#: IgG < 5 g/L ("recent-onset hypogammaglobulinaemia or recent decrease of IgG level (< 5 g/L)") -> moderate (2).
#: Whether the decrease is recent needs the physician; the lab-implied level only raises a query.
IGG_TENTHS_HYPO_BELOW = 50
#: Complement (C3, C4) compared with the lab's LLN in integer hundredths of g/L; below LLN -> low (1).
COMPLEMENT_HUNDREDTHS = 100
#: Biological items and the level a positive finding implies (Seror et al. 2010 row 12).
BIOL_QUALITATIVE_LEVEL = MappingProxyType({"MCOMP": 1, "CRYO": 2})
#: Positive result of a qualitative test (AVALC, docs/analysis_datasets.md ``adlb``).
POSITIVE = "POSITIVE"

# ---------------------------------------------------------------------------------------------------
# Organ responses (remission = ESSDAI domain level 0, Seror et al. 2010; study-specific endpoints of NCT04916756)
# ---------------------------------------------------------------------------------------------------

#: Organ remission = domain level 0 at a post-baseline visit, among subjects with level > 0 at baseline.
REMISSION_DOMAINS = MappingProxyType({
    "REMARTIC": ("articular", "Arthritis remission (ESSDAI articular level 0)"),
    "REMCUTAN": ("cutaneous", "Cutaneous remission (ESSDAI cutaneous level 0)"),
    "REMHAEM": ("haematological", "Haematological remission (ESSDAI haematological level 0)"),
})
#: ILD improvement (study-specific, not an ESSDAI construct; docs/decisions.md). Project rule: improved on
#: both the CRF's symptom assessment and its HRCT assessment at the visit.
ILD_IMPROVED = MappingProxyType({"ILDSYMP": "IMPROVED", "ILDHRCT": "IMPROVED"})

# Labels of derived parameters and criteria.
_DOMAIN_LABEL = {d: ("PNS" if d == "pns" else "CNS" if d == "cns" else d.capitalize()) for d in ESSDAI_DOMAINS}
PARAM_LABELS = MappingProxyType({
    voc.PARAMCD_ESSDAI: "ESSDAI total score",
    voc.PARAMCD_ESSPRI: "ESSPRI score",
    **{voc.ESSDAI_SCORE_PARAMCD[d]: f"ESSDAI domain score: {_DOMAIN_LABEL[d]}" for d in ESSDAI_DOMAINS},
    **{code: label for code, (_, label) in REMISSION_DOMAINS.items()},
    "ILDIMP": "ILD improvement (symptoms and HRCT improved)",
})
CRIT_LABELS = MappingProxyType({
    "CRIT1": "ESSDAI decrease >= 3 from baseline (MCII)",
    "CRIT2": "ESSPRI decrease >= 1 point or >= 15% of baseline (MCII)",
    "CRIT3": "ESSPRI < 5 (PASS)",
})


def _require_columns(data: pd.DataFrame, columns, what: str) -> None:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise ValueError(f"{what}: missing column(s) {missing}")


def _scalar(value):
    """Return a numpy scalar as the Python scalar it holds (for readable error messages)."""
    return value.item() if isinstance(value, np.generic) else value


def _numeric_matrix(raw: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, bool]:
    """Return ``raw`` as a float matrix, the mask of cells holding a value, and whether all columns are integer."""
    dtypes = list(raw.dtypes)
    if all(pd.api.types.is_numeric_dtype(t) and not pd.api.types.is_bool_dtype(t) for t in dtypes):
        values = raw.to_numpy(dtype=float, na_value=np.nan)
        return values, ~np.isnan(values), all(pd.api.types.is_integer_dtype(t) for t in dtypes)
    values = raw.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return values, raw.notna().to_numpy(), False


def _validated_matrix(frame: pd.DataFrame, columns, allowed, what: str) -> np.ndarray:
    """Return ``frame[columns]`` as a float matrix; raise naming column, row and value if not allowed.

    ``allowed[j]`` is the set of allowed integer values of column j (from 0 up); missing values pass.
    A value is bad when it is not an integer, below 0, above its column's highest level, or one of
    the gaps of its column (e.g. level 1 in CNS).
    """
    raw = frame[list(columns)]
    values, present, integer = _numeric_matrix(raw)
    highest = np.array([max(a) for a in allowed], dtype=float)
    with np.errstate(invalid="ignore"):
        bad = (values < 0) | (values > highest[None, :])
        if not integer:
            bad |= (values - np.floor(values)) > 0  # NaN compares False
        for gap in range(int(highest.max()) + 1):
            cols = [j for j, a in enumerate(allowed) if gap not in a and gap < max(a)]
            if cols:
                bad[:, cols] |= values[:, cols] == gap
    bad |= present & np.isnan(values)
    if bad.any():
        i, j = (int(k[0]) for k in np.nonzero(bad))
        raise ValueError(
            f"{what} '{columns[j]}': value {_scalar(raw.iloc[i, j])!r} at row {_scalar(frame.index[i])!r} "
            f"is not allowed (allowed: {sorted(allowed[j])})"
        )
    return values


def essdai_domain_scores(levels: pd.DataFrame) -> pd.DataFrame:
    """Compute the 12 ESSDAI domain scores (weight x level) from activity levels.

    Parameters
    ----------
    levels : DataFrame
        One integer activity-level column per domain, named as in
        ``vocabulary.ESSDAI_DOMAINS``. Missing values stay missing.

    Returns
    -------
    DataFrame
        The domain scores, same index and columns as ``levels[ESSDAI_DOMAINS]``, float.

    Raises
    ------
    ValueError
        A level the domain does not allow (level 3 in constitutional, glandular or biological, level 1
        in CNS, anything outside 0-3, a non-integer); the message names the domain, the row index and
        the value.

    Examples
    --------
    >>> lv = pd.DataFrame({d: [0] for d in ESSDAI_DOMAINS}).assign(articular=2)
    >>> int(essdai_domain_scores(lv)["articular"].iloc[0])
    4
    """
    _require_columns(levels, ESSDAI_DOMAINS, "ESSDAI levels")
    values = _validated_matrix(levels, ESSDAI_DOMAINS, [ESSDAI_ALLOWED_LEVELS[d] for d in ESSDAI_DOMAINS],
                               "ESSDAI domain")
    weights = np.array([ESSDAI_WEIGHTS[d] for d in ESSDAI_DOMAINS], dtype=float)
    return pd.DataFrame(values * weights, index=levels.index, columns=list(ESSDAI_DOMAINS))


def compute_essdai(levels: pd.DataFrame) -> pd.Series:
    """Compute the ESSDAI total (0-123) from the 12 domain activity levels.

    A row with any missing domain gets a missing total: ESSDAI is defined on all 12 domains, and no
    rule for imputing a missing domain is documented (Seror et al. 2010; RMD Open 2015 user guide).

    Examples
    --------
    >>> compute_essdai(pd.DataFrame({d: [0, 0] for d in ESSDAI_DOMAINS}).assign(renal=[1, None])).tolist()
    [5.0, nan]
    """
    scores = essdai_domain_scores(levels).to_numpy()
    return pd.Series(scores.sum(axis=1), index=levels.index, name="ESSDAI")  # NaN propagates


def compute_essdai_category(essdai: pd.Series) -> pd.Series:
    """Return the ESSDAI activity category (``ESSDAI_CATEGORIES``): Low, Moderate or High; "" if missing.

    Examples
    --------
    >>> compute_essdai_category(pd.Series([4, 5, 13, 14, None])).tolist()
    ['Low', 'Moderate', 'Moderate', 'High', '']
    """
    values = pd.to_numeric(essdai, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    rank = sum((values >= low).astype(np.intp) for low, _ in ESSDAI_CATEGORIES[1:])
    labels = np.array([label for _, label in ESSDAI_CATEGORIES] + [""], dtype=object)
    out = labels[np.where(np.isnan(values), len(ESSDAI_CATEGORIES), rank)]
    return pd.Series(out, index=essdai.index, name="AVALCAT1", dtype=object)


def compute_essdai_mcii(base: pd.Series, aval: pd.Series) -> pd.Series:
    """Flag an ESSDAI MCII: ``base - aval >= ESSDAI_MCII_DECREASE`` (3 points).

    Totals are integers, so the float difference is exact. Returns a nullable boolean Series,
    missing where either value is missing.

    Examples
    --------
    >>> compute_essdai_mcii(pd.Series([10, 10, 10]), pd.Series([7, 8, None])).tolist()
    [True, False, <NA>]
    """
    diff = pd.to_numeric(base, errors="coerce").astype(float) - pd.to_numeric(aval, errors="coerce").astype(float)
    return (diff >= ESSDAI_MCII_DECREASE).astype("boolean").mask(diff.isna())


is_essdai_mcii = compute_essdai_mcii


def compute_esspri_sum(items: pd.DataFrame) -> pd.Series:
    """Return the integer sum of the three ESSPRI items (0-30), missing if any item is missing.

    ``items`` has the columns ``dryness, fatigue, pain`` (``vocabulary.ESSPRI_ITEMS``), each an integer
    0-10. Raises ``ValueError`` naming the item, the row and the value for anything else.

    Examples
    --------
    >>> compute_esspri_sum(pd.DataFrame({"dryness": [8, 5], "fatigue": [0, None], "pain": [0, 4]})).tolist()
    [8.0, nan]
    """
    _require_columns(items, voc.ESSPRI_ITEMS, "ESSPRI items")
    allowed = frozenset(range(ESSPRI_ITEM_RANGE[0], ESSPRI_ITEM_RANGE[1] + 1))
    values = _validated_matrix(items, voc.ESSPRI_ITEMS, [allowed] * len(voc.ESSPRI_ITEMS), "ESSPRI item")
    return pd.Series(values.sum(axis=1), index=items.index, name="ESSPRI_SUM")  # NaN propagates


def compute_esspri(items: pd.DataFrame) -> pd.Series:
    """Compute ESSPRI, the mean of the dryness, fatigue and pain scales (0-10).

    All three items are required (docs/decisions.md (e)): a row with a missing item gets NaN.

    Examples
    --------
    >>> compute_esspri(pd.DataFrame({"dryness": [6, 5], "fatigue": [6, None], "pain": [6, 3]})).tolist()
    [6.0, nan]
    """
    return (compute_esspri_sum(items) / len(voc.ESSPRI_ITEMS)).rename("ESSPRI")


def compute_esspri_pass(esspri: pd.Series) -> pd.Series:
    """Flag the patient acceptable symptom state, ESSPRI < ``ESSPRI_PASS_CUTOFF`` (5); NA if missing.

    The cut-off is an integer and ESSPRI = sum / 3, so ``ESSPRI < 5`` is decided exactly.

    Examples
    --------
    >>> compute_esspri_pass(pd.Series([4.9, 5.0, None])).tolist()
    [True, False, <NA>]
    """
    values = pd.to_numeric(esspri, errors="coerce").astype(float)
    return (values < ESSPRI_PASS_CUTOFF).astype("boolean").mask(values.isna())


def compute_esspri_mcii(base_sum: pd.Series, aval_sum: pd.Series) -> pd.Series:
    """Flag an ESSPRI MCII from the integer item sums at baseline and follow-up.

    MCII is a decrease of >= 1 point or >= 15 % of baseline (``ESSPRI_MCII_POINTS``,
    ``ESSPRI_MCII_PERCENT``). With ESSPRI = sum / 3, on integers: decrease >= 1 point
    ⇔ ``base_sum - aval_sum >= 3``; decrease >= 15 % ⇔ ``100 * (base_sum - aval_sum) >= 15 * base_sum``.
    A baseline of 0 has no percentage change: only the 1-point rule applies (and it cannot be met).

    Examples
    --------
    >>> compute_esspri_mcii(pd.Series([8, 18, 12, 18, 0]), pd.Series([5, 15, 10, 17, 0])).tolist()
    [True, True, True, False, False]
    """
    base = pd.to_numeric(base_sum, errors="coerce").astype(float)
    fu = pd.to_numeric(aval_sum, errors="coerce").astype(float)
    drop = base - fu
    points = drop >= ESSPRI_MCII_POINTS * len(voc.ESSPRI_ITEMS)
    percent = (base > 0) & (100 * drop >= ESSPRI_MCII_PERCENT * base)
    return (points | percent).astype("boolean").mask(base.isna() | fu.isna())


def is_esspri_mcii(base: pd.Series, follow_up: pd.Series) -> pd.Series:
    """Flag an ESSPRI MCII from float ESSPRI values, with the tolerance ``ESSPRI_FLOAT_TOLERANCE``.

    For values that are not item means (e.g. a published mean). ``8/3 - 5/3`` is 0.9999999999999998
    in binary floating point; the tolerance of 1e-9 counts it as the 1-point decrease it is.
    Baseline 0: only the 1-point rule applies. Prefer ``compute_esspri_mcii`` on item sums.

    Examples
    --------
    >>> is_esspri_mcii(pd.Series([8 / 3, 6.0, 4.0, 6.0]), pd.Series([5 / 3, 5.0, 3.4, 5.4])).tolist()
    [True, True, True, False]
    """
    b = pd.to_numeric(base, errors="coerce").astype(float)
    f = pd.to_numeric(follow_up, errors="coerce").astype(float)
    drop = b - f
    points = drop >= ESSPRI_MCII_POINTS - ESSPRI_FLOAT_TOLERANCE
    percent = (b > 0) & (drop >= (ESSPRI_MCII_PERCENT / 100) * b - ESSPRI_FLOAT_TOLERANCE)
    return (points | percent).astype("boolean").mask(b.isna() | f.isna())


def check_pga(pga: pd.Series) -> pd.Series:
    """Return ``pga`` as float after checking the 0-10 scale (docs/decisions.md (d)); raise naming row and value.

    Examples
    --------
    >>> check_pga(pd.Series([0, 10, None])).tolist()
    [0.0, 10.0, nan]
    >>> check_pga(pd.Series([5, 55]))
    Traceback (most recent call last):
    ...
    ValueError: PGA: value 55 at row 1 is outside the 0-10 scale (docs/decisions.md (d))
    """
    values = pd.to_numeric(pga, errors="coerce").astype(float)
    bad = (values.isna() & pga.notna()) | (values < PGA_RANGE[0]) | (values > PGA_RANGE[1])
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(f"PGA: value {_scalar(pga.iloc[i])!r} at row {_scalar(pga.index[i])!r} is outside the "
                         f"{PGA_RANGE[0]}-{PGA_RANGE[1]} scale (docs/decisions.md (d))")
    return values


# ---------------------------------------------------------------------------------------------------
# Lab-implied ESSDAI levels and data queries (docs/decisions.md (a)-(c))
# ---------------------------------------------------------------------------------------------------


def _numeric(series: pd.Series) -> np.ndarray:
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _within(x: np.ndarray, bounds: tuple) -> np.ndarray:
    lo, lo_inclusive, hi, hi_inclusive = bounds
    ok = np.ones(x.shape, dtype=bool)
    if lo is not None:
        ok &= (x >= lo) if lo_inclusive else (x > lo)
    if hi is not None:
        ok &= (x <= hi) if hi_inclusive else (x < hi)
    return ok


def compute_haem_level_from_labs(labs: pd.DataFrame) -> pd.Series:
    """Compute the haematological ESSDAI level implied by the blood counts (``HAEM_LEVEL_BOUNDS``).

    ``labs`` has the columns ``NEUT, LYM, PLAT`` (10^9/L) and ``HGB`` (g/L). Each value is converted to
    integer units (``HAEM_LAB_UNITS``: cells/µL, g/L) and rounded to that resolution before comparison,
    so 1.0 x 10^9/L is exactly 1000/µL. The level is the highest level any item implies; items that are
    missing are skipped, and a row with no item at all gets NaN. The attribution of a cytopenia (only
    auto-immune cytopenias count) is the physician's, so this level is for data queries only.

    Examples
    --------
    >>> labs = pd.DataFrame({"NEUT": [1.5, 1.49, 1.0, 0.49], "LYM": [1.0, 2.0, 2.0, 2.0],
    ...                      "PLAT": [150.0, 200.0, 200.0, 200.0], "HGB": [120.0, 130.0, 130.0, 130.0]})
    >>> compute_haem_level_from_labs(labs).tolist()
    [0.0, 1.0, 2.0, 3.0]
    """
    _require_columns(labs, HAEM_LEVEL_BOUNDS, "haematological labs")
    level = np.full(len(labs), np.nan)
    for code, levels in HAEM_LEVEL_BOUNDS.items():
        x = np.rint(_numeric(labs[code]) * HAEM_LAB_UNITS[code][0])
        item = np.where(np.isnan(x), np.nan, 0.0)
        for lv, bounds in levels.items():
            item = np.where(_within(x, bounds), np.fmax(item, lv), item)
        level = np.fmax(level, item)
    return pd.Series(level, index=labs.index, name="HAEM_LAB_LEVEL")


def _qualitative_level(result: pd.Series, level: int) -> np.ndarray:
    """``level`` where the result is POSITIVE, 0 where NEGATIVE, NaN otherwise (normalised per unique value)."""
    codes, uniques = pd.factorize(result)
    text = pd.Index(uniques).astype(str).str.strip().str.upper()
    per_unique = np.append(np.where(text == POSITIVE, float(level), np.where(text == "NEGATIVE", 0.0, np.nan)), np.nan)
    return per_unique[codes]


def compute_biol_level_from_labs(labs: pd.DataFrame) -> pd.Series:
    """Compute the biological ESSDAI level implied by the immunology results (docs/decisions.md (a), (b)).

    ``labs`` has the columns ``IGG`` (g/L), ``C3``, ``C4`` (g/L) with their lab's lower limits ``C3LLN``,
    ``C4LLN``, and ``MCOMP``, ``CRYO`` (``POSITIVE``/``NEGATIVE``). Rules (Seror et al. 2010 row 12):
    IgG in tenths of g/L > 160 and <= 200 -> 1, > 200 -> 2, < 50 -> 2 (hypogammaglobulinaemia; whether
    it is recent is the physician's call); C3 or C4 below LLN (hundredths of g/L) -> 1; monoclonal
    component -> 1; cryoglobulins -> 2. Missing items are not assumed abnormal (docs/decisions.md (b)): the level
    comes from the items available, NaN if none.

    Examples
    --------
    >>> labs = pd.DataFrame({"IGG": [16.0, 16.1, 20.0, 20.1], "C3": 1.0, "C3LLN": 0.9, "C4": 0.2,
    ...                      "C4LLN": 0.1, "MCOMP": "NEGATIVE", "CRYO": "NEGATIVE"})
    >>> compute_biol_level_from_labs(labs).tolist()
    [0.0, 1.0, 1.0, 2.0]
    """
    _require_columns(labs, ("IGG", "C3", "C3LLN", "C4", "C4LLN", "MCOMP", "CRYO"), "biological labs")
    igg = np.rint(_numeric(labs["IGG"]) * 10)
    items = [np.select([igg > IGG_TENTHS_MODERATE_ABOVE, igg > IGG_TENTHS_LOW_ABOVE, igg < IGG_TENTHS_HYPO_BELOW],
                       [2.0, 1.0, 2.0], 0.0)]
    items[0][np.isnan(igg)] = np.nan
    for code in ("C3", "C4"):
        value = np.rint(_numeric(labs[code]) * COMPLEMENT_HUNDREDTHS)
        lln = np.rint(_numeric(labs[f"{code}LLN"]) * COMPLEMENT_HUNDREDTHS)
        items.append(np.where(np.isnan(value) | np.isnan(lln), np.nan, (value < lln).astype(float)))
    items += [_qualitative_level(labs[code], lv) for code, lv in BIOL_QUALITATIVE_LEVEL.items()]
    return pd.Series(np.fmax.reduce(np.vstack(items), axis=0), index=labs.index, name="BIOL_LAB_LEVEL")


#: Lab parameters read for the lab-implied levels, and the ADLB column each comes from.
_LAB_WIDE_SOURCES = (
    ("NEUT", "AVAL"), ("LYM", "AVAL"), ("PLAT", "AVAL"), ("HGB", "AVAL"), ("IGG", "AVAL"),
    ("C3", "AVAL"), ("C4", "AVAL"), ("MCOMP", "AVALC"), ("CRYO", "AVALC"),
)


def derive_lab_wide(adlb: pd.DataFrame) -> pd.DataFrame:
    """Return the ESSDAI-relevant lab results, one row per ``USUBJID, AVISIT``, one column per test.

    Columns ``NEUT, LYM, PLAT, HGB, IGG, C3, C4`` (AVAL), ``C3LLN, C4LLN`` (ANRLO), ``MCOMP, CRYO``
    (AVALC); absent tests are missing. Of a test repeated at a visit, the sample the analyses read
    (``ANL01FL``; ``cleaning.analysis_flag``); unscheduled samples are not read. A duplicate subject x visit x test
    raises ``ValueError``.
    """
    _require_columns(adlb, ("USUBJID", "AVISIT", "PARAMCD", "AVAL", "AVALC", "ANRLO", "ANL01FL"), "adlb")
    adlb = adlb[adlb["ANL01FL"] == "Y"]
    sources = {code: (code, column) for code, column in _LAB_WIDE_SOURCES}
    sources.update({f"{code}LLN": (code, "ANRLO") for code in ("C3", "C4")})
    keys = ["USUBJID", "AVISIT"]
    index = pd.MultiIndex.from_frame(adlb[keys].drop_duplicates().sort_values(keys))
    return _pivot_items(adlb, sources, what="adlb: duplicate {} result", index=index)


def _pivot_items(data: pd.DataFrame, sources: dict, *, what: str, index=None) -> pd.DataFrame:
    """Pivot rows to one row per ``USUBJID, AVISIT``: ``{output column: (PARAMCD, source column)}``.

    ``index`` defaults to the subject-visits that have any of the PARAMCDs. A duplicate subject x
    visit x PARAMCD raises ``ValueError`` with ``what`` (formatted with the PARAMCD), subject and visit.
    """
    keys = ["USUBJID", "AVISIT"]
    rows = data[data["PARAMCD"].isin({code for code, _ in sources.values()})]
    dup = rows.duplicated(keys + ["PARAMCD"], keep=False)
    if dup.any():
        row = rows.loc[dup].iloc[0]
        raise ValueError(f"{what.format(row['PARAMCD'])} for {row['USUBJID']} at {row['AVISIT']}")
    if index is None:
        index = pd.MultiIndex.from_frame(rows[keys].drop_duplicates().sort_values(keys))
    wide = pd.DataFrame(index=index)
    for out, (code, column) in sources.items():
        wide[out] = rows[rows["PARAMCD"] == code].set_index(keys)[column].reindex(index)
    return wide


def _wide_items(adqs: pd.DataFrame, sources: dict) -> pd.DataFrame:
    """Pivot item rows of ``adqs`` to one row per ``USUBJID, AVISIT``: ``{PARAMCD: column}`` -> columns."""
    return _pivot_items(adqs, {code: (code, column) for code, column in sources.items()},
                        what="adqs: duplicate {} record")


def _text(values: pd.Series, unit: str = "") -> pd.Series:
    """Format values for a query message: numbers as their shortest repr (integers without '.0') plus
    ``unit``, text as is, missing as 'missing'."""
    num = pd.to_numeric(values, errors="coerce")
    out = values.astype(object).where(values.notna(), "missing").astype(str).astype(object)
    known = num.notna()
    out[known] = [(str(int(v)) if float(v).is_integer() else repr(float(v))) + (f" {unit}" if unit else "")
                  for v in num[known]]
    return out


def _haem_detail(both: pd.DataFrame) -> pd.Series:
    out = pd.Series("", index=both.index, dtype=object)
    for code in HAEM_LEVEL_BOUNDS:
        out += f"{code} " + _text(both[code], voc.LAB_PARAMS[code][1]) + "; "
    return out + "cytopenia disease-related: " + _text(both[voc.HAEM_ATTRIBUTION_PARAMCD])


def _biol_detail(both: pd.DataFrame) -> pd.Series:
    out = pd.Series("", index=both.index, dtype=object)
    for code in ("IGG", "C3", "C4", "MCOMP", "CRYO"):
        out += f"{code} " + _text(both[code], voc.LAB_PARAMS[code][1]) + "; "
    return out + "C3 LLN " + _text(both["C3LLN"], "g/L") + "; C4 LLN " + _text(both["C4LLN"], "g/L")


def _level_queries(both: pd.DataFrame, domain: str, implied: pd.Series, detail) -> pd.DataFrame:
    """Query rows where the recorded level of ``domain`` differs from the lab-implied one."""
    rec = pd.to_numeric(both[voc.ESSDAI_LEVEL_PARAMCD[domain]], errors="coerce")
    hit = (rec.notna() & implied.notna() & (rec != implied)).to_numpy()
    sub = both.loc[hit]
    rec_txt, lab_txt = _text(rec[hit]), _text(implied[hit])
    # a cytopenia the physician attributed to another cause scores 0 (decision (c)): the query is of the attribution
    attributed = (domain == "haematological") & (sub[voc.HAEM_ATTRIBUTION_PARAMCD].astype(object) == "N") \
        & (rec[hit] == 0)
    ask = np.where(attributed, ". Flagged as not disease-related (EDHAEMDR = N), the cytopenia scores 0, as recorded; "
                   "please confirm that attribution.", ". The physician's level is kept; please confirm or correct it.")
    msg = (f"ESSDAI {domain} domain: physician's level " + rec_txt + ", lab-implied level " + lab_txt
           + " (" + detail(sub) + ")" + ask)
    return pd.DataFrame({
        "file": "adlb", "row": "", "USUBJID": sub.index.get_level_values("USUBJID"),
        "AVISIT": sub.index.get_level_values("AVISIT"), "variable": domain,
        "rule": "lab-implied ESSDAI level differs from recorded level",
        "value": ("recorded " + rec_txt + ", lab-implied " + lab_txt).to_numpy(), "message": msg.to_numpy(),
    })


def _attribution_queries(both: pd.DataFrame) -> pd.DataFrame:
    """Query rows where a cytopenia flagged not disease-related still carries a haematological level > 0."""
    level = pd.to_numeric(both[voc.ESSDAI_LEVEL_PARAMCD["haematological"]], errors="coerce")
    hit = ((both[voc.HAEM_ATTRIBUTION_PARAMCD].astype(object) == "N") & (level > 0)).to_numpy()
    sub, lv = both.loc[hit], _text(level[hit])
    return pd.DataFrame({
        "file": "adqs", "row": "", "USUBJID": sub.index.get_level_values("USUBJID"),
        "AVISIT": sub.index.get_level_values("AVISIT"), "variable": "haematological",
        "rule": "cytopenia not disease-related but haematological level > 0",
        "value": ("level " + lv + ", EDHAEMDR N").to_numpy(),
        "message": ("ESSDAI haematological domain: level " + lv + " recorded although the cytopenia is "
                    "flagged as not disease-related (EDHAEMDR = N); only auto-immune cytopenias count "
                    "(docs/decisions.md (c)).").to_numpy(),
    })


def derive_lab_level_queries(adqs: pd.DataFrame, adlb: pd.DataFrame) -> pd.DataFrame:
    """List the visits where the lab-implied haematological or biological level differs from the recorded one.

    Never overrides the physician (docs/decisions.md (c)): each difference becomes a data query
    naming subject, visit, domain, both levels and the lab values. A cytopenia the physician attributed
    to another cause (``EDHAEMDR`` = N) should carry level 0; when it does not, a second query says so.
    Incomplete biological assessments (missing complement, monoclonal component or cryoglobulins) are
    queried by validation (source ``validation``); here the lab-implied level uses the items available.

    Returns
    -------
    DataFrame
        Columns ``report.QUERY_COLUMNS`` (``source`` = "scoring", ``row`` = ""), sorted by subject,
        visit, domain and rule.
    """
    codes = {voc.ESSDAI_LEVEL_PARAMCD["haematological"]: "AVAL", voc.ESSDAI_LEVEL_PARAMCD["biological"]: "AVAL",
             voc.HAEM_ATTRIBUTION_PARAMCD: "AVALC"}
    both = _wide_items(adqs, codes).join(derive_lab_wide(adlb), how="inner")
    parts = [
        _level_queries(both, "haematological", compute_haem_level_from_labs(both), _haem_detail),
        _level_queries(both, "biological", compute_biol_level_from_labs(both), _biol_detail),
        _attribution_queries(both),
    ]
    out = pd.concat(parts, ignore_index=True).assign(source="scoring")
    out["_visit"] = out["AVISIT"].map(voc.AVISITN)
    out = out.sort_values(["USUBJID", "_visit", "variable", "rule"], kind="stable")
    return out[list(QUERY_COLUMNS)].reset_index(drop=True)


# ---------------------------------------------------------------------------------------------------
# Efficacy BDS (adeff): parameter rows, BASE/CHG/PCHG, response flags, categories
# ---------------------------------------------------------------------------------------------------

#: Columns of adqs (docs/analysis_datasets.md); adeff has these plus ``ADEFF_DERIVED_COLUMNS``.
ADQS_COLUMNS = ("STUDYID", "USUBJID", "PARCAT1", "PARAMCD", "PARAM", "AVISIT", "AVISITN", "ADT", "ADY",
                "AVAL", "AVALC", "ABLFL")
ADEFF_DERIVED_COLUMNS = ("BASE", "CHG", "PCHG", "CRIT1", "CRIT1FL", "CRIT2", "CRIT2FL", "CRIT3", "CRIT3FL",
                         "AVALCAT1")
#: Order of the parameters within a subject in adeff (others follow alphabetically).
ADEFF_PARAM_ORDER = (
    voc.PARAMCD_ESSDAI, *voc.ESSDAI_SCORE_PARAMCD.values(), voc.PARAMCD_ESSPRI, voc.PARAMCD_PGA,
    *REMISSION_DOMAINS, "ILDIMP", *voc.ESSDAI_LEVEL_PARAMCD.values(), voc.HAEM_ATTRIBUTION_PARAMCD,
    *voc.ESSPRI_ITEM_PARAMCD.values(), *voc.ILD_PARAMCD.values(),
)
_KEYS = ["USUBJID", "AVISIT"]


def _visit_keys(adqs: pd.DataFrame, paramcds) -> pd.DataFrame:
    """Visit-level columns (STUDYID, AVISITN, ADT, ADY, ABLFL) per ``USUBJID, AVISIT`` from the given items."""
    rows = adqs[adqs["PARAMCD"].isin(list(paramcds))].sort_values(["USUBJID", "AVISITN", "ADT"], kind="stable")
    grouped = rows.assign(_bl=rows["ABLFL"].eq("Y")).groupby(_KEYS, sort=True)
    keys = grouped[["STUDYID", "AVISITN", "ADT", "ADY"]].first()
    keys["ABLFL"] = np.where(grouped["_bl"].any(), "Y", "N")
    return keys


def _param_rows(keys: pd.DataFrame, aval, paramcd: str, parcat1: str, avalc=None) -> pd.DataFrame:
    """Parameter rows (adqs layout) for the visits in ``keys``, with AVAL ``aval`` (aligned to ``keys``)."""
    out = keys.reset_index()
    out["PARCAT1"], out["PARAMCD"], out["PARAM"] = parcat1, paramcd, PARAM_LABELS[paramcd]
    out["AVAL"] = np.asarray(aval, dtype=float)
    out["AVALC"] = "" if avalc is None else np.asarray(avalc, dtype=object)
    return out[list(ADQS_COLUMNS)]


def derive_param_essdai(adqs: pd.DataFrame) -> pd.DataFrame:
    """Derive the ESSDAI total (``ESSDAI``) and the 12 domain-score rows (``EDSCONST`` ... ``EDSBIOL``).

    One row per subject x visit with ESSDAI levels, PARCAT1 ``ESSDAI``. A disallowed level raises
    ``ValueError`` naming the domain, the (subject, visit) and the value; a missing domain gives a missing
    total (and a missing score for that domain).
    """
    codes = {voc.ESSDAI_LEVEL_PARAMCD[d]: "AVAL" for d in ESSDAI_DOMAINS}
    levels = _wide_items(adqs, codes).rename(columns={v: k for k, v in voc.ESSDAI_LEVEL_PARAMCD.items()})
    keys = _visit_keys(adqs, codes).reindex(levels.index)
    scores = essdai_domain_scores(levels)
    parts = [_param_rows(keys, compute_essdai(levels), voc.PARAMCD_ESSDAI, "ESSDAI")]
    parts += [_param_rows(keys, scores[d], voc.ESSDAI_SCORE_PARAMCD[d], "ESSDAI") for d in ESSDAI_DOMAINS]
    return pd.concat(parts, ignore_index=True)


def derive_param_esspri(adqs: pd.DataFrame) -> pd.DataFrame:
    """Derive the ESSPRI rows (mean of the three items; missing if an item is missing), PARCAT1 ``ESSPRI``."""
    codes = {voc.ESSPRI_ITEM_PARAMCD[i]: "AVAL" for i in voc.ESSPRI_ITEMS}
    items = _wide_items(adqs, codes).rename(columns={v: k for k, v in voc.ESSPRI_ITEM_PARAMCD.items()})
    keys = _visit_keys(adqs, codes).reindex(items.index)
    return _param_rows(keys, compute_esspri(items), voc.PARAMCD_ESSPRI, "ESSPRI")


def derive_param_remission(adqs: pd.DataFrame) -> pd.DataFrame:
    """Derive organ-remission rows ``REMARTIC``, ``REMCUTAN``, ``REMHAEM`` (``REMISSION_DOMAINS``).

    At each post-baseline visit (AVISITN > 0) with a recorded level, among subjects whose baseline level
    of the domain is > 0: AVAL 1 / AVALC "Y" if the level is 0 at the visit, else 0 / "N". PARCAT1 ``RESPONSE``.
    """
    codes = {voc.ESSDAI_LEVEL_PARAMCD[d]: "AVAL" for d, _ in REMISSION_DOMAINS.values()}
    wide = _wide_items(adqs, codes)
    keys = _visit_keys(adqs, codes).reindex(wide.index)
    base = wide[(keys["ABLFL"] == "Y").to_numpy()].droplevel("AVISIT")
    subjects = wide.index.get_level_values("USUBJID")
    parts = []
    for paramcd, (domain, _) in REMISSION_DOMAINS.items():
        code = voc.ESSDAI_LEVEL_PARAMCD[domain]
        level = wide[code].to_numpy(dtype=float)
        involved = base[code].reindex(subjects).to_numpy(dtype=float) > 0
        sel = (keys["AVISITN"].to_numpy() > 0) & involved & ~np.isnan(level)
        remitted = level[sel] == 0
        parts.append(_param_rows(keys[sel], remitted, paramcd, "RESPONSE", np.where(remitted, "Y", "N")))
    return pd.concat(parts, ignore_index=True)


def derive_param_ildimp(adqs: pd.DataFrame) -> pd.DataFrame:
    """Derive ``ILDIMP`` (``ILD_IMPROVED``: symptoms and HRCT both improved) at post-baseline visits.

    Only subjects with an ILD assessment have rows. AVAL 1 / "Y" if improved, 0 / "N" if not, NaN / ""
    if either assessment is missing at the visit. PARCAT1 ``RESPONSE``.
    """
    codes = {code: "AVALC" for code in ILD_IMPROVED}
    wide = _wide_items(adqs, codes)
    keys = _visit_keys(adqs, codes).reindex(wide.index)
    complete = wide.notna().all(axis=1).to_numpy()
    improved = np.logical_and.reduce([(wide[c].astype(object) == v).to_numpy() for c, v in ILD_IMPROVED.items()])
    sel = keys["AVISITN"].to_numpy() > 0
    aval = np.where(complete, improved.astype(float), np.nan)[sel]
    avalc = np.where(complete, np.where(improved, "Y", "N"), "")[sel]
    return _param_rows(keys[sel], aval, "ILDIMP", "RESPONSE", avalc)


def derive_vars_base_chg(bds: pd.DataFrame) -> pd.DataFrame:
    """Add ``BASE`` (AVAL of the ABLFL = "Y" row of the subject and parameter), ``CHG`` and ``PCHG``.

    PCHG is NaN when BASE is 0 (no percentage of zero). The baseline record has no CHG or PCHG (it is no change
    from itself; ADLB's baseline likewise), nor has the haematological attribution ``EDHAEMDR``, a Y/N answer
    (coded 1/0), at any visit. Two baseline rows for one subject and parameter raise ``ValueError`` naming both.

    >>> bds = pd.DataFrame({"USUBJID": "a", "PARAMCD": ["PGA", "PGA", "EDHAEMDR", "EDHAEMDR"],
    ...                     "ABLFL": ["Y", "", "Y", ""], "AVAL": [6.0, 4.0, 1.0, 0.0]})
    >>> derive_vars_base_chg(bds)[["BASE", "CHG", "PCHG"]].values.tolist()
    [[6.0, nan, nan], [6.0, -2.0, -33.333333333333336], [1.0, nan, nan], [1.0, nan, nan]]
    """
    base_rows = bds[bds["ABLFL"] == "Y"]
    dup = base_rows.duplicated(["USUBJID", "PARAMCD"], keep=False)
    if dup.any():
        row = base_rows.loc[dup].iloc[0]
        raise ValueError(f"adqs: more than one baseline (ABLFL = 'Y') for {row['USUBJID']}, {row['PARAMCD']}")
    base = base_rows.set_index(["USUBJID", "PARAMCD"])["AVAL"].astype(float)
    out = bds.copy()
    out["BASE"] = base.reindex(pd.MultiIndex.from_frame(bds[["USUBJID", "PARAMCD"]])).to_numpy()
    changes = (out["ABLFL"] != "Y") & (out["PARAMCD"] != voc.HAEM_ATTRIBUTION_PARAMCD)
    out["CHG"] = (out["AVAL"] - out["BASE"]).where(changes)
    out["PCHG"] = (100 * out["CHG"] / out["BASE"]).where(out["BASE"] != 0)
    return out


def _flag(applies: np.ndarray, met: pd.Series, label: str) -> tuple[np.ndarray, np.ndarray]:
    """CRITy and CRITyFL: the label and "Y"/"N" where the criterion applies and is known, else ""."""
    known = applies & met.notna().to_numpy()
    yes = met.fillna(False).to_numpy(dtype=bool)
    crit = np.array(["", label], dtype=object)[known.astype(np.intp)]
    flag = np.array(["", "N", "Y"], dtype=object)[known.astype(np.intp) * (1 + yes)]
    return crit, flag


def derive_vars_crit(bds: pd.DataFrame) -> pd.DataFrame:
    """Add the response flags CRIT1-3/CRIT1FL-3FL (``CRIT_LABELS``) and ``AVALCAT1`` (ESSDAI category).

    CRIT1 (ESSDAI MCII) on ESSDAI post-baseline rows; CRIT2 (ESSPRI MCII, decided on the integer item
    sums, recovered exactly as ``rint(3 x ESSPRI)``) on ESSPRI post-baseline rows; CRIT3 (PASS) on every
    ESSPRI row. A flag is "Y"/"N" where its criterion applies and can be evaluated, "" elsewhere.
    """
    out = bds.copy()
    post = out["AVISITN"].to_numpy() > 0
    is_essdai = (out["PARAMCD"] == voc.PARAMCD_ESSDAI).to_numpy()
    is_esspri = (out["PARAMCD"] == voc.PARAMCD_ESSPRI).to_numpy()
    n_items = len(voc.ESSPRI_ITEMS)
    crit = {
        "CRIT1": (is_essdai & post, compute_essdai_mcii(out["BASE"], out["AVAL"])),
        "CRIT2": (is_esspri & post,
                  compute_esspri_mcii(np.rint(out["BASE"] * n_items), np.rint(out["AVAL"] * n_items))),
        "CRIT3": (is_esspri, compute_esspri_pass(out["AVAL"])),
    }
    for name, (applies, met) in crit.items():
        out[name], out[f"{name}FL"] = _flag(applies, met, CRIT_LABELS[name])
    out["AVALCAT1"] = compute_essdai_category(out["AVAL"].where(is_essdai)).to_numpy()
    return out


def derive_adeff(adqs: pd.DataFrame) -> pd.DataFrame:
    """Derive the efficacy BDS ``adeff`` from the item-level ``adqs`` (docs/analysis_datasets.md).

    Keeps every adqs row, adds the parameters ESSDAI, EDSCONST ... EDSBIOL, ESSPRI, the organ-remission
    parameters and ILDIMP, checks PGA (0-10), then adds BASE, CHG, PCHG, the response flags and
    AVALCAT1. Response parameters (PARCAT1 ``RESPONSE``) carry no BASE/CHG/PCHG. Sorted by subject,
    parameter (``ADEFF_PARAM_ORDER``) and visit.
    """
    _require_columns(adqs, ADQS_COLUMNS, "adqs")
    pga = adqs[adqs["PARAMCD"] == voc.PARAMCD_PGA]
    check_pga(pga.set_index(_KEYS)["AVAL"])
    bds = pd.concat([adqs[list(ADQS_COLUMNS)], derive_param_essdai(adqs), derive_param_esspri(adqs)],
                    ignore_index=True)
    bds = derive_vars_crit(derive_vars_base_chg(bds))
    response = pd.concat([derive_param_remission(adqs), derive_param_ildimp(adqs)], ignore_index=True)
    response = response.assign(**{c: np.nan for c in ("BASE", "CHG", "PCHG")},
                               **{c: "" for c in ADEFF_DERIVED_COLUMNS if c not in ("BASE", "CHG", "PCHG")})
    out = pd.concat([bds, response], ignore_index=True)
    rank = out["PARAMCD"].map({p: i for i, p in enumerate(ADEFF_PARAM_ORDER)}).fillna(len(ADEFF_PARAM_ORDER))
    out = out.assign(_rank=rank).sort_values(["USUBJID", "_rank", "PARAMCD", "AVISITN"], kind="stable")
    return out[list(ADQS_COLUMNS) + list(ADEFF_DERIVED_COLUMNS)].reset_index(drop=True)


#: Parameters counted by ``summarize_adeff_counts`` (the analysed totals and responses).
SUMMARY_PARAMS = (voc.PARAMCD_ESSDAI, voc.PARAMCD_ESSPRI, voc.PARAMCD_PGA, *REMISSION_DOMAINS, "ILDIMP")


def summarize_adeff_counts(adeff: pd.DataFrame, *, paramcds=SUMMARY_PARAMS, visits=None) -> pd.DataFrame:
    """Count the subjects with a non-missing AVAL per parameter (rows) and visit (columns).

    Returns ``PARAMCD, PARAM`` and one integer column per visit of ``visits`` (default: those of
    ``vocabulary.AVISIT_ORDER`` and every other scheduled visit of ``adeff``, by planned week).

    Examples
    --------
    >>> d = pd.DataFrame({"USUBJID": ["a", "b", "a"], "PARAMCD": "ESSDAI", "PARAM": "ESSDAI total score",
    ...                   "AVISIT": ["Baseline", "Baseline", "Week 12"], "AVAL": [8.0, 6.0, None]})
    >>> summarize_adeff_counts(d, paramcds=["ESSDAI"]).values.tolist()
    [['ESSDAI', 'ESSDAI total score', 2, 0, 0]]
    """
    rows = adeff[adeff["PARAMCD"].isin(list(paramcds)) & adeff["AVAL"].notna()]
    counts = rows.groupby(["PARAMCD", "AVISIT"])["USUBJID"].nunique().unstack("AVISIT")
    if visits is None:
        from analysis_utils.cleaning import visit_order  # here: cleaning imports dictionary, which imports scoring

        visits = visit_order(adeff)
    counts = counts.reindex(index=list(paramcds), columns=list(visits)).fillna(0).astype(int)
    labels = adeff.drop_duplicates("PARAMCD").set_index("PARAMCD")["PARAM"].reindex(counts.index)
    counts.insert(0, "PARAM", labels.fillna(pd.Series(PARAM_LABELS)).fillna("").to_numpy())
    return counts.rename_axis(index="PARAMCD", columns=None).reset_index()
