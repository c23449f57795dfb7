"""csat.sem.fiml: casewise ML for incomplete data against lavaan ``missing = "ml"``
(tests/reference/sem_fiml.json, made by tests/reference/sem_fiml.R), and equal to ML on complete data."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csat.sem import ModelError, fit

from sem.lavaan_checks import FIML, LAVAAN_FIT, TOL, check_estimates, check_fit, check_r2


@pytest.mark.parametrize("key", ["hs", "pd"])
def test_fiml_matches_lavaan(key):
    ref = FIML[key]
    data = pd.DataFrame(ref["data"]).astype(float)
    assert data.isna().any().any()
    res = fit(ref["model"], data, missing="fiml")
    assert res.converged and res.missing == "fiml"
    check_estimates(res, ref["estimates"])          # includes the "~1" intercept rows
    check_fit(res, ref["fit"], names=LAVAAN_FIT + ["unrestricted.logl", "baseline.chisq", "baseline.df"])
    check_r2(res, ref["r2"])
    np.testing.assert_allclose(res.residuals().to_numpy(), np.array(ref["resid_cor"]), atol=TOL)
    with pytest.raises(ModelError, match="only available for complete data"):
        res.modindices()
    with pytest.raises(ModelError, match="only available for complete data"):
        res.standardized_residuals()


def test_fiml_complete_data_equals_ml(pd_data, pd_fit, pd_ref):
    res = fit(pd_ref["model"], pd_data, missing="fiml")
    body = res.estimates[res.estimates["op"] != "~1"].reset_index(drop=True)
    np.testing.assert_allclose(body["est"], pd_fit.estimates["est"], atol=1e-6)
    assert res.fit_measures["chisq"] == pytest.approx(pd_fit.fit_measures["chisq"], abs=1e-5)
    assert res.fit_measures["npar"] == pd_fit.fit_measures["npar"] + 11
    means = res.estimates[res.estimates["op"] == "~1"].set_index("lhs")["est"]
    np.testing.assert_allclose(means[pd_fit.observed], pd_data[pd_fit.observed].mean(), atol=1e-6)
