"""Params keys of 06_drivers_segments: validation messages name the key, and columns named by
weights/kano/servqual are checked against the data file before any analysis."""
from __future__ import annotations

import pytest
import yaml

from csat.pipeline.build import STAGE_KEYS
from csat.config.params import ParamsError, validate_params
from csat.intake.preflight import load_study

BASE = {"study": "s", "data": {"path": "x.csv"},
        "constructs": {"QUAL": {"items": ["q1", "q2"]}, "SAT": {"items": ["s1", "s2"]}}}


def _v(**extra):
    return validate_params({**BASE, **extra}, "params/s.yaml")


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
    raw = {**BASE, "data": {"path": "d.csv"}, "weights": {"column": "w"},
           "kano": {"app": {"functional": "kf", "dysfunctional": "kd"}}}
    f = tmp_path / "params" / "s.yaml"
    f.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ParamsError, match=r"column 'kd' \(key 'kano.app.dysfunctional'\) is not in d.csv"):
        load_study(f)


def test_stage_06_stamp_reads_the_new_keys_and_not_the_sem_bootstrap():
    keys = STAGE_KEYS["06_drivers_segments"]
    assert {"weights", "drivers", "segments", "kano", "servqual", "seed"} <= set(keys)
    assert "bootstrap" not in keys and "weights" in STAGE_KEYS["02_descriptives"]
