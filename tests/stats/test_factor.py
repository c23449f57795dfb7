"""EFA against psych/GPArotation.

References: the shared ``holzinger1939.json`` (psych KMO, cortest.bartlett, fa minres/oblimin) and
``tests/reference/factor_extra.json`` / ``factor_more.json`` (psych 2.2.9, GPArotation 2022.10.2;
made by the ``.R`` scripts beside them).
"""
from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

from conftest import SHARED
from csat.analyses import factor as study_factor
from csat.stats import factor
from csat.config.params import EFASpec
from csat.viz.factor import scree_plot

HERE = Path(__file__).resolve().parents[1]            # tests/
REF = json.loads((SHARED / "reference" / "holzinger1939.json").read_text())
EXTRA = json.loads((HERE / "reference" / "factor_extra.json").read_text())
MORE = json.loads((HERE / "reference" / "factor_more.json").read_text())
ITEMS = [f"x{i}" for i in range(1, 10)]
TOL = 1e-3
HS_CONSTRUCTS = {**{f"x{i}": "visual" for i in (1, 2, 3)}, **{f"x{i}": "textual" for i in (4, 5, 6)},
                 **{f"x{i}": "speed" for i in (7, 8, 9)}}


@pytest.fixture(scope="module")
def hs():
    return pd.read_csv(SHARED / "datasets" / "holzinger1939.csv")


@pytest.fixture(scope="module")
def ecsi():
    return pd.read_csv(SHARED / "datasets" / "ecsi_satisfaction.csv").drop(columns="gender")


@pytest.fixture(scope="module")
def R(hs):
    return factor.correlation_matrix(hs, ITEMS)


def hs_missing(hs):
    """The NA pattern of factor_more.R: (7 i + 11 j) %% 37 == 0 with 1-based row i and column j."""
    X = hs[ITEMS].astype(float).copy()
    rows = np.arange(1, len(X) + 1)
    for j in range(1, 10):
        X.loc[((7 * rows + 11 * j) % 37) == 0, f"x{j}"] = np.nan
    return X


def _match_columns(ours: np.ndarray, ref: np.ndarray):
    """Best column permutation and signs of ours to ref; returns (perm, signs)."""
    best = None
    for perm in itertools.permutations(range(ref.shape[1])):
        P = ours[:, perm]
        s = np.sign((P * ref).sum(axis=0))
        s[s == 0] = 1
        err = np.abs(P * s - ref).max()
        if best is None or err < best[0]:
            best = (err, perm, s)
    return best[1], best[2]


def _check(fa, ref, tol=TOL):
    """Loadings up to column order and sign, communalities, and Φ under the same permutation/sign."""
    L = fa["loadings"].to_numpy()
    L_ref = np.array(ref["loadings"], float).reshape(L.shape)
    perm, s = _match_columns(L, L_ref)
    np.testing.assert_allclose(L[:, perm] * s, L_ref, atol=tol)
    np.testing.assert_allclose(fa["communality"].to_numpy(), list(ref["communality"].values()), atol=tol)
    phi = fa["phi"].to_numpy()[np.ix_(perm, perm)] * np.outer(s, s)
    np.testing.assert_allclose(phi, np.array(ref["phi"], float).reshape(phi.shape), atol=tol)
    if "uniquenesses" in ref:
        np.testing.assert_allclose(fa["uniqueness"].to_numpy(), list(ref["uniquenesses"].values()), atol=tol)
        S = fa["structure"].to_numpy()[:, perm] * s
        np.testing.assert_allclose(S, np.array(ref["structure"], float).reshape(S.shape), atol=tol)
        va = fa["variance"].set_index("factor").iloc[list(perm)]
        for row, vals in ref["vaccounted"].items():
            if row in ("SS loadings", "Proportion Var", "Proportion Explained"):
                np.testing.assert_allclose(va[row].to_numpy(), np.atleast_1d(vals), atol=tol, err_msg=row)
            else:       # cumulative rows follow psych's (sorted) column order
                np.testing.assert_allclose(fa["variance"][row].to_numpy(), np.atleast_1d(vals), atol=tol, err_msg=row)
    return perm, s


