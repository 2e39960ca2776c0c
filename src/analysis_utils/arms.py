"""Between-arm analyses of a randomised trial, from ADSL and a BDS efficacy dataset into ARD rows.

The arms come from ADSL (``TRT01P`` / ``TRT01PN``, or ``TRT01A`` / ``TRT01AN``): the reference arm of
every comparison is the arm with the lowest code, the CDISC convention that gives it to the control (the
CDISC pilot's Placebo has ``TRT01PN = 0``). The analysis records carry the arm in a BDS column (``TRTP``,
``TRTA``) or take it from ADSL (``TRT01P``, ``TRT01A``). The statistics are computed by ``comparisons``; this module
selects the records, chooses the methods and names the ARD rows.

Analyses (``summarize_arms``; every identifier with per-arm rows, ``group`` = the arm or
``"Total"``, and between-arm rows ``<id>-DIFF`` with ``stat_name`` in ``estimate, ci_lower,
ci_upper, p_value``, ``group`` = ``"<arm> vs <reference>"``):

- ``EFF-<P>-SUMMARY-ARMS``: value and change from baseline by visit, per arm and in total
  (``endpoints.summarize_by_visit``), the descriptive columns of the tables and the tables of each arm by visit
  (``format_summary_by_arm``); also of the laboratory markers, given ADLB (``labs``). ``EFF-<P>-SUMMARY-ARMS-HYPO``:
  the same without the post-switch records, the arm columns of the hypothetical strategy's rows.
- ``EFF-ESSDAI-ACTCAT-ARMS``: the ESSDAI activity categories by visit, per arm and in total
  (``summarize_activity_by_arm``).
- ``EFF-REMISSION-ARMS``: remission of each organ domain involved at baseline and ILD improvement, per arm and in
  total (``summarize_remission_by_arm``).
- ``EFF-ESSDAI-MCII``: responder rates (``CRIT1FL``) per arm and in total (Clopper-Pearson CI), the
  difference with the Newcombe hybrid score CI and the CMH test stratified by the randomisation stratum
  (``strata_variable``: else the centre), or Fisher's exact test when the strata are too sparse (the row's
  ``method`` says which and why).
- ``EFF-ESSDAI-MCII-LOGISTIC``: odds ratio of response adjusted for the baseline ESSDAI.
- ``EFF-<P>-MCII-NRI``: the responder rates and their difference with every patient whose visit was due and
  who has no response counted as a non-responder (``NRI``), the sensitivity analysis for missing data.
- ``EFF-<P>-CHG``: ANCOVA of the change with the baseline as covariate and the stratum as a factor
  when estimable (``CENTRE_FACTOR_RULE``).
- ``EFF-<P>-MMRM``: repeated-measures model over every post-baseline visit, containment degrees of
  freedom (``comparisons.fit_mmrm``).
- ``EFF-<P>-MMRM-HYPO``: the same model with the post-switch records of switched patients left
  out: the hypothetical-strategy sensitivity analysis (``SWITCH_ESTIMANDS``).

Estimands (ICH E9(R1)): the primary analysis is at ``PRIMARY_VISIT`` (week 12), before the switch of
control patients without a response. At ``FINAL_VISIT`` (week 24) the primary strategy for the
switch is **treatment policy**: every patient is analysed in the arm randomised (``TRTP``) whatever
was taken after the switch, so the week-24 comparison is "baricitinib + HCQ from week 0" against
"HCQ, with baricitinib added at week 12 for non-responders". The **hypothetical** strategy (what
would have happened without the switch) is a sensitivity analysis: post-switch records are set to
missing and the repeated-measures model, valid under missing at random given the earlier values,
estimates the week-24 difference. The decision is recorded in ``docs/decisions.md``.
"""

import dataclasses

import numpy as np
import pandas as pd

from analysis_utils import ard as ard_mod
from analysis_utils import comparisons, dictionary, efficacy_tables, endpoints, tables, vocabulary
from analysis_utils.listings import CENTRE, STRATUM, strata_variable  # the strata, in listings (no scipy)
from analysis_utils.responders import CP_METHOD, REMISSION_METHOD
from analysis_utils.summaries import ACTIVITY_CATEGORIES, CATEGORY_METHOD, SUMMARY_METHOD, summarize_categories
from analysis_utils.visits import analysis_weeks, visit_weeks, visits_due

#: ARD section of the between-arm rows (``reports/ard/efficacy-arms.csv``).
SECTION = "efficacy-arms"
#: ``group`` of the rows over all arms.
TOTAL = "Total"
#: The analysis population flag (full analysis set; the CDISC pilot's efficacy population is ``EFFFL``).
POPULATION = "FASFL"
#: Primary analysis visit: week 12, before the switch (protocol, Trials 2023 doi 10.1186/s13063-023-07087-5).
PRIMARY_VISIT = "Week 12"
#: Final evaluation at week 24 (same protocol).
FINAL_VISIT = "Week 24"
#: Planned week (``AVISITN``) of the switch: control patients without an ESSDAI MCII at week 12 add
#: baricitinib after their week-12 assessment; their later visits are post-switch (``dictionary.SWITCH_WEEK``).
SWITCH_WEEK = dictionary.SWITCH_WEEK
#: Estimand strategies for the switch (ICH E9(R1) section A.3.2): primary and sensitivity.
SWITCH_ESTIMANDS = {
    "treatment policy": "analysed in the randomised arm (TRTP) regardless of the switch",
    "hypothetical": "post-switch records of switched patients (SWITCHFL = 'Y', ADT > TR02SDT) set to "
                    "missing; linear mixed model (random intercept) under missing at random",
}
#: When the centre enters the ANCOVA: as a categorical factor if the model with it is of full rank
#: and keeps at least ``MIN_RESIDUAL_DF`` residual degrees of freedom; otherwise the model is fitted
#: without it and the row's method says so (ICH E9 section 3.2: covariates pre-specified, small
#: centres pooled or left out rather than over-fitted).
MIN_RESIDUAL_DF = 10
CENTRE_FACTOR_RULE = (f"centre ({CENTRE}) as a factor if the model with it is of full rank with at least "
                      f"{MIN_RESIDUAL_DF} residual df, else left out")
#: ADSL arm variable (and its code ``<variable>N``) behind each BDS arm column.
ADSL_ARM = {"TRTP": "TRT01P", "TRT01P": "TRT01P", "TRTA": "TRT01A", "TRT01A": "TRT01A"}
#: Endpoints of the between-arm analyses: continuous parameters, and responder flags with their labels.
CHANGE_PARAMCDS = ("ESSDAI", "ESSPRI", "PGA")
RESPONDERS = (("ESSDAI", "CRIT1FL", "MCII", "ESSDAI MCII (decrease >= 3)"),
              ("ESSPRI", "CRIT2FL", "MCII", "ESSPRI MCII (decrease >= 1 point or >= 15 %)"))

#: Ending of the responder analyses' sensitivity analysis of missing data (ICH E9(R1) A.5.2.4): non-responder
#: imputation (NRI), the usual sensitivity analysis of a responder endpoint. Every patient of the full analysis set
#: whose visit was due at the data cut (``visits.visits_due``: attended, left the study, or window closed) counts, and
#: one without a response at it (no assessment, or one that cannot be evaluated) is a non-responder; the primary
#: analysis leaves such patients out (observed cases). A visit not yet due is left out under both.
NRI = "NRI"
NRI_METHOD = ("Non-responder imputation (NRI): N = patients of the full analysis set whose visit was due at the data "
              "cut; one without a response at it (not assessed, left the study) is a non-responder")

_DISPLAY_DECIMALS = 1


# --------------------------------------------------------------------------------------------
# Arms
# --------------------------------------------------------------------------------------------

def _adsl_arm(arm: str) -> str:
    if arm not in ADSL_ARM:
        raise ValueError(f"arm column {arm!r} not supported (one of {sorted(ADSL_ARM)})")
    return ADSL_ARM[arm]


def arm_codes(adsl: pd.DataFrame, arm: str = "TRT01P") -> pd.Series:
    """The code of each arm (``<arm>N``), ordered by code: index = arm, value = code. A patient with neither (not
    randomised yet at an interim cut, or never dosed for the actual arm) is in no arm.

    Raises ``ValueError`` naming the subject when an arm or its code is missing without the other, or an arm has two
    codes.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2", "3", "4"], "TRT01P": ["B", "A", "B", ""],
    ...                      "TRT01PN": pd.array([2, 1, 2, None], dtype="Int64")})
    >>> arm_codes(adsl).to_dict()
    {'A': 1, 'B': 2}
    """
    var = _adsl_arm(arm)
    code = f"{var}N"
    for col in ("USUBJID", var, code):
        if col not in adsl.columns:
            raise ValueError(f"adsl: column {col} missing (needed for the arms)")
    no_arm = adsl[var].isna() | adsl[var].astype(str).str.strip().eq("")
    blank = no_arm != adsl[code].isna()
    if blank.any():
        raise ValueError(f"adsl: USUBJID {adsl.loc[blank, 'USUBJID'].iloc[0]}: {var} or {code} is missing")
    adsl = adsl[~no_arm]
    codes = adsl.groupby(var, sort=False)[code].unique()
    several = codes[codes.map(len) > 1]
    if len(several):
        raise ValueError(f"adsl: arm {several.index[0]!r} has more than one {code}: {sorted(several.iloc[0])}")
    codes = codes.map(lambda c: c[0])
    dup = codes[codes.duplicated(keep=False)]
    if len(dup):
        raise ValueError(f"adsl: {code} {dup.iloc[0]} is the code of more than one arm: {sorted(dup.index)}")
    return codes.sort_values(kind="stable").rename(code)


def arms_of(adsl: pd.DataFrame, arm: str = "TRT01P") -> list[str]:
    """The arms of ADSL ordered by their code, the reference (lowest code) first."""
    return list(arm_codes(adsl, arm).index)


