"""Efficacy data listings by patient and visit (ICH E3 16.2.6), and the table of analysis sets.

- ``list_essdai_domains``: the activity level of each of the 12 ESSDAI domains, in words, and the
  ESSDAI score, per patient and visit.
- ``list_esspri_pga``: the three ESSPRI items, the ESSPRI and the physician global assessment.
- ``summarize_listed``: how many patients each listing shows per parameter and visit (its ARD rows).
- ``summarize_analysis_sets``: patients enrolled, in the safety and full analysis sets, and with an
  ESSDAI observed at each visit.
- ``describe_visit_windows``: the protocol window of each visit, in words, from the data's schedule.

Listings are display frames: headers in words, values formatted, one row per patient and visit
(patients by ``USUBJID``, visits in ``vocabulary.AVISIT_ORDER``); a value not assessed is blank. The
patient is shown by site and patient number: ``USUBJID`` without the study identifier, which every
patient shares (``"NCT04916756-01-001"`` shows as ``"01-001"``).
"""

import re
from types import MappingProxyType

import numpy as np
import pandas as pd

from analysis_utils import cleaning, dictionary, tables, validation
from analysis_utils.disposition import NOT_RANDOMISED_LABEL
from analysis_utils.safety import TOTAL, _arm_order, _require_columns, _spread_arms
from analysis_utils.visits import visit_weeks
from analysis_utils.vocabulary import (
    AVISIT_ORDER, ESSDAI_DOMAINS, ESSDAI_LEVEL_PARAMCD, ESSPRI_ITEM_PARAMCD, PARAMCD_ESSDAI, PARAMCD_ESSPRI,
    PARAMCD_PGA, patient_label,
)

#: Words of the ESSDAI domain activity levels 0-3: no, low, moderate and high activity
#: (Seror R et al. Ann Rheum Dis 2010;69:1103-9, Table 3; a domain may lack the higher levels).
ESSDAI_LEVEL_WORDS = MappingProxyType({0: "No", 1: "Low", 2: "Moderate", 3: "High"})
#: Column headers of the ESSDAI domains (Seror et al. 2010), in ``vocabulary.ESSDAI_DOMAINS`` order.
ESSDAI_DOMAIN_LABELS = MappingProxyType({
    "constitutional": "Constitutional", "lymphadenopathy": "Lymphadenopathy", "glandular": "Glandular",
    "articular": "Articular", "cutaneous": "Cutaneous", "pulmonary": "Pulmonary", "renal": "Renal",
    "muscular": "Muscular", "pns": "Peripheral nervous system", "cns": "Central nervous system",
    "haematological": "Haematological", "biological": "Biological",
})
#: Parameters of the ESSDAI listing: the 12 domain activity levels and the ESSDAI score.
ESSDAI_LISTING_PARAMCDS = (*(ESSDAI_LEVEL_PARAMCD[d] for d in ESSDAI_DOMAINS), PARAMCD_ESSDAI)
#: The ESSDAI listing in two parts of six domains each, so that each fits the width of a page.
ESSDAI_LISTING_PARTS = (ESSDAI_DOMAINS[:6], ESSDAI_DOMAINS[6:])
#: Columns of the ESSPRI and PGA listing: PARAMCD -> header (scales 0-10: Seror R et al. Ann Rheum Dis
#: 2011;70:968-72 for the ESSPRI; PGA as scored in ``analysis_utils.scoring``).
ESSPRI_PGA_COLUMNS = MappingProxyType({
    ESSPRI_ITEM_PARAMCD["dryness"]: "Dryness (0-10)", ESSPRI_ITEM_PARAMCD["fatigue"]: "Fatigue (0-10)",
    ESSPRI_ITEM_PARAMCD["pain"]: "Pain (0-10)", PARAMCD_ESSPRI: "ESSPRI (0-10)",
    PARAMCD_PGA: "Physician global (0-10)",
})
#: Decimals of the listed values by PARAMCD: the ESSPRI, a mean of three items (thirds), with 2. Other
#: values show as whole numbers when they are, with ``DEFAULT_DECIMALS`` otherwise.
LISTING_DECIMALS = MappingProxyType({PARAMCD_ESSPRI: 2})
DEFAULT_DECIMALS = 1
#: Headers of the key columns of every listing.
KEY_LABELS = MappingProxyType({"USUBJID": "Patient", "TRTP": "Arm", "AVISIT": "Visit", "ADY": "Study day"})
#: Listing note of the ``Arm`` column (a randomised trial: ``_wide``).
ARM_NOTE = "Arm: the arm randomised; a patient who switched treatment stays in it."


