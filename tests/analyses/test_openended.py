"""csat.analyses.openended: recovery of the simulated themes, and answers shown as text (escaped)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from csat.analyses import openended as O
from csat.config.params import load_params
from csat.intake import simulate as S

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo():
    return load_params(ROOT / "params" / "demo.yaml")


@pytest.fixture(scope="module")
def sample():
    sat = np.random.default_rng(11).standard_normal(4000)
    frame, truth = S.simulate_open_ended(sat, seed=5)
    return sat, frame, truth


@pytest.mark.parametrize("column", ["comment", "comment_en"])
def test_theme_shares_recovered_within_sampling_error(demo, sample, column):
    sat, frame, truth = sample
    themes = demo.open_ended["comment"].themes
    texts = frame[column]
    index = pd.Series(50 + 15 * sat, index=texts.index)
    res = O.analyse_column(column, texts, themes, index, {}, seed=1)
    assert res.counts["answered"] + res.counts["empty"] + res.counts["non_answer"] == len(texts)
    assert abs(res.counts["answered"] / len(texts) - 0.65) < 4 * np.sqrt(0.65 * 0.35 / len(texts))
    # every simulated mention is found, and nothing else (the dictionary of params/demo.yaml)
    for t, rows in truth["mentions"].items():
        assert set(np.flatnonzero(res.mentions[t].reindex(texts.index, fill_value=False))) == set(rows), t
    n = res.counts["answered"]
    for _, r in res.themes.iterrows():
        p = truth["shares"][r["theme"]]
        assert abs(r["share"] - p) < 3.5 * np.sqrt(p * (1 - p) / n), r["theme"]
        assert r["share.ci.lower"] < r["share"] < r["share.ci.upper"]
    # the two themes most associated with dissatisfaction are the simulated ones
    worst = res.themes.sort_values("diff")["theme"].head(2).tolist()
    assert worst == truth["dissatisfaction"]
    assert (res.themes.set_index("theme").loc[worst, "pvalue.holm"] < 0.001).all()


def test_demo_file_answers(demo):
    raw = pd.read_csv(ROOT / "data" / "raw" / "demo.csv", dtype=str, keep_default_na=False)
    kinds = raw["comment"].map(lambda s: O.T.answer_kind(s or None)).value_counts()
    assert set(kinds.index) == {"empty", "non_answer", "answer"}


def test_script_in_an_answer_prints_as_text(demo):
    texts = pd.Series(["价格太贵 <script>alert(1)</script>", "价格偏贵", None])
    res = O.analyse_column("comment", texts, demo.open_ended["comment"].themes, None, {}, seed=1)
    shown = O.quotes_display(res, O.theme_names(demo, "comment"), "en")
    assert "<script>alert(1)</script>" in shown.iloc[:, 1].tolist()[0]         # verbatim in the table
    html = shown.to_html(escape=True)                                          # as Stage.table prints it
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # the report's section (autoescape) prints it as text too
    from csat.report.pages import jinja_env

    section = {"blocks": [{"title": "Q", "rows": [{"theme": "Prices", "share": "50%", "with": "", "without": "",
                                                   "diff": "", "p": "", "quote": texts[0]}], "figure": None}],
               "caption": "c", "figure_caption": "f", "cols": ["a"] * 7}
    page = jinja_env().get_template("open_ended.html.j2").render(open_ended_section=section,
                                                                 xw={"open_ended": "Open"})
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_nps_category_and_feedback_sides():
    assert O.nps_category(pd.Series([9, 7, 6])).tolist() == ["promoter", "passive", "detractor"]
    assert O.T.feedback_side(pd.Series([61.0, 40.0, 39.9])).tolist() == ["positive", "neutral", "negative"]
