"""The study report: one HTML and one PDF per study, with provenance, and the studies index.

``python -m csat.report.render study --study <name> --params params/<name>.yaml [--overrides JSON]``
reads the five executed notebooks ``reports/<study>/0[1-5]_*.ipynb`` (written by papermill)
and writes ``reports/<study>/report.html`` and ``reports/<study>/report.pdf``:

* a title page (title, date, data file, n kept of n read, from ``results/cleaning.json``),
* a table of contents (stages, their sections, the lists of tables and figures),
* the five stages in order, code hidden, tables and figures numbered across the report
  ("Table 3", "Figure 2"; 表 3 / 图 2 when ``language: zh``),
* a provenance section: pinned package versions (``requirements.lock``) next to the
  installed ones, the git commit and whether the tree was dirty, the SHA-256 of the raw
  data file, the params file verbatim, the run's overrides and when/how long each stage ran
  (``reports/<study>/runinfo/<stage>.json``, written by :meth:`csat.pipeline.stage.Stage.finish`).

The cells are rendered by nbconvert with the project's own template
(``csat/report/templates/csat_report``: outputs only, no MathJax, require.js or widgets), then
assembled with ``csat/report/templates/page.html.j2`` (Jinja autoescape on: every user-supplied
string — title, labels, file names, params — is escaped).  The HTML is self-contained: CSS
is inlined, images are data URIs, ``<script>`` elements are removed, TeX in markdown is drawn
by matplotlib's mathtext as inline SVG, and nothing is loaded from the network
(:func:`external_resources` checks it).  The PDF is printed from that HTML by Chromium
headless, offline, so the PDF looks like the HTML (print CSS adds page breaks between stages).

``python -m csat.report.render index`` writes ``reports/index.html``: every study folder with a
report or results, its n, satisfaction index, model fit and links.

Every file is written atomically (temporary file, then rename).
"""
from __future__ import annotations

import argparse
import base64
import datetime as _dt
import hashlib
import html
import io
import json
import math
import mimetypes
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from csat.core import paths
from csat.config.params import (ParamsError, load_params, local_text, parse_overrides, project_root,
    read_params_text, resolve_data_paths)
from csat.core.files import atomic_write_bytes, atomic_write_text
from csat.core.procs import die_with_parent
from csat.pipeline.graph import STAGES

TEMPLATES = Path(__file__).resolve().parent / "templates"

#: Debian packages the PDF needs (Chromium prints, Noto CJK draws Chinese, poppler checks).
PDF_PACKAGES = ("chromium", "fonts-noto-cjk", "poppler-utils")

#: Packages shown in the provenance section, in this order: those whose code computed the report's
#: numbers, figures and pages (each is a runtime dependency imported by src/csat; tests/test_dependencies.py).
KEY_PACKAGES = ("numpy", "pandas", "scipy", "pingouin", "statsmodels", "scikit-learn", "matplotlib", "seaborn",
                "papermill", "nbconvert")

STAGE_TITLES: dict[str, tuple[str, str]] = {
    "01_cleaning": ("Data cleaning", "数据清洗"),
    "02_descriptives": ("Descriptive statistics", "描述性统计"),
    "03_reliability_validity": ("Reliability and validity", "信度与效度"),
    "04_factor_analysis": ("Factor analysis", "因子分析"),
    "05_sem": ("Structural equation model", "结构方程模型"),
    "06_drivers_segments": ("Key drivers, segments, Kano and service gaps", "关键驱动因素、客户细分、Kano 与服务差距"),
}

#: Chinese for every fixed heading the stage notebooks write (markdown cells and ``stage.markdown``);
#: a ``language: zh`` report shows these instead of the English ones (a test checks that every
#: notebook heading has an entry).
HEADINGS_ZH: dict[str, str] = {
    "Intake": "数据读入",
    "Values outside the scale, missing codes and text answers": "超出量表范围的值、缺失代码与文本答案",
    "Likert items and continuous scores": "李克特题项与连续分数",
    "Exclusion flow": "样本剔除流程",
    "Missing data in the analysed sample": "分析样本中的缺失数据",
    "Little's MCAR test": "Little 完全随机缺失（MCAR）检验",
    "Codebook and processed data": "编码手册与处理后的数据",
    "Results and diagnostics": "结果与诊断",
    "Sample profile": "样本构成",
    "Items": "题项",
    "Answer distributions (Likert chart)": "答案分布（李克特图）",
    "Construct scores and the 0–100 index": "构念得分与 0–100 指数",
    "Net Promoter Score": "净推荐值（NPS）",
    "Group comparisons": "组间比较",
    "Correlations of construct scores": "构念得分的相关",
    "Diagnostics": "诊断",
    "Measurement model (CFA)": "测量模型（验证性因子分析）",
    "Internal consistency": "内部一致性",
    "Items: corrected item–total correlation and alpha if deleted": "题项：校正的题项–总分相关与删除该题项后的 alpha",
    "Discriminant validity": "区分效度",
    "Verdict": "评价结论",
    "Sampling adequacy": "抽样适切性",
    "Number of factors": "因子数量",
    "Factor loadings": "因子载荷",
    "Do the items group as the constructs say?": "题项是否按构念聚合？",
    "Confirmatory factor analysis": "验证性因子分析",
    "Estimates": "参数估计",
    "Where does the model misfit?": "模型哪里拟合不佳？",
    "The model": "模型设定",
    "Fit": "拟合",
    "Estimates and explained variance": "参数估计与解释方差",
    "Direct, indirect and total effects": "直接、间接与总效应",
    "Path diagram": "路径图",
    "Importance–performance map (IPMA)": "重要性–表现矩阵（IPMA）",
    "Interpretation and diagnostics": "解读与诊断",
    "Survey weights": "调查权重",
    "Key drivers of satisfaction": "满意度的关键驱动因素",
    "Customer segments": "客户细分",
    "Kano model": "Kano 模型",
    "Service gaps (SERVQUAL)": "服务差距（SERVQUAL）",
    "PLS path model": "PLS 路径模型",
    "Measurement model: reliability and validity": "测量模型：信度与效度",
    "Structural model: paths, explained variance and effects": "结构模型：路径、解释方差与效应",
    "The 0–100 satisfaction indices": "0–100 满意度指数",
}

