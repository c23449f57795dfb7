"""The study report as one HTML page: ``reports/<study>/report.html`` from the executed stage notebooks.

:func:`build_report_html` reads the executed notebooks ``reports/<study>/<stage>.ipynb`` (written by
papermill) and writes ``reports/<study>/report.html`` (and the summary, ``results/summary.json``):

* a head (title, date, data file, n kept of n read, from ``results/cleaning.json``),
* a table of contents (stages, their sections, the lists of tables and figures),
* the executive summary and the methods (:mod:`csat.report.summary`), the questionnaire,
* the stages in order, code hidden, tables and figures numbered across the report
  ("Table 3", "Figure 2"; 表 3 / 图 2 in Chinese),
* a provenance section (:mod:`csat.report.provenance`): pinned package versions
  (``requirements.lock``) next to the installed ones, the git commit and whether the tree was dirty,
  the SHA-256 of the raw data file, the params file verbatim, the run's overrides and when/how long
  each stage ran.

The cells are rendered by nbconvert with the project's own template
(``csat/report/templates/csat_report``: outputs only, no MathJax, require.js or widgets), then
assembled with ``csat/report/templates/page.html.j2`` (Jinja autoescape on: every user-supplied
string — title, labels, file names, params — is escaped).  The HTML is self-contained: CSS
is inlined, images are data URIs, ``<script>`` elements are removed, TeX in markdown is drawn
by matplotlib's mathtext as inline SVG, and nothing is loaded from the network
(:func:`csat.report.pages.external_resources` checks it).  Every file is written atomically.

The page is in the study's ``language``: its words from the catalog (:mod:`csat.report.words`), the
summary's sentences in that language (:func:`csat.report.summary.in_language`), the page's ``lang``
(:func:`csat.core.i18n.html_lang`: ``zh-Hans``, ``zh-Hant``), by which the stylesheet picks the CJK
font of the script.
"""
from __future__ import annotations

import base64
import datetime as _dt
import io
import json
import mimetypes
import os
import platform
import re
from dataclasses import dataclass
from pathlib import Path

from csat.config.params import load_params, local_text, project_root, read_params_text, resolve_data_paths
from csat.core import paths
from csat.core.i18n import html_lang, is_chinese, tr, trc
from csat.core.errors import ReportError
from csat.core.files import atomic_write_text
from csat.pipeline.graph import STAGES
from csat.report.pages import (TEMPLATES, cjk_print_fonts, css, csat_version, external_resources, jinja_env, publish,
                               strip_external)
from csat.report.provenance import fmt_size, git_info, package_versions, read_json, read_runinfo, sha256_file
from csat.report.words import heading, stage_title, words


def stage_notebooks(report_dir: str | Path) -> dict[str, Path]:
    """The executed notebook of each stage, ``reports/<study>/<stage>.ipynb``; error if any is missing."""
    report_dir = Path(report_dir)
    found = {s: report_dir / f"{s}.ipynb" for s in STAGES}
    missing = [str(p) for p in found.values() if not p.is_file()]
    if missing:
        raise ReportError("executed notebook(s) not found: " + ", ".join(missing)
                          + " (run the study first: make study STUDY=<name>)")
    return found


def check_assembly(root: str | Path, study: str, notebooks: dict[str, Path]) -> None:
    """Refuse to assemble a report from stage outputs of different builds (their build stamps disagree with
    each other or with the current parameters, code and data: :func:`csat.pipeline.stamps.check`) or from a
    notebook with an error in it; the message names the stage to re-run."""
    from csat.pipeline import stamps
    from csat.pipeline.build import notebook_error

    problems = stamps.check(root, study)
    if problems:
        raise ReportError(f"reports/{study}: the stage outputs do not belong to one build: {problems[0]}"
                          + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
    for s, nb in notebooks.items():
        err = notebook_error(nb)
        if err:
            raise ReportError(f"{nb}: the notebook holds an error ({err}); re-run {s} (make study STUDY={study})")


def make_exporter():
    """The nbconvert exporter of the report's stages: the ``csat_report`` template, outputs only (no code,
    no prompts, no anchor links)."""
    from nbconvert import HTMLExporter

    ex = HTMLExporter(template_name="csat_report", extra_template_basedirs=[str(TEMPLATES)])
    ex.exclude_input = True
    ex.exclude_input_prompt = True
    ex.exclude_output_prompt = True
    ex.anchor_link_text = ""
    return ex


def notebook_fragment(nb_path: str | Path, exporter=None) -> str:
    """The outputs and markdown of one executed notebook as an HTML fragment (no code, no page)."""
    import nbformat

    nb_path = Path(nb_path)
    try:
        nb = nbformat.read(str(nb_path), as_version=4)
    except Exception as err:  # nbformat raises several kinds for a broken file
        raise ReportError(f"{nb_path}: cannot read the notebook ({type(err).__name__}: {err})") from None
    drop_stray_reprs(nb)
    exporter = exporter or make_exporter()
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"path": str(nb_path.parent)}})
    return body


_WORKER_EXPORTER = None


def prepared_stage(nb_path: str | Path, number: int, stage: str, language: str, base_dirs: list[Path],
                   exporter=None) -> tuple[str, list[dict], list[dict], list[dict], int, int]:
    """One stage as the report shows it, made without knowing the stages before it:
    :func:`notebook_fragment` then :func:`process_stage` with placeholder numbers (:func:`renumber`).
    Returns ``(html, toc_children, tables, figures, n_tables, n_figures)``."""
    counters = Counters(placeholders=True)
    html, toc, tables, figures = process_stage(notebook_fragment(nb_path, exporter), number, stage, language,
                                               counters, base_dirs=base_dirs)
    return html, toc, tables, figures, counters.tables, counters.figures


def _stage_in_worker(nb_path: str, number: int, stage: str, language: str, base_dirs: list[str]):
    """:func:`prepared_stage` in a worker process, with one exporter per worker."""
    global _WORKER_EXPORTER
    if _WORKER_EXPORTER is None:
        _WORKER_EXPORTER = make_exporter()
    return prepared_stage(nb_path, number, stage, language, [Path(d) for d in base_dirs], _WORKER_EXPORTER)


