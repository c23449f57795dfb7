"""The report's fixed words in English and Chinese: the name of each stage, the headings of the
notebooks in Chinese and the page's labels.

:data:`STAGE_NAMES` is the one table of what the stages are called (keyed by the stage names of
:data:`csat.pipeline.graph.STAGES`, which ``tests/test_report.py`` checks): the heading of its part
of the report (:func:`stage_title`) and how a sentence names it (:func:`stage_phrase`, in the
summary's diagnostics).
"""
from __future__ import annotations

from typing import NamedTuple


class StageName(NamedTuple):
    """What a stage is called, each as ``(English, Chinese)``."""

    title: tuple[str, str]          #: the heading of the stage's part of the report
    phrase: tuple[str, str]         #: the stage named inside a sentence ("Warning (structural model): …")


STAGE_NAMES: dict[str, StageName] = {
    "01_cleaning": StageName(("Data cleaning", "数据清洗"), ("data cleaning", "数据清洗")),
    "02_descriptives": StageName(("Descriptive statistics", "描述性统计"), ("descriptive statistics", "描述性统计")),
    "03_reliability_validity": StageName(("Reliability and validity", "信度与效度"),
                                         ("reliability and validity", "信度与效度")),
    "04_factor_analysis": StageName(("Factor analysis", "因子分析"), ("factor analysis", "因子分析")),
    "05_sem": StageName(("Structural equation model", "结构方程模型"), ("structural model", "结构方程模型")),
    "06_drivers_segments": StageName(("Key drivers, segments, Kano and service gaps",
                                      "关键驱动因素、客户细分、Kano 与服务差距"),
                                     ("drivers and segments", "驱动因素与细分")),
}

#: Chinese for every fixed heading the stage notebooks write (markdown cells and ``stage.markdown``);
#: a ``language: zh`` report shows these instead of the English ones (a test checks that every
#: notebook heading has an entry).
HEADINGS_ZH: dict[str, str] = {
    "Intake": "数据读入",
    "Values outside the scale, missing codes and text answers": "超出量表范围的值、缺失代码与文本答案",
    "Likert items and continuous scores": "李克特题项与连续分数",
    "Exclusion flow": "样本剔除流程",
    "Missing data in the analysed sample": "分析样本中的缺失数据",
    "Little's MCAR test": "Little 完全随机缺失（MCAR）检验",
    "Codebook and processed data": "编码手册与处理后的数据",
    "Results and diagnostics": "结果与诊断",
    "Sample profile": "样本构成",
    "Items": "题项",
    "Answer distributions (Likert chart)": "答案分布（李克特图）",
    "Construct scores and the 0–100 index": "构念得分与 0–100 指数",
    "Net Promoter Score": "净推荐值（NPS）",
    "Group comparisons": "组间比较",
    "Correlations of construct scores": "构念得分的相关",
    "Diagnostics": "诊断",
    "Measurement model (CFA)": "测量模型（验证性因子分析）",
    "Internal consistency": "内部一致性",
    "Items: corrected item–total correlation and alpha if deleted": "题项：校正的题项–总分相关与删除该题项后的 alpha",
    "Discriminant validity": "区分效度",
    "Verdict": "评价结论",
    "Sampling adequacy": "抽样适切性",
    "Number of factors": "因子数量",
    "Factor loadings": "因子载荷",
    "Do the items group as the constructs say?": "题项是否按构念聚合？",
    "Confirmatory factor analysis": "验证性因子分析",
    "Estimates": "参数估计",
    "Where does the model misfit?": "模型哪里拟合不佳？",
    "The model": "模型设定",
    "Fit": "拟合",
    "Estimates and explained variance": "参数估计与解释方差",
    "Direct, indirect and total effects": "直接、间接与总效应",
    "Path diagram": "路径图",
    "Importance–performance map (IPMA)": "重要性–表现矩阵（IPMA）",
    "Interpretation and diagnostics": "解读与诊断",
    "Survey weights": "调查权重",
    "Key drivers of satisfaction": "满意度的关键驱动因素",
    "Customer segments": "客户细分",
    "Kano model": "Kano 模型",
    "Service gaps (SERVQUAL)": "服务差距（SERVQUAL）",
    "PLS path model": "PLS 路径模型",
    "Measurement model: reliability and validity": "测量模型：信度与效度",
    "Structural model: paths, explained variance and effects": "结构模型：路径、解释方差与效应",
    "The 0–100 satisfaction indices": "0–100 满意度指数",
}

