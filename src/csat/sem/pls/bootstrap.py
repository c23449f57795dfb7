"""Percentile bootstrap of a fitted PLS model (as seminr's ``bootstrap_model``): every resample is
re-estimated on its correlation matrix, a stack of resamples at once, warm-started from the full-sample
weights.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd
from scipy import stats

from csat.core.diagnostics import Diagnostic, diagnostic
from csat.sem.pls.estimate import (ESTIMATE_COLUMNS, PLSResult, effects, fit_weights, mean_replace, moments,
                                   solution)
from csat.sem.pls.index import csi_index, index_values, ipma_importance, rescaled_sd
from csat.sem.pls.assessment import htmt_pairs
from csat.sem.pls.consistent import plsc
from csat.sem.pls.interaction import adjust_paths

__all__ = ["PLSBootstrap", "bootstrap_pls", "percentile_interval", "bootstrap_diagnostics"]


class _PLSStat:
    """Picklable bootstrap statistic over a chunk of resamples: all resamples of the chunk are
    estimated at once on their stacked correlation matrices (warm-started)."""

    def __init__(self, res: PLSResult, scale_min, scale_max, target, pairs, chunk: int = 200):
        self.spec, self.X, self.W0 = res.spec, res.raw, res.weights.to_numpy()
        self.lo, self.hi, self.target, self.pairs = scale_min, scale_max, target, pairs
        self.tol, self.max_iter, self.chunk = res.tol, res.max_iter, chunk
        # the extensions (csat.sem.pls.extended): generated columns re-built in each resample, PLSc, product terms
        self.augment, self.consistent, self.exempt = res.augment, res.consistent, res.exempt
        self.keep = res.options.get("keep_loadings", ())

    def _block(self, ix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        X = mean_replace(self.X[ix])
        if self.augment is not None:
            X = self.augment(X)
        m, sd, R = moments(X)
        good = np.isfinite(R).all(axis=(1, 2))
        Rg = np.where(good[:, None, None], R, np.eye(R.shape[-1])[None])
        W, iters, ok = fit_weights(Rg, self.spec, self.W0, self.tol, self.max_iter)
        sol = solution(Rg, W, self.spec)
        if self.consistent:
            sol = plsc(Rg, W, self.spec, sol, self.exempt, self.keep)
        if self.exempt and not self.consistent:
            sol = adjust_paths(sol, sd, self.spec, self.exempt)
        return self._vector(W, sol, m, sd, Rg), np.where(good & ok, "ok", "failed")

    def values(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Statistics (b × width) and status (``ok``/``failed``) of the resamples ``idx`` (b × n)."""
        if len(idx) == 0:                      # no resamples: an empty block of the right width
            v, _ = self._block(np.arange(len(self.X))[None])
            return v[:0], np.array([], dtype="<U6")
        out, status = [], []
        for s in range(0, len(idx), self.chunk):
            ix = idx[s:s + self.chunk]
            try:
                v, st = self._block(ix)
            except np.linalg.LinAlgError:      # a singular matrix in some resample: one at a time
                width = self._block(np.arange(len(self.X))[None])[0].shape[1]
                v, st = np.full((len(ix), width), np.nan), np.array(["failed"] * len(ix), dtype="<U6")
                for r in range(len(ix)):
                    try:
                        v[r], st[r] = (x[0] for x in self._block(ix[r:r + 1]))
                    except np.linalg.LinAlgError:
                        pass
            out.append(v)
            status.append(st)
        return np.concatenate(out), np.concatenate(status)

    def _vector(self, W, sol, m, sd, R) -> np.ndarray:
        spec = self.spec
        cons, items = list(spec.constructs), spec.items
        sl = [(items.index(i), cons.index(c)) for c in cons for i in spec.blocks[c]]
        pi = np.array([cons.index(b) for a, b in spec.paths]), np.array([cons.index(a) for a, b in spec.paths])
        r_i, r_j = np.array([p[0] for p in sl]), np.array([p[1] for p in sl])
        endo = [cons.index(c) for c in spec.endogenous]
        to = np.array([p[0] for p in self.pairs], dtype=int)
        fr = np.array([p[1] for p in self.pairs], dtype=int)
        idxv = index_values(W, m, sd, spec.mask, self.lo, self.hi)
        parts = [sol["B"][:, pi[0], pi[1]], sol["L"][:, r_i, r_j], W[:, r_i, r_j], sol["r2"][:, endo],
                 sol["B"][:, to, fr], (sol["total"] - sol["B"])[:, to, fr], sol["total"][:, to, fr], idxv]
        if self.target is not None:
            t = cons.index(self.target)
            s = rescaled_sd(W, R, sd, spec.mask, self.lo, self.hi)
            drivers = [j for j in range(len(cons)) if (to == t).any() and j in set(fr[to == t])]
            parts.append(sol["total"][:, t, drivers] * s[:, [t]] / s[:, drivers])
        parts.append(htmt_pairs(R, spec))
        return np.concatenate(parts, axis=1)

    def __call__(self, idx: np.ndarray):   # one resample (the generic runner's interface)
        v, st = self.values(np.asarray(idx)[None])
        return str(st[0]), v[0]


