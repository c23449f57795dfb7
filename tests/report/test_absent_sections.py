"""csat.report.html.drop_absent_sections: the parts a study does not have leave one sentence, not a page."""
from __future__ import annotations

from bs4 import BeautifulSoup

from csat.report.html import drop_absent_sections


def _cell(kind: str, body: str) -> str:
    return f'<div class="jp-Cell jp-{kind}Cell">{body}</div>'


def test_absent_parts_are_one_sentence():
    html = "".join([
        _cell("Markdown", "<h2>Drivers</h2><p>How drivers are found.</p>"),
        _cell("Code", '<p class="csat-text">LMG ...</p>'),
        _cell("Markdown", "<h2>Kano</h2><p>What Kano is.</p>"),
        _cell("Markdown", "<h3>Reading the diagram</h3><p>More.</p>"),
        _cell("Code", '<p class="csat-text csat-absent" data-what="Kano 分析">本研究不包括：Kano 分析。</p>'),
        _cell("Markdown", "<h2>SERVQUAL</h2><p>Gaps.</p>"),
        _cell("Code", '<p class="csat-text csat-absent" data-what="SERVQUAL 差距分析">x</p>'),
        _cell("Markdown", "<h2>Diagnostics</h2>"),
    ])
    soup = BeautifulSoup(html, "html.parser")
    assert drop_absent_sections(soup, "zh") == 2
    text = soup.get_text(" ", strip=True)
    assert "What Kano is" not in text and "Reading the diagram" not in text and "Gaps." not in text
    assert "How drivers are found" in text and "Diagnostics" in text
    assert text.count("本研究不包括") == 1 and "Kano 分析、SERVQUAL 差距分析" in text
    assert drop_absent_sections(BeautifulSoup(html.replace("csat-absent", "x"), "html.parser"), "en") == 0
