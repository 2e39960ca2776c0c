"""Eligibility: the 2016 ACR/EULAR classification of primary Sjögren's syndrome and the protocol criteria.

Sources:

- 2016 ACR/EULAR classification criteria: Shiboski CH, Shiboski SC, Seror R, et al. Ann Rheum Dis
  2017;76:9-16 and Arthritis Rheumatol 2017;69:35-45 (the table of items and weights): five weighted items
  (score 0-9), classified when the score is >= 4 in a patient who meets the entry criterion and has no
  exclusion condition.
- Protocol criteria: the registered eligibility of NCT04916756 (ClinicalTrials.gov, "A Prospective Pilot
  Study to Explore Efficacy and Safety of Baricitinib in Active Primary Sjogren's Syndrome Patients").

``derive_adelig`` returns one row per subject x criterion (docs/analysis_datasets.md, ``adelig``):
``USUBJID, CRITTYPE (INCLUSION / EXCLUSION / ACR-EULAR), CRITID, CRITERION, AVALC, VALUE``. Criteria are
evaluated from the data wherever the data hold them (age, baseline ESSDAI, baseline CNS level, serology
against the lab's ULN, concomitant-medication dates); the CRF's own answer is shown in ``VALUE`` next to
it. ``AVALC`` has three states (``ELIG_RESULTS``):

- ``"MET"``: the criterion holds; for an EXCLUSION row, the exclusion applies;
- ``"NOT MET"``: it does not hold, whatever the tests not done would have shown;
- ``"NOT DONE"``: a test or answer it needs is missing (e.g. no labial biopsy) and the outcome could
  change with it.

A criterion not done is counted apart from "not met" (``summarize_criteria``) but still counts against
eligibility: a subject is eligible (``ELIGFL`` "Y") only when every inclusion is MET and every exclusion
NOT MET; ``summarize_eligibility`` lists the criteria failed (an inclusion not met, an exclusion met) and those
not done separately. A subject who fails is listed, never dropped. The 2016 ACR/EULAR score counts a test not done
as 0 and the classification is "not evaluable" (NOT DONE) when the tests not done could change it
(docs/decisions.md, "Eligibility: criteria not done").
"""

from types import MappingProxyType

import numpy as np
import pandas as pd

from analysis_utils import ard, ctcae
from analysis_utils import vocabulary as voc
from analysis_utils.dictionary import ACR_EULAR_ENTRY, ACR_EULAR_EXCLUSION, PROTOCOL_EXCLUSION
from analysis_utils.report import analysis_queries

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

#: Protocol inclusion thresholds (registered eligibility of NCT04916756): minimum age; baseline ESSDAI >= 5
#: (moderate or high activity).
MIN_AGE = 18
MIN_BASELINE_ESSDAI = 5
#: Serological activity: CRP, ESR and/or IgG above the lab's ULN at baseline (NCT04916756, inclusion 3).
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
ADELIG_COLUMNS = ("USUBJID", "CRITTYPE", "CRITID", "CRITERION", "AVALC", "VALUE")
#: The three results of a criterion (``adelig.AVALC``).
MET, NOT_MET, NOT_DONE = "MET", "NOT MET", "NOT DONE"
ELIG_RESULTS = (MET, NOT_MET, NOT_DONE)


def _numeric(series: pd.Series) -> np.ndarray:
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _answer(series: pd.Series) -> pd.Series:
    return series.astype(object).fillna("").astype(str).str.strip().str.upper()


def _yes(series: pd.Series) -> np.ndarray:
    return (_answer(series) == "Y").to_numpy()


def _answered(series: pd.Series) -> np.ndarray:
    """A Y/N answer was recorded (blank, missing or anything else is not an answer)."""
    return _answer(series).isin(["Y", "N"]).to_numpy()


def _result(met, not_met) -> np.ndarray:
    """AVALC from two exclusive conditions: MET where ``met``, NOT MET where ``not_met``, else NOT DONE."""
    return np.select([np.asarray(met, dtype=bool), np.asarray(not_met, dtype=bool)], [MET, NOT_MET], NOT_DONE)


