"""Exploratory factor analysis: sampling adequacy, number of factors, extraction and rotation.

Every function follows the R package psych (Revelle) and GPArotation (Bernaards & Jennrich), so
that results match ``psych::KMO``, ``psych::cortest.bartlett`` and ``psych::fa``.

Extraction (on the correlation matrix R, p items, k factors)
------------------------------------------------------------
- ``minres`` (psych ``fm="minres"``): choose the uniquenesses ψ that minimise the sum of squared
  *off-diagonal* residuals of R − ΛΛ', where for given ψ the loadings are the first k
  eigenvectors of R with 1 − ψ on the diagonal, scaled by the square roots of their eigenvalues
  (Harman 1960; Revelle's ``fit.residuals``).
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
  positive value, as psych does.

References: Kaiser (1970, 1974); Bartlett (1951); Horn (1965); Jennrich (2002).
"""
from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import optimize, stats

from .results import Diagnostic

KMO_LABELS = [(0.9, "marvelous", "极好"), (0.8, "meritorious", "良好"), (0.7, "middling", "中等"),
              (0.6, "mediocre", "一般"), (0.5, "miserable", "较差"), (-1.0, "unacceptable", "不可接受")]


class FactorError(ValueError):
    """The data cannot be factor-analysed (message names the reason)."""


# ------------------------------------------------------------------------------ input
def correlation_matrix(data: pd.DataFrame, items: Sequence[str] | None = None) -> tuple[np.ndarray, int, list[str]]:
    """Pearson correlations of the items on complete cases; returns (R, n, items).

    Items with no variance are an error naming them.
    """
    items = list(items) if items is not None else list(data.columns)
    missing = [i for i in items if i not in data.columns]
    if missing:
        raise FactorError(f"items not in the data: {missing}")
    X = data[items].apply(pd.to_numeric, errors="coerce").dropna()
    if len(X) < 3:
        raise FactorError(f"only {len(X)} complete respondents: too few for factor analysis")
    sd = X.std(ddof=1)
    const = list(sd.index[(sd <= 0) | sd.isna()])
    if const:
        raise FactorError(f"items without variance cannot be factor-analysed: {const}")
    return np.corrcoef(X.to_numpy(float), rowvar=False), len(X), items


# ------------------------------------------------------------------------------ adequacy
def kmo(R: np.ndarray | pd.DataFrame) -> tuple[float, np.ndarray]:
    """Kaiser–Meyer–Olkin measure of sampling adequacy (psych ``KMO``).

    With Q the anti-image (partial) correlations, −cov2cor(R⁻¹), and both diagonals set to 0::

        MSA   = Σ r²ᵢⱼ / (Σ r²ᵢⱼ + Σ q²ᵢⱼ)          (overall)
        MSAᵢ  = Σⱼ r²ᵢⱼ / (Σⱼ r²ᵢⱼ + Σⱼ q²ᵢⱼ)       (per item)

    Example: ``kmo(np.corrcoef(X, rowvar=False))``.
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


def kmo_label(value: float, language: str = "en") -> str:
    """Kaiser's (1974) verbal labels for a KMO/MSA value."""
    for cut, en, zh in KMO_LABELS:
        if value >= cut:
            return zh if language == "zh" else en
    return KMO_LABELS[-1][2 if language == "zh" else 1]


def bartlett_sphericity(R: np.ndarray, n: int) -> dict:
    """Bartlett's (1951) test that R is an identity matrix (psych ``cortest.bartlett``).

    χ² = −(n − 1 − (2p + 5)/6) · log|R|,  df = p(p − 1)/2.
    """
    R = np.asarray(R, float)
    p = R.shape[0]
    sign, logdet = np.linalg.slogdet(R)
    chisq = -((n - 1) - (2 * p + 5) / 6.0) * logdet
    df = p * (p - 1) / 2
    return {"chisq": float(chisq), "df": int(df), "pvalue": float(stats.chi2.sf(chisq, df))}


