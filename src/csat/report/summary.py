"""The executive summary and the methods text of a study, generated from its results files.

:func:`load_results` reads ``reports/<study>/results/``; :func:`build_summary` turns those
tables and the study's params into one tidy dict (``results/summary.json``) that holds every
number the summary states; :func:`index_chart` draws the one-glance figure.  Nothing here is typed
by hand: change a result and the summary changes with it.

Every sentence of the summary is a dict ``{"key", "en", "zh", "numbers"}``: the same sentence in
English and in natural Chinese, and the numbers it states (``{name: value}``, each rounded as
printed), so a test can check that the text says what the results say.  A sentence is written once,
as an English template with named values (:func:`sentence`); the catalog (:mod:`csat.core.i18n`,
``csat/locale/zh/report.po``) translates it.  ``summary.json`` keeps ``en`` and ``zh`` (simplified
Chinese) whatever the study's language; a report in another language, e.g. traditional Chinese
(``zh-Hant``), writes each sentence again from its template in that language when it is shown
(:meth:`Sentence.text`, :func:`in_language`), so the catalog's zh-Hant entries and the study's own
labels (converted with :func:`csat.core.i18n.localize`) apply.

What the summary holds (each part only when the study has it):

* ``headline`` — the headline index (0–100) with its 95% interval and margin of error: the
  PLS/ACSI-weighted index of ``csi_index.csv`` with ``estimator: pls``, otherwise the construct
  index of ``construct_scores.csv`` (mean score rescaled, t-interval).  The headline construct is the
  IPMA target, else the construct named like satisfaction; a study without one (a scale validation)
  has no headline and lists its construct indices only.
* ``indices`` and ``nps`` — every construct's index; the Net Promoter Score.
* ``drivers`` — from ``ipma.csv``: the constructs ranked by importance (total effect on the target)
  with their performance and IPMA quadrant ("improve first", "keep up", "low priority",
  "possible overkill"; split at the means, Martilla & James 1977; Ringle & Sarstedt 2016).
* ``recommendations`` — 3 to 5, derived from the quadrants: every "improve first" construct (or, when
  none, the most important driver), then the other important ones, then the rest grouped; each
  construct recommendation names its weakest items by their wording (lowest item means, ``items.csv``).
* ``groups`` — every significant group difference of ``group_tests.csv`` (Welch t / Welch ANOVA,
  ``p.holm`` < .05), one sentence each with its effect size (Hedges' g, ω²).
* ``quality`` — sample size and exclusions (``cleaning.json``), response and valid rates
  (``survey.invited``/``responded``), and every ``warning``- or ``error``-level entry of
  ``diagnostics.json``.

Numbers are formatted per language: en ``p < .001`` / ``p = .023`` (APA), Chinese ``p < 0.001`` /
``p = 0.023``; a p-value is never printed as 0.000.
"""
from __future__ import annotations

import json
import math
import re
from functools import partial
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from csat.core.i18n import N_, is_chinese, localize, tr, trc
from csat.core.text import format_p
from csat.report.words import stage_phrase

ALPHA = 0.05
MAX_GROUP_SENTENCES = 8

#: IPMA quadrant keys (csat.sem.ipma) -> the names a manager reads (English; translated where shown).
QUADRANT_NAMES: dict[str, str] = {
    "concentrate_here": N_("Improve first"),
    "keep_up": N_("Keep up"),
    "low_priority": N_("Low priority"),
    "possible_overkill": N_("Possible overkill"),
}


def quadrant_name(quadrant: str, language: str) -> str:
    """An IPMA quadrant (``concentrate_here``, …) as a manager reads it, in ``language``.

    >>> quadrant_name("concentrate_here", "en"), quadrant_name("concentrate_here", "zh")
    ('Improve first', '优先改进')
    """
    return tr(QUADRANT_NAMES[quadrant], language)


#: Results files read by :func:`load_results` (missing files are ``None``).
RESULT_FILES = ("cleaning.json", "construct_scores.csv", "csi_index.csv", "nps.json", "items.csv", "ipma.csv",
                "sem_effects.csv", "pls_effects.csv", "group_tests.csv", "posthoc.csv", "diagnostics.json",
                "sem_fit.json", "pls_bootstrap.json", "sem_bootstrap.json", "reliability.csv",
                "weighted_estimates.csv", "drivers.csv", "drivers.json", "gaps.csv", "kano.csv",
                "segment_profile.csv", "segment_selection.csv", "htmt.csv", "pls_htmt.csv", "cfa.json",
                "pls_quality.csv", "pls_simple_slopes.csv", "pls_estimates.csv", "open_ended_themes.csv",
                "open_ended_quotes.csv",
                "pls_mga.csv", "pls_micom.csv", "pls_predict.csv")

#: The months as :func:`fmt_date` writes them (English; translated where shown).
MONTHS = (N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"), N_("July"),
          N_("August"), N_("September"), N_("October"), N_("November"), N_("December"))


# ------------------------------------------------------------------------------ formatting
class Num:
    """A number stated in a sentence: value, decimals and kind (``num``, ``int``, ``pct``, ``p``)."""

    def __init__(self, value: float, digits: int = 1, kind: str = "num", sign: bool = False):
        self.value, self.digits, self.kind, self.sign = value, digits, kind, sign

    @property
    def rounded(self) -> float | int:
        if self.kind == "int":
            return int(round(self.value))
        if self.kind == "pct":
            return round(100 * float(self.value), self.digits)
        if self.kind == "p":
            return 0.001 if self.value < 0.001 else round(float(self.value), 3)
        return round(float(self.value), self.digits)

    def text(self, language: str) -> str:
        return fmt_number(self.value, self.digits, self.kind, language, self.sign)


def fmt_number(x: float, digits: int = 1, kind: str = "num", language: str = "en", sign: bool = False) -> str:
    """A number as printed in the report language.

    ``int``: thousands separated (``2,400``); ``pct``: a share as percent (``25.0%``); ``p``: a
    p-value with its relation (:func:`csat.core.text.format_p`), ``< .001``/``= .023`` in English (APA),
    ``< 0.001``/``= 0.023`` in Chinese — never ``0.000``; ``num``: ``digits`` decimals, the minus sign
    as U+2212.
    """
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    if kind == "p":
        return format_p(x, language)
    if kind == "int":
        return f"{int(round(x)):,}"
    if kind == "pct":
        return f"{100 * x:.{digits}f}%"
    s = f"{abs(x):.{digits}f}"
    neg = x < 0 and float(s) != 0
    return ("−" if neg else ("+" if sign and x > 0 else "")) + s


def fmt_date(d: Any, language: str = "en") -> str:
    """A date as the language writes it.

    >>> fmt_date("2024-03-04"), fmt_date("2024-03-04", "zh")
    ('4 March 2024', '2024年3月4日')
    """
    import datetime as _dt

    if isinstance(d, str):
        d = _dt.date.fromisoformat(d)
    return tr("{day} {month} {year}", language, day=d.day, month=tr(MONTHS[d.month - 1], language), year=d.year)


class Msg:
    """A part of a sentence that is itself a catalog message: its English template (marked with
    :func:`~csat.core.i18n.N_` where it is written) and the values that fill it, translated and filled
    in each language (a clause that a sentence has only sometimes, a list's item)."""

    def __init__(self, message: str, /, **values: Any):
        self.message, self.values = message, values


class Join:
    """Parts of a sentence written one after the other: as a list (``a, b and c`` in English, ``a、b、c``
    in Chinese), or with ``sep`` (a function of the language giving the separator).  The numbers of
    the ``k``-th part are named with ``k`` appended (``{label} ({e})`` → ``e0``, ``e1``, …) unless
    ``numbered`` is false."""

    def __init__(self, parts: list, sep: Callable[[str], str] | None = None, numbered: bool = True):
        self.parts, self.sep, self.numbered = list(parts), sep, numbered


def _fill(value: Any, language: str) -> str:
    """One value of a sentence as written in ``language``: a :class:`Num` formatted, a :class:`Msg`
    translated and filled, a :class:`Join` joined, a ``(English, Chinese)`` pair of the study's own
    texts (labels, wordings) picked (the Chinese converted for ``zh-Hant``), a function of the
    language called; anything else as it is."""
    if isinstance(value, Num):
        return value.text(language)
    if isinstance(value, Msg):
        return tr(value.message, language, **{k: _fill(v, language) for k, v in value.values.items()})
    if isinstance(value, Join):
        parts = [_fill(p, language) for p in value.parts]
        return value.sep(language).join(parts) if value.sep else _join(parts, language)
    if isinstance(value, tuple):
        en, zh = value
        if not is_chinese(language):
            return _fill(en, language)
        return localize(zh, language) if isinstance(zh, str) else _fill(zh, language)
    if callable(value):
        return value(language)
    return str(value)


def _numbers(values: Mapping[str, Any], suffix: str = "") -> dict:
    """The :class:`Num` values of a sentence (of its messages and lists too), by name, as rounded."""
    out = {}
    for k, v in values.items():
        if isinstance(v, Num):
            out[k + suffix] = v.rounded
        elif isinstance(v, Msg):
            out.update(_numbers(v.values, suffix))
        elif isinstance(v, Join):
            for i, part in enumerate(v.parts):
                if isinstance(part, Msg):
                    out.update(_numbers(part.values, f"{suffix}{i}" if v.numbered else suffix))
    return out


class Sentence(dict):
    """One summary sentence as ``summary.json`` holds it, ``{"key", …, "en", "zh", "numbers"}``, that
    can also write itself in any other language (:meth:`text`)."""

    def __init__(self, key: str, message: str, values: Mapping[str, Any], **fields: Any):
        self.msg = Msg(message, **values)
        super().__init__(key=key, **fields, en=self.text("en"), zh=self.text("zh"), numbers=_numbers(values))

    def text(self, language: str) -> str:
        """The sentence in ``language``."""
        return _fill(self.msg, language)


def sentence(key: str, message: str, /, **values: Any) -> Sentence:
    """One summary sentence: ``message`` is its English template (marked with
    :func:`~csat.core.i18n.N_`, translated by the catalog), ``values`` fill its ``{name}`` fields in
    each language (:func:`_fill`: a :class:`Num` is formatted per language and recorded in ``numbers``,
    a :class:`Msg` or :class:`Join` is a part of the sentence, an ``(en, zh)`` pair the study's own text);
    the result holds the sentence in English (``en``) and in Chinese (``zh``)."""
    return Sentence(key, message, values)


def in_language(s: Mapping, language: str) -> str:
    """A summary sentence in ``language``: written from its template (:meth:`Sentence.text`), or for a
    sentence read back from ``summary.json`` its ``en``/``zh`` text (converted for ``zh-Hant``)."""
    if isinstance(s, Sentence):
        return s.text(language)
    if language in s:
        return s[language]
    return localize(s["zh"], language) if is_chinese(language) else s["en"]


def _join(parts: list[str], language: str) -> str:
    """A list as the language writes it: ``a and b``, ``a, b and c``; in Chinese ``a、b、c``.

    >>> _join(["a", "b", "c"], "en"), _join(["a", "b"], "en"), _join(["甲", "乙"], "zh")
    ('a, b and c', 'a and b', '甲、乙')
    """
    if is_chinese(language):
        return "、".join(parts)
    if len(parts) <= 2:
        return " and ".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _list_sep(language: str) -> str:
    """The semicolon between the entries of a list whose entries have commas (``; `` / ``；``)."""
    return trc("list separator", "; ", language)


