"""The report lint: the defects a reader of ``report.pdf`` would see, found mechanically.

``python -m csat.report.lint reports/<study>`` (``make check-report STUDY=<study>``) reads the study's
``report.pdf`` (with PyMuPDF: text spans with their boxes, sizes and fonts, images, fonts, the outline)
and ``report.html`` (BeautifulSoup: the tables' header cells, the printed contents, the figures' PNGs),
prints one line per finding -- ``p. <page>  <code>  <what and the offending text>`` -- and exits with
status 1 when there is any (0 when none, 2 when the report cannot be read).

Each check is a pure function of the extracted data (:class:`Page`, :class:`Span`, …) returning
:class:`Finding` s, so that the tests feed it synthetic pages; :func:`extract_pdf` and
:func:`extract_html` are the thin layer that reads the files, and :func:`lint_report` runs every check
(:data:`CHECKS` names them with their finding codes):

====================  ==========================================================================
code                  finding
====================  ==========================================================================
table-cut             a table header cell of report.html that the PDF's text does not contain
text-outside          text placed (partly) outside the page
text-overlap          text printed over other text (labels over labels, also inside SVG figures)
font-small            text below 7 pt on the page
figure-shrunk         a raster figure printed so small that 8-pt text falls below 7 pt, or whose letters
                      measure below 6.5 pt on the page
page-blank            a page (not the last) whose content covers less than a third of the text area
font-type3            Type 3 fonts (bitmap-like glyph procedures journals and archives refuse)
font-latin-cjk        Latin words set in a CJK font, or in a Type 3 font (Chromium embeds the CFF-outlined
                      Noto CJK as Type 3): the Latin font is missing
raw-value             program values for the reader: <NA>, nan, NaN, None, True, False, NaT
negative-zero         a negative zero: -0.00, −0.0, -0
count-decimals        a count printed with decimals: df 365.000, n = 546.0
params-key            a key of the params file in reader text (ipma.target, item_labels)
stage-name            a stage's file name (03_reliability_validity, .ipynb) in reader text
abs-path              an absolute file path (/work/…, /home/…, C:\\…)
python-repr           a traceback, an exception's class name, a Python object's repr
program-text          the program speaking: module names (csat.stats.…), "this notebook", <study>, %%magics
empty-column          a table column with a header and no value in any row
english-in-zh         an English word in a Chinese report, outside :data:`ALLOWED_LATIN` and the
                      study's own codes
contents-no-pages     the contents page gives no page numbers
outline-missing       the PDF has no outline (bookmarks), or outline entries without a page
====================  ==========================================================================

How the figures reach the PDF decides what can be checked in them: the stages' figures are PNGs
(:meth:`csat.pipeline.stage.Stage.figure`, 150 dpi, its ``pHYs`` chunk says so) and so is the summary's;
only the formulas are SVG, with their text as paths.  The text inside a PNG is not PDF text, so its
size and overlaps cannot be read from the PDF; ``figure-shrunk`` computes instead how much the image
was scaled down from the size it was drawn at (pixels ÷ dpi) to the width it prints at, and flags the
figures in which the house style's smallest text (8 pt) falls below 7 pt.  That misses a picture
pasted into a figure (the Graphviz path diagram shown by ``csat.viz.pathdiagram.diagram_figure``
carries text far smaller than the figure's own), so the letters in the image are also measured
(:func:`text_size_px`: the upper quartile of the heights of letter-shaped dark components, ≈ 0.7 em)
and a figure whose letters print below 6.5 pt is flagged too.  A figure embedded as SVG
with text kept as text (``svg.fonttype: none``, :func:`csat.viz.plots.save_svg`) prints real PDF text,
and every check above (sizes, overlaps, English) then covers its labels too.

The params file the provenance section prints verbatim (a monospace block) is the one place where
params keys, stage names, nulls and English comments belong: lines wholly in a monospace font are exempt
from ``raw-value``, ``params-key``, ``stage-name`` and ``program-text``, and ``english-in-zh`` skips
monospace text; code set inline in a sentence is reader text and is checked.
"""
from __future__ import annotations

import argparse
import base64
import re
import struct
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

#: The smallest font size, in points, a reader can be asked to read on paper.
MIN_FONT_PT = 7.0
#: Superscripts and subscripts (R², χ²) may be smaller, down to this size.
MIN_SCRIPT_PT = 5.0
#: The smallest text the figures draw (matplotlib points at the figure's own size): the house style's
#: tick labels are 9 pt, a few annotations 8 pt.  A raster figure printed at less than
#: MIN_FONT_PT / FIGURE_TEXT_PT of its drawn size therefore prints text below MIN_FONT_PT.
FIGURE_TEXT_PT = 8.0
#: The dpi a figure PNG is assumed drawn at when it does not say (``csat.pipeline.stage.Stage.figure``).
DEFAULT_FIGURE_DPI = 150.0
#: A page (not the last) whose content spans less than this share of the text area's height is mostly
#: blank: issue #30 counts the demo's pages 2 and 4 (20 % and 31 % filled, the rest white before a forced
#: page break) as defects a reader sees, so the bar is a third, not only the near-empty pages (< 15 %).
MIN_PAGE_FILL = 1 / 3

#: Latin words a Chinese report may print: statistical abbreviations and symbols, the names of methods
#: and their authors (as Chinese statistical writing keeps them: Cronbach α, Holm 校正, Likert 量表),
#: software and file formats.  Case-sensitive; single letters (t, F, p, n, R in R²) are always allowed,
#: and so are the study's own item and construct codes and the columns its params name
#: (:func:`study_codes`).  An English word outside this list is a translation the report is missing.
ALLOWED_LATIN = frozenset("""
    CFI TLI RMSEA SRMR AVE CR HTMT KMO NPS SEM PLS CFA EFA IPMA SERVQUAL Kano df SD SE ML MLR WLSMV CSI MLM
    lavTestLRT lavTestScore
    ACSI ECSI GFI AGFI NFI IFI RFI PNFI PGFI AIC BIC SABIC MSA VIF LMG OLS CI ID FIML EM MCAR MAR MNAR
    GoF RMR WRMR ULS DWLS GLS WLS MI EPC SEPC MIMIC HTMT2 CV MAD IQR Q1 Q3 ANOVA MANOVA Bootstrap BCa
    rho rhoA rho_A rhoC d_z d_av SMD RMSE MAE NA PM
    Cronbach McDonald Holm Bonferroni Welch Kruskal Wallis Mann Whitney Spearman Pearson Likert Bartlett
    Kaiser Varimax Oblimin Promax Geomin Fornell Larcker Henseler Little Satorra Bentler Yuan Heywood Kish
    Tukey Cohen Hedges Shapiro Wilk Levene Huber HC3 Sobel Hotelling Mahalanobis Harman Benjamini
    Hochberg BH FDR Ward Wald Fisher Cramér Cramer Kendall Friedman Wilcoxon Chi Glass Guttman Horn
    Ringle Sarstedt Hair Hu Bentler Browne Cudeck Steiger MacCallum Chen Kano Parasuraman Zeithaml Berry
    Joanes Gill Feldt Brown Meyer Olkin Games Howell Johnson Shapley Bollen Berger Lindeman Merenda Gold
    Kendall Efron Tibshirani Rousseeuw Lloyd MacQueen Hartigan Wong Kish Deming Stephan Rubin Enders
    Mardia White Green Yang Muthén Wu Estabrook Sugawara Cochran Neyman Lohmöller Tenenhaus Dijkstra Better Worse
    Wilson jieba
    PLSc MGA MICOM PLSpredict Q2predict Shmueli MLM delta
    Python lavaan seminr psych semTools SmartPLS relaimpo Linux UTC KiB MiB semopy numpy pandas scipy pingouin statsmodels scikit learn
    matplotlib seaborn papermill nbconvert Chromium csat Graphviz SPSS Stata Excel CSV JSON HTML YAML
    PDF PNG SVG SHA UTF GBK BOM Noto Jupyter GitHub git R
    pt mm cm kg km ms min kB MB GB
""".split())


