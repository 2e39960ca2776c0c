"""Derivation of the ADaM-style analysis datasets from a validated raw export.

Pure functions: raw forms in (text frames from ``export.read_export`` or typed frames from
``synthetic.generate_trial``), analysis datasets out, as specified in ``docs/analysis_datasets.md``:

- ``derive_adsl``: one row per subject;
- ``derive_adqs``: item-level efficacy assessments (ESSDAI domain levels and attribution, ESSPRI
  items, PGA, ILD assessment) by visit;
- ``derive_adlb``: laboratory results in standard (SI) units with reference-range indicators,
  baseline and change;
- ``derive_adae``: adverse events with study days and the treatment-emergent flag;
- ``derive_adcm``: concomitant medications with prior and on-treatment flags;
- ``derive_adie``: eligibility items and answers, one row per subject and criterion (input of the
  eligibility analysis; not in the contract's list, an addition).

Only the pseudonymous ``USUBJID`` (``STUDYID-SITEID-SUBJID``) and the subject number leave the raw
data: the direct identifiers of the data dictionary (``dictionary.IDENTIFIERS``) are never copied.
``STUDYID`` is the export's own (form ``study``, ``dictionary.study_identity``; the pilot's NCT04916756
when the export has no study form).
"""

from types import MappingProxyType

import numpy as np
import pandas as pd

from analysis_utils import dictionary, partial_dates, scoring, validation
from analysis_utils.validation import lookup
from analysis_utils.report import analysis_queries
from analysis_utils.vocabulary import (
    ARM, AVISIT_ORDER, AVISITN, ESSDAI_DOMAINS, ESSDAI_LEVEL_PARAMCD, ESSPRI_ITEM_PARAMCD, HAEM_ATTRIBUTION_PARAMCD, ILD_PARAMCD,
    LAB_PARAMS, PARAMCD_ESSDAI, STUDYID,
)

#: Treatment-emergent window: an AE starting on or after the first dose and no later than this many
#: days after the last dose is treatment-emergent (docs/analysis_datasets.md, ``adae``).
TRTEM_WINDOW_DAYS = 30
#: Days in a year, for the disease duration DURDIS (years).
DAYS_PER_YEAR = 365.25
#: Decimals kept after a unit conversion (``validation.CONVERSION_DECIMALS``: its queries read the values ADLB holds).
CONVERSION_DECIMALS = validation.CONVERSION_DECIMALS
#: Prednisone-equivalent factor per mg of each glucocorticoid (equivalent doses: prednisone 5 mg =
#: prednisolone 5 = methylprednisolone 4 = triamcinolone 4 = hydrocortisone 20 = cortisone 25 =
#: dexamethasone 0.75 = betamethasone 0.6; Liu D et al. Allergy Asthma Clin Immunol 2013;9:30, Table 1).
PREDNISONE_EQUIVALENT = MappingProxyType({
    "PREDNISONE": 1.0, "PREDNISOLONE": 1.0, "METHYLPREDNISOLONE": 5 / 4, "TRIAMCINOLONE": 5 / 4,
    "HYDROCORTISONE": 5 / 20, "CORTISONE": 5 / 25, "DEXAMETHASONE": 5 / 0.75, "BETAMETHASONE": 5 / 0.6,
})
#: ``CMDECOD`` of hydroxychloroquine (ADSL ``HCQFL``; in any letter case): the ingredient, and the salt as WHODrug
#: also names it (a flag needs no dose, so the salt is read as the drug). Another antimalarial record taken during
#: the study is a data query (validation ``antimalarial_not_counted``).
HYDROXYCHLOROQUINE = ("HYDROXYCHLOROQUINE", "HYDROXYCHLOROQUINE SULFATE", "HYDROXYCHLOROQUINE SULPHATE")
#: Administrations per day of each CRF dosing frequency (PRN and blank: unknown).
DOSES_PER_DAY = MappingProxyType({"QD": 1.0, "BID": 2.0, "TID": 3.0, "QID": 4.0, "QOD": 0.5, "QW": 1 / 7})
#: Relationship categories counted as related (RELFL = "Y").
RELATED = ("RELATED", "POSSIBLY RELATED")
#: RELFL of an adverse event whose relationship (AEREL) is not yet assessed, as in an interim export: related,
#: the worst case that statistical analysis plans usually state (ICH E2A: an event whose relationship to the
#: drug cannot be ruled out counts as related). Its grade, when not yet assessed, is not imputed (AETOXGR
#: missing). docs/decisions.md, "Adverse events not yet assessed".
RELFL_NOT_ASSESSED = "Y"
#: AEDECOD and AEBODSYS of an adverse event whose verbatim term (AETERM) is not yet coded in MedDRA, and CMDECOD of a
#: medication not yet coded in WHODrug, as in an interim export: counted under this term, system organ class or name
#: (the listing keeps the verbatim term). docs/decisions.md, "Adverse events not yet assessed".
NOT_CODED = "Not yet coded"
#: ADSL flag of each post-baseline visit saying that the visit was due at the data cut (``"Y"``/``"N"``): the
#: pilot's visits, always in ADSL; any other visit of the schedule adds its own (``due_flag``: ``DUE4FL``, ...).
DUE_FLAGS = MappingProxyType({"W12": "DUE12FL", "W24": "DUE24FL"})
#: When a scheduled visit counts as due at the data cut (the rule of ``compute_visit_due``; decision in
#: docs/decisions.md, "Interim data cuts"): the visit took place, or the patient left the study (completed or
#: discontinued: every later visit is then missing for good), or the visit's window closed before the cut,
#: i.e. the study day of the cut is after the window's last day, target day + half-width
#: (``validation.VISIT_WINDOWS``: week 12 day 85 +/- 14, week 24 day 169 +/- 14, from the protocol's visit
#: schedule). A visit not yet due is not missing: it is neither imputed (BOCF, LOCF) nor counted in the
#: denominator of an analysis of that visit, and the mixed model's estimate at that visit leaves the patient out.
VISIT_DUE_RULE = "attended, or the patient left the study, or the window (target day + half-width) closed before the cut"

#: Treatment variables of ADSL (``derive_treatment``; docs/decisions.md, "Randomised trials").
TREATMENT_COLUMNS = ("TRT01P", "TRT01PN", "TRT01A", "TRT01AN", "TRT02P", "TRT02A", "DOSE01P", "DOSE01A", "DOSE02P",
                     "DOSE02A", "RANDDT", "SWITCHFL", "TR02SDT")
ADSL_COLUMNS = (
    "STUDYID", "USUBJID", "SUBJID", "SITEID", "AGE", "AGEU", "SEX", "RACE", "ETHNIC", "HEIGHTBL", "WEIGHTBL",
    "BMIBL", "ARM", "ACTARM", *TREATMENT_COLUMNS, "TRTSDT", "TRTEDT", "TRTDURD", "CUMDOSE", "ADHERPCT", "SAFFL",
    "FASFL", "COMP12FL", "COMP24FL", "DCUTDT", "DUE12FL", "DUE24FL", "EOSSTT", "DCSREAS", "EOSDT", "DTHFL", "DIAGDT",
    "DIAGDTF", "DURDIS", "ANTISSA", "ANTISSB",
    "HBVHXFL", "HBSAGFL", "ILDFL", "GCFL", "GCDOSEBL", "HCQFL", "ISFL", "IGGBL", "ESRBL", "CRPBL",
)
ADQS_COLUMNS = ("STUDYID", "USUBJID", "PARCAT1", "PARAMCD", "PARAM", "AVISIT", "AVISITN", "ADT", "ADY", "AVAL",
                "AVALC", "ABLFL")
ADLB_COLUMNS = ("STUDYID", "USUBJID", "PARCAT1", "PARAMCD", "PARAM", "AVISIT", "AVISITN", "ADT", "ADY", "AVAL",
                "AVALC", "AVALU", "ANRLO", "ANRHI", "ANRIND", "ABLFL", "ANL01FL", "BASE", "BNRIND", "CHG", "PCHG",
                "LBSTRESC")
ADAE_COLUMNS = ("STUDYID", "USUBJID", "TRTP", "TRTA", "AESEQ", "AETERM", "AEDECOD", "AEBODSYS", "ASTDT", "ASTDTF",
                "AENDT", "AENDTF", "ASTDY", "AENDY", "ADURN", "TRTEMFL", "AESER", "AETOXGR", "AEREL", "RELFL", "AEACN",
                "AEOUT", "DTHFL")
ADCM_COLUMNS = ("STUDYID", "USUBJID", "CMSEQ", "CMTRT", "CMDECOD", "CMCLAS", "CMDOSE", "CMDOSU", "CMDOSFRQ",
                "ASTDT", "ASTDTF", "AENDT", "AENDTF", "PREFL", "ONTRTFL")
ADIE_COLUMNS = ("STUDYID", "USUBJID", "IECAT", "IETESTCD", "IETEST", "IEORRES", "IESTRESN", "IEORRESU", "IEDT")


def _levels_text(levels) -> str:
    """The activity levels a domain allows, as its label gives them (``scoring.ESSDAI_ALLOWED_LEVELS``): a range, or
    the levels where one is left out (the CNS domain has no low activity). Every domain was labelled (0-3).

    >>> _levels_text({0, 1, 2}), _levels_text({0, 2, 3}), _levels_text({0, 1, 2, 3})
    ('0-2', '0, 2, 3', '0-3')
    """
    low, high = min(levels), max(levels)
    return f"{low}-{high}" if len(levels) == high - low + 1 else ", ".join(map(str, sorted(levels)))


#: Labels (PARAM) of the item-level efficacy parameters, in display order.
ADQS_PARAMS = MappingProxyType({
    **{ESSDAI_LEVEL_PARAMCD[d]: ("ESSDAI", f"ESSDAI {d} domain activity level "
                                           f"({_levels_text(scoring.ESSDAI_ALLOWED_LEVELS[d])})")
       for d in ESSDAI_DOMAINS},
    HAEM_ATTRIBUTION_PARAMCD: ("ESSDAI", "ESSDAI haematological finding disease-related (Y/N)"),
    **{code: ("ESSPRI", f"ESSPRI {item} (0-10)") for item, code in ESSPRI_ITEM_PARAMCD.items()},
    "PGA": ("PGA", "Physician global assessment (0-10)"),
    ILD_PARAMCD["symptoms"]: ("ILD", "ILD respiratory symptoms versus baseline"),
    ILD_PARAMCD["hrct"]: ("ILD", "ILD HRCT change versus baseline"),
})


def due_flag(week) -> str:
    """The ADSL flag of the visit at planned week ``week`` that says it was due at the data cut (``DUE_FLAGS``).

    >>> due_flag(12), due_flag(4), due_flag(16.0)
    ('DUE12FL', 'DUE4FL', 'DUE16FL')
    """
    return f"DUE{float(week):g}FL"


