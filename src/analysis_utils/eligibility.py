"""Eligibility: the 2016 ACR/EULAR classification of primary Sjögren's syndrome and the protocol criteria.

Sources:

- 2016 ACR/EULAR classification criteria: Shiboski CH et al. Ann Rheum Dis 2017;76:9-16 and Arthritis
  Rheumatol 2017;69:35-45 (domain.md §4): five weighted items (score 0-9), classified when the score is
  >= 4 in a patient who meets the entry criterion and has no exclusion condition.
- Protocol criteria: the registered eligibility of NCT04916756 (domain.md §7.2).

``derive_adelig`` returns one row per subject x criterion (docs/analysis_datasets.md, ``adelig``):
``USUBJID, CRITTYPE (INCLUSION / EXCLUSION / ACR-EULAR), CRITID, CRITERION, MET, VALUE``. Criteria are
evaluated from the data wherever the data hold them (age, baseline ESSDAI, baseline CNS level, serology
against the lab's ULN, concomitant-medication dates); the CRF's own answer is shown in ``VALUE`` next to
it. ``MET`` is "Y" when the criterion holds: for an INCLUSION row the subject satisfies it, for an
EXCLUSION row the exclusion applies. A criterion that cannot be evaluated (data missing) counts against
eligibility (inclusion "N", exclusion "Y") and says "missing" in ``VALUE``. A subject who fails is
listed by ``summarize_eligibility``, never dropped.
"""

from types import MappingProxyType

import numpy as np
import pandas as pd

from analysis_utils import vocabulary as voc
from analysis_utils.dictionary import ACR_EULAR_ENTRY, ACR_EULAR_EXCLUSION, PROTOCOL_EXCLUSION

#: Items of the 2016 ACR/EULAR criteria (Shiboski et al. 2017, table): CRITID -> (input column,
#: comparison, threshold, weight, text). Measurements are compared in thousandths (``ACR_EULAR_RESOLUTION``).
ACR_EULAR_ITEMS = MappingProxyType({
    "ACR1": ("FOCUSSC", ">=", 1, 3,
             "Labial salivary gland focal lymphocytic sialadenitis, focus score >= 1 focus/4 mm2"),
    "ACR2": ("ANTISSA", "POSITIVE", None, 3, "Anti-SSA/Ro antibody positive"),
    "ACR3": ("OSS", ">=", 5, 1, "Ocular Staining Score >= 5 in at least one eye"),
    "ACR4": ("SCHIRMER", "<=", 5, 1, "Schirmer's test <= 5 mm/5 min in at least one eye"),
    "ACR5": ("UWSFR", "<=", 0.1, 1, "Unstimulated whole saliva flow rate <= 0.1 mL/min"),
})
#: Measurements are compared after rounding to thousandths of their unit (exact integer comparison).
ACR_EULAR_RESOLUTION = 1000
#: Classification threshold on the weighted score (maximum 9).
ACR_EULAR_MIN_SCORE = 4
ACR_EULAR_MAX_SCORE = sum(item[3] for item in ACR_EULAR_ITEMS.values())

#: Protocol inclusion thresholds (domain.md §7.2): minimum age; baseline ESSDAI >= 5 (moderate or high activity).
MIN_AGE = 18
MIN_BASELINE_ESSDAI = 5
#: Serological activity: CRP, ESR and/or IgG above the lab's ULN at baseline (domain.md §7.2, inclusion 3).
SEROLOGY_PARAMS = ("CRP", "ESR", "IGG")
#: Exclusion 4: glucocorticoids or immunosuppressants at a stable dose for less than 12 weeks before the
#: first dose. Classes counted (adcm CMCLAS) and the minimum stable period in days (12 weeks).
STABLE_DOSE_CLASSES = ("GLUCOCORTICOID", "IMMUNOSUPPRESSANT")
STABLE_DOSE_MIN_DAYS = 84