# ---- the extracted data --------------------------------------------------------------------------
@dataclass(frozen=True)
class Span:
    """A run of text in one font and size: its box in points (x0, y0, x1, y1; y downwards), its size in
    points as printed, the font's name, the line it belongs to (spans of one line share ``line``), and
    whether it is a superscript or subscript."""
    text: str
    bbox: tuple[float, float, float, float]
    size: float = 10.0
    font: str = "NotoSans-Regular"
    line: int = 0
    script: bool = False

    @property
    def mono(self) -> bool:
        return bool(re.search(r"mono|courier|consol|menlo|code", self.font, re.I))


@dataclass(frozen=True)
class Image:
    """A raster image placed on a page: its box in points, its size in pixels and, when it holds text,
    the size of that text in pixels as measured from its letters (:func:`text_size_px`)."""
    bbox: tuple[float, float, float, float]
    width: int
    height: int
    text_px: float | None = None


@dataclass
class Page:
    """One page: number (from 1), size in points, its text spans, images, other marks' boxes (lines,
    fills: they count as content for :func:`check_blank_pages`) and fonts ``(name, type)``."""
    number: int
    width: float = 595.0
    height: float = 842.0
    spans: list[Span] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    marks: list[tuple[float, float, float, float]] = field(default_factory=list)
    fonts: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class HtmlTable:
    """A table of report.html: its caption (or ''), header cells and body rows (cell texts)."""
    caption: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class HtmlReport:
    """What the lint reads from report.html: the language, the printed tables, the printed contents'
    entries and the dpi of each embedded PNG by its pixel size."""
    language: str = "en"
    tables: list[HtmlTable] = field(default_factory=list)
    contents: list[str] = field(default_factory=list)
    png_dpi: dict[tuple[int, int], float] = field(default_factory=dict)


@dataclass(frozen=True)
class Finding:
    """One defect: the page (None when it is the document's), the check's code and what was found."""
    page: int | None
    code: str
    text: str

    def __str__(self) -> str:
        where = f"p. {self.page}" if self.page is not None else "doc."
        return f"{where:<7} {self.code:<17} {self.text}"


# ---- small helpers -----------------------------------------------------------------------------------
def norm(text: str) -> str:
    """NFKC, soft hyphens and zero-width characters removed, whitespace collapsed to one space."""
    text = unicodedata.normalize("NFKC", text or "")
    text = re.sub(r"[\u00ad\u200b\u200c\u200d\u2060\ufeff]", "", text)
    return re.sub(r"\s+", " ", text).strip()


def squash(text: str) -> str:
    """:func:`norm` without any whitespace, case-folded: a header that wraps still matches."""
    return re.sub(r"\s+", "", norm(text)).casefold()


def clip(text: str, n: int = 80) -> str:
    text = norm(text)
    return text if len(text) <= n else text[: n - 1] + "…"


def lines_of(page: Page) -> list[tuple[str, list[Span]]]:
    """The page's lines: ``(text, spans)`` in reading order, spans of a line joined."""
    by: dict[int, list[Span]] = {}
    for s in page.spans:
        by.setdefault(s.line, []).append(s)
    out = []
    for key in sorted(by, key=lambda k: (min(s.bbox[1] for s in by[k]), min(s.bbox[0] for s in by[k]))):
        spans = sorted(by[key], key=lambda s: s.bbox[0])
        out.append(("".join(s.text for s in spans), spans))
    return out


def _quote(items: Iterable[str], n: int = 4) -> str:
    items = list(dict.fromkeys(clip(i, 40) for i in items if i.strip()))
    more = f" (+{len(items) - n} more)" if len(items) > n else ""
    return ", ".join(f"'{i}'" for i in items[:n]) + more


def _in_page(b, page: Page, tol: float = 1.0) -> bool:
    return b[0] >= -tol and b[1] >= -tol and b[2] <= page.width + tol and b[3] <= page.height + tol


def _visible(page: Page) -> list[Span]:
    return [s for s in page.spans if s.text.strip() and _in_page(s.bbox, page)]


# ---- 1. cut tables -------------------------------------------------------------------------------------
def _cells(lines: list[tuple[str, tuple[float, float, float, float]]]) -> list[str]:
    """Lines of a header band joined into cells: lines that overlap horizontally, top to bottom (a header
    that wraps is one cell again)."""
    groups: list[list[tuple[str, tuple]]] = []
    for text, b in sorted(lines, key=lambda x: x[1][1]):
        for g in groups:
            gx0, gx1 = min(x[1][0] for x in g), max(x[1][2] for x in g)
            if min(gx1, b[2]) - max(gx0, b[0]) > 0.3 * min(gx1 - gx0, b[2] - b[0]):
                g.append((text, b))
                break
        else:
            groups.append([(text, b)])
    return [squash("".join(t for t, _ in g)) for g in groups]


