"""One registry of estimators, keyed by name, and :func:`fit`, lavaan's ``sem()``/``cfa()``.

Each estimator is one :class:`Estimator`; :data:`ESTIMATORS` maps its name to it (as semopy keeps
its objectives in one dictionary).  Every entry has ``fit(model, data, **options)`` returning the
estimator's result object, so a stage can choose any estimator by name::

    res = ESTIMATORS["ml"].fit(syntax, data)            # lavaan sem(model, data)
    res = ESTIMATORS["fiml"].fit(syntax, data)          # lavaan sem(model, data, missing = "ml")
    res = ESTIMATORS["mlr"].fit(syntax, data)           # lavaan sem(model, data, estimator = "MLR")
    res = ESTIMATORS["pls"].fit(syntax, data)           # seminr estimate_pls(...), see csat.sem.pls

:func:`fit` is the one dispatch a stage calls: ``fit(model, data, estimator="mlr", missing="fiml")`` is
lavaan's ``sem(model, data, estimator = "MLR", missing = "ml")``; ``estimator="wlsmv"`` with ``ordered``
items hands over to :func:`csat.sem.wlsmv.wlsmv_fit` when that module is present.

The covariance-based estimators follow lavaan's chain of steps, one object each:
:func:`~csat.sem.partable.build_model` (parameter table, :class:`CompiledModel`) →
:func:`~csat.sem.samplestats.sample_stats` (:class:`SampleStats`) → ``Estimator.estimate``
(:func:`estimate_ml`, :func:`estimate_fiml`: the estimation step of :mod:`csat.sem.ml` or
:mod:`csat.sem.fiml`, then :func:`~csat.sem.result.build_result`) → :class:`~csat.sem.result.SEMResult`
(estimates, standardized solution, fit measures from :mod:`csat.sem.fitmeasures`, diagnostics).
The estimator modules know nothing of the result: this module joins the two.

To add an estimator, write a module whose estimation step takes ``(CompiledModel, SampleStats)``,
a function here that turns its fit into a :class:`SEMResult` (as :func:`estimate_ml`), and add
both with :func:`register` (for a different model family, ``fit(model, data, **options) -> result``
alone).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import pandas as pd

from csat.core.errors import ModelError
from csat.core.text import suggest
from csat.sem.fiml import fiml_fit
from csat.sem.ml import fit_cov
from csat.sem.partable import CompiledModel, build_model
from csat.sem.result import SEMResult, build_result
from csat.sem.robust import robust_single
from csat.sem.samplestats import SampleStats, sample_stats

__all__ = ["Estimator", "ESTIMATORS", "CB_ESTIMATORS", "register", "get_estimator", "fit", "estimate_ml",
           "estimate_fiml", "estimate_robust"]

#: The covariance-based estimators a study's ``estimator`` key may name (lavaan's names, lower case).
CB_ESTIMATORS = ("ml", "mlr", "mlm", "wlsmv")


@dataclass(frozen=True)
class Estimator:
    """An estimator of the registry.

    ``fit(model, data, **options)`` estimates a model given in lavaan syntax on a data frame and
    returns the estimator's result.  Covariance-based estimators also give ``estimate(cm, ss)``, the
    estimation step alone on a compiled model and its sample statistics, and ``missing``, the kind of
    sample statistics they need (``"listwise"`` or ``"fiml"``)."""

    name: str
    description: str
    fit: Callable[..., Any]
    estimate: Callable[..., SEMResult] | None = None
    missing: str | None = None


#: name → :class:`Estimator`
ESTIMATORS: dict[str, Estimator] = {}


def register(est: Estimator) -> Estimator:
    """Add ``est`` to :data:`ESTIMATORS` under its name (replacing one of the same name)."""
    ESTIMATORS[est.name] = est
    return est


def get_estimator(name: str) -> Estimator:
    """The registered estimator ``name``; :class:`~csat.core.errors.ModelError` naming the known ones if none.

    Examples
    --------
    >>> from csat.sem import ESTIMATORS, get_estimator
    >>> sorted(ESTIMATORS), get_estimator("fiml").missing
    (['fiml', 'ml', 'mlm', 'mlr', 'pls'], 'fiml')
    """
    try:
        return ESTIMATORS[name]
    except KeyError:
        raise ModelError(f"unknown estimator {name!r}; known: {', '.join(ESTIMATORS)}"
                         f"{suggest(name, list(ESTIMATORS))}") from None


def fit(model: str, data: pd.DataFrame, *, missing: str = "listwise", std_lv: bool = False,
        estimator: str = "ml", ordered: Sequence[str] = ()) -> SEMResult:
    """Fit a lavaan-syntax model by ML as lavaan's ``sem()``/``cfa()`` with default options.

    The steps: :func:`build_model` → :func:`sample_stats` → the ``"ml"`` or ``"fiml"`` estimator
    of :data:`ESTIMATORS` → :class:`SEMResult`; with ``estimator="mlr"``/``"mlm"`` the ML fit then gets
    robust standard errors and a scaled test (:func:`estimate_robust`).

    Parameters
    ----------
    model : str
        lavaan syntax (``=~``, ``~``, ``~~``, ``:=``, labels, fixed values; see :mod:`csat.sem.syntax`).
    data : DataFrame
        One row per respondent; the model's observed variables must be numeric columns.
    missing : {"listwise", "fiml"}
        ``"listwise"`` drops rows with a missing model variable; ``"fiml"`` is casewise
        full-information ML with a saturated mean structure (lavaan ``missing = "ml"``; standard
        errors from the observed information, lavaan's default there).
    std_lv : bool
        Identify latent scales by fixing their variances to 1 instead of the first loading.
    estimator : {"ml", "mlr", "mlm", "wlsmv"}
        lavaan's ``estimator`` (lower case): ``"mlr"`` = ML estimates, Huber–White standard errors
        (observed information) and the Yuan–Bentler scaled test (also with ``missing="fiml"``);
        ``"mlm"`` = ML estimates, robust standard errors (expected information) and the
        Satorra–Bentler scaled test (complete data); ``"wlsmv"`` = DWLS on polychoric correlations of the
        ``ordered`` items (:mod:`csat.sem.wlsmv`).
    ordered : sequence of str
        The ordinal items (lavaan's ``ordered``), for ``estimator="wlsmv"``.

    Returns
    -------
    SEMResult
        ``estimates`` (lavaan's ``parameterEstimates`` + ``std.lv``/``std.all``), ``fit_measures``
        (``fitMeasures``), ``r2``, ``converged`` and ``diagnostics``: ``nonconvergence``,
        ``heywood``, ``std_gt_1``, ``latent_not_pd`` (errors); ``ill_conditioned``, ``r2_near_1``,
        ``poor_fit`` (warnings); ``acceptable_fit`` (info).

    Raises
    ------
    ModelError
        Unknown variables, a model with negative df or a singular information matrix (not
        identified), unusable data.
    csat.sem.syntax.ModelSyntaxError
        Bad syntax.

    References
    ----------
    Rosseel (2012) lavaan, J. Stat. Softw. 48(2); Bollen (1989) Structural Equations with Latent
    Variables, ch. 4 and 7.

    Examples
    --------
    The three-factor CFA of Holzinger & Swineford (1939):

    >>> import pandas as pd
    >>> from csat import sem
    >>> hs = pd.read_csv("../shared/datasets/holzinger1939.csv")
    >>> model = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"
    >>> res = sem.fit(model, hs)
    >>> {k: round(res.fit_measures[k], 3) for k in ("chisq", "df", "cfi", "rmsea")}
    {'chisq': 85.306, 'df': 24, 'cfi': 0.931, 'rmsea': 0.092}

    In R, with ``fit <- cfa(model, data = HolzingerSwineford1939)``: ``fitMeasures(fit, "chisq")``
    → 85.306, ``fitMeasures(fit, "cfi")`` → 0.931, ``fitMeasures(fit, "rmsea")`` → 0.092.
    """
    if missing not in ("listwise", "fiml"):
        raise ModelError(f"missing={missing!r} is not supported; use 'listwise' or 'fiml'")
    if not isinstance(data, pd.DataFrame):
        raise ModelError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    if estimator not in CB_ESTIMATORS:
        raise ModelError(f"unknown estimator {estimator!r}; covariance-based ones: {', '.join(CB_ESTIMATORS)}"
                         f"{suggest(estimator, list(CB_ESTIMATORS))}")
    if estimator == "wlsmv":
        return _fit_wlsmv(model, data, ordered=list(ordered), std_lv=std_lv)
    cm = build_model(model, list(data.columns), std_lv=std_lv)
    if estimator in ("mlr", "mlm"):
        if estimator == "mlm" and missing == "fiml":
            raise ModelError("estimator mlm needs complete data (as lavaan); use estimator mlr with missing 'fiml'")
        return estimate_robust(cm, sample_stats(cm, data, missing), estimator)
    est = ESTIMATORS["fiml" if missing == "fiml" else "ml"]
    return est.estimate(cm, sample_stats(cm, data, est.missing))


def _fit_wlsmv(model: str, data: pd.DataFrame, *, ordered: list, std_lv: bool = False):
    try:
        from csat.sem import wlsmv           # the ordinal engine (issue #32), when present
    except ImportError:
        raise ModelError("estimator wlsmv is not available in this version of csat") from None
    return wlsmv.wlsmv_fit(model, data, ordered=ordered, std_lv=std_lv)


def estimate_robust(cm: CompiledModel, ss: SampleStats, estimator: str) -> SEMResult:
    """Robust ML of ``cm`` (``estimator`` ``"mlr"`` or ``"mlm"``, lavaan's MLR/MLM): the ML (complete data)
    or FIML (``ss.missing == "fiml"``, MLR only) estimates, then :func:`csat.sem.robust.robust_single`
    (sandwich standard errors, scaling factors) and :func:`csat.sem.result.build_result` with it."""
    if ss.missing == "fiml":
        cf, ff = fiml_fit(cm, ss)
        rt = robust_single(cm, cf.theta, ss, estimator, fiml_mu=ff.mu, fiml_hessian=ff.hessian)
        return build_result(cm, cf, ss.cov, ss.n, fiml=ff, robust=rt)
    cf = fit_cov(cm, ss.cov, ss.n)
    rt = robust_single(cm, cf.theta, ss, estimator)
    return build_result(cm, cf, ss.cov, ss.n, robust=rt)


def estimate_ml(cm: CompiledModel, ss: SampleStats) -> SEMResult:
    """ML estimates, standard errors, fit measures and diagnostics of ``cm`` from the complete-data
    sample statistics ``ss`` (:func:`csat.sem.samplestats.sample_stats` with ``missing="listwise"``):
    :func:`csat.sem.ml.fit_cov`, then :func:`csat.sem.result.build_result`."""
    cf = fit_cov(cm, ss.cov, ss.n)
    return build_result(cm, cf, ss.cov, ss.n)


def estimate_fiml(cm: CompiledModel, ss: SampleStats) -> SEMResult:
    """Casewise (full-information) ML of ``cm`` for incomplete data, as lavaan ``missing = "ml"``, from
    the sample statistics ``ss`` (:func:`csat.sem.samplestats.sample_stats` with ``missing="fiml"``):
    :func:`csat.sem.fiml.fiml_fit` (estimates, observed information, fit measures), then
    :func:`csat.sem.result.build_result` with the saturated (EM) covariance matrix."""
    cf, ff = fiml_fit(cm, ss)
    return build_result(cm, cf, ss.cov, ss.n, fiml=ff)


def _fit_ml(model: str, data: pd.DataFrame, *, std_lv: bool = False) -> SEMResult:
    return fit(model, data, missing="listwise", std_lv=std_lv)


def _fit_fiml(model: str, data: pd.DataFrame, *, std_lv: bool = False) -> SEMResult:
    return fit(model, data, missing="fiml", std_lv=std_lv)


def _fit_mlr(model: str, data: pd.DataFrame, *, std_lv: bool = False, missing: str = "listwise") -> SEMResult:
    return fit(model, data, missing=missing, std_lv=std_lv, estimator="mlr")


def _fit_mlm(model: str, data: pd.DataFrame, *, std_lv: bool = False) -> SEMResult:
    return fit(model, data, std_lv=std_lv, estimator="mlm")


def _fit_pls(model: str, data: pd.DataFrame, *, missing: str = "mean", **options):
    from csat.sem import pls                 # csat.sem.pls is its own model family (composites)
    return pls.pls_fit(model, data, missing=missing, **options)


register(Estimator("ml", "maximum likelihood on complete cases (lavaan sem(), estimator = \"ML\")",
                   fit=_fit_ml, estimate=estimate_ml, missing="listwise"))
register(Estimator("fiml", "full-information ML for incomplete data (lavaan sem(), missing = \"ml\")",
                   fit=_fit_fiml, estimate=estimate_fiml, missing="fiml"))
register(Estimator("mlr", "ML with Huber-White standard errors and the Yuan-Bentler scaled test (lavaan "
                          "estimator = \"MLR\")", fit=_fit_mlr,
                   estimate=lambda cm, ss: estimate_robust(cm, ss, "mlr"), missing="listwise"))
register(Estimator("mlm", "ML with robust standard errors and the Satorra-Bentler scaled test (lavaan "
                          "estimator = \"MLM\")", fit=_fit_mlm,
                   estimate=lambda cm, ss: estimate_robust(cm, ss, "mlm"), missing="listwise"))
register(Estimator("pls", "partial least squares path modelling (seminr estimate_pls(), SmartPLS); "
                          "returns a csat.sem.pls.PLSResult", fit=_fit_pls))
