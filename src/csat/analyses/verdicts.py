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

from csat.core.diagnostics import Diagnostic
from csat.sem.fitmeasures import FIT_RULES, fit_verdict

__all__ = ["FIT_RULES", "FIT_RULE_ROWS", "VERDICT_ZH", "fit_criterion", "fit_verdict", "overall_fit_verdict",
           "fit_table", "fit_diagnostics", "large_residuals", "carried_diagnostics", "error_summary",
           "warning_box_html", "ipma_priority_text", "sem_text",
           "section_markdown"]


#: The same rules as rows ``(measure, good, acceptable, "min"|"max")``, derived from :data:`FIT_RULES`.
FIT_RULE_ROWS: list[tuple[str, float, float, str]] = [
    (m, good, ok, "min" if hib else "max") for m, (good, ok, hib) in FIT_RULES.items()]
VERDICT_ZH = {"good": "良好", "acceptable": "可接受", "poor": "较差", "": ""}


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
    words = ("良好", "可接受", "，") if language == "zh" else ("good", "acceptable", ", ")
    text = f"{sign} {_cut(good)} {words[0]}"
    if ok != good:
        text += f"{words[2]}{sign} {_cut(ok)} {words[1]}"
    return text




def fit_table(fit: Mapping[str, float], language: str = "en") -> pd.DataFrame:
    """The fit measures a reader needs, with criteria and verdicts.

    Parameters
    ----------
    fit : mapping
        lavaan-named fit measures (``SEMResult.fit_measures``); absent ones are left out.
    language : {"en", "zh"}
        Language of the criteria and verdicts.

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
    zh = language == "zh"
    rows = []
    for m in ["chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "srmr", "aic",
              "bic", "ntotal"]:
        if m not in fit:
            continue
        v = fit[m]
        verdict = fit_verdict(m, v)
        rows.append({"measure": m, "value": np.nan if v is None else float(v),
                     "criterion": fit_criterion(m, language),
                     "verdict": VERDICT_ZH[verdict] if zh else verdict})
    return pd.DataFrame(rows, columns=["measure", "value", "criterion", "verdict"])


def fit_diagnostics(fit: Mapping[str, float], where: str = "model") -> list[Diagnostic]:
    """``poor_fit`` warnings for each of CFI, TLI, RMSEA, SRMR judged poor by :func:`fit_verdict`."""
    out = []
    for m, (_, ok, hib) in FIT_RULES.items():
        if fit_verdict(m, fit.get(m)) == "poor":
            out.append(Diagnostic("poor_fit", "warning", f"{where}: {m}",
                                  f"{m.upper()} = {float(fit[m]):.3f} indicates poor fit "
                                  f"({m.upper()} {'<' if hib else '>'} {_cut(ok)}).",
                                  message_zh=f"{m.upper()} = {float(fit[m]):.3f}，显示拟合差"
                                  f"（{m.upper()} {'<' if hib else '>'} {_cut(ok)}）。"))
    return out


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
            out.append(Diagnostic("discriminant_validity", sev, str(d.get("where", "")),
                                  f"(from {stage}, {d.get('code')}) {d.get('message', '')}",
                                  message_zh=f"（来自 {stage}，{d.get('code')}）{zh}" if zh else ""))
    return out


def error_summary(diags: Iterable[Diagnostic | Mapping], language: str = "en") -> str | None:
    """One plain sentence saying the estimates are untrustworthy and why, when any diagnostic has
    severity ``error``; ``None`` otherwise.

    Parameters
    ----------
    diags : iterable of Diagnostic or dict
    language : {"en", "zh"}

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
            if language == "zh":
                errs.append(f"{d.get('where')}：{d.get('message_zh') or d.get('message')}")
            else:
                errs.append(f"{d.get('where')}: {d.get('message')}")
    if not errs:
        return None
    if language == "zh":
        return "警告：以下估计值不可信，原因：" + "；".join(errs)
    return "Warning: these estimates are untrustworthy because " + "; ".join(errs)


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
    file."""
    data = resources.files("csat.analyses") / "texts"
    f = data / f"section_{name}.{language}.md"
    if not f.is_file():
        f = data / f"section_{name}.en.md"
    return f.read_text(encoding="utf-8").removesuffix("\n")


def ipma_priority_text(ipma: pd.DataFrame | None, language: str = "en") -> str:
    """The sentence naming the IPMA's "concentrate here" constructs (column ``label`` of the rows
    whose ``quadrant`` is ``concentrate_here``), or ``""`` when there are none."""
    if ipma is None or not len(ipma):
        return ""
    conc = list(ipma.loc[ipma["quadrant"] == "concentrate_here", "label"])
    if not conc:
        return ""
    if language == "zh":
        return "重要性–表现分析显示应重点改进：" + "、".join(conc) + "（重要性高于平均而表现低于平均）。"
    return ("The importance–performance map points to " + ", ".join(conc) +
            " as the priority for improvement (above-average importance, below-average performance).")


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
    language : {"en", "zh"}

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
    zh = language == "zh"
    lab = lambda v: labels.get(v, v)  # noqa: E731
    parts = []
    verdict = overall_fit_verdict(fit)
    f = lambda m, d=3: ("NA" if fit.get(m) is None or not np.isfinite(float(fit.get(m))) else f"{float(fit[m]):.{d}f}")  # noqa: E731
    idx = f"CFI = {f('cfi')}, TLI = {f('tli')}, RMSEA = {f('rmsea')}, SRMR = {f('srmr')}"
    if zh:
        vz = {"good": "良好", "acceptable": "可接受", "poor": "较差", "": "无法判断"}[verdict]
        parts.append(f"模型整体拟合{vz}（{idx}；χ² = {f('chisq', 2)}，df = {f('df', 0)}，p = {f('pvalue')}）。")
    else:
        ve = {"good": "fits the data well", "acceptable": "fits the data acceptably", "poor": "fits the data poorly",
              "": "has fit that cannot be judged"}[verdict]
        parts.append(f"The model {ve} ({idx}; χ² = {f('chisq', 2)}, df = {f('df', 0)}, p = {f('pvalue')}).")
    endo = [v for v in dict.fromkeys(effects["to"])] if len(effects) else []
    r2s = r2.set_index("variable")["r2"] if len(r2) else pd.Series(dtype=float)
    r2_txt = [(lab(v), float(r2s[v])) for v in endo if v in r2s.index and np.isfinite(r2s[v])]
    if r2_txt:
        if zh:
            parts.append("模型解释了" + "、".join(f"{n}方差的 {100 * x:.0f}%" for n, x in r2_txt) + "。")
        else:
            parts.append("The model explains " + ", ".join(f"{100 * x:.0f}% of the variance of {n}" for n, x in r2_txt) + ".")
    has_ci = "std.total.ci.lower" in effects.columns
    for to in endo:
        e = effects[effects["to"] == to].copy()
        if has_ci:
            e = e[[_ci_excludes_zero(lo, hi) for lo, hi in zip(e["std.total.ci.lower"], e["std.total.ci.upper"])]]
        if e.empty:
            continue
        e = e.reindex(e["std.total"].abs().sort_values(ascending=False).index)
        items = [f"{lab(r['from'])} ({r['std.total']:.2f})" for _, r in e.iterrows()]
        if zh:
            parts.append(f"对{lab(to)}有显著总效应（标准化，Bootstrap 区间不含 0）的依次为：" + "、".join(items) + "。")
        else:
            parts.append(f"Significant standardized total effects on {lab(to)} (bootstrap interval excluding 0), "
                         f"largest first: " + ", ".join(items) + ".")
    if has_ci and len(effects):
        ind = effects[[(_ci_excludes_zero(lo, hi) and abs(v) > 1e-12) for lo, hi, v in
                       zip(effects["indirect.ci.lower"], effects["indirect.ci.upper"], effects["indirect"])]]
        if len(ind):
            items = [f"{lab(r['from'])} → {lab(r['to'])} ({r['std.indirect']:.2f})" for _, r in ind.iterrows()]
            parts.append(("存在显著的间接（中介）效应：" + "、".join(items) + "。") if zh else
                         ("Indirect (mediated) effects with intervals excluding 0: " + ", ".join(items) + "."))
    priority = ipma_priority_text(ipma, language)
    if priority:
        parts.append(priority)
    if error_summary(diags, language) is not None:
        parts.append("注意：诊断中存在严重问题，上述估计不可信，解读前请先查看诊断信息。" if zh else
                     "Caution: the diagnostics include errors, so these estimates are untrustworthy; read the "
                     "diagnostics before interpreting them.")
    return " ".join(parts)
