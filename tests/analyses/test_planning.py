"""csat.analyses.planning: the plan of the demo params, and planned against achieved per stratum."""
from pathlib import Path

import pandas as pd

from csat.analyses.planning import compute_plan, model_size, planned_vs_achieved
from csat.config.params import load_params, validate_params
from csat.stats import planning as pl

ROOT = Path(__file__).resolve().parents[2]
DEMO = load_params(ROOT / "params" / "demo.yaml")


def test_the_demo_model_size_is_lavaans():
    assert model_size(DEMO) == {"df": 365, "npar": 70, "source": "model"}


def test_a_pls_model_with_composites_has_no_power_analysis():
    raw = {"study": "s", "data": {"path": "x.csv"}, "estimator": "pls",
           "constructs": {"A": {"items": ["a1", "a2"]}, "B": {"items": ["b1", "b2"]}},
           "model": "A <~ a1 + a2\nB =~ b1 + b2\nB ~ A\n"}
    plan = compute_plan(validate_params(raw))
    assert "error" in plan["sem"] and "power" not in plan["sem"]


def test_every_stratum_reaches_the_group_margin_and_the_total_adds_up():
    plan = compute_plan(DEMO)
    s = pd.DataFrame(plan["strata"])
    assert (s["margin_proportion"] <= DEMO.design.margin_group + 1e-12).all()
    assert s["n"].sum() == plan["n"] >= plan["required"]
    assert plan["achieved_margin"] <= DEMO.design.margin
    assert plan["cost"] == plan["n"] * 35


def test_planned_against_achieved_per_stratum():
    profile = pd.DataFrame({"variable": ["gender", "region", "region", "region", "region"],
                            "level": ["f", "North", "South", "East", "West"], "n": [9, 100, 150, 120, 130]})
    caption, table = planned_vs_achieved(DEMO, profile, "en")
    assert "Region" in caption and table.iloc[:, 0].tolist() == ["North", "South", "East", "West", "Total"]
    assert table.iloc[0, 2] == "100" and table.iloc[-1, 2] == "500"
    m = pl.margin_proportion(100, 0.5, population=42000, deff=1.1)
    assert table.iloc[0, 4] == f"±{100 * m:.1f}"
    assert planned_vs_achieved(DEMO, profile[profile["variable"] == "gender"], "en") is None


def test_the_questionnaire_names_features_groups_and_levels_by_their_labels():
    from csat.analyses.questionnaire import questionnaire_rows

    zh = questionnaire_rows(DEMO, "zh")
    kano = zh[zh["code"] == "kano_selfcheckout_f"].iloc[0]
    assert "selfcheckout" not in kano["section"] and "selfcheckout" not in kano["question"]
    gender = zh[zh["code"] == "gender"].iloc[0]
    assert gender["question"] == "性别" and gender["answers"] == "女性; 男性"
    region = zh[zh["code"] == "region"].iloc[0]
    assert region["answers"] == "北区; 南区; 东区; 西区"
