"""Text helpers shared by every layer: near-miss suggestions for error messages and p-values as the
reports print them."""
from __future__ import annotations

import difflib

from csat.core.i18n import is_chinese


def suggest(name: str, choices) -> str:
    """`` (did you mean 'a', 'b'?)`` for the near matches of ``name`` among ``choices``, else ``""``."""
    near = difflib.get_close_matches(str(name), [str(c) for c in choices], n=3, cutoff=0.6)
    return f" (did you mean {', '.join(repr(n) for n in near)}?)" if near else ""


def format_p(p: float, language: str = "en", leading_zero: bool | None = None) -> str:
    """A p-value with its relation, three decimals, never ``= 0.000``: ``< .001`` / ``= .023`` in
    English (APA), ``< 0.001`` / ``= 0.023`` in Chinese (``zh``, ``zh-Hant``).

    ``leading_zero=True`` writes the zero before the point of a value (``= 0.023``) in English too,
    keeping the bound ``< .001`` (the factor analysis's Bartlett test).  A NaN is ``= nan``.

    >>> format_p(0.0004), format_p(0.0234), format_p(1.0), format_p(0.0004, "zh"), format_p(0.0234, "zh")
    ('< .001', '= .023', '= 1.000', '< 0.001', '= 0.023')
    >>> format_p(0.0234, leading_zero=True), format_p(0.0004, leading_zero=True)
    ('= 0.023', '< .001')
    """
    if p < 0.001:
        return "< 0.001" if is_chinese(language) else "< .001"
    s = f"{p:.3f}"
    keep = is_chinese(language) if leading_zero is None else leading_zero
    return "= " + (s if keep or not s.startswith("0.") else s[1:])
