"""Display of the efficacy ARD: tables (``format_*``) and one-sentence interpretations (``describe_*``).

Both take every number from the ARD rows of ``efficacy_ard`` and round only through ``analysis_utils.tables``
(decimals: ``DISPLAY_DECIMALS``). Visits are those of the ARD, in the order of its ``EFF-VISITS-DUE`` rows
(every post-baseline visit of the schedule, by planned week; baseline first), so that a trial with visits
every 4 weeks shows each of them; a visit's analyses are found by the visit, never by a fixed code.
"""

import math
import re

import pandas as pd

from analysis_utils import tables
from analysis_utils.efficacy_ard import (
    EFFICACY_LAB_PARAMCDS, ENDPOINT_PARAMCDS, POPULATIONS, REMISSION_PARAMCDS, _suffix,
)
from analysis_utils.summaries import ACTIVITY_CATEGORIES
from analysis_utils.vocabulary import ESSDAI_SCORE_PARAMCD, PARAMCD_ESSDAI, RESPONSE_LABELS, param_label

#: Analysis identifier of a paired analysis at one visit: ``EFF-{P}-{V}-{kind}{S}``, the visit's code ``{V}``
#: captured (``visits.visit_code``).
PAIRED_ID = re.compile(r"^EFF-[^-]+-(W\d+(?:\.\d+)?)-")


#: Display decimals of means, medians, quartiles, CIs and min/max by parameter (SD gets one more);
#: 1 unless listed (complement in g/L needs 2). A % change has 1 whatever the parameter (``_decimals``).
DISPLAY_DECIMALS = {"C3": 2, "C4": 2}


#: Display names of the ARD variables.
VARIABLE_LABELS = {"AVAL": "Value", "CHG": "Change from baseline", "PCHG": "% change from baseline"}


def _decimals(paramcd: str, variable: str = "AVAL") -> int:
    """Decimals of ``paramcd``'s ``variable``: ``DISPLAY_DECIMALS`` for values and changes, 1 for a % change (C3's
    % change to two decimals, 0.90 (24.201), was a precision its grams per litre do not give).

    >>> _decimals("C3"), _decimals("C3", "PCHG"), _decimals("ESSDAI", "CHG")
    (2, 1, 1)
    """
    return 1 if variable == "PCHG" else DISPLAY_DECIMALS.get(paramcd, 1)


_CELL_KEYS = ("paramcd", "avisit", "variable", "category")


class _Cells:
    """The ARD's analyses as small wide tables: ``cells(analysis_id)`` is what ``_cell`` returns.

    One pass over the ARD, then each lookup works on a few rows in plain Python (a pandas filter
    and unstack per lookup costs ~100x more, and a table layout makes dozens of lookups).
    """

    def __init__(self, ard: pd.DataFrame):
        self._columns = {c: ard[c].tolist() for c in (*_CELL_KEYS, "stat_name", "stat_value")}
        self._rows: dict[str, list[int]] = {}
        for i, analysis_id in enumerate(ard["analysis_id"].tolist()):
            self._rows.setdefault(analysis_id, []).append(i)

        self._codes: dict[str, str] = {}  # avisit -> visit code of its paired analyses, in ARD order
        for analysis_id, rows in self._rows.items():
            match = PAIRED_ID.match(analysis_id)
            if match:
                self._codes.setdefault(self._columns["avisit"][rows[0]], match.group(1))
        due = [self._columns["avisit"][i] for i in self._rows.get("EFF-VISITS-DUE", [])]
        self._visits = list(dict.fromkeys(due or self._codes))

    def visits(self) -> list:
        """The post-baseline visits, in schedule order: those of ``EFF-VISITS-DUE`` (else of the paired analyses)."""
        return list(self._visits)

    def code(self, avisit: str) -> str | None:
        """The code of ``avisit`` in the paired analyses' identifiers (``W12``), None without such an analysis."""
        return self._codes.get(avisit)

    def rank(self, avisit: pd.Series) -> pd.Series:
        """Display rank of each visit: baseline (any visit not post-baseline) 0, then the schedule's order."""
        return avisit.map({v: i + 1 for i, v in enumerate(self._visits)}).fillna(0)

    def __contains__(self, analysis_id: str) -> bool:
        return analysis_id in self._rows

    def __call__(self, analysis_id: str) -> pd.DataFrame:
        if analysis_id not in self._rows:
            raise KeyError(f"ARD: no rows for analysis_id={analysis_id!r}")
        cells: dict[tuple, dict] = {}
        columns = self._columns
        for i in self._rows[analysis_id]:
            key, name = tuple(columns[c][i] for c in _CELL_KEYS), columns["stat_name"][i]
            stats = cells.setdefault(key, {})
            if name in stats:
                raise ValueError(f"ARD: several values of {name!r} for {analysis_id} {dict(zip(_CELL_KEYS, key))}")
            stats[name] = columns["stat_value"][i]
        names = sorted({name for stats in cells.values() for name in stats})
        return pd.DataFrame([[*key, *(stats.get(n, math.nan) for n in names)] for key, stats in sorted(cells.items())],
                            columns=[*_CELL_KEYS, *names])


def _cell(ard: pd.DataFrame, analysis_id: str) -> pd.DataFrame:
    """Rows of one analysis: one row per key (``_CELL_KEYS``, sorted), one column per stat_name (sorted).

    Examples
    --------
    >>> a = pd.DataFrame({"analysis_id": "A", "paramcd": "P", "avisit": ["W24", "W12", "W12"], "variable": "CHG",
    ...                   "category": "", "stat_name": ["n", "n", "mean"], "stat_value": [9.0, 10.0, -5.5]})
    >>> _cell(a, "A").values.tolist()
    [['P', 'W12', 'CHG', '', -5.5, 10.0], ['P', 'W24', 'CHG', '', nan, 9.0]]
    """
    return _Cells(ard)(analysis_id)


