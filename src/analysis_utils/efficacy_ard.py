"""The efficacy section's analysis results data (ARD): every efficacy number as ARD rows.

``summarize_efficacy`` runs, on the full analysis set, the summaries (``summaries``), paired analyses of
change (``paired_tests``), responder rates (``responders``), the missing-data approaches (``imputation``:
BOCF, LOCF) and the mixed model (``mixed_model``) at every scheduled visit of the data (``visits``), and
gathers the unrounded results into ARD rows (``analysis_utils.ard``); ``efficacy_tables`` lays them out.

Missing data: observed cases on the full analysis set are primary (each patient's visits as attended;
nothing is assumed about values never measured, and n is shown at every visit); BOCF, LOCF and the mixed
model beside them. Interim data cuts: a visit is imputed (BOCF, LOCF) or modelled as missing (mixed model)
only when it was due at the data cut (``visits.visits_due``, rule ``cleaning.VISIT_DUE_RULE``): a patient
whose visit is not yet due is not in that visit's denominator, and the mixed model's estimate at a visit is
fitted on the patients for whom that visit was due. At the final cut every visit is due.

Analysis identifiers (ARD ``analysis_id``; ``{P}`` = ESSDAI, ESSPRI, PGA or a lab PARAMCD,
``{V}`` = the visit's code, ``W`` and its planned week: W12, W24, or W4 ... W24 in a trial with visits every
4 weeks (``visits.visit_code``), ``{S}`` = "" for observed cases or "-BOCF" / "-LOCF")
-------------------------------------------------------------------------------------------------
- ``EFF-{P}-SUMMARY{S}``: n ... max of AVAL by visit, and of CHG, PCHG at post-baseline visits.
- ``EFF-{P}-{V}-WILCOXON{S}``: statistic (V = W+), p_value, n (pairs), n_nonzero.
- ``EFF-{P}-{V}-TTEST{S}``: estimate (mean change), ci_lower, ci_upper, statistic, df, p_value.
- ``EFF-{P}-{V}-HL{S}``: estimate, ci_lower, ci_upper, conf_level (achieved).
- ``EFF-{P}-{V}-EFFSIZE{S}``: estimate, category ``cohen_dz`` or ``rank_biserial``.
- ``EFF-{P}-FRIEDMAN``: statistic, df, p_value, n (complete cases), observed cases, across every scheduled visit.
- ``EFF-{P}-MIXED``: estimate, ci_lower, ci_upper, p_value, df at each post-baseline visit; n_subjects,
  n_obs and converged (1/0) at avisit ``""``.
- ``EFF-ESSDAI-MCII{S}``, ``EFF-ESSPRI-MCII{S}``, ``EFF-ESSPRI-PASS{S}``: n_responders, n_evaluable,
  pct (0-100), rate (0-1) and its ci_lower, ci_upper (0-1).
- ``EFF-ESSDAI-ACTCAT{S}``: n, n_evaluable, pct per category (Low / Moderate / High).
- ``EFF-REMISSION``: responder statistics of REMARTIC, REMCUTAN, REMHAEM and ILDIMP (patients
  involved at baseline).
- ``EFF-EDS-SUMMARY``: summaries of the ESSDAI domain scores by visit.
- ``EFF-VISITS-DUE``: n_fas and n_due (patients of the full analysis set whose visit was due at the data
  cut) at each post-baseline visit, in week order (the display takes the order of the visits from these rows).
"""

import numpy as np
import pandas as pd

from analysis_utils import ard as ard_mod
from analysis_utils.imputation import _observed, impute_bocf, impute_locf
from analysis_utils.mixed_model import MIXED_METHOD, fit_mixed_model_due
from analysis_utils.paired_tests import compare_paired, compare_visits_friedman, friedman_method
from analysis_utils.responders import CP_METHOD, REMISSION_METHOD, summarize_responders
from analysis_utils.summaries import CATEGORY_METHOD, SUMMARY_METHOD, summarize_by_visit, summarize_categories
from analysis_utils.visits import analysis_weeks, post_baseline, visit_code, visit_weeks, visits_due
from analysis_utils.vocabulary import (
    ARM, ESSDAI_SCORE_PARAMCD, PARAMCD_ESSDAI, PARAMCD_ESSPRI, PARAMCD_PGA,
)

