"""Interim data cuts of the shipped 11-patient trial: counts at the cut, visits due, imputation denominators.

The expected numbers are worked out by hand from the raw CSVs of data/raw (the same trial as
``synthetic.generate_trial()``):

- demographics.csv ``CONSDT``: 001 2021-06-19, 002 06-24, 003 06-25, 004 06-30, ... 011 07-26 (enrolled at the cut
  when consented on or before it);
- exposure.csv ``EXSTDT`` (first dose, study day 1): 001 06-28, 002 07-01, 003 07-05, 004 07-08, 005 07-12,
  006 07-15, 007 07-19, 008 07-22, 009 07-26, 010 07-29, 011 08-02;
- disposition.csv: 007 ADVERSE EVENT 2021-08-15, 010 LOST TO FOLLOW-UP 2021-11-18; COMPLETED 001 12-13,
  002 12-18, 003 12-19, 005 12-25, 004 12-26, 006 12-30, 008 2022-01-07, 009 01-14, 011 01-19;
- visits.csv: week 12 for all but 007 (009's on 2021-11-03 = study day 101); week 24 for all but 007 and 010.

Windows (validation.VISIT_WINDOWS): week 12 closes after study day 85 + 14 = 99, week 24 after 169 + 14 = 183.
The study day of a cut is ``cut - first dose + 1``.
"""

import pandas as pd
import pytest

from analysis_utils import cleaning, disposition, endpoints, scoring
from analysis_utils.ard import get_stat


def _cut(tables, cutoff):
    data = cleaning.derive_all(tables, data_cutoff=cutoff)
    return data["adsl"], scoring.derive_adeff(data["adqs"]), data["adlb"]


def _status(adsl):
    return {s: int((adsl["EOSSTT"] == s).sum()) for s in ("COMPLETED", "DISCONTINUED", "ONGOING")}


def _subjects(adsl, flag):
    return sorted(adsl.loc[adsl[flag] == "Y", "SUBJID"])


@pytest.fixture(scope="module")
def cuts():
    from analysis_utils import synthetic
    trial = synthetic.generate_trial()
    return {c: _cut(trial, c) for c in ("2021-08-20", "2021-11-01", "2021-12-20", "2022-01-31")}


@pytest.fixture(scope="module")
def efficacy(cuts):
    return {c: endpoints.summarize_efficacy(*data) for c, data in cuts.items()}


def test_visit_due_rule_hand_worked():
    # First dose 2021-07-26 (subject 009): the cut 2021-11-01 is study day 99, the last day of the week-12 window,
    # so the window has not closed; on 2021-11-02 (day 100) it has.
    first = pd.Series(pd.to_datetime(["2021-07-26"]))
    ongoing, absent = pd.Series(["ONGOING"]), pd.Series([False])
    assert cleaning.compute_visit_due(first, ongoing, absent, pd.Timestamp("2021-11-01"), "W12").tolist() == ["N"]
    assert cleaning.compute_visit_due(first, ongoing, absent, pd.Timestamp("2021-11-02"), "W12").tolist() == ["Y"]
    # Week 24 closes after day 183: 2021-07-26 + 182 days = 2022-01-24 is day 183.
    assert cleaning.compute_visit_due(first, ongoing, absent, pd.Timestamp("2022-01-24"), "W24").tolist() == ["N"]
    assert cleaning.compute_visit_due(first, ongoing, absent, pd.Timestamp("2022-01-25"), "W24").tolist() == ["Y"]
    # A subject who left the study, or attended the visit, has it due whatever the cut.
    left = cleaning.compute_visit_due(first, pd.Series(["DISCONTINUED"]), absent, pd.Timestamp("2021-08-01"), "W24")
    assert left.tolist() == ["Y"]
    came = cleaning.compute_visit_due(first, ongoing, pd.Series([True]), pd.Timestamp("2021-10-20"), "W12")
    assert came.tolist() == ["Y"]
    assert "window" in cleaning.VISIT_DUE_RULE and dict(cleaning.DUE_FLAGS) == {"W12": "DUE12FL", "W24": "DUE24FL"}


