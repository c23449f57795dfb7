"""The demo simulator: known population, recovered moments, exact defect counts, reproducible file.

References are the population formulas themselves, recomputed here independently of the
module's algebra: the normal equations of the structural model, ``lambda_i lambda_j Phi`` for
the continuous responses, and bivariate-normal rectangle probabilities (scipy's
``multivariate_normal.cdf``) for the discretized items.  Defects are counted directly on the
raw data with the cleaning rules written out in the test.
"""
from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import multivariate_normal, norm, spearmanr

from csat.intake import simulate as sim
from csat.config.params import load_params
from csat.intake.preflight import load_study
from csat.intake.simulate import (CONSTRUCTS, REVERSED_ITEM, SCALE_MAX, SCALE_MIN, simulate_study,
    simulate_waves)
from csat.sem.multigroup import invariance
from csat.stats.tracking import wave_tables

ROOT = Path(__file__).resolve().parents[2]
DEMO_CSV = ROOT / "data" / "raw" / "demo.csv"
N = 5000
RULES = ["duplicates", "speeders", "straightlining", "attention_checks", "max_missing_share"]


@pytest.fixture(scope="module")
def pop():
    return sim.population()


@pytest.fixture(scope="module")
def sample():
    return sim.simulate_responses(N, seed=2024)


@pytest.fixture(scope="module")
def moments(pop):
    return pop.item_moments()


# -- population ------------------------------------------------------------------------------
def test_latent_correlation_reproduces_the_standardized_paths(pop):
    phi = pop.latent_cor
    assert np.allclose(np.diag(phi), 1.0)
    assert np.allclose(phi, phi.T)
    assert np.linalg.eigvalsh(phi.to_numpy()).min() > 0
    assert list(pop.paths.columns) == ["lhs", "op", "rhs", "std"] and set(pop.paths.op) == {"~"}
    # standardized coefficients are the regression of lhs on its predictors in Phi
    for lhs, g in pop.paths.groupby("lhs"):
        pred = list(g.rhs)
        b = np.linalg.solve(phi.loc[pred, pred].to_numpy(), phi.loc[pred, lhs].to_numpy())
        assert np.allclose(b, g["std"].to_numpy(), atol=1e-12), lhs
        r2 = float(b @ phi.loc[pred, lhs].to_numpy())
        assert pop.r2[lhs] == pytest.approx(r2, abs=1e-12)
        assert pop.psi[lhs] == pytest.approx(1 - r2, abs=1e-12)
    assert set(pop.paths.apply(lambda r: f"{r.lhs} ~ {r.rhs}", axis=1)) == {
        "EXPE ~ IMAG", "QUAL ~ EXPE", "VAL ~ EXPE", "VAL ~ QUAL", "SAT ~ IMAG", "SAT ~ EXPE",
        "SAT ~ QUAL", "SAT ~ VAL", "COMP ~ SAT", "LOY ~ IMAG", "LOY ~ SAT", "LOY ~ COMP"}
    lo = pop.loadings
    assert lo["std"].between(0.7, 0.9).all() and set(lo.op) == {"=~"}
    assert lo.groupby("lhs").size().between(3, 5).all()


def test_docstring_documents_the_population_values(pop):
    doc = sim.__doc__
    for r in pop.paths.itertuples():
        assert re.search(rf"^\s+{r.lhs}\s+~\s+{r.rhs}\s+{r.std:.2f}\s*$", doc, re.M), (r.lhs, r.rhs)
    for r in pop.loadings.itertuples():
        assert re.search(rf"\b{r.rhs} {r.std:.2f}\b", doc), r.rhs
    centres = " ".join(f"{c:.1f}" for c in pop.centres[[i for i in pop.items if i.startswith("qual")]])
    assert f"qual {centres}" in doc
    for name, v in pop.r2.items():
        assert f"{name} {v:.3f}" in doc
    assert "python -m csat.intake.simulate --out data/raw/demo.csv --n 600 --seed 2024" in doc