def check_cut_tables(tables: list[HtmlTable], pages: list[Page]) -> list[Finding]:
    """Every header cell of every HTML table must be in the PDF's text (code ``table-cut``).

    The table's header row is the row of a page where most of its header cells are found: as text
    pieces (spans) of their own, or as runs of words in a piece that holds several cells.  A cell counts
    as present when that row's band, or the band of a row of the pages around it that repeats or continues
    the header, holds it: a cell of the band (pieces overlapping horizontally
    joined, so that a wrapped header matches, whitespace ignored) or a run of words of a piece.  Text
    outside the page does not count: it is not printed."""
    page_lines = []                     # each page's text pieces: spans (a cell is one) and lines (a cell
    for p in pages:                     # whose glyphs come from two fonts is one line of two spans)
        items = [(s.text, s.bbox) for s in _visible(p)]
        for text, spans in lines_of(Page(p.number, p.width, p.height, _visible(p))):
            if len(spans) > 1:
                items.append((text, (min(s.bbox[0] for s in spans), min(s.bbox[1] for s in spans),
                                     max(s.bbox[2] for s in spans), max(s.bbox[3] for s in spans))))
        page_lines.append([(text, b, squash(text), tuple(squash(w) for w in norm(text).split()))
                           for text, b in items])
    spans_of = [{(s.text, s.bbox) for s in _visible(p)} for p in pages]
    # where each whole piece and each word stands: page -> text -> indices of its pieces
    by_text: list[dict[str, list[int]]] = []
    by_word: list[dict[str, list[int]]] = []
    for lines in page_lines:
        bt: dict[str, list[int]] = {}
        bw: dict[str, list[int]] = {}
        for n, (_, _, k, words) in enumerate(lines):
            bt.setdefault(k, []).append(n)
            for w in set(words):
                bw.setdefault(w, []).append(n)
        by_text.append(bt)
        by_word.append(bw)
    out = []
    for t in tables:
        heads = [h for h in (norm(h) for h in t.headers) if h]
        if not heads or not pages:
            continue
        keys = {squash(h): tuple(squash(w) for w in h.split()) for h in heads}
        candidates = []                            # (cells found, exact ones, page index, band)
        for i, lines in enumerate(page_lines):
            rows: list[list] = []                  # [y0, y1, keys found, exact keys]
            hits: dict[int, tuple[set, set]] = {}  # piece -> (keys found, exact keys)
            for key, kw in keys.items():
                for n in by_text[i].get(key, ()):
                    hits.setdefault(n, (set(), set()))[1].add(key)
                for n in by_word[i].get(kw[0], ()) if kw else ():
                    if _has_run(lines[n][3], kw):
                        hits.setdefault(n, (set(), set()))[0].add(key)
            for n in sorted(hits):
                text, b, k, words = lines[n]
                exact = hits[n][1]
                found = exact or hits[n][0]
                for r in rows:
                    if b[1] < r[1] and b[3] > r[0]:
                        r[0], r[1] = min(r[0], b[1]), max(r[1], b[3])
                        r[2] |= found
                        r[3] |= exact
                        break
                else:
                    rows.append([b[1], b[3], set(found), set(exact)])
            candidates += [(len(r[2]), len(r[3]), i, (r[0], r[1])) for r in rows]
        name = clip(t.caption, 60) if t.caption else "table with header " + _quote(heads, 3)
        if not candidates:
            if len(heads) >= 2:
                out.append(Finding(locate(t.caption, pages) if t.caption else None, "table-cut",
                                   f"{name}: no header row found in the PDF (header {_quote(heads, 6)})"))
            continue
        # most cells found, then most exact; but a table prints under its caption: a header row on the caption's
        # page or the next that finds nearly as many cells (a wrapped header cell may not be matched) is the
        # table's, not one of a table pages away with the same columns (the group means and the segment profile)
        best = max(candidates, key=lambda c: c[:2])
        cap = locate(t.caption, pages) if t.caption else None
        under = [c for c in candidates if cap is not None and 0 <= pages[c[2]].number - cap <= 1]
        far = cap is not None and abs(pages[best[2]].number - cap) > 5
        if far and under and max(under, key=lambda c: c[:2])[0] >= best[0] - 2:
            best = max(under, key=lambda c: c[:2])
        # the header row where most cells are, and its repetitions or continuations on the pages around it
        bands = [c for c in candidates if abs(c[2] - best[2]) <= 1 and c[1] >= max(2, best[1] / 2)] or [best]
        i = best[2]
        checks = []
        for _, _, j, (y0, y1) in bands:
            h = max(y1 - y0, 6.0)
            band = [x for x in page_lines[j] if x[1][3] > y0 - 2.5 * h and x[1][1] < y1 + 2.5 * h]
            checks.append((_cells([(text, b) for text, b, _, _ in band if (text, b) in spans_of[j]]), band,
                           squash("".join(x[0] for x in band))))

        def present(head: str) -> bool:
            k, kw = squash(head), keys[squash(head)]
            for cells, band, squashed_band in checks:
                if any(c == k for c in cells) or any(_has_run(x[3], kw) for x in band):
                    return True
                if not (len(k) <= 3 and k.isascii()) and (any(k in c for c in cells) or k in squashed_band):
                    return True
            return False

        missing = [hd for hd in heads if not present(hd)]
        if missing:
            out.append(Finding(pages[i].number, "table-cut",
                               f"{name}: {len(missing)} of {len(heads)} header cells missing from the PDF: "
                               f"{_quote(missing, 8)}"))
    return out


def _has_run(words: tuple[str, ...], run: tuple[str, ...]) -> bool:
    """Whether ``run`` occurs in ``words`` as consecutive words."""
    n = len(run)
    return n > 0 and any(words[j:j + n] == run for j in range(len(words) - n + 1))


# ---- 2. text outside the page, text over text ------------------------------------------------------------
def check_text_outside(pages: list[Page]) -> list[Finding]:
    """Text whose box reaches beyond the page (code ``text-outside``), one finding per page."""
    out = []
    for p in pages:
        bad = [s.text for s in p.spans if s.text.strip() and not _in_page(s.bbox, p)]
        if bad:
            out.append(Finding(p.number, "text-outside", f"{len(bad)} text pieces outside the page: {_quote(bad)}"))
    return out


def _core(b, size):
    """A span's box shrunk to its glyphs' core (font boxes include leading and side bearings)."""
    h = b[3] - b[1]
    dy, dx = 0.22 * h, min(0.12 * size, 0.25 * (b[2] - b[0]))
    return (b[0] + dx, b[1] + dy, b[2] - dx, b[3] - dy)


def check_overlaps(pages: list[Page], min_share: float = 0.15) -> list[Finding]:
    """Text printed over other text (code ``text-overlap``): two spans of different lines whose glyph
    cores overlap by more than ``min_share`` of the smaller one's area.  The same text drawn twice at
    the same place (a fake bold) is not a finding."""
    out = []
    for p in pages:
        spans = sorted((s for s in _visible(p) if s.text.strip()), key=lambda s: s.bbox[1])
        cores = [_core(s.bbox, s.size) for s in spans]
        pairs = []
        for i, (a, ca) in enumerate(zip(spans, cores)):
            for j in range(i + 1, len(spans)):
                b, cb = spans[j], cores[j]
                if cb[1] >= ca[3]:
                    if b.bbox[1] > a.bbox[3]:
                        break
                    continue
                if a.line == b.line:
                    continue
                w = min(ca[2], cb[2]) - max(ca[0], cb[0])
                h = min(ca[3], cb[3]) - max(ca[1], cb[1])
                if w <= 0 or h <= 0:
                    continue
                small = min((ca[2] - ca[0]) * (ca[3] - ca[1]), (cb[2] - cb[0]) * (cb[3] - cb[1]))
                if small <= 0 or w * h < min_share * small:
                    continue
                if norm(a.text) == norm(b.text) and max(abs(x - y) for x, y in zip(a.bbox, b.bbox)) < 1.0:
                    continue
                pairs.append((a.text, b.text))
        for ta, tb in pairs:
            out.append(Finding(p.number, "text-overlap", f"'{clip(ta, 40)}' overlaps '{clip(tb, 40)}'"))
    return out


# ---- 3. font sizes ------------------------------------------------------------------------------------------
def check_font_sizes(pages: list[Page], min_pt: float = MIN_FONT_PT) -> list[Finding]:
    """Text below ``min_pt`` points on the page (superscripts below :data:`MIN_SCRIPT_PT`), code
    ``font-small``, one finding per page with the smallest size and examples."""
    out = []
    for p in pages:
        bad = [s for s in _visible(p) if s.size < (MIN_SCRIPT_PT if s.script else min_pt)]
        if bad:
            low = min(s.size for s in bad)
            out.append(Finding(p.number, "font-small", f"{len(bad)} text pieces below {min_pt:g} pt (smallest "
                                                       f"{low:.1f} pt): {_quote(s.text for s in sorted(bad, key=lambda s: s.size))}"))
    return out


