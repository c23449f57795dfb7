"""csat.sem against lavaan 0.6 (every estimate, SE, z, p, std.all, fit measure and R², to 1e-3).

References: ``shared/reference/holzinger1939.json`` ("cfa") and ``political_democracy.json``
("sem") made by ``shared/reference/make_refs.R``; ``tests/reference/sem_extra.json`` made by
``tests/reference/sem_extra.R`` (std.lv, modification indices, residuals, latent moments,
defined parameters, equality constraints, fixed.x covariates, the ECSI model, a Heywood case).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from csat.sem import FIT_MEASURES, ModelError, build_model, fit
from csat.sem.ml import fit_cov, gradient_information
from csat.sem.syntax import ModelSyntaxError

from conftest import SHARED

TOL = 1e-3
HERE = Path(__file__).resolve().parents[1]            # tests/
EXTRA = json.loads((HERE / "reference" / "sem_extra.json").read_text())
FIML = json.loads((HERE / "reference" / "sem_fiml.json").read_text())
LAVAAN_FIT = ["npar", "chisq", "df", "pvalue", "cfi", "tli", "nfi", "gfi", "agfi", "rmsea", "rmsea.ci.lower",
              "rmsea.ci.upper", "srmr", "aic", "bic", "logl", "ntotal"]


def _data(name: str) -> pd.DataFrame:
    return pd.read_csv(SHARED / "datasets" / f"{name}.csv")


@pytest.fixture(scope="module")
def hs_data():
    return _data("holzinger1939")


@pytest.fixture(scope="module")
def pd_data():
    return _data("political_democracy")


@pytest.fixture(scope="module")
def hs_ref():
    return json.loads((SHARED / "reference" / "holzinger1939.json").read_text())


@pytest.fixture(scope="module")
def pd_ref():
    return json.loads((SHARED / "reference" / "political_democracy.json").read_text())


@pytest.fixture(scope="module")
def hs_fit(hs_data, hs_ref):
    return fit(hs_ref["model"], hs_data)


@pytest.fixture(scope="module")
def pd_fit(pd_data, pd_ref):
    return fit(pd_ref["model"], pd_data)


def _close(a, b, tol=TOL):
    if b is None:
        return a is None or not np.isfinite(a)
    return abs(float(a) - float(b)) <= tol


def check_estimates(res, ref_rows, cols=("est", "se", "z", "pvalue", "std.all"), tol=TOL):
    """Every reference row is present, in lavaan's order, with every listed column within tol."""
    est = res.estimates
    assert len(est) == len(ref_rows)
    bad = []
    for k, row in enumerate(ref_rows):
        mine = est.iloc[k]
        assert (mine["lhs"], mine["op"], mine["rhs"]) == (row["lhs"], row["op"], row["rhs"]), k
        for c in cols:
            if c not in row:                 # lavaan leaves z/pvalue out for fixed parameters
                continue
            if not _close(mine[c], row[c], tol):
                bad.append((row["lhs"], row["op"], row["rhs"], c, mine[c], row[c]))
    assert not bad, bad


def check_fit(res, ref_fit, names=LAVAAN_FIT, tol=TOL):
    bad = [(m, res.fit_measures[m], ref_fit[m]) for m in names
           if not _close(res.fit_measures[m], ref_fit[m], tol * max(1.0, abs(ref_fit[m] or 0) / 1000))]
    assert not bad, bad


def check_r2(res, ref_r2, tol=TOL):
    got = dict(zip(res.r2["variable"], res.r2["r2"]))
    assert list(got) == list(ref_r2)
    bad = [(v, got[v], x) for v, x in ref_r2.items() if not _close(got[v], x, tol)]
    assert not bad, bad


# -- shared references ---------------------------------------------------------------------------
def test_holzinger_cfa_estimates(hs_fit, hs_ref):
    assert hs_fit.converged
    assert np.max(np.abs(gradient_information(hs_fit.model, hs_fit.theta, hs_fit.sample_cov.to_numpy())[1])) < 1e-8
    check_estimates(hs_fit, hs_ref["cfa"]["estimates"])


def test_holzinger_cfa_fit_measures(hs_fit, hs_ref):
    check_fit(hs_fit, hs_ref["cfa"]["fit"])
    assert set(LAVAAN_FIT) <= set(hs_fit.fit_measures)


def test_holzinger_cfa_r2(hs_fit, hs_ref):
    check_r2(hs_fit, hs_ref["cfa"]["r2"])


def test_political_democracy_estimates(pd_fit, pd_ref):
    assert pd_fit.converged
    check_estimates(pd_fit, pd_ref["sem"]["estimates"])


