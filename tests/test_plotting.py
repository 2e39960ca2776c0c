"""Tests of analysis_utils.plotting: the data drawn on the Axes, read back under Agg."""

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from analysis_utils import plotting  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")  # pyplot keeps every figure until closed (matplotlib warns past 20)


ADEFF = pd.DataFrame({
    "USUBJID": ["S2", "S2", "S2", "S1", "S1", "S3", "S3", "S3"],
    "PARAMCD": "ESSDAI",
    "AVISIT": ["Baseline", "Week 12", "Week 24", "Baseline", "Week 12", "Baseline", "Week 12", "Week 24"],
    "AVISITN": [0, 12, 24, 0, 12, 0, 12, 24],
    "AVAL": [10.0, 7.0, 4.0, 8.0, 7.0, 12.0, 5.0, 3.0],
    "CHG": [np.nan, -3.0, -6.0, np.nan, -1.0, np.nan, -7.0, -9.0],
    "DTYPE": ["", "", "", "", "", "", "", ""],
})
LOCF_ROW = pd.DataFrame({"USUBJID": ["S1"], "PARAMCD": "ESSDAI", "AVISIT": ["Week 24"], "AVISITN": [24],
                         "AVAL": [7.0], "CHG": [-1.0], "DTYPE": ["LOCF"]})


def test_trajectories_one_line_per_patient_then_mean():
    ax = plotting.plot_trajectories(pd.concat([ADEFF, LOCF_ROW]), paramcd="ESSDAI")
    assert len(ax.lines) == 4
    assert ax.lines[0].get_xydata().tolist() == [[0, 8], [12, 7]]  # S1: observed only, the LOCF row is not drawn
    assert ax.lines[1].get_xydata().tolist() == [[0, 10], [12, 7], [24, 4]]
    mean = ax.lines[-1]
    assert mean.get_label() == "Mean"
    assert mean.get_xydata().tolist() == [[0, 10], [12, 19 / 3], [24, 3.5]]
    assert to_hex(mean.get_color()) == plotting.OKABE_ITO["vermillion"].lower()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Baseline", "Week 12", "Week 24"]


def test_trajectories_of_a_randomised_trial_a_mean_per_arm():
    """S1 and S3 in arm B, S2 in the control arm A (first): each arm's mean by hand, in the arms' colours and markers
    of the figure by arm; the patients' lines as without arms."""
    arm_of = pd.Series(pd.Categorical(["B", "A", "B"], categories=["A", "B"]), index=["S1", "S2", "S3"])
    ax = plotting.plot_trajectories(pd.concat([ADEFF, LOCF_ROW]), paramcd="ESSDAI", arm_of=arm_of)
    assert len(ax.lines) == 5 and ax.lines[0].get_xydata().tolist() == [[0, 8], [12, 7]]
    control, treated = ax.lines[-2:]
    assert control.get_label() == "Mean, A" and control.get_xydata().tolist() == [[0, 10], [12, 7], [24, 4]]
    assert treated.get_label() == "Mean, B" and treated.get_xydata().tolist() == [[0, 10], [12, 6], [24, 3]]
    assert [to_hex(line.get_color()) for line in (control, treated)] == [c.lower() for c in plotting.ARM_COLOURS[:2]]
    assert [line.get_marker() for line in (control, treated)] == list(plotting.ARM_MARKERS[:2])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Mean, A", "Mean, B"]


def test_waterfall_of_a_randomised_trial_groups_each_arms_patients():
    """S2 alone in the control arm A, S1 and S3 in B: S2 first, then B's patients by week-24 change (S1 without one
    first, then S3); a dotted line between the arms, each named with its patients above them."""
    arm_of = pd.Series(pd.Categorical(["B", "A", "B"], categories=["A", "B"]), index=["S1", "S2", "S3"])
    ax = plotting.plot_waterfall(ADEFF, arm_of=arm_of)
    assert [b.get_height() for b in ax.containers[0]] == [-3.0, -1.0, -7.0]  # week 12 of S2, S1, S3
    separators = [line for line in ax.lines if line.get_linestyle() == ":"]
    assert [line.get_xdata()[0] for line in separators] == [0.5]
    assert [(t.get_text(), t.get_position()[0]) for t in ax.texts] == [("A (n = 1)", 0.0), ("B (n = 2)", 1.5)]
    # a name longer than its share of the width holds (WATERFALL_HEADER_CHARACTERS: 110 x 1 / 3 = 36 characters over
    # one patient of three) goes on lines of its own, the count last; one that fits stays on one line
    long = "Baricitinib 2 mg + HCQ 400 mg (centre 01 to 08)"
    arm_of = pd.Series(pd.Categorical([long, "A", "B"], categories=["A", long, "B"]), index=["S1", "S2", "S3"])
    ax = plotting.plot_waterfall(ADEFF, arm_of=arm_of)
    assert plotting.WATERFALL_HEADER_CHARACTERS == 110
    assert [t.get_text() for t in ax.texts] == ["A (n = 1)", "Baricitinib 2 mg + HCQ 400 mg\n(centre 01 to 08) (n = 1)",
                                                "B (n = 1)"]


