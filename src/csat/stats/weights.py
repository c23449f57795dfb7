"""Survey weights: raking to population margins, Kish's effective sample size, weighted estimates.

A sample rarely mirrors the customer base: one sex, age band or channel answers more often than
another. Weights ``w_i`` correct the estimates for that. They are either given (a column of the
data, e.g. from the survey platform) or made here by **raking** (iterative proportional fitting,
Deming & Stephan 1940): starting from the given weights (or 1), the weights are post-stratified to
each population margin in turn, ``w_i ← w_i · T_{v,l} / Σ_{j: v_j = l} w_j`` for respondent i in
level l of variable v, until every weighted margin equals its population target. This is what
R's ``survey::rake`` does; the fixed point is the same (tested to 1e-6 against survey 4.1-1,
``tests/reference/weights_rake.R``). Population margins are given as shares; the targets are
``T_{v,l} = share_{v,l} · Σ_i w⁰_i`` so the raked weights keep the starting total (mean 1 when
starting from 1).

Estimates with weights:

* weighted mean ``m_w = Σ w_i x_i / Σ w_i``;
* Kish's effective sample size ``n_eff = (Σ w_i)² / Σ w_i²`` (Kish 1965, §11.7) — the size of a
  simple random sample with the same precision; the design effect of weighting is ``n / n_eff``;
* the interval ``m_w ± t_{.975, n_eff − 1} · s_w / √n_eff`` with the weighted SD
  ``s_w² = [n/(n−1)] Σ w_i (x_i − m_w)² / Σ w_i``; with equal weights this is exactly the
  ordinary t-interval;
* ``se_linearized``: the with-replacement linearization SE of a ratio mean that R's
  ``survey::svymean`` gives for a design with these weights taken as fixed,
  ``sqrt(n/(n−1) Σ [w_i (x_i − m_w)]²) / Σ w_i`` (tested against survey);
* the weighted NPS: weighted shares of promoters and detractors, variance
  ``[p_p + p_d − (p_p − p_d)²] / n_eff``.

References: Deming, W. E., & Stephan, F. F. (1940). On a least squares adjustment of a sampled
frequency table when the expected marginal totals are known. *Ann. Math. Stat.* 11, 427–444.
Kish, L. (1965). *Survey sampling*. Wiley. Lumley, T. (2010). *Complex surveys: a guide to
analysis using R*. Wiley (``survey::rake``, ``svymean``).
"""
from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from csat.core.diagnostics import Diagnostic, diagnostic

MARGIN_COLUMNS = ["variable", "level", "n", "sample_share", "target", "achieved"]


from csat.core.errors import WeightsError  # noqa: E402,F401  (defined in csat.core.errors; re-exported here)


def kish_neff(w: Sequence[float]) -> float:
    """Kish's effective sample size ``(Σw)² / Σw²``.

    Examples
    --------
    >>> kish_neff([1, 1, 1, 1])
    4.0
    >>> round(kish_neff([1, 1, 2, 4]), 3)   # 8² / 22
    2.909
    """
    w = np.asarray(w, dtype=float)
    w = w[~np.isnan(w)]
    if len(w) == 0:
        return float("nan")
    return float(w.sum() ** 2 / (w ** 2).sum())


def check_weights(w: pd.Series, column: str = "weights") -> pd.Series:
    """Given weights must be finite and positive; the error names the column and rows."""
    v = pd.to_numeric(w, errors="coerce").astype(float)
    bad = v.isna() | ~np.isfinite(v) | (v <= 0)
    if bad.any():
        rows = list(v.index[bad][:5])
        raise WeightsError(f"weights.column {column!r}: {int(bad.sum())} weight(s) missing, not a number or not "
                           f"positive (rows {rows}{' …' if bad.sum() > 5 else ''})")
    return v