#: Population labels of the ARD, by missing-data approach.
POPULATIONS = {
    "OC": "FAS (observed cases)", "BOCF": "FAS (BOCF)", "LOCF": "FAS (LOCF)", "MIXED": "FAS (mixed model)",
    "DUE": "FAS (visit due at the data cut)",
}


#: Endpoint totals analysed by visit.
ENDPOINT_PARAMCDS = (PARAMCD_ESSDAI, PARAMCD_ESSPRI, PARAMCD_PGA)


#: Laboratory markers of disease activity analysed as change from baseline (adlb PARAMCD).
EFFICACY_LAB_PARAMCDS = ("IGG", "ESR", "CRP", "C3", "C4")


#: Remission/improvement parameters of adeff (post-baseline, patients involved at baseline).
REMISSION_PARAMCDS = ("REMARTIC", "REMCUTAN", "REMHAEM", "ILDIMP")


#: Method statement of the ARD rows of the patients due at each visit (``EFF-VISITS-DUE``; the other rows'
#: statements are defined with the code that computes them, e.g. ``paired_tests.TTEST_METHOD``).
DUE_METHOD = ("Patients of the full analysis set whose visit was due at the data cut: attended, left the study, "
              "or window (target day + half-width) closed before the cut")


#: ARD ``group`` of the efficacy analyses of this module in a trial of several arms: they pool the arms
#: (the between-arm analyses, ``arms``, give each arm and call their pooled column "Total").
POOLED_GROUP = "All patients"


def pooled_group(adsl: pd.DataFrame) -> str:
    """ARD ``group`` of the pooled efficacy analyses: the one arm of ADSL ``TRT01P``, else ``POOLED_GROUP``.

    Without ``TRT01P`` (a dataset from elsewhere), the pilot's arm ``vocabulary.ARM``.

    >>> pooled_group(pd.DataFrame({"TRT01P": ["Baricitinib 2 mg"] * 2}))
    'Baricitinib 2 mg'
    >>> pooled_group(pd.DataFrame({"TRT01P": ["A", "B"]})), pooled_group(pd.DataFrame({"USUBJID": ["a"]}))
    ('All patients', 'Baricitinib 2 mg')
    """
    arms = adsl["TRT01P"].dropna().unique() if "TRT01P" in adsl.columns else []
    return ARM if len(arms) == 0 else str(arms[0]) if len(arms) == 1 else POOLED_GROUP


def _suffix(approach: str) -> str:
    return "" if approach == "OC" else f"-{approach}"


def _ard(results: pd.DataFrame, **constants) -> tuple[pd.DataFrame, dict]:
    """A part of an ARD: results with ARD column names, and the constants of its other columns.

    The constants are filled in by ``_stack``, for all parts at once (one column at a time, not
    one small frame at a time).
    """
    return results.rename(columns={"PARAMCD": "paramcd", "AVISIT": "avisit"}), constants


def _stack(parts: list) -> pd.DataFrame:
    """One ARD from parts (``_ard`` parts or ARD frames): typed once by ``make_ard``, duplicates refused.

    A constant of a part replaces that column in the part's rows, as ``DataFrame.assign`` would.
    """
    parts = [part if isinstance(part, tuple) else (part, {}) for part in parts]
    frames = [frame for frame, _ in parts]
    out = pd.concat(frames, ignore_index=True)
    part_of_row = np.repeat(np.arange(len(parts)), [len(frame) for frame in frames])
    for col in dict.fromkeys(name for _, constants in parts for name in constants):
        given = np.array([col in constants for _, constants in parts])
        values = np.array([constants.get(col) for _, constants in parts], dtype=object)
        old = out[col].to_numpy(dtype=object) if col in out else np.full(len(out), None, dtype=object)
        out[col] = np.where(given[part_of_row], values[part_of_row], old)
    return ard_mod.stack_ard([out])


