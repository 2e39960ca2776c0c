"""Figures of the efficacy section: per-patient trajectories, box plots, waterfall, domain heatmap, and each arm's
change from baseline (a randomised trial).

Each function draws on ``ax`` (a new figure if ``None``) and returns the Axes; nothing is computed
beyond laying out the records it is given (observed records only: ``DTYPE`` blank or absent).
Colours are the Okabe-Ito palette (Okabe & Ito 2008, safe for the common colour-vision
deficiencies) and the ColorBrewer ``Blues`` colour map; jitter is seeded, so figures are deterministic.
"""

import textwrap

import matplotlib.pyplot as plt
from matplotlib.collections import LineCollection
import numpy as np
import pandas as pd

from analysis_utils.endpoints import compute_quantile
from analysis_utils.tables import format_number
from analysis_utils.visits import visit_weeks
from analysis_utils.vocabulary import ESSDAI_DOMAINS, ESSDAI_SCORE_PARAMCD, patient_label

#: Okabe-Ito colour-blind-safe palette.
OKABE_ITO = {
    "black": "#000000", "orange": "#E69F00", "sky_blue": "#56B4E9", "green": "#009E73",
    "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7",
}
#: Colours and markers of the arms of a randomised trial, the control arm first (Okabe-Ito: colour-blind-safe).
ARM_COLOURS = (OKABE_ITO["blue"], OKABE_ITO["vermillion"], OKABE_ITO["green"], OKABE_ITO["purple"])
ARM_MARKERS = ("o", "s", "^", "D")
#: Grey of the individual patients' lines and points.
PATIENT_GREY = "#8C8C8C"
#: Sequential single-hue colour map for the heatmap (ColorBrewer Blues: colour-blind-safe, 0 = white).
HEATMAP_CMAP = "Blues"
#: Colour of a heatmap cell without a record.
MISSING_GREY = "#D9D9D9"
#: Half-width of the horizontal jitter of points in box plots (in visit units).
JITTER_WIDTH = 0.08

#: Above this many patients, trajectories and waterfall bars are drawn as one collection each
#: (thin lines without per-patient ticks), and the box plots' points small and translucent; all three are raster
#: inside the SVG: the figure stays readable and fast for large trials (at 10,000 patients the box plots' SVG was
#: 9 MB of 30,000 vector points, 5 s to draw).
MANY_PATIENTS = 200
#: Most patients the waterfall names under its bars: at 8 inches wide, more labels overlap (87 patients of the
#: randomised example were unreadable); above, the axis says how many patients, ordered by change.
WATERFALL_NAMED_PATIENTS = 40
#: Characters of an arm's name (at 8 points) across the waterfall's width: an arm's share of the bars holds its share of
#: them, and a longer name goes on more lines, so that no arm's name overlaps another's.
WATERFALL_HEADER_CHARACTERS = 110
#: Most visits whose labels stand upright under a panel; more are slanted (weeks 0-24 every 4 weeks: 7 visits).
UPRIGHT_VISITS = 4
#: Short display names of the ESSDAI domains (heatmap columns).
DOMAIN_LABELS = {
    "constitutional": "Constitutional", "lymphadenopathy": "Lymphadenopathy", "glandular": "Glandular",
    "articular": "Articular", "cutaneous": "Cutaneous", "pulmonary": "Pulmonary", "renal": "Renal",
    "muscular": "Muscular", "pns": "PNS", "cns": "CNS", "haematological": "Haematological",
    "biological": "Biological",
}


def _axes(ax):
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.2))
    return ax


def _observed(data: pd.DataFrame, paramcds) -> pd.DataFrame:
    """Observed values of ``paramcds`` at the scheduled visits of ``data`` (``visits.visit_weeks``: every visit
    with a planned week; unscheduled and carried-forward records left out)."""
    rows = data[data["PARAMCD"].isin(list(paramcds)) & data["AVISIT"].isin(list(visit_weeks(data)))
                & data["AVAL"].notna()]
    if "DTYPE" in rows.columns:
        rows = rows[rows["DTYPE"].fillna("").eq("")]
    return rows


def _week_labels(rows: pd.DataFrame) -> dict:
    """Planned week -> visit label (AVISIT) of the scheduled visits of ``rows``."""
    return {w: v for v, w in visit_weeks(rows).items()}


