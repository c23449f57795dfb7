"""Descriptive statistics of a survey: sample profile, items, construct indices, NPS, groups.

Every function is pure (DataFrame in, tidy DataFrame or dict out). Definitions follow the
software users compare us with:

* item standard deviations use ``ddof = 1`` (R ``sd``, SPSS);
* skewness and kurtosis are the bias-corrected sample statistics **G1** and **G2** (excess
  kurtosis) of Joanes & Gill (1998), i.e. pandas ``Series.skew()`` / ``Series.kurt()``, SPSS
  ``DESCRIPTIVES``, ``psych::skew(type = 2)`` / ``psych::kurtosi(type = 2)``, ``e1071`` type 2;
  note that ``psych::describe`` defaults to type 3 (b1, b2 − 3), which differs;
* construct scores are row means of the construct's items (reverse-keyed items already recoded
  by ``01_cleaning``) for respondents who answered at least half of them;
* the 0–100 index is ``100 (m − min)/(max − min)`` on the study's scale, with a t-interval;
* NPS = 100 (p_promoters − p_detractors) with a Wald interval from the multinomial variance;
* group comparisons: Welch t-test + Hedges' g, Mann–Whitney U + rank-biserial r (two levels);
  Welch ANOVA + omega², Kruskal–Wallis + epsilon², Games–Howell post hoc (three or more
  levels); Pearson chi-square + Cramér's V between pairs of grouping variables; Holm-adjusted
  p-values within each family of tests of one kind.

References: Joanes, D. N., & Gill, C. A. (1998). Comparing measures of sample skewness and
kurtosis. *The Statistician*, 47, 183–189. Welch, B. L. (1947, 1951). Hedges, L. V., & Olkin, I.
(1985). *Statistical methods for meta-analysis*. Games, P. A., & Howell, J. F. (1976). Kerby,
D. S. (2014). The simple difference formula. Tomczak, M., & Tomczak, E. (2014). The need to
report effect size estimates revisited. Holm, S. (1979). Reichheld, F. (2003). The one number
you need to grow. Rocks, B. (2016). Interval estimation for the Net Promoter Score. *The
American Statistician*, 70, 365–372.
"""
from __future__ import annotations

import math
import warnings
from itertools import combinations
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import gammaln

from csat.core.diagnostics import Diagnostic, Listing, diagnostic

ITEM_COLUMNS = ["item", "construct", "n", "missing", "mean", "sd", "median", "min", "max", "skew",
                "kurtosis", "top2", "bottom2", "label"]
INDEX_COLUMNS = ["construct", "n", "mean", "sd", "ci.lower", "ci.upper", "index", "index.ci.lower",
                 "index.ci.upper"]
GROUP_TEST_COLUMNS = ["construct", "group", "test", "statistic", "df", "pvalue", "p.holm", "effect",
                      "effect_size", "family"]
GROUP_TEST_EXTRA = ["df2", "n", "levels", "estimate"]
POSTHOC_COLUMNS = ["construct", "group", "A", "B", "mean.A", "mean.B", "diff", "se", "statistic", "df",
                   "pvalue", "hedges_g"]
MISSING_LEVEL = "(missing)"