def png_dpi(data: bytes) -> float | None:
    """The resolution a PNG says it was drawn at (its ``pHYs`` chunk, pixels per metre), or None."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        return None
    i = 8
    while i + 8 <= len(data):
        n, kind = struct.unpack(">I4s", data[i:i + 8])
        if kind == b"pHYs" and n >= 9:
            x, _, unit = struct.unpack(">IIB", data[i + 8:i + 17])
            return x * 0.0254 if unit == 1 and x else None
        if kind in (b"IDAT", b"IEND"):
            return None
        i += 12 + n
    return None


def png_size(data: bytes) -> tuple[int, int] | None:
    """A PNG's pixel width and height (its IHDR chunk)."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n") or len(data) < 24:
        return None
    return struct.unpack(">II", data[16:24])


#: A letter's height over the font size: capitals, digits and ascenders (which the measure's upper
#: quartile picks) are about 0.7 em in the sans-serif fonts the figures use (DejaVu Sans, Noto Sans).
LETTER_EM = 0.70
#: A figure whose measured text prints below this size is flagged: the measure is good to about ±10 %,
#: so this is MIN_FONT_PT less that margin.
MIN_MEASURED_PT = 6.5


def text_size_px(gray) -> float | None:
    """The size (em, in pixels) of the text in a raster image, measured from its letters: the dark
    connected components shaped like letters (4–60 px high, no wider than 1.2 heights, 12–75 % inked:
    not lines, bars, dots or cells) and the upper quartile of their heights (capitals, digits and
    ascenders, :data:`LETTER_EM`).  None when fewer than 12 letters are found.  ``gray``: a 2-d array
    of 0–255."""
    import numpy as np
    from scipy import ndimage

    dark = np.asarray(gray) < 110
    lab, n = ndimage.label(dark, structure=np.ones((3, 3)))
    if n == 0:
        return None
    boxes = ndimage.find_objects(lab)
    h = np.array([b[0].stop - b[0].start for b in boxes])
    w = np.array([b[1].stop - b[1].start for b in boxes])
    ink = ndimage.sum_labels(dark, lab, index=np.arange(1, n + 1))
    fill = ink / (h * w)
    heights = h[(h >= 4) & (h <= 60) & (w <= 1.2 * h) & (fill > 0.12) & (fill < 0.75)]
    if len(heights) < 12:
        return None
    return float(np.percentile(heights, 75)) / LETTER_EM


def check_raster_figures(pages: list[Page], dpi: dict[tuple[int, int], float] | None = None,
                         text_pt: float = FIGURE_TEXT_PT, min_pt: float = MIN_FONT_PT) -> list[Finding]:
    """Raster figures printed smaller than drawn (code ``figure-shrunk``).  A figure drawn at ``d`` dpi
    (its PNG's pHYs, :data:`DEFAULT_FIGURE_DPI` when it does not say) and printed at ``ppi`` pixels per
    inch prints at ``d / ppi`` of its drawn size; below ``min_pt / text_pt`` its ``text_pt``-point text
    (the smallest the house style draws) prints below ``min_pt``.  Images smaller than 50 px are icons."""
    dpi = dpi or {}
    out = []
    for p in pages:
        for im in p.images:
            w_pt = im.bbox[2] - im.bbox[0]
            if w_pt <= 0 or im.width < 50 or im.height < 50:
                continue
            d = dpi.get((im.width, im.height), DEFAULT_FIGURE_DPI)
            scale = d * w_pt / (72.0 * im.width)
            measured = im.text_px * w_pt / im.width if im.text_px else None       # printed pt
            shrunk = text_pt * scale < min_pt - 0.1             # 6.95 pt prints as 7 pt: not a finding
            if shrunk or (measured is not None and measured < MIN_MEASURED_PT):
                what = (f"its {text_pt:g}-pt text prints at {text_pt * scale:.1f} pt" if shrunk else
                        "drawn with smaller text inside")
                seen = f"; its letters measure {measured:.1f} pt" if measured is not None else ""
                out.append(Finding(p.number, "figure-shrunk",
                                   f"figure of {im.width}×{im.height} px drawn at {d:.0f} dpi printed at "
                                   f"{scale:.0%} of its size ({w_pt / 72 * 25.4:.0f} mm wide): {what}{seen}"))
    return out


# ---- 4. blank pages ---------------------------------------------------------------------------------------------
def _is_folio(s: Span, page: Page) -> bool:
    """The page number in the bottom (or top) margin."""
    return bool(re.fullmatch(r"\s*\d{1,4}\s*", s.text)) and (s.bbox[1] > 0.9 * page.height or s.bbox[3] < 0.1 * page.height)


def _content_boxes(p: Page) -> list[tuple[float, float, float, float]]:
    boxes = [s.bbox for s in _visible(p) if not _is_folio(s, p)]
    boxes += [im.bbox for im in p.images]
    boxes += [b for b in p.marks if b[3] - b[1] < 0.9 * p.height]   # not a whole-page background
    return [b for b in boxes if _in_page(b, p, 2.0)]


def content_extent(page: Page) -> tuple[float, float] | None:
    """The top and bottom (points from the page's top) of the page's content, its page number left out;
    None for an empty page."""
    bs = _content_boxes(page)
    return (min(b[1] for b in bs), max(b[3] for b in bs)) if bs else None


def text_area(pages: list[Page]) -> tuple[float, float] | None:
    """The top and bottom of the text area: where the document's content lies on any page (the page numbers
    in the margin left out); None for a document without content."""
    ext = [e for e in map(content_extent, pages) if e is not None]
    return (min(e[0] for e in ext), max(e[1] for e in ext)) if ext else None


def check_blank_pages(pages: list[Page], min_fill: float = MIN_PAGE_FILL) -> list[Finding]:
    """Pages other than the last whose content spans less than ``min_fill`` of the text area's height
    (code ``page-blank``), :func:`text_area`."""
    area = text_area(pages)
    if area is None:
        return []
    height = max(area[1] - area[0], 1.0)
    out = []
    for p in pages[:-1]:
        ext = content_extent(p)
        used = (ext[1] - ext[0]) / height if ext else 0.0
        if used < min_fill:
            first = next((t for t, _ in lines_of(p) if t.strip() and not re.fullmatch(r"\s*\d+\s*", t)), "")
            out.append(Finding(p.number, "page-blank", f"page {used:.0%} filled" + (f": '{clip(first, 50)}'" if first else
                                                                                  " (empty)")))
    return out


# ---- 5. fonts ------------------------------------------------------------------------------------------------------
_CJK_FONT = re.compile(r"CJK|SourceHan|Source Han|WenQuanYi|wqy|DroidSansFallback|SimSun|SimHei|Ming|Hei|"
                       r"Song|Kai|PingFang|YaHei|Noto ?Sans ?(SC|TC|HK|JP|KR)|Noto ?Serif ?(SC|TC|HK|JP|KR)", re.I)


