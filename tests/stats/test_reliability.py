"""csat.stats.reliability against psych 2.2.9, lavaan 0.6-14 and semTools 0.5-6.

References: ``shared/reference/holzinger1939.json`` (make_refs.R) and
``tests/reference/reliability_extra.json`` (reliability_extra.R in the same folder).
"""
from __future__ import annotations

import ast
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from csat import sem
from csat.analyses.reliability import reliability_display
from csat.intake import cleaning
from csat.stats import descriptives as D, factor
from csat.stats import reliability as rel
from csat.config.params import ThresholdSpec

from conftest import SHARED
from zhsurvey import REF, ZH_CONS

HERE = Path(__file__).resolve().parents[1]            # tests/
HS_CONS = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"], "speed": ["x7", "x8", "x9"]}
ECSI_CONS = {"IMAG": [f"imag{i}" for i in range(1, 6)], "EXPE": [f"expe{i}" for i in range(1, 6)],
             "QUAL": [f"qual{i}" for i in range(1, 6)], "VAL": [f"val{i}" for i in range(1, 5)],
             "SAT": [f"sat{i}" for i in range(1, 5)], "LOY": [f"loy{i}" for i in range(1, 5)]}
TOL = 1e-3      # the project's agreement target with R
TIGHT = 1e-6    # closed-form statistics agree to rounding


@pytest.fixture(scope="module")
def hs():
    return pd.read_csv(SHARED / "datasets" / "holzinger1939.csv")


@pytest.fixture(scope="module")
def ref():
    return json.loads((SHARED / "reference" / "holzinger1939.json").read_text())


@pytest.fixture(scope="module")
def extra():
    return json.loads((HERE / "reference" / "reliability_extra.json").read_text())


@pytest.fixture(scope="module")
def hs_est(ref):
    return pd.DataFrame(ref["cfa"]["estimates"])


@pytest.fixture(scope="module")
def hs_na(hs):
    """The NA pattern of reliability_extra.R: NA when (7i + 11j) % 23 == 0 or (5i + 3j) % 19 == 0."""
    X = hs[[f"x{j}" for j in range(1, 10)]].copy()
    i = np.arange(1, len(X) + 1)[:, None]
    j = np.arange(1, 10)[None, :]
    mask = ((7 * i + 11 * j) % 23 == 0) | ((5 * i + 3 * j) % 19 == 0)
    return X.mask(mask)


@pytest.fixture(scope="module")
def ecsi():
    return pd.read_csv(SHARED / "datasets" / "ecsi_satisfaction.csv")


def _matrix(df: pd.DataFrame) -> np.ndarray:
    assert df.columns[0] == "construct"
    return df.iloc[:, 1:].to_numpy(dtype=float)


# ---------------------------------------------------------------- alpha family (psych::alpha)
def test_alpha_holzinger_matches_psych(hs, ref):
    tab = rel.reliability_table(hs, HS_CONS).set_index("construct")
    it = rel.item_total_table(hs, HS_CONS).set_index("item")
    for c, items in HS_CONS.items():
        r = ref["reliability"]["alpha"][c]
        assert tab.loc[c, "alpha"] == pytest.approx(r["raw_alpha"], abs=TIGHT)
        assert tab.loc[c, "alpha.ci.lower"] == pytest.approx(r["feldt_ci"][0], abs=TIGHT)
        assert tab.loc[c, "alpha.ci.upper"] == pytest.approx(r["feldt_ci"][1], abs=TIGHT)
        assert tab.loc[c, "n"] == ref["n"] and tab.loc[c, "n_items"] == 3
        for i in items:
            assert it.loc[i, "alpha.if.deleted"] == pytest.approx(r["alpha_if_deleted"][i], abs=TIGHT)
            assert it.loc[i, "r.drop"] == pytest.approx(r["r_drop"][i], abs=TIGHT)