# -- helpers ---------------------------------------------------------------------------------
def _require_columns(df: pd.DataFrame, cols: Sequence[str], what: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise KeyError(f"{what}: column(s) {missing} not in the data (columns: {list(df.columns)[:30]})")


def _numeric(df: pd.DataFrame, col: str, what: str) -> pd.Series:
    s = df[col]
    if not pd.api.types.is_numeric_dtype(s):
        conv = pd.to_numeric(s, errors="coerce")
        bad = s[conv.isna() & s.notna()]
        if len(bad):
            raise ValueError(f"{what}: column {col!r} is not numeric (row {bad.index[0]!r} holds {bad.iloc[0]!r})")
        s = conv
    return s.astype(float)


def _near_any(x: np.ndarray, targets) -> np.ndarray:
    """``np.isclose(x[:, None], targets).any(axis=1)`` for finite targets (rtol 1e-5, atol 1e-8),
    one target at a time: no n × k temporaries (a million answers on a 10-point scale)."""
    x = np.asarray(x, dtype=float)
    out = np.zeros(len(x), dtype=bool)
    for t in np.asarray(targets, dtype=float).ravel():
        out |= np.abs(x - t) <= 1e-8 + 1e-5 * abs(t)
    return out


def scale_points(scale_min: float, scale_max: float) -> np.ndarray:
    """The answer categories of an integer-stepped scale, ``min, min+1, ..., max``."""
    if not scale_max > scale_min:
        raise ValueError(f"scale max ({scale_max}) must be greater than scale min ({scale_min})")
    n = scale_max - scale_min
    if abs(n - round(n)) > 1e-9:
        raise ValueError(f"scale {scale_min}..{scale_max} does not have integer steps")
    return scale_min + np.arange(int(round(n)) + 1, dtype=float)


def group_levels(s: pd.Series) -> list:
    """Levels of a grouping column: category order for a Categorical, otherwise sorted."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        present = set(s.dropna().unique())
        return [c for c in s.cat.categories if c in present]
    vals = list(s.dropna().unique())
    try:
        return sorted(vals)
    except TypeError:
        return sorted(vals, key=str)


def holm(pvalues: Sequence[float]) -> np.ndarray:
    """Holm (1979) step-down adjusted p-values (R ``p.adjust(p, "holm")``).

    With the m non-missing p-values sorted, p_(1) <= ... <= p_(m), the adjusted value is
    ``max_{j<=i} min(1, (m − j + 1) p_(j))``. Missing p-values stay missing and do not count in m.
    Computed by ``pingouin.multicomp(p, method="holm")``.

    Examples
    --------
    >>> holm([0.01, 0.04, 0.03]).tolist()
    [0.03, 0.06, 0.06]

    In R: ``p.adjust(c(0.01, 0.04, 0.03), "holm")[1]`` → 0.03.
    """
    import pingouin

    p = np.asarray(pvalues, dtype=float)
    if p.size == 0 or np.isnan(p).all():
        return np.full(p.shape, np.nan)
    return np.asarray(pingouin.multicomp(p, method="holm")[1], dtype=float)


# -- sample profile -------------------------------------------------------------------------
def sample_profile(df: pd.DataFrame, groups: Sequence[str]) -> pd.DataFrame:
    """Counts and shares of every level of each grouping column.

    Returns a tidy table ``variable, level, n, share`` with ``share = n / N`` where N is the
    number of respondents (rows), so that the shares of one variable add up to 1; respondents
    without an answer are counted as the level ``"(missing)"`` (listed last, only if any).

    Parameters
    ----------
    df : DataFrame
        The cleaned data.
    groups : sequence of str
        Grouping columns (``params.groups``).

    Returns
    -------
    DataFrame
        ``variable, level, n, share``.

    Examples
    --------
    >>> sample_profile(holzinger, ["school"])
      variable        level    n     share
    0   school  Grant-White  145  0.481728
    1   school      Pasteur  156  0.518272

    In R (``HS <- lavaan::HolzingerSwineford1939``): ``prop.table(table(HS$school))["Pasteur"]`` → 0.518.
    """
    _require_columns(df, groups, "groups")
    rows = []
    N = len(df)
    for g in groups:
        s = df[g]
        counts = s.value_counts(dropna=True)
        for lev in group_levels(s):
            rows.append({"variable": g, "level": str(lev), "n": int(counts[lev]), "share": counts[lev] / N if N else np.nan})
        nmiss = int(s.isna().sum())
        if nmiss:
            rows.append({"variable": g, "level": MISSING_LEVEL, "n": nmiss, "share": nmiss / N})
    out = pd.DataFrame(rows, columns=["variable", "level", "n", "share"])
    out["n"] = out["n"].astype(int)
    return out


# -- items ----------------------------------------------------------------------------------
def item_distribution(df: pd.DataFrame, items: Sequence[str], scale_min: float, scale_max: float) -> pd.DataFrame:
    """Answer distribution of each item over the scale points.

    Returns ``item, value, n, share`` (one row per item and scale point, zero counts included);
    ``share`` is among the non-missing answers of the item. A value that is not a scale point
    raises ``ValueError`` naming the item and the row.

    Parameters
    ----------
    df : DataFrame
        The cleaned data.
    items : sequence of str
        Item columns.
    scale_min, scale_max : float
        The answer scale (``params.scale``).

    Returns
    -------
    DataFrame
        ``item, value, n, share``.

    Examples
    --------
    >>> item_distribution(ecsi, ["sat1"], 0, 10).head(3)
       item  value  n  share
    0  sat1    0.0  4  0.016
    1  sat1    1.0  1  0.004
    2  sat1    2.0  3  0.012

    In R (``ecsi <- read.csv("ecsi_satisfaction.csv")``): ``table(factor(ecsi$sat1, levels = 0:10))["0"]`` → 4.
    """
    _require_columns(df, items, "items")
    pts = scale_points(scale_min, scale_max)
    rows = []
    for it in items:
        x = _numeric(df, it, "items").dropna()
        off = ~_near_any(x.to_numpy(), pts)
        if off.any():
            i = np.flatnonzero(off)[0]
            raise ValueError(f"item {it!r}: value {x.iloc[i]!r} in row {x.index[i]!r} is not a point of the "
                             f"scale {scale_min:g}..{scale_max:g}")
        n = len(x)
        for v in pts:
            c = int(_near_any(x.to_numpy(), [v]).sum())
            rows.append({"item": it, "value": v, "n": c, "share": c / n if n else np.nan})
    return pd.DataFrame(rows, columns=["item", "value", "n", "share"])


def item_table(df: pd.DataFrame, item_construct: Mapping[str, str], scale_min: float | None, scale_max: float | None,
               labels: Mapping[str, str] | None = None, continuous: Sequence[str] = ()) -> pd.DataFrame:
    """One row of descriptive statistics per item.

    Columns ``item, construct, n, missing, mean, sd, median, min, max, skew, kurtosis, top2,
    bottom2, label``:

    * ``n`` non-missing answers, ``missing`` missing ones; ``sd`` with ddof = 1;
    * ``skew`` = G1 = sqrt(n(n−1))/(n−2) · m3 / m2^{3/2} and ``kurtosis`` = G2 (excess) =
      (n−1)/((n−2)(n−3)) · [(n+1) m4/m2² − 3(n−1)], with m_k the k-th central moment (divisor
      n): the bias-corrected sample statistics of Joanes & Gill (1998) that pandas
      ``Series.skew()``/``Series.kurt()``, SPSS and ``psych::skew/kurtosi(type = 2)`` report;
    * ``top2`` / ``bottom2`` = share of the non-missing answers in the two highest / lowest
      scale points (top-2-box, bottom-2-box); NaN for the ``continuous`` items (continuous scores
      have no answer categories, see :mod:`csat.intake.itemtypes`) and for a scale without bounds.

    Parameters
    ----------
    df : DataFrame
        The cleaned data.
    item_construct : mapping
        ``{item: construct}`` in display order (``params.item_construct``).
    scale_min, scale_max : float or None
        The answer scale; None for continuous scores.
    labels : mapping, optional
        ``{item: label}``.
    continuous : sequence of str
        Items treated as continuous (no top-2/bottom-2 boxes).

    Returns
    -------
    DataFrame
        One row per item with the columns above.

    Examples
    --------
    >>> t = item_table(ecsi, {"sat1": "SAT", "sat2": "SAT"}, 0, 10)
    >>> t[["item", "mean", "sd", "skew", "kurtosis", "top2"]].round(3)
       item   mean     sd   skew  kurtosis   top2
    0  sat1  7.180  2.021 -1.110     1.799  0.240
    1  sat2  6.912  1.970 -1.103     2.001  0.172

    In R (``ecsi <- read.csv("ecsi_satisfaction.csv")``): ``psych::describe(ecsi$sat1)$sd`` → 2.021,
    ``psych::skew(ecsi$sat1, type = 2)`` → -1.110 and ``psych::kurtosi(ecsi$sat1, type = 2)`` → 1.799.
    """
    items = list(item_construct)
    _require_columns(df, items, "items")
    cont = set(continuous)
    pts = scale_points(scale_min, scale_max) if scale_min is not None and scale_max is not None else None
    hi, lo = (pts[-2:], pts[:2]) if pts is not None else (None, None)
    labels = labels or {}
    rows = []
    for it in items:
        x = _numeric(df, it, "items")
        xn = x.dropna()
        n = len(xn)
        boxes = n and pts is not None and it not in cont
        rows.append({
            "item": it, "construct": item_construct[it], "n": n, "missing": int(x.isna().sum()),
            "mean": xn.mean() if n else np.nan, "sd": xn.std(ddof=1) if n > 1 else np.nan,
            "median": xn.median() if n else np.nan, "min": xn.min() if n else np.nan,
            "max": xn.max() if n else np.nan, "skew": xn.skew(), "kurtosis": xn.kurt(),
            "top2": _near_any(xn.to_numpy(), hi).mean() if boxes else np.nan,
            "bottom2": _near_any(xn.to_numpy(), lo).mean() if boxes else np.nan,
            "label": labels.get(it, it),
        })
    out = pd.DataFrame(rows, columns=ITEM_COLUMNS)
    out["n"] = out["n"].astype(int)
    out["missing"] = out["missing"].astype(int)
    return out


# -- construct scores and index -------------------------------------------------------------
def construct_scores(df: pd.DataFrame, constructs: Mapping[str, Sequence[str]], min_share: float = 0.5) -> pd.DataFrame:
    """Respondent-level construct scores: the mean of the answered items of each construct.

    The one definition of a unit-weighted construct score in csat (descriptives, waves, IPMA
    performance, drivers and segments, and the cross-loadings of :mod:`csat.stats.reliability`).
    Reverse-keyed items must already be recoded (``01_cleaning`` does it). A respondent gets a
    score only when at least ``max(1, ceil(min_share · k))`` of the construct's k items are answered;
    otherwise the score is missing:

    * ``min_share = 0.5`` (default, the study key ``scores.min_share``): at least half the items;
    * ``min_share = 0``: any answered item (psych ``scoreItems(impute = "none")``);
    * ``min_share = 1``: every item (listwise).

    Returns one column per construct, indexed like ``df``.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"a": [1, 2, None], "b": [3, None, None], "c": [5, None, 4]})
    >>> construct_scores(d, {"F": ["a", "b", "c"]}, min_share=0)["F"].tolist()
    [3.0, 2.0, 4.0]
    >>> construct_scores(d, {"F": ["a", "b", "c"]})["F"].tolist()   # at least 2 of 3 items
    [3.0, nan, nan]
    """
    if not 0 <= min_share <= 1:
        raise ValueError(f"min_share must be in [0, 1], got {min_share}")
    out = {}
    for name, items in constructs.items():
        items = list(items)
        _require_columns(df, items, f"construct {name!r}")
        block = pd.concat([_numeric(df, it, f"construct {name!r}") for it in items], axis=1)
        need = max(1, math.ceil(min_share * len(items) - 1e-12))
        answered = block.notna().sum(axis=1)
        out[name] = block.mean(axis=1, skipna=True).where(answered >= need)
    return pd.DataFrame(out, index=df.index)


def to_index(x, scale_min: float | None, scale_max: float | None):
    """The 0–100 index of a scale value: ``100 · (x − min) / (max − min)``; NaN on a scale without
    bounds (a continuous study may omit ``scale.min``/``scale.max``)."""
    if scale_min is None or scale_max is None:
        return np.full(np.shape(x), np.nan) if np.ndim(x) else np.float64(np.nan)
    return 100.0 * (np.asarray(x, dtype=float) - scale_min) / (scale_max - scale_min)


def mean_ci(x: Sequence[float], conf: float = 0.95) -> dict:
    """Mean with a t-interval: ``m ± t_{(1+conf)/2, n−1} · s/√n`` (R ``t.test(x)$conf.int``).

    Examples
    --------
    >>> r = mean_ci(ecsi[["sat1", "sat2", "sat3", "sat4"]].mean(axis=1))
    >>> round(float(r["mean"]), 3), round(float(r["ci.lower"]), 4), round(float(r["ci.upper"]), 4)
    (6.833, 6.6205, 7.0455)

    In R (``SAT <- rowMeans(ecsi[, paste0("sat", 1:4)])``): ``t.test(SAT)$conf.int[1]`` → 6.6205.
    """
    x = pd.Series(x, dtype=float).dropna()
    n = len(x)
    m = x.mean() if n else np.nan
    sd = x.std(ddof=1) if n > 1 else np.nan
    if n > 1:
        half = stats.t.ppf(0.5 + conf / 2, n - 1) * sd / math.sqrt(n)
        lo, hi = m - half, m + half
    else:
        lo = hi = np.nan
    return {"n": n, "mean": m, "sd": sd, "ci.lower": lo, "ci.upper": hi}


def construct_index(scores: pd.DataFrame, scale_min: float, scale_max: float, conf: float = 0.95,
                    labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Mean construct scores and their 0–100 indices with t-intervals.

    For each construct: n respondents with a score, mean, sd (ddof = 1), the t-interval
    ``mean ± t_{.975, n−1} sd/√n``, ``index = 100 (mean − min)/(max − min)`` on the study's scale
    and the index interval, which is the same linear transform of the mean's interval.
    Columns ``construct, n, mean, sd, ci.lower, ci.upper, index, index.ci.lower, index.ci.upper,
    label``.

    Parameters
    ----------
    scores : DataFrame
        Respondent-level construct scores, one column per construct.
    scale_min, scale_max : float
        The answer scale.
    conf : float
        Confidence level of the t-intervals.
    labels : mapping, optional
        ``{construct: label}``.

    Returns
    -------
    DataFrame
        One row per construct with the columns above.

    Examples
    --------
    >>> scores = pd.DataFrame({"SAT": ecsi[["sat1", "sat2", "sat3", "sat4"]].mean(axis=1)})
    >>> construct_index(scores, 0, 10)[["construct", "n", "mean", "index", "index.ci.lower", "index.ci.upper"]].round(3)
      construct    n   mean  index  index.ci.lower  index.ci.upper
    0       SAT  250  6.833  68.33          66.205          70.455

    In R (``SAT <- rowMeans(ecsi[, paste0("sat", 1:4)])``, scale 0–10): ``100 * t.test(SAT)$conf.int[1] / 10`` → 66.205
    and ``100 * t.test(SAT)$conf.int[2] / 10`` → 70.455.
    """
    labels = labels or {}
    rows = []
    for c in scores.columns:
        r = mean_ci(scores[c], conf)
        rows.append({"construct": c, **r,
                     "index": float(to_index(r["mean"], scale_min, scale_max)),
                     "index.ci.lower": float(to_index(r["ci.lower"], scale_min, scale_max)),
                     "index.ci.upper": float(to_index(r["ci.upper"], scale_min, scale_max)),
                     "label": labels.get(c, c)})
    out = pd.DataFrame(rows, columns=INDEX_COLUMNS + ["label"])
    out["n"] = out["n"].astype(int)
    return out


