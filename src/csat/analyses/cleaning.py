"""The cleaning stage (01) for the reader: its tables, texts and diagnostics in the study's language.

:mod:`csat.intake.readers` reads the raw file and :mod:`csat.intake.cleaning` applies the exclusion
rules and tests the missing data; this module turns what they found into what the notebook
``01_cleaning`` shows and writes, in the study's language (``params.language``; every text is an English
catalog message translated by :mod:`csat.core.i18n`):

* the intake: :func:`intake_summary` (the table of what was read and changed), :func:`intake_text`
  (one paragraph) and :func:`intake_tables` (the values set missing and the answers mapped), all from
  the :class:`csat.intake.readers.IntakeReport`;
* the item types: :func:`continuous_table` and :func:`types_text` (which items are continuous scores
  and why);
* the exclusion flow: :func:`rule_texts` (each rule as applied), :func:`flow_display` (the flow table
  in the study's language), :func:`flow_text` (one sentence), :func:`check_data_facts` (stops the
  stage when the analysed data cannot be analysed) and :func:`straightlining_blocks` (respondents kept
  with one answer for a whole construct);
* the missing data: :func:`mcar_table` and :func:`interpret_mcar` (Little's test in numbers and words);
* :func:`cleaning_record` (``results/cleaning.json``) and :func:`cleaning_diagnostics` (the stage's
  warnings and notes, each with a stable code).

The figures of the stage are in :mod:`csat.viz.cleaning`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from csat.core.diagnostics import Diagnostic, diagnostic
from csat.core.errors import DataFactError
from csat.analyses.display import cell_name
from csat.core.i18n import N_, is_chinese, localize, tr, trc
from csat.intake.cleaning import MIN_STRAIGHTLINE_ITEMS, RULES, CleaningResult, missing_rates
from csat.intake.preflight import data_facts
from csat.intake.readers import IntakeReport

__all__ = ["intake_summary", "intake_text", "intake_tables", "continuous_table", "types_text", "rule_texts",
           "flow_display", "flow_text", "check_data_facts", "straightlining_blocks", "mcar_table",
           "interpret_mcar", "cleaning_record", "cleaning_diagnostics"]

#: The columns of Little's test shown in the report and written to ``cleaning.json`` (with ``rejected``).
MCAR_COLUMNS = ("chisq", "df", "pvalue", "n_patterns", "n", "p")


def _listing(items, language: str) -> str:
    """Words of a list joined as ``language`` lists them (``a, b`` / ``a、b``)."""
    return trc("list separator", ", ", language).join(items)


def _clauses(items, language: str) -> str:
    """Clauses of one sentence joined as ``language`` joins them (``a, b`` / ``a，b``)."""
    return trc("clause separator", ", ", language).join(items)


def _sentences(sentences, language: str) -> str:
    """Sentences joined as ``language`` writes them: a space between them, none in Chinese."""
    return ("" if is_chinese(language) else " ").join(sentences)


# ----------------------------------------------------------------------------- intake
_FORMATS = {"csv": "CSV", "xlsx": "Excel", "xls": "Excel", "sav": "SPSS", "spss": "SPSS", "dta": "Stata",
            "stata": "Stata", "parquet": "Parquet"}


def file_kind(fmt, encoding=None) -> str:
    """A data file's format and encoding as a reader names them (``CSV``, ``UTF-8``, ``Excel``), not as the
    program stores them (``csv``, ``utf-8-sig``); several files (one per wave) keep their `` + ``.

    >>> file_kind("csv"), file_kind("xlsx"), file_kind(None, "utf-8-sig"), file_kind("csv + csv")
    ('CSV', 'Excel', 'UTF-8 (BOM)', 'CSV + CSV')
    >>> file_kind(None, "gbk + utf-8")
    'GBK + UTF-8'
    """
    import re

    if encoding is not None:
        return re.sub(r"[^\s+]+", lambda m: "UTF-8 (BOM)" if m.group(0).lower() in ("utf-8-sig", "utf_8_sig")
                      else m.group(0).upper(), str(encoding))
    return re.sub(r"[A-Za-z]+", lambda m: _FORMATS.get(m.group(0).lower(), m.group(0)), str(fmt))


def intake_summary(report: IntakeReport, language: str = "en") -> pd.DataFrame:
    """What the intake read and changed (:func:`csat.intake.readers.load_study_data`) as a two-column
    table (``what, value``) for the report, its labels in ``language``.

    Examples
    --------
    >>> intake_summary(demo_intake, "zh").iloc[[0, 5, 12]]
               what   value
    0            文件  demo.csv
    5      受访者（数据行）     600
    12  缺失标记（空白单元格）     156
    """
    m = report.meta
    tokens = report.token_counts()
    listed = _listing([cell_name(t, language) for t in tokens], language) or trc("intake report", "none", language)
    rows = [
        (trc("intake report", "file", language), report.file_name),
        (trc("intake report", "format", language), file_kind(m.get("format"))),
        (trc("intake report", "encoding", language), file_kind(None, m["encoding"]) if m.get("encoding") else ""),
        (trc("intake report", "sheet", language), m.get("sheet") or ""),
        ("SHA-256", m.get("sha256", "")[:16] + "…"),
        (trc("intake report", "respondents (data rows)", language), report.n_rows),
        (trc("intake report", "columns in file", language), m.get("n_columns")),
        (trc("intake report", "columns used", language), len(report.columns_used)),
        (trc("intake report", "columns ignored", language), len(report.columns_ignored)),
        (trc("intake report", "text answers mapped", language),
         int(report.labels_applied["n"].sum()) if len(report.labels_applied) else 0),
        (trc("intake report", "missing codes found", language),
         int(report.missing_codes_found["n"].sum()) if len(report.missing_codes_found) else 0),
        (trc("intake report", "out-of-range values set missing", language), len(report.out_of_range)),
        (trc("intake report", "missing tokens ({tokens})", language, tokens=listed), sum(tokens.values())),
        (trc("intake report", "negative durations set missing", language), len(report.negative_durations)),
        (trc("intake report", "headers longer than 200 characters", language), len(report.long_headers)),
        (trc("intake report", "respondents with all items missing", language), report.n_all_items_missing),
    ]
    return pd.DataFrame(rows, columns=["what", "value"]).astype({"value": str})


def intake_text(report: IntakeReport, language: str = "en") -> str:
    """One paragraph describing the intake of :func:`csat.intake.readers.load_study_data` in ``language``.

    Examples
    --------
    >>> print(intake_text(demo_intake))
    Read demo.csv (CSV, UTF-8): 600 respondents, 37 columns used. 0 text answers were mapped to codes ...
    """
    m = report.meta
    source = file_kind(m.get("format"))
    if m.get("encoding"):
        source += trc("list separator", ", ", language) + file_kind(None, m["encoding"])
    if m.get("sheet"):
        source += tr(", sheet {sheet!r}", language, sheet=m["sheet"])
    return tr("Read {file} ({source}): {n} respondents, {n_columns} columns used. {n_labels} text answers were "
              "mapped to codes through the study's answer labels; {n_codes} cells holding a missing code were set missing; "
              "{n_out_of_range} values outside the scale were reported and set missing; {n_no_item} respondents "
              "answered no item.", language,
              file=report.file_name, source=source, n=report.n_rows, n_columns=len(report.columns_used),
              n_labels=int(report.labels_applied["n"].sum()) if len(report.labels_applied) else 0,
              n_codes=int(report.missing_codes_found["n"].sum()) if len(report.missing_codes_found) else 0,
              n_out_of_range=len(report.out_of_range), n_no_item=report.n_all_items_missing) + (
        ("" if is_chinese(language) else " ")
        + tr("The file holds {n_file} data rows; {n_read} were read.", language, n_file=report.file_rows,
                 n_read=report.n_rows) if report.file_rows is not None else "")


def intake_tables(report: IntakeReport, language: str = "en") -> list[tuple[pd.DataFrame, str]]:
    """The tables of what the intake changed, each with its caption in ``language``, leaving out the
    empty ones: the values outside the allowed range, the missing codes found (cells per code), the
    cells set missing by their text (cells per token) and the text answers mapped to codes.

    Returns
    -------
    list of (DataFrame, str)
        ``(table, caption)`` pairs, in this order.

    Examples
    --------
    >>> [caption for _, caption in intake_tables(demo_intake)]      # doctest: +NORMALIZE_WHITESPACE
    ['Values outside the allowed range (set missing)', 'Missing codes found (set missing)',
     'Cells set missing by their text (empty, NA, (跳过), …)']
    >>> intake_tables(demo_intake)[1][0]
       code   n
    0  99.0  68
    """
    out = []
    if len(report.out_of_range):
        out.append((report.out_of_range, tr("Values outside the allowed range (set missing)", language)))
    if len(report.missing_codes_found):
        out.append((report.missing_codes_found.groupby("code", as_index=False)["n"].sum(),
                    tr("Missing codes found (set missing)", language)))
    if len(report.missing_tokens):
        out.append((pd.DataFrame(list(report.token_counts().items()), columns=["token", "n"]),
                    tr("Cells set missing by their text (empty, NA, (跳过), …)", language)))
    if len(report.labels_applied):
        out.append((report.labels_applied, tr("Text answers mapped to codes", language)))
    return out


# ----------------------------------------------------------------------------- item types
def _reasons(types: pd.DataFrame, language: str) -> pd.Series:
    """Why each item has its type (:func:`csat.intake.itemtypes.item_types` gives the reason in English
    and in simplified Chinese), in ``language``."""
    if is_chinese(language):
        return types["reason_zh"].map(lambda r: localize(r, language))
    return types["reason_en"]


def continuous_table(types: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """The items treated as continuous scores (``types``: the table of
    :func:`csat.intake.itemtypes.item_types`): ``item, n, n_off_scale, reason``, the reason in
    ``language``; empty when every item is a Likert item.

    Examples
    --------
    >>> from csat.intake.itemtypes import item_types
    >>> t = item_types(pd.DataFrame({"a": [1, 2, 5], "b": [1, 3.5, 4]}), ["a", "b"], 1, 5)
    >>> continuous_table(t, "zh")
      item  n  n_off_scale                      reason
    1    b  3            1  3 个值中有 1 个不是 1–5 量表的刻度点（例如 3.5）
    """
    cont = types["type"] == "continuous"
    return types.loc[cont, ["item", "n", "n_off_scale"]].assign(reason=_reasons(types[cont], language))


def types_text(types: pd.DataFrame, language: str = "en") -> str:
    """One sentence saying which items are treated as continuous scores and why (``types``: the table
    of :func:`csat.intake.itemtypes.item_types`).

    Examples
    --------
    >>> from csat.intake.itemtypes import item_types
    >>> t = item_types(pd.DataFrame({"a": [1, 2, 5], "b": [1, 3.5, 4]}), ["a", "b"], 1, 5)
    >>> print(types_text(t))
    1 item(s) are treated as continuous scores: b (1 of 3 values are not points of the 1–5 scale (e.g. 3.5)). ...
    """
    cont = types[types["type"] == "continuous"]
    if cont.empty:
        return tr("Every item is a Likert item (all its values are points of the scale).", language)
    reasons = _reasons(cont, language)
    if len(cont) == len(types) and cont["reason_en"].nunique() == 1:
        return tr("All {n} items are treated as continuous scores: {reason}. They get no Likert chart and no "
                  "top-2/bottom-2-box shares; every other statistic is computed as usual.", language,
                  n=len(types), reason=reasons.iloc[0])
    parts = [trc("item type", "{item} ({reason})", language, item=item, reason=reason)
             for item, reason in zip(cont["item"], reasons)]
    return tr("{n} item(s) are treated as continuous scores: {items}. They get no Likert chart and no "
              "top-2/bottom-2-box shares; every other statistic is computed as usual.", language,
              n=len(cont), items=trc("list separator", "; ", language).join(parts))


# ----------------------------------------------------------------------------- exclusion flow
def rule_texts(params, language: str = "en") -> dict:
    """What each exclusion rule does with the study's settings, ``{rule: text}`` in ``language``; in
    English the definitions of :func:`csat.intake.cleaning.rule_definitions` (the flow table's
    ``description``), ``off`` for a rule switched off.

    Examples
    --------
    >>> rule_texts(demo_params, "zh")["speeders"], rule_texts(demo_params)["speeders"]
    ('答题时长 < 120 秒', 'duration < 120 s')
    """
    c = params.cleaning
    off = trc("cleaning rule", "off", language)
    sp = []
    if c.min_duration is not None:
        sp.append(tr("duration < {seconds:g} s", language, seconds=c.min_duration))
    if c.speeder_median_ratio is not None:
        sp.append(tr("duration < {ratio:g} x median duration", language, ratio=c.speeder_median_ratio))
    if len(sp) == 2:
        sp = [trc("cleaning rule", "{first} or {second}", language, first=sp[0], second=sp[1])]
    dup = (tr("same id or identical answers on all items (first kept)", language) if params.data.id
           else tr("identical answers on all items (first kept)", language))
    return {
        "duplicates": dup if c.drop_duplicates else off,
        "speeders": sp[0] if sp else off,
        "straightlining": (tr("zero variance across all items (>= {k} answered)", language, k=MIN_STRAIGHTLINE_ITEMS)
                           if c.straightlining else off),
        "attention_checks": (_clauses((f"{k} = {v!r}" for k, v in c.attention_checks.items()), language)
                             if c.attention_checks else off),
        "max_missing_share": (tr("share of items missing > {share:g}", language, share=c.max_missing_share)
                              if c.max_missing_share is not None else off),
    }


def _flow_steps(language: str) -> dict:
    """The flow table's steps (:attr:`csat.intake.cleaning.CleaningResult.flow`) as the report names them."""
    return {
        "raw": trc("flow step", "raw", language),
        "duplicates": trc("flow step", "duplicates", language),
        "speeders": trc("flow step", "speeders", language),
        "straightlining": trc("flow step", "straightlining", language),
        "attention_checks": trc("flow step", "failed attention check", language),
        "max_missing_share": trc("flow step", "too many missing items", language),
        "analysed": trc("flow step", "analysed", language),
    }