def test_std_alpha_lambda6_average_r_split_half(hs, extra):
    tab = rel.reliability_table(hs, HS_CONS).set_index("construct")
    for c in HS_CONS:
        r = extra["hs"]["alpha"][c]
        assert tab.loc[c, "std.alpha"] == pytest.approx(r["std_alpha"], abs=TIGHT)
        assert tab.loc[c, "lambda6"] == pytest.approx(r["lambda6"], abs=TIGHT)
        assert tab.loc[c, "average_r"] == pytest.approx(r["average_r"], abs=TIGHT)
        assert tab.loc[c, "split_half"] == pytest.approx(r["split_half"], abs=TIGHT)


def test_split_half_ecsi_five_items(ecsi):
    # five items: odd = 1,3,5, even = 2,4; from raw half sums (complete data)
    X = ecsi[ECSI_CONS["IMAG"]]
    r = np.corrcoef(X.iloc[:, [0, 2, 4]].sum(axis=1), X.iloc[:, [1, 3]].sum(axis=1))[0, 1]
    assert rel.split_half(X.cov().to_numpy()) == pytest.approx(2 * r / (1 + r), abs=1e-12)


@pytest.mark.parametrize("missing", ["pairwise", "listwise"])
def test_alpha_with_missing_values(hs_na, extra, missing):
    assert int(hs_na.isna().sum().sum()) == extra["na_count"]
    tab = rel.reliability_table(hs_na, HS_CONS, missing=missing).set_index("construct")
    it = rel.item_total_table(hs_na, HS_CONS, missing=missing).set_index("item")
    assert (tab["missing"] == missing).all()
    for c, items in HS_CONS.items():
        r = extra["hs_na"][missing][c]
        assert tab.loc[c, "n"] == r["n"]
        for col, key in [("alpha", "raw_alpha"), ("std.alpha", "std_alpha"), ("lambda6", "lambda6"),
                         ("average_r", "average_r"), ("split_half", "split_half")]:
            assert tab.loc[c, col] == pytest.approx(r[key], abs=TIGHT), (c, col)
        assert [tab.loc[c, "alpha.ci.lower"], tab.loc[c, "alpha.ci.upper"]] == pytest.approx(r["feldt_ci"], abs=TIGHT)
        for i in items:
            assert it.loc[i, "alpha.if.deleted"] == pytest.approx(r["alpha_if_deleted"][i], abs=TIGHT)
            assert it.loc[i, "r.drop"] == pytest.approx(r["r_drop"][i], abs=TIGHT)
    # pairwise really differs from listwise here (the option is not ignored)
    other = rel.reliability_table(hs_na, HS_CONS, missing="listwise" if missing == "pairwise" else "pairwise")
    assert not np.allclose(other["alpha"], tab["alpha"].to_numpy(), atol=1e-3)


def test_ecsi_alpha(ecsi, extra):
    tab = rel.reliability_table(ecsi, ECSI_CONS).set_index("construct")
    for c, a in extra["ecsi"]["alpha"].items():
        assert tab.loc[c, "alpha"] == pytest.approx(a, abs=TIGHT)


# ---------------------------------------------------------------- reverse-keyed items
def test_reverse_keyed_item_changes_alpha(ecsi, extra):
    sat = ecsi[ECSI_CONS["SAT"]].copy()
    raw = sat.copy()
    raw["sat2"] = 0 + 10 - sat["sat2"]          # as a negatively worded item would be stored
    items = ECSI_CONS["SAT"]
    a_wrong = rel.alpha_stats(raw, items)["alpha"]
    recoded = rel.reverse_items(raw, ["sat2"], 0, 10)
    a_right = rel.alpha_stats(recoded, items)["alpha"]
    assert a_wrong == pytest.approx(extra["reverse"]["alpha_not_recoded"], abs=TIGHT)
    assert a_right == pytest.approx(extra["reverse"]["alpha_recoded"], abs=TIGHT)
    assert a_right - a_wrong > 0.1
    assert recoded["sat2"].equals(sat["sat2"].astype(float))
    assert raw["sat2"].equals(0 + 10 - sat["sat2"])          # input not modified
    # the forgotten recode is flagged
    tab = rel.reliability_table(raw, {"SAT": items})
    _, diags = rel.validity_verdict(tab, item_totals=rel.item_total_table(raw, {"SAT": items}))
    assert [(d.code, d.where) for d in diags if d.code == "negative_item_total"] == [("negative_item_total", "SAT =~ sat2")]
    assert {d.code for d in diags} >= {"low_alpha", "negative_item_total"}


