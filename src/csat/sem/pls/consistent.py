"""Consistent PLS (PLSc; Dijkstra & Henseler 2015, *Consistent partial least squares path modeling*,
MIS Quarterly 39(2), 297–316), as seminr's ``PLSc()`` applies it to ``reflective()`` constructs.

PLS composites of reflectively measured constructs are attenuated by measurement error.  PLSc corrects
them by each construct's reliability ``rhoA = (wᵀw)² · wᵀ(R − diag R)w / wᵀ(wwᵀ − diag(wwᵀ))w`` (1 for a
formative block, a single item and a product term):

* construct correlations ``C̃_ij = C_ij / √(rhoA_i · rhoA_j)`` (i ≠ j);
* paths by OLS on ``C̃``, R² = Σ β_j C̃_jy, total effects from them;
* the loadings of a reflective block ``λ = w · √rhoA / (wᵀw)``.

Weights, construct scores and HTMT are those of PLS.  Part of :mod:`csat.sem.pls`; everything works on
stacks ``(b, …)`` so that the bootstrap corrects every resample.
"""
from __future__ import annotations

import numpy as np

from csat.sem.pls.estimate import regress_paths
from csat.sem.pls.model import PLSSpec

__all__ = ["rho_a", "plsc"]


def rho_a(R: np.ndarray, W: np.ndarray, spec: PLSSpec, exempt=()) -> np.ndarray:
    """Dijkstra–Henseler rhoA of every construct (b, k): 1 for Mode B, single items and ``exempt``."""
    b, k = R.shape[0], len(spec.constructs)
    out = np.ones((b, k))
    sl = spec.item_slices()
    for j, c in enumerate(spec.constructs):
        ix = sl[c]
        if spec.modes[c] != "A" or len(ix) < 2 or c in exempt:
            continue
        w = W[:, ix, j]
        Rb = R[:, ix][:, :, ix]
        off = Rb - np.eye(len(ix))[None] * Rb
        wsw = np.einsum("bi,bij,bj->b", w, off, w)
        ww = np.einsum("bi,bj->bij", w, w)
        waw = np.einsum("bi,bij,bj->b", w, ww - np.eye(len(ix))[None] * ww, w)
        wtw = np.sum(w * w, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[:, j] = wtw ** 2 * wsw / waw
    return out


def plsc(R: np.ndarray, W: np.ndarray, spec: PLSSpec, sol: dict, exempt=(), keep_loadings=()) -> dict:
    """The PLSc-corrected solution (the dict of :func:`csat.sem.pls.estimate.solution`): correlations ``C``,
    paths ``B``, ``r2``, ``total`` and the loadings ``L`` of the Mode A blocks (but ``exempt`` and
    ``keep_loadings``, e.g. higher-order composites, whose loadings seminr leaves as they are), plus ``rho``."""
    rho = rho_a(R, W, spec, exempt)
    with np.errstate(invalid="ignore", divide="ignore"):
        adj = np.sqrt(rho[:, :, None] * rho[:, None, :])
    k = adj.shape[-1]
    adj[:, np.arange(k), np.arange(k)] = 1.0
    C = sol["C"] / adj
    Bm = regress_paths(C, spec)
    r2 = np.sum(Bm * C, axis=-1)
    eye = np.eye(k)
    total = np.linalg.inv(eye[None] - Bm) - eye[None]
    L = sol["L"].copy()
    sl = spec.item_slices()
    for j, c in enumerate(spec.constructs):
        if spec.modes[c] != "A" or c in exempt or c in keep_loadings:
            continue
        ix = sl[c]
        w = W[:, ix, j]
        wtw = np.sum(w * w, axis=1)
        L[:, ix, j] = w * (np.sqrt(rho[:, j]) / wtw)[:, None]
    return {**sol, "C": C, "B": Bm, "r2": r2, "total": total, "L": L, "rho": rho}
