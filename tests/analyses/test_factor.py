"""csat.analyses.factor: the reader's side of 04_factor_analysis (tables, sentences and files in the study's
language) and the scree plot's words (csat.viz.factor), in en, zh and the derived zh-Hant."""
from __future__ import annotations

import json
import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from conftest import SHARED
from csat.analyses import factor as F
from csat.core.diagnostics import Diagnostic
from csat.sem import RESULT_EST_COLUMNS, multigroup

ITEMS = [f"x{i}" for i in range(1, 10)]
HS_CONSTRUCTS = {**{f"x{i}": "visual" for i in (1, 2, 3)}, **{f"x{i}": "textual" for i in (4, 5, 6)},
                 **{f"x{i}": "speed" for i in (7, 8, 9)}}
MODEL = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def hs():
    return pd.read_csv(SHARED / "datasets" / "holzinger1939.csv")


@pytest.fixture(scope="module")
def efa(hs):
    return F.efa_results(hs, ITEMS, {"n_factors": 3, "parallel_iter": 20}, seed=1, item_construct=HS_CONSTRUCTS)


def _params(invariance=None, waves=None):
    return SimpleNamespace(invariance=invariance and SimpleNamespace(group=invariance), waves=waves, wave_order=None,
                           sem_missing="listwise")


@pytest.fixture(scope="module")
def school_run(hs):
    run, = F.invariance_runs(hs, MODEL, _params("school"))
    return run


# ------------------------------------------------------------------------------ EFA
def test_kaiser_labels_in_each_language():
    assert [F.kmo_label(v) for v in (0.95, 0.85, 0.75, 0.65, 0.55, 0.3)] == [
        "marvelous", "meritorious", "middling", "mediocre", "miserable", "unacceptable"]
    assert [F.kmo_label(v, "zh") for v in (0.95, 0.85, 0.75, 0.65, 0.55, 0.3)] == [
        "极好", "良好", "中等", "一般", "较差", "不可接受"]
    assert F.kmo_label(0.95, "zh-Hant") == "極好"


def test_adequacy_table_words_the_verdicts():
    b = {"chisq": 10.0, "df": 3, "pvalue": 0.2}
    overall, items = F.adequacy_table(0.55, {"a": 0.45, "b": 0.85}, b)
    assert list(overall["verdict"]) == ["miserable", "df = 3, p = 0.200 (not significant)"]
    assert list(overall["value"]) == [0.55, 10.0] and list(items["MSA"]) == [0.45, 0.85]
    overall, items = F.adequacy_table(0.55, {"a": 0.45, "b": 0.85}, b, language="zh")
    assert list(overall["verdict"]) == ["较差", "df = 3, p = 0.200（不显著）"] and list(items["verdict"]) == ["不可接受", "良好"]
    overall, _ = F.adequacy_table(0.95, {"a": 0.95}, dict(b, pvalue=0.0001), language="zh-Hant")
    assert list(overall["verdict"]) == ["極好", "df = 3, p < .001（顯著）"]


def test_with_labels_puts_the_label_after_the_item():
    table = pd.DataFrame({"item": ["x1", "x2"], "MSA": [0.8, 0.7]})
    out = F.with_labels(table, {"x1": "Visual perception", "x2": "Cubes"}.get)
    assert list(out.columns) == ["item", "label", "MSA"] and list(out["label"]) == ["Visual perception", "Cubes"]
    assert list(table.columns) == ["item", "MSA"]                       # the input is left alone


def test_n_factors_table_and_note():
    s = {"n_factors_parallel": 3, "n_factors_kaiser": 2, "n_factors": 4}
    table, note = F.n_factors_table(s, 5, 4)
    assert table.to_dict("list") == {"rule": ["parallel analysis", "Kaiser (eigenvalue > 1)",
                                              "constructs in the params file", "used"], "factors": [3, 2, 5, 4]}
    assert note == "set by the study"
    table, note = F.n_factors_table(s, 5, "auto", "zh")
    assert list(table["rule"]) == ["平行分析", "Kaiser 准则（特征值 > 1）", "参数文件中的维度", "采用"]
    assert note == "由平行分析确定"


