"""A stage's workspace: a stage writes here while it runs, and its outputs replace the old ones only when it succeeded.

``reports/<study>/.build/work/<stage>/`` holds ``results/``, ``figures/``, ``processed/`` and ``runinfo/`` (what
:class:`csat.pipeline.stage.Stage` writes), the executed notebook and its HTML.  When the workspace is opened,
the files the stage reads from other stages (:data:`csat.pipeline.graph.STAGE_READS`) are linked into it (hard
links, copies where a link cannot be made), so the notebook reads and writes only there.

* :meth:`Workspace.commit` (the stage succeeded) replaces the stage's previous outputs by the new ones — every
  file the stage wrote, its notebook and HTML, its entries of ``results/diagnostics.json`` — and removes its
  previous outputs it did not write again and the report (``report.html``, ``report.pdf``,
  ``results/summary.json``), which no longer matches.  All or nothing: every old file is first moved aside;
  if one cannot be moved or a new one cannot be put in place, everything is put back as it was and
  :class:`CommitError` names the file.  Then the stage's output list and build stamp
  (:mod:`csat.pipeline.stamps`) are written.
* :meth:`Workspace.abandon` (the stage failed or was interrupted) keeps the half-run notebook in
  ``reports/<study>/.build/failed/<stage>.ipynb`` for debugging and removes the workspace; the stage's previous
  outputs are untouched.

Commits of stages running at once (``make -j``) take turns (a lock on ``.build/commit.lock``).
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import time
from pathlib import Path

from csat.core import paths
from csat.core.errors import CsatError
from csat.core.files import atomic_write_text, write_json
from csat.core.procs import alive
from csat.pipeline.graph import STAGE_READS

#: the sub-folders of a workspace and where they are committed (relative to reports/<study>/, or processed)
KINDS = ("results", "figures", "processed", "runinfo")

#: the report, which no longer matches once a stage's outputs change
REPORT_FILES = ("report.html", "report.pdf", "results/summary.json")


class CommitError(CsatError):
    """A stage's outputs could not replace the old ones (the message names the file)."""


def workspace_dir(root: str | Path, study: str, stage: str) -> Path:
    return paths.build_dir(root, study) / "work" / stage


def failed_notebook(root: str | Path, study: str, stage: str) -> Path:
    """``reports/<study>/.build/failed/<stage>.ipynb``: the notebook of the stage's last failed run."""
    return paths.build_dir(root, study) / "failed" / f"{stage}.ipynb"


def manifest_path(root: str | Path, study: str, stage: str) -> Path:
    """``reports/<study>/.build/outputs-<stage>.txt``: the stage's committed outputs, one path a line
    (relative to the project)."""
    return paths.build_dir(root, study) / f"outputs-{stage}.txt"


def final_dir(root: str | Path, study: str, kind: str) -> Path:
    if kind == "processed":
        return paths.processed_dir(root, study)
    return paths.report_dir(root, study) / kind


def _link_or_copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _move(src: Path, dst: Path) -> None:
    """``os.replace``, or a copy then a removal across filesystems."""
    try:
        os.replace(src, dst)
    except OSError as err:
        if err.errno != errno.EXDEV:
            raise
        tmp = dst.with_name(f".{dst.name}.{os.getpid()}.tmp")
        shutil.copy2(src, tmp)
        try:
            os.replace(tmp, dst)
        except OSError:
            tmp.unlink(missing_ok=True)
            raise
        os.unlink(src)