def arm_of_subjects(adsl: pd.DataFrame, arm: str = "TRT01P") -> pd.Series:
    """Each subject's arm (``arm``), indexed by ``USUBJID``, categorical in the order of ``arms_of`` (the reference
    first); a subject without an arm (never randomised) is missing.

    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2", "3"], "TRT01P": ["B", "A", ""], "TRT01PN": [2, 1, None]})
    >>> arm_of_subjects(adsl).tolist(), list(arm_of_subjects(adsl).cat.categories)
    (['B', 'A', nan], ['A', 'B'])
    """
    arms, var = arms_of(adsl, arm), _adsl_arm(arm)
    return pd.Series(pd.Categorical(adsl[var].where(adsl[var].isin(arms)), categories=arms),
                     index=adsl["USUBJID"].to_numpy(), name=var)


def reference_arm(adsl: pd.DataFrame, arm: str = "TRT01P") -> str:
    """The reference arm of every comparison: the arm with the lowest ``TRT01PN`` (``TRT01AN`` for ``TRT01A``), the
    control arm where the codes follow the CDISC convention (validation queries a reference arm with baricitinib
    beside an arm without it, ``reference_not_control``).

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"], "TRT01P": ["Drug", "Placebo"], "TRT01PN": [81, 0]})
    >>> reference_arm(adsl)
    'Placebo'
    """
    return arms_of(adsl, arm)[0]


def control_switched(adsl: pd.DataFrame) -> bool:
    """True when a patient of a control arm switched treatment (ADSL ``SWITCHFL``, in an arm without baricitinib:
    ``DOSE01P`` 0; without that variable, any switch): the protocol's switch of control non-responders, which the
    texts of the switch describe. Another arm's change of treatment is not that switch (validation queries it).

    >>> adsl = pd.DataFrame({"SWITCHFL": ["N", "Y"], "DOSE01P": [0.0, 4.0]})
    >>> control_switched(adsl), control_switched(adsl.assign(DOSE01P=0.0))
    (False, True)
    >>> control_switched(adsl.drop(columns="DOSE01P"))
    True
    """
    if "SWITCHFL" not in adsl.columns:
        return False
    switched = adsl["SWITCHFL"].eq("Y")
    return bool((switched & adsl["DOSE01P"].eq(0)).any() if "DOSE01P" in adsl.columns else switched.any())


def switch_visit(adsl: pd.DataFrame, adeff: pd.DataFrame) -> str | None:
    """The visit of ``SWITCH_WEEK`` (its ``AVISIT``), after which control patients without a response switch
    treatment, when one did (``control_switched``); else ``None``.

    >>> adeff = pd.DataFrame({"AVISIT": ["Baseline", "Week 12"], "AVISITN": [0, 12]})
    >>> switch_visit(pd.DataFrame({"SWITCHFL": ["N", "Y"]}), adeff), switch_visit(pd.DataFrame({"SWITCHFL": ["N"]}),
    ...                                                                           adeff)
    ('Week 12', None)
    """
    at = adeff.loc[adeff["AVISITN"] == SWITCH_WEEK, "AVISIT"]
    return str(at.iloc[0]) if control_switched(adsl) and len(at) else None


def describe_strata(adsl: pd.DataFrame, population: str = POPULATION) -> str:
    """The stratification of the between-arm analyses in words (``strata_variable``), with the number of strata.

    >>> adsl = pd.DataFrame({"SITEID": ["01", "01", "02"], "FASFL": "Y", "STRAT1R": ["CENTRE 01", "CENTRE 01", ""]})
    >>> describe_strata(adsl), describe_strata(adsl.assign(STRAT1R=["A", "B", "B"]))
    ('centre (2 centres)', 'the randomisation stratum (2 strata, Table 14.1.8)')
    """
    variable = strata_variable(adsl, population)
    n = adsl.loc[adsl[population] == "Y", variable].nunique()
    if variable == STRATUM:
        return f"the randomisation stratum ({n} strata, Table 14.1.8)"
    return f"centre ({n} centres)"


def describe_methods(adsl: pd.DataFrame) -> str:
    """The methods of the between-arm comparisons in words (Markdown, under their heading): the reference arm
    (``reference_arm``), the primary analysis and its sensitivity analysis, the strata (``describe_strata``), the
    models of change; where a control patient switched treatment (``control_switched``), the week-24 estimands of
    the switch.

    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"], "TRT01P": ["Bari", "Placebo"], "TRT01PN": [1, 0],
    ...                      "SITEID": "01", "FASFL": "Y", "SWITCHFL": "N"})
    >>> text = describe_methods(adsl)
    >>> text.splitlines()[2][:72], "switch" in text
    ('Each arm is compared with the reference arm, **Placebo**, every patient ', False)
    >>> "**Week 24, after the switch**" in describe_methods(adsl.assign(SWITCHFL=["N", "Y"]))
    True
    """
    switched = control_switched(adsl)
    week = PRIMARY_VISIT.lower()
    text = (f"## Between-arm comparisons\n\nEach arm is compared with the reference arm, **{reference_arm(adsl)}**, "
            f"every patient in the arm randomised to, whatever was taken later. The **primary analysis** is the ESSDAI "
            f"MCII rate at **{week}**{', before the switch' if switched else ''}: the difference in response rates "
            "with the Newcombe hybrid score 95 % CI, the p-value of the Cochran-Mantel-Haenszel test stratified by "
            f"{describe_strata(adsl)}, or Fisher's exact test when the strata are too sparse (as the table's note "
            "says), and a logistic regression adjusted for the baseline ESSDAI; its sensitivity analysis for missing "
            "data counts every patient whose visit was due and who has no response at it as a non-responder (NRI). "
            f"The primary analysis takes the patients of the full analysis set with an ESSDAI at {week} (observed "
            "cases): a patient who stopped before it has no response there and is left out; NRI counts such a "
            "patient as a non-responder (stopping early as a failure, a composite strategy), so the two together "
            "show what stopping early does to the result. Changes from baseline are compared by ANCOVA with the "
            "baseline as covariate (the same strata as a factor where estimable) and by a linear mixed model over "
            "every visit (a random intercept per patient, between-subject degrees of freedom).")
    if switched:
        text += (f" **{FINAL_VISIT}, after the switch**: the protocol switches control patients without an MCII at "
                 f"{week} to a treatment with baricitinib (the data queries name any other switch); the primary "
                 f"{FINAL_VISIT.lower()} estimand is *treatment policy* (every patient in the arm randomised, whatever "
                 "was taken after the switch); the *hypothetical* strategy (post-switch values treated as missing) is "
                 f"a sensitivity analysis of the mixed model. After {week} the control arm is seen without baricitinib "
                 f"only in its {week} responders, so its hypothetical course for the switched patients is the model's "
                 "extrapolation from their visits before the switch, valid only if their later values are missing at "
                 "random given those.")
    return text


def has_several_arms(adsl: pd.DataFrame, arm: str = "TRT01P") -> bool:
    """True when ADSL has more than one arm (between-arm analyses apply)."""
    var = _adsl_arm(arm)
    return var in adsl.columns and adsl[var].dropna().nunique() > 1


#: The between-arm tables, which open a randomised trial's efficacy section (ICH E3 14.2: the analyses the trial was
#: designed for first): Table 14.2.1 the primary comparison (ESSDAI MCII at week 12), 14.2.2 to 14.2.4 the changes of
#: ESSDAI, ESSPRI and PGA, 14.2.5 the ESSPRI MCII, 14.2.6 to 14.2.9 each arm by visit. The tables of all patients
#: together follow them (``pooled_table``).
ARMS_TABLES = 9


def pooled_table(number: int, randomised: bool) -> str:
    """The number of the efficacy table of all patients together that is Table 14.2.``number`` of a single-arm trial:
    in a randomised trial it follows the between-arm tables (``ARMS_TABLES``).

    >>> pooled_table(1, False), pooled_table(1, True), pooled_table(14, True)
    ('Table 14.2.1', 'Table 14.2.10', 'Table 14.2.23')
    """
    return f"Table 14.2.{number + ARMS_TABLES * randomised}"


#: The efficacy figures of a randomised trial before those of all patients together: Figure 14.2.1, each arm's change.
ARMS_FIGURES = 1


def pooled_figure(number: int, randomised: bool) -> str:
    """The number of the efficacy figure of all patients together that is Figure 14.2.``number`` of a single-arm trial:
    in a randomised trial it follows the between-arm figure (``ARMS_FIGURES``), as ``pooled_table`` the tables.

    >>> pooled_figure(1, False), pooled_figure(1, True), pooled_figure(4, True)
    ('Figure 14.2.1', 'Figure 14.2.2', 'Figure 14.2.5')
    """
    return f"Figure 14.2.{number + ARMS_FIGURES * randomised}"


#: The analyses of the primary between-arm table (Table 14.2.1): the ESSDAI MCII rates, with missing counted as
#: non-response (NRI), and the logistic regression.
PRIMARY_IDS = ("EFF-ESSDAI-MCII", "EFF-ESSDAI-MCII-NRI", "EFF-ESSDAI-MCII-LOGISTIC")


