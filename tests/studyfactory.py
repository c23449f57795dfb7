"""The mini study of the fault tests: a small but analysable three-construct survey in ``tmp_path``.

:func:`project` writes ``params/mini.yaml`` (:data:`PARAMS`) and ``data/raw/mini.csv`` (:func:`survey`);
:func:`prepare` runs ``python -m csat.pipeline.build prepare params/mini.yaml`` (the command Make runs
before any notebook) there, and :func:`fails_with` asserts what every bad-input test wants of a refused
study:

* the exact one-line message on stderr (no traceback, nothing else),
* that no half output remains (no stage notebook, no results file, no report),
* that the raw data file is byte-identical afterwards.

Used by tests/config (params mistakes), tests/intake (damaged data files, data facts, survey-platform
exports) and tests/pipeline (build state); ``from studyfactory import ...`` works because pytest puts
tests/ on the path (``pythonpath`` in pyproject.toml).
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import os
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd

from csat.pipeline import build


ITEMS = ["sat1", "sat2", "sat3", "val1", "val2", "val3", "loy1", "loy2", "loy3"]

PARAMS = """\
study: mini
title: "Mini"
data:
  path: data/raw/mini.csv
  id: rid
  duration: secs
scale: {min: 1, max: 5}
missing_codes: [99]
constructs:
  SAT: {label: "Satisfaction", items: [sat1, sat2, sat3]}
  VAL: {label: "Value", items: [val1, val2, val3]}
  LOY: {label: "Loyalty", items: [loy1, loy2, loy3]}
groups: [gender]
cleaning: {min_duration: 30}
model: |
  SAT =~ sat1 + sat2 + sat3
  VAL =~ val1 + val2 + val3
  LOY =~ loy1 + loy2 + loy3
  SAT ~ VAL
  LOY ~ SAT
ipma: {target: SAT}
bootstrap: 1000
seed: 1
"""


def survey(n: int = 60, seed: int = 3) -> pd.DataFrame:
    """A small three-construct survey (5-point items driven by one latent score per construct)."""
    rng = np.random.default_rng(seed)
    v = rng.normal(size=n)
    s = 0.6 * v + 0.8 * rng.normal(size=n)
    l_ = 0.7 * s + 0.7 * rng.normal(size=n)
    cols = {}
    for name, f in (("sat", s), ("val", v), ("loy", l_)):
        for k in (1, 2, 3):
            cols[f"{name}{k}"] = np.clip(np.round(3 + f + 0.8 * rng.normal(size=n)), 1, 5).astype(int)
    df = pd.DataFrame(cols)
    df.insert(0, "rid", np.arange(1, n + 1))
    df["gender"] = np.where(rng.random(n) < 0.5, "f", "m")
    df["secs"] = rng.integers(60, 900, size=n)
    return df


def write_csv(df: pd.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False)
    return path


def project(tmp_path: Path, params: str = PARAMS, data: pd.DataFrame | None = None) -> Path:
    (tmp_path / "params").mkdir(exist_ok=True)
    write_csv(survey() if data is None else data, tmp_path / "data" / "raw" / "mini.csv")
    pf = tmp_path / "params" / "mini.yaml"
    pf.write_text(params, encoding="utf-8")
    return pf


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def prepare(tmp_path: Path, overrides: str = "") -> subprocess.CompletedProcess:
    """``python -m csat.pipeline.build prepare params/mini.yaml`` run in ``tmp_path`` (in this process, for speed;
    test_the_fixture_study_passes in tests/pipeline/test_build.py runs the real command once)."""
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = build.main(["prepare", "params/mini.yaml", "--overrides", overrides])
    finally:
        os.chdir(cwd)
    return subprocess.CompletedProcess([], rc, out.getvalue(), err.getvalue())


def no_half_output(tmp_path: Path) -> None:
    rep = tmp_path / "reports" / "mini"
    left = [p for p in rep.rglob("*") if p.is_file() and ".build" not in p.parts] if rep.exists() else []
    assert left == [], left


def fails_with(tmp_path: Path, expected: str, overrides: str = "") -> None:
    raw = tmp_path / "data" / "raw" / "mini.csv"
    before = sha(raw) if raw.is_file() else None
    r = prepare(tmp_path, overrides)
    assert r.returncode == 2, r.stderr
    assert r.stdout == ""
    assert "Traceback" not in r.stderr
    assert r.stderr.count("\n") == 1, r.stderr
    assert r.stderr == f"error: {expected}\n"
    no_half_output(tmp_path)
    if before is not None:
        assert sha(raw) == before


def edit(pf: Path, old: str, new: str) -> None:
    text = pf.read_text(encoding="utf-8")
    assert old in text, old
    pf.write_text(text.replace(old, new, 1), encoding="utf-8")
