"""Importance–performance map: hand-computed importance, performance and quadrants."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csat.sem import ipma
from csat.sem.ipma import default_target, ipma_table, performance_index
from csat.viz.structural import ipma_chart
from csat.config.params import validate_params


def _effects():
    # standardized total effects on SAT: IMAG .60, EXPE .20, QUAL .50, VAL .10 (and one on LOY)
    return pd.DataFrame({"from": ["IMAG", "EXPE", "QUAL", "VAL", "SAT"],
                         "to": ["SAT", "SAT", "SAT", "SAT", "LOY"],
                         "std.total": [0.60, 0.20, 0.50, 0.10, 0.70]})


def test_quadrants_split_at_the_means():
    perf = {"IMAG": 80.0, "EXPE": 70.0, "QUAL": 60.0, "VAL": 50.0, "SAT": 65.0, "LOY": 55.0}
    t = ipma_table(_effects(), perf, "SAT", labels={"IMAG": "Image"})
    # mean importance (.6+.2+.5+.1)/4 = .35; mean performance (80+70+60+50)/4 = 65
    assert t.attrs["importance_mean"] == pytest.approx(0.35)
    assert t.attrs["performance_mean"] == pytest.approx(65.0)
    assert list(t["construct"]) == ["IMAG", "QUAL", "EXPE", "VAL"]          # by importance
    q = dict(zip(t["construct"], t["quadrant"]))
    assert q == {"IMAG": "keep_up", "QUAL": "concentrate_here", "EXPE": "possible_overkill", "VAL": "low_priority"}
    row = t.set_index("construct").loc["QUAL"]
    assert row["quadrant_en"] == "Concentrate here" and row["quadrant_zh"] == "重点改进"
    assert row["importance"] == 0.5 and row["performance"] == 60.0
    assert t.set_index("construct").loc["IMAG", "label"] == "Image"
    assert "LOY" not in set(t["construct"]) and "SAT" not in set(t["construct"])


def test_performance_index_is_the_0_100_transform_of_the_mean_score():
    df = pd.DataFrame({"a1": [1, 2, 5, np.nan], "a2": [3, 2, 5, 4], "b1": [5, 5, 4, 1]})
    perf = performance_index(df, {"A": ["a1", "a2"], "B": ["b1"]}, 1, 5)
    # A scores: 2, 2, 5, 4 -> mean 3.25 -> 100 * 2.25 / 4 = 56.25; B: mean 3.75 -> 68.75
    assert perf["A"] == pytest.approx(56.25)
    assert perf["B"] == pytest.approx(68.75)


def test_default_target_is_the_satisfaction_construct():
    p = validate_params({"study": "t", "data": {"path": "x.csv"},
                         "constructs": {"IMG": {"items": ["a"]}, "F2": {"label": "Customer satisfaction", "items": ["b"]}}})
    assert default_target(p.constructs) == "F2"
    assert default_target(p.constructs, "IMG") == "IMG"
    with pytest.raises(ValueError, match="ipma.target"):
        default_target({"A": None, "B": None})


def test_missing_performance_or_effect_is_a_clear_error():
    with pytest.raises(ValueError, match="no performance index for construct 'VAL'"):
        ipma_table(_effects(), {"IMAG": 1.0, "EXPE": 2.0, "QUAL": 3.0}, "SAT")
    with pytest.raises(ValueError, match="no construct has an effect on the target 'IMAG'"):
        ipma_table(_effects(), {}, "IMAG")


def test_chart_draws_chinese_labels_without_missing_glyphs():
    from csat.viz.plots import missing_glyphs

    perf = {"IMAG": 80.0, "EXPE": 70.0, "QUAL": 60.0, "VAL": 50.0}
    t = ipma_table(_effects(), perf, "SAT", labels={"IMAG": "形象", "EXPE": "期望", "QUAL": "感知质量", "VAL": "感知价值"})
    fig = ipma_chart(t, "满意度", language="zh")
    texts = [x.get_text() for x in fig.axes[0].texts]
    assert "重点改进" in texts and "形象" in texts
    assert missing_glyphs(fig) == []


def test_chart_texts_in_each_language():
    import matplotlib.pyplot as plt

    from csat.core.i18n import localize

    perf = {"IMAG": 80.0, "EXPE": 70.0, "QUAL": 60.0, "VAL": 50.0}
    t = ipma_table(_effects(), perf, "SAT")
    for language, unstd, xlabel, title, corner in [
            ("en", False, "Importance (standardized total effect on S)", "Importance–performance map: S",
             "Concentrate here"),
            ("en", True, "Importance (unstandardized total effect, 0–100 scores on S)", None, "Keep up the good work"),
            ("zh", True, "重要性（对S的非标准化总效应）", "重要性–表现矩阵：S", "重点改进"),
            ("zh-Hant", False, localize("重要性（对S的标准化总效应）", "zh-Hant"), localize("重要性–表现矩阵：S", "zh-Hant"),
             localize("可能过度投入", "zh-Hant"))]:
        fig = ipma_chart(t, "S", language=language, unstandardized=unstd)
        ax = fig.axes[0]
        assert ax.get_xlabel() == xlabel and (title is None or ax.get_title() == title)
        assert corner in [x.get_text() for x in ax.texts]
        plt.close(fig)


def test_ipma_target_is_optional_for_studies_about_something_else():
    assert ipma.find_target({"ind60": None, "dem60": None}) is None
    assert ipma.find_target({"服务": None, "满意": None}) == "满意"
    assert ipma.find_target({"a": None, "b": None}, "b") == "b"
    with pytest.raises(ValueError, match="not a construct"):
        ipma.find_target({"a": None}, "z")
