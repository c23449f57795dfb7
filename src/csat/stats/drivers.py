"""Key-driver analysis: which constructs (or items) move satisfaction, and by how much.

One target (the satisfaction construct by default) is regressed on the predictors (the other
constructs) over the respondents who have all of them (listwise):

* **standardized betas** — OLS on z-scores (statsmodels ``OLS``), with their t-test p-values,
  and **VIFs** (statsmodels ``variance_inflation_factor`` on the predictors with a constant);
* **r** — the zero-order Pearson correlation of each predictor with the target;
* **Johnson's relative weights** (Johnson 2000): with the predictors' correlation matrix
  ``R = Q Λ Qᵀ`` and ``Λ^{1/2} = R^{1/2} = Q Λ^{1/2} Qᵀ`` (the orthogonal variables closest to the
  predictors), ``β* = R^{-1/2} r_xy`` and ``RW_j = Σ_k (R^{1/2})_{jk}² β*_k²``; they sum to R²;
* **LMG** (Lindeman, Merenda & Gold 1980; the Shapley value of R², Grömping 2006): the increase
  in R² when predictor j joins a model, averaged over all orders of the predictors,
  ``LMG_j = Σ_{S ⊆ P∖{j}} |S|! (p − |S| − 1)! / p! · [R²(S ∪ {j}) − R²(S)]`` — relaimpo's
  ``type = "lmg"`` and the "general dominance" of dominance analysis (Azen & Budescu 2003). R² of a
  subset comes from the correlation matrix, ``R²(S) = r_Sᵀ R_SS^{-1} r_S``. Neither statsmodels nor
  scikit-learn offers relative weights or LMG, hence they are written here; LMG is tested against
  PyPI ``dominance-analysis`` 1.1.9 and an all-subsets ``lm`` computation in R
  (``tests/reference/drivers_lmg.*``);
* **bootstrap intervals** for LMG: respondents resampled with replacement (seeded), percentile
  intervals — relaimpo's ``boot.relimp`` + ``booteval.relimp(bty = "perc")``.

References: Johnson, J. W. (2000). A heuristic method for estimating the relative weight of
predictor variables in multiple regression. *Multivariate Behavioral Research*, 35, 1–19.
Lindeman, R. H., Merenda, P. F., & Gold, R. Z. (1980). *Introduction to bivariate and
multivariate analysis*. Grömping, U. (2006). Relative importance for linear regression in R: the
package relaimpo. *J. Stat. Softw.*, 17(1). Azen, R., & Budescu, D. V. (2003). The dominance
analysis approach for comparing predictors in multiple regression. *Psychological Methods*, 8, 129–148.
"""
from __future__ import annotations

import math
from itertools import combinations
from typing import Sequence

import numpy as np
import pandas as pd

from csat.core.diagnostics import Diagnostic, diagnostic

DRIVER_COLUMNS = ["predictor", "beta", "se", "pvalue", "vif", "r", "relative_weight", "lmg", "lmg.ci.lower",
                  "lmg.ci.upper", "lmg.share"]
MAX_PREDICTORS = 15


def lmg(R: np.ndarray) -> np.ndarray:
    """LMG (Shapley) shares of R² from a correlation matrix whose first variable is the target.

    Examples
    --------
    >>> R = np.array([[1, .5, .3], [.5, 1, 0], [.3, 0, 1]])    # uncorrelated predictors
    >>> lmg(R).round(3)                                          # = r²
    array([0.25, 0.09])
    """
    return lmg_many(np.asarray(R, dtype=float)[None])[0]


def lmg_many(Rs: np.ndarray) -> np.ndarray:
    """:func:`lmg` of a stack of correlation matrices ``(B, p + 1, p + 1)``, target first: ``(B, p)``.

    The same sums as :func:`lmg`, with each subset's regression solved for all B matrices at once
    (``numpy.linalg.solve`` on the stack: the same LAPACK solve per matrix, one call per subset instead
    of one per subset and matrix); the bootstrap of :func:`key_drivers` uses it.  Raises
    ``LinAlgError`` if any matrix of the stack is singular.

    Examples
    --------
    >>> R = np.array([[1, .5, .3], [.5, 1, 0], [.3, 0, 1]])
    >>> lmg_many(np.stack([R, R])).round(3)
    array([[0.25, 0.09],
           [0.25, 0.09]])
    """
    Rs = np.asarray(Rs, dtype=float)
    B, p = Rs.shape[0], Rs.shape[-1] - 1
    rxx, rxy = Rs[:, 1:, 1:], Rs[:, 1:, 0]
    r2 = {frozenset(): np.zeros(B)}
    for size in range(1, p + 1):
        for S in combinations(range(p), size):
            idx = list(S)
            b = np.linalg.solve(rxx[:, idx][:, :, idx], rxy[:, idx, None])[..., 0]
            r2[frozenset(S)] = np.einsum("bi,bi->b", rxy[:, idx], b)
    w = [math.factorial(s) * math.factorial(p - s - 1) / math.factorial(p) for s in range(p)]
    out = np.zeros((B, p))
    for j in range(p):
        others = [k for k in range(p) if k != j]
        for size in range(p):
            for S in combinations(others, size):
                fs = frozenset(S)
                out[:, j] += w[size] * (r2[fs | {j}] - r2[fs])
    return out


