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

from studyfactory import PARAMS, edit, fails_with, prepare, project

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


# --------------------------------------------------------------- params mistakes refused by prepare
#: Mistakes in params/mini.yaml, each made by text edits of the file and refused by ``prepare`` with
#: one line: steps of ``(old, new, expected error or None)`` (None: an edit without a check, e.g. undoing
#: the previous mistake).
PARAMS_MISTAKES = {
    "a_yaml_boolean_is_never_a_number": [
        ("bootstrap: 1000", "bootstrap: yes",
         "params/mini.yaml: key 'bootstrap': true is a yes/no value, not a number (YAML reads yes/no/true/false/on/off "
         "as booleans); write a number"),
        ("bootstrap: yes", "bootstrap: 1000", None),
        ("min: 1, max: 5", "min: off, max: 5",
         "params/mini.yaml: key 'scale.min': false is a yes/no value, not a number (YAML reads yes/no/true/false/on/"
         "off as booleans); write a number")],
    "a_key_written_twice_is_named_with_its_lines": [
        ("seed: 1\n", "seed: 1\nseed: 2\n",
         "params/mini.yaml: key 'seed' is written twice (lines 23 and 24); YAML would silently keep only the last "
         "one: delete or merge one of them")],
    "one_column_in_two_roles": [
        ("groups: [gender]", "groups: [gender, sat2]",
         "params/mini.yaml: groups: 'sat2' is an item of construct 'SAT'; a column cannot be both an item and a "
         "group (list the group column, e.g. gender, instead)")],
    "missing_codes_inside_the_scale_are_refused": [
        ("missing_codes: [99]", "missing_codes: [99, 5]",
         "params/mini.yaml: missing_codes: 5 lies inside the answer scale 1–5, so real answers 5 would be deleted; "
         "use a code outside the scale (e.g. 99 or -1)")],
    "speeder_rule_without_a_duration_column": [
        ("  duration: secs\n", "",
         "params/mini.yaml: cleaning.min_duration / cleaning.speeder_median_ratio is set but data.duration (the "
         "completion-time column) is not; set data.duration or switch the speeder rule off")],
    "model_variable_that_is_not_a_column_or_construct": [
        ("LOY ~ SAT", "LOY ~ SAT + VALL",
         "params/mini.yaml: key 'model': model variable 'VALL' is neither a column of the data nor a latent variable "
         "(did you mean 'VAL'?)")],
    "model_variable_the_analysis_data_do_not_hold": [
        ("LOY ~ SAT", "LOY ~ SAT + gender",
         "params/mini.yaml: key 'model': model variable 'gender' is a group column (categories, not numbers); code "
         "it as numbers in a column of its own and make that an item of a construct to use it in the model"),
        ("LOY ~ SAT + gender", "LOY ~ SAT + rid",
         "params/mini.yaml: key 'model': model variable 'rid' is a column of the data but not an item of any "
         "construct, so the analysis data do not hold it; add it to a construct's items (a single-item construct) "
         "to use it in the model")],
    "model_syntax_error_names_the_line": [
        ("LOY ~ SAT", "LOY ~ SAT +",
         "params/mini.yaml: key 'model': model syntax error on line 5: empty term (a '+' with nothing after it): "
         "'LOY ~ SAT +'")],
    "unknown_ipma_target": [
        ("target: SAT", "target: SATS",
         "params/mini.yaml: ipma.target: 'SATS' is not a construct (did you mean 'SAT'?)")],
    "ipma_target_that_no_path_leads_to": [
        ("target: SAT", "target: VAL",
         "params/mini.yaml: key 'ipma.target': no path in the model leads to 'VAL', so it has no importance map; "
         "choose a construct that paths lead to (SAT, LOY)")],
}


@pytest.mark.parametrize("case", list(PARAMS_MISTAKES))
def test_a_params_mistake_is_one_line(tmp_path, case):
    pf = project(tmp_path)
    for old, new, expected in PARAMS_MISTAKES[case]:
        edit(pf, old, new)
        if expected is not None:
            fails_with(tmp_path, expected)


