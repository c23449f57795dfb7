"""The executive summary and the methods text of a study, generated from its results files.

:func:`load_results` reads ``reports/<study>/results/``; :func:`build_summary` turns those
tables and the study's params into one tidy dict (``results/summary.json``) that holds every
number the summary states; :func:`index_chart` draws the one-glance figure.  Nothing here is typed
by hand: change a result and the summary changes with it.

Every sentence of the summary is a dict ``{"key", "en", "zh", "numbers"}``: the same sentence in
English and in natural Chinese, and the numbers it states (``{name: value}``, each rounded as
printed), so a test can check that the text says what the results say.

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

Numbers are formatted per language: en ``p < .001`` / ``p = .023`` (APA), zh ``p < 0.001`` /
``p = 0.023``; a p-value is never printed as 0.000.
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from csat.core.text import format_p
from csat.report.words import stage_phrase

ALPHA = 0.05
MAX_GROUP_SENTENCES = 8

#: IPMA quadrant keys (csat.sem.ipma) -> the names a manager reads.
QUADRANT_NAMES: dict[str, tuple[str, str]] = {
    "concentrate_here": ("Improve first", "优先改进"),
    "keep_up": ("Keep up", "继续保持"),
    "low_priority": ("Low priority", "低优先级"),
    "possible_overkill": ("Possible overkill", "可能过度投入"),
}

#: Results files read by :func:`load_results` (missing files are ``None``).
RESULT_FILES = ("cleaning.json", "construct_scores.csv", "csi_index.csv", "nps.json", "items.csv", "ipma.csv",
                "sem_effects.csv", "pls_effects.csv", "group_tests.csv", "posthoc.csv", "diagnostics.json",
                "sem_fit.json", "pls_bootstrap.json", "sem_bootstrap.json", "reliability.csv")


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
    """``2024-03-04`` as ``4 March 2024`` (en) or ``2024年3月4日`` (zh)."""
    import datetime as _dt

    if isinstance(d, str):
        d = _dt.date.fromisoformat(d)
    if language == "zh":
        return f"{d.year}年{d.month}月{d.day}日"
    return f"{d.day} {d.strftime('%B')} {d.year}"


def sentence(key: str, en: str, zh: str, **values: Any) -> dict:
    """One summary sentence in both languages.  ``values`` fill ``{name}`` in both templates:
    a :class:`Num` is formatted per language and recorded in ``numbers``; a ``(en, zh)`` tuple
    gives per-language text; anything else is inserted as it is."""
    def fill(tpl: str, language: str) -> str:
        out = {}
        for k, v in values.items():
            if isinstance(v, Num):
                out[k] = v.text(language)
            elif isinstance(v, tuple):
                out[k] = v[1] if language == "zh" else v[0]
            else:
                out[k] = str(v)
        return tpl.format(**out)

    return {"key": key, "en": fill(en, "en"), "zh": fill(zh, "zh"),
            "numbers": {k: v.rounded for k, v in values.items() if isinstance(v, Num)}}


def _esc(text: Any) -> str:
    """User text (a label, an item's wording) placed inside a sentence template: braces doubled."""
    return str(text).replace("{", "{{").replace("}", "}}")


def _join(parts: list[str], language: str) -> str:
    if language == "zh":
        return "、".join(parts)
    if len(parts) <= 2:
        return " and ".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


# ------------------------------------------------------------------------------- reading
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
    return out


def _wording(params, item: str) -> tuple[str, str]:
    lab = params.item_labels.get(item)
    if lab is None:
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
INDEX_FILES = ("cleaning.json", "construct_scores.csv", "csi_index.csv", "pls_bootstrap.json")


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
    source = "construct_scores.csv"
    csi = results.get("csi_index.csv")
    if params.estimator == "pls" and isinstance(csi, pd.DataFrame) and not csi.empty:
        source = "csi_index.csv"
        nboot = (results.get("pls_bootstrap.json") or {}).get("n")
        indices = [{"construct": str(r["construct"]), "label_en": lab(str(r["construct"]))[0],
                    "label_zh": lab(str(r["construct"]))[1], "index": _f(r["index"]),
                    "ci_lower": _f(r.get("ci.lower")), "ci_upper": _f(r.get("ci.upper")),
                    "n": nboot if nboot is not None else n_clean} for _, r in csi.iterrows()]
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
                 "quadrant": str(r["quadrant"]), "quadrant_en": QUADRANT_NAMES[str(r["quadrant"])][0],
                 "quadrant_zh": QUADRANT_NAMES[str(r["quadrant"])][1], "ci_lower": None, "ci_upper": None}
            if isinstance(effects, pd.DataFrame) and "std.total.ci.lower" in effects.columns \
                    and params.estimator != "pls":
                e = effects[(effects["from"] == c) & (effects["to"] == target)]
                if not e.empty and np.isfinite(_f(e["std.total.ci.lower"].iloc[0])):
                    d["ci_lower"], d["ci_upper"] = _f(e["std.total.ci.lower"].iloc[0]), _f(e["std.total.ci.upper"].iloc[0])
            drivers.append(d)
    imp_mean = float(np.mean([d["importance"] for d in drivers])) if drivers else None
    perf_mean = float(np.mean([d["performance"] for d in drivers])) if drivers else None

    # -- weakest items ----------------------------------------------------------------------
    items = results.get("items.csv")
    weakest: dict[str, list[dict]] = {}
    if isinstance(items, pd.DataFrame) and {"item", "construct", "mean"} <= set(items.columns) and bounded:
        for c, sub in items.dropna(subset=["mean"]).groupby("construct", sort=False):
            sub = sub.sort_values("mean", kind="stable")
            weakest[str(c)] = [{"item": str(r["item"]), "wording_en": _wording(params, str(r["item"]))[0],
                                "wording_zh": _wording(params, str(r["item"]))[1], "mean": _f(r["mean"]),
                                "index": 100 * (_f(r["mean"]) - smin) / (smax - smin)}
                               for _, r in sub.head(2).iterrows()]

    summary = {"study": params.study, "title": params.title_text(), "language": params.language,
               "estimator": params.estimator, "scale": {"min": smin, "max": smax},
               "sample": {"n_raw": n_raw, "n_clean": n_clean, "exclusions": cleaning.get("exclusions") or {}},
               "survey": survey or None, "headline": headline, "indices": indices, "means": means, "nps": nps,
               "drivers": drivers, "importance_mean": imp_mean, "performance_mean": perf_mean,
               "weakest_items": weakest}
    target_lab = lab(target) if target else None
    summary["sections"] = {
        "headline": _headline_sentences(summary, target_lab),
        "drivers": _driver_sentences(summary, target_lab, params),
        "recommendations": _recommendations(summary, target_lab, params),
        "groups": _group_sentences(results, labels, params, bounded),
        "quality": _quality_sentences(summary, results),
    }
    summary["recommendations"] = summary["sections"]["recommendations"]
    summary["groups"] = summary["sections"]["groups"]
    return summary


