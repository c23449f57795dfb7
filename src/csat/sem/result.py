"""The result of a fit (lavaan's ``lavaan`` object and ``parameterEstimates``/``standardizedSolution``).

:func:`build_result` turns an estimator run (the :class:`~csat.sem.ml.CovFit` of :mod:`csat.sem.ml`,
with the :class:`~csat.sem.fiml.FimlFit` of :mod:`csat.sem.fiml` for a FIML fit) into a
:class:`SEMResult`: the estimates table with standard errors, z, p, 95% intervals and the
``std.lv``/``std.all`` standardized solution (:func:`standardize`), ``:=`` defined parameters (delta
method; :func:`row_values`, :func:`label_env` and :func:`eval_expr` evaluate them, for the bootstrap
too), R², the fit measures and the diagnostics.  :func:`result_tables` gives the results contract (fit
measures and estimates as the results files hold them).
"""
from __future__ import annotations

import ast
import math
import operator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from csat.core.errors import ModelError
from csat.core.diagnostics import Diagnostic, diagnostic
from csat.sem.fitmeasures import (FIT_RULES, RESULT_FIT_MEASURES, ROBUST_FIT_MEASURES, fit_measures, fit_verdict,
                                  reported_fit, robust_fit_measures)
from csat.sem.ml import check_identified, gradient_information

if TYPE_CHECKING:                      # pragma: no cover
    from csat.sem.fiml import FimlFit
    from csat.sem.ml import CovFit
    from csat.sem.partable import CompiledModel
    from csat.sem.robust import RobustTest

__all__ = ["SEMResult", "build_result", "result_tables", "RESULT_EST_COLUMNS", "EST_COLUMNS", "FIT_RULES",
           "standardize", "row_values", "label_env", "eval_expr", "modindex_candidates", "defined_rows"]

#: The results contract: the leading columns of cfa_estimates.csv / sem_estimates.csv (lavaan's
#: names, in lavaan's order; the fit measures are :data:`~csat.sem.fitmeasures.RESULT_FIT_MEASURES`).
RESULT_EST_COLUMNS = ["lhs", "op", "rhs", "est", "se", "z", "pvalue", "ci.lower", "ci.upper", "std.all"]


def result_tables(res: "SEMResult") -> tuple[dict, pd.DataFrame]:
    """The fit measures and the estimates of a fit as the results contract writes them.

    Parameters
    ----------
    res : SEMResult
        A fit of :func:`csat.sem.fit`.

    Returns
    -------
    fit : dict
        ``{name: value}`` for :data:`RESULT_FIT_MEASURES` (lavaan's ``fitMeasures`` names), as
        ``cfa_fit.json`` / ``sem_fit.json``.
    estimates : DataFrame
        The estimates with :data:`RESULT_EST_COLUMNS` first (``lhs, op, rhs, est, se, z, pvalue,
        ci.lower, ci.upper, std.all``; lavaan's ``parameterEstimates`` and ``standardizedSolution``),
        the other columns after them, as ``cfa_estimates.csv`` / ``sem_estimates.csv``.

    Examples
    --------
    A small structural model on Bollen's political democracy data:

    >>> import pandas as pd
    >>> from csat.sem import fit as sem_fit, result_tables
    >>> pdem = pd.read_csv("../shared/datasets/political_democracy.csv")
    >>> fit, est = result_tables(sem_fit("ind60 =~ x1 + x2 + x3; dem60 =~ y1 + y2 + y3 + y4; dem60 ~ ind60", pdem))
    >>> fit["ntotal"], list(est.columns[:4])
    (75, ['lhs', 'op', 'rhs', 'est'])
    >>> est.loc[est["op"] == "~", ["lhs", "op", "rhs", "est", "se", "std.all"]].round(3)
         lhs op    rhs    est     se  std.all
    7  dem60  ~  ind60  1.439  0.379     0.46

    In R, with ``fit <- sem(model, PoliticalDemocracy)``:
    ``subset(parameterEstimates(fit), op == "~")$se`` → 0.379 and
    ``subset(standardizedSolution(fit), op == "~")$est.std`` → 0.460.
    """
    fit = {k: res.fit_measures.get(k) for k in RESULT_FIT_MEASURES}
    if "chisq.scaled" in res.fit_measures:
        fit.update({"estimator": res.estimator, "test": res.test,
                    **{k: res.fit_measures.get(k) for k in ROBUST_FIT_MEASURES}})
    est = res.estimates
    return fit, est[RESULT_EST_COLUMNS + [c for c in est.columns if c not in RESULT_EST_COLUMNS]]


