"""WLSMV: ordinal CFA/SEM as lavaan's ``estimator = "WLSMV"`` (``ordered = ...``), delta parameterization.

Estimation (Muthén 1984; Muthén, du Toit & Spisic 1997; lavaan 0.6 defaults)
------------------------------------------------------------------------------
1. The sample statistics ``s`` are the thresholds of the ordinal items (a continuous item: minus its
   mean), the variances of the continuous items and the polychoric/polyserial/Pearson correlations
   (covariances where a continuous item is involved), with their asymptotic covariance matrix ``Γ``
   (NACOV, times N): :func:`csat.stats.polychoric.polychoric`.
2. The model (delta parameterization, scale factors 1): the latent responses ``y*`` of the ordinal items
   have unit variance, so their residual variances are not parameters but ``1 − (Λ Ψ Λᵀ)_jj``
   (``Σ₀`` the implied covariance matrix with those residual variances at 0); the implied thresholds
   are the threshold parameters, the implied correlations the off-diagonal of ``Σ₀``.
3. DWLS: ``F = ½ (s − σ(θ))ᵀ W (s − σ(θ))`` with ``W = diag(Γ)⁻¹``, minimised by Gauss–Newton with step
   halving (the thresholds are saturated, so their estimates are the sample thresholds).
4. Robust standard errors ``Cov(θ̂) = (ΔᵀWΔ)⁻¹ ΔᵀWΓWΔ (ΔᵀWΔ)⁻¹ / N`` (``Δ = ∂σ/∂θ``, lavaan's
   ``se = "robust.sem"``).
5. ``χ² = 2 N F̂`` (``chisq``), and the mean-and-variance adjusted ("scaled.shifted", Asparouhov & Muthén
   2010) test: with ``U = W − WΔ(ΔᵀWΔ)⁻¹ΔᵀW``, ``a = √(df / tr((UΓ)²))``, ``b = df − a·tr(UΓ)``:
   ``chisq.scaled = a χ² + b`` on ``df`` degrees of freedom, ``chisq.scaling.factor = 1/a``.
6. Baseline model: thresholds (means, variances) free, correlations 0; CFI/TLI/RMSEA from the naive and
   the scaled statistics as lavaan 0.6.14 ``fitMeasures``; SRMR on the correlation residuals.

:func:`fit_wlsmv` is the entry point (a :class:`~csat.sem.result.SEMResult` with lavaan's rows for the
thresholds ``item | t1``, the scale factors ``item ~*~ item`` and the fixed intercepts ``~1``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd

from csat.core.errors import ModelError
from csat.core.threads import one_blas_thread
from csat.sem.partable import CompiledModel, ParameterNumbers, build_model
from csat.sem.result import SEMResult, defined_rows, modindex_candidates, result_diagnostics, standardize
from csat.sem.syntax import parse_model
from csat.stats.polychoric import PolychoricResult, polychoric

__all__ = ["WLSMVResult", "fit_wlsmv", "wlsmv_fit", "WLSMVFit", "wlsmv_prepare", "wlsmv_estimate", "wlsmv_fit_measures",
           "fit_wlsmv_groups", "merge_empty_categories", "WLSMVGroupsResult", "satorra2000_difference", "ORDINAL_STEPS",
           "gauss_newton"]


@dataclass
class WLSMVFit:
    """The raw result of :func:`wlsmv_estimate`: structural parameters ``theta`` (of the compiled model,
    ordinal residual variances fixed), the threshold-slot parameters ``phi`` (thresholds; intercepts of
    continuous items), their joint robust covariance ``vcov`` (structural first), the test pieces."""

    theta: np.ndarray
    phi: np.ndarray
    vcov: np.ndarray
    fmin: float
    converged: bool
    iterations: int
    test: dict
    baseline: dict
    resid: np.ndarray
    Delta: np.ndarray = None
    w: np.ndarray = None


@dataclass
class WLSMVResult(SEMResult):
    """A WLSMV fit: :class:`~csat.sem.result.SEMResult` whose modification indices are lavaan's for DWLS
    (:meth:`modindices`); ``wls`` keeps the sample statistics, weights, residuals and ``Δ`` of the fit."""

    wls: dict = field(default=None, repr=False)

    def standardized_residuals(self) -> pd.DataFrame:
        raise ModelError("standardized residuals are not available for a WLSMV fit; use residuals() for the "
                         "correlation residuals")

    def modindices(self, top: int | None = 10) -> pd.DataFrame:
        """Modification indices of a WLSMV fit, as lavaan's ``modindices(fit)``: with the expected
        information ``I = ΔᵀWΔ`` of the model extended by the candidates (lavaan's is N/(N−1) times it,
        from the weights of the Γ without that factor) and the DWLS gradient ``g = −ΔᵀW(s − σ̂)`` of each
        candidate, ``mi = N g² / (I₁₁ − I₁₂ I₂₂⁻¹ I₂₁)`` and ``epc = −g / (I₁₁ −
        I₁₂ I₂₂⁻¹ I₂₁)``; ``sepc.all`` the ``std.all`` rescaling of ``epc``.  Candidates as
        :func:`csat.sem.result.modindex_candidates` (cross-loadings, residual covariances of the items,
        latent covariances and regressions among the variables of the structural part)."""
        cm = self.model
        A = self.A.to_numpy()
        Sm = self.Smat.to_numpy()
        cand = modindex_candidates(cm)
        cols = ["lhs", "op", "rhs", "mi", "epc", "sepc.all"]
        if not len(cand):
            return pd.DataFrame(columns=cols)
        w = self.wls
        cmat, ci, cj = (cand["mat"] == "S").to_numpy(int), cand["i"].to_numpy(), cand["j"].to_numpy()
        E = np.linalg.inv(np.eye(cm.m) - A)
        U, V = cm._uv(E, Sm, cmat, ci, cj)
        rr = np.concatenate([w["num"], w["ii"]])
        cc = np.concatenate([w["num"], w["jj"]])
        nth = w["nth"]
        Dc = np.zeros((w["Delta"].shape[0], len(cand)))
        Dc[nth:] = U[rr] * V[cc] + V[rr] * U[cc]
        Wd, D, e = w["w"], w["Delta"], w["resid"]
        I22 = D.T @ (Wd[:, None] * D)
        I12 = Dc.T @ (Wd[:, None] * D)
        I11 = np.einsum("se,s,se->e", Dc, Wd, Dc)
        g = -Dc.T @ (Wd * e)
        v = I11 - np.einsum("ek,kl,el->e", I12, np.linalg.inv(I22), I12)
        v = v * self.n / (self.n - 1)         # lavaan 0.6.14's information has W from Γ without N/(N−1)
        with np.errstate(invalid="ignore", divide="ignore"):
            v = np.where(v < np.finfo(float).eps ** (1 / 3), np.nan, v)
            mi = self.n * g * g / v
            epc = -g / v
        sepc = standardize(cm, np.abs(epc), A, Sm, E, rows=cand, kind="all") * np.sign(epc)
        out = cand[["lhs", "op", "rhs"]].assign(mi=mi, epc=epc, **{"sepc.all": sepc})
        out = out[np.isfinite(out["mi"])]
        out = out.sort_values("mi", ascending=False, kind="stable").reset_index(drop=True)
        return out if top is None else out.head(top)


def _ordered_list(ordered, observed: Sequence[str]) -> list[str]:
    if ordered is True:
        return list(observed)
    if not ordered:
        return []
    return [v for v in observed if v in set(ordered)]


def wlsmv_prepare(model: str, data: pd.DataFrame, ordered, *, std_lv: bool = False):
    """``(cm, cm_free, pc, ordered)``: the compiled model with the ordinal residual variances fixed
    (delta parameterization), the ordinary one (for starting values), and the sample statistics."""
    table = parse_model(model) if isinstance(model, str) else model.copy()
    cm_free = build_model(table, list(data.columns), std_lv=std_lv)
    if cm_free.ov_x:
        raise ModelError("WLSMV with observed exogenous covariates (" + ", ".join(cm_free.ov_x)
                         + ") is not supported; make them indicators or leave them out")
    ordd = _ordered_list(ordered, cm_free.observed)
    if not ordd:
        raise ModelError("WLSMV needs at least one ordered item among the model variables")
    have = {(r.lhs, r.rhs) for r in table.itertuples() if r.op == "~~"}
    extra = [v for v in ordd if (v, v) not in have]
    line = int(table["line"].max()) + 1 if len(table) else 1
    add = pd.DataFrame({"lhs": extra, "op": "~~", "rhs": extra, "label": "", "fixed": 0.0, "free": False,
                        "line": line})
    add["free"] = add["free"].astype(object)
    cm = build_model(pd.concat([table, add], ignore_index=True), list(data.columns), std_lv=std_lv)
    cm._wlsmv_added = set(extra)
    pc = polychoric(data, ordd, nacov=True, items=cm.observed)
    return cm, cm_free, pc, ordd


def _stat_layout(cm: CompiledModel, pc: PolychoricResult):
    """Sample statistics vector and index pieces in lavaan's order: th slots (thresholds; −mean of a
    continuous item), variances of continuous items, the lower off-diagonal of the covariance matrix."""
    p = cm.p
    is_ord = np.array([v in set(pc.ordered) for v in cm.observed])
    sign = np.where(is_ord[pc.th_item], 1.0, -1.0)
    s_th = pc.th * sign                        # continuous: −mean
    num = np.flatnonzero(~is_ord)
    C = pc.cov
    jj, ii = [], []
    for j in range(p - 1):
        for i in range(j + 1, p):
            ii.append(i)
            jj.append(j)
    ii, jj = np.array(ii, int), np.array(jj, int)
    s = np.concatenate([s_th, C[num, num], C[ii, jj]])
    return s, sign, num, ii, jj, is_ord


def _start(cm: CompiledModel, cm_free: CompiledModel, S: np.ndarray) -> np.ndarray:
    th_free = cm_free.start_values(S)
    key = {(r.mat, r.i, r.j): th_free[r.free] for r in cm_free.rows.itertuples() if r.free >= 0}
    theta = np.zeros(cm.npar)
    for r in cm.rows.itertuples():
        if r.free >= 0:
            theta[r.free] = key.get((r.mat, r.i, r.j), 0.0)
    return theta


def _implied(cm: CompiledModel, theta: np.ndarray, num, ii, jj, need_jac: bool = True):
    """Implied (variances of continuous items, lower off-diagonal) of ``Σ₀`` and its Jacobian."""
    Sigma, E, Sm, A = cm.implied(theta)
    sig = np.concatenate([Sigma[num, num], Sigma[ii, jj]])
    if not need_jac:
        return sig, None, (Sigma, E, Sm, A)
    U, V = cm._uv(E, Sm, *cm._entries())
    rr = np.concatenate([num, ii])
    cc = np.concatenate([num, jj])
    Je = U[rr] * V[cc] + V[rr] * U[cc]
    return sig, Je @ cm._P, (Sigma, E, Sm, A)


def gauss_newton(x: np.ndarray, value, derivs, *, max_iter: int, tol: float, stall_tol: float,
                 small: float) -> tuple[np.ndarray, bool, int]:
    """Minimise a least-squares discrepancy ``value(x)`` by Gauss–Newton steps ``H⁻¹g`` (``g, H =
    derivs(x)``: the descent gradient ``ΔᵀW(s − σ)`` and ``ΔᵀWΔ``) with step halving; converged when
    ``max|g| < tol``, when a step moves no parameter by ``small`` or more, or when no step lowers the
    discrepancy and ``max|g| < stall_tol``.  Returns ``(x, converged, iterations)``."""
    f0 = value(x)
    converged, it = False, 0
    for it in range(1, max_iter + 1):
        g, H = derivs(x)
        if np.abs(g).max() < tol:
            converged = True
            break
        try:
            step = np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(H, g, rcond=None)[0]
        t = 1.0
        while t > 1e-10:
            cand = x + t * step
            fc = value(cand)
            if fc <= f0 + 1e-15 * max(1.0, f0):
                break
            t *= 0.5
        else:
            converged = bool(np.abs(g).max() < stall_tol)
            break
        moved = np.abs(cand - x).max() >= small
        x, f0 = cand, fc
        if not moved:
            converged = True
            break
    return x, converged, it


def wlsmv_estimate(cm: CompiledModel, cm_free: CompiledModel, pc: PolychoricResult, *, max_iter: int = 500,
                   tol: float = 1e-12) -> WLSMVFit:
    """DWLS estimates, robust covariance matrix and test statistics of ``cm`` (see the module text)."""
    s, sign, num, ii, jj, is_ord = _stat_layout(cm, pc)
    n = pc.n
    G = pc.nacov * (n / (n - 1))              # lavaan 0.6.14 fits with Γ·N/(N−1) (weights, SEs, test)
    w = 1.0 / np.diag(G)
    nth = len(pc.th)
    s_c, w_c = s[nth:], w[nth:]
    theta = _start(cm, cm_free, pc.cov)
    q = cm.npar

    def fval(th):
        try:
            sig, _, _ = _implied(cm, th, num, ii, jj, need_jac=False)
        except np.linalg.LinAlgError:
            return math.inf
        e = s_c - sig
        return float(e @ (w_c * e))

    def derivs(th):
        sig, J, _ = _implied(cm, th, num, ii, jj)
        return J.T @ (w_c * (s_c - sig)), J.T @ (w_c[:, None] * J)

    theta, converged, it = gauss_newton(theta, fval, derivs, max_iter=max_iter, tol=tol, stall_tol=1e-8,
                                        small=1e-13)
    # derivatives at the estimate, all parameters: [structural θ (q) | th slots (nth)]
    sig, J, _ = _implied(cm, theta, num, ii, jj)
    ns = len(s)
    Delta = np.zeros((ns, q + nth))
    Delta[:nth, q:] = np.eye(nth)             # a continuous item's slot −ν is reparameterised as itself
    Delta[nth:, :q] = J
    phi = pc.th.copy()                         # thresholds; continuous items: their mean (ν̂ = ȳ)
    e = np.concatenate([np.zeros(nth), s_c - sig])
    Wd = w
    Einf = Delta.T @ (Wd[:, None] * Delta)
    try:
        Einv = np.linalg.inv(Einf)
    except np.linalg.LinAlgError:
        raise ModelError("the model is not identified: the WLS information matrix is singular") from None
    WD = Wd[:, None] * Delta
    GWD = G @ WD
    B = WD.T @ GWD
    vcov = Einv @ B @ Einv / n
    fmin = 0.5 * float(e @ (Wd * e))
    chisq = 2 * n * fmin
    df = ns - (q + nth)
    # U Γ with U = W − WΔE⁻¹ΔᵀW through (parameters × parameters) matrices: tr(UΓ) = tr(WΓ) − tr(E⁻¹B),
    # tr((UΓ)²) = tr((WΓ)²) − 2 tr(E⁻¹L) + tr((E⁻¹B)²), B = (WΔ)ᵀΓ(WΔ), L = (WΔ)ᵀΓWΓ(WΔ)
    WG = Wd[:, None] * G
    L = GWD.T @ (Wd[:, None] * GWD)
    PB = Einv @ B
    tr1 = float(np.trace(WG)) - float(np.trace(PB))
    tr2 = float(np.sum(WG * WG.T)) - 2 * float(np.sum(Einv * L.T)) + float(np.sum(PB * PB.T))
    test = _scaled_shifted(chisq, df, tr1, tr2)
    # baseline: correlations (covariances among different items) 0, everything else saturated
    nvar = len(num)
    base_cols = slice(nth + nvar, ns)
    Gb = G[base_cols, base_cols]
    wb = Wd[base_cols]
    chisq_b = float(n * np.sum(wb * s[base_cols] ** 2))
    UGb = wb[:, None] * Gb
    df_b = ns - nth - nvar
    baseline = _scaled_shifted(chisq_b, df_b, float(np.trace(UGb)), float(np.sum(UGb * UGb.T)))
    return WLSMVFit(theta=theta, phi=phi, vcov=vcov, fmin=fmin, converged=converged, iterations=it,
                    test=test, baseline=baseline, resid=e, Delta=Delta, w=Wd)


def _scaled_shifted(chisq: float, df: int, tr1: float, tr2: float) -> dict:
    from scipy import stats
    out = {"chisq": chisq, "df": df, "pvalue": float(stats.chi2.sf(chisq, df)) if df > 0 else math.nan,
           "trace.UGamma": tr1, "trace.UGamma2": tr2}
    if df > 0 and tr2 > 0:
        a = math.sqrt(df / tr2)
        b = df - a * tr1
        sc = chisq * a + b
        out.update({"chisq.scaled": sc, "df.scaled": df, "pvalue.scaled": float(stats.chi2.sf(sc, df)),
                    "chisq.scaling.factor": 1 / a, "shift.parameter": b})
    else:
        out.update({"chisq.scaled": chisq, "df.scaled": df, "pvalue.scaled": out["pvalue"],
                    "chisq.scaling.factor": math.nan, "shift.parameter": math.nan})
    return out


def _cfi(X2, df, X2n, dfn, c=1.0, cn=1.0, robust=False):
    if not all(np.isfinite([X2, df, X2n, dfn, c, cn])):
        return math.nan
    if robust and df > 0 and c != 1 and cn != 1:
        t1 = max(X2 - c * df, 0.0)
        t2 = max(X2 - c * df, X2n - cn * dfn, 0.0)
    else:
        t1 = max(X2 - df, 0.0)
        t2 = max(X2 - df, X2n - dfn, 0.0)
    return 1.0 if abs(t1) < 1e-12 and abs(t2) < 1e-12 else 1 - t1 / t2


def _tli(X2, df, X2n, dfn, c=1.0, cn=1.0, robust=False):
    if not all(np.isfinite([X2, df, X2n, dfn, c, cn])):
        return math.nan
    if robust and df > 0 and c != 1 and cn != 1:
        t1, t2 = (X2 - c * df) * dfn, (X2n - cn * dfn) * df
    else:
        t1, t2 = (X2 - df) * dfn, (X2n - dfn) * df
    return 1 - t1 / t2 if df > 0 and abs(t2) > 0 else 1.0


def _rmsea(X2, df, n, c=1.0):
    return math.sqrt(max(X2 / n / df - c / n, 0.0)) if df > 0 else 0.0


def _rmsea_ci(X2, df, n, c=1.0, level=0.90):
    """lavaan 0.6.14's ``lav_fit_rmsea_ci`` (noncentral χ² inversion; bounds × √c)."""
    from scipy import optimize, special
    if not np.isfinite(X2) or df < 1:
        return (0.0, 0.0) if np.isfinite(X2) else (math.nan, math.nan)
    up, lo = 1 - (1 - level) / 2, (1 - level) / 2

    def cdf(lam):
        # scipy.stats' ncx2.cdf and chi2.cdf without their argument checks (the same functions)
        return special.chndtr(X2, df, lam) if lam > 0 else special.chdtr(df, X2)
    if cdf(0.0) - up < 0:
        low = 0.0
    else:
        lam = optimize.brentq(lambda l: cdf(l) - up, 0.0, X2, xtol=1e-12)
        low = math.sqrt(c * lam / (n * df))
    n_r = max(n, 4 * X2)
    if cdf(n_r) - lo > 0 or cdf(0.0) - lo < 0:
        high = 0.0
    else:
        lam = optimize.brentq(lambda l: cdf(l) - lo, 0.0, n_r, xtol=1e-12)
        high = math.sqrt(c * lam / (n * df))
    return low, high