def relative_weights(R: np.ndarray) -> np.ndarray:
    """Johnson's (2000) relative weights from a correlation matrix (target first); they sum to R².

    Examples
    --------
    >>> R = np.array([[1, .5, .3], [.5, 1, 0], [.3, 0, 1]])
    >>> relative_weights(R).round(3)
    array([0.25, 0.09])
    """
    R = np.asarray(R, dtype=float)
    rxx, rxy = R[1:, 1:], R[1:, 0]
    evals, evecs = np.linalg.eigh(rxx)
    if evals.min() <= 0:
        raise np.linalg.LinAlgError("the predictors' correlation matrix is singular")
    lam_half = evecs @ np.diag(np.sqrt(evals)) @ evecs.T
    beta_star = np.linalg.solve(lam_half, rxy)
    return (lam_half ** 2) @ (beta_star ** 2)


def key_drivers(df: pd.DataFrame, target: str, predictors: Sequence[str], n_boot: int = 1000, seed: int = 2024,
                conf: float = 0.95) -> tuple[pd.DataFrame, dict]:
    """Key-driver table of ``target`` on ``predictors`` (complete cases).

    Returns ``(table, info)``: ``table`` has the columns ``predictor, beta, se, pvalue, vif, r,
    relative_weight, lmg, lmg.ci.lower, lmg.ci.upper, lmg.share`` (lmg.share = LMG / R², relaimpo's
    ``rela = TRUE``), sorted as the predictors were given; ``info`` has ``n, r2, adj_r2, n_boot,
    boot_failed, target``.

    Parameters
    ----------
    df : DataFrame
        Construct scores and/or items (numeric), one column per variable.
    target : str
        The outcome column (usually satisfaction).
    predictors : sequence of str
        The driver columns (at most :data:`MAX_PREDICTORS`).
    n_boot : int
        Bootstrap resamples for the LMG intervals.
    seed : int
        Seed of the bootstrap (``numpy.random.default_rng``).
    conf : float
        Confidence level of the percentile intervals.

    Returns
    -------
    table : DataFrame
    info : dict

    Examples
    --------
    >>> mean = lambda stem, k: ecsi[[f"{stem}{i}" for i in range(1, k + 1)]].mean(axis=1)
    >>> scores = pd.DataFrame({"SAT": mean("sat", 4), "IMAG": mean("imag", 5), "EXPE": mean("expe", 5),
    ...                        "QUAL": mean("qual", 5), "VAL": mean("val", 4)})
    >>> table, info = key_drivers(scores, "SAT", ["IMAG", "EXPE", "QUAL", "VAL"], n_boot=100)
    >>> table[["predictor", "beta", "vif", "lmg", "lmg.share"]].round(3)
      predictor   beta    vif    lmg  lmg.share
    0      IMAG  0.188  1.967  0.150      0.219
    1      EXPE  0.009  3.539  0.102      0.149
    2      QUAL  0.150  4.595  0.148      0.216
    3       VAL  0.558  2.860  0.285      0.417
    >>> round(info["r2"], 3), round(float(table["lmg"].sum()), 3)    # the LMG shares add up to R²
    (0.684, 0.684)

    In R (``sc`` a data frame of the same construct means):
    ``summary(lm(SAT ~ IMAG + EXPE + QUAL + VAL, sc))$r.squared`` → 0.684 and
    ``coef(lm(scale(SAT) ~ scale(IMAG) + ..., sc))["scale(VAL)"]`` → 0.558.  relaimpo's
    ``calc.relimp(..., type = "lmg")`` gives the LMG column (relaimpo is not installable here; the
    LMG shares are tested against a base-R computation, ``tests/reference/drivers_lmg.R``, and
    PyPI dominance-analysis, ``tests/reference/drivers_lmg_dominance.py``).
    """
    import statsmodels.api as sm
    from statsmodels.stats.outliers_influence import variance_inflation_factor

    predictors = list(predictors)
    if not predictors:
        raise ValueError("drivers: give at least one predictor")
    if target in predictors:
        raise ValueError(f"drivers: the target {target!r} is also a predictor")
    if len(predictors) > MAX_PREDICTORS:
        raise ValueError(f"drivers: {len(predictors)} predictors; LMG averages over all 2^p subsets, "
                         f"so at most {MAX_PREDICTORS} are allowed")
    cols = [target, *predictors]
    d = df[cols].astype(float).dropna()
    n, p = len(d), len(predictors)
    if n < p + 3:
        raise ValueError(f"drivers: only {n} respondents have the target and all predictors")
    sd = d.std(ddof=1)
    const = [c for c in cols if not sd[c] > 0]
    if const:
        raise ValueError(f"drivers: {const} do not vary among the {n} complete respondents")
    z = (d - d.mean()) / sd
    ols = sm.OLS(z[target], sm.add_constant(z[predictors])).fit()
    X = sm.add_constant(d[predictors]).to_numpy()
    vif = [float(variance_inflation_factor(X, j + 1)) for j in range(p)]
    R = np.corrcoef(d.to_numpy().T)
    share = lmg(R)
    rw = relative_weights(R)
    r2 = float(ols.rsquared)

    rng = np.random.default_rng(seed)
    arr = d.to_numpy()
    cors, failed = [], 0
    for _ in range(int(n_boot)):
        s = arr[rng.integers(0, n, n)]
        if np.any(s.std(axis=0) == 0):
            failed += 1
            continue
        cors.append(np.corrcoef(s.T))
    boots = []
    if cors:
        try:                                   # every resample's LMG at once
            boots = list(lmg_many(np.stack(cors)))
        except np.linalg.LinAlgError:          # a singular resample: one at a time, that one counted failed
            for c in cors:
                try:
                    boots.append(lmg(c))
                except np.linalg.LinAlgError:
                    failed += 1
    a = (1 - conf) / 2
    if boots:
        B = np.array(boots)
        lo, hi = np.quantile(B, a, axis=0), np.quantile(B, 1 - a, axis=0)
    else:
        lo = hi = np.full(p, np.nan)
    table = pd.DataFrame({
        "predictor": predictors, "beta": ols.params[predictors].to_numpy(), "se": ols.bse[predictors].to_numpy(),
        "pvalue": ols.pvalues[predictors].to_numpy(), "vif": vif, "r": R[1:, 0], "relative_weight": rw,
        "lmg": share, "lmg.ci.lower": lo, "lmg.ci.upper": hi, "lmg.share": share / r2 if r2 > 0 else np.nan,
    }, columns=DRIVER_COLUMNS)
    info = {"target": target, "n": int(n), "r2": r2, "adj_r2": float(ols.rsquared_adj), "n_boot": int(n_boot),
            "boot_failed": int(failed), "conf": conf}
    return table, info


