"""Exploratory factor analysis: sampling adequacy, number of factors, extraction and rotation.

Every function follows the R package psych (Revelle) and GPArotation (Bernaards & Jennrich), so
that results match ``psych::KMO``, ``psych::cortest.bartlett``, ``psych::fa.parallel`` and
``psych::fa`` on the same data and options (tested to 1e-3 or better against psych 2.2.9).

Correlations
------------
As psych, the item correlations are by default *pairwise* (``cor(x, use="pairwise")``: each
correlation from the respondents who answered both items; :func:`csat.stats.correlations.pairwise_corr`)
and n is the number of rows; with ``missing="listwise"`` only respondents who answered every item are
used.

Extraction (on the correlation matrix R, p items, k factors)
------------------------------------------------------------
- ``minres`` (psych ``fm="minres"``): choose the uniquenesses ψ that minimise the sum of squared
  *off-diagonal* residuals of R − ΛΛ', where for given ψ the loadings are the first k
  eigenvectors of R with 1 − ψ on the diagonal, scaled by the square roots of their eigenvalues
  (Harman 1960; Revelle's ``fit.residuals``); start at 1 − SMC, bounds .005 ≤ ψ ≤ 1.
  Convergence of minres and ml is judged at the solution by the projected gradient (first-order
  optimality on the box .005 ≤ ψ ≤ 1), not by the optimiser's exit status, whose line search may
  stop "abnormally" at an optimum depending on the CPU's BLAS kernels.
- ``ml`` (psych ``fm="ml"``): maximum likelihood, minimising
  F = log|Σ| + tr(R Σ⁻¹) − log|R| − p with Σ = ΛΛ' + Ψ; for given Ψ the loadings follow from the
  eigen-decomposition of Ψ^{-1/2} R Ψ^{-1/2} (Jöreskog 1967).
- ``principal`` (psych ``fm="pa"``): iterated principal-axis factoring starting from the squared
  multiple correlations, until the communalities change by less than 0.001 (at most 50 steps).

Rotation
--------
- ``oblimin``: GPArotation's ``GPFoblq`` gradient-projection algorithm with the quartimin criterion
  (γ = 0), no Kaiser normalisation, from the identity (psych's default for ``fa``).
- ``varimax``: ``stats::varimax`` (Kaiser normalisation).  ``promax``: psych's ``Promax`` (varimax,
  then the power-4 target, rescaled so factor variances are 1).
- Columns are then ordered by the variance they explain and signed so that each column sums to a
  positive value, as psych does; they are named ``MR1, MR2, …`` (``ML…`` for ml, ``PA…`` for
  principal).

Number of factors
-----------------
Horn's (1965) parallel analysis on **principal-component** eigenvalues of R (the eigenvalues of
the full correlation matrix; psych's ``fa.parallel`` "components" line), compared with a chosen
percentile of the same eigenvalues from simulated standard-normal data of the same n and p.
psych's factor-analysis eigenvalues (``fa.values``) are available with ``kind="fa"``.

The whole exploratory stage of 04_factor_analysis is :func:`exploratory_analysis`; the reader's
texts and tables (Kaiser's labels in the study's language, the summary paragraph) are
:mod:`csat.analyses.factor`'s and the scree plot is :func:`csat.viz.factor.scree_plot`.

References: Kaiser (1970, 1974); Bartlett (1951); Horn (1965); Jennrich (2002); Revelle, psych.
"""
from __future__ import annotations

import functools
import itertools
import math
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import optimize, stats

from csat.core.diagnostics import Diagnostic, Listing, diagnostic
from csat.core.i18n import N_, Msg
from csat.stats.correlations import cov2cor, pairwise_corr, smc

#: Kaiser's (1974) labels of a KMO/MSA value: ``(lower bound, label)``, best first; each label is a catalog
#: message, shown in a study's language with ``csat.core.i18n.tr(label, language)``
KMO_LABELS = [(0.9, N_("marvelous")), (0.8, N_("meritorious")), (0.7, N_("middling")), (0.6, N_("mediocre")),
              (0.5, N_("miserable")), (-math.inf, N_("unacceptable"))]
METHODS = ("minres", "ml", "principal")
ROTATIONS = ("oblimin", "promax", "varimax", "none")
PREFIX = {"minres": "MR", "ml": "ML", "principal": "PA"}
PSI_MIN = 0.005          # psych's lower bound for uniquenesses in minres / ml
VACCOUNTED = ["SS loadings", "Proportion Var", "Cumulative Var", "Proportion Explained", "Cumulative Proportion"]


from csat.core.errors import FactorError  # noqa: E402,F401  (defined in csat.core.errors; re-exported here)


def _one_blas_thread(func):
    """Run ``func`` with BLAS limited to one thread.

    The matrices here are small and numpy and scipy each load their own OpenBLAS; alternating
    between two multi-threaded pools (eigh in numpy, L-BFGS-B in scipy) costs milliseconds per call
    on a busy machine, 40x the work itself.  One thread avoids the hand-over.
    """
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1, user_api="blas"):
            return func(*args, **kwargs)
    return wrapper