def test_population_syntax_is_the_demo_model(pop):
    syntax = sim.population_syntax()
    for name, items in pop.constructs.items():
        assert f"{name} =~ {' + '.join(items)}" in syntax
    assert "SAT ~ IMAG + EXPE + QUAL + VAL" in syntax and "LOY ~ IMAG + SAT + COMP" in syntax
    p = load_params(ROOT / "params" / "demo.yaml")
    assert p.model.strip() == syntax.strip()


def test_discretized_moments_are_exact(pop, moments):
    mean, cov, cor = moments
    lam = pop.loadings.set_index("rhs")
    item_con = lam["lhs"]
    tau = pop.thresholds
    for a, b in [("sat1", "sat2"), ("imag2", "loy3"), ("val3", "comp2"), ("expe4", "qual5")]:
        rho = lam.loc[a, "std"] * lam.loc[b, "std"] * pop.latent_cor.loc[item_con[a], item_con[b]]
        assert pop.item_cor_continuous().loc[a, b] == pytest.approx(rho, abs=1e-12)
        # x = 1 + sum_k 1[y* > tau_k]  =>  cov = sum_kl P(Ya > tau_k, Yb > tau_l) - Q(tau_k) Q(tau_l)
        pts = np.array([[s, t] for s in tau.loc[a] for t in tau.loc[b]])
        joint = multivariate_normal(mean=[0, 0], cov=[[1, rho], [rho, 1]]).cdf(-pts)
        ref = float((joint - norm.sf(pts[:, 0]) * norm.sf(pts[:, 1])).sum())
        assert cov.loc[a, b] == pytest.approx(ref, abs=1e-7)
    for a in ["imag2", "val3", "loy4"]:
        t = tau.loc[a].to_numpy()
        probs = np.diff(np.concatenate([[0.0], norm.cdf(t), [1.0]]))        # P(x = 1..10)
        v = np.arange(1, 11)
        assert mean[a] == pytest.approx(float(probs @ v), abs=1e-12)
        assert cov.loc[a, a] == pytest.approx(float(probs @ v ** 2 - (probs @ v) ** 2), abs=1e-12)
    # the discretization is mild: correlations shrink by at most 0.03
    diff = (pop.item_cor_continuous() - cor).to_numpy()
    assert diff.min() > -1e-12 and diff.max() < 0.03


def test_item_correlations_match_the_population(sample, moments):
    mean, cov, cor = moments
    r = sample.corr().to_numpy()
    rho = cor.loc[sample.columns, sample.columns].to_numpy()
    iu = np.triu_indices_from(r, 1)
    # Fisher z: (atanh r - atanh rho) * sqrt(n - 3) ~ N(0, 1); 406 pairs, bound 4.5
    z = (np.arctanh(r[iu]) - np.arctanh(rho[iu])) * np.sqrt(N - 3)
    assert np.abs(z).max() < 4.5
    assert abs(z.mean()) < 1.0
    # means within 4.5 standard errors
    se = np.sqrt(np.diag(cov.loc[sample.columns, sample.columns]) / N)
    assert (np.abs(sample.mean().to_numpy() - mean[sample.columns].to_numpy()) / se).max() < 4.5
    assert sample.min().min() >= 1 and sample.max().max() <= 10
    # all 10 scale points used, ceiling mild (< 6 % of answers at 10)
    assert ((sample == 10).mean() < 0.06).all() and list(np.unique(sample.to_numpy())) == list(range(1, 11))


def test_construct_mean_score_correlations(pop, sample, moments):
    _, cov, _ = moments
    names = list(pop.constructs)
    scores = pd.DataFrame({c: sample[items].mean(axis=1) for c, items in pop.constructs.items()})
    r = scores.corr()
    # population correlation of unit-weighted composites from the exact item covariance
    pc = pd.DataFrame(index=names, columns=names, dtype=float)
    for a in names:
        for b in names:
            ia, ib = pop.constructs[a], pop.constructs[b]
            pc.loc[a, b] = cov.loc[ia, ib].to_numpy().sum() / np.sqrt(
                cov.loc[ia, ia].to_numpy().sum() * cov.loc[ib, ib].to_numpy().sum())
    iu = np.triu_indices(len(names), 1)
    rs, ps, lat = r.to_numpy()[iu], pc.to_numpy()[iu], pop.latent_cor.to_numpy()[iu]
    z = (np.arctanh(rs) - np.arctanh(ps)) * np.sqrt(N - 3)
    assert np.abs(z).max() < 4.5
    # ordered as the population: every two pairs whose population values differ by > 0.05
    for i in range(len(ps)):
        for j in range(len(ps)):
            if ps[i] - ps[j] > 0.05:
                assert rs[i] > rs[j]
    assert spearmanr(rs, lat).statistic > 0.95
    assert (rs < lat).all()                     # composites are attenuated by measurement error


