"""Integration: ``make new`` then ``make study`` with no hand edit, for each kind of export (tests/exports.py), in
one copy of the project: the report is built and its results say the constructs, groups and n the export was
made with.  Kept cheap: 160 respondents and no bootstrap (``BOOTSTRAP=0``, a command-line override, not an edit)."""
from __future__ import annotations

import json
import shutil

import pytest
import yaml

from exports import KINDS, make_export
from integration.test_pipeline import _copy_project, _make

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    proj = tmp_path_factory.mktemp("newstudy") / "project"
    _copy_project(proj)
    return proj


@pytest.mark.parametrize("kind", KINDS)
def test_make_new_then_make_study_builds_the_report(project, kind):
    raw = project / "data" / "raw"
    path, truth = make_export(kind, project / "tmp_exports" / kind)
    dest = raw / path.name
    shutil.copy2(path, dest)
    study = f"new_{kind}"
    r = _make(project, "new", f"STUDY={study}", f"DATA=data/raw/{path.name}")
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    params = yaml.safe_load((project / "params" / f"{study}.yaml").read_text(encoding="utf-8"))
    assert {k: v["items"] for k, v in params["constructs"].items()} == truth.constructs
    r = _make(project, "new", f"STUDY={study}", f"DATA=data/raw/{path.name}")
    assert r.returncode != 0 and "already exists" in r.stderr            # never overwritten
    r = _make(project, "study", f"STUDY={study}", "BOOTSTRAP=0")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    out = project / "reports" / study
    assert (out / "report.pdf").stat().st_size > 10_000 and (out / "report.html").is_file()
    cleaning = json.loads((out / "results" / "cleaning.json").read_text(encoding="utf-8"))
    assert cleaning["n_raw"] == truth.n
    codebook = (project / "data" / "processed" / study / "codebook.csv").read_text(encoding="utf-8")
    for items in truth.constructs.values():
        for it in items:
            assert it in codebook
    clean = (project / "data" / "processed" / study / "clean.csv").read_text(encoding="utf-8").splitlines()
    assert len(clean) - 1 == cleaning["n_clean"] > 0.9 * truth.n
    header = clean[0].split(",")
    assert all(g in header for g in truth.groups) and (truth.recommend is None or truth.recommend in header)