# ------------------------------------------------------------------------------ input
def correlation_matrix(data: pd.DataFrame, items: Sequence[str] | None = None,
                       missing: str = "pairwise") -> tuple[np.ndarray, int, list[str]]:
    """Pearson correlations of the items; returns ``(R, n, items)``.

    ``missing="pairwise"`` (psych's default ``use="pairwise"``): every r from the respondents who
    answered both items, and n = the number of rows (what ``psych::fa`` and
    ``psych::cortest.bartlett`` use for raw data).  ``missing="listwise"``: complete cases only,
    n = their number.  An absent or non-numeric item, an item without variance, a pair of items
    never answered together and a singular correlation matrix are errors naming the items.
    """
    if not isinstance(data, pd.DataFrame):
        raise FactorError(f"data must be a pandas DataFrame, not {type(data).__name__}")
    if missing not in ("pairwise", "listwise"):
        raise FactorError(f"missing must be 'pairwise' or 'listwise', not {missing!r}")
    items = list(items) if items is not None else list(data.columns)
    absent = [i for i in items if i not in data.columns]
    if absent:
        raise FactorError(f"items not in the data: {absent}")
    if len(items) < 3:
        raise FactorError(f"factor analysis needs at least 3 items, got {items}")
    for i in items:
        col = data[i]
        if pd.api.types.is_bool_dtype(col) or not (pd.api.types.is_numeric_dtype(col) or col.isna().all()):
            bad = pd.to_numeric(col, errors="coerce").isna() & col.notna()
            row = bad.idxmax() if bad.any() else None
            raise FactorError(f"item column {i!r} is not numeric (dtype {col.dtype}"
                              + (f"; e.g. row {row!r}: {col[row]!r}" if row is not None else "") + ")")
    X = data[items].astype(float)
    if missing == "listwise":
        X = X.dropna()
    n = len(X)
    if n < 3:
        raise FactorError(f"only {n} usable respondents: too few for factor analysis")
    sd = X.std(ddof=1)
    const = list(sd.index[(sd <= 0) | sd.isna()])
    if const:
        raise FactorError(f"items without variance cannot be factor-analysed: {const}")
    if missing == "listwise":
        R = np.corrcoef(X.to_numpy(float), rowvar=False)
    else:
        C = pairwise_corr(X)
        if C.isna().any().any():
            pairs = [(a, b) for a, b in itertools.combinations(items, 2) if pd.isna(C.loc[a, b])]
            raise FactorError(f"no correlation for item pair(s) {pairs[:5]}: too few respondents answered both")
        R = C.to_numpy(float)
    w = np.linalg.eigvalsh(R)
    if w.min() <= 1e-10 * max(w.max(), 1.0):
        iu = np.triu_indices(len(items), 1)
        near = [(items[a], items[b]) for a, b in zip(*iu) if abs(R[a, b]) > 0.999]
        raise FactorError("the item correlation matrix is singular (an item is a linear combination of others"
                          + (f", e.g. {near[:3]}" if near else "") + "); drop the redundant item(s)")
    return R, n, items


# ------------------------------------------------------------------------------ adequacy
def kmo(R: np.ndarray | pd.DataFrame) -> tuple[float, np.ndarray]:
    """Kaiser–Meyer–Olkin measure of sampling adequacy (psych ``KMO``).

    With Q the anti-image (partial) correlations, −cov2cor(R⁻¹), and both diagonals set to 0::

        MSA   = Σ r²ᵢⱼ / (Σ r²ᵢⱼ + Σ q²ᵢⱼ)          (overall)
        MSAᵢ  = Σⱼ r²ᵢⱼ / (Σⱼ r²ᵢⱼ + Σⱼ q²ᵢⱼ)       (per item)

    Kaiser, H. F. (1970). A second generation little jiffy. *Psychometrika* 35, 401–415.
    Example: ``kmo(np.corrcoef(X, rowvar=False))``.

    Examples
    --------
    >>> R, n, items = correlation_matrix(holzinger, [f"x{i}" for i in range(1, 10)])
    >>> overall, per_item = kmo(R)
    >>> round(overall, 3), per_item.round(3)[:3].tolist()
    (0.752, [0.805, 0.778, 0.734])

    In R (``HS <- lavaan::HolzingerSwineford1939``): ``psych::KMO(HS[, paste0("x", 1:9)])$MSAi["x1"]`` → 0.805.
    """
    R = np.asarray(R, float)
    Ri = np.linalg.inv(R)
    d = np.sqrt(np.diag(Ri))
    Q = -Ri / np.outer(d, d)
    np.fill_diagonal(Q, 0.0)
    R0 = R.copy()
    np.fill_diagonal(R0, 0.0)
    r2, q2 = R0 ** 2, Q ** 2
    overall = r2.sum() / (r2.sum() + q2.sum())
    items = r2.sum(axis=0) / (r2.sum(axis=0) + q2.sum(axis=0))
    return float(overall), items


def kmo_label(value: float) -> str:
    """Kaiser's (1974) verbal label for a KMO/MSA value (:data:`KMO_LABELS`).

    ≥ .90 marvelous, ≥ .80 meritorious, ≥ .70 middling, ≥ .60 mediocre, ≥ .50 miserable,
    below .50 (or missing) unacceptable (Kaiser 1974, *Psychometrika* 39, 31–36).  The label is a catalog
    message: :func:`csat.analyses.factor.kmo_label` gives it in a study's language.
    """
    for cut, label in KMO_LABELS:
        if value >= cut:
            return label
    return KMO_LABELS[-1][1]


def bartlett_sphericity(R: np.ndarray, n: int) -> dict:
    """Bartlett's (1951) test that R is an identity matrix (psych ``cortest.bartlett``).

    χ² = −(n − 1 − (2p + 5)/6) · log|R|,  df = p(p − 1)/2,  p-value from χ²(df).
    Bartlett, M. S. (1951). *J. R. Stat. Soc. B* 13, 1–8.

    Examples
    --------
    >>> R, n, items = correlation_matrix(holzinger, [f"x{i}" for i in range(1, 10)])
    >>> b = bartlett_sphericity(R, n)
    >>> round(b["chisq"], 2), b["df"]
    (904.1, 36)

    In R: ``psych::cortest.bartlett(cor(HS[, paste0("x", 1:9)]), n = 301)$chisq`` → 904.097.
    """
    R = np.asarray(R, float)
    p = R.shape[0]
    sign, logdet = np.linalg.slogdet(R)
    chisq = -((n - 1) - (2 * p + 5) / 6.0) * logdet
    df = p * (p - 1) / 2
    return {"chisq": float(chisq), "df": int(df), "pvalue": float(stats.chi2.sf(chisq, df))}