# ------------------------------------------------------------------------------ adequacy
def test_kmo_matches_psych(R):
    overall, items = factor.kmo(R[0])
    assert overall == pytest.approx(REF["kmo"]["overall"], abs=1e-6)
    np.testing.assert_allclose(items, [REF["kmo"]["items"][i] for i in ITEMS], atol=1e-6)
    assert factor.kmo_label(overall) == "middling"


def test_kmo_ecsi_matches_psych(ecsi):
    overall, items = factor.kmo(factor.correlation_matrix(ecsi)[0])
    assert overall == pytest.approx(MORE["ecsi"]["kmo"]["overall"], abs=1e-6)
    np.testing.assert_allclose(items, list(MORE["ecsi"]["kmo"]["items"].values()), atol=1e-6)


def test_bartlett_matches_psych(R):
    b = factor.bartlett_sphericity(R[0], R[1])
    assert b["chisq"] == pytest.approx(REF["bartlett"]["chisq"], rel=1e-8)
    assert b["df"] == REF["bartlett"]["df"]
    assert b["pvalue"] == pytest.approx(REF["bartlett"]["p.value"], rel=1e-6)


def test_kaiser_labels_and_adequacy_tables():
    assert [factor.kmo_label(v) for v in (0.95, 0.9, 0.85, 0.75, 0.65, 0.55, 0.49)] == [
        "marvelous", "marvelous", "meritorious", "middling", "mediocre", "miserable", "unacceptable"]
    assert study_factor.kmo_label(0.3, "zh") == "不可接受" and study_factor.kmo_label(0.3) == "unacceptable"
    overall, items = factor.adequacy_table(0.72, {"a": 0.45, "b": 0.91}, {"chisq": 10.0, "df": 3, "pvalue": 0.02})
    assert list(overall["verdict"]) == ["middling", "significant"]             # neutral labels
    assert list(items.columns) == ["item", "MSA", "verdict"]
    assert list(items["verdict"]) == ["unacceptable", "marvelous"]
    # the reader's words (csat.analyses.factor)
    overall, items = study_factor.adequacy_table(0.72, {"a": 0.45, "b": 0.91}, {"chisq": 10.0, "df": 3, "pvalue": 0.02})
    assert list(overall["verdict"]) == ["middling", "df = 3, p = 0.020 (significant)"]
    assert list(items["verdict"]) == ["unacceptable", "marvelous"]
    overall, items = study_factor.adequacy_table(0.72, {"a": 0.45}, {"chisq": 1.0, "df": 3, "pvalue": 0.0004}, language="zh")
    assert list(overall["verdict"]) == ["中等", "df = 3, p < .001（显著）"] and list(items["verdict"]) == ["不可接受"]


def test_adequacy_diagnostics():
    d = factor.adequacy_diagnostics(0.55, {"a": 0.45, "b": 0.7}, {"pvalue": 0.2})
    assert [x.code for x in d] == ["low_kmo", "low_msa", "bartlett_ns"]
    assert [x.where for x in d] == ["KMO", "a", "Bartlett"]
    assert factor.adequacy_diagnostics(0.8, {"a": 0.7}, {"pvalue": 0.001}) == []


# ------------------------------------------------------------------------------ missing data
def test_pairwise_missing_matches_psych(hs):
    X = hs_missing(hs)
    ref = MORE["hs_missing"]
    assert int(X.isna().sum().sum()) == ref["n_na"]
    R, n, items = factor.correlation_matrix(X)              # psych default: pairwise, n = rows
    assert n == len(X)
    overall, msa = factor.kmo(R)
    assert overall == pytest.approx(ref["kmo"]["overall"], abs=1e-6)
    np.testing.assert_allclose(msa, list(ref["kmo"]["items"].values()), atol=1e-6)
    b = factor.bartlett_sphericity(R, n)
    assert b["chisq"] == pytest.approx(ref["bartlett"]["chisq"], rel=1e-6)
    assert b["pvalue"] == pytest.approx(ref["bartlett"]["p.value"], rel=1e-4)
    _check(factor.efa(R, 3, items=items), ref["minres_oblimin_3"])


