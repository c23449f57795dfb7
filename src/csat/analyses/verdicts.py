"""Verdicts and texts for the reader: fit cut-offs, fit tables, warning boxes and the SEM narrative.

The rules that judge a model's fit live here once (:data:`FIT_RULES`, Hu & Bentler 1999) and so do
the reader-facing texts built from them: the fit table with criteria and verdicts of the CFA (04)
and SEM (05) stages, the ``poor_fit`` diagnostics, the "estimates untrustworthy" sentence and its
HTML box, the interpretation paragraph of a structural model, and the discriminant-validity
problems carried from stage 03.  :mod:`csat.sem` applies the same rules in its diagnostics.

Example
-------
>>> from csat.analyses.verdicts import fit_verdict, fit_criterion
>>> fit_verdict("rmsea", 0.07), fit_criterion("rmsea")
('acceptable', '≤ .06 good, ≤ .08 acceptable')
"""
from __future__ import annotations

import html
import json
from importlib import resources
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from csat.core import i18n
from csat.core.diagnostics import Diagnostic
from csat.core.i18n import N_, is_chinese, localize, tr, trc
from csat.sem.fitmeasures import FIT_RULES, fit_verdict, reported_fit

__all__ = ["FIT_RULES", "FIT_RULE_ROWS", "verdict_word", "fit_criterion", "fit_verdict", "overall_fit_verdict",
           "fit_table", "large_residuals", "carried_diagnostics", "error_summary",
           "warning_box_html", "list_text", "ipma_priority_text", "ipma_not_separable", "ipma_hedge_text", "sem_text",
           "section_markdown", "estimator_name", "estimator_note"]


#: The same rules as rows ``(measure, good, acceptable, "min"|"max")``, derived from :data:`FIT_RULES`.
FIT_RULE_ROWS: list[tuple[str, float, float, str]] = [
    (m, good, ok, "min" if hib else "max") for m, (good, ok, hib) in FIT_RULES.items()]


def verdict_word(verdict: str, language: str = "en") -> str:
    """A :func:`fit_verdict` (``good``, ``acceptable``, ``poor``; ``""`` when there is no rule) as the
    fit table prints it in ``language``.

    >>> verdict_word("acceptable"), verdict_word("acceptable", "zh"), verdict_word("")
    ('acceptable', '可接受', '')
    """
    if verdict == "good":
        return trc("verdict", "good", language)
    if verdict == "acceptable":
        return trc("verdict", "acceptable", language)
    if verdict == "poor":
        return trc("verdict", "poor", language)
    return verdict


def list_text(items: Iterable[str], language: str = "en") -> str:
    """``items`` as a list in a sentence: ``"a, b"`` in English, ``"a、b"`` in Chinese.

    >>> list_text(["Image", "Value"]), list_text(["形象", "价值"], "zh")
    ('Image, Value', '形象、价值')
    """
    return ("、" if is_chinese(language) else ", ").join(items)


def _cut(x: float) -> str:
    """``0.95`` → ``".95"`` (APA style, as the criteria are printed)."""
    return f"{x:.2f}".lstrip("0")


def fit_criterion(measure: str, language: str = "en") -> str:
    """The criterion of :data:`FIT_RULES` for ``measure`` as printed in the fit table, e.g.
    ``"≥ .95 good, ≥ .90 acceptable"`` (``""`` for a measure without a rule)."""
    rule = FIT_RULES.get(measure)
    if rule is None:
        return ""
    good, ok, hib = rule
    sign = "≥" if hib else "≤"
    if ok == good:
        return tr("{sign} {good} good", language, sign=sign, good=_cut(good))
    return tr("{sign} {good} good, {sign} {ok} acceptable", language, sign=sign, good=_cut(good), ok=_cut(ok))




