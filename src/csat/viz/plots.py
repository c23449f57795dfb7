"""Shared plotting helpers: a CJK-capable font, one house style, and the survey charts.

Call :func:`setup_fonts` (or :func:`use_style`, which calls it) before drawing: it finds a font
with Chinese glyphs — Debian's ``fonts-noto-cjk`` (Noto Sans CJK SC) or any installed font whose
name contains "CJK", "Noto Sans SC", "WenQuanYi" or "Source Han" — registers it with matplotlib
and puts it first in ``font.family`` with DejaVu Sans as the Latin fallback. If none is found it
raises :class:`FontNotFoundError` telling how to install one.

:func:`missing_glyphs` lists characters of a figure's texts that no font in the text's family
list can draw (matplotlib would show them as empty boxes); :func:`glyph_diagnostics` turns these into
the ``missing_glyph`` diagnostics the notebooks record, and the tests require none.

The few words the charts write themselves (an axis label) are English catalog messages translated
into the chart's ``language`` (:func:`csat.core.i18n.tr`, ``csat/locale/zh/02_descriptives.po``).
"""
from __future__ import annotations

import os
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from csat.core.diagnostics import Diagnostic, diagnostic
from csat.core.i18n import N_, is_chinese, localize, tr

DEBIAN_CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)
# family names in order of preference (Simplified Chinese faces first)
CJK_PREFERRED = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
                 "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Noto Sans CJK TC", "Noto Sans CJK JP")
CJK_NAME_HINTS = ("CJK", "Noto Sans SC", "WenQuanYi", "Source Han")
LATIN_FALLBACK = "DejaVu Sans"
#: The Latin font of the report (Debian ``fonts-noto-core``), first in the figures' font list when installed,
#: so that figures are set like the text around them; Chinese glyphs fall back to the CJK font.
LATIN_FONT = "Noto Sans"
DEBIAN_LATIN_FONTS = tuple(f"/usr/share/fonts/truetype/noto/NotoSans-{w}.ttf"
                           for w in ("Regular", "Bold", "Italic", "BoldItalic"))
INSTALL_HINT = "apt-get install fonts-noto-cjk"
#: The report's text width (A4 less 16-mm margins, 178 mm) and the tallest figure a page holds beside its caption
#: (215 mm), in inches: figures are drawn at most this size, so that they print at their own size and their
#: 8–9-pt labels stay 8–9 pt on paper (the report shows a figure at the size it was drawn for).
PRINT_WIDTH = 7.0
PRINT_HEIGHT = 8.4


from csat.core.errors import FontNotFoundError  # noqa: E402,F401  (defined in csat.core.errors; re-exported here)


def _is_cjk_name(name: str) -> bool:
    return any(h.lower() in name.lower() for h in CJK_NAME_HINTS)


def find_cjk_font() -> tuple[str, str]:
    """Return ``(family name, file path)`` of an installed CJK font, registering it with matplotlib.

    Looks at the Debian paths of ``fonts-noto-cjk`` (and WenQuanYi), then at every font matplotlib
    or the system knows whose name contains "CJK", "Noto Sans SC", "WenQuanYi" or "Source Han";
    Simplified Chinese faces are preferred. Raises :class:`FontNotFoundError` if there is none.
    """
    from matplotlib import font_manager as fm

    known = {f.fname for f in fm.fontManager.ttflist}
    for path in DEBIAN_CJK_FONTS:
        if os.path.isfile(path) and path not in known:
            fm.fontManager.addfont(path)
            known.add(path)
    if not any(_is_cjk_name(f.name) for f in fm.fontManager.ttflist):
        # the font cache may predate the font's installation: scan the system's font files
        for path in fm.findSystemFonts():
            base = os.path.basename(path).lower()
            if path not in known and any(k in base for k in ("cjk", "wqy", "sourcehan", "notosanssc", "wenquanyi")):
                try:
                    fm.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue
    cands = [f for f in fm.fontManager.ttflist if _is_cjk_name(f.name) and f.style == "normal"]
    if not cands:
        raise FontNotFoundError(
            "No CJK font found for Chinese labels (looked for Noto Sans CJK, Noto Sans SC, WenQuanYi, "
            f"Source Han). Install one, e.g. `{INSTALL_HINT}`, then rerun.")

    def rank(f):
        pref = CJK_PREFERRED.index(f.name) if f.name in CJK_PREFERRED else len(CJK_PREFERRED)
        mono = "Mono" in f.name
        return (pref, mono, abs(int(f.weight) - 400) if str(f.weight).isdigit() else 0, f.name)

    best = min(cands, key=rank)
    return best.name, str(best.fname)


