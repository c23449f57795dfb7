"""csat.stats.weights: raking = R survey::rake, Kish n_eff, weighted means/SE = survey::svymean, errors.

Reference: tests/reference/weights_rake.R -> weights_rake.json (R 4.2.2, survey 4.1-1) on the demo
raw file (all 600 rows) with made-up population shares for gender, age_band and region.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from csat.stats import descriptives as D
from csat.stats import weights as W

ROOT = Path(__file__).resolve().parents[2]
REF = json.loads((ROOT / "tests" / "reference" / "weights_rake.json").read_text())


@pytest.fixture(scope="module")
def demo_raw():
    return pd.read_csv(ROOT / "data" / "raw" / "demo.csv", dtype={"respondent_id": str})


def test_rake_equals_survey_rake(demo_raw):
    w = W.rake(demo_raw, REF["shares"])
    ref = np.array(REF["weights"])
    assert np.abs(w.to_numpy() - ref).max() < 1e-6
    assert w.sum() == pytest.approx(REF["sum"], abs=1e-9)
    assert W.kish_neff(w) == pytest.approx(REF["kish_neff"], abs=1e-6)
    m = W.margins_achieved(demo_raw, w, REF["shares"])
    assert (m["achieved"] - m["target"]).abs().max() < 1e-9
    assert list(m.columns) == W.MARGIN_COLUMNS


def test_weighted_mean_and_linearized_se_equal_svymean(demo_raw):
    w = np.array(REF["weights"])
    r = W.weighted_mean_ci(demo_raw["nps"], w)
    assert r["mean"] == pytest.approx(REF["nps_mean"], abs=1e-9)
    assert r["se_linearized"] == pytest.approx(REF["nps_se"], abs=1e-9)
    sat = demo_raw["sat1"].astype(float).where(lambda s: s.between(1, 10))
    r = W.weighted_mean_ci(sat, w)
    assert r["mean"] == pytest.approx(REF["sat1_mean"], abs=1e-9)
    assert r["se_linearized"] == pytest.approx(REF["sat1_se"], abs=1e-9)


def test_equal_weights_give_the_ordinary_t_interval_and_nps():
    rng = np.random.default_rng(3)
    x = rng.integers(1, 11, 80).astype(float)
    r = W.weighted_mean_ci(x, np.ones(80))
    lo, hi = stats.t.interval(0.95, 79, loc=x.mean(), scale=stats.sem(x))
    assert (r["ci.lower"], r["ci.upper"]) == pytest.approx((lo, hi), abs=1e-12)
    assert r["n_eff"] == pytest.approx(80)
    rec = pd.Series(rng.integers(0, 11, 200).astype(float))
    a, b = W.weighted_nps(rec, np.full(200, 2.5)), D.nps(rec)
    for k in ("nps", "se", "ci.lower", "ci.upper"):
        assert a[k] == pytest.approx(b[k], abs=1e-10)


def test_kish_neff_examples():
    assert W.kish_neff([1, 1, 1, 1]) == 4
    assert W.kish_neff([1, 1, 2, 4]) == pytest.approx(64 / 22)
    s = W.weights_summary([1, 1, 2, 4])
    assert s["deff"] == pytest.approx(4 / (64 / 22)) and s["max"] == 4


def test_rake_starts_from_given_weights_and_keeps_their_total():
    d = pd.DataFrame({"sex": list("ffffmm"), "age": list("yoyoyo")})
    base = np.array([1, 2, 1, 2, 1, 3.0])
    w = W.rake(d, {"sex": {"f": 0.5, "m": 0.5}, "age": {"y": 0.4, "o": 0.6}}, base)
    assert w.sum() == pytest.approx(base.sum())
    assert w[d.sex == "m"].sum() / w.sum() == pytest.approx(0.5)
    assert w[d.age == "o"].sum() / w.sum() == pytest.approx(0.6)


@pytest.mark.parametrize("margins, msg", [
    ({"sex": {"f": 0.5, "m": 0.4}}, "sum to 0.9"),
    ({"sex": {"f": 1.0}}, "level(s) ['m'] of column 'sex' have no population share"),
    ({"sex": {"f": 0.5, "m": 0.3, "x": 0.2}}, "['x'] have a population share but no respondent"),
    ({"gender": {"f": 1.0}}, "column 'gender' is not in the data"),
])
def test_rake_errors_name_the_variable(margins, msg):
    d = pd.DataFrame({"sex": list("ffmm")})
    with pytest.raises(W.WeightsError, match=None) as e:
        W.rake(d, margins)
    assert msg in str(e.value) and "weights.rake." in str(e.value)


def test_missing_level_and_bad_given_weights_are_errors():
    d = pd.DataFrame({"sex": ["f", None, "m"]})
    with pytest.raises(W.WeightsError, match="1 respondent"):
        W.rake(d, {"sex": {"f": 0.5, "m": 0.5}})
    with pytest.raises(W.WeightsError, match="weights.column 'w'.*not positive"):
        W.check_weights(pd.Series([1.0, 0.0, 2.0]), "w")


def test_study_weights_rake_the_given_weights_of_the_cleaned_rows(tmp_path):
    """csat.analyses.descriptives.study_weights reads weights.column and the raking variables from the raw
    file for the respondents 01 kept (rows 1, 2, 4, 5 here) and rakes the given weights to the shares."""
    from csat.analyses.descriptives import study_weights
    from csat.config.params import validate_params

    (tmp_path / "d.csv").write_text("q1,sex,w\n1,f,1\n2,m,2\n3,f,1\n4,m,1\n5,f,3\n", encoding="utf-8")
    p = validate_params({"study": "s", "data": {"path": "d.csv"}, "constructs": {"Q": {"items": ["q1"]}},
                         "weights": {"column": "w", "rake": {"sex": {"f": 0.5, "m": 0.5}}}})
    clean = pd.DataFrame({"row": [1, 2, 4, 5], "q1": [1.0, 2.0, 4.0, 5.0]})
    w, margins, summary = study_weights(p, tmp_path / "params" / "s.yaml", clean, root=tmp_path)
    # total 7 kept; women 1 + 3 and men 2 + 1 each scaled to 3.5
    assert w.tolist() == pytest.approx([0.875, 3.5 * 2 / 3, 3.5 / 3, 2.625])
    assert w.index.equals(clean.index) and summary["source"] == "column+rake" and summary["n"] == 4
    assert margins["achieved"].tolist() == pytest.approx([0.5, 0.5])
    p = validate_params({"study": "s", "data": {"path": "d.csv"}, "constructs": {"Q": {"items": ["q1"]}}})
    with pytest.raises(W.WeightsError, match="no 'weights' key"):
        study_weights(p, tmp_path / "params" / "s.yaml", clean, root=tmp_path)
