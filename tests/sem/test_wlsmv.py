"""WLSMV (ordinal CFA/SEM) against lavaan 0.6.14: estimates, robust SEs, std.all, R², the scaled-shifted
test and the fit measures, on three data sets built from public data with R's ``cut``.

Reference: ``tests/reference/ordinal_wlsmv.json`` (``ordinal_wlsmv.R``: ``sem(model, data, ordered = ...)``,
``parameterEstimates``, ``standardizedSolution``, ``fitMeasures``, ``lavInspect(fit, "rsquare")``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ordinal_data import REF, ordinal_data

from csat.core.errors import ModelError
from csat.sem.wlsmv import fit_wlsmv

CASES = ["hs5", "ecsi", "mixed", "bin"]
#: the fit measures the results files carry, with the robust ones lavaan gives for WLSMV
MEASURES = ["npar", "fmin", "chisq", "df", "pvalue", "chisq.scaled", "df.scaled", "pvalue.scaled",
            "chisq.scaling.factor", "baseline.chisq", "baseline.df", "baseline.chisq.scaled",
            "baseline.chisq.scaling.factor", "cfi", "tli", "cfi.scaled", "tli.scaled", "cfi.robust", "tli.robust",
            "nfi", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.pvalue", "rmsea.scaled",
            "rmsea.ci.lower.scaled", "rmsea.ci.upper.scaled", "rmsea.robust", "rmsea.ci.lower.robust",
            "rmsea.ci.upper.robust", "srmr", "gfi", "agfi"]


@pytest.fixture(scope="module")
def fits():
    out = {}
    for name in CASES:
        data, ordered = ordinal_data(name)
        out[name] = fit_wlsmv(REF[name]["model"], data, ordered=ordered)
    return out


@pytest.mark.parametrize("name", CASES)
def test_estimates_equal_lavaan(fits, name):
    res, ref = fits[name], pd.DataFrame(REF[name]["estimates"])
    est = res.estimates
    assert est["lhs"].tolist() == ref["lhs"].tolist()
    assert est["op"].tolist() == ref["op"].tolist()
    assert est["rhs"].tolist() == ref["rhs"].fillna("").tolist()
    for col in ["est", "se", "ci.lower", "ci.upper", "std.all"]:
        np.testing.assert_allclose(est[col].to_numpy(float), ref[col].to_numpy(float), atol=1e-5, err_msg=col)
    z = ref["z"].to_numpy(float)
    ok = np.isfinite(z)
    assert (np.isfinite(est["z"].to_numpy(float)) == ok).all()
    np.testing.assert_allclose(est["z"].to_numpy(float)[ok], z[ok], rtol=1e-5)
    r2 = res.r2.set_index("variable")["r2"]
    assert set(r2.index) == set(REF[name]["r2"])
    for k, v in REF[name]["r2"].items():
        assert abs(r2[k] - v) < 1e-5


@pytest.mark.parametrize("name", CASES)
def test_fit_measures_equal_lavaan(fits, name):
    fm, ref = fits[name].fit_measures, REF[name]["fit"]
    for k in MEASURES:
        want = ref[k]
        if want is None:                           # lavaan: NA (robust measures with a continuous item)
            assert not np.isfinite(fm[k]), k
        else:
            assert fm[k] == pytest.approx(want, rel=1e-5, abs=1e-6), k


def test_continuous_only_is_refused():
    data, _ = ordinal_data("hs5")
    with pytest.raises(ModelError, match="ordered"):
        fit_wlsmv("f =~ x1 + x2 + x3", data, ordered=[])


def test_result_is_labelled_wlsmv(fits):
    from csat.sem.result import result_tables
    fit, est = result_tables(fits["hs5"])
    assert (fit["estimator"], fit["test"]) == ("WLSMV", "scaled.shifted")
    assert fit["chisq.scaled"] == pytest.approx(REF["hs5"]["fit"]["chisq.scaled"], rel=1e-6)
    assert (est["op"] == "|").sum() == 36


def test_dispatch():
    from csat.sem.estimators import fit as sem_fit
    data, _ = ordinal_data("hs5")
    res = sem_fit(REF["hs5"]["model"], data, estimator="wlsmv", ordered=list(data.columns))
    assert res.fit_measures["chisq"] == pytest.approx(REF["hs5"]["fit"]["chisq"], rel=1e-6)
    # ordinal invariance: tests/sem/test_wlsmv_invariance.py


@pytest.mark.parametrize("name", CASES)
def test_modindices_equal_lavaan(fits, name):
    ref = pd.DataFrame(REF[name]["modindices"])
    mine = fits[name].modindices(top=None)
    m = ref.merge(mine, on=["lhs", "op", "rhs"], how="outer", suffixes=("_r", ""), indicator=True)
    assert (m["_merge"] == "both").all()
    for col in ["mi", "epc", "sepc.all"]:
        np.testing.assert_allclose(m[col], m[col + "_r"], rtol=1e-4, atol=1e-4, err_msg=col)
    with pytest.raises(ModelError, match="not available"):
        fits[name].standardized_residuals()


def test_defined_parameter_equals_lavaan():
    ref = REF["ecsi_defined"]
    data, _ = ordinal_data("ecsi")
    row = fit_wlsmv(ref["model"], data).estimates.query("op == ':='").iloc[0]
    assert row["lhs"] == "ind"
    assert row["est"] == pytest.approx(ref["est"], abs=1e-5)
    assert row["se"] == pytest.approx(ref["se"], abs=1e-5)
    assert row["std.all"] == pytest.approx(ref["std.all"], abs=1e-5)
