"""The reader's side of 04_factor_analysis: the study's EFA options, Kaiser's labels, the adequacy
tables, the EFA paragraph, the CFA read back from 03's results, and the measurement-invariance section.

The statistics are :mod:`csat.stats.factor`'s (KMO, Bartlett, parallel analysis, EFA) and
:mod:`csat.sem.multigroup`'s (configural, metric and scalar invariance); the scree plot is
:func:`csat.viz.factor.scree_plot`.  Here the study's ``params.efa`` becomes the options of
:func:`csat.stats.factor.exploratory_analysis` (:func:`efa_results`), the study's ``invariance`` and
``waves`` the invariance runs (:func:`invariance_runs`), and the results become tables and sentences in the
study's language: every text is an English message translated by the catalog
(``csat/locale/<language>/04_factor.po``, :mod:`csat.core.i18n`).  The notebook shows what these functions
return; the files it writes are named here too (:func:`invariance_files`).
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from csat.core.text import format_p
from csat.analyses import verdicts
from csat.analyses.display import option_name
from csat.analyses.labels import column_label, level_label
from csat.core.diagnostics import Diagnostic
from csat.core.errors import FactorError, ModelError
from csat.core.i18n import LANGUAGES, N_, is_chinese, tr, trc
from csat.sem import RESULT_EST_COLUMNS, multigroup
from csat.sem.fitmeasures import reported_fit
from csat.sem.measurement import CFA_FILES
from csat.stats import factor

#: Kaiser's (1974) labels of :data:`csat.stats.factor.KMO_LABELS`, marked for the catalog (shown with ``tr``)
KAISER_LABELS = (N_("marvelous"), N_("meritorious"), N_("middling"), N_("mediocre"), N_("miserable"),
                 N_("unacceptable"))
#: Bartlett's verdicts of :func:`csat.stats.factor.adequacy_table`, marked for the catalog
SIGNIFICANCE = (N_("significant"), N_("not significant"))
#: the steps of the invariance paragraph (:func:`invariance_text`)
INVARIANCE_STEPS = {"metric": N_("Equal loadings (metric)"), "scalar": N_("Equal loadings and intercepts (scalar)"),
                    "thresholds": N_("Equal thresholds (Wu & Estabrook 2016)")}
#: the paragraph's conclusion for each level of :func:`csat.sem.multigroup.invariance_level`
INVARIANCE_CONCLUSIONS = {
    "none": N_("The measurement model already fits poorly in the separate groups (configural model), so the "
               "groups cannot be compared on these constructs until the model is repaired."),
    "configural": N_("The items relate to the constructs differently across groups (metric invariance fails): "
                     "neither the strength of relations nor the construct means should be compared."),
    "metric": N_("Loadings are equal but intercepts are not (scalar invariance fails): relations between "
                 "constructs may be compared, but differences in construct means or indices may partly "
                 "reflect items that work differently, not a real change."),
    "scalar": N_("Loadings and intercepts are equal: the questionnaire measures the same constructs on the "
                 "same scale in every group, so construct means and indices can be compared."),
    "configural_thresholds": N_("The answer thresholds differ across groups (threshold invariance fails): the same "
                                "answer marks a different level of the construct in different groups, so neither "
                                "relations nor construct means should be compared."),
}
INVARIANCE_CONCLUSIONS["thresholds"] = INVARIANCE_CONCLUSIONS["configural"]   # ordinal: metric fails
#: the files of the invariance section, in the order they are written
INVARIANCE_FILES = ("invariance.csv", "invariance_release.csv", "invariance_estimates.csv")


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise FactorError(f"language must be one of {', '.join(repr(x) for x in LANGUAGES)}, not {language!r}")


def kmo_label(value: float, language: str = "en") -> str:
    """Kaiser's (1974) verbal label for a KMO/MSA value (:func:`csat.stats.factor.kmo_label`) in the
    study's language: ``"middling"`` or ``"中等"``.

    Examples
    --------
    >>> kmo_label(0.75), kmo_label(0.3, "zh")
    ('middling', '不可接受')
    """
    return tr(factor.kmo_label(value), language)


def adequacy_table(kmo_overall: float, kmo_items: Mapping[str, float], bartlett: Mapping[str, Any],
                   n: int | None = None, language: str = "en") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two display tables: overall KMO + Bartlett (``measure, value, verdict``) and per-item MSA
    (``item, MSA, verdict``), with Kaiser's labels in the report language: the neutral tables of
    :func:`csat.stats.factor.adequacy_table` with the reader's words.

    Parameters
    ----------
    kmo_overall : float
        Overall KMO (:func:`csat.stats.factor.kmo`).
    kmo_items : mapping
        ``{item: MSA}`` (the per-item values of :func:`csat.stats.factor.kmo`).
    bartlett : mapping
        ``chisq, df, pvalue`` of :func:`csat.stats.factor.bartlett_sphericity`.
    n : int, optional
        Not shown; accepted for the notebook's call.
    language : str
        Language of the verdicts (``en``, ``zh``, ``zh-Hant``).

    Returns
    -------
    overall : DataFrame
        ``measure, value, verdict`` (KMO; Bartlett χ² with its df, p and significance).
    items : DataFrame
        ``item, MSA, verdict``.

    Examples
    --------
    >>> overall, items = adequacy_table(0.72, {"a": 0.45, "b": 0.91}, {"chisq": 10.0, "df": 3, "pvalue": 0.02},
    ...                                 language="zh")
    >>> overall
           measure  value           verdict
    0          KMO   0.72                中等
    1  Bartlett χ²  10.00  df = 3, p = 0.020（显著）
    >>> items["verdict"].tolist()
    ['不可接受', '极好']
    """
    b = bartlett
    overall, items = factor.adequacy_table(kmo_overall, kmo_items, bartlett)
    test = overall["measure"] == "Bartlett χ²"
    sig = overall.loc[test, "verdict"].iloc[0]
    overall.loc[test, "verdict"] = tr("df = {df}, p {p} ({significance})", language, df=b["df"],
                                      p=format_p(b["pvalue"], leading_zero=True), significance=tr(sig, language))
    overall.loc[~test, "verdict"] = [tr(v, language) for v in overall.loc[~test, "verdict"]]
    items["verdict"] = [tr(v, language) for v in items["verdict"]]
    return overall, items