def compute_acr_eular_2016(items: pd.DataFrame) -> pd.DataFrame:
    """Compute the 2016 ACR/EULAR weighted score, entry criterion, exclusion and classification.

    A test not done (missing) contributes 0 to ``SCORE``, as the criteria count only positive items, and
    ``CLASSIFIED`` is the classification on the items done. Where the tests not done or the missing
    entry/exclusion answers could change that classification, ``EVALUABLE`` is False: the patient would be
    classified if every missing item were positive (``SCOREMAX >= 4``), every missing entry answer Y and
    every missing exclusion answer N, and would not be if every missing item were negative. So a score
    of 4 or more from the items done is classified and evaluable, whatever else is missing; a score of 1
    with the biopsy not done (at most 4) is not classified and not evaluable (docs/decisions.md,
    "Eligibility: criteria not done").

    Parameters
    ----------
    items : DataFrame
        One row per subject with ``FOCUSSC`` (foci/4 mm2), ``ANTISSA`` (POSITIVE/NEGATIVE), ``OSS``,
        ``SCHIRMER`` (mm/5 min), ``UWSFR`` (mL/min), the entry answers ``ENTRY1``-``ENTRY6`` and the
        exclusion answers ``ACREX1``-``ACREX7`` (Y/N). A test not done is missing; an answer column
        that is absent counts as unanswered.

    Returns
    -------
    DataFrame
        Same index; ``ACR1``-``ACR5`` (points of each item, 0 if not done), ``SCORE`` (0-9, items done),
        ``NOTDONE`` (the CRITIDs of the items not done, "" if none), ``SCOREMAX`` (the score if every item
        not done were positive), ``ENTRY`` (bool, any entry answer Y), ``EXCLUDED`` (bool, any exclusion
        answer Y), ``CLASSIFIED`` (score >= 4, entry met, not excluded, on the items and answers
        recorded) and ``EVALUABLE`` (bool, the missing items and answers cannot change ``CLASSIFIED``).

    Examples
    --------
    >>> items = pd.DataFrame({"FOCUSSC": [1.0, 0.9, None], "ANTISSA": ["NEGATIVE", "POSITIVE", "NEGATIVE"],
    ...                       "OSS": [5, 4, 5], "SCHIRMER": [6.0, 5.0, 6.0], "UWSFR": [0.1, 0.11, 0.2],
    ...                       "ENTRY1": "Y", **{f"ACREX{i}": "N" for i in range(1, 8)}})
    >>> compute_acr_eular_2016(items)[["SCORE", "NOTDONE", "SCOREMAX", "CLASSIFIED", "EVALUABLE"]].values.tolist()
    [[5, '', 5, True, True], [4, '', 4, True, True], [1, 'ACR1', 4, False, False]]
    """
    out = pd.DataFrame(index=items.index)
    not_done = pd.Series("", index=items.index, dtype=object)
    weight_not_done = np.zeros(len(items), dtype=int)
    for critid, (column, op, threshold, weight, _) in ACR_EULAR_ITEMS.items():
        if column not in items.columns:
            raise ValueError(f"ACR/EULAR 2016: missing column '{column}' ({critid})")
        met, done = _item_met(items[column], op, threshold)
        out[critid] = np.where(met, weight, 0)
        not_done += np.where(done, "", critid + ", ")
        weight_not_done += np.where(done, 0, weight)
    out["SCORE"] = out[list(ACR_EULAR_ITEMS)].sum(axis=1)
    out["NOTDONE"] = not_done.str.removesuffix(", ")
    out["SCOREMAX"] = out["SCORE"] + weight_not_done
    entry = [c for c in ACR_EULAR_ENTRY if c in items.columns]
    exclusion = [c for c in ACR_EULAR_EXCLUSION if c in items.columns]
    out["ENTRY"] = np.logical_or.reduce([_yes(items[c]) for c in entry]) if entry else False
    out["EXCLUDED"] = np.logical_or.reduce([_yes(items[c]) for c in exclusion]) if exclusion else False
    out["CLASSIFIED"] = (out["SCORE"] >= ACR_EULAR_MIN_SCORE) & out["ENTRY"] & ~out["EXCLUDED"]
    entry_open = ~out["ENTRY"].to_numpy() & ~_all_answered(items, ACR_EULAR_ENTRY)
    exclusion_open = ~out["EXCLUDED"].to_numpy() & ~_all_answered(items, ACR_EULAR_EXCLUSION)
    best = (out["SCOREMAX"] >= ACR_EULAR_MIN_SCORE) & (out["ENTRY"] | entry_open) & ~out["EXCLUDED"]
    worst = out["CLASSIFIED"] & ~exclusion_open
    out["EVALUABLE"] = best == worst
    return out


def _item_met(values: pd.Series, op: str, threshold) -> tuple[np.ndarray, np.ndarray]:
    """Whether one ACR/EULAR item is positive, and whether it was done (a value was recorded)."""
    if threshold is None:
        text = _answer(values)
        return (text == op).to_numpy(), (text != "").to_numpy()
    x = np.rint(_numeric(values) * ACR_EULAR_RESOLUTION)
    t = round(threshold * ACR_EULAR_RESOLUTION)
    return ((x >= t) if op == ">=" else (x <= t)), ~np.isnan(x)


