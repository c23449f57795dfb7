"""csat.analyses.structural: the steps of the structural-model notebook (05_sem), ML and PLS, with the
tables, sentences and diagnostics each shows, in English, Chinese and traditional Chinese."""
from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

from csat import sem
from csat.analyses import structural as S
from csat.core.i18n import localize
from csat.intake.preflight import load_study
from csat.sem import pls
from csat.sem import structure as shape

matplotlib.use("Agg")
ROOT = Path(__file__).resolve().parents[2]


def _study(name: str, bootstrap: int | None = None, **overrides):
    """The study's params with ``overrides``; ``bootstrap`` is set without validation (a few resamples,
    fewer than a study may ask for, keep the tests fast)."""
    p = load_study(ROOT / "params" / f"{name}.yaml", overrides, root=ROOT, check_data=False)
    return p if bootstrap is None else p.model_copy(update={"bootstrap": bootstrap})


def _labels(p) -> dict:
    return {c: p.construct_label(c) for c in p.constructs}


class FakeStage:
    """Records the display calls a step makes."""

    def __init__(self):
        self.calls = []

    def table(self, df, caption):
        self.calls.append(("table", caption))

    def say(self, text):
        self.calls.append(("say", text))

    def figure(self, fig, name, caption):
        import matplotlib.pyplot as plt

        plt.close(fig)
        self.calls.append(("figure", name, caption))


@pytest.fixture(scope="module")
def poldem(shared_dir):
    return pd.read_csv(shared_dir / "datasets" / "political_democracy.csv")


@pytest.fixture(scope="module")
def ecsi(shared_dir):
    return pd.read_csv(shared_dir / "datasets" / "ecsi_satisfaction.csv")


@pytest.fixture(scope="module")
def ecsi_ml(ecsi):
    p = _study("ecsi", bootstrap=0)
    fit = sem.fit(S.study_model(p).syntax, ecsi, missing=p.sem_missing)
    return p, fit


@pytest.fixture(scope="module")
def ecsi_pls(ecsi):
    p = _study("ecsi_pls", bootstrap=30)
    res = pls.pls_fit(S.study_model(p).syntax, ecsi, missing=p.pls.missing)
    target, _ = S.pls_target(p, res)
    boot = pls.bootstrap_pls(res, n_boot=p.bootstrap, seed=p.seed, scale=S.index_scale(p), target=target, workers=1)
    return p, res, boot, target


# ---------------------------------------------------------------------------------------------- the model
def test_model_notes_and_diagnostics():
    p = _study("hs")                                        # one factor per construct: no structural part
    spec = S.study_model(p)
    assert not shape.has_structural_part(spec.syntax)
    notes = S.model_notes(p, spec)
    assert notes[-1] == S.no_structural_text("en") and "no structural part (no `~` regressions)" in notes[-1]
    (d,) = S.model_diagnostics(spec)
    assert d.code == "no_structural_part" and d.message.startswith("The model has no structural regressions")
    assert d.message_zh.startswith("模型没有结构回归路径") and d == S.no_structural_diagnostic()
    assert S.model_notes(_study("hs", language="zh"), spec)[-1].startswith("该模型没有结构部分（没有 `~` 回归路径）")
    assert S.model_diagnostics(S.study_model(_study("political_democracy"))) == []


def test_single_item_constructs_are_named_in_the_study_language():
    from csat.config.params import validate_params

    raw = {"study": "s", "data": {"path": "x.csv"}, "model": "B =~ b1 + b2 + b3\nA =~ a1\nC =~ c1\nB ~ A + C",
           "constructs": {"A": {"label": "Alpha", "label_zh": "甲", "items": ["a1"]},
                          "B": {"label": "Beta", "label_zh": "乙", "items": ["b1", "b2", "b3"]},
                          "C": {"label": "Gamma", "label_zh": "丙", "items": ["c1"]}}}
    p = validate_params(raw)
    spec = S.study_model(p)
    assert S.model_notes(p, spec) == [
        "Single-item construct(s) Alpha, Gamma are measured without error: the item's residual variance is fixed "
        "at 0 (as lavaan does), so the construct is the item."]
    zh = validate_params({**raw, "language": "zh"})
    assert S.model_notes(zh, spec) == ["单题项维度 甲、丙 视为无测量误差：题项残差方差固定为 0（与 lavaan 相同），维度即该题项。"]
    assert S.model_diagnostics(spec) == []


