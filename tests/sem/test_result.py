"""csat.sem.result: the fitted model (SEMResult) against lavaan 0.6 — its tables and matrices, R², the
std.lv/std.all solution and Wald intervals, ``:=`` defined parameters by the delta method, modification
indices, residuals, latent moments, and the diagnostics of a fit (Heywood cases, poor fit, R² near 1)."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from csat.sem import FIT_MEASURES, fit

from sem.lavaan_checks import EXTRA, TOL, check_estimates, check_fit, check_r2


def test_holzinger_cfa_r2(hs_fit, hs_ref):
    check_r2(hs_fit, hs_ref["cfa"]["r2"])


def test_result_structure(pd_fit):
    est = pd_fit.estimates
    assert list(est.columns) == ["lhs", "op", "rhs", "label", "est", "se", "z", "pvalue", "ci.lower", "ci.upper",
                                 "std.lv", "std.all"]
    ops = list(est["op"])
    assert ops == sorted(ops, key=["=~", "~", "~~", ":="].index)
    assert pd_fit.n == 75 and pd_fit.observed[:3] == ["x1", "x2", "x3"] and pd_fit.latent == ["ind60", "dem60", "dem65"]
    assert pd_fit.Lambda.loc["x2", "ind60"] == pytest.approx(2.1803677309, abs=TOL)
    assert pd_fit.Beta.loc["dem65", "dem60"] == pytest.approx(0.8373448112, abs=TOL)
    assert pd_fit.Theta.loc["y1", "y5"] == pytest.approx(0.62367107403, abs=TOL)
    assert pd_fit.Psi.shape == (3, 3) and pd_fit.implied_cov.shape == (11, 11)
    # Wald interval = est ± 1.959964 se
    r = est.iloc[1]
    assert r["ci.lower"] == pytest.approx(r["est"] - 1.959963985 * r["se"], abs=1e-9)
    assert all(m in pd_fit.fit_measures for m in FIT_MEASURES)


# -- sem_extra.json (tests/reference/sem_extra.R) --------------------------------------------------
def test_std_lv_column_marker_model(hs_data):
    ref = EXTRA["hs"]
    res = fit(ref["model"], hs_data)
    check_estimates(res, ref["estimates"], cols=("std.lv", "ci.lower", "ci.upper"))


def test_defined_indirect_effect(pd_data):
    ref = EXTRA["pd_defined"]
    res = fit(ref["model"], pd_data)
    check_estimates(res, ref["estimates"], cols=("est", "se", "z", "pvalue", "ci.lower", "ci.upper", "std.all"))
    ind = res.estimates[res.estimates["op"] == ":="].iloc[0]
    assert ind["lhs"] == "ind" and ind["rhs"] == "a*b"
    # the delta method by hand: se² = b² var(a) + a² var(b) + 2ab cov(a, b)
    a = res.estimates.query("lhs == 'dem60' and rhs == 'ind60'").iloc[0]
    b = res.estimates.query("lhs == 'dem65' and rhs == 'dem60'").iloc[0]
    assert ind["est"] == pytest.approx(a["est"] * b["est"], rel=1e-12)
    rows = res.model.rows
    ka = int(rows.loc[(rows["lhs"] == "dem60") & (rows["rhs"] == "ind60"), "free"].iloc[0])
    kb = int(rows.loc[(rows["lhs"] == "dem65") & (rows["rhs"] == "dem60"), "free"].iloc[0])
    V = res.vcov
    se2 = (b["est"] ** 2 * V[ka, ka] + a["est"] ** 2 * V[kb, kb] + 2 * a["est"] * b["est"] * V[ka, kb])
    assert ind["se"] == pytest.approx(math.sqrt(se2), rel=1e-6)


def test_modindices(hs_fit):
    ref = pd.DataFrame(EXTRA["hs"]["modindices"])
    mi = hs_fit.modindices(top=None)
    assert len(mi) == len(ref)
    assert list(mi.columns) == ["lhs", "op", "rhs", "mi", "epc", "sepc.all"]
    m = mi.set_index(["lhs", "op", "rhs"])
    for _, r in ref.iterrows():
        got = m.loc[(r["lhs"], r["op"], r["rhs"])]
        for c in ("mi", "epc", "sepc.all"):
            assert got[c] == pytest.approx(r[c], abs=TOL), (r["lhs"], r["op"], r["rhs"], c)
    top = hs_fit.modindices(top=3)
    assert list(zip(top["lhs"], top["op"], top["rhs"])) == list(zip(ref["lhs"], ref["op"], ref["rhs"]))[:3]


def test_modindices_structural_model(pd_data):
    ref = EXTRA["pd_defined"]
    res = fit(ref["model"], pd_data)
    mref = pd.DataFrame(ref["modindices"])
    mi = res.modindices(top=None).set_index(["lhs", "op", "rhs"])
    assert len(mi) == len(mref)
    for _, r in mref.iterrows():
        got = mi.loc[(r["lhs"], r["op"], r["rhs"])]
        assert got["mi"] == pytest.approx(r["mi"], abs=TOL)
        assert got["epc"] == pytest.approx(r["epc"], abs=TOL)
        assert got["sepc.all"] == pytest.approx(r["sepc.all"], abs=TOL)


def test_residuals_and_latent_moments(hs_fit):
    ref = EXTRA["hs"]
    np.testing.assert_allclose(hs_fit.residuals().to_numpy(), np.array(ref["resid_cor"]), atol=TOL)
    z = hs_fit.standardized_residuals().to_numpy()
    zr = np.array(ref["resid_standardized"], dtype=float)
    off = ~np.eye(9, dtype=bool)
    np.testing.assert_allclose(z[off], zr[off], atol=TOL)
    np.testing.assert_allclose(np.diag(z), 0.0, atol=TOL)      # lavaan: numerically 0 on the diagonal
    np.testing.assert_allclose(hs_fit.latent_cov().to_numpy(), np.array(ref["cov_lv"]), atol=TOL)
    np.testing.assert_allclose(hs_fit.latent_cor().to_numpy(), np.array(ref["cor_lv"]), atol=TOL)


def test_heywood_case_diagnosed():
    ref = EXTRA["heywood"]
    data = pd.DataFrame(ref["data"])
    res = fit(ref["model"], data)
    assert res.converged
    check_estimates(res, ref["estimates"])
    check_fit(res, ref["fit"])
    r2 = dict(zip(res.r2["variable"], res.r2["r2"]))
    assert math.isnan(r2["a1"]) and ref["r2"]["a1"] is None      # lavaan: NA for the Heywood item
    codes = {(d.code, d.where) for d in res.diagnostics}
    assert ("heywood", "a1 ~~ a1") in codes
    assert ("std_gt_1", "f ~~ f2") in codes
    assert ("latent_not_pd", "latent covariance matrix") in codes
    assert all(d.severity == "error" for d in res.diagnostics if d.code in {"heywood", "std_gt_1", "latent_not_pd"})


# -- diagnostics -----------------------------------------------------------------------------------
def test_fit_diagnostics_thresholds(hs_fit, pd_fit):
    d = {(x.code, x.where): x for x in hs_fit.diagnostics}
    # CFI 0.931 acceptable, TLI 0.896 poor, RMSEA 0.092 poor, SRMR 0.065 fine
    assert ("acceptable_fit", "cfi") in d and ("poor_fit", "tli") in d and ("poor_fit", "rmsea") in d
    assert not any(w == "srmr" for _, w in d)
    assert d[("poor_fit", "rmsea")].severity == "warning"
    # political democracy: good fit, but dem60/dem65 correlate above 0.95
    codes = [(x.code, x.where) for x in pd_fit.diagnostics]
    assert codes == [("ill_conditioned", "dem60 ~~ dem65")]


def test_r2_near_one_warning():
    rng = np.random.default_rng(3)
    f = rng.normal(size=400)
    data = pd.DataFrame({"y1": f + 0.02 * rng.normal(size=400), "y2": f + 0.02 * rng.normal(size=400),
                         "y3": f + 0.8 * rng.normal(size=400), "y4": f + 0.8 * rng.normal(size=400)})
    res = fit("f =~ y1 + y2 + y3 + y4", data)
    r2 = dict(zip(res.r2["variable"], res.r2["r2"]))
    assert r2["y1"] > 0.99
    assert ("r2_near_1", "y1") in {(d.code, d.where) for d in res.diagnostics}