def _item_list(its: list[dict]) -> tuple[tuple[str, str], dict]:
    """“wording” (index 58.2) and “wording” (index 56.7), with the numbers."""
    vals, en, zh = {}, [], []
    for k, it in enumerate(its):
        vals[f"item{k}"] = Num(it["index"], 1)
        en.append(f"“{_esc(it['wording_en'])}” (index {{item{k}}})")
        zh.append(f"“{_esc(it['wording_zh'])}”（指数 {{item{k}}}）")
    return (_join(en, "en"), _join(zh, "zh")), vals


def _headline_sentences(s: dict, target_lab) -> list[dict]:
    out = []
    h = s["headline"]
    if h is not None:
        vals = {"index": Num(h["index"], 1)}
        if h["margin_of_error"] is not None:
            vals.update(lo=Num(h["ci_lower"], 1), hi=Num(h["ci_upper"], 1), moe=Num(h["margin_of_error"], 1))
            ci_en, ci_zh = " (95% confidence interval {lo} to {hi}, margin of error ±{moe} points", \
                "（95% 置信区间 {lo} 至 {hi}，误差范围 ±{moe} 分"
        else:
            ci_en, ci_zh = " (no interval: the bootstrap was off", "（未计算区间：未做 bootstrap"
        if h.get("n") is not None:
            vals["n"] = Num(h["n"], kind="int")
            ci_en, ci_zh = ci_en + "; n = {n})", ci_zh + "；n = {n}）"
        else:
            ci_en, ci_zh = ci_en + ")", ci_zh + "）"
        kind = (" (ACSI-weighted PLS index)", "，PLS 加权的 ACSI 指数") if h["source"] == "csi_index.csv" else ("", "")
        out.append(sentence("headline",
                            "The {label} index is {index} out of 100" + kind[0] + ci_en + ".",
                            "{label}指数为 {index}（满分 100" + kind[1] + ci_zh.replace("（", "；", 1) + "。",
                            label=(target_lab[0], target_lab[1]), **vals))
    if not s["indices"] and s.get("means"):
        vals, en, zh = {}, [], []
        for k, m in enumerate(sorted(s["means"], key=lambda m: -m["mean"])):
            vals[f"m{k}"] = Num(m["mean"], 2)
            en.append(f"{_esc(m['label_en'])} {{m{k}}}")
            zh.append(f"{_esc(m['label_zh'])} {{m{k}}}")
        out.append(sentence("means", "The items are scores without fixed bounds, so no 0–100 index is computed; the "
                                     "constructs' mean scores are " + _join(en, "en") + " (units differ between "
                                     "constructs, so the means are not comparable with each other).",
                            "题项为无固定上下限的分数，因此不计算 0–100 指数；各构念的平均得分为" + "、".join(zh)
                            + "（各构念单位不同，均值之间不可比较）。", **vals))
    others = sorted([i for i in s["indices"] if h is None or i["construct"] != h["construct"]],
                    key=lambda i: -i["index"])
    if others:
        vals, en, zh = {}, [], []
        for k, i in enumerate(others):
            vals[f"i{k}"] = Num(i["index"], 1)
            en.append(f"{_esc(i['label_en'])} {{i{k}}}")
            zh.append(f"{_esc(i['label_zh'])} {{i{k}}}")
        if h is None:
            out.append(sentence("indices", "The constructs' 0–100 indices, from highest to lowest: " + _join(en, "en") + ".",
                                "各构念的 0–100 指数从高到低依次为：" + "、".join(zh) + "。", **vals))
        else:
            out.append(sentence("indices", "The other constructs' indices, from highest to lowest: " + _join(en, "en") + ".",
                                "其他构念的指数从高到低依次为：" + "、".join(zh) + "。", **vals))
    n = s["nps"]
    if n is not None:
        out.append(sentence("nps", "The Net Promoter Score is {nps} (95% confidence interval {lo} to {hi}): "
                                   "{pro} of customers are promoters and {det} detractors.",
                            "净推荐值（NPS）为 {nps}（95% 置信区间 {lo} 至 {hi}）：推荐者占 {pro}，贬损者占 {det}。",
                            nps=Num(n["nps"], 1), lo=Num(n["ci.lower"], 1), hi=Num(n["ci.upper"], 1),
                            pro=Num(n["p_promoters"], 1, "pct"), det=Num(n["p_detractors"], 1, "pct")))
    return out


