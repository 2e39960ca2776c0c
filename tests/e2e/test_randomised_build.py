"""End to end: the shipped randomised example builds its whole report, with the synthetic banner, its own study
identity, its two arms and its seven visits."""

import re
import subprocess
import sys

import pandas as pd
import pytest

from analysis_utils import export, paths, report

pytestmark = pytest.mark.slow

RANDOMISED = "data/examples/randomised"


@pytest.fixture(scope="module")
def randomised_build(tmp_path_factory):
    out_root = tmp_path_factory.mktemp("randomised")
    done = subprocess.run([sys.executable, "-m", "analysis_utils.runner", "--data-dir", RANDOMISED,
                           "--data-cutoff", "2022-01-31", "--out-root", str(out_root)],
                          capture_output=True, text=True, cwd=paths.PROJECT_ROOT)
    return out_root, done


def test_randomised_report_builds_with_banner(randomised_build):
    out_root, done = randomised_build
    assert done.returncode == 0, done.stdout + done.stderr
    html = (out_root / "reports" / "report.html").read_text(encoding="utf-8")
    assert export.RANDOMISED_STATEMENT in html
    assert "the synthetic trial shipped with the project" in html


def test_randomised_report_and_datasets_carry_the_examples_own_study_identity(randomised_build):
    """Its title page names the protocol's title and BARI-PSS-RCT, not the pilot; every USUBJID carries its id."""
    out_root, done = randomised_build
    assert done.returncode == 0, done.stdout + done.stderr
    html = (out_root / "reports" / "report.html").read_text(encoding="utf-8")
    start = html.index('<header class="title-page">')
    title_page = html[start:html.index("</header>", start)]
    assert "<h1>A multi-center, open-label, randomized study to explore efficacy and safety" in title_page
    assert "<dt>Study identifier</dt><dd>BARI-PSS-RCT</dd>" in title_page
    assert "doi:10.1186/s13063-023-07087-5" in title_page
    assert "NCT04916756" not in title_page and "Pilot study" not in title_page
    adsl = pd.read_parquet(out_root / "data" / "processed" / "adsl.parquet")
    assert set(adsl["STUDYID"]) == {"BARI-PSS-RCT"}
    assert (adsl["USUBJID"] == "BARI-PSS-RCT-" + adsl["SITEID"] + "-" + adsl["SUBJID"]).all()


def test_randomised_datasets_carry_both_arms_the_switch_and_seven_visits(randomised_build):
    out_root, done = randomised_build
    assert done.returncode == 0, done.stdout + done.stderr
    processed = out_root / "data" / "processed"
    adsl = pd.read_parquet(processed / "adsl.parquet")
    adeff = pd.read_parquet(processed / "adeff.parquet")
    assert adsl["TRT01PN"].value_counts().to_dict() == {2.0: 58, 1.0: 29}
    assert (adsl["SWITCHFL"] == "Y").sum() > 0
    assert sorted(adeff["AVISITN"].unique().tolist()) == [0, 4, 8, 12, 16, 20, 24]
    listing = pd.read_csv(out_root / "reports" / "tables" / "lst01_essdai_domains.csv")
    assert {"Week 4", "Week 20"} <= set(listing["Visit"])


def test_randomised_report_plans_no_trial_from_its_pooled_arms(randomised_build, built):
    """The planning section sizes a randomised trial from a single-arm pilot: a randomised trial's report leaves it out
    (planning.randomised_arms; report.end_notebook(..., leave_out=True)), heading, contents entry and all, with no
    table, figure or ARD row of its own, and the other sections keep their numbers; the executed notebook still says
    why (planning.why_not_planned), as JupyterLab shows it. The pilot's report has the section."""
    out_root, done = randomised_build
    assert done.returncode == 0, done.stdout + done.stderr
    html = (out_root / "reports" / "report.html").read_text(encoding="utf-8")
    assert 'id="sec-planning"' not in html and "Planning the randomised trial" not in html
    assert "Not computed for this export" not in html and "Table P.1" not in html and "uncontrolled pilot" not in html
    toc = html[html.index('<nav id="toc">'):html.index("</nav>")]
    assert '<a href="#sec-listings">4 Listings</a>' in toc
    assert '<a href="#sec-appendix">A Appendix: data, methods and provenance</a>' in toc
    executed = (out_root / "reports" / "executed" / "07_next_trial_planning.ipynb").read_text(encoding="utf-8")
    assert "Not computed for this export: it is of a randomised trial (HCQ 400 mg, Baricitinib 4 mg + HCQ 400 mg)" \
        in executed and '"report_end": "leave-out"' in executed
    ard = pd.read_csv(out_root / "reports" / "ard.csv", dtype=str, keep_default_na=False)
    assert not ard["analysis_id"].str.startswith("PLAN-").any()
    assert not list((out_root / "reports" / "tables").glob("planning_*"))
    pilot = (built / "reports" / "report.html").read_text(encoding="utf-8")
    toc = pilot[pilot.index('<nav id="toc">'):pilot.index("</nav>")]
    assert '<a href="#sec-planning">5 Planning the randomised trial</a>' in toc and "Table P.1" in pilot


