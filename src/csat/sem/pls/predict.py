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

**Extended models** (a higher-order construct, a product term ``X:Z``; :func:`csat.sem.pls.pls_fit`):
every training set is estimated as the whole sample is, first stage(s) and second stage, by
:func:`csat.sem.pls.pls_fit` on the training rows alone.  The held-out rows' generated columns are made
with the training fit's parameters: the first-stage construct scores with the training weights, means
and sds (for the higher-order dimensions on the items' scale, as the training fit makes them), the
product terms from those scores (two-stage) or from the items standardized by the training means/sds
(product indicators; orthogonalized with the training regression).  The second stage then predicts as
above with the training weights, means/sds, composite paths (the product terms' paths unadjusted, i.e.
on the standardized product column the training fit used) and loadings.  Only the endogenous constructs
measured by manifest items are predicted (a higher-order construct of the embedded/repeated approach,
measured by copies of its dimensions' items, is a predictor only).  The LM benchmark's predictors are
the manifest items of the antecedent constructs (a higher-order construct: its dimensions' items) and,
for a product term, its generated column(s) as the training fit built them (the two-stage product of
scores, or the product indicators): the interaction is the benchmark's predictor as it is the model's.
``extended=True`` forces this fold-by-fold path on an ordinary model too (same numbers as the stacked
one).

All folds of an ordinary model are estimated at once on the stack of their training correlation matrices
(:func:`csat.sem.pls.fit_weights`), their moments from one matrix product
(:func:`csat.sem.pls.mga.subset_moments`); the shuffles come from ``default_rng(seed)``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from csat.core.diagnostics import diagnostic
from csat.sem.pls.estimate import fit_weights, moments, prepare_data, solution
from csat.sem.pls.extended import pls_fit
from csat.sem.pls.interaction import Columns, adjust_paths, FirstStageScores, ProductTerm
from csat.sem.pls.mga import subset_moments
from csat.sem.pls.model import PLSModel, PLSSpec, pls_model

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


def _stage_one(step: FirstStageScores, Xtr: np.ndarray, Xte: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first-stage scores of the training rows (as ``step`` makes them) and of the held-out rows with
    the training weights, means and sds."""
    Str = step(Xtr[None])[0]
    Xs = Xtr[:, step.cols]
    m, sd, R = moments(Xs[None])
    W = fit_weights(R, step.spec, step.W0, step.tol, step.max_iter)[0][0][:, step.take]
    Xe = Xte[:, step.cols]
    if step.raw_units:
        U = W / sd[0][:, None]
        return Str, Xe @ (U / U.sum(axis=0, keepdims=True))
    return Str, ((Xe - m[0]) / sd[0]) @ W


def _augment_split(steps, Xtr: np.ndarray, Xte: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every generated column of the training rows (as the training fit made them) and of the held-out rows
    (made with the training parameters), appended to the items in the order of ``steps``."""
    for step in steps:
        if isinstance(step, Columns):
            a, b = Xtr[:, step.cols], Xte[:, step.cols]
        elif isinstance(step, FirstStageScores):
            a, b = _stage_one(step, Xtr, Xte)
        elif isinstance(step, ProductTerm) and step.method == "two_stage":
            a, b = _stage_one(step.scores, Xtr, Xte)
            a, b = a[:, :1] * a[:, 1:2], b[:, :1] * b[:, 1:2]
        elif isinstance(step, ProductTerm):
            a = step(Xtr[None])[0]
            cols = step.iv + step.mod
            m, sd = Xtr[:, cols].mean(axis=0), Xtr[:, cols].std(axis=0, ddof=1)
            z = (Xte[:, cols] - m) / sd
            ni = len(step.iv)
            b = (z[:, :ni, None] * z[:, None, ni:]).reshape(len(Xte), -1)
            if step.method == "orthogonal":
                zt = (Xtr[:, cols] - m) / sd
                P = (zt[:, :ni, None] * zt[:, None, ni:]).reshape(len(Xtr), -1)
                D = np.column_stack([np.ones(len(Xtr)), Xtr[:, cols]])
                beta = np.linalg.solve(D.T @ D, D.T @ P)
                b = b - np.column_stack([np.ones(len(Xte)), Xte[:, cols]]) @ beta
        else:
            raise TypeError(f"PLSpredict: unknown generated-column step {type(step).__name__}")
        Xtr, Xte = np.concatenate([Xtr, a], axis=1), np.concatenate([Xte, b], axis=1)
    return Xtr, Xte


def _lm_columns(decl: PLSModel, res, c: str) -> list[int]:
    """The LM benchmark's predictor columns (in the augmented frame) of the second-stage construct ``c``."""
    items = decl.items
    if c in decl.interactions:
        sel = res.augment.select
        return [sel[list(res.spec.items).index(it)] for it in res.spec.blocks[c]]
    cons = decl.hocs.get(c, (c,))
    return [items.index(it) for d in cons for it in decl.blocks[d]]


def _extended_folds(decl, res, data, missing, tol, max_iter, fit_opts, fold_of, k, techniques, endo, exo,
                    endo_items, oos, ins, lm_oos, lm_ins, naive, product_paths) -> int:
    """The fold-by-fold predictions of an extended model (module docstring), written into the accumulators;
    returns the number of training sets that did not converge or could not be estimated."""
    items = decl.items
    X0 = prepare_data(data, PLSSpec(("items",), {"items": tuple(items)}, {"items": "A"}, ()), missing)[0]
    spec = res.spec
    cons, sitems = list(spec.constructs), list(spec.items)
    ci = {c: cons.index(c) for c in cons}
    yi = np.array([sitems.index(it) for _, it in endo_items], dtype=np.int64)
    yc = np.array([ci[c] for c, _ in endo_items], dtype=np.int64)
    ym = np.array([items.index(it) for _, it in endo_items], dtype=np.int64)
    n_fail = 0
    for r in range(fold_of.shape[0]):
        for f in range(k):
            te = fold_of[r] == f
            tr = ~te
            try:
                fit = pls_fit(decl, pd.DataFrame(X0[tr], columns=items), missing, tol, max_iter, **fit_opts)
            except (ValueError, np.linalg.LinAlgError):
                n_fail += 1
                for t in techniques:
                    for acc in (oos, lm_oos):
                        acc[t][r, te] = np.nan
                naive[r, te] = np.nan
                continue
            n_fail += int(not fit.converged)
            steps = fit.augment.steps if fit.augment is not None else []
            sel = fit.augment.select if fit.augment is not None else [items.index(i) for i in sitems]
            Atr, Ate = _augment_split(steps, X0[tr], X0[te])
            m, sd, R = moments(Atr[:, sel][None])
            W = fit.weights.to_numpy()[None]
            sol = solution(R, W, spec)
            if product_paths == "adjusted":
                sol = adjust_paths(sol, sd, spec, tuple(decl.interactions))
            Bm, L = sol["B"][0], sol["L"][0]
            m, sd = m[0], sd[0]
            lam = L[yi, yc] * sd[yi]

            def predict(A):
                S = ((A[:, sel] - m) / sd) @ W[0]
                out = {}
                if "DA" in techniques:
                    out["DA"] = S @ Bm.T
                if "EA" in techniques:
                    P = S.copy()
                    for c in endo:
                        P[:, ci[c]] = 0.0
                    for c in endo:
                        P[:, ci[c]] = P @ Bm[ci[c], :]
                    out["EA"] = P
                return {t: v[:, yc] * lam + m[yi] for t, v in out.items()}

            p_tr, p_te = predict(Atr), predict(Ate)
            Ytr = X0[tr][:, ym]
            for t in techniques:
                oos[t][r, te] = p_te[t]
                ins[t][r, tr] += p_tr[t]
                for c in endo:
                    sel_c = np.flatnonzero(yc == ci[c])
                    if not len(sel_c):
                        continue
                    src = spec.predecessors(c) if t == "DA" else exo
                    cols = list(dict.fromkeys(j for a in src for j in _lm_columns(decl, fit, a)))
                    Dtr = np.column_stack([np.ones(int(tr.sum())), Atr[:, cols]])
                    Dte = np.column_stack([np.ones(int(te.sum())), Ate[:, cols]])
                    beta = np.linalg.solve(Dtr.T @ Dtr, Dtr.T @ Ytr[:, sel_c])
                    lm_oos[t][r, np.flatnonzero(te)[:, None], sel_c[None]] = Dte @ beta
                    lm_ins[t][r, np.flatnonzero(tr)[:, None], sel_c[None]] += Dtr @ beta
            naive[r, te] = m[yi]
    return n_fail


def pls_predict(model: str | PLSSpec | PLSModel, data: pd.DataFrame, folds: int | str = 10, repetitions: int = 10,
                seed: int = 2024, missing: str = "mean", techniques: tuple[str, ...] = TECHNIQUES,
                verdict_technique: str = "EA", metric: str = "rmse", targets: list[str] | None = None,
                orderings: np.ndarray | None = None, tol: float = 1e-7, max_iter: int = 300,
                chunk_cells: int = 20_000_000, *, interaction: str = "two_stage",
                higher_order: str = "disjoint", consistent: bool = False,
                extended: bool | None = None, product_paths: str = "standardized") -> PLSPredict:
    """PLSpredict of a PLS path model (see the module docstring).

    ``folds``: the number of folds k (2 ≤ k ≤ n) or ``"loo"`` (leave-one-out; one repetition, no
    randomness).  ``orderings`` (``repetitions × n`` row orders) replaces the seeded shuffles (seminr's
    ``ordering``).  ``targets``: the constructs whose indicators the verdict is about (default: the
    endogenous constructs that predict no other construct); ``metric``: ``rmse`` or ``mae`` (Shmueli et
    al. advise MAE when the prediction errors are highly asymmetric).  Folds are re-estimated from unit
    weights, as seminr does.  ``interaction``, ``higher_order``, ``consistent``: the options of
    :func:`csat.sem.pls.pls_fit` for an extended model; ``extended`` (default: when the model has a
    higher-order construct or a product term) predicts fold by fold with the extended estimator.
    ``product_paths``: ``standardized`` (default) predicts with the product terms' paths on the standardized
    product scores the second stage regressed on; ``adjusted`` with the reported (Henseler–Chin adjusted) paths
    on those same scores, as seminr's ``predict_pls`` does (a unit mismatch, kept only to compare with seminr).
    """
    if isinstance(model, PLSSpec):
        decl = PLSModel(model.constructs, dict(model.blocks), dict(model.modes), {}, {}, model.paths)
    else:
        decl = model if isinstance(model, PLSModel) else pls_model(model)
    if product_paths not in ("standardized", "adjusted"):
        raise ValueError(f"PLSpredict product_paths must be standardized or adjusted, not {product_paths!r}")
    if extended is None:
        extended = not decl.plain
    fit_opts = {"interaction": interaction, "higher_order": higher_order, "consistent": consistent}
    if metric not in ("rmse", "mae"):
        raise ValueError(f"PLSpredict metric must be rmse or mae, not {metric!r}")
    bad = [t for t in (*techniques, verdict_technique) if t not in TECHNIQUES]
    if bad:
        raise ValueError(f"PLSpredict techniques must be among {TECHNIQUES}, not {bad}")
    res = pls_fit(decl, data, missing=missing, tol=tol, max_iter=max_iter, **fit_opts)
    spec = res.spec
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
    manifest = set(decl.items)
    endo_items = [(c, it) for c in endo if c not in decl.hocs and all(i in manifest for i in spec.blocks[c])
                  for it in spec.blocks[c]]
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
    n_fail = 0
    if extended:
        n_fail = _extended_folds(decl, res, data, missing, tol, max_iter, fit_opts, fold_of, k, techniques, endo,
                                 exo, endo_items, oos, ins, lm_oos, lm_ins, naive, product_paths)
    else:
        step = max(1, int(chunk_cells // max(1, n * (len(items) + 3 * q))))
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
