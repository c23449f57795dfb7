"""Robust ML: lavaan's ``estimator = "MLR"`` and ``estimator = "MLM"`` on top of an ML (or FIML) fit.

The point estimates are ML's; what changes is the covariance matrix of the estimates and the test.
Everything is written in the moments ``m = (μ, vech Σ)`` of each group (the means only with a mean
structure: multi-group and FIML fits) and their Jacobian ``Δ_g = ∂m_g/∂θ``:

* ``A₁(Σ)``: the unit expected information of the saturated normal model,
  ``blockdiag(Σ⁻¹, ½ Dᵀ(Σ⁻¹ ⊗ Σ⁻¹)D)`` (D the duplication matrix);
* ``B₁(μ, Σ) = (1/n) Σ_i s_i s_iᵀ``, the first-order information from the casewise scores ``s_i``
  of the normal log-likelihood at (μ, Σ) (observed part of each case under FIML);
* ``Γ``: the sample covariance of ``(x_i, vech (x_i − x̄)(x_i − x̄)ᵀ)`` (divisor n, lavaan's NACOV);
* ``E``: the unit information of the model (observed for MLR: numeric Hessian of the analytic
  gradient, lavaan's ``observed.information = "hessian"``; expected ``Σ_g f_g Δ_gᵀ A₁(Σ̂_g) Δ_g`` for
  MLM), ``f_g = n_g/N``.

**MLR** (lavaan 0.6: ``se = "robust.huber.white"``, ``information = "observed"``,
``h1.information = "structured"``, ``test = "yuan.bentler.mplus"``):
``Cov(θ̂) = E⁻¹ B₀ E⁻¹ / N`` with ``B₀ = Σ_g f_g Δ_gᵀ B₁(μ̂_g, Σ̂_g) Δ_g``; the scaling factor
``c = [Σ_g tr(B₁(h1_g) A₁(h1_g)⁻¹) − tr(E⁻¹ B₀)] / df`` with the h1 moments unstructured (the sample
moments, or EM's under FIML, where A₁ is then the observed information of the saturated model).

**MLM** (``se = "robust.sem"``, ``information = "expected"``, ``test = "satorra.bentler"``):
``Cov(θ̂) = E⁻¹ M E⁻¹ / N`` with ``M = Σ_g f_g Δ_gᵀ W_g Γ_g W_g Δ_g``, ``W_g = A₁(Σ̂_g)``;
``c = [Σ_g tr(W_g Γ_g) − tr(E⁻¹ M)] / df`` (Satorra & Bentler 1994).

In both, ``chisq.scaled = chisq / c``; the baseline (independence) model gets its own ``c_b`` the same
way, for ``cfi.scaled`` and the robust CFI/TLI (:func:`csat.sem.fitmeasures.robust_fit_measures`).
Nested models: :func:`scaled_difference` (Satorra & Bentler 2001, lavaan ``lavTestLRT``'s default).

References: Satorra & Bentler (1994, 2001); Yuan & Bentler (2000); Muthén & Muthén (Mplus MLR);
Savalei (2018) and Brosseau-Liard, Savalei & Li (2012, 2014) for the robust CFI and RMSEA;
lavaan 0.6.14, ``lav_model_vcov.R``, ``lav_test_yuan_bentler.R``, ``lav_test_satorra_bentler.R``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from csat.core.errors import ModelError

__all__ = ["ROBUST", "RobustTest", "GroupMoments", "casewise_scores", "h1_information", "nacov",
           "numeric_jacobian", "robust_ml", "robust_single", "fiml_corrected", "baseline_moments", "baseline_delta",
           "scaled_difference"]

#: estimator name → (lavaan's estimator label, lavaan's test name)
ROBUST = {"mlr": ("MLR", "yuan.bentler.mplus"), "mlm": ("MLM", "satorra.bentler")}


@dataclass
class RobustTest:
    """What robust ML adds to an ML fit: the robust ``vcov`` (same parameters as the ML one), the
    scaling factors of the model and of the baseline model (``chisq.scaled = chisq / scaling_factor``)
    and lavaan's ``scaling.factor.h1``/``h0`` (MLR only, else NaN)."""

    estimator: str
    test: str
    vcov: np.ndarray
    scaling_factor: float
    baseline_scaling_factor: float
    scaling_factor_h1: float = math.nan
    scaling_factor_h0: float = math.nan
    #: FIML only: lavaan's FIML-corrected statistics of the robust CFI/TLI/RMSEA (:func:`fiml_corrected`)
    corrected: dict | None = None


