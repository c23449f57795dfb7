"""The reader's side of 03_reliability_validity: the study's measurement model, the tables as shown and the
summary paragraph.

The statistics are :mod:`csat.stats.reliability`'s (alpha, omega, CR, AVE, HTMT, Fornell–Larcker, the
verdict table) and the measurement model is :mod:`csat.sem.measurement`'s; this module applies them to a
study (:func:`fit_measurement`: the one CFA, its results files and diagnostics; :func:`fornell_larcker_table`)
and turns them into what a reader sees in the study's language, every text from the catalog
(``csat/locale/zh/03_reliability.po``, :mod:`csat.core.i18n`): :func:`reliability_display` (coefficients as
text, "n/a" for single-item constructs, with :func:`not_applicable_note` under the table),
:func:`reliability_shown` and :func:`labelled` (the tables with the constructs' labels) and
:func:`summary_text` (the closing paragraph).  :func:`save_results` writes a stage's results files.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from csat.core.diagnostics import Diagnostic, Listing, diagnostic
from csat.core.i18n import LANGUAGES, is_chinese, tr, trc
from csat.analyses.verdicts import estimator_name, estimator_note
from csat.sem import measurement
from csat.stats import reliability as rel
from csat.stats.reliability import fmt, resolve_thresholds

__all__ = ["MEASUREMENT_FILES", "MeasurementFit", "fit_measurement", "save_results", "fornell_larcker_table", "reliability_display",
           "not_applicable_note", "reliability_shown", "labelled", "summary_text"]

_STAT_COLUMNS = ["alpha", "alpha.ci.lower", "alpha.ci.upper", "omega", "cr", "ave", "std.alpha", "average_r",
                 "lambda6", "split_half", "ave_classic", "alpha.ordinal", "omega.ordinal"]
#: the columns of the reliability table that stay in ``reliability.csv`` but are not shown
_NOT_SHOWN = ["missing", "dropped", "note"]
#: the fit measures shown for the measurement model
FIT_SHOWN = ["ntotal", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "srmr"]
#: the results files of the measurement model that stage 03 writes (04_factor_analysis reads the CFA's)
MEASUREMENT_FILES = (*measurement.CFA_FILES, "measurement_loadings.csv")


# --------------------------------------------------------------------------------------------
# the study's measurement model
# --------------------------------------------------------------------------------------------
@dataclass
class MeasurementFit:
    """The study's measurement-model fit as stage 03 reports it (:func:`fit_measurement`).

    syntax : the lavaan syntax fitted (:func:`csat.sem.measurement.measurement_model`).
    fit : the :class:`csat.sem.SEMResult`, or ``None`` when the model could not be fitted.
    error : why it could not be fitted (``None`` when it was).
    diagnostics : the fit's diagnostics (``where`` prefixed ``CFA:``), or ``cfa_failed``.
    files : the results files :data:`MEASUREMENT_FILES`, ``{name: dict or DataFrame}``, ``None`` for a file
        this run does not write (an earlier run's is removed).  :func:`save_results` writes them.
    fit_table : the fit measures shown (one row, :data:`FIT_SHOWN`), ``None`` without a fit.
    estimates, latent_cor, loadings : the estimates, the latent correlations and the loadings table
        (:func:`csat.stats.reliability.loadings_table`) of a converged fit, else ``None``.
    """

    syntax: str
    fit: Any = None
    error: str | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files: dict[str, Any] = field(default_factory=dict)
    fit_table: pd.DataFrame | None = None
    estimates: pd.DataFrame | None = None
    latent_cor: pd.DataFrame | None = None
    loadings: pd.DataFrame | None = None
    estimator: str = "ML"              #: lavaan's name of the estimator (the fit table's caption names it)
    note: str | None = None            #: what a robust estimator's table shows (:func:`estimator_note`)


def fit_measurement(data: pd.DataFrame, params, language: str | None = None) -> MeasurementFit:
    """The study's one CFA of the measurement model (:func:`csat.sem.measurement.fit_measurement_model`,
    with the study's constructs, ``model`` and ``sem_missing``), its results files and its diagnostics.

    A model that cannot be fitted gives the error diagnostic ``cfa_failed`` and removes the CFA files of
    an earlier run; a fit that did not converge writes its files but gives no estimates (no omega, CR,
    AVE, loadings or latent correlations).

    Parameters
    ----------
    data : DataFrame
        The clean data.
    params : StudyParams
        The study's parameters (``constructs``, ``model``, ``sem_missing``, ``estimator``, ``ordered``,
        ``thresholds``).  With a robust estimator the fit table shows the scaled χ² and p and the robust
        CFI, TLI and RMSEA under lavaan's names (``chisq.scaled``, ``cfi.robust``, …; the caption names the
        estimator, ``note`` says what they are).

    Returns
    -------
    MeasurementFit

    Examples
    --------
    >>> from csat.intake.preflight import load_study
    >>> p = load_study(project / "params" / "hs.yaml", root=project)
    >>> m = fit_measurement(holzinger, p)
    >>> m.error, round(float(m.fit_table["chisq"].iloc[0]), 3), list(m.files)[-1], m.loadings.shape
    (None, 85.306, 'measurement_loadings.csv', (9, 5))
    """
    constructs = {name: c.items for name, c in params.constructs.items()}
    syntax, cfa, error = measurement.fit_measurement_model(constructs=constructs, data=data, model=params.model,
                                                           missing=params.sem_missing,
                                                           estimator=getattr(params, "sem_estimator", "ml"),
                                                           ordered=getattr(params, "ordered_items", []))
    out = MeasurementFit(syntax, cfa, error)
    if cfa is None:
        out.diagnostics.append(diagnostic(
            "cfa_failed", "error", "measurement model",
            "The measurement model could not be fitted ({error}); omega, CR, AVE, loadings and the "
            "Fornell–Larcker table are not reported.", error=error))
        out.files = dict.fromkeys(measurement.CFA_FILES)
    else:
        out.diagnostics = [Diagnostic(d.code, d.severity, f"CFA: {d.where}", d.message, message_zh=d.message_zh)
                           for d in cfa.diagnostics]
        out.files = measurement.cfa_result_files(syntax, cfa, params.sem_missing, out.diagnostics)
        if cfa.converged:
            out.estimates, out.latent_cor = cfa.estimates, cfa.latent_cor()
        fm = cfa.fit_measures
        out.estimator = estimator_name(fm)
        out.note = estimator_note(fm, language or getattr(params, "language", "en"))
        out.fit_table = pd.DataFrame([{_shown_name(fm, k): fm.get(_shown_name(fm, k)) for k in FIT_SHOWN}])
    if out.estimates is not None:
        out.loadings = rel.loadings_table(out.estimates, params.thresholds)
    out.files["measurement_loadings.csv"] = out.loadings
    return out


def _shown_name(fm: Mapping[str, Any], name: str) -> str:
    """The measure shown for ``name``: for a robust fit its robust version (``cfi.robust``), else its scaled one
    (``chisq.scaled``, ``pvalue.scaled``; FIML's ``cfi.scaled``), under lavaan's name."""
    if "chisq.scaled" not in fm:
        return name
    for suffix in (".robust", ".scaled"):
        v = fm.get(name + suffix)
        if v is not None and np.isfinite(float(v)):
            return name + suffix
    return name


def save_results(stage, files: Mapping[str, Any], names: Sequence[str]) -> None:
    """Write the results files ``names`` from ``files`` (``{name: dict or DataFrame}``) to the stage's
    ``results/`` folder: a ``.json`` name with ``stage.write_json``, any other with ``stage.write_csv``; a
    name without a file (``None`` or absent) is removed (an earlier run's).  ``names`` declares what the
    stage writes (e.g. :data:`MEASUREMENT_FILES`); a file of ``files`` not named is an error.  ``stage`` is
    the notebook's :class:`csat.pipeline.stage.Stage` (anything with ``write_json``, ``write_csv`` and
    ``result_path``)."""
    unknown = [name for name in files if name not in names]
    if unknown:
        raise ValueError(f"results files {unknown} are not among the files named {list(names)}")
    for name in names:
        obj = files.get(name)
        if obj is None:
            stage.result_path(name).unlink(missing_ok=True)
        elif name.endswith(".json"):
            stage.write_json(name, obj)
        else:
            stage.write_csv(name, obj)


def fornell_larcker_table(reliability: pd.DataFrame, latent_cor: pd.DataFrame | None) -> pd.DataFrame:
    """:func:`csat.stats.reliability.fornell_larcker` of the reliability table's AVE and the measurement
    model's latent correlations; without a usable CFA (``latent_cor`` ``None``) the table of the
    constructs with missing values.

    Examples
    --------
    >>> from csat.stats.reliability import reliability_table
    >>> fornell_larcker_table(reliability_table(holzinger, {"visual": ["x1", "x2", "x3"]}), None)
      construct  visual
    0    visual     NaN
    """
    if latent_cor is None:
        names = list(reliability["construct"])
        latent_cor = pd.DataFrame(np.nan, index=names, columns=names)
    return rel.fornell_larcker(reliability.set_index("construct")["ave"], latent_cor)


# --------------------------------------------------------------------------------------------
# tables as shown
# --------------------------------------------------------------------------------------------
def reliability_display(reliability: pd.DataFrame, language: str = "en", digits: int = 3) -> pd.DataFrame:
    """The :func:`csat.stats.reliability.reliability_table` for showing: numbers rounded to ``digits`` as
    text, and the coefficients of single-item constructs shown as "n/a" ("不适用";
    :func:`not_applicable_note`) — a single item has no internal consistency and, measured without error
    in the CFA, no omega, CR or AVE; these are not applicable rather than missing.

    Parameters
    ----------
    reliability : DataFrame
        The table of :func:`csat.stats.reliability.reliability_table`.
    language : str
        Language of the "n/a" text (:data:`csat.core.i18n.LANGUAGES`).
    digits : int
        Decimals shown.

    Returns
    -------
    DataFrame
        A copy with the coefficient columns as text.

    Examples
    --------
    >>> from csat.stats.reliability import reliability_table
    >>> cons = {"visual": ["x1", "x2", "x3"], "age": ["ageyr"]}
    >>> reliability_display(reliability_table(holzinger, cons), language="zh")[["construct", "alpha"]]
      construct  alpha
    0    visual  0.626
    1       age    不适用
    """
    out = reliability.copy()
    single = out["n_items"] < 2
    na = trc("reliability", "n/a", language)
    for c in [c for c in _STAT_COLUMNS if c in out.columns]:
        vals = out[c].astype(float)
        out[c] = [na if s else ("" if not np.isfinite(v) else f"{v:.{digits}f}") for v, s in zip(vals, single)]
    return out


def not_applicable_note(reliability: pd.DataFrame, language: str = "en") -> str | None:
    """The note under the reliability table when a construct has a single item (what "n/a" means), else
    ``None``.

    Examples
    --------
    >>> from csat.stats.reliability import reliability_table
    >>> not_applicable_note(reliability_table(holzinger, {"age": ["ageyr"]}), "zh")[:16]
    '不适用：单题项维度没有内部一致性'
    >>> not_applicable_note(reliability_table(holzinger, {"visual": ["x1", "x2", "x3"]})) is None
    True
    """
    if not (reliability["n_items"] < 2).any():
        return None
    return tr("n/a: a single-item construct has no internal consistency; it is taken as measured without error "
              "(residual variance fixed at 0), so omega, CR and AVE do not apply either.", language)


def labelled(table: pd.DataFrame, labels: Mapping[str, str]) -> pd.DataFrame:
    """``table`` with its ``construct`` column shown by the constructs' labels (``params.construct_label``).

    Examples
    --------
    >>> labelled(pd.DataFrame({"construct": ["SAT"], "alpha": [0.9]}), {"SAT": "Satisfaction"})
          construct  alpha
    0  Satisfaction    0.9
    """
    return table.assign(construct=table["construct"].map(labels))


def with_ordinal(reliability: pd.DataFrame, data: pd.DataFrame, params, estimates: Any = None) -> pd.DataFrame:
    """The reliability table with ordinal alpha and categorical omega (``alpha.ordinal``, ``omega.ordinal``,
    after ``ave``) when the study has ``ordered`` items: :func:`csat.stats.reliability.ordinal_reliability_table`
    for every construct whose items are all ordinal (NaN for the others); unchanged without ``ordered``.

    ``alpha.ordinal`` is alpha on the polychoric correlations (``psych::alpha`` of
    ``psych::polychoric(x, correct = 0)$rho``); ``omega.ordinal`` is Green & Yang's (2009) omega of the sum
    score from the WLSMV measurement model ``estimates`` (``semTools::compRelSEM``).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> d = pd.read_csv("tests/reference/ordinal_hs5.csv")
    >>> p = SimpleNamespace(ordered_items=list(d.columns),
    ...                     constructs={"visual": SimpleNamespace(items=["x1", "x2", "x3"])})
    >>> with_ordinal(rel.reliability_table(d, {"visual": ["x1", "x2", "x3"]}), d, p)[["alpha", "alpha.ordinal"]].round(3)
       alpha  alpha.ordinal
    0  0.625          0.695

    In R: ``psych::alpha(d[, 1:3])$total$raw_alpha`` → 0.625 and
    ``psych::alpha(psych::polychoric(d[, 1:3], correct = 0)$rho)$total$raw_alpha`` → 0.695.
    """
    ordered = set(getattr(params, "ordered_items", []) or [])
    if not ordered:
        return reliability
    cons = {name: list(c.items) for name, c in params.constructs.items() if set(c.items) <= ordered}
    ordinal = rel.ordinal_reliability_table(data, cons, estimates)
    out = reliability.merge(ordinal, on="construct", how="left")
    cols = list(reliability.columns)
    at = cols.index("ave") + 1 if "ave" in cols else len(cols)
    return out[cols[:at] + ["alpha.ordinal", "omega.ordinal"] + cols[at:]]


def reliability_shown(reliability: pd.DataFrame, labels: Mapping[str, str], language: str = "en") -> pd.DataFrame:
    """The reliability table as the report shows it: :func:`reliability_display` without the bookkeeping
    columns (``missing``, ``dropped``, ``note``: they stay in ``reliability.csv``), constructs by label."""
    return labelled(reliability_display(reliability, language).drop(columns=_NOT_SHOWN), labels)


# --------------------------------------------------------------------------------------------
# the summary paragraph
# --------------------------------------------------------------------------------------------
def _count(v: pd.Series) -> tuple[int, int]:
    v = v.dropna()
    return int(v.astype(bool).sum()), int(len(v))


def _range_txt(df: pd.DataFrame, col: str, language: str) -> str:
    s = df[["construct", col]].dropna()
    if s.empty:
        return ""
    lo, hi = s.loc[s[col].idxmin()], s.loc[s[col].idxmax()]
    if len(s) == 1:
        return f"{fmt(lo[col])} ({lo['construct']})"
    return tr("{low} ({low_construct}) to {high} ({high_construct})", language,
              low=fmt(lo[col]), low_construct=lo["construct"], high=fmt(hi[col]), high_construct=hi["construct"])


def summary_text(verdict: pd.DataFrame, reliability: pd.DataFrame, thresholds: Any = None,
                 language: str = "en", htmt_matrix: pd.DataFrame | None = None) -> str:
    """A short paragraph in ``language`` summarising the reliability and validity checks.

    Counts how many constructs meet each criterion, gives the range of alpha/CR/AVE and the
    largest HTMT, and closes with the caveat that the thresholds are conventions: meeting
    them is consistent with, not proof of, reliable and valid measurement.

    Parameters
    ----------
    verdict : DataFrame
        The verdict table of :func:`csat.stats.reliability.validity_verdict`.
    reliability : DataFrame
        :func:`csat.stats.reliability.reliability_table`.
    thresholds : mapping or ``params.thresholds``, optional
    language : str
        One of :data:`csat.core.i18n.LANGUAGES`.
    htmt_matrix : DataFrame, optional
        Not used by the text (the largest HTMT comes from ``verdict``); accepted for symmetry.

    Returns
    -------
    str

    Examples
    --------
    >>> from csat.stats.reliability import reliability_table, validity_verdict
    >>> tab = reliability_table(holzinger, {"visual": ["x1", "x2", "x3"]})
    >>> print(summary_text(validity_verdict(tab)[0], tab, language="zh").split("。")[0])
    本阶段检验了 1 个维度的信度与效度（n = 301，缺失值按成对删除处理）
    >>> print(summary_text(validity_verdict(tab)[0], tab).split(". ")[1])
    Cronbach's alpha ranged from 0.63 (visual); 0 of 1 reached 0.70
    """
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {sorted(LANGUAGES)}, not {language!r}")
    t = resolve_thresholds(thresholds)
    k = len(reliability)
    n = int(reliability["n"].max()) if k else 0
    miss = str(reliability["missing"].iloc[0]) if k and "missing" in reliability else "pairwise"
    handled = (trc("missing data", "pairwise", language) if miss == "pairwise" else
               trc("missing data", "listwise", language))
    parts = [tr("Reliability and validity were checked for {k} construct (n = {n}; missing answers handled "
                "{missing}).", language, k=k, n=n, missing=handled) if k == 1 else
             tr("Reliability and validity were checked for {k} constructs (n = {n}; missing answers handled "
                "{missing}).", language, k=k, n=n, missing=handled)]
    a_ok, a_n = _count(verdict["alpha_ok"])
    if a_n:
        parts.append(tr("Cronbach's alpha ranged from {range}; {ok} of {total} reached {threshold}.", language,
                        range=_range_txt(reliability, "alpha", language), ok=a_ok, total=a_n,
                        threshold=fmt(t["alpha"])))
    c_ok, c_n = _count(verdict["cr_ok"])
    v_ok, v_n = _count(verdict["ave_ok"])
    if c_n:
        parts.append(tr("Composite reliability (CR) ranged from {range}; {ok} of {total} reached {threshold}.",
                        language, range=_range_txt(reliability, "cr", language), ok=c_ok, total=c_n,
                        threshold=fmt(t["cr"])))
    if v_n:
        parts.append(tr("The average variance extracted (AVE) reached {threshold} for {ok} of {total}.", language,
                        threshold=fmt(t["ave"]), ok=v_ok, total=v_n))
    if "loadings" in verdict and (verdict["loadings"] != "").any():
        weak = verdict.loc[verdict["loadings"] == "weak", "construct"].tolist()
        if weak:
            parts.append(tr("Some standardized loadings were below {threshold} in: {constructs}.", language,
                            threshold=fmt(t["loading"]), constructs=Listing(weak).text(language)))
        else:
            parts.append(tr("All standardized loadings were at least {threshold}.", language,
                            threshold=fmt(t["loading"])))
    h_ok, h_n = _count(verdict["htmt_ok"])
    fl_ok, fl_n = _count(verdict["fornell_larcker_ok"])
    if h_n:
        hmax, ht = fmt(verdict["htmt_max"].max()), fmt(t["htmt"])
        parts.append(tr("The largest HTMT was {max}; all were below {threshold}.", language, max=hmax, threshold=ht)
                     if h_ok == h_n else
                     tr("The largest HTMT was {max}; {n} construct(s) had an HTMT of {threshold} or more with another "
                        "construct.", language, max=hmax, n=h_n - h_ok, threshold=ht))
    if fl_n:
        parts.append(tr("The Fornell–Larcker criterion held for {ok} of {total} construct.", language,
                        ok=fl_ok, total=fl_n) if fl_n == 1 else
                     tr("The Fornell–Larcker criterion held for {ok} of {total} constructs.", language,
                        ok=fl_ok, total=fl_n))
    parts.append(tr("These thresholds are conventions: meeting them is consistent with, but does not prove, reliable "
                    "and valid measurement, and a construct that misses one deserves a closer look rather than "
                    "automatic removal.", language))
    return ("" if is_chinese(language) else " ").join(parts)
