"""Thresholds, polychoric and polyserial correlations, and their asymptotic covariance (lavaan's ``lavCor``).

The two-step estimates of Olsson (1979) and Olsson, Drasgow & Dorans (1982), as lavaan's ``lavCor`` (and
``psych::polychoric(correct = 0)`` for two ordinal items):

* **thresholds** of an ordinal item with categories ``1 … K``: ``τ_k = Φ⁻¹(P(y ≤ k))``, ``k = 1 … K−1``;
  a continuous item has its mean and its (divide-by-N) variance instead;
* **polychoric** correlation of two ordinal items: the ρ maximising ``Σ_ab n_ab log P_ab(ρ)`` with the
  thresholds held at their one-step values, ``P_ab`` the bivariate-normal probability of cell (a, b)
  (Genz's algorithm for the bivariate normal distribution, vectorised over all cells and all pairs,
  Fisher scoring for all pairs at once);
* **polyserial** correlation of a continuous and an ordinal item: the ρ maximising the conditional
  likelihood ``Σ_i log[Φ((τ_b − ρz_i)/√(1−ρ²)) − Φ((τ_{b−1} − ρz_i)/√(1−ρ²))]`` (``z`` the standardized
  continuous item), and the Pearson correlation of two continuous items;
* the **asymptotic covariance matrix** (``NACOV``, lavaan's ``lavInspect(fit, "gamma")``) of the statistics
  ``(thresholds and means, variances of continuous items, correlations)``, from the casewise scores of the
  two steps (Muthén 1984; Muthén & Satorra 1995): ``N · B⁻¹ (Σ_i s_i s_iᵀ) B⁻ᵀ`` with the block-triangular
  "bread" ``B`` of the stage-wise estimating equations, and the delta rule from correlations to
  covariances where continuous items are involved.

:func:`polychoric` is the entry point; :func:`bvn_cdf` the bivariate normal distribution function.
Ordinal items are coded by their sorted distinct values (as lavaan does for an ``ordered`` numeric column).

The estimates are the maximum of the plain two-step likelihood, as psych's.  lavaan 0.6.14 floors every cell
probability at √eps ≈ 1.5e-8 in the likelihood it maximises, so where a respondent sits in a cell the model finds
nearly impossible (raw ECSI imag1 = 10 with imag2 = 0) its maximum moves (0.746 there, against psych's and our
0.707); every other pair agrees to 2e-5 (tests/reference/polychoric_floor.R, tests/stats/test_polychoric_floor.py).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import special

from csat.core.errors import ModelError
from csat.core.threads import one_blas_thread

__all__ = ["bvn_cdf", "PolychoricResult", "polychoric", "ordinal_codes"]

_SQ2PI = np.sqrt(2 * np.pi)


def _ncdf(x):
    return special.ndtr(x)


def _npdf(x):
    x = np.asarray(x, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.exp(-0.5 * x * x) / _SQ2PI
    return np.where(np.isfinite(x), out, 0.0)


def _gl(n: int):
    t, w = np.polynomial.legendre.leggauss(n)
    return 1.0 + t, w            # Genz's nodes 1 ± x on [0, 2] and their weights


_GL = {6: _gl(6), 12: _gl(12), 20: _gl(20)}


def _bvnu(h: np.ndarray, k: np.ndarray, r) -> np.ndarray:
    """``P(X > h, Y > k)`` for a standard bivariate normal with correlation ``r`` (a scalar, or an array
    like ``h`` whose entries fall in one of Genz's regimes: see :func:`_regime`), finite h, k:
    Genz (2004), "Numerical computation of rectangular bivariate and trivariate normal and t
    probabilities", Statistics and Computing 14, 251–260 (the algorithm of his ``bvnu``)."""
    r = np.broadcast_to(np.asarray(r, dtype=float), h.shape)
    if h.size == 0:
        return np.zeros(h.shape)
    ar = float(np.abs(r).max())
    if ar == 0 and float(np.abs(r).min()) == 0:
        return _ncdf(-h) * _ncdf(-k)
    tp = 2 * np.pi
    x, w = _GL[6 if ar < 0.3 else 12 if ar < 0.75 else 20]
    hk = h * k
    if ar < 0.925:
        hs = (h * h + k * k) / 2
        asr = np.arcsin(r) / 2
        sn = np.sin(asr[:, None] * x[None, :])                 # nodes
        e = np.exp((sn * hk[:, None] - hs[:, None]) / (1 - sn * sn))
        return e @ w * asr / tp + _ncdf(-h) * _ncdf(-k)
    neg = r < 0
    k = np.where(neg, -k, k)
    hk = np.where(neg, -hk, hk)
    bvn = np.zeros_like(h)
    inner = np.abs(r) < 1
    if inner.any():
        as_ = (1 - r) * (1 + r)
        with np.errstate(under="ignore", over="ignore", invalid="ignore", divide="ignore"):
            a = np.sqrt(as_)
            bs = (h - k) ** 2
            asr = -(bs / as_ + hk) / 2
            c = (4 - hk) / 8
            d = (12 - hk) / 80
            bvn = np.where(asr > -100, a * np.exp(asr) * (1 - c * (bs - as_) * (1 - d * bs) / 3 + c * d * as_ * as_), 0.0)
            b = np.sqrt(bs)
            sp = _SQ2PI * _ncdf(-b / a)
            bvn = np.where(hk > -100, bvn - np.exp(-hk / 2) * sp * b * (1 - c * bs * (1 - d * bs) / 3), bvn)
            a2 = a / 2
            xs = (a2[:, None] * x[None, :]) ** 2                            # nodes
            asr2 = -(bs[:, None] / xs + hk[:, None]) / 2
            sp2 = 1 + c[:, None] * xs * (1 + 5 * d[:, None] * xs)
            rs = np.sqrt(1 - xs)
            ep = np.exp(-(hk[:, None] / 2) * (xs / (1 + rs) ** 2)) / rs
            term = np.where(asr2 > -100, np.exp(asr2) * (sp2 - ep), 0.0)
        bvn = np.where(inner, (a2 * (term @ w) - bvn) / tp, 0.0)
    pos = r > 0
    L = np.where(h < 0, _ncdf(k) - _ncdf(h), _ncdf(-h) - _ncdf(-k))
    return np.where(pos, bvn + _ncdf(-np.maximum(h, k)), np.where(h >= k, -bvn, L - bvn))


def _regime(r: np.ndarray) -> np.ndarray:
    """Genz's regime of each correlation: the quadrature size and the formula it takes."""
    a = np.abs(r)
    return np.where(a < 0.3, 0, np.where(a < 0.75, 1, np.where(a < 0.925, 2, 3)))


def bvn_cdf(h, k, r) -> np.ndarray:
    """``Φ₂(h, k; r) = P(X ≤ h, Y ≤ k)`` of a standard bivariate normal with correlation ``r``,
    element-wise over ``h``, ``k`` (±inf allowed) and ``r``, accurate to about 1e-15 (Genz 2004).

    Examples
    --------
    >>> round(float(bvn_cdf(0.0, 0.0, 0.5)), 10)      # 1/4 + asin(1/2)/(2π) = 1/3
    0.3333333333
    >>> float(bvn_cdf(np.inf, 1.0, 0.3)) == float(special.ndtr(1.0))
    True

    In R, ``mnormt::pmnorm(c(0, 0), varcov = matrix(c(1, .5, .5, 1), 2))`` → 0.3333333.
    """
    h, k, r = np.broadcast_arrays(np.asarray(h, dtype=float), np.asarray(k, dtype=float),
                                  np.asarray(r, dtype=float))
    shape = h.shape
    h, k, r = h.ravel(), k.ravel(), r.ravel()
    out = np.empty(h.shape)
    fin = np.isfinite(h) & np.isfinite(k)
    # infinite limits: Φ₂(−inf, ·) = 0, Φ₂(inf, k) = Φ(k)
    out[~fin] = np.where((h[~fin] == -np.inf) | (k[~fin] == -np.inf), 0.0,
                         np.where(h[~fin] == np.inf, _ncdf(k[~fin]), _ncdf(h[~fin])))
    idx = np.flatnonzero(fin)
    if idx.size:
        reg = _regime(r[idx])
        for g in np.unique(reg):
            sub = idx[reg == g]
            out[sub] = _bvnu(-h[sub], -k[sub], r[sub])
    return np.clip(out, 0.0, 1.0).reshape(shape)


def _bvn_pdf(h, k, r):
    s = 1 - r * r
    with np.errstate(invalid="ignore", over="ignore"):
        q = (h * h - 2 * r * h * k + k * k) / s
        out = np.exp(-0.5 * q) / (2 * np.pi * np.sqrt(s))
    return np.where(np.isfinite(h) & np.isfinite(k), out, 0.0)


def ordinal_codes(x: pd.Series) -> tuple[np.ndarray, list]:
    """``(codes 0 … K−1, levels)``: an ordinal item coded by its sorted distinct values."""
    levels = sorted(pd.unique(x.dropna()))
    codes = pd.Categorical(x, categories=levels).codes.astype(int)
    return codes, levels


def _complete_codes(x: pd.Series) -> tuple[np.ndarray, list]:
    """:func:`ordinal_codes` of an item without missing answers (numeric: one ``np.unique``)."""
    if isinstance(x.dtype, np.dtype) and x.dtype.kind in "biuf":
        levels, codes = np.unique(x.to_numpy(), return_inverse=True)
        return codes.astype(int).ravel(), list(levels)
    return ordinal_codes(x)


def _grid(tau: np.ndarray, K: int) -> np.ndarray:
    """Thresholds padded with −inf in front and +inf to ``K + 1`` entries."""
    g = np.full(K + 1, np.inf)
    g[0] = -np.inf
    g[1: len(tau) + 1] = tau
    return g


@dataclass
class PolychoricResult:
    """Two-step statistics of a set of items (lavaan's ``lavCor`` sample statistics).

    ``th`` the thresholds in lavaan's order: per item its thresholds ``t1 … t(K−1)``, a continuous
    item its mean; ``th_names`` (``item|t1`` or the item name);
    ``cor`` the correlation matrix; ``var`` the variances (1 for ordinal items); ``nacov`` the
    asymptotic covariance matrix of ``(th, variances of continuous items, vech of cov without
    diagonal)`` times N (lavaan's ``gamma``) or ``None``; ``ordered`` which items are ordinal;
    ``levels`` their categories; ``n`` the complete cases."""

    items: list
    ordered: list
    th: np.ndarray
    th_names: list
    th_item: np.ndarray
    cor: pd.DataFrame
    var: np.ndarray
    mean: np.ndarray
    n: int
    levels: dict = field(default_factory=dict)
    nacov: np.ndarray | None = None

    @property
    def cov(self) -> np.ndarray:
        sd = np.sqrt(self.var)
        return self.cor.to_numpy() * np.outer(sd, sd)

    def thresholds(self) -> pd.DataFrame:
        """The thresholds as a tidy table ``item, threshold (t1 …), value``."""
        rows = [(self.items[i], nm.split("|")[1], v) for i, nm, v in zip(self.th_item, self.th_names, self.th)
                if "|" in nm]
        return pd.DataFrame(rows, columns=["item", "threshold", "value"])


def _cell_quantities(gi: np.ndarray, gj: np.ndarray, r: float):
    """For one pair with threshold grids ``gi``, ``gj``: the cell probabilities P and ∂P/∂ρ."""
    F = bvn_cdf(gi[:, None], gj[None, :], r)
    P = F[1:, 1:] - F[:-1, 1:] - F[1:, :-1] + F[:-1, :-1]
    f = _bvn_pdf(gi[:, None], gj[None, :], r)
    dP = f[1:, 1:] - f[:-1, 1:] - f[1:, :-1] + f[:-1, :-1]
    return P, dP


def _fit_pair(tab: np.ndarray, gi: np.ndarray, gj: np.ndarray, start: float = 0.0) -> float:
    """Two-step ML polychoric correlation of one table (lavaan's ``lav_bvord_cor_twostep_fit``)."""
    nr, nc = int(np.isfinite(gi).sum()) + 1, int(np.isfinite(gj).sum()) + 1
    tab = tab[:nr, :nc].copy()
    gi, gj = gi[: nr + 1].copy(), gj[: nc + 1].copy()
    gi[-1] = gj[-1] = np.inf
    if nr == 2 and nc == 2:
        zero = np.flatnonzero(tab.ravel() == 0)
        if len(zero) == 2:
            return 1.0 if tab[0, 0] > 0 else -1.0
        if len(zero) == 1:                  # lavaan's zero.add = 0.5 with zero.keep.margins
            sgn = 1.0 if zero[0] in (0, 3) else -1.0
            tab = tab + sgn * 0.5 * np.array([[1.0, -1.0], [-1.0, 1.0]])
        if tab[0, 0] * tab[1, 1] == tab[0, 1] * tab[1, 0]:
            return 0.0
        if gi[1] == 0 and gj[1] == 0:
            return float(-np.cos(2 * np.pi * tab[0, 0] / tab.sum()))
    pos = tab > 0

    def ll(r):
        P, _ = _cell_quantities(gi, gj, r)
        return float(np.sum(tab[pos] * np.log(np.maximum(P[pos], 1e-300))))

    r = float(np.clip(start, -0.99, 0.99))
    n = tab.sum()
    f0 = ll(r)
    for _ in range(100):                       # Fisher scoring with step halving
        P, dP = _cell_quantities(gi, gj, r)
        Pp = np.maximum(P[pos], 1e-300)
        g = float(np.sum(tab[pos] * dP[pos] / Pp))
        info = float(n * np.sum(dP[pos] ** 2 / Pp))
        if abs(g) < 1e-10 * n or info <= 0:
            break
        step, t = g / info, 1.0
        while True:
            cand = float(np.clip(r + t * step, -0.999, 0.999))
            fc = ll(cand)
            if fc >= f0 - 1e-12 * abs(f0) or t < 1e-8:
                break
            t *= 0.5
        done = abs(cand - r) < 1e-14
        r, f0 = cand, fc
        if done:
            break
    return r


def _cells_all(GI: np.ndarray, GJ: np.ndarray, r: np.ndarray, second: bool = False):
    """Cell probabilities and ∂P/∂ρ of every pair at once (pairs × Kmax × Kmax); with ``second`` also
    ∂²P/∂ρ² (from ∂φ₂/∂ρ = φ₂ [ρ/(1−ρ²) + (hk(1−ρ²) − ρ(h² − 2ρhk + k²))/(1−ρ²)²])."""
    H = GI[:, :, None]
    K = GJ[:, None, :]
    R = r[:, None, None]
    F = bvn_cdf(H, K, R)
    P = F[:, 1:, 1:] - F[:, :-1, 1:] - F[:, 1:, :-1] + F[:, :-1, :-1]
    f = _bvn_pdf(H, K, R)
    dP = f[:, 1:, 1:] - f[:, :-1, 1:] - f[:, 1:, :-1] + f[:, :-1, :-1]
    if not second:
        return P, dP
    s = 1 - R * R
    with np.errstate(invalid="ignore"):
        hk = np.where(np.isfinite(H) & np.isfinite(K), H * K, 0.0)
        q = np.where(np.isfinite(H) & np.isfinite(K), H * H - 2 * R * hk + K * K, 0.0)
        df = np.where(f > 0, f * (R / s + (hk * s - R * q) / (s * s)), 0.0)
    d2P = df[:, 1:, 1:] - df[:, :-1, 1:] - df[:, 1:, :-1] + df[:, :-1, :-1]
    return P, dP, d2P


def _fit_pairs(tabs: np.ndarray, GI: np.ndarray, GJ: np.ndarray) -> np.ndarray:
    """Two-step ML polychoric correlations of many tables at once: Newton steps (Fisher scoring where the
    observed information is not positive) with step halving per pair, bounded to ±0.999 as lavaan's
    optimiser; only the pairs still moving are evaluated."""
    npairs = tabs.shape[0]
    pos = tabs > 0
    n = tabs.sum(axis=(1, 2))

    def loglik(P, idx):
        t, ps = tabs[idx], pos[idx]
        return np.sum(np.where(ps, t * np.log(np.where(ps, np.maximum(P, 1e-300), 1.0)), 0.0), axis=(1, 2))

    r = np.zeros(npairs)
    allidx = np.arange(npairs)
    P, dP, d2P = _cells_all(GI, GJ, r, second=True)
    ll = loglik(P, allidx)
    act = allidx
    for _ in range(200):
        ps, t_ = pos[act], tabs[act]
        Pp = np.where(ps, np.maximum(P, 1e-300), 1.0)
        g = np.sum(np.where(ps, t_ * dP / Pp, 0.0), axis=(1, 2))
        fisher = n[act] * np.sum(np.where(ps, dP * dP / Pp, 0.0), axis=(1, 2))
        # Newton with the observed information where it is positive, Fisher scoring otherwise
        obs = -np.sum(np.where(ps, t_ * (d2P / Pp - (dP / Pp) ** 2), 0.0), axis=(1, 2))
        info = np.where(obs > 0, obs, fisher)
        ra = r[act]
        stuck = ((ra >= 0.999) & (g > 0)) | ((ra <= -0.999) & (g < 0))      # at a bound, pushing out
        keep = (np.abs(g) >= 1e-10 * n[act]) & (info > 0) & ~stuck
        act, g, info, P, dP, d2P = act[keep], g[keep], info[keep], P[keep], dP[keep], d2P[keep]
        if not len(act):
            break
        step = g / info
        t = np.ones(len(act))
        idx = act
        cand_all = r[act].copy()
        P_new, dP_new, d2P_new, ll_new = P.copy(), dP.copy(), d2P.copy(), ll[act].copy()
        todo = np.arange(len(act))
        for _h in range(40):
            cand = np.clip(r[idx] + t[todo] * step[todo], -0.999, 0.999)
            Pc, dPc, d2Pc = _cells_all(GI[idx], GJ[idx], cand, second=True)
            llc = loglik(Pc, idx)
            ok = llc >= ll[idx] - 1e-12 * np.abs(ll[idx])
            k = todo[ok]
            cand_all[k], P_new[k], dP_new[k], d2P_new[k], ll_new[k] = cand[ok], Pc[ok], dPc[ok], d2Pc[ok], llc[ok]
            todo, idx = todo[~ok], idx[~ok]
            if not len(todo):
                break
            t[todo] *= 0.5
        moved = np.abs(cand_all - r[act])
        r[act], ll[act] = cand_all, ll_new
        P, dP, d2P = P_new, dP_new, d2P_new
        going = moved >= 1e-14
        act, P, dP, d2P = act[going], P[going], dP[going], d2P[going]
        if not len(act):
            break
    return r


def polychoric(data: pd.DataFrame, ordered: Sequence[str] | bool | None = True, *, nacov: bool = False,
               items: Sequence[str] | None = None) -> PolychoricResult:
    """Thresholds and polychoric/polyserial/Pearson correlations of ``items`` (all columns by default)
    on the complete cases, as lavaan's ``lavCor(data, ordered = ...)``; ``nacov=True`` adds their
    asymptotic covariance matrix (times N, lavaan's ``lavInspect(fit, "gamma")``).

    Parameters
    ----------
    data : DataFrame
        The answers; ordinal items are coded by their sorted distinct values.
    ordered : True, False or list of str
        Which items are ordinal (True: all, as lavaan's ``ordered = TRUE``).
    nacov : bool
        Compute the asymptotic covariance matrix of the statistics (needed by WLSMV).
    items : list of str, optional
        The items (default: all columns of ``data``).

    Returns
    -------
    PolychoricResult

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.read_csv("tests/reference/ordinal_hs5.csv")
    >>> pc = polychoric(d[["x1", "x2", "x3"]])
    >>> round(float(pc.cor.loc["x1", "x2"]), 4), [round(float(t), 4) for t in pc.th[:4]]
    (0.3703, [-2.1294, -1.053, 0.3975, 1.8354])

    In R: ``lavCor(d[c("x1", "x2", "x3")], ordered = TRUE)["x1", "x2"]`` → 0.3703 and the thresholds
    of ``x1`` (``lavInspect(lavCor(..., output = "fit"), "sampstat")$th``) → -2.1294 -1.0530 0.3975 1.8354.
    """
    items = list(data.columns if items is None else items)
    if ordered is True:
        ordered = list(items)
    elif ordered is False or ordered is None:
        ordered = []
    ordered = [v for v in items if v in set(ordered)]
    D = data[items]
    keep = D.notna().all(axis=1).to_numpy()
    D = D[keep]
    n = len(D)
    p = len(items)
    if n < 2:
        raise ModelError(f"only {n} complete case(s) for the items; cannot compute polychoric correlations")
    is_ord = np.array([v in set(ordered) for v in items])
    codes = np.zeros((n, p), dtype=int)
    K = np.zeros(p, dtype=int)
    levels = {}
    Y = np.zeros((n, p))
    for c, v in enumerate(items):
        if is_ord[c]:
            codes[:, c], levels[v] = _complete_codes(D[v])
            K[c] = len(levels[v])
            if K[c] < 2:
                raise ModelError(f"ordinal item {v!r} has only one category in the complete cases")
        else:
            if not pd.api.types.is_numeric_dtype(D[v]):
                raise ModelError(f"item {v!r} is not numeric; declare it ordered")
            Y[:, c] = D[v].to_numpy(float)
    # step 1: thresholds (ordinal) or mean and variance (continuous)
    th, th_names, th_item, grids = [], [], [], {}
    mean = np.zeros(p)
    var = np.ones(p)
    for c, v in enumerate(items):
        if is_ord[c]:
            cum = np.cumsum(np.bincount(codes[:, c], minlength=K[c]))[:-1] / n
            tau = special.ndtri(cum)
            grids[c] = _grid(tau, int(K[c]))
            th.extend(tau)
            th_names.extend(f"{v}|t{k + 1}" for k in range(K[c] - 1))
            th_item.extend([c] * (K[c] - 1))
        else:
            mean[c] = Y[:, c].mean()
            var[c] = Y[:, c].var()
            th.append(mean[c])
            th_names.append(v)
            th_item.append(c)
    th = np.array(th)
    th_item = np.array(th_item)
    # step 2: correlations, lavaan's order (j = 1 … p−1, i = j+1 … p)
    R = np.eye(p)
    ords = [c for c in range(p) if is_ord[c]]
    Km = int(K.max()) if ords else 0
    pg = {c: np.concatenate([grids[c], np.full(Km + 1 - len(grids[c]), np.inf)]) for c in ords}
    pairs = [(i, j) for j in range(p - 1) for i in range(j + 1, p)]
    oq = np.array([q for q, (i, j) in enumerate(pairs) if is_ord[i] and is_ord[j]], int)
    with one_blas_thread():                      # tall n × k products: threads only contend
        tabs = _pair_tables(codes, np.array(ords, int), Km, pairs, oq)
        multi = []                               # ordinal pairs fitted together (tables larger than 2 × 2)
        for t, q in enumerate(oq):
            i, j = pairs[q]
            if K[i] > 2 or K[j] > 2:
                multi.append(t)
            else:
                R[i, j] = R[j, i] = _fit_pair(tabs[t].T, pg[j], pg[i])
        for i, j in pairs:
            if is_ord[i] and is_ord[j]:
                continue
            if not is_ord[i] and not is_ord[j]:
                R[i, j] = R[j, i] = np.corrcoef(Y[:, i], Y[:, j])[0, 1]
            else:
                cy, cx = (i, j) if not is_ord[i] else (j, i)
                R[i, j] = R[j, i] = _polyserial(Y[:, cy], mean[cy], var[cy], codes[:, cx], grids[cx])
        if multi:
            I = np.array([pairs[oq[t]][0] for t in multi])
            J = np.array([pairs[oq[t]][1] for t in multi])
            GI = np.stack([pg[j] for j in J])
            GJ = np.stack([pg[i] for i in I])
            r = _fit_pairs(np.ascontiguousarray(tabs[multi].transpose(0, 2, 1)), GI, GJ)
            R[I, J] = R[J, I] = r
        res = PolychoricResult(items=items, ordered=ordered, th=th, th_names=th_names, th_item=th_item,
                               cor=pd.DataFrame(R, index=items, columns=items), var=var, mean=mean, n=n,
                               levels=levels)
        if nacov:
            res.nacov = _nacov(res, codes, Y, is_ord, grids, K, (pairs, oq, tabs, pg, Km))
    return res


def _pair_tables(codes: np.ndarray, ords: np.ndarray, Km: int, pairs: list, oq: np.ndarray) -> np.ndarray:
    """The contingency tables of the ordinal pairs ``oq`` (indices into ``pairs``; rows: the categories
    of the pair's first item), all from one product of the one-hot coded answers."""
    if not len(oq):
        return np.zeros((0, Km, Km))
    n = codes.shape[0]
    pos = np.full(codes.shape[1], -1)
    pos[ords] = np.arange(len(ords))
    X = np.zeros((n, len(ords) * Km))
    X[np.arange(n)[:, None], pos[ords][None, :] * Km + codes[:, ords]] = 1.0
    T = (X.T @ X).reshape(len(ords), Km, len(ords), Km)
    I = pos[np.array([pairs[q][0] for q in oq])]
    J = pos[np.array([pairs[q][1] for q in oq])]
    return np.round(T[I, :, J, :])


def _polyserial_parts(y, mu, v, codes, g, r):
    z = (y - mu) / np.sqrt(v)
    s = np.sqrt(1 - r * r)
    up, lo = g[codes + 1], g[codes]
    a, b = (up - r * z) / s, (lo - r * z) / s
    P = _ncdf(a) - _ncdf(b)
    return z, s, up, lo, a, b, P


def _polyserial(y, mu, v, codes, g) -> float:
    """Two-step ML polyserial correlation (lavaan's ``lav_bvmix_cor_twostep_fit``)."""
    def nll(r):
        *_, P = _polyserial_parts(y, mu, v, codes, g, r)
        return -float(np.sum(np.log(np.maximum(P, 1e-300))))

    def score(r):
        z, s, up, lo, a, b, P = _polyserial_parts(y, mu, v, codes, g, r)
        # d a/dρ = (−z s + (up − ρz) ρ/s)/s² = (ρ up − z)/s³
        with np.errstate(invalid="ignore"):
            da = np.where(np.isfinite(up), (r * up - z) / s ** 3, 0.0)
            db = np.where(np.isfinite(lo), (r * lo - z) / s ** 3, 0.0)
        return np.sum((_npdf(a) * da - _npdf(b) * db) / np.maximum(P, 1e-300))
    from scipy import optimize
    lo_, hi_ = -0.999, 0.999
    if score(lo_) < 0:
        return lo_
    if score(hi_) > 0:
        return hi_
    return float(optimize.brentq(score, lo_, hi_, xtol=1e-14, rtol=1e-14))


def _nacov(res: PolychoricResult, codes, Y, is_ord, grids, K, cache) -> np.ndarray:
    """N × the asymptotic covariance of (thresholds/means, variances of continuous items, correlations
    or covariances): Muthén (1984)'s sandwich ``B⁻¹ (Σ s sᵀ) B⁻ᵀ`` of the casewise scores, with lavaan's
    ordering and its delta rule from correlations to covariances for continuous items.

    ``B`` is block triangular (``A11`` block diagonal by item, ``A22`` diagonal, ``A21`` with the two
    items' thresholds of each pair), so ``Z = S B⁻ᵀ`` costs little and the sandwich is the one
    product ``N ZᵀZ``.  ``cache``: the pairs, the ordinal ones and their tables from :func:`polychoric`."""
    pairs, oq, tabs, pg, Km = cache
    n, p = codes.shape
    R = res.cor.to_numpy()
    th_item = res.th_item
    nth = len(res.th)
    num = [c for c in range(p) if not is_ord[c]]
    nvar_sc = len(num)
    a11_size = nth + nvar_sc
    th_pos = {c: np.flatnonzero(th_item == c) for c in range(p)}
    var_pos = {c: nth + k for k, c in enumerate(num)}
    pstar = len(pairs)
    sc = np.zeros((n, a11_size + pstar))          # casewise scores: [th slots | variances | correlations]
    sc_cor = sc[:, a11_size:]
    # univariate scores of the thresholds: d log P_c / d τ_k = φ(τ_k)/P if c == k, −φ(τ_k)/P if c == k + 1
    oc = np.flatnonzero(is_ord)
    if len(oc):
        Gm = np.stack([pg[c] for c in oc])                     # items × (Km + 1), padded with +inf
        NG, PH = _ncdf(Gm), _npdf(Gm)
        Pc = NG[:, 1:] - NG[:, :-1]                             # items × categories
        cat = np.arange(Km)[None, :]
        with np.errstate(invalid="ignore", divide="ignore"):
            UP = np.where(cat < (K[oc] - 1)[:, None], PH[:, 1:] / Pc, 0.0)     # the category's upper τ
            DN = np.where(cat >= 1, -PH[:, :-1] / Pc, 0.0)                    # and its lower τ
        X = codes[:, oc]
        it = np.arange(len(oc))[None, :]
        flat = np.arange(n)[:, None] * sc.shape[1] + np.array([th_pos[c][0] for c in oc])[None, :] + X
        up = X < K[oc][None, :] - 1
        np.put(sc, flat[up], UP[it, X][up])
        dn = X >= 1
        np.put(sc, flat[dn] - 1, DN[it, X][dn])
    for c in num:
        mu, v = res.mean[c], res.var[c]
        e = Y[:, c] - mu
        sc[:, th_pos[c][0]] = e / v
        sc[:, var_pos[c]] = -0.5 / v + 0.5 * e * e / (v * v)
    a21 = np.zeros((pstar, a11_size))
    h21 = np.zeros((pstar, a11_size))
    h22 = np.eye(pstar)
    if len(oq):
        _ordinal_pair_scores(oq, pairs, R, codes, tabs, pg, Km, K, th_pos, sc_cor, a21)
    for q, (i, j) in enumerate(pairs):
        r = R[i, j]
        if is_ord[i] and is_ord[j]:
            continue
        elif not is_ord[i] and not is_ord[j]:
            mi, mj, vi, vj = res.mean[i], res.mean[j], res.var[i], res.var[j]
            zi, zj = (Y[:, i] - mi) / np.sqrt(vi), (Y[:, j] - mj) / np.sqrt(vj)
            s_r, d = _bvreg_scores(zi, zj, r, vi, vj)
            sc_cor[:, q] = s_r
            a21[q, th_pos[i][0]] = s_r @ d["mu1"]
            a21[q, th_pos[j][0]] = s_r @ d["mu2"]
            a21[q, var_pos[i]] = s_r @ d["v1"]
            a21[q, var_pos[j]] = s_r @ d["v2"]
            h21[q, var_pos[i]] = np.sqrt(vj) * r / (2 * np.sqrt(vi))
            h21[q, var_pos[j]] = np.sqrt(vi) * r / (2 * np.sqrt(vj))
            h22[q, q] = np.sqrt(vi) * np.sqrt(vj)
        else:
            cy, cx = (i, j) if not is_ord[i] else (j, i)
            s_r, d_mu, d_v, d_th = _bvmix_scores(Y[:, cy], res.mean[cy], res.var[cy], codes[:, cx], grids[cx], r)
            sc_cor[:, q] = s_r
            a21[q, th_pos[cy][0]] = s_r @ d_mu
            a21[q, var_pos[cy]] = s_r @ d_v
            for k in range(K[cx] - 1):
                a21[q, th_pos[cx][k]] = s_r @ d_th[k]
            h21[q, var_pos[cy]] = r / (2 * np.sqrt(res.var[cy]))
            h22[q, q] = np.sqrt(res.var[cy])
    a11 = np.zeros((a11_size, a11_size))
    for c in range(p):
        idx = list(th_pos[c]) + ([var_pos[c]] if c in var_pos else [])
        blk = sc[:, idx]
        a11[np.ix_(idx, idx)] = blk.T @ blk
    a22 = np.einsum("ij,ij->j", sc_cor, sc_cor)
    a11_inv = np.linalg.inv(a11)
    Z = np.empty_like(sc)                          # Z = S B⁻ᵀ
    Z[:, :a11_size] = sc[:, :a11_size] @ a11_inv.T
    Z[:, a11_size:] = (sc_cor - Z[:, :a11_size] @ a21.T) / a22
    W = Z.T @ Z
    if num:
        H = np.eye(a11_size + pstar)
        H[a11_size:, :a11_size] = h21
        H[a11_size:, a11_size:] = h22
        W = H @ W @ H.T
        # lavaan's statistic of a continuous item is −mean in WLS.obs: reverse the sign of its rows
        num_th = [th_pos[c][0] for c in num]
        W[num_th, :] *= -1
        W[:, num_th] *= -1
    return n * 0.5 * (W + W.T)


def _ordinal_pair_scores(oq, pairs, R, codes, tabs, pg, Km, K, th_pos, sc_cor, a21) -> None:
    """The casewise scores of the polychoric correlations ``oq`` (indices into ``pairs``; ``tabs`` their
    tables) into ``sc_cor`` and their cross-products with the bivariate threshold scores into ``a21``, all
    pairs at once: with ``Q_ab = n_ab (∂P_ab/∂ρ) / P_ab²``, ``A21[q, τ_ik] = Σ_b ∂_k(b) (Q_kb − Q_(k+1)b)``
    where ``∂_k(b)`` is the derivative of ``Φ₂(τ_ik, τ_jb; ρ) − Φ₂(τ_ik, τ_j(b−1); ρ)`` with respect to
    ``τ_ik``."""
    I = np.array([pairs[q][0] for q in oq])
    J = np.array([pairs[q][1] for q in oq])
    GI = np.stack([pg[i] for i in I])
    GJ = np.stack([pg[j] for j in J])
    r = R[I, J]
    npq = len(oq)
    P, dP = _cells_all(GI, GJ, r)
    with np.errstate(invalid="ignore", divide="ignore"):
        S = np.where(P > 0, dP / np.where(P > 0, P, 1.0), 0.0)          # ∂ log P / ∂ρ per cell
        Q = np.where(tabs > 0, tabs * S / np.where(P > 0, P, 1.0), 0.0)
    sc_cor[:, oq] = S.reshape(npq, -1)[np.arange(npq)[None, :], codes[:, I] * Km + codes[:, J]]
    s = np.sqrt(1 - r * r)[:, None, None]
    rr = r[:, None, None]
    with np.errstate(invalid="ignore"):
        Gi = _npdf(GI)[:, :, None] * _ncdf((GJ[:, None, :] - rr * GI[:, :, None]) / s)
        Gj = _npdf(GJ)[:, None, :] * _ncdf((GI[:, :, None] - rr * GJ[:, None, :]) / s)
    Gi = np.where(np.isfinite(GI)[:, :, None], np.nan_to_num(Gi), 0.0)
    Gj = np.where(np.isfinite(GJ)[:, None, :], np.nan_to_num(Gj), 0.0)
    dGi = Gi[:, :, 1:] - Gi[:, :, :-1]           # pairs × (Km+1) × Km
    dGj = Gj[:, 1:, :] - Gj[:, :-1, :]           # pairs × Km × (Km+1)
    Qp = np.concatenate([Q, np.zeros((npq, 1, Km))], axis=1)      # Q with a zero row Km
    Qq = np.concatenate([Q, np.zeros((npq, Km, 1))], axis=2)
    vi = np.einsum("tkb,tkb->tk", dGi[:, 1:Km], Qp[:, :Km - 1] - Qp[:, 1:Km])      # pairs × (Km − 1)
    vj = np.einsum("tak,tak->tk", dGj[:, :, 1:Km], Qq[:, :, :Km - 1] - Qq[:, :, 1:Km])
    k = np.arange(Km - 1)[None, :]
    for items, v in ((I, vi), (J, vj)):
        start = np.array([th_pos[c][0] for c in items])[:, None]
        ok = k < (K[items] - 1)[:, None]
        rows = np.broadcast_to(oq[:, None], ok.shape)
        a21[rows[ok], (start + k)[ok]] = v[ok]


def _bvreg_scores(z1, z2, r, v1, v2):
    """Casewise scores of the bivariate normal correlation (Pearson) with respect to ρ, and of its
    log-likelihood with respect to the means and variances (for A21)."""
    s = 1 - r * r
    q = z1 * z1 - 2 * r * z1 * z2 + z2 * z2
    s_r = r / s + (z1 * z2) / s - r * q / (s * s)
    # derivatives of the bivariate log density wrt mu1, mu2, v1, v2
    sd1, sd2 = np.sqrt(v1), np.sqrt(v2)
    d_mu1 = (z1 - r * z2) / (s * sd1)
    d_mu2 = (z2 - r * z1) / (s * sd2)
    d_v1 = -0.5 / v1 + (z1 * z1 - r * z1 * z2) / (2 * s * v1)
    d_v2 = -0.5 / v2 + (z2 * z2 - r * z1 * z2) / (2 * s * v2)
    return s_r, {"mu1": d_mu1, "mu2": d_mu2, "v1": d_v1, "v2": d_v2}


def _bvmix_scores(y, mu, v, codes, g, r):
    """Casewise scores of the polyserial likelihood: ∂/∂ρ, and ∂/∂(mean, variance, thresholds)."""
    sd = np.sqrt(v)
    z = (y - mu) / sd
    s = np.sqrt(1 - r * r)
    up, lo = g[codes + 1], g[codes]
    a, b = (up - r * z) / s, (lo - r * z) / s
    P = np.maximum(_ncdf(a) - _ncdf(b), 1e-300)
    pa, pb = _npdf(a), _npdf(b)
    fin_u, fin_l = np.isfinite(up), np.isfinite(lo)
    with np.errstate(invalid="ignore"):
        da_r = np.where(fin_u, (r * up - z) / s ** 3, 0.0)
        db_r = np.where(fin_l, (r * lo - z) / s ** 3, 0.0)
    s_r = (pa * da_r - pb * db_r) / P
    # log f = log φ(z) − ½ log v + log P(a, b): z depends on mu and v
    dz_mu = -1 / sd
    dz_v = -z / (2 * v)
    dlogP_dz = (pa * np.where(fin_u, -r / s, 0.0) - pb * np.where(fin_l, -r / s, 0.0)) / P
    d_mu = -z * dz_mu + dlogP_dz * dz_mu
    d_v = -z * dz_v - 0.5 / v + dlogP_dz * dz_v
    d_th = []
    K = len(g) - 1
    for k in range(K - 1):
        tk = g[k + 1]
        val = _npdf((tk - r * z) / s) / s
        d_th.append(np.where(codes == k, val, np.where(codes == k + 1, -val, 0.0)) / P)
    return s_r, d_mu, d_v, d_th
