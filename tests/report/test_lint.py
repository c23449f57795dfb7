"""csat.report.lint: each defect class of issue #30 is flagged, in synthetic page data (the pure checks) and
in small real documents (PDFs made by PyMuPDF and matplotlib, HTML printed by the project's own Chromium
printer), and a clean document gives no finding."""
from __future__ import annotations

import io
from pathlib import Path

import pytest

from csat.report import lint
from csat.report.lint import Finding, HtmlReport, HtmlTable, Image, Page, PdfDocument, Span


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


_ids = iter(range(10**6, 10**7))


def line(text, x, y, size=10.0, line_id=None, font="NotoSans-Regular", script=False, w=None):
    """A span of ``text`` at (x, y) (top left), about 0.5 em per character wide, a line of its own unless
    ``line_id`` is given."""
    w = w if w is not None else 0.5 * size * max(len(text), 1)
    return Span(text, (x, y, x + w, y + 1.2 * size), size, font, line_id if line_id is not None else next(_ids),
                script)


def text_page(n, texts, **kw):
    """A page with one line per text, 14 pt apart from the top margin."""
    return Page(n, spans=[line(t, 50, 60 + 14 * i) for i, t in enumerate(texts)], **kw)


# ---- 1. cut tables ---------------------------------------------------------------------------------
HEADS = ["dimension", "mean", "t", "df", "p", "Holm p", "d_z"]


def _table_page(heads, n=1, wrapped=()):
    spans, x = [], 50
    for h in heads:
        if h in wrapped:                                   # a header that wraps onto two lines
            a, b = h.split(" ", 1)
            spans += [line(a, x, 100), line(b, x, 112)]
        else:
            spans.append(line(h, x, 100))
        spans.append(line("1.23", x, 130))
        x += 60
    spans.append(line("Paragraph mentioning df, p, Holm p and d_z in running text.", 50, 300))
    return Page(n, spans=spans)


def test_a_table_cut_after_t_is_flagged_with_its_missing_columns():
    t = HtmlTable("Table 54. Service gaps", HEADS, [["tangibles", "0.1", "2.0", "528", "0.04", "0.08", "0.1"]])
    found = lint.check_cut_tables([t], [_table_page(HEADS[:3])])
    assert codes(found) == ["table-cut"]
    assert "4 of 7" in found[0].text and "'Holm p'" in found[0].text and "'d_z'" in found[0].text
    assert found[0].page == 1


def test_a_whole_table_with_a_wrapped_header_is_not_flagged():
    t = HtmlTable("Table 54. Service gaps", HEADS)
    assert lint.check_cut_tables([t], [text_page(1, ["intro"]), _table_page(HEADS, 2, wrapped={"Holm p"})]) == []


# ---- 2. outside the page, overlaps ------------------------------------------------------------------
def test_text_beyond_the_page_edge_is_flagged():
    p = Page(1, spans=[line("inside", 50, 100), line("ci.upper", 590, 100)])
    found = lint.check_text_outside([p])
    assert codes(found) == ["text-outside"] and "ci.upper" in found[0].text


def test_labels_over_labels_are_flagged_but_neighbouring_lines_are_not():
    over = Page(1, spans=[line("Pearson: SAT", 100, 100), line("Spearman: VAL", 110, 102)])
    assert codes(lint.check_overlaps([over])) == ["text-overlap"]
    lines = Page(1, spans=[line("first line of a paragraph", 50, 100), line("second line", 50, 112),
                           line("same line, next span", 50 + 125, 100, line_id=1000)])
    assert lint.check_overlaps([lines]) == []
    bold = Page(1, spans=[line("twice", 50, 100), line("twice", 50.2, 100)])        # a fake bold
    assert lint.check_overlaps([bold]) == []


# ---- 3. font sizes, raster figures ------------------------------------------------------------------------
def test_four_point_text_is_flagged_and_superscripts_are_allowed():
    p = Page(3, spans=[line("body", 50, 100, 10), line("path label", 50, 130, 4.0),
                       line("2", 80, 100, 6.0, script=True)])
    found = lint.check_font_sizes([p])
    assert codes(found) == ["font-small"] and "4.0 pt" in found[0].text and "path label" in found[0].text
    assert lint.check_font_sizes([Page(1, spans=[line("body", 50, 100, 9)])]) == []


