"""Percentile bootstrap of a fitted structural model: effects and defined parameters.

``bootstrap_sem(fit, data, n_boot, seed)`` resamples respondents (rows) with replacement, refits
every resample from its covariance matrix with the compiled model (parsed once, warm-started from
the full-sample estimates, BLAS limited to one thread, resamples spread over worker processes), and
collects the direct, indirect and total effects (raw and standardized, as
:func:`csat.sem.effects.sem_effects`) and every ``:=`` defined parameter.  Resamples that do not
converge are counted as ``failed``, those with a negative variance as ``inadmissible``; both are
reported, and the percentile intervals (lavaan's ``boot.ci.type = "perc"``) use the admissible
resamples only.  A FIML fit (``missing="fiml"``) is bootstrapped the same way, as lavaan does:
respondents are resampled with their missing answers and every resample is refitted by FIML
(:func:`csat.sem.fiml.fiml_refit`, warm-started from the full-sample estimates and means).  A WLSMV fit
(ordered items) refits every resample from scratch with :func:`csat.sem.wlsmv.wlsmv_fit` (its own
thresholds, polychoric correlations and weights; a resample in which an answer category is missing has
fewer thresholds); a resample with a negative (residual) variance counts as inadmissible.  All resample indices are drawn up front from ``numpy.random.default_rng(seed)``,
so the results do not depend on the number of workers.

How a listwise resample is refitted (lavaan's bootstrap does the same: ``bootstrapLavaan`` starts
every resample from the full-sample estimates and has no restart): Newton/Fisher-scoring steps from the
full-sample estimates (:func:`csat.sem.ml.fit_cov`), at most :data:`WARM_ITER` iterations.  A resample
is given up as ``failed`` once its step had to be halved ``GIVE_UP[0]`` or more times ``GIVE_UP[1]``
iterations running: the quadratic model overshoots by a factor of 64 again and again, i.e. the
information is nearly singular along the step and the iterates drift down a flat valley (on the ECSI
survey the Hessian at the estimates has an eigenvalue of about 1e-7 and such resamples are common).
Both rules only decide between ``failed`` and ``inadmissible``; the percentile intervals use the ``ok``
resamples, and those are lavaan's: on lavaan's own 200 resamples of the ECSI survey
(``tests/reference/bootstrap_ecsi.R``) 100 of lavaan's 101 ok resamples are ok here, 2 more are ok
here only, and the effects of the common ones agree (median difference 3e-5; lavaan stops at a relative
change of F of 1e-10, we at max |gradient| < 1e-9).  On 500 resamples the give-up rule never stopped
a resample that converges to an admissible solution within 20 iterations without it.  An earlier
version restarted non-converged resamples from fresh start values: that never turned a resample ``ok``
(0 of 500), moved 29 of lavaan's 57 failed resamples to ``inadmissible`` and cost up to 40 more
iterations each.

Cost: a listwise resample costs one covariance matrix and the Newton/Fisher iterations
(:func:`csat.sem.ml.fit_cov`: one triangular inversion of ``I − A`` and one Cholesky factorisation
per objective or derivative evaluation, all traces of the Hessian gathered from two ``2m × 2m``
products).  ``make bench`` reports the cost per resample and where it goes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

import numpy as np
import pandas as pd

from csat.sem import effects as eff
from csat.sem.fiml import fiml_refit
from csat.sem.ml import fit_cov
from csat.sem.result import eval_expr, label_env, row_values

if TYPE_CHECKING:                      # pragma: no cover
    from csat.sem.partable import CompiledModel
    from csat.sem.result import SEMResult


# A listwise resample is refitted from the full-sample estimates only (lavaan's bootstrap does the
# same), for at most WARM_ITER Newton/Fisher iterations, and given up as failed once its step had to be
# halved GIVE_UP[0] or more times GIVE_UP[1] iterations running (see the module docstring).
WARM_ITER = 30
GIVE_UP = (6, 3)


class _SEMStat:
    """Picklable statistic: refit one resample and return (status, values)."""

    def __init__(self, cm: CompiledModel, X: np.ndarray, start: np.ndarray, nodes: list[str],
                 pairs: list[tuple[int, int]], defined: list[str]):
        self._cm, self.X, self.start = cm, X, start
        self.nodes, self.pairs, self.defined = nodes, pairs, defined
        names = list(cm.names)
        self._node_ix = [names.index(v) for v in nodes]

    def _compiled(self):
        return self._cm

    def values_at(self, theta: np.ndarray, S: np.ndarray) -> np.ndarray:
        cm = self._compiled()
        _, E, Sm, A = cm.implied(theta, S)
        ix = self._node_ix
        B = A[np.ix_(ix, ix)]
        C = E @ Sm @ E.T
        sd = np.sqrt(np.clip(np.diag(C)[ix], 0, None))
        vals = list(eff.effect_stat_values(B, sd, self.pairs))
        if self.defined:
            env = label_env(cm, row_values(cm, theta, S))
            for name, expr in cm.defined:
                env[name] = eval_expr(expr, env)
            vals += [env[nm] for nm in self.defined]
        return np.asarray(vals, float)

    def __call__(self, idx: np.ndarray):
        cm = self._compiled()
        Xb = self.X[idx]
        S = np.cov(Xb, rowvar=False, bias=True)
        cf = fit_cov(cm, S, len(idx), start=self.start, warm_iter=WARM_ITER, restart_iter=0, give_up=GIVE_UP)
        if not cf.converged:
            return "failed", None
        _, Sm = cm.matrices(cf.theta, S)
        status = "inadmissible" if (Sm.diagonal() < 0).any() else "ok"
        return status, self.values_at(cf.theta, S)


class _FIMLStat(_SEMStat):
    """Picklable statistic for a FIML fit: refit one resample (rows with their missing answers)."""

    def __call__(self, idx: np.ndarray):
        cm = self._compiled()
        cf, _ = fiml_refit(cm, self.X[idx], self.start)
        if not cf.converged:
            return "failed", None
        _, _, Sm, _ = cm.implied(cf.theta)
        if np.any(np.diag(Sm) < 0):
            return "inadmissible", self.values_at(cf.theta, None)
        return "ok", self.values_at(cf.theta, None)


class _WLSMVStat(_SEMStat):
    """Picklable statistic for a WLSMV fit: refit one resample (its rows of the ordered items) from scratch
    with :func:`csat.sem.wlsmv.wlsmv_fit` (thresholds, polychoric correlations and their weights of the
    resample), as lavaan's bootstrap of a WLSMV fit."""

    def __init__(self, cm, X, start, nodes, pairs, defined, *, model, columns, ordered, std_lv):
        super().__init__(cm, X, start, nodes, pairs, defined)
        self.model, self.columns, self.ordered, self.std_lv = model, list(columns), list(ordered), std_lv

    def __call__(self, idx: np.ndarray):
        from csat.sem.wlsmv import wlsmv_fit
        res = wlsmv_fit(self.model, pd.DataFrame(self.X[idx], columns=self.columns), ordered=self.ordered,
                        std_lv=self.std_lv)
        if not res.converged:
            return "failed", None
        A, Sm = res.A.to_numpy(), res.Smat.to_numpy()
        status = "inadmissible" if (Sm.diagonal() < 0).any() else "ok"
        return status, self._values(res.model, res.theta, A, Sm)

    def _values(self, cm, theta, A, Sm) -> np.ndarray:
        names = list(cm.names)
        ix = [names.index(v) for v in self.nodes]
        E = np.linalg.inv(np.eye(cm.m) - A)
        C = E @ Sm @ E.T
        sd = np.sqrt(np.clip(np.diag(C)[ix], 0, None))
        vals = list(eff.effect_stat_values(A[np.ix_(ix, ix)], sd, self.pairs))
        if self.defined:
            env = label_env(cm, row_values(cm, theta, None))
            for name, expr in cm.defined:
                env[name] = eval_expr(expr, env)
            vals += [env[nm] for nm in self.defined]
        return np.asarray(vals, float)