@dataclass
class GroupMoments:
    """One group's data and moments for :func:`robust_ml`.

    ``X``: its rows (NaN = missing, FIML only); ``mu``, ``Sigma``: the model-implied moments (``mu`` the
    sample means without a mean structure); ``h1_mu``, ``h1_Sigma``: the saturated estimates (sample
    moments, or EM's); ``delta``: ``∂(μ, vech Σ)/∂θ`` (μ rows only with ``meanstructure``);
    ``base_mu``, ``base_Sigma``, ``base_delta``: the same for the baseline (independence) model, whose
    parameters are numbered over all groups."""

    X: np.ndarray
    mu: np.ndarray
    Sigma: np.ndarray
    h1_mu: np.ndarray
    h1_Sigma: np.ndarray
    delta: np.ndarray
    base_mu: np.ndarray
    base_Sigma: np.ndarray
    base_delta: np.ndarray


def _duplication(p: int) -> np.ndarray:
    """The duplication matrix D (``vec Σ = D vech Σ``), vech in ``np.tril_indices`` order."""
    ii, jj = np.tril_indices(p)
    D = np.zeros((p * p, len(ii)))
    D[ii * p + jj, np.arange(len(ii))] = 1.0
    D[jj * p + ii, np.arange(len(ii))] = 1.0
    return D


def h1_information(Sigma: np.ndarray, meanstructure: bool) -> np.ndarray:
    """Unit expected information of the saturated normal model at Σ over ``(μ, vech Σ)``:
    ``blockdiag(Σ⁻¹, ½ Dᵀ(Σ⁻¹ ⊗ Σ⁻¹)D)`` (the μ block only with ``meanstructure``)."""
    p = Sigma.shape[0]
    Om = np.linalg.inv(Sigma)
    D = _duplication(p)
    C = 0.5 * D.T @ np.kron(Om, Om) @ D
    if not meanstructure:
        return C
    k = C.shape[0]
    out = np.zeros((p + k, p + k))
    out[:p, :p] = Om
    out[p:, p:] = C
    return out


def casewise_scores(X: np.ndarray, mu: np.ndarray, Sigma: np.ndarray, meanstructure: bool = True) -> np.ndarray:
    """Casewise gradients of the normal log-likelihood at (μ, Σ) over ``(μ, vech Σ)``, one row per case
    (lavaan's ``lav_mvnorm_scores_mu_vech_sigma``); a case with missing values contributes its observed
    part (FIML).  Mean part ``Σ_o⁻¹(x_o − μ_o)``; covariance part ``z_a z_b − (Σ_o⁻¹)_ab`` off the
    diagonal and half that on it, with ``z = Σ_o⁻¹(x_o − μ_o)``."""
    X = np.asarray(X, dtype=float)
    n, p = X.shape
    ii, jj = np.tril_indices(p)
    half = np.where(ii == jj, 0.5, 1.0)
    obs = np.isfinite(X)
    keys, inv = np.unique(obs, axis=0, return_inverse=True)
    inv = np.asarray(inv).ravel()
    out = np.zeros((n, (p if meanstructure else 0) + len(ii)))
    for k, o in enumerate(keys):
        rows = np.flatnonzero(inv == k)
        if not o.any():
            continue
        Om_o = np.linalg.inv(Sigma[np.ix_(o, o)])
        Z = np.zeros((len(rows), p))
        Z[:, o] = (X[np.ix_(rows, np.flatnonzero(o))] - mu[o]) @ Om_o
        Om = np.zeros((p, p))
        Om[np.ix_(o, o)] = Om_o
        cov = (Z[:, ii] * Z[:, jj] - Om[ii, jj]) * half
        out[rows] = np.concatenate([Z, cov], axis=1) if meanstructure else cov
    return out


