"""Which estimator the items call for: 02's Mardia tests and the estimator advice.

The CFA (03/04) and SEM (05) assume continuous, multivariate-normal answers when the study's
``estimator`` is ``ml``.  02_descriptives checks that assumption: Mardia's multivariate skewness and
kurtosis tests of the items (:func:`csat.stats.normality.mardia`, as ``psych::mardia``, shown by
:func:`mardia_table`) and the number of answer categories (:func:`answer_categories`).  When the items
have five or fewer categories or Mardia rejects, :func:`estimator_advice` names the careful choice and
what it changes — WLSMV with ``ordered: true`` for ordinal items, MLR for non-normal continuous ones —
in a sentence and an ``estimator_advice`` diagnostic naming the study's estimator and the alternative.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pandas as pd

from csat.core.diagnostics import Diagnostic, diagnostic
from csat.core.i18n import N_, tr
from csat.core.text import format_p
from csat.stats.normality import mardia

__all__ = ["ORDINAL_CATEGORIES", "ADVICE_ORDINAL", "ADVICE_NONNORMAL", "ADVICE_ACCOUNTED", "study_mardia", "answer_categories", "mardia_table", "estimator_advice"]

#: items with at most this many answer categories are ordinal rather than continuous (Rhemtulla,
#: Brosseau-Liard & Savalei 2012: with five or fewer categories treat them as ordinal)
ORDINAL_CATEGORIES = 5


#: the advice, by case (:func:`estimator_advice`)
ADVICE_ORDINAL = N_("The items have at most {k} answer categories; the study's estimator {estimator} treats them as "
                    "continuous. The careful choice is WLSMV (ordered: true): thresholds and polychoric correlations "
                    "replace the covariances and χ², CFI, TLI and RMSEA become their scaled and robust versions; MLR "
                    "(estimator: mlr) at least makes the standard errors and χ² robust.")
ADVICE_NONNORMAL = N_("Mardia's test rejects multivariate normality of the items (skewness p {ps}, kurtosis p {pk}); "
                      "the study's estimator {estimator} assumes it. The careful choice is MLR (estimator: mlr): the "
                      "estimates stay the same, the standard errors become robust (Huber–White) and χ² the "
                      "Yuan–Bentler scaled statistic, with robust CFI, TLI and RMSEA.")
ADVICE_ACCOUNTED = N_("The items are ordinal or not multivariate normal; the study's estimator {estimator} accounts "
                      "for it (robust standard errors and a scaled χ²).")


def study_mardia(data: pd.DataFrame, items: Sequence[str]) -> dict:
    """Mardia's tests of the study's ``items`` (numeric columns of ``data``; complete rows), with
    ``categories`` (:func:`answer_categories`), as written to ``mardia.json``."""
    cols = [i for i in items if i in data.columns and pd.api.types.is_numeric_dtype(data[i])]
    return {**mardia(data[cols]), "categories": answer_categories(data, cols)}


def answer_categories(data: pd.DataFrame, items: Sequence[str]) -> int:
    """The largest number of distinct answers any of ``items`` received (0 without items).

    >>> answer_categories(pd.DataFrame({"a": [1, 2, 3, 3], "b": [1, 1, 2, None]}), ["a", "b"])
    3
    """
    return int(max((data[i].dropna().nunique() for i in items), default=0))


def mardia_table(m: dict, language: str = "en") -> pd.DataFrame:
    """Mardia's tests as a table: one row each for the skewness, its small-sample version and the kurtosis
    (``test, statistic, df, p``; ``b1p``/``b2p`` the coefficients)."""
    rows = [{"test": tr("Multivariate skewness (b1p = {b:.2f})", language, b=m["b1p"]), "statistic": m["skew"],
             "df": m["df"], "p": m["p_skew"]},
            {"test": tr("Skewness, small-sample correction", language), "statistic": m["small_skew"], "df": m["df"],
             "p": m["p_small"]},
            {"test": tr("Multivariate kurtosis (b2p = {b:.2f})", language, b=m["b2p"]), "statistic": m["kurtosis"],
             "df": math.nan, "p": m["p_kurt"]}]
    return pd.DataFrame(rows, columns=["test", "statistic", "df", "p"])


def _rejects(m: dict, alpha: float = 0.05) -> bool:
    ps = [m.get("p_skew"), m.get("p_kurt")]
    return any(p is not None and np.isfinite(p) and p < alpha for p in ps)


def estimator_advice(m: dict, estimator: str, language: str = "en") -> tuple[str, list[Diagnostic]]:
    """What Mardia's tests and the answer categories (``m``: :func:`study_mardia`) mean for the study's
    ``estimator`` (``params.estimator``; a PLS study's CFA is ML's): a paragraph and at most one
    ``estimator_advice`` diagnostic (warning when the careful choice differs from the study's, info when
    the study's estimator already accounts for the data).

    >>> m = {"n": 250, "p": 27, "p_skew": 0.0, "p_kurt": 0.0, "categories": 11, "skew": 10478.9, "df": 3654,
    ...      "kurtosis": 60.83}
    >>> text, (d,) = estimator_advice(m, "ml")
    >>> d.code, d.severity, "MLR" in d.message
    ('estimator_advice', 'warning', True)
    >>> estimator_advice(m, "mlr")[1][0].severity
    'info'
    """
    ps, pk = format_p(m.get("p_skew", math.nan), language), format_p(m.get("p_kurt", math.nan), language)
    k = int(m.get("categories") or 0)
    ordinal = 0 < k <= ORDINAL_CATEGORIES
    rejects = _rejects(m)
    if np.isfinite(m.get("skew", math.nan)):
        test = tr("Mardia's tests of the {p} items on {n} complete answers: skewness χ²({df:.0f}) = {skew:.1f}, "
                  "p {ps}; kurtosis z = {kurt:.2f}, p {pk}.", language, p=m["p"], n=m["n"], df=m["df"],
                  skew=m["skew"], ps=ps, kurt=m["kurtosis"], pk=pk)
    else:
        test = tr("Mardia's tests could not be computed (too few complete answers or collinear items).", language)
    name = {"ml": "ML", "pls": "ML", "mlr": "MLR", "mlm": "MLM", "wlsmv": "WLSMV"}.get(estimator, estimator.upper())
    if ordinal and estimator != "wlsmv":
        severity, message, values = "warning", ADVICE_ORDINAL, dict(k=k, estimator=name)
    elif rejects and estimator in ("ml", "pls"):
        severity, message, values = "warning", ADVICE_NONNORMAL, dict(ps=ps, pk=pk, estimator=name)
    elif ordinal or rejects:
        severity, message, values = "info", ADVICE_ACCOUNTED, dict(estimator=name)
    else:
        return test + " " + tr("Neither test rejects multivariate normality and the items have more than {k} answer "
                               "categories, so ML's assumptions are reasonable.", language, k=ORDINAL_CATEGORIES), []
    d = diagnostic("estimator_advice", severity, "estimator", message, **values)
    return test + " " + tr(message, language, **values), [d]
