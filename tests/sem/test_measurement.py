"""The study's one CFA (issue #16, item 3): 03 fits the measurement model once with ``sem_missing`` and
writes it; 04 reads the same solution.  Reference: lavaan 0.6-14 ``cfa(HS.model, HolzingerSwineford1939)``
(shared/reference/holzinger1939.json, made by shared/reference/make_refs.R)."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from csat.core.files import write_csv, write_json
from csat.sem import measurement

from conftest import SHARED

HS = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"], "speed": ["x7", "x8", "x9"]}


@pytest.fixture(scope="module")
def hs():
    return pd.read_csv(SHARED / "datasets" / "holzinger1939.csv")


@pytest.fixture(scope="module")
def ref():
    return json.loads((SHARED / "reference" / "holzinger1939.json").read_text())


def test_one_fit_written_as_lavaan_gives_it(hs, ref, tmp_path):
    syntax, fit, err = measurement.fit_measurement_model(hs, HS, missing="listwise")
    assert err is None and fit.converged and syntax == measurement.measurement_model(HS)
    files = measurement.cfa_result_files(syntax, fit, "listwise")
    assert list(files) == list(measurement.CFA_FILES)
    for k, v in ref["cfa"]["fit"].items():
        assert files["cfa_fit.json"][k] == pytest.approx(v, rel=1e-3, abs=1e-3), k
    info = files["cfa.json"]
    assert info["n"] == 301 and info["missing"] == "listwise" and info["converged"] and info["modindices"] is None
    mi = files["cfa_modindices.csv"]
    assert len(mi) > 10 and mi["mi"].is_monotonic_decreasing
    pd.testing.assert_frame_equal(mi.head(10).reset_index(drop=True), fit.modindices(top=10).reset_index(drop=True))
    # the files 04 reads back hold the same solution
    for name, obj in files.items():
        (write_json if name.endswith(".json") else write_csv)(tmp_path / name, obj)
    est = pd.read_csv(tmp_path / "cfa_estimates.csv")
    np.testing.assert_allclose(est["est"], fit.estimates["est"], rtol=1e-12)
    resid = pd.read_csv(tmp_path / "cfa_residuals.csv", index_col=0)
    np.testing.assert_allclose(resid.to_numpy(), fit.residuals().to_numpy(), atol=1e-12)
    assert list(resid.index) == list(resid.columns) == [f"x{i}" for i in range(1, 10)]


def test_fiml_fit_has_every_respondent_and_says_why_no_modification_indices(hs):
    data = hs.copy()
    data.loc[::7, "x1"] = np.nan
    syntax, fit, err = measurement.fit_measurement_model(data, HS, missing="fiml")
    files = measurement.cfa_result_files(syntax, fit, "fiml")
    assert files["cfa.json"]["n"] == 301 and "complete data" in files["cfa.json"]["modindices"]
    assert len(files["cfa_modindices.csv"]) == 0 and list(files["cfa_modindices.csv"].columns)[:4] == ["lhs", "op", "rhs", "mi"]
    _, lw, _ = measurement.fit_measurement_model(data, HS, missing="listwise")
    assert lw.n < 301


def test_a_model_that_cannot_be_fitted_is_reported_not_raised(hs):
    syntax, fit, err = measurement.fit_measurement_model(hs, {"F": ["x1", "nope"]})
    assert fit is None and "nope" in err


def test_measurement_model_syntax():
    pdref = json.loads((SHARED / "reference" / "political_democracy.json").read_text())
    text = measurement.measurement_model({"ind60": ["x1", "x2", "x3"]}, pdref["model"])
    lines = text.strip().splitlines()
    assert lines[:3] == ["ind60 =~ x1 + x2 + x3", "dem60 =~ y1 + y2 + y3 + y4", "dem65 =~ y5 + y6 + y7 + y8"]
    assert not any(" ~ " in ln for ln in lines)                     # regressions dropped
    assert {"y1 ~~ y5", "y2 ~~ y4", "y2 ~~ y6", "y6 ~~ y8"} <= set(lines)   # residual covariances kept
    mod = measurement.measurement_model({"a": ["x1"]}, "a =~ NA*x1 + l1*x2 + 1*x3\nb =~ x4 + x5\nb ~ a\na ~~ 1*a")
    assert mod.splitlines() == ["a =~ NA*x1 + l1*x2 + 1.0*x3", "b =~ x4 + x5", "a ~~ 1.0*a"]
    assert measurement.measurement_model(HS) == "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9\n"