def _visit_ticks(ax, positions, labels) -> None:
    """Visit labels on the x axis; slanted when there are more than ``UPRIGHT_VISITS`` (they would overlap)."""
    labels = list(labels)
    slant = {"rotation": 45, "ha": "right"} if len(labels) > UPRIGHT_VISITS else {}
    ax.set_xticks(list(positions), labels, **slant)


def _visit_axis(ax, weeks, label: dict) -> None:
    _visit_ticks(ax, weeks, [label.get(w, str(w)) for w in weeks])
    ax.set_xlabel("Visit")


def _arm_codes(ids, arm_of: pd.Series) -> np.ndarray:
    """Each of ``ids``' arm as its position in ``arm_of``'s categories (the control arm 0; -1 without an arm)."""
    return pd.Categorical(pd.Index(ids).map(arm_of), categories=arm_of.cat.categories).codes


def plot_trajectories(adeff: pd.DataFrame, *, paramcd: str, ax=None, arm_of: pd.Series | None = None):
    """Plot each patient's observed values over the visits (grey) with the mean per visit overlaid.

    The patients' lines come first in ``ax.lines`` (sorted by ``USUBJID``; x = ``AVISITN``), the mean
    line last (label ``"Mean"``), so a patient who dropped out shows a shorter line. With ``arm_of``, each patient's
    arm (indexed by ``USUBJID``, categorical, the control arm first: ``arms.arm_of_subjects``), one mean line per arm
    instead, in the arms' colours and markers of ``plot_arm_changes`` (label ``"Mean, <arm>"``).

    Examples
    --------
    >>> d = pd.DataFrame({"USUBJID": ["a", "a", "b"], "PARAMCD": "ESSDAI",
    ...                   "AVISIT": ["Baseline", "Week 12", "Baseline"], "AVISITN": [0, 12, 0],
    ...                   "AVAL": [10.0, 6.0, 8.0]})
    >>> ax = plot_trajectories(d, paramcd="ESSDAI")
    >>> ax.lines[0].get_xydata().tolist(), ax.lines[-1].get_xydata().tolist()
    ([[0.0, 10.0], [12.0, 6.0]], [[0.0, 9.0], [12.0, 6.0]])
    >>> ax = plot_trajectories(d, paramcd="ESSDAI", arm_of=pd.Series(["B", "A"], index=["a", "b"], dtype="category"))
    >>> [(line.get_label(), line.get_ydata().tolist()) for line in ax.lines[-2:]]
    [('Mean, A', [8.0]), ('Mean, B', [10.0, 6.0])]
    """
    ax = _axes(ax)
    rows = _observed(adeff, [paramcd]).sort_values(["USUBJID", "AVISITN"], kind="stable")
    if rows["USUBJID"].nunique() > MANY_PATIENTS:  # one collection of thin lines, not one artist per patient
        xy = rows[["AVISITN", "AVAL"]].to_numpy(float)
        starts = np.flatnonzero(rows["USUBJID"].ne(rows["USUBJID"].shift()).to_numpy())[1:]
        ax.add_collection(LineCollection(np.split(xy, starts), colors=PATIENT_GREY, linewidths=0.3, alpha=0.15,
                                         rasterized=True))  # raster inside the SVG: small and fast
    else:
        for _, one in rows.groupby("USUBJID", sort=True):
            ax.plot(one["AVISITN"], one["AVAL"], color=PATIENT_GREY, linewidth=0.9, marker="o", markersize=3,
                    alpha=0.8)
    if arm_of is None:
        mean = rows.groupby("AVISITN", sort=True)["AVAL"].mean()
        ax.plot(mean.index, mean.to_numpy(), color=OKABE_ITO["vermillion"], linewidth=2.5, marker="s", label="Mean")
    else:
        arm = _arm_codes(rows["USUBJID"], arm_of)
        for i, name in enumerate(arm_of.cat.categories):
            mean = rows[arm == i].groupby("AVISITN", sort=True)["AVAL"].mean()
            ax.plot(mean.index, mean.to_numpy(), color=ARM_COLOURS[i % len(ARM_COLOURS)], linewidth=2.5,
                    marker=ARM_MARKERS[i % len(ARM_MARKERS)], label=f"Mean, {name}")
    _visit_axis(ax, sorted(rows["AVISITN"].unique()), _week_labels(rows))
    ax.set_ylabel(paramcd)
    if arm_of is None:
        ax.legend(frameon=False, loc="upper right")
    else:  # two long labels over the patients' lines: on white
        ax.legend(loc="upper right", fontsize=8, framealpha=0.9, edgecolor="none")
    return ax