def test_randomised_report_draws_each_arms_change_from_the_ard(randomised_build):
    """The figure of each arm's change by visit (plotting.plot_arm_changes, from the repeated-measures rows of the
    ARD) is in the report and in figures/, which the single-arm pilot's build does not write."""
    out_root, done = randomised_build
    assert done.returncode == 0, done.stdout + done.stderr
    html = (out_root / "reports" / "report.html").read_text(encoding="utf-8")
    assert "Figure 14.2.1 Change from baseline by arm" in html and "the dotted line marks Week 12" in html
    assert "<strong>A randomised trial.</strong> Its primary analysis, the difference between the arms" in html
    assert (out_root / "figures" / "efficacy_arms_change.png").stat().st_size > 10_000


def test_randomised_report_gives_each_arms_values_by_visit_with_the_pooled_tables_totals(randomised_build):
    """Tables 14.2.6 to 14.2.9: each arm's value and change by visit, activity categories, remission and laboratory
    markers; their total columns are the pooled Tables 14.2.10, 14.2.13, 14.2.16, 14.2.17 and 14.2.22 (but for the %
    change, which they leave out), and the arms' n add up to the total's."""
    out_root, done = randomised_build
    assert done.returncode == 0, done.stdout + done.stderr
    tables = out_root / "reports" / "tables"
    by_arm = pd.read_csv(tables / "efficacy_arms_by_visit.csv", dtype=str)
    pooled = pd.concat([pd.read_csv(tables / "efficacy_essdai_summary.csv", dtype=str).assign(Parameter="ESSDAI"),
                        pd.read_csv(tables / "efficacy_esspri_pga_summary.csv", dtype=str)])
    pooled = pooled[pooled["Variable"] != "% change from baseline"]
    key = ["Parameter", "Variable", "Visit"]
    total = by_arm.set_index(key)[["Total: n", "Total: Mean (SD)", "Total: Median [Q1, Q3]"]]
    assert total.sort_index().values.tolist() == pooled.set_index(key)[
        ["n", "Mean (SD)", "Median [Q1, Q3]"]].sort_index().values.tolist()
    n_arms = by_arm["HCQ 400 mg: n"].astype(int) + by_arm["Baricitinib 4 mg + HCQ 400 mg: n"].astype(int)
    assert (n_arms == by_arm["Total: n"].astype(int)).all() and len(by_arm) == 3 * (7 + 6)
    labs = pd.read_csv(tables / "efficacy_arms_labs_by_visit.csv", dtype=str).set_index(key)
    pooled_labs = pd.read_csv(tables / "efficacy_labs_summary.csv", dtype=str)
    pooled_labs = pooled_labs[pooled_labs["Variable"] != "% change from baseline"].set_index(key)
    assert labs[["Total: n", "Total: Mean (SD)", "Total: Median [Q1, Q3]"]].sort_index().values.tolist() == \
        pooled_labs[["n", "Mean (SD)", "Median [Q1, Q3]"]].sort_index().values.tolist()
    html = (out_root / "reports" / "report.html").read_text(encoding="utf-8")
    assert "Table 14.2.6 ESSDAI, ESSPRI and PGA by arm and visit (observed cases)" in html
    assert "Table 14.2.9 IgG, ESR, CRP, C3 and C4 by arm and visit (observed cases)" in html
    remission = pd.read_csv(tables / "efficacy_arms_remission.csv", dtype=str)
    pooled_remission = pd.read_csv(tables / "efficacy_remission.csv", dtype=str)
    assert sorted(zip(remission["Parameter"], remission["Visit"], remission["Total"])) == \
        sorted(zip(pooled_remission["Parameter"], pooled_remission["Visit"], pooled_remission["n/N (%)"]))
    assert "Table 14.2.8 Remission of organ involvement and improvement of interstitial lung disease by arm" in html
    activity = pd.read_csv(tables / "efficacy_arms_activity.csv", dtype=str)
    pooled_activity = pd.read_csv(tables / "efficacy_essdai_activity.csv", dtype=str).melt(
        id_vars=["Visit", "N"], var_name="Activity", value_name="n (%)")
    # the pooled table writes n (%) of its column N, and 0 alone; the table by arm n/N (%): "72/87 (82.8)"
    totals = {(visit, category): total.split("/")[0] + ("" if total.startswith("0/") else total[total.index(" "):])
              for visit, category, total in zip(activity["Visit"], activity["Activity"], activity["Total"])}
    assert totals == dict(zip(zip(pooled_activity["Visit"], pooled_activity["Activity"]), pooled_activity["n (%)"]))
    assert "Table 14.2.7 ESSDAI activity category by arm and visit" in html


