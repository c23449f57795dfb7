"""Importance–performance map analysis (IPMA) of a structural model.

For a target construct T (usually satisfaction) and each construct X with a non-zero total
effect on T (Ringle & Sarstedt 2016; Martilla & James 1977 for the quadrant reading):

* importance(X) = the standardized total effect of X on T (from :mod:`csat.sem.effects`);
* performance(X) = the 0–100 index of X's construct score,
  ``100 · (mean − min) / (max − min)`` with ``min``/``max`` the study's scale and the mean over
  respondents of the construct score (the mean of the answered items; see
  :func:`csat.stats.descriptives.construct_scores`).

The map is split at the mean importance and the mean performance of the constructs shown;
a construct on a split line counts as "high".  Quadrants and the action each implies:

====================  ==================  ============================
importance            performance         action
====================  ==================  ============================
high                  low                 concentrate here
high                  high                keep up the good work
low                   low                 low priority
low                   high                possible overkill
====================  ==================  ============================

The quadrant chart of an :func:`ipma_table` is :func:`csat.viz.structural.ipma_chart`.
"""
from __future__ import annotations

import re
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from csat.core.i18n import N_, tr
from csat.sem.templates import canonical_name

__all__ = ["QUADRANTS", "ACTIONS", "IPMA_COLUMNS", "default_target", "find_target", "performance_index", "ipma_table"]

#: (high importance, high performance) -> (key, name); the names (and :data:`ACTIONS`) are catalog messages,
#: shown in a study's language with ``csat.core.i18n.tr(name, language)``
QUADRANTS = {
    (True, False): ("concentrate_here", N_("Concentrate here")),
    (True, True): ("keep_up", N_("Keep up the good work")),
    (False, False): ("low_priority", N_("Low priority")),
    (False, True): ("possible_overkill", N_("Possible overkill")),
}
#: quadrant key -> the action it implies
ACTIONS = {
    "concentrate_here": N_("Important but performing below average: improve this first."),
    "keep_up": N_("Important and performing above average: maintain the current level."),
    "low_priority": N_("Less important and performing below average: no urgent action."),
    "possible_overkill": N_("Less important but performing above average: resources may be shifted elsewhere."),
}
IPMA_COLUMNS = ["construct", "label", "importance", "performance", "quadrant", "quadrant_en", "quadrant_zh",
                "action_en", "action_zh"]


def default_target(constructs: Mapping[str, object], target: str | None = None) -> str:
    """The IPMA target: ``target`` if given, else the construct named like satisfaction
    (``SAT``/``satisfaction``/``CSI``/满意度…, see :mod:`csat.sem.templates`), else an error."""
    if target is not None:
        if target not in constructs:
            raise ValueError(f"ipma.target: {target!r} is not a construct ({list(constructs)})")
        return target
    for name, spec in constructs.items():
        if canonical_name(name, getattr(spec, "label", None), getattr(spec, "label_zh", None)) == "SAT":
            return name
    for name in constructs:
        if re.search(r"sat", name, re.I):
            return name
    raise ValueError(f"ipma.target: no construct is named like satisfaction among {list(constructs)}; "
                     "set ipma.target in the params")


def find_target(constructs: Mapping[str, object], target: str | None = None) -> str | None:
    """:func:`default_target`, but ``None`` (instead of an error) when ``target`` is not given and
    no construct is named like satisfaction — a study about something else (the Big Five,
    political democracy) has no IPMA unless ``ipma.target`` names its outcome.

    Parameters
    ----------
    constructs : mapping
        The study's constructs (``params.constructs``).
    target : str, optional
        ``params.ipma.target``.

    Returns
    -------
    str or None

    Examples
    --------
    >>> find_target({"IMAG": None, "SAT": None}), find_target({"ind60": None, "dem60": None})
    ('SAT', None)
    """
    try:
        return default_target(constructs, target)
    except ValueError:
        if target is not None:
            raise
        return None


