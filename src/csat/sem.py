"""Structural equation models by maximum likelihood, matching lavaan 0.6 (``sem()``/``cfa()``).

Model (RAM form, McArdle & McDonald 1984)
-----------------------------------------
All variables, observed then latent, form one vector v = A v + u with ``Cov(u) = S`` (called
``Smat`` below to avoid a clash with the sample covariance).  ``A[i, j]`` is the direct effect
of j on i (a loading ``f =~ x`` is ``A[x, f]``, a regression ``y ~ x`` is ``A[y, x]``) and
``Smat`` holds the (residual) variances and covariances.  With ``E = (I − A)⁻¹`` and ``F`` the
selection of the observed variables the implied covariance matrix is::

    Σ(θ) = F E Smat Eᵀ Fᵀ

Every free matrix cell enters ``Σ`` through a derivative of rank-two form
``∂Σ/∂θ_e = u vᵀ + v uᵀ``: for ``A[i, j]`` ``u = G[:, i]``, ``v = (G Smat Eᵀ)[:, j]``; for
``Smat[i, j]`` ``u = G[:, i]``, ``v = G[:, j]`` (halved when i = j), with ``G = F E``.  This gives
the analytic gradient, the expected Hessian and the exact Hessian in closed form.

Estimation (Jöreskog 1969; lavaan defaults, Rosseel 2012)
----------------------------------------------------------
The ML discrepancy ``F = log|Σ| + tr(S Σ⁻¹) − log|S| − p`` (S the biased, divide-by-N sample
covariance) is minimised by Fisher scoring with step halving; its gradient is
``∂F/∂θ_e = 2 uᵀ (Σ⁻¹ − Σ⁻¹ S Σ⁻¹) v`` and its expected Hessian
``tr(Σ⁻¹ ∂Σ_e Σ⁻¹ ∂Σ_f)``.  Standard errors come from the expected information
``I = ½ Δᵀ (Σ⁻¹ ⊗ Σ⁻¹) Δ`` (``se = "standard"``, ``information = "expected"``):
``Cov(θ̂) = (N I)⁻¹``; ``χ² = N F(θ̂)``.  Defined parameters (``:=``) get delta-method standard
errors with a numerical Jacobian.

lavaan defaults reproduced: marker-variable identification (first loading fixed at 1) unless
``std_lv``; free residual variances; free covariances among exogenous latent variables and among
the residuals of "pure" endogenous variables (``auto.cov.y``: latent or observed variables that
are regressed but predict nothing and are no indicator); observed exogenous covariates
(``fixed.x``) have their variances and covariances fixed at the sample values.

Fit measures follow lavaan's ``fitMeasures`` (see :func:`fit_measures`).  Incomplete data:
``missing="fiml"`` is casewise ML with a saturated mean structure (lavaan ``missing = "ml"``,
Arbuckle 1996), see :func:`_fit_fiml`.

For resampling, :func:`build_model` compiles the model once and
:meth:`CompiledModel.fit_cov` refits from a covariance matrix (warm-startable).
"""
from __future__ import annotations

import ast
import math
import operator
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import optimize, stats

from .params import suggest
from .results import Diagnostic
from .syntax import ModelSyntaxError, latent_names, observed_names, parse_model

__all__ = ["ModelError", "CompiledModel", "SEMResult", "build_model", "fit", "fit_measures",
           "FIT_MEASURES", "ModelSyntaxError"]

FIT_MEASURES = ["npar", "chisq", "df", "pvalue", "cfi", "tli", "nfi", "gfi", "agfi", "rmsea",
                "rmsea.ci.lower", "rmsea.ci.upper", "srmr", "aic", "bic", "logl", "ntotal",
                "baseline.chisq", "baseline.df"]
#: The results contract: the fit measures written to cfa_fit.json / sem_fit.json, and the leading
#: columns of cfa_estimates.csv / sem_estimates.csv (lavaan's names, in lavaan's order).
RESULT_FIT_MEASURES = FIT_MEASURES[:17]
RESULT_EST_COLUMNS = ["lhs", "op", "rhs", "est", "se", "z", "pvalue", "ci.lower", "ci.upper", "std.all"]


def result_tables(res: "SEMResult") -> tuple[dict, pd.DataFrame]:
    """The fit measures and the estimates of a fit as the results contract writes them:
    ``{name: value}`` for :data:`RESULT_FIT_MEASURES`, and the estimates with
    :data:`RESULT_EST_COLUMNS` first (the other columns after them)."""
    fit = {k: res.fit_measures.get(k) for k in RESULT_FIT_MEASURES}
    est = res.estimates
    return fit, est[RESULT_EST_COLUMNS + [c for c in est.columns if c not in RESULT_EST_COLUMNS]]


EST_COLUMNS = ["lhs", "op", "rhs", "label", "est", "se", "z", "pvalue", "ci.lower", "ci.upper",
               "std.lv", "std.all"]


from .errors import ModelError  # noqa: E402,F401  (defined in csat.errors; re-exported here)