def _clause_sep(language: str) -> str:
    """The comma between the clauses of an enumeration (``, `` / ``，``)."""
    return trc("clause separator", ", ", language)


def load_results(results_dir: str | Path, names: tuple[str, ...] = RESULT_FILES) -> dict[str, Any]:
    """The results files the summary reads (``names``: some of them): ``{file name: DataFrame | dict |
    list | None}``."""
    from csat.core.errors import ReportError

    d = Path(results_dir)
    out: dict[str, Any] = {}
    for name in names:
        p = d / name
        if not p.is_file():
            out[name] = None
            continue
        try:
            if name.endswith(".json"):
                out[name] = json.loads(p.read_text(encoding="utf-8"))
            else:
                out[name] = pd.read_csv(p)
        except (ValueError, json.JSONDecodeError) as err:
            raise ReportError(f"{p}: cannot read ({err})") from None
    return out


def _labels(params) -> dict[str, tuple[str, str]]:
    """construct -> (English label, Chinese label); falls back to the other label, then the name."""
    out = {}
    for name, spec in params.constructs.items():
        en = spec.label or name
        out[name] = (en, spec.label_zh or en)
    for name, lab in params.pls.labels.items():      # constructs the PLS model adds (higher-order)
        en = lab if isinstance(lab, str) else (lab.en or lab.zh or name)
        out.setdefault(name, (en, en if isinstance(lab, str) else (lab.zh or en)))
    return out


def _has_wording(params, item: str) -> bool:
    lab = params.item_labels.get(item)
    return lab is not None and (isinstance(lab, str) or bool(lab.en or lab.zh))


def _wording(params, item: str) -> tuple[str, str]:
    """An item as a reader knows it: its wording (``item_labels``), or, without one, its construct's
    name with the code in parentheses (``Perceived value (val4)``) — never the bare code."""
    lab = params.item_labels.get(item)
    if lab is None or (not isinstance(lab, str) and not (lab.en or lab.zh)):
        for name, spec in params.constructs.items():
            if item in spec.items:
                en = spec.label or name
                return f"{en} ({item})", f"{spec.label_zh or en}（{item}）"
        return item, item
    if isinstance(lab, str):
        return lab, lab
    en = lab.en or lab.zh or item
    return en, lab.zh or en


def _f(x: Any) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return float("nan")
    return v


def headline_construct(params, available: list[str]) -> str | None:
    """The construct of the headline index: ``ipma.target`` if set, else the one named or labelled like
    satisfaction (:func:`csat.sem.ipma.find_target`), else ``None``."""
    from csat.sem.ipma import find_target

    try:
        t = find_target(params.constructs, params.ipma.target)
    except ValueError:
        t = None
    return t if t in available else None


#: The results files :func:`construct_indices` reads.
INDEX_FILES = ("cleaning.json", "construct_scores.csv", "csi_index.csv", "pls_bootstrap.json", "weighted_estimates.csv")

#: How an index was computed (``method`` of :func:`construct_indices`), as a reader names it (English;
#: translated where shown) and where the report shows it.
INDEX_METHODS = {
    "pls": N_("PLS-weighted (ACSI) index"),
    "equal": N_("equal item weights"),
    "weighted": N_("weighted to the population"),
    "unweighted": N_("unweighted sample"),
}


def method_name(method: str, language: str) -> str:
    """How an index was computed (a key of :data:`INDEX_METHODS`), in ``language``."""
    return tr(INDEX_METHODS[method], language)


def construct_indices(results: Mapping[str, Any], params) -> tuple[list[dict], str]:
    """Every construct's 0–100 index as the summary states it, and the file it is from: the PLS/ACSI
    index of ``csi_index.csv`` with ``estimator: pls`` (its interval from the bootstrap), otherwise
    the index of ``construct_scores.csv`` (rows without a finite index left out).

    ``results`` as :func:`load_results` reads them (the files of :data:`INDEX_FILES` are enough).
    Returns ``(indices, source)``: ``indices`` is a list of ``{"construct", "label_en", "label_zh",
    "index", "ci_lower", "ci_upper", "n"}``; the headline is the one of :func:`headline_construct`.
    """
    labels = _labels(params)
    lab = lambda c: labels.get(c, (c, c))   # noqa: E731
    n_clean = (results.get("cleaning.json") or {}).get("n_clean")
    scores = results.get("construct_scores.csv")
    indices = []
    if isinstance(scores, pd.DataFrame) and {"construct", "index"} <= set(scores.columns):
        for _, r in scores.iterrows():
            if not np.isfinite(_f(r["index"])):
                continue
            c = str(r["construct"])
            indices.append({"construct": c, "label_en": lab(c)[0], "label_zh": lab(c)[1], "index": _f(r["index"]),
                            "ci_lower": _f(r.get("index.ci.lower")), "ci_upper": _f(r.get("index.ci.upper")),
                            "n": int(r["n"]) if "n" in r and np.isfinite(_f(r["n"])) else None})
    for i in indices:
        i["method"] = "equal"
    source = "construct_scores.csv"
    csi = results.get("csi_index.csv")
    weighted = results.get("weighted_estimates.csv")
    if params.estimator == "pls" and isinstance(csi, pd.DataFrame) and not csi.empty:
        source = "csi_index.csv"
        nboot = (results.get("pls_bootstrap.json") or {}).get("n")
        equal = {i["construct"]: i for i in indices}
        indices = [{"construct": str(r["construct"]), "label_en": lab(str(r["construct"]))[0],
                    "label_zh": lab(str(r["construct"]))[1], "index": _f(r["index"]),
                    "ci_lower": _f(r.get("ci.lower")), "ci_upper": _f(r.get("ci.upper")),
                    "n": nboot if nboot is not None else n_clean, "method": "pls"} for _, r in csi.iterrows()]
        for i in indices:
            e = equal.get(i["construct"])
            if e is not None:
                i.update(alt_index=e["index"], alt_ci_lower=e["ci_lower"], alt_ci_upper=e["ci_upper"], alt_method="equal")
    elif isinstance(weighted, pd.DataFrame) and {"what", "name", "weighted"} <= set(weighted.columns):
        w = {str(r["name"]): r for _, r in weighted[weighted["what"] == "index"].iterrows()}
        if w and all(i["construct"] in w for i in indices):
            source = "weighted_estimates.csv"
            for i in indices:
                r = w[i["construct"]]
                i.update(alt_index=i["index"], alt_ci_lower=i["ci_lower"], alt_ci_upper=i["ci_upper"],
                         alt_method="unweighted", index=_f(r["weighted"]), ci_lower=_f(r.get("ci.lower.w")),
                         ci_upper=_f(r.get("ci.upper.w")), n_eff=_f(r.get("n_eff")), method="weighted")
    return indices, source


# ------------------------------------------------------------------------------ the summary
def build_summary(results: Mapping[str, Any], params) -> dict:
    """The summary of one study from its results (:func:`load_results`) and params (StudyParams).

    Returns a JSON-ready dict: ``study, title, language, scale, sample, survey, headline, indices,
    nps, drivers, recommendations, groups, quality`` and ``sections`` (the sentences, in the order the
    report shows them: ``headline, drivers, recommendations, groups, quality``).
    """
    labels = _labels(params)
    lab = lambda c: labels.get(c, (c, c))   # noqa: E731
    smin, smax = params.scale.min, params.scale.max
    bounded = smin is not None and smax is not None and not params.scale.continuous
    cleaning = results.get("cleaning.json") or {}
    n_clean, n_raw = cleaning.get("n_clean"), cleaning.get("n_raw")

    # -- indices --------------------------------------------------------------------------
    indices, source = construct_indices(results, params)
    scores = results.get("construct_scores.csv")
    means = []
    if isinstance(scores, pd.DataFrame) and {"construct", "mean"} <= set(scores.columns):
        means = [{"construct": str(r["construct"]), "label_en": lab(str(r["construct"]))[0],
                  "label_zh": lab(str(r["construct"]))[1], "mean": _f(r["mean"])}
                 for _, r in scores.iterrows() if np.isfinite(_f(r["mean"]))]
    target = headline_construct(params, [i["construct"] for i in indices])
    headline = None
    if target is not None:
        h = next(i for i in indices if i["construct"] == target)
        moe = (h["ci_upper"] - h["ci_lower"]) / 2 if np.isfinite(h["ci_lower"]) and np.isfinite(h["ci_upper"]) else None
        headline = {**h, "margin_of_error": moe, "source": source}

    # -- NPS ------------------------------------------------------------------------------
    nps_raw = results.get("nps.json")
    nps = None
    if isinstance(nps_raw, dict) and nps_raw.get("nps") is not None:
        nps = {k: nps_raw.get(k) for k in ("nps", "ci.lower", "ci.upper", "n", "p_promoters", "p_detractors")}
        west = results.get("weighted_estimates.csv")
        if source == "weighted_estimates.csv" and isinstance(west, pd.DataFrame):
            wn = west[west["what"] == "nps"]
            if not wn.empty:
                r = wn.iloc[0]
                nps["unweighted"] = {"nps": nps["nps"], "ci.lower": nps["ci.lower"], "ci.upper": nps["ci.upper"]}
                nps.update({"nps": _f(r["weighted"]), "ci.lower": _f(r["ci.lower.w"]), "ci.upper": _f(r["ci.upper.w"]),
                            "n_eff": _f(r["n_eff"]), "weighted": True})

    # -- survey ---------------------------------------------------------------------------
    sv = params.survey
    survey: dict[str, Any] = {}
    if sv is not None:
        for k in ("client", "population", "sampling", "mode"):
            if getattr(sv, k) is not None:
                survey[k] = {"en": sv.text(k, "en"), "zh": sv.text(k, "zh")}
        for k in ("fieldwork_start", "fieldwork_end"):
            if getattr(sv, k) is not None:
                survey[k] = getattr(sv, k).isoformat()
        survey["invited"], survey["responded"] = sv.invited, sv.responded
        survey["response_rate"] = (sv.responded / sv.invited) if sv.invited and sv.responded is not None else None
        survey["valid_rate"] = (n_clean / sv.responded) if sv.responded and n_clean is not None else None

    # -- drivers --------------------------------------------------------------------------
    drivers = []
    ipma = results.get("ipma.csv")
    effects = results.get("pls_effects.csv" if params.estimator == "pls" else "sem_effects.csv")
    if isinstance(ipma, pd.DataFrame) and not ipma.empty and target is not None:
        ipma = ipma.sort_values("importance", ascending=False, kind="stable")
        for rank, (_, r) in enumerate(ipma.iterrows(), start=1):
            c = str(r["construct"])
            d = {"rank": rank, "construct": c, "label_en": lab(c)[0], "label_zh": lab(c)[1],
                 "importance": _f(r["importance"]), "performance": _f(r["performance"]),
                 "quadrant": str(r["quadrant"]), "quadrant_en": quadrant_name(str(r["quadrant"]), "en"),
                 "quadrant_zh": quadrant_name(str(r["quadrant"]), "zh"), "ci_lower": None, "ci_upper": None}
            if isinstance(effects, pd.DataFrame) and "std.total.ci.lower" in effects.columns:
                e = effects[(effects["from"] == c) & (effects["to"] == target)]
                if not e.empty and np.isfinite(_f(e["std.total.ci.lower"].iloc[0])):
                    d["ci_lower"], d["ci_upper"] = _f(e["std.total.ci.lower"].iloc[0]), _f(e["std.total.ci.upper"].iloc[0])
                    d["std_total"] = _f(e["std.total"].iloc[0]) if "std.total" in e.columns else d["importance"]
            drivers.append(d)
    imp_mean = float(np.mean([d["importance"] for d in drivers])) if drivers else None
    perf_mean = float(np.mean([d["performance"] for d in drivers])) if drivers else None
    hedge_priorities(drivers, imp_mean, perf_mean)

    # -- weakest items ----------------------------------------------------------------------
    items = results.get("items.csv")
    weakest: dict[str, list[dict]] = {}
    if isinstance(items, pd.DataFrame) and {"item", "construct", "mean"} <= set(items.columns) and bounded:
        for c, sub in items.dropna(subset=["mean"]).groupby("construct", sort=False):
            sub = sub.sort_values("mean", kind="stable")
            weakest[str(c)] = [{"item": str(r["item"]), "wording_en": _wording(params, str(r["item"]))[0],
                                "wording_zh": _wording(params, str(r["item"]))[1], "mean": _f(r["mean"]),
                                "worded": _has_wording(params, str(r["item"])),
                                "index": 100 * (_f(r["mean"]) - smin) / (smax - smin)}
                               for _, r in sub.head(2).iterrows()]

    summary = {"study": params.study, "title": params.title_text(), "language": params.language,
               "estimator": params.estimator, "scale": {"min": smin, "max": smax},
               "sample": {"n_raw": n_raw, "n_clean": n_clean, "exclusions": cleaning.get("exclusions") or {}},
               "survey": survey or None, "headline": headline, "indices": indices, "means": means, "nps": nps,
               "drivers": drivers, "importance_mean": imp_mean, "performance_mean": perf_mean,
               "weakest_items": weakest, "index_methods": index_methods(indices, source),
               "model_n": model_n(results, params), "regression": regression_drivers(results, target),
               "gaps": service_gaps(results, params), "kano": kano_features(results, params),
               "segments": segment_story(results, params), "open_ended": open_ended_story(results, params),
               "measurement_methods": measurement_methods(results) if params.estimator == "pls" else None}
    moderations = pls_moderations(results, labels)
    if moderations:                                  # only a PLS model with product terms X:Z has the key
        summary["moderations"] = moderations
    target_lab = lab(target) if target else None
    summary["sections"] = {
        "headline": _headline_sentences(summary, target_lab),
        "drivers": _driver_sentences(summary, target_lab, params) + _moderation_sentences(moderations)
                   + _pls_predict_sentences(results, labels),
        "recommendations": _recommendations(summary, target_lab, params),
        "groups": (_group_sentences(results, labels, params, bounded) + _segment_sentences(summary, target_lab)
                   + _pls_mga_sentences(results, labels, params)),
        "quality": _quality_sentences(summary, results, params),
        "open_ended": _open_ended_sentences(summary),
    }
    summary["recommendations"] = summary["sections"]["recommendations"]
    summary["groups"] = summary["sections"]["groups"]
    return summary