def rake(df: pd.DataFrame, margins: Mapping[str, Mapping[str, float]], base: Sequence[float] | None = None,
         max_iter: int = 1000, tol: float = 1e-12) -> pd.Series:
    """Rake weights to population margins (iterative proportional fitting), as ``survey::rake``.

    Parameters
    ----------
    df : data with one categorical column per margin.
    margins : ``{variable: {level: population share}}``; each variable's shares must sum to 1
        (within 1e-6); every level found in the data must have a share and every share > 0 a level.
    base : starting (design) weights; default 1.
    max_iter, tol : stop when the largest relative change of a weight in a full cycle is below ``tol``.

    Returns
    -------
    pd.Series of weights (index of ``df``, name ``weight``) with ``Σ w = Σ base``.

    Formula: for each variable v in turn, ``w_i ← w_i · share_{v,l(i)} Σw⁰ / Σ_{j∈l(i)} w_j``.

    Examples
    --------
    Rake the Holzinger–Swineford pupils to equal shares of each sex and each school:

    >>> w = rake(holzinger, {"sex": {"1": .5, "2": .5}, "school": {"Pasteur": .5, "Grant-White": .5}})
    >>> w.groupby([holzinger["sex"], holzinger["school"]]).first().round(4)
    sex  school
    1    Grant-White    1.0684
         Pasteur        0.9943
    2    Grant-White    1.0079
         Pasteur        0.9381
    Name: weight, dtype: float64

    In R (``HS <- lavaan::HolzingerSwineford1939``, ``des <- svydesign(ids = ~1, weights = ~1, data = HS)``):
    ``weights(rake(des, list(~sex, ~school), list(data.frame(sex = 1:2, Freq = 150.5), data.frame(school =
    c("Pasteur", "Grant-White"), Freq = 150.5))))`` → 1.0684 for the boys of Grant-White.
    """
    if not margins:
        raise WeightsError("weights.rake: give at least one variable with population shares")
    n = len(df)
    w = np.ones(n) if base is None else np.asarray(base, dtype=float).copy()
    if len(w) != n:
        raise WeightsError("weights: base weights and data differ in length")
    total = w.sum()
    groups = []
    for var, shares in margins.items():
        if var not in df.columns:
            raise WeightsError(f"weights.rake.{var}: column {var!r} is not in the data")
        s = {str(k): float(v) for k, v in shares.items()}
        if any(v < 0 for v in s.values()):
            raise WeightsError(f"weights.rake.{var}: shares must not be negative")
        ssum = sum(s.values())
        if abs(ssum - 1) > 1e-6:
            raise WeightsError(f"weights.rake.{var}: the shares sum to {ssum:.6g}, not 1")
        col = df[var]
        if col.isna().any():
            rows = list(df.index[col.isna()][:5])
            raise WeightsError(f"weights.rake.{var}: {int(col.isna().sum())} respondent(s) have no value in column "
                               f"{var!r} (rows {rows}); raking needs every respondent's level")
        lab = col.astype(str).to_numpy()
        found = sorted(set(lab))
        unknown = [lv for lv in found if lv not in s]
        if unknown:
            raise WeightsError(f"weights.rake.{var}: level(s) {unknown} of column {var!r} have no population share "
                               f"(shares given for {sorted(s)})")
        empty = [lv for lv, v in s.items() if v > 0 and lv not in found]
        if empty:
            raise WeightsError(f"weights.rake.{var}: level(s) {empty} have a population share but no respondent")
        levels = [lv for lv in s if lv in found]
        idx = np.array([levels.index(v) for v in lab])
        target = np.array([s[lv] for lv in levels]) * total
        groups.append((idx, target))
    for _ in range(max_iter):
        old = w.copy()
        for idx, target in groups:
            got = np.bincount(idx, weights=w, minlength=len(target))
            w = w * (target / got)[idx]
        if np.max(np.abs(w - old) / old) < tol:
            break
    else:
        raise WeightsError(f"weights.rake: raking did not converge in {max_iter} cycles "
                           "(the margins may contradict each other in the sample's cross-table)")
    return pd.Series(w, index=df.index, name="weight")


def margins_achieved(df: pd.DataFrame, w: Sequence[float], margins: Mapping[str, Mapping[str, float]]) -> pd.DataFrame:
    """Per variable and level: respondents, unweighted share, population target and weighted share."""
    w = np.asarray(w, dtype=float)
    rows = []
    for var, shares in margins.items():
        lab = df[var].astype(str).to_numpy()
        for lv, t in shares.items():
            m = lab == str(lv)
            rows.append({"variable": var, "level": str(lv), "n": int(m.sum()), "sample_share": float(m.mean()),
                         "target": float(t), "achieved": float(w[m].sum() / w.sum())})
    return pd.DataFrame(rows, columns=MARGIN_COLUMNS)


