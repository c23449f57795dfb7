"""Thresholds, polychoric/polyserial correlations and their NACOV against lavaan 0.6.14 and psych 2.2.9.

Reference: ``tests/reference/ordinal_wlsmv.json`` (made by ``ordinal_wlsmv.R`` beside it): lavCor's thresholds
and correlations and ``lavInspect(fit, "gamma")`` for three data sets built from public data with R's ``cut``.
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from ordinal_data import REF, ordinal_data
from csat.stats.polychoric import bvn_cdf, polychoric


@pytest.mark.parametrize("name", ["hs5", "ecsi", "mixed", "bin"])
def test_thresholds_correlations_nacov_equal_lavaan(name):
    ref = REF[name]
    data, ordered = ordinal_data(name)
    pc = polychoric(data, ordered, nacov=True)
    assert pc.n == ref["n"]
    k = len(ref["th"])
    assert pc.th_names[:k] == ref["th_names"]
    np.testing.assert_allclose(pc.th[:k], ref["th"], atol=1e-10)
    np.testing.assert_allclose(pc.cor.to_numpy(), np.array(ref["cor"]), atol=1e-6)
    np.testing.assert_allclose(pc.nacov, np.array(ref["gamma"]), atol=1e-5)


def test_polychoric_equals_psych():
    data, _ = ordinal_data("hs5")
    pc = polychoric(data)
    np.testing.assert_allclose(pc.cor.to_numpy(), np.array(REF["hs5"]["psych_rho"]), atol=1e-4)
    tau = np.array(REF["hs5"]["psych_tau"])
    np.testing.assert_allclose(pc.th.reshape(9, 4), tau, atol=1e-4)


def test_bvn_cdf_against_numerical_integration():
    from scipy import integrate
    for h, k, r in [(0.3, -0.5, 0.2), (-1.2, 0.7, -0.6), (1.5, 1.1, 0.95), (-0.4, -2.0, -0.97), (0.0, 0.0, 0.8)]:
        want = integrate.dblquad(lambda y, x: stats.multivariate_normal.pdf([x, y], cov=[[1, r], [r, 1]]),
                                 -10, h, -10, k, epsabs=1e-12)[0]
        assert abs(float(bvn_cdf(h, k, r)) - want) < 1e-8
