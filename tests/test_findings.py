"""Key findings and the safety interpretation, from a hand-made ARD whose numbers are worked out by hand."""

import numpy as np
import pandas as pd
import pytest

from analysis_utils import ard as ard_mod
from analysis_utils import findings, safety
from analysis_utils.disposition import NOT_RANDOMISED_LABEL


def _rows(analysis_id, stats, **keys):
    return [{"analysis_id": analysis_id, "stat_name": s, "stat_value": v, **keys} for s, v in stats.items()]


def _ard(*, week12=True):
    """Four patients assessed at week 12 (ESSDAI changes -6, -4, -5, -5: mean -5.0, SD 0.816,
    95 % CI -5 -/+ 3.182 x 0.408 = -6.299 to -3.701), three at week 24 (-8, -6, -7: mean -7.0, SD 1.0,
    95 % CI -7 -/+ 4.303 x 0.577 = -9.484 to -4.516, t = -12.12 on 2 df, p = 0.0067; exact Wilcoxon p = 2/8);
    six in the safety population."""
    rows = []
    if week12:
        rows += _rows("EFF-ESSDAI-W24-TTEST", {"estimate": -7.0, "ci_lower": -9.484138, "ci_upper": -4.515862,
                                               "p_value": 0.006734}, paramcd="ESSDAI", avisit="Week 24")
        rows += _rows("EFF-ESSDAI-W24-WILCOXON", {"p_value": 0.25, "n": 3.0}, paramcd="ESSDAI", avisit="Week 24")
        # 3 of 3 responders: Clopper-Pearson lower limit 0.025^(1/3) = 0.2924
        rows += _rows("EFF-ESSDAI-MCII", {"n_responders": 3.0, "n_evaluable": 3.0, "pct": 100.0, "ci_lower": 0.292402,
                                          "ci_upper": 1.0}, paramcd="ESSDAI", avisit="Week 24")
        # the fourth patient, assessed at week 12, missed week 24: a non-responder when every patient due counts
        rows += _rows("EFF-ESSDAI-MCII-BOCF", {"n_responders": 3.0, "n_evaluable": 4.0, "pct": 75.0},
                      paramcd="ESSDAI", avisit="Week 24")
        rows += _rows("EFF-ESSDAI-MCII-BOCF", {"n_responders": 4.0, "n_evaluable": 4.0, "pct": 100.0},
                      paramcd="ESSDAI", avisit="Week 12")
        for paramcd, (mean, lo, hi, p_t, p_w) in {"ESSDAI": (-5.0, -6.299, -3.701, 0.0011, 0.125),
                                                  "ESSPRI": (-1.25, -2.05, -0.45, 0.0176, 0.25),
                                                  "PGA": (-2.0, -2.0, -2.0, float("nan"), 0.125)}.items():
            rows += _rows(f"EFF-{paramcd}-W12-TTEST", {"estimate": mean, "ci_lower": lo, "ci_upper": hi, "p_value": p_t},
                          paramcd=paramcd, avisit="Week 12")
            rows += _rows(f"EFF-{paramcd}-W12-WILCOXON", {"p_value": p_w, "n": 4.0}, paramcd=paramcd, avisit="Week 12")
        # Hodges-Lehmann: the median of the 10 Walsh averages of -6, -4, -5, -5 is -5.0 (limits as the ARD gives them)
        rows += _rows("EFF-ESSDAI-W12-HL", {"estimate": -5.0, "ci_lower": -6.0, "ci_upper": -4.0}, paramcd="ESSDAI",
                      avisit="Week 12")
        # 4 of 4 responders: Clopper-Pearson lower limit 0.025^(1/4) = 0.3976
        rows += _rows("EFF-ESSDAI-MCII", {"n_responders": 4.0, "n_evaluable": 4.0, "pct": 100.0, "ci_lower": 0.397635,
                                          "ci_upper": 1.0}, paramcd="ESSDAI", avisit="Week 12")
        rows += _rows("EFF-ESSPRI-MCII", {"n_responders": 3.0, "n_evaluable": 4.0, "pct": 75.0, "ci_lower": 0.194120,
                                          "ci_upper": 0.993690}, paramcd="ESSPRI", avisit="Week 12")
    for category, n, events in (("Any TEAE", 3, 5), ("Serious TEAE", 0, 0), ("TEAE of CTCAE grade >= 3", 0, 0),
                                ("TEAE leading to discontinuation of study drug", 1, 1), ("TEAE with fatal outcome", 0, 0)):
        rows += _rows("SAF-AET01", {"n_subjects": n, "n_events": events, "big_n": 6.0}, category=category)
    for category, n, pyears, upper in (("Herpes zoster", 1, 2.5, 222.8), ("Venous thromboembolism", 0, 2.75, 134.1),
                                       ("Major adverse cardiovascular event (MACE)", 0, 2.75, 134.1)):
        rows += _rows("SAF-AESI-EAIR", {"n_subjects": n, "pyears": pyears, "ci_upper": upper}, category=category)
    for category, n in (("", 2), ("ADVERSE EVENT", 1), ("LOST TO FOLLOW-UP", 1)):
        rows += _rows("DSP-DISPOSITION", {"n_subjects": n, "big_n": 6.0}, variable="Discontinued", category=category)
    rows += _rows("DSP-DISPOSITION", {"n_subjects": 6.0, "big_n": 6.0}, variable="Enrolled", category="")
    return ard_mod.make_ard(pd.DataFrame(rows), section="x")