def weighted_mean_ci(x: Sequence[float], w: Sequence[float], conf: float = 0.95) -> dict:
    """Weighted mean with the Kish-effective-n interval and the survey linearization SE.

    Respondents with a missing ``x`` are left out (their weights too). Returns ``n, n_eff, mean,
    sd, se, ci.lower, ci.upper, se_linearized`` (formulas in the module docstring).

    Examples
    --------
    >>> r = weighted_mean_ci([1, 2, 3, 4], [1, 1, 1, 1])
    >>> round(float(r["mean"]), 3), round(float(r["ci.lower"]), 4)   # = t.test(1:4)
    (2.5, 0.4457)
    """
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    ok = ~np.isnan(x) & ~np.isnan(w)
    x, w = x[ok], w[ok]
    n = len(x)
    if n == 0:
        return {"n": 0, "n_eff": np.nan, "mean": np.nan, "sd": np.nan, "se": np.nan, "ci.lower": np.nan,
                "ci.upper": np.nan, "se_linearized": np.nan}
    sw = w.sum()
    m = float((w * x).sum() / sw)
    neff = kish_neff(w)
    if n > 1:
        sd = math.sqrt(n / (n - 1) * float((w * (x - m) ** 2).sum()) / sw)
        se = sd / math.sqrt(neff)
        half = stats.t.ppf(0.5 + conf / 2, neff - 1) * se if neff > 1 else np.nan
        lin = math.sqrt(n / (n - 1) * float(((w * (x - m)) ** 2).sum())) / sw
    else:
        sd = se = half = lin = np.nan
    return {"n": n, "n_eff": neff, "mean": m, "sd": sd, "se": se, "ci.lower": m - half, "ci.upper": m + half,
            "se_linearized": lin}


def weighted_nps(x: Sequence[float], w: Sequence[float], conf: float = 0.95) -> dict:
    """Weighted Net Promoter Score: weighted shares, Wald interval with Kish's n_eff.

    ``NPS_w = 100 (p_p − p_d)`` with ``p = Σ_{i ∈ group} w_i / Σ w_i``; ``Var = [p_p + p_d −
    (p_p − p_d)²] / n_eff``. With equal weights this is :func:`csat.stats.descriptives.nps`.

    Parameters
    ----------
    x : sequence of float
        Answers 0–10 (missing values are left out with their weights).
    w : sequence of float
        Weights, aligned with ``x``.
    conf : float
        Confidence level of the Wald interval.

    Returns
    -------
    dict
        ``n, n_eff, p_promoters, p_passives, p_detractors, nps, se, ci.lower, ci.upper``.

    Examples
    --------
    >>> w = rake(ecsi, {"gender": {"female": .5, "male": .5}})
    >>> round(weighted_nps(ecsi["loy1"], w)["nps"], 3)
    1.451

    In R (``des <- svydesign(ids = ~1, weights = ~1, data = ecsi)``, raked to 125 women and 125 men):
    ``100 * svymean(~I((loy1 >= 9) - (loy1 <= 6)), rake(des, list(~gender), list(pop)))`` → 1.451.
    """
    x = np.asarray(pd.to_numeric(pd.Series(x), errors="coerce"), dtype=float)
    w = np.asarray(w, dtype=float)
    ok = ~np.isnan(x)
    x, w = x[ok], w[ok]
    if len(x) == 0:
        raise ValueError("recommend: no answers")
    sw = w.sum()
    pp, pd_ = float(w[x >= 9].sum() / sw), float(w[x <= 6].sum() / sw)
    neff = kish_neff(w)
    d = pp - pd_
    se = math.sqrt(max(pp + pd_ - d * d, 0.0) / neff)
    z = stats.norm.ppf(0.5 + conf / 2)
    return {"n": int(len(x)), "n_eff": neff, "p_promoters": pp, "p_passives": 1 - pp - pd_, "p_detractors": pd_,
            "nps": 100 * d, "se": 100 * se, "ci.lower": 100 * (d - z * se), "ci.upper": 100 * (d + z * se)}


def weighted_items(df: pd.DataFrame, items: Sequence[str], w: pd.Series, conf: float = 0.95) -> pd.DataFrame:
    """Unweighted and weighted item means side by side.

    Columns ``item, n, mean, mean.w, n_eff, se.w, ci.lower.w, ci.upper.w``.

    Parameters
    ----------
    df : DataFrame
        The cleaned data.
    items : sequence of str
        Item columns.
    w : Series
        Weights indexed like ``df``.
    conf : float
        Confidence level.

    Returns
    -------
    DataFrame
        One row per item.

    Examples
    --------
    >>> w = rake(ecsi, {"gender": {"female": .5, "male": .5}})
    >>> weighted_items(ecsi, ["sat1"], w).round(4)
       item    n  mean  mean.w    n_eff    se.w  ci.lower.w  ci.upper.w
    0  sat1  250  7.18  7.1414  241.536  0.1309      6.8835      7.3992

    In R (``des <- svydesign(ids = ~1, weights = ~1, data = ecsi)``,
    ``pop <- data.frame(gender = c("female", "male"), Freq = c(125, 125))``):
    ``svymean(~sat1, rake(des, list(~gender), list(pop)))`` → 7.1414.
    """
    rows = []
    for it in items:
        x = df[it].astype(float)
        r = weighted_mean_ci(x, w.reindex(df.index), conf)
        rows.append({"item": it, "n": int(x.notna().sum()), "mean": float(x.mean()), "mean.w": r["mean"],
                     "n_eff": r["n_eff"], "se.w": r["se"], "ci.lower.w": r["ci.lower"], "ci.upper.w": r["ci.upper"]})
    return pd.DataFrame(rows)


