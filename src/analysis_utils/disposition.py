"""Subject-level tables from ADSL: disposition (with its CONSORT flow figure), exposure,
demographics and baseline characteristics (Table 1), and the listing of discontinuations and deaths.

ICH E3 sections 14.1 (disposition, demographics) and 14.3.1 (exposure). Counting rules as in
``analysis_utils.safety``: one row per subject in ADSL, the arm from ADSL, ``big_n`` from ADSL, numbers
unrounded (``pct = 100 * n / big_n``); ``safety.to_ard`` turns the results into ARD rows.

- Disposition counts every enrolled subject (every ADSL row) by planned arm (``TRT01P``);
  percentages are of the enrolled subjects of the arm.
- Exposure and Table 1 describe the safety population (``SAFFL == "Y"``) by actual arm (``TRT01A``).
"""

import re
import textwrap
from types import MappingProxyType
from typing import NamedTuple

import numpy as np
import pandas as pd

from analysis_utils import ard, dictionary, summaries, tables, validation
from analysis_utils.cleaning import DAYS_PER_YEAR, compute_study_day
from analysis_utils.vocabulary import VISITS, decode, patient_label, sentence_case
from analysis_utils.safety import (
    FIRST_TREATMENT_POPULATION, MISSING_LABEL, SAFETY_FLAG, TOTAL, _arm_levels, _arm_order, _require_columns,
    _safety_population, summarize_continuous, to_ard,
)

#: ADSL end-of-study status of a subject who completed the study (CDISC NCOMPLT codelist).
STATUS_COMPLETED = "COMPLETED"
#: Stages of the disposition flow, in order: label -> ADSL flag (``== "Y"``), or ``(column, value)``
#: (``column == value``); ``None`` = every ADSL row. Treated = safety population (at least one dose);
#: week 12 = the week-12 visit took place (``COMP12FL``). "Completed week 24" counts the subjects whose CRF
#: says they completed the study (``EOSSTT == "COMPLETED"``; the study ends with the week-24 visit), so that
#: completed + discontinued + ongoing at the data cut = enrolled, always. A subject recorded COMPLETED
#: without a week-24 visit is counted there, as the CRF says, and validation raises a data query on the
#: contradiction (decision in docs/decisions.md, "Interim data cuts").
DISPOSITION_STAGES = MappingProxyType({
    "Enrolled": None,
    "Treated": SAFETY_FLAG,
    "Completed week 12": "COMP12FL",
    "Completed week 24": ("EOSSTT", STATUS_COMPLETED),
})
#: Row of the patients who switched treatment (ADSL ``SWITCHFL``; ``disposition_stages``): of any arm and at any time,
#: so without the protocol's week (the flow diagram's ``SWITCHED_BOX`` is a control arm's switch, ``CHANGED_BOX``
#: another arm's; a switch at another time is a data query, ``early_switch``, ``unplanned_switch``).
SWITCHED_LABEL = "Switched treatment"


def disposition_stages(adsl: pd.DataFrame, stages=DISPOSITION_STAGES) -> dict:
    """``stages``, and where a patient switched treatment (``SWITCHFL``), the row of the patients who did, after week
    12's: the switched patients were counted only in the flow diagram, and the safety tables' N of baricitinib (58
    randomised, 70 who took it) could be traced to no table.

    >>> list(disposition_stages(pd.DataFrame({"SWITCHFL": ["N", "Y"]})))
    ['Enrolled', 'Treated', 'Completed week 12', 'Switched treatment', 'Completed week 24']
    >>> list(disposition_stages(pd.DataFrame({"SWITCHFL": ["N", "N"]}))) == list(DISPOSITION_STAGES)
    True
    """
    if "SWITCHFL" not in adsl or not adsl["SWITCHFL"].eq("Y").any():
        return dict(stages)
    out = {}
    for label, flag in stages.items():
        out[label] = flag
        if label == "Completed week 12":
            out[SWITCHED_LABEL] = "SWITCHFL"
    return out


#: ADSL end-of-study status of a discontinued subject (CDISC NCOMPLT codelist).
STATUS_DISCONTINUED = "DISCONTINUED"
#: Row label of the discontinued subjects; their reasons (``DCSREAS``) follow as sub-rows.
DISCONTINUED_LABEL = "Discontinued"
#: ADSL end-of-study status of a subject still in the study at the data cut-off (CDISC: ONGOING).
STATUS_ONGOING = "ONGOING"
#: Row label of the subjects still in the study at the data cut-off (the last row).
ONGOING_LABEL = "Ongoing at data cut-off"
#: The column of the patients of a randomised trial without an arm (no ``TRT01P``): screen failures, and at an
#: interim cut patients awaiting randomisation.
NOT_RANDOMISED_LABEL = "Not randomised"
#: Exposure variables of ADSL (docs/analysis_datasets.md): days on treatment, cumulative baricitinib dose (mg),
#: adherence (%).
EXPOSURE_VARIABLES = ("TRTDURD", "CUMDOSE", "ADHERPCT")
#: Table 14.1.4's note in a trial of several arms: its columns are the first treatment's (``summarize_exposure``,
#: ``TRT01A``), as the medication tables' (``conmeds.FIRST_TREATMENT_NOTE``), unlike the adverse-event rates'.
EXPOSURE_BY_FIRST_TREATMENT_NOTE = (
    "Columns by the first treatment taken: a patient who switched treatment has the days and doses of both periods "
    "there. A period without baricitinib adds 0 mg to the cumulative dose, its missed doses counted or not. The "
    "exposure-adjusted rates of adverse events (Table 14.3.5.1) count time by the treatment taken, split at the "
    "switch: their patient-years differ from these.")
#: Statistics of a continuous Table 1 row, in display order.
CONTINUOUS_STATS = ("n", "mean", "sd", "median", "q1", "q3", "min", "max", "missing")
#: Table 1 of this trial (docs/analysis_datasets.md ADSL; baseline scores merged from ADEFF by
#: ``derive_vars_baseline_params``): demographics, then disease characteristics, each continuous
#: variables first. Levels are shown in the order of ``TABLE1_LEVELS``; RACE and ETHNIC by frequency.
DEMOGRAPHICS_CONTINUOUS = ("AGE", "HEIGHTBL", "WEIGHTBL", "BMIBL")
DEMOGRAPHICS_CATEGORICAL = ("SEX", "RACE", "ETHNIC")
#: Characteristics a CRF may not collect (the data dictionary's optional ETHNIC: one of China records the ethnic
#: group, 民族, instead): left out of Table 1 when no patient has a value (``collected``), where a row of 100 %
#: missing would say only that.
NOT_ALWAYS_COLLECTED = ("ETHNIC",)
DISEASE_CONTINUOUS = ("DURDIS", "ESSDAIBL", "ESSPRIBL", "PGABL", "IGGBL", "ESRBL", "CRPBL", "GCDOSEBL")
DISEASE_CATEGORICAL = ("ANTISSA", "ANTISSB", "GCFL", "HCQFL", "ISFL", "HBVHXFL", "HBSAGFL", "ILDFL")
_YN = ("Y", "N")
TABLE1_LEVELS = MappingProxyType({
    "SEX": ("F", "M"), "ANTISSA": ("POSITIVE", "NEGATIVE"), "ANTISSB": ("POSITIVE", "NEGATIVE"),
    "GCFL": _YN, "HCQFL": _YN, "ISFL": _YN, "HBVHXFL": _YN, "HBSAGFL": _YN, "ILDFL": _YN,
})
TABLE1_LABELS = MappingProxyType({
    "AGE": "Age (years)", "HEIGHTBL": "Height (cm)", "WEIGHTBL": "Weight (kg)", "BMIBL": "BMI (kg/m2)",
    "SEX": "Sex", "RACE": "Race", "ETHNIC": "Ethnicity", "DURDIS": "Disease duration (years)",
    "ESSDAIBL": "ESSDAI", "ESSPRIBL": "ESSPRI", "PGABL": "Physician global assessment (0-10)",
    "IGGBL": "IgG (g/L)", "ESRBL": "ESR (mm/h)", "CRPBL": "CRP (mg/L)",
    "GCDOSEBL": "Glucocorticoid dose (mg/day prednisone equivalent)", "ANTISSA": "Anti-SSA/Ro",
    "ANTISSB": "Anti-SSB/La", "GCFL": "Glucocorticoids at baseline",
    # a concomitant medication (ADCM), not the hydroxychloroquine of a randomised trial's study treatment (exposure)
    "HCQFL": "Hydroxychloroquine at baseline, as concomitant medication", "ISFL": "Immunosuppressant at baseline",
    "HBVHXFL": "Past hepatitis B (anti-HBc positive, HBsAg negative)",
    "HBSAGFL": "Current hepatitis B (HBsAg positive)",
    "ILDFL": "Interstitial lung disease", "TRTDURD": "Days on treatment",
    "CUMDOSE": "Cumulative baricitinib dose (mg)", "ADHERPCT": "Adherence (%)",
})
#: Decimals of the mean, median, quartiles and extremes (SD one more) by variable; 1 otherwise.
TABLE1_DECIMALS = MappingProxyType({"AGE": 1, "TRTDURD": 1, "CUMDOSE": 1, "ESSDAIBL": 1, "GCDOSEBL": 1})