def _catml(cm, theta, pc, G, Einv_struct, w_c, ii, jj, n):
    """lavaan 0.6.14's ``lav_fit_catml_dwls`` (Savalei 2021) for all-ordinal models: the ML statistic of
    the implied correlation matrix at the DWLS estimates, its scaling ``c = tr(Uᵀ V U Γ)/df`` and the
    baseline's ``tr(Γ)/df``; ``None`` when an item is continuous or the polychoric matrix is not
    positive definite."""
    R = pc.cor.to_numpy()
    p = R.shape[0]
    if len(pc.ordered) < p or np.linalg.eigvalsh(R).min() < np.sqrt(np.finfo(float).eps):
        return None
    Sigma, E, Sm, A = cm.implied(theta)
    Sig = Sigma.copy()
    np.fill_diagonal(Sig, 1.0)
    ld_S = np.linalg.slogdet(Sig)[1]
    ld_R = np.linalg.slogdet(R)[1]
    Om = np.linalg.inv(Sig)
    XX3 = n * (ld_S + np.sum(Om * R) - ld_R - p)
    pstar = len(ii)
    df3 = pstar - cm.npar
    # NT weight of the correlations (off-diagonal elements of Σ): ½ Dᵀ(Ω⊗Ω)D restricted to them
    V = (Om[ii[:, None], ii[None, :]] * Om[jj[:, None], jj[None, :]]
         + Om[ii[:, None], jj[None, :]] * Om[jj[:, None], ii[None, :]])
    _, J, _ = _implied(cm, theta, np.array([], int), ii, jj)
    Gc = G[-pstar:, -pstar:]
    # ks = tr(Uᵀ V U Γc) with U = I − J M, M = E⁻¹JᵀW (p* × p* products avoided):
    # tr(VΓc) − 2 tr((VJ)ᵀ ΓcMᵀ) + tr((JᵀVJ)(MΓcMᵀ))
    M = Einv_struct @ (J.T * w_c[None, :])
    VJ = V @ J
    GM = Gc @ M.T
    ks = float(np.sum(V * Gc) - 2 * np.sum(VJ * GM) + np.sum((J.T @ VJ) * (M @ GM).T))
    c3 = ks / df3
    XX3n = -n * ld_R
    c3n = float(np.trace(Gc)) / pstar
    return {"XX3": XX3, "df3": df3, "c3": c3, "XX3.scaled": XX3 / c3, "XX3.null": XX3n, "df3.null": pstar,
            "c3.null": c3n}