# -- NPS ------------------------------------------------------------------------------------
def nps(x: Sequence[float], conf: float = 0.95) -> dict:
    """Net Promoter Score of a 0–10 likelihood-to-recommend answer (Reichheld 2003).

    Promoters answer 9–10, passives 7–8, detractors 0–6; NPS = 100 (p_p − p_d) among the n
    non-missing answers. Its variance follows from the multinomial distribution of the three
    categories: ``Var(p_p − p_d) = [p_p + p_d − (p_p − p_d)²] / n``; the interval is the Wald
    interval ``NPS ± z_{(1+conf)/2} · 100 · sqrt(Var)``, not truncated (Rocks 2016 discusses
    better intervals for small n or extreme shares). Answers outside 0–10 or not whole numbers
    raise ``ValueError``.

    Parameters
    ----------
    x : sequence of float
        Answers 0–10 (missing values are left out).
    conf : float
        Confidence level of the Wald interval.

    Returns
    -------
    dict
        ``n, promoters, passives, detractors, p_promoters, p_passives, p_detractors, nps, se,
        ci.lower, ci.upper, conf, method``.

    Examples
    --------
    >>> r = nps(ecsi["loy1"])
    >>> r["promoters"], r["detractors"], round(r["nps"], 2), round(r["ci.lower"], 2), round(r["ci.upper"], 2)
    (83, 76, 2.8, -7.08, 12.68)

    In R (``ecsi <- read.csv("ecsi_satisfaction.csv")``): ``100 * (mean(ecsi$loy1 >= 9) - mean(ecsi$loy1 <= 6))`` → 2.8.
    """
    s = pd.Series(x)
    if not pd.api.types.is_numeric_dtype(s):
        s = pd.to_numeric(s, errors="raise")
    s = s.astype(float).dropna()
    bad = s[(s < 0) | (s > 10) | (s != np.round(s))]
    if len(bad):
        raise ValueError(f"recommend: value {bad.iloc[0]!r} in row {bad.index[0]!r} is not a whole number 0-10")
    n = len(s)
    if n == 0:
        raise ValueError("recommend: no answers")
    npro, ndet = int((s >= 9).sum()), int((s <= 6).sum())
    npas = n - npro - ndet
    pp, pd_ = npro / n, ndet / n
    d = pp - pd_
    se = math.sqrt(max(pp + pd_ - d * d, 0.0) / n)
    z = stats.norm.ppf(0.5 + conf / 2)
    return {"n": n, "promoters": npro, "passives": npas, "detractors": ndet,
            "p_promoters": pp, "p_passives": npas / n, "p_detractors": pd_,
            "nps": 100 * d, "se": 100 * se, "ci.lower": float(100 * (d - z * se)),
            "ci.upper": float(100 * (d + z * se)),
            "conf": conf, "method": "Wald interval, multinomial variance [p_p + p_d - (p_p - p_d)^2]/n"}


