"""Safety tables: adverse events and laboratory results, as tidy results frames.

ICH E3 section 14.3 conventions, with the table IDs of the Roche tlg-catalog (style.md §6):

- ``summarize_ae_overview`` (AET01): subjects with any TEAE, related, serious, CTCAE grade >= 3,
  leading to discontinuation, fatal, and the adverse events of special interest (AESI) of JAK inhibitors.
- ``summarize_ae_by_soc_pt`` (AET02): TEAEs by system organ class (SOC) and preferred term (PT);
  with ``where="AESER"`` the serious AEs.
- ``summarize_ae_by_max_grade`` (AET04): subjects by their maximum grade, overall, per SOC and per PT.
- ``summarize_lab_by_visit`` (LBT01), ``summarize_lab_shift`` (LBT04/LBT14 style),
  ``list_lab_alerts`` (grade >= 3 values, values crossing the label's interruption thresholds, HBV DNA detected).
- ``list_adverse_events``: the AE listing with study days.

Counting rules, for every table:

- The population is ADSL's safety population (``SAFFL == "Y"``); ``big_n`` (the N of the column
  header) is its number of subjects per arm, taken from ADSL, never from the AE or lab data.
- The arm of a record is taken from ADSL by ``USUBJID``; records of subjects outside the safety
  population are not counted. AE tables count treatment-emergent records only (``TRTEMFL == "Y"``).
- A subject is counted once per row (``n_subjects``); events (records) are counted separately (``n_events``).
- ``pct = 100 * n_subjects / big_n``, unrounded. Rounding happens only in ``analysis_utils.tables``.
- Arms appear in sorted order (or the category order if the arm column is categorical); every arm gets
  every row, zero rows included.

A trial of several arms (``docs/decisions.md``, "Safety tables of a trial of several arms"):

- ``arm=AS_TREATED`` (``"TRTA"``) counts each record in the treatment actually taken at its onset
  (``treatment_periods``): an adverse event starting on or after the switch date ``TR02SDT`` belongs
  to ``TRT02A``, an earlier one to ``TRT01A``; a laboratory record to its own ``TRTA``. A switched
  patient is in the N of both treatments; the exposure of the incidence rates is split at ``TR02SDT``.
- ``total=True`` adds a column ``TOTAL`` (``"Total"``) over every patient, each counted once.
- The treatments are ordered by their code ``TRT01AN`` (the control first, as in the efficacy tables).

Every ``summarize_*`` returns a long frame with documented columns; ``to_ard`` turns it into ARD rows
and the ``format_*`` functions into display frames.
"""

from types import MappingProxyType

import numpy as np
import pandas as pd
from scipy import special

from analysis_utils import ard as ard_mod
from analysis_utils import ctcae, dictionary, tables
from analysis_utils.cleaning import DAYS_PER_YEAR, NOT_CODED, TRTEM_WINDOW_DAYS
from analysis_utils.summaries import QUANTILE_METHOD, compute_quantile  # one quartile rule for the report
from analysis_utils.vocabulary import LAB_PARAMS, VARIABLE_HEADERS, decode, in_sentence, param_label, patient_label

#: ADSL population flag of every safety table (ICH E9: subjects who received at least one dose).
SAFETY_FLAG = "SAFFL"
#: ADAE flag of treatment-emergent records (docs/analysis_datasets.md: start on or after the first
#: dose and no later than 30 days after the last dose).
TEAE_FLAG = "TRTEMFL"
#: Note under the tables of adverse events: what a TEAE is (``cleaning.derive_adae``) and what the cells count.
#: The table by maximum grade counts patients only (``AE_PATIENTS_NOTE``).
AE_PATIENTS_NOTE = (f"TEAE: treatment-emergent adverse event, one that starts on or after the first dose and at most "
                    f"{TRTEM_WINDOW_DAYS} days after the last dose. n (%): patients with at least one event. MedDRA "
                    "terms as coded.")
AE_NOTE = AE_PATIENTS_NOTE.replace("at least one event.", "at least one event; [events]: number of events.")
#: Label of a missing category (no baseline value, no post-baseline value, no grade).
MISSING_LABEL = "Missing"
#: ``arm`` of the tables that count each record in the treatment actually taken at its onset ("as
#: treated", ADaM ``TRTA``; ``treatment_periods``).
AS_TREATED = "TRTA"
#: ADSL columns of the second treatment period (a switch): the treatment and its first day (ADaM IG
#: ``TRTxxA``, ``TRxxSDT``; CONTRACT of the randomised trial: control patients switched at week 12).
PERIOD2_ARM, PERIOD2_START = "TRT02A", "TR02SDT"
#: ``arm`` (ARD ``group``) of the column over every patient of a trial of several arms.
TOTAL = "Total"

#: CTCAE v5.0 grades, in order (grade 5 = death related to the AE).
CTCAE_GRADES = (1, 2, 3, 4, 5)
#: Grade from which an AE or a lab value is "severe" in the overview and the alert listing (CTCAE v5.0).
SEVERE_GRADE = 3
#: AEACN value of an AE that led to permanent discontinuation of the study drug (CDISC ACN codelist).
ACTION_DRUG_WITHDRAWN = "DRUG WITHDRAWN"
#: AEOUT value of a fatal AE (CDISC OUT codelist).
OUTCOME_FATAL = dictionary.OUTCOME_FATAL
#: MedDRA SOCs used by SOC-level AESI rules (matched case-insensitively).
SOC_INFECTIONS = "Infections and infestations"
SOC_NEOPLASMS = "Neoplasms benign, malignant and unspecified (incl cysts and polyps)"

#: AESI of JAK inhibitors by MedDRA preferred term (matched case-insensitively). Categories follow
#: the baricitinib label's boxed warning and monitoring advice (Olumiant label: serious and opportunistic
#: infections, herpes zoster, HBV reactivation, VTE, MACE, malignancy, GI perforation). The PT lists are
#: this project's selection, not a MedDRA SMQ (SMQs are licensed): they catch the usual PTs and need
#: medical review for other terms. A PT may belong to several categories (disseminated zoster; HBV
#: reactivation, which the opportunistic-infection consensus list of Winthrop KL et al., Ann Rheum Dis
#: 2015;74:2107-16 includes [unverified here], is also an opportunistic infection).
AESI_PTS = MappingProxyType({
    "Opportunistic infection": frozenset({
        "tuberculosis", "pulmonary tuberculosis", "latent tuberculosis", "pneumocystis jirovecii pneumonia",
        "oesophageal candidiasis", "cytomegalovirus infection", "cytomegalovirus viraemia",
        "herpes zoster disseminated", "cryptococcosis", "histoplasmosis", "aspergillus infection",
        "progressive multifocal leukoencephalopathy", "hepatitis b reactivation"}),
    "Herpes zoster": frozenset({
        "herpes zoster", "herpes zoster disseminated", "herpes zoster oticus", "ophthalmic herpes zoster",
        "herpes zoster meningitis"}),
    "Hepatitis B reactivation": frozenset({"hepatitis b reactivation", "hepatitis b", "hepatitis b dna increased"}),
    "Venous thromboembolism": frozenset({
        "deep vein thrombosis", "pulmonary embolism", "venous thrombosis", "venous thrombosis limb",
        "embolism venous", "pulmonary thrombosis"}),
    "MACE": frozenset({
        "myocardial infarction", "acute myocardial infarction", "cerebrovascular accident", "ischaemic stroke",
        "haemorrhagic stroke", "cardiac death", "sudden cardiac death"}),
    "GI perforation": frozenset({
        "gastrointestinal perforation", "intestinal perforation", "large intestine perforation",
        "small intestinal perforation", "gastric perforation", "duodenal perforation",
        "diverticular perforation", "oesophageal perforation"}),
})

#: Baricitinib label thresholds below which treatment is interrupted (``ctcae.LAB_INTERRUPTION_THRESHOLDS``, where
#: the eligibility step reads them too).
LAB_INTERRUPTION_THRESHOLDS = ctcae.LAB_INTERRUPTION_THRESHOLDS

#: Laboratory parameters of the safety tables (haematology and chemistry of ``vocabulary.LAB_PARAMS``),
#: in display order. Disease markers (ESR, CRP, IgG, complement) belong to the efficacy section.
SAFETY_LAB_PARAMS = ("WBC", "NEUT", "LYM", "HGB", "PLAT", "ALT", "AST", "BILI", "CREAT", "CK", "CHOL", "TRIG")
#: Display decimals of the laboratory summaries (mean, median, quartiles, extremes; SD one more), by PARAMCD.
LAB_DECIMALS = MappingProxyType({
    "WBC": 2, "NEUT": 2, "LYM": 2, "HGB": 1, "PLAT": 0, "ALT": 1, "AST": 1, "BILI": 1, "CREAT": 1, "CK": 0,
    "CHOL": 2, "TRIG": 2,
})
#: CTCAE grades of laboratory values (grade 0 = within the grade-1 limits).
LAB_GRADES = (0, 1, 2, 3, 4)

#: Columns of the AE listing, when present in ADAE.
AE_LISTING_COLUMNS = (
    "USUBJID", "AESEQ", "AETERM", "AEDECOD", "AEBODSYS", "ASTDT", "ASTDTF", "ASTDY", "AENDT", "AENDTF", "AENDY",
    "ADURN", "TRTEMFL", "AESER", "AETOXGR", "AESEV", "AEREL", "AEACN", "AEOUT",
)


# ---------------------------------------------------------------------------------------------
# population and record selection


def _require_columns(data: pd.DataFrame, columns, name: str) -> None:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise ValueError(f"{name}: missing column(s) {missing}")


def _arm_levels(arm: pd.Series) -> list:
    """The arms in display order: the categories of a categorical column, else sorted; ``TOTAL`` last."""
    if isinstance(arm.dtype, pd.CategoricalDtype):
        return list(arm.cat.categories)
    return sorted(arm.unique(), key=lambda a: (a == TOTAL, a))


def _safety_population(adsl: pd.DataFrame, arm: str, *, members: pd.Series | None = None) -> pd.DataFrame:
    """Return ``USUBJID, arm`` of the safety population (or of the subjects ``members`` flags: the patients randomised,
    ``disposition.RANDOMISED_ARM``), refusing duplicate subjects; with
    ``arm=AS_TREATED`` one row per subject and treatment taken (``treatment_periods``). ``arm`` is categorical in
    the order of the arms' codes (``_arm_order``) when ADSL has them (``TRT01AN``): the tables by first treatment
    (concomitant medications, glucocorticoid dose) put the baricitinib arm before the control, alphabetically."""
    if arm == AS_TREATED:
        return treatment_periods(adsl)
    _require_columns(adsl, ["USUBJID", arm, *([SAFETY_FLAG] if members is None else [])], "ADSL")
    members = adsl[SAFETY_FLAG] == "Y" if members is None else members
    pop = adsl.loc[members, ["USUBJID", arm]].rename(columns={arm: "arm"})
    dup = pop["USUBJID"].duplicated()
    if dup.any():
        raise ValueError(f"ADSL: subject {pop.loc[dup, 'USUBJID'].iloc[0]!r} has more than one row")
    if (pop["arm"].isna() | (pop["arm"].astype(str) == "")).any():
        subject = pop.loc[pop["arm"].isna() | (pop["arm"].astype(str) == ""), "USUBJID"].iloc[0]
        raise ValueError(f"ADSL: safety subject {subject!r} has no {arm}")
    if f"{arm}N" in adsl:  # by the arm's code (the control first), as the as-treated tables; not alphabetically
        pop["arm"] = pd.Categorical(pop["arm"], categories=_arm_order(adsl, arm, pop["arm"]))
    return pop.reset_index(drop=True)


def _arm_order(adsl: pd.DataFrame, arm: str, arms) -> list:
    """``arms`` ordered by their code ``<arm>N`` in ADSL when it has one (the control, lowest code,
    first, as in the efficacy tables), else sorted; arms without a code (a period-2 treatment of
    its own) after them, sorted."""
    code = f"{arm}N"
    known = adsl[[arm, code]].dropna().drop_duplicates(arm).set_index(arm)[code] if code in adsl else pd.Series()
    return sorted(dict.fromkeys(arms), key=lambda a: (a not in known.index, known.get(a, 0), a))


def treatment_periods(adsl: pd.DataFrame) -> pd.DataFrame:
    """The treatments each safety subject actually took: one row per subject and treatment period.

    Period 1 is ``TRT01A`` from the first dose; a subject whose ``TRT02A`` is given and differs from
    ``TRT01A`` switched and has a period 2, ``TRT02A`` from ``TR02SDT`` (that day included), as
    ADaM records a treatment switch (CDISC ADaM IG: ``TRTxxA``, ``TRxxSDT``). Without ``TRT02A``
    (the single-arm pilot) every subject has one period.

    Returns
    -------
    DataFrame
        ``USUBJID, arm, _start`` (``_start`` is missing for period 1, ``TR02SDT`` for period 2); ``arm``
        categorical in the order of ``_arm_order``.

    Raises
    ------
    ValueError
        A switched subject without ``TR02SDT``, or the errors of the safety population.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"], "SAFFL": "Y", "TRT01A": ["B", "A"], "TRT01AN": [2, 1],
    ...                      "TRT02A": ["B", "B"], "TR02SDT": pd.to_datetime([None, "2021-04-01"])})
    >>> periods = treatment_periods(adsl)
    >>> periods.astype({"arm": str}).values.tolist(), list(periods["arm"].cat.categories)
    ([['1', 'B', NaT], ['2', 'A', NaT], ['2', 'B', Timestamp('2021-04-01 00:00:00')]], ['A', 'B'])
    """
    pop = _safety_population(adsl, "TRT01A").assign(_start=pd.NaT)
    if PERIOD2_ARM in adsl.columns:
        _require_columns(adsl, [PERIOD2_START], "ADSL")
        second = pop[["USUBJID", "arm"]].merge(adsl[["USUBJID", PERIOD2_ARM, PERIOD2_START]], on="USUBJID",
                                              how="left", validate="one_to_one")
        given = second[PERIOD2_ARM].notna() & (second[PERIOD2_ARM].astype(str).str.strip() != "")
        switched = given & (second[PERIOD2_ARM] != second["arm"])
        undated = switched & second[PERIOD2_START].isna()
        if undated.any():
            row = second[undated].iloc[0]
            raise ValueError(f"ADSL: subject {row['USUBJID']!r} switched from {row['arm']!r} to "
                             f"{row[PERIOD2_ARM]!r} ({PERIOD2_ARM}) without a switch date ({PERIOD2_START})")
        period2 = second.loc[switched, ["USUBJID", PERIOD2_ARM, PERIOD2_START]]
        period2 = period2.rename(columns={PERIOD2_ARM: "arm", PERIOD2_START: "_start"})
        position = dict(zip(pop["USUBJID"], range(len(pop))))  # ADSL order, period 2 after period 1
        pop = pd.concat([pop, period2], ignore_index=True)
        pop = pop.iloc[np.lexsort((pop["_start"].notna().to_numpy(), pop["USUBJID"].map(position).to_numpy()))]
    levels = _arm_order(adsl, "TRT01A", pop["arm"])
    return pop.assign(arm=pd.Categorical(pop["arm"], categories=levels)).reset_index(drop=True)


def _attach_arm(records: pd.DataFrame, pop: pd.DataFrame, *, date: str, dataset: str) -> pd.DataFrame:
    """``records`` of the subjects of ``pop`` with their ``arm``: the subject's arm, or with a treatment
    switch (``pop`` from ``treatment_periods``) the treatment taken on ``date``: ``TRT02A`` from the
    switch date on, ``TRT01A`` before; a record of a switched subject without ``date`` raises."""
    if "_start" not in pop.columns:
        return records.merge(pop, on="USUBJID", how="inner", validate="many_to_one")
    first = pop.loc[pop["_start"].isna(), ["USUBJID", "arm"]].astype({"arm": object})
    second = pop.loc[pop["_start"].notna(), ["USUBJID", "arm", "_start"]].rename(columns={"arm": "_arm2"})
    out = records.merge(first, on="USUBJID", how="inner", validate="many_to_one")
    out = out.merge(second.astype({"_arm2": object}), on="USUBJID", how="left", validate="many_to_one")
    switched = out["_start"].notna()
    if switched.any():
        _require_columns(out, [date], dataset)
        undated = switched & out[date].isna()
        if undated.any():
            row = out.loc[undated].iloc[0]
            which = ", ".join(f"{c} {row[c]}" for c in ("AESEQ", "AEDECOD", "PARAMCD", "AVISIT") if c in out.columns)
            raise ValueError(f"{dataset}: subject {row['USUBJID']!r} switched treatment and has a record without "
                             f"{date}{f' ({which})' if which else ''}: the treatment taken at that time is unknown")
        late = switched & (out[date] >= out["_start"])
        out["arm"] = out["arm"].where(~late, out["_arm2"])
    return out.drop(columns=["_arm2", "_start"])


