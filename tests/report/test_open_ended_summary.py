"""The executive summary's open-ended sentence: the two themes most tied to dissatisfaction, a quote each."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from csat.config.params import load_params
from csat.report import summary as S

ROOT = Path(__file__).resolve().parents[2]


def test_two_themes_most_associated_with_dissatisfaction_with_a_quote_each():
    p = load_params(ROOT / "params" / "demo.yaml")
    themes = pd.DataFrame({"column": "comment", "theme": ["price", "queue", "staff", "parking"],
                           "share": [0.2, 0.21, 0.16, 0.09], "diff": [-5.6, -11.9, 8.0, -1.0],
                           "pvalue.holm": [0.012, 0.0001, 0.001, 0.75]})
    quotes = pd.DataFrame({"column": "comment", "kind": "theme", "theme": ["queue", "queue", "price", "parking"],
                           "rank": [2, 1, 1, 1], "text": ["second", "排队太久 <b>", "价格偏贵", "停车难"]})
    story = S.open_ended_story({"open_ended_themes.csv": themes, "open_ended_quotes.csv": quotes}, p)
    assert [t["theme"] for t in story[0]["themes"]] == ["queue", "price"]
    assert [t["quote"] for t in story[0]["themes"]] == ["排队太久 <b>", "价格偏贵"]
    (s,) = S._open_ended_sentences({"open_ended": story})
    assert "Queues at the checkout" in s["en"] and "“排队太久 <b>”" in s["en"] and "p < .001" in s["en"]
    assert "结账排队" in s["zh"] and "价格" in s["zh"] and "−11.9" in s["zh"]
    assert s["numbers"]["diff0"] == -11.9 and s["numbers"]["share1"] == 20.0
    assert S.open_ended_story({"open_ended_themes.csv": None}, p) == []
