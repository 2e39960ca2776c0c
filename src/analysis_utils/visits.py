"""The analysis visits of a trial, taken from its data, and the visits due at the data cut.

Visits are the scheduled visits of the analysis data (``AVISIT`` with a planned week ``AVISITN``; the
schedule form of the export defines them, ``cleaning.visit_order``), ordered by planned week, never a
fixed tuple: the pilot's baseline, week 12 and week 24, or a randomised trial's weeks 0 to 24 every 4
weeks. An analysis visit's code in analysis identifiers is ``W`` and its week (``visit_code``).

Due at the data cut (``cleaning.VISIT_DUE_RULE``): ADSL carries a flag for every post-baseline visit of the
schedule (``cleaning.due_flag``: ``DUE12FL``, ``DUE24FL``, and a randomised trial's ``DUE4FL``, ...). In an
ADSL from elsewhere that flags only some visits, a visit without a flag of its own is due for a patient when
the next flagged visit after it is due (a later visit due means an earlier one is due: the patient left the
study, or an earlier window closed first); a visit after every flagged one is due when the patient left the
study (``EOSSTT`` COMPLETED or DISCONTINUED). Without any flag in ADSL every visit is due.
"""

import pandas as pd

from analysis_utils.cleaning import DUE_FLAGS, due_flag
from analysis_utils.vocabulary import AVISITN, VISITS

#: Status (ADSL ``EOSSTT``) of a patient who left the study: every later visit is missing for good, hence due.
LEFT_STUDY = ("COMPLETED", "DISCONTINUED")


#: ADSL flag saying that a visit was due at the data cut (``cleaning.DUE_FLAGS``), by AVISIT label.
VISIT_DUE_FLAG = {VISITS[code][0]: flag for code, flag in DUE_FLAGS.items()}


def visit_weeks(data: pd.DataFrame, *, default=()) -> dict:
    """Return the scheduled visits of ``data`` with their planned weeks, ``{AVISIT: AVISITN}`` by week.

    The visits are ``cleaning.visit_order(data, default=default)``: every ``AVISIT`` of ``data`` with an
    ``AVISITN`` (unscheduled records have none) and the visits of ``default`` (weeks from
    ``vocabulary.AVISITN``), ordered by week. A whole week is an ``int``.

    Examples
    --------
    >>> d = pd.DataFrame({"AVISIT": ["Week 8", "Baseline", "Week 4", "Unscheduled"], "AVISITN": [8, 0, 4, None]})
    >>> visit_weeks(d)
    {'Baseline': 0, 'Week 4': 4, 'Week 8': 8}
    >>> visit_weeks(d.iloc[:0], default=("Week 24", "Week 12"))
    {'Week 12': 12, 'Week 24': 24}

    A visit with two planned weeks is an error, not pooled:

    >>> visit_weeks(pd.DataFrame({"USUBJID": ["a", "b"], "AVISIT": ["Week 12", "Week 12"], "AVISITN": [12, 24]}))
    Traceback (most recent call last):
    ...
    ValueError: visit 'Week 12' has planned weeks (AVISITN) 12 and 24 (USUBJID 'b'): a scheduled visit has one planned week
    """
    weeks = {v: AVISITN[v] for v in default}
    if {"AVISIT", "AVISITN"} <= set(data.columns):
        pairs = data.loc[data["AVISITN"].notna(), ["AVISIT", "AVISITN"]].drop_duplicates()
        if pairs["AVISIT"].duplicated().any():
            avisit = pairs.loc[pairs["AVISIT"].duplicated(), "AVISIT"].iloc[0]
            clash = data[(data["AVISIT"] == avisit) & data["AVISITN"].notna()].drop_duplicates("AVISITN")
            who = f" (USUBJID {clash['USUBJID'].iloc[-1]!r})" if "USUBJID" in clash else ""
            raise ValueError(f"visit {avisit!r} has planned weeks (AVISITN) {' and '.join(f'{w:g}' for w in clash['AVISITN'])}"
                             f"{who}: a scheduled visit has one planned week")
        weeks.update((v, int(w) if float(w).is_integer() else float(w))
                     for v, w in zip(pairs["AVISIT"], pairs["AVISITN"]))
    # The order of ``cleaning.visit_order``: by planned week, ties in order of first appearance.
    return {v: weeks[v] for v in sorted(weeks, key=weeks.get)}


