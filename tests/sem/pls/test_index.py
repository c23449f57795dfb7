"""csat.sem.pls.index: the ACSI-style 0–100 index and the IPMA importance against seminrextras, and the index
of equally weighted items."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csat.sem import pls


def test_index_and_ipma_importance(case):
    name, r, df, res = case
    lo, hi = r["scale"]
    idx = pls.csi_index(res, lo, hi)
    for c, v in r["index"].items():
        assert idx[c] == pytest.approx(v, abs=1e-8), (name, c)
    imp = pls.ipma_importance(res, r["target"], lo, hi).set_index("from")["importance"]
    assert set(imp.index) == set(r["ipma_importance"])
    for c, v in r["ipma_importance"].items():
        assert imp[c] == pytest.approx(v, abs=1e-8), (name, c)


def test_index_of_equal_items_is_plain_mean_index():
    rng = np.random.default_rng(5)
    f = rng.standard_normal(200)
    z = {f"x{i}": np.clip(np.round(4 + f + rng.standard_normal(200)), 1, 7) for i in (1, 2)}
    df = pd.DataFrame({**z, "y1": np.clip(np.round(4 + f + rng.standard_normal(200)), 1, 7)})
    df["x2"] = df["x1"][::-1].to_numpy()     # x1's answers in another order: same mean and sd
    res = pls.pls_fit("X =~ x1 + x2\nY =~ y1\nY ~ X", df)
    w = res.weights.loc[["x1", "x2"], "X"].to_numpy() / res.sds[["x1", "x2"]].to_numpy()
    u = w / w.sum()
    want = 100 * (u @ res.means[["x1", "x2"]].to_numpy() - 1) / 6
    assert pls.csi_index(res, 1, 7)["X"] == pytest.approx(want, abs=1e-12)
    assert pls.csi_index(res, 1, 7)["Y"] == pytest.approx(100 * (df["y1"].mean() - 1) / 6, abs=1e-12)