def test_listwise_uses_complete_cases(hs):
    X = hs_missing(hs)
    R, n, _ = factor.correlation_matrix(X, missing="listwise")
    cc = X.dropna()
    assert n == len(cc) < len(X)
    np.testing.assert_allclose(R, np.corrcoef(cc.to_numpy(), rowvar=False), atol=1e-12)


# ------------------------------------------------------------------------------ EFA vs psych
def test_minres_oblimin_matches_psych(R):
    fa = factor.efa(R[0], 3, method="minres", rotation="oblimin", items=ITEMS)
    _check(fa, REF["efa_minres_oblimin_3"])
    _check(fa, MORE["hs"]["minres_oblimin_3"])             # + uniquenesses, structure, Vaccounted
    assert list(fa["loadings"].columns) == ["MR1", "MR2", "MR3"]
    assert fa["diagnostics"] == []


@pytest.mark.parametrize("key,method,rotation", [("ml_oblimin", "ml", "oblimin"),
                                                 ("minres_varimax", "minres", "varimax"),
                                                 ("minres_promax", "minres", "promax"),
                                                 ("pa_oblimin", "principal", "oblimin")])
def test_other_methods_and_rotations_match_psych(R, key, method, rotation):
    _check(factor.efa(R[0], 3, method=method, rotation=rotation, items=ITEMS), EXTRA[key])


@pytest.mark.parametrize("key,k,method,rotation", [("ml_promax_3", 3, "ml", "promax"),
                                                   ("ml_varimax_3", 3, "ml", "varimax"),
                                                   ("minres_none_3", 3, "minres", "none"),
                                                   ("minres_oblimin_2", 2, "minres", "oblimin"),
                                                   ("minres_oblimin_1", 1, "minres", "oblimin")])
def test_more_solutions_match_psych(R, key, k, method, rotation):
    fa = factor.efa(R[0], k, method=method, rotation=rotation, items=ITEMS)
    _check(fa, MORE["hs"][key])
    assert fa["loadings"].columns[0] == {"minres": "MR1", "ml": "ML1"}[method]


def test_six_factor_ecsi_matches_psych(ecsi):
    R, n, items = factor.correlation_matrix(ecsi)
    _check(factor.efa(R, 6, items=items), MORE["ecsi"]["minres_oblimin_6"])


def test_minres_gradient_is_exact(R):
    psi = np.random.default_rng(3).uniform(0.2, 0.8, 9)
    for k in (1, 3):
        num = optimize.approx_fprime(psi, factor._minres_obj, 1e-7, R[0], k)
        np.testing.assert_allclose(factor._minres_grad(psi, R[0], k), num, atol=1e-6)


def test_ml_gradient_is_exact(R):
    psi = np.random.default_rng(4).uniform(0.2, 0.8, 9)
    for k in (1, 3):
        num = optimize.approx_fprime(psi, factor._ml_obj, 1e-7, R[0], k)
        np.testing.assert_allclose(factor._ml_grad(psi, R[0], k), num, atol=1e-5)


def test_convergence_is_judged_at_the_solution_not_by_the_optimiser(monkeypatch):
    """A Heywood solution (ψ at the bound .005, gradient pointing out of the box, zero projected
    gradient) has converged even when L-BFGS-B ends its line search 'abnormally', as it does with
    some BLAS kernels (AMD EPYC, OpenBLAS runtime dispatch); a point with a non-zero projected
    gradient has not."""
    assert factor._bound_converged(np.array([0.005, 0.4, 0.4]), np.array([0.04, 1e-9, -1e-9]))
    assert not factor._bound_converged(np.array([0.005, 0.4, 0.4]), np.array([-0.04, 0.0, 0.0]))
    assert not factor._bound_converged(np.array([0.2, 0.4, 0.4]), np.array([1e-3, 0.0, 0.0]))
    assert factor._bound_converged(np.array([1.0, 0.4]), np.array([-0.3, 0.0]))
    real = factor.optimize.minimize

    def abnormal(*args, **kwargs):             # same solution, but the optimiser reports failure
        res = real(*args, **kwargs)
        res.success, res.message = False, "ABNORMAL: "
        return res

    monkeypatch.setattr(factor.optimize, "minimize", abnormal)
    R = np.array([[1, .8, .8], [.8, 1, .5], [.8, .5, 1]])
    for m in ("minres", "ml"):
        assert [x.code for x in factor.efa(R, 1, method=m, items=["a", "b", "c"])["diagnostics"]] == ["efa_heywood"]

    def stopped_early(fun, x0, *args, **kwargs):  # an optimiser that gives up at the start
        res = real(fun, x0, *args, **{**kwargs, "options": {"maxiter": 1}})
        res.x = np.asarray(x0, float)
        return res

    monkeypatch.setattr(factor.optimize, "minimize", stopped_early)
    codes = [x.code for x in factor.efa(R, 1, method="ml", items=["a", "b", "c"])["diagnostics"]]
    assert "efa_nonconvergence" in codes