@dataclass
class SEMBootstrap:
    effects: pd.DataFrame          # sem_effects(fit) with percentile CI columns
    defined: pd.DataFrame          # name, est, ci.lower, ci.upper, boot.se
    draws: eff.BootstrapDraws
    workers: int
    seed: int

    @property
    def n_ok(self) -> int:
        return self.draws.n_ok

    @property
    def n_failed(self) -> int:
        return self.draws.n_failed

    @property
    def n_inadmissible(self) -> int:
        return self.draws.n_inadmissible

    def counts(self) -> dict:
        return {**self.draws.counts(), "seed": self.seed, "workers": self.workers}


def bootstrap_sem(fit: SEMResult, data: pd.DataFrame, n_boot: int = 1000, seed: int = 2024,
                  workers: int | None = None, level: float = 0.95,
                  indices: np.ndarray | None = None, map_chunks: Callable | None = None) -> SEMBootstrap:
    """Percentile bootstrap intervals for the effects and ``:=`` parameters of ``fit``.

    ``data`` is the data the model was fitted on.  For a listwise fit, rows with a missing observed
    variable are dropped first (as in the fit) and each resample is refitted from its covariance
    matrix; for a FIML fit, every row with at least one observed model variable is kept (as in the
    fit) and each resample is refitted by FIML.  ``indices`` (``n_boot × n`` row positions into
    those rows) replaces the seeded draw, e.g. to repeat a reference computation.  Returns a
    :class:`SEMBootstrap` with the effects table (``from, to, direct, indirect, total, std.*`` and
    ``*.ci.lower/upper``), the defined parameters and the resample counts.  ``map_chunks`` (map-like,
    :func:`csat.sem.effects.run_bootstrap`) runs the chunks of resamples elsewhere, e.g. on a cluster, over
    ``workers`` workers; the draws, and so the intervals, are those of a local run.
    """
    missing = getattr(fit, "missing", "listwise")
    if missing not in ("listwise", "fiml"):
        raise ValueError(f"cannot bootstrap a fit with missing={missing!r}")
    columns = list(fit.observed)
    X = data[columns].apply(pd.to_numeric, errors="coerce")
    if missing == "listwise":
        X = X.dropna().to_numpy(float)
    else:
        X = X.to_numpy(float)
        X = X[np.isfinite(X).any(axis=1)]
    if len(X) != fit.n:
        raise ValueError(f"the data have {len(X)} usable rows but the fit used n = {fit.n}; "
                         "pass the data the model was fitted on")
    effects = eff.sem_effects(fit)
    est = fit.estimates
    nodes = eff.regression_nodes(est, list(fit.latent))
    pairs = [(nodes.index(t), nodes.index(f)) for f, t in zip(effects["from"], effects["to"])]
    defined = list(est.loc[est["op"] == ":=", "lhs"])
    wls = getattr(fit, "wls", None)
    if getattr(fit, "estimator", "ML") == "WLSMV" and wls is not None and "model" in wls:
        stat = _WLSMVStat(fit.model, X, np.asarray(fit.theta, float), nodes, pairs, defined, model=wls["model"],
                          columns=columns, ordered=wls["ordered"], std_lv=wls["std_lv"])
    elif missing == "listwise":
        stat = _SEMStat(fit.model, X, np.asarray(fit.theta, float), nodes, pairs, defined)
    else:
        start = np.concatenate([np.asarray(fit.theta, float), fit.implied_mean.to_numpy(float)])
        stat = _FIMLStat(fit.model, X, start, nodes, pairs, defined)
    names = eff.effect_stat_names(effects) + [f"defined|{d}" for d in defined]
    if indices is None:
        idx = eff.bootstrap_indices(len(X), n_boot, seed)
    else:
        idx = np.asarray(indices, dtype=np.int64)
        if idx.ndim != 2 or idx.shape[1] != len(X) or idx.min() < 0 or idx.max() >= len(X):
            raise ValueError(f"indices must be an (n_boot × {len(X)}) array of row positions")
    w = eff.default_workers() if workers is None else max(1, int(workers))
    draws = eff.run_bootstrap(stat, idx, names, workers=w, map_chunks=map_chunks)
    table = eff.effects_with_ci(effects, draws, level)
    ci = draws.ci(level).set_index("name")
    drows = []
    for d in defined:
        r = est[(est["op"] == ":=") & (est["lhs"] == d)].iloc[0]
        key = f"defined|{d}"
        drows.append({"name": d, "expression": r["rhs"], "est": r["est"], "std.all": r.get("std.all"),
                      "ci.lower": ci.at[key, "ci.lower"], "ci.upper": ci.at[key, "ci.upper"],
                      "boot.se": ci.at[key, "boot.se"]})
    dtab = pd.DataFrame(drows, columns=["name", "expression", "est", "std.all", "ci.lower", "ci.upper", "boot.se"])
    return SEMBootstrap(table, dtab, draws, w, int(seed))