def test_box_points_boxes_points_and_seeded_jitter():
    ax = plotting.plot_box_points(ADEFF, paramcd="ESSDAI", seed=20210615)
    assert len(ax.patches) == 3  # one box per visit
    points = ax.collections[0].get_offsets()
    assert sorted(points[:, 1].tolist()) == sorted(ADEFF["AVAL"].tolist())
    expected_x = np.array([0, 0, 0, 1, 1, 1, 2, 2], dtype=float)  # rows sorted by visit, then subject
    assert np.all(np.abs(points[:, 0] - expected_x) <= plotting.JITTER_WIDTH)
    again = plotting.plot_box_points(ADEFF, paramcd="ESSDAI", seed=20210615).collections[0].get_offsets()
    other = plotting.plot_box_points(ADEFF, paramcd="ESSDAI", seed=1).collections[0].get_offsets()
    assert np.array_equal(points, again) and not np.array_equal(points, other)


def test_waterfall_orders_patients_and_marks_threshold():
    baseline_only = pd.DataFrame({"USUBJID": ["S4"], "PARAMCD": "ESSDAI", "AVISIT": ["Baseline"], "AVISITN": [0],
                                  "AVAL": [9.0], "CHG": [0.0], "DTYPE": [""]})
    ax = plotting.plot_waterfall(pd.concat([ADEFF, baseline_only]))  # S4 has no change to show: left out
    week12, week24 = ax.containers
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["S1", "S2", "S3"]  # S1 has no week 24 (first), then -6, -9
    named = plotting.plot_waterfall(ADEFF.assign(USUBJID="NCT04916756-02-01" + ADEFF["USUBJID"].str[1]))
    assert [t.get_text() for t in named.get_xticklabels()] == ["02-011", "02-012", "02-013"]  # as in the listings
    assert [float(b.get_height()) for b in week12] == [-1.0, -3.0, -7.0]
    assert np.isnan(week24[0].get_height()) and [float(b.get_height()) for b in week24[1:]] == [-6.0, -9.0]
    threshold = [line for line in ax.lines if line.get_label() == "MCII (-3)"]
    assert len(threshold) == 1 and threshold[0].get_ydata()[0] == -3


def test_waterfall_names_patients_only_while_their_labels_fit():
    """Up to ``WATERFALL_NAMED_PATIENTS`` patients are named under their bars; one more and the axis counts them."""
    def patients(n):
        ids = [f"S{i:03d}" for i in range(n)]
        return pd.DataFrame({"USUBJID": ids, "PARAMCD": "ESSDAI", "AVISIT": "Week 12", "AVISITN": 12,
                             "AVAL": 5.0, "CHG": -np.arange(n, dtype=float), "DTYPE": ""})
    named = plotting.WATERFALL_NAMED_PATIENTS
    ax = plotting.plot_waterfall(patients(named), avisits=("Week 12",))
    assert len(ax.get_xticklabels()) == named and ax.get_xlabel() == "Patient"
    ax = plotting.plot_waterfall(patients(named + 1), avisits=("Week 12",))
    assert not ax.get_xticklabels() and ax.get_xlabel() == f"Patients (n = {named + 1}), ordered by change"
    assert len(ax.containers[0]) == named + 1  # still one bar each


def test_domain_heatmap_places_scores_by_patient_visit_and_domain():
    scores = pd.DataFrame({
        "USUBJID": ["S2", "S1", "S1", "S1"], "PARAMCD": ["EDSARTIC", "EDSBIOL", "EDSARTIC", "ESSDAI"],
        "AVISIT": ["Baseline", "Week 12", "Baseline", "Baseline"], "AVISITN": [0, 12, 0, 0],
        "AVAL": [4.0, 1.0, 2.0, 9.0],
    })
    ax = plotting.plot_domain_heatmap(scores)
    matrix = ax.images[0].get_array()
    assert matrix.shape == (3, 12)  # rows S1 Baseline, S1 Week 12, S2 Baseline; 12 domains
    assert [t.get_text() for t in ax.get_yticklabels()] == ["S1  Baseline", "S1  Week 12", "S2  Baseline"]
    named = plotting.plot_domain_heatmap(scores.assign(USUBJID=scores["USUBJID"].map(
        {"S1": "NCT04916756-01-001", "S2": "NCT04916756-01-002"})))
    assert named.get_yticklabels()[0].get_text() == "01-001  Baseline"  # as the listings name the patient
    assert matrix[0, 3] == 2.0 and matrix[1, 11] == 1.0 and matrix[2, 3] == 4.0
    assert matrix.mask[0, 0]  # no record: blank cell
    assert [t.get_text() for t in ax.get_xticklabels()][:4] == ["Constitutional", "Lymphadenopathy", "Glandular",
                                                                "Articular"]


