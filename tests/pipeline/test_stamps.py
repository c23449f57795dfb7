"""Build stamps (csat.pipeline.stamps): Make re-runs every stage whose outputs' stamp is not current, and the report
refuses outputs of two builds, naming the stage to re-run."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from csat.core.errors import ReportError
from csat.pipeline import stamps
from csat.pipeline.graph import STAGES
from csat.report.html import check_assembly
from studyfactory import prepare, project


def _run(root: Path, stage: str, overrides: dict | None = None) -> None:
    """A stage run by hand (no driver): it writes into its workspace and finish() commits it with its stamp."""
    from csat.pipeline import stage as st

    stg = st.start(stage, root / "params" / "mini.yaml", overrides or {}, root=root)
    stg.write_csv(f"only_{stage}.csv", pd.DataFrame({"a": [1]}))
    stg.finish()
    d = root / "reports" / "mini"
    (d / f"{stage}.ipynb").write_text("{}")


def _stale_mk(root: Path) -> list[str]:
    text = (root / "reports/mini/.build/stale.mk").read_text()
    return [line.split("/")[1].split(".ipynb")[0] for line in text.splitlines()]


@pytest.fixture
def built(tmp_path):
    project(tmp_path)
    assert prepare(tmp_path).returncode == 0
    assert _stale_mk(tmp_path) == STAGES                     # nothing built: everything to run
    for s in STAGES:
        _run(tmp_path, s)
    assert prepare(tmp_path).returncode == 0
    return tmp_path


def test_a_complete_build_is_current(built):
    assert _stale_mk(built) == []
    assert stamps.check(built, "mini") == []
    st = stamps.read(built, "mini", "04_factor_analysis")
    assert set(st) == {"stage", "params", "code", "notebook", "data", "inputs", "id"}
    assert set(st["inputs"]) == {"01_cleaning", "03_reliability_validity"}


def test_a_changed_seed_makes_every_stage_reading_it_stale_and_the_report_refuses_a_mix(built):
    assert prepare(built, "seed=2").returncode == 0
    assert _stale_mk(built) == ["04_factor_analysis", "05_sem", "06_drivers_segments"]
    _run(built, "05_sem", {"seed": 2})                           # only 05 ran again (the case)
    assert prepare(built, "seed=2").returncode == 0
    assert _stale_mk(built) == ["04_factor_analysis", "06_drivers_segments"]
    problems = stamps.check(built, "mini")
    assert problems == ["04_factor_analysis: its outputs were computed with other parameters; re-run "
                        "04_factor_analysis (make study STUDY=mini)",
                        "06_drivers_segments: its outputs were computed with other parameters; re-run "
                        "06_drivers_segments (make study STUDY=mini)"]
    nbs = {s: built / "reports/mini" / f"{s}.ipynb" for s in STAGES}
    with pytest.raises(ReportError, match=r"^reports/mini: the stage outputs do not belong to one build: "
                                          r"04_factor_analysis: its outputs were computed with other parameters; "
                                          r"re-run 04_factor_analysis \(make study STUDY=mini\) \(and 1 more\)$"):
        check_assembly(built, "mini", nbs)


def test_a_stage_with_other_outputs_makes_its_readers_stale(built):
    """03's outputs replaced by a run from other inputs (its stamp id differs): 04 and 05 read the old ones."""
    st = stamps.read(built, "mini", "03_reliability_validity")
    stamps.write(built, "mini", "03_reliability_validity", {**st, "id": "0" * 64})
    assert prepare(built).returncode == 0
    assert _stale_mk(built) == ["04_factor_analysis", "05_sem"]
    assert stamps.why_stale(built, "mini", "05_sem") == ("its outputs were computed from other outputs of "
                                                          "03_reliability_validity")


def test_other_code_or_data_makes_every_stage_stale(built, monkeypatch):
    monkeypatch.setattr(stamps, "code_version", lambda: "other")
    assert prepare(built).returncode == 0
    assert _stale_mk(built) == STAGES
    assert stamps.why_stale(built, "mini", "01_cleaning") == "its outputs were computed with another version of csat"
    monkeypatch.undo()
    raw = built / "data/raw/mini.csv"
    raw.write_text(raw.read_text().replace("\n1,", "\n1,", 1) + "")      # same bytes: still current
    assert prepare(built).returncode == 0 and _stale_mk(built) == []


def test_the_report_refuses_a_notebook_with_an_error(built):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output(
        "error", ename="PermissionError", evalue="[Errno 1] Operation not permitted", traceback=[])]))
    nbs = {s: built / "reports/mini" / f"{s}.ipynb" for s in STAGES}
    nbformat.write(nb, nbs["05_sem"])
    with pytest.raises(ReportError, match=r"05_sem.ipynb: the notebook holds an error \(PermissionError: "
                                          r"\[Errno 1\] Operation not permitted\); re-run 05_sem"):
        check_assembly(built, "mini", nbs)


def test_the_code_version_needs_no_git():
    v = stamps.code_version()
    assert len(v) == 64 and v == stamps.code_version()