def test_gbk_params_file_is_read_and_a_foreign_encoding_named(tmp_path):
    pf = project(tmp_path)
    pf.write_bytes(PARAMS.replace('title: "Mini"', 'title: "迷你研究：满意度"').encode("gbk"))
    assert prepare(tmp_path).returncode == 0
    assert load_study(pf).title == "迷你研究：满意度"
    pf.write_bytes(PARAMS.encode("utf-8") + "# \udcff".encode("utf-8", "surrogateescape") + b"\xff\xfe\xff\n")
    fails_with(tmp_path, "params/mini.yaml: cannot read the file's text encoding (not UTF-8: byte "
                         f"{len(PARAMS.encode()) + 2}, line 24; not GBK/GB18030 either); save it as UTF-8")


def test_an_override_typo_is_blamed_on_the_override_not_the_file(tmp_path):
    project(tmp_path)
    fails_with(tmp_path, "override efa.n_factor=... (command line / SET=): unknown key 'efa.n_factor' (did you "
                         "mean 'n_factors'?); the params file was not changed", overrides="efa.n_factor=3")
    fails_with(tmp_path, "params/mini.yaml: override bootstrap='many' (command line / SET=): Input should be a "
                         "valid integer, unable to parse string as an integer", overrides="bootstrap=many")


def test_validate_params_refuses_booleans_everywhere():
    base = {"study": "x", "data": {"path": "x.csv"}, "constructs": {"A": {"items": ["a1", "a2", "a3"]}}}
    for key, val in [("seed", True), ("efa", {"n_factors": True}), ("missing_codes", [True]),
                     ("labels", {"yes": True}), ("thresholds", {"alpha": False})]:
        with pytest.raises(ParamsError, match="is a yes/no value, not a number|is not a number of factors"):
            validate_params({**base, key: val})


def test_thresholds_are_proportions(tmp_path):
    project(tmp_path, PARAMS + "thresholds: {alpha: 70}\n")
    fails_with(tmp_path, "params/mini.yaml: key 'thresholds.alpha': Input should be less than or equal to 1")


# -------------------------------------------------------------------- names and scales of any study
def test_params_reject_names_a_model_cannot_use():
    base = {"study": "s", "data": {"path": "x.csv"}}
    validate_params({**base, "constructs": {"服务": {"items": ["服务1", "服务2"]}}})
    with pytest.raises(ParamsError, match=r"constructs\.服务\.items: item name '服务 1'"):
        validate_params({**base, "constructs": {"服务": {"items": ["服务 1", "服务2"]}}})
    with pytest.raises(ParamsError, match="construct name '服务质量（总）'"):
        validate_params({**base, "constructs": {"服务质量（总）": {"items": ["a"]}}})


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


# ---------------------------------------------------------------------- keys of 06_drivers_segments
DRIVERS_BASE = {"study": "s", "data": {"path": "x.csv"},
        "constructs": {"QUAL": {"items": ["q1", "q2"]}, "SAT": {"items": ["s1", "s2"]}}}


def _v(**extra):
    return validate_params({**DRIVERS_BASE, **extra}, "params/s.yaml")


@pytest.mark.parametrize("extra, msg", [
    ({"weights": {}}, "give weights.column, weights.rake or both"),
    ({"weights": {"rake": {"sex": {"f": 0.6, "m": 0.6}}}}, "weights.rake.sex: the shares sum to 1.2"),
    ({"segments": {"k": 1}}, "k must be auto or a whole number from 2 to 20"),
    ({"segments": {"method": "dbscan"}}, "segments.method"),
    ({"segments": {"on": ["QUALL"]}}, "segments.on: 'QUALL' is not a construct (did you mean 'QUAL'?)"),
    ({"servqual": {"tang": {"expectation": ["a", "b"], "perception": ["c"]}}}, "2 expectation items but 1 perception"),
    ({"kano": {"app": {"functional": "f"}}}, "kano.app.dysfunctional"),
    ({"drivers": {"target": "SATT"}}, "drivers.target: 'SATT' is not a construct or item (did you mean 'SAT'?)"),
])
def test_bad_keys_fail_with_the_key_named(extra, msg):
    with pytest.raises(ParamsError) as e:
        _v(**extra)
    assert msg in str(e.value)