def summarize_endpoint(data: pd.DataFrame, *, paramcd: str, approach: str = "OC", group: str = ARM) -> pd.DataFrame:
    """Return the ARD rows of one continuous endpoint: summaries by visit and paired analyses of change.

    AVAL is summarised at every visit, CHG and PCHG at post-baseline visits
    (``EFF-{P}-SUMMARY{S}``); at every post-baseline visit of ``data`` (``visits.visit_weeks``) the changes
    get the Wilcoxon test, the paired t-test, the Hodges-Lehmann estimate and the effect sizes
    (``EFF-{P}-{V}-...{S}``).

    Parameters
    ----------
    data : DataFrame
        BDS records (adeff or adlb) of the analysis population, observed or with carried records.
    paramcd : str
        Parameter analysed.
    approach : {'OC', 'BOCF', 'LOCF'}, default 'OC'
        Missing-data approach of ``data``; sets the identifier suffix and the population label.
    group : str, default vocabulary.ARM
        ARD ``group`` (treatment arm).
    """
    return _stack(_endpoint_parts(data, paramcd=paramcd, approach=approach, group=group))


def _summary_part(rows: pd.DataFrame, post: pd.DataFrame, *, paramcd: str, approach: str, group: str):
    summary = pd.concat([summarize_by_visit(rows, value="AVAL"), summarize_by_visit(post, value="CHG"),
                         summarize_by_visit(post, value="PCHG")], ignore_index=True)
    return _ard(summary, analysis_id=f"EFF-{paramcd}-SUMMARY{_suffix(approach)}", group=group,
                population=POPULATIONS[approach], method=SUMMARY_METHOD,
                label=f"{paramcd}: value and change from baseline by visit")


def _endpoint_parts(data: pd.DataFrame, *, paramcd: str, approach: str, group: str) -> list:
    rows = data[data["PARAMCD"] == paramcd]
    post = rows[rows["AVISITN"] != 0]
    sfx, pop = _suffix(approach), POPULATIONS[approach]
    parts = [_summary_part(rows, post, paramcd=paramcd, approach=approach, group=group)]
    for avisit, week in post_baseline(visit_weeks(rows)).items():
        code = visit_code(week)
        chg = post.loc[post["AVISIT"] == avisit, "CHG"].dropna()
        if chg.empty:
            continue
        res = compare_paired(chg.to_numpy())
        res["analysis_id"] = f"EFF-{paramcd}-{code}-" + res["analysis"] + sfx
        parts.append(_ard(res.drop(columns="analysis"), paramcd=paramcd, avisit=avisit, variable="CHG",
                          group=group, population=pop, label=f"{paramcd}: change from baseline to {avisit}"))
    return parts


def summarize_response(data: pd.DataFrame, *, paramcd: str, flag: str, variable: str, approach: str = "OC",
                       group: str = ARM) -> pd.DataFrame:
    """Return the ARD rows (``EFF-{P}-{variable}{S}``) of a responder flag by visit: n/N (%), exact CI."""
    return _stack([_response_part(data, paramcd=paramcd, flag=flag, variable=variable, approach=approach,
                                  group=group)])


def _response_part(data: pd.DataFrame, *, paramcd: str, flag: str, variable: str, approach: str, group: str):
    res = summarize_responders(data[data["PARAMCD"] == paramcd], flag=flag)
    return _ard(res, analysis_id=f"EFF-{paramcd}-{variable}{_suffix(approach)}", variable=variable,
                group=group, population=POPULATIONS[approach], method=CP_METHOD,
                label=f"{paramcd} {variable} ({flag} = Y)")


def summarize_activity(data: pd.DataFrame, *, approach: str = "OC", group: str = ARM) -> pd.DataFrame:
    """Return the ARD rows (``EFF-ESSDAI-ACTCAT{S}``) of the ESSDAI activity categories by visit."""
    return _stack([_activity_part(data, approach=approach, group=group)])


def _activity_part(data: pd.DataFrame, *, approach: str, group: str):
    res = summarize_categories(data[data["PARAMCD"] == PARAMCD_ESSDAI], var="AVALCAT1")
    return _ard(res, analysis_id=f"EFF-ESSDAI-ACTCAT{_suffix(approach)}", variable="AVALCAT1",
                group=group, population=POPULATIONS[approach], method=CATEGORY_METHOD,
                label="ESSDAI activity: Low (<5), Moderate (5-13), High (>=14)")