def start_stages(nb_paths: list[Path], language: str, base_dirs: list[Path]):
    """Start preparing the stages of the report (:func:`prepared_stage`; stage ``i`` of ``nb_paths``
    is stage ``i + 1`` of :data:`STAGES`) in two worker processes (forked) and return a function that
    waits for them and numbers their tables and figures across the report, in order: the report's
    other work goes on meanwhile.  With one CPU, or where fork is not available, the stages are
    prepared in this process when waited for.  The waiting function returns, per stage,
    ``(html, toc_children, tables, figures)`` as :func:`process_stage` does."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    jobs = [(str(p), i, STAGES[i - 1], language, [str(d) for d in base_dirs]) for i, p in enumerate(nb_paths, start=1)]
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if cpus < 2 or len(nb_paths) < 2 or "fork" not in mp.get_all_start_methods():
        def results():
            exporter = make_exporter()
            return [prepared_stage(p, i, s, lang, [Path(d) for d in dirs], exporter) for p, i, s, lang, dirs in jobs]
    else:
        ex = ProcessPoolExecutor(max_workers=2, mp_context=mp.get_context("fork"))
        futures = [ex.submit(_stage_in_worker, *job) for job in jobs]

        def results():
            try:
                return [f.result() for f in futures]
            finally:
                ex.shutdown(cancel_futures=True)

    def wait() -> list[tuple[str, list[dict], list[dict], list[dict]]]:
        out, n_tables, n_figures = [], 0, 0
        for html, toc, tables, figures, nt, nf in results():
            out.append((renumber(html, n_tables, n_figures), renumber(toc, n_tables, n_figures),
                        renumber(tables, n_tables, n_figures), renumber(figures, n_tables, n_figures)))
            n_tables, n_figures = n_tables + nt, n_figures + nf
        return out
    return wait


def drop_stray_reprs(nb) -> int:
    """Remove the value a code cell happens to end with when it is only a Python repr
    (``PosixPath('/…')``, ``{'stage': …}``): an ``execute_result`` with nothing but ``text/plain``.
    Tables, figures and text the notebook shows on purpose are display outputs and stay.
    Returns how many outputs were removed."""
    n = 0
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        keep = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "execute_result" and set(out.get("data", {})) <= {"text/plain"}:
                n += 1
                continue
            keep.append(out)
        cell["outputs"] = keep
    return n


_INLINE_MATH = re.compile(r"(?<![\\$])\$(?![\s$])([^$\n]+?)(?<![\s\\])\$(?!\d)")
_DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.S)


def tex_to_svg_uri(tex: str, fontsize: float = 11.0) -> str | None:
    """Draw TeX with matplotlib's mathtext as an SVG data URI (None if mathtext cannot parse it)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib import mathtext
    from matplotlib.font_manager import FontProperties

    buf = io.BytesIO()
    try:
        with matplotlib.rc_context({"svg.fonttype": "path", "mathtext.fontset": "dejavuserif"}):
            mathtext.math_to_image(f"${tex.strip()}$", buf, prop=FontProperties(size=fontsize), format="svg")
    except Exception:  # mathtext raises ValueError/ParseException/... for unsupported TeX
        return None
    svg = buf.getvalue().decode("utf-8")
    svg = re.sub(r"<!DOCTYPE[^>]*>", "", svg)
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _render_math(soup, cell) -> None:
    """Replace ``$...$`` / ``$$...$$`` in a markdown cell's text by inline SVG (or styled text)."""
    from bs4 import NavigableString

    for node in list(cell.find_all(string=True)):
        if node.find_parent(["code", "pre", "script", "style"]) is not None or "$" not in node:
            continue
        text = str(node)
        pieces: list = []
        pos = 0
        pattern = re.compile(_DISPLAY_MATH.pattern + "|" + _INLINE_MATH.pattern, re.S)
        for m in pattern.finditer(text):
            display = m.group(1) is not None
            tex = m.group(1) if display else m.group(2)
            pieces.append(NavigableString(text[pos:m.start()]))
            uri = tex_to_svg_uri(tex, 12.5 if display else 11.0)
            if uri:
                img = soup.new_tag("img", src=uri, alt=tex)
                img["class"] = ["csat-math-svg"] + (["csat-math-display"] if display else [])
                pieces.append(img)
            else:
                span = soup.new_tag("span")
                span["class"] = ["csat-math"] + (["csat-math-display"] if display else [])
                span.string = tex
                pieces.append(span)
            pos = m.end()
        if not pieces:
            continue
        pieces.append(NavigableString(text[pos:]))
        for p in pieces:
            node.insert_before(p)
        node.extract()


def _inline_local_image(img, base_dirs: list[Path]) -> None:
    """Embed an image given by a relative file path as a data URI (first base folder that has it)."""
    src = img.get("src", "")
    if not src or src.startswith("data:") or re.match(r"^[a-z][a-z0-9+.-]*:", src, re.I):
        return
    for base in base_dirs:
        p = (base / src).resolve()
        if p.is_file():
            mime = mimetypes.guess_type(p.name)[0] or "application/octet-stream"
            img["src"] = f"data:{mime};base64," + base64.b64encode(p.read_bytes()).decode("ascii")
            return


def png_size_inches(data: bytes) -> tuple[float, float] | None:
    """A PNG's size in inches: its pixels over the resolution of its ``pHYs`` chunk (matplotlib writes the
    figure's dpi there), None when it is not a PNG or states no resolution in pixels per metre."""
    import struct

    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    w, h = struct.unpack(">II", data[16:24])
    pos = 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"pHYs" and length >= 9:
            px, py, unit = struct.unpack(">IIB", data[pos + 8:pos + 17])
            if unit == 1 and px > 0 and py > 0:
                return w / (px * 0.0254), h / (py * 0.0254)
            return None
        if kind in (b"IDAT", b"IEND"):
            return None
        pos += 12 + length
    return None


def set_printed_size(img) -> None:
    """Show a figure's PNG at the size it was drawn for (its inches, :func:`png_size_inches`), not at one
    CSS pixel per image pixel: a figure drawn at the text width with 8-pt labels prints with 8-pt labels.
    The stylesheet still caps it at the text width and the page height (then every text shrinks alike)."""
    src = img.get("src", "")
    if not src.startswith("data:image/png;base64,"):
        return
    try:
        size = png_size_inches(base64.b64decode(src.split(",", 1)[1]))
    except ValueError:
        return
    if size is None:
        return
    img["style"] = f"width: {size[0]:.2f}in"
    img["class"] = list(img.get("class", [])) + ["csat-sized"]


