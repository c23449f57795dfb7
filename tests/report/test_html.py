"""Study report (HTML + PDF) and studies index, built from a small fake study tree.

The fake study has five executed notebooks made with nbformat: markdown headings, hidden
code, a ``stage.table``-style HTML table, a ``stage.figure``-style HTML figure and a bare PNG
output.  The PDF test prints with Chromium (a required system dependency, installed by
``make``) and reads the text back with ``pdftotext`` (poppler-utils).
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import zlib
import struct

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from csat.report import cli, pages, provenance, words
from csat.report import html as report_html, index as report_index
from csat.core.i18n import localize, tr
from csat.pipeline.graph import STAGES

XSS = "<script>alert(1)</script>"
CODE_MARK = "secret_code_line_should_not_show = 42"


def _png(width: int = 4, height: int = 3) -> bytes:
    """A tiny valid RGB PNG (no matplotlib needed)."""
    raw = b"".join(b"\x00" + b"\x30\x60\x90" * width for _ in range(height))

    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


class _Captured:
    """Collects what ``IPython.display.display`` receives (the real Stage.table/figure markup)."""

    def __init__(self):
        self.html: list[str] = []

    def __call__(self, *objs, **kw):
        self.html += [o.data for o in objs]


def _stage_outputs(st, label: str) -> tuple[str, str]:
    """The HTML that csat.pipeline.stage.Stage.table and Stage.figure emit, captured from the real methods."""
    import IPython.display
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    cap = _Captured()
    orig = IPython.display.display
    IPython.display.display = cap
    try:
        st.table(pd.DataFrame({"construct": [label, "Loyalty"], "mean": [3.25, 3.5]}),
                 f"Means of {st.name}: {label}")
        fig, ax = plt.subplots(figsize=(1, 0.6))
        ax.bar([0, 1], [3.25, 3.5])
        st.figure(fig, f"bars_{st.name}", f"Distribution ({label})", dpi=40)
    finally:
        IPython.display.display = orig
    assert len(cap.html) == 2
    return cap.html[0], cap.html[1]


def _notebook(stage: str, table_html: str, figure_html: str) -> nbformat.NotebookNode:
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                               "language": "python"}})
    params = new_code_cell('params_file = "params/demo.yaml"\noverrides = {}', metadata={"tags": ["parameters"]},
                           execution_count=1)
    start = new_code_cell(f'import csat.pipeline.stage\nstage = csat.pipeline.stage.start("{stage}", params_file, overrides)\n'
                          f"{CODE_MARK}", execution_count=2)
    table = new_code_cell("stage.table(df, caption)", execution_count=3, outputs=[
        new_output("display_data", data={"text/html": table_html,
                                         "text/plain": "<IPython.core.display.HTML object>"})])
    figure = new_code_cell("stage.figure(fig, 'x', caption)", execution_count=4, outputs=[
        new_output("display_data", data={"text/html": figure_html,
                                         "text/plain": "<IPython.core.display.HTML object>"})])
    bare = new_code_cell("plt.show()", execution_count=5, outputs=[
        new_output("display_data", data={"image/png": base64.b64encode(_png()).decode(),
                                         "text/plain": "<Figure size 640x480 with 1 Axes>"}),
        new_output("stream", name="stderr", text="UserWarning: noisy library warning\n")])
    if stage == "02_descriptives":   # an output that would load things from the network
        bare.outputs.append(new_output("display_data", data={"text/html": (
            '<script src="https://cdn.example.org/require.js"></script><link rel="stylesheet" '
            'href="https://cdn.example.org/x.css"><img src="https://example.org/logo.png" alt="logo">'
            '<div style="background: url(https://example.org/bg.png)">styled</div>')}))
    nb.cells = [
        new_markdown_cell(f"# Notebook {stage}\n\nWhat this stage does, for a student.\n\n"
                          f"## Section of {stage}\n\nCronbach's alpha is $\\alpha = \\frac{{k}}{{k-1}}$.\n\n"
                          "![local picture](figures/local.png)\n"),
        params, start, table, figure, bare,
        new_markdown_cell(f"### Detail of {stage}\n\nMore text, see [lavaan](https://lavaan.ugent.be).\n\n"
                          "$$\\omega = \\frac{(\\sum \\lambda)^2}{(\\sum \\lambda)^2 + \\sum \\theta}$$\n"),
        new_code_cell("stage.finish()", execution_count=6),
    ]
    return nb


def make_fake_study(root, study="fake", language="en", title=f"Satisfaction survey {XSS}",
                    label=f"Satisfaction {XSS}"):
    (root / "params").mkdir(parents=True, exist_ok=True)
    (root / "data" / "raw").mkdir(parents=True, exist_ok=True)
    raw = root / "data" / "raw" / f"{study}.csv"
    raw.write_bytes("id,sat1,sat2,loy1\n1,4,5,3\n2,3,4,4\n3,5,5,5\n".encode())
    params = root / "params" / f"{study}.yaml"
    params.write_text(
        f"study: {study}\n"
        f"title: {json.dumps(title, ensure_ascii=False)}\n"
        f"language: {language}\n"
        f"data:\n  path: data/raw/{study}.csv\n  id: id\n"
        "scale: {min: 1, max: 5}\n"
        "constructs:\n"
        f"  SAT:\n    label: {json.dumps(label, ensure_ascii=False)}\n    label_zh: 满意度\n    items: [sat1, sat2]\n"
        "  LOY:\n    label: Loyalty\n    label_zh: 忠诚度\n    items: [loy1]\n"
        "ipma:\n  target: SAT\n", encoding="utf-8")
    rep = root / "reports" / study
    (rep / "results").mkdir(parents=True, exist_ok=True)
    (rep / "figures").mkdir(parents=True, exist_ok=True)
    (rep / "figures" / "local.png").write_bytes(_png())
    (rep / "results" / "cleaning.json").write_text(json.dumps({"n_raw": 200, "n_clean": 180}))
    (rep / "results" / "construct_scores.csv").write_text("construct,mean,index\nLOY,3.5,62.5\nSAT,4.1,77.25\n")
    (rep / "results" / "sem_fit.json").write_text(json.dumps({"cfi": 0.9612, "tli": 0.95, "rmsea": 0.0512,
                                                              "srmr": 0.041, "chisq": 12.3}))
    from csat.config.params import load_params
    from csat.pipeline.stage import Stage

    p = load_params(params, root=root)
    for i, s in enumerate(STAGES):
        (rep / "runinfo").mkdir(exist_ok=True)
        (rep / "runinfo" / f"{s}.json").write_text(json.dumps(
            {"stage": s, "study": study, "finished": f"2026-01-02T03:04:0{i}+00:00", "seconds": 1.5 + i,
             "overrides": {"bootstrap": 300}}))
        lab = localize("满意度", language) if language.startswith("zh") else label
        table_html, figure_html = _stage_outputs(Stage(name=s, params=p, params_file=params, overrides={},
                                                       root=root), lab)
        nbformat.write(_notebook(s, table_html, figure_html), str(rep / f"{s}.ipynb"))
    return params, raw


@pytest.fixture(scope="module")
def en_study(tmp_path_factory):
    root = tmp_path_factory.mktemp("proj")
    params, raw = make_fake_study(root)
    (root / "requirements.lock").write_text("numpy==2.4.6\npandas==3.1.1\npingouin==0.7.0\n")
    out = report_html.build_report_html("fake", params, {"bootstrap": 300}, root=root)
    return root, params, raw, out.read_text(encoding="utf-8")


def test_report_structure(en_study):
    root, params, raw, page = en_study
    assert (root / "reports" / "fake" / "report.html").is_file()
    # a head (no empty title page) with title, date, data file and n from cleaning.json
    assert 'class="csat-head"' in page and "csat-titlepage" not in page
    assert "Satisfaction survey &lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "data/raw/fake.csv" in page
    assert "180 of 200 responses kept" in page
    assert re.search(r"<th scope=\"row\">Date</th><td>\d{4}-\d\d-\d\d</td>", page)
    # summary first, then methods, the questionnaire (appendix A), the stages (appendices B-G), provenance
    order = [page.index(x) for x in ('id="summary"', 'id="methods"', 'id="appendix-a"', 'id="stage-1"',
                                     'id="provenance"')]
    assert order == sorted(order)
    assert page.index('id="contents"') < page.index('class="csat-main"')       # the sidebar
    assert "Executive summary" in page and "The Satisfaction &lt;script&gt;alert(1)&lt;/script&gt; index is 77.2" in page
    assert "Appendix B</span> Data cleaning" in page
    summ = json.loads((root / "reports" / "fake" / "results" / "summary.json").read_text(encoding="utf-8"))
    assert summ["headline"]["construct"] == "SAT" and summ["headline"]["index"] == 77.25
    # contents: one entry per stage, in order, plus provenance
    toc = page[page.index('id="contents"'):page.index('class="csat-stage"')]
    positions = [toc.index(f'href="#stage-{i}"') for i in range(1, 6)]
    assert positions == sorted(positions)
    for s in STAGES:
        assert words.stage_title(s, "en") in toc
    assert "Section of 03_reliability_validity" in toc
    assert 'href="#provenance"' in toc
    # stages in order, each with its heading
    starts = [page.index(f'data-stage="{s}">\n  <h1 class="csat-stage-title">') for s in STAGES]
    assert starts == sorted(starts)
    # numbered captions across the report: one table and two figures (HTML + bare PNG) per stage
    n = len(STAGES)
    assert re.findall(r'<span class="csat-caption-label">Table (\d+)\.</span>', page) == [str(i) for i in range(1, n + 1)]
    assert re.findall(r'<span class="csat-caption-label">Figure (\d+)\.</span>', page) == [str(i) for i in range(1, 2 * n + 1)]
    assert 'id="table-3"' in page and 'id="figure-10"' in page
    # the notebook titles are replaced by the stage headings; sub-headings one level down
    assert "Notebook 01_cleaning" not in page
    assert re.search(r'<h2 id="s1-\d+">Section of 01_cleaning</h2>', page)
    assert re.search(r"<h3 id=\"s1-\d+\">Detail of 01_cleaning</h3>", page)
    # TeX drawn offline as inline SVG
    assert 'class="csat-math-svg" src="data:image/svg+xml;base64,' in page


def test_report_hides_code_and_loads_nothing(en_study):
    _, _, _, page = en_study
    assert CODE_MARK not in page and "csat.pipeline.stage.start" not in page
    assert "jp-InputArea-editor" not in page and "In&nbsp;[" not in page
    assert "noisy library warning" not in page            # stderr stays in the per-notebook HTML
    assert pages.external_resources(page) == []
    assert not re.search(r"""src\s*=\s*["']?(https?:)?//""", page, re.I)
    assert "<link" not in page.lower() and "url(http" not in page.lower() and "cdn.example.org" not in page
    assert "<script" not in page.lower()
    assert "mathjax" not in page.lower() and "require.js" not in page.lower()
    assert '"Noto Sans CJK SC"' in page
    assert "[external resource not embedded: logo]" in page
    assert 'src="figures/local.png"' not in page                             # local files are embedded
    assert len(re.findall(r'<img alt="local picture" src="data:image/png;base64,', page)) == len(STAGES)
    assert '<a href="https://lavaan.ugent.be">lavaan</a>' in page           # a link is not a resource
    assert page.count("class=\"csat-math-svg csat-math-display\"") == len(STAGES)                             # one $$...$$ per stage