WORDS: dict[str, tuple[str, str]] = {
    "kicker": ("Survey analysis report", "问卷调查分析报告"),
    "study": ("Study", "研究"),
    "date": ("Date", "日期"),
    "data_file": ("Data file", "数据文件"),
    "sample": ("Sample size", "样本量"),
    "params_file": ("Parameter file", "参数文件"),
    "overrides": ("Overrides for this run", "本次运行的参数覆盖"),
    "commit": ("Code version (git commit)", "代码版本（git 提交）"),
    "dirty": ("uncommitted changes", "含未提交的修改"),
    "contents": ("Contents", "目录"),
    "provenance": ("Provenance", "溯源信息"),
    "provenance_intro": ("What produced this report: software, code, data and parameters, so that it "
                         "can be checked and reproduced.",
                         "本报告由以下软件、代码、数据和参数生成，可据此核查和复现。"),
    "list_tables": ("Tables", "表格目录"),
    "list_figures": ("Figures", "图片目录"),
    "table": ("Table", "表"),
    "figure": ("Figure", "图"),
    "software": ("Software", "软件"),
    "package": ("Package", "软件包"),
    "locked": ("Pinned (requirements.lock)", "锁定版本（requirements.lock）"),
    "installed": ("Installed", "实际安装"),
    "lock_source": ("Pinned versions from", "锁定版本来源"),
    "code_version": ("Code", "代码"),
    "tree": ("Working tree", "工作区状态"),
    "clean_tree": ("clean (no uncommitted changes)", "干净（无未提交的修改）"),
    "dirty_tree": ("dirty: uncommitted changes to tracked files", "有未提交的修改"),
    "data": ("Data", "数据"),
    "size": ("Size", "大小"),
    "runs": ("Stage runs", "各阶段运行记录"),
    "stage": ("Stage", "阶段"),
    "finished": ("Finished (UTC)", "完成时间（UTC）"),
    "seconds": ("Duration (s)", "耗时（秒）"),
    "built": ("Report built", "报告生成时间"),
    "params": ("Parameter file", "参数文件"),
    "none": ("none", "无"),
    "unknown": ("unknown", "未知"),
    "not_recorded": ("not recorded", "未记录"),
    "not_found": ("file not found", "文件不存在"),
    "kept": ("{n_clean} of {n_raw} responses kept after cleaning", "清洗后保留 {n_clean} 份（原始 {n_raw} 份）"),
    "kept_only": ("{n_clean} responses after cleaning", "清洗后 {n_clean} 份"),
    "summary": ("Executive summary", "摘要"),
    "summary_index": ("Key figures", "核心指标"),
    "summary_drivers": ("What drives it", "驱动因素"),
    "summary_recs": ("Recommendations", "建议"),
    "summary_groups": ("Differences between groups", "组间差异"),
    "summary_quality": ("Data quality and caveats", "数据质量与注意事项"),
    "summary_figure": ("0–100 index of every construct with its 95% confidence interval; ★ the headline index",
                       "各构念的 0–100 指数及其 95% 置信区间；★ 为核心指数"),
    "summary_no_drivers": ("The study has no structural model with a target construct, so no driver ranking or "
                           "priorities are given.", "本研究没有包含目标构念的结构模型，因此不给出驱动因素排序与优先事项。"),
    "drivers_table": ("Drivers of {target}: importance, performance and priority",
                      "{target}的驱动因素：重要性、表现与优先级"),
    "col_driver": ("Driver", "驱动因素"),
    "col_importance": ("Importance (total effect)", "重要性（总效应）"),
    "col_performance": ("Performance (index)", "表现（指数）"),
    "col_quadrant": ("Priority", "优先级"),
    "methods": ("Methods", "研究方法"),
    "methods_survey": ("The survey", "调查概况"),
    "methods_analysis": ("Questionnaire, model and software", "问卷、模型与软件"),
    "appendix": ("Appendix", "附录"),
    "codebook": ("Questionnaire and codebook", "问卷与编码手册"),
    "codebook_intro": ("Every item of the questionnaire with its construct and wording; reverse-keyed items were "
                       "recoded so that a high value is always favourable.",
                       "问卷的全部题项及其所属构念与措辞；反向计分题项已重新编码，使高分始终代表正面评价。"),
    "col_construct": ("Construct", "构念"),
    "col_item": ("Item", "题项"),
    "col_wording": ("Wording", "措辞"),
    "col_reverse": ("Reverse-keyed", "反向计分"),
    "col_mean": ("Mean", "均值"),
    "yes": ("yes", "是"),
    "technical": ("Technical stages", "技术分析各阶段"),
    "print_contents": ("Contents", "目录"),
    "ci95": ("95% CI", "95% 置信区间"),
}


def _publish(path: Path) -> Path:
    """Make a written report file world-readable like any other build output (umask applies)."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)
    return path


from csat.core.errors import ReportError  # noqa: E402,F401  (defined in csat.core.errors; re-exported here)


def _w(language: str) -> dict[str, str]:
    i = 1 if language == "zh" else 0
    return {k: v[i] for k, v in WORDS.items()}


def stage_title(stage: str, language: str = "en") -> str:
    """The stage's heading in the report language (``05_sem`` -> "Structural equation model")."""
    en, zh = STAGE_TITLES.get(stage, (stage, stage))
    return zh if language == "zh" else en