def flow_display(flow: pd.DataFrame, params, language: str = "en") -> pd.DataFrame:
    """The exclusion flow (:attr:`csat.intake.cleaning.CleaningResult.flow`) as the report shows it, its
    steps and descriptions in ``language`` (steps in words, not the params keys); ``results/cleaning_flow.csv``
    keeps the table with its stable names for scripts.

    Examples
    --------
    >>> flow_display(demo_clean.flow, demo_params, "zh")[["step", "excluded", "description"]].head(3)
       step  excluded              description
    0  原始数据      <NA>                原始文件中的受访者
    1  重复作答         9  编号相同或所有题项答案完全相同（保留第一份）
    2  作答过快        12              答题时长 < 120 秒
    """
    texts = rule_texts(params, language)
    steps = _flow_steps(language)
    ends = {"raw": tr("respondents in the raw file", language), "analysed": tr("respondents analysed", language)}
    out = flow.copy()
    out["description"] = [ends[s] if s in ends else texts.get(s, d) for s, d in zip(flow["step"], flow["description"])]
    out["step"] = [steps.get(s, s) for s in flow["step"]]
    return out


def _rule_in_sentence(rule: str, language: str) -> str:
    """An exclusion rule's name inside a sentence (``duplicates``, ``failed attention check``)."""
    return {
        "duplicates": trc("cleaning rule", "duplicates", language),
        "speeders": trc("cleaning rule", "speeders", language),
        "straightlining": trc("cleaning rule", "straightlining", language),
        "attention_checks": trc("cleaning rule", "failed attention check", language),
        "max_missing_share": trc("cleaning rule", "too many missing items", language),
    }.get(rule, rule)


