"""Key findings and the interpretation of the safety data, written from the ARD alone.

Every number in these sentences and tables is a row of the analysis results dataset (``reports/ard.csv``),
rounded for display by ``tables``; nothing is typed in. A number the ARD does not hold (an interim data cut
before week 12, say) is shown as ``NOT_DUE``.

The page follows the design the ARD shows (``trial_arms``: the arms of the disposition table). One arm
(the pilot): the changes from baseline and the responder rates, with the caveat of an uncontrolled
pilot (``CAVEAT``). Several arms (a randomised trial): the primary result is the between-arm difference
in the ESSDAI MCII rate at week 12 (``EFF-ESSDAI-MCII-DIFF``) with each arm's rate, then the other
differences, and the safety counts per treatment with the total; the caveat is that of a randomised trial of its
blinding (``caveat``).
"""

from types import MappingProxyType

import pandas as pd

from analysis_utils import tables
from analysis_utils.ctcae import LAB_ALERTS_CRITERIA
from analysis_utils.dictionary import OPEN_LABEL
from analysis_utils.disposition import NOT_RANDOMISED_LABEL
from analysis_utils.scoring import ESSDAI_MCII_DECREASE, ESSPRI_MCII_PERCENT, ESSPRI_MCII_POINTS
from analysis_utils.vocabulary import in_sentence

#: Shown where the ARD holds no result yet (a visit not yet due at the data cut).
NOT_DUE = tables.NOT_DUE_TEXT
#: The visit of the primary analysis (protocol: ESSDAI change from baseline to week 12).
PRIMARY_VISIT = "Week 12"
#: The pilot's last visit, of its secondary ESSDAI endpoints (protocol: ESSDAI change and MCII at week 24) and of the
#: published summary (mean ESSDAI 10.0 at baseline and 3.4 at week 24; 8 of 9 patients with the MCII).
FINAL_VISIT = "Week 24"
#: Decimals of a change shown in the key findings (ESSDAI, ESSPRI and PGA, as in the efficacy tables).
CHANGE_DECIMALS = 1
#: The one-sentence caveat of an uncontrolled pilot.
CAVEAT = ("This single-arm, open-label pilot has no control group: a change from baseline cannot be attributed to "
          "baricitinib, and every result is exploratory.")
#: Rows of the adverse-event overview (ARD ``SAF-AET01``, categories of ``safety.AE_OVERVIEW_CATEGORIES``).
AE_ANY, AE_SERIOUS, AE_GRADE3 = "Any TEAE", "Serious TEAE", "TEAE of CTCAE grade >= 3"
AE_WITHDRAWN, AE_FATAL = "TEAE leading to discontinuation of study drug", "TEAE with fatal outcome"
#: Analysis ids of the ARD the findings read.
OVERVIEW_ID, AESI_ID, DISPOSITION_ID, DATACUT_ID = "SAF-AET01", "SAF-AESI-EAIR", "DSP-DISPOSITION", "DISP-DATACUT"
#: The overview of the randomised comparison's period (a trial of several arms: the first 12 weeks, before any switch,
#: by first treatment; ``safety.started_in_controlled_period``).
CONTROLLED_ID = "SAF-AET01-CONTROLLED"
#: Its period in words (``safety.CONTROLLED_PERIOD_DAYS``: 84 days from the first dose).
CONTROLLED_WEEKS = "12 weeks (study days 1 to 84)"
#: The laboratory alerts' rows (``safety.LAB_ALERTS_ID``; named here: findings imports no analysis module).
LAB_ALERTS_ID = "SAF-LB-ALERTS"
VISITS_DUE_ID = "EFF-VISITS-DUE"
#: ARD of the TEAEs not yet coded or assessed (an interim export; ``safety.summarize_not_assessed``) and the
#: categories that bound a sentence of the findings (keys of ``safety.NOT_ASSESSED``): an event without a grade
#: may be of grade 3 or more, one without the action taken may have stopped the drug, one without an outcome may be
#: fatal.
PENDING_ID = "SAF-AE-PENDING"
NO_GRADE, NO_ACTION, NO_OUTCOME = ("without a CTCAE grade yet", "without the action taken with the study drug yet",
                                   "without an outcome yet")
#: ``group`` of the rows over every patient of a trial of several arms (``safety.TOTAL``, ``arms.TOTAL``).
TOTAL = "Total"
#: ARD section of the between-arm analyses (``arms.SECTION``) and the ending of a difference's analysis id.
ARMS_SECTION, DIFF_SUFFIX = "efficacy-arms", "-DIFF"
#: The ending of the analysis id of a between-arm analysis the data cannot estimate yet (``arms.NOT_ESTIMABLE``).
NOT_ESTIMABLE = "-NOT-ESTIMABLE"
#: The MCII response rules in words, from their constants (``scoring``; Seror R et al. Ann Rheum Dis 2016;75:382-9).
ESSDAI_MCII_WORDS = f"ESSDAI MCII (decrease of {ESSDAI_MCII_DECREASE} points or more)"
ESSPRI_MCII_WORDS = f"ESSPRI MCII (decrease of {ESSPRI_MCII_POINTS} point or {ESSPRI_MCII_PERCENT}% or more)"
#: Between-arm key findings of a randomised trial, in order: (finding, analysis id, kind). Kind ``rate``: a
#: difference of proportions, shown in percentage points; ``change``: a difference in mean change.
ARM_FINDINGS = (
    (ESSDAI_MCII_WORDS + " at {visit} (primary endpoint)", "EFF-ESSDAI-MCII", "rate"),
    ("ESSDAI change from baseline to {visit}, ANCOVA", "EFF-ESSDAI-CHG", "change"),
    (ESSPRI_MCII_WORDS + " at {visit}", "EFF-ESSPRI-MCII", "rate"),
    ("ESSPRI change from baseline to {visit}, ANCOVA", "EFF-ESSPRI-CHG", "change"),
    ("PGA change from baseline to {visit}, ANCOVA", "EFF-PGA-CHG", "change"),
)
#: The caveat of a randomised trial by its blinding (study form ``TBLIND``; blank: open label, as the protocol of the
#: randomised trial, Trials 2023, doi 10.1186/s13063-023-07087-5, and the pilot): ``{n}`` patients, ``{arms}`` named.
CAVEAT_RANDOMISED = MappingProxyType({
    "OPEN LABEL": "This open-label trial randomised {n} patients to {arms}: the difference between the arms is the "
                  "randomised comparison, but patients and investigators knew the treatment, which can bias the "
                  "patient-reported and physician-rated outcomes; every result other than the primary endpoint is "
                  "exploratory.",
    "SINGLE BLIND": "This single-blind trial randomised {n} patients to {arms}: the difference between the arms is the "
                    "randomised comparison, but those not blinded (the patients or the investigators) knew the "
                    "treatment, which can bias the outcomes they report or rate; every result other than the primary "
                    "endpoint is exploratory.",
    "DOUBLE BLIND": "This double-blind trial randomised {n} patients to {arms}: the difference between the arms is the "
                    "randomised comparison; every result other than the primary endpoint is exploratory.",
})
#: Added to ``CAVEAT_RANDOMISED`` for more than two arms: ``{k}`` comparisons with the reference arm.
CAVEAT_SEVERAL_ARMS = (" The primary endpoint is compared for each of the {k} other arms with the reference arm, each "
                       "at two-sided 5 %, without adjustment for the several comparisons.")
#: Added to ``CAVEAT_RANDOMISED`` when the between-arm rows name the treatment-policy estimand (a switch).
CAVEAT_SWITCH = (" Patients who switched treatment at {visit} stay in the arm randomised: later comparisons are by "
                 "that arm (treatment policy), not of the treatments alone.")


def stat(ard: pd.DataFrame | None, analysis_id: str, stat_name: str, **where) -> float | None:
    """The ``stat_value`` of the one ARD row of ``analysis_id`` and ``stat_name`` matching ``where``
    (column -> value); ``None`` when there is no such row or its value is missing.

    >>> ard = pd.DataFrame({"analysis_id": ["A"], "avisit": ["Week 12"], "stat_name": ["n"], "stat_value": [3.0]})
    >>> stat(ard, "A", "n", avisit="Week 12"), stat(ard, "A", "n", avisit="Week 24")
    (3.0, None)
    """
    if ard is None:
        return None
    mask = (ard["analysis_id"] == analysis_id) & (ard["stat_name"] == stat_name)
    for column, value in where.items():
        mask &= ard[column] == value
    if "group" in ard and "group" not in where and (mask & (ard["group"] == TOTAL)).any():
        mask &= ard["group"] == TOTAL  # a trial of several arms: the key findings give all patients
    values = ard.loc[mask, "stat_value"].dropna()
    if len(values) > 1:
        raise ValueError(f"ARD: {len(values)} rows of {analysis_id} {stat_name} {where}; expected one")
    return float(values.iloc[0]) if len(values) else None


