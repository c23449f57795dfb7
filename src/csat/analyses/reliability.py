"""The reader's side of 03_reliability_validity: the reliability table as shown and the summary paragraph.

The statistics are :mod:`csat.stats.reliability`'s (alpha, omega, CR, AVE, HTMT, Fornell–Larcker, the
verdict table) and the measurement model is :mod:`csat.sem.measurement`'s; this module turns them into
what a reader sees in the study's language (``en`` or ``zh``): :func:`reliability_display` (coefficients
as text, "n/a" for single-item constructs, with :data:`NOT_APPLICABLE_NOTE` under the table) and
:func:`summary_text` (the closing paragraph).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from csat.stats.reliability import fmt, resolve_thresholds

_NOT_APPLICABLE = {"en": "n/a", "zh": "不适用"}
#: the note under the table when a construct has one item
NOT_APPLICABLE_NOTE = {"en": "n/a: a single-item construct has no internal consistency; it is taken as measured without "
                             "error (residual variance fixed at 0), so omega, CR and AVE do not apply either.",
                       "zh": "不适用：单题项构念没有内部一致性；它被视为无测量误差（残差方差固定为 0），因此 omega、CR 和 AVE 也不适用。"}
_STAT_COLUMNS = ["alpha", "alpha.ci.lower", "alpha.ci.upper", "omega", "cr", "ave", "std.alpha", "average_r",
                 "lambda6", "split_half", "ave_classic"]


def reliability_display(reliability: pd.DataFrame, language: str = "en", digits: int = 3) -> pd.DataFrame:
    """The :func:`csat.stats.reliability.reliability_table` for showing: numbers rounded to ``digits`` as
    text, and the coefficients of single-item constructs shown as "n/a" ("不适用";
    :data:`NOT_APPLICABLE_NOTE`) — a single item has no internal consistency and, measured without error
    in the CFA, no omega, CR or AVE; these are not applicable rather than missing.

    Parameters
    ----------
    reliability : DataFrame
        The table of :func:`csat.stats.reliability.reliability_table`.
    language : {"en", "zh"}
        Language of the "n/a" text.
    digits : int
        Decimals shown.

    Returns
    -------
    DataFrame
        A copy with the coefficient columns as text.

    Examples
    --------
    >>> from csat.stats.reliability import reliability_table
    >>> cons = {"visual": ["x1", "x2", "x3"], "age": ["ageyr"]}
    >>> reliability_display(reliability_table(holzinger, cons), language="zh")[["construct", "alpha"]]
      construct  alpha
    0    visual  0.626
    1       age    不适用
    """
    out = reliability.copy()
    single = out["n_items"] < 2
    na = _NOT_APPLICABLE["zh" if language == "zh" else "en"]
    for c in [c for c in _STAT_COLUMNS if c in out.columns]:
        vals = out[c].astype(float)
        out[c] = [na if s else ("" if not np.isfinite(v) else f"{v:.{digits}f}") for v, s in zip(vals, single)]
    return out


def _count(v: pd.Series) -> tuple[int, int]:
    v = v.dropna()
    return int(v.astype(bool).sum()), int(len(v))


def _range_txt(df: pd.DataFrame, col: str, language: str) -> str:
    s = df[["construct", col]].dropna()
    if s.empty:
        return ""
    lo, hi = s.loc[s[col].idxmin()], s.loc[s[col].idxmax()]
    if len(s) == 1:
        return f"{fmt(lo[col])} ({lo['construct']})"
    sep = " to " if language == "en" else " 至 "
    return f"{fmt(lo[col])} ({lo['construct']}){sep}{fmt(hi[col])} ({hi['construct']})"


def summary_text(verdict: pd.DataFrame, reliability: pd.DataFrame, thresholds: Any = None,
                 language: str = "en", htmt_matrix: pd.DataFrame | None = None) -> str:
    """A short paragraph (``language`` = ``en`` or ``zh``) summarising the reliability and validity checks.

    Counts how many constructs meet each criterion, gives the range of alpha/CR/AVE and the
    largest HTMT, and closes with the caveat that the thresholds are conventions: meeting
    them is consistent with, not proof of, reliable and valid measurement.

    Parameters
    ----------
    verdict : DataFrame
        The verdict table of :func:`csat.stats.reliability.validity_verdict`.
    reliability : DataFrame
        :func:`csat.stats.reliability.reliability_table`.
    thresholds : mapping or ``params.thresholds``, optional
    language : {"en", "zh"}
    htmt_matrix : DataFrame, optional
        Not used by the text (the largest HTMT comes from ``verdict``); accepted for symmetry.

    Returns
    -------
    str
    """
    if language not in ("en", "zh"):
        raise ValueError(f"language must be 'en' or 'zh', not {language!r}")
    t = resolve_thresholds(thresholds)
    k = len(reliability)
    n = int(reliability["n"].max()) if k else 0
    miss = str(reliability["missing"].iloc[0]) if k and "missing" in reliability else "pairwise"
    zh = language == "zh"
    parts = []
    if zh:
        parts.append(f"本阶段检验了 {k} 个构念的信度与效度（n = {n}，缺失值按"
                     f"{'成对删除' if miss == 'pairwise' else '列表删除'}处理）。")
    else:
        parts.append(f"Reliability and validity were checked for {k} construct{'s' if k != 1 else ''} "
                     f"(n = {n}; missing answers handled {miss}).")
    a_ok, a_n = _count(verdict["alpha_ok"])
    if a_n:
        parts.append(f"Cronbach's α 介于 {_range_txt(reliability, 'alpha', language)}，{a_n} 个构念中有 {a_ok} 个达到 {fmt(t['alpha'])}。"
                     if zh else
                     f"Cronbach's alpha ranged from {_range_txt(reliability, 'alpha', language)}; {a_ok} of {a_n} "
                     f"reached {fmt(t['alpha'])}.")
    c_ok, c_n = _count(verdict["cr_ok"])
    v_ok, v_n = _count(verdict["ave_ok"])
    if c_n:
        parts.append(f"组合信度（CR）介于 {_range_txt(reliability, 'cr', language)}，{c_n} 个中有 {c_ok} 个达到 {fmt(t['cr'])}。"
                     if zh else
                     f"Composite reliability (CR) ranged from {_range_txt(reliability, 'cr', language)}; {c_ok} of "
                     f"{c_n} reached {fmt(t['cr'])}.")
    if v_n:
        parts.append(f"平均方差萃取量（AVE）有 {v_ok}/{v_n} 个构念达到 {fmt(t['ave'])}。"
                     if zh else
                     f"The average variance extracted (AVE) reached {fmt(t['ave'])} for {v_ok} of {v_n}.")
    if "loadings" in verdict and (verdict["loadings"] != "").any():
        weak = verdict.loc[verdict["loadings"] == "weak", "construct"].tolist()
        if weak:
            parts.append(f"以下构念存在低于 {fmt(t['loading'])} 的标准化载荷：{'、'.join(weak)}。" if zh else
                         f"Some standardized loadings were below {fmt(t['loading'])} in: {', '.join(weak)}.")
        else:
            parts.append(f"所有标准化载荷均不低于 {fmt(t['loading'])}。" if zh else
                         f"All standardized loadings were at least {fmt(t['loading'])}.")
    h_ok, h_n = _count(verdict["htmt_ok"])
    fl_ok, fl_n = _count(verdict["fornell_larcker_ok"])
    if h_n:
        hmax = verdict["htmt_max"].max()
        if zh:
            parts.append(f"HTMT 最大值为 {fmt(hmax)}，" + (f"全部低于 {fmt(t['htmt'])}。" if h_ok == h_n else
                         f"有 {h_n - h_ok} 个构念与其他构念的 HTMT 不低于 {fmt(t['htmt'])}。"))
        else:
            parts.append(f"The largest HTMT was {fmt(hmax)}; " + (f"all were below {fmt(t['htmt'])}." if h_ok == h_n else
                         f"{h_n - h_ok} construct(s) had an HTMT of {fmt(t['htmt'])} or more with another construct."))
    if fl_n:
        parts.append((f"Fornell–Larcker 准则在 {fl_n} 个构念中有 {fl_ok} 个成立。") if zh else
                     f"The Fornell–Larcker criterion held for {fl_ok} of {fl_n} construct{'s' if fl_n != 1 else ''}.")
    parts.append("这些阈值是经验准则：达到阈值与可靠、有效的测量相一致，但并不能证明之；未达到阈值的构念值得进一步检查，而不一定需要删除。"
                 if zh else
                 "These thresholds are conventions: meeting them is consistent with, but does not prove, reliable "
                 "and valid measurement, and a construct that misses one deserves a closer look rather than "
                 "automatic removal.")
    return ("" if zh else " ").join(parts)