def test_political_democracy_fit_measures_and_r2(pd_fit, pd_ref):
    check_fit(pd_fit, pd_ref["sem"]["fit"])
    check_r2(pd_fit, pd_ref["sem"]["r2"])


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


# -- sem_extra.json (tests/reference/sem_extra.R) -----------------------------------------------------
def test_std_lv_identification(hs_data):
    ref = EXTRA["hs_stdlv"]
    res = fit(ref["model"], hs_data, std_lv=True)
    check_estimates(res, ref["estimates"], cols=("est", "se", "z", "pvalue", "ci.lower", "ci.upper", "std.lv",
                                                 "std.all"))
    check_fit(res, ref["fit"])


def test_std_lv_column_marker_model(hs_data):
    ref = EXTRA["hs"]
    res = fit(ref["model"], hs_data)
    check_estimates(res, ref["estimates"], cols=("std.lv", "ci.lower", "ci.upper"))


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


def test_ecsi_model():
    ref = EXTRA["ecsi"]
    res = fit(ref["model"], _data("ecsi_satisfaction"))
    assert res.converged
    check_estimates(res, ref["estimates"], cols=("est", "se", "z", "pvalue", "std.all"))
    check_fit(res, ref["fit"])
    check_r2(res, ref["r2"])


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


# -- diagnostics ------------------------------------------------------------------------------------
def test_fit_diagnostics_thresholds(hs_fit, pd_fit):
    d = {(x.code, x.where): x for x in hs_fit.diagnostics}
    # CFI 0.931 acceptable, TLI 0.896 poor, RMSEA 0.092 poor, SRMR 0.065 fine
    assert ("acceptable_fit", "cfi") in d and ("poor_fit", "tli") in d and ("poor_fit", "rmsea") in d
    assert not any(w == "srmr" for _, w in d)
    assert d[("poor_fit", "rmsea")].severity == "warning"
    # political democracy: good fit, but dem60/dem65 correlate above 0.95
    codes = [(x.code, x.where) for x in pd_fit.diagnostics]
    assert codes == [("ill_conditioned", "dem60 ~~ dem65")]


def test_nonconvergence_reported(hs_data, hs_ref):
    cm = build_model(hs_ref["model"], list(hs_data.columns))
    X = hs_data[cm.observed].to_numpy()
    cf = fit_cov(cm, np.cov(X.T, ddof=0), len(X), max_iter=2)
    assert not cf.converged and cf.iterations == 2


def test_r2_near_one_warning():
    rng = np.random.default_rng(3)
    f = rng.normal(size=400)
    data = pd.DataFrame({"y1": f + 0.02 * rng.normal(size=400), "y2": f + 0.02 * rng.normal(size=400),
                         "y3": f + 0.8 * rng.normal(size=400), "y4": f + 0.8 * rng.normal(size=400)})
    res = fit("f =~ y1 + y2 + y3 + y4", data)
    r2 = dict(zip(res.r2["variable"], res.r2["r2"]))
    assert r2["y1"] > 0.99
    assert ("r2_near_1", "y1") in {(d.code, d.where) for d in res.diagnostics}


# -- compiled model / warm start --------------------------------------------------------------------------
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


def test_semopy_cross_check(hs_data, hs_fit):
    """An independent implementation (semopy 2.3.11) agrees to ~1e-2 (it stops short of the optimum)."""
    import semopy

    m = semopy.Model(EXTRA["hs"]["model"])
    m.fit(hs_data[hs_fit.observed])
    ins = m.inspect()
    ours = hs_fit.estimates.set_index(["lhs", "op", "rhs"])["est"]
    n = 0
    for _, r in ins.iterrows():
        if r["op"] == "~":          # semopy writes loadings as "x ~ f"
            key = (r["rval"], "=~", r["lval"])
        else:
            key = (r["lval"], "~~", r["rval"])
            if key not in ours.index:
                key = (r["rval"], "~~", r["lval"])
        assert ours[key] == pytest.approx(float(r["Estimate"]), abs=1e-2), key
        n += 1
    assert n == len(ours)


# -- errors -----------------------------------------------------------------------------------------
def test_unknown_variable_suggests(hs_data):
    with pytest.raises(ModelError, match=r"'xx3' is neither .*did you mean 'x3'"):
        fit("visual =~ x1 + x2 + xx3", hs_data)


def test_negative_df_not_identified(hs_data):
    with pytest.raises(ModelError, match=r"not identified.*df = -1"):
        fit("f =~ x1 + x2", hs_data)


def test_singular_information_not_identified(hs_data):
    # two 2-indicator factors forced uncorrelated: df = 2 but not identified
    with pytest.raises(ModelError, match="information matrix is singular"):
        fit("f1 =~ x1 + x2\nf2 =~ x3 + x4\nf1 ~~ 0*f2", hs_data)