def describe_efficacy_order(adsl: pd.DataFrame, ard: pd.DataFrame) -> str:
    """The note that opens a randomised trial's efficacy section: where its primary analysis is (Table 14.2.1, the first
    of the between-arm tables, ``ARMS_TABLES``; at an interim cut before week 12, not yet there), and that the tables
    of all patients together follow them (``pooled_table``), of every patient of the full analysis set, the switched
    ones (``SWITCHFL``) after the switch on their new treatment.

    >>> adsl = pd.DataFrame({"FASFL": ["Y", "Y", "Y"], "SWITCHFL": ["N", "Y", "N"]})
    >>> text = describe_efficacy_order(adsl, pd.DataFrame({"analysis_id": []}))
    >>> switched = "all 3 patients of the full analysis set (after week 12, the 1 who switched treatment on their new"
    >>> "at week 12, will be Table 14.2.1" in text, switched in text
    (True, True)
    """
    due = len(format_arms_table(ard, analysis_ids=PRIMARY_IDS)) > 0
    primary = "is Table 14.2.1" if due else "will be Table 14.2.1"
    switched = int(adsl["SWITCHFL"].eq("Y").sum()) if "SWITCHFL" in adsl else 0
    after_switch = f" (after week 12, the {switched} who switched treatment on their new one)" if switched else ""
    return (f"**A randomised trial.** Its primary analysis, the difference between the arms in the ESSDAI MCII rate at "
            f"week 12, {primary}, the first of the between-arm comparisons that open this section; the changes in "
            "ESSDAI, ESSPRI and PGA and the ESSPRI MCII by arm follow in Tables 14.2.2 to 14.2.5, each arm's values by "
            f"visit, activity categories, remission and laboratory markers in Tables 14.2.6 to 14.2.{ARMS_TABLES}, "
            "and each arm's change by visit in Figure 14.2.1."
            + ("" if due else " At this data cut a between-arm table or figure that cannot be estimated yet is left "
               "out, with its number (the comparisons below say why).")
            + f" The tables after them, from {pooled_table(1, True)} on, pool the arms (Figures "
            f"14.2.{1 + ARMS_FIGURES} to 14.2.{4 + ARMS_FIGURES} show each arm apart): they describe the "
            f"course of all {int((adsl['FASFL'] == 'Y').sum())} patients of the full analysis set{after_switch}.")


# --------------------------------------------------------------------------------------------
# Analysis records
# --------------------------------------------------------------------------------------------

def analysis_records(adsl: pd.DataFrame, data: pd.DataFrame, *, paramcd: str, arm: str = "TRTP",
                     population: str = POPULATION, strata: str | None = CENTRE) -> pd.DataFrame:
    """The records of ``paramcd`` for the analysis population, one per subject and visit.

    Subjects with ``adsl[population] == "Y"``; records flagged ``ANL01FL == "Y"`` when the column
    exists, else the observed records (blank ``DTYPE``). The arm column (``arm``) is taken from the
    data, or from ADSL for ``TRT01P``/``TRT01A`` or when the data lack it, and made categorical in
    the order of the arm codes (reference first); ``strata``, ``SWITCHFL`` and ``TR02SDT`` are added from
    ADSL when the data lack them.
    """
    var = _adsl_arm(arm)
    for col in ("USUBJID", population):
        if col not in adsl.columns:
            raise ValueError(f"adsl: column {col} missing (needed for the between-arm analyses)")
    for col in ("USUBJID", "PARAMCD", "AVISIT"):
        if col not in data.columns:
            raise ValueError(f"analysis data: column {col} missing (needed for the between-arm analyses)")
    rows = data[(data["PARAMCD"] == paramcd) & data["USUBJID"].isin(adsl.loc[adsl[population] == "Y", "USUBJID"])]
    if "ANL01FL" in rows.columns:
        rows = rows[rows["ANL01FL"] == "Y"]
    elif "DTYPE" in rows.columns:
        rows = rows[rows["DTYPE"].fillna("").eq("")]
    extra = [c for c in (var, strata, "SWITCHFL", "TR02SDT") if c and c in adsl.columns and c not in rows.columns]
    if arm not in rows.columns and var not in extra:
        extra.append(var)
    rows = rows.merge(adsl[["USUBJID", *extra]], on="USUBJID", how="left", validate="many_to_one") if extra else rows
    if arm not in rows.columns:
        rows = rows.rename(columns={var: arm})
    order = arms_of(adsl, var)
    unknown = ~rows[arm].isin(order)
    if unknown.any():
        first = rows.loc[unknown].iloc[0]
        raise ValueError(f"analysis data: USUBJID {first['USUBJID']}, AVISIT {first['AVISIT']}: "
                         f"{arm} {first[arm]!r} is not an arm of adsl ({order})")
    rows = rows.assign(**{arm: pd.Categorical(rows[arm], categories=order)})
    dup = rows.duplicated(["USUBJID", "AVISIT"], keep=False)
    if dup.any():
        first = rows.loc[dup].iloc[0]
        raise ValueError(f"analysis data: USUBJID {first['USUBJID']}, AVISIT {first['AVISIT']}: more than one "
                         f"{paramcd} record for the subject at the visit")
    return rows.reset_index(drop=True)


def _is_baseline(rows: pd.DataFrame) -> pd.Series:
    if "ABLFL" in rows.columns:
        return rows["ABLFL"].eq("Y")
    return rows["AVISITN"].le(0) if "AVISITN" in rows.columns else rows["AVISIT"].eq("Baseline")


def post_switch(rows: pd.DataFrame, *, switch_week: float = SWITCH_WEEK) -> pd.Series:
    """True for the records after the switch: ``SWITCHFL == "Y"`` and dated after the first dose of the new
    treatment (``ADT > TR02SDT``; an assessment on that day is taken before the dose, as ``TRTA`` reads it), so that
    a switch later than planned (week 16) keeps the visits before it; a record without a date is before it, as
    ``TRTA`` reads it (``cleaning.derive_vars_trt``). Data without the columns ``ADT`` or ``TR02SDT``: a visit after
    the planned switch (``AVISITN > switch_week``).

    Without ``SWITCHFL`` no record is post-switch.

    Examples
    --------
    >>> d = pd.DataFrame({"SWITCHFL": ["Y", "Y", "Y", "N"], "AVISITN": [12, 16, 20, 16],
    ...                   "ADT": pd.to_datetime(["2021-03-29", "2021-04-26", "2021-05-24", "2021-04-26"]),
    ...                   "TR02SDT": pd.to_datetime(["2021-04-26"] * 3 + [None])})
    >>> post_switch(d).tolist(), post_switch(d.drop(columns="ADT")).tolist()
    ([False, False, True, False], [False, True, True, False])
    >>> post_switch(d.assign(ADT=pd.NaT)).tolist()
    [False, False, False, False]
    """
    if "SWITCHFL" not in rows.columns:
        return pd.Series(False, index=rows.index)
    if "AVISITN" not in rows.columns:
        raise ValueError("analysis data: column AVISITN missing (needed to find the post-switch visits)")
    if {"ADT", "TR02SDT"} <= set(rows.columns):
        after = (rows["ADT"] > rows["TR02SDT"]).fillna(False)
    else:
        after = rows["AVISITN"].gt(switch_week)
    return rows["SWITCHFL"].eq("Y") & after.astype(bool)


# --------------------------------------------------------------------------------------------
# ARD rows
# --------------------------------------------------------------------------------------------

def _arm_str(rows: pd.DataFrame, arm: str) -> pd.DataFrame:
    return rows.assign(**{arm: rows[arm].astype(str)})


def summarize_by_arm(rows: pd.DataFrame, *, paramcd: str, arm: str = "TRTP", suffix: str = "") -> pd.DataFrame:
    """``EFF-<paramcd>-SUMMARY-ARMS<suffix>``: n, mean, SD, median, quartiles, range of the value and the change
    from baseline at each visit, per arm (``group`` = the arm) and in total (``group`` = ``"Total"``). ``suffix``
    ``-HYPO``: of the records the hypothetical strategy's model reads (``summarize_arms``)."""
    parts = []
    for value in ("AVAL", "CHG"):
        data = rows if value == "AVAL" else rows[~_is_baseline(rows)]
        data = data[data[value].notna()] if value in data.columns else data.iloc[:0]
        if not len(data):
            continue
        by_arm = endpoints.summarize_by_visit(_arm_str(data, arm), value=value, by=("AVISIT",), group=arm)
        total = endpoints.summarize_by_visit(data, value=value, by=("AVISIT",)).assign(**{arm: TOTAL})
        for part in (by_arm, total):
            parts.append(ard_mod.make_ard(part.rename(columns={arm: "group", "AVISIT": "avisit"}),
                                          analysis_id=f"EFF-{paramcd}-SUMMARY-ARMS{suffix}", paramcd=paramcd,
                                          method=f"{SUMMARY_METHOD} (observed cases)"
                                          + ("; records after a switch left out" if suffix else ""),
                                          label=f"{paramcd} by arm and visit"))
    return ard_mod.stack_ard(parts)


def _scheduled(data: pd.DataFrame) -> pd.DataFrame:
    """The records at the scheduled visits (those with a planned week, ``visits.visit_weeks``): not an unscheduled or
    screening sample, of which a patient may have several (the population is ``analysis_records``')."""
    return data[data["AVISIT"].isin(list(visit_weeks(data)))]


def summarize_endpoints_by_arm(adsl: pd.DataFrame, adeff: pd.DataFrame, *, paramcds=CHANGE_PARAMCDS,
                               arm: str = "TRTP", population: str = POPULATION) -> pd.DataFrame:
    """``EFF-<P>-SUMMARY-ARMS`` of each of ``paramcds`` with records: the rows ``summarize_arms`` gives, from the
    same records (``analysis_records``), for a notebook that shows each arm without the between-arm models."""
    parts = [summarize_by_arm(rows, paramcd=p, arm=arm) for p in paramcds
             if len(rows := analysis_records(adsl, adeff, paramcd=p, arm=arm, population=population, strata=None))]
    return ard_mod.stack_ard(parts)


def _cells(ard: pd.DataFrame, analysis_id: str, keys: tuple[str, ...]) -> dict:
    """The ARD rows of ``analysis_id`` as {(values of ``keys``): {stat_name: stat_value}}."""
    rows = _rows(ard, analysis_id)
    cells: dict[tuple, dict] = {}
    for key, name, value in zip(zip(*(rows[k] for k in keys)), rows["stat_name"], rows["stat_value"]):
        cells.setdefault(key, {})[name] = value
    return cells