# ------------------------------------------------------------------------------- provenance
def read_lock(path: str | Path) -> dict[str, str]:
    """Pinned versions from a pip lock file: ``{normalised name: version}`` for ``name==version`` lines.

    Names are normalised as in PEP 503 (lower case, runs of ``-_.`` become ``-``).
    """
    out: dict[str, str] = {}
    path = Path(path)
    if not path.is_file():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        m = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*==\s*([^\s;]+)", line)
        if m:
            out[_norm_name(m.group(1))] = m.group(3)
    return out


def _norm_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def package_versions(lock_file: str | Path, names: tuple[str, ...] = KEY_PACKAGES) -> list[dict]:
    """The key packages: pinned version (lock file), installed version, and whether they differ.

    Python itself is the first row (installed = the interpreter building the report).
    """
    from importlib import metadata

    lock = read_lock(lock_file)
    rows = [{"name": "Python", "locked": lock.get("python", "3.11.x"), "installed": platform.python_version(),
             "mismatch": not platform.python_version().startswith(lock.get("python", "3.11.x").removesuffix(".x"))}]
    for n in names:
        locked = lock.get(_norm_name(n), "–")
        try:
            inst = metadata.version(n)
        except metadata.PackageNotFoundError:
            inst = "not installed"
        rows.append({"name": n, "locked": locked, "installed": inst,
                     "mismatch": locked != "–" and inst != locked})
    return rows


def git_info(root: str | Path) -> dict:
    """``{"commit", "short", "dirty", "state"}`` of the git work tree at ``root``.

    ``commit`` is ``git rev-parse HEAD``; ``dirty`` is whether tracked files have uncommitted
    changes (``git status --porcelain --untracked-files=no``).  Outside git (or without the git
    program) commit is ``"unknown"`` and dirty is ``None``.
    """
    root = Path(root)
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                                text=True, timeout=20)
        if commit.returncode != 0:
            raise OSError(commit.stderr)
        status = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                                capture_output=True, text=True, timeout=60)
        sha = commit.stdout.strip()
        dirty = bool(status.stdout.strip()) if status.returncode == 0 else None
        return {"commit": sha, "short": sha[:12], "dirty": dirty}
    except (OSError, subprocess.SubprocessError):
        return {"commit": "unknown", "short": "unknown", "dirty": None}


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes (read in 1 MiB blocks)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_runinfo(report_dir: str | Path) -> dict[str, dict]:
    """``runinfo/<stage>.json`` of each stage that has one (keys stage, finished, seconds, overrides)."""
    out = {}
    for s in STAGES:
        p = Path(report_dir) / paths.RUNINFO / f"{s}.json"
        if p.is_file():
            try:
                out[s] = json.loads(p.read_text(encoding="utf-8"))
            except json.JSONDecodeError as err:
                raise ReportError(f"{p}: not valid JSON ({err})") from None
    return out


def _read_json(path: Path, default: Any = None) -> Any:
    if not path.is_file():
        return default
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ReportError(f"{path}: not valid JSON ({err})") from None


def _fmt_size(n: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


# ------------------------------------------------------------------------- notebook -> HTML
def stage_notebooks(report_dir: str | Path) -> dict[str, Path]:
    """The executed notebook of each stage, ``reports/<study>/<stage>.ipynb``; error if any is missing."""
    report_dir = Path(report_dir)
    found = {s: report_dir / f"{s}.ipynb" for s in STAGES}
    missing = [str(p) for p in found.values() if not p.is_file()]
    if missing:
        raise ReportError("executed notebook(s) not found: " + ", ".join(missing)
                          + " (run the study first: make study STUDY=<name>)")
    return found


def _exporter():
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
    exporter = exporter or _exporter()
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"path": str(nb_path.parent)}})
    return body


_WORKER_EXPORTER = None


def prepared_stage(nb_path: str | Path, number: int, stage: str, language: str, base_dirs: list[Path],
                   exporter=None) -> tuple[str, list[dict], list[dict], list[dict], int, int]:
    """One stage as the report shows it, made without knowing the stages before it:
    :func:`notebook_fragment` then :func:`process_stage` with placeholder numbers (:func:`renumber`).
    Returns ``(html, toc_children, tables, figures, n_tables, n_figures)``."""
    counters = _Counters(placeholders=True)
    html, toc, tables, figures = process_stage(notebook_fragment(nb_path, exporter), number, stage, language,
                                               counters, base_dirs=base_dirs)
    return html, toc, tables, figures, counters.tables, counters.figures


def _stage_in_worker(nb_path: str, number: int, stage: str, language: str, base_dirs: list[str]):
    """:func:`prepared_stage` in a worker process, with one exporter per worker."""
    global _WORKER_EXPORTER
    if _WORKER_EXPORTER is None:
        _WORKER_EXPORTER = _exporter()
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
            exporter = _exporter()
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


def _strip_external(soup) -> None:
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


@dataclass
class _Counters:
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
    """Replace the placeholders of :class:`_Counters` in a string (or in the strings of a list of
    dicts) by the numbers across the report: the ``k``-th table of a stage is table
    ``tables_before + k``."""
    def sub(text: str) -> str:
        return _PLACEHOLDER.sub(lambda m: str((tables_before if m.group(1) == "T" else figures_before)
                                              + int(m.group(2))), text)
    if isinstance(obj, str):
        return sub(obj)
    return [{k: sub(v) if isinstance(v, str) else v for k, v in d.items()} for d in obj]