def _driver_sentences(s: dict, target_lab, params) -> list[dict]:
    d = s["drivers"]
    if not d:
        return []
    vals, en, zh = {}, [], []
    for k, r in enumerate(d):
        vals[f"e{k}"] = Num(r["importance"], 2)
        en.append(f"{_esc(r['label_en'])} ({{e{k}}})")
        zh.append(f"{_esc(r['label_zh'])}（{{e{k}}}）")
    what = ("unstandardized total effect on the 0–100 scores", "基于 0–100 得分的非标准化总效应") \
        if params.estimator == "pls" else ("standardized total effect", "标准化总效应")
    out = [sentence("driver_ranking",
                    "Ranked by their {what} on {target}, the drivers are " + _join(en, "en") + ".",
                    "按对{target}的{what}排序，驱动因素依次为" + "、".join(zh) + "。",
                    what=what, target=target_lab, **vals)]
    weak = [r for r in d if r["ci_lower"] is not None and r["ci_lower"] <= 0 <= r["ci_upper"]]
    if weak:
        out.append(sentence("driver_uncertain",
                            "The 95% bootstrap interval of the effect of " + _join([_esc(r["label_en"]) for r in weak], "en")
                            + " includes zero: its importance is uncertain.",
                            _join([_esc(r["label_zh"]) for r in weak], "zh") + "效应的 95% bootstrap 区间包含零，其重要性尚不确定。"))
    return out