# ------------------------------------------------------------------------------ number of factors
def parallel_analysis(R: np.ndarray, n: int, *, n_iter: int = 100, percentile: float = 95,
                      seed: int = 2024) -> dict:
    """Horn's (1965) parallel analysis on principal-component eigenvalues of R.

    The observed eigenvalues are compared with the ``percentile`` of eigenvalues of correlation
    matrices of ``n_iter`` simulated data sets of n independent normal variables (p columns).  The
    simulated correlation matrices are drawn exactly, not approximately, from the sampling
    distribution of such data: (n − 1)·S ~ Wishart(n − 1, I), drawn with Bartlett's decomposition, so
    the cost does not grow with n.  Factors are retained while the observed eigenvalue exceeds the
    simulated one (the first that does not stops the count).  Deterministic for a given seed.
    """
    R = np.asarray(R, float)
    p = R.shape[0]
    rng = np.random.default_rng(seed)
    obs = np.sort(np.linalg.eigvalsh(R))[::-1]
    sims = np.empty((n_iter, p))
    dfree = n - 1
    for b in range(n_iter):
        A = np.zeros((p, p))
        A[np.diag_indices(p)] = np.sqrt(rng.chisquare(dfree - np.arange(p)))
        il = np.tril_indices(p, -1)
        A[il] = rng.standard_normal(len(il[0]))
        W = A @ A.T
        d = np.sqrt(np.diag(W))
        sims[b] = np.sort(np.linalg.eigvalsh(W / np.outer(d, d)))[::-1]
    ref = np.percentile(sims, percentile, axis=0)
    above = obs > ref
    n_fac = int(np.argmin(above)) if not above.all() else p
    return {"observed": obs, "simulated": ref, "simulated_mean": sims.mean(axis=0),
            "n_factors": n_fac, "n_iter": int(n_iter), "percentile": float(percentile), "seed": int(seed),
            "n_kaiser": int((obs > 1).sum())}


def scree_plot(pa: Mapping[str, Any], *, language: str = "en"):
    """Scree plot of observed eigenvalues against the parallel-analysis reference (a Figure)."""
    import matplotlib.pyplot as plt

    try:
        from .plots import setup_fonts

        setup_fonts()
    except Exception:  # fonts only matter for Chinese text; the figure is still drawn
        pass
    obs, sim = np.asarray(pa["observed"]), np.asarray(pa["simulated"])
    x = np.arange(1, len(obs) + 1)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(x, obs, "o-", label="观测特征值" if language == "zh" else "Observed eigenvalues")
    ax.plot(x, sim, "s--", label=(f"平行分析 {pa['percentile']:.0f}% 分位数" if language == "zh"
                                  else f"Parallel analysis ({pa['percentile']:.0f}th percentile, {pa['n_iter']} sims)"))
    ax.axhline(1.0, color="grey", lw=0.8, ls=":", label="Kaiser (λ = 1)")
    ax.set_xlabel("成分" if language == "zh" else "Component")
    ax.set_ylabel("特征值" if language == "zh" else "Eigenvalue")
    ax.set_xticks(x)
    ax.legend(frameon=False)
    fig.tight_layout()
    return fig


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


def _smc(R: np.ndarray) -> np.ndarray:
    return 1 - 1 / np.diag(np.linalg.inv(R))


def extract_minres(R: np.ndarray, k: int) -> np.ndarray:
    """Minimum-residual (ULS on off-diagonal elements) loadings, unrotated (psych ``fm="minres"``)."""
    R = np.asarray(R, float)
    start = np.clip(1 - _smc(R), 0.005, 1)
    res = optimize.minimize(_minres_obj, start, args=(R, k), method="L-BFGS-B",
                            bounds=[(0.005, 1.0)] * R.shape[0], options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 5000})
    Rh = R.copy()
    np.fill_diagonal(Rh, 1 - res.x)
    return _loadings_from(Rh, k)


def extract_ml(R: np.ndarray, k: int) -> np.ndarray:
    """Maximum-likelihood loadings, unrotated (Jöreskog 1967; psych ``fm="ml"``)."""
    R = np.asarray(R, float)
    p = R.shape[0]

    def loadings(psi):
        s = np.sqrt(psi)
        Rs = R / np.outer(s, s)
        vals, vecs = np.linalg.eigh(Rs)
        order = np.argsort(vals)[::-1][:k]
        vals, vecs = vals[order], vecs[:, order]
        return (vecs * np.sqrt(np.maximum(vals - 1, 0))) * s[:, None]

    def obj(psi):
        L = loadings(psi)
        Sig = L @ L.T + np.diag(psi)
        sign, logdet = np.linalg.slogdet(Sig)
        return float(logdet + np.trace(np.linalg.solve(Sig, R)))

    start = np.clip(1 - _smc(R), 0.005, 1)
    res = optimize.minimize(obj, start, method="L-BFGS-B", bounds=[(0.005, 1.0)] * p,
                            options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 5000})
    return loadings(res.x)


def extract_principal(R: np.ndarray, k: int, max_iter: int = 50, tol: float = 0.001) -> np.ndarray:
    """Iterated principal-axis loadings (psych ``fm="pa"``), from SMC communalities.

    As psych: iterate until the *sum* of the communalities changes by at most ``tol``; the loadings
    returned are those of the last eigen-decomposition.
    """
    R = np.asarray(R, float)
    h2 = _smc(R)
    comm = h2.sum()
    for _ in range(max_iter):
        Rh = R.copy()
        np.fill_diagonal(Rh, h2)
        L = _loadings_from(Rh, k)
        h2 = (L ** 2).sum(axis=1)
        err = abs(comm - h2.sum())
        comm = h2.sum()
        if err <= tol:
            break
    return L