def due_counts(ard: pd.DataFrame, avisit: str) -> tuple[float, float]:
    """(n_fas, n_due) at ``avisit`` from the ARD's ``EFF-VISITS-DUE`` rows (NaN, NaN without them)."""
    return _n_due(_Cells(ard), avisit)


def _n_due(cells: "_Cells", avisit: str) -> tuple[float, float]:
    """(n_fas, n_due) at ``avisit`` from ``EFF-VISITS-DUE`` (NaN, NaN when the ARD has no such rows)."""
    if "EFF-VISITS-DUE" not in cells:
        return math.nan, math.nan
    w = cells("EFF-VISITS-DUE").set_index("avisit")
    if avisit not in w.index:
        return math.nan, math.nan
    return float(w.loc[avisit, "n_fas"]), float(w.loc[avisit, "n_due"])


def analysis_visits(ard: pd.DataFrame) -> list:
    """The visits of the efficacy ARD in schedule order: baseline (the summaries' visits that are not
    post-baseline), then the post-baseline visits (``EFF-VISITS-DUE``, else the paired analyses).

    Examples
    --------
    >>> from analysis_utils.efficacy_ard import summarize_endpoint
    >>> d = pd.DataFrame({"USUBJID": list("ababab"), "PARAMCD": "PGA", "AVISITN": [0, 0, 4, 4, 12, 12],
    ...                   "AVISIT": ["Baseline"] * 2 + ["Week 4"] * 2 + ["Week 12"] * 2,
    ...                   "AVAL": [6.0, 5, 3, 4, 2, 2], "CHG": [None, None, -3.0, -1, -4, -3]})
    >>> analysis_visits(summarize_endpoint(d.assign(PCHG=None), paramcd="PGA"))
    ['Baseline', 'Week 4', 'Week 12']
    """
    cells = _Cells(ard)
    summaries = ard.loc[ard["analysis_id"].str.endswith("-SUMMARY"), "avisit"]
    return [v for v in dict.fromkeys(summaries) if v and v not in cells.visits()] + cells.visits()


def describe_no_data(ard: pd.DataFrame, *, what: str, avisit: str) -> str:
    """Say why ``what`` has no result at ``avisit``: the visit was not yet due at the data cut, or no data.

    Examples
    --------
    >>> adsl = pd.DataFrame({"USUBJID": ["a", "b"], "FASFL": "Y", "DUE12FL": "Y", "DUE24FL": "N"})
    >>> from analysis_utils.efficacy_ard import summarize_visits_due
    >>> describe_no_data(summarize_visits_due(adsl), what="ESSDAI change", avisit="Week 24")
    'ESSDAI change at Week 24: not yet due at the data cut (the visit was due for 0 of 2 patients).'
    >>> describe_no_data(summarize_visits_due(adsl), what="ESSDAI change", avisit="Week 12")
    'ESSDAI change at Week 12: no data at the data cut (the visit was due for 2 of 2 patients).'
    """
    n_fas, n_due = due_counts(ard, avisit)
    return f"{what} at {avisit}: " + ("no data." if math.isnan(n_due) else f"{tables.describe_due(n_due, n_fas)}.")


#: Text of a display table that has no result yet (an early data cut).
NO_DATA_TEXT = tables.NO_DATA_TEXT


def _or_no_data(rows: list, columns) -> pd.DataFrame:
    """``rows`` as a table; one row saying ``NO_DATA_TEXT`` (in the first column) when there are none."""
    if rows:
        return pd.DataFrame(rows)
    return pd.DataFrame([[NO_DATA_TEXT] + [""] * (len(columns) - 1)], columns=list(columns))


def format_summary_table(ard: pd.DataFrame, *, analysis_id) -> pd.DataFrame:
    """Lay out ``EFF-{P}-SUMMARY`` analyses: one row per variable x visit, n, mean (SD), median [Q1, Q3], min - max
    (min and max of a parameter's values and changes with the decimals all of them need, ``tables.extreme_decimals``;
    of a % change, a ratio, with the mean's).

    ``analysis_id`` is one identifier or a list of them (shown in that order); with more than one
    parameter a first column names it.

    Examples
    --------
    >>> from analysis_utils.efficacy_ard import _ard, _stack, summarize_by_visit
    >>> d = pd.DataFrame({"PARAMCD": "ESSDAI", "AVISIT": "Baseline", "AVAL": [8.0, 12.0]})
    >>> a = _stack([_ard(summarize_by_visit(d), analysis_id="EFF-ESSDAI-SUMMARY")])
    >>> format_summary_table(a, analysis_id="EFF-ESSDAI-SUMMARY").iloc[0].tolist()
    ['Baseline', 'Value', '2', '10.0 (2.83)', '10.0 [8.0, 12.0]', '8 - 12']
    """
    ids = [analysis_id] if isinstance(analysis_id, str) else list(analysis_id)
    cells = _Cells(ard)
    w = pd.concat([cells(i).assign(_i=k) for k, i in enumerate(ids)], ignore_index=True)
    w = w.assign(_v=w["variable"].map({v: i for i, v in enumerate(VARIABLE_LABELS)}), _a=cells.rank(w["avisit"]))
    w = w.sort_values(["_i", "paramcd", "_v", "_a"], kind="stable")
    dec = [_decimals(p, v) for p, v in zip(w["paramcd"], w["variable"])]
    ratio = w["variable"].eq("PCHG")  # a % change: the mean's decimals; values and changes: one precision
    ext = [d if r else e for r, d, e in zip(ratio, dec, tables.extreme_decimals_by(
        w["paramcd"] + ratio.map({True: " PCHG", False: ""}), w["min"], w["max"], dec))]
    first = {"Parameter": w["paramcd"].map(param_label).to_numpy()} if w["paramcd"].nunique() > 1 else {}
    return pd.DataFrame({
        **first, "Visit": w["avisit"].to_numpy(), "Variable": w["variable"].map(VARIABLE_LABELS).to_numpy(),
        "n": [tables.format_number(n, 0) for n in w["n"]],
        "Mean (SD)": [tables.format_mean_sd(m, s, d) for m, s, d in zip(w["mean"], w["sd"], dec)],
        "Median [Q1, Q3]": [tables.format_median_q1q3(m, a, b, d) for m, a, b, d in zip(w["median"], w["q1"],
                                                                                          w["q3"], dec)],
        "Min - Max": [tables.format_min_max(a, b, d) for a, b, d in zip(w["min"], w["max"], ext)],
    })


