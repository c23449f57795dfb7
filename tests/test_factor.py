"""EFA against psych/GPArotation (shared reference and tests/reference/factor_extra.json)."""
from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import SHARED
from csat import factor
from csat.params import EFASpec

HERE = Path(__file__).resolve().parent
REF = json.loads((SHARED / "reference" / "holzinger1939.json").read_text())
EXTRA = json.loads((HERE / "reference" / "factor_extra.json").read_text())
ITEMS = [f"x{i}" for i in range(1, 10)]


@pytest.fixture(scope="module")
def hs():
    return pd.read_csv(SHARED / "datasets" / "holzinger1939.csv")


@pytest.fixture(scope="module")
def R(hs):
    return factor.correlation_matrix(hs, ITEMS)


def _match_columns(ours: np.ndarray, ref: np.ndarray):
    """Best column permutation and signs of ours to ref; returns (perm, signs)."""
    best = None
    for perm in itertools.permutations(range(ref.shape[1])):
        P = ours[:, perm]
        s = np.sign((P * ref).sum(axis=0))
        err = np.abs(P * s - ref).max()
        if best is None or err < best[0]:
            best = (err, perm, s)
    return best[1], best[2]


def _check(fa, ref, tol=1e-3):
    L_ref = np.array(ref["loadings"])
    L = fa["loadings"].to_numpy()
    perm, s = _match_columns(L, L_ref)
    np.testing.assert_allclose(L[:, perm] * s, L_ref, atol=tol)
    np.testing.assert_allclose(fa["communality"].to_numpy(), list(ref["communality"].values()), atol=tol)
    phi = fa["phi"].to_numpy()[np.ix_(perm, perm)] * np.outer(s, s)
    np.testing.assert_allclose(phi, np.array(ref["phi"]), atol=tol)


def test_kmo_matches_psych(R):
    overall, items = factor.kmo(R[0])
    assert overall == pytest.approx(REF["kmo"]["overall"], abs=1e-6)
    np.testing.assert_allclose(items, [REF["kmo"]["items"][i] for i in ITEMS], atol=1e-6)
    assert factor.kmo_label(overall) == "middling"


def test_bartlett_matches_psych(R):
    b = factor.bartlett_sphericity(R[0], R[1])
    assert b["chisq"] == pytest.approx(REF["bartlett"]["chisq"], rel=1e-8)
    assert b["df"] == REF["bartlett"]["df"]
    assert b["pvalue"] == pytest.approx(REF["bartlett"]["p.value"], rel=1e-6)


def test_minres_oblimin_matches_psych(R):
    _check(factor.efa(R[0], 3, method="minres", rotation="oblimin", items=ITEMS), REF["efa_minres_oblimin_3"])


@pytest.mark.parametrize("key,method,rotation", [("ml_oblimin", "ml", "oblimin"),
                                                 ("minres_varimax", "minres", "varimax"),
                                                 ("minres_promax", "minres", "promax"),
                                                 ("pa_oblimin", "principal", "oblimin")])
def test_other_methods_and_rotations_match_psych(R, key, method, rotation):
    _check(factor.efa(R[0], 3, method=method, rotation=rotation, items=ITEMS), EXTRA[key])


def test_parallel_analysis_is_deterministic_and_sensible(R):
    a = factor.parallel_analysis(R[0], R[1], n_iter=50, seed=7)
    b = factor.parallel_analysis(R[0], R[1], n_iter=50, seed=7)
    c = factor.parallel_analysis(R[0], R[1], n_iter=50, seed=8)
    np.testing.assert_array_equal(a["simulated"], b["simulated"])
    assert not np.array_equal(a["simulated"], c["simulated"])
    np.testing.assert_allclose(a["observed"], EXTRA["pc_eigen"], atol=1e-8)
    assert a["n_factors"] == 3 and a["n_kaiser"] == 3      # H-S: three factors by both rules
    # simulated eigenvalues of independent data: first above 1, last below 1, mean sums to p
    assert a["simulated"][0] > 1 > a["simulated"][-1]
    assert a["simulated_mean"].sum() == pytest.approx(9, abs=1e-8)


def test_parallel_reference_matches_simulated_data():
    """The Wishart draw has the distribution of correlation matrices of simulated normal data."""
    rng = np.random.default_rng(0)
    n, p, B = 60, 5, 400
    direct = np.array([np.sort(np.linalg.eigvalsh(np.corrcoef(rng.standard_normal((n, p)), rowvar=False)))[::-1]
                       for _ in range(B)])
    pa = factor.parallel_analysis(np.eye(p), n, n_iter=B, seed=1)
    np.testing.assert_allclose(pa["simulated_mean"], direct.mean(axis=0), atol=0.03)


def test_efa_results_and_files(hs):
    out = factor.efa_results(hs, ITEMS, EFASpec(parallel_iter=20), seed=1)
    s = out["summary"]
    assert s["n_factors"] == 3 and s["method"] == "minres" and s["rotation"] == "oblimin"
    assert set(s["bartlett"]) == {"chisq", "df", "pvalue"} and set(s["kmo_items"]) == set(ITEMS)
    f = factor.loadings_file(out["efa"])
    assert list(f.columns) == ["item", "MR1", "MR2", "MR3", "communality"]
    forced = factor.efa_results(hs, ITEMS, EFASpec(n_factors=2, parallel_iter=20), seed=1)
    assert forced["summary"]["n_factors"] == 2 and forced["summary"]["n_factors_parallel"] == 3
    disp = factor.loadings_display(out["efa"]["loadings"])
    assert (disp == "").sum().sum() > 0          # small loadings blanked for display only


def test_construct_check_finds_mismatch_and_cross_loading(R):
    fa = factor.efa(R[0], 3, items=ITEMS)
    ic = {**{f"x{i}": "visual" for i in (1, 2, 3)}, **{f"x{i}": "textual" for i in (4, 5, 6)},
          **{f"x{i}": "speed" for i in (7, 8, 9)}}
    table, diags = factor.construct_check(fa["loadings"], ic)
    assert table["match"].all()
    assert [d.where for d in diags if d.code == "cross_loading"] == ["x9"]     # x9 loads .38 on visual
    ic_bad = dict(ic, x4="visual")
    _, diags = factor.construct_check(fa["loadings"], ic_bad)
    assert [d.where for d in diags if d.code == "efa_mismatch"] == ["x4"]


def test_adequacy_diagnostics():
    d = factor.adequacy_diagnostics(0.55, {"a": 0.45, "b": 0.7}, {"pvalue": 0.2})
    assert [x.code for x in d] == ["low_kmo", "low_msa", "bartlett_ns"]


def test_bad_input_is_named(hs):
    with pytest.raises(factor.FactorError, match="without variance"):
        factor.correlation_matrix(hs.assign(x1=1.0), ITEMS)
    with pytest.raises(factor.FactorError, match="not in the data"):
        factor.correlation_matrix(hs, ITEMS + ["x99"])
    with pytest.raises(factor.FactorError, match="cannot extract"):
        factor.efa(np.eye(3), 3)
