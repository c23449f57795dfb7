"""csat.sem.robust: lavaan's MLR and MLM (robust standard errors, scaled tests, scaled and robust fit
measures) against lavaan 0.6.14 (tests/reference/robust_ml.json, made by tests/reference/robust_ml.R), to 1e-4
(relative above 1: the ECSI model's VAL and SAT regressions have standard errors near 7, ill-conditioned
enough that the two optimisers' last digits of the estimates move them by 1e-5 relative)."""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from csat.sem import ModelError, fit, result_tables
from csat.sem.fitmeasures import ROBUST_FIT_MEASURES
from csat.sem.robust import scaled_difference

from sem.lavaan_checks import HERE, dataset

TOL = 1e-4
REF = json.loads((HERE / "reference" / "robust_ml.json").read_text())
FIT_NAMES = ["npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr", "aic", "bic", "logl"] + [
    m for m in ROBUST_FIT_MEASURES]


def _check_estimates(res, ref_rows, cols=("est", "se", "z")):
    est = res.estimates.reset_index(drop=True)
    assert len(est) == len(ref_rows)
    bad = []
    for k, row in enumerate(ref_rows):
        mine = est.iloc[k]
        assert (mine["lhs"], mine["op"], mine["rhs"].replace(" ", "")) == (row["lhs"], row["op"], row["rhs"]), k
        for c in cols:
            if row.get(c) is None:
                continue
            if abs(float(mine[c]) - float(row[c])) > TOL * max(1.0, abs(float(row[c]))):
                bad.append((row["lhs"], row["op"], row["rhs"], c, mine[c], row[c]))
    assert not bad, bad


def check_fit(res, ref_fit, names, tol=TOL):
    """Each measure within ``tol``, relative to |value|/100 for the χ² statistics (hundreds): the
    ill-conditioned ECSI model moves lavaan's and our last digits by about 1e-7 relative."""
    bad = [(m, res.fit_measures[m], ref_fit[m]) for m in names
           if abs(res.fit_measures[m] - ref_fit[m]) > tol * max(1.0, abs(ref_fit[m]) / 100)]
    assert not bad, bad


@pytest.mark.parametrize("key, data, estimator", [
    ("hs_mlr", "holzinger1939", "mlr"), ("hs_mlm", "holzinger1939", "mlm"),
    ("ecsi_mlr", "ecsi_satisfaction", "mlr"), ("ecsi_mlm", "ecsi_satisfaction", "mlm")])
def test_robust_matches_lavaan(key, data, estimator):
    ref = REF[key]
    model = REF["hs_model" if key.startswith("hs") else "ecsi_model"]
    res = fit(model, dataset(data), estimator=estimator)
    assert (res.estimator, res.test) == (estimator.upper(), ref["options"]["test"])
    _check_estimates(res, ref["estimates"])            # ML estimates, robust SEs (":=" rows by the delta method)
    names = [m for m in FIT_NAMES if m in ref["fit"]]
    assert len(names) == len(FIT_NAMES)
    check_fit(res, ref["fit"], names=names, tol=TOL)


def test_robust_labels_and_results_contract():
    hs = dataset("holzinger1939")
    res = fit(REF["hs_model"], hs, estimator="mlr")
    assert (res.estimator, res.test) == ("MLR", "yuan.bentler.mplus")
    fm, _ = result_tables(res)
    assert fm["estimator"] == "MLR" and fm["test"] == "yuan.bentler.mplus"
    assert list(fm)[-len(ROBUST_FIT_MEASURES):] == ROBUST_FIT_MEASURES
    mlm = fit(REF["hs_model"], hs, estimator="mlm")
    assert (mlm.estimator, mlm.test) == ("MLM", "satorra.bentler")
    ml = fit(REF["hs_model"], hs)                   # plain ML: the contract is unchanged
    fm_ml, _ = result_tables(ml)
    assert "chisq.scaled" not in fm_ml and "estimator" not in fm_ml
    np.testing.assert_allclose(res.estimates["est"], ml.estimates["est"], atol=1e-10)


def test_fiml_mlr_matches_lavaan():
    ref = REF["hs_fiml_mlr"]
    data = pd.read_csv(HERE / "reference" / "invariance_hs_missing.csv")
    assert data.isna().any().any()
    res = fit(REF["hs_model"], data, estimator="mlr", missing="fiml")
    assert res.missing == "fiml" and res.estimator == "MLR"
    _check_estimates(res, ref["estimates"])            # the "~1" rows too
    names = ["npar", "chisq", "df", "cfi", "tli", "rmsea", "aic", "logl"] + ROBUST_FIT_MEASURES
    check_fit(res, ref["fit"], names=names)          # the robust ones by lavaan's FIML-C correction


def test_mlm_needs_complete_data():
    data = pd.read_csv(HERE / "reference" / "invariance_hs_missing.csv")
    with pytest.raises(ModelError, match="mlm"):
        fit(REF["hs_model"], data, estimator="mlm", missing="fiml")
    with pytest.raises(ModelError, match="unknown estimator"):
        fit(REF["hs_model"], data, estimator="mlx")


