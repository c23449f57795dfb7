"""Build stamps: what each stage's outputs were computed from, so that outputs of two builds are never mixed.

When a stage's outputs replace the old ones (:func:`csat.pipeline.workspace.Workspace.commit`) its stamp is
written to ``reports/<study>/.build/stamps/<stage>.json`` (beside the results, never inside them, so results
files stay byte-identical)::

    {"stage": "05_sem", "params": <sha256 of .build/stage-05_sem.json: the parameters it reads, overrides applied>,
     "code": <code version: sha256 of the csat package's files>, "notebook": <sha256 of notebooks/05_sem.ipynb>,
     "data": <sha256 of the raw data (.build/raw.json)>, "inputs": {"01_cleaning": <id>, ...}, "id": <sha256 of all that>}

``inputs`` holds the ``id`` of the stamps of the stages whose outputs it read (:data:`csat.pipeline.graph.STAGE_READS`).
The code version is a hash of the files of the ``csat`` package this process imported (source, catalogs,
templates), so it works alike in a git clone, a clean checkout, an unpacked tree without ``.git`` or an
installed package.

* ``python -m csat.pipeline.build prepare`` compares every stage's stamp with the current parameters, code,
  notebook, data and inputs (:func:`stale_stages`) and writes ``.build/stale.mk``, which makes Make re-run each
  stage whose stamp differs (or that has none) — not only those whose parameters it saw change;
* the report refuses to assemble outputs whose stamps disagree (:func:`check`), naming the stage to re-run.
"""
from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

from csat.core import paths
from csat.core.files import atomic_write_text
from csat.pipeline.graph import STAGES, prerequisites

FIELDS = ("params", "code", "notebook", "data")

#: what a differing field means, for the messages
MEANING = {"params": "other parameters", "code": "another version of csat", "notebook": "another version of its notebook",
           "data": "other raw data"}


def stamps_dir(root: str | Path, study: str) -> Path:
    return paths.build_dir(root, study) / "stamps"


def stamp_path(root: str | Path, study: str, stage: str) -> Path:
    """``reports/<study>/.build/stamps/<stage>.json``."""
    return stamps_dir(root, study) / f"{stage}.json"


def _sha_file(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


@functools.lru_cache(maxsize=None)
def _package_hash(pkg: str) -> str:
    h = hashlib.sha256()
    base = Path(pkg)
    for f in sorted(base.rglob("*")):
        if not f.is_file() or "__pycache__" in f.parts or f.suffix in (".pyc", ".pyo"):
            continue
        h.update(f.relative_to(base).as_posix().encode("utf-8") + b"\0")
        h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


def code_version() -> str:
    """The sha256 of the files of the imported ``csat`` package (sorted paths and contents, caches left out)."""
    import csat

    return _package_hash(str(Path(csat.__file__).resolve().parent))


def current(root: str | Path, study: str, stage: str) -> dict:
    """The fields of ``stage``'s stamp for the study as it is now prepared (``.build/stage-<stage>.json``,
    ``.build/raw.json``), this code and the stage's notebook; a field that cannot be read is None."""
    root = Path(root)
    build = paths.build_dir(root, study)
    data = None
    try:
        data = json.loads((build / "raw.json").read_text(encoding="utf-8")).get("sha256")
    except (OSError, ValueError, AttributeError):
        pass
    return {"params": _sha_file(build / f"stage-{stage}.json"), "code": code_version(),
            "notebook": _sha_file(root / "notebooks" / f"{stage}.ipynb"), "data": data}


def read(root: str | Path, study: str, stage: str) -> dict | None:
    """The recorded stamp of ``stage``'s outputs, or None."""
    try:
        out = json.loads(stamp_path(root, study, stage).read_text(encoding="utf-8"))
        return out if isinstance(out, dict) else None
    except (OSError, ValueError):
        return None


def make(root: str | Path, study: str, stage: str) -> dict:
    """The stamp a run of ``stage`` starting now records: :func:`current` and the ids of its inputs' stamps."""
    st = {"stage": stage, **current(root, study, stage)}
    st["inputs"] = {p: (read(root, study, p) or {}).get("id") for p in prerequisites(stage)}
    st["id"] = hashlib.sha256(json.dumps(st, sort_keys=True).encode("utf-8")).hexdigest()
    return st


def write(root: str | Path, study: str, stage: str, stamp: dict) -> Path:
    return atomic_write_text(stamp_path(root, study, stage), json.dumps(stamp, indent=1, sort_keys=True) + "\n")


def why_stale(root: str | Path, study: str, stage: str) -> str | None:
    """Why ``stage``'s outputs do not belong to the current build (one phrase), or None when they do."""
    rec = read(root, study, stage)
    if rec is None:
        return "its outputs have no build stamp"
    now = current(root, study, stage)
    for f in FIELDS:
        if rec.get(f) != now[f]:
            return f"its outputs were computed with {MEANING[f]}"
    for p in prerequisites(stage):
        got = (read(root, study, p) or {}).get("id")
        if (rec.get("inputs") or {}).get(p) != got:
            return f"its outputs were computed from other outputs of {p}"
    return None


def stale_stages(root: str | Path, study: str) -> dict[str, str]:
    """``{stage: why}`` for every stage whose outputs do not belong to the current build, a stage reading a
    stale one included."""
    out: dict[str, str] = {}
    for s in STAGES:
        why = why_stale(root, study, s)
        if why is None:
            late = [p for p in prerequisites(s) if p in out]
            if late:
                why = f"it reads the outputs of {late[0]}, which is re-run"
        if why is not None:
            out[s] = why
    return out


def make_rules(stale: dict[str, str]) -> str:
    """``.build/stale.mk``: ``$(OUT)/<stage>.ipynb: FORCE`` for each stale stage (Make re-runs it)."""
    return "".join(f"$(OUT)/{s}.ipynb: FORCE\n" for s in STAGES if s in stale)


def check(root: str | Path, study: str) -> list[str]:
    """The problems that forbid assembling the report from the study's stage outputs, one line each (empty
    when every stage's stamp matches the current build and its inputs, or when no stage has a stamp at all:
    outputs not made by a build, e.g. a test's; ``make study`` re-runs every stage without one first)."""
    if all(read(root, study, s) is None for s in STAGES):
        return []
    return [f"{s}: {why}; re-run {s} (make study STUDY={study})"
            for s, why in stale_stages(root, study).items()
            if not why.startswith("it reads the outputs of")]


__all__ = ["stamp_path", "code_version", "current", "read", "make", "write", "why_stale", "stale_stages",
           "make_rules", "check"]
