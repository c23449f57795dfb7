"""How the reader sees a study's columns, categories, Kano features and SERVQUAL dimensions.

Every table, sentence, axis and legend that shows a group column (``gender``), one of its levels
(``male``), a Kano feature (``selfcheckout``) or a SERVQUAL dimension (``reliability``) names it through
these functions, in the report's language:

- :func:`column_label`: ``column_labels`` of the params (one text or ``{en, zh}``), else the item's wording
  (``item_labels``) or the construct's label, else the column's name;
- :func:`level_label`: ``value_labels[column][level]``, looked up by the level as written in the data
  (a code ``1``, ``"1"`` and ``1.0`` are the same level; for an SPSS/Stata file the level is the file's
  value label, applied on reading, or its code), else the level itself, a whole number without ``.0``;
- :func:`feature_label` and :func:`dimension_label`: ``label``/``label_zh`` of a ``kano`` feature or a
  ``servqual`` dimension, else its key.

Chinese texts are written once in simplified characters; ``zh-Hant`` converts them
(:func:`csat.core.i18n.localize`).  The study's data and results keep the codes: only what the
reader sees is relabelled.

>>> from csat.config.params import validate_params
>>> p = validate_params({"study": "s", "data": {"path": "x.csv"}, "language": "zh",
...     "constructs": {"SAT": {"items": ["s1", "s2"]}}, "groups": ["gender"],
...     "column_labels": {"gender": {"en": "Gender", "zh": "性别"}},
...     "value_labels": {"gender": {1: {"en": "Male", "zh": "男"}, "female": {"en": "Female", "zh": "女"}}},
...     "kano": {"app": {"functional": "k_f", "dysfunctional": "k_d", "label": "Mobile app", "label_zh": "手机应用"}}})
>>> column_label(p, "gender"), level_label(p, "gender", 1.0), level_label(p, "gender", "female", "en")
('性别', '男', 'Female')
>>> feature_label(p, "app"), feature_label(p, "app", "en"), level_label(p, "gender", 3.0)
('手机应用', 'Mobile app', '3')
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from csat.config.params import local_text

__all__ = ["column_label", "level_label", "level_key", "level_labels", "feature_label", "dimension_label", "relabel",
           "group_labeller"]


def _language(params, language: str | None) -> str:
    return language or getattr(params, "language", "en")


def level_key(level) -> str:
    """The text a level is matched by: ``1``, ``1.0`` and ``"1"`` are all ``"1"``; other text is stripped.

    >>> level_key(1.0), level_key("2"), level_key(" male "), level_key(2.5)
    ('1', '2', 'male', '2.5')
    """
    if isinstance(level, bool):
        return str(level).lower()
    if isinstance(level, (int, float)) or hasattr(level, "dtype"):
        try:
            x = float(level)
        except (TypeError, ValueError):
            return str(level).strip()
        if math.isfinite(x) and x.is_integer():
            return str(int(x))
        return f"{x:g}"
    t = str(level).strip()
    try:
        x = float(t)
    except ValueError:
        return t
    return str(int(x)) if math.isfinite(x) and x.is_integer() else t


def _text(value, language: str) -> str | None:
    return local_text(value, language) if value is not None else None


def column_label(params, column: str, language: str | None = None) -> str:
    """The name of ``column`` as the reader sees it, in ``language`` (the study's by default).

    ``column_labels[column]``, else the wording of an item (``item_labels``), else a construct's label,
    else the column's own name."""
    lang = _language(params, language)
    lab = _text(params.column_labels.get(column), lang)
    if lab:
        return lab
    if column in params.item_labels:
        return _text(params.item_labels[column], lang) or column
    if column in params.constructs:
        c = params.constructs[column]
        return _labelled(c.label or None, c.label_zh, lang) or column
    return column


def _labelled(label, label_zh: str | None, language: str) -> str | None:
    """``label`` (text or ``{en, zh}``) and ``label_zh`` in ``language``: a Chinese language takes ``label_zh``
    first, then ``label``'s ``zh``; any other takes ``label``'s ``en``/text."""
    from csat.core.i18n import is_chinese, localize

    if is_chinese(language) and label_zh:
        return localize(label_zh, language)
    return _text(label, language)


def level_label(params, column: str, level, language: str | None = None) -> str:
    """The label of one ``level`` of ``column`` (``value_labels``), else the level as text (a whole number
    without ``.0``); a missing level is returned as it is (``NaN``/``None`` are the caller's)."""
    lang = _language(params, language)
    labs = params.value_labels.get(column)
    if labs:
        key = level_key(level)
        for k, v in labs.items():
            if level_key(k) == key:
                got = _text(v, lang)
                if got:
                    return got
    if level is None or (isinstance(level, float) and math.isnan(level)):
        return level
    return level_key(level) if not isinstance(level, str) else level


def level_labels(params, column: str, levels: Iterable, language: str | None = None) -> list[str]:
    """:func:`level_label` of each of ``levels``."""
    return [level_label(params, column, lv, language) for lv in levels]


def relabel(params, column: str, values, language: str | None = None):
    """A pandas Series/Index (or list) of ``column``'s levels with each level replaced by its label."""
    if hasattr(values, "map"):
        return values.map(lambda v: level_label(params, column, v, language))
    return level_labels(params, column, values, language)


def group_labeller(params, language: str | None = None):
    """A function ``(column, level) -> label`` for code that shows levels of several columns."""
    return lambda column, level: level_label(params, column, level, language)


def _spec_label(block: Mapping | None, key: str, language: str) -> str:
    spec = (block or {}).get(key)
    if spec is None:
        return key
    return _labelled(spec.label, spec.label_zh, language) or key


def feature_label(params, feature: str, language: str | None = None) -> str:
    """The name of Kano feature ``feature`` (``kano.<feature>.label`` / ``label_zh``), else its key."""
    return _spec_label(params.kano, feature, _language(params, language))


def dimension_label(params, dimension: str, language: str | None = None) -> str:
    """The name of SERVQUAL dimension ``dimension`` (``servqual.<dimension>.label`` / ``label_zh``), else its
    key."""
    return _spec_label(params.servqual, dimension, _language(params, language))
