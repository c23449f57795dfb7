"""Tables as the reader sees them: every cell and header in the report's language, no program-speak.

:func:`display_table` turns a results frame (the tidy tables written to ``results/*.csv``, named as lavaan
and psych name things) into the text a report prints, without changing the frame or the file:

- headers in the report's language (``p.holm`` → ``Holm 校正 p 值``; English keeps its names), and the
  bilingual pairs of ``ipma.csv`` (``quadrant_en``/``quadrant_zh``) shown as one column in the language;
- categorical cells by their names (``welch_t`` → ``Welch t 检验``, ``good`` → ``良好``), yes/no for
  booleans, group columns and levels, Kano features and SERVQUAL dimensions by their labels
  (:mod:`csat.analyses.labels`);
- numbers without program-speak: no ``<NA>``/``nan`` (empty cells), no negative zero (``-0.00``), whole
  numbers as whole numbers (a df of ``365``, not ``365.000``), shares as percentages;
- columns with no value at all (``bic`` of k-means, an empty ``note``) left out.

The stage's ``table`` (:meth:`csat.pipeline.stage.Stage.table`) calls it for every table it shows.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pandas as pd

from csat.core.i18n import trc

__all__ = ["display_table", "format_number", "header_name", "cell_name", "option_name", "yes_no", "percent", "kano_category_name"]


def format_number(x, digits: int = 3, *, whole: bool = False) -> str:
    """A number as a table prints it: ``digits`` decimals, never ``-0.000``, ``""`` for a missing value;
    ``whole``: a whole number without decimals.

    >>> format_number(-0.0001, 2), format_number(365.0, 3, whole=True), format_number(float("nan")), format_number(2.5, 1)
    ('0.00', '365', '', '2.5')
    >>> format_number(-1.5, 0), format_number(12, 3), format_number(None)
    ('-2', '12', '')
    """
    if x is None or x is pd.NA or isinstance(x, (bool, np.bool_)):
        return "" if x is None or x is pd.NA else str(x)
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(v):
        return ""
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    if isinstance(x, (int, np.integer)) or (whole and v.is_integer()):
        return str(int(v))
    s = f"{v:.{digits}f}"
    if s.startswith("-") and float(s) == 0:
        s = s[1:]
    return s


def percent(x, digits: int = 0) -> str:
    """A share (0–1) as a percentage: ``0.5327`` → ``53%``; ``""`` when missing.

    >>> percent(0.5327), percent(0.5327, 1), percent(float("nan"))
    ('53%', '53.3%', '')
    """
    if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)):
        return ""
    return format_number(100 * float(x), digits) + "%"


def yes_no(value: bool, language: str = "en") -> str:
    """A boolean cell: ``yes``/``no`` (是/否)."""
    return trc("table cell", "yes", language) if bool(value) else trc("table cell", "no", language)


@lru_cache(maxsize=None)
def _headers(language: str) -> dict[str, str]:
    return {
        "Cumulative Proportion": trc("table header", "Cumulative Proportion", language),
        "Cumulative Var": trc("table header", "Cumulative Var", language),
        "Proportion Explained": trc("table header", "Proportion Explained", language),
        "Proportion Var": trc("table header", "Proportion Var", language),
        "SS loadings": trc("table header", "SS loadings", language),
        "achieved": trc("table header", "achieved", language),
        "action": trc("table header", "action", language),
        "active": trc("table header", "active", language),
        "alpha": trc("table header", "alpha", language),
        "alpha.ci.lower": trc("table header", "alpha.ci.lower", language),
        "alpha.ci.upper": trc("table header", "alpha.ci.upper", language),
        "alpha.if.deleted": trc("table header", "alpha.if.deleted", language),
        "alpha_ok": trc("table header", "alpha_ok", language),
        "ave": trc("table header", "ave", language),
        "ave_classic": trc("table header", "ave_classic", language),
        "ave_ok": trc("table header", "ave_ok", language),
        "average_r": trc("table header", "average_r", language),
        "beta": trc("table header", "beta", language),
        "better": trc("table header", "better", language),
        "bottom2": trc("table header", "bottom2", language),
        "category": trc("table header", "category", language),
        "ci.lower": trc("table header", "ci.lower", language),
        "ci.lower.w": trc("table header", "ci.lower.w", language),
        "ci.upper": trc("table header", "ci.upper", language),
        "ci.upper.w": trc("table header", "ci.upper.w", language),
        "code": trc("table header", "code", language),
        "column": trc("table header", "column", language),
        "construct": trc("table header", "construct", language),
        "cr": trc("table header", "cr", language),
        "cr_ok": trc("table header", "cr_ok", language),
        "cramers_v": trc("table header", "cramers_v", language),
        "criterion": trc("table header", "criterion", language),
        "cross_loading_on": trc("table header", "cross_loading_on", language),
        "cv": trc("table header", "cv", language),
        "d_z": trc("table header", "d_z", language),
        "deff": trc("table header", "deff", language),
        "description": trc("table header", "description", language),
        "detractors": trc("table header", "detractors", language),
        "df": trc("table header", "df", language),
        "df2": trc("table header", "df2", language),
        "diff": trc("table header", "diff", language),
        "dimension": trc("table header", "dimension", language),
        "direct": trc("table header", "direct", language),
        "effect": trc("table header", "effect", language),
        "effect_size": trc("table header", "effect_size", language),
        "epc": trc("table header", "epc", language),
        "est": trc("table header", "est", language),
        "estimate": trc("table header", "estimate", language),
        "excluded": trc("table header", "excluded", language),
        "expectation": trc("table header", "expectation", language),
        "factor": trc("table header", "factor", language),
        "factor_construct": trc("table header", "factor_construct", language),
        "factors": trc("table header", "factors", language),
        "feature": trc("table header", "feature", language),
        "fornell_larcker_ok": trc("table header", "fornell_larcker_ok", language),
        "from": trc("table header", "from", language),
        "gap": trc("table header", "gap", language),
        "group": trc("table header", "group", language),
        "h2": trc("table header", "h2", language),
        "hedges_g": trc("table header", "hedges_g", language),
        "htmt_max": trc("table header", "htmt_max", language),
        "htmt_ok": trc("table header", "htmt_ok", language),
        "importance": trc("table header", "importance", language),
        "index": trc("table header", "index", language),
        "index.ci.lower": trc("table header", "index.ci.lower", language),
        "index.ci.upper": trc("table header", "index.ci.upper", language),
        "indirect": trc("table header", "indirect", language),
        "item": trc("table header", "item", language),
        "k": trc("table header", "k", language),
        "kish_neff": trc("table header", "kish_neff", language),
        "kurtosis": trc("table header", "kurtosis", language),
        "label": trc("table header", "label", language),
        "lambda6": trc("table header", "lambda6", language),
        "level": trc("table header", "level", language),
        "levels": trc("table header", "levels", language),
        "lhs": trc("table header", "lhs", language),
        "lmg.ci.lower": trc("table header", "lmg.ci.lower", language),
        "lmg.ci.upper": trc("table header", "lmg.ci.upper", language),
        "lmg.share": trc("table header", "lmg.share", language),
        "loading": trc("table header", "loading", language),
        "loadings": trc("table header", "loadings", language),
        "match": trc("table header", "match", language),
        "max": trc("table header", "max", language),
        "mean": trc("table header", "mean", language),
        "mean.A": trc("table header", "mean.A", language),
        "mean.B": trc("table header", "mean.B", language),
        "mean.e": trc("table header", "mean.e", language),
        "mean.p": trc("table header", "mean.p", language),
        "measure": trc("table header", "measure", language),
        "median": trc("table header", "median", language),
        "mi": trc("table header", "mi", language),
        "min": trc("table header", "min", language),
        "min_expected": trc("table header", "min_expected", language),
        "min_loading": trc("table header", "min_loading", language),
        "missing": trc("table header", "missing", language),
        "n": trc("table header", "n", language),
        "n_eff": trc("table header", "n_eff", language),
        "n_failed": trc("table header", "n_failed", language),
        "n_inadmissible": trc("table header", "n_inadmissible", language),
        "n_items": trc("table header", "n_items", language),
        "n_ok": trc("table header", "n_ok", language),
        "n_patterns": trc("table header", "n_patterns", language),
        "n_requested": trc("table header", "n_requested", language),
        "name": trc("table header", "name", language),
        "note": trc("table header", "note", language),
        "n_off_scale": trc("table header", "n_off_scale", language),
        "reason": trc("table header", "reason", language),
        "label.lhs": trc("table header", "label.lhs", language),
        "label.rhs": trc("table header", "label.rhs", language),
        "ntotal": trc("table header", "ntotal", language),
        "omega": trc("table header", "omega", language),
        "op": trc("table header", "op", language),
        "p": trc("table header", "p", language),
        "p.holm": trc("table header", "p.holm", language),
        "p_detractors": trc("table header", "p_detractors", language),
        "p_passives": trc("table header", "p_passives", language),
        "p_promoters": trc("table header", "p_promoters", language),
        "passives": trc("table header", "passives", language),
        "perception": trc("table header", "perception", language),
        "performance": trc("table header", "performance", language),
        "predictor": trc("table header", "predictor", language),
        "promoters": trc("table header", "promoters", language),
        "pvalue": trc("table header", "pvalue", language),
        "quadrant": trc("table header", "quadrant", language),
        "r": trc("table header", "r", language),
        "r.drop": trc("table header", "r.drop", language),
        "ratio": trc("table header", "ratio", language),
        "relative_weight": trc("table header", "relative_weight", language),
        "remaining": trc("table header", "remaining", language),
        "respondents": trc("table header", "respondents", language),
        "reverse_keyed": trc("table header", "reverse_keyed", language),
        "rhs": trc("table header", "rhs", language),
        "row": trc("table header", "row", language),
        "rule": trc("table header", "rule", language),
        "sample_share": trc("table header", "sample_share", language),
        "scale_max": trc("table header", "scale_max", language),
        "scale_min": trc("table header", "scale_min", language),
        "sd": trc("table header", "sd", language),
        "se": trc("table header", "se", language),
        "seed": trc("table header", "seed", language),
        "segment": trc("table header", "segment", language),
        "sepc.all": trc("table header", "sepc.all", language),
        "share": trc("table header", "share", language),
        "silhouette": trc("table header", "silhouette", language),
        "skew": trc("table header", "skew", language),
        "source": trc("table header", "source", language),
        "split_half": trc("table header", "split_half", language),
        "statistic": trc("table header", "statistic", language),
        "std.all": trc("table header", "std.all", language),
        "std.alpha": trc("table header", "std.alpha", language),
        "std.direct": trc("table header", "std.direct", language),
        "std.indirect": trc("table header", "std.indirect", language),
        "std.total": trc("table header", "std.total", language),
        "std.total.ci.lower": trc("table header", "std.total.ci.lower", language),
        "std.total.ci.upper": trc("table header", "std.total.ci.upper", language),
        "step": trc("table header", "step", language),
        "sum": trc("table header", "sum", language),
        "t": trc("table header", "t", language),
        "target": trc("table header", "target", language),
        "test": trc("table header", "test", language),
        "to": trc("table header", "to", language),
        "token": trc("table header", "token", language),
        "top2": trc("table header", "top2", language),
        "total": trc("table header", "total", language),
        "u2": trc("table header", "u2", language),
        "unweighted": trc("table header", "unweighted", language),
        "value": trc("table header", "value", language),
        "variable": trc("table header", "variable", language),
        "verdict": trc("table header", "verdict", language),
        "weighted": trc("table header", "weighted", language),
        "what": trc("table header", "what", language),
        "wording": trc("table header", "wording", language),
        "workers": trc("table header", "workers", language),
        "worse": trc("table header", "worse", language),
        "z": trc("table header", "z", language),
        "chisq": trc("table header", "chisq", language),
        "cfi": trc("table header", "cfi", language),
        "tli": trc("table header", "tli", language),
        "rmsea": trc("table header", "rmsea", language),
        "rmsea.ci.lower": trc("table header", "rmsea.ci.lower", language),
        "rmsea.ci.upper": trc("table header", "rmsea.ci.upper", language),
        "srmr": trc("table header", "srmr", language),
        "aic": trc("table header", "aic", language),
        "bic": trc("table header", "bic", language),
        "nps": trc("table header", "nps", language),
        "vif": trc("table header", "vif", language),
        "converged": trc("table header", "converged", language),
        "htmt": trc("table header", "htmt", language),
        "indirect.ci.lower": trc("table header", "indirect.ci.lower", language),
        "indirect.ci.upper": trc("table header", "indirect.ci.upper", language),
        "iterations": trc("table header", "iterations", language),
        "loading.ci.lower": trc("table header", "loading.ci.lower", language),
        "loading.ci.upper": trc("table header", "loading.ci.upper", language),
        "mode": trc("table header", "mode", language),
        "r2.adj": trc("table header", "r2.adj", language),
        "residual": trc("table header", "residual", language),
        "total.ci.lower": trc("table header", "total.ci.lower", language),
        "total.ci.upper": trc("table header", "total.ci.upper", language),
        "weight": trc("table header", "weight", language),
        "weight.ci.lower": trc("table header", "weight.ci.lower", language),
        "weight.ci.upper": trc("table header", "weight.ci.upper", language),
        "r2": trc("table header", "r2", language),
        "direct.ci.lower": trc("table header", "direct.ci.lower", language),
        "direct.ci.upper": trc("table header", "direct.ci.upper", language),
        "lmg": trc("table header", "lmg", language),
        # robust and ordinal estimators (MLR, MLM, WLSMV): lavaan's names of the scaled and robust measures, the
        # ordinal reliabilities, and the columns of the invariance table
        "chisq.scaled": trc("table header", "chisq.scaled", language),
        "df.scaled": trc("table header", "df.scaled", language),
        "pvalue.scaled": trc("table header", "pvalue.scaled", language),
        "chisq.scaling.factor": trc("table header", "chisq.scaling.factor", language),
        "cfi.scaled": trc("table header", "cfi.scaled", language),
        "tli.scaled": trc("table header", "tli.scaled", language),
        "rmsea.scaled": trc("table header", "rmsea.scaled", language),
        "cfi.robust": trc("table header", "cfi.robust", language),
        "tli.robust": trc("table header", "tli.robust", language),
        "rmsea.robust": trc("table header", "rmsea.robust", language),
        "rmsea.ci.lower.robust": trc("table header", "rmsea.ci.lower.robust", language),
        "rmsea.ci.upper.robust": trc("table header", "rmsea.ci.upper.robust", language),
        "rmsea.ci.lower.scaled": trc("table header", "rmsea.ci.lower.scaled", language),
        "rmsea.ci.upper.scaled": trc("table header", "rmsea.ci.upper.scaled", language),
        "alpha.ordinal": trc("table header", "alpha.ordinal", language),
        "omega.ordinal": trc("table header", "omega.ordinal", language),
        "model": trc("table header", "model", language),
        "npar": trc("table header", "npar", language),
        "chisq.diff": trc("table header", "chisq.diff", language),
        "df.diff": trc("table header", "df.diff", language),
        "pvalue.diff": trc("table header", "pvalue.diff", language),
        "delta.cfi": trc("table header", "delta.cfi", language),
        "delta.rmsea": trc("table header", "delta.rmsea", language),
        "group1": trc("table header", "group1", language),
        "group2": trc("table header", "group2", language),
        "est.group1": trc("table header", "est.group1", language),
        "est.group2": trc("table header", "est.group2", language),
        "pvalue.henseler": trc("table header", "pvalue.henseler", language),
        "pvalue.permutation": trc("table header", "pvalue.permutation", language),
        "pvalue.henseler.1sided": trc("table header", "pvalue.henseler.1sided", language),
        "n.group1": trc("table header", "n.group1", language),
        "n.group2": trc("table header", "n.group2", language),
        "configural": trc("table header", "configural", language),
        "c": trc("table header", "c", language),
        "c.q05": trc("table header", "c.q05", language),
        "pvalue.c": trc("table header", "pvalue.c", language),
        "compositional": trc("table header", "compositional", language),
        "mean.diff": trc("table header", "mean.diff", language),
        "mean.lower": trc("table header", "mean.lower", language),
        "mean.upper": trc("table header", "mean.upper", language),
        "pvalue.mean": trc("table header", "pvalue.mean", language),
        "equal.mean": trc("table header", "equal.mean", language),
        "logvar.ratio": trc("table header", "logvar.ratio", language),
        "logvar.lower": trc("table header", "logvar.lower", language),
        "logvar.upper": trc("table header", "logvar.upper", language),
        "pvalue.logvar": trc("table header", "pvalue.logvar", language),
        "equal.var": trc("table header", "equal.var", language),
        "invariance": trc("table header", "invariance", language),
        "indicator": trc("table header", "indicator", language),
        "rmse.pls": trc("table header", "rmse.pls", language),
        "mae.pls": trc("table header", "mae.pls", language),
        "rmse.lm": trc("table header", "rmse.lm", language),
        "mae.lm": trc("table header", "mae.lm", language),
        "q2.predict": trc("table header", "q2.predict", language),
        "rmse.pls.insample": trc("table header", "rmse.pls.insample", language),
        "mae.pls.insample": trc("table header", "mae.pls.insample", language),
        "rmse.lm.insample": trc("table header", "rmse.lm.insample", language),
        "mae.lm.insample": trc("table header", "mae.lm.insample", language),
    }


def header_name(column, language: str = "en") -> str:
    """A results column's header in ``language`` (English: the column's own name).

    >>> header_name("p.holm", "en"), header_name("p.holm", "zh"), header_name("IMAG", "zh")
    ('p.holm', 'Holm 校正 p 值', 'IMAG')
    """
    if not isinstance(column, str):
        return column
    return _headers(language).get(column, column)


@lru_cache(maxsize=None)
def _cells(language: str) -> dict[str, str]:
    return {
        "welch_t": trc("table cell", "Welch t test", language),
        "single-item construct: undefined": trc("table cell", "single-item construct: undefined", language),
        "welch_anova": trc("table cell", "Welch ANOVA", language),
        "mann_whitney": trc("table cell", "Mann–Whitney test", language),
        "kruskal_wallis": trc("table cell", "Kruskal–Wallis test", language),
        "chi_square": trc("table cell", "chi-square test", language),
        "hedges_g": trc("table cell", "Hedges' g", language),
        "omega_sq": trc("table cell", "ω²", language),
        "epsilon_sq": trc("table cell", "ε²", language),
        "rank_biserial_r": trc("table cell", "rank-biserial r", language),
        "cramers_v": trc("table cell", "Cramér's V", language),
        "good": trc("verdict", "good", language),
        "acceptable": trc("verdict", "acceptable", language),
        "poor": trc("verdict", "poor", language),
        "weak": trc("table cell", "weak", language),
        "pearson": trc("table cell", "Pearson", language),
        "spearman": trc("table cell", "Spearman", language),
        "kmeans": trc("table cell", "k-means", language),
        "ward": trc("table cell", "Ward", language),
        "gmm": trc("table cell", "Gaussian mixture", language),
        "(empty)": trc("table cell", "(empty)", language),
        "index": trc("table cell", "0–100 index", language),
        "nps": trc("table cell", "NPS", language),
        "rake": trc("table cell", "raking", language),
        "chisq": trc("table cell", "χ²", language),
        "df": trc("table cell", "df", language),
        "pvalue": trc("table cell", "p", language),
        "ntotal": trc("table cell", "n", language),
        "cfi": trc("table cell", "CFI", language),
        "tli": trc("table cell", "TLI", language),
        "rmsea": trc("table cell", "RMSEA", language),
        "rmsea.ci.lower": trc("table cell", "RMSEA 90% CI lower", language),
        "rmsea.ci.upper": trc("table cell", "RMSEA 90% CI upper", language),
        "srmr": trc("table cell", "SRMR", language),
        "aic": trc("table cell", "AIC", language),
        "bic": trc("table cell", "BIC", language),
        # the fit table of a robust or ordinal estimator: lavaan's names of its scaled and robust measures
        "chisq.scaled": trc("table cell", "chisq.scaled", language),
        "df.scaled": trc("table cell", "df.scaled", language),
        "pvalue.scaled": trc("table cell", "pvalue.scaled", language),
        "chisq.scaling.factor": trc("table cell", "chisq.scaling.factor", language),
        "cfi.scaled": trc("table cell", "cfi.scaled", language),
        "tli.scaled": trc("table cell", "tli.scaled", language),
        "rmsea.scaled": trc("table cell", "rmsea.scaled", language),
        "cfi.robust": trc("table cell", "cfi.robust", language),
        "tli.robust": trc("table cell", "tli.robust", language),
        "rmsea.robust": trc("table cell", "rmsea.robust", language),
        "rmsea.ci.lower.robust": trc("table cell", "rmsea.ci.lower.robust", language),
        "rmsea.ci.upper.robust": trc("table cell", "rmsea.ci.upper.robust", language),
        "rmsea.ci.lower.scaled": trc("table cell", "rmsea.ci.lower.scaled", language),
        "rmsea.ci.upper.scaled": trc("table cell", "rmsea.ci.upper.scaled", language),
        # measurement invariance (04): the models and the verdicts of their steps
        "configural": trc("table cell", "configural", language),
        "thresholds": trc("table cell", "thresholds", language),
        "metric": trc("table cell", "metric", language),
        "scalar": trc("table cell", "scalar", language),
        "holds": trc("table cell", "holds", language),
        "rejected": trc("table cell", "rejected", language),
        "not converged": trc("table cell", "not converged", language),
    }


@lru_cache(maxsize=None)
def _options(language: str) -> dict[str, str]:
    return {
        "pairwise": trc("missing data", "pairwise", language),
        "listwise": trc("missing data", "listwise", language),
        "mean": trc("missing data", "mean replacement", language),   # PLS: missing answers replaced by the item mean
        "fiml": trc("option", "full-information ML", language),
        "minres": trc("option", "minimum residual", language),
        "principal": trc("option", "principal axis", language),
        "oblimin": trc("option", "oblimin", language),
        "promax": trc("option", "promax", language),
        "varimax": trc("option", "varimax", language),
        "rake": trc("option", "raking", language),
        "column": trc("option", "given weights", language),
        "column+rake": trc("option", "given weights, raked", language),
    }


def option_name(value, language: str = "en"):
    """A params option named in a sentence or caption (missing-data handling, EFA extraction and rotation)
    as the reader reads it; any other value unchanged.

    >>> option_name("listwise", "zh"), option_name("fiml"), option_name("oblimin", "zh"), option_name("SAT", "zh")
    ('列表删除', 'full-information ML', '直接斜交', 'SAT')
    """
    if not isinstance(value, str):
        return value
    return _options(language).get(value, value)


def cell_name(value, language: str = "en"):
    """A categorical cell (a test, an effect size, a verdict, a method) by its name in ``language``;
    any other value unchanged.

    >>> cell_name("welch_t", "zh"), cell_name("welch_t"), cell_name("good", "zh"), cell_name("IMAG", "zh")
    ('Welch t 检验', 'Welch t test', '良好', 'IMAG')
    """
    if not isinstance(value, str):
        return value
    return _cells(language).get(value, value)


#: Columns holding a share (0–1), shown as a percentage.
SHARE_COLUMNS = frozenset({"share", "sample_share", "achieved", "target_share", "p_promoters", "p_passives",
                           "p_detractors", "lmg.share"})
#: Columns of counts and degrees of freedom: a whole number is printed without decimals even when other
#: rows of the column have decimals (Welch's df beside a t-test's).
WHOLE_COLUMNS = frozenset({"df", "df2", "n", "ntotal", "n_items", "k", "missing", "excluded", "remaining", "row",
                           "respondents", "n_patterns", "npar", "n_ok", "n_failed", "n_requested", "n_inadmissible"})

_KANO = ("A", "O", "M", "I", "R", "Q")


def kano_category_name(category: str, language: str = "en") -> str:
    """The name of a Kano category (a letter of :data:`csat.stats.kano.CATEGORIES`) in ``language``.

    >>> kano_category_name("M")
    'must-be'
    """
    names = {"A": trc("Kano category", "attractive", language), "O": trc("Kano category", "one-dimensional", language),
             "M": trc("Kano category", "must-be", language), "I": trc("Kano category", "indifferent", language),
             "R": trc("Kano category", "reverse", language), "Q": trc("Kano category", "questionable", language)}
    return names[category]


def _empty(col: pd.Series) -> bool:
    return bool(col.map(lambda v: v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))
                        or (isinstance(v, str) and not v.strip())).all())


def _is_bool_column(col: pd.Series) -> bool:
    vals = [v for v in col if not (v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)))]
    return bool(vals) and all(isinstance(v, (bool, np.bool_)) for v in vals)


#: Rows of a long table (``measure``/``value``: lavaan's fit measures) that hold counts: printed whole.
WHOLE_ROWS = frozenset({"df", "ntotal", "npar", "nobs", "n", "baseline.df", "df.scaled", "n_items", "k"})


def _whole_rows(df: pd.DataFrame) -> pd.Series:
    """Rows naming a count in a text cell (``df``, ``ntotal`` …): their numbers are whole numbers."""
    texts = [c for c in df.columns if df[c].dtype == object or pd.api.types.is_string_dtype(df[c])]
    if not texts:
        return pd.Series(False, index=df.index)
    return df[texts].apply(lambda r: any(isinstance(v, str) and v in WHOLE_ROWS for v in r), axis=1)


def _format_column(col: pd.Series, name, digits: int, language: str, whole_rows=None) -> pd.Series:
    if _is_bool_column(col):
        return col.map(lambda v: yes_no(v, language) if isinstance(v, (bool, np.bool_)) else "")
    nums = pd.to_numeric(col, errors="coerce") if col.dtype.kind in "iufb" or col.dtype == object else None
    numeric = nums is not None and col.dtype.kind in "iuf" or (
        nums is not None and col.dtype == object and col.map(lambda v: isinstance(v, (int, float, np.number))
                                                               and not isinstance(v, bool)).all())
    if col.dtype.kind in "iuf" or str(col.dtype) in ("Int64", "Float64", "Int32") or numeric:
        vals = pd.to_numeric(col, errors="coerce").astype("float64")
        if isinstance(name, str) and name in SHARE_COLUMNS and vals.dropna().between(0, 1).all():
            return vals.map(lambda v: percent(v, 1))
        finite = vals.dropna()
        whole_col = bool(len(finite)) and bool(np.all(np.mod(finite.to_numpy(), 1) == 0)) and (
            finite.abs().max() > 1 or str(col.dtype).lower().startswith("int"))
        per_cell = isinstance(name, str) and name in WHOLE_COLUMNS
        if whole_rows is not None and bool(whole_rows.any()):
            return pd.Series([format_number(v, digits, whole=whole_col or per_cell or bool(w))
                              for v, w in zip(vals, whole_rows)], index=col.index)
        return vals.map(lambda v: format_number(v, digits, whole=whole_col or per_cell))
    return col.map(lambda v: _cell(v, digits, language))


def _cell(v, digits: int, language: str):
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, (bool, np.bool_)):
        return yes_no(v, language)
    if isinstance(v, (float, np.floating)):
        return format_number(v, digits, whole=False)
    return cell_name(v, language) if isinstance(v, str) else v


def _relabel(df: pd.DataFrame, names, language: str) -> pd.DataFrame:
    """Group columns and levels, Kano features, SERVQUAL dimensions by their labels (``names``: the study's
    params, or None)."""
    from csat.analyses import labels as L

    out = df.copy()
    cols = set(out.columns)

    def col_label(c):
        return " × ".join(L.column_label(names, part, language) for part in str(c).split(" x "))

    if names is None:
        return out
    if "variable" in cols and "level" in cols:
        out["level"] = [L.level_label(names, v, lv, language) if isinstance(lv, str) or pd.notna(lv) else lv
                        for v, lv in zip(df["variable"], df["level"])]
        out["variable"] = df["variable"].map(col_label)
    if "group" in cols and df["group"].map(lambda g: isinstance(g, str)).all():
        if "level" in cols and "dimension" not in cols:
            out["level"] = [L.level_label(names, g, lv, language) for g, lv in zip(df["group"], df["level"])]
        if "levels" in cols:
            out["levels"] = [" | ".join(L.level_label(names, g, x, language) for x in str(lv).split(" | "))
                             if isinstance(lv, str) else lv for g, lv in zip(df["group"], df["levels"])]
        if {"A", "B", "mean.A"} <= cols:
            for c in ("A", "B"):
                out[c] = [L.level_label(names, g, lv, language) for g, lv in zip(df["group"], df[c])]
        out["group"] = df["group"].map(col_label)
    if "feature" in cols:
        out["feature"] = df["feature"].map(lambda f: L.feature_label(names, f, language) if isinstance(f, str) else f)
    if {"dimension", "level", "expectation"} <= cols:
        out["level"] = df["level"].map(lambda v: trc("table cell", "item", language) if v == "item" else
                                       trc("table cell", "dimension", language) if v == "dimension" else v)
    if "dimension" in cols and getattr(names, "servqual", None):
        out["dimension"] = df["dimension"].map(
            lambda d: L.dimension_label(names, d, language) if isinstance(d, str) else d)
    return out


def _bilingual(df: pd.DataFrame, language: str) -> pd.DataFrame:
    """``x_en``/``x_zh`` pairs shown as one column ``x`` in the report's script."""
    from csat.core.i18n import is_chinese, localize

    out = df
    for c in list(df.columns):
        if isinstance(c, str) and c.endswith("_zh"):
            base = c[:-3]
            keep, drop = (c, base + "_en") if is_chinese(language) else (base + "_en", c)
            if keep in out.columns:
                vals = out[keep].map(lambda v: localize(v, language) if isinstance(v, str) else v)
                pos = list(out.columns).index(keep)
                out = out.drop(columns=[x for x in (keep, drop) if x in out.columns])
                out.insert(min(pos, len(out.columns)), base, vals)
    return out


