"""Reliability and construct validity of multi-item scales.

Item-based statistics follow ``psych::alpha`` (Revelle, psych 2.2.9); model-based ones
(omega, AVE) and HTMT follow ``semTools::reliability`` / ``semTools::htmt`` (semTools 0.5-6)
and take a lavaan-style estimates table (``lhs, op, rhs, est, std.all``) as input, so they
work with lavaan's output as well as with :func:`csat.sem.fit`.

Every function is pure: DataFrame in, number / tidy DataFrame out.  Constructs are given as
``{name: [item, ...]}`` (a study's ``params.constructs`` works too).  Missing data are handled
``"pairwise"`` (psych's default: each covariance from the respondents who answered both items)
or ``"listwise"`` (only respondents who answered every item of the construct); the choice is
a function argument and is written into the outputs.

The top-level helpers used by the notebook are :func:`reliability_table`,
:func:`item_total_table`, :func:`loadings_table`, :func:`htmt`, :func:`fornell_larcker`,
:func:`cross_loadings` and :func:`validity_verdict`.  The item correlations and covariances they
start from are :mod:`csat.stats.correlations`'; the measurement model whose estimates feed omega, CR
and AVE is built and fitted by :mod:`csat.sem.measurement`; the reader's texts and display tables
are :mod:`csat.analyses.reliability`'s.
"""
from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from csat.core.diagnostics import Diagnostic, diagnostic
from csat.core.i18n import N_
from csat.stats.correlations import (check_missing, cov2cor, item_correlations, item_covariance, item_frame,
                                     pairwise_corr, smc)

RELIABILITY_COLUMNS = ["construct", "n_items", "n", "alpha", "alpha.ci.lower", "alpha.ci.upper",
                       "omega", "cr", "ave"]
ITEM_TOTAL_COLUMNS = ["construct", "item", "r.drop", "alpha.if.deleted"]


# --------------------------------------------------------------------------------------------
# input handling
# --------------------------------------------------------------------------------------------
def construct_items(constructs: Mapping[str, Any]) -> dict[str, list[str]]:
    """``{name: [items]}`` from a plain mapping or from ``StudyParams.constructs``."""
    if not isinstance(constructs, Mapping) or not constructs:
        raise ValueError("constructs must be a non-empty mapping {construct name: [item, ...]}")
    out: dict[str, list[str]] = {}
    for name, spec in constructs.items():
        items = spec if isinstance(spec, (list, tuple)) else getattr(spec, "items", None)
        if isinstance(items, str) or not isinstance(items, (list, tuple)) or len(items) == 0:
            raise ValueError(f"construct {name!r}: expected a non-empty list of item names, got {spec!r}")
        out[str(name)] = [str(i) for i in items]
    return out


def reverse_items(df: pd.DataFrame, items: Sequence[str], min: float, max: float) -> pd.DataFrame:
    """Recode reverse-keyed items: ``x' = min + max − x`` (a copy; other columns untouched; missing stays
    missing).  The one reverse coding in csat: ``01_cleaning`` applies it to the study's ``reverse`` items.

    A negatively worded item that is not recoded enters the scale with the wrong sign: its
    covariances with the other items turn negative and Cronbach's alpha drops (it can even
    become negative).  Reference: Revelle, psych ``reverse.code``.
    """
    if not max > min:
        raise ValueError(f"reverse_items: max ({max}) must be greater than min ({min})")
    X = item_frame(df, items)
    out = df.copy()
    for i in items:
        out[i] = (min + max) - X[i]
    return out


# --------------------------------------------------------------------------------------------
# item-based reliability (psych::alpha)
# --------------------------------------------------------------------------------------------
def alpha_from_cov(C: np.ndarray) -> float:
    """Cronbach's (1951) alpha from an item covariance matrix (psych ``raw_alpha``).

    ``α = k/(k−1) · (1 − tr(C) / ΣC)``; NaN for fewer than two items.
    """
    C = np.asarray(C, dtype=float)
    k = C.shape[0]
    if k < 2 or not np.isfinite(C).all():
        return math.nan
    tot = C.sum()
    return float(k / (k - 1) * (1 - np.trace(C) / tot)) if tot != 0 else math.nan


def standardized_alpha(R: np.ndarray) -> float:
    """Standardized alpha (psych ``std.alpha``): ``k/(k−1) · (1 − k / ΣR)`` from the correlation matrix."""
    R = np.asarray(R, dtype=float)
    k = R.shape[0]
    if k < 2 or not np.isfinite(R).all():
        return math.nan
    return float(k / (k - 1) * (1 - k / R.sum()))


def average_r(R: np.ndarray) -> float:
    """Mean inter-item correlation (psych ``average_r``): ``(ΣR − k) / (k(k−1))``."""
    R = np.asarray(R, dtype=float)
    k = R.shape[0]
    if k < 2 or not np.isfinite(R).all():
        return math.nan
    return float((R.sum() - k) / (k * (k - 1)))


def guttman_lambda6(R: np.ndarray) -> float:
    """Guttman's (1945) lambda-6 on the correlation matrix (psych ``G6(smc)``).

    ``λ6 = 1 − Σ(1 − smc_i) / ΣR``, with ``smc_i`` the squared multiple correlation of item
    i with the other items (:func:`csat.stats.correlations.smc`).  NaN for fewer than two items.
    """
    R = np.asarray(R, dtype=float)
    k = R.shape[0]
    if k < 2 or not np.isfinite(R).all():
        return math.nan
    return float(1 - (k - smc(R).sum()) / R.sum())


def split_half(C: np.ndarray) -> float:
    """Odd/even split-half reliability, Spearman–Brown corrected.

    The items, in the construct's listed order, are split into odd (1st, 3rd, …) and even
    (2nd, 4th, …) positions; ``r`` is the correlation of the two half sums computed from the
    item covariance matrix, ``r = ΣC[odd, even] / √(ΣC[odd, odd] · ΣC[even, even])``, and the
    reliability is ``2r / (1 + r)`` (Spearman 1910; Brown 1910).  This is one fixed split (not
    psych ``splitHalf``'s maximum or average over all splits).  NaN for fewer than two items.
    """
    C = np.asarray(C, dtype=float)
    k = C.shape[0]
    if k < 2 or not np.isfinite(C).all():
        return math.nan
    o, e = np.arange(0, k, 2), np.arange(1, k, 2)
    den = math.sqrt(C[np.ix_(o, o)].sum() * C[np.ix_(e, e)].sum()) if C[np.ix_(o, o)].sum() > 0 and C[np.ix_(e, e)].sum() > 0 else 0
    if den == 0:
        return math.nan
    r = C[np.ix_(o, e)].sum() / den
    return float(2 * r / (1 + r))