INCLUSION_TEXT = MappingProxyType({
    "INC1": "Fulfils the 2016 ACR/EULAR classification criteria for primary Sjögren's syndrome",
    "INC2": f"Moderate or high disease activity: baseline ESSDAI >= {MIN_BASELINE_ESSDAI}",
    "INC3": "Serological activity: CRP, ESR and/or IgG above the upper limit of normal at baseline",
    "INC4": f"Age {MIN_AGE} years or older",
})
EXCLUSION_TEXT = MappingProxyType({
    "EXC1": "Active CNS disease (baseline ESSDAI CNS level > 0) or dysfunction of a major organ",
    "EXC2": PROTOCOL_EXCLUSION["EXC2"],
    "EXC3": PROTOCOL_EXCLUSION["EXC3"],
    "EXC4": f"Glucocorticoid or immunosuppressant dose stable for less than {STABLE_DOSE_MIN_DAYS // 7} weeks "
            "before the first dose",
})
ADELIG_COLUMNS = ("USUBJID", "CRITTYPE", "CRITID", "CRITERION", "MET", "VALUE")


def _numeric(series: pd.Series) -> np.ndarray:
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _yes(series: pd.Series) -> np.ndarray:
    return (series.astype(object).fillna("").astype(str).str.strip().str.upper() == "Y").to_numpy()


def compute_acr_eular_2016(items: pd.DataFrame) -> pd.DataFrame:
    """Compute the 2016 ACR/EULAR weighted score, entry criterion, exclusion and classification.

    Parameters
    ----------
    items : DataFrame
        One row per subject with ``FOCUSSC`` (foci/4 mm2), ``ANTISSA`` (POSITIVE/NEGATIVE), ``OSS``,
        ``SCHIRMER`` (mm/5 min), ``UWSFR`` (mL/min), the entry answers ``ENTRY1``-``ENTRY6`` and the
        exclusion answers ``ACREX1``-``ACREX7`` (Y/N). A test not done (missing) scores 0.

    Returns
    -------
    DataFrame
        Same index; ``ACR1``-``ACR5`` (points of each item), ``SCORE`` (0-9), ``ENTRY`` (bool, any entry
        answer Y), ``EXCLUDED`` (bool, any exclusion answer Y), ``CLASSIFIED`` (score >= 4, entry met,
        not excluded).

    Examples
    --------
    >>> items = pd.DataFrame({"FOCUSSC": [1.0, 0.9], "ANTISSA": ["NEGATIVE", "POSITIVE"], "OSS": [5, 4],
    ...                       "SCHIRMER": [6.0, 5.0], "UWSFR": [0.1, 0.11], "ENTRY1": "Y", "ACREX1": "N"})
    >>> compute_acr_eular_2016(items)[["SCORE", "CLASSIFIED"]].values.tolist()
    [[5, True], [4, True]]
    """
    out = pd.DataFrame(index=items.index)
    for critid, (column, op, threshold, weight, _) in ACR_EULAR_ITEMS.items():
        if column not in items.columns:
            raise ValueError(f"ACR/EULAR 2016: missing column '{column}' ({critid})")
        if threshold is None:
            met = (items[column].astype(object).fillna("").astype(str).str.strip().str.upper() == op).to_numpy()
        else:
            x = np.rint(_numeric(items[column]) * ACR_EULAR_RESOLUTION)
            t = round(threshold * ACR_EULAR_RESOLUTION)
            met = (x >= t) if op == ">=" else (x <= t)
        out[critid] = np.where(met, weight, 0)
    out["SCORE"] = out[list(ACR_EULAR_ITEMS)].sum(axis=1)
    entry = [c for c in ACR_EULAR_ENTRY if c in items.columns]
    exclusion = [c for c in ACR_EULAR_EXCLUSION if c in items.columns]
    out["ENTRY"] = np.logical_or.reduce([_yes(items[c]) for c in entry]) if entry else False
    out["EXCLUDED"] = np.logical_or.reduce([_yes(items[c]) for c in exclusion]) if exclusion else False
    out["CLASSIFIED"] = (out["SCORE"] >= ACR_EULAR_MIN_SCORE) & out["ENTRY"] & ~out["EXCLUDED"]
    return out


