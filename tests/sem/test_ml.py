"""csat.sem.ml: the ML estimator — its optimiser (non-convergence, warm starts), the identification check, and
its fast objective and derivatives against the textbook formulas."""
from __future__ import annotations

import math

import numpy as np
import pytest

from csat.sem import ModelError, build_model, fit
from csat.sem.ml import fit_cov

from sem.lavaan_checks import EXTRA


# -- optimiser -------------------------------------------------------------------------------------
def test_nonconvergence_reported(hs_data, hs_ref):
    cm = build_model(hs_ref["model"], list(hs_data.columns))
    X = hs_data[cm.observed].to_numpy()
    cf = fit_cov(cm, np.cov(X.T, ddof=0), len(X), max_iter=2)
    assert not cf.converged and cf.iterations == 2


# -- compiled model / warm start -------------------------------------------------------------------
def test_fit_cov_warm_start_matches(hs_data, hs_fit):
    cm = hs_fit.model
    S = hs_fit.sample_cov.to_numpy()
    cold = fit_cov(cm, S, hs_fit.n)
    warm = fit_cov(cm, S, hs_fit.n, start=hs_fit.theta)
    assert warm.converged and warm.iterations <= 2
    np.testing.assert_allclose(warm.theta, cold.theta, atol=1e-7)
    # a resample, warm-started from the full-sample solution, gives the cold-start optimum
    idx = np.random.default_rng(0).integers(0, hs_fit.n, hs_fit.n)
    Sb = np.cov(hs_data[cm.observed].to_numpy()[idx].T, ddof=0)
    a, b = fit_cov(cm, Sb, hs_fit.n, start=hs_fit.theta), fit_cov(cm, Sb, hs_fit.n)
    assert a.converged and b.converged
    np.testing.assert_allclose(a.theta, b.theta, atol=1e-6)


# -- identification --------------------------------------------------------------------------------
def test_singular_information_not_identified(hs_data):
    # two 2-indicator factors forced uncorrelated: df = 2 but not identified
    with pytest.raises(ModelError, match="information matrix is singular"):
        fit("f1 =~ x1 + x2\nf2 =~ x3 + x4\nf1 ~~ 0*f2", hs_data)


# -- the ML engine's fast paths against the textbook formulas --------------------------------------
ENGINE_MODELS = {
    "recursive": "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\nspeed ~ visual + textual",
    # a feedback loop (textual <-> speed): I - A is not triangular in any order
    "nonrecursive": ("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"
                     "textual ~ visual + speed\nspeed ~ textual"),
    "fixed_x": EXTRA["hs_covariates"]["model"],
    "equal": EXTRA["hs_equal"]["model"],
}


@pytest.mark.parametrize("which", list(ENGINE_MODELS))
def test_objective_and_derivatives_match_the_textbook_formulas(hs_data, which):
    """``ml.objective`` and ``ml.derivatives`` are factored for speed (I − A built in its triangular
    order, ‖L⁻¹R‖² for tr(SΣ⁻¹), gathered rank-two traces, Hessians from syrk products).  Here they
    are checked against ``F = log|Σ| + tr(SΣ⁻¹) − log|S| − p`` computed plainly from
    ``cm.implied``, its central differences, and ``tr(Σ⁻¹Σ_kΣ⁻¹Σ_l)`` from differenced Σ, at a point
    away from the optimum, with and without the Cholesky factor of S."""
    from csat.sem import ml

    cm = build_model(ENGINE_MODELS[which], list(hs_data.columns))
    assert (ml._recursive_order(cm) is None) == (which == "nonrecursive")
    S = np.cov(hs_data[cm.observed].to_numpy(float).T, ddof=0)
    theta = cm.start_values(S) * (1 + 0.05 * np.random.default_rng(3).standard_normal(cm.npar))
    R = np.linalg.cholesky(S)

    def plain(t):
        Sigma = cm.implied(t, S)[0]
        return (np.linalg.slogdet(Sigma)[1] + np.trace(S @ np.linalg.inv(Sigma)) - np.linalg.slogdet(S)[1]
                - cm.p)

    F0 = plain(theta)
    assert ml.objective(cm, theta, S) == pytest.approx(F0, rel=1e-12)
    assert ml.objective(cm, theta, S, np.linalg.slogdet(S)[1], R) == pytest.approx(F0, rel=1e-12)
    h = 1e-5
    eye = np.eye(cm.npar)
    g_num = np.array([(plain(theta + h * e) - plain(theta - h * e)) / (2 * h) for e in eye])
    dS = [(cm.implied(theta + h * e, S)[0] - cm.implied(theta - h * e, S)[0]) / (2 * h) for e in eye]
    Om = np.linalg.inv(cm.implied(theta, S)[0])
    Hf_num = np.array([[np.trace(Om @ a @ Om @ b) for b in dS] for a in dS])
    for chol in (None, R):
        F, g, Hf, He = ml.derivatives(cm, theta, S, None, chol)
        assert F == pytest.approx(F0, rel=1e-12)
        np.testing.assert_allclose(g, g_num, rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(Hf, Hf_num, rtol=1e-6, atol=1e-8)
        He_num = np.array([(ml.derivatives(cm, theta + h * e, S)[1] - ml.derivatives(cm, theta - h * e, S)[1])
                           / (2 * h) for e in eye])
        np.testing.assert_allclose(He, He_num, rtol=1e-5, atol=1e-7)
        assert np.array_equal(Hf, Hf.T) and np.array_equal(He, He.T)
    # not positive definite: inf, never an exception
    rows = cm.rows
    variances = rows.loc[(rows["op"] == "~~") & (rows["lhs"] == rows["rhs"]) & (rows["free"] > 0), "free"]
    bad = theta.copy()
    bad[variances.to_numpy(int) - 1] = -100.0
    assert ml.objective(cm, bad, S) == math.inf and ml.objective(cm, bad, S, None, R) == math.inf