def _recommendations(s: dict, target_lab, params) -> list[dict]:
    d = s["drivers"]
    if not d:
        return []
    weakest = s["weakest_items"]
    imp_m, perf_m = s["importance_mean"], s["performance_mean"]
    recs: list[dict] = []

    def items_part(c, watch=False):
        its = weakest.get(c) or []
        if not its:
            return ("", ""), {}
        txt, vals = _item_list(its)
        word = "item" if len(its) == 1 else "items"
        if watch:
            return (f" Watch its weakest-rated {word}: " + txt[0] + ".", "需留意得分最低的题项：" + txt[1] + "。"), vals
        return (f" Start with its weakest-rated {word}: " + txt[0] + ".", "应从得分最低的题项入手：" + txt[1] + "。"), vals

    first = [r for r in d if r["quadrant"] == "concentrate_here"]
    for r in first[:2]:
        it, iv = items_part(r["construct"])
        recs.append(sentence("improve_first",
                             "Improve {label} first: it drives {target} strongly (total effect {imp}, above the mean "
                             "of {imp_m}) but performs below the average of the drivers (index {perf} against {perf_m})."
                             + it[0],
                             "优先改进{label}：它对{target}影响较大（总效应 {imp}，高于平均 {imp_m}），但表现低于各驱动因素的"
                             "平均水平（指数 {perf}，平均 {perf_m}）。" + it[1],
                             label=(r["label_en"], r["label_zh"]), target=target_lab, imp=Num(r["importance"], 2),
                             imp_m=Num(imp_m, 2), perf=Num(r["performance"], 1), perf_m=Num(perf_m, 1), **iv))
    if not first:
        r = d[0]
        it, iv = items_part(r["construct"])
        recs.append(sentence("largest_lever",
                             "Work on {label} first: no driver is both important and below average, and {label} has "
                             "the largest effect on {target} (total effect {imp}; index {perf}), so raising it moves "
                             "{target} most." + it[0],
                             "首先提升{label}：没有驱动因素同时“重要且表现低于平均”，而{label}对{target}的影响最大"
                             "（总效应 {imp}；指数 {perf}），提升它对{target}的带动作用最强。" + it[1],
                             label=(r["label_en"], r["label_zh"]), target=target_lab, imp=Num(r["importance"], 2),
                             perf=Num(r["performance"], 1), **iv))
    done = {rec_c for rec_c in ([r["construct"] for r in first[:2]] if first else [d[0]["construct"]])}
    for r in [r for r in d if r["quadrant"] == "keep_up" and r["construct"] not in done][:2]:
        it, iv = items_part(r["construct"], watch=True)
        recs.append(sentence("keep_up",
                             "Keep up {label}: it matters for {target} (total effect {imp}) and already performs above "
                             "the average of the drivers (index {perf} against {perf_m}); hold this level." + it[0],
                             "保持{label}：它对{target}有重要影响（总效应 {imp}），且表现已高于各驱动因素的平均水平（指数 {perf}，"
                             "平均 {perf_m}），应保持现有水平。" + it[1],
                             label=(r["label_en"], r["label_zh"]), target=target_lab, imp=Num(r["importance"], 2),
                             perf=Num(r["performance"], 1), perf_m=Num(perf_m, 1), **iv))
        done.add(r["construct"])
    over = [r for r in d if r["quadrant"] == "possible_overkill" and r["construct"] not in done]
    if over:
        vals, en, zh = {}, [], []
        for k, r in enumerate(over):
            vals[f"p{k}"], vals[f"e{k}"] = Num(r["performance"], 1), Num(r["importance"], 2)
            en.append(f"{_esc(r['label_en'])} (index {{p{k}}}, total effect {{e{k}}})")
            zh.append(f"{_esc(r['label_zh'])}（指数 {{p{k}}}，总效应 {{e{k}}}）")
        recs.append(sentence("possible_overkill",
                             "Review the effort spent on " + _join(en, "en") + ": performance is above average but the "
                             "effect on {target} is below average; resources may do more elsewhere.",
                             "审视在" + "、".join(zh) + "上的投入：表现高于平均，但对{target}的影响低于平均，资源可转向更重要的方面。",
                             target=target_lab, **vals))
    low = [r for r in d if r["quadrant"] == "low_priority" and r["construct"] not in done]
    if low:
        vals, en, zh = {}, [], []
        for k, r in enumerate(low):
            vals[f"p{k}"], vals[f"e{k}"] = Num(r["performance"], 1), Num(r["importance"], 2)
            en.append(f"{_esc(r['label_en'])} (index {{p{k}}}, total effect {{e{k}}})")
            zh.append(f"{_esc(r['label_zh'])}（指数 {{p{k}}}，总效应 {{e{k}}}）")
        recs.append(sentence("low_priority",
                             "Give " + _join(en, "en") + " a lower priority: performance is below average, but so is the "
                             "effect on {target}; monitor it in the next survey.",
                             "可暂缓" + "、".join(zh) + "：表现低于平均，但对{target}的影响也较小，在下一次调查中继续跟踪即可。",
                             target=target_lab, **vals))
    tgt = s["headline"]["construct"] if s["headline"] else None
    if len(recs) < 3 and tgt and weakest.get(tgt):
        txt, iv = _item_list(weakest[tgt])
        recs.append(sentence("target_items",
                             "Within {target} itself, the lowest-rated questions are " + txt[0] + "; they show where "
                             "customers feel least well served.",
                             "在{target}本身的题项中，得分最低的是" + txt[1] + "，这是顾客感受最差的方面。",
                             target=target_lab, **iv))
    if len(recs) < 3:
        recs.append(sentence("remeasure",
                             "Repeat the survey with the same questionnaire after the changes, so that the effect on "
                             "{target} can be measured.",
                             "在改进措施实施后用同一问卷再次调查，以衡量其对{target}的效果。", target=target_lab))
    return recs[:5]


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
                            "None of the {k} comparisons of construct scores between groups ({groups}) is significant "
                            "after Holm's adjustment; this does not show that the groups are equal.",
                            "在 {k} 项构念得分的组间比较（{groups}）中，经 Holm 校正后没有显著差异；但这并不表明各组相同。",
                            k=Num(len(main), kind="int"), groups=", ".join(params.groups)))
        return out
    sig["abs_es"] = pd.to_numeric(sig["effect_size"], errors="coerce").abs()
    sig = sig.sort_values(["p.holm", "abs_es"], ascending=[True, False], kind="stable")
    out.append(sentence("groups_count",
                        "{k} of {m} comparisons of construct scores between groups " + ("is" if len(sig) == 1 else "are")
                        + " significant after Holm's adjustment (5% level):",
                        "{m} 项构念得分的组间比较中，经 Holm 校正后有 {k} 项在 5% 水平上显著：",
                        k=Num(len(sig), kind="int"), m=Num(len(main), kind="int")))
    post = results.get("posthoc.csv")
    for _, r in sig.head(MAX_GROUP_SENTENCES).iterrows():
        c = str(r["construct"])
        le, lz = labels.get(c, (c, c))
        g = str(r["group"])
        if r["test"] == "welch_t":
            a, b = str(r["levels"]).split(" | ")[:2]
            diff = _f(r["estimate"])
            hi, lo = (a, b) if diff >= 0 else (b, a)
            if span:
                out.append(sentence("group_t",
                                    "{label} is higher for {hi} than for {lo} ({g}) by {d} index points "
                                    "(Hedges' g = {es}, p {p}).",
                                    "{label}在{g}为“{hi}”的受访者中比“{lo}”高 {d} 个指数点（Hedges' g = {es}，p {p}）。",
                                    label=(le, lz), g=g, hi=hi, lo=lo, d=Num(abs(diff) * 100 / span, 1),
                                    es=Num(abs(_f(r["effect_size"])), 2), p=Num(_f(r["p.holm"]), kind="p")))
            else:
                out.append(sentence("group_t",
                                    "{label} is higher for {hi} than for {lo} ({g}) by {d} points "
                                    "(Hedges' g = {es}, p {p}).",
                                    "{label}在{g}为“{hi}”的受访者中比“{lo}”高 {d} 分（Hedges' g = {es}，p {p}）。",
                                    label=(le, lz), g=g, hi=hi, lo=lo, d=Num(abs(diff), 2),
                                    es=Num(abs(_f(r["effect_size"])), 2), p=Num(_f(r["p.holm"]), kind="p")))
        else:
            ext = _extremes(post, c, g)
            vals = dict(label=(le, lz), g=g, es=Num(_f(r["effect_size"]), 3), p=Num(_f(r["p.holm"]), kind="p"))
            if ext and span:
                (hl, hm), (ll, lm) = ext
                vals.update(hl=hl, ll=ll, hm=Num(100 * (hm - params.scale.min) / span, 1),
                            lm=Num(100 * (lm - params.scale.min) / span, 1))
                out.append(sentence("group_f",
                                    "{label} differs by {g} (ω² = {es}, p {p}): highest for {hl} (index {hm}), "
                                    "lowest for {ll} (index {lm}).",
                                    "{label}因{g}而异（ω² = {es}，p {p}）：“{hl}”最高（指数 {hm}），"
                                    "“{ll}”最低（指数 {lm}）。", **vals))
            else:
                out.append(sentence("group_f", "{label} differs by {g} (ω² = {es}, p {p}).",
                                    "{label}因{g}而异（ω² = {es}，p {p}）。", **vals))
    if len(sig) > MAX_GROUP_SENTENCES:
        out.append(sentence("groups_more", "{k} further differences are listed in the appendix (descriptive statistics).",
                            "另有 {k} 项差异见附录（描述性统计）。", k=Num(len(sig) - MAX_GROUP_SENTENCES, kind="int")))
    out.append(sentence("groups_note", "p-values are Holm-adjusted; these are differences in this sample, not effects "
                                       "of belonging to a group.",
                        "p 值均经 Holm 校正；以上为样本中的差异，不代表分组本身造成的影响。"))
    return out


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