def compute_stable_dose_days(adcm: pd.DataFrame, adsl: pd.DataFrame) -> pd.Series:
    """Days each subject's glucocorticoid/immunosuppressant dose had been stable at the first dose.

    A dose period starts at a record whose drug is new or whose dose differs from the drug's previous
    record; the stable period of a drug taken at the first dose (``ASTDT <= TRTSDT`` and ``AENDT``
    missing or ``>= TRTSDT``) is ``TRTSDT - start of its dose period``. Returns the shortest over the
    subject's drugs of ``STABLE_DOSE_CLASSES``, indexed by USUBJID (subjects without such a drug absent).
    """
    cm = adcm[adcm["CMCLAS"].isin(STABLE_DOSE_CLASSES)].merge(adsl[["USUBJID", "TRTSDT"]], on="USUBJID")
    cm = cm.sort_values(["USUBJID", "CMDECOD", "ASTDT"], kind="stable").reset_index(drop=True)
    drug = cm["USUBJID"] + "|" + cm["CMDECOD"].astype(str)
    dose = pd.to_numeric(cm["CMDOSE"], errors="coerce")
    change = (drug != drug.shift()) | (dose != dose.shift()) | dose.isna()
    period_start = cm["ASTDT"].where(change).groupby(drug).ffill()
    active = (cm["ASTDT"] <= cm["TRTSDT"]) & (cm["AENDT"].isna() | (cm["AENDT"] >= cm["TRTSDT"]))
    days = (cm["TRTSDT"] - period_start).dt.days[active]
    return days.groupby(cm.loc[active, "USUBJID"]).min().rename("STABLEDAYS")


def compute_serology_baseline(adlb: pd.DataFrame) -> pd.DataFrame:
    """Baseline CRP, ESR and IgG with their ULN, one row per USUBJID (``SEROLOGY_PARAMS``).

    Returns columns ``<P>`` (value), ``<P>ULN`` and ``RAISED`` (any value > its ULN; values and limits
    compared as given, both in the SI unit of ``vocabulary.LAB_PARAMS``) and ``MISSING`` (no value at all).
    """
    base = adlb[(adlb["ABLFL"] == "Y") & adlb["PARAMCD"].isin(SEROLOGY_PARAMS)]
    out = pd.DataFrame(index=pd.Index(sorted(adlb["USUBJID"].unique()), name="USUBJID"))
    raised = np.zeros(len(out), dtype=bool)
    present = np.zeros(len(out), dtype=bool)
    for code in SEROLOGY_PARAMS:
        part = base[base["PARAMCD"] == code].drop_duplicates("USUBJID").set_index("USUBJID")
        out[code] = part["AVAL"].reindex(out.index).astype(float)
        out[f"{code}ULN"] = part["ANRHI"].reindex(out.index).astype(float)
        raised |= (out[code] > out[f"{code}ULN"]).to_numpy()
        present |= out[code].notna().to_numpy()
    out["RAISED"], out["MISSING"] = raised, ~present
    return out


def _rows(subjects, crittype: str, critid: str, text: str, met, value) -> pd.DataFrame:
    return pd.DataFrame({"USUBJID": subjects, "CRITTYPE": crittype, "CRITID": critid, "CRITERION": text,
                         "MET": np.where(np.asarray(met, dtype=bool), "Y", "N"),
                         "VALUE": np.asarray(value, dtype=object)})


def _fmt(values, missing: str = "missing") -> pd.Series:
    """Values as text: numbers as their shortest repr (integers without '.0'), missing as ``missing``."""
    s = pd.Series(values).reset_index(drop=True)
    num = pd.to_numeric(s, errors="coerce")
    out = s.astype(object).where(s.notna(), missing).astype(str).astype(object)
    known = num.notna()
    out[known] = [str(int(v)) if float(v).is_integer() else repr(float(v)) for v in num[known]]
    return out