def summarize_visits_due(adsl: pd.DataFrame, *, group: str = ARM, weeks: dict | None = None) -> pd.DataFrame:
    """Return the ``EFF-VISITS-DUE`` ARD rows: n_fas and n_due at each post-baseline visit.

    n_due counts the full-analysis-set patients whose visit was due at the data cut (``visits_due``;
    all of them when ADSL has no due flags). Tables and sentences use it to tell a visit not yet due
    from a visit without data. ``weeks``: the scheduled visits ``{AVISIT: AVISITN}`` (``visits.analysis_weeks``;
    default: the visits ADSL flags), one row pair per post-baseline visit in week order.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["a", "b"], "FASFL": "Y", "DUE12FL": ["Y", "Y"], "DUE24FL": ["Y", "N"]})
    >>> summarize_visits_due(adsl)[["avisit", "stat_name", "stat_value"]].values.tolist()
    [['Week 12', 'n_fas', 2.0], ['Week 12', 'n_due', 2.0], ['Week 24', 'n_fas', 2.0], ['Week 24', 'n_due', 1.0]]
    """
    return _stack([_visits_due_part(adsl, group=group, weeks=weeks)])


def _visits_due_part(adsl: pd.DataFrame, *, group: str, weeks: dict | None = None, due=False):
    """``due``: ``visits_due(adsl, weeks)`` when the caller has it already (``None`` is a result: no ADSL flag)."""
    weeks = analysis_weeks(pd.DataFrame(), adsl) if weeks is None else weeks
    fas = adsl.loc[adsl["FASFL"] == "Y", "USUBJID"]
    due = visits_due(adsl, weeks) if due is False else due
    rows = []
    for avisit in post_baseline(weeks):
        n_due = len(fas) if due is None else int(due.loc[due["AVISIT"] == avisit, "USUBJID"].isin(fas).sum())
        rows += [(avisit, "n_fas", float(len(fas))), (avisit, "n_due", float(n_due))]
    res = pd.DataFrame(rows, columns=["AVISIT", "stat_name", "stat_value"])
    return _ard(res, analysis_id="EFF-VISITS-DUE", group=group, population=POPULATIONS["DUE"], method=DUE_METHOD,
                label="Patients whose visit was due at the data cut")


def summarize_visits_and_model(data: pd.DataFrame, *, paramcd: str, group: str = ARM, due=None,
                               visits=None) -> pd.DataFrame:
    """Return the Friedman (``EFF-{P}-FRIEDMAN``) and mixed-model (``EFF-{P}-MIXED``) ARD rows of one parameter.

    ``due`` (``visits_due``): the visits due at the data cut, for the mixed model (``fit_mixed_model_due``).
    The Friedman test compares ``visits`` (default: every scheduled visit of ``data``, ``visits.visit_weeks``).
    """
    rows = _observed(data[data["PARAMCD"] == paramcd])
    visits = tuple(visit_weeks(data) if visits is None else visits)
    fried = compare_visits_friedman(rows, visits=visits)
    parts = [_ard(pd.DataFrame({"stat_name": list(fried), "stat_value": list(fried.values())}),
                  analysis_id=f"EFF-{paramcd}-FRIEDMAN", paramcd=paramcd, variable="AVAL", group=group,
                  population=POPULATIONS["OC"], method=friedman_method(visits),
                  label=f"{paramcd}: Friedman test across visits (complete cases)")]
    parts.append(_ard(fit_mixed_model_due(rows, due=due), analysis_id=f"EFF-{paramcd}-MIXED", paramcd=paramcd,
                      variable="CHG",
                      group=group, population=POPULATIONS["MIXED"], method=MIXED_METHOD,
                      label=f"{paramcd}: model-based change from baseline"))
    return _stack(parts)