def flow_text(result: CleaningResult, language: str = "en") -> str:
    """One sentence summarising the exclusion flow in ``language``.

    Parameters
    ----------
    result : CleaningResult
        The result of :func:`csat.intake.cleaning.clean`.
    language : str
        The study's language (``params.language``).

    Returns
    -------
    str

    Examples
    --------
    >>> print(flow_text(demo_clean))
    Of 600 respondents in the raw file, 54 (9.0%) were excluded (9 duplicates, 12 speeders, ...); 546 are analysed.
    """
    n0, n1 = result.n_raw, result.n_clean
    values = dict(n_raw=n0, n_excluded=n0 - n1, share=(n0 - n1) / n0 if n0 else 0.0, n_analysed=n1)
    parts = [trc("cleaning rule", "{n} {rule}", language, n=v, rule=_rule_in_sentence(r, language))
             for r, v in result.exclusions.items() if v]
    if parts:
        txt = tr("Of {n_raw} respondents in the raw file, {n_excluded} ({share:.1%}) were excluded ({counts}; each "
                 "counted by the first rule that applies); {n_analysed} are analysed.", language,
                 counts=_clauses(parts, language), **values)
    else:
        txt = tr("Of {n_raw} respondents in the raw file, {n_excluded} ({share:.1%}) were excluded; {n_analysed} "
                 "are analysed.", language, **values)
    off = [_rule_in_sentence(r, language) for r in RULES if result.rules.get(r) == "off"]
    if off:
        txt = _sentences([txt, tr("Rules switched off: {rules}.", language, rules=_listing(off, language))], language)
    return txt


