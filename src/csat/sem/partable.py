"""Parameter table and compiled model (lavaan's ``lavParTable`` + ``lavModel``).

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

lavaan defaults reproduced: marker-variable identification (first loading fixed at 1) unless
``std_lv``; free residual variances; free covariances among exogenous latent variables and among
the residuals of "pure" endogenous variables (``auto.cov.y``: latent or observed variables that
are regressed but predict nothing and are no indicator); observed exogenous covariates
(``fixed.x``) have their variances and covariances fixed at the sample values.

:func:`build_model` compiles a model once; :func:`csat.sem.ml.fit_cov` refits it from a
covariance matrix (warm-startable), for resampling.  The model knows nothing of its estimators:
:mod:`csat.sem.ml` and :mod:`csat.sem.fiml` take it as their first argument.
"""
from __future__ import annotations

import ast
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd

from csat.core.errors import ModelError
from csat.core.text import suggest
from csat.sem.syntax import latent_names, observed_names, parse_model

__all__ = ["CompiledModel", "build_model", "single_indicators", "ParameterNumbers"]


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
        plan = self.__dict__.get("_mat_plan")
        if plan is None:                 # flat positions of the free entries (built once per model)
            m, a = self.m, self._ent_mat == 0
            s = ~a
            plan = self._mat_plan = (self._ent_par[a], self._ent_i[a] * m + self._ent_j[a], self._ent_par[s],
                                     self._ent_i[s] * m + self._ent_j[s], self._ent_j[s] * m + self._ent_i[s])
        par_a, pos_a, par_s, pos_s1, pos_s2 = plan
        A = self._A0.copy()
        Sm = self._S0.copy()
        if S is not None and len(self._exo_idx):
            ix = self._exo_idx
            Sm[np.ix_(ix, ix)] = S[np.ix_(ix, ix)]
        theta = np.asarray(theta, dtype=float)
        A.put(pos_a, theta.take(par_a))
        vs = theta.take(par_s)
        Sm.put(pos_s1, vs)
        Sm.put(pos_s2, vs)
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

    # -- starting values -------------------------------------------------------------------
    def start_values(self, S: np.ndarray) -> np.ndarray:
        """Starting values: loadings and factor variance from the first principal component of
        each factor's indicators (scaled to the marker), residual variances
        ``max(s_jj − λ²ψ, 0.3 s_jj)``, regressions and covariances 0, fixed values as given.

        Everything that depends on the model only (indicator positions, markers, which cells
        give each parameter's start) is worked out once per model (:meth:`_start_plan`); a call
        does array work on ``S`` only (a bootstrap resample that restarts calls it once)."""
        p, m = self.p, self.m
        plan = self._start_plan()
        start_A = np.zeros((m, m))
        start_S = np.zeros((m, m))
        lat_var = np.ones(m)
        for fi, inds, k0, v0 in plan["factors"]:
            if inds is None:                      # no observed indicator (e.g. a second-order factor)
                lat_var[fi] = 0.05
                for row_i, val in k0:
                    start_A[row_i, fi] = val
                continue
            w, vec = np.linalg.eigh(S[np.ix_(inds, inds)])
            lam = vec[:, -1] * math.sqrt(max(w[-1], 1e-8))
            if lam.sum() < 0:
                lam = -lam
            if k0 is not None:                    # marker fixed to v0 (not std.lv)
                scale = v0 / lam[k0] if abs(lam[k0]) > 1e-8 else 1.0
                psi = 1.0 / scale ** 2
                lam = lam * scale
            else:
                psi = 1.0
            lat_var[fi] = psi
            start_A[inds, fi] = lam
        od = plan["obs_diag"]
        if len(od):
            comm = (start_A[od, p:] ** 2) @ lat_var[p:]
            sjj = S[od, od]
            start_S[od, od] = np.where(comm > 0, np.maximum(sjj - comm, 0.3 * sjj),
                                       sjj * np.where(plan["obs_diag_indicator"], 0.5, 1.0))
        ld = plan["lat_diag"]
        start_S[ld, ld] = lat_var[ld]
        ks, is_s, ii, jj = plan["par_first"]
        theta = np.zeros(self.npar)
        theta[ks] = np.where(is_s, start_S[ii, jj], start_A[ii, jj])
        # make sure Σ is positive definite at the start
        for _ in range(30):
            try:
                Sig, *_ = self.implied(theta, S)
                np.linalg.cholesky(Sig)
                break
            except np.linalg.LinAlgError:
                for k in plan["pd_fix"]:          # row by row: a parameter may sit on several rows
                    theta[k] = abs(theta[k]) * 1.5 + 0.05
        return theta

    def _start_plan(self) -> dict:
        """The model-only part of :meth:`start_values`, built once and kept on the model."""
        c = getattr(self, "_start_cache", None)
        if c is not None:
            return c
        p, names, rows = self.p, self.names, self.rows
        idx = {v: k for k, v in enumerate(names)}
        meas = rows[rows["op"] == "=~"]
        factors = []
        for f in self.latent:
            r = meas[meas["lhs"] == f]
            inds = [v for v in r["rhs"] if v in idx and idx[v] < p]
            if not inds:
                fixed = [(idx[rhs], 1.0 if fr >= 0 else float(val))
                         for rhs, fr, val in zip(r["rhs"], r["free"], r["value"])]
                factors.append((idx[f], None, fixed, None))
                continue
            first = r.iloc[0]
            fixed_first = first["free"] < 0 and first["rhs"] in inds and abs(first["value"]) > 0
            k0 = inds.index(first["rhs"]) if fixed_first and not self.std_lv else None
            factors.append((idx[f], np.array([idx[v] for v in inds]), k0, float(first["value"])))
        fr = rows[rows["free"] >= 0]
        ks = fr["free"].to_numpy(int)
        is_s = (fr["mat"] == "S").to_numpy()
        ii, jj = fr["i"].to_numpy(int), fr["j"].to_numpy(int)
        sdiag = is_s & (ii == jj)
        indicators = set(meas["rhs"])
        obs_diag = np.array([i for i in ii[sdiag] if i < p], int)
        _, first_row = np.unique(ks, return_index=True)       # the first row of every free parameter
        c = {"factors": factors, "obs_diag": obs_diag,
             "obs_diag_indicator": np.array([names[i] in indicators for i in obs_diag], bool),
             "lat_diag": np.array([i for i in ii[sdiag] if i >= p], int),
             "par_first": (ks[first_row], is_s[first_row], ii[first_row], jj[first_row]),
             "pd_fix": ks[sdiag]}
        self._start_cache = c
        return c