#: The printed text width (A4 less two 16-mm margins) and the type sizes a table may use, in points: the normal
#: table type (0.88 rem of 10 pt) and the smallest the report allows (7.5 pt), with each cell's side padding.
TEXT_WIDTH_PT = 178 / 25.4 * 72
TABLE_TYPES = ((8.8, 2 * 0.6 * 10), (7.5, 2 * 0.3 * 10))


def text_em(text: str) -> float:
    """A rough printed width of ``text`` in em of its type: CJK characters a full em, digits, lower-case
    letters and punctuation about 0.56 em, capitals 0.66 em (Noto Sans)."""
    w = 0.0
    for ch in text:
        o = ord(ch)
        if 0x2E80 <= o <= 0x9FFF or 0xF900 <= o <= 0xFAFF or 0xFF00 <= o <= 0xFFEF or 0x3000 <= o <= 0x303F:
            w += 1.0
        elif ch.isupper():
            w += 0.66
        elif ch in " .,:;'|!il":
            w += 0.3
        else:
            w += 0.56
    return w


def column_min_em(rows: list[list[str]]) -> list[float]:
    """The narrowest each column of a table can be, in em: its longest unbreakable word (a table cell
    breaks its text at spaces; numbers, codes and CJK runs of three or more characters do not break here)."""
    n = max((len(r) for r in rows), default=0)
    out = [0.0] * n
    for r in rows:
        for j, cell in enumerate(r):
            words = re.split(r"\s+", cell.strip()) if cell.strip() else [""]
            out[j] = max(out[j], max(text_em(w) for w in words))
    return out


def column_groups(widths: list[float], keys: int, available: float) -> list[list[int]]:
    """Split the columns ``0 .. len(widths)-1`` into groups that fit ``available`` (widths in the same
    unit), each group starting with the ``keys`` key columns (repeated); columns keep their order.  A
    column wider than the room left beside the keys goes in a group of its own."""
    key = list(range(min(keys, len(widths))))
    rest = list(range(len(key), len(widths)))
    if sum(widths) <= available or not rest:
        return [list(range(len(widths)))]
    room = available - sum(widths[k] for k in key)
    groups, cur, used = [], [], 0.0
    for j in rest:
        if cur and used + widths[j] > room:
            groups.append(key + cur)
            cur, used = [], 0.0
        cur.append(j)
        used += widths[j]
    if cur:
        groups.append(key + cur)
    return groups


def key_columns(rows: list[list[str]], header_cells: list[int], widths: list[float], room: float) -> int:
    """How many leading columns a split table repeats in each part: the row headers (``th`` cells leading the
    body rows), else the leading columns whose cells are text rather than numbers, as many as fit ``room``;
    at least one."""
    lead = max(header_cells, default=0)
    if lead:
        return lead
    num = re.compile(r"^[−+-]?[\d.,]+(?:e[−+-]?\d+)?%?$|^$", re.I)
    keys, used = 0, 0.0
    for j in range(len(widths)):
        if all(num.match(r[j].strip()) for r in rows if j < len(r)) or used + widths[j] > room:
            break
        keys, used = keys + 1, used + widths[j]
    return max(keys, 1)


def _grid(table) -> list[list]:
    """The cells of a table row by row (header rows first), or [] when a cell spans rows or columns."""
    rows = []
    for tr in table.find_all("tr"):
        cells = tr.find_all(["th", "td"], recursive=False)
        if any(int(c.get("colspan", 1) or 1) > 1 or int(c.get("rowspan", 1) or 1) > 1 for c in cells):
            return []
        rows.append(cells)
    return rows


def fit_table_to_page(soup, table) -> str:
    """Make every column of a wide table reach the printed page (the PDF cuts what is wider than the text).

    The table's narrowest printed width (:func:`column_min_em`, cell padding included) is measured at the
    normal table type; if it does not fit the text width, at the smallest allowed type (7.5 pt: class
    ``csat-table-compact`` in print); if it still does not fit, the printed copy is split into several
    tables (:func:`column_groups`), each repeating the key column (the row labels: the leading header cells of
    the body rows, else the first column), shown in print only, the whole table on screen.  Returns what
    was done: ``"fits"``, ``"compact"``, ``"split"`` (or ``"skipped"`` for a table with spanning cells).
    """
    grid = _grid(table)
    if not grid or table.find_parent(class_="csat-print-split") is not None:
        return "skipped" if not grid else "fits"
    texts = [[c.get_text(" ", strip=True) for c in r] for r in grid]
    em = column_min_em(texts)
    for k, (size, pad) in enumerate(TABLE_TYPES):
        if sum(w * size + pad for w in em) <= 0.98 * TEXT_WIDTH_PT:
            if k:
                table["class"] = list(table.get("class", [])) + ["csat-table-compact"]
            return "fits" if k == 0 else "compact"
    size, pad = TABLE_TYPES[-1]
    widths = [w * size + pad for w in em]
    body_rows = [r for r in grid if r and any(c.name == "td" for c in r)]
    keys = key_columns([[c.get_text(" ", strip=True) for c in r] for r in body_rows],
                       [sum(c.name == "th" for c in r[:next((i for i, c in enumerate(r) if c.name != "th"), len(r))])
                        for r in body_rows], widths, 0.45 * 0.98 * TEXT_WIDTH_PT)
    numbered = len({tuple(r[j].get_text(" ", strip=True) for j in range(keys)) for r in body_rows}) < len(body_rows)
    groups = column_groups(widths, keys, 0.98 * TEXT_WIDTH_PT - (size * 2 + pad if numbered else 0))
    import copy

    wrap = soup.new_tag("div")
    wrap["class"] = ["csat-print-split"]
    for g in groups:
        part = copy.copy(table)
        part["class"] = [c for c in table.get("class", []) if c != "csat-screen-only"] + ["csat-table-compact", "csat-table-part"]
        if part.get("id"):
            del part["id"]
        k = 0
        for tr in part.find_all("tr"):
            cells = tr.find_all(["th", "td"], recursive=False)
            for j, c in enumerate(cells):
                if j not in g:
                    c.decompose()
            if numbered:       # the key columns do not tell the rows apart: every part numbers them
                head = tr.find_parent("thead") is not None or not any(c.name == "td" for c in cells)
                k += 0 if head else 1
                num = soup.new_tag("th" if head else "td")
                num.string = "#" if head else str(k)
                tr.insert(0, num)
        wrap.append(part)
    table["class"] = list(table.get("class", [])) + ["csat-screen-only"]
    table.insert_after(wrap)
    return "split"


