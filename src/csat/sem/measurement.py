"""The study's measurement model: the one CFA whose estimates feed omega, CR, AVE and the loadings.

03_reliability_validity builds the measurement (CFA) model from the constructs, or from the ``=~`` and
``~~`` statements of the study's model (:func:`measurement_model`), fits it once by ML
(:func:`fit_measurement_model`) and writes its results files (:func:`cfa_result_files`,
:data:`CFA_FILES`), which 04_factor_analysis reads back.  The reliability and validity statistics
computed from its estimates are :mod:`csat.stats.reliability`'s.

Example
-------
>>> import pandas as pd
>>> from csat.sem import measurement
>>> hs = pd.read_csv("../shared/datasets/holzinger1939.csv")
>>> cons = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"], "speed": ["x7", "x8", "x9"]}
>>> syntax, fit, error = measurement.fit_measurement_model(hs, cons)
>>> error, round(fit.fit_measures["chisq"], 3), sorted(measurement.cfa_result_files(syntax, fit, "listwise"))
(None, 85.306, ['cfa.json', 'cfa_estimates.csv', 'cfa_fit.json', 'cfa_modindices.csv', 'cfa_residuals.csv'])
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from csat.core.diagnostics import Diagnostic
from csat.sem import estimators
from csat.sem.result import result_tables
from csat.sem.syntax import measurement_syntax, parse_model
from csat.stats.reliability import construct_items

__all__ = ["CFA_FILES", "measurement_model", "fit_measurement_model", "cfa_result_files"]


def measurement_model(constructs: Mapping[str, Any], model: str | None = None) -> str:
    """lavaan syntax of the measurement (CFA) model whose estimates feed omega, CR and AVE.

    Without ``model`` (or when it has no ``=~`` statement): one factor per construct
    (:func:`csat.sem.syntax.measurement_syntax`).  With a study model (``params.model``): its ``=~``
    statements (modifiers kept), its residual covariances between indicators (``x ~~ y``),
    which :func:`csat.stats.reliability.omega` takes into account, and its ``~~`` statements among
    the factors (e.g. a fixed factor variance ``f ~~ 1*f``); regressions are dropped, so every
    factor is exogenous and the latent variables correlate freely.

    Parameters
    ----------
    constructs : mapping
        ``{construct: [item, ...]}``.
    model : str, optional
        The study's lavaan model (``params.model``).

    Returns
    -------
    str
        lavaan model syntax, one statement per line.

    Examples
    --------
    >>> print(measurement_model({"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"]}))
    visual =~ x1 + x2 + x3
    textual =~ x4 + x5 + x6
    <BLANKLINE>
    """
    cons = construct_items(constructs)
    if not model or not str(model).strip():
        return measurement_syntax(cons)
    t = parse_model(model)
    load = t[t["op"] == "=~"]
    if load.empty:
        return measurement_syntax(cons)
    ind = set(load["rhs"])

    def term(r) -> str:
        mods = []
        if r.free is True:
            mods.append("NA")
        if isinstance(r.fixed, float) and np.isfinite(r.fixed):
            mods.append(repr(float(r.fixed)))
        if r.label:
            mods.append(str(r.label))
        return "*".join(mods + [str(r.rhs)])

    lines = [f"{f} =~ " + " + ".join(term(r) for r in g.itertuples(index=False))
             for f, g in load.groupby("lhs", sort=False)]
    lat = set(load["lhs"])
    rc = t[(t["op"] == "~~") & ((t["lhs"].isin(ind) & t["rhs"].isin(ind)) | (t["lhs"].isin(lat) & t["rhs"].isin(lat)))]
    lines += [f"{r.lhs} ~~ {term(r)}" for r in rc.itertuples(index=False)]
    return "\n".join(lines) + "\n"


#: Files of the study's one measurement-model (CFA) fit, written by 03_reliability_validity and read by
#: 04_factor_analysis (:func:`cfa_result_files`).
CFA_FILES = ("cfa.json", "cfa_fit.json", "cfa_estimates.csv", "cfa_modindices.csv", "cfa_residuals.csv")


def fit_measurement_model(data: pd.DataFrame, constructs: Mapping[str, Any], model: str | None = None,
                          missing: str = "listwise", estimator: str = "ml", ordered: Sequence[str] = ()):
    """The study's one CFA of the measurement model (:func:`measurement_model`), fitted with the study's
    ``estimator`` (``ml``, ``mlr``, ``mlm``, ``wlsmv`` with the ``ordered`` items;
    :func:`csat.sem.estimators.fit`) and ``sem_missing`` (``listwise`` or ``fiml``, lavaan ``missing = "ml"``),
    as lavaan's ``cfa()``.

    Every number of the measurement model in a report (omega, CR, AVE, loadings and the Fornell–Larcker
    table in 03; the CFA fit, estimates, modification indices and residuals in 04) comes from this one
    fit.  Returns ``(syntax, fit, error)``: ``fit`` a :class:`csat.sem.SEMResult`, or ``None`` with
    ``error`` the reason when the model cannot be fitted.
    """
    syntax = measurement_model(constructs, model)
    try:
        return syntax, estimators.fit(syntax, data, missing=missing, estimator=estimator, ordered=ordered), None
    except (ValueError, np.linalg.LinAlgError) as err:
        return syntax, None, str(err)


def cfa_result_files(syntax: str, fit, missing: str, diagnostics: Sequence[Diagnostic] = ()) -> dict:
    """The results files of the measurement-model fit, ``{name: dict or DataFrame}`` (:data:`CFA_FILES`):

    * ``cfa.json``: ``syntax, missing, n, converged, errors`` (messages of error diagnostics),
      ``modindices`` (null, or why there are none: lavaan gives them for complete data only) and, for an
      estimator other than ML, ``estimator`` (lavaan's name);
    * ``cfa_fit.json``, ``cfa_estimates.csv``: the fit measures and estimates (:func:`csat.sem.result_tables`);
    * ``cfa_modindices.csv``: every modification index, largest first (lavaan ``modindices()``), header
      only under FIML;
    * ``cfa_residuals.csv``: the correlation residuals (lavaan ``resid(type = "cor")``), a square matrix
      with the variable names as first column and header.
    """
    fit_measures, est = result_tables(fit)
    note = None
    try:
        mi = fit.modindices(top=None)
    except ValueError as err:                # lavaan gives modification indices for complete data only
        note, mi = str(err), pd.DataFrame(columns=["lhs", "op", "rhs", "mi", "epc", "sepc.all"])
    resid = fit.residuals()
    resid.insert(0, "variable", list(resid.index))
    info = {"syntax": syntax, "missing": missing, "n": int(fit.n), "converged": bool(fit.converged),
            "errors": [d.message for d in diagnostics if d.severity == "error"], "modindices": note}
    if getattr(fit, "estimator", "ML") != "ML":        # ML studies keep their file as it was
        info["estimator"] = fit.estimator
    return {"cfa.json": info, "cfa_fit.json": fit_measures, "cfa_estimates.csv": est,
            "cfa_modindices.csv": mi.reset_index(drop=True), "cfa_residuals.csv": resid.reset_index(drop=True)}
