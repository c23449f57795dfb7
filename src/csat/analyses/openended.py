"""Study- and language-aware part of the open-ended answers in 06_drivers_segments.

The text engine is :mod:`csat.stats.text` (study- and language-free); the word cloud and the bar chart are
drawn by :mod:`csat.viz.openended`.  This module does the rest:

* reads each ``open_ended`` column from the raw file for the respondents who passed cleaning
  (:func:`read_answers`, aligned by 01's ``row`` column) and the satisfaction index, NPS category, segment
  and groups they are compared by (:func:`satisfaction_index`, :func:`nps_category`);
* runs the analysis of one column (:func:`analyse_column`): answers, non-answers and empty ones counted,
  words and two-word phrases, themes with Wilson intervals and the satisfaction index with and without
  each theme, themes by group, segment, NPS category and feedback side (χ², Holm), the quotes and a sample
  of the answers no theme catches;
* the result tables (:func:`result_tables`) and the tables, captions and sentences the reader sees, in the
  study's language (catalog ``csat/locale/zh/06_drivers.po``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from csat.analyses.display import percent
from csat.core.i18n import N_, is_chinese, localize, tr
from csat.core.text import format_p
from csat.intake.extras import raw_columns
from csat.stats import text as T

__all__ = ["RESULT_FILES", "read_answers", "satisfaction_index", "nps_category", "column_name", "theme_name",
           "OpenEnded", "analyse_column", "result_tables", "counts_table", "themes_display", "crosstab_display",
           "feedback_display", "quotes_display", "unmatched_display", "words_display", "column_text",
           "heading", "theme_names", "variable_names", "NPS_NAMES", "SIDE_NAMES"]

#: the results files of the open-ended part
RESULT_FILES = ("open_ended_words.csv", "open_ended_themes.csv", "open_ended_quotes.csv", "open_ended_groups.csv",
                "open_ended_tests.csv", "open_ended.json")
NPS_NAMES = {"promoter": N_("Promoters"), "passive": N_("Passives"), "detractor": N_("Detractors")}
SIDE_NAMES = {"positive": N_("Satisfied (index above 60)"), "neutral": N_("In between (40–60)"),
              "negative": N_("Dissatisfied (index below 40)")}
#: how many quotes per theme, answers no theme catches shown, words in the chart
N_QUOTES, N_UNMATCHED, N_WORDS = 3, 8, 20


def read_answers(params, params_file: str | Path, data: pd.DataFrame, root: str | Path | None = None) -> pd.DataFrame:
    """The ``open_ended`` columns of the raw file for the respondents of ``data`` (the clean data), as text
    (missing: None), indexed like ``data``."""
    cols = list(params.open_ended)
    raw = raw_columns(params, params_file, data, cols, root=root)
    out = pd.DataFrame(index=data.index)
    for c in cols:
        out[c] = [None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else str(v)
                  for v in raw[c].tolist()]
    return out


read_answers.reads = ("data",)          # the raw data file (csat.pipeline.graph.STAGE_READS)


def satisfaction_index(params, scores: pd.DataFrame) -> tuple[str | None, pd.Series | None]:
    """``(construct, index)``: the satisfaction construct (``ipma.target`` or the one named like satisfaction)
    and each respondent's 0–100 index of it (the mean score rescaled on a bounded scale, else the mean score);
    ``(None, None)`` when the study has no such construct."""
    from csat.config.checks import satisfaction_construct

    try:
        c = satisfaction_construct(params)
    except ValueError:
        return None, None
    s = scores[c]
    if params.scale.bounded and not params.scale.continuous:
        s = 100 * (s - params.scale.min) / (params.scale.max - params.scale.min)
    return c, s


def nps_category(x: pd.Series) -> pd.Series:
    """``promoter`` (9–10), ``passive`` (7–8), ``detractor`` (0–6) of a 0–10 recommendation answer.

    >>> nps_category(pd.Series([10, 8, 3, None])).tolist()
    ['promoter', 'passive', 'detractor', nan]
    """
    v = pd.to_numeric(x, errors="coerce")
    out = pd.Series(np.where(v >= 9, "promoter", np.where(v >= 7, "passive", "detractor")), index=x.index, dtype=object)
    return out.where(v.notna())


def column_name(params, column: str, language: str | None = None) -> str:
    """The open question's name: ``open_ended.<column>.label``, else ``column_labels``, else the column."""
    from csat.analyses.labels import column_label
    from csat.config.params import local_text

    lang = language or params.language
    lab = params.open_ended[column].label
    text = local_text(lab, lang) if lab is not None else None
    return localize(text, lang) if text else column_label(params, column, lang)