def summarize_remission(data: pd.DataFrame, *, group: str = ARM) -> pd.DataFrame:
    """Return the ARD rows (``EFF-REMISSION``) of the remission/improvement parameters (AVALC Y/N)."""
    rows = data[data["PARAMCD"].isin(REMISSION_PARAMCDS)]
    res = summarize_responders(rows, flag="AVALC")
    return _stack([_ard(res, analysis_id="EFF-REMISSION", variable="RESPONSE", group=group,
                        population=POPULATIONS["OC"],
                        method=REMISSION_METHOD,
                        label="Remission (domain level 0) or ILD improvement among patients involved at baseline")])


def select_fas(data: pd.DataFrame, adsl: pd.DataFrame) -> pd.DataFrame:
    """Keep the records of full-analysis-set subjects (``adsl.FASFL == "Y"``) at the scheduled visits.

    The scheduled visits are those with a planned week (``AVISITN``; ``visits.visit_weeks``), every one of
    them: an unscheduled record has none.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["a", "b"], "FASFL": ["Y", "N"]})
    >>> d = pd.DataFrame({"USUBJID": ["a", "a", "a", "b"], "AVISIT": ["Baseline", "Unscheduled", "Week 4", "Baseline"],
    ...                   "AVISITN": [0, None, 4, 0]})
    >>> select_fas(d, adsl).index.tolist()
    [0, 2]
    """
    for col in ("USUBJID", "FASFL"):
        if col not in adsl.columns:
            raise ValueError(f"adsl: column {col} missing (needed for the full analysis set)")
    fas = adsl.loc[adsl["FASFL"] == "Y", "USUBJID"]
    return data[data["USUBJID"].isin(fas) & data["AVISIT"].isin(list(visit_weeks(data)))]


def _scenarios(adeff: pd.DataFrame, subjects, *, approaches=("OC", "BOCF", "LOCF"), due=None, weeks=None) -> dict:
    """The endpoint records under each missing-data approach: observed cases, BOCF, LOCF (due visits only).

    ``weeks``: the scheduled visits to fill (``visits.analysis_weeks``; default those of ``adeff``).
    """
    endpoints = adeff[adeff["PARAMCD"].isin(ENDPOINT_PARAMCDS)]
    make = {"OC": lambda: _observed(endpoints),
            "BOCF": lambda: impute_bocf(endpoints, subjects=subjects, visits=weeks, due=due),
            "LOCF": lambda: impute_locf(endpoints, subjects=subjects, visits=weeks, due=due)}
    return {approach: make[approach]() for approach in approaches}


def _domains_part(eff: pd.DataFrame, *, group: str):
    domains = _observed(eff[eff["PARAMCD"].isin(list(ESSDAI_SCORE_PARAMCD.values()))])
    return _ard(summarize_by_visit(domains), analysis_id="EFF-EDS-SUMMARY", group=group,
                population=POPULATIONS["OC"], method=SUMMARY_METHOD, label="ESSDAI domain scores by visit")


def summarize_course(adsl: pd.DataFrame, adeff: pd.DataFrame, *, group: str | None = None) -> pd.DataFrame:
    """Return the efficacy ARD rows the efficacy figures describe, on observed cases.

    The summaries by visit of ESSDAI, ESSPRI and PGA (``EFF-{P}-SUMMARY``) and of the ESSDAI domain
    scores (``EFF-EDS-SUMMARY``), and the ESSDAI MCII (``EFF-ESSDAI-MCII``): the same rows, to the
    last bit, as ``summarize_efficacy`` gives, from the same functions on the same records of the
    full analysis set. For ``05_efficacy_figures``, so that it need not wait for ``04_efficacy``.
    """
    group = pooled_group(adsl) if group is None else group
    eff = select_fas(adeff, adsl)
    data = _scenarios(eff, None, approaches=("OC",))["OC"]
    parts = []
    for p in ENDPOINT_PARAMCDS:
        rows = data[data["PARAMCD"] == p]
        parts.append(_summary_part(rows, rows[rows["AVISITN"] != 0], paramcd=p, approach="OC", group=group))
    parts.append(_response_part(data, paramcd=PARAMCD_ESSDAI, flag="CRIT1FL", variable="MCII", approach="OC",
                                group=group))
    parts.append(_domains_part(eff, group=group))
    parts.append(_visits_due_part(adsl, group=group, weeks=analysis_weeks(eff, adsl)))
    return _stack(parts)