def test_loadings_table_and_factor_correlations(efa, hs):
    fa = efa["efa"]
    table = F.loadings_table(fa, str.upper)
    assert list(table.columns) == ["item", "label", "MR1", "MR2", "MR3", "h2", "u2"]
    assert sorted(table["item"]) == ITEMS and list(table["label"]) == [i.upper() for i in table["item"]]
    np.testing.assert_allclose(table["h2"] + table["u2"], 1.0)
    small = (fa["loadings"].loc[table["item"]].abs() < 0.30).to_numpy()
    assert ((table[["MR1", "MR2", "MR3"]] == "") == small).all().all()
    phi = F.factor_correlations(fa)
    assert list(phi.columns) == ["factor", "MR1", "MR2", "MR3"] and np.allclose(np.diag(phi[["MR1", "MR2", "MR3"]]), 1)
    assert F.factor_correlations({**fa, "rotation": "varimax"}) is None
    one = F.efa_results(hs, ITEMS, {"n_factors": 1, "parallel_iter": 20}, seed=1)["efa"]
    assert F.factor_correlations(one) is None


@pytest.mark.parametrize("constructs, en, zh", [
    (HS_CONSTRUCTS, "9 of 9 items load mainly on the factor of their own construct; 1 item(s) cross-load "
                    "(|loading| ≥ .30) on a second factor (see the diagnostics).",
     "9 个题项中有 9 个主要负载在其所属维度的因子上；1 个题项存在交叉负载（|λ| ≥ .30）（见诊断）。"),
    (dict(HS_CONSTRUCTS, x4="visual"), "8 of 9 items load mainly on the factor of their own construct, 1 do not; "
                                       "1 item(s) cross-load", "9 个题项中有 8 个主要负载在其所属维度的因子上，1 个不是；"),
])
def test_summary_text_names_the_construct_check(hs, constructs, en, zh):
    res = F.efa_results(hs, ITEMS, {"n_factors": 3, "parallel_iter": 20}, seed=1, item_construct=constructs)
    assert en in F.summary_text(res, "en") and zh in F.summary_text(res, "zh")


def test_summary_text_per_language(hs, efa):
    en, zh, hant = (F.summary_text(efa, lang) for lang in ("en", "zh", "zh-Hant"))
    assert en.startswith("KMO = 0.75 (middling) and Bartlett's test χ²(36) = 904.1, p < .001, so the data are "
                         "suitable for factor analysis. Parallel analysis (20 simulated data sets, 95th percentile) ")
    assert zh.startswith("KMO = 0.75（中等），Bartlett 球形检验 χ²(36) = 904.1，p < .001，数据适合做因子分析。平行分析（20 次模拟")
    assert "。 " not in zh and "因素分析" in hant and "数据" not in hant          # Chinese sentences join without a space
    six = ["x1", "x2", "x3", "x4", "x5", "x6"]
    clean = F.efa_results(hs, six, {"n_factors": 2, "parallel_iter": 20, "rotation": "varimax"}, seed=1,
                          item_construct={i: HS_CONSTRUCTS[i] for i in six})
    assert F.summary_text(clean).endswith("6 of 6 items load mainly on the factor of their own construct, as the "
                                          "questionnaire intends.")
    noise = pd.DataFrame(np.random.default_rng(1).normal(size=(60, 6)), columns=list("abcdef"))
    res = F.efa_results(noise, list("abcdef"), {"n_factors": 1, "parallel_iter": 20}, seed=1)
    assert "so the data are poorly suited to factor analysis." in F.summary_text(res)
    assert "数据做因子分析的适切性不足。" in F.summary_text(res, "zh")
    with pytest.raises(F.FactorError, match="language"):
        F.summary_text(efa, "fr")


