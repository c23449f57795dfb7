"""Sample statistics of the model variables (lavaan's ``lavSampleStats``).

:func:`sample_stats` turns a data frame into one :class:`SampleStats`: for complete data
(``missing="listwise"``) the biased (divide-by-N) covariance matrix of the complete cases; for
incomplete data (``missing="fiml"``) the missing-data patterns with their counts, means and
covariances, and the saturated (h1) means and covariance matrix estimated by EM.  Bad data raise
:class:`~csat.errors.ModelError` naming the variables.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..errors import ModelError

if TYPE_CHECKING:                      # pragma: no cover
    from .partable import CompiledModel

__all__ = ["SampleStats", "sample_stats"]


@dataclass
class SampleStats:
    """The sample statistics an estimator needs.

    ``X`` the data matrix used (complete cases, or every case with an observed value for FIML),
    ``n`` its rows, ``cov`` the biased covariance matrix (for FIML the saturated EM estimate),
    ``mean`` the means (FIML: EM) and, for FIML, ``patterns`` the missing-data patterns."""

    missing: str
    X: np.ndarray
    n: int
    cov: np.ndarray
    mean: np.ndarray
    patterns: "_Patterns | None" = None


def _prepare_data(cm: CompiledModel, data: pd.DataFrame) -> np.ndarray:
    X = data[cm.observed]
    bad = [c for c in cm.observed if not pd.api.types.is_numeric_dtype(X[c])]
    if bad:
        raise ModelError(f"model variable(s) {bad} are not numeric columns of the data")
    X = X.to_numpy(dtype=float)
    ok = np.all(np.isfinite(X), axis=1)
    X = X[ok]
    if len(X) < 2:
        raise ModelError(f"only {len(X)} complete case(s) for the model variables; cannot fit")
    const = [c for c, s in zip(cm.observed, X.std(axis=0)) if s == 0]
    if const:
        raise ModelError(f"model variable(s) {const} have zero variance in the complete cases")
    return X


def _fiml_data(cm: "CompiledModel", data: pd.DataFrame) -> np.ndarray:
    if cm.ov_x:
        raise ModelError("missing='fiml' is not supported with observed exogenous covariates "
                         f"({', '.join(cm.ov_x)}); use missing='listwise'")
    X = data[cm.observed]
    bad = [c for c in cm.observed if not pd.api.types.is_numeric_dtype(X[c])]
    if bad:
        raise ModelError(f"model variable(s) {bad} are not numeric columns of the data")
    X = X.to_numpy(dtype=float)
    X = X[np.isfinite(X).any(axis=1)]            # lavaan drops cases with no observed value
    if len(X) < 2:
        raise ModelError("fewer than 2 cases with an observed value; cannot fit")
    return X


def sample_stats(cm: "CompiledModel", data: pd.DataFrame, missing: str = "listwise") -> SampleStats:
    """The :class:`SampleStats` of ``cm``'s observed variables in ``data``.

    ``missing="listwise"``: rows with a missing model variable are dropped; raises
    :class:`~csat.errors.ModelError` for non-numeric or constant variables, fewer than 2 complete
    cases or a singular covariance matrix.  ``missing="fiml"``: cases with no observed value are
    dropped, the rest are grouped by missing-data pattern and the saturated moments are estimated
    by EM.
    """
    if missing == "fiml":
        X = _fiml_data(cm, data)
        pat = _patterns(X)
        h1_mu, h1_S = _em_saturated(pat)
        return SampleStats(missing="fiml", X=X, n=pat.n, cov=h1_S, mean=h1_mu, patterns=pat)
    X = _prepare_data(cm, data)
    n = len(X)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):   # tall n × p product: threads only contend
        S = np.cov(X.T, ddof=0).reshape(cm.p, cm.p)
    if np.linalg.eigvalsh(S).min() <= 1e-12 * np.trace(S):
        raise ModelError("the sample covariance matrix of the model variables is singular "
                         "(a variable is a linear combination of others)")
    return SampleStats(missing="listwise", X=X, n=n, cov=S, mean=X.mean(axis=0))


@dataclass
class _Patterns:
    """Missing-data patterns: for each, the observed columns, count, mean and (biased) covariance."""

    n: int
    p: int
    groups: list
    const: float          # Σ_k n_k p_k log(2π)


def _patterns(X: np.ndarray) -> _Patterns:
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
    return _Patterns(n=int(sum(g[1] for g in groups)), p=X.shape[1], groups=groups, const=const)


def _em_saturated(pat: _Patterns, tol: float = 1e-11, max_iter: int = 20000):
    """Saturated (unrestricted) ML estimates of μ and Σ from incomplete data by the EM
    algorithm (Dempster, Laird & Rubin 1977; Little & Rubin 2002, §11.2)."""
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
    for _ in range(max_iter):
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
            break
    return mu, Sig
