"""The study's language in the notebooks' explanations and in the diagnostics.

Every English markdown cell of a stage notebook is followed by its Chinese version (a markdown cell
tagged ``zh``); ``csat.pipeline.build.localize_notebook`` keeps the one in the study's ``language``, so a
``language: zh`` study's executed notebooks and report carry no English explanation.  Every
diagnostic the code raises has its Chinese sentence (``message_zh``), shown in a zh report: built by
``csat.core.diagnostics.diagnostic`` from an English template the catalog translates.
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from csat.core.i18n import localize
from csat.report import words
from csat.pipeline.build import TRANSLATION_TAGS, localize_notebook
from csat.pipeline.graph import STAGES

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u4e00-\u9fff]")


def _zh(text: str):
    cell = new_markdown_cell(text)
    cell.metadata["tags"] = ["zh"]
    return cell


def _nb(*cells):
    nb = new_notebook()
    nb.cells = list(cells)
    return nb


def test_localize_keeps_the_study_language_and_leaves_the_input_alone():
    params = new_code_cell("study = 'demo'")
    params.metadata["tags"] = ["parameters"]
    nb = _nb(new_markdown_cell("# Title"), _zh("# 标题"), params, new_markdown_cell("## Fit\n\ntext"),
             _zh("## 拟合\n\n文字"), new_code_cell("x = 1"), new_markdown_cell("untranslated"))
    zh = localize_notebook(nb, "zh")
    en = localize_notebook(nb, "en")
    assert [c.source for c in zh.cells] == ["# 标题", "study = 'demo'", "## 拟合\n\n文字", "x = 1", "untranslated"]
    assert [c.source for c in en.cells] == ["# Title", "study = 'demo'", "## Fit\n\ntext", "x = 1", "untranslated"]
    assert zh.cells[1].metadata["tags"] == ["parameters"]        # papermill still finds the parameters cell
    assert len(nb.cells) == 7 and nb.cells[0].source == "# Title"
    # a language without translations (or an unknown one) reads the English text
    assert [c.source for c in localize_notebook(nb, "fr").cells] == [c.source for c in en.cells]
    # traditional Chinese reads the zh cells, converted (Taiwan's characters and terms); the input stays
    hant = localize_notebook(nb, "zh-Hant")
    assert [c.source for c in hant.cells] == ["# 標題", "study = 'demo'", "## 適配\n\n文字", "x = 1", "untranslated"]
    assert hant.cells[0].metadata["tags"] == ["zh"] and nb.cells[1].source == "# 标题"


@pytest.mark.parametrize("cells, message", [
    ((_zh("## 孤立"), new_markdown_cell("## Alone")), "cell 1 is tagged 'zh'"),
    ((new_markdown_cell("## Fit"), new_code_cell("x = 1"), _zh("## 拟合")), "cell 3 is tagged 'zh'"),
    ((new_markdown_cell("## Fit"), _zh("## 拟合"), _zh("## 拟合度")), "cell 3: a second 'zh' translation of cell 1"),
])
def test_a_misplaced_translation_is_an_error_naming_the_cell(cells, message):
    with pytest.raises(ValueError, match=re.escape(f"notebooks/x.ipynb: {message}")):
        localize_notebook(_nb(*cells), "zh", where="notebooks/x.ipynb")


def _notebooks():
    return [(s, nbformat.read(str(ROOT / "notebooks" / f"{s}.ipynb"), as_version=4)) for s in STAGES]


def _headings(text: str) -> list[tuple[int, str]]:
    return [(len(m.group(1)), m.group(2).strip()) for m in re.finditer(r"(?m)^(#{1,6}) (.+)$", text)]


def _code_spans(text: str) -> list[str]:
    return sorted(re.sub(r"\s+", " ", s) for s in re.findall(r"`([^`]+)`", text))


def test_every_explanation_of_the_notebooks_has_its_chinese_version():
    """Each English markdown cell is directly followed by one ``zh`` cell that says the same in
    Chinese: same headings (the catalog's headings, csat.report.words.heading, so the table of contents and the headings a
    notebook writes in code agree), the same code spans (parameter names, files, columns) and
    Chinese prose."""
    assert TRANSLATION_TAGS == ("zh",)
    for stage, nb in _notebooks():
        cells = nb.cells
        for i, cell in enumerate(cells):
            if cell.cell_type != "markdown" or "zh" in cell.metadata.get("tags", []):
                continue
            where = f"notebooks/{stage}.ipynb cell {i + 1}"
            assert i + 1 < len(cells) and "zh" in cells[i + 1].metadata.get("tags", []), \
                f"{where} has no Chinese version (a markdown cell tagged 'zh' right after it)"
            en, zh = cell.source, cells[i + 1].source
            assert CJK.search(zh), where
            he, hz = _headings(en), _headings(zh)
            assert [lv for lv, _ in he] == [lv for lv, _ in hz], where
            for (lv, e), (_, z) in zip(he, hz):
                if lv == 1:                                  # the notebook's title: "01 · 数据读入与清洗"
                    assert z.split(" · ")[0] == e.split(" · ")[0] and CJK.search(z), where
                else:
                    assert words.heading(e, "zh") == z, (where, e, z)
            assert _code_spans(en) == _code_spans(zh), where
        # localizing removes every English explanation and keeps every code cell
        loc = localize_notebook(nb, "zh", where=stage)
        assert [c.source for c in loc.cells if c.cell_type == "code"] == \
               [c.source for c in cells if c.cell_type == "code"]
        assert all(CJK.search(c.source) for c in loc.cells if c.cell_type == "markdown"), stage
        assert not [c for c in localize_notebook(nb, "en").cells
                    if c.cell_type == "markdown" and "zh" in c.metadata.get("tags", [])]
        # zh-Hant: the zh cells converted, their headings the converted catalog headings (what the report shows)
        hant = localize_notebook(nb, "zh-Hant", where=stage)
        assert [c.source for c in hant.cells] == [localize(c.source, "zh-Hant") if c.cell_type == "markdown"
                                                  else c.source for c in loc.cells]
        en_md = [c.source for c in localize_notebook(nb, "en").cells if c.cell_type == "markdown"]
        hant_md = [c.source for c in hant.cells if c.cell_type == "markdown"]
        for e, z in zip(en_md, hant_md):
            for (lv, eh), (_, zh) in zip(_headings(e), _headings(z)):
                if lv > 1 and words.heading(eh, "zh") is not None:
                    assert zh == words.heading(eh, "zh-Hant") == localize(words.heading(eh, "zh"), "zh-Hant"), \
                        (stage, eh, zh)


def test_markdown_written_by_code_is_translated_too():
    """A notebook that writes a section's explanation in code gives both languages (``stage.t``) or
    asks a module for the study's language; no English-only literal is shown."""
    bad = []
    for stage, nb in _notebooks():
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "code" and re.search(r'stage\.markdown\(\s*[rf]?"', cell.source):
                bad.append(f"{stage} cell {i + 1}")
    assert not bad, bad


