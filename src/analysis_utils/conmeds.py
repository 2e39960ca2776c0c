"""Prior and concomitant medications, and the glucocorticoid dose over time.

- ``summarize_conmeds`` (CMT01 of the Roche tlg-catalog): patients taking each medication, by
  medication class (``CMCLAS``) and standardised drug name (``CMDECOD``), before the first dose
  (prior) and during treatment (concomitant), n (%) of the safety population.
- ``derive_gc_dose_by_visit`` and ``summarize_gc_dose``: the prednisone-equivalent glucocorticoid
  dose of every patient at baseline, week 12 and week 24, and whether it changed. The registered
  protocol excludes patients whose glucocorticoid or immunosuppressant dose had been stable for less
  than 12 weeks (ClinicalTrials.gov NCT04916756, exclusion 4), so background glucocorticoids were
  allowed at a stable dose; the table shows whether the dose stayed unchanged during the trial.

Counting rules as in ``analysis_utils.safety``: the population is ADSL's safety population
(``SAFFL == "Y"``), ``big_n`` comes from ADSL, a patient is counted once per row, ``pct`` is
unrounded.
"""

from types import MappingProxyType

import numpy as np
import pandas as pd

from analysis_utils import tables
from analysis_utils.cleaning import NOT_CODED, changed_that_day, compute_prednisone_equivalent, visit_order
from analysis_utils.disposition import FIRST_TREATMENT_POPULATION
from analysis_utils.safety import (
    _apply_rule, _arm_header, _complete_grid, _require_columns, _safety_population, _with_total,
    compute_big_n, summarize_continuous,
)

#: Medication classes of ADCM (docs/analysis_datasets.md), in display order, with their labels.
#: A class not listed here is shown after them, in alphabetical order, under its own name.
CM_CLASS_LABELS = MappingProxyType({
    "GLUCOCORTICOID": "Glucocorticoid", "IMMUNOSUPPRESSANT": "Immunosuppressant",
    "ANTIMALARIAL": "Antimalarial", "OTHER": "Other",
})


def _prior(cm: pd.DataFrame) -> pd.Series:
    return cm["PREFL"] == "Y"


def _concomitant(cm: pd.DataFrame) -> pd.Series:
    return cm["ONTRTFL"] == "Y"


def _after(cm: pd.DataFrame) -> pd.Series:
    return (cm["PREFL"] != "Y") & (cm["ONTRTFL"] != "Y")


#: Periods of the medication table: label -> rule on ADCM records, from the flags of
#: ``cleaning.derive_adcm``. Prior: started before the first dose (``PREFL``); concomitant: taken on at
#: least one day of treatment (``ONTRTFL``); a record can be both. After treatment: neither, i.e. started
#: after the last dose (such as a treatment of an adverse event that stopped the study drug), so that
#: no record is left out of the table.
CM_PERIODS = MappingProxyType({"Prior": _prior, "Concomitant": _concomitant, "After treatment": _after})
#: Class of the glucocorticoid records (prednisone equivalents by ``cleaning.compute_prednisone_equivalent``).
GC_CLASS = "GLUCOCORTICOID"
#: Label of the "any medication" row.
ANY_LABEL = "Any medication"


def format_drug_name(name: str) -> str:
    """Write a standardised drug name (WHO Drug style capitals, ingredients separated by ``;``) in sentence case.

    >>> format_drug_name("CALCIUM CARBONATE;COLECALCIFEROL"), format_drug_name("HYDROXYCHLOROQUINE")
    ('Calcium carbonate; colecalciferol', 'Hydroxychloroquine')
    """
    parts = [p.strip().lower() for p in str(name).split(";")]
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]