def _crf(frame: pd.DataFrame, code: str) -> pd.Series:
    if code not in frame.columns:
        return pd.Series("CRF: missing", index=range(len(frame)))
    return "CRF: " + _fmt(frame[code].to_numpy())


def derive_ie_wide(adie: pd.DataFrame) -> pd.DataFrame:
    """Turn ADIE (one row per subject x eligibility item) into one row per subject, one column per item.

    Measurements (focus score, OSS, Schirmer, saliva flow) come from ``IESTRESN``, answers from
    ``IEORRES`` (Y/N); a blank answer or a test not done is missing. A duplicate subject x item raises.

    Examples
    --------
    >>> adie = pd.DataFrame({"USUBJID": ["A", "A"], "IETESTCD": ["OSS", "EXC2"], "IEORRES": ["6", "N"],
    ...                      "IESTRESN": [6.0, None]})
    >>> derive_ie_wide(adie).to_dict("records")
    [{'USUBJID': 'A', 'OSS': 6.0, 'EXC2': 'N'}]
    """
    dup = adie.duplicated(["USUBJID", "IETESTCD"], keep=False)
    if dup.any():
        row = adie.loc[dup].iloc[0]
        raise ValueError(f"adie: more than one {row['IETESTCD']} record for {row['USUBJID']}")
    text = adie["IEORRES"].astype(object).where(adie["IEORRES"].notna(), "").astype(str).str.strip()
    value = pd.Series(adie["IESTRESN"].to_numpy(dtype=object), index=adie.index).where(
        adie["IESTRESN"].notna(), text.where(text != "").astype(object))
    wide = adie.assign(_value=value).pivot(index="USUBJID", columns="IETESTCD", values="_value")
    order = list(pd.unique(adie["IETESTCD"]))  # order of first appearance
    return wide[order].rename_axis(columns=None).reset_index()


def _blank_to_missing(frame: pd.DataFrame) -> pd.DataFrame:
    """Texts that are empty or only whitespace become missing; every other value is kept.

    >>> _blank_to_missing(pd.DataFrame({"a": ["Y", " ", ""], "b": [1, None, 2], "c": ["x", 3, "\\t"]})).to_dict("list")
    {'a': ['Y', nan, nan], 'b': [1.0, nan, 2.0], 'c': ['x', 3, nan]}
    """
    out = {}
    for column, values in frame.items():
        if pd.api.types.is_string_dtype(values) and values.dtype != object:  # pandas str columns: vectorised
            blank = values.str.strip().eq("").fillna(False).to_numpy(dtype=bool)
        elif values.dtype == object:  # mixed values: only texts can be blank
            blank = np.array([isinstance(v, str) and not v.strip() for v in values], dtype=bool)
        else:
            out[column] = values
            continue
        out[column] = values.astype(object).where(~blank, np.nan) if blank.any() else values
    return pd.DataFrame(out, index=frame.index)


def _subjects(adsl: pd.DataFrame, eligibility: pd.DataFrame | None) -> pd.DataFrame:
    """adsl (sorted by USUBJID) with the CRF eligibility answers joined by USUBJID or SUBJID."""
    subj = adsl.sort_values("USUBJID", kind="stable").reset_index(drop=True)
    if eligibility is None:
        return subj
    key = "USUBJID" if "USUBJID" in eligibility.columns else "SUBJID"
    # A raw export read as text holds "" for a blank answer: treat it as missing.
    elig = _blank_to_missing(eligibility)
    elig = elig.assign(**{key: elig[key].astype(str).str.strip()})
    dup = elig[key].duplicated()
    if dup.any():
        raise ValueError(f"eligibility: more than one row for {key} {elig.loc[dup, key].iloc[0]!r}")
    elig = elig.drop(columns=[c for c in elig.columns if c in subj.columns and c != key])
    return subj.assign(_key=subj[key].astype(str).str.strip()).merge(
        elig.rename(columns={key: "_key"}), on="_key", how="left").drop(columns="_key")