def _n_of(stats: dict | None, count: str) -> str:
    """``n/N (%)`` of a cell's ``count`` among its ``n_evaluable``, as the pooled tables of responders write it (the
    percentage also for 0); ``tables.MISSING`` for no cell (no patient of the arm at the visit)."""
    if stats is None:
        return tables.MISSING
    return (f"{tables.format_number(stats[count], 0)}/{tables.format_number(stats['n_evaluable'], 0)} "
            f"({tables.format_number(stats['pct'], tables.PCT_DECIMALS)})")


def summarize_activity_by_arm(adsl: pd.DataFrame, adeff: pd.DataFrame, *, arm: str = "TRTP",
                              population: str = POPULATION) -> pd.DataFrame:
    """``EFF-ESSDAI-ACTCAT-ARMS``: the ESSDAI activity categories (``AVALCAT1``: low, moderate, high) at each
    scheduled visit, n, n_evaluable and pct per category, per arm and in total: the pooled ``EFF-ESSDAI-ACTCAT`` rows
    (``summaries.summarize_categories``) by arm randomised.

    >>> adsl = pd.DataFrame({"USUBJID": list("abc"), "FASFL": "Y", "TRT01P": ["Ctl", "Bari", "Bari"],
    ...                      "TRT01PN": [1, 2, 2]})
    >>> d = pd.DataFrame({"USUBJID": list("abc"), "PARAMCD": "ESSDAI", "AVISIT": "Baseline", "AVISITN": 0,
    ...                   "AVALCAT1": ["High", "Moderate", "High"]})
    >>> r = summarize_activity_by_arm(adsl, d)
    >>> r[(r["stat_name"] == "n") & (r["category"] == "High")].set_index("group")["stat_value"].to_dict()
    {'Bari': 1.0, 'Ctl': 1.0, 'Total': 2.0}
    """
    rows = analysis_records(adsl, _scheduled(adeff), paramcd="ESSDAI", arm=arm, population=population, strata=None)
    if not len(rows) or "AVALCAT1" not in rows.columns:
        return ard_mod.stack_ard([])
    rows = _arm_str(rows, arm)
    parts = [summarize_categories(rows, var="AVALCAT1", by=("PARAMCD", "AVISIT", arm)),
             summarize_categories(rows, var="AVALCAT1").assign(**{arm: TOTAL})]
    return ard_mod.stack_ard([ard_mod.make_ard(
        part.rename(columns={arm: "group", "PARAMCD": "paramcd", "AVISIT": "avisit"}),
        analysis_id="EFF-ESSDAI-ACTCAT-ARMS", variable="AVALCAT1", method=CATEGORY_METHOD,
        label="ESSDAI activity: Low (<5), Moderate (5-13), High (>=14), by arm") for part in parts])


def format_activity_by_arm(ard: pd.DataFrame, *, arms: list[str]) -> pd.DataFrame:
    """``EFF-ESSDAI-ACTCAT-ARMS`` as a table: one row per visit and category (``ACTIVITY_CATEGORIES`` order), n/N (%)
    of each of ``arms`` and of the total (NA: no patient of the arm assessed); empty without rows.

    >>> adsl = pd.DataFrame({"USUBJID": list("abc"), "FASFL": "Y", "TRT01P": ["Ctl", "Bari", "Bari"],
    ...                      "TRT01PN": [1, 2, 2]})
    >>> d = pd.DataFrame({"USUBJID": list("abc"), "PARAMCD": "ESSDAI", "AVISIT": "Baseline", "AVISITN": 0,
    ...                   "AVALCAT1": ["High", "Moderate", "High"]})
    >>> format_activity_by_arm(summarize_activity_by_arm(adsl, d), arms=["Ctl", "Bari"]).values.tolist()[1:]
    [['Baseline', 'Moderate', '0/1 (0.0)', '1/2 (50.0)', '1/3 (33.3)'], \
['Baseline', 'High', '1/1 (100.0)', '1/2 (50.0)', '2/3 (66.7)']]
    """
    cells = _cells(ard, "EFF-ESSDAI-ACTCAT-ARMS", ("avisit", "category", "group"))
    records = []
    for avisit in _visit_order(v for v, _, _ in cells):
        for category in ACTIVITY_CATEGORIES:
            records.append({"Visit": avisit, "Activity": category,
                            **{g: _n_of(cells.get((avisit, category, g)), "n") for g in [*arms, TOTAL]}})
    return pd.DataFrame(records)


def summarize_remission_by_arm(adsl: pd.DataFrame, adeff: pd.DataFrame, *, arm: str = "TRTP",
                               population: str = POPULATION,
                               paramcds=endpoints.REMISSION_PARAMCDS) -> pd.DataFrame:
    """``EFF-REMISSION-ARMS``: remission of each organ domain involved at baseline (level 0) and ILD improvement
    (``AVALC`` Y/N, ``scoring``), n/N (%) with the Clopper-Pearson CI, at each scheduled visit, per arm and in total:
    the pooled ``EFF-REMISSION`` rows (``responders.summarize_responders`` on the same records) by arm randomised.

    >>> adsl = pd.DataFrame({"USUBJID": list("abc"), "FASFL": "Y", "TRT01P": ["Ctl", "Bari", "Bari"],
    ...                      "TRT01PN": [1, 2, 2]})
    >>> d = pd.DataFrame({"USUBJID": list("abc"), "PARAMCD": "REMARTIC", "AVISIT": "Week 12", "AVISITN": 12,
    ...                   "AVALC": ["N", "Y", ""]})
    >>> r = summarize_remission_by_arm(adsl, d)
    >>> r[r["stat_name"] == "n_evaluable"].set_index("group")["stat_value"].to_dict()
    {'Bari': 1.0, 'Ctl': 1.0, 'Total': 2.0}
    """
    parts = []
    for paramcd in paramcds:
        rows = analysis_records(adsl, _scheduled(adeff), paramcd=paramcd, arm=arm, population=population,
                                strata=None)
        if not len(rows):
            continue
        rows = _arm_str(rows, arm)
        for part in (endpoints.summarize_responders(rows, flag="AVALC", by=("PARAMCD", "AVISIT", arm)),
                     endpoints.summarize_responders(rows, flag="AVALC").assign(**{arm: TOTAL})):
            parts.append(ard_mod.make_ard(part.rename(columns={arm: "group", "PARAMCD": "paramcd", "AVISIT": "avisit"}),
                                          analysis_id="EFF-REMISSION-ARMS", variable="RESPONSE",
                                          method=REMISSION_METHOD, label=f"{paramcd} by arm and visit"))
    return ard_mod.stack_ard(parts)


def format_remission_by_arm(ard: pd.DataFrame, *, arms: list[str]) -> pd.DataFrame:
    """``EFF-REMISSION-ARMS`` as a table: one row per parameter (``endpoints.REMISSION_PARAMCDS`` order) and visit, the
    responders n/N (%) of each of ``arms`` and of the total; empty without rows.

    >>> adsl = pd.DataFrame({"USUBJID": list("abc"), "FASFL": "Y", "TRT01P": ["Ctl", "Bari", "Bari"],
    ...                      "TRT01PN": [1, 2, 2]})
    >>> d = pd.DataFrame({"USUBJID": list("abc"), "PARAMCD": "REMARTIC", "AVISIT": "Week 12", "AVISITN": 12,
    ...                   "AVALC": ["N", "Y", "Y"]})
    >>> format_remission_by_arm(summarize_remission_by_arm(adsl, d), arms=["Ctl", "Bari"]).values.tolist()
    [['Articular involvement', 'Remission', 'Week 12', '0/1 (0.0)', '2/2 (100.0)', '2/3 (66.7)']]
    """
    cells = _cells(ard, "EFF-REMISSION-ARMS", ("paramcd", "avisit", "group"))
    records = []
    for paramcd in [p for p in endpoints.REMISSION_PARAMCDS if any(key[0] == p for key in cells)]:
        for avisit in _visit_order(v for p, v, _ in cells if p == paramcd):
            records.append({"Parameter": vocabulary.param_label(paramcd),
                            "Response": vocabulary.RESPONSE_LABELS[paramcd], "Visit": avisit,
                            **{g: _n_of(cells.get((paramcd, avisit, g)), "n_responders") for g in [*arms, TOTAL]}})
    return pd.DataFrame(records)


def describe_remission_by_arm(ard: pd.DataFrame, *, arms: list[str], avisit: str = FINAL_VISIT) -> str:
    """One sentence: each arm's responders n/N (%) of each parameter of ``format_remission_by_arm`` at ``avisit``;
    empty without rows at it.

    >>> adsl = pd.DataFrame({"USUBJID": list("abc"), "FASFL": "Y", "TRT01P": ["Ctl", "Bari", "Bari"],
    ...                      "TRT01PN": [1, 2, 2]})
    >>> d = pd.DataFrame({"USUBJID": list("abc"), "PARAMCD": "REMARTIC", "AVISIT": "Week 24", "AVISITN": 24,
    ...                   "AVALC": ["N", "Y", "Y"]})
    >>> describe_remission_by_arm(summarize_remission_by_arm(adsl, d), arms=["Ctl", "Bari"])
    'At Week 24, remission of articular involvement: 0/1 (0.0) in the Ctl arm, 2/2 (100.0) in the Bari arm.'
    """
    table = format_remission_by_arm(ard, arms=arms)
    if not len(table) or not (table["Visit"] == avisit).any():
        return ""
    parts = [f"{r['Response'].lower()} of {r['Parameter'][:1].lower()}{r['Parameter'][1:]}: "
             + ", ".join(f"{r[g]} in the {g} arm" for g in arms)
             for _, r in table[table["Visit"] == avisit].iterrows()]
    return f"At {avisit}, {'; '.join(parts)}."


