"""Standard answer texts: the built-in answer scales of survey exports, so ``labels`` is needed only for others.

A platform export "by option text" (问卷星/腾讯问卷 按选项文本, SurveyMonkey, Qualtrics "choice text") writes the
answer, not its code: 非常不满意 … 非常满意, Strongly disagree … Strongly agree.  :data:`SCALES` lists the
usual 5- and 7-point scales in Chinese and English — satisfaction, agreement, importance, likelihood,
frequency, quality — each point with its usual variants.  :func:`standard_codes` maps the texts of one
column to codes when one scale of the study's number of points holds them all (point *i* → ``lo + i``);
a text written with its code in front (``1 = 非常不满意``, ``5.非常满意``, ``(3) Neutral``) takes that code.
:func:`csat.intake.readers.load_study_data` uses it for item answers that ``labels`` does not map, and
:mod:`csat.intake.draft` to recognise an item column and its scale.

>>> standard_codes(["满意", "非常满意", "一般"], 1, 5)
{'满意': 4.0, '非常满意': 5.0, '一般': 3.0}
>>> standard_codes(["比较满意", "满意"], 1, 7)
{'比较满意': 5.0, '满意': 6.0}
>>> standard_codes(["Strongly agree", "disagree"], 1, 5)
{'Strongly agree': 5.0, 'disagree': 2.0}
>>> standard_codes(["1 = 非常不满意", "5 = 非常满意"], 1, 5)
{'1 = 非常不满意': 1.0, '5 = 非常满意': 5.0}
>>> standard_codes(["1分", "5分"], 1, 5)
{'1分': 1.0, '5分': 5.0}
>>> standard_codes(["很好吃", "一般"], 1, 5) is None
True
"""
from __future__ import annotations

import re
from typing import Iterable

__all__ = ["SCALES", "standard_codes", "match_scales", "prefixed_code", "norm_text"]

_P = list  # one point: its variants

#: name -> points (low to high), each point a list of the texts that mean it.
SCALES: dict[str, list[list[str]]] = {
    "satisfaction5_zh": [["非常不满意", "很不满意", "极不满意", "完全不满意", "极其不满意"],
                         ["不满意", "不太满意", "比较不满意", "较不满意"],
                         ["一般", "中立", "普通", "说不清", "不确定", "满意度一般"],
                         ["满意", "比较满意", "较满意"],
                         ["非常满意", "很满意", "极满意", "完全满意", "极其满意"]],
    "satisfaction7_zh": [["非常不满意", "很不满意", "极不满意", "完全不满意"], ["不满意"],
                         ["比较不满意", "有点不满意", "较不满意", "不太满意"], ["一般", "中立", "普通", "说不清"],
                         ["比较满意", "有点满意", "较满意"], ["满意"], ["非常满意", "很满意", "极满意", "完全满意"]],
    "agreement5_zh": [["非常不同意", "完全不同意", "很不同意", "极不同意", "完全不符合", "非常不符合"],
                      ["不同意", "不太同意", "比较不同意", "不符合", "不太符合", "比较不符合"],
                      ["一般", "中立", "不确定", "说不清", "无所谓", "一般符合"],
                      ["同意", "比较同意", "符合", "比较符合"],
                      ["非常同意", "完全同意", "很同意", "极同意", "完全符合", "非常符合"]],
    "agreement7_zh": [["非常不同意", "完全不同意", "很不同意"], ["不同意"], ["比较不同意", "有点不同意", "不太同意"],
                      ["一般", "中立", "不确定", "说不清"], ["比较同意", "有点同意"], ["同意"],
                      ["非常同意", "完全同意", "很同意"]],
    "importance5_zh": [["非常不重要", "很不重要", "完全不重要"], ["不重要", "不太重要", "比较不重要"], ["一般", "中立", "一般重要"],
                       ["重要", "比较重要"], ["非常重要", "很重要", "极其重要"]],
    "likelihood5_zh": [["非常不可能", "完全不可能", "很不可能", "肯定不会"], ["不可能", "不太可能", "可能不会"],
                       ["一般", "不确定", "说不清", "不一定"], ["可能", "比较可能", "可能会"],
                       ["非常可能", "很可能", "极有可能", "肯定会"]],
    "frequency5_zh": [["从不", "从来没有", "从未"], ["很少", "偶尔"], ["有时", "有时候"], ["经常", "常常"],
                      ["总是", "一直", "每次都"]],
    "quality5_zh": [["非常差", "很差", "极差"], ["差", "较差", "比较差"], ["一般", "中等"], ["好", "较好", "比较好", "良好"],
                    ["非常好", "很好", "极好", "优秀"]],
    "satisfaction5_en": [["very dissatisfied", "extremely dissatisfied", "completely dissatisfied"],
                         ["dissatisfied", "somewhat dissatisfied", "slightly dissatisfied"],
                         ["neutral", "neither satisfied nor dissatisfied", "neither dissatisfied nor satisfied"],
                         ["satisfied", "somewhat satisfied", "slightly satisfied"],
                         ["very satisfied", "extremely satisfied", "completely satisfied"]],
    "satisfaction7_en": [["very dissatisfied", "extremely dissatisfied", "completely dissatisfied"],
                         ["dissatisfied", "moderately dissatisfied"], ["somewhat dissatisfied", "slightly dissatisfied"],
                         ["neutral", "neither satisfied nor dissatisfied", "neither dissatisfied nor satisfied"],
                         ["somewhat satisfied", "slightly satisfied"], ["satisfied", "moderately satisfied"],
                         ["very satisfied", "extremely satisfied", "completely satisfied"]],
    "agreement5_en": [["strongly disagree", "completely disagree"], ["disagree", "somewhat disagree", "tend to disagree"],
                      ["neutral", "neither agree nor disagree", "neither disagree nor agree", "undecided"],
                      ["agree", "somewhat agree", "tend to agree"], ["strongly agree", "completely agree"]],
    "agreement7_en": [["strongly disagree", "completely disagree"], ["disagree", "moderately disagree"],
                      ["somewhat disagree", "slightly disagree"],
                      ["neutral", "neither agree nor disagree", "neither disagree nor agree", "undecided"],
                      ["somewhat agree", "slightly agree"], ["agree", "moderately agree"],
                      ["strongly agree", "completely agree"]],
    "importance5_en": [["not at all important", "not important at all"], ["slightly important", "low importance"],
                       ["moderately important", "neutral"], ["very important", "important"],
                       ["extremely important"]],
    "likelihood5_en": [["very unlikely", "extremely unlikely", "definitely not", "definitely will not"],
                       ["unlikely", "somewhat unlikely", "probably not", "probably will not"],
                       ["neutral", "neither likely nor unlikely", "not sure", "might or might not"],
                       ["likely", "somewhat likely", "probably", "probably will"],
                       ["very likely", "extremely likely", "definitely", "definitely will"]],
    "frequency5_en": [["never"], ["rarely", "seldom"], ["sometimes", "occasionally"], ["often", "usually"],
                      ["always", "very often"]],
    "quality5_en": [["very poor"], ["poor"], ["fair", "average"], ["good"], ["very good", "excellent"]],
}