#: Columns of the listing of discontinuations and deaths, when present in ADSL.
DISCONTINUATION_COLUMNS = ("USUBJID", "TRT01A", "TRTSDT", "TRTEDT", "EOSDT", "EOSDY", "EOSSTT", "DCSREAS",
                           "DTHFL", "DTHDT")


def _blank(values: pd.Series) -> pd.Series:
    return values.isna() | (values.astype(str).str.strip() == "")


def _frequency_order(values: pd.Series) -> list:
    """Levels by descending frequency, ties alphabetically (the rule when no order is given)."""
    counts = values.value_counts()
    return sorted(counts.index, key=lambda level: (-counts[level], str(level)))


def summarize_disposition(adsl: pd.DataFrame, *, arm: str = "TRT01P", stages=DISPOSITION_STAGES,
                          total: bool = False) -> pd.DataFrame:
    """Count subjects at each stage of the study and the discontinued subjects by reason.

    Parameters
    ----------
    adsl : DataFrame
        ``USUBJID``, ``arm``, the stage flags, ``EOSSTT`` and ``DCSREAS``.
    arm : str, default 'TRT01P'
        Planned arm (enrolled subjects may be untreated).
    stages : mapping, default ``DISPOSITION_STAGES``
        Label -> ADSL flag column (``== "Y"``), or ``(column, value)`` pair, or ``None`` (every row), in
        display order.
    total : bool, default False
        Add the arm ``safety.TOTAL`` over every enrolled subject (a trial of several arms).

    Returns
    -------
    DataFrame
        ``arm, category, reason, n_subjects, big_n, pct``: the stages, then ``"Discontinued"``
        (``EOSSTT == "DISCONTINUED"``, ``reason == ""``) and one row per reason (``DCSREAS``, by
        descending frequency then alphabetically; blank reasons are ``"Missing"``), then
        ``"Ongoing at data cut-off"`` (``EOSSTT == "ONGOING"``). ``big_n`` is the number of enrolled
        subjects of the arm. Every arm has every row; arms in the order of their code (``<arm>N``,
        the control first) when ADSL has it, else sorted; subjects without an arm (a randomised trial's
        screen failures, or patients awaiting randomisation at an interim cut) in the column
        ``NOT_RANDOMISED_LABEL`` after them; the total last.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2", "3"], "TRT01P": "Bari", "SAFFL": "Y",
    ...                      "COMP24FL": ["Y", "Y", "N"], "EOSSTT": ["COMPLETED"] * 2 + ["DISCONTINUED"],
    ...                      "DCSREAS": ["", "", "Adverse event"]})
    >>> out = summarize_disposition(adsl, stages={"Enrolled": None, "Completed week 24": "COMP24FL"})
    >>> out[["category", "reason", "n_subjects"]].values.tolist()
    [['Enrolled', '', 3], ['Completed week 24', '', 2], ['Discontinued', '', 1], ['Discontinued', 'Adverse event', 1], \
['Ongoing at data cut-off', '', 0]]
    """
    flags = [f[0] if isinstance(f, tuple) else f for f in stages.values() if f]
    _require_columns(adsl, ["USUBJID", arm, "EOSSTT", "DCSREAS", *flags], "ADSL")
    subjects = adsl[["USUBJID", arm]].rename(columns={arm: "arm"})
    subjects["arm"] = subjects["arm"].where(~_blank(subjects["arm"]), NOT_RANDOMISED_LABEL)

    def at_stage(f):
        if not f:
            return subjects
        column, value = f if isinstance(f, tuple) else (f, "Y")
        return subjects[adsl[column] == value]
    parts = [at_stage(f) for f in stages.values()]
    parts = [p.assign(category=label, reason="") for p, label in zip(parts, stages)]
    stopped = adsl["EOSSTT"] == STATUS_DISCONTINUED
    reasons = adsl.loc[stopped, "DCSREAS"].where(~_blank(adsl.loc[stopped, "DCSREAS"]), MISSING_LABEL)
    parts += [subjects[stopped].assign(category=DISCONTINUED_LABEL, reason=""),
              subjects[stopped].assign(category=DISCONTINUED_LABEL, reason=reasons),
              subjects[adsl["EOSSTT"] == STATUS_ONGOING].assign(category=ONGOING_LABEL, reason="")]
    hits = pd.concat(parts, ignore_index=True)
    rows = pd.concat([pd.DataFrame({"category": [*stages, DISCONTINUED_LABEL], "reason": ""}),
                      pd.DataFrame({"category": DISCONTINUED_LABEL, "reason": _frequency_order(reasons)}),
                      pd.DataFrame({"category": [ONGOING_LABEL], "reason": [""]})], ignore_index=True)
    levels = _arm_order(adsl, arm, subjects["arm"])
    if total:
        hits = pd.concat([hits, hits.assign(arm=TOTAL)], ignore_index=True)
        subjects = pd.concat([subjects, subjects.assign(arm=TOTAL)], ignore_index=True)
        levels.append(TOTAL)
    counts = hits.groupby(["arm", "category", "reason"])["USUBJID"].nunique().rename("n_subjects").reset_index()
    arms = pd.DataFrame({"arm": levels})
    out = rows.assign(_row=np.arange(len(rows))).merge(arms, how="cross").merge(counts, how="left")
    out["n_subjects"] = out["n_subjects"].fillna(0).astype("int64")
    out["big_n"] = out["arm"].map(subjects.groupby("arm")["USUBJID"].nunique()).astype("int64")
    out["pct"] = 100.0 * out["n_subjects"] / out["big_n"]
    return out[["arm", "category", "reason", "n_subjects", "big_n", "pct"]]


#: Boxes of the CONSORT flow (``summarize_consort``), in order. A treated patient who left the study is
#: placed before week 12 unless their week-12 visit took place (``COMP12FL``), then between week 12 and
#: week 24: the interval in which they left. "Analysed" counts the full analysis set with an ESSDAI at the visit.
#: "Not treated" gives its reasons, as CONSORT 2010's "did not receive allocated intervention (give reasons)".
#: Reason of a patient not treated who is still on study at the data cut (no end of study): not yet dosed.
AWAITING_FIRST_DOSE = "Awaiting first dose"
CONSORT_BOXES = ("Enrolled", "Not treated", "Treated", "Left before week 12", "Week 12 not yet due",
                 "In study at week 12", "Analysed at week 12", "Left between week 12 and week 24",
                 "Still on study at the data cut", "Completed week 24", "Analysed at week 24")


def _end_reasons(patients: pd.DataFrame, on_study: str = "") -> pd.Series:
    """Each patient's reason in a CONSORT box: the end of study (``DCSREAS``; ``MISSING_LABEL`` when blank), or
    ``on_study`` for a patient still on study at the data cut (``EOSSTT`` ongoing)."""
    why = patients["DCSREAS"].where(~_blank(patients["DCSREAS"]), MISSING_LABEL)
    return why.where(patients["EOSSTT"] != STATUS_ONGOING, on_study) if on_study else why


