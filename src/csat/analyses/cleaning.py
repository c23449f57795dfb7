"""The texts of the cleaning stage (01) in the study's language, and its diagnostics.

:mod:`csat.intake.readers` reads the raw file and :mod:`csat.intake.cleaning` applies the exclusion
rules and tests the missing data; this module says what they found for the reader, in English or
Chinese (``params.language``):

* the intake: :func:`intake_summary` (the table of what was read and changed) and :func:`intake_text`
  (one paragraph), both from the :class:`csat.intake.readers.IntakeReport`;
* the item types: :func:`types_text` (which items are continuous scores and why);
* the exclusion flow: :func:`rule_texts` (each rule as applied), :func:`flow_display` (the flow table
  in the study's language) and :func:`flow_text` (one sentence);
* the missing data: :func:`interpret_mcar` (Little's test in words);
* :func:`cleaning_diagnostics`: the stage's warnings and notes, each with a stable code.

The figures of the stage are in :mod:`csat.viz.cleaning`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from csat.core.diagnostics import Diagnostic
from csat.intake.cleaning import MIN_STRAIGHTLINE_ITEMS, RULES, CleaningResult, missing_rates, rule_definitions
from csat.intake.readers import IntakeReport
from csat.viz.cleaning import RULE_TEXT

__all__ = ["intake_summary", "intake_text", "types_text", "rule_texts", "flow_display", "flow_text",
           "interpret_mcar", "cleaning_diagnostics"]


# ----------------------------------------------------------------------------- intake
def intake_summary(report: IntakeReport, language: str = "en") -> pd.DataFrame:
    """What the intake read and changed (:func:`csat.intake.readers.load_study_data`) as a two-column
    table (``what, value``) for the report, its labels in ``language`` (en, zh)."""
    m = report.meta
    zh = language == "zh"
    tokens = report.token_counts()
    listed = ("、" if zh else ", ").join(tokens) or ("无" if zh else "none")
    rows = [
        (("file", "文件"), report.file_name),
        (("format", "格式"), m.get("format")),
        (("encoding", "编码"), m.get("encoding") or ""),
        (("sheet", "工作表"), m.get("sheet") or ""),
        (("SHA-256", "SHA-256"), m.get("sha256", "")[:16] + "…"),
        (("respondents (data rows)", "受访者（数据行）"), report.n_rows),
        (("columns in file", "文件中的列数"), m.get("n_columns")),
        (("columns used", "使用的列数"), len(report.columns_used)),
        (("columns ignored", "忽略的列数"), len(report.columns_ignored)),
        (("text answers mapped", "映射为代码的文本答案"),
         int(report.labels_applied["n"].sum()) if len(report.labels_applied) else 0),
        (("missing codes found", "发现的缺失代码"),
         int(report.missing_codes_found["n"].sum()) if len(report.missing_codes_found) else 0),
        (("out-of-range values set missing", "超出范围并设为缺失的值"), len(report.out_of_range)),
        ((f"missing tokens ({listed})", f"缺失标记（{listed}）"), sum(tokens.values())),
        (("negative durations set missing", "设为缺失的负答题时长"), len(report.negative_durations)),
        (("headers longer than 200 characters", "超过 200 个字符的列标题"), len(report.long_headers)),
        (("respondents with all items missing", "所有题项均缺失的受访者"), report.n_all_items_missing),
    ]
    return pd.DataFrame([(w[1] if zh else w[0], v) for w, v in rows], columns=["what", "value"]).astype({"value": str})


def intake_text(report: IntakeReport, language: str = "en") -> str:
    """One paragraph describing the intake of :func:`csat.intake.readers.load_study_data` (English
    or Chinese)."""
    m = report.meta
    n_oor = len(report.out_of_range)
    n_mc = int(report.missing_codes_found["n"].sum()) if len(report.missing_codes_found) else 0
    n_lab = int(report.labels_applied["n"].sum()) if len(report.labels_applied) else 0
    enc = f", {m['encoding']}" if m.get("encoding") else ""
    sheet = f", sheet {m['sheet']!r}" if m.get("sheet") else ""
    if language == "zh":
        return (f"读取 {report.file_name}（{m.get('format')}{enc}{sheet}）：{report.n_rows} 名受访者，"
                f"使用 {len(report.columns_used)} 列。按标签映射文本答案 {n_lab} 个；缺失代码 {n_mc} 个设为缺失；"
                f"超出量表范围的值 {n_oor} 个已报告并设为缺失；{report.n_all_items_missing} 人所有题项均缺失。")
    return (f"Read {report.file_name} ({m.get('format')}{enc}{sheet}): {report.n_rows} respondents, "
            f"{len(report.columns_used)} columns used. {n_lab} text answers were mapped to codes through 'labels'; "
            f"{n_mc} cells holding a missing code were set missing; {n_oor} values outside the scale were "
            f"reported and set missing; {report.n_all_items_missing} respondents answered no item.")


# ----------------------------------------------------------------------------- item types
def types_text(types: pd.DataFrame, language: str = "en") -> str:
    """One sentence saying which items are treated as continuous scores and why (``types``: the table
    of :func:`csat.intake.itemtypes.item_types`)."""
    cont = types[types["type"] == "continuous"]
    zh = language == "zh"
    if cont.empty:
        return ("所有题项均为李克特量表题（取值均为量表刻度点）。" if zh else
                "Every item is a Likert item (all its values are points of the scale).")
    if len(cont) == len(types) and cont["reason_en"].nunique() == 1:
        r = cont["reason_zh" if zh else "reason_en"].iloc[0]
        return (f"所有 {len(types)} 个题项均按连续分数处理：{r}。不绘制李克特图，也不报告两端选项比例（top-2/bottom-2）。" if zh else
                f"All {len(types)} items are treated as continuous scores: {r}. They get no Likert chart and no "
                "top-2/bottom-2-box shares; every other statistic is computed as usual.")
    parts = [f"{r.item}（{r.reason_zh}）" if zh else f"{r.item} ({r.reason_en})" for r in cont.itertuples()]
    if zh:
        return (f"{len(cont)} 个题项按连续分数处理：" + "；".join(parts) +
                "。这些题项不绘制李克特图，也不报告两端选项比例；其余统计照常计算。")
    return (f"{len(cont)} item(s) are treated as continuous scores: " + "; ".join(parts) +
            ". They get no Likert chart and no top-2/bottom-2-box shares; every other statistic is computed as usual.")


# ----------------------------------------------------------------------------- exclusion flow
def rule_texts(params, language: str = "en") -> dict:
    """What each exclusion rule does with the study's settings, ``{rule: text}`` in ``language``:
    the English definitions of :func:`csat.intake.cleaning.rule_definitions` (the flow table's
    ``description``), or their Chinese translation (``未启用`` for a rule switched off).

    Examples
    --------
    >>> from csat.config.params import load_params
    >>> p = load_params(project / "params" / "demo.yaml", root=project)
    >>> rule_texts(p, "zh")["speeders"], rule_texts(p)["speeders"]
    ('答题时长 < 120 秒', 'duration < 120 s')
    """
    if language != "zh":
        return rule_definitions(params)
    c = params.cleaning
    off = "未启用"
    sp = []
    if c.min_duration is not None:
        sp.append(f"答题时长 < {c.min_duration:g} 秒")
    if c.speeder_median_ratio is not None:
        sp.append(f"答题时长 < 中位时长的 {c.speeder_median_ratio:g} 倍")
    dup = "编号相同或所有题项答案完全相同（保留第一份）" if params.data.id else "所有题项答案完全相同（保留第一份）"
    return {
        "duplicates": dup if c.drop_duplicates else off,
        "speeders": "或".join(sp) if sp else off,
        "straightlining": (f"所有题项答案无变化（至少回答 {MIN_STRAIGHTLINE_ITEMS} 题）" if c.straightlining else off),
        "attention_checks": ("，".join(f"{k} = {v!r}" for k, v in c.attention_checks.items())
                             if c.attention_checks else off),
        "max_missing_share": (f"缺失题项比例 > {c.max_missing_share:g}" if c.max_missing_share is not None else off),
    }


def flow_display(flow: pd.DataFrame, params, language: str = "en") -> pd.DataFrame:
    """The exclusion flow (:attr:`csat.intake.cleaning.CleaningResult.flow`) as the report shows it:
    in ``language: zh`` the steps and descriptions are in Chinese; ``results/cleaning_flow.csv``
    keeps the English table (stable names for scripts).

    Examples
    --------
    >>> from csat.config.params import load_params
    >>> from csat.intake.cleaning import clean
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
    texts = rule_texts(params, "zh")
    out = flow.copy()
    ends = {"raw": ("原始数据", "原始文件中的受访者"), "analysed": ("纳入分析", "纳入分析的受访者")}
    out["description"] = [ends[s][1] if s in ends else texts.get(s, d) for s, d in zip(flow["step"], flow["description"])]
    out["step"] = [ends[s][0] if s in ends else RULE_TEXT.get(s, (s, s))[1] for s in flow["step"]]
    return out