def _total_rate(rows: pd.DataFrame, flag: str, group: str = TOTAL) -> pd.DataFrame:
    known = rows[rows[flag].isin(["Y", "N"])]
    x, n = int(known[flag].eq("Y").sum()), len(known)
    lo, hi = endpoints.compute_clopper_pearson(x, n) if n else (np.nan, np.nan)
    return pd.DataFrame({"group": group, "stat_name": ["n_responders", "n_evaluable", "rate", "ci_lower", "ci_upper"],
                         "stat_value": [x, n, x / n if n else np.nan, lo, hi]})


def non_responder_records(adsl: pd.DataFrame, rows: pd.DataFrame, *, avisit: str, flag: str, due, arm: str = "TRTP",
                          population: str = POPULATION, strata: str | None = None) -> pd.DataFrame:
    """The records of ``NRI`` at ``avisit``: one per patient of ``population`` whose visit was due at the data cut
    (``due``, ``visits_due``; ``None``: every patient), ``flag`` ``"Y"`` where the patient's record of
    ``rows`` (``analysis_records``) at the visit says so, else ``"N"``; the arm and ``strata`` from ADSL.

    >>> adsl = pd.DataFrame({"USUBJID": list("abcd"), "FASFL": "Y", "TRT01P": ["A", "A", "B", "B"],
    ...                      "TRT01PN": [1, 1, 2, 2]})
    >>> rows = pd.DataFrame({"USUBJID": ["a", "c"], "AVISIT": "Week 12", "CRIT1FL": ["Y", ""]})
    >>> due = pd.DataFrame({"USUBJID": ["a", "b", "c"], "AVISIT": "Week 12"})
    >>> non_responder_records(adsl, rows, avisit="Week 12", flag="CRIT1FL", due=due)[["USUBJID", "CRIT1FL"]].values
    array([['a', 'Y'],
           ['b', 'N'],
           ['c', 'N']], dtype=object)
    """
    var = _adsl_arm(arm)
    patients = adsl[adsl[population] == "Y"]
    if due is not None:
        patients = patients[patients["USUBJID"].isin(due.loc[due["AVISIT"] == avisit, "USUBJID"])]
    responders = set(rows.loc[(rows["AVISIT"] == avisit) & rows[flag].eq("Y"), "USUBJID"])
    keep = ["USUBJID", var, *([strata] if strata and strata in adsl.columns else [])]
    out = patients[keep].rename(columns={var: arm})
    return out.assign(AVISIT=avisit, **{flag: np.where(out["USUBJID"].isin(responders), "Y", "N"),
                                        arm: pd.Categorical(out[arm], categories=arms_of(adsl, var))})


def compare_responders(rows: pd.DataFrame, *, paramcd: str, flag: str, avisit: str, arm: str = "TRTP",
                       reference: str, strata: str | None = CENTRE, variable: str = "MCII",
                       label: str = "", logistic: bool = True, method: str = "") -> pd.DataFrame:
    """``EFF-<paramcd>-<variable>`` at ``avisit``: responder rates per arm and in total, the difference
    of each arm from ``reference`` with its Newcombe CI and the CMH (by ``strata``) or Fisher p-value;
    with ``logistic``, ``EFF-<paramcd>-<variable>-LOGISTIC``: the odds ratio adjusted for the baseline (``BASE``).
    ``method``: what comes before the rows' method (the imputation of ``NRI``). When no difference can be estimated
    (``comparisons.NotEstimable``: an arm without a response yet) the error carries the rates of the arms that have
    one and of the total (``rates``), which ``summarize_arms`` keeps beside its not-estimable row."""
    at = _arm_str(rows[rows["AVISIT"] == avisit], arm)
    analysis_id = f"EFF-{paramcd}-{variable}"
    constants = dict(paramcd=paramcd, avisit=avisit, variable=flag, label=label or analysis_id)
    use_strata = strata if strata and strata in at.columns else None
    try:
        result = comparisons.compare_arms_responders(at, flag=flag, arm=arm, reference=reference, strata=use_strata)
    except comparisons.NotEstimable as err:  # an early cut, one arm without a response yet: the others' rates stand
        known = at[at[flag].isin(["Y", "N"])]  # an arm whose patients have no response yet has no rate
        order = rows[arm].cat.categories if isinstance(rows[arm].dtype, pd.CategoricalDtype) else sorted(set(at[arm]))
        rates = [_total_rate(known[known[arm] == str(group)], flag, str(group)) for group in order
                 if known[arm].eq(str(group)).any()]
        err.rates = ard_mod.make_ard(pd.concat([*rates, _total_rate(known, flag)], ignore_index=True),
                                     analysis_id=analysis_id, method=f"{method}; {CP_METHOD}" if method else CP_METHOD,
                                     **constants)
        raise
    if method:
        result = dataclasses.replace(result, method=f"{method}; {result.method}", differences=result.differences.assign(
            method=f"{method}; " + result.differences["method"]))
    total = ard_mod.make_ard(_total_rate(at, flag), analysis_id=analysis_id, method=result.method, **constants)
    parts = [comparisons.to_ard(result, analysis_id=analysis_id, **constants), total]
    if not logistic:
        return ard_mod.stack_ard(parts)
    try:
        logistic = comparisons.fit_responder_logistic(at, flag=flag, arm=arm, reference=reference, covariates=("BASE",))
    except ValueError as err:  # complete separation: the rates and their difference still stand
        if "separation" not in str(err):
            raise
    else:
        parts.append(comparisons.to_ard(logistic, analysis_id=f"{analysis_id}-LOGISTIC", **constants))
    return ard_mod.stack_ard(parts)


def compare_change(rows: pd.DataFrame, *, paramcd: str, avisit: str, arm: str = "TRTP", reference: str,
                   centre: str | None = CENTRE) -> pd.DataFrame:
    """``EFF-<paramcd>-CHG`` at ``avisit``: ANCOVA of the change with the baseline as covariate and the
    centre as a factor when ``CENTRE_FACTOR_RULE`` allows; LS means per arm and their differences."""
    at = _arm_str(rows[(rows["AVISIT"] == avisit) & ~_is_baseline(rows)], arm)
    result, note = None, ""
    if centre and centre in at.columns:
        try:
            result = comparisons.compare_arms_ancova(at, arm=arm, reference=reference, factors=[centre])
        except ValueError as err:
            if "full rank" not in str(err) and "residual" not in str(err):
                raise
            note = f"; {centre} left out (not estimable)"
        else:
            if result.info["df"] < MIN_RESIDUAL_DF:
                result, note = None, f"; {centre} left out (fewer than {MIN_RESIDUAL_DF} residual df with it)"
    if result is None:
        result = comparisons.compare_arms_ancova(at, arm=arm, reference=reference)
    if note:
        result = comparisons.ArmComparison(
            by_arm=result.by_arm, differences=result.differences.assign(method=result.differences["method"] + note),
            reference=result.reference, method=result.method + note, info=result.info)
    return comparisons.to_ard(result, analysis_id=f"EFF-{paramcd}-CHG", paramcd=paramcd, avisit=avisit,
                              variable="CHG", label=f"{paramcd}: change from baseline to {avisit}")


def compare_repeated(rows: pd.DataFrame, *, paramcd: str, arm: str = "TRTP", reference: str,
                     strategy: str | None = None) -> pd.DataFrame:
    """``EFF-<paramcd>-MMRM``: the repeated-measures model over every post-baseline visit.

    ``strategy`` names the estimand strategy for the switch (``SWITCH_ESTIMANDS``) in the method:
    ``"treatment policy"`` uses every record by randomised arm; ``"hypothetical"`` leaves out the
    post-switch records (``post_switch``) and gives ``EFF-<paramcd>-MMRM-HYPO``. ``None``: a trial
    without a switch.
    """
    if strategy is not None and strategy not in SWITCH_ESTIMANDS:
        raise ValueError(f"compare_repeated: strategy must be one of {list(SWITCH_ESTIMANDS)} or None, "
                         f"got {strategy!r}")
    post = rows[~_is_baseline(rows)]
    if strategy == "hypothetical":
        post = post[~post_switch(post)]
    post = post.drop(columns=[c for c in ("ABLFL",) if c in post.columns])
    result = comparisons.fit_mmrm(_arm_str(post, arm), arm=arm, reference=reference)
    note = f"; {strategy}: {SWITCH_ESTIMANDS[strategy]}" if strategy else ""
    if not result.info["converged"]:
        note += "; the model did not converge"
    if note:
        result = comparisons.ArmComparison(
            by_arm=result.by_arm, differences=result.differences.assign(method=result.differences["method"] + note),
            reference=result.reference, method=result.method + note, info=result.info)
    analysis_id = f"EFF-{paramcd}-MMRM" + ("-HYPO" if strategy == "hypothetical" else "")
    return comparisons.to_ard(result, analysis_id=analysis_id, paramcd=paramcd, variable="CHG",
                              label=f"{paramcd}: change from baseline, repeated measures"
                              + (f" ({strategy})" if strategy else ""))


def _after_switch(weeks: dict, avisit: str) -> bool:
    """True when ``avisit`` comes after the switch: its week (``weeks``, ``visits.analysis_weeks``: of the records or
    the schedule's due flags, so that a visit no one reached yet has one) beyond ``SWITCH_WEEK``.

    >>> _after_switch({"Week 12": 12, "Week 24": 24}, "Week 24"), _after_switch({"Week 12": 12}, "Week 12")
    (True, False)
    """
    return float(weeks.get(avisit, 0)) > SWITCH_WEEK