def adequacy_table(kmo_overall: float, kmo_items: Mapping[str, float],
                   bartlett: Mapping[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two tables: overall KMO + Bartlett (``measure, value, verdict``) and per-item MSA
    (``item, MSA, verdict``), with neutral verdicts: Kaiser's label (:func:`kmo_label`) for the KMO
    and each MSA, ``"significant"`` or ``"not significant"`` (p < .05) for Bartlett's test.
    :func:`csat.analyses.factor.adequacy_table` words them for the reader.

    Parameters
    ----------
    kmo_overall : float
        Overall KMO (:func:`kmo`).
    kmo_items : mapping
        ``{item: MSA}`` (the per-item values of :func:`kmo`).
    bartlett : mapping
        ``chisq, df, pvalue`` of :func:`bartlett_sphericity`.

    Returns
    -------
    overall : DataFrame
        ``measure, value, verdict`` (KMO, Bartlett χ²).
    items : DataFrame
        ``item, MSA, verdict``.

    Examples
    --------
    >>> items = [f"x{i}" for i in range(1, 10)]
    >>> R, n, _ = correlation_matrix(holzinger, items)
    >>> k, msa = kmo(R)
    >>> overall, per_item = adequacy_table(k, dict(zip(items, msa)), bartlett_sphericity(R, n))
    >>> per_item.head(2).round(3)
      item    MSA      verdict
    0   x1  0.805  meritorious
    1   x2  0.778     middling

    In R (``HS <- lavaan::HolzingerSwineford1939``): ``psych::KMO(HS[, paste0("x", 1:9)])$MSAi["x2"]`` → 0.778.
    """
    overall = pd.DataFrame([
        {"measure": "KMO", "value": kmo_overall, "verdict": kmo_label(kmo_overall)},
        {"measure": "Bartlett χ²", "value": bartlett["chisq"],
         "verdict": "significant" if bartlett["pvalue"] < .05 else "not significant"},
    ])
    items = pd.DataFrame({"item": list(kmo_items), "MSA": [float(v) for v in kmo_items.values()]})
    items["verdict"] = [kmo_label(v) for v in items["MSA"]]
    return overall, items


def adequacy_diagnostics(kmo_overall: float, kmo_items: Mapping[str, float], bartlett: Mapping[str, float],
                         alpha: float = 0.05) -> list[Diagnostic]:
    """``low_kmo`` (overall KMO < .60, i.e. mediocre or worse), ``low_msa`` (an item's MSA < .50,
    unacceptable: consider dropping it), ``bartlett_ns`` (Bartlett's p ≥ ``alpha``)."""
    out = []
    if kmo_overall < 0.6:
        out.append(diagnostic("low_kmo", "warning", "KMO",
                              "Overall KMO = {kmo:.3f} ({label}): the correlations are weakly suited to factor "
                              "analysis.",
                              kmo=kmo_overall, label=Msg(kmo_label(kmo_overall))))
    for i, v in kmo_items.items():
        if v < 0.5:
            out.append(diagnostic("low_msa", "warning", i, "MSA of {item} = {msa:.3f} < .50 (unacceptable).",
                                  item=i, msa=v))
    if not bartlett["pvalue"] < alpha:
        out.append(diagnostic("bartlett_ns", "warning", "Bartlett",
                              "Bartlett's test is not significant (p = {p:.3f}): the items may be uncorrelated.",
                              p=bartlett["pvalue"]))
    return out


# ------------------------------------------------------------------------------ number of factors
@_one_blas_thread
def fa_eigenvalues(R: np.ndarray) -> np.ndarray:
    """psych's "factor" eigenvalues (``fa.parallel``'s ``fa.values``), in decreasing order.

    Eigenvalues of the reduced correlation matrix R with the communalities of a one-factor minres
    solution on its diagonal (``fa(R, nfactors = 1, fm = "minres")$values``); they can be negative.
    """
    R = np.asarray(R, float)
    L, _ = _fit_minres(R, 1)
    Rh = R.copy()
    np.fill_diagonal(Rh, (L ** 2).sum(axis=1))
    return np.sort(np.linalg.eigvalsh(Rh))[::-1]


_PA_DIRECT_CELLS = 1_000_000      # above n · p cells, parallel analysis draws Wishart matrices (Bartlett)


@_one_blas_thread
def parallel_analysis(R: np.ndarray, n: int, *, n_iter: int = 100, percentile: float = 95,
                      seed: int = 2024, kind: str = "pc") -> dict:
    """Horn's (1965) parallel analysis.

    ``n_iter`` data sets of n × p independent standard-normal values are drawn with
    ``numpy.random.default_rng(seed)`` (deterministic for a given seed); for each, the eigenvalues
    of its correlation matrix are computed.  The reference curve is their ``percentile``-th
    percentile (95 by default; the mean is returned too).  Factors are retained while the observed
    eigenvalue exceeds the reference; the first that does not stops the count (as psych).

    ``kind="pc"`` (default) uses principal-component eigenvalues (of R itself, Horn's original and
    psych's ``ncomp``); ``kind="fa"`` uses psych's factor eigenvalues (:func:`fa_eigenvalues`,
    psych's ``nfact``; slower, one minres fit per simulated data set).  ``n_kaiser`` is the number
    of principal-component eigenvalues > 1 (Kaiser–Guttman rule), for comparison.

    Large data (``n · p`` above 1,000,000 cells, ``n > p``) are not drawn value by value: the
    correlation matrix of n × p independent normal rows is that of their centred scatter matrix,
    which is Wishart_p(n − 1, I); it is drawn directly by Bartlett's decomposition
    ``W = A Aᵀ`` (A lower triangular, ``A_ii² ~ χ²(n − 1 − i)``, ``A_ij ~ N(0, 1)`` below the
    diagonal), so the cost is O(p³) per data set instead of O(n p²) — the same distribution,
    other random numbers.  Smaller data keep the direct draws.

    Horn, J. L. (1965). A rationale and test for the number of factors in factor analysis.
    *Psychometrika* 30, 179–185.
    Bartlett, M. S. (1933). On the theory of statistical regression. *Proc. R. Soc. Edinburgh* 53, 260–283.
    """
    if kind not in ("pc", "fa"):
        raise FactorError(f"kind must be 'pc' or 'fa', not {kind!r}")
    if not 0 < percentile <= 100:
        raise FactorError(f"percentile must be in (0, 100], not {percentile!r}")
    if int(n_iter) < 1:
        raise FactorError(f"n_iter must be at least 1, not {n_iter!r}")
    R = np.asarray(R, float)
    p = R.shape[0]
    if n < 3:
        raise FactorError(f"parallel analysis needs n >= 3, got {n}")
    rng = np.random.default_rng(seed)
    pc = np.sort(np.linalg.eigvalsh(R))[::-1]
    obs = pc if kind == "pc" else fa_eigenvalues(R)
    sims = np.empty((int(n_iter), p))
    bartlett = n * p > _PA_DIRECT_CELLS and n > p
    lower = np.tril_indices(p, -1)
    dfs = (n - 1) - np.arange(p)                 # Bartlett: A_ii² ~ χ²(n − 1 − i), i = 0 … p − 1
    for b in range(int(n_iter)):
        if bartlett:
            A = np.zeros((p, p))
            A[np.diag_indices(p)] = np.sqrt(rng.chisquare(dfs))
            A[lower] = rng.standard_normal(len(lower[0]))
            C = cov2cor(A @ A.T)                     # centred scatter matrix ~ Wishart_p(n − 1, I)
        else:
            C = np.corrcoef(rng.standard_normal((n, p)), rowvar=False)
        sims[b] = np.sort(np.linalg.eigvalsh(C))[::-1] if kind == "pc" else fa_eigenvalues(C)
    ref = np.percentile(sims, percentile, axis=0)
    above = obs > ref
    n_fac = int(np.argmin(above)) if not above.all() else p
    return {"observed": obs, "simulated": ref, "simulated_mean": sims.mean(axis=0),
            "n_factors": n_fac, "n_iter": int(n_iter), "percentile": float(percentile), "seed": int(seed),
            "kind": kind, "n_kaiser": int((pc > 1).sum()), "pc_values": pc}


# ------------------------------------------------------------------------------ extraction
def _loadings_from(Rh: np.ndarray, k: int) -> np.ndarray:
    vals, vecs = np.linalg.eigh(Rh)
    order = np.argsort(vals)[::-1][:k]
    vals = np.clip(vals[order], 100 * np.finfo(float).eps, None)
    return vecs[:, order] * np.sqrt(vals)


def _minres_obj(psi: np.ndarray, R: np.ndarray, k: int) -> float:
    Rh = R.copy()
    np.fill_diagonal(Rh, 1 - psi)
    L = _loadings_from(Rh, k)
    res = R - L @ L.T
    il = np.tril_indices(R.shape[0], -1)
    return float((res[il] ** 2).sum())


def _minres_grad(psi: np.ndarray, R: np.ndarray, k: int) -> np.ndarray:
    """Analytic gradient of :func:`_minres_obj` by first-order eigen-perturbation.

    With Rh = R − diag(ψ) (unit diagonal), eigenpairs (λ_a, v_a), E the off-diagonal residual and
    G = V'EV:  ∂f/∂ψ_m = Σ_{a≤k} v²_am G_aa + 2 Σ_{a≤k} Σ_{b≠a} λ_a/(λ_a − λ_b) G_ab v_am v_bm.
    """
    Rh = R.copy()
    np.fill_diagonal(Rh, 1 - psi)
    lam, V = np.linalg.eigh(Rh)
    o = np.argsort(lam)[::-1]
    lam, V = lam[o], V[:, o]
    lk = np.clip(lam[:k], 100 * np.finfo(float).eps, None)
    Vk = V[:, :k]
    Eo = R - (Vk * lk) @ Vk.T
    np.fill_diagonal(Eo, 0.0)
    G = V.T @ Eo @ V
    D = lam[:k, None] - lam[None, :]
    ok = np.abs(D) > 1e-12
    W = np.where(ok, lk[:, None] / np.where(ok, D, 1.0), 0.0)
    W[np.arange(k), np.arange(k)] = 0.0
    return (Vk ** 2) @ np.diag(G)[:k] + 2 * np.einsum("ma,ab,mb->m", Vk, W * G[:k, :], V)


def _fit_minres(R: np.ndarray, k: int) -> tuple[np.ndarray, bool]:
    start = np.clip(1 - smc(R), PSI_MIN, 1)
    res = optimize.minimize(_minres_obj, start, args=(R, k), jac=_minres_grad, method="L-BFGS-B",
                            bounds=[(PSI_MIN, 1.0)] * R.shape[0], options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 5000})
    Rh = R.copy()
    np.fill_diagonal(Rh, 1 - res.x)
    return _loadings_from(Rh, k), _bound_converged(res.x, _minres_grad(res.x, R, k))


def _projected_gradient(psi: np.ndarray, grad: np.ndarray, lo: float = PSI_MIN, hi: float = 1.0) -> np.ndarray:
    """The gradient projected on the box ``lo ≤ ψ ≤ hi``: a component is 0 where ψ sits at a bound and
    the gradient pushes outwards (at ``lo`` a positive, at ``hi`` a negative derivative)."""
    g = np.asarray(grad, float).copy()
    at_lo = psi <= lo + 1e-10
    at_hi = psi >= hi - 1e-10
    g[at_lo] = np.minimum(g[at_lo], 0.0)
    g[at_hi] = np.maximum(g[at_hi], 0.0)
    return g


def _bound_converged(psi: np.ndarray, grad: np.ndarray, tol: float = 1e-5) -> bool:
    """Convergence of a bounded extraction judged at the solution itself (the first-order
    Karush–Kuhn–Tucker condition): the projected gradient vanishes, ``max |P(∇f)| ≤ tol``.

    The optimiser's own exit status is not used: L-BFGS-B may end a line search "abnormally" at an
    optimum where the objective no longer decreases at machine precision, and whether it does
    depends on rounding in the BLAS kernels of the CPU.  A Heywood case (ψ at its bound .005 with
    the gradient pointing out of the box) that satisfies the condition has converged."""
    g = _projected_gradient(np.asarray(psi, float), grad)
    return bool(np.all(np.isfinite(g)) and np.max(np.abs(g), initial=0.0) <= tol)


@_one_blas_thread
def extract_minres(R: np.ndarray, k: int) -> np.ndarray:
    """Minimum-residual (ULS on off-diagonal elements) loadings, unrotated (psych ``fm="minres"``).

    minimise Σ_{i<j} (rᵢⱼ − Σ_f λᵢ_f λⱼ_f)² over ψ, with Λ from the eigen-decomposition of R − diag(ψ).
    Harman, H. H. & Jones, W. H. (1966). *Psychometrika* 31, 351–368.
    """
    return _fit_minres(np.asarray(R, float), k)[0]


def _ml_loadings(psi: np.ndarray, R: np.ndarray, k: int) -> np.ndarray:
    s = np.sqrt(psi)
    Rs = R / np.outer(s, s)
    vals, vecs = np.linalg.eigh(Rs)
    order = np.argsort(vals)[::-1][:k]
    vals, vecs = vals[order], vecs[:, order]
    return (vecs * np.sqrt(np.maximum(vals - 1, 0))) * s[:, None]


def _ml_obj(psi: np.ndarray, R: np.ndarray, k: int) -> float:
    L = _ml_loadings(psi, R, k)
    Sig = L @ L.T + np.diag(psi)
    sign, logdet = np.linalg.slogdet(Sig)
    return float(logdet + np.trace(np.linalg.solve(Sig, R)))


def _ml_grad(psi: np.ndarray, R: np.ndarray, k: int) -> np.ndarray:
    """Analytic gradient of the ML objective concentrated on ψ (Jöreskog 1967; R's ``factanal``):
    with Λ(ψ) the conditional ML loadings and Σ = ΛΛ' + Ψ, ``∂F/∂ψ_i = (Σ − R)_ii / ψ_i²``."""
    L = _ml_loadings(psi, R, k)
    return (np.sum(L * L, axis=1) + psi - np.diag(R)) / psi ** 2


def _fit_ml(R: np.ndarray, k: int) -> tuple[np.ndarray, bool]:
    p = R.shape[0]
    start = np.clip(1 - smc(R), PSI_MIN, 1)
    res = optimize.minimize(_ml_obj, start, args=(R, k), jac=_ml_grad, method="L-BFGS-B",
                            bounds=[(PSI_MIN, 1.0)] * p, options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 5000})
    return _ml_loadings(res.x, R, k), _bound_converged(res.x, _ml_grad(res.x, R, k))


@_one_blas_thread
def extract_ml(R: np.ndarray, k: int) -> np.ndarray:
    """Maximum-likelihood loadings, unrotated (Jöreskog 1967; psych ``fm="ml"``).

    minimise F(ψ) = log|ΛΛ' + Ψ| + tr(R (ΛΛ' + Ψ)⁻¹), Λ = Ψ^{1/2} V (D − I)^{1/2} from the first k
    eigenpairs (V, D) of Ψ^{-1/2} R Ψ^{-1/2}.  Jöreskog, K. G. (1967). *Psychometrika* 32, 443–482.
    """
    return _fit_ml(np.asarray(R, float), k)[0]


def _fit_principal(R: np.ndarray, k: int, max_iter: int = 50, tol: float = 0.001) -> tuple[np.ndarray, bool]:
    h2 = smc(R)
    comm = h2.sum()
    converged = False
    for _ in range(max_iter):
        Rh = R.copy()
        np.fill_diagonal(Rh, h2)
        L = _loadings_from(Rh, k)
        h2 = (L ** 2).sum(axis=1)
        err = abs(comm - h2.sum())
        comm = h2.sum()
        if err <= tol:
            converged = True
            break
    return L, converged


@_one_blas_thread
def extract_principal(R: np.ndarray, k: int, max_iter: int = 50, tol: float = 0.001) -> np.ndarray:
    """Iterated principal-axis loadings (psych ``fm="pa"``), from SMC communalities.

    As psych: iterate until the *sum* of the communalities changes by at most ``tol``; the loadings
    returned are those of the last eigen-decomposition.
    """
    return _fit_principal(np.asarray(R, float), k, max_iter, tol)[0]


# ------------------------------------------------------------------------------ rotation
def _gpf_oblimin(A: np.ndarray, gamma: float = 0.0, eps: float = 1e-5,
                 max_iter: int = 1000) -> tuple[np.ndarray, np.ndarray, bool]:
    A = np.asarray(A, float)
    p, k = A.shape
    N = np.ones((k, k)) - np.eye(k)

    def crit(L):
        L2 = L ** 2
        X = L2 @ N
        if gamma != 0:
            X = X - gamma * np.ones((p, p)) @ X / p
        return float((L2 * X).sum() / 4), L * X

    T = np.eye(k)
    al = 1.0
    L = A @ np.linalg.inv(T).T
    f, Gq = crit(L)
    G = -(L.T @ Gq @ np.linalg.inv(T)).T
    converged = False
    for _ in range(max_iter + 1):
        Gp = G - T @ np.diag((T * G).sum(axis=0))
        s = math.sqrt((Gp ** 2).sum())
        if s < eps:
            converged = True
            break
        al *= 2
        for _ in range(11):
            X = T - al * Gp
            v = 1 / np.sqrt((X ** 2).sum(axis=0))
            Tt = X * v
            L = A @ np.linalg.inv(Tt).T
            ft, Gq = crit(L)
            if ft < f - 0.5 * s ** 2 * al:
                break
            al /= 2
        T = Tt
        f = ft
        G = -(L.T @ Gq @ np.linalg.inv(Tt)).T
    return L, T.T @ T, converged


def oblimin(A: np.ndarray, gamma: float = 0.0, eps: float = 1e-5, max_iter: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """Oblimin rotation by gradient projection (GPArotation ``GPFoblq``, Jennrich 2002).

    Criterion Q(L) = ¼ Σ ⟨L², (L²)·N⟩ with N = 1 − I (quartimin, γ = 0).  Returns the pattern
    loadings L = A (T')⁻¹ and the factor correlations Φ = T'T.
    Jennrich, R. I. (2002). A simple general method for oblique rotation. *Psychometrika* 67, 7–19.
    """
    L, phi, _ = _gpf_oblimin(A, gamma, eps, max_iter)
    return L, phi


def varimax(A: np.ndarray, normalize: bool = True, eps: float = 1e-5, max_iter: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """Varimax rotation as R's ``stats::varimax`` (Kaiser 1958); returns (loadings, rotation matrix)."""
    x = np.asarray(A, float).copy()
    p, k = x.shape
    if k < 2:
        return x, np.eye(k)
    if normalize:
        sc = np.sqrt((x ** 2).sum(axis=1))
        x = x / sc[:, None]
    TT = np.eye(k)
    d = 0.0
    for _ in range(max_iter):
        z = x @ TT
        B = x.T @ (z ** 3 - z @ np.diag((z ** 2).sum(axis=0)) / p)
        u, s, vt = np.linalg.svd(B)
        TT = u @ vt
        dpast, d = d, s.sum()
        if d < dpast * (1 + eps):
            break
    z = x @ TT
    if normalize:
        z = z * sc[:, None]
    return z, TT


def promax(A: np.ndarray, m: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Promax rotation as psych ``fa(rotate="promax")`` (Hendrickson & White 1964).

    psych applies its ``Promax`` to Kaiser-normalised rows (``kaiser()``): each row of A is divided
    by √h², rotated (varimax, then the target L·|L|^(m−1) by least squares, columns rescaled so the
    factor variances are 1), and multiplied back.  Returns (pattern, Φ).
    """
    A = np.asarray(A, float)
    h = np.sqrt((A ** 2).sum(axis=1))
    x, rot = varimax(A / h[:, None])
    Q = x * np.abs(x) ** (m - 1)
    U = np.linalg.lstsq(x, Q, rcond=None)[0]
    d = np.diag(np.linalg.inv(U.T @ U))
    U = U @ np.diag(np.sqrt(d))
    z = x @ U
    U = rot @ U
    ui = np.linalg.inv(U)
    return z * h[:, None], ui @ ui.T


# ------------------------------------------------------------------------------ EFA
@_one_blas_thread
def efa(R: np.ndarray, k: int, *, method: str = "minres", rotation: str = "oblimin",
        items: Sequence[str] | None = None) -> dict:
    """Extract ``k`` factors from the correlation matrix R and rotate them (psych ``fa``).

    Returns a dict with

    - ``loadings``: DataFrame item × factor (pattern loadings for oblique rotations);
    - ``structure``: item × factor correlations, Λ Φ (= ``loadings`` for orthogonal rotations);
    - ``communality`` h²ᵢ = Σ_f λ²ᵢ_f of the unrotated solution, ``uniqueness`` 1 − h²ᵢ;
    - ``phi``: factor correlations (identity for varimax/none);
    - ``variance``: psych's ``Vaccounted``: SS loadings (diag(Φ Λ'Λ) if oblique, else Σ λ²),
      Proportion Var (/p), Cumulative Var, Proportion Explained (/Σ SS), Cumulative Proportion;
    - ``diagnostics``: ``efa_heywood`` (a uniqueness at psych's bound .005, or communality ≥ 1),
      ``efa_nonconvergence`` (extraction or rotation did not converge), ``efa_negative_df``
      (more factors than the data identify: ((p − k)² − (p + k))/2 < 0);
    - ``method``, ``rotation``, ``n_factors``, ``dof``.

    Examples
    --------
    >>> items = [f"x{i}" for i in range(1, 10)]
    >>> R, n, _ = correlation_matrix(holzinger, items)
    >>> fa = efa(R, 3, method="minres", rotation="varimax", items=items)
    >>> fa["loadings"].head(3).round(3)
          MR1    MR2    MR3
    x1  0.279  0.613  0.152
    x2  0.102  0.494 -0.030
    x3  0.038  0.660  0.129

    In R (``HS <- lavaan::HolzingerSwineford1939``):
    ``psych::fa(HS[, paste0("x", 1:9)], 3, fm = "minres", rotate = "varimax")$loadings["x1", 2]`` → 0.613.
    psych orders the rotated columns by variance as here but keeps the names of the extraction
    order (here ``MR1, MR3, MR2``); csat names them by position (``MR1, MR2, MR3``).
    """
    R = np.asarray(R, float)
    p = R.shape[0]
    items = list(items) if items is not None else [f"V{i + 1}" for i in range(p)]
    if len(items) != p:
        raise FactorError(f"{len(items)} item names for a {p} x {p} correlation matrix")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k < p:
        raise FactorError(f"cannot extract {k!r} factors from {p} items (use 1 to {p - 1})")
    if method not in METHODS:
        raise FactorError(f"unknown EFA method {method!r}; use minres, ml or principal")
    if rotation not in ROTATIONS:
        raise FactorError(f"unknown rotation {rotation!r}; use oblimin, promax, varimax or none")
    k = int(k)
    dof = ((p - k) ** 2 - (p + k)) / 2
    fit = {"minres": _fit_minres, "ml": _fit_ml, "principal": _fit_principal}[method]
    L0, ext_ok = fit(R, k)
    phi = np.eye(k)
    rot_ok = True
    oblique = k > 1 and rotation in ("oblimin", "promax")
    if k > 1 and rotation == "oblimin":
        L, phi, rot_ok = _gpf_oblimin(L0)
    elif k > 1 and rotation == "promax":
        L, phi = promax(L0)
    elif k > 1 and rotation == "varimax":
        L, _ = varimax(L0)
    else:
        L = L0
    # psych: order by variance explained (diag of Φ L'L for oblique), then make column sums positive
    ss = np.diag(phi @ L.T @ L) if oblique else (L ** 2).sum(axis=0)
    order = np.argsort(-ss, kind="stable")
    L, phi, ss = L[:, order], phi[np.ix_(order, order)], ss[order]
    sign = np.sign(L.sum(axis=0))
    sign[sign == 0] = 1
    L = L * sign
    phi = phi * np.outer(sign, sign)
    names = [f"{PREFIX[method]}{i + 1}" for i in range(k)]
    h2 = (L0 ** 2).sum(axis=1)
    prop = ss / p
    variance = pd.DataFrame({"factor": names, "SS loadings": ss, "Proportion Var": prop,
                             "Cumulative Var": np.cumsum(prop), "Proportion Explained": ss / ss.sum(),
                             "Cumulative Proportion": np.cumsum(ss) / ss.sum()})
    diags: list[Diagnostic] = []
    where = f"EFA ({method}, {k} factors)"
    heywood = [items[i] for i in range(p) if h2[i] >= 1 - PSI_MIN - 1e-6]
    if heywood:
        if (h2 > 1).any():
            diags.append(diagnostic("efa_heywood", "warning", ", ".join(heywood),
                                    "EFA ({method}, {k} factors): communality above 1 (ultra-Heywood case) for "
                                    "{items}: the uniqueness is at its bound; too many factors, too few items per "
                                    "factor or a redundant item.", method=method, k=k, items=Listing(heywood)))
        else:
            diags.append(diagnostic("efa_heywood", "warning", ", ".join(heywood),
                                    "EFA ({method}, {k} factors): communality at or above {bound:.3f} (Heywood case) "
                                    "for {items}: the uniqueness is at its bound; too many factors, too few items per "
                                    "factor or a redundant item.",
                                    method=method, k=k, bound=1 - PSI_MIN, items=Listing(heywood)))
    if not ext_ok:
        diags.append(diagnostic("efa_nonconvergence", "error", where,
                                "EFA ({method}, {k} factors): the {method} extraction did not converge; the loadings "
                                "are not trustworthy.", method=method, k=k))
    if not rot_ok:
        diags.append(diagnostic("efa_nonconvergence", "warning", where,
                                "EFA ({method}, {k} factors): the oblimin rotation did not converge in 1000 "
                                "iterations.", method=method, k=k))
    if dof < 0:
        diags.append(diagnostic("efa_negative_df", "warning", where,
                                "EFA ({method}, {k} factors): {k} factors for {p} items leave {dof:g} degrees of "
                                "freedom; the model has more parameters than the correlations identify.",
                                method=method, k=k, p=p, dof=dof))
    return {"loadings": pd.DataFrame(L, index=items, columns=names),
            "structure": pd.DataFrame(L @ phi, index=items, columns=names),
            "communality": pd.Series(h2, index=items), "uniqueness": pd.Series(1 - h2, index=items),
            "phi": pd.DataFrame(phi, index=names, columns=names), "variance": variance,
            "diagnostics": diags, "method": method, "rotation": rotation, "n_factors": k, "dof": dof}


def loadings_tidy(fa: Mapping[str, Any], item_construct: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Long table ``item, factor, loading`` (+ ``construct`` if given), one row per item × factor."""
    L = fa["loadings"]
    out = (L.rename_axis("item").reset_index()
           .melt(id_vars="item", var_name="factor", value_name="loading"))
    if item_construct is not None:
        out.insert(1, "construct", [item_construct.get(i, "") for i in out["item"]])
    return out


def loadings_file(fa: Mapping[str, Any]) -> pd.DataFrame:
    """``efa_loadings.csv``: ``item``, one column per factor (``MR1, MR2, …``), ``communality``.

    Parameters
    ----------
    fa : mapping
        The result of :func:`efa` (``results["efa"]`` of :func:`exploratory_analysis`).

    Returns
    -------
    DataFrame
        One row per item.

    Examples
    --------
    >>> items = [f"x{i}" for i in range(1, 10)]
    >>> res = exploratory_analysis(holzinger, items, n_factors=3, method="minres", rotation="varimax")
    >>> loadings_file(res["efa"]).head(4).round(3)
      item    MR1    MR2    MR3  communality
    0   x1  0.279  0.613  0.152        0.477
    1   x2  0.102  0.494 -0.030        0.255
    2   x3  0.038  0.660  0.129        0.453
    3   x4  0.832  0.161  0.099        0.728

    In R (``HS <- lavaan::HolzingerSwineford1939``):
    ``psych::fa(HS[, paste0("x", 1:9)], 3, fm = "minres", rotate = "varimax")$communality["x1"]`` → 0.477 and
    ``psych::fa(HS[, paste0("x", 1:9)], 3, fm = "minres", rotate = "varimax")$loadings["x4", "MR1"]`` → 0.832.
    """
    out = fa["loadings"].copy()
    out["communality"] = fa["communality"]
    out.insert(0, "item", out.index)
    return out.reset_index(drop=True)


def loadings_display(loadings: pd.DataFrame, blank: float = 0.30, digits: int = 3) -> pd.DataFrame:
    """Loadings sorted by primary factor and size, with |λ| < ``blank`` shown empty (display only).

    Parameters
    ----------
    loadings : DataFrame
        Items × factors (``results["efa"]["loadings"]``).
    blank : float
        Loadings with a smaller absolute value are shown empty.
    digits : int
        Decimals shown.

    Returns
    -------
    DataFrame
        Text, items in display order.

    Examples
    --------
    >>> res = exploratory_analysis(holzinger, [f"x{i}" for i in range(1, 10)], n_factors=3, rotation="varimax")
    >>> loadings_display(res["efa"]["loadings"]).head(4)
          MR1    MR2 MR3
    x5  0.859
    x4  0.832
    x6  0.799
    x3         0.660
    """
    primary = loadings.abs().idxmax(axis=1)
    cols = list(loadings.columns)
    order = sorted(loadings.index, key=lambda i: (cols.index(primary[i]), -abs(loadings.loc[i, primary[i]])))
    vals = loadings.loc[order]
    out = vals.map(lambda v: f"{v:.{digits}f}").astype(object)
    out[vals.abs() < blank] = ""
    return out


# ------------------------------------------------------------------------------ checks and wrappers
def construct_check(loadings: pd.DataFrame, item_construct: Mapping[str, str], *, cross: float = 0.30) -> tuple[pd.DataFrame, list[Diagnostic]]:
    """Do the items group as the constructs say?

    Each item's primary factor is the one with the largest |loading|; each factor is mapped to the
    construct most of its primary items belong to (ties: the construct listed first).  Items whose
    primary factor maps to another construct are mismatches (``efa_mismatch``); items loading
    |λ| ≥ ``cross`` on a second factor are cross-loadings (``cross_loading``).  Returns the table
    ``item, construct, factor, loading, factor_construct, match, cross_loading_on`` and the
    diagnostics.
    """
    A = loadings.abs()
    primary = A.idxmax(axis=1)
    df = pd.DataFrame({"item": loadings.index, "construct": [item_construct.get(i, "") for i in loadings.index],
                       "factor": primary.values, "loading": [loadings.loc[i, f] for i, f in primary.items()]})
    rank = {c: r for r, c in enumerate(dict.fromkeys(item_construct.values()))}
    fmap = {}
    for f, grp in df.groupby("factor", sort=False):
        counts = grp["construct"].value_counts()
        top = counts[counts == counts.max()].index
        fmap[f] = sorted(top, key=lambda c: rank.get(c, len(rank)))[0]
    df["factor_construct"] = df["factor"].map(fmap)
    df["match"] = df["factor_construct"] == df["construct"]
    second = []
    for i in loadings.index:
        row = A.loc[i].drop(primary[i])
        second.append(row.idxmax() if len(row) and row.max() >= cross else "")
    df["cross_loading_on"] = second
    diags = []
    size = pd.Series(list(item_construct.values())).value_counts()
    single = {c for c in rank if size.get(c, 0) == 1}    # one item cannot form a common factor of its own
    for r in df.itertuples():
        if not r.match and r.construct in single:
            diags.append(diagnostic("efa_mismatch", "info", r.item,
                                    "{item}, the single item of construct {construct}, loads mainly on {factor}, "
                                    "the factor of construct {factor_construct} (a single item cannot form a "
                                    "factor of its own in an EFA).", item=r.item, construct=r.construct,
                                    factor=r.factor, factor_construct=r.factor_construct))
        elif not r.match:
            diags.append(diagnostic("efa_mismatch", "warning", r.item,
                                    "{item} (construct {construct}) loads mainly on {factor}, "
                                    "the factor of construct {factor_construct}.", item=r.item, construct=r.construct,
                                    factor=r.factor, factor_construct=r.factor_construct))
        if r.cross_loading_on:
            diags.append(diagnostic("cross_loading", "warning", r.item,
                                    "{item} also loads {loading:.2f} on {factor} (|loading| ≥ {cross:.2f}).",
                                    item=r.item, loading=loadings.loc[r.item, r.cross_loading_on],
                                    factor=r.cross_loading_on, cross=cross))
    unclaimed = [c for c in rank if c not in set(fmap.values()) and c not in single]
    for c in unclaimed:
        diags.append(diagnostic("efa_mismatch", "warning", c,
                                "No factor is dominated by the items of construct {construct}.", construct=c))
    return df, diags


@_one_blas_thread
def exploratory_analysis(data: pd.DataFrame, items: Sequence[str], *, n_factors: int | str = "auto",
                         method: str = "minres", rotation: str = "oblimin", parallel_iter: int = 100,
                         parallel_percentile: float = 95, seed: int = 2024, missing: str = "pairwise",
                         item_construct: Mapping[str, str] | None = None, ordered: Sequence[str] = ()) -> dict:
    """The whole exploratory stage: correlations, KMO, Bartlett, parallel analysis, EFA (+ check).

    ``n_factors`` is an int or ``"auto"`` (= parallel analysis, with ``parallel_iter`` data sets and
    the ``parallel_percentile``-th percentile, seeded by ``seed``); ``method`` and ``rotation`` are
    those of :func:`efa`.  With ``item_construct`` the construct check is run too.  A study's
    ``params.efa`` gives these options through :func:`csat.analyses.factor.efa_results`.

    Returns ``summary`` (the ``efa.json`` contract), ``R``, ``n``, ``items``, ``parallel``, ``efa``,
    ``check`` (or None) and ``diagnostics`` (adequacy, EFA fit, parallel analysis, construct check).

    Parameters
    ----------
    data : DataFrame
        Respondents × items.
    items : sequence of str
        The items to factor.
    n_factors : int or "auto"
        Number of factors, or ``"auto"``: as many as parallel analysis retains (at least 1, at most
        p − 1).
    method : {"minres", "ml", "principal"}
        Extraction.
    rotation : {"oblimin", "promax", "varimax", "none"}
        Rotation.
    parallel_iter : int
        Simulated data sets of the parallel analysis.
    parallel_percentile : float
        Percentile of the simulated eigenvalues used as reference.
    seed : int
        Seed of the parallel analysis.
    missing : {"pairwise", "listwise"}
        Missing-data handling of the correlations.
    item_construct : mapping, optional
        ``{item: construct}`` for the construct check.
    ordered : sequence of str
        Ordinal items: with any, every statistic starts from the polychoric (polyserial for a continuous
        item) correlations of the complete cases (:func:`csat.stats.polychoric.polychoric`), as
        ``psych::fa(x, cor = "poly")`` (``"mixed"``) with ``correct = 0``; ``summary["cor"]`` says so.

    Returns
    -------
    dict
        The keys listed above.

    Examples
    --------
    >>> items = [f"x{i}" for i in range(1, 10)]
    >>> res = exploratory_analysis(holzinger, items, n_factors=3, method="minres", rotation="varimax")
    >>> s = res["summary"]
    >>> round(s["kmo"], 3), round(s["bartlett"]["chisq"], 3), s["bartlett"]["df"], s["n_factors_parallel"]
    (0.752, 904.097, 36, 3)

    In R (``HS <- lavaan::HolzingerSwineford1939``): ``psych::KMO(HS[, paste0("x", 1:9)])$MSA`` → 0.752 and
    ``psych::cortest.bartlett(cor(HS[, paste0("x", 1:9)]), n = 301)$chisq`` → 904.097.
    """
    R, n, items = correlation_matrix(data, items, missing=missing)
    poly = [i for i in items if i in set(ordered)]
    if poly:
        from csat.stats.polychoric import polychoric
        pc = polychoric(data, poly, items=items)
        R, n = pc.cor.to_numpy(), pc.n
        if np.linalg.eigvalsh(R).min() <= 1e-10:
            raise FactorError("the polychoric correlation matrix of the items is not positive definite; "
                              "factor the Pearson correlations instead (leave out ordered)")
    p = len(items)
    k_overall, k_items = kmo(R)
    kmo_items = dict(zip(items, map(float, k_items)))
    bart = bartlett_sphericity(R, n)
    pa = parallel_analysis(R, n, n_iter=parallel_iter, percentile=parallel_percentile, seed=seed)
    diags = adequacy_diagnostics(k_overall, kmo_items, bart)
    if n_factors == "auto":
        k = pa["n_factors"]
        if k < 1:
            diags.append(diagnostic("n_factors_zero", "warning", "parallel analysis",
                                    "No observed eigenvalue exceeds random data; one factor is extracted anyway."))
            k = 1
        elif k > p - 1:
            k = p - 1
    else:
        if (isinstance(n_factors, bool) or not isinstance(n_factors, (int, np.integer))
                or not 1 <= n_factors <= p - 1):
            raise FactorError(f"efa.n_factors = {n_factors!r}: use 'auto' or an integer from 1 to {p - 1} ({p} items)")
        k = int(n_factors)
    fa = efa(R, k, method=method, rotation=rotation, items=items)
    diags += fa["diagnostics"]
    check = None
    if item_construct is not None:
        check, cdiags = construct_check(fa["loadings"], item_construct)
        diags += cdiags
        n_cons = len(set(item_construct[i] for i in items if i in item_construct))
        if k != n_cons:
            diags.append(diagnostic("n_factors_differs", "info", "EFA",
                                    "{k} factor(s) were extracted but the items belong to {n_cons} constructs.",
                                    k=k, n_cons=n_cons))
    summary = {"kmo": k_overall, "kmo_items": kmo_items, "bartlett": bart,
               "n_factors_parallel": pa["n_factors"], "n_factors_kaiser": pa["n_kaiser"], "n_factors": k,
               "method": method, "rotation": rotation, "n": n, "missing": missing,
               "parallel": {"n_iter": pa["n_iter"], "percentile": pa["percentile"], "seed": pa["seed"],
                            "eigenvalues": "pc"}}
    if poly:
        summary["cor"] = "polychoric" if len(poly) == len(items) else "mixed"
    return {"summary": summary, "R": R, "n": n, "items": items, "parallel": pa, "efa": fa,
            "check": check, "diagnostics": diags}