def test_figures_are_byte_reproducible():
    def render():
        fig, ax = plt.subplots()
        plotting.plot_box_points(ADEFF, paramcd="ESSDAI", seed=7, ax=ax)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", metadata={"Software": None})
        return buffer.getvalue()
    assert render() == render()


def test_palette_is_okabe_ito():
    assert list(plotting.OKABE_ITO.values()) == [
        "#000000", "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"]


def test_box_edges_are_the_tables_type_2_quartiles():
    data = pd.DataFrame({"USUBJID": list("abcd"), "PARAMCD": "PGA", "AVISIT": "Baseline", "AVISITN": 0,
                         "AVAL": [1.0, 2.0, 3.0, 10.0]})
    ax = plotting.plot_box_points(data, paramcd="PGA", seed=0)
    box_y = ax.patches[0].get_path().vertices[:, 1]
    assert (box_y.min(), box_y.max()) == (1.5, 6.5)  # type 2: (1 + 2) / 2 and (3 + 10) / 2
    whiskers = sorted(y for line in ax.lines for y in line.get_ydata())
    assert whiskers[0] == 1.0 and whiskers[-1] == 10.0


def test_box_points_of_a_randomised_trial_a_box_per_arm_with_the_arm_tables_quartiles():
    from analysis_utils import arms

    # arm A: baseline 1, 2, 3, 10 (type 2 quartiles 1.5 and 6.5), week 12 none; arm B: baseline 4, 8, week 12 5, 7
    data = pd.DataFrame({"USUBJID": list("abcdefef"), "PARAMCD": "PGA", "AVISIT": ["Baseline"] * 6 + ["Week 12"] * 2,
                         "AVISITN": [0] * 6 + [12] * 2, "AVAL": [1.0, 2.0, 3.0, 10.0, 4.0, 8.0, 5.0, 7.0],
                         "TRTP": list("AAAABBBB")})
    arm_of = pd.Series(list("AAAABB"), index=list("abcdef"), dtype=pd.CategoricalDtype(["A", "B"]))
    ax = plotting.plot_box_points(data, paramcd="PGA", seed=0, arm_of=arm_of)
    corners = [p.get_path().vertices for p in ax.patches]
    boxes = [((v[:, 0].min() + v[:, 0].max()) / 2, v[:, 1].min(), v[:, 1].max()) for v in corners]
    assert [(round(x, 2), lo, hi) for x, lo, hi in boxes] == [(-0.2, 1.5, 6.5), (0.2, 4.0, 8.0), (1.2, 5.0, 7.0)]
    assert [(c.get_label(), len(c.get_offsets())) for c in ax.collections] == [("A", 4), ("B", 4)]
    table = arms.summarize_by_arm(data, paramcd="PGA")  # the box edges are the table's quartiles
    q = table[(table["group"] == "A") & (table["avisit"] == "Baseline")].set_index("stat_name")["stat_value"]
    assert (q["q1"], q["q3"]) == (1.5, 6.5)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Baseline", "Week 12"]


def test_domain_heatmap_shows_visit_means_for_large_trials():
    from analysis_utils import plotting

    n = plotting.HEATMAP_MAX_SUBJECTS + 1
    d = pd.DataFrame({"USUBJID": [f"S{i:03d}" for i in range(n)] * 2, "PARAMCD": "EDSARTIC",
                      "AVISIT": ["Baseline"] * n + ["Week 12"] * n, "AVISITN": [0] * n + [12] * n,
                      "AVAL": [4.0] * n + [0.0] * (n - 1) + [2.0]})
    ax = plotting.plot_domain_heatmap(d)
    matrix = ax.images[0].get_array()
    assert matrix.shape == (2, 12)
    assert matrix[0, 3] == 4.0 and matrix[1, 3] == pytest.approx(2.0 / n)
    assert [t.get_text() for t in ax.get_yticklabels()] == [f"Baseline (mean of {n})", f"Week 12 (mean of {n})"]
    assert sorted(t.get_text() for t in ax.texts) == ["0.03", "4.00"]  # 2 / 61 = 0.0328: two decimals
    # the caption says what a row is (it said "rows are patients" above a randomised trial's 87 patients' means)
    assert plotting.describe_heatmap_rows(d, arms=True) == (
        "Each row is a visit of an arm: the mean score of the patients assessed at it (more than 60 patients, too many "
        "for a row each).")
    assert plotting.describe_heatmap_rows(d[d["USUBJID"] != "S000"]) == "Each row is a patient at a visit."
    fewer = plotting.plot_domain_heatmap(d[(d["AVISIT"] == "Baseline") | (d["USUBJID"] != "S000")])
    assert [t.get_text() for t in fewer.get_yticklabels()] == [f"Baseline (mean of {n})", f"Week 12 (mean of {n - 1})"]