def process_stage(fragment: str, number: int, stage: str, language: str, counters: _Counters,
                  base_dirs: list[Path] | None = None) -> tuple[str, list[dict], list[dict], list[dict]]:
    """Prepare one stage's fragment for the report.

    Removes the notebook's own title (the report gives the stage heading), moves the other
    headings one level down and gives them unique ids, wraps bare images as figures, numbers
    the captions across the report (``Table 3``/``表 3``, ``Figure 2``/``图 2``), renders TeX,
    inlines local images and removes scripts and network resources.

    Returns ``(html, toc_children, tables, figures)``.
    """
    from bs4 import BeautifulSoup

    w = _w(language)
    soup = BeautifulSoup(fragment, "html.parser")
    _strip_external(soup)
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
    if language == "zh":
        for h in headings:
            zh = HEADINGS_ZH.get(h.get_text(" ", strip=True))
            if zh is not None:
                h.string = zh
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
            n, word, kind, bucket = counters.next("table"), w["table"], "table", tables
        else:
            n, word, kind, bucket = counters.next("figure"), w["figure"], "figure", figures
        label = f"{word} {n}" if language == "zh" else f"{word} {n}."
        text = cap.get_text(" ", strip=True)
        span = soup.new_tag("span")
        span["class"] = ["csat-caption-label"]
        span.string = label
        cap.insert(0, span)
        target = fig if fig is not None else cap
        target["id"] = f"{kind}-{n}"
        bucket.append({"id": f"{kind}-{n}", "label": label, "text": text})
    return str(soup), toc, tables, figures


# ------------------------------------------------------------------------------------ page
def _jinja_env():
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                              autoescape=True, undefined=jinja2.StrictUndefined,
                              trim_blocks=False, lstrip_blocks=False)


def _css():
    from markupsafe import Markup

    return Markup((TEMPLATES / "report.css").read_text(encoding="utf-8"))


def _csat_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("csat")
    except metadata.PackageNotFoundError:
        return "unknown"


def parse_overrides_arg(text: str | None) -> dict:
    """``--overrides`` value: a JSON object, or ``key=value key2=value2`` (YAML values)."""
    if text is None or not str(text).strip():
        return {}
    text = str(text).strip()
    if text.startswith("{"):
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as err:
            raise ReportError(f"--overrides: not a valid JSON object ({err})") from None
        if not isinstance(obj, dict):
            raise ReportError("--overrides: must be a JSON object like {\"bootstrap\": 200}")
        return obj
    return parse_overrides(text)


def read_overrides_file(path: str | Path) -> dict:
    """Overrides from a YAML/JSON file: ``reports/<study>/.build/papermill.yaml`` (key ``overrides``)
    or a plain mapping of dotted keys."""
    path = Path(path)
    if not path.is_file():
        raise ReportError(f"{path}: overrides file not found")
    try:
        obj = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise ReportError(f"{path}: not valid YAML ({err})") from None
    if not isinstance(obj, dict):
        raise ReportError(f"{path}: must hold a mapping")
    if "overrides" in obj or "params_file" in obj:
        obj = obj.get("overrides") or {}
        if not isinstance(obj, dict):
            raise ReportError(f"{path}: key 'overrides' must be a mapping")
    return obj


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

    zh = language == "zh"
    pick = lambda sents: [x["zh" if zh else "en"] for x in sents]   # noqa: E731
    sec = summ["sections"]
    h = summ["headline"]
    target = None
    if h is not None:
        target = h["label_zh"] if zh else h["label_en"]
    w = _w(language)
    drivers = [{"label": d["label_zh"] if zh else d["label_en"],
                "importance": S.fmt_number(d["importance"], 2, "num", language),
                "ci": ("" if d["ci_lower"] is None else
                       f"[{S.fmt_number(d['ci_lower'], 2, 'num', language)}, {S.fmt_number(d['ci_upper'], 2, 'num', language)}]"),
                "performance": S.fmt_number(d["performance"], 1, "num", language),
                "quadrant": d["quadrant"], "quadrant_text": d["quadrant_zh"] if zh else d["quadrant_en"]}
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
        "methods_survey": [x["zh" if zh else "en"] for x in methods if x["key"] in SURVEY_KEYS],
        "methods_analysis": [x["zh" if zh else "en"] for x in methods if x["key"] not in SURVEY_KEYS],
    }


def codebook_rows(p, language: str) -> list[dict]:
    """Appendix A: every item with its construct (label), wording and whether it is reverse-keyed."""
    w = _w(language)
    rows = []
    for c, spec in p.constructs.items():
        clab = (spec.label_zh or spec.label) if language == "zh" else (spec.label or spec.label_zh)
        for k, item in enumerate(spec.items):
            lab = p.item_labels.get(item)
            if lab is None:
                text = ""
            elif isinstance(lab, str):
                text = lab
            else:
                text = (lab.zh or lab.en or "") if language == "zh" else (lab.en or lab.zh or "")
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
    w = _w(language)
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
    _publish(atomic_write_text(report_dir / paths.RESULTS / "summary.json", S.summary_json(summ)))
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

    cleaning = _read_json(report_dir / paths.RESULTS / "cleaning.json", {}) or {}
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
        data_size = " + ".join(_fmt_size(f.stat().st_size) for f in data_paths)
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
        "lang_attr": "zh-CN" if language == "zh" else "en",
        "language": language,
        "csat_version": _csat_version(),
        "css": _css(),
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
        "codebook": codebook_rows(p, language),
        "lock_file": "requirements.lock" if lock_file.is_file() else f"requirements.lock ({w['not_found']})",
        "data_sha256": data_sha,
        "data_size": data_size,
        "runs": runs,
        "python_version": platform.python_version(),
        "platform": platform.platform(),
        "params_text": read_params_text(params_file),
    }
    page = _jinja_env().get_template("page.html.j2").render(**ctx)
    bad = external_resources(page)
    if bad:
        raise ReportError(f"report for {study!r} would load from the network: {bad[:3]}")
    return _publish(atomic_write_text(report_dir / "report.html", page))