def _acr(subj: pd.DataFrame) -> pd.DataFrame:
    """compute_acr_eular_2016 on the subject frame, columns the CRF did not provide taken as missing."""
    columns = {c for c, *_ in ACR_EULAR_ITEMS.values()} | set(ACR_EULAR_ENTRY) | set(ACR_EULAR_EXCLUSION)
    present = [c for c in sorted(columns) if c in subj.columns]
    return compute_acr_eular_2016(subj[present].reindex(columns=sorted(columns)))


def _acr_rows(subj: pd.DataFrame) -> list:
    acr = _acr(subj)
    ids, parts = subj["USUBJID"], []
    for critid, (column, _, _, weight, text) in ACR_EULAR_ITEMS.items():
        value = _fmt(subj[column].to_numpy(), "not done") if column in subj else "not done"
        parts.append(_rows(ids, "ACR-EULAR", critid, f"{text} (weight {weight})", acr[critid] > 0, value))
    entry = [c for c in ACR_EULAR_ENTRY if c in subj.columns]
    excl = [c for c in ACR_EULAR_EXCLUSION if c in subj.columns]
    parts += [
        _rows(ids, "ACR-EULAR", "ACRSCORE", f"Weighted score >= {ACR_EULAR_MIN_SCORE} (0-{ACR_EULAR_MAX_SCORE})",
              acr["SCORE"] >= ACR_EULAR_MIN_SCORE, _fmt(acr["SCORE"].to_numpy())),
        _rows(ids, "ACR-EULAR", "ACRENTRY", "Entry criterion: at least one symptom of ocular or oral dryness, "
              "or suspicion from the ESSDAI", acr["ENTRY"], _answered_yes(subj, entry)),
        _rows(ids, "ACR-EULAR", "ACREXCL", "No exclusion condition (prior head and neck radiation, active "
              "hepatitis C, AIDS, sarcoidosis, amyloidosis, GVHD, IgG4-related disease)",
              ~acr["EXCLUDED"], _answered_yes(subj, excl)),
        _rows(ids, "ACR-EULAR", "ACRCLASS", "Classified as primary Sjögren's syndrome (2016 ACR/EULAR)",
              acr["CLASSIFIED"], "score " + _fmt(acr["SCORE"].to_numpy())),
    ]
    return parts


def _answered_yes(subj: pd.DataFrame, codes: list) -> pd.Series:
    """Comma-separated codes answered Y ("none"; "missing" when no answer was recorded)."""
    if not codes:
        return pd.Series("missing", index=range(len(subj)))
    listed = pd.Series("", index=range(len(subj)), dtype=object)
    for code in codes:
        listed += np.where(_yes(subj[code]), code + ", ", "")
    listed = listed.str.removesuffix(", ")
    answered = subj[codes].notna().any(axis=1).to_numpy()
    return listed.where(listed != "", "none").where(answered, "missing")


def _baseline_aval(adeff: pd.DataFrame, paramcd: str, subjects: pd.Series) -> np.ndarray:
    rows = adeff[(adeff["PARAMCD"] == paramcd) & (adeff["ABLFL"] == "Y")].drop_duplicates("USUBJID")
    return rows.set_index("USUBJID")["AVAL"].reindex(subjects).to_numpy(dtype=float)


