"""Figures: Chinese and English labels render with real glyphs (checked in the saved SVG and in the fonts)."""
from __future__ import annotations

import re
import warnings
import xml.etree.ElementTree as ET

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib import font_manager as fm  # noqa: E402
from matplotlib.ft2font import FT2Font  # noqa: E402

from csat.stats import descriptives as D  # noqa: E402
from csat.viz import plots as P  # noqa: E402

ZH_ITEMS = {"q1": "总体满意度", "q2": "服务质量很好", "q3": "Price is fair"}
ZH_CONSTRUCTS = {"SAT": "满意度", "VAL": "Perceived value 感知价值"}
IC = {"q1": "SAT", "q2": "SAT", "q3": "VAL"}
SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def cjk():
    return P.use_style()


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    return pd.DataFrame({q: rng.integers(1, 6, 60) for q in IC}).astype(float)


def _svg_texts(path):
    """(text, font-family) of every <text> element of an SVG saved with svg.fonttype='none'."""
    out = []
    for el in ET.parse(path).getroot().iter(f"{SVG_NS}text"):
        txt = "".join(el.itertext())
        m = re.search(r"font-family:\s*([^;\"]+)", el.get("style", ""))
        fam = m.group(1) if m else ""
        if not fam:
            m = re.search(r"font:[^;]*?px\s+([^;\"]+)", el.get("style", ""))
            fam = m.group(1) if m else ""
        out.append((txt, fam))
    return out


def _assert_font_has_glyphs(text_artist, label):
    """The first CJK font of the label's fallback chain (after the Latin font, Noto Sans, when installed)
    must map every CJK character."""
    fonts = P.fonts_for(text_artist.get_fontproperties())
    assert fonts, label
    cjk_font = next(f for f in fonts if "NotoSans-" not in str(f))
    ft = FT2Font(str(cjk_font), face_index=getattr(cjk_font, "face_index", 0))
    for ch in label:
        if "\u4e00" <= ch <= "\u9fff":
            assert ft.get_char_index(ord(ch)) != 0, (label, ch, str(cjk_font))
    # and every character, Latin included, has a glyph in some font of the chain
    assert all(any(FT2Font(str(f), face_index=getattr(f, "face_index", 0)).get_char_index(ord(ch)) != 0
                   for f in fonts) for ch in label if not ch.isspace())


def _render_and_check(fig, tmp_path, name, labels):
    with warnings.catch_warnings():
        warnings.simplefilter("error")                     # "Glyph ... missing from font(s)" would fail here
        fig.savefig(tmp_path / f"{name}.png", dpi=60)
        P.save_svg(fig, tmp_path / f"{name}.svg")
    assert (tmp_path / f"{name}.png").stat().st_size > 1000
    texts = _svg_texts(tmp_path / f"{name}.svg")
    by_text = {t: f for t, f in texts}
    for lab in labels:
        assert lab in by_text, f"{lab!r} not found as text in the SVG"
        assert "CJK" in by_text[lab] or "Noto Sans SC" in by_text[lab] or "WenQuanYi" in by_text[lab] \
            or "Source Han" in by_text[lab], (lab, by_text[lab])
    artists = {t.get_text(): t for t in fig.findobj(matplotlib.text.Text)}
    for lab in labels:
        _assert_font_has_glyphs(artists[lab], lab)
    assert P.missing_glyphs(fig) == []


def test_setup_fonts_registers_a_cjk_font(cjk):
    assert any(h in cjk for h in ("CJK", "Noto Sans SC", "WenQuanYi", "Source Han"))
    fam = matplotlib.rcParams["font.family"]
    # the Latin font first when installed (English set like the report's text), then the CJK font
    assert fam[fam.index(cjk) - 1:fam.index(cjk)] in ([], [P.LATIN_FONT]) and "DejaVu Sans" in fam
    assert (fam[0] == P.LATIN_FONT) == (P.latin_font() is not None)
    path = fm.findfont(fm.FontProperties(family=[cjk]), fallback_to_default=False)
    ft = FT2Font(str(path), face_index=getattr(path, "face_index", 0))
    assert all(ft.get_char_index(ord(ch)) != 0 for ch in "满意度忠诚感知价值")