def check_data_facts(data: pd.DataFrame, params) -> list[Diagnostic]:
    """The facts of the analysed data that the later stages depend on
    (:func:`csat.intake.preflight.data_facts`: constant items, items or a sample with too few answers,
    collinear items), as diagnostics; raises :class:`csat.core.errors.DataFactError` naming the first
    fact that stops the analysis.

    Examples
    --------
    >>> from csat.config.params import load_params
    >>> p = load_params(project / "params" / "ecsi.yaml", root=project)
    >>> check_data_facts(ecsi, p)
    []
    >>> check_data_facts(ecsi.assign(sat1=5), p)
    Traceback (most recent call last):
    ...
    csat.core.errors.DataFactError: ...
    """
    facts, blocking = data_facts(data, params)
    if blocking:
        raise DataFactError(blocking[0])
    return facts


def straightlining_blocks(result: CleaningResult) -> pd.DataFrame:
    """How many kept respondents gave one answer to every item of a construct, per construct
    (``construct, respondents``; information only: the respondents are kept).

    Examples
    --------
    >>> straightlining_blocks(demo_clean).head(2)
      construct  respondents
    0      COMP           52
    1      EXPE           18
    """
    return result.block_straightlining.groupby("construct").size().rename("respondents").reset_index()


# ----------------------------------------------------------------------------- missing data
def mcar_table(mcar: dict) -> pd.DataFrame:
    """Little's MCAR test (:func:`csat.intake.cleaning.little_mcar`) as a one-row table: ``chisq, df,
    pvalue, n_patterns, n, p``."""
    return pd.DataFrame([{k: mcar[k] for k in MCAR_COLUMNS}])


