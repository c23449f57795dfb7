"""Dependencies are exactly what src/csat imports (issue 16: a package that computes nothing is not a
dependency), layer by layer: the base ``dependencies`` are what the statistics layers import (core, stats,
sem, config, intake, viz, analyses), so ``pip install csat`` is the statistics toolkit alone; the
``pipeline`` extra is what the notebook pipeline and the report (pipeline, report) import besides.  Both
directions are checked for each, and the statistics layers import without any package of the extra."""
from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "csat"

#: The statistics layers (the base dependencies) and the layers above them (the ``pipeline`` extra).
LOWER = ("core", "stats", "sem", "config", "intake", "viz", "analyses")
UPPER = ("pipeline", "report")

#: Runtime dependencies src/ uses without importing them, and the text in src/ that shows the use.
ENGINES = {"pyarrow": r"(to|read)_parquet\("}     # pandas' parquet engine

#: The top-level modules of the ``pipeline`` extra's packages: none may be needed by the statistics layers.
PIPELINE_MODULES = ("papermill", "ipykernel", "nbconvert", "zmq", "jupyter_client", "IPython", "nbformat")


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


def _files(layers: tuple[str, ...]) -> list[Path]:
    """The source files of ``layers`` (csat/__init__.py, below every layer, counts as the lowest)."""
    out = [f for f in sorted(SRC.rglob("*.py")) if f.relative_to(SRC).parts[0] in layers]
    return ([SRC / "__init__.py"] if "core" in layers else []) + out


def _src_imports(layers: tuple[str, ...]) -> dict[str, set[str]]:
    """Top-level third-party module names imported anywhere in ``layers`` (not optionally) -> files importing them."""
    out: dict[str, set[str]] = {}
    for f in _files(layers):
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
                    out.setdefault(top, set()).add(str(f.relative_to(SRC)))
    return out


def _distribution(module: str) -> str:
    dists = metadata.packages_distributions().get(module)
    assert dists, f"src/ imports {module!r}, which no installed distribution provides"
    return _norm(dists[0])


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _base() -> set[str]:
    return {_norm(d) for d in _pyproject()["dependencies"]}


def _pipeline_extra() -> set[str]:
    return {_norm(d) for d in _pyproject()["optional-dependencies"]["pipeline"]}


def _unused(declared: set[str], layers: tuple[str, ...]) -> list[str]:
    imported = {_distribution(m) for m in _src_imports(layers)}
    text = "\n".join(f.read_text(encoding="utf-8") for f in _files(layers))
    return sorted(d for d in declared if d not in imported and not (d in ENGINES and re.search(ENGINES[d], text)))


def test_every_import_of_the_statistics_layers_is_a_base_dependency():
    base = _base()
    missing = {m: sorted(files) for m, files in _src_imports(LOWER).items() if _distribution(m) not in base}
    assert not missing, f"imported by {', '.join(LOWER)} but not a base dependency in pyproject.toml: {missing}"


def test_every_base_dependency_is_used_by_the_statistics_layers():
    unused = _unused(_base(), LOWER)
    assert not unused, ("base dependencies that the statistics layers never import (move them to an extra or "
                        f"drop them): {unused}")


def test_every_import_of_pipeline_and_report_is_base_or_the_pipeline_extra():
    declared = _base() | _pipeline_extra()
    missing = {m: sorted(files) for m, files in _src_imports(UPPER).items() if _distribution(m) not in declared}
    assert not missing, f"imported by csat.pipeline or csat.report but neither a base dependency nor in the " \
                        f"pipeline extra: {missing}"


def test_every_package_of_the_pipeline_extra_is_used_by_pipeline_or_report_only():
    extra = _pipeline_extra()
    assert not extra & _base(), f"in both the base dependencies and the pipeline extra: {sorted(extra & _base())}"
    unused = _unused(extra, UPPER)
    assert not unused, f"pipeline extra packages that csat.pipeline and csat.report never import: {unused}"


def test_cross_check_and_tool_packages_are_extras_not_runtime():
    extras = {_norm(d) for ds in _pyproject()["optional-dependencies"].values() for d in ds}
    assert {"semopy", "pytest", "jupyterlab", "seminr"} <= extras
    assert not ({"semopy", "factor-analyzer", "pytest", "jupyterlab", "seminr"} & (_base() | _pipeline_extra()))


BLOCKED_IMPORT = """
import importlib, pkgutil, sys

BLOCKED = set(sys.argv[1].split(","))


class Blocker:
    \"\"\"A meta-path finder that refuses the pipeline extra's packages, as if they were not installed.\"\"\"

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} is blocked (not installed)")
        return None


sys.meta_path.insert(0, Blocker())
import csat

names = ["csat.core", "csat.config", "csat.viz"]
for layer in ("core", "stats", "sem", "config", "intake", "viz", "analyses"):
    pkg = importlib.import_module(f"csat.{layer}")
    names += [f"csat.{layer}.{m.name}" for m in pkgutil.iter_modules(pkg.__path__)]
for name in names:
    importlib.import_module(name)
loaded = sorted({m.split(".")[0] for m in sys.modules} & BLOCKED)
assert not loaded, loaded
print(len(names))
"""


def test_the_statistics_layers_import_without_the_pipeline_extra():
    """In a fresh interpreter whose imports of papermill, ipykernel, nbconvert, zmq, jupyter_client,
    IPython and nbformat fail (as where only ``pip install csat`` was run), every module of core, stats,
    sem, config, intake, viz and analyses imports."""
    r = subprocess.run([sys.executable, "-c", BLOCKED_IMPORT, ",".join(PIPELINE_MODULES)], capture_output=True,
                       text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-3000:]
    assert int(r.stdout.strip().splitlines()[-1]) > 40                     # every module, not a few
