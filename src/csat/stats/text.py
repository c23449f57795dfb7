"""Open-ended answers: non-answers, words and two-word phrases, themes, and their tie to satisfaction.

The text engine of the open-ended part of 06 (:mod:`csat.analyses.openended` is its study-aware side).
It knows no study and no language of the report: it takes the answers as a Series of text and
returns tidy DataFrames.

* :func:`answer_kind` sorts each answer into ``empty``, ``non_answer`` (无, 没有, 暂无, no, none, n/a,
  a lone 。 …, :data:`NON_ANSWERS`) or ``answer``; only answers are analysed further.
* :func:`tokenize` cuts an answer into words: Chinese runs are segmented by jieba (with the theme
  keywords added to its dictionary so that they stay whole), other text by a word tokenizer (runs of
  Latin letters, lower-cased); punctuation, numbers, single Latin letters, single Chinese characters that
  are no keyword and the stop words (:func:`stopwords`, lists shipped in ``csat/stats/data/``) are left
  out. :func:`term_counts` counts each word and each two-word phrase (two neighbouring words of one
  clause) once per answer: ``n`` answers mention it, ``share`` = n / answers.
* :func:`match_themes` gives an answer every theme one of whose keywords it contains (case-insensitive;
  an entry written ``/…/`` is a regular expression); :func:`keyword_hits` counts the distinct keywords
  of a theme an answer holds.
* :func:`theme_table`: each theme's share of the answers with its Wilson interval (:func:`wilson`), and
  the mean satisfaction index of the respondents who mention it against those who answered without
  mentioning it (difference, Welch interval and test, Holm over the themes).
* :func:`theme_crosstab`: themes by a categorical variable (group, segment, NPS category), Pearson χ²
  per theme (R ``chisq.test(correct = FALSE)``), Holm over the themes of one variable.
* :func:`select_quotes`: the representative answers of a theme, chosen deterministically.

jieba's dictionary is loaded once per process into memory (no cache file is written, nothing is
downloaded: the dictionary ships with the package).
"""
from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache
from importlib import resources
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["NON_ANSWERS", "answer_kind", "stopwords", "tokenize", "term_counts", "compile_keyword",
           "match_themes", "keyword_hits", "wilson", "theme_table", "theme_crosstab", "select_quotes",
           "feedback_side", "sample_unmatched"]

