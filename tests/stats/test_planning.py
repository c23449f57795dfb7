"""csat.stats.planning against R (tests/reference/planning.R: base R qnorm, semTools 0.5-6)."""
import json
from pathlib import Path

import numpy as np
import pytest

from csat.stats import planning as pl

REF = json.loads((Path(__file__).parents[1] / "reference" / "planning.json").read_text())
TOL = 1e-6


def test_z():
    assert pl.z_value() == pytest.approx(REF["z"], abs=1e-12)


@pytest.mark.parametrize("case", REF["n_proportion"])
def test_n_proportion(case):
    got = pl.n_proportion(case["margin"], case["p"], population=case["N"], deff=case["deff"])
    assert got == pytest.approx(case["n"], abs=TOL)


@pytest.mark.parametrize("case", REF["n_mean"])
def test_n_mean(case):
    got = pl.n_mean(case["margin"], case["sd"], population=case["N"], deff=case["deff"])
    assert got == pytest.approx(case["n"], abs=TOL)


@pytest.mark.parametrize("case", REF["margin_proportion"])
def test_margin_proportion(case):
    got = pl.margin_proportion(case["n"], case["p"], population=case["N"], deff=case["deff"])
    assert got == pytest.approx(case["margin"], abs=TOL)
    assert pl.n_proportion(got, case["p"], population=case["N"], deff=case["deff"]) == pytest.approx(case["n"])


@pytest.mark.parametrize("case", REF["margin_mean"])
def test_margin_mean(case):
    got = pl.margin_mean(case["n"], case["sd"], population=case["N"], deff=case["deff"])
    assert got == pytest.approx(case["margin"], abs=TOL)


@pytest.mark.parametrize("method,key,use_sd,use_min", [
    ("proportional", "proportional", False, False), ("neyman", "neyman", True, False),
    ("equal", "equal", False, False), ("proportional", "proportional_min", False, True)])
def test_allocations(method, key, use_sd, use_min):
    s = REF["strata"]
    got = pl.allocate(500, s["N"], method, sds=s["S"] if use_sd else None,
                      minimum=s["minimum"] if use_min else None)
    np.testing.assert_allclose(got["exact"], s[key]["exact"], atol=TOL)
    assert got["n"].tolist() == s[key]["n"]


def test_stratified_margins():
    s = REF["strata"]
    N = np.array(list(s["N"].values()))
    prop = pl.allocate(500, s["N"], "proportional")["n"]
    assert pl.stratified_margin(prop, N, [20] * 3) == pytest.approx(s["margin_proportional"], abs=TOL)
    ney = pl.allocate(500, s["N"], "neyman", sds=s["S"])["n"]
    assert pl.stratified_margin(ney, N, list(s["S"].values())) == pytest.approx(s["margin_neyman"], abs=TOL)
    mins = pl.allocate(500, s["N"], "proportional", minimum=s["minimum"])["n"]
    sp = np.sqrt(0.25 * N / (N - 1))
    assert pl.stratified_margin(mins, N, sp) == pytest.approx(s["margin_prop_p"], abs=TOL)


def test_invitations():
    c = REF["invitations"][0]
    assert pl.invitations(c["completes"], c["response"], c["valid"]) == c["n"]


@pytest.mark.parametrize("case", REF["rmsea_power"])
def test_rmsea_power(case):
    assert pl.rmsea_power(case["df"], case["n"]) == pytest.approx(case["power"], abs=TOL)


def test_rmsea_power_not_close():
    c = REF["rmsea_power_notclose"]
    assert pl.rmsea_power(c["df"], c["n"], 0.05, 0.01) == pytest.approx(c["power"], abs=TOL)


@pytest.mark.parametrize("case", REF["rmsea_n"] + [REF["rmsea_n_90"]])
def test_rmsea_sample_size(case):
    assert pl.rmsea_sample_size(case["df"], case["power"]) == case["n"]


def test_unknown_allocation():
    with pytest.raises(ValueError, match="allocation"):
        pl.allocate(100, {"a": 10}, "optimal")
