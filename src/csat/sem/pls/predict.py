"""PLSpredict: the out-of-sample predictive power of a PLS path model (Shmueli, Ray, Velasquez Estrada &
Chatla 2016; Shmueli, Sarstedt, Hair, Cheah, Ting, Vaithilingam & Ringle 2019, *Eur. J. Marketing* 53,
2322–2347), as seminr's ``predict_pls`` and SmartPLS's PLSpredict compute it.

The rows (after the missing-data rule of the model) are shuffled and cut into k folds (R's
``cut(seq_len(n), breaks = k)`` on the shuffled order, as seminr; ``folds="loo"``: leave-one-out, n
folds).  For each fold the model is re-estimated on the other k − 1 folds (standardized with *their*
means and sds) and the held-out rows are predicted:

* construct scores ``Y = Z W`` from the held-out indicators standardized by the training means/sds;
* **direct antecedents** (``DA``, seminr's ``predict_DA``): every endogenous construct is predicted from
  its predecessors' scores, ``Ŷ_j = Σᵢ β_ji Y_i``;  **earliest antecedents** (``EA``, ``predict_EA``):
  only the exogenous constructs' scores are used and the predictions are propagated through the paths;
* the indicators of an endogenous construct: ``x̂ = λ Ŷ · sd + mean`` (training loadings, sds, means);
* the **linear-model benchmark** (``LM``): each endogenous indicator regressed (OLS with intercept, on
  the training rows) on the indicators of the construct's direct antecedents (``DA``) or of all
  exogenous constructs (``EA``, Shmueli et al.'s benchmark).

Per indicator: RMSE and MAE of the out-of-sample prediction errors of PLS and LM, ``Q²predict = 1 −
Σ(x − x̂_PLS)² / Σ(x − x̄_train)²`` (the naive benchmark predicts each held-out row by its training
fold's mean), and the in-sample figures (each row's predictions averaged over the k − 1 folds it
was trained in, as seminr).  With repetitions the cross-validation is repeated on new shuffles and
every figure is the mean over the repetitions.

The verdict (Shmueli et al. 2019, p. 2334): on the indicators of the target construct(s), ``none``
when some ``Q²predict ≤ 0`` (no predictive relevance) or when PLS has the larger error for every
indicator; otherwise ``low`` (PLS smaller for a minority), ``medium`` (a majority or half) or ``high``
(all).

All folds are estimated at once on the stack of their training correlation matrices
(:func:`csat.sem.pls.fit_weights`), their moments from one matrix product
(:func:`csat.sem.pls.mga.subset_moments`); the shuffles come from ``default_rng(seed)``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from csat.core.diagnostics import diagnostic
from csat.sem.pls.estimate import fit_weights, pls_fit, solution
from csat.sem.pls.mga import subset_moments
from csat.sem.pls.model import PLSSpec, pls_spec

__all__ = ["PLSPredict", "pls_predict", "cut_folds", "predictive_power", "PREDICT_COLUMNS", "TECHNIQUES",
           "VERDICTS"]

PREDICT_COLUMNS = ["indicator", "construct", "technique", "rmse.pls", "mae.pls", "rmse.lm", "mae.lm", "q2.predict",
                   "rmse.pls.insample", "mae.pls.insample", "rmse.lm.insample", "mae.lm.insample", "target"]
TECHNIQUES = ("DA", "EA")
VERDICTS = ("none", "low", "medium", "high")


def cut_folds(n: int, k: int) -> np.ndarray:
    """The 0-based fold of each position 0…n−1, as R's ``cut(seq_len(n), breaks = k)`` (seminr's
    folds: contiguous blocks of nearly equal size).

    >>> cut_folds(10, 3).tolist()
    [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]
    """
    if k == n:
        return np.arange(n)
    fuzz = (n - 1) / 1000
    breaks = 1 + np.arange(k + 1) * (n - 1) / k
    breaks[0], breaks[k] = 1 - fuzz, n + fuzz
    pos = np.arange(1, n + 1)
    return np.searchsorted(breaks, pos, side="left") - 1


@dataclass
class PLSPredict:
    """PLSpredict results: ``table`` (:data:`PREDICT_COLUMNS`, ``pls_predict.csv``: one row per
    endogenous indicator and technique; ``target`` marks the indicators the verdict is about),
    ``verdict`` (:data:`VERDICTS`), the technique and error metric it used, the targets, and the
    settings (``folds`` is the number of folds, n for leave-one-out)."""

    table: pd.DataFrame
    verdict: str
    verdict_technique: str
    metric: str
    targets: list
    folds: int
    repetitions: int
    seed: int
    n: int
    loo: bool
    predictions: dict = field(default_factory=dict)
    diagnostics: list = field(default_factory=list)

    def counts(self) -> dict:
        t = self.table[(self.table["technique"] == self.verdict_technique) & self.table["target"]]
        m = self.metric
        return {"n_indicators": int(len(t)), "n_pls_better": int(np.sum(t[f"{m}.pls"] < t[f"{m}.lm"])),
                "n_q2_positive": int(np.sum(t["q2.predict"] > 0))}


def predictive_power(q2: np.ndarray, err_pls: np.ndarray, err_lm: np.ndarray) -> str:
    """Shmueli et al.'s (2019) verdict from the target indicators' ``Q²predict`` and PLS/LM errors.

    >>> predictive_power(np.array([.3, .2]), np.array([1.0, 1.1]), np.array([1.2, 1.0]))
    'medium'
    """
    q2, a, b = (np.asarray(v, float) for v in (q2, err_pls, err_lm))
    if len(q2) == 0 or np.any(~(q2 > 0)):
        return "none"
    better = int(np.sum(a < b))
    if better == 0:
        return "none"
    if better == len(a):
        return "high"
    return "medium" if 2 * better >= len(a) else "low"


def _order(spec: PLSSpec) -> list[str]:
    """Endogenous constructs in an order where every construct follows its predecessors."""
    done = {c for c in spec.constructs if not spec.predecessors(c)}
    out, pending = [], list(spec.endogenous)
    while pending:
        for c in list(pending):
            if all(a in done for a in spec.predecessors(c)):
                out.append(c)
                done.add(c)
                pending.remove(c)
                break
        else:
            raise ValueError("PLSpredict: the structural model has a cycle")
    return out


def pls_predict(model: str | PLSSpec, data: pd.DataFrame, folds: int | str = 10, repetitions: int = 10,
                seed: int = 2024, missing: str = "mean", techniques: tuple[str, ...] = TECHNIQUES,
                verdict_technique: str = "EA", metric: str = "rmse", targets: list[str] | None = None,
                orderings: np.ndarray | None = None, tol: float = 1e-7, max_iter: int = 300,
                chunk_cells: int = 20_000_000) -> PLSPredict:
    """PLSpredict of a PLS path model (see the module docstring).

    ``folds``: the number of folds k (2 ≤ k ≤ n) or ``"loo"`` (leave-one-out; one repetition, no
    randomness).  ``orderings`` (``repetitions × n`` row orders) replaces the seeded shuffles (seminr's
    ``ordering``).  ``targets``: the constructs whose indicators the verdict is about (default: the
    endogenous constructs that predict no other construct); ``metric``: ``rmse`` or ``mae`` (Shmueli et
    al. advise MAE when the prediction errors are highly asymmetric).  Folds are re-estimated from unit
    weights, as seminr does.
    """
    spec = model if isinstance(model, PLSSpec) else pls_spec(model)
    if metric not in ("rmse", "mae"):
        raise ValueError(f"PLSpredict metric must be rmse or mae, not {metric!r}")
    bad = [t for t in (*techniques, verdict_technique) if t not in TECHNIQUES]
    if bad:
        raise ValueError(f"PLSpredict techniques must be among {TECHNIQUES}, not {bad}")
    res = pls_fit(spec, data, missing=missing, tol=tol, max_iter=max_iter)
    X, n = res.X, res.n
    loo = isinstance(folds, str)
    if loo and folds.lower() != "loo":
        raise ValueError(f"PLSpredict folds must be a number or 'loo', not {folds!r}")
    k = n if loo else int(folds)
    if not 2 <= k <= n:
        raise ValueError(f"PLSpredict: the number of folds must be between 2 and {n} (got {k})")
    reps = 1 if loo else int(repetitions)
    if orderings is not None:
        orders = np.asarray(orderings, dtype=np.int64).reshape(-1, n)
        reps = len(orders)
    elif loo:
        orders = np.arange(n)[None]
    else:
        rng = np.random.default_rng(seed)
        orders = np.stack([rng.permutation(n) for _ in range(reps)])
    cut = cut_folds(n, k)
    fold_of = np.empty((reps, n), dtype=np.int64)           # fold (0..k-1) of row i in repetition r
    for r in range(reps):
        fold_of[r, orders[r]] = cut
    T = reps * k
    cons, items = list(spec.constructs), spec.items
    endo = _order(spec)
    exo = [c for c in cons if not spec.predecessors(c)]
    ci = {c: cons.index(c) for c in cons}
    endo_items = [(c, it) for c in endo for it in spec.blocks[c]]
    yi = np.array([items.index(it) for _, it in endo_items])
    yc = np.array([ci[c] for c, _ in endo_items])
    Y = X[:, yi]
    q = len(yi)
    # accumulators: out-of-sample predictions (reps, n, q) and in-sample sums, per technique (+ LM, naive)
    oos = {t: np.zeros((reps, n, q)) for t in techniques}
    ins = {t: np.zeros((reps, n, q)) for t in techniques}
    lm_oos = {t: np.zeros((reps, n, q)) for t in techniques}
    lm_ins = {t: np.zeros((reps, n, q)) for t in techniques}
    naive = np.zeros((reps, n, q))
    A = np.column_stack([np.ones(n), X])                    # the LM design: intercept + every item
    lm_cols = {}
    for t in techniques:
        for c in endo:
            src = spec.predecessors(c) if t == "DA" else exo
            lm_cols[(t, c)] = np.array([0] + [1 + items.index(it) for a in src for it in spec.blocks[a]])
    step = max(1, int(chunk_cells // max(1, n * (len(items) + 3 * q))))
    n_fail = 0
    for s in range(0, T, step):
        tt = np.arange(s, min(T, s + step))
        rr, ff = tt // k, tt % k
        test = fold_of[rr] == ff[:, None]                     # (b, n)
        M = (~test).astype(float)
        mean, sd, R = subset_moments(X, M)
        W, _, ok = fit_weights(R, spec, None, tol, max_iter)
        n_fail += int(np.sum(~ok))
        sol = solution(R, W, spec)
        Bm, L = sol["B"], sol["L"]
        Z = (X[None] - mean[:, None, :]) / sd[:, None, :]
        S = Z @ W                                             # (b, n, k) scores
        lam = L[:, yi, yc] * sd[:, yi]                        # (b, q)
        preds = {}
        if "DA" in techniques:
            P = np.einsum("bnf,btf->bnt", S, Bm)
            preds["DA"] = P
        if "EA" in techniques:
            P = S.copy()
            for c in endo:
                P[..., ci[c]] = 0.0
            for c in endo:
                j = ci[c]
                P[..., j] = np.einsum("bnf,bf->bn", P, Bm[:, j, :])
            preds["EA"] = P
        base = mean[:, yi]                                    # (b, q)
        for t in techniques:
            xh = preds[t][..., yc] * lam[:, None, :] + base[:, None, :]     # (b, n, q)
            lmh = np.empty_like(xh)
            for c in endo:
                cols = lm_cols[(t, c)]
                sel = np.flatnonzero(yc == ci[c])
                Ac = A[:, cols]
                G = np.einsum("bn,ni,nj->bij", M, Ac, Ac)
                rhs = np.einsum("bn,ni,nj->bij", M, Ac, Y[:, sel])
                beta = np.linalg.solve(G, rhs)                # (b, cols, |sel|)
                lmh[..., sel] = Ac[None] @ beta
            for b_, (r, f) in enumerate(zip(rr, ff)):
                te = test[b_]
                oos[t][r, te] = xh[b_, te]
                lm_oos[t][r, te] = lmh[b_, te]
                ins[t][r, ~te] += xh[b_, ~te]
                lm_ins[t][r, ~te] += lmh[b_, ~te]
        for b_, (r, f) in enumerate(zip(rr, ff)):
            naive[r, test[b_]] = base[b_]
    diags = []
    if n_fail:
        diags.append(diagnostic("pls_predict_not_converged", "warning", "PLSpredict",
                                "{n_fail} of {n_folds} training samples did not converge; their predictions "
                                "are less reliable", n_fail=n_fail, n_folds=T))

    def rmse(e):
        return np.sqrt(np.mean(e ** 2, axis=1)).mean(axis=0)

    def mae(e):
        return np.mean(np.abs(e), axis=1).mean(axis=0)

    if targets is None:
        targets = [c for c in endo if not any(a == c for a, _ in spec.paths)]
    unknown = [c for c in targets if c not in endo]
    if unknown:
        raise ValueError(f"PLSpredict targets must be endogenous constructs, not {unknown}")
    rows = []
    sse_naive = np.sum((Y[None] - naive) ** 2, axis=1)       # (reps, q)
    for t in techniques:
        e, el = Y[None] - oos[t], Y[None] - lm_oos[t]
        ei, eli = Y[None] - ins[t] / (k - 1), Y[None] - lm_ins[t] / (k - 1)
        q2 = (1 - np.sum(e ** 2, axis=1) / sse_naive).mean(axis=0)
        figs = [rmse(e), mae(e), rmse(el), mae(el), q2, rmse(ei), mae(ei), rmse(eli), mae(eli)]
        for i, (c, it) in enumerate(endo_items):
            rows.append([it, c, t] + [float(v[i]) for v in figs] + [c in targets])
    table = pd.DataFrame(rows, columns=PREDICT_COLUMNS)
    vt = table[(table["technique"] == verdict_technique) & table["target"]] if verdict_technique in techniques \
        else table.iloc[:0]
    verdict = predictive_power(vt["q2.predict"].to_numpy(), vt[f"{metric}.pls"].to_numpy(),
                               vt[f"{metric}.lm"].to_numpy())
    preds = {t: {"pls": oos[t], "lm": lm_oos[t], "pls.insample": ins[t] / (k - 1),
                 "lm.insample": lm_ins[t] / (k - 1)} for t in techniques}
    preds["items"] = [it for _, it in endo_items]
    return PLSPredict(table=table, verdict=verdict, verdict_technique=verdict_technique, metric=metric,
                      targets=list(targets), folds=k, repetitions=reps, seed=int(seed), n=n, loo=loo,
                      predictions=preds, diagnostics=diags)
