"""Mardia's tests of multivariate normality, as ``psych::mardia``.

With the items centred, ``S`` their covariance matrix (divisor n − 1) and ``d_ij = (x_i − x̄)ᵀ S⁻¹ (x_j − x̄)``:
``b1p = Σ_ij d_ij³ / n²`` (multivariate skewness) and ``b2p = Σ_i d_ii² / n`` (kurtosis).  The skewness
statistic ``n b1p / 6`` is χ² on ``p(p+1)(p+2)/6`` df, its small-sample version multiplies it by
``k = (p+1)(n+1)(n+3) / (n((n+1)(p+1) − 6))``; the kurtosis statistic
``(b2p − p(p+2)) / √(8p(p+2)/n)`` is standard normal (two-sided p).  Rows with a missing value are
dropped (``psych::mardia(na.rm = TRUE)``).

Reference: Mardia, K. V. (1970). Measures of multivariate skewness and kurtosis with applications.
*Biometrika*, 57, 519–530; Revelle, psych ``mardia``.

>>> import pandas as pd
>>> hs = pd.read_csv("../shared/datasets/holzinger1939.csv")
>>> m = mardia(hs[[f"x{i}" for i in range(1, 10)]])
>>> round(m["b1p"], 3), round(m["kurtosis"], 3), round(m["p_kurt"], 4)
(6.807, 2.407, 0.0161)

In R: ``psych::mardia(HolzingerSwineford1939[, 7:15], plot = FALSE)`` → b1p 6.807, kurtosis 2.407, p.kurt 0.0161.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["mardia", "MARDIA_KEYS"]

#: the entries of :func:`mardia`'s result (psych's names, ``.`` written ``_``)
MARDIA_KEYS = ["n", "p", "b1p", "skew", "df", "p_skew", "small_skew", "p_small", "b2p", "kurtosis", "p_kurt"]


def mardia(data: pd.DataFrame | np.ndarray) -> dict:
    """Mardia's multivariate skewness and kurtosis of the columns of ``data`` (see the module docstring):
    ``{n, p, b1p, skew, df, p_skew, small_skew, p_small, b2p, kurtosis, p_kurt}``, NaN statistics when
    fewer than p + 2 complete rows remain or the covariance matrix is singular."""
    from scipy import stats

    X = np.asarray(data, dtype=float)
    X = X[np.all(np.isfinite(X), axis=1)]
    n, p = X.shape
    out = dict.fromkeys(MARDIA_KEYS, math.nan)
    out.update(n=int(n), p=int(p), df=p * (p + 1) * (p + 2) / 6)
    if n < p + 2:
        return out
    Xc = X - X.mean(axis=0)
    S = Xc.T @ Xc / (n - 1)
    try:
        D = Xc @ np.linalg.solve(S, Xc.T)
    except np.linalg.LinAlgError:
        return out
    b1p = float(np.sum(D ** 3) / n ** 2)
    b2p = float(np.sum(np.diag(D) ** 2) / n)
    k = (p + 1) * (n + 1) * (n + 3) / (n * ((n + 1) * (p + 1) - 6))
    skew = n * b1p / 6
    small = n * k * b1p / 6
    kurt = (b2p - p * (p + 2)) * math.sqrt(n / (8 * p * (p + 2)))
    out.update(b1p=b1p, skew=skew, p_skew=float(stats.chi2.sf(skew, out["df"])), small_skew=small,
               p_small=float(stats.chi2.sf(small, out["df"])), b2p=b2p, kurtosis=kurt,
               p_kurt=float(2 * stats.norm.sf(abs(kurt))))
    return out
