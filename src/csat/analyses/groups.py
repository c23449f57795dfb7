"""The report's "Groups" section: every construct's 0–100 index per level of each group column.

:func:`group_index_table` takes the analysed data (``clean.parquet``) and the study's params and gives one
row per group level with its n and the index of every construct (the unit-weighted construct score of
:func:`csat.stats.descriptives.construct_scores`, rescaled 0–100; the mean score for a study without a
bounded scale), and the significance of each construct × group comparison that 02 already tested
(``group_tests.csv``: Welch's t or Welch's ANOVA, Holm-adjusted) as a mark (``*`` p < .05, ``**`` p < .01,
``***`` p < .001).  Nothing is tested again here.

>>> import pandas as pd
>>> from csat.config.params import validate_params
>>> p = validate_params({"study": "s", "data": {"path": "x.csv"}, "scale": {"min": 1, "max": 5},
...     "constructs": {"SAT": {"items": ["s1", "s2"]}}, "groups": ["g"]})
>>> d = pd.DataFrame({"s1": [1, 5, 3, 5], "s2": [1, 5, 3, 3], "g": ["a", "a", "b", "b"]})
>>> t = group_index_table(d, p)
>>> t[["group", "level", "n", "SAT"]].values.tolist()
[['g', 'a', 2, 50.0], ['g', 'b', 2, 62.5]]
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from csat.stats.descriptives import construct_scores, group_levels

__all__ = ["group_index_table", "significance_mark", "group_marks"]


def significance_mark(p: Any) -> str:
    """``***`` for p < .001, ``**`` for p < .01, ``*`` for p < .05, else ``""``.

    >>> significance_mark(0.0004), significance_mark(0.029), significance_mark(0.2), significance_mark(None)
    ('***', '*', '', '')
    """
    try:
        p = float(p)
    except (TypeError, ValueError):
        return ""
    if not np.isfinite(p):
        return ""
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""


def group_marks(tests: pd.DataFrame | None) -> dict[tuple[str, str], str]:
    """``{(group, construct): mark}`` from ``group_tests.csv`` (Welch's t / Welch's ANOVA, Holm p)."""
    if not isinstance(tests, pd.DataFrame) or tests.empty or "p.holm" not in tests.columns:
        return {}
    main = tests[tests["test"].isin(["welch_t", "welch_anova"])]
    return {(str(r["group"]), str(r["construct"])): significance_mark(r["p.holm"]) for _, r in main.iterrows()}


def group_index_table(data: pd.DataFrame, params) -> pd.DataFrame:
    """One row per level of each of ``params.groups``: ``group, level, n`` and one column per construct
    (0–100 index, or the mean score without a bounded scale).  Levels in the order 02 uses
    (:func:`csat.stats.descriptives.group_levels`); respondents without a level are left out."""
    constructs = {c: spec.items for c, spec in params.constructs.items()}
    scores = construct_scores(data, constructs, params.scores.min_share)
    smin, smax = params.scale.min, params.scale.max
    bounded = smin is not None and smax is not None and not params.scale.continuous
    rows = []
    for g in params.groups:
        if g not in data.columns:
            continue
        col = data[g]
        for level in group_levels(col):
            mask = (col == level).to_numpy()
            row = {"group": g, "level": level, "n": int(mask.sum())}
            for c in constructs:
                m = float(scores.loc[mask, c].mean())
                row[c] = 100 * (m - smin) / (smax - smin) if bounded else m
            rows.append(row)
    return pd.DataFrame(rows, columns=["group", "level", "n", *constructs])
