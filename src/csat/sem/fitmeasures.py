"""Fit measures of an ML or FIML fit, as lavaan's ``fitMeasures``."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:                      # pragma: no cover
    from csat.sem.partable import CompiledModel

__all__ = ["FIT_MEASURES", "RESULT_FIT_MEASURES", "ROBUST_FIT_MEASURES", "FIT_RULES", "fit_measures",
           "fiml_fit_measures", "robust_fit_measures", "reported_fit", "REPORTED", "rmsea_ci", "fit_verdict"]

FIT_MEASURES = ["npar", "chisq", "df", "pvalue", "cfi", "tli", "nfi", "gfi", "agfi", "rmsea",
                "rmsea.ci.lower", "rmsea.ci.upper", "srmr", "aic", "bic", "logl", "ntotal",
                "baseline.chisq", "baseline.df"]
#: The results contract: the fit measures written to cfa_fit.json / sem_fit.json, and the leading
#: columns of cfa_estimates.csv / sem_estimates.csv (lavaan's names, in lavaan's order).
RESULT_FIT_MEASURES = FIT_MEASURES[:17]
#: What a robust estimator (MLR, MLM; WLSMV) adds, under lavaan's names (:func:`robust_fit_measures`),
#: written after :data:`RESULT_FIT_MEASURES` in cfa_fit.json / sem_fit.json.
ROBUST_FIT_MEASURES = ["chisq.scaled", "df.scaled", "pvalue.scaled", "chisq.scaling.factor", "baseline.chisq.scaled",
                       "baseline.df.scaled", "baseline.pvalue.scaled", "baseline.chisq.scaling.factor", "cfi.scaled",
                       "tli.scaled", "cfi.robust", "tli.robust", "rmsea.scaled", "rmsea.ci.lower.scaled",
                       "rmsea.ci.upper.scaled", "rmsea.robust", "rmsea.ci.lower.robust", "rmsea.ci.upper.robust"]


def _gfi_rmsea_srmr(chisq: float, df: int, n: int, gfi: float, nel: int, Rr: np.ndarray,
                    extra_ss: float = 0.0) -> dict:
    """The measures ML and FIML fits compute alike: AGFI from GFI and the ``nel`` sample moments,
    RMSEA with its 90% interval, and SRMR from the residual correlations ``Rr`` (lower triangle
    with diagonal; ``extra_ss`` adds the squared standardized mean residuals of a FIML fit)."""
    ii, jj = np.tril_indices(Rr.shape[0])
    return {"gfi": float(gfi), "agfi": float(1 - nel / df * (1 - gfi) if df > 0 else 1.0),
            "rmsea": math.sqrt(max(chisq / (n * df) - 1 / n, 0.0)) if df > 0 else 0.0,
            **dict(zip(("rmsea.ci.lower", "rmsea.ci.upper"), rmsea_ci(chisq, df, n))),
            "srmr": math.sqrt((np.sum(Rr[ii, jj] ** 2) + extra_ss) / nel)}


def rmsea_ci(x2: float, df: int, n: int, level: float = 0.90) -> tuple[float, float]:
    """RMSEA interval by inverting the noncentral χ² (Browne & Cudeck 1993; lavaan's method):
    λ_L solves ``P(χ²_df(λ) ≤ x2) = (1+level)/2``, λ_U solves ``… = (1−level)/2``;
    ``bound = √(λ / (N df))`` (0 when the equation has no positive root)."""
    from scipy import optimize, stats  # here: `csat.pipeline.build prepare` imports csat.sem and starts faster without them

    if not np.isfinite(x2):
        return math.nan, math.nan
    if df < 1:                        # lavaan: both bounds 0 for a saturated model
        return 0.0, 0.0
    up, lo = (1 + level) / 2, (1 - level) / 2

    def cdf(lam):
        return stats.ncx2.cdf(x2, df, lam) if lam > 0 else stats.chi2.cdf(x2, df)

    if cdf(0.0) < up:
        lam_l = 0.0
    else:
        lam_l = optimize.brentq(lambda l: cdf(l) - up, 0.0, max(x2, 1.0), xtol=1e-12)
    if cdf(0.0) < lo:
        lam_u = 0.0
    else:
        hi = max(x2, 1.0)
        while cdf(hi) > lo:
            hi *= 2
        lam_u = optimize.brentq(lambda l: cdf(l) - lo, 0.0, hi, xtol=1e-12)
    return math.sqrt(lam_l / (n * df)), math.sqrt(lam_u / (n * df))


def fit_measures(cm: CompiledModel, S: np.ndarray, Sigma: np.ndarray, n: int, fmin: float) -> dict:
    """lavaan ``fitMeasures`` for an ML fit without mean structure.

    ``χ² = N F̂``, ``df = p(p+1)/2 − p_x(p_x+1)/2 − npar``; baseline = independence model
    (diagonal Σ, fixed.x block saturated): ``χ²_b = N (Σ log s_jj − log|S|)`` (y part);
    CFI = 1 − max(χ²−df, 0)/max(χ²_b−df_b, χ²−df, 0); TLI = (χ²_b/df_b − χ²/df)/(χ²_b/df_b − 1);
    NFI = (χ²_b − χ²)/χ²_b; GFI = 1 − tr[(Σ̂⁻¹(S − Σ̂))²]/tr[(Σ̂⁻¹S̃)²] (S̃: S with the fixed.x block
    zeroed); AGFI = 1 − p*/df (1 − GFI);
    RMSEA = √max(χ²/(N df) − 1/N, 0) with the noncentral-χ² 90% interval; SRMR (Bentler) =
    √mean over the lower triangle with diagonal of ``((s_ij − σ̂_ij)/√(s_ii s_jj))²``;
    logl = −N/2 (p log 2π + log|Σ̂| + tr(S Σ̂⁻¹)); AIC = −2 logl + 2 npar; BIC = −2 logl + npar log N.
    """
    from scipy import stats
    p = cm.p
    npar = cm.npar
    df = cm.df
    chisq = n * fmin
    pval = float(stats.chi2.sf(chisq, df)) if df > 0 else math.nan
    ix = cm._exo_idx
    S0 = np.diag(np.diag(S))
    if len(ix):
        S0[np.ix_(ix, ix)] = S[np.ix_(ix, ix)]
    ld_S = np.linalg.slogdet(S)[1]
    chisq_b = n * (np.linalg.slogdet(S0)[1] + np.trace(np.linalg.solve(S0, S)) - ld_S - p)
    px = len(ix)
    df_b = p * (p + 1) // 2 - px * (px + 1) // 2 - (p - px)
    d, d_b = max(chisq - df, 0.0), max(chisq_b - df_b, 0.0)
    den = max(d, d_b)
    cfi = 1.0 if den == 0 else 1 - d / den
    if df > 0 and df_b > 0:
        tli = (chisq_b / df_b - chisq / df) / (chisq_b / df_b - 1)
    else:
        tli = 1.0
    nfi = (chisq_b - chisq) / chisq_b if chisq_b > 0 else math.nan
    Om = np.linalg.inv(Sigma)
    M = Om @ S
    nel = p * (p + 1) // 2
    St = S.copy()
    if len(ix):                       # lavaan's WLS.V ignores the fixed.x moments
        St[np.ix_(ix, ix)] = 0.0
    Mt, Rt = Om @ St, Om @ (S - Sigma)
    gfi = 1 - np.sum(Rt * Rt.T) / np.sum(Mt * Mt.T)
    sd = np.sqrt(np.diag(S))
    approx = _gfi_rmsea_srmr(chisq, df, n, gfi, nel, (S - Sigma) / np.outer(sd, sd))
    logl = -n / 2 * (p * math.log(2 * math.pi) + np.linalg.slogdet(Sigma)[1] + np.trace(M))
    if len(ix):                       # fixed.x: lavaan reports the likelihood conditional on x
        Sxx = S[np.ix_(ix, ix)]
        logl += n / 2 * (px * math.log(2 * math.pi) + np.linalg.slogdet(Sxx)[1] + px)
    return {"npar": npar, "chisq": float(chisq), "df": df, "pvalue": pval, "cfi": float(cfi), "tli": float(tli),
            "nfi": float(nfi), **approx, "aic": float(-2 * logl + 2 * npar),
            "bic": float(-2 * logl + npar * math.log(n)), "logl": float(logl), "ntotal": int(n),
            "baseline.chisq": float(chisq_b), "baseline.df": int(df_b)}


def fiml_fit_measures(cm, N, logl, logl_h1, logl_b, m, S, mu, Sigma, X, pat) -> dict:
    """Fit measures of a FIML fit (lavaan ``missing = "ml"``): npar counts the p intercepts;
    χ² = 2(logl_h1 − logl), baseline χ² = 2(logl_h1 − logl_b); CFI/TLI/NFI/RMSEA as for complete
    data; GFI with the mean structure (weights Σ̂⁻¹ for the means and ½Dᵀ(Σ̂⁻¹⊗Σ̂⁻¹)D for the
    covariances, "sample" moments from the saturated EM fit); SRMR (Bentler) over the
    standardized mean and covariance residuals."""
    from scipy import stats
    p = cm.p
    npar = cm.npar + p
    df = cm.df
    chisq = 2 * (logl_h1 - logl)
    chisq_b = 2 * (logl_h1 - logl_b)
    df_b = p * (p + 1) // 2 - p
    d, d_b = max(chisq - df, 0.0), max(chisq_b - df_b, 0.0)
    den = max(d, d_b)
    cfi = 1.0 if den == 0 else 1 - d / den
    tli = (chisq_b / df_b - chisq / df) / (chisq_b / df_b - 1) if df > 0 and df_b > 0 else 1.0
    nfi = (chisq_b - chisq) / chisq_b if chisq_b > 0 else math.nan
    # GFI as lavaan 0.6: "observed" moments = available-case means and pairwise covariances
    # (rescaled by (N−1)/N), weights = expected FIML information of the saturated moments at
    # (μ̂, Σ̂): (1/N) Σ_k n_k Σ̃_k⁻¹ for the means, ½ tr(Σ̃_k⁻¹ · Σ̃_k⁻¹ ·) for the covariances
    Xdf = pd.DataFrame(X)
    m_obs = Xdf.mean().to_numpy()
    S_obs = Xdf.cov().to_numpy() * (N - 1) / N
    dm_obs, R_obs = m_obs - mu, S_obs - Sigma
    t1 = t2 = 0.0
    for o, nk, _, _ in pat.groups:
        Om = np.linalg.inv(Sigma[np.ix_(o, o)])
        a, b = dm_obs[o], m_obs[o]
        Ra, Sb = Om @ R_obs[np.ix_(o, o)], Om @ S_obs[np.ix_(o, o)]
        t1 += nk * (a @ Om @ a + 0.5 * np.sum(Ra * Ra.T))
        t2 += nk * (b @ Om @ b + 0.5 * np.sum(Sb * Sb.T))
    gfi = 1 - t1 / t2
    dm = m - mu
    nel = p * (p + 1) // 2 + p
    sd = np.sqrt(np.diag(S))
    approx = _gfi_rmsea_srmr(chisq, df, N, gfi, nel, (S - Sigma) / np.outer(sd, sd), np.sum((dm / sd) ** 2))
    return {"npar": npar, "chisq": float(chisq), "df": df,
            "pvalue": float(stats.chi2.sf(chisq, df)) if df > 0 else math.nan,
            "cfi": float(cfi), "tli": float(tli), "nfi": float(nfi), **approx,
            "aic": float(-2 * logl + 2 * npar), "bic": float(-2 * logl + npar * math.log(N)),
            "logl": float(logl), "unrestricted.logl": float(logl_h1), "ntotal": int(N),
            "baseline.chisq": float(chisq_b), "baseline.df": int(df_b)}


def _cfi(x2: float, df: float, x2b: float, dfb: float, c: float = 1.0, cb: float = 1.0) -> float:
    t1 = max(x2 - c * df, 0.0)
    t2 = max(x2 - c * df, x2b - cb * dfb, 0.0)
    return 1.0 if abs(t1) < 1e-12 and abs(t2) < 1e-12 else 1 - t1 / t2


def _tli(x2: float, df: float, x2b: float, dfb: float, c: float = 1.0, cb: float = 1.0) -> float:
    t1, t2 = (x2 - c * df) * dfb, (x2b - cb * dfb) * df
    return 1 - t1 / t2 if df > 0 and abs(t2) > 0 else 1.0


def robust_fit_measures(fm: dict, c: float, cb: float, *, groups: int = 1, robust: bool = True) -> dict:
    """The scaled and robust fit measures of a fit with χ² scaling factor ``c`` (``chisq.scaled = chisq / c``)
    and baseline scaling factor ``cb``, from its naive measures ``fm`` (``chisq``, ``df``,
    ``baseline.chisq``, ``baseline.df``, ``ntotal``), as lavaan 0.6.14's ``fitMeasures``:

    * ``cfi.scaled``, ``tli.scaled``: CFI/TLI of the scaled statistics;
    * ``rmsea.scaled = √max(χ²/(N c df) − 1/N, 0)`` (lavaan's df2 = tr(UΓ) = c·df) and its interval with
      χ² on c·df degrees of freedom;
    * the robust ones (Brosseau-Liard, Savalei & Li 2012; Brosseau-Liard & Savalei 2014):
      ``rmsea.robust = √max(χ²/(N df) − c/N, 0)``, its interval from the scaled χ² rescaled by √c,
      ``cfi.robust = 1 − max(χ² − c df, 0)/max(χ² − c df, χ²_b − c_b df_b, 0)``, ``tli.robust`` likewise.

    Multi-group fits (``groups`` = G) multiply the RMSEAs by √G.  ``robust=False`` leaves out the
    ``.robust`` keys (lavaan's FIML robust measures need a correction not implemented here).
    """
    from scipy import stats
    x2, df, x2b, dfb, n = fm["chisq"], fm["df"], fm["baseline.chisq"], fm["baseline.df"], fm["ntotal"]
    sg = math.sqrt(groups)
    nan = math.nan
    ok, okb = np.isfinite(c) and c > 0, np.isfinite(cb) and cb > 0
    xs = x2 / c if ok else nan
    xbs = x2b / cb if okb else nan
    out = {"chisq.scaled": xs, "df.scaled": df,
           "pvalue.scaled": float(stats.chi2.sf(xs, df)) if ok and df > 0 else nan,
           "chisq.scaling.factor": c if ok else nan, "baseline.chisq.scaled": xbs, "baseline.df.scaled": dfb,
           "baseline.pvalue.scaled": float(stats.chi2.sf(xbs, dfb)) if okb and dfb > 0 else nan,
           "baseline.chisq.scaling.factor": cb if okb else nan}
    both = ok and okb
    out["cfi.scaled"] = _cfi(xs, df, xbs, dfb) if both else nan
    out["tli.scaled"] = _tli(xs, df, xbs, dfb) if both else nan
    if robust:
        out["cfi.robust"] = _cfi(x2, df, x2b, dfb, c, cb) if both else nan
        out["tli.robust"] = _tli(x2, df, x2b, dfb, c, cb) if both else nan
    if ok and df > 0:
        out["rmsea.scaled"] = math.sqrt(max(x2 / (n * c * df) - 1 / n, 0.0)) * sg
        lo, hi = rmsea_ci(x2, c * df, n)
        out["rmsea.ci.lower.scaled"], out["rmsea.ci.upper.scaled"] = lo * sg, hi * sg
        if robust:
            out["rmsea.robust"] = math.sqrt(max(x2 / (n * df) - c / n, 0.0)) * sg
            lo, hi = rmsea_ci(xs, df, n)
            out["rmsea.ci.lower.robust"], out["rmsea.ci.upper.robust"] = (lo * math.sqrt(c) * sg,
                                                                          hi * math.sqrt(c) * sg)
    else:
        for k in ("rmsea.scaled", "rmsea.ci.lower.scaled", "rmsea.ci.upper.scaled") + (
                ("rmsea.robust", "rmsea.ci.lower.robust", "rmsea.ci.upper.robust") if robust else ()):
            out[k] = 0.0 if ok and df == 0 else nan
    return {k: (float(v) if isinstance(v, (float, np.floating)) else v) for k, v in out.items()}


#: The measures a report reads of a robust fit in place of the naive ones: plain name → its versions, the
#: first present (and finite) wins — the robust CFI/TLI/RMSEA (Brosseau-Liard & Savalei), else the scaled ones.
REPORTED: dict[str, tuple[str, ...]] = {
    "chisq": ("chisq.scaled",), "pvalue": ("pvalue.scaled",), "cfi": ("cfi.robust", "cfi.scaled"),
    "tli": ("tli.robust", "tli.scaled"), "rmsea": ("rmsea.robust", "rmsea.scaled"),
    "rmsea.ci.lower": ("rmsea.ci.lower.robust", "rmsea.ci.lower.scaled"),
    "rmsea.ci.upper": ("rmsea.ci.upper.robust", "rmsea.ci.upper.scaled"),
}


def reported_fit(fm: dict) -> dict:
    """The fit measures under their plain names as a report reads them: for a robust fit (one with
    ``chisq.scaled``: MLR, MLM, WLSMV) the scaled χ² and its p and the robust CFI, TLI and RMSEA
    (:data:`REPORTED`); a copy of ``fm`` otherwise.

    >>> reported_fit({"chisq": 10.0, "chisq.scaled": 8.0, "cfi": 0.9, "cfi.robust": float("nan"), "cfi.scaled": 0.91})
    ... # doctest: +ELLIPSIS
    {'chisq': 8.0, 'chisq.scaled': 8.0, 'cfi': 0.91, ...}
    """
    out = dict(fm)
    if "chisq.scaled" not in fm:
        return out
    for name, alts in REPORTED.items():
        for a in alts:
            v = fm.get(a)
            if v is not None and np.isfinite(float(v)):
                out[name] = v
                break
    return out


#: The fit cut-offs of Hu & Bentler (1999) as the report applies them — the one definition:
#: ``measure: (good, acceptable, higher_is_better)``.
FIT_RULES: dict[str, tuple[float, float, bool]] = {
    "cfi": (0.95, 0.90, True), "tli": (0.95, 0.90, True),
    "rmsea": (0.06, 0.08, False), "srmr": (0.08, 0.08, False),
}


def fit_verdict(measure: str, value: float | None) -> str:
    """``good``/``acceptable``/``poor`` for CFI, TLI (≥ .95 good, ≥ .90 acceptable), RMSEA
    (≤ .06 good, ≤ .08 acceptable) and SRMR (≤ .08 good) — Hu & Bentler (1999); ``""`` otherwise."""
    rule = FIT_RULES.get(measure)
    if rule is None or value is None or not np.isfinite(float(value)):
        return ""
    good, ok, higher_is_better = rule
    v = float(value)
    if higher_is_better:
        return "good" if v >= good else "acceptable" if v >= ok else "poor"
    return "good" if v <= good else "acceptable" if v <= ok else "poor"