EST_COLUMNS = ["lhs", "op", "rhs", "label", "est", "se", "z", "pvalue", "ci.lower", "ci.upper",
               "std.lv", "std.all"]


# --------------------------------------------------------------------------------------------
# helpers on a fitted model
# --------------------------------------------------------------------------------------------
_FUNCS = {"sqrt": math.sqrt, "exp": math.exp, "log": math.log, "abs": abs}
_BIN = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
        ast.Pow: operator.pow}


def eval_expr(expr: str, env: dict[str, float]) -> float:
    """Evaluate a ``:=`` expression (labels, numbers, + − × / ^, sqrt/exp/log/abs) without ``eval``."""
    def ev(nd):
        if isinstance(nd, ast.Expression):
            return ev(nd.body)
        if isinstance(nd, ast.Constant):
            return float(nd.value)
        if isinstance(nd, ast.Name):
            return env[nd.id]
        if isinstance(nd, ast.BinOp):
            return _BIN[type(nd.op)](ev(nd.left), ev(nd.right))
        if isinstance(nd, ast.UnaryOp):
            return -ev(nd.operand) if isinstance(nd.op, ast.USub) else ev(nd.operand)
        if isinstance(nd, ast.Call):
            return _FUNCS[nd.func.id](ev(nd.args[0]))
        raise ModelError(f"unsupported expression {expr!r}")
    try:
        return float(ev(ast.parse(expr.replace("^", "**"), mode="eval")))
    except (ValueError, ZeroDivisionError, OverflowError):
        return math.nan


def row_values(cm: CompiledModel, theta: np.ndarray, S: np.ndarray) -> np.ndarray:
    """Estimate of every row of ``cm.rows`` (fixed values, fixed.x values from S, free values)."""
    A, Sm = cm.matrices(theta, S)
    R = cm.rows
    out = np.empty(len(R))
    for k, (mat, i, j) in enumerate(zip(R["mat"], R["i"], R["j"])):
        out[k] = A[i, j] if mat == "A" else Sm[i, j]
    return out


def standardize(cm: CompiledModel, est: np.ndarray, A: np.ndarray, Sm: np.ndarray, E: np.ndarray,
                 rows: pd.DataFrame | None = None, kind: str = "all") -> np.ndarray:
    """lavaan's ``std.all`` (kind="all") or ``std.lv`` (kind="lv") of the row estimates ``est``.

    With total variances ``d = diag(E Smat Eᵀ)`` and ``s = √d`` (``std.lv``: s = 1 for observed
    variables): a path ``i ← j`` becomes ``est · s_j / s_i``; a variance ``est / s_i²``; a
    covariance ``est / √(Smat_ii Smat_jj)`` (lavaan's ``cov.std``: residual covariances are
    divided by residual standard deviations).
    """
    rows = cm.rows if rows is None else rows
    tot = np.diag(E @ Sm @ E.T).copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(np.where(tot > 0, tot, np.nan))
        if kind == "lv":
            sd[: cm.p] = 1.0
        res_sd = np.sqrt(np.where(np.diag(Sm) > 0, np.diag(Sm), np.nan))
        if kind == "lv":
            lat_res = res_sd.copy()
            lat_res[: cm.p] = 1.0
            res_sd = lat_res
        out = np.empty(len(rows))
        for k, (mat, i, j) in enumerate(zip(rows["mat"], rows["i"], rows["j"])):
            if mat == "A":
                out[k] = est[k] * sd[j] / sd[i]
            elif i == j:
                out[k] = est[k] / sd[i] ** 2
            else:
                out[k] = est[k] / (res_sd[i] * res_sd[j])
    return out