EXCLUSION_NAMES = {"duplicates": ("duplicate submissions", "重复提交"), "speeders": ("speeders", "答题过快"),
                   "straightlining": ("identical answers to every item", "所有题目答案相同"),
                   "attention_checks": ("failed attention checks", "未通过注意力检查"),
                   "max_missing_share": ("too many unanswered items", "缺答过多")}


def _quality_sentences(s: dict, results) -> list[dict]:
    out = []
    smp = s["sample"]
    if smp["n_clean"] is not None and smp["n_raw"] is not None:
        ex = {k: v for k, v in (smp["exclusions"] or {}).items() if v}
        vals = {"n": Num(smp["n_clean"], kind="int"), "raw": Num(smp["n_raw"], kind="int"),
                "x": Num(smp["n_raw"] - smp["n_clean"], kind="int")}
        en, zh = [], []
        for k, (key, v) in enumerate(ex.items()):
            vals[f"x{k}"] = Num(v, kind="int")
            name = EXCLUSION_NAMES.get(key, (key, key))
            en.append(f"{{x{k}}} {_esc(name[0])}")
            zh.append(f"{_esc(name[1])} {{x{k}}} 份")
        if ex:
            out.append(sentence("sample", "{n} of {raw} returned questionnaires were analysed; {x} were excluded: "
                                + _join(en, "en") + ".",
                                "回收的 {raw} 份问卷中 {n} 份进入分析，剔除 {x} 份：" + "、".join(zh) + "。", **vals))
        else:
            out.append(sentence("sample", "All {n} returned questionnaires were analysed.",
                                "回收的 {n} 份问卷全部进入分析。", n=vals["n"]))
    sv = s["survey"] or {}
    if sv.get("response_rate") is not None:
        out.append(sentence("response_rate", "{resp} of {inv} invited people answered (response rate {rr}).",
                            "共邀请 {inv} 人，回收 {resp} 份（回复率 {rr}）。",
                            resp=Num(sv["responded"], kind="int"), inv=Num(sv["invited"], kind="int"),
                            rr=Num(sv["response_rate"], 1, "pct")))
    if sv.get("valid_rate") is not None:
        out.append(sentence("valid_rate", "The valid rate (analysed of returned questionnaires) is {vr}.",
                            "有效率（进入分析的问卷占回收问卷的比例）为 {vr}。", vr=Num(sv["valid_rate"], 1, "pct")))
        if sv["valid_rate"] > 1:
            out.append(sentence("valid_rate_check",
                                "More questionnaires were analysed than survey.responded says were returned: check "
                                "survey.responded in the parameter file.",
                                "进入分析的问卷多于 survey.responded 所写的回收数量，请核对参数文件中的 survey.responded。"))
    diags = results.get("diagnostics.json") or []
    serious = [d for d in diags if isinstance(d, dict) and d.get("severity") in ("warning", "error")]
    if serious:
        kinds = diagnostic_sentences(serious)
        if len(serious) == 1:
            out.append(sentence("diag_intro", "Read the results with this warning of the analysis in mind:",
                                "阅读结果时请注意分析中发现的以下问题："))
        else:
            out.append(sentence("diag_intro", "Read the results with these {k} warnings of the analysis in mind"
                                + (" ({j} kinds):" if len(kinds) > 1 else ":"),
                                "阅读结果时请注意分析中发现的以下 {k} 个问题" + ("（{j} 类）：" if len(kinds) > 1 else "："),
                                k=Num(len(serious), kind="int"), **({"j": Num(len(kinds), kind="int")} if len(kinds) > 1 else {})))
        out += kinds
    else:
        out.append(sentence("diag_none", "The analysis raised no warning (model fit, validity and estimates were "
                                         "checked at every stage).",
                            "分析各阶段（模型拟合、效度与估计结果）均未发现需要警示的问题。"))
    return out