def performance_index(data: pd.DataFrame, constructs: Mapping[str, Sequence[str]], scale_min: float,
                      scale_max: float, min_share: float = 0.5) -> pd.Series:
    """Performance of each construct: ``100 · (mean − min)/(max − min)`` of its construct score
    (respondent mean of the answered items, at least ``min_share`` of them answered — the study's
    ``scores.min_share``; :func:`csat.stats.descriptives.construct_scores`).

    Parameters
    ----------
    data : DataFrame
        The cleaned data.
    constructs : mapping
        ``{construct: [item, ...]}``.
    scale_min, scale_max : float
        The answer scale.
    min_share : float
        Share of a construct's items a respondent must answer (default 0.5).

    Returns
    -------
    Series
        0–100 performance per construct (name ``performance``).

    Examples
    --------
    >>> cons = {"IMAG": [f"imag{i}" for i in range(1, 6)], "SAT": [f"sat{i}" for i in range(1, 5)]}
    >>> performance_index(ecsi, cons, 0, 10).round(2)
    IMAG    75.50
    SAT     68.33
    Name: performance, dtype: float64

    In R (``ecsi <- read.csv("ecsi_satisfaction.csv")``, no missing answers):
    ``10 * mean(rowMeans(ecsi[, paste0("sat", 1:4)]))`` → 68.33 and
    ``10 * mean(rowMeans(ecsi[, paste0("imag", 1:5)]))`` → 75.50.
    """
    from csat.stats.descriptives import construct_scores, to_index

    scores = construct_scores(data, {k: list(v) for k, v in constructs.items()}, min_share)
    return pd.Series({c: float(to_index(scores[c].mean(), scale_min, scale_max)) for c in scores.columns},
                     name="performance")


def ipma_table(effects: pd.DataFrame, performance: Mapping[str, float] | pd.Series, target: str,
               labels: Mapping[str, str] | None = None, importance: str = "std.total") -> pd.DataFrame:
    """The importance–performance table for ``target``.

    ``effects`` is the table of :func:`csat.sem.effects.effects_table` (``from, to, std.total``);
    importance = ``std.total`` of each construct on ``target``; ``performance`` maps constructs to
    0–100 indices.  Quadrants split at the means (≥ mean is "high").  Columns ``construct, label,
    importance, performance, quadrant, quadrant_en, quadrant_zh, action_en, action_zh`` (the quadrant's
    name and action in English and, from the catalog, in Chinese), sorted by importance (largest first).
    ``importance`` names the column of ``effects`` to use (PLS mode passes the unstandardized total
    effects on rescaled scores, as SmartPLS; see :mod:`csat.sem.pls`).

    Parameters
    ----------
    effects : DataFrame
        Total effects with ``from, to`` and the ``importance`` column.
    performance : mapping or Series
        0–100 performance per construct (:func:`performance_index`).
    target : str
        The target construct.
    labels : mapping, optional
        ``{construct: label}``.
    importance : str
        The column of ``effects`` used as importance.

    Returns
    -------
    DataFrame
        The columns above; ``attrs`` hold ``importance_mean`` and ``performance_mean``.

    Examples
    --------
    With made-up total effects (in a study they come from 05_sem):

    >>> eff = pd.DataFrame({"from": ["IMAG", "EXPE", "QUAL", "VAL"], "to": "SAT", "std.total": [.30, .05, .35, .45]})
    >>> perf = pd.Series({"IMAG": 75.5, "EXPE": 74.9, "QUAL": 69.6, "VAL": 70.8})
    >>> ipma_table(eff, perf, "SAT")[["construct", "importance", "performance", "quadrant"]]
      construct  importance  performance           quadrant
    0       VAL        0.45         70.8   concentrate_here
    1      QUAL        0.35         69.6   concentrate_here
    2      IMAG        0.30         75.5            keep_up
    3      EXPE        0.05         74.9  possible_overkill
    """
    labels = dict(labels or {})
    perf = pd.Series(performance, dtype=float)
    e = effects[effects["to"] == target]
    if e.empty:
        raise ValueError(f"ipma: no construct has an effect on the target {target!r}")
    rows = []
    for fr, imp in zip(e["from"], e[importance]):
        if fr not in perf.index or not np.isfinite(perf[fr]):
            raise ValueError(f"ipma: no performance index for construct {fr!r}")
        rows.append({"construct": fr, "label": labels.get(fr, fr), "importance": float(imp),
                     "performance": float(perf[fr])})
    t = pd.DataFrame(rows)
    mi, mp = t["importance"].mean(), t["performance"].mean()
    q = [QUADRANTS[(bool(i >= mi - 1e-12), bool(p >= mp - 1e-12))] for i, p in zip(t["importance"], t["performance"])]
    t["quadrant"] = [x[0] for x in q]
    t["quadrant_en"] = [x[1] for x in q]
    t["quadrant_zh"] = [tr(x[1], "zh") for x in q]
    t["action_en"] = [ACTIONS[x[0]] for x in q]
    t["action_zh"] = [tr(ACTIONS[x[0]], "zh") for x in q]
    t = t.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)
    t.attrs["importance_mean"] = float(mi)
    t.attrs["performance_mean"] = float(mp)
    return t[IPMA_COLUMNS]