def wlsmv_fit_measures(cm: CompiledModel, pc: PolychoricResult, f: WLSMVFit) -> dict:
    """lavaan 0.6.14's ``fitMeasures`` of a WLSMV fit (see the module text); ``aic``, ``bic``, ``logl``
    are NaN (no likelihood)."""
    from scipy import stats
    t, b = f.test, f.baseline
    n = pc.n
    nm1 = n - 1                                   # lavaan's N for the RMSEA of a categorical model
    s, sign, num, ii, jj, is_ord = _stat_layout(cm, pc)
    G = pc.nacov * (n / (n - 1))
    w = 1.0 / np.diag(G)
    X2, df, X2s = t["chisq"], t["df"], t["chisq.scaled"]
    X2b, dfb, X2bs = b["chisq"], b["df"], b["chisq.scaled"]
    npar = cm.npar + len(pc.th)
    out = {"npar": npar, "fmin": f.fmin, "chisq": X2, "df": df, "pvalue": t["pvalue"],
           "chisq.scaled": X2s, "df.scaled": df, "pvalue.scaled": t["pvalue.scaled"],
           "chisq.scaling.factor": t["chisq.scaling.factor"],
           "baseline.chisq": X2b, "baseline.df": dfb, "baseline.pvalue": b["pvalue"],
           "baseline.chisq.scaled": X2bs, "baseline.df.scaled": dfb, "baseline.pvalue.scaled": b["pvalue.scaled"],
           "baseline.chisq.scaling.factor": b["chisq.scaling.factor"]}
    out["cfi"], out["tli"] = _cfi(X2, df, X2b, dfb), _tli(X2, df, X2b, dfb)
    out["cfi.scaled"], out["tli.scaled"] = _cfi(X2s, df, X2bs, dfb), _tli(X2s, df, X2bs, dfb)
    # robust CFI/TLI/RMSEA: lavaan's catML-based version (all items ordinal)
    nth = len(pc.th)
    w_c = w[nth + len(num):]
    _, J, _ = _implied(cm, f.theta, np.array([], int), ii, jj)
    cat = None
    if not len(num):
        try:
            Ei = np.linalg.inv(J.T @ (w_c[:, None] * J))
            cat = _catml(cm, f.theta, pc, pc.nacov, Ei, w_c, ii, jj, n)
        except np.linalg.LinAlgError:
            cat = None
    if cat is not None:
        out["cfi.robust"] = _cfi(cat["XX3"], df, cat["XX3.null"], dfb, cat["c3"], cat["c3.null"], robust=True)
        out["tli.robust"] = _tli(cat["XX3"], df, cat["XX3.null"], dfb, cat["c3"], cat["c3.null"], robust=True)
    else:
        out["cfi.robust"] = out["tli.robust"] = math.nan
    out["nfi"] = (X2b - X2) / X2b if X2b > 0 else math.nan
    out["rmsea"] = _rmsea(X2, df, nm1)
    out["rmsea.ci.lower"], out["rmsea.ci.upper"] = _rmsea_ci(X2, df, nm1)
    out["rmsea.pvalue"] = float(stats.ncx2.sf(X2, df, nm1 * df * 0.05 ** 2)) if df > 0 else math.nan
    out["rmsea.scaled"] = _rmsea(X2s, df, nm1)
    out["rmsea.ci.lower.scaled"], out["rmsea.ci.upper.scaled"] = _rmsea_ci(X2s, df, nm1)
    if cat is not None:
        out["rmsea.robust"] = _rmsea(cat["XX3"], cat["df3"], nm1, cat["c3"])
        out["rmsea.ci.lower.robust"], out["rmsea.ci.upper.robust"] = _rmsea_ci(cat["XX3.scaled"], cat["df3"], nm1,
                                                                                cat["c3"])
    else:
        out["rmsea.robust"] = out["rmsea.ci.lower.robust"] = out["rmsea.ci.upper.robust"] = math.nan
    # SRMR: residual correlations over the lower triangle with the diagonal (lavaan's srmr_bentler_nomean)
    p = cm.p
    S = pc.cov
    Sigma = _full_implied(cm, f.theta, is_ord)
    ds, dm = 1 / np.sqrt(np.diag(S)), 1 / np.sqrt(np.diag(Sigma))
    Rr = S * np.outer(ds, ds) - Sigma * np.outer(dm, dm)
    li, lj = np.tril_indices(p)
    out["srmr"] = math.sqrt(np.sum(Rr[li, lj] ** 2) / (p * (p + 1) / 2))
    e = f.resid
    gfi = 1 - float(e @ (w * e)) / float(s @ (w * s))
    out["gfi"] = gfi
    out["agfi"] = 1 - len(s) / df * (1 - gfi) if df > 0 else 1.0
    out.update({"aic": math.nan, "bic": math.nan, "logl": math.nan, "ntotal": n,
                "estimator": "WLSMV", "test": "scaled.shifted"})
    return out


