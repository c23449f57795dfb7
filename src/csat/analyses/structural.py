"""Study- and language-aware texts of the structural-model stage (05_sem): the study's model from its
params, what the stage says about a model without a structural part, and the plain-words
interpretation of a PLS model.

The engines below take plain arguments: :mod:`csat.sem.templates` (the model from constructs, model
and template), :mod:`csat.sem.structure` (the model's shape), :mod:`csat.sem.pls` (PLS-SEM) and
:mod:`csat.sem.ipma` (importance–performance); the charts are in :mod:`csat.viz.structural`.
"""
from __future__ import annotations

from csat.core.diagnostics import Diagnostic
from csat.sem.templates import ModelSpec, model_spec

__all__ = ["study_model", "no_structural_text", "no_structural_diagnostic"]


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