def _box_stats(values: np.ndarray) -> dict:
    """Box of ``values`` with the tables' quartiles (``endpoints.QUANTILE_METHOD``), whiskers to 1.5 IQR."""
    q1, med, q3 = (compute_quantile(values, q) for q in (0.25, 0.5, 0.75))
    inside = values[(values >= q1 - 1.5 * (q3 - q1)) & (values <= q3 + 1.5 * (q3 - q1))]
    return {"med": med, "q1": q1, "q3": q3, "whislo": inside.min(), "whishi": inside.max(), "fliers": []}


def plot_box_points(adeff: pd.DataFrame, *, paramcd: str, seed: int, ax=None, arm_of: pd.Series | None = None):
    """Plot the values by visit as box plots (median, quartiles, 1.5 IQR whiskers) with every patient's point.

    The quartiles are those of the summary tables (``endpoints.QUANTILE_METHOD``, type 2), so box
    edges and table agree; whiskers reach the most extreme values within 1.5 box lengths.

    Points are jittered horizontally by a generator seeded with ``seed`` (reproducible); the box
    patches are ``ax.patches`` in visit order and the points ``ax.collections[0]``. With ``arm_of``, each patient's
    arm (as ``plot_trajectories`` takes it), a box per arm side by side at each visit, in the arms' colours (an arm
    without a value at the visit has none), and the points of arm i, labelled with its name, ``ax.collections[i]``:
    the boxes are those of each arm's table (``arms.format_summary_by_arm``).

    Examples
    --------
    >>> d = pd.DataFrame({"USUBJID": list("abab"), "PARAMCD": "PGA", "AVISIT": ["Baseline"] * 2 + ["Week 12"] * 2,
    ...                   "AVISITN": [0, 0, 12, 12], "AVAL": [6.0, 4.0, 3.0, 2.0]})
    >>> ax = plot_box_points(d, paramcd="PGA", seed=1)
    >>> len(ax.patches), ax.collections[0].get_offsets()[:, 1].tolist()
    (2, [6.0, 4.0, 3.0, 2.0])
    >>> ax = plot_box_points(d, paramcd="PGA", seed=1, arm_of=pd.Series(["B", "A"], index=["a", "b"], dtype="category"))
    >>> len(ax.patches), [(c.get_label(), c.get_offsets()[:, 1].tolist()) for c in ax.collections]
    (4, [('A', [4.0, 2.0]), ('B', [6.0, 3.0])])
    """
    ax = _axes(ax)
    rows = _observed(adeff, [paramcd]).sort_values(["AVISITN", "USUBJID"], kind="stable")
    visits = list(visit_weeks(rows))  # the scheduled visits with a value, by planned week
    position = {v: i for i, v in enumerate(visits)}
    jitter = np.random.default_rng(seed).uniform(-JITTER_WIDTH, JITTER_WIDTH, size=len(rows))
    many = rows["USUBJID"].nunique() > MANY_PATIENTS
    if arm_of is None:
        boxes = [_box_stats(rows.loc[rows["AVISIT"] == v, "AVAL"].to_numpy(dtype=float)) for v in visits]
        ax.bxp(boxes, positions=range(len(visits)), widths=0.5, patch_artist=True, showfliers=False,
               boxprops={"facecolor": OKABE_ITO["sky_blue"], "alpha": 0.5},
               medianprops={"color": OKABE_ITO["black"], "linewidth": 1.5})
        x = rows["AVISIT"].map(position).to_numpy(dtype=float) + jitter
        ax.scatter(x, rows["AVAL"].to_numpy(), s=4 if many else 18, alpha=0.2 if many else None,
                   color=OKABE_ITO["blue"], zorder=3, rasterized=many)
    else:
        arm, names = _arm_codes(rows["USUBJID"], arm_of), list(arm_of.cat.categories)
        step = 0.8 / len(names)  # the arms' boxes of a visit side by side, within 0.8 of the space between visits
        for i, name in enumerate(names):
            mine, colour = arm == i, ARM_COLOURS[i % len(ARM_COLOURS)]
            offset = (i - (len(names) - 1) / 2) * step
            present = [v for v in visits if (mine & (rows["AVISIT"] == v).to_numpy()).any()]
            if present:
                ax.bxp([_box_stats(rows.loc[mine & (rows["AVISIT"] == v).to_numpy(), "AVAL"].to_numpy(dtype=float))
                        for v in present], positions=[position[v] + offset for v in present], widths=0.8 * step,
                       patch_artist=True, showfliers=False, boxprops={"facecolor": colour, "alpha": 0.3},
                       medianprops={"color": OKABE_ITO["black"], "linewidth": 1.5})
            x = rows.loc[mine, "AVISIT"].map(position).to_numpy(dtype=float) + offset + jitter[mine] * 1.6 * step
            ax.scatter(x, rows.loc[mine, "AVAL"].to_numpy(), s=4 if many else 18, alpha=0.3 if many else 0.8,
                       color=colour, marker=ARM_MARKERS[i % len(ARM_MARKERS)], zorder=3, rasterized=many, label=name)
    _visit_ticks(ax, range(len(visits)), visits)
    ax.set_xlabel("Visit")
    ax.set_ylabel(paramcd)
    return ax


