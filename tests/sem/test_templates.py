"""Model templates (ACSI/ECSI): expansion, alias mapping, missing constructs, the model source; the templates with PLS."""
from __future__ import annotations

import pandas as pd
import pytest

from csat.analyses.structural import study_model
from csat.config.params import validate_params
from csat.sem.templates import (TEMPLATES, canonical_name, expand_template, map_constructs, measurement_part,
    model_spec, model_syntax, structural_paths)
from csat.sem import pls

from sem.pls.seminr_ref import HERE, REF, TOL


def _params(constructs: dict, **extra):
    raw = {"study": "t", "data": {"path": "x.csv"}, "constructs": constructs, **extra}
    return validate_params(raw)


FULL = {"IMAG": {"items": ["i1", "i2"]}, "EXPE": {"items": ["e1", "e2"]}, "QUAL": {"items": ["q1", "q2"]},
        "VAL": {"items": ["v1", "v2"]}, "SAT": {"items": ["s1", "s2"]}, "COMP": {"items": ["c1"]},
        "LOY": {"items": ["l1", "l2"]}}


def test_ecsi_expands_to_all_twelve_paths():
    spec = expand_template("ecsi", _params(FULL).constructs)
    assert sorted(structural_paths(spec.syntax)) == sorted(TEMPLATES["ecsi"])
    assert len(TEMPLATES["ecsi"]) == 12
    assert "SAT ~ IMAG + EXPE + QUAL + VAL" in spec.syntax
    assert "LOY ~ IMAG + SAT + COMP" in spec.syntax
    assert "IMAG =~ i1 + i2" in spec.syntax and "COMP =~ c1" in spec.syntax
    assert spec.dropped_paths == [] and spec.source == "template:ecsi"


def test_acsi_paths_have_no_image():
    spec = expand_template("acsi", _params(FULL).constructs)
    assert sorted(structural_paths(spec.syntax)) == sorted(TEMPLATES["acsi"])
    assert "IMAG" not in [p for pair in structural_paths(spec.syntax) for p in pair]
    assert any("IMAG" in n and "not part of the ACSI template" in n for n in spec.notes)


def test_aliases_map_by_name_label_and_chinese_label():
    cons = {"image": {"items": ["a"]}, "Expectations": {"items": ["b"]}, "PQ": {"items": ["c"]},
            "pv": {"items": ["d"]}, "CSI": {"items": ["e"]}, "complaints": {"items": ["f"]},
            "F7": {"label": "Customer loyalty", "items": ["g"]}, "F8": {"label_zh": "感知质量", "items": ["h"]}}
    m = map_constructs({k: v for k, v in cons.items() if k != "F8"})
    assert m == {"IMAG": "image", "EXPE": "Expectations", "QUAL": "PQ", "VAL": "pv", "SAT": "CSI",
                 "COMP": "complaints", "LOY": "F7"}
    assert canonical_name("X", None, "感知质量") == "QUAL"
    assert canonical_name("SATIS") == "SAT" and canonical_name("ima") == "IMAG" and canonical_name("EXP") == "EXPE"
    assert canonical_name("trust") is None
    spec = expand_template("ecsi", {k: v for k, v in cons.items() if k != "F8"})
    assert "CSI ~ image + Expectations + PQ + pv" in spec.syntax
    assert "F7 ~ image + CSI + complaints" in spec.syntax


def test_two_constructs_claiming_one_template_construct_is_an_error():
    with pytest.raises(ValueError, match="both match the template construct SAT"):
        map_constructs({"SAT": {"items": ["a"]}, "satisfaction": {"items": ["b"]}})


def test_missing_constructs_are_dropped_with_their_paths_and_said():
    cons = {k: v for k, v in FULL.items() if k not in ("COMP",)}
    spec = expand_template("ecsi", _params(cons).constructs)
    assert spec.dropped_paths == ["SAT -> COMP", "COMP -> LOY"]
    assert ("SAT", "COMP") not in structural_paths(spec.syntax)
    assert "COMP" not in spec.syntax.replace("# ", "")
    assert any("COMP" in n and "dropped" in n for n in spec.notes)
    # without EXPE the ECSI paths through it go too, QUAL and VAL keep QUAL -> VAL
    cons2 = {k: v for k, v in FULL.items() if k not in ("EXPE",)}
    spec2 = expand_template("ecsi", _params(cons2).constructs)
    assert set(spec2.dropped_paths) == {"IMAG -> EXPE", "EXPE -> QUAL", "EXPE -> VAL", "EXPE -> SAT"}
    assert ("QUAL", "VAL") in structural_paths(spec2.syntax)


