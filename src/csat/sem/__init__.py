"""Structural equation models by maximum likelihood, matching lavaan 0.6 (``sem()``/``cfa()``).

The package follows lavaan's chain of steps, one module and one object per step:

==========================  ===================================================  ===========================
module                      step                                                 returns
==========================  ===================================================  ===========================
:mod:`csat.sem.partable`    parameter table and compiled RAM model               :class:`CompiledModel`
:mod:`csat.sem.samplestats` sample statistics (complete cases, or patterns + EM) :class:`SampleStats`
:mod:`csat.sem.estimators`  the registry of estimators; :func:`fit`              :class:`Estimator`
:mod:`csat.sem.ml`          ML discrepancy, derivatives, optimiser               :class:`CovFit`
:mod:`csat.sem.fiml`        casewise ML for incomplete data (lavaan ``"ml"``)    :class:`SEMResult`
:mod:`csat.sem.fitmeasures` lavaan's ``fitMeasures``                             ``dict``
:mod:`csat.sem.result`      estimates, standardized solution, R², diagnostics    :class:`SEMResult`
==========================  ===================================================  ===========================

``csat.sem.fit(model, data)`` runs the chain; ``csat.sem.ESTIMATORS[name].fit(model, data)``
chooses an estimator by name (``"ml"``, ``"fiml"``, ``"pls"``).  Every name this module held
before the split is importable from it.
"""
from __future__ import annotations

from csat.core.errors import ModelError
from csat.sem.syntax import ModelSyntaxError
from csat.sem.estimators import ESTIMATORS, Estimator, fit, get_estimator, register
from csat.sem.fiml import (_fiml_expected_hessian, _fiml_halving, _fiml_objective, _FimlFit,
    _numeric_hessian, _pattern_discrepancy, estimate_fiml, fiml_refit)
from csat.sem.fitmeasures import (FIT_MEASURES, RESULT_FIT_MEASURES, _fiml_fit_measures, _gfi_rmsea_srmr,
    _rmsea_ci, fit_measures)
from csat.sem.ml import CovFit, estimate_ml
from csat.sem.partable import CompiledModel, build_model, single_indicators
from csat.sem.result import (EST_COLUMNS, FIT_RULES, RESULT_EST_COLUMNS, SEMResult, _defined_rows,
    _diagnostics, _eval_expr, _label_env, _not_identified, _result, _row_values, _standardize, result_tables)
from csat.sem.samplestats import SampleStats, _em_saturated, _Patterns, _patterns, _prepare_data, sample_stats

__all__ = ["ModelError", "CompiledModel", "SEMResult", "build_model", "fit", "fit_measures",
           "FIT_MEASURES", "ModelSyntaxError", "RESULT_FIT_MEASURES", "RESULT_EST_COLUMNS", "EST_COLUMNS",
           "result_tables", "single_indicators", "fiml_refit", "CovFit", "SampleStats", "sample_stats",
           "Estimator", "ESTIMATORS", "register", "get_estimator", "estimate_ml", "estimate_fiml"]
