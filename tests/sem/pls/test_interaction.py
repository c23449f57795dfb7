"""csat.sem.pls.interaction: moderation (``Y ~ X + Z + X:Z``) against seminr 0.2.1's ``interaction_term``
(tests/reference/pls_seminr_ext.py), the Primer's switching-cost moderation, the bootstrap re-building the
product term in each resample, f² and the simple slopes."""
from __future__ import annotations

import numpy as np
import pytest

from csat.sem import pls
from csat.sem.syntax import ModelSyntaxError
from sem.pls.ext_ref import EXT, check_boot, check_point, corp


@pytest.fixture(scope="module")
def two_stage():
    return pls.pls_fit(EXT["moderation_two_stage"]["syntax"], corp())


@pytest.mark.parametrize("method", ["two_stage", "product_indicator", "orthogonal"])
def test_moderation_equals_seminr(method):
    r = EXT[f"moderation_{method}"]
    res = pls.pls_fit(r["syntax"], corp(), interaction=method)
    if method != "two_stage":                     # seminr names the product items x*z, we x:z
        r = {**r, "weights": {c: {k.replace("*", ":"): v for k, v in d.items()} for c, d in r["weights"].items()}}
    check_point(res, r)
    f2 = pls.f_squared(res).set_index(["from", "to"])["f2"]
    assert abs(f2[("CUSA:SC", "CUSL")] - r["f2_interaction"]) < 1e-6
    assert np.isnan(f2[("CUSA", "CUSL")]) and np.isnan(f2[("SC", "CUSL")])   # seminr: no f² for main effects


def test_primer_switching_cost_moderation(two_stage):
    """Hair et al., A Primer on PLS-SEM (3rd ed.), ch. 7: CUSA x SC -> CUSL = -0.071."""
    assert round(float(two_stage.paths.loc["CUSL", "CUSA:SC"]), 3) == -0.071
    est = two_stage.estimates()
    row = est[(est["lhs"] == "CUSL") & (est["op"] == "~") & (est["rhs"] == "CUSA:SC")]
    assert len(row) == 1


def test_bootstrap_rebuilds_the_interaction(two_stage):
    boot = check_boot(two_stage, EXT["moderation_two_stage"], pls)
    s = pls.simple_slopes(two_stage.paths, two_stage.model.interactions, boot)
    assert list(s.columns) == pls.SLOPE_COLUMNS
    assert list(s["level"]) == ["-1 SD", "mean", "+1 SD"]
    b_x, b_xz = two_stage.paths.loc["CUSL", "CUSA"], two_stage.paths.loc["CUSL", "CUSA:SC"]
    assert np.allclose(s["slope"], [b_x - b_xz, b_x, b_x + b_xz])
    assert (s["ci.lower"] < s["slope"]).all() and (s["slope"] < s["ci.upper"]).all()


def test_bootstrap_workers_agree(two_stage):
    a = pls.bootstrap_pls(two_stage, 20, seed=3, workers=1)
    b = pls.bootstrap_pls(two_stage, 20, seed=3, workers=2)
    assert np.allclose(a.draws, b.draws, equal_nan=True)


def test_product_term_syntax():
    m = pls.pls_model("X =~ x1 + x2; Z =~ z1 + z2; Y =~ y1 + y2; Y ~ X + Z + X:Z")
    assert m.interactions == {"X:Z": ("X", "Z")} and ("X:Z", "Y") in m.paths
    with pytest.raises(ModelSyntaxError, match="main effect"):
        pls.pls_model("X =~ x1 + x2; Z =~ z1 + z2; Y =~ y1 + y2; Y ~ X + X:Z; X ~ Z")
    with pytest.raises(ModelSyntaxError, match="two different"):
        pls.pls_model("X =~ x1 + x2; Y =~ y1 + y2; Y ~ X + X:X")
    with pytest.raises(ModelSyntaxError, match="more than one operator"):
        pls.pls_model("X =~ x1 + x1:x2; Y =~ y1; Y ~ X")


def test_covariance_based_estimators_refuse_product_terms():
    from csat.config.params import _check_model_for_estimator
    from csat.core.errors import ModelError
    from csat.sem import build_model

    with pytest.raises(ValueError, match="PLS only"):
        _check_model_for_estimator("X =~ x1 + x2; Z =~ z1 + z2; Y =~ y1 + y2; Y ~ X + Z + X:Z", "ml")
    with pytest.raises(ModelError, match="product term"):
        build_model("X =~ x1 + x2; Z =~ z1 + z2; Y =~ y1 + y2; Y ~ X + Z + X:Z",
                    ["x1", "x2", "z1", "z2", "y1", "y2"])