def _all_answered(items: pd.DataFrame, codes) -> np.ndarray:
    """Every one of ``codes`` has a Y/N answer (a code absent from ``items`` is unanswered)."""
    if any(c not in items.columns for c in codes):
        return np.zeros(len(items), dtype=bool)
    return np.logical_and.reduce([_answered(items[c]) for c in codes])


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
    compared as given, both in the SI unit of ``vocabulary.LAB_PARAMS``), ``MISSING`` (no value at all)
    and ``COMPLETE`` (every parameter has a value and a ULN, so "none raised" is known).
    """
    base = adlb[(adlb["ABLFL"] == "Y") & adlb["PARAMCD"].isin(SEROLOGY_PARAMS)]
    out = pd.DataFrame(index=pd.Index(sorted(adlb["USUBJID"].unique()), name="USUBJID"))
    raised = np.zeros(len(out), dtype=bool)
    present = np.zeros(len(out), dtype=bool)
    complete = np.ones(len(out), dtype=bool)
    for code in SEROLOGY_PARAMS:
        part = base[base["PARAMCD"] == code].drop_duplicates("USUBJID").set_index("USUBJID")
        out[code] = part["AVAL"].reindex(out.index).astype(float)
        out[f"{code}ULN"] = part["ANRHI"].reindex(out.index).astype(float)
        raised |= (out[code] > out[f"{code}ULN"]).to_numpy()
        present |= out[code].notna().to_numpy()
        complete &= (out[code].notna() & out[f"{code}ULN"].notna()).to_numpy()
    out["RAISED"], out["MISSING"], out["COMPLETE"] = raised, ~present, complete
    return out


def _rows(subjects, crittype: str, critid: str, text: str, result, value) -> pd.DataFrame:
    return pd.DataFrame({"USUBJID": subjects, "CRITTYPE": crittype, "CRITID": critid, "CRITERION": text,
                         "AVALC": np.asarray(result, dtype=object), "VALUE": np.asarray(value, dtype=object)})


def _fmt(values, missing: str = "missing") -> pd.Series:
    """Values as text: numbers as their shortest repr (integers without '.0'), missing as ``missing``."""
    s = pd.Series(values).reset_index(drop=True)
    num = pd.to_numeric(s, errors="coerce")
    out = s.astype(object).where(s.notna(), missing).astype(str).astype(object)
    known = num.notna()
    out[known] = [str(int(v)) if float(v).is_integer() else repr(float(v)) for v in num[known]]
    return out


#: How ADELIG's ``VALUE`` gives the CRF's own answer, after the data's value (``_crf``; ``derive_queries`` reads it).
CRF_ANSWER = "CRF: "


def _crf(frame: pd.DataFrame, code: str) -> pd.Series:
    if code not in frame.columns:
        return pd.Series(f"{CRF_ANSWER}missing", index=range(len(frame)))
    return CRF_ANSWER + _fmt(frame[code].to_numpy())


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


def _acr_rows(subj: pd.DataFrame, acr: pd.DataFrame) -> list:
    ids, parts = subj["USUBJID"], []
    for critid, (column, op, threshold, weight, text) in ACR_EULAR_ITEMS.items():
        value = _fmt(subj[column].to_numpy(), "not done") if column in subj else "not done"
        met, done = _item_met(subj[column], op, threshold) if column in subj else (False, False)
        parts.append(_rows(ids, "ACR-EULAR", critid, f"{text} (weight {weight})",
                           _result(met, ~np.asarray(met) & done), value))
    entry = [c for c in ACR_EULAR_ENTRY if c in subj.columns]
    excl = [c for c in ACR_EULAR_EXCLUSION if c in subj.columns]
    score_txt = _fmt(acr["SCORE"].to_numpy())
    not_done = ("; not done: " + acr["NOTDONE"]).where(acr["NOTDONE"] != "", "").reset_index(drop=True)
    class_txt = ("score " + score_txt + " from the items done" + not_done).where(
        acr["EVALUABLE"].to_numpy(), "score " + score_txt + " from the items done" + not_done + "; not evaluable")
    parts += [
        _rows(ids, "ACR-EULAR", "ACRSCORE", f"Weighted score >= {ACR_EULAR_MIN_SCORE} (0-{ACR_EULAR_MAX_SCORE})",
              _result(acr["SCORE"] >= ACR_EULAR_MIN_SCORE, acr["SCOREMAX"] < ACR_EULAR_MIN_SCORE), score_txt),
        _rows(ids, "ACR-EULAR", "ACRENTRY", "Entry criterion: at least one symptom of ocular or oral dryness, "
              "or suspicion from the ESSDAI",
              _result(acr["ENTRY"], _all_answered(subj, ACR_EULAR_ENTRY)), _answered_yes(subj, entry)),
        _rows(ids, "ACR-EULAR", "ACREXCL", "No exclusion condition (prior head and neck radiation, active "
              "hepatitis C, AIDS, sarcoidosis, amyloidosis, GVHD, IgG4-related disease)",
              _result(~acr["EXCLUDED"] & _all_answered(subj, ACR_EULAR_EXCLUSION), acr["EXCLUDED"]),
              _answered_yes(subj, excl)),
        _rows(ids, "ACR-EULAR", "ACRCLASS", "Classified as primary Sjögren's syndrome (2016 ACR/EULAR)",
              _classification(acr), class_txt),
    ]
    return parts


def _classification(acr: pd.DataFrame) -> np.ndarray:
    """AVALC of the 2016 ACR/EULAR classification: NOT DONE where it is not evaluable."""
    return _result(acr["CLASSIFIED"] & acr["EVALUABLE"], ~acr["CLASSIFIED"] & acr["EVALUABLE"])


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


def _inclusion_rows(subj: pd.DataFrame, acr: pd.DataFrame, adeff: pd.DataFrame, adlb: pd.DataFrame) -> list:
    ids = subj["USUBJID"]
    essdai = _baseline_aval(adeff, voc.PARAMCD_ESSDAI, ids)
    sero = compute_serology_baseline(adlb).reindex(ids)
    sero_txt = pd.Series("", index=range(len(subj)))
    for code in SEROLOGY_PARAMS:
        unit = voc.LAB_PARAMS[code][1]
        shown = f"{code} " + _fmt(sero[code].to_numpy()) + f" {unit} (ULN " + _fmt(sero[f"{code}ULN"].to_numpy()) + ")"
        sero_txt += np.where(sero[code].isna().to_numpy(), f"{code} missing", shown) + "; "
    raised = sero["RAISED"].fillna(False).to_numpy(bool)
    age = _numeric(subj["AGE"])
    return [
        _rows(ids, "INCLUSION", "INC1", INCLUSION_TEXT["INC1"], _classification(acr),
              "ACR/EULAR score " + _fmt(acr["SCORE"].to_numpy()) + "; " + _crf(subj, "INC1")),
        _rows(ids, "INCLUSION", "INC2", INCLUSION_TEXT["INC2"],
              _result(essdai >= MIN_BASELINE_ESSDAI, essdai < MIN_BASELINE_ESSDAI),
              "ESSDAI " + _fmt(essdai) + "; " + _crf(subj, "INC2")),
        _rows(ids, "INCLUSION", "INC3", INCLUSION_TEXT["INC3"],
              _result(raised, ~raised & sero["COMPLETE"].fillna(False).to_numpy(bool)), sero_txt + _crf(subj, "INC3")),
        _rows(ids, "INCLUSION", "INC4", INCLUSION_TEXT["INC4"], _result(age >= MIN_AGE, age < MIN_AGE),
              "age " + _fmt(age) + "; " + _crf(subj, "INC4")),
    ]


def _crf_answer(subj: pd.DataFrame, code: str) -> tuple[np.ndarray, np.ndarray]:
    """(answered Y, answered N) of a CRF question; both False where it is missing or absent."""
    if code not in subj.columns:
        return np.zeros(len(subj), dtype=bool), np.zeros(len(subj), dtype=bool)
    answer = _answer(subj[code]).to_numpy()
    return answer == "Y", answer == "N"


def _exclusion_rows(subj: pd.DataFrame, adeff: pd.DataFrame, adcm: pd.DataFrame) -> list:
    ids = subj["USUBJID"]
    cns = _baseline_aval(adeff, voc.ESSDAI_LEVEL_PARAMCD["cns"], ids)
    male = (subj["SEX"].astype(object) == "M").to_numpy() if "SEX" in subj else np.zeros(len(subj), bool)
    stable = compute_stable_dose_days(adcm, subj).reindex(ids).to_numpy(dtype=float)
    stable_txt = ("dose stable " + _fmt(stable) + " days at first dose").where(
        ~np.isnan(stable), "no glucocorticoid or immunosuppressant at first dose")
    (yes1, no1), (yes2, no2), (yes3, no3) = (_crf_answer(subj, c) for c in ("EXC1", "EXC2", "EXC3"))
    return [
        _rows(ids, "EXCLUSION", "EXC1", EXCLUSION_TEXT["EXC1"], _result((cns > 0) | yes1, (cns == 0) & no1),
              "CNS level " + _fmt(cns) + "; " + _crf(subj, "EXC1")),
        _rows(ids, "EXCLUSION", "EXC2", EXCLUSION_TEXT["EXC2"], _result(~male & yes2, male | no2),
              "sex " + _fmt(subj["SEX"].to_numpy() if "SEX" in subj else [None] * len(subj)) + "; "
              + _crf(subj, "EXC2")),
        _rows(ids, "EXCLUSION", "EXC3", EXCLUSION_TEXT["EXC3"], _result(yes3, no3), _crf(subj, "EXC3")),
        _rows(ids, "EXCLUSION", "EXC4", EXCLUSION_TEXT["EXC4"],
              _result(stable < STABLE_DOSE_MIN_DAYS, ~(stable < STABLE_DOSE_MIN_DAYS)),
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
        Without it, what needs the CRF is "missing" and the criteria that need it are NOT DONE.

    Returns
    -------
    DataFrame
        ``ADELIG_COLUMNS``, one row per subject x criterion, subjects in USUBJID order, criteria in the
        order ACR-EULAR, INCLUSION, EXCLUSION. ``AVALC`` is MET, NOT MET or NOT DONE (module docstring).
    """
    subj = _subjects(adsl, None if adie is None else derive_ie_wide(adie))
    acr = _acr(subj)
    parts = _acr_rows(subj, acr) + _inclusion_rows(subj, acr, adeff, adlb) + _exclusion_rows(subj, adeff, adcm)
    out = pd.concat(parts, ignore_index=True)
    out["_order"] = np.arange(len(out)) // len(subj) if len(subj) else 0
    out = out.sort_values(["USUBJID", "_order"], kind="stable")
    return out[list(ADELIG_COLUMNS)].reset_index(drop=True)


