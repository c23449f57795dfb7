"""One definition of each thing (issue #16, item 2): construct scores, squared multiple correlations and
reverse coding are each defined once in src/csat and used everywhere from there."""
from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from csat.intake import cleaning
from csat.analyses import descriptives as A
from csat.stats import descriptives as D, factor, reliability as rel
from csat.config.params import validate_params

SRC = Path(__file__).resolve().parents[1] / "src" / "csat"


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


def test_scores_min_share_is_a_study_key_stated_in_words():
    p = validate_params({"study": "s", "data": {"path": "x.csv"}, "constructs": {"F": {"items": ["a", "b"]}}})
    assert p.scores.min_share == 0.5
    p = validate_params({"study": "s", "data": {"path": "x.csv"}, "constructs": {"F": {"items": ["a", "b"]}},
                         "scores": {"min_share": 1}})
    assert p.scores.min_share == 1
    with pytest.raises(ValueError, match="scores.min_share"):
        validate_params({"study": "s", "data": {"path": "x.csv"}, "constructs": {"F": {"items": ["a"]}},
                         "scores": {"min_share": 50}})
    assert "at least half of its items" in A.score_rule_text(0.5)
    assert "all of its items" in A.score_rule_text(1) and "至少一个题项" in A.score_rule_text(0, "zh")


def test_smc_as_psych():
    """psych::smc of a correlation matrix: 1 − 1/diag(R⁻¹) (pseudo-inverse, clipped to [0, 1])."""
    R = np.array([[1, .5, .3], [.5, 1, .4], [.3, .4, 1]])
    np.testing.assert_allclose(rel.smc(R), 1 - 1 / np.diag(np.linalg.inv(R)))
