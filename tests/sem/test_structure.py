"""The model's shape (csat.sem.structure): a model without a structural part, single-item constructs."""
from __future__ import annotations

import numpy as np

from csat import sem
from csat.analyses import structural
from csat.sem import structure as shape

from zhsurvey import REF, ZH_CONS


def test_model_without_structural_part(zh):
    assert not shape.has_structural_part(REF["cfa"]["model"]) and shape.has_structural_part(REF["sem"]["model"])
    cfa = sem.fit(REF["cfa"]["model"], zh)
    assert not shape.has_structural_part(cfa.estimates)
    fc = shape.factor_correlations(cfa.estimates, cfa.latent, {"服务": "服务质量"})
    assert len(fc) == 6 and fc.loc[0, "label.lhs"] == "服务质量"
    np.testing.assert_allclose(fc.set_index(["lhs", "rhs"]).loc[("服务", "价格"), "std.all"],
                               cfa.latent_cor().loc["服务", "价格"], atol=1e-10)
    assert shape.single_item_constructs(ZH_CONS) == ["满意"]
    assert ("no structural part" in structural.no_structural_text("en")
            and "没有结构部分" in structural.no_structural_text("zh"))