def modindex_candidates(cm: CompiledModel) -> pd.DataFrame:
    """The parameters a score test may free, as lavaan's ``lav_partable_full`` for ``modindices()``:
    rows ``lhs, op, rhs, mat, i, j`` for the loadings of every latent variable on every observed variable
    that is not a fixed.x covariate or a regression outcome, the covariances among those observed
    variables and among the latent variables, and the regressions among the variables of the structural
    part; parameters already in the model are left out."""
    names = cm.names
    have = {(r.mat, r.i, r.j) for r in cm.rows.itertuples()}
    reg = cm.rows[cm.rows["op"] == "~"]
    eqs = list(dict.fromkeys(list(reg["lhs"]) + list(reg["rhs"])))
    eqs_y_ov = set(reg["lhs"]) & set(cm.observed)
    inds = set(cm.rows.loc[cm.rows["op"] == "=~", "rhs"])
    ov_nox = [v for v in cm.observed if v not in set(cm.ov_x)]
    other = {v for v in ov_nox if v not in inds and v not in set(eqs)}
    cand = []
    seen = set()

    def push(lhs, op, rhs, mat, i, j):
        if (mat, i, j) in have or (mat, i, j) in seen:
            return
        seen.add((mat, i, j))
        cand.append((lhs, op, rhs, mat, i, j))
    for f in cm.latent:                               # loadings: every latent x every indicator
        for v in ov_nox:
            if v not in eqs_y_ov:
                push(f, "=~", v, "A", names.index(v), names.index(f))
    for a_ in range(len(ov_nox)):                     # (residual) covariances of observed variables
        for b_ in range(a_ + 1, len(ov_nox)):
            va, vb = ov_nox[a_], ov_nox[b_]
            if va in other or vb in other:
                continue
            i, j = names.index(va), names.index(vb)
            push(va, "~~", vb, "S", max(i, j), min(i, j))
    for a_ in range(len(cm.latent)):                  # latent (residual) covariances
        for b_ in range(a_ + 1, len(cm.latent)):
            i, j = names.index(cm.latent[a_]), names.index(cm.latent[b_])
            push(cm.latent[a_], "~~", cm.latent[b_], "S", max(i, j), min(i, j))
    for y in eqs:                                     # regressions among variables of the structural part
        for x in eqs:
            if y == x or (y in inds and y in set(cm.observed) and x in set(cm.latent)):
                continue
            if y in set(cm.ov_x):
                continue
            push(y, "~", x, "A", names.index(y), names.index(x))
    return pd.DataFrame(cand, columns=["lhs", "op", "rhs", "mat", "i", "j"])


