"""PLS multi-group analysis (csat.sem.pls.mga): group estimates equal to seminr's (R's fixture and the Python
port) to 1e-6; Henseler's p equal to seminr's with the same resamples and within Monte Carlo error of seminr's
own; the permutation test and Henseler's p against a simple loop implementation written here; MICOM against
its definition (Henseler, Ringle & Sarstedt 2016) on simulated groups with known (non-)invariance."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from csat.sem import pls
from csat.sem.pls.mga import counts_of, henseler_p, pls_mga, subset_moments

from conftest import SHARED

REFDIR = Path(__file__).resolve().parents[2] / "reference"
R_REF = json.loads((REFDIR / "pls_mga_R.json").read_text(encoding="utf-8"))
PY_REF = json.loads((REFDIR / "pls_mga_predict_seminr.json").read_text(encoding="utf-8"))
SEMINR = json.loads((REFDIR / "pls_seminr.json").read_text(encoding="utf-8"))
R_NAMES = dict(Image="IMAG", Expectation="CUEX", Quality="PERQ", Value="PERV", Satisfaction="CUSA",
               Complaints="COMP", Loyalty="CUSL")


def mc_tol(p: float, j1: int, j2: int) -> float:
    """4 standard errors of the difference of two bootstrap/permutation p-values from j1 and j2 draws."""
    return 4 * np.sqrt(max(p * (1 - p), 0.01) * (1 / j1 + 1 / j2)) + 0.005


def corp_data() -> pd.DataFrame:
    df = pd.read_csv(REFDIR / "pls_corp_rep_data.csv").replace(-99, np.nan)
    df["servicetype"] = pd.read_csv(REFDIR / "pls_corp_rep_servicetype.csv")["servicetype"]
    return df


def ref_data(name: str) -> pd.DataFrame:
    return pd.read_csv(SHARED / "datasets" / "ecsi_satisfaction.csv") if name == "ecsi" else corp_data()


# ------------------------------------------------------------------------------------ against R seminr
def test_group_estimates_equal_R_seminr_fixture():
    d = pd.read_csv(REFDIR / "pls_mobi.csv")
    d["g"] = np.where(R_REF["group1"], "a", "b")
    m = pls_mga(SEMINR["mobi"]["syntax"], d, "g", n_boot=1000, n_perm=200, seed=1, workers=1)
    cmp = m.comparisons.set_index(["rhs", "lhs"])
    for i, (s, t) in enumerate(zip(R_REF["source"], R_REF["target"])):
        row = cmp.loc[(R_NAMES[s], R_NAMES[t])]
        assert row["est.group1"] == pytest.approx(R_REF["group1_beta"][i], abs=1e-6)
        assert row["est.group2"] == pytest.approx(R_REF["group2_beta"][i], abs=1e-6)
        assert row["diff"] == pytest.approx(R_REF["diff"][i], abs=1e-6)
        p = R_REF["pls_mga_p"][i]     # R: 100 resamples per group, R's RNG
        assert abs(row["pvalue.henseler.1sided"] - p) < mc_tol(p, 100, 1000), (s, t)


# ------------------------------------------------------------------------------------ against seminr (Python)
@pytest.mark.parametrize("name", ["ecsi", "corp_simple"])
def test_group_estimates_and_henseler_equal_seminr(name):
    r = PY_REF["mga"][name]
    df = ref_data(name)
    g1 = r["group1"]
    g2 = next(v for v in df[r["column"]].dropna().unique() if v != g1)
    idx = {g1: np.random.default_rng(r["boot_seeds"][0]).integers(0, r["n1"], (r["nboot_given"], r["n1"])),
           g2: np.random.default_rng(r["boot_seeds"][1]).integers(0, r["n2"], (r["nboot_given"], r["n2"]))}
    m = pls_mga(r["syntax"], df, r["column"], levels=[g1, g2], boot_indices=idx, n_perm=100, workers=1)
    cmp = m.comparisons.set_index(["rhs", "lhs"])
    assert (m.groups[g1], m.groups[g2]) == (r["n1"], r["n2"])
    for p in r["paths"]:
        row = cmp.loc[(p["from"], p["to"])]
        assert row["est.group1"] == pytest.approx(p["group1_beta"], abs=1e-9)
        assert row["est.group2"] == pytest.approx(p["group2_beta"], abs=1e-9)
        assert row["pvalue.henseler.1sided"] == pytest.approx(p["pls_mga_p_given"], abs=1e-9)
    # seminr's own seeded resamples: another random stream, within Monte Carlo error
    m2 = pls_mga(r["syntax"], df, r["column"], levels=[g1, g2], n_boot=2000, n_perm=100, seed=5)
    cmp2 = m2.comparisons.set_index(["rhs", "lhs"])
    for p in r["paths"]:
        got = cmp2.loc[(p["from"], p["to"]), "pvalue.henseler.1sided"]
        assert abs(got - p["pls_mga_p_seminr"]) < mc_tol(p["pls_mga_p_seminr"], 2000, 2000)


def test_henseler_p_is_seminr_formula():
    rng = np.random.default_rng(3)
    b1, b2 = rng.normal(0.3, 0.1, 300), rng.normal(0.2, 0.15, 300)
    grid = 2 * b1.mean() - b1[:, None] - 2 * b2.mean() + b2[None, :]
    assert henseler_p(b1, b2) == pytest.approx(1 - np.mean(grid > 0), abs=1e-15)


def test_group_bootstrap_equals_bootstrap_pls():
    df = corp_data()
    r = PY_REF["mga"]["corp_simple"]
    m = pls_mga(r["syntax"], df, "servicetype", n_boot=300, n_perm=50, seed=9)
    est = m.estimates[m.estimates["group"] == 2].set_index(["lhs", "rhs"])
    res = pls.pls_fit(r["syntax"], df[df["servicetype"] == 2])
    idx = np.random.default_rng(9 + 1).integers(0, res.n, (300, res.n))
    boot = pls.bootstrap_pls(res, indices=idx, workers=1).estimates
    boot = boot[boot["op"] == "~"].set_index(["lhs", "rhs"])
    for key in boot.index:
        for col in ("est", "se", "ci.lower", "ci.upper"):
            assert est.loc[key, col] == pytest.approx(boot.loc[key, col], abs=1e-9)


def test_subset_moments_equal_copies():
    rng = np.random.default_rng(1)
    X = rng.normal(5, 2, (40, 4))
    idx = rng.integers(0, 40, (6, 40))
    m, sd, R = subset_moments(X, counts_of(idx, 40))
    m2, sd2, R2 = pls.estimate.moments(X[idx])
    assert np.allclose(m, m2, atol=1e-12) and np.allclose(sd, sd2, atol=1e-12) and np.allclose(R, R2, atol=1e-12)


# ------------------------------------------------------------------------------------ a second implementation
def _loop_mga(model, df, col, g1, g2, perms, n_boot, seed):
    """Plain loops: every permutation and resample estimated by pls_fit on its own rows."""
    a, b = df[df[col] == g1].reset_index(drop=True), df[df[col] == g2].reset_index(drop=True)
    fa, fb = pls.pls_fit(model, a), pls.pls_fit(model, b)
    paths = fa.spec.paths
    obs = np.array([fa.paths.loc[t, f] - fb.paths.loc[t, f] for f, t in paths])
    pooled = pd.concat([a, b], ignore_index=True)
    diffs = []
    for order in perms:
        pa, pb = pls.pls_fit(model, pooled.iloc[order[:len(a)]]), pls.pls_fit(model, pooled.iloc[order[len(a):]])
        diffs.append([pa.paths.loc[t, f] - pb.paths.loc[t, f] for f, t in paths])
    p_perm = np.mean(np.abs(np.array(diffs)) >= np.abs(obs) - 1e-12, axis=0)
    rng = np.random.default_rng(seed)
    boots = []
    for g in (a, b):
        draws = []
        for _ in range(n_boot):
            r = pls.pls_fit(model, g.iloc[rng.integers(0, len(g), len(g))])
            draws.append([r.paths.loc[t, f] for f, t in paths])
        boots.append(np.array(draws))
    p_hens = []
    for i in range(len(paths)):
        b1, b2 = boots[0][:, i], boots[1][:, i]
        grid = 2 * b1.mean() - b1[:, None] - 2 * b2.mean() + b2[None, :]
        p_hens.append(1 - np.mean(grid > 0))
    return obs, p_perm, np.array(p_hens)


def test_permutation_and_henseler_against_loop_implementation():
    df = corp_data()
    model = PY_REF["mga"]["corp_simple"]["syntax"]
    n1, n = int((df["servicetype"] == 1).sum()), int(df["servicetype"].notna().sum())
    rng = np.random.default_rng(77)
    perms = np.stack([rng.permutation(n) for _ in range(150)])
    obs, p_perm, p_hens = _loop_mga(model, df, "servicetype", 1, 2, perms, 150, 78)
    # the same permutations: the same p-values
    same = pls_mga(model, df, "servicetype", n_boot=50, permutations={(1, 2): perms}, workers=1)
    assert np.allclose(same.comparisons["diff"], obs, atol=1e-12)
    assert np.allclose(same.comparisons["pvalue.permutation"], p_perm, atol=1e-12)
    # other random streams: within Monte Carlo error
    m = pls_mga(model, df, "servicetype", n_boot=2000, n_perm=2000, seed=4)
    for i in range(len(obs)):
        assert abs(m.comparisons["pvalue.permutation"].iloc[i] - p_perm[i]) < mc_tol(p_perm[i], 150, 2000)
        ph = m.comparisons["pvalue.henseler.1sided"].iloc[i]
        assert abs(ph - p_hens[i]) < mc_tol(p_hens[i], 150, 2000)
    assert n1 == m.groups[1]


def test_deterministic_and_workers_independent():
    df = corp_data()
    model = PY_REF["mga"]["corp_simple"]["syntax"]
    a = pls_mga(model, df, "servicetype", n_boot=200, n_perm=200, seed=3, workers=1)
    b = pls_mga(model, df, "servicetype", n_boot=200, n_perm=200, seed=3, workers=2)
    pd.testing.assert_frame_equal(a.comparisons, b.comparisons)
    pd.testing.assert_frame_equal(a.micom, b.micom)
    pd.testing.assert_frame_equal(a.estimates, b.estimates)


# ------------------------------------------------------------------------------------ MICOM
MICOM_MODEL = "A =~ a1 + a2 + a3\nB =~ b1 + b2 + b3\nC =~ c1 + c2 + c3\nB ~ A\nC ~ A + B\n"


def _simulate(n: int, rng, lam_a=(0.8, 0.8, 0.8), shift_b=0.0, scale_c=1.0) -> pd.DataFrame:
    A = rng.standard_normal(n)
    B = 0.5 * A + np.sqrt(0.75) * rng.standard_normal(n)
    C = 0.3 * A + 0.4 * B + np.sqrt(0.6) * rng.standard_normal(n)
    cols = {}
    for name, eta, lams in (("a", A, lam_a), ("b", B, (0.8, 0.75, 0.7)), ("c", C, (0.8, 0.75, 0.7))):
        for i, lam in enumerate(lams):
            x = lam * eta + np.sqrt(1 - lam ** 2) * rng.standard_normal(n)
            if name == "b":
                x = x + shift_b
            if name == "c":
                x = x * scale_c
            cols[f"{name}{i + 1}"] = 4 + x
    return pd.DataFrame(cols)


@pytest.fixture(scope="module")
def micom_pairs():
    # one population: each step-3 test rejects at its 5 % level by chance (this seed: none does)
    rng = np.random.default_rng(1)
    same = pd.concat([_simulate(300, rng).assign(g="x"), _simulate(300, rng).assign(g="y")], ignore_index=True)
    rng = np.random.default_rng(2016)
    diff = pd.concat([_simulate(300, rng).assign(g="x"),
                      _simulate(300, rng, lam_a=(0.9, 0.85, 0.05), shift_b=0.7, scale_c=1.8).assign(g="y")],
                     ignore_index=True)
    return (pls_mga(MICOM_MODEL, same, "g", n_boot=100, n_perm=1000, seed=1),
            pls_mga(MICOM_MODEL, diff, "g", n_boot=100, n_perm=1000, seed=1), same, diff)


def test_micom_known_invariance(micom_pairs):
    inv, _, _, _ = micom_pairs
    mi = inv.micom.set_index("construct")
    assert mi["configural"].all() and mi["compositional"].all()
    assert mi["equal.mean"].all() and mi["equal.var"].all()
    assert (mi["invariance"] == "full").all()


def test_micom_known_noninvariance(micom_pairs):
    _, non, _, _ = micom_pairs
    mi = non.micom.set_index("construct")
    assert not mi.loc["A", "compositional"] and mi.loc["A", "invariance"] == "none"   # other weights in y
    assert mi.loc["B", "compositional"] and not mi.loc["B", "equal.mean"]              # shifted mean
    assert mi.loc["B", "invariance"] == "partial"
    assert mi.loc["C", "compositional"] and not mi.loc["C", "equal.var"]               # larger variance
    assert mi.loc["C", "invariance"] == "partial"


def test_micom_statistics_by_definition(micom_pairs):
    """c = cor(X w_x, X w_y) on the pooled standardized data; step 3 on the pooled model's scores."""
    _, non, _, diff = micom_pairs
    spec = pls.pls_spec(MICOM_MODEL)
    pooled = pls.pls_fit(MICOM_MODEL, diff)
    X = diff[spec.items].to_numpy()
    Z = (X - X.mean(0)) / X.std(0, ddof=1)
    fx, fy = pls.pls_fit(MICOM_MODEL, diff[diff.g == "x"]), pls.pls_fit(MICOM_MODEL, diff[diff.g == "y"])
    mi = non.micom.set_index("construct")
    for c in spec.constructs:
        c_def = np.corrcoef(Z @ fx.weights[c].to_numpy(), Z @ fy.weights[c].to_numpy())[0, 1]
        assert mi.loc[c, "c"] == pytest.approx(c_def, abs=1e-10)
        s = pooled.scores[c].to_numpy()
        gx = (diff.g == "x").to_numpy()
        assert mi.loc[c, "mean.diff"] == pytest.approx(s[gx].mean() - s[~gx].mean(), abs=1e-10)
        assert mi.loc[c, "logvar.ratio"] == pytest.approx(np.log(s[gx].var(ddof=1) / s[~gx].var(ddof=1)), abs=1e-10)