def summarize_primary(adsl: pd.DataFrame, adeff: pd.DataFrame, *, group: str | None = None) -> pd.DataFrame:
    """Return the ESSDAI rows of the efficacy ARD on observed cases: summaries, paired analyses and MCII.

    The same rows, to the last bit, as ``summarize_efficacy`` gives (``EFF-ESSDAI-SUMMARY``,
    ``EFF-ESSDAI-{W12,W24}-*``, ``EFF-ESSDAI-MCII``): the same functions on the same records of the
    full analysis set. For a notebook that needs the primary endpoint's results without the whole
    efficacy section (``07_next_trial_planning``), so that it need not wait for ``04_efficacy``.
    """
    group = pooled_group(adsl) if group is None else group
    eff = select_fas(adeff, adsl)
    data = _scenarios(eff[eff["PARAMCD"] == PARAMCD_ESSDAI], None, approaches=("OC",))["OC"]
    return _stack([*_endpoint_parts(data, paramcd=PARAMCD_ESSDAI, approach="OC", group=group),
                   _response_part(data, paramcd=PARAMCD_ESSDAI, flag="CRIT1FL", variable="MCII", approach="OC",
                                  group=group),
                   _visits_due_part(adsl, group=group, weeks=analysis_weeks(eff, adsl))])


def summarize_efficacy(adsl: pd.DataFrame, adeff: pd.DataFrame, adlb: pd.DataFrame, *,
                       group: str | None = None) -> pd.DataFrame:
    """Compute every number of the efficacy section as ARD rows (full analysis set, ``FASFL == "Y"``).

    Observed cases (primary) and BOCF/LOCF for the ESSDAI, ESSPRI and PGA summaries, paired analyses,
    MCII, PASS and activity categories; on observed cases, the Friedman tests, the mixed models,
    remission, the ESSDAI domain scores and the laboratory markers (``EFFICACY_LAB_PARAMCDS``); the
    patients due at each visit (``EFF-VISITS-DUE``). BOCF, LOCF and the mixed model treat as missing only
    the visits due at the data cut (``visits_due``). The identifiers are listed in the module docstring.
    ARD ``group``: ``group``, default ``pooled_group(adsl)`` (the arm of a single-arm trial).
    """
    group = pooled_group(adsl) if group is None else group
    fas = adsl.loc[adsl["FASFL"] == "Y", "USUBJID"]
    eff = select_fas(adeff, adsl)
    weeks = analysis_weeks(eff, adsl)
    due = visits_due(adsl, weeks)
    parts = []
    for approach, data in _scenarios(eff, fas, due=due, weeks=weeks).items():
        for p in ENDPOINT_PARAMCDS:
            parts += _endpoint_parts(data, paramcd=p, approach=approach, group=group)
        for paramcd, flag, variable in ((PARAMCD_ESSDAI, "CRIT1FL", "MCII"), (PARAMCD_ESSPRI, "CRIT2FL", "MCII"),
                                        (PARAMCD_ESSPRI, "CRIT3FL", "PASS")):
            parts.append(_response_part(data, paramcd=paramcd, flag=flag, variable=variable, approach=approach,
                                        group=group))
        parts.append(_activity_part(data, approach=approach, group=group))
    parts += [summarize_visits_and_model(eff, paramcd=p, group=group, due=due, visits=tuple(weeks))
              for p in ENDPOINT_PARAMCDS]
    parts.append(summarize_remission(eff, group=group))
    parts.append(_domains_part(eff, group=group))
    labs = select_fas(adlb[adlb["ANL01FL"] == "Y"], adsl)  # a test repeated at a visit: the sample analysed
    observed = _observed(labs)
    for p in EFFICACY_LAB_PARAMCDS:
        if (labs["PARAMCD"] == p).any():
            parts += _endpoint_parts(observed, paramcd=p, approach="OC", group=group)
    parts.append(_visits_due_part(adsl, group=group, weeks=weeks, due=due))
    return _stack(parts)