def _inclusion_rows(subj: pd.DataFrame, adeff: pd.DataFrame, adlb: pd.DataFrame) -> list:
    ids = subj["USUBJID"]
    acr = _acr(subj)
    essdai = _baseline_aval(adeff, voc.PARAMCD_ESSDAI, ids)
    sero = compute_serology_baseline(adlb).reindex(ids)
    sero_txt = pd.Series("", index=range(len(subj)))
    for code in SEROLOGY_PARAMS:
        unit = voc.LAB_PARAMS[code][1]
        shown = f"{code} " + _fmt(sero[code].to_numpy()) + f" {unit} (ULN " + _fmt(sero[f"{code}ULN"].to_numpy()) + ")"
        sero_txt += np.where(sero[code].isna().to_numpy(), f"{code} missing", shown) + "; "
    age = _numeric(subj["AGE"])
    return [
        _rows(ids, "INCLUSION", "INC1", INCLUSION_TEXT["INC1"], acr["CLASSIFIED"],
              "ACR/EULAR score " + _fmt(acr["SCORE"].to_numpy()) + "; " + _crf(subj, "INC1")),
        _rows(ids, "INCLUSION", "INC2", INCLUSION_TEXT["INC2"], essdai >= MIN_BASELINE_ESSDAI,
              "ESSDAI " + _fmt(essdai) + "; " + _crf(subj, "INC2")),
        _rows(ids, "INCLUSION", "INC3", INCLUSION_TEXT["INC3"], sero["RAISED"].fillna(False).to_numpy(bool),
              sero_txt + _crf(subj, "INC3")),
        _rows(ids, "INCLUSION", "INC4", INCLUSION_TEXT["INC4"], age >= MIN_AGE,
              "age " + _fmt(age) + "; " + _crf(subj, "INC4")),
    ]


def _crf_yes_or_missing(subj: pd.DataFrame, code: str) -> np.ndarray:
    if code not in subj.columns:
        return np.ones(len(subj), dtype=bool)
    return _yes(subj[code]) | subj[code].isna().to_numpy()


def _exclusion_rows(subj: pd.DataFrame, adeff: pd.DataFrame, adcm: pd.DataFrame) -> list:
    ids = subj["USUBJID"]
    cns = _baseline_aval(adeff, voc.ESSDAI_LEVEL_PARAMCD["cns"], ids)
    male = (subj["SEX"].astype(object) == "M").to_numpy() if "SEX" in subj else np.zeros(len(subj), bool)
    stable = compute_stable_dose_days(adcm, subj).reindex(ids).to_numpy(dtype=float)
    stable_txt = ("dose stable " + _fmt(stable) + " days at first dose").where(
        ~np.isnan(stable), "no glucocorticoid or immunosuppressant at first dose")
    return [
        _rows(ids, "EXCLUSION", "EXC1", EXCLUSION_TEXT["EXC1"],
              ~(cns == 0) | _crf_yes_or_missing(subj, "EXC1"), "CNS level " + _fmt(cns) + "; " + _crf(subj, "EXC1")),
        _rows(ids, "EXCLUSION", "EXC2", EXCLUSION_TEXT["EXC2"], ~male & _crf_yes_or_missing(subj, "EXC2"),
              "sex " + _fmt(subj["SEX"].to_numpy() if "SEX" in subj else [None] * len(subj)) + "; "
              + _crf(subj, "EXC2")),
        _rows(ids, "EXCLUSION", "EXC3", EXCLUSION_TEXT["EXC3"], _crf_yes_or_missing(subj, "EXC3"),
              _crf(subj, "EXC3")),
        _rows(ids, "EXCLUSION", "EXC4", EXCLUSION_TEXT["EXC4"], stable < STABLE_DOSE_MIN_DAYS,
              stable_txt + "; " + _crf(subj, "EXC4")),
    ]