def test_key_findings_from_a_hand_worked_ard():
    table = findings.key_findings(_ard())
    assert table["Result"].tolist() == [
        "-5.0 (95% CI -6.3 to -3.7); Hodges-Lehmann -5.0 (95% CI -6.0 to -4.0), Wilcoxon signed-rank p = 0.125 "
        "(this analysis's primary test), paired t-test p = 0.001; n = 4",
        "4/4 (100.0%; 95% CI 39.8 to 100.0%)",  # no patient missed week 12
        "-7.0 (95% CI -9.5 to -4.5); Wilcoxon signed-rank p = 0.250, paired t-test p = 0.007; n = 3",
        "3/3 (100.0%; 95% CI 29.2 to 100.0%); 3/4 (75.0%) with the 1 patient not assessed counted as a non-responder",
        # -1.25 rounds half up
        "-1.3 (95% CI -2.1 to -0.5); Wilcoxon signed-rank p = 0.250, paired t-test p = 0.018; n = 4",
        "3/4 (75.0%; 95% CI 19.4 to 99.4%)",
        "-2.0 (95% CI and paired t-test not estimable: the same change in every patient); Wilcoxon signed-rank "
        "p = 0.125; n = 4",  # all changes equal: no t-test p
        "3 of 6 patients (50.0%), 5 events",
        "0 of 6 patients (0.0%)",
        "0 of 6 patients (0.0%)",  # deaths
        "1 of 6 patients (16.7%), 1 event",
        "2 of 6 patients (33.3%): adverse event 1, lost to follow-up 1",
        "herpes zoster in 1 patient; none of: venous thromboembolism, major adverse cardiovascular event (MACE)",
    ]
    assert table["Finding"].iloc[0].startswith("ESSDAI change from baseline to week 12 (primary endpoint)")
    fatal = _ard().assign(stat_value=lambda d: d["stat_value"].mask(
        d["category"].eq(findings.AE_FATAL) & d["stat_name"].isin(["n_subjects", "n_events"]), 1.0))
    assert findings.key_findings(fatal).set_index("Finding").loc["Deaths (a TEAE with fatal outcome)", "Result"] == (
        "1 of 6 patients (16.7%)")  # patients, not events: one patient dies once
    assert table["Finding"].iloc[2:4].tolist() == ["ESSDAI change from baseline to week 24, mean",
                                                   "ESSDAI MCII (decrease of 3 points or more) at week 24"]


def test_key_findings_at_an_interim_cut_say_not_yet_due():
    table = findings.key_findings(_ard(week12=False))
    assert table["Result"].iloc[:7].tolist() == [findings.NOT_DUE] * 7
    assert table["Result"].iloc[7] == "3 of 6 patients (50.0%), 5 events"
    assert set(findings.key_findings(None)["Result"]) == {findings.NOT_DUE}
    no_aesi = _ard()[lambda d: d["analysis_id"] != findings.AESI_ID]
    assert findings.key_findings(no_aesi)["Result"].iloc[-1] == findings.NOT_DUE
    assert "special interest" not in findings.describe_safety(no_aesi)