def test_micom_permutation_by_loop():
    """The permutation distribution of c, step by step with pls_fit, for a few given permutations."""
    rng = np.random.default_rng(5)
    d = pd.concat([_simulate(80, rng).assign(g="x"), _simulate(80, rng, lam_a=(0.9, 0.8, 0.3)).assign(g="y")],
                  ignore_index=True)
    perms = np.stack([rng.permutation(160) for _ in range(40)])
    m = pls_mga(MICOM_MODEL, d, "g", n_boot=20, permutations={("x", "y"): perms}, workers=1)
    spec = pls.pls_spec(MICOM_MODEL)
    X = d[spec.items].to_numpy()
    Z = (X - X.mean(0)) / X.std(0, ddof=1)
    cs = []
    for order in perms:
        fa, fb = pls.pls_fit(MICOM_MODEL, d.iloc[order[:80]]), pls.pls_fit(MICOM_MODEL, d.iloc[order[80:]])
        cs.append([np.corrcoef(Z @ fa.weights[c].to_numpy(), Z @ fb.weights[c].to_numpy())[0, 1]
                   for c in spec.constructs])
    cs = np.array(cs)
    mi = m.micom.set_index("construct")
    for j, c in enumerate(spec.constructs):
        assert mi.loc[c, "c.q05"] == pytest.approx(np.quantile(cs[:, j], 0.05), abs=1e-9)
        assert mi.loc[c, "pvalue.c"] == pytest.approx(np.mean(cs[:, j] < mi.loc[c, "c"]), abs=1e-12)


def test_small_group_left_out_and_three_groups():
    df = corp_data()
    rng = np.random.default_rng(0)
    df["g3"] = rng.choice(["p", "q", "r"], len(df))
    df.loc[df.index[:5], "g3"] = "tiny"
    model = PY_REF["mga"]["corp_simple"]["syntax"]
    m = pls_mga(model, df, "g3", n_boot=50, n_perm=50)
    assert set(m.groups) == {"p", "q", "r"}
    assert [d.code for d in m.diagnostics] == ["pls_mga_group_skipped"]
    pairs = set(map(tuple, m.comparisons[["group1", "group2"]].drop_duplicates().to_numpy()))
    assert pairs == {("p", "q"), ("p", "r"), ("q", "r")}
    assert len(m.micom) == 3 * 4
