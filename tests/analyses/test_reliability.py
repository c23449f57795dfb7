"""csat.analyses.reliability: stage 03's measurement model, its tables as shown and its summary, in en and zh."""
from __future__ import annotations

import dataclasses
import json
import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from csat.analyses import reliability as study_rel
from csat.sem import measurement
from csat.stats import reliability as rel

from conftest import SHARED

HS_CONS = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"], "speed": ["x7", "x8", "x9"]}
ECSI_CONS = {"IMAG": [f"imag{i}" for i in range(1, 6)], "EXPE": [f"expe{i}" for i in range(1, 6)],
             "QUAL": [f"qual{i}" for i in range(1, 6)], "VAL": [f"val{i}" for i in range(1, 5)],
             "SAT": [f"sat{i}" for i in range(1, 4)], "LOY": [f"loy{i}" for i in range(1, 4)]}


@pytest.fixture(scope="module")
def hs():
    return pd.read_csv(SHARED / "datasets" / "holzinger1939.csv")


@pytest.fixture(scope="module")
def hs_est():
    ref = json.loads((SHARED / "reference" / "holzinger1939.json").read_text())
    return pd.DataFrame(ref["cfa"]["estimates"])


def _params(constructs, **kw):
    """What :func:`fit_measurement` reads of a study's params."""
    kw = {"model": None, "sem_missing": "listwise", "thresholds": None, **kw}
    return SimpleNamespace(constructs={k: SimpleNamespace(items=v) for k, v in constructs.items()}, **kw)


def _verdict(data, cons, est, thresholds=None, missing="pairwise"):
    tab = rel.reliability_table(data, cons, est, missing=missing)
    fl = rel.fornell_larcker(tab.set_index("construct")["ave"], rel.latent_correlations(est))
    verdict, _ = rel.validity_verdict(tab, rel.loadings_table(est, thresholds), rel.htmt(data, cons, missing=missing),
                                      fl, thresholds)
    return verdict, tab


# ------------------------------------------------------------------------------------- summary
def test_summary_text(hs, hs_est):
    verdict, tab = _verdict(hs, HS_CONS, hs_est)
    en = study_rel.summary_text(verdict, tab, language="en")
    zh = study_rel.summary_text(verdict, tab, language="zh")
    assert "1 of 3 reached 0.70" in en and "n = 301" in en and "pairwise" in en
    assert "does not prove" in en and "textual" in en
    assert "3 个维度中有 1 个" in zh and "并不能证明" in zh
    with pytest.raises(ValueError, match="lang"):
        study_rel.summary_text(verdict, tab, language="fr")
    # without a CFA the text says nothing about CR/AVE
    tab0 = rel.reliability_table(hs, HS_CONS)
    v0, _ = rel.validity_verdict(tab0)
    assert "CR" not in study_rel.summary_text(v0, tab0)


def test_summary_text_in_both_languages(hs, hs_est):
    """The whole paragraph, sentence by sentence: the English and the catalog's Chinese."""
    verdict, tab = _verdict(hs, HS_CONS, hs_est)
    assert study_rel.summary_text(verdict, tab, language="en") == (
        "Reliability and validity were checked for 3 constructs (n = 301; missing answers handled pairwise). "
        "Cronbach's alpha ranged from 0.63 (visual) to 0.88 (textual); 1 of 3 reached 0.70. Composite reliability "
        "(CR) ranged from 0.63 (visual) to 0.89 (textual); 1 of 3 reached 0.70. The average variance extracted (AVE) "
        "reached 0.50 for 1 of 3. Some standardized loadings were below 0.50 in: visual. The largest HTMT was 0.39; "
        "all were below 0.85. The Fornell–Larcker criterion held for 3 of 3 constructs. These thresholds are "
        "conventions: meeting them is consistent with, but does not prove, reliable and valid measurement, and a "
        "construct that misses one deserves a closer look rather than automatic removal.")
    assert study_rel.summary_text(verdict, tab, language="zh") == (
        "本阶段检验了 3 个维度的信度与效度（n = 301，缺失值按成对删除处理）。Cronbach α 介于 0.63 (visual) 至 "
        "0.88 (textual)，3 个维度中有 1 个达到 0.70。组合信度（CR）介于 0.63 (visual) 至 0.89 (textual)，3 个中有 "
        "1 个达到 0.70。平均方差萃取量（AVE）有 1/3 个维度达到 0.50。以下维度存在低于 0.50 的标准化载荷：visual。"
        "HTMT 最大值为 0.39，全部低于 0.85。Fornell–Larcker 准则在 3 个维度中有 3 个成立。这些阈值是经验准则："
        "达到阈值与可靠、有效的测量相一致，但并不能证明之；未达到阈值的维度值得进一步检查，而不一定需要删除。")