def fit_table(fit: Mapping[str, float], language: str = "en") -> pd.DataFrame:
    """The fit measures a reader needs, with criteria and verdicts.

    Parameters
    ----------
    fit : mapping
        lavaan-named fit measures (``SEMResult.fit_measures``); absent ones are left out.
    language : str
        Language of the criteria and verdicts (``en``, ``zh``, ``zh-Hant``).

    Returns
    -------
    DataFrame
        Columns ``measure, value, criterion, verdict`` for χ², df, p, CFI, TLI, RMSEA with its 90%
        CI, SRMR, AIC, BIC and n; criterion and verdict (:func:`fit_verdict`) for the measures of
        :data:`FIT_RULES`.

    Examples
    --------
    >>> import pandas as pd
    >>> from csat import sem; from csat.analyses import verdicts
    >>> hs = pd.read_csv("../shared/datasets/holzinger1939.csv")
    >>> res = sem.fit("visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9", hs)
    >>> tab = verdicts.fit_table(res.fit_measures)
    >>> tab[tab["measure"].isin(["cfi", "tli", "srmr"])].round(3)
      measure  value                     criterion     verdict
    3     cfi  0.931  ≥ .95 good, ≥ .90 acceptable  acceptable
    4     tli  0.896  ≥ .95 good, ≥ .90 acceptable        poor
    8    srmr  0.065                    ≤ .08 good        good

    In R (``fit <- cfa(model, data = HolzingerSwineford1939)``): ``fitMeasures(fit, "tli")`` → 0.896
    and ``fitMeasures(fit, "srmr")`` → 0.065.
    """
    rows = []
    names = ["chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "srmr", "aic",
             "bic", "ntotal"]
    if "chisq.scaled" in fit:          # a robust fit: the naive χ², then what is read (lavaan's names)
        names = ["chisq", "chisq.scaled", "df", "pvalue.scaled", "chisq.scaling.factor"] + [
            _present(fit, m) for m in ("cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper")] + [
            "srmr", "aic", "bic", "ntotal"]
    for m in names:
        if m not in fit:
            continue
        v = fit[m]
        base = m.removesuffix(".robust").removesuffix(".scaled")
        verdict = fit_verdict(base, v)
        rows.append({"measure": m, "value": np.nan if v is None else float(v),
                     "criterion": fit_criterion(base, language),
                     "verdict": verdict_word(verdict, language)})
    return pd.DataFrame(rows, columns=["measure", "value", "criterion", "verdict"])


def large_residuals(resid: pd.DataFrame, threshold: float = 0.1) -> pd.DataFrame:
    """Correlation residuals (observed − model-implied correlation) with ``|r| > threshold``, from
    a square matrix: columns ``lhs, rhs, residual`` (lower triangle, largest |residual| first).

    Examples
    --------
    >>> import pandas as pd
    >>> from csat.analyses.verdicts import large_residuals
    >>> r = pd.DataFrame([[0, 0.12, -0.03], [0.12, 0, -0.2], [-0.03, -0.2, 0]], index=list("abc"), columns=list("abc"))
    >>> large_residuals(r, 0.1)
      lhs rhs  residual
    0   c   b     -0.20
    1   b   a      0.12

    (``SEMResult.residuals()`` gives lavaan's ``resid(fit, type = "cor")``, see :class:`csat.sem.SEMResult`.)
    """
    names = list(resid.index)
    M = resid.to_numpy(dtype=float)
    rows = [{"lhs": names[i], "rhs": names[j], "residual": M[i, j]}
            for i in range(len(names)) for j in range(i) if abs(M[i, j]) > threshold]
    out = pd.DataFrame(rows, columns=["lhs", "rhs", "residual"])
    return out.reindex(out["residual"].abs().sort_values(ascending=False).index).reset_index(drop=True)