def test_a_diagnostic_is_shown_in_the_study_language():
    from csat.core.diagnostics import Diagnostic
    from csat.pipeline.stage import diagnostic_item

    d = Diagnostic("out_of_range", "warning", "qual1", "1 value(s) outside the allowed range (12) in data row(s) "
                   "546 were set missing.", message_zh="第 546 行数据中有 1 个超出允许范围的值（12），已设为缺失。")
    en, zh = diagnostic_item(d.to_dict(), "en"), diagnostic_item(d.to_dict(), "zh")
    assert "<b>WARNING</b> qual1: 1 value(s) outside" in en and "第 546 行" not in en
    assert "<b>警告</b> qual1：第 546 行数据中有 1 个" in zh and "outside" not in zh
    # the code is no reader text (only the item's title); where is shown when it names the study's codes
    assert "[out_of_range]" not in en + zh and 'title="out_of_range"' in zh
    assert "<b>警告</b> qual1：" in diagnostic_item(d.to_dict(), "zh", {"qual1"})
    m = Diagnostic("missing_codes_found", "info", "missing_codes", "68 cells held a missing code.",
                   message_zh="68 个单元格含缺失代码（99.0），已设为缺失。")
    shown = diagnostic_item(m.to_dict(), "zh", {"qual1"})
    assert "<b>提示</b> 68 个单元格" in shown and "missing_codes" not in shown.replace('title="missing_codes_found"', "")
    assert "<b>INFO</b> 68 cells held" in diagnostic_item(m.to_dict(), "en", {"qual1"})
    # no Chinese sentence (an old diagnostics.json, a dict from elsewhere): the code's Chinese meaning
    # from the registry, then the English detail; user text is escaped
    old = {"code": "heywood", "severity": "error", "where": "<SAT>", "message": "theta < 0"}
    html = diagnostic_item(old, "zh")
    assert "<b>错误</b> &lt;SAT&gt;：" in html and "负" in html and '<span lang="en">(theta &lt; 0)</span>' in html
    assert "message_zh" in d.to_dict()
    # traditional Chinese: the same, converted
    hant = diagnostic_item(d.to_dict(), "zh-Hant")
    assert "<b>警告</b> qual1：第 546 行資料中有 1 個" in hant and "outside" not in hant
    hant = diagnostic_item(old, "zh-Hant")
    assert "<b>錯誤</b> &lt;SAT&gt;：" in hant and "負" in hant and "负" not in hant


