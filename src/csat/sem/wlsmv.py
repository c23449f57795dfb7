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
from csat.sem.partable import CompiledModel, build_model
from csat.sem.result import SEMResult, eval_expr, label_env, result_diagnostics, row_values, standardize
from csat.sem.syntax import parse_model
from csat.stats.polychoric import PolychoricResult, polychoric

__all__ = ["WLSMVResult", "fit_wlsmv", "wlsmv_fit", "WLSMVFit", "wlsmv_prepare", "wlsmv_estimate", "wlsmv_fit_measures",
           "wlsmv_invariance"]


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
        :meth:`csat.sem.result.SEMResult.modindices` (cross-loadings, residual covariances of the items,
        latent covariances and regressions among the variables of the structural part)."""
        cm = self.model
        names = cm.names
        A = self.A.to_numpy()
        Sm = self.Smat.to_numpy()
        have = {(r.mat, r.i, r.j) for r in cm.rows.itertuples()}
        reg = cm.rows[cm.rows["op"] == "~"]
        eqs = list(dict.fromkeys(list(reg["lhs"]) + list(reg["rhs"])))
        eqs_y_ov = set(reg["lhs"]) & set(cm.observed)
        inds = set(cm.rows.loc[cm.rows["op"] == "=~", "rhs"])
        ov = list(cm.observed)
        other = {v for v in ov if v not in inds and v not in set(eqs)}
        cand, seen = [], set()

        def push(lhs, op, rhs, mat, i, j):
            if (mat, i, j) in have or (mat, i, j) in seen:
                return
            seen.add((mat, i, j))
            cand.append((lhs, op, rhs, mat, i, j))
        for f in cm.latent:
            for v in ov:
                if v not in eqs_y_ov:
                    push(f, "=~", v, "A", names.index(v), names.index(f))
        for a_ in range(len(ov)):
            for b_ in range(a_ + 1, len(ov)):
                va, vb = ov[a_], ov[b_]
                if va in other or vb in other:
                    continue
                i, j = names.index(va), names.index(vb)
                push(va, "~~", vb, "S", max(i, j), min(i, j))
        for a_ in range(len(cm.latent)):
            for b_ in range(a_ + 1, len(cm.latent)):
                i, j = names.index(cm.latent[a_]), names.index(cm.latent[b_])
                push(cm.latent[a_], "~~", cm.latent[b_], "S", max(i, j), min(i, j))
        for y in eqs:
            for x in eqs:
                if y == x or (y in inds and y in set(cm.observed) and x in set(cm.latent)):
                    continue
                push(y, "~", x, "A", names.index(y), names.index(x))
        cols = ["lhs", "op", "rhs", "mi", "epc", "sepc.all"]
        if not cand:
            return pd.DataFrame(columns=cols)
        w = self.wls
        cmat = np.array([0 if c[3] == "A" else 1 for c in cand])
        ci = np.array([c[4] for c in cand])
        cj = np.array([c[5] for c in cand])
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
        crow = pd.DataFrame({"mat": [c[3] for c in cand], "i": ci, "j": cj})
        sepc = standardize(cm, np.abs(epc), A, Sm, E, rows=crow, kind="all") * np.sign(epc)
        out = pd.DataFrame({"lhs": [c[0] for c in cand], "op": [c[1] for c in cand],
                            "rhs": [c[2] for c in cand], "mi": mi, "epc": epc, "sepc.all": sepc})
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

    f0 = fval(theta)
    converged = False
    it = 0
    for it in range(1, max_iter + 1):
        sig, J, _ = _implied(cm, theta, num, ii, jj)
        e = s_c - sig
        g = J.T @ (w_c * e)
        H = J.T @ (w_c[:, None] * J)
        if np.abs(g).max() < tol:
            converged = True
            break
        try:
            step = np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(H, g, rcond=None)[0]
        t = 1.0
        while t > 1e-10:
            cand = theta + t * step
            fc = fval(cand)
            if fc <= f0 + 1e-15 * max(1.0, f0):
                break
            t *= 0.5
        else:
            converged = bool(np.abs(g).max() < 1e-8)
            break
        small = np.abs(cand - theta).max() < 1e-13
        theta, f0 = cand, fc
        if small:
            converged = True
            break
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
    vcov = Einv @ (WD.T @ G @ WD) @ Einv / n
    fmin = 0.5 * float(e @ (Wd * e))
    chisq = 2 * n * fmin
    df = ns - (q + nth)
    U = np.diag(Wd) - WD @ Einv @ WD.T
    UG = U @ G
    tr1 = float(np.trace(UG))
    tr2 = float(np.sum(UG * UG.T))
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
    from scipy import optimize, stats
    if not np.isfinite(X2) or df < 1:
        return (0.0, 0.0) if np.isfinite(X2) else (math.nan, math.nan)
    up, lo = 1 - (1 - level) / 2, (1 - level) / 2

    def cdf(lam):
        return stats.ncx2.cdf(X2, df, lam) if lam > 0 else stats.chi2.cdf(X2, df)
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
    WiU = np.eye(pstar) - J @ Einv_struct @ J.T * w_c[None, :]
    Gc = G[-pstar:, -pstar:]
    ks = float(np.sum((WiU.T @ V @ WiU) * Gc.T))
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
    from scipy import stats
    if not isinstance(data, pd.DataFrame):
        raise ModelError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    from threadpoolctl import threadpool_limits

    cm, cm_free, pc, ordd = wlsmv_prepare(model, data, ordered, std_lv=std_lv)
    with threadpool_limits(limits=1, user_api="blas"):      # small matrices: BLAS threads only contend
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
    qn = stats.norm.ppf(0.975)
    out.insert(6, "z", z)
    out.insert(7, "pvalue", 2 * stats.norm.sf(np.abs(z)))
    out.insert(8, "ci.lower", out["est"] - qn * out["se"])
    out.insert(9, "ci.upper", out["est"] + qn * out["se"])
    if cm.defined:
        out = pd.concat([out, _defined_rows(cm, f.theta, f.vcov[:q, :q], std_all, std_lv)], ignore_index=True)
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
           "nth": len(pc.th)}
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


def wlsmv_invariance(model: str, data: pd.DataFrame, group: str, *, ordered: Sequence[str] | bool = True,
                     group_order=None):
    """Measurement invariance with ordinal items (Wu & Estabrook 2016) — not available yet: raises
    :class:`~csat.core.errors.ModelError` (the multi-group dispatch of :mod:`csat.sem.multigroup` reports it)."""
    raise ModelError("measurement invariance with ordered items (WLSMV; Wu & Estabrook 2016) is not available "
                     "yet; test invariance with the items treated as continuous (estimator mlr)")


def _defined_rows(cm: CompiledModel, theta: np.ndarray, vcov: np.ndarray, std_all: np.ndarray,
                  std_lv: np.ndarray) -> pd.DataFrame:
    """``:=`` rows of a WLSMV fit: the expression at the estimates, its delta-method standard error from
    the robust covariance matrix (central-difference gradient), and the expression at the standardized
    estimates (as lavaan's ``parameterEstimates`` / ``standardizedSolution``)."""
    from scipy import stats
    qn = stats.norm.ppf(0.975)
    rows = []
    for name, expr in cm.defined:
        def value(vals):
            env = label_env(cm, vals)
            for nm, ex in cm.defined:                 # earlier defined parameters may be used
                if nm == name:
                    break
                env[nm] = eval_expr(ex, env)
            return eval_expr(expr, env)

        def f(th):
            return value(row_values(cm, th, None))
        val = f(theta)
        grad = np.empty(cm.npar)
        for k in range(cm.npar):
            h = 1e-6 * max(1.0, abs(theta[k]))
            tp, tm = theta.copy(), theta.copy()
            tp[k] += h
            tm[k] -= h
            grad[k] = (f(tp) - f(tm)) / (2 * h)
        se = math.sqrt(max(float(grad @ vcov @ grad), 0.0))
        z = val / se if se > 0 else math.nan
        rows.append({"lhs": name, "op": ":=", "rhs": expr, "label": name, "est": val, "se": se, "z": z,
                     "pvalue": 2 * stats.norm.sf(abs(z)) if np.isfinite(z) else math.nan,
                     "ci.lower": val - qn * se, "ci.upper": val + qn * se,
                     "std.lv": value(std_lv), "std.all": value(std_all)})
    return pd.DataFrame(rows)
