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
from csat.core.diagnostics import Diagnostic

RULES = ["duplicates", "speeders", "straightlining", "attention_checks", "max_missing_share"]
MIN_STRAIGHTLINE_ITEMS = 3

RULE_TEXT = {
    "duplicates": ("Duplicates", "重复作答"),
    "speeders": ("Speeders", "作答过快"),
    "straightlining": ("Straightlining", "直线作答"),
    "attention_checks": ("Failed attention check", "未通过注意力检测"),
    "max_missing_share": ("Too many missing items", "缺失题项过多"),
}

__all__ = ["RULES", "CleaningResult", "clean", "missing_rates", "little_mcar", "interpret_mcar",
           "cleaning_diagnostics", "flow_text", "flow_display", "plot_missing_map", "plot_missing_rates", "plot_flow"]


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


def _answer_matches(v, expected, labels: dict) -> bool:
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


def _rule_texts(params, language: str = "en") -> dict:
    """What each exclusion rule does with the study's settings (the flow table's ``description``)."""
    c = params.cleaning
    zh = language == "zh"
    off = "未启用" if zh else "off"
    sp = []
    if c.min_duration is not None:
        sp.append(f"答题时长 < {c.min_duration:g} 秒" if zh else f"duration < {c.min_duration:g} s")
    if c.speeder_median_ratio is not None:
        sp.append(f"答题时长 < 中位时长的 {c.speeder_median_ratio:g} 倍" if zh
                  else f"duration < {c.speeder_median_ratio:g} x median duration")
    if zh:
        dup = "编号相同或所有题项答案完全相同（保留第一份）" if params.data.id else "所有题项答案完全相同（保留第一份）"
        return {
            "duplicates": dup if c.drop_duplicates else off,
            "speeders": "或".join(sp) if sp else off,
            "straightlining": (f"所有题项答案无变化（至少回答 {MIN_STRAIGHTLINE_ITEMS} 题）" if c.straightlining else off),
            "attention_checks": ("，".join(f"{k} = {v!r}" for k, v in c.attention_checks.items())
                                 if c.attention_checks else off),
            "max_missing_share": (f"缺失题项比例 > {c.max_missing_share:g}" if c.max_missing_share is not None else off),
        }
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


def flow_display(flow: pd.DataFrame, params, language: str = "en") -> pd.DataFrame:
    """The exclusion flow (:attr:`CleaningResult.flow`) as the report shows it: in ``language: zh``
    the steps and descriptions are in Chinese; ``results/cleaning_flow.csv`` keeps the English
    table (stable names for scripts).

    Examples
    --------
    >>> from csat.config.params import load_params
    >>> from csat.intake.readers import load_study_data
    >>> p = load_params(project / "params" / "demo.yaml", root=project)
    >>> res = clean(load_study_data(p, project / "params" / "demo.yaml", root=project)[0], p)
    >>> flow_display(res.flow, p, "zh")[["step", "excluded", "description"]].head(3)
       step  excluded              description
    0  原始数据      <NA>                原始文件中的受访者
    1  重复作答         9  编号相同或所有题项答案完全相同（保留第一份）
    2  作答过快        12              答题时长 < 120 秒
    """
    if language != "zh":
        return flow
    texts = _rule_texts(params, "zh")
    out = flow.copy()
    ends = {"raw": ("原始数据", "原始文件中的受访者"), "analysed": ("纳入分析", "纳入分析的受访者")}
    out["description"] = [ends[s][1] if s in ends else texts.get(s, d) for s, d in zip(flow["step"], flow["description"])]
    out["step"] = [ends[s][0] if s in ends else RULE_TEXT.get(s, (s, s))[1] for s in flow["step"]]
    return out


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
        ok = np.array([_answer_matches(v, expected, params.labels) for v in df[col]], dtype=bool)
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
    The demo study (``params/demo.yaml``, simulated 600 respondents):

    >>> from csat.config.params import load_params
    >>> from csat.intake.readers import load_study_data
    >>> p = load_params(project / "params" / "demo.yaml", root=project)
    >>> raw, intake = load_study_data(p, project / "params" / "demo.yaml", root=project)
    >>> res = clean(raw, p)
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
    texts = _rule_texts(params)
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
    block_names = [[] for _ in range(n)]
    id_values = df[id_col].to_numpy() if id_col else None       # one conversion, not one lookup per hit
    for cname, cs in params.constructs.items():
        if len(cs.items) < MIN_STRAIGHTLINE_ITEMS:
            continue
        zb = _zero_var(df[cs.items].to_numpy(dtype="float64")) & alive
        for i in np.flatnonzero(zb):
            block_names[i].append(cname)
            blocks.append({"row": int(rows[i]), "id": id_values[i] if id_col else int(rows[i]),
                           "construct": cname})
    ids = df[id_col].to_numpy() if id_col else rows
    flags = pd.DataFrame({"row": rows, "id": ids, "excluded_by": excluded_by,
                          "straightline_blocks": [",".join(b) for b in block_names]})

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