def visit_order(data: pd.DataFrame, *, default=AVISIT_ORDER) -> tuple:
    """Return the scheduled visits (AVISIT labels) ordered by planned week: ``default`` and every visit of ``data``.

    The week of a visit is its ``AVISITN`` in ``data`` (``vocabulary.AVISITN`` for the default visits);
    rows without an AVISITN (unscheduled samples) are not visits of the schedule. The pilot's data give
    ``vocabulary.AVISIT_ORDER``; a schedule of weeks 0-24 every 4 weeks gives its seven visits.

    Examples
    --------
    >>> visit_order(pd.DataFrame({"AVISIT": ["Week 4", "Unscheduled"], "AVISITN": [4.0, None]}))
    ('Baseline', 'Week 4', 'Week 12', 'Week 24')
    >>> visit_order(pd.DataFrame({"AVISIT": ["Baseline"]}))
    ('Baseline', 'Week 12', 'Week 24')
    """
    weeks = {v: float(AVISITN[v]) for v in default}
    if {"AVISIT", "AVISITN"} <= set(data.columns):
        pairs = data.loc[data["AVISITN"].notna(), ["AVISIT", "AVISITN"]].drop_duplicates("AVISIT")
        weeks.update(zip(pairs["AVISIT"], pairs["AVISITN"].astype(float)))
    return tuple(sorted(weeks, key=lambda v: weeks[v]))


#: Treatment and analysis-window columns added to every BDS dataset (``derive_vars_trt``,
#: ``derive_vars_window``).
BDS_ADDED_COLUMNS = ("TRTP", "TRTA", "AWLO", "AWHI")


def _avisit_maps(t: dict) -> tuple:
    """VISIT code -> AVISIT label and VISIT code -> AVISITN (week), from the export's schedule."""
    schedule = validation.export_schedule(t)
    labels = dict(zip(schedule["VISIT"], schedule["AVISIT"])) | {c: dictionary.VISIT_LABELS[c]
                                                                  for c in dictionary.OFF_SCHEDULE}
    return labels, dict(zip(schedule["VISIT"], schedule["AVISITN"].astype(int)))


# ---------------------------------------------------------------------------------------------
# Shared helpers
# ---------------------------------------------------------------------------------------------

def _typed(tables: dict) -> dict:
    """Return the forms typed per the data dictionary (already-typed input is returned as is)."""
    if tables and all(frame.attrs.get(validation.TYPED_ATTR) for frame in tables.values()):
        return tables
    parsed = validation.parse_export(tables)
    for frame in parsed.values():
        frame.attrs[validation.TYPED_ATTR] = True
    return parsed


def compute_usubjid(subjid: pd.Series, siteid: pd.Series | str, studyid: str = STUDYID) -> pd.Series:
    """Compute the pseudonymous subject identifier ``STUDYID-SITEID-SUBJID``.

    Examples
    --------
    >>> compute_usubjid(pd.Series(["001"]), "01").tolist()
    ['NCT04916756-01-001']
    >>> compute_usubjid(pd.Series(["012"]), pd.Series(["03"]), "BARI-PSS-RCT").tolist()
    ['BARI-PSS-RCT-03-012']
    """
    return studyid + "-" + pd.Series(siteid, index=subjid.index).astype(str) + "-" + subjid.astype(str)


def study_id(tables: dict) -> str:
    """Return the export's study identifier (``STUDYID`` of form ``study``; without the form, the pilot's).

    Examples
    --------
    >>> study_id({"study": pd.DataFrame({"STUDYID": ["BARI-PSS-RCT"]})}), study_id({})
    ('BARI-PSS-RCT', 'NCT04916756')
    """
    return dictionary.study_identity(tables.get("study")).studyid


def compute_study_day(dates: pd.Series, first_dose: pd.Series) -> pd.Series:
    """Compute the study day: ``date - first dose + 1`` on or after the first dose, ``date - first dose`` before.

    Examples
    --------
    >>> d = pd.to_datetime(pd.Series(["2021-07-01", "2021-07-05", "2021-06-30"]))
    >>> compute_study_day(d, pd.Series(pd.to_datetime(["2021-07-01"] * 3))).tolist()
    [1, 5, -1]
    """
    days = (dates - first_dose).dt.days
    return (days + (days >= 0)).astype("Int64")


def _flag(mask) -> pd.Series:
    return pd.Series(np.where(np.asarray(mask, dtype=bool), "Y", "N"))


def _date(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series).astype("datetime64[ns]")


def _subject_keys(tables: dict) -> pd.DataFrame:
    dm = tables["demographics"]
    return pd.DataFrame({"SUBJID": dm["SUBJID"], "USUBJID": compute_usubjid(dm["SUBJID"], dm["SITEID"],
                                                                            study_id(tables))})


def _with_subject(frame: pd.DataFrame, tables: dict, adsl: pd.DataFrame) -> pd.DataFrame:
    """Add USUBJID, TRTSDT, TRTEDT, EOSDT and DCUTDT to a raw form (by SUBJID)."""
    keys = _subject_keys(tables).merge(adsl[["USUBJID", "TRTSDT", "TRTEDT", "EOSDT", "DCUTDT"]], on="USUBJID",
                                       how="left")
    return frame.merge(keys, on="SUBJID", how="left", validate="many_to_one")


def impute_dates(frame: pd.DataFrame, start: str, end: str, *, first_dose: pd.Series, limits: tuple = ()) -> tuple:
    """The start and end dates of a typed form's records (adverse events, medications), partial ones imputed by the
    rules of ``partial_dates`` (a start in the first dose's month or year: the first dose, unless the record ended
    before it; an end: the last day, or the earliest of ``limits``, the end of study and the data cut, in its range),
    and their flags (ADaM ``ASTDTF``, ``AENDTF``: ``D``, ``M`` or empty).

    Returns
    -------
    (Series, Series, Series, Series)
        ``ASTDT``, ``AENDT``, ``ASTDTF``, ``AENDTF``.
    """
    last, flag = validation.LAST_SUFFIX, validation.FLAG_SUFFIX  # beside each date of a typed form
    end_date = partial_dates.impute_end(frame[end], frame[end + last], limits=limits, start=frame[start])
    return (partial_dates.impute_start(frame[start], frame[start + last], first_dose=first_dose, end=end_date),
            end_date, frame[start + flag], frame[end + flag])


def changed_that_day(day: pd.Series, start: pd.Series, end: pd.Series, key: pd.Series) -> pd.Series:
    """Records that end on ``day`` when another record of the same ``key`` (a patient's drug class) starts that day:
    a dose change or a switch of drug entered as a new record, the old one ended the day of the change. That day the
    new record counts, not both (docs/decisions.md, "Two records of one drug at once"). A record that starts that day
    itself is never replaced.

    >>> day = pd.to_datetime(pd.Series(["2021-07-01"] * 4))
    >>> start = pd.to_datetime(pd.Series(["2020-05-27", "2021-07-01", "2020-01-01", "2021-07-01"]))
    >>> end = pd.to_datetime(pd.Series(["2021-07-01", None, "2021-07-01", "2021-07-01"]))
    >>> changed_that_day(day, start, end, pd.Series(["002|GC", "002|GC", "004|GC", "004|GC"])).tolist()
    [True, False, True, False]
    """
    key_day = key.astype(str) + "|" + day.astype(str)
    old = ((end == day) & (start < day)).fillna(False).to_numpy(dtype=bool)
    return pd.Series(old & key_day.isin(key_day[(start == day).fillna(False).to_numpy(dtype=bool)]).to_numpy(),
                     index=day.index)


def _at_first_dose(cm: pd.DataFrame, first_dose: pd.Series) -> pd.Series:
    """Records taken on the day of the first dose (``changed_that_day``: the new one of a change that day)."""
    start, end, _, _ = impute_dates(cm, "CMSTDT", "CMENDT", first_dose=first_dose)
    taken = ((start <= first_dose) & (end.isna() | (end >= first_dose))).fillna(False)
    return taken & ~changed_that_day(first_dose, start, end, cm["SUBJID"].astype(str) + "|" + cm["CMCLAS"].astype(str))


# ---------------------------------------------------------------------------------------------
# ADSL
# ---------------------------------------------------------------------------------------------

def compute_prednisone_equivalent(cm: pd.DataFrame) -> pd.Series:
    """Compute the prednisone-equivalent daily dose (mg/day) of glucocorticoid records.

    ``CMDOSE`` (mg) x administrations per day (``DOSES_PER_DAY[CMDOSFRQ]``) x
    ``PREDNISONE_EQUIVALENT[CMDECOD]`` (the drug's name in any letter case); NaN when the drug, unit or frequency is
    not known.

    Examples
    --------
    >>> cm = pd.DataFrame({"CMDECOD": ["METHYLPREDNISOLONE", "Prednisone"], "CMDOSE": [4.0, 5.0],
    ...                    "CMDOSU": ["mg", "mg"], "CMDOSFRQ": ["QD", "BID"]})
    >>> compute_prednisone_equivalent(cm).tolist()
    [5.0, 10.0]
    """
    factor = cm["CMDECOD"].str.upper().map(PREDNISONE_EQUIVALENT).astype(float)
    per_day = cm["CMDOSFRQ"].map(DOSES_PER_DAY).astype(float)
    mg = cm["CMDOSE"].astype(float).where(cm["CMDOSU"] == "mg")
    return mg * per_day * factor


def _baseline_conmeds(cm: pd.DataFrame, first_dose: pd.Series) -> pd.DataFrame:
    """Per subject: glucocorticoid, HCQ and immunosuppressant flags and the GC dose on the day ``first_dose`` (the
    first dose, else the randomisation: ``derive_adsl``); blank and missing for a subject without that day."""
    cm = cm.assign(TRTSDT=lookup(cm["SUBJID"], first_dose))
    at_bl = cm[_at_first_dose(cm, cm["TRTSDT"])]
    gc = at_bl[at_bl["CMCLAS"] == "GLUCOCORTICOID"]
    dose = compute_prednisone_equivalent(gc).groupby(gc["SUBJID"]).sum(min_count=1)
    subjects, dated = first_dose.index, first_dose.notna().to_numpy()

    def flag(mask) -> np.ndarray:
        return np.where(dated, _flag(mask).to_numpy(), "")

    return pd.DataFrame({
        "GCFL": flag(subjects.isin(gc["SUBJID"])),
        "GCDOSEBL": dose.reindex(subjects).fillna(0.0).where(dated).to_numpy(),
        "HCQFL": flag(subjects.isin(at_bl.loc[at_bl["CMDECOD"].str.upper().isin(HYDROXYCHLOROQUINE), "SUBJID"])),
        "ISFL": flag(subjects.isin(at_bl.loc[at_bl["CMCLAS"] == "IMMUNOSUPPRESSANT", "SUBJID"])),
    }, index=subjects)