class Workspace:
    """The workspace of one run of ``stage`` (see the module docstring)."""

    def __init__(self, root: str | Path, study: str, stage: str):
        self.root, self.study, self.stage = Path(root), study, stage
        self.path = workspace_dir(root, study, stage)

    def dir(self, kind: str) -> Path:
        return self.path / kind

    @property
    def notebook(self) -> Path:
        return self.path / f"{self.stage}.ipynb"

    @property
    def html(self) -> Path:
        return self.path / f"{self.stage}.html"

    @property
    def info_file(self) -> Path:
        return self.path / "workspace.json"

    def info(self) -> dict:
        try:
            out = json.loads(self.info_file.read_text(encoding="utf-8"))
            return out if isinstance(out, dict) else {}
        except (OSError, ValueError):
            return {}

    def driven(self) -> bool:
        """Whether a live build driver (``python -m csat.pipeline.build run``) other than this process opened
        the workspace and will commit it."""
        pid = self.info().get("driver")
        return isinstance(pid, int) and pid != os.getpid() and alive(pid)

    # ------------------------------------------------------------------ opening
    def open(self, driver: int | None = None) -> "Workspace":
        """Start afresh (a workspace left by an interrupted run goes) and link the stage's inputs in."""
        from csat.pipeline import stamps

        shutil.rmtree(self.path, ignore_errors=True)
        for k in KINDS:
            self.dir(k).mkdir(parents=True, exist_ok=True)
        links = {}
        with self._commit_lock():            # not while another stage replaces its outputs (diagnostics.json)
            for producer, files in STAGE_READS[self.stage].items():
                if producer == "raw":
                    continue
                for f in files:
                    kind, name = f.split("/", 1)
                    src = final_dir(self.root, self.study, kind) / name
                    if src.is_file():
                        dst = self.dir(kind) / name
                        _link_or_copy(src, dst)
                        links[f] = os.stat(dst).st_ino
            stamp = stamps.make(self.root, self.study, self.stage)
        info = {"driver": driver, "started": time.time(), "links": links, "stamp": stamp}
        atomic_write_text(self.info_file, json.dumps(info, indent=1) + "\n")
        return self

    # ------------------------------------------------------------------ committing
    def outputs(self) -> dict[str, Path]:
        """``{"results/x.csv": workspace file}`` of every file the stage wrote (linked inputs it did not
        rewrite left out)."""
        links = self.info().get("links", {})
        out = {}
        for k in KINDS:
            d = self.dir(k)
            for f in sorted(d.rglob("*")) if d.is_dir() else []:
                if not f.is_file() or f.name.startswith("."):
                    continue
                rel = f"{k}/{f.relative_to(d).as_posix()}"
                if rel in links and links[rel] == os.stat(f).st_ino:
                    continue
                out[rel] = f
        return out

    def _final(self, rel: str) -> Path:
        kind, name = rel.split("/", 1)
        return final_dir(self.root, self.study, kind) / name

    def _previous(self) -> list[Path]:
        """The stage's committed outputs (its output list, notebook, HTML and run record)."""
        out = []
        m = manifest_path(self.root, self.study, self.stage)
        if m.is_file():
            for line in m.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    p = Path(line) if Path(line).is_absolute() else self.root / line
                    parts = [x.lower() for x in p.resolve().parts]
                    if not any(a == "data" and b == "raw" for a, b in zip(parts, parts[1:])):
                        out.append(p)          # raw data is never touched
        d = paths.report_dir(self.root, self.study)
        out += [d / f"{self.stage}.ipynb", d / f"{self.stage}.html", d / paths.RUNINFO / f"{self.stage}.json"]
        return out

    def _diagnostics(self) -> tuple[Path, bytes] | None:
        """The study's ``results/diagnostics.json`` with this stage's entries replaced by those it wrote now,
        or None when nothing changes."""
        final = final_dir(self.root, self.study, "results") / "diagnostics.json"
        mine: list = []
        ws = self.dir("results") / "diagnostics.json"
        links = self.info().get("links", {})
        if ws.is_file() and links.get("results/diagnostics.json") != os.stat(ws).st_ino:
            mine = [d for d in json.loads(ws.read_text(encoding="utf-8")) if d.get("stage") == self.stage]
        old = json.loads(final.read_text(encoding="utf-8")) if final.is_file() else []
        kept = [d for d in old if d.get("stage") != self.stage]
        if not final.is_file() and not mine:
            return None
        new = sorted(kept + mine, key=lambda d: str(d.get("stage")))
        if new == old:
            return None
        tmp = self.path / ".diagnostics.json"
        write_json(tmp, new)
        return final, tmp.read_bytes()

    @contextlib.contextmanager
    def _commit_lock(self):
        lock = paths.build_dir(self.root, self.study) / "commit.lock"
        lock.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def commit(self, with_notebook: bool = True) -> list[str]:
        """Replace the stage's previous outputs by this run's (see the module docstring); raise
        :class:`CommitError` naming the file when one cannot be moved, leaving everything as it was.
        Returns the committed outputs (paths relative to the project)."""
        from csat.pipeline import stamps

        rep = paths.report_dir(self.root, self.study)
        with self._commit_lock():
            new: dict[Path, Path] = {self._final(rel): f for rel, f in self.outputs().items()
                                     if rel != "results/diagnostics.json"}
            if with_notebook:
                new[rep / f"{self.stage}.ipynb"] = self.notebook
                if self.html.is_file():
                    new[rep / f"{self.stage}.html"] = self.html
            diag = self._diagnostics()
            if diag is not None:
                new[diag[0]] = self.path / ".diagnostics.json"
            old = set(self._previous()) | {rep / name for name in REPORT_FILES}
            if with_notebook is False:
                old -= {rep / f"{self.stage}.ipynb", rep / f"{self.stage}.html"}
            if diag is not None:
                old.add(diag[0])
            trash = self.path / ".old"
            trash.mkdir(exist_ok=True)
            moved: list[tuple[Path, Path]] = []
            placed: list[Path] = []
            current = None
            try:
                current = stamps.stamp_path(self.root, self.study, self.stage)
                current.unlink(missing_ok=True)       # an interrupted commit leaves the stage out of date
                for i, f in enumerate(sorted((old | set(new)), key=str)):
                    if f.is_file() or f.is_symlink():
                        current = f
                        t = trash / str(i)
                        _move(f, t)
                        moved.append((f, t))
                for f, src in sorted(new.items(), key=lambda x: str(x[0])):
                    current = f
                    f.parent.mkdir(parents=True, exist_ok=True)
                    _move(src, f)
                    placed.append(f)
            except OSError as err:
                for f in placed:
                    with contextlib.suppress(OSError):
                        f.unlink()
                lost = []
                for f, t in reversed(moved):
                    try:
                        _move(t, f)
                    except OSError:
                        lost.append((f, t))
                what = paths.relative(current, self.root) if current is not None else "?"
                msg = f"cannot replace {what} ({err.strerror or err})"
                if lost:                     # never deleted with the workspace: kept beside the failed notebook
                    keep = failed_notebook(self.root, self.study, self.stage).with_suffix(".old")
                    shutil.rmtree(keep, ignore_errors=True)
                    keep.mkdir(parents=True, exist_ok=True)
                    for f, t in lost:
                        with contextlib.suppress(OSError):
                            _move(t, keep / f.name)
                    msg += (f"; {paths.relative(lost[0][0], self.root)} could not be put back either: the previous "
                            f"version is in {paths.relative(keep, self.root)}")
                raise CommitError(msg) from None
            committed = sorted(paths.relative(f, self.root) for f in new
                               if f.parent != rep)         # notebook, HTML: known by name
            committed = [c for c in committed if not c.endswith("results/diagnostics.json")]
            atomic_write_text(manifest_path(self.root, self.study, self.stage),
                              "".join(c + "\n" for c in committed))
            stamp = self.info().get("stamp")
            if stamp:
                stamps.write(self.root, self.study, self.stage, stamp)
        shutil.rmtree(self.path, ignore_errors=True)
        return committed

    def abandon(self) -> Path | None:
        """The stage failed: keep its notebook as ``.build/failed/<stage>.ipynb`` (returned, if there is one) and
        remove the workspace; the previous outputs are untouched."""
        kept = None
        if self.notebook.is_file():
            kept = failed_notebook(self.root, self.study, self.stage)
            with contextlib.suppress(OSError):
                kept.parent.mkdir(parents=True, exist_ok=True)
                _move(self.notebook, kept)
        shutil.rmtree(self.path, ignore_errors=True)
        return kept if kept is not None and kept.is_file() else None


def open_workspace(root: str | Path, study: str, stage: str, driver: int | None = None) -> Workspace:
    """A fresh workspace for ``stage`` (:meth:`Workspace.open`)."""
    return Workspace(root, study, stage).open(driver)


def leftover(root: str | Path, study: str) -> list[str]:
    """Stages with a workspace left behind (a run that was killed)."""
    d = paths.build_dir(root, study) / "work"
    return sorted(p.name for p in d.iterdir() if p.is_dir()) if d.is_dir() else []


__all__ = ["Workspace", "CommitError", "open_workspace", "workspace_dir", "failed_notebook", "manifest_path",
           "leftover", "KINDS", "REPORT_FILES"]