#: Horizontal distance between the arms' points at a visit (in visits), so that their intervals do not overlap.
ARM_DODGE = 0.12


def plot_arm_changes(ard: pd.DataFrame, *, analysis_id: str, arms, baseline: str = "Baseline",
                     switch_visit: str | None = None, ax=None):
    """Plot each arm's change from baseline by visit as the ARD gives it: the least-squares mean (``lsmean``) and its
    95 % CI (``ci_lower``, ``ci_upper``) of ``analysis_id`` (the between-arm repeated-measures model, ``arms``'
    ``EFF-{P}-MMRM``), one line per arm of ``arms`` (in that order, the control arm first), from 0 at ``baseline``;
    a dotted line at ``switch_visit``, the visit after which patients of the control arm may switch treatment.
    Nothing is computed: the points are the ARD's. ``ax.containers`` holds one error-bar container per arm, in arm
    order; the switch line is the last of ``ax.lines``.

    >>> ard = pd.DataFrame({"analysis_id": "M", "group": ["A"] * 6 + ["B"] * 6,
    ...                     "avisit": (["Week 4"] * 3 + ["Week 8"] * 3) * 2,
    ...                     "stat_name": ["lsmean", "ci_lower", "ci_upper"] * 4,
    ...                     "stat_value": [-1.0, -2.0, 0.0, -2.0, -3.0, -1.0, -1.5, -2.0, -1.0, -3.0, -4.0, -2.0]})
    >>> ax = plot_arm_changes(ard, analysis_id="M", arms=["A", "B"], switch_visit="Week 4")
    >>> [arm.lines[0].get_ydata().tolist() for arm in ax.containers]
    [[0.0, -1.0, -2.0], [0.0, -1.5, -3.0]]
    >>> [t.get_text() for t in ax.get_xticklabels()], list(ax.lines[-1].get_xdata())
    (['Baseline', 'Week 4', 'Week 8'], [1.0, 1.0])
    """
    ax = _axes(ax)
    rows = ard[ard["analysis_id"] == analysis_id]
    visits = list(dict.fromkeys(rows["avisit"]))
    x = np.arange(len(visits) + 1, dtype=float)
    for i, arm in enumerate(arms):
        stats = (rows[rows["group"] == arm].pivot_table(index="avisit", columns="stat_name", values="stat_value",
                                                        aggfunc="first")
                 .reindex(index=visits, columns=["lsmean", "ci_lower", "ci_upper"]))  # not estimable: not drawn
        y, lo, hi = (np.r_[0.0, stats[name].to_numpy(float)] for name in ("lsmean", "ci_lower", "ci_upper"))
        ax.errorbar(x + (i - (len(arms) - 1) / 2) * ARM_DODGE, y, yerr=[y - lo, hi - y], label=arm, capsize=3,
                    color=ARM_COLOURS[i % len(ARM_COLOURS)], marker=ARM_MARKERS[i % len(ARM_MARKERS)], linewidth=1.8,
                    markersize=5)
    ax.axhline(0, color=PATIENT_GREY, linewidth=0.8)
    if switch_visit in visits:
        at = float(visits.index(switch_visit) + 1)
        ax.axvline(at, color=OKABE_ITO["black"], linestyle=":", linewidth=1.2)
        ax.annotate("switch", (at, 1), xycoords=("data", "axes fraction"), xytext=(3, -3), textcoords="offset points",
                    va="top", fontsize=8)
    _visit_ticks(ax, x, [baseline, *visits])
    ax.set_xlabel("Visit")
    return ax