def _visit_code(avisit: str) -> str:
    return "W" + avisit.split()[-1]


def _p(value: float | None) -> str:
    """``p = 0.032`` or ``p < 0.001`` inside a sentence."""
    shown = tables.format_pvalue(value)
    return f"p < {shown[1:]}" if shown.startswith("<") else f"p = {shown}"


def trial_arms(ard: pd.DataFrame | None) -> list[str]:
    """The arms of the trial, in the ARD's order: the groups of the disposition table (``DSP-DISPOSITION``,
    every enrolled patient by the arm planned) other than ``TOTAL`` and the patients not randomised
    (``disposition.NOT_RANDOMISED_LABEL``); one arm for the single-arm pilot.

    >>> ard = pd.DataFrame({"analysis_id": "DSP-DISPOSITION", "group": ["B", "A", "Not randomised", "Total"]})
    >>> trial_arms(ard), trial_arms(ard.assign(group="Bari")), trial_arms(None)
    (['B', 'A'], ['Bari'], [])
    """
    if ard is None or "group" not in ard:
        return []
    groups = ard.loc[ard["analysis_id"] == DISPOSITION_ID, "group"]
    return [g for g in dict.fromkeys(groups) if g not in (TOTAL, NOT_RANDOMISED_LABEL)]


def _no_result(ard: pd.DataFrame | None, avisit: str) -> str:
    """Why a key finding at ``avisit`` has no result, in the words of the efficacy section
    (``efficacy_tables.describe_no_data``): ``NOT_DUE`` when the visit was due for no patient (ARD ``EFF-VISITS-DUE``),
    else no data, with the patients it was due for (a cut of the pilot when only 007, who had left, was due at week
    24, said "not yet due" above a section that said "due for 1 of 11").

    >>> ard = pd.DataFrame({"analysis_id": "EFF-VISITS-DUE", "avisit": "Week 24", "stat_name": ["n_fas", "n_due"],
    ...                     "stat_value": [11.0, 1.0]})
    >>> _no_result(ard, "Week 24"), _no_result(ard, "Week 12")
    ('no data at the data cut (the visit was due for 1 of 11 patients)', 'not yet due at the data cut')
    """
    due, fas = (stat(ard, VISITS_DUE_ID, s, avisit=avisit) for s in ("n_due", "n_fas"))
    return NOT_DUE if due is None or fas is None else tables.describe_due(due, fas)


#: The primary test of the primary endpoint (the change in ESSDAI at week 12): this analysis's choice, as it needs no
#: normal distribution of 10 or so changes (notebook 04; docs/decisions.md, "Primary test of the pilot"; the published
#: letter names no test). Its estimate is the Hodges-Lehmann change; the mean, its t-based CI and the t-test support it.
WILCOXON = "Wilcoxon signed-rank"
PRIMARY_TEST = "(this analysis's primary test)"


def describe_change(ard: pd.DataFrame | None, paramcd: str, avisit: str = PRIMARY_VISIT, *,
                    primary: bool = False) -> str:
    """The mean change of ``paramcd`` from baseline at ``avisit``: its 95 % CI, the Wilcoxon signed-rank p and the
    paired t-test's, n; of the ``primary`` endpoint also the Hodges-Lehmann change with its CI, the estimate of the
    Wilcoxon test, named as this analysis's primary test (``PRIMARY_TEST``).

    >>> ard = pd.DataFrame({"analysis_id": ["EFF-X-W12-TTEST"] * 4 + ["EFF-X-W12-WILCOXON"] * 2 + ["EFF-X-W12-HL"] * 3,
    ...     "avisit": "Week 12", "stat_name": ["estimate", "ci_lower", "ci_upper", "p_value", "p_value", "n",
    ...                                        "estimate", "ci_lower", "ci_upper"],
    ...     "stat_value": [-5.4, -6.67, -4.13, 0.000005, 0.00195, 10.0, -5.5, -7.0, -4.0]})
    >>> describe_change(ard, "X"), describe_change(ard, "X", "Week 24")
    ('-5.4 (95% CI -6.7 to -4.1); Wilcoxon signed-rank p = 0.002, paired t-test p < 0.001; n = 10', \
'not yet due at the data cut')
    >>> describe_change(ard, "X", primary=True)
    "-5.4 (95% CI -6.7 to -4.1); Hodges-Lehmann -5.5 (95% CI -7.0 to -4.0), Wilcoxon signed-rank p = 0.002 (this \
analysis's primary test), paired t-test p < 0.001; n = 10"
    >>> describe_change(ard.assign(stat_value=[-1.7, None, None, None, 0.5, 2.0, -1.7, None, None]), "X")  # 2 patients
    '-1.7 (95% CI and paired t-test not estimable: the same change in every patient); Wilcoxon signed-rank p = 0.500; \
n = 2'
    """
    prefix = f"EFF-{paramcd}-{_visit_code(avisit)}"
    mean, lo, hi = (stat(ard, f"{prefix}-TTEST", s, avisit=avisit) for s in ("estimate", "ci_lower", "ci_upper"))
    if mean is None:
        return _no_result(ard, avisit)
    p_t, p_w = stat(ard, f"{prefix}-TTEST", "p_value", avisit=avisit), stat(ard, f"{prefix}-WILCOXON", "p_value", avisit=avisit)
    n = stat(ard, f"{prefix}-WILCOXON", "n", avisit=avisit)
    hl, hl_lo, hl_hi = (stat(ard, f"{prefix}-HL", s, avisit=avisit) for s in ("estimate", "ci_lower", "ci_upper"))
    def number(value: float) -> str:
        return tables.format_number(value, CHANGE_DECIMALS)

    wilcoxon = f"{WILCOXON} {_p(p_w)}" + (f" {PRIMARY_TEST}" if primary else "")
    if primary and None not in (hl, hl_lo, hl_hi):
        wilcoxon = f"Hodges-Lehmann {number(hl)} (95% CI {number(hl_lo)} to {number(hl_hi)}), {wilcoxon}"
    if lo is None or hi is None or p_t is None:  # every patient's change the same (two patients at an early cut)
        return (f"{number(mean)} (95% CI and paired t-test not estimable: the same change in every patient); "
                f"{wilcoxon}; n = {tables.format_number(n, 0)}")
    return (f"{number(mean)} (95% CI {number(lo)} to {number(hi)}); {wilcoxon}, paired t-test {_p(p_t)}; "
            f"n = {tables.format_number(n, 0)}")


def describe_responders(ard: pd.DataFrame | None, analysis_id: str, avisit: str = PRIMARY_VISIT, **where) -> str:
    """Responders at ``avisit`` as ``n/N (%; 95% CI lo to hi %)`` from the ARD rows of ``analysis_id``
    (and ``where``: the ``group`` of an arm); the percentage from ``pct``, or from ``rate`` (a proportion).

    >>> ard = pd.DataFrame({"analysis_id": "R", "avisit": "Week 12",
    ...     "stat_name": ["n_responders", "n_evaluable", "pct", "ci_lower", "ci_upper"],
    ...     "stat_value": [9.0, 10.0, 90.0, 0.554984, 0.997471]})
    >>> describe_responders(ard, "R")
    '9/10 (90.0%; 95% CI 55.5 to 99.7%)'
    """
    n, big_n, pct, lo, hi = (stat(ard, analysis_id, s, avisit=avisit, **where)
                             for s in ("n_responders", "n_evaluable", "pct", "ci_lower", "ci_upper"))
    if n is None or big_n is None:
        return _no_result(ard, avisit)
    if pct is None:
        rate = stat(ard, analysis_id, "rate", avisit=avisit, **where)
        pct = None if rate is None else 100 * rate
    return (f"{n:.0f}/{big_n:.0f} ({tables.format_number(pct, tables.PCT_DECIMALS)}%; 95% CI "
            f"{tables.format_number(100 * lo, tables.PCT_DECIMALS)} to {tables.format_number(100 * hi, tables.PCT_DECIMALS)}%)")


