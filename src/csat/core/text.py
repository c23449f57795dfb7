"""Text helpers shared by every layer: near-miss suggestions for error messages."""
from __future__ import annotations

import difflib


def suggest(name: str, choices) -> str:
    """`` (did you mean 'a', 'b'?)`` for the near matches of ``name`` among ``choices``, else ``""``."""
    near = difflib.get_close_matches(str(name), [str(c) for c in choices], n=3, cutoff=0.6)
    return f" (did you mean {', '.join(repr(n) for n in near)}?)" if near else ""
