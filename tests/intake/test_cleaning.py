"""Exclusion rules one by one, their fixed order, the all-off case, Little's MCAR test, figures,
and the demo study's exclusion counts against the simulator's injected truth."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from csat.analyses.cleaning import cleaning_diagnostics, flow_text, interpret_mcar
from csat.intake.cleaning import RULES, clean, little_mcar, missing_rates
from csat.stats.em import em_mvn
from csat.viz.cleaning import plot_flow, plot_missing_map, plot_missing_rates
from csat.config.params import validate_params

ROOT = Path(__file__).resolve().parents[2]
REF = Path(__file__).resolve().parents[1] / "reference"
ITEMS = ["a1", "a2", "a3", "b1", "b2", "b3"]
ALL_OFF = {"drop_duplicates": False, "straightlining": False, "max_missing_share": None,
           "min_duration": None, "speeder_median_ratio": None, "attention_checks": {}}


def P(cleaning=None, *, id_col="id", duration="dur", reverse=(), labels=None, scale=(1, 5)):
    c = dict(ALL_OFF)
    c.update(cleaning or {})
    return validate_params({
        "study": "t", "data": {"path": "x.csv", "id": id_col, "duration": duration},
        "scale": {"min": scale[0], "max": scale[1]}, "labels": labels or {},
        "constructs": {"A": {"items": ITEMS[:3]}, "B": {"items": ITEMS[3:]}},
        "reverse": list(reverse), "groups": ["g"], "cleaning": c})


def frame(rows, ids=None, dur=None, extra=None) -> pd.DataFrame:
    df = pd.DataFrame(np.array(rows, dtype=float), columns=ITEMS)
    df.insert(0, "id", ids if ids is not None else np.arange(1, len(df) + 1))
    df["g"] = "x"
    df["dur"] = dur if dur is not None else 300.0
    for k, v in (extra or {}).items():
        df[k] = v
    df.index = pd.Index(np.arange(1, len(df) + 1), name="row")
    return df


V = [[1, 2, 3, 4, 5, 4], [2, 3, 2, 4, 4, 5], [5, 4, 4, 3, 2, 1], [3, 1, 2, 2, 5, 4]]   # varying rows
NAN = np.nan


def excluded(res) -> dict:
    f = res.flags
    return {int(r): e for r, e in zip(f["row"], f["excluded_by"]) if e}


# ---------------------------------------------------------------- rule by rule
def test_all_rules_off_drops_nobody():
    rows = [V[0], V[0], [3] * 6, [NAN] * 6, V[1]]
    df = frame(rows, ids=[1, 1, 2, 3, 4], dur=[1, 1, 1, 1, 1], extra={"att": [9, 9, 9, 9, 9]})
    res = clean(df, P())
    assert res.n_clean == res.n_raw == 5
    assert res.exclusions == {r: 0 for r in RULES}
    assert list(res.exclusions) == RULES
    assert (res.flags["excluded_by"] == "").all()
    assert list(res.flow["step"]) == ["raw", *RULES, "analysed"]
    assert list(res.flow["remaining"]) == [5] * 7
    assert not res.flow.set_index("step").loc[RULES, "active"].any()


def test_duplicates_same_id_keeps_first():
    df = frame([V[0], V[1], V[2]], ids=["r1", "r2", "r1"])
    res = clean(df, P({"drop_duplicates": True}))
    assert excluded(res) == {3: "duplicates"} and res.exclusions["duplicates"] == 1
    assert list(res.data.index) == [1, 2]


def test_duplicates_identical_answers_keep_first_missing_matches_missing():
    a = [1, 2, NAN, 4, 5, 3]
    df = frame([a, V[1], a, [1, 2, 3, 4, 5, 3]], ids=[1, 2, 3, 4])
    res = clean(df, P({"drop_duplicates": True}))
    assert excluded(res) == {3: "duplicates"}


def test_duplicates_by_answers_ignore_rows_without_varying_answers():
    # identical constant rows and identical all-missing rows are left to the later rules
    df = frame([[4] * 6, [4] * 6, [NAN] * 6, [NAN] * 6], ids=[1, 2, 3, 4])
    res = clean(df, P({"drop_duplicates": True, "straightlining": True, "max_missing_share": 0.2}))
    assert excluded(res) == {1: "straightlining", 2: "straightlining", 3: "max_missing_share",
                             4: "max_missing_share"}


def test_duplicates_without_id_column():
    df = frame([V[0], V[0]]).drop(columns="id")
    res = clean(df, P({"drop_duplicates": True}, id_col=None))
    assert excluded(res) == {2: "duplicates"} and list(res.flags["id"]) == [1, 2]


def test_speeders_min_duration_strictly_below():
    df = frame([V[0], V[1], V[2], V[3]], dur=[59.9, 60, NAN, 400])
    res = clean(df, P({"min_duration": 60}))
    assert excluded(res) == {1: "speeders"}          # 60 is not below 60; a missing time is no evidence


def test_speeders_median_ratio_uses_remaining_respondents():
    # durations 100, 300, 400, 500 (+ a duplicate with 10 s); median of those still in: 350 -> cut 0.3 * 350 = 105
    df = frame([V[0], V[1], V[2], V[3], V[0]], ids=[1, 2, 3, 4, 1], dur=[100, 300, 400, 500, 10])
    res = clean(df, P({"drop_duplicates": True, "speeder_median_ratio": 0.3}))
    assert excluded(res) == {5: "duplicates", 1: "speeders"}
    res2 = clean(df, P({"drop_duplicates": True, "speeder_median_ratio": 0.25}))   # cut 87.5
    assert excluded(res2) == {5: "duplicates"}


def test_speeder_rule_without_duration_column_is_a_clear_error():
    df = frame([V[0]]).drop(columns="dur")
    with pytest.raises(ValueError, match="data.duration"):
        clean(df, P({"min_duration": 60}, duration=None))


def test_straightlining_whole_grid_needs_three_answers():
    rows = [[3] * 6, [2, 2, NAN, NAN, NAN, NAN], [2, 2, 2, NAN, NAN, NAN], V[0], [5, 5, 5, 1, 2, 3]]
    res = clean(frame(rows), P({"straightlining": True}))
    assert excluded(res) == {1: "straightlining", 3: "straightlining"}
    # zero variance within a construct block is only flagged, for kept respondents
    assert res.block_straightlining.to_dict("records") == [{"row": 5, "id": 5, "construct": "A"}]
    assert res.flags.set_index("row").loc[5, "straightline_blocks"] == "A"


def test_straightlining_judged_before_reverse_coding():
    res = clean(frame([[2] * 6, V[0]]), P({"straightlining": True}, reverse=["b3"]))
    assert excluded(res) == {1: "straightlining"}
    assert res.data.loc[2, "b3"] == 1 + 5 - 4


def test_attention_checks_expected_answer_missing_fails_and_labels():
    att = [3, "3", " 3 ", 2, None, "Neutral", "neutral"]
    rows = [V[i % 4] for i in range(7)]
    df = frame(rows, ids=list(range(1, 8)), extra={"att": att})
    res = clean(df, P({"attention_checks": {"att": 3}}, labels={"Neutral": 3}))
    assert excluded(res) == {4: "attention_checks", 5: "attention_checks"}
    res2 = clean(df, P({"attention_checks": {"att": "Neutral"}}, labels={"Neutral": 3}))
    assert excluded(res2) == {4: "attention_checks", 5: "attention_checks"}


def test_max_missing_share_is_strictly_greater():
    rows = [[1, 2, 3, 4, NAN, 5], [1, 2, 3, 4, NAN, NAN], [1, 2, NAN, NAN, NAN, 5], [NAN] * 6]
    res = clean(frame(rows), P({"max_missing_share": 1 / 3}))      # 2 of 6 missing is allowed
    assert excluded(res) == {3: "max_missing_share", 4: "max_missing_share"}
    res0 = clean(frame(rows), P({"max_missing_share": 0.0}))
    assert excluded(res0) == {1: "max_missing_share", 2: "max_missing_share", 3: "max_missing_share",
                              4: "max_missing_share"}


def test_order_first_rule_counts():
    # row 2: duplicate id AND speeder AND straightliner -> duplicates
    # row 3: speeder AND straightliner AND failed check -> speeders
    # row 4: straightliner AND failed check AND all-but-three missing -> straightlining
    # row 5: failed check AND too many missing -> attention_checks
    rows = [V[0], [3] * 6, [4] * 6, [2, 2, 2, NAN, NAN, NAN], [1, NAN, NAN, NAN, 2, 5], [1, 2, NAN, NAN, 5, 4], V[2]]
    df = frame(rows, ids=[1, 1, 3, 4, 5, 6, 7], dur=[300, 10, 10, 300, 300, 300, 300],
               extra={"att": [3, 1, 1, 1, 1, 3, 3]})
    res = clean(df, P({"drop_duplicates": True, "min_duration": 60, "straightlining": True,
                       "attention_checks": {"att": 3}, "max_missing_share": 0.2}))
    assert excluded(res) == {2: "duplicates", 3: "speeders", 4: "straightlining", 5: "attention_checks",
                             6: "max_missing_share"}
    assert res.exclusions == {r: 1 for r in RULES}
    flow = res.flow.set_index("step")
    assert list(flow["remaining"]) == [7, 6, 5, 4, 3, 2, 2]
    assert res.n_raw - res.n_clean == sum(res.exclusions.values())
    assert list(res.data.index) == [1, 7]
    assert list(res.data.columns) == ["id", *ITEMS, "g", "dur"]        # attention column not in the analysis data


def test_reverse_coding_min_plus_max_minus_x():
    res = clean(frame([[1, 2, 3, 4, 5, NAN], [5, 4, 3, 2, 1, 10]]), P(reverse=["a1", "b3"], scale=(1, 10)))
    np.testing.assert_array_equal(res.data["a1"].to_numpy(), [10, 6])
    assert np.isnan(res.data.loc[1, "b3"]) and res.data.loc[2, "b3"] == 1


def test_default_range_index_gives_one_based_rows():
    df = frame([V[0], V[0]]).reset_index(drop=True)
    res = clean(df, P({"drop_duplicates": True}))
    assert list(res.flags["row"]) == [1, 2] and excluded(res) == {2: "duplicates"}


def test_missing_rates_and_diagnostics():
    df = frame([V[0], [NAN, 1, 2, 3, 4, 5], [NAN, 2, 3, 1, 4, 5], V[1]])
    rates = missing_rates(df, ITEMS)
    assert rates.loc[0].to_dict() == {"item": "a1", "n": 2, "missing": 2, "share": 0.5}
    res = clean(df, P())
    codes = [d.code for d in cleaning_diagnostics(res, P(), mcar={"rejected": True, "df": 3, "chisq": 9.0,
                                                                   "pvalue": 0.03})]
    assert codes.count("high_missing_item") == 1 and "mcar_rejected" in codes and "small_sample" in codes


# ---------------------------------------------------------------- Little's MCAR test
def test_little_mcar_matches_lavaan_em_reference():
    ref = json.loads((REF / "little_mcar.json").read_text())
    d = pd.read_csv(REF / ref["data"])
    res = little_mcar(d)
    assert res["df"] == ref["em"]["df"] and res["n_patterns"] == ref["em"]["n_patterns"]
    assert res["chisq"] == pytest.approx(ref["em"]["chisq"], rel=1e-8)
    assert res["pvalue"] == pytest.approx(ref["em"]["pvalue"], rel=1e-6)
    assert res["chisq"] == pytest.approx(ref["fiml"]["chisq"], rel=1e-5)      # FIML-fitted saturated model
    em = em_mvn(d.to_numpy())
    np.testing.assert_allclose(em["mean"], ref["em"]["mean"], atol=1e-9)
    np.testing.assert_allclose(em["cov"], np.array(ref["em"]["cov"]), atol=1e-9)


def test_little_mcar_closed_form_when_only_one_variable_has_missing():
    """x complete, y missing for some rows: the ML estimates have closed forms (Anderson 1957)."""
    rng = np.random.default_rng(5)
    n = 40
    x = rng.normal(2, 1, n)
    y = 1 + 0.8 * x + rng.normal(0, 0.7, n)
    miss = x > np.quantile(x, 0.7)
    miss[:3] = True
    y = np.where(miss, np.nan, y)
    c = ~miss
    xc, yc = x[c], y[c]
    sxx = np.mean((xc - xc.mean()) ** 2)
    sxy = np.mean((xc - xc.mean()) * (yc - yc.mean()))
    syy = np.mean((yc - yc.mean()) ** 2)
    b = sxy / sxx
    mx = x.mean()
    vxx = np.mean((x - mx) ** 2)
    my = yc.mean() + b * (mx - xc.mean())
    vxy = b * vxx
    vyy = syy + b * b * (vxx - sxx)
    S = np.array([[vxx, vxy], [vxy, vyy]])
    d_c = np.array([xc.mean() - mx, yc.mean() - my])
    d2 = c.sum() * d_c @ np.linalg.solve(S, d_c) + miss.sum() * (x[miss].mean() - mx) ** 2 / vxx
    df = pd.DataFrame({"x": x, "y": y})
    em = em_mvn(df.to_numpy())
    np.testing.assert_allclose(em["mean"], [mx, my], atol=1e-8)
    np.testing.assert_allclose(em["cov"], S, atol=1e-8)
    res = little_mcar(df)
    assert res["df"] == 1 and res["n_patterns"] == 2
    assert res["chisq"] == pytest.approx(d2, rel=1e-7)
    assert res["pvalue"] == pytest.approx(stats.chi2.sf(d2, 1), rel=1e-6)
    assert res["rejected"] and "rejected" in interpret_mcar(res)


def _sim(seed, mar: bool):
    rng = np.random.default_rng(seed)
    n = 300
    C = 0.5 + 0.5 * np.eye(4)
    Y = rng.multivariate_normal(np.zeros(4), C, size=n)
    if mar:
        M = np.zeros_like(Y, bool)
        M[:, 1] = (Y[:, 0] > 0.3) & (rng.random(n) < 0.7)
        M[:, 3] = (Y[:, 2] < -0.3) & (rng.random(n) < 0.7)
    else:
        M = rng.random(Y.shape) < 0.12
        M[:, 0] = False
    Y[M] = np.nan
    return pd.DataFrame(Y, columns=list("abcd"))


def test_little_mcar_calibration_mcar_vs_mar():
    mcar = [little_mcar(_sim(s, False))["pvalue"] for s in range(8)]
    mar = [little_mcar(_sim(s, True))["pvalue"] for s in range(8)]
    assert sum(p < 0.05 for p in mcar) <= 2
    assert all(p < 0.001 for p in mar)


def test_little_mcar_without_missing_values():
    res = little_mcar(frame([V[0], V[1], V[2]]), ITEMS)
    assert res["df"] == 0 and np.isnan(res["pvalue"]) and not res["rejected"]
    assert "does not apply" in interpret_mcar(res)
    assert "不适用" in interpret_mcar(res, "zh")


# ---------------------------------------------------------------- figures
def test_figures_draw():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    df = frame([V[0], [NAN, 1, 2, 3, 4, 5], [3] * 6, V[1]], dur=[300, 300, 10, 300])
    res = clean(df, P({"min_duration": 60}))
    fig = plot_flow(res.flow)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "Raw data\nn = 4" in texts and "Analysed\nn = 3" in texts and "Speeders: n = 1" in texts
    assert "Duplicates: rule off" in texts
    fig2 = plot_missing_map(res.data, ITEMS)
    assert fig2.axes[0].images[0].get_array().shape == (6, 3)
    fig3 = plot_missing_rates(missing_rates(res.data, ITEMS))
    assert len(fig3.axes[0].patches) == 6
    for f in (fig, fig2, fig3):
        plt.close(f)


# ---------------------------------------------------------------- the demo study
def test_demo_exclusions_equal_the_injected_truth():
    from csat.intake.readers import load_study_data
    from csat.intake.preflight import load_study
    from csat.intake.simulate import simulate_study

    params_file = ROOT / "params" / "demo.yaml"
    p = load_study(params_file)
    _, truth = simulate_study(600, 2024)            # documented in params/demo.yaml
    df, report = load_study_data(p, params_file)
    res = clean(df, p)
    assert res.exclusions == truth["injected"]
    assert res.n_raw == truth["n_raw"] and res.n_clean == truth["n_clean"]
    for rule, rows in truth["excluded_rows"].items():
        got = sorted(int(r) - 1 for r in res.flags.loc[res.flags["excluded_by"] == rule, "row"])
        assert got == sorted(rows), rule
    assert len(report.out_of_range) == len(truth["out_of_range"])
    assert sorted((o["row"] + 1, o["item"], float(o["value"])) for o in truth["out_of_range"]) == sorted(
        zip(report.out_of_range["row"], report.out_of_range["column"], report.out_of_range["value"]))
    mc = report.missing_codes_found
    assert int(mc.loc[mc["column"].isin(p.items), "n"].sum()) == truth["missing_codes"]


def test_flow_text_names_counts_and_switched_off_rules():
    df = frame([V[0], V[0], V[1]])
    res = clean(df, P({"drop_duplicates": True}))
    en = flow_text(res, "en")
    assert en.startswith("Of 3 respondents in the raw file, 1 (33.3%) were excluded (1 duplicates;")
    assert "2 are analysed" in en and "speeders" in en.split("switched off:")[1]
    assert "纳入分析 2 人" in flow_text(res, "zh")


def test_repeated_rows_is_pandas_duplicated():
    """The hashed duplicate check gives exactly pandas' DataFrame.duplicated(keep="first"): random
    matrices with many repeats, -0.0 beside 0.0 and inf (a missing answer), and every hash colliding."""
    import csat.intake.cleaning as C

    rng = np.random.default_rng(7)
    for _ in range(30):
        Y = rng.integers(0, 3, size=(int(rng.integers(1, 4000)), int(rng.integers(1, 7)))).astype(float)
        Y[::7, 0] = -0.0
        Y[::11, -1] = np.inf
        assert (C.repeated_rows(Y) == pd.DataFrame(Y).duplicated(keep="first").to_numpy()).all()
    assert C.repeated_rows(np.zeros((0, 3))).shape == (0,)


def test_repeated_rows_is_exact_when_hashes_collide(monkeypatch):
    import csat.intake.cleaning as C

    monkeypatch.setattr(C, "_ROW_HASH_MULTIPLIERS", np.zeros(4096, dtype=np.uint64))    # one hash for all rows
    Y = np.random.default_rng(8).integers(0, 2, size=(500, 4)).astype(float)
    assert (C.repeated_rows(Y) == pd.DataFrame(Y).duplicated(keep="first").to_numpy()).all()
