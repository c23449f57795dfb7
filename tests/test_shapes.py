"""Real studies of any shape (issue #19): Unicode names, continuous items, single-item constructs,
models without a structural part.

Reference values: tests/reference/single_item_sem.json, made by lavaan 0.6-14 from the Chinese
GBK fixture tests/fixtures/zh_survey.csv (script tests/reference/single_item_sem.R), and
../shared/reference/holzinger1939.json (lavaan 0.6-14).
"""
from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from csat.analyses import descriptives as A
from csat.stats import descriptives as D
from csat.intake import readers as IO
from csat.sem import ipma
from csat.analyses.cleaning import types_text
from csat.intake import itemtypes
from csat.viz import pathdiagram
from csat.sem import structure as shape
from csat.analyses import structural
from csat.stats import reliability as rel
from csat.analyses.reliability import reliability_display
from csat import sem
from csat.sem import syntax
from csat.config.params import ParamsError, validate_params
from csat.intake.preflight import load_study

HERE = Path(__file__).resolve().parent
FIX = HERE / "fixtures"
REF = json.loads((HERE / "reference" / "single_item_sem.json").read_text(encoding="utf-8"))
ZH_CONS = {"服务": ["服务1", "服务2", "服务3"], "价格": ["价格1", "价格2", "价格3"], "满意": ["满意度"],
           "忠诚": ["忠诚1", "忠诚2", "忠诚3"]}


@pytest.fixture(scope="module")
def zh() -> pd.DataFrame:
    return pd.read_csv(FIX / "zh_survey.csv", encoding="gbk")


def _compare(res: sem.SEMResult, ref: dict, tol: float = 1e-3) -> None:
    est = res.estimates.set_index(["lhs", "op", "rhs"])
    assert len(ref["estimates"]) == len(res.estimates)
    for e in ref["estimates"]:
        row = est.loc[(e["lhs"], e["op"], e["rhs"])]
        for col in ("est", "se", "z", "pvalue", "std.all"):
            if e[col] is None:
                continue
            assert row[col] == pytest.approx(e[col], abs=tol), (e["lhs"], e["op"], e["rhs"], col)
    for k, v in ref["fit"].items():
        assert res.fit_measures[k] == pytest.approx(v, abs=tol * max(1.0, abs(v))), k
    r2 = dict(zip(res.r2["variable"], res.r2["r2"]))
    assert set(r2) == set(ref["r2"])
    for k, v in ref["r2"].items():
        assert r2[k] == pytest.approx(v, abs=tol), k


# ------------------------------------------------------------------------------ names
def test_chinese_names_parse_as_lavaan_does():
    t = syntax.parse_model("服务 =~ 服务1 + a*服务2 + 服务3\n满意 =~ 满意度\n满意 ~ b*服务\n间接 := a*b")
    assert list(t["lhs"]) == ["服务"] * 3 + ["满意", "满意", "间接"]
    assert t.loc[1, "label"] == "a" and t.loc[4, "rhs"] == "服务"
    assert syntax.latent_names(t) == ["服务", "满意"]
    for good in ("服务1", "满意度", "x_1", "Q1.2", "_a", "Ｘ1"):
        assert syntax.is_name(good), good
    for bad in ("1服务", "满意 度", "满意度（1）", "a-b", ""):
        assert not syntax.is_name(bad), bad
    with pytest.raises(syntax.ModelSyntaxError, match="'满意 度' is not a valid variable name"):
        syntax.parse_model("满意 =~ 满意 度")
    assert syntax.measurement_syntax({"服务": ["服务1", "服务2"]}) == "服务 =~ 服务1 + 服务2\n"


def test_params_reject_names_a_model_cannot_use():
    base = {"study": "s", "data": {"path": "x.csv"}}
    validate_params({**base, "constructs": {"服务": {"items": ["服务1", "服务2"]}}})
    with pytest.raises(ParamsError, match=r"constructs\.服务\.items: item name '服务 1'"):
        validate_params({**base, "constructs": {"服务": {"items": ["服务 1", "服务2"]}}})
    with pytest.raises(ParamsError, match="construct name '服务质量（总）'"):
        validate_params({**base, "constructs": {"服务质量（总）": {"items": ["a"]}}})


def test_gbk_export_with_chinese_names_reads(tmp_path):
    (tmp_path / "params").mkdir()
    shutil.copy(FIX / "zh_survey.yaml", tmp_path / "params" / "zh_survey.yaml")
    (tmp_path / "tests" / "fixtures").mkdir(parents=True)
    shutil.copy(FIX / "zh_survey.csv", tmp_path / "tests" / "fixtures" / "zh_survey.csv")
    p = load_study(tmp_path / "params" / "zh_survey.yaml")
    data, intake = IO.load_study_data(p, tmp_path / "params" / "zh_survey.yaml")
    assert intake.meta["encoding"].lower().replace("-", "") in ("gbk", "gb18030")
    assert list(data.columns[:3]) == ["编号", "服务1", "服务2"] and len(data) == 240
    assert data["价格3"].eq(3.5).any() and len(intake.out_of_range) == 0


def test_path_diagram_quotes_unicode_names(tmp_path):
    res = sem.fit(REF["cfa"]["model"], pd.read_csv(FIX / "zh_survey.csv", encoding="gbk"))
    dot = pathdiagram.path_diagram_dot(res.estimates, {"服务": "服务质量"}, measurement=True, covariances=True,
                                       latent=res.latent)
    assert '"服务" [label=<<B>服务质量</B>' in dot
    assert '"服务" -> "价格" [label="0.47***", dir=both' in dot
    if shutil.which("dot"):
        files = pathdiagram.path_diagram(res.estimates, tmp_path / "pd", latent=res.latent, measurement=True,
                                         covariances=True)
        assert files["png"].stat().st_size > 1000 and "服务" in files["svg"].read_text(encoding="utf-8")


