"""Descriptive statistics against R (tests/reference/descriptives_ecsi.R), scipy/pingouin and hand examples."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from scipy import stats

from csat.analyses import descriptives as A
from csat.stats import descriptives as D
from csat.intake import itemtypes
from conftest import SHARED

REF = json.loads((Path(__file__).resolve().parents[1] / "reference" / "descriptives_ecsi.json").read_text(encoding="utf-8"))
CONS = {"IMAG": [f"imag{i}" for i in range(1, 6)], "EXPE": [f"expe{i}" for i in range(1, 6)],
        "QUAL": [f"qual{i}" for i in range(1, 6)], "VAL": [f"val{i}" for i in range(1, 5)],
        "SAT": [f"sat{i}" for i in range(1, 5)], "LOY": [f"loy{i}" for i in range(1, 5)]}
IC = {i: c for c, its in CONS.items() for i in its}
TOL = dict(rel=1e-6, abs=1e-9)


@pytest.fixture(scope="module")
def ecsi():
    return pd.read_csv(SHARED / "datasets" / "ecsi_satisfaction.csv")


@pytest.fixture(scope="module")
def scores(ecsi):
    return D.construct_scores(ecsi, CONS)


@pytest.fixture(scope="module")
def groups(ecsi):
    g = ecsi[["gender"]].copy()
    g["seg"] = pd.cut(ecsi["imag1"], [-1, 6, 8, 10], labels=["low", "mid", "high"])
    return g


@pytest.fixture(scope="module")
def tests_table(scores, groups):
    return D.group_tests(scores, groups)


# -- sample profile ------------------------------------------------------------------------
def test_sample_profile_counts_shares_and_missing():
    df = pd.DataFrame({"g": ["b", "a", "b", None, "b"], "h": pd.Categorical(["y", "x", "x", "x", "y"],
                                                                              categories=["y", "x", "z"])})
    p = D.sample_profile(df, ["g", "h"])
    assert list(p.columns) == ["variable", "level", "n", "share"]
    assert p.values.tolist() == [["g", "a", 1, 0.2], ["g", "b", 3, 0.6], ["g", "(missing)", 1, 0.2],
                                 ["h", "y", 2, 0.4], ["h", "x", 3, 0.6]]
    with pytest.raises(KeyError, match="'region'"):
        D.sample_profile(df, ["region"])


# -- items ---------------------------------------------------------------------------------
def test_item_table_matches_r(ecsi):
    t = D.item_table(ecsi, IC, 0, 10, {"sat1": "总体满意度"})
    assert list(t.columns) == ["item", "construct", "n", "missing", "mean", "sd", "median", "min", "max", "skew",
                               "kurtosis", "top2", "bottom2", "label"]
    t = t.set_index("item")
    for r in REF["items"]:
        row = t.loc[r["item"]]
        for k in ("mean", "sd", "median", "skew", "kurtosis", "top2", "bottom2"):
            assert row[k] == pytest.approx(r[k], **TOL), (r["item"], k)
    assert t.loc["sat1", "label"] == "总体满意度" and t.loc["sat2", "label"] == "sat2"
    assert t.loc["imag4", "min"] == 3 and t.loc["imag1", "max"] == 10
    assert (t["n"] == 250).all() and (t["missing"] == 0).all()


def test_item_table_hand_example_with_missing():
    # 1-5 scale; x = 1, 2, 2, 5, 4, NaN
    x = [1, 2, 2, 5, 4, np.nan]
    t = D.item_table(pd.DataFrame({"q": x}), {"q": "C"}, 1, 5).iloc[0]
    v = np.array([1, 2, 2, 5, 4.0])
    n, m = 5, v.mean()
    m2, m3, m4 = ((v - m) ** 2).mean(), ((v - m) ** 3).mean(), ((v - m) ** 4).mean()
    g1 = math.sqrt(n * (n - 1)) / (n - 2) * m3 / m2 ** 1.5
    g2 = (n - 1) / ((n - 2) * (n - 3)) * ((n + 1) * m4 / m2 ** 2 - 3 * (n - 1))
    assert (t["n"], t["missing"]) == (5, 1)
    assert t["mean"] == pytest.approx(2.8) and t["median"] == 2
    assert t["sd"] == pytest.approx(math.sqrt(((v - 2.8) ** 2).sum() / 4))
    assert t["skew"] == pytest.approx(g1) and t["skew"] == pytest.approx(stats.skew(v, bias=False))
    assert t["kurtosis"] == pytest.approx(g2) and t["kurtosis"] == pytest.approx(stats.kurtosis(v, bias=False))
    assert t["top2"] == pytest.approx(2 / 5) and t["bottom2"] == pytest.approx(3 / 5)


def test_item_distribution_and_bad_values():
    df = pd.DataFrame({"q": [1, 2, 2, 5, np.nan], "r": [3, 3, 3, 3, 3]})
    d = D.item_distribution(df, ["q", "r"], 1, 5)
    q = d[d["item"] == "q"].set_index("value")
    assert q["n"].tolist() == [1, 2, 0, 0, 1] and q["share"].tolist() == [0.25, 0.5, 0, 0, 0.25]
    with pytest.raises(ValueError, match=r"item 'q'.*2\.5.*row 1"):
        D.item_distribution(pd.DataFrame({"q": [1, 2.5]}), ["q"], 1, 5)
    with pytest.raises(ValueError, match="column 'q' is not numeric"):
        D.item_table(pd.DataFrame({"q": ["1", "good"]}), {"q": "C"}, 1, 5)


# -- construct scores and index ------------------------------------------------------------
def test_construct_index_matches_r(scores):
    ix = D.construct_index(scores, 0, 10).set_index("construct")
    assert list(ix.reset_index().columns)[:9] == D.INDEX_COLUMNS
    for r in REF["constructs"]:
        for k in ("n", "mean", "sd", "ci.lower", "ci.upper", "index", "index.ci.lower", "index.ci.upper"):
            assert ix.loc[r["construct"], k] == pytest.approx(r[k], **TOL), (r["construct"], k)


def test_index_formula_and_ci_are_the_linear_transform():
    s = pd.DataFrame({"A": [1, 2, 3, 4, 5, 5.0]})
    r = D.construct_index(s, 1, 5).iloc[0]
    m, sd, n = 20 / 6, np.std([1, 2, 3, 4, 5, 5], ddof=1), 6
    half = stats.t.ppf(0.975, 5) * sd / math.sqrt(n)
    assert r["index"] == pytest.approx(100 * (m - 1) / 4)
    assert r["index.ci.lower"] == pytest.approx(100 * (m - half - 1) / 4)
    assert r["index.ci.upper"] == pytest.approx(100 * (m + half - 1) / 4)
    lo, hi = stats.ttest_1samp([1, 2, 3, 4, 5, 5], 0).confidence_interval()
    assert (r["ci.lower"], r["ci.upper"]) == pytest.approx((lo, hi))
    assert D.to_index(5, 1, 5) == 100 and D.to_index(1, 1, 5) == 0


def test_construct_scores_need_half_the_items(ecsi):
    dm = ecsi.copy()
    dm.loc[0:9, "sat2"] = np.nan
    dm.loc[0:4, "sat3"] = np.nan
    dm.loc[0:2, "sat4"] = np.nan
    s = D.construct_scores(dm, {"SAT": CONS["SAT"]})["SAT"]
    ref = REF["sat_missing"]
    assert s.notna().sum() == ref["n"]
    assert s.iloc[:6].tolist() == pytest.approx([np.nan if v in (None, "NA") else v for v in ref["first6"]], nan_ok=True)
    r = D.construct_index(s.to_frame(), 0, 10).iloc[0]
    for k in ("mean", "sd", "ci.lower", "ci.upper"):
        assert r[k] == pytest.approx(ref[k], **TOL)
    # three items: ceil(1.5) = 2 answers are needed
    t = D.construct_scores(pd.DataFrame({"a": [1, 1, np.nan], "b": [3, np.nan, np.nan], "c": [np.nan, np.nan, 4]}),
                           {"X": ["a", "b", "c"]})["X"]
    assert t.tolist()[0] == 2 and np.isnan(t.tolist()[1]) and np.isnan(t.tolist()[2])
    diags = D.score_diagnostics(s.to_frame(), {"SAT": CONS["SAT"]})
    assert [(d.code, d.where) for d in diags] == [("construct_score_missing", "SAT")]


# -- NPS -----------------------------------------------------------------------------------
def test_nps_hand_example():
    # 10 answers: promoters 9, 10, 10 (3); passives 7, 8 (2); detractors 0, 3, 5, 6, 6 (5)
    x = [9, 10, 10, 7, 8, 0, 3, 5, 6, 6, np.nan]
    r = D.nps(x)
    assert (r["n"], r["promoters"], r["passives"], r["detractors"]) == (10, 3, 2, 5)
    assert r["nps"] == pytest.approx(-20)
    var = (0.3 + 0.5 - 0.2 ** 2) / 10                       # = 0.076
    assert r["se"] == pytest.approx(100 * math.sqrt(0.076))
    assert r["ci.lower"] == pytest.approx(-20 - 1.959963984540054 * 100 * math.sqrt(var))
    assert r["ci.upper"] == pytest.approx(-20 + 1.959963984540054 * 100 * math.sqrt(var))
    # the multinomial variance equals the variance of the score +1/0/-1 (divisor n)
    sc = np.array([1, 1, 1, 0, 0, -1, -1, -1, -1, -1])
    assert var == pytest.approx(sc.var() / 10)
    with pytest.raises(ValueError, match="not a whole number 0-10"):
        D.nps([3, 11])


def test_nps_matches_r(ecsi):
    r, ref = D.nps(ecsi["loy2"]), REF["nps_loy2"]
    for k in ("n", "p_promoters", "p_detractors", "nps", "se", "ci.lower", "ci.upper"):
        assert r[k] == pytest.approx(ref[k], **TOL), k


# -- group comparisons ---------------------------------------------------------------------
def test_ecsi_sat_welch_by_gender_shown_digits(scores, groups):
    raw = pd.read_csv(SHARED / "datasets" / "ecsi_satisfaction.csv")
    sat = scores["SAT"]
    assert np.allclose(sat, raw[["sat1", "sat2", "sat3", "sat4"]].mean(axis=1)) and len(sat) == 250
    r = D.welch_t(sat[groups.gender == "female"], sat[groups.gender == "male"])
    assert round(r["statistic"], 3) == 1.860
    assert round(r["df"], 1) == 203.4
    assert round(r["pvalue"], 4) == 0.0643


def test_two_group_tests_match_r_and_pingouin(tests_table, scores, groups):
    t = tests_table.set_index(["construct", "group", "test"])
    for i, r in enumerate(REF["two_groups"]):
        c = r["construct"]
        w = t.loc[(c, "gender", "welch_t")]
        assert (w["statistic"], w["df"], w["pvalue"], w["effect_size"]) == pytest.approx(
            (r["t"], r["df"], r["p"], r["g"]), **TOL)
        assert w["p.holm"] == pytest.approx(REF["p_holm_welch_t"][i], **TOL)
        u = t.loc[(c, "gender", "mann_whitney")]
        assert (u["statistic"], u["pvalue"], u["effect_size"]) == pytest.approx((r["W"], r["p_w"], r["rbc"]), **TOL)
        assert u["p.holm"] == pytest.approx(REF["p_holm_mann_whitney"][i], **TOL)
        x, y = scores[c][groups.gender == "female"], scores[c][groups.gender == "male"]
        pgt = pg.ttest(x, y, correction=True)
        assert (w["statistic"], w["df"]) == pytest.approx((pgt["T"].iloc[0], pgt["dof"].iloc[0]), rel=1e-9)
        # pingouin's Hedges correction is the approximation 1 - 3/(4(n-2) - 1)
        assert w["effect_size"] == pytest.approx(pg.compute_effsize(x, y, eftype="hedges"), rel=1e-5)
        assert w["estimate"] == pytest.approx(x.mean() - y.mean())
        assert u["effect_size"] == pytest.approx(pg.mwu(x, y)["RBC"].iloc[0], rel=1e-9)
    assert set(tests_table.loc[tests_table.test == "welch_t", "levels"]) == {"female | male"}


def test_mann_whitney_exact_small_sample():
    ref = REF["wilcox_exact"]
    r = D.mann_whitney(ref["x"], ref["y"])
    assert (r["statistic"], r["pvalue"]) == pytest.approx((ref["W"], ref["p"]), **TOL)
    assert r["effect_size"] == pytest.approx(2 * 25 / 30 - 1)      # W = 25 of 30 pairs


def test_multi_group_tests_match_r(tests_table, scores, groups):
    t = tests_table.set_index(["construct", "group", "test"])
    for i, r in enumerate(REF["three_groups"]):
        c = r["construct"]
        w = t.loc[(c, "seg", "welch_anova")]
        assert (w["statistic"], w["df"], w["df2"], w["pvalue"], w["effect_size"]) == pytest.approx(
            (r["F"], r["df1"], r["df2"], r["p"], r["omega2"]), **TOL)
        assert w["p.holm"] == pytest.approx(REF["p_holm_welch_anova"][i], **TOL)
        k = t.loc[(c, "seg", "kruskal_wallis")]
        assert (k["statistic"], k["df"], k["pvalue"], k["effect_size"]) == pytest.approx(
            (r["H"], 2, r["p_kw"], r["eps2"]), **TOL)
        assert k["p.holm"] == pytest.approx(REF["p_holm_kruskal"][i], **TOL)
        pw = pg.welch_anova(data=pd.DataFrame({"y": scores[c], "g": groups.seg.astype(str)}), dv="y", between="g")
        assert w["statistic"] == pytest.approx(pw["F"].iloc[0], rel=1e-9)


def test_games_howell_matches_r_and_pingouin(scores, groups):
    ph = D.posthoc_tests(scores, groups)
    assert list(ph.columns) == D.POSTHOC_COLUMNS and set(ph["group"]) == {"seg"}
    for r in REF["three_groups"]:
        sub = ph[ph.construct == r["construct"]].reset_index(drop=True)
        for j, gh in enumerate(r["games_howell"]):
            row = sub.iloc[j]
            assert (row["A"], row["B"]) == (gh["A"], gh["B"])
            assert (row["diff"], row["se"], row["statistic"], row["df"], row["hedges_g"]) == pytest.approx(
                (gh["diff"], gh["se"], gh["t"], gh["df"], gh["g"]), **TOL)
            assert row["pvalue"] == pytest.approx(gh["p"], rel=1e-4, abs=1e-9)   # ptukey vs scipy quadrature
    data = pd.DataFrame({"y": scores["SAT"], "g": pd.Categorical(groups.seg.astype(str), ["low", "mid", "high"])})
    pgh = pg.pairwise_gameshowell(data=data, dv="y", between="g")
    mine = ph[ph.construct == "SAT"]
    assert mine["pvalue"].to_numpy() == pytest.approx(pgh["pval"].to_numpy(), rel=1e-4)


def test_studentized_range_tail_matches_r_ptukey_and_scipy():
    """studentized_range_sf (the Games–Howell p-values) against base R's ptukey on a grid of q, k and df
    (tests/reference/ptukey.R) and against scipy's adaptive quadrature, including df = 1 (ptukey needs df ≥ 2)."""
    ref = json.loads((Path(__file__).resolve().parents[1] / "reference" / "ptukey.json").read_text(encoding="utf-8"))
    q, k, df, sf = (np.asarray(ref[c], float) for c in ("q", "k", "df", "sf"))
    assert len(sf) == 924
    mine = D.studentized_range_sf(q, k, df)
    # R's ptukey is itself approximate far in the tail at small df (q = 20, df = 2: 0.03606 against the
    # 0.03546 that scipy's adaptive quadrature and the exact k = 2 identity below confirm)
    assert np.max(np.abs(mine - sf)) < 1e-3
    assert np.max(np.abs(mine - sf)[(q <= 8) | (df >= 7)]) < 2e-4
    assert np.max(np.abs(mine - sf)[(q <= 5) & (df >= 30)]) < 1e-5
    # k = 2: Q = |T| √2 with T ~ t(df), so P(Q > q) = 2 P(T > q/√2) exactly
    qs = np.array([0.5, 2.0, 5.0, 12.0, 20.0, 40.0])
    for nu in (1.0, 2.0, 3.0, 7.5, 100.0, 20000.0):
        assert D.studentized_range_sf(qs, 2, nu) == pytest.approx(2 * stats.t.sf(qs / math.sqrt(2), nu), abs=1e-10)
    small = (df <= 400) & (k <= 5)
    qq, kk, dd = (np.append(a[small], extra) for a, extra in ((q, [3.0, 6.0]), (k, [3, 4]), (df, [1.0, 1.0])))
    assert D.studentized_range_sf(qq, kk, dd) == pytest.approx(stats.studentized_range.sf(qq, kk, dd), abs=2e-7)
    # shapes, q <= 0, missing and impossible arguments
    assert D.studentized_range_sf(3.5, 3, 20).shape == ()
    out = D.studentized_range_sf([0.0, -1.0, np.nan, 2.0, 2.0], [3, 3, 3, 1, 3], [10, 10, 10, 10, np.nan])
    assert out[:2].tolist() == [1.0, 1.0] and np.isnan(out[2:]).all()


