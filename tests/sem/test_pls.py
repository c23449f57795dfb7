"""PLS-SEM (csat.sem.pls) against seminr 0.2.1 / seminrextras 0.1.0 (tests/reference/pls_seminr.py + .json)
on the ECSI study, Tenenhaus et al.'s ECSI model (mobi) and the Primer's corporate-reputation models,
and against R seminr's own test fixtures (tests/reference/pls_seminr_R.py + .json)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from csat.sem import pls
from csat import sem
from csat.pipeline.build import STAGE_KEYS
from csat.config.params import ParamsError, validate_params
from csat.sem.syntax import ModelSyntaxError, parse_model

HERE = Path(__file__).resolve().parents[1]            # tests/
REF = json.loads((HERE / "reference" / "pls_seminr.json").read_text(encoding="utf-8"))
MODELS = ["ecsi", "mobi", "corp_simple", "corp_extended"]
TOL = 1e-8          # point estimates: the issue asks for 1e-6; we agree with seminr to ~1e-14


def load(name: str, shared_dir: Path) -> pd.DataFrame:
    r = REF[name]
    if name == "ecsi":
        df = pd.read_csv(shared_dir / "datasets" / "ecsi_satisfaction.csv")
    else:
        df = pd.read_csv(HERE.parent / r["data"])
    if r["missing_code"] is not None:
        df = df.replace(r["missing_code"], np.nan)
    return df


@pytest.fixture(scope="module", params=MODELS)
def case(request):
    shared = Path(__file__).resolve().parents[2] / "shared"
    name = request.param
    df = load(name, shared)
    return name, REF[name], df, pls.pls_fit(REF[name]["syntax"], df)


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


def test_quality_criteria(case):
    name, r, df, res = case
    q = pls.quality(res).set_index("construct")
    for c, v in r["reliability"].items():
        if q.loc[c, "mode"] == "B":
            assert np.isnan(q.loc[c, "rhoC"])          # no internal-consistency reliability for composites
            continue
        for a, b in [("alpha", "alpha"), ("rhoA", "rhoA"), ("rhoC", "rhoC"), ("AVE", "ave")]:
            assert q.loc[c, b] == pytest.approx(v[a], abs=TOL), (name, c, a)
    h = pls.htmt(res).set_index("construct")
    for a, d in r["htmt"].items():
        for b, v in d.items():
            if v is not None:
                assert h.loc[a, b] == pytest.approx(v, abs=TOL)
                assert h.loc[b, a] == pytest.approx(v, abs=TOL)
    fl = pls.fornell_larcker(res).set_index("construct")
    for a, d in r["fornell_larcker"].items():
        for b, v in d.items():
            if v is not None and q.loc[a, "mode"] == "A":
                assert fl.loc[a, b] == pytest.approx(v, abs=TOL)
    iv = pls.item_vif(res).set_index("item")["vif"]
    for c, d in r["item_vif"].items():
        for it, v in d.items():
            assert iv[it] == pytest.approx(v, abs=1e-7 * max(1, v))
    inner = pls.inner_vif(res).set_index(["from", "to"])["vif"]
    for to, d in r["inner_vif"].items():
        for fr, v in d.items():
            if v is None:
                assert np.isnan(inner[(fr, to)])
            else:
                assert inner[(fr, to)] == pytest.approx(v, abs=TOL)
    f2 = pls.f_squared(res).set_index(["from", "to"])["f2"]
    for p in r["f2"]:
        assert f2[(p["from"], p["to"])] == pytest.approx(p["f2"], abs=TOL)


def test_index_and_ipma_importance(case):
    name, r, df, res = case
    lo, hi = r["scale"]
    idx = pls.csi_index(res, lo, hi)
    for c, v in r["index"].items():
        assert idx[c] == pytest.approx(v, abs=1e-8), (name, c)
    imp = pls.ipma_importance(res, r["target"], lo, hi).set_index("from")["importance"]
    assert set(imp.index) == set(r["ipma_importance"])
    for c, v in r["ipma_importance"].items():
        assert imp[c] == pytest.approx(v, abs=1e-8), (name, c)


def test_bootstrap_matches_seminr_resample_for_resample(case):
    """The same resample indices fed to seminr's bootstrap_model: bootstrap sd and the 2.5/97.5%
    quantiles agree (warm starts change the converged weights only below the 1e-7 stop rule)."""
    name, r, df, res = case
    b = r["boot"]
    idx = np.random.default_rng(b["seed"]).integers(0, res.n, size=(b["n_boot"], res.n))
    boot = pls.bootstrap_pls(res, indices=idx, workers=1)
    assert boot.counts()["n_ok"] == b["n_boot"] - b["fails"]
    est = boot.estimates.set_index(["lhs", "op", "rhs"])
    for kind, op in [("paths", "~"), ("loadings", "=~"), ("weights", "<~")]:
        for key, d in b[kind].items():
            a, c = [s.strip() for s in key.split("->")]
            row = est.loc[(c, op, a)]
            assert row["se"] == pytest.approx(d["sd"], abs=1e-6), (name, kind, key)
            assert row["ci.lower"] == pytest.approx(d["lo"], abs=1e-6), (name, kind, key)
            assert row["ci.upper"] == pytest.approx(d["hi"], abs=1e-6), (name, kind, key)
    ht = boot.htmt.set_index(["lhs", "rhs"])
    assert len(ht) == len(b["htmt"])
    for key, d in b["htmt"].items():
        a, c = [s.strip() for s in key.split("->")]
        row = ht.loc[(a, c)]
        assert row["ci.lower"] == pytest.approx(d["lo"], abs=1e-9), (name, key)
        assert row["ci.upper"] == pytest.approx(d["hi"], abs=1e-9), (name, key)


REF_R = json.loads((HERE / "reference" / "pls_seminr_R.json").read_text(encoding="utf-8"))


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


# -- bootstrap mechanics ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def small():
    df = load("corp_simple", Path("."))
    return pls.pls_fit(REF["corp_simple"]["syntax"], df)


def test_bootstrap_same_with_one_and_two_workers(small):
    a = pls.bootstrap_pls(small, 40, seed=7, workers=1, scale=(1, 7), target="CUSL")
    b = pls.bootstrap_pls(small, 40, seed=7, workers=2, scale=(1, 7), target="CUSL")
    np.testing.assert_array_equal(a.draws, b.draws)
    pd.testing.assert_frame_equal(a.estimates, b.estimates)
    pd.testing.assert_frame_equal(a.index, b.index)
    assert a.counts()["n_ok"] == 40
    c = pls.bootstrap_pls(small, 40, seed=8, workers=1)
    assert not np.allclose(a.draws[:, :5], c.draws[:, :5])


def test_bootstrap_outputs_and_pvalues(small):
    boot = pls.bootstrap_pls(small, 60, seed=1, workers=1, scale=(1, 7), target="CUSL")
    est = boot.estimates
    assert list(est.columns[:9]) == pls.ESTIMATE_COLUMNS
    np.testing.assert_allclose(est["t"], est["est"] / est["se"])
    assert (est["ci.lower"] <= est["ci.upper"]).all()
    big = est.loc[(est["op"] == "~") & (est["lhs"] == "CUSL") & (est["rhs"] == "CUSA")].iloc[0]
    assert big["pvalue"] < 1e-6                    # .504 with se about .04
    assert list(boot.effects.columns[:8]) == ["from", "to", "direct", "indirect", "total", "std.direct",
                                              "std.indirect", "std.total"]
    assert list(boot.index.columns) == pls.INDEX_COLUMNS
    assert (boot.index["ci.lower"] < boot.index["index"]).all() and (boot.index["index"] < boot.index["ci.upper"]).all()
    assert set(boot.ipma["from"]) == {"COMP", "LIKE", "CUSA"}


def test_bootstrap_zero_resamples(small):
    boot = pls.bootstrap_pls(small, 0, workers=1, scale=(1, 7))
    assert boot.counts()["n_requested"] == 0
    assert boot.estimates["ci.lower"].isna().all()
    assert boot.index["index"].notna().all()


def test_failed_resamples_are_counted():
    rng = np.random.default_rng(3)
    n = 30
    f = rng.standard_normal(n)
    df = pd.DataFrame({"a1": f + rng.standard_normal(n), "a2": f + rng.standard_normal(n),
                       "b1": f + rng.standard_normal(n), "b2": np.r_[1.0, np.zeros(n - 1)]})
    res = pls.pls_fit("A =~ a1 + a2\nB =~ b1 + b2\nB ~ A", df)
    boot = pls.bootstrap_pls(res, 50, seed=1, workers=1)
    c = boot.counts()
    assert c["n_failed"] > 0 and c["n_ok"] + c["n_failed"] == 50
    assert pls.bootstrap_diagnostics(boot)


# -- algorithm properties ---------------------------------------------------------------------
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


def test_index_of_equal_items_is_plain_mean_index():
    rng = np.random.default_rng(5)
    f = rng.standard_normal(200)
    z = {f"x{i}": np.clip(np.round(4 + f + rng.standard_normal(200)), 1, 7) for i in (1, 2)}
    df = pd.DataFrame({**z, "y1": np.clip(np.round(4 + f + rng.standard_normal(200)), 1, 7)})
    df["x2"] = df["x1"][::-1].to_numpy()     # x1's answers in another order: same mean and sd
    res = pls.pls_fit("X =~ x1 + x2\nY =~ y1\nY ~ X", df)
    w = res.weights.loc[["x1", "x2"], "X"].to_numpy() / res.sds[["x1", "x2"]].to_numpy()
    u = w / w.sum()
    want = 100 * (u @ res.means[["x1", "x2"]].to_numpy() - 1) / 6
    assert pls.csi_index(res, 1, 7)["X"] == pytest.approx(want, abs=1e-12)
    assert pls.csi_index(res, 1, 7)["Y"] == pytest.approx(100 * (df["y1"].mean() - 1) / 6, abs=1e-12)


# -- syntax, spec and params ------------------------------------------------------------------
def test_formative_operator_parses_and_ml_refuses_it():
    t = parse_model("F <~ x1 + x2\nY =~ y1 + y2\nY ~ F")
    assert list(t["op"]) == ["<~", "<~", "=~", "=~", "~"]
    df = pd.DataFrame(np.random.default_rng(1).standard_normal((50, 4)), columns=["x1", "x2", "y1", "y2"])
    with pytest.raises(sem.ModelError, match="estimator: pls"):
        sem.fit("F <~ x1 + x2\nY =~ y1 + y2\nY ~ F", df)


def test_spec_rules():
    s = pls.pls_spec("A =~ a1 + a2\nB <~ b1 + b2\nB ~ A\nC ~ B")
    assert s.modes == {"A": "A", "B": "B", "C": "A"} and s.blocks["C"] == ("C",)
    with pytest.raises(ModelSyntaxError, match="PLS"):
        pls.pls_spec("A =~ a1 + a2\nB =~ b1\nB ~ A\na1 ~~ a2")
    with pytest.raises(ModelSyntaxError, match="no structural paths"):
        pls.pls_spec("A =~ a1 + a2\nB =~ b1 + b2")
    with pytest.raises(ModelSyntaxError, match="no structural path"):
        pls.pls_spec("A =~ a1 + a2\nB =~ b1 + b2\nC =~ c1\nB ~ A")
    with pytest.raises(ModelSyntaxError, match="both"):
        pls.pls_spec("A =~ a1 + a2\nA <~ a3\nB =~ b1\nB ~ A")


BASE = {"study": "s", "data": {"path": "x.csv"}, "constructs": {"A": {"items": ["a1"]}}}


def test_params_estimator_and_pls_block():
    p = validate_params(BASE)
    assert p.estimator == "ml" and p.pls.missing == "mean"
    p = validate_params({**BASE, "estimator": "pls", "pls": {"missing": "listwise"}})
    assert p.estimator == "pls" and p.pls.missing == "listwise"
    with pytest.raises(ParamsError, match="estimator"):
        validate_params({**BASE, "estimator": "wls"})
    with pytest.raises(ParamsError, match="pls.missing"):
        validate_params({**BASE, "pls": {"missing": "fiml"}})
    assert {"estimator", "pls"} <= set(STAGE_KEYS["05_sem"])


def test_templates_work_with_pls(shared_dir):
    from csat.intake.preflight import load_study
    from csat.analyses.structural import study_model

    root = HERE.parent
    p = load_study(root / "params" / "ecsi_pls.yaml", root=root)
    assert p.estimator == "pls"
    df = pd.read_csv(shared_dir / "datasets" / "ecsi_satisfaction.csv")
    res = pls.pls_fit(study_model(p).syntax, df, missing=p.pls.missing)
    ref = REF["ecsi"]
    for q in ref["paths"]:
        assert res.paths.loc[q["to"], q["from"]] == pytest.approx(q["est"], abs=TOL)
    acsi = {k: v for k, v in p.constructs.items() if k != "IMAG"}
    from csat.sem.templates import expand_template

    spec = pls.pls_spec(expand_template("acsi", acsi).syntax)
    assert ("SAT", "LOY") in spec.paths


def test_singular_resample_is_counted_not_fatal():
    """A formative block whose two items coincide in some resamples (a singular Mode B system) fails
    those resamples only; the others are kept."""
    rng = np.random.default_rng(11)
    n = 25
    f = rng.standard_normal(n)
    b1 = f + rng.standard_normal(n)
    b2 = b1.copy()
    b2[0] += 3.0                           # b2 differs from b1 in one respondent only
    df = pd.DataFrame({"a1": f + rng.standard_normal(n), "a2": f + rng.standard_normal(n), "b1": b1, "b2": b2})
    res = pls.pls_fit("A =~ a1 + a2\nB <~ b1 + b2\nB ~ A", df)
    boot = pls.bootstrap_pls(res, 30, seed=2, workers=1)
    c = boot.counts()
    assert 0 < c["n_failed"] < 30 and c["n_ok"] + c["n_failed"] == 30
    assert np.isfinite(boot.estimates["se"]).all()


def test_params_check_the_model_against_the_estimator():
    cons = {"A": {"items": ["a1", "a2"]}, "B": {"items": ["b1", "b2"]}}
    base = {**BASE, "constructs": cons}
    ok = validate_params({**base, "estimator": "pls", "model": "A <~ a1 + a2\nB =~ b1 + b2\nB ~ A"})
    assert ok.estimator == "pls"
    with pytest.raises(ParamsError, match="estimator: pls"):
        validate_params({**base, "model": "A <~ a1 + a2\nB =~ b1 + b2\nB ~ A"})
    with pytest.raises(ParamsError, match="no meaning in a PLS path model"):
        validate_params({**base, "estimator": "pls", "model": "A =~ a1 + a2\nB =~ b1 + b2\nB ~ A\na1 ~~ a2"})


def test_intake_checks_the_pls_model():
    from csat.config import checks

    cons = {"A": {"items": ["a1", "a2"]}, "B": {"items": ["b1", "b2"]}}
    cols = ["a1", "a2", "b1", "b2"]
    p = validate_params({**BASE, "constructs": cons, "estimator": "pls", "model": "A =~ a1 + a2\nB =~ b1 + b2\nB ~ A"})
    checks.check_model(p, "params/s.yaml", cols)                       # fine
    p = validate_params({**BASE, "constructs": cons, "estimator": "pls"})      # no model: one factor per construct
    with pytest.raises(ParamsError, match="no structural paths"):
        checks.check_model(p, "params/s.yaml", cols)
    p = validate_params({**BASE, "constructs": cons, "estimator": "pls", "model": "A =~ a1 + a2\nB =~ b1 + b9\nB ~ A"})
    with pytest.raises(ParamsError, match="b9"):
        checks.check_model(p, "params/s.yaml", cols)


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