def carried_diagnostics(diagnostics_file, stage: str = "03_reliability_validity",
                        codes: Sequence[str] = ("htmt", "fornell_larcker")) -> list[Diagnostic]:
    """Failed discriminant validity from an earlier stage, carried into this one.

    Reads ``results/diagnostics.json`` and returns its entries of ``stage`` whose code is in
    ``codes`` as ``discriminant_validity`` diagnostics (same severity and place, message prefixed
    with the stage and the original code).  A missing file gives ``[]``.

    Parameters
    ----------
    diagnostics_file : path
        ``reports/<study>/results/diagnostics.json``.
    stage : str
        The earlier stage.
    codes : sequence of str
        The diagnostic codes to carry.

    Returns
    -------
    list of csat.core.diagnostics.Diagnostic
    """
    p = Path(diagnostics_file)
    if not p.is_file():
        return []
    try:
        entries = json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"{p}: not valid JSON ({err})") from None
    out = []
    for d in entries if isinstance(entries, list) else []:
        if d.get("stage") == stage and d.get("code") in codes:
            sev = d.get("severity") if d.get("severity") in ("info", "warning", "error") else "warning"
            zh = str(d.get("message_zh") or "")
            carried = N_("(from {stage}, {code}) {message}")
            out.append(Diagnostic("discriminant_validity", sev, str(d.get("where", "")),
                                  tr(carried, "en", stage=stage, code=d.get("code"), message=d.get("message", "")),
                                  message_zh=tr(carried, "zh", stage=stage, code=d.get("code"), message=zh)
                                  if zh else ""))
    return out


def error_summary(diags: Iterable[Diagnostic | Mapping], language: str = "en") -> str | None:
    """One plain sentence saying the estimates are untrustworthy and why, when any diagnostic has
    severity ``error``; ``None`` otherwise.

    Parameters
    ----------
    diags : iterable of Diagnostic or dict
    language : str
        ``en``, ``zh`` or ``zh-Hant``.

    Returns
    -------
    str or None

    Examples
    --------
    >>> from csat.core.diagnostics import Diagnostic
    >>> from csat.analyses.verdicts import error_summary, warning_box_html
    >>> d = [Diagnostic("heywood", "error", "x1 ~~ x1", "Negative variance estimate for x1 (-0.120).",
    ...                 message_zh="x1 的方差估计值为负（-0.120）。")]
    >>> error_summary(d)
    'Warning: these estimates are untrustworthy because x1 ~~ x1: Negative variance estimate for x1 (-0.120).'
    >>> error_summary(d, "zh")
    '警告：以下估计值不可信，原因：x1 ~~ x1：x1 的方差估计值为负（-0.120）。'
    >>> box = warning_box_html(error_summary(d, "zh"))
    >>> box.startswith('<div class="csat-warning"'), "以下估计值不可信" in box
    (True, True)
    """
    errs = []
    for d in diags:
        d = d.to_dict() if isinstance(d, Diagnostic) else dict(d)
        if d.get("severity") == "error":
            message = d.get("message")
            if is_chinese(language):
                message = localize(d.get("message_zh"), language) or message
            errs.append(tr("{where}: {message}", language, where=d.get("where"), message=message))
    if not errs:
        return None
    return tr("Warning: these estimates are untrustworthy because {reasons}", language,
              reasons=("；" if is_chinese(language) else "; ").join(errs))


def warning_box_html(text: str | None) -> str:
    """A plain, escaped warning box (``<div class="csat-warning">``) for :func:`error_summary`; ``""`` for None."""
    if not text:
        return ""
    return ('<div class="csat-warning" style="border:2px solid #b00020;background:#fdecea;padding:8px 12px;'
            f'margin:8px 0;color:#5f0010"><b>⚠</b> {html.escape(text)}</div>')


def overall_fit_verdict(fit: Mapping[str, float]) -> str:
    """The worst :func:`fit_verdict` over the measures of :data:`FIT_RULES` (``""`` when none can be judged)."""
    vs = [fit_verdict(m, fit.get(m)) for m in FIT_RULES]
    vs = [v for v in vs if v]
    if not vs:
        return ""
    if "poor" in vs:
        return "poor"
    return "acceptable" if "acceptable" in vs else "good"


def _ci_excludes_zero(lo, hi) -> bool:
    return bool(np.isfinite(lo) and np.isfinite(hi) and (lo > 0 or hi < 0))


