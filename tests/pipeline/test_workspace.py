"""A stage's workspace (csat.pipeline.workspace): outputs replace the old ones all together, or not at all."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from csat.pipeline import stamps, workspace
from csat.pipeline.workspace import CommitError, Workspace

STUDY = "s"


def _previous_build(root: Path) -> Path:
    """Committed outputs of 03 and 05 (as a build leaves them) and a report."""
    d = root / "reports" / STUDY
    (d / ".build").mkdir(parents=True)
    for stage, files in {"03_reliability_validity": {"results/cfa.json": "{}\n", "results/diagnostics.json":
                                                     json.dumps([{"stage": "03_reliability_validity", "code": "x"}])},
                         "05_sem": {"results/sem_fit.json": "old\n", "results/sem_r2.csv": "old\n",
                                    "results/only_old.csv": "old\n", "figures/path_diagram.png": "old"}}.items():
        ws = Workspace(root, STUDY, stage).open()
        for rel, text in files.items():
            (ws.path / rel).parent.mkdir(parents=True, exist_ok=True)
            (ws.path / rel).write_text(text)
        ws.notebook.write_text(f"nb {stage} old")
        ws.html.write_text(f"html {stage} old")
        ws.commit()
    for name in ("report.html", "report.pdf"):
        (d / name).write_text("old report")
    return d


def _files(d: Path) -> dict[str, str]:
    return {p.relative_to(d).as_posix(): p.read_text() for p in sorted(d.rglob("*"))
            if p.is_file() and ".build" not in p.parts}


def _new_run(root: Path) -> Workspace:
    ws = Workspace(root, STUDY, "05_sem").open(driver=None)
    assert (ws.dir("results") / "diagnostics.json").is_file()         # 05 reads 03's diagnostics: linked in
    (ws.dir("results") / "sem_fit.json").write_text("new\n")
    (ws.dir("results") / "sem_r2.csv").write_text("new\n")
    (ws.dir("figures") / "path_diagram.png").write_text("new")
    ws.notebook.write_text("nb 05_sem new")
    ws.html.write_text("html 05_sem new")
    return ws


def test_a_commit_replaces_the_outputs_removes_the_unwritten_ones_and_the_report(tmp_path):
    d = _previous_build(tmp_path)
    ws = _new_run(tmp_path)
    ws.commit()
    files = _files(d)
    assert files["results/sem_fit.json"] == "new\n" and files["figures/path_diagram.png"] == "new"
    assert files["05_sem.ipynb"] == "nb 05_sem new" and files["05_sem.html"] == "html 05_sem new"
    assert "results/only_old.csv" not in files and "report.html" not in files and "report.pdf" not in files
    assert files["results/cfa.json"] == "{}\n"                         # another stage's: untouched
    assert json.loads(files["results/diagnostics.json"])[0]["stage"] == "03_reliability_validity"
    assert not ws.path.exists()
    assert stamps.read(tmp_path, STUDY, "05_sem")["stage"] == "05_sem"


def test_a_file_that_cannot_be_moved_fails_the_commit_and_changes_nothing(tmp_path, monkeypatch):
    """The simulated case: os.replace refuses one old output (a file held open on a share, a read-only folder)."""
    d = _previous_build(tmp_path)
    before = _files(d)
    ws = _new_run(tmp_path)
    real = os.replace

    def refuse(src, dst, *a, **kw):
        if Path(src).name == "sem_r2.csv" and "reports" in Path(src).parts and ".build" not in Path(src).parts:
            raise PermissionError(1, "Operation not permitted", str(src))
        return real(src, dst, *a, **kw)

    monkeypatch.setattr(workspace.os, "replace", refuse)
    with pytest.raises(CommitError) as e:
        ws.commit()
    assert str(e.value) == "cannot replace reports/s/results/sem_r2.csv (Operation not permitted)"
    assert _files(d) == before                                    # all old outputs back, no new one placed
    assert stamps.read(tmp_path, STUDY, "05_sem") is None          # not current: the next build re-runs 05
    kept = ws.abandon()
    assert kept == tmp_path / "reports/s/.build/failed/05_sem.ipynb" and kept.read_text() == "nb 05_sem new"
    assert _files(d) == before


def test_a_new_file_that_cannot_be_placed_puts_everything_back(tmp_path, monkeypatch):
    d = _previous_build(tmp_path)
    before = _files(d)
    ws = _new_run(tmp_path)
    real = os.replace

    def refuse(src, dst, *a, **kw):
        if Path(dst) == d / "05_sem.html" and Path(src) == ws.html:            # the new one (the old goes back)
            raise OSError(30, "Read-only file system", str(dst))
        return real(src, dst, *a, **kw)

    monkeypatch.setattr(workspace.os, "replace", refuse)
    with pytest.raises(CommitError, match=r"^cannot replace reports/s/05_sem.html \(Read-only file system\)$"):
        ws.commit()
    assert _files(d) == before


def test_an_immutable_output_fails_the_commit_for_root_too(tmp_path):
    """The real case: ``chattr +i`` (root cannot remove or rename the file either)."""
    d = _previous_build(tmp_path)
    before = _files(d)
    stuck = d / "results" / "sem_fit.json"
    if subprocess.run(["chattr", "+i", str(stuck)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not supported here")
    try:
        ws = _new_run(tmp_path)
        with pytest.raises(CommitError, match=r"^cannot replace reports/s/results/sem_fit.json \(Operation not "
                                              r"permitted\)$"):
            ws.commit()
        assert _files(d) == before
    finally:
        subprocess.run(["chattr", "-i", str(stuck)])


def test_inputs_are_linked_and_not_taken_for_outputs(tmp_path):
    d = _previous_build(tmp_path)
    ws = Workspace(tmp_path, STUDY, "04_factor_analysis").open()
    assert (ws.dir("results") / "cfa.json").read_text() == "{}\n"
    assert ws.outputs() == {}
    (ws.dir("results") / "efa.json").write_text("{}")
    assert list(ws.outputs()) == ["results/efa.json"]
    assert (d / "results" / "cfa.json").read_text() == "{}\n"


def test_an_old_output_that_cannot_be_put_back_is_kept_not_deleted(tmp_path, monkeypatch):
    d = _previous_build(tmp_path)
    ws = _new_run(tmp_path)
    real = os.replace

    def refuse(src, dst, *a, **kw):
        if Path(dst) == d / "05_sem.html":               # neither the new one nor, afterwards, the old one
            raise OSError(30, "Read-only file system", str(dst))
        return real(src, dst, *a, **kw)

    monkeypatch.setattr(workspace.os, "replace", refuse)
    with pytest.raises(CommitError) as e:
        ws.commit()
    assert str(e.value) == ("cannot replace reports/s/05_sem.html (Read-only file system); reports/s/05_sem.html "
                            "could not be put back either: the previous version is in "
                            "reports/s/.build/failed/05_sem.old")
    ws.abandon()
    assert (d / ".build" / "failed" / "05_sem.old" / "05_sem.html").read_text() == "html 05_sem old"