def plot_waterfall(adeff: pd.DataFrame, *, avisits=("Week 12", "Week 24"), threshold: float = -3, ax=None,
                   paramcd: str = "ESSDAI", arm_of: pd.Series | None = None):
    """Plot each patient's change from baseline as bars, one colour per visit, with the MCII line.

    Patients are ordered from the largest increase to the largest decrease at the last visit of
    ``avisits`` (patients without it first, then by the earlier visit; ties by ``USUBJID``); patients
    with no change at any of ``avisits`` are left out. Ticks name the patients as the listings do
    (``vocabulary.patient_label``: ``01-007``), up to ``WATERFALL_NAMED_PATIENTS`` patients. The bars
    of visit i are ``ax.containers[i]``; a patient without a value at a visit has a bar of height
    NaN (not drawn). A dashed line marks ``threshold`` (ESSDAI MCII: a change of -3 or less). With ``arm_of``, each
    patient's arm (as ``plot_trajectories`` takes it), the patients of each arm together, in the arms' order and by
    change within each, a dotted line between arms and each arm named, with its patients, above them.

    Examples
    --------
    >>> d = pd.DataFrame({"USUBJID": ["a", "a", "b"], "PARAMCD": "ESSDAI", "AVISIT": ["Week 12", "Week 24", "Week 12"],
    ...                   "AVISITN": [12, 24, 12], "AVAL": [6.0, 4.0, 7.0], "CHG": [-4.0, -6.0, -1.0]})
    >>> ax = plot_waterfall(d)
    >>> [float(b.get_height()) for b in ax.containers[0]], [float(b.get_height()) for b in ax.containers[1]]
    ([-1.0, -4.0], [nan, -6.0])
    >>> ax = plot_waterfall(d, arm_of=pd.Series(["A", "B"], index=["a", "b"], dtype="category"))
    >>> [float(b.get_height()) for b in ax.containers[0]], [t.get_text() for t in ax.texts]
    ([-4.0, -1.0], ['A (n = 1)', 'B (n = 1)'])
    """
    ax = _axes(ax)
    rows = _observed(adeff, [paramcd])
    wide = rows.pivot_table(index="USUBJID", columns="AVISIT", values="CHG", aggfunc="first")
    wide = wide.reindex(columns=list(avisits)).dropna(how="all")
    order = wide.assign(_id=wide.index).sort_values(
        list(reversed(avisits)) + ["_id"], ascending=[False] * len(avisits) + [True], na_position="first",
        kind="stable")
    if arm_of is not None:  # each arm's patients together, in the arms' order
        arm = _arm_codes(order.index, arm_of)
        order, arm = order.iloc[np.argsort(arm, kind="stable")], np.sort(arm, kind="stable")
    colours = [OKABE_ITO["orange"], OKABE_ITO["blue"], OKABE_ITO["green"], OKABE_ITO["purple"]]
    width = 0.8 / len(avisits)
    x = np.arange(len(order))
    many = len(order) > MANY_PATIENTS
    for i, visit in enumerate(avisits):
        xs, heights = x + (i - (len(avisits) - 1) / 2) * width, order[visit].to_numpy(dtype=float)
        if many:  # one collection of vertical lines, not one bar per patient
            ax.vlines(xs, 0, heights, colors=colours[i % len(colours)], linewidth=0.4, label=visit, rasterized=True)
        else:
            ax.bar(xs, heights, width=width, color=colours[i % len(colours)], label=visit)
    ax.axhline(threshold, color=OKABE_ITO["black"], linestyle="--", linewidth=1, label=f"MCII ({threshold:g})")
    ax.axhline(0, color=PATIENT_GREY, linewidth=0.8)
    if arm_of is not None and len(order):  # an early cut: no change yet, no arm to name
        starts = np.r_[0, np.flatnonzero(np.diff(arm)) + 1]
        for start, end in zip(starts, np.r_[starts[1:], len(arm)]):
            if start:
                ax.axvline(start - 0.5, color=PATIENT_GREY, linestyle=":", linewidth=1)
            name = arm_of.cat.categories[arm[start]] if arm[start] >= 0 else "No arm"
            fits = max(12, WATERFALL_HEADER_CHARACTERS * (end - start) // len(arm))  # characters over its bars
            lines, count = textwrap.wrap(str(name), fits, break_on_hyphens=False) or [""], f"(n = {end - start})"
            lines = [*lines[:-1], f"{lines[-1]} {count}"] if len(lines[-1]) + len(count) < fits else [*lines, count]
            ax.text((start + end - 1) / 2, 1.01, "\n".join(lines), transform=ax.get_xaxis_transform(),
                    ha="center", va="bottom", fontsize=8)
    if len(order) > WATERFALL_NAMED_PATIENTS:
        ax.set_xticks([])
        ax.set_xlabel(f"Patients (n = {len(order)}), {'' if arm_of is None else 'by arm, '}ordered by change")
    else:
        ax.set_xticks(x, [patient_label(s) for s in order.index], rotation=60, ha="right", fontsize=7)
        ax.set_xlabel("Patient")
    ax.set_ylabel(f"Change in {paramcd} from baseline")
    ax.legend(frameon=False, fontsize=8)
    return ax


#: Above this many patients the heatmap shows the mean domain score per visit instead of one row
#: per patient and visit (a readable figure of bounded size for large trials).
HEATMAP_MAX_SUBJECTS = 60


def _heatmap_of_means(rows: pd.DataFrame) -> bool:
    return rows["USUBJID"].nunique() > HEATMAP_MAX_SUBJECTS


def describe_heatmap_rows(adeff: pd.DataFrame, *, arms: bool = False) -> str:
    """What a row of ``plot_domain_heatmap`` is, for the figure's caption: a patient at a visit, or, above
    ``HEATMAP_MAX_SUBJECTS`` patients, a visit (of an arm: ``arms``) with the mean score of the patients assessed.

    >>> d = pd.DataFrame({"USUBJID": ["a", "b"], "PARAMCD": "EDSARTIC", "AVISIT": "Baseline", "AVISITN": 0,
    ...                   "AVAL": 2.0})
    >>> describe_heatmap_rows(d)
    'Each row is a patient at a visit.'
    """
    if not _heatmap_of_means(_observed(adeff, {code: d for d, code in ESSDAI_SCORE_PARAMCD.items()})):
        return "Each row is a patient at a visit."
    return (f"Each row is a visit{' of an arm' if arms else ''}: the mean score of the patients assessed at it (more "
            f"than {HEATMAP_MAX_SUBJECTS} patients, too many for a row each).")


def plot_domain_heatmap(adeff: pd.DataFrame, *, ax=None, arm_of: pd.Series | None = None):
    """Plot the ESSDAI domain scores (weight x level) as a heatmap: patient x visit rows, domain columns.

    Rows run by ``USUBJID`` then visit; columns follow ``vocabulary.ESSDAI_DOMAINS``; without ``ax``
    the new figure's height follows the number of rows. A cell without a record is blank (NaN, drawn in grey);
    non-zero scores are written in the cell; rows name the patients as the listings do
    (``vocabulary.patient_label``). Above ``HEATMAP_MAX_SUBJECTS`` patients a row is a visit: the mean score of
    the patients assessed at it, written with two decimals, the row naming their number; with ``arm_of`` (each
    patient's arm, as ``plot_trajectories`` takes it), a row is an arm's visit, the arms in their order, a line
    between them. The matrix is ``ax.images[0].get_array()``.

    Examples
    --------
    >>> d = pd.DataFrame({"USUBJID": "a", "PARAMCD": ["EDSARTIC", "EDSBIOL"], "AVISIT": "Baseline",
    ...                   "AVISITN": 0, "AVAL": [4.0, 1.0]})
    >>> ax = plot_domain_heatmap(d)
    >>> ax.images[0].get_array()[0, [2, 3, 11]].tolist()
    [None, 4.0, 1.0]
    >>> many = pd.DataFrame({"USUBJID": [f"s{i}" for i in range(62)], "PARAMCD": "EDSARTIC", "AVISIT": "Baseline",
    ...                      "AVISITN": 0, "AVAL": [2.0] * 31 + [4.0] * 31})
    >>> arm_of = pd.Series(pd.Categorical(["B"] * 31 + ["A"] * 31, categories=["A", "B"]), index=many["USUBJID"])
    >>> ax = plot_domain_heatmap(many, arm_of=arm_of)
    >>> ax.images[0].get_array()[:, 3].tolist(), [t.get_text() for t in ax.get_yticklabels()]
    ([4.0, 2.0], ['A: Baseline (mean of 31)', 'B: Baseline (mean of 31)'])
    """
    code_to_domain = {code: d for d, code in ESSDAI_SCORE_PARAMCD.items()}
    rows = _observed(adeff, code_to_domain)
    week_label = _week_labels(rows)
    mean = _heatmap_of_means(rows)
    if mean:  # one row per visit (of each arm): the mean over the patients assessed at it, named with their number
        rows = rows.assign(_GROUP=0 if arm_of is None else _arm_codes(rows["USUBJID"], arm_of))
        assessed = rows.groupby(["_GROUP", "AVISITN"])["USUBJID"].nunique()
        arm_name = {0: ""} if arm_of is None else {i: f"{name}: " for i, name in enumerate(arm_of.cat.categories)}
        arm_name[-1] = "No arm: "
        rows = rows.assign(USUBJID=rows["_GROUP"])
        wide = rows.pivot_table(index=["USUBJID", "AVISITN"], columns="PARAMCD", values="AVAL", aggfunc="mean")
    else:
        wide = rows.pivot_table(index=["USUBJID", "AVISITN"], columns="PARAMCD", values="AVAL", aggfunc="first")
    wide = wide.reindex(columns=[ESSDAI_SCORE_PARAMCD[d] for d in ESSDAI_DOMAINS]).sort_index()
    if ax is None:  # one row per patient x visit: the height follows the number of rows (room for the colour bar)
        _, ax = plt.subplots(figsize=(8, max(3.2, 1.5 + 0.18 * len(wide))), layout="constrained")
    cmap = plt.get_cmap(HEATMAP_CMAP).with_extremes(bad=MISSING_GREY)
    values = np.ma.masked_invalid(wide.to_numpy(dtype=float))
    image = ax.imshow(values, aspect="auto", cmap=cmap, vmin=0, interpolation="nearest")
    scores = wide.to_numpy(dtype=float)
    dark = 0.6 * np.nanmax(scores)  # a score from here up is written in white on its dark cell
    for (i, j), v in np.ndenumerate(scores):
        if v > 0:
            ax.text(j, i, format_number(v, 2) if mean else f"{v:.3g}", ha="center", va="center", fontsize=6,
                    color="black" if v < dark else "white")
    names = {s: patient_label(s) for s in wide.index.get_level_values(0)}
    ax.set_yticks(range(len(wide)), [f"{arm_name[s]}{week_label.get(w, w)} (mean of {assessed[s, w]})" if mean
                                     else f"{names[s]}  {week_label.get(w, w)}" for s, w in wide.index], fontsize=6)
    ax.set_xticks(range(len(ESSDAI_DOMAINS)), [DOMAIN_LABELS[d] for d in ESSDAI_DOMAINS], rotation=60,
                  ha="right", fontsize=7)
    starts = [i for i in range(1, len(wide)) if wide.index[i][0] != wide.index[i - 1][0]]
    for i in starts:
        ax.axhline(i - 0.5, color=PATIENT_GREY, linewidth=1.0)
    if mean:  # a few rows: a label on two lines beside a full-height bar
        ax.figure.colorbar(image, ax=ax, label="Mean domain score\n(weight x level)")
    else:
        ax.figure.colorbar(image, ax=ax, label="Domain score (weight x level)", shrink=0.6)
    return ax