@dataclass
class SEMResult:
    """A fitted SEM (see :func:`csat.sem.fit`), lavaan's fitted ``lavaan`` object.

    Matrices are in RAM order (observed, then latent): ``Lambda`` (p × k loadings), ``Beta``
    (k × k latent regressions), ``Psi`` (k × k latent (residual) covariances), ``Theta`` (p × p
    residual covariances), and ``A``/``Smat`` for all variables.  The methods give lavaan's
    ``lavInspect(fit, "cor.lv")`` (:meth:`latent_cor`), ``resid(fit, type = "cor")``
    (:meth:`residuals`), ``resid(fit, type = "standardized")`` (:meth:`standardized_residuals`)
    and ``modindices(fit)`` (:meth:`modindices`).

    Examples
    --------
    >>> import pandas as pd
    >>> from csat import sem
    >>> hs = pd.read_csv("../shared/datasets/holzinger1939.csv")
    >>> res = sem.fit("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9", hs)
    >>> float(round(res.latent_cor().loc["visual", "textual"], 3))
    0.459
    >>> float(round(res.residuals().loc["x7", "x2"], 3))
    -0.189
    >>> res.modindices(top=2).round(3)
          lhs  op rhs      mi    epc  sepc.all
    0  visual  =~  x9  36.411  0.577     0.515
    1      x7  ~~  x8  34.145  0.536     0.859

    In R (``fit <- cfa(model, data = HolzingerSwineford1939)``):
    ``lavInspect(fit, "cor.lv")["visual", "textual"]`` → 0.459,
    ``resid(fit, type = "cor")$cov["x7", "x2"]`` → -0.189,
    ``modindices(fit, sort. = TRUE)$mi[1]`` → 36.411 and ``modindices(fit, sort. = TRUE)$epc[1]`` → 0.577.
    """

    estimates: pd.DataFrame
    fit_measures: dict
    r2: pd.DataFrame
    converged: bool
    iterations: int
    diagnostics: list
    sample_cov: pd.DataFrame
    implied_cov: pd.DataFrame
    n: int
    observed: list
    latent: list
    Lambda: pd.DataFrame
    Beta: pd.DataFrame
    Psi: pd.DataFrame
    Theta: pd.DataFrame
    A: pd.DataFrame
    Smat: pd.DataFrame
    model: CompiledModel = field(repr=False)
    theta: np.ndarray = field(repr=False)
    vcov: np.ndarray = field(repr=False)
    missing: str = "listwise"
    sample_mean: pd.Series | None = None
    implied_mean: pd.Series | None = None
    #: lavaan's estimator and test names: "ML"/"standard", "MLR"/"yuan.bentler.mplus", "MLM"/"satorra.bentler"
    estimator: str = "ML"
    test: str = "standard"

    # -- latent moments ---------------------------------------------------------------------
    def _E(self) -> np.ndarray:
        return np.linalg.inv(np.eye(self.model.m) - self.A.to_numpy())

    def all_cov(self) -> pd.DataFrame:
        """Model-implied covariance matrix of all variables (observed and latent)."""
        E = self._E()
        C = E @ self.Smat.to_numpy() @ E.T
        return pd.DataFrame(C, index=self.model.names, columns=self.model.names)

    def latent_cov(self) -> pd.DataFrame:
        """Model-implied covariance matrix of the latent variables (lavaan ``lavInspect(fit, "cov.lv")``)."""
        E = self._E()
        C = E @ self.Smat.to_numpy() @ E.T
        k = [self.model.names.index(v) for v in self.latent]
        return pd.DataFrame(C[np.ix_(k, k)], index=self.latent, columns=self.latent)

    def latent_cor(self) -> pd.DataFrame:
        """Model-implied correlation matrix of the latent variables (``lavInspect(fit, "cor.lv")``)."""
        C = self.latent_cov().to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            d = 1 / np.sqrt(np.diag(C))
        return pd.DataFrame(C * d[:, None] * d[None, :], index=self.latent, columns=self.latent)

    # -- residuals ----------------------------------------------------------------------------
    def residuals(self) -> pd.DataFrame:
        """Correlation residuals ``cor(S) − cor(Σ̂)`` (lavaan ``resid(fit, type = "cor")``); with
        ``missing="fiml"`` S is the saturated (EM) estimate of the covariance matrix."""
        S, Sig = self.sample_cov.to_numpy(), self.implied_cov.to_numpy()
        ds, dm = 1 / np.sqrt(np.diag(S)), 1 / np.sqrt(np.diag(Sig))
        R = S * ds[:, None] * ds[None, :] - Sig * dm[:, None] * dm[None, :]
        return pd.DataFrame(R, index=self.observed, columns=self.observed)

    def standardized_residuals(self) -> pd.DataFrame:
        """Standardized covariance residuals, as lavaan ``resid(fit, type = "standardized")``.

        ``z_ij = (s_ij − σ̂_ij) / √ACOV(r)_ij`` with ``ACOV(r) = Q ACOV(s) Qᵀ``,
        ``Q = I − Δ A₀⁻¹ Δᵀ A₁`` (Bentler & Dijkstra 1985; Ogasawara 2001): ``Δ = ∂vech Σ/∂θ``,
        ``A₁ = ½ Dᵀ(Σ̂⁻¹ ⊗ Σ̂⁻¹)D`` the unit expected information of the saturated model at Σ̂,
        ``A₀ = Δᵀ A₁ Δ`` and ``ACOV(s) = 2 D⁺(S ⊗ S)D⁺ᵀ / N``.  Elements whose residual and
        variance are both numerically zero (e.g. the diagonal) are 0; other zero-variance ones NaN.
        """
        if self.missing != "listwise":
            raise ModelError("standardized residuals are only available for complete data (missing='listwise'); "
                             "use residuals() for the correlation residuals")
        cm = self.model
        S, Sig = self.sample_cov.to_numpy(), self.implied_cov.to_numpy()
        p = cm.p
        ii, jj = np.tril_indices(p)
        Dm = np.zeros((p * p, len(ii)))
        Dm[ii * p + jj, np.arange(len(ii))] = 1.0
        Dm[jj * p + ii, np.arange(len(ii))] = 1.0
        Dp = np.linalg.pinv(Dm)
        Om = np.linalg.inv(Sig)
        A1 = 0.5 * Dm.T @ np.kron(Om, Om) @ Dm
        acov_s = 2 * Dp @ np.kron(S, S) @ Dp.T / self.n
        U, V = cm._uv(self._E(), self.Smat.to_numpy(), *cm._entries())
        Delta = (U[ii] * V[jj] + V[ii] * U[jj]) @ cm._P
        A0 = Delta.T @ A1 @ Delta
        Q = np.eye(len(ii)) - Delta @ np.linalg.pinv(A0) @ Delta.T @ A1
        var = np.diag(Q @ acov_s @ Q.T)
        res = (S - Sig)[ii, jj]
        scale = np.abs(S).max()
        with np.errstate(invalid="ignore", divide="ignore"):
            z = np.where(var > 1e-14 * scale ** 2 / self.n, res / np.sqrt(np.abs(var)), np.nan)
        z[np.isnan(z) & (np.abs(res) < 1e-8 * scale)] = 0.0
        Z = np.full((p, p), np.nan)
        Z[ii, jj] = z
        Z[jj, ii] = z
        return pd.DataFrame(Z, index=self.observed, columns=self.observed)

    # -- modification indices ----------------------------------------------------------------
    def modindices(self, top: int | None = 10) -> pd.DataFrame:
        """Modification indices (score tests) of fixed-to-zero parameters, as lavaan ``modindices()``.

        Candidates as lavaan's ``lav_partable_full``: loadings of every latent variable on every
        observed variable that is not a fixed.x covariate or a regression outcome, covariances
        among those observed variables and among the latent variables, and regressions among the
        variables of the structural part; parameters already in the model are left out, and so
        are candidates whose score-test variance vanishes (NaN ``mi``).  With unit expected information
        ``I`` over (model + candidate) parameters and the score ``s = ½ ∂F/∂θ``:
        ``mi = N s² / (I₁₁ − I₁₂ I₂₂⁻¹ I₂₁)``, ``epc = −s / (I₁₁ − I₁₂ I₂₂⁻¹ I₂₁)`` (Sörbom 1989),
        ``sepc.all`` the ``std.all`` rescaling of ``epc``.  Sorted by ``mi`` descending; ``top``
        rows (all with ``top=None``).
        """
        if self.missing != "listwise":
            raise ModelError("modification indices are only available for complete data (missing='listwise')")
        cm = self.model
        A = self.A.to_numpy()
        Sm = self.Smat.to_numpy()
        cand = modindex_candidates(cm)
        cols = ["lhs", "op", "rhs", "mi", "epc", "sepc.all"]
        if not len(cand):
            return pd.DataFrame(columns=cols)
        cmat, ci, cj = (cand["mat"] == "S").to_numpy(int), cand["i"].to_numpy(), cand["j"].to_numpy()
        E = self._E()
        S = self.sample_cov.to_numpy()
        Sig = self.implied_cov.to_numpy()
        Om = np.linalg.inv(Sig)
        U1, V1 = cm._uv(E, Sm, *cm._entries())
        U2, V2 = cm._uv(E, Sm, cmat, ci, cj)
        # model entries are aggregated to parameters through P; candidates one column each
        OU1, OV1, OU2, OV2 = Om @ U1, Om @ V1, Om @ U2, Om @ V2

        def T(Ua, Va, OUb, OVb):
            return 2 * ((Ua.T @ OUb) * (Va.T @ OVb) + (Ua.T @ OVb) * (Va.T @ OUb))
        P = cm._P
        I22 = 0.5 * P.T @ T(U1, V1, OU1, OV1) @ P
        I12 = 0.5 * T(U2, V2, OU1, OV1) @ P
        I11 = 0.5 * np.diag(T(U2, V2, OU2, OV2))
        W = Om - Om @ S @ Om
        g = 2 * np.einsum("pe,pe->e", U2, W @ V2)
        score = 0.5 * g
        v = I11 - np.einsum("ek,kl,el->e", I12, np.linalg.pinv(I22), I12)
        with np.errstate(invalid="ignore", divide="ignore"):
            v = np.where(v < np.finfo(float).eps ** (1 / 3), np.nan, v)
            mi = self.n * score ** 2 / v
            epc = -score / v
        sepc = standardize(cm, epc, A, Sm, E, rows=cand, kind="all")
        out = cand[["lhs", "op", "rhs"]].assign(mi=mi, epc=epc, **{"sepc.all": sepc})
        out = out[np.isfinite(out["mi"])]
        out = out.sort_values("mi", ascending=False, kind="stable").reset_index(drop=True)
        return out if top is None else out.head(top)