def test_reverse_items_bad_range(ecsi):
    with pytest.raises(ValueError, match="max"):
        rel.reverse_items(ecsi, ["sat1"], 10, 1)


# ---------------------------------------------------------------- 1- and 2-item constructs
def test_two_item_construct(hs, extra):
    r = extra["two_items"]
    s = rel.alpha_stats(hs, ["x1", "x2"])
    for col, key in [("alpha", "raw_alpha"), ("std.alpha", "std_alpha"), ("lambda6", "lambda6"),
                     ("average_r", "average_r"), ("split_half", "split_half")]:
        assert s[col] == pytest.approx(r[key], abs=TIGHT), col
    assert [s["alpha.ci.lower"], s["alpha.ci.upper"]] == pytest.approx(r["feldt_ci"], abs=TIGHT)
    it = rel.item_total(hs, ["x1", "x2"], construct="pair")
    assert it["r.drop"].to_numpy() == pytest.approx([r["r_drop"]["x1"], r["r_drop"]["x2"]], abs=TIGHT)
    assert it["alpha.if.deleted"].isna().all()
    assert it["note"].str.contains("two-item").all()


def test_one_item_construct_does_not_crash(hs):
    cons = {"visual": ["x1", "x2", "x3"], "solo": ["x4"]}
    tab = rel.reliability_table(hs, cons)
    solo = tab.set_index("construct").loc["solo"]
    assert solo["n_items"] == 1
    for col in ["alpha", "alpha.ci.lower", "alpha.ci.upper", "std.alpha", "average_r", "lambda6", "split_half"]:
        assert math.isnan(solo[col]), col
    it = rel.item_total_table(hs, cons).set_index("item")
    assert math.isnan(it.loc["x4", "r.drop"]) and "single-item" in it.loc["x4", "note"]
    H = rel.htmt(hs, cons).set_index("construct")
    assert math.isnan(H.loc["solo", "visual"]) and H.loc["visual", "visual"] == 1
    verdict, diags = rel.validity_verdict(tab, htmt_matrix=rel.htmt(hs, cons))
    one = [d for d in diags if d.code == "too_few_items"]
    assert len(one) == 1 and one[0].severity == "info" and one[0].where == "solo"
    assert pd.isna(verdict.set_index("construct").loc["solo", "alpha_ok"])   # not passed, not failed


def test_single_indicator_factor_in_estimates():
    est = pd.DataFrame({"lhs": ["f", "g", "g", "g", "f", "g", "a", "b", "c", "d"],
                        "op": ["=~", "=~", "=~", "=~", "~~", "~~", "~~", "~~", "~~", "~~"],
                        "rhs": ["a", "b", "c", "d", "f", "g", "a", "b", "c", "d"],
                        "est": [1.0, 1.0, 0.8, 1.2, 2.0, 1.0, 0.0, 0.5, 0.4, 0.6],
                        "std.all": [1.0, 0.8165, 0.7845, 0.8402, 1.0, 1.0, 0.0, 0.333, 0.385, 0.294]})
    for s in (rel.omega(est), rel.ave(est), rel.composite_reliability(est), rel.ave_classic(est)):
        assert math.isnan(s["f"]) and np.isfinite(s["g"])
    # hand value for g: (1 + .8 + 1.2)^2 / ((3)^2 + .5 + .4 + .6)
    assert rel.omega(est)["g"] == pytest.approx(9 / 10.5, abs=1e-12)


def test_zero_variance_item_is_left_out(hs):
    d = hs.assign(flat=3.0)
    tab = rel.reliability_table(d, {"visual": ["x1", "x2", "x3", "flat"]})
    assert tab.loc[0, "dropped"] == "flat"
    assert tab.loc[0, "n_items"] == 4
    assert tab.loc[0, "alpha"] == pytest.approx(rel.alpha_stats(hs, ["x1", "x2", "x3"])["alpha"], abs=1e-12)
    _, diags = rel.validity_verdict(tab)
    assert [d.code for d in diags if d.code == "zero_variance_item"] == ["zero_variance_item"]