def _latin_in_cjk(s: Span) -> bool:
    return bool(re.search(r"[A-Za-z]{2,}", s.text)) and bool(_CJK_FONT.search(s.font) or s.font.startswith("Type3"))


def check_fonts(pages: list[Page]) -> list[Finding]:
    """Type 3 fonts (code ``font-type3``, one finding per page) and Latin words set in a CJK font (code
    ``font-latin-cjk``, one per page): the Latin font the report asks for is missing.  Chromium's PDF
    embeds the CFF-based Noto CJK font as unnamed Type 3 fonts (PyMuPDF calls them ``Type3 (<ref>)``),
    so Latin words in a Type 3 font are Latin words in the CJK font."""
    out = []
    for p in pages:
        t3 = sorted({n for n, kind in p.fonts if kind.replace(" ", "").lower() == "type3"})
        n3 = sum(kind.replace(" ", "").lower() == "type3" for _, kind in p.fonts)
        if n3:
            named = [n for n in t3 if n]
            out.append(Finding(p.number, "font-type3", f"{n3} Type 3 fonts" + (f": {_quote(named, 3)}" if named else "")))
        latin = [s for s in _visible(p) if _latin_in_cjk(s)]
        if latin:
            fonts = sorted({s.font for s in latin})
            out.append(Finding(p.number, "font-latin-cjk", f"{len(latin)} Latin text pieces in a CJK or Type 3 font "
                                                           f"({_quote(fonts, 2)}): {_quote((s.text for s in latin), 3)}"))
    return out


# ---- 6. forbidden reader text ------------------------------------------------------------------------------------------
_RAW = re.compile(r"<NA>|<NaT>|(?<![\w.])(?:nan|NaN|NaT|True|False|null|inf|-inf|None(?! [a-z]))(?![\w(])")
_NEGZERO = re.compile(r"(?<![\w.\d])[-\u2212\u2012\u2013]0(?:[.,]0+)?(?![.,]?\d)")
_COUNT_TEXT = re.compile(r"(?<![\w.])(?:df|n|N)\s*[=:]?\s*\d+[.,]0+(?![\d])|χ²\s*\(\s*\d+[.,]0+\s*\)")
_STAGE = re.compile(r"\b0[1-9]_[a-z][a-z_]*[a-z]\b|\b[\w-]+\.ipynb\b")
_ABS = re.compile(r"(?<![\w.~])(?:/(?:work|home|tmp|usr|Users|root|mnt|var|opt|srv|private|data)/[^\s,;)\]'\"]+"
                  r"|[A-Za-z]:\\[^\s,;)\]'\"]+|~/[^\s,;)\]'\"]+)")
_PROGRAM = re.compile(r"\bcsat(?:\.[a-z_]+)+\b|\b[Nn]otebooks?\b|笔记本|筆記本|<study>|%%\w+")
_PYREPR = re.compile(r"Traceback \(most recent call last\)|\b[A-Z][a-z]+(?:[A-Z][a-z]*)*(?:Error|Exception|Warning)\b"
                     r"|<[\w.]+ object at 0x[0-9a-f]+>|\bdtype\s*[:=]\s*\w+|\bName: \w+, dtype"
                     r"|\bFile \"[^\"]+\", line \d+")

#: Headers of table columns (and rows) that hold counts: their values are whole numbers.
COUNT_HEADERS = frozenset("""df n N n_obs nobs npar n_eff_int count Count counts respondents n.obs ntotal
    n_complete n_missing n_items items k 人数 样本量 样本数 频数 自由度 计数 题项数 受访者""".split())


def check_forbidden_text(pages: list[Page], params_keys: Iterable[str] = ()) -> list[Finding]:
    """Program-speak in the reader's text: raw values (``raw-value``), negative zeros
    (``negative-zero``), counts with decimals in the text (``count-decimals``), params keys
    (``params-key``), stage file names (``stage-name``), absolute paths (``abs-path``), Python
    reprs and tracebacks (``python-repr``) and the program speaking of itself (``program-text``: module
    names, "this notebook", ``<study>`` placeholders, cell magics).  One finding per page and kind.  Lines wholly in a monospace
    font (the params file the provenance prints) are exempt from ``raw-value``, ``params-key`` and
    ``stage-name``; code inline in a sentence is not."""
    keys = sorted({k for k in params_keys if k}, key=len, reverse=True)
    key_re = re.compile(r"(?<![\w.])(?:" + "|".join(map(re.escape, keys)) + r")(?![\w])") if keys else None
    out = []
    for p in pages:
        hits: dict[str, list[tuple[str, str]]] = {}
        for text, spans in lines_of(Page(p.number, p.width, p.height, _visible(p))):
            t = unicodedata.normalize("NFKC", text).replace("\u00a0", " ")
            params_line = any(s.mono for s in spans) and all(s.mono or not re.search(r"\w", s.text, re.A) for s in spans)
            prose = "" if params_line else t        # a line of the params file (its CJK glyphs from another font)
            for code, rx, src in (("raw-value", _RAW, prose), ("negative-zero", _NEGZERO, t),
                                  ("count-decimals", _COUNT_TEXT, t), ("abs-path", _ABS, t),
                                  ("python-repr", _PYREPR, t), ("stage-name", _STAGE, prose),
                                  ("program-text", _PROGRAM, prose),
                                  ("params-key", key_re, prose)):
                if rx is not None:
                    hits.setdefault(code, []).extend((m.group(0), t) for m in rx.finditer(src))
        for code, found in hits.items():
            if found:
                out.append(Finding(p.number, code, _counted(found)))
    return out


def _counted(found: list[tuple[str, str]]) -> str:
    """``'True' ×8, '<NA>' ×2 (in 'the line of the first')`` for (hit, its line) pairs."""
    counts: dict[str, int] = {}
    for hit, _ in found:
        counts[hit] = counts.get(hit, 0) + 1
    listed = ", ".join(f"'{clip(h, 50)}'" + (f" ×{n}" if n > 1 else "") for h, n in list(counts.items())[:5])
    more = f" (+{len(counts) - 5} more)" if len(counts) > 5 else ""
    context = found[0][1]
    return listed + more + ("" if norm(context) == norm(found[0][0]) else f" in '{clip(context, 90)}'")