@dataclass
class Counters:
    """The table and figure numbers so far.  With ``placeholders`` (a stage prepared in a worker process,
    before the numbers of the stages before it are known) a caption gets a token instead of a number
    (``T3`` between two private-use characters: the stage's 3rd table), which :func:`renumber` replaces."""
    tables: int = 0
    figures: int = 0
    placeholders: bool = False

    def next(self, kind: str) -> str:
        if kind == "table":
            self.tables += 1
            n = self.tables
        else:
            self.figures += 1
            n = self.figures
        return f"\ue000{kind[0].upper()}{n}\ue001" if self.placeholders else str(n)


_PLACEHOLDER = re.compile("\ue000([TF])(\\d+)\ue001")


def renumber(obj, tables_before: int, figures_before: int):
    """Replace the placeholders of :class:`Counters` in a string (or in the strings of a list of
    dicts) by the numbers across the report: the ``k``-th table of a stage is table
    ``tables_before + k``."""
    def sub(text: str) -> str:
        return _PLACEHOLDER.sub(lambda m: str((tables_before if m.group(1) == "T" else figures_before)
                                              + int(m.group(2))), text)
    if isinstance(obj, str):
        return sub(obj)
    return [{k: sub(v) if isinstance(v, str) else v for k, v in d.items()} for d in obj]


def _heading_level(cell) -> int | None:
    """The level of the first heading of a markdown cell (None: no heading, or not a markdown cell)."""
    if "jp-MarkdownCell" not in (cell.get("class") or []):
        return None
    h = cell.find(["h1", "h2", "h3", "h4", "h5", "h6"])
    return int(h.name[1]) if h is not None else None


def drop_absent_sections(soup, language: str) -> int:
    """Leave out the sections of the parts a study does not have (a ``p.csat-absent`` that
    :meth:`csat.pipeline.stage.Stage.absent` wrote: the section from its heading to the next heading of the same
    level), and name them all in one sentence where the first was.  Returns how many were left out."""
    from csat.analyses.drivers import absent_text

    cells = soup.select("div.jp-Cell")
    levels = [_heading_level(c) for c in cells]
    # a section: from a heading of the stage's section level (the shallowest below the title) to the next one
    top = min((lv for lv in levels if lv is not None and lv > 1), default=2)

    def opens(k: int) -> bool:
        return levels[k] is not None and levels[k] <= top

    drop, whats, first = set(), [], None
    for i, cell in enumerate(cells):
        marker = cell.select_one(".csat-absent")
        if marker is None:
            continue
        start = i
        while start > 0 and not opens(start):
            start -= 1
        end = i + 1
        while end < len(cells) and not opens(end):
            end += 1
        drop.update(range(start, end))
        whats.append(marker.get("data-what") or marker.get_text(" ", strip=True))
        first = start if first is None else min(first, start)
    if first is None:
        return 0
    p = soup.new_tag("p")
    p["class"] = ["csat-text", "csat-absent-parts"]
    p.string = absent_text(whats, language)
    cells[first].insert_before(p)
    for k in sorted(drop):
        cells[k].decompose()
    return len(whats)


def process_stage(fragment: str, number: int, stage: str, language: str, counters: Counters,
                  base_dirs: list[Path] | None = None) -> tuple[str, list[dict], list[dict], list[dict]]:
    """Prepare one stage's fragment for the report.

    Removes the notebook's own title (the report gives the stage heading), moves the other
    headings one level down and gives them unique ids, wraps bare images as figures, numbers
    the captions across the report (``Table 3.``/``表 3``, ``Figure 2.``/``图 2``), renders TeX,
    inlines local images and removes scripts and network resources.

    Returns ``(html, toc_children, tables, figures)``.
    """
    from bs4 import BeautifulSoup

    w = words(language)
    soup = BeautifulSoup(fragment, "html.parser")
    strip_external(soup)
    for a in soup.select("a.anchor-link"):
        a.decompose()
    # the notebook's title: the first h1 of the first markdown cell
    first_md = soup.select_one("div.jp-MarkdownCell")
    if first_md is not None:
        h1 = first_md.find("h1")
        if h1 is not None:
            h1.decompose()
    drop_absent_sections(soup, language)
    for md in soup.select("div.jp-MarkdownCell"):
        _render_math(soup, md)
    toc: list[dict] = []
    headings = soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6"])
    # the shallowest remaining notebook heading becomes h2 (the stage heading is the h1)
    shift = 2 - min((int(h.name[1]) for h in headings), default=2)
    for h in headings:
        shown = heading(h.get_text(" ", strip=True), language)
        if shown is not None:
            h.string = shown
    for k, h in enumerate(headings, start=1):
        level = int(h.name[1])
        h.name = f"h{max(2, min(level + shift, 6))}"
        h["id"] = f"s{number}-{k}"
        if h.name == "h2" and h.find_parent("figure") is None:
            toc.append({"id": h["id"], "text": h.get_text(" ", strip=True)})
    for img in soup.find_all("img"):
        _inline_local_image(img, list(base_dirs or []))
        if img.find_parent("figure") is not None or img.find_parent(class_="jp-RenderedImage") is not None:
            set_printed_size(img)
    # bare images (plt.show(), display(Image)) become numbered figures too
    for div in soup.select("div.jp-RenderedImage, div.jp-RenderedSVG"):
        if div.find_parent("figure") is not None:
            continue
        fig = soup.new_tag("figure")
        fig["class"] = ["csat-figure", "csat-figure-auto"]
        fig["data-stage"] = stage
        div.wrap(fig)
        cap = soup.new_tag("figcaption")
        cap["class"] = ["csat-caption", "csat-figure-caption"]
        fig.append(cap)
    for table in soup.find_all("table"):
        fit_table_to_page(soup, table)
    tables, figures = [], []
    for cap in soup.select("figcaption.csat-caption"):
        classes = cap.get("class", [])
        fig = cap.find_parent("figure")
        if "csat-table-caption" in classes or (fig is not None and "csat-table-wrap" in fig.get("class", [])):
            n, template, kind, bucket = counters.next("table"), w["table_label"], "table", tables
        else:
            n, template, kind, bucket = counters.next("figure"), w["figure_label"], "figure", figures
        label = template.format(n=n)
        text = cap.get_text(" ", strip=True)
        span = soup.new_tag("span")
        span["class"] = ["csat-caption-label"]
        span.string = label
        cap.insert(0, span)
        target = fig if fig is not None else cap
        target["id"] = f"{kind}-{n}"
        bucket.append({"id": f"{kind}-{n}", "label": label, "text": text})
    return str(soup), toc, tables, figures


