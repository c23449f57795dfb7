"""csat.sem.multigroup against lavaan 0.6-14: multi-group CFA and measurement invariance.

Reference: ``tests/reference/invariance.json`` made by ``tests/reference/invariance.R`` (lavaan
``cfa(..., group =, group.equal =)``, ``fitMeasures``, ``parameterEstimates``, ``lavTestLRT``) for
Holzinger–Swineford by school (listwise, and FIML on ``invariance_hs_missing.csv``) and the ECSI data
by gender.  Every fit measure of the table, every estimate and standard error of every model, to 1e-3.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from csat.analyses.factor import invariance_text
from csat.sem.multigroup import INVARIANCE_COLUMNS, STEPS, fit_multigroup, invariance, invariance_level
from csat.sem import ModelError

from conftest import SHARED

HERE = Path(__file__).resolve().parents[1]            # tests/
REF = json.loads((HERE / "reference" / "invariance.json").read_text())
TOL = 1e-3
CASES = ["hs", "ecsi", "hs_fiml"]


def _data(case: str) -> pd.DataFrame:
    if case == "hs":
        return pd.read_csv(SHARED / "datasets" / "holzinger1939.csv")
    if case == "ecsi":
        return pd.read_csv(SHARED / "datasets" / "ecsi_satisfaction.csv")
    return pd.read_csv(HERE / "reference" / "invariance_hs_missing.csv")


@pytest.fixture(scope="module", params=CASES)
def case(request):
    r = REF[request.param]
    missing = "fiml" if r["missing"] == "ml" else "listwise"
    table, fits = invariance(r["model"], _data(request.param), r["group"], missing=missing)
    return request.param, r, table, fits


def _close(a, b, tol=TOL):
    return abs(a - b) <= tol * max(1.0, abs(b))


def test_fit_measures_equal_lavaan(case):
    name, r, table, fits = case
    for step in STEPS:
        fm = fits[step].fit_measures
        assert fits[step].converged
        for k, v in r[step]["fit"].items():
            assert _close(fm[k], v), (name, step, k, fm[k], v)


def test_table_and_lrt_equal_lavaan(case):
    name, r, table, fits = case
    assert list(table.columns) == INVARIANCE_COLUMNS
    assert list(table["model"]) == list(STEPS)
    for lrt, (_, row) in zip(r["lrt"], table.iterrows()):
        assert _close(row["chisq"], lrt["chisq"]) and row["df"] == lrt["df"]
        if lrt["chisq.diff"] is None:
            assert math.isnan(row["chisq.diff"])
        else:
            assert _close(row["chisq.diff"], lrt["chisq.diff"])
            assert row["df.diff"] == lrt["df.diff"]
            assert abs(row["pvalue.diff"] - lrt["pvalue.diff"]) < TOL
    fm = {s: r[s]["fit"] for s in STEPS}
    assert table.loc[1, "delta.cfi"] == pytest.approx(fm["configural"]["cfi"] - fm["metric"]["cfi"], abs=TOL)
    assert table.loc[2, "delta.rmsea"] == pytest.approx(fm["scalar"]["rmsea"] - fm["metric"]["rmsea"], abs=TOL)


def test_estimates_equal_lavaan(case):
    name, r, table, fits = case
    for step in STEPS:
        ref = pd.DataFrame(r[step]["estimates"])
        ref = ref[ref["op"].isin(["=~", "~~", "~1"])]
        got = fits[step].estimates
        m = ref.merge(got, on=["lhs", "op", "rhs", "group"], how="left", suffixes=("_ref", ""))
        assert len(m) == len(ref) and m["est"].notna().all()
        assert len(got) == len(ref)          # no row more than lavaan's
        np.testing.assert_allclose(m["est"], m["est_ref"], atol=TOL, err_msg=f"{name} {step} est")
        np.testing.assert_allclose(m["se"], m["se_ref"], atol=TOL, err_msg=f"{name} {step} se")


def test_group_labels_and_n(case):
    name, r, table, fits = case
    fit = fits["scalar"]
    assert [str(g) for g in fit.group_labels] == r["group_labels"]
    assert fit.n == list(r["nobs"])


def test_verdicts_follow_chen():
    r = REF["hs"]
    table, _ = invariance(r["model"], _data("hs"), "school")
    # lavaan tutorial: metric invariance holds on HS by school, scalar does not
    assert list(table["verdict"]) == ["poor", "holds", "rejected"]
    assert invariance_level(table) == "none"          # the configural RMSEA is .097 > .08
    r = REF["ecsi"]
    table, _ = invariance(r["model"], _data("ecsi"), "gender")
    assert list(table["verdict"])[1:] == ["holds", "holds"]
    text = invariance_text(table, "gender", ["male", "female"], "en")
    assert "ΔCFI" in text and "gender" in text
    assert "测量不变性" in invariance_text(table, "gender", ["male", "female"], "zh")


def test_group_order_sets_reference_group():
    r = REF["hs"]
    d = _data("hs")
    a = fit_multigroup(r["model"], d, "school", group_equal=STEPS["scalar"])
    b = fit_multigroup(r["model"], d, "school", group_equal=STEPS["scalar"], group_order=["Grant-White", "Pasteur"])
    assert a.fit_measures["chisq"] == pytest.approx(b.fit_measures["chisq"], rel=1e-6)
    ea, eb = a.estimates, b.estimates
    mean_a = ea[(ea["op"] == "~1") & (ea["lhs"] == "visual") & (ea["group"] == 2)]["est"].item()
    mean_b = eb[(eb["op"] == "~1") & (eb["lhs"] == "visual") & (eb["group"] == 2)]["est"].item()
    assert mean_b == pytest.approx(-mean_a, abs=1e-4)      # the latent mean difference changes sign
    assert eb.loc[(eb["op"] == "~1") & (eb["lhs"] == "visual") & (eb["group"] == 1), "est"].item() == 0


def test_bad_input():
    r = REF["hs"]
    d = _data("hs")
    with pytest.raises(ModelError, match="not a column"):
        fit_multigroup(r["model"], d, "schol")
    with pytest.raises(ModelError, match="at least 2"):
        fit_multigroup(r["model"], d[d["school"] == "Pasteur"], "school")
    with pytest.raises(ModelError, match="no rows with level"):
        fit_multigroup(r["model"], d, "school", group_order=["Pasteur", "Nowhere"])
    with pytest.raises(ModelError, match="group_equal"):
        fit_multigroup(r["model"], d, "school", group_equal=("residuals",))


def test_study_invariance_runs_each_grouping_and_reports_failures():
    from csat.sem.multigroup import invariance_diagnostics, study_invariance

    r = REF["hs"]
    d = _data("hs")
    d["grade_txt"] = d["grade"].map({7: "g7", 8: "g8"})
    d["tiny"] = np.where(np.arange(len(d)) < 5, "few", "many")          # 5 rows for 9 variables
    runs = study_invariance(d, r["model"], group="tiny", waves="grade_txt", waves_order=["g8", "g7"])
    assert [run["group"] for run in runs] == ["tiny", "grade_txt"]
    assert "only 5 usable row" in runs[0]["error"]
    ok = runs[1]
    assert ok["levels"] == ["g8", "g7"] and list(ok["table"]["model"]) == list(STEPS)
    assert set(ok["estimates"]["model"]) == set(STEPS) and ok["estimates"].columns[0] == "model"
    codes = {x.code for x in invariance_diagnostics(ok["table"], "grade_txt")}
    assert codes <= {"poor_fit", "noninvariance", "nonconvergence"}
    table, _ = invariance(r["model"], _data("hs"), "school")
    diags = invariance_diagnostics(table, "school")
    assert [x.code for x in diags] == ["poor_fit", "noninvariance"] and "Scalar" in diags[1].message


@pytest.mark.parametrize("case", ["hs", "ecsi"])
def test_release_score_tests_equal_lavtestscore(case):
    from csat.sem.multigroup import release_tests

    r = REF[case]
    fit = fit_multigroup(r["model"], _data(case), r["group"], group_equal=STEPS["scalar"])
    got = release_tests(fit)
    ref = pd.DataFrame(r["score"])
    m = ref.merge(got, on=["lhs", "op", "rhs", "group"], how="outer", suffixes=("_ref", ""))
    assert len(m) == len(ref) == len(got) and m["X2"].notna().all() and m["X2_ref"].notna().all()
    np.testing.assert_allclose(m["X2"], m["X2_ref"], atol=TOL)
    np.testing.assert_allclose(m["pvalue"], m["pvalue_ref"], atol=TOL)
    assert got["X2"].is_monotonic_decreasing
    if case == "hs":            # the lavaan tutorial's partial-invariance culprits
        assert list(got.loc[:1, "lhs"]) == ["x3", "x7"]