# ------------------------------------------------------------------------------------ PDF
def find_chromium() -> str:
    """Path of the Chromium program (``$CSAT_CHROMIUM``, ``chromium``, ``chromium-browser``)."""
    for cand in (os.environ.get("CSAT_CHROMIUM"), "chromium", "chromium-browser"):
        if cand:
            path = shutil.which(cand)
            if path:
                return path
    raise ReportError("Chromium is needed to print report.pdf but was not found. On Debian/Ubuntu install "
                      f"the packages: sudo apt-get install {' '.join(PDF_PACKAGES)}  (or run make as root, "
                      "which installs them); set CSAT_CHROMIUM=/path/to/chromium to use another build.")


def html_to_pdf(html_path: str | Path, pdf_path: str | Path, timeout: float = 300) -> Path:
    """Print an HTML file to PDF with Chromium headless, offline, atomically (:class:`Chromium`)."""
    with Chromium(timeout) as chromium:
        return chromium.print_pdf(html_path, pdf_path)


class Chromium:
    """Chromium headless, started ahead of its work and driven over the DevTools protocol on a pipe
    (``--remote-debugging-pipe``: requests on fd 3, answers on fd 4, NUL-terminated JSON).

    :func:`build_study` starts it before it builds report.html, so Chromium's start-up (about a
    second) overlaps that work; :meth:`print_pdf` then loads the page and prints it with
    ``Page.printToPDF`` (the page size from the print CSS, otherwise its defaults), the call behind
    ``--print-to-pdf``: the same file, byte size and pages as that command gives.  Chromium runs with a throw-away profile, no network services
    (``--disable-background-networking --disable-component-update --disable-sync``) and no header or
    footer; the page size, margins and page numbers come from the report's print CSS.  :meth:`close`
    (or leaving the ``with`` block, also by an exception or SIGTERM, :func:`exit_cleanly_on_sigterm`)
    kills its process group and removes the profile.  Every wait ends after ``timeout`` seconds
    (:class:`ReportError`).
    """

    def __init__(self, timeout: float = 300):
        import fcntl

        self.timeout = timeout
        path = find_chromium()
        remove_stale_profiles()
        self.tmp = tempfile.mkdtemp(prefix=f"{_PROFILE_PREFIX}{os.getpid()}-")
        self._buf, self._id, self.proc = b"", 0, None
        to_r, self._to = os.pipe()                        # we write requests, Chromium reads fd 3
        self._from, from_w = os.pipe()                    # Chromium writes answers on fd 4
        # the child's ends moved above 4, so that placing them on 3 and 4 cannot overwrite each other
        ends = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (to_r, from_w)]
        os.close(to_r)
        os.close(from_w)

        def child() -> None:
            die_with_parent()                             # killed when this Python process dies (Linux)
            os.dup2(ends[0], 3)
            os.dup2(ends[1], 4)

        cmd = [path, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--disable-default-apps", "--disable-extensions", "--disable-dev-shm-usage",
               "--mute-audio", "--hide-scrollbars", "--disable-crash-reporter",
               f"--user-data-dir={self.tmp}/profile", "--remote-debugging-pipe", "about:blank"]
        env = dict(os.environ, HOME=self.tmp, XDG_CONFIG_HOME=f"{self.tmp}/config", XDG_CACHE_HOME=f"{self.tmp}/cache")
        try:
            with open(os.path.join(self.tmp, "chromium.log"), "wb") as log:
                self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                                             env=env, start_new_session=True, preexec_fn=child, close_fds=False)
        except BaseException:
            self.close()
            raise
        finally:
            for fd in ends:
                os.close(fd)

    def __enter__(self) -> "Chromium":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- the DevTools protocol ---------------------------------------------------------------
    def _send(self, method: str, params: dict | None = None, session: str | None = None) -> int:
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        data = json.dumps(msg).encode() + b"\0"
        try:
            while data:
                data = data[os.write(self._to, data):]
        except BrokenPipeError:
            raise ReportError(f"Chromium ended before printing the PDF{self._log_tail()}") from None
        return self._id

    def _receive(self, wanted, deadline: float) -> dict:
        import select

        while True:
            while b"\0" in self._buf:
                raw, self._buf = self._buf.split(b"\0", 1)
                msg = json.loads(raw)
                if wanted(msg):
                    return msg
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from], [], [], left)[0]:
                raise ReportError(f"Chromium did not finish printing the PDF within {self.timeout:.0f} s")
            chunk = os.read(self._from, 1 << 20)
            if not chunk:
                raise ReportError(f"Chromium ended before printing the PDF{self._log_tail()}")
            self._buf += chunk

    def _call(self, method: str, params: dict | None = None, session: str | None = None,
              deadline: float | None = None) -> dict:
        i = self._send(method, params, session)
        msg = self._receive(lambda m: m.get("id") == i, deadline or time.monotonic() + self.timeout)
        if "error" in msg:
            raise ReportError(f"Chromium could not {method}: {msg['error'].get('message', msg['error'])}")
        return msg.get("result", {})

    def _log_tail(self) -> str:
        try:
            tail = Path(self.tmp, "chromium.log").read_text(errors="replace").strip().splitlines()[-3:]
        except OSError:
            tail = []
        return (": " + " | ".join(tail)) if tail else ""

    def print_pdf(self, html_path: str | Path, pdf_path: str | Path) -> Path:
        """Load ``html_path`` and print it to ``pdf_path`` (written atomically)."""
        html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path)
        if not html_path.is_file():
            raise ReportError(f"{html_path}: HTML file not found")
        deadline = time.monotonic() + self.timeout
        target = self._call("Target.createTarget", {"url": "about:blank"}, deadline=deadline)["targetId"]
        session = self._call("Target.attachToTarget", {"targetId": target, "flatten": True},
                             deadline=deadline)["sessionId"]
        self._call("Page.enable", session=session, deadline=deadline)
        nav = self._call("Page.navigate", {"url": html_path.as_uri()}, session=session, deadline=deadline)
        if nav.get("errorText"):
            raise ReportError(f"Chromium could not open {html_path}: {nav['errorText']}")
        self._receive(lambda m: m.get("method") == "Page.loadEventFired" and m.get("sessionId") == session, deadline)
        # the page size of the print CSS (A4), as --print-to-pdf; the other options are its defaults
        data = base64.b64decode(self._call("Page.printToPDF", {"preferCSSPageSize": True}, session=session,
                                           deadline=deadline)["data"])
        if not data.startswith(b"%PDF-"):
            raise ReportError(f"Chromium failed to print {html_path} to PDF{self._log_tail()}")
        pdf_path.parent.mkdir(parents=True, exist_ok=True)
        _publish(atomic_write_bytes(pdf_path, data))
        return pdf_path

    def close(self) -> None:
        """End Chromium and its helpers and remove the profile (safe to call twice)."""
        for fd in (getattr(self, "_to", None), getattr(self, "_from", None)):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._to = self._from = None
        if self.proc is not None:
            _kill_group(self.proc)
            self.proc = None
        shutil.rmtree(self.tmp, ignore_errors=True)


