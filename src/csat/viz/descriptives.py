"""Charts of the descriptives stage (02) that belong to no single survey chart of :mod:`csat.viz.plots`.

:func:`trend_chart` draws a tracking study's construct indices across the waves (the tables of
:func:`csat.stats.tracking.wave_tables`); its axis labels are catalog messages in the study's language
(:func:`csat.core.i18n.tr`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from csat.core.i18n import tr, trc

__all__ = ["trend_chart"]


def trend_chart(index: pd.DataFrame, *, title: str | None = None, ylabel: str | None = None,
                xlabel: str | None = None, language: str = "en"):
    """Every construct's index across the waves with its 95% interval (error bars), one line per
    construct, labelled with the construct labels; NPS is not on the 0–100 scale and left out.

    Parameters
    ----------
    index : DataFrame
        The wave index of :func:`csat.stats.tracking.wave_tables`.
    title, ylabel, xlabel : str, optional
        Title and axis labels; the axes are labelled "Index (0–100)" and "Wave" in ``language`` by default.
    language : str
        A language of :data:`csat.core.i18n.LANGUAGES`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    d = index[index["measure"].isin(["index", "mean"])]
    waves = list(dict.fromkeys(d["wave"]))
    x = np.arange(len(waves))
    fig, ax = plt.subplots(figsize=(7.0, 4.4))          # the printed text width
    cons = list(dict.fromkeys(d["construct"]))
    off = (np.arange(len(cons)) - (len(cons) - 1) / 2) * min(0.04, 0.25 / max(len(cons), 1))
    for k, c in enumerate(cons):
        s = d[d["construct"] == c].set_index("wave").reindex(waves)
        y = s["estimate"].to_numpy(float)
        err = np.vstack([y - s["ci.lower"].to_numpy(float), s["ci.upper"].to_numpy(float) - y])
        ax.errorbar(x + off[k], y, yerr=err, marker="o", capsize=3, label=str(s["label"].dropna().iloc[0]))
    ax.set_xticks(x, [str(w) for w in waves])
    ax.set_xlabel(trc("axis", "Wave", language) if xlabel is None else xlabel)
    ax.set_ylabel(tr("Index (0–100)", language) if ylabel is None else ylabel)
    if title:
        ax.set_title(title)
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
    fig.tight_layout()
    return fig


def group_index_chart(table: pd.DataFrame, constructs: list[str], construct_labels: dict | None = None,
                      group_labels: dict | None = None, level_labels: dict | None = None, *,
                      xlabel: str = "Index (0–100)"):
    """The Groups section's chart: for each group column a panel of horizontal bars, one bar per construct and
    level (levels side by side, a colour each, labelled in the legend), from a table of
    :func:`csat.analyses.groups.group_index_table`.  Labels arrive translated: ``construct_labels``
    ``{construct: label}``, ``group_labels`` ``{group: label}``, ``level_labels`` ``{(group, level): label}``.
    Returns the figure."""
    import matplotlib.pyplot as plt

    from csat.viz.plots import setup_fonts, use_style

    setup_fonts()
    use_style()
    groups = list(dict.fromkeys(table["group"]))
    clab = construct_labels or {}
    k = len(constructs)
    ncols = min(len(groups), 2)
    nrows = -(-len(groups) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(6.4, nrows * (0.24 * k + 1.35)), sharey=True, squeeze=False)
    for ax in axes.flat[len(groups):]:
        ax.set_visible(False)
    for ax, g in zip(axes.flat, groups):
        sub = table[table["group"] == g]
        m = len(sub)
        height = 0.8 / max(m, 1)
        ys = np.arange(k)
        colors = plt.cm.Blues(np.linspace(0.35, 0.9, m))
        for j, (_, r) in enumerate(sub.iterrows()):
            lab = (level_labels or {}).get((g, r["level"]), str(r["level"]))
            ax.barh(ys + (j - (m - 1) / 2) * height, [r[c] for c in constructs], height=height * 0.95,
                    color=colors[j], label=f"{lab} (n = {int(r['n'])})")
        ax.set_yticks(ys)
        ax.set_yticklabels([clab.get(c, c) for c in constructs], fontsize=8)
        lo = float(np.nanmin(sub[constructs].to_numpy(dtype=float)))
        ax.set_xlim(max(0.0, 10 * np.floor(lo / 10) - 10), 100 if lo >= 0 else None)
        ax.set_title((group_labels or {}).get(g, g), fontsize=9)
        ax.tick_params(axis="x", labelsize=7)
        ax.set_xlabel(xlabel, fontsize=7)
        # below the tick labels and the axis label at any figure height: the gap in font sizes, not axes units
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, 0.0), borderaxespad=4.2, ncol=2,
                  frameon=False)
        ax.grid(axis="x", alpha=0.3)
    axes.flat[0].invert_yaxis()            # the first construct on top (the y axis is shared: invert it once)
    fig.tight_layout()
    return fig
