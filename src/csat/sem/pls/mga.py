"""Multi-group analysis of a PLS path model: group-specific estimates with bootstrap intervals, the
differences of the paths between groups (Henseler's PLS-MGA and the permutation test) and the
measurement invariance of composite models (MICOM) that must hold before the comparison.

* **Group estimates**: the model is re-estimated on each group's rows (the missing-data rule applied
  within the group, as seminr's ``estimate_pls_mga`` re-runs ``estimate_pls`` on each subset) and
  bootstrapped (percentile intervals, as :func:`csat.sem.pls.bootstrap_pls`).
* **Henseler's PLS-MGA** (Henseler, Ringle & Sinkovics 2009; seminr's ``estimate_pls_mga``): with the
  J bootstrap path estimates of both groups and their means μ₁, μ₂,
  ``p = 1 − J⁻² Σⱼ Σₖ Θ(2μ₁ − β₁ⱼ − 2μ₂ + β₂ₖ)`` (Θ the unit step) is seminr's one-sided p-value of
  θ₁ > θ₂; ``pvalue.henseler`` is its two-sided form ``2 min(p, 1 − p)`` (SmartPLS 4's "2-tailed").
* **Permutation test** (Chin & Dibbern 2010; SmartPLS's default): the pooled rows of the two groups
  are randomly re-split into groups of the same sizes P times and the model is re-estimated on both
  parts; ``pvalue.permutation`` is the share of permutations whose |difference| is at least the
  observed one.
* **MICOM** (Henseler, Ringle & Sarstedt 2016, *Int. Marketing Review* 33, 405–431), steps 1–3:
  (1) configural invariance: the same indicators, model and algorithm in every group (true by
  construction here; it fails only when a group cannot be estimated); (2) compositional invariance:
  ``c = cor(X w₁, X w₂)``, the correlation of each construct's scores on the pooled standardized
  data X with the weights estimated in each group, against the permutation distribution of c
  (invariance when c is not below its 5 % quantile; ``pvalue.c`` the share of permutations with a
  smaller c); (3) equal means and variances: the pooled model's construct scores (standardized on the
  pooled data), the difference of the group means and the log of the ratio of the group variances
  against their permutation distributions (equal when inside the 2.5 %–97.5 % range).  Steps 2 and 3
  met: full measurement invariance (groups may be pooled); step 2 only: partial invariance (the
  group paths may be compared); step 2 failed: no invariance (the comparison is not meaningful).

Every permutation and every bootstrap resample of a group is estimated at once on the stack of
their correlation matrices (:func:`csat.sem.pls.fit_weights`); for data without missing answers
the moments of all subsets come from one matrix product with their row counts
(:func:`subset_moments`).  Resamples and permutations come from seeded generators
(:class:`Permutations`), so the results are deterministic and do not depend on the number of worker
processes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd

from csat.core.diagnostics import diagnostic
from csat.sem.pls.bootstrap import percentile_interval
from csat.sem.pls.estimate import PLSResult, fit_weights, mean_replace, moments, pls_fit, solution
from csat.sem.pls.model import PLSSpec, pls_spec

__all__ = ["PLSMGA", "pls_mga", "henseler_p", "subset_moments", "counts_of", "stack_fit", "Permutations",
           "run_stacks", "composite_correlation", "MGA_COLUMNS",
           "MICOM_COLUMNS", "GROUP_COLUMNS"]

MGA_COLUMNS = ["lhs", "op", "rhs", "group1", "group2", "est.group1", "est.group2", "diff", "pvalue.henseler",
               "pvalue.permutation", "pvalue.henseler.1sided", "n.group1", "n.group2"]
GROUP_COLUMNS = ["group", "lhs", "op", "rhs", "est", "se", "ci.lower", "ci.upper", "n"]
MICOM_COLUMNS = ["group1", "group2", "construct", "configural", "c", "c.q05", "pvalue.c", "compositional",
                 "mean.diff", "mean.lower", "mean.upper", "pvalue.mean", "equal.mean", "logvar.ratio",
                 "logvar.lower", "logvar.upper", "pvalue.logvar", "equal.var", "invariance"]


# ------------------------------------------------------------------------------------ stacked estimation
def counts_of(idx: np.ndarray, n: int) -> np.ndarray:
    """Row counts ``(b, n)`` of a stack of row-index draws ``(b, m)``."""
    idx = np.asarray(idx, dtype=np.int64)
    b = idx.shape[0]
    flat = (idx + n * np.arange(b)[:, None]).ravel()
    return np.bincount(flat, minlength=b * n).reshape(b, n).astype(float)


def subset_moments(X: np.ndarray, F: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Means, sds (n − 1) and correlation matrices of the subsets of the rows of a complete ``X``
    (n, p) given by row counts ``F`` (b, n) (0/1 for a split, counts for a bootstrap resample): the
    same as :func:`csat.sem.pls.moments` of the stacked row copies, from one matrix product."""
    n, p = X.shape
    c0 = X.mean(axis=0)
    Xc = X - c0                                        # centred first: no cancellation in the sums
    iu = np.triu_indices(p)
    XX = Xc[:, iu[0]] * Xc[:, iu[1]]                   # (n, p(p+1)/2)
    m = F.sum(axis=1)
    mean = (F @ Xc) / m[:, None]
    cross = (F @ XX) / m[:, None]
    S = np.empty((len(F), p, p))
    S[:, iu[0], iu[1]] = cross
    S[:, iu[1], iu[0]] = cross
    S = (S - mean[:, :, None] * mean[:, None, :]) * (m / (m - 1))[:, None, None]
    sd = np.sqrt(np.diagonal(S, axis1=1, axis2=2))
    with np.errstate(invalid="ignore", divide="ignore"):
        R = S / (sd[:, :, None] * sd[:, None, :])
    return mean + c0, sd, R