# -- study file with defects -------------------------------------------------------------------
def _items():
    return [i for _, its in sim.CONSTRUCTS for i in its]


def _count_rules(raw: pd.DataFrame):
    """Cleaning rules written out directly: sequential exclusions and raw violation sets."""
    items = _items()
    x = raw[items].astype("float64")
    x = x.mask(x == 99).mask((x < 1) | (x > 10))
    observed = x.notna()
    viol = {
        "duplicates": raw["respondent_id"].duplicated(keep="first").to_numpy(),
        "speeders": (raw["duration"] < 120).to_numpy(),
        "straightlining": (x.nunique(axis=1) == 1).to_numpy(),
        "attention_checks": (raw["attn"].astype("float64") != 3).to_numpy(),
        "max_missing_share": ((~observed).mean(axis=1) > 0.2).to_numpy(),
    }
    left = np.ones(len(raw), bool)
    sequential = {}
    for rule in RULES:
        hit = left & viol[rule]
        sequential[rule] = list(np.nonzero(hit)[0])
        left &= ~hit
    return viol, sequential, left


@pytest.mark.parametrize("source", ["demo_csv", "n1000_seed7"])
def test_injected_defects_are_counted_exactly(source):
    if source == "demo_csv":
        raw = pd.read_csv(DEMO_CSV, dtype={"respondent_id": str})
        _, truth = sim.simulate_study(600, 2024)
    else:
        raw, truth = sim.simulate_study(1000, 7)
    viol, sequential, left = _count_rules(raw)
    assert {r: len(v) for r, v in sequential.items()} == truth["injected"]
    assert {r: [int(i) for i in v] for r, v in sequential.items()} == truth["excluded_rows"]
    assert all(v > 0 for v in truth["injected"].values())
    # each defective respondent violates exactly one rule; valid ones violate none
    n_viol = np.sum([viol[r] for r in RULES], axis=0)
    assert (n_viol[~left] == 1).all() and (n_viol[left] == 0).all()
    assert truth["n_raw"] == len(raw) and truth["n_clean"] == int(left.sum())
    assert truth["n_clean"] == len(raw) - sum(truth["injected"].values())
    # duplicates are exact copies of a kept row
    dup = raw[viol["duplicates"]]
    for _, row in dup.iterrows():
        first = raw[raw.respondent_id == row.respondent_id].iloc[0]
        assert first.equals(row)
    # missing codes, blanks and out-of-range entries
    items = _items()
    vals = raw[items].astype("float64")
    assert int((vals == 99).sum().sum()) == truth["missing_codes"]
    assert int((vals[left] == 99).sum().sum()) == truth["missing_codes_clean"] > 0
    assert int(vals.isna().sum().sum()) == truth["blanks"]
    assert int(vals[left].isna().sum().sum()) == truth["blanks_clean"] > 0
    oor = [(int(r), c, int(vals.iloc[r][c])) for r, c in zip(*np.nonzero(((vals < 1) | (vals > 10)) & (vals != 99)))
           for c in [items[c]]]
    assert oor == [(o["row"], o["item"], o["value"]) for o in truth["out_of_range"]]
    assert {o["value"] for o in truth["out_of_range"]} <= {0, 11, 12} and truth["out_of_range_clean"] == len(oor)
    assert all(raw.respondent_id.iloc[o["row"]] == o["respondent_id"] for o in truth["out_of_range"])


