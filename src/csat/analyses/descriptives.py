"""Reader-facing texts and study bookkeeping of the descriptives stage (02): sample, items, indices, NPS,
groups, tracking, weights.

The statistics are computed by :mod:`csat.stats.descriptives`, :mod:`csat.stats.tracking` and
:mod:`csat.stats.weights` (study- and language-free); this module reads what the study's params say
(labels, the recommend column, the waves, the survey weights: :func:`study_weights` reads the weight
and raking columns from the raw file), puts the results into the tables and files 02_descriptives
shows and writes, and turns them into the paragraphs of the report, in the study's language. Every
sentence is an English template translated by the catalog (:func:`csat.core.i18n.tr`,
``csat/locale/zh/02_descriptives.po``); ``zh-Hant`` is derived from it.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import pandas as pd

from csat.analyses.verdicts import section_markdown
from csat.core.diagnostics import Diagnostic, diagnostic
from csat.core.errors import WeightsError
from csat.core.i18n import DERIVED, N_, is_chinese, localize, tr
from csat.core.text import format_p
from csat.intake.extras import raw_columns
from csat.stats.descriptives import MISSING_LEVEL, nps
from csat.stats.tracking import wave_tables
from csat.stats.weights import (check_weights, margins_achieved, rake, weighted_index, weighted_items, weighted_nps,
                                weights_summary)

__all__ = ["study_labels", "score_rule_text", "profile_text", "items_text", "index_table", "index_text",
           "study_nps", "nps_table", "nps_text", "nps_diagnostics", "group_tests_text", "correlation_text",
           "tracking_section_markdown", "study_wave_tables", "WAVE_CHANGES_SHOWN", "waves_text",
           "study_weights", "weights_section_markdown", "weights_table", "weights_record", "weighted_estimates",
           "weighted_tables", "weights_text"]

#: Separators that differ between the languages: English one → Chinese one (:func:`_join`).
_CHINESE_SEPARATORS = {" ": "", "; ": "；", ", ": "、"}


def _join(parts: Sequence[str], sep: str, language: str) -> str:
    """``parts`` joined by ``sep`` as ``language`` writes it: sentences follow each other after a space
    in English and directly in Chinese; ``"; "`` and ``", "`` between list entries become ``"；"`` and
    ``"、"``."""
    return (_CHINESE_SEPARATORS[sep] if is_chinese(language) else sep).join(parts)


# -- the study ------------------------------------------------------------------------------
def study_labels(params) -> tuple[dict[str, list[str]], dict[str, str], dict[str, str]]:
    """``(constructs, item_labels, construct_labels)`` of a study: ``{construct: [item, ...]}`` and the
    labels of the items and constructs in the study's language.

    Parameters
    ----------
    params : StudyParams
        The study's parameters (:func:`csat.config.params.load_params`).

    Returns
    -------
    constructs : dict
    item_labels : dict
        ``{item: label}``.
    construct_labels : dict
        ``{construct: label}``.
    """
    constructs = {name: c.items for name, c in params.constructs.items()}
    item_labels = {i: params.item_label(i) for i in params.items}
    construct_labels = {c: params.construct_label(c) for c in params.constructs}
    return constructs, item_labels, construct_labels


# -- descriptives ---------------------------------------------------------------------------
def score_rule_text(min_share: float, language: str = "en") -> str:
    """The construct-score rule of :func:`csat.stats.descriptives.construct_scores` in plain words, for the report.

    Parameters
    ----------
    min_share : float
        ``scores.min_share``: the share of a construct's items a respondent must answer.
    language : str
        A language of :data:`csat.core.i18n.LANGUAGES`.

    Returns
    -------
    str

    Examples
    --------
    >>> print(score_rule_text(0.5))
    Construct-score rule: a respondent's score on a construct is the mean of the answered items when at least half of its items are answered; otherwise the score is missing.
    >>> print(score_rule_text(0.75, "zh"))
    维度得分规则：受访者回答了该维度至少 75% 的题项（向上取整）时，其得分为已答题项的均值，否则该维度得分缺失。
    """
    if min_share <= 0:
        rule = tr("any of its items", language)
    elif min_share >= 1:
        rule = tr("all of its items", language)
    elif abs(min_share - 0.5) < 1e-12:
        rule = tr("at least half of its items", language)
    else:
        rule = tr("at least {share:.0%} of its items (rounded up)", language, share=min_share)
    return tr("Construct-score rule: a respondent's score on a construct is the "
              "mean of the answered items when {rule} are answered; otherwise the score is missing.",
              language, min_share=min_share, rule=rule)


def _namers(names, language: str):
    """``(column name, level name)`` functions: the labels of the study's params, or the codes without them;
    ``a x b`` (two grouping columns crossed) as ``A × B``."""
    if names is None:
        return (lambda c: str(c).replace(" x ", " × ")), (lambda c, lv: lv)
    from csat.analyses.labels import column_label, level_label

    return ((lambda c: " × ".join(column_label(names, x, language) for x in str(c).split(" x "))),
            (lambda c, lv: level_label(names, c, lv, language)))


def profile_text(profile: pd.DataFrame, n_total: int, language: str = "en", names=None) -> str:
    """One paragraph describing the sample by its grouping columns (largest level of each).

    Parameters
    ----------
    profile : DataFrame
        The table of :func:`csat.stats.descriptives.sample_profile`.
    n_total : int
        Respondents in the analysis sample.
    language : str
        A language of :data:`csat.core.i18n.LANGUAGES`.
    names : StudyParams, optional
        The study's params: group columns and levels by their labels (:mod:`csat.analyses.labels`).

    Returns
    -------
    str
    """
    col, lev = _namers(names, language)
    if profile.empty:
        return tr("The analysis sample has {n} respondents; no grouping variables were given.", language, n=n_total)
    parts = []
    for var, sub in profile.groupby("variable", sort=False):
        top = sub[sub["level"] != MISSING_LEVEL].sort_values("n", ascending=False)
        if top.empty:
            continue
        t = top.iloc[0]
        part = tr("{variable}: {k} levels, the largest being {level} ({n}, {share:.1f}%)", language,
                  variable=col(var), k=len(top), level=lev(var, t["level"]), n=t["n"], share=100 * t["share"])
        miss = sub[sub["level"] == MISSING_LEVEL]
        if len(miss):
            part += tr(", {n} without an answer", language, n=int(miss["n"].iloc[0]))
        parts.append(part)
    return tr("The analysis sample has {n} respondents. {parts}. The profile describes this sample only; whether it "
              "represents the population depends on how it was drawn.", language,
              n=n_total, parts=_join(parts, "; ", language))


def items_text(items: pd.DataFrame, scale_min: float, scale_max: float, language: str = "en") -> str:
    """One paragraph on the item means, missing answers and the shape of the distributions.

    Parameters
    ----------
    items : DataFrame
        The table of :func:`csat.stats.descriptives.item_table`.
    scale_min, scale_max : float
        The answer scale.
    language : str
        A language of :data:`csat.core.i18n.LANGUAGES`.

    Returns
    -------
    str
    """
    it = items.dropna(subset=["mean"])
    if it.empty:
        return tr("No item has answers.", language)
    hi, lo = it.loc[it["mean"].idxmax()], it.loc[it["mean"].idxmin()]
    skewed = it[it["skew"].abs() > 1]
    miss = int(items["missing"].sum())
    means = dict(low=lo["mean"], low_label=lo["label"], high=hi["mean"], high_label=hi["label"])
    if scale_min is None or scale_max is None:
        text = [tr("Item means range from {low:.2f} ({low_label}) to {high:.2f} ({high_label}).", language, **means)]
    else:
        text = [tr("On the {scale_min:g}–{scale_max:g} scale, item means range from {low:.2f} ({low_label}) to "
                   "{high:.2f} ({high_label}).", language, scale_min=scale_min, scale_max=scale_max, **means)]
    if miss:
        text.append(tr("There are {n} missing answers in total (at most {most} for one item).", language,
                       n=miss, most=int(items["missing"].max())))
    else:
        text.append(tr("No item has missing answers.", language))
    if len(skewed):
        text.append(tr("{k} of {n} items have |skewness| > 1, so their answers pile up at one end of the scale; "
                       "means of such items summarise them less well than for symmetric items.", language,
                       k=len(skewed), n=len(it)))
    else:
        text.append(tr("No item has |skewness| > 1.", language))
    return _join(text, " ", language)


def index_table(index: pd.DataFrame, bounded: bool, language: str = "en") -> tuple[pd.DataFrame, str]:
    """The construct scores as 02_descriptives shows them, with the table's caption: the means and the
    0–100 indices with their intervals, or the means alone when the scale has no bounds (continuous
    scores, no index).

    Parameters
    ----------
    index : DataFrame
        The table of :func:`csat.stats.descriptives.construct_index`.
    bounded : bool
        Whether the scale has a min and a max (``params.scale.bounded``).
    language : str
        A language of :data:`csat.core.i18n.LANGUAGES`.

    Returns
    -------
    table : DataFrame
    caption : str
    """
    if bounded:
        return index, tr("Construct scores and 0–100 indices (95% CI)", language)
    return (index.drop(columns=["index", "index.ci.lower", "index.ci.upper"]),
            tr("Construct scores (95% CI)", language))


def index_text(index: pd.DataFrame, language: str = "en") -> str:
    """One paragraph on the 0–100 construct indices (highest and lowest, with intervals).

    Parameters
    ----------
    index : DataFrame
        The table of :func:`csat.stats.descriptives.construct_index`.
    language : str
        A language of :data:`csat.core.i18n.LANGUAGES`.

    Returns
    -------
    str

    Examples
    --------
    >>> from csat.stats.descriptives import construct_index
    >>> scores = pd.DataFrame({"SAT": ecsi[["sat1", "sat2", "sat3", "sat4"]].mean(axis=1),
    ...                        "LOY": ecsi[["loy1", "loy2", "loy3", "loy4"]].mean(axis=1)})
    >>> print(index_text(construct_index(scores, 0, 10)))
    On the 0–100 index, LOY scores highest (72.4 [69.9, 74.8]) and SAT lowest (68.3 [66.2, 70.5]); ...
    """
    ix = index.dropna(subset=["index"])
    if ix.empty and index["mean"].notna().any():       # a continuous study without scale bounds
        m = index.dropna(subset=["mean"])
        hi, lo = m.loc[m["mean"].idxmax()], m.loc[m["mean"].idxmin()]
        return tr("The scale has no bounds (continuous scores), so no 0–100 index is computed; construct means range "
                  "from {low:.2f} ({low_label}) to {high:.2f} ({high_label}). Constructs measured on different units "
                  "are not comparable by their means.", language,
                  low=lo["mean"], low_label=lo["label"], high=hi["mean"], high_label=hi["label"])
    if ix.empty:
        return tr("No construct score could be computed.", language)
    hi, lo = ix.loc[ix["index"].idxmax()], ix.loc[ix["index"].idxmin()]

    def f(r):
        return f"{r['index']:.1f} [{r['index.ci.lower']:.1f}, {r['index.ci.upper']:.1f}]"

    return tr("On the 0–100 index, {high_label} scores highest ({high}) and {low_label} lowest ({low}); brackets are "
              "95% confidence intervals for each index. The constructs are measured with different items by the same "
              "respondents and are not tested against each other here, so the ranking is descriptive.", language,
              high_label=hi["label"], high=f(hi), low_label=lo["label"], low=f(lo))


# -- Net Promoter Score ---------------------------------------------------------------------
def study_nps(data: pd.DataFrame, recommend: str | None) -> dict | None:
    """The Net Promoter Score (:func:`csat.stats.descriptives.nps`) of the study's 0–10 recommendation
    column ``recommend`` (``params.recommend``), or None when the study has none or the cleaned data
    lack it (:func:`nps_diagnostics` tells which).

    Examples
    --------
    >>> study_nps(ecsi, "loy1")["nps"], study_nps(ecsi, None), study_nps(ecsi, "nps")
    (2.8, None, None)
    """
    if recommend and recommend in data.columns:
        return nps(data[recommend])
    return None


def nps_table(res: Mapping) -> pd.DataFrame:
    """The NPS of :func:`study_nps` as a one-row table (without its method and confidence level)."""
    return pd.DataFrame([res]).drop(columns=["method", "conf"])


def nps_text(res: Mapping | None, language: str = "en") -> str:
    """One paragraph on the Net Promoter Score and its interval (or that there is none).

    Parameters
    ----------
    res : mapping or None
        The result of :func:`csat.stats.descriptives.nps` (or :func:`csat.stats.weights.weighted_nps`);
        None when the study has no 0–10 recommendation question (:func:`study_nps`).
    language : str
        A language of :data:`csat.core.i18n.LANGUAGES`.

    Returns
    -------
    str

    Examples
    --------
    >>> from csat.stats.descriptives import nps
    >>> print(nps_text(nps(ecsi["loy1"])))
    Of 250 respondents, 33.2% are promoters (9–10) and 30.4% detractors (0–6), giving an NPS of 2.8 (95% CI -7.1 to 12.7).
    """
    if res is None:
        return tr("The study has no 0–10 recommendation question, so no Net Promoter Score is reported.", language)
    return tr("Of {n} respondents, {promoters:.1f}% are promoters (9–10) and {detractors:.1f}% detractors (0–6), "
              "giving an NPS of {nps:.1f} (95% CI {lower:.1f} to {upper:.1f}).", language,
              n=res["n"], promoters=100 * res["p_promoters"], detractors=100 * res["p_detractors"], nps=res["nps"],
              lower=res["ci.lower"], upper=res["ci.upper"])


def nps_diagnostics(data: pd.DataFrame, recommend: str | None) -> list[Diagnostic]:
    """``nps_column_missing`` when the params name a recommend column that the cleaned data lack.

    Examples
    --------
    >>> [d.message for d in nps_diagnostics(ecsi, "nps")]
    ["The recommend column 'nps' is not in the cleaned data; no NPS was computed."]
    >>> nps_diagnostics(ecsi, "loy1"), nps_diagnostics(ecsi, None)
    ([], [])
    """
    if not recommend or recommend in data.columns:
        return []
    return [diagnostic("nps_column_missing", "warning", recommend,
                       N_("The recommend column {column!r} is not in the cleaned data; no NPS was computed."),
                       column=recommend)]


# -- group comparisons and correlations -----------------------------------------------------
def group_tests_text(tests: pd.DataFrame, language: str = "en", alpha: float = 0.05,
                     labels: Mapping[str, str] | None = None, names=None) -> str:
    """One paragraph on the group comparisons; "differs significantly" only when p.holm < alpha.

    Only the parametric tests (Welch t, Welch ANOVA) and the chi-square tests are described;
    the rank tests are in the table.

    Parameters
    ----------
    tests : DataFrame
        The table of :func:`csat.stats.descriptives.group_tests`.
    language : str
        A language of :data:`csat.core.i18n.LANGUAGES`.
    alpha : float
        Significance level applied to ``p.holm``.
    labels : mapping, optional
        ``{construct: label}``.
    names : StudyParams, optional
        The study's params: group columns and levels by their labels (:mod:`csat.analyses.labels`).

    Returns
    -------
    str
    """
    labels = labels or {}
    col, lev = _namers(names, language)
    main = tests[tests["test"].isin(["welch_t", "welch_anova"])]
    chi = tests[tests["test"] == "chi_square"]
    if main.empty and chi.empty:
        return tr("No group comparison could be made (no grouping variable with two usable levels).", language)
    sig = main[main["p.holm"] < alpha]
    text = []
    if not main.empty:
        if sig.empty:
            text.append(tr("Of {n} comparisons of construct scores between groups (Welch tests, Holm-adjusted within "
                           "each family), none differs significantly at the {alpha:g} level; this does not show that "
                           "the groups are equal.", language, n=len(main), alpha=alpha))
        else:
            text.append(tr("Of {n} comparisons of construct scores between groups (Welch tests, Holm-adjusted within "
                           "each family), {k} differ significantly at the {alpha:g} level.", language,
                           n=len(main), k=len(sig), alpha=alpha))
        # a few sentence forms, taken in turn, so that several findings do not read as one pattern repeated
        two = (N_("{label} differs significantly by {group} ({first} − {second} = {estimate:.2f}, t({df:.1f}) = "
                  "{t:.2f}, Holm-adjusted p {p}, g = {g:.2f})."),
               N_("{first} and {second} respondents also differ on {label} ({first} − {second} = {estimate:.2f}, "
                  "t({df:.1f}) = {t:.2f}, Holm-adjusted p {p}, g = {g:.2f})."),
               N_("For {label}, the difference by {group} is significant as well ({first} − {second} = "
                  "{estimate:.2f}, t({df:.1f}) = {t:.2f}, Holm-adjusted p {p}, g = {g:.2f})."))
        many = (N_("{label} differs significantly by {group} (F({df:.0f}, {df2:.1f}) = {f:.2f}, Holm-adjusted p {p}, "
                   "ω² = {omega2:.3f})."),
                N_("{label} also varies with {group} (F({df:.0f}, {df2:.1f}) = {f:.2f}, Holm-adjusted p {p}, "
                   "ω² = {omega2:.3f})."),
                N_("By {group}, {label} differs significantly as well (F({df:.0f}, {df2:.1f}) = {f:.2f}, "
                   "Holm-adjusted p {p}, ω² = {omega2:.3f})."))
        for k, (_, r) in enumerate(sig.iterrows()):
            lab = labels.get(r["construct"], r["construct"])
            if r["test"] == "welch_t":
                lv = str(r["levels"]).split(" | ")
                text.append(tr(two[k % 3], language,
                               label=lab, group=col(r["group"]), first=lev(r["group"], lv[0]),
                               second=lev(r["group"], lv[1]), estimate=r["estimate"],
                               df=r["df"], t=r["statistic"], p=format_p(r["p.holm"]), g=r["effect_size"]))
            else:
                text.append(tr(many[k % 3], language,
                               label=lab, group=col(r["group"]), df=r["df"], df2=r["df2"], f=r["statistic"],
                               p=format_p(r["p.holm"]), omega2=r["effect_size"]))
        if 0 < len(sig) < len(main):
            text.append(tr("The other comparisons show no significant difference; this does not show that the groups "
                           "are equal.", language))
    chi_sig = chi[chi["p.holm"] < alpha]
    for _, r in chi_sig.iterrows():
        text.append(tr("The grouping variables {groups} are significantly associated (χ²({df:.0f}) = {chi2:.2f}, "
                       "Holm-adjusted p {p}, Cramér's V = {v:.2f}).", language,
                       groups=col(r["group"]), df=r["df"], chi2=r["statistic"], p=format_p(r["p.holm"]),
                       v=r["effect_size"]))
    n_ns = len(chi) - len(chi_sig)
    if n_ns:
        vmax = chi.loc[chi["p.holm"] >= alpha, "effect_size"].max()
        if len(chi_sig):
            text.append(tr("The other {n} pair(s) of grouping variables show no significant association (chi-square, "
                           "Holm-adjusted; largest Cramér's V = {v:.2f}).", language, n=n_ns, v=vmax))
        else:
            text.append(tr("The {n} pair(s) of grouping variables show no significant association (chi-square, "
                           "Holm-adjusted; largest Cramér's V = {v:.2f}).", language, n=n_ns, v=vmax))
    text.append(tr("These are associations in this sample, not effects of group membership.", language))
    return _join(text, " ", language)


def correlation_text(corr: pd.DataFrame, language: str = "en", labels: Mapping[str, str] | None = None) -> str:
    """One paragraph on the Pearson correlations of the construct scores (range, strongest pair).

    Parameters
    ----------
    corr : DataFrame
        The table of :func:`csat.stats.descriptives.correlations`.
    language : str
        A language of :data:`csat.core.i18n.LANGUAGES`.
    labels : mapping, optional
        ``{construct: label}``.

    Returns
    -------
    str
    """
    labels = labels or {}
    pe = corr[corr["method"] == "pearson"].dropna(subset=["r"])
    if pe.empty:
        return tr("Correlations need at least two construct scores.", language)
    top = pe.loc[pe["r"].abs().idxmax()]
    return tr("Pearson correlations between construct scores range from {low:.2f} to {high:.2f}; the strongest is "
              "between {a} and {b} (r = {r:.2f}). Spearman correlations are shown alongside. Correlations describe how "
              "the scores vary together and do not show that one drives the other; very high values may indicate "
              "constructs that are hard to tell apart (see discriminant validity).", language,
              low=pe["r"].min(), high=pe["r"].max(), a=labels.get(top["lhs"], top["lhs"]),
              b=labels.get(top["rhs"], top["rhs"]), r=top["r"])


# -- tracking -------------------------------------------------------------------------------
def tracking_section_markdown(language: str = "en") -> str:
    """Heading and explanation of the tracking section of 02_descriptives (shown only for a tracking study).

    The text is the file ``csat/analyses/texts/section_tracking.<language>.md``
    (:func:`csat.analyses.verdicts.section_markdown`); a derived language (``zh-Hant``) reads its base
    language's file converted by :func:`csat.core.i18n.localize`.

    Parameters
    ----------
    language : str
        A language of :data:`csat.core.i18n.LANGUAGES`.

    Returns
    -------
    str
        Markdown.
    """
    base = DERIVED[language][0] if language in DERIVED else language
    return localize(section_markdown("tracking", base), language)


def study_wave_tables(data: pd.DataFrame, params) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(wave_index, wave_changes)`` of a tracking study (:func:`csat.stats.tracking.wave_tables` with the
    study's wave column and order, constructs, scale, recommend column, labels and ``scores.min_share``).

    Parameters
    ----------
    data : DataFrame
        The cleaned data.
    params : StudyParams
        The study's parameters; ``params.waves`` must be set.

    Returns
    -------
    wave_index, wave_changes : DataFrame
    """
    constructs, _, construct_labels = study_labels(params)
    return wave_tables(data, params.waves.column, params.wave_order, constructs, params.scale.min, params.scale.max,
                       recommend=params.recommend, labels=construct_labels, min_share=params.scores.min_share)


