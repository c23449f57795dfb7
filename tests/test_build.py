"""Per-stage stamps: a parameter only one stage reads changes only that stage's stamp."""
from __future__ import annotations

import json

import pytest
import yaml

from csat.build import STAGE_KEYS, prepare
from csat.params import ParamsError, StudyParams
from test_params import make_study as _make_study


def make_study(tmp_path, *args, **kw):
    """The mini study of test_params with 40 respondents (enough for the intake check)."""
    p = _make_study(tmp_path, *args, **kw)
    rows = ["rid,sat1,sat2,sat3,loy1,loy2,gender"]
    for i in range(40):
        a = [(i * k * 7 + k * k + i // 3) % 5 + 1 for k in range(1, 6)]
        rows.append(f"{i + 1},{a[0]},{a[1]},{a[2]},{a[3]},{a[4]},{'fm'[i % 2]}")
    (tmp_path / "data" / "raw" / "mini.csv").write_text("\n".join(rows) + "\n")
    return p


def _mtimes(build):
    return {p.name: p.stat().st_mtime_ns for p in build.iterdir()}


def test_every_schema_key_feeds_a_stage_or_the_report():
    used = {k for keys in STAGE_KEYS.values() for k in keys}
    assert set(StudyParams.model_fields) - used == {"title", "survey"}      # survey: the report only


def test_prepare_writes_stamps_and_only_changed_ones_change(tmp_path):
    pfile = make_study(tmp_path)
    info = prepare(pfile, root=tmp_path)
    build = tmp_path / "reports" / "mini" / ".build"
    assert set(info["changed"]) >= set(STAGE_KEYS) | {"papermill.yaml", "deps.mk", "raw.json"}
    assert (build / "deps.mk").read_text() == "RAW := reports/mini/.build/raw.json\n"
    assert json.loads((build / "raw.json").read_text())["path"] == "data/raw/mini.csv"
    before = _mtimes(build)
    assert prepare(pfile, root=tmp_path)["changed"] == []          # nothing changed: nothing rewritten
    assert _mtimes(build) == before
    info = prepare(pfile, "bootstrap=300", root=tmp_path)              # SEM-only parameter
    assert info["changed"] == ["papermill.yaml", "05_sem"]
    pm = yaml.safe_load((build / "papermill.yaml").read_text())
    assert pm == {"params_file": str(pfile), "overrides": {"bootstrap": 300}}
    assert json.loads((build / "stage-05_sem.json").read_text())["bootstrap"] == 300


def test_prepare_rejects_study_name_mismatch(tmp_path):
    pfile = make_study(tmp_path)
    pfile.write_text(pfile.read_text().replace("study: mini", "study: other"))
    with pytest.raises(ParamsError, match="file is named 'mini'"):
        prepare(pfile, root=tmp_path)