def summarize_consort(adsl: pd.DataFrame, adeff: pd.DataFrame, *, paramcd: str = "ESSDAI") -> pd.DataFrame:
    """Count the patients in each box of the CONSORT flow (``CONSORT_BOXES``), all arms together.

    Treated = safety population (``SAFFL``); a patient not treated is counted with the reason (``DCSREAS``; a
    patient still on study at the data cut: ``AWAITING_FIRST_DOSE``); a treated patient who left the study (``EOSSTT ==
    "DISCONTINUED"``) is counted in the interval in which they left (before week 12 unless their
    week-12 visit took place, ``COMP12FL``), with one row per reason (``DCSREAS``); a patient still on
    study whose week-12 visit is not yet due (``DUE12FL``) is "Week 12 not yet due". The boxes add up:
    in study at week 12 = treated - left before week 12 - week 12 not yet due, and completed week 24 =
    in study at week 12 - left between week 12 and week 24 - still on study (a ``ValueError`` otherwise).
    Analysed = patients of the full analysis set (``FASFL``) with a ``paramcd`` value at the visit in ``adeff``.

    Returns
    -------
    DataFrame
        ``box, reason, n``: one row per box (``reason == ""``), then the reasons of "Not treated" and of the
        "Left" boxes.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": list("ABCD"), "SAFFL": "Y", "FASFL": "Y", "COMP12FL": list("YYNY"),
    ...     "DUE12FL": "Y", "EOSSTT": ["COMPLETED", "COMPLETED", "DISCONTINUED", "DISCONTINUED"],
    ...     "DCSREAS": ["", "", "ADVERSE EVENT", "LOST TO FOLLOW-UP"]})
    >>> adeff = pd.DataFrame({"USUBJID": list("ABD"), "PARAMCD": "ESSDAI", "AVISIT": "Week 12", "AVAL": 3.0})
    >>> out = summarize_consort(adsl, adeff)
    >>> out.loc[out["reason"] == "", "n"].tolist()
    [4, 0, 4, 1, 0, 3, 3, 1, 0, 2, 0]
    >>> summarize_consort(adsl.assign(SAFFL=["Y", "Y", "Y", "N"], EOSSTT=["COMPLETED"] * 3 + ["ONGOING"]), adeff
    ...                   ).query("box == 'Not treated'").values.tolist()
    [['Not treated', '', 1], ['Not treated', 'Awaiting first dose', 1]]
    """
    _require_columns(adsl, ["USUBJID", "SAFFL", "FASFL", "COMP12FL", "DUE12FL", "EOSSTT", "DCSREAS"], "ADSL")
    treated = adsl[adsl["SAFFL"] == "Y"]
    left = treated["EOSSTT"] == STATUS_DISCONTINUED
    ongoing = treated["EOSSTT"] == STATUS_ONGOING
    before = left & (treated["COMP12FL"] != "Y")
    not_due = ongoing & (treated["DUE12FL"] != "Y")
    fas = set(adsl.loc[adsl["FASFL"] == "Y", "USUBJID"])
    assessed = adeff[(adeff["PARAMCD"] == paramcd) & adeff["AVAL"].notna() & adeff["USUBJID"].isin(fas)]
    analysed = {v: assessed.loc[assessed["AVISIT"] == v, "USUBJID"].nunique() for v in ("Week 12", "Week 24")}
    n = dict(zip(CONSORT_BOXES, [len(adsl), len(adsl) - len(treated), len(treated), int(before.sum()), int(not_due.sum()),
                                 len(treated) - int(before.sum()) - int(not_due.sum()), analysed["Week 12"],
                                 int((left & ~before).sum()), int((ongoing & ~not_due).sum()),
                                 int((treated["EOSSTT"] == STATUS_COMPLETED).sum()), analysed["Week 24"]]))
    if n["Completed week 24"] != n["In study at week 12"] - n["Left between week 12 and week 24"] - n["Still on study at the data cut"]:
        raise ValueError(f"ADSL: the CONSORT boxes do not add up ({n}); every treated patient's EOSSTT must be "
                         f"{STATUS_COMPLETED}, {STATUS_DISCONTINUED} or {STATUS_ONGOING}")
    why = {"Not treated": _end_reasons(adsl[adsl["SAFFL"] != "Y"], AWAITING_FIRST_DOSE)}
    why |= {box: _end_reasons(treated[mask])
            for box, mask in (("Left before week 12", before), ("Left between week 12 and week 24", left & ~before))}
    reasons = [(box, r, int(k)) for box, values in why.items() for r, k in values.value_counts().sort_index().items()]
    return pd.DataFrame([(box, "", count) for box, count in n.items()] + reasons, columns=["box", "reason", "n"])


def plot_consort(counts: pd.DataFrame, *, ax=None):
    """Draw the CONSORT flow of ``summarize_consort``: the patients in study down the middle, those who left
    (with their reasons) or are not yet due on the right of the interval in which it happened, the
    patients analysed at each visit on the left. Empty side boxes are left out; deterministic."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 5.5))
    n = dict(zip(counts.loc[counts["reason"] == "", "box"], counts.loc[counts["reason"] == "", "n"]))
    box = {"boxstyle": "round,pad=0.5", "facecolor": "white", "edgecolor": "black"}
    arrow = {"arrowstyle": "->", "color": "black"}
    main = {"Enrolled": 0.92, "Treated": 0.7, "In study at week 12": 0.4, "Completed week 24": 0.08}
    for i, (label, y) in enumerate(main.items()):
        ax.text(0.45, y, f"{label}\n(n = {n[label]})", ha="center", va="center", fontsize=10, bbox=box)
        if i:
            ax.annotate("", xy=(0.45, y + 0.06), xytext=(0.45, list(main.values())[i - 1] - 0.06), arrowprops=arrow)
    sides = {0.81: ["Not treated"], 0.55: ["Left before week 12", "Week 12 not yet due"],
             0.24: ["Left between week 12 and week 24", "Still on study at the data cut"]}
    for y, labels in sides.items():
        lines = []
        for label in (b for b in labels if n[b]):
            why = counts[(counts["box"] == label) & (counts["reason"] != "")]
            lines += [f"{label} (n = {n[label]})"] + [f"  {r.capitalize() if r.isupper() else r}: {k}"
                                                         for r, k in zip(why["reason"], why["n"])]
        if lines:
            ax.text(0.66, y, "\n".join(lines), ha="left", va="center", fontsize=9, bbox=box)
            ax.annotate("", xy=(0.64, y), xytext=(0.45, y), arrowprops=arrow)
    for label, y in (("Analysed at week 12", main["In study at week 12"]), ("Analysed at week 24", main["Completed week 24"])):
        ax.text(0.02, y, f"{label}\n(n = {n[label]})", ha="left", va="center", fontsize=9, bbox=box)
        ax.annotate("", xy=(0.2, y), xytext=(0.33, y), arrowprops=arrow)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_axis_off()
    return ax


#: Box of the patients of the control arm (without baricitinib, ADSL ``DOSE01P`` 0; without that variable the lowest
#: code) who switched treatment (ADSL ``SWITCHFL``): the protocol's switch of control non-responders at week 12.
SWITCHED_BOX = f"Switched treatment at week {dictionary.SWITCH_WEEK}"
#: Box of the patients of another arm whose treatment changed (``SWITCHFL``; a patient who stopped baricitinib and
#: stayed on study on hydroxychloroquine alone): not the protocol's switch. Its reasons: the treatment changed to.
CHANGED_BOX = "Changed treatment"
#: Reason of a patient without an arm still on study at the data cut (no end of study): awaiting randomisation.
AWAITING_RANDOMISATION = "Awaiting randomisation"


def summarize_consort_by_arm(adsl: pd.DataFrame, adeff: pd.DataFrame, *, arm: str = "TRT01P",
                             paramcd: str = "ESSDAI") -> pd.DataFrame:
    """The CONSORT flow of a randomised trial (CONSORT 2010): the patients enrolled, not randomised (with their
    reasons: the end of study, ``DCSREAS``, or ``AWAITING_RANDOMISATION`` for a patient still on study) and
    randomised, then ``summarize_consort``'s boxes for each arm (``arm``, the arm randomised), whose "Enrolled" is
    the patients allocated to it, and ``SWITCHED_BOX``: a control arm's patients who switched treatment
    (``SWITCHFL``; an arm without baricitinib, ``DOSE01P`` 0, or without that variable the lowest code), or for
    another arm ``CHANGED_BOX``, with the treatment changed to (``TRT02A``) as the reason.

    Returns
    -------
    DataFrame
        ``arm, box, reason, n``: the trial's rows (``arm == ""``: "Enrolled", "Not randomised" with its reasons,
        "Randomised"), then each arm's rows of ``summarize_consort``, arms in the order of their code.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": list("ABCDE"), "TRT01P": ["X", "Y", "Y", "", ""],
    ...     "TRT01PN": [1, 2, 2, None, None], "SAFFL": ["Y", "Y", "Y", "N", "N"], "FASFL": ["Y", "Y", "Y", "N", "N"],
    ...     "COMP12FL": "N", "DUE12FL": "N",
    ...     "EOSSTT": ["ONGOING"] * 3 + ["DISCONTINUED", "ONGOING"], "DCSREAS": ["", "", "", "SCREEN FAILURE", ""]})
    >>> adeff = pd.DataFrame({"USUBJID": [], "PARAMCD": [], "AVISIT": [], "AVAL": []})
    >>> out = summarize_consort_by_arm(adsl, adeff)
    >>> out[out["arm"] == ""].values.tolist()
    [['', 'Enrolled', '', 5], ['', 'Not randomised', '', 2], ['', 'Not randomised', 'Awaiting randomisation', 1], \
['', 'Not randomised', 'SCREEN FAILURE', 1], ['', 'Randomised', '', 3]]
    >>> out[(out["box"] == "Enrolled") & (out["arm"] != "")][["arm", "n"]].values.tolist()
    [['X', 1], ['Y', 2]]
    """
    _require_columns(adsl, ["USUBJID", arm, "EOSSTT", "DCSREAS"], "ADSL")
    none = _blank(adsl[arm])
    why = _end_reasons(adsl.loc[none], AWAITING_RANDOMISATION)
    trial = [("", "Enrolled", "", len(adsl)), ("", "Not randomised", "", int(none.sum()))]
    trial += [("", "Not randomised", r, int(k)) for r, k in why.value_counts().sort_index().items()]
    trial += [("", "Randomised", "", int((~none).sum()))]
    parts = [pd.DataFrame(trial, columns=["arm", "box", "reason", "n"])]
    for i, a in enumerate(_arm_order(adsl, arm, adsl.loc[~none, arm])):
        allocated = adsl[adsl[arm] == a]
        switched = allocated[allocated["SWITCHFL"].eq("Y")] if "SWITCHFL" in allocated else allocated.iloc[:0]
        control = allocated["DOSE01P"].eq(0).all() if "DOSE01P" in allocated else i == 0
        box = SWITCHED_BOX if control else CHANGED_BOX
        changed_to = switched["TRT02A"] if not control and "TRT02A" in switched else pd.Series(dtype=object)
        to = [(a, box, f"to {t}", int(k)) for t, k in changed_to.value_counts().sort_index().items()]
        parts += [summarize_consort(allocated, adeff, paramcd=paramcd).assign(arm=a),
                  pd.DataFrame([(a, box, "", len(switched)), *to], columns=["arm", "box", "reason", "n"])]
    return pd.concat(parts, ignore_index=True)[["arm", "box", "reason", "n"]]


#: Characters of a box's line (at 8 points) across the CONSORT flow's width, shared by its columns: an arm's name
#: longer than its column holds goes on lines of its own below "Allocated to", so that no box overlaps another.
FLOW_LINE_CHARACTERS = 120


def plot_consort_by_arm(counts: pd.DataFrame, *, ax=None):
    """Draw the CONSORT flow of ``summarize_consort_by_arm`` as CONSORT 2010 does: enrolment (enrolled, not
    randomised with the reasons, randomised), then one column per arm of allocation (allocated, treated, not
    treated), follow-up (who left in each interval, with the reasons, and who is not yet due) and analysis (the
    full analysis set with a value at weeks 12 and 24). Deterministic."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(11, 8))
    box = {"boxstyle": "round,pad=0.4", "facecolor": "white", "edgecolor": "black"}
    arrow = {"arrowstyle": "->", "color": "black"}

    def n_of(arm, label):
        hit = counts[(counts["arm"] == arm) & (counts["box"] == label) & (counts["reason"] == "")]["n"]
        return int(hit.iloc[0]) if len(hit) else 0

    def reasons(arm, label):
        why = counts[(counts["arm"] == arm) & (counts["box"] == label) & (counts["reason"] != "")]
        return [f"  {r.capitalize() if r.isupper() else r}: {k}" for r, k in zip(why["reason"], why["n"])]

    ax.text(0.5, 0.96, f"Enrolled (n = {n_of('', 'Enrolled')})", ha="center", va="center", fontsize=10, bbox=box)
    ax.text(0.5, 0.80, f"Randomised (n = {n_of('', 'Randomised')})", ha="center", va="center", fontsize=10, bbox=box)
    ax.annotate("", xy=(0.5, 0.83), xytext=(0.5, 0.93), arrowprops=arrow)
    if n_of("", "Not randomised"):
        ax.text(0.66, 0.88, "\n".join([f"Not randomised (n = {n_of('', 'Not randomised')})",
                                       *reasons("", "Not randomised")]), ha="left", va="center", fontsize=8, bbox=box)
        ax.annotate("", xy=(0.645, 0.88), xytext=(0.5, 0.88), arrowprops=arrow)
    arms = list(dict.fromkeys(counts.loc[counts["arm"] != "", "arm"]))
    width = FLOW_LINE_CHARACTERS // max(len(arms), 1)  # characters of a box's line that fit its column
    for i, arm in enumerate(arms):
        x = (i + 0.5) / len(arms)
        def line(label, indent=""):  # a box's line, left out when none (not yet due, still on study, switched)
            return [f"{indent}{label} (n = {n_of(arm, label)})"] if n_of(arm, label) else []

        allocated = f"{arm} (n = {n_of(arm, 'Enrolled')})"
        allocated = ([f"Allocated to {allocated}"] if len(allocated) + 13 <= width
                     else ["Allocated to", *textwrap.wrap(allocated, width, break_on_hyphens=False)])
        stages = [
            (0.63, [*allocated, f"  Treated: {n_of(arm, 'Treated')}",
                    f"  Not treated: {n_of(arm, 'Not treated')}", *(f"  {r}" for r in reasons(arm, "Not treated"))]),
            (0.45, [f"Left before week 12 (n = {n_of(arm, 'Left before week 12')})",
                    *reasons(arm, "Left before week 12"), *line("Week 12 not yet due")]),
            (0.29, [f"In study at week 12 (n = {n_of(arm, 'In study at week 12')})",
                    f"Analysed at week 12 (n = {n_of(arm, 'Analysed at week 12')})", *line(SWITCHED_BOX),
                    *line(CHANGED_BOX), *(reasons(arm, CHANGED_BOX) if n_of(arm, CHANGED_BOX) else [])]),
            (0.15, [f"Left between week 12 and week 24 (n = {n_of(arm, 'Left between week 12 and week 24')})",
                    *reasons(arm, "Left between week 12 and week 24"), *line("Still on study at the data cut")]),
            (0.02, [f"Completed week 24 (n = {n_of(arm, 'Completed week 24')})",
                    f"Analysed at week 24 (n = {n_of(arm, 'Analysed at week 24')})"]),
        ]
        for j, (y, lines) in enumerate(stages):  # a box grows up from y; the arrow to it ends at its edge
            text = ax.text(x, y, "\n".join(lines), ha="center", va="bottom", fontsize=8, bbox=box)
            ax.annotate("", xy=(x, y + 0.03), xytext=(x, stages[j - 1][0] - 0.012) if j else (0.5, 0.77),
                        arrowprops={**arrow, "patchB": text.get_bbox_patch()})
    for y, label in ((0.66, "Allocation"), (0.40, "Follow-up"), (0.10, "Analysis")):
        ax.text(-0.02, y, label, ha="right", va="center", fontsize=9, rotation=90, fontweight="bold")
    ax.set_xlim(-0.05, 1)
    ax.set_ylim(0, 1)
    ax.set_axis_off()
    return ax