def count_switched(rows: pd.DataFrame, *, paramcd: str, avisit: str, arm: str = "TRTP") -> pd.DataFrame:
    """``EFF-<paramcd>-SWITCHED`` at ``avisit``: per arm (``group``), the patients with a change from baseline at the
    visit taken after their switch (``post_switch``), whom the treatment-policy comparisons count in the arm
    randomised (``n_switched``); so that a reader of a week-24 rate of the control arm knows how many of its patients
    were then on the new treatment.

    >>> rows = pd.DataFrame({"USUBJID": list("abc"), "TRTP": ["C", "C", "T"], "AVISIT": "Week 24", "AVISITN": 24,
    ...                      "CHG": [-3.0, -1.0, -4.0], "SWITCHFL": ["Y", "N", "N"]})
    >>> count_switched(rows, paramcd="ESSDAI", avisit="Week 24")[["group", "stat_value"]].values.tolist()
    [['C', 1.0], ['T', 0.0]]
    """
    at = rows[(rows["AVISIT"] == avisit) & rows["CHG"].notna()] if "CHG" in rows.columns else rows.iloc[:0]
    order = rows[arm].cat.categories if isinstance(rows[arm].dtype, pd.CategoricalDtype) else sorted(set(at[arm]))
    counts = at[post_switch(at)].groupby(at[arm].astype(str))["USUBJID"].nunique()
    groups = [str(g) for g in order if at[arm].astype(str).eq(str(g)).any()]
    return ard_mod.make_ard(pd.DataFrame({"group": groups, "stat_name": "n_switched",
                                          "stat_value": [float(counts.get(g, 0)) for g in groups]}),
                            analysis_id=f"EFF-{paramcd}-SWITCHED", paramcd=paramcd, avisit=avisit, variable="SWITCHFL",
                            method="patients with a change from baseline at the visit taken after their switch "
                                   "(ADT > TR02SDT), counted in the arm randomised",
                            label=f"{paramcd}: patients assessed at {avisit} after switching treatment")


def _with_estimand(rows: pd.DataFrame, strategy: str) -> pd.DataFrame:
    """The ``-DIFF`` rows of ``rows`` with the estimand strategy for the switch added to their method."""
    diff = rows["analysis_id"].str.endswith(comparisons.DIFF_SUFFIX)
    out = rows.copy()
    out.loc[diff, "method"] = out.loc[diff, "method"] + f"; {strategy}: {SWITCH_ESTIMANDS[strategy]}"
    return out


def summarize_arms(adsl: pd.DataFrame, adeff: pd.DataFrame, *, arm: str = "TRTP", population: str = POPULATION,
                   strata: str | None = None, visits=(PRIMARY_VISIT, FINAL_VISIT),
                   change_paramcds=CHANGE_PARAMCDS, responders=RESPONDERS, labs: pd.DataFrame | None = None,
                   lab_paramcds=endpoints.EFFICACY_LAB_PARAMCDS) -> pd.DataFrame:
    """Every between-arm analysis of the efficacy section as ARD rows (``SECTION``); with ``labs`` (ADLB), also the
    per-arm summaries by visit of the laboratory markers ``lab_paramcds`` (``EFF-<P>-SUMMARY-ARMS``; scheduled
    visits, the analysed sample of each, ``ANL01FL``), which no model compares.

    Per endpoint: the per-arm summaries by visit; at each of ``visits`` (primary first) the responder
    comparisons and the ANCOVA of the change; the repeated-measures model over all visits (treatment
    policy) and, when ADSL flags switched patients, its hypothetical-strategy sensitivity analysis.
    The reference arm is ``reference_arm(adsl)``; ``strata`` (default ``strata_variable(adsl)``, the randomisation's
    stratum, else the centre) stratifies the CMH test and is the ANCOVA's factor. Endpoints without records are
    skipped, and so are visits without records unless the visit was due for some patient (who left before it, or
    missed it): then the NRI comparison alone, each such patient a non-responder. An analysis the data cannot
    estimate (``comparisons.NotEstimable``: at an early interim cut, an arm without a record at the visit, fewer
    patients than the model's parameters) gives one row, ``<analysis id>-NOT-ESTIMABLE``, whose method says why
    (``describe_not_estimable``), in place of its results; a responder analysis keeps the rates of the arms that
    have one (``compare_responders``).
    """
    reference = reference_arm(adsl, arm)
    by = strata if strata is not None else strata_variable(adsl, population)
    switched = control_switched(adsl)  # the protocol's switch: its estimands (treatment policy, hypothetical)
    weeks = analysis_weeks(adeff, adsl)
    due = visits_due(adsl, weeks)
    parts = []

    def estimable(compare, analysis_id: str, label: str, /, **kw) -> pd.DataFrame:
        """``compare(**kw)``, or the row ``NOT_ESTIMABLE`` saying why the data cannot estimate it."""
        try:
            return compare(**kw)
        except comparisons.NotEstimable as err:  # with the rates of the arms that have one (``compare_responders``)
            return ard_mod.stack_ard([*([err.rates] if err.rates is not None else []), ard_mod.make_ard(
                pd.DataFrame({"stat_name": ["not_estimable"], "stat_value": [np.nan]}),
                analysis_id=analysis_id + NOT_ESTIMABLE, paramcd=kw["paramcd"], avisit=kw.get("avisit", ""),
                method=str(err).split(": ", 1)[-1], label=label)])

    for paramcd in dict.fromkeys([*change_paramcds, *(r[0] for r in responders)]):
        rows = analysis_records(adsl, adeff, paramcd=paramcd, arm=arm, population=population, strata=by)
        if not len(rows):
            continue
        parts.append(summarize_by_arm(rows, paramcd=paramcd, arm=arm))
        present = set(rows["AVISIT"])
        # a visit due for patients who left before it, none assessed yet: the NRI analysis only (they failed)
        for avisit in (v for v in visits if v in present or due is not None and v in set(due["AVISIT"])):
            n_before = len(parts)
            for r_paramcd, flag, variable, label in responders:
                if r_paramcd == paramcd and flag in rows.columns:
                    if avisit in present:
                        parts.append(estimable(compare_responders, f"EFF-{paramcd}-{variable}",
                                               f"{label} at {avisit}", rows=rows, paramcd=paramcd, flag=flag,
                                               avisit=avisit, arm=arm, reference=reference, strata=by,
                                               variable=variable, label=f"{label} at {avisit}"))
                    nri = non_responder_records(adsl, rows, avisit=avisit, flag=flag, due=due, arm=arm,
                                                population=population, strata=by)
                    parts.append(estimable(compare_responders, f"EFF-{paramcd}-{variable}-{NRI}",
                                           f"{label} at {avisit}, missing = non-responder", rows=nri,
                                           paramcd=paramcd, flag=flag, avisit=avisit, arm=arm, reference=reference,
                                           strata=by, variable=f"{variable}-{NRI}", logistic=False,
                                           method=NRI_METHOD, label=f"{label} at {avisit}, missing = non-responder"))
            if paramcd in change_paramcds and avisit in present:
                parts.append(estimable(compare_change, f"EFF-{paramcd}-CHG",
                                       f"{paramcd}: change from baseline to {avisit}", rows=rows,
                                       paramcd=paramcd, avisit=avisit, arm=arm, reference=reference, centre=by))
            if switched and _after_switch(weeks, avisit):
                parts[n_before:] = [_with_estimand(p, "treatment policy") for p in parts[n_before:]]
                parts.append(count_switched(rows, paramcd=paramcd, avisit=avisit, arm=arm))
        if paramcd in change_paramcds and (~_is_baseline(rows)).any():  # none yet: no visit to model
            strategies = ("treatment policy", "hypothetical") if switched else (None,)
            parts += [estimable(compare_repeated, f"EFF-{paramcd}-MMRM" + ("-HYPO" if s == "hypothetical" else ""),
                                f"{paramcd}: change from baseline, repeated measures" + (f" ({s})" if s else ""),
                                rows=rows, paramcd=paramcd, arm=arm, reference=reference, strategy=s)
                      for s in strategies]
            if switched:  # the arm columns of the hypothetical rows: what its model reads, not the arm's records
                parts.append(summarize_by_arm(rows[~post_switch(rows)], paramcd=paramcd, arm=arm, suffix="-HYPO"))
    parts.append(summarize_activity_by_arm(adsl, adeff, arm=arm, population=population))
    parts.append(summarize_remission_by_arm(adsl, adeff, arm=arm, population=population))
    if labs is not None:
        parts.append(summarize_endpoints_by_arm(adsl, _scheduled(labs), paramcds=lab_paramcds, arm=arm,
                                                population=population))
    population_label = f"{population} = 'Y', by randomised arm ({arm})"
    return ard_mod.stack_ard([p.assign(section=SECTION, population=population_label) for p in parts])


# --------------------------------------------------------------------------------------------
# Display: tables and sentences from the ARD rows (rounding only through analysis_utils.tables)
# --------------------------------------------------------------------------------------------

#: Ending of the analysis id of the row that says an analysis was not estimable (``summarize_arms``).
NOT_ESTIMABLE = "-NOT-ESTIMABLE"
#: Row labels of the analyses in the tables, by the ending of the analysis identifier.
ANALYSIS_LABELS = {
    "MCII": "Response rate, difference in % points",
    NRI: "Response rate, missing = non-responder (NRI), difference in % points",
    "LOGISTIC": "Odds ratio of response, adjusted for baseline",
    "CHG": "ANCOVA: difference in LS mean change",
    "MMRM": "Repeated measures: difference in mean change (treatment policy)",
    "HYPO": "Repeated measures: difference in mean change (hypothetical: records after a switch left out)",
}


#: What the arm and total columns of ``format_arms_table`` hold (first part of ``methods_note``).
CELLS_NOTE = ("Arm and Total columns: responders n/N (%) of the patients evaluable (NRI: of the patients whose visit "
              "was due), or mean (SD) [n] of the observed change from baseline (hypothetical: without the records "
              "after a switch, as its model; after the switch a control arm's columns then hold only the patients who "
              "did not switch (the protocol switches its non-responders), while the model's estimate also draws on "
              "the switched patients' visits before it), by randomised arm; Estimate: each arm minus the reference "
              "(a rate difference above 0, or an odds ratio above 1, favours the arm named first; so does a "
              "difference in change below 0, lower ESSDAI, ESSPRI and PGA being better)")