#: Plain words for the diagnostics (code -> (en, zh)): what a manager should know.  The
#: diagnostic's own message (English, with the details) follows in the English summary; every code
#: the stages raise at ``warning``/``error`` level has an entry (a test checks it), an unknown code
#: is shown with its message.
DIAG_FRAMES: dict[str, tuple[str, str]] = {
    # fit and estimation
    "poor_fit": ("the model fits the data poorly on this index", "模型在该指标上与数据拟合不佳"),
    "nonconvergence": ("the model estimation did not converge: its estimates cannot be used",
                       "模型估计未收敛，估计结果不可用"),
    "heywood": ("a variance is estimated as negative (inadmissible solution)", "出现负的方差估计（不可接受解）"),
    "std_gt_1": ("a standardized estimate exceeds 1 (inadmissible solution)", "标准化估计值大于 1（不可接受解）"),
    "latent_not_pd": ("the constructs' covariance matrix is not positive definite (inadmissible solution)",
                      "构念协方差矩阵非正定（不可接受解）"),
    "ill_conditioned": ("two constructs are almost perfectly correlated", "两个构念几乎完全相关"),
    "r2_near_1": ("a construct is explained almost perfectly (R² near 1), which points to overlapping constructs",
                  "某构念几乎被完全解释（R² 接近 1），提示构念之间存在重叠"),
    "bootstrap_failed": ("some bootstrap resamples failed", "部分 bootstrap 重抽样失败"),
    "bootstrap_inadmissible": ("some bootstrap resamples gave inadmissible solutions", "部分 bootstrap 重抽样得到不可接受解"),
    "bootstrap_too_few": ("too few bootstrap resamples succeeded for intervals", "成功的 bootstrap 重抽样太少，无法计算区间"),
    "bootstrap_few": ("the bootstrap has fewer resamples than recommended", "bootstrap 重抽样次数少于建议值"),
    # reliability and validity
    "discriminant_validity": ("two constructs are hard to tell apart (discriminant validity)", "两个构念难以区分（区分效度不足）"),
    "htmt": ("two constructs are hard to tell apart (HTMT, discriminant validity)", "两个构念难以区分（HTMT，区分效度不足）"),
    "fornell_larcker": ("a construct shares more variance with another than with its items (Fornell–Larcker)",
                        "某构念与其他构念的共同变异大于与其题项的共同变异（Fornell–Larcker 准则）"),
    "low_alpha": ("a scale is not reliable enough (Cronbach's alpha)", "量表信度不足（Cronbach's alpha）"),
    "low_cr": ("a scale is not reliable enough (composite reliability)", "量表信度不足（组合信度）"),
    "low_ave": ("a construct's items share too little variance (convergent validity, AVE)", "构念题项的平均提取方差不足（收敛效度）"),
    "weak_loading": ("an item measures its construct weakly", "某题项对其构念的测量较弱"),
    "negative_item_total": ("an item runs against the other items of its construct", "某题项与同一构念的其他题项方向相反"),
    "zero_variance_item": ("an item has no variation", "某题项没有变异"),
    # factor analysis
    "efa_mismatch": ("items do not group with their construct in the exploratory factor analysis",
                     "探索性因子分析中题项未归入其所属构念"),
    "cross_loading": ("an item loads on two factors", "某题项在两个因子上均有较高载荷"),
    "low_kmo": ("the items are barely suitable for factor analysis (KMO)", "题项不太适合做因子分析（KMO 偏低）"),
    "low_msa": ("an item is barely suitable for factor analysis (MSA)", "某题项不太适合做因子分析（MSA 偏低）"),
    "bartlett_ns": ("the items are hardly correlated (Bartlett's test)", "题项之间几乎不相关（Bartlett 检验）"),
    "efa_heywood": ("the factor analysis gave an impossible communality", "因子分析出现不可能的共同度"),
    "efa_nonconvergence": ("the factor analysis did not converge", "因子分析未收敛"),
    "efa_negative_df": ("the factor analysis has more parameters than data", "因子分析的参数多于数据所能支持的数量"),
    "n_factors_zero": ("parallel analysis suggests no factor", "平行分析未建议保留任何因子"),
    "noninvariance": ("the questionnaire is not measured the same way in every group (measurement invariance)",
                      "问卷在各组之间的测量不等同（测量不变性不成立）"),
    # PLS
    "pls_collinearity": ("collinearity among items or constructs (VIF)", "题项或构念之间存在共线性（VIF）"),
    "pls_not_converged": ("the PLS algorithm did not converge", "PLS 算法未收敛"),
    "pls_reliability": ("a scale is not reliable enough", "量表信度不足"),
    "pls_htmt": ("two constructs are hard to tell apart (HTMT, discriminant validity)", "两个构念难以区分（HTMT，区分效度不足）"),
    "pls_convergent_validity": ("a construct's items share too little variance (convergent validity)", "收敛效度不足"),
    "pls_negative_weight": ("an item has a negative weight in the index", "某题项在指数中的权重为负"),
    "pls_bootstrap_too_few": ("too few bootstrap resamples succeeded for intervals", "成功的 bootstrap 重抽样太少，无法计算区间"),
    "pls_bootstrap_failed": ("some bootstrap resamples failed", "部分 bootstrap 重抽样失败"),
    # data
    "out_of_range": ("answers outside the scale were set missing", "超出量表范围的答案已设为缺失"),
    "nonnumber_text": ("text such as NaN or inf in an item was set missing", "题项中的 NaN、inf 等文本已设为缺失"),
    "negative_duration": ("negative completion times were set missing", "负的答题时长已设为缺失"),
    "long_header": ("a column header is very long", "某列标题过长"),
    "mcar_rejected": ("answers are not missing completely at random (Little's test)", "缺失并非完全随机（Little 检验）"),
    "high_missing_item": ("many respondents skipped an item", "某题项缺答较多"),
    "high_exclusion": ("cleaning excluded a large share of the respondents", "数据清洗剔除的受访者比例较高"),
    "item_few_answers": ("an item has few answers", "某题项回答人数很少"),
    "small_sample": ("the sample is small for this analysis", "样本量对该分析而言偏小"),
    "small_wave": ("a survey wave has few respondents", "某一期调查的受访者较少"),
    # groups, drivers, segments, extras
    "group_small_level": ("a group is very small", "某组人数很少"),
    "group_test_undefined": ("a group comparison could not be computed", "某项组间比较无法计算"),
    "chisq_small_expected": ("a chi-square test has small expected counts", "卡方检验的期望频数过小"),
    "driver_vif": ("the drivers are strongly intercorrelated (VIF)", "驱动因素之间高度相关（VIF）"),
    "driver_suppressor": ("a driver acts as a suppressor (sign of beta and correlation differ)", "某驱动因素存在抑制效应（回归系数与相关符号相反）"),
    "segments_weak": ("the customer segments are not clearly separated", "客户细分之间区分不明显"),
    "weights_margins": ("the survey weights could not reach the population shares", "调查权重未能达到总体比例"),
    "weights_extreme": ("some survey weights are extreme", "部分调查权重过大或过小"),
    "weights_deff": ("the survey weights reduce the effective sample size considerably", "调查权重使有效样本量明显减少"),
    "kano_questionable": ("many Kano answers are contradictory", "Kano 问题中矛盾回答较多"),
    "kano_empty": ("a Kano feature has no usable answers", "某 Kano 功能没有可用回答"),
    "servqual_small_n": ("a service-gap comparison has few answers", "某服务差距比较的回答较少"),
}