_PROFILE_PREFIX = "csat-chromium-"


def _kill_group(proc: subprocess.Popen) -> None:
    import signal

    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def remove_stale_profiles(tmpdir: str | Path | None = None) -> list[Path]:
    """Remove Chromium profiles (``csat-chromium-<pid>-*``) left in the temporary folder by a report
    build that was killed (its process no longer exists).  Returns the removed folders."""
    base = Path(tmpdir or tempfile.gettempdir())
    removed = []
    for d in base.glob(f"{_PROFILE_PREFIX}*"):
        m = re.match(rf"{_PROFILE_PREFIX}(\d+)-", d.name)
        if not m or not d.is_dir():
            continue
        pid = int(m.group(1))
        try:
            os.kill(pid, 0)
            continue                         # still running
        except ProcessLookupError:
            pass
        except PermissionError:
            continue
        shutil.rmtree(d, ignore_errors=True)
        removed.append(d)
    return removed


def exit_cleanly_on_sigterm() -> None:
    """Turn SIGTERM (make interrupted, ``kill``) into SystemExit, so Chromium's process group is killed
    and its temporary profile removed on the way out (the default action would skip both)."""
    import signal

    def _terminate(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _terminate)


def build_study(study: str, params_file: str | Path, overrides: dict | None = None,
                root: str | Path | None = None, pdf: bool = True) -> dict:
    """Build ``report.html`` (and ``report.pdf``) of one study; return ``{"html": path, "pdf": path|None}``."""
    chromium, missing = None, None
    if pdf:
        try:
            chromium = Chromium()                   # starts while report.html is built
        except ReportError as err:                  # no Chromium: report.html is still written, then the error
            missing = err
    try:
        html_path = build_report_html(study, params_file, overrides, root=root)
        if missing is not None:
            raise missing
        pdf_path = chromium.print_pdf(html_path, html_path.with_name("report.pdf")) if chromium else None
    finally:
        if chromium is not None:
            chromium.close()
    return {"html": html_path, "pdf": pdf_path}


# ---------------------------------------------------------------------------------- index
def _fmt(x: Any, digits: int = 3) -> str:
    if x is None:
        return "–"
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, (int, float)):
        if isinstance(x, float) and not math.isfinite(x):
            return "–"
        return f"{x:.{digits}f}" if isinstance(x, float) else str(x)
    try:
        return f"{float(x):.{digits}f}"
    except (TypeError, ValueError):
        return str(x)


def _fit_values(obj: Any) -> dict[str, str]:
    """cfi, tli, rmsea, srmr from ``sem_fit.json`` (flat mapping, nested under fit/measures, or rows)."""
    flat: dict[str, Any] = {}

    def walk(o: Any, depth: int = 0):
        if depth > 3:
            return
        if isinstance(o, dict):
            if "measure" in o and "value" in o:
                flat.setdefault(str(o["measure"]).lower(), o["value"])
            for k, v in o.items():
                if isinstance(v, (int, float)) or v is None:
                    flat.setdefault(str(k).lower(), v)
            for v in o.values():
                if isinstance(v, (dict, list)):
                    walk(v, depth + 1)
        elif isinstance(o, list):
            for v in o:
                walk(v, depth + 1)

    walk(obj)
    return {k: _fmt(flat.get(k)) for k in ("cfi", "tli", "rmsea", "srmr")}


def _study_params(root: Path, study: str) -> dict:
    """The study's params mapping (raw YAML; empty if none), found via .build/papermill.yaml or params/."""
    cands = []
    pm = paths.build_dir(root, study) / "papermill.yaml"
    if pm.is_file():
        try:
            pf = (yaml.safe_load(pm.read_text(encoding="utf-8")) or {}).get("params_file")
            if pf:
                cands.append(Path(pf) if Path(pf).is_absolute() else root / pf)
        except (yaml.YAMLError, AttributeError):
            pass
    cands.append(root / "params" / f"{study}.yaml")
    for c in cands:
        if c.is_file():
            try:
                raw = yaml.safe_load(read_params_text(c))
            except (yaml.YAMLError, ParamsError):
                continue
            if isinstance(raw, dict):
                return raw
    return {}