# -- group comparisons ----------------------------------------------------------------------
def hedges_g(x: Sequence[float], y: Sequence[float]) -> float:
    """Hedges' g of x − y: Cohen's d with the pooled sd, times the exact small-sample factor.

    ``d = (mean_x − mean_y)/s_p``, ``s_p² = [(n_x−1)s_x² + (n_y−1)s_y²]/(n_x+n_y−2)`` and
    ``J = Γ(ν/2) / [sqrt(ν/2) Γ((ν−1)/2)]`` with ν = n_x+n_y−2 (Hedges & Olkin 1985; as R
    ``effectsize::hedges_g``; pingouin uses the approximation 1 − 3/(4ν − 1)).
    """
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    nx, ny = len(x), len(y)
    v = nx + ny - 2
    sp = math.sqrt(((nx - 1) * x.var(ddof=1) + (ny - 1) * y.var(ddof=1)) / v)
    if not sp > 0:
        return float("nan")
    d = (x.mean() - y.mean()) / sp
    J = math.exp(gammaln(v / 2) - 0.5 * math.log(v / 2) - gammaln((v - 1) / 2))
    return d * J


def welch_t(x: Sequence[float], y: Sequence[float]) -> dict:
    """Welch's t-test of mean(x) − mean(y) (R ``t.test(x, y)``), with Hedges' g.

    ``t = (m_x − m_y)/sqrt(s_x²/n_x + s_y²/n_y)``; Welch–Satterthwaite df
    ``(a + b)² / [a²/(n_x−1) + b²/(n_y−1)]`` with a = s_x²/n_x, b = s_y²/n_y; two-sided p.

    Examples
    --------
    >>> sat = ecsi[["sat1", "sat2", "sat3", "sat4"]].mean(axis=1)
    >>> r = welch_t(sat[ecsi["gender"] == "female"], sat[ecsi["gender"] == "male"])
    >>> round(r["statistic"], 4), round(r["df"], 2), round(r["pvalue"], 4)
    (1.8603, 203.39, 0.0643)

    In R (``SAT <- rowMeans(ecsi[, paste0("sat", 1:4)])``): ``t.test(SAT ~ gender, data = ecsi)$statistic`` → 1.8603.
    """
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    a, b = x.var(ddof=1) / len(x), y.var(ddof=1) / len(y)
    if not a + b > 0:        # no variation in either group: t is undefined
        return {"statistic": np.nan, "df": np.nan, "pvalue": np.nan, "estimate": float(x.mean() - y.mean()),
                "effect": "hedges_g", "effect_size": np.nan}
    r = stats.ttest_ind(x, y, equal_var=False)
    df = (a + b) ** 2 / (a * a / (len(x) - 1) + b * b / (len(y) - 1))
    return {"statistic": float(r.statistic), "df": float(df), "pvalue": float(r.pvalue),
            "estimate": float(x.mean() - y.mean()), "effect": "hedges_g", "effect_size": hedges_g(x, y)}


def mann_whitney(x: Sequence[float], y: Sequence[float]) -> dict:
    """Mann–Whitney U test (R ``wilcox.test(x, y)``) with the rank-biserial correlation.

    U is the statistic of x (R's W): the number of pairs with x > y plus half the ties. As in R,
    the p-value is exact when both samples have fewer than 50 values and there are no ties,
    otherwise it uses the normal approximation with tie and continuity correction. The
    rank-biserial correlation is ``r = 2U/(n_x n_y) − 1`` (Kerby 2014): the share of pairs with
    x > y minus the share with x < y; positive when x tends to be larger.

    Examples
    --------
    >>> sat = ecsi[["sat1", "sat2", "sat3", "sat4"]].mean(axis=1)
    >>> r = mann_whitney(sat[ecsi["gender"] == "female"], sat[ecsi["gender"] == "male"])
    >>> r["statistic"], round(r["pvalue"], 4)
    (8460.0, 0.1041)

    In R: ``wilcox.test(SAT ~ gender, data = ecsi)$statistic`` → 8460 and ``wilcox.test(SAT ~ gender, data = ecsi)$p.value`` → 0.1041.
    """
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    ties = len(np.unique(np.concatenate([x, y]))) < len(x) + len(y)
    method = "exact" if (len(x) < 50 and len(y) < 50 and not ties) else "asymptotic"
    r = stats.mannwhitneyu(x, y, alternative="two-sided", use_continuity=True, method=method)
    U = float(r.statistic)
    return {"statistic": U, "df": np.nan, "pvalue": float(r.pvalue), "estimate": np.nan,
            "effect": "rank_biserial_r", "effect_size": 2 * U / (len(x) * len(y)) - 1}