def describe_responders_due(ard: pd.DataFrame | None, analysis_id: str, avisit: str = PRIMARY_VISIT) -> str:
    """``describe_responders`` of the observed cases, and, where the visit was due for patients not assessed at it,
    the rate of every patient it was due for with those counted as non-responders (the ``-BOCF`` rows: no change from
    baseline, no response), so that a patient who left before the visit (for an adverse event, say) is counted.

    >>> ard = pd.DataFrame({"analysis_id": ["R"] * 5 + ["R-BOCF"] * 3, "avisit": "Week 12",
    ...     "stat_name": ["n_responders", "n_evaluable", "pct", "ci_lower", "ci_upper"] + ["n_responders",
    ...                   "n_evaluable", "pct"], "stat_value": [10.0, 10, 100, 0.6915, 1, 10, 11, 90.909]})
    >>> describe_responders_due(ard, "R")
    '10/10 (100.0%; 95% CI 69.2 to 100.0%); 10/11 (90.9%) with the 1 patient not assessed counted as a non-responder'
    >>> describe_responders_due(ard[ard["analysis_id"] == "R"], "R")  # no patient missed the visit (no -BOCF rows)
    '10/10 (100.0%; 95% CI 69.2 to 100.0%)'
    >>> due = pd.DataFrame({"analysis_id": ["EFF-VISITS-DUE"] * 2 + ["R-BOCF"] * 3, "avisit": "Week 24", "stat_name":
    ...     ["n_fas", "n_due", "n_responders", "n_evaluable", "pct"], "stat_value": [11.0, 2, 0, 2, 0]})
    >>> describe_responders_due(due, "R", "Week 24")  # an interim cut: the visit due for 2, who left before it
    'no data at the data cut (the visit was due for 2 of 11 patients); 0/2 (0.0%) with the 2 patients not assessed \
counted as non-responders'
    """
    observed = describe_responders(ard, analysis_id, avisit)
    n, big_n, pct = (stat(ard, f"{analysis_id}-BOCF", s, avisit=avisit) for s in ("n_responders", "n_evaluable", "pct"))
    assessed = stat(ard, analysis_id, "n_evaluable", avisit=avisit) or 0  # none: no patient due assessed yet
    if None in (n, big_n, pct) or big_n <= assessed:
        return observed
    missing = big_n - assessed
    counted = "a non-responder" if missing == 1 else "non-responders"
    return (f"{observed}; {n:.0f}/{big_n:.0f} ({tables.format_number(pct, tables.PCT_DECIMALS)}%) with the "
            f"{_plural(missing, 'patient')} not assessed counted as {counted}")


def _patients(ard: pd.DataFrame | None, analysis_id: str, **where) -> tuple[float, float, float] | None:
    """(patients, N, events) of one category of an adverse-event table; ``None`` when the ARD lacks it.

    In a trial of several arms the ``TOTAL`` group, or without one the counts of the arms added up (each
    patient in one arm)."""
    groups = [None] if ard is None or "group" not in ard else ard.loc[ard["analysis_id"] == analysis_id, "group"].unique()
    if len(groups) > 1 and "group" not in where and TOTAL not in groups:  # with a Total, ``stat`` reads it
        parts = [_patients(ard, analysis_id, group=g, **where) for g in groups]
        return None if any(p is None for p in parts) else tuple(None if None in x else float(sum(x)) for x in zip(*parts))
    values = [stat(ard, analysis_id, s, **where) for s in ("n_subjects", "big_n", "n_events")]
    return None if values[0] is None or values[1] is None else tuple(values)


def _plural(n: float, word: str) -> str:
    return f"{n:.0f} {word}{'' if n == 1 else 's'}"


def _n_of(counts: tuple | None, *, events: bool = True) -> str:
    if counts is None:
        return NOT_DUE
    n, big_n, n_events = counts
    text = f"{n:.0f} of {big_n:.0f} patients ({tables.format_number(100 * n / big_n if big_n else 0, tables.PCT_DECIMALS)}%)"
    return text + (f", {_plural(n_events, 'event')}" if events and n_events is not None and n else "")


def _aesi(ard: pd.DataFrame | None, group: str = TOTAL) -> pd.DataFrame:
    """The special-interest categories (ARD ``SAF-AESI-EAIR``): category, patients, patient-years, upper 95 % limit;
    in a trial of several arms, of the treatment taken ``group`` (default: every patient, the whole time at risk)."""
    if ard is None:
        return pd.DataFrame(columns=["category", "n_subjects", "pyears", "ci_upper"])
    rows = ard[ard["analysis_id"] == AESI_ID]
    if "group" in rows and (rows["group"] == group).any():
        rows = rows[rows["group"] == group]
    rows = rows.pivot_table(index="category", columns="stat_name", values="stat_value", sort=False)
    return rows.reindex(columns=["n_subjects", "pyears", "ci_upper"]).reset_index()


#: What ``_aesi_words`` adds where several categories have a patient.
AESI_OVERLAP = " (one event can count in several categories, and a patient once in each)"


def _aesi_words(aesi: pd.DataFrame, *, sep: str = "; ", overlap: bool = True) -> tuple[str, str]:
    """The categories with a patient (``herpes zoster in 1 patient``, joined by ``sep``) and those without, as text.
    Categories overlap (hepatitis B reactivation is also an opportunistic infection, ``safety.AESI_PTS``), so where
    several have a patient the text says (``overlap``) that one patient may count in each: the pilot's one event
    read as two patients.

    >>> _aesi_words(pd.DataFrame({"category": ["Opportunistic infection", "Herpes zoster"],
    ...                           "n_subjects": [1, 1]}))[0]
    'opportunistic infection in 1 patient; herpes zoster in 1 patient (one event can count in several categories, and a \
patient once in each)'
    """
    seen = [f"{in_sentence(c)} in {_plural(n, 'patient')}"
            for c, n in zip(aesi["category"], aesi["n_subjects"]) if n > 0]
    return (sep.join(seen) + (AESI_OVERLAP if overlap and len(seen) > 1 else ""),
            ", ".join(in_sentence(c) for c, n in zip(aesi["category"], aesi["n_subjects"]) if n == 0))


def _pending(ard: pd.DataFrame | None) -> dict:
    """TEAEs not yet coded or assessed (ARD ``PENDING_ID``): category -> events, only the categories that occur."""
    if ard is None:
        return {}
    rows = ard[(ard["analysis_id"] == PENDING_ID) & (ard["stat_name"] == "n_events") & (ard["stat_value"] > 0)]
    return dict(zip(rows["category"], rows["stat_value"]))


def describe_pending(ard: pd.DataFrame | None) -> str:
    """The TEAEs not yet coded or assessed, in words (``""`` when there is none: every event complete).

    >>> ard = pd.DataFrame({"analysis_id": PENDING_ID, "category": [NO_GRADE, NO_OUTCOME, "not yet coded in MedDRA"],
    ...                     "stat_name": "n_events", "stat_value": [2.0, 1.0, 0.0]})
    >>> describe_pending(ard)
    '2 without a CTCAE grade yet; 1 without an outcome yet'
    """
    return "; ".join(f"{n:.0f} {label}" for label, n in _pending(ard).items())


def describe_discontinued(ard: pd.DataFrame | None) -> str:
    """Patients who left the study early, with the number for each reason (ARD ``DSP-DISPOSITION``).

    >>> ard = pd.DataFrame({"analysis_id": "DSP-DISPOSITION", "variable": "Discontinued",
    ...     "category": ["", "", "ADVERSE EVENT", "LOST TO FOLLOW-UP"], "stat_name": ["n_subjects", "big_n", "n_subjects",
    ...     "n_subjects"], "stat_value": [2.0, 11.0, 1.0, 1.0]})
    >>> describe_discontinued(ard)
    '2 of 11 patients (18.2%): adverse event 1, lost to follow-up 1'
    """
    counts = _patients(ard, DISPOSITION_ID, variable="Discontinued", category="")
    if counts is None:
        return NOT_DUE
    reasons = _reasons(ard)
    return _n_of(counts, events=False) + (f": {reasons}" if reasons else "")