def latin_font() -> str | None:
    """The report's Latin font (:data:`LATIN_FONT`, Debian ``fonts-noto-core``) registered with matplotlib,
    or None when it is not installed (the figures then use the CJK font's Latin glyphs)."""
    from matplotlib import font_manager as fm

    known = {f.fname for f in fm.fontManager.ttflist}
    for path in DEBIAN_LATIN_FONTS:
        if os.path.isfile(path) and path not in known:
            fm.fontManager.addfont(path)
    return LATIN_FONT if any(f.name == LATIN_FONT for f in fm.fontManager.ttflist) else None


def setup_fonts() -> str:
    """Make matplotlib draw Chinese and Latin text; return the CJK family name used.

    Sets ``font.family`` to ``["Noto Sans", <CJK family>, "DejaVu Sans"]`` (matplotlib falls back glyph by
    glyph along the list; Noto Sans only when installed, :func:`latin_font`) and ``axes.unicode_minus`` so the minus sign renders in either font.
    Raises :class:`FontNotFoundError` (message: ``apt-get install fonts-noto-cjk``) if no CJK
    font is installed.
    """
    import matplotlib as mpl

    name, _ = find_cjk_font()
    families = [f for f in (latin_font(), name, LATIN_FALLBACK) if f]
    mpl.rcParams["font.family"] = families
    mpl.rcParams["font.sans-serif"] = families + [f for f in mpl.rcParams["font.sans-serif"] if f not in families]
    mpl.rcParams["axes.unicode_minus"] = True
    mpl.rcParams["svg.fonttype"] = "none"
    return name


def use_style() -> str:
    """The house style (white background, light grid, no top/right spines) plus :func:`setup_fonts`."""
    import matplotlib as mpl

    mpl.rcParams.update({
        "figure.dpi": 100, "savefig.dpi": 150, "figure.facecolor": "white", "axes.facecolor": "white",
        "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True, "grid.color": "#dddddd",
        "grid.linewidth": 0.6, "axes.axisbelow": True, "axes.titlesize": 11, "axes.labelsize": 10,
        "xtick.labelsize": 9, "ytick.labelsize": 9, "legend.fontsize": 9, "legend.frameon": False,
    })
    return setup_fonts()


def _escape(text: str) -> str:
    """Escape ``$`` so user text is never parsed as mathtext."""
    return str(text).replace("$", r"\$")


def fonts_for(prop) -> list:
    """The font files matplotlib uses, in fallback order, for a :class:`FontProperties`."""
    from matplotlib import font_manager as fm

    finder = getattr(fm.fontManager, "_find_fonts_by_props", None)
    if finder is not None:
        return list(finder(prop))
    return [fm.findfont(prop)]


def missing_glyphs(fig) -> list[tuple[str, str]]:
    """Characters in the figure's texts that none of the text's fonts can draw.

    For every non-empty :class:`matplotlib.text.Text` of the figure, each printable character
    is looked up with ``FT2Font(path, face_index).get_char_index(ord(ch))`` in the fonts of the
    text's font list (the fallback chain matplotlib renders with); a character that maps to
    glyph 0 in all of them is missing. Returns ``[(text, char), ...]`` (empty when all render).
    Mathtext strings (``$...$``) are skipped.
    """
    from matplotlib.ft2font import FT2Font
    from matplotlib.text import Text

    cache: dict = {}
    out = []
    for t in fig.findobj(Text):
        s = t.get_text()
        if not s or not t.get_visible() or (s.count("$") >= 2 and "\\$" not in s):
            continue
        paths = fonts_for(t.get_fontproperties())
        fonts = []
        for p in paths:
            key = (str(p), getattr(p, "face_index", 0))
            if key not in cache:
                cache[key] = FT2Font(str(p), face_index=key[1])
            fonts.append(cache[key])
        for ch in dict.fromkeys(s.replace("\\$", "$")):
            if not ch.isprintable() or ch.isspace():
                continue
            if not any(f.get_char_index(ord(ch)) != 0 for f in fonts):
                out.append((s, ch))
    return out


