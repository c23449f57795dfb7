"""csat.sem.partable: the parameter table and compiled model (lavaan's ``lavParTable``) — identification by
std.lv, equality constraints by label, fixed.x covariates and the automatic covariances (against lavaan,
tests/reference/sem_extra.json), unknown variables, negative degrees of freedom, formative blocks refused."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csat import sem
from csat.sem import ModelError, fit
from csat.sem.syntax import parse_model

from sem.lavaan_checks import EXTRA, LAVAAN_FIT, check_estimates, check_fit, check_r2


# -- sem_extra.json (tests/reference/sem_extra.R) --------------------------------------------------
def test_std_lv_identification(hs_data):
    ref = EXTRA["hs_stdlv"]
    res = fit(ref["model"], hs_data, std_lv=True)
    check_estimates(res, ref["estimates"], cols=("est", "se", "z", "pvalue", "ci.lower", "ci.upper", "std.lv",
                                                 "std.all"))
    check_fit(res, ref["fit"])


def test_equality_constraint_by_label(hs_data):
    ref = EXTRA["hs_equal"]
    res = fit(ref["model"], hs_data)
    check_estimates(res, ref["estimates"])
    check_fit(res, ref["fit"])
    assert res.fit_measures["npar"] == 20


def test_fixed_x_covariates_and_auto_cov_y(hs_data):
    """Observed exogenous covariates: variances/covariances fixed at the sample values (not counted in
    npar), lavaan's conditional loglikelihood; pure endogenous variables get free residual covariances."""
    ref = EXTRA["hs_covariates"]
    res = fit(ref["model"], hs_data)
    check_estimates(res, ref["estimates"], cols=("est", "se", "z", "pvalue", "std.lv", "std.all"))
    check_fit(res, ref["fit"], names=LAVAAN_FIT + ["baseline.chisq", "baseline.df"])
    check_r2(res, ref["r2"])


# -- errors ----------------------------------------------------------------------------------------
def test_unknown_variable_suggests(hs_data):
    with pytest.raises(ModelError, match=r"'xx3' is neither .*did you mean 'x3'"):
        fit("visual =~ x1 + x2 + xx3", hs_data)


def test_negative_df_not_identified(hs_data):
    with pytest.raises(ModelError, match=r"not identified.*df = -1"):
        fit("f =~ x1 + x2", hs_data)


# -- formative blocks are for PLS ------------------------------------------------------------------
def test_formative_operator_parses_and_ml_refuses_it():
    t = parse_model("F <~ x1 + x2\nY =~ y1 + y2\nY ~ F")
    assert list(t["op"]) == ["<~", "<~", "=~", "=~", "~"]
    df = pd.DataFrame(np.random.default_rng(1).standard_normal((50, 4)), columns=["x1", "x2", "y1", "y2"])
    with pytest.raises(sem.ModelError, match="estimator: pls"):
        sem.fit("F <~ x1 + x2\nY =~ y1 + y2\nY ~ F", df)
