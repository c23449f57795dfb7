"""csat.analyses.groups: the report's group-mean table (index per construct per group level) and its marks."""
from __future__ import annotations

import pandas as pd
import pytest

from csat.analyses.groups import group_index_table, group_marks, significance_mark
from csat.config.params import validate_params


def _params(**extra):
    raw = {"study": "g", "data": {"path": "x.csv"}, "scale": {"min": 1, "max": 10},
           "constructs": {"SAT": {"items": ["s1", "s2"]}, "VAL": {"items": ["v1"]}}, "groups": ["gender", "region"]}
    raw.update(extra)
    return validate_params(raw)


def test_index_per_level_equals_the_mean_score_rescaled():
    d = pd.DataFrame({"s1": [1, 10, 4, 7, None], "s2": [1, 10, 4, None, 5], "v1": [10, 1, 7, 7, 4],
                      "gender": ["f", "f", "m", "m", None], "region": ["N", "S", "N", "S", "S"]})
    t = group_index_table(d, _params())
    assert t[["group", "level", "n"]].values.tolist() == [["gender", "f", 2], ["gender", "m", 2],
                                                          ["region", "N", 2], ["region", "S", 3]]
    f = t[(t["group"] == "gender") & (t["level"] == "f")].iloc[0]
    assert f["SAT"] == pytest.approx(100 * (5.5 - 1) / 9) and f["VAL"] == pytest.approx(100 * (5.5 - 1) / 9)
    m = t[(t["group"] == "gender") & (t["level"] == "m")].iloc[0]
    assert m["SAT"] == pytest.approx(100 * ((4 + 7) / 2 - 1) / 9)   # a respondent with one of two items answered


def test_marks_come_from_02s_holm_adjusted_welch_tests():
    tests = pd.DataFrame([
        {"construct": "SAT", "group": "gender", "test": "welch_t", "p.holm": 0.0004},
        {"construct": "VAL", "group": "gender", "test": "welch_t", "p.holm": 0.03},
        {"construct": "VAL", "group": "gender", "test": "mann_whitney", "p.holm": 0.0001},
        {"construct": "SAT", "group": "region", "test": "welch_anova", "p.holm": 0.2}])
    assert group_marks(tests) == {("gender", "SAT"): "***", ("gender", "VAL"): "*", ("region", "SAT"): ""}
    assert significance_mark(0.009) == "**" and significance_mark(float("nan")) == ""
    assert group_marks(None) == {}


def test_without_a_bounded_scale_the_table_holds_mean_scores():
    p = _params(scale={"continuous": True})
    d = pd.DataFrame({"s1": [1.5, 2.5], "s2": [2.5, 3.5], "v1": [1.0, 2.0], "gender": ["f", "m"], "region": ["N", "N"]})
    t = group_index_table(d, p)
    assert t.loc[0, "SAT"] == pytest.approx(2.0) and t.loc[1, "SAT"] == pytest.approx(3.0)