def test_scaled_difference():
    t, df, p = scaled_difference(10.0, 5, 1.2, 4.0, 3, 1.1)
    cd = (5 * 1.2 - 3 * 1.1) / 2
    assert (t, df) == (pytest.approx(6.0 / cd), 2) and 0 < p < 1
    assert math.isnan(scaled_difference(10.0, 5, 1.0, 4.0, 3, 2.0)[0])     # negative c_d


@pytest.mark.parametrize("estimator", ["mlr", "mlm"])
def test_multigroup_invariance_matches_lavaan(estimator):
    """Configural, metric and scalar fits across HS's schools (estimates, robust SEs, scaled and robust fit
    measures) and lavTestLRT's Satorra–Bentler (2001) scaled difference tests."""
    from csat.sem.multigroup import ROBUST_INVARIANCE_COLUMNS, invariance

    hs = dataset("holzinger1939")
    table, fits = invariance(REF["hs_model"], hs, "school", estimator=estimator)
    ref = REF[f"mg_{estimator}"]
    for name, res in fits.items():
        assert (res.estimator, res.test) == (estimator.upper(), ref[name]["options"]["test"])
        r = pd.DataFrame(ref[name]["estimates"])
        m = res.estimates.merge(r, on=["lhs", "op", "rhs", "group"], suffixes=("", "_r"))
        assert len(m) == len(r) == len(res.estimates)
        for c in ("est", "se"):
            assert np.abs(m[c] - m[c + "_r"]).max() < TOL, (name, c)
        check_fit(res, ref[name]["fit"], names=list(ref[name]["fit"]))
    lrt = ref["lrt"]
    got = table[["chisq.diff", "df.diff", "pvalue.diff"]].to_numpy()
    for k in (1, 2):
        assert got[k, 0] == pytest.approx(lrt["chisq_diff"][k], rel=TOL)
        assert got[k, 1] == lrt["df_diff"][k]
        assert got[k, 2] == pytest.approx(lrt["pvalue"][k], rel=TOL, abs=1e-7)
    assert list(table.columns[-len(ROBUST_INVARIANCE_COLUMNS):]) == ROBUST_INVARIANCE_COLUMNS


MG = json.loads((HERE / "reference" / "robust_multigroup.json").read_text())


def test_multigroup_fiml_mlr_robust_measures_match_lavaan():
    """Multi-group FIML + MLR (configural, metric, scalar across HS's schools with missing answers): the scaled
    and the robust (FIML-corrected) CFI/TLI/RMSEA with their intervals, as lavaan 0.6.14 (robust_multigroup.R);
    the table's ΔCFI/ΔRMSEA then read the robust ones, as for complete data."""
    from csat.sem.multigroup import fit_columns, invariance

    data = pd.read_csv(HERE / "reference" / "invariance_hs_missing.csv")
    table, fits = invariance(MG["model"], data, MG["group"], missing="fiml", estimator="mlr")
    for name, ref in MG["fiml_mlr"].items():
        check_fit(fits[name], ref, names=[k for k, v in ref.items() if v is not None])
    lrt = MG["fiml_mlr_lrt"]
    for k in (1, 2):
        assert table.loc[k, "chisq.diff"] == pytest.approx(lrt["chisq_diff"][k], rel=TOL)
        assert table.loc[k, "pvalue.diff"] == pytest.approx(lrt["pvalue"][k], rel=TOL, abs=1e-9)
    assert fit_columns(table) == ("cfi.robust", "tli.robust", "rmsea.robust")
    assert table.loc[1, "delta.cfi"] == pytest.approx(MG["fiml_mlr"]["configural"]["cfi.robust"]
                                                      - MG["fiml_mlr"]["metric"]["cfi.robust"], abs=1e-6)


@pytest.mark.parametrize("key, estimator, missing", [("ml", "ml", "listwise"), ("mlr", "mlr", "listwise"),
                                                     ("mlm", "mlm", "listwise"), ("fiml_ml", "ml", "fiml"),
                                                     ("fiml_mlr", "mlr", "fiml")])
def test_release_score_tests_match_lavtestscore(key, estimator, missing):
    """The score tests of releasing each equality of the scalar model equal lavaan 0.6.14's lavTestScore(fit)$uni for
    every ML-family estimator, complete data and FIML; lavaan has no robust score test (for MLR/MLM it falls back to
    the ordinary one, expected information at the ML estimates), so MLR's and MLM's equal ML's."""
    from csat.sem.multigroup import STEPS, fit_multigroup, release_tests

    data = (dataset("holzinger1939") if missing == "listwise"
            else pd.read_csv(HERE / "reference" / "invariance_hs_missing.csv"))
    fit = fit_multigroup(MG["model"], data, MG["group"], group_equal=STEPS["scalar"], missing=missing,
                         estimator=estimator)
    got = release_tests(fit)
    ref = pd.DataFrame(MG["score"][key])
    m = ref.merge(got, on=["lhs", "op", "rhs", "group"], how="outer", suffixes=("_ref", ""))
    assert len(m) == len(ref) == len(got) == 15
    np.testing.assert_allclose(m["X2"], m["X2_ref"], atol=TOL)
    np.testing.assert_allclose(m["pvalue"], m["pvalue_ref"], atol=TOL)
