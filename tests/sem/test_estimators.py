"""csat.sem.estimators: :func:`csat.sem.fit` (lavaan's ``sem()``/``cfa()``) against lavaan 0.6 end to end
(every estimate, SE, z, p and std.all to 1e-3), against semopy, its input errors, and the registry of
estimators (ML, FIML, PLS by name)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csat.sem import ModelError, fit
from csat.sem.ml import gradient_information
from csat.sem.syntax import ModelSyntaxError

from sem.lavaan_checks import EXTRA, FIML, check_estimates, check_fit, check_r2, dataset


# -- whole fits against lavaan (shared references, sem_extra.json) ---------------------------------
def test_holzinger_cfa_estimates(hs_fit, hs_ref):
    assert hs_fit.converged
    assert np.max(np.abs(gradient_information(hs_fit.model, hs_fit.theta, hs_fit.sample_cov.to_numpy())[1])) < 1e-8
    check_estimates(hs_fit, hs_ref["cfa"]["estimates"])


def test_political_democracy_estimates(pd_fit, pd_ref):
    assert pd_fit.converged
    check_estimates(pd_fit, pd_ref["sem"]["estimates"])


def test_ecsi_model():
    ref = EXTRA["ecsi"]
    res = fit(ref["model"], dataset("ecsi_satisfaction"))
    assert res.converged
    check_estimates(res, ref["estimates"], cols=("est", "se", "z", "pvalue", "std.all"))
    check_fit(res, ref["fit"])
    check_r2(res, ref["r2"])


# -- an independent implementation -----------------------------------------------------------------
def test_semopy_cross_check(hs_data, hs_fit):
    """An independent implementation (semopy 2.3.11) agrees to ~1e-2 (it stops short of the optimum)."""
    import semopy

    m = semopy.Model(EXTRA["hs"]["model"])
    m.fit(hs_data[hs_fit.observed])
    ins = m.inspect()
    ours = hs_fit.estimates.set_index(["lhs", "op", "rhs"])["est"]
    n = 0
    for _, r in ins.iterrows():
        if r["op"] == "~":          # semopy writes loadings as "x ~ f"
            key = (r["rval"], "=~", r["lval"])
        else:
            key = (r["lval"], "~~", r["rval"])
            if key not in ours.index:
                key = (r["rval"], "~~", r["lval"])
        assert ours[key] == pytest.approx(float(r["Estimate"]), abs=1e-2), key
        n += 1
    assert n == len(ours)


# -- errors ----------------------------------------------------------------------------------------
def test_bad_inputs(hs_data):
    with pytest.raises(ModelSyntaxError, match="line 2"):
        fit("f =~ x1 + x2 + x3\nf <- x4", hs_data)
    with pytest.raises(ModelError, match="'a', which is not a parameter label"):
        fit("f =~ x1 + x2 + x3\nind := a*b", hs_data)
    with pytest.raises(ModelError, match="not numeric"):
        fit("f =~ x1 + x2 + x3\nf ~ school", hs_data)
    with pytest.raises(ModelError, match="missing='pairwise' is not supported"):
        fit("f =~ x1 + x2 + x3", hs_data, missing="pairwise")
    with pytest.raises(ModelError, match="not supported with observed exogenous covariates"):
        fit("f =~ x1 + x2 + x3\nf ~ ageyr", hs_data, missing="fiml")


# -- one registry of estimators (csat.sem.estimators) ----------------------------------------------
def test_estimator_registry_dispatches(pd_data, pd_ref, pd_fit):
    from csat.sem import pls
    from csat.sem import ESTIMATORS, get_estimator

    assert {"ml", "fiml", "pls"} <= set(ESTIMATORS)
    ml = ESTIMATORS["ml"].fit(pd_ref["model"], pd_data)
    np.testing.assert_allclose(ml.estimates["est"], pd_fit.estimates["est"], atol=1e-12)
    ref = FIML["hs"]
    data = pd.DataFrame(ref["data"]).astype(float)
    fiml = get_estimator("fiml").fit(ref["model"], data)
    assert fiml.missing == "fiml"
    check_estimates(fiml, ref["estimates"])              # lavaan missing = "ml"
    model = "IMAG =~ x1 + x2 + x3\nSAT =~ x4 + x5 + x6\nSAT ~ IMAG"
    hs = dataset("holzinger1939")
    res = ESTIMATORS["pls"].fit(model, hs)
    assert isinstance(res, pls.PLSResult)
    np.testing.assert_allclose(res.paths.to_numpy(), pls.pls_fit(model, hs).paths.to_numpy())
    with pytest.raises(ModelError, match="unknown estimator 'mll'.*did you mean 'ml'"):
        get_estimator("mll")