@pytest.mark.parametrize("cutoff, status, due12, due24", [
    # 08-20: only 007 has left (AE on 08-15); the earliest first dose (06-28) puts the cut on day 54 < 99.
    ("2021-08-20", {"COMPLETED": 0, "DISCONTINUED": 1, "ONGOING": 10}, ["007"], ["007"]),
    # 11-01: 010 leaves only on 11-18. Week 12 attended by 9 (not 007, not 009: visit on 11-03) and due for 007
    # (left); 009's cut day is 99, so its window is still open. Week 24: 007 only.
    ("2021-11-01", {"COMPLETED": 0, "DISCONTINUED": 1, "ONGOING": 10},
     ["001", "002", "003", "004", "005", "006", "007", "008", "010", "011"], ["007"]),
    # 12-20: 001, 002, 003 completed, 007 and 010 left; 004 (day 166), 005, 006, 008, 009, 011 are ongoing with
    # their week-24 window (day 155-183) still open.
    ("2021-12-20", {"COMPLETED": 3, "DISCONTINUED": 2, "ONGOING": 6},
     [f"{i:03d}" for i in range(1, 12)], ["001", "002", "003", "007", "010"]),
    ("2022-01-31", {"COMPLETED": 9, "DISCONTINUED": 2, "ONGOING": 0},
     [f"{i:03d}" for i in range(1, 12)], [f"{i:03d}" for i in range(1, 12)]),
])
def test_status_and_visits_due_at_each_cut(cuts, cutoff, status, due12, due24):
    adsl = cuts[cutoff][0]
    assert len(adsl) == 11 and _status(adsl) == status and sum(status.values()) == len(adsl)
    assert _subjects(adsl, "DUE12FL") == due12 and _subjects(adsl, "DUE24FL") == due24
    assert adsl["DCUTDT"].eq(pd.Timestamp(cutoff)).all()
    assert disposition.is_final_cut(adsl) == (cutoff == "2022-01-31")
    disp = disposition.summarize_disposition(adsl).set_index(["category", "reason"])["n_subjects"]
    assert (disp[("Completed week 24", "")], disp[("Discontinued", "")], disp[("Ongoing at data cut-off", "")]) == (
        status["COMPLETED"], status["DISCONTINUED"], status["ONGOING"])


def test_a_cut_before_the_last_consent_leaves_out_the_patients_not_yet_enrolled(synthetic_export):
    # 2021-06-28: consented 001 (06-19), 002 (06-24), 003 (06-25); only 001 dosed (06-28, study day 1).
    adsl = cleaning.derive_all(synthetic_export, data_cutoff="2021-06-28")["adsl"]
    assert adsl["SUBJID"].tolist() == ["001", "002", "003"]
    assert _subjects(adsl, "SAFFL") == ["001"] and adsl["TRTDURD"].dropna().tolist() == [1]
    assert _status(adsl)["ONGOING"] == 3 and adsl["DUE12FL"].eq("N").all()


def test_a_cut_before_the_first_dose_stops_with_a_clear_message(synthetic_export):
    with pytest.raises(ValueError, match=r"data cut 2021-06-25 is before the first dose of the study \(2021-06-28\)"):
        cleaning.derive_all(synthetic_export, data_cutoff="2021-06-25")


def test_a_cut_after_the_exports_date_stops_and_without_a_cut_a_build_takes_that_date(synthetic_export):
    """The export was taken on 2022-01-31 (form study, EXPORTDT) and holds nothing recorded after it: on 2022-02-01 a
    visit whose window closed that day would count as missing though it may have taken place."""
    assert cleaning.export_date(synthetic_export) == "2022-01-31"
    with pytest.raises(ValueError, match=r"data cut 2022-02-01 is after the export's date \(2022-01-31, form study, "
                                         r"EXPORTDT\)"):
        cleaning.derive_all(synthetic_export, data_cutoff="2022-02-01")
    adsl = cleaning.derive_all(synthetic_export, data_cutoff="2022-01-31")["adsl"]  # on the day itself: the final cut
    assert disposition.is_final_cut(adsl) and adsl["DCUTDT"].eq(pd.Timestamp("2022-01-31")).all()
    # final though the cut is 12 days after the last dose, within the 30 days of the TEAE window: adverse events
    # are collected until the end of study, and no patient is on study (docs/decisions.md, "Interim or final")
    window = (adsl["DCUTDT"] - adsl["TRTEDT"]).dt.days
    assert window.min() == 12 and (window < cleaning.TRTEM_WINDOW_DAYS).sum() == 3


