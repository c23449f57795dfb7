"""csat.stats.drivers: LMG = relaimpo's lmg (R all-orders lm + PyPI dominance-analysis), relative weights,
standardized betas and VIFs = R lm; bootstrap intervals; default target and predictors.

References: tests/reference/drivers_lmg.R -> drivers_lmg.json (R 4.2.2 base stats on datasets::swiss,
the relaimpo paper's example) and tests/reference/drivers_lmg_dominance.py -> drivers_lmg_dominance.json
(dominance-analysis 1.1.9 general dominance on swiss and on the real ECSI survey).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from csat.analyses import drivers as A
from csat.stats import drivers as DR
from csat.config.params import validate_params

ROOT = Path(__file__).resolve().parents[2]
REF = json.loads((ROOT / "tests" / "reference" / "drivers_lmg.json").read_text())
DOM = json.loads((ROOT / "tests" / "reference" / "drivers_lmg_dominance.json").read_text())


@pytest.fixture(scope="module")
def swiss():
    return pd.DataFrame(REF["data"])


@pytest.fixture(scope="module")
def swiss_drivers(swiss):
    return DR.key_drivers(swiss, "Fertility", REF["predictors"], n_boot=300, seed=1)


def test_lmg_equals_r_all_orders_and_dominance_analysis(swiss_drivers):
    t, info = swiss_drivers
    t = t.set_index("predictor")
    for x in REF["predictors"]:
        assert t.loc[x, "lmg"] == pytest.approx(REF["lmg"][x], abs=1e-10)
        assert t.loc[x, "lmg"] == pytest.approx(DOM["swiss"]["lmg"][x], abs=1e-10)
    assert info["r2"] == pytest.approx(REF["r2"], abs=1e-12)
    assert t["lmg"].sum() == pytest.approx(REF["r2"], abs=1e-12)
    assert (t["lmg.share"] * info["r2"]).to_numpy() == pytest.approx(t["lmg"].to_numpy())


def test_lmg_on_the_ecsi_survey_equals_dominance_analysis(shared_dir):
    d = pd.read_csv(shared_dir / "datasets" / "ecsi_satisfaction.csv")
    xs = DOM["ecsi"]["predictors"]
    t, _ = DR.key_drivers(d, "sat1", xs, n_boot=0)
    got = dict(zip(t["predictor"], t["lmg"]))
    for x in xs:
        assert got[x] == pytest.approx(DOM["ecsi"]["lmg"][x], abs=1e-10)


def test_betas_vif_and_relative_weights_equal_r(swiss_drivers):
    t, _ = swiss_drivers
    t = t.set_index("predictor")
    for x in REF["predictors"]:
        assert t.loc[x, "beta"] == pytest.approx(REF["beta"][x], abs=1e-10)
        assert t.loc[x, "pvalue"] == pytest.approx(REF["pvalue"][x], rel=1e-8)
        assert t.loc[x, "vif"] == pytest.approx(REF["vif"][x], abs=1e-9)
        assert t.loc[x, "relative_weight"] == pytest.approx(REF["relative_weight"][x], abs=1e-10)
    assert t["relative_weight"].sum() == pytest.approx(REF["r2"], abs=1e-12)


def test_uncorrelated_predictors_split_r2_by_their_squared_correlations():
    R = np.array([[1, .5, .3, .2], [.5, 1, 0, 0], [.3, 0, 1, 0], [.2, 0, 0, 1]])
    assert DR.lmg(R) == pytest.approx([.25, .09, .04])
    assert DR.relative_weights(R) == pytest.approx([.25, .09, .04])


def test_bootstrap_intervals_are_seeded_and_cover_the_estimate(swiss, swiss_drivers):
    t, info = swiss_drivers
    again, _ = DR.key_drivers(swiss, "Fertility", REF["predictors"], n_boot=300, seed=1)
    other, _ = DR.key_drivers(swiss, "Fertility", REF["predictors"], n_boot=300, seed=2)
    assert again[["lmg.ci.lower", "lmg.ci.upper"]].equals(t[["lmg.ci.lower", "lmg.ci.upper"]])
    assert not other["lmg.ci.lower"].equals(t["lmg.ci.lower"])
    assert ((t["lmg.ci.lower"] <= t["lmg"]) & (t["lmg"] <= t["lmg.ci.upper"])).all()
    assert info["n"] == 47 and info["n_boot"] == 300 and info["boot_failed"] == 0
    assert list(t.columns) == DR.DRIVER_COLUMNS


def test_listwise_deletion_and_bad_input(swiss):
    d = swiss.copy()
    d.loc[[0, 5], "Catholic"] = np.nan
    t, info = DR.key_drivers(d, "Fertility", REF["predictors"], n_boot=0)
    assert info["n"] == 45 and t["lmg.ci.lower"].isna().all()
    with pytest.raises(ValueError, match="also a predictor"):
        DR.key_drivers(swiss, "Fertility", ["Fertility", "Catholic"])
    d["Catholic"] = 1.0
    with pytest.raises(ValueError, match="do not vary"):
        DR.key_drivers(d, "Fertility", REF["predictors"], n_boot=0)


def _params(**extra):
    base = {"study": "s", "data": {"path": "x.csv"},
            "constructs": {"QUAL": {"label": "Quality", "items": ["q1", "q2"]},
                           "VAL": {"label": "Value", "items": ["v1", "v2"]},
                           "CS": {"label": "Customer satisfaction", "items": ["s1", "s2"]}}}
    return validate_params({**base, **extra})


def test_default_target_is_the_satisfaction_construct_and_predictors_the_others():
    p = _params(drivers={})
    assert A.driver_variables(p) == ("CS", ["QUAL", "VAL"])
    p = _params(drivers={"target": "s1", "predictors": ["q1", "VAL"]})
    assert A.driver_variables(p) == ("s1", ["q1", "VAL"])


def test_unknown_driver_names_fail_with_a_near_match():
    from csat.config.params import ParamsError

    with pytest.raises(ParamsError, match=r"drivers\.predictors.*'VALL'.*did you mean 'VAL'"):
        _params(drivers={"predictors": ["VALL"]})
