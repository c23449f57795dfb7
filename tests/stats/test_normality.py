"""csat.stats.normality: Mardia's tests against psych::mardia (tests/reference/robust_ml.json, made by
tests/reference/robust_ml.R with Debian's r-cran-psych)."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import SHARED
from csat.stats.normality import mardia

REF = json.loads((Path(__file__).resolve().parents[1] / "reference" / "robust_ml.json").read_text())


@pytest.mark.parametrize("key, data, cols", [("mardia_hs", "holzinger1939", [f"x{i}" for i in range(1, 10)]),
                                             ("mardia_ecsi", "ecsi_satisfaction", None)])
def test_mardia_matches_psych(key, data, cols):
    d = pd.read_csv(SHARED / "datasets" / f"{data}.csv")
    X = d[cols] if cols else d.iloc[:, :27]
    m, r = mardia(X), REF[key]
    assert m["n"] == r["n"]
    for k in ("b1p", "b2p", "skew", "p_skew", "small_skew", "p_small", "kurtosis", "p_kurt"):
        assert m[k] == pytest.approx(r[k], rel=1e-8, abs=1e-12), k


def test_mardia_drops_incomplete_rows_and_needs_enough_of_them():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(50, 3))
    Xn = np.vstack([X, [[np.nan, 1.0, 2.0]]])
    assert mardia(Xn)["b1p"] == pytest.approx(mardia(X)["b1p"])
    assert mardia(X[:4])["n"] == 4 and math.isnan(mardia(X[:4])["b1p"])