def _visit_rank(visits: pd.Series, order=AVISIT_ORDER) -> pd.Series:
    return visits.map({v: i for i, v in enumerate(order)})


def _wide(adeff: pd.DataFrame, paramcds, name: str) -> pd.DataFrame:
    """``USUBJID, AVISIT, ADY`` and one AVAL column per PARAMCD, one row per patient and scheduled visit; with
    ``TRTP`` after ``USUBJID`` when the records hold more than one arm randomised (a randomised trial)."""
    _require_columns(adeff, ["USUBJID", "PARAMCD", "AVISIT", "ADY", "AVAL"], name)
    order = cleaning.visit_order(adeff)  # the schedule's visits, by planned week
    rows = adeff[adeff["PARAMCD"].isin(list(paramcds)) & adeff["AVISIT"].isin(order)]
    dup = rows.duplicated(["USUBJID", "AVISIT", "PARAMCD"])
    if dup.any():
        row = rows[dup].iloc[0]
        raise ValueError(f"{name}: subject {row['USUBJID']!r}, visit {row['AVISIT']!r}: several {row['PARAMCD']} "
                         "records")
    values = rows.pivot(index=["USUBJID", "AVISIT"], columns="PARAMCD", values="AVAL")
    values = values.reindex(columns=list(paramcds))
    # the study day of the visit: the earliest of its listed assessments
    day = rows.groupby(["USUBJID", "AVISIT"])["ADY"].min().rename("ADY")
    out = values.join(day).reset_index()
    if "TRTP" in rows.columns and rows["TRTP"].nunique() > 1:
        out.insert(1, "TRTP", out["USUBJID"].map(rows.groupby("USUBJID")["TRTP"].first()))
    out = out.assign(_rank=_visit_rank(out["AVISIT"], order)).sort_values(["USUBJID", "_rank"], kind="stable")
    return out.drop(columns="_rank").reset_index(drop=True)


def _key_columns(wide: pd.DataFrame) -> pd.DataFrame:
    """``Patient``, ``Arm`` (a randomised trial's), ``Visit`` and ``Study day`` of each row of ``_wide``.

    >>> wide = pd.DataFrame({"USUBJID": ["S-01-001"], "TRTP": ["HCQ 400 mg"], "AVISIT": ["Week 4"], "ADY": [29.0]})
    >>> _key_columns(wide).values.tolist(), _key_columns(wide.drop(columns="TRTP")).columns.tolist()
    ([['01-001', 'HCQ 400 mg', 'Week 4', '29']], ['Patient', 'Visit', 'Study day'])
    """
    day = wide["ADY"].astype("Int64")
    keys = {"USUBJID": wide["USUBJID"].map(patient_label), "TRTP": wide.get("TRTP"), "AVISIT": wide["AVISIT"],
            "ADY": day.astype(str).where(day.notna(), "")}
    return pd.DataFrame({KEY_LABELS[k]: v for k, v in keys.items() if v is not None})


def _format_value(value: float, decimals: int | None = None) -> str:
    """A listed value: blank if missing; ``decimals`` if given, else whole or ``DEFAULT_DECIMALS``."""
    if pd.isna(value):
        return ""
    if decimals is None:
        decimals = 0 if float(value).is_integer() else DEFAULT_DECIMALS
    return tables.format_number(value, decimals)