#: The columns of the wave changes (:func:`csat.stats.tracking.wave_changes`) that 02_descriptives shows.
WAVE_CHANGES_SHOWN = ["label", "from", "to", "comparison", "estimate.from", "estimate.to", "change", "ci.lower",
                      "ci.upper", "test", "statistic", "df", "pvalue", "p.holm"]


def waves_text(index: pd.DataFrame, changes: pd.DataFrame, language: str = "en", alpha: float = 0.05) -> str:
    """Plain-words summary: the waves, then every change significant after Holm adjustment.

    Parameters
    ----------
    index, changes : DataFrame
        The two tables of :func:`csat.stats.tracking.wave_tables`.
    language : str
        A language of :data:`csat.core.i18n.LANGUAGES`.
    alpha : float
        Significance level applied to ``p.holm``.

    Returns
    -------
    str

    Examples
    --------
    >>> from csat.stats.tracking import wave_tables
    >>> d = ecsi.assign(wave=np.repeat(["W1", "W2", "W3"], [80, 85, 85]))
    >>> print(waves_text(*wave_tables(d, "wave", None, {"SAT": ["sat1", "sat2", "sat3", "sat4"]}, 0, 10)))
    3 waves (W1: n = 80, W2: n = 85, W3: n = 85); first W1, last W3. No index and no NPS changed significantly between waves after Holm adjustment (α = 0.05).
    """
    waves = list(dict.fromkeys(index["wave"]))
    n = index[index["measure"].isin(["index", "mean"])].groupby("wave", sort=False)["n"].max()
    sig = changes[(changes["p.holm"] < alpha) & changes["measure"].isin(["index", "mean", "nps"])]
    sizes = _join([tr("{wave}: n = {n}", language, wave=w, n=n.get(w, 0)) for w in waves], ", ", language)
    # the Chinese sentence does not repeat the first and the last wave ({first:.0} prints nothing): str() them
    head = tr("{k} waves ({sizes}); first {first}, last {last}.", language,
              k=len(waves), sizes=sizes, first=str(waves[0]), last=str(waves[-1]))
    if not len(sig):
        return _join([head, tr("No index and no NPS changed significantly between waves after Holm adjustment "
                               "(α = {alpha}).", language, alpha=alpha)], " ", language)
    parts = []
    for _, r in sig.iterrows():
        values = dict(label=r["label"], size=abs(r["change"]), a=r["from"], b=r["to"], lower=r["ci.lower"],
                      upper=r["ci.upper"], p=r["p.holm"])
        if r["change"] > 0:
            parts.append(tr("{label} rose by {size:.1f} points from {a} to {b} (95% CI [{lower:.1f}, {upper:.1f}], "
                            "p.holm = {p:.3g})", language, **values))
        else:
            parts.append(tr("{label} fell by {size:.1f} points from {a} to {b} (95% CI [{lower:.1f}, {upper:.1f}], "
                            "p.holm = {p:.3g})", language, **values))
    return _join([head, tr("Significant changes after Holm adjustment: {changes}. Other changes are within sampling "
                           "error.", language, changes=_join(parts, "; ", language))], " ", language)