def with_labels(table: pd.DataFrame, item_label: Callable[[str], str], column: str = "item") -> pd.DataFrame:
    """``table`` with the items' labels (``params.item_label``) inserted after its ``column`` of item names.

    Examples
    --------
    >>> with_labels(pd.DataFrame({"item": ["x1"], "MSA": [0.8]}), str.upper)
      item label  MSA
    0   x1    X1  0.8
    """
    out = table.copy()
    out.insert(list(out.columns).index(column) + 1, "label", [item_label(i) for i in out[column]])
    return out


def _get(obj: Any, key: str, default: Any) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(key, default)
    return getattr(obj, key, default)


def efa_results(data: pd.DataFrame, items: Sequence[str], params_efa: Any, seed: int = 2024, *,
                missing: str = "pairwise", item_construct: Mapping[str, str] | None = None,
                ordered: Sequence[str] = ()) -> dict:
    """The whole exploratory stage with the study's options (:func:`csat.stats.factor.exploratory_analysis`).

    ``params_efa`` is ``params.efa`` (or a mapping) with ``n_factors`` (int or ``"auto"`` = parallel
    analysis), ``method``, ``rotation``, ``parallel_iter``, ``parallel_percentile`` (an absent key takes
    the default of :func:`csat.stats.factor.exploratory_analysis`); ``seed`` seeds the parallel analysis
    (``params.seed``); ``missing`` is ``params.missing``.  With ``item_construct`` (``params.
    item_construct``) the construct check is run too.

    Parameters
    ----------
    data, items, seed, missing, item_construct, ordered
        As in :func:`csat.stats.factor.exploratory_analysis` (``ordered``: ``params.ordered_items``, the
        polychoric correlations are factored).
    params_efa : ``params.efa`` or mapping
        ``n_factors``, ``method``, ``rotation``, ``parallel_iter``, ``parallel_percentile``.

    Returns
    -------
    dict
        ``summary`` (the ``efa.json`` contract), ``R``, ``n``, ``items``, ``parallel``, ``efa``, ``check``
        (or None) and ``diagnostics``, as :func:`csat.stats.factor.exploratory_analysis`.

    Examples
    --------
    >>> res = efa_results(holzinger, [f"x{i}" for i in range(1, 10)], {"n_factors": 3, "rotation": "varimax"})
    >>> s = res["summary"]
    >>> s["n_factors"], s["method"], s["rotation"], s["parallel"]["n_iter"]
    (3, 'minres', 'varimax', 100)
    """
    return factor.exploratory_analysis(
        data, items, n_factors=_get(params_efa, "n_factors", "auto"), method=_get(params_efa, "method", "minres"),
        rotation=_get(params_efa, "rotation", "oblimin"), parallel_iter=_get(params_efa, "parallel_iter", 100),
        parallel_percentile=_get(params_efa, "parallel_percentile", 95), seed=seed, missing=missing,
        item_construct=item_construct, ordered=ordered)