def _format_values(values: pd.Series, decimals: int | None = None) -> pd.Series:
    """``_format_value`` of each of ``values``, each distinct value formatted once (a listing of 10,000 patients
    holds 200,000 values, of a few hundred distinct ones).

    >>> _format_values(pd.Series([2.0, None, 5 / 3, 2.0])).tolist()
    ['2', '', '1.7', '2']
    """
    return validation.lookup(values, {v: _format_value(v, decimals) for v in values.dropna().unique()}).fillna("")


def list_essdai_domains(adeff: pd.DataFrame, *, domains=ESSDAI_DOMAINS, score: bool = True) -> pd.DataFrame:
    """Listing of the ESSDAI domain activity levels (in words) and the ESSDAI score, by patient and visit.

    Parameters
    ----------
    adeff : DataFrame
        ADEFF (or ADQS plus the ``ESSDAI`` rows) with ``USUBJID, PARAMCD, AVISIT, ADY, AVAL``; levels
        from the ``EDL...`` rows (``vocabulary.ESSDAI_LEVEL_PARAMCD``).
    domains : sequence of str, default ``vocabulary.ESSDAI_DOMAINS``
        The domains to list, in this order (``ESSDAI_LISTING_PARTS`` splits the twelve in two listings
        narrow enough for a page).
    score : bool, default True
        List the ESSDAI score after the domains.

    Returns
    -------
    DataFrame
        ``Patient, Visit, Study day``, one column per domain (``ESSDAI_DOMAIN_LABELS``) with
        ``ESSDAI_LEVEL_WORDS``, and ``ESSDAI score``; blank where not assessed. A patient and visit
        is listed when any ESSDAI level or score was recorded.

    Raises
    ------
    ValueError
        A level outside 0-3 (named by subject, visit and PARAMCD), or a parameter recorded twice at a visit.

    Examples
    --------
    >>> adeff = pd.DataFrame({"USUBJID": "1", "AVISIT": "Baseline", "ADY": 1,
    ...                       "PARAMCD": ["EDLARTIC", "EDLGLAND", "ESSDAI"], "AVAL": [2.0, 0.0, 4.0]})
    >>> row = list_essdai_domains(adeff).iloc[0]
    >>> row[["Patient", "Study day", "Glandular", "Articular", "Renal", "ESSDAI score"]].tolist()
    ['1', '1', 'No', 'Moderate', '', '4']
    """
    levels = [ESSDAI_LEVEL_PARAMCD[d] for d in domains]
    wide = _wide(adeff, ESSDAI_LISTING_PARAMCDS, "ADEFF")
    out = _key_columns(wide)
    for domain, code in zip(domains, levels):
        words = wide[code].map(dict(ESSDAI_LEVEL_WORDS))
        bad = wide[code].notna() & words.isna()
        if bad.any():
            row = wide[bad].iloc[0]
            raise ValueError(f"ADEFF: subject {row['USUBJID']!r}, visit {row['AVISIT']!r}: "
                             f"{code} = {float(row[code])!r} is not an activity level {list(ESSDAI_LEVEL_WORDS)}")
        out[ESSDAI_DOMAIN_LABELS[domain]] = words.fillna("")
    if score:
        out["ESSDAI score"] = _format_values(wide[PARAMCD_ESSDAI])
    return out


def list_esspri_pga(adeff: pd.DataFrame) -> pd.DataFrame:
    """Listing of the ESSPRI items, the ESSPRI and the physician global assessment, by patient and visit.

    The ESSPRI is shown with ``LISTING_DECIMALS`` (2) decimals; the items and the PGA as whole
    numbers, or with ``DEFAULT_DECIMALS`` if not whole (round half up, ``tables.format_number``).

    Examples
    --------
    >>> adeff = pd.DataFrame({"USUBJID": "1", "AVISIT": "Week 12", "ADY": [85, 85, 85, 85, 86],
    ...                       "PARAMCD": ["ESPDRY", "ESPFAT", "ESPPAIN", "ESSPRI", "PGA"],
    ...                       "AVAL": [6.0, 5.0, 5.0, 16 / 3, 4.0]})
    >>> list_esspri_pga(adeff).iloc[0].tolist()
    ['1', 'Week 12', '85', '6', '5', '5', '5.33', '4']
    """
    wide = _wide(adeff, list(ESSPRI_PGA_COLUMNS), "ADEFF")
    out = _key_columns(wide)
    for code, label in ESSPRI_PGA_COLUMNS.items():
        out[label] = _format_values(wide[code], LISTING_DECIMALS.get(code))
    return out