def satisfaction_index(scores_csv: str | Path, target: str | None = None,
                       constructs: dict | None = None) -> tuple[str | None, float | None]:
    """``(construct, index)`` from ``results/construct_scores.csv`` (columns construct, index).

    Picks the IPMA target if given and present, else the construct named or labelled like
    satisfaction (SAT, satisfaction, CSI, 满意度…, as :func:`csat.sem.templates.canonical_name`;
    ``constructs`` gives the params' labels), else ``(None, None)``: a study without a satisfaction
    construct (a scale validation, the Big Five) has no satisfaction index.
    """
    import pandas as pd

    scores_csv = Path(scores_csv)
    if not scores_csv.is_file():
        return None, None
    try:
        df = pd.read_csv(scores_csv)
    except Exception as err:  # pandas raises several parser errors
        raise ReportError(f"{scores_csv}: cannot read ({err})") from None
    if "construct" not in df.columns or "index" not in df.columns or df.empty:
        return None, None
    names = df["construct"].astype(str)
    row = None
    if target is not None and (names == target).any():
        row = df[names == target].iloc[0]
    else:
        from csat.sem.templates import canonical_name

        cons = constructs or {}

        def lab(n, key):
            spec = cons.get(n)
            return spec.get(key) if isinstance(spec, dict) else None

        hit = pd.Series([canonical_name(n, lab(n, "label"), lab(n, "label_zh")) == "SAT" or n.lower() == "acsi"
                         for n in names], index=df.index)
        if not hit.any():
            return None, None
        row = df[hit].iloc[0]
    val = pd.to_numeric(pd.Series([row["index"]]), errors="coerce").iloc[0]
    return str(row["construct"]), None if pd.isna(val) else float(val)


def study_summary(root: str | Path, study: str) -> dict:
    """Key figures of one built study for the index page."""
    root = Path(root)
    d = paths.report_dir(root, study)
    raw = _study_params(root, study)
    cleaning = _read_json(d / paths.RESULTS / "cleaning.json", {}) or {}
    target = ((raw.get("ipma") or {}).get("target") if isinstance(raw.get("ipma"), dict) else None)
    cons = raw.get("constructs") if isinstance(raw.get("constructs"), dict) else {}
    # a PLS study's headline index is the PLS-weighted (ACSI) one of 05_sem, same columns
    scores = d / paths.RESULTS / ("csi_index.csv" if raw.get("estimator") == "pls" else "construct_scores.csv")
    construct, idx = satisfaction_index(scores, target, cons)
    status = build_state(root, study)
    head = (_read_json(d / paths.RESULTS / "summary.json", {}) or {}).get("headline") if status["current"] else None
    if isinstance(head, dict) and head.get("construct") and head.get("index") is not None:
        construct, idx = str(head["construct"]), float(head["index"])     # what the report's summary states
    label = construct
    if construct is not None and isinstance(cons.get(construct), dict):
        c = cons[construct]
        lab = (c.get("label_zh") if raw.get("language") == "zh" else None) or c.get("label")
        if lab:
            label = f"{construct}: {lab}"
    fit = _fit_values(_read_json(d / paths.RESULTS / "sem_fit.json", {}))
    links = []
    for name, text in [("report.html", "report (HTML)"), ("report.pdf", "report (PDF)")]:
        if (d / name).is_file():
            links.append({"href": f"{study}/{name}", "text": text})
    for s in STAGES:
        for ext in ("html", "ipynb"):
            if (d / f"{s}.{ext}").is_file():
                links.append({"href": f"{study}/{s}.{ext}", "text": f"{s[:2]} {ext}"})
                break
    n = cleaning.get("n_clean")
    return {"study": study, "title": local_text(raw.get("title"), raw.get("language", "en")) or "",
            "n": "–" if n is None else str(n),
            "index": None if idx is None else _fmt(idx, 1), "index_construct": label, "fit": fit,
            "links": links, "status": status}


def build_state(root: str | Path, study: str) -> dict:
    """``{"state", "text", "current"}`` of a study from ``reports/<study>/.build/status.json``:
    ``built`` (current), ``failed`` (at which stage, with the message) or ``building`` (running or
    interrupted); a study without a status file but with a report counts as built."""
    from csat.pipeline.build import read_status

    st = read_status(root, study)
    state = st.get("state")
    d = paths.report_dir(root, study)
    if state is None:
        state = "built" if (d / "report.html").is_file() else "incomplete"
    if state == "failed":
        text = f"FAILED at {st.get('stage')}: {st.get('message') or ''}".strip()
    elif state == "building":
        text = (f"INCOMPLETE: the build stopped or is running (last started: {st.get('stage')}); "
                "the report is not current")
    elif state == "incomplete":
        text = "INCOMPLETE: no report"
    else:
        text = "built"
    return {"state": state, "text": text, "current": state == "built" and (d / "report.html").is_file(),
            "time": st.get("time")}


