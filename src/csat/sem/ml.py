"""The ML estimator: the normal-theory discrepancy function, its derivatives and its optimiser.

Estimation (Jöreskog 1969; lavaan defaults, Rosseel 2012)
----------------------------------------------------------
The ML discrepancy ``F = log|Σ| + tr(S Σ⁻¹) − log|S| − p`` (S the biased, divide-by-N sample
covariance) is minimised by Fisher scoring with step halving; its gradient is
``∂F/∂θ_e = 2 uᵀ (Σ⁻¹ − Σ⁻¹ S Σ⁻¹) v`` and its expected Hessian
``tr(Σ⁻¹ ∂Σ_e Σ⁻¹ ∂Σ_f)`` (``u``, ``v`` the rank-two factors of ``∂Σ/∂θ_e``, see
:mod:`csat.sem.partable`).  Standard errors come from the expected information
``I = ½ Δᵀ (Σ⁻¹ ⊗ Σ⁻¹) Δ`` (``se = "standard"``, ``information = "expected"``):
``Cov(θ̂) = (N I)⁻¹``; ``χ² = N F(θ̂)``.

The functions take the :class:`~csat.sem.partable.CompiledModel` as first argument; the model
exposes them as methods too (``cm.fit_cov(S, n)``, ``cm.derivatives(θ, S)``, …), which is what
resampling code calls.  :func:`estimate_ml` is the ``"ml"`` entry of the estimator registry
(:mod:`csat.sem.estimators`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.linalg import lapack

from .result import SEMResult, _result

if TYPE_CHECKING:                      # pragma: no cover
    from .partable import CompiledModel
    from .samplestats import SampleStats

__all__ = ["CovFit", "objective", "gradient_information", "derivatives", "value_gradient", "fit_cov",
           "estimate_ml"]


def _inverse_I_minus_A(cm: "CompiledModel", A: np.ndarray) -> np.ndarray | None:
    """``E = (I − A)⁻¹`` by one LU factorisation (LAPACK getrf/getri); ``None`` when singular."""
    lu, piv, info = lapack.dgetrf(np.eye(cm.m) - A)
    if info != 0:
        return None
    E, info = lapack.dgetri(lu, piv)
    return E if info == 0 else None


def _cholesky(Sigma: np.ndarray) -> np.ndarray | None:
    """Lower Cholesky factor of Σ (LAPACK potrf), ``None`` when Σ is not positive definite."""
    L, info = lapack.dpotrf(Sigma, lower=1, clean=1)
    return L if info == 0 else None


def objective(cm: "CompiledModel", theta: np.ndarray, S: np.ndarray, logdetS: float | None = None) -> float:
    """ML discrepancy ``F = log|Σ| + tr(S Σ⁻¹) − log|S| − p`` (inf when Σ is not positive definite).

    One LU factorisation for ``E = (I − A)⁻¹`` and one Cholesky factorisation ``Σ = L Lᵀ``:
    ``log|Σ| = 2 Σ log L_ii`` and ``tr(S Σ⁻¹) = Σ (L⁻¹ S) ∘ L⁻¹`` (LAPACK called directly: this
    runs several times per iteration of every bootstrap resample)."""
    A, Sm = cm.matrices(theta, S)
    E = _inverse_I_minus_A(cm, A)
    if E is None:
        return math.inf
    G = E[: cm.p]
    Sigma = G @ Sm @ G.T
    L = _cholesky(0.5 * (Sigma + Sigma.T))
    if L is None:
        return math.inf
    if logdetS is None:
        logdetS = np.linalg.slogdet(S)[1]
    Li = lapack.dtrtri(L, lower=1)[0]
    ld = 2 * np.log(np.diag(L)).sum()
    return float(ld + np.sum((Li @ S) * Li) - logdetS - cm.p)


def gradient_information(cm: "CompiledModel", theta: np.ndarray, S: np.ndarray):
    """``(F, ∇F, ℋ)``: discrepancy, analytic gradient and expected Hessian
    ``ℋ_kl = tr(Σ⁻¹ ∂Σ_k Σ⁻¹ ∂Σ_l)`` (= 2 × unit expected information)."""
    Sigma, E, Sm, _ = cm.implied(theta, S)
    L = np.linalg.cholesky(Sigma)
    Om = np.linalg.inv(Sigma)
    Om = 0.5 * (Om + Om.T)
    U, V = cm._uv(E, Sm, *cm._entries())
    OU, OV = Om @ U, Om @ V
    W = Om - Om @ S @ Om
    g_e = 2 * np.einsum("pe,pe->e", U, W @ V)
    UU, VV, UV = U.T @ OU, V.T @ OV, U.T @ OV
    T = 2 * (UU * VV + UV * UV.T)
    P = cm._P
    Hs = P.T @ T @ P
    F = 2 * np.log(np.diag(L)).sum() + np.sum(Om * S) - np.linalg.slogdet(S)[1] - cm.p
    return float(F), cm._agg(g_e), 0.5 * (Hs + Hs.T)


def _index_cache(cm: "CompiledModel") -> dict:
    """Index grids of the free entries for the exact Hessian (built once per model)."""
    c = getattr(cm, "_cache", None)
    if c is not None:
        return c
    em, ei, ej = cm._entries()
    a = np.flatnonzero(em == 0)
    sidx = np.flatnonzero(em == 1)
    c = {"a": None, "s": None,
         "P_identity": cm._P.shape[0] == cm._P.shape[1] and np.array_equal(cm._P, np.eye(cm._P.shape[0]))}
    if len(a):
        i, j = ei[a], ej[a]
        c.update(a=a, aa=np.ix_(a, a), ji=np.ix_(j, i), jj=np.ix_(j, j), ii=np.ix_(i, i))
        if len(sidx):
            sa, sb = ei[sidx], ej[sidx]
            c.update(s=sidx, as_=None, jsa=np.ix_(j, sa), jsb=np.ix_(j, sb), isa=np.ix_(i, sa),
                     isb=np.ix_(i, sb), halve=np.where(sa == sb, 0.5, 1.0)[None, :])
            c["as"] = np.ix_(a, sidx)
            c["sa"] = np.ix_(sidx, a)
    cm._cache = c
    return c


def derivatives(cm: "CompiledModel", theta: np.ndarray, S: np.ndarray, logdetS: float | None = None):
    """``(F, ∇F, ℋ_expected, ℋ_exact)`` at ``theta``.

    With ``W = Σ⁻¹ − Σ⁻¹SΣ⁻¹`` the exact Hessian is
    ``∂²F/∂θ_k∂θ_l = tr(W Σ_kl) − tr(Σ⁻¹Σ_kΣ⁻¹Σ_l) + 2 tr(Σ⁻¹Σ_k Σ⁻¹SΣ⁻¹ Σ_l)``; the
    traces use the rank-two forms of ``Σ_k`` and the second derivatives ``Σ_kl`` of the RAM
    model are (``G = FE``, ``H = G Smat Eᵀ``, ``C = E Smat Eᵀ``)
    ``tr(WΣ_{A_ij,A_kl}) = 2[E_li (HᵀWG)_jk + C_lj (GᵀWG)_ki + E_jk (HᵀWG)_li]`` and
    ``tr(WΣ_{A_ij,S_ab}) = 2[E_ja (GᵀWG)_bi + E_jb (GᵀWG)_ai]`` (halved when a = b).

    One LU factorisation of ``I − A`` and one Cholesky factorisation of Σ per call (``Σ⁻¹`` from
    the triangular inverse); the six ``e × e`` blocks come from two products of the stacked
    ``[U V]``, and the second-derivative terms are gathered with flat indices built once per model
    (:func:`_flat_cache`).  It runs once per Newton iteration of every bootstrap resample.
    """
    A, Sm = cm.matrices(theta, S)
    p = cm.p
    E = _inverse_I_minus_A(cm, A)
    if E is None:
        raise np.linalg.LinAlgError("I - A is singular")
    C = E @ Sm @ E.T                     # one product gives Σ = C[:p, :p] and H = G Smat Eᵀ = C[:p]
    C = 0.5 * (C + C.T)
    G, H = E[:p], C[:p]
    L = _cholesky(C[:p, :p])
    if L is None:
        raise np.linalg.LinAlgError("the implied covariance matrix is not positive definite")
    Li = lapack.dtrtri(L, lower=1)[0]
    Om = Li.T @ Li
    OSO = Om @ S @ Om
    W = Om - OSO
    em, ei, ej = cm._entries()
    fc = _flat_cache(cm)
    a, s = fc["a"], fc["s"]
    U = G.take(ei, axis=1)
    V = np.empty_like(U)
    V[:, a] = H.take(ej[a], axis=1)
    V[:, s] = G.take(ej[s], axis=1)
    V[:, fc["diag"]] *= 0.5
    if logdetS is None:
        logdetS = np.linalg.slogdet(S)[1]
    F = 2 * np.log(np.diag(L)).sum() + np.sum(Om * S) - logdetS - p
    g_e = 2 * np.einsum("pe,pe->e", U, W @ V)
    ne = U.shape[1]
    UV = np.hstack([U, V])               # the six blocks UᵀΩU … VᵀΩSΩV from two products
    M1 = UV.T @ (Om @ UV)
    M2 = UV.T @ (OSO @ UV)
    UU1, UV1, VV1 = M1[:ne, :ne], M1[:ne, ne:], M1[ne:, ne:]
    UU2, UV2, VV2 = M2[:ne, :ne], M2[:ne, ne:], M2[ne:, ne:]
    UV1T = UV1.T
    T1 = 2 * (UU1 * VV1 + UV1 * UV1T)                        # tr(ΩΣ_kΩΣ_l)
    T2 = UV2.T * UV1 + VV2 * UU1 + UU2 * VV1 + UV2 * UV1T    # tr(ΩΣ_k ΩSΩ Σ_l)
    He = 2 * T2 - T1
    na = len(a)
    if na:
        # T3 = tr(WΣ_kl), element [e1, e2] with e1 = A(i1, j1), e2 = A(k, l) = A(i2, j2):
        # E[l2, i1] HWG[j1, k2] + C[l2, j1] GWG[k2, i1] + E[j1, k2] HWG[l2, i1]  (zero on S × S)
        WG = W @ G
        GWG = (G.T @ WG).ravel()
        HWG = (H.T @ WG).ravel()
        Ef = E.ravel()
        Eji = Ef.take(fc["ji"]).reshape(na, na)
        HWGji = HWG.take(fc["ji"]).reshape(na, na)
        He[fc["aa"]] += 2 * (Eji.T * HWGji + C.ravel().take(fc["jj"]).reshape(na, na).T
                             * GWG.take(fc["ii"]).reshape(na, na).T + Eji * HWGji.T)
        if len(s):
            tas = (Ef.take(fc["jsa"]) * GWG.take(fc["isb"])
                   + Ef.take(fc["jsb"]) * GWG.take(fc["isa"])).reshape(na, len(s)) * fc["twice"]
            He[fc["as"]] += tas
            He[fc["sa"]] += tas.T
    Hf = T1
    if not fc["P_identity"]:
        P = cm._P
        Hf = P.T @ T1 @ P
        He = P.T @ He @ P
    return float(F), cm._agg(g_e), 0.5 * (Hf + Hf.T), 0.5 * (He + He.T)


def _flat_cache(cm: "CompiledModel") -> dict:
    """Flat gather positions of the free entries for :func:`derivatives` (built once per model)."""
    c = getattr(cm, "_flat", None)
    if c is not None:
        return c
    em, ei, ej = cm._entries()
    m = cm.m
    a, s = np.flatnonzero(em == 0), np.flatnonzero(em == 1)
    c = {"a": a, "s": s, "diag": np.flatnonzero((em == 1) & (ei == ej)),
         "P_identity": _index_cache(cm)["P_identity"]}
    if len(a):
        i, j = ei[a], ej[a]
        c.update(aa=np.ix_(a, a), ji=(j[:, None] * m + i[None, :]).ravel(),
                 jj=(j[:, None] * m + j[None, :]).ravel(), ii=(i[:, None] * m + i[None, :]).ravel())
        if len(s):
            sa, sb = ei[s], ej[s]
            c.update(jsa=(j[:, None] * m + sa[None, :]).ravel(), jsb=(j[:, None] * m + sb[None, :]).ravel(),
                     isa=(i[:, None] * m + sa[None, :]).ravel(), isb=(i[:, None] * m + sb[None, :]).ravel(),
                     twice=np.where(sa == sb, 1.0, 2.0)[None, :])
            c["as"], c["sa"] = np.ix_(a, s), np.ix_(s, a)
    cm._flat = c
    return c


def value_gradient(cm: "CompiledModel", theta: np.ndarray, S: np.ndarray, logdetS: float):
    """``(F, ∇F)``; ``(inf, None)`` when Σ(θ) is not positive definite."""
    try:
        Sigma, E, Sm, _ = cm.implied(theta, S)
        L = np.linalg.cholesky(Sigma)
    except np.linalg.LinAlgError:
        return math.inf, None
    Li = np.linalg.inv(L)
    Om = Li.T @ Li
    OS = Om @ S
    F = 2 * np.log(np.diag(L)).sum() + np.trace(OS) - logdetS - cm.p
    U, V = cm._uv(E, Sm, *cm._entries())
    W = Om - OS @ Om
    g_e = 2 * np.einsum("pe,pe->e", U, W @ V)
    return float(F), cm._agg(g_e)


def fit_cov(cm: "CompiledModel", S: np.ndarray, n: int, start: np.ndarray | None = None, *, max_iter: int = 300,
            tol: float = 1e-9, warm_iter: int = 20, restart_iter: int = 40) -> "CovFit":
    """Fit the model to the (biased) covariance matrix ``S`` of ``n`` observations.

    Newton steps with the exact Hessian where it is positive definite, Fisher scoring steps
    (expected Hessian) elsewhere, both with step halving on F.  Converged when
    ``max |∇F| < tol``, or when F cannot decrease further at machine precision and
    ``max |∇F| < 1e-6``.  With ``start`` (e.g. the full-sample estimates in a bootstrap) the
    warm start gets ``warm_iter`` iterations; if it has not converged by then, the fit
    restarts from :meth:`CompiledModel.start_values` for at most ``restart_iter`` iterations (an
    ill-conditioned resample can otherwise drift along a flat valley towards an inadmissible
    solution; such resamples are given up quickly).
    Never raises for numerical trouble: the returned :class:`CovFit` says
    ``converged=False`` (and carries the lowest F found).
    """
    S = np.asarray(S, dtype=float)
    logdetS = np.linalg.slogdet(S)[1]
    if start is not None:
        first = _optimize(cm, np.array(start, dtype=float), S, logdetS, min(warm_iter, max_iter), tol)
        if first.converged or warm_iter >= max_iter:
            return first
        second = _optimize(cm, cm.start_values(S), S, logdetS,
                       min(max_iter - first.iterations, restart_iter), tol)
        second.iterations += first.iterations
        if second.converged or not np.isfinite(first.fmin) or second.fmin <= first.fmin:
            return second
        first.iterations = second.iterations
        return first
    return _optimize(cm, cm.start_values(S), S, logdetS, max_iter, tol)


def _optimize(cm: "CompiledModel", theta: np.ndarray, S: np.ndarray, logdetS: float, max_iter: int, tol: float) -> "CovFit":
    Fv = objective(cm, theta, S, logdetS)
    q = cm.npar
    g = np.full(q, np.nan)
    Hf = None
    it = 0
    converged = False
    if not np.isfinite(Fv):
        return CovFit(theta=theta, fmin=math.inf, gradient=g, hessian=None, converged=False, iterations=0)
    history = [Fv]
    while it < max_iter:
        it += 1
        try:
            Fv, g, Hf, He = derivatives(cm, theta, S, logdetS)
        except np.linalg.LinAlgError:
            break
        gmax = np.max(np.abs(g), initial=0.0)
        if gmax < tol:
            converged = True
            break
        Lh = _cholesky(He)
        if Lh is not None:
            step = lapack.dpotrs(Lh, g, lower=1)[0]
        else:
            try:
                step = np.linalg.solve(Hf + 1e-12 * np.eye(q) * np.trace(Hf) / max(q, 1), g)
            except np.linalg.LinAlgError:
                step = np.linalg.lstsq(Hf, g, rcond=None)[0]
        alpha, improved = 1.0, False
        for _ in range(30):
            cand = theta - alpha * step
            Fc = objective(cm, cand, S, logdetS)
            if Fc <= Fv + 1e-15 * max(1.0, abs(Fv)):
                improved = True
                break
            alpha *= 0.5
        if not improved:
            converged = bool(gmax < 1e-6)
            break
        theta, Fv = cand, Fc
        history.append(Fv)
        if len(history) > 12 and history[-12] - Fv < 1e-12 * max(1.0, abs(Fv)) and gmax > 1e-6:
            break                                     # stalled: a flat valley, not an optimum
    return CovFit(theta=theta, fmin=float(Fv), gradient=g, hessian=Hf, converged=bool(converged),
                  iterations=it)


@dataclass
class CovFit:
    """Raw result of :meth:`CompiledModel.fit_cov` (``fmin`` is the discrepancy F, ``χ² = N F``)."""

    theta: np.ndarray
    fmin: float
    gradient: np.ndarray
    hessian: np.ndarray | None
    converged: bool
    iterations: int


def estimate_ml(cm: "CompiledModel", ss: "SampleStats") -> SEMResult:
    """ML estimates, standard errors, fit measures and diagnostics of ``cm`` from the complete-data
    sample statistics ``ss`` (:func:`csat.sem.samplestats.sample_stats` with ``missing="listwise"``)."""
    cf = fit_cov(cm, ss.cov, ss.n)
    return _result(cm, cf, ss.cov, ss.n)