# ------------------------------------------------------------------------------ rotation
def oblimin(A: np.ndarray, gamma: float = 0.0, eps: float = 1e-5, max_iter: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """Oblimin rotation by gradient projection (GPArotation ``GPFoblq``, Jennrich 2002).

    Criterion Q(L) = ¼ Σ ⟨L², (L²)·N⟩ with N = 1 − I (quartimin, γ = 0).  Returns the pattern
    loadings L = A (T')⁻¹ and the factor correlations Φ = T'T.
    """
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
    for _ in range(max_iter + 1):
        Gp = G - T @ np.diag((T * G).sum(axis=0))
        s = math.sqrt((Gp ** 2).sum())
        if s < eps:
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
    return L, T.T @ T


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
def efa(R: np.ndarray, k: int, *, method: str = "minres", rotation: str = "oblimin",
        items: Sequence[str] | None = None) -> dict:
    """Extract ``k`` factors from R and rotate them (psych ``fa``).

    Returns a dict with ``loadings`` (DataFrame item × factor, pattern for oblique rotations),
    ``communality``, ``uniqueness``, ``phi`` (factor correlations), ``variance`` (SS loadings,
    proportion and cumulative proportion as psych prints them) and the settings.
    """
    R = np.asarray(R, float)
    p = R.shape[0]
    items = list(items) if items is not None else [f"V{i + 1}" for i in range(p)]
    if not 1 <= k < p:
        raise FactorError(f"cannot extract {k} factors from {p} items")
    dof = ((p - k) ** 2 - (p + k)) / 2
    ext = {"minres": extract_minres, "ml": extract_ml, "principal": extract_principal}
    if method not in ext:
        raise FactorError(f"unknown EFA method {method!r}; use minres, ml or principal")
    L0 = ext[method](R, k)
    phi = np.eye(k)
    if k > 1 and rotation == "oblimin":
        L, phi = oblimin(L0)
    elif k > 1 and rotation == "promax":
        L, phi = promax(L0)
    elif k > 1 and rotation == "varimax":
        L, _ = varimax(L0)
    elif rotation in ("oblimin", "promax", "varimax", "none"):
        L = L0
    else:
        raise FactorError(f"unknown rotation {rotation!r}; use oblimin, promax, varimax or none")
    # psych: order by variance explained (diag of Φ L'L for oblique), then make column sums positive
    ss = np.diag(phi @ L.T @ L) if rotation in ("oblimin", "promax") else (L ** 2).sum(axis=0)
    order = np.argsort(-ss, kind="stable")
    L, phi, ss = L[:, order], phi[np.ix_(order, order)], ss[order]
    sign = np.sign(L.sum(axis=0))
    sign[sign == 0] = 1
    L = L * sign
    phi = phi * np.outer(sign, sign)
    prefix = {"minres": "MR", "ml": "ML", "principal": "PA"}[method]
    names = [f"{prefix}{i + 1}" for i in range(k)]
    h2 = (L0 ** 2).sum(axis=1)
    variance = pd.DataFrame({"factor": names, "ss_loadings": ss, "proportion": ss / p,
                             "cumulative": np.cumsum(ss) / p})
    return {"loadings": pd.DataFrame(L, index=items, columns=names),
            "communality": pd.Series(h2, index=items), "uniqueness": pd.Series(1 - h2, index=items),
            "phi": pd.DataFrame(phi, index=names, columns=names), "variance": variance,
            "method": method, "rotation": rotation, "n_factors": k, "dof": dof}


# ------------------------------------------------------------------------------ checks and wrappers
def construct_check(loadings: pd.DataFrame, item_construct: Mapping[str, str], *, cross: float = 0.30) -> tuple[pd.DataFrame, list[Diagnostic]]:
    """Do the items group as the constructs say?

    Each item's primary factor is the one with the largest |loading|; each factor is mapped to the
    construct most of its primary items belong to.  Items whose primary factor maps to another
    construct are mismatches (``efa_mismatch``); items loading |λ| ≥ ``cross`` on a second factor are
    cross-loadings (``cross_loading``).
    """
    A = loadings.abs()
    primary = A.idxmax(axis=1)
    df = pd.DataFrame({"item": loadings.index, "construct": [item_construct.get(i, "") for i in loadings.index],
                       "factor": primary.values, "loading": [loadings.loc[i, f] for i, f in primary.items()]})
    fmap = {}
    for f, grp in df.groupby("factor"):
        fmap[f] = grp["construct"].value_counts().idxmax()
    df["factor_construct"] = df["factor"].map(fmap)
    df["match"] = df["factor_construct"] == df["construct"]
    second = []
    for i in loadings.index:
        row = A.loc[i].drop(primary[i])
        second.append(row.idxmax() if len(row) and row.max() >= cross else "")
    df["cross_loading_on"] = second
    diags = []
    for r in df.itertuples():
        if not r.match:
            diags.append(Diagnostic("efa_mismatch", "warning", r.item,
                                    f"{r.item} (construct {r.construct}) loads mainly on {r.factor}, "
                                    f"the factor of construct {r.factor_construct}."))
        if r.cross_loading_on:
            diags.append(Diagnostic("cross_loading", "warning", r.item,
                                    f"{r.item} also loads {loadings.loc[r.item, r.cross_loading_on]:.2f} on {r.cross_loading_on} "
                                    f"(|loading| ≥ {cross:.2f})."))
    return df, diags


def adequacy_diagnostics(kmo_overall: float, kmo_items: Mapping[str, float], bartlett: Mapping[str, float],
                         alpha: float = 0.05) -> list[Diagnostic]:
    """``low_kmo`` (overall < .6), ``low_msa`` (item < .5), ``bartlett_ns`` (p ≥ alpha)."""
    out = []
    if kmo_overall < 0.6:
        out.append(Diagnostic("low_kmo", "warning", "KMO",
                              f"Overall KMO = {kmo_overall:.3f} ({kmo_label(kmo_overall)}): the correlations are weakly suited to factor analysis."))
    for i, v in kmo_items.items():
        if v < 0.5:
            out.append(Diagnostic("low_msa", "warning", i, f"MSA of {i} = {v:.3f} < .50 (unacceptable)."))
    if bartlett["pvalue"] >= alpha:
        out.append(Diagnostic("bartlett_ns", "warning", "Bartlett",
                              f"Bartlett's test is not significant (p = {bartlett['pvalue']:.3f}): the items may be uncorrelated."))
    return out


def loadings_display(loadings: pd.DataFrame, blank: float = 0.30) -> pd.DataFrame:
    """Loadings sorted by primary factor and size, with |λ| < ``blank`` shown empty (display only)."""
    primary = loadings.abs().idxmax(axis=1)
    order = sorted(loadings.index, key=lambda i: (list(loadings.columns).index(primary[i]), -abs(loadings.loc[i, primary[i]])))
    out = loadings.loc[order].round(3).astype(object)
    out[loadings.loc[order].abs() < blank] = ""
    return out


def efa_results(data: pd.DataFrame, items: Sequence[str], params_efa: Any, seed: int = 2024) -> dict:
    """The whole exploratory stage: KMO, Bartlett, parallel analysis, EFA; returns a dict.

    ``params_efa`` is ``params.efa`` (``n_factors``: int or "auto", ``method``, ``rotation``,
    ``parallel_iter``, ``parallel_percentile``).
    """
    R, n, items = correlation_matrix(data, items)
    k_overall, k_items = kmo(R)
    bart = bartlett_sphericity(R, n)
    pa = parallel_analysis(R, n, n_iter=getattr(params_efa, "parallel_iter", 100),
                           percentile=getattr(params_efa, "parallel_percentile", 95), seed=seed)
    nf = params_efa.n_factors
    k = pa["n_factors"] if nf == "auto" else int(nf)
    k = max(1, min(k, len(items) - 1))
    fa = efa(R, k, method=params_efa.method, rotation=params_efa.rotation, items=items)
    summary = {"kmo": k_overall, "kmo_items": dict(zip(items, map(float, k_items))), "bartlett": bart,
               "n_factors_parallel": pa["n_factors"], "n_factors_kaiser": pa["n_kaiser"], "n_factors": k,
               "method": params_efa.method, "rotation": params_efa.rotation, "n": n,
               "parallel": {"n_iter": pa["n_iter"], "percentile": pa["percentile"], "seed": pa["seed"],
                            "eigen_pc": "principal-component eigenvalues of the correlation matrix"}}
    return {"summary": summary, "R": R, "n": n, "items": items, "parallel": pa, "efa": fa}


def loadings_file(fa: Mapping[str, Any]) -> pd.DataFrame:
    """``efa_loadings.csv``: item, one column per factor, communality."""
    out = fa["loadings"].copy()
    out["communality"] = fa["communality"]
    out.insert(0, "item", out.index)
    return out.reset_index(drop=True)