def test_study_columns_and_values():
    raw = pd.read_csv(DEMO_CSV, dtype={"respondent_id": str})
    assert list(raw.columns[:6]) == ["respondent_id", "gender", "age_band", "region", "channel", "duration"]
    n_survey = list(raw.columns).index("nps") + 1                # Kano/SERVQUAL extras come last
    assert set(_items()) | {"attn", "nps"} == set(raw.columns[6:n_survey])
    assert all(c.startswith(("kano_", "sq_")) for c in raw.columns[n_survey:-2])
    assert list(raw.columns[-2:]) == ["comment", "comment_en"]       # the open question comes last
    assert set(raw.gender) == {"female", "male"}
    assert set(raw.age_band) == {"18-24", "25-34", "35-44", "45-54", "55+"}
    assert set(raw.region) == {"North", "South", "East", "West"}
    assert set(raw.channel) == {"store", "online", "app"}
    nps = raw.nps.dropna()
    assert nps.between(0, 10).all() and nps.min() <= 2 and nps.max() == 10
    _, _, valid = _count_rules(raw)
    ok = raw[valid]
    assert ok.duration.min() >= 120 and 300 < ok.duration.median() < 550
    # reverse-keyed loy4 is negatively related to the other loyalty items until recoded
    loy = ok[["loy1", "loy2", "loy3", "loy4"]].astype("float64").mask(lambda d: (d < 1) | (d > 10))
    assert loy.corr().loc["loy4", ["loy1", "loy2", "loy3"]].max() < -0.3
    # nps is related to satisfaction and loyalty
    sat = ok[["sat1", "sat2", "sat3", "sat4"]].astype("float64").mask(lambda d: (d < 1) | (d > 10)).mean(axis=1)
    assert np.corrcoef(sat, ok.nps.astype(float))[0, 1] > 0.4
    assert len(raw) == 600 and DEMO_CSV.stat().st_size < 300_000


def test_no_defects_option():
    raw, truth = sim.simulate_study(300, 5, defects=False)
    viol, _, left = _count_rules(raw)
    assert left.all() and truth["n_clean"] == truth["n_raw"] == 300
    assert truth["missing_codes"] == truth["blanks"] == 0 and truth["out_of_range"] == []
    assert raw[_items()].notna().all().all()


def test_demo_csv_is_reproduced_byte_for_byte(tmp_path):
    out = tmp_path / "demo.csv"
    assert sim.main(["--out", str(out), "--n", "600", "--seed", "2024"]) == 0
    assert out.read_bytes() == DEMO_CSV.read_bytes()
    assert DEMO_CSV.read_bytes().decode("utf-8").count("\r") == 0


def test_population_doc_is_current(tmp_path):
    out = tmp_path / "pop.md"
    assert sim.main(["--population-doc", str(out)]) == 0
    assert out.read_bytes() == (ROOT / "docs" / "demo_population.md").read_bytes()
    with pytest.raises(SystemExit):
        sim.main([])


def test_determinism_and_keying():
    a = sim.simulate_responses(500, seed=11)
    b = sim.simulate_responses(500, seed=11)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(sim.simulate_responses(500, seed=12))
    rk = sim.simulate_responses(500, seed=11, raw_keying=True)
    assert (rk["loy4"] == 11 - a["loy4"]).all() and rk.drop(columns="loy4").equals(a.drop(columns="loy4"))
    r1, t1 = sim.simulate_study(200, 3)
    r2, t2 = sim.simulate_study(200, 3)
    pd.testing.assert_frame_equal(r1, r2)
    assert t1 == t2


