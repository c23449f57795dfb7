"""The diagnostic record: one warning raised by an analysis, checked against the code registry.

:class:`Diagnostic` is what every analysis returns for what a reader must know (a Heywood case, a poor
fit, a thin group), made by :func:`diagnostic` from an English message template and its values (the
Chinese sentence comes from the catalog, :mod:`csat.core.i18n`; a :class:`csat.core.i18n.Msg` or a
:class:`Listing` value is written in each language); :func:`merge_diagnostics` writes a stage's
diagnostics into ``diagnostics.json`` atomically (:mod:`csat.core.files`); :func:`check_code` refuses a
code that :mod:`csat.core.codes` does not register when ``CSAT_STRICT_DIAGNOSTICS=1``.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable, Literal

from csat.core.files import write_json
from csat.core.i18n import is_chinese, tr, trc

Severity = Literal["info", "warning", "error"]


@dataclass(frozen=True)
class Diagnostic:
    """One warning raised by an analysis.

    code : short stable identifier, e.g. ``low_alpha``, ``heywood``, ``htmt``.
    severity : ``info`` | ``warning`` | ``error`` (``error`` = estimates untrustworthy).
    where : what it concerns, e.g. a construct, an item or a parameter (``SAT =~ sat1``).
    message : one plain sentence for the report, in English.
    message_zh : the same sentence in Chinese, shown in a ``language: zh`` report (empty: the
        registry's Chinese meaning of the code is shown, :data:`csat.core.codes.CODES`).
    """

    code: str
    severity: Severity
    where: str
    message: str
    stage: str = ""
    message_zh: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


class UnknownDiagnosticCode(ValueError):
    """A diagnostic whose code is not in :data:`csat.core.codes.CODES` (a bug: register the code)."""


def check_code(code: str, severity: str | None = None) -> None:
    """Check a diagnostic's code against the registry (:mod:`csat.core.codes`) and its severity.

    An unknown code or severity raises :class:`UnknownDiagnosticCode` when the environment variable
    ``CSAT_STRICT_DIAGNOSTICS`` is ``1`` (the test suite sets it), else it is a ``UserWarning`` and the
    diagnostic is still written: a report is never lost to an unregistered code.
    """
    from csat.core.codes import CODES

    problem = None
    if code not in CODES:
        problem = f"diagnostic code {code!r} is not registered in csat.core.codes"
    elif severity is not None and severity not in ("info", "warning", "error"):
        problem = f"diagnostic {code!r}: severity {severity!r} is not info, warning or error"
    if problem is None:
        return
    if os.environ.get("CSAT_STRICT_DIAGNOSTICS") == "1":
        raise UnknownDiagnosticCode(problem)
    import warnings

    warnings.warn(problem, stacklevel=3)


def merge_diagnostics(path: str | Path, stage: str, diags: Iterable[Diagnostic | dict]) -> list[dict]:
    """Replace this stage's entries in ``diagnostics.json`` by ``diags`` and write it atomically.

    The file is one JSON list of ``{"code", "severity", "where", "message", "stage", "message_zh"}``;
    entries of other stages are kept, so each notebook can be re-run on its own.  Entries are
    ordered by stage name (``01_cleaning`` < ``02_…``), each stage's in the order given, so the file
    does not depend on the order in which stages ran; the read-modify-write holds an exclusive lock on
    the file's folder, so stages running at the same time (``make -j``) do not lose each other's entries.
    Every new entry's code must be registered (:func:`check_code`).
    """
    import fcntl
    import os

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        old: list[dict] = []
        if path.is_file():
            try:
                old = json.loads(path.read_text(encoding="utf-8"))
            except json.JSONDecodeError:
                old = []
        new = []
        for d in diags:
            d = d.to_dict() if isinstance(d, Diagnostic) else dict(d)
            check_code(d.get("code"), d.get("severity"))
            d["stage"] = stage
            new.append(d)
        kept = [d for d in old if d.get("stage") != stage]
        out = sorted(kept + new, key=lambda d: str(d.get("stage")))
        write_json(path, out)
    finally:
        os.close(fd)                       # releases the lock
    return out


class Listing:
    """Values a diagnostic's message lists, joined the way its language writes a list: ``a, b`` in English,
    ``a、b`` in Chinese (the catalog's list separator).  Pass it as a value of :func:`diagnostic`.

    >>> Listing(["q1", "q2"]).text("en"), Listing(["q1", "q2"]).text("zh")
    ('q1, q2', 'q1、q2')

    An item may be a pair ``(English, Chinese)`` for a value that is itself a word (``(empty)`` / ``（空白）``).
    """

    __slots__ = ("items",)

    def __init__(self, items: Iterable[str | tuple[str, str]]):
        self.items = tuple(x if isinstance(x, tuple) else str(x) for x in items)

    def text(self, language: str) -> str:
        """The items joined by ``language``'s list separator."""
        words = [(x[1] if is_chinese(language) else x[0]) if isinstance(x, tuple) else x for x in self.items]
        return trc("list separator", ", ", language).join(words)

    def __repr__(self) -> str:
        return f"Listing({list(self.items)!r})"


def _in(values: dict, language: str) -> dict:
    return {k: v.text(language) if isinstance(v, Listing) else v for k, v in values.items()}


def diagnostic(code: str, severity: Severity, where: str, message: str, /, *, context: str | None = None,
               stage: str = "", **values) -> Diagnostic:
    """A :class:`Diagnostic` from an English message template and its values: ``message`` is the English
    text and ``message_zh`` its translation from the catalog (:mod:`csat.core.i18n`; with ``context``,
    the catalog's entry of that ``msgctxt``), both formatted with ``values`` (a :class:`csat.core.i18n.Msg`
    value is translated too, a :class:`Listing` joined as each language writes a list).  The statistics
    raise their warnings this way, knowing no language; a report in a language derived from Chinese shows
    ``message_zh`` converted (:func:`csat.core.i18n.localize`).  ``stage`` is the stage that raises it
    (:class:`Diagnostic`'s field; so no template has a ``{stage}`` or ``{context}`` placeholder).

    >>> d = diagnostic("kano_empty", "warning", "f1", "No valid answer pair.")
    >>> d.message, d.message_zh
    ('No valid answer pair.', '没有有效的答案对。')
    """
    if context is None:
        en, zh = tr(message, "en", **_in(values, "en")), tr(message, "zh", **_in(values, "zh"))
    else:
        en, zh = trc(context, message, "en", **_in(values, "en")), trc(context, message, "zh", **_in(values, "zh"))
    return Diagnostic(code, severity, where, en, stage=stage, message_zh=zh)
