"""The shape of a study's model: does it have a structural part, and what can be reported.

A customer-satisfaction study regresses constructs on each other (``SAT ~ QUAL + VAL``); a
scale-validation study (the Big Five, Holzinger–Swineford) has constructs and a measurement model
only.  Both run every stage.  Without structural regressions the SEM stage reports what applies —
the measurement model's fit, loadings, variances and the factor correlations — and no effects,
bootstrap of effects or importance–performance map (there is nothing for them to be about).
Single-item constructs (``CUSA =~ cusa``) are measured without error (lavaan's
``auto.fix.single``, see :func:`csat.sem.single_indicators`).
"""
from __future__ import annotations

from typing import Mapping

import pandas as pd

from csat.core.diagnostics import Diagnostic


def has_structural_part(model: str | pd.DataFrame) -> bool:
    """True when the model (lavaan syntax or an estimates/parameter table) has a ``~`` regression."""
    if isinstance(model, pd.DataFrame):
        return bool((model["op"] == "~").any())
    from csat.sem.syntax import parse_model

    return bool((parse_model(model)["op"] == "~").any())


def single_item_constructs(constructs: Mapping[str, object]) -> list[str]:
    """Constructs measured by one item (``{items: [cusa]}``)."""
    out = []
    for name, spec in constructs.items():
        items = spec if isinstance(spec, (list, tuple)) else getattr(spec, "items", None)
        if items is not None and len(items) == 1:
            out.append(name)
    return out


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
    return Diagnostic("no_structural_part", "info", "model",
                      "The model has no structural regressions (a measurement model): effects, their bootstrap and "
                      "the importance–performance map do not apply and are not reported.",
                      message_zh="模型没有结构回归路径（是一个测量模型）：效应、效应的自助法估计和重要性–表现图均不适用，"
                      "不予报告。")


def factor_correlations(estimates: pd.DataFrame, latent: list[str], labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The correlations between the latent variables of a fitted model, one row per pair:
    ``lhs, rhs, est`` (covariance), ``std.all`` (correlation), ``se``, ``pvalue``, with labels.
    Taken from the ``~~`` rows between latent variables (lavaan's ``std.all`` of a covariance of two
    exogenous factors is their correlation)."""
    labels = dict(labels or {})
    lat = set(latent)
    e = estimates[(estimates["op"] == "~~") & (estimates["lhs"] != estimates["rhs"])
                  & estimates["lhs"].isin(lat) & estimates["rhs"].isin(lat)]
    out = e[["lhs", "rhs", "est", "se", "pvalue", "std.all"]].copy()
    out.insert(2, "label.rhs", [labels.get(v, v) for v in out["rhs"]])
    out.insert(1, "label.lhs", [labels.get(v, v) for v in out["lhs"]])
    return out.reset_index(drop=True)


__all__ = ["has_structural_part", "single_item_constructs", "no_structural_text", "no_structural_diagnostic",
           "factor_correlations"]