def diagnostic_sentences(diags: list[Mapping]) -> list[dict]:
    """Every ``warning``/``error`` diagnostic in plain words, one sentence per code and stage (errors
    first): the framing of :data:`DIAG_FRAMES`, where it applies and, in English, the diagnostic's own
    message (for several of one kind: the first, with the count)."""
    serious = [d for d in diags if isinstance(d, Mapping) and d.get("severity") in ("warning", "error")]
    groups: dict[tuple, list[Mapping]] = {}
    for d in serious:
        groups.setdefault((d.get("severity") != "error", str(d.get("stage", "")), str(d.get("code", ""))), []).append(d)
    out = []
    for (_, stage, code), ds in sorted(groups.items(), key=lambda kv: kv[0][0]):
        frame = DIAG_FRAMES.get(code)
        st = stage_phrase(stage)
        sev = ("Warning", "警告") if ds[0].get("severity") != "error" else ("Error", "错误")
        wheres = [str(d.get("where") or "") for d in ds if d.get("where")]
        where = ", ".join(dict.fromkeys(wheres))
        msg = str(ds[0].get("message", "")).strip()
        more = f" ({len(ds)} of this kind; the first: {msg})" if len(ds) > 1 else f" {msg}"
        if frame:
            en = f"{sev[0]} ({st[0]}): {frame[0]}" + (f" — {where}" if where else "") + "." + more
            zh = f"{sev[1]}（{st[1]}）：{frame[1]}" + (f"——{where}" if where else "") + \
                (f"（共 {len(ds)} 处）" if len(ds) > 1 else "") + "。"
        else:
            en = f"{sev[0]} ({st[0]}" + (f", {where}" if where else "") + f"):{more}"
            zh = f"{sev[1]}（{st[1]}" + (f"，{where}" if where else "") + f"）：{msg}"
        out.append({"key": "diagnostic", "code": code, "severity": ds[0].get("severity"), "count": len(ds),
                    "en": en, "zh": zh, "numbers": {}})
    return out