def summarize_listed(adeff: pd.DataFrame, paramcds) -> pd.DataFrame:
    """Count the patients with a value of each parameter at each visit (the ARD rows of a listing).

    Returns
    -------
    DataFrame
        ``PARAMCD, AVISIT, n_subjects``: every parameter of ``paramcds`` (in that order) x visit of
        ``vocabulary.AVISIT_ORDER``, zeros included.

    Examples
    --------
    >>> adeff = pd.DataFrame({"USUBJID": ["1", "2", "1"], "PARAMCD": "PGA", "AVISIT": ["Baseline", "Baseline",
    ...                       "Week 12"], "AVAL": [5.0, None, 3.0]})
    >>> summarize_listed(adeff, ["PGA"])["n_subjects"].tolist()
    [1, 1, 0]
    """
    _require_columns(adeff, ["USUBJID", "PARAMCD", "AVISIT", "AVAL"], "ADEFF")
    rows = adeff[adeff["PARAMCD"].isin(list(paramcds)) & adeff["AVAL"].notna()]
    counts = rows.groupby(["PARAMCD", "AVISIT"])["USUBJID"].nunique().rename("n_subjects")
    grid = pd.MultiIndex.from_product([list(paramcds), list(cleaning.visit_order(adeff))], names=["PARAMCD", "AVISIT"])
    return counts.reindex(grid, fill_value=0).astype("int64").reset_index()


# ---------------------------------------------------------------------------------------------
# analysis sets

#: Rows of the analysis-set table: label -> (definition in words, ADSL flag or ``None`` for every
#: ADSL row). ``cleaning.derive_adsl``: ``SAFFL`` = received at least one dose; ``FASFL`` = the same patients
#: (ICH E9 5.2.1: as close as possible to intention to treat; a dosed patient without a baseline ESSDAI stays in it).
ANALYSIS_SETS = MappingProxyType({
    "Enrolled": ("Every patient enrolled in the study", None),
    "Safety set": ("Enrolled patients who took at least one dose of the study treatment", "SAFFL"),
    "Full analysis set": ("Enrolled patients who took at least one dose, as the safety set, whatever was assessed",
                          "FASFL"),
})
#: Population flag of the per-visit rows (an ESSDAI observed at the visit, in the full analysis set).
VISIT_SET_FLAG = "FASFL"


#: Centre column of ADSL, the stratum of the CMH test and the factor of the ANCOVA (``arms``).
CENTRE = "SITEID"
#: ADSL variable of the randomisation stratum (ADaM IG ``STRATwR``, "strata w randomized"; from the
#: randomisation form's ``STRATUM``, ``cleaning.derive_treatment``).
STRATUM = "STRAT1R"


def strata_variable(adsl: pd.DataFrame, population: str = "FASFL") -> str:
    """The variable the between-arm analyses stratify by (the CMH test; the ANCOVA's factor).

    The randomisation's stratum (``STRATUM``) when every patient of ``population`` has one, else the centre
    (``CENTRE``). The factors of a stratified randomisation belong in the primary analysis (EMA guideline on
    adjustment for baseline covariates, EMA/CHMP/295050/2013): ignored, they make the intervals too wide and
    the test too conservative (Kahan and Morris, Stat Med 2012;31:328-40). A trial randomised by centre has a
    stratum per centre, and the two give the same strata.

    >>> adsl = pd.DataFrame({"SITEID": ["01", "01", "02"], "FASFL": ["Y", "Y", "N"],
    ...                      "STRAT1R": ["ESSDAI 14 OR MORE", "ESSDAI BELOW 14", ""]})
    >>> strata_variable(adsl), strata_variable(adsl.assign(FASFL="Y")), strata_variable(adsl.drop(columns="STRAT1R"))
    ('STRAT1R', 'SITEID', 'SITEID')
    """
    if STRATUM in adsl.columns and adsl.loc[adsl[population] == "Y", STRATUM].fillna("").ne("").all():
        return STRATUM
    return CENTRE


