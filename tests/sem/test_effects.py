"""Effects (Bollen 1987) and the percentile bootstrap, checked against lavaan (tests/reference/effects_ecsi.*)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from csat import sem
from csat.sem import effects as fx

from procwatch import alive as _alive, children as _children

REF = json.loads((Path(__file__).resolve().parents[1] / "reference" / "effects_ecsi.json").read_text())


# -- pure effect algebra ------------------------------------------------------------------------
def test_hand_made_chain_with_a_direct_path():
    # X -> M (a = .5), M -> Y (b = .4), X -> Y (c = .3), Y -> Z (d = 2)
    names = ["X", "M", "Y", "Z"]
    B = pd.DataFrame(0.0, index=names, columns=names)
    B.loc["M", "X"], B.loc["Y", "M"], B.loc["Y", "X"], B.loc["Z", "Y"] = 0.5, 0.4, 0.3, 2.0
    t = fx.effects_table(B, sd={"X": 1.0, "M": 2.0, "Y": 4.0, "Z": 10.0}).set_index(["from", "to"])
    assert list(t.reset_index().columns) == fx.EFFECT_COLUMNS
    assert set(t.index) == {("X", "M"), ("X", "Y"), ("M", "Y"), ("X", "Z"), ("M", "Z"), ("Y", "Z")}
    r = t.loc[("X", "Y")]
    assert (r["direct"], r["indirect"], r["total"]) == pytest.approx((0.3, 0.2, 0.5))
    r = t.loc[("X", "Z")]                       # X -> Z only through Y: 2 * (.3 + .5 * .4)
    assert (r["direct"], r["indirect"], r["total"]) == pytest.approx((0.0, 1.0, 1.0))
    assert r["std.total"] == pytest.approx(1.0 * 1.0 / 10.0)
    assert t.loc[("M", "Z"), "total"] == pytest.approx(0.8)
    assert t.loc[("M", "Y"), "std.direct"] == pytest.approx(0.4 * 2 / 4)
    assert ("Z", "X") not in t.index           # zero total effects are left out


def test_non_recursive_loop_uses_the_matrix_inverse_and_rejects_divergence():
    B = np.array([[0.0, 0.5], [0.4, 0.0]])    # y1 <-> y2 feedback
    d, ind, tot = fx.effect_matrices(B)
    expect = np.linalg.inv(np.eye(2) - B) - np.eye(2)
    np.testing.assert_allclose(tot, expect)
    np.testing.assert_allclose(ind, expect - B)
    with pytest.raises(ValueError, match="spectral radius"):
        fx.effect_matrices(np.array([[0.0, 2.0], [0.6, 0.0]]))


def test_political_democracy_indirect_effect_matches_lavaan_defined_parameter(shared_dir):
    """ind60 -> dem65 via dem60 = a*b; B and Psi from lavaan's estimates, compared with lavaan's
    ``ind := a*b`` and ``total := c + a*b`` (est and std.all)."""
    ref = json.loads((shared_dir / "reference" / "political_democracy.json").read_text())
    est = pd.DataFrame(ref["sem"]["estimates"])
    B = fx.structural_matrix(est, ["ind60", "dem60", "dem65"])
    psi = np.diag([est[(est.op == "~~") & (est.lhs == v) & (est.rhs == v)]["est"].iloc[0] for v in B.index])
    IB = np.linalg.inv(np.eye(3) - B.to_numpy())
    sd = pd.Series(np.sqrt(np.diag(IB @ psi @ IB.T)), index=B.index)
    t = fx.effects_table(B, sd).set_index(["from", "to"])
    d = {x["name"]: x for x in REF["political_democracy"]["defined"]}
    row = t.loc[("ind60", "dem65")]
    assert row["indirect"] == pytest.approx(d["ind"]["est"], abs=1e-6)
    assert row["total"] == pytest.approx(d["total"]["est"], abs=1e-6)
    assert row["std.indirect"] == pytest.approx(d["ind"]["std.all"], abs=1e-4)
    assert row["std.total"] == pytest.approx(d["total"]["std.all"], abs=1e-4)
    a = est[(est.lhs == "dem60") & (est.rhs == "ind60")]["est"].iloc[0]
    b = est[(est.lhs == "dem65") & (est.rhs == "dem60")]["est"].iloc[0]
    assert row["indirect"] == pytest.approx(a * b, rel=1e-12)
    for r in REF["political_democracy"]["effects"]:
        got = t.loc[(r["from"], r["to"])]
        for k in fx.EFFECT_KINDS:
            assert got[k] == pytest.approx(r[k], abs=1e-4), (r["from"], r["to"], k)


# -- percentile interval ------------------------------------------------------------------------
@pytest.mark.parametrize("case", REF["percentile"], ids=lambda c: f"R{c['R']}-{c['level']}")
def test_percentile_interval_is_lavaans_norm_inter(case):
    i = np.arange(1, case["R"] + 1, dtype=float)
    t = np.sin(i ** 1.3) + i / 1000
    rng = np.random.default_rng(1)
    lo, hi = fx.percentile_ci(rng.permutation(t), case["level"])
    assert lo == pytest.approx(case["lower"], abs=1e-10)
    assert hi == pytest.approx(case["upper"], abs=1e-10)


def test_percentile_interval_ignores_non_finite_and_handles_empty():
    t = list(np.linspace(0, 1, 99))
    assert fx.percentile_ci(t + [np.nan, np.inf, -np.inf]) == fx.percentile_ci(t)
    assert all(np.isnan(fx.percentile_ci([])))


# -- bootstrap runner ---------------------------------------------------------------------------
class MeanStat:
    """Mean of the resampled values; fails on resamples whose first index is a multiple of 7 and
    is inadmissible when it is a multiple of 11 (picklable, for worker processes)."""

    def __init__(self, x):
        self.x = np.asarray(x, dtype=float)

    def __call__(self, idx):
        if idx[0] % 7 == 0:
            raise RuntimeError("did not converge")
        if idx[0] % 11 == 0:
            return "inadmissible", [self.x[idx].mean()]
        return "ok", [self.x[idx].mean()]


def test_indices_are_drawn_up_front_and_reproducible():
    a = fx.bootstrap_indices(50, 30, seed=7)
    b = fx.bootstrap_indices(50, 30, seed=7)
    assert a.shape == (30, 50) and a.min() >= 0 and a.max() < 50
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, np.random.default_rng(7).integers(0, 50, size=(30, 50)))
    assert not np.array_equal(a, fx.bootstrap_indices(50, 30, seed=8))


def test_failures_are_counted_and_results_do_not_depend_on_workers():
    x = np.random.default_rng(3).normal(size=60)
    idx = fx.bootstrap_indices(60, 200, seed=11)
    one = fx.run_bootstrap(MeanStat(x), idx, ["mean"], workers=1)
    two = fx.run_bootstrap(MeanStat(x), idx, ["mean"], workers=2)
    n_fail = int(np.sum(idx[:, 0] % 7 == 0))
    n_inad = int(np.sum((idx[:, 0] % 7 != 0) & (idx[:, 0] % 11 == 0)))
    assert n_fail > 0 and n_inad > 0
    assert one.counts() == {"n_requested": 200, "n_ok": 200 - n_fail - n_inad, "n_failed": n_fail,
                            "n_inadmissible": n_inad}
    assert two.counts() == one.counts()
    np.testing.assert_array_equal(one.values, two.values)
    np.testing.assert_array_equal(one.status, two.status)
    assert "did not converge" in one.messages[0]
    ci = one.ci(0.95).iloc[0]
    ok = np.array([x[i].mean() for i in idx if i[0] % 7 and i[0] % 11])
    assert (ci["ci.lower"], ci["ci.upper"]) == pytest.approx(fx.percentile_ci(ok))
    codes = {d.code for d in fx.bootstrap_diagnostics(one)}
    assert codes == {"bootstrap_failed", "bootstrap_inadmissible"}


# -------------------------------------------------------------------------------- bootstrap workers
WORKER_SCRIPT = """
import os, sys, time
import numpy as np
from csat.sem import effects

