"""Item types (csat.intake.itemtypes): continuous items found among Likert items, or declared."""
from __future__ import annotations

from csat.analyses.cleaning import types_text
from csat.intake import itemtypes

from zhsurvey import ZH_CONS


def test_item_types_find_continuous_items(zh):
    t = itemtypes.item_types(zh, sum(ZH_CONS.values(), []), 1, 5)
    assert itemtypes.continuous_items(t) == ["价格3"]
    r = t.set_index("item").loc["价格3"]
    assert r["n_off_scale"] == int((zh["价格3"] % 1 != 0).sum()) and r["example"] % 1 == 0.5
    assert "not points of the 1–5 scale" in r["reason_en"]
    assert "价格3" in types_text(t, "zh")
    declared = itemtypes.item_types(zh, ["服务1"], 1, 5, continuous=True)
    assert list(declared["type"]) == ["continuous"] and "declared" in declared["reason_en"].iloc[0]
    unbounded = itemtypes.item_types(zh, ["服务1"], None, None, continuous=True)
    assert list(unbounded["type"]) == ["continuous"]
