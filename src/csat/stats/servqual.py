"""Service gaps (SERVQUAL): perception minus expectation, per item and per dimension.

For each dimension (tangibles, reliability, responsiveness, assurance, empathy in Parasuraman,
Zeithaml & Berry 1988, or any the study defines) the i-th expectation item is paired with the
i-th perception item. For every pair and for the dimension score (the respondent's mean over the
dimension's items, respondents with all of them):

* ``gap = mean(P − E)`` over the respondents who answered both (negative = the service falls
  short of what customers expect);
* the paired t-test of ``P − E = 0`` (``scipy.stats.ttest_rel``, R ``t.test(p, e, paired = TRUE)``)
  with Cohen's ``d_z = mean(P − E) / sd(P − E)``; ``p.holm`` is Holm-adjusted over all item
  tests, and separately over the dimension tests;
* the ratio ``mean(P) / mean(E)`` over the same respondents (1 = expectations met).

References: Parasuraman, A., Zeithaml, V. A., & Berry, L. L. (1988). SERVQUAL: a multiple-item
scale for measuring consumer perceptions of service quality. *Journal of Retailing*, 64, 12–40.
Holm, S. (1979). A simple sequentially rejective multiple test procedure. *Scand. J. Stat.* 6, 65–70.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from csat.core.diagnostics import Diagnostic, diagnostic

GAP_COLUMNS = ["dimension", "level", "expectation", "perception", "n", "mean.e", "mean.p", "gap", "sd", "t", "df",
               "pvalue", "p.holm", "d_z", "ratio", "ci.lower", "ci.upper"]


def paired_gap(e: Sequence[float], p: Sequence[float], conf: float = 0.95) -> dict:
    """Gap P − E with the paired t-test over complete pairs.

    Examples
    --------
    >>> r = paired_gap([5, 6, 7, 6], [4, 6, 5, 5])
    >>> r["gap"], r["n"]
    (-1.0, 4)
    """
    e = np.asarray(e, dtype=float)
    p = np.asarray(p, dtype=float)
    ok = ~np.isnan(e) & ~np.isnan(p)
    e, p = e[ok], p[ok]
    n = len(e)
    d = p - e
    out = {"n": int(n), "mean.e": float(e.mean()) if n else np.nan, "mean.p": float(p.mean()) if n else np.nan,
           "gap": float(d.mean()) if n else np.nan, "sd": float(d.std(ddof=1)) if n > 1 else np.nan,
           "t": np.nan, "df": float(n - 1), "pvalue": np.nan, "d_z": np.nan, "ci.lower": np.nan, "ci.upper": np.nan,
           "ratio": float(p.mean() / e.mean()) if n and e.mean() != 0 else np.nan}
    if n > 1 and out["sd"] > 0:
        r = stats.ttest_rel(p, e)
        half = stats.t.ppf(0.5 + conf / 2, n - 1) * out["sd"] / np.sqrt(n)
        out.update(t=float(r.statistic), pvalue=float(r.pvalue), d_z=out["gap"] / out["sd"],
                   **{"ci.lower": out["gap"] - half, "ci.upper": out["gap"] + half})
    return out


def gaps(df: pd.DataFrame, dimensions: Mapping[str, Mapping[str, Sequence[str]]], conf: float = 0.95) -> pd.DataFrame:
    """Gap table: one row per item pair (``level = item``) and one per dimension (``level = dimension``).

    ``dimensions`` = ``{dimension: {"expectation": [items], "perception": [items]}}`` (same length,
    paired by position).

    Parameters
    ----------
    df : DataFrame
        The cleaned data.
    dimensions : mapping
        ``params.servqual``.
    conf : float
        Confidence level of the paired t-intervals.

    Returns
    -------
    DataFrame
        Columns ``dimension, level, expectation, perception, n, mean.e, mean.p, gap, sd, t, df, pvalue,
        p.holm, d_z, ratio, ci.lower, ci.upper`` (``gap`` = perception − expectation, paired t-test;
        ``p.holm`` within the items and within the dimensions).

    Examples
    --------
    ECSI's expectation items against its perceived-quality items, as a stand-in for a SERVQUAL pair:

    >>> g = gaps(ecsi, {"quality": {"expectation": ["expe1", "expe2"], "perception": ["qual1", "qual2"]}})
    >>> g[["level", "expectation", "perception", "gap", "t", "df"]].round(4)
           level  expectation   perception    gap       t     df
    0       item        expe1        qual1 -0.560 -6.1893  249.0
    1       item        expe2        qual2 -0.496 -5.8305  249.0
    2  dimension  expe1+expe2  qual1+qual2 -0.528 -7.6987  249.0

    In R (``ecsi <- read.csv("ecsi_satisfaction.csv")``):
    ``t.test(ecsi$qual1, ecsi$expe1, paired = TRUE)$estimate`` → -0.560 and
    ``t.test(ecsi$qual1, ecsi$expe1, paired = TRUE)$statistic`` → -6.1893.
    """
    from csat.stats.descriptives import holm

    rows = []
    for dim, spec in dimensions.items():
        E, P = list(spec["expectation"]), list(spec["perception"])
        if len(E) != len(P):
            raise ValueError(f"servqual.{dim}: {len(E)} expectation items but {len(P)} perception items")
        for e, p in zip(E, P):
            rows.append({"dimension": dim, "level": "item", "expectation": e, "perception": p,
                         **paired_gap(df[e], df[p], conf)})
        de = df[E].astype(float).mean(axis=1, skipna=False)
        dp = df[P].astype(float).mean(axis=1, skipna=False)
        rows.append({"dimension": dim, "level": "dimension", "expectation": "+".join(E), "perception": "+".join(P),
                     **paired_gap(de, dp, conf)})
    out = pd.DataFrame(rows)
    out["p.holm"] = np.nan
    for lev in ("item", "dimension"):
        m = (out["level"] == lev) & out["pvalue"].notna()
        if m.any():
            out.loc[m, "p.holm"] = holm(out.loc[m, "pvalue"].to_numpy())
    return out[GAP_COLUMNS]


def gap_diagnostics(table: pd.DataFrame) -> list[Diagnostic]:
    """``servqual_small_n`` (warning) for each dimension answered completely by fewer than 30 respondents.

    Parameters
    ----------
    table : DataFrame
        The table of :func:`gaps`.

    Returns
    -------
    list of Diagnostic
    """
    out = []
    for _, r in table[table["level"] == "dimension"].iterrows():
        if r["n"] < 30:
            out.append(diagnostic("servqual_small_n", "warning", str(r["dimension"]),
                                  "Only {n} respondents answered every item of the dimension.", n=r["n"]))
    return out