# ---------------------------------------------------------------------------------------------- ML
def test_ml_estimate_tables_of_a_structural_and_a_measurement_model(poldem, shared_dir):
    p = _study("political_democracy")
    fit = sem.fit(S.study_model(p).syntax, poldem)
    _, est = sem.result_tables(fit)
    tabs = S.ml_estimate_tables(fit, est, _labels(p), True)
    assert [c for _, c in tabs] == ["Structural paths and defined parameters", "Measurement model (loadings)",
                                    "Variances and covariances", "Explained variance (R²) of the endogenous constructs"]
    assert set(tabs[0][0]["op"]) == {"~"} and list(tabs[0][0].columns) == sem.RESULT_EST_COLUMNS
    assert tabs[3][0].set_index("variable").loc["dem65", "label"] == "Democracy 1965"
    zh = [c for _, c in S.ml_estimate_tables(fit, est, _labels(p), True, "zh")]
    assert zh == ["结构路径与定义参数", "测量模型（载荷）", "方差与协方差", "内生维度的解释方差（R²）"]
    hs = pd.read_csv(shared_dir / "datasets" / "holzinger1939.csv")
    cfa = sem.fit(S.study_model(_study("hs")).syntax, hs)
    _, est = sem.result_tables(cfa)
    tabs = S.ml_estimate_tables(cfa, est, {}, False, "zh-Hant")
    assert [c for _, c in tabs] == [localize(c, "zh-Hant") for c in ["测量模型（载荷）", "方差与协方差",
                                                                      "因子间相关（因子协方差的完全标准化估计）"]]
    assert len(tabs[-1][0]) == 3


def test_ml_effects_with_and_without_a_bootstrap(poldem):
    p = _study("political_democracy", bootstrap=20)
    fit = sem.fit(S.study_model(p).syntax, poldem)
    step = S.ml_effects(fit, poldem, p, True)
    assert step.counts["n_requested"] == 20 and step.boot is not None
    assert "std.total.ci.lower" in step.effects and step.effects["std.total.ci.lower"].notna().all()
    assert [d.code for d in step.diagnostics][:1] == ["bootstrap_few"]     # fewer than 1000 resamples
    stage = FakeStage()
    step.show(stage)
    assert stage.calls == [("table", "Bootstrap resamples"),
                           ("table", "Effects between constructs (95% percentile bootstrap CI of the standardized "
                                     "total effect, B = 20)")]
    none = S.ml_effects(fit, poldem, _study("political_democracy", bootstrap=0, language="zh"), True)
    assert none.counts == {"n_requested": 0} and none.boot is None and none.diagnostics == []
    assert none.effects["std.total.ci.lower"].isna().all()
    assert none.shown[0] == ("say", "未进行自助重抽样（重抽样次数为 0）；效应不附区间。")
    assert none.shown[1][2] == "维度间效应（标准化总效应的 95% 百分位自助区间，B = 0）"
    flat = S.ml_effects(fit, poldem, p, False)
    assert [s[0] for s in flat.shown] == ["say"] and flat.diagnostics == [] and flat.counts == {"n_requested": 0}


def test_path_diagram_caption():
    assert S.path_diagram_caption(True) == "Path diagram with standardized coefficients and R²"
    assert S.path_diagram_caption(False, "zh") == "测量模型：各因子及其题项的标准化载荷与因子间相关"
    assert S.path_diagram_caption(True, "zh-Hant") == localize("路径图（标准化系数与 R²）", "zh-Hant")