# --------------------------------------------------------------------------------------------
# diagnostics
# --------------------------------------------------------------------------------------------
def _diagnostics(res: "SEMResult") -> list[Diagnostic]:
    """Admissibility and fit checks of a fitted model (codes listed in :func:`fit`)."""
    out: list[Diagnostic] = []
    est = res.estimates
    if not res.converged:
        out.append(diagnostic("nonconvergence", "error", "model",
                              "The estimation did not converge after {iterations} iterations; "
                              "estimates are not trustworthy.", iterations=res.iterations))
    var = est[(est["op"] == "~~") & (est["lhs"] == est["rhs"])]
    for lhs, rhs, e in zip(var["lhs"], var["rhs"], var["est"]):
        if e < 0:
            out.append(diagnostic("heywood", "error", f"{lhs} ~~ {rhs}",
                                  "Negative variance estimate for {variable} ({est:.3f}): a Heywood case.",
                                  variable=lhs, est=e))
    chk = est[est["op"].isin(["=~", "~"]) | ((est["op"] == "~~") & (est["lhs"] != est["rhs"]))]
    for lhs, op, rhs, std in zip(chk["lhs"], chk["op"], chk["rhs"], chk["std.all"]):
        if np.isfinite(std) and abs(std) > 1:
            out.append(diagnostic("std_gt_1", "error", f"{lhs} {op} {rhs}",
                                  "Standardized estimate {std:.3f} exceeds 1 in absolute value.", std=std))
    if res.latent:
        C = res.latent_cov().to_numpy()
        ev = np.linalg.eigvalsh(C)
        if ev.min() <= 0:
            out.append(diagnostic("latent_not_pd", "error", "latent covariance matrix",
                                  "The latent covariance matrix is not positive definite (smallest eigenvalue "
                                  "{eigenvalue:.3g}).", eigenvalue=ev.min()))
        Rl = res.latent_cor().to_numpy()
        if len(res.latent) > 1 and np.all(np.isfinite(Rl)):
            for a in range(len(res.latent)):
                for b in range(a):
                    if abs(Rl[a, b]) > 0.95:
                        out.append(diagnostic("ill_conditioned", "warning", f"{res.latent[b]} ~~ {res.latent[a]}",
                                              "Latent correlation {r:.3f} between {a} and "
                                              "{b} exceeds 0.95: the constructs are hardly distinct.",
                                              r=Rl[a, b], a=res.latent[b], b=res.latent[a]))
            evr = np.linalg.eigvalsh(Rl)
            if evr.min() > 0 and evr.max() / evr.min() > 1e3:
                out.append(diagnostic("ill_conditioned", "warning", "latent correlation matrix",
                                      "The latent correlation matrix is ill-conditioned (condition number "
                                      "{condition:.3g}).", condition=evr.max() / evr.min()))
    cm = res.model
    fixed_zero = {r.lhs for r in cm.rows.itertuples()
                  if r.op == "~~" and r.lhs == r.rhs and r.free < 0 and r.value == 0}
    for variable, r2 in zip(res.r2["variable"], res.r2["r2"]):
        if r2 > 0.99 and variable not in fixed_zero:    # R² = 1 by design: no error term
            out.append(diagnostic("r2_near_1", "warning", str(variable),
                                  "R² of {variable} is {r2:.3f} (> 0.99).", variable=variable, r2=r2))
    fm = reported_fit(res.fit_measures)          # a robust fit is judged on its robust CFI, TLI, RMSEA
    for m, (good, acc, hib) in FIT_RULES.items():
        verdict = fit_verdict(m, fm.get(m))
        v = fm.get(m)
        if verdict in ("", "good"):
            continue
        if verdict == "acceptable":
            out.append(diagnostic("acceptable_fit", "info", m,
                                  "{measure} = {value:.3f} is acceptable but not good ({relation} {good} is good).",
                                  measure=m.upper(), value=v, relation="≥" if hib else "≤", good=good))
        else:
            out.append(diagnostic("poor_fit", "warning", m,
                                  "{measure} = {value:.3f} indicates poor fit ({relation} {acceptable} is acceptable).",
                                  measure=m.upper(), value=v, relation="≥" if hib else "≤", acceptable=acc))
    return out