def summarize_exposure(adsl: pd.DataFrame, *, arm: str = "TRT01A", variables=EXPOSURE_VARIABLES,
                       total: bool = False) -> pd.DataFrame:
    """Describe exposure (days on treatment, cumulative dose, adherence) in the safety population, by the arm
    randomised and (``total``) over all patients; with the days on treatment (``TRTDURD``) their sum in patient-years
    (``pyears``: days / ``cleaning.DAYS_PER_YEAR``, as the exposure-adjusted rates count time), the total exposure
    ICH E3 (12.1) asks for.

    Returns
    -------
    DataFrame
        As ``summarize_table1`` with ``continuous=variables``: ``arm, variable, category, stat_name,
        stat_value, big_n``.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"], "SAFFL": "Y", "TRT01A": "Bari", "TRTDURD": [169.0, 20.0]})
    >>> out = summarize_exposure(adsl, variables=["TRTDURD"]).set_index("stat_name")["stat_value"]
    >>> out[["n", "mean", "missing"]].tolist(), round(float(out["pyears"]), 4)  # 189 / 365.25
    ([2.0, 94.5, 0.0], 0.5175)
    """
    out = summarize_table1(adsl, continuous=variables, arm=arm, total=total)
    if "TRTDURD" not in variables:
        return out
    pop = _safety_population(adsl, arm).merge(adsl[["USUBJID", "TRTDURD"]], on="USUBJID")
    days = pop.groupby("arm", sort=False)["TRTDURD"].sum().to_dict() | ({TOTAL: pop["TRTDURD"].sum()} if total else {})
    rows = out[(out["variable"] == "TRTDURD") & (out["stat_name"] == "n")]
    pyears = rows.assign(stat_name="pyears", stat_value=[days[a] / DAYS_PER_YEAR for a in rows["arm"].astype(str)])
    return pd.concat([out, pyears], ignore_index=True)


def _continuous_rows(pop: pd.DataFrame, variables) -> pd.DataFrame:
    """n, mean, ... , missing per arm and variable; arms and variables in the given order."""
    long = pop.melt(id_vars=["USUBJID", "arm"], value_vars=list(variables), var_name="variable")
    long["value"] = pd.to_numeric(long["value"], errors="raise")
    out = summarize_continuous(long, by=["arm", "variable"], value="value")
    big_n = pop.groupby("arm")["USUBJID"].nunique()
    out["big_n"] = out["arm"].map(big_n).astype("int64")
    out["missing"] = out["big_n"] - out["n"]
    rank = np.lexsort((out["arm"].map({a: i for i, a in enumerate(_arm_levels(pop["arm"]))}).to_numpy(),
                       out["variable"].map({v: i for i, v in enumerate(variables)}).to_numpy()))
    return out.iloc[rank][["arm", "variable", *CONTINUOUS_STATS, "big_n"]].reset_index(drop=True)


def _categorical_rows(pop: pd.DataFrame, variables, levels_order) -> pd.DataFrame:
    """n and % per arm, variable and level (then ``Missing``); levels as given or by frequency."""
    parts = []
    for var in variables:
        values = pop[var].where(~_blank(pop[var])).astype(object)
        observed = values.dropna()
        levels = list(levels_order.get(var, _frequency_order(observed.astype(str))))
        unknown = ~observed.astype(str).isin([str(v) for v in levels])
        if unknown.any():
            subject = pop.loc[unknown[unknown].index[0], "USUBJID"]
            raise ValueError(f"Table 1: {var} = {observed[unknown].iloc[0]!r} (subject {subject!r}) is not in "
                             f"the levels given {levels}")
        labels = values.astype(str).where(values.notna(), MISSING_LABEL)
        cells = pd.DataFrame({"variable": var, "category": [*map(str, levels), MISSING_LABEL]})
        hits = pop[["USUBJID", "arm"]].assign(variable=var, category=labels)
        parts.append((cells, hits))
    rows = pd.concat([c for c, _ in parts], ignore_index=True)
    hits = pd.concat([h for _, h in parts], ignore_index=True)
    counts = hits.groupby(["arm", "variable", "category"])["USUBJID"].nunique().rename("n").reset_index()
    arms = pd.DataFrame({"arm": _arm_levels(pop["arm"])})
    out = rows.merge(arms, how="cross").merge(counts, how="left")
    out["n"] = out["n"].fillna(0).astype("int64")
    out["big_n"] = out["arm"].map(pop.groupby("arm")["USUBJID"].nunique()).astype("int64")
    out["pct"] = 100.0 * out["n"] / out["big_n"]
    return out[["arm", "variable", "category", "n", "pct", "big_n"]]