def test_chi_square_matches_r(tests_table, groups):
    row = tests_table[tests_table.test == "chi_square"].iloc[0]
    ref = REF["chisq_gender_seg"]
    assert row["group"] == "gender x seg" and pd.isna(row["construct"])
    assert (row["statistic"], row["df"], row["pvalue"], row["effect_size"]) == pytest.approx(
        (ref["chisq"], ref["df"], ref["p"], ref["V"]), **TOL)
    pgc = pg.chi2_independence(groups.assign(seg=groups.seg.astype(str)), "gender", "seg", correction=False)[2]
    assert row["effect_size"] == pytest.approx(pgc.loc[pgc.test == "pearson", "cramer"].iloc[0], rel=1e-9)


def test_group_tests_table_layout_and_families(tests_table):
    assert list(tests_table.columns[:10]) == ["construct", "group", "test", "statistic", "df", "pvalue", "p.holm",
                                              "effect", "effect_size", "family"]
    assert tests_table.groupby("test")["family"].nunique().eq(1).all()
    assert tests_table.groupby("test").size().to_dict() == {"welch_t": 6, "mann_whitney": 6, "welch_anova": 6,
                                                            "kruskal_wallis": 6, "chi_square": 1}
    assert (tests_table["p.holm"] >= tests_table["pvalue"] - 1e-15).all()