# -- weights --------------------------------------------------------------------------------
def study_weights(params, params_file, clean: pd.DataFrame, root=None) -> tuple[pd.Series, pd.DataFrame | None, dict]:
    """The study's weights for the cleaned respondents, from ``params.weights``.

    Given weights (``weights.column``, read from the raw file for the cleaned rows) are the
    starting weights; with ``weights.rake`` they are raked to the population shares. Returns
    ``(w, margins, summary)``: ``w`` indexed like ``clean`` (name ``weight``); ``margins`` from
    :func:`csat.stats.weights.margins_achieved` (None without raking); ``summary`` from
    :func:`csat.stats.weights.weights_summary` plus ``source`` (``column``, ``rake`` or ``column+rake``).

    Parameters
    ----------
    params : StudyParams
        The study's parameters (:func:`csat.config.params.load_params`); ``params.weights`` must be set.
    params_file : str or Path
        The parameter file (the raw data path is relative to it).
    clean : DataFrame
        The cleaned data (its index holds the raw row numbers).
    root : str or Path, optional
        Project root, when it is not the working directory.

    Returns
    -------
    w : Series
    margins : DataFrame or None
    summary : dict
    """
    spec = params.weights
    if spec is None:
        raise WeightsError("the params have no 'weights' key")
    cols = ([spec.column] if spec.column else []) + list(spec.rake or {})
    extra = raw_columns(params, params_file, clean, cols, root=root)
    base = check_weights(extra[spec.column], spec.column) if spec.column else None
    margins = None
    if spec.rake:
        groups = extra[list(spec.rake)].copy()
        for c in groups.columns:                         # the same text as the group columns of 01
            groups[c] = groups[c].map(lambda v: v if pd.isna(v) else (str(int(v)) if isinstance(v, float)
                                                                         and float(v).is_integer() else str(v)).strip())
        w = rake(groups, spec.rake, None if base is None else base.to_numpy())
        margins = margins_achieved(groups, w.to_numpy(), spec.rake)
    else:
        w = base.rename("weight")
    summary = {"source": "+".join(s for s, on in (("column", spec.column), ("rake", spec.rake)) if on),
               **weights_summary(w.to_numpy())}
    return w, margins, summary


