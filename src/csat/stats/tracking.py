"""Tracking studies: construct indices and NPS per wave, and tests of their change between waves.

A tracking study holds several waves (quarters, half-years) in one data set with a wave column.
Per wave: n, every construct's 0–100 index with its t-interval (:func:`csat.stats.descriptives.construct_index`)
and the NPS with its Wald interval (:func:`csat.stats.descriptives.nps`).  Between consecutive waves and from
the first to the last wave:

* an index change ``Δ = index_to − index_from`` with the Welch interval
  ``Δ ± t_{.975, ν} · 100/(max − min) · √(s_a²/n_a + s_b²/n_b)`` (ν the Welch–Satterthwaite df) and
  Welch's t-test (R ``t.test(x_to, x_from)``);
* the NPS change with the Wald interval ``Δ ± z_{.975} √(se_a² + se_b²)`` (independent samples) and its
  Wald z-test, and the change in the shares of promoters and of detractors (percentage points) with the
  unpooled Wald interval and the two-proportion z-test with pooled variance (R ``prop.test(x, n,
  correct = FALSE)``, whose X² is z²).

p-values are Holm-adjusted (R ``p.adjust(p, "holm")``) within each family: all index tests, all NPS tests.

References: Welch, B. L. (1947). Biometrika 34, 28–35. Holm, S. (1979). Scand. J. Statist. 6, 65–70.
Agresti, A. (2013). Categorical Data Analysis, §3.1 (difference of proportions).

Examples
--------
>>> d = ecsi.assign(wave=np.repeat(["W1", "W2", "W3"], [80, 85, 85]))     # three pseudo-waves
>>> idx, changes = wave_tables(d, "wave", ["W1", "W2", "W3"], {"SAT": ["sat1", "sat2", "sat3", "sat4"]}, 0, 10)
>>> changes.loc[changes["to"] == "W3", ["from", "change", "p.holm"]].round(3)
  from  change  p.holm
1   W2   4.647   0.254
2   W1   4.142   0.254

(:func:`wave_tables` quotes the R calls.)
"""
from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from csat.stats import descriptives as D
from csat.core.diagnostics import Diagnostic, diagnostic

__all__ = ["WAVE_INDEX_COLUMNS", "WAVE_CHANGE_COLUMNS", "wave_levels", "wave_index", "wave_changes",
           "wave_tables", "wave_diagnostics"]

WAVE_INDEX_COLUMNS = ["wave", "measure", "construct", "n", "estimate", "ci.lower", "ci.upper", "label"]
WAVE_CHANGE_COLUMNS = ["measure", "construct", "from", "to", "comparison", "n.from", "n.to", "estimate.from",
                       "estimate.to", "change", "ci.lower", "ci.upper", "test", "statistic", "df", "pvalue",
                       "p.holm", "family", "label"]


def wave_levels(wave: pd.Series, order: Sequence | None = None) -> list:
    """The waves in order: ``order`` when given (every level must occur; levels not listed are left
    out), else the sorted distinct values.  Values are compared as text, so ``2024`` in the params
    file matches ``"2024"`` in a CSV."""
    present = {str(v): v for v in wave.dropna().unique()}
    if order is None:
        return D.group_levels(wave)
    missing = [o for o in order if str(o) not in present]
    if missing:
        raise ValueError(f"waves.order: level(s) {missing} do not occur in the wave column "
                         f"(levels: {sorted(present)})")
    return [present[str(o)] for o in order]


def _pairs(levels: list) -> list[tuple[object, object, str]]:
    out = [(levels[k], levels[k + 1], "consecutive") for k in range(len(levels) - 1)]
    if len(levels) > 2:
        out.append((levels[0], levels[-1], "first-last"))
    return out