def welch_anova(samples: Sequence[Sequence[float]]) -> dict:
    """Welch's (1951) heteroscedastic one-way ANOVA (R ``oneway.test(var.equal = FALSE)``).

    With w_j = n_j / s_j², the weighted grand mean m_w = Σ w_j m_j / Σ w_j,
    A = Σ w_j (m_j − m_w)² / (k − 1), Λ = Σ (1 − w_j/Σw)²/(n_j − 1) and
    B = 1 + 2(k − 2) Λ / (k² − 1): F = A / B on df1 = k − 1 and df2 = (k² − 1)/(3 Λ).
    The effect size is omega² of the classical one-way ANOVA,
    ``ω² = (SS_between − (k − 1) MS_within) / (SS_total + MS_within)`` (Hays), the usual
    companion of Welch's F (not computed from F itself); it is negative when F < 1 and is
    reported as is, not truncated at 0.

    F, df and p come from ``pingouin.welch_anova``; omega² is computed here (pingouin reports
    partial eta² only).  A level without variation leaves Welch's weights undefined: F, df2 and p
    are then missing (pingouin refuses such data).

    Examples
    --------
    >>> sat = ecsi[["sat1", "sat2", "sat3", "sat4"]].mean(axis=1)
    >>> image = pd.cut(ecsi["imag1"], [-1, 6, 8, 10], labels=["low", "mid", "high"])
    >>> r = welch_anova([sat[image == lev] for lev in ["low", "mid", "high"]])
    >>> round(r["statistic"], 4), r["df"], round(r["df2"], 3)
    (18.0328, 2.0, 102.967)

    In R (``image <- cut(ecsi$imag1, c(-1, 6, 8, 10))``): ``oneway.test(SAT ~ image, var.equal = FALSE)$statistic`` → 18.0328.
    """
    import pingouin

    xs = [np.asarray(s, float) for s in samples]
    k = len(xs)
    n = np.array([len(s) for s in xs], float)
    m = np.array([s.mean() for s in xs])
    df1 = k - 1
    try:
        long = pd.DataFrame({"y": np.concatenate(xs), "g": np.repeat(np.arange(k), n.astype(int))})
        aov = pingouin.welch_anova(long, dv="y", between="g").iloc[0]
        F, df2, pval = float(aov["F"]), float(aov["ddof2"]), float(aov["p_unc"])
    except ValueError:                       # a level with one value or no variation
        F = df2 = pval = np.nan
    allx = np.concatenate(xs)
    ssb = (n * (m - allx.mean()) ** 2).sum()
    sst = ((allx - allx.mean()) ** 2).sum()
    msw = (sst - ssb) / (len(allx) - k)
    omega = (ssb - (k - 1) * msw) / (sst + msw)
    return {"statistic": float(F), "df": float(df1), "df2": float(df2),
            "pvalue": pval, "estimate": np.nan,
            "effect": "omega_sq", "effect_size": float(omega)}


def kruskal_wallis(samples: Sequence[Sequence[float]]) -> dict:
    """Kruskal–Wallis H test (tie-corrected; R ``kruskal.test``) with epsilon².

    ``ε² = H / [(n² − 1)/(n + 1)] = H/(n − 1)`` (Tomczak & Tomczak 2014; R
    ``rcompanion::epsilonSquared``), n the total sample size.

    Examples
    --------
    >>> sat = ecsi[["sat1", "sat2", "sat3", "sat4"]].mean(axis=1)
    >>> image = pd.cut(ecsi["imag1"], [-1, 6, 8, 10], labels=["low", "mid", "high"])
    >>> r = kruskal_wallis([sat[image == lev] for lev in ["low", "mid", "high"]])
    >>> round(r["statistic"], 4), r["df"]
    (45.6948, 2.0)

    In R: ``kruskal.test(SAT ~ image)$statistic`` → 45.6948.
    """
    xs = [np.asarray(s, float) for s in samples]
    r = stats.kruskal(*xs)
    n = sum(len(s) for s in xs)
    H = float(r.statistic)
    return {"statistic": H, "df": float(len(xs) - 1), "pvalue": float(r.pvalue), "estimate": np.nan,
            "effect": "epsilon_sq", "effect_size": H / ((n * n - 1) / (n + 1))}


def chi_square(a: pd.Series, b: pd.Series) -> dict:
    """Pearson chi-square test of independence of two categorical variables, with Cramér's V.

    No continuity correction (R ``chisq.test(table(a, b), correct = FALSE)``), complete pairs
    only; ``V = sqrt(χ² / (n · (min(r, c) − 1)))``. Also returns the smallest expected count.

    Examples
    --------
    >>> image = pd.cut(ecsi["imag1"], [-1, 6, 8, 10], labels=["low", "mid", "high"]).astype(str)
    >>> r = chi_square(ecsi["gender"], image)
    >>> round(r["statistic"], 4), r["df"], round(r["effect_size"], 4)
    (0.983, 2.0, 0.0627)

    In R: ``chisq.test(table(ecsi$gender, image))$statistic`` → 0.9830.
    """
    tab = pd.crosstab(a, b)
    tab = tab.loc[tab.sum(axis=1) > 0, tab.sum(axis=0) > 0]
    chi2, p, dof, expected = stats.chi2_contingency(tab.to_numpy(), correction=False)
    n = int(tab.to_numpy().sum())
    q = min(tab.shape) - 1
    return {"statistic": float(chi2), "df": float(dof), "pvalue": float(p), "estimate": np.nan,
            "effect": "cramers_v", "effect_size": math.sqrt(chi2 / (n * q)) if q > 0 else np.nan,
            "n": n, "min_expected": float(expected.min())}


def _group_samples(score: pd.Series, g: pd.Series, min_n: int = 2):
    """The levels of ``g`` with at least ``min_n`` scores, and the scores of each (in data order)."""
    ok = (score.notna() & g.notna()).to_numpy()
    values, groups = score.to_numpy(float)[ok], g[ok]
    levels, samples = [], []
    gv = groups.to_numpy(object)
    for lev in group_levels(groups):
        sel = gv == lev
        if sel.sum() >= min_n:
            levels.append(lev)
            samples.append(values[sel])
    return levels, samples


FAMILY_TEXT = {
    "welch_t": "welch_t: all construct x two-level group tests",
    "mann_whitney": "mann_whitney: all construct x two-level group tests",
    "welch_anova": "welch_anova: all construct x multi-level group tests",
    "kruskal_wallis": "kruskal_wallis: all construct x multi-level group tests",
    "chi_square": "chi_square: all pairs of grouping variables",
}