def test_safety_interpretation_quotes_the_ard():
    assert findings.describe_safety(_ard()) == (
        "3 of 6 patients (50.0%) had at least one treatment-emergent adverse event. No adverse event was serious, "
        "of CTCAE grade 3 or more or fatal. 1 of 6 patients (16.7%) stopped study drug because of an adverse event. "
        "Adverse events of special interest of JAK inhibitors: herpes zoster in 1 patient. No patient had venous "
        "thromboembolism or major adverse cardiovascular event (MACE); the data are still compatible with a rate of up "
        "to 134.1 per 100 patient-years (2.8 patient-years at risk; upper 95% confidence limit). With 6 patients and "
        "no control group, these counts describe this pilot only: they cannot show that baricitinib is safe or rule out "
        "uncommon adverse events.")
    assert findings.describe_safety(None) == f"Adverse events: {findings.NOT_DUE}."


def test_safety_interpretation_at_an_interim_cut_says_how_many_are_still_on_study():
    """At a cut with 2 of the 7 enrolled patients on study (one not yet treated, outside the 6 of the safety set),
    the counts are of the events recorded by then; at the final cut (no patient on study) the sentence is left out."""
    def cut(interim: float, ongoing: float) -> pd.DataFrame:
        return pd.concat([_ard(), pd.DataFrame({"analysis_id": findings.DATACUT_ID, "avisit": "",
                                                "stat_name": ["interim", "n_enrolled", "n_ongoing"],
                                                "stat_value": [interim, 7.0, ongoing]})], ignore_index=True)
    text = findings.describe_safety(cut(1.0, 2.0))
    assert ("At this interim data cut 2 of the 7 enrolled patients were still on study: their adverse events are "
            "those recorded by the cut, and the counts may grow.") in text
    assert text.startswith("3 of 6 patients (50.0%) had at least one")  # the safety set's N, beside the enrolled
    assert findings.describe_safety(cut(0.0, 0.0)) == findings.describe_safety(_ard())


def test_the_categories_read_are_those_the_safety_tables_write():
    overview = set(safety.AE_OVERVIEW_CATEGORIES)
    assert {findings.AE_ANY, findings.AE_SERIOUS, findings.AE_GRADE3, findings.AE_WITHDRAWN, findings.AE_FATAL} <= overview
    assert {findings.NO_GRADE, findings.NO_ACTION, findings.NO_OUTCOME} <= set(safety.NOT_ASSESSED)
    assert safety.ARD_LAYOUTS["ae_not_assessed"]["stats"][0] == "n_events"


def _pending_ard(**events):
    """``_ard()`` with the ARD of TEAEs not yet coded or assessed (``safety.summarize_not_assessed``)."""
    rows = []
    for category in safety.NOT_ASSESSED:
        rows += _rows(findings.PENDING_ID, {"n_events": float(events.get(category, 0)), "n_subjects": 0.0},
                      category=category)
    return pd.concat([_ard(), ard_mod.make_ard(pd.DataFrame(rows), section="x")], ignore_index=True)


def test_an_event_not_yet_graded_or_without_its_action_bounds_what_the_findings_claim():
    # Two TEAEs without a grade and one without the action taken: no claim that none was of grade 3 or more, and
    # "no patient stopped" only as far as recorded (here one did: the count stays, with the bound).
    text = findings.describe_safety(_pending_ard(**{findings.NO_GRADE: 2, findings.NO_ACTION: 1}))
    assert "No adverse event was serious or fatal. 1 of 6 patients (16.7%) stopped study drug because of an adverse " \
           "event as far as recorded. Not yet coded or assessed (data queries): 2 without a CTCAE grade yet; 1 without " \
           "the action taken with the study drug yet; the counts above may change when they are." in text
    table = findings.key_findings(_pending_ard(**{findings.NO_GRADE: 2}))
    assert table.iloc[-1].tolist() == ["TEAEs not yet coded or assessed (data queries; see the safety tables' notes)",
                                       "2 without a CTCAE grade yet"]
    # Every event assessed (zeros in the ARD, as the shipped trial's): as without the rows.
    assert findings.describe_safety(_pending_ard()) == findings.describe_safety(_ard())
    assert findings.key_findings(_pending_ard()).equals(findings.key_findings(_ard()))