def test_likert_chart_renders_chinese_and_english(cjk, data, tmp_path):
    dist = D.item_distribution(data, list(IC), 1, 5)
    fig = P.likert_chart(dist, IC, item_labels=ZH_ITEMS, construct_labels=ZH_CONSTRUCTS,
                         value_labels={1.0: "非常不满意", 5.0: "非常满意"}, xlabel="回答比例 (%)")
    labels = list(ZH_ITEMS.values()) + list(ZH_CONSTRUCTS.values()) + ["非常不满意", "回答比例 (%)"]
    _render_and_check(fig, tmp_path, "likert", labels)
    # one panel per construct, items in order, bars add to 100% per item
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["满意度", "Perceived value 感知价值"]
    ax = fig.axes[0]
    widths = np.array([[p.get_width() for p in c] for c in ax.containers])   # categories x items
    assert widths.sum(axis=0) == pytest.approx([100, 100])
    # the neutral category (3 on 1..5) straddles 0
    neutral = ax.containers[2]
    for bar in neutral:
        assert bar.get_x() == pytest.approx(-bar.get_width() / 2)
    plt.close(fig)


def test_heatmap_renders_chinese_and_english(cjk, data, tmp_path):
    sc = pd.DataFrame({"SAT": data[["q1", "q2"]].mean(axis=1), "VAL": data["q3"]})
    mats = {"Pearson": D.correlation_matrix(sc), "Spearman 等级": D.correlation_matrix(sc, "spearman")}
    fig = P.correlation_heatmap(mats, {"SAT": "满意度", "VAL": "Value"})
    _render_and_check(fig, tmp_path, "heat", ["满意度", "Value", "Spearman 等级"])
    ann = [t.get_text() for t in fig.axes[0].texts]
    assert ann[0] == "1.00" and ann[1] == f"{mats['Pearson'].iloc[0, 1]:.2f}"
    plt.close(fig)


def test_missing_glyphs_detects_a_latin_only_font(cjk):
    fig, ax = plt.subplots()
    ax.set_title("满意度", fontfamily="DejaVu Sans")
    ax.set_xlabel("cost $")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert ("满意度", "满") in P.missing_glyphs(fig)
    assert not any(t == "cost $" for t, _ in P.missing_glyphs(fig))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        diags = P.glyph_diagnostics(fig)
    d = next(d for d in diags if d.where == "满意度")
    assert (d.code, d.severity) == ("missing_glyph", "warning")
    assert d.message == "The character '满' has no glyph in the chart fonts."
    assert d.message_zh == "字符 '满' 在图表字体中没有字形。"
    plt.close(fig)


def test_likert_axis_label_in_the_study_language(cjk, data):
    dist = D.item_distribution(data, list(IC), 1, 5)
    for language, label in (("en", "Share of answers (%)"), ("zh", "回答比例（%）"), ("zh-Hant", "回答比例（%）")):
        fig = P.likert_chart(dist, IC, language=language)
        assert fig.axes[-1].get_xlabel() == label
        plt.close(fig)


def test_setup_fonts_error_names_the_package(monkeypatch):
    latin = [f for f in fm.fontManager.ttflist if not P._is_cjk_name(f.name)]
    monkeypatch.setattr(fm.fontManager, "ttflist", latin)
    monkeypatch.setattr(P, "DEBIAN_CJK_FONTS", ())
    monkeypatch.setattr(fm, "findSystemFonts", lambda *a, **k: [])
    with pytest.raises(P.FontNotFoundError, match="apt-get install fonts-noto-cjk"):
        P.setup_fonts()