def _run_block(stat: _PLSStat, idx: np.ndarray):
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return stat.values(idx)


@dataclass
class PLSBootstrap:
    """Bootstrap of a PLS model: ``estimates`` (paths, loadings, weights with se, t, pvalue and
    the percentile interval), ``effects`` (as ``sem_effects.csv``), ``r2`` and ``index`` with
    intervals, ``ipma`` importances with intervals, ``htmt`` (``lhs, rhs, htmt, ci.lower, ci.upper``;
    Henseler et al. 2015's inference: the upper bound below 1, or .85, supports discriminant
    validity); resample counts."""

    estimates: pd.DataFrame
    effects: pd.DataFrame
    r2: pd.DataFrame
    index: pd.DataFrame
    ipma: pd.DataFrame | None
    draws: np.ndarray
    names: list[str]
    status: np.ndarray
    seed: int
    workers: int
    htmt: pd.DataFrame | None = None

    def counts(self) -> dict:
        return {"n_requested": int(len(self.status)), "n_ok": int(np.sum(self.status == "ok")),
                "n_failed": int(np.sum(self.status != "ok")), "seed": self.seed, "workers": self.workers}


def percentile_interval(draws: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval of each column as seminr reports it: R's ``quantile`` (type 7, linear
    interpolation) at (1 − level)/2 and (1 + level)/2."""
    if len(draws) == 0:
        nan = np.full(draws.shape[1], np.nan)
        return nan, nan.copy()
    q = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2], axis=0, method="linear")
    return q[0], q[1]


def bootstrap_pls(res: PLSResult, n_boot: int = 1000, seed: int = 2024, workers: int | None = None,
                  level: float = 0.95, scale: tuple[float, float] | None = None, target: str | None = None,
                  indices: np.ndarray | None = None, map_chunks: Callable | None = None) -> PLSBootstrap:
    """Percentile bootstrap of a PLS model (as seminr's ``bootstrap_model``; SmartPLS's default
    percentile intervals).

    Respondents (the rows the model was fitted on, with their missing answers) are resampled with
    replacement and, for ``missing="mean"``, each resample's missing answers are replaced by that
    resample's item means (as seminr's ``bootstrap_model``, which re-runs the estimation on the raw
    resample); all indices are drawn up front from ``numpy.random.default_rng(seed)`` so that
    the result does not depend on ``workers``.  Every resample is re-estimated warm-started from
    the full-sample weights; there is no sign correction (seminr's default).  A resample whose
    correlation matrix is undefined (an item without variance) or that does not converge is
    counted as failed and left out.  ``se`` is the sd of the draws (n − 1), ``t = est / se``,
    ``pvalue`` two-sided from the t distribution with ``n_ok − 1`` degrees of freedom, the
    interval R's type-7 quantiles.  ``scale = (min, max)`` adds the 0–100 indices and, with
    ``target``, the IPMA importances.  ``indices`` (``n_boot × n``) replaces the seeded draw.  ``map_chunks``
    (map-like: ``map_chunks(fn, *iterables)`` returns the results in order, e.g. a Dask client's map,
    :func:`csat.pipeline.cluster.bootstrap_options`) runs blocks of resamples elsewhere, e.g. on a cluster, over
    ``workers`` workers; the draws, and so the intervals, are those of a local run.
    """
    from csat.sem import effects as eff

    eff_tab = effects(res)
    cons = list(res.spec.constructs)
    pairs = [(cons.index(t), cons.index(f)) for f, t in zip(eff_tab["from"], eff_tab["to"])]
    lo, hi = scale if scale is not None else (0.0, 1.0)
    stat = _PLSStat(res, lo, hi, target if scale is not None else None, pairs)
    if indices is None:
        idx = eff.bootstrap_indices(res.n, n_boot, seed)
    else:
        idx = np.asarray(indices, dtype=np.int64)
        if idx.ndim != 2 or idx.shape[1] != res.n or idx.min() < 0 or idx.max() >= res.n:
            raise ValueError(f"indices must be an (n_boot × {res.n}) array of row positions")
    w = eff.default_workers() if workers is None else max(1, int(workers))
    if map_chunks is not None and len(idx) >= 2:
        splits = np.array_split(np.arange(len(idx)), min(len(idx), 4 * w))
        parts = list(map_chunks(_run_block, [stat] * len(splits), [idx[s] for s in splits]))
        vals = np.concatenate([p[0] for p in parts])
        status = np.concatenate([p[1] for p in parts])
    elif w == 1 or len(idx) < 2:
        vals, status = _run_block(stat, idx)
    else:
        from concurrent.futures import ProcessPoolExecutor

        splits = np.array_split(np.arange(len(idx)), w)
        with ProcessPoolExecutor(max_workers=w) as ex:
            parts = [f.result() for f in [ex.submit(_run_block, stat, idx[s]) for s in splits]]
        vals = np.concatenate([p[0] for p in parts])
        status = np.concatenate([p[1] for p in parts])
    ok = vals[status == "ok"]
    lo_ci, hi_ci = percentile_interval(ok, level)
    se = ok.std(axis=0, ddof=1) if len(ok) > 1 else np.full(vals.shape[1], np.nan)

    est = res.estimates()
    base = est["est"].to_numpy()
    npar = len(base)
    with np.errstate(invalid="ignore", divide="ignore"):
        tval = base / se[:npar]
    df = max(len(ok) - 1, 1)
    est["se"] = se[:npar]
    est["t"] = tval
    est["pvalue"] = 2 * stats.t.sf(np.abs(tval), df)
    est["ci.lower"], est["ci.upper"] = lo_ci[:npar], hi_ci[:npar]
    est = est[ESTIMATE_COLUMNS + ["mode"]]
    pos = npar
    endo = res.spec.endogenous
    r2 = res.r2.copy()
    r2["ci.lower"], r2["ci.upper"] = lo_ci[pos:pos + len(endo)], hi_ci[pos:pos + len(endo)]
    pos += len(endo)
    e = len(pairs)
    table = eff_tab.copy()
    for kind in ("direct", "indirect", "total"):
        for pre in ("", "std."):
            table[f"{pre}{kind}.ci.lower"] = lo_ci[pos:pos + e]
            table[f"{pre}{kind}.ci.upper"] = hi_ci[pos:pos + e]
        pos += e
    table = table[eff.EFFECT_COLUMNS + eff.CI_COLUMNS]
    k = len(cons)
    index = None
    ipma_tab = None
    if scale is not None:
        index = pd.DataFrame({"construct": cons, "index": csi_index(res, lo, hi).to_numpy(),
                              "ci.lower": lo_ci[pos:pos + k], "ci.upper": hi_ci[pos:pos + k]})
        pos += k
        if target is not None:
            ipma_tab = ipma_importance(res, target, lo, hi)
            t = cons.index(target)
            drivers = [j for j in range(k) if any(p == (t, j) for p in pairs)]
            m = len(drivers)
            ci = dict(zip([cons[j] for j in drivers], zip(lo_ci[pos:pos + m], hi_ci[pos:pos + m])))
            ipma_tab["ci.lower"] = [ci[f][0] for f in ipma_tab["from"]]
            ipma_tab["ci.upper"] = [ci[f][1] for f in ipma_tab["from"]]
            if res.exempt:                     # a product term has no performance (csat.sem.pls.interaction)
                ipma_tab = ipma_tab[~ipma_tab["from"].isin(res.exempt)].reset_index(drop=True)
        if res.exempt:
            index = index[~index["construct"].isin(res.exempt)].reset_index(drop=True)
    hp = [(cons[a], cons[b]) for a in range(k) for b in range(a + 1, k)]
    nh = len(hp)
    hv = htmt_pairs(res.R[None], res.spec)[0]
    htmt_tab = pd.DataFrame({"lhs": [a for a, _ in hp], "rhs": [b for _, b in hp], "htmt": hv,
                             "ci.lower": lo_ci[vals.shape[1] - nh:], "ci.upper": hi_ci[vals.shape[1] - nh:]})
    names = ([f"{r.lhs}{r.op}{r.rhs}" for r in est.itertuples()] + [f"r2|{c}" for c in endo] +
             [f"{kind}|{cons[f]}|{cons[t]}" for kind in ("direct", "indirect", "total") for t, f in pairs])
    return PLSBootstrap(est, table, r2, index, ipma_tab, vals, names, status, int(seed), w, htmt_tab)


def bootstrap_diagnostics(boot: PLSBootstrap) -> list[Diagnostic]:
    """``pls_bootstrap_failed`` when resamples failed; an error when under half are usable."""
    c = boot.counts()
    out = []
    if c["n_failed"]:
        out.append(diagnostic("pls_bootstrap_failed", "warning", "PLS bootstrap",
                              "{n_failed} of {n_requested} resamples failed (an item without variance "
                              "or no convergence); intervals use the other {n_ok}.",
                              n_failed=c["n_failed"], n_requested=c["n_requested"], n_ok=c["n_ok"]))
    if c["n_requested"] and c["n_ok"] < 0.5 * c["n_requested"]:
        out.append(diagnostic("pls_bootstrap_too_few", "error", "PLS bootstrap",
                              "only {n_ok} of {n_requested} resamples are usable",
                              n_ok=c["n_ok"], n_requested=c["n_requested"]))
    return out