def heading(params, column: str, language: str | None = None) -> str:
    """The markdown heading of an open question's part in the notebook (its name, :func:`column_name`)."""
    return "### " + column_name(params, column, language).replace("#", "\\#")


def theme_name(params, column: str, theme: str, language: str | None = None) -> str:
    """A theme's name: ``open_ended.<column>.theme_labels.<theme>``, else the theme's key."""
    from csat.config.params import local_text

    lang = language or params.language
    lab = params.open_ended[column].theme_labels.get(theme)
    text = local_text(lab, lang) if lab is not None else None
    return localize(text, lang) if text else theme


def theme_names(params, column: str, language: str | None = None) -> dict[str, str]:
    """``{theme: its name}`` of one open question (:func:`theme_name`)."""
    return {t: theme_name(params, column, t, language) for t in params.open_ended[column].themes}


def variable_names(params, language: str | None = None) -> dict[str, str]:
    """The names of the variables the themes are compared across: the groups, the segment, the NPS category
    and the feedback side."""
    from csat.analyses.labels import column_label

    lang = language or params.language
    return {**{g: column_label(params, g, lang) for g in params.groups}, "segment": tr("Segment", lang),
            "nps_category": tr("NPS category", lang), "feedback": tr("Satisfied or dissatisfied", lang)}


@dataclass
class OpenEnded:
    """Everything the open-ended part computes for one column."""
    column: str
    counts: dict
    words: pd.DataFrame
    themes: pd.DataFrame
    mentions: pd.DataFrame
    groups: pd.DataFrame
    tests: pd.DataFrame
    quotes: pd.DataFrame
    sides: dict = field(default_factory=dict)


def analyse_column(column: str, texts: pd.Series, themes: Mapping[str, list[str]], index: pd.Series | None,
                   by: Mapping[str, pd.Series], extra_stopwords=(), seed: int = 0,
                   data_rows: pd.Series | None = None) -> OpenEnded:
    """The analysis of one open question (see the module's docstring).

    Parameters
    ----------
    column : str
        The column's name.
    texts : Series
        The answers of the analysed respondents (None: no answer).
    themes : mapping
        ``{theme: [keyword, …]}`` (may be empty: words only).
    index : Series or None
        The satisfaction index of each respondent (aligned with ``texts``).
    by : mapping
        ``{variable: Series}``: the categorical variables the themes are compared across (groups, segment,
        NPS category); aligned with ``texts``.
    extra_stopwords : sequence
        Stop words besides the built-in lists.
    seed : int
        Seed of the sample of unmatched answers.
    data_rows : Series, optional
        The raw file's data row of each respondent (for the quotes file).
    """
    kind = texts.map(T.answer_kind)
    ans = texts[kind == "answer"].astype(str)
    keywords = [k for kws in themes.values() for k in kws]
    words = T.term_counts(ans, keywords, extra_stopwords, min_n=2)
    mentions = T.match_themes(ans, themes) if themes else pd.DataFrame(index=ans.index)
    idx = index.loc[ans.index] if index is not None else None
    table = T.theme_table(mentions, idx) if themes else pd.DataFrame(columns=T.THEME_COLUMNS)
    matched = mentions.any(axis=1) if themes else pd.Series(False, index=ans.index)
    rows = data_rows if data_rows is not None else pd.Series(np.arange(len(texts)), index=texts.index)
    quotes = []
    for t, kws in themes.items():
        hits = T.keyword_hits(ans, kws)
        for rank, (i, q) in enumerate(T.select_quotes(ans, hits, N_QUOTES).items(), start=1):
            quotes.append({"kind": "theme", "theme": t, "rank": rank, "row": int(rows[i]), "text": q})
    unmatched = ans[~matched]
    for rank, (i, q) in enumerate(T.sample_unmatched(unmatched, N_UNMATCHED, seed).items(), start=1):
        quotes.append({"kind": "unmatched", "theme": "", "rank": rank, "row": int(rows[i]), "text": q})
    variables = dict(by)
    sides = {}
    if idx is not None:
        side = T.feedback_side(idx)
        variables["feedback"] = side
        for s in ("positive", "negative"):
            sel = side == s
            sides[s] = {"n": int(sel.sum()),
                        "themes": (mentions[sel].mean().sort_values(ascending=False, kind="stable")
                                   if themes and sel.any() else pd.Series(dtype=float)),
                        "words": T.term_counts(ans[sel], keywords, extra_stopwords, min_n=1).query("kind == 'word'")}
    shares, tests = [], []
    if themes:
        for v, s in variables.items():
            sh, te = T.theme_crosstab(mentions, s.loc[ans.index])
            shares.append(sh.assign(by=v))
            tests.append(te.assign(by=v))
    groups = (pd.concat(shares, ignore_index=True) if shares else
              pd.DataFrame(columns=["theme", "level", "n", "mentions", "share", "by"]))
    tests_df = (pd.concat(tests, ignore_index=True) if tests else
                pd.DataFrame(columns=["theme", "statistic", "df", "pvalue", "p.holm", "cramers_v", "n", "min_expected",
                                      "by"]))
    counts = {"n": int(len(texts)), "empty": int((kind == "empty").sum()), "non_answer": int((kind == "non_answer").sum()),
              "answered": int(len(ans)), "matched": int(matched.sum()), "unmatched": int((~matched).sum()),
              "positive": sides.get("positive", {}).get("n"), "negative": sides.get("negative", {}).get("n")}
    return OpenEnded(column, counts, words, table, mentions, groups, tests_df,
                     pd.DataFrame(quotes, columns=["kind", "theme", "rank", "row", "text"]), sides)


