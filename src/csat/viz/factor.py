"""Figures of 04_factor_analysis: the scree plot with the parallel-analysis reference.

The numbers are :mod:`csat.stats.factor`'s (:func:`csat.stats.factor.parallel_analysis`); the house
style and the CJK font are :mod:`csat.viz.plots`'.

Example
-------
>>> from csat.stats.factor import correlation_matrix, parallel_analysis
>>> R, n, _ = correlation_matrix(holzinger, [f"x{i}" for i in range(1, 10)])
>>> fig = scree_plot(parallel_analysis(R, n, n_iter=20, seed=1))
>>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()][-1]
'Parallel analysis keeps 3'
>>> import matplotlib.pyplot as plt; plt.close(fig)
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from csat.core.i18n import is_chinese, tr, trc
from csat.viz.plots import setup_fonts


def scree_plot(pa: Mapping[str, Any], *, language: str = "en"):
    """Scree plot: observed eigenvalues against the parallel-analysis reference; returns a Figure.

    Parameters
    ----------
    pa : mapping
        The result of :func:`csat.stats.factor.parallel_analysis` (``observed``, ``simulated``, …).
    language : str
        Language of the labels (``en``, ``zh``, ``zh-Hant``; the labels are the catalog's,
        :mod:`csat.core.i18n`).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    if is_chinese(language):
        try:
            setup_fonts()
        except Exception:  # no CJK font: the figure is still drawn, Chinese glyphs may be boxes
            pass
    obs, sim = np.asarray(pa["observed"]), np.asarray(pa["simulated"])
    if pa.get("kind") == "fa":
        what = trc("scree plot", "Factor", language)
    else:
        what = trc("scree plot", "Component", language)
    x = np.arange(1, len(obs) + 1)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(x, obs, "o-", label=tr("Observed eigenvalues", language))
    ax.plot(x, sim, "s--", label=tr("Simulated data, {percentile:g}th percentile ({n_iter} data sets)", language,
                                    percentile=pa["percentile"], n_iter=pa["n_iter"]))
    ax.axhline(1.0, color="grey", lw=0.8, ls=":", label="Kaiser (λ = 1)")
    k = int(pa["n_factors"])
    if 0 < k <= len(obs):
        ax.axvline(k + 0.5, color="tab:red", lw=0.8, ls="-.", label=tr("Parallel analysis keeps {k}", language, k=k))
    ax.set_xlabel(what)
    ax.set_ylabel(tr("Eigenvalue", language))
    ax.set_xticks(x)
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig
