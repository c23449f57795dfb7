"""The figures of the cleaning stage (01): the exclusion flow and the maps of missing answers.

:func:`plot_flow` draws the CONSORT-style flow of :attr:`csat.intake.cleaning.CleaningResult.flow`
(raw file → each exclusion rule → analysed sample) with the rules' names of :data:`RULE_NAMES` in the
study's language (:func:`rule_name`, through the catalog of :mod:`csat.core.i18n`); :func:`plot_missing_map`
and :func:`plot_missing_rates` show which answers are missing (per respondent and per item,
:func:`csat.intake.cleaning.missing_rates`).  Each returns a matplotlib figure; the notebook draws it in
the house style of :mod:`csat.viz.plots`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from csat.core.i18n import N_, tr

__all__ = ["RULE_NAMES", "rule_name", "plot_flow", "plot_missing_map", "plot_missing_rates"]

#: The exclusion rules' names (English catalog messages) as the flow diagram and the cleaning texts show
#: them (the keys are :data:`csat.intake.cleaning.RULES`); :func:`rule_name` translates them.
RULE_NAMES = {
    "duplicates": N_("Duplicates"),
    "speeders": N_("Speeders"),
    "straightlining": N_("Straightlining"),
    "attention_checks": N_("Failed attention check"),
    "max_missing_share": N_("Too many missing items"),
}


def rule_name(rule: str, language: str = "en") -> str:
    """The name of an exclusion rule (a key of :data:`RULE_NAMES`) in ``language``; an unknown rule is
    shown as it is.

    >>> rule_name("speeders"), rule_name("speeders", "zh"), rule_name("custom", "zh")
    ('Speeders', '作答过快', 'custom')
    """
    return tr(RULE_NAMES[rule], language) if rule in RULE_NAMES else rule


def plot_missing_map(df: pd.DataFrame, items: list[str], *, labels: dict | None = None, title: str | None = None,
                     xlabel: str | None = None):
    """Missing-data map: items (rows) x respondents (columns); dark = missing.  Returns the figure.

    Parameters
    ----------
    df : DataFrame
        The (cleaned) data.
    items : list of str
        Item columns.
    labels : dict, optional
        ``{item: label}``.
    title, xlabel : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    M = df[items].isna().to_numpy().T.astype(float)
    n = M.shape[1]
    # drawn for the printed page: the text width, rows as low as 8-pt labels allow (a short map fits below text)
    from csat.viz.plots import PRINT_HEIGHT, PRINT_WIDTH

    row = max(0.15, min(0.2, (PRINT_HEIGHT - 1.4) / max(len(items), 1)))
    fig, ax = plt.subplots(figsize=(min(PRINT_WIDTH, 4 + n / 60), row * len(items) + 1.4))
    ax.imshow(M, aspect="auto", interpolation="nearest", cmap=ListedColormap(["#e8eef5", "#b22222"]),
              vmin=0, vmax=1)
    ax.set_yticks(range(len(items)))
    ax.set_yticklabels([(labels or {}).get(i, i) for i in items], fontsize=8)
    ax.grid(False)
    ax.set_xlabel(xlabel or "respondent (clean data, file order)")
    ax.set_title(title or "Missing answers (red)", fontsize=10)
    for s in ax.spines.values():
        s.set_visible(False)
    fig.tight_layout()
    return fig


def plot_missing_rates(rates: pd.DataFrame, *, title: str | None = None, threshold: float | None = 0.10,
                       xlabel: str | None = None):
    """Horizontal bar chart of per-item missing shares (from :func:`csat.intake.cleaning.missing_rates`).

    Parameters
    ----------
    rates : DataFrame
        The table of :func:`csat.intake.cleaning.missing_rates`.
    title, xlabel : str, optional
    threshold : float or None
        A dashed line at this share.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 0.26 * len(rates) + 1.2))
    y = np.arange(len(rates))
    ax.barh(y, 100 * rates["share"].to_numpy(dtype=float), color="#4c72b0")
    ax.set_yticks(y)
    ax.set_yticklabels(rates["item"], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel or "missing (%)")
    if threshold is not None:
        ax.axvline(100 * threshold, color="#b22222", lw=1, ls="--")
    ax.set_title(title or "Missing answers per item", fontsize=10)
    fig.tight_layout()
    return fig


def plot_flow(flow: pd.DataFrame, *, language: str = "en"):
    """CONSORT-style flow diagram: raw -> each exclusion step -> analysed (boxes and arrows).

    Parameters
    ----------
    flow : DataFrame
        :attr:`csat.intake.cleaning.CleaningResult.flow`.
    language : str
        The language of the boxes' texts (``params.language``).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    steps = flow[~flow["step"].isin(["raw", "analysed"])].reset_index(drop=True)
    n_raw = int(flow.loc[flow["step"] == "raw", "remaining"].iloc[0])
    n_an = int(flow.loc[flow["step"] == "analysed", "remaining"].iloc[0])
    k = len(steps)
    H = 1.2 * (k + 2)
    fig, ax = plt.subplots(figsize=(7.0, 0.7 * (k + 2) + 0.5))      # the printed text width (7 in)
    ax.set_xlim(0, 10)
    ax.set_ylim(0, H)
    ax.axis("off")

    def box(x, y, w, h, text, color="#ffffff", edge="#333333", tcolor="#000000"):
        ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.08",
                                    fc=color, ec=edge, lw=1))
        ax.text(x, y, text, ha="center", va="center", fontsize=9, color=tcolor)

    top, bottom = H - 0.6, 0.6
    xm = 2.6
    box(xm, top, 4.2, 0.75, tr("Raw data", language) + f"\nn = {n_raw}", color="#eef3f9")
    box(xm, bottom, 4.2, 0.75, tr("Analysed", language) + f"\nn = {n_an}", color="#e6f2e6")
    ax.annotate("", xy=(xm, bottom + 0.4), xytext=(xm, top - 0.4),
                arrowprops=dict(arrowstyle="-|>", color="#333333", lw=1.2))
    ys = np.linspace(top - 1.2, bottom + 1.2, k) if k > 1 else [H / 2]
    for y, (_, r) in zip(ys, steps.iterrows()):
        name = rule_name(r["step"], language)
        if bool(r["active"]):
            txt = f"{name}: n = {int(r['excluded'])}"
            box(7.2, y, 4.6, 0.62, txt, color="#fbeaea" if int(r["excluded"]) else "#ffffff")
        else:
            box(7.2, y, 4.6, 0.62, f"{name}: " + tr("rule off", language), edge="#aaaaaa", tcolor="#888888")
        ax.annotate("", xy=(4.9, y), xytext=(xm, y), arrowprops=dict(arrowstyle="-|>", color="#666666", lw=1))
        ax.text(xm - 0.12, y - 0.1, tr("{n} remain", language, n=int(r["remaining"])),
                ha="right", va="top", fontsize=7.5, color="#555555")
    ax.text(7.2, H - 0.15, tr("Excluded (counted by the first rule that applies)", language),
            ha="center", va="top", fontsize=8, color="#555555")
    fig.tight_layout()
    return fig