@pytest.mark.parametrize("cutoff, visit, n_observed, n_imputed_bocf", [
    ("2021-08-20", "Week 12", 0, 1),   # 007 only: left before week 12
    ("2021-11-01", "Week 12", 9, 10),  # + 007; 009 (not yet due) is not imputed
    ("2021-11-01", "Week 24", 0, 1),   # 007 only
    ("2021-12-20", "Week 24", 3, 5),   # 001-003 observed + 007, 010 (left); the 6 ongoing are not imputed
    ("2022-01-31", "Week 24", 9, 11),  # every visit due: 9 observed + 007, 010
])
def test_imputed_denominators_count_only_the_visits_due(efficacy, cutoff, visit, n_observed, n_imputed_bocf):
    ard = efficacy[cutoff]

    def n(suffix):
        where = dict(analysis_id=f"EFF-ESSDAI-SUMMARY{suffix}", paramcd="ESSDAI", avisit=visit, variable="AVAL")
        try:
            return get_stat(ard, "n", **where)
        except KeyError:
            return 0
    assert n("") == n_observed and n("-BOCF") == n_imputed_bocf and n("-LOCF") == n_imputed_bocf
    assert get_stat(ard, "n_due", analysis_id="EFF-VISITS-DUE", avisit=visit) == n_imputed_bocf


def test_mcii_at_week_24_of_the_december_cut(efficacy):
    # Before the fix BOCF gave 2/11: the 6 patients not yet due counted as non-responders.
    ard = efficacy["2021-12-20"]

    def mcii(suffix):
        where = dict(analysis_id=f"EFF-ESSDAI-MCII{suffix}", paramcd="ESSDAI", avisit="Week 24")
        return get_stat(ard, "n_responders", **where), get_stat(ard, "n_evaluable", **where)
    # 007 (no post-baseline value) is carried from baseline under both; 010 carries its week-12 value under
    # LOCF (an MCII at week 12) and its baseline under BOCF.
    assert mcii("") == (2, 3) and mcii("-BOCF") == (2, 5) and mcii("-LOCF") == (3, 5)
    # The mixed model's week-24 estimate uses the 5 patients due at week 24; week 12 all 11.
    mixed = dict(analysis_id="EFF-ESSDAI-MIXED", paramcd="ESSDAI")
    assert get_stat(ard, "n_subjects", avisit="Week 24", **mixed) == 5
    assert get_stat(ard, "n_subjects", avisit="", **mixed) == 11


def test_final_cut_mixed_model_is_one_fit_on_everyone(efficacy, cuts):
    ard = efficacy["2022-01-31"]
    rows = ard[(ard["analysis_id"] == "EFF-ESSDAI-MIXED")]
    assert set(rows.loc[rows["avisit"] == "Week 24", "stat_name"]) == {"estimate", "ci_lower", "ci_upper", "p_value", "df"}
    adsl, adeff, _ = cuts["2022-01-31"]
    alone = endpoints.fit_mixed_model(endpoints._observed(endpoints.select_fas(adeff, adsl).query(
        "PARAMCD == 'ESSDAI'")))
    assert rows["stat_value"].tolist() == alone["stat_value"].tolist()


def test_sentences_and_tables_say_not_yet_due(efficacy):
    ard = efficacy["2021-08-20"]
    assert endpoints.describe_change(ard, paramcd="ESSDAI", avisit="Week 12") == (
        "Change in ESSDAI from baseline at Week 12: no data at the data cut (the visit was due for 1 of 11 patients).")
    assert "not yet due" not in endpoints.describe_change(ard, paramcd="ESSDAI", avisit="Week 12")
    assert endpoints.format_paired_table(ard, paramcds=["ESSDAI"]).iloc[0, 0] == endpoints.NO_DATA_TEXT
    assert endpoints.format_responder_table(ard, analysis_ids=["EFF-ESSDAI-MCII"]).iloc[0, 0] == endpoints.NO_DATA_TEXT
    december = efficacy["2021-12-20"]
    assert endpoints.describe_population(december).endswith(
        "At this interim data cut, Week 24 was due for 5 of the 11 patients (not yet due for 6).")
    assert "interim" not in endpoints.describe_population(efficacy["2022-01-31"])