def check_count_decimals(tables: list[HtmlTable], pages: list[Page]) -> list[Finding]:
    """Counts printed with decimals in the HTML tables (code ``count-decimals``): a column (or a row)
    headed by a count (:data:`COUNT_HEADERS`) whose numbers are all whole but written with ``.0``,
    ``.000``.  A column that also holds a fractional value (Welch's df 251.37 beside an F test's 4) is
    printed at one precision on purpose and is not a finding."""
    out = []
    whole_dec = re.compile(r"[-\u2212]?\d+[.,]0+")
    number = re.compile(r"[-\u2212]?\d+(?:[.,]\d+)?")
    for t in tables:
        heads = [norm(h) for h in t.headers]
        series: dict[tuple[str, int], list[str]] = {}       # (header, column or -row) -> its cells
        for r, row in enumerate(t.rows):
            cells = [norm(c) for c in row]
            # body rows may carry the index as a first cell the header row does not have
            offset = len(cells) - len(heads) if len(cells) > len(heads) else 0
            for j, c in enumerate(cells):
                h = heads[j - offset] if 0 <= j - offset < len(heads) else ""
                if h in COUNT_HEADERS:
                    series.setdefault((h, j), []).append(c)
            if cells and cells[0] in COUNT_HEADERS:
                series.setdefault((cells[0], -1 - r), []).extend(cells[1:])
        bad = []
        for (h, _), cells in series.items():
            nums = [c for c in cells if number.fullmatch(c)]
            if any(whole_dec.fullmatch(c) for c in nums) and all(whole_dec.fullmatch(c) or c.isdigit() for c in nums):
                bad += [f"{h} {c}" for c in nums if whole_dec.fullmatch(c)]
        if bad:
            page = locate(t.caption or " ".join(heads), pages)
            name = clip(t.caption, 60) if t.caption else "table with header " + _quote(heads, 3)
            out.append(Finding(page, "count-decimals", f"{name}: counts with decimals: {_quote(bad, 4)}"))
    return out


def check_empty_columns(tables: list[HtmlTable], pages: list[Page]) -> list[Finding]:
    """Columns of an HTML table that have a header but no value in any of its (two or more) rows (code
    ``empty-column``): the reader gets a heading over nothing (the demo's empty ``bic`` and ``note``)."""
    out = []
    blank = {"", "-", "–", "—", "nan", "NaN", "<NA>", "None"}
    for t in tables:
        heads = [norm(h) for h in t.headers]
        rows = [[norm(c) for c in r] for r in t.rows if any(norm(c) for c in r)]
        if len(rows) < 2 or not heads:
            continue
        empty = []
        for j, h in enumerate(heads):
            if not h:
                continue
            col = []
            for r in rows:
                offset = len(r) - len(heads) if len(r) > len(heads) else 0
                if 0 <= j + offset < len(r):
                    col.append(r[j + offset])
            if col and len(col) == len(rows) and all(c in blank for c in col):
                empty.append(h)
        if empty:
            name = clip(t.caption, 60) if t.caption else "table with header " + _quote(heads, 3)
            out.append(Finding(locate(t.caption or " ".join(heads), pages), "empty-column",
                               f"{name}: no value in column {_quote(empty, 6)}"))
    return out


def locate(text: str, pages: list[Page]) -> int | None:
    """The number of the first page whose text contains ``text`` (its first 40 characters), or None."""
    k = squash(text)[:40]
    if not k:
        return None
    for p in pages:
        if k in squash("".join(s.text for s in p.spans)):
            return p.number
    return None


# ---- 7. English in a Chinese report --------------------------------------------------------------------------
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_TOKEN = re.compile(r"[A-Za-z\u00c0-\u024f][A-Za-z0-9_\u00c0-\u024f]*")
_SKIP = re.compile(r"https?://\S+|[\w.+-]+@[\w-]+\.[\w.]+|\S*[/\\]\S*|\S+\.(?:csv|tsv|yaml|yml|json|parquet|sav|dta|"
                   r"xlsx?|html?|pdf|png|svg|txt|py|lock)\b|\b[0-9a-f]{7,64}\b|\S+-with-\S+|\w+::\w+")


def check_english_in_zh(pages: list[Page], codes: Iterable[str] = (), strict_codes: Iterable[str] = ()) -> list[Finding]:
    """English words in a Chinese report (code ``english-in-zh``), one finding per line: every Latin word
    of two letters or more that is not in :data:`ALLOWED_LATIN`, not one of the study's ``codes``
    (item and construct codes: always allowed) and not one of ``strict_codes`` (other columns the params
    name, e.g. ``gender``) standing alone in its cell -- a code in a table cell or the questionnaire's
    code column is allowed, the same word inside a Chinese sentence is not (:func:`_cells_of_line`).  Numbers with units, paths, file names,
    addresses and hashes are skipped; so is monospace text (the params file printed verbatim)."""
    codes, strict = set(codes), set(strict_codes)
    out = []
    for p in pages:
        found: list[tuple[str, str]] = []
        for text, spans in lines_of(Page(p.number, p.width, p.height, _visible(p))):
            prose = norm("".join(s.text if not s.mono else " " for s in spans))
            if not prose:
                continue
            for cell in _cells_of_line(spans):
                cleaned = _SKIP.sub(" ", cell)
                for m in _TOKEN.finditer(cleaned):
                    w = m.group(0)
                    if len(w) < 2 or w in ALLOWED_LATIN or w in codes or w in _RAW_WORDS:
                        continue
                    if ((w in strict and norm(cell) == w) or re.fullmatch(r"\d*[A-Za-z]?\d+[A-Za-z]?", w)
                            or re.fullmatch(r"[A-Z]{1,3}\d+", w)):     # factor codes (MR1, PA2), like item codes
                        continue
                    found.append((w, prose))
        if found:
            n = len({w for w, _ in found})
            counts: dict[str, int] = {}
            for w, _ in found:
                counts[w] = counts.get(w, 0) + 1
            words = ", ".join(f"'{w}'" + (f" ×{c}" if c > 1 else "") for w, c in counts.items())
            out.append(Finding(p.number, "english-in-zh", f"{n} English word{'s' if n > 1 else ''}: {words} (first in "
                                                          f"'{clip(found[0][1], 70)}')"))
    return out


def _cells_of_line(spans: list[Span]) -> list[str]:
    """A line's text in cells: spans that touch make one cell (a sentence whose Latin words come from
    another font than its Chinese), a gap of a third of an em or more (a table's cell padding) starts
    the next; monospace spans (the params file) are left out."""
    cells: list[list[Span]] = []
    last = None
    for sp in sorted((x for x in spans if x.text.strip() and not x.mono), key=lambda x: x.bbox[0]):
        if last is None or sp.bbox[0] - last.bbox[2] >= 0.33 * max(sp.size, last.size):
            cells.append([])
        cells[-1].append(sp)
        last = sp
    return [norm("".join(x.text for x in c)) for c in cells]


#: Raw values the ``raw-value`` check reports: not reported again as English words.
_RAW_WORDS = frozenset({"True", "False", "None", "NaN", "nan", "NaT", "null", "inf", "NA"})


