"""Figures of the trial-planning section: power curves.

Plot functions take a results frame from ``analysis_utils.planning`` and ``ax=None``, draw, and
return the Axes; they compute nothing. Colours are the Okabe-Ito colour-blind-safe palette, and
every series also has its own line style and marker, so the figure reads in grey scale too.
"""

import math

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

#: Okabe & Ito (2008) colour-blind-safe colours, in the order series are drawn.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9")
LINE_STYLES = ("-", "--", "-.", ":")
MARKERS = ("o", "s", "^", "D")
#: Labelled sizes of the logarithmic x axis of the power curves, per decade: 10, 20, 50, 100, ... (the 1-2-5 series).
LOG_TICKS = (1, 2, 5)


def log_ticks(low: float, high: float) -> list[float]:
    """The ``LOG_TICKS`` of each decade from the power of ten at or below ``low`` to that at or above ``high`` (one
    decade at least): the axis limits are the first and the last.

    >>> log_ticks(12, 900)
    [10, 20, 50, 100, 200, 500, 1000]
    >>> log_ticks(30, 60), log_ticks(100, 100)
    ([10, 20, 50, 100], [100, 200, 500, 1000])
    """
    first = math.floor(math.log10(low))
    last = max(first + 1, math.ceil(math.log10(high)))
    return [m * 10 ** e for e in range(first, last) for m in LOG_TICKS] + [10 ** last]


def plot_power_curves(grid: pd.DataFrame, *, target: float | None = None, ax=None):
    """Plot power against the total sample size, one curve per scenario, the sizes on a logarithmic axis.

    The scenarios' sizes span tens to hundreds of patients (Table P.2: 42 to 846): on a linear axis the smaller ones
    would crowd into its first tenth. The axis runs from the power of ten below the smallest size to that above the
    largest (``log_ticks``); the legend is below the axes, where it hides no curve (a new figure is laid out for it;
    on a given ``ax``, lay its figure out with ``layout="constrained"``).

    Parameters
    ----------
    grid : DataFrame
        ``planning.summarize_power_grid`` output: columns ``scenario, n_total, power_exact,
        power_simulated``. Curves follow the order in which scenarios first appear.
    target : float, optional
        Target power, drawn as a horizontal reference line.
    ax : matplotlib Axes, optional
        Axes to draw on; a new figure is made if omitted.

    Returns
    -------
    matplotlib Axes
        Lines: per scenario the exact power (line, labelled with the scenario), then the simulated
        power (markers only); then the target line, then an empty legend entry for the markers.

    Examples
    --------
    >>> g = pd.DataFrame({"scenario": ["a", "a"], "n_total": [30, 60],
    ...                   "power_exact": [0.5, 0.8], "power_simulated": [0.49, 0.81]})
    >>> ax = plot_power_curves(g, target=0.8)
    >>> ax.lines[0].get_xydata().tolist()
    [[30.0, 0.5], [60.0, 0.8]]
    >>> plt.close(ax.figure)
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7.0, 5.4), layout="constrained")
    for i, (scenario, rows) in enumerate(grid.groupby("scenario", sort=False)):
        rows = rows.sort_values("n_total")
        color = OKABE_ITO[i % len(OKABE_ITO)]
        ax.plot(rows["n_total"], rows["power_exact"], linestyle=LINE_STYLES[i % len(LINE_STYLES)], color=color,
                label=scenario)
        ax.plot(rows["n_total"], rows["power_simulated"], linestyle="none", marker=MARKERS[i % len(MARKERS)],
                markersize=4, markerfacecolor="none", color=color, label="_nolegend_")
    if target is not None:
        ax.axhline(target, color="0.4", linewidth=0.8, linestyle=":", label=f"target power {target:g}")
    ax.plot([], [], linestyle="none", marker="o", markerfacecolor="none", color="0.4",
            label="markers: simulated trials")
    ticks = log_ticks(grid["n_total"].min(), grid["n_total"].max())
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlim(ticks[0], ticks[-1])
    ax.set_xlabel("Total evaluable patients (both arms), logarithmic scale")
    ax.set_ylabel("Power")
    ax.set_ylim(0, 1.02)
    ax.grid(True, color="0.9", linewidth=0.6)
    ax.legend(fontsize=8, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2)
    return ax
