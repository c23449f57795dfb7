"""The study schema: good params load, bad params fail fast with one message naming the key/column."""
from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
import yaml

from csat.config.params import ParamsError, parse_overrides, validate_params
from csat.intake.preflight import load_study
from csat.pipeline.build import STAGE_KEYS

ROOT = Path(__file__).resolve().parents[2]

GOOD = """
study: mini
title: "Mini study"
language: en
data:
  path: data/raw/mini.csv
  id: rid
scale: {min: 1, max: 5}
missing_codes: [99]
constructs:
  SAT: {label: "Satisfaction", label_zh: "满意度", items: [sat1, sat2, sat3]}
  LOY: {label: "Loyalty", items: [loy1, loy2]}
reverse: [loy2]
groups: [gender]
model: |
  SAT =~ sat1 + sat2 + sat3
  LOY =~ loy1 + loy2
  LOY ~ SAT
bootstrap: 200
seed: 1
"""


def make_study(tmp_path: Path, text: str = GOOD, header: str = "rid,sat1,sat2,sat3,loy1,loy2,gender") -> Path:
    (tmp_path / "params").mkdir(exist_ok=True)
    (tmp_path / "data" / "raw").mkdir(parents=True, exist_ok=True)
    (tmp_path / "data" / "raw" / "mini.csv").write_text(header + "\n1,1,2,3,4,5,f\n2,2,3,4,5,1,m\n")
    p = tmp_path / "params" / "mini.yaml"
    p.write_text(textwrap.dedent(text))
    return p


def test_good_params_load(tmp_path):
    p = load_study(make_study(tmp_path))
    assert p.items == ["sat1", "sat2", "sat3", "loy1", "loy2"]
    assert p.item_construct["loy2"] == "LOY"
    assert p.cleaning.max_missing_share == 0.2          # defaults filled in
    assert p.efa.n_factors == "auto" and p.efa.rotation == "oblimin"
    assert p.construct_label("SAT") == "Satisfaction"


def test_language_picks_chinese_label(tmp_path):
    p = load_study(make_study(tmp_path), {"language": "zh"})
    assert p.construct_label("SAT") == "满意度"
    assert p.construct_label("LOY") == "Loyalty"      # no zh label: falls back


def test_traditional_chinese_converts_the_chinese_labels(tmp_path):
    text = GOOD.replace('title: "Mini study"', 'title: {en: "Mini study", zh: "满意度调查"}') + (
        "item_labels:\n  sat1: {en: Quality, zh: 质量}\n  sat2: Price\n")
    p = load_study(make_study(tmp_path, text), {"language": "zh-Hant"})
    assert p.language == "zh-Hant"
    assert p.construct_label("SAT") == "滿意度" and p.construct_label("LOY") == "Loyalty"
    assert p.item_label("sat1") == "品質" and p.item_label("sat2") == "Price" and p.item_label("sat3") == "sat3"
    assert p.title_text() == "滿意度調查" and p.title_text("en") == "Mini study"
    zh = load_study(make_study(tmp_path, text), {"language": "zh"})
    assert zh.item_label("sat1") == "质量" and zh.title_text() == "满意度调查"


def test_overrides_apply_dotted_keys(tmp_path):
    p = load_study(make_study(tmp_path), parse_overrides("bootstrap=300 efa.n_factors=2 cleaning.straightlining=false"))
    assert p.bootstrap == 300 and p.efa.n_factors == 2 and p.cleaning.straightlining is False


def _err(tmp_path, text=GOOD, header=None, overrides=None) -> str:
    kw = {} if header is None else {"header": header}
    with pytest.raises(ParamsError) as ei:
        load_study(make_study(tmp_path, text, **kw), overrides)
    return str(ei.value)


def test_unknown_top_level_key_is_named_with_suggestion(tmp_path):
    msg = _err(tmp_path, GOOD.replace("bootstrap: 200", "bootstrapp: 200"))
    assert "mini.yaml" in msg and "unknown key 'bootstrapp'" in msg and "did you mean 'bootstrap'" in msg


def test_unknown_nested_key_is_named(tmp_path):
    msg = _err(tmp_path, GOOD.replace("  id: rid", "  id: rid\n  sheeet: 1"))
    assert "unknown key 'data.sheeet'" in msg and "'sheet'" in msg


def test_wrong_type_is_named(tmp_path):
    msg = _err(tmp_path, GOOD.replace("bootstrap: 200", "bootstrap: many"))
    assert "key 'bootstrap'" in msg


def test_bad_language(tmp_path):
    msg = _err(tmp_path, GOOD.replace("language: en", "language: fr"))
    assert "key 'language'" in msg and "unknown language 'fr'" in msg
    assert "en (English), zh (Simplified Chinese), zh-Hant (Traditional Chinese)" in msg
    assert "did you mean 'zh-Hant'" in _err(tmp_path, GOOD.replace("language: en", "language: zh-hant"))


