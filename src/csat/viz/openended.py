"""06: the figures of the open-ended answers: the word cloud and the bar chart of the most frequent words.

Both take the word counts of :func:`csat.stats.text.term_counts` and texts already translated. The cloud is
drawn by the ``wordcloud`` package with the CJK font (WenQuanYi Micro Hei, the report's Chinese font, else the
font :func:`csat.viz.plots.find_cjk_font` finds), laid out by a seeded generator so that it is the same in
every build.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from csat.viz.plots import PRINT_WIDTH, find_cjk_font

__all__ = ["cloud_font", "plot_word_cloud", "plot_top_words"]

#: the single-face CJK font preferred for the cloud (a .ttc's first face is used, and Noto CJK's first face is
#: the Japanese one)
WQY_MICROHEI = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


def cloud_font() -> str:
    """The font file of the word cloud: WenQuanYi Micro Hei when installed, else the CJK font of the figures."""
    if Path(WQY_MICROHEI).is_file():
        return WQY_MICROHEI
    return find_cjk_font()[1]


def plot_word_cloud(words: pd.DataFrame, seed: int = 0, max_words: int = 80):
    """A word cloud of ``words`` (``term, n``; the words only, not the phrases): size by the number of answers.

    Returns a matplotlib figure the width of the printed page.
    """
    import matplotlib.pyplot as plt
    from matplotlib import colormaps
    from matplotlib.colors import ListedColormap
    from wordcloud import WordCloud

    w = words[words["kind"] == "word"].head(max_words) if "kind" in words.columns else words.head(max_words)
    freq = {str(t): float(n) for t, n in zip(w["term"], w["n"])}
    fig, ax = plt.subplots(figsize=(PRINT_WIDTH, PRINT_WIDTH * 0.42))
    ax.set_axis_off()
    if freq:
        wc = WordCloud(font_path=cloud_font(), width=1600, height=670, background_color="white", colormap=ListedColormap(colormaps["viridis"](np.linspace(0, 0.72, 64))),
                       random_state=int(seed), prefer_horizontal=0.95, max_words=max_words, min_font_size=10,
                       margin=4, collocations=False, normalize_plurals=False)
        wc.generate_from_frequencies(freq)
        ax.imshow(wc.to_array(), interpolation="bilinear")
    fig.tight_layout(pad=0.2)
    return fig


def plot_top_words(words: pd.DataFrame, xlabel: str, k: int = 20):
    """Horizontal bars of the ``k`` most frequent words: the share of the answers that use each (%)."""
    import matplotlib.pyplot as plt

    w = words[words["kind"] == "word"].head(k) if "kind" in words.columns else words.head(k)
    n = max(len(w), 1)
    fig, ax = plt.subplots(figsize=(PRINT_WIDTH * 0.8, 0.6 + 0.22 * n))
    y = np.arange(len(w))[::-1]
    ax.barh(y, 100 * w["share"].to_numpy(float), color="#4C72B0", height=0.7)
    ax.set_yticks(y)
    ax.set_yticklabels([str(t) for t in w["term"]])
    for yi, (s, c) in zip(y, zip(w["share"], w["n"])):
        ax.text(100 * s, yi, f" {int(c)}", va="center", fontsize=8, color="#444444")
    ax.set_xlabel(xlabel)
    ax.set_xlim(0, 100 * float(w["share"].max()) * 1.15 if len(w) else 1)
    ax.grid(axis="y", visible=False)
    fig.tight_layout()
    return fig
