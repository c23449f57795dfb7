"""csat.analyses.drivers and csat.viz.drivers: what 06_drivers_segments shows besides the statistics —
the study's tables, the paragraphs and captions in the study's language (catalog ``zh/06_drivers.po``),
the answers read from the raw file with their diagnostics, and the figures."""
from __future__ import annotations

import json
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest

from csat.analyses import drivers as A
from csat.config.params import validate_params
from csat.core.diagnostics import Diagnostic

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _no_font_warnings():
    """The figures' Chinese labels need the CJK font the notebook sets up; the tests read the texts only."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        yield
    import matplotlib.pyplot as plt

    plt.close("all")


DRIVERS = pd.DataFrame({"predictor": ["QUAL", "VAL"], "beta": [0.4, 0.2], "lmg": [0.25, 0.15],
                        "lmg.ci.lower": [0.2, 0.1], "lmg.ci.upper": [0.3, 0.2], "lmg.share": [0.625, 0.375],
                        "relative_weight": [0.26, 0.14]})
DRIVERS_INFO = {"target": "SAT", "r2": 0.4, "n": 300}
LABELS = {"SAT": "Satisfaction", "QUAL": "Quality"}
PROFILE = pd.DataFrame({"segment": [1, 1, 2, 2], "construct": ["QUAL", "SAT", "QUAL", "SAT"], "n": [60, 60, 40, 40],
                        "share": [0.6, 0.6, 0.4, 0.4], "mean": [8.0, 7.5, 5.0, 6.0], "sd": [1.0] * 4,
                        "z": [0.5, 0.3, -0.7, -0.4], "index": [77.8, 72.2, 44.4, 55.6]})
KANO = pd.DataFrame({"feature": ["app", "delivery"], "category": ["A", "M"], "better": [0.6, 0.2],
                     "worse": [-0.1, -0.7]})
GAPS = pd.DataFrame({"dimension": ["tangibles", "reliability", "tangibles"], "level": ["dimension", "dimension", "item"],
                     "perception": ["", "", "t1_p"], "gap": [0.14, -0.93, 0.2], "ratio": [1.02, 0.88, 1.03],
                     "p.holm": [0.2, 0.001, 0.3], "ci.lower": [0.0, -1.1, 0.1], "ci.upper": [0.3, -0.8, 0.3]})


# -- the parts of the stage ---------------------------------------------------------------------
def test_a_part_not_in_the_params_says_so_and_leaves_no_results(tmp_path):
    assert A.not_set_text("drivers") == "Not part of this study: a key-driver analysis."
    assert A.not_set_text("servqual", "zh") == "本研究不包括：SERVQUAL 差距分析。"
    (tmp_path / "kano.csv").write_text("x\n", encoding="utf-8")
    (tmp_path / "gaps.csv").write_text("x\n", encoding="utf-8")
    assert A.remove_results(tmp_path, "kano") == [tmp_path / "kano.csv"]
    assert not (tmp_path / "kano.csv").exists() and (tmp_path / "gaps.csv").exists()
    A.remove_results(tmp_path, "segments")                       # files that are not there: nothing to do
    assert set(A.PARTS) == {"drivers", "segments", "kano", "servqual", "open_ended"}


def test_a_character_the_fonts_cannot_draw_is_a_diagnostic_in_both_languages():
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.set_title("ok \U00013000")                               # an Egyptian hieroglyph: no chart font has it
    found = A.glyph_diagnostics(fig)
    assert [(d.code, d.severity, d.where) for d in found] == [("missing_glyph", "warning", "ok \U00013000")]
    assert found[0].message == "The character '\U00013000' has no glyph in the chart fonts."
    assert found[0].message_zh == "字符 '\U00013000' 在图表字体中没有字形。"
    ax.set_title("fine")
    assert A.glyph_diagnostics(fig) == []


# -- survey weights -----------------------------------------------------------------------------
def test_survey_weights_follow_the_clean_rows_and_fail_clearly(tmp_path):
    data = pd.DataFrame({"row": [3, 1]})
    f = tmp_path / "weights.csv"
    with pytest.raises(FileNotFoundError, match="run 02_descriptives for study 'demo' first"):
        A.survey_weights(data, f, "demo")
    pd.DataFrame({"row": [1, 2, 3], "weight": [0.5, 1.0, 2.0]}).to_csv(f, index=False)
    assert A.survey_weights(data, f, "demo").tolist() == [2.0, 0.5]
    with pytest.raises(ValueError, match="no weight for 1 analysed respondents"):
        A.survey_weights(pd.DataFrame({"row": [1, 9]}), f, "demo")


def test_the_weights_tables_and_sentence(tmp_path):
    info = {"source": "rake", "n": 546, "sum": 546.0, "min": 0.6, "max": 1.8, "cv": 0.3, "kish_neff": 502.4,
            "deff": 1.087, "margins": [{"variable": "gender", "level": "f", "target": 0.5}]}
    (tmp_path / "weights.json").write_text(json.dumps(info), encoding="utf-8")
    assert A.read_weights_info(tmp_path / "weights.json") == info
    assert A.weights_summary(info).columns.tolist() == ["source", "n", "sum", "min", "max", "cv", "kish_neff", "deff"]
    assert A.raking_margins(info)["variable"].tolist() == ["gender"]
    assert A.raking_margins({**info, "margins": []}) is None
    assert A.weighted_indices(tmp_path / "weighted_estimates.csv") is None
    pd.DataFrame({"what": ["item", "index", "nps"], "name": ["q1", "SAT", "nps"]}).to_csv(
        tmp_path / "weighted_estimates.csv", index=False)
    assert A.weighted_indices(tmp_path / "weighted_estimates.csv")["name"].tolist() == ["SAT", "nps"]
    assert A.weights_text(info, "zh") == "权重（迭代比例加权）使有效样本量为 502（共 546 人，设计效应 1.09）。"


# -- key drivers --------------------------------------------------------------------------------
def test_the_key_driver_caption_table_and_text():
    assert A.with_labels(DRIVERS, "predictor", LABELS)["predictor"].tolist() == ["Quality", "VAL"]
    assert DRIVERS["predictor"].tolist() == ["QUAL", "VAL"]                     # the table itself is left alone
    assert A.drivers_caption("SAT", DRIVERS_INFO, LABELS, "zh") == "Satisfaction的关键驱动因素（R² = 0.400，n = 300）"
    assert A.drivers_text(DRIVERS, DRIVERS_INFO, LABELS) == (
        "The 2 drivers explain R² = 0.400 of Satisfaction (n = 300). By the LMG decomposition the most important "
        "driver is Quality: 0.250 of R² (62%, 95% bootstrap interval 0.200 to 0.300).")
    assert A.drivers_text(DRIVERS, DRIVERS_INFO, {"SAT": "满意度", "QUAL": "感知质量"}, "zh") == (
        "以满意度为目标，2 个驱动因素共解释 R² = 0.400（n = 300）。LMG 分解中最重要的是感知质量：0.250"
        "（占 R² 的 62%，95% 自助区间 0.200–0.300）。")


# -- segments -----------------------------------------------------------------------------------
def test_the_segment_tables():
    seg = pd.Series([1.0, np.nan, 2.0])
    member = A.segment_membership(pd.DataFrame({"row": [4, 5, 6]}), seg)
    assert member["row"].tolist() == [4, 5, 6] and member["segment"].isna().tolist() == [False, True, False]
    wide = A.profile_table(PROFILE, ["SAT", "QUAL"], LABELS, bounded=True)
    assert wide.columns.tolist() == ["segment", "n", "share", "Satisfaction", "Quality"]
    assert wide["Quality"].tolist() == [77.8, 44.4] and wide["share"].tolist() == ["60%", "40%"]
    assert A.profile_table(PROFILE, ["QUAL"], bounded=False)["QUAL"].tolist() == [8.0, 5.0]
    assert A.profile_caption(True) == "Segment sizes and 0–100 indices of each construct"
    assert A.profile_caption(False, "zh") == "各细分的规模与维度均值"
    assert A.weighted_note(True, "zh") == "占比为加权比例" and A.weighted_note(False) is None
    cross = pd.DataFrame({"group": ["gender"] * 4, "level": ["f", "f", "m", "m"], "segment": [1, 2, 1, 2],
                          "share": [0.5, 0.6, 0.5, 0.4]})
    shares = A.group_shares(cross, "zh")
    assert shares.columns.tolist() == ["group", "level", "细分 1", "细分 2"]
    assert shares["细分 2"].tolist() == ["60%", "40%"]                 # one rounding, as the legend and the text
    assert A.group_shares(cross).columns.tolist()[2:] == ["segment 1", "segment 2"]


@pytest.mark.parametrize("language, criterion, auto, expected", [
    ("en", "silhouette", True,
     "k-means clustering gives 2 segments (by the largest mean silhouette over k = 2–8; n = 100): segment 1 (60%) is "
     "highest on Quality (z = 0.50) and lowest on Satisfaction (z = 0.30); segment 2 (40%) is highest on Satisfaction "
     "(z = -0.40) and lowest on Quality (z = -0.70)."),
    ("en", "bic", False,
     "k-means clustering gives 2 segments (as set in the params; n = 100): segment 1 (60%) is highest on Quality "
     "(z = 0.50) and lowest on Satisfaction (z = 0.30); segment 2 (40%) is highest on Satisfaction (z = -0.40) and "
     "lowest on Quality (z = -0.70)."),
    ("zh", "bic", True,
     "K 均值聚类得到 2 个细分群体（按 k = 2–8 中 BIC 最小选取，n = 100）：细分 1（60%）Quality最高（z = 0.50），"
     "Satisfaction最低（z = 0.30）；细分 2（40%）Satisfaction最高（z = -0.40），Quality最低（z = -0.70）。"),
])
def test_the_segments_paragraph(language, criterion, auto, expected):
    info = {"method": "kmeans", "k": 2, "n": 100, "criterion": criterion, "k_auto": auto}
    assert A.segments_text(PROFILE, info, LABELS, language) == expected


# -- Kano and SERVQUAL --------------------------------------------------------------------------
def test_the_kano_paragraph_names_the_categories_in_the_study_language():
    assert A.kano_text(KANO) == "app: attractive (Better 0.60, Worse -0.10); delivery: must-be (Better 0.20, Worse -0.70)."
    assert A.kano_text(KANO, "zh", {"app": "应用"}) == \
        "应用：魅力属性（满意系数 0.60，不满意系数 -0.10）；delivery：必备属性（满意系数 0.20，不满意系数 -0.70）。"
    assert A.kano_text(KANO, "zh-Hant") == \
        "app：魅力屬性（滿意係數 0.60，不滿意係數 -0.10）；delivery：必備屬性（滿意係數 0.20，不滿意係數 -0.70）。"
    assert [A.kano_category_name(c, "zh") for c in "AOMIRQ"] == \
        ["魅力属性", "期望属性", "必备属性", "无差异属性", "反向属性", "可疑结果"]
    assert A.kano_text(KANO.iloc[:0]) == "."


def test_a_feature_without_valid_answers_has_no_category_and_no_clause():
    from csat.stats.kano import kano_table

    d = pd.DataFrame({"f": [1, 1, 2], "d": [5, 3, 5], "g": [np.nan] * 3, "h": [np.nan] * 3})
    table = kano_table(d, {"app": {"functional": "f", "dysfunctional": "d"},
                           "wifi": {"functional": "g", "dysfunctional": "h"}})
    assert table["category"].isna().tolist() == [False, True]
    assert A.kano_text(table) == "app: must-be (Better 0.67, Worse -0.67)."


def test_the_gaps_paragraph_calls_a_gap_significant_after_holm():
    assert A.gaps_text(GAPS) == ("Perception minus expectation by dimension, largest shortfall first: reliability -0.93 "
                                 "(P/E = 0.88; significant after Holm); tangibles +0.14 (P/E = 1.02; not significant "
                                 "after Holm).")
    assert A.gaps_text(GAPS, "zh", alpha=0.5) == ("各维度感知减期望的差距（从最大不足到最小）：reliability 差距 -0.93"
                                                  "（P/E = 0.88，显著）；tangibles 差距 +0.14（P/E = 1.02，显著）。")


def _study(tmp_path, **extra):
    (tmp_path / "params").mkdir()
    (tmp_path / "d.csv").write_text("q1,kf,kd,e1,p1\n1,1,5,7,8\n2,9,x,11,99\n3,2,3,3,two\n", encoding="utf-8")
    p = validate_params({"study": "s", "data": {"path": "d.csv"}, "scale": {"min": 1, "max": 10},
                         "missing_codes": [99], "labels": {"two": 2},
                         "constructs": {"Q": {"items": ["q1"]}}, **extra})
    return p, tmp_path / "params" / "s.yaml", pd.DataFrame({"row": [1, 2, 3], "q1": [1.0, 2.0, 3.0]})


def test_the_kano_answers_are_codes_1_to_5_and_the_others_a_warning(tmp_path):
    p, f, data = _study(tmp_path, kano={"app": {"functional": "kf", "dysfunctional": "kd"}})
    answers, diags = A.kano_answers(p, f, data, root=tmp_path)
    assert answers["kf"].tolist()[::2] == [1.0, 2.0] and np.isnan(answers["kf"].iloc[1])
    assert answers["kd"].tolist()[::2] == [5.0, 3.0]
    assert [(d.code, d.where) for d in diags] == [("kano_invalid_answers", "kf"), ("kano_invalid_answers", "kd")]
    assert isinstance(diags[0], Diagnostic)
    assert diags[0].message == "1 answers are not one of the codes 1-5 (or a 'labels' text) and were set missing."
    assert diags[0].message_zh == "1 个答案不是 1-5 中的代码（也不是 labels 中的文本），已设为缺失。"
    assert A.kano_features(p) == {"app": {"functional": "kf", "dysfunctional": "kd"}}


def test_the_servqual_answers_are_on_the_scale_and_the_others_a_warning(tmp_path):
    p, f, data = _study(tmp_path, servqual={"rel": {"expectation": ["e1"], "perception": ["p1"]}})
    answers, diags = A.servqual_answers(p, f, data, root=tmp_path)
    assert answers["e1"].tolist()[::2] == [7.0, 3.0] and np.isnan(answers["e1"].iloc[1])
    assert answers["p1"].tolist()[::2] == [8.0, 2.0] and np.isnan(answers["p1"].iloc[1])   # 99: a missing code
    assert [(d.code, d.where) for d in diags] == [("servqual_invalid_answers", "e1")]
    assert diags[0].message == "1 answers are outside the scale 1-10 (or unmapped text) and were set missing."
    assert diags[0].message_zh == "1 个答案超出量表范围 1-10（或为无法对应的文本），已设为缺失。"
    assert A.servqual_dimensions(p) == {"rel": {"expectation": ["e1"], "perception": ["p1"]}}


# -- figures (csat.viz.drivers) -----------------------------------------------------------------
def _texts(fig):
    ax = fig.axes[0]
    legend = ax.get_legend()
    return {"x": ax.get_xlabel(), "y": ax.get_ylabel(), "yticks": [t.get_text() for t in ax.get_yticklabels()],
            "legend": [t.get_text() for t in legend.get_texts()] if legend else []}


def test_the_figures_are_labelled_in_the_study_language():
    from csat.viz import drivers as V

    assert _texts(V.plot_drivers(DRIVERS, LABELS)) == {"x": "share of R²", "y": "", "yticks": ["VAL", "Quality"],
                                                       "legend": ["relative weight", "LMG"]}
    assert _texts(V.plot_drivers(DRIVERS, LABELS, "zh"))["x"] == "R² 分解"
    zh = _texts(V.plot_profile(PROFILE, LABELS, "zh"))
    assert zh["y"] == "均值（标准分）" and zh["legend"] == ["细分 1 (60%)", "细分 2 (40%)"]
    assert _texts(V.plot_profile(PROFILE, LABELS))["legend"] == ["segment 1 (60%)", "segment 2 (40%)"]
    kano = _texts(V.plot_better_worse(KANO, language="zh"))
    assert (kano["x"], kano["y"]) == ("|不满意系数|（缺失时的不满）", "满意系数（具备时的满意）")
    assert _texts(V.plot_better_worse(KANO))["x"] == "|Worse| (dissatisfaction if absent)"
    gaps = _texts(V.plot_gaps(GAPS, "zh"))
    assert gaps["x"] == "差距 = 感知 − 期望" and gaps["yticks"] == ["tangibles：t1_p"]
    assert _texts(V.plot_gaps(GAPS))["x"] == "gap = perception − expectation"