#: Priorities when the bootstrap intervals do not separate a driver's importance from the drivers' on the
#: other side of the mean: the performance side alone is stated (English; translated where shown).
HEDGED_PRIORITIES = {
    "below_unranked": N_("Below average; importance not separable"),
    "above_unranked": N_("Above average; importance not separable"),
}


def priority_name(priority: str, language: str) -> str:
    """A driver's priority (an IPMA quadrant, or a hedged one of :data:`HEDGED_PRIORITIES`) in ``language``."""
    return tr(HEDGED_PRIORITIES[priority], language) if priority in HEDGED_PRIORITIES else quadrant_name(priority, language)


def separable(a: Mapping, b: Mapping) -> bool:
    """Whether two drivers' 95% bootstrap intervals do not overlap (so the data rank them apart).

    >>> separable({"ci_lower": .4, "ci_upper": .6}, {"ci_lower": .1, "ci_upper": .39})
    True
    >>> separable({"ci_lower": .4, "ci_upper": .6}, {"ci_lower": .1, "ci_upper": .45})
    False
    """
    return a["ci_lower"] > b["ci_upper"] or b["ci_lower"] > a["ci_upper"]


def hedge_priorities(drivers: list[dict], imp_mean: float | None, perf_mean: float | None) -> None:
    """Give each driver its ``priority``: its IPMA quadrant when its importance is ranked apart (:func:`separable`)
    from every driver on the other side of the mean importance, else only the side of its performance
    (``below_unranked``/``above_unranked``).  Without intervals (no bootstrap) the quadrant stands, with
    ``hedged`` false; ``separated`` lists the constructs each driver is ranked apart from."""
    known = bool(drivers) and all(d["ci_lower"] is not None for d in drivers)
    for d in drivers:
        d["priority"], d["hedged"], d["separated"] = d["quadrant"], False, []
        if not known:
            continue
        d["separated"] = [o["construct"] for o in drivers if o is not d and separable(d, o)]
        high = d["importance"] >= imp_mean
        other = [o for o in drivers if (o["importance"] >= imp_mean) != high]
        if other and all(o["construct"] in d["separated"] for o in other):
            continue
        d["hedged"] = True
        d["priority"] = "below_unranked" if d["performance"] < perf_mean else "above_unranked"
    for d in drivers:
        d["priority_en"], d["priority_zh"] = priority_name(d["priority"], "en"), priority_name(d["priority"], "zh")


def index_methods(indices: list[dict], source: str) -> dict | None:
    """The two values of each index when two methods give two (PLS-weighted and equal item weights; weighted
    and unweighted), side by side: ``{"method", "alt_method", "rows": [{construct, label_en, label_zh, index,
    alt_index}]}``; None when the study has one method only."""
    rows = [i for i in indices if i.get("alt_index") is not None]
    if not rows:
        return None
    return {"method": rows[0]["method"], "alt_method": rows[0]["alt_method"], "source": source,
            "rows": [{k: i.get(k) for k in ("construct", "label_en", "label_zh", "index", "ci_lower", "ci_upper",
                                            "alt_index", "alt_ci_lower", "alt_ci_upper")} for i in rows]}


def measurement_methods(results: Mapping[str, Any]) -> list[dict] | None:
    """The reliability and validity a PLS study computes twice, side by side per construct: Cronbach's alpha
    of the raw scores (03, Appendix D) and of the standardized items (PLS, Appendix F), composite reliability
    from the CFA's loadings (CR, 03) and from PLS's (rhoC, 05), and the AVE from each.  None without both."""
    rel, q = results.get("reliability.csv"), results.get("pls_quality.csv")
    if not isinstance(rel, pd.DataFrame) or not isinstance(q, pd.DataFrame) or rel.empty or q.empty:
        return None
    q = q.set_index("construct")
    out = []
    for _, r in rel.iterrows():
        c = str(r["construct"])
        if c not in q.index or not np.isfinite(_f(q.loc[c, "ave"])):
            continue
        out.append({"construct": c, "alpha": _f(r["alpha"]), "alpha_pls": _f(q.loc[c, "alpha"]),
                    "cr": _f(r["cr"]), "rhoc": _f(q.loc[c, "rhoC"]), "ave": _f(r["ave"]), "ave_pls": _f(q.loc[c, "ave"])})
    return out or None


def model_n(results: Mapping[str, Any], params) -> int | None:
    """The respondents the structural model is estimated on: ``ntotal`` of ``sem_fit.json`` (ML, listwise or
    FIML), ``n`` of ``pls_bootstrap.json`` (PLS); None without a model."""
    if params.estimator == "pls":
        n = (results.get("pls_bootstrap.json") or {}).get("n")
    else:
        n = (results.get("sem_fit.json") or {}).get("ntotal")
    return int(n) if n is not None and np.isfinite(_f(n)) else None


def regression_drivers(results: Mapping[str, Any], target: str | None) -> list[dict] | None:
    """06's key-driver regression of the headline construct (``drivers.csv``): predictors ranked by their
    LMG share of R², with beta and the LMG interval; None when 06 has none or explains another target."""
    reg, meta = results.get("drivers.csv"), results.get("drivers.json") or {}
    if not isinstance(reg, pd.DataFrame) or reg.empty or "lmg" not in reg.columns or meta.get("target") != target:
        return None
    reg = reg.sort_values("lmg", ascending=False, kind="stable")
    return [{"rank": k, "construct": str(r["predictor"]), "lmg": _f(r["lmg"]), "share": _f(r.get("lmg.share")),
             "beta": _f(r["beta"]), "r2": _f(meta.get("r2"))} for k, (_, r) in enumerate(reg.iterrows(), start=1)]


def _feature_label(params, kind: str, name: str) -> tuple[str, str]:
    """A Kano feature's or SERVQUAL dimension's label in English and Chinese (:mod:`csat.analyses.labels`)."""
    from csat.analyses.labels import dimension_label, feature_label

    f = feature_label if kind == "kano" else dimension_label
    return f(params, name, "en"), f(params, name, "zh")


def _column(params, column: str) -> tuple[str, str]:
    """A group column as the reader knows it, in English and Chinese (``column_labels``)."""
    from csat.analyses.labels import column_label

    return column_label(params, column, "en"), column_label(params, column, "zh")


def _level(params, column: str, level) -> tuple[str, str]:
    """A group level as the reader knows it, in English and Chinese (``value_labels``)."""
    from csat.analyses.labels import level_label

    return level_label(params, column, level, "en"), level_label(params, column, level, "zh")


def service_gaps(results: Mapping[str, Any], params) -> list[dict]:
    """The SERVQUAL dimensions whose perception falls significantly short of expectation (``gaps.csv``,
    dimension level, Holm p < .05, gap < 0), largest gap first."""
    g = results.get("gaps.csv")
    if not isinstance(g, pd.DataFrame) or g.empty:
        return []
    g = g[(g["level"] == "dimension") & (pd.to_numeric(g["p.holm"], errors="coerce") < ALPHA) & (g["gap"] < 0)]
    out = []
    for _, r in g.sort_values("gap", kind="stable").iterrows():
        en, zh = _feature_label(params, "servqual", str(r["dimension"]))
        out.append({"dimension": str(r["dimension"]), "label_en": en, "label_zh": zh, "gap": _f(r["gap"]),
                    "ci_lower": _f(r["ci.lower"]), "ci_upper": _f(r["ci.upper"]), "p_holm": _f(r["p.holm"]),
                    "mean_e": _f(r["mean.e"]), "mean_p": _f(r["mean.p"])})
    return out


def kano_features(results: Mapping[str, Any], params) -> list[dict]:
    """The Kano features customers take for granted (must-be, ``M``) or reward in proportion (one-dimensional,
    ``O``), must-be first, then by how much their absence dissatisfies (Worse)."""
    k = results.get("kano.csv")
    if not isinstance(k, pd.DataFrame) or k.empty:
        return []
    k = k[k["category"].isin(["M", "O"])].copy()
    k["order"] = (k["category"] != "M").astype(int)
    out = []
    for _, r in k.sort_values(["order", "worse"], kind="stable").iterrows():
        en, zh = _feature_label(params, "kano", str(r["feature"]))
        out.append({"feature": str(r["feature"]), "label_en": en, "label_zh": zh, "category": str(r["category"]),
                    "better": _f(r["better"]), "worse": _f(r["worse"]), "n": int(r["n"])})
    return out