def feldt_ci(alpha: float, n: int, k: int, level: float = 0.95) -> tuple[float, float]:
    """Feldt (1965) confidence interval of Cronbach's alpha (psych ``alpha.ci``).

    With ``F`` quantiles on ``(n − 1, (n − 1)(k − 1))`` degrees of freedom and ``p = 1 − level``:
    ``lower = 1 − (1 − α) F(1 − p/2)``, ``upper = 1 − (1 − α) F(p/2)``.  Feldt, L. S. (1965),
    Psychometrika 30, 357–370.
    """
    if not (np.isfinite(alpha) and n > 1 and k > 1):
        return math.nan, math.nan
    from scipy import stats          # here, not at the top: `csat.pipeline.build prepare` imports this module

    p = 1 - level
    d1, d2 = n - 1, (n - 1) * (k - 1)
    lo = 1 - (1 - alpha) * stats.f.ppf(1 - p / 2, d1, d2)
    hi = 1 - (1 - alpha) * stats.f.ppf(p / 2, d1, d2)
    return float(lo), float(hi)


def _usable(C: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Items with a positive finite variance, and those without (psych deletes the latter)."""
    v = np.diag(C.to_numpy())
    ok = [c for c, x in zip(C.columns, v) if np.isfinite(x) and x > 0]
    bad = [c for c in C.columns if c not in ok]
    return ok, bad


def alpha_stats(data: pd.DataFrame, items: Sequence[str], missing: str = "pairwise",
                construct: str | None = None, level: float = 0.95) -> dict:
    """Internal consistency of one scale, as ``psych::alpha(data[items], use = missing)``.

    Returns ``n_items, n, alpha`` (raw, Cronbach 1951), ``alpha.ci.lower/upper`` (Feldt 1965,
    :func:`feldt_ci`), ``std.alpha``, ``average_r``, ``lambda6`` (Guttman's λ6, psych
    ``G6(smc)``), ``split_half`` (odd/even Spearman–Brown, :func:`split_half`), ``missing`` and
    ``dropped`` (items without variance, left out as psych does).  With one item every
    coefficient is NaN.  ``n`` is the number of respondents used (see
    :func:`csat.stats.correlations.item_covariance`;
    psych counts every row passed to it, which differs only when a row answers none of the
    items).

    Examples
    --------
    >>> r = alpha_stats(holzinger, ["x1", "x2", "x3"])
    >>> [round(r[k], 3) for k in ("alpha", "alpha.ci.lower", "alpha.ci.upper", "std.alpha", "average_r", "lambda6")]
    [0.626, 0.547, 0.694, 0.627, 0.359, 0.535]

    In R (``HS <- lavaan::HolzingerSwineford1939``): ``psych::alpha(HS[, c("x1","x2","x3")])$total$raw_alpha`` → 0.626,
    ``psych::alpha(HS[, c("x1","x2","x3")])$feldt$lower.ci`` → 0.547 and
    ``psych::alpha(HS[, c("x1","x2","x3")])$total[["G6(smc)"]]`` → 0.535.
    """
    items = list(items)
    C, n = item_covariance(data, items, missing, construct)
    ok, bad = _usable(C)
    Cm = C.loc[ok, ok].to_numpy()
    R = cov2cor(Cm)
    a = alpha_from_cov(Cm)
    lo, hi = feldt_ci(a, n, len(ok), level)
    return {"n_items": len(items), "n": n, "alpha": a, "alpha.ci.lower": lo, "alpha.ci.upper": hi,
            "std.alpha": standardized_alpha(R), "average_r": average_r(R),
            "lambda6": guttman_lambda6(R), "split_half": split_half(Cm), "missing": missing,
            "dropped": ", ".join(bad)}


def item_total(data: pd.DataFrame, items: Sequence[str], missing: str = "pairwise",
               construct: str = "") -> pd.DataFrame:
    """Corrected item–total correlation and alpha if the item is deleted (psych ``alpha``).

    ``r.drop_i = (Σ_j C_ij − C_ii) / √(C_ii · ΣC_(−i,−i))``: the correlation of item i with the
    sum of the other items (psych ``item.stats$r.drop``).  ``alpha.if.deleted_i`` = raw alpha of
    the remaining items (psych ``alpha.drop$raw_alpha``).  With two items the remaining "scale"
    is a single item, for which alpha is undefined: NaN with a note (psych prints
    ``C12/C22`` there, which is not an alpha).  Items without variance get NaN with a note.
    Columns: ``construct, item, r.drop, alpha.if.deleted, note``.
    """
    items = list(items)
    C, _ = item_covariance(data, items, missing, construct)
    ok, bad = _usable(C)
    Cm = C.loc[ok, ok].to_numpy()
    k = len(ok)
    rows = []
    for it in items:
        if it in bad:
            rows.append((construct, it, math.nan, math.nan, "item has no variance; left out"))
            continue
        i = ok.index(it)
        rest = [j for j in range(k) if j != i]
        if k < 2:
            rows.append((construct, it, math.nan, math.nan, "single-item construct: undefined"))
            continue
        v_rest = Cm[np.ix_(rest, rest)].sum()
        c_rest = Cm[i, rest].sum()
        den = Cm[i, i] * v_rest
        r_drop = float(c_rest / math.sqrt(den)) if np.isfinite(den) and den > 0 else math.nan
        if k == 2:
            rows.append((construct, it, r_drop, math.nan,
                         "two-item construct: alpha of the one remaining item is undefined"))
        else:
            rows.append((construct, it, r_drop, alpha_from_cov(Cm[np.ix_(rest, rest)]), ""))
    return pd.DataFrame(rows, columns=ITEM_TOTAL_COLUMNS + ["note"])


# --------------------------------------------------------------------------------------------
# model-based (CFA) statistics: semTools::reliability
# --------------------------------------------------------------------------------------------
def _estimates(estimates: Any, need_std: bool = False) -> pd.DataFrame:
    est = getattr(estimates, "estimates", estimates)
    if not isinstance(est, pd.DataFrame):
        raise TypeError("estimates must be a lavaan-style DataFrame (lhs, op, rhs, est, std.all) "
                        f"or a fitted result with .estimates, not {type(estimates).__name__}")
    need = ["lhs", "op", "rhs", "est"] + (["std.all"] if need_std else [])
    absent = [c for c in need if c not in est.columns]
    if absent:
        raise ValueError(f"estimates: column(s) {absent} missing (have {list(est.columns)})")
    if not (est["op"] == "=~").any():
        raise ValueError("estimates: no '=~' (loading) rows; give the estimates of a CFA/SEM")
    return est


def model_matrices(estimates: Any) -> dict:
    """Λ, Θ and the latent covariance matrix from a lavaan-style estimates table.

    ``Lambda`` (indicators × factors) from ``=~`` rows, ``Theta`` (indicator residual
    (co)variances) and ``Psi`` (latent (residual) (co)variances) from ``~~`` rows, ``B`` from
    ``~`` rows among latent variables; the model-implied latent covariance matrix is
    ``cov.lv = (I − B)⁻¹ Ψ (I − B)⁻ᵀ`` (lavaan ``lavInspect(fit, "cov.lv")``).  Regressions
    of latent variables on observed covariates are not part of ``cov.lv`` here.
    """
    est = _estimates(estimates)
    load = est[est["op"] == "=~"]
    lat = list(dict.fromkeys(load["lhs"].astype(str)))
    ind = list(dict.fromkeys(load["rhs"].astype(str)))
    L = pd.DataFrame(0.0, index=ind, columns=lat)
    for r in load.itertuples(index=False):
        L.loc[str(r.rhs), str(r.lhs)] = float(r.est)
    Psi = pd.DataFrame(0.0, index=lat, columns=lat)
    Th = pd.DataFrame(0.0, index=ind, columns=ind)
    B = pd.DataFrame(0.0, index=lat, columns=lat)
    seen_var = set()
    for r in est[est["op"] == "~~"].itertuples(index=False):
        a, b = str(r.lhs), str(r.rhs)
        if a in lat and b in lat:
            Psi.loc[a, b] = Psi.loc[b, a] = float(r.est)
            if a == b:
                seen_var.add(a)
        elif a in ind and b in ind:
            Th.loc[a, b] = Th.loc[b, a] = float(r.est)
    for r in est[est["op"] == "~"].itertuples(index=False):
        if str(r.lhs) in lat and str(r.rhs) in lat:
            B.loc[str(r.lhs), str(r.rhs)] = float(r.est)
    absent = [f for f in lat if f not in seen_var]
    if absent:
        raise ValueError(f"estimates: no variance row ('{absent[0]} ~~ {absent[0]}') for latent "
                         f"variable(s) {absent}")
    E = np.linalg.inv(np.eye(len(lat)) - B.to_numpy())
    cov_lv = pd.DataFrame(E @ Psi.to_numpy() @ E.T, index=lat, columns=lat)
    return {"Lambda": L, "Theta": Th, "Psi": Psi, "B": B, "cov_lv": cov_lv}


def omega(estimates: Any) -> pd.Series:
    """McDonald's omega as ``semTools::reliability(fit)["omega", ]`` (Bentler 2009 form).

    For factor j with indicators I_j (non-zero loadings):
    ``ω_j = (Σ_i λ_ij)² ψ_jj / [(Σ_i λ_ij)² ψ_jj + Σ_{i,k ∈ I_j} θ_ik]``, where ψ_jj is the
    model-implied factor variance (``cov.lv``) and the error term sums the whole residual
    covariance block of the indicators, so residual covariances between two indicators of the
    same factor count (twice, as θ_ik and θ_ki).  Unstandardized estimates (``est``) are used;
    single-indicator factors are NaN (semTools drops them).  References: Bentler, P. M. (2009),
    Psychometrika 74, 137–143; McDonald (1999), *Test theory*; semTools 0.5-6 ``reliability``.

    Examples
    --------
    >>> omega(hs_fit.estimates).round(3).tolist()
    [0.625, 0.885, 0.688]

    In R (``fit <- lavaan::cfa(HS.model, HS)``): ``semTools::reliability(fit)["omega", "textual"]`` → 0.885.
    """
    m = model_matrices(estimates)
    L, Th, V = m["Lambda"], m["Theta"], m["cov_lv"]
    out = {}
    for f in L.columns:
        idx = [i for i in L.index if L.loc[i, f] != 0]
        if len(idx) < 2:
            out[f] = math.nan
            continue
        common = L[f].sum() ** 2 * V.loc[f, f]
        error = Th.loc[idx, idx].to_numpy().sum()
        out[f] = float(common / (common + error))
    return pd.Series(out, name="omega", dtype=float)


def ave(estimates: Any) -> pd.Series:
    """Average variance extracted as ``semTools::reliability(fit)["avevar", ]``.

    ``AVE_j = Σ_i λ_ij² ψ_jj / Σ_i (λ_ij² ψ_jj + θ_ii)`` over the indicators of factor j
    (Fornell & Larcker 1981, eq. 10, in the unstandardized metric; residual covariances do not
    enter).  NaN if an indicator of j also loads on another factor (semTools) or if j has a
    single indicator.  It equals the popular mean of squared standardized loadings
    (:func:`ave_classic`) only when the indicators have equal model-implied variances (e.g.
    standardized items); otherwise it weights items by their variance.  Reference: Fornell, C.
    & Larcker, D. F. (1981), J. Marketing Research 18, 39–50.

    Examples
    --------
    >>> ave(hs_fit.estimates).round(3).tolist()
    [0.371, 0.721, 0.424]

    In R (``fit <- lavaan::cfa(HS.model, HS)``): ``semTools::AVE(fit)["speed"]`` → 0.424.
    """
    m = model_matrices(estimates)
    L, Th, V = m["Lambda"], m["Theta"], m["cov_lv"]
    true_all = np.diag(L.to_numpy() @ V.to_numpy() @ L.to_numpy().T)
    out = {}
    for f in L.columns:
        idx = [k for k, i in enumerate(L.index) if L.loc[i, f] != 0]
        if len(idx) < 2:
            out[f] = math.nan
            continue
        lam = L[f].to_numpy()[idx]
        truefac = lam ** 2 * V.loc[f, f]
        trueitem = true_all[idx]
        if np.abs(trueitem - truefac).sum() >= 1e-5:
            out[f] = math.nan
            continue
        err = np.diag(Th.to_numpy())[idx]
        out[f] = float(trueitem.sum() / (trueitem + err).sum())
    return pd.Series(out, name="ave", dtype=float)


def _std_loadings(estimates: Any) -> dict[str, np.ndarray]:
    est = _estimates(estimates, need_std=True)
    load = est[est["op"] == "=~"]
    return {str(f): g["std.all"].to_numpy(dtype=float) for f, g in load.groupby("lhs", sort=False)}


def composite_reliability(estimates: Any) -> pd.Series:
    """Composite reliability from standardized loadings (Fornell & Larcker 1981, as commonly used).

    ``CR_j = (Σλ_std)² / ((Σλ_std)² + Σ(1 − λ_std²))`` with λ_std the ``std.all`` loadings; it
    ignores residual covariances (compare :func:`omega`).  NaN for single-indicator factors.
    """
    out = {}
    for f, lam in _std_loadings(estimates).items():
        if len(lam) < 2:
            out[f] = math.nan
            continue
        s = lam.sum() ** 2
        out[f] = float(s / (s + (1 - lam ** 2).sum()))
    return pd.Series(out, name="cr", dtype=float)


def ave_classic(estimates: Any) -> pd.Series:
    """AVE as the mean squared standardized loading: ``AVE_j = mean(λ_std²)`` (Hair et al.).

    See :func:`ave` for the semTools / Fornell–Larcker variance-weighted form used in the
    tables; NaN for single-indicator factors.
    """
    return pd.Series({f: float(np.mean(lam ** 2)) if len(lam) > 1 else math.nan
                      for f, lam in _std_loadings(estimates).items()}, name="ave_classic", dtype=float)


def latent_correlations(estimates: Any) -> pd.DataFrame:
    """Model-implied correlations of the latent variables (lavaan ``lavInspect(fit, "cor.lv")``),
    from ``cov.lv`` of :func:`model_matrices`."""
    V = model_matrices(estimates)["cov_lv"]
    return pd.DataFrame(cov2cor(V.to_numpy()), index=V.index, columns=V.columns)


def loadings_table(estimates: Any, thresholds: Any = None) -> pd.DataFrame:
    """Loadings of the measurement model: ``construct, item, est, std.all, level``.

    ``level`` is ``good`` (|λ_std| ≥ loading_good, default .70), ``acceptable`` (≥ loading, .50)
    or ``weak`` (below), judged on the absolute standardized loading (Hair et al. 2019).

    Parameters
    ----------
    estimates : DataFrame or fitted result
        lavaan-style estimates with ``lhs, op, rhs, est, std.all`` (``SEMResult.estimates`` or
        lavaan's ``standardizedSolution`` renamed), or a result with an ``.estimates`` attribute.
    thresholds : mapping or ``params.thresholds``, optional
        ``loading`` (default .50) and ``loading_good`` (default .70).

    Returns
    -------
    DataFrame
        One row per ``=~`` row: ``construct, item, est, std.all, level``.

    Examples
    --------
    >>> loadings_table(hs_fit.estimates).head(3).round(3)
      construct item    est  std.all       level
    0    visual   x1  1.000    0.772        good
    1    visual   x2  0.554    0.424        weak
    2    visual   x3  0.729    0.581  acceptable

    The standardized loading of x2 in R (``HS <- lavaan::HolzingerSwineford1939``,
    ``fit <- lavaan::cfa(HS.model, HS)``):
    ``subset(standardizedSolution(fit), op == "=~" & rhs == "x2")$est.std`` → 0.424.
    """
    t = resolve_thresholds(thresholds)
    est = _estimates(estimates, need_std=True)
    load = est[est["op"] == "=~"]
    out = pd.DataFrame({"construct": load["lhs"].astype(str).to_numpy(),
                        "item": load["rhs"].astype(str).to_numpy(),
                        "est": load["est"].to_numpy(dtype=float),
                        "std.all": load["std.all"].to_numpy(dtype=float)})
    a = out["std.all"].abs()
    out["level"] = np.where(a >= t["loading_good"], "good", np.where(a >= t["loading"], "acceptable", "weak"))
    out.loc[a.isna(), "level"] = ""
    return out


# --------------------------------------------------------------------------------------------
# discriminant validity
# --------------------------------------------------------------------------------------------
def htmt(data: pd.DataFrame, constructs: Mapping[str, Any], missing: str = "listwise",
         absolute: bool = True, htmt2: bool = True) -> pd.DataFrame:
    """Heterotrait–monotrait ratio of correlations, as ``semTools::htmt`` (0.5-6).

    ``HTMT_ij = m(|r| between items of i and j) / √(m(|r| among items of i) · m(|r| among items
    of j))`` where m is the mean over the item pairs (Henseler, Ringle & Sarstedt 2015, J. Acad.
    Marketing Sci. 43, 115–135).  semTools' defaults are used: ``htmt2=True`` takes geometric
    means (HTMT2, Roemer, Schuberth & Henseler 2021, Ind. Management & Data Systems 121,
    2637–2650) and absolute correlations; ``htmt2=False`` gives the original arithmetic HTMT
    (with ``absolute=False``, signed correlations).  ``missing="listwise"`` is semTools' default
    (``lavCor(missing = "listwise")`` over all items); ``"pairwise"`` uses lavaan's pairwise
    correlations (``lavCor(missing = "pairwise")``, see :func:`csat.stats.correlations.item_correlations`).  Single-item constructs have no monotrait correlation: their row is NaN.
    Returns a square matrix with a leading ``construct`` column.

    Parameters
    ----------
    data : DataFrame
        Respondents × items (numeric).
    constructs : mapping
        ``{construct: [item, ...]}`` (``params.constructs`` works too).
    missing : {"listwise", "pairwise"}
        How incomplete rows enter the item correlations (see above).
    absolute : bool
        Use absolute correlations (always so for HTMT2).
    htmt2 : bool
        Geometric means (HTMT2, semTools' default) rather than arithmetic means.

    Returns
    -------
    DataFrame
        Square construct × construct matrix with a leading ``construct`` column; 1 on the diagonal.

    Examples
    --------
    >>> htmt(holzinger, hs_constructs).round(3)
      construct  visual  textual  speed
    0    visual   1.000    0.384  0.387
    1   textual   0.384    1.000  0.280
    2     speed   0.387    0.280  1.000

    In R (``HS <- lavaan::HolzingerSwineford1939``, ``HS.model`` the three-factor model):
    ``semTools::htmt(HS.model, HS)["textual", "visual"]`` → 0.384 and
    ``semTools::htmt(HS.model, HS)["speed", "visual"]`` → 0.387.
    """
    cons = construct_items(constructs)
    items = [i for v in cons.values() for i in v]
    R = item_correlations(data, items, missing, lavaan_pairwise=True).to_numpy(dtype=float, copy=True)
    if absolute or htmt2:
        R = np.abs(R)
    np.fill_diagonal(R, np.nan)
    pos = {}
    k = 0
    for f, v in cons.items():
        pos[f] = np.arange(k, k + len(v))
        k += len(v)

    def m(block: np.ndarray) -> float:
        x = block[np.isfinite(block)] if not np.isnan(block).all() else np.array([])
        if x.size == 0:
            return math.nan
        if htmt2:
            with np.errstate(divide="ignore"):
                return float(np.exp(np.mean(np.log(x))))
        return float(np.mean(x))

    names = list(cons)
    mono = {f: m(R[np.ix_(pos[f], pos[f])]) for f in names}
    H = np.full((len(names), len(names)), np.nan)
    for a, fa in enumerate(names):
        for b, fb in enumerate(names):
            if a == b:
                H[a, b] = 1.0
            else:
                with np.errstate(invalid="ignore", divide="ignore"):
                    H[a, b] = m(R[np.ix_(pos[fa], pos[fb])]) / math.sqrt(mono[fa] * mono[fb])
    out = pd.DataFrame(H, columns=names)
    out.insert(0, "construct", names)
    return out


def fornell_larcker(ave_values: Mapping[str, float] | pd.Series, latent_cor: pd.DataFrame) -> pd.DataFrame:
    """Fornell–Larcker table: √AVE on the diagonal, latent correlations off the diagonal.

    The criterion (Fornell & Larcker 1981) holds for construct i when √AVE_i exceeds its
    absolute correlation with every other construct.  ``latent_cor`` is the model-implied
    latent correlation matrix (:func:`latent_correlations` or ``SEMResult.latent_cor()``).
    Returns a square matrix with a leading ``construct`` column, in the order of ``latent_cor``.

    Parameters
    ----------
    ave_values : mapping or Series
        AVE per construct (e.g. the ``ave`` column of :func:`reliability_table`, indexed by construct).
    latent_cor : DataFrame
        Square latent correlation matrix, constructs as index and columns.

    Returns
    -------
    DataFrame
        √AVE on the diagonal, latent correlations elsewhere, with a leading ``construct`` column.

    Examples
    --------
    >>> fornell_larcker(ave(hs_fit.estimates), hs_fit.latent_cor()).round(3)
      construct  visual  textual  speed
    0    visual   0.609    0.459  0.471
    1   textual   0.459    0.849  0.283
    2     speed   0.471    0.283  0.652

    In R (``fit <- lavaan::cfa(HS.model, HS)``): ``sqrt(semTools::AVE(fit))["visual"]`` → 0.609 and
    ``lavInspect(fit, "cor.lv")["visual", "textual"]`` → 0.459.
    """
    names = [str(c) for c in latent_cor.columns]
    av = pd.Series(ave_values, dtype=float)
    M = latent_cor.loc[names, names].to_numpy(dtype=float).copy()
    for k, f in enumerate(names):
        a = av.get(f, math.nan)
        M[k, k] = math.sqrt(a) if np.isfinite(a) and a >= 0 else math.nan
    out = pd.DataFrame(M, columns=names)
    out.insert(0, "construct", names)
    return out


def cross_loadings(data: pd.DataFrame, constructs: Mapping[str, Any], missing: str = "pairwise") -> pd.DataFrame:
    """Cross-loadings: correlation of every item with every construct score.

    Construct scores are unit-weighted means (:func:`csat.stats.descriptives.construct_scores`: any answered
    item with ``pairwise``, every item with ``listwise``); an item's correlation
    with its own construct includes the item itself (uncorrected), as in PLS cross-loading
    tables (Chin 1998).  An item should correlate more with its own construct than with any
    other.  ``pairwise``: pairwise-complete correlations; ``listwise``: rows answering every
    item.  Columns: ``item, construct`` (its own), then one column per construct.

    Parameters
    ----------
    data : DataFrame
        Respondents × items (numeric).
    constructs : mapping
        ``{construct: [item, ...]}``.
    missing : {"pairwise", "listwise"}
        Pairwise-complete correlations, or only rows answering every item.

    Returns
    -------
    DataFrame
        ``item, construct`` (the item's own construct), then one column per construct.

    Examples
    --------
    >>> cross_loadings(holzinger, hs_constructs).head(3).round(3)
      item construct  visual  textual  speed
    0   x1    visual   0.767    0.376  0.284
    1   x2    visual   0.726    0.178  0.090
    2   x3    visual   0.778    0.156  0.245

    In R (``HS <- lavaan::HolzingerSwineford1939``): ``cor(HS$x1, rowMeans(HS[, c("x4","x5","x6")]))`` → 0.376.
    """
    cons = construct_items(constructs)
    items = [i for v in cons.values() for i in v]
    X = item_frame(data, items)
    if missing == "listwise":
        X = X.dropna()
    from csat.stats.descriptives import construct_scores

    check_missing(missing)
    S = construct_scores(X, cons, min_share=0.0 if missing == "pairwise" else 1.0)
    both = pd.concat([X, S.add_prefix("\x00")], axis=1)
    C = pairwise_corr(both)
    out = C.loc[items, ["\x00" + f for f in cons]].copy()
    out.columns = list(cons)
    own = {i: f for f, v in cons.items() for i in v}
    out.insert(0, "construct", [own[i] for i in items])
    out.insert(0, "item", items)
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# tables for the notebook
# --------------------------------------------------------------------------------------------
def reliability_table(data: pd.DataFrame, constructs: Mapping[str, Any], estimates: Any = None,
                      missing: str = "pairwise", level: float = 0.95) -> pd.DataFrame:
    """One row per construct: ``construct, n_items, n, alpha, alpha.ci.lower, alpha.ci.upper,
    omega, cr, ave`` then ``std.alpha, average_r, lambda6, split_half, ave_classic, missing,
    dropped``.

    Item-based columns from :func:`alpha_stats`; ``omega`` (:func:`omega`), ``cr``
    (:func:`composite_reliability`), ``ave`` (:func:`ave`) and ``ave_classic`` from the CFA
    ``estimates`` (NaN when no estimates are given or the construct is not in them).

    Parameters
    ----------
    data : DataFrame
        Respondents × items (numeric; reverse-keyed items already recoded).
    constructs : mapping
        ``{construct: [item, ...]}`` (``params.constructs`` works too).
    estimates : DataFrame or fitted result, optional
        lavaan-style estimates of the measurement model (``lhs, op, rhs, est, std.all``), e.g. the
        ``.estimates`` of :func:`csat.sem.fit` on :func:`csat.sem.measurement.measurement_model`.
    missing : {"pairwise", "listwise"}
        Missing-data handling of the item covariances (psych's ``use``).
    level : float
        Confidence level of the Feldt interval of alpha.

    Returns
    -------
    DataFrame
        One row per construct with the columns listed above.

    Examples
    --------
    >>> reliability_table(holzinger, hs_constructs, hs_fit.estimates)[["construct", "alpha", "omega", "ave"]].round(3)
      construct  alpha  omega    ave
    0    visual  0.626  0.625  0.371
    1   textual  0.883  0.885  0.721
    2     speed  0.688  0.688  0.424

    In R (``HS <- lavaan::HolzingerSwineford1939``, ``fit <- lavaan::cfa(HS.model, HS)``):
    ``psych::alpha(HS[, c("x1","x2","x3")])$total$raw_alpha`` → 0.626,
    ``psych::alpha(HS[, c("x4","x5","x6")])$total$raw_alpha`` → 0.883,
    ``semTools::reliability(fit)["omega", "visual"]`` → 0.625 and
    ``semTools::reliability(fit)["avevar", "visual"]`` → 0.371.
    """
    check_missing(missing)
    cons = construct_items(constructs)
    rows = []
    for f, v in cons.items():
        r = {"construct": f}
        r.update(alpha_stats(data, v, missing, f, level))
        rows.append(r)
    out = pd.DataFrame(rows)
    model = {}
    if estimates is not None:
        model = {"omega": omega(estimates), "cr": composite_reliability(estimates),
                 "ave": ave(estimates), "ave_classic": ave_classic(estimates)}
    for col in ("omega", "cr", "ave", "ave_classic"):
        s = model.get(col, pd.Series(dtype=float))
        out[col] = [float(s.get(f, math.nan)) for f in out["construct"]]
    out["note"] = np.where(out["n_items"] < 2, SINGLE_ITEM_NOTE, "")
    extra = ["std.alpha", "average_r", "lambda6", "split_half", "ave_classic", "missing", "dropped", "note"]
    return out[RELIABILITY_COLUMNS + extra]


SINGLE_ITEM_NOTE = "single item: reliability not applicable"
def item_total_table(data: pd.DataFrame, constructs: Mapping[str, Any], missing: str = "pairwise") -> pd.DataFrame:
    """``construct, item, r.drop, alpha.if.deleted, note`` for every item (:func:`item_total`).

    Parameters
    ----------
    data : DataFrame
        Respondents × items (numeric).
    constructs : mapping
        ``{construct: [item, ...]}``.
    missing : {"pairwise", "listwise"}
        Missing-data handling of the item covariances.

    Returns
    -------
    DataFrame
        One row per item, constructs in the given order.

    Examples
    --------
    >>> cons = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"]}
    >>> item_total_table(holzinger, cons).head(3).round(3)
      construct item  r.drop  alpha.if.deleted note
    0    visual   x1   0.449             0.507
    1    visual   x2   0.375             0.612
    2    visual   x3   0.484             0.458

    In R (``HS <- lavaan::HolzingerSwineford1939``):
    ``psych::alpha(HS[, c("x1","x2","x3")])$item.stats["x1", "r.drop"]`` → 0.449 and
    ``psych::alpha(HS[, c("x1","x2","x3")])$alpha.drop["x1", "raw_alpha"]`` → 0.507.
    """
    check_missing(missing)
    cons = construct_items(constructs)
    return pd.concat([item_total(data, v, missing, f) for f, v in cons.items()], ignore_index=True)


# --------------------------------------------------------------------------------------------
# verdict, diagnostics and text
# --------------------------------------------------------------------------------------------
_DEFAULT_T = {"alpha": 0.70, "cr": 0.70, "ave": 0.50, "loading": 0.50, "loading_good": 0.70, "htmt": 0.85}


def resolve_thresholds(thresholds: Any) -> dict:
    """The thresholds of :func:`validity_verdict` and :func:`loadings_table`: the defaults (alpha, CR .70;
    AVE, loading .50; good loading .70; HTMT .85) updated by ``thresholds`` (a mapping or ``params.thresholds``;
    an unknown key is an error)."""
    t = dict(_DEFAULT_T)
    if thresholds is None:
        return t
    src = thresholds.model_dump() if hasattr(thresholds, "model_dump") else dict(thresholds)
    unknown = [k for k in src if k not in t]
    if unknown:
        raise ValueError(f"thresholds: unknown key(s) {unknown}; known: {list(t)}")
    t.update({k: float(v) for k, v in src.items()})
    return t


def _square(df: pd.DataFrame | None) -> pd.DataFrame | None:
    if df is None:
        return None
    if "construct" in df.columns:
        df = df.set_index("construct")
    return df


def fmt(x: float, d: int = 2) -> str:
    """A statistic as the diagnostics and texts print it: ``d`` decimals, ``"NA"`` when missing."""
    return "NA" if x is None or not np.isfinite(x) else f"{x:.{d}f}"


def validity_verdict(reliability: pd.DataFrame, loadings: pd.DataFrame | None = None,
                     htmt_matrix: pd.DataFrame | None = None, fornell_larcker_table: pd.DataFrame | None = None,
                     thresholds: Any = None, item_totals: pd.DataFrame | None = None,
                     ) -> tuple[pd.DataFrame, list[Diagnostic]]:
    """Check each construct against the usual rules of thumb and list every failure.

    Criteria (thresholds from ``params.thresholds``): alpha ≥ .70 (Nunnally 1978) → ``low_alpha``;
    CR ≥ .70 → ``low_cr``; AVE ≥ .50 (Fornell & Larcker 1981) → ``low_ave``; standardized loading
    ≥ .50 acceptable, ≥ .70 good (Hair et al. 2019) → ``weak_loading`` below .50; HTMT below .85
    (Henseler et al. 2015) → ``htmt``; √AVE above every latent correlation → ``fornell_larcker``.
    Also: ``too_few_items`` (info) for single-item constructs, ``negative_item_total`` when an
    item correlates negatively with the rest of its scale (a reverse-keyed item not recoded?),
    ``zero_variance_item`` for items without variance.  A criterion that cannot be computed is
    reported as missing (NA), never as passed.

    Returns the verdict table (one row per construct) and the list of :class:`Diagnostic`.

    Parameters
    ----------
    reliability : DataFrame
        The table of :func:`reliability_table`.
    loadings : DataFrame, optional
        :func:`loadings_table`.
    htmt_matrix : DataFrame, optional
        :func:`htmt`.
    fornell_larcker_table : DataFrame, optional
        :func:`fornell_larcker`.
    thresholds : mapping or ``params.thresholds``, optional
        Overrides of the default thresholds (keys ``alpha, cr, ave, loading, loading_good, htmt``).
    item_totals : DataFrame, optional
        :func:`item_total_table` (for ``negative_item_total``).

    Returns
    -------
    verdict : DataFrame
        ``construct, n_items, alpha, alpha_ok, cr, cr_ok, ave, ave_ok, min_loading, loadings,
        htmt_max, htmt_ok, fornell_larcker_ok`` (the ``_ok`` columns are nullable booleans: NA = not
        computable).
    diagnostics : list of Diagnostic

    Examples
    --------
    >>> verdict, diags = validity_verdict(reliability_table(holzinger, hs_constructs),
    ...                                   htmt_matrix=htmt(holzinger, hs_constructs))
    >>> verdict[["construct", "alpha_ok", "htmt_ok"]]
      construct  alpha_ok  htmt_ok
    0    visual     False     True
    1   textual      True     True
    2     speed     False     True
    >>> [d.code for d in diags]
    ['low_alpha', 'low_alpha']
    """
    t = resolve_thresholds(thresholds)
    diags: list[Diagnostic] = []
    H = _square(htmt_matrix)
    FL = _square(fornell_larcker_table)
    rows = []
    for r in reliability.itertuples(index=False):
        rd = r._asdict()
        f = rd["construct"]
        row: dict[str, Any] = {"construct": f, "n_items": rd["n_items"]}
        if rd["n_items"] < 2:
            diags.append(diagnostic("too_few_items", "info", f,
                                    "{construct} has a single item: it is taken as measured without error (its "
                                    "residual variance fixed at 0), and alpha, omega, CR and AVE do not apply to it.",
                                    construct=f))
        if rd.get("dropped"):
            diags.append(diagnostic("zero_variance_item", "warning", f,
                                    "Item(s) {dropped} of {construct} have no variance and were left out of its "
                                    "reliability.", dropped=rd["dropped"], construct=f))
        for key, col, code, message in (
                ("alpha", "alpha", "low_alpha", N_("Cronbach's alpha of {construct} is {value}, below {threshold}.")),
                ("cr", "cr", "low_cr", N_("Composite reliability (CR) of {construct} is {value}, below {threshold}.")),
                ("ave", "ave", "low_ave",
                 N_("Average variance extracted (AVE) of {construct} is {value}, below {threshold}."))):
            v = float(rd.get(col, math.nan))
            row[col] = v
            ok = bool(v >= t[key]) if np.isfinite(v) else pd.NA
            row[f"{col}_ok"] = ok
            if ok is False:
                diags.append(diagnostic(code, "warning", f, message, construct=f, value=fmt(v), threshold=fmt(t[key])))
        # loadings
        row["min_loading"] = math.nan
        row["loadings"] = ""
        if loadings is not None:
            L = loadings[loadings["construct"] == f]
            if len(L):
                a = L["std.all"].abs()
                row["min_loading"] = float(a.min())
                row["loadings"] = ("weak" if (a < t["loading"]).any() else
                                   "acceptable" if (a < t["loading_good"]).any() else "good")
                for item, lam in zip(L.loc[a < t["loading"], "item"], L.loc[a < t["loading"], "std.all"]):
                    diags.append(diagnostic("weak_loading", "warning", f"{f} =~ {item}",
                                            "The standardized loading of {item} on {construct} is "
                                            "{loading}, below {threshold}.",
                                            item=item, construct=f, loading=fmt(float(lam)),
                                            threshold=fmt(t["loading"])))
        # HTMT
        row["htmt_max"] = math.nan
        row["htmt_ok"] = pd.NA
        if H is not None and f in H.index:
            others = H.loc[f].drop(labels=[f], errors="ignore").astype(float)
            if others.notna().any():
                row["htmt_max"] = float(others.max())
                row["htmt_ok"] = bool((others.dropna() < t["htmt"]).all()) if others.notna().all() else (
                    False if (others.dropna() >= t["htmt"]).any() else pd.NA)
        # Fornell-Larcker
        row["fornell_larcker_ok"] = pd.NA
        if FL is not None and f in FL.index:
            d = float(FL.loc[f, f])
            others = FL.loc[f].drop(labels=[f]).astype(float).abs()
            if np.isfinite(d) and others.notna().all():
                bad = others[others >= d]
                row["fornell_larcker_ok"] = bad.empty
                if not bad.empty:
                    worst = bad.idxmax()
                    diags.append(diagnostic("fornell_larcker", "warning", f,
                                            "√AVE of {construct} ({root_ave}) is not above its correlation with "
                                            "{other} ({r}); Fornell–Larcker criterion not met.",
                                            construct=f, root_ave=fmt(d), other=worst, r=fmt(float(FL.loc[f, worst]))))
        rows.append(row)
    # HTMT pairs (each once)
    if H is not None:
        names = list(H.index)
        for a in range(len(names)):
            for b in range(a + 1, len(names)):
                v = float(H.loc[names[a], names[b]])
                if np.isfinite(v) and v >= t["htmt"]:
                    diags.append(diagnostic("htmt", "warning", f"{names[a]} – {names[b]}",
                                            "HTMT2 of {a} and {b} (geometric means of the item "
                                            "correlations, as semTools) is {value}, not below {threshold}: "
                                            "the two constructs may not be distinct.",
                                            a=names[a], b=names[b], value=fmt(v), threshold=fmt(t["htmt"])))
    if item_totals is not None:
        for con, item, v in zip(item_totals["construct"], item_totals["item"], item_totals["r.drop"]):
            v = float(v)
            if np.isfinite(v) and v < 0:
                diags.append(diagnostic("negative_item_total", "warning", f"{con} =~ {item}",
                                        "{item} correlates negatively ({r}) with the other items of "
                                        "{construct}; is it reverse-keyed and not recoded?",
                                        item=item, r=fmt(v), construct=con))
    out = pd.DataFrame(rows)
    for c in ("alpha_ok", "cr_ok", "ave_ok", "htmt_ok", "fornell_larcker_ok"):
        out[c] = out[c].astype("boolean")
    return out, diags


# --------------------------------------------------------------------------------------------
# ordinal items: reliability on the polychoric correlations
# --------------------------------------------------------------------------------------------
def ordinal_alpha(data: pd.DataFrame, items: Sequence[str]) -> float:
    """Ordinal alpha (Zumbo, Gadermann & Zeisser 2007): standardized alpha of the polychoric correlation
    matrix of ``items`` (two-step estimates on the complete cases, :func:`csat.stats.polychoric.polychoric`),
    as ``psych::alpha(psych::polychoric(x, correct = 0)$rho)$total$raw_alpha``."""
    from csat.stats.polychoric import polychoric
    items = list(items)
    if len(items) < 2:
        return math.nan
    R = polychoric(data, True, items=items).cor.to_numpy()
    return standardized_alpha(R)


def ordinal_omega(estimates: Any, thresholds: Mapping[str, Sequence[float]], polychoric_cor: pd.DataFrame,
                  items: Sequence[str], factor: str) -> float:
    """Categorical omega (Green & Yang 2009) of the sum of ``items``, the indicators of ``factor``, as
    ``semTools::compRelSEM(fit)`` for a WLSMV fit (``ord.scale = TRUE``, ``obs.var = TRUE``):

    ``ω = Σ_jk [Σ_cc' Φ₂(τ_jc, τ_kc'; λ_jλ_kψ) − Σ_c Φ(τ_jc) Σ_c' Φ(τ_kc')] /
    Σ_jk [Σ_cc' Φ₂(τ_jc, τ_kc'; ρ_jk) − Σ_c Φ(τ_jc) Σ_c' Φ(τ_kc')]``

    over all pairs (j, k) including j = k, with the standardized loadings λ and factor variance ψ of a
    delta-parameterized fit, its thresholds τ and the sample polychoric correlations ρ (ρ_jj = 1)."""
    from csat.stats.polychoric import bvn_cdf
    from scipy import special
    m = model_matrices(estimates)
    items = list(items)
    lam = m["Lambda"].loc[items, factor].to_numpy(float)
    psi = float(m["cov_lv"].loc[factor, factor])
    T = lam[:, None] * lam[None, :] * psi
    Rs = polychoric_cor.loc[items, items].to_numpy(float)
    num = den = 0.0
    for j, a in enumerate(items):
        ta = np.asarray(thresholds[a], float)
        for k, b in enumerate(items):
            tb = np.asarray(thresholds[b], float)
            marg = special.ndtr(ta).sum() * special.ndtr(tb).sum()
            num += bvn_cdf(ta[:, None], tb[None, :], T[j, k]).sum() - marg
            den += bvn_cdf(ta[:, None], tb[None, :], Rs[j, k]).sum() - marg
    return float(num / den)


def ordinal_reliability_table(data: pd.DataFrame, constructs: Mapping[str, Any],
                              estimates: Any = None) -> pd.DataFrame:
    """``construct, alpha.ordinal, omega.ordinal``: :func:`ordinal_alpha` of each construct's items and,
    given the estimates of a WLSMV measurement model (with threshold rows ``item | t1``),
    :func:`ordinal_omega` (NaN without them, or for a single-item construct).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.read_csv("tests/reference/ordinal_hs5.csv")
    >>> ordinal_reliability_table(d, {"visual": ["x1", "x2", "x3"]}).round(3)
      construct  alpha.ordinal  omega.ordinal
    0    visual          0.695            NaN

    In R: ``psych::alpha(psych::polychoric(d[, c("x1", "x2", "x3")], correct = 0)$rho)$total$raw_alpha``
    → 0.695.
    """
    from csat.stats.polychoric import polychoric
    cons = construct_items(constructs)
    rows = []
    est = None if estimates is None else getattr(estimates, "estimates", estimates)
    th = {}
    if est is not None:
        for r in est[est["op"] == "|"].itertuples(index=False):
            th.setdefault(str(r.lhs), []).append(float(r.est))
    for f, items in cons.items():
        a = ordinal_alpha(data, items) if len(items) > 1 else math.nan
        w = math.nan
        if est is not None and len(items) > 1 and all(v in th for v in items):
            R = polychoric(data, True, items=items).cor
            w = ordinal_omega(est, th, R, items, f)
        rows.append({"construct": f, "alpha.ordinal": a, "omega.ordinal": w})
    return pd.DataFrame(rows, columns=["construct", "alpha.ordinal", "omega.ordinal"])