def describe_not_coded(adcm: pd.DataFrame) -> str:
    """The medication table's note on the records whose name is not yet coded (``NOT_CODED``, an interim export), or
    ``""`` when every name is coded.

    >>> describe_not_coded(pd.DataFrame({"USUBJID": ["1", "1", "2"], "CMDECOD": [NOT_CODED, NOT_CODED, "PREDNISONE"]}))
    "'Not yet coded': 2 records of 1 patient whose drug name is not yet coded in WHODrug, counted under it."
    """
    rows = adcm[adcm["CMDECOD"] == NOT_CODED]
    if rows.empty:
        return ""
    patients = rows["USUBJID"].nunique()
    return (f"'{NOT_CODED}': {len(rows)} record{'s' * (len(rows) != 1)} of {patients} patient{'s' * (patients != 1)} "
            "whose drug name is not yet coded in WHODrug, counted under it.")


def _class_order(classes) -> list:
    known = list(CM_CLASS_LABELS)
    return sorted(set(classes), key=lambda c: (known.index(c) if c in known else len(known), c))


def summarize_conmeds(adcm: pd.DataFrame, adsl: pd.DataFrame, *, arm: str = "TRT01A",
                      periods=CM_PERIODS, total: bool = False) -> pd.DataFrame:
    """Count patients taking each medication before the first dose, during treatment and after it (CMT01).

    A patient is counted once per row and period, whatever the number of records. Rows: any
    medication, then each class (``CM_CLASS_LABELS`` order) followed by its drugs, by descending
    number of patients (all periods and arms together) then name; a name not yet coded (``NOT_CODED``) last in its
    class. Medications of patients outside
    the safety population are not counted.

    Parameters
    ----------
    adcm, adsl : DataFrame
        ADCM with ``USUBJID, CMCLAS, CMDECOD`` and the columns the period rules read (``PREFL``,
        ``ONTRTFL``); ADSL with ``USUBJID, SAFFL`` and ``arm``.
    arm : str, default 'TRT01A'
    periods : mapping, default ``CM_PERIODS``
        Period label -> function of the ADCM records returning a boolean Series, in display order.
    total : bool, default False
        Add the arm ``TOTAL`` over every patient (a trial of several arms, as its other safety tables).

    Returns
    -------
    DataFrame
        ``arm, period, cmclas, cmdecod, n_subjects, big_n, pct``; ``cmclas == cmdecod == ""`` is any
        medication, ``cmdecod == ""`` a class total.

    Raises
    ------
    ValueError
        Missing columns, a record with a blank class or drug name (not coded), a subject twice in ADSL.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"], "SAFFL": "Y", "TRT01A": "Bari"})
    >>> adcm = pd.DataFrame({"USUBJID": ["1", "1"], "CMCLAS": "GLUCOCORTICOID", "CMDECOD": "PREDNISONE",
    ...                      "PREFL": ["Y", "N"], "ONTRTFL": ["N", "Y"]})
    >>> out = summarize_conmeds(adcm, adsl)
    >>> out[["period", "cmdecod", "n_subjects", "pct"]].values.tolist()[-3:]
    [['Prior', 'PREDNISONE', 1, 50.0], ['Concomitant', 'PREDNISONE', 1, 50.0], \
['After treatment', 'PREDNISONE', 0, 0.0]]
    >>> two = summarize_conmeds(adcm, adsl.assign(TRT01A=["Bari", "HCQ"]), total=True)
    >>> prior = two["cmdecod"].eq("PREDNISONE") & two["period"].eq("Prior")
    >>> two.loc[prior, ["arm", "n_subjects", "big_n"]].values.tolist()
    [['Bari', 1, 1], ['HCQ', 0, 1], ['Total', 1, 2]]
    """
    pop = _safety_population(adsl, arm)
    _require_columns(adcm, ["USUBJID", "CMCLAS", "CMDECOD"], "ADCM")
    records = adcm.merge(pop, on="USUBJID", how="inner", validate="many_to_one")
    for col in ("CMCLAS", "CMDECOD"):
        blank = records[col].isna() | (records[col].astype(str).str.strip() == "")
        if blank.any():
            row = records[blank].iloc[0]
            raise ValueError(f"ADCM: subject {row['USUBJID']!r} has a medication record with blank {col} (a name not "
                             f"yet coded is {NOT_CODED!r}: cleaning.derive_adcm)")
    if total:
        pop, records = _with_total(pop, records)
    parts = []
    for label, rule in periods.items():
        mask = _apply_rule(rule, records, f"medication period {label!r}", "ADCM")
        parts.append(records.loc[mask, ["USUBJID", "arm", "CMCLAS", "CMDECOD"]].assign(period=label))
    hits = pd.concat(parts, ignore_index=True)
    levels = pd.concat([hits.assign(cmclas="", cmdecod=""), hits.assign(cmclas=hits["CMCLAS"], cmdecod=""),
                        hits.assign(cmclas=hits["CMCLAS"], cmdecod=hits["CMDECOD"])], ignore_index=True)
    counts = levels.groupby(["arm", "period", "cmclas", "cmdecod"])["USUBJID"].agg(n_subjects="nunique").reset_index()
    rows = _row_order(levels, list(periods))
    out = _complete_grid(counts, rows, pop, ("n_subjects",))
    return out[["arm", "period", "cmclas", "cmdecod", "n_subjects", "big_n", "pct"]]


