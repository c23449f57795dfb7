"""Study- and language-aware parts of the drivers-and-segments stage (06): drivers, segments, Kano, SERVQUAL.

The statistics are computed by :mod:`csat.stats.drivers`, :mod:`csat.stats.segments`,
:mod:`csat.stats.kano` and :mod:`csat.stats.servqual` (study- and language-free).  This module reads
the study's params where 06 needs them (:func:`driver_variables`: the target and predictors of the
key-driver analysis, with :func:`satisfaction_construct` as the default target) and turns the tables
into the paragraphs 06_drivers_segments shows, in the study's language (``en`` or ``zh``).
"""
from __future__ import annotations

from typing import Mapping

import pandas as pd

__all__ = ["SATISFACTION_NAMES", "satisfaction_construct", "driver_variables", "drivers_text", "segments_text",
           "KANO_CATEGORY_NAMES", "kano_text", "gaps_text"]


# -- key drivers ----------------------------------------------------------------------------
SATISFACTION_NAMES = ("sat", "satisfaction", "csi", "acsi", "满意", "满意度")


def satisfaction_construct(params) -> str:
    """The study's satisfaction construct: ``ipma.target`` if set, else the construct named
    SAT/Satisfaction/CSI (name or label, any case; 满意/满意度 in the Chinese label)."""
    if params.ipma.target:
        return params.ipma.target
    for name, c in params.constructs.items():
        texts = [name, c.label or "", c.label_zh or ""]
        if any(t.strip().lower() in SATISFACTION_NAMES for t in texts) or "满意" in (c.label_zh or "") \
                or "satisf" in (c.label or "").lower():
            return name
    raise ValueError("drivers.target: no construct looks like satisfaction (SAT, Satisfaction, 满意度); "
                     "set drivers.target (or ipma.target) in the params file")


def driver_variables(params) -> tuple[str, list[str]]:
    """``(target, predictors)`` from ``params.drivers`` with the defaults filled in: target = the
    satisfaction construct, predictors = the other constructs.

    Parameters
    ----------
    params : StudyParams
        The study's parameters.

    Returns
    -------
    target : str
    predictors : list of str
    """
    spec = params.drivers
    target = spec.target or satisfaction_construct(params)
    predictors = list(spec.predictors) if spec.predictors else [c for c in params.constructs if c != target]
    return target, predictors


def drivers_text(table: pd.DataFrame, info: dict, labels: dict | None = None, language: str = "en") -> str:
    """A plain summary: R², the top driver by LMG share and its interval.

    Parameters
    ----------
    table, info
        The result of :func:`csat.stats.drivers.key_drivers`.
    labels : dict, optional
        ``{variable: label}``.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    labels = labels or {}
    t = table.sort_values("lmg", ascending=False)
    top = t.iloc[0]
    name = labels.get(top["predictor"], top["predictor"])
    tgt = labels.get(info["target"], info["target"])
    if language == "zh":
        return (f"以{tgt}为目标，{len(table)} 个驱动因素共解释 R² = {info['r2']:.3f}（n = {info['n']}）。"
                f"LMG 分解中最重要的是{name}：{top['lmg']:.3f}（占 R² 的 {100 * top['lmg.share']:.0f}%，"
                f"95% 自助区间 {top['lmg.ci.lower']:.3f}–{top['lmg.ci.upper']:.3f}）。")
    return (f"The {len(table)} drivers explain R² = {info['r2']:.3f} of {tgt} (n = {info['n']}). By the LMG "
            f"decomposition the most important driver is {name}: {top['lmg']:.3f} of R² ({100 * top['lmg.share']:.0f}%, "
            f"95% bootstrap interval {top['lmg.ci.lower']:.3f} to {top['lmg.ci.upper']:.3f}).")


# -- segments -------------------------------------------------------------------------------
def segments_text(profile: pd.DataFrame, info: dict, labels: Mapping[str, str] | None = None,
                  language: str = "en") -> str:
    """Number of segments, how chosen, and each segment's size with its highest and lowest construct.

    Parameters
    ----------
    profile : DataFrame
        :func:`csat.stats.segments.segment_profile`.
    info : dict
        The info of :func:`csat.stats.segments.segment`.
    labels : mapping, optional
        ``{construct: label}``.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    labels = labels or {}
    parts = []
    for k, g in profile.groupby("segment"):
        hi = g.loc[g["z"].idxmax()]
        lo = g.loc[g["z"].idxmin()]
        if language == "zh":
            parts.append(f"细分 {k}（{100 * g['share'].iloc[0]:.0f}%）{labels.get(hi['construct'], hi['construct'])}最高"
                         f"（z = {hi['z']:.2f}），{labels.get(lo['construct'], lo['construct'])}最低（z = {lo['z']:.2f}）")
        else:
            parts.append(f"segment {k} ({100 * g['share'].iloc[0]:.0f}%) is highest on "
                         f"{labels.get(hi['construct'], hi['construct'])} (z = {hi['z']:.2f}) and lowest on "
                         f"{labels.get(lo['construct'], lo['construct'])} (z = {lo['z']:.2f})")
    how = {"silhouette": ("by the largest mean silhouette over k = 2–8", "按 k = 2–8 中平均轮廓系数最大选取"),
           "bic": ("by the smallest BIC over k = 2–8", "按 k = 2–8 中 BIC 最小选取")}[info["criterion"]]
    if language == "zh":
        chosen = how[1] if info["k_auto"] else "由参数指定"
        return f"{info['method']} 聚类得到 {info['k']} 个细分（{chosen}，n = {info['n']}）：" + "；".join(parts) + "。"
    chosen = how[0] if info["k_auto"] else "as set in the params"
    return (f"{info['method']} clustering gives {info['k']} segments ({chosen}; n = {info['n']}): "
            + "; ".join(parts) + ".")