# ------------------------------------------------------------------------------ the CFA of 03
def _cfa_files(folder, modindices=None):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cfa.json").write_text(json.dumps({"missing": "listwise", "n": 301, "converged": True, "errors": [],
                                                 "modindices": modindices}), encoding="utf-8")
    (folder / "cfa_fit.json").write_text(json.dumps({"cfi": 0.93}), encoding="utf-8")
    est = pd.DataFrame({c: ["NA" if c == "label" else 1.0] for c in RESULT_EST_COLUMNS + ["extra"]})
    est.to_csv(folder / "cfa_estimates.csv", index=False)
    pd.DataFrame({"lhs": ["visual"], "mi": [36.4]}).to_csv(folder / "cfa_modindices.csv", index=False)
    pd.DataFrame({"x1": [0.0, 0.12], "x2": [0.12, 0.0]}, index=["x1", "x2"]).to_csv(folder / "cfa_residuals.csv")


def test_read_cfa(tmp_path):
    assert F.read_cfa(tmp_path) is None                                 # 03 could not fit the model
    _cfa_files(tmp_path)
    cfa = F.read_cfa(tmp_path)
    assert cfa["n"] == 301 and cfa["fit"] == {"cfi": 0.93}
    assert list(cfa["estimates"].columns) == RESULT_EST_COLUMNS
    assert list(cfa["modindices_table"]["mi"]) == [36.4]
    assert list(cfa["residuals"].index) == ["x1", "x2"] and cfa["residuals"].loc["x1", "x2"] == 0.12
    _cfa_files(tmp_path / "fiml", modindices="not available for FIML fits")
    assert F.read_cfa(tmp_path / "fiml")["modindices_table"] is None


def test_cfa_sentences():
    assert F.estimates_note(["x1: negative variance", "not positive definite"], "zh") == \
        "估计值不可信：x1: negative variance；not positive definite"
    # an engine's message as cfa.json keeps it, read back from the catalog message it was formatted from
    assert F.estimates_note(["The latent covariance matrix is not positive definite (smallest eigenvalue -0.00168)."],
                            "zh") == "估计值不可信：潜变量协方差矩阵非正定（最小特征值 -0.00168）。"
    assert F.estimates_note([], "zh") is None
    fit = {"chisq": 85.31, "df": 24.0, "pvalue": 0.0123, "cfi": 0.9312, "tli": 0.8964, "rmsea": 0.0921,
           "rmsea.ci.lower": 0.0714, "rmsea.ci.upper": 0.1138, "srmr": 0.0652}
    assert F.cfa_fit_text(fit, "zh") == ("测量模型：χ²(24) = 85.3，p = 0.0123，CFI = 0.931，TLI = 0.896，"
                                          "RMSEA = 0.092 [0.071, 0.114]，SRMR = 0.065。")


def test_estimates_note_in_chinese_from_the_diagnostics(tmp_path):
    """An error kept with its place, or without it (the fit's own checks), is shown in Chinese."""
    import json
    diag = tmp_path / "diagnostics.json"
    diag.write_text(json.dumps([
        {"code": "heywood", "where": "x1", "message": "negative variance", "message_zh": "方差为负"},
        {"code": "latent_not_pd", "where": "CFA: latent covariance matrix", "message": "not positive definite",
         "message_zh": "潜变量协方差矩阵非正定"}]), encoding="utf-8")
    note = F.estimates_note(["x1: negative variance", "not positive definite"], "zh", diag)
    assert note == "估计值不可信：x1：方差为负；潜变量协方差矩阵非正定"