#: The rule of the data query of a patient treated though a protocol criterion is not met (``derive_queries``).
TREATED_NOT_ELIGIBLE = "treated though a protocol criterion is not met"
#: The rule of the data query of a criterion the data meet (an inclusion met, an exclusion that does not apply) whose
#: CRF answer says the patient was not eligible (``derive_queries``).
CRF_CONTRADICTS_DATA = "the CRF's answer contradicts the data"


#: The rule of the data query of baricitinib started at a value below the label's threshold (``derive_label_queries``).
STARTED_BELOW_LABEL = "baricitinib started below the label's threshold"


def derive_label_queries(adlb: pd.DataFrame, adsl: pd.DataFrame, *,
                         thresholds=ctcae.LAB_INTERRUPTION_THRESHOLDS) -> pd.DataFrame:
    """Data queries (source ``eligibility``) of each start of a treatment with baricitinib (a daily dose planned above
    0, ADSL ``DOSE01A``, ``DOSE02A``): the first dose (``TRTSDT``, of ``TRT01A``) and a switch to one (``TR02SDT``, of
    ``TRT02A``), whose last value of a test of ``thresholds`` on or before that day (a sample on the day of the switch
    comes before its first dose, as ``TRTA`` reads it) is below the threshold: the label advises against starting
    baricitinib at neutrophils below 1.0 or lymphocytes below 0.5 x10^9/L, or haemoglobin below 80 g/L (the
    thresholds at which it interrupts it, ``ctcae.LAB_INTERRUPTION_THRESHOLDS``). A deviation for the site to
    confirm; the analyses take the data as recorded, and the laboratory alerts list the value.

    >>> adsl = pd.DataFrame({"USUBJID": ["a", "b", "c"], "TRT01A": ["Bari", "HCQ 400 mg", "Bari"],
    ...     "DOSE01A": [4.0, 0.0, 4.0], "DOSE02A": 4.0,
    ...     "TRTSDT": pd.to_datetime(["2021-01-05"] * 3), "TRT02A": ["Bari", "Bari", "Bari"],
    ...     "TR02SDT": pd.to_datetime([None, "2021-04-01", None])})
    >>> adlb = pd.DataFrame({"USUBJID": ["a", "b", "b", "c"], "PARAMCD": "NEUT", "AVAL": [0.8, 0.8, 0.7, 1.2],
    ...     "ADT": pd.to_datetime(["2021-01-05", "2021-01-05", "2021-04-01", "2021-01-04"]),
    ...     "AVISIT": ["Baseline", "Baseline", "Week 12", "Baseline"]})
    >>> derive_label_queries(adlb, adsl)[["USUBJID", "AVISIT", "value", "message"]].values.tolist()
    [['a', 'Baseline', '0.8', 'Bari started on 2021-01-05 (first dose) with neutrophils (10^9/L) 0.8 on 2021-01-05: \
the label advises against starting baricitinib below 1; a deviation to confirm (analysed as recorded)'], ['b', \
'Week 12', '0.7', 'Bari started on 2021-04-01 (switch) with neutrophils (10^9/L) 0.7 on 2021-04-01: the label \
advises against starting baricitinib below 1; a deviation to confirm (analysed as recorded)']]
    """
    if lacking := [f"{trt} without {dose}" for trt, dose in (("TRT01A", "DOSE01A"), ("TRT02A", "DOSE02A"))
                   if trt in adsl and dose not in adsl]:
        raise KeyError(f"ADSL has {' and '.join(lacking)}: the dose planned in the treatment, by which a treatment "
                       "without baricitinib (dose 0) is told (cleaning.derive_treatment)")
    starts = [adsl[adsl[day].notna() & adsl[trt].fillna("").ne("") & adsl[dose].gt(0)]
              [["USUBJID", trt, day]].set_axis(["USUBJID", "TRT", "START"], axis=1).assign(WHAT=what)
              for trt, dose, day, what in (("TRT01A", "DOSE01A", "TRTSDT", "first dose"),
                                           ("TRT02A", "DOSE02A", "TR02SDT", "switch"))
              if {trt, dose, day} <= set(adsl.columns)]  # the periods of safety.treatment_periods, without its scipy
    labs = adlb[adlb["PARAMCD"].isin(list(thresholds)) & adlb["AVAL"].notna()]
    none = analysis_queries("eligibility", adsl.iloc[:0], variable="", rule=STARTED_BELOW_LABEL, value="", message="")
    if not starts or labs.empty:
        return none
    labs = labs.merge(pd.concat(starts, ignore_index=True), on="USUBJID")
    last = labs[labs["ADT"] <= labs["START"]].sort_values(["USUBJID", "START", "PARAMCD", "ADT"], kind="stable") \
        .drop_duplicates(["USUBJID", "START", "PARAMCD"], keep="last")
    rows = last[last["AVAL"].to_numpy(float) < last["PARAMCD"].map(thresholds).to_numpy(float)]
    if rows.empty:
        return none
    value = rows["AVAL"].map("{:g}".format)
    reported = rows["LBSTRESC"].fillna("").astype(str).str.strip() if "LBSTRESC" in rows else value.map(lambda v: "")
    said = value + np.where(reported.str[:1].isin(["<", ">"]), " (reported as " + reported + ")", "")
    label = rows["PARAMCD"].map(lambda code: voc.in_sentence(voc.param_label(code)))
    message = (rows["TRT"].astype(str) + " started on " + rows["START"].dt.strftime("%Y-%m-%d") + " (" + rows["WHAT"]
               + ") with " + label + " " + said + " on "
               + rows["ADT"].dt.strftime("%Y-%m-%d") + ": the label advises against starting baricitinib below "
               + rows["PARAMCD"].map(thresholds).map("{:g}".format) + "; a deviation to confirm (analysed as recorded)")
    return analysis_queries("eligibility", rows, avisit=rows["AVISIT"].astype(str), variable=rows["PARAMCD"],
                            rule=STARTED_BELOW_LABEL, value=value, message=message)