_PREFIX = re.compile(r"^\s*[(（]?\s*(\d{1,2})\s*[)）]?\s*(?:=|＝|、|\.|:|：|-|–|—|\s)\s*(\S.*)$")
_POINTS = re.compile(r"^\s*(\d{1,2})\s*分\s*$")
_SPACE = re.compile(r"[\s_]+")


def norm_text(s: str) -> str:
    """An answer text compared case- and space-insensitively (``Strongly  Agree`` = ``strongly agree``)."""
    return _SPACE.sub(" ", str(s).strip()).casefold()


def prefixed_code(text: str) -> tuple[int, str] | None:
    """``(code, text)`` of an answer written with its code in front (``1 = 非常不满意``, ``5.Very satisfied``)."""
    m = _PREFIX.match(str(text))
    if m:
        return int(m.group(1)), m.group(2).strip()
    m = _POINTS.match(str(text))                       # 问卷星 scoring options: 1分 … 5分
    return (int(m.group(1)), "") if m else None


_INDEX = {name: {norm_text(v): i for i, point in enumerate(points) for v in point} for name, points in SCALES.items()}


def match_scales(texts: Iterable[str]) -> list[str]:
    """The names of the scales of :data:`SCALES` that hold every text, each on its own point (after a code prefix
    is removed)."""
    keys = set()
    for t in texts:
        pre = prefixed_code(t)
        keys.add(norm_text(pre[1] if pre else t))
    if not keys:
        return []
    # a column words each point one way: two texts on one point (比较满意 and 满意 on a 5-point scale) rule it out
    return [name for name, idx in _INDEX.items() if keys <= idx.keys() and len({idx[k] for k in keys}) == len(keys)]


def standard_codes(texts: Iterable[str], lo: float | None, hi: float | None) -> dict[str, float] | None:
    """``{text: code}`` for the answer texts of one column, or None when they are not one standard scale.

    Texts with a code prefix (``1 = 非常不满意``) take their code when every text has one.  Otherwise a
    scale of :data:`SCALES` with ``hi - lo + 1`` points must hold every text; its point *i* is ``lo + i``.
    """
    texts = [t for t in dict.fromkeys(texts) if isinstance(t, str) and t.strip()]
    if not texts or lo is None or hi is None:
        return None
    pre = {t: prefixed_code(t) for t in texts}
    if all(pre.values()):
        return {t: float(pre[t][0]) for t in texts}
    n_points = int(round(hi - lo)) + 1
    for name in match_scales(texts):
        if len(SCALES[name]) != n_points:
            continue
        idx = _INDEX[name]
        out = {}
        for t in texts:
            p = pre[t]
            out[t] = float(p[0]) if p else float(lo + idx[norm_text(t)])
        return out
    return None
