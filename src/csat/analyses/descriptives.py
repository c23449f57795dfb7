"""Reader-facing texts of the descriptives stage (02): sample, items, indices, NPS, groups, tracking, weights.

The statistics are computed by :mod:`csat.stats.descriptives`, :mod:`csat.stats.tracking` and
:mod:`csat.stats.weights` (study- and language-free); this module turns their tables into the
paragraphs 02_descriptives shows, in the study's language (``en`` or ``zh``), and reads what the
study's params say: the tracking section's explanation and the study's survey weights
(:func:`study_weights`, which reads the weight and raking columns from the raw file).
"""
from __future__ import annotations

from typing import Mapping

import pandas as pd

from csat.core.text import format_p
from csat.analyses.verdicts import section_markdown
from csat.core.errors import WeightsError
from csat.intake.extras import raw_columns
from csat.stats.descriptives import MISSING_LEVEL
from csat.stats.weights import check_weights, margins_achieved, rake, weights_summary

__all__ = ["score_rule_text", "profile_text", "items_text", "index_text", "nps_text", "group_tests_text",
           "correlation_text", "tracking_section_markdown", "waves_text", "study_weights"]


# -- descriptives ---------------------------------------------------------------------------
def score_rule_text(min_share: float, language: str = "en") -> str:
    """The construct-score rule of :func:`csat.stats.descriptives.construct_scores` in plain words (en/zh), for the report."""
    if min_share <= 0:
        en, zh = "any of its items", "至少一个题项"
    elif min_share >= 1:
        en, zh = "all of its items", "全部题项"
    elif abs(min_share - 0.5) < 1e-12:
        en, zh = "at least half of its items", "至少一半题项"
    else:
        en, zh = f"at least {min_share:.0%} of its items (rounded up)", f"至少 {min_share:.0%} 的题项（向上取整）"
    if language == "zh":
        return (f"构念得分规则（scores.min_share = {min_share:g}）：受访者回答了该构念{zh}时，其得分为已答题项的均值，"
                "否则该构念得分缺失。")
    return (f"Construct-score rule (scores.min_share = {min_share:g}): a respondent's score on a construct is the "
            f"mean of the answered items when {en} are answered; otherwise the score is missing.")


def _t(language: str, en: str, zh: str) -> str:
    return zh if language == "zh" else en