def build_result(cm: CompiledModel, cf: CovFit, S: np.ndarray, n: int, *,
                 fiml: FimlFit | None = None, robust: "RobustTest | None" = None) -> SEMResult:
    """The :class:`SEMResult` of the fit ``cf`` of ``cm`` to the covariance matrix ``S`` of ``n`` cases.

    Standard errors from the expected information at ``cf.theta`` (:func:`csat.sem.ml.gradient_information`)
    or, for a FIML fit, from ``fiml`` (:func:`csat.sem.fiml.fiml_fit`: observed information, means and fit
    measures; ``S`` is then the saturated EM estimate).  Raises :class:`ModelError` when the information
    is singular (:func:`csat.sem.ml.check_identified`).  With ``robust`` (:mod:`csat.sem.robust`: MLR,
    MLM) the standard errors come from its covariance matrix and the fit measures gain the scaled and
    robust ones (:func:`csat.sem.fitmeasures.robust_fit_measures`).
    """
    from scipy import stats
    theta = cf.theta
    Sigma, E, Sm, A = cm.implied(theta, S)
    if fiml is None:
        _, g, H = gradient_information(cm, theta, S)
        check_identified(cm, H)
        vcov = np.linalg.inv(0.5 * n * H)
    else:
        check_identified(cm, fiml.hessian[: cm.npar, : cm.npar])
        if robust is not None:
            from dataclasses import replace
            fiml = replace(fiml, vcov=robust.vcov)
        vcov_all = fiml.vcov
        vcov = vcov_all[: cm.npar, : cm.npar]
    if robust is not None and fiml is None:
        vcov = robust.vcov
    rows = cm.rows
    est = row_values(cm, theta, S)
    se = np.zeros(len(rows))
    fr = rows["free"].to_numpy()
    se[fr >= 0] = np.sqrt(np.maximum(np.diag(vcov)[fr[fr >= 0]], 0))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(fr >= 0, est / se, np.nan)
    pval = 2 * stats.norm.sf(np.abs(z))
    q = stats.norm.ppf(0.975)
    std_all = standardize(cm, est, A, Sm, E, kind="all")
    std_lv = standardize(cm, est, A, Sm, E, kind="lv")
    tab = pd.DataFrame({"lhs": rows["lhs"], "op": rows["op"], "rhs": rows["rhs"], "label": rows["label"],
                        "est": est, "se": se, "z": z, "pvalue": pval, "ci.lower": est - q * se,
                        "ci.upper": est + q * se, "std.lv": std_lv, "std.all": std_all})
    # exogenous fixed.x rows: lavaan reports se 0 and no z
    if fiml is not None:
        tab = pd.concat([tab, fiml.intercept_rows(cm, Sigma, E @ Sm @ E.T)], ignore_index=True)
    if cm.defined:
        tab = pd.concat([tab, defined_rows(cm, theta, vcov, S, std_all, std_lv)], ignore_index=True)
    p = cm.p
    names = cm.names
    Lam = A[:p, p:]
    Beta = A[p:, p:]
    fm = fit_measures(cm, S, Sigma, n, cf.fmin) if fiml is None else fiml.fit_measures
    if robust is not None:
        fm = {**fm, **robust_fit_measures(fm, robust.scaling_factor, robust.baseline_scaling_factor,
                                          robust=fiml is None or robust.corrected is not None,
                                          corrected=robust.corrected),
              "estimator": robust.estimator, "test": robust.test}
    tot = np.diag(E @ Sm @ E.T)
    endo = [k for k in range(cm.m) if np.any(A[k] != 0) or (k < p and names[k] in set(rows.loc[rows["op"] == "=~", "rhs"]))]
    r2v = np.array([1 - Sm[k, k] / tot[k] for k in endo])
    r2v[(r2v < 0) | (r2v > 1)] = np.nan     # lavaan: NA for an inadmissible solution
    r2 = pd.DataFrame({"variable": [names[k] for k in endo], "r2": r2v})
    ob, lt = cm.observed, cm.latent
    res = SEMResult(
        estimates=tab, fit_measures=fm, r2=r2, converged=cf.converged, iterations=cf.iterations, diagnostics=[],
        sample_cov=pd.DataFrame(S, index=ob, columns=ob), implied_cov=pd.DataFrame(Sigma, index=ob, columns=ob),
        n=n, observed=list(ob), latent=list(lt), Lambda=pd.DataFrame(Lam, index=ob, columns=lt),
        Beta=pd.DataFrame(Beta, index=lt, columns=lt), Psi=pd.DataFrame(Sm[p:, p:], index=lt, columns=lt),
        Theta=pd.DataFrame(Sm[:p, :p], index=ob, columns=ob), A=pd.DataFrame(A, index=names, columns=names),
        Smat=pd.DataFrame(Sm, index=names, columns=names), model=cm, theta=theta, vcov=vcov,
        missing="listwise" if fiml is None else "fiml",
        sample_mean=None if fiml is None else pd.Series(fiml.h1_mean, index=ob),
        implied_mean=None if fiml is None else pd.Series(fiml.mu, index=ob),
        estimator="ML" if robust is None else robust.estimator, test="standard" if robust is None else robust.test)
    res.diagnostics = _diagnostics(res)
    return res