def test_ml_ipma_and_why_there_is_none(ecsi_ml, ecsi, poldem):
    p, fit = ecsi_ml
    from csat.sem import effects as eff

    effects = eff.effects_with_ci(eff.sem_effects(fit), eff.BootstrapDraws([], np.empty((0, 0)), np.array([])))
    step = S.ml_ipma(p, ecsi, effects, _labels(p), True)
    assert step.table is not None and step.diagnostics == []
    assert {"quadrant_en", "quadrant_zh", "action_en", "action_zh"} <= set(step.table.columns)
    assert [s[0] for s in step.shown] == ["table", "figure"]
    assert list(step.shown[0][1].columns) == ["label", "importance", "performance", "quadrant", "action"]
    assert step.shown[0][2] == "Importance–performance for Satisfaction" and step.shown[1][2] == "ipma"
    import matplotlib.pyplot as plt

    plt.close(step.shown[1][1])
    # no structural part: a sentence only
    flat = S.ml_ipma(p, ecsi, effects, _labels(p), False)
    assert flat.table is None and flat.diagnostics == []
    assert flat.shown == [("say", "No importance–performance map: the model has no structural part.")]
    # no construct named like satisfaction
    pd_ = _study("political_democracy", language="zh")
    none = S.ml_ipma(pd_, poldem, effects, _labels(pd_), True)
    (d,) = none.diagnostics
    assert d.code == "ipma_unavailable" and d.where == "ipma.target" and none.table is None
    assert none.shown == [("say", d.message_zh)] and d.message.startswith("No importance–performance map: no construct")
    # a target, but continuous scores without bounds: no performance index
    unbounded = S.ml_ipma(_study("political_democracy", ipma={"target": "dem65"}), poldem, effects, {}, True)
    (d,) = unbounded.diagnostics
    assert d.where == "dem65" and "the scale has no bounds" in d.message and unbounded.shown == [("say", d.message)]


def test_ipma_display_in_the_report_script():
    t = pd.DataFrame({"construct": ["A"], "label": ["质量"], "importance": [0.4], "performance": [60.0],
                      "quadrant": ["concentrate_here"], "quadrant_en": ["Concentrate here"], "quadrant_zh": ["重点改进"],
                      "action_en": ["Improve"], "action_zh": ["应优先改进质量"]})
    assert list(S.ipma_display(t)["quadrant"]) == ["Concentrate here"]
    assert S.ipma_display(t, "zh").equals(t[["label", "importance", "performance", "quadrant_zh", "action_zh"]].rename(
        columns={"quadrant_zh": "quadrant", "action_zh": "action"}))
    hant = S.ipma_display(t, "zh-Hant")
    assert hant.loc[0, "action"] == localize("应优先改进质量", "zh-Hant") != "应优先改进质量"
    assert hant.loc[0, "label"] == "质量"                 # the study's own label is shown as given


# ---------------------------------------------------------------------------------------------- PLS
def test_pls_target_and_run(ecsi_pls):
    p, res, boot, target = ecsi_pls
    assert target == "SAT" and S.index_scale(p) == (0, 10)
    assert S.index_scale(_study("political_democracy")) is None
    missing, diags = S.pls_target(_study("ecsi_pls", ipma={"target": "IMAG"}), _NoConstructs())
    assert missing is None and diags[0].message == "the IPMA target 'IMAG' is not in the PLS model"
    assert diags[0].message_zh == "IPMA 目标维度 'IMAG' 不在 PLS 模型中。"
    run = S.pls_run(res, boot)
    assert run["n_requested"] == 30 and run["n"] == 250 and run["missing"] == "mean" and run["converged"]
    assert list(S.pls_run_table(res, boot).columns) == ["n_requested", "n_ok", "n_failed", "seed", "workers", "n",
                                                        "iterations", "converged"]


class _NoConstructs:
    """A PLS result whose model holds no construct (for the missing-target note)."""

    def __init__(self):
        self.spec = type("Spec", (), {"constructs": {}})()


def test_pls_measurement_and_structural_tables(ecsi_pls):
    p, res, boot, _ = ecsi_pls
    mm = S.pls_measurement(res, boot)
    assert list(mm.files()) == ["pls_quality.csv", "pls_htmt.csv", "pls_htmt_ci.csv", "pls_fornell_larcker.csv",
                                "pls_item_vif.csv", "pls_inner.csv"]
    assert {"vif", "f2"} <= set(mm.inner.columns)
    tabs = S.pls_measurement_tables(mm, boot.estimates, _labels(p), 30)
    assert tabs[1][1] == "Outer loadings and weights with 95% percentile bootstrap intervals (B = 30), indicator VIF"
    outer = tabs[1][0]
    assert len(outer) == 27 and {"loading", "loading.ci.lower", "weight", "vif"} <= set(outer.columns)
    assert tabs[0][0].set_index("construct").loc["SAT", "label"] == "Satisfaction"
    zh = [c for _, c in S.pls_measurement_tables(mm, boot.estimates, _labels(p), 30, "zh")]
    assert zh[0] == "维度质量：R²、Cronbach α、rhoA、组合信度 rhoC、AVE" and zh[3].startswith("HTMT 及其 95% 百分位")
    st = S.pls_structural_tables(boot.estimates, boot, mm.inner, _labels(p), 30, "zh")
    assert [c for _, c in st][0] == "路径系数及自助法标准误、t、p 与 95% 百分位区间（B = 30）"
    assert set(st[0][0]["op"]) == {"~"} and "total.ci.lower" in st[3][0]
    assert S.pls_measurement_reading().startswith("How to read this: a reflective construct")
    assert S.pls_structural_reading("zh").startswith("解读：路径系数表示")