def result_tables(results: list[OpenEnded]) -> dict[str, pd.DataFrame | dict]:
    """The results files of the open-ended part (:data:`RESULT_FILES`), every column's rows together."""
    def cat(attr, cols):
        frames = [getattr(r, attr).assign(column=r.column) for r in results]
        df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
        return df[cols]

    words = cat("words", ["column", "term", "n", "share"])
    return {
        "open_ended_words.csv": words,
        "open_ended_themes.csv": cat("themes", ["column", *T.THEME_COLUMNS]),
        "open_ended_quotes.csv": cat("quotes", ["column", "kind", "theme", "rank", "row", "text"]),
        "open_ended_groups.csv": cat("groups", ["column", "by", "level", "theme", "n", "mentions", "share"]),
        "open_ended_tests.csv": cat("tests", ["column", "by", "theme", "statistic", "df", "pvalue", "p.holm",
                                              "cramers_v", "n", "min_expected"]),
        "open_ended.json": {r.column: r.counts for r in results},
    }


# -- what the reader sees ---------------------------------------------------------------------
def _p(x: float, language: str) -> str:
    """A p-value as a table cell: ``.023``, ``< .001`` (``0.023``, ``< 0.001`` in Chinese)."""
    s = format_p(x, language)
    return s[2:] if s.startswith("= ") else s


def _pct_ci(r) -> str:
    return f"{percent(r['share'], 1)} [{percent(r['share.ci.lower'], 1)}, {percent(r['share.ci.upper'], 1)}]"


def counts_table(res: OpenEnded, language: str) -> pd.DataFrame:
    """What the respondents wrote: analysed respondents, no answer, non-answers, answers, answers no theme catches."""
    c = res.counts
    rows = [(tr("Analysed respondents", language), c["n"]), (tr("No answer (empty)", language), c["empty"]),
            (tr("Non-answers (none, 无, n/a …), set aside", language), c["non_answer"]),
            (tr("Answers analysed", language), c["answered"]),
            (tr("… of which no theme catches", language), c["unmatched"])]
    return pd.DataFrame({tr("Answers", language): [r[0] for r in rows], "n": [r[1] for r in rows]})


def words_display(res: OpenEnded, language: str, k: int = 10) -> pd.DataFrame:
    """The most frequent two-word phrases (count and share of the answers)."""
    ph = res.words[res.words["kind"] == "phrase"].head(k)
    return pd.DataFrame({tr("Phrase", language): ph["term"].tolist(), "n": ph["n"].tolist(),
                         tr("Share of answers", language): [percent(x, 1) for x in ph["share"]]})


def themes_display(res: OpenEnded, names: Mapping[str, str], language: str) -> pd.DataFrame:
    """The themes as the reader sees them: share with Wilson interval, index with and without, difference
    with its interval, Holm-adjusted p; most mentioned first."""
    t = res.themes.sort_values("n", ascending=False, kind="stable")
    f = lambda x: "" if pd.isna(x) else f"{x:.1f}"   # noqa: E731
    return pd.DataFrame({
        tr("Theme", language): [names.get(x, x) for x in t["theme"]],
        "n": t["n"].tolist(),
        tr("Share of answers [95% CI]", language): [_pct_ci(r) for _, r in t.iterrows()],
        tr("Index, mentioning", language): [f(x) for x in t["index.with"]],
        tr("Index, not mentioning", language): [f(x) for x in t["index.without"]],
        tr("Difference [95% CI]", language): ["" if pd.isna(r["diff"]) else
                                              f"{r['diff']:+.1f} [{r['diff.ci.lower']:.1f}, {r['diff.ci.upper']:.1f}]"
                                              for _, r in t.iterrows()],
        tr("p (Holm)", language): ["" if pd.isna(x) else _p(x, language)
                                   for x in t["pvalue.holm"]],
    })