def flow_text(result: CleaningResult, language: str = "en") -> str:
    """One sentence summarising the exclusion flow (English or Chinese).

    Parameters
    ----------
    result : CleaningResult
        The result of :func:`csat.intake.cleaning.clean`.
    language : {"en", "zh"}

    Returns
    -------
    str

    Examples
    --------
    >>> from csat.config.params import load_params
    >>> from csat.intake.cleaning import clean
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
def interpret_mcar(res: dict, language: str = "en") -> str:
    """One paragraph explaining a :func:`csat.intake.cleaning.little_mcar` result to a student.

    Parameters
    ----------
    res : dict
        The result of :func:`csat.intake.cleaning.little_mcar`.
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
def cleaning_diagnostics(result: CleaningResult, params, report: IntakeReport | None = None,
                         mcar: dict | None = None, *,
                         high_missing_item: float = 0.10, high_exclusion: float = 0.20) -> list[Diagnostic]:
    """Diagnostics of the cleaning stage, each with a stable code:

    ``out_of_range`` (warning, per column), ``missing_codes_found`` (info), ``all_items_missing`` (info),
    ``high_exclusion`` (warning: more than ``high_exclusion`` of the respondents excluded),
    ``high_missing_item`` (warning: item missing in more than ``high_missing_item`` of the clean data),
    ``straightlining_block`` (info), ``mcar_rejected`` (warning), ``small_sample`` (warning, n < 100).

    Parameters
    ----------
    result : CleaningResult
        The result of :func:`csat.intake.cleaning.clean`.
    params : StudyParams
        The study's parameters.
    report : IntakeReport, optional
        The intake report of :func:`csat.intake.readers.load_study_data`.
    mcar : dict, optional
        The result of :func:`csat.intake.cleaning.little_mcar`.
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