def study_comparison(root: str | Path, studies: list[str]) -> dict:
    """The comparison table of the index page: every built study that shares construct names with
    another built study, with its n, the date its descriptives were built and the 0–100 index of
    every shared construct (from ``results/construct_scores.csv``).

    Returns ``{"constructs": [{"name", "label"}], "rows": [{"study", "title", "n", "date", "cells":
    [{"text", "sort", "ci"}]}]}``; constructs in order of first appearance, a study without a
    construct gets ``"–"`` there.  Empty when fewer than two studies share a construct.
    """
    import pandas as pd

    root = Path(root)
    per: dict[str, dict] = {}
    labels: dict[str, str] = {}
    for s in studies:
        d = paths.report_dir(root, s)
        f = d / paths.RESULTS / "construct_scores.csv"
        if not f.is_file():
            continue
        try:
            df = pd.read_csv(f)
        except Exception as err:  # pandas raises several parser errors
            raise ReportError(f"{f}: cannot read ({err})") from None
        if not {"construct", "index"} <= set(df.columns):
            continue
        raw = _study_params(root, s)
        cons = raw.get("constructs") if isinstance(raw.get("constructs"), dict) else {}
        for c in df["construct"].astype(str):
            spec = cons.get(c) if isinstance(cons.get(c), dict) else {}
            labels.setdefault(c, str(spec.get("label") or c))
        info = read_runinfo(d).get("02_descriptives", {})
        date = str(info.get("finished") or "")[:10] or _dt.date.fromtimestamp(f.stat().st_mtime).isoformat()
        n = (_read_json(d / paths.RESULTS / "cleaning.json", {}) or {}).get("n_clean")
        per[s] = {"title": local_text(raw.get("title"), raw.get("language", "en")) or "", "n": n, "date": date,
                  "index": {str(r["construct"]): r for _, r in df.iterrows()}}
    count: dict[str, int] = {}
    for v in per.values():
        for c in v["index"]:
            count[c] = count.get(c, 0) + 1
    shared = [c for c in dict.fromkeys(c for v in per.values() for c in v["index"]) if count[c] >= 2]
    rows = []
    for s, v in per.items():
        if not any(c in v["index"] for c in shared):
            continue
        cells = []
        for c in shared:
            r = v["index"].get(c)
            val = None if r is None else pd.to_numeric(pd.Series([r["index"]]), errors="coerce").iloc[0]
            if val is None or pd.isna(val):
                cells.append({"text": "–", "sort": "", "ci": ""})
                continue
            lo, hi = (r.get("index.ci.lower"), r.get("index.ci.upper")) if hasattr(r, "get") else (None, None)
            ci = f"95% CI [{_fmt(lo, 1)}, {_fmt(hi, 1)}], n = {r.get('n', '')}" if lo is not None and hi is not None else ""
            cells.append({"text": _fmt(float(val), 1), "sort": f"{float(val):.6f}", "ci": ci})
        rows.append({"study": s, "title": v["title"], "n": "–" if v["n"] is None else str(v["n"]),
                     "date": v["date"], "cells": cells})
    if len(rows) < 2:
        return {"constructs": [], "rows": []}
    return {"constructs": [{"name": c, "label": labels.get(c, c)} for c in shared], "rows": rows}


def built_studies(root: str | Path) -> list[str]:
    """Folders under ``reports/`` that hold a report.html, a results/ folder or a build status, sorted."""
    rep = paths.reports_root(root)
    if not rep.is_dir():
        return []
    return sorted(p.name for p in rep.iterdir()
                  if p.is_dir() and not p.name.startswith(".")
                  and ((p / "report.html").is_file() or (p / paths.RESULTS).is_dir()
                       or (p / paths.BUILD / "status.json").is_file()))


def build_index(root: str | Path = ".", now: _dt.datetime | None = None) -> Path:
    """Write ``reports/index.html`` listing every built study; return its path."""
    root = Path(root)
    now = now or _dt.datetime.now().astimezone()
    names = built_studies(root)
    studies = [study_summary(root, s) for s in names]
    page = _jinja_env().get_template("studies.html.j2").render(
        css=_css(), csat_version=_csat_version(), built=now.isoformat(timespec="seconds"), studies=studies,
        comparison=study_comparison(root, names))
    return _publish(atomic_write_text(paths.index_file(root), page))


# ------------------------------------------------------------------------------------ CLI
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m csat.report.render", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    st = sub.add_parser("study", help="build reports/<study>/report.html and report.pdf")
    st.add_argument("--study", required=True)
    st.add_argument("--params", required=True, help="params/<study>.yaml")
    st.add_argument("--overrides", default=None,
                    help='one-run overrides: JSON object {"bootstrap": 200} or "bootstrap=200 seed=7"')
    st.add_argument("--overrides-file", default=None,
                    help="YAML file with the overrides (reports/<study>/.build/papermill.yaml)")
    st.add_argument("--root", default=None, help="project root (default: parent of params/)")
    st.add_argument("--no-pdf", action="store_true", help="build report.html only")
    st.add_argument("--finish", action="store_true",
                    help="then record the study as built and write reports/index.html (the Makefile's last step, "
                         "done here to save a process start)")
    ix = sub.add_parser("index", help="build reports/index.html")
    ix.add_argument("--root", default=".", help="project root (default: current directory)")
    args = ap.parse_args(argv)
    if args.cmd == "study":          # in a process forked from the study's fork server, if one is ready
        from csat.pipeline import warm

        root = Path(args.root) if args.root else project_root(Path(args.params))
        rc = warm.call_here_or_there(paths.warm_kernels_dir(root.resolve(), args.study), "csat.report.render",
                                     list(argv if argv is not None else sys.argv[1:]))
        if rc is not None:
            return rc
    exit_cleanly_on_sigterm()
    try:
        if args.cmd == "study":
            overrides = read_overrides_file(args.overrides_file) if args.overrides_file else {}
            overrides.update(parse_overrides_arg(args.overrides))
            out = build_study(args.study, args.params, overrides, root=args.root, pdf=not args.no_pdf)
            print(f"wrote {out['html']}" + (f" and {out['pdf']}" if out["pdf"] else ""))
            if args.finish:
                from csat.pipeline.build import record_success

                root = Path(args.root) if args.root else project_root(Path(args.params))
                if record_success(root, args.study):           # the state changed, or there is no index
                    print(f"wrote {Path(os.path.relpath(build_index(root), root)).as_posix()}", flush=True)
        else:
            print(f"wrote {build_index(args.root)}")
    except (ReportError, ParamsError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
