"""Sample statistics of the model variables (lavaan's ``lavSampleStats``).

:func:`sample_stats` turns a data frame into one :class:`SampleStats`: for complete data
(``missing="listwise"``) the biased (divide-by-N) covariance matrix of the complete cases; for
incomplete data (``missing="fiml"``) the missing-data patterns with their counts, means and
covariances, and the saturated (h1) means and covariance matrix estimated by EM (:mod:`csat.stats.em`).  Bad data raise
:class:`~csat.core.errors.ModelError` naming the variables.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from csat.core.errors import ModelError
from csat.stats.em import Patterns, em_patterns, missing_patterns

if TYPE_CHECKING:                      # pragma: no cover
    from csat.sem.partable import CompiledModel

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
    patterns: "Patterns | None" = None


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
    :class:`~csat.core.errors.ModelError` for non-numeric or constant variables, fewer than 2 complete
    cases or a singular covariance matrix.  ``missing="fiml"``: cases with no observed value are
    dropped, the rest are grouped by missing-data pattern and the saturated moments are estimated
    by EM.

    Examples
    --------
    >>> import pandas as pd
    >>> from csat.sem import build_model, sample_stats
    >>> hs = pd.read_csv("../shared/datasets/holzinger1939.csv")
    >>> cm = build_model("visual =~ x1 + x2 + x3", hs.columns)
    >>> ss = sample_stats(cm, hs)
    >>> ss.n, round(float(ss.cov[0, 0]), 3)
    (301, 1.358)

    lavaan's sample statistics are the same divide-by-N moments:
    ``lavInspect(cfa("visual =~ x1 + x2 + x3", HS), "sampstat")$cov["x1", "x1"]`` → 1.358.
    """
    if missing == "fiml":
        X = _fiml_data(cm, data)
        pat = missing_patterns(X)
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


def _em_saturated(pat: Patterns, tol: float = 1e-11, max_iter: int = 20000):
    """``(μ, Σ)``: the saturated ML estimates of :func:`csat.stats.em.em_patterns`."""
    r = em_patterns(pat, tol=tol, max_iter=max_iter)
    return r.mean, r.cov