def section_markdown(name: str, language: str = "en") -> str:
    """The Markdown (``## heading`` and explanation) of the notebook section ``name`` in ``language``
    (English where there is no text in that language).

    The texts are the files ``csat/analyses/texts/section_<name>.<language>.md``; a new language is a new
    file.  A language derived from another one (``zh-Hant``, :data:`csat.core.i18n.DERIVED`) reads the
    other one's file, converted by :func:`csat.core.i18n.localize`.

    >>> section_markdown("invariance", "zh-Hant").splitlines()[0]
    '## 測量不變性'
    """
    data = resources.files("csat.analyses") / "texts"
    base = i18n.DERIVED[language][0] if language in i18n.DERIVED else language
    f = data / f"section_{name}.{base}.md"
    if not f.is_file():
        f = data / f"section_{name}.en.md"
    return localize(f.read_text(encoding="utf-8").removesuffix("\n"), language)


def ipma_not_separable(ipma: pd.DataFrame | None, effects: pd.DataFrame | None, target: str | None) -> list[str]:
    """The IPMA's constructs whose side of the mean importance the data do not establish: the 95% bootstrap
    interval of the standardized total effect on ``target`` (``effects``: ``sem_effects.csv``/``pls_effects.csv``)
    overlaps the interval of a construct on the other side of the mean.  Empty without intervals.

    >>> import pandas as pd
    >>> t = pd.DataFrame({"construct": ["A", "B", "C"], "importance": [.6, .5, .2]})
    >>> e = pd.DataFrame({"from": ["A", "B", "C"], "to": "Y", "std.total.ci.lower": [.5, .3, .1],
    ...                   "std.total.ci.upper": [.7, .6, .35]})
    >>> ipma_not_separable(t, e, "Y")
    ['B', 'C']
    """
    if ipma is None or not len(ipma) or effects is None or "std.total.ci.lower" not in effects.columns or not target:
        return []
    e = effects[effects["to"] == target].set_index("from")
    ci = {c: (float(e.loc[c, "std.total.ci.lower"]), float(e.loc[c, "std.total.ci.upper"]))
          for c in ipma["construct"] if c in e.index}
    if len(ci) < len(ipma) or not all(np.isfinite(v).all() for v in map(np.array, ci.values())):
        return []
    mean = float(ipma["importance"].mean())
    high = {c: i >= mean for c, i in zip(ipma["construct"], ipma["importance"])}
    apart = lambda a, b: ci[a][0] > ci[b][1] or ci[b][0] > ci[a][1]   # noqa: E731
    return [c for c in ipma["construct"] if any(high[o] != high[c] and not apart(c, o) for o in ci)]


def ipma_hedge_text(not_separable: list[str], labels: Mapping[str, str], language: str = "en") -> str:
    """What the IPMA's quadrants can claim when the bootstrap intervals do not separate some drivers' importance
    (:func:`ipma_not_separable`); ``""`` when they all are separated."""
    if not not_separable:
        return ""
    return tr("At this sample size the importance of {constructs} cannot be ranked apart from that of the drivers on the "
              "other side of the mean (their bootstrap intervals of the standardized total effect overlap): their "
              "quadrant rests on their performance alone.", language,
              constructs=list_text([labels.get(c, c) for c in not_separable], language))


def ipma_priority_text(ipma: pd.DataFrame | None, language: str = "en") -> str:
    """The sentence naming the IPMA's "concentrate here" constructs (column ``label`` of the rows
    whose ``quadrant`` is ``concentrate_here``), or ``""`` when there are none.  When the map's step found
    their importance not separable (``ipma.attrs["not_separable"]``, :func:`ipma_not_separable`), the sentence
    says that only their below-average performance is established."""
    if ipma is None or not len(ipma):
        return ""
    rows = ipma[ipma["quadrant"] == "concentrate_here"]
    conc = list(rows["label"])
    if not conc:
        return ""
    hedged = set(ipma.attrs.get("not_separable", ()))
    if hedged and set(rows["construct"]) <= hedged:
        return tr("The importance–performance map places {constructs} in its improve-first quadrant, but at this "
                  "sample size their importance cannot be ranked apart from the other drivers': only their "
                  "below-average performance is established.", language, constructs=list_text(conc, language))
    return tr("The importance–performance map points to {constructs} as the priority for improvement "
              "(above-average importance, below-average performance).", language,
              constructs=list_text(conc, language))