def _randomised(adsl: pd.DataFrame, arm: str) -> pd.DataFrame:
    """The patients randomised: those with an arm ``arm``."""
    return adsl[adsl[arm].fillna("").astype(str).str.strip() != ""]


def summarize_strata(adsl: pd.DataFrame, *, arm: str = "TRT01P", by: str | None = None) -> pd.DataFrame:
    """The patients randomised in each stratum of the randomisation and arm (CONSORT 2010 item 8b: the type of
    randomisation, here its strata), with a ``Total`` arm: ``stratum, arm, n_subjects``, strata sorted, arms in code
    order (``<arm>N``). The stratum is ``STRATUM`` when every patient randomised has one, else the centre
    (``CENTRE``), as the between-arm analyses take it (``strata_variable``); or the values of ``by`` (the centre:
    ``centres_apart``); randomised = an arm.

    >>> adsl = pd.DataFrame({"USUBJID": list("abcd"), "TRT01P": ["T", "C", "T", ""], "TRT01PN": [2, 1, 2, None],
    ...                      "STRAT1R": ["S2", "S1", "S1", ""], "SITEID": "01"})
    >>> summarize_strata(adsl).values.tolist()
    [['S1', 'C', 1], ['S1', 'T', 1], ['S1', 'Total', 2], ['S2', 'C', 0], ['S2', 'T', 1], ['S2', 'Total', 1]]
    """
    randomised = _randomised(adsl, arm)
    arms = _arm_order(adsl, arm, randomised[arm])
    by = by or strata_variable(adsl if "FASFL" in adsl else randomised.assign(FASFL="Y"))  # the tests' strata
    counts = pd.crosstab(randomised[by], pd.Categorical(randomised[arm], categories=arms), dropna=False)
    counts = counts.reindex(columns=arms, fill_value=0).assign(Total=lambda t: t.sum(axis=1))
    long = counts.rename_axis(index="stratum", columns="arm").stack().rename("n_subjects").reset_index()
    return long.astype({"arm": str, "n_subjects": "int64"})[["stratum", "arm", "n_subjects"]]


def centres_apart(adsl: pd.DataFrame, *, arm: str = "TRT01P") -> bool:
    """True when the patients randomised come from several centres (``CENTRE``) that the strata of the randomisation
    (``summarize_strata``) do not show one for one: strata of another factor, or of the centre and another factor
    ("CENTRE 01 / ESSDAI >=10"). ICH E3 (10.1) asks for the patients of each centre; a stratum per centre gives them.

    >>> adsl = pd.DataFrame({"TRT01P": ["T", "C", "T"], "SITEID": ["01", "01", "02"], "FASFL": "Y",
    ...                      "STRAT1R": ["CENTRE 01", "CENTRE 01", "CENTRE 02"]})
    >>> centres_apart(adsl), centres_apart(adsl.assign(STRAT1R=["HIGH", "LOW", "HIGH"]))
    (False, True)
    >>> centres_apart(adsl.assign(SITEID="01")), centres_apart(adsl.assign(STRAT1R=["HIGH", "", "LOW"]))
    (False, False)
    """
    randomised = _randomised(adsl, arm) if arm in adsl else adsl.iloc[:0]
    if CENTRE not in randomised or randomised[CENTRE].nunique() < 2:
        return False
    by = strata_variable(adsl if "FASFL" in adsl else randomised.assign(FASFL="Y"))
    if by == CENTRE:  # strata missing: the analyses and Table 14.1.8 take the centres
        return False
    pairs = randomised[[by, CENTRE]].drop_duplicates()
    return not (len(pairs) == pairs[by].nunique() == pairs[CENTRE].nunique())


#: Table 14.1.8's row of the patients randomised without a stratum (a query, ``stratum_missing``): patients never dosed,
#: outside the full analysis set whose strata the analyses take (``strata_variable``).
NO_STRATUM = "(no stratum)"