#: it reads the raw data file (tests/pipeline/test_graph.py checks csat.pipeline.graph.STAGE_READS)
study_weights.reads = ("data",)


def weights_section_markdown(language: str = "en") -> str:
    """Heading and explanation of the weighted estimates of 02_descriptives (shown only for a weighted study).

    Parameters
    ----------
    language : str
        A language of :data:`csat.core.i18n.LANGUAGES`.

    Returns
    -------
    str
        Markdown.
    """
    return tr("## Weighted estimates\n\nThe sample is weighted to the population (`weights`): given weights and/or "
              "raking to population shares (iterative proportional fitting, as R's `survey::rake`). Weighted means use "
              "Σwx/Σw; their 95% intervals use Kish's effective sample size n_eff = (Σw)²/Σw² (t with n_eff − 1 df), "
              "so they are wider than the unweighted ones by the design effect of weighting.", language)


def weights_table(clean: pd.DataFrame, w: pd.Series) -> pd.DataFrame:
    """Every cleaned respondent's weight (``weights.csv``): columns ``row`` (the raw row number of
    01_cleaning) and ``weight``.

    Parameters
    ----------
    clean : DataFrame
        The cleaned data (column ``row``).
    w : Series
        The weights of :func:`study_weights`, aligned with ``clean``.
    """
    return pd.DataFrame({"row": clean["row"].to_numpy(), "weight": w.to_numpy()})


