"""Customer segments: clustering respondents on their construct scores (scikit-learn).

The respondents who have every construct in ``on`` are clustered on the **standardized** scores
(z-scores, population SD as scikit-learn's ``StandardScaler``), so that no construct weighs more
because its scale is wider:

* ``kmeans`` — ``sklearn.cluster.KMeans`` (k-means++, 10 starts, ``random_state = seed``);
* ``ward`` — ``sklearn.cluster.AgglomerativeClustering(linkage="ward")`` (deterministic);
* ``gmm`` — ``sklearn.mixture.GaussianMixture`` (full covariances, 5 starts, ``random_state = seed``).

With ``k: auto`` the number of segments is chosen over 2–8: the largest mean **silhouette**
(Rousseeuw 1987; ``sklearn.metrics.silhouette_score``) for k-means and Ward, the smallest
**BIC** (Schwarz 1978; ``GaussianMixture.bic``) for the mixture. Segments are numbered 1, 2, …
from the largest to the smallest, so the numbering does not depend on the algorithm's labels.

Each segment is then described by its size, its mean construct scores (raw scale and z) and its
0–100 indices, and the ``groups`` columns are cross-tabulated with the segments (Pearson χ², no
continuity correction, and Cramér's V — :func:`csat.stats.descriptives.chi_square`; Holm-adjusted).

References: MacQueen, J. (1967). Hartigan & Wong (1979). Ward, J. H. (1963). Hierarchical grouping
to optimize an objective function. *JASA* 58, 236–244. Rousseeuw, P. J. (1987). Silhouettes.
*J. Comput. Appl. Math.* 20, 53–65. Fraley, C., & Raftery, A. E. (2002). Model-based clustering.
*JASA* 97, 611–631. Hubert, L., & Arabie, P. (1985). Comparing partitions (adjusted Rand index).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from csat.core.diagnostics import Diagnostic, diagnostic

K_RANGE = (2, 8)
PROFILE_COLUMNS = ["segment", "construct", "n", "share", "mean", "sd", "z", "index"]


def _fit(Z: np.ndarray, k: int, method: str, seed: int):
    from sklearn.cluster import AgglomerativeClustering, KMeans
    from sklearn.mixture import GaussianMixture

    if method == "kmeans":
        m = KMeans(n_clusters=k, n_init=10, random_state=seed).fit(Z)
        return m.labels_, m
    if method == "ward":
        m = AgglomerativeClustering(n_clusters=k, linkage="ward").fit(Z)
        return m.labels_, m
    if method == "gmm":
        m = GaussianMixture(n_components=k, covariance_type="full", n_init=5, random_state=seed).fit(Z)
        return m.predict(Z), m
    raise ValueError(f"segments.method: {method!r} is not kmeans, ward or gmm")


def _renumber(labels: np.ndarray) -> np.ndarray:
    """1 = largest segment; ties broken by the first respondent's position."""
    labs, first, counts = np.unique(labels, return_index=True, return_counts=True)
    order = sorted(range(len(labs)), key=lambda i: (-counts[i], first[i]))
    mapping = {labs[i]: r + 1 for r, i in enumerate(order)}
    return np.array([mapping[v] for v in labels])


def segment(scores: pd.DataFrame, on: Sequence[str], k: int | str = "auto", method: str = "kmeans",
            seed: int = 2024, k_range: tuple[int, int] = K_RANGE) -> tuple[pd.Series, pd.DataFrame, dict]:
    """Cluster respondents on standardized construct scores.

    Returns ``(segments, selection, info)``: ``segments`` (index of ``scores``, Int64, 1 = largest,
    <NA> for respondents missing a construct); ``selection`` one row per k tried with ``k,
    silhouette, bic`` (the criterion of the method; the other is NaN); ``info`` = ``method, k,
    k_auto, criterion, n, n_missing``.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> d = pd.DataFrame(np.r_[rng.normal(0, .3, (50, 2)), rng.normal(3, .3, (30, 2))], columns=["A", "B"])
    >>> s, sel, info = segment(d, ["A", "B"], seed=1)
    >>> info["k"], s.value_counts().sort_index().tolist()
    (2, [50, 30])

    Parameters
    ----------
    scores : DataFrame
        Construct scores, one column per construct.
    on : sequence of str
        The constructs to cluster on (standardized before clustering).
    k : int or "auto"
        Number of segments; ``"auto"`` chooses it over ``k_range`` by the method's criterion.
    method : {"kmeans", "ward", "gmm"}
        The clustering method (scikit-learn; k chosen by silhouette, or by BIC for ``gmm``).
    seed : int
        Random state of the fits.
    k_range : (int, int)
        Smallest and largest k tried with ``k="auto"``.

    Returns
    -------
    segments : Series
    selection : DataFrame
    info : dict
    """
    from threadpoolctl import threadpool_limits

    # scikit-learn's OpenMP runtime is loaded here, before the limit is set: threadpoolctl limits only
    # the thread pools already loaded (imported inside the block, k-means ran on every core, 40 times
    # slower on the demo's 2 busy cores)
    import sklearn.cluster  # noqa: F401
    import sklearn.metrics  # noqa: F401
    import sklearn.mixture  # noqa: F401

    # one BLAS/OpenMP thread: these fits are small, and on a shared machine scikit-learn's thread
    # pools make them ten times slower (results are the same)
    with threadpool_limits(limits=1):
        return _segment(scores, on, k, method, seed, k_range)


