"""The shape of a study's model: does it have a structural part, and what can be reported.

A customer-satisfaction study regresses constructs on each other (``SAT ~ QUAL + VAL``); a
scale-validation study (the Big Five, Holzinger–Swineford) has constructs and a measurement model
only.  Both run every stage.  Without structural regressions the SEM stage reports what applies —
the measurement model's fit, loadings, variances and the factor correlations — and no effects,
bootstrap of effects or importance–performance map (there is nothing for them to be about).
Single-item constructs (``CUSA =~ cusa``) are measured without error (lavaan's
``auto.fix.single``, see :func:`csat.sem.single_indicators`).  What the stage says to the reader about
a model without a structural part is in :mod:`csat.analyses.structural`.
"""
from __future__ import annotations

from typing import Mapping

import pandas as pd


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


__all__ = ["has_structural_part", "single_item_constructs", "factor_correlations"]
