"""csat.analyses.verdicts: the one set of fit rules (Hu & Bentler 1999) and the texts built from it."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from csat import sem
from csat.core.diagnostics import Diagnostic
from csat.analyses.descriptives import tracking_section_markdown
from csat.analyses.factor import invariance_section_markdown
from csat.analyses.verdicts import (FIT_RULE_ROWS, error_summary, fit_criterion, fit_table,
    fit_verdict, ipma_priority_text, overall_fit_verdict, section_markdown, sem_text, warning_box_html)
from csat.sem.fitmeasures import FIT_RULES


def test_one_definition_of_the_fit_rules():
    assert FIT_RULES == {"cfi": (0.95, 0.90, True), "tli": (0.95, 0.90, True),
                         "rmsea": (0.06, 0.08, False), "srmr": (0.08, 0.08, False)}
    assert FIT_RULE_ROWS == [("cfi", 0.95, 0.90, "min"), ("tli", 0.95, 0.90, "min"),
                             ("rmsea", 0.06, 0.08, "max"), ("srmr", 0.08, 0.08, "max")]
    assert sem.FIT_RULES is FIT_RULES


@pytest.mark.parametrize("measure, value, verdict", [
    ("cfi", 0.95, "good"), ("cfi", 0.9499, "acceptable"), ("cfi", 0.90, "acceptable"), ("cfi", 0.8999, "poor"),
    ("tli", 0.97, "good"), ("rmsea", 0.06, "good"), ("rmsea", 0.0601, "acceptable"), ("rmsea", 0.081, "poor"),
    ("srmr", 0.08, "good"), ("srmr", 0.0801, "poor"), ("chisq", 3.0, ""), ("cfi", None, ""),
    ("cfi", math.nan, "")])
def test_fit_verdict(measure, value, verdict):
    assert fit_verdict(measure, value) == verdict


def test_fit_table_criteria_and_verdicts():
    fit = {"chisq": 85.3, "df": 24, "pvalue": 0.0, "cfi": 0.931, "tli": 0.896, "rmsea": 0.092, "srmr": 0.065,
           "ntotal": 301}
    tab = fit_table(fit).set_index("measure")
    assert list(tab.index) == ["chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "ntotal"]
    assert tab.loc["cfi", "criterion"] == "≥ .95 good, ≥ .90 acceptable"
    assert tab.loc["rmsea", "criterion"] == "≤ .06 good, ≤ .08 acceptable"
    assert tab.loc["srmr", "criterion"] == "≤ .08 good" and tab.loc["chisq", "criterion"] == ""
    assert list(tab.loc[["cfi", "tli", "rmsea", "srmr"], "verdict"]) == ["acceptable", "poor", "poor", "good"]
    zh = fit_table(fit, "zh").set_index("measure")
    assert zh.loc["tli", "criterion"] == "≥ .95 良好，≥ .90 可接受" and zh.loc["srmr", "criterion"] == "≤ .08 良好"
    assert zh.loc["cfi", "verdict"] == "可接受" and zh.loc["rmsea", "verdict"] == "较差"
    assert fit_criterion("rmsea", "zh") == "≤ .06 良好，≤ .08 可接受"
    assert overall_fit_verdict(fit) == "poor" and overall_fit_verdict({"cfi": 0.99}) == "good"
    assert overall_fit_verdict({}) == ""


def test_error_summary_and_box():
    diags = [Diagnostic("heywood", "error", "x1 ~~ x1", "Negative variance <0>"),
             Diagnostic("poor_fit", "warning", "cfi", "meh")]
    text = error_summary(diags)
    assert text == "Warning: these estimates are untrustworthy because x1 ~~ x1: Negative variance <0>"
    assert error_summary(diags[1:]) is None
    assert "&lt;0&gt;" in warning_box_html(text) and warning_box_html(None) == ""


def test_ipma_priority_text_shared_by_sem_and_pls():
    ipma = pd.DataFrame({"label": ["形象", "质量"], "quadrant": ["concentrate_here", "keep_up"]})
    assert ipma_priority_text(ipma, "zh") == "重要性–表现分析显示应重点改进：形象（重要性高于平均而表现低于平均）。"
    assert ipma_priority_text(ipma).startswith("The importance–performance map points to 形象 as the priority")
    assert ipma_priority_text(ipma.iloc[1:]) == "" and ipma_priority_text(None) == ""
    eff = pd.DataFrame(columns=["from", "to", "std.total"])
    text = sem_text({"cfi": 0.99}, eff, pd.DataFrame(columns=["variable", "r2"]), {}, ipma)
    assert ipma_priority_text(ipma) in text


def test_section_texts_per_language():
    inv = section_markdown("invariance", "zh")
    assert inv.startswith("## 测量不变性\n\n") and not inv.endswith("\n")
    assert section_markdown("invariance", "fr") == section_markdown("invariance", "en")
    assert section_markdown("invariance", "en").startswith("## Measurement invariance\n\nBefore construct means")
    assert invariance_section_markdown("zh") == inv
    assert tracking_section_markdown("en").startswith("## Tracking: change of the indices and the NPS between waves\n\n")
    assert "Holm" in tracking_section_markdown("zh")


def test_verdict_texts_in_traditional_chinese_come_from_the_simplified_catalog():
    from csat.analyses.verdicts import list_text, verdict_word
    from csat.core.i18n import localize

    assert [verdict_word(v, "zh") for v in ("good", "acceptable", "poor", "")] == ["良好", "可接受", "较差", ""]
    assert verdict_word("poor", "zh-Hant") == localize("较差", "zh-Hant") and verdict_word("good") == "good"
    assert fit_criterion("cfi", "zh-Hant") == localize("≥ .95 良好，≥ .90 可接受", "zh-Hant")
    fit = {"cfi": 0.931, "tli": 0.896, "rmsea": 0.092, "srmr": 0.065}
    hant = fit_table(fit, "zh-Hant")
    assert list(hant["verdict"]) == [localize(v, "zh-Hant") for v in fit_table(fit, "zh")["verdict"]]
    assert list_text(["a", "b"], "zh-Hant") == "a、b" and list_text(["a", "b"]) == "a, b"
    d = [Diagnostic("heywood", "error", "x1 ~~ x1", "Negative variance", message_zh="方差为负")]
    assert error_summary(d, "zh-Hant") == localize("警告：以下估计值不可信，原因：x1 ~~ x1：方差为负", "zh-Hant")
    ipma = pd.DataFrame({"label": ["Image"], "quadrant": ["concentrate_here"]})
    assert ipma_priority_text(ipma, "zh-Hant") == localize(ipma_priority_text(ipma, "zh"), "zh-Hant")
    eff = pd.DataFrame(columns=["from", "to", "std.total"])
    r2 = pd.DataFrame(columns=["variable", "r2"])
    assert sem_text({"cfi": 0.99}, eff, r2, {}, None, d, "zh-Hant") == \
        localize(sem_text({"cfi": 0.99}, eff, r2, {}, None, d, "zh"), "zh-Hant")
    assert sem_text({}, eff, r2, {}, None, (), "zh").startswith("模型整体拟合无法判断（CFI = NA")


def test_carried_diagnostics_in_chinese(tmp_path):
    from csat.analyses.verdicts import carried_diagnostics

    f = tmp_path / "diagnostics.json"
    f.write_text('[{"stage": "03_reliability_validity", "code": "htmt", "severity": "warning", "where": "A–B", '
                 '"message": "HTMT = 0.91", "message_zh": "HTMT 为 0.91"}, {"stage": "03_reliability_validity", '
                 '"code": "fornell_larcker", "severity": "odd", "where": "A", "message": "m"}]', encoding="utf-8")
    a, b = carried_diagnostics(f)
    assert (a.code, a.message, a.message_zh) == ("discriminant_validity", "(from 03_reliability_validity, htmt) "
                                                 "HTMT = 0.91", "（来自 03_reliability_validity，htmt）HTMT 为 0.91")
    assert b.severity == "warning" and b.message_zh == ""
    assert carried_diagnostics(tmp_path / "none.json") == []


def test_section_texts_in_every_language():
    """The section texts of 02 (tracking) and 04 (invariance): a file per language, zh-Hant converted from zh,
    English where a language has none."""
    from csat.core.i18n import localize

    for name in ("tracking", "invariance"):
        en, zh = section_markdown(name, "en"), section_markdown(name, "zh")
        assert en.startswith("## ") and zh.startswith("## ") and zh != en
        assert section_markdown(name, "zh-Hant") == localize(zh, "zh-Hant") != zh
    assert section_markdown("invariance", "zh-Hant").splitlines()[0] == "## 測量不變性"


def test_robust_fit_is_labelled_and_read_robustly():
    """An MLR fit: the fit table shows the scaled χ² and the robust CFI/TLI/RMSEA with their verdicts; the
    note names the estimator and the test; the SEM text reads the robust measures."""
    import pandas as pd

    from csat import sem
    from csat.analyses import verdicts

    from conftest import SHARED

    hs = pd.read_csv(SHARED / "datasets" / "holzinger1939.csv")
    res = sem.fit("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9", hs, estimator="mlr")
    tab = verdicts.fit_table(res.fit_measures).set_index("measure")
    assert {"chisq.scaled", "pvalue.scaled", "chisq.scaling.factor", "cfi.robust", "rmsea.robust"} <= set(tab.index)
    assert "cfi" not in tab.index and tab.loc["cfi.robust", "verdict"] == "acceptable"
    assert verdicts.estimator_name(res.fit_measures) == "MLR" and verdicts.estimator_name({}) == "ML"
    note = verdicts.estimator_note(res.fit_measures)
    assert "MLR" in note and "Yuan–Bentler" in note and "87.13" in note
    assert "MLR" in verdicts.estimator_note(res.fit_measures, "zh") and verdicts.estimator_note({"chisq": 1.0}) is None