def _segment(scores, on, k, method, seed, k_range):
    from sklearn.metrics import silhouette_score
    from sklearn.preprocessing import StandardScaler

    on = list(on)
    d = scores[on].astype(float)
    ok = d.notna().all(axis=1)
    X = d[ok].to_numpy()
    n = len(X)
    lo, hi = k_range
    if n < 3 * hi and k == "auto":
        hi = max(lo, n // 3)
    if isinstance(k, int) and n < k + 1:
        raise ValueError(f"segments: {n} respondents with every construct cannot form {k} segments")
    if n < 3 * lo:
        raise ValueError(f"segments: only {n} respondents have every construct in {on}")
    Z = StandardScaler().fit_transform(X)
    rows = []
    if k == "auto":
        best = None
        for kk in range(lo, hi + 1):
            labels, model = _fit(Z, kk, method, seed)
            if method == "gmm":
                crit = float(model.bic(Z))
                rows.append({"k": kk, "silhouette": np.nan, "bic": crit})
                better = best is None or crit < best[0]
            else:
                crit = float(silhouette_score(Z, labels)) if len(set(labels)) > 1 else -1.0
                rows.append({"k": kk, "silhouette": crit, "bic": np.nan})
                better = best is None or crit > best[0]
            if better:
                best = (crit, kk, labels)
        _, k_used, labels = best
    else:
        k_used = int(k)
        labels, model = _fit(Z, k_used, method, seed)
        if method == "gmm":
            rows.append({"k": k_used, "silhouette": np.nan, "bic": float(model.bic(Z))})
        else:
            rows.append({"k": k_used, "silhouette": float(silhouette_score(Z, labels)), "bic": np.nan})
    seg = pd.Series(pd.NA, index=scores.index, dtype="Int64", name="segment")
    seg[ok] = _renumber(np.asarray(labels))
    info = {"method": method, "k": int(k_used), "k_auto": k == "auto",
            "criterion": "bic" if method == "gmm" else "silhouette", "n": int(n), "n_missing": int((~ok).sum()),
            "on": on}
    return seg, pd.DataFrame(rows, columns=["k", "silhouette", "bic"]), info


def segment_profile(scores: pd.DataFrame, seg: pd.Series, scale_min: float, scale_max: float,
                    weights: pd.Series | None = None) -> pd.DataFrame:
    """Tidy profile: per segment and construct ``n, share, mean, sd, z, index``.

    ``z`` is the segment mean in SDs of the whole clustered sample; ``index`` = ``100 (mean −
    min)/(max − min)``; ``share`` is the segment's share of the clustered respondents (weighted if
    ``weights`` are given).

    Parameters
    ----------
    scores : DataFrame
        Construct scores.
    seg : Series
        Segment of each respondent (:func:`segment`).
    scale_min, scale_max : float or None
        The answer scale (for the 0–100 index).
    weights : Series, optional
        Survey weights for the shares.

    Returns
    -------
    DataFrame
        ``segment, construct, n, share, mean, sd, z, index``.
    """
    ok = seg.notna()
    s = scores[ok].astype(float)
    g = seg[ok].astype(int)
    w = (weights.reindex(s.index).astype(float) if weights is not None else pd.Series(1.0, index=s.index))
    mu, sd = s.mean(), s.std(ddof=0)
    rows = []
    for k in sorted(g.unique()):
        m = g == k
        share = float(w[m].sum() / w.sum())
        for c in s.columns:
            x = s.loc[m, c]
            rows.append({"segment": int(k), "construct": c, "n": int(m.sum()), "share": share, "mean": float(x.mean()),
                         "sd": float(x.std(ddof=1)) if m.sum() > 1 else np.nan,
                         "z": float((x.mean() - mu[c]) / sd[c]) if sd[c] > 0 else np.nan,
                         "index": (float(100 * (x.mean() - scale_min) / (scale_max - scale_min))
                                   if scale_min is not None and scale_max is not None else np.nan)})
    return pd.DataFrame(rows, columns=PROFILE_COLUMNS)


def segment_groups(seg: pd.Series, groups: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """How each ``groups`` column distributes over the segments.

    Returns ``(tests, table)``: ``tests`` = ``group, statistic, df, pvalue, p.holm, cramers_v, n,
    min_expected`` (Pearson χ² of group × segment); ``table`` = ``group, level, segment, n, share``
    (share of the level's respondents in each segment).

    Parameters
    ----------
    seg : Series
        Segment of each respondent.
    groups : DataFrame
        Grouping columns.

    Returns
    -------
    tests : DataFrame
    table : DataFrame

    Examples
    --------
    >>> seg = pd.Series(np.where(ecsi["sat1"] >= 8, 1, 2), index=ecsi.index)    # two made-up segments
    >>> tests, table = segment_groups(seg, ecsi[["gender"]])
    >>> tests[["group", "statistic", "df", "pvalue"]].round(4)
        group  statistic   df  pvalue
    0  gender     0.8547  1.0  0.3552

    In R (``ecsi <- read.csv("ecsi_satisfaction.csv")``):
    ``chisq.test(table(ecsi$gender, ecsi$sat1 >= 8), correct = FALSE)$statistic`` → 0.8547.
    """
    from csat.stats.descriptives import chi_square, holm

    ok = seg.notna()
    rows, tab = [], []
    for g in groups.columns:
        col = groups.loc[ok, g]
        keep = col.notna()
        s = seg[ok][keep].astype(int)
        c = col[keep].astype(str)
        if c.nunique() < 2:
            continue
        r = chi_square(c, s)
        rows.append({"group": g, "statistic": r["statistic"], "df": r["df"], "pvalue": r["pvalue"],
                     "cramers_v": r["effect_size"], "n": r["n"], "min_expected": r["min_expected"]})
        ct = pd.crosstab(c, s)
        for lev in ct.index:
            tot = ct.loc[lev].sum()
            for k in ct.columns:
                tab.append({"group": g, "level": lev, "segment": int(k), "n": int(ct.loc[lev, k]),
                            "share": float(ct.loc[lev, k] / tot)})
    tests = pd.DataFrame(rows, columns=["group", "statistic", "df", "pvalue", "cramers_v", "n", "min_expected"])
    tests.insert(4, "p.holm", holm(tests["pvalue"].to_numpy()) if len(tests) else [])
    return tests, pd.DataFrame(tab, columns=["group", "level", "segment", "n", "share"])


def segment_diagnostics(info: dict, selection: pd.DataFrame, tests: pd.DataFrame) -> list[Diagnostic]:
    """Weak structure (best silhouette < .25: Kaufman & Rousseeuw's "no substantial structure") and
    small expected counts in the χ² tests.

    Parameters
    ----------
    info : dict
        The info of :func:`segment`.
    selection : DataFrame
        The selection table of :func:`segment`.
    tests : DataFrame
        The tests of :func:`segment_groups`.

    Returns
    -------
    list of Diagnostic
        ``segments_weak`` (warning), ``segments_small_expected`` (info).
    """
    out = []
    if info["criterion"] == "silhouette" and len(selection):
        best = float(selection["silhouette"].max())
        if best < 0.25:
            out.append(diagnostic("segments_weak", "warning", "segments",
                                  "The best mean silhouette is {best:.2f} (< .25): the respondents do not fall into "
                                  "clearly separated groups; the segments are a convenient partition of a continuum.",
                                  best=best))
    for _, r in tests.iterrows():
        if r["min_expected"] < 5:
            out.append(diagnostic("segments_small_expected", "info", str(r["group"]),
                                  "Smallest expected count {min_expected:.1f} < 5 in the segment × {group} "
                                  "table; the χ² p-value is approximate.",
                                  min_expected=r["min_expected"], group=r["group"]))
    return out
