"""Key findings and the safety interpretation, from a hand-made ARD whose numbers are worked out by hand."""

import pandas as pd
import pytest

from analysis_utils import ard as ard_mod
from analysis_utils import findings, safety


def _rows(analysis_id, stats, **keys):
    return [{"analysis_id": analysis_id, "stat_name": s, "stat_value": v, **keys} for s, v in stats.items()]


def _ard(*, week12=True):
    """Four patients assessed at week 12 (ESSDAI changes -6, -4, -5, -5: mean -5.0, SD 0.816,
    95 % CI -5 -/+ 3.182 x 0.408 = -6.299 to -3.701); six in the safety population."""
    rows = []
    if week12:
        for paramcd, (mean, lo, hi, p_t, p_w) in {"ESSDAI": (-5.0, -6.299, -3.701, 0.0011, 0.125),
                                                  "ESSPRI": (-1.25, -2.05, -0.45, 0.0176, 0.25),
                                                  "PGA": (-2.0, -2.0, -2.0, float("nan"), 0.125)}.items():
            rows += _rows(f"EFF-{paramcd}-W12-TTEST", {"estimate": mean, "ci_lower": lo, "ci_upper": hi, "p_value": p_t},
                          paramcd=paramcd, avisit="Week 12")
            rows += _rows(f"EFF-{paramcd}-W12-WILCOXON", {"p_value": p_w, "n": 4.0}, paramcd=paramcd, avisit="Week 12")
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
        "-5.0 (95% CI -6.3 to -3.7); paired t-test p = 0.001, Wilcoxon p = 0.125; n = 4",
        "4/4 (100.0%; 95% CI 39.8 to 100.0%)",
        "-1.3 (95% CI -2.1 to -0.5); paired t-test p = 0.018, Wilcoxon p = 0.250; n = 4",  # -1.25 rounds half up
        "3/4 (75.0%; 95% CI 19.4 to 99.4%)",
        "-2.0 (95% CI -2.0 to -2.0); paired t-test p = NA, Wilcoxon p = 0.125; n = 4",  # all changes equal: no t-test p
        "3 of 6 patients (50.0%), 5 events",
        "0 of 6 patients (0.0%)",
        "1 of 6 patients (16.7%), 1 event",
        "2 of 6 patients (33.3%): adverse event 1, lost to follow-up 1",
        "herpes zoster in 1 patient; none of: venous thromboembolism, major adverse cardiovascular event (MACE)",
    ]
    assert table["Finding"].iloc[0].startswith("ESSDAI change from baseline to week 12 (primary endpoint)")


def test_key_findings_at_an_interim_cut_say_not_yet_due():
    table = findings.key_findings(_ard(week12=False))
    assert table["Result"].iloc[:5].tolist() == [findings.NOT_DUE] * 5
    assert table["Result"].iloc[5] == "3 of 6 patients (50.0%), 5 events"
    assert set(findings.key_findings(None)["Result"]) == {findings.NOT_DUE}
    no_aesi = _ard()[lambda d: d["analysis_id"] != findings.AESI_ID]
    assert findings.key_findings(no_aesi)["Result"].iloc[-1] == findings.NOT_DUE
    assert "special interest" not in findings.describe_safety(no_aesi)


def test_safety_interpretation_quotes_the_ard():
    assert findings.describe_safety(_ard()) == (
        "3 of 6 patients (50.0%) had at least one treatment-emergent adverse event. No adverse event was serious, "
        "of CTCAE grade 3 or more or fatal. 1 of 6 patients (16.7%) stopped study drug because of an adverse event. "
        "Adverse events of special interest of JAK inhibitors: herpes zoster in 1 patient. No patient had venous "
        "thromboembolism or major adverse cardiovascular event (MACE): with 2.8 patient-years at risk, a rate of up to "
        "134.1 per 100 patient-years (upper 95% confidence limit) is still compatible with that. With 6 patients and no "
        "control group, these counts describe this pilot only: they cannot show that baricitinib is safe or rule out "
        "uncommon adverse events.")
    assert findings.describe_safety(None) == f"Adverse events: {findings.NOT_DUE}."


def test_the_categories_read_are_those_the_safety_tables_write():
    overview = set(safety.AE_OVERVIEW_CATEGORIES)
    assert {findings.AE_ANY, findings.AE_SERIOUS, findings.AE_GRADE3, findings.AE_WITHDRAWN, findings.AE_FATAL} <= overview


def test_stat_refuses_an_ambiguous_row():
    ard = _ard()
    with pytest.raises(ValueError, match="DSP-DISPOSITION n_subjects"):
        findings.stat(ard, "DSP-DISPOSITION", "n_subjects")


def test_page_has_the_caveat_a_source_note_and_escaped_text():
    ard = _ard()
    ard.loc[ard["category"] == "Herpes zoster", "category"] = "<b>zoster</b>"
    page = findings.to_html(ard)
    assert findings.CAVEAT in page and 'class="table-note">Source:' in page
    assert "&lt;b&gt;zoster&lt;/b&gt;" in page and "<b>zoster" not in page