def test_trajectories_waterfall_and_box_points_are_light_for_many_patients():
    from analysis_utils import plotting

    n = plotting.MANY_PATIENTS + 1
    ids = [f"S{i:04d}" for i in range(n)]
    d = pd.DataFrame({"USUBJID": ids * 2, "PARAMCD": "ESSDAI", "AVISIT": ["Baseline"] * n + ["Week 12"] * n,
                      "AVISITN": [0] * n + [12] * n, "AVAL": [10.0] * n + [6.0] * n,
                      "CHG": [np.nan] * n + [-4.0] * n})
    ax = plotting.plot_trajectories(d, paramcd="ESSDAI")
    assert len(ax.collections) == 1 and len(ax.collections[0].get_segments()) == n
    assert ax.lines[-1].get_xydata().tolist() == [[0.0, 10.0], [12.0, 6.0]]  # the mean
    ax = plotting.plot_waterfall(d, avisits=("Week 12",))
    assert len(ax.patches) == 0 and len(ax.collections[0].get_segments()) == n
    points = plotting.plot_box_points(d, paramcd="ESSDAI", seed=1).collections[0]
    assert len(points.get_offsets()) == 2 * n and points.get_rasterized() and points.get_alpha() == 0.2
    few = plotting.plot_box_points(d[d["USUBJID"] != ids[0]], paramcd="ESSDAI", seed=1).collections[0]
    assert not few.get_rasterized() and few.get_alpha() is None and few.get_sizes().tolist() == [18.0]


def test_figures_of_an_early_data_cut_without_post_baseline_values():
    # At an early interim cut only baseline values exist: every figure is drawn, empty where there is nothing yet.
    d = pd.DataFrame({"USUBJID": ["a", "b"], "PARAMCD": "ESSDAI", "AVISIT": "Baseline", "AVISITN": 0,
                      "AVAL": [10.0, 8.0], "CHG": [np.nan, np.nan]})
    ax = plotting.plot_trajectories(d, paramcd="ESSDAI")
    assert ax.lines[-1].get_xydata().tolist() == [[0.0, 9.0]]
    assert len(plotting.plot_box_points(d, paramcd="ESSDAI", seed=1).patches) == 1
    waterfall = plotting.plot_waterfall(d, avisits=("Week 12", "Week 24"))
    assert [len(c) for c in waterfall.containers] == [0, 0]
    arm_of = pd.Series(pd.Categorical(["A", "B"]), index=["a", "b"])  # a randomised trial: its figures by arm too
    waterfall = plotting.plot_waterfall(d, avisits=("Week 12", "Week 24"), arm_of=arm_of)
    assert [len(c) for c in waterfall.containers] == [0, 0] and not waterfall.texts
    assert [line.get_label() for line in plotting.plot_trajectories(d, paramcd="ESSDAI", arm_of=arm_of).lines[-2:]] \
        == ["Mean, A", "Mean, B"]


def test_waterfall_without_week_24_draws_week_12_only():
    d = pd.DataFrame({"USUBJID": ["a", "b"], "PARAMCD": "ESSDAI", "AVISIT": "Week 12", "AVISITN": 12,
                      "AVAL": [6.0, 7.0], "CHG": [-4.0, -1.0]})
    ax = plotting.plot_waterfall(d, avisits=("Week 12", "Week 24"))
    heights = [[float(b.get_height()) for b in c] for c in ax.containers]
    assert heights[0] == [-1.0, -4.0] and all(np.isnan(h) for h in heights[1])


def test_arm_changes_leave_out_what_the_model_could_not_estimate():
    """At an early data cut an arm may have no estimate at a visit, or none at all: nothing is drawn there."""
    ard = pd.DataFrame({"analysis_id": "M", "group": "A", "avisit": ["Week 4"] * 3 + ["Week 8"] * 3,
                        "stat_name": ["lsmean", "ci_lower", "ci_upper"] * 2,
                        "stat_value": [-1.0, -2.0, 0.0, np.nan, np.nan, np.nan]})
    ax = plotting.plot_arm_changes(ard, analysis_id="M", arms=["A", "B"])
    a, b = (list(arm.lines[0].get_ydata()) for arm in ax.containers)
    assert a[:2] == [0.0, -1.0] and np.isnan(a[2])
    assert b[0] == 0.0 and np.isnan(b[1:]).all()