def test_missing_required_key(tmp_path):
    text = re.sub(r"constructs:\n(  .*\n)+", "", GOOD)
    assert "missing required key 'constructs'" in _err(tmp_path, text)


def test_item_not_in_data_is_named_with_near_match(tmp_path):
    msg = _err(tmp_path, header="rid,sat_1,sat2,sat3,loy1,loy2,gender")
    assert "column 'sat1'" in msg and "constructs.SAT.items" in msg and "did you mean 'sat_1'" in msg


def test_group_not_in_data(tmp_path):
    msg = _err(tmp_path, header="rid,sat1,sat2,sat3,loy1,loy2,sex")
    assert "column 'gender'" in msg and "'groups'" in msg


def test_missing_data_file(tmp_path):
    msg = _err(tmp_path, GOOD.replace("data/raw/mini.csv", "data/raw/nope.csv"))
    assert "data.path" in msg and "nope.csv" in msg and "not found" in msg


def test_reverse_item_must_be_an_item(tmp_path):
    msg = _err(tmp_path, GOOD.replace("reverse: [loy2]", "reverse: [loy3]"))
    assert "reverse" in msg and "'loy3'" in msg and "did you mean 'loy2'" in msg


def test_item_in_two_constructs(tmp_path):
    msg = _err(tmp_path, GOOD.replace("items: [loy1, loy2]", "items: [loy1, sat1]"))
    assert "sat1" in msg and "more than one construct" in msg


def test_scale_order(tmp_path):
    assert "scale.max" in _err(tmp_path, GOOD.replace("{min: 1, max: 5}", "{min: 5, max: 1}"))


def test_not_a_mapping(tmp_path):
    assert "YAML mapping" in _err(tmp_path, "- just\n- a list\n")


def test_bad_override_syntax():
    with pytest.raises(ParamsError, match="key=value"):
        parse_overrides("bootstrap")


def test_every_study_in_params_is_valid():
    files = sorted((ROOT / "params").glob("*.yaml"))
    assert files, "params/ holds no study"
    for f in files:
        p = load_study(f, root=ROOT)
        assert p.study == f.stem


def test_environment_yml_agrees_with_pyproject():
    import tomllib

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    deps = pyproject["project"]["dependencies"] + [d for extra in pyproject["project"]["optional-dependencies"].values()
                                                   for d in extra]
    norm = lambda s: re.split(r"[<>=!~ \[]", s.strip())[0].lower().replace("_", "-")
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {norm(d) for d in env["dependencies"] if isinstance(d, str)} - {"python", "pip"}
    assert {norm(d) for d in deps} == conda


def test_lock_pins_every_dependency_exactly():
    import tomllib

    lock = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, ver = line.partition("==")
            assert ver, f"requirements.lock line {line!r} is not pinned with =="
            lock[name.lower().replace("_", "-")] = ver
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    deps = pyproject["project"]["dependencies"] + [d for extra in pyproject["project"]["optional-dependencies"].values()
                                                   for d in extra]
    for d in deps:
        assert d.lower().replace("_", "-") in lock, f"{d} is not pinned in requirements.lock"


# -- the estimator and the PLS block (moved from tests/sem/test_pls.py) ----------------------------
BASE = {"study": "s", "data": {"path": "x.csv"}, "constructs": {"A": {"items": ["a1"]}}}


def test_params_estimator_and_pls_block():
    p = validate_params(BASE)
    assert p.estimator == "ml" and p.pls.missing == "mean"
    p = validate_params({**BASE, "estimator": "pls", "pls": {"missing": "listwise"}})
    assert p.estimator == "pls" and p.pls.missing == "listwise"
    with pytest.raises(ParamsError, match="estimator"):
        validate_params({**BASE, "estimator": "wls"})
    with pytest.raises(ParamsError, match="pls.missing"):
        validate_params({**BASE, "pls": {"missing": "fiml"}})
    assert {"estimator", "pls"} <= set(STAGE_KEYS["05_sem"])


def test_params_check_the_model_against_the_estimator():
    cons = {"A": {"items": ["a1", "a2"]}, "B": {"items": ["b1", "b2"]}}
    base = {**BASE, "constructs": cons}
    ok = validate_params({**base, "estimator": "pls", "model": "A <~ a1 + a2\nB =~ b1 + b2\nB ~ A"})
    assert ok.estimator == "pls"
    with pytest.raises(ParamsError, match="estimator: pls"):
        validate_params({**base, "model": "A <~ a1 + a2\nB =~ b1 + b2\nB ~ A"})
    with pytest.raises(ParamsError, match="no meaning in a PLS path model"):
        validate_params({**base, "estimator": "pls", "model": "A =~ a1 + a2\nB =~ b1 + b2\nB ~ A\na1 ~~ a2"})
