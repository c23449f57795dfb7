"""Item correlations and covariances: the one implementation of each, shared by the statistics engines.

:mod:`csat.stats.reliability` (alpha, HTMT, cross-loadings) and :mod:`csat.stats.factor` (KMO, EFA) both
start from the correlations or covariances of a set of items; each computation is defined here once:

- :func:`pairwise_corr`: pairwise-complete Pearson correlations (``cor(x, use = "pairwise")``);
- :func:`item_covariance`: the item covariance matrix, pairwise or listwise (``psych::alpha``'s);
- :func:`item_correlations`: the item correlations, pairwise or listwise, or lavaan's pairwise
  correlations (``lavCor(missing = "pairwise")``, as ``semTools::htmt``);
- :func:`cov2cor`: a covariance matrix scaled to correlations (R ``cov2cor``);
- :func:`smc`: squared multiple correlations (``psych::smc``);

with the input checks they share (:func:`check_missing`, :func:`item_frame`).  Numpy and pandas only
(no scipy): :mod:`csat.stats.reliability` is imported by ``csat.pipeline.build prepare``.

Examples
--------
>>> R = item_correlations(holzinger, ["x1", "x2", "x3"])
>>> R.round(3)
       x1     x2     x3
x1  1.000  0.297  0.441
x2  0.297  1.000  0.340
x3  0.441  0.340  1.000
>>> smc(R.to_numpy()).round(3).tolist()
[0.219, 0.143, 0.242]
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

MISSING = ("pairwise", "listwise")


# --------------------------------------------------------------------------------------------
# input handling
# --------------------------------------------------------------------------------------------
def check_missing(missing: str) -> str:
    """``missing`` if it is ``"pairwise"`` or ``"listwise"`` (:data:`MISSING`), else a ValueError."""
    if missing not in MISSING:
        raise ValueError(f"missing must be 'pairwise' or 'listwise', not {missing!r}")
    return missing


def item_frame(data: pd.DataFrame, items: Sequence[str], construct: str | None = None) -> pd.DataFrame:
    """The item columns as floats, with a clear error for an absent or non-numeric column."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    where = f"construct {construct!r}: " if construct is not None else ""
    absent = [i for i in items if i not in data.columns]
    if absent:
        raise ValueError(f"{where}item column(s) {absent} not in the data "
                         f"(columns: {list(map(str, data.columns))[:30]})")
    out = {}
    for i in items:
        col = data[i]
        if pd.api.types.is_bool_dtype(col) or not (pd.api.types.is_numeric_dtype(col) or col.isna().all()):
            raise ValueError(f"{where}item column {i!r} is not numeric (dtype {col.dtype}); "
                             "recode it to numbers before the reliability analysis")
        out[i] = pd.to_numeric(col, errors="coerce").astype(float)
    return pd.DataFrame(out, index=data.index)


# --------------------------------------------------------------------------------------------
# correlations and covariances
# --------------------------------------------------------------------------------------------
def pairwise_corr(X: pd.DataFrame) -> pd.DataFrame:
    """``X.corr(min_periods=2)`` (pairwise-complete Pearson correlations), computed by one BLAS
    product (on one thread) when no value is missing — pandas' pairwise loop is O(n p²) in
    plain loops, 20x slower on a million rows; the same numbers to rounding."""
    A = X.to_numpy(dtype=float, na_value=np.nan)
    if len(A) < 2 or not np.isfinite(A).all():
        return X.corr(min_periods=2)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"), np.errstate(invalid="ignore", divide="ignore"):
        Xc = A - A.mean(axis=0)
        C = Xc.T @ Xc
        d = np.sqrt(np.diag(C))
        R = np.clip(C / np.outer(d, d), -1.0, 1.0)
    R[:, d == 0] = np.nan                         # a constant column has no correlation (as pandas)
    R[d == 0, :] = np.nan
    return pd.DataFrame(R, index=X.columns, columns=X.columns)


def cov2cor(C: np.ndarray) -> np.ndarray:
    """A covariance matrix scaled to correlations, ``D⁻¹ C D⁻¹`` with ``D = diag(C)^½`` (R ``cov2cor``);
    a variable without (finite positive) variance gives NaN or ±inf entries, without a warning."""
    with np.errstate(invalid="ignore", divide="ignore"):
        d = 1 / np.sqrt(np.diag(C))
        return C * d[:, None] * d[None, :]


def smc(R: np.ndarray) -> np.ndarray:
    """Squared multiple correlation of each variable with all others: ``1 − 1/diag(R⁻¹)``.

    As ``psych::smc``: the (Moore–Penrose) pseudo-inverse is used and values are clipped
    to [0, 1].  NaN if the matrix has missing entries.
    """
    R = np.asarray(R, dtype=float)
    if R.shape[0] == 1 or not np.isfinite(R).all():
        return np.full(R.shape[0], np.nan)
    Ri = np.linalg.pinv(R)
    with np.errstate(divide="ignore"):
        s = 1 - 1 / np.diag(Ri)
    return np.clip(s, 0.0, 1.0)


def item_covariance(data: pd.DataFrame, items: Sequence[str], missing: str = "pairwise",
                    construct: str | None = None) -> tuple[pd.DataFrame, int]:
    """Covariance matrix of ``items`` (n − 1 divisor) and the number of respondents used.

    ``pairwise``: each covariance from the rows where both items are observed, with means
    over those rows (R ``cov(x, use = "pairwise")``, as ``psych::alpha``); ``n`` = rows with at
    least one observed item.  ``listwise``: rows with every item observed (``na.omit``).
    """
    check_missing(missing)
    X = item_frame(data, items, construct)
    if missing == "listwise":
        X = X.dropna()
        n = len(X)
    else:
        n = int(X.notna().any(axis=1).sum())
    return X.cov(min_periods=2), n


def item_correlations(data: pd.DataFrame, items: Sequence[str], missing: str = "pairwise",
                      lavaan_pairwise: bool = False) -> pd.DataFrame:
    """Pearson correlations of the items, pairwise-complete or on listwise-complete rows.

    ``lavaan_pairwise=True`` (with ``missing="pairwise"``) gives lavaan's ``lavCor(missing =
    "pairwise")``: the pairwise-complete covariance divided by standard deviations computed
    from every available value of each item (rather than from the pairwise-complete rows).
    """
    check_missing(missing)
    X = item_frame(data, items)
    if missing == "listwise":
        X = X.dropna()
    if missing == "pairwise" and lavaan_pairwise:
        sd = X.std().to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            R = X.cov(min_periods=2).to_numpy() / np.outer(sd, sd)
        np.fill_diagonal(R, 1.0)
        return pd.DataFrame(R, index=X.columns, columns=X.columns)
    return pairwise_corr(X)