def derive_queries(adelig: pd.DataFrame, adsl: pd.DataFrame, *, adlb: pd.DataFrame | None = None) -> pd.DataFrame:
    """Data queries (source ``eligibility``) of the patients randomised or treated (``TRT01P`` given, or ``SAFFL``
    "Y") with an inclusion criterion NOT MET or an exclusion criterion MET in ADELIG: enrolled though not eligible, a
    protocol deviation (ICH E3 10.2) for the site to confirm, as when the data contradict the CRF's answer (a CNS
    level at baseline under an EXC1 answered N). The patient stays in the analysis sets (ICH E9 5.2.1). A criterion
    NOT DONE is not queried here: the eligibility table counts it. Then (``CRF_CONTRADICTS_DATA``) a criterion the
    data meet whose CRF answer says otherwise (an inclusion answered N, an exclusion answered Y): the site's own record
    says the patient was not eligible, and the analysis, which reads the data, shows the patient eligible. With
    ``adlb``, then those of ``derive_label_queries`` (baricitinib started below the label's threshold).

    >>> adelig = pd.DataFrame({"USUBJID": ["S-08-083", "S-01-001"], "CRITTYPE": "EXCLUSION", "CRITID": "EXC1",
    ...                        "CRITERION": "Active CNS disease", "AVALC": ["MET", "NOT MET"],
    ...                        "VALUE": ["CNS level 1; CRF: N", "CNS level 0; CRF: N"]})
    >>> adsl = pd.DataFrame({"USUBJID": ["S-08-083", "S-01-001"], "SAFFL": "Y", "TRT01P": "Bari"})
    >>> derive_queries(adelig, adsl)[["USUBJID", "variable", "value", "message"]].values.tolist()
    [['S-08-083', 'EXC1', 'MET', 'exclusion criterion EXC1 (Active CNS disease) met (CNS level 1; CRF: N), yet the \
patient was randomised or treated: a protocol deviation to confirm (kept in the analysis sets)']]
    """
    enrolled = adsl["SAFFL"].eq("Y") | (adsl["TRT01P"].fillna("").astype(str).str.strip() != "" if "TRT01P" in adsl
                                        else False)
    rows = adelig[adelig["USUBJID"].isin(adsl.loc[enrolled, "USUBJID"])
                  & (((adelig["CRITTYPE"] == "INCLUSION") & (adelig["AVALC"] == NOT_MET))
                     | ((adelig["CRITTYPE"] == "EXCLUSION") & (adelig["AVALC"] == MET)))]
    text = rows.fillna("").astype(str)  # pandas 3: a missing value left missing would blank the whole message
    message = (text["CRITTYPE"].str.lower() + " criterion " + text["CRITID"] + " (" + text["CRITERION"] + ") "
               + text["AVALC"].str.lower() + " (" + text["VALUE"] + "), yet the patient was randomised or "
               "treated: a protocol deviation to confirm (kept in the analysis sets)")
    parts = [analysis_queries("eligibility", rows, variable=rows["CRITID"], rule=TREATED_NOT_ELIGIBLE,
                              value=rows["AVALC"], message=message)]
    answer = adelig["VALUE"].fillna("").astype(str).str.extract(f"{CRF_ANSWER}(Y|N)$", expand=False)
    said = adelig[adelig["USUBJID"].isin(adsl.loc[enrolled, "USUBJID"])
                  & (((adelig["CRITTYPE"] == "INCLUSION") & (adelig["AVALC"] == MET) & answer.eq("N"))
                     | ((adelig["CRITTYPE"] == "EXCLUSION") & (adelig["AVALC"] == NOT_MET) & answer.eq("Y")))]
    text = said.fillna("").astype(str)
    parts.append(analysis_queries("eligibility", said, variable=said["CRITID"], rule=CRF_CONTRADICTS_DATA,
                                  value=answer[said.index], message=(
        text["CRITTYPE"].str.lower() + " criterion " + text["CRITID"] + " (" + text["CRITERION"] + ") answered "
        + answer[said.index] + " on the CRF, but the data say " + text["AVALC"].str.lower() + " (" + text["VALUE"]
        + "): the site's record says the patient was not eligible; to confirm (analysed as the data say)")))
    if adlb is not None:
        parts.append(derive_label_queries(adlb, adsl))
    return pd.concat([part for part in parts if len(part)] or parts[:1], ignore_index=True)