def crosstab_display(res: OpenEnded, names: Mapping[str, str], var_names: Mapping[str, str], language: str) -> pd.DataFrame:
    """One row per theme, one column per compared variable: the Holm-adjusted p of the χ² test (* < .05)."""
    if res.tests.empty:
        return pd.DataFrame()
    out = {tr("Theme", language): [names.get(t, t) for t in res.themes["theme"]]}
    for v in dict.fromkeys(res.tests["by"]):
        sub = res.tests[res.tests["by"] == v].set_index("theme")["p.holm"]
        out[var_names.get(v, v)] = ["" if t not in sub.index or pd.isna(sub[t]) else
                                    _p(sub[t], language) + (" *" if sub[t] < 0.05 else "")
                                    for t in res.themes["theme"]]
    return pd.DataFrame(out)


def nps_display(res: OpenEnded, names: Mapping[str, str], language: str) -> pd.DataFrame:
    """Share of each NPS category's answers that mention each theme."""
    g = res.groups[res.groups["by"] == "nps_category"]
    if g.empty:
        return pd.DataFrame()
    out = {tr("Theme", language): [names.get(t, t) for t in res.themes["theme"]]}
    for cat in ("promoter", "passive", "detractor"):
        sub = g[g["level"] == cat].set_index("theme")
        if sub.empty:
            continue
        n = int(sub["n"].iloc[0])
        out[f"{tr(NPS_NAMES[cat], language)} (n = {n})"] = [percent(sub.loc[t, "share"], 0) if t in sub.index else ""
                                                            for t in res.themes["theme"]]
    return pd.DataFrame(out)


def feedback_display(res: OpenEnded, names: Mapping[str, str], language: str, k: int = 3) -> pd.DataFrame:
    """Satisfied and dissatisfied respondents' answers summarised apart: their number, top themes and words."""
    rows = []
    sep = "、" if is_chinese(language) else ", "
    for s in ("positive", "negative"):
        d = res.sides.get(s)
        if not d:
            continue
        th = d["themes"].head(k)
        rows.append({tr("Respondents", language): tr(SIDE_NAMES[s], language), tr("Answers", language): d["n"],
                     tr("Most mentioned themes", language): sep.join(f"{names.get(t, t)} {percent(v, 0)}"
                                                                     for t, v in th.items() if v > 0),
                     tr("Most frequent words", language): sep.join(d["words"]["term"].head(6 if is_chinese(language) else 5))})
    return pd.DataFrame(rows)


def quotes_display(res: OpenEnded, names: Mapping[str, str], language: str) -> pd.DataFrame:
    """The quotes of each theme, verbatim (the table escapes them)."""
    q = res.quotes[res.quotes["kind"] == "theme"]
    return pd.DataFrame({tr("Theme", language): [names.get(t, t) for t in q["theme"]],
                         tr("Answer (verbatim)", language): q["text"].tolist()})


def unmatched_display(res: OpenEnded, language: str) -> pd.DataFrame:
    """A sample of the answers no theme catches, for extending the keyword lists."""
    q = res.quotes[res.quotes["kind"] == "unmatched"]
    return pd.DataFrame({tr("Answer (verbatim)", language): q["text"].tolist()})


def column_text(res: OpenEnded, names: Mapping[str, str], language: str) -> str:
    """One paragraph: how many answered, the most mentioned theme, and the themes tied to dissatisfaction."""
    c = res.counts
    parts = [tr("Of {n} analysed respondents, {a} answered the question ({e} left it empty and {na} wrote a "
                "non-answer, both set aside).", language, n=c["n"], a=c["answered"], e=c["empty"], na=c["non_answer"])]
    t = res.themes
    if len(t) and c["answered"]:
        top = t.sort_values("n", ascending=False, kind="stable").iloc[0]
        parts.append(tr("The most mentioned theme is {theme} ({share} of the answers); {u} answers fall under no "
                        "theme.", language, theme=names.get(top["theme"], top["theme"]), share=percent(top["share"], 0),
                        u=c["unmatched"]))
        neg = t[(t["diff"] < 0) & (t["pvalue.holm"] < 0.05)].sort_values("diff", kind="stable")
        if len(neg):
            sep = "、" if is_chinese(language) else ", "
            parts.append(tr("Respondents who mention {themes} are significantly less satisfied than those who do not "
                            "(Holm-adjusted).", language,
                            themes=sep.join((f"{names.get(r['theme'], r['theme'])}（{r['diff']:+.1f}）"
                                             if is_chinese(language) else
                                             f"{names.get(r['theme'], r['theme'])} ({r['diff']:+.1f})")
                                            for _, r in neg.iterrows())))
        else:
            parts.append(tr("No theme goes with a significantly lower satisfaction index (Holm-adjusted).", language))
    return (" " if not is_chinese(language) else "").join(parts)