class Permutations:
    """The P random orders of a pair's n pooled rows (the first n1 of an order form permuted group 1),
    made block by block from ``default_rng([seed, key, block])`` so that only a block is ever in memory
    and the orders do not depend on how the work is split; or the ``given`` orders ``(P, n)``."""

    BLOCK = 250

    def __init__(self, n: int, n_perm: int, seed: int, key: int = 0, given: np.ndarray | None = None):
        self.n, self.seed, self.key = int(n), int(seed), int(key)
        self.given = None if given is None else np.asarray(given, dtype=np.int64)
        self.count = len(self.given) if self.given is not None else int(n_perm)

    def __len__(self) -> int:
        return self.count

    def block(self, s: int, e: int) -> np.ndarray:
        """The orders of permutations s … e − 1 ``(e − s, n)``."""
        if self.given is not None:
            return self.given[s:e]
        out, B = [], self.BLOCK
        for b in range(s // B, (e - 1) // B + 1):
            m = min(B, self.count - b * B)
            rng = np.random.default_rng([self.seed, self.key, b])
            blk = rng.permuted(np.tile(np.arange(self.n), (m, 1)), axis=1)
            out.append(blk[max(s, b * B) - b * B:min(e, b * B + m) - b * B])
        return np.concatenate(out) if out else np.zeros((0, self.n), dtype=np.int64)


def stack_fit(raw: np.ndarray, spec: PLSSpec, W0: np.ndarray, *, idx: np.ndarray | None = None,
              perms: Permutations | None = None, n1: int = 0, side: int = 0, start: int = 0, stop: int | None = None,
              tol: float = 1e-7, max_iter: int = 300, chunk: int = 1000):
    """Estimate the model on many subsets of the rows of ``raw`` at once: the row indices ``idx``
    (b, m) (a bootstrap resample: rows repeated), or the permuted groups ``perms`` (``side`` 0: the first
    ``n1`` rows of each order, 1: the others; permutations ``start`` … ``stop`` − 1).  Missing answers
    (NaN) are replaced by each subset's item means (the rule of :func:`csat.sem.pls.prepare_data` with
    ``missing="mean"``); without missing answers the moments come from the row counts
    (:func:`subset_moments`).  Returns the weights (b, p, k), path matrices ``B[:, to, from]`` (b, k, k),
    and whether each subset is usable."""
    complete = not np.isnan(raw).any()
    if idx is not None:
        stop = len(idx) if stop is None else stop
    else:
        stop = len(perms) if stop is None else stop
    Ws, Bs, oks = [], [], []
    for s in range(start, stop, chunk):
        e = min(stop, s + chunk)
        if idx is not None:
            ix = idx[s:e]
        else:
            order = perms.block(s, e)
            ix = order[:, :n1] if side == 0 else order[:, n1:]
        if complete:
            _, _, R = subset_moments(raw, counts_of(ix, len(raw)))
        else:
            _, _, R = moments(mean_replace(raw[ix]))
        good = np.isfinite(R).all(axis=(1, 2))
        Rg = np.where(good[:, None, None], R, np.eye(R.shape[-1])[None])
        try:
            W, _, ok = fit_weights(Rg, spec, W0, tol, max_iter)
            Bm = solution(Rg, W, spec)["B"]
        except np.linalg.LinAlgError:                  # a singular subset: one at a time
            W = np.full((len(Rg),) + W0.shape, np.nan)
            Bm = np.full((len(Rg), len(spec.constructs), len(spec.constructs)), np.nan)
            ok = np.zeros(len(Rg), dtype=bool)
            for r in range(len(Rg)):
                try:
                    w1, _, o1 = fit_weights(Rg[r:r + 1], spec, W0, tol, max_iter)
                    W[r], Bm[r], ok[r] = w1[0], solution(Rg[r:r + 1], w1, spec)["B"][0], o1[0]
                except np.linalg.LinAlgError:
                    pass
        Ws.append(W)
        Bs.append(Bm)
        oks.append(good & ok & np.isfinite(Bm).all(axis=(1, 2)))
    if not Ws:
        k = len(spec.constructs)
        return np.zeros((0,) + W0.shape), np.zeros((0, k, k)), np.zeros(0, dtype=bool)
    return np.concatenate(Ws), np.concatenate(Bs), np.concatenate(oks)


def _stack_job(job: dict, spec, start, stop, tol, max_iter):
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return stack_fit(job["raw"], spec, job["W0"], idx=job.get("idx"), perms=job.get("perms"), n1=job.get("n1", 0),
                         side=job.get("side", 0), start=start, stop=stop, tol=tol, max_iter=max_iter)


def run_stacks(jobs: list[dict], spec: PLSSpec, workers: int, tol: float = 1e-7, max_iter: int = 300) -> list:
    """:func:`stack_fit` of each job (``raw``, ``W0`` and ``idx`` or ``perms``, ``n1``, ``side``), its
    subsets split over ``workers`` processes (the answer does not depend on ``workers``)."""
    def size(j):
        return len(j["idx"]) if j.get("idx") is not None else len(j["perms"])

    if workers <= 1:
        return [_stack_job(j, spec, 0, size(j), tol, max_iter) for j in jobs]
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers) as ex:
        futs = []
        for j in jobs:
            bounds = np.linspace(0, size(j), workers + 1).astype(int)
            sub = dict(j)
            if j.get("idx") is not None:           # send each worker its own resamples only
                futs.append([ex.submit(_stack_job, {**sub, "idx": j["idx"][a:b]}, spec, 0, b - a, tol, max_iter)
                             for a, b in zip(bounds[:-1], bounds[1:]) if b > a])
            else:
                futs.append([ex.submit(_stack_job, sub, spec, a, b, tol, max_iter)
                             for a, b in zip(bounds[:-1], bounds[1:]) if b > a])
        out = []
        for fl in futs:
            res = [f.result() for f in fl]
            out.append(tuple(np.concatenate([r[i] for r in res]) for i in range(3)))
    return out