def test_holm_hand_example_and_statsmodels():
    from statsmodels.stats.multitest import multipletests

    p = [0.01, 0.04, 0.03, np.nan, 0.005]
    # sorted .005 .01 .03 .04 with m = 4: .02 .03 .06 .06 (monotone)
    assert D.holm(p)[[4, 0, 2, 1]] == pytest.approx([0.02, 0.03, 0.06, 0.06])
    assert np.isnan(D.holm(p)[3])
    q = np.random.default_rng(1).uniform(0, 0.2, 12)
    assert D.holm(q) == pytest.approx(multipletests(q, method="holm")[1])


def test_levels_too_small_are_left_out_and_diagnosed():
    sc = pd.DataFrame({"A": [1, 2, 3, 4, 5, 3, 2.5]})
    g = pd.DataFrame({"g": ["a", "a", "a", "b", "b", "b", "c"], "h": ["x"] * 7})
    t = D.group_tests(sc, g)
    assert set(t["test"]) == {"welch_t", "mann_whitney"}          # 'c' has one answer; 'h' one level
    assert t["levels"].iloc[0] == "a | b" and t["n"].iloc[0] == 6
    codes = {d.code for d in D.group_diagnostics(sc, g)}
    assert {"group_single_level", "group_small_level"} <= codes