def _row_order(levels: pd.DataFrame, periods: list) -> pd.DataFrame:
    """Rows cmclas x cmdecod x period in display order (any, then classes, drugs by frequency, a name not yet coded,
    ``NOT_CODED``, last in its class)."""
    drugs = levels[levels["cmdecod"] != ""].groupby(["cmclas", "cmdecod"])["USUBJID"].nunique().rename("n")
    drugs = drugs.reset_index().assign(_not_coded=lambda d: d["cmdecod"] == NOT_CODED)
    drugs = drugs.sort_values(["_not_coded", "n", "cmdecod"], ascending=[True, False, True], kind="stable")
    order = [("", "")]
    for cls in _class_order(levels.loc[levels["cmclas"] != "", "cmclas"]):
        order.append((cls, ""))
        order += [(cls, d) for d in drugs.loc[drugs["cmclas"] == cls, "cmdecod"]]
    keys = pd.DataFrame(order, columns=["cmclas", "cmdecod"])
    return keys.merge(pd.DataFrame({"period": periods}), how="cross")[["cmclas", "cmdecod", "period"]]


def format_conmeds(result: pd.DataFrame) -> pd.DataFrame:
    """Display frame of ``summarize_conmeds``: class and drug in words, one ``n (%)`` column per period,
    under its arm with the arm's N (two-level columns, ``("<arm> (N = n)", "<period>, n (%)")``).

    Examples
    --------
    >>> res = pd.DataFrame({"arm": "Bari", "period": ["Prior", "Concomitant"], "cmclas": "ANTIMALARIAL",
    ...                     "cmdecod": "HYDROXYCHLOROQUINE", "n_subjects": [6, 5], "big_n": 11, "pct": 0.0})
    >>> out = format_conmeds(res)
    >>> out.values.tolist(), out.columns[-1]
    ([['', 'Hydroxychloroquine', '6 (54.5)', '5 (45.5)']], ('Bari (N = 11)', 'Concomitant, n (%)'))
    """
    cells = [tables.format_n_pct(n, big) for n, big in zip(result["n_subjects"], result["big_n"])]
    columns = [(_arm_header(a, n), f"{p}, n (%)") for a, n, p in zip(result["arm"], result["big_n"], result["period"])]
    frame = result[["cmclas", "cmdecod"]].assign(_cell=cells, _col=columns)
    frame["_row"] = frame.groupby(["cmclas", "cmdecod"], sort=False).ngroup()
    arm_rank, period_rank = ({v: i for i, v in enumerate(dict.fromkeys(c[k] for c in columns))} for k in (0, 1))
    order = sorted(dict.fromkeys(columns), key=lambda c: (arm_rank[c[0]], period_rank[c[1]]))  # each arm's together
    wide = frame.pivot(index="_row", columns="_col", values="_cell")[order]
    wide.columns = pd.MultiIndex.from_tuples(list(wide.columns))
    labels = frame.drop_duplicates("_row").set_index("_row")[["cmclas", "cmdecod"]]
    is_class = labels["cmdecod"] == ""
    shown = pd.DataFrame({
        "Medication class": np.where(labels["cmclas"] == "", ANY_LABEL,
                                     np.where(is_class, labels["cmclas"].map(lambda c: CM_CLASS_LABELS.get(c, c)), "")),
        "Medication": [format_drug_name(d) if d else "" for d in labels["cmdecod"]],
    }, index=labels.index)
    shown.columns = pd.MultiIndex.from_tuples([("", c) for c in shown.columns])
    return shown.join(wide).reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# glucocorticoid dose over time


