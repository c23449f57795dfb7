"""Path diagram: DOT source from lavaan's political-democracy estimates; PNG + SVG with Chinese labels."""
from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from csat import sem
from csat.viz import pathdiagram as pdg

from zhsurvey import FIX, REF


@pytest.fixture(scope="module")
def pd_ref(shared_dir):
    return json.loads((shared_dir / "reference" / "political_democracy.json").read_text())


def test_stars():
    assert [pdg.stars(p) for p in (0.0002, 0.0097, 0.03, 0.2, float("nan"), None)] == ["***", "**", "*", "", "", ""]


def test_dot_source_has_standardized_paths_stars_and_r2(pd_ref):
    est = pd.DataFrame(pd_ref["sem"]["estimates"])
    src = pdg.path_diagram_dot(est, {"ind60": "工业化", "dem60": "民主 1960", "dem65": "民主 1965"},
                               pd_ref["sem"]["r2"])
    # lavaan std.all of the three regressions (0.447***, 0.182**, 0.885***) and R² (0.20, 0.96)
    assert '"ind60" -> "dem60" [label=<<TABLE BORDER="0" CELLBORDER="0" CELLPADDING="1" BGCOLOR="white"><TR><TD>0.45***</TD>' in src
    assert '"ind60" -> "dem65" [label=<<TABLE BORDER="0" CELLBORDER="0" CELLPADDING="1" BGCOLOR="white"><TR><TD>0.18**</TD>' in src
    assert '"dem60" -> "dem65" [label=<<TABLE BORDER="0" CELLBORDER="0" CELLPADDING="1" BGCOLOR="white"><TR><TD>0.89***</TD>' in src
    assert "R² = 0.20" in src and "R² = 0.96" in src and "工业化" in src
    assert 'fontname="Noto Sans,Noto Sans CJK SC"' in src
    assert "x1" not in src                                  # measurement part off by default
    full = pdg.path_diagram_dot(est, r2=pd_ref["sem"]["r2"], measurement=True)
    assert "x2 0.97" in full and "y8 0.83" in full


def test_renders_png_and_svg_with_chinese_text(pd_ref, tmp_path):
    est = pd.DataFrame(pd_ref["sem"]["estimates"])
    out = pdg.path_diagram(est, tmp_path / "figures" / "sem_path", {"ind60": "工业化 <1960> & co", "dem60": "民主",
                                                                    "dem65": "民主（1965）"},
                           pd_ref["sem"]["r2"], measurement=True)
    png, svg = out["png"], out["svg"]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
    text = svg.read_text(encoding="utf-8")
    assert "工业化 &lt;1960&gt; &amp; co" in text and "民主（1965）" in text
    assert "Noto Sans CJK SC" in text
    import matplotlib.pyplot as plt

    fig = pdg.diagram_figure(png)                 # shown in the notebook as a numbered figure, at its printed size
    h, w = plt.imread(png).shape[:2]
    scale = pdg.printed_scale(w / pdg.DIAGRAM_DPI, h / pdg.DIAGRAM_DPI)
    assert fig.get_size_inches()[0] == pytest.approx(w / pdg.DIAGRAM_DPI * scale)
    assert fig.get_size_inches()[1] == pytest.approx(fig.get_size_inches()[0] * h / w)
    assert fig.get_size_inches()[0] <= pdg.MAX_WIDTH + 1e-9 and fig.get_size_inches()[1] <= pdg.MAX_HEIGHT + 1e-9
    assert not fig.axes[0].axison
    plt.close(fig)
    fig = pdg.diagram_figure(png, width=10)
    assert fig.get_size_inches()[0] == 10
    plt.close(fig)


def test_printed_scale():
    assert pdg.printed_scale(14, 2) == 0.5 and pdg.printed_scale(3, 12, 7.0, 8.4) == pytest.approx(0.7)
    assert pdg.printed_scale(5, 4) == 1.0


ECSI = pd.DataFrame({"lhs": ["EXPE", "SAT", "SAT", "QUAL", "VAL", "VAL", "SAT", "COMP", "LOY", "LOY", "LOY"],
                     "op": "~",
                     "rhs": ["IMAG", "IMAG", "EXPE", "EXPE", "EXPE", "QUAL", "VAL", "SAT", "SAT", "COMP", "IMAG"],
                     "std.all": 0.3, "pvalue": 0.001})


def test_a_long_chain_of_constructs_is_laid_out_to_print_readably(tmp_path):
    """The ECSI model (seven ranks) is 20 inches wide left to right (4-pt names on the page); the automatic
    direction keeps the names at 7 pt or more in print (12-pt names, 11-pt path labels)."""
    labels = {"IMAG": "Image", "EXPE": "Expectations", "QUAL": "Perceived quality", "VAL": "Perceived value",
              "SAT": "Satisfaction", "COMP": "Complaints", "LOY": "Loyalty"}
    wide = pdg.printed_scale(*pdg.dot_size(pdg.path_diagram_dot(ECSI, labels, rankdir="LR")))
    assert 11 * wide < 7                                   # the old layout
    out = pdg.path_diagram(ECSI, tmp_path / "d", labels)
    import matplotlib.pyplot as plt

    h, w = plt.imread(out["png"]).shape[:2]
    scale = pdg.printed_scale(w / pdg.DIAGRAM_DPI, h / pdg.DIAGRAM_DPI)
    assert 11 * scale >= 7
    assert "rankdir=TB" in out["svg"].read_text(encoding="utf-8") or h > w


def test_missing_dot_names_the_debian_package(monkeypatch):
    monkeypatch.setattr(pdg.shutil, "which", lambda name: None)
    with pytest.raises(pdg.GraphvizMissing, match="Debian package 'graphviz'"):
        pdg.render_dot("digraph {}", "/tmp/never")


def test_path_diagram_quotes_unicode_names(tmp_path):
    res = sem.fit(REF["cfa"]["model"], pd.read_csv(FIX / "zh_survey.csv", encoding="gbk"))
    dot = pdg.path_diagram_dot(res.estimates, {"服务": "服务质量"}, measurement=True, covariances=True,
                                       latent=res.latent)
    assert '"服务" [label=<<B>服务质量</B>' in dot
    assert '"服务" -> "价格" [label=<<TABLE BORDER="0" CELLBORDER="0" CELLPADDING="1" BGCOLOR="white"><TR><TD>0.47***</TD>' in dot
    if shutil.which("dot"):
        files = pdg.path_diagram(res.estimates, tmp_path / "pd", latent=res.latent, measurement=True,
                                         covariances=True)
        assert files["png"].stat().st_size > 1000 and "服务" in files["svg"].read_text(encoding="utf-8")
