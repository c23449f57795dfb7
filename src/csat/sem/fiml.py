"""The FIML estimator: casewise maximum likelihood for incomplete data (lavaan ``missing = "ml"``).

The saturated mean structure is estimated along with the model; the discrepancy is summed over
the missing-data patterns of :mod:`csat.sem.samplestats` (Arbuckle 1996).  :func:`fiml_fit` is the
estimation step of the ``"fiml"`` entry of the estimator registry
(:func:`csat.sem.estimators.estimate_fiml`, which turns its result into a
:class:`~csat.sem.result.SEMResult`); :func:`fiml_refit` gives point estimates only, for bootstrap
resamples.  :func:`pattern_discrepancy` and :func:`numeric_hessian` serve the multi-group fit
(:mod:`csat.sem.multigroup`) too.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from csat.core.errors import ModelError
from csat.sem.fitmeasures import fiml_fit_measures
from csat.sem.ml import CovFit, check_identified, fit_cov
from csat.stats.em import Patterns, missing_patterns

if TYPE_CHECKING:                      # pragma: no cover
    from csat.sem.partable import CompiledModel
    from csat.sem.samplestats import SampleStats

__all__ = ["FimlFit", "fiml_fit", "fiml_refit", "pattern_discrepancy", "numeric_hessian"]


def pattern_discrepancy(Sigma: np.ndarray, mu: np.ndarray, pat: Patterns, grad: bool = True):
    """``F = (1/N) Σ_k n_k [log|Σ_k| + tr(Σ_k⁻¹ (S_k + d_k d_kᵀ))]`` with ``d_k = x̄_k − μ_k``
    (``logl = −(N F + Σ n_k p_k log 2π)/2``), ``W = ∂F/∂Σ`` (p × p, zero-padded per pattern)
    and ``∂F/∂μ``; ``(inf, None, None)`` when some Σ_k is not positive definite."""
    p = pat.p
    F = 0.0
    W = np.zeros((p, p)) if grad else None
    gmu = np.zeros(p) if grad else None
    for o, nk, xbar, Sk in pat.groups:
        So = Sigma[np.ix_(o, o)]
        try:
            L = np.linalg.cholesky(So)
        except np.linalg.LinAlgError:
            return math.inf, None, None
        Li = np.linalg.inv(L)
        Om = Li.T @ Li
        d = xbar - mu[o]
        M = Sk + np.outer(d, d)
        OM = Om @ M
        F += nk * (2 * np.log(np.diag(L)).sum() + np.trace(OM))
        if grad:
            W[np.ix_(o, o)] += nk * (Om - OM @ Om)
            gmu[o] -= 2 * nk * (Om @ d)
    N = pat.n
    if grad:
        return F / N, W / N, gmu / N
    return F / N, None, None


@dataclass
class FimlFit:
    """What a FIML fit adds to its :class:`~csat.sem.ml.CovFit` (:func:`fiml_fit`): the model's means
    ``mu``, the saturated (EM) moments ``h1_mean``, ``h1_cov``, the observed-information ``hessian`` of
    F over (θ, μ), its ``vcov`` and the ``fit_measures``."""

    mu: np.ndarray
    h1_mean: np.ndarray
    h1_cov: np.ndarray
    hessian: np.ndarray
    vcov: np.ndarray
    fit_measures: dict

    def intercept_rows(self, cm: CompiledModel, Sigma: np.ndarray, Call: np.ndarray) -> pd.DataFrame:
        """``~1`` rows: free observed intercepts (= means, the mean structure is saturated) and
        latent means fixed at 0 (lavaan's rows); std.all = μ / sd."""
        from scipy import stats
        p, q = cm.p, cm.npar
        se = np.sqrt(np.maximum(np.diag(self.vcov)[q:], 0))
        z = self.mu / se
        zc = stats.norm.ppf(0.975)
        rows = []
        for j, v in enumerate(cm.observed):
            rows.append({"lhs": v, "op": "~1", "rhs": "", "label": "", "est": self.mu[j], "se": se[j], "z": z[j],
                         "pvalue": 2 * stats.norm.sf(abs(z[j])), "ci.lower": self.mu[j] - zc * se[j],
                         "ci.upper": self.mu[j] + zc * se[j], "std.lv": self.mu[j],
                         "std.all": self.mu[j] / math.sqrt(Sigma[j, j])})
        for f in cm.latent:
            rows.append({"lhs": f, "op": "~1", "rhs": "", "label": "", "est": 0.0, "se": 0.0, "z": math.nan,
                         "pvalue": math.nan, "ci.lower": 0.0, "ci.upper": 0.0, "std.lv": 0.0, "std.all": 0.0})
        return pd.DataFrame(rows)


def _fiml_objective(cm: CompiledModel, phi: np.ndarray, pat: Patterns, grad: bool = True):
    q = cm.npar
    Sigma, E, Sm, _ = cm.implied(phi[:q])
    F, W, gmu = pattern_discrepancy(Sigma, phi[q:], pat, grad)
    if not grad or W is None:
        return F, None
    U, V = cm._uv(E, Sm, *cm._entries())
    g = cm._agg(2 * np.einsum("pe,pe->e", U, W @ V))
    return F, np.concatenate([g, gmu])


def _fiml_expected_hessian(cm: CompiledModel, phi: np.ndarray, pat: Patterns) -> np.ndarray:
    """Expected Hessian of F: ``(1/N) Σ_k n_k tr(Σ_k⁻¹ ∂Σ_k Σ_k⁻¹ ∂Σ_k)`` for θ and
    ``(2/N) Σ_k n_k Σ_k⁻¹`` for μ (zero-padded; θ–μ block 0)."""
    q, p = cm.npar, cm.p
    Sigma, E, Sm, _ = cm.implied(phi[:q])
    U, V = cm._uv(E, Sm, *cm._entries())
    T = np.zeros((U.shape[1], U.shape[1]))
    Hmu = np.zeros((p, p))
    for o, nk, _, _ in pat.groups:
        Om = np.linalg.inv(Sigma[np.ix_(o, o)])
        Uo, Vo = U[o], V[o]
        OU, OV = Om @ Uo, Om @ Vo
        UU, VV, UV = Uo.T @ OU, Vo.T @ OV, Uo.T @ OV
        T += nk * 2 * (UU * VV + UV * UV.T)
        Hmu[np.ix_(o, o)] += 2 * nk * Om
    P = cm._P
    H = np.zeros((q + p, q + p))
    H[:q, :q] = P.T @ T @ P / pat.n
    H[q:, q:] = Hmu / pat.n
    return 0.5 * (H + H.T)


def numeric_hessian(fun, phi: np.ndarray) -> np.ndarray:
    """Central differences of an analytic gradient (symmetrised)."""
    k = len(phi)
    H = np.empty((k, k))
    for j in range(k):
        h = 1e-5 * max(1.0, abs(phi[j]))
        e = np.zeros(k)
        e[j] = h
        H[:, j] = (fun(phi + e) - fun(phi - e)) / (2 * h)
    return 0.5 * (H + H.T)


def _fiml_halving(cm: CompiledModel, phi: np.ndarray, step: np.ndarray, Fv: float, pat: Patterns):
    """``phi − α step`` for the first α = 1, ½, ¼, … (40 tries) that does not increase F; None if none."""
    alpha = 1.0
    for _ in range(40):
        cand = phi - alpha * step
        Fc, _ = _fiml_objective(cm, cand, pat, grad=False)
        if Fc <= Fv + 1e-15 * max(1.0, abs(Fv)):
            return cand
        alpha *= 0.5
    return None


def _fiml_scoring(cm: "CompiledModel", phi: np.ndarray, Fv: float, g: np.ndarray, pat: Patterns, *,
                  tol: float, max_iter: int, newton: bool):
    """Minimise the FIML discrepancy from ``phi`` (with ``F``, ``∇F`` there): Fisher scoring
    (expected information, least squares) with step halving; with ``newton`` Newton steps on the
    numerical Hessian of the analytic gradient once ``max |∇F| < 1e-4`` (where it is positive
    definite).  Converged when ``max |∇F| < tol``, or when F cannot decrease further at machine
    precision and ``max |∇F| < 1e-6``.  Returns ``(phi, F, ∇F, converged, iterations)``; a
    singular system ends the iterations unconverged."""
    converged, it = False, 0
    for it in range(1, max_iter + 1):
        gmax = np.max(np.abs(g))
        if gmax < tol:
            converged = True
            break
        try:
            if newton and gmax < 1e-4:
                Hn = numeric_hessian(lambda ph: _fiml_objective(cm, ph, pat)[1], phi)
                try:
                    np.linalg.cholesky(Hn)
                    step = np.linalg.solve(Hn, g)
                except np.linalg.LinAlgError:
                    step = np.linalg.solve(_fiml_expected_hessian(cm, phi, pat), g)
            else:
                step = np.linalg.lstsq(_fiml_expected_hessian(cm, phi, pat), g, rcond=None)[0]
        except np.linalg.LinAlgError:
            break
        cand = _fiml_halving(cm, phi, step, Fv, pat)
        if cand is None:
            converged = bool(gmax < 1e-6)
            break
        phi = cand
        Fv, g = _fiml_objective(cm, phi, pat)
        if g is None:
            break
    return phi, Fv, g, converged, it


def fiml_fit(cm: "CompiledModel", ss: "SampleStats") -> tuple[CovFit, FimlFit]:
    """Casewise (full-information) ML for incomplete data, as lavaan ``missing = "ml"``.

    ``logl(θ, μ) = −½ Σ_i [p_i log 2π + log|Σ_i| + (x_i − μ_i)ᵀ Σ_i⁻¹ (x_i − μ_i)]`` over the
    observed part of each case (Arbuckle 1996), computed per missing-data pattern.  Fisher
    scoring then Newton steps (numerical Hessian of the analytic gradient); standard errors from
    the observed information (lavaan's default for ``missing = "ml"``).  χ² = 2(logl_h1 − logl)
    with the saturated model estimated by EM; the baseline model has free means and variances.

    ``ss`` are the sample statistics of :func:`csat.sem.samplestats.sample_stats` with
    ``missing="fiml"``.  Returns the :class:`~csat.sem.ml.CovFit` of θ and the :class:`FimlFit`
    (means, information, fit measures); :func:`csat.sem.result.build_result` makes them a
    :class:`~csat.sem.result.SEMResult` (:func:`csat.sem.estimators.estimate_fiml` does both).
    """
    pat, X = ss.patterns, ss.X
    N, p, q = pat.n, pat.p, cm.npar
    h1_mu, h1_S = ss.mean, ss.cov
    F1, _, _ = pattern_discrepancy(h1_S, h1_mu, pat, grad=False)
    logl_h1 = -0.5 * (N * F1 + pat.const)
    # start: the complete-data fit to the EM covariance matrix, and the EM means
    cf0 = fit_cov(cm, h1_S, N)
    phi = np.concatenate([cf0.theta, h1_mu])
    Fv, g = _fiml_objective(cm, phi, pat)
    if not np.isfinite(Fv):
        phi = np.concatenate([cm.start_values(h1_S), h1_mu])
        Fv, g = _fiml_objective(cm, phi, pat)
    phi, Fv, g, converged, it = _fiml_scoring(cm, phi, Fv, g, pat, tol=1e-9, max_iter=300, newton=True)
    Hobs = numeric_hessian(lambda ph: _fiml_objective(cm, ph, pat)[1], phi)
    check_identified(cm, Hobs[:q, :q])
    try:
        vcov = np.linalg.inv(0.5 * N * Hobs)
    except np.linalg.LinAlgError as e:
        raise ModelError("the model is not identified: the observed information matrix is singular") from e
    theta, mu = phi[:q], phi[q:]
    logl = -0.5 * (N * Fv + pat.const)
    Sigma, *_ = cm.implied(theta)
    # baseline: independent variables with free means and variances
    logl_b = 0.0
    for j in range(p):
        x = X[:, j][np.isfinite(X[:, j])]
        logl_b += -0.5 * len(x) * (math.log(2 * math.pi) + math.log(x.var()) + 1)
    fm = fiml_fit_measures(cm, N, logl, logl_h1, logl_b, h1_mu, h1_S, mu, Sigma, X, pat)
    cf = CovFit(theta=theta, fmin=float(Fv), gradient=g[:q], hessian=None, converged=converged, iterations=it)
    ff = FimlFit(mu=mu, h1_mean=h1_mu, h1_cov=h1_S, hessian=Hobs, vcov=vcov, fit_measures=fm)
    return cf, ff


def fiml_refit(cm: CompiledModel, X: np.ndarray, start: np.ndarray, *, tol: float = 1e-7,
               max_iter: int = 300) -> tuple[CovFit, np.ndarray]:
    """Point estimates of a FIML fit of ``cm`` to the incomplete data ``X`` (n × p, NaN = missing),
    for bootstrap resamples: Fisher scoring (expected information, step halving on F) from
    ``start`` = ``(θ, μ)`` of the full-sample fit, without standard errors or fit measures.

    Returns ``(CovFit, μ)``; ``converged`` is True when ``max |∇F| < tol``, or when F cannot
    decrease further at machine precision and ``max |∇F| < 1e-6`` (as :func:`estimate_fiml`).  The
    optimum is the same as :func:`csat.sem.fit` with ``missing="fiml"`` reaches (it minimizes the same F).
    Never raises for numerical trouble.
    """
    X = np.asarray(X, dtype=float)
    X = X[np.isfinite(X).any(axis=1)]
    q = cm.npar
    phi = np.array(start, dtype=float)
    fail = (CovFit(theta=phi[:q], fmin=math.inf, gradient=np.full(q, np.nan), hessian=None,
                   converged=False, iterations=0), phi[q:])
    if len(X) < 2:
        return fail
    pat = missing_patterns(X)
    try:
        Fv, g = _fiml_objective(cm, phi, pat)
    except np.linalg.LinAlgError:
        return fail
    if not np.isfinite(Fv) or g is None:
        return fail
    phi, Fv, g, converged, it = _fiml_scoring(cm, phi, Fv, g, pat, tol=tol, max_iter=max_iter, newton=False)
    cf = CovFit(theta=phi[:q], fmin=float(Fv), gradient=None if g is None else g[:q], hessian=None,
                converged=converged, iterations=it)
    return cf, phi[q:]