def _with_total(pop: pd.DataFrame, records: pd.DataFrame | None = None):
    """``pop`` (and ``records``) stacked with a copy in the arm ``TOTAL``: every subject once."""
    levels = [*_arm_levels(pop["arm"]), TOTAL]
    total = pop.drop_duplicates("USUBJID").assign(arm=TOTAL)
    both = pd.concat([pop.astype({"arm": object}), total], ignore_index=True)
    both = both.assign(arm=pd.Categorical(both["arm"], categories=levels))
    if records is None:
        return both
    return both, pd.concat([records.astype({"arm": object}), records.assign(arm=TOTAL)], ignore_index=True)


#: Table note of an as-treated table of several treatments (``AS_TREATED``).
AS_TREATED_NOTE = ("Columns by the treatment actually taken: an event counts in the treatment taken on the day it "
                   "started; a patient who switched treatment is in the N of both treatments and once in Total.")
#: The same of the laboratory tables: a sample is no event, and a switched patient's change is from the study baseline.
LAB_AS_TREATED_NOTE = ("Columns by the treatment actually taken: a sample counts in the treatment taken on the day it "
                       "was drawn (on the day of a switch, before the first new dose: in the first); a patient who "
                       "switched is in both treatments, the change from the study baseline, before any study "
                       "treatment; N: the patients with a value of the test under the treatment, once in Total.")
#: Listing note of the laboratory alerts of several treatments (``list_lab_alerts`` with ``adsl``).
LAB_LISTING_TREATMENT_NOTE = "Treatment: the treatment taken when the sample was drawn (at baseline, the arm's first)."
#: Listing note of an adverse-event listing of several treatments (``list_adverse_events`` with ``adsl``).
AE_LISTING_TREATMENT_NOTE = "Treatment: the treatment taken when the event started (blank: not treatment-emergent)."
#: Table note of the incidence rates of several treatments (``summarize_aesi_eair`` with ``AS_TREATED``).
SPLIT_EXPOSURE_NOTE = ("The time at risk of a patient who switched is split at the switch date: before it in the "
                       "first treatment, from it on in the second, each starting at risk anew; Total: the whole time "
                       "to the first event.")


def table_arms(adsl: pd.DataFrame) -> dict:
    """The ``arm`` and ``total`` arguments of the safety tables for ADSL's design: as treated
    (``AS_TREATED``) with a Total column when the patients took more than one treatment, else one
    column (the single-arm pilot, whose tables have no Total).

    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"], "SAFFL": "Y", "TRT01A": ["A", "B"]})
    >>> table_arms(adsl), table_arms(adsl.assign(TRT01A="A"))
    ({'arm': 'TRTA', 'total': True}, {'arm': 'TRTA', 'total': False})
    """
    return {"arm": AS_TREATED, "total": len(compute_big_n(adsl, arm=AS_TREATED)) > 1}


def compute_big_n(adsl: pd.DataFrame, *, arm: str = "TRT01A") -> pd.Series:
    """Count the safety-population subjects per arm (the N of the column headers).

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2", "3"], "SAFFL": ["Y", "Y", "N"], "TRT01A": ["A", "B", "B"]})
    >>> compute_big_n(adsl).to_dict()
    {'A': 1, 'B': 1}
    """
    pop = _safety_population(adsl, arm)
    return pop.groupby("arm", sort=False)["USUBJID"].nunique().reindex(_arm_levels(pop["arm"])).rename("big_n")


def _of_safety_set(data: pd.DataFrame, adsl: pd.DataFrame) -> pd.Series:
    """A mask of the rows of ``data`` of a subject of the safety population (ADSL ``SAFFL == "Y"``)."""
    _require_columns(adsl, ["USUBJID", SAFETY_FLAG], "ADSL")
    return data["USUBJID"].isin(adsl.loc[adsl[SAFETY_FLAG] == "Y", "USUBJID"])


def _where_mask(data: pd.DataFrame, where) -> pd.Series:
    if where is None:
        return pd.Series(True, index=data.index)
    if isinstance(where, str):
        _require_columns(data, [where], "filter")
        return data[where] == "Y"
    mask = pd.Series(where)
    if not mask.index.equals(data.index) or mask.dtype != bool:
        raise ValueError("filter: a boolean Series with the index of the data, or the name of a Y/N flag column")
    return mask


def _teae_records(adae: pd.DataFrame, pop: pd.DataFrame, where, columns) -> pd.DataFrame:
    """Treatment-emergent records (optionally filtered) of safety subjects, with their arm (``_attach_arm``:
    the ADSL arm, or the treatment taken at the onset ``ASTDT``)."""
    _require_columns(adae, ["USUBJID", TEAE_FLAG, *columns], "ADAE")
    keep = (adae[TEAE_FLAG] == "Y") & _where_mask(adae, where)
    extra = ["ASTDT"] if "_start" in pop.columns and "ASTDT" in adae.columns else []
    records = adae.loc[keep, ["USUBJID", *dict.fromkeys([*columns, *extra])]]
    out = _attach_arm(records, pop, date="ASTDT", dataset="ADAE")
    return out.drop(columns=[c for c in extra if c not in columns])


def _complete_grid(counts: pd.DataFrame, rows: pd.DataFrame, pop: pd.DataFrame, stats) -> pd.DataFrame:
    """Put ``counts`` on the full grid rows x arms (zeros where absent), with ``big_n`` and ``pct``."""
    big_n = pop.groupby(pop["arm"].astype(object), sort=False)["USUBJID"].nunique()
    arms = pd.DataFrame({"arm": _arm_levels(pop["arm"])})
    keys = list(rows.columns)
    grid = rows.assign(_row=np.arange(len(rows))).merge(arms, how="cross")
    out = grid.merge(counts, on=["arm", *keys], how="left")
    out[list(stats)] = out[list(stats)].fillna(0).astype("int64")
    out["big_n"] = out["arm"].map(big_n).astype("int64")
    out["pct"] = 100.0 * out["n_subjects"] / out["big_n"]
    arm_rank = out["arm"].map({a: i for i, a in enumerate(arms["arm"])})
    order = np.lexsort((arm_rank.to_numpy(), out["_row"].to_numpy()))
    return out.iloc[order].drop(columns="_row").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# adverse events


def _soc_pt_levels(records: pd.DataFrame, soc: str, pt: str) -> pd.DataFrame:
    """Stack each record three times: as 'any TEAE' (soc = pt = ""), under its SOC, under its PT."""
    for col in (soc, pt):
        blank = records[col].isna() | (records[col].astype(str).str.strip() == "")
        if blank.any():
            raise ValueError(f"ADAE: subject {records.loc[blank, 'USUBJID'].iloc[0]!r} has a TEAE with blank {col} "
                             "(uncoded term)")
    base = records.drop(columns=[c for c in (soc, pt) if c in ("soc", "pt")])
    return pd.concat([base.assign(soc="", pt=""), base.assign(soc=records[soc], pt=""),
                      base.assign(soc=records[soc], pt=records[pt])], ignore_index=True)


def _soc_pt_order(levels: pd.DataFrame) -> pd.DataFrame:
    """Rows in display order: any TEAE, then SOCs by descending subjects then name, PTs likewise within; terms
    not yet coded (``NOT_CODED``) last."""
    total = levels.groupby(["soc", "pt"])["USUBJID"].nunique().rename("n").reset_index()
    total = pd.concat([pd.DataFrame({"soc": [""], "pt": [""], "n": [0]}), total]).drop_duplicates(["soc", "pt"],
                                                                                                  keep="last")
    soc_n = total.loc[total["pt"] == "", ["soc", "n"]].rename(columns={"n": "soc_n"})
    total = total.merge(soc_n, on="soc")
    total["is_pt"] = total["pt"] != ""
    total["not_any"] = total["soc"] != ""
    total["not_coded"] = total["soc"] == NOT_CODED
    total = total.sort_values(["not_any", "not_coded", "soc_n", "soc", "is_pt", "n", "pt"],
                              ascending=[True, True, False, True, True, False, True], kind="stable")
    return total[["soc", "pt"]].reset_index(drop=True)


def summarize_ae_by_soc_pt(adae: pd.DataFrame, adsl: pd.DataFrame, *, arm: str = "TRT01A",
                           soc: str = "AEBODSYS", pt: str = "AEDECOD", where=None, total: bool = False) -> pd.DataFrame:
    """Count subjects and events with TEAEs by system organ class and preferred term (AET02).

    Parameters
    ----------
    adae, adsl : DataFrame
        ADAE (``USUBJID``, ``TRTEMFL``, ``soc``, ``pt``) and ADSL (``USUBJID``, ``SAFFL``, ``arm``).
    arm : str, default 'TRT01A'
        ADSL column of the treatment arm, or ``AS_TREATED``: each event in the treatment taken at its onset.
    soc, pt : str, default 'AEBODSYS', 'AEDECOD'
        ADAE columns of the SOC and the PT.
    where : str or boolean Series, optional
        Further record filter: the name of a ``Y``/``N`` flag (``"AESER"`` gives the serious-AE
        table) or a boolean Series on ADAE's index. Always combined with ``TRTEMFL == "Y"``.
    total : bool, default False
        Add the arm ``TOTAL``: every patient once, every event once.

    Returns
    -------
    DataFrame
        ``arm, soc, pt, n_subjects, n_events, big_n, pct``. Per arm: one row with ``soc == pt == ""``
        (any TEAE), one per SOC with ``pt == ""`` (SOC total) and one per SOC and PT. Rows: any TEAE,
        then SOCs by descending number of subjects (all arms together) then alphabetically, each
        followed by its PTs in the same order; within a row, arms in order. Every arm has every row.

    Raises
    ------
    ValueError
        Missing columns, a TEAE with a blank SOC or PT, a subject twice in ADSL.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"], "SAFFL": "Y", "TRT01A": "Bari"})
    >>> adae = pd.DataFrame({"USUBJID": ["1", "1"], "TRTEMFL": "Y", "AEBODSYS": "Infections",
    ...                      "AEDECOD": ["Herpes zoster", "Herpes zoster"]})
    >>> summarize_ae_by_soc_pt(adae, adsl)[["soc", "pt", "n_subjects", "n_events", "pct"]].values.tolist()
    [['', '', 1, 2, 50.0], ['Infections', '', 1, 2, 50.0], ['Infections', 'Herpes zoster', 1, 2, 50.0]]
    """
    pop = _safety_population(adsl, arm)
    records = _teae_records(adae, pop, where, [soc, pt])
    if total:
        pop, records = _with_total(pop, records)
    levels = _soc_pt_levels(records, soc, pt)
    counts = (levels.groupby(["arm", "soc", "pt"])["USUBJID"].agg(n_subjects="nunique", n_events="size")
              .reset_index())
    out = _complete_grid(counts, _soc_pt_order(levels), pop, ("n_subjects", "n_events"))
    return out[["arm", "soc", "pt", "n_subjects", "n_events", "big_n", "pct"]]


def _flag_rule(column: str):
    def rule(ae: pd.DataFrame) -> pd.Series:
        return ae[column] == "Y"
    return rule


def _grade_rule(ae: pd.DataFrame) -> pd.Series:
    return pd.to_numeric(ae["AETOXGR"], errors="raise") >= SEVERE_GRADE


def _withdrawn_rule(ae: pd.DataFrame) -> pd.Series:
    return ae["AEACN"] == ACTION_DRUG_WITHDRAWN


def _fatal_rule(ae: pd.DataFrame) -> pd.Series:
    return ae["AEOUT"] == OUTCOME_FATAL


def _soc_rule(soc: str, *, serious: bool):
    def rule(ae: pd.DataFrame) -> pd.Series:  # as text: a column without records may be typed float
        mask = ae["AEBODSYS"].astype(str).str.lower() == soc.lower()
        return mask & (ae["AESER"] == "Y") if serious else mask
    return rule


def _pt_rule(terms: frozenset):
    def rule(ae: pd.DataFrame) -> pd.Series:
        return ae["AEDECOD"].astype(str).str.lower().isin(terms)
    return rule


#: Rows of the AE overview (AET01), in display order: label -> rule on ADAE records (True = counted).
#: Related = ``RELFL == "Y"`` (related or possibly related); grade from ``AETOXGR`` (CTCAE v5.0);
#: discontinuation = ``AEACN == "DRUG WITHDRAWN"``; fatal = ``AEOUT == "FATAL"``. Then the AESI:
#: serious infections (SOC infections and serious), malignancy (neoplasm SOC; includes benign
#: neoplasms, so every case needs review) and the PT-based categories of ``AESI_PTS``.
AE_OVERVIEW_CATEGORIES = MappingProxyType({
    "Any TEAE": lambda ae: pd.Series(True, index=ae.index),
    "Related TEAE": _flag_rule("RELFL"),
    "Serious TEAE": _flag_rule("AESER"),
    f"TEAE of CTCAE grade >= {SEVERE_GRADE}": _grade_rule,
    "TEAE leading to discontinuation of study drug": _withdrawn_rule,
    "TEAE with fatal outcome": _fatal_rule,
    "AESI: serious infection": _soc_rule(SOC_INFECTIONS, serious=True),
    "AESI: opportunistic infection": _pt_rule(AESI_PTS["Opportunistic infection"]),
    "AESI: herpes zoster": _pt_rule(AESI_PTS["Herpes zoster"]),
    "AESI: hepatitis B reactivation": _pt_rule(AESI_PTS["Hepatitis B reactivation"]),
    "AESI: venous thromboembolism": _pt_rule(AESI_PTS["Venous thromboembolism"]),
    "AESI: MACE": _pt_rule(AESI_PTS["MACE"]),
    "AESI: malignancy (neoplasm SOC)": _soc_rule(SOC_NEOPLASMS, serious=False),
    "AESI: GI perforation": _pt_rule(AESI_PTS["GI perforation"]),
})


def _apply_rule(rule, records: pd.DataFrame, name: str, dataset: str) -> pd.Series:
    """The records a category rule selects (boolean Series; missing counts as False); a column the rule
    needs and the data lack is a ``ValueError`` naming the category ``name`` and the ``dataset``."""
    try:
        return pd.Series(rule(records), index=records.index).fillna(False).astype(bool)
    except KeyError as err:
        raise ValueError(f"{name}: {dataset} has no column {err}") from None


def summarize_ae_overview(adae: pd.DataFrame, adsl: pd.DataFrame, *, arm: str = "TRT01A",
                          categories=AE_OVERVIEW_CATEGORIES, total: bool = False) -> pd.DataFrame:
    """Count subjects and events per overview category of TEAEs (AET01), AESI included.

    Parameters
    ----------
    adae, adsl : DataFrame
        ADAE with the columns the rules read, ADSL with ``USUBJID``, ``SAFFL`` and ``arm``.
    arm : str, default 'TRT01A'
        ADSL column of the arm, or ``AS_TREATED`` (as in ``summarize_ae_by_soc_pt``).
    categories : mapping, default ``AE_OVERVIEW_CATEGORIES``
        Row label -> function of the TEAE records returning a boolean Series. Every category is
        shown, zero rows included, in the mapping's order.
    total : bool, default False
        Add the arm ``TOTAL`` over every patient.

    Returns
    -------
    DataFrame
        ``arm, category, n_subjects, n_events, big_n, pct``.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"], "SAFFL": "Y", "TRT01A": "Bari"})
    >>> adae = pd.DataFrame({"USUBJID": ["1"], "TRTEMFL": "Y", "AESER": "Y"})
    >>> rules = {"Any TEAE": lambda ae: ae["USUBJID"] != "", "Serious": lambda ae: ae["AESER"] == "Y",
    ...          "Fatal": lambda ae: ae["AESER"] == "F"}
    >>> summarize_ae_overview(adae, adsl, categories=rules)[["category", "n_subjects", "pct"]].values.tolist()
    [['Any TEAE', 1, 50.0], ['Serious', 1, 50.0], ['Fatal', 0, 0.0]]
    """
    pop = _safety_population(adsl, arm)
    records = _teae_records(adae, pop, None, [c for c in adae.columns if c != "USUBJID"])
    if total:
        pop, records = _with_total(pop, records)
    parts = []
    for label, rule in categories.items():
        mask = _apply_rule(rule, records, f"AE overview category {label!r}", "ADAE")
        parts.append(records.loc[mask, ["USUBJID", "arm"]].assign(category=label))
    hits = pd.concat(parts, ignore_index=True)
    counts = hits.groupby(["arm", "category"])["USUBJID"].agg(n_subjects="nunique", n_events="size").reset_index()
    out = _complete_grid(counts, pd.DataFrame({"category": list(categories)}), pop, ("n_subjects", "n_events"))
    return out[["arm", "category", "n_subjects", "n_events", "big_n", "pct"]]