def weights_record(summary: Mapping, margins: pd.DataFrame | None) -> dict:
    """What ``weights.json`` holds: the summary of :func:`study_weights` and the achieved raking margins
    (None without raking)."""
    return {**summary, "margins": None if margins is None else margins.to_dict("records")}


def weighted_estimates(clean: pd.DataFrame, scores: pd.DataFrame, w: pd.Series, items: Sequence[str],
                       scale_min: float | None, scale_max: float | None,
                       recommend: str | None = None) -> pd.DataFrame:
    """Unweighted and weighted item means, 0–100 indices and NPS side by side (``weighted_estimates.csv``).

    One row per item (``what`` = ``item``), construct (``index``; the construct means when the scale has
    no bounds) and the NPS of ``recommend`` when the data have it (``nps``), with the columns ``what, name,
    unweighted, weighted, ci.lower.w, ci.upper.w, n, n_eff`` (weighted 95% intervals with Kish's n_eff:
    :func:`csat.stats.weights.weighted_items`, :func:`~csat.stats.weights.weighted_index`,
    :func:`~csat.stats.weights.weighted_nps`).

    Parameters
    ----------
    clean : DataFrame
        The cleaned data.
    scores : DataFrame
        The construct scores (:func:`csat.stats.descriptives.construct_scores`).
    w : Series
        The weights, indexed like ``clean`` and ``scores``.
    items : sequence of str
        The item columns.
    scale_min, scale_max : float or None
        The answer scale (None: no bounds, no index).
    recommend : str, optional
        The 0–10 recommendation column.

    Returns
    -------
    DataFrame
    """
    w_items = weighted_items(clean, items, w)
    if scale_min is not None and scale_max is not None:
        w_index = weighted_index(scores, w, scale_min, scale_max)
    else:                                      # no 0-100 index without scale bounds: construct means instead
        w_index = weighted_items(scores, list(scores.columns), w).rename(columns={
            "item": "construct", "mean": "index", "mean.w": "index.w", "ci.lower.w": "index.ci.lower.w",
            "ci.upper.w": "index.ci.upper.w"})
    rows = [{"what": "item", "name": r["item"], "unweighted": r["mean"], "weighted": r["mean.w"],
             "ci.lower.w": r["ci.lower.w"], "ci.upper.w": r["ci.upper.w"], "n": r["n"], "n_eff": r["n_eff"]}
            for _, r in w_items.iterrows()]
    rows += [{"what": "index", "name": r["construct"], "unweighted": r["index"], "weighted": r["index.w"],
              "ci.lower.w": r["index.ci.lower.w"], "ci.upper.w": r["index.ci.upper.w"], "n": r["n"],
              "n_eff": r["n_eff"]}
             for _, r in w_index.iterrows()]
    if recommend and recommend in clean.columns:
        wn = weighted_nps(clean[recommend], w.to_numpy())
        rows.append({"what": "nps", "name": recommend, "unweighted": nps(clean[recommend])["nps"],
                     "weighted": wn["nps"], "ci.lower.w": wn["ci.lower"], "ci.upper.w": wn["ci.upper"],
                     "n": wn["n"], "n_eff": wn["n_eff"]})
    return pd.DataFrame(rows)


