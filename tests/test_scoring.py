"""Tests of analysis_utils.scoring: hand-worked values, every boundary on both sides, and a naive
re-implementation of ESSDAI compared over random level combinations (hypothesis)."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis_utils import scoring
from analysis_utils.scoring import (
    check_pga, compute_biol_level_from_labs, compute_essdai, compute_essdai_category, compute_essdai_mcii,
    compute_esspri, compute_esspri_mcii, compute_esspri_pass, compute_haem_level_from_labs,
    derive_adeff, derive_lab_level_queries, essdai_domain_scores, is_esspri_mcii,
)

DOMAINS = ["constitutional", "lymphadenopathy", "glandular", "articular", "cutaneous", "pulmonary",
           "renal", "muscular", "pns", "cns", "haematological", "biological"]

# Typed by hand from Seror et al. 2010, Table 3, independently of the module.
NAIVE_TABLE = {
    "constitutional": (3, [0, 1, 2]), "lymphadenopathy": (4, [0, 1, 2, 3]), "glandular": (2, [0, 1, 2]),
    "articular": (2, [0, 1, 2, 3]), "cutaneous": (3, [0, 1, 2, 3]), "pulmonary": (5, [0, 1, 2, 3]),
    "renal": (5, [0, 1, 2, 3]), "muscular": (6, [0, 1, 2, 3]), "pns": (5, [0, 1, 2, 3]),
    "cns": (5, [0, 2, 3]), "haematological": (2, [0, 1, 2, 3]), "biological": (1, [0, 1, 2]),
}


def naive_essdai(row: dict) -> int:
    total = 0
    for domain, (weight, allowed) in NAIVE_TABLE.items():
        level = row[domain]
        if level not in allowed:
            raise ValueError(domain)
        total += weight * level
    return total


def one_row(**levels) -> pd.DataFrame:
    return pd.DataFrame({d: [levels.get(d, 0)] for d in DOMAINS})


# --- ESSDAI totals and levels ------------------------------------------------------------------------

def test_compute_essdai_all_zero_is_0_and_all_maximum_is_123():
    maxima = dict(zip(DOMAINS, [2, 3, 2, 3, 3, 3, 3, 3, 3, 3, 3, 2]))
    assert compute_essdai(one_row()).tolist() == [0.0]
    assert compute_essdai(one_row(**maxima)).tolist() == [123.0]
    assert scoring.ESSDAI_MAX == 123


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("level", [0, 1, 2, 3])
def test_each_domain_alone_scores_weight_times_level_or_raises(domain, level):
    weight, allowed = NAIVE_TABLE[domain]
    if level in allowed:
        assert compute_essdai(one_row(**{domain: level})).tolist() == [float(weight * level)]
        assert essdai_domain_scores(one_row(**{domain: level}))[domain].tolist() == [float(weight * level)]
    else:
        with pytest.raises(ValueError, match=rf"'{domain}': value {level} at row 0 is not allowed"):
            compute_essdai(one_row(**{domain: level}))


@pytest.mark.parametrize("bad", [-1, 4, 1.5, "x"])
def test_compute_essdai_rejects_levels_outside_0_3_and_non_integers(bad):
    levels = pd.DataFrame({d: [0, 0] for d in DOMAINS}, index=["S1-BL", "S2-W12"]).astype(object)
    levels.loc["S2-W12", "renal"] = bad
    with pytest.raises(ValueError, match=rf"'renal': value {bad!r} at row 'S2-W12'"):
        compute_essdai(levels)


def test_compute_essdai_missing_domain_gives_nan_and_missing_column_raises():
    levels = pd.DataFrame({d: [1.0, 1.0] for d in DOMAINS}).assign(cns=[0.0, np.nan])
    total = compute_essdai(levels)
    assert total.iloc[0] == 3 + 4 + 2 + 2 + 3 + 5 + 5 + 6 + 5 + 0 + 2 + 1
    assert np.isnan(total.iloc[1])
    with pytest.raises(ValueError, match=r"missing column\(s\) \['pns'\]"):
        compute_essdai(levels.drop(columns="pns"))


def test_compute_essdai_keeps_the_index_and_domain_scores_sum_to_total():
    levels = pd.DataFrame({d: [1, 2] for d in DOMAINS}, index=[10, 20]).assign(cns=[2, 3])
    total = compute_essdai(levels)
    assert total.index.tolist() == [10, 20]
    pd.testing.assert_series_equal(essdai_domain_scores(levels).sum(axis=1), total, check_names=False)


valid_rows = st.fixed_dictionaries({d: st.sampled_from(allowed) for d, (_, allowed) in NAIVE_TABLE.items()})


@settings(max_examples=60, deadline=None)
@given(st.lists(valid_rows, min_size=1, max_size=50))
def test_compute_essdai_matches_naive_implementation(rows):
    levels = pd.DataFrame(rows, columns=DOMAINS)
    assert compute_essdai(levels).tolist() == [float(naive_essdai(r)) for r in rows]


@settings(max_examples=100, deadline=None)
@given(valid_rows, st.sampled_from(DOMAINS),
       st.one_of(st.integers(min_value=-3, max_value=7), st.floats(min_value=-2, max_value=6, allow_nan=False)))
def test_compute_essdai_raises_whenever_a_level_is_not_allowed(row, domain, level):
    row = {**row, domain: level}
    if float(level).is_integer() and int(level) in NAIVE_TABLE[domain][1]:
        assert compute_essdai(pd.DataFrame([row])).tolist() == [float(naive_essdai({**row, domain: int(level)}))]
    else:
        with pytest.raises(ValueError, match=domain):
            compute_essdai(pd.DataFrame([row]))


# --- categories and MCII --------------------------------------------------------------------------------

def test_compute_essdai_category_boundaries_4_5_13_14():
    got = compute_essdai_category(pd.Series([0, 4, 5, 13, 14, 123, np.nan]))
    assert got.tolist() == ["Low", "Low", "Moderate", "Moderate", "High", "High", ""]


def test_compute_essdai_mcii_3_point_change_is_mcii_2_point_is_not():
    got = compute_essdai_mcii(pd.Series([10.0, 10.0, 10.0, np.nan]), pd.Series([7.0, 8.0, 13.0, 5.0]))
    assert got.tolist() == [True, False, False, pd.NA]


def test_the_waterfall_line_is_the_essdai_mcii_as_a_change():
    from analysis_utils import responders

    assert responders.ESSDAI_MCII_CHANGE == -3.0  # a decrease of 3 points (Seror 2016), drawn at change -3


# --- ESSPRI and PGA -------------------------------------------------------------------------------------

def test_compute_esspri_mean_of_three_items_and_missing_item_gives_nan():
    items = pd.DataFrame({"dryness": [6, 8, 5], "fatigue": [6, 0, np.nan], "pain": [6, 0, 3]})
    got = compute_esspri(items)
    assert got.iloc[0] == 6.0 and got.iloc[1] == 8 / 3 and np.isnan(got.iloc[2])


@pytest.mark.parametrize("bad", [11, -1, 2.5])
def test_compute_esspri_rejects_items_outside_0_10_or_non_integer(bad):
    items = pd.DataFrame({"dryness": [5], "fatigue": [bad], "pain": [5]})
    with pytest.raises(ValueError, match=rf"'fatigue': value {bad!r} at row 0"):
        compute_esspri(items)


def test_compute_esspri_pass_boundary_below_5():
    assert compute_esspri_pass(pd.Series([14 / 3, 5.0, 16 / 3, np.nan])).tolist() == [True, False, False, pd.NA]


def test_compute_esspri_mcii_on_item_sums_one_point_and_15_percent_rules():
    # (base sum, follow-up sum) -> MCII; ESSPRI = sum / 3.
    cases = {
        (18, 15): True,    # 6.0 -> 5.0: exactly 1 point
        (8, 5): True,      # 2.67 -> 1.67: exactly 1 point (naive float gives 0.9999999999999998)
        (30, 28): False,   # 10.0 -> 9.33: 0.67 point, 6.7 %
        (13, 11): True,    # 4.33 -> 3.67: 0.67 point but 15.4 % (200 >= 195)
        (14, 12): False,   # 4.67 -> 4.0: 0.67 point, 14.3 % (200 < 210)
        (0, 0): False,     # baseline 0: only the 1-point rule applies
        (3, 3): False,
    }
    base, fu = zip(*cases)
    assert compute_esspri_mcii(pd.Series(base), pd.Series(fu)).tolist() == list(cases.values())
    assert compute_esspri_mcii(pd.Series([np.nan]), pd.Series([3.0])).tolist() == [pd.NA]


def test_is_esspri_mcii_on_float_values_with_tolerance():
    base = pd.Series([6.0, 4.0, 6.0, 8 / 3, 2.3, 0.0, 4.0])
    fu = pd.Series([5.0, 3.4, 5.4, 5 / 3, 1.3, 0.0, 3.41])
    assert 8 / 3 - 5 / 3 < 1  # the binary-float trap the tolerance exists for
    assert is_esspri_mcii(base, fu).tolist() == [True, True, False, True, True, False, False]


@pytest.mark.parametrize("bad", [11, 55, -1])
def test_check_pga_rejects_values_outside_0_10(bad):
    with pytest.raises(ValueError, match=rf"PGA: value {bad} at row 1 is outside the 0-10 scale"):
        check_pga(pd.Series([5, bad]))


# --- lab-implied levels ---------------------------------------------------------------------------------

def haem(**values) -> pd.DataFrame:
    normal = {"NEUT": 4.0, "LYM": 2.0, "PLAT": 250.0, "HGB": 135.0}
    return pd.DataFrame([{**normal, **values}])


@pytest.mark.parametrize("code, value, level", [
    ("NEUT", 1.5, 0), ("NEUT", 1.49, 1), ("NEUT", 1.01, 1), ("NEUT", 1.0, 2), ("NEUT", 0.5, 2), ("NEUT", 0.49, 3),
    ("NEUT", 0.1 + 0.9, 2),  # 0.9999999999999999 x 10^9/L is 1000 cells/µL
    ("HGB", 120, 0), ("HGB", 119, 1), ("HGB", 101, 1), ("HGB", 100, 2), ("HGB", 80, 2), ("HGB", 79, 3),
    ("PLAT", 150, 0), ("PLAT", 149, 1), ("PLAT", 101, 1), ("PLAT", 100, 2), ("PLAT", 50, 2), ("PLAT", 49, 3),
    ("LYM", 1.0, 0), ("LYM", 0.99, 1), ("LYM", 0.51, 1), ("LYM", 0.5, 2), ("LYM", 0.2, 2), ("LYM", 0.0, 2),
])
def test_compute_haem_level_from_labs_boundaries(code, value, level):
    assert compute_haem_level_from_labs(haem(**{code: value})).tolist() == [float(level)]


def test_compute_haem_level_takes_the_worst_item_and_skips_missing_ones():
    labs = pd.concat([haem(NEUT=1.2, HGB=75.0), haem(NEUT=np.nan, LYM=0.4),
                      haem(NEUT=np.nan, LYM=np.nan, PLAT=np.nan, HGB=np.nan)], ignore_index=True)
    assert compute_haem_level_from_labs(labs).tolist()[:2] == [3.0, 2.0]
    assert np.isnan(compute_haem_level_from_labs(labs).iloc[2])


def biol(**values) -> pd.DataFrame:
    normal = {"IGG": 12.0, "C3": 1.0, "C3LLN": 0.9, "C4": 0.2, "C4LLN": 0.1, "MCOMP": "NEGATIVE", "CRYO": "NEGATIVE"}
    return pd.DataFrame([{**normal, **values}])


@pytest.mark.parametrize("values, level", [
    ({"IGG": 16.0}, 0), ({"IGG": 16.1}, 1), ({"IGG": 20.0}, 1), ({"IGG": 20.1}, 2),
    ({"IGG": 5.0}, 0), ({"IGG": 4.9}, 2),
    ({"C3": 0.89}, 1), ({"C3": 0.9}, 0), ({"C4": 0.09}, 1), ({"C4": 0.1}, 0),
    ({"MCOMP": "POSITIVE"}, 1), ({"CRYO": "POSITIVE"}, 2),
    ({"IGG": np.nan, "C3": np.nan, "C4": np.nan}, 0),  # scored from the items available (decision (b))
])
def test_compute_biol_level_from_labs_boundaries(values, level):
    assert compute_biol_level_from_labs(biol(**values)).tolist() == [float(level)]


def test_compute_biol_level_is_nan_without_any_item():
    labs = biol(IGG=np.nan, C3=np.nan, C4=np.nan, MCOMP=np.nan, CRYO=np.nan)
    assert np.isnan(compute_biol_level_from_labs(labs).iloc[0])


# --- the efficacy BDS -----------------------------------------------------------------------------------

VISITS = {"Baseline": 0, "Week 12": 12, "Week 24": 24}
LEVEL_CODES = {d: "EDL" + c for d, c in zip(DOMAINS, ["CONST", "LYMPH", "GLAND", "ARTIC", "CUTAN", "PULM",
                                                      "RENAL", "MUSC", "PNS", "CNS", "HAEM", "BIOL"])}


def make_adqs(levels: dict, esspri: dict, pga: dict, ild: dict | None = None, attribution="Y") -> pd.DataFrame:
    """Item-level adqs for subject S1 from {visit: {domain: level}}, {visit: (dry, fat, pain)}, {visit: pga}."""
    rows = []

    def add(visit, parcat, code, aval=np.nan, avalc=""):
        rows.append({"STUDYID": "NCT04916756", "USUBJID": "S1", "PARCAT1": parcat, "PARAMCD": code,
                     "PARAM": code, "AVISIT": visit, "AVISITN": VISITS[visit],
                     "ADT": pd.Timestamp("2021-07-01") + pd.Timedelta(days=7 * VISITS[visit]),
                     "ADY": 1 + 7 * VISITS[visit], "AVAL": aval, "AVALC": avalc,
                     "ABLFL": "Y" if visit == "Baseline" else "N"})

    for visit, lv in levels.items():
        for d in DOMAINS:
            add(visit, "ESSDAI", LEVEL_CODES[d], float(lv.get(d, 0)))
        add(visit, "ESSDAI", "EDHAEMDR", 1.0 if attribution == "Y" else 0.0, attribution)
    for visit, items in esspri.items():
        for code, value in zip(("ESPDRY", "ESPFAT", "ESPPAIN"), items):
            add(visit, "ESSPRI", code, float(value))
    for visit, value in pga.items():
        add(visit, "PGA", "PGA", float(value))
    for visit, (symptoms, hrct) in (ild or {}).items():
        add(visit, "ILD", "ILDSYMP", avalc=symptoms)
        add(visit, "ILD", "ILDHRCT", avalc=hrct)
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def adqs():
    return make_adqs(
        levels={"Baseline": {"articular": 2, "cutaneous": 1, "biological": 1},   # 4 + 3 + 1 = 8
                "Week 12": {"articular": 1, "biological": 1},                     # 2 + 1 = 3
                "Week 24": {"articular": 0, "cutaneous": 1, "biological": 2}},    # 3 + 2 = 5
        esspri={"Baseline": (8, 0, 0), "Week 12": (5, 0, 0), "Week 24": (6, 0, 1)},
        pga={"Baseline": 6, "Week 12": 3, "Week 24": 0},
        ild={"Week 12": ("IMPROVED", "STABLE"), "Week 24": ("IMPROVED", "IMPROVED")},
    )


@pytest.fixture(scope="module")
def adeff(adqs):
    return derive_adeff(adqs)


def param(adeff: pd.DataFrame, code: str) -> pd.DataFrame:
    return adeff[adeff["PARAMCD"] == code].reset_index(drop=True)


def test_derive_adeff_has_the_contract_columns(adeff):
    assert list(adeff.columns) == ["STUDYID", "USUBJID", "PARCAT1", "PARAMCD", "PARAM", "AVISIT", "AVISITN",
                                   "ADT", "ADY", "AVAL", "AVALC", "ABLFL", "BASE", "CHG", "PCHG", "CRIT1",
                                   "CRIT1FL", "CRIT2", "CRIT2FL", "CRIT3", "CRIT3FL", "AVALCAT1"]
    assert not adeff[["CRIT1FL", "CRIT2FL", "CRIT3FL", "AVALCAT1", "AVALC", "ABLFL"]].isna().any().any()


def test_derive_adeff_essdai_totals_change_mcii_and_category(adeff):
    expected = pd.DataFrame({
        "AVISIT": ["Baseline", "Week 12", "Week 24"], "AVAL": [8.0, 3.0, 5.0], "BASE": [8.0, 8.0, 8.0],
        "CHG": [np.nan, -5.0, -3.0], "PCHG": [np.nan, -62.5, -37.5],  # no change at the baseline record
        "CRIT1FL": ["", "Y", "Y"], "AVALCAT1": ["Moderate", "Low", "Moderate"], "ABLFL": ["Y", "N", "N"],
    })
    got = param(adeff, "ESSDAI")[list(expected.columns)]
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_derive_adeff_domain_scores_and_pchg_nan_when_base_is_0(adeff):
    artic = param(adeff, "EDSARTIC")
    assert artic["AVAL"].tolist() == [4.0, 2.0, 0.0] and artic["PARCAT1"].eq("ESSDAI").all()
    biol = param(adeff, "EDSBIOL")
    assert biol["AVAL"].tolist() == [1.0, 1.0, 2.0] and biol["PCHG"].tolist()[1:] == [0.0, 100.0]
    assert np.isnan(biol["PCHG"].iloc[0])  # the baseline record: no change from itself
    renal = param(adeff, "EDSRENAL")
    assert renal["AVAL"].tolist() == [0.0, 0.0, 0.0] and renal["PCHG"].isna().all()


def test_derive_adeff_esspri_mcii_and_pass(adeff):
    esspri = param(adeff, "ESSPRI")
    # sums 8 -> 5 (exactly 1 point: MCII) -> 7 (0.33 point, 12.5 %: no MCII).
    assert esspri["AVAL"].tolist() == [8 / 3, 5 / 3, 7 / 3]
    assert esspri["CRIT2FL"].tolist() == ["", "Y", "N"]
    assert esspri["CRIT3FL"].tolist() == ["Y", "Y", "Y"]
    assert esspri["CRIT2"].tolist()[1] == scoring.CRIT_LABELS["CRIT2"]


def test_derive_adeff_pga_rows_with_change(adeff):
    pga = param(adeff, "PGA")
    assert pga["CHG"].tolist()[1:] == [-3.0, -6.0] and pga["PCHG"].tolist()[1:] == [-50.0, -100.0]
    assert pga[["CHG", "PCHG"]].iloc[0].isna().all()  # the baseline record


def test_derive_adeff_remission_among_subjects_involved_at_baseline(adeff):
    artic = param(adeff, "REMARTIC")
    assert artic[["AVISIT", "AVAL", "AVALC", "PARCAT1"]].values.tolist() == [
        ["Week 12", 0.0, "N", "RESPONSE"], ["Week 24", 1.0, "Y", "RESPONSE"]]
    assert param(adeff, "REMCUTAN")["AVALC"].tolist() == ["Y", "N"]
    assert param(adeff, "REMHAEM").empty  # not involved at baseline


def test_derive_adeff_ild_improvement_needs_symptoms_and_hrct_improved(adeff):
    ild = param(adeff, "ILDIMP")
    assert ild[["AVISIT", "AVAL", "AVALC"]].values.tolist() == [["Week 12", 0.0, "N"], ["Week 24", 1.0, "Y"]]


def test_derive_adeff_invalid_level_names_subject_visit_domain_and_value(adqs):
    bad = adqs.copy()
    bad.loc[(bad["PARAMCD"] == "EDLCONST") & (bad["AVISIT"] == "Week 12"), "AVAL"] = 3.0
    with pytest.raises(ValueError, match=r"'constitutional': value 3.0 at row \('S1', 'Week 12'\)"):
        derive_adeff(bad)


def test_derive_adeff_pga_out_of_scale_raises(adqs):
    bad = adqs.copy()
    bad.loc[bad["PARAMCD"] == "PGA", "AVAL"] = [6.0, 55.0, 0.0]
    with pytest.raises(ValueError, match=r"PGA: value 55.0 at row \('S1', 'Week 12'\)"):
        derive_adeff(bad)


# --- lab-versus-physician queries -----------------------------------------------------------------------

def make_adlb(visit: str, **values) -> pd.DataFrame:
    normal = {"NEUT": 4.0, "LYM": 2.0, "PLAT": 250.0, "HGB": 135.0, "IGG": 18.0, "C3": 1.0, "C4": 0.2}
    rows = [{"USUBJID": "S1", "AVISIT": visit, "PARAMCD": k, "AVAL": v, "AVALC": "",
             "ANRLO": {"C3": 0.9, "C4": 0.1}.get(k, np.nan)} for k, v in {**normal, **values}.items()]
    rows += [{"USUBJID": "S1", "AVISIT": visit, "PARAMCD": k, "AVAL": np.nan, "AVALC": "NEGATIVE",
              "ANRLO": np.nan} for k in ("MCOMP", "CRYO")]
    return pd.DataFrame(rows).assign(ANL01FL="Y")


def test_derive_lab_level_queries_reports_drug_lymphopenia_and_keeps_physician_level():
    adqs = make_adqs(levels={"Baseline": {"biological": 1}, "Week 12": {"biological": 1}},
                     esspri={}, pga={}, attribution="N")
    adlb = pd.concat([make_adlb("Baseline"), make_adlb("Week 12", LYM=0.45)], ignore_index=True)
    q = derive_lab_level_queries(adqs, adlb)
    assert q[["source", "file", "USUBJID", "AVISIT", "variable", "value"]].values.tolist() == [
        ["scoring", "adlb", "S1", "Week 12", "haematological", "recorded 0, lab-implied 2"]]
    assert "physician's level 0, lab-implied level 2" in q["message"].iloc[0]
    assert "LYM 0.45 10^9/L" in q["message"].iloc[0] and "disease-related: N" in q["message"].iloc[0]
    # not disease-related, level 0 is the rule's: the query asks about the attribution, not the level
    assert q["message"].iloc[0].endswith("the cytopenia scores 0, as recorded; please confirm that attribution.")
    levels = {"Baseline": {"biological": 1}, "Week 12": {"biological": 1}}
    unattributed = derive_lab_level_queries(make_adqs(levels=levels, esspri={}, pga={}, attribution="Y"), adlb)
    assert unattributed["message"].iloc[0].endswith("The physician's level is kept; please confirm or correct it.")
    # The recorded level is what adeff scores.
    assert param(derive_adeff(adqs), "EDSHAEM")["AVAL"].tolist() == [0.0, 0.0]


def test_derive_lab_level_queries_biological_igg_boundary_and_no_query_when_levels_agree():
    adqs = make_adqs(levels={"Baseline": {"biological": 1}, "Week 12": {"biological": 1}}, esspri={}, pga={})
    adlb = pd.concat([make_adlb("Baseline", IGG=20.0), make_adlb("Week 12", IGG=20.1)], ignore_index=True)
    q = derive_lab_level_queries(adqs, adlb)
    assert q[["AVISIT", "variable", "value"]].values.tolist() == [
        ["Week 12", "biological", "recorded 1, lab-implied 2"]]
    assert "IGG 20.1 g/L" in q["message"].iloc[0]


def test_lab_level_queries_read_the_sample_analysed_of_a_repeated_test():
    """Week 12's lymphocytes drawn twice: 0.45 first, 2.0 on the repeat, which the analyses read (ANL01FL): no
    query; unscheduled samples are not read either."""
    adqs = make_adqs(levels={"Baseline": {"biological": 1}, "Week 12": {"biological": 1}}, esspri={}, pga={})
    first = make_adlb("Week 12", LYM=0.45).query("PARAMCD == 'LYM'").assign(ANL01FL="N")
    unscheduled = make_adlb("Unscheduled", LYM=0.3).assign(ANL01FL="N")
    repeat = make_adlb("Week 12")
    adlb = pd.concat([make_adlb("Baseline"), first, repeat, unscheduled], ignore_index=True)
    assert derive_lab_level_queries(adqs, adlb).empty
    first_read = pd.concat([make_adlb("Baseline"), first.assign(ANL01FL="Y"),
                            repeat.assign(ANL01FL=np.where(repeat["PARAMCD"] == "LYM", "N", "Y")), unscheduled])
    assert derive_lab_level_queries(adqs, first_read)["value"].tolist() == ["recorded 0, lab-implied 2"]


def test_derive_lab_level_queries_flags_level_recorded_for_non_disease_cytopenia():
    adqs = make_adqs(levels={"Baseline": {"haematological": 2, "biological": 1}}, esspri={}, pga={},
                     attribution="N")
    q = derive_lab_level_queries(adqs, make_adlb("Baseline", LYM=0.5))
    assert q["rule"].tolist() == ["cytopenia not disease-related but haematological level > 0"]


def test_duplicate_records_raise_naming_subject_visit_and_parameter(adqs):
    twice = pd.concat([adqs, adqs[adqs["PARAMCD"] == "EDLRENAL"].head(1)], ignore_index=True)
    with pytest.raises(ValueError, match="duplicate EDLRENAL record for S1 at Baseline"):
        derive_adeff(twice)
    adlb = pd.concat([make_adlb("Baseline"), make_adlb("Baseline").head(1)], ignore_index=True)
    with pytest.raises(ValueError, match="duplicate NEUT result for S1 at Baseline"):
        derive_lab_level_queries(adqs, adlb)


def test_derive_vars_base_chg_two_baselines_raise():
    bds = pd.DataFrame({"USUBJID": ["S1", "S1"], "PARAMCD": ["PGA", "PGA"], "ABLFL": ["Y", "Y"],
                        "AVAL": [5.0, 6.0]})
    with pytest.raises(ValueError, match="more than one baseline .* S1, PGA"):
        scoring.derive_vars_base_chg(bds)
