"""csat.config.checks: the study's model checked against the data's columns and the estimator."""
from __future__ import annotations

import pytest

from csat.config.params import ParamsError, validate_params

from config.test_params import BASE


def test_intake_checks_the_pls_model():
    from csat.config import checks

    cons = {"A": {"items": ["a1", "a2"]}, "B": {"items": ["b1", "b2"]}}
    cols = ["a1", "a2", "b1", "b2"]
    p = validate_params({**BASE, "constructs": cons, "estimator": "pls", "model": "A =~ a1 + a2\nB =~ b1 + b2\nB ~ A"})
    checks.check_model(p, "params/s.yaml", cols)                       # fine
    p = validate_params({**BASE, "constructs": cons, "estimator": "pls"})      # no model: one factor per construct
    with pytest.raises(ParamsError, match="no structural paths"):
        checks.check_model(p, "params/s.yaml", cols)
    p = validate_params({**BASE, "constructs": cons, "estimator": "pls", "model": "A =~ a1 + a2\nB =~ b1 + b9\nB ~ A"})
    with pytest.raises(ParamsError, match="b9"):
        checks.check_model(p, "params/s.yaml", cols)