def driver_diagnostics(table: pd.DataFrame, info: dict) -> list[Diagnostic]:
    """VIF > 5 (collinear drivers: betas unstable, LMG and relative weights share them out) and
    suppressor effects (beta and r of opposite sign).

    Parameters
    ----------
    table : DataFrame
        The table of :func:`key_drivers`.
    info : dict
        The info of :func:`key_drivers`.

    Returns
    -------
    list of Diagnostic
        ``driver_vif``, ``driver_suppressor`` (warnings), ``driver_bootstrap`` (info).
    """
    out = []
    for _, r in table.iterrows():
        if r["vif"] > 5:
            out.append(diagnostic("driver_vif", "warning", str(r["predictor"]),
                                  "VIF {vif:.1f} > 5: this driver overlaps strongly with the others; its beta "
                                  "is unstable, read the LMG share and relative weight instead.", vif=r["vif"]))
        if r["beta"] * r["r"] < 0 and abs(r["beta"]) > 0.05:
            out.append(diagnostic("driver_suppressor", "warning", str(r["predictor"]),
                                  "beta ({beta:.2f}) and correlation ({r:.2f}) have opposite signs: "
                                  "a suppressor effect, not a negative driver.", beta=r["beta"], r=r["r"]))
    if info.get("boot_failed"):
        out.append(diagnostic("driver_bootstrap", "info", "drivers",
                              "{failed} of {n_boot} bootstrap resamples could not be used.",
                              failed=info["boot_failed"], n_boot=info["n_boot"]))
    return out


def driver_frame(scores: pd.DataFrame, data: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """Construct scores and item columns by name (constructs first), as floats.

    Parameters
    ----------
    scores : DataFrame
        Construct scores.
    data : DataFrame
        The cleaned data (for item-level drivers).
    names : sequence of str
        Construct or item names.

    Returns
    -------
    DataFrame
        One float column per name, indexed like ``scores``.
    """
    out = pd.DataFrame(index=scores.index)
    for nm in names:
        out[nm] = (scores[nm] if nm in scores.columns else data[nm]).astype(float)
    return out
