"""The registry of diagnostic codes: every ``code`` that may appear in ``results/diagnostics.json``.

A :class:`csat.core.diagnostics.Diagnostic` names what went wrong by a short stable code (``heywood``,
``low_alpha``, ``htmt`` …).  Each code is listed here once, with its usual level and its meaning in
English and Chinese, so that a reader of ``diagnostics.json`` (or of the report's diagnostics list) can
look a code up, and so that a misspelt or undocumented code cannot slip into the results:
:func:`csat.core.diagnostics.merge_diagnostics` checks every code it writes against :data:`CODES` — an unknown
code is an error when ``CSAT_STRICT_DIAGNOSTICS=1`` (the test suite sets it) and a warning otherwise.
``tests/test_diagnostic_codes.py`` checks that every code the source emits is registered and that
``docs/diagnostics.md`` lists them all.

``level`` is the severity the code is raised with (``info`` < ``warning`` < ``error``; ``error`` means
the estimates concerned are not trustworthy or a stage could not run); a few codes are raised at
another level in some cases, listed in ``levels``.

Examples
--------
>>> CODES["heywood"].level
'error'
>>> is_registered("no_such_code")
False
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DiagnosticCode", "CODES", "is_registered", "markdown_table"]


@dataclass(frozen=True)
class DiagnosticCode:
    code: str
    level: str                          # info | warning | error: the usual severity
    en: str
    zh: str
    levels: tuple[str, ...] = ()        # every severity it is raised with (default: level only)

    @property
    def severities(self) -> tuple[str, ...]:
        return self.levels or (self.level,)


def _c(code: str, level: str, en: str, zh: str, levels: tuple[str, ...] = ()) -> DiagnosticCode:
    return DiagnosticCode(code, level, en, zh, levels)


_ALL = [
    # ------------------------------------------------------------------ 01 intake and cleaning
    _c("missing_tokens", "info", "Cells set missing because of their text (empty, NA, (跳过), …).",
       "因文本（空白、NA、(跳过) 等）被设为缺失的单元格。"),
    _c("nonnumber_text", "warning", "Cells holding the text NaN or inf in an answer column were set missing.",
       "答案列中写有 NaN 或 inf 文本的单元格已设为缺失。"),
    _c("negative_duration", "warning", "Negative completion times were set missing.", "负的答题时长已设为缺失。"),
    _c("long_header", "warning", "A column header is very long; give it a short name with data.rename.",
       "列标题过长，请用 data.rename 改为短名。"),
    _c("out_of_range", "warning", "Answers outside the scale were set missing.", "超出量表范围的答案已设为缺失。"),
    _c("missing_codes_found", "info", "Cells holding a missing code (missing_codes) were set missing.",
       "含缺失代码（missing_codes）的单元格已设为缺失。"),
    _c("all_items_missing", "info", "Respondents who answered no item.", "未回答任何题项的受访者。"),
    _c("high_exclusion", "warning", "Cleaning excluded a large share of the respondents.", "清洗排除了较大比例的受访者。"),
    _c("high_missing_item", "warning", "An item is missing for many respondents.", "某题项缺失率较高。"),
    _c("mcar_rejected", "warning", "Little's test rejects that answers are missing completely at random.",
       "Little 检验拒绝了数据完全随机缺失（MCAR）的假设。"),
    _c("small_sample", "warning", "Few respondents remain after cleaning for the planned analyses.",
       "清洗后样本量对计划的分析而言偏少。"),
    _c("straightlining_block", "info", "Respondents who gave the same answer to every item of a construct.",
       "在某构念全部题项上给出相同答案的受访者。"),
    _c("item_few_answers", "warning", "An item was answered by few respondents.", "某题项的作答人数很少。"),
    _c("bootstrap_few", "warning", "Fewer bootstrap resamples than recommended (1000).", "自助法重抽样次数少于建议值（1000）。"),
    _c("too_few_respondents", "error", "Too few respondents for the model: the analysis cannot run.",
       "受访者太少，无法估计模型。"),
    _c("recommend_no_answers", "error", "The recommend (NPS) column has no answers.", "推荐意愿（NPS）列没有任何答案。"),
    _c("item_too_few_answers", "error", "An item has too few answers to be analysed.", "某题项的答案太少，无法分析。"),
    _c("item_zero_variance", "error", "An item has the same answer from everyone (no variance).", "某题项所有人答案相同（方差为零）。"),
    _c("too_few_complete", "error", "Too few respondents answered every item for a listwise analysis.",
       "回答了全部题项的受访者太少，无法做列表删除分析。"),
    _c("items_collinear", "error", "An item is an exact linear function of others (singular correlations).",
       "某题项是其他题项的精确线性组合（相关矩阵奇异）。"),
    # ------------------------------------------------------------------ 02 descriptives and waves
    _c("construct_score_missing", "info", "Respondents without a construct score (too few items answered).",
       "因作答题项不足而没有构念得分的受访者。"),
    _c("group_single_level", "info", "A grouping column has one level only: no group comparison.",
       "分组变量只有一个水平，不做组间比较。"),
    _c("group_small_level", "warning", "A group level has few respondents.", "某组别的受访者很少。"),
    _c("group_test_undefined", "warning", "A group test cannot be computed (e.g. no variance in a group).",
       "某组间检验无法计算（如组内无方差）。"),
    _c("chisq_small_expected", "warning", "Chi-square test with small expected counts (< 5).", "卡方检验的期望频数偏小（< 5）。"),
    _c("nps_column_missing", "warning", "The recommend column is not in the analysis data: no NPS.",
       "分析数据中没有推荐意愿列，不计算 NPS。"),
    _c("missing_glyph", "warning", "A character in a chart has no glyph in the chart fonts.", "图中某字符在字体中没有字形。"),
    _c("small_wave", "warning", "A wave has few respondents for a construct index.", "某期某构念指数的样本量很少。"),
    _c("weights_deff", "warning", "Weighting inflates the variance strongly (large design effect).",
       "加权使方差明显增大（设计效应大）。"),
    _c("weights_extreme", "warning", "Some weights are extreme.", "部分权重极端。"),
    _c("weights_margins", "error", "Raking did not reach the target margins.", "迭代加权未达到目标边际分布。"),
    # ------------------------------------------------------------------ 03 reliability and validity
    _c("cfa_failed", "error", "The measurement model (CFA) could not be fitted.", "测量模型（CFA）无法拟合。"),
    _c("too_few_items", "info", "A single-item construct: reliability does not apply.", "单题项构念：信度不适用。"),
    _c("zero_variance_item", "warning", "An item without variance was left out of its construct's reliability.",
       "无方差的题项未计入其构念的信度。"),
    _c("low_alpha", "warning", "Cronbach's alpha below the threshold.", "Cronbach's α 低于阈值。"),
    _c("low_cr", "warning", "Composite reliability below the threshold.", "组合信度（CR）低于阈值。"),
    _c("low_ave", "warning", "Average variance extracted below the threshold.", "平均方差抽取量（AVE）低于阈值。"),
    _c("weak_loading", "warning", "A standardized loading below the threshold.", "标准化载荷低于阈值。"),
    _c("negative_item_total", "warning", "An item correlates negatively with the rest of its scale (not recoded?).",
       "某题项与量表其余题项负相关（是否漏了反向计分？）。"),
    _c("htmt", "warning", "HTMT at or above the threshold: two constructs may not be distinct.",
       "HTMT 达到或超过阈值：两个构念可能不可区分。"),
    _c("fornell_larcker", "warning", "Fornell–Larcker criterion fails: √AVE below a latent correlation.",
       "Fornell–Larcker 准则不满足：√AVE 低于某潜变量相关。"),
    _c("discriminant_validity", "warning", "Failed discriminant validity, carried into the structural model.",
       "区分效度不足，结构模型中予以提示。", ("info", "warning", "error")),
    # ------------------------------------------------------------------ 04 factor analysis
    _c("low_kmo", "warning", "KMO below .60: the items share too little for factor analysis.",
       "KMO 低于 .60：题项共同性不足，不宜做因子分析。"),
    _c("low_msa", "warning", "An item's MSA below .50.", "某题项的 MSA 低于 .50。"),
    _c("bartlett_ns", "warning", "Bartlett's test not significant: correlations may be an identity matrix.",
       "Bartlett 检验不显著：相关矩阵可能为单位矩阵。"),
    _c("n_factors_differs", "info", "The number of factors chosen differs from the number of constructs.",
       "所选因子数与构念数不同。"),
    _c("n_factors_zero", "warning", "Parallel analysis retains no factor.", "平行分析未保留任何因子。"),
    _c("efa_nonconvergence", "warning", "The EFA extraction did not converge.", "探索性因子分析未收敛。",
       ("warning", "error")),
    _c("efa_heywood", "warning", "An EFA communality at or above 1 (Heywood case).", "探索性因子分析的共同度 ≥ 1（Heywood 个案）。"),
    _c("efa_negative_df", "warning", "More factors than the items allow (negative degrees of freedom).",
       "因子数超过题项允许的数目（自由度为负）。"),
    _c("efa_mismatch", "warning", "An item loads mainly on another construct's factor.", "某题项主要载荷在其他构念的因子上。",
       ("info", "warning")),
    _c("cross_loading", "warning", "An item loads |.30| or more on a second factor.", "某题项在第二个因子上的载荷 ≥ |.30|。"),
    _c("invariance_failed", "error", "The measurement-invariance models could not be fitted.", "测量不变性模型无法拟合。"),
    _c("noninvariance", "warning", "A step of measurement invariance does not hold (ΔCFI/ΔRMSEA).",
       "某一步测量不变性不成立（ΔCFI/ΔRMSEA）。"),
    # ------------------------------------------------------------------ CFA / SEM (csat.sem, csat.sem.effects)
    _c("nonconvergence", "error", "The model did not converge: its estimates are not trustworthy.", "模型未收敛：估计值不可信。"),
    _c("heywood", "error", "A negative variance estimate (Heywood case).", "方差估计为负（Heywood 个案）。"),
    _c("std_gt_1", "error", "A standardized coefficient greater than 1 in absolute value.", "标准化系数的绝对值大于 1。"),
    _c("latent_not_pd", "error", "The latent covariance matrix is not positive definite.", "潜变量协方差矩阵非正定。"),
    _c("ill_conditioned", "warning", "The information matrix is nearly singular: standard errors may be unreliable.",
       "信息矩阵接近奇异：标准误可能不可靠。"),
    _c("r2_near_1", "warning", "An R² near 1.", "某 R² 接近 1。"),
    _c("poor_fit", "warning", "A fit measure (CFI, TLI, RMSEA or SRMR) indicates poor fit.", "某拟合指标（CFI、TLI、RMSEA 或 SRMR）显示拟合差。"),
    _c("acceptable_fit", "info", "A fit measure is acceptable but not good.", "某拟合指标可接受但未达良好。"),
    _c("no_structural_part", "info", "The model has no structural part: the measurement model is reported.",
       "模型没有结构部分：报告测量模型。"),
    _c("bootstrap_failed", "warning", "Some bootstrap resamples failed.", "部分自助法重抽样失败。"),
    _c("bootstrap_inadmissible", "warning", "Some bootstrap resamples gave inadmissible solutions.", "部分自助法重抽样得到不可接受解。"),
    _c("bootstrap_too_few", "error", "Too few successful bootstrap resamples for intervals.", "成功的自助法重抽样太少，无法给出区间。"),
    _c("ipma_unavailable", "info", "No importance–performance map (no target or no path to it).", "无法给出重要性–表现图（无目标构念或无路径）。"),
    # ------------------------------------------------------------------ PLS (csat.sem.pls)
    _c("pls_not_converged", "error", "The PLS algorithm did not converge.", "PLS 算法未收敛。"),
    _c("pls_bootstrap_failed", "warning", "Some PLS bootstrap resamples failed.", "部分 PLS 自助法重抽样失败。"),
    _c("pls_bootstrap_too_few", "error", "Too few successful PLS bootstrap resamples.", "成功的 PLS 自助法重抽样太少。"),
    _c("pls_collinearity", "warning", "High VIF in a PLS block or the inner model.", "PLS 区块或内模型的 VIF 偏高。"),
    _c("pls_convergent_validity", "warning", "PLS convergent validity (AVE) below .50.", "PLS 收敛效度（AVE）低于 .50。"),
    _c("pls_htmt", "warning", "PLS HTMT at or above the threshold.", "PLS 的 HTMT 达到或超过阈值。"),
    _c("pls_negative_weight", "warning", "A negative outer weight in a formative block.", "形成性区块中出现负的外部权重。"),
    _c("pls_reliability", "warning", "PLS reliability (alpha, rhoA or rhoC) below the threshold.", "PLS 信度（α、rhoA 或 rhoC）低于阈值。"),
    # ------------------------------------------------------------------ 06 drivers, segments, Kano, SERVQUAL
    _c("driver_bootstrap", "info", "Note on the LMG bootstrap of the driver analysis.", "关键驱动分析 LMG 自助法的说明。"),
    _c("driver_suppressor", "warning", "A driver's beta and correlation have opposite signs (suppression).",
       "某驱动因素的 β 与相关系数符号相反（抑制效应）。"),
    _c("driver_vif", "warning", "High VIF among the drivers (collinearity).", "驱动因素间 VIF 偏高（共线性）。"),
    _c("segments_weak", "warning", "The segments are weakly separated (low silhouette).", "细分区分度弱（轮廓系数低）。"),
    _c("segments_small_expected", "info", "Group × segment test with small expected counts.", "组别 × 细分检验的期望频数偏小。"),
    _c("kano_close", "info", "Two Kano categories are nearly tied for a feature.", "某功能的两个 Kano 类别几乎持平。"),
    _c("kano_empty", "warning", "A Kano feature has no valid answer pairs.", "某 Kano 功能没有有效的答案对。"),
    _c("kano_questionable", "warning", "Many questionable Kano answer pairs.", "可疑的 Kano 答案对较多。"),
    _c("kano_invalid_answers", "warning", "Kano answers outside 1–5 were set missing.", "超出 1–5 的 Kano 答案已设为缺失。"),
    _c("servqual_invalid_answers", "warning", "SERVQUAL answers outside the scale were set missing.", "超出量表的 SERVQUAL 答案已设为缺失。"),
    _c("servqual_small_n", "warning", "A SERVQUAL dimension has few complete answer pairs.", "某 SERVQUAL 维度的完整答案对很少。"),
]

#: code -> :class:`DiagnosticCode`, in the order of the pipeline.
CODES: dict[str, DiagnosticCode] = {c.code: c for c in _ALL}
assert len(CODES) == len(_ALL), "a diagnostic code is registered twice"


def is_registered(code: str) -> bool:
    """Whether ``code`` is in the registry."""
    return code in CODES


def markdown_table() -> str:
    """The registry as a Markdown table (``docs/diagnostics.md`` holds it)."""
    rows = ["| code | level | meaning | 含义 |", "| --- | --- | --- | --- |"]
    for c in CODES.values():
        lv = c.level if not c.levels else " / ".join(c.levels)
        rows.append(f"| `{c.code}` | {lv} | {c.en} | {c.zh} |")
    return "\n".join(rows) + "\n"
