"""SEM bootstrap: the interval covers a known indirect effect; same seed, same results."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csat import effects as eff
from csat import sem
from csat.bootstrap import bootstrap_sem

MODEL = """
X =~ x1 + x2 + x3
M =~ m1 + m2 + m3
Y =~ y1 + y2 + y3
M ~ a*X
Y ~ b*M + X
ind := a*b
"""
A, B, C = 0.5, 0.4, 0.2          # standardized population paths; indirect X->Y = a*b = 0.20


def simulate(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    m = A * x + np.sqrt(1 - A ** 2) * rng.standard_normal(n)
    var_y = B ** 2 + C ** 2 + 2 * B * C * A
    y = B * m + C * x + np.sqrt(1 - var_y) * rng.standard_normal(n)
    cols = {}
    for name, lat in (("x", x), ("m", m), ("y", y)):
        for k, lam in enumerate((0.8, 0.7, 0.75), start=1):
            cols[f"{name}{k}"] = lam * lat + np.sqrt(1 - lam ** 2) * rng.standard_normal(n)
    return pd.DataFrame(cols)


@pytest.fixture(scope="module")
def boot():
    data = simulate(2000, seed=11)
    fit = sem.fit(MODEL, data)
    return data, fit, bootstrap_sem(fit, data, n_boot=200, seed=5, workers=2)


def test_interval_covers_population_indirect_effect(boot):
    _, fit, b = boot
    row = b.effects.set_index(["from", "to"]).loc[("X", "Y")]
    assert row["std.indirect.ci.lower"] < A * B < row["std.indirect.ci.upper"]
    assert row["std.indirect"] == pytest.approx(A * B, abs=0.05)
    d = b.defined.set_index("name").loc["ind"]
    assert d["ci.lower"] < d["est"] < d["ci.upper"]
    assert b.counts()["n_requested"] == 200 and b.n_ok + b.n_failed + b.n_inadmissible == 200


def test_point_estimates_equal_sem_effects(boot):
    _, fit, b = boot
    ref = eff.sem_effects(fit)
    pd.testing.assert_frame_equal(b.effects[ref.columns].reset_index(drop=True), ref.reset_index(drop=True))


def test_same_seed_same_results_any_worker_count(boot):
    data, fit, b = boot
    again = bootstrap_sem(fit, data, n_boot=200, seed=5, workers=1)
    pd.testing.assert_frame_equal(b.effects, again.effects)
    pd.testing.assert_frame_equal(b.defined, again.defined)
    other = bootstrap_sem(fit, data, n_boot=200, seed=6, workers=1)
    assert not b.effects.equals(other.effects)


def test_fiml_fit_is_refused():
    data = simulate(300, seed=2)
    data.iloc[0, 0] = np.nan
    fit = sem.fit(MODEL, data, missing="fiml")
    with pytest.raises(ValueError, match="listwise"):
        bootstrap_sem(fit, data, n_boot=10, seed=1)