def visit_dates(adsl: pd.DataFrame, adeff: pd.DataFrame, *, visits=None) -> pd.DataFrame:
    """Date of each patient's scheduled visits: baseline is the first dose, later visits their assessment date.

    Baseline is ``TRTSDT`` (the date of ADSL's ``GCDOSEBL``, so the baseline dose of the glucocorticoid
    table is ADSL's); a later visit is the date (``ADT``) of the patient's efficacy assessments at it.
    A visit without any assessment is absent, and so is a patient never dosed (no ``TRTSDT``: not in
    the safety set, no treatment period whose dose could change). ``visits``: the scheduled visits, baseline
    first (default ``cleaning.visit_order(adeff)``: every visit of ADEFF with a planned week, by week).

    Returns
    -------
    DataFrame
        ``USUBJID, AVISIT, ADT``, by subject and visit order, and ``AVISITN`` (planned week) when ADEFF has it.

    Raises
    ------
    ValueError
        A patient with efficacy assessments on different dates at one visit.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["1"], "TRTSDT": pd.to_datetime(["2021-07-01"])})
    >>> adeff = pd.DataFrame({"USUBJID": "1", "AVISIT": ["Baseline", "Week 12", "Week 12"],
    ...                       "ADT": pd.to_datetime(["2021-06-30", "2021-09-23", "2021-09-23"])})
    >>> visit_dates(adsl, adeff)["ADT"].dt.strftime("%Y-%m-%d").tolist()
    ['2021-07-01', '2021-09-23']
    >>> len(visit_dates(adsl.assign(TRTSDT=pd.NaT), adeff))  # never dosed: no treatment period
    0
    """
    _require_columns(adsl, ["USUBJID", "TRTSDT"], "ADSL")
    _require_columns(adeff, ["USUBJID", "AVISIT", "ADT"], "ADEFF")
    visits = tuple(visit_order(adeff) if visits is None else visits)
    adsl = adsl[adsl["TRTSDT"].notna()]
    adeff = adeff[adeff["USUBJID"].isin(adsl["USUBJID"])]
    later = adeff.loc[adeff["AVISIT"].isin(visits[1:]) & adeff["ADT"].notna(), ["USUBJID", "AVISIT", "ADT"]]
    later = later.drop_duplicates()
    dup = later.duplicated(["USUBJID", "AVISIT"])
    if dup.any():
        row = later[dup].iloc[0]
        raise ValueError(f"ADEFF: subject {row['USUBJID']!r}, visit {row['AVISIT']!r}: assessments on different "
                         "dates; the visit date is ambiguous")
    base = adsl[["USUBJID", "TRTSDT"]].rename(columns={"TRTSDT": "ADT"}).assign(AVISIT=visits[0])
    out = pd.concat([base[["USUBJID", "AVISIT", "ADT"]], later], ignore_index=True)
    rank = out["AVISIT"].map({v: i for i, v in enumerate(visits)})
    if "AVISITN" in adeff.columns:  # the planned week, so that later steps order the visits by it
        weeks = adeff.dropna(subset=["AVISITN"]).drop_duplicates("AVISIT").set_index("AVISIT")["AVISITN"]
        out["AVISITN"] = out["AVISIT"].map(weeks)
    return out.assign(_rank=rank).sort_values(["USUBJID", "_rank"], kind="stable").drop(columns="_rank") \
        .reset_index(drop=True)