def test_randomised_report_opens_its_efficacy_section_with_the_between_arm_tables(randomised_build):
    """Tables 14.2.1 to 14.2.9 (the primary comparison first), then Figure 14.2.1, then the tables of all patients
    together from 14.2.10 on, in the order of their numbers."""
    out_root, done = randomised_build
    assert done.returncode == 0, done.stdout + done.stderr
    html = (out_root / "reports" / "report.html").read_text(encoding="utf-8")
    section = html[html.index('<h1 id="sec-efficacy"'):html.index('<h1 id="sec-safety"')]
    numbers = [int(n) for n in re.findall(r"<caption>Table 14\.2\.(\d+) ", section)]
    assert numbers == list(range(1, 24))
    assert section.index("Table 14.2.1 ESSDAI MCII by arm and difference between arms (primary: week 12)") \
        < section.index("Figure 14.2.1 Change from baseline by arm") < section.index("All patients together") \
        < section.index("Table 14.2.10 ESSDAI by visit (observed cases)")
    # the tables of all patients together describe; the single-arm trial's primary endpoint and test are not this one's
    assert "without a control, they estimate no treatment effect" in section
    for single_arm in ("single-arm trial such as", "primary test", "as in a single-arm trial"):
        assert single_arm not in section, single_arm
    assert [int(n) for n in re.findall(r">Figure 14\.2\.(\d+) ", section)] == [1, 2, 3, 4, 5]


def test_randomised_report_compares_the_arms_safety_in_the_first_12_weeks(randomised_build):
    """Table 14.3.1.5, after the serious adverse events, its CSV and ARD rows, and the key finding."""
    out_root, done = randomised_build
    assert done.returncode == 0, done.stdout + done.stderr
    html = (out_root / "reports" / "report.html").read_text(encoding="utf-8")
    caption = "Table 14.3.1.5 Overview of treatment-emergent adverse events in the first 12 weeks, before any switch"
    assert html.index("Table 14.3.1.4 Serious") < html.index(caption) < html.index("Listing 14.3.2.1")
    table = pd.read_csv(out_root / "reports" / "tables" / "aet01_ae_overview_first_weeks.csv")
    assert table.iloc[0].tolist()[-3:] == ["5 (17.2) [6]", "18 (31.0) [20]", "23 (26.4) [26]"]
    ard = pd.read_csv(out_root / "reports" / "ard.csv")
    rows = ard[ard["analysis_id"].eq("SAF-AET01-CONTROLLED") & ard["stat_name"].eq("big_n")]
    assert set(rows["population"]) == {"Safety population (SAFFL = Y), by first treatment (TRT01A)"}
    assert ("HCQ 400 mg: 5 of 29 patients (17.2%), 6 events; Baricitinib 4 mg + HCQ 400 mg: 18 of 58 patients "
            "(31.0%), 20 events") in html


def test_the_table_notes_investigators_read_name_no_adam_variable(randomised_build, built):
    """Captions, populations, methods and notes of every table of both reports say in words what the ADaM names meant
    (the first treatment, the arm randomised, the switch's first dose, the strata), the notebooks' notes too; the
    note of a CSV's column names (``report.ADAM_NAMES_NOTE``) and the ARD keep the names."""
    out_root, done = randomised_build
    assert done.returncode == 0, done.stdout + done.stderr
    adam = re.compile(r"\b(TRT0\d[AP]N?|TRTP|TRTA|TR0\dSDT|SWITCHFL|RELFL|SAFFL|FASFL|ANL0\dFL|PARAMCD|AVALC|STRAT1R|"
                      r"SITEID|EOSSTT|DCSREAS|ADT)\b")
    named = [(notes.name, line) for root in (out_root, built)
             for notes in sorted((root / "reports" / "tables").glob("*.txt"))
             for line in notes.read_text(encoding="utf-8").splitlines()
             if line != report.ADAM_NAMES_NOTE and adam.search(line)]
    assert named == []
    tables = out_root / "reports" / "tables"
    assert ("Method: Count of the patients randomised to each arm in each stratum of the randomisation (if any patient "
            "randomised has no stratum, by centre instead).") in (tables / "dsp03_randomisation_strata.txt").read_text()
    assert ("Treatment after the switch: blank for a patient who did not switch (ADSL repeats the first treatment "
            "there).") in (tables / "dsl01_discontinuations_deaths.txt").read_text()


def test_at_a_cut_before_every_arm_is_dosed_the_baseline_tables_count_every_patient_randomised(tmp_path):
    """Cut 2021-01-05: 01-001 randomised to baricitinib and dosed, 01-002 randomised to HCQ and not yet dosed. The
    baseline tables took the safety set (N = 1, one treatment taken) beside Table 14.1.8's 2 randomised patients; they
    count both, by the arm randomised (CONSORT 2010 item 15), with a Total."""
    done = subprocess.run([sys.executable, "-m", "analysis_utils.runner", "--data-dir", RANDOMISED,
                           "--data-cutoff", "2021-01-05", "--out-root", str(tmp_path)],
                          capture_output=True, text=True, cwd=paths.PROJECT_ROOT)
    assert done.returncode == 0, done.stderr
    tables = tmp_path / "reports" / "tables"
    assert (tables / "dmt01_demographics.txt").read_text().splitlines()[0] == (
        "Table 14.1.5 Demographics — Randomised patients (N = 2)")
    assert pd.read_csv(tables / "dmt01_demographics.csv").columns.tolist()[2:] == [
        "HCQ 400 mg (N = 1)", "Baricitinib 4 mg + HCQ 400 mg (N = 1)", "Total (N = 2)"]
