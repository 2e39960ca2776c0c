"""Missing post-baseline visits filled by carried-forward records: LOCF and BOCF.

Observed cases on the full analysis set are the primary analysis (each patient's visits as attended).
Side by side: BOCF (``impute_bocf``: the baseline record fills a missed visit, so a dropout is unchanged
and an MCII non-responder) and LOCF (``impute_locf``: the last observed record). The visits filled are the
scheduled post-baseline visits of the data (``visits.visit_weeks``: every visit with a planned week, by
week), so that a schedule of weeks 4, 8, ... 24 is filled visit by visit. At an interim data cut only the
visits due are filled (``visits.visits_due``): a visit not yet due is not missing.
"""

import pandas as pd

from analysis_utils.visits import visit_weeks


#: Responder flags on change from baseline: a record carried from baseline is a non-responder.
CHANGE_CRITERIA = ("CRIT1FL", "CRIT2FL")


def _observed(data: pd.DataFrame) -> pd.DataFrame:
    """Keep the observed records (no ``DTYPE`` or a blank one) that have a value."""
    keep = data["AVAL"].notna()
    if "DTYPE" in data.columns:
        keep &= data["DTYPE"].fillna("").eq("")
    return data[keep]


def _missing_slots(data: pd.DataFrame, subjects, visits, due=None) -> pd.DataFrame:
    """Subject x parameter x post-baseline visit cells without an observed value, for pairs with a baseline.

    ``visits``: ``{AVISIT: AVISITN}`` of the schedule (``_schedule``). With ``due`` (``visits_due``: the
    ``USUBJID, AVISIT`` pairs due at the data cut), only due cells.
    """
    obs = _observed(data)
    pairs = obs.loc[obs["AVISITN"].eq(0) & obs["USUBJID"].isin(list(subjects)), ["USUBJID", "PARAMCD"]]
    post = pd.DataFrame({"AVISIT": [v for v, week in visits.items() if week != 0]})
    post["AVISITN"] = post["AVISIT"].map(visits).astype(data["AVISITN"].dtype)
    grid = pairs.drop_duplicates().merge(post, how="cross")
    seen = obs[["USUBJID", "PARAMCD", "AVISITN"]].drop_duplicates().assign(_seen=True)
    grid = grid.merge(seen, on=["USUBJID", "PARAMCD", "AVISITN"], how="left")
    grid = grid[grid["_seen"].isna()].drop(columns="_seen")
    if due is not None:
        grid = grid.merge(due[["USUBJID", "AVISIT"]].drop_duplicates(), on=["USUBJID", "AVISIT"], how="inner")
    return grid.reset_index(drop=True)


def _schedule(data: pd.DataFrame, visits) -> dict:
    """``{AVISIT: AVISITN}`` of the visits to fill: the scheduled visits of ``data`` (``visits.visit_weeks``)
    when ``visits`` is None, ``visits`` itself when it is such a dict, else the visits listed with their weeks
    (from ``data``, else ``vocabulary.AVISITN``)."""
    if visits is None:
        return visit_weeks(data)
    if isinstance(visits, dict):
        return dict(visits)
    return visit_weeks(data[data["AVISIT"].isin(list(visits))], default=[v for v in visits
                                                                          if v not in set(data["AVISIT"])])


def _carried_records(data: pd.DataFrame, slots: pd.DataFrame, source: pd.Series, dtype: str) -> pd.DataFrame:
    """Build the carried records: the source record's values at the missing visit, CHG/PCHG recomputed."""
    rows = data.loc[source.to_numpy()].reset_index(drop=True)
    from_baseline = rows["AVISITN"].eq(0).to_numpy()
    rows["AVISIT"], rows["AVISITN"], rows["DTYPE"] = slots["AVISIT"].to_numpy(), slots["AVISITN"].to_numpy(), dtype
    rows["CHG"] = rows["AVAL"] - rows["BASE"]
    rows["PCHG"] = (100.0 * rows["CHG"] / rows["BASE"]).where(rows["BASE"] != 0)
    if "ABLFL" in rows.columns:
        rows["ABLFL"] = "N"
    for flag in CHANGE_CRITERIA:
        if flag in rows.columns:
            has_flag = rows["PARAMCD"].isin(data.loc[data[flag].isin(["Y", "N"]), "PARAMCD"].unique())
            rows.loc[from_baseline & has_flag.to_numpy(), flag] = "N"
    return rows


def _with_carried(data: pd.DataFrame, slots: pd.DataFrame, carried: pd.DataFrame) -> pd.DataFrame:
    key = ["USUBJID", "PARAMCD", "AVISITN"]
    base = data.assign(DTYPE=data["DTYPE"].fillna("") if "DTYPE" in data.columns else "")
    hit = base[key].merge(slots[key].assign(_slot=True), on=key, how="left")["_slot"].notna().to_numpy()
    out = pd.concat([base[~hit], carried], ignore_index=True)
    return out.sort_values(key + ["DTYPE"], kind="stable").reset_index(drop=True)