def _switched_text(ard: pd.DataFrame, paramcd: str, avisit: str) -> str:
    """From ``count_switched``'s rows, "; of the patients assessed at <visit>, <n> randomised to <arm> had switched",
    the arms with any; ``""`` without."""
    rows = _rows(ard, f"EFF-{paramcd}-SWITCHED")
    rows = rows[(rows["avisit"] == avisit) & (rows["stat_value"] > 0)]
    if not len(rows):
        return ""
    said = tables.join_words([f"{v:.0f} randomised to {g}" for g, v in zip(rows["group"], rows["stat_value"])])
    return f"; of the patients assessed at {avisit}, {said} had switched"


def _rows(ard: pd.DataFrame, analysis_id: str) -> pd.DataFrame:
    return ard[ard["analysis_id"] == analysis_id]


def _stat(cell: pd.DataFrame, name: str) -> float:
    hits = cell.loc[cell["stat_name"] == name, "stat_value"]
    return float(hits.iloc[0]) if len(hits) == 1 else np.nan


def _visit_order(avisits) -> list:
    """Visits in study order: by the number in ``Week <n>`` (Baseline first), else as given."""
    def key(v):
        digits = "".join(ch for ch in str(v) if ch.isdigit())
        return (0, 0) if v == "Baseline" else (1, int(digits)) if digits else (2, 0)
    return sorted(dict.fromkeys(avisits), key=key)


def _kind(analysis_id: str) -> str:
    return analysis_id.rsplit("-", 1)[-1]


def _arm_cell(ard: pd.DataFrame, *, analysis_id: str, paramcd: str, avisit: str, group: str) -> str:
    """The per-arm cell: ``n/N (%)`` for a responder analysis, else ``mean (SD) [n]`` of the change."""
    if _kind(analysis_id) in ("MCII", NRI, "LOGISTIC"):
        base_id = analysis_id.removesuffix("-LOGISTIC")
        cell = _rows(ard, base_id)
        cell = cell[(cell["avisit"] == avisit) & (cell["group"] == group)]
        if not len(cell):
            return tables.MISSING
        return _n_of({"n_responders": _stat(cell, "n_responders"), "n_evaluable": _stat(cell, "n_evaluable"),
                      "pct": 100 * _stat(cell, "rate")}, "n_responders")  # N shown: it differs between rows
    cell = _rows(ard, f"EFF-{paramcd}-SUMMARY-ARMS" + ("-HYPO" if _kind(analysis_id) == "HYPO" else ""))
    cell = cell[(cell["avisit"] == avisit) & (cell["group"] == group) & (cell["variable"] == "CHG")]
    if not len(cell):
        return tables.MISSING
    mean_sd = tables.format_mean_sd(_stat(cell, "mean"), _stat(cell, "sd"), _DISPLAY_DECIMALS)
    return f"{mean_sd} [{tables.format_number(_stat(cell, 'n'), 0)}]"


def _estimate_text(diff: pd.DataFrame, kind: str) -> str:
    est, lo, hi = (_stat(diff, s) for s in ("estimate", "ci_lower", "ci_upper"))
    if kind in ("MCII", NRI):
        est, lo, hi, decimals = 100 * est, 100 * lo, 100 * hi, _DISPLAY_DECIMALS
    else:
        decimals = 2 if kind == "LOGISTIC" else _DISPLAY_DECIMALS
    return f"{tables.format_number(est, decimals)} {tables.format_ci(lo, hi, decimals)}"


def format_arms_table(ard: pd.DataFrame, *, analysis_ids) -> pd.DataFrame:
    """Between-arm table: one row per analysis, visit and comparison, with each arm, the total and the
    difference (estimate and 95 % CI) with its p-value.

    Arm and total cells: ``n/N (%)`` of the responders for responder analyses, else ``mean (SD) [n]``
    of the observed change from baseline (``EFF-<P>-SUMMARY-ARMS``). The estimate is the difference of
    each arm from the reference (response rates in percentage points; the odds ratio for ``-LOGISTIC``;
    model-based differences in mean change for ANCOVA and repeated measures).
    """
    records = []
    for analysis_id in [analysis_ids] if isinstance(analysis_ids, str) else analysis_ids:
        diffs = _rows(ard, analysis_id + comparisons.DIFF_SUFFIX)
        if not len(diffs):
            continue
        kind = _kind(analysis_id)
        per_arm_id = analysis_id.removesuffix("-LOGISTIC")
        groups = list(dict.fromkeys(_rows(ard, per_arm_id)["group"]))
        arm_groups = [g for g in groups if g != TOTAL] + [TOTAL]
        paramcd = diffs["paramcd"].iloc[0]
        for avisit in _visit_order(diffs["avisit"]):
            for comparison, diff in diffs[diffs["avisit"] == avisit].groupby("group", sort=False):
                row = {"Endpoint": paramcd, "Visit": avisit, "Analysis": ANALYSIS_LABELS.get(kind, kind),
                       "Comparison": comparison}
                for g in arm_groups:
                    row[g] = _arm_cell(ard, analysis_id=analysis_id, paramcd=paramcd, avisit=avisit, group=g)
                row["Estimate (95% CI)"] = _estimate_text(diff, kind)
                row["p-value"] = tables.format_pvalue(_stat(diff, "p_value"))
                records.append(row)
    return pd.DataFrame(records)


#: Statistics of each arm and of the total in ``format_summary_by_arm`` (the ARD holds min and max too).
SUMMARY_COLUMNS = ("n", "Mean (SD)", "Median [Q1, Q3]")


def _summary_cells(ard: pd.DataFrame, paramcd: str) -> dict:
    """``EFF-<paramcd>-SUMMARY-ARMS`` as {(variable, avisit, group): {stat_name: value}}."""
    return _cells(ard, f"EFF-{paramcd}-SUMMARY-ARMS", ("variable", "avisit", "group"))


def format_summary_by_arm(ard: pd.DataFrame, *, arms: list[str], paramcds=CHANGE_PARAMCDS) -> pd.DataFrame:
    """Each arm's value and change from baseline by visit, observed cases (``EFF-<P>-SUMMARY-ARMS``).

    One row per parameter, variable (value, then change from baseline) and visit in study order; for each of
    ``arms`` (``arms_of``: reference first) and the total, under a spanner naming it, ``SUMMARY_COLUMNS``: n, mean
    (SD) and median [Q1, Q3]; an arm without a value at the visit shows n 0 and NA. A parameter without rows has none.

    >>> rows = pd.DataFrame({"USUBJID": list("abcd"), "AVISIT": "Baseline", "AVISITN": 0, "AVAL": [4.0, 6, 9, 11],
    ...                      "TRTP": ["Ctl", "Ctl", "Bari", "Bari"]})
    >>> t = format_summary_by_arm(summarize_by_arm(rows, paramcd="PGA"), arms=["Ctl", "Bari"], paramcds=["PGA"])
    >>> t.iloc[0].tolist()
    ['PGA', 'Baseline', 'Value', '2', '5.0 (1.41)', '5.0 [4.0, 6.0]', '2', '10.0 (1.41)', '10.0 [9.0, 11.0]', '4', \
'7.5 (3.11)', '7.5 [5.0, 10.0]']
    """
    groups = [*arms, TOTAL]
    columns = [("", "Parameter"), ("", "Visit"), ("", "Variable"), *((g, c) for g in groups for c in SUMMARY_COLUMNS)]
    records = []
    for paramcd in paramcds:
        cells, decimals = _summary_cells(ard, paramcd), efficacy_tables._decimals(paramcd)
        for variable in ("AVAL", "CHG"):
            for avisit in _visit_order(v for var, v, _ in cells if var == variable):
                row = [vocabulary.param_label(paramcd), avisit, efficacy_tables.VARIABLE_LABELS[variable]]
                for g in groups:
                    s = cells.get((variable, avisit, g))
                    row += ["0", tables.MISSING, tables.MISSING] if s is None else [
                        tables.format_number(s["n"], 0), tables.format_mean_sd(s["mean"], s["sd"], decimals),
                        tables.format_median_q1q3(s["median"], s["q1"], s["q3"], decimals)]
                records.append(row)
    return pd.DataFrame(records, columns=pd.MultiIndex.from_tuples(columns))


def describe_summary_by_arm(ard: pd.DataFrame, *, arms: list[str], paramcd: str, avisit: str = FINAL_VISIT,
                            stat: str = "mean") -> str:
    """One sentence: each arm's ``stat`` (mean or median) of ``paramcd`` at baseline and at ``avisit`` (else, at an
    interim cut, the last visit at which every arm has values), with the patients assessed; empty without values.

    >>> rows = pd.DataFrame({"USUBJID": list("abab"), "AVISIT": ["Baseline"] * 2 + ["Week 12"] * 2,
    ...                      "AVISITN": [0, 0, 12, 12], "AVAL": [6.0, 8, 5, 4], "CHG": [None, None, -1.0, -4],
    ...                      "TRTP": ["Ctl", "Bari"] * 2})
    >>> describe_summary_by_arm(summarize_by_arm(rows, paramcd="PGA"), arms=["Ctl", "Bari"], paramcd="PGA")
    'Mean PGA at Baseline and at Week 12: 6.0 (n = 1) and 5.0 (n = 1) in the Ctl arm; 8.0 (n = 1) and 4.0 (n = 1) in \
the Bari arm.'
    """
    cells = _summary_cells(ard, paramcd)
    visits = _visit_order(v for var, v, _ in cells if var == "AVAL")
    if not visits:
        return ""
    in_all = [v for v in visits if all(("AVAL", v, g) in cells for g in arms)]
    shown = list(dict.fromkeys(["Baseline", avisit if avisit in in_all else (in_all or visits)[-1]]))
    decimals = efficacy_tables._decimals(paramcd)

    def stat_at(v, g):  # the mean or the median (``stat``) of arm g at visit v
        s = cells.get(("AVAL", v, g))
        return "no value" if s is None else f"{tables.format_number(s[stat], decimals)} " \
                                            f"(n = {tables.format_number(s['n'], 0)})"

    per_arm = "; ".join(" and ".join(stat_at(v, g) for v in shown) + f" in the {g} arm" for g in arms)
    return f"{stat.capitalize()} {vocabulary.param_label(paramcd)} at {' and at '.join(shown)}: {per_arm}."