def test_a_raster_figure_shrunk_to_the_page_is_flagged():
    # the path diagram: 1185×282 px drawn at 150 dpi (201 mm) printed 120 mm wide: 8-pt text at 4.8 pt
    wide = Page(35, images=[Image((50, 100, 50 + 120 / 25.4 * 72, 200), 1185, 282)])
    found = lint.check_raster_figures([wide], {(1185, 282): 150.0})
    assert codes(found) == ["figure-shrunk"] and "4.8 pt" in found[0].text and "60%" in found[0].text
    fits = Page(1, images=[Image((50, 100, 50 + 6 * 72, 300), 900, 600)])            # 150 dpi, 6 in: 100 %
    assert lint.check_raster_figures([fits], {}) == []


def test_png_dpi_and_size_are_read_from_the_file():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(2, 1))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150)
    plt.close(fig)
    assert lint.png_size(buf.getvalue()) == (300, 150)
    assert lint.png_dpi(buf.getvalue()) == pytest.approx(150, abs=0.1)
    assert lint.png_dpi(b"not a png") is None


# ---- 4. blank pages ------------------------------------------------------------------------------------
def test_a_near_empty_page_is_flagged_but_not_the_last_page():
    full = Page(1, spans=[line(f"line {i}", 50, 60 + 14 * i) for i in range(50)])
    empty = Page(2, spans=[line("One lonely line.", 50, 60), line("2", 540, 800)])
    short_last = Page(4, spans=[line("The end.", 50, 60)])
    a_fifth = Page(3, spans=[line(f"line {i}", 50, 60 + 14 * i) for i in range(10)])     # mostly blank
    found = lint.check_blank_pages([full, empty, a_fifth, full, short_last])
    assert codes(found) == ["page-blank", "page-blank"] and [f.page for f in found] == [2, 3]
    assert "One lonely line." in found[0].text and "20% filled" in found[1].text


# ---- 5. fonts ----------------------------------------------------------------------------------------------
def test_type3_fonts_and_latin_text_in_a_cjk_font_are_flagged():
    p = Page(1, spans=[line("Satisfaction", 50, 100, font="NotoSansCJKsc-Regular"), line("满意度", 50, 120,
                                                                                          font="NotoSansCJKsc-Regular")],
             fonts=[("DejaVuSans", "Type3"), ("NotoSans-Regular", "TrueType")])
    assert sorted(codes(lint.check_fonts([p]))) == ["font-latin-cjk", "font-type3"]
    ok = Page(1, spans=[line("Satisfaction", 50, 100), line("满意度", 50, 120, font="NotoSansCJKsc-Regular")],
              fonts=[("NotoSans-Regular", "TrueType"), ("NotoSansCJKsc-Regular", "Type0")])
    assert lint.check_fonts([ok]) == []


# ---- 6. forbidden reader text --------------------------------------------------------------------------------
@pytest.mark.parametrize("text, code", [
    ("excluded: <NA>", "raw-value"), ("True", "raw-value"), ("mean nan", "raw-value"), ("None", "raw-value"),
    ("skew -0.00", "negative-zero"), ("gap −0.0 points", "negative-zero"), ("df = 365.000", "count-decimals"),
    ("n = 546.0", "count-decimals"), ("data: /work/shared/datasets/ecsi.csv", "abs-path"),
    ("see C:\\data\\survey.sav", "abs-path"), ("/home/anna/study.yaml", "abs-path"),
    ("Traceback (most recent call last):", "python-repr"), ("ValueError: bad", "python-repr"),
    ("(from 03_reliability_validity, htmt)", "stage-name"), ("see 05_sem.ipynb", "stage-name"),
    ("the target (ipma.target) is SAT", "params-key"), ("set item_labels", "params-key"),
    ("computed by csat.stats.descriptives", "program-text"), ("this notebook only calls it", "program-text"),
    ("本笔记本仅调用该模块", "program-text"), ("written to reports/<study>/results/", "program-text"),
])
def test_program_speak_is_flagged(text, code):
    found = lint.check_forbidden_text([text_page(1, [text])], ["ipma.target", "item_labels"])
    assert code in codes(found), found