# -- Kano -----------------------------------------------------------------------------------
#: The name of each Kano category (:data:`csat.stats.kano.CATEGORIES`) in English and Chinese.
KANO_CATEGORY_NAMES = {"A": ("attractive", "魅力属性"), "O": ("one-dimensional", "期望属性"),
                       "M": ("must-be", "必备属性"), "I": ("indifferent", "无差异属性"),
                       "R": ("reverse", "反向属性"), "Q": ("questionable", "可疑结果")}


def kano_text(table: pd.DataFrame, language: str = "en", labels: Mapping[str, str] | None = None) -> str:
    """One sentence per feature (``language`` = ``en`` or ``zh``): its category, Better and Worse.

    Parameters
    ----------
    table : DataFrame
        The table of :func:`csat.stats.kano.kano_table`.
    language : {"en", "zh"}
    labels : mapping, optional
        ``{feature: label}``.

    Returns
    -------
    str
    """
    labels = labels or {}
    parts = []
    for _, r in table.iterrows():
        if r["category"] is None:
            continue
        en, zh = KANO_CATEGORY_NAMES[r["category"]]
        name = labels.get(r["feature"], r["feature"])
        parts.append(f"{name}：{zh}（Better {r['better']:.2f}，Worse {r['worse']:.2f}）" if language == "zh"
                     else f"{name}: {en} (Better {r['better']:.2f}, Worse {r['worse']:.2f})")
    return ("；".join(parts) + "。") if language == "zh" else ("; ".join(parts) + ".")


# -- SERVQUAL -------------------------------------------------------------------------------
def gaps_text(table: pd.DataFrame, language: str = "en", alpha: float = 0.05) -> str:
    """One paragraph (``language`` = ``en`` or ``zh``) on the dimension gaps, largest shortfall first.

    A gap is called significant when its Holm-adjusted p-value (``p.holm``) is below ``alpha``.

    Parameters
    ----------
    table : DataFrame
        The table of :func:`csat.stats.servqual.gaps`.
    language : {"en", "zh"}
    alpha : float
        Significance level.

    Returns
    -------
    str
    """
    dims = table[table["level"] == "dimension"].sort_values("gap")
    parts = []
    for _, r in dims.iterrows():
        sig = r["p.holm"] < alpha
        if language == "zh":
            parts.append(f"{r['dimension']} 差距 {r['gap']:+.2f}（P/E = {r['ratio']:.2f}{'，显著' if sig else '，不显著'}）")
        else:
            parts.append(f"{r['dimension']} {r['gap']:+.2f} (P/E = {r['ratio']:.2f}; "
                         f"{'significant' if sig else 'not significant'} after Holm)")
    if language == "zh":
        return "各维度感知减期望的差距（从最大不足到最小）：" + "；".join(parts) + "。"
    return "Perception minus expectation by dimension, largest shortfall first: " + "; ".join(parts) + "."
