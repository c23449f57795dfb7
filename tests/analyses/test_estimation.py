"""csat.analyses.estimation: 02's Mardia table and the estimator advice for each case."""
from __future__ import annotations

import pandas as pd

from conftest import SHARED
from csat.analyses.estimation import answer_categories, estimator_advice, mardia_table, study_mardia


def _ecsi():
    return pd.read_csv(SHARED / "datasets" / "ecsi_satisfaction.csv")


def test_ecsi_rejects_normality_and_ml_is_told_to_use_mlr():
    d = _ecsi()
    m = study_mardia(d, list(d.columns[:27]))
    assert m["categories"] == 11 and m["n"] == 250 and m["p"] == 27 and m["p_kurt"] < 0.05
    assert list(mardia_table(m)["test"].str[:22]) == ["Multivariate skewness ", "Skewness, small-sample",
                                                      "Multivariate kurtosis "]
    text, (d1,) = estimator_advice(m, "ml")
    assert d1.code == "estimator_advice" and d1.severity == "warning"
    assert "ML" in d1.message and "MLR (estimator: mlr)" in d1.message and text.startswith("Mardia's tests of the 27")
    assert "MLR" in d1.message_zh
    text_zh, _ = estimator_advice(m, "pls", "zh")
    assert "Mardia" in text_zh and "稳健" in text_zh
    (d2,) = estimator_advice(m, "mlr")[1]
    assert d2.severity == "info" and "MLR" in d2.message


def test_five_categories_call_for_wlsmv():
    d = _ecsi().iloc[:, :6].clip(6, 10)                    # five categories: 6..10
    m = study_mardia(d, list(d.columns))
    assert answer_categories(d, list(d.columns)) == 5
    (adv,) = estimator_advice(m, "mlr")[1]
    assert adv.severity == "warning" and "WLSMV (ordered: true)" in adv.message and "MLR" in adv.message
    assert estimator_advice(m, "wlsmv")[1][0].severity == "info"


def test_normal_continuous_items_need_no_advice():
    import numpy as np
    rng = np.random.default_rng(3)
    d = pd.DataFrame(rng.normal(size=(400, 4)), columns=list("abcd"))
    text, diags = estimator_advice(study_mardia(d, list("abcd")), "ml")
    assert diags == [] and "ML's assumptions are reasonable" in text