# ------------------------------------------------------------------------------ measurement invariance
@pytest.mark.parametrize("verdicts, level", [
    (["poor", "holds", "holds"], "already fits poorly in the separate groups"),
    (["acceptable", "rejected", "rejected"], "metric invariance fails"),
    (["acceptable", "holds", "rejected"], "scalar invariance fails"),
    (["acceptable", "holds", "holds"], "construct means and indices can be compared"),
])
def test_invariance_text_per_level(school_run, verdicts, level):
    table = school_run["table"].assign(verdict=verdicts)
    en = F.invariance_text(table, "school", ["Pasteur", "Grant-White"])
    zh = F.invariance_text(table, "school", ["Pasteur", "Grant-White"], "zh")
    assert level in en and en.startswith("Measurement invariance across school (Pasteur, Grant-White; Chen 2007 "
                                         "criteria: ΔCFI ≤ 0.01, ΔRMSEA ≤ 0.015). Configural model: CFI = 0.923")
    assert ("Equal loadings (metric): ΔCFI = 0.002" in en and
            ("— holds." if verdicts[1] == "holds" else "— does not hold.") in en)
    assert zh.startswith("school（Pasteur, Grant-White）间的测量不变性（Chen 2007 标准：ΔCFI ≤ 0.01，ΔRMSEA ≤ 0.015）。")
    assert ("——成立。" if verdicts[1] == "holds" else "——不成立。") in zh and "载荷与截距等同（标量不变）" in zh


def test_invariance_runs_follow_the_params(hs, school_run):
    assert F.invariance_runs(hs, MODEL, _params()) == []                # the params ask for no test
    assert school_run["group"] == "school" and list(school_run["levels"]) == ["Pasteur", "Grant-White"]
    bad, = F.invariance_runs(hs.assign(tiny=["a"] * 295 + ["b"] * 6), MODEL, _params("tiny"))
    assert bad == {"group": "tiny", "error": "group 'b' of 'tiny' has only 6 usable row(s) for 9 variables"}
    waves = SimpleNamespace(column="school")
    failed, = F.invariance_runs(hs, MODEL, SimpleNamespace(**{**vars(_params(waves=waves)), "wave_order": ["A", "B"]}))
    assert failed["group"] is None and failed["error"].startswith("waves.order: level(s) ['A', 'B'] do not occur")


def test_invariance_display(school_run):
    shown = F.invariance_display(school_run, "listwise")
    assert shown["table"] is school_run["table"]
    assert shown["caption"] == "Measurement invariance across school: Pasteur (n = 156), Grant-White (n = 145) " \
                               "(ML, missing data: listwise)"
    assert shown["text"] == F.invariance_text(school_run["table"], "school", school_run["levels"])
    assert [d.code for d in shown["diagnostics"]] == ["poor_fit", "noninvariance"]
    assert shown["release"].equals(school_run["release"].head(10)) and len(shown["release"]) == 9     # 9 intercepts
    assert F.invariance_display(dict(school_run, release=pd.concat([school_run["release"]] * 2)),
                                "listwise")["release"].shape[0] == 10
    assert shown["release_caption"].startswith("Which parameters differ across school: score tests of releasing each "
                                               "equality of the scalar model")
    top = school_run["release"].iloc[0]
    assert shown["release_text"].startswith(f"Largest: {top['lhs']} ~1  in school = {top['group.label']} (X² = ")
    zh = F.invariance_display(school_run, "listwise", "zh")
    assert zh["caption"] == "school 间的测量不变性：Pasteur (n = 156), Grant-White (n = 145)（ML，缺失值：列表删除）"
    assert zh["release_caption"].startswith("school 间哪些参数不等：逐一释放scalar模型等同约束的计分检验")
    assert zh["release_text"].startswith("最大者：school = ") and zh["diagnostics"] == shown["diagnostics"]
    held = dict(school_run, release=None)
    assert F.invariance_display(held, "listwise")["release"] is None


def test_a_failed_invariance_run_is_a_diagnostic_and_a_sentence():
    one = F.invariance_display({"group": "tiny", "error": "too few rows"}, "listwise", "zh")
    assert one["table"] is None and one["release"] is None
    assert one["text"] == "无法拟合 tiny 间的测量不变性模型：too few rows"
    assert one["diagnostics"] == [Diagnostic("invariance_failed", "error", "invariance across tiny", "too few rows",
                                             message_zh="无法拟合 tiny 间的测量不变性模型：too few rows")]
    whole = F.invariance_display({"group": None, "error": "bad order"}, "listwise")
    assert whole["text"] == "The invariance models could not be fitted: bad order"
    assert whole["diagnostics"] == [Diagnostic("invariance_failed", "error", "measurement invariance", "bad order",
                                               message_zh="无法拟合测量不变性模型：bad order")]