def _exposure(t: dict, cut: pd.Timestamp) -> pd.DataFrame:
    """Per subject over its exposure periods: first and last dose, duration, cumulative dose, adherence. A period
    still running at the export (no last dose: validation allows it only for the last period of a patient on study)
    runs to the data cut ``cut``, as a period past an interim cut does (``apply_data_cutoff``). Missed doses not yet
    counted in any period (``EXMISSED`` blank) leave the patient's adherence missing, and the cumulative baricitinib
    dose when the period is of baricitinib: a period without it (daily dose 0: hydroxychloroquine alone) adds 0 mg,
    counted or not (the control arm's mean at an interim cut was of its counted patients only). A period of
    a treatment with baricitinib at a daily dose of 0 is an interruption (``interrupted``): no day of it is dosed,
    as none of a gap between two periods is, and the first and last doses are those of the other periods
    (docs/decisions.md, "A treatment interruption")."""
    ex = t["exposure"].drop_duplicates(["SUBJID", "EXSTDT"])
    ex = ex.assign(EXENDT=ex["EXENDT"].fillna(cut))
    stopped = interrupted(ex, t.get("randomisation"), validation.export_arms(t))
    taken = ((ex["EXENDT"] - ex["EXSTDT"]).dt.days + 1 - ex["EXMISSED"].astype(float)).mask(stopped, 0.0)
    dose = (ex["EXDOSE"] * taken).mask(ex["EXDOSE"] == 0, 0.0)  # no baricitinib: 0 mg, missed doses counted or not
    per = ex.assign(_TAKEN=taken, _DOSE=dose, _UNCOUNTED=taken.isna(), _NODOSE=dose.isna(),
                    _FROM=ex["EXSTDT"].mask(stopped), _TO=ex["EXENDT"].mask(stopped)).groupby("SUBJID", sort=True)
    first = per["_FROM"].min().fillna(per["EXSTDT"].min())  # only interruptions (no dose): the periods' own dates
    last, uncounted = per["_TO"].max().fillna(per["EXENDT"].max()), per["_UNCOUNTED"].any()
    days = (last - first).dt.days + 1
    taken_days = per["_TAKEN"].sum(min_count=1).mask(uncounted)
    return pd.DataFrame({"TRTSDT": first, "TRTEDT": last, "TRTDURD": days.astype("Int64"),
                         "CUMDOSE": per["_DOSE"].sum(min_count=1).mask(per["_NODOSE"].any()),
                         "ADHERPCT": 100 * taken_days / days})


def interrupted(exposure: pd.DataFrame, randomisation: pd.DataFrame | None, arms: pd.DataFrame) -> pd.Series:
    """A mask of the exposure periods that interrupt the study treatment: a daily dose of baricitinib (``EXDOSE``) of
    0 in a period of a treatment with baricitinib (``validation.period_treatments``; not an arm of ``arms``, the
    export's (``validation.export_arms``), without baricitinib, whose every period has a dose of 0:
    ``dictionary.without_baricitinib``). A project decision (docs/decisions.md, "A treatment interruption"): an EDC
    records a dose interrupted by the investigator as such a period, or as a gap between two periods, and both give
    the same days dosed.

    >>> ex = pd.DataFrame({"SUBJID": ["1", "1", "2"], "EXDOSE": [0.0, 4.0, 0.0], "EXTRT": ""})
    >>> rand = pd.DataFrame({"SUBJID": ["1", "2"], "ARM": ["Baricitinib 4 mg + HCQ 400 mg", "HCQ 400 mg"]})
    >>> arms = dictionary.default_arms()
    >>> interrupted(ex, rand, arms).tolist(), interrupted(ex, None, arms).tolist()
    ([True, False, False], [True, False, True])
    """
    treatment = validation.period_treatments(exposure, randomisation)
    control = dictionary.without_baricitinib(arms)
    return ((exposure["EXDOSE"] == 0) & ~treatment.isin(control)).fillna(False).astype(bool)


def derive_treatment(tables: dict, subjects: pd.Index) -> pd.DataFrame:
    """Derive the treatment variables of ADSL (``TREATMENT_COLUMNS``) per SUBJID.

    Without a ``randomisation`` form (the single-arm pilot): ``TRT01P = TRT02P = vocabulary.ARM``, ``TRT01PN = 1``
    (``dictionary.SINGLE_ARM_CODE``), ``TRT01A = TRT02A = vocabulary.ARM`` and ``TRT01AN = 1`` for a dosed subject,
    ``RANDDT`` missing, ``SWITCHFL = "N"``. With it: ``TRT01P`` = the arm randomised to and ``TRT01PN`` its code
    (``ARMN`` of the export's arms, ``validation.export_arms``: the reference arm lowest); ``TRT01A`` = the treatment
    of the first exposure period (``EXTRT``; blank or absent: ``TRT01P``); a later exposure period with another
    treatment is the switch: ``SWITCHFL = "Y"``, ``TR02SDT`` = its first dose, ``TRT02A`` = its treatment, and
    ``TRT02P`` too for a patient of a control arm (one without baricitinib, ``dictionary.without_baricitinib``,
    whom the protocol switches);
    another arm's switch is not planned (a data query, ``unplanned_switch``): ``TRT02P = TRT01P``. Without a switch
    ``TRT02P = TRT01P`` and ``TRT02A = TRT01A``. A subject not randomised (not
    dosed either: validation stops on a dosed one) has empty treatment variables. A subject never dosed (a screen
    failure; randomised, or enrolled, and not yet or never treated) has empty actual treatment variables
    (``TRT01A``, ``TRT02A`` ``""``, ``TRT01AN`` missing), as the ADaM IG's "actual treatment" means: no table by
    actual treatment counts such a subject (they are outside the safety set). A randomised trial's ADSL also holds
    ``STRAT1R``, the stratum of the randomisation (``STRATUM``; ``""`` when not stratified), which the
    between-arm analyses stratify by (``arms.strata_variable``). ``DOSE01P``, ``DOSE01A``, ``DOSE02P`` and
    ``DOSE02A`` are the daily doses of baricitinib (mg) planned in those four treatments (``validation.planned_doses``;
    the pilot's 2 mg; 0 in an arm without baricitinib; missing without the treatment), by which the analyses tell the
    arms with baricitinib from those without.

    Examples
    --------
    >>> t = {"randomisation": pd.DataFrame({"SUBJID": ["001", "002"], "ARM": ["HCQ 400 mg"] * 2,
    ...                                     "RANDDT": pd.to_datetime(["2021-01-04"] * 2)}),
    ...      "exposure": pd.DataFrame({"SUBJID": ["001", "001", "002"],
    ...                                "EXTRT": ["HCQ 400 mg", "Baricitinib 4 mg + HCQ 400 mg", ""],
    ...                                "EXSTDT": pd.to_datetime(["2021-01-05", "2021-03-30", "2021-01-06"])})}
    >>> trt = derive_treatment(t, pd.Index(["001", "002"]))
    >>> trt[["TRT01PN", "TRT02A", "SWITCHFL"]].values.tolist()
    [[1.0, 'Baricitinib 4 mg + HCQ 400 mg', 'Y'], [1.0, 'HCQ 400 mg', 'N']]
    """
    rand = tables.get("randomisation")
    arms = validation.export_arms(tables)
    doses = validation.planned_doses(arms)
    n = len(subjects)
    ex = tables["exposure"].dropna(subset=["EXSTDT"]).sort_values(["SUBJID", "EXSTDT"], kind="stable")
    dosed = subjects.isin(ex["SUBJID"])
    if rand is None:
        arm = pd.Series(ARM, index=subjects, dtype=object)
        taken = arm.where(dosed, "")
        return pd.DataFrame({"TRT01P": arm, "TRT01PN": float(dictionary.SINGLE_ARM_CODE), "TRT01A": taken,
                             "TRT01AN": np.where(dosed, float(dictionary.SINGLE_ARM_CODE), np.nan),
                             "TRT02P": arm, "TRT02A": taken,
                             **{f"DOSE0{p}{k}": trt.map(doses).astype(float) for p in "12"
                                for k, trt in (("P", arm), ("A", taken))},
                             "RANDDT": pd.Series(pd.NaT, index=subjects, dtype="datetime64[ns]"),
                             "SWITCHFL": pd.Series(["N"] * n, index=subjects, dtype=object),
                             "TR02SDT": pd.Series(pd.NaT, index=subjects, dtype="datetime64[ns]")}, index=subjects)
    rand = rand.drop_duplicates("SUBJID").set_index("SUBJID").reindex(subjects)
    planned = rand["ARM"].fillna("").astype(str)
    ex = ex.assign(_TRT=validation.period_treatments(ex, tables["randomisation"]))
    first = ex.drop_duplicates("SUBJID").set_index("SUBJID")["_TRT"].reindex(subjects)
    actual = first.fillna(planned).where(first.fillna("") != "", planned).where(dosed, "")
    changed = ex[ex["_TRT"] != ex["SUBJID"].map(actual)].drop_duplicates("SUBJID").set_index("SUBJID")
    switched = subjects.isin(changed.index)
    second = changed["_TRT"].reindex(subjects)
    codes = dict(zip(arms["ARM"], arms["ARMN"].astype(float)))
    planned2 = second.where(switched & planned.isin(dictionary.without_baricitinib(arms)), planned).fillna("")
    actual2 = second.where(switched, actual).fillna("")
    return pd.DataFrame({
        "TRT01P": planned, "TRT01PN": planned.map(codes).astype(float), "TRT01A": actual,
        "TRT01AN": actual.map(codes).astype(float), "TRT02P": planned2, "TRT02A": actual2,
        **{name: trt.map(doses).astype(float) for name, trt in (("DOSE01P", planned), ("DOSE01A", actual),
                                                                 ("DOSE02P", planned2), ("DOSE02A", actual2))},
        "RANDDT": _date(rand["RANDDT"]).to_numpy(), "SWITCHFL": _flag(switched).to_numpy(),
        "TR02SDT": _date(changed["EXSTDT"].reindex(subjects)).to_numpy(),
        "STRAT1R": dictionary.one_spelling(rand.get("STRATUM", pd.Series(index=subjects, dtype=object))).to_numpy(),
    }, index=subjects)


#: ADSL ``ARM`` and ``ACTARM`` of a subject without an arm planned or taken (SDTMIG v3.2, DM assumption 4; the CDISC
#: pilot's DM writes "Screen Failure"; docs/decisions.md, "Arm variables of ADSL"): a screen failure; a subject not
#: assigned an arm (not randomised: awaiting randomisation at the data cut, or left before it); a subject assigned
#: and never dosed.
SCREEN_FAILURE_ARM, NOT_ASSIGNED_ARM, NOT_TREATED_ARM = "Screen Failure", "Not Assigned", "Not Treated"