def collected(adsl: pd.DataFrame, variables, *, optional=NOT_ALWAYS_COLLECTED) -> tuple:
    """``variables`` without those of ``optional`` that no patient of ``adsl`` has a value of (not collected).

    >>> adsl = pd.DataFrame({"SEX": ["F", "M"], "RACE": ["ASIAN", None], "ETHNIC": [None, ""]})
    >>> collected(adsl, ("SEX", "RACE", "ETHNIC"))
    ('SEX', 'RACE')
    """
    def recorded(name: str) -> bool:
        values = adsl[name]
        return bool((values.notna() & (values.astype(str).str.strip() != "")).any())
    return tuple(v for v in variables if v not in optional or recorded(v))


#: The arm of the baseline tables of a randomised trial, and their population (CONSORT 2010 item 15: baseline
#: characteristics of each group as randomised): every patient randomised (``TRT01P`` given), dosed or not, a patient
#: given the other arm's treatment under the arm randomised.
RANDOMISED_ARM = "TRT01P"
RANDOMISED_POPULATION = "Randomised patients (TRT01P given), by arm randomised (TRT01P)"


def _randomised(adsl: pd.DataFrame) -> pd.Series:
    """Whether each subject was randomised (``RANDOMISED_ARM`` given)."""
    _require_columns(adsl, [RANDOMISED_ARM], "ADSL")
    return adsl[RANDOMISED_ARM].fillna("").astype(str).str.strip() != ""


class Table1Population(NamedTuple):
    """Who the baseline tables count (``table1_population``): ``arm`` and ``members`` for ``summarize_table1``, the
    ``population`` and ``n`` of the caption, ``ard_population`` for ``table1_to_ard``, the ``method`` and ``notes``
    of the footnotes."""

    arm: str
    members: pd.Series | None
    population: str
    n: int
    ard_population: str
    method: str
    notes: tuple[str, ...]


#: The method of the baseline tables' footnote, of their population (``Table1Population.population``, lower case).
TABLE1_DISPLAY_METHOD = "Continuous: n, mean (SD), median [Q1, Q3], min - max; categorical: n (%) of the {}"
#: The note of a randomised trial's baseline tables.
TABLE1_RANDOMISED_NOTE = ("Columns by the arm randomised: every patient randomised, treated or not; a patient given "
                          "another arm's treatment is in the arm randomised to.")


def table1_population(adsl: pd.DataFrame, *, randomised: bool) -> Table1Population:
    """Who the baseline tables (``summarize_table1``) count: of a ``randomised`` trial every patient randomised by the
    arm randomised (``RANDOMISED_ARM``), else the safety set by the first treatment.

    >>> adsl = pd.DataFrame({"USUBJID": list("abc"), "SAFFL": ["Y", "Y", "N"], "TRT01P": ["T", "C", "C"]})
    >>> [(t.arm, t.population, t.n) for t in (table1_population(adsl, randomised=r) for r in (True, False))]
    [('TRT01P', 'Randomised patients', 3), ('TRT01A', 'Safety set', 2)]
    >>> table1_population(adsl, randomised=False).method
    'Continuous: n, mean (SD), median [Q1, Q3], min - max; categorical: n (%) of the safety set'
    """
    if randomised:
        members = _randomised(adsl)
        return Table1Population(RANDOMISED_ARM, members, "Randomised patients", int(members.sum()),
                                RANDOMISED_POPULATION, TABLE1_DISPLAY_METHOD.format("randomised patients"),
                                (TABLE1_RANDOMISED_NOTE,))
    return Table1Population("TRT01A", None, "Safety set", int(adsl[SAFETY_FLAG].eq("Y").sum()),
                            FIRST_TREATMENT_POPULATION, TABLE1_DISPLAY_METHOD.format("safety set"), ())


def summarize_table1(adsl: pd.DataFrame, *, continuous=(), categorical=(), arm: str = "TRT01A",
                     members: pd.Series | None = None, levels_order=None, total: bool = False) -> pd.DataFrame:
    """Summarise demographics and baseline characteristics in the safety population (Table 1, DMT01), by the first
    treatment (``TRT01A``), or in the subjects ``members`` flags (a randomised trial's patients randomised, by the
    arm randomised: ``table1_population``).

    Parameters
    ----------
    adsl : DataFrame
    continuous : sequence of str
        Numeric ADSL columns, in display order: n, mean, SD, median, Q1, Q3 (``safety.QUANTILE_METHOD``),
        min, max and the number missing.
    categorical : sequence of str
        ADSL columns shown as n (%) per level, in display order, after the continuous ones.
    arm : str, default 'TRT01A'
        The column of the arms.
    members : Series of bool, optional
        The subjects counted (``table1_population``: every patient randomised, whether dosed or not); by default
        the safety set.
    levels_order : mapping, optional
        Column -> levels in display order. A column without an entry shows its levels by descending
        frequency (all arms together), ties alphabetically. An observed value outside the given
        levels raises ``ValueError``; blank or missing values are the ``"Missing"`` level, always shown last.
    total : bool, default False
        Add the arm ``safety.TOTAL`` over every patient; the arms then in the order of their code
        (``<arm>N``, the control first), as in the disposition table.

    Returns
    -------
    DataFrame
        Long: ``arm, variable, category, stat_name, stat_value, big_n``. Continuous variables have
        ``category == ""`` and ``stat_name`` in ``CONTINUOUS_STATS``; categorical ones one ``n`` and one
        ``pct`` row per level (``pct = 100 * n / big_n``, big_n = the patients of the arm).

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2", "3"], "SAFFL": "Y", "TRT01A": "Bari",
    ...                      "AGE": [40.0, 50.0, None], "SEX": ["F", "F", "M"]})
    >>> t1 = summarize_table1(adsl, continuous=["AGE"], categorical=["SEX"], levels_order={"SEX": ["M", "F"]})
    >>> t1[t1["stat_name"].isin(["mean", "missing", "n"])][["variable", "category", "stat_name",
    ...                                                      "stat_value"]].values.tolist()
    [['AGE', '', 'n', 2.0], ['AGE', '', 'mean', 45.0], ['AGE', '', 'missing', 1.0], ['SEX', 'M', 'n', 1.0], \
['SEX', 'F', 'n', 2.0], ['SEX', 'Missing', 'n', 0.0]]
    """
    _require_columns(adsl, [*continuous, *categorical], "ADSL")
    pop = _safety_population(adsl, arm, members=members).merge(adsl[["USUBJID", *continuous, *categorical]],
                                                                on="USUBJID")
    if total:
        levels = [*_arm_order(adsl, arm, pop["arm"]), TOTAL]
        pop = pd.concat([pop, pop.assign(arm=TOTAL)], ignore_index=True)
        pop["arm"] = pd.Categorical(pop["arm"], categories=levels)
    parts = []
    if len(continuous):
        cont = _continuous_rows(pop, continuous).assign(category="")
        parts.append(cont.melt(id_vars=["arm", "variable", "category", "big_n"], value_vars=list(CONTINUOUS_STATS),
                               var_name="stat_name", value_name="stat_value").assign(
            _v=lambda d: d["variable"].map({v: i for i, v in enumerate(continuous)}), _c=0,
            _s=lambda d: d["stat_name"].map({s: i for i, s in enumerate(CONTINUOUS_STATS)})))
    if len(categorical):
        cat = _categorical_rows(pop, categorical, dict(levels_order or {}))
        cat["_c"] = cat.groupby("variable", sort=False).cumcount() // len(_arm_levels(pop["arm"]))
        parts.append(cat.melt(id_vars=["arm", "variable", "category", "big_n", "_c"], value_vars=["n", "pct"],
                              var_name="stat_name", value_name="stat_value").assign(
            _v=lambda d: d["variable"].map({v: i + len(continuous) for i, v in enumerate(categorical)}),
            _s=lambda d: (d["stat_name"] == "pct").astype(int)))
    out = pd.concat(parts, ignore_index=True)
    out["_a"] = out["arm"].map({a: i for i, a in enumerate(_arm_levels(pop["arm"]))})
    out = out.sort_values(["_v", "_c", "_s", "_a"], kind="stable")
    out["stat_value"] = out["stat_value"].astype(float)
    return out[["arm", "variable", "category", "stat_name", "stat_value", "big_n"]].reset_index(drop=True)