def n_factors_table(summary: Mapping[str, Any], n_constructs: int, chosen: int | str = "auto",
                    language: str = "en") -> tuple[pd.DataFrame, str]:
    """The number of factors by each rule, and how the one used was chosen.

    Parameters
    ----------
    summary : mapping
        ``summary`` of :func:`efa_results` (``n_factors_parallel``, ``n_factors_kaiser``, ``n_factors``).
    n_constructs : int
        The number of constructs in the params file.
    chosen : int or "auto"
        ``params.efa.n_factors``.
    language : str
        Language of the rules.

    Returns
    -------
    table : DataFrame
        ``rule, factors``: parallel analysis, Kaiser, the params file's constructs, used.
    note : str
        Whether ``efa.n_factors`` or parallel analysis chose the number used.

    Examples
    --------
    >>> table, note = n_factors_table({"n_factors_parallel": 3, "n_factors_kaiser": 2, "n_factors": 3}, 3)
    >>> table["factors"].tolist(), note
    ([3, 2, 3, 3], 'chosen by parallel analysis')
    """
    s = summary
    table = pd.DataFrame([
        {"rule": tr("parallel analysis", language), "factors": s["n_factors_parallel"]},
        {"rule": tr("Kaiser (eigenvalue > 1)", language), "factors": s["n_factors_kaiser"]},
        {"rule": tr("constructs in the params file", language), "factors": n_constructs},
        {"rule": trc("number of factors", "used", language), "factors": s["n_factors"]},
    ])
    note = tr("set by the study", language) if chosen != "auto" else tr("chosen by parallel analysis", language)
    return table, note


def loadings_table(fa: Mapping[str, Any], item_label: Callable[[str], str]) -> pd.DataFrame:
    """The display table of the rotated pattern loadings: ``item, label``, one column per factor (loadings
    below |.30| blank, items sorted by their main factor, :func:`csat.stats.factor.loadings_display`),
    communality ``h2`` and uniqueness ``u2``.

    Parameters
    ----------
    fa : mapping
        ``efa`` of :func:`efa_results` (:func:`csat.stats.factor.efa`).
    item_label : callable
        Item name → label (``params.item_label``).

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> res = efa_results(holzinger, [f"x{i}" for i in range(1, 10)], {"n_factors": 3, "parallel_iter": 20})
    >>> list(loadings_table(res["efa"], str.upper).columns)
    ['item', 'label', 'MR1', 'MR2', 'MR3', 'h2', 'u2']
    """
    disp = factor.loadings_display(fa["loadings"])
    disp.insert(0, "label", [item_label(i) for i in disp.index])
    disp["h2"] = fa["communality"].reindex(disp.index)
    disp["u2"] = fa["uniqueness"].reindex(disp.index)
    return disp.reset_index(names="item")


def factor_correlations(fa: Mapping[str, Any]) -> pd.DataFrame | None:
    """The factors' correlations Φ (``factor`` and one column per factor) of an oblique rotation
    (oblimin, promax) with more than one factor, else None (orthogonal factors do not correlate).

    Examples
    --------
    >>> res = efa_results(holzinger, [f"x{i}" for i in range(1, 10)], {"n_factors": 3, "parallel_iter": 20})
    >>> factor_correlations(res["efa"]).shape, factor_correlations({**res["efa"], "rotation": "varimax"})
    ((3, 4), None)
    """
    if fa["loadings"].shape[1] > 1 and fa["rotation"] in ("oblimin", "promax"):
        return fa["phi"].reset_index(names="factor")
    return None


