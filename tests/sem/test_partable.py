"""Parameter tables (csat.sem.partable): a single-indicator latent variable as lavaan's ``auto.fix.single``
makes it, checked against lavaan 0.6-14 on the Chinese fixture (tests/reference/single_item_sem.json)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from csat import sem
from csat.sem import syntax

from zhsurvey import REF


def _compare(res: sem.SEMResult, ref: dict, tol: float = 1e-3) -> None:
    est = res.estimates.set_index(["lhs", "op", "rhs"])
    assert len(ref["estimates"]) == len(res.estimates)
    for e in ref["estimates"]:
        row = est.loc[(e["lhs"], e["op"], e["rhs"])]
        for col in ("est", "se", "z", "pvalue", "std.all"):
            if e[col] is None:
                continue
            assert row[col] == pytest.approx(e[col], abs=tol), (e["lhs"], e["op"], e["rhs"], col)
    for k, v in ref["fit"].items():
        assert res.fit_measures[k] == pytest.approx(v, abs=tol * max(1.0, abs(v))), k
    r2 = dict(zip(res.r2["variable"], res.r2["r2"]))
    assert set(r2) == set(ref["r2"])
    for k, v in ref["r2"].items():
        assert r2[k] == pytest.approx(v, abs=tol), k


def test_single_item_sem_equals_lavaan(zh):
    """满意 =~ 满意度 (one item) in a SEM with Chinese names: lavaan fixes the item's residual variance
    at 0 (auto.fix.single); every estimate, SE, std.all, fit measure and R² agree to 1e-3."""
    res = sem.fit(REF["sem"]["model"], zh)
    assert res.converged and not res.diagnostics          # no r2_near_1 warning for the single item
    row = res.estimates.set_index(["lhs", "op", "rhs"]).loc[("满意度", "~~", "满意度")]
    assert row["est"] == 0 and row["se"] == 0 and math.isnan(row["z"])
    _compare(res, REF["sem"])


def test_single_item_cfa_equals_lavaan(zh):
    _compare(sem.fit(REF["cfa"]["model"], zh), REF["cfa"])


def test_single_indicators_follow_lavaan():
    t = syntax.parse_model("f =~ a\ng =~ b + c + d\nh =~ e\nk =~ e + c")
    assert sem.single_indicators(t) == {"a"}             # e also measures k: not a single indicator
    rng = np.random.default_rng(1)
    f = rng.normal(size=300)
    d = pd.DataFrame({"a": f + 0.3 * rng.normal(size=300), "b": f + rng.normal(size=300),
                      "c": f + rng.normal(size=300), "d": rng.normal(size=300) + f})
    fixed = sem.fit("F =~ a\nG =~ b + c + d\na ~~ 0.05*a", d)   # a residual variance the user sets is kept
    assert fixed.estimates.set_index(["lhs", "op", "rhs"]).loc[("a", "~~", "a"), "est"] == 0.05
