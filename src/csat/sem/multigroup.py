"""Multi-group CFA with a mean structure and measurement invariance, matching lavaan 0.6
``cfa(model, data, group = , group.equal = )``.

Model
-----
Every group g has the single-group RAM model of :mod:`csat.sem` (``Σ_g = F E_g Smat_g E_gᵀ Fᵀ``,
``E_g = (I − A_g)⁻¹``) plus a mean structure: with ``b_g = (ν_g, α_g)`` the intercepts of the
observed and the means of the latent variables, ``μ_g = F E_g b_g``.  Identification as lavaan's:
the marker loading of every factor is 1 in every group; the observed intercepts are free; the
latent means are fixed at 0 — except with equal intercepts, where they are 0 in the first group
and free in the others.  ``group_equal`` (lavaan's ``group.equal``) makes the free loadings
(``"loadings"``) and the intercepts (``"intercepts"``) one parameter across the groups:
configural = none, metric = loadings, scalar = loadings + intercepts (Meredith 1993;
Vandenberg & Lance 2000).

Estimation
----------
``F = Σ_g (n_g/N) F_g`` with ``F_g = (1/n_g) Σ_k n_k [log|Σ_gk| + tr(Σ_gk⁻¹ (S_gk + d_gk d_gkᵀ))]``
over the missing-data patterns k of group g (one pattern for complete data; ``d = x̄ − μ``): the
normal-theory ML discrepancy with a mean structure, which for incomplete data is casewise FIML
(lavaan ``missing = "ml"``).  Fisher scoring (expected information) with step halving; near the optimum (max |∇F| < .01, or after
10 iterations) BFGS updates of the expected Hessian, as Fisher scoring converges only linearly when the
model misfits.
Standard errors: expected information for complete data, observed information (numerical
Hessian of the analytic gradient) for FIML — lavaan's defaults.

Fit measures (lavaan ``fitMeasures``; multi-group definitions from lavaan's source)
----------------------------------------------------------------------------------
``χ² = Σ_g 2(logl_g,h1 − logl_g)`` (saturated h1 per group: the sample moments, or the EM
estimates for FIML), ``df = G (p(p+1)/2 + p) − npar``; baseline: independent variables with free
means and variances in every group, ``df_b = G p(p−1)/2``; CFI and TLI as usual;
``RMSEA = √max(χ²/(N df) − 1/N, 0) · √G`` and its interval times ``√G`` (Steiger 1998);
``SRMR = Σ_g (n_g/N) SRMR_g`` with ``SRMR_g`` Bentler's over the standardized covariance and mean
residuals (``(p(p+1)/2 + p)`` elements); ``AIC = −2 logl + 2 npar``, ``BIC = −2 logl + npar log N``.

Example
-------
>>> import pandas as pd
>>> from csat.sem.multigroup import invariance
>>> hs = pd.read_csv("../shared/datasets/holzinger1939.csv")
>>> tab, fits = invariance("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6", hs, "school")
>>> list(tab["model"]), fits["metric"].fit_measures["df"]
(['configural', 'metric', 'scalar'], 20)
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from csat.stats.em import em_patterns, missing_patterns
from csat.core.errors import ModelError
from csat.core.i18n import N_
from csat.sem.fiml import numeric_hessian, pattern_discrepancy
from csat.sem.fitmeasures import fit_verdict, rmsea_ci, robust_fit_measures
from csat.sem.partable import CompiledModel, ParameterNumbers, build_model
from csat.sem.result import standardize
from csat.sem.robust import (GroupMoments, baseline_delta, baseline_moments, fiml_corrected, numeric_jacobian,
                             robust_ml, scaled_difference)

__all__ = ["MultiGroupResult", "fit_multigroup", "release_tests", "invariance", "ordinal_invariance", "invariance_level",
           "ordinal_robust_measures",
           "fit_columns",
           "invariance_diagnostics", "study_invariance", "INVARIANCE_COLUMNS", "ROBUST_INVARIANCE_COLUMNS",
           "STEPS", "DELTA_CFI", "DELTA_RMSEA", "NOT_CONVERGED", "NOT_INVARIANT"]

#: the invariance steps and their ``group.equal``
STEPS = {"configural": (), "metric": ("loadings",), "scalar": ("loadings", "intercepts")}
#: Chen (2007): a step holds when CFI drops by at most .01 and RMSEA rises by at most .015
DELTA_CFI = 0.01
DELTA_RMSEA = 0.015
#: ``nonconvergence``'s message for each model of :data:`STEPS`
NOT_CONVERGED = {
    "configural": N_("The configural multi-group model across {group} did not converge."),
    "thresholds": N_("The thresholds multi-group model across {group} did not converge."),
    "metric": N_("The metric multi-group model across {group} did not converge."),
    "scalar": N_("The scalar multi-group model across {group} did not converge."),
}
#: ``noninvariance``'s message for the step that fails
NOT_INVARIANT = {
    "thresholds": N_("Threshold invariance across {group} fails (ΔCFI = {delta_cfi:.3f}, ΔRMSEA = {delta_rmsea:+.3f}): "
                     "the same answer marks a different level of the latent response in different groups, so "
                     "neither relations nor means are comparable."),
    "metric": N_("Metric invariance across {group} fails (ΔCFI = {delta_cfi:.3f}, ΔRMSEA = {delta_rmsea:+.3f}): "
                 "the loadings differ between groups, so neither relations nor means are comparable."),
    "scalar": N_("Scalar invariance across {group} fails (ΔCFI = {delta_cfi:.3f}, ΔRMSEA = {delta_rmsea:+.3f}): "
                 "the intercepts differ between groups, so construct means and indices are not comparable across "
                 "them."),
}
INVARIANCE_COLUMNS = ["model", "npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "aic", "bic",
                      "chisq.diff", "df.diff", "pvalue.diff", "delta.cfi", "delta.rmsea", "verdict"]
#: what a robust estimator's invariance table adds after :data:`INVARIANCE_COLUMNS`
ROBUST_INVARIANCE_COLUMNS = ["chisq.scaled", "chisq.scaling.factor", "pvalue.scaled", "cfi.robust", "tli.robust",
                             "rmsea.robust", "cfi.scaled", "tli.scaled", "rmsea.scaled", "estimator", "test"]


# --------------------------------------------------------------------------------------------
# data per group
# --------------------------------------------------------------------------------------------
@dataclass
class _Group:
    label: object
    n: int
    pat: object              # csat.stats.em.Patterns
    X: np.ndarray            # the group's rows (NaN = missing)
    h1_mean: np.ndarray
    h1_cov: np.ndarray
    logl_h1: float
    logl_b: float


def _group_data(cm: CompiledModel, data: pd.DataFrame, group: str, order: Sequence | None,
                missing: str) -> list[_Group]:
    if group not in data.columns:
        raise ModelError(f"group column {group!r} is not a column of the data")
    bad = [c for c in cm.observed if not pd.api.types.is_numeric_dtype(data[c])]
    if bad:
        raise ModelError(f"model variable(s) {bad} are not numeric columns of the data")
    g = data[group]
    levels = list(pd.unique(g.dropna())) if order is None else list(order)
    absent = [lv for lv in levels if not (g == lv).any()]
    if absent:
        raise ModelError(f"group column {group!r} has no rows with level(s) {absent}")
    if len(levels) < 2:
        raise ModelError(f"group column {group!r} has {len(levels)} level(s); invariance needs at least 2")
    out = []
    for lv in levels:
        X = data.loc[g == lv, cm.observed].to_numpy(dtype=float)
        X = X[np.all(np.isfinite(X), axis=1)] if missing == "listwise" else X[np.isfinite(X).any(axis=1)]
        if len(X) < cm.p + 1:
            raise ModelError(f"group {lv!r} of {group!r} has only {len(X)} usable row(s) for {cm.p} variables")
        const = [v for v, s in zip(cm.observed, np.nanstd(X, axis=0)) if not s > 0]
        if const:
            raise ModelError(f"model variable(s) {const} have zero variance in group {lv!r} of {group!r}")
        pat = missing_patterns(X)
        if missing == "listwise":
            mu, S = X.mean(axis=0), np.cov(X.T, ddof=0)
            if np.linalg.eigvalsh(S).min() <= 1e-12 * np.trace(S):
                raise ModelError(f"the sample covariance matrix of group {lv!r} of {group!r} is singular")
        else:
            em = em_patterns(pat)
            mu, S = em.mean, em.cov
        F1, _, _ = pattern_discrepancy(S, mu, pat, grad=False)
        logl_h1 = -0.5 * (pat.n * F1 + pat.const)
        logl_b = 0.0
        for j in range(cm.p):
            x = X[:, j][np.isfinite(X[:, j])]
            logl_b += -0.5 * len(x) * (math.log(2 * math.pi) + math.log(x.var()) + 1)
        out.append(_Group(lv, pat.n, pat, X, mu, S, logl_h1, logl_b))
    return out


# --------------------------------------------------------------------------------------------
# parameters: local (per group) -> global
# --------------------------------------------------------------------------------------------
def _param_map(cm: CompiledModel, G: int, group_equal: Sequence[str]) -> tuple[np.ndarray, int]:
    """``idx[g, l]``: global parameter of local parameter l of group g (−1 = fixed at 0).

    Local parameters of a group: the single-group model's ``θ`` (``cm.npar``), then ``b``: the p
    observed intercepts and the k latent means."""
    q, p, k = cm.npar, cm.p, len(cm.latent)
    fr = cm.rows[cm.rows["free"] >= 0]
    loading = np.zeros(q, bool)
    loading[fr.loc[fr["op"] == "=~", "free"].to_numpy(int)] = True
    eq_load, eq_int = "loadings" in group_equal, "intercepts" in group_equal
    idx = np.full((G, q + p + k), -1, dtype=int)
    new = ParameterNumbers()
    for g in range(G):
        for l in range(q):
            idx[g, l] = new(("theta", l)) if eq_load and loading[l] else new()
        for j in range(p):
            idx[g, q + j] = new(("nu", j)) if eq_int else new()
        for f in range(k):
            idx[g, q + p + f] = new() if (eq_int and g > 0) else -1
    return idx, new.count


# --------------------------------------------------------------------------------------------
# objective, gradient, expected Hessian
# --------------------------------------------------------------------------------------------
class _MG:
    def __init__(self, cm: CompiledModel, groups: list[_Group], idx: np.ndarray, npar: int):
        self.cm, self.groups, self.idx, self.npar = cm, groups, idx, npar
        self.N = sum(gr.n for gr in groups)
        self.w = np.array([gr.n / self.N for gr in groups])

    def local(self, x: np.ndarray, g: int) -> np.ndarray:
        ix = self.idx[g]
        loc = np.zeros(len(ix))
        loc[ix >= 0] = x[ix[ix >= 0]]
        return loc

    def moments(self, loc: np.ndarray):
        cm = self.cm
        q, p = cm.npar, cm.p
        Sigma, E, Sm, A = cm.implied(loc[:q])
        mall = E @ np.concatenate([loc[q:q + p], loc[q + p:]])
        return Sigma, mall[:p], E, Sm, A, mall

    def _mean_jac(self, E: np.ndarray, mall: np.ndarray) -> np.ndarray:
        """∂μ/∂(entries of θ) (p × entries): for A_ij, G[:, i] (E b)_j; 0 for Smat entries."""
        cm = self.cm
        em, ei, ej = cm._entries()
        Gm = E[: cm.p]
        return np.where(em[None, :] == 0, Gm[:, ei] * mall[ej][None, :], 0.0)

    def group_value(self, loc: np.ndarray, g: int, grad: bool = True):
        cm = self.cm
        Sigma, mu, E, Sm, A, mall = self.moments(loc)
        F, W, gmu = pattern_discrepancy(Sigma, mu, self.groups[g].pat, grad)
        if not grad or W is None:
            return F, None
        U, V = cm._uv(E, Sm, *cm._entries())
        ge = 2 * np.einsum("pe,pe->e", U, W @ V) + gmu @ self._mean_jac(E, mall)
        return F, np.concatenate([cm._agg(ge), gmu @ E[: cm.p]])

    def value(self, x: np.ndarray) -> float:
        tot = 0.0
        for g in range(len(self.groups)):
            F, _ = self.group_value(self.local(x, g), g, grad=False)
            if not np.isfinite(F):
                return math.inf
            tot += self.w[g] * F
        return tot

    def value_grad(self, x: np.ndarray):
        tot, grad = 0.0, np.zeros(self.npar)
        for g in range(len(self.groups)):
            F, gl = self.group_value(self.local(x, g), g)
            if gl is None:
                return math.inf, None
            tot += self.w[g] * F
            ix = self.idx[g]
            np.add.at(grad, ix[ix >= 0], self.w[g] * gl[ix >= 0])
        return tot, grad

    def expected_hessian(self, x: np.ndarray) -> np.ndarray:
        """Σ_g (n_g/N) J_gᵀ ℋ_g J_g with ℋ_g the expected Hessian of F_g:
        ``(1/n_g) Σ_k n_k [tr(Σ_k⁻¹ Σ_e Σ_k⁻¹ Σ_f) + 2 Δμ_eᵀ Σ_k⁻¹ Δμ_f]``."""
        cm = self.cm
        q, P = cm.npar, cm._P
        H = np.zeros((self.npar, self.npar))
        for g, gr in enumerate(self.groups):
            loc = self.local(x, g)
            Sigma, mu, E, Sm, A, mall = self.moments(loc)
            U, V = cm._uv(E, Sm, *cm._entries())
            D = np.concatenate([self._mean_jac(E, mall) @ P, E[: cm.p]], axis=1)   # ∂μ/∂local
            nloc = D.shape[1]
            Hl = np.zeros((nloc, nloc))
            for o, nk, _, _ in gr.pat.groups:
                Om = np.linalg.inv(Sigma[np.ix_(o, o)])
                Uo, Vo = U[o], V[o]
                OU, OV = Om @ Uo, Om @ Vo
                UU, VV, UV = Uo.T @ OU, Vo.T @ OV, Uo.T @ OV
                Hl[:q, :q] += nk * (P.T @ (2 * (UU * VV + UV * UV.T)) @ P)
                Do = D[o]
                Hl += nk * 2 * (Do.T @ Om @ Do)
            Hl /= gr.n
            ix = self.idx[g]
            sel = np.flatnonzero(ix >= 0)
            J = np.zeros((nloc, self.npar))
            J[sel, ix[sel]] = 1.0
            H += self.w[g] * (J.T @ Hl @ J)
        return 0.5 * (H + H.T)

    def numeric_hessian(self, x: np.ndarray) -> np.ndarray:
        """Central differences of the analytic gradient (symmetrised), as the single-group FIML fit."""
        return numeric_hessian(lambda y: self.value_grad(y)[1], x)

    def start(self) -> np.ndarray:
        cm = self.cm
        q, p = cm.npar, cm.p
        acc = np.zeros(self.npar)
        cnt = np.zeros(self.npar)
        for g, gr in enumerate(self.groups):
            loc = np.concatenate([cm.start_values(gr.h1_cov), gr.h1_mean, np.zeros(len(cm.latent))])
            ix = self.idx[g]
            np.add.at(acc, ix[ix >= 0], loc[ix >= 0])
            np.add.at(cnt, ix[ix >= 0], 1.0)
        return acc / np.maximum(cnt, 1)

    def optimize(self, x: np.ndarray, max_iter: int = 500, tol: float = 1e-9):
        """Fisher scoring with step halving; once near the optimum (max |∇F| < .01 or after 10
        iterations) BFGS updates of the expected Hessian, which converge superlinearly where
        Fisher scoring is only linear (a misfitting model)."""
        Fv, g = self.value_grad(x)
        if g is None:
            raise ModelError("the implied covariance matrix is not positive definite at the starting values")
        converged, it = False, 0
        B = None
        for it in range(1, max_iter + 1):
            gmax = np.max(np.abs(g))
            if gmax < tol:
                converged = True
                break
            if B is None and (gmax < 1e-2 or it > 10):
                B = self.expected_hessian(x)
            H = B if B is not None else self.expected_hessian(x)
            try:
                step = np.linalg.solve(H, g)
            except np.linalg.LinAlgError:
                step = np.linalg.lstsq(H, g, rcond=None)[0]
            if not np.all(np.isfinite(step)) or step @ g <= 0:      # not a descent direction: reset
                B = self.expected_hessian(x)
                step = np.linalg.lstsq(B, g, rcond=None)[0]
            alpha, cand = 1.0, None
            for _ in range(40):
                c = x - alpha * step
                Fc = self.value(c)
                if Fc <= Fv + 1e-15 * max(1.0, abs(Fv)):
                    cand = c
                    break
                alpha *= 0.5
            if cand is None:
                converged = bool(gmax < 1e-6)
                break
            F_new, g_new = self.value_grad(cand)
            if B is not None:
                sv, yv = cand - x, g_new - g
                sy = sv @ yv
                if sy > 1e-12 * np.linalg.norm(sv) * np.linalg.norm(yv):
                    Bs = B @ sv
                    B = B + np.outer(yv, yv) / sy - np.outer(Bs, Bs) / (sv @ Bs)
            x, Fv, g = cand, F_new, g_new
        return x, Fv, g, converged, it


# --------------------------------------------------------------------------------------------
# result
# --------------------------------------------------------------------------------------------
@dataclass
class MultiGroupResult:
    """A fitted multi-group model: ``estimates`` (lavaan's ``parameterEstimates`` with a ``group``
    column, 1-based, and ``group.label``), ``fit_measures`` (lavaan names), per-group ``n``."""

    estimates: pd.DataFrame
    fit_measures: dict
    converged: bool
    iterations: int
    group: str
    group_labels: list
    n: list
    group_equal: tuple
    missing: str
    model: CompiledModel = field(repr=False)
    theta: np.ndarray = field(repr=False)
    vcov: np.ndarray = field(repr=False)
    engine: object = field(repr=False, default=None)
    #: lavaan's estimator and test names ("ML"/"standard", "MLR"/"yuan.bentler.mplus", "MLM"/"satorra.bentler")
    estimator: str = "ML"
    test: str = "standard"


def fit_multigroup(model: str, data: pd.DataFrame, group: str, *, group_equal: Sequence[str] = (),
                   missing: str = "listwise", group_order: Sequence | None = None,
                   estimator: str = "ml") -> MultiGroupResult:
    """Fit a CFA in several groups with a mean structure, as lavaan ``cfa(model, data, group = group,
    group.equal = group_equal, missing = "listwise" | "ml")``.

    Parameters
    ----------
    model : lavaan syntax of the measurement model (``=~``, ``~~``; no observed covariates).
    data : one row per respondent; ``group`` is the grouping column.
    group_equal : any of ``"loadings"``, ``"intercepts"`` (lavaan's ``group.equal``).
    missing : ``"listwise"`` or ``"fiml"`` (lavaan ``missing = "ml"``).
    group_order : the groups in order (the first is the reference group whose latent means are 0);
        default: order of first appearance in the data, as lavaan.
    estimator : ``"ml"``, ``"mlr"`` or ``"mlm"`` (lavaan's ``estimator``): the robust ones keep ML's
        estimates and give robust standard errors and the scaled test (:mod:`csat.sem.robust`, with the
        per-group moments and the mean structure).

    Returns a :class:`MultiGroupResult`; raises :class:`csat.sem.ModelError` for unusable data.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):     # small matrices: threads only contend
        return _fit_multigroup(model, data, group, group_equal, missing, group_order, estimator)


def _fit_multigroup(model, data, group, group_equal, missing, group_order, estimator="ml") -> MultiGroupResult:
    if estimator not in ("ml", "mlr", "mlm"):
        raise ModelError(f"estimator {estimator!r} is not supported by multi-group fits; use ml, mlr or mlm")
    if estimator == "mlm" and missing != "listwise":
        raise ModelError("estimator mlm needs complete data (as lavaan); use estimator mlr with missing 'fiml'")
    if missing not in ("listwise", "fiml"):
        raise ModelError(f"missing={missing!r} is not supported; use 'listwise' or 'fiml'")
    unknown = set(group_equal) - {"loadings", "intercepts"}
    if unknown:
        raise ModelError(f"group_equal: {sorted(unknown)} not supported (use 'loadings', 'intercepts')")
    cm = build_model(model, [c for c in data.columns if c != group])
    if cm.ov_x:
        raise ModelError(f"multi-group fits take measurement models only; observed covariates {cm.ov_x} are not supported")
    if cm.defined:
        raise ModelError("multi-group fits do not support defined parameters (:=)")
    groups = _group_data(cm, data, group, group_order, missing)
    G = len(groups)
    idx, npar = _param_map(cm, G, tuple(group_equal))
    mg = _MG(cm, groups, idx, npar)
    x, Fv, grad, converged, it = mg.optimize(mg.start())
    N = mg.N
    if missing == "listwise":
        H = mg.expected_hessian(x)
    else:
        H = mg.numeric_hessian(x)
    ev = np.linalg.eigvalsh(H)
    if ev.min() <= 1e-10 * max(ev.max(), 1e-300):
        raise ModelError("the multi-group model is not identified: the information matrix is singular")
    vcov = np.linalg.inv(0.5 * N * H)
    fm = _fit_measures(mg, x, Fv, npar)
    labels = ("ML", "standard")
    if estimator != "ml":
        rt = _robust(mg, x, estimator, missing, fm, H if missing == "fiml" else None)
        vcov, labels = rt.vcov, (rt.estimator, rt.test)
        fm.update(robust_fit_measures(fm, rt.scaling_factor, rt.baseline_scaling_factor, groups=G,
                                      corrected=rt.corrected))
    est = _estimates(mg, x, vcov)
    return MultiGroupResult(estimates=est, fit_measures=fm, converged=converged, iterations=it, group=group,
                            group_labels=[gr.label for gr in groups], n=[gr.n for gr in groups],
                            group_equal=tuple(group_equal), missing=missing, model=cm, theta=x, vcov=vcov,
                            engine=mg, estimator=labels[0], test=labels[1])


def _robust(mg: _MG, x: np.ndarray, estimator: str, missing: str, fm: dict, H: np.ndarray | None):
    """:func:`csat.sem.robust.robust_ml` of a multi-group fit: Δ_g = ∂(μ_g, vech Σ_g)/∂x numerically, the
    observed information ½H (numeric Hessian of Σ_g f_g F_g) for MLR, the baseline model's free means and
    variances per group."""
    cm = mg.cm
    p, G = cm.p, len(mg.groups)
    ii, jj = np.tril_indices(p)
    groups = []
    for g, gr in enumerate(mg.groups):
        def mom(y, g=g):
            Sigma, mu, *_ = mg.moments(mg.local(y, g))
            return np.concatenate([mu, Sigma[ii, jj]])
        Sigma, mu, *_ = mg.moments(mg.local(x, g))
        bmu, bS = baseline_moments(gr.X, gr.h1_mean, missing)
        groups.append(GroupMoments(gr.X, mu, Sigma, gr.h1_mean, gr.h1_cov, numeric_jacobian(mom, x), bmu, bS,
                                   baseline_delta(p, True, 2 * p * g, 2 * p * G)))
    info = None
    if estimator == "mlr":
        info = 0.5 * (H if H is not None else mg.numeric_hessian(x))
    rt = robust_ml(groups, estimator, df=fm["df"], baseline_df=fm["baseline.df"], information=info,
                   meanstructure=True, missing=missing)
    if missing == "fiml":
        rt.corrected = fiml_corrected(groups, df=fm["df"], baseline_df=fm["baseline.df"])
    return rt


def _estimates(mg: _MG, x: np.ndarray, vcov: np.ndarray) -> pd.DataFrame:
    cm = mg.cm
    q, p = cm.npar, cm.p
    R = cm.rows
    se_all = np.sqrt(np.maximum(np.diag(vcov), 0))
    zc = stats.norm.ppf(0.975)
    frames = []
    for g, gr in enumerate(mg.groups):
        loc = mg.local(x, g)
        ix = mg.idx[g]
        Sigma, mu, E, Sm, A, mall = mg.moments(loc)
        est = np.array([A[i, j] if m == "A" else Sm[i, j] for m, i, j in zip(R["mat"], R["i"], R["j"])])
        fr = R["free"].to_numpy()
        se = np.array([se_all[ix[k]] if k >= 0 and ix[k] >= 0 else 0.0 for k in fr])
        std_all = standardize(cm, est, A, Sm, E, kind="all")
        tot_sd = np.sqrt(np.maximum(np.diag(E @ Sm @ E.T), 0))
        rows = pd.DataFrame({"lhs": R["lhs"], "op": R["op"], "rhs": R["rhs"], "est": est, "se": se,
                             "std.all": std_all, "free": fr >= 0})
        names = cm.names
        b = loc[q:]
        bse = np.array([se_all[ix[q + j]] if ix[q + j] >= 0 else 0.0 for j in range(len(names))])
        with np.errstate(invalid="ignore", divide="ignore"):
            ints = pd.DataFrame({"lhs": names, "op": "~1", "rhs": "", "est": b, "se": bse,
                                 "std.all": b / tot_sd, "free": ix[q:] >= 0})
        t = pd.concat([rows, ints], ignore_index=True)
        t.insert(3, "group", g + 1)
        t.insert(4, "group.label", str(gr.label))
        frames.append(t)
    t = pd.concat(frames, ignore_index=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(t["free"] & (t["se"] > 0), t["est"] / t["se"], np.nan)
    t["z"] = z
    t["pvalue"] = 2 * stats.norm.sf(np.abs(z))
    t["ci.lower"] = t["est"] - zc * t["se"]
    t["ci.upper"] = t["est"] + zc * t["se"]
    cols = ["lhs", "op", "rhs", "group", "group.label", "est", "se", "z", "pvalue", "ci.lower", "ci.upper", "std.all"]
    return t[cols]


def _fit_measures(mg: _MG, x: np.ndarray, Fv: float, npar: int) -> dict:
    cm = mg.cm
    p, G, N = cm.p, len(mg.groups), mg.N
    logl = logl_h1 = logl_b = 0.0
    srmr = 0.0
    nel = p * (p + 1) // 2 + p
    ii, jj = np.tril_indices(p)
    for g, gr in enumerate(mg.groups):
        loc = mg.local(x, g)
        Sigma, mu, *_ = mg.moments(loc)
        F, _ = mg.group_value(loc, g, grad=False)
        logl += -0.5 * (gr.n * F + gr.pat.const)
        logl_h1 += gr.logl_h1
        logl_b += gr.logl_b
        S, m = gr.h1_cov, gr.h1_mean
        sd = np.sqrt(np.diag(S))
        Rr = (S - Sigma) / np.outer(sd, sd)
        srmr += gr.n / N * math.sqrt((np.sum(Rr[ii, jj] ** 2) + np.sum(((m - mu) / sd) ** 2)) / nel)
    df = G * nel - npar
    chisq = max(2 * (logl_h1 - logl), 0.0)
    chisq_b = 2 * (logl_h1 - logl_b)
    df_b = G * p * (p - 1) // 2
    d, d_b = max(chisq - df, 0.0), max(chisq_b - df_b, 0.0)
    den = max(d, d_b)
    cfi = 1.0 if den == 0 else 1 - d / den
    tli = (chisq_b / df_b - chisq / df) / (chisq_b / df_b - 1) if df > 0 and df_b > 0 else 1.0
    rmsea = math.sqrt(max(chisq / (N * df) - 1 / N, 0.0)) * math.sqrt(G) if df > 0 else 0.0
    lo, hi = rmsea_ci(chisq, df, N)
    return {"npar": int(npar), "chisq": float(chisq), "df": int(df),
            "pvalue": float(stats.chi2.sf(chisq, df)) if df > 0 else math.nan,
            "cfi": float(cfi), "tli": float(tli), "rmsea": float(rmsea),
            "rmsea.ci.lower": lo * math.sqrt(G), "rmsea.ci.upper": hi * math.sqrt(G), "srmr": float(srmr),
            "aic": float(-2 * logl + 2 * npar), "bic": float(-2 * logl + npar * math.log(N)),
            "logl": float(logl), "unrestricted.logl": float(logl_h1), "ntotal": int(N),
            "baseline.chisq": float(chisq_b), "baseline.df": int(df_b)}


def _holm(p: np.ndarray) -> np.ndarray:
    from csat.stats.descriptives import holm
    return holm(p)


def release_tests(res: MultiGroupResult) -> pd.DataFrame:
    """Univariate score (Lagrange multiplier) tests of releasing each equality constraint of a fit
    with ``group_equal``, as lavaan ``lavTestScore(fit)$uni`` (expected information): which loading
    or intercept of which group differs from the first group's.

    For the constraint that group g's parameter equals group 1's, the model is expanded by one
    parameter (group g's own copy) at the constrained estimates; with the gradient ``g`` of F and the
    expected Hessian ``ℋ`` of F in the expanded model, ``X2 = N gᵀ ℋ⁻¹ g / 2`` on 1 df (``g`` is not
    zero in two places: the new copy and the parameter it split from) — the expected drop in χ² when
    the constraint is released (Bentler 1990), equal to lavaan's bordered-matrix form
    ``N scoreᵀ J₁ score``.
    Columns ``lhs, op, rhs, group, group.label, X2, df, pvalue``, largest X2 first.  Complete data and
    FIML (``ℋ`` then the expected information over the missing-data patterns, lavaan's
    ``information = "expected"``).  MLR and MLM fits give the same tests as ML: lavaan 0.6.14's
    ``lavTestScore`` has no robust variant (it warns and falls back to this ordinary score test at the ML
    estimates, which the robust estimators share); tests/reference/robust_multigroup.R has the references.
    """
    mg = res.engine
    cm = mg.cm
    q, p = cm.npar, cm.p
    first = cm.rows[cm.rows["free"] >= 0].drop_duplicates("free").set_index("free")
    x = res.theta
    out = []
    for g in range(1, len(mg.groups)):
        for l in range(mg.idx.shape[1]):
            k = mg.idx[g, l]
            if k < 0 or k != mg.idx[0, l]:
                continue
            idx_e = mg.idx.copy()
            idx_e[g, l] = mg.npar
            ex = _MG(cm, mg.groups, idx_e, mg.npar + 1)
            xe = np.append(x, x[k])
            _, grad = ex.value_grad(xe)
            H = ex.expected_hessian(xe)
            try:
                X2 = mg.N * float(grad @ np.linalg.solve(H, grad)) / 2
            except np.linalg.LinAlgError:
                X2 = math.nan
            if l < q:
                r = first.loc[l]
                lhs, op, rhs = r["lhs"], r["op"], r["rhs"]
            else:
                lhs, op, rhs = cm.observed[l - q], "~1", ""
            out.append({"lhs": lhs, "op": op, "rhs": rhs, "group": g + 1, "group.label": str(mg.groups[g].label),
                        "X2": float(X2), "df": 1, "pvalue": float(stats.chi2.sf(X2, 1)) if np.isfinite(X2) else math.nan})
    cols = ["lhs", "op", "rhs", "group", "group.label", "X2", "df", "pvalue"]
    t = pd.DataFrame(out, columns=cols)
    return t.sort_values("X2", ascending=False, kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# measurement invariance
# --------------------------------------------------------------------------------------------
def invariance(model: str, data: pd.DataFrame, group: str, *, missing: str = "listwise",
               group_order: Sequence | None = None, estimator: str = "ml",
               ordered: Sequence[str] = ()) -> tuple[pd.DataFrame, dict[str, MultiGroupResult]]:
    """Configural → metric → scalar invariance of a measurement model across the levels of ``group``
    (lavaan ``cfa(..., group =)`` with ``group.equal`` none, ``"loadings"``, ``c("loadings",
    "intercepts")``; the comparison as ``lavTestLRT`` and Chen 2007).

    Returns ``(table, fits)``: one row per model with :data:`INVARIANCE_COLUMNS` and the fits by
    model name.  Each step is compared with the one before it: ``chisq.diff``, ``df.diff`` and
    ``pvalue.diff`` are the likelihood-ratio (χ² difference) test of lavaan's ``lavTestLRT``;
    ``delta.cfi = CFI(previous) − CFI(this)`` (the drop in CFI) and
    ``delta.rmsea = RMSEA(this) − RMSEA(previous)`` (the rise in RMSEA).  ``verdict``: the
    configural model ``"acceptable"`` when CFI ≥ .90 and RMSEA ≤ .08 (at least acceptable by
    :data:`csat.sem.fitmeasures.FIT_RULES`; ``"poor"`` otherwise); a
    later step ``"holds"`` when ΔCFI ≤ .01 and ΔRMSEA ≤ .015 (Chen 2007), else ``"rejected"``;
    ``"not converged"`` when the fit did not converge.

    Parameters
    ----------
    model : str
        A measurement model in lavaan syntax.
    data : DataFrame
        The data, with the model's items and the ``group`` column.
    group : str
        The grouping column (at least two levels).
    missing : {"listwise", "fiml"}
        As :func:`csat.sem.fit`.
    group_order : sequence, optional
        The levels in this order (the first is the reference group of the scalar model).

    Returns
    -------
    table : DataFrame
        One row per model (``configural``, ``metric``, ``scalar``) with :data:`INVARIANCE_COLUMNS`.
    fits : dict
        ``{model name: MultiGroupResult}``.

    References
    ----------
    Chen, F. F. (2007). Sensitivity of goodness of fit indexes to lack of measurement
    invariance. Structural Equation Modeling 14(3), 464–504.

    Examples
    --------
    The three-factor CFA across the two schools of Holzinger & Swineford (1939):

    >>> import pandas as pd
    >>> from csat.sem import multigroup
    >>> hs = pd.read_csv("../shared/datasets/holzinger1939.csv")
    >>> model = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"
    >>> table, fits = multigroup.invariance(model, hs, "school")
    >>> table[["model", "chisq", "df", "cfi", "pvalue.diff", "verdict"]].round(3)
            model    chisq  df    cfi  pvalue.diff   verdict
    0  configural  115.851  48  0.923          NaN      poor
    1      metric  124.044  54  0.921        0.224     holds
    2      scalar  164.103  60  0.882        0.000  rejected
    >>> [(d.code, d.where) for d in multigroup.invariance_diagnostics(table, "school")]
    [('poor_fit', 'invariance across school: configural'), ('noninvariance', 'invariance across school: scalar')]

    The table in words: :func:`csat.analyses.factor.invariance_text`.

    In R (``HS.model`` the model above, ``HS`` the data):
    ``fitMeasures(cfa(HS.model, HS, group = "school"), "chisq")`` → 115.851,
    ``fitMeasures(cfa(HS.model, HS, group = "school", group.equal = "loadings"), "chisq")`` → 124.044,
    ``fitMeasures(cfa(HS.model, HS, group = "school", group.equal = c("loadings", "intercepts")), "chisq")``
    → 164.103 and ``lavTestLRT(conf, metr)[2, "Pr(>Chisq)"]`` → 0.224 (``conf``, ``metr`` the first two fits).
    """
    if estimator == "wlsmv":
        return ordinal_invariance(model, data, group, ordered=list(ordered), group_order=group_order)
    fits: dict[str, MultiGroupResult] = {}
    rows = []
    prev = None
    robust = estimator != "ml"
    for name, eq in STEPS.items():
        fits[name] = fit_multigroup(model, data, group, group_equal=eq, missing=missing, group_order=group_order,
                                    estimator=estimator)
    cfi_key, rmsea_key = ("cfi", "rmsea")
    if robust:
        fin = all(np.isfinite(f.fit_measures.get(k, math.nan)) for f in fits.values()
                  for k in ("cfi.robust", "rmsea.robust"))
        cfi_key, rmsea_key = ("cfi.robust", "rmsea.robust") if fin else ("cfi.scaled", "rmsea.scaled")
    for name, res in fits.items():
        fm = res.fit_measures
        row = {"model": name, **{k: fm[k] for k in ("npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea",
                                                   "srmr", "aic", "bic")}}
        if robust:
            row.update({k: fm.get(k, math.nan) for k in ROBUST_INVARIANCE_COLUMNS[:-2]})
            row.update({"estimator": res.estimator, "test": res.test})
        if prev is None:
            row.update({"chisq.diff": math.nan, "df.diff": math.nan, "pvalue.diff": math.nan,
                        "delta.cfi": math.nan, "delta.rmsea": math.nan,
                        "verdict": "acceptable" if all(fit_verdict(m, fm[k]) in ("good", "acceptable")
                                                       for m, k in (("cfi", cfi_key), ("rmsea", rmsea_key)))
                        else "poor"})
        else:
            pf = prev.fit_measures
            dchi, ddf = fm["chisq"] - pf["chisq"], fm["df"] - pf["df"]
            pdiff = float(stats.chi2.sf(max(dchi, 0.0), ddf)) if ddf > 0 else math.nan
            if robust:
                dchi, ddf, pdiff = scaled_difference(fm["chisq"], fm["df"], fm["chisq.scaling.factor"],
                                                     pf["chisq"], pf["df"], pf["chisq.scaling.factor"])
            dcfi, drmsea = pf[cfi_key] - fm[cfi_key], fm[rmsea_key] - pf[rmsea_key]
            row.update({"chisq.diff": dchi, "df.diff": ddf,
                        "pvalue.diff": pdiff,
                        "delta.cfi": dcfi, "delta.rmsea": drmsea,
                        "verdict": "holds" if dcfi <= DELTA_CFI + 1e-12 and drmsea <= DELTA_RMSEA + 1e-12
                        else "rejected"})
        if not res.converged:
            row["verdict"] = "not converged"
        rows.append(row)
        prev = res
    return pd.DataFrame(rows, columns=INVARIANCE_COLUMNS + (ROBUST_INVARIANCE_COLUMNS if robust else [])), fits


def ordinal_invariance(model: str, data: pd.DataFrame, group: str, *, ordered: Sequence[str] | bool = True,
                       group_order: Sequence | None = None):
    """Measurement invariance with ordinal items (Wu & Estabrook 2016): configural → thresholds → metric →
    scalar, each as ``semTools::measEq.syntax(ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016",
    parameterization = "delta", group.equal = ...)`` fitted by lavaan's WLSMV
    (:func:`csat.sem.wlsmv.fit_wlsmv_groups`), each step compared with the one before by lavaan's
    ``lavTestLRT`` default for WLSMV (:func:`csat.sem.wlsmv.satorra2000_difference`).

    Returns ``(table, fits)``: the table has the columns of
    :data:`INVARIANCE_COLUMNS` + :data:`ROBUST_INVARIANCE_COLUMNS` (``estimator`` =
    ``"WLSMV"``); ``delta.cfi``/``delta.rmsea`` and the verdicts (as :func:`invariance`)
    read the scaled CFI and RMSEA (lavaan gives no robust ones under equality constraints); ``aic``/``bic``
    are NaN.  ``fits``: ``{step: WLSMVGroupsResult}``.  An answer category empty in a group is first merged
    with its neighbour (:func:`csat.sem.wlsmv.merge_empty_categories`; lavaan would stop); each fit's
    ``merged`` lists what was merged.

    Examples
    --------
    >>> import pandas as pd
    >>> from csat.sem.multigroup import ordinal_invariance
    >>> d = pd.read_csv("tests/reference/ordinal_hs4g.csv")
    >>> tab, fits = ordinal_invariance("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9",
    ...                                d, "school", group_order=["Pasteur", "Grant-White"])
    >>> tab[["model", "df", "chisq.scaled", "chisq.diff", "pvalue.diff"]].round(3)
            model  df  chisq.scaled  chisq.diff  pvalue.diff
    0  configural  48       110.128         NaN          NaN
    1  thresholds  57       123.748      11.841        0.222
    2      metric  63       119.090       3.076        0.799
    3      scalar  69       170.178      42.214        0.000

    In R (tests/reference/ordinal_invariance.R): ``lavTestLRT(conf, thr)`` → Chisq diff 11.841, Pr 0.222.
    """
    from csat.sem.syntax import parse_model
    from csat.sem.wlsmv import ORDINAL_STEPS, fit_wlsmv_groups, merge_empty_categories, satorra2000_difference
    if group not in data.columns:
        raise ModelError(f"group column {group!r} is not a column of the data")
    observed = build_model(parse_model(model), [c for c in data.columns if c != group]).observed
    items = observed if ordered is True else [v for v in observed if v in set(ordered or ())]
    # listwise first (as the fits): a category used only by a row with a missing answer elsewhere is empty
    data = data.dropna(subset=list(observed))
    data, merged = merge_empty_categories(data, items, group, group_order)
    fits, rows, prev = {}, [], None
    for name, eq in ORDINAL_STEPS.items():
        res = fit_wlsmv_groups(model, data, group, ordered=ordered, group_equal=eq, group_order=group_order)
        res.merged = merged
        res.fit_measures.update(ordinal_robust_measures(res, constrained=bool(eq)))
        fits[name] = res
        fm = res.fit_measures
        row = {"model": name, **{k: fm[k] for k in ("npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea",
                                                   "srmr", "aic", "bic")}}
        row.update({k: fm.get(k, math.nan) for k in ROBUST_INVARIANCE_COLUMNS[:-2]})
        row.update({"estimator": "WLSMV", "test": "scaled.shifted"})
        if prev is None:
            ok = all(fit_verdict(m, fm[k]) in ("good", "acceptable")
                     for m, k in (("cfi", "cfi.scaled"), ("rmsea", "rmsea.scaled")))
            row.update({"chisq.diff": math.nan, "df.diff": math.nan, "pvalue.diff": math.nan,
                        "delta.cfi": math.nan, "delta.rmsea": math.nan, "verdict": "acceptable" if ok else "poor"})
        else:
            pf = prev.fit_measures
            dchi, ddf, pdiff = satorra2000_difference(prev, res)
            dcfi, drmsea = pf["cfi.scaled"] - fm["cfi.scaled"], fm["rmsea.scaled"] - pf["rmsea.scaled"]
            row.update({"chisq.diff": dchi, "df.diff": ddf, "pvalue.diff": pdiff, "delta.cfi": dcfi,
                        "delta.rmsea": drmsea,
                        "verdict": "holds" if dcfi <= DELTA_CFI + 1e-12 and drmsea <= DELTA_RMSEA + 1e-12
                        else "rejected"})
        if not res.converged:
            row["verdict"] = "not converged"
        rows.append(row)
        prev = res
    return pd.DataFrame(rows, columns=INVARIANCE_COLUMNS + ROBUST_INVARIANCE_COLUMNS), fits


def ordinal_robust_measures(res, constrained: bool) -> dict:
    """The robust CFI/TLI/RMSEA (with its 90% interval) of a multi-group WLSMV fit
    (:func:`csat.sem.wlsmv.fit_wlsmv_groups`), as lavaan 0.6.14's ``lav_fit_catml_dwls`` (Savalei 2021):
    ``XX3 = Σ_g n_g F_ML(R̂_g; R_g)`` (the ML discrepancy of the implied from the polychoric correlations at
    the DWLS estimates), ``c3 = tr(Uᵀ V U Γ)/df`` with ``U = I − Δ P⁻¹ Δᵀ W`` over the stacked correlation
    rows (``W = ⊕ f_g W_g``, ``V = ⊕ f_g ½Dᵀ(R̂_g⁻¹⊗R̂_g⁻¹)D`` on the correlations, ``Γ = ⊕ Γ_g/f_g``, ``P`` the
    fit's information), the baseline's ``XX3₀ = −Σ_g n_g log|R_g|`` and ``c3₀ = tr(Γ)/df₀``; then
    ``cfi.robust = 1 − max(XX3 − c3 df, 0)/max(XX3 − c3 df, XX3₀ − c3₀ df₀, 0)``, ``tli.robust`` likewise,
    ``rmsea.robust = √max(XX3/(N' df) − c3/N', 0)·√G`` (``N' = N − G``) and its interval from ``XX3/c3``
    (:func:`csat.sem.fitmeasures.robust_fit_measures`).

    lavaan refits the model as "catML" without its threshold and intercept rows; with equality constraints on
    the thresholds (every Wu & Estabrook step after the configural one, ``constrained=True``) that refit fails
    and lavaan 0.6.14 reports NA — and so do we.  NA too when a group's polychoric matrix is not positive
    definite (as lavaan)."""
    keys = ("cfi.robust", "tli.robust", "rmsea.robust", "rmsea.ci.lower.robust", "rmsea.ci.upper.robust")
    nan = {k: math.nan for k in keys}
    parts, fm = res.parts, res.fit_measures
    if constrained or parts is None or "implied" not in parts:
        return nan
    G, N, df = len(res.n), int(fm["ntotal"]), int(fm["df"])
    est = res.estimates
    p = int(((est["op"] == "~*~") & (est["group"] == 1)).sum())
    ii = np.array([i for j in range(p - 1) for i in range(j + 1, p)], dtype=int)
    jj = np.array([j for j in range(p - 1) for i in range(j + 1, p)], dtype=int)
    pstar = len(ii)
    fg = np.asarray(parts["fg"], float)
    XX3 = XX3n = 0.0
    Wl, Vl, Gl, Dl = [], [], [], []
    for g in range(G):
        n_g = res.n[g]

        def full(v):
            R = np.eye(p)
            R[ii, jj] = R[jj, ii] = v[-pstar:]
            return R
        S, R = full(np.asarray(parts["s"][g], float)), full(np.asarray(parts["implied"][g], float))
        if np.linalg.eigvalsh(S).min() < math.sqrt(np.finfo(float).eps):
            return nan
        ld_S, ld_R = np.linalg.slogdet(S)[1], np.linalg.slogdet(R)[1]
        Om = np.linalg.inv(R)
        XX3 += n_g * (ld_R + float(np.sum(Om * S)) - ld_S - p)
        XX3n += -n_g * ld_S
        V = (Om[ii[:, None], ii[None, :]] * Om[jj[:, None], jj[None, :]]
             + Om[ii[:, None], jj[None, :]] * Om[jj[:, None], ii[None, :]])
        Vl.append(fg[g] * V)
        Wl.append(fg[g] * np.asarray(parts["w"][g], float)[-pstar:])
        Gl.append(np.asarray(parts["nacov"][g], float)[-pstar:, -pstar:] / fg[g])
        Dl.append(np.asarray(parts["Delta"][g], float)[-pstar:])
    from scipy.linalg import block_diag
    D = np.vstack(Dl)
    w = np.concatenate(Wl)
    V, Gam = block_diag(*Vl), block_diag(*Gl)
    WiU = np.eye(len(w)) - (D @ parts["info_inv"] @ D.T) * w[None, :]
    c3 = float(np.sum((WiU.T @ V @ WiU) * Gam.T)) / df if df > 0 else math.nan
    dfb = G * pstar
    c3n = float(np.trace(Gam)) / dfb
    out = robust_fit_measures({"chisq": XX3, "df": df, "baseline.chisq": XX3n, "baseline.df": dfb,
                               "ntotal": N - G}, c3, c3n, groups=G,
                              corrected={"XX3": XX3, "c3": c3, "XX3_null": XX3n, "c3_null": c3n})
    return {k: out.get(k, math.nan) for k in keys}


def invariance_level(table: pd.DataFrame) -> str:
    """The highest level reached: ``"none"`` (configural fit poor), ``"configural"``, ``"thresholds"``
    (ordinal items: equal thresholds, :func:`ordinal_invariance`), ``"metric"`` or ``"scalar"`` (a step
    counts only if every step before it holds)."""
    v = dict(zip(table["model"], table["verdict"]))
    if v.get("configural") != "acceptable":
        return "none"
    if "thresholds" in v and v["thresholds"] != "holds":
        return "configural"
    if v.get("metric") != "holds":
        return "thresholds" if "thresholds" in v else "configural"
    if v.get("scalar") != "holds":
        return "metric"
    return "scalar"


def fit_columns(table: pd.DataFrame) -> tuple[str, str, str]:
    """The CFI, TLI and RMSEA columns an invariance table's verdicts read: the plain ones (ML), the
    robust ones (MLR/MLM, complete data or FIML) when every step has them, else the scaled ones (WLSMV, whose
    robust CFI/RMSEA lavaan 0.6.14 gives for the configural model only, not under equality constraints:
    :func:`ordinal_robust_measures`)."""
    if "estimator" not in table.columns:
        return "cfi", "tli", "rmsea"
    if table[["cfi.robust", "rmsea.robust"]].isna().any().any():
        return "cfi.scaled", "tli.scaled", "rmsea.scaled"
    return "cfi.robust", "tli.robust", "rmsea.robust"


def invariance_diagnostics(table: pd.DataFrame, group: str) -> list:
    """Diagnostics of an invariance table: ``nonconvergence`` (error), ``noninvariance`` (warning, the
    first step that fails), ``poor_fit`` (warning, configural model).

    Parameters
    ----------
    table : DataFrame
        The table of :func:`invariance`.
    group : str
        The grouping column (named in ``where``).

    Returns
    -------
    list of csat.core.diagnostics.Diagnostic
        See :func:`invariance` for an example.
    """
    from csat.core.diagnostics import diagnostic

    out = []
    for _, r in table.iterrows():
        if r["verdict"] == "not converged":
            message = NOT_CONVERGED[r["model"]]
            out.append(diagnostic("nonconvergence", "error", f"invariance across {group}: {r['model']}", message,
                                  group=group))
    v = dict(zip(table["model"], table["verdict"]))
    if v.get("configural") == "poor":
        c = table.iloc[0]
        cfi_key, _, rmsea_key = fit_columns(table)
        out.append(diagnostic("poor_fit", "warning", f"invariance across {group}: configural",
                              "The configural model across {group} fits poorly (CFI = {cfi:.3f}, "
                              "RMSEA = {rmsea:.3f}); the groups do not share one measurement model.",
                              group=group, cfi=c[cfi_key], rmsea=c[rmsea_key]))
    for step in ("thresholds", "metric", "scalar"):
        if v.get(step) == "rejected":
            r = table[table["model"] == step].iloc[0]
            out.append(diagnostic("noninvariance", "warning", f"invariance across {group}: {step}", NOT_INVARIANT[step],
                                  group=group, delta_cfi=r["delta.cfi"], delta_rmsea=r["delta.rmsea"]))
            break
    return out


def study_invariance(data: pd.DataFrame, model: str, *, group: str | None = None, waves: str | None = None,
                     waves_order: Sequence | None = None, missing: str = "listwise", estimator: str = "ml",
                     ordered: Sequence[str] = ()) -> list[dict]:
    """The invariance analyses a study asks for: across ``group`` (params ``invariance.group``) and
    across the waves (``waves.column`` in ``waves.order``), each once.  Returns a list of
    ``{"group", "levels", "table", "fits", "estimates", "release"}``; ``estimates`` stacks the three
    models' estimates with a ``model`` column; ``release`` (ML, MLR, MLM, when a step is rejected; none
    for WLSMV): the :func:`release_tests` of the first rejected model for the parameters that step constrains
    (loadings for metric, intercepts for scalar), with Holm-adjusted ``p.holm`` — which items
    differ.  A grouping whose models cannot be fitted (e.g. a group with fewer respondents than
    items) gives ``{"group", "error"}`` instead, and the others still run.

    Parameters
    ----------
    data : DataFrame
        The cleaned data.
    model : str
        The measurement model in lavaan syntax.
    group : str, optional
        ``params.invariance.group``.
    waves, waves_order : optional
        ``params.waves.column`` and ``params.waves.order``.
    missing : {"listwise", "fiml"}
        ``params.sem_missing``.
    estimator, ordered : optional
        ``params.estimator`` (``ml``, ``mlr``, ``mlm``, ``wlsmv``) and the ordered items, passed to
        :func:`invariance`.

    Returns
    -------
    list of dict
        One entry per grouping, as described above.

    Examples
    --------
    >>> import pandas as pd
    >>> from csat.sem import multigroup
    >>> hs = pd.read_csv("../shared/datasets/holzinger1939.csv")
    >>> model = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"
    >>> run, = multigroup.study_invariance(hs, model, group="school")
    >>> run["levels"], list(run["table"]["verdict"])
    (['Pasteur', 'Grant-White'], ['poor', 'holds', 'rejected'])
    >>> run["release"].sort_values("p.holm")[["lhs", "op", "p.holm"]].head(2).round(4)
      lhs  op  p.holm
    0  x3  ~1  0.0001
    1  x7  ~1  0.0009

    (:func:`invariance` quotes the R calls.)
    """
    from csat.stats.tracking import wave_levels

    runs = []
    todo = []
    if group:
        todo.append((group, None))
    if waves and waves != group:
        todo.append((waves, wave_levels(data[waves], waves_order)))
    elif waves and waves == group:
        todo = [(waves, wave_levels(data[waves], waves_order))]
    for col, order in todo:
        try:
            table, fits = invariance(model, data, col, missing=missing, group_order=order, estimator=estimator,
                                     ordered=ordered)
        except ModelError as err:
            runs.append({"group": col, "error": str(err)})
            continue
        est = pd.concat([f.estimates.assign(model=name) for name, f in fits.items()], ignore_index=True)
        est = est[["model"] + [c for c in est.columns if c != "model"]]
        release = None
        failed = [m for m, v in zip(table["model"], table["verdict"]) if v == "rejected"]
        if failed and estimator != "wlsmv":
            kind = {"metric": "=~", "scalar": "~1"}[failed[0]]
            rt = release_tests(fits[failed[0]])
            rt = rt[rt["op"] == kind].reset_index(drop=True)
            rt["p.holm"] = _holm(rt["pvalue"].to_numpy(float))
            release = rt.assign(model=failed[0])[["model"] + list(rt.columns)]
        runs.append({"group": col, "levels": fits["configural"].group_labels, "table": table, "fits": fits,
                     "estimates": est, "release": release})
    return runs
