"""csat.analyses.descriptives: the study bookkeeping of 02_descriptives (labels, NPS, weights, waves) and its
texts in every report language (English, the catalog's simplified Chinese, the derived traditional Chinese)."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from csat.analyses import descriptives as A
from csat.config.params import validate_params
from csat.core.i18n import localize
from csat.intake.preflight import load_study
from csat.stats import descriptives as D
from csat.stats import tracking as W
from csat.stats import weights as WT
from conftest import SHARED

ROOT = Path(__file__).resolve().parents[2]
CONS = {"SAT": ["sat1", "sat2", "sat3", "sat4"], "VAL": ["val1", "val2", "val3", "val4"],
        "LOY": ["loy1", "loy2", "loy3", "loy4"]}
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def ecsi():
    return pd.read_csv(SHARED / "datasets" / "ecsi_satisfaction.csv")


@pytest.fixture(scope="module")
def scores(ecsi):
    return D.construct_scores(ecsi, CONS)


@pytest.fixture(scope="module")
def weights(ecsi):
    return pd.Series(np.where(ecsi["gender"] == "female", 0.8, 1.3), index=ecsi.index, name="weight")


# -- the study ------------------------------------------------------------------------------
def test_study_labels_follow_the_study_language():
    en = load_study(ROOT / "params" / "demo.yaml", root=ROOT)
    zh = load_study(ROOT / "params" / "demo.yaml", {"language": "zh"}, root=ROOT)
    constructs, items, labels = A.study_labels(en)
    assert constructs["SAT"] == ["sat1", "sat2", "sat3", "sat4"] and list(constructs) == list(en.constructs)
    assert list(items) == en.items and labels["SAT"] == "Satisfaction"
    _, items_zh, labels_zh = A.study_labels(zh)
    assert labels_zh["SAT"] == "满意度" and CJK.search(items_zh["sat1"]) and not CJK.search(items["sat1"])


# -- indices --------------------------------------------------------------------------------
def test_index_table_shows_means_only_without_scale_bounds(scores):
    ix = D.construct_index(scores, 0, 10)
    table, caption = A.index_table(ix, True)
    assert table is ix and caption == "Construct scores and 0–100 indices (95% CI)"
    table, caption = A.index_table(D.construct_index(scores, None, None), False, "zh")
    assert "index" not in table.columns and "mean" in table.columns and caption == "维度得分（95% 置信区间）"


# -- NPS ------------------------------------------------------------------------------------
def test_study_nps_table_text_and_diagnostic(ecsi):
    res = A.study_nps(ecsi, "loy1")
    assert res == D.nps(ecsi["loy1"])
    assert list(A.nps_table(res).columns) == [k for k in res if k not in ("method", "conf")]
    assert A.study_nps(ecsi, None) is None and A.study_nps(ecsi, "nps") is None
    assert A.nps_text(None) == "The study has no 0–10 recommendation question, so no Net Promoter Score is reported."
    assert A.nps_text(None, "zh") == "本研究没有 0–10 分推荐意愿题，因此不报告净推荐值。"
    [d] = A.nps_diagnostics(ecsi, "nps")
    assert (d.code, d.severity, d.where) == ("nps_column_missing", "warning", "nps")
    assert d.message == "The recommend column 'nps' is not in the cleaned data; no NPS was computed."
    assert d.message_zh == "推荐意愿列（recommend）'nps' 不在清洗后的数据中，因此未计算 NPS。"
    assert A.nps_diagnostics(ecsi, "loy1") == [] and A.nps_diagnostics(ecsi, None) == []


# -- weights --------------------------------------------------------------------------------
def test_weighted_estimates_put_items_indices_and_nps_side_by_side(ecsi, scores, weights):
    items = ["sat1", "val2"]
    est = A.weighted_estimates(ecsi, scores, weights, items, 0, 10, recommend="loy1")
    assert list(est.columns) == ["what", "name", "unweighted", "weighted", "ci.lower.w", "ci.upper.w", "n", "n_eff"]
    assert est["what"].tolist() == ["item", "item", "index", "index", "index", "nps"]
    assert est["name"].tolist() == items + list(scores.columns) + ["loy1"]
    wi = WT.weighted_items(ecsi, items, weights)
    assert est["weighted"].iloc[:2].tolist() == wi["mean.w"].tolist()
    wx = WT.weighted_index(scores, weights, 0, 10)
    assert est["weighted"].iloc[2:5].tolist() == wx["index.w"].tolist()
    assert est["unweighted"].iloc[5] == D.nps(ecsi["loy1"])["nps"]
    assert est["weighted"].iloc[5] == WT.weighted_nps(ecsi["loy1"], weights.to_numpy())["nps"]
    # no scale bounds: the constructs' weighted means instead of indices; no NPS without the column
    means = A.weighted_estimates(ecsi, scores, weights, items, None, None, recommend="nps")
    assert means["what"].tolist() == ["item", "item", "index", "index", "index"]
    assert means["weighted"].iloc[2:].tolist() == WT.weighted_items(scores, list(scores.columns), weights)["mean.w"].tolist()


def test_weighted_tables_files_and_text(ecsi, scores, weights):
    est = A.weighted_estimates(ecsi, scores, weights, ["sat1"], 0, 10)
    margins = pd.DataFrame({"variable": ["sex"], "level": ["f"], "n": [3], "sample_share": [0.6], "target": [0.5],
                            "achieved": [0.5]})
    tables = A.weighted_tables(est, margins, "zh")
    assert [(c, d) for _, c, d in tables] == [("迭代比例加权：样本比例、总体目标与加权比例", 3),
                                              ("未加权与加权的 0–100 指数及 NPS（加权 95% 置信区间，Kish 有效样本量）", 2),
                                              ("未加权与加权题项均值", 2)]
    assert tables[0][0] is margins and set(tables[1][0]["what"]) == {"index"} and "what" not in tables[2][0]
    assert [c for _, c, _ in A.weighted_tables(est, None)] == [
        "Unweighted and weighted 0–100 indices and NPS (weighted 95% CI with Kish's n_eff)",
        "Unweighted and weighted item means"]
    clean = ecsi.assign(row=np.arange(2, len(ecsi) + 2))
    assert A.weights_table(clean, weights).to_dict("list") == {"row": clean["row"].tolist(), "weight": weights.tolist()}
    summary = {"source": "rake", **WT.weights_summary(weights.to_numpy())}
    assert A.weights_record(summary, None) == {**summary, "margins": None}
    assert A.weights_record(summary, margins)["margins"] == [{"variable": "sex", "level": "f", "n": 3,
                                                              "sample_share": 0.6, "target": 0.5, "achieved": 0.5}]
    assert A.weights_text(summary, "zh") == (f"加权（迭代比例加权）后的有效样本量为 {summary['kish_neff']:.0f}（共 250 人，"
                                             f"设计效应 {summary['deff']:.2f}）。")
    head = A.weights_section_markdown("zh").splitlines()[0]
    assert A.weights_section_markdown().startswith("## Weighted estimates\n\n") and head == "## 加权估计"


# -- tracking -------------------------------------------------------------------------------
def test_study_wave_tables_use_the_params(ecsi):
    p = validate_params({"study": "s", "data": {"path": "d.csv"}, "scale": {"min": 0, "max": 10},
                         "constructs": {"SAT": {"label": "Satisfaction", "items": CONS["SAT"]}},
                         "recommend": "loy1", "waves": {"column": "wave", "order": ["W2", "W1"]}})
    d = ecsi.assign(wave=np.repeat(["W1", "W2"], [120, 130]))
    idx, chg = A.study_wave_tables(d, p)
    ref_idx, ref_chg = W.wave_tables(d, "wave", ["W2", "W1"], {"SAT": CONS["SAT"]}, 0, 10, recommend="loy1",
                                     labels={"SAT": "Satisfaction"}, min_share=p.scores.min_share)
    pd.testing.assert_frame_equal(idx, ref_idx)
    pd.testing.assert_frame_equal(chg, ref_chg)
    assert list(dict.fromkeys(idx["wave"])) == ["W2", "W1"]
    assert set(A.WAVE_CHANGES_SHOWN) <= set(W.WAVE_CHANGE_COLUMNS)


def test_waves_text_in_chinese_leaves_out_first_and_last_and_takes_any_wave_name(ecsi):
    d = ecsi.assign(wave=np.repeat([2023, 2024], [120, 130]))
    d[CONS["SAT"]] = d[CONS["SAT"]].astype(float)
    d.loc[d["wave"] == 2024, CONS["SAT"]] -= 2.0
    idx, chg = W.wave_tables(d, "wave", None, {"SAT": CONS["SAT"]}, 0, 10, labels={"SAT": "S"})
    en, zh = A.waves_text(idx, chg), A.waves_text(idx, chg, "zh")
    assert en.startswith("2 waves (2023: n = 120, 2024: n = 130); first 2023, last 2024. Significant changes")
    assert "S fell by" in en and en.endswith("Other changes are within sampling error.")
    assert zh.startswith("共 2 期（2023：n = 120、2024：n = 130）。经 Holm 校正后显著的变化：S 从 2023 到 2024 下降 ")


# -- every language -------------------------------------------------------------------------
def test_traditional_chinese_is_the_simplified_text_converted(ecsi, scores):
    """zh-Hant reads the catalog's simplified Chinese converted (with ASCII values the whole text converts
    the same way), the tracking section's file too, with Chinese punctuation and no space between sentences."""
    g = ecsi[["gender"]].assign(seg=pd.cut(ecsi["imag1"], [-1, 6, 8, 10], labels=["low", "mid", "high"]))
    tests = D.group_tests(scores, g)
    texts = {
        "rule": lambda lang: A.score_rule_text(0.4, lang),
        "profile": lambda lang: A.profile_text(D.sample_profile(g, ["gender", "seg"]), 250, lang),
        "items": lambda lang: A.items_text(D.item_table(ecsi, {i: c for c, its in CONS.items() for i in its}, 0, 10),
                                           0, 10, lang),
        "index": lambda lang: A.index_text(D.construct_index(scores, 0, 10), lang),
        "nps": lambda lang: A.nps_text(D.nps(ecsi["loy1"]), lang),
        "groups": lambda lang: A.group_tests_text(tests, lang),
        "correlations": lambda lang: A.correlation_text(D.correlations(scores), lang),
        "tracking": A.tracking_section_markdown,
        "weights": A.weights_section_markdown,
    }
    for name, text in texts.items():
        zh, hant = text("zh"), text("zh-Hant")
        assert hant == localize(zh, "zh-Hant"), name
        assert hant != zh and CJK.search(hant), name
    hant = A.profile_text(D.sample_profile(g, ["gender", "seg"]), 250, "zh-Hant")
    assert "；seg：" in hant and "樣本" in hant
    assert A.tracking_section_markdown("zh-Hant").startswith("## 各期追蹤")
    assert A.tracking_section_markdown("en").startswith("## Tracking")


def test_scores_min_share_is_a_study_key_stated_in_words():
    p = validate_params({"study": "s", "data": {"path": "x.csv"}, "constructs": {"F": {"items": ["a", "b"]}}})
    assert p.scores.min_share == 0.5
    p = validate_params({"study": "s", "data": {"path": "x.csv"}, "constructs": {"F": {"items": ["a", "b"]}},
                         "scores": {"min_share": 1}})
    assert p.scores.min_share == 1
    with pytest.raises(ValueError, match="scores.min_share"):
        validate_params({"study": "s", "data": {"path": "x.csv"}, "constructs": {"F": {"items": ["a"]}},
                         "scores": {"min_share": 50}})
    assert "at least half of its items" in A.score_rule_text(0.5)
    assert "all of its items" in A.score_rule_text(1) and "至少一个题项" in A.score_rule_text(0, "zh")