# --------------------------------------------------------------------------------------------
# compiled model
# --------------------------------------------------------------------------------------------
@dataclass
class CompiledModel:
    """A parsed model with its index arrays, built once by :func:`build_model`.

    ``rows`` is the full parameter table (user rows, then lavaan's automatic rows) with columns
    ``lhs, op, rhs, label, mat ('A'|'S'), i, j, free (parameter number or -1), value, exo, user``.
    """

    table: pd.DataFrame
    rows: pd.DataFrame
    observed: list[str]
    latent: list[str]
    ov_x: list[str]
    npar: int
    std_lv: bool
    defined: list[tuple[str, str]]
    # index arrays of the free entries (one per matrix cell; several cells may share a parameter)
    _ent_mat: np.ndarray = field(repr=False, default=None)
    _ent_i: np.ndarray = field(repr=False, default=None)
    _ent_j: np.ndarray = field(repr=False, default=None)
    _ent_par: np.ndarray = field(repr=False, default=None)
    _A0: np.ndarray = field(repr=False, default=None)
    _S0: np.ndarray = field(repr=False, default=None)
    _exo_idx: np.ndarray = field(repr=False, default=None)

    @property
    def p(self) -> int:
        return len(self.observed)

    @property
    def m(self) -> int:
        return len(self.observed) + len(self.latent)

    @property
    def names(self) -> list[str]:
        return self.observed + self.latent

    @property
    def df(self) -> int:
        p, px = self.p, len(self.ov_x)
        return p * (p + 1) // 2 - px * (px + 1) // 2 - self.npar

    # -- matrices --------------------------------------------------------------------------
    def matrices(self, theta: np.ndarray, S: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(A, Smat)`` at parameter vector ``theta`` (fixed.x block from the sample ``S``)."""
        A = self._A0.copy()
        Sm = self._S0.copy()
        if S is not None and len(self._exo_idx):
            ix = self._exo_idx
            Sm[np.ix_(ix, ix)] = S[np.ix_(ix, ix)]
        val = theta[self._ent_par]
        a = self._ent_mat == 0
        A[self._ent_i[a], self._ent_j[a]] = val[a]
        s = ~a
        Sm[self._ent_i[s], self._ent_j[s]] = val[s]
        Sm[self._ent_j[s], self._ent_i[s]] = val[s]
        return A, Sm

    def implied(self, theta: np.ndarray, S: np.ndarray | None = None):
        """``(Σ, E, Smat, A)`` with ``E = (I − A)⁻¹``."""
        A, Sm = self.matrices(theta, S)
        E = np.linalg.inv(np.eye(self.m) - A)
        G = E[: self.p]
        Sigma = G @ Sm @ G.T
        return 0.5 * (Sigma + Sigma.T), E, Sm, A

    def _uv(self, E: np.ndarray, Sm: np.ndarray, ent_mat, ent_i, ent_j):
        """Vectors u, v (p × n_entries) with ∂Σ/∂(entry) = u vᵀ + v uᵀ."""
        G = E[: self.p]
        H = G @ Sm @ E.T                     # p × m: H[:, j] = (F E Smat Eᵀ)[:, j]
        U = G[:, ent_i].copy()
        V = np.where(ent_mat[None, :] == 0, H[:, ent_j], G[:, ent_j])
        diag = (ent_mat == 1) & (ent_i == ent_j)
        V[:, diag] *= 0.5
        return U, V

    def _entries(self):
        return self._ent_mat, self._ent_i, self._ent_j

    def _agg(self, x: np.ndarray) -> np.ndarray:
        return np.bincount(self._ent_par, weights=x, minlength=self.npar)

    def objective(self, theta: np.ndarray, S: np.ndarray, logdetS: float | None = None) -> float:
        """ML discrepancy ``F = log|Σ| + tr(S Σ⁻¹) − log|S| − p`` (inf when Σ is not positive definite)."""
        try:
            Sigma, *_ = self.implied(theta, S)
            L = np.linalg.cholesky(Sigma)
        except np.linalg.LinAlgError:
            return math.inf
        if logdetS is None:
            logdetS = np.linalg.slogdet(S)[1]
        Li = np.linalg.inv(L)
        ld = 2 * np.log(np.diag(L)).sum()
        return float(ld + np.sum((Li @ S) * Li) - logdetS - self.p)

    def gradient_information(self, theta: np.ndarray, S: np.ndarray):
        """``(F, ∇F, ℋ)``: discrepancy, analytic gradient and expected Hessian
        ``ℋ_kl = tr(Σ⁻¹ ∂Σ_k Σ⁻¹ ∂Σ_l)`` (= 2 × unit expected information)."""
        Sigma, E, Sm, _ = self.implied(theta, S)
        L = np.linalg.cholesky(Sigma)
        Om = np.linalg.inv(Sigma)
        Om = 0.5 * (Om + Om.T)
        U, V = self._uv(E, Sm, *self._entries())
        OU, OV = Om @ U, Om @ V
        W = Om - Om @ S @ Om
        g_e = 2 * np.einsum("pe,pe->e", U, W @ V)
        UU, VV, UV = U.T @ OU, V.T @ OV, U.T @ OV
        T = 2 * (UU * VV + UV * UV.T)
        P = self._P
        Hs = P.T @ T @ P
        F = 2 * np.log(np.diag(L)).sum() + np.sum(Om * S) - np.linalg.slogdet(S)[1] - self.p
        return float(F), self._agg(g_e), 0.5 * (Hs + Hs.T)

    # -- starting values -------------------------------------------------------------------
    def start_values(self, S: np.ndarray) -> np.ndarray:
        """Starting values: loadings and factor variance from the first principal component of
        each factor's indicators (scaled to the marker), residual variances
        ``max(s_jj − λ²ψ, 0.3 s_jj)``, regressions and covariances 0, fixed values as given."""
        p = self.p
        names = self.names
        idx = {v: k for k, v in enumerate(names)}
        A, Sm = self.matrices(np.zeros(self.npar), S)
        rows = self.rows
        start_A = np.zeros_like(A)
        start_S = np.zeros_like(Sm)
        lat_var: dict[str, float] = {}
        for f in self.latent:
            r = rows[(rows["op"] == "=~") & (rows["lhs"] == f)]
            inds = [v for v in r["rhs"] if v in idx and idx[v] < p]
            if not inds:
                lat_var[f] = 0.05
                for _, rr in r.iterrows():
                    start_A[idx[rr["rhs"]], idx[f]] = 1.0 if rr["free"] >= 0 else rr["value"]
                continue
            ii = [idx[v] for v in inds]
            sub = S[np.ix_(ii, ii)]
            w, vec = np.linalg.eigh(sub)
            lam = vec[:, -1] * math.sqrt(max(w[-1], 1e-8))
            if lam.sum() < 0:
                lam = -lam
            first = r.iloc[0]
            fixed_first = first["free"] < 0 and first["rhs"] in inds and abs(first["value"]) > 0
            if fixed_first and not self.std_lv:
                k0 = inds.index(first["rhs"])
                scale = first["value"] / lam[k0] if abs(lam[k0]) > 1e-8 else 1.0
                psi = 1.0 / scale ** 2
                lam = lam * scale
            else:
                psi = 1.0
            lat_var[f] = psi
            for v, l in zip(inds, lam):
                start_A[idx[v], idx[f]] = l
        for _, rr in rows.iterrows():
            if rr["free"] < 0:
                continue
            i, j = rr["i"], rr["j"]
            if rr["mat"] == "S" and i == j:
                v = names[i]
                if i < p:
                    load = start_A[i, p:]
                    comm = sum(load[k] ** 2 * lat_var.get(self.latent[k], 1.0) for k in range(len(self.latent)))
                    start_S[i, i] = max(S[i, i] - comm, 0.3 * S[i, i]) if comm > 0 else S[i, i] * (0.5 if v in set(self.rows.loc[self.rows["op"] == "=~", "rhs"]) else 1.0)
                else:
                    start_S[i, i] = lat_var.get(v, 0.05)
        theta = np.zeros(self.npar)
        seen = np.zeros(self.npar, bool)
        for _, rr in rows.iterrows():
            k = rr["free"]
            if k < 0 or seen[k]:
                continue
            seen[k] = True
            M = start_A if rr["mat"] == "A" else start_S
            theta[k] = M[rr["i"], rr["j"]]
        # make sure Σ is positive definite at the start
        for _ in range(30):
            try:
                Sig, *_ = self.implied(theta, S)
                np.linalg.cholesky(Sig)
                break
            except np.linalg.LinAlgError:
                for _, rr in rows.iterrows():
                    if rr["free"] >= 0 and rr["mat"] == "S" and rr["i"] == rr["j"]:
                        theta[rr["free"]] = abs(theta[rr["free"]]) * 1.5 + 0.05
        return theta

    # -- estimation --------------------------------------------------------------------------
    def _index_cache(self) -> dict:
        """Index grids of the free entries for the exact Hessian (built once per model)."""
        c = getattr(self, "_cache", None)
        if c is not None:
            return c
        em, ei, ej = self._entries()
        a = np.flatnonzero(em == 0)
        sidx = np.flatnonzero(em == 1)
        c = {"a": None, "s": None,
             "P_identity": self._P.shape[0] == self._P.shape[1] and np.array_equal(self._P, np.eye(self._P.shape[0]))}
        if len(a):
            i, j = ei[a], ej[a]
            c.update(a=a, aa=np.ix_(a, a), ji=np.ix_(j, i), jj=np.ix_(j, j), ii=np.ix_(i, i))
            if len(sidx):
                sa, sb = ei[sidx], ej[sidx]
                c.update(s=sidx, as_=None, jsa=np.ix_(j, sa), jsb=np.ix_(j, sb), isa=np.ix_(i, sa),
                         isb=np.ix_(i, sb), halve=np.where(sa == sb, 0.5, 1.0)[None, :])
                c["as"] = np.ix_(a, sidx)
                c["sa"] = np.ix_(sidx, a)
        self._cache = c
        return c

    def derivatives(self, theta: np.ndarray, S: np.ndarray, logdetS: float | None = None):
        """``(F, ∇F, ℋ_expected, ℋ_exact)`` at ``theta``.

        With ``W = Σ⁻¹ − Σ⁻¹SΣ⁻¹`` the exact Hessian is
        ``∂²F/∂θ_k∂θ_l = tr(W Σ_kl) − tr(Σ⁻¹Σ_kΣ⁻¹Σ_l) + 2 tr(Σ⁻¹Σ_k Σ⁻¹SΣ⁻¹ Σ_l)``; the
        traces use the rank-two forms of ``Σ_k`` and the second derivatives ``Σ_kl`` of the RAM
        model are (``G = FE``, ``H = G Smat Eᵀ``, ``C = E Smat Eᵀ``)
        ``tr(WΣ_{A_ij,A_kl}) = 2[E_li (HᵀWG)_jk + C_lj (GᵀWG)_ki + E_jk (HᵀWG)_li]`` and
        ``tr(WΣ_{A_ij,S_ab}) = 2[E_ja (GᵀWG)_bi + E_jb (GᵀWG)_ai]`` (halved when a = b).
        """
        Sigma, E, Sm, _ = self.implied(theta, S)
        L = np.linalg.cholesky(Sigma)
        Li = np.linalg.inv(L)
        Om = Li.T @ Li
        OSO = Om @ S @ Om
        W = Om - OSO
        em, ei, ej = self._entries()
        U, V = self._uv(E, Sm, em, ei, ej)
        if logdetS is None:
            logdetS = np.linalg.slogdet(S)[1]
        F = 2 * np.log(np.diag(L)).sum() + np.sum(Om * S) - logdetS - self.p
        g_e = 2 * np.einsum("pe,pe->e", U, W @ V)
        OU, OV, SU, SV = Om @ U, Om @ V, OSO @ U, OSO @ V
        UU1, UV1, VV1 = U.T @ OU, U.T @ OV, V.T @ OV
        UU2, UV2, VV2 = U.T @ SU, U.T @ SV, V.T @ SV
        T1 = 2 * (UU1 * VV1 + UV1 * UV1.T)                       # tr(ΩΣ_kΩΣ_l)
        T2 = UV2.T * UV1 + VV2 * UU1 + UU2 * VV1 + UV2 * UV1.T   # tr(ΩΣ_k ΩSΩ Σ_l)
        T3 = np.zeros_like(T1)
        G = E[: self.p]
        H = G @ Sm @ E.T
        C = E @ Sm @ E.T
        WG = W @ G
        GWG = G.T @ WG
        HWG = H.T @ WG
        c = self._index_cache()
        if c["a"] is not None:
            # element [e1, e2] with e1 = A(i1, j1), e2 = A(k, l) = A(i2, j2):
            # E[l2, i1] HWG[j1, k2] + C[l2, j1] GWG[k2, i1] + E[j1, k2] HWG[l2, i1]
            ji, jj_, ii_ = c["ji"], c["jj"], c["ii"]
            T3[c["aa"]] = 2 * (E[ji].T * HWG[ji] + C[jj_].T * GWG[ii_].T + E[ji] * HWG[ji].T)
            if c["s"] is not None:
                tas = 2 * (E[c["jsa"]] * GWG[c["isb"]] + E[c["jsb"]] * GWG[c["isa"]])
                tas *= c["halve"]
                T3[c["as"]] = tas
                T3[c["sa"]] = tas.T
        if c["P_identity"]:
            Hf = T1
            He = T3 - T1 + 2 * T2
        else:
            P = self._P
            Hf = P.T @ T1 @ P
            He = P.T @ (T3 - T1 + 2 * T2) @ P
        return float(F), self._agg(g_e), 0.5 * (Hf + Hf.T), 0.5 * (He + He.T)

    def value_gradient(self, theta: np.ndarray, S: np.ndarray, logdetS: float):
        """``(F, ∇F)``; ``(inf, None)`` when Σ(θ) is not positive definite."""
        try:
            Sigma, E, Sm, _ = self.implied(theta, S)
            L = np.linalg.cholesky(Sigma)
        except np.linalg.LinAlgError:
            return math.inf, None
        Li = np.linalg.inv(L)
        Om = Li.T @ Li
        OS = Om @ S
        F = 2 * np.log(np.diag(L)).sum() + np.trace(OS) - logdetS - self.p
        U, V = self._uv(E, Sm, *self._entries())
        W = Om - OS @ Om
        g_e = 2 * np.einsum("pe,pe->e", U, W @ V)
        return float(F), self._agg(g_e)

    def fit_cov(self, S: np.ndarray, n: int, start: np.ndarray | None = None, *, max_iter: int = 300,
                tol: float = 1e-9, warm_iter: int = 20, restart_iter: int = 40) -> "CovFit":
        """Fit the model to the (biased) covariance matrix ``S`` of ``n`` observations.

        Newton steps with the exact Hessian where it is positive definite, Fisher scoring steps
        (expected Hessian) elsewhere, both with step halving on F.  Converged when
        ``max |∇F| < tol``, or when F cannot decrease further at machine precision and
        ``max |∇F| < 1e-6``.  With ``start`` (e.g. the full-sample estimates in a bootstrap) the
        warm start gets ``warm_iter`` iterations; if it has not converged by then, the fit
        restarts from :meth:`start_values` for at most ``restart_iter`` iterations (an
        ill-conditioned resample can otherwise drift along a flat valley towards an inadmissible
        solution; such resamples are given up quickly).
        Never raises for numerical trouble: the returned :class:`CovFit` says
        ``converged=False`` (and carries the lowest F found).
        """
        S = np.asarray(S, dtype=float)
        logdetS = np.linalg.slogdet(S)[1]
        if start is not None:
            first = self._optimize(np.array(start, dtype=float), S, logdetS, min(warm_iter, max_iter), tol)
            if first.converged or warm_iter >= max_iter:
                return first
            second = self._optimize(self.start_values(S), S, logdetS,
                                    min(max_iter - first.iterations, restart_iter), tol)
            second.iterations += first.iterations
            if second.converged or not np.isfinite(first.fmin) or second.fmin <= first.fmin:
                return second
            first.iterations = second.iterations
            return first
        return self._optimize(self.start_values(S), S, logdetS, max_iter, tol)

    def _optimize(self, theta: np.ndarray, S: np.ndarray, logdetS: float, max_iter: int, tol: float) -> "CovFit":
        Fv = self.objective(theta, S, logdetS)
        q = self.npar
        g = np.full(q, np.nan)
        Hf = None
        it = 0
        converged = False
        if not np.isfinite(Fv):
            return CovFit(theta=theta, fmin=math.inf, gradient=g, hessian=None, converged=False, iterations=0)
        history = [Fv]
        while it < max_iter:
            it += 1
            try:
                Fv, g, Hf, He = self.derivatives(theta, S, logdetS)
            except np.linalg.LinAlgError:
                break
            gmax = np.max(np.abs(g), initial=0.0)
            if gmax < tol:
                converged = True
                break
            try:
                Lh = np.linalg.cholesky(He)
                step = np.linalg.solve(Lh.T, np.linalg.solve(Lh, g))
            except np.linalg.LinAlgError:
                try:
                    step = np.linalg.solve(Hf + 1e-12 * np.eye(q) * np.trace(Hf) / max(q, 1), g)
                except np.linalg.LinAlgError:
                    step = np.linalg.lstsq(Hf, g, rcond=None)[0]
            alpha, improved = 1.0, False
            for _ in range(30):
                cand = theta - alpha * step
                Fc = self.objective(cand, S, logdetS)
                if Fc <= Fv + 1e-15 * max(1.0, abs(Fv)):
                    improved = True
                    break
                alpha *= 0.5
            if not improved:
                converged = bool(gmax < 1e-6)
                break
            theta, Fv = cand, Fc
            history.append(Fv)
            if len(history) > 12 and history[-12] - Fv < 1e-12 * max(1.0, abs(Fv)) and gmax > 1e-6:
                break                                     # stalled: a flat valley, not an optimum
        return CovFit(theta=theta, fmin=float(Fv), gradient=g, hessian=Hf, converged=bool(converged),
                      iterations=it)


@dataclass
class CovFit:
    """Raw result of :meth:`CompiledModel.fit_cov` (``fmin`` is the discrepancy F, ``χ² = N F``)."""

    theta: np.ndarray
    fmin: float
    gradient: np.ndarray
    hessian: np.ndarray | None
    converged: bool
    iterations: int


def single_indicators(table: pd.DataFrame) -> set[str]:
    """The sole indicators of single-indicator latent variables (lavaan's ``auto.fix.single``).

    A latent variable with one ``=~`` statement (``CUSA =~ cusa``) is its indicator measured
    without error: unless the model gives the indicator's residual variance itself, it is fixed
    at 0 (as ``cusa ~~ 0*cusa``), which identifies the latent variance as the indicator's variance.
    As lavaan, an indicator that also measures another latent variable is not counted.
    """
    load = table[table["op"] == "=~"]
    counts = load["lhs"].value_counts()
    ind_counts = load["rhs"].value_counts()
    return {r for f, r in zip(load["lhs"], load["rhs"])
            if counts[f] == 1 and r != f and ind_counts[r] == 1}


def build_model(model: str | pd.DataFrame, observed_names_available: Sequence[str], *,
                std_lv: bool = False) -> CompiledModel:
    """Parse ``model`` and build the parameter table and index arrays with lavaan's defaults.

    As lavaan's ``sem()``/``cfa()`` (``auto.fix.single = TRUE``), the residual variance of the
    only indicator of a latent variable is fixed at 0 unless the model sets it (see
    :func:`single_indicators`).

    ``observed_names_available`` are the data's columns; a model variable that is neither one of
    them nor a latent variable raises :class:`ModelError` naming it and suggesting near matches.
    A model with negative degrees of freedom raises :class:`ModelError` (not identified).
    """
    table = parse_model(model) if isinstance(model, str) else model.copy()
    form = table[table["op"] == "<~"]
    if len(form):
        raise ModelError(f"line {form['line'].iloc[0]}: '{form['lhs'].iloc[0]} <~ ...' is a formative (composite) "
                         "block, which maximum likelihood does not estimate; use estimator: pls (PLS-SEM) or =~")
    lat = latent_names(table)
    ov = observed_names(table)
    avail = [str(c) for c in observed_names_available]
    missing = [v for v in ov if v not in set(avail)]
    if missing:
        v = missing[0]
        raise ModelError(f"model variable {v!r} is neither a column of the data nor a latent variable"
                         f"{suggest(v, avail + lat)}" + (f"; also missing: {missing[1:]}" if len(missing) > 1 else ""))
    body = table[table["op"] != ":="]
    labels_used = set(body["label"]) - {""}
    for _, r in body.iterrows():
        if r["op"] == "=~" and r["lhs"] == r["rhs"]:
            raise ModelError(f"line {r['line']}: latent variable {r['lhs']!r} cannot measure itself")
        if r["op"] == "~" and r["lhs"] == r["rhs"]:
            raise ModelError(f"line {r['line']}: {r['lhs']!r} cannot be regressed on itself")
    names = ov + lat
    idx = {v: k for k, v in enumerate(names)}
    p = len(ov)
    inds = list(dict.fromkeys(body.loc[body["op"] == "=~", "rhs"]))
    eqs_y = set(body.loc[body["op"] == "~", "lhs"])
    eqs_x = set(body.loc[body["op"] == "~", "rhs"])
    lv_x = [f for f in lat if f not in set(inds) and f not in eqs_y]
    ov_x = [v for v in ov if v in eqs_x and v not in eqs_y and v not in set(inds)]
    lv_y = [f for f in lat if f in eqs_y and f not in eqs_x and f not in set(inds)]
    ov_y = [v for v in ov if v in eqs_y and v not in eqs_x and v not in set(inds)]

    rows: list[dict] = []

    def add(lhs, op, rhs, label="", fixed=math.nan, free=math.nan, user=1, exo=False):
        if op == "=~":
            mat, i, j = "A", idx[rhs], idx[lhs]
        elif op == "~":
            mat, i, j = "A", idx[lhs], idx[rhs]
        else:
            mat, i, j = "S", max(idx[lhs], idx[rhs]), min(idx[lhs], idx[rhs])
        rows.append(dict(lhs=lhs, op=op, rhs=rhs, label=label, mat=mat, i=i, j=j, ufixed=fixed, ufree=free,
                         user=user, exo=exo))

    order = {"=~": 0, "~": 1, "~~": 2}
    for _, r in sorted(body.iterrows(), key=lambda t: (order[t[1]["op"]], t[0])):
        add(r["lhs"], r["op"], r["rhs"], r["label"], r["fixed"], r["free"])
    have = {(r["mat"], r["i"], r["j"]) for r in rows}
    dup = [r for r in rows if sum(1 for q in rows if (q["mat"], q["i"], q["j"]) == (r["mat"], r["i"], r["j"])) > 1]
    if dup:
        r = dup[-1]
        raise ModelError(f"parameter '{r['lhs']} {r['op']} {r['rhs']}' is specified twice")

    def add_auto(a, b, exo=False):
        i, j = max(idx[a], idx[b]), min(idx[a], idx[b])
        if ("S", i, j) in have:
            return
        have.add(("S", i, j))
        add(a, "~~", b, user=0, exo=exo)

    for v in ov:
        if v not in ov_x:
            add_auto(v, v)
    for f in lat:
        add_auto(f, f)
    for a_ in range(len(lv_x)):
        for b_ in range(a_ + 1, len(lv_x)):
            add_auto(lv_x[a_], lv_x[b_])
    lvov_y = lv_y + ov_y
    for a_ in range(len(lvov_y)):
        for b_ in range(a_ + 1, len(lvov_y)):
            add_auto(lvov_y[a_], lvov_y[b_])
    for a_ in range(len(ov_x)):
        for b_ in range(a_, len(ov_x)):
            add_auto(ov_x[a_], ov_x[b_], exo=True)

    R = pd.DataFrame(rows)
    # free / fixed status
    first_ind = {f: R[(R["op"] == "=~") & (R["lhs"] == f)].index[0] for f in lat}
    single = single_indicators(body)
    free_flag, value = [], []
    for k, r in R.iterrows():
        if r["exo"]:
            free_flag.append(False); value.append(0.0); continue
        if r["user"] == 0 and r["op"] == "~~" and r["lhs"] == r["rhs"] and r["lhs"] in single:
            free_flag.append(False); value.append(0.0); continue      # lavaan's auto.fix.single
        if not (isinstance(r["ufixed"], float) and math.isnan(r["ufixed"])):
            free_flag.append(False); value.append(float(r["ufixed"])); continue
        if r["ufree"] is True:
            free_flag.append(True); value.append(0.0); continue
        if r["op"] == "=~" and first_ind.get(r["lhs"]) == k and not std_lv:
            free_flag.append(False); value.append(1.0); continue
        if std_lv and r["op"] == "~~" and r["lhs"] == r["rhs"] and r["lhs"] in set(lat):
            free_flag.append(False); value.append(1.0); continue
        free_flag.append(True); value.append(0.0)
    R["value"] = value
    # parameter numbers (equal labels share one parameter)
    par = []
    lab_par: dict[str, int] = {}
    q = 0
    for k, r in R.iterrows():
        if not free_flag[k]:
            par.append(-1); continue
        if r["label"]:
            if r["label"] in lab_par:
                par.append(lab_par[r["label"]]); continue
            lab_par[r["label"]] = q
        par.append(q)
        q += 1
    R["free"] = par
    R = R.drop(columns=["ufixed", "ufree"])

    m = len(names)
    A0 = np.zeros((m, m))
    S0 = np.zeros((m, m))
    for _, r in R.iterrows():
        if r["free"] < 0:
            if r["mat"] == "A":
                A0[r["i"], r["j"]] = r["value"]
            else:
                S0[r["i"], r["j"]] = S0[r["j"], r["i"]] = r["value"]
    fr = R[R["free"] >= 0]
    defined = [(r["lhs"], r["rhs"]) for _, r in table[table["op"] == ":="].iterrows()]
    known = labels_used | {d[0] for d in defined}
    for name, expr in defined:
        for nd in ast.walk(ast.parse(expr.replace("^", "**"), mode="eval")):
            if isinstance(nd, ast.Name) and nd.id not in known and nd.id not in ("sqrt", "exp", "log", "abs"):
                raise ModelError(f"defined parameter {name!r} uses {nd.id!r}, which is not a parameter label"
                                 f"{suggest(nd.id, sorted(known))}")
    cm = CompiledModel(table=table, rows=R, observed=ov, latent=lat, ov_x=ov_x, npar=q, std_lv=std_lv,
                       defined=defined,
                       _ent_mat=np.where(fr["mat"].to_numpy() == "A", 0, 1),
                       _ent_i=fr["i"].to_numpy(int), _ent_j=fr["j"].to_numpy(int),
                       _ent_par=fr["free"].to_numpy(int), _A0=A0, _S0=S0,
                       _exo_idx=np.array([idx[v] for v in ov_x], dtype=int))
    P = np.zeros((len(fr), q))
    P[np.arange(len(fr)), cm._ent_par] = 1.0
    cm._P = P
    # recursive check of A for cycles is not needed: (I − A) must merely be invertible
    if cm.df < 0:
        raise ModelError(f"the model is not identified: it has {q} free parameters but only "
                         f"{cm.df + q} sample moments (df = {cm.df} < 0); fix or remove parameters")
    return cm


# --------------------------------------------------------------------------------------------
# helpers on a fitted model
# --------------------------------------------------------------------------------------------
_FUNCS = {"sqrt": math.sqrt, "exp": math.exp, "log": math.log, "abs": abs}
_BIN = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
        ast.Pow: operator.pow}


def _eval_expr(expr: str, env: dict[str, float]) -> float:
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


def _row_values(cm: CompiledModel, theta: np.ndarray, S: np.ndarray) -> np.ndarray:
    """Estimate of every row of ``cm.rows`` (fixed values, fixed.x values from S, free values)."""
    A, Sm = cm.matrices(theta, S)
    R = cm.rows
    out = np.empty(len(R))
    for k, (mat, i, j) in enumerate(zip(R["mat"], R["i"], R["j"])):
        out[k] = A[i, j] if mat == "A" else Sm[i, j]
    return out


def _standardize(cm: CompiledModel, est: np.ndarray, A: np.ndarray, Sm: np.ndarray, E: np.ndarray,
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


@dataclass
class SEMResult:
    """A fitted SEM (see :func:`fit`).  Matrices are in RAM order (observed, then latent):
    ``Lambda`` (p × k loadings), ``Beta`` (k × k latent regressions), ``Psi`` (k × k latent
    (residual) covariances), ``Theta`` (p × p residual covariances), and ``A``/``Smat`` for all
    variables."""

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
        return self.all_cov().loc[self.latent, self.latent]

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
        names = cm.names
        p = cm.p
        A = self.A.to_numpy()
        Sm = self.Smat.to_numpy()
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
        cols = ["lhs", "op", "rhs", "mi", "epc", "sepc.all"]
        if not cand:
            return pd.DataFrame(columns=cols)
        cmat = np.array([0 if c[3] == "A" else 1 for c in cand])
        ci = np.array([c[4] for c in cand])
        cj = np.array([c[5] for c in cand])
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
        crow = pd.DataFrame({"mat": [c[3] for c in cand], "i": ci, "j": cj})
        sepc = _standardize(cm, epc, A, Sm, E, rows=crow, kind="all")
        out = pd.DataFrame({"lhs": [c[0] for c in cand], "op": [c[1] for c in cand],
                            "rhs": [c[2] for c in cand], "mi": mi, "epc": epc, "sepc.all": sepc})
        out = out[np.isfinite(out["mi"])]
        out = out.sort_values("mi", ascending=False, kind="stable").reset_index(drop=True)
        return out if top is None else out.head(top)


# --------------------------------------------------------------------------------------------
# fit measures
# --------------------------------------------------------------------------------------------
def _gfi_rmsea_srmr(chisq: float, df: int, n: int, gfi: float, nel: int, Rr: np.ndarray,
                    extra_ss: float = 0.0) -> dict:
    """The measures ML and FIML fits compute alike: AGFI from GFI and the ``nel`` sample moments,
    RMSEA with its 90% interval, and SRMR from the residual correlations ``Rr`` (lower triangle
    with diagonal; ``extra_ss`` adds the squared standardized mean residuals of a FIML fit)."""
    ii, jj = np.tril_indices(Rr.shape[0])
    return {"gfi": float(gfi), "agfi": float(1 - nel / df * (1 - gfi) if df > 0 else 1.0),
            "rmsea": math.sqrt(max(chisq / (n * df) - 1 / n, 0.0)) if df > 0 else 0.0,
            **dict(zip(("rmsea.ci.lower", "rmsea.ci.upper"), _rmsea_ci(chisq, df, n))),
            "srmr": math.sqrt((np.sum(Rr[ii, jj] ** 2) + extra_ss) / nel)}


def _rmsea_ci(x2: float, df: int, n: int, level: float = 0.90) -> tuple[float, float]:
    """RMSEA interval by inverting the noncentral χ² (Browne & Cudeck 1993; lavaan's method):
    λ_L solves ``P(χ²_df(λ) ≤ x2) = (1+level)/2``, λ_U solves ``… = (1−level)/2``;
    ``bound = √(λ / (N df))`` (0 when the equation has no positive root)."""
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


# --------------------------------------------------------------------------------------------
# diagnostics
# --------------------------------------------------------------------------------------------
FIT_RULES = {  # measure: (good, acceptable, higher_is_better)
    "cfi": (0.95, 0.90, True), "tli": (0.95, 0.90, True),
    "rmsea": (0.06, 0.08, False), "srmr": (0.08, 0.08, False),
}


def _diagnostics(res: "SEMResult") -> list[Diagnostic]:
    """Admissibility and fit checks of a fitted model (codes listed in :func:`fit`)."""
    out: list[Diagnostic] = []
    est = res.estimates
    if not res.converged:
        out.append(Diagnostic("nonconvergence", "error", "model",
                              f"The estimation did not converge after {res.iterations} iterations; "
                              "estimates are not trustworthy."))
    var = est[(est["op"] == "~~") & (est["lhs"] == est["rhs"])]
    for _, r in var.iterrows():
        if r["est"] < 0:
            out.append(Diagnostic("heywood", "error", f"{r['lhs']} ~~ {r['rhs']}",
                                  f"Negative variance estimate for {r['lhs']} ({r['est']:.3f}): a Heywood case."))
    chk = est[est["op"].isin(["=~", "~"]) | ((est["op"] == "~~") & (est["lhs"] != est["rhs"]))]
    for _, r in chk.iterrows():
        if np.isfinite(r["std.all"]) and abs(r["std.all"]) > 1:
            out.append(Diagnostic("std_gt_1", "error", f"{r['lhs']} {r['op']} {r['rhs']}",
                                  f"Standardized estimate {r['std.all']:.3f} exceeds 1 in absolute value."))
    if res.latent:
        C = res.latent_cov().to_numpy()
        ev = np.linalg.eigvalsh(C)
        if ev.min() <= 0:
            out.append(Diagnostic("latent_not_pd", "error", "latent covariance matrix",
                                  f"The latent covariance matrix is not positive definite (smallest eigenvalue "
                                  f"{ev.min():.3g})."))
        Rl = res.latent_cor().to_numpy()
        if len(res.latent) > 1 and np.all(np.isfinite(Rl)):
            for a in range(len(res.latent)):
                for b in range(a):
                    if abs(Rl[a, b]) > 0.95:
                        out.append(Diagnostic("ill_conditioned", "warning", f"{res.latent[b]} ~~ {res.latent[a]}",
                                              f"Latent correlation {Rl[a, b]:.3f} between {res.latent[b]} and "
                                              f"{res.latent[a]} exceeds 0.95: the constructs are hardly distinct."))
            evr = np.linalg.eigvalsh(Rl)
            if evr.min() > 0 and evr.max() / evr.min() > 1e3:
                out.append(Diagnostic("ill_conditioned", "warning", "latent correlation matrix",
                                      f"The latent correlation matrix is ill-conditioned (condition number "
                                      f"{evr.max() / evr.min():.3g})."))
    cm = res.model
    fixed_zero = {r.lhs for r in cm.rows.itertuples()
                  if r.op == "~~" and r.lhs == r.rhs and r.free < 0 and r.value == 0}
    for _, r in res.r2.iterrows():
        if r["r2"] > 0.99 and r["variable"] not in fixed_zero:    # R² = 1 by design: no error term
            out.append(Diagnostic("r2_near_1", "warning", str(r["variable"]),
                                  f"R² of {r['variable']} is {r['r2']:.3f} (> 0.99)."))
    fm = res.fit_measures
    for m, (good, acc, hib) in FIT_RULES.items():
        v = fm.get(m)
        if v is None or not np.isfinite(v):
            continue
        ok_good = v >= good if hib else v <= good
        ok_acc = v >= acc if hib else v <= acc
        if ok_good:
            continue
        if ok_acc:
            out.append(Diagnostic("acceptable_fit", "info", m,
                                  f"{m.upper()} = {v:.3f} is acceptable but not good "
                                  f"({'≥' if hib else '≤'} {good} is good)."))
        else:
            out.append(Diagnostic("poor_fit", "warning", m,
                                  f"{m.upper()} = {v:.3f} indicates poor fit ({'≥' if hib else '≤'} {acc} "
                                  "is acceptable)."))
    return out


# --------------------------------------------------------------------------------------------
# public entry point
# --------------------------------------------------------------------------------------------
def _prepare_data(cm: CompiledModel, data: pd.DataFrame) -> np.ndarray:
    X = data[cm.observed]
    bad = [c for c in cm.observed if not pd.api.types.is_numeric_dtype(X[c])]
    if bad:
        raise ModelError(f"model variable(s) {bad} are not numeric columns of the data")
    X = X.to_numpy(dtype=float)
    ok = np.all(np.isfinite(X), axis=1)
    X = X[ok]
    if len(X) < 2:
        raise ModelError(f"only {len(X)} complete case(s) for the model variables; cannot fit")
    const = [c for c, s in zip(cm.observed, X.std(axis=0)) if s == 0]
    if const:
        raise ModelError(f"model variable(s) {const} have zero variance in the complete cases")
    return X


def fit(model: str, data: pd.DataFrame, *, missing: str = "listwise", std_lv: bool = False) -> SEMResult:
    """Fit a lavaan-syntax model by ML as lavaan's ``sem()``/``cfa()`` with default options.

    Parameters
    ----------
    model : lavaan syntax (``=~``, ``~``, ``~~``, ``:=``; see :mod:`csat.syntax`).
    data : one row per respondent; the model's observed variables must be numeric columns.
    missing : ``"listwise"`` (rows with a missing model variable are dropped) or ``"fiml"``
        (casewise full-information ML with a saturated mean structure, lavaan ``missing = "ml"``;
        standard errors from the observed information as lavaan's default there).
    std_lv : identify latent scales by fixing their variances to 1 instead of the first loading.

    Returns a :class:`SEMResult`.  Diagnostics codes: ``nonconvergence``, ``heywood``,
    ``std_gt_1``, ``latent_not_pd`` (errors); ``ill_conditioned``, ``r2_near_1``, ``poor_fit``
    (warnings); ``acceptable_fit`` (info).  Raises :class:`ModelError` for unknown variables, a
    model with negative df or a singular information matrix (not identified), and
    :class:`csat.syntax.ModelSyntaxError` for bad syntax.

    References: Rosseel (2012) lavaan, J. Stat. Softw. 48(2); Bollen (1989) Structural Equations
    with Latent Variables, ch. 4 and 7.
    """
    if missing not in ("listwise", "fiml"):
        raise ModelError(f"missing={missing!r} is not supported; use 'listwise' or 'fiml'")
    if not isinstance(data, pd.DataFrame):
        raise ModelError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    cm = build_model(model, list(data.columns), std_lv=std_lv)
    if missing == "fiml":
        return _fit_fiml(cm, data)
    X = _prepare_data(cm, data)
    n = len(X)
    S = np.cov(X.T, ddof=0).reshape(cm.p, cm.p)
    if np.linalg.eigvalsh(S).min() <= 1e-12 * np.trace(S):
        raise ModelError("the sample covariance matrix of the model variables is singular "
                         "(a variable is a linear combination of others)")
    cf = cm.fit_cov(S, n)
    return _result(cm, cf, S, n)


def _not_identified(cm: CompiledModel, H: np.ndarray) -> None:
    """Raise :class:`ModelError` when the information matrix ``H`` is (numerically) singular."""
    if not cm.npar:
        return
    ev, vecs = np.linalg.eigh(H)
    if ev.min() <= 1e-10 * max(ev.max(), 1e-300):
        vec = vecs[:, np.argmin(ev)]
        R = cm.rows[cm.rows["free"] >= 0].drop_duplicates("free").set_index("free").sort_index()
        involved = [f"{R.loc[k, 'lhs']} {R.loc[k, 'op']} {R.loc[k, 'rhs']}" for k in np.argsort(-np.abs(vec))[:4]
                    if k < cm.npar and abs(vec[k]) > 0.1]
        raise ModelError("the model is not identified: the information matrix is singular; "
                         f"parameters involved: {', '.join(involved)}")


def _result(cm: CompiledModel, cf: CovFit, S: np.ndarray, n: int, *, fiml: "_FimlFit | None" = None) -> SEMResult:
    theta = cf.theta
    Sigma, E, Sm, A = cm.implied(theta, S)
    if fiml is None:
        _, g, H = cm.gradient_information(theta, S)
        _not_identified(cm, H)
        vcov = np.linalg.inv(0.5 * n * H)
    else:
        _not_identified(cm, fiml.hessian[: cm.npar, : cm.npar])
        vcov_all = fiml.vcov
        vcov = vcov_all[: cm.npar, : cm.npar]
    rows = cm.rows
    est = _row_values(cm, theta, S)
    se = np.zeros(len(rows))
    fr = rows["free"].to_numpy()
    se[fr >= 0] = np.sqrt(np.maximum(np.diag(vcov)[fr[fr >= 0]], 0))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(fr >= 0, est / se, np.nan)
    pval = 2 * stats.norm.sf(np.abs(z))
    q = stats.norm.ppf(0.975)
    std_all = _standardize(cm, est, A, Sm, E, kind="all")
    std_lv = _standardize(cm, est, A, Sm, E, kind="lv")
    tab = pd.DataFrame({"lhs": rows["lhs"], "op": rows["op"], "rhs": rows["rhs"], "label": rows["label"],
                        "est": est, "se": se, "z": z, "pvalue": pval, "ci.lower": est - q * se,
                        "ci.upper": est + q * se, "std.lv": std_lv, "std.all": std_all})
    # exogenous fixed.x rows: lavaan reports se 0 and no z
    if fiml is not None:
        tab = pd.concat([tab, fiml.intercept_rows(cm, Sigma, E @ Sm @ E.T)], ignore_index=True)
    if cm.defined:
        tab = pd.concat([tab, _defined_rows(cm, theta, vcov, S, est, std_all, std_lv)], ignore_index=True)
    p = cm.p
    names = cm.names
    Lam = A[:p, p:]
    Beta = A[p:, p:]
    fm = fit_measures(cm, S, Sigma, n, cf.fmin) if fiml is None else fiml.fit_measures
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
        implied_mean=None if fiml is None else pd.Series(fiml.mu, index=ob))
    res.diagnostics = _diagnostics(res)
    return res


def _label_env(cm: CompiledModel, rowvals: np.ndarray) -> dict[str, float]:
    env = {}
    for lab, v in zip(cm.rows["label"], rowvals):
        if lab and lab not in env:
            env[lab] = float(v)
    return env


def _defined_rows(cm, theta, vcov, S, est, std_all, std_lv) -> pd.DataFrame:
    """``:=`` rows: value of the expression, delta-method SE ``√(∇f Cov(θ̂) ∇fᵀ)`` with a central-
    difference gradient, and the expression evaluated at the standardized estimates."""
    out = []
    q = stats.norm.ppf(0.975)
    for name, expr in cm.defined:
        def f(th):
            env = _label_env(cm, _row_values(cm, th, S))
            for nm, ex in cm.defined:       # earlier defined parameters may be used
                if nm == name:
                    break
                env[nm] = _eval_expr(ex, env)
            return _eval_expr(expr, env)

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
            env = _label_env(cm, vals)
            for nm, ex in cm.defined:
                if nm == name:
                    break
                env[nm] = _eval_expr(ex, env)
            return _eval_expr(expr, env)
        out.append({"lhs": name, "op": ":=", "rhs": expr, "label": name, "est": val, "se": se, "z": z,
                    "pvalue": 2 * stats.norm.sf(abs(z)) if np.isfinite(z) else math.nan,
                    "ci.lower": val - q * se, "ci.upper": val + q * se,
                    "std.lv": fstd(std_lv), "std.all": fstd(std_all)})
    return pd.DataFrame(out)


# --------------------------------------------------------------------------------------------
# full-information ML for incomplete data (lavaan missing = "ml")
# --------------------------------------------------------------------------------------------
@dataclass
class _Patterns:
    """Missing-data patterns: for each, the observed columns, count, mean and (biased) covariance."""

    n: int
    p: int
    groups: list
    const: float          # Σ_k n_k p_k log(2π)


def _patterns(X: np.ndarray) -> _Patterns:
    obs = np.isfinite(X)
    keys, inv = np.unique(obs, axis=0, return_inverse=True)
    groups = []
    const = 0.0
    for k, key in enumerate(keys):
        o = np.flatnonzero(key)
        if len(o) == 0:
            continue
        rows = X[inv.ravel() == k][:, o]
        nk = len(rows)
        xbar = rows.mean(axis=0)
        C = rows - xbar
        groups.append((o, nk, xbar, C.T @ C / nk))
        const += nk * len(o) * math.log(2 * math.pi)
    return _Patterns(n=int(sum(g[1] for g in groups)), p=X.shape[1], groups=groups, const=const)


def _pattern_discrepancy(Sigma: np.ndarray, mu: np.ndarray, pat: _Patterns, grad: bool = True):
    """``F = (1/N) Σ_k n_k [log|Σ_k| + tr(Σ_k⁻¹ (S_k + d_k d_kᵀ))]`` with ``d_k = x̄_k − μ_k``
    (``logl = −(N F + Σ n_k p_k log 2π)/2``), ``W = ∂F/∂Σ`` (p × p, zero-padded per pattern)
    and ``∂F/∂μ``; ``(inf, None, None)`` when some Σ_k is not positive definite."""
    p = pat.p
    F = 0.0
    W = np.zeros((p, p)) if grad else None
    gmu = np.zeros(p) if grad else None
    for o, nk, xbar, Sk in pat.groups:
        So = Sigma[np.ix_(o, o)]
        try:
            L = np.linalg.cholesky(So)
        except np.linalg.LinAlgError:
            return math.inf, None, None
        Li = np.linalg.inv(L)
        Om = Li.T @ Li
        d = xbar - mu[o]
        M = Sk + np.outer(d, d)
        OM = Om @ M
        F += nk * (2 * np.log(np.diag(L)).sum() + np.trace(OM))
        if grad:
            W[np.ix_(o, o)] += nk * (Om - OM @ Om)
            gmu[o] -= 2 * nk * (Om @ d)
    N = pat.n
    if grad:
        return F / N, W / N, gmu / N
    return F / N, None, None


def _em_saturated(pat: _Patterns, tol: float = 1e-11, max_iter: int = 20000):
    """Saturated (unrestricted) ML estimates of μ and Σ from incomplete data by the EM
    algorithm (Dempster, Laird & Rubin 1977; Little & Rubin 2002, §11.2)."""
    p, N = pat.p, pat.n
    # start: available-case means and variances
    mu = np.zeros(p)
    cnt = np.zeros(p)
    for o, nk, xbar, _ in pat.groups:
        mu[o] += nk * xbar
        cnt[o] += nk
    mu /= np.maximum(cnt, 1)
    var = np.zeros(p)
    for o, nk, xbar, Sk in pat.groups:
        var[o] += nk * (np.diag(Sk) + (xbar - mu[o]) ** 2)
    Sig = np.diag(var / np.maximum(cnt, 1))
    full = np.arange(p)
    for _ in range(max_iter):
        T1 = np.zeros(p)
        T2 = np.zeros((p, p))
        for o, nk, xbar, Sk in pat.groups:
            m = np.setdiff1d(full, o)
            if len(m) == 0:
                T1 += nk * xbar
                T2 += nk * (Sk + np.outer(xbar, xbar))
                continue
            B = np.linalg.solve(Sig[np.ix_(o, o)], Sig[np.ix_(o, m)]).T
            Cm = Sig[np.ix_(m, m)] - B @ Sig[np.ix_(o, m)]
            xm = mu[m] + B @ (xbar - mu[o])
            T1[o] += nk * xbar
            T1[m] += nk * xm
            T2[np.ix_(o, o)] += nk * (Sk + np.outer(xbar, xbar))
            om = nk * (Sk @ B.T + np.outer(xbar, xm))
            T2[np.ix_(o, m)] += om
            T2[np.ix_(m, o)] += om.T
            T2[np.ix_(m, m)] += nk * (B @ Sk @ B.T + np.outer(xm, xm) + Cm)
        mu_new = T1 / N
        Sig_new = T2 / N - np.outer(mu_new, mu_new)
        delta = max(np.max(np.abs(mu_new - mu)), np.max(np.abs(Sig_new - Sig)))
        mu, Sig = mu_new, 0.5 * (Sig_new + Sig_new.T)
        if delta < tol * max(1.0, np.max(np.abs(Sig))):
            break
    return mu, Sig


@dataclass
class _FimlFit:
    mu: np.ndarray
    h1_mean: np.ndarray
    h1_cov: np.ndarray
    hessian: np.ndarray
    vcov: np.ndarray
    fit_measures: dict

    def intercept_rows(self, cm: CompiledModel, Sigma: np.ndarray, Call: np.ndarray) -> pd.DataFrame:
        """``~1`` rows: free observed intercepts (= means, the mean structure is saturated) and
        latent means fixed at 0 (lavaan's rows); std.all = μ / sd."""
        p, q = cm.p, cm.npar
        se = np.sqrt(np.maximum(np.diag(self.vcov)[q:], 0))
        z = self.mu / se
        zc = stats.norm.ppf(0.975)
        rows = []
        for j, v in enumerate(cm.observed):
            rows.append({"lhs": v, "op": "~1", "rhs": "", "label": "", "est": self.mu[j], "se": se[j], "z": z[j],
                         "pvalue": 2 * stats.norm.sf(abs(z[j])), "ci.lower": self.mu[j] - zc * se[j],
                         "ci.upper": self.mu[j] + zc * se[j], "std.lv": self.mu[j],
                         "std.all": self.mu[j] / math.sqrt(Sigma[j, j])})
        for f in cm.latent:
            rows.append({"lhs": f, "op": "~1", "rhs": "", "label": "", "est": 0.0, "se": 0.0, "z": math.nan,
                         "pvalue": math.nan, "ci.lower": 0.0, "ci.upper": 0.0, "std.lv": 0.0, "std.all": 0.0})
        return pd.DataFrame(rows)


def _fiml_objective(cm: CompiledModel, phi: np.ndarray, pat: _Patterns, grad: bool = True):
    q = cm.npar
    Sigma, E, Sm, _ = cm.implied(phi[:q])
    F, W, gmu = _pattern_discrepancy(Sigma, phi[q:], pat, grad)
    if not grad or W is None:
        return F, None
    U, V = cm._uv(E, Sm, *cm._entries())
    g = cm._agg(2 * np.einsum("pe,pe->e", U, W @ V))
    return F, np.concatenate([g, gmu])


def _fiml_expected_hessian(cm: CompiledModel, phi: np.ndarray, pat: _Patterns) -> np.ndarray:
    """Expected Hessian of F: ``(1/N) Σ_k n_k tr(Σ_k⁻¹ ∂Σ_k Σ_k⁻¹ ∂Σ_k)`` for θ and
    ``(2/N) Σ_k n_k Σ_k⁻¹`` for μ (zero-padded; θ–μ block 0)."""
    q, p = cm.npar, cm.p
    Sigma, E, Sm, _ = cm.implied(phi[:q])
    U, V = cm._uv(E, Sm, *cm._entries())
    T = np.zeros((U.shape[1], U.shape[1]))
    Hmu = np.zeros((p, p))
    for o, nk, _, _ in pat.groups:
        Om = np.linalg.inv(Sigma[np.ix_(o, o)])
        Uo, Vo = U[o], V[o]
        OU, OV = Om @ Uo, Om @ Vo
        UU, VV, UV = Uo.T @ OU, Vo.T @ OV, Uo.T @ OV
        T += nk * 2 * (UU * VV + UV * UV.T)
        Hmu[np.ix_(o, o)] += 2 * nk * Om
    P = cm._P
    H = np.zeros((q + p, q + p))
    H[:q, :q] = P.T @ T @ P / pat.n
    H[q:, q:] = Hmu / pat.n
    return 0.5 * (H + H.T)


def _numeric_hessian(fun, phi: np.ndarray) -> np.ndarray:
    """Central differences of an analytic gradient (symmetrised)."""
    k = len(phi)
    H = np.empty((k, k))
    for j in range(k):
        h = 1e-5 * max(1.0, abs(phi[j]))
        e = np.zeros(k)
        e[j] = h
        H[:, j] = (fun(phi + e) - fun(phi - e)) / (2 * h)
    return 0.5 * (H + H.T)


def _fiml_halving(cm: CompiledModel, phi: np.ndarray, step: np.ndarray, Fv: float, pat: _Patterns):
    """``phi − α step`` for the first α = 1, ½, ¼, … (40 tries) that does not increase F; None if none."""
    alpha = 1.0
    for _ in range(40):
        cand = phi - alpha * step
        Fc, _ = _fiml_objective(cm, cand, pat, grad=False)
        if Fc <= Fv + 1e-15 * max(1.0, abs(Fv)):
            return cand
        alpha *= 0.5
    return None


def _fit_fiml(cm: CompiledModel, data: pd.DataFrame) -> SEMResult:
    """Casewise (full-information) ML for incomplete data, as lavaan ``missing = "ml"``.

    ``logl(θ, μ) = −½ Σ_i [p_i log 2π + log|Σ_i| + (x_i − μ_i)ᵀ Σ_i⁻¹ (x_i − μ_i)]`` over the
    observed part of each case (Arbuckle 1996), computed per missing-data pattern.  Fisher
    scoring then Newton steps (numerical Hessian of the analytic gradient); standard errors from
    the observed information (lavaan's default for ``missing = "ml"``).  χ² = 2(logl_h1 − logl)
    with the saturated model estimated by EM; the baseline model has free means and variances.
    """
    if cm.ov_x:
        raise ModelError("missing='fiml' is not supported with observed exogenous covariates "
                         f"({', '.join(cm.ov_x)}); use missing='listwise'")
    X = data[cm.observed]
    bad = [c for c in cm.observed if not pd.api.types.is_numeric_dtype(X[c])]
    if bad:
        raise ModelError(f"model variable(s) {bad} are not numeric columns of the data")
    X = X.to_numpy(dtype=float)
    X = X[np.isfinite(X).any(axis=1)]            # lavaan drops cases with no observed value
    if len(X) < 2:
        raise ModelError("fewer than 2 cases with an observed value; cannot fit")
    pat = _patterns(X)
    N, p, q = pat.n, pat.p, cm.npar
    h1_mu, h1_S = _em_saturated(pat)
    F1, _, _ = _pattern_discrepancy(h1_S, h1_mu, pat, grad=False)
    logl_h1 = -0.5 * (N * F1 + pat.const)
    # start: the complete-data fit to the EM covariance matrix, and the EM means
    cf0 = cm.fit_cov(h1_S, N)
    phi = np.concatenate([cf0.theta, h1_mu])
    Fv, g = _fiml_objective(cm, phi, pat)
    if not np.isfinite(Fv):
        phi = np.concatenate([cm.start_values(h1_S), h1_mu])
        Fv, g = _fiml_objective(cm, phi, pat)
    converged, it = False, 0
    grad_fun = lambda ph: _fiml_objective(cm, ph, pat)[1]  # noqa: E731
    for it in range(1, 301):
        gmax = np.max(np.abs(g))
        if gmax < 1e-9:
            converged = True
            break
        if gmax < 1e-4:
            Hn = _numeric_hessian(grad_fun, phi)
            try:
                np.linalg.cholesky(Hn)
                step = np.linalg.solve(Hn, g)
            except np.linalg.LinAlgError:
                step = np.linalg.solve(_fiml_expected_hessian(cm, phi, pat), g)
        else:
            step = np.linalg.lstsq(_fiml_expected_hessian(cm, phi, pat), g, rcond=None)[0]
        cand = _fiml_halving(cm, phi, step, Fv, pat)
        if cand is None:
            converged = bool(gmax < 1e-6)
            break
        phi = cand
        Fv, g = _fiml_objective(cm, phi, pat)
    Hobs = _numeric_hessian(grad_fun, phi)
    _not_identified(cm, Hobs[:q, :q])
    try:
        vcov = np.linalg.inv(0.5 * N * Hobs)
    except np.linalg.LinAlgError as e:
        raise ModelError("the model is not identified: the observed information matrix is singular") from e
    theta, mu = phi[:q], phi[q:]
    logl = -0.5 * (N * Fv + pat.const)
    Sigma, *_ = cm.implied(theta)
    # baseline: independent variables with free means and variances
    logl_b = 0.0
    for j in range(p):
        x = X[:, j][np.isfinite(X[:, j])]
        logl_b += -0.5 * len(x) * (math.log(2 * math.pi) + math.log(x.var()) + 1)
    fm = _fiml_fit_measures(cm, N, logl, logl_h1, logl_b, h1_mu, h1_S, mu, Sigma, X, pat)
    cf = CovFit(theta=theta, fmin=float(Fv), gradient=g[:q], hessian=None, converged=converged, iterations=it)
    ff = _FimlFit(mu=mu, h1_mean=h1_mu, h1_cov=h1_S, hessian=Hobs, vcov=vcov, fit_measures=fm)
    return _result(cm, cf, h1_S, N, fiml=ff)


def fiml_refit(cm: CompiledModel, X: np.ndarray, start: np.ndarray, *, tol: float = 1e-7,
               max_iter: int = 300) -> tuple[CovFit, np.ndarray]:
    """Point estimates of a FIML fit of ``cm`` to the incomplete data ``X`` (n × p, NaN = missing),
    for bootstrap resamples: Fisher scoring (expected information, step halving on F) from
    ``start`` = ``(θ, μ)`` of the full-sample fit, without standard errors or fit measures.

    Returns ``(CovFit, μ)``; ``converged`` is True when ``max |∇F| < tol``, or when F cannot
    decrease further at machine precision and ``max |∇F| < 1e-6`` (as :func:`_fit_fiml`).  The
    optimum is the same as :func:`fit` with ``missing="fiml"`` reaches (it minimizes the same F).
    Never raises for numerical trouble.
    """
    X = np.asarray(X, dtype=float)
    X = X[np.isfinite(X).any(axis=1)]
    q = cm.npar
    phi = np.array(start, dtype=float)
    fail = (CovFit(theta=phi[:q], fmin=math.inf, gradient=np.full(q, np.nan), hessian=None,
                   converged=False, iterations=0), phi[q:])
    if len(X) < 2:
        return fail
    pat = _patterns(X)
    try:
        Fv, g = _fiml_objective(cm, phi, pat)
    except np.linalg.LinAlgError:
        return fail
    if not np.isfinite(Fv) or g is None:
        return fail
    converged, it = False, 0
    for it in range(1, max_iter + 1):
        gmax = np.max(np.abs(g))
        if gmax < tol:
            converged = True
            break
        try:
            H = _fiml_expected_hessian(cm, phi, pat)
            step = np.linalg.lstsq(H, g, rcond=None)[0]
        except np.linalg.LinAlgError:
            break
        cand = _fiml_halving(cm, phi, step, Fv, pat)
        if cand is None:
            converged = bool(gmax < 1e-6)
            break
        phi = cand
        Fv, g = _fiml_objective(cm, phi, pat)
        if g is None:
            break
    cf = CovFit(theta=phi[:q], fmin=float(Fv), gradient=None if g is None else g[:q], hessian=None,
                converged=converged, iterations=it)
    return cf, phi[q:]


def _fiml_fit_measures(cm, N, logl, logl_h1, logl_b, m, S, mu, Sigma, X, pat) -> dict:
    """Fit measures of a FIML fit (lavaan ``missing = "ml"``): npar counts the p intercepts;
    χ² = 2(logl_h1 − logl), baseline χ² = 2(logl_h1 − logl_b); CFI/TLI/NFI/RMSEA as for complete
    data; GFI with the mean structure (weights Σ̂⁻¹ for the means and ½Dᵀ(Σ̂⁻¹⊗Σ̂⁻¹)D for the
    covariances, "sample" moments from the saturated EM fit); SRMR (Bentler) over the
    standardized mean and covariance residuals."""
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
