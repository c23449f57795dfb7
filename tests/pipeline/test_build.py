"""Per-stage stamps: a parameter only one stage reads changes only that stage's stamp."""
from __future__ import annotations

import json
import re

import pytest
import yaml

from csat.pipeline.build import STAGE_KEYS, prepare
from csat.config.params import ParamsError, StudyParams
from config.test_params import make_study as _make_study


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
    assert (build / "deps.mk").read_text().splitlines()[0] == "RAW := reports/mini/.build/raw.json"
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


def test_default_params_file_follows_csat_study(tmp_path, monkeypatch):
    """A notebook opened in JupyterLab (working folder notebooks/) runs params/$CSAT_STUDY.yaml, demo by default."""
    from csat.pipeline.stage import default_params_file, find_root

    (tmp_path / "params").mkdir()
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "pyproject.toml").write_text("")
    for s in ("demo", "ecsi"):
        (tmp_path / "params" / f"{s}.yaml").write_text(f"study: {s}\n")
    monkeypatch.delenv("CSAT_ROOT", raising=False)
    monkeypatch.delenv("CSAT_STUDY", raising=False)
    monkeypatch.chdir(tmp_path / "notebooks")
    assert find_root() == tmp_path.resolve()
    assert default_params_file() == str(tmp_path.resolve() / "params" / "demo.yaml")
    monkeypatch.setenv("CSAT_STUDY", "ecsi")
    assert default_params_file() == str(tmp_path.resolve() / "params" / "ecsi.yaml")
    monkeypatch.chdir(tmp_path)
    assert default_params_file() == "params/ecsi.yaml"                 # papermill's working folder: relative
    monkeypatch.setenv("CSAT_STUDY", "nosuch")
    # no check here: under make the injected parameters cell replaces the default, so a project without
    # params/demo.yaml must not fail in the parameters cell (it did, in make bench's programme case)
    assert default_params_file() == "params/nosuch.yaml"
    from csat.pipeline.stage import start

    with pytest.raises(ParamsError, match=r"CSAT_STUDY='nosuch': params/nosuch.yaml not found \(studies: demo, ecsi\)"):
        start("01_cleaning", default_params_file())


def test_diagnostics_order_does_not_depend_on_the_order_stages_ran(tmp_path):
    from csat.core.diagnostics import merge_diagnostics

    d = {"code": "out_of_range", "severity": "warning", "where": "w", "message": "m"}
    a, b = tmp_path / "a" / "diagnostics.json", tmp_path / "b" / "diagnostics.json"
    for s in ("03_reliability_validity", "02_descriptives", "04_factor_analysis"):
        merge_diagnostics(a, s, [dict(d, message=s)])
    for s in ("02_descriptives", "04_factor_analysis", "03_reliability_validity"):
        merge_diagnostics(b, s, [dict(d, message=s)])
    assert a.read_bytes() == b.read_bytes()
    assert [x["stage"] for x in json.loads(a.read_text())] == ["02_descriptives", "03_reliability_validity",
                                                              "04_factor_analysis"]


def test_diagnostics_written_concurrently_keep_every_stage(tmp_path):
    """Stages running at once (make -j) each merge their entries; none is lost."""
    from concurrent.futures import ProcessPoolExecutor

    from csat.core.diagnostics import merge_diagnostics

    f = tmp_path / "results" / "diagnostics.json"
    stages = [f"{i:02d}_s" for i in range(1, 13)]
    with ProcessPoolExecutor(4) as ex:
        list(ex.map(merge_diagnostics, [f] * len(stages), stages,
                    [[{"code": "out_of_range", "severity": "warning", "where": s, "message": "m"}] for s in stages]))
    assert [x["stage"] for x in json.loads(f.read_text())] == stages