def test_exact_moments_give_identity_covariance_and_refuse_too_few_rows():
    z = np.random.default_rng(0).standard_normal((50, 7)) * 3 + 1
    w = sim.exact_moments(z)
    np.testing.assert_allclose(w.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(np.cov(w.T, bias=True), np.eye(7), atol=1e-12)
    with pytest.raises(ValueError, match="more rows"):
        sim.exact_moments(z[:7])


def test_valid_respondents_true_scores_have_exactly_the_population_paths(pop):
    """The demo design: the true construct scores of the respondents who pass cleaning reproduce
    Phi and every structural coefficient exactly (OLS on the scores); the other rows do not, and
    the item errors are not rescaled (the items are an ordinary sample given the scores)."""
    n_base, valid = 591, np.arange(0, 591, 591 // 546)[:546]
    rng = np.random.default_rng(5)
    z = sim._normals(n_base, rng, valid)
    eta, _ = sim._latent_and_items(z)
    names = list(pop.latent_cor.index)
    e = eta[valid]
    np.testing.assert_allclose(np.cov(e.T, bias=True), pop.latent_cor.to_numpy(), atol=1e-10)
    for lhs, group in pop.paths.groupby("lhs", sort=False):
        X = e[:, [names.index(r) for r in group["rhs"]]]
        b = np.linalg.lstsq(X - X.mean(0), e[:, names.index(lhs)], rcond=None)[0]
        np.testing.assert_allclose(b, group["std"].to_numpy(), atol=1e-10)
    errs = z[np.ix_(valid, np.arange(7, 36))]
    assert np.abs(np.cov(errs.T, bias=True) - np.eye(29)).max() > 0.05
    rest = np.setdiff1d(np.arange(n_base), valid)
    assert np.abs(np.cov(eta[rest].T, bias=True) - pop.latent_cor.to_numpy()).max() > 0.05


def test_demo_design_check_reduces_latent_sampling_error_only():
    tab = sim.design_check(n_samples=12, seed=3).set_index("design")
    assert list(tab.index) == ["random", "exact latent moments"]
    assert tab.at["exact latent moments", "mean_sd"] < 0.8 * tab.at["random", "mean_sd"]
    # measurement error stays random: chi-square keeps its sampling distribution (mean ~ df)
    for d in tab.index:
        assert 0.85 * tab.at[d, "df"] < tab.at[d, "mean_chisq"] < 1.2 * tab.at[d, "df"]
    assert (tab["max_abs_bias"] < 0.05).all()


def test_study_without_exact_moments_is_an_ordinary_sample():
    a, ta = sim.simulate_study(300, 3)
    b, tb = sim.simulate_study(300, 3, exact_moments_valid=False)
    assert ta["injected"] == tb["injected"] and ta["n_clean"] == tb["n_clean"]
    assert not a.equals(b)


@pytest.mark.parametrize("bad", [0, -5, 2.5, "600", True])
def test_bad_n_is_refused(bad):
    with pytest.raises(ValueError, match="n must be an integer"):
        sim.simulate_responses(bad, seed=1)


def test_simulate_scale_is_fast_and_chained():
    best = min(_timed(lambda: sim.simulate_scale(100_000, seed=1)) for _ in range(2))
    assert best < 2.0
    d = sim.simulate_scale(20_000, seed=3)
    assert d.shape == (20_000, 40) and d.min().min() >= 1 and d.max().max() <= 10
    assert list(d.columns[:6]) == ["f1_1", "f1_2", "f1_3", "f1_4", "f1_5", "f2_1"]
    comp = pd.DataFrame({f"F{c}": d[[f"f{c}_{j}" for j in range(1, 6)]].mean(axis=1) for c in range(1, 9)})
    r = comp.corr().to_numpy()
    # chain F1 -> F2 -> ... : correlations fall with distance (0.5^k attenuated)
    assert all(r[c, c + 1] > r[c, c + 2] > r[c, c + 3] for c in range(5))
    assert "F2 ~ F1" in sim.scale_syntax() and sim.scale_syntax().count("=~") == 8


def _timed(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def test_demo_params_file_is_valid_and_complete(pop):
    p = load_study(ROOT / "params" / "demo.yaml")          # also checks every column is in demo.csv
    assert p.study == "demo" and p.language == "en" and p.title
    assert p.data.path == "data/raw/demo.csv" and p.data.id == "respondent_id" and p.data.duration == "duration"
    assert (p.scale.min, p.scale.max) == (1, 10) and p.missing_codes == [99]
    assert {n: c.items for n, c in p.constructs.items()} == pop.constructs
    assert {n: c.label_zh for n, c in p.constructs.items()} == {
        "IMAG": "形象", "EXPE": "期望", "QUAL": "感知质量", "VAL": "感知价值", "SAT": "满意度",
        "COMP": "投诉", "LOY": "忠诚"}
    assert all(c.label for c in p.constructs.values())
    for item in p.items:
        lab = p.item_labels[item]
        assert lab.en and lab.zh, item
    assert p.reverse == [pop.reverse] and p.groups == ["gender", "age_band", "region", "channel"]
    assert p.recommend == "nps"
    c = p.cleaning
    assert (c.drop_duplicates, c.max_missing_share, c.straightlining, c.min_duration) == (True, 0.2, True, 120)
    assert c.attention_checks == {"attn": 3}
    assert p.ipma.target == "SAT" and p.bootstrap == 1000 and p.seed == 2024


# ---------------------------------------------------------------- tracking studies (simulate_waves)
CONS = {c: list(its) for c, its in CONSTRUCTS}
MODEL = "\n".join(f"{c} =~ {' + '.join(its)}" for c, its in CONS.items())


def _analysis(raw: pd.DataFrame) -> pd.DataFrame:
    d = raw.copy()
    d[REVERSED_ITEM] = SCALE_MIN + SCALE_MAX - d[REVERSED_ITEM]
    return d


@pytest.fixture(scope="module")
def waves():
    return simulate_waves(400, 2, 2025)


def test_layout(waves):
    raw, truth = waves
    demo, _ = simulate_study(60, 1, defects=False)
    core = list(demo.columns[1: list(demo.columns).index("nps") + 1])     # the demo's survey columns
    assert list(raw.columns) == ["respondent_id", "wave"] + core
    assert len(raw) == 800 and raw["respondent_id"].is_unique
    assert truth["waves"] == ["2025H1", "2025H2"] and list(raw["wave"].unique()) == truth["waves"]
    assert raw[[i for its in CONS.values() for i in its]].isin(range(1, 11)).all().all()
    again, _ = simulate_waves(400, 2, 2025)
    pd.testing.assert_frame_equal(raw, again)                  # seeded


def test_shift_is_found(waves):
    raw, truth = waves
    _, ch = wave_tables(_analysis(raw), "wave", truth["waves"], CONS, SCALE_MIN, SCALE_MAX, recommend="nps")
    idx = ch[ch["measure"] == "index"].set_index("construct")
    sat = idx.loc["SAT"]
    assert sat["p.holm"] < 0.001 and sat["ci.lower"] < truth["index_shift"]["SAT"] * 0.98 < sat["ci.upper"]
    # constructs without a true change, and without the non-invariant item, show none
    for c in ("IMAG", "EXPE", "VAL", "COMP", "LOY"):
        assert idx.loc[c, "p.holm"] > 0.05, c
    # the non-invariant item moves its construct's index although the construct did not change
    assert idx.loc["QUAL", "change"] > 3 and idx.loc["QUAL", "p.holm"] < 0.05


def test_noninvariant_item_breaks_scalar_invariance(waves):
    raw, truth = waves
    tab, fits = invariance(MODEL, _analysis(raw), "wave", group_order=truth["waves"])
    assert list(tab["verdict"]) == ["acceptable", "holds", "rejected"]
    # the configural intercept of qual3 moves by about the injected 2 points more than its neighbours
    est = fits["configural"].estimates
    nu = est[est["op"] == "~1"].pivot(index="lhs", columns="group", values="est")
    d = (nu[2] - nu[1]).loc[[i for i in CONS["QUAL"]]]
    assert d.idxmax() == "qual3" and d["qual3"] - d.drop("qual3").mean() > 1.5
    clean, truth0 = simulate_waves(400, 2, 2025, noninvariant=None)
    tab0, _ = invariance(MODEL, _analysis(clean), "wave", group_order=truth0["waves"])
    assert list(tab0["verdict"]) == ["acceptable", "holds", "holds"]
    from csat.sem.multigroup import release_tests
    rel = release_tests(fits["scalar"])
    top = rel[rel["op"] == "~1"].iloc[0]
    assert top["lhs"] == "qual3" and top["group.label"] == "2025H2" and top["pvalue"] < 1e-6


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown construct"):
        simulate_waves(50, 2, 1, shift={"SATX": 0.3})
    with pytest.raises(ValueError, match="not an item"):
        simulate_waves(50, 2, 1, noninvariant=("q9", 1.0))
    with pytest.raises(ValueError, match="integer >= 2"):
        simulate_waves(50, 1, 1)
