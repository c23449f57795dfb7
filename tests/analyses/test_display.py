"""csat.analyses.display: a results table as the reader sees it (Stage.table shows every table through it)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from csat.analyses.display import cell_name, display_table, format_number, header_name, percent, yes_no
from csat.config.params import validate_params

P = validate_params({
    "study": "s", "data": {"path": "x.csv"}, "language": "zh", "groups": ["gender", "region"],
    "constructs": {"SAT": {"items": ["s1", "s2"]}},
    "column_labels": {"gender": {"en": "Gender", "zh": "性别"}, "region": {"en": "Region", "zh": "地区"}},
    "value_labels": {"gender": {"female": {"en": "Female", "zh": "女性"}, "male": {"en": "Male", "zh": "男性"}},
                     "region": {"N": {"en": "North", "zh": "北区"}, "S": {"en": "South", "zh": "南区"}}},
    "kano": {"app": {"functional": "a_f", "dysfunctional": "a_d", "label_zh": "手机应用", "label": "App"}},
    "servqual": {"reliability": {"expectation": ["r_e"], "perception": ["r_p"], "label_zh": "可靠性"}}})


def test_numbers_without_program_speak():
    assert format_number(-0.004, 2) == "0.00"              # rounds to zero: no sign
    assert format_number(-0.006, 2) == "-0.01"
    assert format_number(365.0, 3, whole=True) == "365" and format_number(365.5, 3, whole=True) == "365.500"
    assert format_number(np.int64(12)) == "12" and format_number(pd.NA) == "" and format_number(np.nan) == ""
    assert percent(0.5217) == "52%" and percent(0.4783, 1) == "47.8%"
    assert yes_no(True, "zh") == "是" and yes_no(np.False_, "en") == "no"


def test_headers_and_cells_in_the_language():
    assert header_name("p.holm", "en") == "p.holm"         # English keeps the results' names
    assert header_name("df", "zh") == "自由度" and header_name("df", "zh-Hant") == "自由度"
    assert header_name("IMAG", "zh") == "IMAG"
    assert cell_name("welch_t", "zh") == "Welch t 检验" and cell_name("welch_t", "en") == "Welch t test"
    assert cell_name("good", "zh") == "良好" and cell_name("kmeans", "zh") == "K 均值聚类"


def test_exclusion_flow_has_no_na_and_no_true():
    flow = pd.DataFrame({"step": ["raw", "speeders", "analysed"], "excluded": pd.array([pd.NA, 12, pd.NA], "Int64"),
                         "remaining": [600, 588, 588], "active": [True, True, True], "note": [None, None, None]})
    for lang in ("en", "zh"):
        shown = display_table(flow, lang)
        text = shown.to_html()
        assert "<NA>" not in text and "True" not in text and "nan" not in text and "None" not in text
        assert shown.shape[1] == 4                          # the empty note column is left out
    assert list(display_table(flow, "zh").columns) == ["步骤", "剔除人数", "剩余人数", "是否启用"]
    assert display_table(flow, "zh").iloc[:, 3].tolist() == ["是"] * 3
    assert display_table(flow, "en")["excluded"].tolist() == ["", "12", ""]


def test_whole_numbers_and_negative_zero():
    t = pd.DataFrame({"item": ["a", "b"], "skew": [-0.0001, 0.25], "df": [365.0, 520.439], "n": [546.0, 540.0],
                      "mean": [5.0, 6.0], "p": [1.0, 1.0]})
    shown = display_table(t, "en", digits=2)
    assert shown["skew"].tolist() == ["0.00", "0.25"]
    assert shown["df"].tolist() == ["365", "520.44"]       # a df is whole when it is whole
    assert shown["n"].tolist() == ["546", "540"]
    assert shown["mean"].tolist() == ["5", "6"]            # a column of whole numbers > 1
    assert shown["p"].tolist() == ["1.00", "1.00"]         # probabilities keep their decimals


def test_group_levels_features_and_dimensions_by_their_labels():
    profile = pd.DataFrame({"variable": ["gender", "gender", "region"], "level": ["female", "male", "N"],
                            "n": [300, 246, 546], "share": [0.549, 0.451, 1.0]})
    shown = display_table(profile, "zh", names=P)
    assert shown.to_dict("list") == {"变量": ["性别", "性别", "地区"], "类别": ["女性", "男性", "北区"],
                                     "样本量": ["300", "246", "546"], "占比": ["54.9%", "45.1%", "100.0%"]}
    tests = pd.DataFrame({"construct": ["SAT", "SAT"], "group": ["gender", "gender x region"],
                          "test": ["welch_t", "chi_square"], "levels": ["female | male", None], "df": [520.4, 1.0]})
    shown = display_table(tests, "zh", names=P)
    assert shown["分组变量"].tolist() == ["性别", "性别 × 地区"]
    assert shown["比较的类别"].tolist() == ["女性 | 男性", ""] and shown["检验方法"].tolist() == ["Welch t 检验", "卡方检验"]
    en = display_table(tests, "en", names=P)
    assert en["group"].tolist() == ["Gender", "Gender × Region"] and en["levels"][0] == "Female | Male"
    posthoc = pd.DataFrame({"construct": ["SAT"], "group": ["region"], "A": ["N"], "B": ["S"], "mean.A": [5.0],
                            "mean.B": [6.5]})
    assert display_table(posthoc, "zh", names=P)[["类别 A", "类别 B"]].iloc[0].tolist() == ["北区", "南区"]
    kano = pd.DataFrame({"feature": ["app"], "n": [500], "A": [300], "O": [100], "M": [50], "I": [40], "R": [5],
                         "Q": [5], "category": ["A"], "better": [0.8], "worse": [-0.3]})
    shown = display_table(kano, "zh", names=P)
    assert shown.iloc[0, 0] == "手机应用" and "魅力属性" in "".join(shown.columns) + "".join(shown.iloc[0])
    gaps = pd.DataFrame({"dimension": ["reliability"], "level": ["dimension"], "expectation": ["r_e"],
                         "perception": ["r_p"], "gap": [-0.93]})
    shown = display_table(gaps, "zh", names=P)
    assert shown.iloc[0, :2].tolist() == ["可靠性", "维度"] and list(shown.columns)[:2] == ["服务维度", "层级"]


def test_bilingual_columns_show_one_language():
    t = pd.DataFrame({"label": ["Quality"], "quadrant_en": ["Keep up"], "quadrant_zh": ["继续保持"]})
    assert display_table(t, "zh").columns.tolist() == ["名称", "象限"]
    assert display_table(t, "zh-Hant").iloc[0, 1] == "繼續保持"
    assert display_table(t, "en").to_dict("list") == {"label": ["Quality"], "quadrant": ["Keep up"]}


def test_the_frame_itself_is_not_changed():
    t = pd.DataFrame({"group": ["gender"], "level": ["female"], "active": [True], "bic": [np.nan]})
    before = t.copy()
    display_table(t, "zh", names=P)
    pd.testing.assert_frame_equal(t, before)


def test_counts_in_a_long_fit_table_are_whole():
    fit = pd.DataFrame({"measure": ["chisq", "df", "pvalue", "ntotal", "cfi"], "value": [401.25, 309.0, 0.0004, 250.0, 0.95]})
    assert display_table(fit, "en")["value"].tolist() == ["401.250", "309", "0.000", "250", "0.950"]
    assert display_table(fit, "zh").iloc[:, 0].tolist() == ["χ²", "自由度", "p 值", "样本量", "CFI"]