# ---- 8. contents and outline -------------------------------------------------------------------------------------
def check_contents(entries: list[str], pages: list[Page]) -> list[Finding]:
    """The printed contents must give page numbers (code ``contents-no-pages``): each entry's line of
    the contents pages ends with a number (a separate number to its right on the same row counts)."""
    entries = [norm(e) for e in entries if norm(e)]
    if not entries:
        return []
    first = [k for k in (squash(e)[:30] for e in entries) if k]
    per_page = []                                     # (entries found, with a number) per page
    for p in pages:
        spans = _visible(p)
        hits = numbered = 0
        for text, ls in lines_of(Page(p.number, p.width, p.height, spans)):
            k = squash(re.sub(r"^\s*\d{1,3}[.)]\s+", "", text))       # an ordered list's marker
            if not any(k.startswith(e) or (len(k) >= 4 and e.startswith(k)) for e in first):
                continue
            hits += 1
            y0, y1 = min(s.bbox[1] for s in ls), max(s.bbox[3] for s in ls)
            x1 = max(s.bbox[2] for s in ls)
            mid = (y0 + y1) / 2
            right = [s.text for s in spans if s.bbox[0] >= x1 - 1 and s.bbox[1] < mid < s.bbox[3]]
            if re.search(r"\d+\s*$", text) or any(re.fullmatch(r"\s*[.·…\s]*\d+\s*", r) for r in right):
                numbered += 1
        per_page.append((hits, numbered))
    if not per_page:
        return []
    start = max(range(len(pages)), key=lambda i: per_page[i][0])
    if per_page[start][0] < max(2, len(entries) // 3):
        return []
    found = numbered = 0
    i = start
    while i < len(pages) and (i == start or per_page[i][0] >= 3):
        found, numbered, i = found + per_page[i][0], numbered + per_page[i][1], i + 1
    if numbered < found / 2:
        return [Finding(pages[start].number, "contents-no-pages",
                        f"the contents list {found} entries, {numbered} with a page number")]
    return []


def check_outline(outline: list[tuple[int, str, int]] | None, n_pages: int) -> list[Finding]:
    """The PDF's outline (bookmarks: ``(level, title, page)``) exists and every entry has a page
    (code ``outline-missing``)."""
    if not outline:
        return [Finding(None, "outline-missing", "the PDF has no outline (bookmarks)")]
    bad = [t for _, t, page in outline if not 1 <= page <= n_pages]
    if bad:
        return [Finding(None, "outline-missing", f"{len(bad)} of {len(outline)} outline entries have no page: {_quote(bad)}")]
    return []


# ---- extraction -------------------------------------------------------------------------------------------------
@dataclass
class PdfDocument:
    pages: list[Page]
    outline: list[tuple[int, str, int]]


def extract_pdf(path: str | Path | bytes, measure: bool = True) -> PdfDocument:
    """Read a PDF (a file, or its bytes) with PyMuPDF: every page's text spans (also those outside the page),
    images (with the size of their letters, :func:`text_size_px`, unless ``measure`` is false), marks and
    fonts, and the outline."""
    import pymupdf

    flags = pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_PRESERVE_LIGATURES   # no clipping to the page
    pages = []
    opened = pymupdf.open(stream=path, filetype="pdf") if isinstance(path, bytes) else pymupdf.open(str(path))
    with opened as doc:
        line_id = 0
        for i, pg in enumerate(doc):
            spans = []
            for b in pg.get_text("dict", flags=flags)["blocks"]:
                for ln in b.get("lines", []):
                    line_id += 1
                    for s in ln["spans"]:
                        spans.append(Span(s["text"], tuple(s["bbox"]), float(s["size"]), s["font"], line_id,
                                          bool(s["flags"] & 1)))
            images = [Image(tuple(info["bbox"]), int(info["width"]), int(info["height"]),
                            _measure(doc, info.get("xref", 0)) if measure else None)
                      for info in pg.get_image_info(xrefs=True)]
            marks = [tuple(r) for kind, r in pg.get_bboxlog() if "path" in kind]
            fonts = [(f[3], f[2]) for f in pg.get_fonts(full=False)]
            r = pg.rect
            pages.append(Page(i + 1, r.width, r.height, spans, images, marks, fonts))
        outline = [(lvl, title, page) for lvl, title, page, *_ in doc.get_toc(simple=False)]
    return PdfDocument(pages, outline)


def _measure(doc, xref: int) -> float | None:
    """:func:`text_size_px` of the image ``xref`` of a PyMuPDF document (None for icons and failures)."""
    import numpy as np
    import pymupdf

    if not xref:
        return None
    try:
        pix = pymupdf.Pixmap(doc, xref)
        if pix.width < 50 or pix.height < 50:
            return None
        if pix.n - pix.alpha != 1 or pix.alpha:
            pix = pymupdf.Pixmap(pymupdf.csGRAY, pix)
        a = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width, pix.n)[:, :, 0]
    except (RuntimeError, ValueError):
        return None
    return text_size_px(a)


def extract_html(path: str | Path) -> HtmlReport:
    """Read report.html: its language, the tables the PDF prints (not those of the screen-only sidebar),
    the printed contents' entries and the embedded PNGs' dpi."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(Path(path).read_text(encoding="utf-8"), "html.parser")
    lang = (soup.html.get("lang") if soup.html else None) or "en"
    hidden = set(PRINT_HIDDEN) | print_hidden_classes(" ".join(st.get_text() for st in soup.find_all("style")))
    tables = []
    for t in soup.find_all("table"):
        if any(set(el.get("class") or []) & hidden or el.has_attr("hidden") for el in [t, *t.parents]
               if getattr(el, "get", None) is not None and el.name not in (None, "[document]")):
            continue
        fig = t.find_parent("figure")
        cap = fig.find("figcaption") if fig else None
        cap = cap or t.find("caption")
        if t.find("thead"):
            heads = [th.get_text(" ", strip=True) for th in t.find("thead").find_all(["th", "td"])]
        else:
            first = t.find("tr")
            heads = [c.get_text(" ", strip=True) for c in first.find_all(["th", "td"])] if first else []
        rows = []
        for tr in t.find_all("tr"):
            if tr.find_parent("thead") or (not t.find("thead") and tr is t.find("tr")):
                continue
            rows.append([c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])])
        tables.append(HtmlTable(cap.get_text(" ", strip=True) if cap else "", heads, rows))
    contents = []
    toc = soup.find(class_="csat-print-toc")
    if toc is not None:
        for li in toc.find_all("li"):
            own = "".join(x if isinstance(x, str) else x.get_text(" ") for x in _own_text(li))
            contents.append(norm(own))
    dpi = {}
    for img in soup.find_all("img"):
        src = img.get("src", "")
        if src.startswith("data:image/png;base64,"):
            data = base64.b64decode(src.split(",", 1)[1][:200_000])
            size, d = png_size(data), png_dpi(data)
            if size and d:
                dpi[size] = d
    return HtmlReport(lang, tables, contents, dpi)


#: Classes of report.html whose content is not printed (``display: none`` in print).
PRINT_HIDDEN = ("csat-sidebar", "csat-screen-only")


def print_hidden_classes(css: str) -> set[str]:
    """Classes a stylesheet hides in print: ``.name { display: none }`` inside ``@media print``."""
    out: set[str] = set()
    for m in re.finditer(r"@media\s+print\s*\{", css):
        depth, i = 1, m.end()
        while i < len(css) and depth:
            depth += {"{": 1, "}": -1}.get(css[i], 0)
            i += 1
        for rule in re.finditer(r"([^{}]+)\{([^{}]*)\}", css[m.end():i]):
            if re.search(r"display\s*:\s*none", rule.group(2)):
                sels = [x.strip() for x in rule.group(1).split(",")]
                out |= {x[1:] for x in sels if re.fullmatch(r"\.[\w-]+", x)}
    return out


def _own_text(li):
    """The pieces of a contents entry's own text: not its sub-list, not the page number a printing filled in."""
    for x in li.children:
        if getattr(x, "name", None) in ("ol", "ul"):
            continue
        if getattr(x, "name", None) is not None:
            for page in x.find_all(class_="csat-toc-page"):
                page.extract()
            if "csat-toc-page" in (x.get("class") or []):
                continue
        yield x


