"""csat.sem.pls.consistent: PLSc (Dijkstra & Henseler 2015) against seminr 0.2.1's ``reflective()`` constructs
(tests/reference/pls_seminr_ext.py): paths, R², loadings, weights, bootstrap."""
from __future__ import annotations

import numpy as np

from csat.sem import pls
from sem.pls.ext_ref import EXT, check_boot, check_point, corp


def test_plsc_simple_equals_seminr():
    check_point(pls.pls_fit(EXT["plsc_simple"]["syntax"], corp(), consistent=True), EXT["plsc_simple"])


def test_plsc_extended_equals_seminr_with_bootstrap():
    r = EXT["plsc_extended"]
    res = pls.pls_fit(r["syntax"], corp(), consistent=True)
    check_point(res, r)
    check_boot(res, r, pls)


def test_plsc_leaves_formative_blocks_and_weights():
    r = EXT["plsc_extended"]
    a = pls.pls_fit(r["syntax"], corp())
    b = pls.pls_fit(r["syntax"], corp(), consistent=True)
    assert np.allclose(a.weights, b.weights)
    assert np.allclose(a.loadings.loc["qual_1":"attr_3", "QUAL":"ATTR"], b.loadings.loc["qual_1":"attr_3", "QUAL":"ATTR"])
    assert np.allclose(a.paths.loc["COMP", "QUAL"], b.paths.loc["COMP", "QUAL"], atol=0.2)
    assert not np.allclose(a.paths.loc["CUSL", "LIKE"], b.paths.loc["CUSL", "LIKE"])
    q = pls.quality(b).set_index("construct")
    assert q.loc["COMP", "rhoA"] > 0.7