def profile_text(profile: pd.DataFrame, n_total: int, language: str = "en") -> str:
    """One paragraph describing the sample by its grouping columns (largest level of each).

    Parameters
    ----------
    profile : DataFrame
        The table of :func:`csat.stats.descriptives.sample_profile`.
    n_total : int
        Respondents in the analysis sample.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    if profile.empty:
        return _t(language, f"The analysis sample has {n_total} respondents; no grouping variables were given.",
                  f"分析样本共 {n_total} 名受访者；未指定分组变量。")
    parts_en, parts_zh = [], []
    for var, sub in profile.groupby("variable", sort=False):
        top = sub[sub["level"] != MISSING_LEVEL].sort_values("n", ascending=False)
        if top.empty:
            continue
        t = top.iloc[0]
        parts_en.append(f"{var}: {len(top)} levels, the largest being {t['level']} ({t['n']}, {100 * t['share']:.1f}%)")
        parts_zh.append(f"{var}：{len(top)} 个类别，最多的是 {t['level']}（{t['n']} 人，{100 * t['share']:.1f}%）")
        miss = sub[sub["level"] == MISSING_LEVEL]
        if len(miss):
            parts_en[-1] += f", {int(miss['n'].iloc[0])} without an answer"
            parts_zh[-1] += f"，{int(miss['n'].iloc[0])} 人未作答"
    return _t(language,
              f"The analysis sample has {n_total} respondents. " + "; ".join(parts_en) + ". "
              "The profile describes this sample only; whether it represents the population depends on how it was drawn.",
              f"分析样本共 {n_total} 名受访者。" + "；".join(parts_zh) + "。"
              "样本构成仅描述本样本，能否代表总体取决于抽样方式。")


def items_text(items: pd.DataFrame, scale_min: float, scale_max: float, language: str = "en") -> str:
    """One paragraph on the item means, missing answers and the shape of the distributions.

    Parameters
    ----------
    items : DataFrame
        The table of :func:`csat.stats.descriptives.item_table`.
    scale_min, scale_max : float
        The answer scale.
    language : {"en", "zh"}

    Returns
    -------
    str
    """
    it = items.dropna(subset=["mean"])
    if it.empty:
        return _t(language, "No item has answers.", "没有题项有作答。")
    hi, lo = it.loc[it["mean"].idxmax()], it.loc[it["mean"].idxmin()]
    skewed = it[it["skew"].abs() > 1]
    miss = int(items["missing"].sum())
    if scale_min is None or scale_max is None:
        en = f"Item means range from {lo['mean']:.2f} ({lo['label']}) to {hi['mean']:.2f} ({hi['label']}). "
        zh = f"题项均值从 {lo['mean']:.2f}（{lo['label']}）到 {hi['mean']:.2f}（{hi['label']}）。"
    else:
        en = (f"On the {scale_min:g}–{scale_max:g} scale, item means range from {lo['mean']:.2f} ({lo['label']}) "
              f"to {hi['mean']:.2f} ({hi['label']}). ")
        zh = (f"在 {scale_min:g}–{scale_max:g} 量表上，题项均值从 {lo['mean']:.2f}（{lo['label']}）"
              f"到 {hi['mean']:.2f}（{hi['label']}）。")
    if miss:
        en += f"There are {miss} missing answers in total (at most {int(items['missing'].max())} for one item). "
        zh += f"共有 {miss} 个缺失回答（单个题项最多 {int(items['missing'].max())} 个）。"
    else:
        en += "No item has missing answers. "
        zh += "所有题项均无缺失。"
    if len(skewed):
        en += (f"{len(skewed)} of {len(it)} items have |skewness| > 1, so their answers pile up at one end of the "
               f"scale; means of such items summarise them less well than for symmetric items.")
        zh += f"{len(it)} 个题项中有 {len(skewed)} 个偏度绝对值大于 1，回答集中在量表一端，均值对其概括力较弱。"
    else:
        en += "No item has |skewness| > 1."
        zh += "没有题项的偏度绝对值大于 1。"
    return _t(language, en, zh)


def index_text(index: pd.DataFrame, language: str = "en") -> str:
    """One paragraph on the 0–100 construct indices (highest and lowest, with intervals).

    Parameters
    ----------
    index : DataFrame
        The table of :func:`csat.stats.descriptives.construct_index`.
    language : {"en", "zh"}

    Returns
    -------
    str

    Examples
    --------
    >>> from csat.stats.descriptives import construct_index
    >>> scores = pd.DataFrame({"SAT": ecsi[["sat1", "sat2", "sat3", "sat4"]].mean(axis=1),
    ...                        "LOY": ecsi[["loy1", "loy2", "loy3", "loy4"]].mean(axis=1)})
    >>> print(index_text(construct_index(scores, 0, 10)))
    On the 0–100 index, LOY scores highest (72.4 [69.9, 74.8]) and SAT lowest (68.3 [66.2, 70.5]); ...
    """
    ix = index.dropna(subset=["index"])
    if ix.empty and index["mean"].notna().any():       # a continuous study without scale bounds
        m = index.dropna(subset=["mean"])
        hi, lo = m.loc[m["mean"].idxmax()], m.loc[m["mean"].idxmin()]
        return _t(language,
                  f"The scale has no bounds (continuous scores), so no 0–100 index is computed; construct means range "
                  f"from {lo['mean']:.2f} ({lo['label']}) to {hi['mean']:.2f} ({hi['label']}). Constructs measured on "
                  f"different units are not comparable by their means.",
                  f"量表没有上下限（连续分数），因此不计算 0–100 指数；构念均值从 {lo['mean']:.2f}（{lo['label']}）"
                  f"到 {hi['mean']:.2f}（{hi['label']}）。单位不同的构念不能用均值相互比较。")
    if ix.empty:
        return _t(language, "No construct score could be computed.", "无法计算任何构念得分。")
    hi, lo = ix.loc[ix["index"].idxmax()], ix.loc[ix["index"].idxmin()]

    def f(r):
        return f"{r['index']:.1f} [{r['index.ci.lower']:.1f}, {r['index.ci.upper']:.1f}]"

    en = (f"On the 0–100 index, {hi['label']} scores highest ({f(hi)}) and {lo['label']} lowest ({f(lo)}); "
          f"brackets are 95% confidence intervals for each index. The constructs are measured with different "
          f"items by the same respondents and are not tested against each other here, so the ranking is "
          f"descriptive.")
    zh = (f"在 0–100 指数上，{hi['label']}最高（{f(hi)}），{lo['label']}最低（{f(lo)}）；方括号内为各指数的 95% 置信区间。"
          f"各构念由同一批受访者以不同题项测量，此处未相互检验，排序仅为描述性。")
    return _t(language, en, zh)


def nps_text(res: Mapping, language: str = "en") -> str:
    """One paragraph on the Net Promoter Score and its interval.

    Parameters
    ----------
    res : mapping
        The result of :func:`csat.stats.descriptives.nps` (or :func:`csat.stats.weights.weighted_nps`).
    language : {"en", "zh"}

    Returns
    -------
    str

    Examples
    --------
    >>> from csat.stats.descriptives import nps
    >>> print(nps_text(nps(ecsi["loy1"])))
    Of 250 respondents, 33.2% are promoters (9–10) and 30.4% detractors (0–6), giving an NPS of 2.8 (95% CI -7.1 to 12.7).
    """
    en = (f"Of {res['n']} respondents, {100 * res['p_promoters']:.1f}% are promoters (9–10) and "
          f"{100 * res['p_detractors']:.1f}% detractors (0–6), giving an NPS of {res['nps']:.1f} "
          f"(95% CI {res['ci.lower']:.1f} to {res['ci.upper']:.1f}).")
    zh = (f"{res['n']} 名受访者中，推荐者（9–10 分）占 {100 * res['p_promoters']:.1f}%，贬损者（0–6 分）占 "
          f"{100 * res['p_detractors']:.1f}%，净推荐值 NPS 为 {res['nps']:.1f}（95% 置信区间 {res['ci.lower']:.1f} 至 "
          f"{res['ci.upper']:.1f}）。")
    return _t(language, en, zh)


_TEST_NAME = {"welch_t": ("Welch t", "Welch t"), "mann_whitney": ("Mann–Whitney U", "Mann–Whitney U"),
              "welch_anova": ("Welch F", "Welch F"), "kruskal_wallis": ("Kruskal–Wallis H", "Kruskal–Wallis H"),
              "chi_square": ("χ²", "χ²")}


def group_tests_text(tests: pd.DataFrame, language: str = "en", alpha: float = 0.05,
                     labels: Mapping[str, str] | None = None) -> str:
    """One paragraph on the group comparisons; "differs significantly" only when p.holm < alpha.

    Only the parametric tests (Welch t, Welch ANOVA) and the chi-square tests are described;
    the rank tests are in the table.

    Parameters
    ----------
    tests : DataFrame
        The table of :func:`csat.stats.descriptives.group_tests`.
    language : {"en", "zh"}
    alpha : float
        Significance level applied to ``p.holm``.
    labels : mapping, optional
        ``{construct: label}``.

    Returns
    -------
    str
    """
    labels = labels or {}
    main = tests[tests["test"].isin(["welch_t", "welch_anova"])]
    chi = tests[tests["test"] == "chi_square"]
    if main.empty and chi.empty:
        return _t(language, "No group comparison could be made (no grouping variable with two usable levels).",
                  "无法进行组间比较（没有至少含两个有效类别的分组变量）。")
    sig = main[main["p.holm"] < alpha]
    en, zh = [], []
    if not main.empty:
        head_en = (f"Of {len(main)} comparisons of construct scores between groups (Welch tests, Holm-adjusted "
                   f"within each family), ")
        head_zh = f"在 {len(main)} 项构念得分的组间比较中（Welch 检验，按检验族 Holm 校正），"
        if sig.empty:
            en.append(head_en + f"none differs significantly at the {alpha:g} level; this does not show that the "
                      "groups are equal.")
            zh.append(head_zh + f"没有一项在 {alpha:g} 水平上差异显著；这并不表明各组相同。")
        else:
            en.append(head_en + f"{len(sig)} differ significantly at the {alpha:g} level.")
            zh.append(head_zh + f"{len(sig)} 项在 {alpha:g} 水平上差异显著。")
        for _, r in sig.iterrows():
            lab = labels.get(r["construct"], r["construct"])
            if r["test"] == "welch_t":
                lv = str(r["levels"]).split(" | ")
                en.append(f"{lab} differs significantly by {r['group']} ({lv[0]} − {lv[1]} = {r['estimate']:.2f}, "
                          f"t({r['df']:.1f}) = {r['statistic']:.2f}, p.holm {format_p(r['p.holm'])}, g = {r['effect_size']:.2f}).")
                zh.append(f"{lab}在 {r['group']} 上差异显著（{lv[0]} − {lv[1]} = {r['estimate']:.2f}，"
                          f"t({r['df']:.1f}) = {r['statistic']:.2f}，Holm 校正 p {format_p(r['p.holm'])}，g = {r['effect_size']:.2f}）。")
            else:
                en.append(f"{lab} differs significantly by {r['group']} (F({r['df']:.0f}, {r['df2']:.1f}) = "
                          f"{r['statistic']:.2f}, p.holm {format_p(r['p.holm'])}, ω² = {r['effect_size']:.3f}).")
                zh.append(f"{lab}在 {r['group']} 上差异显著（F({r['df']:.0f}, {r['df2']:.1f}) = {r['statistic']:.2f}，"
                          f"Holm 校正 p {format_p(r['p.holm'])}，ω² = {r['effect_size']:.3f}）。")
        if 0 < len(sig) < len(main):
            en.append("The other comparisons show no significant difference; this does not show that the groups are equal.")
            zh.append("其余比较未见显著差异，但这并不表明各组相同。")
    chi_sig = chi[chi["p.holm"] < alpha]
    for _, r in chi_sig.iterrows():
        en.append(f"The grouping variables {r['group']} are significantly associated (χ²({r['df']:.0f}) = "
                  f"{r['statistic']:.2f}, p.holm {format_p(r['p.holm'])}, Cramér's V = {r['effect_size']:.2f}).")
        zh.append(f"分组变量 {r['group']} 之间存在显著关联（χ²({r['df']:.0f}) = {r['statistic']:.2f}，"
                  f"Holm 校正 p {format_p(r['p.holm'])}，Cramér's V = {r['effect_size']:.2f}）。")
    n_ns = len(chi) - len(chi_sig)
    if n_ns:
        vmax = chi.loc[chi["p.holm"] >= alpha, "effect_size"].max()
        en.append(f"{'The other' if len(chi_sig) else 'The'} {n_ns} pair(s) of grouping variables show no significant "
                  f"association (chi-square, Holm-adjusted; largest Cramér's V = {vmax:.2f}).")
        zh.append(f"{'其余' if len(chi_sig) else ''} {n_ns} 对分组变量之间未见显著关联（卡方检验，Holm 校正；"
                  f"最大 Cramér's V = {vmax:.2f}）。")
    en.append("These are associations in this sample, not effects of group membership.")
    zh.append("以上均为样本中的关联，不代表分组造成的影响。")
    return _t(language, " ".join(en), "".join(zh))


def correlation_text(corr: pd.DataFrame, language: str = "en", labels: Mapping[str, str] | None = None) -> str:
    """One paragraph on the Pearson correlations of the construct scores (range, strongest pair).

    Parameters
    ----------
    corr : DataFrame
        The table of :func:`csat.stats.descriptives.correlations`.
    language : {"en", "zh"}
    labels : mapping, optional
        ``{construct: label}``.

    Returns
    -------
    str
    """
    labels = labels or {}
    pe = corr[corr["method"] == "pearson"].dropna(subset=["r"])
    if pe.empty:
        return _t(language, "Correlations need at least two construct scores.", "相关分析至少需要两个构念得分。")
    top = pe.loc[pe["r"].abs().idxmax()]
    a, b = labels.get(top["lhs"], top["lhs"]), labels.get(top["rhs"], top["rhs"])
    en = (f"Pearson correlations between construct scores range from {pe['r'].min():.2f} to {pe['r'].max():.2f}; "
          f"the strongest is between {a} and {b} (r = {top['r']:.2f}). Spearman correlations are shown alongside. "
          f"Correlations describe how the scores vary together and do not show that one drives the other; "
          f"very high values may indicate constructs that are hard to tell apart (see discriminant validity).")
    zh = (f"构念得分之间的 Pearson 相关系数介于 {pe['r'].min():.2f} 与 {pe['r'].max():.2f} 之间，"
          f"最强的是{a}与{b}（r = {top['r']:.2f}）。右图为 Spearman 相关。相关只说明得分共同变化，"
          f"不说明因果方向；极高的相关可能意味着构念难以区分（见区分效度）。")
    return _t(language, en, zh)


# -- tracking -------------------------------------------------------------------------------
def tracking_section_markdown(language: str = "en") -> str:
    """Heading and explanation of the tracking section of 02_descriptives (shown only for a tracking study).

    Parameters
    ----------
    language : {"en", "zh"}

    Returns
    -------
    str
        Markdown.
    """
    return section_markdown("tracking", language)


#: The sentences of :func:`waves_text`, per language.
_WAVES_TEXT = {
    "en": {"head": "{k} waves ({sizes}); first {first}, last {last}. ", "size": "{w}: n = {n}", "sep": ", ",
           "none": "No index and no NPS changed significantly between waves after Holm adjustment (α = {alpha}).",
           "change": "{label} {dir} by {size:.1f} points from {a} to {b} (95% CI [{lo:.1f}, {hi:.1f}], "
                     "p.holm = {p:.3g})",
           "up": "rose", "down": "fell", "join": "; ",
           "sig": "Significant changes after Holm adjustment: {parts}. Other changes are within sampling error."},
    "zh": {"head": "共 {k} 期（{sizes}）。", "size": "{w}：n = {n}", "sep": "、",
           "none": "经 Holm 校正后，没有任何指数或 NPS 在两期之间发生显著变化（α = {alpha}）。",
           "change": "{label} 从 {a} 到 {b} {dir} {size:.1f} 点（95% CI [{lo:.1f}, {hi:.1f}]，p.holm = {p:.3g}）",
           "up": "上升", "down": "下降", "join": "；",
           "sig": "经 Holm 校正后显著的变化：{parts}。其余变化在抽样误差范围内。"},
}


def waves_text(index: pd.DataFrame, changes: pd.DataFrame, language: str = "en", alpha: float = 0.05) -> str:
    """Plain-words summary (en/zh): the waves, then every change significant after Holm adjustment.

    Parameters
    ----------
    index, changes : DataFrame
        The two tables of :func:`csat.stats.tracking.wave_tables`.
    language : {"en", "zh"}
    alpha : float
        Significance level applied to ``p.holm``.

    Returns
    -------
    str

    Examples
    --------
    >>> from csat.stats.tracking import wave_tables
    >>> d = ecsi.assign(wave=np.repeat(["W1", "W2", "W3"], [80, 85, 85]))
    >>> print(waves_text(*wave_tables(d, "wave", None, {"SAT": ["sat1", "sat2", "sat3", "sat4"]}, 0, 10)))
    3 waves (W1: n = 80, W2: n = 85, W3: n = 85); first W1, last W3. No index and no NPS changed significantly between waves after Holm adjustment (α = 0.05).
    """
    t = _WAVES_TEXT["zh" if language == "zh" else "en"]
    waves = list(dict.fromkeys(index["wave"]))
    n = index[index["measure"].isin(["index", "mean"])].groupby("wave", sort=False)["n"].max()
    sig = changes[(changes["p.holm"] < alpha) & changes["measure"].isin(["index", "mean", "nps"])]
    head = t["head"].format(k=len(waves), sizes=t["sep"].join(t["size"].format(w=w, n=n.get(w, 0)) for w in waves),
                            first=waves[0], last=waves[-1])
    if not len(sig):
        return head + t["none"].format(alpha=alpha)
    parts = [t["change"].format(label=r["label"], dir=t["up"] if r["change"] > 0 else t["down"],
                                size=abs(r["change"]), a=r["from"], b=r["to"], lo=r["ci.lower"], hi=r["ci.upper"],
                                p=r["p.holm"])
             for _, r in sig.iterrows()]
    return head + t["sig"].format(parts=t["join"].join(parts))


# -- weights --------------------------------------------------------------------------------
def study_weights(params, params_file, clean: pd.DataFrame, root=None) -> tuple[pd.Series, pd.DataFrame | None, dict]:
    """The study's weights for the cleaned respondents, from ``params.weights``.

    Given weights (``weights.column``, read from the raw file for the cleaned rows) are the
    starting weights; with ``weights.rake`` they are raked to the population shares. Returns
    ``(w, margins, summary)``: ``w`` indexed like ``clean`` (name ``weight``); ``margins`` from
    :func:`csat.stats.weights.margins_achieved` (None without raking); ``summary`` from
    :func:`csat.stats.weights.weights_summary` plus ``source`` (``column``, ``rake`` or ``column+rake``).

    Parameters
    ----------
    params : StudyParams
        The study's parameters (:func:`csat.config.params.load_params`); ``params.weights`` must be set.
    params_file : str or Path
        The parameter file (the raw data path is relative to it).
    clean : DataFrame
        The cleaned data (its index holds the raw row numbers).
    root : str or Path, optional
        Project root, when it is not the working directory.

    Returns
    -------
    w : Series
    margins : DataFrame or None
    summary : dict
    """
    spec = params.weights
    if spec is None:
        raise WeightsError("the params have no 'weights' key")
    cols = ([spec.column] if spec.column else []) + list(spec.rake or {})
    extra = raw_columns(params, params_file, clean, cols, root=root)
    base = check_weights(extra[spec.column], spec.column) if spec.column else None
    margins = None
    if spec.rake:
        groups = extra[list(spec.rake)].copy()
        for c in groups.columns:                         # the same text as the group columns of 01
            groups[c] = groups[c].map(lambda v: v if pd.isna(v) else (str(int(v)) if isinstance(v, float)
                                                                         and float(v).is_integer() else str(v)).strip())
        w = rake(groups, spec.rake, None if base is None else base.to_numpy())
        margins = margins_achieved(groups, w.to_numpy(), spec.rake)
    else:
        w = base.rename("weight")
    summary = {"source": "+".join(s for s, on in (("column", spec.column), ("rake", spec.rake)) if on),
               **weights_summary(w.to_numpy())}
    return w, margins, summary
