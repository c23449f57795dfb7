"""Multi-group WLSMV and ordinal measurement invariance against lavaan 0.6.14 + semTools 0.5.6
(tests/reference/ordinal_invariance.R: measEq.syntax(ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016"),
cfa(ordered =, group =), lavTestLRT)."""
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from csat.core.errors import ModelError
from csat.sem import multigroup, wlsmv

HERE = Path(__file__).resolve().parents[1] / "reference"
REF = json.loads((HERE / "ordinal_invariance.json").read_text())
DATA = pd.read_csv(HERE / "ordinal_hs4g.csv")


@pytest.fixture(scope="module")
def inv():
    return multigroup.ordinal_invariance(REF["model"], DATA, REF["group"], ordered=True, group_order=REF["groups"])


@pytest.mark.parametrize("step", list(wlsmv.ORDINAL_STEPS))
def test_fit_measures_equal_lavaan(inv, step):
    fm = inv[1][step].fit_measures
    for k, want in REF["steps"][step]["fit"].items():
        if want is None:                  # lavaan: NA (the robust CFI/TLI/RMSEA under equality constraints)
            assert np.isnan(fm[k]), k
            continue
        assert fm[k] == pytest.approx(want, rel=1e-4, abs=1e-6), k
    assert fm["chisq"] == pytest.approx(REF["steps"][step]["fit"]["chisq"], rel=1e-6)


@pytest.mark.parametrize("step", list(wlsmv.ORDINAL_STEPS))
def test_estimates_equal_lavaan(inv, step):
    ref = pd.DataFrame(REF["steps"][step]["estimates"])
    ref["rhs"] = ref["rhs"].fillna("")
    m = inv[1][step].estimates.merge(ref, on=["lhs", "op", "rhs", "group"], suffixes=("", "_r"))
    assert len(m) == len(ref)
    np.testing.assert_allclose(m["est"], m["est_r"], atol=2e-5)
    np.testing.assert_allclose(m["se"], m["se_r"], atol=5e-5)


def test_difference_tests_equal_lavaan(inv):
    tab = inv[0]
    for k, lr in enumerate(REF["lrt"], start=1):
        row = tab.iloc[k]
        assert [tab.iloc[k - 1]["model"], row["model"]] == lr["models"]
        assert row["chisq.diff"] == pytest.approx(lr["chisq.diff"], rel=1e-4)
        assert row["df.diff"] == lr["df.diff"]
        assert row["pvalue.diff"] == pytest.approx(lr["pvalue.diff"], rel=1e-3, abs=1e-6)


def test_table_format(inv):
    tab = inv[0]
    assert list(tab.columns) == multigroup.INVARIANCE_COLUMNS + multigroup.ROBUST_INVARIANCE_COLUMNS
    assert list(tab["model"]) == ["configural", "thresholds", "metric", "scalar"]
    assert set(tab["estimator"]) == {"WLSMV"}
    assert list(tab["verdict"]) == ["poor", "holds", "holds", "rejected"]   # configural RMSEA .093
    assert tab["cfi.robust"].notna().tolist() == [True, False, False, False]     # configural only, as lavaan
    assert multigroup.fit_columns(tab) == ("cfi.scaled", "tli.scaled", "rmsea.scaled")
    assert tab.loc[2, "delta.cfi"] == pytest.approx(REF["steps"]["thresholds"]["fit"]["cfi.scaled"]
                                                    - REF["steps"]["metric"]["fit"]["cfi.scaled"], rel=1e-3)


def test_dispatch_through_multigroup():
    tab, fits = multigroup.invariance(REF["model"], DATA, "school", estimator="wlsmv", ordered=[f"x{i}" for i in
                                                                                                  range(1, 10)],
                                      group_order=REF["groups"])
    assert list(fits) == ["configural", "thresholds", "metric", "scalar"]
    assert fits["configural"].group_labels == REF["groups"]


def test_empty_category_in_a_group_is_an_error():
    d = DATA.copy()
    d.loc[(d["school"] == "Pasteur") & (d["x1"] == 4), "x1"] = 3
    with pytest.raises(ModelError, match="categories differ"):
        wlsmv.fit_wlsmv_groups(REF["model"], d, "school", ordered=True)


def test_invariance_merges_a_category_empty_in_a_group():
    d = DATA.copy()
    d.loc[(d["school"] == "Pasteur") & (d["x1"] == 4), "x1"] = 3
    tab, fits = multigroup.ordinal_invariance(REF["model"], d, "school", ordered=True)
    assert fits["scalar"].merged == {"x1": [(4, 3)]}
    same = wlsmv.fit_wlsmv_groups(REF["model"], d.assign(x1=d["x1"].clip(upper=3)), "school", ordered=True,
                                  group_equal=wlsmv.ORDINAL_STEPS["metric"])
    assert fits["metric"].fit_measures["chisq"] == pytest.approx(same.fit_measures["chisq"], rel=1e-10)