def _png_uri(fig, dpi: int = 150) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


SURVEY_KEYS = {"client", "population", "sampling", "mode", "fieldwork", "counts", "moe_method"}


def summary_context(summ: dict, p, language: str, packages: list[dict] | None = None) -> dict:
    """What page.html.j2 shows of the summary (:func:`csat.report.summary.build_summary`): the sentences of
    each part in the report language, the drivers table, the index figure and the methods text."""
    from csat.report import summary as S

    pick = lambda sents: [S.in_language(x, language) for x in sents]   # noqa: E731
    sec = summ["sections"]
    h = summ["headline"]
    target = None
    if h is not None:
        target = S.label_in(h, language)
    w = words(language)
    # the interval beside the importance only when it is of the same quantity (ML: standardized total effect)
    same = summ.get("estimator") != "pls"
    drivers = [{"label": S.label_in(d, language),
                "importance": S.fmt_number(d["importance"], 2, "num", language),
                "ci": ("" if d["ci_lower"] is None or not same else
                       f"[{S.fmt_number(d['ci_lower'], 2, 'num', language)}, {S.fmt_number(d['ci_upper'], 2, 'num', language)}]"),
                "performance": S.fmt_number(d["performance"], 1, "num", language),
                "quadrant": d.get("priority", d["quadrant"]),
                "quadrant_text": S.priority_name(d.get("priority", d["quadrant"]), language)}
               for d in summ["drivers"]]
    methods_table = None
    im = summ.get("index_methods")
    if im:
        fmt = lambda x: S.fmt_number(x, 1, "num", language)   # noqa: E731
        methods_table = {
            "caption": tr("Two methods, two values of each index: the one this report states, and the other "
                          "beside it", language),
            "col_construct": tr("Construct", language),
            "col_method": S.method_name(im["method"], language) + " · " + tr("this report", language),
            "col_alt": S.method_name(im["alt_method"], language),
            "rows": [{"label": S.label_in(r, language), "index": fmt(r["index"]), "alt": fmt(r["alt_index"]),
                      "ci": (f"[{fmt(r['ci_lower'])}, {fmt(r['ci_upper'])}]" if r["ci_lower"] == r["ci_lower"] else ""),
                      "alt_ci": (f"[{fmt(r['alt_ci_lower'])}, {fmt(r['alt_ci_upper'])}]"
                                 if r["alt_ci_lower"] == r["alt_ci_lower"] else "")}
                     for r in sorted(im["rows"], key=lambda r: -r["index"])]}
    software = [{"name": r["name"], "installed": r["installed"]} for r in (packages or [])
                if r["name"] in ("Python", "numpy", "pandas", "scipy", "statsmodels", "pingouin", "matplotlib")]
    headline = None
    if h is not None:
        headline = {"label": target, "value": S.fmt_number(h["index"], 1, "num", language),
                    "ci": ("" if h["margin_of_error"] is None else
                           f"{S.fmt_number(h['ci_lower'], 1, 'num', language)}–{S.fmt_number(h['ci_upper'], 1, 'num', language)}"),
                    "moe": None if h["margin_of_error"] is None else S.fmt_number(h["margin_of_error"], 1, "num", language),
                    "n": None if h.get("n") is None else S.fmt_number(h["n"], 0, "int", language), "note": None}
    methods = S.methods_sentences(summ, p, software)
    nps = None
    if summ["nps"] is not None:
        nps = {"value": S.fmt_number(summ["nps"]["nps"], 1, "num", language), "note": None}
        if summ["nps"].get("weighted"):
            nps["note"] = tr("weighted; unweighted {u}", language,
                             u=S.fmt_number(summ["nps"]["unweighted"]["nps"], 1, "num", language))
    if headline is not None and h.get("method") == "weighted" and h.get("alt_index") is not None:
        headline["note"] = tr("weighted; unweighted {u}", language, u=S.fmt_number(h["alt_index"], 1, "num", language))
    elif headline is not None and h.get("method") == "pls":
        headline["note"] = S.method_name(h["method"], language)
    return {
        "headline": headline,
        "nps": nps,
        "index": pick(sec["headline"]),
        "figure": _png_uri(S.index_chart(summ, language)) if summ["indices"] else None,
        "drivers": pick(sec["drivers"]),
        "drivers_table": drivers,
        "drivers_caption": w["drivers_table"].format(target=target or ""),
        "no_drivers": not summ["drivers"],
        "recommendations": pick(sec["recommendations"]),
        "groups": pick(sec["groups"]),
        "open_ended": pick(sec.get("open_ended", [])),
        "has_groups": bool(p.groups) or bool(summ.get("segments")),
        "methods_table": methods_table,
        "col_performance": (w["col_performance"] + " · " + S.method_name("unweighted", language)
                            if h is not None and h.get("method") == "weighted" else w["col_performance"]),
        "objectives": local_text(p.survey.objectives, language) if p.survey is not None else None,
        "quality": pick(sec["quality"]),
        "measurement_table": _measurement_table(summ, language),
        "methods_survey": pick(x for x in methods if x["key"] in SURVEY_KEYS),
        "methods_analysis": pick(x for x in methods if x["key"] not in SURVEY_KEYS),
    }


def _measurement_table(summ: dict, language: str) -> dict | None:
    """The reliability and validity that two methods give twice (a PLS study: 03's CFA-based and 05's PLS-based),
    side by side, each column named with its method and appendix."""
    from csat.report import summary as S

    rows = summ.get("measurement_methods")
    if not rows:
        return None
    labels = {i["construct"]: S.label_in(i, language) for i in summ["indices"]}
    f = lambda x: S.fmt_number(x, 3, "num", language)   # noqa: E731
    return {"caption": tr("Reliability and validity by method: Appendix D from the raw scores and the measurement "
                          "model (CFA), Appendix F from PLS (standardized items, PLS loadings)", language),
            "columns": [tr("Construct", language), tr("Method", language), tr("alpha", language),
                        tr("Composite reliability", language), tr("AVE", language)],
            # one row per method (short headers that do not wrap in print); CR is the CFA's, rhoC PLS's
            "rows": [row for r in rows for row in (
                [labels.get(r["construct"], r["construct"]), tr("CFA, raw scores (D)", language), f(r["alpha"]),
                 f(r["cr"]), f(r["ave"])],
                ["", tr("PLS, standardized (F)", language), f(r["alpha_pls"]), f(r["rhoc"]), f(r["ave_pls"])])]}