class ParameterNumbers:
    """Numbers of free parameters handed out in order, as a model with groups or constraints needs them:
    ``new()`` a fresh number, ``new(key)`` the number of the first call with that key (a parameter
    shared, i.e. constrained equal, wherever the key recurs); ``count`` the numbers handed out.

    >>> new = ParameterNumbers()
    >>> [new(("theta", 0)), new(), new(("theta", 0)), new()], new.count
    ([0, 1, 0, 2], 3)
    """

    def __init__(self) -> None:
        self.count = 0
        self._shared: dict = {}

    def __call__(self, key=None) -> int:
        if key is not None and key in self._shared:
            return self._shared[key]
        self.count += 1
        if key is not None:
            self._shared[key] = self.count - 1
        return self.count - 1


def single_indicators(table: pd.DataFrame) -> set[str]:
    """The sole indicators of single-indicator latent variables (lavaan's ``auto.fix.single``).

    A latent variable with one ``=~`` statement (``CUSA =~ cusa``) is its indicator measured
    without error: unless the model gives the indicator's residual variance itself, it is fixed
    at 0 (as ``cusa ~~ 0*cusa``), which identifies the latent variance as the indicator's variance.
    As lavaan, an indicator that also measures another latent variable is not counted.
    """
    load = [(f, r) for f, op, r in zip(table["lhs"].tolist(), table["op"].tolist(), table["rhs"].tolist())
            if op == "=~"]
    counts = Counter(f for f, _ in load)
    ind_counts = Counter(r for _, r in load)
    return {r for f, r in load if counts[f] == 1 and r != f and ind_counts[r] == 1}


