"""Structural equation models by maximum likelihood, matching lavaan 0.6 (``sem()``/``cfa()``).

The package follows lavaan's chain of steps, one module and one object per step:

==========================  ===================================================  ===========================
module                      step                                                 returns
==========================  ===================================================  ===========================
:mod:`csat.sem.partable`    parameter table and compiled RAM model               :class:`CompiledModel`
:mod:`csat.sem.samplestats` sample statistics (complete cases, or patterns + EM) :class:`SampleStats`
:mod:`csat.sem.fitmeasures` lavaan's ``fitMeasures``                             ``dict``
:mod:`csat.sem.ml`          ML discrepancy, derivatives, optimiser               :class:`CovFit`
:mod:`csat.sem.fiml`        casewise ML for incomplete data (lavaan ``"ml"``)    :class:`CovFit`, ``FimlFit``
:mod:`csat.sem.robust`      robust ML (MLR, MLM): sandwich SEs, scaled tests     :class:`RobustTest`
:mod:`csat.sem.result`      estimates, standardized solution, R², diagnostics    :class:`SEMResult`
:mod:`csat.sem.estimators`  the registry of estimators; :func:`fit`              :class:`Estimator`
==========================  ===================================================  ===========================

Each module imports only the modules above it in this table: ``fitmeasures`` needs the model only
(``fiml`` computes its fit measures with it), ``result`` takes the fits of ``ml`` and ``fiml``, and
``estimators`` joins each estimation step to the result.
``csat.sem.fit(model, data)`` runs the chain; ``csat.sem.ESTIMATORS[name].fit(model, data)``
chooses an estimator by name (``"ml"``, ``"fiml"``, ``"mlr"``, ``"mlm"``, ``"pls"``).  This package exports the public
names listed in ``__all__``; the helpers that other modules share (``csat.sem.result.standardize``,
``csat.sem.fiml.pattern_discrepancy``, ``csat.sem.fitmeasures.rmsea_ci``, …) are imported from the
module that owns them.
"""
from __future__ import annotations

from csat.core.errors import ModelError
from csat.sem.syntax import ModelSyntaxError
from csat.sem.partable import CompiledModel, build_model, single_indicators
from csat.sem.samplestats import SampleStats, sample_stats
from csat.sem.fitmeasures import FIT_MEASURES, RESULT_FIT_MEASURES, fit_measures
from csat.sem.ml import CovFit
from csat.sem.fiml import fiml_refit
from csat.sem.result import EST_COLUMNS, FIT_RULES, RESULT_EST_COLUMNS, SEMResult, result_tables
from csat.sem.estimators import (CB_ESTIMATORS, ESTIMATORS, Estimator, estimate_fiml, estimate_ml, estimate_robust,
                                 fit, get_estimator, register)

__all__ = ["ModelError", "ModelSyntaxError", "CompiledModel", "build_model", "single_indicators", "SampleStats",
           "sample_stats", "CovFit", "fiml_refit", "FIT_MEASURES", "RESULT_FIT_MEASURES", "fit_measures",
           "EST_COLUMNS", "FIT_RULES", "RESULT_EST_COLUMNS", "SEMResult", "result_tables", "Estimator", "ESTIMATORS",
           "register", "get_estimator", "estimate_ml", "estimate_fiml", "estimate_robust", "fit", "CB_ESTIMATORS"]