def segment_story(results: Mapping[str, Any], params) -> dict | None:
    """The customer segments (06) as the summary tells them: each segment's share and its index of the headline
    construct (or of the first construct), and the best silhouette."""
    prof = results.get("segment_profile.csv")
    if not isinstance(prof, pd.DataFrame) or prof.empty:
        return None
    sel = results.get("segment_selection.csv")
    sil = None
    if isinstance(sel, pd.DataFrame) and "silhouette" in sel.columns and sel["silhouette"].notna().any():
        sil = float(pd.to_numeric(sel["silhouette"], errors="coerce").max())
    segs = []
    for seg, sub in prof.groupby("segment", sort=True):
        segs.append({"segment": int(seg), "share": _f(sub["share"].iloc[0]), "n": int(sub["n"].iloc[0]),
                     "index": {str(r["construct"]): _f(r["index"]) for _, r in sub.iterrows()}})
    return {"segments": segs, "silhouette": sil}


def _item_list(its: list[dict]) -> Join:
    """“wording” (index 58.2) and “wording” (index 56.7), with the numbers (``item0``, ``item1``); an item without
    wording is named by its construct and code, without quotes: Perceived value (val4) (index 64.7)."""
    return Join([Msg(N_("“{wording}” (index {item})") if it.get("worded", True) else N_("{wording} (index {item})"),
                     wording=(it["wording_en"], it["wording_zh"]), item=Num(it["index"], 1)) for it in its])


def _headline_sentences(s: dict, target_lab) -> list[dict]:
    out = []
    h = s["headline"]
    if h is not None:
        n = Msg(N_("; n = {n}"), n=Num(h["n"], kind="int")) if h.get("n") is not None else ""
        if h["margin_of_error"] is not None:
            interval = Msg(N_(" (95% confidence interval {lo} to {hi}, margin of error ±{moe} points{n})"),
                           lo=Num(h["ci_lower"], 1), hi=Num(h["ci_upper"], 1), moe=Num(h["margin_of_error"], 1), n=n)
        else:
            interval = Msg(N_(" (no interval: the bootstrap was off{n})"), n=n)
        kind = {"csi_index.csv": Msg(N_(" (ACSI-weighted PLS index)")),
                "weighted_estimates.csv": Msg(N_(" (weighted to the population's shares)"))}.get(h["source"], "")
        out.append(sentence("headline", N_("The {label} index is {index} out of 100{kind}{interval}."),
                            label=target_lab, index=Num(h["index"], 1), kind=kind, interval=interval))
        if h.get("alt_index") is not None and h.get("method") == "weighted":
            out.append(sentence("index_methods", N_("Every index on this page is weighted to the population's shares "
                                                    "(Appendix C, weighted estimates); the unweighted sample gives "
                                                    "{label} {alt}. The table below shows both values of every index."),
                                label=target_lab, alt=Num(h["alt_index"], 1)))
        elif h.get("alt_index") is not None and h.get("method") == "pls":
            out.append(sentence("index_methods", N_("Every index on this page is the PLS-weighted (ACSI) index of the "
                                                    "study's estimator (Appendix F); with equal item weights (Appendix "
                                                    "C) {label} would be {alt}. The table below shows both values of "
                                                    "every index."),
                                label=target_lab, alt=Num(h["alt_index"], 1)))
    if not s["indices"] and s.get("means"):
        means = Join([Msg(N_("{label} {m}"), label=(m["label_en"], m["label_zh"]), m=Num(m["mean"], 2))
                      for m in sorted(s["means"], key=lambda m: -m["mean"])])
        out.append(sentence("means", N_("The items are scores without fixed bounds, so no 0–100 index is computed; the "
                                        "constructs' mean scores are {means} (units differ between constructs, so the "
                                        "means are not comparable with each other)."), means=means))
    others = sorted([i for i in s["indices"] if h is None or i["construct"] != h["construct"]],
                    key=lambda i: -i["index"])
    if others:
        indices = Join([Msg(N_("{label} {i}"), label=(i["label_en"], i["label_zh"]), i=Num(i["index"], 1))
                        for i in others])
        if h is None:
            out.append(sentence("indices", N_("The constructs' 0–100 indices, from highest to lowest: {indices}."),
                                indices=indices))
        else:
            out.append(sentence("indices", N_("The other constructs' indices, from highest to lowest: {indices}."),
                                indices=indices))
    n = s["nps"]
    if n is not None and n.get("weighted"):
        out.append(sentence("nps", N_("The Net Promoter Score, weighted, is {nps} (95% confidence interval {lo} to {hi}; "
                                      "unweighted {u}): in the sample {pro} of customers are promoters and {det} "
                                      "detractors."),
                            nps=Num(n["nps"], 1), lo=Num(n["ci.lower"], 1), hi=Num(n["ci.upper"], 1),
                            u=Num(n["unweighted"]["nps"], 1),
                            pro=Num(n["p_promoters"], 1, "pct"), det=Num(n["p_detractors"], 1, "pct")))
    elif n is not None:
        out.append(sentence("nps", N_("The Net Promoter Score is {nps} (95% confidence interval {lo} to {hi}): "
                                      "{pro} of customers are promoters and {det} detractors."),
                            nps=Num(n["nps"], 1), lo=Num(n["ci.lower"], 1), hi=Num(n["ci.upper"], 1),
                            pro=Num(n["p_promoters"], 1, "pct"), det=Num(n["p_detractors"], 1, "pct")))
    return out


def _lab(r: Mapping) -> tuple[str, str]:
    return r["label_en"], r["label_zh"]


def pls_moderations(results: Mapping[str, Any], labels: Mapping[str, tuple[str, str]]) -> list[dict]:
    """The moderations of a PLS model (``pls_simple_slopes.csv`` with the product terms' paths of
    ``pls_estimates.csv``): one dict per product term, its path, interval and the simple slopes at −1 SD and
    +1 SD of the moderator; empty without product terms."""
    sl, est = results.get("pls_simple_slopes.csv"), results.get("pls_estimates.csv")
    if not isinstance(sl, pd.DataFrame) or sl.empty or not isinstance(est, pd.DataFrame):
        return []
    lab = lambda c: labels.get(c, (c, c))   # noqa: E731
    out = []
    for (y, x, z), g in sl.groupby(["lhs", "rhs", "moderator"], sort=False):
        row = est[(est["lhs"] == y) & (est["op"] == "~") & (est["rhs"] == f"{x}:{z}")]
        if row.empty:
            continue
        r = row.iloc[0]
        s = g.set_index("level")["slope"]
        lo, hi = _f(r["ci.lower"]), _f(r["ci.upper"])
        out.append({"outcome": str(y), "predictor": str(x), "moderator": str(z), "label_y": lab(str(y)),
                    "label_x": lab(str(x)), "label_z": lab(str(z)), "est": _f(r["est"]), "ci_lower": lo,
                    "ci_upper": hi, "significant": bool(np.isfinite(lo) and (lo > 0 or hi < 0)),
                    "slope_low": _f(s.get("-1 SD")), "slope_high": _f(s.get("+1 SD"))})
    return out


def _moderation_sentences(moderations: list[dict]) -> list[dict]:
    out = []
    for m in moderations:
        values = dict(moderator=m["label_z"], x=m["label_x"], y=m["label_y"], b=Num(m["est"], 3),
                      lo=Num(m["ci_lower"], 3), hi=Num(m["ci_upper"], 3), low=Num(m["slope_low"], 2),
                      high=Num(m["slope_high"], 2))
        if m["significant"]:
            out.append(sentence("moderation", N_("{moderator} moderates the effect of {x} on {y}: the effect is {low} when "
                                                 "{moderator} is one standard deviation below its mean and {high} one "
                                                 "above (interaction path {b}, 95% bootstrap interval {lo} to {hi})."),
                                **values))
        else:
            out.append(sentence("moderation_none", N_("{moderator} does not measurably moderate the effect of {x} on {y}: "
                                                      "the interaction path ({b}) has a 95% bootstrap interval from {lo} "
                                                      "to {hi}, which includes zero."), **values))
    return out


def _driver_sentences(s: dict, target_lab, params) -> list[dict]:
    d = s["drivers"]
    if not d:
        return []
    drivers = Join([Msg(N_("{label} ({e})"), label=_lab(r), e=Num(r["importance"], 2)) for r in d])
    what = Msg(N_("unstandardized total effect on the 0–100 scores")) if params.estimator == "pls" \
        else Msg(N_("standardized total effect"))
    out = [sentence("driver_ranking", N_("Ranked by their {what} on {target}, the drivers are {drivers}."),
                    what=what, target=target_lab, drivers=drivers)]
    test = {"mlr": N_("MLR: robust standard errors and the Yuan–Bentler scaled χ²"),
            "mlm": N_("MLM: robust standard errors and the Satorra–Bentler scaled χ²"),
            "wlsmv": N_("WLSMV: the items as ordered categories, robust standard errors and the mean-and-variance "
                        "adjusted χ²")}.get(params.estimator)
    if test:                                   # a robust or ordinal estimator: named with its test
        out.append(sentence("driver_estimator", N_("The effects come from the structural equation model estimated by "
                                                   "{test}."), test=Msg(test)))
    if all(r["ci_lower"] is not None for r in d) and len(d) > 1:
        pairs = [(a, b) for k, a in enumerate(d) for b in d[k + 1:] if separable(a, b)]
        kind = Msg(N_("standardized total effects")) if params.estimator == "pls" else Msg(N_("total effects"))
        if not pairs:
            out.append(sentence("driver_unranked",
                                N_("At this sample size the drivers cannot be ranked apart: the 95% bootstrap intervals "
                                   "of their {kind} overlap (together they span {lo} to {hi}), so no driver can be called "
                                   "more important than another."),
                                kind=kind, lo=Num(min(r["ci_lower"] for r in d), 2),
                                hi=Num(max(r["ci_upper"] for r in d), 2)))
        elif len(pairs) < len(d) * (len(d) - 1) // 2:
            out.append(sentence("driver_separated",
                                N_("The 95% bootstrap intervals of their {kind} rank apart only {pairs}; the other "
                                   "drivers cannot be ranked apart at this sample size."),
                                kind=kind, pairs=Join([Msg(N_("{a} above {b}"), a=_lab(a), b=_lab(b)) for a, b in pairs])))
        else:
            out.append(sentence("driver_all_separated",
                                N_("The 95% bootstrap intervals of their {kind} do not overlap: the ranking holds at this "
                                   "sample size."), kind=kind))
    weak = [r for r in d if r["ci_lower"] is not None and r["ci_lower"] <= 0 <= r["ci_upper"]]
    if weak:
        out.append(sentence("driver_uncertain",
                            N_("The 95% bootstrap interval of the effect of {drivers} includes zero: its importance "
                               "is uncertain."),
                            drivers=Join([_lab(r) for r in weak])))
    h, m = s["headline"], s.get("model_n")
    if h is not None and m is not None and h.get("n") is not None and m != h["n"]:
        out.append(sentence("driver_n",
                            N_("The model is estimated on the {m} respondents who answered every item it uses "
                               "(listwise); the indices use all {n} analysed respondents."),
                            m=Num(m, kind="int"), n=Num(h["n"], kind="int")))
    reg = s.get("regression")
    if reg:
        sem_rank = {r["construct"]: k for k, r in enumerate(d, start=1)}
        common = [r for r in reg if r["construct"] in sem_rank]
        moved = sorted(common, key=lambda r: -abs(r["rank"] - sem_rank[r["construct"]]))
        if moved and moved[0]["rank"] != sem_rank[moved[0]["construct"]]:
            r = moved[0]
            lab = next(_lab(x) for x in d if x["construct"] == r["construct"])
            out.append(sentence("driver_regression",
                                N_("The key-driver regression (Appendix G) puts {label} in place {rr} of {k} ({share} of "
                                   "the explained variance of {target}, LMG), the model in place {rs}: the regression "
                                   "credits each driver only with its own share beside the others, the model's total "
                                   "effect also with its influence through the other constructs, so the two rankings "
                                   "answer different questions."),
                                label=lab, rr=Num(r["rank"], kind="int"), k=Num(len(common), kind="int"),
                                share=Num(r["share"], 0, "pct"), target=target_lab,
                                rs=Num(sem_rank[r["construct"]], kind="int")))
    return out