def derive_vars_baseline_params(adsl: pd.DataFrame, bds: pd.DataFrame, *, params=("ESSDAI", "ESSPRI", "PGA"),
                                suffix: str = "BL") -> pd.DataFrame:
    """Add the baseline value (``ABLFL == "Y"``) of each BDS parameter to ADSL as ``<PARAMCD><suffix>``.

    Subjects without a baseline record get NaN. Two baseline records of a subject and parameter raise
    ``ValueError`` naming them.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"]})
    >>> adeff = pd.DataFrame({"USUBJID": ["1", "1", "2"], "PARAMCD": "ESSDAI", "ABLFL": ["Y", "", ""],
    ...                       "AVAL": [10.0, 3.0, 7.0]})
    >>> derive_vars_baseline_params(adsl, adeff, params=["ESSDAI"])["ESSDAIBL"].tolist()
    [10.0, nan]
    """
    _require_columns(bds, ["USUBJID", "PARAMCD", "ABLFL", "AVAL"], "BDS")
    base = bds.loc[(bds["ABLFL"] == "Y") & bds["PARAMCD"].isin(list(params)), ["USUBJID", "PARAMCD", "AVAL"]]
    dup = base.duplicated(["USUBJID", "PARAMCD"])
    if dup.any():
        row = base[dup].iloc[0]
        raise ValueError(f"BDS: subject {row['USUBJID']!r} has several baseline records of {row['PARAMCD']}")
    wide = base.pivot(index="USUBJID", columns="PARAMCD", values="AVAL").reindex(columns=list(params))
    wide.columns = [f"{p}{suffix}" for p in params]
    return adsl.merge(wide.reset_index(), on="USUBJID", how="left")


