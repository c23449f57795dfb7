"""csat.sem.pls.assessment: the quality criteria of a PLS model (reliability, AVE, HTMT, Fornell–Larcker,
VIFs, f²) against seminr."""
from __future__ import annotations

import numpy as np
import pytest

from csat.sem import pls

from sem.pls.seminr_ref import TOL


def test_quality_criteria(case):
    name, r, df, res = case
    q = pls.quality(res).set_index("construct")
    for c, v in r["reliability"].items():
        if q.loc[c, "mode"] == "B":
            assert np.isnan(q.loc[c, "rhoC"])          # no internal-consistency reliability for composites
            continue
        for a, b in [("alpha", "alpha"), ("rhoA", "rhoA"), ("rhoC", "rhoC"), ("AVE", "ave")]:
            assert q.loc[c, b] == pytest.approx(v[a], abs=TOL), (name, c, a)
    h = pls.htmt(res).set_index("construct")
    for a, d in r["htmt"].items():
        for b, v in d.items():
            if v is not None:
                assert h.loc[a, b] == pytest.approx(v, abs=TOL)
                assert h.loc[b, a] == pytest.approx(v, abs=TOL)
    fl = pls.fornell_larcker(res).set_index("construct")
    for a, d in r["fornell_larcker"].items():
        for b, v in d.items():
            if v is not None and q.loc[a, "mode"] == "A":
                assert fl.loc[a, b] == pytest.approx(v, abs=TOL)
    iv = pls.item_vif(res).set_index("item")["vif"]
    for c, d in r["item_vif"].items():
        for it, v in d.items():
            assert iv[it] == pytest.approx(v, abs=1e-7 * max(1, v))
    inner = pls.inner_vif(res).set_index(["from", "to"])["vif"]
    for to, d in r["inner_vif"].items():
        for fr, v in d.items():
            if v is None:
                assert np.isnan(inner[(fr, to)])
            else:
                assert inner[(fr, to)] == pytest.approx(v, abs=TOL)
    f2 = pls.f_squared(res).set_index(["from", "to"])["f2"]
    for p in r["f2"]:
        assert f2[(p["from"], p["to"])] == pytest.approx(p["f2"], abs=TOL)