def test_summary_text_failures_lists_and_listwise():
    """Failed HTMT and Fornell–Larcker, several weak constructs joined as each language joins a list."""
    ecsi = pd.read_csv(SHARED / "datasets" / "ecsi_satisfaction.csv")
    _, fit, _ = measurement.fit_measurement_model(ecsi, ECSI_CONS)
    strict = {"alpha": 0.95, "cr": 0.95, "ave": 0.9, "loading": 0.8, "htmt": 0.5}
    verdict, tab = _verdict(ecsi, ECSI_CONS, fit.estimates, strict, missing="listwise")
    en = study_rel.summary_text(verdict, tab, strict, "en")
    zh = study_rel.summary_text(verdict, tab, strict, "zh")
    assert "(n = 250; missing answers handled listwise)" in en and "（n = 250，缺失值按列表删除处理）" in zh
    assert "below 0.80 in: IMAG, EXPE, QUAL, VAL, SAT, LOY." in en and "：IMAG、EXPE、QUAL、VAL、SAT、LOY。" in zh
    assert "; 6 construct(s) had an HTMT of 0.50 or more with another construct." in en
    assert "，有 6 个维度与其他维度的 HTMT 不低于 0.50。" in zh
    assert "The Fornell–Larcker criterion held for 0 of 6 constructs." in en and "Fornell–Larcker 准则在 6 个维度中有 0 个成立。" in zh
    assert ". " in en and "。 " not in zh


def test_summary_text_of_one_construct(hs):
    tab = rel.reliability_table(hs, {"visual": ["x1", "x2", "x3"]})
    verdict, _ = rel.validity_verdict(tab)
    en = study_rel.summary_text(verdict, tab)
    assert en.startswith("Reliability and validity were checked for 1 construct (n = 301;")
    assert "Cronbach's alpha ranged from 0.63 (visual); 0 of 1 reached 0.70." in en
    assert "Cronbach α 介于 0.63 (visual)，1 个维度中有 0 个达到 0.70。" in study_rel.summary_text(verdict, tab, language="zh")
    hant = study_rel.summary_text(verdict, tab, language="zh-Hant")
    assert "信度與效度" in hant and "處理）。Cronbach α 介於 0.63 (visual)，" in hant     # no space between sentences


# ---------------------------------------------------------------------------------- tables shown
def test_single_item_constructs_are_not_applicable(hs):
    tab = rel.reliability_table(hs, {"visual": ["x1", "x2", "x3"], "age": ["ageyr"]})
    en, zh = study_rel.reliability_display(tab, "en"), study_rel.reliability_display(tab, "zh")
    assert en.loc[1, "alpha"] == "n/a" and zh.loc[1, "alpha"] == "不适用" and zh.loc[0, "alpha"] == "0.626"
    assert study_rel.reliability_display(tab, digits=2).loc[0, "alpha"] == "0.63"
    assert study_rel.not_applicable_note(tab, "en").startswith("n/a: a single-item construct has no internal consistency")
    assert study_rel.not_applicable_note(tab, "zh").startswith("不适用：单题项维度没有内部一致性")
    assert study_rel.not_applicable_note(tab.iloc[:1]) is None


def test_tables_are_shown_with_the_labels(hs):
    tab = rel.reliability_table(hs, HS_CONS)
    labels = {"visual": "Visual", "textual": "Textual", "speed": "Speed"}
    shown = study_rel.reliability_shown(tab, labels, "zh")
    assert shown["construct"].tolist() == ["Visual", "Textual", "Speed"]
    assert not {"missing", "dropped", "note"} & set(shown.columns) and "alpha" in shown
    assert tab["construct"].tolist() == list(HS_CONS)                     # the input is left alone
    assert study_rel.labelled(tab, labels)["n"].equals(tab["n"])


def test_fornell_larcker_table_without_a_cfa(hs, hs_est):
    tab = rel.reliability_table(hs, HS_CONS, hs_est)
    empty = study_rel.fornell_larcker_table(tab, None)
    values = empty.set_index("construct")[list(HS_CONS)].to_numpy()
    assert empty["construct"].tolist() == list(HS_CONS) and np.isnan(values[~np.eye(3, dtype=bool)]).all()
    assert np.allclose(np.diag(values), np.sqrt(tab["ave"]))           # √AVE, no latent correlations
    full = study_rel.fornell_larcker_table(tab, rel.latent_correlations(hs_est))
    assert math.isclose(full.set_index("construct").loc["visual", "visual"],
                        math.sqrt(tab.set_index("construct").loc["visual", "ave"]))