#: Columns of the paired-change table: (spanner, column); the spanner names the test, so that the
#: columns themselves stay short ("p", "V", "r") and the table fits a page.
PAIRED_COLUMNS = (
    ("", "Parameter"), ("", "Visit"), ("", "n"),
    ("Paired t-test", "Mean change (95% CI)"), ("Paired t-test", "p"),
    ("Wilcoxon signed-rank test", "Hodges-Lehmann median (95% CI)"), ("Wilcoxon signed-rank test", "V"),
    ("Wilcoxon signed-rank test", "p"),
    ("Effect size", "Cohen's dz"), ("Effect size", "Rank-biserial r"),
)


def paired_analysis_ids(ard: pd.DataFrame, paramcds, *, approach: str = "OC") -> list[str]:
    """Identifiers of the paired analyses of change that ``format_paired_table`` lays out, in its order.

    At every post-baseline visit of ``ard`` that has paired analyses, in schedule order.

    >>> from analysis_utils.efficacy_ard import summarize_endpoint
    >>> d = pd.DataFrame({"USUBJID": list("abab"), "PARAMCD": "PGA", "AVISIT": ["Baseline"] * 2 + ["Week 4"] * 2,
    ...                   "AVISITN": [0, 0, 4, 4], "AVAL": [6.0, 5, 3, 4], "CHG": [None, None, -3.0, -1]})
    >>> paired_analysis_ids(summarize_endpoint(d.assign(PCHG=None), paramcd="PGA"), ["PGA"])
    ['EFF-PGA-W4-TTEST', 'EFF-PGA-W4-WILCOXON', 'EFF-PGA-W4-HL', 'EFF-PGA-W4-EFFSIZE']
    """
    cells = _Cells(ard)
    return [f"EFF-{p}-{cells.code(v)}-{kind}{_suffix(approach)}" for p in paramcds for v in cells.visits()
            if cells.code(v) for kind in ("TTEST", "WILCOXON", "HL", "EFFSIZE")]


def format_paired_table(ard: pd.DataFrame, *, paramcds, approach: str = "OC") -> pd.DataFrame:
    """Lay out the paired analyses of change: one row per parameter x post-baseline visit.

    Columns (``PAIRED_COLUMNS``, two-level): n; paired t-test mean change (95 % CI) and p; Wilcoxon
    signed-rank Hodges-Lehmann median change (95 % CI), V and p; Cohen's dz and rank-biserial r.
    Parameters by name and unit (``vocabulary.param_label``).
    """
    cells = _Cells(ard)
    out = []
    for paramcd in paramcds:
        for avisit in cells.visits():
            code = cells.code(avisit)
            stem, sfx = f"EFF-{paramcd}-{code}-", _suffix(approach)
            if f"{stem}TTEST{sfx}" not in cells:
                continue
            t, w = cells(f"{stem}TTEST{sfx}").iloc[0], cells(f"{stem}WILCOXON{sfx}").iloc[0]
            hl, es = cells(f"{stem}HL{sfx}").iloc[0], cells(f"{stem}EFFSIZE{sfx}").set_index("category")
            d = _decimals(paramcd)
            out.append(dict(zip(PAIRED_COLUMNS, [
                param_label(paramcd), avisit, tables.format_number(w["n"], 0),
                f"{tables.format_number(t['estimate'], d)} {tables.format_ci(t['ci_lower'], t['ci_upper'], d)}",
                tables.format_pvalue(t["p_value"]),
                f"{tables.format_number(hl['estimate'], d)} {tables.format_ci(hl['ci_lower'], hl['ci_upper'], d)}",
                tables.format_number(w["statistic"], 1), tables.format_pvalue(w["p_value"]),
                tables.format_number(es.loc["cohen_dz", "estimate"], 2),
                tables.format_number(es.loc["rank_biserial", "estimate"], 2),
            ])))
    table = _or_no_data(out, PAIRED_COLUMNS)
    return table.set_axis(pd.MultiIndex.from_tuples(PAIRED_COLUMNS), axis=1)