def summarize_eligibility(adelig: pd.DataFrame) -> pd.DataFrame:
    """One row per subject: eligibility, the 2016 ACR/EULAR score and classification, and why not eligible.

    ``ELIGFL`` is "Y" when every inclusion is MET and every exclusion NOT MET; ``ACRSCORE`` the weighted
    score from the items done and ``ACRCLASS`` the classification (MET, NOT MET, or NOT DONE when not
    evaluable; "" without an ACRCLASS row); ``FAILED`` the criteria that make the subject ineligible, each
    CRITID with its result ("INC2 not met": an inclusion; "EXC1 met": an exclusion, which applies, as Table
    14.1.2 counts it), and ``NOTDONE`` the inclusion and exclusion CRITIDs that could not be evaluated (both ""
    if none). A criterion not done is never listed as failed, but a
    subject with one is not shown eligible (``ELIGFL`` "N").

    Examples
    --------
    >>> e = pd.DataFrame({"USUBJID": ["A"] * 3 + ["B"] * 3 + ["C"] * 3, "CRITTYPE": ["ACR-EULAR", "INCLUSION",
    ...     "EXCLUSION"] * 3, "CRITID": ["ACRSCORE", "INC1", "EXC1"] * 3, "CRITERION": "",
    ...     "AVALC": ["MET", "MET", "NOT MET", "NOT MET", "NOT MET", "MET", "NOT DONE", "NOT DONE", "NOT MET"],
    ...     "VALUE": ["7", "", "", "2", "", "", "3", "", ""]})
    >>> summarize_eligibility(e).values.tolist()
    [['A', 'Y', '7', '', '', ''], ['B', 'N', '2', '', 'INC1 not met, EXC1 met', ''], ['C', 'N', '3', '', '', 'INC1']]
    """
    inclusion, exclusion = adelig["CRITTYPE"] == "INCLUSION", adelig["CRITTYPE"] == "EXCLUSION"
    fails = (inclusion & (adelig["AVALC"] == NOT_MET)) | (exclusion & (adelig["AVALC"] == MET))
    open_ = (inclusion | exclusion) & (adelig["AVALC"] == NOT_DONE)
    subjects = pd.Index(sorted(adelig["USUBJID"].unique()), name="USUBJID")

    def listed(mask: pd.Series) -> pd.Series:
        return adelig[mask].groupby("USUBJID", sort=True)["CRITID"].agg(", ".join).reindex(subjects, fill_value="")

    failed = adelig["CRITID"] + np.where(inclusion, " not met", " met")
    failed = adelig[fails].assign(CRITID=failed[fails]).groupby("USUBJID", sort=True)["CRITID"].agg(", ".join) \
        .reindex(subjects, fill_value="")
    not_done = listed(open_)
    by_crit = adelig.set_index(["CRITID", "USUBJID"])
    score = by_crit["VALUE"].get("ACRSCORE", pd.Series(dtype=object)).reindex(subjects)
    acr_class = by_crit["AVALC"].get("ACRCLASS", pd.Series(dtype=object)).reindex(subjects)
    return pd.DataFrame({"USUBJID": subjects, "ELIGFL": np.where((failed == "") & (not_done == ""), "Y", "N"),
                         "ACRSCORE": score.fillna("").to_numpy(), "ACRCLASS": acr_class.fillna("").to_numpy(),
                         "FAILED": failed.to_numpy(), "NOTDONE": not_done.to_numpy()})


