"""csat.report.pdf: Chromium missing or dying is a clear error that leaves no PDF behind; an interrupted
print leaves no Chromium process and no browser profile behind."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from csat.core.errors import ReportError
from csat.report import pdf

from procwatch import alive as _alive


def test_missing_chromium_message(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("CSAT_CHROMIUM", raising=False)
    with pytest.raises(ReportError, match="apt-get install chromium fonts-noto-core fonts-wqy-microhei fonts-noto-cjk poppler-utils"):
        pdf.find_chromium()


def test_a_chromium_that_dies_is_a_clear_error_and_leaves_nothing(tmp_path, monkeypatch):
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\necho 'no display, giving up' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setenv("CSAT_CHROMIUM", str(fake))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))      # Chromium's profile goes here
    (tmp_path / "r.html").write_text("<html><body>x</body></html>")
    with pytest.raises(ReportError, match="Chromium ended before printing the PDF: no display, giving up"):
        pdf.html_to_pdf(tmp_path / "r.html", tmp_path / "r.pdf", timeout=30)
    assert not (tmp_path / "r.pdf").exists() and not list(tmp_path.glob("csat-chromium-*"))


FAKE_CHROMIUM = """#!/bin/sh
sleep 300 &
echo $! > "$CSAT_TEST_DIR/helper.pid"
echo $$ > "$CSAT_TEST_DIR/chromium.pid"
for a in "$@"; do case "$a" in --user-data-dir=*) echo "${a#--user-data-dir=}" > "$CSAT_TEST_DIR/profile";; esac; done
sleep 300
"""


def test_an_interrupted_pdf_print_leaves_no_chromium_and_no_profile(tmp_path):
    fake = tmp_path / "chromium"
    fake.write_text(FAKE_CHROMIUM)
    fake.chmod(0o755)
    (tmp_path / "r.html").write_text("<html></html>")
    env = dict(os.environ, CSAT_CHROMIUM=str(fake), CSAT_TEST_DIR=str(tmp_path), TMPDIR=str(tmp_path))
    code = ("from csat.report import pdf; pdf.exit_cleanly_on_sigterm(); "
            f"pdf.html_to_pdf({str(tmp_path / 'r.html')!r}, {str(tmp_path / 'r.pdf')!r})")
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.PIPE, text=True)
    for _ in range(300):
        if (tmp_path / "profile").is_file() and (tmp_path / "helper.pid").is_file():
            break
        time.sleep(0.1)
    profile = Path((tmp_path / "profile").read_text().strip()).parent
    assert profile.is_dir() and profile.name.startswith(f"csat-chromium-{proc.pid}-")
    chromium, helper = (int((tmp_path / f).read_text()) for f in ("chromium.pid", "helper.pid"))
    proc.send_signal(signal.SIGTERM)                       # make is interrupted while the PDF prints
    proc.wait(timeout=60)
    alive = [p for p in (chromium, helper) if _alive(p)]
    for p in alive:
        os.kill(p, signal.SIGKILL)
    assert proc.returncode == 128 + signal.SIGTERM
    assert alive == [] and not profile.exists() and not (tmp_path / "r.pdf").exists()


def test_stale_chromium_profiles_are_removed(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f"csat-chromium-{dead.pid}-abc"
    live = tmp_path / f"csat-chromium-{os.getpid()}-def"
    other = tmp_path / "someone-else"
    for d in (stale, live, other):
        (d / "profile").mkdir(parents=True)
    assert pdf.remove_stale_profiles(tmp_path) == [stale]
    assert not stale.exists() and live.exists() and other.exists()


def test_with_outline_writes_the_entries_that_have_a_page():
    import pymupdf

    doc = pymupdf.open()
    for _ in range(3):
        doc.new_page()
    data = doc.tobytes()
    out = pdf.with_outline(data, [(1, "Summary", 1), (1, "Appendix B", 2), (2, "Intake", 2),
                                  (1, "Lost", None), (2, "child of lost", 3), (1, "Provenance", 3),
                                  (1, "beyond the end", 9)])
    with pymupdf.open(stream=out, filetype="pdf") as d:
        assert d.get_toc() == [[1, "Summary", 1], [1, "Appendix B", 2], [2, "Intake", 2], [1, "Provenance", 3]]
    assert pdf.with_outline(data, []) == data


def test_fill_toc_js_names_every_page():
    js = pdf.fill_toc_js({"stage-1": 5, "s1-2": 7})
    assert '"stage-1": 5' in js and '"s1-2": 7' in js and "csat-toc-page" in js


def test_fontconfig_leaves_out_cff_fonts(tmp_path, monkeypatch):
    monkeypatch.delenv("FONTCONFIG_FILE", raising=False)
    path = pdf.write_fontconfig(tmp_path)
    text = open(path, encoding="utf-8").read()
    assert "/etc/fonts/fonts.conf" in text and "<string>CFF</string>" in text and "rejectfont" in text
    import shutil
    import subprocess

    if shutil.which("fc-list"):
        listed = subprocess.run(["fc-list", ":", "fontformat"], env=dict(os.environ, FONTCONFIG_FILE=path),
                                capture_output=True, text=True).stdout
        assert "CFF" not in listed


# ---- a figure that a near-empty page left for the next page is set smaller to fit ---------------------------
def _pdf(pages: list[list[tuple]]) -> bytes:
    """A PDF of A4 pages, each a list of ("text", y) lines and ("image", y0, y1, width) pictures."""
    import pymupdf

    doc = pymupdf.open()
    pix = pymupdf.Pixmap(pymupdf.csRGB, pymupdf.IRect(0, 0, 60, 60), False)
    pix.clear_with(200)
    png = pix.tobytes("png")
    for content in pages:
        page = doc.new_page(width=595, height=842)
        for item in content:
            if item[0] == "text":
                page.insert_text((50, item[1]), "A line of ordinary text in the report.", fontsize=10)
            else:
                _, y0, y1, w = item
                page.insert_image(pymupdf.Rect(50, y0, 50 + w, y1), stream=png, keep_proportion=False)
    return doc.tobytes()


FULL = [("text", 60 + 14 * i) for i in range(52)]                     # 60 … 774: the text area


def test_a_figure_left_for_the_next_page_is_fitted_to_the_room_before_it():
    from csat.report import lint

    before = [("text", 60 + 14 * i) for i in range(14)]                  # a quarter of the page, then white
    data = _pdf([FULL, before, [("image", 52, 600, 490), ("text", 630)], FULL])
    fits = pdf.figure_fits(data, [{"rest": 30.0, "drawn": 490.0}])
    pages = lint.extract_pdf(data).pages
    room = lint.text_area(pages)[1] - lint.content_extent(pages[1])[1] - 30 - pdf.FIT_SLACK_PT
    assert list(fits) == [0] and fits[0] == pytest.approx(490 * room / 548, abs=0.2) and fits[0] < 490 * 0.95
    # not when the figure would print below 7/8 of the size it was drawn for (its 8-pt text below 7 pt) …
    assert pdf.figure_fits(data, [{"rest": 30.0, "drawn": 600.0}]) == {}
    assert pdf.figure_fits(_pdf([FULL, before[:3], [("image", 52, 770, 490)], FULL]),
                           [{"rest": 120.0, "drawn": None}]) == {}
    # … nor when the page is full enough, the next page does not open with the figure, or the images are not
    # the figures measured
    assert pdf.figure_fits(_pdf([FULL, FULL[:20], [("image", 52, 560, 490)], FULL]), [{"rest": 30, "drawn": None}]) == {}
    assert pdf.figure_fits(_pdf([FULL, before, [("text", 60), ("image", 80, 560, 490)], FULL]),
                           [{"rest": 30.0, "drawn": None}]) == {}
    assert pdf.figure_fits(data, []) == {}
    assert "data-csat-printed" in pdf.fit_figures_js({3: 400.5}) and "400.5" in pdf.fit_figures_js({3: 400.5})


def _figure_png(width_in: float, height_in: float) -> str:
    import base64
    import io

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(width_in, height_in))
    ax.barh(range(30), range(30))
    ax.set_title("A tall chart")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def test_a_printed_report_leaves_no_near_empty_page_before_a_tall_figure(tmp_path):
    """Text a fifth of a page long, then a figure (with its caption) a little taller than the rest of the
    page: printed as it is, the page would stay 80 % white; the printer sets the figure smaller instead."""
    from csat.report import lint
    from csat.report.pages import css

    text = "<p>Ordinary text of the report, long enough to fill a few lines of the page.</p>" * 5
    html = (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><style>{css()}</style></head>'
            f'<body class="csat-report"><main class="csat-main">{text}'
            f'<figure class="csat-figure"><img class="csat-sized" style="width: 6.50in" src="{_figure_png(6.5, 8.3)}">'
            f'<figcaption class="csat-caption">Figure 1. A tall chart</figcaption></figure>{text * 4}</main></body></html>')
    (tmp_path / "report.html").write_text(html, encoding="utf-8")
    with pdf.Chromium(timeout=120) as chromium:
        chromium.print_pdf(tmp_path / "report.html", tmp_path / "report.pdf")
    pages = lint.extract_pdf(tmp_path / "report.pdf").pages
    assert lint.check_blank_pages(pages) == []
    assert lint.check_raster_figures(pages, lint.extract_html(tmp_path / "report.html").png_dpi) == []
    first = [p for p in pages if p.images][0]
    assert first.number == 1 and first.images[0].bbox[2] - first.images[0].bbox[0] < 6.5 * 72 - 10


# ---- bold Chinese without Type 3 fonts --------------------------------------------------------------------
def test_the_bold_cjk_font_is_a_truetype_subset_of_the_page_characters():
    import io

    from fontTools.ttLib import TTFont

    from csat.report.pages import cjk_bold_font

    data = cjk_bold_font("满意度 Summary，驱动因素")
    font = TTFont(io.BytesIO(data))
    assert "glyf" in font and "CFF " not in font and font.sfntVersion == "\x00\x01\x00\x00"
    assert {ord(c) for c in "满意度，驱动因素"} <= set(font.getBestCmap()) and ord("S") not in font.getBestCmap()
    assert "Bold" in font["name"].getDebugName(4) and "SC" in font["name"].getDebugName(4)
    assert "TC" in TTFont(io.BytesIO(cjk_bold_font("滿意度", traditional=True)))["name"].getDebugName(4)
    assert cjk_bold_font("no Chinese here") is None


def test_a_chinese_heading_prints_bold_with_no_type3_font(tmp_path):
    from csat.report import lint
    from csat.report.pages import css, cjk_print_fonts

    body = "<h1>满意度调查 Summary</h1><p>满意度调查的正文。</p><table><thead><tr><th>维度</th></tr></thead></table>"
    html = (f'<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8"><style>{css()}</style></head>'
            f'<body class="csat-report"><main class="csat-main">{body}</main></body></html>')
    html = html.replace("</head>", cjk_print_fonts(html) + "</head>")
    (tmp_path / "report.html").write_text(html, encoding="utf-8")
    with pdf.Chromium(timeout=120) as chromium:
        chromium.print_pdf(tmp_path / "report.html", tmp_path / "report.pdf")
    pages = lint.extract_pdf(tmp_path / "report.pdf").pages
    assert lint.check_fonts(pages) == []
    fonts = {name.split("+")[-1]: kind for name, kind in pages[0].fonts}
    assert "Type3" not in fonts.values() and fonts.get("NotoSansCJKsc-Bold") in ("Type0", "TrueType")
    bold = {s.text.strip() for s in pages[0].spans if "CJK" in s.font and "Bold" in s.font}
    regular = {s.text.strip() for s in pages[0].spans if "WenQuanYi" in s.font}
    assert "满意度调查" in "".join(bold) and "维度" in "".join(bold) and "正文" in "".join(regular)