def format_strata(result: pd.DataFrame) -> pd.DataFrame:
    """Display frame of ``summarize_strata``: a row per stratum and a Total row, a column per arm and Total.

    >>> one = pd.DataFrame({"stratum": ["S1", "S1"], "arm": ["C", "Total"], "n_subjects": [2, 2]})
    >>> format_strata(one).values.tolist()
    [['S1', '2', '2'], ['Total', '2', '2']]
    """
    wide = result.pivot(index="stratum", columns="arm", values="n_subjects")[list(dict.fromkeys(result["arm"]))]
    wide.index = wide.index.where(wide.index.astype(str).str.strip() != "", NO_STRATUM)  # a patient never dosed
    wide.loc["Total"] = wide.sum()
    return wide.rename_axis(index="Stratum", columns=None).reset_index().astype({c: str for c in wide.columns})


def summarize_analysis_sets(adsl: pd.DataFrame, adeff: pd.DataFrame, *, visits=None,
                            arm: str | None = None) -> pd.DataFrame:
    """Count the patients of each analysis set and, per visit, those with an ESSDAI observed (n, % of enrolled) and, at
    an interim cut, those for whom the visit was not yet due (ADSL's due flags: not missing; every scheduled visit
    has a row, one no patient has reached yet too);
    with ``arm`` (``TRT01P``, a randomised trial) in each arm and in total (``TOTAL``), as CONSORT asks: the sets were
    given for all patients together, and each arm's only in the flow diagram.

    Parameters
    ----------
    adsl : DataFrame
        ``USUBJID`` and the flags of ``ANALYSIS_SETS`` (``SAFFL``, ``FASFL``); every row is an enrolled patient.
    adeff : DataFrame
        ``USUBJID, PARAMCD, AVISIT, AVAL``: a visit counts for a patient of the full analysis set
        with a non-missing ``ESSDAI`` at it.
    visits : sequence of str, default ``cleaning.visit_order(adeff)`` (the scheduled visits, by planned week)
    arm : str, optional
        ADSL column of the arm: a first column ``arm`` with each of its values (in the order of its code ``<arm>N``,
        the control first), the patients without one (``disposition.NOT_RANDOMISED_LABEL``, as the disposition table
        has them: the arms then add up to the total) and ``TOTAL``.

    Returns
    -------
    DataFrame
        ``[arm,] category, definition, n_subjects, big_n, pct`` (``big_n`` = enrolled patients, of the arm).

    Raises
    ------
    ValueError
        A patient twice in ADSL, or a flag that is not ``Y``/``N``.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["1", "2"], "SAFFL": ["Y", "Y"], "FASFL": ["Y", "N"]})
    >>> adeff = pd.DataFrame({"USUBJID": ["1", "2"], "PARAMCD": "ESSDAI", "AVISIT": "Baseline", "AVAL": [9.0, 7.0]})
    >>> summarize_analysis_sets(adsl, adeff, visits=["Baseline"])[["category", "n_subjects", "pct"]].values.tolist()
    [['Enrolled', 2, 100.0], ['Safety set', 2, 100.0], ['Full analysis set', 1, 50.0], \
['ESSDAI observed at baseline', 1, 50.0]]
    """
    flags = [f for _, f in ANALYSIS_SETS.values() if f]
    _require_columns(adsl, ["USUBJID", *flags], "ADSL")
    _require_columns(adeff, ["USUBJID", "PARAMCD", "AVISIT", "AVAL"], "ADEFF")
    dup = adsl["USUBJID"].duplicated()
    if dup.any():
        raise ValueError(f"ADSL: subject {adsl.loc[dup, 'USUBJID'].iloc[0]!r} has more than one row")
    for flag in flags:
        bad = ~adsl[flag].isin(["Y", "N"])
        if bad.any():
            row = adsl[bad].iloc[0]
            raise ValueError(f"ADSL: subject {row['USUBJID']!r}: {flag} = {row[flag]!r}, not 'Y' or 'N'")
    # the week of each visit: of ADEFF, and of each ADSL due flag (a scheduled visit no patient has reached yet)
    week_of = visit_weeks(adeff) if "AVISITN" in adeff else {}
    due = {int(m[1]): c for c in adsl.columns if (m := re.fullmatch(r"DUE(\d+)FL", c))}
    week_of |= {f"Week {w}": w for w in due if w not in week_of.values()}
    if visits is None:
        visits = cleaning.visit_order(pd.DataFrame({"AVISIT": list(week_of), "AVISITN": list(week_of.values())}))
    fas = adsl[VISIT_SET_FLAG] == "Y"
    pending = {v: due[week_of[v]] for v in visits
               if week_of.get(v) in due and (fas & adsl[due[week_of[v]]].eq("N")).any()}
    if arm is None:
        return _set_counts(adsl, adeff, visits, pending)
    _require_columns(adsl, [arm], "ADSL")
    named = adsl[arm].fillna("").astype(str).str.strip().ne("")
    groups = [(a, adsl[named & (adsl[arm] == a)]) for a in _arm_order(adsl, arm, adsl.loc[named, arm])]
    if not named.all():  # enrolled, not randomised (a screen failure, or at an interim cut still in screening)
        groups.append((NOT_RANDOMISED_LABEL, adsl[~named]))
    return pd.concat([_set_counts(sub, adeff, visits, pending).assign(arm=g) for g, sub in [*groups, (TOTAL, adsl)]],
                     ignore_index=True)[["arm", "category", "definition", "n_subjects", "big_n", "pct"]]