#: What a patient shown eligible (``ELIGFL`` "Y") met, in the words of Table 14.1.2 (an exclusion criterion met
#: applies).
ELIGIBLE_TEXT = "every inclusion criterion met, no exclusion criterion met"
#: Patients ``describe_ineligible`` names at most; the others are counted (the listing shows them first).
NAMED_AT_MOST = 20


def describe_ineligible(by_subject: pd.DataFrame, *, at_most: int = NAMED_AT_MOST, awaiting=()) -> str:
    """Say which patients are not shown eligible (``summarize_eligibility``) and why, by criterion: in a listing of
    many patients, cut on the page, the one randomised with an exclusion met stood in row 84 of 87 and was named
    nowhere else. The patients ``awaiting`` their first dose at an interim data cut (``USUBJID``s; still on study,
    not yet treated), whose criteria may only be not done yet, are said to be so, not to be not shown eligible
    (at a cut of the pilot one day before her baseline visit, 01-011 read as an eligibility failure).

    >>> s = pd.DataFrame({"USUBJID": ["X-01-001", "X-01-002", "X-02-003"], "ELIGFL": ["Y", "N", "N"],
    ...                   "FAILED": ["", "EXC1 met", ""], "NOTDONE": ["", "", "INC3"]})
    >>> describe_ineligible(s)
    '2 of 3 patients are not shown eligible: 01-002 (EXC1 met), 02-003 (not done: INC3).'
    >>> describe_ineligible(s.assign(ELIGFL="Y"))
    'All 3 patients are shown eligible: every inclusion criterion met, no exclusion criterion met.'
    >>> describe_ineligible(s.iloc[:2])
    '1 of 2 patients is not shown eligible: 01-002 (EXC1 met).'
    >>> describe_ineligible(s, at_most=1)
    '2 of 3 patients are not shown eligible: 01-002 (EXC1 met), and 1 more, listed first below.'
    >>> describe_ineligible(s, awaiting=["X-02-003"])
    '1 of 3 patients is not shown eligible: 01-002 (EXC1 met). 02-003 (not done yet: INC3) awaits the first dose \
at the data cut.'
    >>> describe_ineligible(s.assign(ELIGFL="N", NOTDONE="INC3"), awaiting=["X-01-001", "X-02-003"])
    '1 of 3 patients is not shown eligible: 01-002 (EXC1 met; not done: INC3). 01-001, 02-003 (not done yet: INC3) \
await the first dose at the data cut.'
    >>> describe_ineligible(s.iloc[[0, 2]], awaiting=["X-02-003"])
    'The other patient is shown eligible: every inclusion criterion met, no exclusion criterion met. 02-003 (not \
done yet: INC3) awaits the first dose at the data cut.'
    """
    waiting = by_subject["USUBJID"].isin(list(awaiting)) & (by_subject["ELIGFL"] != "Y") & (by_subject["FAILED"] == "")
    later = ""
    if waiting.any():
        rows = by_subject[waiting].head(at_most)
        named = "; ".join(", ".join(map(voc.patient_label, ids)) + (f" (not done yet: {d})" if d else "")
                          for d, ids in rows.groupby("NOTDONE", sort=False)["USUBJID"])
        named += f"; and {int(waiting.sum()) - at_most} more" if waiting.sum() > at_most else ""
        later = f" {named} {'awaits' if waiting.sum() == 1 else 'await'} the first dose at the data cut."
    out = by_subject[(by_subject["ELIGFL"] != "Y") & ~waiting]
    if not len(out):
        others = len(by_subject) - int(waiting.sum())
        eligible = f"shown eligible: {ELIGIBLE_TEXT}."
        return (f"All {len(by_subject)} patients are {eligible}" if not later else
                f"The other {'patient is' if others == 1 else f'{others} patients are'} {eligible}{later}")
    why = ["; ".join(filter(None, (failed, f"not done: {not_done}" if not_done else "")))
           for failed, not_done in zip(out["FAILED"], out["NOTDONE"])]
    named = ", ".join(f"{voc.patient_label(s)} ({w})" for s, w in zip(out["USUBJID"][:at_most], why[:at_most]))
    named += f", and {len(out) - at_most} more, listed first below" if len(out) > at_most else ""
    return (f"{len(out)} of {len(by_subject)} patients {'is' if len(out) == 1 else 'are'} not shown eligible: "
            f"{named}.{later}")