def format_responder_table(ard: pd.DataFrame, *, analysis_ids) -> pd.DataFrame:
    """Lay out responder analyses: one row per analysis x parameter x visit, n/N (%) and exact 95 % CI (%).

    Parameters and responses in words (``vocabulary.param_label``, ``vocabulary.RESPONSE_LABELS``:
    ``REMARTIC``/``RESPONSE`` shows as ``Articular involvement``/``Remission``); the remissions and ILD improvement
    in the order of ``REMISSION_PARAMCDS`` (the title's, as the table by arm has them), other parameters after them.
    """
    out, cells = [], _Cells(ard)
    population = dict(zip(ard["analysis_id"], ard["population"]))
    for analysis_id in analysis_ids:
        if analysis_id not in cells:  # no patient evaluable yet (an early data cut)
            continue
        w = cells(analysis_id)
        order = w["paramcd"].map({p: i for i, p in enumerate(REMISSION_PARAMCDS)}).fillna(len(REMISSION_PARAMCDS))
        w = w.assign(_p=order, _a=cells.rank(w["avisit"])).sort_values(["_p", "paramcd", "_a"], kind="stable")
        pop = population[analysis_id]
        for _, r in w.iterrows():
            out.append({
                "Parameter": param_label(r["paramcd"]),
                "Response": RESPONSE_LABELS.get(r["paramcd"], r["variable"]) if r["variable"] == "RESPONSE"
                else r["variable"], "Visit": r["avisit"], "Population": pop,
                "n/N (%)": f"{tables.format_number(r['n_responders'], 0)}/{tables.format_number(r['n_evaluable'], 0)}"
                           f" ({tables.format_number(r['pct'], tables.PCT_DECIMALS)})",
                "95% CI (%)": tables.format_ci(100 * r["ci_lower"], 100 * r["ci_upper"], tables.PCT_DECIMALS),
            })
    return _or_no_data(out, ["Parameter", "Response", "Visit", "Population", "n/N (%)", "95% CI (%)"])


def format_category_table(ard: pd.DataFrame, *, analysis_id: str = "EFF-ESSDAI-ACTCAT") -> pd.DataFrame:
    """Lay out the activity categories: one row per visit, N and n (%) of each category."""
    cells = _Cells(ard)
    w = cells(analysis_id)
    w = w.assign(_a=cells.rank(w["avisit"]))
    out = []
    for avisit, rows in w.sort_values("_a", kind="stable").groupby("avisit", sort=False):
        row = {"Visit": avisit, "N": tables.format_number(rows["n_evaluable"].iloc[0], 0)}
        for _, r in rows.iterrows():
            row[r["category"]] = tables.format_n_pct(r["n"], r["n_evaluable"])
        out.append(row)
    levels = [c for c in ACTIVITY_CATEGORIES if c in w["category"].unique()]
    return pd.DataFrame(out, columns=["Visit", "N", *levels])


def sensitivity_analysis_ids(ard: pd.DataFrame, paramcd: str) -> list[str]:
    """Identifiers of the analyses ``format_sensitivity_table`` lays out: the t-tests under observed
    cases, BOCF and LOCF at every post-baseline visit of ``ard``, the mixed model and (ESSDAI) the MCII,
    in the table's order.

    >>> from analysis_utils.efficacy_ard import summarize_endpoint
    >>> d = pd.DataFrame({"USUBJID": list("abab"), "PARAMCD": "PGA", "AVISIT": ["Baseline"] * 2 + ["Week 4"] * 2,
    ...                   "AVISITN": [0, 0, 4, 4], "AVAL": [6.0, 5, 3, 4], "CHG": [None, None, -3.0, -1]})
    >>> sensitivity_analysis_ids(summarize_endpoint(d.assign(PCHG=None), paramcd="PGA"), "PGA")
    ['EFF-PGA-W4-TTEST', 'EFF-PGA-W4-TTEST-BOCF', 'EFF-PGA-W4-TTEST-LOCF', 'EFF-PGA-MIXED']
    """
    cells = _Cells(ard)
    codes = [cells.code(v) for v in cells.visits() if cells.code(v)]
    ids = [f"EFF-{paramcd}-{code}-TTEST{_suffix(a)}" for a in ("OC", "BOCF", "LOCF") for code in codes]
    ids.append(f"EFF-{paramcd}-MIXED")
    if paramcd == PARAMCD_ESSDAI:
        ids += [f"EFF-{paramcd}-MCII{_suffix(a)}" for a in ("OC", "BOCF", "LOCF")]
    return ids


#: Footnote of the tables of ``format_sensitivity_table``.
SENSITIVITY_NOTE = ("p: paired t-test for observed cases, BOCF and LOCF; for the mixed model, t-test of the visit "
                    "coefficient with the within-subject (containment) degrees of freedom. FAS: full analysis set; "
                    "BOCF: baseline observation carried forward; LOCF: last observation carried forward.")
#: Footnote of the ESSDAI table, whose responder columns the mixed model leaves blank.
SENSITIVITY_MCII_NOTE = "MCII: blank for the mixed model, which estimates the mean change only."


def format_sensitivity_table(ard: pd.DataFrame, *, paramcd: str) -> pd.DataFrame:
    """Lay out the change at each post-baseline visit under observed cases, BOCF, LOCF and the mixed model.

    Columns: approach (population label), visit, n, mean change (95 % CI) and its p-value (paired
    t-test for the data sets; for the mixed model, the t-test of the visit coefficient with the
    within-subject containment degrees of freedom, ``mixed_model.fit_mixed_model``), and for ESSDAI the
    MCII n/N (%) with its exact (Clopper-Pearson) 95 % CI, which the table's methods name. One row per approach and
    post-baseline visit of ``ard`` (schedule order); BOCF and LOCF only at a visit with observed cases: at an interim
    cut the pilot's week 24, due for one patient, who had left with no assessment after baseline, showed an MCII of
    0/1 carried forward under a sentence saying that the visit had no data.
    """
    cells = _Cells(ard)
    d, out = _decimals(paramcd), []
    for approach in ("OC", "BOCF", "LOCF", "MIXED"):
        for avisit in cells.visits():
            code = cells.code(avisit)
            if approach == "MIXED":
                m = cells(f"EFF-{paramcd}-MIXED").set_index("avisit")
                if avisit not in m.index:
                    continue
                est = m.loc[avisit]
                n = est["n_subjects"] if not pd.isna(est.get("n_subjects", math.nan)) else m.loc["", "n_subjects"]
            else:
                ident = f"EFF-{paramcd}-{code}-TTEST{_suffix(approach)}"
                if code is None or ident not in cells or f"EFF-{paramcd}-{code}-TTEST" not in cells:
                    continue  # carried forward, with no patient observed at the visit: imputed values only
                est = cells(ident).iloc[0]
                n = cells(f"EFF-{paramcd}-{code}-WILCOXON{_suffix(approach)}").iloc[0]["n"]
            row = {"Parameter": param_label(paramcd), "Analysis": POPULATIONS[approach], "Visit": avisit,
                   "n": tables.format_number(n, 0),
                   "Mean change (95% CI)": f"{tables.format_number(est['estimate'], d)} "
                                           f"{tables.format_ci(est['ci_lower'], est['ci_upper'], d)}",
                   "p": tables.format_pvalue(est["p_value"])}
            mcii = f"EFF-{paramcd}-MCII{_suffix(approach)}"
            if paramcd == PARAMCD_ESSDAI and approach != "MIXED" and mcii in cells \
                    and avisit in set(cells(mcii)["avisit"]):
                r = cells(mcii).set_index("avisit").loc[avisit]
                row["MCII n/N (%)"] = (f"{tables.format_number(r['n_responders'], 0)}/"
                                       f"{tables.format_number(r['n_evaluable'], 0)} "
                                       f"({tables.format_number(r['pct'], tables.PCT_DECIMALS)})")
                row["MCII 95% CI (%)"] = tables.format_ci(100 * r["ci_lower"], 100 * r["ci_upper"], tables.PCT_DECIMALS)
            out.append(row)
    return _or_no_data(out, ["Parameter", "Analysis", "Visit", "n", "Mean change (95% CI)", "p"]).fillna("")