def derive_gc_dose_by_visit(adcm: pd.DataFrame, dates: pd.DataFrame) -> pd.DataFrame:
    """Prednisone-equivalent glucocorticoid dose (mg/day) of each patient on each visit date.

    A glucocorticoid record counts on a date when it started on or before it and had not ended
    before it (``ASTDT <= ADT`` and ``AENDT`` missing or ``>= ADT``), but not when it ends that day and
    another glucocorticoid record starts that day (a dose change: ``changed_that_day``), the rule
    of ADSL's ``GCDOSEBL``; the doses of the records that count are added
    (``cleaning.compute_prednisone_equivalent``). A patient taking none has dose 0.

    Parameters
    ----------
    adcm : DataFrame
        ADCM with ``USUBJID, CMSEQ, CMCLAS, CMDECOD, CMDOSE, CMDOSU, CMDOSFRQ, ASTDT, AENDT``.
    dates : DataFrame
        ``USUBJID, AVISIT, ADT`` (``visit_dates``); the first visit of each patient is the baseline.

    Returns
    -------
    DataFrame
        ``USUBJID, AVISIT, [AVISITN when ``dates`` has it], ADT, AVAL`` (mg/day), ``BASE`` (the dose at
        the patient's first listed visit), ``CHG`` and ``CHGFL`` (``"Y"`` when the dose differs from baseline).

    Raises
    ------
    ValueError
        A glucocorticoid record that counts on a visit date but has no known prednisone equivalent
        (drug, unit or frequency), named by subject, ``CMSEQ`` and visit.

    Examples
    --------
    >>> adcm = pd.DataFrame({"USUBJID": "1", "CMSEQ": [1, 2], "CMCLAS": "GLUCOCORTICOID",
    ...                      "CMDECOD": "PREDNISONE", "CMDOSE": [10.0, 5.0], "CMDOSU": "mg", "CMDOSFRQ": "QD",
    ...                      "ASTDT": pd.to_datetime(["2021-01-01", "2021-08-01"]),
    ...                      "AENDT": pd.to_datetime(["2021-07-31", None])})
    >>> dates = pd.DataFrame({"USUBJID": "1", "AVISIT": ["Baseline", "Week 12"],
    ...                       "ADT": pd.to_datetime(["2021-07-01", "2021-09-23"])})
    >>> derive_gc_dose_by_visit(adcm, dates)[["AVISIT", "AVAL", "CHG", "CHGFL"]].values.tolist()
    [['Baseline', 10.0, 0.0, 'N'], ['Week 12', 5.0, -5.0, 'Y']]
    """
    _require_columns(adcm, ["USUBJID", "CMSEQ", "CMCLAS", "CMDECOD", "CMDOSE", "CMDOSU", "CMDOSFRQ", "ASTDT",
                            "AENDT"], "ADCM")
    gc = adcm[adcm["CMCLAS"] == GC_CLASS]
    gc = gc.assign(_dose=compute_prednisone_equivalent(gc))[["USUBJID", "CMSEQ", "CMDECOD", "ASTDT", "AENDT", "_dose"]]
    week = ["AVISITN"] if "AVISITN" in dates.columns else []
    pairs = dates[["USUBJID", "AVISIT", *week, "ADT"]].reset_index(drop=True).reset_index(names="_visit")
    active = pairs.merge(gc, on="USUBJID", how="inner")
    active = active[(active["ASTDT"] <= active["ADT"]) & (active["AENDT"].isna() | (active["AENDT"] >= active["ADT"]))]
    active = active[~changed_that_day(active["ADT"], active["ASTDT"], active["AENDT"], active["_visit"])]
    unknown = active["_dose"].isna()
    if unknown.any():
        row = active[unknown].iloc[0]
        raise ValueError(f"ADCM: subject {row['USUBJID']!r}, CMSEQ {int(row['CMSEQ'])}, taken at {row['AVISIT']}: "
                         f"no prednisone equivalent for {row['CMDECOD']!r} with its dose unit and frequency")
    dose = active.groupby("_visit")["_dose"].sum()
    out = pairs.assign(AVAL=pairs["_visit"].map(dose).fillna(0.0).astype(float))
    out["BASE"] = out.groupby("USUBJID", sort=False)["AVAL"].transform("first")
    out["CHG"] = out["AVAL"] - out["BASE"]
    out["CHGFL"] = np.where(out["CHG"] != 0, "Y", "N")
    return out[["USUBJID", "AVISIT", *week, "ADT", "AVAL", "BASE", "CHG", "CHGFL"]]


