"""docs/architecture.md names every module of the package, so it cannot silently go stale."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "csat"
DOC = ROOT / "docs" / "architecture.md"


def _modules() -> list[str]:
    """Every module of src/csat: ``name`` for a file ``name.py``, ``pkg`` and ``pkg.sub`` for a subpackage."""
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).with_suffix("")
        if "__pycache__" in rel.parts:
            continue
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if parts:
            out.append(".".join(parts))
    return out


def test_every_module_is_named_in_architecture_md():
    text = DOC.read_text(encoding="utf-8")
    named = set(re.findall(r"`([A-Za-z_][\w.]*)`", text))
    missing = [m for m in _modules() if m not in named]       # a subpackage's modules by their dotted name
    assert _modules(), "no module found under src/csat"
    assert not missing, f"docs/architecture.md does not mention these modules of src/csat: {missing}"


def test_architecture_md_names_no_missing_notebook():
    text = DOC.read_text(encoding="utf-8")
    notebooks = {p.stem for p in (ROOT / "notebooks").glob("*.ipynb")}
    cited = set(re.findall(r"`(\d\d_\w+)`", text))
    assert notebooks <= cited, f"notebooks not described: {sorted(notebooks - cited)}"
    assert cited <= notebooks, f"architecture.md names notebooks that do not exist: {sorted(cited - notebooks)}"