def format_friedman_table(ard: pd.DataFrame, *, paramcds=ENDPOINT_PARAMCDS) -> pd.DataFrame:
    """Lay out the Friedman tests: one row per parameter, complete cases n, chi-square, df, p."""
    cells = _Cells(ard)
    rows = [cells(f"EFF-{p}-FRIEDMAN").iloc[0] for p in paramcds]
    return pd.DataFrame({
        "Parameter": list(paramcds), "n (complete cases)": [tables.format_number(r["n"], 0) for r in rows],
        "Chi-square": [tables.format_number(r["statistic"], 2) for r in rows],
        "df": [tables.format_number(r["df"], 0) for r in rows],
        "p": [tables.format_pvalue(r["p_value"]) for r in rows],
    })


def _p_text(p: float) -> str:
    """``"p = 0.004"`` or ``"p < 0.001"`` for a sentence."""
    shown = tables.format_pvalue(p)
    return f"p < {shown[1:]}" if shown.startswith("<") else f"p = {shown}"


def _ci_side(lo: float, hi: float) -> str:
    """Where a CI of a change lies, in words."""
    if hi < 0:
        return "entirely below zero"
    if lo > 0:
        return "entirely above zero"
    return "which includes zero, so no change is compatible with the data"


def _change_words(ard: pd.DataFrame, paramcd: str, avisit: str, approach: str = "OC") -> dict:
    cells = _Cells(ard)
    code, sfx, d = cells.code(avisit), _suffix(approach), _decimals(paramcd)
    summ = cells(f"EFF-{paramcd}-SUMMARY{sfx}").set_index(["variable", "avisit"])
    t = cells(f"EFF-{paramcd}-{code}-TTEST{sfx}").iloc[0]
    w = cells(f"EFF-{paramcd}-{code}-WILCOXON{sfx}").iloc[0]
    hl = cells(f"EFF-{paramcd}-{code}-HL{sfx}").iloc[0]
    value, change = summ.loc[("AVAL", avisit)], summ.loc[("CHG", avisit)]
    # the patients compared: those with a change; their baseline mean is the visit's mean minus the mean change when
    # every patient with a value at the visit has a change, else the baseline's mean over every patient is given
    paired = value["n"] == change["n"] == w["n"]
    base = summ.loc[("AVAL", "Baseline")]
    return {
        "n": tables.format_number(w["n"], 0),
        "base": (f"{tables.format_number(value['mean'] - change['mean'], d)} at baseline" if paired else
                 f"{tables.format_number(base['mean'], d)} at baseline in {tables.format_number(base['n'], 0)} "
                 "patients"),
        "value": tables.format_number(value["mean"], d),
        "direction": "fell" if t["estimate"] < 0 else "rose",
        "size": tables.format_number(abs(t["estimate"]), d), "ci": tables.format_ci(t["ci_lower"], t["ci_upper"], d),
        "hl": tables.format_number(hl["estimate"], d), "p": _p_text(w["p_value"]),
        "ci_side": _ci_side(t["ci_lower"], t["ci_upper"]),
    }


def describe_change(ard: pd.DataFrame, *, paramcd: str, avisit: str, approach: str = "OC") -> str:
    """Say in one sentence how ``paramcd`` changed from baseline to ``avisit``, from the ARD numbers.

    Examples
    --------
    >>> d = pd.DataFrame({"USUBJID": list("abcabc"), "PARAMCD": "PGA",
    ...                   "AVISIT": ["Baseline"] * 3 + ["Week 12"] * 3, "AVISITN": [0, 0, 0, 12, 12, 12],
    ...                   "AVAL": [6.0, 5, 7, 3, 4, 3], "CHG": [None] * 3 + [-3.0, -1, -4]})
    >>> d["PCHG"] = 100 * d["CHG"] / [6.0, 5, 7, 6, 5, 7]
    >>> from analysis_utils.efficacy_ard import summarize_endpoint
    >>> print(describe_change(summarize_endpoint(d, paramcd="PGA"), paramcd="PGA", avisit="Week 12"))
    PGA fell by 2.7 points on average from baseline to Week 12 in the 3 patients assessed at both (mean 6.0 at \
baseline, 3.3 at Week 12; 95% CI of the mean change (-6.5, 1.1), which includes zero, so no \
change is compatible with the data; median (Hodges-Lehmann) change -2.8; Wilcoxon p = 0.250).

    Patient b not assessed at week 12: the means are those of a and c, the patients compared (baseline 6.5, not the
    6.0 of all three):

    >>> two = summarize_endpoint(d.drop(index=4), paramcd="PGA")
    >>> describe_change(two, paramcd="PGA", avisit="Week 12").split(" (")[1]
    'mean 6.5 at baseline, 3.0 at Week 12; 95% CI of the mean change'
    """
    cells = _Cells(ard)
    if f"EFF-{paramcd}-{cells.code(avisit)}-TTEST{_suffix(approach)}" not in cells:
        return describe_no_data(ard, what=f"Change in {paramcd} from baseline", avisit=avisit)
    x = _change_words(ard, paramcd, avisit, approach)
    return (f"{paramcd} {x['direction']} by {x['size']} points on average from baseline to {avisit} in the "
            f"{x['n']} patients assessed at both (mean {x['base']}, "
            f"{x['value']} at {avisit}; 95% CI of the mean change {x['ci']}, {x['ci_side']}; median (Hodges-Lehmann) "
            f"change {x['hl']}; Wilcoxon {x['p']}).")


