"""The PLS extensions against R seminr's own test fixtures (tests/reference/pls_seminr_R.py + .json, copied from
the sem-in-r/seminr repository): the higher-order mobi model of test-hoc.R, the f² of the Primer's switching-cost
moderation (test-plsc-fsquared.R) and PLSc with an orthogonal product term (test-consistent-interactions.R)."""
from __future__ import annotations

import math

from csat.sem import pls
from sem.pls.ext_ref import EXT, corp, mobi
from sem.pls.seminr_ref import REF_R

TOL_R = 1e-5         # R seminr's own tests compare with tolerance 1e-5


def test_hoc_mobi_equals_R_seminr():
    r = REF_R["hoc_mobi"]
    res = pls.pls_fit(EXT["hoc_mobi"]["syntax"], mobi())
    for fr, d in r["paths"].items():
        for to, v in d.items():
            assert abs(res.paths.loc[to, fr] - v) < TOL_R, (fr, to) if v else True
    dims = {"Image", "Value"}
    for kind, M, M1 in (("loadings", res.loadings, res.first_stage.loadings),
                        ("weights", res.weights, res.first_stage.weights)):
        for item, d in r[kind].items():
            for c, v in d.items():
                if v == 0:
                    continue
                got = (M1 if c in dims else M).loc[item, c]
                assert abs(got - v) < TOL_R, (kind, item, c)


def test_moderation_fsquare_equals_R_seminr():
    res = pls.pls_fit(EXT["moderation_two_stage"]["syntax"], corp())
    f2 = pls.f_squared(res).set_index(["from", "to"])["f2"]
    for fr, d in REF_R["moderation_fsquare"]["f2"].items():
        for to, v in d.items():
            key = (fr.replace("*", ":"), to)
            if key not in f2.index:
                assert v == 0
            elif v is None:
                assert math.isnan(f2[key])
            else:
                assert abs(f2[key] - v) < TOL_R, key


def test_plsc_with_orthogonal_product_term_equals_R_seminr():
    r = REF_R["plsc_interaction"]
    res = pls.pls_fit(r["syntax"], mobi(), interaction="orthogonal", consistent=True)
    s = r["summary"]
    r2 = res.r2.set_index("construct").loc["Satisfaction"]
    assert round(r2["r2"], 3) == s["R^2"] and round(r2["r2.adj"], 3) == s["AdjR^2"]
    for c in ("Image", "Expectation", "Value", "Image*Expectation"):
        assert round(float(res.paths.loc["Satisfaction", c.replace("*", ":")]), 3) == s[c], c