def summary_text(results: Mapping[str, Any], language: str = "en") -> str:
    """A short paragraph in ``language`` on the EFA of :func:`efa_results`
    (or :func:`csat.stats.factor.exploratory_analysis`): sampling adequacy, the number of factors
    by each rule, variance explained and the construct check.

    Parameters
    ----------
    results : mapping
        The result of :func:`efa_results`.
    language : str
        ``en``, ``zh`` or ``zh-Hant`` (:data:`csat.core.i18n.LANGUAGES`).

    Returns
    -------
    str

    Examples
    --------
    >>> res = efa_results(holzinger, [f"x{i}" for i in range(1, 10)], {"n_factors": 3, "rotation": "varimax"})
    >>> print(summary_text(res))
    KMO = 0.75 (middling) and Bartlett's test χ²(36) = 904.1, p < .001, so the data are suitable for factor analysis. ...
    """
    _check_language(language)
    s, fa, check = results["summary"], results["efa"], results.get("check")
    b = s["bartlett"]
    adequacy = dict(kmo=s["kmo"], label=kmo_label(s["kmo"], language), df=b["df"], chisq=b["chisq"],
                    p=format_p(b["pvalue"], leading_zero=True))
    if s["kmo"] >= .6 and b["pvalue"] < .05:
        parts = [tr("KMO = {kmo:.2f} ({label}) and Bartlett's test χ²({df}) = {chisq:.1f}, p {p}, so the data are "
                    "suitable for factor analysis.", language, **adequacy)]
    else:
        parts = [tr("KMO = {kmo:.2f} ({label}) and Bartlett's test χ²({df}) = {chisq:.1f}, p {p}, so the data are "
                    "poorly suited to factor analysis.", language, **adequacy)]
    parts.append(tr("Parallel analysis ({n_iter} simulated data sets, {percentile:g}th percentile) suggests "
                    "{parallel} factor(s), the Kaiser rule (eigenvalue > 1) {kaiser}; {k} factor(s) were extracted "
                    "({method}, {rotation} rotation), explaining {explained:.1%} of the variance.", language,
                    n_iter=s["parallel"]["n_iter"], percentile=s["parallel"]["percentile"],
                    parallel=s["n_factors_parallel"], kaiser=s["n_factors_kaiser"], k=s["n_factors"],
                    method=option_name(s["method"], language), rotation=option_name(s["rotation"], language),
                    explained=float(fa["variance"]["Cumulative Var"].iloc[-1])))
    if check is not None:
        mism = int((~check["match"]).sum())
        cross = int((check["cross_loading_on"] != "").sum())
        tot = len(check)
        counts = dict(ok=tot - mism, total=tot, mismatched=mism, cross=cross)
        if mism and cross:
            parts.append(tr("{ok} of {total} items load mainly on the factor of their own construct, {mismatched} do "
                            "not; {cross} item(s) cross-load (|loading| ≥ .30) on a second factor (see the "
                            "diagnostics).", language, **counts))
        elif mism:
            parts.append(tr("{ok} of {total} items load mainly on the factor of their own construct, {mismatched} do "
                            "not (see the diagnostics).", language, **counts))
        elif cross:
            parts.append(tr("{ok} of {total} items load mainly on the factor of their own construct; {cross} item(s) "
                            "cross-load (|loading| ≥ .30) on a second factor (see the diagnostics).", language,
                            **counts))
        else:
            parts.append(tr("{ok} of {total} items load mainly on the factor of their own construct, as the "
                            "questionnaire intends.", language, **counts))
    return ("" if is_chinese(language) else " ").join(parts)


# ------------------------------------------------------------------------------ the CFA of 03
def read_cfa(results: str | Path) -> dict | None:
    """The study's measurement-model fit as 03_reliability_validity wrote it to ``results``: None when 03
    could not fit it (no ``cfa.json``).

    Parameters
    ----------
    results : path
        The study's ``results/`` folder.

    Returns
    -------
    dict or None
        ``cfa.json``'s entries (``missing``, ``n``, ``converged``, ``errors``, ``modindices``: None, or why
        there are none) with ``fit`` (``cfa_fit.json``), ``estimates`` (``cfa_estimates.csv``, the report's
        columns :data:`csat.sem.RESULT_EST_COLUMNS`), ``modindices_table`` (``cfa_modindices.csv``, None where
        there are none) and ``residuals`` (``cfa_residuals.csv``, the correlation residuals).
    """
    results = Path(results)
    if not (results / "cfa.json").is_file():
        return None

    def csv(name, **kw):
        return pd.read_csv(results / name, encoding="utf-8", keep_default_na=False, na_values=[""], **kw)

    cfa = json.loads((results / "cfa.json").read_text(encoding="utf-8"))
    cfa["fit"] = json.loads((results / "cfa_fit.json").read_text(encoding="utf-8"))
    cfa["estimates"] = csv("cfa_estimates.csv")[RESULT_EST_COLUMNS]
    cfa["modindices_table"] = csv("cfa_modindices.csv") if cfa["modindices"] is None else None
    cfa["residuals"] = csv("cfa_residuals.csv", index_col=0)
    return cfa


#: what 04 reads of 03's results through it (tests/pipeline/test_graph.py checks csat.pipeline.graph.STAGE_READS)
read_cfa.reads = tuple(f"results/{f}" for f in CFA_FILES)


def estimates_note(errors: Sequence[str], language: str = "en", diagnostics_file=None) -> str | None:
    """The note under the CFA estimates when the fit's errors make them untrustworthy, else None.

    Examples
    --------
    >>> estimates_note(["x1: negative variance"]), estimates_note([])
    ('Estimates untrustworthy: x1: negative variance', None)
    """
    sep = "; "
    if errors and is_chinese(language):
        errors, sep = [_chinese_error(e, diagnostics_file, language) for e in errors], "；"
    return tr("Estimates untrustworthy: {errors}", language, errors=sep.join(errors)) if errors else None