def label_env(cm: CompiledModel, rowvals: np.ndarray) -> dict[str, float]:
    """``{label: value}`` of the labelled rows of ``cm.rows`` (first row of a label wins), ``rowvals``
    being one value per row (:func:`row_values`, or standardized values): the names a ``:=``
    expression may use (:func:`eval_expr`)."""
    env = {}
    for lab, v in zip(cm.rows["label"], rowvals):
        if lab and lab not in env:
            env[lab] = float(v)
    return env


def defined_rows(cm: CompiledModel, theta: np.ndarray, vcov: np.ndarray, S: np.ndarray | None,
                 std_all: np.ndarray, std_lv: np.ndarray) -> pd.DataFrame:
    """``:=`` rows: value of the expression, delta-method SE ``√(∇f Cov(θ̂) ∇fᵀ)`` with a central-
    difference gradient (``vcov`` the covariance of the free parameters, ML's or WLSMV's robust one; ``S``
    the sample covariance for fixed.x rows, or None), and the expression evaluated at the standardized
    estimates."""
    from scipy import stats
    out = []
    q = stats.norm.ppf(0.975)
    for name, expr in cm.defined:
        def f(th):
            env = label_env(cm, row_values(cm, th, S))
            for nm, ex in cm.defined:       # earlier defined parameters may be used
                if nm == name:
                    break
                env[nm] = eval_expr(ex, env)
            return eval_expr(expr, env)

        val = f(theta)
        grad = np.empty(cm.npar)
        for k in range(cm.npar):
            h = 1e-6 * max(1.0, abs(theta[k]))
            tp, tm = theta.copy(), theta.copy()
            tp[k] += h
            tm[k] -= h
            grad[k] = (f(tp) - f(tm)) / (2 * h)
        se = math.sqrt(max(grad @ vcov @ grad, 0.0))
        z = val / se if se > 0 else math.nan

        def fstd(vals):
            env = label_env(cm, vals)
            for nm, ex in cm.defined:
                if nm == name:
                    break
                env[nm] = eval_expr(ex, env)
            return eval_expr(expr, env)
        out.append({"lhs": name, "op": ":=", "rhs": expr, "label": name, "est": val, "se": se, "z": z,
                    "pvalue": 2 * stats.norm.sf(abs(z)) if np.isfinite(z) else math.nan,
                    "ci.lower": val - q * se, "ci.upper": val + q * se,
                    "std.lv": fstd(std_lv), "std.all": fstd(std_all)})
    return pd.DataFrame(out)



def result_diagnostics(res: SEMResult) -> list[Diagnostic]:
    """The admissibility and fit diagnostics of a fitted :class:`SEMResult` (those :func:`build_result`
    attaches), for estimators that build their result themselves (:mod:`csat.sem.wlsmv`)."""
    return _diagnostics(res)
