"""Translations: every reader-facing text is written once, in English, and translated by a catalog.

The mechanism is gettext's: the English text is the message id, each language has catalogs of
``msgid → msgstr`` in PO files (``csat/locale/<language>/*.po``), read with Babel
(:func:`babel.messages.pofile.read_po`) when first needed. A text with values is a template with
named placeholders, formatted after translation, so that a translation may reorder them::

    tr("{n} respondents were excluded", "zh", n=12)   # -> '共剔除 12 名受访者'

A new language is a new folder of catalogs (and its name in :data:`LANGUAGES`), not an edit of the
call sites. ``tests/core/test_i18n.py`` extracts every ``tr``/``N_`` message of the package with Babel's
extractor and fails when a catalog lacks one or keeps one the code no longer uses.

**Traditional Chinese** (``zh-Hant``, as readers in Taiwan and Hong Kong expect) is derived, not
typed: the simplified catalog is converted by OpenCC (the ``opencc`` package, configuration
``s2twp``: Taiwan characters and phrases), and then the survey terms that differ between the regions
are fixed by the ``zh-Hant`` catalog's *terms* (PO entries with ``msgctxt "term"``: msgid the converted
term, msgstr the regional one, e.g. 樣本量 → 樣本數, 因子分析 → 因素分析). A ``zh-Hant`` entry
without that context overrides a whole message. Free Chinese text that is not in a catalog (a
study's own construct labels, the notebooks' tagged ``zh`` cells, the section texts) goes through
:func:`localize` the same way.

Missing translations: with ``CSAT_STRICT_DIAGNOSTICS=1`` (the test suite) an untranslated message is
an error; otherwise it is shown in English with a warning, so that a report is never lost.
"""
from __future__ import annotations

import os
import re
import warnings
from functools import lru_cache
from importlib import resources
from typing import Any

__all__ = ["SOURCE", "LANGUAGES", "DERIVED", "MissingTranslation", "is_chinese", "html_lang", "catalog", "gettext",
           "tr", "trc", "N_", "Msg", "localize", "terms", "placeholders", "catalog_key"]

#: The language the code is written in (message ids are English).
SOURCE = "en"
#: Every language a study may choose (``params.language``): its name in English and in itself.
LANGUAGES: dict[str, tuple[str, str]] = {
    "en": ("English", "English"),
    "zh": ("Simplified Chinese", "简体中文"),
    "zh-Hant": ("Traditional Chinese", "繁體中文"),
}
#: Languages derived from another one's catalog by a conversion: language → (base, OpenCC configuration).
DERIVED: dict[str, tuple[str, str]] = {"zh-Hant": ("zh", "s2twp")}
_TERM = "term"
_CONTEXT_SEP = "\x04"                     # gettext's separator of a message's context and id


def catalog_key(message: str, context: str | None = None) -> str:
    """The catalog key of ``message`` (with its ``msgctxt`` if it has one, as gettext joins them)."""
    return f"{context}{_CONTEXT_SEP}{message}" if context else message


class MissingTranslation(LookupError):
    """A message that a language's catalog does not translate (a bug: add it to the catalog)."""


def is_chinese(language: str) -> bool:
    """Whether ``language`` is written in Chinese characters (``zh``, ``zh-Hant``): CJK fonts, no spaces
    between words, Chinese punctuation."""
    return language == "zh" or language.startswith("zh-")


def html_lang(language: str) -> str:
    """The HTML ``lang`` attribute of a report in ``language`` (``zh-Hans`` / ``zh-Hant`` for Chinese)."""
    return "zh-Hans" if language == "zh" else language


