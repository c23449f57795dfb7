"""The reader's side of 04_factor_analysis: the study's EFA options, Kaiser's labels, the adequacy
tables, the EFA paragraph, and the texts of the measurement-invariance section.

The statistics are :mod:`csat.stats.factor`'s (KMO, Bartlett, parallel analysis, EFA) and
:mod:`csat.sem.multigroup`'s (configural, metric and scalar invariance); the scree plot is
:func:`csat.viz.factor.scree_plot`.  Here the study's ``params.efa`` becomes the options of
:func:`csat.stats.factor.exploratory_analysis` (:func:`efa_results`) and the results become text in the
study's language (``en`` or ``zh``).
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import pandas as pd

from csat.core.i18n import tr
from csat.core.text import format_p
from csat.analyses import verdicts
from csat.core.errors import FactorError
from csat.sem import multigroup
from csat.stats import factor

#: Bartlett's verdict in Chinese
SIGNIFICANCE_ZH = {"significant": "显著", "not significant": "不显著"}


def kmo_label(value: float, language: str = "en") -> str:
    """Kaiser's (1974) verbal label for a KMO/MSA value (:func:`csat.stats.factor.kmo_label`) in the
    study's language: ``"middling"`` or ``"中等"``.

    Examples
    --------
    >>> kmo_label(0.75), kmo_label(0.3, "zh")
    ('middling', '不可接受')
    """
    label = factor.kmo_label(value)
    return tr(label, language)


def adequacy_table(kmo_overall: float, kmo_items: Mapping[str, float], bartlett: Mapping[str, Any],
                   n: int | None = None, language: str = "en") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two display tables: overall KMO + Bartlett (``measure, value, verdict``) and per-item MSA
    (``item, MSA, verdict``), with Kaiser's labels in the report language: the neutral tables of
    :func:`csat.stats.factor.adequacy_table` with the reader's words.

    Parameters
    ----------
    kmo_overall : float
        Overall KMO (:func:`csat.stats.factor.kmo`).
    kmo_items : mapping
        ``{item: MSA}`` (the per-item values of :func:`csat.stats.factor.kmo`).
    bartlett : mapping
        ``chisq, df, pvalue`` of :func:`csat.stats.factor.bartlett_sphericity`.
    n : int, optional
        Not shown; accepted for the notebook's call.
    language : {"en", "zh"}
        Language of the verdicts.

    Returns
    -------
    overall : DataFrame
        ``measure, value, verdict`` (KMO; Bartlett χ² with its df, p and significance).
    items : DataFrame
        ``item, MSA, verdict``.

    Examples
    --------
    >>> overall, items = adequacy_table(0.72, {"a": 0.45, "b": 0.91}, {"chisq": 10.0, "df": 3, "pvalue": 0.02},
    ...                                 language="zh")
    >>> overall
           measure  value           verdict
    0          KMO   0.72                中等
    1  Bartlett χ²  10.00  df = 3, p = 0.020（显著）
    >>> items["verdict"].tolist()
    ['不可接受', '极好']
    """
    zh = language == "zh"
    b = bartlett
    overall, items = factor.adequacy_table(kmo_overall, kmo_items, bartlett)
    test = overall["measure"] == "Bartlett χ²"
    sig = overall.loc[test, "verdict"].iloc[0]
    p = format_p(b["pvalue"], leading_zero=True)
    overall.loc[test, "verdict"] = f"df = {b['df']}, p {p}" + (f"（{SIGNIFICANCE_ZH[sig]}）" if zh else f" ({sig})")
    if zh:
        overall.loc[~test, "verdict"] = overall.loc[~test, "verdict"].map(lambda label: tr(label, language))
        items["verdict"] = items["verdict"].map(lambda label: tr(label, language))
    return overall, items


def _get(obj: Any, key: str, default: Any) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(key, default)
    return getattr(obj, key, default)


