"""The PLS demo (params/demo_pls.yaml, data/raw/demo_pls.csv; issue #33): the file is the simulator's, and the
study recovers the true moderation (SAT × SC → LOY = −0.20) and the channel difference of PERF → SAT
(0.65 in store, 0.25 online) that csat.intake.simulate.PLS_TRUTH puts in it."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from csat.analyses import structural as S
from csat.intake.preflight import load_study
from csat.intake.simulate import PLS_TRUTH, main, simulate_pls_study
from csat.sem import pls

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def study():
    p = load_study(ROOT / "params" / "demo_pls.yaml", {}, root=ROOT, check_data=False)
    data, truth = simulate_pls_study(500, p.seed)
    res = pls.pls_fit(S.study_model(p).syntax, data, **S.pls_options(p))
    return p, data, res


def test_file_is_the_simulators(tmp_path):
    out = tmp_path / "demo_pls.csv"
    assert main(["--pls", "--out", str(out), "--seed", "2024"]) == 0
    assert out.read_bytes() == (ROOT / "data" / "raw" / "demo_pls.csv").read_bytes()


def test_moderation_recovered(study):
    p, data, res = study
    assert p.pls.consistent and res.augment is not None
    b = float(res.paths.loc["LOY", "SAT:SC"])
    assert b < 0 and abs(b - PLS_TRUTH["LOY~SAT:SC"]) < 0.08
    assert abs(float(res.paths.loc["LOY", "SAT"]) - PLS_TRUTH["LOY~SAT"]) < 0.1


def test_group_difference_recovered(study):
    p, data, res = study
    p = p.model_copy(update={"bootstrap": 200})
    step = S.pls_mga_step(p, data, res, {})
    cmp = step.comparisons.set_index(["lhs", "rhs"])
    row = cmp.loc[("SAT", "PERF")]
    assert (row["group1"], row["group2"]) == ("online", "store")
    assert row["diff"] < -0.1 and row["pvalue.permutation"] < 0.05 and row["pvalue.henseler"] < 0.05
    surv = S.mga_surviving(step.comparisons, step.micom)
    assert ("SAT", "PERF") in set(zip(surv["lhs"], surv["rhs"]))
    assert not ((cmp["pvalue.permutation"] < 0.05) & (cmp["pvalue.henseler"] < 0.05)).drop(("SAT", "PERF")).any()


def test_predict_runs_on_the_extended_model(study):
    """PLSpredict on the higher-order + moderation model: each training fold re-estimated, first stages included."""
    p, data, res = study
    p = p.model_copy(update={"pls": p.pls.model_copy(update={"predict": p.pls.predict.model_copy(
        update={"folds": 5, "repetitions": 1})})})
    step = S.pls_predict_step(p, data, res, {}, "LOY")
    assert step.table is not None and step.verdict in ("none", "low", "medium", "high")
    assert set(step.table.loc[step.table["target"], "indicator"]) == {"loy1", "loy2", "loy3"}
    assert np.isfinite(step.table.select_dtypes("number").to_numpy()).all()
    assert not [d for d in step.diagnostics if d.code == "pls_predict_skipped"]
    assert [m for m, *_ in step.shown][:2] == ["table", "say"]