def group_tests(scores: pd.DataFrame, groups: pd.DataFrame, min_n: int = 2) -> pd.DataFrame:
    """Compare every construct score across the levels of every grouping column.

    For a grouping column with two levels (each with at least ``min_n`` scores): Welch t-test
    (``test = "welch_t"``, first − second level, levels in category or sorted order) with
    Hedges' g, and Mann–Whitney U (``"mann_whitney"``) with the rank-biserial r. With three or
    more levels: Welch ANOVA (``"welch_anova"``, ``df`` and ``df2``) with omega², and
    Kruskal–Wallis (``"kruskal_wallis"``) with epsilon². Between each pair of grouping columns:
    Pearson chi-square (``"chi_square"``, ``construct`` empty, ``group = "a x b"``) with
    Cramér's V. Levels with fewer than ``min_n`` scores and missing group values are left out;
    a comparison with fewer than two usable levels is not made.

    ``p.holm`` is Holm-adjusted within the family of all tests of the same kind (column
    ``family``), e.g. all Welch t-tests of every construct by every two-level group.
    Columns: ``construct, group, test, statistic, df, pvalue, p.holm, effect, effect_size,
    family, df2, n, levels, estimate``.

    Parameters
    ----------
    scores : DataFrame
        Construct scores, one column per construct.
    groups : DataFrame
        Grouping columns (same index as ``scores``).
    min_n : int
        Smallest level size taken into the tests.

    Returns
    -------
    DataFrame
        One row per test with the columns above.

    Examples
    --------
    >>> scores = pd.DataFrame({"SAT": ecsi[["sat1", "sat2", "sat3", "sat4"]].mean(axis=1)})
    >>> t = group_tests(scores, ecsi[["gender"]])
    >>> t[["test", "statistic", "df", "pvalue", "effect_size"]].round(4)
               test  statistic        df  pvalue  effect_size
    0       welch_t     1.8603  203.3863  0.0643       0.2429
    1  mann_whitney  8460.0000       NaN  0.1041       0.1208

    In R (``SAT <- rowMeans(ecsi[, paste0("sat", 1:4)])``): ``t.test(SAT ~ gender, data = ecsi)$statistic`` → 1.8603,
    ``t.test(SAT ~ gender, data = ecsi)$parameter`` → 203.3863, ``t.test(SAT ~ gender, data = ecsi)$p.value`` → 0.0643
    and ``wilcox.test(SAT ~ gender, data = ecsi)$statistic`` → 8460.
    """
    rows = []
    for gname in groups.columns:
        g = groups[gname]
        for c in scores.columns:
            levels, samples = _group_samples(scores[c], g, min_n)
            base = {"construct": c, "group": gname, "n": int(sum(len(s) for s in samples)),
                    "levels": " | ".join(str(lv) for lv in levels)}
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                # a level without variation makes Welch's statistics undefined (NaN, see test_diagnostics)
                warnings.simplefilter("ignore", RuntimeWarning)
                if len(levels) == 2:
                    rows.append({**base, "test": "welch_t", **welch_t(*samples)})
                    rows.append({**base, "test": "mann_whitney", **mann_whitney(*samples)})
                elif len(levels) > 2:
                    rows.append({**base, "test": "welch_anova", **welch_anova(samples)})
                    rows.append({**base, "test": "kruskal_wallis", **kruskal_wallis(samples)})
    for a, b in combinations(list(groups.columns), 2):
        ok = groups[a].notna() & groups[b].notna()
        if groups.loc[ok, a].nunique() < 2 or groups.loc[ok, b].nunique() < 2:
            continue
        r = chi_square(groups.loc[ok, a], groups.loc[ok, b])
        r.pop("min_expected")
        rows.append({"construct": None, "group": f"{a} x {b}", "test": "chi_square",
                     "levels": f"{groups.loc[ok, a].nunique()} x {groups.loc[ok, b].nunique()}", **r})
    out = pd.DataFrame(rows, columns=GROUP_TEST_COLUMNS + GROUP_TEST_EXTRA)
    out["family"] = out["test"].map(FAMILY_TEXT)
    for t in out["test"].unique():
        sel = out["test"] == t
        out.loc[sel, "p.holm"] = holm(out.loc[sel, "pvalue"].to_numpy(float))
    for col in ("statistic", "df", "pvalue", "p.holm", "effect_size", "df2", "estimate"):
        out[col] = out[col].astype(float)
    out["n"] = out["n"].astype("Int64")
    return out


