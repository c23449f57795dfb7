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
