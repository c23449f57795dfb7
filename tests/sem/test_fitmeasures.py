"""csat.sem.fitmeasures: lavaan's ``fitMeasures`` of an ML fit (shared/reference/holzinger1939.json,
political_democracy.json) to 1e-3."""
from __future__ import annotations

from sem.lavaan_checks import LAVAAN_FIT, check_fit, check_r2


def test_holzinger_cfa_fit_measures(hs_fit, hs_ref):
    check_fit(hs_fit, hs_ref["cfa"]["fit"])
    assert set(LAVAAN_FIT) <= set(hs_fit.fit_measures)


def test_political_democracy_fit_measures_and_r2(pd_fit, pd_ref):
    check_fit(pd_fit, pd_ref["sem"]["fit"])
    check_r2(pd_fit, pd_ref["sem"]["r2"])