def describe_responders(ard: pd.DataFrame, *, analysis_id: str, paramcd: str, avisit: str, what: str) -> str:
    """Say in one sentence how many patients responded (``what``, e.g. "the ESSDAI MCII") at ``avisit``.

    Examples
    --------
    >>> d = pd.DataFrame({"PARAMCD": "ESSDAI", "AVISIT": "Week 24", "CRIT1FL": ["Y"] * 8 + ["N"]})
    >>> from analysis_utils.efficacy_ard import summarize_response
    >>> a = summarize_response(d, paramcd="ESSDAI", flag="CRIT1FL", variable="MCII")
    >>> print(describe_responders(a, analysis_id="EFF-ESSDAI-MCII", paramcd="ESSDAI", avisit="Week 24",
    ...                           what="the ESSDAI MCII (a fall of 3 points or more)"))
    At Week 24, 8 of the 9 patients evaluable (88.9%) reached the ESSDAI MCII (a fall of 3 points or more); \
exact 95% CI 51.8% to 99.7%.
    """
    cells = _Cells(ard)
    r = cells(analysis_id) if analysis_id in cells else pd.DataFrame(columns=["paramcd", "avisit"])
    r = r[(r["paramcd"] == paramcd) & (r["avisit"] == avisit)]
    if r.empty:
        return describe_no_data(ard, what=what[0].upper() + what[1:], avisit=avisit)
    r = r.iloc[0]
    pct = tables.PCT_DECIMALS
    return (f"At {avisit}, {tables.format_number(r['n_responders'], 0)} of the "
            f"{tables.format_number(r['n_evaluable'], 0)} patients evaluable "
            f"({tables.format_number(r['pct'], pct)}%) reached {what}; exact 95% CI "
            f"{tables.format_number(100 * r['ci_lower'], pct)}% to {tables.format_number(100 * r['ci_upper'], pct)}%.")


def describe_sensitivity(ard: pd.DataFrame, *, paramcd: str, avisit: str) -> str:
    """Say in one sentence whether the change at ``avisit`` depends on how missing visits are handled: whether its
    95% CI excludes zero under each approach (the change's size is not judged, nor what caused it)."""
    cells = _Cells(ard)
    d, code = _decimals(paramcd), cells.code(avisit)
    est = {a: cells(f"EFF-{paramcd}-{code}-TTEST{_suffix(a)}").iloc[0] for a in ("OC", "BOCF", "LOCF")
           if f"EFF-{paramcd}-{code}-TTEST{_suffix(a)}" in cells}
    mixed = cells(f"EFF-{paramcd}-MIXED").set_index("avisit") if f"EFF-{paramcd}-MIXED" in cells else None
    if mixed is not None and avisit in mixed.index:
        est["MIXED"] = mixed.loc[avisit]
    if "OC" not in est:
        return describe_no_data(ard, what=f"Change in {paramcd} from baseline", avisit=avisit)
    names = {"OC": "observed cases", "BOCF": "BOCF", "LOCF": "LOCF", "MIXED": "mixed model"}
    values = ", ".join(f"{names[a]} {tables.format_number(e['estimate'], d)}" for a, e in est.items())
    with_zero = [names[a] for a, e in est.items() if e["ci_lower"] <= 0 <= e["ci_upper"]]
    verdict = ("the 95% CI excludes zero under every approach: that the score changed does not depend on how "
               "missing visits are handled" if not with_zero else
               f"the 95% CI includes zero under: {', '.join(with_zero)}")
    return f"Mean change in {paramcd} from baseline to {avisit}: {values}; {verdict}."


def describe_population(ard: pd.DataFrame, *, paramcd: str = PARAMCD_ESSDAI) -> str:
    """Say how many patients of the full analysis set have ``paramcd`` at each visit (observed cases)."""
    cells = _Cells(ard)
    n = cells(f"EFF-{paramcd}-SUMMARY").query("variable == 'AVAL'").set_index("avisit")["n"]
    visits = [v for v in n.index if v not in cells.visits()] + cells.visits()  # baseline, then the schedule
    parts = [f"{tables.format_number(n[v], 0) if v in n.index else '0'} at {v}" for v in visits]
    due = []
    for avisit in cells.visits():
        n_fas, n_due = _n_due(cells, avisit)
        if n_due < n_fas:
            due.append(f"{avisit} was due for {tables.format_number(n_due, 0)} of the "
                       f"{tables.format_number(n_fas, 0)} patients (not yet due for "
                       f"{tables.format_number(n_fas - n_due, 0)})")
    interim = f" At this interim data cut, {'; '.join(due)}." if due else ""
    return f"Patients of the full analysis set with an {paramcd} assessment: {', '.join(parts)}.{interim}"