WORDS: dict[str, tuple[str, str]] = {
    "kicker": ("Survey analysis report", "问卷调查分析报告"),
    "study": ("Study", "研究"),
    "date": ("Date", "日期"),
    "data_file": ("Data file", "数据文件"),
    "sample": ("Sample size", "样本量"),
    "params_file": ("Parameter file", "参数文件"),
    "overrides": ("Overrides for this run", "本次运行的参数覆盖"),
    "commit": ("Code version (git commit)", "代码版本（git 提交）"),
    "dirty": ("uncommitted changes", "含未提交的修改"),
    "contents": ("Contents", "目录"),
    "provenance": ("Provenance", "溯源信息"),
    "provenance_intro": ("What produced this report: software, code, data and parameters, so that it "
                         "can be checked and reproduced.",
                         "本报告由以下软件、代码、数据和参数生成，可据此核查和复现。"),
    "list_tables": ("Tables", "表格目录"),
    "list_figures": ("Figures", "图片目录"),
    "table": ("Table", "表"),
    "figure": ("Figure", "图"),
    "software": ("Software", "软件"),
    "package": ("Package", "软件包"),
    "locked": ("Pinned (requirements.lock)", "锁定版本（requirements.lock）"),
    "installed": ("Installed", "实际安装"),
    "lock_source": ("Pinned versions from", "锁定版本来源"),
    "code_version": ("Code", "代码"),
    "tree": ("Working tree", "工作区状态"),
    "clean_tree": ("clean (no uncommitted changes)", "干净（无未提交的修改）"),
    "dirty_tree": ("dirty: uncommitted changes to tracked files", "有未提交的修改"),
    "data": ("Data", "数据"),
    "size": ("Size", "大小"),
    "runs": ("Stage runs", "各阶段运行记录"),
    "stage": ("Stage", "阶段"),
    "finished": ("Finished (UTC)", "完成时间（UTC）"),
    "seconds": ("Duration (s)", "耗时（秒）"),
    "built": ("Report built", "报告生成时间"),
    "params": ("Parameter file", "参数文件"),
    "none": ("none", "无"),
    "unknown": ("unknown", "未知"),
    "not_recorded": ("not recorded", "未记录"),
    "not_found": ("file not found", "文件不存在"),
    "kept": ("{n_clean} of {n_raw} responses kept after cleaning", "清洗后保留 {n_clean} 份（原始 {n_raw} 份）"),
    "kept_only": ("{n_clean} responses after cleaning", "清洗后 {n_clean} 份"),
    "summary": ("Executive summary", "摘要"),
    "summary_index": ("Key figures", "核心指标"),
    "summary_drivers": ("What drives it", "驱动因素"),
    "summary_recs": ("Recommendations", "建议"),
    "summary_groups": ("Differences between groups", "组间差异"),
    "summary_quality": ("Data quality and caveats", "数据质量与注意事项"),
    "summary_figure": ("0–100 index of every construct with its 95% confidence interval; ★ the headline index",
                       "各构念的 0–100 指数及其 95% 置信区间；★ 为核心指数"),
    "summary_no_drivers": ("The study has no structural model with a target construct, so no driver ranking or "
                           "priorities are given.", "本研究没有包含目标构念的结构模型，因此不给出驱动因素排序与优先事项。"),
    "drivers_table": ("Drivers of {target}: importance, performance and priority",
                      "{target}的驱动因素：重要性、表现与优先级"),
    "col_driver": ("Driver", "驱动因素"),
    "col_importance": ("Importance (total effect)", "重要性（总效应）"),
    "col_performance": ("Performance (index)", "表现（指数）"),
    "col_quadrant": ("Priority", "优先级"),
    "methods": ("Methods", "研究方法"),
    "methods_survey": ("The survey", "调查概况"),
    "methods_analysis": ("Questionnaire, model and software", "问卷、模型与软件"),
    "appendix": ("Appendix", "附录"),
    "codebook": ("Questionnaire and codebook", "问卷与编码手册"),
    "codebook_intro": ("Every item of the questionnaire with its construct and wording; reverse-keyed items were "
                       "recoded so that a high value is always favourable.",
                       "问卷的全部题项及其所属构念与措辞；反向计分题项已重新编码，使高分始终代表正面评价。"),
    "col_construct": ("Construct", "构念"),
    "col_item": ("Item", "题项"),
    "col_wording": ("Wording", "措辞"),
    "col_reverse": ("Reverse-keyed", "反向计分"),
    "col_mean": ("Mean", "均值"),
    "yes": ("yes", "是"),
    "technical": ("Technical stages", "技术分析各阶段"),
    "print_contents": ("Contents", "目录"),
    "ci95": ("95% CI", "95% 置信区间"),
}


def words(language: str) -> dict[str, str]:
    """:data:`WORDS` in ``language`` (``zh``: Chinese, anything else: English)."""
    i = 1 if language == "zh" else 0
    return {k: v[i] for k, v in WORDS.items()}


def stage_title(stage: str, language: str = "en") -> str:
    """The stage's heading in the report language (``05_sem`` -> "Structural equation model").

    >>> stage_title("05_sem"), stage_title("05_sem", "zh"), stage_title("07_new")
    ('Structural equation model', '结构方程模型', '07_new')
    """
    names = STAGE_NAMES.get(stage)
    en, zh = names.title if names else (stage, stage)
    return zh if language == "zh" else en


def stage_phrase(stage: str) -> tuple[str, str]:
    """How a sentence names the stage, ``(English, Chinese)``; an unknown stage by its own name.

    >>> stage_phrase("05_sem"), stage_phrase("report")
    (('structural model', '结构方程模型'), ('report', 'report'))
    """
    names = STAGE_NAMES.get(stage)
    return names.phrase if names else (stage, stage)