def test_user_text_is_escaped(en_study):
    _, _, _, page = en_study
    assert XSS not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # in a caption (from stage.table), on the title page and in the <title>, in the params listing
    assert "<title>Satisfaction survey &lt;script&gt;" in page
    assert re.search(r"Means of 02_descriptives: Satisfaction &lt;script&gt;alert\(1\)&lt;/script&gt;</figcaption>", page)
    prov = page[page.index('id="provenance"'):]
    assert "label: &#34;Satisfaction &lt;script&gt;alert(1)&lt;/script&gt;&#34;" in prov


def test_provenance(en_study):
    root, params, raw, page = en_study
    prov = page[page.index('<section class="csat-provenance"'):]
    assert hashlib.sha256(raw.read_bytes()).hexdigest() in prov
    for pkg in provenance.KEY_PACKAGES:
        assert f"<td>{pkg}</td>" in prov
    assert "<td>numpy</td><td>2.4.6</td>" in prov and "<td>pingouin</td><td>0.7.0</td>" in prov
    assert "<td>Python</td>" in prov
    assert "2026-01-02T03:04:04+00:00" in prov and ">5.5</td>" in prov    # 05_sem run info
    assert "&#34;bootstrap&#34;: 300" in prov
    assert "<code>bootstrap=300</code>" in prov and "<code>{}</code>" not in prov      # a stage run's overrides
    assert "ipma:\n  target: SAT" in prov                                      # params verbatim
    assert "unknown" in prov                                                   # tmp tree is not a git repo