def interpret_mcar(res: dict, language: str = "en") -> str:
    """One paragraph explaining a :func:`csat.intake.cleaning.little_mcar` result to a student.

    Parameters
    ----------
    res : dict
        The result of :func:`csat.intake.cleaning.little_mcar`.
    language : str
        The study's language (``params.language``).

    Returns
    -------
    str

    Examples
    --------
    >>> print(interpret_mcar({"df": 4, "chisq": 3.1, "pvalue": 0.541}, "zh"))
    Little 的 MCAR 检验：χ²(4) = 3.10, p = 0.541。没有证据表明缺失不是完全随机的（该检验不能证明 MCAR；...
    """
    if res.get("df", 0) == 0 or not np.isfinite(res.get("pvalue", float("nan"))):
        return tr("There are no missing item values (or only one missingness pattern), so Little's MCAR test does "
                  "not apply.", language)
    values = dict(df=res["df"], chisq=res["chisq"], pvalue=res["pvalue"])
    if res["pvalue"] < res.get("alpha", 0.05):
        return tr("Little's MCAR test: χ²({df}) = {chisq:.2f}, p = {pvalue:.3f}. The hypothesis that the items are "
                  "missing completely at random is rejected: whether an answer is missing depends on the answers. "
                  "Listwise deletion may bias the results; prefer full-information maximum likelihood in the SEM "
                  "(FIML) and report it.", language, **values)
    return tr("Little's MCAR test: χ²({df}) = {chisq:.2f}, p = {pvalue:.3f}. There is no evidence against missing "
              "completely at random (the test cannot prove MCAR, and with few missing values it has little power).",
              language, **values)


# ----------------------------------------------------------------------------- results
def cleaning_record(result: CleaningResult, report: IntakeReport, mcar: dict, params) -> dict:
    """What ``results/cleaning.json`` records of the stage: the counts of the exclusion flow and of the
    intake, Little's test, and the raw file(s) with their SHA-256 fingerprints.

    Parameters
    ----------
    result : CleaningResult
        The result of :func:`csat.intake.cleaning.clean`.
    report : IntakeReport
        The intake report of :func:`csat.intake.readers.load_study_data`.
    mcar : dict
        The result of :func:`csat.intake.cleaning.little_mcar`.
    params : StudyParams
        The study's parameters.

    Returns
    -------
    dict
    """
    meta, files = report.meta, params.data.files
    raw_file = {"path": " + ".join(files), "sha256": meta["sha256"], "format": meta["format"],
                "encoding": meta.get("encoding"), "sheet": meta.get("sheet")}
    if params.data.wave_files:
        raw_file["files"] = [{"path": f, "wave": m["wave"], "sha256": m["sha256"], "n_rows": m["n_rows"]}
                             for f, m in zip(files, meta["files"])]
    intake = report.to_dict()
    return {
        "n_raw": result.n_raw,
        "n_clean": result.n_clean,
        "exclusions": result.exclusions,
        "rules": result.rules,
        "out_of_range": int(len(report.out_of_range)),
        "missing_codes_found": intake["missing_codes_found"],
        "labels_applied": intake["labels_applied"],
        "missing_tokens": report.token_counts(),
        "negative_durations": int(len(report.negative_durations)),
        "all_items_missing": report.n_all_items_missing,
        "straightlining_blocks": int(len(result.block_straightlining)),
        "mcar": {k: mcar[k] for k in (*MCAR_COLUMNS, "rejected")},
        "raw_file": raw_file,
    }