def efa_results(data: pd.DataFrame, items: Sequence[str], params_efa: Any, seed: int = 2024, *,
                missing: str = "pairwise", item_construct: Mapping[str, str] | None = None) -> dict:
    """The whole exploratory stage with the study's options (:func:`csat.stats.factor.exploratory_analysis`).

    ``params_efa`` is ``params.efa`` (or a mapping) with ``n_factors`` (int or ``"auto"`` = parallel
    analysis), ``method``, ``rotation``, ``parallel_iter``, ``parallel_percentile`` (an absent key takes
    the default of :func:`csat.stats.factor.exploratory_analysis`); ``seed`` seeds the parallel analysis
    (``params.seed``); ``missing`` is ``params.missing``.  With ``item_construct`` (``params.
    item_construct``) the construct check is run too.

    Parameters
    ----------
    data : DataFrame
        Respondents × items.
    items : sequence of str
        The items to factor.
    params_efa : ``params.efa`` or mapping
        ``n_factors``, ``method``, ``rotation``, ``parallel_iter``, ``parallel_percentile``.
    seed : int
        Seed of the parallel analysis.
    missing : {"pairwise", "listwise"}
        Missing-data handling of the correlations.
    item_construct : mapping, optional
        ``{item: construct}`` for the construct check.

    Returns
    -------
    dict
        ``summary`` (the ``efa.json`` contract), ``R``, ``n``, ``items``, ``parallel``, ``efa``, ``check``
        (or None) and ``diagnostics``, as :func:`csat.stats.factor.exploratory_analysis`.

    Examples
    --------
    >>> res = efa_results(holzinger, [f"x{i}" for i in range(1, 10)], {"n_factors": 3, "rotation": "varimax"})
    >>> s = res["summary"]
    >>> s["n_factors"], s["method"], s["rotation"], s["parallel"]["n_iter"]
    (3, 'minres', 'varimax', 100)
    """
    return factor.exploratory_analysis(
        data, items, n_factors=_get(params_efa, "n_factors", "auto"), method=_get(params_efa, "method", "minres"),
        rotation=_get(params_efa, "rotation", "oblimin"), parallel_iter=_get(params_efa, "parallel_iter", 100),
        parallel_percentile=_get(params_efa, "parallel_percentile", 95), seed=seed, missing=missing,
        item_construct=item_construct)


def summary_text(results: Mapping[str, Any], language: str = "en") -> str:
    """A short paragraph (``language`` = ``en`` or ``zh``) on the EFA of :func:`efa_results`
    (or :func:`csat.stats.factor.exploratory_analysis`): sampling adequacy, the number of factors
    by each rule, variance explained and the construct check.

    Parameters
    ----------
    results : mapping
        The result of :func:`efa_results`.
    language : {"en", "zh"}

    Returns
    -------
    str

    Examples
    --------
    >>> res = efa_results(holzinger, [f"x{i}" for i in range(1, 10)], {"n_factors": 3, "rotation": "varimax"})
    >>> print(summary_text(res))
    KMO = 0.75 (middling) and Bartlett's test χ²(36) = 904.1, p < .001, so the data are suitable for factor analysis. ...
    """
    if language not in ("en", "zh"):
        raise FactorError(f"language must be 'en' or 'zh', not {language!r}")
    s, fa, check = results["summary"], results["efa"], results.get("check")
    b = s["bartlett"]
    cum = float(fa["variance"]["Cumulative Var"].iloc[-1])
    k = s["n_factors"]
    zh = language == "zh"
    pstr = format_p(b["pvalue"], leading_zero=True)
    if zh:
        parts = [f"KMO = {s['kmo']:.2f}（{kmo_label(s['kmo'], 'zh')}），Bartlett 球形检验 χ²({b['df']}) = {b['chisq']:.1f}，"
                 f"p {pstr}{'，数据适合做因子分析' if s['kmo'] >= .6 and b['pvalue'] < .05 else '，数据做因子分析的适切性不足'}。",
                 f"平行分析（{s['parallel']['n_iter']} 次模拟，第 {s['parallel']['percentile']:g} 百分位）建议 {s['n_factors_parallel']} 个因子，"
                 f"Kaiser 准则（特征值 > 1）建议 {s['n_factors_kaiser']} 个；本分析提取 {k} 个因子"
                 f"（{s['method']} 提取，{s['rotation']} 旋转），共解释 {cum:.1%} 的方差。"]
    else:
        parts = [f"KMO = {s['kmo']:.2f} ({kmo_label(s['kmo'])}) and Bartlett's test χ²({b['df']}) = {b['chisq']:.1f}, "
                 f"p {pstr}, {'so the data are suitable for factor analysis' if s['kmo'] >= .6 and b['pvalue'] < .05 else 'so the data are poorly suited to factor analysis'}.",
                 f"Parallel analysis ({s['parallel']['n_iter']} simulated data sets, {s['parallel']['percentile']:g}th percentile) "
                 f"suggests {s['n_factors_parallel']} factor(s), the Kaiser rule (eigenvalue > 1) {s['n_factors_kaiser']}; "
                 f"{k} factor(s) were extracted ({s['method']}, {s['rotation']} rotation), explaining {cum:.1%} of the variance."]
    if check is not None:
        mism = int((~check["match"]).sum())
        cross = int((check["cross_loading_on"] != "").sum())
        tot = len(check)
        if zh:
            parts.append(f"{tot} 个题项中有 {tot - mism} 个主要负载在其所属构念的因子上"
                         + (f"，{mism} 个不是" if mism else "") + (f"；{cross} 个题项存在交叉负载（|λ| ≥ .30）" if cross else "")
                         + ("（见诊断）。" if mism or cross else "，题项归属与问卷设计一致。"))
        else:
            parts.append(f"{tot - mism} of {tot} items load mainly on the factor of their own construct"
                         + (f", {mism} do not" if mism else "")
                         + (f"; {cross} item(s) cross-load (|loading| ≥ .30) on a second factor" if cross else "")
                         + (" (see the diagnostics)." if mism or cross else ", as the questionnaire intends."))
    return ("" if zh else " ").join(parts)