def test_ordinary_reader_text_is_not_flagged():
    texts = ["None of the six comparisons is significant.", "skew -0.01, gap 0.00, change −0.30",
             "Fieldwork 2026-01-05 to 2026-02-10; 0–10 scale", "n = 546, df = 365, p < .001",
             "the target construct is satisfaction", "data/raw/demo.csv (relative to the project)",
             "True and false statements are not what this report prints"[5:], "Holm-adjusted p"]
    assert lint.check_forbidden_text([text_page(1, texts)], ["ipma.target", "item_labels"]) == []


def test_the_params_file_printed_verbatim_may_show_keys_and_nulls():
    mono = "DejaVuSansMono"
    p = Page(1, spans=[line("ipma:", 50, 100, font=mono), line("  target: SAT   # 05_sem", 50, 114, font=mono),
                       line("min_duration: null", 50, 128, font=mono)])
    assert lint.check_forbidden_text([p], ["ipma.target", "min_duration"]) == []


def test_counts_with_decimals_in_tables_are_flagged():
    fit = HtmlTable("Table 37. Model fit", ["measure", "value"], [["chisq", "512.3"], ["df", "365.000"]])
    gaps = HtmlTable("Table 54. Gaps", ["dimension", "mean", "n"], [["tangibles", "3.000", "546.0"]])
    found = lint.check_count_decimals([fit, gaps], [text_page(7, ["Table 37. Model fit"])])
    assert codes(found) == ["count-decimals", "count-decimals"]
    assert "df 365.000" in found[0].text and found[0].page == 7 and "n 546.0" in found[1].text
    assert "3.000" not in found[1].text
    whole = HtmlTable("t", ["measure", "value"], [["df", "365"]])
    welch = HtmlTable("t", ["test", "df"], [["F", "4.000"], ["Welch t", "251.370"]])
    assert lint.check_count_decimals([whole, welch], []) == []


# ---- 7. English in a Chinese report ------------------------------------------------------------------------------
def test_english_words_in_a_chinese_page_are_flagged():
    p = text_page(1, ["感知价值在gender为“male”的受访者中比“female”高 3.4 个指数点。",
                      "模型拟合良好:CFI = 0.95,RMSEA = 0.04,Cronbach α = 0.88,n = 546,p < .001。",
                      "sat1 与 SAT 的载荷为 0.81;见 data/raw/demo.csv。",
                      "gender"])
    found = lint.check_english_in_zh([p], codes={"sat1", "SAT"}, strict_codes={"gender"})
    assert codes(found) == ["english-in-zh"]
    assert "'gender'" in found[0].text and "'male'" in found[0].text and "'female'" in found[0].text
    assert "CFI" not in found[0].text and "sat1" not in found[0].text and "csv" not in found[0].text
    assert lint.check_english_in_zh([text_page(1, ["满意度 SAT 为 68.5(PLS,n = 250)。", "gender"])],
                                    codes={"SAT"}, strict_codes={"gender"}) == []
    # a sentence whose Latin word comes from another font (touching spans) vs. a table row (cells apart)
    sentence = Page(1, spans=[line("感知价值在", 50, 100, line_id=1, w=50), line("gender", 100, 100, line_id=1, w=30),
                              line("为男性", 130, 100, line_id=1, w=30)])
    row = Page(1, spans=[line("gender", 50, 100, line_id=1, w=30), line("性别", 100, 100, line_id=1, w=20)])
    assert "'gender'" in lint.check_english_in_zh([sentence], strict_codes={"gender"})[0].text
    assert lint.check_english_in_zh([row], strict_codes={"gender"}) == []


def test_the_allowed_list_is_a_documented_constant():
    assert {"CFI", "RMSEA", "SERVQUAL", "Kano", "df"} <= lint.ALLOWED_LATIN
    assert "bootstrap" not in lint.ALLOWED_LATIN and "segments" not in lint.ALLOWED_LATIN
    assert "statistical abbreviations" in lint.__doc__ or "ALLOWED_LATIN" in lint.__doc__


# ---- 8. contents and outline ----------------------------------------------------------------------------------
ENTRIES = ["Executive summary", "Methods", "Appendix A · Questionnaire", "Appendix B · Data cleaning"]