def _set_counts(adsl: pd.DataFrame, adeff: pd.DataFrame, visits, pending=None) -> pd.DataFrame:
    """``summarize_analysis_sets`` of the patients of ``adsl``; after each visit of ``pending`` (visit -> its ADSL due
    flag, ``cleaning.due_flag``), the patients of the full analysis set for whom it was not yet due at the data cut
    (the flag ``N``: its window still open)."""
    pending = pending or {}
    big_n = len(adsl)
    rows = [(label, text, len(adsl) if flag is None else int((adsl[flag] == "Y").sum()))
            for label, (text, flag) in ANALYSIS_SETS.items()]
    fas = set(adsl.loc[adsl[VISIT_SET_FLAG] == "Y", "USUBJID"])
    observed = adeff[(adeff["PARAMCD"] == PARAMCD_ESSDAI) & adeff["AVAL"].notna() & adeff["USUBJID"].isin(fas)]
    for visit in visits:
        n = observed.loc[observed["AVISIT"] == visit, "USUBJID"].nunique()
        rows.append((f"ESSDAI observed at {visit[:1].lower() + visit[1:]}",
                     "Full analysis set patients with an ESSDAI score at the visit", n))
        if visit in pending:
            rows.append((f"{visit} not yet due at the data cut", "Full analysis set patients still on study whose "
                         "visit window had not closed (not missing: they may still attend it)",
                         int(((adsl[VISIT_SET_FLAG] == "Y") & adsl[pending[visit]].eq("N")).sum())))
    out = pd.DataFrame(rows, columns=["category", "definition", "n_subjects"])
    out["n_subjects"] = out["n_subjects"].astype("int64")
    out["big_n"] = np.int64(big_n)
    out["pct"] = 100.0 * out["n_subjects"] / big_n if big_n else 0.0
    return out


def format_analysis_sets(result: pd.DataFrame) -> pd.DataFrame:
    """Display frame of ``summarize_analysis_sets``: set, definition and ``n (%)`` of the enrolled patients; by arm, one
    such column per arm and the total, headed with its N (``"HCQ 400 mg (N = 29)"``).

    Examples
    --------
    >>> res = pd.DataFrame({"category": ["Safety set"], "definition": ["Took a dose"], "n_subjects": [11],
    ...                     "big_n": [11], "pct": [100.0]})
    >>> format_analysis_sets(res).values.tolist()
    [['Safety set', 'Took a dose', '11 (100.0)']]
    """
    cells = [tables.format_n_pct(n, big) for n, big in zip(result["n_subjects"], result["big_n"])]
    if "arm" not in result:
        return pd.DataFrame({"Analysis set": result["category"].to_numpy(),
                             "Definition": result["definition"].to_numpy(), "Patients, n (%)": cells})
    return _spread_arms(result, ["category", "definition"], pd.Series(cells)).rename(
        columns={"category": "Analysis set", "definition": "Definition"})