def flow_text(result: CleaningResult, language: str = "en") -> str:
    """One sentence summarising the exclusion flow (English or Chinese).

    Parameters
    ----------
    result : CleaningResult
        The result of :func:`clean`.
    language : {"en", "zh"}

    Returns
    -------
    str

    Examples
    --------
    >>> from csat.config.params import load_params
    >>> from csat.intake.readers import load_study_data
    >>> p = load_params(project / "params" / "demo.yaml", root=project)
    >>> res = clean(load_study_data(p, project / "params" / "demo.yaml", root=project)[0], p)
    >>> print(flow_text(res))
    Of 600 respondents in the raw file, 54 (9.0%) were excluded (9 duplicates, 12 speeders, ...); 546 are analysed.
    """
    zh = language == "zh"
    n0, n1 = result.n_raw, result.n_clean
    k = n0 - n1
    share = k / n0 if n0 else 0.0
    parts = [(f"{RULE_TEXT[r][1]} {v} 人" if zh else f"{v} {RULE_TEXT[r][0].lower()}")
             for r, v in result.exclusions.items() if v]
    off = [RULE_TEXT[r][1 if zh else 0] for r in RULES if result.rules.get(r) == "off"]
    if zh:
        txt = f"原始数据共 {n0} 名受访者，排除 {k} 人（{share:.1%}）"
        txt += f"：{'，'.join(parts)}" if parts else ""
        txt += f"；纳入分析 {n1} 人。"
        if off:
            txt += f"未启用的规则：{'、'.join(off)}。"
        return txt
    txt = f"Of {n0} respondents in the raw file, {k} ({share:.1%}) were excluded"
    txt += f" ({', '.join(parts)}; each counted by the first rule that applies)" if parts else ""
    txt += f"; {n1} are analysed."
    if off:
        txt += f" Rules switched off: {', '.join(o.lower() for o in off)}."
    return txt


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

    Returns ``chisq, df, pvalue, n_patterns, n, p, em_iterations, em_converged, rejected,
    interpretation`` (English; see :func:`interpret_mcar` for Chinese).

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
    >>> from csat.config.params import load_params
    >>> from csat.intake.readers import load_study_data
    >>> p = load_params(project / "params" / "demo.yaml", root=project)
    >>> res = clean(load_study_data(p, project / "params" / "demo.yaml", root=project)[0], p)
    >>> m = little_mcar(res.data, p.items)
    >>> round(m["chisq"], 2), m["df"], round(m["pvalue"], 3), m["n_patterns"]
    (1443.23, 1378, 0.108, 51)

    No R package on Debian offers Little's test (naniar, misty and BaylorEdPsych are not packaged);
    ``tests/test_cleaning.py`` checks the statistic against d² computed from lavaan's EM estimates
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
        out["interpretation"] = interpret_mcar(out)
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
    out["interpretation"] = interpret_mcar(out)
    return out