def test_a_contents_page_without_page_numbers_is_flagged():
    bare = text_page(3, ["Contents"] + ENTRIES)
    found = lint.check_contents(ENTRIES, [text_page(1, ["Title"]), bare])
    assert codes(found) == ["contents-no-pages"] and found[0].page == 3
    numbered = Page(3, spans=[line("Contents", 50, 46)]
                    + [line(e, 50, 60 + 14 * i) for i, e in enumerate(ENTRIES)]
                    + [line(str(4 + 3 * i), 520, 60 + 14 * i, line_id=9000 + i) for i in range(len(ENTRIES))])
    assert lint.check_contents(ENTRIES, [numbered]) == []


def test_a_missing_outline_or_entries_without_pages_are_flagged():
    assert codes(lint.check_outline([], 5)) == ["outline-missing"]
    assert codes(lint.check_outline([(1, "Summary", 1), (1, "Methods", -1)], 5)) == ["outline-missing"]
    assert lint.check_outline([(1, "Summary", 1), (2, "Methods", 3)], 5) == []


def test_every_check_has_codes_and_lint_runs_them_all():
    assert set(lint.CHECKS) >= {"cut_tables", "overlaps", "font_sizes", "blank_pages", "fonts", "forbidden_text",
                                "english_in_zh", "contents", "outline"}
    doc = PdfDocument([text_page(1, ["Everything fine here."])], [(1, "Summary", 1)])
    assert lint.lint(doc, HtmlReport()) == []
    with pytest.raises(ValueError, match="unknown checks"):
        lint.lint(doc, HtmlReport(), only=["spelling"])


# ---- real documents ------------------------------------------------------------------------------------------------
def _mpl_pdf(path: Path, fonttype: int, overlap: bool = False, tiny: bool = False) -> Path:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with matplotlib.rc_context({"pdf.fonttype": fonttype}):
        fig, ax = plt.subplots(figsize=(5, 3))
        ax.plot([0, 1], [0, 1])
        ax.text(0.2, 0.5, "Satisfaction", fontsize=10)
        if overlap:
            ax.text(0.22, 0.5, "Loyalty index", fontsize=10)
        if tiny:
            ax.text(0.2, 0.2, "tiny label", fontsize=4)
        fig.savefig(path, format="pdf")
        plt.close(fig)
    return path


def test_matplotlib_pdfs_type3_tiny_and_overlapping_text(tmp_path):
    t3 = lint.extract_pdf(_mpl_pdf(tmp_path / "t3.pdf", 3, overlap=True, tiny=True)).pages
    assert "font-type3" in codes(lint.check_fonts(t3))
    assert "text-overlap" in codes(lint.check_overlaps(t3))
    small = lint.check_font_sizes(t3)
    assert codes(small) == ["font-small"] and "tiny label" in small[0].text
    clean = lint.extract_pdf(_mpl_pdf(tmp_path / "t42.pdf", 42)).pages
    assert lint.check_fonts(clean) == [] and lint.check_overlaps(clean) == [] and lint.check_font_sizes(clean) == []


def _pymupdf_report(d: Path, lines: list[str], toc: bool = True, page_count: int = 1) -> Path:
    """A report directory with a report.pdf made by PyMuPDF (text lines, optionally an outline) and a
    report.html with one table whose header the PDF prints."""
    import pymupdf

    d.mkdir(parents=True, exist_ok=True)
    doc = pymupdf.open()
    for _ in range(page_count):
        page = doc.new_page(width=595, height=842)
        for i, t in enumerate(lines):
            page.insert_text((60, 80 + 14 * i), t, fontsize=10, fontname="helv")
        for i in range(40):
            page.insert_text((60, 260 + 12 * i), f"Row {i} of the table body, with its numbers 1.{i:02d}", fontsize=9)
    if toc:
        doc.set_toc([[1, "Summary", 1]])
    doc.save(d / "report.pdf")
    (d / "report.html").write_text(
        "<html lang='en'><body><figure><table><thead><tr><th>item</th><th>mean</th></tr></thead>"
        "<tbody><tr><td>sat1</td><td>7.2</td></tr></tbody></table><figcaption>Table 1. Items</figcaption></figure>"
        "</body></html>", encoding="utf-8")
    return d