def derive_adelig(adsl: pd.DataFrame, adeff: pd.DataFrame, adlb: pd.DataFrame, adcm: pd.DataFrame,
                  adie: pd.DataFrame | None = None) -> pd.DataFrame:
    """Evaluate every ACR/EULAR item and protocol criterion per subject (``adelig``).

    Parameters
    ----------
    adsl, adeff, adlb, adcm : DataFrame
        Analysis datasets (docs/analysis_datasets.md); adeff gives the baseline ESSDAI and CNS level,
        adlb the baseline CRP/ESR/IgG and their ULN, adcm the dose history.
    adie : DataFrame, optional
        The CRF eligibility answers, one row per subject x item (``USUBJID, IETESTCD, IEORRES,
        IESTRESN``; items ``FOCUSSC, OSS, SCHIRMER, UWSFR``, entry answers ``ENTRY1``-``ENTRY6``,
        exclusion answers ``ACREX1``-``ACREX7``, protocol answers ``INC1``-``INC4``, ``EXC1``-``EXC4``).
        Without it, what needs the CRF is "missing".

    Returns
    -------
    DataFrame
        ``ADELIG_COLUMNS``, one row per subject x criterion, subjects in USUBJID order, criteria in the
        order ACR-EULAR, INCLUSION, EXCLUSION. ``MET`` semantics: see the module docstring.
    """
    subj = _subjects(adsl, None if adie is None else derive_ie_wide(adie))
    parts = _acr_rows(subj) + _inclusion_rows(subj, adeff, adlb) + _exclusion_rows(subj, adeff, adcm)
    out = pd.concat(parts, ignore_index=True)
    out["_order"] = np.arange(len(out)) // len(subj) if len(subj) else 0
    out = out.sort_values(["USUBJID", "_order"], kind="stable")
    return out[list(ADELIG_COLUMNS)].reset_index(drop=True)


def summarize_eligibility(adelig: pd.DataFrame) -> pd.DataFrame:
    """One row per subject: ``ELIGFL`` ("Y" if every inclusion is met and no exclusion applies), the
    2016 ACR/EULAR score, and ``FAILED`` (the CRITIDs that make the subject ineligible, "" if none).

    Examples
    --------
    >>> e = pd.DataFrame({"USUBJID": ["A", "A", "A", "B", "B", "B"], "CRITTYPE": ["ACR-EULAR", "INCLUSION",
    ...     "EXCLUSION"] * 2, "CRITID": ["ACRSCORE", "INC1", "EXC1"] * 2, "CRITERION": "",
    ...     "MET": ["Y", "Y", "N", "N", "N", "Y"], "VALUE": ["7", "", "", "2", "", ""]})
    >>> summarize_eligibility(e).values.tolist()
    [['A', 'Y', '7', ''], ['B', 'N', '2', 'INC1, EXC1']]
    """
    fails = ((adelig["CRITTYPE"] == "INCLUSION") & (adelig["MET"] != "Y")) | (
        (adelig["CRITTYPE"] == "EXCLUSION") & (adelig["MET"] != "N"))
    subjects = pd.Index(sorted(adelig["USUBJID"].unique()), name="USUBJID")
    failed = adelig[fails].groupby("USUBJID", sort=True)["CRITID"].agg(", ".join).reindex(subjects, fill_value="")
    score = adelig[adelig["CRITID"] == "ACRSCORE"].set_index("USUBJID")["VALUE"].reindex(failed.index)
    return pd.DataFrame({"USUBJID": failed.index, "ELIGFL": np.where(failed == "", "Y", "N"),
                         "ACRSCORE": score.fillna("").to_numpy(), "FAILED": failed.to_numpy()})


def summarize_criteria(adelig: pd.DataFrame) -> pd.DataFrame:
    """Count, per criterion, the subjects for whom it is met (``MET`` = "Y") out of all subjects.

    Returns ``CRITTYPE, CRITID, CRITERION, MET, SUBJECTS`` in the order of ``adelig``'s criteria.

    Examples
    --------
    >>> e = pd.DataFrame({"USUBJID": ["A", "B"], "CRITTYPE": "INCLUSION", "CRITID": "INC4",
    ...                   "CRITERION": "Age 18 years or older", "MET": ["Y", "N"], "VALUE": ""})
    >>> summarize_criteria(e).values.tolist()
    [['INCLUSION', 'INC4', 'Age 18 years or older', 1, 2]]
    """
    keys = ["CRITTYPE", "CRITID", "CRITERION"]
    grouped = adelig.assign(_met=adelig["MET"].eq("Y")).groupby(keys, sort=False)
    out = grouped.agg(MET=("_met", "sum"), SUBJECTS=("USUBJID", "nunique")).reset_index()
    return out.astype({"MET": int, "SUBJECTS": int})