def sem_text(fit: Mapping[str, float], effects: pd.DataFrame, r2: pd.DataFrame, labels: Mapping[str, str],
             ipma: pd.DataFrame | None = None, diags: Iterable[Diagnostic | Mapping] = (),
             language: str = "en") -> str:
    """A generated interpretation paragraph (English or Chinese) of a fitted structural model.

    Uses: the overall fit verdict (:func:`fit_verdict` on CFI, TLI, RMSEA, SRMR), R² of the
    endogenous constructs, the standardized total effects whose bootstrap interval excludes 0,
    the indirect effects whose interval excludes 0, the "concentrate here" constructs of the
    IPMA, and a caution when any diagnostic has severity ``error``.

    Parameters
    ----------
    fit : mapping
        lavaan-named fit measures.
    effects : DataFrame
        :func:`csat.sem.effects.sem_effects`, with the bootstrap columns of
        :func:`csat.sem.effects.effects_with_ci` when there was a bootstrap.
    r2 : DataFrame
        ``SEMResult.r2`` (``variable, r2``).
    labels : mapping
        ``{variable: label}`` for the text.
    ipma : DataFrame, optional
        :func:`csat.sem.ipma.ipma_table` rows (``label``, ``quadrant``).
    diags : iterable of Diagnostic or dict
    language : str
        ``en``, ``zh`` or ``zh-Hant``.

    Returns
    -------
    str

    Examples
    --------
    >>> import pandas as pd
    >>> from csat.sem import effects; from csat import sem; from csat.analyses import verdicts
    >>> d = pd.read_csv("../shared/datasets/political_democracy.csv")
    >>> res = sem.fit("ind60 =~ x1 + x2 + x3; dem60 =~ y1 + y2 + y3 + y4; dem60 ~ ind60", d)
    >>> verdicts.sem_text(res.fit_measures, effects.sem_effects(res), res.r2, {"dem60": "democracy 1960"})[:64]
    'The model fits the data poorly (CFI = 0.972, TLI = 0.955, RMSEA '
    """
    lab = lambda v: labels.get(v, v)  # noqa: E731
    note = estimator_note(fit, language)
    parts = [note] if note else []
    fit = reported_fit(fit)                   # a robust fit: scaled χ², robust CFI, TLI, RMSEA
    verdict = overall_fit_verdict(fit)
    f = lambda m, d=3: ("NA" if fit.get(m) is None or not np.isfinite(float(fit.get(m))) else f"{float(fit[m]):.{d}f}")  # noqa: E731
    idx = f"CFI = {f('cfi')}, TLI = {f('tli')}, RMSEA = {f('rmsea')}, SRMR = {f('srmr')}"
    values = {"measures": idx, "chisq": f("chisq", 2), "df": f("df", 0), "p": f("pvalue")}
    if verdict == "good":
        parts.append(tr("The model fits the data well ({measures}; χ² = {chisq}, df = {df}, p = {p}).", language,
                        **values))
    elif verdict == "acceptable":
        parts.append(tr("The model fits the data acceptably ({measures}; χ² = {chisq}, df = {df}, p = {p}).",
                        language, **values))
    elif verdict == "poor":
        parts.append(tr("The model fits the data poorly ({measures}; χ² = {chisq}, df = {df}, p = {p}).", language,
                        **values))
    else:
        parts.append(tr("The model has fit that cannot be judged ({measures}; χ² = {chisq}, df = {df}, p = {p}).",
                        language, **values))
    endo = [v for v in dict.fromkeys(effects["to"])] if len(effects) else []
    r2s = r2.set_index("variable")["r2"] if len(r2) else pd.Series(dtype=float)
    r2_txt = [(lab(v), float(r2s[v])) for v in endo if v in r2s.index and np.isfinite(r2s[v])]
    if r2_txt:
        shares = [tr("{share:.0f}% of the variance of {construct}", language, share=100 * x, construct=n)
                  for n, x in r2_txt]
        parts.append(tr("The model explains {shares}.", language, shares=list_text(shares, language)))
    has_ci = "std.total.ci.lower" in effects.columns
    for to in endo:
        e = effects[effects["to"] == to].copy()
        if has_ci:
            e = e[[_ci_excludes_zero(lo, hi) for lo, hi in zip(e["std.total.ci.lower"], e["std.total.ci.upper"])]]
        if e.empty:
            continue
        e = e.reindex(e["std.total"].abs().sort_values(ascending=False).index)
        items = [f"{lab(r['from'])} ({r['std.total']:.2f})" for _, r in e.iterrows()]
        parts.append(tr("Significant standardized total effects on {construct} (bootstrap interval excluding 0), "
                        "largest first: {effects}.", language, construct=lab(to), effects=list_text(items, language)))
    if has_ci and len(effects):
        ind = effects[[(_ci_excludes_zero(lo, hi) and abs(v) > 1e-12) for lo, hi, v in
                       zip(effects["indirect.ci.lower"], effects["indirect.ci.upper"], effects["indirect"])]]
        if len(ind):
            items = [f"{lab(r['from'])} → {lab(r['to'])} ({r['std.indirect']:.2f})" for _, r in ind.iterrows()]
            parts.append(tr("Indirect (mediated) effects with intervals excluding 0: {effects}.", language,
                            effects=list_text(items, language)))
    priority = ipma_priority_text(ipma, language)
    if priority:
        parts.append(priority)
    if error_summary(diags, language) is not None:
        parts.append(tr("Caution: the diagnostics include errors, so these estimates are untrustworthy; read the "
                        "diagnostics before interpreting them.", language))
    return " ".join(parts)