def test_stat_refuses_an_ambiguous_row():
    ard = _ard()
    with pytest.raises(ValueError, match="DSP-DISPOSITION n_subjects"):
        findings.stat(ard, "DSP-DISPOSITION", "n_subjects")


def test_page_has_the_caveat_a_source_note_and_escaped_text():
    ard = _ard()
    ard.loc[ard["category"] == "Herpes zoster", "category"] = "<b>zoster</b>"
    page = findings.to_html(ard, "OPEN LABEL")
    assert findings.CAVEAT in page and 'class="table-note">Source:' in page
    assert "&lt;b&gt;zoster&lt;/b&gt;" in page and "<b>zoster" not in page


# ---------------------------------------------------------------------------------------------
# a trial of two arms: hand-made ARD of 9 patients, 3 on HCQ and 6 on baricitinib + HCQ

HCQ, BARI = "HCQ", "Bari + HCQ"


def _two_arm_ard(*, switch=False):
    """ESSDAI MCII at week 12: 1/3 on HCQ, 5/6 on baricitinib (Clopper-Pearson limits); difference
    5/6 - 1/3 = 0.5 with the Newcombe hybrid score CI from the Wilson limits (0.4365, 0.9699) and
    (0.0615, 0.7923): 0.5 - sqrt(0.3969^2 + 0.4590^2) = -0.1068 to 0.5 + sqrt(0.1366^2 + 0.2718^2) = 0.8042;
    Fisher's exact test of [[5, 1], [1, 2]]: p = 0.2262. Safety: 3 patients on HCQ and 7 on baricitinib (one
    switched), 9 in total."""
    rows = []
    for group, (x, n, lo, hi) in {HCQ: (1, 3, 0.0084038, 0.9057007), BARI: (5, 6, 0.3587654, 0.9957893)}.items():
        rows += _rows("EFF-ESSDAI-MCII", {"n_responders": x, "n_evaluable": n, "rate": x / n, "ci_lower": lo,
                                          "ci_upper": hi}, group=group, avisit="Week 12", section="efficacy-arms")
    method = "Newcombe hybrid score 95% CI (Newcombe 1998, method 10); Fisher's exact test (two-sided)"
    rows += _rows("EFF-ESSDAI-MCII-DIFF", {"estimate": 0.5, "ci_lower": -0.1067672, "ci_upper": 0.8042383,
                                           "p_value": 0.2261905}, group=f"{BARI} vs {HCQ}", avisit="Week 12",
                  section="efficacy-arms", method=method)
    if switch:
        rows += _rows("EFF-ESSDAI-MCII-DIFF", {"estimate": 0.1}, group=f"{BARI} vs {HCQ}", avisit="Week 24",
                      method=method + "; treatment policy: analysed in the randomised arm (TRTP)")
    for category, counts in (("Any TEAE", ((1, 1, 3), (4, 5, 7), (5, 6, 9))),
                             ("Serious TEAE", ((0, 0, 3), (1, 1, 7), (1, 1, 9))),
                             ("TEAE of CTCAE grade >= 3", ((0, 0, 3), (0, 0, 7), (0, 0, 9))),
                             ("TEAE leading to discontinuation of study drug", ((0, 0, 3), (0, 0, 7), (0, 0, 9))),
                             ("TEAE with fatal outcome", ((0, 0, 3), (0, 0, 7), (0, 0, 9)))):
        for group, (n, events, big_n) in zip((HCQ, BARI, "Total"), counts):
            rows += _rows("SAF-AET01", {"n_subjects": n, "n_events": events, "big_n": big_n}, category=category,
                          group=group)
    for group, (n, events, big_n) in ((HCQ, (1, 1, 3)), (BARI, (3, 3, 6)), ("Total", (4, 4, 9))):  # to week 12
        rows += _rows("SAF-AET01-CONTROLLED", {"n_subjects": n, "n_events": events, "big_n": big_n},
                      category="Any TEAE", group=group)
    for category, counts in (("Herpes zoster", ((0, 1.0, 368.9), (1, 3.0, 185.7), (1, 4.0, 139.3))),
                             ("Venous thromboembolism", ((0, 1.0, 368.9), (0, 3.5, 105.4), (0, 4.5, 82.0)))):
        for group, (n, pyears, upper) in zip((HCQ, BARI, "Total"), counts):
            rows += _rows("SAF-AESI-EAIR", {"n_subjects": n, "pyears": pyears, "ci_upper": upper}, category=category,
                          group=group)
    # two screen failures, never randomised: in the disposition table, and in none of the arms' counts
    for group, (enrolled, left, ae, lost, failed) in ((HCQ, (3, 1, 1, 0, 0)), (BARI, (6, 1, 0, 1, 0)),
                                                      (NOT_RANDOMISED_LABEL, (2, 2, 0, 0, 2)),
                                                      ("Total", (11, 4, 1, 1, 2))):
        for variable, category, n in (("Enrolled", "", enrolled), ("Discontinued", "", left),
                                      ("Discontinued", "ADVERSE EVENT", ae),
                                      ("Discontinued", "LOST TO FOLLOW-UP", lost),
                                      ("Discontinued", "SCREEN FAILURE", failed)):
            rows += _rows("DSP-DISPOSITION", {"n_subjects": n, "big_n": enrolled}, group=group, variable=variable,
                          category=category)
    frame = pd.DataFrame(rows)
    return ard_mod.make_ard(frame.assign(section=frame["section"].fillna("x")))