def summarize_gc_dose(doses: pd.DataFrame, adsl: pd.DataFrame, *, arm: str = "TRT01A",
                      visits=None) -> pd.DataFrame:
    """Summarise the glucocorticoid dose by visit, and count the patients whose dose changed from baseline.

    The visits are ``visits``, default ``cleaning.visit_order(doses)``: every visit of ``doses`` with a planned
    week (``AVISITN``, from ``visit_dates``), by week. Per arm and visit:

    - ``n_assessed``: safety patients with a dose at the visit (the visit took place);
    - ``n_on_gc``: of those, patients taking a glucocorticoid (dose > 0);
    - ``n, mean, sd, median, q1, q3, min, max``: the dose (mg/day) of the patients taking a
      glucocorticoid at baseline, at that visit (the same patients at every visit, a stopped
      glucocorticoid counting as 0);
    - ``n_changed``: patients assessed whose dose differs from their baseline dose (started,
      stopped, raised or lowered);
    - ``big_n``: the arm's safety population; ``pct_on_gc`` and ``pct_changed`` are percentages of
      ``n_assessed``.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"], "SAFFL": "Y", "TRT01A": "Bari"})
    >>> doses = pd.DataFrame({"USUBJID": ["1", "1", "2", "2"], "AVISIT": ["Baseline", "Week 12"] * 2,
    ...                       "AVAL": [10.0, 5.0, 0.0, 0.0], "BASE": [10.0, 10.0, 0.0, 0.0],
    ...                       "CHGFL": ["N", "Y", "N", "N"]})
    >>> out = summarize_gc_dose(doses, adsl)
    >>> out[["AVISIT", "n_assessed", "n_on_gc", "n", "mean", "n_changed"]].values.tolist()
    [['Baseline', 2, 1, 1, 10.0, 0], ['Week 12', 2, 1, 1, 5.0, 1]]
    """
    _require_columns(doses, ["USUBJID", "AVISIT", "AVAL", "BASE", "CHGFL"], "glucocorticoid doses")
    visits = tuple(visit_order(doses) if visits is None else visits)
    pop = _safety_population(adsl, arm)
    big_n = compute_big_n(adsl, arm=arm)  # the arms in the tables' order: by code, the control first
    data = doses[doses["AVISIT"].isin(visits)].merge(pop, on="USUBJID", how="inner", validate="many_to_one")
    counts = data.assign(_on=data["AVAL"] > 0, _chg=data["CHGFL"] == "Y").groupby(["arm", "AVISIT"]).agg(
        n_assessed=("USUBJID", "nunique"), n_on_gc=("_on", "sum"), n_changed=("_chg", "sum")).reset_index()
    stats = summarize_continuous(data[data["BASE"] > 0], by=["arm", "AVISIT"], value="AVAL")
    grid = pd.MultiIndex.from_product([list(big_n.index), [v for v in visits if v in set(data["AVISIT"])]],
                                      names=["arm", "AVISIT"]).to_frame(index=False)
    out = grid.merge(counts, how="left").merge(stats, how="left")
    for col in ("n_assessed", "n_on_gc", "n_changed", "n"):
        out[col] = out[col].fillna(0).astype("int64")
    out["big_n"] = out["arm"].map(big_n).astype("int64")
    out["pct_on_gc"] = 100.0 * out["n_on_gc"] / out["n_assessed"]
    out["pct_changed"] = 100.0 * out["n_changed"] / out["n_assessed"]
    return out[["arm", "AVISIT", "n_assessed", "n_on_gc", "pct_on_gc", "n", "mean", "sd", "median", "q1", "q3",
                "min", "max", "n_changed", "pct_changed", "big_n"]]