def interpret_mcar(res: dict, language: str = "en") -> str:
    """One paragraph explaining a :func:`little_mcar` result to a student.

    Parameters
    ----------
    res : dict
        The result of :func:`little_mcar`.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    zh = language == "zh"
    if res.get("df", 0) == 0 or not np.isfinite(res.get("pvalue", float("nan"))):
        return ("没有缺失值（或只有一种缺失模式），Little 的 MCAR 检验不适用。" if zh else
                "There are no missing item values (or only one missingness pattern), so Little's MCAR test does not apply.")
    stat = f"χ²({res['df']}) = {res['chisq']:.2f}, p = {res['pvalue']:.3f}"
    if res["pvalue"] < res.get("alpha", 0.05):
        return (f"Little 的 MCAR 检验：{stat}。拒绝“完全随机缺失”假设：缺失与作答内容有关。"
                "删除含缺失的样本可能带来偏差；建议在结构方程模型中使用全信息最大似然（sem_missing: fiml），并说明缺失机制。"
                if zh else
                f"Little's MCAR test: {stat}. The hypothesis that the items are missing completely at random is "
                "rejected: whether an answer is missing depends on the answers. Listwise deletion may bias the "
                "results; prefer full-information maximum likelihood in the SEM (sem_missing: fiml) and report it.")
    return (f"Little 的 MCAR 检验：{stat}。没有证据表明缺失不是完全随机的（该检验不能证明 MCAR；缺失较少时检验效能低）。"
            if zh else
            f"Little's MCAR test: {stat}. There is no evidence against missing completely at random (the test "
            "cannot prove MCAR, and with few missing values it has little power).")


# ----------------------------------------------------------------------------- diagnostics
def cleaning_diagnostics(result: CleaningResult, params, report=None, mcar: dict | None = None, *,
                         high_missing_item: float = 0.10, high_exclusion: float = 0.20) -> list[Diagnostic]:
    """Diagnostics of the cleaning stage, each with a stable code:

    ``out_of_range`` (warning, per column), ``missing_codes_found`` (info), ``all_items_missing`` (info),
    ``high_exclusion`` (warning: more than ``high_exclusion`` of the respondents excluded),
    ``high_missing_item`` (warning: item missing in more than ``high_missing_item`` of the clean data),
    ``straightlining_block`` (info), ``mcar_rejected`` (warning), ``small_sample`` (warning, n < 100).

    Parameters
    ----------
    result : CleaningResult
        The result of :func:`clean`.
    params : StudyParams
        The study's parameters.
    report : IntakeReport, optional
        The intake report of :func:`csat.intake.readers.load_study_data`.
    mcar : dict, optional
        The result of :func:`little_mcar`.
    high_missing_item, high_exclusion : float
        Thresholds of the two warnings.

    Returns
    -------
    list of Diagnostic
    """
    d: list[Diagnostic] = []
    if report is not None:
        oor = report.out_of_range
        for col, g in oor.groupby("column", sort=False):
            vals = ", ".join(sorted({f"{v:g}" for v in g["value"]}))
            rows = ", ".join(str(r) for r in g["row"].head(5))
            more = " …" if len(g) > 5 else ""
            d.append(Diagnostic("out_of_range", "warning", str(col),
                                f"{len(g)} value(s) outside the allowed range ({vals}) in data row(s) {rows}{more} "
                                "were set missing.",
                                message_zh=f"第 {rows}{more} 行数据中有 {len(g)} 个值超出允许范围（{vals}），已设为缺失。"))
        mc = report.missing_codes_found
        if len(mc):
            d.append(Diagnostic("missing_codes_found", "info", "missing_codes",
                                f"{int(mc['n'].sum())} cell(s) held a missing code "
                                f"({', '.join(sorted({str(x) for x in mc['code']}))}) and were set missing.",
                                message_zh=f"{int(mc['n'].sum())} 个单元格含缺失代码"
                                f"（{', '.join(sorted({str(x) for x in mc['code']}))}），已设为缺失。"))
        if report.n_all_items_missing:
            d.append(Diagnostic("all_items_missing", "info", "items",
                                f"{report.n_all_items_missing} respondent(s) answered no item.",
                                message_zh=f"{report.n_all_items_missing} 名受访者未回答任何题项。"))
        if hasattr(report, "diagnostics"):
            d += [Diagnostic(x.code, x.severity, x.where, x.message, message_zh=x.message_zh)
                  for x in report.diagnostics()]
    if result.n_raw:
        share = 1 - result.n_clean / result.n_raw
        if share > high_exclusion:
            d.append(Diagnostic("high_exclusion", "warning", "cleaning",
                                f"{share:.0%} of the respondents were excluded ({result.n_raw - result.n_clean} of "
                                f"{result.n_raw}); check the rules and the data collection.",
                                message_zh=f"{share:.0%} 的受访者被剔除（{result.n_raw} 人中剔除 "
                                f"{result.n_raw - result.n_clean} 人），请检查清洗规则和数据收集过程。"))
    rates = missing_rates(result.data, list(params.items))
    for _, r in rates[rates["share"] > high_missing_item].iterrows():
        d.append(Diagnostic("high_missing_item", "warning", str(r["item"]),
                            f"{r['share']:.1%} of the analysed respondents did not answer this item.",
                            message_zh=f"参与分析的受访者中有 {r['share']:.1%} 未回答此题项。"))
    if len(result.block_straightlining):
        for cname, g in result.block_straightlining.groupby("construct", sort=False):
            d.append(Diagnostic("straightlining_block", "info", str(cname),
                                f"{len(g)} kept respondent(s) gave the same answer to every item of this construct.",
                                message_zh=f"{len(g)} 名保留的受访者在该构念的全部题项上给出了相同的答案。"))
    if mcar is not None and mcar.get("rejected"):
        d.append(Diagnostic("mcar_rejected", "warning", "items",
                            f"Little's MCAR test rejects MCAR (chi2({mcar['df']}) = {mcar['chisq']:.2f}, "
                            f"p = {mcar['pvalue']:.4f}); missingness depends on the data.",
                            message_zh=f"Little 的 MCAR 检验拒绝了完全随机缺失假设（chi2({mcar['df']}) = "
                            f"{mcar['chisq']:.2f}, p = {mcar['pvalue']:.4f}）：缺失与数据有关。"))
    if result.n_clean < 100:
        d.append(Diagnostic("small_sample", "warning", "sample",
                            f"only {result.n_clean} respondents remain after cleaning; factor analysis and SEM "
                            "estimates will be unstable.",
                            message_zh=f"清洗后仅剩 {result.n_clean} 名受访者，因子分析和结构方程模型的估计值将不稳定。"))
    return d


# ----------------------------------------------------------------------------- figures
def plot_missing_map(df: pd.DataFrame, items: list[str], *, labels: dict | None = None, title: str | None = None,
                     xlabel: str | None = None):
    """Missing-data map: items (rows) x respondents (columns); dark = missing.  Returns the figure.

    Parameters
    ----------
    df : DataFrame
        The (cleaned) data.
    items : list of str
        Item columns.
    labels : dict, optional
        ``{item: label}``.
    title, xlabel : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    M = df[items].isna().to_numpy().T.astype(float)
    n = M.shape[1]
    fig, ax = plt.subplots(figsize=(min(12, 4 + n / 60), 0.28 * len(items) + 1.4))
    ax.imshow(M, aspect="auto", interpolation="nearest", cmap=ListedColormap(["#e8eef5", "#b22222"]),
              vmin=0, vmax=1)
    ax.set_yticks(range(len(items)))
    ax.set_yticklabels([(labels or {}).get(i, i) for i in items], fontsize=8)
    ax.grid(False)
    ax.set_xlabel(xlabel or "respondent (clean data, file order)")
    ax.set_title(title or "Missing answers (red)", fontsize=10)
    for s in ax.spines.values():
        s.set_visible(False)
    fig.tight_layout()
    return fig


