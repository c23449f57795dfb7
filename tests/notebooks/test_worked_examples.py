"""The stage notebooks read like worked examples (reviewers and teachers read them).

Each code cell is a few lines calling the stage's analyses module and showing its result, each result
is preceded by its explanation (an English markdown cell and its ``zh``-tagged translation), and no
code cell holds reader text in a language: texts come from the catalogs (``stage.tr``), so a new
report language is a catalog, not an edit of the notebooks.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))
MAX_LINES = 15
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")


def _cells(nb: Path) -> list[dict]:
    return json.loads(nb.read_text(encoding="utf-8"))["cells"]


def _code_lines(cell: dict) -> list[str]:
    return [ln for ln in "".join(cell["source"]).splitlines() if ln.strip() and not ln.strip().startswith("#")]


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_code_cell_is_a_few_lines(nb):
    long = [(i, len(_code_lines(c))) for i, c in enumerate(_cells(nb))
            if c["cell_type"] == "code" and len(_code_lines(c)) > MAX_LINES]
    assert not long, f"{nb.name}: code cells over {MAX_LINES} lines (cell index, lines): {long}"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_result_follows_its_explanation(nb):
    cells = _cells(nb)
    code = [i for i, c in enumerate(cells) if c["cell_type"] == "code"]
    bare = [i for i in code[2:] if cells[i - 1]["cell_type"] != "markdown"]   # after the parameters and set-up
    assert not bare, f"{nb.name}: code cells without an explanation before them (cell index): {bare}"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_code_cell_writes_reader_text_in_a_language(nb):
    bad = [i for i, c in enumerate(_cells(nb)) if c["cell_type"] == "code"
           and (CJK.search("".join(c["source"])) or re.search(r"language\s*[!=]=|stage\.t\(", "".join(c["source"])))]
    assert not bad, (f"{nb.name}: code cells with Chinese text, a language test or stage.t(en, zh) (cell index): "
                     f"{bad}; write the English message with stage.tr and its translation in csat/locale/")


SHOWS_NOTHING = ("stage.say(", "stage.table(", "stage.figure(", "stage.show_diagnostics(", "stage.finish(", "print(",
                 "display(", "stage.markdown(", "stage.estimator_cells(")


def test_no_notebook_cell_ends_with_a_stray_value():
    """A code cell whose last line is an expression prints its value (a path, a dict) into the stage HTML."""
    import ast

    bad = []
    for nbp in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(nbp, as_version=4)
        for i, c in enumerate(nb.cells):
            if c.cell_type != "code" or "parameters" in c.metadata.get("tags", []):
                continue
            src = c.source
            if src.lstrip().startswith("%%"):      # a cell magic runs its body with exec(): nothing is echoed
                continue
            body = ast.parse(src).body
            if body and isinstance(body[-1], ast.Expr):
                last = ast.get_source_segment(src, body[-1])
                if not last.startswith(SHOWS_NOTHING):
                    bad.append(f"{nbp.name} cell {i}: {last[:60]}")
    assert bad == []
