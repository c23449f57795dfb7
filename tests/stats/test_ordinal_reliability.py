"""Ordinal alpha, categorical omega and the polychoric EFA against psych 2.2.9 and semTools 0.5-6.

Reference: ``tests/reference/ordinal_wlsmv.json`` (``ordinal_wlsmv.R``): ``psych::alpha`` of
``psych::polychoric(x, correct = 0)$rho``, ``semTools::compRelSEM`` of the WLSMV CFA, ``psych::KMO`` of the
polychoric matrix and ``psych::fa(x, 3, cor = "poly", fm = "minres", rotate = "varimax", correct = 0)``.
"""
from __future__ import annotations

import numpy as np
import pytest

from ordinal_data import REF, ordinal_data

from csat.sem.wlsmv import fit_wlsmv
from csat.stats.factor import exploratory_analysis
from csat.stats.reliability import ordinal_reliability_table

CONS = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"], "speed": ["x7", "x8", "x9"]}


def test_ordinal_alpha_and_omega_equal_psych_semtools():
    data, _ = ordinal_data("hs5")
    res = fit_wlsmv(REF["hs5"]["model"], data)
    tab = ordinal_reliability_table(data, CONS, res).set_index("construct")
    for f in CONS:
        assert tab.loc[f, "alpha.ordinal"] == pytest.approx(REF["hs5"]["ordinal_alpha"][f], abs=1e-4)
        assert tab.loc[f, "omega.ordinal"] == pytest.approx(REF["hs5"]["compRelSEM"][f], abs=1e-6)


def test_polychoric_efa_equals_psych():
    data, _ = ordinal_data("hs5")
    items = list(data.columns)
    ex = exploratory_analysis(data, items, n_factors=3, method="minres", rotation="varimax", ordered=items)
    assert ex["summary"]["cor"] == "polychoric"
    assert ex["summary"]["kmo"] == pytest.approx(REF["hs5"]["kmo"], abs=1e-4)
    np.testing.assert_allclose(ex["efa"]["loadings"].to_numpy(float), np.array(REF["hs5"]["efa"]["loadings"]),
                               atol=1e-4)
    np.testing.assert_allclose(np.linalg.eigvalsh(ex["R"])[::-1], REF["hs5"]["efa"]["values"], atol=1e-4)