#: The population of the tables by first treatment (``disposition.summarize_table1``, ``summarize_exposure``;
#: medications; the randomised comparison's period): a patient who switched counts under the first treatment only.
FIRST_TREATMENT_POPULATION = "Safety population (SAFFL = Y), by first treatment (TRT01A)"
#: The randomised comparison's period of a trial whose control patients may switch treatment: the first 12 weeks from
#: the first dose (study days 1 to 84), up to the primary comparison at week 12, after which the control's
#: non-responders add baricitinib (``dictionary.SWITCH_WEEK``; protocol, Trials 2023, doi 10.1186/s13063-023-07087-5).
#: The same time in every arm: the week-12 visit itself falls on days 84 to 88, so a period to each patient's visit
#: would give some patients days more than others.
CONTROLLED_PERIOD_DAYS = dictionary.SWITCH_WEEK * 7
#: Table note of the tables of the randomised comparison's period (``started_in_controlled_period``).
CONTROLLED_NOTE = (f"Columns by the first treatment taken, the arm each patient started on: events that started in "
                   f"the first {CONTROLLED_PERIOD_DAYS // 7} weeks (study days 1 to {CONTROLLED_PERIOD_DAYS}, day 1 "
                   "the first dose) and before the day of a switch (the first dose of the treatment switched to). N: "
                   "every patient of the safety set, however long they were followed in the period (a patient who "
                   f"left, or had not reached week {CONTROLLED_PERIOD_DAYS // 7} at the data cut, with the events "
                   "until then).")


def started_in_controlled_period(adae: pd.DataFrame, adsl: pd.DataFrame, *,
                                 days: int = CONTROLLED_PERIOD_DAYS) -> pd.Series:
    """A mask of the ADAE records that started in the randomised comparison's period: from the first dose
    (ADSL ``TRTSDT``, study day 1) to study day ``days`` (``CONTROLLED_PERIOD_DAYS``), and before the switch date
    (``TR02SDT``) of a patient who switched treatment (``treatment_periods``).

    A record without a start date (``ASTDT``) is in no period; a treatment-emergent one (``TRTEMFL``) cannot be, and
    raises ``ValueError`` naming the subject and the event (the treatment-emergent flag needs the date).

    Examples
    --------
    Day 84 is in the period, day 85 is not; a patient who switched on day 60 leaves it that day:

    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"], "SAFFL": "Y", "TRT01A": ["A", "B"], "TRT02A": ["A", "A"],
    ...                      "TRTSDT": pd.to_datetime(["2021-01-01"] * 2),
    ...                      "TR02SDT": pd.to_datetime([None, "2021-03-01"])})
    >>> adae = pd.DataFrame({"USUBJID": ["1", "1", "2", "2"],
    ...                      "ASTDT": pd.to_datetime(["2021-03-25", "2021-03-26", "2021-02-28", "2021-03-01"])})
    >>> started_in_controlled_period(adae, adsl).tolist()
    [True, False, True, False]
    """
    _require_columns(adae, ["USUBJID", "ASTDT"], "ADAE")
    _require_columns(adsl, ["USUBJID", "TRTSDT"], "ADSL")
    if TEAE_FLAG in adae.columns and (undated := (adae[TEAE_FLAG] == "Y") & adae["ASTDT"].isna()).any():
        row = adae.loc[undated].iloc[0]
        which = ", ".join(f"{c} {row[c]}" for c in ("AESEQ", "AEDECOD") if c in adae.columns)
        raise ValueError(f"ADAE: subject {row['USUBJID']!r} has a treatment-emergent event without a start date "
                         f"(ASTDT{f'; {which}' if which else ''}): its period is unknown")
    periods = treatment_periods(adsl)
    switches = periods.loc[periods["_start"].notna()].set_index("USUBJID")["_start"]
    first_doses = adsl.drop_duplicates("USUBJID").set_index("USUBJID")["TRTSDT"]
    # dates by subject (``reindex``: with no switch yet, ``map`` would give floats)
    switch, first_dose = (pd.Series(dates.reindex(adae["USUBJID"]).to_numpy(), index=adae.index)
                          for dates in (switches, first_doses))
    day = (adae["ASTDT"] - first_dose).dt.days
    return ((day >= 0) & (day < days) & (switch.isna() | (adae["ASTDT"] < switch))).fillna(False).astype(bool)


def _blank(column: str):
    def rule(ae: pd.DataFrame) -> pd.Series:
        return ae[column].isna() | (ae[column].astype(str).str.strip() == "")
    return rule


#: What a TEAE of an interim export may still lack (each blank is a data query), and what the AE tables do with such
#: an event (docs/decisions.md, "Adverse events not yet assessed"): label -> (rule on ADAE records, True = lacking;
#: what the tables do). A term not yet coded is ``NOT_CODED``; a grade is not imputed; a relationship counts as
#: related (``cleaning.RELFL_NOT_ASSESSED``); an action or outcome is not imputed.
NOT_ASSESSED = MappingProxyType({
    "not yet coded in MedDRA": (lambda ae: (ae["AEDECOD"] == NOT_CODED) | (ae["AEBODSYS"] == NOT_CODED),
                                f"counted under '{NOT_CODED}', in no adverse event of special interest; the listing "
                                "gives the verbatim term"),
    "without a CTCAE grade yet": (_blank("AETOXGR"), f"in no grade >= {SEVERE_GRADE} row; Missing in the table by "
                                                     "maximum grade"),
    "without a relationship to the study drug yet": (_blank("AEREL"), "counted as related"),
    "without the action taken with the study drug yet": (_blank("AEACN"), "in no row of TEAEs leading to "
                                                                          "discontinuation of study drug"),
    "without an outcome yet": (_blank("AEOUT"), "in no row of TEAEs with fatal outcome"),
})


def summarize_not_assessed(adae: pd.DataFrame, categories=NOT_ASSESSED) -> pd.DataFrame:
    """Count the treatment-emergent events, and their patients, that still lack what each of ``categories`` names.

    Returns
    -------
    DataFrame
        ``category, n_events, n_subjects``, one row per category in its order, zeros included (all arms together).

    Examples
    --------
    >>> adae = pd.DataFrame({"USUBJID": ["1", "1", "2"], "TRTEMFL": ["Y", "Y", "N"], "AEDECOD": "Nausea",
    ...                      "AEBODSYS": "GI", "AETOXGR": pd.array([None, None, 2], dtype="Int64"),
    ...                      "AEREL": ["RELATED", "", ""], "AEACN": "DOSE NOT CHANGED", "AEOUT": "RECOVERED/RESOLVED"})
    >>> summarize_not_assessed(adae).values.tolist()
    [['not yet coded in MedDRA', 0, 0], ['without a CTCAE grade yet', 2, 1], \
['without a relationship to the study drug yet', 1, 1], ['without the action taken with the study drug yet', 0, 0], \
['without an outcome yet', 0, 0]]
    """
    teae = adae[adae[TEAE_FLAG] == "Y"]
    rows = []
    for label, (rule, _) in categories.items():
        lacking = teae[_apply_rule(rule, teae, f"TEAEs {label}", "ADAE")]
        rows.append((label, len(lacking), lacking["USUBJID"].nunique()))
    return pd.DataFrame(rows, columns=["category", "n_events", "n_subjects"])


#: The category of ``NOT_ASSESSED`` that an interim data cut itself may leave blank: the study drug withdrawn after an
#: event, of a patient still dosed after the cut (``cleaning.apply_data_cutoff``), is recorded after the cut.
BLANK_AT_CUT = "without the action taken with the study drug yet"


def describe_not_assessed(adae: pd.DataFrame, categories=NOT_ASSESSED, *, interim: bool = False) -> tuple:
    """Notes for the AE tables on the treatment-emergent events not yet coded or assessed (``summarize_not_assessed``):
    one per category that occurs, saying what the tables do with such events; none when every TEAE is complete.
    Each blank is a data query, but at an ``interim`` cut an action (``BLANK_AT_CUT``) may be one recorded after it.

    Examples
    --------
    >>> adae = pd.DataFrame({"USUBJID": ["1", "2"], "TRTEMFL": "Y", "AEDECOD": "Nausea", "AEBODSYS": "GI",
    ...                      "AETOXGR": pd.array([None, 2], dtype="Int64"), "AEREL": ["RELATED", ""],
    ...                      "AEACN": "DOSE NOT CHANGED", "AEOUT": "RECOVERED/RESOLVED"})
    >>> for note in describe_not_assessed(adae):
    ...     print(note)
    1 TEAE without a CTCAE grade yet (a data query): in no grade >= 3 row; Missing in the table by maximum grade.
    1 TEAE without a relationship to the study drug yet (a data query): counted as related.
    >>> describe_not_assessed(adae.assign(AEACN=["", "DOSE NOT CHANGED"], AEREL="RELATED", AETOXGR=1), interim=True)
    ('1 TEAE without the action taken with the study drug yet (recorded after the data cut, or a data query): in no \
row of TEAEs leading to discontinuation of study drug.',)
    """
    counts = summarize_not_assessed(adae, categories)
    at_cut = "recorded after the data cut, or a data query"
    why = {label: at_cut if interim and label == BLANK_AT_CUT else "a data query" for label in counts["category"]}
    return tuple(f"{n} TEAE{'s' * (n > 1)} {label} ({why[label]}): {categories[label][1]}."
                 for label, n in zip(counts["category"], counts["n_events"]) if n)


def _plain(value):
    """A numpy scalar as the Python value (for readable error messages)."""
    return value.item() if isinstance(value, np.generic) else value


def _rank_levels(values: pd.Series, levels, where: pd.DataFrame, name: str) -> pd.Series:
    """Rank of each value in ``levels`` (0, 1, ...); -1 if missing; unknown values raise."""
    rank = values.map({v: i for i, v in enumerate(levels)})
    missing = values.isna() | (values.astype(str).str.strip() == "")
    unknown = rank.isna() & ~missing
    if unknown.any():
        i = unknown.to_numpy().nonzero()[0][0]
        context = ", ".join(f"{c} {_plain(where[c].iloc[i])!r}" for c in where.columns)
        raise ValueError(f"{name}: {context}: value {_plain(values.iloc[i])!r} not in the levels {list(levels)}")
    return rank.fillna(-1).astype("int64")


def _level_labels(levels) -> list:
    return [MISSING_LABEL] + [str(v) for v in levels]


def summarize_ae_by_max_grade(adae: pd.DataFrame, adsl: pd.DataFrame, *, arm: str = "TRT01A",
                              grade: str = "AETOXGR", levels=CTCAE_GRADES, total: bool = False) -> pd.DataFrame:
    """Count subjects by their maximum grade of TEAE, overall, per SOC and per PT (AET04).

    A subject is counted once per row, at the highest grade of their TEAEs in that row
    (``AEBODSYS`` / ``AEDECOD``). A record without a grade ranks below grade 1 and shows as
    ``"Missing"`` only if the subject has no graded TEAE in the row.

    Parameters
    ----------
    adae, adsl : DataFrame
    arm : str, default 'TRT01A'
        ADSL column of the arm, or ``AS_TREATED`` (as in ``summarize_ae_by_soc_pt``).
    grade : str, default 'AETOXGR'
        ADAE column of the grade (``"AESEV"`` with ``levels=("MILD", "MODERATE", "SEVERE")`` for
        severity).
    levels : sequence, default ``CTCAE_GRADES``
        Grades from lowest to highest. A value outside them raises ``ValueError``.
    total : bool, default False
        Add the arm ``TOTAL`` over every patient.

    Returns
    -------
    DataFrame
        ``arm, soc, pt, grade, n_subjects, big_n, pct``; ``grade`` is the label (``"Missing"``, then
        ``str(level)``). Rows as in ``summarize_ae_by_soc_pt``, each with every grade.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"], "SAFFL": "Y", "TRT01A": "Bari"})
    >>> adae = pd.DataFrame({"USUBJID": ["1", "1"], "TRTEMFL": "Y", "AEBODSYS": "Infections",
    ...                      "AEDECOD": ["Herpes zoster", "Cystitis"], "AETOXGR": [1, 3]})
    >>> out = summarize_ae_by_max_grade(adae, adsl)
    >>> out.loc[(out["soc"] == "") & (out["n_subjects"] > 0), ["grade", "n_subjects"]].values.tolist()
    [['3', 1]]
    """
    pop = _safety_population(adsl, arm)
    records = _teae_records(adae, pop, None, ["AEBODSYS", "AEDECOD", grade])
    if total:
        pop, records = _with_total(pop, records)
    records["_rank"] = _rank_levels(records[grade], levels, records[["USUBJID", "AEDECOD"]], f"ADAE {grade}")
    stacked = _soc_pt_levels(records[["USUBJID", "arm", "AEBODSYS", "AEDECOD", "_rank"]], "AEBODSYS", "AEDECOD")
    worst = stacked.groupby(["arm", "soc", "pt", "USUBJID"])["_rank"].max().reset_index()
    labels = _level_labels(levels)
    worst["grade"] = np.array(labels, dtype=object)[worst["_rank"].to_numpy(dtype=int) + 1]
    counts = worst.groupby(["arm", "soc", "pt", "grade"])["USUBJID"].agg(n_subjects="nunique").reset_index()
    rows = _soc_pt_order(stacked).merge(pd.DataFrame({"grade": labels}), how="cross")
    out = _complete_grid(counts, rows, pop, ("n_subjects",))
    return out[["arm", "soc", "pt", "grade", "n_subjects", "big_n", "pct"]]


def list_adverse_events(adae: pd.DataFrame, *, where=None, adsl: pd.DataFrame | None = None) -> pd.DataFrame:
    """List adverse events by subject and start date, with study days (AEL01-style listing).

    Parameters
    ----------
    adae : DataFrame
    where : str or boolean Series, optional
        Record filter as in ``summarize_ae_by_soc_pt`` (e.g. ``"AESER"`` for serious AEs).
        All records are listed otherwise, treatment-emergent or not (``TRTEMFL`` is a column).
    adsl : DataFrame, optional
        With it, the safety population's events only (``SAFFL == "Y"``), the listing's population: not those of a
        screen failure, recorded at screening. When the patients took more than one treatment (``table_arms``, a
        randomised trial): a column ``TRTA`` after the patient, the treatment taken when a treatment-emergent event
        started, as the tables count it (``_attach_arm``: ``TRT02A`` from the switch date on); blank for an event
        that is not treatment-emergent. A listing of a single treatment has no such column.

    Returns
    -------
    DataFrame
        The columns of ``AE_LISTING_COLUMNS`` that ADAE has, sorted by ``USUBJID``, ``ASTDT``, ``AESEQ``.

    Examples
    --------
    >>> adae = pd.DataFrame({"USUBJID": ["1", "2", "2", "2"], "AESEQ": [1, 1, 2, 3], "TRTEMFL": ["Y", "Y", "Y", ""],
    ...                      "ASTDT": pd.to_datetime(["2021-02-01", "2021-03-31", "2021-04-01", "2020-12-30"])})
    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"], "SAFFL": "Y", "TRT01A": ["B", "A"], "TRT01AN": [2, 1],
    ...                      "TRT02A": ["B", "B"], "TR02SDT": pd.to_datetime([None, "2021-04-01"])})
    >>> list_adverse_events(adae, adsl=adsl)[["USUBJID", "TRTA", "AESEQ"]].values.tolist()
    [['1', 'B', 1], ['2', '', 3], ['2', 'A', 1], ['2', 'B', 2]]
    >>> "TRTA" in list_adverse_events(adae, adsl=adsl.assign(TRT01A="B", TRT02A="B"))
    False
    >>> list_adverse_events(adae, adsl=adsl.assign(SAFFL=["N", "Y"]))["USUBJID"].tolist()
    ['2', '2', '2']
    """
    _require_columns(adae, ["USUBJID", "ASTDT", "AESEQ"], "ADAE")
    columns = [c for c in AE_LISTING_COLUMNS if c in adae.columns]
    listed = _where_mask(adae, where) & (True if adsl is None else _of_safety_set(adae, adsl))
    listing = adae.loc[listed, columns]
    if adsl is not None and table_arms(adsl)["total"]:
        teae = listing.loc[listing[TEAE_FLAG] == "Y", ["USUBJID", "ASTDT"]].assign(_row=lambda f: f.index)
        taken = _attach_arm(teae, treatment_periods(adsl), date="ASTDT", dataset="ADAE")
        arm = pd.Series(taken["arm"].astype(str).to_numpy(), index=taken["_row"].to_numpy())
        listing.insert(1, AS_TREATED, listing.index.to_series().map(arm).fillna("").to_numpy())
    return listing.sort_values(["USUBJID", "ASTDT", "AESEQ"], kind="stable").reset_index(drop=True)