def _reasons(ard: pd.DataFrame) -> str:
    """The reasons for leaving the study with their patients (``adverse event 1, lost to follow-up 1``): all
    patients (the ``TOTAL`` group, or the arms added up)."""
    rows = ard[(ard["analysis_id"] == DISPOSITION_ID) & (ard["variable"] == "Discontinued") & (ard["category"] != "")
               & (ard["stat_name"] == "n_subjects")]
    if "group" in rows and rows["group"].nunique() > 1:
        rows = (rows[rows["group"] == TOTAL] if (rows["group"] == TOTAL).any()
                else rows.groupby("category", sort=False)["stat_value"].sum().reset_index())
    return ", ".join(f"{c.lower() if c.isupper() else in_sentence(c)} {n:.0f}"
                     for c, n in zip(rows["category"], rows["stat_value"]) if n > 0)


#: The test behind a between-arm p-value, by the words of the ARD ``method`` that name it (first match).
P_VALUE_TESTS = (("CMH test", "CMH test"), ("Fisher's exact test", "Fisher's exact test"), ("ANCOVA", "ANCOVA"),
                 ("Logistic regression", "logistic regression"), ("mixed model", "mixed model"))


def _test_of(method: str) -> str:
    """The test named in a between-arm row's ``method``, in words (``P_VALUE_TESTS``); empty if none.

    >>> _test_of("Newcombe hybrid score 95% CI; CMH test stratified by SITEID"), _test_of("a new test")
    ('CMH test', '')
    """
    return next((words for key, words in P_VALUE_TESTS if key in method), "")


def _diff_rows(ard: pd.DataFrame | None, analysis_id: str, avisit: str) -> pd.DataFrame:
    """The ``-DIFF`` rows of ``analysis_id`` at ``avisit`` (every comparison with the reference arm)."""
    if ard is None:
        return pd.DataFrame(columns=["group", "stat_name", "stat_value", "method"])
    return ard[(ard["analysis_id"] == analysis_id + DIFF_SUFFIX) & (ard["avisit"] == avisit)]


def describe_difference(ard: pd.DataFrame | None, analysis_id: str, kind: str, avisit: str = PRIMARY_VISIT) -> str:
    """Each arm's difference from the reference at ``avisit`` (ARD ``<analysis_id>-DIFF``): the estimate, its
    95% CI and p-value with the test that gave it (read from the row's ``method``). ``kind="rate"``: a
    difference of proportions, in percentage points; ``"change"``: a difference in mean change.

    >>> ard = pd.DataFrame({"analysis_id": "R-DIFF", "avisit": "Week 12", "group": "B vs A",
    ...     "stat_name": ["estimate", "ci_lower", "ci_upper", "p_value"], "stat_value": [0.232, 0.028, 0.431, 0.0318],
    ...     "method": "Newcombe hybrid score 95% CI; CMH test stratified by SITEID"})
    >>> describe_difference(ard, "R", "rate")
    'B vs A: 23.2 percentage points (95% CI 2.8 to 43.1); CMH test p = 0.032'
    """
    rows = _diff_rows(ard, analysis_id, avisit)
    if not len(rows):
        why = [] if ard is None else ard.loc[(ard["analysis_id"] == analysis_id + NOT_ESTIMABLE)
                                             & (ard["avisit"] == avisit), "method"].tolist()
        return f"not estimable at this data cut: {why[0]}" if why else _no_result(ard, avisit)
    scale, unit, decimals = ((100, " percentage points", tables.PCT_DECIMALS) if kind == "rate"
                             else (1, "", CHANGE_DECIMALS))
    parts = []
    for comparison, diff in rows.groupby("group", sort=False):
        est, lo, hi, p = (stat(diff, analysis_id + DIFF_SUFFIX, s)
                          for s in ("estimate", "ci_lower", "ci_upper", "p_value"))
        shown = [tables.format_number(None if v is None else scale * v, decimals) for v in (est, lo, hi)]
        test = _test_of(diff["method"].iloc[0])
        parts.append(f"{comparison}: {shown[0]}{unit} (95% CI {shown[1]} to {shown[2]}); "
                     f"{test + ' ' if test else ''}{_p(p)}")
    return "; ".join(parts)


def _by_group(ard: pd.DataFrame | None, analysis_id: str, describe, *, total: bool = True) -> str:
    """``describe(group)`` for each arm of the rows of ``analysis_id`` and (``total``) the total, joined: a
    count per treatment and over all patients."""
    groups = list(dict.fromkeys(ard.loc[ard["analysis_id"] == analysis_id, "group"])) if ard is not None else []
    if not groups:
        return NOT_DUE
    order = [g for g in groups if g != TOTAL] + [g for g in groups if g == TOTAL and total]
    return "; ".join(f"{'all patients' if g == TOTAL else g}: {describe(g)}" for g in order)


def _controlled_incomplete(ard: pd.DataFrame) -> str:
    """Words that say the first 12 weeks are not complete (``CONTROLLED_ID``): at an interim cut where week 12 was not
    yet due for some patients (ARD ``DATACUT_ID``; its count is of the enrolled, not of the table's safety set, so the
    words give none); else ``""``.

    >>> ard = pd.DataFrame({"analysis_id": DATACUT_ID, "avisit": "Week 12", "stat_name": "n_not_due",
    ...                     "stat_value": [18.0]})
    >>> _controlled_incomplete(ard), _controlled_incomplete(ard.assign(stat_value=[0.0]))
    (' (not complete at this data cut: week 12 was not yet due for every patient)', '')
    """
    rows = ard[ard["analysis_id"].eq(DATACUT_ID) & ard["avisit"].eq(PRIMARY_VISIT) & ard["stat_name"].eq("n_not_due")]
    return (f" (not complete at this data cut: {PRIMARY_VISIT.lower()} was not yet due for every patient)"
            if (rows["stat_value"] > 0).any() else "")


def _first_weeks(ard: pd.DataFrame, *, events: bool = True) -> str:
    """The patients with a TEAE in the first 12 weeks, before any switch, per first treatment (``CONTROLLED_ID``: a trial
    of several treatments), with ``_controlled_incomplete``'s words; ``""`` when the ARD has no such rows."""
    if not ard["analysis_id"].eq(CONTROLLED_ID).any():
        return ""
    return _by_group(ard, CONTROLLED_ID, lambda g: _n_of(_patients(ard, CONTROLLED_ID, category=AE_ANY, group=g),
                                                         events=events), total=False) + _controlled_incomplete(ard)


def _switched_note(ard: pd.DataFrame | None) -> str:
    """Where the treatments' safety sets add up to more patients than the total (patients who switched treatment count
    under each treatment taken, as the safety tables' note says), the words that say so: without them the total's
    rate, above every treatment's (42 of 87 patients with a TEAE; 10 of 29 and 33 of 70), read as an error.

    >>> ard = pd.DataFrame({"analysis_id": OVERVIEW_ID, "category": AE_ANY, "stat_name": "big_n",
    ...                     "group": ["A", "B", TOTAL], "stat_value": [29.0, 70.0, 87.0]})
    >>> _switched_note(ard)
    ' (a patient who switched treatment counts under each treatment taken)'
    >>> _switched_note(ard.assign(stat_value=[29.0, 58.0, 87.0]))
    ''
    """
    if ard is None:
        return ""
    rows = ard[(ard["analysis_id"] == OVERVIEW_ID) & (ard["stat_name"] == "big_n") & (ard["category"] == AE_ANY)]
    by_group = rows.groupby("group")["stat_value"].first()
    if TOTAL not in by_group.index or by_group.drop(TOTAL).sum() <= by_group[TOTAL]:
        return ""
    return " (a patient who switched treatment counts under each treatment taken)"


