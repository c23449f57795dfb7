"""The package's layers, read from the source with plain ``ast`` (no new dependency).

``csat`` is built in layers, each importing only from the layers below it::

    core → stats → sem → config → intake → viz → analyses → pipeline → report

The rules, checked over every import of every module — at the top of the file, inside a function
or under ``TYPE_CHECKING`` alike:

* no module imports from a layer above its own;
* the modules' import graph has no cycle (two modules of one layer that import each other are a
  circle just as much as two layers are);
* no module imports another module's private name (``_name``), neither with ``from m import _name``
  nor as ``m._name`` on an imported module: what another module needs is public where it is owned;
* the statistics engines (``stats``, ``sem``) know nothing of a study or a language: no function of
  theirs takes ``params`` or ``language``.

docs/architecture.md describes the same layers; a module it does not name fails
:func:`test_every_module_is_named_in_architecture_md`.
"""
from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "csat"
DOC = ROOT / "docs" / "architecture.md"

LAYERS = ["core", "stats", "sem", "config", "intake", "viz", "analyses", "pipeline", "report"]
ENGINES = {"stats", "sem"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "__pycache__" not in p.parts}


MODULES = _modules()


def _owner(name: str) -> str | None:
    """The module of ``csat`` that a dotted import target names (``csat.sem.fit`` → ``csat.sem``)."""
    while name:
        if name in MODULES:
            return name
        name = name.rpartition(".")[0]
    return None


#: Commands directly under ``csat`` (``python -m csat.new``): thin modules that belong to the top layer.
COMMANDS = {"csat.new": "report"}


def _layer(module: str) -> str | None:
    if module in COMMANDS:
        return COMMANDS[module]
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def _imports(module: str) -> list[tuple[int, str, str | None]]:
    """``(line, imported module, imported name or None)`` for every csat import of ``module``."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name == "csat" or a.name.startswith("csat."):
                    out.append((node.lineno, a.name, None))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target != "csat" and not target.startswith("csat."):
                continue
            for a in node.names:
                sub = f"{target}.{a.name}"
                if sub in MODULES:                         # from csat.x import submodule
                    out.append((node.lineno, sub, None))
                else:
                    out.append((node.lineno, target, a.name))
    return out


def _edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for m in MODULES:
        for _, target, _name in _imports(m):
            owner = _owner(target)
            if owner and owner != m and not m.startswith(owner + "."):
                edges[m].add(owner)
    return edges


def test_every_module_is_in_a_layer():
    stray = [m for m in MODULES if m != "csat" and _layer(m) not in LAYERS]
    assert not stray, f"modules outside the layers {LAYERS}: {stray}"
    assert not _imports("csat"), "csat/__init__.py must import nothing of csat (it sits below every layer)"


def test_no_import_goes_up_a_layer():
    bad = []
    for m in MODULES:
        if m == "csat":
            continue
        rank = LAYERS.index(_layer(m))
        for line, target, _name in _imports(m):
            owner = _owner(target)
            if owner is None or owner == "csat":
                continue
            if LAYERS.index(_layer(owner)) > rank:
                bad.append(f"{MODULES[m].relative_to(ROOT)}:{line}: {m} ({_layer(m)}) imports {owner} "
                           f"({_layer(owner)})")
    assert not bad, "imports that go up a layer:\n" + "\n".join(bad)


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(set(edges) | {w for ws in edges.values() for w in ws}):
        if v not in index:
            visit(v)
    return out


def test_the_import_graph_has_no_cycle():
    cycles = _cycles(_edges())
    assert not cycles, "import cycles (each line one circle of modules):\n" + "\n".join(map(str, cycles))


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _private_uses(module: str) -> list[str]:
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    aliases: dict[str, str] = {}
    out = []
    for line, target, name in _imports(module):
        owner = _owner(target)
        if name is not None and name.startswith("_") and not name.startswith("__") and owner != module:
            out.append(f"{path.relative_to(ROOT)}:{line}: from {target} import {name}")
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and not node.level and (node.module or "").startswith("csat"):
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                if sub in MODULES:
                    aliases[a.asname or a.name] = sub
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("csat.") and a.asname:
                    aliases[a.asname] = a.name
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                and isinstance(node.value, ast.Name) and node.value.id in aliases
                and aliases[node.value.id] != module):
            out.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value.id}.{node.attr}")
    return out


def test_no_module_reaches_into_another_modules_privates():
    bad = [u for m in MODULES for u in _private_uses(m)]
    assert not bad, "private names used from another module:\n" + "\n".join(bad)


def _engine_functions_taking_the_study() -> list[str]:
    out = []
    for m, path in MODULES.items():
        if _layer(m) not in ENGINES:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                args = node.args.args + node.args.kwonlyargs + node.args.posonlyargs
                for a in args:
                    if a.arg in ("params", "language"):
                        out.append(f"{m}.{node.name}({a.arg})")
    return out


def test_engines_know_no_study_and_no_language():
    bad = _engine_functions_taking_the_study()
    assert not bad, ("statistics functions that take the study's params or the language (they belong in "
                     "csat.analyses):\n" + "\n".join(bad))


@pytest.mark.parametrize("source, expected", [
    ("from csat.report.index import x\n", ["csat.report.index"]),
    ("def f():\n    from csat.pipeline import build\n", ["csat.pipeline.build"]),
])
def test_the_import_reader_sees_imports_inside_functions(tmp_path, source, expected, monkeypatch):
    monkeypatch.setitem(MODULES, "csat.stats._probe", tmp_path / "probe.py")
    (tmp_path / "probe.py").write_text(source)
    assert [_owner(t) for _, t, _ in _imports("csat.stats._probe")] == expected


def test_every_module_is_named_in_architecture_md():
    text = DOC.read_text(encoding="utf-8")
    named = set(re.findall(r"`([A-Za-z_][\w.]*)`", text))
    missing = [m for m in MODULES if m != "csat" and m not in named and m.removeprefix("csat.") not in named]
    assert not missing, f"docs/architecture.md does not mention these modules of src/csat: {missing}"


def test_architecture_md_names_no_missing_notebook():
    text = DOC.read_text(encoding="utf-8")
    notebooks = {p.stem for p in (ROOT / "notebooks").glob("*.ipynb")}
    cited = set(re.findall(r"`(\d\d_\w+)`", text))
    assert notebooks <= cited, f"notebooks not described: {sorted(notebooks - cited)}"
    assert cited <= notebooks, f"architecture.md names notebooks that do not exist: {sorted(cited - notebooks)}"