def _chinese_error(error: str, diagnostics_file, language: str) -> str:
    """``where: message`` or ``message`` (English, as ``cfa.json`` keeps it) in Chinese, from the diagnostic of
    ``diagnostics.json`` with that place and message (its ``message_zh``), else from the catalog message it was
    formatted from (:func:`_from_catalog`); unchanged when there is neither."""
    import json
    from pathlib import Path

    from csat.core.i18n import localize

    p = Path(diagnostics_file) if diagnostics_file is not None else None
    try:
        entries = json.loads(p.read_text(encoding="utf-8")) if p is not None and p.is_file() else []
    except (OSError, ValueError):
        entries = []
    entries = [d for d in (entries if isinstance(entries, list) else []) if isinstance(d, dict) and d.get("message_zh")]
    for d in entries:
        if f"{d.get('where')}: {d.get('message')}" == error:
            return tr("{where}: {message}", language, where=d.get("where"), message=localize(d["message_zh"], language))
    for d in entries:                       # an error kept without its place (the fit's own checks)
        if d.get("message") == error:
            return localize(d["message_zh"], language)
    return _from_catalog(error, language) or error


_FIELD = re.compile(r"\{(\w+)(?:![rsa])?(?::[^{}]*)?\}")


def _from_catalog(error: str, language: str) -> str | None:
    """A formatted English message (an engine's, as a results file keeps it) in ``language``: the catalog
    message it was formatted from, filled with the values read back from it as printed; None when none fits
    (a message whose fixed words are less than half of it is not taken as a pattern)."""
    from csat.core.i18n import catalog

    messages = catalog(language)
    if error in messages:
        return messages[error]
    for msgid, msgstr in messages.items():
        literal = _FIELD.sub("", msgid)
        if "{" not in msgid or "{{" in msgid or "\x04" in msgid or len(literal.strip()) < max(12, len(error) / 2):
            continue
        parts, seen, pos = [], set(), 0
        for m in _FIELD.finditer(msgid):
            parts.append(re.escape(msgid[pos:m.start()]))
            name = m.group(1)
            parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
            seen.add(name)
            pos = m.end()
        parts.append(re.escape(msgid[pos:]))
        found = re.fullmatch("".join(parts), error)
        if found:
            return _FIELD.sub(lambda m: found.group(m.group(1)) if m.group(1) in seen else m.group(0), msgstr)
    return None


def cfa_fit_text(fit: Mapping[str, float], language: str = "en") -> str:
    """The CFA's fit in one sentence: χ² with df and p, CFI, TLI, RMSEA with its 90% interval, SRMR.

    Examples
    --------
    >>> fit = {"chisq": 85.3, "df": 24, "pvalue": 1e-8, "cfi": 0.931, "tli": 0.896, "rmsea": 0.092,
    ...        "rmsea.ci.lower": 0.071, "rmsea.ci.upper": 0.114, "srmr": 0.065}
    >>> print(cfa_fit_text(fit))
    The measurement model gives χ²(24) = 85.3, p = 1e-08, CFI = 0.931, TLI = 0.896,
    RMSEA = 0.092 [0.071, 0.114], SRMR = 0.065.
    """
    note = verdicts.estimator_note(fit, language)
    fm = reported_fit(fit)                   # a robust fit: scaled χ², robust CFI, TLI, RMSEA
    text = tr("The measurement model gives χ²({df:.0f}) = {chisq:.1f}, p = {pvalue:.3g}, CFI = {cfi:.3f}, "
              "TLI = {tli:.3f}, RMSEA = {rmsea:.3f} [{rmsea_lower:.3f}, {rmsea_upper:.3f}], SRMR = {srmr:.3f}.",
              language, df=fm["df"], chisq=fm["chisq"], pvalue=fm["pvalue"], cfi=fm["cfi"], tli=fm["tli"],
              rmsea=fm["rmsea"], rmsea_lower=fm["rmsea.ci.lower"], rmsea_upper=fm["rmsea.ci.upper"], srmr=fm["srmr"])
    return text if note is None else f"{text} {note}"