def _key_findings_of_arms(ard: pd.DataFrame, arms: list[str]) -> list[tuple[str, str]]:
    """The key findings of a trial of several arms: the between-arm differences (``ARM_FINDINGS``, the
    primary first, each rate with the rate of every arm) and the safety counts per treatment (and of the randomised
    comparison's period, ``CONTROLLED_ID``, per first treatment)."""
    visit = PRIMARY_VISIT.lower()
    rows = []
    for finding, analysis_id, kind in ARM_FINDINGS:
        title = finding.format(visit=visit)
        rows.append((f"{title}: difference between arms", describe_difference(ard, analysis_id, kind)))
        if kind == "rate":
            assessed = stat(ard, analysis_id, "n_evaluable", avisit=PRIMARY_VISIT, group=TOTAL, section=ARMS_SECTION)
            rows += [(f"{title}: {arm}", describe_responders(ard, analysis_id, group=arm, section=ARMS_SECTION)
                      if assessed is None or stat(ard, analysis_id, "n_evaluable", avisit=PRIMARY_VISIT, group=arm,
                                                  section=ARMS_SECTION)
                      else "no patient of the arm assessed yet at the data cut") for arm in arms]
    seen, none = _aesi_words(_aesi(ard))

    def overview(category, events=True):
        return _by_group(ard, OVERVIEW_ID, lambda g: _n_of(_patients(ard, OVERVIEW_ID, category=category, group=g),
                                                            events=events))
    first_weeks = _first_weeks(ard)
    controlled = [(f"Patients with a TEAE in the first {CONTROLLED_WEEKS}, before any switch, by first treatment "
                   "(the randomised comparison)", first_weeks)] if first_weeks else []
    rows += [
        ("Patients with a treatment-emergent adverse event (TEAE), by treatment taken" + _switched_note(ard),
         overview(AE_ANY)),
        *controlled,
        ("Patients with a serious TEAE, by treatment taken", overview(AE_SERIOUS)),
        ("Deaths (a TEAE with fatal outcome), by treatment taken", overview(AE_FATAL, events=False)),
        ("Patients who stopped study drug because of a TEAE, by treatment taken", overview(AE_WITHDRAWN)),
        ("Patients who left the study early, by arm randomised", describe_left_by_arm(ard)),
        ("Adverse events of special interest, by treatment taken", _aesi_by_treatment(ard)),
        *_lab_alerts_row(ard),
    ]
    return rows + _pending_row(ard)


def describe_left_by_arm(ard: pd.DataFrame | None) -> str:
    """The patients who left the study early, by arm randomised and over all randomised patients, with the reasons:
    the patients never randomised (screen failures) are none of them (``_randomised_disposition``).

    >>> rows = [(g, c, s, v) for g, left, n, reasons in (("A", 2, 10, {"ADVERSE EVENT": 1, "LOST TO FOLLOW-UP": 1}),
    ...         ("B", 1, 5, {"ADVERSE EVENT": 1}), (NOT_RANDOMISED_LABEL, 3, 3, {"SCREEN FAILURE": 3}),
    ...         (TOTAL, 6, 18, {"ADVERSE EVENT": 2, "LOST TO FOLLOW-UP": 1, "SCREEN FAILURE": 3}))
    ...         for c, s, v in [("", "n_subjects", left), ("", "big_n", n),
    ...                         *((r, "n_subjects", k) for r, k in reasons.items())]]
    >>> ard = pd.DataFrame(rows, columns=["group", "category", "stat_name", "stat_value"]).assign(
    ...     analysis_id=DISPOSITION_ID, variable="Discontinued")
    >>> describe_left_by_arm(ard)
    'A: 2 of 10 patients (20.0%); B: 1 of 5 patients (20.0%); all randomised patients: 3 of 15 patients (20.0%); \
reasons: adverse event 2, lost to follow-up 1'
    """
    randomised = _randomised_disposition(ard)
    left = _by_group(randomised, DISPOSITION_ID, lambda g: _n_of(_patients(
        randomised, DISPOSITION_ID, variable="Discontinued", category="", group=g), events=False))
    if (all_left := _patients(randomised, DISPOSITION_ID, variable="Discontinued", category="")) is not None:
        left += f"; all randomised patients: {_n_of(all_left, events=False)}"
    reasons = _reasons(randomised) if randomised is not None else ""
    return left + (f"; reasons: {reasons}" if reasons else "")


def _randomised_disposition(ard: pd.DataFrame | None) -> pd.DataFrame | None:
    """``ard`` without the disposition rows of the patients not randomised (``NOT_RANDOMISED_LABEL``: screen failures,
    patients awaiting randomisation) and of the total that counts them: the patients who left the study early, by
    arm randomised, are of the patients randomised only.

    >>> ard = pd.DataFrame({"analysis_id": DISPOSITION_ID, "group": ["A", NOT_RANDOMISED_LABEL, TOTAL, TOTAL],
    ...                     "variable": "Discontinued", "stat_value": 1.0})
    >>> _randomised_disposition(ard)["group"].tolist()
    ['A']
    """
    if ard is None:
        return None
    return ard[~((ard["analysis_id"] == DISPOSITION_ID) & ard["group"].isin([NOT_RANDOMISED_LABEL, TOTAL]))]


def _lab_alerts_row(ard: pd.DataFrame | None) -> list[tuple[str, str]]:
    """The key-findings row of the laboratory alerts (``describe_lab_alerts``): a value of CTCAE grade 3 or more,
    below the label's thresholds for starting and interrupting baricitinib, or HBV DNA detected, by test; none without
    the ARD's rows.

    >>> ard = pd.DataFrame({"analysis_id": "SAF-LB-ALERTS", "group": "", "paramcd": ["", "NEUT", "NEUT", "NEUT"],
    ...     "stat_name": ["n_subjects", "n_subjects", "n_baseline", "n_after"], "stat_value": [1.0, 1, 1, 0]})
    >>> _lab_alerts_row(ard)
    [("Laboratory values of CTCAE grade 3 or more, below the label's interruption thresholds, or HBV DNA detected \
(Listing 14.3.4.5)", \
'neutrophils (10^9/L) in 1 patient (1 of them already at baseline, before the first dose)')]
    >>> _lab_alerts_row(ard.assign(stat_value=0.0))[0][1], _lab_alerts_row(None)
    ('none', [])
    """
    if (parts := _lab_alert_parts(ard)) is None:
        return []
    alerts, unmeasured = parts
    several = len(trial_arms(ard)) > 1
    return [(f"Laboratory values of {LAB_ALERTS_WHAT}" + (", by treatment taken after baseline" if several else ""),
             "; ".join([*(alerts or ["none"]), *unmeasured]))]


def _aesi_by_treatment(ard: pd.DataFrame | None, *, with_none: bool = True) -> str:
    """The special-interest categories with a patient, per treatment taken and over all patients, then
    (``with_none``) those no patient had: a trial of several arms (the herpes zoster of 10 patients were 2 on the
    control, 8 on baricitinib).

    >>> ard = pd.DataFrame({"analysis_id": AESI_ID, "stat_name": "n_subjects",
    ...                     "stat_value": [2.0, 0, 0, 1, 0, 1, 3, 0, 1],
    ...                     "group": ["HCQ"] * 3 + ["Bari"] * 3 + [TOTAL] * 3, "category": ["Herpes zoster", "VTE",
    ...                     "Serious infection"] * 3})
    >>> _aesi_by_treatment(ard)
    'HCQ: herpes zoster in 2 patients; Bari: herpes zoster in 1 patient, serious infection in 1 patient; all \
patients: herpes zoster in 3 patients, serious infection in 1 patient (one event can count in several \
categories, and a patient once in each); none of: VTE'
    """
    total = _aesi(ard)
    if not len(total):
        return NOT_DUE
    none = _aesi_words(total)[1]
    text = _by_group(ard, AESI_ID, lambda g: _aesi_words(_aesi(ard, g), sep=", ", overlap=False)[0] or "none")
    return text + (AESI_OVERLAP if (total["n_subjects"] > 0).sum() > 1 else "") + (
        f"; none of: {none}" if none and with_none else "")


def _pending_row(ard: pd.DataFrame | None) -> list[tuple[str, str]]:
    """The key-findings row of the TEAEs not yet coded or assessed, where there are any."""
    pending = describe_pending(ard)
    label = "TEAEs not yet coded or assessed (data queries; see the safety tables' notes)"
    return [(label, pending)] if pending else []