def extra_words(language: str) -> dict:
    """The words of the main body's sections that :func:`csat.report.words.words` does not hold."""
    return {"objectives": tr("Background and objectives", language), "groups": tr("Groups", language),
            "ipma": tr("Importance–performance map", language), "col_scale": tr("Answer scale", language),
            "open_ended": tr("In the customers' own words", language),
            "index_methods": tr("The index by method", language),
            "kano_note": tr("Kano answers: 1 = I like it, 2 = I expect it, 3 = I am neutral, 4 = I can live with it, "
                            "5 = I dislike it.", language),
            "codebook_intro": tr("Every question the study used, with its code: the items of each construct with their "
                                 "answer scale, the recommendation question, the Kano and service-quality pairs and the "
                                 "respondent profile. Reverse-keyed items were recoded so that a high value is always "
                                 "favourable.", language)}


def planned_context(p, root: Path, language: str) -> dict | None:
    """The methods' planned-against-achieved table of a stratified plan (``design.strata``;
    :func:`csat.analyses.planning.planned_vs_achieved` on 02's ``sample_profile.csv``), or None."""
    f = paths.result_file(root, p.study, "sample_profile.csv")
    if getattr(p, "design", None) is None or not p.design.strata or not f.is_file():
        return None
    import pandas as pd
    from markupsafe import Markup

    from csat.analyses.planning import planned_vs_achieved

    out = planned_vs_achieved(p, pd.read_csv(f, dtype={"level": str}), language)
    if out is None:
        return None
    caption, df = out
    html = df.to_html(index=False, classes="csat-table csat-planned", border=0, escape=True)
    return {"caption": caption, "table": Markup(html.replace(' style="text-align: right;"', ""))}


def codebook_rows(p, language: str, data=None) -> list[dict]:
    """Appendix A, the questionnaire: every question the study used, each with its code — the construct
    items (wording, answer scale with its anchors, reverse-keyed), the recommend question, the Kano pairs,
    the SERVQUAL pairs and the group columns (with their levels) — in ``language``.  The wording is the
    ``item_labels`` text, else the file's own header when ``data.rename`` gave the column a short name,
    else empty (the template leaves out a Wording column that would be empty throughout).  ``data`` (the
    analysed data, optional) gives the group columns' levels."""
    from csat.analyses.labels import column_label, dimension_label, feature_label, level_label

    w = words(language)
    raw = {short: header for header, short in (p.data.rename or {}).items()}
    scale = _scale_text(p, language)

    def wording(code):
        return local_text(p.item_labels.get(code), language) or raw.get(code) or ""

    rows = []
    for c, spec in p.constructs.items():
        clab = local_text({"en": spec.label, "zh": spec.label_zh}, language)
        for k, item in enumerate(spec.items):
            rows.append({"construct": (f"{c}: {clab}" if clab and clab != c else c) if k == 0 else "",
                         "item": item, "wording": wording(item), "scale": scale,
                         "reverse": w["yes"] if item in p.reverse else ""})
    if p.recommend:
        rows.append({"construct": tr("Recommendation (Net Promoter Score)", language), "item": p.recommend,
                     "wording": wording(p.recommend) or tr("How likely are you to recommend us to a friend or "
                                                           "colleague?", language),
                     "scale": tr("0 = not at all likely … 10 = extremely likely", language), "reverse": ""})
    kano_scale = tr("Kano answers 1–5 (see the note below the table)", language)
    for f, spec in (p.kano or {}).items():
        lab = feature_label(p, f, language)
        head = tr("Kano: {feature}", language, feature=lab)
        rows.append({"construct": head, "item": spec.functional,
                     "wording": wording(spec.functional) or tr("If {feature} is offered, how do you feel?", language,
                                                              feature=lab),
                     "scale": kano_scale, "reverse": ""})
        rows.append({"construct": "", "item": spec.dysfunctional,
                     "wording": wording(spec.dysfunctional) or tr("If {feature} is not offered, how do you feel?",
                                                                 language, feature=lab),
                     "scale": kano_scale, "reverse": ""})
    for d, spec in (p.servqual or {}).items():
        lab = dimension_label(p, d, language)
        for k, (e, q) in enumerate(zip(spec.expectation, spec.perception)):
            head = tr("Service quality: {dimension}", language, dimension=lab) if k == 0 else ""
            rows.append({"construct": head, "item": e,
                         "wording": wording(e) or tr("Expectation {k} of {dimension}", language, k=k + 1,
                                                     dimension=lab), "scale": scale, "reverse": ""})
            rows.append({"construct": "", "item": q,
                         "wording": wording(q) or tr("Perception {k} of {dimension}", language, k=k + 1,
                                                     dimension=lab), "scale": scale, "reverse": ""})
    for col in p.open_ended or {}:
        from csat.analyses.openended import column_name

        rows.append({"construct": tr("Open question", language), "item": col,
                     "wording": wording(col) or column_name(p, col, language), "scale": tr("free text", language),
                     "reverse": ""})
    for g in p.groups:
        levels = ""
        if data is not None and g in data.columns:
            from csat.stats.descriptives import group_levels

            levels = trc("clause separator", ", ", language).join(level_label(p, g, v, language)
                                                                 for v in group_levels(data[g]))
        lab = column_label(p, g, language)
        rows.append({"construct": tr("Respondent profile", language) + (f": {lab}" if lab != g else ""), "item": g,
                     "wording": wording(g), "scale": levels, "reverse": ""})
    return rows


def _scale_text(p, language: str) -> str:
    """The construct items' answer scale with its anchors: ``1–10``, with the texts ``labels`` maps to the ends."""
    if p.scale.continuous or p.scale.min is None or p.scale.max is None:
        return tr("continuous score", language)
    lo, hi = p.scale.min, p.scale.max
    ends = {v: t for t, v in (p.labels or {}).items()}
    a, b = ends.get(lo), ends.get(hi)
    if a and b:
        return f"{lo:g} = {a} … {hi:g} = {b}"
    return f"{lo:g}–{hi:g}"