# ----------------------------------------------------------------------------- diagnostics
def cleaning_diagnostics(result: CleaningResult, params, report: IntakeReport | None = None,
                         mcar: dict | None = None, *,
                         high_missing_item: float = 0.10, high_exclusion: float = 0.20) -> list[Diagnostic]:
    """Diagnostics of the cleaning stage, each with a stable code:

    ``out_of_range`` (warning, per column), ``missing_codes_found`` (info), ``all_items_missing`` (info),
    ``high_exclusion`` (warning: more than ``high_exclusion`` of the respondents excluded),
    ``high_missing_item`` (warning: item missing in more than ``high_missing_item`` of the clean data),
    ``straightlining_block`` (info), ``mcar_rejected`` (warning), ``small_sample`` (warning, n < 100).

    Parameters
    ----------
    result : CleaningResult
        The result of :func:`csat.intake.cleaning.clean`.
    params : StudyParams
        The study's parameters.
    report : IntakeReport, optional
        The intake report of :func:`csat.intake.readers.load_study_data`.
    mcar : dict, optional
        The result of :func:`csat.intake.cleaning.little_mcar`.
    high_missing_item, high_exclusion : float
        Thresholds of the two warnings.

    Returns
    -------
    list of Diagnostic
    """
    d: list[Diagnostic] = []
    if report is not None:
        oor = report.out_of_range
        for col, g in oor.groupby("column", sort=False):
            d.append(diagnostic("out_of_range", "warning", str(col),
                                N_("{n} value(s) outside the allowed range ({values}) in data row(s) {rows}{more} "
                                   "were set missing."),
                                n=len(g), values=", ".join(sorted({f"{v:g}" for v in g["value"]})),
                                rows=", ".join(str(r) for r in g["row"].head(5)), more=" …" if len(g) > 5 else ""))
        mc = report.missing_codes_found
        if len(mc):
            d.append(diagnostic("missing_codes_found", "info", "missing_codes",
                                N_("{n} cell(s) held a missing code ({codes}) and were set missing."),
                                n=int(mc["n"].sum()), codes=", ".join(sorted({str(x) for x in mc["code"]}))))
        if report.n_all_items_missing:
            d.append(diagnostic("all_items_missing", "info", "items", N_("{n} respondent(s) answered no item."),
                                n=report.n_all_items_missing))
        if hasattr(report, "diagnostics"):
            d += [Diagnostic(x.code, x.severity, x.where, x.message, message_zh=x.message_zh)
                  for x in report.diagnostics()]
    if result.n_raw:
        share = 1 - result.n_clean / result.n_raw
        if share > high_exclusion:
            d.append(diagnostic("high_exclusion", "warning", "cleaning",
                                N_("{share:.0%} of the respondents were excluded ({n_excluded} of {n_raw}); check "
                                   "the rules and the data collection."),
                                share=share, n_excluded=result.n_raw - result.n_clean, n_raw=result.n_raw))
    rates = missing_rates(result.data, list(params.items))
    for _, r in rates[rates["share"] > high_missing_item].iterrows():
        d.append(diagnostic("high_missing_item", "warning", str(r["item"]),
                            N_("{share:.1%} of the analysed respondents did not answer this item."), share=r["share"]))
    if len(result.block_straightlining):
        for cname, g in result.block_straightlining.groupby("construct", sort=False):
            d.append(diagnostic("straightlining_block", "info", str(cname),
                                N_("{n} kept respondent(s) gave the same answer to every item of this construct."),
                                n=len(g)))
    if mcar is not None and mcar.get("rejected"):
        d.append(diagnostic("mcar_rejected", "warning", "items",
                            N_("Little's MCAR test rejects MCAR (chi2({df}) = {chisq:.2f}, p = {pvalue:.4f}); "
                               "missingness depends on the data."),
                            df=mcar["df"], chisq=mcar["chisq"], pvalue=mcar["pvalue"]))
    if result.n_clean < 100:
        d.append(diagnostic("small_sample", "warning", "sample",
                            N_("only {n} respondents remain after cleaning; factor analysis and SEM estimates will "
                               "be unstable."), n=result.n_clean))
    return d