def post_baseline(weeks: dict) -> dict:
    """The visits of ``weeks`` (``visit_weeks``) after baseline (planned week above 0).

    >>> post_baseline({"Baseline": 0, "Week 4": 4})
    {'Week 4': 4}
    """
    return {v: w for v, w in weeks.items() if w > 0}


def visit_code(week) -> str:
    """Code of a visit in analysis identifiers: ``W`` and its planned week (``EFF-ESSDAI-W12-TTEST``).

    >>> visit_code(12), visit_code(4.0)
    ('W12', 'W4')
    """
    return f"W{float(week):g}"


def flagged_visits(adsl: pd.DataFrame) -> tuple:
    """The visits whose due-at-cut flag (``VISIT_DUE_FLAG``) ADSL carries, e.g. ``('Week 12', 'Week 24')``."""
    return tuple(avisit for avisit, flag in VISIT_DUE_FLAG.items() if flag in adsl.columns)


def analysis_weeks(data: pd.DataFrame, adsl: pd.DataFrame | None = None) -> dict:
    """The analysis visits of a trial, ``{AVISIT: AVISITN}`` by week: those of ``data`` and those ADSL flags as due.

    A visit with a due flag is a visit of the schedule even before anyone attended it (an early data cut).

    >>> adsl = pd.DataFrame({"USUBJID": ["a"], "DUE12FL": "N", "DUE24FL": "N"})
    >>> analysis_weeks(pd.DataFrame({"AVISIT": ["Baseline", "Week 4"], "AVISITN": [0, 4]}), adsl)
    {'Baseline': 0, 'Week 4': 4, 'Week 12': 12, 'Week 24': 24}
    """
    return visit_weeks(data, default=flagged_visits(adsl) if adsl is not None else ())


def visits_due(adsl: pd.DataFrame, weeks: dict | None = None) -> pd.DataFrame | None:
    """List the post-baseline visits due at the data cut: one ``USUBJID, AVISIT`` row per due visit.

    A visit with an ADSL flag (``cleaning.due_flag`` of its week: ``DUE12FL``, ``DUE4FL``, ...; rule
    ``cleaning.VISIT_DUE_RULE``) is due where the flag is ``"Y"``. The other post-baseline visits of
    ``weeks`` (``visit_weeks``; default: the flagged visits only) are due where the next flagged visit
    after them is due, and, after every flagged visit, where the patient left the study (``LEFT_STUDY``).
    Rows by visit (in week order), then in ADSL order. ``None`` when ADSL has no such flag (a dataset from
    elsewhere): every visit is then taken as due.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["a", "b"], "DUE12FL": ["Y", "Y"], "DUE24FL": ["Y", "N"],
    ...                      "EOSSTT": ["COMPLETED", "ONGOING"]})
    >>> visits_due(adsl).values.tolist()
    [['a', 'Week 12'], ['b', 'Week 12'], ['a', 'Week 24']]
    >>> weeks = {"Baseline": 0, "Week 8": 8, "Week 12": 12, "Week 16": 16, "Week 24": 24, "Week 28": 28}
    >>> visits_due(adsl, weeks).groupby("AVISIT", sort=False)["USUBJID"].agg("".join).to_dict()
    {'Week 8': 'ab', 'Week 12': 'ab', 'Week 16': 'a', 'Week 24': 'a', 'Week 28': 'a'}
    """
    weeks = {**{v: AVISITN[v] for v in flagged_visits(adsl)}, **(weeks or {})}
    flags = {avisit: due_flag(week) for avisit, week in post_baseline(weeks).items() if due_flag(week) in adsl.columns}
    if not flags:
        return None
    flagged = sorted(flags, key=lambda v: weeks[v])
    left = adsl["EOSSTT"].isin(LEFT_STUDY) if "EOSSTT" in adsl.columns else pd.Series(True, index=adsl.index)
    parts = []
    for avisit, week in sorted(post_baseline(weeks).items(), key=lambda item: item[1]):
        later = [v for v in flagged if weeks[v] >= week]
        due = adsl[flags[later[0]]].eq("Y") if later else left
        parts.append(pd.DataFrame({"USUBJID": adsl.loc[due, "USUBJID"], "AVISIT": avisit}))
    return pd.concat(parts, ignore_index=True)