def test_trial_arms_read_from_the_disposition_rows():
    assert findings.trial_arms(_two_arm_ard()) == [HCQ, BARI]
    assert findings.trial_arms(_ard()) == [""] and findings.trial_arms(None) == []


def test_key_findings_of_two_arms_lead_with_the_primary_difference_and_each_arms_rate():
    table = findings.key_findings(_two_arm_ard())
    assert table["Finding"].iloc[0] == ("ESSDAI MCII (decrease of 3 points or more) at week 12 (primary endpoint): "
                                        "difference between arms")
    assert table["Result"].tolist() == [
        f"{BARI} vs {HCQ}: 50.0 percentage points (95% CI -10.7 to 80.4); Fisher's exact test p = 0.226",
        "1/3 (33.3%; 95% CI 0.8 to 90.6%)",
        "5/6 (83.3%; 95% CI 35.9 to 99.6%)",
        findings.NOT_DUE,  # no ESSDAI ANCOVA in this ARD
        findings.NOT_DUE, findings.NOT_DUE, findings.NOT_DUE, findings.NOT_DUE, findings.NOT_DUE,
        f"{HCQ}: 1 of 3 patients (33.3%), 1 event; {BARI}: 4 of 7 patients (57.1%), 5 events; "
        "all patients: 5 of 9 patients (55.6%), 6 events",
        f"{HCQ}: 1 of 3 patients (33.3%), 1 event; {BARI}: 3 of 6 patients (50.0%), 3 events",  # as randomised
        f"{HCQ}: 0 of 3 patients (0.0%); {BARI}: 1 of 7 patients (14.3%), 1 event; "
        "all patients: 1 of 9 patients (11.1%), 1 event",
        f"{HCQ}: 0 of 3 patients (0.0%); {BARI}: 0 of 7 patients (0.0%); all patients: 0 of 9 patients (0.0%)",
        f"{HCQ}: 0 of 3 patients (0.0%); {BARI}: 0 of 7 patients (0.0%); all patients: 0 of 9 patients (0.0%)",
        f"{HCQ}: 1 of 3 patients (33.3%); {BARI}: 1 of 6 patients (16.7%); all randomised patients: 2 of 9 patients "
        "(22.2%); reasons: adverse event 1, lost to follow-up 1",  # the screen failures left out
        f"{HCQ}: none; {BARI}: herpes zoster in 1 patient; all patients: herpes zoster in 1 patient; "
        "none of: venous thromboembolism",
    ]
    assert table["Finding"].iloc[1].endswith(f": {HCQ}") and table["Finding"].iloc[2].endswith(f": {BARI}")
    assert table["Finding"].iloc[10] == ("Patients with a TEAE in the first 12 weeks (study days 1 to 84), before any "
                                         "switch, by first treatment (the randomised comparison)")
    without = findings.key_findings(_two_arm_ard().query("analysis_id != 'SAF-AET01-CONTROLLED'"))
    assert len(without) == len(table) - 1 and not without["Finding"].str.contains("randomised comparison").any()


