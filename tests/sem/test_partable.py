"""csat.sem.partable: the parameter table and compiled model (lavaan's ``lavParTable``) — identification by
std.lv, equality constraints by label, fixed.x covariates and the automatic covariances (against lavaan,
tests/reference/sem_extra.json), unknown variables, negative degrees of freedom, formative blocks refused;
single-indicator latent variables as lavaan's ``auto.fix.single`` makes them (against lavaan on the Chinese
fixture, tests/reference/single_item_sem.json)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from csat import sem
from csat.sem import ModelError, fit
from csat.sem import syntax
from csat.sem.syntax import parse_model

from sem.lavaan_checks import EXTRA, LAVAAN_FIT, check_estimates, check_fit, check_r2
from zhsurvey import REF


# -- sem_extra.json (tests/reference/sem_extra.R) --------------------------------------------------
def test_std_lv_identification(hs_data):
    ref = EXTRA["hs_stdlv"]
    res = fit(ref["model"], hs_data, std_lv=True)
    check_estimates(res, ref["estimates"], cols=("est", "se", "z", "pvalue", "ci.lower", "ci.upper", "std.lv",
                                                 "std.all"))
    check_fit(res, ref["fit"])


def test_equality_constraint_by_label(hs_data):
    ref = EXTRA["hs_equal"]
    res = fit(ref["model"], hs_data)
    check_estimates(res, ref["estimates"])
    check_fit(res, ref["fit"])
    assert res.fit_measures["npar"] == 20


def test_fixed_x_covariates_and_auto_cov_y(hs_data):
    """Observed exogenous covariates: variances/covariances fixed at the sample values (not counted in
    npar), lavaan's conditional loglikelihood; pure endogenous variables get free residual covariances."""
    ref = EXTRA["hs_covariates"]
    res = fit(ref["model"], hs_data)
    check_estimates(res, ref["estimates"], cols=("est", "se", "z", "pvalue", "std.lv", "std.all"))
    check_fit(res, ref["fit"], names=LAVAAN_FIT + ["baseline.chisq", "baseline.df"])
    check_r2(res, ref["r2"])


# -- errors ----------------------------------------------------------------------------------------
def test_unknown_variable_suggests(hs_data):
    with pytest.raises(ModelError, match=r"'xx3' is neither .*did you mean 'x3'"):
        fit("visual =~ x1 + x2 + xx3", hs_data)


def test_negative_df_not_identified(hs_data):
    with pytest.raises(ModelError, match=r"not identified.*df = -1"):
        fit("f =~ x1 + x2", hs_data)


# -- formative blocks are for PLS ------------------------------------------------------------------
def test_formative_operator_parses_and_ml_refuses_it():
    t = parse_model("F <~ x1 + x2\nY =~ y1 + y2\nY ~ F")
    assert list(t["op"]) == ["<~", "<~", "=~", "=~", "~"]
    df = pd.DataFrame(np.random.default_rng(1).standard_normal((50, 4)), columns=["x1", "x2", "y1", "y2"])
    with pytest.raises(sem.ModelError, match="estimator: pls"):
        sem.fit("F <~ x1 + x2\nY =~ y1 + y2\nY ~ F", df)


# -- single-indicator latent variables (tests/reference/single_item_sem.R) -------------------------
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