# -- correlations --------------------------------------------------------------------------
def test_correlations_match_r(scores):
    R, S = D.correlation_matrix(scores), D.correlation_matrix(scores, "spearman")
    assert R.to_numpy() == pytest.approx(np.array(REF["pearson"]), **TOL)
    assert S.to_numpy() == pytest.approx(np.array(REF["spearman"]), **TOL)
    c = D.correlations(scores).set_index(["lhs", "rhs", "method"])
    assert c.loc[("SAT", "LOY", "pearson"), "pvalue"] == pytest.approx(REF["cor_test_sat_loy"]["pearson_p"], rel=1e-6)
    assert c.loc[("SAT", "LOY", "spearman"), "pvalue"] == pytest.approx(REF["cor_test_sat_loy"]["spearman_p"], rel=1e-6)
    assert c.loc[("IMAG", "SAT", "spearman"), "r"] == pytest.approx(stats.spearmanr(scores.IMAG, scores.SAT)[0])


# -- generated text ------------------------------------------------------------------------
def test_texts_do_not_overclaim(tests_table, scores, ecsi):
    en = A.group_tests_text(tests_table, "en")
    sig = tests_table[tests_table.test.isin(["welch_t", "welch_anova"]) & (tests_table["p.holm"] < 0.05)]
    # one sentence per significant comparison, in three forms taken in turn (no pattern repeated six times)
    n_sentences = sum(en.count(x) for x in ("differs significantly by", "also varies with", "differs significantly as well"))
    assert n_sentences == len(sig) == 6 and en.count("differs significantly by") == 2   # all seg comparisons
    assert "by gender" not in en
    for word in ("cause", "because", "effect of", "drives", "leads to", "impact"):
        assert word not in en.lower()
    only_gender = A.group_tests_text(tests_table[tests_table.group == "gender"], "en")
    assert "none differs significantly at the 0.05 level" in only_gender
    assert "differs significantly by" not in only_gender
    zh = A.group_tests_text(tests_table, "zh")
    assert "差异显著" in zh and "Holm" in zh
    # the chi-square test of gender x seg (p = .61) is summarised as not significant
    assert "The 1 pair(s) of grouping variables show no significant association" in en
    ix = D.construct_index(scores, 0, 10, labels={c: c for c in scores})
    hi, lo = ix.loc[ix["index"].idxmax()], ix.loc[ix["index"].idxmin()]
    txt = A.index_text(ix, "en")
    assert f"{hi['label']} scores highest ({hi['index']:.1f} [{hi['index.ci.lower']:.1f}, {hi['index.ci.upper']:.1f}])" in txt
    assert f"{lo['label']} lowest ({lo['index']:.1f}" in txt
    assert "推荐者" in A.nps_text(D.nps(ecsi["loy2"]), "zh")
    it = D.item_table(ecsi, IC, 0, 10)
    assert "item means range from" in A.items_text(it, 0, 10, "en")
    assert "不说明因果" in A.correlation_text(D.correlations(scores), "zh")
    prof = D.sample_profile(ecsi, ["gender"])
    assert "female (148, 59.2%)" in A.profile_text(prof, 250, "en")