# ---------------------------------------------------------------------------- measurement model
def test_fit_measurement(hs):
    m = study_rel.fit_measurement(hs, _params(HS_CONS, thresholds={"loading": 0.6}))
    assert m.error is None and m.fit.converged
    assert list(m.files) == list(study_rel.MEASUREMENT_FILES) == [*measurement.CFA_FILES, "measurement_loadings.csv"]
    assert all(f is not None for f in m.files.values())
    assert list(m.fit_table.columns) == study_rel.FIT_SHOWN and m.fit_table["ntotal"].iloc[0] == 301
    assert m.loadings is m.files["measurement_loadings.csv"] and (m.loadings["level"] == "weak").sum() == 3
    assert list(m.latent_cor.index) == list(HS_CONS) and m.estimates is m.fit.estimates
    assert m.diagnostics and all(d.where.startswith("CFA: ") and d.message_zh for d in m.diagnostics)
    assert m.files["cfa.json"]["errors"] == [d.message for d in m.diagnostics if d.severity == "error"]


def test_a_measurement_model_that_cannot_be_fitted(hs):
    flat = hs.assign(x2=1.0)
    m = study_rel.fit_measurement(flat, _params(HS_CONS))
    assert m.fit is None and m.error and m.fit_table is None and m.loadings is None and m.latent_cor is None
    assert m.files == dict.fromkeys(study_rel.MEASUREMENT_FILES)                     # earlier files removed
    [d] = m.diagnostics
    assert (d.code, d.severity, d.where) == ("cfa_failed", "error", "measurement model")
    assert d.message == (f"The measurement model could not be fitted ({m.error}); omega, CR, AVE, loadings and the "
                         "Fornell–Larcker table are not reported.")
    assert d.message_zh == f"测量模型无法拟合（{m.error}），因此不报告 ω、CR、AVE、载荷和 Fornell–Larcker 表。"


def test_a_measurement_model_that_did_not_converge(hs, monkeypatch):
    fit = measurement.fit_measurement_model
    monkeypatch.setattr(measurement, "fit_measurement_model",
                        lambda *a, **kw: (lambda s, f, e: (s, dataclasses.replace(f, converged=False), e))(*fit(*a, **kw)))
    m = study_rel.fit_measurement(hs, _params(HS_CONS))
    assert m.fit_table is not None and m.files["cfa.json"]["converged"] is False
    assert m.estimates is None and m.latent_cor is None and m.loadings is None
    assert m.files["measurement_loadings.csv"] is None


def test_save_results(tmp_path):
    done = []

    class Stage:
        def result_path(self, name):
            return tmp_path / name

        def write_json(self, name, obj):
            done.append(("json", name))

        def write_csv(self, name, obj):
            done.append(("csv", name))

    (tmp_path / "old.csv").write_text("x\n")
    (tmp_path / "gone.csv").write_text("x\n")
    names = ["b.csv", "a.json", "old.csv", "gone.csv", "never.csv"]
    study_rel.save_results(Stage(), {"a.json": {}, "b.csv": pd.DataFrame(), "old.csv": None}, names)
    assert done == [("csv", "b.csv"), ("json", "a.json")]
    assert not (tmp_path / "old.csv").exists() and not (tmp_path / "gone.csv").exists()
    with pytest.raises(ValueError, match="not among the files named"):
        study_rel.save_results(Stage(), {"c.csv": pd.DataFrame()}, names)


def test_fit_measurement_with_mlr_names_what_it_shows(hs):
    p = _params(HS_CONS)
    p.sem_estimator, p.ordered_items, p.language = "mlr", [], "en"
    m = study_rel.fit_measurement(hs, p)
    assert m.estimator == "MLR" and "Yuan–Bentler" in m.note
    assert list(m.fit_table.columns) == ["ntotal", "chisq.scaled", "df.scaled", "pvalue.scaled", "cfi.robust", "tli.robust",
                                         "rmsea.robust", "srmr"]
    assert m.fit_table["chisq.scaled"].iloc[0] == pytest.approx(87.1316, abs=1e-3)     # lavaan MLR
    assert m.files["cfa.json"]["estimator"] == "MLR" and m.files["cfa_fit.json"]["test"] == "yuan.bentler.mplus"