def test_efa_diagnostics():
    R = np.array([[1, .8, .8], [.8, 1, .5], [.8, .5, 1]])    # one factor: λ1² = .8·.8/.5 > 1
    for m in ("minres", "ml", "principal"):
        d = factor.efa(R, 1, method=m, items=["a", "b", "c"])["diagnostics"]
        assert [x.code for x in d] == ["efa_heywood"] and d[0].where == "a"
    rng = np.random.default_rng(0)
    R5 = np.corrcoef(rng.standard_normal((200, 5)) + rng.standard_normal((200, 1)), rowvar=False)
    codes = [x.code for x in factor.efa(R5, 3)["diagnostics"]]
    assert "efa_negative_df" in codes                      # ((5-3)² - 8)/2 = -2


# ------------------------------------------------------------------------------ number of factors
def test_observed_eigenvalues_match_fa_parallel(R, ecsi):
    for key, (Rm, n) in {"hs": R[:2], "ecsi": factor.correlation_matrix(ecsi)[:2]}.items():
        ref = MORE[key]["parallel"]
        pa = factor.parallel_analysis(Rm, n, n_iter=20, seed=1)
        np.testing.assert_allclose(pa["observed"], ref["pc_values"], atol=1e-8)
        np.testing.assert_allclose(factor.fa_eigenvalues(Rm), ref["fa_values"], atol=TOL)
        # the retained numbers agree with psych's (a simulation; both are far from the boundary)
        assert pa["n_factors"] == ref["ncomp"]
    np.testing.assert_allclose(factor.parallel_analysis(R[0], R[1], n_iter=5, seed=1)["observed"], EXTRA["pc_eigen"],
                               atol=1e-8)


def test_parallel_fa_kind_matches_psych_nfact(ecsi):
    Rm, n, _ = factor.correlation_matrix(ecsi)
    pa = factor.parallel_analysis(Rm, n, n_iter=20, seed=1, kind="fa")
    assert pa["kind"] == "fa" and pa["n_factors"] == MORE["ecsi"]["parallel"]["nfact"]
    np.testing.assert_allclose(pa["observed"], MORE["ecsi"]["parallel"]["fa_values"], atol=TOL)


def test_parallel_analysis_is_deterministic_and_sensible(R):
    a = factor.parallel_analysis(R[0], R[1], n_iter=50, seed=7)
    b = factor.parallel_analysis(R[0], R[1], n_iter=50, seed=7)
    c = factor.parallel_analysis(R[0], R[1], n_iter=50, seed=8)
    np.testing.assert_array_equal(a["simulated"], b["simulated"])
    assert not np.array_equal(a["simulated"], c["simulated"])
    assert (a["n_iter"], a["percentile"], a["seed"], a["kind"]) == (50, 95.0, 7, "pc")
    assert a["n_factors"] == 3 and a["n_kaiser"] == 3      # H-S: three factors by both rules
    # eigenvalues of correlation matrices of independent data: first above 1, last below, sum = p
    assert a["simulated"][0] > 1 > a["simulated"][-1]
    assert a["simulated_mean"].sum() == pytest.approx(9, abs=1e-8)
    med = factor.parallel_analysis(R[0], R[1], n_iter=50, seed=7, percentile=50)
    assert (med["simulated"] <= a["simulated"]).all()