def wave_index(scores: pd.DataFrame, wave: pd.Series, levels: Sequence, scale_min: float, scale_max: float,
               recommend: pd.Series | None = None, labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Per wave: every construct's index (``measure = "index"``) with its 95% t-interval and, with a
    recommend column, the NPS (``measure = "nps"``) with its Wald interval.  On a scale without bounds
    (``scale_min``/``scale_max`` None) the construct means instead (``measure = "mean"``, and the
    changes in scale units).  Columns :data:`WAVE_INDEX_COLUMNS`."""
    labels = labels or {}
    bounded = scale_min is not None and scale_max is not None
    rows = []
    for lv in levels:
        sel = (wave == lv).to_numpy()
        idx = D.construct_index(scores[sel], scale_min, scale_max)
        pre = "index." if bounded else ""
        for _, r in idx.iterrows():
            rows.append({"wave": lv, "measure": "index" if bounded else "mean", "construct": r["construct"],
                         "n": int(r["n"]), "estimate": r["index" if bounded else "mean"],
                         "ci.lower": r[pre + "ci.lower"], "ci.upper": r[pre + "ci.upper"],
                         "label": labels.get(r["construct"], r["construct"])})
        if recommend is not None:
            x = recommend[sel].dropna()
            if len(x):
                res = D.nps(x)
                rows.append({"wave": lv, "measure": "nps", "construct": "", "n": res["n"], "estimate": res["nps"],
                             "ci.lower": res["ci.lower"], "ci.upper": res["ci.upper"], "label": "NPS"})
    return pd.DataFrame(rows, columns=WAVE_INDEX_COLUMNS)


def _welch_change(x: np.ndarray, y: np.ndarray, k: float) -> dict:
    """Change mean(y) − mean(x) (×k) with its Welch interval and test (R ``t.test(y, x)``)."""
    a, b = x.var(ddof=1) / len(x), y.var(ddof=1) / len(y)
    d = y.mean() - x.mean()
    if not a + b > 0:
        return {"change": k * d, "ci.lower": math.nan, "ci.upper": math.nan, "statistic": math.nan,
                "df": math.nan, "pvalue": math.nan}
    se = math.sqrt(a + b)
    df = (a + b) ** 2 / (a * a / (len(x) - 1) + b * b / (len(y) - 1))
    t = d / se
    h = stats.t.ppf(0.975, df) * se
    return {"change": k * d, "ci.lower": k * (d - h), "ci.upper": k * (d + h), "statistic": t, "df": df,
            "pvalue": float(2 * stats.t.sf(abs(t), df))}


def _two_prop(c1: int, n1: int, c2: int, n2: int) -> dict:
    """Change p2 − p1 (percentage points) with the unpooled Wald interval, and the pooled two-proportion
    z-test (R ``prop.test(c(c2, c1), c(n2, n1), correct = FALSE)``: X² = z²)."""
    p1, p2 = c1 / n1, c2 / n2
    d = p2 - p1
    se_u = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    pp = (c1 + c2) / (n1 + n2)
    se_p = math.sqrt(pp * (1 - pp) * (1 / n1 + 1 / n2))
    z = d / se_p if se_p > 0 else math.nan
    zc = stats.norm.ppf(0.975)
    return {"change": 100 * d, "ci.lower": 100 * (d - zc * se_u), "ci.upper": 100 * (d + zc * se_u),
            "statistic": z, "df": math.nan, "pvalue": float(2 * stats.norm.sf(abs(z))) if np.isfinite(z) else math.nan,
            "estimate.from": 100 * p1, "estimate.to": 100 * p2}


def wave_changes(scores: pd.DataFrame, wave: pd.Series, levels: Sequence, scale_min: float, scale_max: float,
                 recommend: pd.Series | None = None, labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Changes between consecutive waves and from the first to the last (with three or more waves):
    index changes with Welch intervals and tests (family ``index``), NPS change with a Wald interval
    and z-test and the promoter/detractor share changes with two-proportion z-tests (family ``nps``);
    ``p.holm`` within each family.  Columns :data:`WAVE_CHANGE_COLUMNS`."""
    labels = labels or {}
    bounded = scale_min is not None and scale_max is not None
    k = 100.0 / (scale_max - scale_min) if bounded else 1.0
    measure = "index" if bounded else "mean"
    rows = []
    for a, b, kind in _pairs(list(levels)):
        sa, sb = (wave == a).to_numpy(), (wave == b).to_numpy()
        for c in scores.columns:
            x, y = scores.loc[sa, c].dropna().to_numpy(float), scores.loc[sb, c].dropna().to_numpy(float)
            base = {"measure": measure, "construct": c, "from": a, "to": b, "comparison": kind,
                    "n.from": len(x), "n.to": len(y), "family": "index", "label": labels.get(c, c)}
            if len(x) < 2 or len(y) < 2:
                rows.append({**base, "test": "welch_t"})
                continue
            r = _welch_change(x, y, k)
            est = (lambda v: float(D.to_index(v, scale_min, scale_max))) if bounded else float
            rows.append({**base, "estimate.from": est(x.mean()), "estimate.to": est(y.mean()), "test": "welch_t", **r})
        if recommend is None:
            continue
        ra, rb = recommend[sa].dropna(), recommend[sb].dropna()
        if not len(ra) or not len(rb):
            continue
        na, nb = D.nps(ra), D.nps(rb)
        d = nb["nps"] - na["nps"]
        se = math.sqrt(na["se"] ** 2 + nb["se"] ** 2)
        zc = stats.norm.ppf(0.975)
        base = {"construct": "", "from": a, "to": b, "comparison": kind, "n.from": na["n"], "n.to": nb["n"],
                "family": "nps", "df": math.nan}
        z = d / se if se > 0 else math.nan
        rows.append({**base, "measure": "nps", "estimate.from": na["nps"], "estimate.to": nb["nps"], "change": d,
                     "ci.lower": d - zc * se, "ci.upper": d + zc * se, "test": "wald_z", "statistic": z,
                     "pvalue": float(2 * stats.norm.sf(abs(z))) if np.isfinite(z) else math.nan, "label": "NPS"})
        for part, key in (("promoters", "promoters"), ("detractors", "detractors")):
            r = _two_prop(na[key], na["n"], nb[key], nb["n"])
            rows.append({**base, "measure": part, "test": "two_proportion_z", **r,
                         "label": {"promoters": "% promoters", "detractors": "% detractors"}[part]})
    out = pd.DataFrame(rows, columns=WAVE_CHANGE_COLUMNS)
    out["p.holm"] = np.nan
    for fam, sub in out.groupby("family"):
        out.loc[sub.index, "p.holm"] = D.holm(sub["pvalue"].to_numpy(float))
    return out


def wave_tables(data: pd.DataFrame, wave_col: str, order: Sequence | None, constructs: Mapping[str, Sequence[str]],
                scale_min: float, scale_max: float, recommend: str | None = None,
                labels: Mapping[str, str] | None = None, min_share: float = 0.5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(wave_index, wave_changes)`` of a data set with a wave column (see the two functions); construct
    scores as :func:`csat.stats.descriptives.construct_scores` with ``min_share`` (``scores.min_share``).

    Parameters
    ----------
    data : DataFrame
        The cleaned data with a wave column.
    wave_col : str
        The wave column (``params.waves.column``).
    order : sequence, optional
        The waves in time order (``params.waves.order``); default: category or sorted order.
    constructs : mapping
        ``{construct: [item, ...]}``.
    scale_min, scale_max : float or None
        The answer scale.
    recommend : str, optional
        The 0–10 recommend column for the NPS.
    labels : mapping, optional
        ``{construct: label}``.
    min_share : float
        Share of a construct's items a respondent must answer to get a score (``scores.min_share``).

    Returns
    -------
    wave_index : DataFrame
        See :func:`wave_index`.
    wave_changes : DataFrame
        See :func:`wave_changes`.

    Examples
    --------
    The ECSI survey cut into three pseudo-waves by row (as in ``tests/reference/waves.R``):

    >>> d = ecsi.assign(wave=np.repeat(["W1", "W2", "W3"], [80, 85, 85]))
    >>> index, changes = wave_tables(d, "wave", None, {"SAT": ["sat1", "sat2", "sat3", "sat4"]}, 0, 10)
    >>> index[["wave", "n", "estimate", "ci.lower", "ci.upper"]].round(2)
      wave   n  estimate  ci.lower  ci.upper
    0   W1  80     67.09     63.54     70.65
    1   W2  85     66.59     62.42     70.75
    2   W3  85     71.24     67.92     74.55
    >>> changes[["from", "to", "change", "statistic", "df", "p.holm"]].round(4)
      from  to  change  statistic        df  p.holm
    0   W1  W2 -0.5055    -0.1837  160.3765  0.8545
    1   W2  W3  4.6471     1.7353  160.0461  0.2539
    2   W1  W3  4.1415     1.6948  161.4652  0.2539

    In R (``SAT <- rowMeans(ecsi[, paste0("sat", 1:4)])``, ``wave`` as above):
    ``10 * (mean(SAT[wave == "W3"]) - mean(SAT[wave == "W2"]))`` → 4.6471 and
    ``t.test(SAT[wave == "W3"], SAT[wave == "W2"])$statistic`` → 1.7353.
    """
    if wave_col not in data.columns:
        raise ValueError(f"waves.column: {wave_col!r} is not a column of the data")
    levels = wave_levels(data[wave_col], order)
    if len(levels) < 2:
        raise ValueError(f"waves.column {wave_col!r} has {len(levels)} wave(s); a tracking study needs at least 2")
    scores = D.construct_scores(data, constructs, min_share)
    rec = None
    if recommend and recommend in data.columns:
        rec = data[recommend]
    return (wave_index(scores, data[wave_col], levels, scale_min, scale_max, rec, labels),
            wave_changes(scores, data[wave_col], levels, scale_min, scale_max, rec, labels))


def wave_diagnostics(index: pd.DataFrame, min_n: int = 30) -> list[Diagnostic]:
    """A warning for every wave with fewer than ``min_n`` respondents for a construct index.

    Parameters
    ----------
    index : DataFrame
        The wave index of :func:`wave_tables`.
    min_n : int
        Smallest acceptable n per wave and construct.

    Returns
    -------
    list of Diagnostic
        ``small_wave`` warnings.
    """
    out = []
    d = index[index["measure"].isin(["index", "mean"])]
    for _, r in d[d["n"] < min_n].iterrows():
        out.append(diagnostic("small_wave", "warning", f"wave {r['wave']}: {r['construct']}",
                              "Only {n} respondents have a {construct} score in wave {wave}; "
                              "its index and changes are imprecise.",
                              n=r["n"], construct=r["construct"], wave=r["wave"]))
    return out