def test_pls_index_and_ipma(ecsi_pls):
    p, res, boot, target = ecsi_pls
    index = S.pls_index(boot, _labels(p), p)
    assert index.written and list(index.table.columns) == pls.INDEX_COLUMNS
    stage = FakeStage()
    index.show(stage)
    assert [c[0] for c in stage.calls] == ["table", "figure", "say"]
    assert "100 × (mean − 0) / (10 − 0)" in stage.calls[2][1]
    unbounded = S.pls_index(type(boot)(**{**boot.__dict__, "index": None}), {}, _study("ecsi_pls", language="zh"))
    assert not unbounded.written and unbounded.table.empty and list(unbounded.table.columns) == pls.INDEX_COLUMNS
    assert unbounded.shown == [("say", "没有 0–100 指数：量表没有上下限（未设最小值和最大值的连续分数）。")]
    step = S.pls_ipma(boot, index.table, target, _labels(_study("ecsi_pls", language="zh")), "zh")
    assert step.table is not None and len(step.table) == 4 and target not in set(step.table["construct"])
    # ECSI's drivers cannot be ranked apart (overlapping bootstrap intervals): the step says so after the map
    assert step.table.attrs["not_separable"] == list(step.table["construct"])
    assert [s[0] for s in step.shown] == ["table", "figure", "say", "say"]
    assert step.shown[2][1].startswith("在目前的样本量下") and "仅由表现决定" in step.shown[2][1]
    assert step.shown[0][2] == "满意度的重要性–表现分析" and step.shown[3][1].startswith("解读（SmartPLS 的 IPMA）")
    from csat.analyses.verdicts import ipma_priority_text

    if (step.table["quadrant"] == "concentrate_here").any():
        assert "无法区分" in ipma_priority_text(step.table, "zh")
    import matplotlib.pyplot as plt

    plt.close(step.shown[1][1])
    none = S.pls_ipma(boot, index.table, None, _labels(p))
    assert none.table is None and none.shown[0][1].startswith("No importance–performance map: it needs a target")


def test_pls_text_in_each_language(ecsi_pls):
    p, res, boot, target = ecsi_pls
    q = pls.quality(res)
    index = boot.index
    labels = {c: _study("ecsi_pls", language="zh").construct_label(c) for c in p.constructs}
    en = S.pls_text(q, boot.estimates, index, None, _labels(p), (), "en")
    assert en.startswith("The reflective constructs have composite reliability rhoC between ")
    assert "The model explains " in en and "% of the variance of Satisfaction" in en and ". The 0–100 indices" in en
    zh = S.pls_text(q, boot.estimates, index, None, labels, (), "zh")
    assert zh.startswith("反映型维度的组合信度 rhoC 在 ") and "。模型解释了" in zh and " " not in zh.split("。")[1][:3]
    assert "满意度方差的 " in zh and "、" in zh
    codes = S.pls_text(q, boot.estimates, index, None, {}, (), "zh")        # construct codes, no Chinese labels
    assert S.pls_text(q, boot.estimates, index, None, {}, (), "zh-Hant") == localize(codes, "zh-Hant") != codes
    from csat.core.diagnostics import Diagnostic

    err = [Diagnostic("heywood", "error", "x", "bad", message_zh="坏")]
    assert S.pls_text(q.iloc[0:0], boot.estimates.iloc[0:0], index.iloc[0:0], None, {}, err) == \
        "Caution: the diagnostics include errors; read them before interpreting these results."


def test_the_step_shows_in_order():
    step = S.Step(shown=[("say", "a"), ("table", pd.DataFrame(), "T")])
    stage = FakeStage()
    step.show(stage)
    assert stage.calls == [("say", "a"), ("table", "T")]
