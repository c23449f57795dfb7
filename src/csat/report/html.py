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
from csat.core.i18n import html_lang
from csat.core.errors import ReportError
from csat.core.files import atomic_write_text
from csat.pipeline.graph import STAGES
from csat.report.pages import TEMPLATES, css, csat_version, external_resources, jinja_env, publish, strip_external
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
    drivers = [{"label": S.label_in(d, language),
                "importance": S.fmt_number(d["importance"], 2, "num", language),
                "ci": ("" if d["ci_lower"] is None else
                       f"[{S.fmt_number(d['ci_lower'], 2, 'num', language)}, {S.fmt_number(d['ci_upper'], 2, 'num', language)}]"),
                "performance": S.fmt_number(d["performance"], 1, "num", language),
                "quadrant": d["quadrant"], "quadrant_text": S.quadrant_name(d["quadrant"], language)}
               for d in summ["drivers"]]
    software = [{"name": r["name"], "installed": r["installed"]} for r in (packages or [])
                if r["name"] in ("Python", "numpy", "pandas", "scipy", "statsmodels", "pingouin", "matplotlib")]
    headline = None
    if h is not None:
        headline = {"label": target, "value": S.fmt_number(h["index"], 1, "num", language),
                    "ci": ("" if h["margin_of_error"] is None else
                           f"{S.fmt_number(h['ci_lower'], 1, 'num', language)}–{S.fmt_number(h['ci_upper'], 1, 'num', language)}"),
                    "moe": None if h["margin_of_error"] is None else S.fmt_number(h["margin_of_error"], 1, "num", language),
                    "n": None if h.get("n") is None else S.fmt_number(h["n"], 0, "int", language)}
    methods = S.methods_sentences(summ, p, software)
    nps = None
    if summ["nps"] is not None:
        nps = {"value": S.fmt_number(summ["nps"]["nps"], 1, "num", language)}
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
        "has_groups": bool(p.groups),
        "quality": pick(sec["quality"]),
        "methods_survey": pick(x for x in methods if x["key"] in SURVEY_KEYS),
        "methods_analysis": pick(x for x in methods if x["key"] not in SURVEY_KEYS),
    }


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


def codebook_rows(p, language: str) -> list[dict]:
    """Appendix A: every item with its construct (label), wording and whether it is reverse-keyed, in
    ``language`` (:func:`csat.config.params.local_text`: a label or wording given in one language only
    is shown as it is)."""
    w = words(language)
    rows = []
    for c, spec in p.constructs.items():
        clab = local_text({"en": spec.label, "zh": spec.label_zh}, language)
        for k, item in enumerate(spec.items):
            text = local_text(p.item_labels.get(item), language) or ""
            rows.append({"construct": (f"{c}: {clab}" if clab and clab != c else c) if k == 0 else "",
                         "item": item, "wording": text, "reverse": w["yes"] if item in p.reverse else ""})
    return rows


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
                     "overrides": json.dumps(r.get("overrides") or {}, ensure_ascii=False, sort_keys=True)})

    try:
        params_display = str(params_file.resolve().relative_to(root.resolve()))
    except ValueError:
        params_display = str(params_file)
    shown = []
    for data_path in data_paths:
        try:
            shown.append(str(data_path.resolve().relative_to(root.resolve())))
        except ValueError:
            shown.append(str(data_path))
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
        "planned": planned_context(p, root, language),
        "codebook": codebook_rows(p, language),
        "lock_file": "requirements.lock" if lock_file.is_file() else f"requirements.lock ({w['not_found']})",
        "data_sha256": data_sha,
        "data_size": data_size,
        "runs": runs,
        "python_version": platform.python_version(),
        "platform": platform.platform(),
        "params_text": read_params_text(params_file),
    }
    page = jinja_env().get_template("page.html.j2").render(**ctx)
    bad = external_resources(page)
    if bad:
        raise ReportError(f"report for {study!r} would load from the network: {bad[:3]}")
    return publish(atomic_write_text(report_dir / "report.html", page))