def test_scores_without_variation_give_missing_tests_and_a_diagnostic():
    sc = pd.DataFrame({"B": [1.0] * 7, "C": [1, 1, 1, 2, 2, 2, 2.0]})
    g = pd.DataFrame({"g": list("aaabbbb"), "h": list("xxyyzzz")})
    t = D.group_tests(sc, g).set_index(["construct", "group", "test"])
    assert t.loc[("C", "g", "welch_t"), ["statistic", "pvalue", "effect_size"]].isna().all()
    assert t.loc[("C", "g", "welch_t"), "estimate"] == -1
    # C by g: the rank test is still defined (complete separation: r = -1)
    assert t.loc[("C", "g", "mann_whitney"), "effect_size"] == -1
    assert t.loc[("B", "h", "welch_anova"), ["statistic", "pvalue"]].isna().all()
    assert np.isnan(t.loc[("C", "g", "welch_t"), "p.holm"])
    diags = D.test_diagnostics(t.reset_index())
    assert {("group_test_undefined", "C by g"), ("group_test_undefined", "B by h")} <= {(d.code, d.where) for d in diags}
    ph = D.posthoc_tests(sc, g)
    assert ph.loc[(ph.construct == "B"), "pvalue"].isna().all()


def test_the_score_rule_is_a_parameter():
    d = pd.DataFrame({"a": [1, 2, np.nan, np.nan], "b": [3, np.nan, np.nan, 2], "c": [5, np.nan, 4, 4]})
    cons = {"F": ["a", "b", "c"]}
    anyitem = D.construct_scores(d, cons, min_share=0)["F"]
    pd.testing.assert_series_equal(anyitem, d.mean(axis=1, skipna=True), check_names=False)
    pd.testing.assert_series_equal(D.construct_scores(d, cons, min_share=1)["F"], d.mean(axis=1, skipna=False),
                                   check_names=False)
    half = D.construct_scores(d, cons)["F"]                    # default: at least 2 of 3 items
    assert half.tolist()[0] == 3.0 and np.isnan(half.tolist()[1]) and half.tolist()[3] == 3.0
    with pytest.raises(ValueError, match="min_share"):
        D.construct_scores(d, cons, min_share=1.5)