def test_parallel_reference_is_normal_data_of_same_size():
    """The simulated curve is the one from n x p standard-normal draws of default_rng(seed)."""
    n, p = 60, 5
    rng = np.random.default_rng(11)
    direct = np.array([np.sort(np.linalg.eigvalsh(np.corrcoef(rng.standard_normal((n, p)), rowvar=False)))[::-1]
                       for _ in range(30)])
    pa = factor.parallel_analysis(np.eye(p), n, n_iter=30, seed=11)
    np.testing.assert_allclose(pa["simulated_mean"], direct.mean(axis=0), atol=1e-12)
    np.testing.assert_allclose(pa["simulated"], np.percentile(direct, 95, axis=0), atol=1e-12)


def test_parallel_reference_for_large_data_is_the_same_distribution(monkeypatch):
    """Above the cell threshold the correlation matrices are drawn as Wishart (Bartlett); their
    eigenvalue curve agrees with direct n x p normal draws within Monte Carlo error."""
    n, p = 2000, 6
    direct = factor.parallel_analysis(np.eye(p), n, n_iter=3000, seed=1)
    monkeypatch.setattr(factor, "_PA_DIRECT_CELLS", 0)
    wishart = factor.parallel_analysis(np.eye(p), n, n_iter=3000, seed=1)
    assert not np.allclose(wishart["simulated_mean"], direct["simulated_mean"], atol=1e-6, rtol=0)
    np.testing.assert_allclose(wishart["simulated_mean"], direct["simulated_mean"], atol=2e-3)
    np.testing.assert_allclose(wishart["simulated"], direct["simulated"], atol=6e-3)
    assert wishart["simulated_mean"].sum() == pytest.approx(p, abs=1e-8)


def test_scree_plot_returns_figure(R):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pa = factor.parallel_analysis(R[0], R[1], n_iter=10, seed=1)
    fig = scree_plot(pa)
    assert isinstance(fig, matplotlib.figure.Figure)
    lines = fig.axes[0].get_lines()
    np.testing.assert_allclose(lines[0].get_ydata(), pa["observed"])
    np.testing.assert_allclose(lines[1].get_ydata(), pa["simulated"])
    plt.close(fig)


# ------------------------------------------------------------------------------ wrappers
def test_efa_results_contract_and_files(hs):
    out = study_factor.efa_results(hs, ITEMS, EFASpec(parallel_iter=20), seed=1, item_construct=HS_CONSTRUCTS)
    s = out["summary"]
    assert {"kmo", "kmo_items", "bartlett", "n_factors_parallel", "n_factors_kaiser", "n_factors", "method",
            "rotation", "parallel"} <= set(s)
    assert s["n_factors"] == 3 and s["method"] == "minres" and s["rotation"] == "oblimin"
    assert s["parallel"] == {"n_iter": 20, "percentile": 95.0, "seed": 1, "eigenvalues": "pc"}
    assert set(s["bartlett"]) == {"chisq", "df", "pvalue"} and list(s["kmo_items"]) == ITEMS
    assert s["kmo"] == pytest.approx(REF["kmo"]["overall"], abs=1e-6)
    json.dumps(s)                                           # plain JSON types
    f = factor.loadings_file(out["efa"])
    assert list(f.columns) == ["item", "MR1", "MR2", "MR3", "communality"]
    assert list(f["item"]) == ITEMS
    tidy = factor.loadings_tidy(out["efa"], HS_CONSTRUCTS)
    assert list(tidy.columns) == ["item", "construct", "factor", "loading"] and len(tidy) == 27
    assert [d.code for d in out["diagnostics"]] == ["cross_loading"]
    again = study_factor.efa_results(hs, ITEMS, EFASpec(parallel_iter=20), seed=1)
    np.testing.assert_array_equal(again["parallel"]["simulated"], out["parallel"]["simulated"])
    forced = study_factor.efa_results(hs, ITEMS, {"n_factors": 2, "parallel_iter": 20}, seed=1,
                                      item_construct=HS_CONSTRUCTS)
    assert forced["summary"]["n_factors"] == 2 and forced["summary"]["n_factors_parallel"] == 3
    assert "n_factors_differs" in [d.code for d in forced["diagnostics"]]
    with pytest.raises(factor.FactorError, match="efa.n_factors"):
        study_factor.efa_results(hs, ITEMS, {"n_factors": 9, "parallel_iter": 20})
    # the engine takes the options themselves; the study's params.efa only through csat.analyses.factor
    engine = factor.exploratory_analysis(hs, ITEMS, n_factors=2, parallel_iter=20, seed=1, item_construct=HS_CONSTRUCTS)
    assert engine["summary"] == forced["summary"]
    np.testing.assert_array_equal(engine["efa"]["loadings"], forced["efa"]["loadings"])


