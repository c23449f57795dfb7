"""What produced a report, for its provenance section: the pinned and installed versions of the key
packages (``requirements.lock``), the git commit and whether the tree was dirty, the SHA-256 and size
of the raw data, and when and how long each stage ran (``reports/<study>/runinfo/<stage>.json``,
written by :meth:`csat.pipeline.stage.Stage.finish`), the run's overrides (``.build/papermill.yaml``,
:func:`read_overrides_file`); and :func:`read_json`, the reading of such a record (and of a results
file) with a clear error.
"""
from __future__ import annotations

import hashlib
import json
import platform
import re
import subprocess
from pathlib import Path
from typing import Any

import yaml

from csat.core import paths
from csat.core.errors import ReportError
from csat.pipeline.graph import STAGES

#: Packages shown in the provenance section, in this order: those whose code computed the report's
#: numbers, figures and pages (each is a runtime dependency imported by src/csat; tests/test_dependencies.py).
KEY_PACKAGES = ("numpy", "pandas", "scipy", "pingouin", "statsmodels", "scikit-learn", "matplotlib", "seaborn",
                "papermill", "nbconvert")


def read_lock(path: str | Path) -> dict[str, str]:
    """Pinned versions from a pip lock file: ``{normalised name: version}`` for ``name==version`` lines.

    Names are normalised as in PEP 503 (lower case, runs of ``-_.`` become ``-``).
    """
    out: dict[str, str] = {}
    path = Path(path)
    if not path.is_file():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*==\s*([^\s;]+)", line)
        if m:
            out[_norm_name(m.group(1))] = m.group(3)
    return out


def _norm_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def package_versions(lock_file: str | Path, names: tuple[str, ...] = KEY_PACKAGES) -> list[dict]:
    """The key packages: pinned version (lock file), installed version, and whether they differ.

    Python itself is the first row (installed = the interpreter building the report).
    """
    from importlib import metadata

    lock = read_lock(lock_file)
    rows = [{"name": "Python", "locked": lock.get("python", "3.11.x"), "installed": platform.python_version(),
             "mismatch": not platform.python_version().startswith(lock.get("python", "3.11.x").removesuffix(".x"))}]
    for n in names:
        locked = lock.get(_norm_name(n), "–")
        try:
            inst = metadata.version(n)
        except metadata.PackageNotFoundError:
            inst = "not installed"
        rows.append({"name": n, "locked": locked, "installed": inst,
                     "mismatch": locked != "–" and inst != locked})
    return rows


def git_info(root: str | Path) -> dict:
    """``{"commit", "short", "dirty", "state"}`` of the git work tree at ``root``.

    ``commit`` is ``git rev-parse HEAD``; ``dirty`` is whether tracked files have uncommitted
    changes (``git status --porcelain --untracked-files=no``).  Outside git (or without the git
    program) commit is ``"unknown"`` and dirty is ``None``.
    """
    root = Path(root)
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                                text=True, timeout=20)
        if commit.returncode != 0:
            raise OSError(commit.stderr)
        status = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                                capture_output=True, text=True, timeout=60)
        sha = commit.stdout.strip()
        dirty = bool(status.stdout.strip()) if status.returncode == 0 else None
        return {"commit": sha, "short": sha[:12], "dirty": dirty}
    except (OSError, subprocess.SubprocessError):
        return {"commit": "unknown", "short": "unknown", "dirty": None}


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes (read in 1 MiB blocks)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_runinfo(report_dir: str | Path) -> dict[str, dict]:
    """``runinfo/<stage>.json`` of each stage that has one (keys stage, finished, seconds, overrides)."""
    out = {}
    for s in STAGES:
        p = Path(report_dir) / paths.RUNINFO / f"{s}.json"
        if p.is_file():
            try:
                out[s] = json.loads(p.read_text(encoding="utf-8"))
            except json.JSONDecodeError as err:
                raise ReportError(f"{p}: not valid JSON ({err})") from None
    return out


def read_overrides_file(path: str | Path) -> dict:
    """Overrides from a YAML/JSON file: ``reports/<study>/.build/papermill.yaml`` (key ``overrides``)
    or a plain mapping of dotted keys."""
    path = Path(path)
    if not path.is_file():
        raise ReportError(f"{path}: overrides file not found")
    try:
        obj = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise ReportError(f"{path}: not valid YAML ({err})") from None
    if not isinstance(obj, dict):
        raise ReportError(f"{path}: must hold a mapping")
    if "overrides" in obj or "params_file" in obj:
        obj = obj.get("overrides") or {}
        if not isinstance(obj, dict):
            raise ReportError(f"{path}: key 'overrides' must be a mapping")
    return obj


def read_json(path: Path, default: Any = None) -> Any:
    """A JSON file's content, ``default`` when the file does not exist; :class:`ReportError` when it
    is not valid JSON."""
    if not path.is_file():
        return default
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ReportError(f"{path}: not valid JSON ({err})") from None


def fmt_size(n: int) -> str:
    """A file size in bytes as read: ``512 bytes``, ``1.5 KiB``, ``2.0 MiB``.

    >>> fmt_size(512), fmt_size(1536), fmt_size(2 * 1024 ** 2)
    ('512 bytes', '1.5 KiB', '2.0 MiB')
    """
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)