def methods_note(ard: pd.DataFrame, *, analysis_ids) -> str:
    """A table note: ``CELLS_NOTE``, then the method of each analysis of ``analysis_ids`` named as its rows are
    (``ANALYSIS_LABELS``), with the visits it holds for (the strata's test can differ by visit): the note joined the
    methods alone, which a reader could not match to the rows. ADaM names in words (``vocabulary.method_in_words``).

    >>> ard = pd.DataFrame({"analysis_id": "EFF-ESSDAI-MCII-DIFF", "avisit": ["Week 12", "Week 24"],
    ...                     "method": ["Newcombe; CMH", "Newcombe; Fisher"]})
    >>> methods_note(ard, analysis_ids=["EFF-ESSDAI-MCII"]).split(" | ")[1:]
    ['Response rate, difference in % points (Week 12): Newcombe; CMH', \
'Response rate, difference in % points (Week 24): Newcombe; Fisher']

    With several arms compared with the reference arm, each method names its comparisons too:

    >>> three = pd.DataFrame({"analysis_id": "EFF-ESSDAI-MCII-DIFF", "group": ["B vs A", "C vs A"] * 2,
    ...                       "avisit": ["Week 12", "Week 12", "Week 24", "Week 24"],
    ...                       "method": ["Newcombe; CMH", "Newcombe; Fisher", "Newcombe; Fisher", "Newcombe; CMH"]})
    >>> methods_note(three, analysis_ids=["EFF-ESSDAI-MCII"]).split(" | ")[1:]
    ['Response rate, difference in % points (B vs A, Week 12; C vs A, Week 24): Newcombe; CMH', \
'Response rate, difference in % points (C vs A, Week 12; B vs A, Week 24): Newcombe; Fisher']
    """
    parts = [CELLS_NOTE]
    for analysis_id in [analysis_ids] if isinstance(analysis_ids, str) else analysis_ids:
        rows = _rows(ard, analysis_id + comparisons.DIFF_SUFFIX)
        several = "group" in rows and rows["group"].nunique() > 1
        for method, r in rows.groupby("method", sort=False):
            where = ", ".join(dict.fromkeys(r["avisit"]))
            if several:  # each comparison with its visits
                where = "; ".join(f"{g}, {', '.join(dict.fromkeys(v['avisit']))}"
                                  for g, v in r.groupby("group", sort=False))
            parts.append(f"{ANALYSIS_LABELS.get(_kind(analysis_id), analysis_id)} ({where}): "
                         f"{vocabulary.method_in_words(method)}")
    return " | ".join(parts)


def describe_not_estimable(ard: pd.DataFrame) -> str:
    """The analyses the data could not estimate (``summarize_arms``), each with why; empty when there is none.

    >>> ard = pd.DataFrame({"analysis_id": ["EFF-ESSDAI-CHG-NOT-ESTIMABLE"], "label": ["ESSDAI: change to Week 4"],
    ...                     "method": ["3 records for 3 parameters; no residual degrees of freedom"]})
    >>> describe_not_estimable(ard)
    'Not estimable at this data cut: ESSDAI: change to Week 4 (3 records for 3 parameters; no residual degrees of \
freedom).'
    """
    rows = ard[ard["analysis_id"].str.endswith(NOT_ESTIMABLE)]
    if not len(rows):
        return ""
    return "Not estimable at this data cut: " + "; ".join(rows["label"] + " (" + rows["method"] + ")") + "."


def describe_comparison(ard: pd.DataFrame, *, analysis_id: str, avisit: str, what: str,
                        due: pd.DataFrame | None = None) -> str:
    """One sentence on a between-arm difference at ``avisit``, from the ARD rows.

    Without a comparison at ``avisit`` the sentence says why: not estimable (the ``NOT_ESTIMABLE``
    row's reason), else, from ``due`` (an ARD with the ``EFF-VISITS-DUE`` rows, as
    ``endpoints.summarize_efficacy`` gives), that the visit was not yet due at the data cut or was due
    but has no data; with one, at an interim cut, how many patients the visit was not yet due for (at a cut of the
    randomised example on 2021-09-15, week 24's difference of -24.3 points, p = 0.044, rested on the 54 patients
    enrolled first; -14.7, p = 0.093, at the end).

    >>> from analysis_utils.efficacy_ard import summarize_visits_due
    >>> adsl = pd.DataFrame({"USUBJID": ["a", "b"], "FASFL": "Y", "DUE12FL": "N", "DUE24FL": "N"})
    >>> describe_comparison(pd.DataFrame(columns=["analysis_id", "avisit"]), analysis_id="EFF-ESSDAI-MCII",
    ...                     avisit="Week 12", what="the ESSDAI MCII", due=summarize_visits_due(adsl))
    'No between-arm comparison of the ESSDAI MCII at Week 12: not yet due at the data cut (the visit was due \
for 0 of 2 patients).'
    """
    diffs = _rows(ard, analysis_id + comparisons.DIFF_SUFFIX)
    diffs = diffs[diffs["avisit"] == avisit]
    if not len(diffs):
        missing = _rows(ard, analysis_id + NOT_ESTIMABLE)
        missing = missing[missing["avisit"] == avisit]
        if len(missing):
            return f"No between-arm comparison of {what} at {avisit}: not estimable at this data cut " \
                   f"({missing['method'].iloc[0]})."
        if due is None:
            return f"No between-arm comparison of {what} at {avisit}: no records."
        text = efficacy_tables.describe_no_data(due, what=f"No between-arm comparison of {what}", avisit=avisit)
        nri = _rows(ard, f"{analysis_id}-{NRI}{comparisons.DIFF_SUFFIX}")
        if (nri["avisit"] == avisit).any():  # due only for patients who left before it (``summarize_arms``)
            text += (" The table's NRI row compares the arms on the patients it was due for, each without a "
                     "response (missing counted as non-response).")
        return text
    kind = _kind(analysis_id)
    sentences = []
    for comparison, diff in diffs.groupby("group", sort=False):
        arm, reference = comparison.split(" vs ", 1)
        est, lo, hi, p = (_stat(diff, s) for s in ("estimate", "ci_lower", "ci_upper", "p_value"))
        p_text = endpoints._p_text(p)
        policy = (f" (treatment policy: each patient in the arm randomised, whatever was taken after the switch; the "
                  f"patients who switched treatment at week {SWITCH_WEEK:g} stay in their arm"
                  f"{_switched_text(ard, diff['paramcd'].iloc[0], avisit)})"
                  if diff["method"].str.contains("treatment policy").any() else "")
        if kind in ("MCII", NRI):
            # the test, which the sparse strata of a visit may change from CMH to Fisher's (the table's note says why)
            method = " ".join(diff["method"])
            test = "Fisher's exact test" if "Fisher's exact test" in method else "CMH test" if "CMH" in method else ""
            p_text += f", {test}" if test else ""
            rates = _rows(ard, analysis_id)
            rates = rates[rates["avisit"] == avisit]
            cells, whose = {}, "whose visit was due" if kind == NRI else "evaluable"  # NRI: each one due, as the table
            for g in (arm, reference):
                x, n = (_stat(rates[rates["group"] == g], s) for s in ("n_responders", "n_evaluable"))
                cells[g] = f"{x:.0f} of the {n:.0f} patients {whose} ({tables.format_number(100 * x / n, 1)}%)"
            sentences.append(
                f"At {avisit}{policy}, {what} was reached by {cells[arm]} randomised to {arm} and {cells[reference]} "
                f"randomised to {reference}: a difference of {tables.format_number(100 * est, 1)} percentage points "
                f"(95% CI {tables.format_number(100 * lo, 1)} to {tables.format_number(100 * hi, 1)}; {p_text}).")
        elif kind == "LOGISTIC":
            sentences.append(
                f"Adjusted for the baseline value, the odds of {what} at {avisit} with {arm} were "
                f"{tables.format_number(est, 2)} times those with {reference} (95% CI {tables.format_number(lo, 2)} "
                f"to {tables.format_number(hi, 2)}; {p_text}).")
        else:
            size = tables.format_number(abs(est), 1)
            side = ("about the same as" if size == tables.format_number(0, 1)
                    else f"{size} points {'lower' if est < 0 else 'higher'} than")
            sentences.append(
                f"At {avisit}{policy}, the mean change in {what} in the {arm} arm was {side} in the {reference} arm "
                f"(95% CI {tables.format_number(lo, 1)} to "
                f"{tables.format_number(hi, 1)}; {p_text}); the interval "
                f"{'excludes' if hi < 0 or lo > 0 else 'includes'} zero.")
    n_fas, n_due = efficacy_tables.due_counts(due, avisit) if due is not None else (0, 0)
    if n_due < n_fas:  # an interim cut: the patients enrolled first only
        sentences.append(f"At this interim data cut {avisit} was not yet due for {n_fas - n_due:.0f} of the "
                         f"{n_fas:.0f} patients: the comparison rests on those enrolled first and may change at the "
                         "final analysis.")
    return " ".join(sentences)
