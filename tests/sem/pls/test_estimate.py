"""csat.sem.pls.estimate: the PLS algorithm (weights, loadings, paths, R², effects, the estimates table)
against seminr, its stacked iteration, the missing-data rules and non-ASCII names."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from csat.sem import pls
from csat.sem.syntax import parse_model

from sem.pls.seminr_ref import HERE, REF, REF_R, TOL, load


# -- against seminr (tests/reference/pls_seminr*.py) -----------------------------------------------
def test_weights_loadings_paths_r2(case):
    name, r, df, res = case
    assert res.n == r["n"] and res.converged and res.iterations == r["iterations"]
    for c, d in r["weights"].items():
        for it, v in d.items():
            assert res.weights.loc[it, c] == pytest.approx(v, abs=TOL), (name, c, it)
            assert res.loadings.loc[it, c] == pytest.approx(r["loadings"][c][it], abs=TOL), (name, c, it)
    for p in r["paths"]:
        assert res.paths.loc[p["to"], p["from"]] == pytest.approx(p["est"], abs=TOL), (name, p)
    r2 = res.r2.set_index("construct")
    assert set(r2.index) == set(r["r2"])
    for c, v in r["r2"].items():
        assert r2.loc[c, "r2"] == pytest.approx(v["r2"], abs=TOL)
        assert r2.loc[c, "r2.adj"] == pytest.approx(v["r2.adj"], abs=TOL)
    eff = pls.effects(res).set_index(["from", "to"])
    assert len(eff) == len(r["total"])
    for t in r["total"]:
        assert eff.loc[(t["from"], t["to"]), "total"] == pytest.approx(t["est"], abs=TOL)


def test_estimates_table_has_lavaan_rows(case):
    name, r, df, res = case
    est = res.estimates()
    assert (est["op"] == "~").sum() == len(r["paths"])
    n_items = sum(len(v) for v in r["weights"].values())
    assert (est["op"] == "=~").sum() == n_items and (est["op"] == "<~").sum() == n_items
    t = parse_model(r["syntax"])
    formative = set(t.loc[t["op"] == "<~", "lhs"])
    assert set(est.loc[est["mode"] == "B", "lhs"]) == set(formative)


def test_r_seminr_fixtures():
    """R seminr's own test fixtures (tests/reference/pls_seminr_R.py): the Primer's simple
    corporate-reputation model (path coefficients as in Hair et al.: .162, .009, .424, .342, .504)
    and a mobi model's R², adjusted R² and f²."""
    df = load("corp_simple", Path("."))
    res = pls.pls_fit(REF["corp_simple"]["syntax"], df)
    paths = REF_R["corp_simple_paths"]["paths"]
    assert len(paths) == 5
    for p in paths:
        assert res.paths.loc[p["to"], p["from"]] == pytest.approx(p["est"], abs=1e-8), p
    m = REF_R["mobi_satisfaction"]
    res = pls.pls_fit(m["syntax"], pd.read_csv(HERE / "reference" / "pls_mobi.csv"))
    r2 = res.r2.set_index("construct")
    assert r2.loc["Satisfaction", "r2"] == pytest.approx(m["r2"], abs=1e-8)
    assert r2.loc["Satisfaction", "r2.adj"] == pytest.approx(m["r2.adj"], abs=1e-8)
    f2 = pls.f_squared(res).set_index(["from", "to"])["f2"]
    assert f2[("Image", "Satisfaction")] == pytest.approx(m["f2_image_satisfaction"], abs=1e-8)


# -- algorithm properties --------------------------------------------------------------------------
def test_stacked_problems_equal_single_ones(small):
    X = small.X
    rng = np.random.default_rng(0)
    Rs = [np.corrcoef(X[rng.integers(0, len(X), len(X))], rowvar=False) for _ in range(3)]
    W, it, ok = pls.fit_weights(np.stack(Rs), small.spec)
    for k, R in enumerate(Rs):
        W1, it1, _ = pls.fit_weights(R[None], small.spec)
        np.testing.assert_array_equal(W[k], W1[0])
        assert it[k] == it1[0]


def test_missing_rules():
    df = load("corp_simple", Path("."))
    mean = pls.pls_fit(REF["corp_simple"]["syntax"], df, missing="mean")
    lw = pls.pls_fit(REF["corp_simple"]["syntax"], df, missing="listwise")
    items = mean.spec.items
    complete = df[items].dropna()
    assert lw.n == len(complete) and lw.n_dropped == len(df) - len(complete) and mean.n == len(df)
    filled = df[items].fillna(df[items].mean()).to_numpy()
    np.testing.assert_allclose(mean.X, filled)
    with pytest.raises(ValueError, match="missing"):
        pls.pls_fit(REF["corp_simple"]["syntax"], df, missing="fiml")


def test_chinese_names():
    rng = np.random.default_rng(1)
    n = 120
    f = rng.standard_normal(n)
    g = 0.6 * f + 0.8 * rng.standard_normal(n)
    df = pd.DataFrame({"形象1": f + rng.standard_normal(n), "形象2": f + rng.standard_normal(n),
                       "满意1": g + rng.standard_normal(n), "满意2": g + rng.standard_normal(n)})
    res = pls.pls_fit("形象 =~ 形象1 + 形象2\n满意 <~ 满意1 + 满意2\n满意 ~ 形象", df)
    assert res.spec.modes == {"形象": "A", "满意": "B"}
    # one predictor: the path is the correlation of the two construct scores
    assert res.paths.loc["满意", "形象"] == pytest.approx(res.scores.corr().loc["满意", "形象"], abs=1e-12)