def impute_locf(data: pd.DataFrame, *, subjects, visits=None, due=None) -> pd.DataFrame:
    """Fill missing post-baseline visits by last observation carried forward (``DTYPE = "LOCF"``).

    For every subject in ``subjects`` (the FAS) and parameter with an observed baseline, a
    post-baseline visit in ``visits`` (default: the scheduled visits of ``data``, ``visits.visit_weeks``, so
    every visit some patient attended) without an observed value gets a copy of the latest earlier
    observed record (the baseline one if there is no post-baseline value at all), with the visit
    replaced, ``CHG``/``PCHG`` recomputed and ``DTYPE = "LOCF"``. Value-based flags (CRIT3FL,
    AVALCAT1) travel with the value; change-based flags (``CHANGE_CRITERIA``) are copied from a
    post-baseline source and set to ``"N"`` when the source is the baseline (no change, no response).
    Observed records are kept with ``DTYPE = ""``; a record without a value at a filled visit is dropped.
    With ``due`` (``visits_due``), only the visits due at the data cut are filled: a visit not yet due is
    not missing.

    Examples
    --------
    >>> d = pd.DataFrame({"USUBJID": ["a", "a", "b"], "PARAMCD": "ESSDAI",
    ...                   "AVISIT": ["Baseline", "Week 12", "Baseline"], "AVISITN": [0, 12, 0],
    ...                   "AVAL": [10.0, 6.0, 8.0], "BASE": [10.0, 10.0, 8.0],
    ...                   "CHG": [None, -4.0, None], "PCHG": [None, -40.0, None], "CRIT1FL": ["", "Y", ""]})
    >>> out = impute_locf(d, subjects=["a", "b"], visits=["Baseline", "Week 12", "Week 24"])
    >>> out[["USUBJID", "AVISITN", "AVAL", "CRIT1FL", "DTYPE"]].values.tolist()
    [['a', 0, 10.0, '', ''], ['a', 12, 6.0, 'Y', ''], ['a', 24, 6.0, 'Y', 'LOCF'], ['b', 0, 8.0, '', ''], \
['b', 12, 8.0, 'N', 'LOCF'], ['b', 24, 8.0, 'N', 'LOCF']]
    """
    data = data.reset_index(drop=True)
    slots = _missing_slots(data, subjects, _schedule(data, visits), due)
    obs = _observed(data)
    src = obs[["USUBJID", "PARAMCD", "AVISITN"]].assign(_src=obs.index).sort_values("AVISITN", kind="stable")
    left = slots.reset_index().sort_values("AVISITN", kind="stable")
    found = pd.merge_asof(left, src.astype({"AVISITN": left["AVISITN"].dtype}), on="AVISITN",
                          by=["USUBJID", "PARAMCD"], direction="backward", allow_exact_matches=False)
    found = found.sort_values("index").reset_index(drop=True)
    return _with_carried(data, slots, _carried_records(data, slots, found["_src"].astype(int), "LOCF"))


def impute_bocf(data: pd.DataFrame, *, subjects, visits=None, due=None) -> pd.DataFrame:
    """Fill missing post-baseline visits by baseline observation carried forward (``DTYPE = "BOCF"``).

    As ``impute_locf`` but the carried record is always the baseline one: a patient without a
    value at the visit counts as unchanged, hence a non-responder for MCII (``CHANGE_CRITERIA`` = "N").
    With ``due`` (``visits_due``), only the visits due at the data cut are filled.

    Examples
    --------
    >>> d = pd.DataFrame({"USUBJID": ["a", "a"], "PARAMCD": "ESSDAI", "AVISIT": ["Baseline", "Week 12"],
    ...                   "AVISITN": [0, 12], "AVAL": [10.0, 6.0], "BASE": [10.0, 10.0],
    ...                   "CHG": [None, -4.0], "PCHG": [None, -40.0], "CRIT1FL": ["", "Y"]})
    >>> out = impute_bocf(d, subjects=["a"], visits=["Baseline", "Week 12", "Week 24"])
    >>> out[["AVISITN", "AVAL", "CHG", "CRIT1FL", "DTYPE"]].values.tolist()
    [[0, 10.0, nan, '', ''], [12, 6.0, -4.0, 'Y', ''], [24, 10.0, 0.0, 'N', 'BOCF']]
    """
    data = data.reset_index(drop=True)
    slots = _missing_slots(data, subjects, _schedule(data, visits), due)
    obs = _observed(data)
    base = obs.loc[obs["AVISITN"].eq(0), ["USUBJID", "PARAMCD"]].assign(_src=obs.index[obs["AVISITN"].eq(0)])
    dup = base.duplicated(["USUBJID", "PARAMCD"], keep=False)
    if dup.any():
        first = base.loc[dup].iloc[0]
        raise ValueError(f"BOCF: several baseline records for subject {first['USUBJID']}, {first['PARAMCD']}")
    found = slots.merge(base, on=["USUBJID", "PARAMCD"], how="left")
    return _with_carried(data, slots, _carried_records(data, slots, found["_src"].astype(int), "BOCF"))