#: Columns of ``summarize_criteria``: one count per result, and the denominator.
CRITERIA_COUNTS = ("MET", "NOTMET", "NOTDONE", "SUBJECTS")


def summarize_criteria(adelig: pd.DataFrame) -> pd.DataFrame:
    """Count, per criterion, the subjects for whom it is met, not met and not done, out of all subjects.

    Returns ``CRITTYPE, CRITID, CRITERION, MET, NOTMET, NOTDONE, SUBJECTS`` in the order of ``adelig``'s
    criteria; ``MET + NOTMET + NOTDONE = SUBJECTS`` (for an exclusion, MET means the exclusion applies).

    Examples
    --------
    >>> e = pd.DataFrame({"USUBJID": ["A", "B", "C"], "CRITTYPE": "ACR-EULAR", "CRITID": "ACR1",
    ...                   "CRITERION": "Labial biopsy", "AVALC": ["MET", "NOT DONE", "NOT DONE"], "VALUE": ""})
    >>> summarize_criteria(e).values.tolist()
    [['ACR-EULAR', 'ACR1', 'Labial biopsy', 1, 0, 2, 3]]
    """
    unknown = set(adelig["AVALC"]) - set(ELIG_RESULTS)
    if unknown:
        raise ValueError(f"adelig: AVALC must be one of {ELIG_RESULTS}, not {sorted(unknown)}")
    keys = ["CRITTYPE", "CRITID", "CRITERION"]
    flags = {name: adelig["AVALC"].eq(result) for name, result in zip(CRITERIA_COUNTS, ELIG_RESULTS)}
    grouped = adelig.assign(**flags).groupby(keys, sort=False)
    out = grouped.agg(**{name: (name, "sum") for name in flags}, SUBJECTS=("USUBJID", "nunique")).reset_index()
    return out.astype({name: int for name in CRITERIA_COUNTS})


def eligibility_to_ard(by_criterion: pd.DataFrame, by_subject: pd.DataFrame) -> pd.DataFrame:
    """ARD rows of the eligibility tables (section ``eligibility``).

    ``ELIG-CRITERIA``: per criterion (``paramcd`` = CRITID, ``variable`` = CRITTYPE, ``label`` = its text),
    ``n`` for each result in ``category`` (MET, NOT MET, NOT DONE) and ``big_n`` (the subjects).
    ``ELIG-SUBJECTS``: ``n`` of subjects eligible (category ``Y``) and not (``N``), and ``big_n``.

    >>> crit = pd.DataFrame({"CRITTYPE": ["ACR-EULAR"], "CRITID": ["ACR1"], "CRITERION": ["Biopsy"],
    ...                      "MET": [3], "NOTMET": [0], "NOTDONE": [8], "SUBJECTS": [11]})
    >>> subj = pd.DataFrame({"USUBJID": ["A", "B"], "ELIGFL": ["Y", "N"]})
    >>> rows = eligibility_to_ard(crit, subj)
    >>> rows[["analysis_id", "paramcd", "category", "stat_name", "stat_value"]].values.tolist()[:4]
    [['ELIG-CRITERIA', 'ACR1', 'MET', 'n', 3.0], ['ELIG-CRITERIA', 'ACR1', 'NOT MET', 'n', 0.0], \
['ELIG-CRITERIA', 'ACR1', 'NOT DONE', 'n', 8.0], ['ELIG-CRITERIA', 'ACR1', '', 'big_n', 11.0]]
    """
    parts = []
    for (name, result) in zip(CRITERIA_COUNTS, ELIG_RESULTS + ("",)):
        parts.append(pd.DataFrame({"paramcd": by_criterion["CRITID"], "variable": by_criterion["CRITTYPE"],
                                   "label": by_criterion["CRITERION"], "category": result,
                                   "stat_name": "big_n" if name == "SUBJECTS" else "n",
                                   "stat_value": by_criterion[name], "_row": np.arange(len(by_criterion))}))
    criteria = pd.concat(parts).sort_values("_row", kind="stable").drop(columns="_row")
    criteria = ard.make_ard(criteria, analysis_id="ELIG-CRITERIA", population="Enrolled subjects (ADSL)",
                            method="Each criterion MET, NOT MET or NOT DONE per subject (eligibility.derive_adelig)")
    counts = by_subject["ELIGFL"].value_counts().reindex(["Y", "N"], fill_value=0)
    subjects = pd.DataFrame({"category": ["Y", "N", ""], "stat_name": ["n", "n", "big_n"],
                             "stat_value": [counts["Y"], counts["N"], len(by_subject)]})
    subjects = ard.make_ard(subjects, analysis_id="ELIG-SUBJECTS", variable="ELIGFL",
                            population="Enrolled subjects (ADSL)", label="Subjects eligible (every inclusion met, "
                            "no exclusion, nothing not done)",
                            method="Subjects counted once: Y = every inclusion criterion MET and every exclusion "
                                   "criterion NOT MET, none NOT DONE (eligibility.derive_adelig)")
    return ard.stack_ard([criteria, subjects])