def _recommendations(s: dict, target_lab, params) -> list[dict]:
    d = s["drivers"]
    weakest = s["weakest_items"]
    imp_m, perf_m = s["importance_mean"], s["performance_mean"]
    recs: list[dict] = []
    later: list[dict] = []

    def items_part(c, watch=False):
        its = weakest.get(c) or []
        if not its:
            return ""
        items = _item_list(its)
        if watch:
            return Msg(N_(" Watch its weakest-rated item: {items}.") if len(its) == 1
                       else N_(" Watch its weakest-rated items: {items}."), items=items)
        return Msg(N_(" Start with its weakest-rated item: {items}.") if len(its) == 1
                   else N_(" Start with its weakest-rated items: {items}."), items=items)

    done: set[str] = set()
    if d:
        first = [r for r in d if r["priority"] == "concentrate_here"]
        for r in first[:2]:
            recs.append(sentence("improve_first",
                                 N_("Improve {label} first: it drives {target} strongly (total effect {imp}, above the "
                                    "mean of {imp_m}) but performs below the average of the drivers (index {perf} "
                                    "against {perf_m}).{items}"),
                                 label=_lab(r), target=target_lab, imp=Num(r["importance"], 2),
                                 imp_m=Num(imp_m, 2), perf=Num(r["performance"], 1), perf_m=Num(perf_m, 1),
                                 items=items_part(r["construct"])))
            done.add(r["construct"])
        top = d[0]
        tier = [top] + [r for r in d[1:] if r["construct"] not in top["separated"]]
        if not first and (len(tier) == 1 or top["ci_lower"] is None):
            recs.append(sentence("largest_lever",
                                 N_("Work on {label} first: no driver is both important and below average, and {label} "
                                    "has the largest effect on {target} (total effect {imp}; index {perf}), so raising it "
                                    "moves {target} most.{items}"),
                                 label=_lab(top), target=target_lab, imp=Num(top["importance"], 2),
                                 perf=Num(top["performance"], 1), items=items_part(top["construct"])))
            done.add(top["construct"])
        elif not first:
            low = min(tier, key=lambda r: r["performance"])
            recs.append(sentence("tier_first",
                                 N_("{drivers} have the largest effects on {target}, and at this sample size they cannot "
                                    "be ranked apart; of them, {low} performs lowest (index {perf}), so it offers the most "
                                    "room for improvement.{items}"),
                                 drivers=Join([Msg(N_("{label} ({e})"), label=_lab(r), e=Num(r["importance"], 2))
                                               for r in tier]),
                                 target=target_lab, low=_lab(low), perf=Num(low["performance"], 1),
                                 items=items_part(low["construct"])))
            done |= {r["construct"] for r in tier}
        for r in [r for r in d if r["priority"] == "keep_up" and r["construct"] not in done][:1]:
            later.append(sentence("keep_up",
                                  N_("Keep up {label}: it matters for {target} (total effect {imp}) and already performs "
                                     "above the average of the drivers (index {perf} against {perf_m}); hold this level."
                                     "{items}"),
                                  label=_lab(r), target=target_lab, imp=Num(r["importance"], 2),
                                  perf=Num(r["performance"], 1), perf_m=Num(perf_m, 1),
                                  items=items_part(r["construct"], watch=True)))
            done.add(r["construct"])
        over = [r for r in d if r["priority"] == "possible_overkill" and r["construct"] not in done]
        if over:
            later.append(sentence("possible_overkill",
                                  N_("Review the effort spent on {drivers}: performance is above average but the effect "
                                     "on {target} is below average; resources may do more elsewhere."),
                                  target=target_lab, drivers=_driver_list(over)))
        low = [r for r in d if r["priority"] == "low_priority" and r["construct"] not in done]
        if low:
            later.append(sentence("low_priority",
                                  N_("Give {drivers} a lower priority: performance is below average, but so is the effect "
                                     "on {target}; monitor it in the next survey."),
                                  target=target_lab, drivers=_driver_list(low)))
        rest = [r for r in d if r["hedged"] and r["construct"] not in done]
        if rest:
            later.append(sentence("unranked_rest",
                                  N_("The effects of {drivers} on {target} cannot be ranked apart from the other drivers' "
                                     "at this sample size: watch their performance in the next survey rather than "
                                     "ranking them now."),
                                  target=target_lab, drivers=_driver_list(rest)))
    gaps = s.get("gaps") or []
    if gaps:
        g = gaps[0]
        more = Msg(N_(" Next: {dims}."), dims=Join([Msg(N_("{label} ({g})"), label=_lab(x), g=Num(x["gap"], 2))
                                                    for x in gaps[1:3]])) if len(gaps) > 1 else ""
        recs.append(sentence("service_gap",
                             N_("Close the largest service gap: {label}, where perception minus expectation is {gap} "
                                "points (95% confidence interval {lo} to {hi}; Holm p {p}).{more}"),
                             label=_lab(g), gap=Num(g["gap"], 2), lo=Num(g["ci_lower"], 2), hi=Num(g["ci_upper"], 2),
                             p=Num(g["p_holm"], kind="p"), more=more))
    kano = s.get("kano") or []
    must = [k for k in kano if k["category"] == "M"]
    one = [k for k in kano if k["category"] == "O"]
    if must or one:
        one_part = Msg(N_(" One-dimensional, so every improvement counts: {features}."),
                       features=Join([Msg(N_("{label} (Better {b})"), label=_lab(k), b=Num(k["better"], 2))
                                      for k in one])) if one else ""
        if must:
            recs.append(sentence("kano",
                                 N_("Secure the basics: customers take {features} for granted (Kano must-be): they earn "
                                    "no praise, but any failure there dissatisfies.{one}"),
                                 features=Join([Msg(N_("{label} (Worse {w})"), label=_lab(k), w=Num(k["worse"], 2))
                                                for k in must]), one=one_part))
        else:
            recs.append(sentence("kano", N_("In the Kano survey:{one}"), one=one_part))
    n = s.get("nps")
    if n is not None and n["ci.upper"] is not None and np.isfinite(_f(n["ci.upper"])) and n["ci.upper"] < 0:
        recs.append(sentence("nps_negative",
                             N_("Win back detractors: the Net Promoter Score is {nps} (95% confidence interval {lo} to "
                                "{hi}), so more customers would advise against recommending than for it ({det} "
                                "detractors, {pro} promoters)."),
                             nps=Num(n["nps"], 1), lo=Num(n["ci.lower"], 1), hi=Num(n["ci.upper"], 1),
                             det=Num(n["p_detractors"], 1, "pct"), pro=Num(n["p_promoters"], 1, "pct")))
    recs += later
    if not d and not recs:
        return []
    tgt = s["headline"]["construct"] if s["headline"] else None
    if len(recs) < 3 and tgt and weakest.get(tgt):
        recs.append(sentence("target_items",
                             N_("Within {target} itself, the lowest-rated questions are {items}; they show where "
                                "customers feel least well served."),
                             target=target_lab, items=_item_list(weakest[tgt])))
    if len(recs) < 3 and target_lab is not None:
        recs.append(sentence("remeasure",
                             N_("Repeat the survey with the same questionnaire after the changes, so that the effect "
                                "on {target} can be measured."), target=target_lab))
    return recs[:5]


def open_ended_story(results: Mapping[str, Any], params) -> list[dict]:
    """Per open question (``open_ended``): the two themes most associated with dissatisfaction — the most
    negative differences of the satisfaction index between those who mention the theme and those who do not
    (06's ``open_ended_themes.csv``) — each with its share, difference, Holm-adjusted p and its first quote
    (``open_ended_quotes.csv``, rank 1)."""
    themes, quotes = results.get("open_ended_themes.csv"), results.get("open_ended_quotes.csv")
    if not params.open_ended or not isinstance(themes, pd.DataFrame) or themes.empty:
        return []
    from csat.analyses.openended import column_name, theme_name

    out = []
    for col in params.open_ended:
        t = themes[(themes["column"].astype(str) == str(col)) & (themes["diff"] < 0)].sort_values("diff", kind="stable")
        rows = []
        for _, r in t.head(2).iterrows():
            q = None
            if isinstance(quotes, pd.DataFrame):
                qq = quotes[(quotes["column"].astype(str) == str(col)) & (quotes["kind"] == "theme")
                            & (quotes["theme"].astype(str) == str(r["theme"]))].sort_values("rank")
                q = str(qq["text"].iloc[0]) if len(qq) else None
            th = str(r["theme"])
            rows.append({"theme": th, "label_en": theme_name(params, col, th, "en"),
                         "label_zh": theme_name(params, col, th, "zh"), "share": _f(r["share"]), "diff": _f(r["diff"]),
                         "pvalue_holm": _f(r["pvalue.holm"]), "quote": q})
        if rows:
            out.append({"column": str(col), "label_en": column_name(params, col, "en"),
                        "label_zh": column_name(params, col, "zh"), "themes": rows})
    return out


def _open_ended_sentences(s: dict) -> list[dict]:
    """One sentence per open question: the two themes most associated with dissatisfaction, with a quote each."""
    out = []
    for c in s.get("open_ended") or []:
        parts = [Msg(N_("{theme} ({share} of the answers; satisfaction index {diff} points against those who do not "
                        "mention it, p {p}), as one customer put it: “{quote}”"),
                     theme=(r["label_en"], r["label_zh"]), share=Num(r["share"], 0, "pct"), diff=Num(r["diff"], 1, sign=True),
                     p=Num(r["pvalue_holm"], kind="p"), quote=r["quote"] or "")
                 for r in c["themes"]]
        out.append(sentence("open_ended", N_("In the open question “{question}” (Appendix G), the themes most associated "
                                             "with dissatisfaction are {themes}."),
                            question=(c["label_en"], c["label_zh"]), themes=Join(parts, sep=_list_sep)))
    return out


def _segment_sentences(s: dict, target_lab) -> list[dict]:
    """The segment story: each segment's share and its index of the headline construct, and whether the
    segments are clearly separated (silhouette)."""
    seg = s.get("segments")
    if not seg:
        return []
    h = s["headline"]
    c = h["construct"] if h else next(iter(seg["segments"][0]["index"]), None)
    if c is None:
        return []
    lab = target_lab if h else (c, c)
    weak = Msg(N_(" The best silhouette is {sil} (below .25): the segments divide a continuum rather than separate "
                  "distinct types of customer.")) if seg["silhouette"] is not None and seg["silhouette"] < 0.25 else ""
    if weak:
        weak.values["sil"] = Num(seg["silhouette"], 2)
    return [sentence("segments",
                     N_("Customer segments (Appendix G), by their {label} index: {segs}.{weak}"),
                     label=lab,
                     segs=Join([Msg(N_("{share} of customers at {i}"), share=Num(x["share"], 0, "pct"),
                                    i=Num(x["index"].get(c, float("nan")), 1)) for x in seg["segments"]]),
                     weak=weak)]