# ------------------------------------------------------------------------------------ Henseler's p
def henseler_p(boot1: np.ndarray, boot2: np.ndarray) -> float:
    """seminr's ``pls_mga_p`` (one-sided, small when θ₁ > θ₂) from two bootstrap distributions of a
    path, both of the same length J: ``1 − J⁻² #{(j, k): 2μ₁ − β₁ⱼ − 2μ₂ + β₂ₖ > 0}`` (by sorting,
    O(J log J) rather than the J² grid).

    >>> henseler_p(np.array([0.5, 0.6, 0.7]), np.array([0.1, 0.2, 0.3]))
    0.0
    """
    b1, b2 = np.asarray(boot1, float), np.asarray(boot2, float)
    j = len(b1)
    a = 2 * b1.mean() - b1 - 2 * b2.mean()             # count pairs with a_j + b2_k > 0
    s = np.sort(b2)
    favorable = np.sum(len(s) - np.searchsorted(s, -a, side="right"))
    return float(1 - favorable / (j * len(b2)))


# ------------------------------------------------------------------------------------ result
@dataclass
class PLSMGA:
    """Multi-group analysis: ``groups`` (group level -> n), ``estimates`` (:data:`GROUP_COLUMNS`:
    each group's paths with bootstrap se and percentile interval), ``comparisons`` (:data:`MGA_COLUMNS`,
    ``pls_mga.csv``: one row per path and pair of groups), ``micom`` (:data:`MICOM_COLUMNS`,
    ``pls_micom.csv``: one row per construct and pair), the resample counts and diagnostics."""

    group: str
    groups: dict
    estimates: pd.DataFrame
    comparisons: pd.DataFrame
    micom: pd.DataFrame
    n_boot: int
    n_perm: int
    seed: int
    fits: dict = field(default_factory=dict)
    boot_paths: dict = field(default_factory=dict)
    diagnostics: list = field(default_factory=list)