# ------------------------------------------------------------------------------ measurement invariance
def invariance_text(table: pd.DataFrame, group: str, labels: Sequence, language: str = "en") -> str:
    """A plain-words paragraph on the invariance table in ``language``.

    Parameters
    ----------
    table : DataFrame
        The table of :func:`csat.sem.multigroup.invariance`.
    group : str
        The grouping column, as named in the text.
    labels : sequence
        The group levels, as named in the text.
    language : str
        ``en``, ``zh`` or ``zh-Hant``.

    Returns
    -------
    str

    Examples
    --------
    >>> from csat.sem import multigroup
    >>> model = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"
    >>> table, fits = multigroup.invariance(model, holzinger, "school")
    >>> invariance_text(table, "school", ["Pasteur", "Grant-White"])[:91]
    'Measurement invariance across school (Pasteur, Grant-White; Chen 2007 criteria: ΔCFI ≤ 0.01'
    """
    t = {r["model"]: r for _, r in table.iterrows()}
    c = t["configural"]
    cfi_key, _, rmsea_key = multigroup.fit_columns(table)

    def step(name):
        r = t[name]
        values = dict(step=tr(INVARIANCE_STEPS[name], language), delta_cfi=round(r["delta.cfi"], 3) + 0.0,
                      delta_rmsea=round(r["delta.rmsea"], 3) + 0.0, df=r["df.diff"], chisq=r["chisq.diff"],
                      p=r["pvalue.diff"])          # (rounded first: no "-0.000")
        if r["verdict"] == "holds":
            return tr("{step}: ΔCFI = {delta_cfi:.3f}, ΔRMSEA = {delta_rmsea:+.3f}, Δχ²({df:.0f}) = {chisq:.2f}, "
                      "p = {p:.3g} — holds", language, **values)
        return tr("{step}: ΔCFI = {delta_cfi:.3f}, ΔRMSEA = {delta_rmsea:+.3f}, Δχ²({df:.0f}) = {chisq:.2f}, "
                  "p = {p:.3g} — does not hold", language, **values)

    level = multigroup.invariance_level(table)
    if "thresholds" in t and level == "configural":
        level = "configural_thresholds"
    values = dict(group=group, levels=", ".join(str(x) for x in labels), max_delta_cfi=multigroup.DELTA_CFI,
                  max_delta_rmsea=multigroup.DELTA_RMSEA, cfi=c[cfi_key], rmsea=c[rmsea_key], srmr=c["srmr"],
                  metric=step("metric"), scalar=step("scalar"),
                  conclusion=tr(INVARIANCE_CONCLUSIONS[level], language))
    if "thresholds" in t:
        return tr("Measurement invariance across {group} ({levels}; Chen 2007 criteria: ΔCFI ≤ {max_delta_cfi}, "
                  "ΔRMSEA ≤ {max_delta_rmsea}). Configural model: CFI = {cfi:.3f}, RMSEA = {rmsea:.3f}, "
                  "SRMR = {srmr:.3f}. {thresholds}. {metric}. {scalar}. {conclusion}", language,
                  thresholds=step("thresholds"), **values)
    return tr("Measurement invariance across {group} ({levels}; Chen 2007 criteria: ΔCFI ≤ {max_delta_cfi}, "
              "ΔRMSEA ≤ {max_delta_rmsea}). Configural model: CFI = {cfi:.3f}, RMSEA = {rmsea:.3f}, "
              "SRMR = {srmr:.3f}. {metric}. {scalar}. {conclusion}", language, **values)


def invariance_section_markdown(language: str = "en") -> str:
    """Heading and explanation of the invariance section of 04_factor_analysis
    (``csat/analyses/texts/section_invariance.<language>.md``, see :func:`csat.analyses.verdicts.section_markdown`).

    Examples
    --------
    >>> invariance_section_markdown("zh").splitlines()[0]
    '## 测量不变性'
    """
    return verdicts.section_markdown("invariance", language)


def invariance_runs(data: pd.DataFrame, model: str, params: Any) -> list[dict]:
    """The invariance analyses the study asks for (``params.invariance.group``, ``params.waves``):
    :func:`csat.sem.multigroup.study_invariance` with the study's options, ``[]`` when it asks for none.

    A grouping whose models cannot be fitted is ``{"group", "error"}`` (as in
    :func:`csat.sem.multigroup.study_invariance`); when the analyses cannot even be set up, the one run is
    ``{"group": None, "error"}``.

    Parameters
    ----------
    data : DataFrame
        The cleaned data.
    model : str
        The measurement model (lavaan syntax).
    params : StudyParams
        ``invariance``, ``waves``, ``wave_order``, ``sem_missing``, ``estimator`` and ``ordered`` are read.

    Returns
    -------
    list of dict
    """
    if not (params.invariance or params.waves):
        return []
    try:
        runs = multigroup.study_invariance(data, model, group=params.invariance.group if params.invariance else None,
                                           waves=params.waves.column if params.waves else None,
                                           waves_order=params.wave_order, missing=params.sem_missing,
                                           estimator=getattr(params, "sem_estimator", "ml"),
                                           ordered=getattr(params, "ordered_items", []))
    except (ModelError, ValueError) as err:
        return [{"group": None, "error": str(err)}]
    if hasattr(params, "column_labels"):             # names for the report (invariance_display)
        for run in runs:
            if run.get("group") is not None and "levels" in run:
                run["labels"] = {"group": column_label(params, run["group"]),
                                 "levels": {str(lv): level_label(params, run["group"], lv) for lv in run["levels"]}}
    return runs