def test_command_line_exit_status(tmp_path, capsys):
    clean = _pymupdf_report(tmp_path / "reports" / "clean", ["Summary", "item   mean", "sat1   7.2"])
    assert lint.main([str(clean)]) == 0
    bad = _pymupdf_report(tmp_path / "reports" / "bad", ["Summary", "item   mean", "sat1   <NA>", "skew -0.00"],
                          toc=False)
    assert lint.main([str(bad)]) == 1
    out = capsys.readouterr().out
    assert "raw-value" in out and "negative-zero" in out and "outline-missing" in out
    assert lint.main([str(tmp_path / "reports" / "none")]) == 2


DEFECTS_HTML = """<!doctype html><html lang="en"><head><meta charset="utf-8"><style>
@page { size: A4; margin: 18mm 16mm 20mm 16mm; }
body { font-family: 'Noto Sans', 'DejaVu Sans', sans-serif; font-size: 10pt; margin: 0; }
.page { break-before: page; }
.clip { width: 60mm; overflow: hidden; }
.clip table { white-space: nowrap; }
</style></head><body>
<nav class="csat-print-toc"><h1>Contents</h1><ol>
<li>Executive summary</li><li>Methods</li><li>Appendix A · Questionnaire</li><li>Appendix B · Data cleaning</li>
<li>Appendix C · Descriptive statistics</li></ol></nav>
<section class="page"><h1>Executive summary</h1>
<p>Excluded: &lt;NA&gt;; attention check passed: True; skew -0.00; df 365.000; data /work/shared/demo.csv.</p>
<p style="font-size:4pt">A path label printed at four points.</p>
<figure><div class="clip"><table><thead><tr><th>dimension</th><th>mean gap</th><th>t statistic</th>
<th>degrees of freedom</th><th>Holm adjusted p</th><th>ratio of means</th></tr></thead>
<tbody><tr><td>tangibles</td><td>0.12</td><td>2.31</td><td>528</td><td>0.041</td><td>1.02</td></tr></tbody>
</table></div><figcaption>Table 1. Service gaps</figcaption></figure></section>
<section class="page"><p>A page with one line.</p></section>
<section class="page"><h1>Methods</h1>""" + "<p>Ordinary text of the methods section, long enough to fill lines.</p>" * 40 + """
</section></body></html>"""

CLEAN_HTML = """<!doctype html><html lang="en"><head><meta charset="utf-8"><style>
@page { size: A4; margin: 18mm 16mm 20mm 16mm; }
body { font-family: 'Noto Sans', 'DejaVu Sans', sans-serif; font-size: 10pt; margin: 0; }
</style></head><body><h1>Executive summary</h1>
<figure><table><thead><tr><th>dimension</th><th>gap</th><th>Holm p</th></tr></thead>
<tbody><tr><td>tangibles</td><td>-0.12</td><td>0.041</td></tr></tbody></table>
<figcaption>Table 1. Service gaps</figcaption></figure>""" + "<p>Ordinary text, n = 546, df = 365.</p>" * 30 + """
</body></html>"""


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """The two HTML documents above printed by the project's Chromium printer (one Chromium)."""
    from csat.report.pdf import Chromium

    base = tmp_path_factory.mktemp("lint")
    out = {}
    with Chromium(timeout=120) as chromium:
        for name, html in (("defects", DEFECTS_HTML), ("clean", CLEAN_HTML)):
            d = base / "reports" / name
            d.mkdir(parents=True)
            (d / "report.html").write_text(html, encoding="utf-8")
            chromium.print_pdf(d / "report.html", d / "report.pdf")
            out[name] = d
    return out


def test_a_printed_document_with_defects_is_flagged(printed):
    found = lint.lint_report(printed["defects"])
    got = set(codes(found))
    assert {"table-cut", "raw-value", "negative-zero", "count-decimals", "abs-path", "font-small", "page-blank",
            "contents-no-pages", "outline-missing"} <= got, "\n".join(map(str, found))
    cut = next(f for f in found if f.code == "table-cut")
    assert "Holm adjusted p" in cut.text or "ratio of means" in cut.text


def test_a_clean_printed_document_is_not_flagged(printed):
    found = lint.lint_report(printed["clean"], only=[c for c in lint.CHECKS if c != "outline"])
    assert found == [], "\n".join(map(str, found))