def test_loadings_display_blanks_small_values_only_for_display(R):
    fa = factor.efa(R[0], 3, items=ITEMS)
    disp = factor.loadings_display(fa["loadings"])
    L = fa["loadings"].loc[disp.index]
    assert ((disp == "") == (L.abs() < 0.30)).all().all()
    prim = L.abs().idxmax(axis=1).map(list(L.columns).index).to_numpy()
    assert (np.diff(prim) >= 0).all()


def test_construct_check_finds_mismatch_and_cross_loading(R):
    fa = factor.efa(R[0], 3, items=ITEMS)
    table, diags = factor.construct_check(fa["loadings"], HS_CONSTRUCTS)
    assert table["match"].all()
    assert [d.where for d in diags if d.code == "cross_loading"] == ["x9"]     # x9 loads .38 on visual
    _, diags = factor.construct_check(fa["loadings"], dict(HS_CONSTRUCTS, x4="visual"))
    assert [d.where for d in diags if d.code == "efa_mismatch"] == ["x4"]
    mixed = dict(HS_CONSTRUCTS, x3="mixed", x6="mixed")
    _, diags = factor.construct_check(fa["loadings"], mixed)
    assert "mixed" in [d.where for d in diags if d.code == "efa_mismatch"]    # no factor of its own
    four = dict(HS_CONSTRUCTS, x7="other", x8="other", x9="other2")         # other2: a single item
    _, diags = factor.construct_check(fa["loadings"], four)
    single = [d for d in diags if d.code == "efa_mismatch"]
    assert [(d.where, d.severity) for d in single] == [("x9", "info")]        # one item forms no factor


def test_summary_text(hs):
    out = study_factor.efa_results(hs, ITEMS, EFASpec(parallel_iter=20), seed=1, item_construct=HS_CONSTRUCTS)
    en, zh = study_factor.summary_text(out, "en"), study_factor.summary_text(out, "zh")
    assert "KMO = 0.75 (middling)" in en and "3 factor(s) were extracted" in en and "1 item(s) cross-load" in en
    assert "KMO = 0.75（中等）" in zh and "平行分析" in zh
    with pytest.raises(factor.FactorError, match="lang"):
        study_factor.summary_text(out, "fr")


def test_bad_input_is_named(hs):
    with pytest.raises(factor.FactorError, match="without variance"):
        factor.correlation_matrix(hs.assign(x1=1.0), ITEMS)
    with pytest.raises(factor.FactorError, match="not in the data"):
        factor.correlation_matrix(hs, ITEMS + ["x99"])
    bad = hs.assign(x2=hs["x2"].astype(object))
    bad.loc[5, "x2"] = "n/a"
    with pytest.raises(factor.FactorError, match=r"'x2' is not numeric.*row 5"):
        factor.correlation_matrix(bad, ITEMS)
    with pytest.raises(factor.FactorError, match="singular"):
        factor.correlation_matrix(hs.assign(x10=hs["x1"] + hs["x2"]), ITEMS + ["x10"])
    with pytest.raises(factor.FactorError, match="at least 3 items"):
        factor.correlation_matrix(hs, ["x1", "x2"])
    with pytest.raises(factor.FactorError, match="missing must be"):
        factor.correlation_matrix(hs, ITEMS, missing="mean")
    with pytest.raises(factor.FactorError, match="cannot extract"):
        factor.efa(np.eye(3), 3)
    with pytest.raises(factor.FactorError, match="unknown EFA method"):
        factor.efa(np.eye(4), 1, method="pca")
    with pytest.raises(factor.FactorError, match="unknown rotation"):
        factor.efa(np.eye(4), 2, rotation="quartimax")
    with pytest.raises(factor.FactorError, match="kind"):
        factor.parallel_analysis(np.eye(3), 50, kind="x")