def _keep_rows(data: pd.DataFrame, spec: PLSSpec, missing: str) -> np.ndarray:
    X = data[spec.items].apply(pd.to_numeric, errors="coerce").to_numpy(float)
    fin = np.isfinite(X)
    return fin.all(axis=1) if missing == "listwise" else fin.any(axis=1)


def _micom_rows(spec: PLSSpec, pooled: PLSResult, W1: np.ndarray, W2: np.ndarray, ok: np.ndarray,
                c_obs: np.ndarray, n1: int, perms: Permutations, level: float) -> list[dict]:
    """MICOM steps 2 and 3 of one pair from the permutation weights ``W1``/``W2`` (P, p, k) and the
    permutations ``perms`` of the pooled rows (group 1 first: its ``n1`` rows)."""
    cons = list(spec.constructs)
    sl = spec.item_slices()
    Rp = pooled.R
    S = pooled.scores.to_numpy()
    n = len(S)
    n2 = n - n1

    def mv(X):
        return X.mean(axis=-2), X.var(axis=-2, ddof=1)

    mu1, v1 = mv(S[:n1])
    mu2, v2 = mv(S[n1:])
    pm1, pv1, pm2, pv2 = [], [], [], []
    for s in range(0, len(perms), 500):
        order = perms.block(s, min(len(perms), s + 500))
        a, b = mv(S[order[:, :n1]]), mv(S[order[:, n1:]])
        pm1.append(a[0]), pv1.append(a[1]), pm2.append(b[0]), pv2.append(b[1])
    pm1, pv1, pm2, pv2 = (np.concatenate(x)[ok] for x in (pm1, pv1, pm2, pv2))
    d_obs, d_perm = mu1 - mu2, pm1 - pm2
    r_obs, r_perm = np.log(v1 / v2), np.log(pv1 / pv2)
    lo_q, hi_q = (1 - level) / 2, (1 + level) / 2
    rows = []
    for j, c in enumerate(cons):
        ix = sl[c]
        Rb = Rp[np.ix_(ix, ix)]
        w1, w2 = W1[ok][:, ix, j], W2[ok][:, ix, j]
        num = np.einsum("bi,ij,bj->b", w1, Rb, w2)
        den = np.sqrt(np.einsum("bi,ij,bj->b", w1, Rb, w1) * np.einsum("bi,ij,bj->b", w2, Rb, w2))
        c_perm = num / den
        q05 = float(np.quantile(c_perm, 0.05, method="linear"))
        md_lo, md_hi = np.quantile(d_perm[:, j], [lo_q, hi_q], method="linear")
        lv_lo, lv_hi = np.quantile(r_perm[:, j], [lo_q, hi_q], method="linear")
        comp = bool(c_obs[j] >= q05 - 1e-12)
        eq_m = bool(md_lo <= d_obs[j] <= md_hi)
        eq_v = bool(lv_lo <= r_obs[j] <= lv_hi)
        rows.append({"construct": c, "c": float(c_obs[j]), "c.q05": q05,
                     "pvalue.c": float(np.mean(c_perm < c_obs[j])), "compositional": comp,
                     "mean.diff": float(d_obs[j]), "mean.lower": float(md_lo), "mean.upper": float(md_hi),
                     "pvalue.mean": float(np.mean(np.abs(d_perm[:, j]) >= abs(d_obs[j]) - 1e-12)),
                     "equal.mean": eq_m, "logvar.ratio": float(r_obs[j]), "logvar.lower": float(lv_lo),
                     "logvar.upper": float(lv_hi),
                     "pvalue.logvar": float(np.mean(np.abs(r_perm[:, j]) >= abs(r_obs[j]) - 1e-12)),
                     "equal.var": eq_v,
                     "invariance": "full" if comp and eq_m and eq_v else ("partial" if comp else "none")})
    return rows


