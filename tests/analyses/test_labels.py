"""csat.analyses.labels: the reader's names of columns, category levels, Kano features and SERVQUAL
dimensions, and the params keys they come from (``column_labels``, ``value_labels``, ``label``/``label_zh``)."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from csat.analyses.labels import (column_label, dimension_label, feature_label, level_key, level_label, level_labels,
                                  relabel)
from csat.config.params import ParamsError, validate_params

BASE = {"study": "s", "data": {"path": "x.csv"}, "constructs": {"SAT": {"label": "Satisfaction", "label_zh": "满意度",
                                                                        "items": ["s1", "s2"]}},
        "item_labels": {"s1": {"en": "Overall satisfaction", "zh": "总体满意度"}},
        "groups": ["gender", "region"]}


def params(language="en", **extra):
    return validate_params({**BASE, "language": language, **extra})


LABELLED = dict(
    column_labels={"gender": {"en": "Gender", "zh": "性别"}, "region": "Region"},
    value_labels={"gender": {1: {"en": "Male", "zh": "男"}, 2: {"en": "Female", "zh": "女"}},
                  "region": {"North": {"en": "North", "zh": "北区"}, "East": "East side"}},
    kano={"app": {"functional": "k_f", "dysfunctional": "k_d", "label": "Mobile app", "label_zh": "手机应用"},
          "delivery": {"functional": "d_f", "dysfunctional": "d_d", "label": {"en": "Delivery", "zh": "送货上门"}},
          "bare": {"functional": "b_f", "dysfunctional": "b_d"}},
    servqual={"reliability": {"expectation": ["r_e"], "perception": ["r_p"], "label": "Reliability",
                              "label_zh": "可靠性"},
              "tangibles": {"expectation": ["t_e"], "perception": ["t_p"]}})


def test_column_label_in_each_language():
    for lang, want in (("en", "Gender"), ("zh", "性别"), ("zh-Hant", "性別")):
        assert column_label(params(lang, **LABELLED), "gender") == want
    p = params("zh", **LABELLED)
    assert column_label(p, "gender", "en") == "Gender"            # an explicit language wins
    assert column_label(p, "region") == "Region"                  # one text serves every language
    assert column_label(params("zh"), "gender") == "gender"       # no label: the column's name


def test_column_label_falls_back_to_item_wording_and_construct_label():
    p = params("zh")
    assert column_label(p, "s1") == "总体满意度" and column_label(p, "s1", "en") == "Overall satisfaction"
    assert column_label(p, "SAT") == "满意度" and column_label(p, "SAT", "en") == "Satisfaction"
    assert column_label(p, "s2") == "s2"


def test_level_label_matches_codes_however_written():
    p = params("zh", **LABELLED)
    for lv in (1, 1.0, "1", " 1 ", "1.0"):
        assert level_label(p, "gender", lv) == "男"
    assert level_label(p, "gender", 2, "en") == "Female"
    assert level_label(p, "gender", 3.0) == "3"                   # unlabelled: whole number without .0
    assert level_label(p, "gender", 2.5) == "2.5"
    assert level_label(p, "region", "North") == "北区"
    assert level_label(p, "region", "East") == "East side"
    assert level_label(p, "region", "West") == "West"             # unlabelled text as it is
    assert level_label(params("zh-Hant", **LABELLED), "region", "North") == "北區"
    assert level_label(p, "channel", "app") == "app"              # a column without value_labels
    assert math.isnan(level_label(p, "gender", float("nan")))
    assert level_key(True) == "true" and level_key("x ") == "x"


def test_relabel_series_index_and_list():
    p = params("zh", **LABELLED)
    s = pd.Series([1.0, 2.0, None])
    out = relabel(p, "gender", s)
    assert out.tolist()[:2] == ["男", "女"] and pd.isna(out.iloc[2])
    assert list(relabel(p, "gender", pd.Index([1, 2]))) == ["男", "女"]
    assert relabel(p, "gender", [2, 1], "en") == ["Female", "Male"] == level_labels(p, "gender", [2, 1], "en")


def test_feature_and_dimension_labels():
    for lang, app, dl in (("en", "Mobile app", "Delivery"), ("zh", "手机应用", "送货上门"),
                          ("zh-Hant", "手機應用", "送貨上門")):
        p = params(lang, **LABELLED)
        assert (feature_label(p, "app"), feature_label(p, "delivery")) == (app, dl)
        assert feature_label(p, "bare") == "bare" and feature_label(p, "unknown") == "unknown"
    p = params("zh", **LABELLED)
    assert dimension_label(p, "reliability") == "可靠性" and dimension_label(p, "reliability", "en") == "Reliability"
    assert dimension_label(p, "tangibles") == "tangibles"
    assert feature_label(params("zh"), "app") == "app"            # no kano block at all


def test_label_keys_are_checked():
    with pytest.raises(ParamsError, match=r"column_labels: 'gendr' is not a column the study uses.*gender"):
        params(column_labels={"gendr": "Gender"})
    with pytest.raises(ParamsError, match=r"value_labels: 'regio' is not a column"):
        params(value_labels={"regio": {"N": "North"}})
    with pytest.raises(ParamsError, match=r"value_labels.*quote it \('true'\)"):
        params(value_labels={"gender": {True: "Yes"}})
    with pytest.raises(ParamsError, match=r"value_labels.*mapping"):
        params(value_labels={"gender": ["Male"]})
    with pytest.raises(ParamsError, match=r"unknown key 'kano.app.labl'"):
        params(kano={"app": {"functional": "a", "dysfunctional": "b", "labl": "x"}})
    # kano / servqual columns are columns the study uses
    assert level_label(params(value_labels={"k_f": {1: "Like"}}, kano=LABELLED["kano"]), "k_f", 1) == "Like"


def test_demo_params_label_every_group_level_and_feature():
    from pathlib import Path

    from csat.config.params import load_params

    root = Path(__file__).resolve().parents[2]
    p = load_params(root / "params" / "demo.yaml", {"language": "zh"})
    data = pd.read_csv(root / "data" / "raw" / "demo.csv")
    for g in p.groups:
        assert column_label(p, g) != g
        for lv in data[g].dropna().unique():
            assert level_label(p, g, lv) != lv, (g, lv)
    for f in p.kano:
        assert feature_label(p, f) != f
    for d in p.servqual:
        assert dimension_label(p, d) != d