# -------------------------------------------------------------------------------- methods
def methods_sentences(summary: dict, params, software: list[dict] | None = None) -> list[dict]:
    """The methods section: population, sampling, mode, fieldwork, counts and rates, questionnaire,
    model and estimator, software (``software``: rows ``{name, installed}``)."""
    out = []
    sv = summary.get("survey") or {}
    for key, en, zh in (("client", "Commissioned by: {v}.", "委托方：{v}。"),
                        ("population", "Population: {v}.", "调查总体：{v}。"),
                        ("sampling", "Sampling: {v}.", "抽样方法：{v}。"),
                        ("mode", "Mode of data collection: {v}.", "数据收集方式：{v}。")):
        if key in sv:
            out.append(sentence(key, en, zh, v=(sv[key]["en"], sv[key]["zh"])))
    if sv.get("fieldwork_start") and sv.get("fieldwork_end"):
        out.append(sentence("fieldwork", "Fieldwork: {a} to {b}.", "调查时间：{a}至{b}。",
                            a=(fmt_date(sv["fieldwork_start"], "en"), fmt_date(sv["fieldwork_start"], "zh")),
                            b=(fmt_date(sv["fieldwork_end"], "en"), fmt_date(sv["fieldwork_end"], "zh"))))
    elif sv.get("fieldwork_start") or sv.get("fieldwork_end"):
        d = sv.get("fieldwork_start") or sv.get("fieldwork_end")
        out.append(sentence("fieldwork", "Fieldwork: {a}.", "调查时间：{a}。", a=(fmt_date(d, "en"), fmt_date(d, "zh"))))
    smp = summary["sample"]
    if sv.get("invited") is not None or sv.get("responded") is not None or smp["n_clean"] is not None:
        parts_en, parts_zh, vals = [], [], {}
        if sv.get("invited") is not None:
            vals["inv"] = Num(sv["invited"], kind="int")
            parts_en.append("{inv} invited")
            parts_zh.append("邀请 {inv} 人")
        resp = sv.get("responded") if sv.get("responded") is not None else smp["n_raw"]
        if resp is not None:
            vals["resp"] = Num(resp, kind="int")
            parts_en.append("{resp} returned")
            parts_zh.append("回收 {resp} 份")
        if smp["n_clean"] is not None:
            vals["n"] = Num(smp["n_clean"], kind="int")
            parts_en.append("{n} valid and analysed")
            parts_zh.append("有效并进入分析 {n} 份")
        rates_en, rates_zh = [], []
        if sv.get("response_rate") is not None:
            vals["rr"] = Num(sv["response_rate"], 1, "pct")
            rates_en.append("response rate {rr}")
            rates_zh.append("回复率 {rr}")
        if sv.get("valid_rate") is not None:
            vals["vr"] = Num(sv["valid_rate"], 1, "pct")
            rates_en.append("valid rate {vr}")
            rates_zh.append("有效率 {vr}")
        en = "Sample: " + ", ".join(parts_en) + (f" ({', '.join(rates_en)})" if rates_en else "") + "."
        zh = "样本：" + "，".join(parts_zh) + (f"（{'，'.join(rates_zh)}）" if rates_zh else "") + "。"
        out.append(sentence("counts", en, zh, **vals))
    h = summary.get("headline")
    if h is not None and h["margin_of_error"] is not None:
        how = ("bootstrap percentile interval of the PLS index", "PLS 指数的 bootstrap 百分位区间") \
            if h["source"] == "csi_index.csv" else ("t-interval of the mean score", "均值的 t 区间")
        out.append(sentence("moe_method", "Margin of error of the headline index at 95% confidence: ±{moe} points "
                                          "(half the width of the {how}).",
                            "总体指数在 95% 置信水平下的误差范围：±{moe} 分（{how}宽度的一半）。",
                            moe=Num(h["margin_of_error"], 1), how=how))
    n_items = sum(len(c.items) for c in params.constructs.values())
    scale_en = (f"answered on a scale from {params.scale.min:g} to {params.scale.max:g}"
                if summary["scale"]["min"] is not None and summary["scale"]["max"] is not None else "continuous scores")
    scale_zh = (f"采用 {params.scale.min:g}–{params.scale.max:g} 分量表" if summary["scale"]["min"] is not None
                and summary["scale"]["max"] is not None else "为连续分数")
    out.append(sentence("questionnaire",
                        "Questionnaire: {k} constructs measured by {m} items, " + scale_en + "; every item with its "
                        "wording is listed in Appendix A. An index is 100 × (mean − minimum) / (maximum − minimum) "
                        "of the construct's mean score.",
                        "问卷：{k} 个构念，共 {m} 个题项，" + scale_zh + "；各题项及其措辞见附录 A。指数 = 100 ×（构念均分 − 最低分）/"
                        "（最高分 − 最低分）。",
                        k=Num(len(params.constructs), kind="int"), m=Num(n_items, kind="int")))
    if params.model or params.model_template:
        est = ("partial least squares path modeling (PLS-SEM, as SmartPLS and seminr)",
               "偏最小二乘路径模型（PLS-SEM，与 SmartPLS、seminr 相同）") if params.estimator == "pls" else \
            ("a structural equation model estimated by maximum likelihood (as lavaan)",
             "以最大似然法估计的结构方程模型（与 lavaan 相同）")
        boot = ("{b} bootstrap resamples", "{b} 次 bootstrap 重抽样") \
            if params.bootstrap else ("no bootstrap (intervals of effects not computed)", "未做 bootstrap（不计算效应区间）")
        out.append(sentence("model", "Model: {est}; " + boot[0] + ". The drivers' importance is their total effect on the "
                                     "headline construct; the importance–performance map splits the drivers at the "
                                     "mean importance and the mean performance.",
                            "模型：{est}；" + boot[1] + "。驱动因素的重要性为其对核心构念的总效应；重要性–表现矩阵以平均重要性和平均表现划分象限。",
                            est=est, **({"b": Num(params.bootstrap, kind="int")} if params.bootstrap else {})))
    else:
        out.append(sentence("model", "Model: a confirmatory factor analysis (measurement model only, no structural "
                                     "paths), so no driver ranking is given.",
                            "模型：验证性因子分析（仅测量模型，无结构路径），因此不给出驱动因素排序。"))
    if params.groups:
        out.append(sentence("group_method", "Groups ({groups}) are compared with Welch's t-test or Welch's ANOVA; "
                                            "p-values are Holm-adjusted over all comparisons of the same kind.",
                            "组间比较（{groups}）采用 Welch t 检验或 Welch 方差分析；p 值在同类比较中经 Holm 校正。",
                            groups=", ".join(params.groups)))
    if software:
        sw = ", ".join(f"{r['name']} {r['installed']}" for r in software)
        out.append(sentence("software", "Software: csat (this report's pipeline) with " + _esc(sw)
                            + "; the provenance section lists the exact versions and the code revision.",
                            "软件：csat（本报告的分析流程），以及 " + _esc(sw)
                            + "；溯源信息一节列出了确切版本与代码版本。"))
    return out


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
    zh = language == "zh"
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
    ax.set_yticklabels([(i["label_zh"] if zh else i["label_en"]) + (" ★" if h and i["construct"] == h["construct"] else "")
                        for i in ix])
    ax.tick_params(labelsize=8)
    ax.set_xlim(0, 100)
    ax.set_xlabel("指数（0–100），误差线为 95% 置信区间" if zh else "Index (0–100); whiskers: 95% confidence interval",
                  fontsize=8)
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
