"""csat.stats.em: the one EM for the saturated multivariate-normal model, against lavaan's EM
(``tests/reference/little_mcar.R``: lavaan 0.6's h1 EM estimates), and the callers that share it."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from csat.intake import cleaning
from csat import sem
from csat.stats.em import em_mvn, em_patterns, missing_patterns

REF = Path(__file__).resolve().parents[1] / "reference"


def test_em_matches_lavaan_h1():
    ref = json.loads((REF / "little_mcar.json").read_text())
    d = pd.read_csv(REF / ref["data"])
    r = em_mvn(d.to_numpy())
    assert r["converged"]
    np.testing.assert_allclose(r["mean"], ref["em"]["mean"], atol=1e-9)
    np.testing.assert_allclose(r["cov"], np.array(ref["em"]["cov"]), atol=1e-9)


def test_complete_data_give_the_sample_moments_at_once():
    X = np.random.default_rng(1).normal(size=(50, 3))
    r = em_mvn(X)
    assert r["converged"] and r["iterations"] == 2          # the second iteration changes nothing
    np.testing.assert_allclose(r["mean"], X.mean(axis=0), atol=1e-14)
    np.testing.assert_allclose(r["cov"], np.cov(X.T, ddof=0), atol=1e-14)


def test_rows_without_any_value_are_ignored():
    X = np.random.default_rng(2).normal(size=(30, 2))
    X[::4, 1] = np.nan
    both = np.vstack([X, [[np.nan, np.nan]] * 3])
    a, b = em_mvn(X), em_mvn(both)
    np.testing.assert_array_equal(a["mean"], b["mean"])
    assert missing_patterns(both).n == 30


def test_cleaning_and_fiml_share_the_implementation():
    ref = json.loads((REF / "little_mcar.json").read_text())
    d = pd.read_csv(REF / ref["data"]).astype(float)
    pat = missing_patterns(d.to_numpy())
    r = em_patterns(pat)
    np.testing.assert_array_equal(em_mvn(d.to_numpy())["mean"], r.mean)
    # Little's test: these patterns and this EM, at the test's tolerance
    c = em_patterns(pat, tol=1e-10, max_iter=10_000)
    m = cleaning.little_mcar(d)
    assert m["n_patterns"] == len(pat.groups) and m["em_iterations"] == c.iterations
    d2 = sum(nk * (xbar - c.mean[o]) @ np.linalg.solve(c.cov[np.ix_(o, o)], xbar - c.mean[o])
             for o, nk, xbar, _ in pat.groups)
    assert m["chisq"] == pytest.approx(d2, rel=1e-13)
    cols = list(d.columns)
    cm = sem.build_model("f =~ " + " + ".join(cols), cols)
    ss = sem.sample_stats(cm, d, "fiml")
    np.testing.assert_array_equal(ss.cov, r.cov)
    np.testing.assert_array_equal(ss.mean, r.mean)
