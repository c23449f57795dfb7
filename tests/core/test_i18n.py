"""The translation catalogs (csat.core.i18n): complete, consistent, and zh-Hant derived from zh."""
from __future__ import annotations

from pathlib import Path

import json
import re

import pytest
from babel.messages.extract import extract_from_dir, extract_python

from csat.core import i18n

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "csat"
#: what marks a message: tr(message, language, ...), trc(context, message, language, ...), N_(message), and in
#: the notebooks stage.tr(message, ...) / stage.trc(context, message, ...); diagnostic(code, severity, where,
#: message, context=...) is read from the syntax tree (_diagnostic_messages)
KEYWORDS = {"tr": (1,), "trc": ((1, "c"), 2), "N_": None}


def _add(out: dict, message, context, where: str) -> None:
    if isinstance(message, tuple):
        message = message[0]
    if message:
        out.setdefault(i18n.catalog_key(message, context), where)


def _diagnostic_messages(source: str, where: str, out: dict) -> None:
    """The English templates of ``diagnostic(code, severity, where, message, ..., context=...)`` calls
    (csat.core.diagnostics.diagnostic; its context is a keyword, which Babel's keyword specs cannot read)."""
    import ast

    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "diagnostic"
                and len(node.args) >= 4 and isinstance(node.args[3], ast.Constant)
                and isinstance(node.args[3].value, str)):
            ctx = next((k.value.value for k in node.keywords if k.arg == "context"
                        and isinstance(k.value, ast.Constant)), None)
            _add(out, node.args[3].value, ctx, f"{where}:{node.lineno}")


def _messages() -> dict[str, str]:
    """Every message of the package and the stage notebooks, with where it is."""
    out: dict[str, str] = {}
    for f in sorted(PACKAGE.rglob("*.py")):
        _diagnostic_messages(f.read_text(encoding="utf-8"), str(f.relative_to(ROOT)), out)
    for filename, lineno, message, _comments, context in extract_from_dir(
            str(PACKAGE), method_map=[("**.py", "python")], keywords=KEYWORDS, comment_tags=()):
        _add(out, message, context, f"{filename}:{lineno}")
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        for i, cell in enumerate(cells):
            text = "".join(cell["source"])
            if cell["cell_type"] == "markdown" and "zh" not in cell.get("metadata", {}).get("tags", []):
                # the headings of the English explanations (csat.report.words.heading translates them)
                for m in re.finditer(r"(?m)^#{2,6} (.+)$", text):
                    _add(out, m.group(1).strip(), "heading", f"{nb.name} cell {i}")
            if cell["cell_type"] != "code":
                continue
            for m in re.finditer(r'(?m)(?:^|markdown\(r?"""|\.tr\(r?""")#{2,6} ([^\n"]+)', text):
                _add(out, m.group(1).strip(), "heading", f"{nb.name} cell {i}")
            text = "".join(cell["source"])
            try:
                _diagnostic_messages("\n".join("pass" if ln.lstrip().startswith(("%", "!")) else ln
                                               for ln in text.split("\n")), f"{nb.name} cell {i}", out)
            except SyntaxError:
                pass
            source = text.encode("utf-8")
            for lineno, _func, message, _comments in extract_python(
                    __import__("io").BytesIO(source), KEYWORDS.keys(), (), {}):
                context = None
                if _func == "trc" and isinstance(message, tuple):
                    context, message = message[0], message[1]
                _add(out, message, context, f"{nb.name} cell {i}:{lineno}")
    return out


MESSAGES = _messages()


@pytest.mark.parametrize("language", [lang for lang in i18n.LANGUAGES if lang != i18n.SOURCE])
def test_every_message_is_translated(language):
    missing = [f"{where}: {m!r}" for m, where in MESSAGES.items() if m not in i18n.catalog(language)]
    assert not missing, f"messages without a {language} translation:\n" + "\n".join(missing)


@pytest.mark.parametrize("language", [lang for lang in i18n.LANGUAGES if lang not in (i18n.SOURCE, *i18n.DERIVED)])
def test_no_catalog_keeps_a_message_the_code_no_longer_uses(language):
    unused = sorted(set(i18n.catalog(language)) - set(MESSAGES))
    assert not unused, f"csat/locale/{language} translates messages no code uses:\n" + "\n".join(map(repr, unused))


@pytest.mark.parametrize("language", [lang for lang in i18n.LANGUAGES if lang != i18n.SOURCE])
def test_translations_keep_the_placeholders(language):
    bad = [m for m, t in i18n.catalog(language).items() if i18n.placeholders(m) != i18n.placeholders(t)]
    assert not bad, f"{language} translations whose {{fields}} differ from the English message: {bad}"


def test_traditional_is_converted_from_simplified_with_the_regional_terms():
    assert i18n.localize("样本量与因子分析", "zh-Hant") == "樣本數與因素分析"
    assert i18n.localize("感知质量", "zh-Hant") == "感知品質"          # 質量 is mass in Taiwan
    assert i18n.localize("总体满意度", "zh-Hant") == "總體滿意度"
    assert i18n.localize("样本量", "zh") == "样本量"
    zh, hant = i18n.catalog("zh"), i18n.catalog("zh-Hant")
    assert set(zh) <= set(hant)
    for m in zh:
        assert hant[m] == i18n.localize(zh[m], "zh-Hant") or m in i18n._read("zh-Hant")[0]


def test_an_untranslated_message_is_an_error_in_the_tests_and_english_with_a_warning_elsewhere(monkeypatch):
    monkeypatch.setenv("CSAT_STRICT_DIAGNOSTICS", "1")
    with pytest.raises(i18n.MissingTranslation, match="no zh translation"):
        i18n.tr("A sentence nobody translated", "zh")
    monkeypatch.setenv("CSAT_STRICT_DIAGNOSTICS", "0")
    with pytest.warns(UserWarning, match="no zh translation"):
        assert i18n.tr("A sentence nobody {x}", "zh", x="translated") == "A sentence nobody translated"
    assert i18n.tr("{n} items", "en", n=2) == "2 items"
    with pytest.raises(ValueError, match="unknown language"):
        i18n.catalog("xx")


def test_the_terms_catalog_is_read_as_terms_not_messages():
    messages, terms = i18n._read("zh-Hant")
    assert ("因子分析", "因素分析") in terms.items()
    assert "因子分析" not in messages