def _driver_list(drivers: list[dict]) -> Join:
    """Drivers with their index and total effect (numbers ``p0, e0, p1, e1, …``)."""
    return Join([Msg(N_("{label} (index {p}, total effect {e})"), label=(r["label_en"], r["label_zh"]),
                     p=Num(r["performance"], 1), e=Num(r["importance"], 2)) for r in drivers])


def _group_sentences(results, labels, params, bounded: bool) -> list[dict]:
    gt = results.get("group_tests.csv")
    if not params.groups or not isinstance(gt, pd.DataFrame) or gt.empty:
        return []
    main = gt[gt["test"].isin(["welch_t", "welch_anova"])].copy()
    if main.empty:
        return []
    main["p.holm"] = pd.to_numeric(main["p.holm"], errors="coerce")
    sig = main[main["p.holm"] < ALPHA].copy()
    span = (params.scale.max - params.scale.min) if bounded else None
    out = []
    if sig.empty:
        out.append(sentence("groups_none",
                            N_("None of the {k} comparisons of construct scores between groups ({groups}) is "
                               "significant after Holm's adjustment; this does not show that the groups are equal."),
                            k=Num(len(main), kind="int"),
                            groups=Join([_column(params, g) for g in params.groups], sep=_clause_sep, numbered=False)))
        return out
    sig["abs_es"] = pd.to_numeric(sig["effect_size"], errors="coerce").abs()
    sig = sig.sort_values(["p.holm", "abs_es"], ascending=[True, False], kind="stable")
    out.append(sentence("groups_count",
                        N_("{k} of {m} comparisons of construct scores between groups is significant after Holm's "
                           "adjustment (5% level):") if len(sig) == 1 else
                        N_("{k} of {m} comparisons of construct scores between groups are significant after Holm's "
                           "adjustment (5% level):"),
                        k=Num(len(sig), kind="int"), m=Num(len(main), kind="int")))
    post = results.get("posthoc.csv")
    for _, r in sig.head(MAX_GROUP_SENTENCES).iterrows():
        c = str(r["construct"])
        label = labels.get(c, (c, c))
        g = str(r["group"])
        if r["test"] == "welch_t":
            a, b = str(r["levels"]).split(" | ")[:2]
            diff = _f(r["estimate"])
            hi, lo = (a, b) if diff >= 0 else (b, a)
            if span:
                out.append(sentence("group_t",
                                    N_("{label} is higher for {hi} than for {lo} ({g}) by {d} index points "
                                       "(Hedges' g = {es}, p {p})."),
                                    label=label, g=_column(params, g), hi=_level(params, g, hi), lo=_level(params, g, lo),
                                    d=Num(abs(diff) * 100 / span, 1),
                                    es=Num(abs(_f(r["effect_size"])), 2), p=Num(_f(r["p.holm"]), kind="p")))
            else:
                out.append(sentence("group_t",
                                    N_("{label} is higher for {hi} than for {lo} ({g}) by {d} points "
                                       "(Hedges' g = {es}, p {p})."),
                                    label=label, g=_column(params, g), hi=_level(params, g, hi), lo=_level(params, g, lo),
                                    d=Num(abs(diff), 2),
                                    es=Num(abs(_f(r["effect_size"])), 2), p=Num(_f(r["p.holm"]), kind="p")))
        else:
            ext = _extremes(post, c, g)
            vals = dict(label=label, g=_column(params, g), es=Num(_f(r["effect_size"]), 3), p=Num(_f(r["p.holm"]), kind="p"))
            if ext and span:
                (hl, hm), (ll, lm) = ext
                vals.update(hl=_level(params, g, hl), ll=_level(params, g, ll), hm=Num(100 * (hm - params.scale.min) / span, 1),
                            lm=Num(100 * (lm - params.scale.min) / span, 1))
                out.append(sentence("group_f",
                                    N_("{label} differs by {g} (ω² = {es}, p {p}): highest for {hl} (index {hm}), "
                                       "lowest for {ll} (index {lm})."), **vals))
            else:
                out.append(sentence("group_f", N_("{label} differs by {g} (ω² = {es}, p {p})."), **vals))
    if len(sig) > MAX_GROUP_SENTENCES:
        out.append(sentence("groups_more", N_("{k} further differences are listed in the appendix (descriptive "
                                              "statistics)."), k=Num(len(sig) - MAX_GROUP_SENTENCES, kind="int")))
    out.append(sentence("groups_note", N_("p-values are Holm-adjusted; these are differences in this sample, not "
                                          "effects of belonging to a group.")))
    return out


def _pls_mga_sentences(results, labels, params) -> list[dict]:
    """The PLS multi-group analysis (``pls_mga.csv``, ``pls_micom.csv``): the path differences that survive
    (both tests p < .05, compositional invariance; :func:`csat.analyses.structural.mga_surviving`)."""
    from csat.analyses.structural import mga_surviving

    cmp_, mic = results.get("pls_mga.csv"), results.get("pls_micom.csv")
    opts = getattr(params.pls, "mga", None)
    if opts is None or not isinstance(cmp_, pd.DataFrame) or cmp_.empty or not isinstance(mic, pd.DataFrame):
        return []
    g = opts.group
    surv = mga_surviving(cmp_, mic)
    lab = lambda c: labels.get(c, (c, c))  # noqa: E731
    if surv.empty:
        return [sentence("pls_mga_none", N_("No path of the PLS model differs between the groups of {g} (PLS-MGA: "
                                            "Henseler's and the permutation test, p < .05, on invariant composites)."),
                         g=_column(params, g))]
    paths = Join([Msg(N_("{frm} → {to} ({g1} {e1}, {g2} {e2})"), frm=lab(str(r["rhs"])), to=lab(str(r["lhs"])),
                      g1=_level(params, g, r["group1"]), g2=_level(params, g, r["group2"]),
                      e1=Num(_f(r["est.group1"]), 2), e2=Num(_f(r["est.group2"]), 2)) for _, r in surv.iterrows()],
                 sep=_list_sep)
    return [sentence("pls_mga", N_("Paths of the PLS model that differ between the groups of {g} (PLS-MGA: both "
                                   "tests p < .05, composites invariant): {paths}."), g=_column(params, g), paths=paths)]


def _pls_predict_sentences(results, labels) -> list[dict]:
    """PLSpredict's verdict (``pls_predict.csv``; Shmueli et al. 2019, earliest-antecedent predictions, RMSE)."""
    from csat.analyses.structural import PREDICTIVE_POWER
    from csat.sem.pls.predict import predictive_power

    t = results.get("pls_predict.csv")
    if not isinstance(t, pd.DataFrame) or t.empty or "target" not in t.columns:
        return []
    t = t[(t["technique"] == "EA") & t["target"].astype(bool)]
    if t.empty:
        return []
    verdict = predictive_power(t["q2.predict"].to_numpy(), t["rmse.pls"].to_numpy(), t["rmse.lm"].to_numpy())
    targets = Join([labels.get(c, (c, c)) for c in dict.fromkeys(t["construct"].astype(str))], numbered=False)
    return [sentence("pls_predict", N_("Out of sample (PLSpredict, Shmueli et al. 2019) the model has {power} for "
                                       "{targets}: it predicts {k} of {n} indicators more accurately than a linear "
                                       "regression benchmark."),
                     power=Msg(PREDICTIVE_POWER[verdict]), targets=targets,
                     k=Num(int((t["rmse.pls"] < t["rmse.lm"]).sum()), kind="int"), n=Num(len(t), kind="int"))]


def _extremes(post, construct: str, group: str):
    """(level, mean) of the highest and the lowest level, from the post hoc pairs (posthoc.csv)."""
    if not isinstance(post, pd.DataFrame) or post.empty:
        return None
    sub = post[(post["construct"].astype(str) == construct) & (post["group"].astype(str) == group)]
    if sub.empty:
        return None
    means = {}
    for _, r in sub.iterrows():
        means[str(r["A"])] = _f(r["mean.A"])
        means[str(r["B"])] = _f(r["mean.B"])
    hi = max(means, key=means.get)
    lo = min(means, key=means.get)
    return (hi, means[hi]), (lo, means[lo])


#: The exclusion rules of the cleaning (``cleaning.json``'s ``exclusions``) as a reader names them
#: (English; translated where shown).
EXCLUSION_NAMES = {"duplicates": N_("duplicate submissions"), "speeders": N_("speeders"),
                   "straightlining": N_("identical answers to every item"),
                   "attention_checks": N_("failed attention checks"),
                   "max_missing_share": N_("too many unanswered items")}


def _quality_sentences(s: dict, results, params=None) -> list[dict]:
    out = []
    smp = s["sample"]
    if smp["n_clean"] is not None and smp["n_raw"] is not None:
        ex = {k: v for k, v in (smp["exclusions"] or {}).items() if v}
        n = Num(smp["n_clean"], kind="int")
        if ex:
            excluded = Join([Msg(N_("{x} {reason}"), x=Num(v, kind="int"),
                                 reason=Msg(EXCLUSION_NAMES[key]) if key in EXCLUSION_NAMES else key)
                             for key, v in ex.items()])
            out.append(sentence("sample", N_("{n} of {raw} returned questionnaires were analysed; {x} were excluded: "
                                             "{excluded}."),
                                n=n, raw=Num(smp["n_raw"], kind="int"), x=Num(smp["n_raw"] - smp["n_clean"], kind="int"),
                                excluded=excluded))
        else:
            out.append(sentence("sample", N_("All {n} returned questionnaires were analysed."), n=n))
    sv = s["survey"] or {}
    if sv.get("response_rate") is not None:
        out.append(sentence("response_rate", N_("{resp} of {inv} invited people answered (response rate {rr})."),
                            resp=Num(sv["responded"], kind="int"), inv=Num(sv["invited"], kind="int"),
                            rr=Num(sv["response_rate"], 1, "pct")))
    if sv.get("valid_rate") is not None:
        out.append(sentence("valid_rate", N_("The valid rate (analysed of returned questionnaires) is {vr}."),
                            vr=Num(sv["valid_rate"], 1, "pct")))
        if sv["valid_rate"] > 1:
            out.append(sentence("valid_rate_check",
                                N_("More questionnaires were analysed than survey.responded says were returned: check "
                                   "survey.responded in the parameter file.")))
    diags = results.get("diagnostics.json") or []
    serious = [d for d in diags if isinstance(d, dict) and d.get("severity") in ("warning", "error")]
    if serious:
        kinds = merged_diagnostic_sentences(serious, results, {i["construct"]: _lab(i) for i in s["indices"]},
                                            study_names(params) if params is not None else None)
        if len(serious) == 1:
            out.append(sentence("diag_intro", N_("Read the results with this warning of the analysis in mind:")))
        elif len(kinds) > 1:
            out.append(sentence("diag_intro", N_("Read the results with these {k} warnings of the analysis in mind "
                                                 "({j} kinds):"),
                                k=Num(len(serious), kind="int"), j=Num(len(kinds), kind="int")))
        else:
            out.append(sentence("diag_intro", N_("Read the results with these {k} warnings of the analysis in mind:"),
                                k=Num(len(serious), kind="int")))
        out += kinds
    else:
        out.append(sentence("diag_none", N_("The analysis raised no warning (model fit, validity and estimates were "
                                            "checked at every stage).")))
    return out


