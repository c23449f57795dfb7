"""csat.analyses.cleaning: what stage 01 shows and writes (tables, sentences, diagnostics), the same
numbers in every language, the texts from the catalog (en, zh, and zh-Hant derived from zh)."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from csat.analyses import cleaning as AC
from csat.config.params import validate_params
from csat.core.errors import DataFactError
from csat.intake.cleaning import RULES, clean, rule_definitions
from csat.intake.itemtypes import item_types
from csat.intake.preflight import load_study
from csat.intake.readers import IntakeReport, load_study_data
from csat.viz.cleaning import RULE_NAMES, plot_flow, rule_name

ITEMS = ["a1", "a2", "a3", "b1", "b2", "b3"]
ALL_OFF = {"drop_duplicates": False, "straightlining": False, "max_missing_share": None,
           "min_duration": None, "speeder_median_ratio": None, "attention_checks": {}}
ALL_ON = {"drop_duplicates": True, "min_duration": 60, "straightlining": True, "attention_checks": {"att": 1},
          "max_missing_share": 0.4}
CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")
NAN = np.nan
V = [[1, 2, 3, 4, 5, 4], [2, 3, 2, 4, 4, 5], [5, 4, 4, 3, 2, 1], [3, 1, 2, 2, 5, 4]]


def P(cleaning=None, *, id_col="id"):
    c = dict(ALL_OFF)
    c.update(cleaning or {})
    return validate_params({
        "study": "t", "data": {"path": "x.csv", "id": id_col, "duration": "dur"},
        "scale": {"min": 1, "max": 5}, "constructs": {"A": {"items": ITEMS[:3]}, "B": {"items": ITEMS[3:]}},
        "groups": ["g"], "cleaning": c})


def frame() -> pd.DataFrame:
    """Nine respondents, one caught by each rule (in the rules' order) and four kept."""
    rows = [V[0], V[0], [3] * 6, [NAN] * 6, V[1], V[2], V[3], [NAN, 1, 2, 3, 4, 5], [1, 1, 1, 2, 2, 2]]
    df = pd.DataFrame(np.array(rows, dtype=float), columns=ITEMS)
    df.insert(0, "id", [1, 1, 2, 3, 4, 5, 6, 7, 8])
    df["g"] = "x"
    df["dur"] = [300, 300, 300, 300, 10, 300, 300, 300, 300]
    df["att"] = [1, 1, 1, 1, 1, 9, 1, 1, 1]
    df.index = pd.Index(np.arange(1, len(df) + 1), name="row")
    return df


@pytest.fixture(scope="module")
def all_on():
    p = P(ALL_ON)
    return clean(frame(), p), p


def report(**kw) -> IntakeReport:
    base = dict(
        path="data/raw/x.xlsx",
        meta={"format": "xlsx", "encoding": None, "sheet": "data", "sha256": "ab" * 32, "n_columns": 12},
        n_rows=9, columns_used=ITEMS + ["id", "g", "dur"], columns_ignored=["note", "ip", "ua"],
        out_of_range=pd.DataFrame({"column": ["a1", "a1", "b2"], "row": [3, 4, 8], "value": [7.0, 0.0, 9.0]}),
        missing_codes_found=pd.DataFrame({"column": ["a1", "b1", "b1"], "code": [99, 99, 98], "n": [2, 1, 1]}),
        labels_applied=pd.DataFrame({"column": ["a2"], "answer": ["非常满意"], "code": [5], "n": [4]}),
        n_all_items_missing=1,
        missing_tokens=pd.DataFrame({"column": ["a1", "b1", "b3"], "token": ["NA", "(跳过)", "NA"], "n": [2, 1, 3]}))
    base.update(kw)
    return IntakeReport(**base)


def _no_english(text: str) -> bool:
    """Chinese text with no English word left (placeholders' values, codes and ``fiml`` aside)."""
    rest = re.sub(r"MCAR|Little|SHA|sem_missing|fiml|top|bottom|box|scale\.continuous|true|att|NA|xlsx", "", text)
    return bool(CJK.search(text)) and not LATIN_WORD.search(rest)


# ---------------------------------------------------------------------------------------------- intake
def test_intake_summary_has_the_same_values_in_every_language():
    r = report()
    en, zh, hant = (AC.intake_summary(r, lang) for lang in ("en", "zh", "zh-Hant"))
    assert en["value"].tolist() == zh["value"].tolist() == hant["value"].tolist()
    got = dict(zip(en["what"], en["value"]))
    assert got["file"] == "x.xlsx" and got["sheet"] == "data" and got["SHA-256"] == "abababababababab…"
    assert got["missing codes found"] == "4" and got["text answers mapped"] == "4"
    assert got["missing tokens (NA, (跳过))"] == "6" and got["out-of-range values set missing"] == "3"
    assert zh["what"].tolist()[:2] == ["文件", "格式"] and "缺失标记（NA、(跳过)）" in zh["what"].tolist()
    assert all(CJK.search(w) for w in zh["what"] if w != "SHA-256")
    assert hant["what"].iloc[0] == "檔案"                       # converted to traditional characters
    none = AC.intake_summary(report(missing_tokens=pd.DataFrame(columns=["column", "token", "n"])), "zh")
    assert "缺失标记（无）" in none["what"].tolist()
    assert "missing tokens (none)" in AC.intake_summary(
        report(missing_tokens=pd.DataFrame(columns=["column", "token", "n"])))["what"].tolist()


def test_intake_text_in_english_and_chinese():
    r = report()
    assert AC.intake_text(r) == (
        "Read x.xlsx (Excel, sheet 'data'): 9 respondents, 9 columns used. 4 text answers were mapped to codes "
        "through the study's answer labels; 4 cells holding a missing code were set missing; 3 values outside the scale were "
        "reported and set missing; 1 respondents answered no item.")
    assert AC.intake_text(r, "zh") == (
        "读取 x.xlsx（Excel，工作表 'data'）：9 名受访者，使用 9 列。按标签映射文本答案 4 个；缺失代码 4 个设为缺失；"
        "超出量表范围的值 3 个已报告并设为缺失；1 人所有题项均缺失。")
    csv = report(meta={"format": "csv", "encoding": "gbk", "sha256": "0" * 64})
    assert AC.intake_text(csv).startswith("Read x.xlsx (CSV, GBK): ")
    assert AC.intake_text(csv, "zh-Hant").startswith("讀取 x.xlsx（CSV、GBK）：")


def test_intake_tables_show_what_was_changed_in_order_and_leave_out_the_empty_ones():
    r = report()
    tables = AC.intake_tables(r)
    assert [c for _, c in tables] == ["Values outside the allowed range (set missing)",
                                      "Missing codes found (set missing)",
                                      "Cells set missing by their text (empty, NA, (跳过), …)",
                                      "Text answers mapped to codes"]
    assert tables[0][0] is r.out_of_range
    assert tables[1][0].to_dict("list") == {"code": [98, 99], "n": [1, 3]}
    assert tables[2][0].to_dict("list") == {"token": ["NA", "(跳过)"], "n": [5, 1]}
    zh = AC.intake_tables(r, "zh")
    assert [c for _, c in zh] == ["超出取值范围的值（已设为缺失）", "发现的缺失代码（已设为缺失）",
                                  "按文本设为缺失的单元格（空、NA、(跳过)等）", "文本答案与代码的对应"]
    assert all(a.equals(b) for (a, _), (b, _) in zip(tables, zh))
    empty = report(out_of_range=r.out_of_range.iloc[:0], labels_applied=r.labels_applied.iloc[:0])
    assert [c for _, c in AC.intake_tables(empty)] == ["Missing codes found (set missing)",
                                                        "Cells set missing by their text (empty, NA, (跳过), …)"]


# ---------------------------------------------------------------------------------------------- item types
def _types(shift: dict | None = None, continuous=False, bounds=(1, 5)):
    d = pd.DataFrame({"a": [1, 2, 5, 4], "b": [1, 3, 4, 2]})
    for k, v in (shift or {}).items():
        d[k] = d[k] + v
    return item_types(d, ["a", "b"], *bounds, continuous=continuous)


def test_continuous_table_and_types_text():
    likert = _types()
    assert AC.continuous_table(likert).empty
    assert AC.types_text(likert) == "Every item is a Likert item (all its values are points of the scale)."
    assert AC.types_text(likert, "zh") == "所有题项均为李克特量表题（取值均为量表刻度点）。"
    one = _types({"b": 0.5})
    t = AC.continuous_table(one)
    assert t.columns.tolist() == ["item", "n", "n_off_scale", "reason"] and t["item"].tolist() == ["b"]
    assert t["reason"].iloc[0] == "4 of 4 values are not points of the 1–5 scale (e.g. 1.5)"
    assert AC.continuous_table(one, "zh")["reason"].iloc[0] == "4 个值中有 4 个不是 1–5 量表的刻度点（例如 1.5）"
    assert AC.types_text(one) == ("1 item(s) are treated as continuous scores: b (4 of 4 values are not points of "
                                  "the 1–5 scale (e.g. 1.5)). They get no Likert chart and no top-2/bottom-2-box "
                                  "shares; every other statistic is computed as usual.")
    assert AC.types_text(one, "zh") == ("1 个题项按连续分数处理：b（4 个值中有 4 个不是 1–5 量表的刻度点（例如 1.5））。"
                                        "这些题项不绘制李克特图，也不报告两端选项比例；其余统计照常计算。")
    both = _types({"a": 0.5, "b": 0.25})                       # two reasons: listed one by one
    assert "；" in AC.types_text(both, "zh") and "; b (" in AC.types_text(both)
    declared = _types(continuous=True)
    assert AC.types_text(declared) == ("All 2 items are treated as continuous scores: declared continuous "
                                       "by the study. They get no Likert chart and no top-2/bottom-2-box "
                                       "shares; every other statistic is computed as usual.")
    assert AC.types_text(declared, "zh") == ("所有 2 个题项均按连续分数处理：本研究声明为连续分数。"
                                             "不绘制李克特图，也不报告两端选项比例。")
    hant = AC.continuous_table(_types(bounds=(None, None)), "zh-Hant")["reason"].tolist()
    assert hant == ["量表沒有上下限"] * 2                        # the Chinese reason, in traditional characters


# ---------------------------------------------------------------------------------------------- exclusion flow
@pytest.mark.parametrize("cleaning, id_col", [
    ({}, "id"), ({"drop_duplicates": True}, "id"), ({"drop_duplicates": True}, None), ({"min_duration": 60.5}, "id"),
    ({"speeder_median_ratio": 0.3}, "id"), ({"min_duration": 60, "speeder_median_ratio": 0.25}, "id"),
    ({"attention_checks": {"att": 1, "att2": "a"}}, "id"), ({"straightlining": True}, "id"),
    ({"max_missing_share": 0.4}, "id"), (ALL_ON, "id")])
def test_rule_texts_are_the_flow_table_definitions_in_english_and_translated_otherwise(cleaning, id_col):
    p = P(cleaning, id_col=id_col)
    assert AC.rule_texts(p) == rule_definitions(p)
    zh = AC.rule_texts(p, "zh")
    assert list(zh) == RULES
    for rule, text in zh.items():
        assert text == "未启用" if rule_definitions(p)[rule] == "off" else text != rule_definitions(p)[rule] or \
            rule == "attention_checks"


def test_rule_texts_in_chinese():
    zh = AC.rule_texts(P({**ALL_ON, "speeder_median_ratio": 0.25, "attention_checks": {"att": 1, "x": "a"}}), "zh")
    assert zh == {"duplicates": "编号相同或所有题项答案完全相同（保留第一份）",
                  "speeders": "答题时长 < 60 秒或答题时长 < 中位时长的 0.25 倍",
                  "straightlining": "所有题项答案无变化（至少回答 3 题）",
                  "attention_checks": "att = 1，x = 'a'",
                  "max_missing_share": "缺失题项比例 > 0.4"}
    assert AC.rule_texts(P({"drop_duplicates": True}, id_col=None), "zh")["duplicates"] == "所有题项答案完全相同（保留第一份）"
    assert AC.rule_texts(P(), "zh-Hant")["speeders"] == "未啟用"


def test_flow_display_keeps_the_numbers_and_translates_steps_and_descriptions(all_on):
    res, p = all_on
    en = AC.flow_display(res.flow, p)          # the numbers as they are, the steps in words (no params keys)
    assert en.drop(columns=["step"]).equals(res.flow.drop(columns=["step"]))
    assert "failed attention check" in en["step"].tolist() and "attention_checks" not in en["step"].tolist()
    zh = AC.flow_display(res.flow, p, "zh")
    assert zh[["excluded", "remaining", "active"]].equals(res.flow[["excluded", "remaining", "active"]])
    assert zh["step"].tolist() == ["原始数据", "重复作答", "作答过快", "直线作答", "未通过注意力检测", "缺失题项过多", "纳入分析"]
    assert zh["description"].iloc[0] == "原始文件中的受访者" and zh["description"].iloc[-1] == "纳入分析的受访者"
    assert res.flow["step"].iloc[1] == "duplicates"                # the results file keeps the English table
    hant = AC.flow_display(res.flow, p, "zh-Hant")
    assert hant["step"].iloc[0] == "原始資料" and hant["description"].iloc[-1] == "納入分析的受訪者"


def test_flow_text(all_on):
    res, _ = all_on
    assert res.exclusions == dict.fromkeys(RULES, 1)
    assert AC.flow_text(res) == (
        "Of 9 respondents in the raw file, 5 (55.6%) were excluded (1 duplicates, 1 speeders, 1 straightlining, "
        "1 failed attention check, 1 too many missing items; each counted by the first rule that applies); "
        "4 are analysed.")
    assert AC.flow_text(res, "zh") == ("原始数据共 9 名受访者，排除 5 人（55.6%）：重复作答 1 人，作答过快 1 人，直线作答 1 人，"
                                       "未通过注意力检测 1 人，缺失题项过多 1 人；纳入分析 4 人。")
    off = clean(frame(), P({"min_duration": 1}))
    assert AC.flow_text(off) == ("Of 9 respondents in the raw file, 0 (0.0%) were excluded; 9 are analysed. Rules "
                                 "switched off: duplicates, straightlining, failed attention check, too many missing "
                                 "items.")
    assert AC.flow_text(off, "zh") == ("原始数据共 9 名受访者，排除 0 人（0.0%）；纳入分析 9 人。"
                                       "未启用的规则：重复作答、直线作答、未通过注意力检测、缺失题项过多。")
    assert _no_english(AC.flow_text(off, "zh-Hant"))


def test_check_data_facts_returns_the_facts_or_stops_the_stage(all_on):
    res, p = all_on
    with pytest.raises(DataFactError, match="only 4 respondent"):            # too few for 6 items
        AC.check_data_facts(res.data, p)
    rng = np.random.default_rng(1)
    data = pd.DataFrame(rng.integers(1, 6, size=(60, 6)).astype(float), columns=ITEMS).assign(g="x")
    assert AC.check_data_facts(data, p) == []
    with pytest.raises(DataFactError, match="a1"):
        AC.check_data_facts(data.assign(a1=3.0), p)


def test_straightlining_blocks(all_on):
    res, _ = all_on
    blocks = AC.straightlining_blocks(res)
    assert blocks.columns.tolist() == ["construct", "respondents"]
    assert blocks.to_dict("list") == {"construct": ["A", "B"], "respondents": [1, 1]}      # the last respondent
    assert AC.straightlining_blocks(clean(frame().iloc[:2], P())).empty


# ---------------------------------------------------------------------------------------------- missing data
def test_mcar_table_and_interpretation():
    res = {"chisq": 12.345, "df": 5, "pvalue": 0.0301, "n_patterns": 3, "n": 40, "p": 6, "rejected": True}
    assert AC.mcar_table(res).to_dict("records") == [{k: res[k] for k in ("chisq", "df", "pvalue", "n_patterns",
                                                                           "n", "p")}]
    assert AC.interpret_mcar(res).startswith("Little's MCAR test: χ²(5) = 12.35, p = 0.030. The hypothesis")
    assert AC.interpret_mcar(res, "zh").startswith("Little 的 MCAR 检验：χ²(5) = 12.35, p = 0.030。拒绝“完全随机缺失”假设")
    kept = {**res, "pvalue": 0.3}
    assert "no evidence against missing completely at random" in AC.interpret_mcar(kept)
    assert "没有证据表明缺失不是完全随机的" in AC.interpret_mcar(kept, "zh")
    assert "rejected" in AC.interpret_mcar({**res, "pvalue": 0.04, "alpha": 0.05})
    assert "no evidence" in AC.interpret_mcar({**res, "pvalue": 0.04, "alpha": 0.01})
    none = {"df": 0, "pvalue": float("nan")}
    assert AC.interpret_mcar(none).endswith("so Little's MCAR test does not apply.")
    assert AC.interpret_mcar(none, "zh") == "没有缺失值（或只有一种缺失模式），Little 的 MCAR 检验不适用。"
    assert _no_english(AC.interpret_mcar(kept, "zh-Hant"))


# ---------------------------------------------------------------------------------------------- results, diagnostics
def test_cleaning_record(all_on):
    res, p = all_on
    r = report()
    mcar = {"chisq": 2.5, "df": 4, "pvalue": 0.64, "n_patterns": 2, "n": 4, "p": 6, "rejected": False, "alpha": 0.05}
    rec = AC.cleaning_record(res, r, mcar, p)
    assert list(rec) == ["n_raw", "n_clean", "exclusions", "rules", "out_of_range", "missing_codes_found",
                         "labels_applied", "missing_tokens", "negative_durations", "all_items_missing",
                         "straightlining_blocks", "mcar", "raw_file"]
    assert (rec["n_raw"], rec["n_clean"], rec["out_of_range"], rec["missing_codes_found"]) == (9, 4, 3, 4)
    assert rec["missing_tokens"] == {"NA": 5, "(跳过)": 1} and rec["straightlining_blocks"] == 2
    assert rec["mcar"] == {k: mcar[k] for k in ("chisq", "df", "pvalue", "n_patterns", "n", "p", "rejected")}
    assert rec["raw_file"] == {"path": "x.csv", "sha256": "ab" * 32, "format": "xlsx", "encoding": None,
                               "sheet": "data"}



def test_cleaning_record_names_each_wave_file(tmp_path):
    fix = Path(__file__).resolve().parents[1] / "fixtures" / "waves"
    (tmp_path / "data" / "raw").mkdir(parents=True)
    (tmp_path / "params").mkdir()
    for name in ("2025H1.csv", "2025H2.xlsx"):
        shutil.copy(fix / name, tmp_path / "data" / "raw" / name)
    params_file = shutil.copy(fix / "tracking.yaml", tmp_path / "params" / "tracking.yaml")
    p = load_study(params_file, root=tmp_path)
    raw, intake = load_study_data(p, params_file, root=tmp_path)
    mcar = dict.fromkeys(("chisq", "df", "pvalue", "n_patterns", "n", "p", "rejected"), 0)
    files = AC.cleaning_record(clean(raw, p), intake, mcar, p)["raw_file"]
    assert files["path"] == "data/raw/2025H1.csv + data/raw/2025H2.xlsx" and files["sha256"] == intake.meta["sha256"]
    assert [(f["path"], f["wave"]) for f in files["files"]] == [("data/raw/2025H1.csv", "2025H1"),
                                                                ("data/raw/2025H2.xlsx", "2025H2")]
    assert sum(f["n_rows"] for f in files["files"]) == intake.n_rows

def test_cleaning_diagnostics_in_english_and_chinese(all_on):
    res, p = all_on
    mcar = {"rejected": True, "df": 3, "chisq": 9.0, "pvalue": 0.03}
    d = {(x.code, x.where): x for x in AC.cleaning_diagnostics(res, p, report(), mcar, high_missing_item=0.2)}
    assert [k[0] for k in d] == ["out_of_range", "out_of_range", "missing_codes_found", "all_items_missing",
                                 "missing_tokens", "high_exclusion", "high_missing_item", "straightlining_block",
                                 "straightlining_block", "mcar_rejected", "small_sample"]
    oor = d["out_of_range", "a1"]
    assert oor.message == "2 value(s) outside the allowed range (0, 7) in data row(s) 3, 4 were set missing."
    assert oor.message_zh == "第 3, 4 行数据中有 2 个值超出允许范围（0, 7），已设为缺失。"
    assert d["missing_codes_found", "missing_codes"].message_zh == "4 个单元格含缺失代码（98, 99），已设为缺失。"
    assert d["high_exclusion", "cleaning"].message.startswith("56% of the respondents were excluded (5 of 9)")
    assert d["high_exclusion", "cleaning"].message_zh.startswith("56% 的受访者被剔除（9 人中剔除 5 人）")
    assert d["high_missing_item", "a1"].message_zh == "参与分析的受访者中有 25.0% 未回答此题项。"
    assert d["mcar_rejected", "items"].message == ("Little's MCAR test rejects MCAR (chi2(3) = 9.00, p = 0.0300); "
                                                   "missingness depends on the data.")
    assert d["small_sample", "sample"].message_zh == "清洗后仅剩 4 名受访者，因子分析和结构方程模型的估计值将不稳定。"
    assert all(CJK.search(x.message_zh) and not CJK.search(x.message.replace("跳过", "")) for x in d.values())
    many = report(out_of_range=pd.DataFrame({"column": ["a1"] * 7, "row": range(1, 8), "value": [9.0] * 7}))
    (x,) = [x for x in AC.cleaning_diagnostics(res, p, many) if x.code == "out_of_range"]
    assert x.message == "7 value(s) outside the allowed range (9) in data row(s) 1, 2, 3, 4, 5 … were set missing."


# ---------------------------------------------------------------------------------------------- the flow figure
def test_rule_names_and_the_flow_figure_in_each_language(all_on):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    assert list(RULE_NAMES) == RULES
    assert [rule_name(r, "zh") for r in RULES] == ["重复作答", "作答过快", "直线作答", "未通过注意力检测", "缺失题项过多"]
    assert rule_name("other", "zh") == "other"
    res = clean(frame(), P({"min_duration": 60}))
    texts = {lang: [t.get_text() for t in plot_flow(res.flow, language=lang).axes[0].texts] for lang in ("en", "zh")}
    assert {"Raw data\nn = 9", "Analysed\nn = 8", "Speeders: n = 1", "Duplicates: rule off", "8 remain",
            "Excluded (counted by the first rule that applies)"} <= set(texts["en"])
    assert {"原始数据\nn = 9", "纳入分析\nn = 8", "作答过快: n = 1", "重复作答: 未启用", "剩余 8",
            "排除（按首个适用规则计数）"} <= set(texts["zh"])
    plt.close("all")