def test_completed_without_week_24_visit_is_counted_once(synthetic_export):
    # 011 is recorded COMPLETED but its week-24 visit and assessments are taken out: counted completed (the CRF),
    # the visit is due (011 left the study), so BOCF fills it, and the cut is final.
    t = {k: v.copy() for k, v in synthetic_export.items()}
    for name in ("visits", "essdai", "esspri", "pga", "ild"):
        t[name] = t[name][~((t[name]["SUBJID"] == "011") & (t[name]["VISIT"] == "W24"))]
    adsl, adeff, adlb = _cut(t, "2022-01-31")
    assert _status(adsl) == {"COMPLETED": 9, "DISCONTINUED": 2, "ONGOING": 0}
    row = adsl.set_index("SUBJID").loc["011"]
    assert (row["COMP24FL"], row["DUE24FL"]) == ("N", "Y") and disposition.is_final_cut(adsl)
    ard = endpoints.summarize_efficacy(adsl, adeff, adlb)
    assert get_stat(ard, "n", analysis_id="EFF-ESSDAI-SUMMARY", avisit="Week 24", variable="AVAL") == 8
    assert get_stat(ard, "n", analysis_id="EFF-ESSDAI-SUMMARY-BOCF", avisit="Week 24", variable="AVAL") == 11


def test_visit_deviations_on_the_derived_data(cuts):
    # 009: first dose 2021-07-26, week 12 on 2021-11-03 = study day 101, 2 days after the window (71-99).
    adsl, adeff, _ = cuts["2022-01-31"]
    listing = disposition.list_visit_deviations(adeff)
    assert listing[["USUBJID", "AVISIT", "ADY", "WINDOW", "DAYSOUT"]].values.tolist() == [
        ["NCT04916756-01-009", "Week 12", 101, "day 71 to 99", 2]]
    counts = disposition.summarize_visit_deviations(adeff).set_index(["avisit", "stat_name"])["stat_value"]
    assert counts[("Week 12", "n_visits")] == 10 and counts[("Week 24", "n_visits")] == 9
    # At 2021-11-01 009's week-12 visit has not happened yet: nothing to list.
    assert disposition.list_visit_deviations(cuts["2021-11-01"][1]).empty


def test_every_scheduled_visit_has_its_own_due_flag_at_an_interim_cut():
    """The randomised example visits every 4 weeks (schedule.csv: week 4 window day 22-36, week 8 day 50-64,
    week 12 day 78-92). Patient 001 took the first dose on 2021-01-04, so a cut on 2021-03-15 is its study
    day 71: weeks 4 and 8 are due (attended, windows closed), week 12 is not (window open, not attended).
    Week 4 is due whatever week 12 is: a due visit is never inferred from a later one when ADSL flags it."""
    from analysis_utils import synthetic, visits

    data = cleaning.derive_all(synthetic.generate_randomised_trial(), data_cutoff="2021-03-15")
    adsl = data["adsl"]
    flags = [c for c in adsl.columns if c.startswith("DUE")]
    assert flags == ["DUE12FL", "DUE24FL", "DUE4FL", "DUE8FL", "DUE16FL", "DUE20FL"]
    assert adsl.loc[adsl["SUBJID"] == "001", flags].iloc[0].tolist() == ["N", "N", "Y", "Y", "N", "N"]
    due = visits.visits_due(adsl, visits.visit_weeks(scoring.derive_adeff(data["adqs"])))
    assert ("001", "Week 4") in set(zip(due["USUBJID"].str[-3:], due["AVISIT"]))
    assert due.groupby("AVISIT").size().to_dict() == {"Week 4": (adsl["DUE4FL"] == "Y").sum(),
                                                      "Week 8": (adsl["DUE8FL"] == "Y").sum()}
    assert adsl["DUE12FL"].eq("N").all()  # no patient's week-12 window had closed: the old rule counted no week 4


def test_the_arms_analyses_at_a_cut_where_only_the_treated_arm_has_reached_a_visit():
    """The randomised example cut on 2021-04-24: patients of the baricitinib arm have had their week-16 visit (the
    first on 2021-04-23), none of the control arm yet (its first on 2021-04-26). The repeated-measures model over
    the visits is then not estimable, and says why; it stopped notebook 04 with a singular matrix (LinAlgError)."""
    from analysis_utils import arms, synthetic

    data = cleaning.derive_all(synthetic.generate_randomised_trial(), data_cutoff="2021-04-24")
    adsl = data["adsl"]
    adeff = cleaning.derive_vars_trt(scoring.derive_adeff(data["adqs"]), adsl)
    week16 = adeff[(adeff["PARAMCD"] == "ESSDAI") & (adeff["AVISIT"] == "Week 16")]
    assert set(week16["TRTP"]) == {"Baricitinib 4 mg + HCQ 400 mg"}
    ard = arms.summarize_arms(adsl, adeff)
    not_estimable = ard[ard["analysis_id"] == "EFF-ESSDAI-MMRM" + arms.NOT_ESTIMABLE]
    assert not_estimable["method"].tolist() == ["no record of arm 'HCQ 400 mg' at visit 'Week 16'; the arm "
                                                "difference at that visit is not estimable"]
    assert (ard["analysis_id"] == "EFF-ESSDAI-MCII-DIFF").any()  # week 12: both arms, compared