def test_bad_inputs(hs_data):
    with pytest.raises(ModelSyntaxError, match="line 2"):
        fit("f =~ x1 + x2 + x3\nf <- x4", hs_data)
    with pytest.raises(ModelError, match="'a', which is not a parameter label"):
        fit("f =~ x1 + x2 + x3\nind := a*b", hs_data)
    with pytest.raises(ModelError, match="not numeric"):
        fit("f =~ x1 + x2 + x3\nf ~ school", hs_data)
    with pytest.raises(ModelError, match="missing='pairwise' is not supported"):
        fit("f =~ x1 + x2 + x3", hs_data, missing="pairwise")
    with pytest.raises(ModelError, match="not supported with observed exogenous covariates"):
        fit("f =~ x1 + x2 + x3\nf ~ ageyr", hs_data, missing="fiml")


def test_listwise_deletion(hs_data, hs_ref):
    d = hs_data.copy()
    d.loc[[0, 5, 9], "x2"] = np.nan
    res = fit(hs_ref["model"], d)
    assert res.n == 298 and res.fit_measures["ntotal"] == 298
    full = fit(hs_ref["model"], d.dropna(subset=["x2"]))
    np.testing.assert_allclose(res.estimates["est"], full.estimates["est"], atol=1e-10)


# -- FIML (tests/reference/sem_fiml.R: lavaan missing = "ml") ----------------------------------------
@pytest.mark.parametrize("key", ["hs", "pd"])
def test_fiml_matches_lavaan(key):
    ref = FIML[key]
    data = pd.DataFrame(ref["data"]).astype(float)
    assert data.isna().any().any()
    res = fit(ref["model"], data, missing="fiml")
    assert res.converged and res.missing == "fiml"
    check_estimates(res, ref["estimates"])          # includes the "~1" intercept rows
    check_fit(res, ref["fit"], names=LAVAAN_FIT + ["unrestricted.logl", "baseline.chisq", "baseline.df"])
    check_r2(res, ref["r2"])
    np.testing.assert_allclose(res.residuals().to_numpy(), np.array(ref["resid_cor"]), atol=TOL)
    with pytest.raises(ModelError, match="only available for complete data"):
        res.modindices()
    with pytest.raises(ModelError, match="only available for complete data"):
        res.standardized_residuals()


def test_fiml_complete_data_equals_ml(pd_data, pd_fit, pd_ref):
    res = fit(pd_ref["model"], pd_data, missing="fiml")
    body = res.estimates[res.estimates["op"] != "~1"].reset_index(drop=True)
    np.testing.assert_allclose(body["est"], pd_fit.estimates["est"], atol=1e-6)
    assert res.fit_measures["chisq"] == pytest.approx(pd_fit.fit_measures["chisq"], abs=1e-5)
    assert res.fit_measures["npar"] == pd_fit.fit_measures["npar"] + 11
    means = res.estimates[res.estimates["op"] == "~1"].set_index("lhs")["est"]
    np.testing.assert_allclose(means[pd_fit.observed], pd_data[pd_fit.observed].mean(), atol=1e-6)


# -- one registry of estimators (csat.sem.estimators) -------------------------------------------
def test_estimator_registry_dispatches(pd_data, pd_ref, pd_fit):
    from csat.sem import pls
    from csat.sem import ESTIMATORS, get_estimator

    assert {"ml", "fiml", "pls"} <= set(ESTIMATORS)
    ml = ESTIMATORS["ml"].fit(pd_ref["model"], pd_data)
    np.testing.assert_allclose(ml.estimates["est"], pd_fit.estimates["est"], atol=1e-12)
    ref = FIML["hs"]
    data = pd.DataFrame(ref["data"]).astype(float)
    fiml = get_estimator("fiml").fit(ref["model"], data)
    assert fiml.missing == "fiml"
    check_estimates(fiml, ref["estimates"])              # lavaan missing = "ml"
    model = "IMAG =~ x1 + x2 + x3\nSAT =~ x4 + x5 + x6\nSAT ~ IMAG"
    hs = _data("holzinger1939")
    res = ESTIMATORS["pls"].fit(model, hs)
    assert isinstance(res, pls.PLSResult)
    np.testing.assert_allclose(res.paths.to_numpy(), pls.pls_fit(model, hs).paths.to_numpy())
    with pytest.raises(ModelError, match="unknown estimator 'mll'.*did you mean 'ml'"):
        get_estimator("mll")


# -- the ML engine's fast paths against the textbook formulas ------------------------------------
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