def derive_arm(adsl: pd.DataFrame) -> pd.DataFrame:
    """ADSL ``ARM`` (the arm planned) and ``ACTARM`` (the arm taken), the subject-level arm variables the ADaM IG
    requires (as SDTM DM defines them), from the treatment variables (``derive_treatment``), ``SAFFL`` and
    ``DCSREAS``.

    ``ARM`` is the arm assigned, ``TRT01P``: a randomised trial assigns at randomisation (``RANDDT``), the
    single-arm pilot at the first dose. ``ACTARM`` is the arm of the treatment first taken, ``TRT01A`` (another arm's,
    for a patient given it). An arm covers its whole course: the protocol's switch of the control arm's
    non-responders is the control arm's, and a patient who stops a drug stays in the arm; neither changes
    ``ACTARM``. A subject ended as a screen failure (``dictionary.SCREEN_FAILURE``) is ``SCREEN_FAILURE_ARM`` in
    both, another subject never assigned ``NOT_ASSIGNED_ARM`` in both, and one assigned and never dosed has the arm
    and ``ACTARM`` ``NOT_TREATED_ARM``.

    Examples
    --------
    >>> adsl = pd.DataFrame({"TRT01P": ["B", "A", "A", "", ""], "TRT01A": ["B", "B", "", "", ""],
    ...     "RANDDT": pd.to_datetime(["2021-01-04"] * 3 + [None] * 2), "SAFFL": ["Y", "Y", "N", "N", "N"],
    ...     "DCSREAS": ["", "", "WITHDRAWAL BY SUBJECT", "SCREEN FAILURE", ""]})
    >>> derive_arm(adsl).values.tolist()
    [['B', 'B'], ['A', 'B'], ['A', 'Not Treated'], ['Screen Failure', 'Screen Failure'], \
['Not Assigned', 'Not Assigned']]
    """
    dosed = adsl["SAFFL"].eq("Y")
    assigned = adsl["TRT01P"].fillna("").ne("") & (adsl["RANDDT"].notna() | dosed)
    unassigned = np.where(adsl["DCSREAS"].eq(dictionary.SCREEN_FAILURE) & ~dosed, SCREEN_FAILURE_ARM, NOT_ASSIGNED_ARM)
    arm = adsl["TRT01P"].where(assigned, unassigned)
    return pd.DataFrame({"ARM": arm, "ACTARM": adsl["TRT01A"].where(dosed, arm.where(~assigned, NOT_TREATED_ARM))},
                        index=adsl.index)


def visit_windows(t: dict) -> pd.DataFrame:
    """Return the analysis windows of the export's schedule: ``AVISIT, AWLO, AWHI`` (first and last study day).

    >>> visit_windows({}).values.tolist()
    [['Baseline', -28, 1], ['Week 12', 71, 99], ['Week 24', 155, 183]]
    """
    schedule = validation.export_schedule(t)
    return pd.DataFrame({"AVISIT": schedule["AVISIT"], "AWLO": schedule["WINLO"], "AWHI": schedule["WINHI"]})


def derive_vars_window(bds: pd.DataFrame, windows: pd.DataFrame) -> pd.DataFrame:
    """Add ``AWLO``/``AWHI``, the first and last study day of the visit's window (``visit_windows``), by AVISIT.

    Unscheduled records have none (NaN). The windows of a BDS derived from another come from it
    (``adeff`` from ``adqs``: ``windows = adqs``).

    >>> bds = pd.DataFrame({"AVISIT": ["Week 12", "Unscheduled"]})
    >>> derive_vars_window(bds, visit_windows({}))[["AWLO", "AWHI"]].values.tolist()
    [[71.0, 99.0], [nan, nan]]
    """
    w = windows.dropna(subset=["AWLO", "AWHI"]).drop_duplicates("AVISIT").set_index("AVISIT")
    return bds.assign(AWLO=lookup(bds["AVISIT"], w["AWLO"]).astype(float), AWHI=lookup(bds["AVISIT"], w["AWHI"]).astype(float))