def params_keys() -> list[str]:
    """The params schema's keys a reader must not see: every dotted path (``ipma.target``) and every
    snake_case key (``item_labels``), from :class:`csat.config.params.StudyParams`."""
    import typing

    from pydantic import BaseModel

    from csat.config.params import StudyParams

    out: set[str] = set()

    def models(tp):
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            yield tp
        for a in typing.get_args(tp):
            yield from models(a)

    def walk(model, prefix, depth):
        for name, f in model.model_fields.items():
            path = f"{prefix}.{name}" if prefix else name
            if "_" in name:
                out.add(name)
            if prefix:
                out.add(path)
            if depth < 3:
                for sub in models(f.annotation):
                    walk(sub, path, depth + 1)

    walk(StudyParams, "", 0)
    return sorted(out)


def study_codes(report_dir: str | Path) -> tuple[set[str], set[str]]:
    """The study's own codes, from the params the build used (``params/<study>.yaml`` with the run's
    overrides, ``.build/papermill.yaml``): ``(item and construct codes, other columns the params name)``.
    Empty when the params cannot be read."""
    report_dir = Path(report_dir)
    root, study = report_dir.resolve().parent.parent, report_dir.resolve().name
    try:
        from csat.config.params import load_params
        from csat.report.provenance import read_overrides_file

        from csat.core import paths

        ovr_file = paths.build_dir(root, study) / "papermill.yaml"
        ovr = read_overrides_file(ovr_file) if ovr_file.is_file() else {}
        p = load_params(root / "params" / f"{study}.yaml", ovr, root=root)
    except Exception:                                 # noqa: BLE001 - a lint without codes still lints
        return set(), set()
    # item-like codes: the construct items and every other answer column the study declares (Kano and
    # SERVQUAL pairs, attention checks, the recommend question), as the codebook and the tables show them
    answers = {c for pair in (p.kano or {}).values() for c in (pair.functional, pair.dysfunctional)}
    answers |= {c for sq in (p.servqual or {}).values() for c in (*sq.expectation, *sq.perception)}
    answers |= set(p.cleaning.attention_checks or {}) | ({p.recommend} if p.recommend else set())
    codes = set(p.items) | set(p.constructs) | set(p.pls.labels) | answers | {study}
    if getattr(p, "model_template", None):            # the template's constructs (COMP), named when left out
        from csat.sem.templates import TEMPLATES

        codes |= {c for path in TEMPLATES.get(str(p.model_template).lower(), []) for c in path}
    return codes, set(p.data_columns) - codes


# ---- the whole lint -----------------------------------------------------------------------------------------------
#: Every check: name -> (the finding codes it gives, what it checks).
CHECKS: dict[str, tuple[tuple[str, ...], str]] = {
    "cut_tables": (("table-cut",), "every HTML table header cell is in the PDF's text"),
    "outside": (("text-outside",), "no text outside the page"),
    "overlaps": (("text-overlap",), "no text over other text"),
    "font_sizes": (("font-small",), "no text below 7 pt"),
    "raster_figures": (("figure-shrunk",), "no raster figure shrunk so that its 8-pt text prints below 7 pt"),
    "blank_pages": (("page-blank",), "no near-empty page but the last"),
    "fonts": (("font-type3", "font-latin-cjk"), "no Type 3 font, no Latin text in a CJK font"),
    "forbidden_text": (("raw-value", "negative-zero", "count-decimals", "params-key", "stage-name", "abs-path",
                        "python-repr", "program-text"), "no program values, keys, file names, paths or reprs"),
    "empty_columns": (("empty-column",), "no table column without a value"),
    "count_decimals": (("count-decimals",), "no count with decimals in a table"),
    "english_in_zh": (("english-in-zh",), "a Chinese report has no English word outside the allowed list"),
    "contents": (("contents-no-pages",), "the contents give page numbers"),
    "outline": (("outline-missing",), "the PDF has an outline with pages"),
}


def lint(pdf: PdfDocument, html: HtmlReport, keys: Iterable[str] = (), codes: Iterable[str] = (),
         strict_codes: Iterable[str] = (), only: Iterable[str] | None = None) -> list[Finding]:
    """Every check of :data:`CHECKS` (or those named in ``only``) on extracted data; findings by page."""
    pages = pdf.pages
    run: dict[str, Callable[[], list[Finding]]] = {
        "cut_tables": lambda: check_cut_tables(html.tables, pages),
        "outside": lambda: check_text_outside(pages),
        "overlaps": lambda: check_overlaps(pages),
        "font_sizes": lambda: check_font_sizes(pages),
        "raster_figures": lambda: check_raster_figures(pages, html.png_dpi),
        "blank_pages": lambda: check_blank_pages(pages),
        "fonts": lambda: check_fonts(pages),
        "forbidden_text": lambda: check_forbidden_text(pages, keys),
        "count_decimals": lambda: check_count_decimals(html.tables, pages),
        "empty_columns": lambda: check_empty_columns(html.tables, pages),
        "english_in_zh": lambda: (check_english_in_zh(pages, codes, strict_codes)
                                  if html.language.lower().startswith("zh") else []),
        "contents": lambda: check_contents(html.contents, pages),
        "outline": lambda: check_outline(pdf.outline, len(pages)),
    }
    names = list(only) if only else list(CHECKS)
    unknown = [n for n in names if n not in run]
    if unknown:
        raise ValueError(f"unknown checks: {', '.join(unknown)} (known: {', '.join(CHECKS)})")
    found = [f for n in names for f in run[n]()]
    return sorted(found, key=lambda f: (f.page if f.page is not None else 0))


def lint_report(report_dir: str | Path, only: Iterable[str] | None = None) -> list[Finding]:
    """Lint ``<report_dir>/report.pdf`` and ``report.html`` (the study's params give its codes)."""
    report_dir = Path(report_dir)
    pdf_path, html_path = report_dir / "report.pdf", report_dir / "report.html"
    for f in (pdf_path, html_path):
        if not f.is_file():
            raise FileNotFoundError(f"{f} not found: build the study first (make study STUDY={report_dir.name})")
    html = extract_html(html_path)
    codes, strict = study_codes(report_dir) if html.language.lower().startswith("zh") else (set(), set())
    return lint(extract_pdf(pdf_path), html, params_keys(), codes, strict, only)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m csat.report.lint", description=__doc__.split("\n\n")[0])
    ap.add_argument("report_dir", nargs="+", help="reports/<study> (holding report.pdf and report.html)")
    ap.add_argument("--check", action="append", default=None, metavar="NAME",
                    help=f"run only this check (repeatable): {', '.join(CHECKS)}")
    args = ap.parse_args(argv)
    total = 0
    for d in args.report_dir:
        try:
            found = lint_report(d, args.check)
        except (FileNotFoundError, ValueError) as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        try:
            for f in found:
                print(f"{d}: {f}" if len(args.report_dir) > 1 else str(f), flush=True)
        except BrokenPipeError:                       # `… | head`
            sys.stderr.close()
            return 1
        total += len(found)
        print(f"{d}: {len(found)} findings", file=sys.stderr)
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
