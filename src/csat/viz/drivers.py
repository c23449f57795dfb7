"""Figures of the drivers-and-segments stage (06_drivers_segments), in the study's language.

The statistics engines return tables and this module draws them: the key drivers
(:func:`plot_drivers`, the table of :func:`csat.stats.drivers.key_drivers`), the segment profiles
(:func:`plot_profile`, :func:`csat.stats.segments.segment_profile`), the Kano Better–Worse diagram
(:func:`plot_better_worse`, :func:`csat.stats.kano.kano_table`) and the SERVQUAL item gaps
(:func:`plot_gaps`, :func:`csat.stats.servqual.gaps`).  Axis labels and legends are catalog messages
(:func:`csat.core.i18n.tr`); the house style and the CJK font are :mod:`csat.viz.plots`'
(``use_style``, called by the notebook).

Example
-------
>>> import pandas as pd
>>> table = pd.DataFrame({"predictor": ["QUAL", "VAL"], "lmg": [0.2, 0.1], "lmg.ci.lower": [0.15, 0.05],
...                       "lmg.ci.upper": [0.25, 0.15], "relative_weight": [0.21, 0.09]})
>>> fig = plot_drivers(table, {"QUAL": "Quality"})
>>> fig.axes[0].get_xlabel(), [t.get_text() for t in fig.axes[0].get_yticklabels()]
('share of R²', ['VAL', 'Quality'])
>>> import matplotlib.pyplot as plt; plt.close(fig)
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from csat.core.i18n import tr

__all__ = ["plot_drivers", "plot_profile", "plot_better_worse", "plot_gaps"]


def plot_drivers(table: pd.DataFrame, labels: Mapping[str, str] | None = None, language: str = "en"):
    """Horizontal bars of LMG with bootstrap intervals, and the relative weights as dots.

    Parameters
    ----------
    table : DataFrame
        The table of :func:`csat.stats.drivers.key_drivers`.
    labels : mapping, optional
        ``{variable: label}``.
    language : str
        The study's language (axis label).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    labels = labels or {}
    t = table.sort_values("lmg")
    y = np.arange(len(t))
    fig, ax = plt.subplots(figsize=(7, 0.5 * len(t) + 1.5))
    ax.barh(y, t["lmg"], color="#4c72b0", label="LMG")
    err = np.vstack([t["lmg"] - t["lmg.ci.lower"], t["lmg.ci.upper"] - t["lmg"]])
    ax.errorbar(t["lmg"], y, xerr=np.clip(err, 0, None), fmt="none", ecolor="#222222", capsize=3)
    ax.plot(t["relative_weight"], y, "D", color="#dd8452", label=tr("relative weight", language))
    ax.set_yticks(y, [labels.get(p, p) for p in t["predictor"]])
    ax.set_xlabel(tr("share of R²", language))
    ax.legend(loc="lower right", frameon=False)
    ax.set_xlim(left=0)
    fig.tight_layout()
    return fig


def plot_profile(profile: pd.DataFrame, labels: Mapping[str, str] | None = None, language: str = "en"):
    """One line per segment over the constructs (standardized means).

    Parameters
    ----------
    profile : DataFrame
        :func:`csat.stats.segments.segment_profile`.
    labels : mapping, optional
        ``{construct: label}``.
    language : str
        The study's language (axis label and legend).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    labels = labels or {}
    cons = list(dict.fromkeys(profile["construct"]))
    fig, ax = plt.subplots(figsize=(max(6, 1.1 * len(cons)), 4))
    for k, g in profile.groupby("segment"):
        g = g.set_index("construct").loc[cons]
        ax.plot(range(len(cons)), g["z"], marker="o",
                label=tr("segment {k} ({share:.0f}%)", language, k=k, share=100 * g["share"].iloc[0]))
    ax.axhline(0, color="#888888", lw=0.8)
    ax.set_xticks(range(len(cons)), [labels.get(c, c) for c in cons], rotation=30, ha="right")
    ax.set_ylabel(tr("mean (z)", language))
    ax.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


def plot_better_worse(table: pd.DataFrame, labels: Mapping[str, str] | None = None, language: str = "en",
                      categories: Mapping[str, str] | None = None):
    """The Better–Worse scatter: x = |Worse|, y = Better, quadrants split at 0.5.

    Parameters
    ----------
    table : DataFrame
        The table of :func:`csat.stats.kano.kano_table`.
    labels : mapping, optional
        ``{feature: label}``.
    language : str
        The study's language (axis labels).
    categories : mapping, optional
        ``{category letter: name}`` shown beside each feature (default: the letter).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    labels = labels or {}
    categories = categories or {}
    fig, ax = plt.subplots(figsize=(6, 5))
    ax.axhline(0.5, color="#999999", lw=0.8, ls="--")
    ax.axvline(0.5, color="#999999", lw=0.8, ls="--")
    ax.scatter(-table["worse"], table["better"], s=40, color="#4c72b0", zorder=3)
    for _, r in table.iterrows():
        ax.annotate(f"{labels.get(r['feature'], r['feature'])} ({categories.get(r['category'], r['category'])})",
                    (-r["worse"], r["better"]),
                    textcoords="offset points", xytext=(5, 4), fontsize=8)
    for x, y, t in ((0.25, 0.97, "A"), (0.75, 0.97, "O"), (0.75, 0.03, "M"), (0.25, 0.03, "I")):
        ax.text(x, y, t, ha="center", va="center", color="#999999", fontsize=14, transform=ax.transAxes)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel(tr("|Worse| (dissatisfaction if absent)", language))
    ax.set_ylabel(tr("Better (satisfaction if present)", language))
    fig.tight_layout()
    return fig


def plot_gaps(table: pd.DataFrame, language: str = "en", labels: Mapping[str, str] | None = None,
              item_labels: Mapping[str, str] | None = None):
    """Item gaps with 95% intervals, grouped by dimension.

    Parameters
    ----------
    table : DataFrame
        The table of :func:`csat.stats.servqual.gaps`.
    language : str
        The study's language (axis label).
    labels : mapping, optional
        ``{dimension: label}``.
    item_labels : mapping, optional
        ``{perception item: label}`` (default: the item's code).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    labels = labels or {}
    item_labels = item_labels or {}
    t = table[table["level"] == "item"].iloc[::-1]
    y = np.arange(len(t))
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(t) + 1.5))
    dims = list(dict.fromkeys(table["dimension"]))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    col = [colors[dims.index(d) % len(colors)] for d in t["dimension"]]
    ax.barh(y, t["gap"], color=col)
    err = np.vstack([t["gap"] - t["ci.lower"], t["ci.upper"] - t["gap"]])
    ax.errorbar(t["gap"], y, xerr=np.nan_to_num(err), fmt="none", ecolor="#222222", capsize=2)
    ax.axvline(0, color="#444444", lw=0.8)
    ax.set_yticks(y, [tr("{dimension}: {item}", language, dimension=labels.get(d, d), item=item_labels.get(p, p))
                      for d, p in zip(t["dimension"], t["perception"])], fontsize=8)
    ax.set_xlabel(tr("gap = perception − expectation", language))
    fig.tight_layout()
    return fig