def describe_categories(ard: pd.DataFrame, *, avisit: str, analysis_id: str = "EFF-ESSDAI-ACTCAT") -> str:
    """Say how the patients assessed at baseline and at ``avisit`` split into activity categories."""
    w = _cell(ard, analysis_id).set_index(["avisit", "category"])
    if (avisit, ACTIVITY_CATEGORIES[0]) not in w.index:
        return describe_no_data(ard, what="ESSDAI activity category", avisit=avisit)

    def split(visit):
        return ", ".join(f"{tables.format_number(w.loc[(visit, c), 'n'], 0)} {c.lower()}"
                         for c in ACTIVITY_CATEGORIES)
    return (f"At baseline the {tables.format_number(w.loc[('Baseline', ACTIVITY_CATEGORIES[0]), 'n_evaluable'], 0)} "
            f"patients had {split('Baseline')} ESSDAI activity; at {avisit} the "
            f"{tables.format_number(w.loc[(avisit, ACTIVITY_CATEGORIES[0]), 'n_evaluable'], 0)} patients assessed "
            f"had {split(avisit)} activity.")


def describe_friedman(ard: pd.DataFrame, *, paramcds=ENDPOINT_PARAMCDS) -> str:
    """Say in one sentence what the Friedman tests across the scheduled visits found (their number from df + 1),
    and, at an interim data cut, for how many patients the visit due for the fewest was due (``EFF-VISITS-DUE``):
    the complete cases are at most those.

    >>> from analysis_utils.efficacy_ard import summarize_visits_due
    >>> adsl = pd.DataFrame({"USUBJID": ["a", "b"], "FASFL": "Y", "DUE12FL": "Y", "DUE24FL": ["Y", "N"]})
    >>> fried = pd.DataFrame({"analysis_id": "EFF-PGA-FRIEDMAN", "avisit": "", "group": "All patients",
    ...                       "stat_name": ["statistic", "df", "p_value", "n"],
    ...                       "stat_value": [math.nan, 2, math.nan, 1]})
    >>> describe_friedman(pd.concat([summarize_visits_due(adsl), fried]), paramcds=["PGA"])
    'Among the patients assessed at all three visits, the Friedman test compares the three visits without assuming \
normality: PGA not computed (n = 1). At the data cut, Week 24 was due for 1 of 2 patients.'
    """
    cells = _Cells(ard)
    rows = {p: cells(f"EFF-{p}-FRIEDMAN").iloc[0] for p in paramcds}
    parts = [f"{p} {_p_text(r['p_value']) if not pd.isna(r['p_value']) else 'not computed'} "
             f"(n = {tables.format_number(r['n'], 0)})" for p, r in rows.items()]
    n_visits = tables.count_words(int(next(iter(rows.values()))["df"]) + 1) if rows else "the"
    due = [(n_due, -i, v, n_fas) for i, v in enumerate(cells.visits()) for n_fas, n_due in [_n_due(cells, v)]
           if n_due < n_fas]
    n_due, _, visit, n_fas = min(due, default=(0, 0, "", 0))  # the visit due for the fewest, the later on a tie
    return (f"Among the patients assessed at all {n_visits} visits, the Friedman test compares the {n_visits} visits "
            f"without assuming normality: {'; '.join(parts)}."
            + (f" At the data cut, {visit} was due for {tables.format_number(n_due, 0)} of "
               f"{tables.format_number(n_fas, 0)} patients." if visit else ""))


def describe_remission(ard: pd.DataFrame, *, avisit: str) -> str:
    """Say, for each remission/improvement parameter, how many involved patients remitted at ``avisit``."""
    cells = _Cells(ard)
    if "EFF-REMISSION" not in cells:
        return describe_no_data(ard, what="Remission among the patients involved at baseline", avisit=avisit)
    w = cells("EFF-REMISSION")
    w = w[w["avisit"] == avisit].set_index("paramcd")
    names = {"REMARTIC": "arthritis remitted", "REMCUTAN": "cutaneous involvement remitted",
             "REMHAEM": "haematological involvement remitted", "ILDIMP": "interstitial lung disease improved"}
    parts = [f"{names.get(p, p)} in {tables.format_number(w.loc[p, 'n_responders'], 0)} of "
             f"{tables.format_number(w.loc[p, 'n_evaluable'], 0)}" for p in REMISSION_PARAMCDS if p in w.index]
    if not parts:
        return f"No patient involved at baseline was assessed for remission at {avisit}."
    return f"At {avisit}, among the patients involved at baseline: {'; '.join(parts)}."


def describe_labs(ard: pd.DataFrame, *, avisit: str, paramcds=EFFICACY_LAB_PARAMCDS) -> str:
    """Say, for each laboratory marker, the mean change to ``avisit``, whether its 95 % CI excludes no change, and
    the p-value of the Wilcoxon signed-rank test, the primary test of a change (``paired_tests``), as
    ``describe_change`` gives it: the t-based CI may include zero where the Wilcoxon test finds a change."""
    cells = _Cells(ard)
    parts = []
    for p in paramcds:
        code = cells.code(avisit)
        if f"EFF-{p}-{code}-TTEST" not in cells:
            continue
        t, w = cells(f"EFF-{p}-{code}-TTEST").iloc[0], cells(f"EFF-{p}-{code}-WILCOXON").iloc[0]
        with_zero = t["ci_lower"] <= 0 <= t["ci_upper"]
        parts.append(f"{param_label(p)} {tables.format_number(t['estimate'], _decimals(p))} "
                     f"{tables.format_ci(t['ci_lower'], t['ci_upper'], _decimals(p))}"
                     f"{', CI includes zero' if with_zero else ''}, Wilcoxon {_p_text(w['p_value'])}")
    if not parts:
        return describe_no_data(ard, what="Change in the laboratory markers", avisit=avisit)
    return f"Mean change from baseline to {avisit} (95% CI) and Wilcoxon signed-rank test: {'; '.join(parts)}."