# ---------------------------------------------------------------- model-based (semTools::reliability)
def test_omega_ave_holzinger(hs, ref, hs_est):
    tab = rel.reliability_table(hs, HS_CONS, hs_est).set_index("construct")
    for c in HS_CONS:
        assert tab.loc[c, "omega"] == pytest.approx(ref["reliability"]["omega_semTools"][c], abs=TOL)
        assert tab.loc[c, "ave"] == pytest.approx(ref["reliability"]["ave"][c], abs=TOL)


def test_omega_ave_with_residual_covariances_and_regressions(extra):
    pdref = json.loads((SHARED / "reference" / "political_democracy.json").read_text())
    est = pd.DataFrame(pdref["sem"]["estimates"])
    om, av = rel.omega(est), rel.ave(est)
    for c, v in extra["political_democracy"]["omega"].items():
        assert om[c] == pytest.approx(v, abs=TOL)
    for c, v in extra["political_democracy"]["avevar"].items():
        assert av[c] == pytest.approx(v, abs=TOL)
    # the residual covariances y2~~y4 and y6~~y8 enter omega: without them it changes
    no_rc = est[~((est["op"] == "~~") & (est["lhs"] != est["rhs"]) & est["lhs"].str.startswith("y"))]
    assert abs(rel.omega(no_rc)["dem60"] - om["dem60"]) > 0.005


def test_ecsi_model_based(ecsi, extra):
    e = extra["ecsi"]
    est = pd.DataFrame(e["estimates"])
    tab = rel.reliability_table(ecsi, ECSI_CONS, est).set_index("construct")
    for c in ECSI_CONS:
        assert tab.loc[c, "omega"] == pytest.approx(e["omega"][c], abs=TOL)
        assert tab.loc[c, "ave"] == pytest.approx(e["avevar"][c], abs=TOL)
        assert tab.loc[c, "cr"] == pytest.approx(e["cr_classic"][c], abs=TOL)
        assert tab.loc[c, "ave_classic"] == pytest.approx(e["ave_classic"][c], abs=TOL)
    lc = rel.latent_correlations(est)
    assert list(lc.columns) == list(ECSI_CONS)
    np.testing.assert_allclose(lc.to_numpy(), np.array(e["cor_lv"]), atol=TOL)
    fl = rel.fornell_larcker(tab["ave"], lc)
    M = np.array(e["cor_lv"])
    np.fill_diagonal(M, np.sqrt([e["avevar"][c] for c in ECSI_CONS]))
    np.testing.assert_allclose(_matrix(fl), M, atol=TOL)
    L = rel.loadings_table(est)
    assert list(L.columns) == ["construct", "item", "est", "std.all", "level"]
    assert len(L) == sum(len(v) for v in ECSI_CONS.values())


# ---------------------------------------------------------------- discriminant validity
def test_htmt_holzinger(hs, ref, extra):
    H = rel.htmt(hs, HS_CONS)
    assert list(H["construct"]) == list(HS_CONS) and list(H.columns[1:]) == list(HS_CONS)
    np.testing.assert_allclose(_matrix(H), np.array(ref["htmt"]), atol=TOL)
    np.testing.assert_allclose(_matrix(rel.htmt(hs, HS_CONS, htmt2=False)),
                               np.array(extra["hs"]["htmt_arithmetic"]), atol=TOL)
    np.testing.assert_allclose(_matrix(rel.htmt(hs, HS_CONS, htmt2=False, absolute=False)),
                               np.array(extra["hs"]["htmt_signed"]), atol=TOL)


@pytest.mark.parametrize("missing", ["listwise", "pairwise"])
def test_htmt_missing(hs_na, extra, missing):
    np.testing.assert_allclose(_matrix(rel.htmt(hs_na, HS_CONS, missing=missing)),
                               np.array(extra["hs_na"][f"htmt_{missing}"]), atol=TOL)


def test_htmt_and_cross_loadings_ecsi(ecsi, extra):
    np.testing.assert_allclose(_matrix(rel.htmt(ecsi, ECSI_CONS)), np.array(extra["ecsi"]["htmt"]), atol=TOL)
    xl = rel.cross_loadings(ecsi, ECSI_CONS)
    assert list(xl.columns) == ["item", "construct"] + list(ECSI_CONS)
    np.testing.assert_allclose(xl[list(ECSI_CONS)].to_numpy(), np.array(extra["ecsi"]["cross_loadings"]), atol=TOL)