def _full_implied(cm: CompiledModel, theta: np.ndarray, is_ord: np.ndarray) -> np.ndarray:
    """The implied covariance matrix with the ordinal residual variances set to ``1 − Σ₀_jj``."""
    Sigma = cm.implied(theta)[0].copy()
    d = np.flatnonzero(is_ord)
    Sigma[d, d] = 1.0
    return Sigma


def fit_wlsmv(model: str, data: pd.DataFrame, *, ordered: Sequence[str] | bool = True,
              std_lv: bool = False) -> SEMResult:
    """Fit a lavaan-syntax model to ordinal (and continuous) items by WLSMV, as lavaan's
    ``sem(model, data, ordered = ordered)`` (``estimator = "WLSMV"``, delta parameterization, listwise).

    Parameters
    ----------
    model : str
        lavaan syntax (``=~``, ``~``, ``~~``, labels, fixed values); no observed exogenous covariates.
    data : DataFrame
        The answers; rows with a missing model variable are dropped.
    ordered : True or list of str
        The ordinal items (True: every model variable, lavaan's ``ordered = TRUE``); the others are
        continuous (polyserial and Pearson correlations).
    std_lv : bool
        Identify the latent scales by unit variances instead of the first loadings.

    Returns
    -------
    SEMResult
        ``estimates`` as lavaan's ``parameterEstimates`` with ``std.lv``/``std.all``: the model's rows,
        the thresholds (``item | t1`` …), the residual variances of the latent responses (computed,
        ``se`` 0), ``item ~*~ item`` (1) and the intercepts ``~1`` (0, a continuous item's mean);
        ``fit_measures`` (:func:`wlsmv_fit_measures`), ``r2``; ``sample_cov`` is the polychoric matrix.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.read_csv("tests/reference/ordinal_hs5.csv")
    >>> res = fit_wlsmv("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9", d)
    >>> {k: round(res.fit_measures[k], 3) for k in ("chisq.scaled", "chisq.scaling.factor", "cfi.scaled")}
    {'chisq.scaled': 75.288, 'chisq.scaling.factor': 0.712, 'cfi.scaled': 0.967}

    In R: ``fit <- cfa(model, d, ordered = TRUE)``, ``fitMeasures(fit, c("chisq.scaled",
    "chisq.scaling.factor", "cfi.scaled"))`` → 75.288, 0.712, 0.967.
    """
    from scipy import special
    if not isinstance(data, pd.DataFrame):
        raise ModelError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    cm, cm_free, pc, ordd = wlsmv_prepare(model, data, ordered, std_lv=std_lv)
    with one_blas_thread():                                 # small matrices: BLAS threads only contend
        f = wlsmv_estimate(cm, cm_free, pc)
        fm = wlsmv_fit_measures(cm, pc, f)
    is_ord = np.array([v in set(ordd) for v in cm.observed])
    q = cm.npar
    p = cm.p
    A, Sm = cm.matrices(f.theta)
    E = np.linalg.inv(np.eye(cm.m) - A)
    Sig0 = (E @ Sm @ E.T)[:p, :p]
    for k in np.flatnonzero(is_ord):           # delta parameterization: Var(y*) = 1
        Sm[k, k] = 1.0 - Sig0[k, k]
    rows = cm.rows
    est = np.array([A[i, j] if mat == "A" else Sm[i, j] for mat, i, j in zip(rows["mat"], rows["i"], rows["j"])])
    fr = rows["free"].to_numpy()
    sd_all = np.sqrt(np.maximum(np.diag(f.vcov), 0))
    se = np.where(fr >= 0, sd_all[np.maximum(fr, 0)], 0.0)
    std_all = standardize(cm, est, A, Sm, E, kind="all")
    std_lv = standardize(cm, est, A, Sm, E, kind="lv")
    tab = pd.DataFrame({"lhs": rows["lhs"], "op": rows["op"], "rhs": rows["rhs"], "label": rows["label"],
                        "est": est, "se": se, "std.lv": std_lv, "std.all": std_all,
                        "_user": rows["user"].to_numpy()})
    added = getattr(cm, "_wlsmv_added", set())
    is_added = (tab["op"] == "~~") & (tab["lhs"] == tab["rhs"]) & tab["lhs"].isin(added)
    user = tab[(tab["_user"] == 1) & ~is_added]
    tot_sd = np.sqrt(np.diag(E @ Sm @ E.T))
    th_rows = []
    for k, (nm, it) in enumerate(zip(pc.th_names, pc.th_item)):
        if "|" not in nm:
            continue
        item, tn = nm.split("|")
        v = float(f.phi[k])
        th_rows.append({"lhs": item, "op": "|", "rhs": tn, "label": "", "est": v, "se": sd_all[q + k],
                        "std.lv": v, "std.all": v / tot_sd[it]})
    rest = tab[~tab.index.isin(user.index)]
    ov_var = rest[(rest["op"] == "~~") & (rest["lhs"] == rest["rhs"]) & rest["lhs"].isin(cm.observed)]
    ov_var = ov_var.assign(_o=ov_var["lhs"].map({v: i for i, v in enumerate(cm.observed)})).sort_values("_o")
    other = rest[~rest.index.isin(ov_var.index)]
    scale_rows = [{"lhs": v, "op": "~*~", "rhs": v, "label": "", "est": 1.0, "se": 0.0, "std.lv": 1.0, "std.all": 1.0}
                  for v in cm.observed if v in set(ordd)]
    int_rows = []
    for c, v in enumerate(cm.observed):
        if is_ord[c]:
            int_rows.append({"lhs": v, "op": "~1", "rhs": "", "label": "", "est": 0.0, "se": 0.0,
                             "std.lv": 0.0, "std.all": 0.0})
        else:
            k = int(np.flatnonzero(pc.th_item == c)[0])
            m = float(pc.mean[c])
            int_rows.append({"lhs": v, "op": "~1", "rhs": "", "label": "", "est": m, "se": sd_all[q + k],
                             "std.lv": m, "std.all": m / tot_sd[c]})
    int_rows += [{"lhs": f_, "op": "~1", "rhs": "", "label": "", "est": 0.0, "se": 0.0, "std.lv": 0.0,
                  "std.all": 0.0} for f_ in cm.latent]
    cols = ["lhs", "op", "rhs", "label", "est", "se", "std.lv", "std.all"]
    out = pd.concat([user[cols], pd.DataFrame(th_rows, columns=cols), ov_var[cols], other[cols],
                     pd.DataFrame(scale_rows, columns=cols), pd.DataFrame(int_rows, columns=cols)],
                    ignore_index=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(out["se"] > 0, out["est"] / out["se"], np.nan)
    qn = special.ndtri(0.975)                  # stats.norm.ppf(0.975); ndtr(−|z|) = stats.norm.sf(|z|)
    out.insert(6, "z", z)
    out.insert(7, "pvalue", 2 * special.ndtr(-np.abs(z)))
    out.insert(8, "ci.lower", out["est"] - qn * out["se"])
    out.insert(9, "ci.upper", out["est"] + qn * out["se"])
    if cm.defined:
        out = pd.concat([out, defined_rows(cm, f.theta, f.vcov[:q, :q], None, std_all, std_lv)], ignore_index=True)
    names = cm.names
    tot = np.diag(E @ Sm @ E.T)
    inds = set(rows.loc[rows["op"] == "=~", "rhs"])
    endo = [k for k in range(cm.m) if np.any(A[k] != 0) or (k < p and names[k] in inds)]
    r2v = np.array([1 - Sm[k, k] / tot[k] for k in endo])
    r2v[(r2v < 0) | (r2v > 1)] = np.nan
    r2 = pd.DataFrame({"variable": [names[k] for k in endo], "r2": r2v})
    Sigma = E @ Sm @ E.T
    ob, lt = cm.observed, cm.latent
    s_, _, num, ii, jj, _ = _stat_layout(cm, pc)
    wls = {"s": s_, "w": f.w, "resid": f.resid, "Delta": f.Delta, "num": num, "ii": ii, "jj": jj,
           "nth": len(pc.th), "model": model, "ordered": list(ordd), "std_lv": bool(cm.std_lv)}
    res = WLSMVResult(
        estimates=out, fit_measures=fm, r2=r2, converged=f.converged, iterations=f.iterations, diagnostics=[],
        sample_cov=pd.DataFrame(pc.cov, index=ob, columns=ob),
        implied_cov=pd.DataFrame(Sigma[:p, :p], index=ob, columns=ob), n=pc.n, observed=list(ob),
        latent=list(lt), Lambda=pd.DataFrame(A[:p, p:], index=ob, columns=lt),
        Beta=pd.DataFrame(A[p:, p:], index=lt, columns=lt), Psi=pd.DataFrame(Sm[p:, p:], index=lt, columns=lt),
        Theta=pd.DataFrame(Sm[:p, :p], index=ob, columns=ob), A=pd.DataFrame(A, index=names, columns=names),
        Smat=pd.DataFrame(Sm, index=names, columns=names), model=cm, theta=f.theta, vcov=f.vcov[:q, :q],
        missing="listwise", estimator="WLSMV", test="scaled.shifted", wls=wls)
    res.diagnostics = result_diagnostics(res)
    return res


def wlsmv_fit(model: str, data: pd.DataFrame, *, ordered: Sequence[str] | bool = True,
              std_lv: bool = False) -> SEMResult:
    """The estimator dispatch's name for :func:`fit_wlsmv` (``csat.sem.estimators.fit(..., estimator="wlsmv")``)."""
    return fit_wlsmv(model, data, ordered=ordered, std_lv=std_lv)


# --------------------------------------------------------------------------------------------
# multi-group WLSMV and measurement invariance with ordinal items (Wu & Estabrook 2016)
# --------------------------------------------------------------------------------------------
#: the ordinal invariance steps and their ``group.equal`` (semTools' measEq.syntax)
ORDINAL_STEPS = {"configural": (), "thresholds": ("thresholds",), "metric": ("thresholds", "loadings"),
                 "scalar": ("thresholds", "loadings", "intercepts")}


@dataclass
class WLSMVGroupsResult:
    """A multi-group WLSMV fit (:func:`fit_wlsmv_groups`): ``estimates`` (lhs, op, rhs, group, est, se),
    ``fit_measures`` (lavaan's names), ``group_labels``, ``n`` (per group); ``x``, ``vcov`` the free
    parameters and their robust covariance; ``Delta``, ``w``, ``gamma`` per group at the estimates."""

    estimates: pd.DataFrame
    fit_measures: dict
    group_labels: list
    n: list
    converged: bool
    x: np.ndarray = field(repr=False, default=None)
    vcov: np.ndarray = field(repr=False, default=None)
    parts: dict = field(repr=False, default=None)
    estimator: str = "WLSMV"
    test: str = "scaled.shifted"
    diagnostics: list = field(default_factory=list)
    merged: dict = field(default_factory=dict)


class _OrdMG:
    """The multi-group delta-parameterization model: per group the local parameters
    ``[θ (q) | ψ_kk (m) | ν (p) | δ (p) | α (m) | τ (nth)]`` and their map to the free parameters."""

    def __init__(self, cm: CompiledModel, pcs: list, group_equal: Sequence[str]):
        self.cm, self.pcs = cm, pcs
        p, q, m = cm.p, cm.npar, len(cm.latent)
        self.q, self.m_lat = q, m
        pc0 = pcs[0]
        self.th_item = np.asarray(pc0.th_item, int)
        self.nth = len(pc0.th)
        nth_item = np.bincount(self.th_item, minlength=p)
        fr = cm.rows[cm.rows["free"] >= 0]
        loading = np.zeros(q, bool)
        loading[fr.loc[fr["op"] == "=~", "free"].to_numpy(int)] = True
        lv = cm.rows[(cm.rows["op"] == "~~") & (cm.rows["lhs"] == cm.rows["rhs"]) & cm.rows["lhs"].isin(cm.latent)]
        self.lv_var = {cm.latent.index(r.lhs): int(r.i) for r in lv.itertuples() if r.free < 0}
        eq_th, eq_load, eq_int = ("thresholds" in group_equal, "loadings" in group_equal,
                                  "intercepts" in group_equal)
        self.nloc = q + m + p + p + m + self.nth
        G = len(pcs)
        idx = np.full((G, self.nloc), -1, dtype=int)
        fixed = np.zeros(self.nloc)
        fixed[q:q + m] = 1.0                                   # ψ_kk (when not freed: the model's value)
        fixed[q + m + p:q + m + 2 * p] = 1.0                   # δ
        new = ParameterNumbers()
        for g in range(G):
            for l in range(q):
                idx[g, l] = new(("theta", l)) if eq_load and loading[l] else new()
            for k in range(m):
                if g > 0 and eq_load and k in self.lv_var:
                    idx[g, q + k] = new()
            for j in range(p):
                if g > 0 and eq_th and not eq_int:
                    idx[g, q + m + j] = new()
                if g > 0 and eq_th and (nth_item[j] >= 2 or eq_int):
                    idx[g, q + m + p + j] = new()
            for k in range(m):
                if g > 0 and eq_int:
                    idx[g, q + 2 * p + m + k] = new()
            for t in range(self.nth):
                idx[g, q + 2 * m + 2 * p + t] = new(("tau", t)) if eq_th else new()
        self.idx, self.fixed, self.npar = idx, fixed, new.count
        self.N = sum(pc.n for pc in pcs)
        self.fg = np.array([pc.n / self.N for pc in pcs])
        lay = _stat_layout(cm, pc0)
        self.ii, self.jj = lay[3], lay[4]
        self.s, self.G, self.w = [], [], []
        for pc in pcs:
            s, *_ = _stat_layout(cm, pc)
            Gm = pc.nacov * (pc.n / (pc.n - 1))
            self.s.append(s)
            self.G.append(Gm)
            self.w.append(1.0 / np.diag(Gm))

    def local(self, x: np.ndarray, g: int) -> np.ndarray:
        ix = self.idx[g]
        loc = self.fixed.copy()
        loc[ix >= 0] = x[ix[ix >= 0]]
        return loc

    def implied_local(self, loc: np.ndarray) -> np.ndarray:
        """Implied statistics of one group: thresholds ``δ_j (τ_jk − ν_j − (E b)_j)`` and correlations
        ``δ_i δ_j Σ₀_ij``."""
        cm, q, m, p = self.cm, self.q, self.m_lat, self.cm.p
        A, Sm = cm.matrices(loc[:q])
        for k, i in self.lv_var.items():
            Sm[i, i] = loc[q + k]
        E = np.linalg.inv(np.eye(cm.m) - A)
        Sig = (E @ Sm @ E.T)[:p, :p]
        nu = loc[q + m:q + m + p]
        delta = loc[q + m + p:q + m + 2 * p]
        alpha = loc[q + m + 2 * p:q + 2 * m + 2 * p]
        tau = loc[q + 2 * m + 2 * p:]
        mall = E @ np.concatenate([nu, alpha])
        th = delta[self.th_item] * (tau - mall[self.th_item])
        cor = delta[self.ii] * delta[self.jj] * Sig[self.ii, self.jj]
        return np.concatenate([th, cor])

    def implied(self, x: np.ndarray, g: int) -> np.ndarray:
        return self.implied_local(self.local(x, g))

    def jac_local(self, loc: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Central-difference Jacobian of :meth:`implied_local` in the local parameters ``cols``."""
        out = np.zeros((len(self.s[0]), len(cols)))
        t0 = self.q + 2 * self.m_lat + 2 * self.cm.p
        delta = loc[self.q + self.m_lat + self.cm.p:t0]
        for c, l in enumerate(cols):
            if l >= t0:                        # a threshold: ∂(δ_j (τ − …))/∂τ = δ_j, its own row only
                out[l - t0, c] = delta[self.th_item[l - t0]]
                continue
            h = 1e-6 * max(1.0, abs(loc[l]))
            lp, lm = loc.copy(), loc.copy()
            lp[l] += h
            lm[l] -= h
            out[:, c] = (self.implied_local(lp) - self.implied_local(lm)) / (2 * h)
        return out

    def delta(self, x: np.ndarray, g: int) -> np.ndarray:
        """∂σ_g/∂x (statistics of group g × free parameters)."""
        ix = self.idx[g]
        sel = np.flatnonzero(ix >= 0)
        Jl = self.jac_local(self.local(x, g), sel)
        D = np.zeros((Jl.shape[0], self.npar))
        np.add.at(D.T, ix[sel], Jl.T)
        return D

    def value(self, x: np.ndarray) -> float:
        tot = 0.0
        for g in range(len(self.pcs)):
            try:
                e = self.s[g] - self.implied(x, g)
            except np.linalg.LinAlgError:
                return math.inf
            tot += self.fg[g] * float(e @ (self.w[g] * e))
        return tot

    def start(self) -> np.ndarray:
        cm, q, m, p = self.cm, self.q, self.m_lat, self.cm.p
        acc, cnt = np.zeros(self.npar), np.zeros(self.npar)
        for g, pc in enumerate(self.pcs):
            loc = self.fixed.copy()
            loc[:q] = self._theta_start[g]
            loc[q + 2 * m + 2 * p:] = pc.th
            ix = self.idx[g]
            np.add.at(acc, ix[ix >= 0], loc[ix >= 0])
            np.add.at(cnt, ix[ix >= 0], 1.0)
        return acc / np.maximum(cnt, 1)

    def optimize(self, x: np.ndarray, max_iter: int = 300, tol: float = 1e-10):
        def derivs(x):
            g_ = np.zeros(self.npar)
            H = np.zeros((self.npar, self.npar))
            for g in range(len(self.pcs)):
                e = self.s[g] - self.implied(x, g)
                D = self.delta(x, g)
                WD = self.w[g][:, None] * D
                g_ += self.fg[g] * (WD.T @ e)
                H += self.fg[g] * (D.T @ WD)
            return g_, H
        return gauss_newton(x, self.value, derivs, max_iter=max_iter, tol=tol, stall_tol=1e-7, small=1e-12)



def _group_frames(data: pd.DataFrame, group: str, group_order) -> tuple[list, list]:
    if group not in data.columns:
        raise ModelError(f"group column {group!r} is not a column of the data")
    g = data[group]
    levels = list(pd.unique(g.dropna())) if group_order is None else list(group_order)
    absent = [lv for lv in levels if not (g == lv).any()]
    if absent:
        raise ModelError(f"group column {group!r} has no rows with level(s) {absent}")
    if len(levels) < 2:
        raise ModelError(f"group column {group!r} has {len(levels)} level(s); invariance needs at least 2")
    return levels, [data.loc[g == lv] for lv in levels]


def merge_empty_categories(data: pd.DataFrame, items: Sequence[str], group: str,
                           levels: Sequence | None = None) -> tuple[pd.DataFrame, dict]:
    """Merge each item's answer categories that are empty in some group with the next higher one (the
    highest with the one below), until every group uses every category — what a multi-group ordinal model
    needs (lavaan stops with "some categories of variable … are empty in group …").

    Returns ``(data, merged)``: the data with the merged answers recoded to the higher category's value,
    and ``{item: [(value, into), …]}`` for the items changed.

    Examples
    --------
    >>> d = pd.DataFrame({"g": [1, 1, 1, 2, 2, 2, 2], "x": [1, 2, 3, 2, 3, 3, 4]})
    >>> out, merged = merge_empty_categories(d, ["x"], "g")
    >>> out["x"].tolist(), merged
    ([2, 2, 3, 2, 3, 3, 3], {'x': [(1, 2), (4, 3)]})
    """
    out = data.copy()
    merged: dict = {}
    rows = out[group].isin(levels) if levels is not None else out[group].notna()
    for item in items:
        while True:
            tab = pd.crosstab(out.loc[rows, item], out.loc[rows, group])
            if levels is not None:
                tab = tab.reindex(columns=list(levels), fill_value=0)
            empty = [v for v in tab.index if (tab.loc[v] == 0).any()]
            if not empty or len(tab.index) < 2:
                break
            vals = list(tab.index)
            v = empty[0]
            k = vals.index(v)
            into = vals[k + 1] if k + 1 < len(vals) else vals[k - 1]
            out.loc[out[item] == v, item] = into
            merged.setdefault(item, []).append((v.item() if hasattr(v, "item") else v,
                                                into.item() if hasattr(into, "item") else into))
    return out, merged


def fit_wlsmv_groups(model: str, data: pd.DataFrame, group: str, *, ordered: Sequence[str] | bool = True,
                     group_equal: Sequence[str] = (), group_order=None) -> WLSMVGroupsResult:
    """A multi-group WLSMV CFA of ordinal items (delta parameterization, listwise), identified as
    ``semTools::measEq.syntax(ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016")`` with ``group.equal``
    ``group_equal`` (a subset of ``"thresholds", "loadings", "intercepts"``) and fitted as lavaan's
    ``cfa(syntax, data, ordered =, group =)``.

    Per group g: latent responses ``y* = ν + Λη + ε`` with ``Var(η) = Ψ``, ``E(η) = α`` and scale factors
    ``δ`` (``Var(y*_j) = 1/δ_j²``); the implied thresholds are ``δ_j (τ_jk − ν_j − Λ_j α)`` and the implied
    polychoric correlations ``δ_i δ_j (ΛΨΛᵀ + Θ)_ij``.  Factor variances 1, ``ν = 0``, ``α = 0``, ``δ = 1``
    in the first group; in the others, with equal thresholds: ``ν`` and ``δ`` free (``δ`` of a binary
    item only with equal intercepts), with equal loadings the factor variances free, with equal
    intercepts ``ν = 0`` and ``α`` free.  Estimation: DWLS with the block-diagonal weights
    ``n_g/N · diag(Γ_g)⁻¹`` (Gauss–Newton), robust standard errors, the scaled-shifted test on the
    stacked ``Δ``, ``W`` and ``Γ_g N/n_g``; fit measures as lavaan 0.6.14 (RMSEA on ``N − G`` times
    ``√G``, SRMR the ``n_g/N`` weighted mean of the groups' correlation SRMR; the robust CFI/TLI/RMSEA,
    which lavaan gives only without equality constraints, are NaN)."""
    from scipy import stats
    if not isinstance(data, pd.DataFrame):
        raise ModelError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    levels, frames = _group_frames(data, group, group_order)
    table = parse_model(model) if isinstance(model, str) else model.copy()
    cols = [c for c in data.columns if c != group]
    cm_all = build_model(table, cols, std_lv=True)
    ordd = _ordered_list(ordered, cm_all.observed)
    if set(ordd) != set(cm_all.observed):
        raise ModelError("invariance with ordered items needs every model item ordered")
    frames = [f[cm_all.observed].dropna() for f in frames]
    cm, cm_free, pc0, _ = wlsmv_prepare(table, frames[0], ordd, std_lv=True)
    if len(cm.rows.loc[cm.rows["op"] == "~"]) or cm.defined:
        raise ModelError("invariance with ordered items takes a measurement model (factors and indicators)")
    pcs = [pc0] + [polychoric(f, ordd, nacov=True, items=cm.observed) for f in frames[1:]]
    for lv, pc in zip(levels[1:], pcs[1:]):
        if list(pc.th_names) != list(pc0.th_names):
            raise ModelError(f"the items' answer categories differ between group {levels[0]!r} and group {lv!r} "
                             f"of {group!r} (an answer category is empty in a group); merge rare categories")
    mg = _OrdMG(cm, pcs, group_equal)
    mg._theta_start = [_start(cm, cm_free, pc.cov) for pc in pcs]
    with one_blas_thread():
        x, converged, it = mg.optimize(mg.start())
        parts = _groups_parts(mg, x)
        parts.update(s=mg.s, implied=[mg.implied(x, g) for g in range(len(pcs))], nacov=[pc.nacov for pc in pcs])
    N, G = mg.N, len(pcs)
    X2, df = N * mg.value(x), parts["df"]
    test = _scaled_shifted(X2, df, parts["tr1"], parts["tr2"])
    ncor = len(mg.ii)
    X2b = float(sum(pc.n * np.sum(w[mg.nth:] * s[mg.nth:] ** 2) for pc, w, s in zip(pcs, mg.w, mg.s)))
    tb1 = tb2 = 0.0
    for w, Gm in zip(mg.w, mg.G):
        UG = w[mg.nth:, None] * Gm[mg.nth:, mg.nth:]
        tb1 += float(np.trace(UG))
        tb2 += float(np.sum(UG * UG.T))
    base = _scaled_shifted(X2b, G * ncor, tb1, tb2)
    dfb = G * ncor
    X2s, X2bs = test["chisq.scaled"], base["chisq.scaled"]
    nr = N - G
    fm = {"npar": mg.npar, "fmin": 0.5 * mg.value(x), "chisq": X2, "df": df, "pvalue": test["pvalue"],
          "chisq.scaled": X2s, "df.scaled": df, "pvalue.scaled": test["pvalue.scaled"],
          "chisq.scaling.factor": test["chisq.scaling.factor"], "chisq.shift.parameter": test["shift.parameter"],
          "baseline.chisq": X2b, "baseline.df": dfb, "baseline.pvalue": base["pvalue"],
          "baseline.chisq.scaled": X2bs, "baseline.df.scaled": dfb,
          "baseline.pvalue.scaled": base["pvalue.scaled"],
          "baseline.chisq.scaling.factor": base["chisq.scaling.factor"],
          "cfi": _cfi(X2, df, X2b, dfb), "tli": _tli(X2, df, X2b, dfb),
          "cfi.scaled": _cfi(X2s, df, X2bs, dfb), "tli.scaled": _tli(X2s, df, X2bs, dfb),
          "cfi.robust": math.nan, "tli.robust": math.nan}
    fm["rmsea"] = _rmsea(X2, df, nr) * math.sqrt(G)
    lo, hi = _rmsea_ci(X2, df, nr)
    fm["rmsea.ci.lower"], fm["rmsea.ci.upper"] = lo * math.sqrt(G), hi * math.sqrt(G)
    fm["rmsea.pvalue"] = float(stats.ncx2.sf(X2, df, nr * df * 0.05 ** 2 / G)) if df > 0 else math.nan
    fm["rmsea.scaled"] = _rmsea(X2s, df, nr) * math.sqrt(G)
    lo, hi = _rmsea_ci(X2s, df, nr)
    fm["rmsea.ci.lower.scaled"], fm["rmsea.ci.upper.scaled"] = lo * math.sqrt(G), hi * math.sqrt(G)
    fm["rmsea.robust"] = fm["rmsea.ci.lower.robust"] = fm["rmsea.ci.upper.robust"] = math.nan
    p = cm.p
    srmr = 0.0
    for g, pc in enumerate(pcs):
        e = mg.s[g][mg.nth:] - mg.implied(x, g)[mg.nth:]
        srmr += mg.fg[g] * math.sqrt(float(np.sum(e ** 2)) / (p * (p + 1) / 2))
    fm["srmr"] = srmr
    fm.update({"aic": math.nan, "bic": math.nan, "logl": math.nan, "ntotal": N, "ngroups": G,
               "estimator": "WLSMV", "test": "scaled.shifted"})
    est = _groups_estimates(mg, x, parts["vcov"], levels)
    return WLSMVGroupsResult(estimates=est, fit_measures=fm, group_labels=[str(v) for v in levels],
                             n=[pc.n for pc in pcs], converged=converged, x=x, vcov=parts["vcov"], parts=parts)


def _groups_parts(mg: _OrdMG, x: np.ndarray) -> dict:
    """``Δ_g`` at ``x``, the information ``Σ f_g Δ_gᵀ W_g Δ_g``, the robust covariance and the traces
    of ``UΓ`` of the scaled-shifted test."""
    N = mg.N
    D = [mg.delta(x, g) for g in range(len(mg.pcs))]
    P = sum(f * (d.T @ (w[:, None] * d)) for f, d, w in zip(mg.fg, D, mg.w))
    try:
        Pinv = np.linalg.inv(P)
    except np.linalg.LinAlgError:
        raise ModelError("the multi-group model is not identified: the WLS information matrix is singular") from None
    B = sum(f * ((w[:, None] * d).T @ Gm @ (w[:, None] * d)) for f, d, w, Gm in zip(mg.fg, D, mg.w, mg.G))
    vcov = Pinv @ B @ Pinv / N
    # U Γ with U = W − WΔP⁻¹ΔᵀW, W = ⊕ f_g W_g, Γ = ⊕ Γ_g/f_g, through (parameters × parameters) matrices:
    # tr(UΓ) = Σ tr(W_gΓ_g) − tr(P⁻¹B), tr((UΓ)²) = Σ tr((W_gΓ_g)²) − 2 tr(P⁻¹L) + tr((P⁻¹B)²),
    # B = Σ f_g (W_gΔ_g)ᵀΓ_g(W_gΔ_g), L = Σ f_g (W_gΔ_g)ᵀΓ_gW_gΓ_g(W_gΔ_g)
    t1 = t2 = 0.0
    L = np.zeros_like(P)
    for f, d, w, Gm in zip(mg.fg, D, mg.w, mg.G):
        WG = w[:, None] * Gm
        t1 += float(np.trace(WG))
        t2 += float(np.sum(WG * WG.T))
        GWD = Gm @ (w[:, None] * d)
        L += f * (GWD.T @ (w[:, None] * GWD))
    PB = Pinv @ B
    tr1 = t1 - float(np.trace(PB))
    tr2 = t2 - 2 * float(np.sum(Pinv * L.T)) + float(np.sum(PB * PB.T))
    df = int(sum(len(s) for s in mg.s) - mg.npar)
    return {"Delta": D, "info": P, "info_inv": Pinv, "vcov": vcov, "tr1": tr1, "tr2": tr2, "df": df, "w": mg.w, "gamma": mg.G, "fg": mg.fg}


def _groups_estimates(mg: _OrdMG, x: np.ndarray, vcov: np.ndarray, levels) -> pd.DataFrame:
    """One row per parameter and group: the model's rows, thresholds, intercepts, scale factors, latent
    means (``se`` 0 when fixed)."""
    cm, q, m, p = mg.cm, mg.q, mg.m_lat, mg.cm.p
    se_all = np.sqrt(np.maximum(np.diag(vcov), 0.0))
    rows = []
    added = getattr(cm, "_wlsmv_added", set())
    for g, lv in enumerate(levels):
        loc = mg.local(x, g)
        ix = mg.idx[g]
        A, Sm = cm.matrices(loc[:q])
        for k, i in mg.lv_var.items():
            Sm[i, i] = loc[q + k]
        E = np.linalg.inv(np.eye(cm.m) - A)
        Sig0 = (E @ Sm @ E.T)[:p, :p]
        delta = loc[q + m + p:q + m + 2 * p]

        def se_of(l):
            return float(se_all[ix[l]]) if ix[l] >= 0 else 0.0
        for r in cm.rows.itertuples():
            if r.op == "~~" and r.lhs == r.rhs and r.lhs in added:
                k = cm.observed.index(r.lhs)
                est, se = 1.0 / delta[k] ** 2 - Sig0[k, k], 0.0
            elif r.op == "~~" and r.lhs == r.rhs and r.lhs in cm.latent and cm.latent.index(r.lhs) in mg.lv_var:
                kk = cm.latent.index(r.lhs)
                est, se = float(loc[q + kk]), se_of(q + kk)
            else:
                est = float(A[r.i, r.j] if r.mat == "A" else Sm[r.i, r.j])
                se = se_of(int(r.free)) if r.free >= 0 else 0.0
            rows.append((r.lhs, r.op, r.rhs, g + 1, str(lv), est, se))
        for t, nm in enumerate(mg.pcs[0].th_names):
            item, tn = nm.split("|")
            l = q + 2 * m + 2 * p + t
            rows.append((item, "|", tn, g + 1, str(lv), float(loc[l]), se_of(l)))
        for j, v in enumerate(cm.observed):
            rows.append((v, "~1", "", g + 1, str(lv), float(loc[q + m + j]), se_of(q + m + j)))
        for j, v in enumerate(cm.observed):
            rows.append((v, "~*~", v, g + 1, str(lv), float(delta[j]), se_of(q + m + p + j)))
        for k, f_ in enumerate(cm.latent):
            rows.append((f_, "~1", "", g + 1, str(lv), float(loc[q + m + 2 * p + k]), se_of(q + m + 2 * p + k)))
    out = pd.DataFrame(rows, columns=["lhs", "op", "rhs", "group", "group.label", "est", "se"])
    with np.errstate(invalid="ignore", divide="ignore"):
        out["z"] = np.where(out["se"] > 0, out["est"] / out["se"], np.nan)
    return out


def satorra2000_difference(m1: WLSMVGroupsResult, m0: WLSMVGroupsResult) -> tuple[float, int, float]:
    """``(chisq.diff, df.diff, pvalue.diff)`` of the nested models ``m0`` ⊂ ``m1`` as lavaan 0.6.14's
    ``lavTestLRT(m1, m0)`` for WLSMV (method ``"satorra.2000"``, ``scaled.shifted = TRUE``, ``A.method =
    "delta"``): ``A`` spans the orthogonal complement of ``H = Δ₁⁺ Δ₀`` (``Δ`` of each model at its
    estimates, stacked over groups), ``M = P₁⁻¹Aᵀ(AP₁⁻¹Aᵀ)⁺AP₁⁻¹`` with ``P₁`` the information of
    ``m1``; ``tr(UΓ) = Σ_g f_g tr(W_gΓ_gW_gΔ₁gMΔ₁gᵀ)``, ``tr((UΓ)²)`` from ``U = WΔ₁MΔ₁ᵀW`` and
    ``Γ = ⊕ f_g Γ_g``; ``T = a (χ²₀ − χ²₁) + b`` with ``a = √(m/tr((UΓ)²))``, ``b = m − a·tr(UΓ)`` on
    ``m = df₀ − df₁`` degrees of freedom."""
    from scipy import stats
    f1, f0 = m1.fit_measures, m0.fit_measures
    mdf = int(f0["df"] - f1["df"])
    if mdf <= 0:
        return float(f0["chisq"] - f1["chisq"]), mdf, math.nan
    D1 = np.vstack(m1.parts["Delta"])
    D0 = np.vstack(m0.parts["Delta"])
    with one_blas_thread():
        H = np.linalg.lstsq(D1, D0, rcond=None)[0]          # Δ₁⁺Δ₀
        Pinv = m1.parts["info_inv"]
        P = m1.parts["info"]
        # P⁻¹Aᵀ(AP⁻¹Aᵀ)⁻¹AP⁻¹ with null(A) = col(H) equals P⁻¹ − H(HᵀPH)⁻¹Hᵀ
        M = Pinv - H @ np.linalg.pinv(H.T @ P @ H) @ H.T
    ws, Gs, fg = m1.parts["w"], m1.parts["gamma"], m1.parts["fg"]
    with one_blas_thread():
        # U Γ = (WΔ₁) M (WΔ₁)ᵀ Γf: traces through the small matrix (WΔ₁)ᵀ Γf (WΔ₁) (Γf block diagonal)
        WD = [w[:, None] * d for w, d in zip(ws, m1.parts["Delta"])]
        K = sum(f * (wd.T @ Gm @ wd) for f, wd, Gm in zip(fg, WD, Gs))
        tr1 = float(np.sum(M * K.T))
        MK = M @ K
        tr2 = float(np.sum(MK * MK.T))
    a = math.sqrt(mdf / tr2)
    b = mdf - a * tr1
    T = (f0["chisq"] - f1["chisq"]) * a + b
    return float(T), mdf, float(stats.chi2.sf(T, mdf))