def test_unknown_construct_is_left_out_and_said():
    cons = dict(FULL, TRUST={"items": ["t1", "t2"]})
    spec = expand_template("ecsi", _params(cons).constructs)
    assert "TRUST" not in spec.syntax
    assert any("TRUST" in n for n in spec.notes)


def test_no_usable_path_is_a_clear_error():
    with pytest.raises(ValueError, match="none of the template's paths"):
        expand_template("acsi", {"IMAG": {"items": ["a"]}, "TRUST": {"items": ["b"]}})
    with pytest.raises(ValueError, match="unknown template"):
        expand_template("scsb", FULL)


def test_model_syntax_source_order():
    p = _params(FULL, model="SAT =~ s1 + s2\nLOY =~ l1 + l2\nLOY ~ SAT")
    assert study_model(p).syntax.strip() == "SAT =~ s1 + s2\nLOY =~ l1 + l2\nLOY ~ SAT"
    assert study_model(p).source == "model"
    p2 = _params(FULL, model_template="acsi")
    assert study_model(p2).source == "template:acsi" and "SAT ~ EXPE + QUAL + VAL" in study_model(p2).syntax
    p3 = _params({"A": {"items": ["a1", "a2", "a3"]}, "B": {"items": ["b1", "b2", "b3"]}})
    assert study_model(p3).source == "measurement"
    assert [ln for ln in study_model(p3).syntax.splitlines() if not ln.startswith("#")] == \
        ["A =~ a1 + a2 + a3", "B =~ b1 + b2 + b3"]
    assert structural_paths(study_model(p3).syntax) == []


def test_model_spec_takes_plain_arguments():
    """The engine needs no params: constructs (specs or lists of items), the model, the template."""
    assert model_spec(FULL, "LOY ~ SAT").source == "model"
    assert model_spec(FULL, "LOY ~ SAT", "acsi").syntax == "LOY ~ SAT\n"          # a model wins over a template
    assert model_syntax(FULL, template="acsi") == study_model(_params(FULL, model_template="acsi")).syntax
    assert model_syntax({"A": ["a1", "a2"]}) == ("# one factor per construct (no model or model_template in the "
                                                 "params)\nA =~ a1 + a2\n")
    assert model_spec({"A": ["a1", "a2"]}).source == "measurement"


def test_measurement_part_keeps_loadings_and_indicator_covariances():
    syntax = ("ind60 =~ x1 + x2 + x3\ndem60 =~ y1 + y2 + y3 + y4  # comment\ndem65 =~ y5 + y6 + y7 + y8\n"
              "dem60 ~ a*ind60\ndem65 ~ ind60 + dem60\ny1 ~~ y5\ny2 ~~ y4 + y6\nind60 ~~ dem60\nab := a*2")
    m = measurement_part(syntax)
    assert m.splitlines() == ["ind60 =~ x1 + x2 + x3", "dem60 =~ y1 + y2 + y3 + y4", "dem65 =~ y5 + y6 + y7 + y8",
                              "y1 ~~ y5", "y2 ~~ y4 + y6"]
    assert structural_paths(syntax) == [("ind60", "dem60"), ("ind60", "dem65"), ("dem60", "dem65")]
    assert measurement_part("y ~ x", {"F": ["a", "b"]}) == "F =~ a + b\n"


# -- the templates with the PLS estimator ----------------------------------------------------------
def test_templates_work_with_pls(shared_dir):
    from csat.intake.preflight import load_study
    from csat.analyses.structural import study_model

    root = HERE.parent
    p = load_study(root / "params" / "ecsi_pls.yaml", root=root)
    assert p.estimator == "pls"
    df = pd.read_csv(shared_dir / "datasets" / "ecsi_satisfaction.csv")
    res = pls.pls_fit(study_model(p).syntax, df, missing=p.pls.missing)
    ref = REF["ecsi"]
    for q in ref["paths"]:
        assert res.paths.loc[q["to"], q["from"]] == pytest.approx(q["est"], abs=TOL)
    acsi = {k: v for k, v in p.constructs.items() if k != "IMAG"}
    from csat.sem.templates import expand_template

    spec = pls.pls_spec(expand_template("acsi", acsi).syntax)
    assert ("SAT", "LOY") in spec.paths