def weighted_tables(estimates: pd.DataFrame, margins: pd.DataFrame | None,
                    language: str = "en") -> list[tuple[pd.DataFrame, str, int]]:
    """The tables of the weighted estimates as 02_descriptives shows them, each ``(table, caption, digits)``:
    the raking margins (when the weights are raked), the indices and NPS, the item means.

    Parameters
    ----------
    estimates : DataFrame
        :func:`weighted_estimates`.
    margins : DataFrame or None
        The achieved margins of :func:`study_weights`.
    language : str
        A language of :data:`csat.core.i18n.LANGUAGES`.

    Returns
    -------
    list of (DataFrame, str, int)
    """
    out = []
    if margins is not None:
        out.append((margins, tr("Raking: sample share, population target and weighted share", language), 3))
    out.append((estimates[estimates["what"] != "item"],
                tr("Unweighted and weighted 0–100 indices and NPS (weighted 95% CI with Kish's n_eff)", language), 2))
    out.append((estimates[estimates["what"] == "item"].drop(columns="what"),
                tr("Unweighted and weighted item means", language), 2))
    return out


def weights_text(summary: Mapping, language: str = "en") -> str:
    """The effective sample size and design effect the weighting leaves (``summary`` of :func:`study_weights`).

    Examples
    --------
    >>> weights_text({"source": "rake", "kish_neff": 410.4, "n": 546, "deff": 1.33})
    'Weighting (rake) leaves an effective sample size of 410 of 546 (design effect 1.33).'
    """
    return tr("Weighting ({source}) leaves an effective sample size of {n_eff:.0f} of {n} (design effect {deff:.2f}).",
              language, source=summary["source"], n_eff=summary["kish_neff"], n=summary["n"], deff=summary["deff"])
