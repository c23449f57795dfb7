"""One registry of diagnostic codes (issue #16, item 5): every code the source can write to
results/diagnostics.json is registered in csat.core.codes with its level and meaning (en/zh),
the writer refuses unknown codes, and docs/diagnostics.md lists the registry."""
from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from csat.core.codes import CODES, markdown_table
from csat.core.diagnostics import Diagnostic, UnknownDiagnosticCode, merge_diagnostics

ROOT = Path(__file__).resolve().parents[2]


def _sources():
    for f in sorted((ROOT / "src" / "csat").rglob("*.py")):
        yield str(f.relative_to(ROOT)), f.read_text(encoding="utf-8")
    for f in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = json.loads(f.read_text(encoding="utf-8"))
        for k, c in enumerate(nb["cells"]):
            if c["cell_type"] == "code":
                text = "".join(c["source"])
                # cell magics (%%estimator ml) and shell lines are not Python
                yield f"{f.relative_to(ROOT)} cell {k}", "\n".join(
                    "pass" if line.lstrip().startswith(("%", "!")) else line for line in text.split("\n"))


def _const(node):
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def emitted_codes() -> dict[str, set[tuple[str, str]]]:
    """``{code: {(where, severity)}}`` of every ``Diagnostic(code, severity, ...)`` and ``diagnostic(code,
    severity, ...)`` (:func:`csat.core.diagnostics.diagnostic`) in src/ and the notebooks.

    A code given as a string is read directly; a code passed through a helper's parameter (``block(code,
    …)`` in csat.config.checks) is read from the helper's calls; a code taken from a loop over literal tuples
    (``for key, col, code, name in ((…), …)``) from the tuples.  A code copied from another diagnostic
    (``Diagnostic(d.code, …)``) is that one's, already counted."""
    out: dict[str, set] = {}
    unresolved = []
    for where, text in _sources():
        tree = ast.parse(text)
        parents = {ch: node for node in ast.walk(tree) for ch in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call)
                    and getattr(node.func, "id", getattr(node.func, "attr", None)) in ("Diagnostic", "diagnostic")):
                continue
            if where == "src/csat/core/diagnostics.py":        # where Diagnostic and diagnostic() are defined
                continue
            first = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "code"), None)
            sev_node = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "severity"), None)
            sev = _const(sev_node) or "?"
            codes = []
            if _const(first) is not None:
                codes = [_const(first)]
            elif isinstance(first, ast.Attribute) and first.attr == "code":
                continue
            elif isinstance(first, ast.Name):
                up = node
                while up in parents and not isinstance(up, (ast.FunctionDef, ast.For)):
                    up = parents[up]
                    if isinstance(up, ast.For) and isinstance(up.target, ast.Tuple):
                        names = [getattr(e, "id", None) for e in up.target.elts]
                        if first.id in names and isinstance(up.iter, (ast.Tuple, ast.List)):
                            i = names.index(first.id)
                            codes = [_const(t.elts[i]) for t in up.iter.elts]
                        break
                    if isinstance(up, ast.FunctionDef) and first.id in [a.arg for a in up.args.args]:
                        pos = [a.arg for a in up.args.args].index(first.id)
                        codes = [_const(c.args[pos]) for c in ast.walk(tree)
                                 if isinstance(c, ast.Call) and getattr(c.func, "id", None) == up.name and len(c.args) > pos]
                        break
            if not codes or any(c is None for c in codes):
                unresolved.append(f"{where}:{node.lineno}")
                continue
            for c in codes:
                out.setdefault(c, set()).add((where, sev))
    assert not unresolved, f"diagnostic codes the test cannot read: {unresolved}"
    return out


def test_every_emitted_code_is_registered_with_its_levels():
    emitted = emitted_codes()
    assert len(emitted) > 60
    missing = sorted(set(emitted) - set(CODES))
    assert not missing, f"emitted but not registered in csat.core.codes: {missing}"
    for code, uses in emitted.items():
        for where, sev in uses:
            assert sev == "?" or sev in CODES[code].severities, f"{code} raised as {sev} in {where}"
    unused = sorted(set(CODES) - set(emitted))
    assert not unused, f"registered but never emitted: {unused}"


def test_every_code_has_a_level_and_both_meanings():
    for c in CODES.values():
        assert c.level in ("info", "warning", "error") and set(c.severities) <= {"info", "warning", "error"}
        assert c.en.strip() and c.zh.strip() and c.code.isidentifier()


def test_the_writer_refuses_an_unknown_code(tmp_path):
    path = tmp_path / "diagnostics.json"
    merge_diagnostics(path, "03_reliability_validity", [Diagnostic("htmt", "warning", "A ~ B", "HTMT .9")])
    with pytest.raises(UnknownDiagnosticCode, match="'htmtt' is not registered"):
        merge_diagnostics(path, "04_factor_analysis", [Diagnostic("htmtt", "warning", "A ~ B", "typo")])
    with pytest.raises(UnknownDiagnosticCode, match="severity 'fatal'"):
        merge_diagnostics(path, "04_factor_analysis", [{"code": "heywood", "severity": "fatal", "where": "x",
                                                        "message": "m"}])
    assert [d["code"] for d in json.loads(path.read_text(encoding="utf-8"))] == ["htmt"]


def test_unknown_codes_only_warn_outside_the_tests(tmp_path, monkeypatch):
    monkeypatch.setenv("CSAT_STRICT_DIAGNOSTICS", "0")
    with pytest.warns(UserWarning, match="not registered"):
        out = merge_diagnostics(tmp_path / "d.json", "05_sem", [Diagnostic("new_code", "info", "x", "m")])
    assert out[0]["code"] == "new_code"


def test_the_documented_list_is_the_registry():
    doc = (ROOT / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    assert markdown_table() in doc, "docs/diagnostics.md is out of date: paste csat.core.codes.markdown_table()"