def plot_missing_rates(rates: pd.DataFrame, *, title: str | None = None, threshold: float | None = 0.10,
                       xlabel: str | None = None):
    """Horizontal bar chart of per-item missing shares (from :func:`missing_rates`).

    Parameters
    ----------
    rates : DataFrame
        The table of :func:`missing_rates`.
    title, xlabel : str, optional
    threshold : float or None
        A dashed line at this share.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 0.26 * len(rates) + 1.2))
    y = np.arange(len(rates))
    ax.barh(y, 100 * rates["share"].to_numpy(dtype=float), color="#4c72b0")
    ax.set_yticks(y)
    ax.set_yticklabels(rates["item"], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel or "missing (%)")
    if threshold is not None:
        ax.axvline(100 * threshold, color="#b22222", lw=1, ls="--")
    ax.set_title(title or "Missing answers per item", fontsize=10)
    fig.tight_layout()
    return fig


def plot_flow(flow: pd.DataFrame, *, language: str = "en"):
    """CONSORT-style flow diagram: raw -> each exclusion step -> analysed (boxes and arrows).

    Parameters
    ----------
    flow : DataFrame
        ``CleaningResult.flow``.
    language : {"en", "zh"}

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    zh = language == "zh"
    steps = flow[~flow["step"].isin(["raw", "analysed"])].reset_index(drop=True)
    n_raw = int(flow.loc[flow["step"] == "raw", "remaining"].iloc[0])
    n_an = int(flow.loc[flow["step"] == "analysed", "remaining"].iloc[0])
    k = len(steps)
    H = 1.2 * (k + 2)
    fig, ax = plt.subplots(figsize=(8, 0.75 * (k + 2) + 0.5))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, H)
    ax.axis("off")

    def box(x, y, w, h, text, color="#ffffff", edge="#333333", tcolor="#000000"):
        ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.02,rounding_size=0.08",
                                    fc=color, ec=edge, lw=1))
        ax.text(x, y, text, ha="center", va="center", fontsize=9, color=tcolor)

    top, bottom = H - 0.6, 0.6
    xm = 2.6
    box(xm, top, 4.2, 0.75, ("原始数据" if zh else "Raw data") + f"\nn = {n_raw}", color="#eef3f9")
    box(xm, bottom, 4.2, 0.75, ("纳入分析" if zh else "Analysed") + f"\nn = {n_an}", color="#e6f2e6")
    ax.annotate("", xy=(xm, bottom + 0.4), xytext=(xm, top - 0.4),
                arrowprops=dict(arrowstyle="-|>", color="#333333", lw=1.2))
    ys = np.linspace(top - 1.2, bottom + 1.2, k) if k > 1 else [H / 2]
    for y, (_, r) in zip(ys, steps.iterrows()):
        name = RULE_TEXT.get(r["step"], (r["step"], r["step"]))[1 if zh else 0]
        if bool(r["active"]):
            txt = f"{name}: n = {int(r['excluded'])}"
            box(7.2, y, 4.6, 0.62, txt, color="#fbeaea" if int(r["excluded"]) else "#ffffff")
        else:
            box(7.2, y, 4.6, 0.62, f"{name}: " + ("未启用" if zh else "rule off"), edge="#aaaaaa",
                tcolor="#888888")
        ax.annotate("", xy=(4.9, y), xytext=(xm, y), arrowprops=dict(arrowstyle="-|>", color="#666666", lw=1))
        ax.text(xm - 0.12, y - 0.1, (f"剩余 {int(r['remaining'])}" if zh else f"{int(r['remaining'])} remain"),
                ha="right", va="top", fontsize=7, color="#555555")
    ax.text(7.2, H - 0.15, "排除（按首个适用规则计数）" if zh else "Excluded (counted by the first rule that applies)",
            ha="center", va="top", fontsize=8, color="#555555")
    fig.tight_layout()
    return fig