def build_model(model: str | pd.DataFrame, observed_names_available: Sequence[str], *,
                std_lv: bool = False) -> CompiledModel:
    """Parse ``model`` and build the parameter table and index arrays with lavaan's defaults.

    As lavaan's ``sem()``/``cfa()`` (``auto.fix.single = TRUE``), the residual variance of the
    only indicator of a latent variable is fixed at 0 unless the model sets it (see
    :func:`single_indicators`).

    ``observed_names_available`` are the data's columns; a model variable that is neither one of
    them nor a latent variable raises :class:`ModelError` naming it and suggesting near matches.
    A model with negative degrees of freedom raises :class:`ModelError` (not identified).

    Parameters
    ----------
    model : str or DataFrame
        lavaan syntax, or the parsed table of :func:`csat.sem.syntax.parse_model`.
    observed_names_available : sequence of str
        The data's columns.
    std_lv : bool
        Fix the latent variances to 1 instead of the marker loadings.

    Returns
    -------
    CompiledModel
        ``rows`` is lavaan's parameter table (``lavaanify``/``parTable``: user rows, then the
        automatic ones), ``npar`` and ``df`` its free parameters and degrees of freedom.

    Examples
    --------
    >>> from csat.sem import build_model
    >>> cm = build_model("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6", [f"x{i}" for i in range(1, 10)])
    >>> cm.npar, cm.df
    (13, 8)
    >>> cm.rows[["lhs", "op", "rhs", "free"]].head(3)
          lhs  op rhs  free
    0  visual  =~  x1    -1
    1  visual  =~  x2     0
    2  visual  =~  x3     1
    """
    table = parse_model(model) if isinstance(model, str) else model.copy()
    form = table[table["op"] == "<~"]
    if len(form):
        raise ModelError(f"line {form['line'].iloc[0]}: '{form['lhs'].iloc[0]} <~ ...' is a formative (composite) "
                         "block, which maximum likelihood does not estimate; use estimator: pls (PLS-SEM) or =~")
    prod = table[(table["op"] == "~") & table["rhs"].str.contains(":", regex=False)]
    if len(prod):
        raise ModelError(f"line {prod['line'].iloc[0]}: '{prod['lhs'].iloc[0]} ~ {prod['rhs'].iloc[0]}' is a product "
                         "term (moderation), which the covariance-based estimators do not estimate; use estimator: "
                         "pls (PLS-SEM, two-stage interaction)")
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
    recs = body.to_dict("records")
    for r in recs:
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
    for _, r in sorted(zip(body.index, recs), key=lambda t: (order[t[1]["op"]], t[0])):
        add(r["lhs"], r["op"], r["rhs"], r["label"], r["fixed"], r["free"])
    have = {(r["mat"], r["i"], r["j"]) for r in rows}
    cnt = Counter((r["mat"], r["i"], r["j"]) for r in rows)
    dup = [r for r in rows if cnt[(r["mat"], r["i"], r["j"])] > 1]
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
    first_ind: dict[str, int] = {}
    for k, r in enumerate(rows):
        if r["op"] == "=~":
            first_ind.setdefault(r["lhs"], k)
    single = single_indicators(body)
    free_flag, value = [], []
    lat_set = set(lat)
    for k, r in enumerate(rows):
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
        if std_lv and r["op"] == "~~" and r["lhs"] == r["rhs"] and r["lhs"] in lat_set:
            free_flag.append(False); value.append(1.0); continue
        free_flag.append(True); value.append(0.0)
    R["value"] = value
    # parameter numbers (equal labels share one parameter)
    par = []
    lab_par: dict[str, int] = {}
    q = 0
    for k, r in enumerate(rows):
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
    for r, fr_, val in zip(rows, par, value):
        if fr_ < 0:
            if r["mat"] == "A":
                A0[r["i"], r["j"]] = val
            else:
                S0[r["i"], r["j"]] = S0[r["j"], r["i"]] = val
    fr = R[R["free"] >= 0]
    defined = [(lhs, rhs) for lhs, op, rhs in zip(table["lhs"].tolist(), table["op"].tolist(), table["rhs"].tolist())
               if op == ":="]
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