def key_findings(ard: pd.DataFrame | None) -> pd.DataFrame:
    """The key findings as a two-column table (finding, result), every number from the ARD.

    A trial of several arms (``trial_arms``): the between-arm findings of ``_key_findings_of_arms``.
    One arm:

    Efficacy at the primary visit (observed cases of the full analysis set): the ESSDAI change (primary) and
    MCII, the same at the final visit (``FINAL_VISIT``), ESSPRI MCII, the ESSPRI and PGA changes at the primary
    visit; safety (safety population): patients with TEAEs,
    serious TEAEs, deaths (a TEAE with fatal outcome), TEAEs leading to discontinuation of study drug, adverse events
    of special interest, laboratory alerts (``_lab_alerts_row``).
    """
    arms = trial_arms(ard)
    if len(arms) > 1:
        return pd.DataFrame(_key_findings_of_arms(ard, arms), columns=["Finding", "Result"])
    visit = PRIMARY_VISIT.lower()
    seen, none = _aesi_words(_aesi(ard))
    rows = [
        (f"ESSDAI change from baseline to {visit} (primary endpoint), mean",
         describe_change(ard, "ESSDAI", primary=True)),
        (f"{ESSDAI_MCII_WORDS} at {visit}", describe_responders_due(ard, "EFF-ESSDAI-MCII")),
        (f"ESSDAI change from baseline to {FINAL_VISIT.lower()}, mean", describe_change(ard, "ESSDAI", FINAL_VISIT)),
        (f"{ESSDAI_MCII_WORDS} at {FINAL_VISIT.lower()}", describe_responders_due(ard, "EFF-ESSDAI-MCII", FINAL_VISIT)),
        (f"ESSPRI change from baseline to {visit}, mean", describe_change(ard, "ESSPRI")),
        (f"{ESSPRI_MCII_WORDS} at {visit}", describe_responders_due(ard, "EFF-ESSPRI-MCII")),
        (f"PGA change from baseline to {visit}, mean", describe_change(ard, "PGA")),
        ("Patients with a treatment-emergent adverse event (TEAE)", _n_of(_patients(ard, OVERVIEW_ID, category=AE_ANY))),
        ("Patients with a serious TEAE", _n_of(_patients(ard, OVERVIEW_ID, category=AE_SERIOUS))),
        ("Deaths (a TEAE with fatal outcome)", _n_of(_patients(ard, OVERVIEW_ID, category=AE_FATAL), events=False)),
        ("Patients who stopped study drug because of a TEAE", _n_of(_patients(ard, OVERVIEW_ID, category=AE_WITHDRAWN))),
        ("Patients who left the study early", describe_discontinued(ard)),
        ("Adverse events of special interest", "; ".join(filter(None, [seen, none and f"none of: {none}"])) or NOT_DUE),
        *_lab_alerts_row(ard),
        *_pending_row(ard),
    ]
    return pd.DataFrame(rows, columns=["Finding", "Result"])