def _gauss_legendre(panels: int, order: int, a: float = 0.0, b: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of composite Gauss–Legendre quadrature on [a, b] (``panels`` equal panels)."""
    x, w = np.polynomial.legendre.leggauss(order)
    edges = np.linspace(a, b, panels + 1)
    half = np.diff(edges)[:, None] / 2
    mid = (edges[:-1] + edges[1:])[:, None] / 2
    return (mid + half * x).ravel(), (half * w).ravel()


#: the df above which the studentized range is taken at df = ∞, as R's ``ptukey`` does
STUDENTIZED_RANGE_INFINITE_DF = 25000.0


def studentized_range_sf(q, k, df) -> np.ndarray:
    """Upper tail of the studentized range distribution, ``P(Q_{k,df} > q)`` (R's
    ``ptukey(q, k, df, lower.tail = FALSE)``), vectorized over ``q``, ``k`` and ``df``.

    The range of ``k`` independent standard normals divided by an independent ``S = √(χ²_df/df)``:

    ``P(Q > q) = ∫₀^∞ g_df(s) · [1 − W_k(q s)] ds``,
    ``1 − W_k(w) = k ∫ φ(z) [Φ(z)^(k−1) − (Φ(z) − Φ(z − w))^(k−1)] dz``

    (Tukey 1953; Lund & Lund 1983; Copenhaver & Holland 1988), where ``g_df`` is the density of ``S``
    and ``1 − W_k`` is written as a difference of non-negative terms, so small tails keep their
    accuracy.  The outer integral runs over ``t = ln s`` between the 1e−13 and 1 − 1e−13 quantiles
    of ``S`` (256 Gauss–Legendre nodes), the inner one over z ∈ [−9, 9] (192 nodes).  For
    ``df > 25000`` it is taken at df = ∞, as R's ``ptukey`` does.  Agrees with
    ``scipy.stats.studentized_range.sf`` to 2e−7 over q ≤ 20, k ≤ 20, df ≥ 1, with the exact
    ``2 P(t_df > q/√2)`` for k = 2 to 1e−10, and with R's ``ptukey`` to 6e−4 (1e−5 for q ≤ 5 and
    df ≥ 30; ``ptukey`` is itself approximate far in the tail at small df; tests/reference/ptukey.R).

    Written here rather than taken from scipy because ``scipy.stats.studentized_range`` integrates
    every value adaptively in two dimensions (``nquad``), 20–40 ms per p-value: the 133
    Games–Howell p-values of the demo took 2.5 s, the slowest step of 02_descriptives.  Here all
    values share one fixed quadrature (about 0.1 s for the 133).

    Examples
    --------
    >>> round(float(studentized_range_sf(3.5, 3, 20)), 4)
    0.0559

    In R: ``ptukey(3.5, 3, 20, lower.tail = FALSE)`` → 0.0559.
    """
    q, k, df = np.broadcast_arrays(np.asarray(q, float), np.asarray(k, float), np.asarray(df, float))
    shape = q.shape
    q, k, df = q.ravel(), k.ravel(), df.ravel()
    out = np.full(q.shape, np.nan)
    ok = np.isfinite(q) & (k >= 2) & (df > 0) & ~np.isnan(df)
    out[ok & (q <= 0)] = 1.0
    from scipy import special

    u, wu = _gauss_legendre(16, 16)
    z, wz = _gauss_legendre(24, 8, -9.0, 9.0)
    wz = wz * np.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    pz = special.ndtr(z)
    todo = np.flatnonzero(ok & (q > 0))
    for start in range(0, len(todo), 64):          # 64 values at a time: about 25 MB of work arrays
        idx = todo[start:start + 64]
        qi, ki, nu = q[idx], k[idx], df[idx]
        inf = nu > STUDENTIZED_RANGE_INFINITE_DF
        nu_f = np.where(inf, 1e3, nu)                # any finite df; replaced by s = 1 below
        eps = 1e-13
        lo = 0.5 * np.log(special.chdtri(nu_f, 1 - eps) / nu_f)
        hi = 0.5 * np.log(special.chdtri(nu_f, eps) / nu_f)
        t = lo[:, None] + (hi - lo)[:, None] * u[None, :]
        nu_c = nu_f[:, None]
        # density of ln S: 2 (ν/2)^(ν/2) / Γ(ν/2) · e^(νt) · exp(−ν e^(2t) / 2)
        logh = (nu_c / 2) * np.log(nu_c / 2) - special.gammaln(nu_c / 2) + math.log(2) + nu_c * t \
            - nu_c * np.exp(2 * t) / 2
        wt = (hi - lo)[:, None] * wu[None, :] * np.exp(logh)
        s = np.exp(t)
        s[inf] = 1.0
        wt[inf] = 0.0
        wt[inf, 0] = 1.0
        w = qi[:, None, None] * s[:, :, None]
        km1 = (ki - 1)[:, None, None]
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            inner = pz ** km1 - np.clip(pz - special.ndtr(z - w), 0.0, None) ** km1
        tail = ki[:, None] * (inner @ wz)
        out[idx] = np.clip((tail * wt).sum(axis=1), 0.0, 1.0)
    return out.reshape(shape)


def games_howell(samples: Sequence[Sequence[float]], levels: Sequence) -> pd.DataFrame:
    """Games–Howell pairwise comparisons (Games & Howell 1976).

    For levels i < j: ``diff = m_i − m_j``, ``se = sqrt(s_i²/n_i + s_j²/n_j)``, ``t = diff/se``,
    Welch df ``se⁴ / [(s_i²/n_i)²/(n_i − 1) + (s_j²/n_j)²/(n_j − 1)]``, and
    ``p = P(q_{k, df} > |t| √2)`` from the studentized range distribution
    (:func:`studentized_range_sf`), which already controls the family-wise error over the
    k(k−1)/2 pairs.  The same numbers as ``pingouin.pairwise_gameshowell`` and R
    ``rstatix::games_howell_test`` (tests compare both); computed here so that all p-values of a
    study come from one vectorized call (pingouin asks scipy for each, 2.5 s in the demo).
    ``hedges_g`` as in :func:`hedges_g` (pingouin applies the approximate correction
    1 − 3/(4ν − 1) instead of the exact one).  A pair in which neither level varies (se = 0) gets
    missing t, df and p.
    """
    xs = [np.asarray(s, float) for s in samples]
    k = len(xs)
    n = np.array([len(x) for x in xs], float)
    m = np.array([x.mean() for x in xs])
    with np.errstate(all="ignore"):
        v = np.array([x.var(ddof=1) for x in xs]) / n
    pairs = list(combinations(range(k), 2))
    rows, qs, dfs = [], [], []
    for i, j in pairs:
        se2 = v[i] + v[j]
        se = math.sqrt(se2) if se2 >= 0 else np.nan
        if se > 0:
            t = (m[i] - m[j]) / se
            df = se2 ** 2 / (v[i] ** 2 / (n[i] - 1) + v[j] ** 2 / (n[j] - 1))
        else:                # no variation in either level: undefined
            t = df = np.nan
        qs.append(abs(t) * math.sqrt(2))
        dfs.append(df)
        rows.append({"A": str(levels[i]), "B": str(levels[j]), "mean.A": m[i], "mean.B": m[j],
                     "diff": m[i] - m[j], "se": se, "statistic": t, "df": df, "pvalue": np.nan,
                     "hedges_g": hedges_g(xs[i], xs[j])})
    out = pd.DataFrame(rows)
    if len(out):
        out["pvalue"] = studentized_range_sf(np.array(qs), k, np.array(dfs))
    return out


def posthoc_tests(scores: pd.DataFrame, groups: pd.DataFrame, min_n: int = 2) -> pd.DataFrame:
    """Games–Howell post hoc comparisons for every construct × grouping column with ≥ 3 levels.

    Columns ``construct, group, A, B, mean.A, mean.B, diff, se, statistic, df, pvalue,
    hedges_g``; ``pvalue`` is already adjusted for the pairs within one construct × group.

    Parameters
    ----------
    scores : DataFrame
        Construct scores.
    groups : DataFrame
        Grouping columns.
    min_n : int
        Smallest level size taken into the tests.

    Returns
    -------
    DataFrame
        One row per pair of levels.

    Examples
    --------
    >>> scores = pd.DataFrame({"SAT": ecsi[["sat1", "sat2", "sat3", "sat4"]].mean(axis=1)})
    >>> image = pd.cut(ecsi["imag1"], [-1, 6, 8, 10], labels=["low", "mid", "high"])
    >>> posthoc_tests(scores, pd.DataFrame({"image": image}))[["A", "B", "diff", "statistic", "df", "pvalue"]].round(4)
         A     B    diff  statistic        df  pvalue
    0  low   mid -1.3618    -4.2147   57.9137  0.0003
    1  low  high -2.0714    -5.9469   74.4578  0.0000
    2  mid  high -0.7096    -3.3635  155.8379  0.0028

    The same comparisons (signs reversed where the pair is listed the other way round) from pingouin:
    ``pingouin.pairwise_gameshowell(data, dv="SAT", between="image")``; R has no Games–Howell test in
    base R, psych or lavaan.
    """
    parts = []
    for gname in groups.columns:
        for c in scores.columns:
            levels, samples = _group_samples(scores[c], groups[gname], min_n)
            if len(levels) >= 3:
                t = games_howell(samples, levels)
                t.insert(0, "group", gname)
                t.insert(0, "construct", c)
                parts.append(t)
    if not parts:
        return pd.DataFrame(columns=POSTHOC_COLUMNS)
    return pd.concat(parts, ignore_index=True)[POSTHOC_COLUMNS]


def group_diagnostics(scores: pd.DataFrame, groups: pd.DataFrame, min_n: int = 2,
                      small_cell: int = 5) -> list[Diagnostic]:
    """Problems with the grouping columns: too few levels, tiny groups, small expected counts.

    * ``group_single_level`` (info): a grouping column has fewer than two usable levels;
    * ``group_small_level`` (warning): a level has fewer than ``small_cell`` respondents (tests
      are unstable; levels with fewer than ``min_n`` are left out of the tests);
    * ``chisq_small_expected`` (warning): a chi-square table has an expected count below 5.

    Parameters
    ----------
    scores : DataFrame
        Construct scores.
    groups : DataFrame
        Grouping columns.
    min_n : int
        Smallest level size taken into the tests.
    small_cell : int
        Levels below this size are reported.

    Returns
    -------
    list of Diagnostic
    """
    out: list[Diagnostic] = []
    for gname in groups.columns:
        g = groups[gname]
        counts = g.value_counts()
        usable = counts[counts >= min_n]
        if len(usable) < 2:
            out.append(diagnostic("group_single_level", "info", gname,
                                  "Grouping column {group!r} has fewer than two levels with at least {min_n} "
                                  "respondents; no group comparison was made.", group=gname, min_n=min_n))
        small = counts[counts < small_cell]
        if len(small):
            levels = Listing(repr(str(x)) for x in small.index)
            if (small < min_n).any():
                out.append(diagnostic("group_small_level", "warning", gname,
                                      "Level(s) {levels} of {group!r} have fewer than {small_cell} respondents; "
                                      "comparisons involving them are unstable and levels below {min_n} are left out.",
                                      levels=levels, group=gname, small_cell=small_cell, min_n=min_n))
            else:
                out.append(diagnostic("group_small_level", "warning", gname,
                                      "Level(s) {levels} of {group!r} have fewer than {small_cell} respondents; "
                                      "comparisons involving them are unstable.",
                                      levels=levels, group=gname, small_cell=small_cell))
    for a, b in combinations(list(groups.columns), 2):
        ok = groups[a].notna() & groups[b].notna()
        if groups.loc[ok, a].nunique() < 2 or groups.loc[ok, b].nunique() < 2:
            continue
        r = chi_square(groups.loc[ok, a], groups.loc[ok, b])
        if r["min_expected"] < 5:
            out.append(diagnostic("chisq_small_expected", "warning", f"{a} x {b}",
                                  "The smallest expected count of the {a} x {b} table is {min_expected:.2f} "
                                  "(< 5); the chi-square p-value is approximate.",
                                  a=a, b=b, min_expected=r["min_expected"]))
    return out


def test_diagnostics(tests: pd.DataFrame) -> list[Diagnostic]:
    """``group_test_undefined`` (warning) for each test whose statistic or p-value is not finite.

    This happens when the scores do not vary within the levels (Welch's tests divide by the
    within-level variances) or not at all (rank tests).

    Parameters
    ----------
    tests : DataFrame
        The table of :func:`group_tests`.

    Returns
    -------
    list of Diagnostic
    """
    out = []
    bad = tests[~np.isfinite(tests["statistic"].astype(float)) | ~np.isfinite(tests["pvalue"].astype(float))]
    for _, r in bad.iterrows():
        if isinstance(r["construct"], str):
            out.append(diagnostic("group_test_undefined", "warning", f"{r['construct']} by {r['group']}",
                                  "The {test} test of {construct} by {group} is undefined (scores without variation "
                                  "within or across levels {levels}); it is reported as missing.",
                                  test=r["test"], construct=r["construct"], group=r["group"], levels=r["levels"]))
        else:
            out.append(diagnostic("group_test_undefined", "warning", str(r["group"]),
                                  "The {test} test of {group} is undefined (scores without variation within or "
                                  "across levels {levels}); it is reported as missing.",
                                  test=r["test"], group=r["group"], levels=r["levels"]))
    return out


test_diagnostics.__test__ = False  # not a pytest test


# -- correlations ---------------------------------------------------------------------------
def correlations(scores: pd.DataFrame) -> pd.DataFrame:
    """Pearson and Spearman correlations of the construct scores (pairwise complete cases).

    Tidy table ``lhs, rhs, method, r, n, pvalue`` for every pair (lhs before rhs in column
    order); Spearman's rho is the Pearson correlation of mid-ranks (R ``cor(method =
    "spearman")``); p-values from the t distribution on n − 2 df (R ``cor.test``; for Spearman
    the asymptotic t approximation).

    Parameters
    ----------
    scores : DataFrame
        Construct scores, one column per construct.

    Returns
    -------
    DataFrame
        ``lhs, rhs, method, r, n, pvalue``.

    Examples
    --------
    >>> scores = pd.DataFrame({"SAT": ecsi[["sat1", "sat2", "sat3", "sat4"]].mean(axis=1),
    ...                        "LOY": ecsi[["loy1", "loy2", "loy3", "loy4"]].mean(axis=1)})
    >>> correlations(scores).round(4)
       lhs  rhs    method       r    n  pvalue
    0  SAT  LOY   pearson  0.6499  250     0.0
    1  SAT  LOY  spearman  0.6250  250     0.0

    In R (``SAT``, ``LOY`` the row means of the items): ``cor(SAT, LOY)`` → 0.6499 and
    ``cor(SAT, LOY, method = "spearman")`` → 0.6250.
    """
    rows = []
    cols = list(scores.columns)
    full_rank: dict = {}          # mid-ranks of a column without missing values, computed once
    for method in ("pearson", "spearman"):
        for a, b in combinations(cols, 2):
            ok = scores[a].notna() & scores[b].notna()
            x, y = scores.loc[ok, a].to_numpy(float), scores.loc[ok, b].to_numpy(float)
            n = len(x)
            if n < 3:
                r = p = np.nan
            else:
                if method == "spearman" and n == len(scores):
                    for c, v in ((a, x), (b, y)):
                        if c not in full_rank:
                            full_rank[c] = stats.rankdata(v)
                    x, y = full_rank[a], full_rank[b]
                elif method == "spearman":
                    x, y = stats.rankdata(x), stats.rankdata(y)
                r = float(np.corrcoef(x, y)[0, 1])
                tval = r * math.sqrt((n - 2) / max(1 - r * r, 1e-300))
                p = float(2 * stats.t.sf(abs(tval), n - 2))
            rows.append({"lhs": a, "rhs": b, "method": method, "r": r, "n": n, "pvalue": p})
    return pd.DataFrame(rows, columns=["lhs", "rhs", "method", "r", "n", "pvalue"])


def correlation_matrix(scores: pd.DataFrame, method: str = "pearson") -> pd.DataFrame:
    """Square correlation matrix of the construct scores (pairwise complete; pandas ``corr``).

    Parameters
    ----------
    scores : DataFrame
        Construct scores, one column per construct.
    method : {"pearson", "spearman"}

    Returns
    -------
    DataFrame
        Square construct × construct matrix.

    Examples
    --------
    >>> scores = pd.DataFrame({"SAT": ecsi[["sat1", "sat2", "sat3", "sat4"]].mean(axis=1),
    ...                        "LOY": ecsi[["loy1", "loy2", "loy3", "loy4"]].mean(axis=1)})
    >>> correlation_matrix(scores).round(4)
            SAT     LOY
    SAT  1.0000  0.6499
    LOY  0.6499  1.0000

    In R: ``cor(SAT, LOY)`` → 0.6499.
    """
    if method not in ("pearson", "spearman"):
        raise ValueError(f"method must be 'pearson' or 'spearman', not {method!r}")
    return scores.astype(float).corr(method=method)


# -- construct-score diagnostics ------------------------------------------------------------
def score_diagnostics(scores: pd.DataFrame, constructs: Mapping[str, Sequence[str]]) -> list[Diagnostic]:
    """``construct_score_missing`` (info) when some respondents answered fewer than half the items.

    Parameters
    ----------
    scores : DataFrame
        Construct scores (NaN where a respondent has no score).
    constructs : mapping
        ``{construct: [item, ...]}``.

    Returns
    -------
    list of Diagnostic
    """
    out = []
    for c in scores.columns:
        k = int(scores[c].isna().sum())
        if k:
            out.append(diagnostic("construct_score_missing", "info", c,
                                  "{k} respondent(s) answered fewer than half of the {n_items} items of "
                                  "{construct} and have no {construct} score.",
                                  k=k, n_items=len(constructs[c]), construct=c))
    return out