def merged_categories_text(merged: Mapping[str, Any], language: str = "en") -> str:
    """The answer categories :func:`csat.sem.wlsmv.merge_empty_categories` merged, item by item, each merged
    set joined by ``+`` (separators in the script of ``language``).

    Examples
    --------
    >>> merged_categories_text({"imag2": [(2.0, 3.0), (3.0, 4.0)], "val2": [(1, 2), (10, 9)]})
    'imag2 2+3+4; val2 1+2, 9+10'
    >>> merged_categories_text({"val2": [(1, 2), (10, 9)], "sat1": [(1, 2)]}, "zh")
    'val2 1+2，9+10；sat1 1+2'
    """
    semi, comma = ("；", "，") if is_chinese(language) else ("; ", ", ")
    def show(v):
        return str(int(v)) if isinstance(v, (int, float, np.integer, np.floating)) and float(v).is_integer() else str(v)

    parts = []
    for item, pairs in merged.items():
        into = dict(pairs)

        def final(v):
            while v in into:
                v = into[v]
            return v
        sets: dict = {}
        for v in list(into) + list(into.values()):
            sets.setdefault(final(v), set()).add(v)
        parts.append(f"{item} " + comma.join("+".join(show(v) for v in sorted(members))
                                             for _, members in sorted(sets.items(), key=lambda kv: min(kv[1]))))
    return semi.join(parts)