def _or(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def _zero_bounds(ard: pd.DataFrame, zero: pd.DataFrame) -> str:
    """The upper 95 % limit of the rate of the special-interest events no patient had (``zero``, ``_aesi``), with the
    time at risk: of all patients, or where the ARD has a treatment's rows, of each treatment taken, since time on
    the control alone says nothing of baricitinib's risk (46.1 patient-years in all were 34.3 on it, and its limit
    10.7 per 100, not 8.0).

    >>> ard = pd.DataFrame({"analysis_id": AESI_ID, "category": "VTE", "group": ["HCQ", "HCQ", "Bari", "Bari"],
    ...                     "stat_name": ["pyears", "ci_upper"] * 2, "stat_value": [11.78, 31.31, 2.0, 184.4]})
    >>> _zero_bounds(ard, pd.DataFrame({"category": ["VTE"], "pyears": [13.78], "ci_upper": [26.8]}))
    'a rate of up to 31.3 per 100 patient-years on HCQ (11.8 patient-years at risk) and of up to 184.4 on Bari (2.0 \
patient-years at risk; upper 95% confidence limits)'
    >>> three = pd.concat([ard, ard[ard["group"] == "Bari"].assign(group="Bari 2 mg", stat_value=[4.0, 92.2])])
    >>> _zero_bounds(three, pd.DataFrame({"category": ["VTE"], "pyears": [17.78], "ci_upper": [20.7]}))[43:]
    'on HCQ (11.8 patient-years at risk), of up to 184.4 on Bari (2.0 patient-years at risk) and of up to 92.2 on Bari \
2 mg (4.0 patient-years at risk; upper 95% confidence limits)'
    """
    def rate(pyears, upper, on=""):
        return f"{tables.format_number(upper, 1)}{on} ({tables.format_number(pyears, 1)} patient-years at risk"
    category = zero["category"].iloc[0]
    rows = ard[(ard["analysis_id"] == AESI_ID) & (ard["category"] == category)] if "group" in ard else ard.iloc[:0]
    treatments = [g for g in dict.fromkeys(rows["group"].fillna("")) if g not in (TOTAL, "")]
    if not treatments:
        pyears, upper = zero["pyears"].iloc[0], zero["ci_upper"].iloc[0]
        return f"a rate of up to {rate(pyears, upper, ' per 100 patient-years')}; upper 95% confidence limit)"
    each = [rate(stat(ard, AESI_ID, "pyears", category=category, group=g),
                 stat(ard, AESI_ID, "ci_upper", category=category, group=g), f" on {g}") for g in treatments]
    each[0] = each[0].replace(" on ", " per 100 patient-years on ", 1)
    listed = "), of up to ".join(each[:-1]) + ") and of up to " + each[-1] if len(each) > 1 else each[0]
    return f"a rate of up to {listed}; upper 95% confidence limit{'s' * (len(each) > 1)})"


def describe_lab_alerts(ard: pd.DataFrame | None) -> str:
    """The laboratory alerts (ARD ``safety.LAB_ALERTS_ID``: values of ``LAB_ALERTS_WHAT``) in a sentence: by test, the
    patients, how many of them at baseline, and after baseline by the treatment taken; ``""`` without those rows (an
    ARD of an older build).

    >>> ard = pd.DataFrame({"analysis_id": "SAF-LB-ALERTS", "group": ["", "", "", "", "", "", "Bari"],
    ...     "paramcd": ["", "", "", "NEUT", "NEUT", "NEUT", "NEUT"],
    ...     "stat_name": ["n_subjects", "n_baseline", "n_after", "n_subjects", "n_baseline", "n_after", "n_after"],
    ...     "stat_value": [2.0, 1, 2, 2, 1, 2, 2]})
    >>> describe_lab_alerts(ard)
    "Laboratory values of CTCAE grade 3 or more, below the label's interruption thresholds, or HBV DNA detected \
(Listing 14.3.4.5): \
neutrophils (10^9/L) in 2 patients (1 of them already at baseline, before the first dose; after baseline on Bari: 2)."
    >>> describe_lab_alerts(pd.concat([ard, ard.tail(1).assign(group="HCQ", stat_value=1.0)])).split("; ", 1)[1]
    'after baseline on Bari: 2; on HCQ: 1, a patient who switched treatment counted under each).'

    >>> describe_lab_alerts(ard.iloc[:1].assign(stat_value=0.0))
    "No laboratory value of CTCAE grade 3 or more, below the label's interruption thresholds, or HBV DNA detected \
(Listing 14.3.4.5)."
    >>> describe_lab_alerts(pd.concat([ard.iloc[:1].assign(stat_value=0.0),
    ...                                ard.iloc[:1].assign(paramcd="HBVDNA", stat_name="n_measured", stat_value=0.0)]))
    "No laboratory value of CTCAE grade 3 or more, below the label's interruption thresholds, or HBV DNA detected \
(Listing 14.3.4.5); HBV DNA (IU/mL) not measured (no result by the data cut)."
    """
    if (parts := _lab_alert_parts(ard)) is None:
        return ""
    alerts, unmeasured = parts
    if alerts:
        return f"Laboratory values of {LAB_ALERTS_WHAT}: {'; '.join(alerts + unmeasured)}."
    return f"No laboratory value of {LAB_ALERTS_WHAT}{''.join(f'; {u}' for u in unmeasured)}."


#: What the laboratory alerts are (Listing 14.3.4.5), in the sentence and the key findings.
LAB_ALERTS_WHAT = f"{LAB_ALERTS_CRITERIA} (Listing 14.3.4.5)"


#: ARD analysis of the baseline disease characteristics (Table 14.1.6; notebook 06), by arm and Total.
DISEASE_ID = "DEM-DISEASE"
#: Tests the baricitinib label asks to monitor in a group of patients: test -> (ADSL flag of the group, the group in
#: words): HBV DNA in past hepatitis B (anti-HBc positive, HBsAg negative: ``HBVHXFL``; Olumiant HCP treatment
#: considerations). A test of them not measured by the data cut says how many patients of the group Table 14.1.6
#: counts; validation's query ``hbv_dna_not_monitored`` names those dosed long enough to be due, one by one.
MONITORED_IN = MappingProxyType({"HBVDNA": ("HBVHXFL", "past hepatitis B")})


def _in_group(ard: pd.DataFrame, flag: str) -> float:
    """Patients of ADSL ``flag`` = Y in the baseline table's ARD (``DISEASE_ID``): its Total, or its one group."""
    rows = ard[(ard["analysis_id"] == DISEASE_ID) & (ard["variable"] == flag) & (ard["category"] == "Y")
               & (ard["stat_name"] == "n")]
    total = rows[rows["group"] == "Total"]
    return float((total if len(total) else rows)["stat_value"].sum())


def _not_measured(ard: pd.DataFrame, code: str) -> str:
    """A test of ``MONITORED_IN`` (or any other) with no result by the data cut, in words, with the patients the label
    asks to monitor it in.

    >>> ard = pd.DataFrame({"analysis_id": DISEASE_ID, "group": ["A", "B", "Total"], "paramcd": "",
    ...                     "variable": "HBVHXFL", "category": "Y", "stat_name": "n", "stat_value": [6.0, 10, 16]})
    >>> _not_measured(ard, "HBVDNA")
    'HBV DNA (IU/mL) not measured (no result by the data cut), though 16 patients had past hepatitis B, in whom the \
label asks to monitor it (data queries)'
    >>> _not_measured(ard.iloc[:0], "HBVDNA")
    'HBV DNA (IU/mL) not measured (no result by the data cut)'
    """
    from analysis_utils.vocabulary import param_label

    flag, group = MONITORED_IN.get(code, ("", ""))
    n = _in_group(ard, flag) if flag and {"variable", "category"} <= set(ard.columns) else 0
    monitored = f", though {_plural(n, 'patient')} had {group}, in whom the label asks to monitor it (data queries)"
    return f"{param_label(code)} not measured (no result by the data cut)" + (monitored if n else "")


def _lab_alert_parts(ard: pd.DataFrame | None) -> tuple[list[str], list[str]] | None:
    """By test, the patients with a laboratory alert (ARD ``safety.LAB_ALERTS_ID``), how many at baseline, in how
    many baricitinib was started below the label's threshold (``n_started_below``: at the first dose or a switch), and
    after baseline by the treatment taken; and the tests alerted on once detected of which no patient of the safety set
    has a result by the data cut (``n_measured`` 0: HBV DNA, ``_not_measured``); (alerts, not measured), each ``[]``
    without any; ``None`` without the ARD's rows.

    >>> ard = pd.DataFrame({"analysis_id": "SAF-LB-ALERTS", "group": "",
    ...     "paramcd": ["", "NEUT", "NEUT", "NEUT", "NEUT"],
    ...     "stat_name": ["n_subjects", "n_subjects", "n_baseline", "n_after", "n_started_below"],
    ...     "stat_value": [2.0, 2, 2, 0, 1]})
    >>> _lab_alert_parts(ard)[0]
    ["neutrophils (10^9/L) in 2 patients (2 of them already at baseline, before the first dose; 1 started \
baricitinib below the label's threshold, at the first dose or a switch (a deviation, queried))"]
    >>> hbv = ard.head(1).assign(paramcd="HBVDNA", stat_name="n_measured", stat_value=0.0)
    >>> _lab_alert_parts(pd.concat([ard, hbv]))[1]
    ['HBV DNA (IU/mL) not measured (no result by the data cut)']
    """
    from analysis_utils.vocabulary import param_label

    rows = pd.DataFrame() if ard is None else ard[ard["analysis_id"] == LAB_ALERTS_ID]
    if rows.empty:
        return None
    value = rows.set_index(["group", "paramcd", "stat_name"])["stat_value"]
    unmeasured = [_not_measured(ard, code) for code in
                  rows.loc[(rows["stat_name"] == "n_measured") & rows["stat_value"].eq(0), "paramcd"]]
    if not value.get(("", "", "n_subjects"), 0):
        return [], unmeasured
    parts = []
    for paramcd in dict.fromkeys(p for p, s in zip(rows["paramcd"], rows["stat_name"]) if p and s != "n_measured"):
        n, at_start = value[("", paramcd, "n_subjects")], value[("", paramcd, "n_baseline")]
        groups = [g for g in dict.fromkeys(rows["group"]) if g and (g, paramcd, "n_after") in value.index]
        on = [f"on {g}: {value[(g, paramcd, 'n_after')]:.0f}" for g in groups]
        both = sum(value[(g, paramcd, "n_after")] for g in groups) > value.get(("", paramcd, "n_after"), 0)
        started = value.get(("", paramcd, "n_started_below"), 0)
        details = ([f"{at_start:.0f} of them already at baseline, before the first dose"] if at_start else []) + (
            [f"{started:.0f} started baricitinib below the label's threshold, at the first dose or a switch (a "
             "deviation, queried)"]
            if started else []) + (
            [f"after baseline {'; '.join(on)}"
             + (", a patient who switched treatment counted under each" if both else "")] if on else [])
        parts.append(f"{in_sentence(param_label(paramcd))} in {_plural(n, 'patient')}"
                     + (f" ({'; '.join(details)})" if details else ""))
    return parts, unmeasured


def describe_safety(ard: pd.DataFrame | None) -> str:
    """A short interpretation of the safety tables, in sentences, every number from the ARD."""
    counts = {c: _patients(ard, OVERVIEW_ID, category=c) for c in (AE_ANY, AE_SERIOUS, AE_GRADE3, AE_WITHDRAWN, AE_FATAL)}
    if counts[AE_ANY] is None:
        return f"Adverse events: {NOT_DUE}."
    text = [f"{_n_of(counts[AE_ANY], events=False)} had at least one treatment-emergent adverse event."]
    pending = _pending(ard)
    unknown = {AE_GRADE3: NO_GRADE in pending, AE_FATAL: NO_OUTCOME in pending, AE_WITHDRAWN: NO_ACTION in pending}
    grade3 = "of CTCAE grade 3 or more"
    kinds = (("serious", AE_SERIOUS, "a serious event"), (grade3, AE_GRADE3, f"an event {grade3}"),
             ("fatal", AE_FATAL, "a fatal event"))
    if present := [f"with {words}: {_n_of(counts[key], events=False)}" for _, key, words in kinds
                   if counts[key] is not None and counts[key][0] > 0]:  # said, not only when there is none
        text.append(f"Patients {'; '.join(present)}.")
    absent = [name for name, key, _ in kinds
              if counts[key] is not None and counts[key][0] == 0 and not unknown.get(key)]
    if absent:
        text.append(f"No adverse event was {_or(absent)}.")
    if counts[AE_WITHDRAWN] is not None:
        n = counts[AE_WITHDRAWN][0]
        text.append(f"{'No patient' if n == 0 else _n_of(counts[AE_WITHDRAWN], events=False)} stopped study drug "
                    f"because of an adverse event{' as far as recorded' if unknown[AE_WITHDRAWN] else ''}.")
    if pending:
        text.append(f"Not yet coded or assessed (data queries): {describe_pending(ard)}; the counts above may change "
                    "when they are.")
    aesi = _aesi(ard)
    seen, none = _aesi_words(aesi)
    if seen and len(trial_arms(ard)) > 1:
        text.append("Adverse events of special interest of JAK inhibitors, by the treatment taken: "
                    f"{_aesi_by_treatment(ard, with_none=False)}.")
    elif seen:
        text.append(f"Adverse events of special interest of JAK inhibitors: {seen}.")
    zero = aesi[aesi["n_subjects"] == 0]
    if len(zero):
        text.append(f"No patient had {_or(none.split(', '))}; the data are still compatible with "
                    f"{_zero_bounds(ard, zero)}.")
    if labs := describe_lab_alerts(ard):
        text.append(labs)
    if ongoing := _still_on_study(ard):
        text.append(f"At this interim data cut {ongoing}: their adverse events are those recorded by the cut, and "
                    "the counts may grow.")
    arms = trial_arms(ard)
    if len(arms) > 1:
        per_arm = _by_group(ard, OVERVIEW_ID, lambda g: _n_of(_patients(ard, OVERVIEW_ID, category=AE_ANY, group=g),
                                                              events=False), total=False)
        text.insert(1, f"By the treatment taken when the event started: {per_arm}.")
        if first_weeks := _first_weeks(ard, events=False):
            text.insert(2, f"In the first {CONTROLLED_WEEKS}, before any switch, by the arm each patient started on "
                           f"(the randomised comparison, Table 14.3.1.5): {first_weeks}.")
        text.append(f"With {counts[AE_ANY][1]:.0f} patients in {len(arms)} arms, these counts compare the treatments "
                    "only roughly: they cannot show that a treatment is safe or rule out uncommon adverse events, and "
                    "the patients spent different times on each treatment (a switched patient on both), which the "
                    "rates per 100 patient-years of the adverse events of special interest (Table 14.3.5.1)"
                    f"{' and the comparison of the first ' + CONTROLLED_WEEKS if first_weeks else ''} take into "
                    "account.")
    else:
        text.append(f"With {counts[AE_ANY][1]:.0f} patients and no control group, these counts describe this pilot "
                    "only: they cannot show that baricitinib is safe or rule out uncommon adverse events.")
    return " ".join(text)


def _still_on_study(ard: pd.DataFrame) -> str:
    """At an interim data cut (ARD ``DISP-DATACUT``) with patients on study, "<n> of the <N> enrolled patients were
    still on study" (the enrolled, as the disposition table counts them: some may not be treated yet); else ``""``.

    >>> ard = pd.DataFrame({"analysis_id": DATACUT_ID, "avisit": "", "stat_name": ["interim", "n_enrolled",
    ...                     "n_ongoing"], "stat_value": [1.0, 87, 20]})
    >>> _still_on_study(ard), _still_on_study(ard.assign(stat_value=[0.0, 87, 0]))
    ('20 of the 87 enrolled patients were still on study', '')
    """
    rows = ard[(ard["analysis_id"] == DATACUT_ID) & ard["avisit"].fillna("").eq("")]
    value = dict(zip(rows["stat_name"], rows["stat_value"]))
    if not value.get("interim") or not value.get("n_ongoing"):
        return ""
    n, awaiting = value["n_ongoing"], value.get("n_awaiting_dose", 0)
    return (f"{n:.0f} of the {value['n_enrolled']:.0f} enrolled patients {'was' if n == 1 else 'were'} still on study"
            + (f" ({awaiting:.0f} of them awaiting the first dose)" if awaiting else ""))


def interim_caveat(ard: pd.DataFrame | None) -> str:
    """At an interim data cut (ARD ``DISP-DATACUT``), the words that say so under the key findings, with each visit
    not yet due for some patients: its results rest on the patients it was due for, the first enrolled (at a cut of
    the pilot, week 24's 2 of 3 with an MCII read as a loss of the 10 of 10 at week 12; the final result was 8 of 9).
    ``""`` at the final cut.

    >>> ard = pd.DataFrame({"analysis_id": DATACUT_ID, "avisit": ["", "", "Week 12", "Week 24", "Week 24"],
    ...     "stat_name": ["interim", "n_enrolled", "n_not_due", "n_due", "n_not_due"],
    ...     "stat_value": [1.0, 11, 0, 5, 6]})
    >>> interim_caveat(ard)
    ' Interim data cut: week 24 was not yet due for 6 of the 11 patients; results at that visit rest on the patients \
for whom it was due, the first enrolled, and may change at the final analysis.'
    >>> interim_caveat(ard.assign(stat_value=[1.0, 11, 11, 0, 11]))  # at 2021-08-01: no week 12 either
    ' Interim data cut: Week 12 and week 24 were not yet due for any patient.'
    >>> interim_caveat(ard.assign(stat_value=[0.0, 11, 0, 11, 0]))
    ''
    """
    if ard is None or "avisit" not in ard:
        return ""
    rows = ard[ard["analysis_id"] == DATACUT_ID].assign(avisit=lambda r: r["avisit"].fillna(""))
    value = rows.set_index(["avisit", "stat_name"])["stat_value"]
    if not value.get(("", "interim")):
        return ""
    not_due = rows[(rows["avisit"] != "") & (rows["stat_name"] == "n_not_due") & (rows["stat_value"] > 0)]
    some = [(v, n) for v, n in zip(not_due["avisit"], not_due["stat_value"]) if value.get((v, "n_due"), 0) > 0]
    none = [v.lower() for v in not_due["avisit"] if not value.get((v, "n_due"), 0)]
    text = " Interim data cut:"
    if some:
        visits = [f"{v.lower()} for {n:.0f}" for v, n in some]
        visits[0] = (visits[0].replace(" for ", " was not yet due for ", 1)
                     + f" of the {value[('', 'n_enrolled')]:.0f} patients")
        one = len(visits) == 1
        text += (f" {tables.join_words(visits)}; results at {'that visit' if one else 'those visits'} rest on the "
                 f"patients for whom {'it was' if one else 'they were'} due, the first enrolled, and may change at the "
                 "final analysis.")
    if none:
        text += (f" {tables.join_words(none).capitalize()} {'was' if len(none) == 1 else 'were'} not yet due for any "
                 "patient.")
    if not some and not none:
        text += " patients still on study may have adverse events and results not yet recorded."
    return text


def caveat(ard: pd.DataFrame | None, blinding: str = OPEN_LABEL) -> str:
    """The caveat under the key findings, for the design the ARD shows (``trial_arms``): ``CAVEAT`` for one
    arm; for several, ``CAVEAT_RANDOMISED`` of the trial's ``blinding`` (``dictionary.BLINDINGS``) with the patients
    and arms, ``CAVEAT_SEVERAL_ARMS`` for more than two, and ``CAVEAT_SWITCH`` when the between-arm rows name the
    treatment-policy estimand of a switch; then, at an interim cut, ``interim_caveat``.

    >>> ard = pd.DataFrame({"analysis_id": "DSP-DISPOSITION", "group": ["A", "B", "Total"] * 2, "variable": "Enrolled",
    ...     "category": "", "stat_name": ["n_subjects"] * 3 + ["big_n"] * 3, "stat_value": [29.0, 58.0, 87.0] * 2})
    >>> caveat(ard)[:62]
    'This open-label trial randomised 87 patients to A and B: the d'
    >>> caveat(ard.assign(group="A")) == CAVEAT
    True
    >>> caveat(pd.concat([ard, ard.iloc[:1].assign(group="Not randomised", stat_value=9.0)]))[:35]
    'This open-label trial randomised 87'
    >>> caveat(ard, "DOUBLE BLIND")
    'This double-blind trial randomised 87 patients to A and B: the difference between the arms is the randomised \
comparison; every result other than the primary endpoint is exploratory.'
    """
    arms = trial_arms(ard)
    if len(arms) < 2:
        return CAVEAT + interim_caveat(ard)
    randomised = [_patients(ard, DISPOSITION_ID, variable="Enrolled", category="", group=a) for a in arms]
    n = NOT_DUE if None in randomised else f"{sum(r[0] for r in randomised):.0f}"  # not the patients not randomised
    text = CAVEAT_RANDOMISED[blinding].format(n=n, arms=tables.join_words(arms))
    if len(arms) > 2:
        text += CAVEAT_SEVERAL_ARMS.format(k=len(arms) - 1)
    if has_switch(ard):
        text += CAVEAT_SWITCH.format(visit=PRIMARY_VISIT.lower())
    return text + interim_caveat(ard)


def has_switch(ard: pd.DataFrame | None) -> bool:
    """True when the ARD's between-arm rows name the treatment-policy estimand of a switch (a control patient
    switched, ``arms.control_switched``).

    >>> has_switch(pd.DataFrame({"analysis_id": ["EFF-ESSDAI-MCII-DIFF"], "method": ["CMH; treatment policy: ..."]}))
    True
    >>> has_switch(None), has_switch(pd.DataFrame({"analysis_id": ["EFF-ESSDAI-MCII-DIFF"], "method": ["CMH"]}))
    (False, False)
    """
    if ard is None or "method" not in ard:
        return False
    policy = ard["method"].astype(str).str.contains("treatment policy", regex=False)
    return bool((ard["analysis_id"].astype(str).str.endswith(DIFF_SUFFIX) & policy).any())


def to_html(ard: pd.DataFrame | None, blinding: str) -> str:
    """The key-findings page: the table, its source note and the caveat (``caveat``, of the trial's ``blinding``), as
    escaped HTML."""
    import html

    table = tables.to_html(key_findings(ard),
                           note="Source: analysis results dataset (ard.csv); efficacy: full analysis set, observed "
                                "cases; safety: safety set.")
    return (f'<section class="key-findings jp-RenderedHTMLCommon" id="key-findings"><h2>Key findings</h2>\n{table}\n'
            f'<p class="caveat"><strong>{html.escape(caveat(ard, blinding))}</strong></p></section>')