def test_descriptives_of_continuous_scores(shared_dir):
    """Holzinger–Swineford scores (3.3333…) once crashed 02_descriptives; now they are described as
    continuous scores: the usual statistics, no top-2/bottom-2 boxes, no 0–100 index without bounds."""
    hs = pd.read_csv(shared_dir / "datasets" / "holzinger1939.csv")
    ic = {f"x{i}": ("visual", "textual", "speed")[(i - 1) // 3] for i in range(1, 10)}
    t = itemtypes.item_types(hs, list(ic), None, None, continuous=True)
    items = D.item_table(hs, ic, None, None, continuous=itemtypes.continuous_items(t))
    assert items["top2"].isna().all() and items["bottom2"].isna().all()
    assert items.set_index("item").loc["x1", "mean"] == pytest.approx(hs["x1"].mean())
    assert items.set_index("item").loc["x1", "sd"] == pytest.approx(hs["x1"].std())
    assert "range from" in A.items_text(items, None, None)
    scores = D.construct_scores(hs, {"visual": ["x1", "x2", "x3"]})
    idx = D.construct_index(scores, None, None)
    assert math.isnan(idx["index"].iloc[0]) and idx["mean"].iloc[0] == pytest.approx(scores["visual"].mean())
    assert "no 0–100 index" in A.index_text(idx.assign(label="visual"))
    # a Likert item and a continuous one in one study: boxes for the Likert item only
    d = pd.DataFrame({"a": [1, 2, 5, 4], "b": [1.5, 2, 5, 4]})
    mixed = D.item_table(d, {"a": "f", "b": "f"}, 1, 5, continuous=["b"]).set_index("item")
    assert mixed.loc["a", "top2"] == 0.5 and math.isnan(mixed.loc["b", "top2"])
    with pytest.raises(ValueError, match="not a point of the scale"):
        D.item_distribution(d, ["b"], 1, 5)                   # charts are drawn for Likert items only