# ---------------------------------------------------------------- verdict and diagnostics
def test_verdict_holzinger(hs, ref, hs_est):
    tab = rel.reliability_table(hs, HS_CONS, hs_est)
    L = rel.loadings_table(hs_est)
    H = rel.htmt(hs, HS_CONS)
    fl = rel.fornell_larcker(tab.set_index("construct")["ave"], rel.latent_correlations(hs_est))
    verdict, diags = rel.validity_verdict(tab, L, H, fl, ThresholdSpec())
    # expectations derived from the R reference values
    alpha = {c: ref["reliability"]["alpha"][c]["raw_alpha"] for c in HS_CONS}
    avev = ref["reliability"]["ave"]
    std = {r["rhs"]: r["std.all"] for r in ref["cfa"]["estimates"] if r["op"] == "=~"}
    got = {(d.code, d.where) for d in diags}
    assert {w for c, w in got if c == "low_alpha"} == {c for c, a in alpha.items() if a < .70}
    assert {w for c, w in got if c == "low_ave"} == {c for c, a in avev.items() if a < .50}
    own = {i: c for c, v in HS_CONS.items() for i in v}
    assert {w for c, w in got if c == "weak_loading"} == {f"{own[i]} =~ {i}" for i, s in std.items() if abs(s) < .50}
    assert not any(c == "htmt" for c, _ in got)          # all HTMT < .85 in the reference
    v = verdict.set_index("construct")
    assert bool(v.loc["textual", "alpha_ok"]) and not bool(v.loc["visual", "alpha_ok"])
    assert v.loc["visual", "loadings"] == "weak"
    assert v.loc["textual", "htmt_max"] == pytest.approx(max(ref["htmt"][1][0], ref["htmt"][1][2]), abs=TOL)
    # a stricter HTMT threshold (params.thresholds.htmt) turns pairs into diagnostics
    _, d2 = rel.validity_verdict(tab, L, H, fl, {"htmt": 0.30})
    pairs = {d.where for d in d2 if d.code == "htmt"}
    assert pairs == {"visual – textual", "visual – speed"}


def test_verdict_ecsi_discriminant_validity(ecsi, extra):
    e = extra["ecsi"]
    est = pd.DataFrame(e["estimates"])
    tab = rel.reliability_table(ecsi, ECSI_CONS, est)
    fl = rel.fornell_larcker(tab.set_index("construct")["ave"], rel.latent_correlations(est))
    verdict, diags = rel.validity_verdict(tab, rel.loadings_table(est), rel.htmt(ecsi, ECSI_CONS), fl)
    names = list(ECSI_CONS)
    Href = np.array(e["htmt"])
    want = {f"{names[a]} – {names[b]}" for a in range(6) for b in range(a + 1, 6) if Href[a, b] >= .85}
    assert {d.where for d in diags if d.code == "htmt"} == want and want
    C = np.abs(np.array(e["cor_lv"]))
    np.fill_diagonal(C, 0)
    fl_fail = {c for k, c in enumerate(names) if math.sqrt(e["avevar"][c]) <= C[k].max()}
    assert {d.where for d in diags if d.code == "fornell_larcker"} == fl_fail
    assert all(d.severity == "warning" for d in diags)
    assert verdict["fornell_larcker_ok"].dtype == "boolean"


# ---------------------------------------------------------------- contract and bad input
def test_output_columns(hs, hs_est):
    tab = rel.reliability_table(hs, HS_CONS, hs_est)
    assert list(tab.columns[:9]) == rel.RELIABILITY_COLUMNS
    assert list(rel.item_total_table(hs, HS_CONS).columns[:4]) == rel.ITEM_TOTAL_COLUMNS
    fl = rel.fornell_larcker(tab.set_index("construct")["ave"], rel.latent_correlations(hs_est))
    assert list(fl.columns) == ["construct"] + list(HS_CONS)