#: Days before and after an event's onset whose new medications and abnormal laboratory values its narrative names
#: (both ends included): the project's choice, two weeks (ICH E3 12.3.2 asks for the relevant concomitant
#: medications and laboratory results, without a window).
NARRATIVE_WINDOW_DAYS = 14


def _day(date, first_dose) -> str:
    """``study day n`` of ``date`` (day 1 = ``first_dose``, no day 0, as ``cleaning.compute_study_day``)."""
    days = (pd.Timestamp(date) - pd.Timestamp(first_dose)).days
    return f"day {days + 1 if days >= 0 else days}"


def list_narratives(adae: pd.DataFrame, adsl: pd.DataFrame, *, adcm: pd.DataFrame | None = None,
                    adlb: pd.DataFrame | None = None, window_days: int = NARRATIVE_WINDOW_DAYS) -> pd.DataFrame:
    """A narrative of each death, serious adverse event and adverse event after which the study drug was withdrawn
    (ICH E3 12.3.2 and 14.3.3; treatment-emergent, the safety set's), written from the analysis datasets only: the
    patient (age, sex, treatment taken at onset, first dose), the event (preferred and reported term, onset and end
    with study days, grade, seriousness, relationship, action, outcome), the last dose (for a patient on study and
    treated up to the data cut, that they were on treatment at it: ADSL's last dose is then the cut) and the end of
    study, the medications started from ``window_days`` before to ``window_days`` after the onset (ADCM) and the
    laboratory values outside the reference range in that window (ADLB). The pilot's hepatitis B flare had its facts
    in five tables and listings, and the antiviral started the next day in none but a count of medications.

    Returns
    -------
    DataFrame
        ``USUBJID, AESEQ, AEDECOD, NARRATIVE``, by patient and onset; no rows when no event qualifies.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["S-01-007"], "SAFFL": "Y", "AGE": [58], "SEX": ["F"], "TRT01A": ["Bari"],
    ...     "TRTSDT": pd.to_datetime(["2021-07-19"]), "TRTEDT": pd.to_datetime(["2021-08-08"]),
    ...     "EOSDT": pd.to_datetime(["2021-08-15"]), "EOSSTT": ["DISCONTINUED"], "DCSREAS": ["ADVERSE EVENT"]})
    >>> adae = pd.DataFrame({"USUBJID": ["S-01-007"], "AESEQ": [1], "AETERM": ["HBV DNA detectable"],
    ...     "AEDECOD": ["Hepatitis B reactivation"], "ASTDT": pd.to_datetime(["2021-08-09"]),
    ...     "AENDT": pd.to_datetime(["2021-10-07"]), "TRTEMFL": "Y", "AESER": "N", "AETOXGR": [2],
    ...     "AEREL": ["RELATED"], "AEACN": ["DRUG WITHDRAWN"], "AEOUT": ["RECOVERED/RESOLVED"], "DTHFL": "N"})
    >>> adcm = pd.DataFrame({"USUBJID": ["S-01-007"], "CMDECOD": ["ENTECAVIR"], "CMDOSE": [0.5], "CMDOSU": ["mg"],
    ...     "CMDOSFRQ": ["QD"], "ASTDT": pd.to_datetime(["2021-08-10"])})
    >>> adlb = pd.DataFrame({"USUBJID": ["S-01-007"] * 2, "PARAMCD": ["ALT", "ALT"], "AVAL": [21.0, 58.0],
    ...     "AVALU": "U/L", "ANRIND": ["NORMAL", "HIGH"], "ADT": pd.to_datetime(["2021-07-19", "2021-08-09"])})
    >>> print(list_narratives(adae, adsl, adcm=adcm, adlb=adlb)["NARRATIVE"].iloc[0])
    A 58-year-old female patient on Bari since 2021-07-19. Hepatitis B reactivation (reported as "HBV DNA \
detectable"), from 2021-08-09 (day 22) to 2021-10-07 (day 81): CTCAE grade 2, not serious, related to the study \
drug; action with the study drug: drug withdrawn; outcome: recovered/resolved. Last dose on 2021-08-08 (day 21); \
end of study on 2021-08-15 (day 28): discontinued (adverse event). Medications started from 14 days before to 14 \
days after the onset: entecavir 0.5 mg QD on 2021-08-10 (day 23). Laboratory values outside the reference range \
in that window: ALT 58 U/L, high, on 2021-08-09 (day 22).
    """
    _require_columns(adae, ["USUBJID", "AESEQ", "ASTDT", TEAE_FLAG], "ADAE")
    flag = lambda col, value: adae[col].eq(value) if col in adae else pd.Series(False, index=adae.index)  # noqa: E731
    significant = (adae[TEAE_FLAG] == "Y") & (flag("AESER", "Y") | flag("DTHFL", "Y")
                                              | flag("AEACN", ACTION_DRUG_WITHDRAWN))
    events = list_adverse_events(adae, where=significant, adsl=adsl)
    subjects = adsl.drop_duplicates("USUBJID").set_index("USUBJID").to_dict("index")
    window = pd.Timedelta(days=window_days)

    def by_patient(data: pd.DataFrame | None, date: str, keep=lambda rows: slice(None)) -> dict:
        """The records of the narratives' patients as tuples by patient, sorted by ``date``, read once: at 10,000
        patients ADLB has 570,000 rows, and filtering it for each of 693 events took seconds."""
        out = {}
        if data is not None:
            rows = data[data["USUBJID"].isin(events["USUBJID"])]
            for row in rows[keep(rows)].sort_values([date], kind="stable").itertuples(index=False):
                out.setdefault(row.USUBJID, []).append(row)
        return out

    meds_of = by_patient(adcm, "ASTDT")
    labs_of = by_patient(adlb, "ADT", lambda rows: rows["ANRIND"].isin(["HIGH", "LOW"]))
    rows = []
    for event in events.itertuples(index=False):
        e, s = event._asdict(), subjects[event.USUBJID]
        first, start = s["TRTSDT"], e["ASTDT"]
        when = lambda date: f"{pd.Timestamp(date):%Y-%m-%d} ({_day(date, first)})"  # noqa: E731
        treatment = e.get(AS_TREATED) or s.get("TRT01A", "")
        switch = s.get("TR02SDT")
        switched = pd.notna(switch) and treatment == s.get("TRT02A") and start >= switch  # onset after a switch
        grade = e.get("AETOXGR")
        parts = [f"A {s['AGE']:.0f}-year-old {str(decode(s['SEX'])).lower()} patient on {treatment} since "
                 + (f"{when(switch)}, after {s['TRT01A']} from {pd.Timestamp(first):%Y-%m-%d}." if switched
                    else f"{pd.Timestamp(first):%Y-%m-%d}.")]
        end = f" to {when(e['AENDT'])}" if pd.notna(e.get("AENDT")) else ", still ongoing"
        facts = [f"CTCAE grade {grade:.0f}" if pd.notna(grade) else "CTCAE grade not yet assessed",
                 "serious" if e.get("AESER") == "Y" else "not serious",
                 f"{str(decode(e['AEREL'])).lower()} to the study drug" if e.get("AEREL") else
                 "relationship not yet assessed"]
        parts.append(f"{e['AEDECOD']} (reported as \"{e['AETERM']}\"), from {when(start)}{end}: {', '.join(facts)}; "
                     f"action with the study drug: {str(decode(e.get('AEACN') or 'not recorded')).lower()}; outcome: "
                     f"{str(decode(e.get('AEOUT') or 'not recorded')).lower()}.")
        status = str(decode(s.get("EOSSTT", ""))).lower()
        reason = f" ({str(decode(s['DCSREAS'])).lower()})" if s.get("DCSREAS") else ""
        # on study at the data cut, treated up to it (ADSL's last dose is the cut): not a last dose, which may be later
        on_at_cut = s.get("EOSSTT") == "ONGOING" and pd.notna(s.get("DCUTDT")) and s.get("TRTEDT") == s.get("DCUTDT")
        stop = [f"On treatment at the data cut of {when(s['TRTEDT'])}" if on_at_cut else
                f"Last dose on {when(s['TRTEDT'])}" if pd.notna(s.get("TRTEDT")) else "Still on treatment",
                f"end of study on {when(s['EOSDT'])}: {status}{reason}" if pd.notna(s.get("EOSDT")) else
                f"{status} at the data cut"]
        parts.append("; ".join(stop) + ".")
        near = lambda date: pd.notna(date) and start - window <= date <= start + window  # noqa: E731
        if meds := [m for m in meds_of.get(event.USUBJID, []) if near(m.ASTDT)]:
            parts.append(f"Medications started from {window_days} days before to {window_days} days after the onset: "
                         + "; ".join(f"{str(m.CMDECOD).lower()} {m.CMDOSE:g} {m.CMDOSU} {m.CMDOSFRQ} on {when(m.ASTDT)}"
                                     for m in meds) + ".")
        if labs := [lab for lab in labs_of.get(event.USUBJID, []) if near(lab.ADT)]:
            parts.append("Laboratory values outside the reference range in that window: " + "; ".join(
                f"{param_label(lab.PARAMCD).rsplit(' (', 1)[0]} {lab.AVAL:g} {lab.AVALU}, {lab.ANRIND.lower()}, "
                f"on {when(lab.ADT)}" for lab in labs) + ".")
        rows.append((event.USUBJID, event.AESEQ, e["AEDECOD"], " ".join(parts)))
    return pd.DataFrame(rows, columns=["USUBJID", "AESEQ", "AEDECOD", "NARRATIVE"])


# ---------------------------------------------------------------------------------------------
# adverse events of special interest: exposure-adjusted incidence


def _sentence_case(label: str) -> str:
    return label[:1].upper() + label[1:]


#: Labels, in words, of the ``"AESI: "`` rows of ``AE_OVERVIEW_CATEGORIES`` (overview row -> label).
AESI_LABELS = MappingProxyType({
    "AESI: serious infection": "Serious infection",
    "AESI: opportunistic infection": "Opportunistic infection",
    "AESI: herpes zoster": "Herpes zoster",
    "AESI: hepatitis B reactivation": "Hepatitis B reactivation",
    "AESI: venous thromboembolism": "Venous thromboembolism",
    "AESI: MACE": "Major adverse cardiovascular event (MACE)",
    "AESI: malignancy (neoplasm SOC)": "Malignancy (any neoplasm)",
    "AESI: GI perforation": "Gastrointestinal perforation",
})
#: AESI of the exposure-adjusted incidence table: the ``"AESI: "`` rows of ``AE_OVERVIEW_CATEGORIES``
#: (same rules), labelled by ``AESI_LABELS``, in the same order.
AESI_CATEGORIES = MappingProxyType({AESI_LABELS[label]: rule for label, rule in AE_OVERVIEW_CATEGORIES.items()
                                    if label.startswith("AESI: ")})

#: Words of the MedDRA preferred terms that are written in capitals (``AESI_PTS`` holds lower case).
_PT_CAPITALS = {"b": "B", "dna": "DNA"}


def format_preferred_term(term: str) -> str:
    """Write a lower-case preferred term of ``AESI_PTS`` as MedDRA spells it (first letter and acronyms capital).

    >>> format_preferred_term("hepatitis b dna increased"), format_preferred_term("deep vein thrombosis")
    ('Hepatitis B DNA increased', 'Deep vein thrombosis')
    """
    words = [_PT_CAPITALS.get(w, w) for w in term.split(" ")]
    return _sentence_case(" ".join(words))


def _pt_definition(category: str) -> str:
    return "Preferred terms: " + "; ".join(sorted(format_preferred_term(t) for t in AESI_PTS[category])) + "."


#: How each category of ``AESI_CATEGORIES`` is defined, in words, from the same constants as its rule
#: (printed under the exposure-adjusted incidence table; a test checks every listed term is caught).
AESI_DEFINITIONS = MappingProxyType({
    "Serious infection": f"Any serious adverse event in the system organ class {SOC_INFECTIONS}.",
    "Opportunistic infection": _pt_definition("Opportunistic infection"),
    "Herpes zoster": _pt_definition("Herpes zoster"),
    "Hepatitis B reactivation": _pt_definition("Hepatitis B reactivation"),
    "Venous thromboembolism": _pt_definition("Venous thromboembolism"),
    "Major adverse cardiovascular event (MACE)": _pt_definition("MACE"),
    "Malignancy (any neoplasm)": f"Any adverse event in the system organ class {SOC_NEOPLASMS} "
                                 "(benign neoplasms included: every case needs medical review).",
    "Gastrointestinal perforation": _pt_definition("GI perforation"),
})


def list_aesi_definitions(definitions=AESI_DEFINITIONS) -> pd.DataFrame:
    """The definition of each adverse event of special interest, as a display frame.

    Returns
    -------
    DataFrame
        ``Adverse event of special interest``, ``Definition (MedDRA)``, in the order of ``definitions``.

    Examples
    --------
    >>> list_aesi_definitions().iloc[2].tolist()
    ['Herpes zoster', 'Preferred terms: Herpes zoster; Herpes zoster disseminated; Herpes zoster meningitis; \
Herpes zoster oticus; Ophthalmic herpes zoster.']
    """
    return pd.DataFrame({"Adverse event of special interest": list(definitions),
                         "Definition (MedDRA)": list(definitions.values())})


#: Exposure-adjusted incidence rates are given per this many patient-years.
PER_PATIENT_YEARS = 100
#: Confidence level of the exact Poisson interval of an incidence rate.
CONF_LEVEL = 0.95


def compute_poisson_ci(count: int, exposure: float, *, conf_level: float = CONF_LEVEL,
                       per: float = PER_PATIENT_YEARS) -> tuple[float, float]:
    """Exact (Garwood) confidence interval of a Poisson rate ``count / exposure``, times ``per``.

    Garwood F. Biometrika 1936;28:437-42: with ``a = 1 - conf_level``, the bounds of the expected
    count are ``chi2.ppf(a/2, 2k) / 2`` (0 when ``k = 0``) and ``chi2.ppf(1 - a/2, 2k + 2) / 2``;
    both are divided by the exposure. The chi-square quantile is computed as ``scipy.stats.chi2`` computes
    it, ``2 * gammaincinv(df / 2, p)`` (the same bits), from ``scipy.special``: ``scipy.stats`` takes 0.7 s
    to import, which a notebook that only tabulates and lists (``08``) then need not pay.

    Examples
    --------
    >>> lo, hi = compute_poisson_ci(1, 100.0)  # 1 event in 100 patient-years
    >>> round(lo, 4), round(hi, 4)
    (0.0253, 5.5716)
    >>> compute_poisson_ci(0, 100.0)[0]
    0.0
    """
    if count < 0 or exposure <= 0 or not 0 < conf_level < 1:
        raise ValueError(f"compute_poisson_ci: count {count!r} must be >= 0, exposure {exposure!r} > 0 and "
                         f"conf_level {conf_level!r} between 0 and 1")
    alpha = 1.0 - conf_level
    lower = special.gammaincinv(count, alpha / 2) if count > 0 else 0.0  # chi2.ppf(alpha / 2, 2k) / 2
    upper = special.gammaincinv(count + 1, 1 - alpha / 2)  # chi2.ppf(1 - alpha / 2, 2k + 2) / 2
    return float(per * lower / exposure), float(per * upper / exposure)


