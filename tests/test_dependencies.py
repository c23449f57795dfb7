"""Runtime dependencies are exactly what src/csat imports (issue 16: a package that computes nothing is not
a dependency), and pip installs no runtime package src/ never imports."""
from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "csat"

#: Runtime dependencies src/ uses without importing them, and the text in src/ that shows the use.
ENGINES = {"pyarrow": r"(to|read)_parquet\("}     # pandas' parquet engine


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[<>=!~ \[;]", name.strip())[0]).lower()


def _optional(tree: ast.AST) -> set[int]:
    """ids of import nodes inside ``try: … except ImportError`` (optional tools such as the benchmark's
    comparison with seminr, skipped with a note when absent): not dependencies."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
                isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError")
                for h in node.handlers):
            for stmt in node.body:
                out |= {id(n) for n in ast.walk(stmt) if isinstance(n, (ast.Import, ast.ImportFrom))}
    return out


def _src_imports() -> dict[str, set[str]]:
    """Top-level third-party module names imported anywhere in src/csat (not optionally) -> files importing them."""
    out: dict[str, set[str]] = {}
    for f in sorted(SRC.rglob("*.py")):
        tree = ast.parse(f.read_text(encoding="utf-8"))
        optional = _optional(tree)
        for node in ast.walk(tree):
            if id(node) in optional:
                continue
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for n in names:
                top = n.split(".")[0]
                if top not in sys.stdlib_module_names and top != "csat":
                    out.setdefault(top, set()).add(f.name)
    return out


def _distribution(module: str) -> str:
    dists = metadata.packages_distributions().get(module)
    assert dists, f"src/ imports {module!r}, which no installed distribution provides"
    return _norm(dists[0])


def _runtime() -> set[str]:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {_norm(d) for d in pyproject["project"]["dependencies"]}


def test_every_import_in_src_is_a_runtime_dependency():
    runtime = _runtime()
    missing = {m: sorted(files) for m, files in _src_imports().items() if _distribution(m) not in runtime}
    assert not missing, f"imported by src/ but not a runtime dependency in pyproject.toml: {missing}"


def test_every_runtime_dependency_is_used_by_src():
    imported = {_distribution(m) for m in _src_imports()}
    text = "\n".join(f.read_text(encoding="utf-8") for f in SRC.rglob("*.py"))
    unused = []
    for d in sorted(_runtime()):
        if d in imported:
            continue
        if d in ENGINES and re.search(ENGINES[d], text):
            continue
        unused.append(d)
    assert not unused, f"runtime dependencies that src/ never imports (move them to an extra or drop them): {unused}"


def test_cross_check_and_tool_packages_are_extras_not_runtime():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    extras = {_norm(d) for ds in pyproject["project"]["optional-dependencies"].values() for d in ds}
    assert {"semopy", "pytest", "jupyterlab", "seminr"} <= extras
    assert not ({"semopy", "factor-analyzer", "pytest", "jupyterlab", "seminr"} & _runtime())