def test_invariance_files(school_run):
    files = F.invariance_files([school_run, {"group": "tiny", "error": "too few rows"}])
    assert list(files) == list(F.INVARIANCE_FILES)
    inv = files["invariance.csv"]
    assert list(inv.columns) == ["by"] + multigroup.INVARIANCE_COLUMNS and set(inv["by"]) == {"school"}
    for name in ("invariance_release.csv", "invariance_estimates.csv"):
        assert files[name].columns[0] == "by" and len(files[name])
    assert files["invariance_estimates.csv"].columns[1] == "model"
    assert F.invariance_files([dict(school_run, release=None)])["invariance_release.csv"] is None
    assert F.invariance_files([]) == dict.fromkeys(F.INVARIANCE_FILES)


# ------------------------------------------------------------------------------ the scree plot's words
@pytest.mark.parametrize("language, words", [
    ("en", (["Observed eigenvalues", "Simulated data, 95th percentile (20 data sets)", "Kaiser (λ = 1)",
             "Parallel analysis keeps 3"], "Component", "Eigenvalue")),
    ("zh", (["观测特征值", "模拟数据第 95 百分位（20 次）", "Kaiser (λ = 1)", "平行分析保留 3 个"], "成分", "特征值")),
])
def test_scree_plot_words(efa, language, words):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from csat.viz.factor import scree_plot

    fig = scree_plot(efa["parallel"], language=language)
    ax = fig.axes[0]
    assert ([t.get_text() for t in ax.get_legend().get_texts()], ax.get_xlabel(), ax.get_ylabel()) == words
    plt.close(fig)
    fig = scree_plot({**efa["parallel"], "kind": "fa"}, language=language)
    assert fig.axes[0].get_xlabel() == {"en": "Factor", "zh": "因子"}[language]
    plt.close(fig)


def test_invariance_with_mlr_shows_the_robust_statistics():
    """estimator: mlr — the invariance table shows the scaled χ² and the robust CFI/TLI/RMSEA in place of the
    naive ones (as wide as ML's table), the CSV keeps both, and the text names the scaled difference test."""
    from types import SimpleNamespace

    import pandas as pd

    from conftest import SHARED
    from csat.analyses import factor as study_factor
    from csat.sem import multigroup

    hs = pd.read_csv(SHARED / "datasets" / "holzinger1939.csv")
    params = SimpleNamespace(invariance=SimpleNamespace(group="school"), waves=None, wave_order=None,
                             sem_missing="listwise", sem_estimator="mlr", ordered_items=[])
    (run,) = study_factor.invariance_runs(hs, "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; "
                                               "speed =~ x7 + x8 + x9", params)
    shown = study_factor.invariance_display(run, "listwise")
    assert len(shown["table"].columns) == len(multigroup.INVARIANCE_COLUMNS)
    assert {"chisq.scaled", "cfi.robust", "rmsea.robust"} <= set(shown["table"].columns)
    assert "(MLR, missing data: listwise)" in shown["caption"] and "Satorra–Bentler (2001)" in shown["text"]
    # the score tests of the rejected scalar step: lavaan's lavTestScore, which has no robust variant (said so)
    assert list(run["release"].head(2)["lhs"]) == ["x3", "x7"]
    assert "not corrected for non-normality" in shown["release_text"] and "MLR" in shown["release_text"]
    csv = study_factor.invariance_files([run])["invariance.csv"]
    assert list(csv.columns) == ["by"] + multigroup.INVARIANCE_COLUMNS + multigroup.ROBUST_INVARIANCE_COLUMNS