def _risk_window_end(adsl: pd.DataFrame, pop: pd.DataFrame, window_days: int, data_cutoff) -> pd.DataFrame:
    """``USUBJID, TRTSDT, _end, _window_end``: the first dose and the last day at risk of each safety subject (the last
    dose plus ``window_days``, at most the end of study, ``EOSDT`` where ADSL has it, and the data cut), and the last
    day of the treatment-emergent window (the same without the end of study), by which an event still counts."""
    _require_columns(adsl, ["USUBJID", "TRTSDT", "TRTEDT"], "ADSL")
    columns = ["USUBJID", "TRTSDT", "TRTEDT", *(["EOSDT"] if "EOSDT" in adsl.columns else [])]
    dates = pop.merge(adsl[columns], on="USUBJID", how="left", validate="one_to_one")
    cutoff = pd.Timestamp(data_cutoff) if data_cutoff is not None else None
    no_start = dates["TRTSDT"].isna()
    no_end = dates["TRTEDT"].isna() & (cutoff is None)
    if (no_start | no_end).any():
        row = dates[no_start | no_end].iloc[0]
        column = "TRTSDT" if pd.isna(row["TRTSDT"]) else "TRTEDT (and no data cut-off was given)"
        raise ValueError(f"ADSL: safety subject {row['USUBJID']!r} has no {column}: the time at risk is unknown")
    window = dates["TRTEDT"] + pd.Timedelta(days=window_days)
    if cutoff is not None:
        window = window.fillna(cutoff).clip(upper=cutoff)
    end = window.mask(window > dates["EOSDT"], dates["EOSDT"]) if "EOSDT" in dates.columns else window
    return dates.assign(_end=end, _window_end=window)  # adverse events are collected until the end of study


def _risk_spans(pop: pd.DataFrame, whole: pd.DataFrame) -> pd.DataFrame:
    """``USUBJID, arm, _from, _end``: the time at risk of each subject in each treatment taken. Without a
    switch, the whole time (``whole``: first dose to ``_end``); with one, period 1 from the first dose to
    the day before ``_start`` (at most ``_end``), period 2 from ``_start`` to ``_end``."""
    spans = pop.astype({"arm": object}).merge(whole, on="USUBJID", how="left", validate="many_to_one")
    if "_start" not in spans.columns:
        return spans.rename(columns={"TRTSDT": "_from"})
    switch = spans.groupby("USUBJID")["_start"].transform("max")
    before = spans["_start"].isna() & switch.notna()
    spans["_end"] = spans["_end"].where(~before, np.minimum(spans["_end"], switch - pd.Timedelta(days=1)))
    spans["_from"] = spans["_start"].fillna(spans["TRTSDT"])
    return spans[["USUBJID", "arm", "_from", "_end"]]


def summarize_aesi_eair(adae: pd.DataFrame, adsl: pd.DataFrame, *, arm: str = "TRT01A",
                        categories=AESI_CATEGORIES, window_days: int = TRTEM_WINDOW_DAYS, data_cutoff=None,
                        per: float = PER_PATIENT_YEARS, conf_level: float = CONF_LEVEL,
                        total: bool = False) -> pd.DataFrame:
    """Exposure-adjusted incidence rate (EAIR) of each adverse event of special interest, per 100 patient-years.

    The rate is the number of patients with a first treatment-emergent event of the category divided by
    their total time at risk, as the integrated safety analyses of baricitinib report it ("incidence
    rates per 100 patient-years at risk": Taylor PC et al. Ann Rheum Dis 2022;81:335-43, abstract;
    Bieber T et al. J Eur Acad Dermatol Venereol 2021;35:476-85, pooled atopic dermatitis trials). The time at risk
    is this project's choice, stated here (the censoring rules of those papers were not checked):

    - it starts at the first dose (``TRTSDT``, study day 1);
    - it ends at the start of the patient's first TEAE of the category (``ASTDT``, that day included);
      a patient without one is at risk up to the end of the treatment-emergent window, the last dose
      (``TRTEDT``) plus ``window_days`` (``cleaning.TRTEM_WINDOW_DAYS``, the window of ``TRTEMFL``), so
      every counted event lies inside the time at risk;
    - no later than the end of study (ADSL ``EOSDT``, where the ADSL has it and the patient left the study):
      adverse events are collected until then, and the protocol has no visit after the treatment, so the 30
      days after a completer's last dose at the week-24 visit observe nothing (docs/decisions.md, "Interim or
      final"; the pilot's time at risk was 5.36 patient-years with them, 4.57 without); an event recorded after
      the end of study within the treatment-emergent window (a follow-up call) still counts, its patient at risk
      to its start, so the table counts the patients the overview table counts;
    - no later than ``data_cutoff`` when one is given (a patient is not at risk after the data cut;
      a patient still on treatment, without ``TRTEDT``, is at risk up to it).

    Days at risk are ``end - TRTSDT + 1``; patient-years are days / ``cleaning.DAYS_PER_YEAR`` (365.25).
    Rate = ``per * n_subjects / pyears``, with the exact Poisson (Garwood) interval of
    ``compute_poisson_ci``.

    With ``arm=AS_TREATED`` the time of a switched patient is split at the switch date ``TR02SDT``
    (``treatment_periods``): period 1 runs from the first dose to the day before the switch, period 2
    from the switch date to the end above; each period starts at risk anew and ends at the first
    event of the category in that period (events attributed by onset, as in ``summarize_ae_by_soc_pt``).
    The two periods add up to the patient's time without a split. The arm ``TOTAL`` (``total=True``)
    is the time of every patient without a split, to their first event of the study.

    Parameters
    ----------
    adae, adsl : DataFrame
        ADAE with ``USUBJID, TRTEMFL, ASTDT`` and the columns the rules read; ADSL with ``USUBJID,
        SAFFL, TRTSDT, TRTEDT`` and ``arm``.
    arm : str, default 'TRT01A'
        ADSL column of the arm, or ``AS_TREATED``.
    categories : mapping, default ``AESI_CATEGORIES``
        Label -> rule on TEAE records (as in ``summarize_ae_overview``), in display order.
    window_days : int, default ``cleaning.TRTEM_WINDOW_DAYS`` (30)
    data_cutoff : str or Timestamp, optional
    per : float, default 100
    conf_level : float, default 0.95
    total : bool, default False
        Add the arm ``TOTAL`` over every patient.

    Returns
    -------
    DataFrame
        ``arm, category, n_subjects, n_events, big_n, pct, pyears, rate, ci_lower, ci_upper``:
        ``n_events`` counts every TEAE of the category in the time at risk or after the first event;
        ``pyears`` is the arm's total time at risk for that category.

    Raises
    ------
    ValueError
        A safety subject without a first dose date, or without a last dose date when no data cut-off is
        given; a TEAE of a category without a start date.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"], "SAFFL": "Y", "TRT01A": "Bari",
    ...                      "TRTSDT": pd.to_datetime(["2021-01-01", "2021-01-01"]),
    ...                      "TRTEDT": pd.to_datetime(["2021-12-01", "2021-12-01"])})
    >>> adae = pd.DataFrame({"USUBJID": ["1"], "TRTEMFL": "Y", "AEDECOD": "Herpes zoster",
    ...                      "ASTDT": pd.to_datetime(["2021-01-10"])})
    >>> rules = {"Herpes zoster": lambda ae: ae["AEDECOD"] == "Herpes zoster"}
    >>> out = summarize_aesi_eair(adae, adsl, categories=rules)  # at risk 10 days, and 335 + 30 days
    >>> days = round(float(out["pyears"].iloc[0]) * 365.25)
    >>> int(out["n_subjects"].iloc[0]), days, round(float(out["rate"].iloc[0]), 2)
    (1, 375, 97.4)
    """
    pop = _safety_population(adsl, arm)
    whole = _risk_window_end(adsl, pop.drop_duplicates("USUBJID")[["USUBJID"]].assign(arm=""), window_days,
                             data_cutoff)[["USUBJID", "TRTSDT", "_end", "_window_end"]]
    spans = _risk_spans(pop, whole)
    records = _teae_records(adae, pop, None, [c for c in adae.columns if c not in ("USUBJID", "arm")])
    _require_columns(records, ["ASTDT"], "ADAE")
    if total:
        pop, records = _with_total(pop, records)
        spans = pd.concat([spans, whole.assign(arm=TOTAL).rename(columns={"TRTSDT": "_from"})], ignore_index=True)
    # an event counts up to the end of the treatment-emergent window, also after the end of study (``_end``)
    spans = spans.assign(_window_end=spans["USUBJID"].map(whole.set_index("USUBJID")["_window_end"]))
    parts = []
    for label, rule in categories.items():
        mask = _apply_rule(rule, records, f"AESI category {label!r}", "ADAE")
        hits = records.loc[mask, ["USUBJID", "arm", "ASTDT"]]
        if hits["ASTDT"].isna().any():
            subject = hits.loc[hits["ASTDT"].isna(), "USUBJID"].iloc[0]
            raise ValueError(f"ADAE: subject {subject!r} has a TEAE of {label!r} without a start date (ASTDT)")
        first = hits.groupby(["USUBJID", "arm"])["ASTDT"].agg(_first="min", n_events="size").reset_index()
        at = spans.merge(first, on=["USUBJID", "arm"], how="left")
        event = at["_first"].notna() & (at["_first"] <= at["_window_end"])  # _end <= _window_end
        end = at["_first"].where(event, at["_end"])
        days = ((end - at["_from"]).dt.days + 1).clip(lower=0)
        parts.append(at.assign(category=label, _event=event.astype("int64"),
                               _events=at["n_events"].where(event, 0).fillna(0).astype("int64"),
                               _years=days / DAYS_PER_YEAR))
    per_subject = pd.concat(parts, ignore_index=True)
    sums = (per_subject.groupby(["arm", "category"], sort=False)
            .agg(n_subjects=("_event", "sum"), n_events=("_events", "sum"), pyears=("_years", "sum")).reset_index())
    out = _complete_grid(sums.drop(columns="pyears"), pd.DataFrame({"category": list(categories)}), pop,
                         ("n_subjects", "n_events"))
    out = out.merge(sums[["arm", "category", "pyears"]], on=["arm", "category"], how="left")
    out["rate"] = per * out["n_subjects"] / out["pyears"]
    bounds = [compute_poisson_ci(int(n), float(py), conf_level=conf_level, per=per)
              for n, py in zip(out["n_subjects"], out["pyears"])]
    out["ci_lower"], out["ci_upper"] = [b[0] for b in bounds], [b[1] for b in bounds]
    return out[["arm", "category", "n_subjects", "n_events", "big_n", "pct", "pyears", "rate", "ci_lower",
                "ci_upper"]]


def format_aesi_eair(result: pd.DataFrame, *, pyears_decimals: int = 2, rate_decimals: int = 1) -> pd.DataFrame:
    """Display frame of ``summarize_aesi_eair``: one row per category; with several arms, each arm with its
    N spans its four columns (patients, events, patient-years, rate).

    Examples
    --------
    >>> res = pd.DataFrame({"arm": "Bari", "category": ["Herpes zoster"], "n_subjects": [1], "n_events": [2],
    ...                     "big_n": [11], "pct": [100 / 11], "pyears": [5.2786], "rate": [18.944],
    ...                     "ci_lower": [0.4796], "ci_upper": [105.55]})
    >>> format_aesi_eair(res).values.tolist()
    [['Herpes zoster', '1 (9.1)', '2', '5.28', '18.9 (0.5, 105.6)']]
    """
    out = pd.DataFrame({
        "Adverse event of special interest": result["category"].to_numpy(),
        "Patients, n (%)": [tables.format_n_pct(n, big) for n, big in zip(result["n_subjects"], result["big_n"])],
        "Events": [str(int(e)) for e in result["n_events"]],
        "Patient-years at risk": [tables.format_number(p, pyears_decimals) for p in result["pyears"]],
        f"Rate per {PER_PATIENT_YEARS:g} patient-years (95% CI)": [
            f"{tables.format_number(r, rate_decimals)} {tables.format_ci(lo, hi, rate_decimals)}"
            for r, lo, hi in zip(result["rate"], result["ci_lower"], result["ci_upper"])],
    })
    if result["arm"].nunique() > 1:
        stats = [c for c in out.columns if c != "Adverse event of special interest"]
        shown = result[["arm", "category"]].join(out[stats].set_axis(result.index))
        wide = _spread_arms(result, ["category"], pd.Series(range(len(result))))
        columns = [("", "Adverse event of special interest")]
        body = {("", "Adverse event of special interest"): wide["category"].to_numpy()}
        for header in [c for c in wide.columns if c != "category"]:
            rows = wide[header].astype(int).to_numpy()
            for stat in stats:
                columns.append((header, stat))
                body[(header, stat)] = shown[stat].to_numpy()[rows]
        return pd.DataFrame(body, columns=pd.MultiIndex.from_tuples(columns))
    return out


# ---------------------------------------------------------------------------------------------
# laboratory


def _quantile(values: pd.Series, q: float) -> float:
    return compute_quantile(values.dropna(), q) if values.notna().any() else np.nan


def _param_order(codes) -> list:
    """PARAMCDs in the order of ``vocabulary.LAB_PARAMS``, others after it alphabetically."""
    known = {p: i for i, p in enumerate(LAB_PARAMS)}
    return sorted(set(codes), key=lambda p: (known.get(p, len(known)), p))


def summarize_continuous(data: pd.DataFrame, *, by, value: str) -> pd.DataFrame:
    """Describe ``value`` within groups: n, mean, SD, median, Q1, Q3, min, max (missing values skipped).

    SD uses ``n - 1``; Q1 and Q3 follow ``QUANTILE_METHOD``. Groups in sorted order.

    Examples
    --------
    >>> d = pd.DataFrame({"g": ["a"] * 4 + ["b"], "x": [1.0, 2.0, 3.0, 4.0, None]})
    >>> summarize_continuous(d, by=["g"], value="x").round(4).values.tolist()
    [['a', 4, 2.5, 1.291, 2.5, 1.5, 3.5, 1.0, 4.0], ['b', 0, nan, nan, nan, nan, nan, nan, nan]]
    """
    groups = data.groupby(list(by), dropna=False, observed=True)[value]
    out = groups.agg(n="count", mean="mean", sd="std", median="median", min="min", max="max")
    out["q1"] = groups.agg(_quantile, q=0.25)
    out["q3"] = groups.agg(_quantile, q=0.75)
    out["n"] = out["n"].astype("int64")
    return out[["n", "mean", "sd", "median", "q1", "q3", "min", "max"]].reset_index()


def _lab_records(adlb: pd.DataFrame, columns, pop: pd.DataFrame) -> pd.DataFrame:
    """``columns`` of the laboratory records of the subjects of ``pop``, with their ``arm``. When a subject
    switched treatment (``pop`` from ``treatment_periods``): the record's own ``TRTA``, the treatment taken
    at that assessment (ADaM BDS; ``cleaning.derive_vars_trt``: an assessment on the switch date is taken
    before the first new dose)."""
    if "_start" not in pop.columns or not pop["_start"].notna().any():
        return adlb[columns].merge(pop.drop(columns="_start", errors="ignore").astype({"arm": object}), on="USUBJID",
                                   how="inner", validate="many_to_one")
    if AS_TREATED not in adlb.columns:
        raise ValueError(f"ADLB: no {AS_TREATED} column: the treatment taken at each assessment of a patient who "
                         "switched is unknown")
    records = adlb[[*columns, AS_TREATED]].rename(columns={AS_TREATED: "arm"})
    known = records.merge(pop[["USUBJID", "arm"]].astype({"arm": object}), on=["USUBJID", "arm"], how="left",
                          indicator=True)
    stray = known["_merge"] == "left_only"
    on_study = known["USUBJID"].isin(pop["USUBJID"])
    if (stray & on_study).any():
        row = known[stray & on_study].iloc[0]
        raise ValueError(f"ADLB: subject {row['USUBJID']!r}, {row['PARAMCD']} visit {_plain(row['AVISITN'])}: TRTA "
                         f"{row['arm']!r} is not a treatment the subject took (TRT01A, TRT02A)")
    return known[on_study].drop(columns="_merge").reset_index(drop=True)