#: Plain words for the diagnostics (code -> English, translated where shown): what a manager should
#: know.  The diagnostic's own message (English, with the details) follows in the English summary;
#: every code the stages raise at ``warning``/``error`` level has an entry (a test checks it), an
#: unknown code is shown with its message.
DIAG_FRAMES: dict[str, str] = {
    # fit and estimation
    "poor_fit": N_("the model fits the data poorly on this index"),
    "nonconvergence": N_("the model estimation did not converge: its estimates cannot be used"),
    "heywood": N_("a variance is estimated as negative (inadmissible solution)"),
    "std_gt_1": N_("a standardized estimate exceeds 1 (inadmissible solution)"),
    "latent_not_pd": N_("the constructs' covariance matrix is not positive definite (inadmissible solution)"),
    "ill_conditioned": N_("two constructs are almost perfectly correlated"),
    "r2_near_1": N_("a construct is explained almost perfectly (R² near 1), which points to overlapping constructs"),
    "bootstrap_failed": N_("some bootstrap resamples failed"),
    "bootstrap_inadmissible": N_("some bootstrap resamples gave inadmissible solutions"),
    "bootstrap_too_few": N_("too few bootstrap resamples succeeded for intervals"),
    "bootstrap_few": N_("the bootstrap has fewer resamples than recommended"),
    # the data file
    "ragged_rows": N_("some rows of the data file have more or fewer fields than its header"),
    "fewer_rows_than_responded": N_("the data file holds fewer rows than the questionnaires returned"),
    # reliability and validity
    "discriminant_validity": N_("two constructs are hard to tell apart (discriminant validity)"),
    "htmt": N_("two constructs are hard to tell apart (HTMT, discriminant validity)"),
    "fornell_larcker": N_("a construct shares more variance with another than with its items (Fornell–Larcker)"),
    "low_alpha": N_("a scale is not reliable enough (Cronbach's alpha)"),
    "low_cr": N_("a scale is not reliable enough (composite reliability)"),
    "low_ave": N_("a construct's items share too little variance (convergent validity, AVE)"),
    "weak_loading": N_("an item measures its construct weakly"),
    "negative_item_total": N_("an item runs against the other items of its construct"),
    "zero_variance_item": N_("an item has no variation"),
    # factor analysis
    "efa_mismatch": N_("items do not group with their construct in the exploratory factor analysis"),
    "cross_loading": N_("an item loads on two factors"),
    "low_kmo": N_("the items are barely suitable for factor analysis (KMO)"),
    "low_msa": N_("an item is barely suitable for factor analysis (MSA)"),
    "bartlett_ns": N_("the items are hardly correlated (Bartlett's test)"),
    "efa_heywood": N_("the factor analysis gave an impossible communality"),
    "efa_nonconvergence": N_("the factor analysis did not converge"),
    "efa_negative_df": N_("the factor analysis has more parameters than data"),
    "n_factors_zero": N_("parallel analysis suggests no factor"),
    "noninvariance": N_("the questionnaire is not measured the same way in every group (measurement invariance)"),
    # PLS
    "pls_collinearity": N_("collinearity among items or constructs (VIF)"),
    "pls_not_converged": N_("the PLS algorithm did not converge"),
    "pls_reliability": N_("a scale is not reliable enough"),
    "pls_htmt": N_("two constructs are hard to tell apart (HTMT, discriminant validity)"),
    "pls_convergent_validity": N_("a construct's items share too little variance (convergent validity)"),
    "pls_negative_weight": N_("an item has a negative weight in the index"),
    "pls_bootstrap_too_few": N_("too few bootstrap resamples succeeded for intervals"),
    "pls_bootstrap_failed": N_("some bootstrap resamples failed"),
    "pls_mga_group_skipped": N_("a group is too small for the PLS multi-group analysis and was left out"),
    "pls_mga_permutations_failed": N_("many permutations of the PLS multi-group analysis could not be estimated"),
    "pls_predict_not_converged": N_("some PLSpredict training samples did not converge"),
    # data
    "out_of_range": N_("answers outside the scale were set missing"),
    "nonnumber_text": N_("text such as NaN or inf in an item was set missing"),
    "negative_duration": N_("negative completion times were set missing"),
    "long_header": N_("a column header is very long"),
    "mcar_rejected": N_("answers are not missing completely at random (Little's test)"),
    "high_missing_item": N_("many respondents skipped an item"),
    "high_exclusion": N_("cleaning excluded a large share of the respondents"),
    "item_few_answers": N_("an item has few answers"),
    "small_sample": N_("the sample is small for this analysis"),
    "small_wave": N_("a survey wave has few respondents"),
    # groups, drivers, segments, extras
    "group_small_level": N_("a group is very small"),
    "group_test_undefined": N_("a group comparison could not be computed"),
    "chisq_small_expected": N_("a chi-square test has small expected counts"),
    "driver_vif": N_("the drivers are strongly intercorrelated (VIF)"),
    "driver_suppressor": N_("a driver acts as a suppressor (sign of beta and correlation differ)"),
    "segments_weak": N_("the customer segments are not clearly separated"),
    "weights_margins": N_("the survey weights could not reach the population shares"),
    "weights_extreme": N_("some survey weights are extreme"),
    "weights_deff": N_("the survey weights reduce the effective sample size considerably"),
    "kano_questionable": N_("many Kano answers are contradictory"),
    "kano_empty": N_("a Kano feature has no usable answers"),
    "servqual_small_n": N_("a service-gap comparison has few answers"),
    # raised before or around the analyses
    "cfa_failed": N_("the measurement model (CFA) could not be fitted"),
    "invariance_failed": N_("the measurement invariance models could not be fitted"),
    "item_too_few_answers": N_("an item has too few answers to be analysed"),
    "item_zero_variance": N_("every respondent answered an item the same way"),
    "items_collinear": N_("some items are perfectly collinear"),
    "too_few_respondents": N_("there are too few respondents for the number of items"),
    "too_few_complete": N_("too few respondents answered every item"),
    "recommend_no_answers": N_("nobody answered the recommendation question"),
    "nps_column_missing": N_("the recommendation question is missing from the data"),
    "kano_invalid_answers": N_("some Kano answers are outside the answer scale"),
    "servqual_invalid_answers": N_("some service-gap answers are outside the answer scale"),
    "missing_glyph": N_("a chart lacks a font for some characters"),
}

#: The severity of a diagnostic as a summary sentence names it (English; translated where shown).
SEVERITY_NAMES = {"warning": N_("Warning"), "error": N_("Error")}


_WORD = re.compile(r"[^\s,;:–~()=<>+*/|-]+")


def study_names(params) -> set[str]:
    """The study's own codes a reader may meet in a diagnostic's ``where``: constructs, items, group columns,
    Kano features, SERVQUAL dimensions and their items."""
    names = set(params.constructs) | {i for c in params.constructs.values() for i in c.items} | set(params.groups)
    for f, spec in (params.kano or {}).items():
        names |= {f, spec.functional, spec.dysfunctional}
    for d, spec in (params.servqual or {}).items():
        names |= {d, *spec.expectation, *spec.perception}
    return names


def _where_text(where: str) -> str:
    """A diagnostic's ``where`` as a reader reads it: without the model's prefix (``CFA: ``), a covariance
    ``EXPE ~~ QUAL`` as the pair ``EXPE – QUAL`` and a variance ``sat1 ~~ sat1`` as ``sat1``.

    >>> _where_text("CFA: EXPE ~~ QUAL"), _where_text("sat1 ~~ sat1"), _where_text("qual1")
    ('EXPE – QUAL', 'sat1', 'qual1')
    """
    where = re.sub(r"^(?:CFA|SEM|EFA|PLS):\s*", "", where.strip())
    m = re.fullmatch(r"(\S+)\s*~~\s*(\S+)", where)
    if m:
        return m.group(1) if m.group(1) == m.group(2) else f"{m.group(1)} – {m.group(2)}"
    return where


def _reader_where(where: str, names: set[str] | None) -> bool:
    """Whether a diagnostic's ``where`` names only the study's own codes (``qual1``, ``EXPE – QUAL``), and so is
    shown; a program's word (``bootstrap``, ``segments``, ``CFA: cfi``) is not."""
    if names is None:
        return True
    words = _WORD.findall(where)
    return bool(words) and all(w in names for w in words)


def diagnostic_sentences(diags: list[Mapping], names: set[str] | None = None) -> list[dict]:
    """Every ``warning``/``error`` diagnostic in plain words, one sentence per code and stage (errors
    first): the framing of :data:`DIAG_FRAMES`, where it applies and, in English, the diagnostic's own
    message (for several of one kind: the first, with the count), in the study's language (``message_zh``
    for Chinese); a code without plain words is shown with its message."""
    serious = [d for d in diags if isinstance(d, Mapping) and d.get("severity") in ("warning", "error")]
    groups: dict[tuple, list[Mapping]] = {}
    for d in serious:
        groups.setdefault((d.get("severity") != "error", str(d.get("stage", "")), str(d.get("code", ""))), []).append(d)
    out = []
    for (_, stage, code), ds in sorted(groups.items(), key=lambda kv: kv[0][0]):
        frame = DIAG_FRAMES.get(code)
        severity = Msg(SEVERITY_NAMES["warning" if ds[0].get("severity") != "error" else "error"])
        wheres = [_where_text(str(d["where"])) for d in ds
                  if d.get("where") and _reader_where(_where_text(str(d["where"])), names)]
        where = ", ".join(dict.fromkeys(wheres))
        msg = str(ds[0].get("message", "")).strip()
        # the diagnostic's own message in both languages (diagnostic() stores the catalog's Chinese as message_zh)
        msg_zh = str(ds[0].get("message_zh") or "").strip() or msg
        if frame:
            msg_zh = msg_zh.rstrip("。")                 # the sentence's own full stop ends it (no 。。)
            details = Msg(N_(" ({count} of this kind; the first: {message})"), count=len(ds),
                          message=(msg, msg_zh)) if len(ds) > 1 else (f" {msg}", msg_zh)
            text = N_("{severity} ({stage}): {frame}{where}.{details}")
            values = dict(frame=Msg(frame), where=Msg(N_(" — {where}"), where=where) if where else "")
        else:
            details = (Msg(N_(" ({count} of this kind; the first: {message})"), count=len(ds), message=(msg, msg_zh))
                       if len(ds) > 1 else (f" {msg}", msg_zh))
            text = N_("{severity} ({stage}{where}):{details}")
            values = dict(where=Msg(N_(", {where}"), where=where) if where else "")
        out.append(Sentence("diagnostic", text, dict(severity=severity, stage=partial(stage_phrase, stage), **values,
                                                     details=details),
                            code=code, severity=ds[0].get("severity"), count=len(ds)))
    return out


_COPIED = re.compile(r"\(from (\d\d_[a-z_]+), ([a-z_0-9]+)\)")
_PAIR = re.compile(r"^\s*(\S+)\s+[–-]\s+(\S+)\s*$")


def _matrix_value(m, a: str, b: str) -> float:
    """The ``a``–``b`` cell of a square matrix results file (first column ``construct``), NaN when absent."""
    if not isinstance(m, pd.DataFrame) or "construct" not in m.columns:
        return float("nan")
    m = m.set_index("construct")
    try:
        return _f(m.loc[a, b])
    except KeyError:
        return float("nan")