def derive_vars_trt(bds: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    """Add ``TRTP`` and ``TRTA`` to a BDS dataset (columns ``BDS_ADDED_COLUMNS``, at the end).

    ``TRTP`` = ``TRT01P`` on every row (the randomised arm: treatment-policy assignment). ``TRTA`` = the
    treatment taken at the record: ``TRT02A`` when the subject switched and the record is dated after
    the switch (``ADT > TR02SDT``: an assessment on the day of the first new dose is taken before it, as
    the baseline on day 1), else ``TRT01A``. A record without a date keeps ``TRT01A``.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["a"], "TRT01P": ["C"], "TRT01A": ["C"], "TRT02A": ["T"],
    ...                      "TR02SDT": pd.to_datetime(["2021-03-30"])})
    >>> bds = pd.DataFrame({"USUBJID": "a", "ADT": pd.to_datetime(["2021-01-05", "2021-03-30", "2021-04-27"])})
    >>> derive_vars_trt(bds, adsl)[["TRTP", "TRTA"]].values.tolist()
    [['C', 'C'], ['C', 'C'], ['C', 'T']]
    """
    subject = adsl.drop_duplicates("USUBJID").set_index("USUBJID")
    key = bds["USUBJID"]
    after = (bds["ADT"] > lookup(key, subject["TR02SDT"])).fillna(False).astype(bool)
    trtp = lookup(key, subject["TRT01P"]).fillna("")
    trta = lookup(key, subject["TRT02A"]).where(after, lookup(key, subject["TRT01A"])).fillna("")
    return bds.assign(TRTP=trtp.astype(object), TRTA=trta.astype(object))


#: Rule of the data query of a patient who switched treatment though a responder at the switch week
#: (``derive_switch_queries``).
SWITCH_OF_RESPONDER = "switch_of_responder"


def derive_switch_queries(adeff: pd.DataFrame, adsl: pd.DataFrame, *,
                          switch_week: float = dictionary.SWITCH_WEEK) -> pd.DataFrame:
    """Data queries (source ``switch``) of the control patients (of an arm without baricitinib, ``DOSE01P`` 0) who
    switched treatment (ADSL ``SWITCHFL`` "Y") though their ESSDAI at the switch week's visit (``AVISITN ==
    switch_week``) met the MCII (``CRIT1FL`` "Y"): the protocol switches control patients without a response, so
    such a switch is a deviation to confirm. The analyses take it as recorded (treatment policy; the hypothetical
    strategy leaves out the records after it). A switch without that visit, or not planned at all, is validation's
    (``unplanned_switch``).

    >>> adsl = pd.DataFrame({"USUBJID": ["a", "b", "c"], "SWITCHFL": ["Y", "Y", "N"], "DOSE01P": 0.0,
    ...                      "TRT02A": "T",
    ...                      "TR02SDT": pd.to_datetime(["2021-03-30", "2021-03-31", None])})
    >>> adeff = pd.DataFrame({"USUBJID": ["a", "b", "c"], "PARAMCD": "ESSDAI", "AVISIT": "Week 12", "AVISITN": 12,
    ...                       "AVAL": [4.0, 9.0, 3.0], "CHG": [-4.0, -1.0, -5.0], "CRIT1FL": ["Y", "N", "Y"]})
    >>> derive_switch_queries(adeff, adsl)[["USUBJID", "AVISIT", "variable", "value", "message"]].values.tolist()
    [['a', 'Week 12', 'CRIT1FL', 'Y', 'switched to T on 2021-03-30 though the ESSDAI MCII was met at Week 12 \
(ESSDAI 4, change -4): the protocol switches patients without a response; a deviation to confirm (analysed as \
recorded)']]
    """
    if "SWITCHFL" in adsl and "DOSE01P" not in adsl:
        raise KeyError("ADSL has SWITCHFL without DOSE01P, the dose planned in the arm randomised, by which a control "
                       "arm (dose 0) is told (cleaning.derive_treatment)")
    control = adsl["DOSE01P"].eq(0) if "DOSE01P" in adsl else False
    switched = adsl[adsl["SWITCHFL"].eq("Y") & control].drop_duplicates("USUBJID").set_index("USUBJID") \
        if "SWITCHFL" in adsl else adsl.iloc[:0].set_index("USUBJID")
    rows = adeff[adeff["PARAMCD"].eq(PARAMCD_ESSDAI) & adeff["AVISITN"].eq(switch_week) & adeff["CRIT1FL"].eq("Y")
                 & adeff["USUBJID"].isin(switched.index)].sort_values("USUBJID", kind="stable")
    if rows.empty:
        return analysis_queries("switch", rows, variable="", rule=SWITCH_OF_RESPONDER, value="", message="")
    number = lambda v: rows[v].map(lambda x: f"{x:g}")  # noqa: E731
    message = ("switched to " + rows["USUBJID"].map(switched["TRT02A"]).astype(str) + " on "
               + rows["USUBJID"].map(switched["TR02SDT"]).dt.strftime("%Y-%m-%d").fillna("?")
               + " though the ESSDAI MCII was met at " + rows["AVISIT"] + " (ESSDAI " + number("AVAL") + ", change "
               + number("CHG") + "): the protocol switches patients without a response; a deviation to confirm "
               "(analysed as recorded)")
    return analysis_queries("switch", rows, avisit=rows["AVISIT"], variable="CRIT1FL", rule=SWITCH_OF_RESPONDER,
                            value="Y", message=message)


def _disposition(t: dict, subjects: pd.Index) -> pd.DataFrame:
    ds = t["disposition"].drop_duplicates("SUBJID").set_index("SUBJID").reindex(subjects)
    completed = ds["DSDECOD"] == "COMPLETED"
    status = np.where(ds["DSDECOD"].isna(), "ONGOING", np.where(completed, "COMPLETED", "DISCONTINUED"))
    fatal = t["adverse_events"].loc[t["adverse_events"]["AEOUT"] == dictionary.OUTCOME_FATAL, "SUBJID"]
    return pd.DataFrame({
        "EOSSTT": status, "DCSREAS": ds["DSDECOD"].where(~completed, "").fillna(""), "EOSDT": ds["DSSTDT"],
        "DTHFL": _flag((ds["DSDECOD"] == dictionary.DISPOSITION_DEATH).fillna(False)
                       | subjects.isin(fatal)).to_numpy(),
    }, index=subjects)


def _baseline_labs(t: dict, first_dose: pd.Series) -> pd.DataFrame:
    """Baseline IgG, ESR and CRP by SUBJID: ADLB's baseline sample (``analysis_flag``)."""
    labs = t["labs"]
    bl = standardize_labs(labs[(labs["VISIT"] == dictionary.BASELINE) & labs["LBTESTCD"].isin(["IGG", "ESR", "CRP"])])
    bl = bl.assign(USUBJID=bl["SUBJID"], ADT=_date(bl["LBDT"]))
    bl = bl[analysis_flag(bl.assign(ADY=compute_study_day(bl["ADT"], lookup(bl["SUBJID"], first_dose)))) == "Y"]
    wide = bl.pivot(index="SUBJID", columns="PARAMCD", values="AVAL")
    return pd.DataFrame({f"{p}BL": wide[p] if p in wide else np.nan for p in ("IGG", "ESR", "CRP")},
                        index=wide.index)  # an index even without any sample (a data cut before the first)


def compute_visit_due(first_dose: pd.Series, status: pd.Series, attended: pd.Series, cutoff, visit: str, *,
                      last_day: int | None = None) -> pd.Series:
    """Flag whether ``visit`` was due at the data cut ``cutoff`` (``VISIT_DUE_RULE``), ``"Y"``/``"N"``.

    Due when the visit took place (``attended``), or the subject left the study (``status`` COMPLETED or
    DISCONTINUED, i.e. not ONGOING), or the last day of the visit's window (``validation.VISIT_WINDOWS``:
    target + half-width; ``last_day`` when given, the schedule's ``WINHI``) is before the study day of the cut. A subject without a first dose has no study
    days: due only if attended or no longer in the study. A missing ``cutoff`` (NaT) closes every window.

    Examples
    --------
    Week 12 (window day 71-99) at a cut on 2021-10-05, first dose 2021-07-01 (the cut is study day 97):

    >>> first = pd.Series(pd.to_datetime(["2021-07-01"] * 4))
    >>> status = pd.Series(["ONGOING", "ONGOING", "DISCONTINUED", "ONGOING"])
    >>> attended = pd.Series([False, True, False, False])
    >>> compute_visit_due(first, status, attended, pd.Timestamp("2021-10-05"), "W12").tolist()
    ['N', 'Y', 'Y', 'N']
    >>> compute_visit_due(first, status, attended, pd.Timestamp("2021-10-08"), "W12").tolist()  # day 100
    ['Y', 'Y', 'Y', 'Y']
    """
    if last_day is None:
        target, half_width = validation.VISIT_WINDOWS[visit]
        last_day = target + half_width
    cut = pd.Timestamp(cutoff)
    if pd.isna(cut):
        closed = pd.Series(True, index=first_dose.index)
    else:
        cut_day = compute_study_day(pd.Series(cut, index=first_dose.index), first_dose)
        closed = (cut_day > last_day).fillna(False).astype(bool)
    left = status.isin(["COMPLETED", "DISCONTINUED"])
    return _flag(attended.to_numpy(bool) | left.to_numpy(bool) | closed.to_numpy(bool)).set_axis(first_dose.index)


def export_date(tables: dict) -> str:
    """The export's date (form ``study``, ``EXPORTDT``) as ``YYYY-MM-DD``, ``""`` when it has none: the data cut of a
    build given none (``make report`` without ``DATA_CUTOFF``; docs/decisions.md, "Interim data cuts").

    >>> export_date({"study": pd.DataFrame({"EXPORTDT": ["2022-01-31"]})}), export_date({})
    ('2022-01-31', '')
    """
    exported = validation.export_timestamp(tables)
    return "" if pd.isna(exported) else exported.strftime("%Y-%m-%d")


def derive_adsl(tables: dict, *, data_cutoff: str | None = None) -> pd.DataFrame:
    """Derive ADSL, one row per subject (columns ``ADSL_COLUMNS``, sorted by USUBJID).

    Populations: ``SAFFL`` = received at least one dose (first dose date recorded); ``FASFL`` = the
    same patients (the methods: "all enrolled patients who took at least one dose"; ICH E9 §5.2.1,
    as close as possible to intention to treat). A dosed patient without any assessment stays in
    both, every assessment missing (validation raises the query ``no_assessment``); one row per
    subject of demographics, whatever the other forms hold. ``COMP12FL``/``COMP24FL`` = the week-12 /
    week-24 visit took place. ``DCUTDT`` is the data cut (``data_cutoff``, else the export date of the
    study form, else missing) and ``DUE12FL``/``DUE24FL`` say whether that visit was due at the cut
    (``compute_visit_due``, rule ``VISIT_DUE_RULE``); every other post-baseline visit of the schedule adds its
    own flag (``due_flag``, e.g. ``DUE4FL``), after ``DUE24FL`` in week order. ``EOSSTT`` is ``ONGOING`` for a subject without a disposition record.
    ``CUMDOSE`` = daily dose x days dosed (``TRTDURD`` minus missed doses); ``ADHERPCT`` = days dosed /
    ``TRTDURD`` x 100; a patient still on treatment at the export (no last dose) is treated to the data cut
    (``TRTEDT = DCUTDT``). ``DURDIS`` = (first dose - diagnosis) in years of 365.25 days; the baseline medications
    (``GCFL``, ``GCDOSEBL``, ``HCQFL``, ``ISFL``) those taken on the first dose's day. A patient randomised and never
    dosed (in a randomised trial's baseline tables, ``disposition.table1_population``): both at the randomisation
    (``RANDDT``); a subject neither dosed nor randomised: missing (not "no medication" and a dose of 0).
    """
    t = _typed(tables)
    dm = t["demographics"].drop_duplicates("SUBJID").set_index("SUBJID", drop=False)
    subjects = dm.index
    cut = pd.Timestamp(data_cutoff) if data_cutoff else validation.export_timestamp(t)
    ex = _exposure(t, cut).reindex(subjects)
    visits = t["visits"]
    schedule = validation.export_schedule(t)
    week_code = dict(zip(schedule["AVISITN"].astype(int), schedule["VISIT"]))
    last_day = dict(zip(schedule["VISIT"], schedule["WINHI"].astype(int)))
    out = pd.DataFrame({
        "STUDYID": study_id(t), "USUBJID": compute_usubjid(dm["SUBJID"], dm["SITEID"], study_id(t)),
        "SUBJID": dm["SUBJID"],
        "SITEID": dm["SITEID"], "AGE": dm["AGE"], "AGEU": "YEARS", "SEX": dm["SEX"], "RACE": dm["RACE"],
        # a column the CRF may lack: then missing, as text (of RACE's type), not a column of no type in the dataset
        "ETHNIC": dm.get("ETHNIC", pd.Series(pd.NA, index=subjects, dtype=dm["RACE"].dtype)),
        "HEIGHTBL": dm["HEIGHT"], "WEIGHTBL": dm["WEIGHT"],
        "BMIBL": dm["WEIGHT"] / (dm["HEIGHT"] / 100) ** 2,
    }, index=subjects).join(derive_treatment(t, subjects)).join(ex)
    saffl = out["TRTSDT"].notna()
    out["SAFFL"] = _flag(saffl).to_numpy()
    out["FASFL"] = out["SAFFL"]
    for flag, week in (("COMP12FL", 12), ("COMP24FL", 24)):
        visit = week_code.get(week, "")
        out[flag] = _flag(validation.isin_text(subjects.to_series(), visits.loc[visits["VISIT"] == visit, "SUBJID"])
                          ).to_numpy()
    out = out.join(_disposition(t, subjects))
    out[["ARM", "ACTARM"]] = derive_arm(out)
    out["DCUTDT"] = cut
    others = {visit: due_flag(week) for week, visit in week_code.items() if week > 0 and visit not in DUE_FLAGS}
    for visit, flag in {**DUE_FLAGS, **others}.items():
        attended = pd.Series(validation.isin_text(subjects.to_series(), visits.loc[visits["VISIT"] == visit, "SUBJID"]),
                             index=subjects)
        out[flag] = compute_visit_due(out["TRTSDT"], out["EOSSTT"], attended, out["DCUTDT"].iloc[0] if len(out)
                                      else pd.NaT, visit, last_day=last_day.get(visit))
    out["DIAGDT"] = dm["DIAGDT"]  # a partial date: its first day (partial_dates), flagged in DIAGDTF
    out["DIAGDTF"] = dm["DIAGDT" + validation.FLAG_SUFFIX]
    baseline = out["TRTSDT"].fillna(_date(out["RANDDT"]))  # a patient randomised, never dosed: the randomisation
    out["DURDIS"] = (baseline - dm["DIAGDT"]).dt.days / DAYS_PER_YEAR
    out["ANTISSA"], out["ANTISSB"] = dm["ANTISSA"], dm["ANTISSB"]
    # past hepatitis B (the label's group whose HBV DNA is monitored); HBsAg positive: a current infection, which
    # HBVHXFL counted as past and no table showed
    out["HBSAGFL"] = _flag(dm["HBSAG"] == "POSITIVE").to_numpy()
    out["HBVHXFL"] = _flag(dictionary.past_hepatitis_b(dm)).to_numpy()
    out["ILDFL"] = _flag(dm["ILD"] == "Y").to_numpy()
    out = out.join(_baseline_conmeds(t["conmeds"], baseline)).join(_baseline_labs(t, _date(out["TRTSDT"])))
    for col in ("TRTSDT", "TRTEDT", "EOSDT", "DIAGDT", "DCUTDT", "RANDDT", "TR02SDT"):
        out[col] = _date(out[col])
    out["AGE"] = out["AGE"].astype("int64")
    columns = list(ADSL_COLUMNS)
    columns[columns.index("DUE24FL") + 1:columns.index("DUE24FL") + 1] = others.values()
    if "STRAT1R" in out:  # a randomised trial
        columns.insert(columns.index("RANDDT") + 1, "STRAT1R")
    return out[columns].sort_values("USUBJID").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# ADQS
# ---------------------------------------------------------------------------------------------

def _melt(frame: pd.DataFrame, params: list) -> pd.DataFrame:
    present = [p for p in params if p in frame.columns]
    return frame.melt(id_vars=["SUBJID", "VISIT"], value_vars=present, var_name="PARAMCD", value_name="VALUE")


def derive_adqs(tables: dict, adsl: pd.DataFrame) -> pd.DataFrame:
    """Derive ADQS, the item-level efficacy BDS (columns ``ADQS_COLUMNS``).

    One row per subject x visit x PARAMCD: ESSDAI domain levels (``EDL...``, AVAL 0-3), the
    haematological attribution ``EDHAEMDR`` (AVALC Y/N, AVAL 1/0), ESSPRI items, PGA, and the ILD
    assessment (AVALC only). ``ADT`` is the visit date; ``ABLFL = "Y"`` on the baseline visit when the
    item was recorded. Sorted by USUBJID, AVISITN and parameter order (``ADQS_PARAMS``).
    """
    t = _typed(tables)
    numeric = pd.concat([
        _melt(t["essdai"], [ESSDAI_LEVEL_PARAMCD[d] for d in ESSDAI_DOMAINS]),
        _melt(t["esspri"], list(ESSPRI_ITEM_PARAMCD.values())), _melt(t["pga"], ["PGA"]),
    ], ignore_index=True)
    numeric = numeric.assign(AVAL=numeric["VALUE"].astype(float), AVALC="")
    haem = _melt(t["essdai"], [HAEM_ATTRIBUTION_PARAMCD])
    haem = haem.assign(AVAL=lookup(haem["VALUE"], {"Y": 1.0, "N": 0.0}).astype(float),
                       AVALC=haem["VALUE"].fillna("").astype(str))
    ild = _melt(t["ild"], list(ILD_PARAMCD.values()))
    ild = ild.assign(AVAL=np.nan, AVALC=ild["VALUE"].fillna("").astype(str))
    qs = pd.concat([numeric, haem, ild], ignore_index=True).drop(columns="VALUE")
    qs = qs.merge(t["visits"][["SUBJID", "VISIT", "VISITDT"]].drop_duplicates(["SUBJID", "VISIT"]),
                  on=["SUBJID", "VISIT"], how="left")
    qs = _with_subject(qs, t, adsl)
    order = {code: i for i, code in enumerate(ADQS_PARAMS)}
    avisit, avisitn = _avisit_maps(t)
    out = qs.assign(
        STUDYID=study_id(t), PARCAT1=lookup(qs["PARAMCD"], {c: v[0] for c, v in ADQS_PARAMS.items()}),
        PARAM=lookup(qs["PARAMCD"], {c: v[1] for c, v in ADQS_PARAMS.items()}), AVISIT=lookup(qs["VISIT"], avisit),
        AVISITN=lookup(qs["VISIT"], avisitn).astype("int64"), ADT=_date(qs["VISITDT"]),
        ADY=compute_study_day(qs["VISITDT"], qs["TRTSDT"]), _ORDER=lookup(qs["PARAMCD"], order),
    )
    recorded = out["AVAL"].notna() | (out["AVALC"] != "")
    out["ABLFL"] = _flag((out["VISIT"] == "BL") & recorded).to_numpy()
    out = out.sort_values(["USUBJID", "AVISITN", "_ORDER"], kind="stable")
    return derive_vars_window(derive_vars_trt(out[list(ADQS_COLUMNS)].reset_index(drop=True), adsl), visit_windows(t))


# ---------------------------------------------------------------------------------------------
# ADLB
# ---------------------------------------------------------------------------------------------

def standardize_labs(labs: pd.DataFrame) -> pd.DataFrame:
    """Convert raw laboratory results to the standard (SI) units of ``vocabulary.LAB_PARAMS``.

    The factor of each (test, unit) is ``dictionary.LAB_UNITS``; reference limits are converted
    with the same factor; a unit spelled another way (``µmol/L``, ``×10⁹/L``) is read as the unit it spells
    (``dictionary.unit_spelled``). Qualitative tests keep their result in ``AVALC`` (AVAL NaN), as POSITIVE or
    NEGATIVE however the laboratory wrote it (``dictionary.read_qualitative``). A result
    reported beyond a limit of quantification (``<0.8``, ``>140``: ``validation.read_limit_results``) is
    analysed as half a lower limit or as an upper limit; ``LBSTRESC`` keeps the sign and the limit, converted. An
    HBV DNA reported as not detected (``dictionary.read_not_detected``) is analysed as 0, ``LBSTRESC`` ``NOT DETECTED``.

    Returns
    -------
    DataFrame
        The raw key columns (``SUBJID, VISIT, LBDT``) and ``PARAMCD, AVAL, AVALC, AVALU, ANRLO, ANRHI,
        LBSTRESC`` (the standard result as text).

    Raises
    ------
    ValueError
        A unit that is not accepted for its test (validation reports it first, with the row).

    Examples
    --------
    >>> raw = pd.DataFrame({"SUBJID": ["001"], "VISIT": ["BL"], "LBDT": pd.to_datetime(["2021-07-01"]),
    ...                     "LBTESTCD": ["HGB"], "LBORRES": ["12.5"], "LBORRESU": ["g/dL"],
    ...                     "LBORNRLO": [11.5], "LBORNRHI": [15.0]})
    >>> standardize_labs(raw)[["AVAL", "AVALU", "ANRLO", "ANRHI", "LBSTRESC"]].values.tolist()
    [[125.0, 'g/L', 115.0, 150.0, '125.0']]
    >>> standardize_labs(raw.assign(LBORRES="<0.5"))[["AVAL", "LBSTRESC"]].values.tolist()
    [[2.5, '<5.0']]
    >>> hbv = raw.assign(LBTESTCD="HBVDNA", LBORRES="未检出", LBORRESU="IU/mL")
    >>> standardize_labs(hbv)[["AVAL", "LBSTRESC"]].values.tolist()
    [[0.0, 'NOT DETECTED']]
    """
    factor, unit = dictionary.unit_factors(labs["LBTESTCD"], labs["LBORRESU"])
    unknown = factor.isna()
    if unknown.any():
        i = unknown.to_numpy().nonzero()[0][0]
        raise ValueError(f"labs: unit '{unit.iloc[i]}' of test {labs['LBTESTCD'].iloc[i]} (subject "
                         f"{labs['SUBJID'].iloc[i]}) is not an accepted unit; run validation first")
    result = labs["LBORRES"].fillna("").astype(str).str.strip()
    qualitative = labs["LBTESTCD"].isin(dictionary.QUALITATIVE_TESTS)
    convert = (lambda x: (x.astype(float) * factor).round(CONVERSION_DECIMALS))
    value, beyond, not_detected = validation.read_result_values(labs["LBTESTCD"], result)
    aval = convert(value)
    avalc = dictionary.read_qualitative(result[qualitative]).reindex(result.index).fillna(result).where(qualitative, "")
    stresc = aval.astype(str).where(aval.notna(), avalc)
    stresc[not_detected.index[not_detected]] = dictionary.NOT_DETECTED
    limited = beyond[beyond["sign"] != ""]
    if len(limited):
        stresc[limited.index] = limited["sign"] + convert(limited["limit"])[limited.index].astype(str)
    return pd.DataFrame({
        "SUBJID": labs["SUBJID"], "VISIT": labs["VISIT"], "LBDT": labs["LBDT"], "PARAMCD": labs["LBTESTCD"],
        "AVAL": aval, "AVALC": avalc,
        "AVALU": lookup(labs["LBTESTCD"], {p: v[1] for p, v in LAB_PARAMS.items()}),
        "ANRLO": convert(labs["LBORNRLO"]), "ANRHI": convert(labs["LBORNRHI"]), "LBSTRESC": stresc,
    }, index=labs.index)


def compute_range_indicator(aval: pd.Series, low: pd.Series, high: pd.Series) -> pd.Series:
    """Compute ANRIND: ``LOW`` below the lower limit, ``HIGH`` above the upper, else ``NORMAL``; ``""``
    when the value or both limits are missing.

    Examples
    --------
    >>> compute_range_indicator(pd.Series([1.0, 5.0, 9.0, None]), pd.Series([2.0] * 4),
    ...                         pd.Series([8.0] * 4)).tolist()
    ['LOW', 'NORMAL', 'HIGH', '']
    """
    no_range = low.isna() & high.isna()
    ind = np.where(aval < low, "LOW", np.where(aval > high, "HIGH", "NORMAL"))
    return pd.Series(np.where(aval.isna() | no_range, "", ind), index=aval.index)


def analysis_flag(lb: pd.DataFrame) -> np.ndarray:
    """``ANL01FL`` of laboratory samples: ``"Y"`` on the last sample with a result (``AVAL``, or ``AVALC`` of a
    qualitative test) by date (``ADT``) of each subject, test (``PARAMCD``) and scheduled visit (``VISIT``, not
    ``dictionary.OFF_SCHEDULE``: unscheduled or screening), a baseline one on or before the first dose (study day
    ``ADY`` <= 1, or no dose); ``"N"`` on the others.

    A test repeated at a visit (a haemolysed sample drawn again, an abnormal result checked) gives two samples
    of one visit: the analyses by visit (summaries, change from baseline, ESSDAI's laboratory items) read one
    of them, the last, as admiral's ADLB template flags ``ANL01FL`` (``derive_var_extreme_flag``, ``mode =
    "last"`` by ``ADT``); the worst-value analyses (shifts, CTCAE grades, alerts) read every sample. Each
    repeat is a data query (``validation``, rule ``repeated_sample``). docs/decisions.md, "A test repeated
    at a visit".

    >>> lb = pd.DataFrame({"USUBJID": "a", "PARAMCD": "ALT", "VISIT": ["BL", "BL", "W12", "W12", "W12", "UNS"],
    ...                    "ADT": pd.to_datetime(["2021-06-28", "2021-06-30", "2021-09-20", "2021-09-25",
    ...                                           "2021-09-27", "2021-10-01"]), "ADY": [1, 3, 85, 90, 92, 96],
    ...                    "AVAL": [22, 25, 23, 95, None, 30], "AVALC": ""})
    >>> analysis_flag(lb).tolist()
    ['Y', 'N', 'N', 'Y', 'N', 'N']
    """
    recorded = lb["AVAL"].notna() | (lb["AVALC"] != "")
    after_dose = ((lb["VISIT"] == dictionary.BASELINE) & (lb["ADY"] > 1)).fillna(False).astype(bool)  # no dose: NA
    rows, starts, _ = validation.sorted_groups(lb, ["USUBJID", "PARAMCD", "VISIT"], "ADT",
                                               recorded & ~lb["VISIT"].isin(dictionary.OFF_SCHEDULE) & ~after_dose)
    analysed = np.zeros(len(lb), dtype=bool)
    analysed[rows[np.r_[starts[1:], True]] if len(rows) else rows] = True
    return _flag(analysed).to_numpy()


def derive_adlb(tables: dict, adsl: pd.DataFrame) -> pd.DataFrame:
    """Derive ADLB, laboratory results in SI units (columns ``ADLB_COLUMNS``).

    One row per subject x PARAMCD x sample. Scheduled samples carry AVISIT Baseline / Week 12 /
    Week 24; unscheduled samples ``AVISIT = "Unscheduled"`` and screening ones ``"Screening"``, with ``AVISITN``
    missing (AVISITN is float).
    ``ANL01FL = "Y"`` on the one result of a scheduled visit that the analyses by visit read
    (``analysis_flag``: the last sample with a result, when a test was repeated at the visit);
    ``ABLFL = "Y"`` on the baseline visit's; ``BASE``/``BNRIND`` from it; ``CHG = AVAL - BASE``
    and ``PCHG = 100 x CHG / BASE`` (NaN when BASE is 0) on post-baseline samples (study day > 1).
    ``LBSTRESC`` is the standard result as text.
    """
    t = _typed(tables)
    lb = _with_subject(standardize_labs(t["labs"]), t, adsl)
    lb["ADT"] = _date(lb["LBDT"])
    lb["ADY"] = compute_study_day(lb["ADT"], lb["TRTSDT"])
    lb["ANRIND"] = compute_range_indicator(lb["AVAL"], lb["ANRLO"], lb["ANRHI"])
    lb["ANL01FL"] = analysis_flag(lb)
    lb["ABLFL"] = np.where((lb["VISIT"] == dictionary.BASELINE).to_numpy(dtype=bool), lb["ANL01FL"], "N")
    base = lb.loc[lb["ABLFL"] == "Y"].drop_duplicates(["USUBJID", "PARAMCD"])
    base = base.set_index(["USUBJID", "PARAMCD"])[["AVAL", "ANRIND"]].rename(
        columns={"AVAL": "BASE", "ANRIND": "BNRIND"})
    lb = lb.join(base, on=["USUBJID", "PARAMCD"])
    lb["BNRIND"] = lb["BNRIND"].fillna("")
    post = (lb["ADY"] > 1).fillna(False).astype(bool) & (lb["ABLFL"] != "Y")
    lb["CHG"] = (lb["AVAL"] - lb["BASE"]).where(post)
    lb["PCHG"] = (100 * lb["CHG"] / lb["BASE"]).where(lb["BASE"] != 0)
    params = pd.DataFrame.from_dict(LAB_PARAMS, orient="index", columns=["PARAM", "_UNIT", "PARCAT1"])
    lb = lb.join(params[["PARAM", "PARCAT1"]], on="PARAMCD")
    avisit, avisitn = _avisit_maps(t)
    lb = lb.assign(STUDYID=study_id(t), AVISIT=lookup(lb["VISIT"], avisit),
                   AVISITN=lookup(lb["VISIT"], avisitn).astype(float),
                   _ORDER=lookup(lb["PARAMCD"], {p: i for i, p in enumerate(LAB_PARAMS)}))
    lb = lb.sort_values(["USUBJID", "_ORDER", "ADT"], kind="stable")
    return derive_vars_window(derive_vars_trt(lb[list(ADLB_COLUMNS)].reset_index(drop=True), adsl), visit_windows(t))


# ---------------------------------------------------------------------------------------------
# ADAE, ADCM, ADIE
# ---------------------------------------------------------------------------------------------

def derive_adae(tables: dict, adsl: pd.DataFrame) -> pd.DataFrame:
    """Derive ADAE, one row per adverse event (columns ``ADAE_COLUMNS``).

    ``TRTEMFL = "Y"`` when the event starts on or after the first dose and no later than
    ``TRTEM_WINDOW_DAYS`` (30) days after the last dose. ``ADURN = AENDT - ASTDT + 1`` days (NaN if
    ongoing). ``RELFL = "Y"`` for RELATED or POSSIBLY RELATED, and ``RELFL_NOT_ASSESSED`` when the
    relationship is blank. A grade not yet assessed stays missing (``AETOXGR`` is nullable); a blank
    relationship, action or outcome is ``""``; a term not yet coded is ``NOT_CODED``. ``AESEQ`` numbers a
    subject's events by start date, then CRF number. ``TRTP`` is the arm randomised (``TRT01P``); ``TRTA`` the
    treatment taken when a treatment-emergent event started, as the safety tables count it
    (``safety.AS_TREATED``): ``TRT02A`` of a patient who switched from the switch date ``TR02SDT`` on, ``TRT01A``
    before; blank for an event that is not treatment-emergent. A partial start imputed to the first dose
    (``impute_dates``) is imputed to the switch date in the same way when its range holds it (admiral's ``min_dates``
    with both dates: the latest in range), so that an event of the switch's month counts under the new treatment.
    """
    t = _typed(tables)
    ae = _with_subject(t["adverse_events"], t, adsl)
    start, end, start_flag, end_flag = impute_dates(ae, "AESTDT", "AEENDT", first_dose=ae["TRTSDT"],
                                                    limits=(ae["EOSDT"], ae["DCUTDT"]))
    subject, key = adsl.drop_duplicates("USUBJID").set_index("USUBJID"), ae["USUBJID"]
    first, second = (lookup(key, subject[c]).fillna("").astype(str).str.strip() for c in ("TRT01A", "TRT02A"))
    switched = (second != "") & (second != first)  # as safety.treatment_periods reads a switch (ADSL dates it)
    switch = lookup(key, subject["TR02SDT"]).where(switched)
    # a start whose month (or year) holds the switch, and that did not end before it, is the switch's day, as one
    # holding the first dose is the first dose's: the event may be the new treatment's (decisions.md, "Partial dates")
    start = partial_dates.impute_start(start, ae["AESTDT" + validation.LAST_SUFFIX], first_dose=switch, end=end)
    ae = ae.assign(ASTDT=_date(start), AENDT=_date(end), ASTDTF=start_flag, AENDTF=end_flag, _FIRST=first,
                   _SECOND=second, _SWITCH=switch).sort_values(["USUBJID", "ASTDT", "AESPID"], kind="stable")
    key, last = ae["USUBJID"], ae["TRTEDT"] + pd.Timedelta(days=TRTEM_WINDOW_DAYS)
    emergent = ((ae["ASTDT"] >= ae["TRTSDT"]) & (last.isna() | (ae["ASTDT"] <= last))).fillna(False).astype(bool)
    taken = ae["_SECOND"].where((ae["ASTDT"] >= ae["_SWITCH"]).fillna(False).astype(bool), ae["_FIRST"])
    out = ae.assign(
        STUDYID=study_id(t), AESEQ=ae.groupby("USUBJID").cumcount().astype("int64") + 1,
        TRTP=lookup(key, subject["TRT01P"]).fillna("").astype(object), TRTA=taken.where(emergent, "").astype(object),
        ASTDY=compute_study_day(ae["ASTDT"], ae["TRTSDT"]), AENDY=compute_study_day(ae["AENDT"], ae["TRTSDT"]),
        ADURN=((ae["AENDT"] - ae["ASTDT"]).dt.days + 1).astype("Int64"),
        TRTEMFL=_flag(emergent).to_numpy(), AETOXGR=ae["AETOXGR"].astype("Int64"),
        RELFL=np.where(ae["AEREL"].fillna("") == "", RELFL_NOT_ASSESSED, _flag(ae["AEREL"].isin(RELATED))),
        DTHFL=_flag(ae["AEOUT"] == dictionary.OUTCOME_FATAL).to_numpy(),
        **{c: ae[c].fillna("") for c in ("AEREL", "AEACN", "AEOUT")},
        **{c: dictionary.one_spelling(ae[c]).replace("", NOT_CODED) for c in ("AEDECOD", "AEBODSYS")},
    )
    return out[list(ADAE_COLUMNS)].reset_index(drop=True)


def derive_adcm(tables: dict, adsl: pd.DataFrame) -> pd.DataFrame:
    """Derive ADCM, one row per medication record (columns ``ADCM_COLUMNS``).

    ``PREFL = "Y"`` when started before the first dose; ``ONTRTFL = "Y"`` when taken on at least one
    day of treatment (start on or before the last dose and end missing or on or after the first dose).
    """
    t = _typed(tables)
    cm = _with_subject(t["conmeds"], t, adsl)
    start, end, start_flag, end_flag = impute_dates(cm, "CMSTDT", "CMENDT", first_dose=cm["TRTSDT"],
                                                    limits=(cm["EOSDT"], cm["DCUTDT"]))
    cm = cm.assign(ASTDT=_date(start), AENDT=_date(end), ASTDTF=start_flag, AENDTF=end_flag)
    cm = cm.sort_values(["USUBJID", "CMSPID"], kind="stable")
    on_trt = (cm["ASTDT"] <= cm["TRTEDT"]) & (cm["AENDT"].isna() | (cm["AENDT"] >= cm["TRTSDT"]))
    out = cm.assign(
        STUDYID=study_id(t), CMSEQ=cm.groupby("USUBJID").cumcount().astype("int64") + 1,
        CMDECOD=dictionary.one_spelling(cm["CMDECOD"]).replace("", NOT_CODED), CMDOSU=cm["CMDOSU"].fillna(""),
        CMDOSFRQ=cm["CMDOSFRQ"].fillna(""), PREFL=_flag((cm["ASTDT"] < cm["TRTSDT"]).fillna(False)).to_numpy(),
        ONTRTFL=_flag(on_trt.fillna(False)).to_numpy(),
    )
    return out[list(ADCM_COLUMNS)].reset_index(drop=True)


#: Eligibility items: CRF variable -> (IECAT, label).
ELIGIBILITY_ITEMS = MappingProxyType({
    **{v: ("ACR-EULAR ITEM", dictionary.FORMS["eligibility"].variable(v).description)
       for v in ("FOCUSSC", "OSS", "SCHIRMER", "UWSFR")},
    **{k: ("ACR-EULAR ENTRY", t) for k, t in dictionary.ACR_EULAR_ENTRY.items()},
    **{k: ("ACR-EULAR EXCLUSION", t) for k, t in dictionary.ACR_EULAR_EXCLUSION.items()},
    **{k: ("INCLUSION", t) for k, t in dictionary.PROTOCOL_INCLUSION.items()},
    **{k: ("EXCLUSION", t) for k, t in dictionary.PROTOCOL_EXCLUSION.items()},
})


def derive_adie(tables: dict, adsl: pd.DataFrame) -> pd.DataFrame:
    """Derive ADIE, the eligibility answers, one row per subject x item (columns ``ADIE_COLUMNS``).

    ``IEORRES`` is the answer as text (``""`` when not done); ``IESTRESN`` the numeric result of the
    ACR/EULAR measurements (focus score, OSS, Schirmer, saliva flow), NaN for Y/N answers.
    """
    t = _typed(tables)
    el = _with_subject(t["eligibility"], t, adsl)
    long = el.melt(id_vars=["USUBJID", "ELIGDT"], value_vars=list(ELIGIBILITY_ITEMS), var_name="IETESTCD",
                   value_name="VALUE")
    numeric = validation.to_numbers(long["VALUE"].where(~long["VALUE"].isin(dictionary.YES_NO)))
    units = {v.name: v.unit for v in dictionary.FORMS["eligibility"].variables}
    order = {k: i for i, k in enumerate(ELIGIBILITY_ITEMS)}
    out = long.assign(
        STUDYID=study_id(t), IECAT=lookup(long["IETESTCD"], {k: v[0] for k, v in ELIGIBILITY_ITEMS.items()}),
        IETEST=lookup(long["IETESTCD"], {k: v[1] for k, v in ELIGIBILITY_ITEMS.items()}),
        IEORRES=long["VALUE"].astype(object).where(long["VALUE"].notna(), "").astype(str).str.replace(
            r"\.0$", "", regex=True),
        IESTRESN=numeric.astype(float), IEORRESU=lookup(long["IETESTCD"], units).fillna(""),
        IEDT=_date(long["ELIGDT"]), _ORDER=lookup(long["IETESTCD"], order),
    )
    out = out.sort_values(["USUBJID", "_ORDER"], kind="stable")
    return out[list(ADIE_COLUMNS)].reset_index(drop=True)


def _before(frame: pd.DataFrame, column: str, cutoff: pd.Timestamp) -> pd.DataFrame:
    return frame[~(frame[column] > cutoff).fillna(False).astype(bool)]


#: The outcome at a data cut of an adverse event that ended after it (CDISC codelist OUT, C66768): its recorded
#: outcome (recovered, fatal) came after the cut; a row with no end date and "recovered" contradicted itself.
ONGOING_OUTCOME = "NOT RECOVERED/NOT RESOLVED"
#: The action after which a patient's study drug was stopped for good (CDISC codelist ACN, C66767).
ACTION_WITHDRAWN = "DRUG WITHDRAWN"


def apply_data_cutoff(tables: dict, cutoff: str) -> dict:
    """Keep only what was known at the data cut: records dated after ``cutoff`` are left out.

    Subjects who consented after the cut (``CONSDT``) are not yet enrolled and leave every form. Visits
    after the cut (and their ESSDAI, ESSPRI, PGA and ILD assessments), eligibility assessments, laboratory
    samples, adverse events and medications starting after it, a first dose after it (the subject is then
    not yet treated) and dispositions after it (the subject is then ongoing) are removed; end dates after
    the cut become missing (ongoing; an adverse event's outcome, recorded when it ended, is then
    ``ONGOING_OUTCOME``; the action ``ACTION_WITHDRAWN`` of a patient dosed after the cut is not yet recorded at it:
    blank, as an action not yet assessed) and the last dose is truncated to the cut (a period still running at the
    export, without a last dose, runs to the cut too). The missed doses of a period are a total without dates,
    counted up to its last dose (or, still running, up to the export's date): a period that ran past the cut has
    missed doses the cut cannot separate, so its count becomes missing (not yet counted at the cut: the patient's
    cumulative dose and adherence are missing), never charged to the days before the cut (a patient who missed 4
    doses in 24 weeks showed an adherence of 63.6 % after 11 days), nor kept when it is 0 (the patients shown would
    be those who missed none, all at 100 %). The raw frames are not modified.

    Examples
    --------
    >>> from analysis_utils import synthetic
    >>> cut = apply_data_cutoff(synthetic.generate_trial(), "2021-10-31")
    >>> sorted(cut["visits"]["VISIT"].unique().tolist())
    ['BL', 'W12']
    """
    t, cut = _typed(tables), pd.Timestamp(cutoff)
    dm = t["demographics"]
    enrolled = dm.loc[~(dm["CONSDT"] > cut).fillna(False).astype(bool), "SUBJID"] if "CONSDT" in dm else dm["SUBJID"]
    t = {name: (frame[validation.isin_text(frame["SUBJID"], enrolled)] if "SUBJID" in frame.columns else frame)
         for name, frame in t.items()}
    out = dict(t)
    out["visits"] = _before(t["visits"], "VISITDT", cut)
    kept = pd.MultiIndex.from_frame(out["visits"][["SUBJID", "VISIT"]])
    for name in ("essdai", "esspri", "pga", "ild"):
        out[name] = t[name][pd.MultiIndex.from_frame(t[name][["SUBJID", "VISIT"]]).isin(kept)]
    out["labs"] = _before(t["labs"], "LBDT", cut)
    out["disposition"] = _before(t["disposition"], "DSSTDT", cut)
    if "randomisation" in t:
        out["randomisation"] = _before(t["randomisation"], "RANDDT", cut)
    if "eligibility" in t:
        out["eligibility"] = _before(t["eligibility"], "ELIGDT", cut)
    for name, (start, end) in partial_dates.COLUMNS.items():  # a partial date: from the first day it may be
        frame = _before(t[name], start, cut)
        after = (frame[end] > cut).fillna(False).astype(bool)  # ongoing at the cut: no end, nor its last day or flag
        cleared = {end: pd.NaT, end + validation.LAST_SUFFIX: pd.NaT, end + validation.FLAG_SUFFIX: "",
                   "AEOUT": ONGOING_OUTCOME}
        out[name] = frame.assign(**{c: frame[c].mask(after, value) for c, value in cleared.items() if c in frame})
    # the study drug withdrawn after an adverse event, of a patient still dosed after the cut: not yet at the cut
    ex = t["exposure"]
    dosed = ex.loc[(ex["EXENDT"] > cut).fillna(False).astype(bool) | ex["EXENDT"].isna(), "SUBJID"]  # no end: ongoing
    ae = out["adverse_events"]
    later = (ae["AEACN"] == ACTION_WITHDRAWN).fillna(False).astype(bool) & validation.isin_text(
        ae["SUBJID"], pd.Index(dosed.unique()))
    out["adverse_events"] = ae.assign(AEACN=ae["AEACN"].mask(later))
    exposure = _before(t["exposure"], "EXSTDT", cut)
    counted_to = exposure["EXENDT"].fillna(validation.export_timestamp(t))  # no export date: not known, past the cut
    # not even a count of 0: keeping those alone, adherence at the cut would read 100 % for every ongoing patient shown
    known = (counted_to <= cut).fillna(False).astype(bool)
    out["exposure"] = exposure.assign(EXENDT=exposure["EXENDT"].where(~(exposure["EXENDT"] > cut), cut).fillna(cut),
                                      EXMISSED=exposure["EXMISSED"].where(known))
    for frame in out.values():
        frame.attrs[validation.TYPED_ATTR] = True
    return out


#: Queries on one row that another form's record of the subject raises (``validation._check_randomisation``): at a
#: data cut they stand only when the subject has a record of that form by the cut (``queries_at_cut``). A withdrawal
#: after the cut made a patient awaiting a first dose "a patient whose study ended without a dose"; a first dose
#: after it, a treatment "taken" that ADSL, at the cut, says was not yet.
QUERY_EVIDENCE = MappingProxyType({"randomised_not_dosed": "disposition", "treated_not_as_randomised": "exposure"})


def queries_at_cut(result: validation.ValidationResult, cutoff: str) -> tuple[pd.DataFrame, int]:
    """The data queries of ``result`` (``validation.validate_export``) on what is known at the data cut ``cutoff``,
    and how many were left out: a query on a row that ``apply_data_cutoff`` leaves out (a visit, sample or event dated
    after the cut, a patient who consented after it) concerns nothing the analysis reads, and showed an interim report
    a visit of after the cut (the pilot cut on 2021-08-01 listed 01-009's week-12 visit of 2021-11-03); nor does a
    query of ``QUERY_EVIDENCE`` whose subject has no record of its form by the cut. Queries of no row (of a whole
    file) are kept. At a cut on the export's date nothing is left out (``make validate`` lists every query of the
    export).
    """
    queries, exported = result.queries, export_date(result.typed)
    if not cutoff or not len(queries) or (exported and cutoff >= exported):
        return queries, 0
    cut, after = apply_data_cutoff(result.typed, cutoff), set()
    for name, (file, lines) in result.lines.items():
        if name in cut:
            after |= {(file, str(lines[i])) for i in result.typed[name].index.difference(cut[name].index)}
    keep = np.array([(f, str(r)) not in after for f, r in zip(queries["file"], queries["row"])], dtype=bool)
    ruled = queries["rule"].isin(list(QUERY_EVIDENCE)).to_numpy()
    files = set(queries.loc[ruled, "file"])
    subject = {(file, str(line)): s for name, (file, lines) in result.lines.items()  # the subject of each row queried
               if file in files and "SUBJID" in result.typed[name]
               for line, s in zip(lines, result.typed[name]["SUBJID"])}
    for rule, form in QUERY_EVIDENCE.items():
        known = set(cut[form]["SUBJID"]) if form in cut else set()
        ruled = (queries["rule"] == rule).to_numpy()
        keep &= ~ruled | np.array([subject.get((f, str(r))) in known for f, r in zip(queries["file"], queries["row"])])
    return queries[keep].reset_index(drop=True), int((~keep).sum())


def summarize_datasets(datasets: dict) -> pd.DataFrame:
    """Count records, subjects and columns of each analysis dataset.

    Returns
    -------
    DataFrame
        Columns ``dataset, records, subjects, columns``, in the order of ``datasets``.

    Examples
    --------
    >>> summarize_datasets({"adsl": pd.DataFrame({"USUBJID": ["a", "b"]})}).values.tolist()
    [['adsl', 2, 2, 1]]
    """
    return pd.DataFrame({
        "dataset": list(datasets), "records": [len(d) for d in datasets.values()],
        "subjects": [d["USUBJID"].nunique() for d in datasets.values()],
        "columns": [d.shape[1] for d in datasets.values()],
    })


def derive_all(tables: dict, *, data_cutoff: str | None = None) -> dict:
    """Derive every analysis dataset from a (validated) raw export.

    Parameters
    ----------
    tables : dict of str to DataFrame
        The raw forms (text or typed).
    data_cutoff : str, optional
        ISO date of the data cut; when given, ``apply_data_cutoff`` is applied first. A cut before the
        first dose of the study raises ``ValueError`` (no patient treated: nothing to analyse), and so does a
        cut after the export's date (``EXPORTDT``: the export holds nothing recorded after it, and a visit whose
        window closed in between would count as missing, though it may have taken place); any cut from the first
        dose to the export's date gives the datasets an interim analysis needs (docs/decisions.md, "Interim data
        cuts").

    Returns
    -------
    dict of str to DataFrame
        ``adsl``, ``adqs``, ``adlb``, ``adae``, ``adcm``, ``adie``.
    """
    t = _typed(tables)
    if data_cutoff:
        first_dose = t["exposure"]["EXSTDT"].min() if len(t["exposure"]) else pd.NaT
        if pd.isna(first_dose) or pd.Timestamp(data_cutoff) < first_dose:
            raise ValueError(f"data cut {data_cutoff} is before the first dose of the study "
                             f"({'none recorded' if pd.isna(first_dose) else first_dose.date()}): no patient is "
                             "treated at the cut, so there is nothing to analyse; choose a later data cut")
        if pd.Timestamp(data_cutoff) > (exported := validation.export_timestamp(t)):  # False when the export has no date
            raise ValueError(f"data cut {data_cutoff} is after the export's date ({exported.date()}, form study, "
                             "EXPORTDT): the export holds nothing recorded after it, so visits due since would count "
                             "as missing; choose a cut on or before the export's date")
        t = apply_data_cutoff(t, data_cutoff)
    adsl = derive_adsl(t, data_cutoff=data_cutoff)
    return {"adsl": adsl, "adqs": derive_adqs(t, adsl), "adlb": derive_adlb(t, adsl), "adae": derive_adae(t, adsl),
            "adcm": derive_adcm(t, adsl), "adie": derive_adie(t, adsl)}
