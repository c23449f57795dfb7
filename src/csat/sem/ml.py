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

from .result import SEMResult, _result

if TYPE_CHECKING:                      # pragma: no cover
    from .partable import CompiledModel
    from .samplestats import SampleStats

__all__ = ["CovFit", "objective", "gradient_information", "derivatives", "value_gradient", "fit_cov",
           "estimate_ml"]


def objective(cm: "CompiledModel", theta: np.ndarray, S: np.ndarray, logdetS: float | None = None) -> float:
    """ML discrepancy ``F = log|Σ| + tr(S Σ⁻¹) − log|S| − p`` (inf when Σ is not positive definite)."""
    try:
        Sigma, *_ = cm.implied(theta, S)
        L = np.linalg.cholesky(Sigma)
    except np.linalg.LinAlgError:
        return math.inf
    if logdetS is None:
        logdetS = np.linalg.slogdet(S)[1]
    Li = np.linalg.inv(L)
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
    """
    Sigma, E, Sm, _ = cm.implied(theta, S)
    L = np.linalg.cholesky(Sigma)
    Li = np.linalg.inv(L)
    Om = Li.T @ Li
    OSO = Om @ S @ Om
    W = Om - OSO
    em, ei, ej = cm._entries()
    U, V = cm._uv(E, Sm, em, ei, ej)
    if logdetS is None:
        logdetS = np.linalg.slogdet(S)[1]
    F = 2 * np.log(np.diag(L)).sum() + np.sum(Om * S) - logdetS - cm.p
    g_e = 2 * np.einsum("pe,pe->e", U, W @ V)
    OU, OV, SU, SV = Om @ U, Om @ V, OSO @ U, OSO @ V
    UU1, UV1, VV1 = U.T @ OU, U.T @ OV, V.T @ OV
    UU2, UV2, VV2 = U.T @ SU, U.T @ SV, V.T @ SV
    T1 = 2 * (UU1 * VV1 + UV1 * UV1.T)                       # tr(ΩΣ_kΩΣ_l)
    T2 = UV2.T * UV1 + VV2 * UU1 + UU2 * VV1 + UV2 * UV1.T   # tr(ΩΣ_k ΩSΩ Σ_l)
    T3 = np.zeros_like(T1)
    G = E[: cm.p]
    H = G @ Sm @ E.T
    C = E @ Sm @ E.T
    WG = W @ G
    GWG = G.T @ WG
    HWG = H.T @ WG
    c = _index_cache(cm)
    if c["a"] is not None:
        # element [e1, e2] with e1 = A(i1, j1), e2 = A(k, l) = A(i2, j2):
        # E[l2, i1] HWG[j1, k2] + C[l2, j1] GWG[k2, i1] + E[j1, k2] HWG[l2, i1]
        ji, jj_, ii_ = c["ji"], c["jj"], c["ii"]
        T3[c["aa"]] = 2 * (E[ji].T * HWG[ji] + C[jj_].T * GWG[ii_].T + E[ji] * HWG[ji].T)
        if c["s"] is not None:
            tas = 2 * (E[c["jsa"]] * GWG[c["isb"]] + E[c["jsb"]] * GWG[c["isa"]])
            tas *= c["halve"]
            T3[c["as"]] = tas
            T3[c["sa"]] = tas.T
    if c["P_identity"]:
        Hf = T1
        He = T3 - T1 + 2 * T2
    else:
        P = cm._P
        Hf = P.T @ T1 @ P
        He = P.T @ (T3 - T1 + 2 * T2) @ P
    return float(F), cm._agg(g_e), 0.5 * (Hf + Hf.T), 0.5 * (He + He.T)


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
        try:
            Lh = np.linalg.cholesky(He)
            step = np.linalg.solve(Lh.T, np.linalg.solve(Lh, g))
        except np.linalg.LinAlgError:
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