def _check(language: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; csat has catalogs for {sorted(LANGUAGES)}")
    return language


def _po_files(language: str):
    folder = resources.files("csat") / "locale" / language
    if not folder.is_dir():
        return []
    return sorted((f for f in folder.iterdir() if f.name.endswith(".po")), key=lambda f: f.name)


def _read(language: str) -> tuple[dict[str, str], dict[str, str]]:
    """``(messages, terms)`` of the language's own PO files (not the derived ones)."""
    from babel.messages.pofile import read_po

    messages: dict[str, str] = {}
    term_map: dict[str, str] = {}
    for f in _po_files(language):
        with f.open("rb") as fh:
            cat = read_po(fh)
        for m in cat:
            if not m.id or not m.string or m.fuzzy:
                continue
            target = term_map if m.context == _TERM else messages
            key = m.id if m.context == _TERM else catalog_key(m.id, m.context)
            if key in target and target[key] != m.string:
                raise ValueError(f"csat/locale/{language}/{f.name}: {m.id!r} is translated twice, differently "
                                 "(give one a msgctxt and translate it with trc)")
            target[key] = m.string
    return messages, term_map


@lru_cache(maxsize=None)
def terms(language: str) -> tuple[tuple[str, str], ...]:
    """The regional term fixes of a derived language, longest first (so that a longer term wins)."""
    if language not in DERIVED:
        return ()
    _, found = _read(language)
    return tuple(sorted(found.items(), key=lambda kv: -len(kv[0])))


@lru_cache(maxsize=None)
def _converter(config: str):
    import opencc

    return opencc.OpenCC(f"{config}.json" if not config.endswith(".json") else config)


def localize(text: str | None, language: str) -> str | None:
    """Chinese ``text`` written in simplified characters, as ``language`` writes it: unchanged for
    ``zh`` (and any language that is not derived), converted by OpenCC and the regional terms for
    ``zh-Hant``.  For texts that are no catalog message: a study's labels, notebook prose, section texts.

    >>> localize("样本量与因子分析", "zh-Hant")
    '樣本數與因素分析'
    """
    if not text or language not in DERIVED:
        return text
    _, config = DERIVED[language]
    out = _converter(config).convert(text)
    for old, new in terms(language):
        out = out.replace(old, new)
    return out


@lru_cache(maxsize=None)
def catalog(language: str) -> dict[str, str]:
    """``{English message: translation}`` of ``language`` (empty for English)."""
    _check(language)
    if language == SOURCE:
        return {}
    out: dict[str, str] = {}
    if language in DERIVED:
        base, _ = DERIVED[language]
        out = {k: localize(v, language) for k, v in catalog(base).items()}
    own, _ = _read(language)
    out.update(own)
    return out


def gettext(message: str, language: str, context: str | None = None) -> str:
    """``message`` (English) in ``language``, untranslated placeholders and all."""
    if language == SOURCE:
        return message
    found = catalog(language).get(catalog_key(message, context))
    if found is not None:
        return found
    where = f" in context {context!r}" if context else ""
    problem = f"no {language} translation of {message!r}{where} (add it to csat/locale/)"
    if os.environ.get("CSAT_STRICT_DIAGNOSTICS") == "1":
        raise MissingTranslation(problem)
    warnings.warn(problem, stacklevel=3)
    return message


class Msg(str):
    """A value that is itself a catalog message: :func:`tr` translates it into the target language before
    it fills the template (a verdict word or a category name inside a sentence).

    >>> tr("KMO = {kmo} ({label})", "en", kmo="0.75", label=Msg("middling"))
    'KMO = 0.75 (middling)'
    """

    __slots__ = ()


def _fill(text: str, language: str, values: dict[str, Any]) -> str:
    if not values:
        return text
    return text.format(**{k: gettext(v, language) if isinstance(v, Msg) else v for k, v in values.items()})


def tr(message: str, language: str, /, **values: Any) -> str:
    """``message`` translated into ``language`` and formatted with ``values`` (``str.format`` fields; a
    :class:`Msg` value is translated too).

    >>> tr("{n} items", "en", n=3)
    '3 items'
    """
    return _fill(gettext(message, language), language, values)


def trc(context: str, message: str, language: str, /, **values: Any) -> str:
    """:func:`tr` of a message whose English text means different things in different places: the
    catalog holds it with ``msgctxt context`` (gettext's ``pgettext``).

    >>> trc("verdict", "good", "en")
    'good'
    """
    return _fill(gettext(message, language, context), language, values)


def N_(message: str) -> str:
    """Mark a message for the catalogs without translating it here (a table of texts translated where it
    is shown, with :func:`tr`)."""
    return message


_PLACEHOLDER = re.compile(r"\{([A-Za-z_]\w*)[^{}]*\}")


def placeholders(message: str) -> set[str]:
    """The named fields of a message template (what every translation must keep)."""
    return set(_PLACEHOLDER.findall(message))