# ------------------------------------------------------------------------------ measurement invariance
def invariance_text(table: pd.DataFrame, group: str, labels: Sequence, language: str = "en") -> str:
    """A plain-words paragraph on the invariance table (en/zh).

    Parameters
    ----------
    table : DataFrame
        The table of :func:`csat.sem.multigroup.invariance`.
    group : str
        The grouping column, as named in the text.
    labels : sequence
        The group levels, as named in the text.
    language : {"en", "zh"}

    Returns
    -------
    str
        English or Chinese.

    Examples
    --------
    >>> from csat.sem import multigroup
    >>> model = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"
    >>> table, fits = multigroup.invariance(model, holzinger, "school")
    >>> invariance_text(table, "school", ["Pasteur", "Grant-White"])[:91]
    'Measurement invariance across school (Pasteur, Grant-White; Chen 2007 criteria: ΔCFI ≤ 0.01'
    """
    t = {r["model"]: r for _, r in table.iterrows()}
    c = t["configural"]
    lv = multigroup.invariance_level(table)
    labs = ", ".join(str(x) for x in labels)
    def step(name, en, zh):
        r = t[name]
        return (f"{en}: ΔCFI = {r['delta.cfi']:.3f}, ΔRMSEA = {r['delta.rmsea']:+.3f}, "
                f"Δχ²({r['df.diff']:.0f}) = {r['chisq.diff']:.2f}, p = {r['pvalue.diff']:.3g} — "
                f"{'holds' if r['verdict'] == 'holds' else 'does not hold'}",
                f"{zh}：ΔCFI = {r['delta.cfi']:.3f}，ΔRMSEA = {r['delta.rmsea']:+.3f}，"
                f"Δχ²({r['df.diff']:.0f}) = {r['chisq.diff']:.2f}，p = {r['pvalue.diff']:.3g}——"
                f"{'成立' if r['verdict'] == 'holds' else '不成立'}")
    m_en, m_zh = step("metric", "Equal loadings (metric)", "载荷等同（度量不变）")
    s_en, s_zh = step("scalar", "Equal loadings and intercepts (scalar)", "载荷与截距等同（标量不变）")
    concl_en = {
        "none": "The measurement model already fits poorly in the separate groups (configural model), so the "
                "groups cannot be compared on these constructs until the model is repaired.",
        "configural": "The items relate to the constructs differently across groups (metric invariance fails): "
                      "neither the strength of relations nor the construct means should be compared.",
        "metric": "Loadings are equal but intercepts are not (scalar invariance fails): relations between "
                  "constructs may be compared, but differences in construct means or indices may partly "
                  "reflect items that work differently, not a real change.",
        "scalar": "Loadings and intercepts are equal: the questionnaire measures the same constructs on the "
                  "same scale in every group, so construct means and indices can be compared.",
    }[lv]
    concl_zh = {
        "none": "测量模型在各组内（形态模型）即已拟合不佳，修正模型之前无法在这些构念上比较各组。",
        "configural": "各组题项与构念的关系不同（度量不变不成立）：既不宜比较构念间关系的强弱，也不宜比较构念均值。",
        "metric": "载荷等同而截距不等（标量不变不成立）：可以比较构念间的关系，但构念均值或指数的差异可能部分来自"
                  "题项作用不同，而非真实变化。",
        "scalar": "载荷与截距均等同：问卷在各组以相同的尺度测量相同的构念，可以比较构念均值和指数。",
    }[lv]
    en = (f"Measurement invariance across {group} ({labs}; Chen 2007 criteria: ΔCFI ≤ {multigroup.DELTA_CFI}, "
          f"ΔRMSEA ≤ {multigroup.DELTA_RMSEA}). Configural model: CFI = {c['cfi']:.3f}, RMSEA = {c['rmsea']:.3f}, "
          f"SRMR = {c['srmr']:.3f}. {m_en}. {s_en}. {concl_en}")
    zh = (f"{group}（{labs}）间的测量不变性（Chen 2007 标准：ΔCFI ≤ {multigroup.DELTA_CFI}，ΔRMSEA ≤ {multigroup.DELTA_RMSEA}）。"
          f"形态模型：CFI = {c['cfi']:.3f}，RMSEA = {c['rmsea']:.3f}，SRMR = {c['srmr']:.3f}。{m_zh}。{s_zh}。{concl_zh}")
    return zh if language == "zh" else en


def invariance_section_markdown(language: str = "en") -> str:
    """Heading and explanation of the invariance section of 04_factor_analysis
    (``csat/data/section_invariance.<language>.md``, see :func:`csat.analyses.verdicts.section_markdown`).

    Examples
    --------
    >>> invariance_section_markdown("zh").splitlines()[0]
    '## 测量不变性'
    """
    return verdicts.section_markdown("invariance", language)
