"""PLSpredict (csat.sem.pls.predict): leave-one-out and k-fold (given row order) item RMSE/MAE of PLS and the
LM benchmark, out of and in sample, with both techniques, equal to seminr 0.2.1's ``predict_pls``
(tests/reference/pls_mga_predict_seminr.json) to 1e-6; Q²predict by its definition; the verdict rule of
Shmueli et al. (2019); seeded determinism."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from csat.sem import pls
from csat.sem.pls.predict import cut_folds, pls_predict, predictive_power

from conftest import SHARED

REFDIR = Path(__file__).resolve().parents[2] / "reference"
REF = json.loads((REFDIR / "pls_mga_predict_seminr.json").read_text(encoding="utf-8"))["predict"]
PARTS = {"pls_out_of_sample": ("rmse.pls", "mae.pls"), "lm_out_of_sample": ("rmse.lm", "mae.lm"),
         "pls_in_sample": ("rmse.pls.insample", "mae.pls.insample"),
         "lm_in_sample": ("rmse.lm.insample", "mae.lm.insample")}


def data(name: str) -> pd.DataFrame:
    if name == "ecsi":
        return pd.read_csv(SHARED / "datasets" / "ecsi_satisfaction.csv")
    return pd.read_csv(REFDIR / "pls_corp_rep_data.csv").replace(-99, np.nan)


def _check(table: pd.DataFrame, technique: str, ref: dict):
    tab = table[table["technique"] == technique].set_index("indicator")
    for part, (rmse, mae) in PARTS.items():
        for item, v in ref[part].items():
            assert tab.loc[item, rmse] == pytest.approx(v["rmse"], abs=1e-6), (part, item)
            assert tab.loc[item, mae] == pytest.approx(v["mae"], abs=1e-6), (part, item)
        assert set(ref[part]) == set(tab.index)


@pytest.mark.parametrize("name", ["ecsi", "corp_simple", "corp_extended"])
def test_leave_one_out_equals_seminr(name):
    r = REF[name]
    res = pls_predict(r["syntax"], data(name), folds="loo")
    assert res.loo and res.folds == r["n"] and res.repetitions == 1
    for t in ("DA", "EA"):
        _check(res.table, t, r[f"loo_{t}"])


def test_kfold_with_given_order_equals_seminr():
    r = REF["ecsi"]
    order = np.random.default_rng(r["ordering_seed"]).permutation(r["n"])
    res = pls_predict(r["syntax"], data("ecsi"), folds=10, orderings=order[None])
    for t in ("DA", "EA"):
        _check(res.table, t, r[f"k10_{t}"])


def test_cut_folds_as_R():
    """R's cut(seq(1, n), breaks = k), seminr's folds (tests/reference/pls_predict_cut_R.R)."""
    cases = json.loads((REFDIR / "pls_predict_cut_R.json").read_text(encoding="utf-8"))["cases"]
    for c in cases:
        assert (cut_folds(c["n"], c["k"]) + 1).tolist() == c["fold"]


def test_q2_predict_by_definition():
    """Q²predict = 1 − SSE(PLS) / SSE(training-fold mean), per repetition, averaged."""
    r = REF["corp_simple"]
    df = data("corp_simple")
    order = np.random.default_rng(3).permutation(344)
    res = pls_predict(r["syntax"], df, folds=5, orderings=order[None], techniques=("EA",))
    fit = pls.pls_fit(r["syntax"], df)
    X = pd.DataFrame(fit.X, columns=fit.spec.items)
    fold = np.empty(344, int)
    fold[order] = cut_folds(344, 5)
    pred = res.predictions["EA"]["pls"][0]
    for j, item in enumerate(res.predictions["items"]):
        y = X[item].to_numpy()
        naive = np.array([y[fold != fold[i]].mean() for i in range(344)])
        q2 = 1 - np.sum((y - pred[:, j]) ** 2) / np.sum((y - naive) ** 2)
        got = res.table[(res.table.technique == "EA") & (res.table.indicator == item)]["q2.predict"].iloc[0]
        assert got == pytest.approx(q2, abs=1e-12)


def test_seeded_and_repeated():
    r = REF["corp_simple"]
    df = data("corp_simple")
    a = pls_predict(r["syntax"], df, folds=10, repetitions=3, seed=1)
    b = pls_predict(r["syntax"], df, folds=10, repetitions=3, seed=1)
    c = pls_predict(r["syntax"], df, folds=10, repetitions=3, seed=2)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert not np.allclose(a.table["rmse.pls"], c.table["rmse.pls"])
    # the repetitions' mean is the mean of single runs on the same shuffles
    rng = np.random.default_rng(1)
    shuffles = np.stack([rng.permutation(344) for _ in range(3)])
    per = np.mean([pls_predict(r["syntax"], df, folds=10, orderings=o[None]).table["rmse.pls"].to_numpy()
                   for o in shuffles], axis=0)
    assert np.allclose(a.table["rmse.pls"].to_numpy(), per, atol=1e-12)


def test_targets_and_verdict():
    r = REF["corp_simple"]
    res = pls_predict(r["syntax"], data("corp_simple"), folds=10, repetitions=2)
    assert res.targets == ["CUSL"]
    tab = res.table[(res.table.technique == "EA") & res.table.target]
    assert sorted(tab["indicator"]) == ["cusl_1", "cusl_2", "cusl_3"]
    assert res.verdict == predictive_power(tab["q2.predict"], tab["rmse.pls"], tab["rmse.lm"])
    assert res.verdict in ("none", "low", "medium", "high")


def test_predictive_power_rule():
    q = np.array([0.2, 0.3, 0.1, 0.4])
    lm = np.ones(4)
    assert predictive_power(q, np.full(4, 0.9), lm) == "high"
    assert predictive_power(q, np.array([0.9, 0.9, 0.9, 1.1]), lm) == "medium"
    assert predictive_power(q, np.array([0.9, 0.9, 1.1, 1.1]), lm) == "medium"   # "the majority (or the same number)"
    assert predictive_power(q, np.array([0.9, 1.1, 1.1, 1.1]), lm) == "low"
    assert predictive_power(q, np.full(4, 1.1), lm) == "none"
    assert predictive_power(np.array([0.2, -0.1, 0.1, 0.4]), np.full(4, 0.9), lm) == "none"


def test_bad_options():
    r = REF["corp_simple"]
    with pytest.raises(ValueError):
        pls_predict(r["syntax"], data("corp_simple"), folds=1)
    with pytest.raises(ValueError):
        pls_predict(r["syntax"], data("corp_simple"), folds="all")
    with pytest.raises(ValueError):
        pls_predict(r["syntax"], data("corp_simple"), techniques=("XX",))
    with pytest.raises(ValueError):
        pls_predict(r["syntax"], data("corp_simple"), targets=["COMP"])