def test_key_findings_when_only_one_arm_has_been_assessed_at_the_primary_visit():
    """An early cut: week 12 reached by 1 baricitinib patient (a responder), no control patient yet. The difference
    is not estimable, and says why; the arm without a patient is said to have none (not the pooled "due for 1 of
    9"); the other arm's rate stands."""
    ard = _two_arm_ard()
    keep = ~ard["analysis_id"].str.startswith("EFF-ESSDAI-MCII") | ard["group"].eq(BARI)
    ard = ard[keep].copy()
    ard.loc[ard["analysis_id"].eq("EFF-ESSDAI-MCII"), "stat_value"] = [1.0, 1.0, 1.0, 0.025, 1.0]
    extra = pd.concat([
        pd.DataFrame(_rows("EFF-ESSDAI-MCII", {"n_responders": 1, "n_evaluable": 1, "rate": 1.0, "ci_lower": 0.025,
                                               "ci_upper": 1.0}, group="Total", avisit="Week 12",
                           section="efficacy-arms")),
        pd.DataFrame(_rows("EFF-ESSDAI-MCII-NOT-ESTIMABLE", {"not_estimable": np.nan}, avisit="Week 12",
                           section="efficacy-arms",
                           method=f"no record of the reference arm {HCQ} yet, only of {BARI}")),
        pd.DataFrame(_rows("EFF-VISITS-DUE", {"n_fas": 9, "n_due": 1}, avisit="Week 12", section="efficacy"))])
    table = findings.key_findings(pd.concat([ard, ard_mod.make_ard(extra)], ignore_index=True))
    assert table["Result"].tolist()[:3] == [
        f"not estimable at this data cut: no record of the reference arm {HCQ} yet, only of {BARI}",
        "no patient of the arm assessed yet at the data cut",
        "1/1 (100.0%; 95% CI 2.5 to 100.0%)"]
    assert table["Result"].iloc[3] == "no data at the data cut (the visit was due for 1 of 9 patients)"  # the ANCOVA


def test_caveat_fits_the_number_of_arms_and_the_switch():
    assert findings.caveat(_ard()) == findings.CAVEAT
    text = findings.caveat(_two_arm_ard())
    assert text.startswith(f"This open-label trial randomised 9 patients to {HCQ} and {BARI}: ")
    assert "single-arm" not in text and "switched" not in text
    assert findings.caveat(_two_arm_ard(switch=True)).endswith(
        " Patients who switched treatment at week 12 stay in the arm randomised: later comparisons are by that arm "
        "(treatment policy), not of the treatments alone.")
    page = findings.to_html(_two_arm_ard(), "OPEN LABEL")
    assert findings.CAVEAT not in page and "randomised 9 patients" in page


def test_safety_interpretation_of_two_arms_gives_each_treatment_and_all_patients():
    text = findings.describe_safety(_two_arm_ard())
    first_weeks = (" In the first 12 weeks (study days 1 to 84), before any switch, by the arm each patient started on "
                   f"(the randomised comparison, Table 14.3.1.5): {HCQ}: 1 of 3 patients (33.3%); {BARI}: 3 of 6 "
                   "patients (50.0%).")
    assert first_weeks in text and text.endswith(
        "(Table 14.3.5.1) and the comparison of the first 12 weeks (study days 1 to 84) take into account.")
    # without the rows of the first 12 weeks (one treatment taken yet): neither
    assert findings.describe_safety(_two_arm_ard().query("analysis_id != 'SAF-AET01-CONTROLLED'")) == text.replace(
        first_weeks, "").replace(" and the comparison of the first 12 weeks (study days 1 to 84)", "") == (
        f"5 of 9 patients (55.6%) had at least one treatment-emergent adverse event. By the treatment taken when the "
        f"event started: {HCQ}: 1 of 3 patients (33.3%); {BARI}: 4 of 7 patients (57.1%). Patients with a serious "
        "event: 1 of 9 patients (11.1%). No adverse event was of "
        "CTCAE grade 3 or more or fatal. No patient stopped study drug because of an adverse event. Adverse events of "
        f"special interest of JAK inhibitors, by the treatment taken: {HCQ}: none; {BARI}: herpes zoster in 1 "
        "patient; all patients: herpes zoster in 1 patient. No patient had venous thromboembolism; the data are still "
        # each treatment's time at risk and limit (the control's says nothing of baricitinib), not all patients' 4.5
        f"compatible with a rate of up to 368.9 per 100 patient-years on {HCQ} (1.0 patient-years at risk) and of up "
        f"to 105.4 on {BARI} (3.5 patient-years at risk; upper 95% confidence limits). With 9 patients in 2 arms, "
        "these counts compare the "
        "treatments only roughly: they cannot show that a treatment is safe or rule out uncommon adverse events, and "
        "the patients spent different times on each treatment (a switched patient on both), which the rates per 100 "
        "patient-years of the adverse events of special interest (Table 14.3.5.1) take into account.")


