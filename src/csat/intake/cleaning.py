"""Cleaning with a logged, reproducible exclusion flow; missing-data diagnostics.

:func:`clean` applies the exclusion rules of ``params.cleaning`` in this fixed order; each
respondent is counted by the **first** rule that excludes it (CONSORT style, Schulz et al. 2010):

1. ``duplicates`` (``cleaning.drop_duplicates``): a repeated respondent id (when ``data.id``
   is set), or the same answers on every item as an earlier respondent (missing matching
   missing).  The first occurrence is kept.  Rows whose answered items do not vary (zero
   variance, a single answer or none) are *not* matched on answers: such rows carry no
   fingerprint and are left to the straightlining and missing-data rules.
2. ``speeders``: completion time (``data.duration``, seconds) below ``cleaning.min_duration``,
   or below ``cleaning.speeder_median_ratio`` x the median time of the respondents still in
   the sample at this step.  A missing time is not evidence of speeding.
3. ``straightlining``: zero variance across *all* items (the whole grid, before reverse-keyed
   items are recoded) with at least 3 answered items.  Zero variance within one construct
   block (>= 3 answered items of that block) is only flagged, as information.
4. ``attention_checks``: column -> expected answer; any other answer, or none, fails.
5. ``max_missing_share``: share of items missing (after missing codes and out-of-range values
   became missing at intake) greater than the threshold.

Then reverse-keyed items are recoded as ``min + max - x``.  With every rule switched off no
respondent is dropped.  :func:`little_mcar` is Little's (1988) test that the item data are
missing completely at random.

This module computes; the stage's texts and display tables in the study's language (the flow
sentence, the Chinese flow table, the MCAR paragraph, the diagnostics) are in
:mod:`csat.analyses.cleaning`, its figures in :mod:`csat.viz.cleaning`.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from csat.stats.em import em_patterns, missing_patterns
from csat.stats.reliability import reverse_items

#: The exclusion rules, in the order :func:`clean` applies them.
RULES = ["duplicates", "speeders", "straightlining", "attention_checks", "max_missing_share"]
MIN_STRAIGHTLINE_ITEMS = 3

__all__ = ["RULES", "MIN_STRAIGHTLINE_ITEMS", "CleaningResult", "clean", "rule_definitions", "repeated_rows",
           "missing_rates", "little_mcar", "answer_matches"]


@dataclass
class CleaningResult:
    """Output of :func:`clean`.

    data : the analysis frame (id, items, groups, recommend, duration) of the kept respondents,
        reverse-keyed items recoded; index ``row`` = data row number in the raw file.
    flags : one row per raw respondent: ``row, id, excluded_by`` ('' when kept) and
        ``straightline_blocks`` (constructs answered with zero variance, information only).
    flow : CONSORT table ``step, excluded, remaining, active, description``.
    exclusions : {rule: count} for all five rules (0 when a rule is off).
    block_straightlining : tidy ``row, id, construct`` for kept respondents with a zero-variance block.
    rules : {rule: human-readable definition as applied}.
    """

    data: pd.DataFrame
    flags: pd.DataFrame
    flow: pd.DataFrame
    exclusions: dict
    block_straightlining: pd.DataFrame
    rules: dict = field(default_factory=dict)

    @property
    def n_raw(self) -> int:
        return int(len(self.flags))

    @property
    def n_clean(self) -> int:
        return int(len(self.data))


# ----------------------------------------------------------------------------- helpers
def _rows(df: pd.DataFrame) -> np.ndarray:
    if df.index.name == "row" and df.index.dtype.kind in "iu":
        return np.asarray(df.index, dtype="int64")
    return np.arange(1, len(df) + 1, dtype="int64")


def _isnan(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA


def _num(v):
    if isinstance(v, bool):
        return None
    if isinstance(v, numbers.Number):
        return None if _isnan(v) else float(v)
    if isinstance(v, str):
        try:
            return float(v.strip())
        except ValueError:
            return None
    return None


def answer_matches(v, expected, labels: dict) -> bool:
    """Does answer ``v`` equal ``expected``?  Numbers compare as numbers, text case-insensitively;
    text answers and an expected text are also compared through the ``labels`` codes."""
    if _isnan(v):
        return False
    lab = {str(k).strip().casefold(): float(c) for k, c in (labels or {}).items()}

    def code(x):
        n = _num(x)
        if n is not None:
            return n
        if isinstance(x, str):
            return lab.get(x.strip().casefold())
        return None

    cv, ce = code(v), code(expected)
    if cv is not None and ce is not None:
        return abs(cv - ce) < 1e-9
    return str(v).strip().casefold() == str(expected).strip().casefold()


def rule_definitions(params) -> dict:
    """What each exclusion rule does with the study's settings, ``{rule: definition}`` in English, or
    ``"off"`` (the flow table's ``description`` and :attr:`CleaningResult.rules`, written to
    ``results/cleaning_flow.csv`` and ``cleaning.json``; :func:`csat.analyses.cleaning.rule_texts`
    gives them in the study's language).

    Examples
    --------
    >>> rule_definitions(demo_params)["speeders"]
    'duration < 120 s'
    """
    c = params.cleaning
    off = "off"
    sp = []
    if c.min_duration is not None:
        sp.append(f"duration < {c.min_duration:g} s")
    if c.speeder_median_ratio is not None:
        sp.append(f"duration < {c.speeder_median_ratio:g} x median duration")
    return {
        "duplicates": ("same id or identical answers on all items (first kept)" if params.data.id
                       else "identical answers on all items (first kept)") if c.drop_duplicates else off,
        "speeders": " or ".join(sp) if sp else off,
        "straightlining": (f"zero variance across all items (>= {MIN_STRAIGHTLINE_ITEMS} answered)"
                           if c.straightlining else off),
        "attention_checks": (", ".join(f"{k} = {v!r}" for k, v in c.attention_checks.items())
                             if c.attention_checks else off),
        "max_missing_share": (f"share of items missing > {c.max_missing_share:g}"
                              if c.max_missing_share is not None else off),
    }


# ----------------------------------------------------------------------------- rules
def _dup_mask(df: pd.DataFrame, items: list[str], id_col: str | None) -> np.ndarray:
    n = len(df)
    dup = np.zeros(n, dtype=bool)
    if id_col:
        ids = df[id_col]
        dup |= (ids.duplicated(keep="first") & ids.notna()).to_numpy()
    X = df[items].to_numpy(dtype="float64")
    answered = ~np.isnan(X)
    with np.errstate(all="ignore"):
        varying = (np.nanmax(np.where(answered, X, -np.inf), axis=1)
                   > np.nanmin(np.where(answered, X, np.inf), axis=1))
    same = repeated_rows(np.where(answered, X, np.inf))        # missing matches missing
    # a varying row can only duplicate an earlier varying row (identical answers vary alike)
    dup |= same & varying
    return dup


_ROW_HASH_MULTIPLIERS = np.random.default_rng(20261203).integers(1, 2**63, size=4096, dtype=np.uint64) | np.uint64(1)


def repeated_rows(K: np.ndarray) -> np.ndarray:
    """Rows of the float matrix ``K`` (no NaN) equal to an earlier row: ``pandas.DataFrame(K).duplicated()``.

    pandas compares the rows column by column (a group index over all the columns), about 3.5 s for a
    million rows of 40 items; here each row first gets a 64-bit hash (each value's bits mixed as in
    SplitMix64, times a fixed odd number per column, summed; a block of rows at a time), and only the
    rows whose hash
    occurs more than once are compared exactly by pandas.  Equal rows always share a hash, so the
    result is exactly pandas' (a collision only means one more row is compared); ``0.0`` and ``-0.0``
    count as equal, as in pandas.
    """
    K = np.asarray(K, dtype="float64")
    n = K.shape[0]
    if n == 0:
        return np.zeros(0, dtype=bool)
    if K.ndim != 2 or K.shape[1] > len(_ROW_HASH_MULTIPLIERS):
        return pd.DataFrame(K).duplicated(keep="first").to_numpy()
    mult = _ROW_HASH_MULTIPLIERS[:K.shape[1]]
    h = np.empty(n, dtype=np.uint64)
    for start in range(0, n, 1 << 16):                           # blocks of rows: small temporaries
        x = (K[start:start + (1 << 16)] + 0.0).view(np.uint64)     # -0.0 + 0.0 is 0.0: one bit pattern
        x = x ^ (x >> np.uint64(31))                             # mix the high bits (a float's exponent and
        x *= np.uint64(0xBF58476D1CE4E5B9)                        # leading mantissa) into the low ones, as
        x ^= x >> np.uint64(29)                                   # SplitMix64 does; products wrap mod 2**64
        h[start:start + len(x)] = (x * mult).sum(axis=1)
    cand = pd.Series(h).duplicated(keep=False).to_numpy()
    out = np.zeros(n, dtype=bool)
    if cand.any():
        out[cand] = pd.DataFrame(K[cand]).duplicated(keep="first").to_numpy()
    return out


def _speeder_mask(df: pd.DataFrame, params, alive: np.ndarray) -> np.ndarray:
    c = params.cleaning
    col = params.data.duration
    if c.min_duration is None and c.speeder_median_ratio is None:
        return np.zeros(len(df), dtype=bool)
    if not col:
        raise ValueError("cleaning.min_duration / cleaning.speeder_median_ratio is set but data.duration "
                         "(the completion-time column) is not; set data.duration or switch the rule off")
    d = pd.to_numeric(df[col], errors="coerce").to_numpy(dtype="float64")
    fast = np.zeros(len(df), dtype=bool)
    with np.errstate(invalid="ignore"):
        if c.min_duration is not None:
            fast |= d < c.min_duration
        if c.speeder_median_ratio is not None:
            med = np.nanmedian(d[alive]) if np.any(alive & ~np.isnan(d)) else np.nan
            if not np.isnan(med):
                fast |= d < c.speeder_median_ratio * med
    return fast & ~np.isnan(d)


def _zero_var(X: np.ndarray, min_answered: int = MIN_STRAIGHTLINE_ITEMS) -> np.ndarray:
    answered = ~np.isnan(X)
    k = answered.sum(axis=1)
    with np.errstate(all="ignore"):
        hi = np.max(np.where(answered, X, -np.inf), axis=1)
        lo = np.min(np.where(answered, X, np.inf), axis=1)
    return (k >= min_answered) & (hi == lo)


def _attention_mask(df: pd.DataFrame, params) -> np.ndarray:
    fail = np.zeros(len(df), dtype=bool)
    for col, expected in params.cleaning.attention_checks.items():
        ok = np.array([answer_matches(v, expected, params.labels) for v in df[col]], dtype=bool)
        fail |= ~ok
    return fail


def clean(df: pd.DataFrame, params) -> CleaningResult:
    """Apply the exclusion rules in their fixed order and recode reverse-keyed items.

    Parameters
    ----------
    df : intake data from :func:`csat.intake.readers.load_study_data` (items already numeric, missing codes and
        out-of-range values already missing); index ``row`` = data row number in the raw file.
    params : :class:`csat.config.params.StudyParams`.

    Order (each respondent counted by the first rule that excludes it): duplicates, speeders,
    straightlining, attention_checks, max_missing_share; see the module docstring.  Reverse-keyed
    items are recoded as ``scale.min + scale.max - x`` after the exclusions (straightlining is judged
    on the answers as given).  Reference for the flow table: Schulz, Altman & Moher (2010), CONSORT.

    Returns
    -------
    CleaningResult
        The analysis data, per-respondent flags, the flow table, counts per rule, the block
        straightlining table and the rules as applied.

    Examples
    --------
    The demo study (``params/demo.yaml``, simulated 600 respondents; ``demo_params`` its parameters,
    ``demo_raw`` the data of :func:`csat.intake.readers.load_study_data`):

    >>> res = clean(demo_raw, demo_params)
    >>> res.flow[["step", "excluded", "remaining"]]
                    step  excluded  remaining
    0                raw      <NA>        600
    1         duplicates         9        591
    2           speeders        12        579
    3     straightlining         9        570
    4   attention_checks        15        555
    5  max_missing_share         9        546
    6           analysed      <NA>        546
    """
    items = list(params.items)
    c = params.cleaning
    id_col = params.data.id
    for col in [*items, *(k for k in c.attention_checks), *([id_col] if id_col else [])]:
        if col not in df.columns:
            raise ValueError(f"clean: column {col!r} named in the params is not in the data")
    n = len(df)
    rows = _rows(df)
    X = df[items].to_numpy(dtype="float64")
    excluded_by = np.array([""] * n, dtype=object)
    alive = np.ones(n, dtype=bool)
    counts = {r: 0 for r in RULES}
    active = {
        "duplicates": bool(c.drop_duplicates),
        "speeders": c.min_duration is not None or c.speeder_median_ratio is not None,
        "straightlining": bool(c.straightlining),
        "attention_checks": bool(c.attention_checks),
        "max_missing_share": c.max_missing_share is not None,
    }
    flow = [{"step": "raw", "excluded": pd.NA, "remaining": n, "active": True,
             "description": "respondents in the raw file"}]
    texts = rule_definitions(params)
    for rule in RULES:
        if active[rule]:
            if rule == "duplicates":
                m = _dup_mask(df, items, id_col)
            elif rule == "speeders":
                m = _speeder_mask(df, params, alive)
            elif rule == "straightlining":
                m = _zero_var(X)
            elif rule == "attention_checks":
                m = _attention_mask(df, params)
            else:
                share = np.isnan(X).mean(axis=1) if items else np.zeros(n)
                m = share > c.max_missing_share + 1e-12
            hit = m & alive
            excluded_by[hit] = rule
            alive &= ~hit
            counts[rule] = int(hit.sum())
        flow.append({"step": rule, "excluded": counts[rule], "remaining": int(alive.sum()),
                     "active": active[rule], "description": texts[rule]})
    flow.append({"step": "analysed", "excluded": pd.NA, "remaining": int(alive.sum()), "active": True,
                 "description": "respondents analysed"})
    flow_df = pd.DataFrame(flow)
    flow_df["excluded"] = flow_df["excluded"].astype("Int64")

    # within-construct zero variance among the kept respondents (information only)
    blocks = []
    block_names: dict[int, list[str]] = {}         # only the few straightlining rows (not a list per row)
    id_values = df[id_col].to_numpy() if id_col else None       # one conversion, not one lookup per hit
    for cname, cs in params.constructs.items():
        if len(cs.items) < MIN_STRAIGHTLINE_ITEMS:
            continue
        zb = _zero_var(df[cs.items].to_numpy(dtype="float64")) & alive
        for i in np.flatnonzero(zb):
            block_names.setdefault(int(i), []).append(cname)
            blocks.append({"row": int(rows[i]), "id": id_values[i] if id_col else int(rows[i]),
                           "construct": cname})
    ids = df[id_col].to_numpy() if id_col else rows
    flags = pd.DataFrame({"row": rows, "id": ids, "excluded_by": excluded_by,
                          "straightline_blocks": _joined_blocks(block_names, n)})

    keep_cols = ([id_col] if id_col else []) + items + [g for g in params.grouping_columns if g not in items]
    for extra in (params.recommend, params.data.duration):
        if extra and extra not in keep_cols and extra in df.columns:
            keep_cols.append(extra)
    data = df.loc[alive, keep_cols].copy()
    data.index = pd.Index(rows[alive], name="row")
    if params.reverse:
        data = reverse_items(data, list(params.reverse), float(params.scale.min), float(params.scale.max))
    return CleaningResult(
        data=data, flags=flags, flow=flow_df, exclusions=counts,
        block_straightlining=pd.DataFrame(blocks, columns=["row", "id", "construct"]),
        rules=texts)


def _joined_blocks(block_names: dict[int, list[str]], n: int) -> list[str]:
    """Per row, the constructs answered identically joined by commas ('' for most rows)."""
    out = np.full(n, "", dtype=object)
    for i, names in block_names.items():
        out[i] = ",".join(names)
    return out.tolist()


# ----------------------------------------------------------------------------- missing data
def missing_rates(df: pd.DataFrame, items: list[str]) -> pd.DataFrame:
    """Per-item missing counts: ``item, n, missing, share`` (share = missing / n respondents).

    Parameters
    ----------
    df : DataFrame
        The (cleaned) data.
    items : list of str
        Item columns.

    Returns
    -------
    DataFrame
        ``item, n, missing, share``.

    Examples
    --------
    >>> d = holzinger[["x1", "x2"]].copy()
    >>> d.loc[:29, "x2"] = np.nan                                   # 30 of 301 pupils without x2
    >>> missing_rates(d, ["x1", "x2"]).round(4)
      item    n  missing  share
    0   x1  301        0 0.0000
    1   x2  271       30 0.0997

    In R: ``colMeans(is.na(d))`` gives the ``share`` column.
    """
    n = len(df)
    miss = df[items].isna().sum()
    return pd.DataFrame({"item": items, "n": n - miss.to_numpy(), "missing": miss.to_numpy(),
                         "share": miss.to_numpy() / n if n else np.nan})


def little_mcar(df: pd.DataFrame, items: list[str] | None = None, *, alpha: float = 0.05) -> dict:
    """Little's (1988) test that data are missing completely at random (MCAR).

    With EM (ML) estimates mu, S from all cases and missingness patterns j = 1..J, each with
    n_j cases, p_j observed variables o_j and observed means ybar_j:

        d2 = sum_j n_j (ybar_j - mu_oj)' S_oj^-1 (ybar_j - mu_oj),   df = sum_j p_j - p,

    and d2 ~ chi2(df) under MCAR (as ``naniar::mcar_test`` and ``BaylorEdPsych::LittleMCAR``).
    Respondents without any answered item are left out.  The patterns and the EM estimates are
    those of :mod:`csat.stats.em` (:func:`~csat.stats.em.missing_patterns`,
    :func:`~csat.stats.em.em_patterns` with a relative tolerance of 1e-10).

    Reference: Little, R. J. A. (1988). A test of missing completely at random for multivariate
    data with missing values. JASA 83(404), 1198-1202.

    Returns ``n, p, alpha, chisq, df, pvalue, n_patterns, em_iterations, em_converged, rejected``
    (:func:`csat.analyses.cleaning.interpret_mcar` explains it in words, in English or Chinese).

    Parameters
    ----------
    df : DataFrame
        The (cleaned) data.
    items : list of str, optional
        The items tested (default: every column).
    alpha : float
        Significance level for ``rejected``.

    Examples
    --------
    >>> m = little_mcar(demo_clean.data, demo_params.items)
    >>> round(m["chisq"], 2), m["df"], round(m["pvalue"], 3), m["n_patterns"]
    (1443.23, 1378, 0.108, 51)

    No R package on Debian offers Little's test (naniar, misty and BaylorEdPsych are not packaged);
    ``tests/intake/test_cleaning.py`` checks the statistic against d² computed from lavaan's EM estimates
    (``tests/reference/little_mcar.R``).
    """
    items = list(df.columns) if items is None else list(items)
    Y = df[items].to_numpy(dtype="float64")
    Y = Y[~np.isnan(Y).all(axis=1)]
    keep = ~np.isnan(Y).all(axis=0)
    Y = Y[:, keep]
    n, p = Y.shape
    M = np.isnan(Y)
    out = {"n": int(n), "p": int(p), "alpha": alpha}
    if not M.any():
        out.update(chisq=0.0, df=0, pvalue=float("nan"), n_patterns=1 if n else 0, em_iterations=0,
                   em_converged=True, rejected=False)
        return out
    pat = missing_patterns(Y)
    em = em_patterns(pat, tol=1e-10, max_iter=10_000)   # the test's own tolerance: cleaning.json depends on it
    mu, S = em.mean, em.cov
    d2 = 0.0
    dof = 0
    # the patterns in the order of their missingness masks (missing_patterns sorts the observed
    # masks, the reverse order), so that d2 is summed as it always was
    for o, nk, xbar, _ in reversed(pat.groups):
        diff = xbar - mu[o]
        d2 += nk * float(diff @ np.linalg.solve(S[np.ix_(o, o)], diff))
        dof += len(o)
    dof -= p
    pval = float(stats.chi2.sf(d2, dof)) if dof > 0 else float("nan")
    out.update(chisq=float(d2), df=int(dof), pvalue=pval, n_patterns=len(pat.groups), em_iterations=em.iterations,
               em_converged=bool(em.converged), rejected=bool(dof > 0 and pval < alpha))
    return out