def display_table(df: pd.DataFrame, language: str = "en", *, digits: int = 3, names=None,
                  index: bool = False) -> pd.DataFrame:
    """``df`` as the report prints it: a frame of text cells with headers in ``language`` (see the module
    docstring).  ``names``: the study's params, for the labels of group columns and levels, Kano features
    and SERVQUAL dimensions.  ``index``: format the index too.  ``df`` itself is not changed.

    >>> t = pd.DataFrame({"step": ["raw", "kept"], "excluded": pd.array([pd.NA, 9], dtype="Int64"),
    ...                   "active": [True, True], "skew": [-0.0001, 0.5], "df": [365.0, 2.5], "bic": [None, None]})
    >>> display_table(t, "zh", digits=2).to_dict("list")
    {'步骤': ['raw', 'kept'], '剔除人数': ['', '9'], '是否启用': ['是', '是'], '偏度': ['0.00', '0.50'], '自由度': ['365', '2.50']}
    """
    if not isinstance(df, pd.DataFrame) or df.empty:
        return df
    out = _bilingual(df, language)
    out = out.loc[:, [c for c in out.columns if not (_empty(out[c]) and out.shape[1] > 1)]]
    kano = {"category", "better"} <= set(out.columns)
    rows = _whole_rows(out)
    out = _relabel(out, names, language)
    shown = {}
    for c in out.columns:
        col = out[c]
        if kano and c == "category":
            shown[c] = col.map(lambda v: kano_category_name(v, language) if isinstance(v, str) and v in _KANO else
                               ("" if not isinstance(v, str) else v))
        else:
            shown[c] = _format_column(col, c, digits, language, rows)
    res = pd.DataFrame(shown, index=out.index)
    if index:
        res.index = res.index.map(lambda v: _cell(v, digits, language))
    res.columns = [_header(c, language, kano, set(out.columns)) for c in out.columns]
    return res


def _header(c, language: str, kano: bool, cols: set) -> str:
    from csat.core.i18n import is_chinese

    if not is_chinese(language) or not isinstance(c, str):
        return c
    if kano and c in _KANO:
        return kano_category_name(c, language)
    if c == "A" and "mean.A" in cols:
        return trc("table header", "group A", language)
    if c == "B" and "mean.B" in cols:
        return trc("table header", "group B", language)
    if c == "level" and "dimension" in cols:
        return trc("table header", "level (item or dimension)", language)
    return header_name(c, language)