def group_section(p, report_dir: Path, language: str, tests=None) -> dict | None:
    """The Groups section of the main body: the index of every construct per group level (n, and the
    significance marks of 02's tests), as a table and a chart; the table is also written to
    ``results/group_means.csv``.  None without groups or analysed data."""
    import pandas as pd

    from csat.analyses.groups import group_index_table, group_marks
    from csat.analyses.labels import column_label, level_label
    from csat.core.files import write_csv
    from csat.report import summary as S
    from csat.viz.descriptives import group_index_chart

    clean = paths.processed_dir(report_dir.parents[1], p.study) / "clean.parquet"
    if not p.groups or not clean.is_file():
        return None
    data = pd.read_parquet(clean)
    table = group_index_table(data, p)
    if table.empty:
        return None
    publish(write_csv(report_dir / paths.RESULTS / "group_means.csv", table))
    marks = group_marks(tests)
    cons = list(p.constructs)
    clabels = {c: p.construct_label(c) if language == p.language else
               (local_text({"en": p.constructs[c].label, "zh": p.constructs[c].label_zh}, language) or c) for c in cons}
    bounded = p.scale.min is not None and p.scale.max is not None and not p.scale.continuous
    blocks = []
    for g in dict.fromkeys(table["group"]):
        sub = table[table["group"] == g]
        blocks.append({"label": column_label(p, g, language),
                       "marks": [marks.get((g, c), "") for c in cons],
                       "rows": [{"level": level_label(p, g, r["level"], language),
                                 "n": S.fmt_number(r["n"], 0, "int", language),
                                 "cells": [S.fmt_number(r[c], 1 if bounded else 2, "num", language) for c in cons]}
                                for _, r in sub.iterrows()]})
    fig = group_index_chart(table, cons, clabels, {g: column_label(p, g, language) for g in p.groups},
                            {(r["group"], r["level"]): level_label(p, r["group"], r["level"], language)
                             for _, r in table.iterrows()},
                            xlabel=tr("Index (0–100)", language) if bounded else tr("Mean score", language))
    return {"constructs": [clabels[c] for c in cons], "blocks": blocks, "figure": _png_uri(fig),
            "caption": tr("Index of every construct by group (0–100; unweighted). Marks: Holm-adjusted p of "
                          "Welch's test between the group's levels, * p < .05, ** p < .01, *** p < .001.", language)
                       if bounded else
                       tr("Mean score of every construct by group (unweighted). Marks: Holm-adjusted p of Welch's "
                          "test between the group's levels, * p < .05, ** p < .01, *** p < .001.", language),
            "figure_caption": tr("The indices of the table above, by group", language),
            "col_group": tr("Group", language), "col_n": "n",
            "data": data}


def ipma_section(figure: Path, summ: dict, language: str) -> dict | None:
    """The importance–performance map (``figure``: the one 05 drew) for the main body, with what its quadrants
    mean."""
    f = figure
    if not f.is_file() or not summ.get("drivers"):
        return None
    return {"figure": "data:image/png;base64," + base64.b64encode(f.read_bytes()).decode("ascii"),
            "caption": tr("Importance–performance map of the drivers (Appendix F): importance is the total effect "
                          "on the headline construct, performance the 0–100 index; the lines are the means.",
                          language)}


def open_ended_section(p, report_dir: Path, language: str) -> dict | None:
    """The main body's section on the open-ended answers (06's ``open_ended_themes.csv``,
    ``open_ended_quotes.csv`` and word cloud): per open question, the themes with their share and the
    satisfaction index of those who mention them against those who do not, the first quote of each theme
    (verbatim; the template escapes it) and the word cloud.  None without ``open_ended`` or its results."""
    import pandas as pd

    from csat.analyses.openended import column_name, theme_name
    from csat.analyses.display import percent
    from csat.report import summary as S

    res = report_dir / paths.RESULTS
    if not p.open_ended or not (res / "open_ended_themes.csv").is_file():
        return None
    themes = pd.read_csv(res / "open_ended_themes.csv", dtype={"column": str, "theme": str})
    quotes = (pd.read_csv(res / "open_ended_quotes.csv", dtype={"column": str, "theme": str, "text": str},
                          keep_default_na=False)
              if (res / "open_ended_quotes.csv").is_file() else pd.DataFrame(columns=["column", "kind", "theme", "rank", "text"]))
    f1 = lambda x: S.fmt_number(x, 1, "num", language)   # noqa: E731
    blocks = []
    for col in p.open_ended:
        t = themes[themes["column"] == str(col)].sort_values("diff", kind="stable")
        if t.empty:
            continue
        q = quotes[(quotes["column"] == str(col)) & (quotes["kind"] == "theme") & (quotes["rank"].astype(int) == 1)]
        first = dict(zip(q["theme"], q["text"]))
        cloud = report_dir / paths.FIGURES / f"open_ended_{col}_cloud.png"
        blocks.append({
            "title": column_name(p, col, language) + ("：" if is_chinese(language) else ": "),
            "rows": [{"theme": theme_name(p, col, r["theme"], language),
                      "share": f"{percent(r['share'], 0)}",
                      "with": f1(r["index.with"]), "without": f1(r["index.without"]),
                      "diff": S.fmt_number(r["diff"], 1, "num", language, sign=True),
                      "p": S.fmt_number(r["pvalue.holm"], kind="p", language=language).replace("= ", ""),
                      "quote": first.get(r["theme"], "")} for _, r in t.iterrows()],
            "figure": ("data:image/png;base64," + base64.b64encode(cloud.read_bytes()).decode("ascii")
                       if cloud.is_file() else None)})
    if not blocks:
        return None
    return {"blocks": blocks,
            "caption": tr("Themes of the answers, the most associated with dissatisfaction first: share of the answers, "
                          "satisfaction index (0–100) of those who mention the theme and of those who do not, the "
                          "difference with its Holm-adjusted p (Welch's test), and one answer, word for word "
                          "(Appendix G has three per theme)", language),
            "figure_caption": tr("Word cloud of the answers (Appendix G)", language),
            "cols": [tr("Theme", language), tr("Share", language), tr("Index, mentioning", language),
                     tr("Index, not mentioning", language), tr("Difference", language), tr("p (Holm)", language),
                     tr("Answer (verbatim)", language)]}


