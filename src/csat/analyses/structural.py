"""Study- and language-aware texts of the structural-model stage (05_sem): the study's model from its
params, what the stage says about a model without a structural part, and the plain-words
interpretation of a PLS model.

The engines below take plain arguments: :mod:`csat.sem.templates` (the model from constructs, model
and template), :mod:`csat.sem.structure` (the model's shape), :mod:`csat.sem.pls` (PLS-SEM) and
:mod:`csat.sem.ipma` (importance–performance); the charts are in :mod:`csat.viz.structural`.
"""
from __future__ import annotations

import pandas as pd

from csat.analyses.verdicts import error_summary, ipma_priority_text
from csat.core.diagnostics import Diagnostic
from csat.sem.templates import ModelSpec, model_spec

__all__ = ["study_model", "no_structural_text", "no_structural_diagnostic", "pls_text"]


def study_model(params) -> ModelSpec:
    """The study's model (:func:`csat.sem.templates.model_spec`): ``params.model``, else the expanded
    ``params.model_template``, else one factor per construct of ``params.constructs``."""
    return model_spec(params.constructs, getattr(params, "model", None), getattr(params, "model_template", None))


def no_structural_text(language: str = "en") -> str:
    """What the SEM stage reports for a model without structural regressions."""
    if language == "zh":
        return ("该模型没有结构部分（没有 `~` 回归路径），是一个测量模型（验证性因子分析）。本阶段报告其拟合、因子载荷、方差与"
                "因子间相关；没有构念间效应，因此不做效应的自助法估计，也不做重要性–表现分析（IPMA）。")
    return ("The model has no structural part (no `~` regressions): it is a measurement model (a confirmatory factor "
            "analysis). This stage reports its fit, loadings, variances and the correlations between the factors; "
            "there are no effects between constructs, so no bootstrap of effects and no importance–performance map "
            "(IPMA).")


def no_structural_diagnostic() -> Diagnostic:
    """The ``no_structural_part`` note of a model without structural regressions."""
    return Diagnostic("no_structural_part", "info", "model",
                      "The model has no structural regressions (a measurement model): effects, their bootstrap and "
                      "the importance–performance map do not apply and are not reported.",
                      message_zh="模型没有结构回归路径（是一个测量模型）：效应、效应的自助法估计和重要性–表现图均不适用，"
                      "不予报告。")


def pls_text(q: pd.DataFrame, est: pd.DataFrame, index: pd.DataFrame, ipma: pd.DataFrame | None,
             labels: dict, diags=(), language: str = "en") -> str:
    """A generated plain-words interpretation of a PLS model (English or Chinese): measurement
    quality, significant paths (bootstrap interval excluding 0), explained variance, the indices
    and the IPMA priorities."""
    zh = language == "zh"
    lab = lambda c: labels.get(c, c)  # noqa: E731
    parts = []
    refl = q[(q["mode"] == "A") & (q["n_items"] > 1)]
    if len(refl):
        lo_rc, hi_rc = refl["rhoC"].min(), refl["rhoC"].max()
        lo_av = refl["ave"].min()
        if zh:
            parts.append(f"反映型构念的组合信度 rhoC 在 {lo_rc:.2f}–{hi_rc:.2f} 之间，最小 AVE 为 {lo_av:.2f}"
                         f"（标准：rhoC ≥ .70，AVE ≥ .50）。")
        else:
            parts.append(f"The reflective constructs have composite reliability rhoC between {lo_rc:.2f} and "
                         f"{hi_rc:.2f} and a smallest AVE of {lo_av:.2f} (criteria: rhoC ≥ .70, AVE ≥ .50).")
    paths = est[est["op"] == "~"]
    sig = paths[(paths["ci.lower"] > 0) | (paths["ci.upper"] < 0)] if "ci.lower" in paths else paths.iloc[0:0]
    if len(sig):
        sig = sig.reindex(sig["est"].abs().sort_values(ascending=False).index)
        items = [f"{lab(r.rhs)} → {lab(r.lhs)} ({r.est:.2f})" for r in sig.itertuples()]
        parts.append(("Bootstrap 区间不含 0 的路径（按大小排列）：" + "、".join(items) + "。") if zh else
                     ("Paths whose bootstrap interval excludes 0, largest first: " + ", ".join(items) + "."))
    r2 = q[q["r2"].notna()]
    if len(r2):
        parts.append(("模型解释了" + "、".join(f"{lab(c)}方差的 {100 * v:.0f}%" for c, v in zip(r2["construct"], r2["r2"]))
                      + "。") if zh else
                     ("The model explains " + ", ".join(f"{100 * v:.0f}% of the variance of {lab(c)}"
                                                        for c, v in zip(r2["construct"], r2["r2"])) + "."))
    if len(index):
        top = index.sort_values("index", ascending=False)
        items = [f"{lab(c)} {v:.1f}" for c, v in zip(top["construct"], top["index"])]
        parts.append(("0–100 指数（按 PLS 权重加权的题项均值）从高到低：" + "、".join(items) + "。") if zh else
                     ("The 0–100 indices (item means weighted by the PLS weights), highest first: "
                      + ", ".join(items) + "."))
    priority = ipma_priority_text(ipma, language)
    if priority:
        parts.append(priority)
    if error_summary(diags, language) is not None:
        parts.append("注意：诊断中存在严重问题，解读前请先查看诊断信息。" if zh else
                     "Caution: the diagnostics include errors; read them before interpreting these results.")
    return ("" if zh else " ").join(parts)