def test_the_mcii_rules_in_words_follow_their_constants():
    assert findings.ESSDAI_MCII_WORDS == "ESSDAI MCII (decrease of 3 points or more)"
    assert findings.ESSPRI_MCII_WORDS == "ESSPRI MCII (decrease of 1 point or 15% or more)"


def test_the_laboratory_alerts_are_read_under_the_id_safety_writes_them():
    """findings names the ARD ids it reads without importing the analysis modules: the alerts' id is the same."""
    from analysis_utils import safety

    assert findings.LAB_ALERTS_ID == safety.LAB_ALERTS_ID
    from analysis_utils import arms, comparisons  # and the between-arm rows' section and endings

    assert (findings.ARMS_SECTION, findings.DIFF_SUFFIX, findings.NOT_ESTIMABLE) == (
        arms.SECTION, comparisons.DIFF_SUFFIX, arms.NOT_ESTIMABLE)
    rows = safety.lab_alerts_to_ard(pd.DataFrame({"USUBJID": ["1"], "PARAMCD": "NEUT", "ADY": [29]}))
    assert findings.describe_lab_alerts(rows).endswith(": neutrophils (10^9/L) in 1 patient.")


def test_the_first_12_weeks_are_said_not_complete_while_week_12_is_not_due_for_every_patient():
    """At an interim cut the comparison of the first 12 weeks holds the events so far: the finding says so."""
    from analysis_utils import safety

    assert findings.CONTROLLED_WEEKS == f"{safety.CONTROLLED_PERIOD_DAYS // 7} weeks (study days 1 to " \
                                       f"{safety.CONTROLLED_PERIOD_DAYS})"
    ard = pd.concat([_two_arm_ard(), ard_mod.make_ard(pd.DataFrame(_rows(
        "DISP-DATACUT", {"n_not_due": 4, "n_due": 5}, avisit="Week 12", section="disposition")))], ignore_index=True)
    row = findings.key_findings(ard).set_index("Finding")["Result"]
    assert row.filter(like="first 12 weeks").iloc[0].endswith(
        "3 of 6 patients (50.0%), 3 events (not complete at this data cut: week 12 was not yet due for every patient)")
    assert "(50.0%) (not complete at this data cut: week 12 was not yet due for every patient)." in \
        findings.describe_safety(ard)


@pytest.mark.parametrize(("past", "measured", "said"), [
    # 16 patients with past hepatitis B (Table 14.1.6's Total) and no HBV DNA result: the label's monitoring missing
    ((6.0, 10.0, 16.0), 0.0, "; HBV DNA (IU/mL) not measured (no result by the data cut), though 16 patients had past "
                             "hepatitis B, in whom the label asks to monitor it (data queries)."),
    ((0.0, 0.0, 0.0), 0.0, "; HBV DNA (IU/mL) not measured (no result by the data cut)."),  # no one to monitor
    ((6.0, 10.0, 16.0), 3.0, " (Listing 14.3.4.5)."),  # measured: nothing said
])
def test_hbv_dna_not_measured_says_how_many_patients_the_label_asks_to_monitor_it_in(past, measured, said):
    rows = _rows(safety.LAB_ALERTS_ID, {"n_subjects": 0.0}, group="", paramcd="")
    rows += _rows(safety.LAB_ALERTS_ID, {"n_measured": measured}, group="", paramcd="HBVDNA")
    rows += [{"analysis_id": findings.DISEASE_ID, "group": group, "paramcd": "", "variable": "HBVHXFL",
              "category": "Y", "stat_name": "n", "stat_value": n}
             for group, n in zip(("HCQ 400 mg", "Baricitinib 4 mg + HCQ 400 mg", "Total"), past)]
    text = findings.describe_lab_alerts(pd.DataFrame(rows))
    assert text.endswith(said), text