def test_an_essdai_domain_not_yet_entered_is_a_query_and_leaves_that_visits_essdai_missing(tmp_export):
    """Patient 003's week-12 ESSDAI (essdai.csv line 9: articular level 1 of 0-3, weight 2) with the articular domain
    blank: a data query, the build goes on, and the visit's total is missing (never scored as if the domain had no
    activity); the other domains and visits keep their scores."""
    from analysis_utils import export, validation
    path = tmp_export / "essdai.csv"
    lines = path.read_text().split("\n")
    fields = lines[8].split(",")
    assert fields[:2] == ["003", "W12"] and fields[5] == "1"
    fields[5] = ""
    lines[8] = ",".join(fields)
    path.write_text("\n".join(lines))
    result = validation.validate_export(export.read_export(tmp_export))
    assert result.ok
    found = result.queries[result.queries["variable"] == "EDLARTIC"]
    assert found[["row", "AVISIT", "rule"]].values.tolist() == [["9", "Week 12", "missing_item"]]
    adeff = scoring.derive_adeff(cleaning.derive_all(result.typed)["adqs"]).set_index(["USUBJID", "PARAMCD", "AVISIT"])
    subject = "NCT04916756-01-003"
    assert pd.isna(adeff.loc[(subject, "ESSDAI", "Week 12"), "AVAL"])
    assert pd.isna(adeff.loc[(subject, "EDSARTIC", "Week 12"), "AVAL"])
    assert adeff.loc[(subject, "EDSGLAND", "Week 12"), "AVAL"] == 2.0  # glandular level 1 x weight 2
    # Baseline: constitutional 1 x 3 + glandular 1 x 2 + articular 1 x 2 = 7; week 24: 2 + 2 + biological 1 x 1 = 5.
    assert [adeff.loc[(subject, "ESSDAI", v), "AVAL"] for v in ("Baseline", "Week 24")] == [7.0, 5.0]


def test_a_patient_still_on_treatment_at_the_export_is_treated_to_the_data_cut(edit_export):
    """Patient 011 (first dose 2021-08-02, 0 doses missed) exported before the end of study was entered: no last dose,
    no disposition. Export date 2022-01-31: 2021-08-02 to 2022-01-31 is 183 days, 2 mg a day, 366 mg. At a cut on
    2021-12-31, 152 days; the count of missed doses, made after the cut, is not known at it."""
    edit_export("disposition", ("011,COMPLETED,2022-01-19\n", ""))
    result = edit_export("exposure", ("011,2.0,2021-08-02,2022-01-19,0", "011,2.0,2021-08-02,,0"))
    assert result.ok
    for cutoff, last, days, dose, adherence in ((None, "2022-01-31", 183, 366.0, 100.0),
                                                ("2021-12-31", "2021-12-31", 152, None, None)):
        adsl = cleaning.derive_all(result.typed, data_cutoff=cutoff)["adsl"].set_index("SUBJID").loc["011"]
        got = [None if pd.isna(adsl[c]) else adsl[c] for c in ("CUMDOSE", "ADHERPCT")]
        assert (adsl["TRTEDT"], adsl["TRTDURD"], *got, adsl["EOSSTT"]) == (
            pd.Timestamp(last), days, dose, adherence, "ONGOING")


def test_a_period_without_its_last_dose_of_a_patient_who_left_stops_the_build(edit_export):
    result = edit_export("exposure", ("011,2.0,2021-08-02,2022-01-19,0", "011,2.0,2021-08-02,,0"))
    assert result.errors[["row", "variable", "rule"]].values.tolist() == [["12", "EXENDT", "exposure_end_missing"]]
    assert result.errors["message"].iloc[0].endswith(
        "value '' but the subject's end of study is COMPLETED on 2022-01-19 (disposition): the last dose is known")
