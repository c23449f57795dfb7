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


# --- extended models (higher-order constructs, product terms) -------------------------------------------------

EXT_REF = json.loads((REFDIR / "pls_predict_ext_seminr.json").read_text(encoding="utf-8"))
CORP_BLOCKS = {"COMP": ["comp_1", "comp_2", "comp_3"], "LIKE": ["like_1", "like_2", "like_3"], "CUSA": ["cusa"],
               "SC": ["switch_1", "switch_2", "switch_3", "switch_4"], "CUSL": ["cusl_1", "cusl_2", "cusl_3"]}
MAIN_SYNTAX = ("COMP =~ comp_1 + comp_2 + comp_3\nLIKE =~ like_1 + like_2 + like_3\nCUSA =~ cusa\n"
               "SC =~ switch_1 + switch_2 + switch_3 + switch_4\nCUSL =~ cusl_1 + cusl_2 + cusl_3\n"
               "CUSA ~ COMP + LIKE\nCUSL ~ CUSA + SC\n")
MOD_SYNTAX = MAIN_SYNTAX.replace("CUSL ~ CUSA + SC\n", "CUSL ~ CUSA + SC + CUSA:SC\n")
HOC_SYNTAX = ("COMP =~ comp_1 + comp_2 + comp_3\nLIKE =~ like_1 + like_2 + like_3\nCUSA =~ cusa\n"
              "CUSL =~ cusl_1 + cusl_2 + cusl_3\nREP =~ COMP + LIKE\nCUSA ~ REP\nCUSL ~ REP + CUSA\n")


def corp_complete(n: int) -> pd.DataFrame:
    df = pd.read_csv(REFDIR / "pls_corp_rep_full.csv").replace(-99, np.nan)
    items = [i for v in CORP_BLOCKS.values() for i in v]
    return df[items].dropna().iloc[:n].astype(float).reset_index(drop=True)


def test_ordinary_model_fold_by_fold_equals_stacked():
    d = data("corp_simple")
    m = REF["corp_simple"]["syntax"]
    a = pls_predict(m, d, folds=5, repetitions=3, seed=3)
    b = pls_predict(m, d, folds=5, repetitions=3, seed=3, extended=True)
    num = a.table.select_dtypes("number").columns
    np.testing.assert_allclose(b.table[num].to_numpy(), a.table[num].to_numpy(), rtol=1e-12, atol=1e-12)
    assert a.verdict == b.verdict and list(a.table["indicator"]) == list(b.table["indicator"])


def _second_stage(fit, x_aug: np.ndarray, product: str | None, exo: list[str]):
    """By hand: the DA and EA item predictions of the rows ``x_aug`` (columns fit.spec.items) from the training
    fit's means, sds, weights, loadings and (standardized) paths."""
    cons = list(fit.spec.constructs)
    B = fit.paths.to_numpy().copy()
    if product is not None:                      # the reported path is Henseler-Chin adjusted: undo it
        B[:, cons.index(product)] *= float(fit.sds[product])
    S = ((x_aug - fit.means.to_numpy()) / fit.sds.to_numpy()) @ fit.weights.to_numpy()
    da = S @ B.T
    ea = S.copy()
    endo = [c for c in ("CUSA", "CUSL")]
    for c in endo:
        ea[:, cons.index(c)] = 0.0
    for c in endo:
        ea[:, cons.index(c)] = ea @ B[cons.index(c)]
    out = {}
    for t, P in (("DA", da), ("EA", ea)):
        cols = []
        for c in endo:
            for it in fit.spec.blocks[c]:
                cols.append(P[:, cons.index(c)] * fit.loadings.loc[it, c] * fit.sds[it] + fit.means[it])
        out[t] = np.column_stack(cols)
    return out


def _lm(Xtr, ytr, Xte):
    A = np.column_stack([np.ones(len(Xtr)), Xtr])
    beta = np.linalg.lstsq(A, ytr, rcond=None)[0]
    return np.column_stack([np.ones(len(Xte)), Xte]) @ beta


def _loop(syntax: str, d: pd.DataFrame, held_out_columns, lm_predictors):
    """Leave-one-out by hand: pls_fit on each training set, the held-out row's generated columns by
    ``held_out_columns(fit, train, row)``, predictions by :func:`_second_stage`, the LM by OLS."""
    endo_items = ["cusa", "cusl_1", "cusl_2", "cusl_3"]
    n = len(d)
    pls_, lm_ = {"DA": np.zeros((n, 4)), "EA": np.zeros((n, 4))}, {"DA": np.zeros((n, 4)), "EA": np.zeros((n, 4))}
    for i in range(n):
        train = d.drop(index=i).reset_index(drop=True)
        row = d.iloc[[i]]
        fit = pls.pls_fit(syntax, train)
        gen = held_out_columns(fit, train, row)
        x_aug = np.array([[row.iloc[0][c] if c in row.columns else gen[c] for c in fit.spec.items]])
        pr = _second_stage(fit, x_aug, "CUSA:SC" if "CUSA:SC" in fit.spec.constructs else None,
                           [c for c in fit.spec.constructs if not fit.spec.predecessors(c)])
        gen_cols = [c for c in fit.spec.items if c not in train.columns]
        tr_aug = pd.concat([train, pd.DataFrame(fit.X, columns=list(fit.spec.items))[gen_cols]], axis=1)
        te_aug = pd.concat([row.reset_index(drop=True), pd.DataFrame(x_aug, columns=list(fit.spec.items))[gen_cols]],
                           axis=1)
        for t in ("DA", "EA"):
            pls_[t][i] = pr[t][0]
            for j, it in enumerate(endo_items):
                cols = lm_predictors[t]["CUSA" if it == "cusa" else "CUSL"]
                lm_[t][i, j] = _lm(tr_aug[cols].to_numpy(), train[it].to_numpy(), te_aug[cols].to_numpy())[0]
    return pls_, lm_