def summarize_lab_by_visit(adlb: pd.DataFrame, adsl: pd.DataFrame, *, params=None, arm: str = "TRT01A",
                           variables=("AVAL", "CHG"), total: bool = False,
                           flag: str | None = "ANL01FL") -> pd.DataFrame:
    """Summarise laboratory values and their change from baseline by parameter and visit (LBT01).

    Each patient counts once per parameter and visit: the records with ``flag`` = ``"Y"`` (the one result of the
    visit the analyses read: ``cleaning.analysis_flag``; ``None``: every record, for an ADLB with one per visit);
    several records of one patient, parameter and visit raise ``ValueError``. Records without ``AVISITN``
    (unscheduled, unwindowed) are not summarised; groups without any value (``CHG`` at baseline) are left out.

    Parameters
    ----------
    adlb, adsl : DataFrame
        ADLB with ``USUBJID, PARAMCD, AVISIT, AVISITN`` and ``variables``; ADSL as for the AE tables.
    params : sequence of str, optional
        PARAMCDs to summarise, in display order; by default all, in the order of
        ``vocabulary.LAB_PARAMS`` (others after it alphabetically).
    arm : str, default 'TRT01A'
        ADSL column of the arm, or ``AS_TREATED``: each record in the treatment taken at it (``_lab_records``).
    variables : sequence of str, default ('AVAL', 'CHG')
    total : bool, default False
        Add the arm ``TOTAL`` over every patient.

    Returns
    -------
    DataFrame
        ``arm, PARAMCD, AVISITN, AVISIT, variable, n, mean, sd, median, q1, q3, min, max``, sorted by
        parameter (``params`` order), visit number, variable (``variables`` order) and arm.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"], "SAFFL": "Y", "TRT01A": "Bari"})
    >>> adlb = pd.DataFrame({"USUBJID": ["1", "2", "1", "2", "2"], "PARAMCD": "HGB", "AVISIT": ["Baseline"] * 2
    ...                      + ["Week 12"] * 3, "AVISITN": [0, 0, 12, 12, 12], "AVAL": [120.0, 130, 110, 150, 128],
    ...                      "CHG": [None, None, -10.0, 20.0, -2.0], "ANL01FL": ["Y", "Y", "Y", "N", "Y"]})
    >>> summarize_lab_by_visit(adlb, adsl)[["AVISIT", "variable", "n", "mean"]].values.tolist()
    [['Baseline', 'AVAL', 2, 125.0], ['Week 12', 'AVAL', 2, 119.0], ['Week 12', 'CHG', 2, -6.0]]
    """
    _require_columns(adlb, ["USUBJID", "PARAMCD", "AVISIT", "AVISITN", *variables, *([flag] if flag else [])], "ADLB")
    pop = _safety_population(adsl, arm)
    order = list(params) if params is not None else _param_order(adlb["PARAMCD"].unique())
    chosen = adlb["PARAMCD"].isin(order) & adlb["AVISITN"].notna() & (adlb[flag] == "Y" if flag else True)
    once = adlb.loc[chosen, ["USUBJID", "PARAMCD", "AVISITN", "AVISIT"]]
    if (twice := once[once.duplicated(["USUBJID", "PARAMCD", "AVISITN"])]).size:
        row = twice.iloc[0]
        raise ValueError(f"ADLB: subject {row['USUBJID']!r} has several {row['PARAMCD']} records at "
                         f"{row['AVISIT']}" + (f" with {flag} = 'Y'" if flag else " (flag the one to analyse)"))
    records = _lab_records(adlb.loc[chosen], ["USUBJID", "PARAMCD", "AVISITN", "AVISIT", *variables], pop)
    if total:
        pop, records = _with_total(pop, records)
    long = records.melt(id_vars=["arm", "PARAMCD", "AVISITN", "AVISIT"], value_vars=list(variables),
                        var_name="variable", value_name="value")
    out = summarize_continuous(long, by=["arm", "PARAMCD", "AVISITN", "AVISIT", "variable"], value="value")
    out = out[out["n"] > 0]
    ranks = [out["PARAMCD"].map({p: i for i, p in enumerate(order)}), out["AVISITN"],
             out["variable"].map({v: i for i, v in enumerate(variables)}),
             out["arm"].map({a: i for i, a in enumerate(_arm_levels(pop["arm"]))})]
    out = out.iloc[np.lexsort([r.to_numpy() for r in reversed(ranks)])]
    return out[["arm", "PARAMCD", "AVISITN", "AVISIT", "variable", "n", "mean", "sd", "median", "q1", "q3",
                "min", "max"]].reset_index(drop=True)


def _is_post_baseline(adlb: pd.DataFrame) -> pd.Series:
    """Post-baseline records of the shift tables: not the baseline record, and at a scheduled visit after baseline
    (``AVISITN > 0``) or, off the schedule (no ``AVISITN``: an unscheduled sample), taken after the first dose (study
    day ``ADY`` > 1, the rule of ADLB's ``CHG``). A shift table gives the worst value after baseline, and the sample
    drawn between visits, at an adverse event, is often that value: the pilot's sample of the hepatitis B flare (ALT
    58 U/L on day 22) was left out of the tables. A record off the schedule without ``ADY`` (or an ADLB without the
    column) cannot be placed and is not used.

    >>> _is_post_baseline(pd.DataFrame({"ABLFL": ["Y", "", "", "", ""], "AVISITN": [0, 12, None, None, None],
    ...                                 "ADY": [1, 85, 22, -20, None]})).tolist()
    [False, True, True, False, False]
    """
    unscheduled = adlb["AVISITN"].isna() & (adlb["ADY"] > 1 if "ADY" in adlb else False)
    return (adlb["ABLFL"] != "Y") & ((adlb["AVISITN"] > 0) | unscheduled)


def summarize_lab_shift(adlb: pd.DataFrame, adsl: pd.DataFrame, *, by: str = "ANRIND",
                        levels=("LOW", "NORMAL", "HIGH"), worst: str = "high",
                        arm: str = "TRT01A", total: bool = False) -> pd.DataFrame:
    """Cross the baseline category with the worst post-baseline category, per parameter (shift table).

    Baseline is the ``ABLFL == "Y"`` record (one per subject and parameter at most); post-baseline
    records are every other sample after it (``_is_post_baseline``: scheduled visits with ``AVISITN > 0``, and
    unscheduled samples after the first dose, ``ADY`` > 1). The worst category
    is the highest (``worst="high"``) or lowest (``worst="low"``) level reached in the order of
    ``levels``: for ``ANRIND`` (LOW < NORMAL < HIGH) that gives the two usual tables, shift to
    worst high and shift to worst low; for a CTCAE grade (0 < 1 < ... < 4) ``worst="high"`` is the
    maximum grade. Blank or missing values are ``"Missing"``, and a subject without a baseline
    (or post-baseline) value is counted in the ``"Missing"`` baseline (or worst) category.

    Parameters
    ----------
    adlb, adsl : DataFrame
        ADLB with ``USUBJID, PARAMCD, AVISITN, ABLFL`` and ``by`` (and ``ADY``, for unscheduled samples).
    by : str, default 'ANRIND'
        The category column (a reference-range indicator or a grade column).
    levels : sequence, default ('LOW', 'NORMAL', 'HIGH')
        Categories from lowest to highest (the CDISC pilot codes them ``("L", "N", "H")``).
    worst : {'high', 'low'}, default 'high'
    arm : str, default 'TRT01A'
        ADSL column of the arm, or ``AS_TREATED``: the worst value is taken per treatment over the
        records taken on it (``_lab_records``), from the patient's study baseline (``ABLFL``).
    total : bool, default False
        Add the arm ``TOTAL`` over every patient.

    Returns
    -------
    DataFrame
        ``arm, PARAMCD, baseline, worst, shift, n_subjects, big_n, pct`` (``shift`` is
        ``"<baseline> to <worst>"``, the ARD category): every combination of
        ``["Missing", *levels]`` for baseline and worst, per parameter (``vocabulary.LAB_PARAMS``
        order, others alphabetically after) and arm. ``big_n``
        is the number of safety subjects of the arm with a record of the parameter; ``pct`` is
        ``100 * n_subjects / big_n``.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"], "SAFFL": "Y", "TRT01A": "Bari"})
    >>> adlb = pd.DataFrame({"USUBJID": ["1", "1", "1", "2", "2"], "PARAMCD": "NEUT",
    ...                      "AVISITN": [0, 12, 24, 0, 12], "ABLFL": ["Y", "", "", "Y", ""],
    ...                      "ANRIND": ["NORMAL", "LOW", "HIGH", "NORMAL", "NORMAL"]})
    >>> out = summarize_lab_shift(adlb, adsl, worst="low")
    >>> out.loc[out["n_subjects"] > 0, ["baseline", "worst", "n_subjects", "pct"]].values.tolist()
    [['NORMAL', 'LOW', 1, 50.0], ['NORMAL', 'NORMAL', 1, 50.0]]
    """
    if worst not in ("high", "low"):
        raise ValueError(f"summarize_lab_shift: worst must be 'high' or 'low', not {worst!r}")
    _require_columns(adlb, ["USUBJID", "PARAMCD", "AVISITN", "ABLFL", by], "ADLB")
    pop = _safety_population(adsl, arm)
    records = _lab_records(adlb, ["USUBJID", "PARAMCD", "AVISITN", "ABLFL", by, *{"ADY"} & {*adlb}], pop)
    if total:
        pop, records = _with_total(pop, records)
    records["_rank"] = _rank_levels(records[by], levels, records[["USUBJID", "PARAMCD", "AVISITN"]], f"ADLB {by}")
    is_base = records["ABLFL"] == "Y"
    dup = records[is_base].duplicated(["arm", "USUBJID", "PARAMCD"])
    if dup.any():
        row = records[is_base][dup].iloc[0]
        raise ValueError(f"ADLB: subject {row['USUBJID']!r} has several baseline records of {row['PARAMCD']}")
    subjects = records[["arm", "USUBJID", "PARAMCD"]].drop_duplicates()
    base = (records.loc[is_base, ["USUBJID", "PARAMCD", "_rank"]].drop_duplicates(["USUBJID", "PARAMCD"])
            .rename(columns={"_rank": "_base"}))
    post = records[_is_post_baseline(records) & (records["_rank"] >= 0)].groupby(["arm", "USUBJID", "PARAMCD"])["_rank"]
    post = (post.max() if worst == "high" else post.min()).rename("_worst").reset_index()
    shifts = subjects.merge(base, how="left").merge(post, how="left").fillna({"_base": -1, "_worst": -1})
    labels = _level_labels(levels)
    shifts["baseline"] = np.array(labels, dtype=object)[shifts["_base"].to_numpy(dtype=int) + 1]
    shifts["worst"] = np.array(labels, dtype=object)[shifts["_worst"].to_numpy(dtype=int) + 1]
    return _shift_counts(shifts, labels, pop)


def _shift_counts(shifts: pd.DataFrame, labels: list, pop: pd.DataFrame) -> pd.DataFrame:
    """Count the subjects of each baseline x worst cell; ``big_n`` per arm and parameter."""
    counts = shifts.groupby(["arm", "PARAMCD", "baseline", "worst"])["USUBJID"].agg(n_subjects="nunique")
    cells = pd.MultiIndex.from_product([_param_order(shifts["PARAMCD"].unique()), labels, labels],
                                       names=["PARAMCD", "baseline", "worst"]).to_frame(index=False)
    out = _complete_grid(counts.reset_index(), cells, pop, ("n_subjects",))
    big_n = shifts.groupby(["arm", "PARAMCD"])["USUBJID"].nunique().rename("big_n").reset_index()
    out = out.drop(columns="big_n").merge(big_n, on=["arm", "PARAMCD"], how="left")
    out["big_n"] = out["big_n"].fillna(0).astype("int64")
    out["pct"] = (100.0 * out["n_subjects"] / out["big_n"]).where(out["big_n"] > 0, 0.0)
    out["shift"] = out["baseline"] + " to " + out["worst"]
    return out[["arm", "PARAMCD", "baseline", "worst", "shift", "n_subjects", "big_n", "pct"]]