#: Note of the medication tables of a trial of several arms: their columns are by the first treatment, as the exposure
#: table's (Table 14.1.4), not by the treatment taken, as the safety tables' (``safety.AS_TREATED_NOTE``).
FIRST_TREATMENT_NOTE = ("Columns by the first treatment taken, as in Table 14.1.4: a patient who switched "
                        "treatment counts there, before and after the switch.")


def format_gc_dose(result: pd.DataFrame, *, decimals: int = 1) -> pd.DataFrame:
    """Display frame of ``summarize_gc_dose``: one row per statistic, one column per visit under its arm
    with the arm's N (two-level columns, ``("<arm> (N = n)", "<visit>")``); min and max with the decimals the doses
    need, at most ``decimals`` (``tables.extreme_decimals``).

    Examples
    --------
    >>> res = pd.DataFrame({"arm": "Bari", "AVISIT": ["Week 12"], "n_assessed": [10], "n_on_gc": [5],
    ...                     "n": [5], "mean": [7.5], "sd": [2.5], "median": [7.5], "min": [5.0], "max": [10.0],
    ...                     "n_changed": [0], "big_n": [11]})
    >>> format_gc_dose(res).values.tolist()
    [['Patients assessed', '10'], ['Taking a glucocorticoid, n (%)', '5 (50.0)'], \
['Dose (mg/day) of patients on a glucocorticoid at baseline: n', '5'], ['Mean (SD)', '7.5 (2.50)'], \
['Median', '7.5'], ['Min - Max', '5 - 10'], ['Dose changed from baseline, n (%)', '0']]
    """
    extremes = tables.extreme_decimals([*result["min"], *result["max"]], decimals)
    rows = {
        "Patients assessed": [str(int(n)) for n in result["n_assessed"]],
        "Taking a glucocorticoid, n (%)": [tables.format_n_pct(n, a) for n, a in
                                           zip(result["n_on_gc"], result["n_assessed"])],
        "Dose (mg/day) of patients on a glucocorticoid at baseline: n": [str(int(n)) for n in result["n"]],
        "Mean (SD)": [tables.format_mean_sd(m, s, decimals) for m, s in zip(result["mean"], result["sd"])],
        "Median": [tables.format_number(m, decimals) for m in result["median"]],
        "Min - Max": [tables.format_min_max(lo, hi, extremes) for lo, hi in zip(result["min"], result["max"])],
        "Dose changed from baseline, n (%)": [tables.format_n_pct(n, a) for n, a in
                                              zip(result["n_changed"], result["n_assessed"])],
    }
    columns = pd.MultiIndex.from_tuples([(_arm_header(a, n), v) for a, n, v in
                                         zip(result["arm"], result["big_n"], result["AVISIT"])])
    body = pd.DataFrame(rows, index=columns).T
    body.insert(0, ("", ""), body.index)
    return body.reset_index(drop=True)


#: How each results frame maps onto the ARD (``safety.to_ard(result, analysis_id=..., **ARD_LAYOUTS[kind])``).
ARD_LAYOUTS = MappingProxyType({
    "conmeds": {"columns": {"group": "arm", "avisit": "period", "variable": "cmclas", "category": "cmdecod"},
                "stats": ("n_subjects", "big_n", "pct"), "population": FIRST_TREATMENT_POPULATION,
                "method": "Patients counted once per class and drug; prior = started before the first dose, "
                          "concomitant = taken on at least one day of treatment, after treatment = started after "
                          "the last dose",
                "label": "Prior and concomitant medications by class and drug (CMT01)"},
    "gc_dose": {"columns": {"group": "arm", "avisit": "AVISIT"},
                "stats": ("n_assessed", "n_on_gc", "pct_on_gc", "n", "mean", "sd", "median", "q1", "q3", "min",
                          "max", "n_changed", "pct_changed", "big_n"),
                "population": FIRST_TREATMENT_POPULATION,
                "method": "Prednisone-equivalent dose (mg/day) on the visit date (baseline: first dose); summary of "
                          "the patients on a glucocorticoid at baseline; changed = dose differs from baseline",
                "label": "Glucocorticoid dose by visit"},
})