def test_extract_html_reads_the_printed_tables_contents_and_figure_dpi(tmp_path):
    import base64

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(4, 2))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120)
    plt.close(fig)
    png = base64.b64encode(buf.getvalue()).decode("ascii")
    (tmp_path / "report.html").write_text(f"""<html lang="zh"><head><style>
    @media print {{ .csat-web-only {{ display: none; }} .x {{ color: red }} }}</style></head><body>
    <nav class="csat-print-toc"><ol><li><a class="csat-toc-line"><span class="csat-toc-text">摘要</span>
    <span class="csat-toc-page">1</span></a><ol><li>子节 <span class="csat-toc-page">2</span></li></ol></li></ol></nav>
    <figure><table class="csat-screen-only"><thead><tr><th>a</th><th>b</th><th>c</th></tr></thead></table>
    <div class="csat-print-split"><table><thead><tr><th>a</th><th>b</th></tr></thead>
    <tbody><tr><td>1</td><td>2</td></tr></tbody></table></div><figcaption>表 1 分表</figcaption></figure>
    <div class="csat-web-only"><table><tr><th>hidden</th></tr></table></div>
    <img src="data:image/png;base64,{png}"></body></html>""", encoding="utf-8")
    h = lint.extract_html(tmp_path / "report.html")
    assert h.language == "zh"
    assert h.tables == [HtmlTable("表 1 分表", ["a", "b"], [["1", "2"]])]
    assert h.contents == ["摘要", "子节"]
    assert h.png_dpi == {(480, 240): pytest.approx(120, abs=0.1)}


@pytest.mark.parametrize("house_fonts", [False, True])
@pytest.mark.parametrize("size", [6, 10])
def test_the_text_size_of_a_raster_figure_is_measured_from_its_letters(size, house_fonts):
    """Measured in matplotlib's default font and in the report's own (csat.viz.plots.setup_fonts: Noto Sans
    first), whichever the rest of the session left set; the measurement is within 25 % (Noto Sans at 6 pt
    measures about 20 % large)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    with matplotlib.rc_context():
        if house_fonts:
            from csat.viz.plots import setup_fonts
            setup_fonts()
        else:
            matplotlib.rcParams["font.family"] = ["DejaVu Sans"]
        fig = plt.figure(figsize=(6, 3), dpi=100)
        for i in range(6):
            fig.text(0.05, 0.1 + 0.14 * i, f"Overall Satisfaction {i} Quality HTMT 0.93 Loyalty", fontsize=size)
        fig.canvas.draw()
    gray = np.asarray(fig.canvas.buffer_rgba())[:, :, :3].mean(axis=2)
    plt.close(fig)
    em = lint.text_size_px(gray)
    assert em == pytest.approx(size * 100 / 72, rel=0.25)
    assert lint.text_size_px(np.full((200, 200), 255)) is None             # no letters


def test_a_figure_drawn_with_small_text_inside_is_flagged_by_its_measured_letters():
    # a path diagram pasted into a figure: printed at full size, yet its letters measure 4 pt
    diagram = Page(35, images=[Image((50, 100, 50 + 7 * 72, 200), 1050, 280, text_px=4.0 * 1050 / (7 * 72))])
    found = lint.check_raster_figures([diagram], {(1050, 280): 150.0})
    assert codes(found) == ["figure-shrunk"] and "measure 4.0 pt" in found[0].text
    ok = Page(1, images=[Image((50, 100, 50 + 7 * 72, 200), 1050, 280, text_px=9.0 * 1050 / (7 * 72))])
    assert lint.check_raster_figures([ok], {(1050, 280): 150.0}) == []


def test_a_column_without_any_value_is_flagged():
    seg = HtmlTable("Table 49. Choice of the number of segments", ["k", "silhouette", "bic"],
                    [["2", "0.31", ""], ["3", "0.28", ""], ["4", "0.22", ""]])
    notes = HtmlTable("Table 22. Items", ["item", "r.drop", "note"], [["sat1", "0.71", ""], ["sat2", "0.65", "low"]])
    found = lint.check_empty_columns([seg, notes], [text_page(38, ["Table 49. Choice of the number of segments"])])
    assert codes(found) == ["empty-column"] and "'bic'" in found[0].text and found[0].page == 38
