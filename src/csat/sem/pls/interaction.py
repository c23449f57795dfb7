"""Moderation in PLS: the product term ``X:Z`` of ``Y ~ X + Z + X:Z`` as a construct, built from the data
in three ways (as seminr's ``interaction_term``; Hair, Hult, Ringle & Sarstedt, *A Primer on PLS-SEM*, 3rd
ed. 2022, ch. 7; Henseler & Chin 2010), and the simple slopes of a moderation.

* ``two_stage`` (the default; Chin, Marcolin & Newsted 2003): estimate the model without product terms,
  multiply the construct scores of X and Z; the product is the single item of ``X:Z``;
* ``product_indicator``: every product of X's and Z's standardized items (X's item varying slowest),
  the items of a Mode A block ``X:Z``;
* ``orthogonal`` (Little, Bovaird & Widaman 2006): those products, each residualized on all items of X and Z
  (OLS with intercept).

The generated columns are functions of the (mean-replaced) item data: :class:`ProductTerm` builds them for a
stack of data sets ``(b, n, p)`` at once, so the bootstrap re-builds them in every resample (as seminr's
``bootstrap_model``, which re-runs the whole estimation).  Part of :mod:`csat.sem.pls`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from csat.sem.pls.estimate import fit_weights, moments
from csat.sem.pls.model import PLSSpec

__all__ = ["METHODS", "adjust_paths", "FirstStageScores", "ProductTerm", "Columns", "Augment", "simple_slopes", "SLOPE_COLUMNS"]

METHODS = ("two_stage", "product_indicator", "orthogonal")
SLOPE_COLUMNS = ["lhs", "rhs", "moderator", "level", "z", "slope", "ci.lower", "ci.upper", "intercept"]


def adjust_paths(sol: dict, sd: np.ndarray, spec: PLSSpec, names) -> dict:
    """The paths of the product terms ``names`` in units of the product of the standardized constructs
    (Henseler & Chin 2010's adjustment, as seminr's ``adjust_interaction``): each product term's score is
    scaled by the loading-weighted mean sd of its (unstandardized) generated columns, so its path is the
    standardized one divided by that sd; the other paths, R² and the loadings are unchanged.  ``sol`` is a
    solution dict of stacks (``B``, ``L``, ``total``), ``sd`` the columns' sds (b, p)."""
    if not names:
        return sol
    cons = list(spec.constructs)
    sl = spec.item_slices()
    f = np.ones((sol["B"].shape[0], len(cons)))
    for name in names:
        j, ix = cons.index(name), sl[name]
        lam = np.abs(sol["L"][:, ix, j])
        f[:, j] = (lam * sd[:, ix]).sum(axis=1) / lam.sum(axis=1)
    B = sol["B"] / f[:, None, :]
    eye = np.eye(len(cons))
    return {**sol, "B": B, "total": np.linalg.inv(eye[None] - B) - eye[None]}


class FirstStageScores:
    """Standardized construct scores of the first-stage model ``spec`` estimated on the columns ``cols``,
    for the constructs ``take``: ``(b, n, p) -> (b, n, len(take))`` (NaN for a resample that fails).
    ``W0`` warm-starts the iteration (the full-sample weights).  ``raw_units``: the scores on the items' scale
    instead, ``Σ ŵ_i x_i`` with the ACSI weights ``ŵ ∝ w_i/sd_i`` summing to one (:mod:`csat.sem.pls.index`):
    the same composite up to a linear map, so every PLS estimate of a higher-order construct measured by them is
    unchanged, and its 0–100 index and IPMA performance are those of its dimensions (as SmartPLS's)."""

    def __init__(self, spec: PLSSpec, cols, take, W0=None, tol: float = 1e-7, max_iter: int = 300,
                 raw_units: bool = False):
        self.spec, self.cols, self.W0, self.tol, self.max_iter = spec, np.asarray(cols), W0, tol, max_iter
        self.take = [list(spec.constructs).index(c) for c in take]
        self.raw_units = raw_units

    def __call__(self, X: np.ndarray) -> np.ndarray:
        Xs = X[..., self.cols]
        m, sd, R = moments(Xs)
        good = np.isfinite(R).all(axis=(1, 2))
        Rg = np.where(good[:, None, None], R, np.eye(R.shape[-1])[None])
        W, _, ok = fit_weights(Rg, self.spec, self.W0, self.tol, self.max_iter)
        with np.errstate(invalid="ignore", divide="ignore"):
            if self.raw_units:
                U = W[:, :, self.take] / sd[:, :, None]
                S = Xs @ (U / U.sum(axis=1, keepdims=True))
            else:
                S = ((Xs - m[:, None, :]) / sd[:, None, :]) @ W[:, :, self.take]
        S[~(good & ok)] = np.nan
        return S


