"""Partial least squares path modeling (PLS-PM / PLS-SEM) and the ACSI-style 0–100 index.

The engine equal to seminr (Wold 1982; Lohmöller 1989; Tenenhaus, Esposito Vinzi, Chatelin & Lauro
2005), with the defaults of SmartPLS and seminr, split along its steps:

* :mod:`csat.sem.pls.model` — the model (:class:`PLSSpec`) from lavaan-style syntax
  (:func:`pls_spec`: ``=~`` reflective, ``<~`` formative blocks, ``~`` paths);
* :mod:`csat.sem.pls.estimate` — the data (:func:`prepare_data`), Lohmöller's iteration on the
  indicator correlation matrix (:func:`fit_weights`), the fitted model (:func:`pls_fit`,
  :class:`PLSResult`) and its direct, indirect and total :func:`effects`;
* :mod:`csat.sem.pls.assessment` — the quality criteria (Hair, Hult, Ringle & Sarstedt 2022):
  :func:`quality` (R², alpha, rhoA, rhoC, AVE), :func:`htmt`, :func:`fornell_larcker`,
  :func:`item_vif`, :func:`inner_vif`, :func:`f_squared` and :func:`quality_diagnostics`;
* :mod:`csat.sem.pls.index` — the 0–100 index (:func:`csi_index`, Fornell et al. 1996) and
  SmartPLS's IPMA importance (:func:`ipma_importance`);
* :mod:`csat.sem.pls.bootstrap` — the percentile bootstrap of all of them (:func:`bootstrap_pls`);
* :mod:`csat.sem.pls.mga` — multi-group analysis (:func:`pls_mga`: group estimates, Henseler's
  PLS-MGA and permutation tests, MICOM);
* :mod:`csat.sem.pls.predict` — PLSpredict (:func:`pls_predict`, Shmueli et al. 2019).

The reader's text about a PLS model is :func:`csat.analyses.structural.pls_text`, the index chart
:func:`csat.viz.structural.index_chart`.
"""
from __future__ import annotations

from csat.sem.pls.assessment import (QUALITY_COLUMNS, fornell_larcker, htmt, inner_vif, item_vif,
                                     quality, quality_diagnostics)
from csat.sem.pls.bootstrap import PLSBootstrap, bootstrap_diagnostics, bootstrap_pls, percentile_interval
from csat.sem.pls.estimate import ESTIMATE_COLUMNS, MISSING, PLSResult, effects, fit_weights, prepare_data
from csat.sem.pls.index import INDEX_COLUMNS, csi_index, index_diagnostics, ipma_importance
from csat.sem.pls.model import PLSSpec, pls_spec
from csat.sem.pls.model import PLSModel, pls_model
from csat.sem.pls.extended import f_squared, pls_fit, stage_two_frame
from csat.sem.pls.interaction import SLOPE_COLUMNS, simple_slopes
from csat.sem.pls.higher_order import first_stage_rows, level_quality
from csat.sem.pls.mga import MGA_COLUMNS, MICOM_COLUMNS, PLSMGA, pls_mga
from csat.sem.pls.predict import PREDICT_COLUMNS, PLSPredict, pls_predict

__all__ = ["PLSSpec", "PLSResult", "PLSBootstrap", "pls_spec", "prepare_data", "fit_weights", "pls_fit",
           "quality", "htmt", "fornell_larcker", "item_vif", "inner_vif", "f_squared", "csi_index",
           "index_diagnostics", "ipma_importance", "effects", "bootstrap_pls", "percentile_interval",
           "bootstrap_diagnostics", "quality_diagnostics", "ESTIMATE_COLUMNS", "QUALITY_COLUMNS", "INDEX_COLUMNS",
           "MISSING"]
__all__ += ["stage_two_frame"]
__all__ += ["PLSModel", "pls_model", "simple_slopes", "SLOPE_COLUMNS", "first_stage_rows", "level_quality"]
__all__ += ["PLSMGA", "pls_mga", "MGA_COLUMNS", "MICOM_COLUMNS", "PLSPredict", "pls_predict", "PREDICT_COLUMNS"]