def slow(idx):
    time.sleep(120)
    return "ok", [1.0]

if __name__ == "__main__":
    effects.run_bootstrap(slow, np.zeros((4, 3), dtype=int), ["x"], workers=2, chunks_per_worker=1)
"""


def test_bootstrap_workers_die_with_their_parent(tmp_path):
    script = tmp_path / "boot.py"
    script.write_text(WORKER_SCRIPT)
    proc = subprocess.Popen([sys.executable, str(script)], start_new_session=True)
    workers: list[int] = []
    for _ in range(300):                      # wait (up to 30 s) until both workers run
        workers = _children(proc.pid)
        if len(workers) >= 2:
            break
        time.sleep(0.1)
    assert len(workers) >= 2, "the pool did not start"
    os.kill(proc.pid, signal.SIGKILL)           # the kernel is killed mid-bootstrap
    proc.wait()
    for _ in range(300):
        if not any(_alive(w) for w in workers):
            break
        time.sleep(0.1)
    left = [w for w in workers if _alive(w)]
    for w in left:                              # never leave them behind, even when the test fails
        os.kill(w, signal.SIGKILL)
    assert left == []


# ------------------------------------------------------ an observed variable in the structural part
def test_observed_variable_in_structural_part(zh):
    """An observed item as a predictor in the structural part (no latent variable around it)."""
    res = sem.fit("服务 =~ 服务1 + 服务2 + 服务3\n忠诚 =~ 忠诚1 + 忠诚2 + 忠诚3\n忠诚 ~ 服务 + 满意度", zh)
    assert res.converged
    from csat.sem import effects as eff

    e = eff.sem_effects(res)
    assert set(e["from"]) == {"服务", "满意度"} and set(e["to"]) == {"忠诚"}
