"""The EM algorithm for the saturated multivariate-normal model with missing values.

One implementation, of the missing-data patterns (:func:`missing_patterns`) and of the EM
(:func:`em_patterns`, :func:`em_mvn`), serves every caller: Little's MCAR test in cleaning
(:func:`csat.intake.cleaning.little_mcar`), the saturated (h1) moments and the casewise likelihood of
a FIML fit (:mod:`csat.sem.samplestats`, :mod:`csat.sem.fiml`) and of each group of a multi-group FIML
fit (:mod:`csat.sem.multigroup`).

Algorithm (Dempster, Laird & Rubin 1977; Little & Rubin 2002, §11.2)
--------------------------------------------------------------------
The rows are grouped by missing-data pattern (:func:`missing_patterns`); pattern k has ``n_k``
rows with observed variables o, missing variables m, observed-part mean ``x̄_k`` and biased
covariance ``S_k``.  E-step, with ``B = Σ_mo Σ_oo⁻¹``::

    E[y_m | y_o] = μ_m + B (y_o − μ_o),      Cov[y_m | y_o] = Σ_mm − B Σ_om

accumulated per pattern through ``x̄_k`` and ``S_k`` (the sufficient statistics), so the cost per
iteration does not grow with the number of rows.  M-step: ``μ = T₁/N``, ``Σ = T₂/N − μμᵀ``
(divisor N, ML).  Start: the available-case means and (biased) variances, zero covariances.
Converged when the largest change of any element of μ or Σ is below ``tol · max(1, max|Σ|)``.
Rows with no observed value are ignored.

The estimates are those of lavaan's ``lavCor(..., missing = "ml")`` / ``sem(..., missing = "ml")``
h1 model and of R's ``norm::em.norm``; tests compare with lavaan (``tests/reference/sem_fiml.R``,
``tests/reference/little_mcar.json``).

Example
-------
>>> import numpy as np
>>> from csat.stats.em import em_mvn
>>> Y = np.array([[1.0, 2.0], [2.0, np.nan], [3.0, 5.0], [4.0, 7.0]])
>>> r = em_mvn(Y)
>>> r["converged"], np.round(r["mean"], 4).tolist()
(True, [2.5, 4.3929])

lavaan 0.6-14 gives the same means (``Mu``: 2.500000 4.392859)::

    Y <- cbind(a = c(1, 2, 3, 4), b = c(2, NA, 5, 7))
    lavaan:::lav_mvnorm_missing_h1_estimate_moments(Y = Y, Mp = lavaan:::lav_data_missing_patterns(Y))
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Patterns", "missing_patterns", "EMEstimate", "em_patterns", "em_mvn"]


@dataclass
class Patterns:
    """Missing-data patterns of a data matrix: ``groups`` holds, per pattern, the observed columns
    ``o``, the count ``n_k``, the mean ``x̄_k`` and the biased covariance ``S_k`` of the observed
    part; ``n`` rows in all (rows with no observed value left out), ``p`` columns."""

    n: int
    p: int
    groups: list
    const: float          # Σ_k n_k p_k log(2π)


def missing_patterns(X: np.ndarray) -> Patterns:
    """Group the rows of ``X`` (n × p, NaN = missing) by missing-data pattern (see :class:`Patterns`)."""
    obs = np.isfinite(X)
    keys, inv = np.unique(obs, axis=0, return_inverse=True)
    groups = []
    const = 0.0
    for k, key in enumerate(keys):
        o = np.flatnonzero(key)
        if len(o) == 0:
            continue
        rows = X[inv.ravel() == k][:, o]
        nk = len(rows)
        xbar = rows.mean(axis=0)
        C = rows - xbar
        groups.append((o, nk, xbar, C.T @ C / nk))
        const += nk * len(o) * math.log(2 * math.pi)
    return Patterns(n=int(sum(g[1] for g in groups)), p=X.shape[1], groups=groups, const=const)


@dataclass
class EMEstimate:
    """Saturated ML estimates from :func:`em_patterns`."""

    mean: np.ndarray
    cov: np.ndarray
    iterations: int
    converged: bool


def em_patterns(pat: Patterns, *, tol: float = 1e-11, max_iter: int = 20_000) -> EMEstimate:
    """Saturated (unrestricted) ML estimates of μ and Σ from the missing-data patterns ``pat``
    by EM (see the module docstring).

    Parameters
    ----------
    pat : :class:`Patterns` of the data (:func:`missing_patterns`).
    tol : relative convergence tolerance on the largest change of μ and Σ.
    max_iter : at most this many EM iterations.

    Returns
    -------
    EMEstimate
        ``mean`` (p), ``cov`` (p × p, divisor N), ``iterations``, ``converged``.
    """
    p, N = pat.p, pat.n
    # start: available-case means and variances
    mu = np.zeros(p)
    cnt = np.zeros(p)
    for o, nk, xbar, _ in pat.groups:
        mu[o] += nk * xbar
        cnt[o] += nk
    mu /= np.maximum(cnt, 1)
    var = np.zeros(p)
    for o, nk, xbar, Sk in pat.groups:
        var[o] += nk * (np.diag(Sk) + (xbar - mu[o]) ** 2)
    Sig = np.diag(var / np.maximum(cnt, 1))
    full = np.arange(p)
    converged, it = False, 0
    for it in range(1, max_iter + 1):
        T1 = np.zeros(p)
        T2 = np.zeros((p, p))
        for o, nk, xbar, Sk in pat.groups:
            m = np.setdiff1d(full, o)
            if len(m) == 0:
                T1 += nk * xbar
                T2 += nk * (Sk + np.outer(xbar, xbar))
                continue
            B = np.linalg.solve(Sig[np.ix_(o, o)], Sig[np.ix_(o, m)]).T
            Cm = Sig[np.ix_(m, m)] - B @ Sig[np.ix_(o, m)]
            xm = mu[m] + B @ (xbar - mu[o])
            T1[o] += nk * xbar
            T1[m] += nk * xm
            T2[np.ix_(o, o)] += nk * (Sk + np.outer(xbar, xbar))
            om = nk * (Sk @ B.T + np.outer(xbar, xm))
            T2[np.ix_(o, m)] += om
            T2[np.ix_(m, o)] += om.T
            T2[np.ix_(m, m)] += nk * (B @ Sk @ B.T + np.outer(xm, xm) + Cm)
        mu_new = T1 / N
        Sig_new = T2 / N - np.outer(mu_new, mu_new)
        delta = max(np.max(np.abs(mu_new - mu)), np.max(np.abs(Sig_new - Sig)))
        mu, Sig = mu_new, 0.5 * (Sig_new + Sig_new.T)
        if delta < tol * max(1.0, np.max(np.abs(Sig))):
            converged = True
            break
    return EMEstimate(mean=mu, cov=Sig, iterations=it, converged=converged)


def em_mvn(Y: np.ndarray, *, tol: float = 1e-11, max_iter: int = 20_000) -> dict:
    """ML estimates of the mean vector and covariance matrix of multivariate-normal data with
    missing values, by EM (see the module docstring).

    Parameters
    ----------
    Y : n × p array, NaN = missing; rows with no observed value are ignored.
    tol, max_iter : as :func:`em_patterns`.

    Returns
    -------
    dict
        ``mean``, ``cov`` (divisor n), ``iterations``, ``converged``.
    """
    r = em_patterns(missing_patterns(np.asarray(Y, dtype="float64")), tol=tol, max_iter=max_iter)
    return {"mean": r.mean, "cov": r.cov, "iterations": r.iterations, "converged": r.converged}