# ------------------------------------------------------------------------------ single items
def test_single_item_sem_equals_lavaan(zh):
    """满意 =~ 满意度 (one item) in a SEM with Chinese names: lavaan fixes the item's residual variance
    at 0 (auto.fix.single); every estimate, SE, std.all, fit measure and R² agree to 1e-3."""
    res = sem.fit(REF["sem"]["model"], zh)
    assert res.converged and not res.diagnostics          # no r2_near_1 warning for the single item
    row = res.estimates.set_index(["lhs", "op", "rhs"]).loc[("满意度", "~~", "满意度")]
    assert row["est"] == 0 and row["se"] == 0 and math.isnan(row["z"])
    _compare(res, REF["sem"])


def test_single_item_cfa_equals_lavaan(zh):
    _compare(sem.fit(REF["cfa"]["model"], zh), REF["cfa"])


def test_single_indicators_follow_lavaan():
    t = syntax.parse_model("f =~ a\ng =~ b + c + d\nh =~ e\nk =~ e + c")
    assert sem.single_indicators(t) == {"a"}             # e also measures k: not a single indicator
    rng = np.random.default_rng(1)
    f = rng.normal(size=300)
    d = pd.DataFrame({"a": f + 0.3 * rng.normal(size=300), "b": f + rng.normal(size=300),
                      "c": f + rng.normal(size=300), "d": rng.normal(size=300) + f})
    fixed = sem.fit("F =~ a\nG =~ b + c + d\na ~~ 0.05*a", d)   # a residual variance the user sets is kept
    assert fixed.estimates.set_index(["lhs", "op", "rhs"]).loc[("a", "~~", "a"), "est"] == 0.05


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


# ------------------------------------------------------------------------------ continuous items
def test_item_types_find_continuous_items(zh):
    t = itemtypes.item_types(zh, sum(ZH_CONS.values(), []), 1, 5)
    assert itemtypes.continuous_items(t) == ["价格3"]
    r = t.set_index("item").loc["价格3"]
    assert r["n_off_scale"] == int((zh["价格3"] % 1 != 0).sum()) and r["example"] % 1 == 0.5
    assert "not points of the 1–5 scale" in r["reason_en"]
    assert "价格3" in types_text(t, "zh")
    declared = itemtypes.item_types(zh, ["服务1"], 1, 5, continuous=True)
    assert list(declared["type"]) == ["continuous"] and "declared" in declared["reason_en"].iloc[0]
    unbounded = itemtypes.item_types(zh, ["服务1"], None, None, continuous=True)
    assert list(unbounded["type"]) == ["continuous"]


def test_continuous_scale_params():
    base = {"study": "s", "data": {"path": "x.csv"}, "constructs": {"f": {"items": ["a", "b"]}}}
    p = validate_params({**base, "scale": {"continuous": True}})
    assert p.scale.min is None and p.scale.max is None and not p.scale.bounded
    p = validate_params({**base, "scale": {"continuous": True, "min": 0, "max": 100}})
    assert (p.scale.min, p.scale.max) == (0, 100) and p.scale.bounded
    assert validate_params(base).scale.continuous is False and validate_params(base).scale.max == 5
    with pytest.raises(ParamsError, match="only with scale.continuous"):
        validate_params({**base, "scale": {"min": None, "max": None}})
    with pytest.raises(ParamsError, match="both scale.min and scale.max"):
        validate_params({**base, "scale": {"continuous": True, "min": 0}})
    with pytest.raises(ParamsError, match="reverse"):
        validate_params({**base, "scale": {"continuous": True}, "reverse": ["a"]})


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


# ------------------------------------------------------------------------------ study shapes
def test_model_without_structural_part(zh):
    assert not shape.has_structural_part(REF["cfa"]["model"]) and shape.has_structural_part(REF["sem"]["model"])
    cfa = sem.fit(REF["cfa"]["model"], zh)
    assert not shape.has_structural_part(cfa.estimates)
    fc = shape.factor_correlations(cfa.estimates, cfa.latent, {"服务": "服务质量"})
    assert len(fc) == 6 and fc.loc[0, "label.lhs"] == "服务质量"
    np.testing.assert_allclose(fc.set_index(["lhs", "rhs"]).loc[("服务", "价格"), "std.all"],
                               cfa.latent_cor().loc["服务", "价格"], atol=1e-10)
    assert shape.single_item_constructs(ZH_CONS) == ["满意"]
    assert ("no structural part" in structural.no_structural_text("en")
            and "没有结构部分" in structural.no_structural_text("zh"))


def test_ipma_target_is_optional_for_studies_about_something_else():
    assert ipma.find_target({"ind60": None, "dem60": None}) is None
    assert ipma.find_target({"服务": None, "满意": None}) == "满意"
    assert ipma.find_target({"a": None, "b": None}, "b") == "b"
    with pytest.raises(ValueError, match="not a construct"):
        ipma.find_target({"a": None}, "z")


def test_observed_variable_in_structural_part(zh):
    """An observed item as a predictor in the structural part (no latent variable around it)."""
    res = sem.fit("服务 =~ 服务1 + 服务2 + 服务3\n忠诚 =~ 忠诚1 + 忠诚2 + 忠诚3\n忠诚 ~ 服务 + 满意度", zh)
    assert res.converged
    from csat.sem import effects as eff

    e = eff.sem_effects(res)
    assert set(e["from"]) == {"服务", "满意度"} and set(e["to"]) == {"忠诚"}