def test_every_notebook_heading_has_chinese():
    """A language: zh report shows no English stage headings: every fixed heading of the notebooks
    (markdown cells and stage.markdown strings) has its Chinese in the catalog (words.heading)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    found = set()
    for s in STAGES:
        nb = nbformat.read(str(root / "notebooks" / f"{s}.ipynb"), as_version=4)
        for cell in nb.cells:
            for m in re.finditer(r'(?m)(?:^|markdown\(r?"""|\.t\(r?"""|\.t\(")#{2,6} ([^\n"]+)', cell.source):
                text = m.group(1).strip()
                if not re.search(r"[\u4e00-\u9fff]", text):
                    found.add(text)
    assert "Interpretation and diagnostics" in found and "The model" in found
    missing = sorted(h for h in found if words.heading(h, "zh") is None)
    assert not missing, missing
    html, *_ = report_html.process_stage('<div class="jp-MarkdownCell"><h1>x</h1><h2>Interpretation and diagnostics'
                                         '</h2></div>', 5, "05_sem", "zh", report_html.Counters())
    assert "解读与诊断" in html and "Interpretation" not in html


def test_chinese_report_and_index(tmp_path):
    params, _ = make_fake_study(tmp_path, study="zhs", language="zh", title="顾客满意度调查")
    page = report_html.build_report_html("zhs", params, root=tmp_path).read_text(encoding="utf-8")
    assert '<html lang="zh-Hans">' in page
    for s in STAGES:
        assert words.stage_title(s, "zh") in page
    assert ">目录</h1>" in page and ">溯源信息</h1>" in page
    assert '<span class="csat-caption-label">表 2</span>' in page
    assert '<span class="csat-caption-label">图 4</span>' in page
    assert "清洗后保留 180 份（原始 200 份）" in page and ">样本量</th>" in page
    assert "满意度" in page and ">摘要</h1>" in page and ">研究方法</h1>" in page and "附录 B</span>" in page
    assert "满意度指数为 77.2" in page
    # the index lists both studies with their key figures, escaped
    make_fake_study(tmp_path, study="other")
    idx = report_index.build_index(tmp_path).read_text(encoding="utf-8")
    assert 'data-study="zhs"' in idx and 'data-study="other"' in idx
    assert 'href="zhs/report.html"' in idx and 'href="zhs/01_cleaning.ipynb"' in idx
    assert "77.2" in idx and "SAT: 满意度" in idx                # ipma target SAT, not the first row
    assert ">0.961<" in idx and ">0.051<" in idx and ">0.041<" in idx
    assert XSS not in idx and "&lt;script&gt;" in idx
    assert pages.external_resources(idx) == []


def test_pdf_has_chinese_and_every_stage(tmp_path):
    params, _ = make_fake_study(tmp_path, study="pdfz", language="zh", title="顾客满意度调查 " + XSS)
    rc = cli.main(["study", "--study", "pdfz", "--params", str(params), "--root", str(tmp_path),
                      "--overrides", '{"bootstrap": 300}'])
    assert rc == 0
    pdf = tmp_path / "reports" / "pdfz" / "report.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "满意度" in text and "忠诚度" in text
    for s in STAGES:
        assert words.stage_title(s, "zh") in text
    assert "溯源信息" in text and "目录" in text
    assert "<script>alert(1)</script>" in text        # shown as text, never run
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    n_pages = int(re.search(r"Pages:\s+(\d+)", pages).group(1))
    assert n_pages >= 8                                  # title, contents, 5 stages, provenance
    # fonts: every font embedded as TrueType/OpenType, no Type 3 (Chromium's fallback for CFF fonts)
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "Type 3" not in fonts and "TrueType" in fonts
    # the outline (bookmarks) carries the sections with their pages, and the contents print the same pages
    import pymupdf

    with pymupdf.open(pdf) as doc:
        toc = doc.get_toc()
        by_title = {t: pg for _, t, pg in toc}
        assert toc[0][0] == 1 and all(1 <= pg <= doc.page_count for _, _, pg in toc)
        assert [lvl for lvl, _, _ in toc].count(1) >= 8
        stage_page = by_title[f"{words.words('zh')['appendix']} B · {words.stage_title(STAGES[0], 'zh')}"]
        assert words.stage_title(STAGES[0], "zh") in doc[stage_page - 1].get_text()
        contents = next(pg for pg in doc if "目录" in pg.get_text())
        line = next(ln for ln in contents.get_text().splitlines() if ln.strip() == str(stage_page)) 
        assert line


def test_the_stage_names_are_those_of_the_stage_graph():
    """One table names the stages in the report (headings) and in the summary's sentences: the stages of
    csat.pipeline.graph, in order."""
    assert list(words.STAGE_NAMES) == STAGES
    for s in STAGES:
        title, phrase = words.STAGE_NAMES[s]
        assert title and phrase and words.stage_phrase(s) == phrase and words.stage_title(s) == title
        assert words.stage_phrase(s, "zh") == tr(phrase, "zh") != phrase
        assert words.stage_title(s, "zh-Hant") == localize(words.stage_title(s, "zh"), "zh-Hant")
    assert words.stage_title("06_drivers_segments", "zh-Hant") == "關鍵驅動因素、客戶細分、Kano 與服務差距"


def test_the_words_of_the_page_are_translated_in_every_language():
    """The page's words come from the catalog: English as written, Chinese translated, traditional
    Chinese derived from it; the caption labels are templates of the number."""
    en, zh, hant = words.words("en"), words.words("zh"), words.words("zh-Hant")
    assert en == words.WORDS and set(zh) == set(hant) == set(en)
    assert en["contents"] == "Contents" and zh["contents"] == "目录" and hant["contents"] == "目錄"
    assert zh["sample"] == "样本量" and hant["sample"] == "樣本數"              # the regional term
    assert [w["table_label"].format(n=3) for w in (en, zh, hant)] == ["Table 3.", "表 3", "表 3"]
    assert [w["figure_label"].format(n=2) for w in (en, zh, hant)] == ["Figure 2.", "图 2", "圖 2"]
    assert hant["kept"].format(n_clean=180, n_raw=200) == "清洗後保留 180 份（原始 200 份）"


def test_traditional_chinese_report(tmp_path):
    """A ``language: zh-Hant`` study: the page's lang is zh-Hant (the stylesheet puts the TC font
    first for it), every word, stage title, heading, caption label and summary sentence is in
    traditional characters (derived from the simplified catalog), the construct labels converted."""
    params, _ = make_fake_study(tmp_path, study="hant", language="zh-Hant", title={"en": "Survey",
                                                                                  "zh": "顾客满意度调查"})
    page = report_html.build_report_html("hant", params, root=tmp_path).read_text(encoding="utf-8")
    assert '<html lang="zh-Hant">' in page and 'class="csat-report csat-lang-zh-Hant"' in page
    assert "body:lang(zh-Hant)" in page and '"Noto Sans CJK TC"' in page
    assert "<title>顧客滿意度調查</title>" in page
    for s in STAGES:
        assert words.stage_title(s, "zh-Hant") in page
        assert words.stage_title(s, "zh") not in page or words.stage_title(s, "zh") == words.stage_title(s, "zh-Hant")
    assert ">目錄</h1>" in page and ">溯源資訊</h1>" in page and ">摘要</h1>" in page
    assert '<span class="csat-caption-label">表 2</span>' in page
    assert '<span class="csat-caption-label">圖 4</span>' in page
    assert "清洗後保留 180 份（原始 200 份）" in page and ">樣本數</th>" in page
    shown = page[:page.index('id="provenance"')]                  # the provenance lists the params file verbatim
    assert "滿意度指數為 77.2" in shown and "满意度" not in shown and "目录" not in shown
    summ = json.loads((tmp_path / "reports" / "hant" / "results" / "summary.json").read_text(encoding="utf-8"))
    assert summ["language"] == "zh-Hant" and summ["sections"]["headline"][0]["zh"].startswith("满意度指数为 77.2")
    html, *_ = report_html.process_stage('<div class="jp-MarkdownCell"><h1>x</h1><h2>Interpretation and diagnostics'
                                         '</h2></div>', 5, "05_sem", "zh-Hant", report_html.Counters())
    assert "解讀與診斷" in html and "Interpretation" not in html


def test_the_codebook_and_the_diagnostics_list_in_traditional_chinese():
    """Appendix A and a stage's list of diagnostics in zh-Hant: the study's labels and the diagnostics'
    Chinese sentences converted (csat.core.i18n.localize), the fixed words from the catalog."""
    from csat.config.params import validate_params
    from csat.pipeline.stage import diagnostic_item

    d = {"code": "out_of_range", "severity": "warning", "where": "qual1", "message": "1 value outside the scale.",
         "message_zh": "第 546 行数据中有 1 个超出允许范围的值，已设为缺失。"}
    item = diagnostic_item(d, "zh-Hant")
    assert "<b>警告</b> qual1：第 546 行資料中有 1 個超出允許範圍的值，已設為遺漏。" in item
    assert diagnostic_item({**d, "severity": "info"}, "zh-Hant").startswith('<li class="csat-diag csat-diag-info" title="out_of_range"><b>提示</b>')
    assert "<b>WARNING</b> qual1: 1 value outside" in diagnostic_item(d, "en")
    raw = {"study": "x", "data": {"path": "x.csv"}, "language": "zh-Hant", "reverse": ["a2"],
           "constructs": {"A": {"items": ["a1", "a2"], "label": "Quality", "label_zh": "感知质量"}},
           "item_labels": {"a1": {"en": "Overall quality", "zh": "整体质量"}, "a2": "plain"}}
    p = validate_params(raw)
    rows = report_html.codebook_rows(p, "zh-Hant")
    assert rows[0] == {"construct": "A: 感知品質", "item": "a1", "wording": "整體品質", "scale": "1–5", "reverse": ""}
    assert rows[1]["wording"] == "plain" and rows[1]["reverse"] == "是"


def test_stray_python_values_are_not_shown_in_reports():
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("p", outputs=[
        nbformat.v4.new_output("execute_result", data={"text/plain": "PosixPath('/x/y')"}, execution_count=1),
        nbformat.v4.new_output("display_data", data={"text/html": "<table></table>", "text/plain": "t"})]))
    nb.cells.append(nbformat.v4.new_code_cell("stage.finish()", outputs=[
        nbformat.v4.new_output("execute_result", data={"text/plain": "{'stage': '01_cleaning'}"}, execution_count=2)]))
    assert report_html.drop_stray_reprs(nb) == 2
    assert [o["output_type"] for c in nb.cells for o in c["outputs"]] == ["display_data"]


# ---- every column of a wide table reaches the printed page ----------------------------------------------
def _table(n_cols: int, n_rows: int = 3, cell: str = "12.345", head: str = "column") -> str:
    th = "".join(f"<th>{head}{j}</th>" for j in range(n_cols))
    rows = "".join("<tr>" + f"<td>row{i}</td>" + "".join(f"<td>{cell}</td>" for _ in range(n_cols - 1)) + "</tr>"
                   for i in range(n_rows))
    return f'<figure class="csat-table-wrap"><table class="csat-table"><thead><tr>{th}</tr></thead><tbody>{rows}</tbody></table></figure>'


def test_column_groups_repeat_the_keys_and_fit():
    widths = [50, 100, 100, 100, 100, 100]
    groups = report_html.column_groups(widths, 1, 260)
    assert groups == [[0, 1, 2], [0, 3, 4], [0, 5]]
    assert all(sum(widths[j] for j in g) <= 260 for g in groups)
    assert sorted({j for g in groups for j in g}) == list(range(6))
    assert report_html.column_groups([10, 20], 1, 100) == [[0, 1]]
    assert report_html.column_groups([10, 300, 20], 1, 100) == [[0, 1], [0, 2]]   # too wide alone: own group


def test_a_narrow_table_is_left_alone_a_wider_one_set_smaller_a_wide_one_split():
    from bs4 import BeautifulSoup

    narrow = BeautifulSoup(_table(4), "html.parser")
    assert report_html.fit_table_to_page(narrow, narrow.find("table")) == "fits"
    mid = BeautifulSoup(_table(14, head="c"), "html.parser")
    assert report_html.fit_table_to_page(mid, mid.find("table")) == "compact"
    assert "csat-table-compact" in mid.find("table")["class"]
    wide = BeautifulSoup(_table(17, cell="sq_responsiveness1_e+sq_responsiveness2_e"), "html.parser")
    table = wide.find("table")
    assert report_html.fit_table_to_page(wide, table) == "split"
    assert "csat-screen-only" in table["class"]                        # the whole table on screen
    parts = wide.select(".csat-print-split table")
    assert len(parts) >= 2
    heads = [[th.get_text() for th in p.find("thead").find_all("th")] for p in parts]
    assert all(h[0] in ("column0", "#") for h in heads)               # the key column repeated (or row numbers)
    shown = {x for h in heads for x in h}
    assert {f"column{j}" for j in range(17)} <= shown                  # every column reaches the print
    for p in parts:                                                    # and each part fits the text width
        grid = [[c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])] for tr in p.find_all("tr")]
        em = report_html.column_min_em(grid)
        size, pad = report_html.TABLE_TYPES[-1]
        assert sum(w * size + pad for w in em) <= report_html.TEXT_WIDTH_PT
        assert len({len(r) for r in grid}) == 1


def test_split_table_numbers_rows_its_keys_do_not_tell_apart():
    from bs4 import BeautifulSoup

    long = "x" * 40
    rows = "".join(f"<tr><td>tangibles</td><td>item</td>{''.join(f'<td>{long}</td>' for _ in range(4))}</tr>"
                   for _ in range(2))
    soup = BeautifulSoup('<table><thead><tr><th>dimension</th><th>level</th><th>a</th><th>b</th><th>c</th><th>d</th>'
                         f"</tr></thead><tbody>{rows}</tbody></table>", "html.parser")
    assert report_html.fit_table_to_page(soup, soup.find("table")) == "split"
    for part in soup.select(".csat-print-split table"):
        assert part.find("thead").find("th").get_text() == "#"
        assert [tr.find("td").get_text() for tr in part.find("tbody").find_all("tr")] == ["1", "2"]


def test_figures_are_shown_at_the_size_they_were_drawn_for():
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from bs4 import BeautifulSoup

    fig = plt.figure(figsize=(5, 2))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150)
    plt.close(fig)
    w, h = report_html.png_size_inches(buf.getvalue())
    assert w == pytest.approx(5, abs=0.02) and h == pytest.approx(2, abs=0.02)
    assert report_html.png_size_inches(b"GIF89a") is None
    soup = BeautifulSoup('<figure class="csat-figure"><img src="data:image/png;base64,'
                         + base64.b64encode(buf.getvalue()).decode() + '"></figure>', "html.parser")
    img = soup.find("img")
    report_html.set_printed_size(img)
    assert img["style"] == "width: 5.00in" and "csat-sized" in img["class"]
def test_the_questionnaire_lists_every_question_with_its_code():
    """Appendix A: construct items with the answer scale and its anchors, the recommend question, the Kano and
    SERVQUAL pairs and the group columns with their levels, each with its code; without item_labels the wording
    is the file's own header (data.rename), else empty (and the page leaves the column out)."""
    import pandas as pd

    from csat.config.params import validate_params

    raw = {"study": "q", "data": {"path": "x.csv", "rename": {"Q1. How good is it?": "a1"}}, "language": "en",
           "scale": {"min": 1, "max": 5}, "labels": {"very poor": 1, "excellent": 5},
           "constructs": {"A": {"items": ["a1", "a2"], "label": "Quality"}}, "groups": ["g"], "recommend": "nps",
           "kano": {"app": {"functional": "k_f", "dysfunctional": "k_d", "label": "Mobile app"}},
           "servqual": {"rel": {"expectation": ["e1"], "perception": ["p1"], "label": "Reliability"}}}
    p = validate_params(raw)
    rows = report_html.codebook_rows(p, "en", pd.DataFrame({"g": ["b", "a", "b"]}))
    codes = [r["item"] for r in rows]
    assert codes == ["a1", "a2", "nps", "k_f", "k_d", "e1", "p1", "g"]
    assert rows[0]["wording"] == "Q1. How good is it?" and rows[1]["wording"] == ""
    assert rows[0]["scale"] == "1 = very poor … 5 = excellent"
    assert "recommend" in rows[2]["wording"] and rows[2]["scale"].startswith("0 = ")
    assert "Mobile app" in rows[3]["construct"] and "Mobile app is offered" in rows[3]["wording"]
    assert "Reliability" in rows[5]["construct"] and rows[6]["wording"] == "Perception 1 of Reliability"
    assert rows[7]["scale"] == "a, b"
