"""Charts of the structural-model stage (05_sem): the PLS-weighted 0–100 indices with their bootstrap
intervals (:func:`index_chart`), the importance–performance map (:func:`ipma_chart`) and the simple slopes of
a moderation (:func:`simple_slopes_chart`), in the study's language.  The numbers come from :mod:`csat.sem.pls` and :mod:`csat.sem.ipma`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from csat.core.i18n import N_, tr
from csat.sem.ipma import QUADRANTS
from csat.viz.plots import corner_labels, place_labels, setup_fonts

__all__ = ["index_chart", "ipma_chart", "simple_slopes_chart"]


def index_chart(index: pd.DataFrame, labels: dict | None = None, language: str = "en"):
    """Horizontal bar chart of the 0–100 indices with their bootstrap intervals (``csi_index.csv``)."""
    import matplotlib.pyplot as plt

    setup_fonts()
    labels = dict(labels or {})
    t = index.iloc[::-1]
    names = [labels.get(c, c) for c in t["construct"]]
    fig, ax = plt.subplots(figsize=(7, 0.5 * len(t) + 1.2))
    ax.barh(names, t["index"], color="#1f4e79", alpha=0.85)
    if t["ci.lower"].notna().all():
        err = np.vstack([t["index"] - t["ci.lower"], t["ci.upper"] - t["index"]])
        ax.errorbar(t["index"], names, xerr=err, fmt="none", ecolor="#333333", capsize=3)
    for y, v in enumerate(t["index"]):
        ax.text(1, y, f"{v:.1f}", va="center", color="white", fontsize=9)
    ax.set_xlim(0, 100)
    ax.set_xlabel(tr("Index (0–100, 95% bootstrap interval)", language))
    ax.set_title(tr("PLS-weighted 0–100 indices (ACSI method)", language))
    ax.grid(axis="x", alpha=0.2)
    fig.tight_layout()
    return fig


def ipma_chart(table: pd.DataFrame, target_label: str, language: str = "en", unstandardized: bool = False):
    """Quadrant chart of an :func:`csat.sem.ipma.ipma_table`: importance (x) against performance (y), dashed
    lines at the means, quadrant names in the corners; ``unstandardized`` labels the x axis as the
    unstandardized total effect on the 0–100 scores (PLS mode).  Returns the matplotlib figure.

    Parameters
    ----------
    table : DataFrame
        :func:`csat.sem.ipma.ipma_table`.
    target_label : str
        Name of the target shown in the axis label.
    language : str
        ``en``, ``zh`` or ``zh-Hant``.
    unstandardized : bool
        Label the x axis for unstandardized effects (PLS mode).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    setup_fonts()
    mi = table.attrs.get("importance_mean", float(table["importance"].mean()))
    mp = table.attrs.get("performance_mean", float(table["performance"].mean()))
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    ax.scatter(table["importance"], table["performance"], s=50, color="#1f4e79", zorder=3)
    ax.axvline(mi, color="grey", ls="--", lw=1)
    ax.axhline(mp, color="grey", ls="--", lw=1)
    xs, ys = table["importance"].to_numpy(float), table["performance"].to_numpy(float)
    # room around the points for their labels and the quadrant names in the corners
    xpad = max(0.05, 0.25 * (xs.max() - xs.min()))
    ypad = max(2.0, 0.25 * (ys.max() - ys.min()))
    ax.set_xlim(min(xs.min(), mi) - xpad, max(xs.max(), mi) + xpad)
    ax.set_ylim(min(ys.min(), mp) - ypad, max(ys.max(), mp) + ypad)
    if unstandardized:
        ax.set_xlabel(tr("Importance (unstandardized total effect, 0–100 scores on {target})", language,
                         target=target_label))
    else:
        ax.set_xlabel(tr("Importance (standardized total effect on {target})", language, target=target_label))
    ax.set_ylabel(tr("Performance (0–100 index)", language))
    ax.set_title(tr("Importance–performance map: {target}", language, target=target_label))
    ax.grid(alpha=0.2)
    fig.tight_layout()
    # the quadrant names inside the corners, then each construct's label where it covers no dot, no other
    # label and no quadrant name and stays inside the frame (the layout is final here)
    corner = {"concentrate_here": "lower right", "keep_up": "upper right", "low_priority": "lower left",
              "possible_overkill": "upper left"}
    boxes = corner_labels(ax, {corner[key]: tr(name, language) for key, name in QUADRANTS.values()},
                          fontsize=8, color="#7f7f7f", style="italic")
    frame = ax.get_window_extent(fig.canvas.get_renderer())
    (px, py), = ax.transData.transform([(mi, mp)])
    lines = [(px - 1.5, frame.y0, px + 1.5, frame.y1), (frame.x0, py - 1.5, frame.x1, py + 1.5)]   # the mean lines
    place_labels(ax, xs, ys, [str(x) for x in table["label"]], fontsize=9, marker_pt=8.0,
                 avoid=list(boxes.values()) + lines)
    return fig


def simple_slopes_chart(slopes: pd.DataFrame, labels: dict | None = None, language: str = "en"):
    """The simple-slopes plot of each moderation (:func:`csat.sem.pls.simple_slopes`, ``pls_simple_slopes.csv``):
    the outcome against the predictor (both in standard deviations, −1 to 1) with the moderator one standard
    deviation below its mean (dashed), at its mean (solid) and one above (dotted); one panel per moderation."""
    import matplotlib.pyplot as plt

    setup_fonts()
    labels = dict(labels or {})
    groups = list(slopes.groupby(["lhs", "rhs", "moderator"], sort=False))
    fig, axes = plt.subplots(1, max(1, len(groups)), figsize=(min(7, 3.6 * max(1, len(groups))) + 0.4, 4.2),
                             squeeze=False)
    styles = {"-1 SD": ("--", "#c55a11"), "mean": ("-", "#1f4e79"), "+1 SD": (":", "#548235")}
    names = {"-1 SD": N_("{moderator} at −1 SD"), "mean": N_("{moderator} at its mean"),
             "+1 SD": N_("{moderator} at +1 SD")}
    x = np.array([-1.0, 1.0])
    for ax, ((y, xv, z), g) in zip(axes[0], groups):
        for r in g.itertuples(index=False):
            ls, color = styles[r.level]
            ax.plot(x, r.intercept + r.slope * x, linestyle=ls, color=color, linewidth=1.8,
                    label=tr(names[r.level], language, moderator=labels.get(z, z)) + f" ({r.slope:.2f})")
        ax.set_xlim(-1, 1)
        ax.set_xlabel(tr("{construct} (standard deviations)", language, construct=labels.get(xv, xv)))
        ax.set_ylabel(tr("{construct} (standard deviations)", language, construct=labels.get(y, y)))
        ax.grid(alpha=0.2)
        # below the axes: inside, a legend would lie over the lines it names
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), frameon=False)
    fig.tight_layout()
    return fig