#: ARD layouts (``safety.to_ard(result, analysis_id=..., **ARD_LAYOUTS[kind])``).
ARD_LAYOUTS = MappingProxyType({
    "analysis_sets": {"columns": {"category": "category"}, "stats": ("n_subjects", "big_n", "pct"),
                      "population": "Enrolled patients",
                      "method": "Patients per analysis set; per visit, full analysis set patients with an ESSDAI; "
                                "percentages of the enrolled patients",
                      "label": "Analysis sets"},
    "analysis_sets_by_arm": {"columns": {"group": "arm", "category": "category"},
                             "stats": ("n_subjects", "big_n", "pct"),
                             "population": "Enrolled patients, by arm randomised",
                             "method": "Patients per analysis set; per visit, full analysis set patients with an "
                                       "ESSDAI; percentages of the enrolled patients of the arm",
                             "label": "Analysis sets by arm"},
    "listed": {"columns": {"paramcd": "PARAMCD", "avisit": "AVISIT"}, "stats": ("n_subjects",),
               "population": "Every patient with the assessment",
               "method": "Patients with a value of the parameter at the visit, as listed",
               "label": "Patients listed by parameter and visit"},
})


def describe_visit_windows(bds: pd.DataFrame) -> str:
    """One sentence naming the window of each scheduled visit, from ``bds`` (``AWLO``/``AWHI``), and where they come
    from: without a schedule form the windows are no protocol's but the analysis's (``dictionary.default_schedule``),
    so windows that are all the default's are named so (a schedule of the same windows reads alike); any other, the
    export's schedule.

    The windows are those of the export's schedule (its ``schedule`` form, else the pilot's, as
    ``cleaning.derive_vars_window`` put them on the records), so the sentence is right for any
    schedule: no window is typed into the text. Visits in order of planned week (``AVISITN``);
    visits without a window (unscheduled) are left out; empty when no record has a window.

    Examples
    --------
    >>> bds = pd.DataFrame({"AVISIT": ["Week 12", "Baseline", "Week 12", "Unscheduled"], "AVISITN": [12, 0, 12, None],
    ...                     "AWLO": [71.0, -28.0, 71.0, None], "AWHI": [99.0, 1.0, 99.0, None]})
    >>> describe_visit_windows(bds)
    "Visit windows, in study days (day 1 is the first dose), the analysis's default for the pilot (the export has no \
visit schedule, or one of the same windows): Baseline, day -28 to 1; Week 12, day 71 to 99."
    >>> describe_visit_windows(bds.assign(AWHI=bds["AWHI"] - 7)).split(": ")[0]
    "Visit windows, in study days (day 1 is the first dose), from the export's visit schedule"
    >>> describe_visit_windows(bds.iloc[3:])
    ''
    """
    _require_columns(bds, ["AVISIT", "AVISITN", "AWLO", "AWHI"], "BDS")
    visits = bds.dropna(subset=["AVISITN", "AWLO", "AWHI"]).drop_duplicates("AVISIT")
    if visits.empty:
        return ""
    visits = visits.sort_values(["AVISITN", "AVISIT"], kind="stable")
    windows = "; ".join(f"{v}, day {lo:.0f} to {hi:.0f}" for v, lo, hi in zip(visits["AVISIT"], visits["AWLO"], visits["AWHI"]))
    default = dictionary.default_schedule()
    default = set(zip(default["AVISIT"], default["WINLO"], default["WINHI"]))
    shown = set(zip(visits["AVISIT"], visits["AWLO"], visits["AWHI"]))
    source = ("the analysis's default for the pilot (the export has no visit schedule, or one of the same windows)"
              if shown <= default else "from the export's visit schedule")
    return f"Visit windows, in study days (day 1 is the first dose), {source}: {windows}."
