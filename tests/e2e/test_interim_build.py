"""End to end: the whole report builds at interim data cuts of the shipped trial, with the counts of the cut.

Expected counts worked out by hand from data/raw (see tests/test_interim.py for the dates): at 2021-08-20 007
has left (adverse event, 08-15) and no week-12 window has closed; at 2021-12-20 001-003 have completed, 007 and
010 have left and the 6 others are ongoing with their week-24 window still open.
"""

import subprocess
import sys

import pytest

from analysis_utils import paths, report
from analysis_utils.ard import get_stat

pytestmark = pytest.mark.slow

CUTS = {
    "2021-08-20": {"n_completed": 0, "n_discontinued": 1, "n_ongoing": 10, "w24_due": 1, "w24_bocf_n": 1},
    "2021-12-20": {"n_completed": 3, "n_discontinued": 2, "n_ongoing": 6, "w24_due": 5, "w24_bocf_n": 5},
}


@pytest.fixture(scope="module", params=sorted(CUTS))
def interim_build(request, tmp_path_factory):
    out_root = tmp_path_factory.mktemp(f"cut-{request.param}")
    done = subprocess.run([sys.executable, "-m", "analysis_utils.runner", "--data-dir", str(paths.DATA_RAW),
                           "--data-cutoff", request.param, "--out-root", str(out_root)],
                          capture_output=True, text=True, cwd=paths.PROJECT_ROOT)
    return request.param, out_root, done


def test_interim_report_builds_with_the_counts_of_the_cut(interim_build):
    cutoff, out_root, done = interim_build
    assert done.returncode == 0, done.stdout + done.stderr
    assert (out_root / "reports" / "report.html").is_file()
    ard = report.read_ard(out_root / "reports")
    expected = CUTS[cutoff]
    cut = dict(analysis_id="DISP-DATACUT", category="interim")
    for name in ("n_completed", "n_discontinued", "n_ongoing"):
        assert get_stat(ard, name, avisit="", **cut) == expected[name]
    assert get_stat(ard, "n_enrolled", avisit="", **cut) == 11
    assert get_stat(ard, "interim", avisit="", **cut) == 1
    assert ard.loc[ard["analysis_id"] == "DISP-DATACUT", "label"].eq(f"Data cut {cutoff}: interim").all()
    assert get_stat(ard, "n_due", analysis_id="EFF-VISITS-DUE", avisit="Week 24") == expected["w24_due"]
    assert get_stat(ard, "n", analysis_id="EFF-ESSDAI-SUMMARY-BOCF", avisit="Week 24", variable="AVAL") == \
        expected["w24_bocf_n"]
    html = (out_root / "reports" / "report.html").read_text(encoding="utf-8")
    assert f"Interim data cut ({cutoff})" in html


def test_an_interim_cut_keeps_the_planning_section_and_before_week_12_says_why_it_plans_nothing(interim_build):
    """The planning section is the pilot's at every cut: at 2021-08-20, without week-12 results yet, it stays with the
    explanation of planning.why_not_planned and nothing after it (a randomised trial's report leaves the section out);
    at 2021-12-20 it plans."""
    cutoff, out_root, done = interim_build
    assert done.returncode == 0, done.stdout + done.stderr
    html = (out_root / "reports" / "report.html").read_text(encoding="utf-8")
    section = html[html.index('id="sec-planning"'):html.index('id="sec-appendix"')]
    assert "5 Planning the randomised trial" in section
    early = "Not computed at this data cut: the pilot has no Week 12 ESSDAI MCII rate" in section
    assert (early, "Table P.1" in section) == ((True, False) if cutoff == "2021-08-20" else (False, True))