def glyph_diagnostics(fig) -> list[Diagnostic]:
    """One ``missing_glyph`` warning per character of :func:`missing_glyphs` (``where``: the text
    that holds it), for the stage's diagnostics."""
    return [diagnostic("missing_glyph", "warning", text, N_("The character {ch!r} has no glyph in the chart fonts."),
                       ch=ch)
            for text, ch in missing_glyphs(fig)]


def _diverging_colors(k: int, neutral: bool):
    from matplotlib import colormaps

    cmap = colormaps["RdBu"]
    cols = [cmap(v) for v in np.linspace(0.08, 0.92, k)]
    if neutral:
        cols[k // 2] = (0.82, 0.82, 0.82, 1.0)
    return cols


def likert_chart(dist: pd.DataFrame, item_construct: Mapping[str, str], *,
                 item_labels: Mapping[str, str] | None = None,
                 construct_labels: Mapping[str, str] | None = None,
                 value_labels: Mapping[float, str] | None = None,
                 xlabel: str | None = None, width: float = PRINT_WIDTH, language: str = "en"):
    """Diverging stacked bar chart of every item's answer distribution, one panel per construct.

    ``dist`` is :func:`csat.stats.descriptives.item_distribution` output (``item, value, share``). Per
    item the lower half of the scale points is stacked to the left of 0 and the upper half to
    the right; with an odd number of points the middle (neutral) category is split across 0 and
    drawn grey. Items keep their order inside a construct (first item on top); each construct is
    a panel titled with its label. The x axis is labelled ``xlabel``, by default "Share of answers (%)"
    in ``language``. Returns the figure.
    """
    import matplotlib.pyplot as plt

    item_labels = item_labels or {}
    construct_labels = construct_labels or {}
    value_labels = value_labels or {}
    items = [i for i in item_construct if i in set(dist["item"])]
    if not items:
        raise ValueError("likert_chart: no item of item_construct is in the distribution table")
    pts = np.sort(dist["value"].unique())
    k = len(pts)
    neutral = k % 2 == 1
    mid = k // 2
    cols = _diverging_colors(k, neutral)
    wide = dist.pivot_table(index="item", columns="value", values="share", aggfunc="sum").reindex(columns=pts).fillna(0.0)
    constructs = list(dict.fromkeys(item_construct[i] for i in items))
    heights = [sum(item_construct[i] == c for i in items) for c in constructs]
    # rows as tight as 8-pt labels allow, so that the chart, its legend and caption fit one page
    fig, axes = plt.subplots(len(constructs), 1, figsize=(width, 0.8 + 0.18 * sum(heights) + 0.34 * len(constructs)),
                             sharex=True, squeeze=False, gridspec_kw={"height_ratios": [h + 0.6 for h in heights]})
    handles = None
    for ax, c in zip(axes[:, 0], constructs):
        its = [i for i in items if item_construct[i] == c]
        sh = 100 * wide.loc[its].to_numpy()
        left_total = sh[:, :mid].sum(axis=1) + (sh[:, mid] / 2 if neutral else 0)
        start = -left_total
        y = np.arange(len(its))[::-1]
        bars = []
        for j in range(k):
            bars.append(ax.barh(y, sh[:, j], left=start, color=cols[j], edgecolor="white", linewidth=0.4, height=0.75))
            start = start + sh[:, j]
        handles = bars
        ax.axvline(0, color="#444444", linewidth=0.8)
        ax.set_yticks(y, [_escape(item_labels.get(i, i)) for i in its], fontsize=8)
        ax.set_title(_escape(construct_labels.get(c, c)), loc="left", fontweight="bold", fontsize=9)
        ax.grid(axis="y", visible=False)
        ax.set_ylim(-0.6, len(its) - 0.4)
    lim = 100
    for ax in axes[:, 0]:
        ax.set_xlim(-lim, lim)
    ticks = np.arange(-100, 101, 25)
    axes[-1, 0].set_xticks(ticks, [f"{abs(t):g}" for t in ticks])
    axes[-1, 0].set_xlabel(_escape(tr("Share of answers (%)", language) if xlabel is None else xlabel))
    leg = [_escape(value_labels.get(v, f"{v:g}")) for v in pts]
    fig.legend(handles, leg, loc="lower center", ncol=min(k, 11), bbox_to_anchor=(0.5, -0.01),
               handlelength=1.2, columnspacing=0.8, frameon=False)
    fig.tight_layout(rect=(0, min(0.5 / fig.get_figheight(), 0.2), 1, 1))
    return fig


def correlation_heatmap(matrices: Mapping[str, pd.DataFrame], labels: Mapping[str, str] | None = None,
                        *, digits: int = 2, width: float = PRINT_WIDTH):
    """Heatmaps of square correlation matrices side by side (e.g. ``{"Pearson": R, "Spearman": S}``).

    Colour scale RdBu from −1 to 1, each cell annotated with its value; tick labels are the
    construct labels, the row labels on the first panel only (the panels share their rows, so that no
    panel's labels reach into its neighbour).  Drawn with ``seaborn.heatmap`` (one shared colour bar)
    ``width`` inches wide (the text width) with a constrained layout.  Returns the figure.
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    labels = labels or {}
    m = len(matrices)
    k = max((len(R.columns) for R in matrices.values()), default=1)
    # the cells carry 7–8-pt numbers: smaller type for many constructs, never below 7 pt
    annot = 8 if k * m <= 16 else 7
    side = max(2.0, (width - 1.8) / max(m, 1))                 # one square panel's side
    fig, axes = plt.subplots(1, m, figsize=(width, side + 1.6), squeeze=False, layout="constrained")
    for j, (ax, (title, R)) in enumerate(zip(axes[0], matrices.items())):
        names = [_escape(labels.get(c, c)) for c in R.columns]
        sns.heatmap(R.astype(float), ax=ax, cmap="RdBu_r", vmin=-1, vmax=1, cbar=False, square=True,
                    annot=True, fmt=f".{digits}f", annot_kws={"fontsize": annot},
                    xticklabels=names, yticklabels=names if j == 0 else False)
        ax.set_xticklabels(ax.get_xticklabels(), rotation=45, ha="right", fontsize=8)
        if j == 0:
            ax.set_yticklabels(ax.get_yticklabels(), rotation=0, fontsize=8)
        ax.set_xlabel("")
        ax.set_ylabel("")
        ax.set_title(_escape(title))
    cb = fig.colorbar(axes[0][0].collections[0], ax=list(axes[0]), shrink=0.8)
    cb.ax.tick_params(labelsize=8)
    return fig


def _overlap(a, b) -> float:
    """Area shared by two display-space boxes ``(x0, y0, x1, y1)``."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


#: Where a point's label may go, in points from the point (dx, dy, ha, va), nearest first.
_LABEL_SPOTS = tuple((f * dx, f * dy, ha, va) for f in (1.0, 1.8, 2.8) for dx, dy, ha, va in (
    (5, 4, "left", "bottom"), (5, -4, "left", "top"), (-5, 4, "right", "bottom"), (-5, -4, "right", "top"),
    (0, 7, "center", "bottom"), (0, -7, "center", "top"), (7, 0, "left", "center"), (-7, 0, "right", "center")))


def place_labels(ax, xs, ys, texts, *, fontsize: float = 8, marker_pt: float = 8.0, avoid=(), pad_pt: float = 2.0,
                 **text_kw) -> list:
    """Label the points ``(xs, ys)`` of ``ax`` with ``texts`` where no label covers a point, another label,
    a box of ``avoid`` (display-space ``(x0, y0, x1, y1)``, e.g. the quadrant names) or the axes frame.

    A small deterministic placer: each label, in the order given, tries the spots of :data:`_LABEL_SPOTS`
    (beside its point, then farther off) and takes the first without any conflict, else the one with the
    least overlap; the axes limits and the figure size must be final (call after the layout).  Points are
    ``marker_pt`` points across.  Returns the :class:`matplotlib.text.Text` objects."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    to_px = fig.dpi / 72.0
    frame = ax.get_window_extent(renderer)
    pad = pad_pt * to_px
    inner = (frame.x0 + pad, frame.y0 + pad, frame.x1 - pad, frame.y1 - pad)
    pts = ax.transData.transform(np.column_stack([np.asarray(xs, float), np.asarray(ys, float)]))
    r = marker_pt / 2 * to_px + 1
    dots = [(x - r, y - r, x + r, y + r) for x, y in pts]
    taken = [tuple(b) for b in avoid]
    out = []
    for (px, py), (x, y), text in zip(pts, zip(xs, ys), texts):
        best = None
        for dx, dy, ha, va in _LABEL_SPOTS:
            t = ax.annotate(_escape(text), (x, y), textcoords="offset points", xytext=(dx, dy), ha=ha, va=va,
                            fontsize=fontsize, **text_kw)
            bb = t.get_window_extent(renderer)
            box = (bb.x0 - 1, bb.y0 - 1, bb.x1 + 1, bb.y1 + 1)
            outside = (max(0, inner[0] - box[0]) + max(0, box[2] - inner[2])) * (box[3] - box[1]) + \
                      (max(0, inner[1] - box[1]) + max(0, box[3] - inner[3])) * (box[2] - box[0])
            cost = 10 * outside + sum(_overlap(box, d) for d in dots) * 5 + sum(_overlap(box, o) for o in taken)
            if best is None or cost < best[0]:
                if best is not None:
                    best[1].remove()
                best = (cost, t, box)
            else:
                t.remove()
            if cost == 0:
                break
        taken.append(best[2])
        out.append(best[1])
    return out


def corner_labels(ax, names: Mapping[str, str], *, fontsize: float = 8, pad_pt: float = 4.0, **text_kw) -> dict:
    """Write ``names`` (``{"upper left"|"upper right"|"lower left"|"lower right": text}``) inside the
    corners of ``ax``, ``pad_pt`` points in from the frame (never on it or clipped by it).  Returns
    ``{corner: display-space box}`` for :func:`place_labels`' ``avoid``."""
    from matplotlib.transforms import offset_copy

    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    boxes = {}
    for corner, text in names.items():
        v, h = corner.split()
        x, dx, ha = (0, pad_pt, "left") if h == "left" else (1, -pad_pt, "right")
        y, dy, va = (1, -pad_pt, "top") if v == "upper" else (0, pad_pt, "bottom")
        tr_ = offset_copy(ax.transAxes, fig=fig, x=dx, y=dy, units="points")
        t = ax.text(x, y, _escape(text), transform=tr_, ha=ha, va=va, fontsize=fontsize, **text_kw)
        bb = t.get_window_extent(renderer)
        boxes[corner] = (bb.x0 - 2, bb.y0 - 2, bb.x1 + 2, bb.y1 + 2)
    return boxes


def save_svg(fig, path: str | os.PathLike) -> str:
    """Save a figure as SVG with text kept as text (``svg.fonttype = 'none'``); return the path."""
    import matplotlib as mpl

    with mpl.rc_context({"svg.fonttype": "none"}):
        fig.savefig(path, format="svg", bbox_inches="tight")
    return str(path)


def value_labels_from(labels: Mapping[str, float | int], language: str = "en") -> dict[float, str]:
    """Invert a params ``labels`` mapping (answer text -> code) into code -> text for legends.

    When several texts share a code (e.g. an English and a Chinese wording), the one in the
    study's language is preferred (Chinese = contains a CJK character), else the first; Chinese
    texts are written as ``language`` writes them (:func:`csat.core.i18n.localize`: traditional
    characters for ``zh-Hant``).

    >>> value_labels_from({"Very poor": 1, "很差": 1, "Excellent": 5}, "zh")
    {1.0: '很差', 5.0: 'Excellent'}
    """
    def is_zh(t: str) -> bool:
        return any("\u4e00" <= ch <= "\u9fff" for ch in t)

    chinese = is_chinese(language)
    out: dict[float, str] = {}
    for text, v in labels.items():
        text = str(text)
        k = float(v)
        if k not in out or (is_zh(text) == chinese and is_zh(out[k]) != chinese):
            out[k] = text
    return {k: localize(t, language) if is_zh(t) else t for k, t in out.items()}


__all__: Sequence[str] = ["FontNotFoundError", "find_cjk_font", "setup_fonts", "use_style", "missing_glyphs",
                          "glyph_diagnostics", "fonts_for", "likert_chart", "correlation_heatmap", "save_svg", "value_labels_from",
                          "place_labels", "corner_labels", "PRINT_WIDTH", "PRINT_HEIGHT"]