def test_value_labels_and_dollar_escaping(cjk):
    assert P.value_labels_from({"Very poor": 1, "Excellent": 5}) == {1.0: "Very poor", 5.0: "Excellent"}
    both = {"Very poor": 1, "很差": 1, "Excellent": 5, "很好": 5}
    assert P.value_labels_from(both, "zh") == {1.0: "很差", 5.0: "很好"}
    assert P.value_labels_from(both, "en") == {1.0: "Very poor", 5.0: "Excellent"}
    assert P.value_labels_from({"Very poor": 1, "满意": 5}, "zh-Hant") == {1.0: "Very poor", 5.0: "滿意"}
    dist = D.item_distribution(pd.DataFrame({"a": [1.0, 2, 5]}), ["a"], 1, 5)
    fig = P.likert_chart(dist, {"a": "C"}, item_labels={"a": "costs $5 and $6"})
    assert fig.axes[0].get_yticklabels()[0].get_text() == r"costs \$5 and \$6"
    plt.close(fig)


# ---- figures drawn for the printed page: labels placed without collisions -------------------------------
def _boxes_overlap(a, b) -> bool:
    return min(a.x1, b.x1) - max(a.x0, b.x0) > 0.5 and min(a.y1, b.y1) - max(a.y0, b.y0) > 0.5


def test_place_labels_keeps_labels_inside_the_frame_and_off_dots_and_each_other(cjk):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 4))
    # a crowded cluster, a point at the right edge and one at the top edge
    xs = [0.50, 0.52, 0.55, 0.53, 0.99, 0.20, 0.51]
    ys = [0.50, 0.52, 0.49, 0.47, 0.50, 0.99, 0.54]
    texts = ["Perceived quality", "Expectations", "Image", "Loyalty", "Right edge label", "Top", "Value"]
    ax.scatter(xs, ys, s=50)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    fig.tight_layout()
    corners = P.corner_labels(ax, {"upper left": "Possible overkill", "lower right": "Concentrate here"})
    labels = P.place_labels(ax, xs, ys, texts, fontsize=8, avoid=corners.values())
    r = fig.canvas.get_renderer()
    frame = ax.get_window_extent(r)
    boxes = [t.get_window_extent(r) for t in labels]
    dots = ax.transData.transform(list(zip(xs, ys)))
    rad = 4 * fig.dpi / 72
    for b in boxes:
        assert frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 and b.y1 <= frame.y1
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not _boxes_overlap(a, b)
        for x, y in dots:
            assert not (a.x0 < x + rad and x - rad < a.x1 and a.y0 < y + rad and y - rad < a.y1)
        for c in corners.values():
            assert min(a.x1, c[2]) - max(a.x0, c[0]) <= 0.5 or min(a.y1, c[3]) - max(a.y0, c[1]) <= 0.5
    # the corner names sit inside the frame, off its lines
    for c in corners.values():
        assert frame.x0 < c[0] and c[2] < frame.x1 and frame.y0 < c[1] and c[3] < frame.y1
    plt.close(fig)


def test_heatmap_panels_do_not_overlap_and_print_at_the_text_width(cjk):
    import matplotlib.pyplot as plt

    names = ["Image", "Expectations", "Perceived quality", "Perceived value", "Satisfaction", "Complaints", "Loyalty"]
    R = pd.DataFrame(np.eye(7), index=names, columns=names)
    fig = P.correlation_heatmap({"Pearson": R, "Spearman": R}, {})
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    first, second = fig.axes[0], fig.axes[1]
    # the second panel has no row labels; nothing of the first panel's labels reaches into the second
    assert not [t for t in second.get_yticklabels() if t.get_text()]
    right = max(t.get_window_extent(r).x1 for t in first.get_xticklabels() + first.get_yticklabels())
    assert right <= second.get_window_extent(r).x0 + 40 * fig.dpi / 72    # rotated x labels may lean a little
    assert fig.get_size_inches()[0] <= P.PRINT_WIDTH + 1e-9
    texts = [t for t in fig.findobj(matplotlib.text.Text) if t.get_text() and t.get_visible()]
    assert min(t.get_fontsize() for t in texts) >= 7
    plt.close(fig)