def invariance_display(run: Mapping[str, Any], missing: str, language: str = "en") -> dict:
    """What the report shows of one run of :func:`invariance_runs`, in ``language``.

    Parameters
    ----------
    run : mapping
        One run: ``group, levels, table, fits, release`` (``release`` the score tests of the first rejected
        step, or None), or ``group, error``.
    missing : str
        ``params.sem_missing`` (named in the caption).
    language : str
        Language of the captions and sentences.

    Returns
    -------
    dict
        ``table`` and ``caption`` (the invariance table, None for a failed run), ``text`` (the paragraph of
        :func:`invariance_text`, or why the models could not be fitted), ``release``, ``release_caption`` and
        ``release_text`` (the ten largest score tests and a sentence on the largest; None when no step was
        rejected), and ``diagnostics`` (:func:`csat.sem.multigroup.invariance_diagnostics`, or one
        ``invariance_failed``).

    Examples
    --------
    >>> shown = invariance_display({"group": "wave", "error": "too few respondents"}, "listwise")
    >>> shown["text"], shown["table"], [d.code for d in shown["diagnostics"]]
    ('The invariance models across wave could not be fitted: too few respondents', None, ['invariance_failed'])
    """
    out = dict(table=None, caption=None, release=None, release_caption=None, release_text=None)
    group = run["group"]
    if "error" in run:
        if group is None:
            message = N_("The invariance models could not be fitted: {error}")
            where = "measurement invariance"
        else:
            message = N_("The invariance models across {group} could not be fitted: {error}")
            where = f"invariance across {group}"
        # the diagnostic's English is the error itself, its Chinese the sentence around it
        out["diagnostics"] = [Diagnostic("invariance_failed", "error", where, run["error"],
                                         message_zh=tr(message, "zh", group=group, error=run["error"]))]
        out["text"] = tr(message, language, group=group, error=run["error"])
        return out
    tab, fits = run["table"], run["fits"]
    labels = run.get("labels") or {}                 # the grouping and its levels as the reader knows them
    gname = labels.get("group", group)

    def level_of(lv):
        return labels.get("levels", {}).get(str(lv), lv)
    out["table"] = tab
    if "estimator" in tab.columns:           # a robust estimator: its statistics in place of the naive ones
        cfi_key, tli_key, rmsea_key = multigroup.fit_columns(tab)      # robust, or scaled (WLSMV)
        shown = {"chisq": "chisq.scaled", "pvalue": "pvalue.scaled", "cfi": cfi_key, "tli": tli_key,
                 "rmsea": rmsea_key}
        out["table"] = tab[[shown.get(c, c) for c in multigroup.INVARIANCE_COLUMNS if shown.get(c, c) in tab.columns]]
    est = fits["configural"]
    out["caption"] = tr("Measurement invariance across {group}: {levels} ({estimator}, missing data: {missing})",
                        language, group=gname, missing=option_name(missing, language),
                        estimator=getattr(est, "estimator", "ML"),
                        levels=", ".join(f"{level_of(lv)} (n = {n})" for lv, n in zip(run["levels"], fits["configural"].n)))
    out["text"] = invariance_text(tab, gname, [level_of(lv) for lv in run["levels"]], language)
    sep = "" if is_chinese(language) else " "
    if "estimator" in tab.columns and tab["estimator"].iloc[0] == "WLSMV":
        out["text"] += sep + tr("With WLSMV, Δχ² is Satorra's (2000) mean-and-variance adjusted difference test "
                                "(lavaan's lavTestLRT), and ΔCFI and ΔRMSEA compare the scaled CFI and RMSEA.",
                                language)
        merged = getattr(est, "merged", None)
        if merged:
            out["text"] += sep + tr("Answer categories empty in a group were merged with the neighbouring one before "
                                    "the ordinal models were fitted: {merged}.", language,
                                    merged=merged_categories_text(merged, language))
    elif "estimator" in tab.columns:         # a robust estimator: say which tests were read
        out["text"] += sep + tr("With {estimator}, Δχ² is the Satorra–Bentler (2001) scaled difference test (lavaan's "
                                "lavTestLRT), and ΔCFI and ΔRMSEA compare the robust CFI and RMSEA.", language,
                                estimator=tab["estimator"].iloc[0])
    out["diagnostics"] = multigroup.invariance_diagnostics(tab, group)
    rel = run["release"]
    if rel is not None and len(rel):
        top = rel.iloc[0]
        out["release"] = rel.head(10)
        out["release_caption"] = tr(
            "Which parameters differ across {group}: score tests of releasing each equality of the {model} model "
            "(lavTestScore; largest first; Holm-adjusted)", language, group=group, model=rel["model"].iloc[0])
        out["release_text"] = tr(
            "Largest: {lhs} {op} {rhs} in {group} = {level} (X² = {x2:.1f}, p.holm = {p_holm:.3g}); freeing it would "
            "improve the fit most.", language, lhs=top["lhs"], op=top["op"], rhs=top["rhs"], group=gname,
            level=level_of(top["group.label"]), x2=top["X2"], p_holm=top["p.holm"])
        if "estimator" in tab.columns:       # MLR/MLM: lavaan 0.6.14's lavTestScore has no robust variant
            out["release_text"] += sep + tr(
                "As lavaan's lavTestScore, these are the ordinary score tests (expected information of the ML "
                "estimates, which {estimator} shares); they are not corrected for non-normality.", language,
                estimator=tab["estimator"].iloc[0])
    elif "estimator" in tab.columns and tab["estimator"].iloc[0] == "WLSMV" and (tab["verdict"] == "rejected").any():
        out["text"] += sep + tr("Score tests of which thresholds, loadings or intercepts differ are not computed for "
                                "WLSMV fits.", language)
    return out


def invariance_files(runs: Sequence[Mapping[str, Any]]) -> dict[str, pd.DataFrame | None]:
    """The invariance section's results files (:data:`INVARIANCE_FILES`, in the order they are written), each
    stacking the fitted runs with a first column ``by`` (the grouping): ``invariance.csv`` (the tables,
    :data:`csat.sem.multigroup.INVARIANCE_COLUMNS`), ``invariance_release.csv`` (the score tests) and
    ``invariance_estimates.csv`` (the three models' estimates).  None for a file with nothing to hold (no run
    fitted, no step rejected), which the notebook removes, so that an older build's file does not linger.

    Examples
    --------
    >>> invariance_files([{"group": "wave", "error": "too few respondents"}])
    {'invariance.csv': None, 'invariance_release.csv': None, 'invariance_estimates.csv': None}
    """
    def first_by(d):
        return d[["by"] + [c for c in d.columns if c != "by"]]

    runs = [r for r in runs if "error" not in r]
    if not runs:
        return dict.fromkeys(INVARIANCE_FILES)
    rels = [r["release"].assign(by=r["group"]) for r in runs if r["release"] is not None]
    return {
        "invariance.csv": pd.concat([r["table"].assign(by=r["group"]) for r in runs])[
            ["by"] + multigroup.INVARIANCE_COLUMNS + [c for c in multigroup.ROBUST_INVARIANCE_COLUMNS
                                                      if c in runs[0]["table"].columns]],
        "invariance_release.csv": first_by(pd.concat(rels)) if rels else None,
        "invariance_estimates.csv": first_by(pd.concat([r["estimates"].assign(by=r["group"]) for r in runs])),
    }