def test_interrupted_parallel_stages_are_all_recovered(tmp_path):
    """With make -j, two stages can be half done when a build is killed: both are removed, not only the one
    status.json names."""
    from csat.pipeline import build

    pfile = make_study(tmp_path)
    build.prepare(pfile, root=tmp_path, check_intake=False)
    d = tmp_path / "reports" / "mini"
    for s in ("02_descriptives", "03_reliability_validity"):
        (d / f"{s}.ipynb").write_text("{}")
        build.running_marker(tmp_path, "mini", s).write_text('{"started": 0}\n')
    build.write_status(tmp_path, "mini", "building", "03_reliability_validity")
    build.recover_interrupted(tmp_path, "mini")
    assert not (d / "02_descriptives.ipynb").exists() and not (d / "03_reliability_validity.ipynb").exists()
    assert not list((d / ".build").glob("running-*"))
    assert build.read_status(tmp_path, "mini")["state"] == "failed"


# ---------------------------------------------------------------- the stage kernel's preload
class _FakeSpec:
    def __init__(self, argv):
        self.argv = argv


class _FakeKM:
    def __init__(self, argv):
        self.kernel_spec = _FakeSpec(argv)


def test_stage_kernels_preload_only_when_they_are_ipykernel():
    from csat.pipeline.build import preload_arguments

    ipy = _FakeKM(["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"])
    assert preload_arguments(ipy) == ["--IPKernelApp.exec_lines=import csat.pipeline.kernel_preload"]
    assert preload_arguments(_FakeKM(["R", "--slave", "-e", "IRkernel::main()", "--args", "{connection_file}"])) == []
    assert preload_arguments(object()) == []            # no kernel spec at all: nothing added


def test_kernel_preload_loads_the_modules():
    """In a fresh interpreter (as a kernel boots): the preload imports every module of MODULES, and
    nothing fails."""
    import subprocess
    import sys

    code = ("import sys, json; import csat.pipeline.kernel_preload as k; "
            "print(json.dumps({'missing': [m for m in k.MODULES if m not in sys.modules]}))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["missing"] == []
    assert r.stderr.strip() == ""                       # nothing failed to import


# ---------------------------------------------------------------- build state and the index
def test_a_finished_build_says_when_the_index_is_out_of_date(tmp_path):
    """record_success records ``built`` and returns whether reports/index.html (the report's, written
    above this layer) must be written: the state changed, or there is no index."""
    from csat.core import paths
    from csat.pipeline import build

    build.write_status(tmp_path, "mini", "building", "05_sem")
    assert build.record_success(tmp_path, "mini") is True
    assert build.read_status(tmp_path, "mini")["state"] == "built"
    assert build.record_success(tmp_path, "mini") is True               # built, but no index yet
    paths.index_file(tmp_path).parent.mkdir(parents=True, exist_ok=True)
    paths.index_file(tmp_path).write_text("index")
    before = build.status_path(tmp_path, "mini").stat().st_mtime_ns
    assert build.record_success(tmp_path, "mini") is False              # nothing to do: nothing written
    assert build.status_path(tmp_path, "mini").stat().st_mtime_ns == before


def _recipes() -> list[str]:
    """The Makefile's logical lines (continuation lines joined)."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "Makefile").read_text(encoding="utf-8")
    return text.replace("\\\n", " ").splitlines()


def test_the_makefile_writes_the_index_after_every_command_that_records_a_state():
    """csat.pipeline.build records a study's state but cannot write reports/index.html (the report's, a layer
    above): the Makefile does it after each command that may record one."""
    lines = _recipes()
    found = {"prepare": 0, "run": 0, "failed": 0, "finished": 0}
    for i, line in enumerate(lines):
        m = re.search(r"-m csat\.pipeline\.build (prepare|run|failed|finished)\b", line)
        if not m:
            continue
        found[m.group(1)] += 1
        if m.group(1) == "finished":
            assert lines[i + 1].strip() == "@$(WRITE_INDEX)", line
        else:
            assert "$(REFRESH_INDEX)" in line, line
    assert all(found.values()), found
    assert any("--command-module csat.report.cli" in line for line in lines)    # the fork server preloads it