def _present(fit: Mapping, name: str) -> str:
    """The robust version of ``name`` in ``fit`` (``.robust``, else ``.scaled``), as the report shows it."""
    for suffix in (".robust", ".scaled"):
        v = fit.get(name + suffix)
        if v is not None and np.isfinite(float(v)):
            return name + suffix
    return name


#: lavaan's scaled tests in words
TEST_WORDS = {"yuan.bentler.mplus": N_("Yuan–Bentler"), "satorra.bentler": N_("Satorra–Bentler"),
              "scaled.shifted": N_("mean- and variance-adjusted")}


def estimator_name(fit: Mapping) -> str:
    """The estimator of a fit as lavaan names it (``ML``, ``MLR``, ``MLM``, ``WLSMV``), from its fit measures
    (``cfa_fit.json``, ``sem_fit.json`` or ``SEMResult.fit_measures``; ML when they do not say).

    >>> estimator_name({"chisq": 85.3}), estimator_name({"estimator": "MLR"})
    ('ML', 'MLR')
    """
    return str(fit.get("estimator") or "ML")


def estimator_note(fit: Mapping, language: str = "en") -> str | None:
    """One sentence saying how a robust fit (MLR, MLM, WLSMV) was estimated and which of its statistics the
    report reads; None for an ML fit.

    >>> print(estimator_note({"estimator": "MLR", "test": "yuan.bentler.mplus", "chisq": 85.306,
    ...                       "chisq.scaled": 87.132, "chisq.scaling.factor": 0.979}))
    Estimator MLR: maximum-likelihood estimates with robust (Huber–White) standard errors; χ² is the Yuan–Bentler scaled statistic (87.13; scaling factor 0.979, naive χ² 85.31), and CFI, TLI and RMSEA are their robust versions.
    """
    if "chisq.scaled" not in fit:
        return None
    est = estimator_name(fit)
    if est == "WLSMV":
        return tr("Estimator WLSMV: diagonally weighted least squares on the polychoric correlations of the ordered "
                  "items with robust standard errors; χ² is the mean- and variance-adjusted statistic, and CFI, TLI "
                  "and RMSEA are their robust versions.", language)
    test = fit.get("test")
    words = tr(TEST_WORDS[test], language) if test in TEST_WORDS else str(test)
    return tr("Estimator {estimator}: maximum-likelihood estimates with robust (Huber–White) standard errors; χ² is "
              "the {test} scaled statistic ({scaled:.2f}; scaling factor {c:.3f}, naive χ² {chisq:.2f}), and CFI, "
              "TLI and RMSEA are their robust versions.", language, estimator=est, test=words,
              scaled=float(fit["chisq.scaled"]), c=float(fit.get("chisq.scaling.factor", float("nan"))),
              chisq=float(fit["chisq"]))
