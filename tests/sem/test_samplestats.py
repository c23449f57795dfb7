"""csat.sem.samplestats: the sample statistics of complete data (listwise deletion)."""
from __future__ import annotations

import numpy as np

from csat.sem import fit


def test_listwise_deletion(hs_data, hs_ref):
    d = hs_data.copy()
    d.loc[[0, 5, 9], "x2"] = np.nan
    res = fit(hs_ref["model"], d)
    assert res.n == 298 and res.fit_measures["ntotal"] == 298
    full = fit(hs_ref["model"], d.dropna(subset=["x2"]))
    np.testing.assert_allclose(res.estimates["est"], full.estimates["est"], atol=1e-10)
