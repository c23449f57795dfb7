"""The executive summary (csat.report.summary): generated from results files, numbers equal the files,
en and zh carry the same numbers, parts only when the study has them.

The results here are small tables written the way the notebooks write them (same columns as
``results/*.csv``); the demo's own summary (built by make) is checked in tests/integration/test_pipeline.py.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from csat.report import summary as S
from csat.config.params import validate_params, load_params

ROOT = Path(__file__).resolve().parents[2]


def demo_params(**changes):
    p = load_params(ROOT / "params" / "demo.yaml")
    return p.model_copy(update=changes)


def demo_like_results(ipma: bool = True, groups: bool = True) -> dict:
    """Results of a demo-shaped study: seven constructs on a 1–10 scale."""
    idx = {"IMAG": 59.3, "EXPE": 60.8, "QUAL": 55.2, "VAL": 51.9, "SAT": 59.4, "COMP": 52.5, "LOY": 57.7}
    scores = pd.DataFrame([{"construct": c, "n": 546, "mean": 1 + 9 * v / 100, "sd": 1.5,
                            "index": v, "index.ci.lower": v - 1.25, "index.ci.upper": v + 1.25, "label": c}
                           for c, v in idx.items()])
    items = pd.DataFrame([
        {"item": "qual1", "construct": "QUAL", "mean": 6.4}, {"item": "qual2", "construct": "QUAL", "mean": 6.2},
        {"item": "qual3", "construct": "QUAL", "mean": 5.65}, {"item": "qual4", "construct": "QUAL", "mean": 5.5},
        {"item": "qual5", "construct": "QUAL", "mean": 6.0},
        {"item": "imag1", "construct": "IMAG", "mean": 6.6}, {"item": "imag3", "construct": "IMAG", "mean": 5.8},
        {"item": "expe3", "construct": "EXPE", "mean": 6.2}, {"item": "expe1", "construct": "EXPE", "mean": 6.8},
        {"item": "val3", "construct": "VAL", "mean": 5.4}, {"item": "val2", "construct": "VAL", "mean": 5.5},
        {"item": "sat3", "construct": "SAT", "mean": 5.9}, {"item": "sat1", "construct": "SAT", "mean": 6.5},
    ])
    res = {name: None for name in S.RESULT_FILES}
    res.update({
        "cleaning.json": {"n_raw": 600, "n_clean": 546,
                          "exclusions": {"duplicates": 9, "speeders": 12, "straightlining": 9, "attention_checks": 15,
                                         "max_missing_share": 9}},
        "construct_scores.csv": scores, "items.csv": items,
        "nps.json": {"nps": -14.65, "ci.lower": -21.3, "ci.upper": -8.04, "n": 546, "p_promoters": 0.2527,
                     "p_detractors": 0.3993},
        "diagnostics.json": [
            {"code": "out_of_range", "severity": "warning", "where": "qual1", "message": "1 value(s) outside ...",
             "stage": "01_cleaning"},
            {"code": "out_of_range", "severity": "warning", "where": "sat2", "message": "1 value(s) outside ...",
             "stage": "01_cleaning"},
            {"code": "poor_fit", "severity": "warning", "where": "rmsea", "message": "RMSEA = 0.091 > .08.",
             "stage": "05_sem"},
            {"code": "heywood", "severity": "error", "where": "sat1 ~~ sat1", "message": "Negative variance.",
             "stage": "05_sem"},
            {"code": "straightlining_block", "severity": "info", "where": "IMAG", "message": "info only",
             "stage": "01_cleaning"},
        ],
    })
    if ipma:
        res["ipma.csv"] = pd.DataFrame([
            {"construct": "QUAL", "importance": 0.503, "performance": 55.2, "quadrant": "concentrate_here"},
            {"construct": "EXPE", "importance": 0.434, "performance": 60.8, "quadrant": "keep_up"},
            {"construct": "IMAG", "importance": 0.418, "performance": 59.3, "quadrant": "keep_up"},
            {"construct": "VAL", "importance": 0.281, "performance": 51.9, "quadrant": "low_priority"},
        ])
        res["sem_effects.csv"] = pd.DataFrame([
            {"from": c, "to": "SAT", "std.total": v, "std.total.ci.lower": v - 0.08, "std.total.ci.upper": v + 0.08}
            for c, v in (("QUAL", 0.503), ("EXPE", 0.434), ("IMAG", 0.418), ("VAL", 0.281))])
    if groups:
        res["group_tests.csv"] = pd.DataFrame([
            {"construct": "VAL", "group": "gender", "test": "welch_t", "statistic": 2.9, "df": 540.2,
             "pvalue": 0.001, "p.holm": 0.029, "effect_size": 0.25, "levels": "male | female", "estimate": 0.306},
            {"construct": "SAT", "group": "region", "test": "welch_anova", "statistic": 8.1, "df": 3, "df2": 290.1,
             "pvalue": 0.00001, "p.holm": 0.0004, "effect_size": 0.031, "levels": "N | S | E | W", "estimate": None},
            {"construct": "LOY", "group": "gender", "test": "welch_t", "statistic": 0.3, "df": 540.0,
             "pvalue": 0.7, "p.holm": 1.0, "effect_size": 0.02, "levels": "male | female", "estimate": 0.02},
            {"construct": "VAL", "group": "gender", "test": "mann_whitney", "statistic": 1.0, "df": None,
             "pvalue": 0.0001, "p.holm": 0.0001, "effect_size": 0.3, "levels": "male | female", "estimate": None},
        ])
        res["posthoc.csv"] = pd.DataFrame([
            {"construct": "SAT", "group": "region", "A": "N", "B": "S", "mean.A": 6.8, "mean.B": 6.1},
            {"construct": "SAT", "group": "region", "A": "E", "B": "W", "mean.A": 6.3, "mean.B": 6.4},
        ])
    return res


# --------------------------------------------------------------------------- formatting
def test_p_values_per_language_never_zero():
    assert S.fmt_number(0.0000001, kind="p", language="en") == "< .001"
    assert S.fmt_number(0.0000001, kind="p", language="zh") == "< 0.001"
    assert S.fmt_number(0.0234, kind="p", language="en") == "= .023"
    assert S.fmt_number(0.0234, kind="p", language="zh") == "= 0.023"
    assert S.fmt_number(0.0004, kind="p") != "= .000"
    assert S.fmt_number(2400, kind="int") == "2,400"
    assert S.fmt_number(0.25, 1, "pct") == "25.0%"
    assert S.fmt_number(-14.65, 1) == "−14.7" and S.fmt_number(-0.01, 1) == "0.0"
    assert S.fmt_date("2024-03-04", "en") == "4 March 2024" and S.fmt_date("2024-03-04", "zh") == "2024年3月4日"
    assert S.fmt_date("2024-12-31", "en") == "31 December 2024" and S.fmt_date("2024-12-31", "zh-Hant") == "2024年12月31日"
    assert S.fmt_number(0.0000001, kind="p", language="zh-Hant") == "< 0.001"
    assert S.numbers_in("n = 2,400, p < .001, −14.7 and 25.0%") == [2400, 0.001, -14.7, 25.0]


# ------------------------------------------------------------------------------ content
def test_summary_states_the_results():
    p = demo_params()
    res = demo_like_results()
    s = S.build_summary(res, p)
    h = s["headline"]
    assert h["construct"] == "SAT" and h["index"] == 59.4 and h["source"] == "construct_scores.csv"
    assert h["margin_of_error"] == pytest.approx(1.25)
    head = s["sections"]["headline"][0]
    assert head["numbers"] == {"index": 59.4, "lo": 58.2, "hi": 60.6, "moe": 1.2, "n": 546} or \
        head["numbers"] == {"index": 59.4, "lo": 58.1, "hi": 60.6, "moe": 1.2, "n": 546}
    assert "59.4" in head["en"] and "59.4" in head["zh"] and "满意度" in head["zh"]
    # drivers ranked by importance, quadrant names a manager reads
    assert [d["construct"] for d in s["drivers"]] == ["QUAL", "EXPE", "IMAG", "VAL"]
    assert [d["quadrant_en"] for d in s["drivers"]] == ["Improve first", "Keep up", "Keep up", "Low priority"]
    assert s["drivers"][0]["ci_lower"] == pytest.approx(0.423)
    # recommendations: 3-5, the improve-first construct first, named with its weakest items' wording
    recs = s["recommendations"]
    assert 3 <= len(recs) <= 5
    assert recs[0]["key"] == "improve_first" and recs[0]["en"].startswith("Improve Perceived quality first")
    assert "Helpfulness and friendliness of the staff" in recs[0]["en"]     # qual4, the lowest mean
    assert "Range and availability of products" in recs[0]["en"]           # qual3, the second lowest
    assert "员工热情、乐于助人" in recs[0]["zh"]
    assert recs[0]["numbers"]["item0"] == round(100 * (5.5 - 1) / 9, 1)
    assert any("Perceived value" in r["en"] for r in recs)
    # nps
    nps = s["sections"]["headline"][-1]
    assert nps["key"] == "nps" and nps["numbers"]["nps"] == -14.7 and nps["numbers"]["pro"] == 25.3


def test_group_differences_are_holm_adjusted_with_effect_sizes():
    s = S.build_summary(demo_like_results(), demo_params())
    g = s["groups"]
    keys = [x["key"] for x in g]
    assert keys == ["groups_count", "group_f", "group_t", "groups_note"]     # LOY (p.holm 1.0) and the rank test left out
    assert g[0]["numbers"] == {"k": 2, "m": 3}
    f = g[1]
    assert "ω² = 0.031" in f["en"] and "p < .001" in f["en"] and "p < 0.001" in f["zh"]
    assert "highest for N" in f["en"] and f["numbers"]["hm"] == round(100 * 5.8 / 9, 1)
    t = g[2]
    assert "Hedges' g = 0.25" in t["en"] and "p = .029" in t["en"] and "p = 0.029" in t["zh"]
    assert t["numbers"]["d"] == round(0.306 * 100 / 9, 1)
    assert "higher for Male than for Female (Gender)" in t["en"]        # value_labels, column_labels


def test_caveats_hold_every_warning_and_error_but_no_info():
    s = S.build_summary(demo_like_results(), demo_params())
    q = s["sections"]["quality"]
    diag = [x for x in q if x["key"] == "diagnostic"]
    assert [d["code"] for d in diag] == ["heywood", "out_of_range", "poor_fit"]       # errors first
    assert diag[1]["count"] == 2 and "qual1, sat2" in diag[1]["en"]
    assert "不可接受解" in diag[0]["zh"] and "RMSEA = 0.091" in diag[2]["en"]
    assert not any("straightlining_block" == d["code"] for d in diag)
    intro = next(x for x in q if x["key"] == "diag_intro")
    assert intro["numbers"] == {"k": 4, "j": 3}
    sample = q[0]
    assert sample["numbers"]["n"] == 546 and sample["numbers"]["x"] == 54
    assert next(x for x in q if x["key"] == "response_rate")["numbers"]["rr"] == 25.0
    assert next(x for x in q if x["key"] == "valid_rate")["numbers"]["vr"] == 91.0
    assert s["survey"]["response_rate"] == 600 / 2400 and s["survey"]["valid_rate"] == 546 / 600


def test_every_warning_code_raised_by_the_stages_has_plain_words():
    import re

    codes = set()
    for f in (ROOT / "src" / "csat").rglob("*.py"):
        codes |= set(re.findall(r'[Dd]iagnostic\(\s*"([a-z_0-9]+)",\s*"(?:warning|error)"', f.read_text(encoding="utf-8")))
    assert codes and codes <= set(S.DIAG_FRAMES), sorted(codes - set(S.DIAG_FRAMES))


def _check_numbers(sent: dict) -> None:
    """Each stated number is printed in both languages, and en and zh carry the same numbers."""
    for name, value in sent["numbers"].items():
        assert value is not None, (sent["key"], name)
    if sent["key"] in ("diagnostic", "fieldwork"):      # diagnostics' own messages are English; dates differ in form
        return
    assert Counter(S.numbers_in(sent["en"])) == Counter(S.numbers_in(sent["zh"])), (sent["en"], sent["zh"])
    stated = Counter(S.numbers_in(sent["en"]))
    for name, value in sent["numbers"].items():
        assert stated[float(value)] >= 1, (sent["key"], name, value, sent["en"])


@pytest.mark.parametrize("ipma,groups", [(True, True), (False, True), (True, False), (False, False)])
def test_en_and_zh_carry_the_same_numbers(ipma, groups):
    p = demo_params() if groups else demo_params(groups=[])
    s = S.build_summary(demo_like_results(ipma, groups), p)
    for sent in S.all_sentences(s) + S.methods_sentences(s, p, [{"name": "numpy", "installed": "2.4.6"}]):
        _check_numbers(sent)
    json.loads(S.summary_json(s))        # JSON-ready


def test_study_without_structural_model():
    """params/hs.yaml: a CFA (no structural paths, no satisfaction construct) on continuous scores."""
    p = load_params(ROOT / "params" / "hs.yaml")
    res = {name: None for name in S.RESULT_FILES}
    res["cleaning.json"] = {"n_raw": 301, "n_clean": 301, "exclusions": {}}
    res["construct_scores.csv"] = pd.DataFrame({"construct": ["visual", "textual", "speed"], "n": [301] * 3,
                                                "mean": [4.94, 3.06, 4.19], "index": [float("nan")] * 3})
    res["group_tests.csv"] = pd.DataFrame([{"construct": "visual", "group": "school", "test": "welch_t",
                                            "statistic": 1.0, "df": 298.0, "pvalue": 0.3, "p.holm": 0.6,
                                            "effect_size": 0.1, "levels": "Pasteur | Grant-White", "estimate": 0.1}])
    s = S.build_summary(res, p)
    assert s["drivers"] == [] and s["recommendations"] == [] and s["sections"]["drivers"] == []
    assert s["headline"] is None and s["indices"] == []
    means = s["sections"]["headline"][0]
    assert means["key"] == "means" and means["numbers"] == {"m0": 4.94, "m1": 4.19, "m2": 3.06}
    assert [x["key"] for x in s["groups"]] == ["groups_none"] and s["groups"][0]["numbers"] == {"k": 1}
    m = S.methods_sentences(s, p)
    assert any(x["key"] == "model" and "no driver ranking" in x["en"] for x in m)
    assert any(x["key"] == "questionnaire" and "continuous scores" in x["en"] for x in m)
    for sent in S.all_sentences(s) + m:
        _check_numbers(sent)


def test_study_without_groups():
    p = demo_params(groups=[])
    s = S.build_summary(demo_like_results(groups=False), p)
    assert s["groups"] == [] and s["sections"]["groups"] == []
    assert not any(x["key"] == "group_method" for x in S.methods_sentences(s, p))
    assert s["recommendations"]                             # the rest is still there


def test_pls_headline_comes_from_the_csi_index():
    p = demo_params(estimator="pls")
    res = demo_like_results()
    res["csi_index.csv"] = pd.DataFrame({"construct": ["SAT", "QUAL"], "index": [61.23, 57.0],
                                         "ci.lower": [59.0, 55.0], "ci.upper": [63.4, 59.1]})
    res["pls_bootstrap.json"] = {"n": 540}
    s = S.build_summary(res, p)
    h = s["headline"]
    assert h["source"] == "csi_index.csv" and h["index"] == 61.23 and h["n"] == 540
    assert h["margin_of_error"] == pytest.approx(2.2)
    assert "ACSI" in s["sections"]["headline"][0]["en"]


def test_survey_metadata_is_validated():
    raw = {"study": "x", "data": {"path": "x.csv"}, "constructs": {"A": {"items": ["a1"]}},
           "survey": {"invited": 100, "responded": 120}}
    with pytest.raises(Exception, match="responded .120. is larger than invited .100."):
        validate_params(raw)
    raw["survey"] = {"fieldwork_start": "2024-03-05", "fieldwork_end": "2024-03-01"}
    with pytest.raises(Exception, match="fieldwork_end"):
        validate_params(raw)
    raw["survey"] = {"population": {"en": "Customers", "zh": "顾客"}, "invited": 10, "responded": 5}
    p = validate_params(raw)
    assert p.survey.text("population", "zh") == "顾客" and p.survey.text("population", "en") == "Customers"


def test_an_outdated_build_removes_the_summary(tmp_path):
    """summary.json belongs to the report: a stage that starts again (or fails) removes it with the report."""
    from csat.pipeline.build import invalidate

    d = tmp_path / "reports" / "x"
    (d / "results").mkdir(parents=True)
    for name in ("report.html", "report.pdf", "results/summary.json"):
        (d / name).write_text("old")
    invalidate(tmp_path, "x", ["05_sem"], report=True)
    assert not any((d / name).exists() for name in ("report.html", "report.pdf", "results/summary.json"))


def test_a_traditional_chinese_report_writes_the_sentences_from_their_templates():
    """summary.json keeps en and zh (simplified) whatever the study's language; a zh-Hant report writes
    each sentence from its template with the catalog's zh-Hant (derived from zh) and the labels
    converted: the simplified sentence converted, here where no zh-Hant entry overrides one."""
    from csat.core.i18n import localize

    p = demo_params()
    s = S.build_summary(demo_like_results(), p)
    assert set(s["sections"]["headline"][0]) == {"key", "en", "zh", "numbers"}
    sents = S.all_sentences(s) + S.methods_sentences(s, p, [{"name": "numpy", "installed": "2.4.6"}])
    for sent in sents:
        hant = S.in_language(sent, "zh-Hant")
        assert hant == localize(sent["zh"], "zh-Hant"), (sent["key"], hant)
        assert S.in_language(sent, "zh") == sent["zh"] and S.in_language(sent, "en") == sent["en"]
    head = S.in_language(s["sections"]["headline"][0], "zh-Hant")
    assert head.startswith("滿意度指數為 59.4（滿分 100；95% 信賴區間") or head.startswith("滿意度指數為 59.4（滿分 100；95% 置信區間"), head
    fieldwork = next(x for x in sents if x["key"] == "fieldwork")
    assert S.in_language(fieldwork, "zh-Hant") == "調查時間：2024年3月4日至2024年3月24日。"
    diag = next(x for x in sents if x["key"] == "diagnostic" and x["code"] == "out_of_range")
    assert S.in_language(diag, "zh-Hant").startswith("警告（資料清洗）：") and "（共 2 處）" in S.in_language(diag, "zh-Hant")
    # a sentence read back from summary.json: its zh converted
    back = json.loads(S.summary_json(s))["sections"]["headline"][0]
    assert S.in_language(back, "zh-Hant") == head and S.in_language(back, "en") == back["en"]
    # what the page shows: labels, quadrants and the drivers' caption in traditional characters
    from csat.report.html import summary_context

    ctx = summary_context(s, p, "zh-Hant")
    assert ctx["headline"]["label"] == "滿意度" and ctx["drivers_table"][0]["quadrant_text"] == "優先改進"
    assert ctx["drivers_table"][0]["label"] == "感知品質" and ctx["drivers_caption"].startswith("滿意度的驅動因素")
    assert ctx["index"][0] == head and all(localize(x, "zh-Hant") == x for x in ctx["quality"])


# ------------------------------------------------------------- hedged where the data are thin (issue 30)
def _overlapping(res):
    """ecsi_pls-like importances: 0.52-0.58 whose bootstrap intervals all overlap."""
    res["ipma.csv"] = pd.DataFrame([
        {"construct": "VAL", "importance": 0.584, "performance": 71.0, "quadrant": "concentrate_here"},
        {"construct": "IMAG", "importance": 0.568, "performance": 75.8, "quadrant": "keep_up"},
        {"construct": "EXPE", "importance": 0.551, "performance": 75.4, "quadrant": "possible_overkill"},
        {"construct": "QUAL", "importance": 0.517, "performance": 70.0, "quadrant": "low_priority"}])
    res["sem_effects.csv"] = pd.DataFrame([
        {"from": c, "to": "SAT", "std.total": v, "std.total.ci.lower": v - 0.15, "std.total.ci.upper": v + 0.15}
        for c, v in (("VAL", 0.58), ("IMAG", 0.47), ("EXPE", 0.52), ("QUAL", 0.52))])
    return res


def test_priorities_are_hedged_when_the_intervals_overlap():
    s = S.build_summary(_overlapping(demo_like_results()), demo_params())
    assert all(d["hedged"] for d in s["drivers"])
    assert [d["priority"] for d in s["drivers"]] == ["below_unranked", "above_unranked", "above_unranked",
                                                     "below_unranked"]
    keys = [x["key"] for x in s["sections"]["drivers"]]
    assert "driver_unranked" in keys
    unranked = next(x for x in s["sections"]["drivers"] if x["key"] == "driver_unranked")
    assert "cannot be ranked apart" in unranked["en"] and "无法区分先后" in unranked["zh"]
    recs = s["recommendations"]
    assert not any(r["key"] in ("improve_first", "low_priority", "largest_lever") for r in recs)
    assert recs[0]["key"] == "tier_first" and "cannot be ranked apart" in recs[0]["en"]
    assert not any("Improve Perceived value first" in r["en"] or "lower priority" in r["en"] for r in recs)
    from csat.report.html import summary_context

    ctx = summary_context(s, demo_params(), "en")
    assert {d["quadrant_text"] for d in ctx["drivers_table"]} == {"Below average; importance not separable",
                                                                  "Above average; importance not separable"}


def test_priorities_stand_where_the_intervals_separate_them():
    res = demo_like_results()
    res["sem_effects.csv"]["std.total.ci.lower"] = res["sem_effects.csv"]["std.total"] - 0.005
    res["sem_effects.csv"]["std.total.ci.upper"] = res["sem_effects.csv"]["std.total"] + 0.005
    s = S.build_summary(res, demo_params())
    assert not any(d["hedged"] for d in s["drivers"])
    assert [d["priority"] for d in s["drivers"]] == [d["quadrant"] for d in s["drivers"]]
    assert "driver_all_separated" in [x["key"] for x in s["sections"]["drivers"]]
    assert s["recommendations"][0]["key"] == "improve_first"


def test_the_models_n_and_the_headline_n_are_both_stated_when_they_differ():
    res = demo_like_results()
    res["sem_fit.json"] = {"ntotal": 463, "cfi": 0.99}
    s = S.build_summary(res, demo_params())
    n = next(x for x in s["sections"]["drivers"] if x["key"] == "driver_n")
    assert n["numbers"] == {"m": 463, "n": 546} and "463" in n["zh"] and "546" in n["zh"]
    res["sem_fit.json"] = {"ntotal": 546}
    assert "driver_n" not in [x["key"] for x in S.build_summary(res, demo_params())["sections"]["drivers"]]


def test_the_regression_and_the_model_are_reconciled_when_they_disagree():
    res = demo_like_results()
    res["drivers.json"] = {"target": "SAT", "r2": 0.44}
    res["drivers.csv"] = pd.DataFrame([
        {"predictor": "QUAL", "beta": 0.34, "lmg": 0.17, "lmg.share": 0.39},
        {"predictor": "VAL", "beta": 0.27, "lmg": 0.14, "lmg.share": 0.31},
        {"predictor": "EXPE", "beta": 0.09, "lmg": 0.07, "lmg.share": 0.16},
        {"predictor": "IMAG", "beta": 0.19, "lmg": 0.06, "lmg.share": 0.14}])
    s = S.build_summary(res, demo_params())
    r = [x for x in s["sections"]["drivers"] if x["key"] == "driver_regression"]
    assert len(r) == 1 and "Perceived value" in r[0]["en"] and "感知价值" in r[0]["zh"]
    assert r[0]["numbers"] == {"rr": 2, "k": 4, "share": 31.0, "rs": 4}
    # the same order in both: nothing to reconcile
    res["drivers.csv"] = pd.DataFrame([{"predictor": c, "beta": 0.1, "lmg": v, "lmg.share": v}
                                       for c, v in (("QUAL", .4), ("EXPE", .3), ("IMAG", .2), ("VAL", .1))])
    assert "driver_regression" not in [x["key"] for x in S.build_summary(res, demo_params())["sections"]["drivers"]]


def test_recommendations_cite_wording_never_bare_codes():
    import re

    s = S.build_summary(demo_like_results(), demo_params(item_labels={}))
    for r in s["recommendations"]:
        for code in ("qual4", "qual3", "sat3", "val3"):
            assert not re.search(rf"(?<![(（]){code}(?![)）])", r["en"]), r["en"]
    rec = s["recommendations"][0]["en"]
    assert "Perceived quality (qual4) (index" in rec and "感知质量（qual4）（指数" in s["recommendations"][0]["zh"]
    assert "“Perceived quality (qual4)”" not in rec


def test_one_value_per_quantity_pls_and_equal_weights_side_by_side():
    p = demo_params(estimator="pls")
    res = demo_like_results()
    res["csi_index.csv"] = pd.DataFrame({"construct": ["SAT", "QUAL"], "index": [61.23, 57.0],
                                         "ci.lower": [59.0, 55.0], "ci.upper": [63.4, 59.1]})
    s = S.build_summary(res, p)
    im = s["index_methods"]
    assert im["method"] == "pls" and im["alt_method"] == "equal"
    sat = next(r for r in im["rows"] if r["construct"] == "SAT")
    assert sat["index"] == 61.23 and sat["alt_index"] == 59.4
    note = next(x for x in s["sections"]["headline"] if x["key"] == "index_methods")
    assert note["numbers"] == {"alt": 59.4} and "equal item weights" in note["en"]
    # the headline and every index page 1 states is the estimator's
    assert s["headline"]["index"] == 61.23 and {i["construct"]: i["index"] for i in s["indices"]}["QUAL"] == 57.0


def test_weighted_headline_with_the_unweighted_beside_it():
    res = demo_like_results()
    res["weighted_estimates.csv"] = pd.DataFrame(
        [{"what": "index", "name": c, "unweighted": v, "weighted": v + 0.3, "ci.lower.w": v - 1, "ci.upper.w": v + 1.6,
          "n": 546, "n_eff": 501.6} for c, v in (("IMAG", 59.3), ("EXPE", 60.8), ("QUAL", 55.2), ("VAL", 51.9),
                                                 ("SAT", 59.4), ("COMP", 52.5), ("LOY", 57.7))]
        + [{"what": "nps", "name": "nps", "unweighted": -14.65, "weighted": -13.65, "ci.lower.w": -20.6,
            "ci.upper.w": -6.7, "n": 546, "n_eff": 501.6}])
    s = S.build_summary(res, demo_params())
    h = s["headline"]
    assert h["source"] == "weighted_estimates.csv" and h["index"] == pytest.approx(59.7) and h["alt_index"] == 59.4
    assert s["nps"]["nps"] == -13.65 and s["nps"]["unweighted"]["nps"] == -14.65
    nps = next(x for x in s["sections"]["headline"] if x["key"] == "nps")
    assert nps["numbers"]["nps"] == -13.7 and nps["numbers"]["u"] == -14.7
    for sent in S.all_sentences(s):
        _check_numbers(sent)


def test_htmt_of_a_pair_is_stated_once_with_both_methods():
    res = demo_like_results()
    m = lambda v: pd.DataFrame({"construct": ["EXPE", "QUAL"], "EXPE": [1, v], "QUAL": [v, 1]})  # noqa: E731
    res["htmt.csv"], res["pls_htmt.csv"] = m(0.9648), m(0.9819)
    res["diagnostics.json"] = [
        {"code": "htmt", "severity": "warning", "where": "EXPE – QUAL", "stage": "03_reliability_validity",
         "message": "HTMT of EXPE and QUAL is 0.96, not below 0.85"},
        {"code": "discriminant_validity", "severity": "warning", "where": "EXPE – QUAL", "stage": "05_sem",
         "message": "(from 03_reliability_validity, htmt) HTMT of EXPE and QUAL is 0.96, not below 0.85"},
        {"code": "pls_htmt", "severity": "warning", "where": "EXPE – QUAL", "stage": "05_sem",
         "message": "HTMT = 0.982 exceeds 0.85"}]
    q = S.build_summary(res, demo_params())["sections"]["quality"]
    diag = [x for x in q if x["key"] == "diagnostic"]
    assert len(diag) == 1 and diag[0]["count"] == 3
    assert "0.96 as HTMT2" in diag[0]["en"] and "0.982 as the original HTMT" in diag[0]["en"]
    assert diag[0]["numbers"] == {"htmt20": 0.96, "htmt0": 0.982}
    _check_numbers(diag[0])


def test_service_gaps_kano_and_nps_reach_the_recommendations():
    res = demo_like_results()
    res["gaps.csv"] = pd.DataFrame([
        {"dimension": "reliability", "level": "dimension", "gap": -0.93, "ci.lower": -1.05, "ci.upper": -0.81,
         "p.holm": 1e-40, "mean.e": 7.47, "mean.p": 6.54},
        {"dimension": "tangibles", "level": "dimension", "gap": 0.14, "ci.lower": 0.02, "ci.upper": 0.26,
         "p.holm": 0.02, "mean.e": 7.5, "mean.p": 7.6}])
    res["kano.csv"] = pd.DataFrame([
        {"feature": "cleanliness", "n": 532, "category": "M", "better": 0.27, "worse": -0.75},
        {"feature": "app", "n": 525, "category": "I", "better": 0.31, "worse": -0.30}])
    s = S.build_summary(res, demo_params())
    keys = [r["key"] for r in s["recommendations"]]
    assert {"service_gap", "kano", "nps_negative"} <= set(keys) and len(keys) <= 5
    gap = next(r for r in s["recommendations"] if r["key"] == "service_gap")
    assert gap["numbers"]["gap"] == -0.93 and "Reliability" in gap["en"]
    kano = next(r for r in s["recommendations"] if r["key"] == "kano")
    assert "Store cleanliness" in kano["en"] and kano["numbers"]["w0"] == -0.75 and "app" not in kano["en"].lower()
    nps = next(r for r in s["recommendations"] if r["key"] == "nps_negative")
    assert nps["numbers"]["nps"] == -14.7 and nps["numbers"]["lo"] == -21.3
    for r in s["recommendations"]:
        _check_numbers(r)


def test_reliability_a_pls_study_computes_twice_is_shown_side_by_side():
    res = demo_like_results()
    res["reliability.csv"] = pd.DataFrame([{"construct": "SAT", "alpha": 0.894, "cr": 0.894, "ave": 0.687},
                                           {"construct": "QUAL", "alpha": 0.869, "cr": 0.873, "ave": 0.579}])
    res["pls_quality.csv"] = pd.DataFrame([{"construct": "SAT", "alpha": 0.894, "rhoC": 0.927, "ave": 0.760},
                                           {"construct": "QUAL", "alpha": 0.871, "rhoC": 0.907, "ave": 0.661}])
    s = S.build_summary(res, demo_params(estimator="pls"))
    assert s["measurement_methods"][0] == {"construct": "SAT", "alpha": 0.894, "alpha_pls": 0.894, "cr": 0.894,
                                           "rhoc": 0.927, "ave": 0.687, "ave_pls": 0.760}
    from csat.report.html import summary_context

    t = summary_context(s, demo_params(estimator="pls"), "en")["measurement_table"]
    assert t["columns"] == ["Construct", "Method", "alpha", "Composite reliability", "AVE"]
    assert t["rows"][0][1:] == ["CFA, raw scores (D)", "0.894", "0.894", "0.687"]          # each method a row
    assert t["rows"][1][1:] == ["PLS, standardized (F)", "0.894", "0.927", "0.760"]
    assert S.build_summary(res, demo_params())["measurement_methods"] is None      # ML: one method, one value


def test_a_study_without_a_structural_model_still_gets_its_gap_and_kano_recommendations():
    res = demo_like_results(ipma=False)
    res["kano.csv"] = pd.DataFrame([{"feature": "cleanliness", "n": 532, "category": "M", "better": 0.27,
                                     "worse": -0.75}])
    s = S.build_summary(res, demo_params(model=None, model_template=None))
    assert s["drivers"] == [] and [r["key"] for r in s["recommendations"]][:2] == ["kano", "nps_negative"]
    from csat.report.html import summary_context

    ctx = summary_context(s, demo_params(), "en")
    assert ctx["no_drivers"] and len(ctx["recommendations"]) >= 2


def test_a_diagnostics_where_is_shown_only_when_it_names_the_studys_own_codes():
    res = demo_like_results()
    res["diagnostics.json"] = [
        {"code": "bootstrap_failed", "severity": "warning", "where": "bootstrap", "stage": "05_sem", "message": "1 failed"},
        {"code": "segments_weak", "severity": "warning", "where": "segments", "stage": "06_drivers_segments",
         "message": "silhouette 0.24"},
        {"code": "ill_conditioned", "severity": "warning", "where": "CFA: EXPE ~~ QUAL", "stage": "03_reliability_validity",
         "message": "Latent correlation 0.980"}]
    q = [x for x in S.build_summary(res, demo_params())["sections"]["quality"] if x["key"] == "diagnostic"]
    zh = " ".join(x["zh"] for x in q)
    assert "bootstrap。" not in zh and "segments" not in zh and "CFA" not in zh
    assert any("EXPE – QUAL" in x["en"] and "EXPE – QUAL" in x["zh"] for x in q)


def test_a_chinese_diagnostic_sentence_ends_with_one_full_stop():
    res = demo_like_results()
    res["diagnostics.json"] = [
        {"code": "ill_conditioned", "severity": "warning", "where": "CFA: EXPE ~~ QUAL", "stage": "03_reliability_validity",
         "message": "Latent correlation 0.980", "message_zh": "潜变量相关为 0.980。"},
        {"code": "ill_conditioned", "severity": "warning", "where": "CFA: VAL ~~ SAT", "stage": "03_reliability_validity",
         "message": "Latent correlation 0.956", "message_zh": "潜变量相关为 0.956。"}]
    q = [x for x in S.build_summary(res, demo_params())["sections"]["quality"] if x["key"] == "diagnostic"]
    assert q and all(x["zh"].endswith("。") and "。。" not in x["zh"] for x in q), [x["zh"] for x in q]
