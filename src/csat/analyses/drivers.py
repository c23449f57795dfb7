"""Study- and language-aware parts of the drivers-and-segments stage (06): drivers, segments, Kano, SERVQUAL.

The statistics are computed by :mod:`csat.stats.drivers`, :mod:`csat.stats.segments`,
:mod:`csat.stats.kano` and :mod:`csat.stats.servqual` (study- and language-free) and drawn by
:mod:`csat.viz.drivers`.  This module does the rest of what 06_drivers_segments needs, so that the
notebook reads as a worked example:

* from the study's params: the target and predictors of the key-driver analysis
  (:func:`driver_variables`, with :func:`satisfaction_construct` as the default target), the Kano and
  SERVQUAL answers read from the raw file (:func:`kano_answers`, :func:`servqual_answers`), the survey
  weights made by 02_descriptives (:func:`survey_weights`, :func:`read_weights_info`);
* the tables as the report shows them (:func:`weights_summary`, :func:`weighted_indices`,
  :func:`with_labels`, :func:`profile_table`, :func:`group_shares`) and what a part not in the params
  leaves behind (:func:`remove_results`, :func:`not_set_text`);
* the paragraphs and captions in the study's language (:func:`drivers_text`, :func:`segments_text`,
  :func:`kano_text`, :func:`gaps_text`, :func:`weights_text`, …), written in English and translated
  by the catalog (:mod:`csat.core.i18n`, ``csat/locale/zh/06_drivers.po``);
* the diagnostics the stage raises besides the engines' (:func:`glyph_diagnostics`, the invalid Kano
  and SERVQUAL answers), built with :func:`csat.core.diagnostics.diagnostic`.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Mapping, Sequence

import pandas as pd

from csat.config.checks import SATISFACTION_NAMES, driver_variables, satisfaction_construct  # noqa: F401
from csat.analyses.display import kano_category_name, option_name, percent
from csat.core.diagnostics import Diagnostic, diagnostic
from csat.core.i18n import N_, is_chinese, tr, trc
from csat.intake.extras import numeric_answers, raw_columns
from csat.viz.plots import missing_glyphs

__all__ = ["SATISFACTION_NAMES", "satisfaction_construct", "driver_variables", "PARTS", "remove_results",
           "not_set_text", "part_name", "absent_text", "glyph_diagnostics", "survey_weights", "read_weights_info", "weights_summary",
           "raking_margins", "weighted_indices", "weights_text", "with_labels", "drivers_caption", "drivers_text",
           "segment_membership", "profile_table", "profile_caption", "weighted_note", "group_shares",
           "SEGMENT_CRITERIA", "segments_text", "kano_answers", "kano_features", "kano_category_name", "kano_text", "servqual_answers",
           "servqual_dimensions", "gaps_text"]


# -- key drivers ----------------------------------------------------------------------------
# satisfaction_construct and driver_variables (imported above) live in csat.config.checks, which checks the
# target and the predictors before the first notebook (check_study_keys)


# -- the parts of the stage -----------------------------------------------------------------
#: The optional parts of 06, by their params key: what the part is (a catalog message, shown in the
#: sentence of :func:`not_set_text`) and the results files it writes.
PARTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "drivers": (N_("a key-driver analysis"), ("drivers.csv", "drivers.json")),
    "segments": (N_("a customer segmentation"), ("segments.csv", "segment_profile.csv", "segment_selection.csv",
                                               "segment_groups.csv", "segment_crosstab.csv")),
    "kano": (N_("a Kano analysis"), ("kano.csv",)),
    "servqual": (N_("a SERVQUAL gap analysis"), ("gaps.csv",)),
    "open_ended": (N_("an analysis of open-ended answers"), ("open_ended_words.csv", "open_ended_themes.csv",
                   "open_ended_quotes.csv", "open_ended_groups.csv", "open_ended_tests.csv", "open_ended.json")),
}


def remove_results(results: str | Path, key: str) -> list[Path]:
    """Delete the results files of the part ``key`` (:data:`PARTS`) from the folder ``results``: a part
    taken out of the params leaves no stale file behind.  Returns the paths (whether they existed or not)."""
    out = [Path(results) / name for name in PARTS[key][1]]
    for f in out:
        f.unlink(missing_ok=True)
    return out


def not_set_text(key: str, language: str = "en") -> str:
    """The sentence shown in place of a part whose key is not in the params file (the report gathers these
    into one sentence, :func:`absent_text`).

    >>> not_set_text("kano")
    'Not part of this study: a Kano analysis.'
    """
    return absent_text([part_name(key, language)], language)


def part_name(key: str, language: str = "en") -> str:
    """What the part of ``key`` is, in ``language`` (``"kano"`` → a Kano analysis)."""
    return tr(PARTS[key][0], language)


def absent_text(whats: Sequence[str], language: str = "en") -> str:
    """One sentence naming the parts that are not part of the study.

    >>> absent_text(["a key-driver analysis", "a Kano analysis"])
    'Not part of this study: a key-driver analysis, a Kano analysis.'
    """
    sep = "、" if is_chinese(language) else ", "
    return tr("Not part of this study: {what}.", language, what=sep.join(whats))


def glyph_diagnostics(fig) -> list[Diagnostic]:
    """A ``missing_glyph`` warning for each character of ``fig`` that its fonts cannot draw
    (:func:`csat.viz.plots.missing_glyphs`), where = the text it is in."""
    return [diagnostic("missing_glyph", "warning", text, N_("The character {ch!r} has no glyph in the chart fonts."),
                       ch=ch)
            for text, ch in missing_glyphs(fig)]


# -- survey weights -------------------------------------------------------------------------
def survey_weights(data: pd.DataFrame, weights_file: str | Path, study: str) -> pd.Series:
    """The weight of each analysed respondent (``data``'s rows, by its ``row`` column) from the
    ``weights.csv`` 02_descriptives wrote.

    Raises
    ------
    FileNotFoundError
        No weights file (02_descriptives has not run).
    ValueError
        A respondent of ``data`` without a weight (the file is older than the clean data).
    """
    wfile = Path(weights_file)
    if not wfile.is_file():
        raise FileNotFoundError(f"{wfile} not found: run 02_descriptives for study {study!r} first (it makes the weights)")
    wdf = pd.read_csv(wfile)
    weights = data["row"].map(dict(zip(wdf["row"], wdf["weight"])))
    if weights.isna().any():
        raise ValueError(f"{wfile} has no weight for {int(weights.isna().sum())} analysed respondents; re-run 02_descriptives")
    return weights


def read_weights_info(path: str | Path) -> dict:
    """The summary of the weights 02_descriptives wrote (``weights.json``)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def weights_summary(info: Mapping) -> pd.DataFrame:
    """One row: the weights' source, n, sum, range, coefficient of variation, Kish's n_eff and deff."""
    return pd.DataFrame([{k: info[k] for k in ("source", "n", "sum", "min", "max", "cv", "kish_neff", "deff")}])


def raking_margins(info: Mapping) -> pd.DataFrame | None:
    """The raking table (sample shares, population targets, weighted shares), or None (weights not raked)."""
    return pd.DataFrame(info["margins"]) if info.get("margins") else None


def weighted_indices(path: str | Path) -> pd.DataFrame | None:
    """The unweighted and weighted indices and NPS of ``weighted_estimates.csv`` (02), or None (no file)."""
    path = Path(path)
    if not path.is_file():
        return None
    e = pd.read_csv(path)
    return e[e["what"].isin(["index", "nps"])]


def weights_text(info: Mapping, language: str = "en") -> str:
    """The weights' effective sample size and design effect, in a sentence.

    >>> weights_text({"source": "rake", "kish_neff": 502.4, "n": 546, "deff": 1.087})
    'The weights (raking) give an effective sample size of 502 of 546 respondents (design effect 1.09).'
    """
    return tr("The weights ({source}) give an effective sample size of {neff:.0f} of {n} respondents "
              "(design effect {deff:.2f}).", language,
              source=option_name(info["source"], language), neff=info["kish_neff"], n=info["n"], deff=info["deff"])


# -- key drivers (tables and texts) ---------------------------------------------------------
def with_labels(table: pd.DataFrame, column: str, labels: Mapping[str, str] | None) -> pd.DataFrame:
    """``table`` with the names in ``column`` replaced by their labels (for display)."""
    labels = labels or {}
    return table.assign(**{column: [labels.get(x, x) for x in table[column]]})


def drivers_caption(target: str, info: Mapping, labels: Mapping[str, str] | None = None, language: str = "en") -> str:
    """The caption of the key-driver table: the target, R² and n.

    >>> drivers_caption("SAT", {"r2": 0.4449, "n": 546}, {"SAT": "Satisfaction"})
    'Key drivers of Satisfaction (R² = 0.445, n = 546)'
    """
    labels = labels or {}
    return tr("Key drivers of {target} (R² = {r2:.3f}, n = {n})", language,
              target=labels.get(target, target), r2=info["r2"], n=info["n"])


def drivers_text(table: pd.DataFrame, info: dict, labels: dict | None = None, language: str = "en") -> str:
    """A plain summary: R², the top driver by LMG share and its interval.

    Parameters
    ----------
    table, info
        The result of :func:`csat.stats.drivers.key_drivers`.
    labels : dict, optional
        ``{variable: label}``.
    language : str
        The study's language.

    Returns
    -------
    str
    """
    labels = labels or {}
    t = table.sort_values("lmg", ascending=False)
    top = t.iloc[0]
    return tr("The {k} drivers explain R² = {r2:.3f} of {target} (n = {n}). By the LMG decomposition the most "
              "important driver is {driver}: {lmg:.3f} of R² ({share:.0f}%, 95% bootstrap interval {lower:.3f} to "
              "{upper:.3f}).", language,
              k=len(table), r2=info["r2"], target=labels.get(info["target"], info["target"]), n=info["n"],
              driver=labels.get(top["predictor"], top["predictor"]), lmg=top["lmg"], share=100 * top["lmg.share"],
              lower=top["lmg.ci.lower"], upper=top["lmg.ci.upper"])


# -- segments -------------------------------------------------------------------------------
def segment_membership(data: pd.DataFrame, seg: pd.Series) -> pd.DataFrame:
    """``segments.csv``: each analysed respondent's raw data ``row`` and segment (missing: not clustered)."""
    return pd.DataFrame({"row": data["row"].to_numpy(), "segment": seg.to_numpy()})


def profile_table(profile: pd.DataFrame, on: Sequence[str], labels: Mapping[str, str] | None = None,
                  bounded: bool = True) -> pd.DataFrame:
    """One row per segment: its size and share, and its 0–100 index (``bounded`` scale) or mean of each
    construct of ``on``, the columns named by their labels.

    Parameters
    ----------
    profile : DataFrame
        :func:`csat.stats.segments.segment_profile`.
    on : sequence of str
        The constructs clustered on, in their order.
    labels : mapping, optional
        ``{construct: label}``.
    bounded : bool
        Whether the scale has a minimum and maximum (``params.scale.bounded``): indices, else means.
    """
    labels = labels or {}
    wide = profile.pivot(index=["segment", "n", "share"], columns="construct",
                         values="index" if bounded else "mean")[list(on)].reset_index()
    wide.columns = [labels.get(c, c) for c in wide.columns]
    # the share as the figure's legend and the text give it: one rounding, in per cent
    return wide.assign(share=[percent(x) for x in wide["share"]])


def profile_caption(bounded: bool = True, language: str = "en") -> str:
    """The caption of :func:`profile_table`'s table."""
    if bounded:
        return tr("Segment sizes and 0–100 indices of each construct", language)
    return tr("Segment sizes and construct means", language)


def weighted_note(weighted: bool, language: str = "en") -> str | None:
    """The note under the segment table when the shares are weighted (None when they are not)."""
    return tr("share is weighted", language) if weighted else None


def group_shares(crosstab: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """The share of each group level in each segment, one column per segment.

    Parameters
    ----------
    crosstab : DataFrame
        The long table of :func:`csat.stats.segments.segment_groups` (``group``, ``level``, ``segment``,
        ``share``, …).
    language : str
        The study's language (the segment columns' names).
    """
    shares = crosstab.pivot(index=["group", "level"], columns="segment", values="share").reset_index()
    for c in shares.columns:
        if not isinstance(c, str):
            shares[c] = [percent(x) for x in shares[c]]
    shares.columns = [c if isinstance(c, str) else tr("segment {k}", language, k=c) for c in shares.columns]
    return shares


def segment_method_name(method: str, language: str = "en") -> str:
    """The clustering method as the reader reads it (``kmeans`` → k-means, K 均值).

    >>> segment_method_name("kmeans"), segment_method_name("kmeans", "zh")
    ('k-means', 'K 均值')
    """
    names = {"kmeans": trc("clustering method", "k-means", language),
             "ward": trc("clustering method", "Ward hierarchical", language),
             "gmm": trc("clustering method", "Gaussian-mixture", language)}
    return names.get(method, method)


#: How the number of segments was chosen with ``k: auto``, by the criterion of :func:`csat.stats.segments.segment`.
SEGMENT_CRITERIA = {"silhouette": N_("by the largest mean silhouette over k = 2–8"),
                    "bic": N_("by the smallest BIC over k = 2–8")}


def _listing(parts: Sequence[str], language: str) -> str:
    """Clauses joined by semicolons (Chinese ones by full-width semicolons)."""
    return ("；" if is_chinese(language) else "; ").join(parts)


def segments_text(profile: pd.DataFrame, info: dict, labels: Mapping[str, str] | None = None,
                  language: str = "en") -> str:
    """Number of segments, how chosen, and each segment's size with its highest and lowest construct.

    Parameters
    ----------
    profile : DataFrame
        :func:`csat.stats.segments.segment_profile`.
    info : dict
        The info of :func:`csat.stats.segments.segment`.
    labels : mapping, optional
        ``{construct: label}``.
    language : str
        The study's language.

    Returns
    -------
    str
    """
    labels = labels or {}
    parts = []
    for k, g in profile.groupby("segment"):
        hi = g.loc[g["z"].idxmax()]
        lo = g.loc[g["z"].idxmin()]
        parts.append(tr("segment {k} ({share:.0f}%) is highest on {high} (z = {z_high:.2f}) and lowest on {low} "
                        "(z = {z_low:.2f})", language, k=k, share=100 * g["share"].iloc[0],
                        high=labels.get(hi["construct"], hi["construct"]), z_high=hi["z"],
                        low=labels.get(lo["construct"], lo["construct"]), z_low=lo["z"]))
    how = SEGMENT_CRITERIA[info["criterion"]]
    chosen = tr(how, language) if info["k_auto"] else tr("as set in the params", language)
    return tr("{method} clustering gives {k} segments ({chosen}; n = {n}): {segments}.", language,
              method=segment_method_name(info["method"], language), k=info["k"], chosen=chosen, n=info["n"], segments=_listing(parts, language))


# -- Kano -----------------------------------------------------------------------------------
def kano_features(params) -> dict[str, dict[str, str]]:
    """``{feature: {"functional": column, "dysfunctional": column}}`` of ``params.kano`` (for
    :func:`csat.stats.kano.kano_table`)."""
    return {f: {"functional": s.functional, "dysfunctional": s.dysfunctional} for f, s in params.kano.items()}


def kano_labels(params) -> dict[str, str]:
    """``{feature: its name in the study's language}`` (``kano.<feature>.label``/``label_zh``, else the key)."""
    from csat.analyses.labels import feature_label

    return {f: feature_label(params, f) for f in params.kano or {}}


def kano_category_names(language: str = "en") -> dict[str, str]:
    """``{category letter: name}`` of the six Kano categories in ``language`` (:func:`kano_category_name`)."""
    return {c: kano_category_name(c, language) for c in "AOMIRQ"}


def kano_answers(params, params_file: str | Path, data: pd.DataFrame,
                 root: str | Path | None = None) -> tuple[pd.DataFrame, list[Diagnostic]]:
    """The Kano questions' answers of the analysed respondents, as codes 1–5, and a warning for each
    column with answers that are no code (nor a ``labels`` text) and were set missing.

    Parameters
    ----------
    params : StudyParams
        The study's parameters (``kano``, ``missing_codes``, ``labels``).
    params_file : path
        The params file (the raw file is found relative to it).
    data : DataFrame
        The clean data (its ``row`` column aligns the raw file's answers).
    root : path, optional
        The project folder.

    Returns
    -------
    answers : DataFrame
        One column per functional and dysfunctional question, indexed like ``data``.
    diagnostics : list of Diagnostic
        ``kano_invalid_answers``.
    """
    cols = [c for f in params.kano.values() for c in (f.functional, f.dysfunctional)]
    raw = raw_columns(params, params_file, data, cols, root=root)
    out = pd.DataFrame(index=data.index)
    diags = []
    for c in cols:
        out[c], bad = numeric_answers(raw[c], params.missing_codes, params.labels, 1, 5)
        if bad:
            diags.append(diagnostic("kano_invalid_answers", "warning", c, N_("{bad} answers are not one of the "
                                    "codes 1-5 (or a 'labels' text) and were set missing."), bad=bad))
    return out, diags


def kano_text(table: pd.DataFrame, language: str = "en", labels: Mapping[str, str] | None = None) -> str:
    """One clause per feature: its category, Better and Worse.

    Parameters
    ----------
    table : DataFrame
        The table of :func:`csat.stats.kano.kano_table`.
    language : str
        The study's language.
    labels : mapping, optional
        ``{feature: label}``.

    Returns
    -------
    str
    """
    labels = labels or {}
    parts = []
    for _, r in table.iterrows():
        if pd.isna(r["category"]):                 # no valid answer pair (the table holds NaN, not None)
            continue
        parts.append(tr("{feature}: {category} (Better {better:.2f}, Worse {worse:.2f})", language,
                        feature=labels.get(r["feature"], r["feature"]),
                        category=kano_category_name(r["category"], language), better=r["better"], worse=r["worse"]))
    return _listing(parts, language) + ("。" if is_chinese(language) else ".")


# -- SERVQUAL -------------------------------------------------------------------------------
def servqual_dimensions(params) -> dict[str, dict[str, list[str]]]:
    """``{dimension: {"expectation": [...], "perception": [...]}}`` of ``params.servqual`` (for
    :func:`csat.stats.servqual.gaps`)."""
    return {d: {"expectation": list(s.expectation), "perception": list(s.perception)}
            for d, s in params.servqual.items()}


def servqual_labels(params) -> dict[str, str]:
    """``{dimension: its name in the study's language}`` (``servqual.<dimension>.label``/``label_zh``)."""
    from csat.analyses.labels import dimension_label

    return {d: dimension_label(params, d) for d in params.servqual or {}}


def servqual_item_labels(params) -> dict[str, str]:
    """``{perception item: its name}`` (``column_labels`` or ``item_labels``, else the column's code)."""
    from csat.analyses.labels import column_label

    return {c: column_label(params, c) for d in (params.servqual or {}).values() for c in d.perception}


def servqual_answers(params, params_file: str | Path, data: pd.DataFrame,
                     root: str | Path | None = None) -> tuple[pd.DataFrame, list[Diagnostic]]:
    """The SERVQUAL items' answers of the analysed respondents on the study's scale, and a warning for
    each column with answers outside the scale (or unmapped text) that were set missing.

    Parameters and returns as :func:`kano_answers` (``params.servqual``, ``params.scale``; the
    diagnostics are ``servqual_invalid_answers``).
    """
    cols = [c for d in params.servqual.values() for c in (*d.expectation, *d.perception)]
    raw = raw_columns(params, params_file, data, cols, root=root)
    lo, hi = params.scale.min, params.scale.max
    out = pd.DataFrame(index=data.index)
    diags = []
    for c in cols:
        out[c], bad = numeric_answers(raw[c], params.missing_codes, params.labels, lo, hi)
        if bad:
            diags.append(diagnostic("servqual_invalid_answers", "warning", c, N_("{bad} answers are outside the "
                                    "scale {lo:g}-{hi:g} (or unmapped text) and were set missing."), bad=bad, lo=lo, hi=hi))
    return out, diags


#: they read the raw data file (tests/pipeline/test_graph.py checks csat.pipeline.graph.STAGE_READS)
kano_answers.reads = servqual_answers.reads = ("data",)


def gaps_text(table: pd.DataFrame, language: str = "en", alpha: float = 0.05,
              labels: Mapping[str, str] | None = None) -> str:
    """One paragraph on the dimension gaps, largest shortfall first.

    A gap is called significant when its Holm-adjusted p-value (``p.holm``) is below ``alpha``.

    Parameters
    ----------
    table : DataFrame
        The table of :func:`csat.stats.servqual.gaps`.
    language : str
        The study's language.
    alpha : float
        Significance level.
    labels : mapping, optional
        ``{dimension: label}`` (:func:`csat.analyses.labels.dimension_label`).

    Returns
    -------
    str
    """
    labels = labels or {}
    dims = table[table["level"] == "dimension"].sort_values("gap")
    parts = []
    for _, r in dims.iterrows():
        values = dict(dimension=labels.get(r["dimension"], r["dimension"]), gap=r["gap"], ratio=r["ratio"])
        if r["p.holm"] < alpha:
            parts.append(tr("{dimension} {gap:+.2f} (P/E = {ratio:.2f}; significant after Holm)", language, **values))
        else:
            parts.append(tr("{dimension} {gap:+.2f} (P/E = {ratio:.2f}; not significant after Holm)", language,
                            **values))
    return tr("Perception minus expectation by dimension, largest shortfall first: {gaps}.", language,
              gaps=_listing(parts, language))