def nacov(X: np.ndarray, meanstructure: bool) -> np.ndarray:
    """Γ: the covariance (divisor n) of ``(x_i, vech (x_i − x̄)(x_i − x̄)ᵀ)`` — the asymptotic
    covariance of the sample moments without normality (lavaan's ``NACOV``; complete data)."""
    Xc = X - X.mean(axis=0)
    ii, jj = np.tril_indices(X.shape[1])
    d = Xc[:, ii] * Xc[:, jj]
    if meanstructure:
        d = np.concatenate([Xc, d], axis=1)
    d = d - d.mean(axis=0)
    return d.T @ d / len(X)


def numeric_jacobian(fun: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    """Central-difference Jacobian of ``fun`` at ``x`` (columns: the coordinates of x)."""
    x = np.asarray(x, dtype=float)
    cols = []
    for j in range(len(x)):
        h = 1e-6 * max(1.0, abs(x[j]))
        e = np.zeros(len(x))
        e[j] = h
        cols.append((np.asarray(fun(x + e)) - np.asarray(fun(x - e))) / (2 * h))
    return np.column_stack(cols)


def _moments(mu: np.ndarray, Sigma: np.ndarray, meanstructure: bool) -> np.ndarray:
    ii, jj = np.tril_indices(Sigma.shape[0])
    return np.concatenate([mu, Sigma[ii, jj]]) if meanstructure else Sigma[ii, jj]


def _h1_observed(X: np.ndarray, mu: np.ndarray, Sigma: np.ndarray) -> np.ndarray:
    """Unit observed information of the saturated model at (μ, Σ) for incomplete data: the numeric
    derivative of the summed casewise scores (mean structure included)."""
    p = len(mu)
    ii, jj = np.tril_indices(p)
    m0 = _moments(mu, Sigma, True)

    def grad(m):
        S = np.zeros((p, p))
        S[ii, jj] = m[p:]
        S[jj, ii] = m[p:]
        return casewise_scores(X, m[:p], S, True).sum(axis=0)
    H = -numeric_jacobian(grad, m0) / len(X)
    return 0.5 * (H + H.T)


def _inv(M: np.ndarray, what: str) -> np.ndarray:
    try:
        return np.linalg.inv(M)
    except np.linalg.LinAlgError:
        raise ModelError(f"robust standard errors: the {what} is singular") from None


def robust_ml(groups: Sequence[GroupMoments], estimator: str, *, df: int, baseline_df: int,
              information: np.ndarray | None = None, meanstructure: bool = False,
              missing: str = "listwise") -> RobustTest:
    """Robust standard errors and scaling factors of an ML fit (see the module docstring).

    ``estimator``: ``"mlr"`` or ``"mlm"``; ``information``: the model's unit observed information (MLR;
    ``vcov_ML = information⁻¹ / N``); ``meanstructure``: whether the moments include the means (then
    every ``delta`` has the μ rows first); ``missing="fiml"`` (MLR only): incomplete rows, and the h1
    information of the test is the observed information at the EM estimates.
    """
    if estimator not in ROBUST:
        raise ModelError(f"unknown robust estimator {estimator!r}; use 'mlr' or 'mlm'")
    if estimator == "mlm" and missing != "listwise":
        raise ModelError("estimator mlm needs complete data (lavaan: MLM is not available with missing = 'ml'); "
                         "use mlr with sem_missing: fiml")
    N = sum(len(g.X) for g in groups)
    f = [len(g.X) / N for g in groups]
    label, test = ROBUST[estimator]

    def b1(g, mu, Sigma):
        sc = casewise_scores(g.X, mu, Sigma, meanstructure)
        return sc.T @ sc / len(g.X)

    if estimator == "mlr":
        if information is None:
            raise ModelError("estimator mlr needs the model's observed information")
        Einv = _inv(information, "observed information matrix")
        B0 = sum(fg * g.delta.T @ b1(g, g.mu, g.Sigma) @ g.delta for fg, g in zip(f, groups))
        vcov = Einv @ B0 @ Einv / N
        tr_h1 = 0.0
        for g in groups:
            A1 = (_h1_observed(g.X, g.h1_mu, g.h1_Sigma) if missing == "fiml"
                  else h1_information(g.h1_Sigma, meanstructure))
            tr_h1 += float(np.sum(b1(g, g.h1_mu, g.h1_Sigma) * _inv(A1, "h1 information").T))
        tr_h0 = float(np.sum(B0 * Einv.T))
        # baseline: its observed information is Δ_bᵀ H₁ Δ_b (Δ_b linear), H₁ = A₁ at the MLE for complete data
        Eb = sum(fg * g.base_delta.T @ ((_h1_observed(g.X, g.base_mu, g.base_Sigma) if missing == "fiml"
                                         else h1_information(g.base_Sigma, meanstructure)) @ g.base_delta)
                 for fg, g in zip(f, groups))
        Bb = sum(fg * g.base_delta.T @ b1(g, g.base_mu, g.base_Sigma) @ g.base_delta for fg, g in zip(f, groups))
        tr_b = float(np.sum(Bb * _inv(Eb, "baseline information").T))
        ndat = sum(g.delta.shape[0] for g in groups)
        c = (tr_h1 - tr_h0) / df if df > 0 else math.nan
        cb = (tr_h1 - tr_b) / baseline_df if baseline_df > 0 else math.nan
        return RobustTest(label, test, vcov, _positive(c), _positive(cb), tr_h1 / ndat,
                          tr_h0 / information.shape[0])
    W = [h1_information(g.Sigma, meanstructure) for g in groups]
    Gam = [nacov(g.X, meanstructure) for g in groups]
    E = sum(fg * g.delta.T @ Wg @ g.delta for fg, g, Wg in zip(f, groups, W))
    Einv = _inv(E, "expected information matrix")
    M = sum(fg * g.delta.T @ Wg @ Gg @ Wg @ g.delta for fg, g, Wg, Gg in zip(f, groups, W, Gam))
    vcov = Einv @ M @ Einv / N
    trWG = sum(float(np.sum(Wg * Gg.T)) for Wg, Gg in zip(W, Gam))
    c = (trWG - float(np.sum(M * Einv.T))) / df if df > 0 else math.nan
    Wb = [h1_information(g.base_Sigma, meanstructure) for g in groups]
    Eb = sum(fg * g.base_delta.T @ Wg @ g.base_delta for fg, g, Wg in zip(f, groups, Wb))
    Mb = sum(fg * g.base_delta.T @ Wg @ Gg @ Wg @ g.base_delta for fg, g, Wg, Gg in zip(f, groups, Wb, Gam))
    trWGb = sum(float(np.sum(Wg * Gg.T)) for Wg, Gg in zip(Wb, Gam))
    cb = (trWGb - float(np.sum(Mb * _inv(Eb, "baseline information").T))) / baseline_df if baseline_df > 0 else math.nan
    return RobustTest(label, test, vcov, _positive(c), _positive(cb))


def _positive(c: float) -> float:
    return float(c) if np.isfinite(c) and c > 0 else math.nan


def baseline_moments(X: np.ndarray, h1_mu: np.ndarray, missing: str) -> tuple[np.ndarray, np.ndarray]:
    """The independence model's ML moments: per-variable means and (divisor n) variances of the observed
    values (available cases under FIML: the likelihood factorizes), zero covariances."""
    mu = np.array([np.mean(X[np.isfinite(X[:, j]), j]) for j in range(X.shape[1])]) if missing == "fiml" else h1_mu
    var = np.array([np.var(X[np.isfinite(X[:, j]), j]) for j in range(X.shape[1])])
    return mu, np.diag(var)


def baseline_delta(p: int, meanstructure: bool, offset: int, total: int) -> np.ndarray:
    """``∂(μ, vech Σ)/∂(baseline parameters)`` of one group: the baseline parameters are its p means
    (with a mean structure) and p variances, numbered from ``offset`` among ``total``."""
    ii, jj = np.tril_indices(p)
    k = (p if meanstructure else 0) + len(ii)
    D = np.zeros((k, total))
    col = offset
    if meanstructure:
        for j in range(p):
            D[j, col] = 1.0
            col += 1
    base = p if meanstructure else 0
    for r in np.flatnonzero(ii == jj):
        D[base + r, col] = 1.0
        col += 1
    return D


def scaled_difference(chisq0: float, df0: int, c0: float, chisq1: float, df1: int, c1: float) -> tuple[float, int, float]:
    """The Satorra–Bentler (2001) scaled χ² difference of nested models (0 the more restricted one, as
    lavaan ``lavTestLRT(..., method = "satorra.bentler.2001")``, its default for MLR and MLM):
    ``c_d = (df₀ c₀ − df₁ c₁)/(df₀ − df₁)``, ``T_d = (χ²₀ − χ²₁)/c_d`` on ``df₀ − df₁`` degrees of
    freedom.  Returns ``(T_d, df_d, p)``; NaN when ``c_d ≤ 0`` or the models are not nested."""
    from scipy import stats
    ddf = df0 - df1
    if ddf <= 0 or not (np.isfinite(c0) and np.isfinite(c1)):
        return math.nan, ddf, math.nan
    cd = (df0 * c0 - df1 * c1) / ddf
    if cd <= 0:
        return math.nan, ddf, math.nan
    t = (chisq0 - chisq1) / cd
    return float(t), int(ddf), float(stats.chi2.sf(max(t, 0.0), ddf))


def robust_single(cm, theta: np.ndarray, ss, estimator: str, *, fiml_mu: np.ndarray | None = None,
                  fiml_hessian: np.ndarray | None = None) -> RobustTest:
    """:func:`robust_ml` for a single-group fit of the compiled model ``cm`` at ``theta`` with the sample
    statistics ``ss`` (:func:`csat.sem.samplestats.sample_stats`).  Complete data: no mean structure,
    Δ = ∂vech Σ/∂θ; MLR's observed information is the numeric Hessian of ½F's analytic gradient
    (:func:`csat.sem.ml.value_gradient`).  FIML (``ss.missing == "fiml"``, MLR only): the parameters are
    (θ, μ) as :func:`csat.sem.fiml.fiml_fit`'s, with its means ``fiml_mu`` and observed Hessian of F
    ``fiml_hessian``."""
    from csat.sem.fiml import numeric_hessian
    from csat.sem.ml import value_gradient

    if cm.ov_x:
        raise ModelError(f"estimator {estimator}: observed exogenous covariates ({', '.join(cm.ov_x)}) are "
                         "not supported; model them as single-indicator constructs or use estimator ml")
    p, q = cm.p, cm.npar
    ii, jj = np.tril_indices(p)
    fiml = ss.missing == "fiml"
    Sigma = cm.implied(theta)[0]
    if not fiml:
        delta = numeric_jacobian(lambda t: cm.implied(t)[0][ii, jj], theta)
        info = None
        if estimator == "mlr":
            logdetS = np.linalg.slogdet(ss.cov)[1]
            info = 0.5 * numeric_hessian(lambda t: value_gradient(cm, t, ss.cov, logdetS)[1], theta)
        bmu, bS = baseline_moments(ss.X, ss.mean, "listwise")
        g = GroupMoments(ss.X, ss.mean, Sigma, ss.mean, ss.cov, delta, bmu, bS,
                         baseline_delta(p, False, 0, p))
        return robust_ml([g], estimator, df=cm.df, baseline_df=p * (p - 1) // 2, information=info)
    ds = numeric_jacobian(lambda t: cm.implied(t)[0][ii, jj], theta)
    delta = np.zeros((p + len(ii), q + p))
    delta[:p, q:] = np.eye(p)
    delta[p:, :q] = ds
    bmu, bS = baseline_moments(ss.X, ss.mean, "fiml")
    g = GroupMoments(ss.X, fiml_mu, Sigma, ss.mean, ss.cov, delta, bmu, bS, baseline_delta(p, True, 0, 2 * p))
    rt = robust_ml([g], estimator, df=cm.df, baseline_df=p * (p - 1) // 2, information=0.5 * fiml_hessian,
                   meanstructure=True, missing="fiml")
    rt.corrected = fiml_corrected(g, df=cm.df, baseline_df=p * (p - 1) // 2)
    return rt


def _ml_discrepancy(mu: np.ndarray, Sigma: np.ndarray, m: np.ndarray, S: np.ndarray) -> float:
    """Complete-data ML discrepancy with means, of the moments (μ, Σ) from the sample moments (m, S)."""
    Om = np.linalg.inv(Sigma)
    d = m - mu
    return float(np.linalg.slogdet(Sigma)[1] + np.trace(S @ Om) + d @ Om @ d - np.linalg.slogdet(S)[1] - len(m))


def fiml_corrected(g: GroupMoments | Sequence[GroupMoments], *, df: int, baseline_df: int) -> dict:
    """lavaan's FIML-corrected statistics for the robust RMSEA and CFI under missing data (Zhang & Savalei's
    FIML-C, lavaan ``lav_fit_fiml_corrected`` version "V3", used with a scaled test):
    ``XX3 = Σ_g n_g F_ML(μ̂_g, Σ̂_g; m̃_g, S̃_g)``, the complete-data discrepancy of the FIML estimates from the
    saturated (EM) moments; ``c3 = tr(U W_m⁻¹ W_c W_m⁻¹ U Γ)/df`` with ``W_m = ⊕ f_g W_m,g`` the observed
    information of the saturated model, ``W_c = ⊕ f_g W_c,g`` its complete-data information at (m̃, S̃),
    ``Γ = ⊕ W_m,g⁻¹ J_g W_m,g⁻¹ / f_g`` (J the first-order information), ``U = W_m − W_m Δ (Δᵀ W_m Δ)⁻¹ Δᵀ W_m``
    (Δ stacked over the groups) and ``W_m⁻¹`` the inverse of ``W_m``; the same for the baseline model.
    ``g``: one group's moments or the list of a multi-group fit's.  Returns ``{XX3, c3, XX3_null, c3_null}``."""
    from scipy.linalg import block_diag
    groups = [g] if isinstance(g, GroupMoments) else list(g)
    N = sum(len(gr.X) for gr in groups)
    Wm_l, Wc_l, Wmi_l, Gam_l = [], [], [], []
    XX3 = XX3n = 0.0
    for gr in groups:
        n_g = len(gr.X)
        f = n_g / N
        Wm = _h1_observed(gr.X, gr.h1_mu, gr.h1_Sigma)
        sc = casewise_scores(gr.X, gr.h1_mu, gr.h1_Sigma, True)
        Wmi = _inv(Wm, "h1 information")
        Gam_l.append(Wmi @ (sc.T @ sc / n_g) @ Wmi / f)
        Wm_l.append(f * Wm)
        Wmi_l.append(Wmi / f)
        Wc_l.append(f * h1_information(gr.h1_Sigma, True))
        XX3 += n_g * _ml_discrepancy(gr.mu, gr.Sigma, gr.h1_mu, gr.h1_Sigma)
        XX3n += n_g * _ml_discrepancy(gr.base_mu, gr.base_Sigma, gr.h1_mu, gr.h1_Sigma)
    Wm, Wc, Wmi, Gam = block_diag(*Wm_l), block_diag(*Wc_l), block_diag(*Wmi_l), block_diag(*Gam_l)
    M = Wmi @ Wc @ Wmi

    def trace(D):
        WD = Wm @ D
        U = Wm - WD @ np.linalg.solve(D.T @ WD, WD.T)
        return float(np.sum((U @ M @ U) * Gam.T))
    D = np.vstack([gr.delta for gr in groups])
    Db = np.vstack([gr.base_delta for gr in groups])
    return {"XX3": XX3, "c3": trace(D) / df, "XX3_null": XX3n, "c3_null": trace(Db) / baseline_df}