def _method_kind(method: str) -> str:
    """The name of a method statement: its text before the first comma, semicolon or colon."""
    return re.split(r"[,;:]", method, maxsplit=1)[0].strip()


#: Code in the ARD's method statements and the words a reader sees instead (the ARD keeps the exact
#: statement; only the report's note is reworded). A fragment not found is left alone.
METHOD_WORDS = {
    " (zero_method='wilcox')": "",
    "AVAL ~ C(AVISITN) + random intercept per subject": "of the value on the visit (categorical), random intercept "
                                                       "per patient",
    "as SAS QNTLDEF=5": "the SAS default",
}


def _method_words(method: str) -> str:
    for code, words in METHOD_WORDS.items():
        method = method.replace(code, words)
    return method


def format_methods_note(ard: pd.DataFrame, *, analysis_ids) -> str:
    """Return the methods of ``analysis_ids`` (the ARD ``method`` column) as sentences for a table note.

    Each distinct statement appears once, in the order of ``analysis_ids`` (statements of one method
    next to each other); identifiers without ARD
    rows (an analysis not run at an early data cut) or without a method are skipped. Where one method
    has different statements for different analyses (a Wilcoxon test that dropped zero differences
    at one visit only), each statement is prefixed by the parameter and visit it applies to. Code in
    a statement is put in words (``METHOD_WORDS``).

    Examples
    --------
    >>> a = pd.DataFrame({"analysis_id": ["S", "S", "W1", "W2", "T1", "T2"], "paramcd": "PGA",
    ...                   "avisit": ["", "", "Week 12", "Week 24", "Week 12", "Week 24"],
    ...                   "method": ["n, mean", "n, mean", "Wilcoxon, 1 zero dropped", "Wilcoxon, none dropped",
    ...                              "Paired t-test", "Paired t-test"]})
    >>> format_methods_note(a, analysis_ids=["T1", "T2", "W1", "W2", "S", "X"])
    'Paired t-test. PGA Week 12: Wilcoxon, 1 zero dropped. PGA Week 24: Wilcoxon, none dropped. n, mean.'
    """
    known = ard.drop_duplicates("analysis_id").set_index("analysis_id")
    ids = [i for i in dict.fromkeys(analysis_ids) if i in known.index and str(known.loc[i, "method"]).strip()]
    statements = {}  # method text -> analysis ids that use it
    for i in ids:
        statements.setdefault(_method_words(str(known.loc[i, "method"]).strip()), []).append(i)
    kinds = pd.Series([_method_kind(m) for m in statements]).value_counts()
    rank = {kind: i for i, kind in enumerate(dict.fromkeys(_method_kind(m) for m in statements))}
    parts = []
    for method, users in sorted(statements.items(), key=lambda item: rank[_method_kind(item[0])]):
        if kinds[_method_kind(method)] > 1:
            where = ", ".join(" ".join(p for p in (param_label(known.loc[i, "paramcd"]), known.loc[i, "avisit"]) if p)
                                 for i in users)
            method = f"{where}: {method}" if where else method
        parts.append(method if method.endswith(".") else method + ".")
    return " ".join(parts)


def describe_course(ard: pd.DataFrame, *, paramcd: str, stat: str = "mean") -> str:
    """Say ``stat`` (mean or median) of ``paramcd`` at each visit, with the number of patients assessed.

    Examples
    --------
    >>> d = pd.DataFrame({"PARAMCD": "PGA", "AVISIT": ["Baseline", "Baseline", "Week 12"], "AVAL": [6.0, 5, 3]})
    >>> from analysis_utils.efficacy_ard import _ard, _stack, summarize_by_visit
    >>> a = _stack([_ard(summarize_by_visit(d), analysis_id="EFF-PGA-SUMMARY")])
    >>> describe_course(a, paramcd="PGA")
    'Mean PGA by visit: 5.5 at Baseline (n = 2), 3.0 at Week 12 (n = 1).'
    """
    cells = _Cells(ard)
    w = cells(f"EFF-{paramcd}-SUMMARY").query("variable == 'AVAL'")
    w = w.assign(_a=cells.rank(w["avisit"])).sort_values("_a", kind="stable").set_index("avisit")
    parts = [f"{tables.format_number(w.loc[v, stat], _decimals(paramcd))} at {v} "
             f"(n = {tables.format_number(w.loc[v, 'n'], 0)})" for v in w.index]
    return f"{stat.capitalize()} {paramcd} by visit: {', '.join(parts)}."


def describe_domains(ard: pd.DataFrame, *, avisits=("Baseline", "Week 24"), top: int = 3) -> str:
    """Say which ESSDAI domains had the highest mean scores at ``avisits`` (from ``EFF-EDS-SUMMARY``)."""
    w = _cell(ard, "EFF-EDS-SUMMARY")
    names = {code: d for d, code in ESSDAI_SCORE_PARAMCD.items()}
    parts = []
    for avisit in avisits:
        if not (w["avisit"] == avisit).any():
            parts.append(f"at {avisit}, no data at the data cut")
            continue
        v = w[(w["avisit"] == avisit) & (w["mean"] > 0)].sort_values(["mean", "paramcd"], ascending=[False, True])
        listed = ", ".join(f"{names.get(p, p)} {tables.format_number(m, 1)}" for p, m in
                           zip(v["paramcd"].head(top), v["mean"].head(top)))
        parts.append(f"at {avisit}, {listed or 'no domain scored'}")
    return f"Domains with the highest mean scores (weight x level): {'; '.join(parts)}."
