"""The ML estimator: the normal-theory discrepancy function, its derivatives and its optimiser.

Estimation (Jöreskog 1969; lavaan defaults, Rosseel 2012)
----------------------------------------------------------
The ML discrepancy ``F = log|Σ| + tr(S Σ⁻¹) − log|S| − p`` (S the biased, divide-by-N sample
covariance) is minimised by Fisher scoring with step halving; its gradient is
``∂F/∂θ_e = 2 uᵀ (Σ⁻¹ − Σ⁻¹ S Σ⁻¹) v`` and its expected Hessian
``tr(Σ⁻¹ ∂Σ_e Σ⁻¹ ∂Σ_f)`` (``u``, ``v`` the rank-two factors of ``∂Σ/∂θ_e``, see
:mod:`csat.sem.partable`).  Standard errors come from the expected information
``I = ½ Δᵀ (Σ⁻¹ ⊗ Σ⁻¹) Δ`` (``se = "standard"``, ``information = "expected"``):
``Cov(θ̂) = (N I)⁻¹``; ``χ² = N F(θ̂)``.

The functions take the :class:`~csat.sem.partable.CompiledModel` as first argument
(``fit_cov(cm, S, n)``, ``derivatives(cm, θ, S)``, …); :func:`fit_cov` is what resampling code
calls.  The ``"ml"`` entry of the estimator registry (:func:`csat.sem.estimators.estimate_ml`) fits
with :func:`fit_cov` and turns the :class:`CovFit` into a :class:`~csat.sem.result.SEMResult`
(:func:`csat.sem.result.build_result`); :func:`check_identified` is the identification check of an
information matrix that the ML and FIML results share.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.linalg import lapack

from csat.core.errors import ModelError

if TYPE_CHECKING:                      # pragma: no cover
    from csat.sem.partable import CompiledModel

__all__ = ["CovFit", "objective", "gradient_information", "derivatives", "value_gradient", "fit_cov",
           "check_identified"]


def _recursive_order(cm: "CompiledModel") -> np.ndarray | None:
    """A permutation making ``A`` strictly upper triangular (every variable before the variables with a
    path into it), or ``None`` when the paths of the model have a cycle (a non-recursive model).
    Built once per model from the fixed non-zero and the free entries of ``A``."""
    if hasattr(cm, "_rec_order"):
        return cm._rec_order
    from graphlib import CycleError, TopologicalSorter

    pattern = cm._A0 != 0
    em, ei, ej = cm._entries()
    pattern[ei[em == 0], ej[em == 0]] = True
    ts = TopologicalSorter({i: [int(j) for j in np.flatnonzero(pattern[i])] for i in range(cm.m)})
    try:
        order = np.array(list(ts.static_order())[::-1], dtype=int)   # effects before their causes
    except CycleError:
        order = None
    cm._rec_order = order
    if order is not None:                # flat gather positions of A[order][:, order] and of its inverse
        m, inv = cm.m, np.argsort(order)
        cm._rec_take = (order[:, None] * m + order[None, :]).ravel()
        cm._rec_back = (inv[:, None] * m + inv[None, :]).ravel()
    return order


def _inverse_I_minus_A(cm: "CompiledModel", A: np.ndarray) -> np.ndarray | None:
    """``E = (I − A)⁻¹``; ``None`` when ``I − A`` is singular.

    In a recursive model (no cycle of paths; the CSI models are) ``I − A`` is a permuted unit upper
    triangular matrix and its inverse is one triangular inversion (LAPACK trtri, unit diagonal);
    otherwise one LU factorisation (getrf/getri).  Both run on every objective evaluation."""
    order = _recursive_order(cm)
    if order is not None:
        m = cm.m
        M = np.negative(A.take(cm._rec_take)).reshape(m, m)
        M.flat[:: m + 1] = 1.0
        Einv, info = lapack.dtrtri(M, lower=0, unitdiag=1)
        if info == 0:
            return Einv.take(cm._rec_back).reshape(m, m)
    lu, piv, info = lapack.dgetrf(np.eye(cm.m) - A)
    if info != 0:
        return None
    E, info = lapack.dgetri(lu, piv)
    return E if info == 0 else None


def _cholesky(Sigma: np.ndarray) -> np.ndarray | None:
    """Lower Cholesky factor of Σ (LAPACK potrf), ``None`` when Σ is not positive definite."""
    L, info = lapack.dpotrf(Sigma, lower=1, clean=1)
    return L if info == 0 else None


def _permuted_plan(cm: "CompiledModel"):
    """For a recursive model, where :func:`objective` fills ``I − A`` and ``Smat`` directly in the
    order of :func:`_recursive_order` (``I − A`` is then unit upper triangular): that order's
    ``I − A₀`` and ``Smat₀``, the flat positions of the free entries in it, the exogenous block and
    the rows of the observed variables.  ``None`` for a non-recursive model.  Built once per model."""
    if "_perm_plan" in cm.__dict__:
        return cm._perm_plan
    order = _recursive_order(cm)
    plan = None
    if order is not None:
        m, inv = cm.m, np.argsort(order)
        cm.matrices(np.zeros(cm.npar))                     # builds the model's plan of flat positions
        par_a, pos_a, par_s, pos_s1, pos_s2 = cm._mat_plan

        def moved(pos):
            return inv[pos // m] * m + inv[pos % m]

        exo = np.asarray(cm._exo_idx, dtype=int)
        plan = ((np.eye(m) - cm._A0)[np.ix_(order, order)], cm._S0[np.ix_(order, order)], par_a, moved(pos_a),
                par_s, moved(pos_s1), moved(pos_s2), np.ix_(exo, exo), np.ix_(inv[exo], inv[exo]), inv[: cm.p])
    cm._perm_plan = plan
    return plan


def objective(cm: "CompiledModel", theta: np.ndarray, S: np.ndarray, logdetS: float | None = None,
              cholS: np.ndarray | None = None) -> float:
    """ML discrepancy ``F = log|Σ| + tr(S Σ⁻¹) − log|S| − p`` (inf when Σ is not positive definite).

    ``E = (I − A)⁻¹`` by one triangular inversion in a recursive model (``I − A`` built directly in
    the order that makes it unit upper triangular, :func:`_permuted_plan`), by LU otherwise, and one
    Cholesky factorisation ``Σ = L Lᵀ``: ``log|Σ| = 2 Σ log L_ii``; ``tr(S Σ⁻¹) = ‖L⁻¹R‖²_F`` with
    ``S = R Rᵀ`` when ``cholS`` (R) is given, one triangular solve, else ``Σ (L⁻¹ S) ∘ L⁻¹``.  LAPACK
    is called directly and only the lower triangle of Σ is read: this runs several times per
    iteration of every bootstrap resample, and its cost is mostly per call."""
    plan = _permuted_plan(cm)
    theta = np.asarray(theta, dtype=float)
    if plan is not None:
        M0, S0, par_a, pos_a, par_s, pos_s1, pos_s2, exo, exo_moved, rows = plan
        M = M0.copy()
        M.put(pos_a, np.negative(theta.take(par_a)))
        Sm = S0.copy()
        if exo_moved[0].size:
            Sm[exo_moved] = S[exo]
        vs = theta.take(par_s)
        Sm.put(pos_s1, vs)
        Sm.put(pos_s2, vs)
        Einv, info = lapack.dtrtri(M, lower=0, unitdiag=1)
        if info != 0:
            return math.inf
        G = Einv.take(rows, axis=0)
    else:
        A, Sm = cm.matrices(theta, S)
        E = _inverse_I_minus_A(cm, A)
        if E is None:
            return math.inf
        G = E[: cm.p]
    Sigma = G @ Sm @ G.T
    L, info = lapack.dpotrf(Sigma, lower=1, clean=int(cholS is None))
    if info != 0:
        return math.inf
    if logdetS is None:
        logdetS = np.linalg.slogdet(S)[1]
    ld = 2 * np.log(L.diagonal()).sum()
    if cholS is not None:
        X, info = lapack.dtrtrs(L, cholS, lower=1)
        tr = np.vdot(X, X)
    else:
        Li = lapack.dtrtri(L, lower=1)[0]
        tr = np.sum((Li @ S) * Li)
    return float(ld + tr - logdetS - cm.p)


def gradient_information(cm: "CompiledModel", theta: np.ndarray, S: np.ndarray):
    """``(F, ∇F, ℋ)``: discrepancy, analytic gradient and expected Hessian
    ``ℋ_kl = tr(Σ⁻¹ ∂Σ_k Σ⁻¹ ∂Σ_l)`` (= 2 × unit expected information)."""
    Sigma, E, Sm, _ = cm.implied(theta, S)
    L = np.linalg.cholesky(Sigma)
    Om = np.linalg.inv(Sigma)
    Om = 0.5 * (Om + Om.T)
    U, V = cm._uv(E, Sm, *cm._entries())
    OU, OV = Om @ U, Om @ V
    W = Om - Om @ S @ Om
    g_e = 2 * np.einsum("pe,pe->e", U, W @ V)
    UU, VV, UV = U.T @ OU, V.T @ OV, U.T @ OV
    T = 2 * (UU * VV + UV * UV.T)
    P = cm._P
    Hs = P.T @ T @ P
    F = 2 * np.log(np.diag(L)).sum() + np.sum(Om * S) - np.linalg.slogdet(S)[1] - cm.p
    return float(F), cm._agg(g_e), 0.5 * (Hs + Hs.T)


def _index_cache(cm: "CompiledModel") -> dict:
    """Index grids of the free entries for the exact Hessian (built once per model)."""
    c = getattr(cm, "_cache", None)
    if c is not None:
        return c
    em, ei, ej = cm._entries()
    a = np.flatnonzero(em == 0)
    sidx = np.flatnonzero(em == 1)
    c = {"a": None, "s": None,
         "P_identity": cm._P.shape[0] == cm._P.shape[1] and np.array_equal(cm._P, np.eye(cm._P.shape[0]))}
    if len(a):
        i, j = ei[a], ej[a]
        c.update(a=a, aa=np.ix_(a, a), ji=np.ix_(j, i), jj=np.ix_(j, j), ii=np.ix_(i, i))
        if len(sidx):
            sa, sb = ei[sidx], ej[sidx]
            c.update(s=sidx, as_=None, jsa=np.ix_(j, sa), jsb=np.ix_(j, sb), isa=np.ix_(i, sa),
                     isb=np.ix_(i, sb), halve=np.where(sa == sb, 0.5, 1.0)[None, :])
            c["as"] = np.ix_(a, sidx)
            c["sa"] = np.ix_(sidx, a)
    cm._cache = c
    return c


def derivatives(cm: "CompiledModel", theta: np.ndarray, S: np.ndarray, logdetS: float | None = None,
                cholS: np.ndarray | None = None):
    """``(F, ∇F, ℋ_expected, ℋ_exact)`` at ``theta``.

    With ``W = Σ⁻¹ − Σ⁻¹SΣ⁻¹`` the exact Hessian is
    ``∂²F/∂θ_k∂θ_l = tr(W Σ_kl) − tr(Σ⁻¹Σ_kΣ⁻¹Σ_l) + 2 tr(Σ⁻¹Σ_k Σ⁻¹SΣ⁻¹ Σ_l)``; the
    traces use the rank-two forms of ``Σ_k`` and the second derivatives ``Σ_kl`` of the RAM
    model are (``G = FE``, ``H = G Smat Eᵀ``, ``C = E Smat Eᵀ``)
    ``tr(WΣ_{A_ij,A_kl}) = 2[E_li (HᵀWG)_jk + C_lj (GᵀWG)_ki + E_jk (HᵀWG)_li]`` and
    ``tr(WΣ_{A_ij,S_ab}) = 2[E_ja (GᵀWG)_bi + E_jb (GᵀWG)_ai]`` (halved when a = b).

    One triangular inversion (or LU factorisation) of ``I − A`` and one Cholesky factorisation of Σ
    per call (``Σ⁻¹ = L⁻ᵀL⁻¹``); the six ``e × e`` blocks are gathered from two ``2m × 2m`` products
    ``ZᵀΩZ`` and ``ZᵀΩSΩZ`` (``Z = [G H]``), computed as ``YᵀY`` (syrk; with ``cholS``, the Cholesky
    factor R of S, ``ZᵀΩSΩZ = (RᵀΩZ)ᵀ(RᵀΩZ)``), so both Hessians come out exactly symmetric; the
    second-derivative terms are gathered with flat indices built once per model (:func:`_flat_cache`),
    for the pairs k ≤ l only.  It runs once or twice per Newton iteration of every bootstrap resample.
    """
    A, Sm = cm.matrices(theta, S)
    p = cm.p
    E = _inverse_I_minus_A(cm, A)
    if E is None:
        raise np.linalg.LinAlgError("I - A is singular")
    C = E @ Sm @ E.T                     # one product gives Σ = C[:p, :p] and H = G Smat Eᵀ = C[:p]
    G, H = E[:p], C[:p]
    L = _cholesky(C[:p, :p])             # reads the lower triangle of Σ
    if L is None:
        raise np.linalg.LinAlgError("the implied covariance matrix is not positive definite")
    Li = lapack.dtrtri(L, lower=1)[0]    # Σ⁻¹ = Ω = LiᵀLi
    fc = _flat_cache(cm)
    # ∂Σ/∂θ_e = u vᵀ + v uᵀ with u, v columns of Z = [G H] (p × 2m): every trace below is an entry of
    # K1 = ZᵀΩZ, K2 = ZᵀΩSΩZ or ZᵀWZ = K1 − K2, gathered with flat indices built once per model.
    # K1 = YᵀY with Y = Li Z and, with S = R Rᵀ, K2 = (RᵀΩZ)ᵀ(RᵀΩZ): numpy computes such products
    # by syrk, so K1, K2 and the Hessians gathered from them are exactly symmetric
    Z = np.concatenate((G, H), axis=1)
    Y = Li @ Z
    K1 = Y.T @ Y
    OZ = Li.T @ Y
    if cholS is not None:
        Y = cholS.T @ OZ
        K2 = Y.T @ Y
        LR = Li @ cholS
        trOS = np.vdot(LR, LR)
    else:
        K2 = OZ.T @ (S @ OZ)
        K2 = 0.5 * (K2 + K2.T)
        trOS = np.sum((Li @ S) * Li)
    K1, K2 = K1.ravel(), K2.ravel()
    KW = K1 - K2
    if logdetS is None:
        logdetS = np.linalg.slogdet(S)[1]
    F = 2 * np.log(L.diagonal()).sum() + trOS - logdetS - p
    g_e = 2 * KW.take(fc["g_pos"]) * fc["sv"]                     # 2 uᵀWv
    # Both Hessians are symmetric: only the pairs k ≤ l are computed (fc["nt"] of them), from one
    # gather of uᵀΩu, vᵀΩv, uᵀΩv and (uᵀΩv)ᵀ (K1) and the same with ΩSΩ (K2).  The factor ½ of a
    # variance's v (sv) multiplies every product below as sv_k sv_l, so it is applied once at the end.
    UU1, VV1, UV1, VU1, UU2, VV2, UV2, VU2 = np.concatenate((K1, K2)).take(fc["blocks"]).reshape(8, fc["nt"])
    T1 = UU1 * VV1
    T1 += UV1 * VU1                                          # ½ tr(ΩΣ_kΩΣ_l) / (sv_k sv_l)
    T2 = VU2 * UV1
    T2 += UV2 * VU1
    T2 += VV2 * UU1
    T2 += UU2 * VV1                                          # tr(ΩΣ_k ΩSΩ Σ_l) / (sv_k sv_l)
    T2 -= T1
    T2 *= fc["svsv2"]                                        # 2 T2 − T1: the exact Hessian but for tr(WΣ_kl)
    T1 *= fc["svsv2"]                                        # the expected Hessian
    a, s = fc["a"], fc["s"]
    if len(a):
        # T3 = tr(WΣ_kl), element [e1, e2] with e1 = A(i1, j1), e2 = A(k, l) = A(i2, j2):
        # E[l2, i1] HWG[j1, k2] + C[l2, j1] GWG[k2, i1] + E[j1, k2] HWG[l2, i1]  (zero on S × S);
        # GᵀWG and HᵀWG are the blocks [:m, :m] and [m:, :m] of ZᵀWZ
        # all factors in one gather from [E, C, ZᵀWZ] (fc["t3"]): the A × A products, then the A × S ones
        Q = np.concatenate((E.ravel(), C.ravel(), KW)).take(fc["t3"])
        naa = fc["naa"]
        x = Q[: 6 * naa].reshape(3, 2, naa)
        t3 = (x[:, 0] * x[:, 1]).sum(axis=0)                 # the pairs k ≤ l of the A × A block
        t3 *= 2
        if len(s):
            y = Q[6 * naa:].reshape(2, 2, -1)
            tas = (y[:, 0] * y[:, 1]).sum(axis=0)
            tas *= fc["twice_flat"]
            t3 = np.concatenate((t3, tas))
        T2[fc["t3_pos"]] += t3
    ne = len(g_e)
    Hf, He = np.empty(ne * ne), np.empty(ne * ne)
    for H, t in ((Hf, T1), (He, T2)):                        # the triangle and its mirror image
        H[fc["tri_up"]] = t
        H[fc["tri_low"]] = t
    Hf, He = Hf.reshape(ne, ne), He.reshape(ne, ne)
    if fc["P_identity"]:
        return float(F), g_e, Hf, He
    P = cm._P
    Hf, He = P.T @ Hf @ P, P.T @ He @ P
    return float(F), cm._agg(g_e), 0.5 * (Hf + Hf.T), 0.5 * (He + He.T)


def _flat_cache(cm: "CompiledModel") -> dict:
    """Flat gather positions of the free entries for :func:`derivatives` (built once per model)."""
    c = getattr(cm, "_flat", None)
    if c is not None:
        return c
    em, ei, ej = cm._entries()
    m = cm.m
    a, s = np.flatnonzero(em == 0), np.flatnonzero(em == 1)
    c = {"a": a, "s": s, "diag": np.flatnonzero((em == 1) & (ei == ej)),
         "P_identity": _index_cache(cm)["P_identity"]}
    if len(a):
        i, j = ei[a], ej[a]
        ne = len(em)
        sq = (na := len(a), na)
        ji = (j[:, None] * m + i[None, :]).ravel()
        jj = (j[:, None] * m + j[None, :]).ravel()
        ii = (i[:, None] * m + i[None, :]).ravel()
        c.update(aa=np.ix_(a, a), ji=ji, jj=jj, ii=ii, jiT=ji.reshape(sq).T.ravel(), jjT=jj.reshape(sq).T.ravel(),
                 iiT=ii.reshape(sq).T.ravel(), aa_flat=(a[:, None] * ne + a[None, :]).ravel())
        if len(s):
            sa, sb = ei[s], ej[s]
            c.update(jsa=(j[:, None] * m + sa[None, :]).ravel(), jsb=(j[:, None] * m + sb[None, :]).ravel(),
                     isa=(i[:, None] * m + sa[None, :]).ravel(), isb=(i[:, None] * m + sb[None, :]).ravel(),
                     twice=np.where(sa == sb, 1.0, 2.0)[None, :])
            c["twice_flat"] = np.broadcast_to(c["twice"], (na, len(s))).ravel().copy()
            c["as"], c["sa"] = np.ix_(a, s), np.ix_(s, a)
            c["as_flat"] = (a[:, None] * ne + s[None, :]).ravel()     # (a_k, s_l) in row-major order of tas
            c["sa_flat"] = (a[:, None] + s[None, :] * ne).ravel()     # (s_l, a_k): the transposed positions
    # positions in the flattened 2m × 2m matrices ZᵀXZ (Z = [G H]): u_e = Z[:, iu_e], v_e = Z[:, iv_e] · sv_e
    m2 = 2 * m
    iu = ei
    iv = np.where(em == 0, m + ej, ej)
    sv = np.where((em == 1) & (ei == ej), 0.5, 1.0)
    ne = len(em)
    ku, lu = np.triu_indices(ne)         # the pairs k ≤ l of the symmetric Hessians
    off = m2 * m2
    uu, vv = iu[ku] * m2 + iu[lu], iv[ku] * m2 + iv[lu]
    uv, vu = iu[ku] * m2 + iv[lu], iu[lu] * m2 + iv[ku]    # (uᵀXv)[k, l] and [l, k]
    # gather positions of [uu, vv, uv, vu] in K1 and then in K2, stored one after the other (K = [K1, K2])
    blocks = np.concatenate((uu, vv, uv, vu, uu + off, vv + off, uv + off, vu + off))
    tri = np.empty((ne, ne), dtype=np.intp)             # position of the pair (k, l) or (l, k) among them
    tri[ku, lu] = tri[lu, ku] = np.arange(len(ku))
    c.update(nt=len(ku), sv=sv, svsv2=2 * sv[ku] * sv[lu], g_pos=iu * m2 + iv, blocks=blocks,
             tri_up=ku * ne + lu, tri_low=lu * ne + ku)

    def gwg(ix):                         # (GᵀWG) flat index r·m + c  ->  ZᵀWZ[r, c]
        return (ix // m) * m2 + ix % m

    def hwg(ix):                         # (HᵀWG) flat index r·m + c  ->  ZᵀWZ[m + r, c]
        return (m + ix // m) * m2 + ix % m

    if len(a):
        c.update(h_ji=hwg(c["ji"]), h_jiT=hwg(c["jiT"]), g_iiT=gwg(c["iiT"]))
        # the factors of tr(WΣ_kl) as positions in [E, C, ZᵀWZ] (E and C are m × m), in pairs, for the
        # pairs k ≤ l of the A × A block and every pair of the A × S block; fc["t3_pos"]: their places
        # among the pairs k ≤ l of the Hessian
        e_, c_, k_ = 0, m * m, 2 * m * m
        na = len(a)
        ka, la = np.triu_indices(na)
        upper = ka * na + la
        t3 = [x.take(upper) for x in (c["jiT"] + e_, c["h_ji"] + k_, c["jjT"] + c_, c["g_iiT"] + k_, c["ji"] + e_,
                                     c["h_jiT"] + k_)]
        pos = [tri[a[ka], a[la]]]
        if len(s):
            c.update(g_isa=gwg(c["isa"]), g_isb=gwg(c["isb"]))
            t3 += [c["jsa"] + e_, c["g_isb"] + k_, c["jsb"] + e_, c["g_isa"] + k_]
            pos.append(tri[a[:, None], s[None, :]].ravel())
        c.update(t3=np.concatenate(t3), naa=len(upper), t3_pos=np.concatenate(pos))
    cm._flat = c
    return c


def value_gradient(cm: "CompiledModel", theta: np.ndarray, S: np.ndarray, logdetS: float):
    """``(F, ∇F)``; ``(inf, None)`` when Σ(θ) is not positive definite."""
    try:
        Sigma, E, Sm, _ = cm.implied(theta, S)
        L = np.linalg.cholesky(Sigma)
    except np.linalg.LinAlgError:
        return math.inf, None
    Li = np.linalg.inv(L)
    Om = Li.T @ Li
    OS = Om @ S
    F = 2 * np.log(np.diag(L)).sum() + np.trace(OS) - logdetS - cm.p
    U, V = cm._uv(E, Sm, *cm._entries())
    W = Om - OS @ Om
    g_e = 2 * np.einsum("pe,pe->e", U, W @ V)
    return float(F), cm._agg(g_e)


def fit_cov(cm: "CompiledModel", S: np.ndarray, n: int, start: np.ndarray | None = None, *, max_iter: int = 300,
            tol: float = 1e-9, warm_iter: int = 20, restart_iter: int = 40,
            give_up: tuple[int, int] | None = None) -> "CovFit":
    """Fit the model to the (biased) covariance matrix ``S`` of ``n`` observations.

    Newton steps with the exact Hessian where it is positive definite, Fisher scoring steps
    (expected Hessian) elsewhere, both with step halving on F.  Converged when
    ``max |∇F| < tol``, or when F cannot decrease further at machine precision and
    ``max |∇F| < 1e-6``.  With ``start`` (e.g. the full-sample estimates in a bootstrap) the
    warm start gets ``warm_iter`` iterations; if it has not converged by then, the fit
    restarts from :meth:`CompiledModel.start_values` for at most ``restart_iter`` iterations (an
    ill-conditioned resample can otherwise drift along a flat valley towards an inadmissible
    solution; such resamples are given up quickly).  ``restart_iter=0`` keeps the warm start only.
    ``give_up=(h, r)`` stops as not converged once the step had to be halved at least ``h`` times in
    ``r`` iterations running (the quadratic model overshoots by ``2**h`` again and again: the information
    is near-singular along the step, a flat valley with no optimum in reach; see :mod:`csat.sem.bootstrap`).
    Never raises for numerical trouble: the returned :class:`CovFit` says
    ``converged=False`` (and carries the lowest F found).
    """
    S = np.asarray(S, dtype=float)
    logdetS = np.linalg.slogdet(S)[1]
    if start is not None:
        first = _optimize(cm, np.array(start, dtype=float), S, logdetS, min(warm_iter, max_iter), tol, give_up)
        if first.converged or warm_iter >= max_iter or restart_iter <= 0:
            return first
        second = _optimize(cm, cm.start_values(S), S, logdetS,
                       min(max_iter - first.iterations, restart_iter), tol)
        second.iterations += first.iterations
        if second.converged or not np.isfinite(first.fmin) or second.fmin <= first.fmin:
            return second
        first.iterations = second.iterations
        return first
    return _optimize(cm, cm.start_values(S), S, logdetS, max_iter, tol)


def _optimize(cm: "CompiledModel", theta: np.ndarray, S: np.ndarray, logdetS: float, max_iter: int, tol: float,
              give_up: tuple[int, int] | None = None) -> "CovFit":
    cholS = _cholesky(S)                 # S = R Rᵀ for the objective's trace (None: S not positive definite)
    Fv = objective(cm, theta, S, logdetS, cholS)
    q = cm.npar
    g = np.full(q, np.nan)
    Hf = None
    it = 0
    converged = False
    if not np.isfinite(Fv):
        return CovFit(theta=theta, fmin=math.inf, gradient=g, hessian=None, converged=False, iterations=0)
    history = [Fv]
    overshoots = 0
    ahead = None                 # derivatives at theta, computed when the last full step was tried
    full_step = False            # was the last step a full (unhalved) one?
    while it < max_iter:
        it += 1
        if ahead is not None:
            (Fv, g, Hf, He), ahead = ahead, None
        else:
            try:
                Fv, g, Hf, He = derivatives(cm, theta, S, logdetS, cholS)
            except np.linalg.LinAlgError:
                break
        gmax = np.abs(g).max() if q else 0.0
        if gmax < tol:
            converged = True
            break
        Lh = _cholesky(He)
        if Lh is not None:
            step = lapack.dpotrs(Lh, g, lower=1)[0]
        else:
            Hr = Hf.copy()
            Hr.ravel()[:: q + 1] += 1e-12 * Hf.trace() / max(q, 1)
            Lr = _cholesky(Hr)                                 # the expected Hessian is positive semi-definite
            if Lr is not None:
                step = lapack.dpotrs(Lr, g, lower=1)[0]
            else:
                _, _, step, info = lapack.dgesv(Hr, g)        # LU with partial pivoting (= numpy.linalg.solve)
                if info != 0:
                    step = np.linalg.lstsq(Hf, g, rcond=None)[0]
        accept = Fv + 1e-15 * max(1.0, abs(Fv))
        alpha, improved, first, gave_up = 1.0, False, 0, False
        if full_step:
            # after a full step the next one is usually full too (Newton's quadratic phase): evaluate
            # the derivatives at the full step at once, and use them for the next iteration if it is taken
            cand = theta - step
            try:
                ahead = derivatives(cm, cand, S, logdetS, cholS)
            except np.linalg.LinAlgError:
                ahead = None
            if ahead is not None and ahead[0] <= accept:
                improved, halvings, Fc = True, 0, ahead[0]
            else:
                ahead, alpha, first = None, 0.5, 1
        if not improved:
            for halvings in range(first, 30):
                if (give_up is not None and halvings >= give_up[0] and overshoots + 1 >= give_up[1]
                        and gmax >= 1e-6):
                    gave_up = True               # the give-up rule below would stop after this search
                    break
                cand = theta - alpha * step
                Fc = objective(cm, cand, S, logdetS, cholS)
                if Fc <= accept:
                    improved = True
                    break
                alpha *= 0.5
        if gave_up:
            break
        if not improved:
            converged = bool(gmax < 1e-6)
            break
        full_step = halvings == 0
        if give_up is not None:
            overshoots = overshoots + 1 if halvings >= give_up[0] else 0
        theta, Fv = cand, Fc
        history.append(Fv)
        if len(history) > 12 and history[-12] - Fv < 1e-12 * max(1.0, abs(Fv)) and gmax > 1e-6:
            break                                     # stalled: a flat valley, not an optimum
    return CovFit(theta=theta, fmin=float(Fv), gradient=g, hessian=Hf, converged=bool(converged),
                  iterations=it)


@dataclass
class CovFit:
    """Raw result of :func:`fit_cov` (``fmin`` is the discrepancy F, ``χ² = N F``)."""

    theta: np.ndarray
    fmin: float
    gradient: np.ndarray
    hessian: np.ndarray | None
    converged: bool
    iterations: int


def check_identified(cm: "CompiledModel", H: np.ndarray) -> None:
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