def test_keys_are_optional_and_present_keys_get_defaults():
    p = _v()
    assert p.weights is p.drivers is p.segments is p.kano is p.servqual is None
    p = _v(drivers={}, segments={}, weights={"rake": {"sex": {"f": 0.5, "m": 0.5}, "age": {1: 0.3, 2: 0.7}}})
    assert (p.drivers.bootstrap, p.segments.k, p.segments.method, p.segments.on) == (1000, "auto", "kmeans", None)
    assert p.extra_columns == {"sex": "weights.rake.sex", "age": "weights.rake.age"}


def test_columns_named_by_the_new_keys_are_checked_in_the_data(tmp_path):
    (tmp_path / "params").mkdir()
    (tmp_path / "d.csv").write_text("q1,q2,s1,s2,kf,w\n1,2,3,4,1,1\n", encoding="utf-8")
    raw = {**DRIVERS_BASE, "data": {"path": "d.csv"}, "weights": {"column": "w"},
           "kano": {"app": {"functional": "kf", "dysfunctional": "kd"}}}
    f = tmp_path / "params" / "s.yaml"
    f.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ParamsError, match=r"column 'kd' \(key 'kano.app.dysfunctional'\) is not in d.csv"):
        load_study(f)


# ----------------------------------------------- keys of tracking studies (invariance.group, waves)
HEADER = "rid,sat1,sat2,sat3,loy1,loy2,gender,wave"


def _study(tmp_path, extra: str):
    p = make_study(tmp_path, GOOD + extra, header=HEADER)
    csv = tmp_path / "data" / "raw" / "mini.csv"
    csv.write_text(HEADER + "\n1,1,2,3,4,5,f,2024\n2,2,3,4,5,1,m,2025\n3,2,3,4,5,2,m,2025\n")
    return p


def test_tracking_keys_load(tmp_path):
    p = load_study(_study(tmp_path, "invariance: {group: gender}\nwaves: {column: wave, order: [2024, 2025]}\n"))
    assert p.invariance.group == "gender"
    assert p.waves.column == "wave" and p.waves.order == [2024, 2025]
    assert "wave" in p.data_columns and "gender" in p.data_columns
    assert "waves" in STAGE_KEYS["02_descriptives"] and "waves" in STAGE_KEYS["04_factor_analysis"]
    assert "invariance" in STAGE_KEYS["04_factor_analysis"] and "waves" in STAGE_KEYS["01_cleaning"]


def test_defaults_off(tmp_path):
    p = load_study(_study(tmp_path, ""))
    assert p.invariance is None and p.waves is None


def test_group_column_must_exist(tmp_path):
    with pytest.raises(ParamsError, match=r"column 'gendr' \(key 'invariance.group'\).*did you mean 'gender'"):
        load_study(_study(tmp_path, "invariance: {group: gendr}\n"))
    with pytest.raises(ParamsError, match=r"column 'wav' \(key 'waves.column'\)"):
        load_study(_study(tmp_path, "waves: {column: wav}\n"))


def test_wave_order_levels_must_exist(tmp_path):
    with pytest.raises(ParamsError, match=r"key 'waves.order': wave\(s\) \['2026'\] do not occur in column 'wave'"):
        load_study(_study(tmp_path, "waves: {column: wave, order: ['2024', '2026']}\n"))
    with pytest.raises(ParamsError, match="at least 2 waves"):
        load_study(_study(tmp_path, "waves: {column: wave, order: [2024]}\n"))
    with pytest.raises(ParamsError, match="listed twice"):
        load_study(_study(tmp_path, "waves: {column: wave, order: [2024, '2024']}\n"))