#: Answers that say nothing (compared after trimming spaces and punctuation at both ends, case-folded):
#: the usual Chinese and English ways of leaving an open question blank.  An answer made only of
#: punctuation, symbols or digits (。, ..., /, 0) is a non-answer too.
NON_ANSWERS = frozenset({
    "无", "没有", "暂无", "没", "无意见", "没有意见", "没意见", "暂无意见", "无建议", "没有建议", "暂无建议", "没建议",
    "暂时没有", "暂时没", "暂时无", "没有了", "没了", "无了", "无其他", "没有其他", "没什么", "没什么意见", "没什么建议",
    "不知道", "不清楚", "不详", "不适用", "空", "否", "略", "同上", "无所谓", "没有想法", "暂无想法", "nothing", "no",
    "none", "n/a", "na", "nil", "nope", "no comment", "no comments", "nothing to add", "nothing else", "not really",
    "no suggestions", "no suggestion", "don't know", "dont know", "not applicable", "-", "—", "/", "x",
})
_EDGE = re.compile(r"^[\s\W_]+|[\s\W_]+$", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*")
_CLAUSE = re.compile(r"[，,。.!！?？;；:：、\n\r\t()（）\[\]【】「」“”\"…~～/\\|]+")


def answer_kind(text) -> str:
    """``empty`` (no text), ``non_answer`` (:data:`NON_ANSWERS`, or only punctuation, symbols and digits)
    or ``answer``.

    >>> [answer_kind(x) for x in (None, "  ", "无。", "N/A", "No.", "。", "...", "价格太贵", "none of the staff helped")]
    ['empty', 'empty', 'non_answer', 'non_answer', 'non_answer', 'non_answer', 'non_answer', 'answer', 'answer']
    """
    if text is None or text is pd.NA or (isinstance(text, float) and math.isnan(text)):
        return "empty"
    t = unicodedata.normalize("NFKC", str(text)).strip()
    if not t:
        return "empty"
    if not any(ch.isalpha() for ch in t):
        return "non_answer"
    core = _EDGE.sub("", t).casefold()
    if t.casefold() in NON_ANSWERS or core in NON_ANSWERS:
        return "non_answer"
    return "answer"


@lru_cache(maxsize=None)
def _stopword_file(name: str) -> frozenset[str]:
    text = resources.files("csat.stats").joinpath("data", f"stopwords_{name}.txt").read_text(encoding="utf-8")
    return frozenset(w.strip().casefold() for w in text.splitlines() if w.strip() and not w.startswith("#"))


def stopwords(extra: Iterable[str] = ()) -> frozenset[str]:
    """The built-in Chinese and English stop words, with ``extra`` (case-folded).

    >>> {"的", "the", "了"} <= stopwords(), "价格" in stopwords(), "store" in stopwords(["Store"])
    (True, False, True)
    """
    return _stopword_file("zh") | _stopword_file("en") | frozenset(str(w).strip().casefold() for w in extra)


@lru_cache(maxsize=1)
def _base_dictionary() -> tuple[dict, int]:
    """jieba's prefix dictionary built in memory from the dictionary file shipped with it (once per
    process; jieba's own initialisation would write a cache file to the system's temporary folder)."""
    import jieba

    tk = jieba.Tokenizer()
    freq, total = tk.gen_pfdict(tk.get_dict_file())
    return freq, total


@lru_cache(maxsize=8)
def _tokenizer(words: tuple[str, ...]):
    """A jieba tokenizer whose dictionary also holds ``words`` (kept whole when segmenting)."""
    import jieba

    freq, total = _base_dictionary()
    tk = jieba.Tokenizer()
    tk.FREQ, tk.total = dict(freq), total
    tk.initialized = True
    for w in words:
        if _CJK.search(w):
            tk.add_word(w, freq=max(tk.suggest_freq(w, tune=False), 10))
    return tk


def _plain_keywords(keywords: Iterable[str]) -> tuple[str, ...]:
    """The keywords that are words, not regular expressions (``/…/``), sorted."""
    return tuple(sorted({k for k in keywords if not _is_regex(k)}))


def _clause_tokens(clause: str, tk, keep: frozenset[str], stop: frozenset[str]) -> list[str]:
    out = []
    pos = 0
    for m in _CJK.finditer(clause):
        out += [w.casefold() for w in _LATIN_WORD.findall(clause[pos:m.start()])]
        out += [w for w in tk.lcut(m.group(), HMM=True) if w.strip()]
        pos = m.end()
    out += [w.casefold() for w in _LATIN_WORD.findall(clause[pos:])]
    kept = []
    for w in out:
        if w in keep:
            kept.append(w)
        elif w.casefold() in stop or len(w) < 2 or not any(ch.isalpha() for ch in w):
            continue
        else:
            kept.append(w)
    return kept


def tokenize(text: str, keywords: Iterable[str] = (), extra_stopwords: Iterable[str] = (),
             clauses: bool = False) -> list[str] | list[list[str]]:
    """The words of ``text``: Chinese by jieba (``keywords`` kept whole), other text by runs of Latin letters
    (lower-cased); stop words, punctuation, numbers and one-character words that are no keyword left out.
    With ``clauses``, one list per clause (split at punctuation), for two-word phrases.

    >>> tokenize("结账排队时间太长了，价格偏贵！", keywords=["排队时间"])
    ['结账', '排队时间', '太长', '价格', '偏贵']
    >>> tokenize("The prices are too high; long queues at the checkout.", clauses=True)
    [['prices', 'high'], ['long', 'queues', 'checkout']]
    """
    kw = _plain_keywords(keywords)
    tk = _tokenizer(kw)
    keep = frozenset(k.casefold() for k in kw)
    stop = stopwords(extra_stopwords)
    parts = [c for c in _CLAUSE.split(unicodedata.normalize("NFKC", str(text))) if c.strip()]
    per = [_clause_tokens(c, tk, keep, stop) for c in parts]
    if clauses:
        return [p for p in per if p]
    return [w for p in per for w in p]


def _bigram(a: str, b: str) -> str:
    return a + " " + b


def term_counts(answers: pd.Series, keywords: Iterable[str] = (), extra_stopwords: Iterable[str] = (),
                min_n: int = 1) -> pd.DataFrame:
    """How many answers mention each word and each two-word phrase (neighbouring words of one clause,
    written with a space between them), counted once per answer.

    Returns ``term, kind (word/phrase), n, share`` (share = n / number of answers), words first, each
    kind by n (descending) and then by first appearance in the answers; terms mentioned by fewer than ``min_n`` answers left out.

    >>> term_counts(pd.Series(["价格太贵，价格太贵", "价格偏高", "Long queues", "long queues!"]))
          term    kind  n  share
    0           价格    word  2   0.50
    1         long    word  2   0.50
    2       queues    word  2   0.50
    3           太贵    word  1   0.25
    4           偏高    word  1   0.25
    5  long queues  phrase  2   0.50
    6        价格 太贵  phrase  1   0.25
    7        价格 偏高  phrase  1   0.25
    """
    kw = list(keywords)
    words: dict[str, int] = {}
    phrases: dict[str, int] = {}
    for text in answers.tolist():
        cl = tokenize(text, kw, extra_stopwords, clauses=True)
        for w in dict.fromkeys(w for c in cl for w in c):          # once per answer, in order (no set: no
            words[w] = words.get(w, 0) + 1                          # hash order in the output)
        for p in dict.fromkeys(_bigram(c[i], c[i + 1]) for c in cl for i in range(len(c) - 1)):
            phrases[p] = phrases.get(p, 0) + 1
    n = len(answers)
    rows = []
    first = {}
    for kind, counts in (("word", words), ("phrase", phrases)):
        items = [(t, c) for t, c in counts.items() if c >= min_n]
        # ties in order of first appearance in the answers, so that the table does not depend on a sort of scripts
        for t, _ in items:
            first.setdefault(t, len(first))
        items.sort(key=lambda tc: (-tc[1], first[tc[0]]))
        rows += [{"term": t, "kind": kind, "n": c, "share": c / n if n else np.nan} for t, c in items]
    return pd.DataFrame(rows, columns=["term", "kind", "n", "share"])


def _is_regex(keyword: str) -> bool:
    return len(keyword) > 2 and keyword.startswith("/") and keyword.endswith("/")


def compile_keyword(keyword: str) -> re.Pattern:
    """A theme keyword as a pattern: ``/…/`` is a regular expression, anything else literal text; both match
    case-insensitively anywhere in the answer.

    >>> bool(compile_keyword("Queue").search("long queues")), bool(compile_keyword("/排队.{0,3}久/").search("排队太久"))
    (True, True)
    """
    if _is_regex(keyword):
        return re.compile(keyword[1:-1], re.IGNORECASE)
    return re.compile(re.escape(unicodedata.normalize("NFKC", keyword)), re.IGNORECASE)


def keyword_hits(answers: pd.Series, keywords: Sequence[str]) -> pd.Series:
    """How many distinct keywords of ``keywords`` each answer holds (0: the theme is not mentioned)."""
    pats = [compile_keyword(k) for k in keywords]
    texts = [unicodedata.normalize("NFKC", str(t)) for t in answers.tolist()]
    return pd.Series([sum(1 for p in pats if p.search(t)) for t in texts], index=answers.index, dtype="int64")


def match_themes(answers: pd.Series, themes: Mapping[str, Sequence[str]]) -> pd.DataFrame:
    """One boolean column per theme: the answer holds at least one of its keywords.

    >>> match_themes(pd.Series(["价格太贵，排队久", "Friendly staff", "ok"]),
    ...              {"price": ["价格", "price"], "staff": ["staff", "服务员"]})
       price  staff
    0   True  False
    1  False   True
    2  False  False
    """
    return pd.DataFrame({t: keyword_hits(answers, kws) > 0 for t, kws in themes.items()}, index=answers.index,
                        columns=list(themes))


def wilson(k: float, n: float, conf: float = 0.95) -> tuple[float, float]:
    """Wilson's score interval of the proportion k/n (statsmodels ``proportion_confint(method="wilson")``,
    R ``prop.test(k, n, correct = FALSE)$conf.int``).

    >>> [round(x, 4) for x in wilson(12, 50)]
    [0.143, 0.3741]
    """
    if not n:
        return (np.nan, np.nan)
    z = stats.norm.ppf(0.5 + conf / 2)
    p = k / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / den
    return (float(max(0.0, centre - half)), float(min(1.0, centre + half)))


THEME_COLUMNS = ["theme", "n", "share", "share.ci.lower", "share.ci.upper", "index.with", "index.without", "diff",
                 "pvalue", "pvalue.holm", "diff.ci.lower", "diff.ci.upper"]


def theme_table(mentions: pd.DataFrame, index: pd.Series | None = None, conf: float = 0.95) -> pd.DataFrame:
    """Each theme's count and share of the answers (Wilson interval) and, with ``index`` (the satisfaction
    index of each answering respondent, aligned with ``mentions``), the mean index of those who mention the
    theme against those who do not: ``diff`` = with − without, Welch's t-test (R ``t.test``) p-value and
    interval, Holm-adjusted over the themes (R ``p.adjust(p, "holm")``).

    Columns :data:`THEME_COLUMNS`, in the order of ``mentions``' columns.
    """
    from csat.stats.descriptives import holm

    n_ans = len(mentions)
    rows = []
    for t in mentions.columns:
        m = mentions[t].astype(bool)
        k = int(m.sum())
        lo, hi = wilson(k, n_ans, conf)
        r = {"theme": t, "n": k, "share": k / n_ans if n_ans else np.nan, "share.ci.lower": lo, "share.ci.upper": hi,
             "index.with": np.nan, "index.without": np.nan, "diff": np.nan, "pvalue": np.nan,
             "diff.ci.lower": np.nan, "diff.ci.upper": np.nan}
        if index is not None:
            x = index[m].dropna().to_numpy(float)
            y = index[~m].dropna().to_numpy(float)
            if len(x):
                r["index.with"] = float(x.mean())
            if len(y):
                r["index.without"] = float(y.mean())
            if len(x) >= 2 and len(y) >= 2:
                a, b = x.var(ddof=1) / len(x), y.var(ddof=1) / len(y)
                r["diff"] = float(x.mean() - y.mean())
                if a + b > 0:
                    df = (a + b) ** 2 / (a * a / (len(x) - 1) + b * b / (len(y) - 1))
                    se = math.sqrt(a + b)
                    tq = stats.t.ppf(0.5 + conf / 2, df)
                    r["pvalue"] = float(2 * stats.t.sf(abs(r["diff"]) / se, df))
                    r["diff.ci.lower"], r["diff.ci.upper"] = r["diff"] - tq * se, r["diff"] + tq * se
            elif len(x) and len(y):
                r["diff"] = float(x.mean() - y.mean())
        rows.append(r)
    out = pd.DataFrame(rows, columns=[c for c in THEME_COLUMNS if c != "pvalue.holm"])
    ok = out["pvalue"].notna().to_numpy()
    adj = np.full(len(out), np.nan)
    if ok.any():
        adj[ok] = holm(out.loc[ok, "pvalue"].to_numpy(float))
    out.insert(out.columns.get_loc("pvalue") + 1, "pvalue.holm", adj)
    return out[THEME_COLUMNS]


def theme_crosstab(mentions: pd.DataFrame, by: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Themes across the levels of a categorical variable (a group column, the segment, the NPS category).

    Returns ``(shares, tests)``: ``shares`` = ``theme, level, n, mentions, share`` (share of the level's
    answers that mention the theme); ``tests`` = ``theme, statistic, df, pvalue, p.holm, cramers_v, n,
    min_expected`` (Pearson χ² of mention × level without continuity correction, R ``chisq.test(table(m, by),
    correct = FALSE)``; Holm over the themes). Respondents without a level are left out; a theme nobody or
    everybody mentions has no test.
    """
    from csat.stats.descriptives import chi_square, holm

    ok = by.notna()
    lv = by[ok]
    levels = list(dict.fromkeys(sorted(lv.unique(), key=lambda v: (str(type(v)), v))))
    shares, tests = [], []
    for t in mentions.columns:
        m = mentions.loc[ok, t].astype(bool)
        for level in levels:
            sel = (lv == level).to_numpy()
            n = int(sel.sum())
            k = int(m[sel].sum())
            shares.append({"theme": t, "level": level, "n": n, "mentions": k, "share": k / n if n else np.nan})
        if 0 < m.sum() < len(m) and len(levels) > 1:
            r = chi_square(m.map({True: "yes", False: "no"}), lv.astype(str))
            tests.append({"theme": t, "statistic": r["statistic"], "df": r["df"], "pvalue": r["pvalue"],
                          "cramers_v": r["effect_size"], "n": r["n"], "min_expected": r["min_expected"]})
    tests_df = pd.DataFrame(tests, columns=["theme", "statistic", "df", "pvalue", "cramers_v", "n", "min_expected"])
    tests_df.insert(4, "p.holm", holm(tests_df["pvalue"].to_numpy(float)) if len(tests_df) else [])
    return pd.DataFrame(shares, columns=["theme", "level", "n", "mentions", "share"]), tests_df


def select_quotes(answers: pd.Series, hits: pd.Series, k: int = 3) -> pd.Series:
    """The ``k`` answers that represent a theme, chosen deterministically: the answers holding the most of
    the theme's keywords (``hits``), then those whose length is nearest the median length of the theme's
    answers, then the earliest in the data; an answer written word for word by several respondents is taken once. Returns the chosen answers, verbatim, in that order.

    >>> a = pd.Series(["价格贵", "价格太贵了，很贵", "价格高，太贵", "价格贵贵贵贵贵贵贵"])
    >>> select_quotes(a, pd.Series([1, 2, 2, 1]), k=3).tolist()
    ['价格太贵了，很贵', '价格高，太贵', '价格贵贵贵贵贵贵贵']
    """
    sel = hits > 0
    a = answers[sel]
    if a.empty:
        return a
    lengths = a.map(lambda s: len(str(s).strip()))
    med = float(np.median(lengths.to_numpy(float)))
    order = pd.DataFrame({"hits": -hits[sel].to_numpy(), "dist": (lengths - med).abs().to_numpy(),
                          "pos": np.arange(len(a))})
    ranked = a.iloc[list(order.sort_values(["hits", "dist", "pos"], kind="stable").index)]
    return ranked[~ranked.map(lambda s: str(s).strip()).duplicated()].iloc[:k]      # the same answer once


def feedback_side(index: pd.Series, low: float = 40.0, high: float = 60.0) -> pd.Series:
    """``positive`` (satisfaction index above ``high``), ``negative`` (below ``low``), ``neutral`` between, or
    missing: on a five-point scale the index cuts 40 and 60 are the top-two and bottom-two boxes (4–5 and
    1–2), and on any other scale the same two fifths of its range.

    >>> feedback_side(pd.Series([100, 75, 50, 25, 0, None])).tolist()
    ['positive', 'positive', 'neutral', 'negative', 'negative', nan]
    """
    out = pd.Series(np.where(index > high, "positive", np.where(index < low, "negative", "neutral")),
                    index=index.index, dtype=object)
    return out.where(index.notna())


def sample_unmatched(answers: pd.Series, k: int = 10, seed: int = 0) -> pd.Series:
    """Up to ``k`` of ``answers`` drawn at random (``numpy.random.default_rng(seed)``), in data order: the
    answers no theme catches, for the user to read and extend the dictionary."""
    if len(answers) <= k:
        return answers
    pick = np.sort(np.random.default_rng(seed).choice(len(answers), size=k, replace=False))
    return answers.iloc[pick]
