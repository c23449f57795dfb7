"""csat.stats.text: exact counts on a small hand-made fixture, Wilson intervals against statsmodels, quotes."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from csat.stats import text as T

#: ten answers written by hand: 2 empty, 3 non-answers, 5 answers
FIXTURE = pd.Series([None, "  ", "无", "N/A", "。", "价格太贵，排队太久。", "排队时间长", "Staff were friendly, prices high",
                     "商品质量好，价格实惠", "总体还行"])
THEMES = {"price": ["价格", "price"], "queue": ["/排队.{0,2}(久|长)/"], "staff": ["staff", "店员"]}


def test_answer_kinds_are_counted_exactly():
    kinds = FIXTURE.map(T.answer_kind).value_counts().to_dict()
    assert kinds == {"empty": 2, "non_answer": 3, "answer": 5}


def test_themes_of_the_fixture():
    ans = FIXTURE[FIXTURE.map(T.answer_kind) == "answer"]
    m = T.match_themes(ans, THEMES)
    assert m.sum().to_dict() == {"price": 3, "queue": 2, "staff": 1}
    assert m.any(axis=1).sum() == 4                              # "总体还行" falls under no theme
    assert m.loc[5].tolist() == [True, True, False]               # both themes of one answer
    assert T.keyword_hits(ans, ["价格", "太贵", "实惠"]).tolist() == [2, 0, 0, 2, 0]


def test_word_counts_of_the_fixture():
    ans = FIXTURE[FIXTURE.map(T.answer_kind) == "answer"]
    words = T.term_counts(ans, keywords=[k for v in THEMES.values() for k in v])
    w = dict(zip(words.loc[words["kind"] == "word", "term"], words.loc[words["kind"] == "word", "n"]))
    assert w["价格"] == 2 and w["排队"] == 2 and w["staff"] == 1 and w["prices"] == 1
    assert "的" not in w and "were" not in w and "，" not in w       # stop words and punctuation left out
    assert (words["share"] == words["n"] / 5).all()
    ph = words[words["kind"] == "phrase"]
    assert "staff friendly" in set(ph["term"]) and "prices high" in set(ph["term"])
    assert "friendly prices" not in set(ph["term"])                # no phrase across a comma


def test_theme_table_and_wilson():
    ans = FIXTURE[FIXTURE.map(T.answer_kind) == "answer"]
    m = T.match_themes(ans, THEMES)
    index = pd.Series([20.0, 30.0, 80.0, 70.0, 90.0], index=ans.index)
    tab = T.theme_table(m, index)
    price = tab.set_index("theme").loc["price"]
    assert price["n"] == 3 and price["share"] == pytest.approx(0.6)
    lo, hi = proportion_confint(3, 5, method="wilson")
    assert (price["share.ci.lower"], price["share.ci.upper"]) == pytest.approx((lo, hi))
    assert price["index.with"] == pytest.approx(np.mean([20, 80, 70]))
    assert price["index.without"] == pytest.approx(np.mean([30, 90]))
    queue = tab.set_index("theme").loc["queue"]
    assert queue["diff"] == pytest.approx(25 - 80)           # (20 + 30) / 2 against (80 + 70 + 90) / 3
    assert list(tab.columns) == T.THEME_COLUMNS


@pytest.mark.parametrize("k,n", [(0, 10), (1, 7), (37, 120), (120, 120)])
def test_wilson_equals_statsmodels(k, n):
    assert T.wilson(k, n) == pytest.approx(proportion_confint(k, n, method="wilson"), abs=1e-12)


def test_quotes_are_chosen_deterministically():
    a = pd.Series(["价格贵", "价格太贵了", "价格太贵了", "价格很高很贵", "价格有点贵，太贵"])
    hits = T.keyword_hits(a, ["价格", "贵", "太贵"])
    assert hits.tolist() == [2, 3, 3, 2, 3]
    # most keywords first; the same answer once; then nearest the median length, then row order
    assert T.select_quotes(a, hits, 3).tolist() == ["价格太贵了", "价格有点贵，太贵", "价格很高很贵"]


def test_crosstab_chi_square_matches_r():
    m = pd.DataFrame({"t": [True] * 30 + [False] * 70})
    by = pd.Series(["a"] * 20 + ["b"] * 10 + ["a"] * 30 + ["b"] * 40)
    shares, tests = T.theme_crosstab(m, by)
    # R: chisq.test(matrix(c(20, 10, 30, 40), 2), correct = FALSE)$statistic = 4.761905
    assert tests["statistic"].iloc[0] == pytest.approx(4.761905, abs=1e-6)
    assert shares.set_index("level").loc["a", "share"] == pytest.approx(0.4)


def test_tokenizer_writes_no_cache_file(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    T._tokenizer.cache_clear()
    assert T.tokenize("结账排队太慢", keywords=["排队"]) == ["结账", "排队", "太慢"]
    assert list(tmp_path.iterdir()) == []