def list_discontinuations(adsl: pd.DataFrame) -> pd.DataFrame:
    """List the subjects who discontinued the study or died, with the study day of the end of study.

    Returns
    -------
    DataFrame
        The columns of ``DISCONTINUATION_COLUMNS`` that ADSL has (``EOSDY`` computed from ``EOSDT`` and
        ``TRTSDT``), sorted by ``USUBJID``; after ``TRT01A``, the first treatment, ``TRT02A`` (blank but for them)
        when a patient listed switched treatment (``SWITCHFL``): such a patient left while taking it, which the first
        treatment alone hid.

    >>> adsl = pd.DataFrame({"USUBJID": ["a", "b"], "EOSSTT": "DISCONTINUED", "TRT01A": "HCQ",
    ...                      "TRT02A": ["Bari + HCQ", "HCQ"], "SWITCHFL": ["Y", "N"]})
    >>> list_discontinuations(adsl).values.tolist()
    [['a', 'HCQ', 'Bari + HCQ', 'DISCONTINUED'], ['b', 'HCQ', '', 'DISCONTINUED']]
    """
    _require_columns(adsl, ["USUBJID", "EOSSTT"], "ADSL")
    died = adsl["DTHFL"] == "Y" if "DTHFL" in adsl.columns else pd.Series(False, index=adsl.index)
    out = adsl[(adsl["EOSSTT"] == STATUS_DISCONTINUED) | died].copy()
    if {"EOSDT", "TRTSDT"} <= set(out.columns):
        out["EOSDY"] = compute_study_day(out["EOSDT"], out["TRTSDT"]).astype("Int64")  # a whole day, in the CSV too
    columns = [c for c in DISCONTINUATION_COLUMNS if c in out.columns]
    if {"SWITCHFL", "TRT02A"} <= set(out.columns) and out["SWITCHFL"].eq("Y").any():
        out["TRT02A"] = out["TRT02A"].where(out["SWITCHFL"].eq("Y"), "")
        columns.insert(columns.index("TRT01A") + 1 if "TRT01A" in columns else 1, "TRT02A")
    return out[columns].sort_values("USUBJID", kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Data cut: interim or final


def data_cut_date(adsl: pd.DataFrame) -> str:
    """Return the data cut of ADSL (``DCUTDT``) as ``YYYY-MM-DD``, ``""`` when ADSL has none.

    >>> data_cut_date(pd.DataFrame({"DCUTDT": pd.to_datetime(["2021-12-20", "2021-12-20"])}))
    '2021-12-20'
    """
    if "DCUTDT" not in adsl.columns or adsl["DCUTDT"].isna().all():
        return ""
    return pd.Timestamp(adsl["DCUTDT"].dropna().iloc[0]).strftime("%Y-%m-%d")


def due_flags(adsl: pd.DataFrame) -> dict:
    """The visits whose due-at-cut flag ADSL has (``cleaning.due_flag``: ``DUE12FL``, ``DUE4FL``, ...), ``{"Week 4":
    "DUE4FL", ...}`` in week order.

    >>> due_flags(pd.DataFrame(columns=["USUBJID", "DUE24FL", "DUE4FL", "DUE12FL"]))
    {'Week 4': 'DUE4FL', 'Week 12': 'DUE12FL', 'Week 24': 'DUE24FL'}
    """
    weeks = sorted((float(m[1]), c) for c in adsl.columns if (m := re.fullmatch(r"DUE(\d+(?:\.\d+)?)FL", str(c))))
    return {f"Week {week:g}": flag for week, flag in weeks}


def is_final_cut(adsl: pd.DataFrame) -> bool:
    """Say whether the data cut is final: no subject ongoing and every scheduled visit due for every subject.

    Interim otherwise (a DSMB or mid-study look). Visits due per every due flag of ADSL (``due_flags``: ``DUE12FL``,
    ``DUE4FL``, ...; ``cleaning.VISIT_DUE_RULE``); an ADSL without them is judged on the ongoing subjects alone. A cut
    within ``cleaning.TRTEM_WINDOW_DAYS`` of a patient's last dose is final all the same once no patient is on study:
    adverse events are collected until the end of study (the week-24 visit; the protocol has no visit after the
    treatment), so no event of the window can still arrive (docs/decisions.md, "Interim or final").

    Examples
    --------
    >>> adsl = pd.DataFrame({"EOSSTT": ["COMPLETED", "DISCONTINUED"], "DUE12FL": "Y", "DUE24FL": "Y"})
    >>> is_final_cut(adsl), is_final_cut(adsl.assign(EOSSTT=["COMPLETED", "ONGOING"]))
    (True, False)
    """
    _require_columns(adsl, ["EOSSTT"], "ADSL")
    flags = list(due_flags(adsl).values())
    return bool(len(adsl)) and not (adsl["EOSSTT"] == STATUS_ONGOING).any() and bool((adsl[flags] == "Y").all().all())


def summarize_data_cut(adsl: pd.DataFrame) -> pd.DataFrame:
    """Count the enrolled subjects by status at the data cut, and the subjects due at each visit.

    Returns
    -------
    DataFrame
        ``avisit, stat_name, stat_value``: at avisit ``""`` n_enrolled, n_completed, n_discontinued,
        n_ongoing (completed + discontinued + ongoing = enrolled, ``EOSSTT``), with ``TRTSDT`` n_awaiting_dose (the
        ongoing not yet dosed, for whom no visit is due yet), and interim (1 = interim, 0 = final,
        ``is_final_cut``); at each post-baseline visit with a due flag, n_due and n_not_due.

    Examples
    --------
    >>> adsl = pd.DataFrame({"EOSSTT": ["COMPLETED", "DISCONTINUED", "ONGOING"], "DUE12FL": "Y",
    ...                      "DUE24FL": ["Y", "Y", "N"]})
    >>> summarize_data_cut(adsl).query("avisit != 'Week 12'")["stat_value"].tolist()
    [3.0, 1.0, 1.0, 1.0, 1.0, 2.0, 1.0]
    """
    _require_columns(adsl, ["EOSSTT"], "ADSL")
    status = adsl["EOSSTT"]
    counts = [("", "n_enrolled", len(adsl)), ("", "n_completed", (status == STATUS_COMPLETED).sum()),
              ("", "n_discontinued", (status == STATUS_DISCONTINUED).sum()),
              ("", "n_ongoing", (status == STATUS_ONGOING).sum()),
              *([("", "n_awaiting_dose", ((status == STATUS_ONGOING) & adsl["TRTSDT"].isna()).sum())]
                if "TRTSDT" in adsl else []),
              ("", "interim", float(not is_final_cut(adsl)))]
    unknown = ~status.isin([STATUS_COMPLETED, STATUS_DISCONTINUED, STATUS_ONGOING])
    if unknown.any():
        raise ValueError(f"ADSL: EOSSTT {status[unknown].iloc[0]!r} is not COMPLETED, DISCONTINUED or ONGOING")
    for avisit, flag in due_flags(adsl).items():
        due = int((adsl[flag] == "Y").sum())
        counts += [(avisit, "n_due", due), (avisit, "n_not_due", len(adsl) - due)]
    out = pd.DataFrame(counts, columns=["avisit", "stat_name", "stat_value"])
    out["stat_value"] = out["stat_value"].astype(float)
    return out


def data_cut_to_ard(result: pd.DataFrame, *, data_cutoff: str = "", analysis_id: str = "DISP-DATACUT"
                    ) -> pd.DataFrame:
    """ARD rows of ``summarize_data_cut``: ``category`` is ``"interim"`` or ``"final"`` on every row and the
    label says ``"Data cut <date>: interim"`` (or final), for the title page.

    >>> adsl = pd.DataFrame({"EOSSTT": ["COMPLETED"], "DUE12FL": "Y", "DUE24FL": "Y"})
    >>> rows = data_cut_to_ard(summarize_data_cut(adsl), data_cutoff="2022-01-31")
    >>> rows[["category", "stat_name", "stat_value"]].values.tolist()[:2], rows["label"].iloc[0]
    ([['final', 'n_enrolled', 1.0], ['final', 'n_completed', 1.0]], 'Data cut 2022-01-31: final')
    """
    interim = result.loc[(result["avisit"] == "") & (result["stat_name"] == "interim"), "stat_value"]
    status = "interim" if float(interim.iloc[0]) else "final"
    return ard.make_ard(result.assign(category=status), analysis_id=analysis_id, population="Enrolled subjects (ADSL)",
                        method="Status at the data cut (EOSSTT); visit due: attended, left the study, or window "
                               "closed before the cut",
                        label=f"Data cut {data_cutoff}: {status}" if data_cutoff else f"Data cut: {status}")


def describe_data_cut(result: pd.DataFrame, *, data_cutoff: str = "") -> str:
    """Say in one sentence whether the cut is interim or final and how many patients were ongoing.

    >>> adsl = pd.DataFrame({"EOSSTT": ["COMPLETED", "ONGOING"], "DUE12FL": "Y", "DUE24FL": ["Y", "N"]})
    >>> describe_data_cut(summarize_data_cut(adsl), data_cutoff="2021-12-20")
    'Interim data cut (2021-12-20): of 2 enrolled patients, 1 completed, 0 discontinued and 1 ongoing; Week 24 not yet due for 1.'
    >>> describe_data_cut(summarize_data_cut(adsl.assign(TRTSDT=pd.to_datetime(["2021-01-04", None])))).split(", ")[-1]
    '0 discontinued and 1 ongoing (1 of them awaiting the first dose); Week 24 not yet due for 1.'
    """
    s = result.set_index(["avisit", "stat_name"])["stat_value"]
    n = {k: tables.format_number(s[("", k)], 0) for k in ("n_enrolled", "n_completed", "n_discontinued", "n_ongoing")}
    not_due = [f"{v} not yet due for {tables.format_number(s[(v, 'n_not_due')], 0)}"
               for v in dict.fromkeys(result.loc[result["avisit"] != "", "avisit"]) if s[(v, "n_not_due")] > 0]
    kind = "Interim" if s[("", "interim")] else "Final"
    when = f" ({data_cutoff})" if data_cutoff else ""
    awaiting = s.get(("", "n_awaiting_dose"), 0)
    return (f"{kind} data cut{when}: of {n['n_enrolled']} enrolled patients, {n['n_completed']} completed, "
            f"{n['n_discontinued']} discontinued and {n['n_ongoing']} ongoing"
            + (f" ({awaiting:.0f} of them awaiting the first dose)" if awaiting else "")
            + (f"; {'; '.join(not_due)}." if not_due else "."))


# ---------------------------------------------------------------------------------------------
# Visit windows: protocol deviations

#: Visit-window rule of the analysis: every assessment is analysed at its nominal (CRF) visit whatever its
#: study day; it is neither re-assigned to another visit nor excluded. A visit outside its protocol window
#: (``validation.VISIT_WINDOWS``: target study day +/- half-width, week 12 day 71-99 and week 24 day 155-183;
#: baseline ``validation.BASELINE_WINDOW``, day -28 to 1) is a protocol deviation: listed by
#: ``list_visit_deviations``, counted in the ARD (``DEV-VISIT-WINDOW``) and raised as a data query by validation.
#: Decision in docs/decisions.md, "Visit windows" (ICH E9 §5.2.1 and E3 §10.2: deviations are listed and
#: their effect on the analysis stated).
VISIT_WINDOW_RULE = ("Each assessment is analysed at its nominal visit whatever its study day; a visit outside "
                     "its protocol window (the first to the last study day the schedule allows, as the Window column "
                     "gives it) is a protocol deviation, listed, not re-assigned or excluded.")
#: Columns of the visit-window deviation listing.
VISIT_DEVIATION_COLUMNS = ("USUBJID", "AVISIT", "ADT", "ADY", "WINDOW", "DAYSOUT")


def _visit_windows(bds: pd.DataFrame | None = None) -> dict:
    """AVISIT -> (first, last) study day of its window: the BDS's own ``AWLO``/``AWHI`` (the export's
    schedule) when it has them, else the pilot's windows."""
    if bds is not None and {"AWLO", "AWHI", "AVISITN"} <= set(bds.columns):
        rows = bds.dropna(subset=["AWLO", "AWHI"]).drop_duplicates("AVISIT").sort_values("AVISITN", kind="stable")
        return {v: (int(lo), int(hi)) for v, lo, hi in zip(rows["AVISIT"], rows["AWLO"], rows["AWHI"])}
    windows = {VISITS[code][0]: (t - w, t + w) for code, (t, w) in validation.VISIT_WINDOWS.items()}
    return {VISITS["BL"][0]: tuple(validation.BASELINE_WINDOW), **windows}


def list_visit_deviations(bds: pd.DataFrame) -> pd.DataFrame:
    """List the visits outside their protocol window (``VISIT_WINDOW_RULE``), one row per subject and visit.

    Parameters
    ----------
    bds : DataFrame
        A BDS with visit dates and study days (``adqs`` or ``adeff``: ``USUBJID, AVISIT, ADT, ADY``); each
        subject x visit is taken once.

    Returns
    -------
    DataFrame
        ``VISIT_DEVIATION_COLUMNS``: the window as ``"day 71 to 99"`` and ``DAYSOUT``, the days outside it
        (positive: after its last day; negative: before its first day), sorted by subject and visit; with the arm
        randomised, ``TRTP``, after ``USUBJID`` when the records hold more than one (a randomised trial).

    Examples
    --------
    >>> bds = pd.DataFrame({"USUBJID": ["a", "a", "b"], "AVISIT": ["Week 12", "Week 12", "Week 12"],
    ...                     "ADT": pd.to_datetime(["2021-11-03"] * 2 + ["2021-10-01"]), "ADY": [101, 101, 85]})
    >>> list_visit_deviations(bds)[["USUBJID", "AVISIT", "ADY", "WINDOW", "DAYSOUT"]].values.tolist()
    [['a', 'Week 12', 101, 'day 71 to 99', 2]]
    >>> format_visit_deviations(list_visit_deviations(bds.assign(TRTP=["B", "B", "A"]))).columns.tolist()[:3]
    ['Patient', 'Arm', 'Visit']
    """
    _require_columns(bds, ["USUBJID", "AVISIT", "ADT", "ADY"], "BDS")
    windows = _visit_windows(bds)
    visits = bds[bds["AVISIT"].isin(list(windows))].drop_duplicates(["USUBJID", "AVISIT"])
    visits = visits[visits["ADY"].notna()]
    lo = visits["AVISIT"].map({v: w[0] for v, w in windows.items()}).astype("int64")
    hi = visits["AVISIT"].map({v: w[1] for v, w in windows.items()}).astype("int64")
    day = visits["ADY"].astype("int64")
    out = visits.assign(ADY=day, WINDOW="day " + lo.astype(str) + " to " + hi.astype(str),
                        DAYSOUT=(day - hi).where(day > hi, (day - lo).where(day < lo, 0)).astype("int64"))
    out = out[out["DAYSOUT"] != 0]
    order = {v: i for i, v in enumerate(windows)}
    out = out.assign(_v=out["AVISIT"].map(order)).sort_values(["USUBJID", "_v"], kind="stable")
    arm = ["TRTP"] if "TRTP" in bds.columns and bds["TRTP"].nunique() > 1 else []
    return out[[VISIT_DEVIATION_COLUMNS[0], *arm, *VISIT_DEVIATION_COLUMNS[1:]]].reset_index(drop=True)


def summarize_visit_deviations(bds: pd.DataFrame) -> pd.DataFrame:
    """Count, per visit, the visits attended (with a study day) and those outside their window.

    Returns
    -------
    DataFrame
        ``avisit, stat_name, stat_value``: n_visits, n_out_of_window, n_early, n_late per visit, every visit
        of the windows listed (zeros included).

    Examples
    --------
    >>> bds = pd.DataFrame({"USUBJID": ["a", "b"], "AVISIT": "Week 12", "ADT": pd.to_datetime(["2021-11-03"] * 2),
    ...                     "ADY": [101, 85]})
    >>> summarize_visit_deviations(bds).query("avisit == 'Week 12'")["stat_value"].tolist()
    [2.0, 1.0, 0.0, 1.0]
    """
    windows = _visit_windows(bds)
    attended = bds[bds["AVISIT"].isin(list(windows)) & bds["ADY"].notna()].drop_duplicates(["USUBJID", "AVISIT"])
    dev = list_visit_deviations(bds)
    rows = []
    for avisit in windows:
        d = dev[dev["AVISIT"] == avisit]
        rows += [(avisit, "n_visits", (attended["AVISIT"] == avisit).sum()), (avisit, "n_out_of_window", len(d)),
                 (avisit, "n_early", (d["DAYSOUT"] < 0).sum()), (avisit, "n_late", (d["DAYSOUT"] > 0).sum())]
    out = pd.DataFrame(rows, columns=["avisit", "stat_name", "stat_value"])
    out["stat_value"] = out["stat_value"].astype(float)
    return out


def visit_deviations_to_ard(result: pd.DataFrame, *, analysis_id: str = "DEV-VISIT-WINDOW") -> pd.DataFrame:
    """ARD rows of ``summarize_visit_deviations`` (one row per visit and statistic)."""
    return ard.make_ard(result, analysis_id=analysis_id, population="Enrolled subjects with a dated visit",
                        method=VISIT_WINDOW_RULE, label="Visits outside the protocol window (protocol deviations)")


def format_visit_deviations(listing: pd.DataFrame) -> pd.DataFrame:
    """Display frame of ``list_visit_deviations``: patient (site and patient number), arm (a randomised trial's),
    visit, date, study day, window, days outside."""
    arm = {"Arm": listing["TRTP"].to_numpy()} if "TRTP" in listing.columns else {}
    return pd.DataFrame({
        "Patient": listing["USUBJID"].map(patient_label).to_numpy(), **arm, "Visit": listing["AVISIT"].to_numpy(),
        "Date": pd.to_datetime(listing["ADT"]).dt.strftime("%Y-%m-%d").to_numpy(),
        "Study day": [str(int(d)) for d in listing["ADY"]], "Window": listing["WINDOW"].to_numpy(),
        "Days outside": [f"{int(d):+d} ({'late' if d > 0 else 'early'})" for d in listing["DAYSOUT"]],
    })


# ---------------------------------------------------------------------------------------------
# ARD rows


def disposition_to_ard(result: pd.DataFrame, *, analysis_id: str) -> pd.DataFrame:
    """ARD rows of ``summarize_disposition``: group = arm, variable = stage, category = reason.

    >>> adsl = pd.DataFrame({"USUBJID": ["1"], "TRT01P": "Bari", "EOSSTT": "COMPLETED", "DCSREAS": ""})
    >>> rows = disposition_to_ard(summarize_disposition(adsl, stages={"Enrolled": None}), analysis_id="DSP-1")
    >>> rows[["variable", "stat_name", "stat_value"]].values.tolist()[:2]
    [['Enrolled', 'n_subjects', 1.0], ['Enrolled', 'big_n', 1.0]]
    """
    return to_ard(result, analysis_id=analysis_id, columns={"group": "arm", "variable": "category",
                                                             "category": "reason"},
                  stats=("n_subjects", "big_n", "pct"), population="Enrolled subjects (ADSL)",
                  method="Patients counted once at each stage, by the arm randomised (the pilot: its one treatment); "
                         "reasons as recorded (DCSREAS)", label="Disposition of patients")


#: Method of ``summarize_table1`` / ``summarize_exposure`` in the ARD.
TABLE1_METHOD = (f"Continuous: {summaries.SUMMARY_METHOD}, missing; categorical: n (%) of the arm's N, missing as a "
                 "category")


def table1_to_ard(result: pd.DataFrame, *, analysis_id: str, population: str = FIRST_TREATMENT_POPULATION,
                  method: str = TABLE1_METHOD) -> pd.DataFrame:
    """ARD rows of ``summarize_table1`` / ``summarize_exposure``, plus one ``big_n`` row per arm.

    >>> adsl = pd.DataFrame({"USUBJID": ["1"], "SAFFL": "Y", "TRT01A": "Bari", "AGE": [40.0]})
    >>> rows = table1_to_ard(summarize_table1(adsl, continuous=["AGE"]), analysis_id="DEM-1")
    >>> rows[["variable", "stat_name", "stat_value"]].values.tolist()[:2]
    [['', 'big_n', 1.0], ['AGE', 'n', 1.0]]
    """
    big_n = result.drop_duplicates("arm")[["arm", "big_n"]].rename(columns={"big_n": "stat_value"})
    rows = pd.concat([big_n.assign(stat_name="big_n"), result.drop(columns="big_n")], ignore_index=True)
    return ard.make_ard(rows.rename(columns={"arm": "group"}), analysis_id=analysis_id, population=population,
                        method=method)


# ---------------------------------------------------------------------------------------------
# display frames


def format_disposition(result: pd.DataFrame) -> pd.DataFrame:
    """Display frame of ``summarize_disposition``: one ``n (%)`` column per arm, ``"Arm (N = n)"``;
    reasons indented under their stage, in sentence case (``"ADVERSE EVENT"`` -> ``"Adverse event"``).

    >>> res = pd.DataFrame({"arm": "Bari", "category": ["Treated", "Discontinued"], "reason": ["", "ADVERSE EVENT"],
    ...                     "n_subjects": [11, 1], "big_n": 11, "pct": 0.0})
    >>> out = format_disposition(res)
    >>> out.columns.tolist(), out.values.tolist()
    (['Status', 'Bari (N = 11)'], [['Treated', '11 (100.0)'], ['    Adverse event', '1 (9.1)']])
    """
    label = result["category"].where(result["reason"] == "", "    " + result["reason"].map(sentence_case))
    cells = [tables.format_n_pct(n, big) for n, big in zip(result["n_subjects"], result["big_n"])]
    frame = pd.DataFrame({"Status": label.to_numpy(), "_cell": cells,
                          "_col": [f"{a} (N = {int(n)})" for a, n in zip(result["arm"], result["big_n"])]})
    frame["_row"] = np.arange(len(frame)) // result["arm"].nunique()
    wide = frame.pivot(index="_row", columns="_col", values="_cell")[list(dict.fromkeys(frame["_col"]))]
    return frame.drop_duplicates("_row").set_index("_row")[["Status"]].join(wide).reset_index(drop=True)


def _continuous_cells(stats: pd.DataFrame, decimals: int, extremes: int) -> list[tuple[str, str]]:
    s = stats.set_index("stat_name")["stat_value"]
    return [("n", tables.format_number(s["n"], 0)),
            ("Mean (SD)", tables.format_mean_sd(s["mean"], s["sd"], decimals)),
            ("Median [Q1, Q3]", tables.format_median_q1q3(s["median"], s["q1"], s["q3"], decimals)),
            ("Min - Max", tables.format_min_max(s["min"], s["max"], extremes)),
            ("Missing", tables.format_number(s["missing"], 0)),
            *([("Patient-years on treatment", tables.format_number(s["pyears"], 2))] if "pyears" in s else [])]


def format_table1(result: pd.DataFrame, *, labels=None, decimals=None) -> pd.DataFrame:
    """Display frame of ``summarize_table1`` (or of ``summarize_exposure`` melted the same way).

    Parameters
    ----------
    result : DataFrame
    labels : mapping, optional
        Column -> display label (e.g. ``{"AGE": "Age (years)"}``); the column name otherwise.
    decimals : mapping, optional
        Column -> decimals of mean, median and quartiles (SD gets one more); 1 by default. Min and max take as many
        as the data need, at most these (``tables.extreme_decimals``, over every arm).

    Returns
    -------
    DataFrame
        ``Characteristic, Statistic`` and one column per arm ``"Arm (N = n)"``; rows in the result's order.
        Coded levels in words (``vocabulary.decode``: ``F`` -> ``Female``, ``Y`` -> ``Yes``).

    Examples
    --------
    >>> res = pd.DataFrame({"variable": "SEX", "category": ["F", "M"], "arm": "Bari", "big_n": 11,
    ...                     "stat_name": "n", "stat_value": [10.0, 1.0]})
    >>> format_table1(res, labels={"SEX": "Sex"}).values.tolist()
    [['Sex', 'Female', '10 (90.9)'], ['', 'Male', '1 (9.1)']]
    """
    labels, decimals = dict(labels or {}), dict(decimals or {})
    ends = result[result["stat_name"].isin(["min", "max"])].groupby("variable", sort=False)["stat_value"]
    extremes = {var: tables.extreme_decimals(values, decimals.get(var, 1)) for var, values in ends}
    records = []
    for (var, cat, arm), part in result.groupby(["variable", "category", "arm"], sort=False):
        header = f"{arm} (N = {int(part['big_n'].iloc[0])})"
        if (part["stat_name"] == "mean").any():
            cells = _continuous_cells(part, decimals.get(var, 1), extremes[var])
        else:
            s = part.set_index("stat_name")["stat_value"]
            cells = [(decode(cat), tables.format_n_pct(s["n"], part["big_n"].iloc[0]))]
        records += [(labels.get(var, var), stat, header, cell) for stat, cell in cells]
    frame = pd.DataFrame(records, columns=["Characteristic", "Statistic", "_col", "_cell"])
    frame["_row"] = frame.groupby(["Characteristic", "Statistic"], sort=False).ngroup()
    wide = frame.pivot(index="_row", columns="_col", values="_cell")[list(dict.fromkeys(frame["_col"]))]
    out = frame.drop_duplicates("_row").set_index("_row")[["Characteristic", "Statistic"]].join(wide)
    out["Characteristic"] = out["Characteristic"].where(~out["Characteristic"].duplicated(), "")
    return out.reset_index(drop=True)
