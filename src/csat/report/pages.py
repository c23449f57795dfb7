"""The report's pages as files: the Jinja templates of ``csat/report/templates/`` (autoescape on), the
inlined stylesheet, the check that a page loads nothing from the network (:func:`external_resources`,
:func:`strip_external`) and publishing a written page (:func:`publish`).

``report.html`` (:mod:`csat.report.html`) and ``reports/index.html`` (:mod:`csat.report.index`) are
rendered with these; report.pdf is printed from report.html (:mod:`csat.report.pdf`).
"""
from __future__ import annotations

import os
import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent / "templates"


def publish(path: Path) -> Path:
    """Make a written report file world-readable like any other build output (umask applies)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)
    return path


def jinja_env():
    """The Jinja environment over ``csat/report/templates/``: autoescape on, undefined names are errors."""
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                              autoescape=True, undefined=jinja2.StrictUndefined,
                              trim_blocks=False, lstrip_blocks=False)


def css():
    """The report's stylesheet (``templates/report.css``), to be inlined in a page."""
    from markupsafe import Markup

    return Markup((TEMPLATES / "report.css").read_text(encoding="utf-8"))


def csat_version() -> str:
    """The installed csat's version (``unknown`` when it is not installed)."""
    from importlib import metadata

    try:
        return metadata.version("csat")
    except metadata.PackageNotFoundError:
        return "unknown"


_EXTERNAL = re.compile(r"""(?:\b(?:src|srcset|poster|data)\s*=\s*["']?\s*(?:https?:)?//)"""
                       r"""|(?:url\(\s*["']?\s*(?:https?:)?//)|(?:@import\s+["']?(?:url\()?\s*["']?\s*(?:https?:)?//)"""
                       r"""|(?:<link\b[^>]*\bhref\s*=\s*["']?\s*(?:https?:)?//)""", re.I)


def external_resources(text: str) -> list[str]:
    """Every place where an HTML text would load something from the network.

    Checks ``src/srcset/poster/data=`` attributes, CSS ``url()`` and ``@import``, and
    ``<link href>`` pointing to ``http(s)://`` or ``//``.  Plain ``<a href>`` links are not
    resources and are allowed.
    """
    return [m.group(0) for m in _EXTERNAL.finditer(text)]


def strip_external(soup) -> None:
    """Remove scripts and anything that would be fetched from the network (the report is static)."""
    for tag in soup.find_all(["script", "iframe", "object", "embed", "base"]):
        tag.decompose()
    for tag in soup.find_all("link"):
        tag.decompose()
    for tag in soup.find_all(True):
        for attr in ("src", "srcset", "poster", "data"):
            v = tag.get(attr)
            if isinstance(v, str) and re.match(r"^\s*(?:https?:)?//", v, re.I):
                alt = tag.get("alt") or v
                note = soup.new_tag("span")
                note["class"] = ["csat-note"]
                note.string = f"[external resource not embedded: {alt}]"
                tag.replace_with(note)
                break
        for attr in [a for a in tag.attrs if a.lower().startswith("on")]:
            del tag[attr]
    for st in soup.find_all("style"):
        if st.string and external_resources(st.string):
            st.string = _EXTERNAL.sub("/* removed external resource */ (", st.string)
    for tag in soup.find_all(style=True):
        if external_resources(tag["style"]):
            del tag["style"]
