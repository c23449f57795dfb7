"""Which items are Likert answers and which are continuous scores.

A Likert item takes only the points of the study's scale (``scale.min``, ``scale.min + 1``, …,
``scale.max``).  Items whose values are not all scale points — a 0–100 slider, the mean of two
sub-questions (3.5), a standardized or otherwise computed score, as in the Holzinger–Swineford
and Political Democracy data — are **continuous scores**.  Both are analysed alike (means, standard
deviations, reliability, EFA, CFA/SEM by maximum likelihood treat every item as a continuous
variable anyway); only the answer-category summaries need categories: the diverging Likert chart
and the top-2/bottom-2-box shares are given for Likert items only.

``scale.continuous: true`` in the params declares every item continuous; a continuous scale may
omit ``scale.min``/``scale.max`` (then nothing is out of range and no 0–100 index is computed).
Values outside the bounds of a bounded scale are reported and set missing at intake
(:func:`csat.intake.readers.load_study_data`) before the types are judged.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from csat.core.i18n import N_, tr
from csat.stats.descriptives import scale_points

TYPE_COLUMNS = ["item", "type", "n", "n_off_scale", "example", "reason_en", "reason_zh"]


def _fmt(v: float) -> str:
    return f"{v:.6g}"


def _reason(message: str, **values) -> tuple[str, str]:
    """``(reason_en, reason_zh)``: a catalog message in English and in Chinese."""
    return tr(message, "en", **values), tr(message, "zh", **values)


def item_types(data: pd.DataFrame, items: Sequence[str], scale_min: float | None, scale_max: float | None,
               continuous: bool = False) -> pd.DataFrame:
    """One row per item: ``item, type ('likert' | 'continuous'), n, n_off_scale, example,
    reason_en, reason_zh`` (why, in English and, from the catalog, in Chinese).

    An item is ``continuous`` when the scale is declared continuous, when the scale has no
    whole-number points (no bounds, or bounds not a whole number apart), or when any of its
    non-missing values is not a scale point (compared with a tolerance of 1e-9); ``n_off_scale``
    counts those values and ``example`` shows the first one.  Missing values are ignored.

    >>> import pandas as pd
    >>> d = pd.DataFrame({"a": [1, 2, 5], "b": [1, 3.5, 4]})
    >>> item_types(d, ["a", "b"], 1, 5)[["item", "type", "n_off_scale"]].values.tolist()
    [['a', 'likert', 0], ['b', 'continuous', 1]]
    """
    try:            # no whole-number points: an unbounded scale, or bounds not a whole number apart
        pts = None if scale_min is None or scale_max is None else scale_points(scale_min, scale_max)
    except ValueError:
        pts = None
    rows = []
    for it in items:
        if it not in data.columns:
            raise KeyError(f"item {it!r} is not a column of the data")
        x = pd.to_numeric(data[it], errors="coerce").dropna().to_numpy(dtype=float)
        off = np.zeros(len(x), bool) if pts is None else ~np.isclose(x[:, None], pts[None, :], rtol=0,
                                                                       atol=1e-9).any(axis=1)
        n_off = int(off.sum())
        example = float(x[off][0]) if n_off else np.nan
        if continuous:
            typ = "continuous"
            en, zh = _reason(N_("declared continuous by the study"))
        elif pts is None:
            typ = "continuous"
            if scale_min is None:
                en, zh = _reason(N_("the scale has no bounds"))
            else:
                en, zh = _reason(N_("the scale {min}–{max} has no whole-number points"),
                                 min=_fmt(scale_min), max=_fmt(scale_max))
        elif n_off:
            typ = "continuous"
            en, zh = _reason(N_("{n_off} of {n} values are not points of the {min}–{max} scale (e.g. {example})"),
                             n_off=n_off, n=len(x), min=_fmt(scale_min), max=_fmt(scale_max), example=_fmt(example))
        else:
            typ = "likert"
            en, zh = _reason(N_("every value is a point of the {min}–{max} scale"),
                             min=_fmt(scale_min), max=_fmt(scale_max))
        rows.append({"item": it, "type": typ, "n": int(len(x)), "n_off_scale": n_off, "example": example,
                     "reason_en": en, "reason_zh": zh})
    out = pd.DataFrame(rows, columns=TYPE_COLUMNS)
    return out.astype({"n": "int64", "n_off_scale": "int64"})


def study_item_types(data: pd.DataFrame, params, saved=None) -> pd.DataFrame:
    """The item types of a study (``params``: :class:`csat.config.params.StudyParams`).

    ``saved`` is the ``results/item_types.csv`` written by 01_cleaning, where the types are judged
    on every respondent of the raw file; when it exists and lists the study's items it is used, so
    that every stage treats an item alike.  Otherwise the types are judged on ``data``.
    """
    from pathlib import Path

    if saved is not None and Path(saved).is_file():
        t = pd.read_csv(saved, encoding="utf-8", dtype={"item": str})
        if set(TYPE_COLUMNS) <= set(t.columns) and list(t["item"]) == list(params.items):
            return t[TYPE_COLUMNS]
    return item_types(data, params.items, params.scale.min, params.scale.max, params.scale.continuous)


def continuous_items(types: pd.DataFrame) -> list[str]:
    """The items of an :func:`item_types` table that are continuous scores."""
    return list(types.loc[types["type"] == "continuous", "item"])


def likert_items(types: pd.DataFrame) -> list[str]:
    """The items of an :func:`item_types` table that are Likert answers."""
    return list(types.loc[types["type"] == "likert", "item"])


__all__ = ["TYPE_COLUMNS", "item_types", "study_item_types", "continuous_items", "likert_items"]
