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


#: Noto Sans CJK Bold (Debian fonts-noto-cjk) and its faces for Simplified and Traditional Chinese.
CJK_BOLD_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")
CJK_BOLD_FACES = {False: "Noto Sans CJK SC Bold", True: "Noto Sans CJK TC Bold"}
#: The CSS family of the printed Chinese text (report.css): WenQuanYi Micro Hei in the regular weights, the bold
#: face of :func:`cjk_bold_font` in the bold ones.
CJK_PRINT_FAMILY = "csat CJK"


def _is_cjk(ch: str) -> bool:
    return ord(ch) >= 0x2E80 and not 0xD800 <= ord(ch) <= 0xDFFF


def cjk_bold_font(chars: str, traditional: bool = False, font: str | Path = CJK_BOLD_FONT) -> bytes | None:
    """Noto Sans CJK Bold cut down to the CJK characters of ``chars``, with TrueType outlines; None when the
    font is not installed or ``chars`` holds no CJK character.

    The only bold CJK face Debian ships with a sans (黑体) design is Noto Sans CJK's, whose outlines are CFF;
    Chromium prints CFF fonts as Type 3 fonts (which journals and archival PDF refuse), so the print CSS sets
    Chinese in WenQuanYi Micro Hei (TrueType), which has no bold, and Chinese headings printed in the regular
    weight.  The subset's outlines are converted to quadratic TrueType curves (fontTools' cu2qu, within 1
    font unit), which Chromium embeds as a CID TrueType font like the others."""
    from fontTools import subset
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import TTCollection, TTFont, newTable

    wanted = sorted({ord(c) for c in chars if _is_cjk(c)})
    if not wanted or not Path(font).is_file():
        return None
    names = [f["name"].getDebugName(4) for f in TTCollection(str(font), lazy=True).fonts]
    face = CJK_BOLD_FACES[traditional]
    f = TTFont(str(font), fontNumber=names.index(face) if face in names else 0)
    opts = subset.Options()
    opts.hinting, opts.desubroutinize, opts.name_IDs = False, True, ["*"]
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=wanted)
    sub.subset(f)
    if "CFF " in f:                                        # CFF outlines -> TrueType (glyf) outlines
        order, glyphs = f.getGlyphOrder(), f.getGlyphSet()
        glyf = newTable("glyf")
        glyf.glyphOrder, glyf.glyphs = order, {}
        for g in order:
            pen = TTGlyphPen(glyphs)
            glyphs[g].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
            glyf.glyphs[g] = pen.glyph()
        f["glyf"], f["loca"] = glyf, newTable("loca")
        for tag in ("CFF ", "VORG"):
            if tag in f:
                del f[tag]
        maxp = f["maxp"]
        maxp.tableVersion = 0x00010000
        for attr in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
                     "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
            setattr(maxp, attr, 0)
        maxp.maxZones = 1
        f["head"].indexToLocFormat, f["head"].glyphDataFormat = 0, 0
        post = f["post"]
        post.formatType, post.extraNames, post.mapping = 2.0, [], {}
        post.glyphOrder = order
        f.sfntVersion = "\x00\x01\x00\x00"
    import io

    buf = io.BytesIO()
    f.save(buf)
    return buf.getvalue()


def cjk_print_fonts(page: str, traditional: bool = False) -> str:
    """The ``<style>`` that defines :data:`CJK_PRINT_FAMILY` for a Chinese page: WenQuanYi Micro Hei for the
    regular weights, the page's characters of Noto Sans CJK Bold (:func:`cjk_bold_font`, embedded) for the
    bold ones; '' when the bold font is not installed (Chinese then prints in the regular weight only)."""
    import base64

    data = cjk_bold_font(page, traditional)
    if data is None:
        return ""
    uri = "data:font/ttf;base64," + base64.b64encode(data).decode("ascii")
    return (f'<style>@font-face {{ font-family: "{CJK_PRINT_FAMILY}"; src: local("WenQuanYi Micro Hei"); '
            f'font-weight: 100 500; }}\n'
            f'@font-face {{ font-family: "{CJK_PRINT_FAMILY}"; src: url({uri}) format("truetype"); '
            f'font-weight: 600 900; }}</style>\n')