def build_report_html(study: str, params_file: str | Path, overrides: dict | None = None,
                      root: str | Path | None = None, now: _dt.datetime | None = None) -> Path:
    """Write ``reports/<study>/report.html`` from the five executed notebooks; return its path."""
    params_file = Path(params_file)
    root = Path(root) if root is not None else project_root(params_file)
    overrides = dict(overrides or {})
    p = load_params(params_file, overrides, root=root)
    if p.study != study:
        raise ReportError(f"{params_file}: key 'study' is {p.study!r}, but --study is {study!r}")
    language = p.language
    w = words(language)
    report_dir = paths.report_dir(root, study)
    notebooks = stage_notebooks(report_dir)
    check_assembly(root, study, notebooks)
    now = now or _dt.datetime.now().astimezone()

    from markupsafe import Markup

    # the stages are prepared in two processes while the summary is made
    prepared = start_stages([notebooks[s] for s in STAGES], language, [report_dir, root / "notebooks", root])
    # the summary first: generated from the results files, written to results/summary.json
    from csat.report import summary as S

    lock_file = root / "requirements.lock"
    packages = package_versions(lock_file)
    summ = S.build_summary(S.load_results(report_dir / paths.RESULTS), p)
    publish(atomic_write_text(report_dir / paths.RESULTS / "summary.json", S.summary_json(summ)))
    summary_ctx = summary_context(summ, p, language, packages)
    groups_ctx = group_section(p, report_dir, language, S.load_results(report_dir / paths.RESULTS,
                                                                       ("group_tests.csv",))["group_tests.csv"])
    ipma_ctx = ipma_section(paths.figures_dir(root, study) / "ipma.png", summ, language)
    open_ctx = open_ended_section(p, report_dir, language)

    stages, toc, all_tables, all_figures = [], [], [], []
    for i, (s, (body, children, tables, figures)) in enumerate(zip(STAGES, prepared()), start=1):
        sid = f"stage-{i}"
        letter = chr(ord("A") + i)                       # Appendix A is the questionnaire
        title = stage_title(s, language)
        stages.append({"id": sid, "name": s, "number": letter, "title": title, "body": Markup(body)})
        toc.append({"id": sid, "number": letter, "text": title, "children": children})
        all_tables += tables
        all_figures += figures

    cleaning = read_json(report_dir / paths.RESULTS / "cleaning.json", {}) or {}
    n_clean, n_raw = cleaning.get("n_clean"), cleaning.get("n_raw")
    if n_clean is not None and n_raw is not None:
        sample = w["kept"].format(n_clean=n_clean, n_raw=n_raw)
    elif n_clean is not None:
        sample = w["kept_only"].format(n_clean=n_clean)
    else:
        sample = w["unknown"]

    data_paths = resolve_data_paths(p, params_file, root)     # one file, or one per wave
    if all(f.is_file() for f in data_paths):
        data_sha = " ".join(sha256_file(f) for f in data_paths)
        data_size = " + ".join(fmt_size(f.stat().st_size) for f in data_paths)
    else:
        data_sha, data_size = w["not_found"], w["not_found"]

    git = git_info(root)
    if git["commit"] == "unknown":
        git.update(commit=w["unknown"], short=w["unknown"])
    git["state"] = (w["unknown"] if git["dirty"] is None else
                    w["dirty_tree"] if git["dirty"] else w["clean_tree"])

    runinfo = read_runinfo(report_dir)
    runs = []
    for s in STAGES:
        r = runinfo.get(s)
        if r is None:
            runs.append({"title": stage_title(s, language), "finished": w["not_recorded"], "seconds": "",
                         "overrides": ""})
            continue
        sec = r.get("seconds")
        runs.append({"title": stage_title(s, language), "finished": str(r.get("finished", "")),
                     "seconds": f"{sec:.1f}" if isinstance(sec, (int, float)) else str(sec or ""),
                     "overrides": " ".join(f"{k}={json.dumps(v, ensure_ascii=False)}"
                                           for k, v in sorted((r.get("overrides") or {}).items())) or w["none"]})

    try:
        params_display = str(params_file.resolve().relative_to(root.resolve()))
    except ValueError:
        params_display = str(params_file)
    shown = []
    for data_path in data_paths:
        try:
            shown.append(str(data_path.resolve().relative_to(root.resolve())))
        except ValueError:                       # outside the project: the file's name, not a path of this machine
            shown.append(data_path.name)
    data_display = " + ".join(shown)

    ctx = {
        "lang_attr": html_lang(language),
        "language": language,
        "csat_version": csat_version(),
        "css": css(),
        "w": w,
        "title": p.title_text(),
        "study": p.study,
        "date": now.strftime("%Y-%m-%d"),
        "built": now.isoformat(timespec="seconds"),
        "data_file": data_display,
        "sample": sample,
        "params_file": params_display,
        "overrides_text": " ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in overrides.items()),
        "overrides_json": json.dumps(overrides, indent=2, ensure_ascii=False, sort_keys=True) if overrides else w["none"],
        "git": git,
        "toc": toc,
        "list_tables": all_tables,
        "list_figures": all_figures,
        "stages": stages,
        "packages": packages,
        "summary": summary_ctx,
        "codebook": codebook_rows(p, language, groups_ctx.pop("data") if groups_ctx else None),
        "has_wording": None,
        "groups_section": groups_ctx,
        "ipma_section": ipma_ctx,
        "open_ended_section": open_ctx,
        "has_kano": bool(p.kano),
        "xw": extra_words(language),
        "planned": planned_context(p, root, language),
        "lock_file": "requirements.lock" if lock_file.is_file() else f"requirements.lock ({w['not_found']})",
        "data_sha256": data_sha,
        "data_size": data_size,
        "runs": runs,
        "python_version": platform.python_version(),
        "platform": platform.platform(),
        "params_text": read_params_text(params_file),
    }
    ctx["has_wording"] = any(r["wording"] for r in ctx["codebook"])
    ctx["has_reverse"] = any(r["reverse"] for r in ctx["codebook"])      # no empty column
    page = jinja_env().get_template("page.html.j2").render(**ctx)
    if is_chinese(language):            # bold Chinese in print (report.css: the "csat CJK" family)
        page = page.replace("</head>", cjk_print_fonts(page, traditional=ctx["lang_attr"] == "zh-Hant") + "</head>", 1)
    bad = external_resources(page)
    if bad:
        raise ReportError(f"report for {study!r} would load from the network: {bad[:3]}")
    return publish(atomic_write_text(report_dir / "report.html", page))