def merged_diagnostic_sentences(serious: list[Mapping], results: Mapping[str, Any],
                                labels: Mapping[str, tuple[str, str]] | None = None,
                                names: set[str] | None = None) -> list[dict]:
    """:func:`diagnostic_sentences`, with every quantity stated once: a warning a later stage repeats from an
    earlier one (``(from 03_reliability_validity, htmt)``) is counted with the original, and the HTMT of a
    pair of constructs, which 03 computes as semTools' HTMT2 (geometric means) and PLS as the original HTMT
    (arithmetic means), is one sentence with both values side by side, each with its method."""
    copies: dict[str, int] = {}
    rest, htmt = [], {}
    for d in serious:
        m = _COPIED.search(str(d.get("message", "")))
        if m:
            copies[m.group(2)] = copies.get(m.group(2), 0) + 1
            continue
        if d.get("code") in ("htmt", "pls_htmt") and _PAIR.match(str(d.get("where") or "")):
            a, b = _PAIR.match(str(d["where"])).groups()
            htmt.setdefault((a, b), []).append(d)
            continue
        rest.append(d)
    kinds = diagnostic_sentences(rest, names)
    if htmt:
        labels = labels or {}
        pairs = []
        for (a, b), ds in htmt.items():
            h2, h1 = _matrix_value(results.get("htmt.csv"), a, b), _matrix_value(results.get("pls_htmt.csv"), a, b)
            codes = {x["code"] for x in ds}
            parts = []
            if "htmt" in codes and np.isfinite(h2):
                parts.append(Msg(N_("{htmt2} as HTMT2 (geometric means, Appendix D)"), htmt2=Num(h2, 2)))
            if "pls_htmt" in codes and np.isfinite(h1):
                parts.append(Msg(N_("{htmt} as the original HTMT (arithmetic means, PLS, Appendix F)"), htmt=Num(h1, 3)))
            pairs.append(Msg(N_("{a}–{b}: {values}"), a=labels.get(a, a), b=labels.get(b, b),
                             values=Join(parts, sep=_clause_sep, numbered=False)))
        n = sum(len(ds) for ds in htmt.values()) + copies.pop("htmt", 0)
        kinds.append(Sentence("diagnostic", N_("Warning (reliability and validity): two constructs are hard to tell "
                                               "apart (HTMT, discriminant validity, threshold .85) — {pairs}."),
                              dict(pairs=Join(pairs, sep=_list_sep)),
                              code="htmt", severity="warning", count=n))
    for k in kinds:
        if k.get("code") in copies:
            k["count"] += copies.pop(k["code"])
    if copies and kinds:                        # a repeated warning whose original is not there
        kinds[-1]["count"] += sum(copies.values())
    return kinds


# -------------------------------------------------------------------------------- methods
def methods_sentences(summary: dict, params, software: list[dict] | None = None) -> list[dict]:
    """The methods section: population, sampling, mode, fieldwork, counts and rates, questionnaire,
    model and estimator, software (``software``: rows ``{name, installed}``)."""
    out = []
    sv = summary.get("survey") or {}
    for key, text in (("client", N_("Commissioned by: {v}.")), ("population", N_("Population: {v}.")),
                      ("sampling", N_("Sampling: {v}.")), ("mode", N_("Mode of data collection: {v}."))):
        if key in sv:
            out.append(sentence(key, text, v=(sv[key]["en"], sv[key]["zh"])))
    if sv.get("fieldwork_start") and sv.get("fieldwork_end"):
        out.append(sentence("fieldwork", N_("Fieldwork: {a} to {b}."), a=partial(fmt_date, sv["fieldwork_start"]),
                            b=partial(fmt_date, sv["fieldwork_end"])))
    elif sv.get("fieldwork_start") or sv.get("fieldwork_end"):
        d = sv.get("fieldwork_start") or sv.get("fieldwork_end")
        out.append(sentence("fieldwork", N_("Fieldwork: {a}."), a=partial(fmt_date, d)))
    smp = summary["sample"]
    if sv.get("invited") is not None or sv.get("responded") is not None or smp["n_clean"] is not None:
        counts, rates = [], []
        if sv.get("invited") is not None:
            counts.append(Msg(N_("{inv} invited"), inv=Num(sv["invited"], kind="int")))
        resp = sv.get("responded") if sv.get("responded") is not None else smp["n_raw"]
        if resp is not None:
            counts.append(Msg(N_("{resp} returned"), resp=Num(resp, kind="int")))
        if smp["n_clean"] is not None:
            counts.append(Msg(N_("{n} valid and analysed"), n=Num(smp["n_clean"], kind="int")))
        if sv.get("response_rate") is not None:
            rates.append(Msg(N_("response rate {rr}"), rr=Num(sv["response_rate"], 1, "pct")))
        if sv.get("valid_rate") is not None:
            rates.append(Msg(N_("valid rate {vr}"), vr=Num(sv["valid_rate"], 1, "pct")))
        out.append(sentence("counts", N_("Sample: {counts}{rates}."),
                            counts=Join(counts, sep=_clause_sep, numbered=False),
                            rates=Msg(N_(" ({rates})"), rates=Join(rates, sep=_clause_sep, numbered=False))
                            if rates else ""))
    h = summary.get("headline")
    if h is not None and h["margin_of_error"] is not None:
        how = Msg(N_("bootstrap percentile interval of the PLS index")) if h["source"] == "csi_index.csv" \
            else Msg(N_("t-interval of the weighted mean score, with Kish's effective sample size")) \
            if h["source"] == "weighted_estimates.csv" else Msg(N_("t-interval of the mean score"))
        out.append(sentence("moe_method", N_("Margin of error of the headline index at 95% confidence: ±{moe} points "
                                             "(half the width of the {how})."),
                            moe=Num(h["margin_of_error"], 1), how=how))
    n_items = sum(len(c.items) for c in params.constructs.values())
    scale = (Msg(N_("answered on a scale from {min} to {max}"), min=f"{params.scale.min:g}",
                 max=f"{params.scale.max:g}")
             if summary["scale"]["min"] is not None and summary["scale"]["max"] is not None
             else Msg(N_("continuous scores")))
    out.append(sentence("questionnaire",
                        N_("Questionnaire: {k} constructs measured by {m} items, {scale}; every item with its wording "
                           "is listed in Appendix A. An index is 100 × (mean − minimum) / (maximum − minimum) of the "
                           "construct's mean score."),
                        k=Num(len(params.constructs), kind="int"), m=Num(n_items, kind="int"), scale=scale))
    if params.model or params.model_template:
        est = Msg({"pls": N_("partial least squares path modeling (PLS-SEM, as SmartPLS and seminr)"),
                   "mlr": N_("a structural equation model estimated by maximum likelihood with robust standard errors "
                             "and the Yuan–Bentler scaled test (MLR, as lavaan)"),
                   "mlm": N_("a structural equation model estimated by maximum likelihood with robust standard errors "
                             "and the Satorra–Bentler scaled test (MLM, as lavaan)"),
                   "wlsmv": N_("a structural equation model of the items as ordered categories: polychoric "
                               "correlations, diagonally weighted least squares, robust standard errors and the "
                               "mean-and-variance adjusted test (WLSMV, as lavaan)"),
                   }.get(params.estimator, N_("a structural equation model estimated by maximum likelihood "
                                              "(as lavaan)")))
        boot = Msg(N_("{b} bootstrap resamples"), b=Num(params.bootstrap, kind="int")) if params.bootstrap \
            else Msg(N_("no bootstrap (intervals of effects not computed)"))
        out.append(sentence("model", N_("Model: {est}; {bootstrap}. The drivers' importance is their total effect on "
                                        "the headline construct; the importance–performance map splits the drivers at "
                                        "the mean importance and the mean performance."),
                            est=est, bootstrap=boot))
    else:
        out.append(sentence("model", N_("Model: a confirmatory factor analysis (measurement model only, no structural "
                                        "paths), so no driver ranking is given.")))
    if params.groups:
        out.append(sentence("group_method", N_("Groups ({groups}) are compared with Welch's t-test or Welch's ANOVA; "
                                               "p-values are Holm-adjusted over all comparisons of the same kind."),
                            groups=Join([_column(params, g) for g in params.groups], sep=_clause_sep, numbered=False)))
    if software:
        sw = ", ".join(f"{r['name']} {r['installed']}" for r in software)
        out.append(sentence("software", N_("Software: csat (this report's pipeline) with {software}; the provenance "
                                           "section lists the exact versions and the code revision."), software=sw))
    return out


def label_in(entry: Mapping, language: str) -> str:
    """The label of a summary entry (``label_en``/``label_zh``: an index, a driver) in ``language``."""
    return localize(entry["label_zh"], language) if is_chinese(language) else entry["label_en"]


# -------------------------------------------------------------------------------- figure
def index_chart(summary: dict, language: str = "en"):
    """The one-glance figure: every construct's 0–100 index as a horizontal bar with its 95% interval,
    highest on top; the headline construct in the accent colour and marked.  Returns the figure."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    try:
        from csat.viz.plots import setup_fonts

        setup_fonts()
    except Exception:  # noqa: BLE001  (no CJK font: Latin labels still draw)
        pass
    ix = sorted(summary["indices"], key=lambda i: i["index"])
    h = summary.get("headline")
    fig, ax = plt.subplots(figsize=(6.4, 0.27 * len(ix) + 0.8))
    ys = np.arange(len(ix))
    colors = ["#1f5f8b" if h and i["construct"] == h["construct"] else "#9fb6c9" for i in ix]
    ax.barh(ys, [i["index"] for i in ix], color=colors, height=0.62, zorder=2)
    lo = np.array([i["index"] - i["ci_lower"] if np.isfinite(i["ci_lower"]) else 0 for i in ix])
    hi = np.array([i["ci_upper"] - i["index"] if np.isfinite(i["ci_upper"]) else 0 for i in ix])
    ax.errorbar([i["index"] for i in ix], ys, xerr=[lo, hi], fmt="none", ecolor="#1d2430", elinewidth=1,
                capsize=3, zorder=3)
    for y, i in zip(ys, ix):
        top = i["ci_upper"] if np.isfinite(i["ci_upper"]) else i["index"]
        ax.text(top + 1.2, y, f"{i['index']:.1f}", va="center", fontsize=8,
                fontweight="bold" if h and i["construct"] == h["construct"] else "normal")
    ax.set_yticks(ys)
    ax.set_yticklabels([label_in(i, language) + (" ★" if h and i["construct"] == h["construct"] else "")
                        for i in ix])
    ax.tick_params(labelsize=8)
    ax.set_xlim(0, 100)
    ax.set_xlabel(tr("Index (0–100); whiskers: 95% confidence interval", language), fontsize=8)
    ax.grid(axis="x", alpha=0.3, zorder=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------------------- writing
def summary_json(summary: dict) -> str:
    """The summary as JSON text (NaN/inf as null)."""
    from csat.core.files import clean_nan, json_default

    return json.dumps(clean_nan(summary), indent=1, ensure_ascii=False, default=json_default) + "\n"


def all_sentences(summary: dict) -> list[dict]:
    """Every sentence of the summary, in order."""
    return [s for part in summary["sections"].values() for s in part]


_NUMBER = re.compile(r"(?<![\w.])[−-]?\d[\d,]*(?:\.\d+)?|(?<![\w\d])\.\d+")


def numbers_in(text: str) -> list[float]:
    """The numbers written in a text (``2,400`` -> 2400, ``−0.12`` -> -0.12, ``.023`` -> 0.023)."""
    out = []
    for m in _NUMBER.finditer(text):
        s = m.group(0).replace("−", "-").replace(",", "")
        try:
            out.append(float(s))
        except ValueError:
            continue
    return out
