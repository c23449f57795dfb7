"""csat.stats.kano: Berger et al.'s (1993) evaluation table, majority category with the M > O > A > I rule,
Better/Worse, and recovery of the simulated Kano categories.

The published table (Berger, C., Blauth, R., Boger, D., et al. 1993, "Kano's methods for
understanding customer-defined quality", Center for Quality of Management Journal 2(4), 3-36,
the evaluation table; reproduced as Table 2 of Matzler & Hinterhuber 1998, Technovation 18, 25-38)
is written out below from the paper's rows, independently of csat.stats.kano.EVALUATION.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from csat.stats import kano as K
from csat.intake import simulate as sim

ANSWERS = ["like", "must-be", "neutral", "live-with", "dislike"]
# functional answer -> the categories for the dysfunctional answers like, must-be, neutral, live-with, dislike
PUBLISHED = {
    "like": "Q A A A O",
    "must-be": "R I I I M",
    "neutral": "R I I I M",
    "live-with": "R I I I M",
    "dislike": "R R R R Q",
}


def test_every_cell_of_the_published_evaluation_table():
    f, d, want = [], [], []
    for i, fa in enumerate(ANSWERS):
        for j, cat in enumerate(PUBLISHED[fa].split()):
            f.append(i + 1)
            d.append(j + 1)
            want.append(cat)
    assert K.classify(f, d).tolist() == want


def test_missing_and_out_of_range_answers_are_not_classified():
    got = K.classify(pd.Series([1, np.nan, 6, 2]), pd.Series([5, 5, 5, 0]))
    assert got.iloc[0] == "O" and got.iloc[1:].isna().all()


def test_better_worse_and_majority_with_the_tie_rule():
    r = K.summarize({"A": 12, "O": 20, "M": 30, "I": 18, "R": 2, "Q": 1})
    assert r["category"] == "M"
    assert r["better"] == pytest.approx(32 / 80) and r["worse"] == pytest.approx(-50 / 80)
    # ties: M > O > A > I
    assert K.summarize({"A": 10, "O": 10, "M": 10, "I": 10})["category"] == "M"
    assert K.summarize({"A": 10, "O": 10, "I": 10})["category"] == "O"
    assert K.summarize({"A": 10, "I": 10})["category"] == "A"
    assert K.summarize({"I": 4, "R": 4, "Q": 4})["category"] == "I"


def test_kano_table_counts_one_row_per_feature():
    df = pd.DataFrame({"f1": [1, 1, 2, 3, 1], "d1": [5, 3, 5, 3, 1]})
    t = K.kano_table(df, {"x": {"functional": "f1", "dysfunctional": "d1"}})
    assert list(t.columns) == K.KANO_COLUMNS
    row = t.iloc[0]
    assert (row["O"], row["A"], row["M"], row["I"], row["Q"], row["R"], row["n"]) == (1, 1, 1, 1, 1, 0, 5)
    assert row["better"] == pytest.approx(2 / 4) and row["worse"] == pytest.approx(-2 / 4)


def test_simulated_kano_categories_are_recovered():
    ex, truth = sim.simulate_extras(4000, 99)
    feats = {f: {"functional": f"kano_{f}_f", "dysfunctional": f"kano_{f}_d"} for f, _, _ in sim.KANO_FEATURES}
    t = K.kano_table(ex, feats).set_index("feature")
    assert t["category"].to_dict() == truth["kano"]
    probs = sim.kano_category_probabilities()
    for f in feats:
        shares = t.loc[f, K.CATEGORIES] / t.loc[f, "n"]
        assert np.abs(shares.to_numpy(float) - np.array([probs[f][c] for c in K.CATEGORIES])).max() < 0.03


def test_demo_file_kano_columns_hold_the_simulated_categories():
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    raw = pd.read_csv(root / "data" / "raw" / "demo.csv")
    feats = {f: {"functional": f"kano_{f}_f", "dysfunctional": f"kano_{f}_d"} for f, _, _ in sim.KANO_FEATURES}
    t = K.kano_table(raw, feats).set_index("feature")
    assert t["category"].to_dict() == {f: c for f, c, _ in sim.KANO_FEATURES}