def _standardize(X: np.ndarray) -> np.ndarray:
    sd = X.std(axis=-2, ddof=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (X - X.mean(axis=-2, keepdims=True)) / sd


class ProductTerm:
    """The generated columns of one product term (module docstring): ``(b, n, p) -> (b, n, q)``."""

    def __init__(self, method: str, iv_cols, mod_cols, scores: FirstStageScores | None = None):
        if method not in METHODS:
            raise ValueError(f"pls interaction must be one of {METHODS}, not {method!r}")
        self.method, self.iv, self.mod, self.scores = method, list(iv_cols), list(mod_cols), scores

    def __call__(self, X: np.ndarray) -> np.ndarray:
        if self.method == "two_stage":
            S = self.scores(X)
            return S[..., :1] * S[..., 1:2]
        zi, zm = _standardize(X[..., self.iv]), _standardize(X[..., self.mod])
        b, n = X.shape[0], X.shape[1]
        P = (zi[..., :, None] * zm[..., None, :]).reshape(b, n, len(self.iv) * len(self.mod))
        if self.method == "orthogonal":
            D = np.concatenate([np.ones((b, n, 1)), X[..., self.iv + self.mod]], axis=-1)
            Dt = np.swapaxes(D, -1, -2)
            beta = np.linalg.solve(Dt @ D, Dt @ P)
            P = P - D @ beta
        return P


class Columns:
    """Copies of the columns ``cols`` (the repeated indicators of a higher-order construct)."""

    def __init__(self, cols):
        self.cols = list(cols)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        return X[..., self.cols]


class Augment:
    """The generated columns of an extended model: each step's columns are appended to the data in turn,
    then ``select`` picks the columns of the estimated model, in its order.  Picklable (bootstrap workers)."""

    def __init__(self, steps, select):
        self.steps, self.select = list(steps), list(select)

    def __call__(self, X: np.ndarray) -> np.ndarray:
        for step in self.steps:
            X = np.concatenate([X, step(X)], axis=-1)
        return X[..., self.select]


def simple_slopes(paths: pd.DataFrame, interactions: dict, boot=None, level: float = 0.95) -> pd.DataFrame:
    """Simple slopes of every moderation ``Y ~ X + Z + X:Z``: the effect of X on Y with the moderator Z at one
    standard deviation below its mean, at its mean and one above (``z`` = −1, 0, 1; Aiken & West 1991; as
    seminr's ``slope_analysis``): ``slope = β_X + z·β_XZ`` and ``intercept = z·β_Z`` (the line
    ``Y = intercept + slope·X`` in standardized units).  ``paths`` is ``paths.loc[to, from]``; with a
    :class:`csat.sem.pls.bootstrap.PLSBootstrap` ``boot`` each slope gets its percentile interval (the same
    combination of each resample's paths).  Columns :data:`SLOPE_COLUMNS`."""
    rows = []
    for name, (x, z) in interactions.items():
        for y in paths.index:
            b_xz = float(paths.loc[y, name]) if name in paths.columns else 0.0
            if b_xz == 0.0:
                continue
            b_x, b_z = float(paths.loc[y, x]), float(paths.loc[y, z])
            for lev, zz in (("-1 SD", -1.0), ("mean", 0.0), ("+1 SD", 1.0)):
                lo = hi = np.nan
                if boot is not None:
                    ok = boot.draws[boot.status == "ok"]
                    try:
                        d = ok[:, boot.names.index(f"{y}~{x}")] + zz * ok[:, boot.names.index(f"{y}~{name}")]
                        q = np.quantile(d, [(1 - level) / 2, (1 + level) / 2], method="linear") if len(d) else \
                            [np.nan, np.nan]
                        lo, hi = float(q[0]), float(q[1])
                    except ValueError:
                        pass
                rows.append({"lhs": y, "rhs": x, "moderator": z, "level": lev, "z": zz, "slope": b_x + zz * b_xz,
                             "ci.lower": lo, "ci.upper": hi, "intercept": zz * b_z})
    return pd.DataFrame(rows, columns=SLOPE_COLUMNS)