def weighted_index(scores: pd.DataFrame, w: pd.Series, scale_min: float, scale_max: float,
                   conf: float = 0.95) -> pd.DataFrame:
    """Unweighted and weighted 0–100 construct indices side by side.

    Columns ``construct, n, index, n_eff, index.w, index.ci.lower.w, index.ci.upper.w`` (index =
    ``100 (mean − min)/(max − min)``; weighted interval from :func:`weighted_mean_ci`).

    Parameters
    ----------
    scores : DataFrame
        Construct scores, one column per construct.
    w : Series
        Weights indexed like ``scores``.
    scale_min, scale_max : float
        The answer scale.
    conf : float
        Confidence level.

    Returns
    -------
    DataFrame
        One row per construct.

    Examples
    --------
    >>> w = rake(ecsi, {"gender": {"female": .5, "male": .5}})
    >>> scores = pd.DataFrame({"SAT": ecsi[["sat1", "sat2", "sat3", "sat4"]].mean(axis=1)})
    >>> weighted_index(scores, w, 0, 10)[["construct", "index", "index.w"]].round(3)
      construct  index  index.w
    0       SAT  68.33   67.95

    In R (``SAT`` the row mean of sat1–sat4 in ``des``): ``10 * svymean(~SAT, rake(des, list(~gender), list(pop)))`` → 67.950.
    """
    span = float(scale_max - scale_min)
    rows = []
    for c in scores.columns:
        x = scores[c].astype(float)
        r = weighted_mean_ci(x, w.reindex(scores.index), conf)
        f = lambda v: 100.0 * (v - scale_min) / span  # noqa: E731
        rows.append({"construct": c, "n": int(x.notna().sum()), "index": f(float(x.mean())), "n_eff": r["n_eff"],
                     "index.w": f(r["mean"]), "index.ci.lower.w": f(r["ci.lower"]),
                     "index.ci.upper.w": f(r["ci.upper"])})
    return pd.DataFrame(rows)


def weights_summary(w: Sequence[float]) -> dict:
    """``n, sum, min, max, mean, cv, kish_neff, deff`` of a weight vector (deff = n / n_eff)."""
    w = np.asarray(w, dtype=float)
    neff = kish_neff(w)
    return {"n": int(len(w)), "sum": float(w.sum()), "min": float(w.min()), "max": float(w.max()),
            "mean": float(w.mean()), "cv": float(w.std(ddof=0) / w.mean()), "kish_neff": neff,
            "deff": float(len(w) / neff)}


def weight_diagnostics(summary: Mapping, margins: pd.DataFrame | None = None) -> list[Diagnostic]:
    """Warn when weighting costs much precision (deff > 2) or weights are extreme (max/min > 10).

    Parameters
    ----------
    summary : mapping
        :func:`weights_summary` (``n, min, max, kish_neff, deff``).
    margins : DataFrame, optional
        :func:`margins_achieved` (``target, achieved``).

    Returns
    -------
    list of Diagnostic
        ``weights_deff``, ``weights_extreme`` (warnings), ``weights_margins`` (error).

    Examples
    --------
    >>> w = rake(ecsi, {"gender": {"female": .5, "male": .5}})
    >>> weight_diagnostics(weights_summary(w))
    []
    """
    out = []
    if summary["deff"] > 2:
        out.append(diagnostic("weights_deff", "warning", "weights",
                              "Weighting halves the sample or worse: effective n {neff:.0f} of "
                              "{n} (design effect {deff:.2f}).",
                              neff=summary["kish_neff"], n=summary["n"], deff=summary["deff"]))
    if summary["min"] > 0 and summary["max"] / summary["min"] > 10:
        out.append(diagnostic("weights_extreme", "warning", "weights",
                              "The largest weight is {ratio:.1f} times the smallest; "
                              "a few respondents carry much of the estimate.", ratio=summary["max"] / summary["min"]))
    if margins is not None and len(margins):
        gap = (margins["achieved"] - margins["target"]).abs().max()
        if gap > 1e-6:
            out.append(diagnostic("weights_margins", "error", "weights.rake",
                                  "Raked margins miss their targets by up to {gap:.2g}.", gap=gap))
    return out