def _diagnostic_calls(tree):
    import ast

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            if name in ("Diagnostic", "diagnostic"):
                yield node


def test_every_diagnostic_the_code_raises_has_its_chinese_sentence():
    """Each diagnostic in src/csat and in the notebooks has its Chinese sentence: it is made by
    ``diagnostic(code, severity, where, "English template", ...)``, whose template the catalog translates
    (tests/core/test_i18n.py checks that), or a ``Diagnostic(...)`` passes ``message_zh`` (a Chinese
    sentence, not a copy of the English).  A bare ``Diagnostic(...)`` without ``message_zh`` is refused."""
    import ast

    missing, sources = [], []
    for f in sorted((ROOT / "src" / "csat").rglob("*.py")):
        sources.append((str(f.relative_to(ROOT)), f.read_text(encoding="utf-8")))
    for stage, nb in _notebooks():
        for i, c in enumerate(nb.cells):
            if c.cell_type == "code":
                src = "\n".join("" if ln.lstrip().startswith(("%", "!")) else ln for ln in c.source.splitlines())
                sources.append((f"notebooks/{stage}.ipynb cell {i + 1}", src))
    n = 0
    for where, src in sources:
        for call in _diagnostic_calls(ast.parse(src)):
            if where.endswith("results.py") and not call.args:
                continue
            n += 1
            f = call.func
            if (f.id if isinstance(f, ast.Name) else f.attr) == "diagnostic":
                if len(call.args) < 4:
                    missing.append(f"{where}:{call.lineno} (diagnostic() without its English template)")
                continue
            kw = {k.arg: k.value for k in call.keywords}
            zh = kw.get("message_zh")
            if zh is None:
                missing.append(f"{where}:{call.lineno}")
            elif isinstance(zh, (ast.Constant, ast.JoinedStr)):
                text = "".join(v.value for v in ([zh] if isinstance(zh, ast.Constant) else zh.values)
                               if isinstance(v, ast.Constant) and isinstance(v.value, str))
                if not CJK.search(text):
                    missing.append(f"{where}:{call.lineno} (not Chinese)")
    assert n > 90, n
    assert not missing, "Diagnostic(...) without message_zh:\n" + "\n".join(missing)


def test_intake_and_flow_tables_are_shown_in_the_study_language():
    """The intake report and the exclusion flow read in Chinese in a zh study, with the same numbers;
    the files in results/ keep the English table (cleaning_flow.csv is written from ``res.flow``)."""
    from csat.analyses.cleaning import flow_display, intake_summary
    from csat.intake import cleaning as C
    from csat.intake.readers import load_study_data
    from csat.intake.preflight import load_study

    p = load_study(ROOT / "params" / "demo.yaml", root=ROOT)
    raw, intake = load_study_data(p, ROOT / "params" / "demo.yaml", root=ROOT)
    en, zh = intake_summary(intake), intake_summary(intake, "zh")
    assert en["value"].tolist() == zh["value"].tolist()
    assert "columns in file" in en["what"].tolist() and "文件中的列数" in zh["what"].tolist()
    assert all(CJK.search(w) for w in zh["what"] if w != "SHA-256")
    res = C.clean(raw, p)
    shown = flow_display(res.flow, p, "zh")
    en = flow_display(res.flow, p, "en")       # English: the numbers as they are, the steps in words
    assert en.drop(columns=["step"]).equals(res.flow.drop(columns=["step"]))
    assert shown[["excluded", "remaining", "active"]].equals(res.flow[["excluded", "remaining", "active"]])
    assert shown["step"].tolist() == ["原始数据", "重复作答", "作答过快", "直线作答", "未通过注意力检测", "缺失题项过多", "纳入分析"]
    assert all(CJK.search(d) for d in shown["description"][:4]) and res.flow["step"].iloc[1] == "duplicates"


def test_a_title_per_language():
    from csat.config.params import local_text
    from csat.intake.preflight import load_study

    en = load_study(ROOT / "params" / "demo.yaml", root=ROOT)
    zh = load_study(ROOT / "params" / "demo.yaml", {"language": "zh"}, root=ROOT)
    assert en.title_text() == "Retail chain customer satisfaction (simulated demo)"
    assert zh.title_text() == "零售连锁店顾客满意度调查（模拟演示）" and zh.title_text("en") == en.title_text()
    assert local_text({"en": "Survey"}, "zh") == "Survey" and local_text(None) is None
    plain = load_study(ROOT / "params" / "hs.yaml", {"language": "zh"}, root=ROOT)
    assert plain.title_text() == "Holzinger–Swineford (1939): three-factor CFA of mental-ability tests"