def composite_correlation(R: np.ndarray, W1: np.ndarray, W2: np.ndarray, spec: PLSSpec) -> np.ndarray:
    """MICOM's c per construct: ``w₁ᵀRw₂ / √(w₁ᵀRw₁ · w₂ᵀRw₂)`` with R the pooled indicator correlations
    and ``W1``, ``W2`` (p, k) the weights of two groups."""
    out = []
    for j, c in enumerate(spec.constructs):
        ix = spec.item_slices()[c]
        Rb, a, b = R[np.ix_(ix, ix)], W1[ix, j], W2[ix, j]
        out.append(a @ Rb @ b / np.sqrt((a @ Rb @ a) * (b @ Rb @ b)))
    return np.array(out)


def pls_mga(model: str | PLSSpec, data: pd.DataFrame, group: str, *, levels: list | None = None,
            n_boot: int = 1000, n_perm: int = 1000, seed: int = 2024, missing: str = "mean",
            level: float = 0.95, min_n: int = 10, boot_indices: dict | None = None,
            permutations: dict | None = None, workers: int | None = None, tol: float = 1e-7,
            max_iter: int = 300) -> PLSMGA:
    """Multi-group analysis of a PLS path model over the levels of the column ``group`` (see the
    module docstring); every pair of levels is compared (``group1`` the earlier level).

    Rows with no group are left out; a level with fewer than ``min_n`` usable rows (or that cannot be
    estimated) is left out with a warning.  Group g's bootstrap draws its indices from
    ``default_rng(seed + g)`` (or ``boot_indices[level]``, ``(n_boot, n_g)`` row positions within the
    group's usable rows).  The permutations of a pair are made block by block from
    ``default_rng([seed, pair, block])`` (:class:`Permutations`), or given as
    ``permutations[(level1, level2)]``: ``(n_perm, n1 + n2)`` orderings of the pair's rows (group 1
    first, then group 2, each in data order; the first n1 of an ordering form permuted group 1).
    The resamples and permutations are estimated in ``workers`` processes (default: the CPUs
    available); the results do not depend on it.
    """
    spec = model if isinstance(model, PLSSpec) else pls_spec(model)
    if group not in data.columns:
        raise ValueError(f"PLS-MGA: the group column {group!r} is not in the data")
    d = data[data[group].notna()]
    d = d[_keep_rows(d, spec, missing)]
    lev = list(levels) if levels is not None else sorted(pd.unique(d[group]), key=str)
    diags = []
    fits, groups = {}, {}
    for g in lev:
        dg = d[d[group] == g]
        if len(dg) < min_n:
            diags.append(diagnostic("pls_mga_group_skipped", "warning", "PLS-MGA",
                                    "group {level} of {group} has only {n} respondents and is left out of the "
                                    "multi-group analysis", level=str(g), group=group, n=len(dg)))
            continue
        try:
            fit = pls_fit(spec, dg, missing=missing, tol=tol, max_iter=max_iter)
        except (ValueError, np.linalg.LinAlgError):
            fit = None
        if fit is None or not fit.converged:
            diags.append(diagnostic("pls_mga_group_skipped", "warning", "PLS-MGA",
                                    "group {level} of {group} cannot be estimated (an item without variance or "
                                    "no convergence) and is left out of the multi-group analysis",
                                    level=str(g), group=group))
            continue
        fits[g], groups[g] = fit, fit.n
    cons = list(spec.constructs)
    pi = [(cons.index(b), cons.index(a)) for a, b in spec.paths]
    kept = [g for g in lev if g in fits]
    jobs = []
    for g in kept:                                     # each group's bootstrap
        res = fits[g]
        if boot_indices is not None and g in boot_indices:
            idx = np.asarray(boot_indices[g], dtype=np.int64)
        else:
            idx = np.random.default_rng(seed + lev.index(g)).integers(0, res.n, size=(n_boot, res.n))
        jobs.append({"raw": res.raw, "W0": res.weights.to_numpy(), "idx": idx})
    pairs = []
    for q, (g1, g2) in enumerate(combinations(kept, 2)):    # each pair's permutations
        d12 = pd.concat([d[d[group] == g1], d[d[group] == g2]])
        pooled = pls_fit(spec, d12, missing=missing, tol=tol, max_iter=max_iter)
        n1 = fits[g1].n
        given = permutations.get((g1, g2)) if permutations is not None else None
        perms = Permutations(pooled.n, n_perm, seed, q, given)
        W0 = pooled.weights.to_numpy()
        jobs += [{"raw": pooled.raw, "W0": W0, "perms": perms, "n1": n1, "side": 0},
                 {"raw": pooled.raw, "W0": W0, "perms": perms, "n1": n1, "side": 1}]
        pairs.append((g1, g2, pooled, perms))
    from csat.sem.effects import default_workers

    w = default_workers() if workers is None else max(1, int(workers))
    out = run_stacks(jobs, spec, w, tol, max_iter)
    est_rows, boots = [], {}
    for gi, g in enumerate(kept):
        res = fits[g]
        _, Bb, ok = out[gi]
        draws = np.stack([Bb[:, t, f] for t, f in pi], axis=1)[ok]
        boots[g] = draws
        lo, hi = percentile_interval(draws, level)
        se = draws.std(axis=0, ddof=1) if len(draws) > 1 else np.full(len(pi), np.nan)
        for i, (a, b) in enumerate(spec.paths):
            est_rows.append({"group": g, "lhs": b, "op": "~", "rhs": a, "est": float(res.paths.loc[b, a]),
                             "se": float(se[i]), "ci.lower": float(lo[i]), "ci.upper": float(hi[i]), "n": res.n})
    cmp_rows, micom_rows = [], []
    for q, (g1, g2, pooled, perms) in enumerate(pairs):
        r1, r2 = fits[g1], fits[g2]
        (Wa, Ba, oka), (Wb, Bb_, okb) = out[len(kept) + 2 * q], out[len(kept) + 2 * q + 1]
        j = min(len(boots[g1]), len(boots[g2]))
        P = len(perms)
        ok = oka & okb
        for i, (a, b) in enumerate(spec.paths):
            t, f = pi[i]
            e1, e2 = float(r1.paths.loc[b, a]), float(r2.paths.loc[b, a])
            diff = e1 - e2
            dp = (Ba[:, t, f] - Bb_[:, t, f])[ok]
            p1 = henseler_p(boots[g1][:j, i], boots[g2][:j, i]) if j > 0 else np.nan
            cmp_rows.append({"lhs": b, "op": "~", "rhs": a, "group1": g1, "group2": g2, "est.group1": e1,
                             "est.group2": e2, "diff": diff, "pvalue.henseler": min(1.0, 2 * min(p1, 1 - p1)),
                             "pvalue.permutation": float(np.mean(np.abs(dp) >= abs(diff) - 1e-12)),
                             "pvalue.henseler.1sided": p1, "n.group1": r1.n, "n.group2": r2.n})
        c_obs = composite_correlation(pooled.R, r1.weights.to_numpy(), r2.weights.to_numpy(), spec)
        for row in _micom_rows(spec, pooled, Wa, Wb, ok, c_obs, r1.n, perms, level):
            micom_rows.append({"group1": g1, "group2": g2, "configural": True, **row})
        if ok.sum() < 0.5 * P:
            diags.append(diagnostic("pls_mga_permutations_failed", "warning", "PLS-MGA",
                                    "only {n_ok} of {n_perm} permutations of {g1} and {g2} could be estimated",
                                    n_ok=int(ok.sum()), n_perm=P, g1=str(g1), g2=str(g2)))
    return PLSMGA(group=group, groups=groups, estimates=pd.DataFrame(est_rows, columns=GROUP_COLUMNS),
                  comparisons=pd.DataFrame(cmp_rows, columns=MGA_COLUMNS),
                  micom=pd.DataFrame(micom_rows, columns=MICOM_COLUMNS), n_boot=int(n_boot),
                  n_perm=int(n_perm), seed=int(seed), fits=fits, boot_paths=boots, diagnostics=diags)