def test_group_column_is_not_an_item(tmp_path):
    with pytest.raises(ParamsError, match="waves.column: 'sat1' is an item"):
        load_study(_study(tmp_path, "waves: {column: sat1}\n"))
    with pytest.raises(ParamsError, match="unknown key 'waves.colum'"):
        load_study(_study(tmp_path, "waves: {colum: wave}\n"))


def test_wave_and_group_columns_reach_the_clean_data(tmp_path):
    from csat.intake import cleaning, readers as io

    path = _study(tmp_path, "invariance: {group: gender}\nwaves: {column: wave}\ngroups: []\n".replace("groups: []\n", ""))
    p = load_study(path, {"groups": []})
    assert p.grouping_columns == ["gender", "wave"]
    raw, _ = io.load_study_data(p, path, root=tmp_path)
    assert {"gender", "wave"} <= set(raw.columns)
    res = cleaning.clean(raw, p.model_copy(update={"cleaning": p.cleaning.model_copy(update={"straightlining": False})}))
    assert {"gender", "wave"} <= set(res.data.columns)


def test_estimator_and_ordered(tmp_path):
    """lavaan's estimator names; ordered with estimator unset means wlsmv; what does not go together is named."""
    p = load_study(make_study(tmp_path), parse_overrides("estimator=mlr"))
    assert (p.estimator, p.sem_estimator, p.ordered_items) == ("mlr", "mlr", [])
    p = load_study(make_study(tmp_path), parse_overrides("ordered=true"))
    assert p.estimator == "wlsmv" and p.ordered_items == p.items
    p = load_study(make_study(tmp_path, GOOD + "ordered: [sat1, sat2]\n"))
    assert p.estimator == "wlsmv" and p.ordered_items == ["sat1", "sat2"]
    assert load_study(make_study(tmp_path), parse_overrides("estimator=pls")).sem_estimator == "ml"
    assert "ordinal items are estimated by wlsmv" in _err(tmp_path, GOOD + "estimator: mlr\nordered: true\n")
    assert "'sat9' is not an item" in _err(tmp_path, GOOD + "ordered: [sat9]\n")
    assert "needs ordinal items" in _err(tmp_path, GOOD + "estimator: wlsmv\n")
    assert "does not go with estimator: mlm" in _err(tmp_path, GOOD + "estimator: mlm\nsem_missing: fiml\n")
    assert "estimator" in _err(tmp_path, GOOD + "estimator: wls\n")


@pytest.mark.parametrize("design, msg", [
    ({"margin": 0}, "key 'design.margin': Input should be greater than 0"),
    ({"margin": 1}, "key 'design.margin': Input should be less than 1"),
    ({"margin_group": 1.5}, "key 'design.margin_group'"),
    ({"power": 1}, "key 'design.power'"),
    ({"power": 0}, "key 'design.power'"),
    ({"response_rate": 0}, "key 'design.response_rate'"),
    ({"valid_rate": 1.2}, "key 'design.valid_rate'"),
    ({"strata": {"region": {"north": 0, "south": 10}}}, "region.north: a stratum needs a population size above 0"),
    ({"strata": {"region": {"north": None, "south": 10}}}, "design.strata"),
    ({"allocation": "neyman", "strata": {"region": {"n": 5, "s": 9}}, "strata_sd": {"n": 10}},
     "design.strata_sd: Neyman allocation needs the SD of every stratum; missing ['s']"),
    ({"population": 100, "strata": {"region": {"n": 5, "s": 9}}}, "design.population (100) differs"),
    ({"allocation": "optimal"}, "design.allocation"),
])
def test_impossible_plans_fail_in_one_line_naming_the_key(design, msg):
    with pytest.raises(ParamsError) as e:
        _v(design=design)
    assert msg in str(e.value) and "\n" not in str(e.value)


def test_the_demo_design_is_valid():
    from csat.config.params import load_params
    d = load_params(Path(__file__).parents[2] / "params" / "demo.yaml").design
    assert d.stratum_column == "region" and d.allocation == "neyman" and d.power == 0.8
