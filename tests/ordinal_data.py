"""The ordinal reference data sets of tests/reference/ordinal_wlsmv.R and their lavaan/psych/semTools values."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from conftest import SHARED

HERE = Path(__file__).resolve().parent
REF = json.loads((HERE / "reference" / "ordinal_wlsmv.json").read_text())


def ordinal_data(name: str) -> tuple[pd.DataFrame, object]:
    """``(data, ordered)`` of the case ``name``: ``hs5`` (HS x1–x9 cut into 5 categories), ``ecsi`` (ECSI
    items cut into 3, 4 and 5 categories), ``bin`` (HS x1–x6 cut at their medians) or ``mixed`` (hs5's x1–x6 ordinal, HS x7–x9 continuous)."""
    hs5 = pd.read_csv(HERE / "reference" / "ordinal_hs5.csv")
    if name == "hs5":
        return hs5, True
    if name == "ecsi":
        return pd.read_csv(HERE / "reference" / "ordinal_ecsi.csv"), True
    if name == "bin":
        return pd.read_csv(HERE / "reference" / "ordinal_bin.csv"), True
    hs = pd.read_csv(SHARED / "datasets" / "holzinger1939.csv")
    six = [f"x{i}" for i in range(1, 7)]
    return pd.concat([hs5[six], hs[["x7", "x8", "x9"]]], axis=1), six
