"""Per-stage stamps: a parameter only one stage reads changes only that stage's stamp."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml
from markupsafe import escape

from csat.pipeline import build
from csat.pipeline.build import STAGE_KEYS, prepare as prepare_study
from csat.config.params import ParamsError, StudyParams
from csat.report import cli as report_cli, index as report_index
from config.test_params import make_study as _make_study
from studyfactory import edit, no_half_output, prepare, project, sha


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
    assert set(StudyParams.model_fields) - used == {"title", "survey", "design"}      # survey: the report only; design: make plan


def test_prepare_writes_stamps_and_only_changed_ones_change(tmp_path):
    pfile = make_study(tmp_path)
    info = prepare_study(pfile, root=tmp_path)
    build = tmp_path / "reports" / "mini" / ".build"
    assert set(info["changed"]) >= set(STAGE_KEYS) | {"papermill.yaml", "deps.mk", "raw.json"}
    assert (build / "deps.mk").read_text().splitlines()[0] == "RAW := reports/mini/.build/raw.json"
    assert json.loads((build / "raw.json").read_text())["path"] == "data/raw/mini.csv"
    before = _mtimes(build)
    assert prepare_study(pfile, root=tmp_path)["changed"] == []          # nothing changed: nothing rewritten
    assert _mtimes(build) == before
    info = prepare_study(pfile, "bootstrap=300", root=tmp_path)              # SEM-only parameter
    assert info["changed"] == ["papermill.yaml", "05_sem"]
    pm = yaml.safe_load((build / "papermill.yaml").read_text())
    assert pm == {"params_file": str(pfile), "overrides": {"bootstrap": 300}}
    assert json.loads((build / "stage-05_sem.json").read_text())["bootstrap"] == 300


def test_prepare_rejects_study_name_mismatch(tmp_path):
    pfile = make_study(tmp_path)
    pfile.write_text(pfile.read_text().replace("study: mini", "study: other"))
    with pytest.raises(ParamsError, match="file is named 'mini'"):
        prepare_study(pfile, root=tmp_path)


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
    """With make -j, two stages can be half done when a build is killed: both workspaces go (their half
    notebooks kept in .build/failed/), not only the one status.json names; the previous outputs stay."""
    from csat.pipeline import build
    from csat.pipeline.workspace import Workspace

    pfile = make_study(tmp_path)
    build.prepare(pfile, root=tmp_path, check_intake=False)
    d = tmp_path / "reports" / "mini"
    for s in ("02_descriptives", "03_reliability_validity"):
        (d / f"{s}.ipynb").write_text("{}")                     # the previous build's
        ws = Workspace(tmp_path, "mini", s).open()
        ws.notebook.write_text("{half")
        build.running_marker(tmp_path, "mini", s).write_text('{"started": 0}\n')
    build.write_status(tmp_path, "mini", "building", "03_reliability_validity")
    build.recover_interrupted(tmp_path, "mini")
    for s in ("02_descriptives", "03_reliability_validity"):
        assert (d / f"{s}.ipynb").read_text() == "{}"
        assert (d / ".build" / "failed" / f"{s}.ipynb").read_text() == "{half"
    assert not (d / ".build" / "work").exists() or not any((d / ".build" / "work").iterdir())
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


def test_stage_06_stamp_reads_the_new_keys_and_not_the_sem_bootstrap():
    keys = STAGE_KEYS["06_drivers_segments"]
    assert {"weights", "drivers", "segments", "kano", "servqual", "seed"} <= set(keys)
    assert "bootstrap" not in keys and "weights" in STAGE_KEYS["02_descriptives"]


# ---------------------------------------------------------- prepare refuses a bad study in one line
def test_the_fixture_study_passes(tmp_path):
    project(tmp_path)
    r = subprocess.run([sys.executable, "-m", "csat.pipeline.build", "prepare", "params/mini.yaml"], cwd=tmp_path,
                       capture_output=True, text=True)
    assert r.returncode == 0 and r.stderr == "" and r.stdout == "", r.stderr
    edit(tmp_path / "params" / "mini.yaml", "seed: 1", "seed: yes")
    r = subprocess.run([sys.executable, "-m", "csat.pipeline.build", "prepare", "params/mini.yaml"], cwd=tmp_path,
                       capture_output=True, text=True)
    assert r.returncode == 2 and r.stdout == "" and r.stderr == (
        "error: params/mini.yaml: key 'seed': true is a yes/no value, not a number (YAML reads yes/no/true/false/"
        "on/off as booleans); write a number\n")


def test_any_character_in_the_data_file_name_is_safe_for_make(tmp_path):
    pf = project(tmp_path)
    odd = tmp_path / "data" / "raw" / "we$ird #name: 50% (v2).csv"
    (tmp_path / "data" / "raw" / "mini.csv").rename(odd)
    edit(pf, "path: data/raw/mini.csv", f"path: '{odd.relative_to(tmp_path)}'")
    assert prepare(tmp_path).returncode == 0
    b = tmp_path / "reports" / "mini" / ".build"
    deps = (b / "deps.mk").read_text()
    assert deps.splitlines()[0] == "RAW := reports/mini/.build/raw.json" and "we$ird" not in deps
    assert json.loads((b / "raw.json").read_text()) == {"path": "data/raw/we$ird #name: 50% (v2).csv",
                                                        "sha256": sha(odd)}
    r = subprocess.run(["make", "-f", "-", "--no-print-directory", "show"], cwd=tmp_path, capture_output=True,
                       text=True, input=f"include {b}/deps.mk\nshow: $(RAW)\n\t@echo ok $(RAW)\n")
    assert r.returncode == 0 and r.stdout == "ok reports/mini/.build/raw.json\n", r.stderr


# --------------------------------------------------------------------- build state: no stale report
def _fake_stage_outputs(root: Path, study: str = "mini") -> None:
    """Outputs of a complete build: per-stage results (recorded), notebooks, html, report."""
    from csat.pipeline import stage as st

    d = root / "reports" / study
    for s in build.STAGE_ORDER:
        stg = st.start(s, root / "params" / f"{study}.yaml", {}, root=root)
        stg.write_csv(f"only_{s}.csv", pd.DataFrame({"a": [1]}))
        stg.diagnostics([{"code": "too_few_items", "severity": "info", "where": s, "message": "m"}])  # a registered code
        stg.finish()
        for ext in ("ipynb", "html"):
            (d / f"{s}.{ext}").write_text("{}")
    for name in ("report.html", "report.pdf"):
        (d / name).write_text("old")
    build.record_success(root, study)


def refresh_index(root: Path, study: str) -> bool:
    """What the Makefile's REFRESH_INDEX does after a command that may record a failure: write
    reports/index.html (csat.report.cli index) if there is one and it is not newer than the study's
    status.json; whether it did."""
    index, status = root / "reports" / "index.html", root / "reports" / study / ".build" / "status.json"
    if not index.is_file() or (status.is_file() and index.stat().st_mtime_ns > status.stat().st_mtime_ns):
        return False
    assert report_cli.main(["index", "--root", str(root)]) == 0
    return True


def _snapshot(d: Path) -> dict:
    return {p.relative_to(d).as_posix(): p.read_bytes() for p in sorted(d.rglob("*"))
            if p.is_file() and ".build" not in p.parts}


def test_a_failed_stage_keeps_the_previous_outputs_and_is_marked_failed(tmp_path):
    """A stage writes into its workspace: when it fails, its half-run notebook goes to .build/failed/ and
    nothing of the previous build changes; the study is FAILED in status.json and the index."""
    from csat.pipeline.workspace import Workspace

    project(tmp_path)
    assert prepare(tmp_path).returncode == 0
    _fake_stage_outputs(tmp_path)
    d = tmp_path / "reports" / "mini"
    report_index.build_index(tmp_path)
    before = _snapshot(d)
    ws = Workspace(tmp_path, "mini", "03_reliability_validity").open()
    (ws.dir("results") / "only_03_reliability_validity.csv").write_text("half\n")
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output(
        "error", ename="LinAlgError", evalue="Singular matrix", traceback=[])]))
    nbformat.write(nb, ws.notebook)
    r = subprocess.run([sys.executable, "-m", "csat.pipeline.build", "failed", "--study", "mini", "--stage",
                        "03_reliability_validity"], cwd=tmp_path, capture_output=True, text=True)
    assert r.stderr == ("error: study 'mini' failed at 03_reliability_validity: LinAlgError: Singular matrix; its "
                        "previous outputs are kept (data/raw is untouched)\n")
    refresh_index(tmp_path, "mini")
    after = _snapshot(d)
    after.pop("index.html", None), before.pop("index.html", None)
    assert after == before
    assert notebook_has_error(d / ".build" / "failed" / "03_reliability_validity.ipynb")
    assert not ws.path.exists()
    st = json.loads((d / ".build" / "status.json").read_text())
    assert (st["state"], st["stage"], st["message"]) == ("failed", "03_reliability_validity",
                                                         "LinAlgError: Singular matrix")
    index = (tmp_path / "reports" / "index.html").read_text()
    assert "FAILED at 03_reliability_validity: LinAlgError: Singular matrix" in index


def notebook_has_error(path: Path) -> bool:
    return build.notebook_error(path) == "LinAlgError: Singular matrix"


def test_a_failed_prepare_leaves_no_stale_report(tmp_path):
    pf = project(tmp_path)
    assert prepare(tmp_path).returncode == 0
    _fake_stage_outputs(tmp_path)
    d = tmp_path / "reports" / "mini"
    report_index.build_index(tmp_path)
    # an override typo changes nothing: the built study stays as it is
    r = prepare(tmp_path, "efa.n_factor=3")
    assert r.returncode == 2 and (d / "report.html").exists()
    assert json.loads((d / ".build" / "status.json").read_text())["state"] == "built"
    assert not refresh_index(tmp_path, "mini")                            # nothing recorded: the index stays
    edit(pf, "LOY ~ SAT", "LOY ~ SAT + PRICE")
    r = prepare(tmp_path)
    msg = ("params/mini.yaml: key 'model': model variable 'PRICE' is neither a column of the data nor a latent "
           "variable")
    assert r.returncode == 2 and r.stderr == f"error: {msg}\n"
    assert refresh_index(tmp_path, "mini")
    no_half_output(tmp_path)
    st = json.loads((d / ".build" / "status.json").read_text())
    assert (st["state"], st["stage"], st["message"]) == ("failed", "prepare", msg)
    assert str(escape(f"FAILED at prepare: {msg}")) in (tmp_path / "reports" / "index.html").read_text()


def test_a_stage_that_starts_touches_no_output(tmp_path):
    """A stage that starts writes into its workspace (.build/work/<stage>/), with the files it reads from other
    stages linked in; the previous outputs stay until it has succeeded."""
    from csat.pipeline import stage as st

    project(tmp_path)
    assert prepare(tmp_path).returncode == 0
    _fake_stage_outputs(tmp_path)
    d = tmp_path / "reports" / "mini"
    before = _snapshot(d)
    stg = st.start("04_factor_analysis", tmp_path / "params" / "mini.yaml", {}, root=tmp_path)
    stg.write_csv("only_04_factor_analysis.csv", pd.DataFrame({"a": [2]}))
    assert stg.results == d / ".build" / "work" / "04_factor_analysis" / "results"
    assert (stg.processed / "clean.parquet").exists() is (tmp_path / "data/processed/mini/clean.parquet").exists()
    assert _snapshot(d) == before
    state = report_index.build_state(tmp_path, "mini")
    assert state["state"] == "building" and not state["current"]
    assert state["text"].startswith("INCOMPLETE: the build stopped or is running (last started: "
                                    "04_factor_analysis)")
    stg.finish()                              # run by hand: finish() commits
    assert (d / "results" / "only_04_factor_analysis.csv").read_text() == "a\n2\n"
    assert not (d / "report.html").exists() and not (d / "report.pdf").exists()     # no longer matches
    assert (d / "04_factor_analysis.ipynb").exists()         # the notebook is the driver's to replace


def test_an_interrupted_stage_is_cleaned_up_by_the_next_build(tmp_path):
    """A build killed during 05 (make gets SIGKILL) leaves the workspace with a half notebook and partial
    results: the next prepare removes it (the half notebook kept in .build/failed/), the previous outputs are
    intact and the interruption is recorded."""
    from csat.pipeline import stage as st
    from csat.pipeline.workspace import Workspace

    project(tmp_path)
    assert prepare(tmp_path).returncode == 0
    _fake_stage_outputs(tmp_path)
    d = tmp_path / "reports" / "mini"
    before = _snapshot(d)
    ws = Workspace(tmp_path, "mini", "05_sem").open(driver=os.getpid() + 10 ** 6)     # a driver now gone
    stg = st.start("05_sem", tmp_path / "params" / "mini.yaml", {}, root=tmp_path)
    ws.notebook.write_text("{half")
    stg.write_json("sem_fit.json", {"chisq": 1})
    (stg.figures / "path_diagram.svg").write_text("<svg/>")
    assert prepare(tmp_path).returncode == 0
    assert _snapshot(d) == before
    assert not ws.path.exists() and (d / ".build" / "failed" / "05_sem.ipynb").read_text() == "{half"
    status = json.loads((d / ".build" / "status.json").read_text())
    assert (status["state"], status["stage"], status["message"]) == (
        "failed", "05_sem", "the previous build was interrupted while this stage ran")


def test_a_study_keeps_only_the_explanations_of_its_estimators_cells():
    """05_sem holds the ML and the PLS cells (``%%estimator ml|pls``); the explanations of the branch that
    does not run are dropped from the notebook a study runs, so that no report shows them with nothing under
    them, and nothing else is."""
    import nbformat

    from csat.pipeline.build import drop_other_estimators, localize_notebook

    v4 = nbformat.v4
    nb = v4.new_notebook(cells=[v4.new_markdown_cell("# 05"), v4.new_code_cell("x = 1"),
                                v4.new_markdown_cell("With ml: a"), v4.new_code_cell("%%estimator ml\nshow(a)"),
                                v4.new_markdown_cell("With pls: b"), v4.new_markdown_cell("b, more"),
                                v4.new_code_cell("%%estimator pls\nshow(b)"), v4.new_markdown_cell("## End")])
    ml = [c.source for c in drop_other_estimators(nb, "ml").cells]
    assert ml == ["# 05", "x = 1", "With ml: a", "%%estimator ml\nshow(a)", "%%estimator pls\nshow(b)", "## End"]
    pls = [c.source for c in drop_other_estimators(nb, "pls").cells]
    assert pls == ["# 05", "x = 1", "%%estimator ml\nshow(a)", "With pls: b", "b, more", "%%estimator pls\nshow(b)",
                   "## End"]
    assert len(nb.cells) == 8 and drop_other_estimators(nb, None) is nb
    # the real 05_sem: every markdown cell before a cell of the other estimator goes, in every language
    real = nbformat.read(str(Path(__file__).resolve().parents[2] / "notebooks" / "05_sem.ipynb"), as_version=4)
    for language in ("en", "zh"):
        shown = drop_other_estimators(localize_notebook(real, language), "ml")
        text = "\n".join(c.source for c in shown.cells if c.cell_type == "markdown")
        assert "estimator: pls`)" not in text and "`estimator: ml`" in text
        codes = [c.source for c in shown.cells if c.cell_type == "code"]
        assert codes == [c.source for c in real.cells if c.cell_type == "code"]


def test_the_explanation_of_a_part_the_study_lacks_is_left_out():
    import nbformat

    from csat.pipeline.build import drop_absent_parts

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("A tracking study adds a section here."),
        nbformat.v4.new_markdown_cell("追踪研究在此增加一节。"),
        nbformat.v4.new_code_cell("if p.waves:\n    pass"),
        nbformat.v4.new_markdown_cell("## Kano model"),
        nbformat.v4.new_code_cell("if p.kano:\n    pass"),
        nbformat.v4.new_markdown_cell("## Correlations")])
    kept = [c.source for c in drop_absent_parts(nb, {"waves": None, "kano": None}).cells]
    assert kept == ["if p.waves:\n    pass", "## Kano model", "if p.kano:\n    pass", "## Correlations"]
    assert len(drop_absent_parts(nb, {"waves": [{"path": "a.csv"}]}).cells) == 6
    assert len(nb.cells) == 6