def _compare(r, pls_, lm_):
    for t in ("DA", "EA"):
        assert r.predictions["items"] == ["cusa", "cusl_1", "cusl_2", "cusl_3"]
        np.testing.assert_allclose(r.predictions[t]["pls"][0], pls_[t], atol=1e-6)
        np.testing.assert_allclose(r.predictions[t]["lm"][0], lm_[t], atol=1e-8)


def test_moderation_leave_one_out_equals_a_loop():
    d = corp_complete(60)

    def held_out(fit, train, row):
        main = pls.pls_fit(MAIN_SYNTAX, train)          # the first stage of the two-stage approach
        items = list(main.spec.items)
        z = (row[items].to_numpy() - main.means[items].to_numpy()) / main.sds[items].to_numpy()
        s = z @ main.weights.loc[items].to_numpy()
        cons = list(main.spec.constructs)
        return {"CUSA:SC": float(s[0, cons.index("CUSA")] * s[0, cons.index("SC")])}

    comp_like = CORP_BLOCKS["COMP"] + CORP_BLOCKS["LIKE"]
    lm = {"DA": {"CUSA": comp_like, "CUSL": ["cusa"] + CORP_BLOCKS["SC"] + ["CUSA:SC"]},
          "EA": {"CUSA": comp_like + CORP_BLOCKS["SC"] + ["CUSA:SC"],       # every exogenous construct
                 "CUSL": comp_like + CORP_BLOCKS["SC"] + ["CUSA:SC"]}}
    pls_, lm_ = _loop(MOD_SYNTAX, d, held_out, lm)
    _compare(pls_predict(MOD_SYNTAX, d, folds="loo"), pls_, lm_)


def test_higher_order_leave_one_out_equals_a_loop():
    d = corp_complete(60)[[i for c in ("COMP", "LIKE", "CUSA", "CUSL") for i in CORP_BLOCKS[c]]]

    def held_out(fit, train, row):
        first = fit.first_stage                         # disjoint two-stage: the dimensions' scores, item units
        out = {}
        for dim in ("COMP", "LIKE"):
            its = CORP_BLOCKS[dim]
            u = first.weights.loc[its, dim].to_numpy() / first.sds[its].to_numpy()
            out[dim] = float(row[its].to_numpy()[0] @ (u / u.sum()))
        return out

    comp_like = CORP_BLOCKS["COMP"] + CORP_BLOCKS["LIKE"]
    pls_, lm_ = _loop(HOC_SYNTAX, d, held_out, {"DA": {"CUSA": comp_like, "CUSL": comp_like + ["cusa"]},
                                                 "EA": {"CUSA": comp_like, "CUSL": comp_like}})
    r = pls_predict(HOC_SYNTAX, d, folds="loo")
    _compare(r, pls_, lm_)
    assert set(r.table["indicator"]) == {"cusa", "cusl_1", "cusl_2", "cusl_3"}


def test_moderation_leave_one_out_equals_seminr():
    """seminr 0.2.1's predict_pls on the product-indicator moderation (its path convention: the reported, adjusted
    product path on the standardized product score, ``product_paths="adjusted"``).  Its EA benchmark regresses
    on product columns standardized on the whole sample (not the training rows), so the EA LM figures are not
    compared; the DA LM's predictors include the product's own items, which makes it invariant to that."""
    d = corp_complete(EXT_REF["n"])
    r = pls_predict(EXT_REF["syntax"], d, folds="loo", interaction="product_indicator", product_paths="adjusted")
    for t in ("DA", "EA"):
        tab = r.table[r.table["technique"] == t].set_index("indicator")
        for part, (rmse, mae) in PARTS.items():
            if t == "EA" and part.startswith("lm"):
                continue
            for item, v in EXT_REF[f"loo_{t}"][part].items():
                assert tab.loc[item, rmse] == pytest.approx(v["rmse"], abs=1e-6), (t, part, item)
                assert tab.loc[item, mae] == pytest.approx(v["mae"], abs=1e-6), (t, part, item)


def test_extended_kfold_runs_and_is_seeded():
    d = corp_complete(120)
    a = pls_predict(MOD_SYNTAX, d, folds=5, repetitions=2, seed=5)
    b = pls_predict(MOD_SYNTAX, d, folds=5, repetitions=2, seed=5)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert np.isfinite(a.table.select_dtypes("number").to_numpy()).all()
    with pytest.raises(ValueError, match="product_paths"):
        pls_predict(MOD_SYNTAX, d, product_paths="raw")


@pytest.mark.parametrize("syntax,opts", [
    (MOD_SYNTAX, {"interaction": "orthogonal"}), (MOD_SYNTAX, {"interaction": "product_indicator"}),
    (MOD_SYNTAX, {"consistent": True}), (HOC_SYNTAX, {"higher_order": "embedded"}),
    (HOC_SYNTAX, {"higher_order": "repeated"})])
def test_extended_variants_run(syntax, opts):
    cols = [i for c in CORP_BLOCKS for i in CORP_BLOCKS[c] if c != "SC" or "SC" in syntax]
    r = pls_predict(syntax, corp_complete(120)[cols], folds=4, repetitions=1, **opts)
    assert np.isfinite(r.table.select_dtypes("number").to_numpy()).all()
    assert {"cusa", "cusl_1", "cusl_2", "cusl_3"} <= set(r.table["indicator"])
    assert not any(i.startswith("REP") or ":" in i for i in r.table["indicator"])