def list_lab_alerts(adlb: pd.DataFrame, *, grade_col: str | None = "ATOXGR",
                    thresholds=LAB_INTERRUPTION_THRESHOLDS, detected=ctcae.LAB_DETECTION_ALERTS,
                    adsl: pd.DataFrame | None = None) -> pd.DataFrame:
    """List laboratory values of CTCAE grade >= 3, below the label's interruption thresholds, or detected where the
    label asks to act on a detection (HBV DNA).

    Parameters
    ----------
    adlb : DataFrame
        ADLB with ``USUBJID, PARAMCD, AVAL`` (and ``grade_col``); ``PARAM, AVISIT, AVISITN, ADT, ADY,
        AVALU`` are listed when present. A value reported beyond a limit of quantification (``LBSTRESC``
        ``<0.8``: ``validation.read_limit_results``) says so in ``ALERT``, with the value analysed.
    grade_col : str or None, default 'ATOXGR'
        Column of the CTCAE grade (numeric); ``None`` lists threshold alerts only.
    thresholds : mapping, default ``LAB_INTERRUPTION_THRESHOLDS``
        PARAMCD -> value below which the label interrupts treatment.
    detected : mapping, default ``ctcae.LAB_DETECTION_ALERTS``
        PARAMCD -> value of not detected; a value above it alerts (HBV DNA: the label's "consult a hepatologist").
    adsl : DataFrame, optional
        With it, the safety population's values only (``SAFFL == "Y"``), the listing's population: not those of a
        screen failure's screening samples, nor of a patient never dosed; and where the patients took several
        treatments (``table_arms``), ADLB's ``TRTA`` after the patient, the treatment taken when the sample was drawn:
        the label's threshold is baricitinib's, and a randomised trial's listing mixed patients on it with patients
        on the control alone (``LAB_LISTING_TREATMENT_NOTE``).

    Returns
    -------
    DataFrame
        The listed columns plus ``ALERT`` (the reasons, ``"; "``-separated), sorted by subject,
        parameter and date (or visit).

    Examples
    --------
    >>> adlb = pd.DataFrame({"USUBJID": ["1", "1", "2"], "PARAMCD": ["NEUT", "HGB", "ALT"],
    ...                      "AVAL": [0.9, 85.0, 260.0], "ATOXGR": [3.0, 2.0, 3.0]})
    >>> list_lab_alerts(adlb)[["USUBJID", "PARAMCD", "ALERT"]].values.tolist()
    [['1', 'NEUT', 'CTCAE grade >= 3; below label threshold (NEUT < 1.0)'], ['2', 'ALT', 'CTCAE grade >= 3']]
    >>> list_lab_alerts(adlb, adsl=pd.DataFrame({"USUBJID": ["1", "2"], "SAFFL": ["N", "Y"]}))["USUBJID"].tolist()
    ['2']
    >>> hbv = pd.DataFrame({"USUBJID": "7", "PARAMCD": "HBVDNA", "AVAL": [0.0, 24000.0], "ATOXGR": float("nan")})
    >>> list_lab_alerts(hbv)[["AVAL", "ALERT"]].values.tolist()  # not detected (0), then detected
    [[24000.0, 'detected (HBVDNA > 0)']]
    """
    _require_columns(adlb, ["USUBJID", "PARAMCD", "AVAL", *([grade_col] if grade_col else [])], "ADLB")
    adlb = adlb if adsl is None else adlb[_of_safety_set(adlb, adsl)]
    limit = adlb["PARAMCD"].map(dict(thresholds))
    below = (adlb["AVAL"] < limit).to_numpy()
    found = (adlb["AVAL"] > adlb["PARAMCD"].map(dict(detected))).to_numpy()
    severe = (pd.to_numeric(adlb[grade_col]) >= SEVERE_GRADE).fillna(False).to_numpy(dtype=bool) if grade_col \
        else np.zeros(len(adlb), dtype=bool)
    alert = severe | below | found
    listed = adlb[alert]  # the reasons are written for these rows only (570,000 at 10,000 patients)
    reported = listed["LBSTRESC"].astype(str) if "LBSTRESC" in listed else pd.Series("", index=listed.index)
    reasons = pd.DataFrame({
        "grade": np.where(severe[alert], f"CTCAE grade >= {SEVERE_GRADE}", ""),
        "threshold": ("below label threshold (" + listed["PARAMCD"] + " < " + limit[alert].astype(str)
                      + ")").where(below[alert], ""),
        "detected": ("detected (" + listed["PARAMCD"] + " > " + listed["PARAMCD"].map(dict(detected)).map("{:g}".format)
                     + ")").where(found[alert], ""),
        "limit": ("reported as " + reported + ", analysed as " + listed["AVAL"].map("{:g}".format).astype(str))
        .where(reported.str[:1].isin(["<", ">"]), ""),
    }, index=listed.index)
    treated = adsl is not None and AS_TREATED in adlb.columns and table_arms(adsl)["total"]
    columns = [c for c in ("USUBJID", *([AS_TREATED] if treated else []), "PARAMCD", "PARAM", "AVISIT", "AVISITN",
                           "ADT", "ADY", "AVAL", "AVALU", grade_col) if c and c in adlb.columns]
    out = listed[columns].assign(ALERT=["; ".join(filter(None, r)) for r in reasons.itertuples(index=False)])
    for whole in ("AVISITN", grade_col):  # a visit number and a grade are whole numbers, in the CSV too (not 3.0)
        if whole in out and pd.api.types.is_float_dtype(out[whole]) and (out[whole].dropna() % 1 == 0).all():
            out[whole] = out[whole].astype("Int64")
    sort = ["USUBJID", "PARAMCD"] + [c for c in ("ADT", "AVISITN") if c in out.columns]
    return out.sort_values(sort, kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# ARD rows and display frames


def lab_alerts_note(thresholds=LAB_INTERRUPTION_THRESHOLDS, detected=ctcae.LAB_DETECTION_ALERTS, *,
                    measured=None) -> str:
    """The note of the laboratory alerts' listing: the label's interruption thresholds and the tests it alerts on once
    detected (``list_lab_alerts``); with ``measured`` (``patients_with_result``), a test of ``detected`` without a
    result is said to have none by the data cut (nothing to list, which is not "not detected").

    >>> lab_alerts_note({"NEUT": 1.0}, {"HBVDNA": 0.0})
    'Interruption thresholds: neutrophils (10^9/L) below 1.0. Detected: HBV DNA (IU/mL) above 0 (the label: consult a \
hepatologist).'
    >>> lab_alerts_note({"NEUT": 1.0}, {"HBVDNA": 0.0}, measured=pd.Series({"NEUT": 2})).split(". ")[1]
    'Detected: HBV DNA (IU/mL) above 0, no result by the data cut (the label: consult a hepatologist).'
    """
    below = ", ".join(f"{in_sentence(param_label(p))} below {v}" for p, v in thresholds.items())
    above = ", ".join(f"{param_label(p)} above {v:g}" + (", no result by the data cut" if measured is not None
                                                           and p not in measured else "") for p, v in detected.items())
    return f"Interruption thresholds: {below}." + (f" Detected: {above} (the label: consult a hepatologist)."
                                                    if above else "")


def describe_lab_alerts(alerts: pd.DataFrame) -> str:
    """Say, from ``list_lab_alerts``, which patients had an alert value of each test, and how many of them had one
    already at baseline (study day <= 1): a neutrophil count below the label's threshold at the start is one that
    the label says not to start baricitinib at, and a listing of many rows said it nowhere. Empty without alerts.

    >>> alerts = pd.DataFrame({"USUBJID": ["S-01-001", "S-01-001", "S-02-004"], "PARAMCD": "NEUT",
    ...                        "ADY": [1, 29, 57]})
    >>> describe_lab_alerts(alerts)
    'Patients with such a value: neutrophils (10^9/L) in 2 (01-001, 02-004), 1 of them at baseline.'
    >>> describe_lab_alerts(alerts.assign(TRTA=["Bari", "Bari", "HCQ"]))
    'Patients with such a value: neutrophils (10^9/L) in 2 (01-001, 02-004), 1 of them at baseline (after baseline \
on Bari: 01-001; on HCQ: 02-004).'

    With the treatment taken (``TRTA``, several treatments), the patients with such a value after baseline on each.
    """
    if not len(alerts):
        return ""

    def named(subjects, at_most: int = 20) -> str:  # the listing has them all
        shown = ", ".join(patient_label(s) for s in list(subjects)[:at_most])
        return shown + (f" and {len(subjects) - at_most} more" if len(subjects) > at_most else "")

    parts = []
    for paramcd, rows in alerts.groupby("PARAMCD", sort=False):
        subjects = list(dict.fromkeys(rows["USUBJID"]))
        at_start = rows.loc[rows["ADY"] <= 1, "USUBJID"].nunique() if "ADY" in rows else 0
        label = param_label(paramcd)
        text = (f"{in_sentence(label)} in {len(subjects)} "
                f"({named(subjects)})" + (f", {at_start} of them at baseline" if at_start else ""))
        if AS_TREATED in rows and "ADY" in rows:
            after = rows[(rows["ADY"] > 1) & rows[AS_TREATED].fillna("").ne("")]
            on = [f"on {trt}: {named(list(dict.fromkeys(r['USUBJID'])))}"
                  for trt, r in after.groupby(AS_TREATED, sort=True)]
            text += f" (after baseline {'; '.join(on)})" if on else ""
        parts.append(text)
    return f"Patients with such a value: {'; '.join(parts)}."


#: ARD of the laboratory alerts (``lab_alerts_to_ard``), which the safety interpretation reads.
LAB_ALERTS_ID = "SAF-LB-ALERTS"


def patients_with_result(adlb: pd.DataFrame, adsl: pd.DataFrame) -> pd.Series:
    """By test (``PARAMCD``), the patients of the safety set with a value (``AVAL``) in ADLB, the data cut's: what the
    laboratory alerts could list (a screen failure's screening sample, or a row without a value, is not a result).

    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2", "SF"], "SAFFL": ["Y", "Y", "N"]})
    >>> adlb = pd.DataFrame({"USUBJID": ["1", "2", "SF", "1"], "PARAMCD": ["NEUT", "NEUT", "HBVDNA", "HBVDNA"],
    ...                      "AVAL": [0.9, 1.5, 0.0, None]})
    >>> patients_with_result(adlb, adsl).to_dict()
    {'NEUT': 2}
    """
    rows = adlb[_of_safety_set(adlb, adsl) & adlb["AVAL"].notna()]
    return rows.groupby("PARAMCD", sort=True)["USUBJID"].nunique()


def lab_alerts_to_ard(alerts: pd.DataFrame, *, started_below: pd.DataFrame | None = None,
                      measured: pd.Series | None = None, detected=ctcae.LAB_DETECTION_ALERTS,
                      analysis_id: str = LAB_ALERTS_ID) -> pd.DataFrame:
    """ARD rows of ``list_lab_alerts``: by test (``paramcd``; ``""``: any test) the patients with such a value
    (``n_subjects``), with one at baseline (study day <= 1, ``n_baseline``) and after it (``n_after``); with the
    treatment taken (``TRTA``), ``n_after`` of each treatment too (``group``; ``""``: all). With ``started_below``
    (``eligibility.derive_label_queries``: ``USUBJID``, the test in ``variable``), ``n_started_below``: the patients who
    started baricitinib (first dose or switch) below the label's threshold of the test, whom "at baseline" alone would
    not tell from a control patient's low value. With ``measured`` (``patients_with_result``), ``n_measured`` of each
    test alerted on once detected (``detected``, HBV DNA): its patients with a result, 0 when there is none by the data
    cut (the listing then cannot show a reactivation, and the findings say so). No alert: one row, ``n_subjects`` 0.

    >>> alerts = pd.DataFrame({"USUBJID": ["1", "1", "2"], "PARAMCD": "NEUT", "ADY": [1, 29, 57]})
    >>> lab_alerts_to_ard(alerts)[["paramcd", "stat_name", "stat_value"]].values.tolist()[:3]
    [['', 'n_subjects', 2.0], ['', 'n_baseline', 1.0], ['', 'n_after', 2.0]]
    >>> below = pd.DataFrame({"USUBJID": ["1", "2"], "variable": ["NEUT", "LYM"]})  # each test its own patients
    >>> out = lab_alerts_to_ard(alerts, started_below=below)
    >>> out.loc[out["stat_name"] == "n_started_below", ["paramcd", "stat_value"]].values.tolist()
    [['', 2.0], ['NEUT', 1.0]]
    >>> measured = pd.Series({"NEUT": 2})
    >>> lab_alerts_to_ard(alerts, measured=measured).tail(1)[["paramcd", "stat_name", "stat_value"]].values.tolist()
    [['HBVDNA', 'n_measured', 0.0]]
    """
    day = alerts["ADY"] if "ADY" in alerts else pd.Series(np.nan, index=alerts.index)
    rows = []
    for paramcd, part in [("", alerts), *(alerts.groupby("PARAMCD", sort=False) if len(alerts) else [])]:
        d = day.loc[part.index]
        rows += [("", paramcd, "n_subjects", part["USUBJID"].nunique()),
                 ("", paramcd, "n_baseline", part.loc[d <= 1, "USUBJID"].nunique()),
                 ("", paramcd, "n_after", part.loc[d > 1, "USUBJID"].nunique())]
        if started_below is not None:
            below = started_below if paramcd == "" else started_below[started_below["variable"] == paramcd]
            rows.append(("", paramcd, "n_started_below", below["USUBJID"].nunique()))
        if AS_TREATED in part:
            after = part[(d > 1) & part[AS_TREATED].fillna("").ne("")]
            rows += [(trt, paramcd, "n_after", r["USUBJID"].nunique())
                     for trt, r in after.groupby(AS_TREATED, sort=True)]
    if measured is not None:
        rows += [("", code, "n_measured", measured.get(code, 0)) for code in detected]
    frame = pd.DataFrame(rows, columns=["group", "paramcd", "stat_name", "stat_value"]).astype({"stat_value": float})
    return ard_mod.make_ard(frame, analysis_id=analysis_id, population=_AS_TREATED_POPULATION,
                            method=f"Patients with a value of {ctcae.LAB_ALERTS_CRITERIA} (Listing 14.3.4.5); "
                                   "baseline: study day <= 1; by treatment: the treatment taken when the sample was "
                                   "drawn",
                            label="Laboratory alerts")


def to_ard(result: pd.DataFrame, *, analysis_id: str, columns, stats, by_stat: str | None = None,
           **constants: str) -> pd.DataFrame:
    """Turn a results frame into ARD rows, one per result row and statistic (unrounded).

    Parameters
    ----------
    result : DataFrame
        A ``summarize_*`` output.
    analysis_id : str
        E.g. ``"SAF-AET02"``.
    columns : mapping
        ARD column -> result column, e.g. ``{"group": "arm", "variable": "soc", "category": "pt"}``.
    stats : sequence of str
        Result columns that become ``stat_name`` / ``stat_value`` rows, in this order.
    by_stat : str, optional
        A result column whose value is appended to ``stat_name`` (``"grade"`` gives
        ``n_subjects_grade3``), for tables with one more dimension than the ARD has columns.
    **constants : str
        Other ARD columns (``section``, ``population``, ``method``, ``label``...).

    Examples
    --------
    >>> res = pd.DataFrame({"arm": ["Bari"], "category": ["Any TEAE"], "n_subjects": [1], "pct": [50.0]})
    >>> to_ard(res, analysis_id="SAF-AET01", columns={"group": "arm", "category": "category"},
    ...        stats=["n_subjects", "pct"])[["group", "category", "stat_name", "stat_value"]].values.tolist()
    [['Bari', 'Any TEAE', 'n_subjects', 1.0], ['Bari', 'Any TEAE', 'pct', 50.0]]
    """
    keep = result[[*columns.values(), *([by_stat] if by_stat else []), *stats]].reset_index(drop=True)
    keep = keep.rename(columns={v: k for k, v in columns.items()})
    long = keep.reset_index(names="_row").melt(id_vars=["_row", *columns, *([by_stat] if by_stat else [])],
                                               value_vars=list(stats), var_name="stat_name",
                                               value_name="stat_value")
    long["_stat"] = long["stat_name"].map({s: i for i, s in enumerate(stats)})
    long = long.sort_values(["_row", "_stat"], kind="stable")
    if by_stat:
        long["stat_name"] = long["stat_name"] + f"_{by_stat}" + long[by_stat].astype(str)
    return ard_mod.make_ard(long.drop(columns=["_row", "_stat"]), analysis_id=analysis_id, **constants)


_AE_STATS = ("n_subjects", "n_events", "big_n", "pct")
_SAFETY_POPULATION = "Safety population (SAFFL = Y)"
#: The population of the tables by treatment taken (``table_arms``: ``AS_TREATED``): an arm's N differs from that of
#: the tables by first treatment (``FIRST_TREATMENT_POPULATION``) once patients switch.
_AS_TREATED_POPULATION = (f"{_SAFETY_POPULATION}, by treatment taken (TRTA: at an event's onset or a sample's date; a "
                          "patient who switched counts under each treatment)")

#: How each results frame maps onto the ARD (``to_ard(result, analysis_id=..., **ARD_LAYOUTS[kind])``).
ARD_LAYOUTS = MappingProxyType({
    "ae_overview": {"columns": {"group": "arm", "category": "category"}, "stats": _AE_STATS,
                    "population": _AS_TREATED_POPULATION,
                    "method": "Subjects counted once per row; events counted. Related: related or possibly related to "
                              "study drug, or not yet assessed; AESI: adverse event of special interest",
                    "label": "Overview of treatment-emergent adverse events (AET01)"},
    "ae_overview_controlled": {
        "columns": {"group": "arm", "category": "category"}, "stats": _AE_STATS,
        "population": FIRST_TREATMENT_POPULATION,
        "method": ("As the overview of treatment-emergent adverse events, of the events that started in the first "
                   f"{CONTROLLED_PERIOD_DAYS} days from the first dose and before the day of a switch (the first dose "
                   "of the treatment switched to)"),
        "label": (f"Overview of treatment-emergent adverse events in the first {CONTROLLED_PERIOD_DAYS // 7} weeks, "
                  "before any switch, by first treatment (AET01)")},
    "ae_soc_pt": {"columns": {"group": "arm", "variable": "soc", "category": "pt"}, "stats": _AE_STATS,
                  "population": _AS_TREATED_POPULATION,
                  "method": "MedDRA SOC (variable) and PT (category); subjects once per SOC and per PT",
                  "label": "TEAEs by system organ class and preferred term (AET02)"},
    "ae_max_grade": {"columns": {"group": "arm", "variable": "soc", "category": "pt"},
                     "stats": ("n_subjects", "big_n", "pct"), "by_stat": "grade", "population": _AS_TREATED_POPULATION,
                     "method": "Subjects counted once per row at their maximum grade",
                     "label": "TEAEs by maximum grade (AET04)"},
    "lab_summary": {"columns": {"group": "arm", "paramcd": "PARAMCD", "avisit": "AVISIT", "variable": "variable"},
                    "stats": ("n", "mean", "sd", "median", "q1", "q3", "min", "max"),
                    "population": _AS_TREATED_POPULATION,
                    "method": "n, mean, SD (n-1), median, Q1/Q3 (Hyndman-Fan type 2), min, max",
                    "label": "Laboratory values and change from baseline by visit (LBT01)"},
    "lab_shift": {"columns": {"group": "arm", "paramcd": "PARAMCD", "category": "shift"},
                  "stats": ("n_subjects", "big_n", "pct"), "population": _AS_TREATED_POPULATION,
                  "method": "Baseline to worst post-baseline category, over every sample after baseline (unscheduled "
                            "ones after the first dose too); N = subjects with the parameter",
                  "label": "Laboratory shift from baseline to worst post-baseline category"},
    "ae_not_assessed": {"columns": {"category": "category"}, "stats": ("n_events", "n_subjects"),
                        "population": _SAFETY_POPULATION,
                        "method": "TEAEs whose coding, grade, relationship, action or outcome is still blank",
                        "label": "Treatment-emergent adverse events not yet coded or assessed"},
    "aesi_eair": {"columns": {"group": "arm", "category": "category"},
                  "stats": ("n_subjects", "n_events", "big_n", "pct", "pyears", "rate", "ci_lower", "ci_upper"),
                  "population": _AS_TREATED_POPULATION,
                  "method": "Patients with a first TEAE of the category per 100 patient-years at risk (first dose "
                            f"to first event, or to last dose + {TRTEM_WINDOW_DAYS} days, at most the end of study and "
                            "the data cut); "
                            "exact Poisson (Garwood) 95% CI",
                  "label": "Adverse events of special interest: exposure-adjusted incidence rates"},
})


def _arm_header(arm: str, big_n: int) -> str:
    return f"{arm} (N = {int(big_n)})"


def _spread_arms(result: pd.DataFrame, rows, cell: pd.Series) -> pd.DataFrame:
    """One display column per arm (``"Arm (N = n)"``), rows kept in the results' order."""
    frame = result[list(rows)].assign(_cell=cell.to_numpy(), _col=[_arm_header(a, n) for a, n in
                                                                     zip(result["arm"], result["big_n"])])
    frame["_row"] = frame.groupby(list(rows), sort=False).ngroup()
    wide = frame.pivot(index="_row", columns="_col", values="_cell")
    labels = frame.drop_duplicates("_row").set_index("_row")[list(rows)]
    return labels.join(wide[list(dict.fromkeys(frame["_col"]))]).reset_index(drop=True)


def with_spanners(frame: pd.DataFrame, labels, stat: str) -> pd.DataFrame:
    """Two-level columns: the row-label columns ``labels`` alone, every other column (an arm with its N)
    as a spanner over ``stat`` (the statistic its cells hold), as in rtables and SAS TLF headers.

    >>> t = pd.DataFrame([["Any TEAE", "6 (54.5) [6]"]], columns=["Subjects with", "Bari (N = 11)"])
    >>> with_spanners(t, ["Subjects with"], "n (%) [events]").columns.tolist()
    [('', 'Subjects with'), ('Bari (N = 11)', 'n (%) [events]')]
    """
    labels = list(labels)
    return frame.set_axis(pd.MultiIndex.from_tuples([("", c) if c in labels else (c, stat) for c in frame.columns]),
                          axis=1)


def _blank_repeats(values: pd.Series) -> pd.Series:
    """``values`` with each repeat of the row above left blank (a label shown once per block)."""
    return values.where(values.ne(values.shift()), "")


def format_ae_table(result: pd.DataFrame, *, any_label: str = "Any TEAE") -> pd.DataFrame:
    """Display frame of ``summarize_ae_by_soc_pt``: SOC and PT columns, ``n (%) [events]`` per arm
    (the arm with its N spanning the statistic, ``with_spanners``). Terms as coded (MedDRA).

    Examples
    --------
    >>> res = pd.DataFrame({"arm": "Bari", "soc": ["", "Infections"], "pt": ["", ""], "n_subjects": [1, 1],
    ...                     "n_events": [2, 2], "big_n": 11, "pct": 100 / 11})
    >>> out = format_ae_table(res)
    >>> out.values.tolist(), out.columns[-1]
    ([['Any TEAE', '', '1 (9.1) [2]'], ['Infections', '', '1 (9.1) [2]']], ('Bari (N = 11)', 'n (%) [events]'))
    """
    cells = pd.Series([tables.format_n_pct_events(n, big, ev) for n, big, ev in
                       zip(result["n_subjects"], result["big_n"], result["n_events"])])
    shown = result.assign(soc=result["soc"].where((result["soc"] == "") | (result["pt"] == ""), ""))
    shown["soc"] = shown["soc"].where(result["soc"] != "", any_label)
    out = _spread_arms(shown.assign(_key=np.arange(len(shown)) // len(_arm_levels(result["arm"]))),
                       ["_key", "soc", "pt"], cells)
    out = out.drop(columns="_key").rename(columns={"soc": "System organ class", "pt": "Preferred term"})
    return with_spanners(out, ["System organ class", "Preferred term"], "n (%) [events]")


def format_ae_overview(result: pd.DataFrame) -> pd.DataFrame:
    """Display frame of ``summarize_ae_overview``: category and ``n (%) [events]`` per arm (spanned)."""
    cells = pd.Series([tables.format_n_pct_events(n, big, ev) for n, big, ev in
                       zip(result["n_subjects"], result["big_n"], result["n_events"])])
    out = _spread_arms(result, ["category"], cells).rename(columns={"category": "Subjects with"})
    return with_spanners(out, ["Subjects with"], "n (%) [events]")


def format_max_grade_table(result: pd.DataFrame, *, any_label: str = "Any TEAE") -> pd.DataFrame:
    """Display frame of ``summarize_ae_by_max_grade``: the grades as rows under each SOC and PT, one
    ``n (%)`` column per arm, so that every grade is visible however narrow the page (tern's AET04).

    Every graded level is shown (grades 1 to 5); the ``"Missing"`` row only where a patient has it.
    SOC and PT are named on the first row of their block.

    Examples
    --------
    >>> res = pd.DataFrame({"arm": "Bari", "soc": "", "pt": "", "grade": ["Missing", "1", "2"],
    ...                     "n_subjects": [0, 5, 1], "big_n": 11, "pct": 0.0})
    >>> out = format_max_grade_table(res)
    >>> out.values.tolist()
    [['Any TEAE', '', 'Grade 1', '5 (45.5)'], ['', '', 'Grade 2', '1 (9.1)']]
    >>> out.columns.tolist()[-2:]
    [('', 'Maximum grade'), ('Bari (N = 11)', 'n (%)')]
    """
    block = result[["soc", "pt"]].apply(tuple, axis=1)
    seen_missing = result.loc[(result["grade"] == MISSING_LABEL) & (result["n_subjects"] > 0)]
    missing_blocks = set(seen_missing[["soc", "pt"]].apply(tuple, axis=1)) if len(seen_missing) else set()
    keep = (result["grade"] != MISSING_LABEL) | block.isin(missing_blocks)
    kept = result[keep].reset_index(drop=True)
    shown = kept.assign(soc=kept["soc"].where(kept["soc"] != "", any_label),
                        grade=kept["grade"].where(kept["grade"] == MISSING_LABEL, "Grade " + kept["grade"]))
    cells = pd.Series([tables.format_n_pct(n, big) for n, big in zip(kept["n_subjects"], kept["big_n"])])
    out = _spread_arms(shown, ["soc", "pt", "grade"], cells)
    first = out[["soc", "pt"]].apply(tuple, axis=1)
    is_first = first.ne(first.shift())
    out["soc"] = out["soc"].where(is_first & (out["pt"] == ""), "")
    out["pt"] = out["pt"].where(is_first, "")
    out = out.rename(columns={"soc": "System organ class", "pt": "Preferred term", "grade": "Maximum grade"})
    return with_spanners(out, ["System organ class", "Preferred term", "Maximum grade"], "n (%)")


def format_lab_summary(result: pd.DataFrame, *, decimals=None) -> pd.DataFrame:
    """Display frame of ``summarize_lab_by_visit``; ``decimals`` maps PARAMCD -> decimals (default 1); min and max
    take as many as a parameter's values and changes need, at most these (``tables.extreme_decimals``).

    Parameters by name and unit (``vocabulary.param_label``), each named once; the column of the arms is headed
    "Treatment" (the treatment taken, ``AS_TREATED``, in a trial of several); with a single arm its name goes to the
    table's title and the column is left out.
    """
    dec = result["PARAMCD"].map(dict(decimals or {})).fillna(1).astype(int)
    ext = tables.extreme_decimals_by(result["PARAMCD"], result["min"], result["max"], dec)  # values and changes
    rows = zip(result["mean"], result["sd"], result["median"], result["q1"], result["q3"], result["min"],
               result["max"], dec, ext)
    body = pd.DataFrame([(tables.format_mean_sd(m, s, d), tables.format_median_q1q3(md, a, b, d),
                          tables.format_min_max(lo, hi, e)) for m, s, md, a, b, lo, hi, d, e in rows],
                        columns=["Mean (SD)", "Median [Q1, Q3]", "Min - Max"])
    out = pd.concat([result[["arm", "PARAMCD", "AVISIT", "variable", "n"]].reset_index(drop=True), body], axis=1)
    out["variable"] = out["variable"].map({"AVAL": "Value", "CHG": "Change from baseline"}).fillna(out["variable"])
    out["PARAMCD"] = _blank_repeats(out["arm"] + "\0" + out["PARAMCD"]).where(
        lambda s: s == "", out["PARAMCD"].map(param_label))
    if out["arm"].nunique() <= 1:
        out = out.drop(columns="arm")
    return out.rename(columns={"arm": "Treatment", "PARAMCD": "Parameter", "AVISIT": "Visit",
                               "variable": "Statistic of"})


def format_shift_table(result: pd.DataFrame) -> pd.DataFrame:
    """Display frame of ``summarize_lab_shift``: rows parameter (name and unit) x baseline category;
    per arm, a spanner ``"<arm>: worst post-baseline"`` over its N for the parameter and one ``n (%)``
    column per worst category. Categories in words (``"Low"``, ``"Grade 2"``).

    Examples
    --------
    >>> res = pd.DataFrame({"arm": "Bari", "PARAMCD": "ALT", "baseline": ["NORMAL", "NORMAL"],
    ...                     "worst": ["NORMAL", "HIGH"], "n_subjects": [9, 1], "big_n": 10, "pct": 0.0})
    >>> out = format_shift_table(res)
    >>> out.values.tolist()
    [['ALT (U/L)', 'Normal', 10, '9 (90.0)', '1 (10.0)']]
    >>> out.columns.tolist()[2:]
    [('Bari: worst post-baseline', 'N'), ('Bari: worst post-baseline', 'Normal'), ('Bari: worst post-baseline', 'High')]
    """
    def words(level: str) -> str:
        return f"Grade {level}" if str(level).isdigit() else decode(level)

    cells = [tables.format_n_pct(n, big) for n, big in zip(result["n_subjects"], result["big_n"])]
    frame = result[["PARAMCD", "baseline"]].assign(_cell=cells, _arm=result["arm"].to_numpy(),
                                                   _worst=result["worst"].map(words))
    frame["_col"] = list(zip(frame["_arm"] + ": worst post-baseline", frame["_worst"]))
    frame["_row"] = frame.groupby(["PARAMCD", "baseline"], sort=False).ngroup()
    wide = frame.pivot(index="_row", columns="_col", values="_cell")
    labels = frame.drop_duplicates("_row").set_index("_row")[["PARAMCD", "baseline"]]
    big_n = result.drop_duplicates(["PARAMCD", "arm"])
    big_n = big_n.assign(_col=[(f"{a}: worst post-baseline", "N") for a in big_n["arm"]])
    big_n = big_n.pivot(index="PARAMCD", columns="_col", values="big_n")
    columns = [c for arm in dict.fromkeys(result["arm"]) for c in [(f"{arm}: worst post-baseline", "N")] +
               [k for k in dict.fromkeys(frame["_col"]) if k[0] == f"{arm}: worst post-baseline"]]
    out = labels.join(wide).join(big_n, on="PARAMCD").reset_index(drop=True)
    out = out[["PARAMCD", "baseline", *columns]]
    out["PARAMCD"] = _blank_repeats(out["PARAMCD"]).where(lambda s: s == "", out["PARAMCD"].map(param_label))
    out["baseline"] = out["baseline"].map(words)
    return out.set_axis(pd.MultiIndex.from_tuples([("", "Parameter"), ("", "Baseline"), *columns]), axis=1)


#: Listing columns whose codes are shown in words (``vocabulary.decode``); MedDRA terms stay as coded.
DECODED_LISTING_COLUMNS = ("TRTEMFL", "AESER", "AESEV", "AEREL", "AEACN", "AEOUT", "EOSSTT", "DCSREAS", "DTHFL")


#: Listing dates shown with their study day in one column: date column -> (study-day column, header).
DATE_WITH_DAY = MappingProxyType({
    "ASTDT": ("ASTDY", "Start date (study day)"), "AENDT": ("AENDY", "End date (study day)"),
    "EOSDT": ("EOSDY", "End of study (study day)"), "ADT": ("ADY", "Date (study day)"),
})


#: Imputation flags of listing dates (ADaM ``--DTF``, ``partial_dates``): date column -> (flag column, words by flag),
#: shown after the date (``"2021-07-01 (1), day imputed"``).
DATE_FLAGS = MappingProxyType({date: (f"{date}F", {"D": "day imputed", "M": "month and day imputed"})
                               for date in ("ASTDT", "AENDT")})


#: Columns of an adverse-event listing left out of its display (kept in its CSV file): the sequence
#: number only tells apart records that the dates already order.
AE_LISTING_HIDDEN = ("AESEQ",)


def format_ae_listing(listing: pd.DataFrame) -> pd.DataFrame:
    """Display frame of ``list_adverse_events``: ``format_listing`` without ``AE_LISTING_HIDDEN``.

    >>> format_ae_listing(pd.DataFrame({"USUBJID": ["X-1"], "AESEQ": [1], "AESER": ["N"]})).columns.tolist()
    ['Patient', 'Serious']
    """
    return format_listing(listing.drop(columns=[c for c in AE_LISTING_HIDDEN if c in listing.columns]))


def format_listing(listing: pd.DataFrame) -> pd.DataFrame:
    """Display frame of a listing: headers in words (``vocabulary.VARIABLE_HEADERS``), the patient
    as site and patient number, codes of ``DECODED_LISTING_COLUMNS`` in words (``"Y"`` -> ``"Yes"``,
    ``"DRUG WITHDRAWN"`` -> ``"Drug withdrawn"``), dates as ``YYYY-MM-DD`` with their study day in
    the same column where the listing has both (``DATE_WITH_DAY``: ``"2021-07-22 (22)"``) and what of a partial
    date was imputed (``DATE_FLAGS``: ``"2021-07-01 (1), day imputed"``), whole-number
    floats (study days, sequence numbers, grades) as integers, missing values blank. Terms (MedDRA)
    stay as coded.

    Examples
    --------
    >>> format_listing(pd.DataFrame({"ASTDT": pd.to_datetime(["2021-07-22", None]), "ASTDY": [22.0, None],
    ...                              "AESER": ["N", "Y"], "AVAL": [0.25, 1.0]})).values.tolist()
    [['2021-07-22 (22)', 'No', '0.25'], ['', 'Yes', '1.0']]
    >>> format_listing(pd.DataFrame({"USUBJID": ["NCT04916756-01-001"], "ADY": [3]})).values.tolist()
    [['01-001', '3']]
    """
    out = pd.DataFrame(index=listing.index)
    for col in listing.columns:
        values = listing[col]
        if pd.api.types.is_datetime64_any_dtype(values):
            out[col] = values.dt.strftime("%Y-%m-%d").fillna("")
        elif pd.api.types.is_float_dtype(values) and (values.dropna() % 1 == 0).all():
            whole = values.astype("Int64")
            out[col] = whole.astype(str).where(whole.notna(), "")
        elif col == "USUBJID":
            out[col] = values.map(patient_label)
        else:
            shown = values.map(decode) if col in DECODED_LISTING_COLUMNS else values
            out[col] = shown.astype(str).where(values.notna(), "")
    headers = dict(VARIABLE_HEADERS)
    for date, (day, header) in DATE_WITH_DAY.items():
        if date in out and day in out:
            out[date] = [f"{d} ({n})" if d and n else d or (f"day {n}" if n else "") for d, n in zip(out[date], out[day])]
            out = out.drop(columns=day)
            headers[date] = header
    for date, (flag, words) in DATE_FLAGS.items():
        if date in out and flag in out:
            out[date] = [f"{d}, {words[f]}" if d and f in words else d for d, f in zip(out[date], out[flag])]
            out = out.drop(columns=flag)
    return out.reset_index(drop=True).rename(columns=headers)