def test_bad_input_messages(hs, hs_est):
    with pytest.raises(ValueError, match=r"construct 'visual'.*'x99'"):
        rel.reliability_table(hs, {"visual": ["x1", "x99"]})
    with pytest.raises(ValueError, match=r"'school' is not numeric"):
        rel.reliability_table(hs, {"visual": ["x1", "school"]})
    with pytest.raises(ValueError, match="pairwise' or 'listwise"):
        rel.reliability_table(hs, HS_CONS, missing="everything")
    with pytest.raises(ValueError, match=r"std.all"):
        rel.composite_reliability(hs_est.drop(columns="std.all"))
    with pytest.raises(ValueError, match="variance row"):
        rel.omega(hs_est[~((hs_est["op"] == "~~") & (hs_est["lhs"] == "speed") & (hs_est["rhs"] == "speed"))])
    with pytest.raises(ValueError, match="construct 'visual'"):
        rel.reliability_table(hs, {"visual": []})
    with pytest.raises(ValueError, match="unknown key"):
        rel.validity_verdict(rel.reliability_table(hs, HS_CONS), thresholds={"hmtm": 0.9})


# --------------------------------------------------------- one definition of each thing (issue #16)
SRC = Path(__file__).resolve().parents[2] / "src" / "csat"


def _definitions() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                out.setdefault(node.name, []).append(f"{f.relative_to(SRC)}:{node.lineno}")
    return out


@pytest.mark.parametrize("names", [("construct_scores",), ("smc", "_smc"), ("reverse_items", "reverse_code")])
def test_defined_once(names):
    defs = _definitions()
    where = [w for n in names for w in defs.get(n, [])]
    assert len(where) == 1, f"{names} defined in {where}"


def test_the_shared_definitions_are_the_ones_used():
    assert factor.smc is rel.smc and cleaning.reverse_items is rel.reverse_items


def test_cross_loadings_score_with_any_item_pairwise_and_every_item_listwise():
    rng = np.random.default_rng(3)
    d = pd.DataFrame(rng.integers(1, 6, size=(40, 4)).astype(float), columns=["a", "b", "c", "d"])
    d.iloc[[1, 5, 9], 0] = np.nan
    d.iloc[[2, 5], 1] = np.nan
    cons = {"F": ["a", "b"], "G": ["c", "d"]}
    xl = rel.cross_loadings(d, cons, missing="pairwise").set_index("item")
    s = D.construct_scores(d, cons, min_share=0)
    assert xl.loc["c", "F"] == pytest.approx(d["c"].corr(s["F"]))
    xl = rel.cross_loadings(d, cons, missing="listwise").set_index("item")
    c = d.dropna()
    assert xl.loc["c", "F"] == pytest.approx(c["c"].corr(c[["a", "b"]].mean(axis=1)))


def test_smc_as_psych():
    """psych::smc of a correlation matrix: 1 − 1/diag(R⁻¹) (pseudo-inverse, clipped to [0, 1])."""
    R = np.array([[1, .5, .3], [.5, 1, .4], [.3, .4, 1]])
    np.testing.assert_allclose(rel.smc(R), 1 - 1 / np.diag(np.linalg.inv(R)))


# --------------------------------------------------------------------------- single-item constructs
def test_single_item_reliability_is_not_applicable(zh):
    cfa = sem.fit(REF["cfa"]["model"], zh)
    tab = rel.reliability_table(zh, ZH_CONS, cfa.estimates)
    one = tab.set_index("construct").loc["满意"]
    assert one["note"] == rel.SINGLE_ITEM_NOTE and math.isnan(one["omega"]) and math.isnan(one["alpha"])
    assert (tab.set_index("construct").drop("满意")["note"] == "").all()
    disp = reliability_display(tab, "zh").set_index("construct")
    assert (disp.loc["满意", ["alpha", "omega", "cr", "ave"]] == "不适用").all()
    assert disp.loc["服务", "alpha"] == f"{tab.set_index('construct').loc['服务', 'alpha']:.3f}"
    _, diags = rel.validity_verdict(tab)
    msg = [d for d in diags if d.where == "满意"]
    assert [d.severity for d in msg] == ["info"] and "do not apply" in msg[0].message