def test_invariance_with_ordered_items_shows_four_steps():
    """estimator: wlsmv — configural, thresholds, metric, scalar (Wu & Estabrook 2016); the table shows the
    scaled χ², CFI and RMSEA; the text has the thresholds step and names Satorra's (2000) test, in en and zh."""
    from pathlib import Path

    d = pd.read_csv(Path(__file__).resolve().parents[1] / "reference" / "ordinal_hs4g.csv")
    items = [f"x{i}" for i in range(1, 10)]
    params = SimpleNamespace(invariance=SimpleNamespace(group="school"), waves=None, wave_order=None,
                             sem_missing="listwise", sem_estimator="wlsmv", ordered_items=items)
    (run,) = F.invariance_runs(d, "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9", params)
    assert list(run["table"]["model"]) == ["configural", "thresholds", "metric", "scalar"]
    assert multigroup.invariance_level(run["table"]) == "none"          # configural RMSEA (scaled) .093
    shown = F.invariance_display(run, "listwise")
    assert {"chisq.scaled", "cfi.scaled", "rmsea.scaled"} <= set(shown["table"].columns)
    assert len(shown["table"].columns) == len(multigroup.INVARIANCE_COLUMNS)
    assert "(WLSMV, missing data: listwise)" in shown["caption"]
    assert "Equal thresholds (Wu & Estabrook 2016): ΔCFI = " in shown["text"] and "Satorra's (2000)" in shown["text"]
    assert "CFI = 0.956, RMSEA = 0.093" in shown["text"]                 # the scaled ones
    tab = run["table"].assign(**{"delta.rmsea": [np.nan, -0.0004, 0.0, 0.0]})
    assert "-0.000" not in F.invariance_text(tab, "school", run["levels"])
    assert [d_.code for d_ in shown["diagnostics"]] == ["poor_fit", "noninvariance"]
    zh = F.invariance_display(run, "listwise", "zh")
    assert "阈值等同（Wu & Estabrook 2016）" in zh["text"] and "Satorra（2000）" in zh["text"]
    # a table whose configural model fits, thresholds rejected: the threshold conclusion
    tab = run["table"].assign(verdict=["acceptable", "rejected", "holds", "holds"])
    assert multigroup.invariance_level(tab) == "configural"
    assert "threshold invariance fails" in F.invariance_text(tab, "school", run["levels"])
    tab = run["table"].assign(verdict=["acceptable", "holds", "rejected", "holds"])
    assert multigroup.invariance_level(tab) == "thresholds"
    assert "metric invariance fails" in F.invariance_text(tab, "school", run["levels"])
    files = F.invariance_files([run])
    assert set(files["invariance_estimates.csv"]["op"]) >= {"|", "~*~", "=~"}


def test_invariance_runs_carry_the_labels_of_the_grouping(monkeypatch):
    """The report names the grouping and its levels by their labels (column_labels, value_labels), in the study's
    language; the results keep the codes."""
    from types import SimpleNamespace

    from csat.analyses import factor as study_factor
    from csat.sem import multigroup

    monkeypatch.setattr(multigroup, "study_invariance",
                        lambda *a, **k: [{"group": "gender", "levels": ["male", "female"]}, {"group": "x", "error": "e"}])
    params = SimpleNamespace(invariance=SimpleNamespace(group="gender"), waves=None, wave_order=None,
                             sem_missing="listwise", sem_estimator="wlsmv", ordered_items=[], language="zh",
                             column_labels={"gender": {"en": "Gender", "zh": "性别"}}, item_labels={}, constructs={},
                             value_labels={"gender": {"male": {"en": "Male", "zh": "男性"},
                                                      "female": {"en": "Female", "zh": "女性"}}})
    run, failed = study_factor.invariance_runs(None, "f =~ a + b + c", params)
    assert run["labels"] == {"group": "性别", "levels": {"male": "男性", "female": "女性"}}
    assert "labels" not in failed
