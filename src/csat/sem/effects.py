"""Direct, indirect and total effects of a structural model, with percentile bootstrap intervals.

Effects (Bollen 1987; Bollen 1989, ch. 8)
-----------------------------------------
Write the structural part as ``η = B η + ζ`` with ``B[i, j]`` the direct effect of variable j on
variable i (lavaan's ``i ~ j``).  For a recursive model (or a non-recursive one whose effects
converge, i.e. the spectral radius of B is below 1)::

    total    = (I − B)⁻¹ − I
    indirect = total − B
    direct   = B

Standardized effects rescale by the model-implied standard deviations (as lavaan's ``std.all``)::

    std[i, j] = effect[i, j] · sd(j) / sd(i)

with the standard deviations from the model-implied latent covariance matrix (observed variables
in regressions take theirs from the model-implied covariance of the observed variables).

Bootstrap (Efron & Tibshirani 1993; as lavaan ``se = "bootstrap"``)
--------------------------------------------------------------------
Rows are resampled with replacement; all resample indices are drawn up front from
``numpy.random.default_rng(seed)`` (a ``B × n`` integer matrix), so results do not depend on the
number of worker processes.  Each resample is refitted (warm-started from the full-sample
estimates) and classified ``ok``, ``failed`` (error or not converged) or ``inadmissible``
(a negative variance); all three are counted.  Percentile intervals use the admissible (``ok``)
resamples only and are computed exactly as lavaan's ``boot.ci.type = "perc"`` (the
``norm.inter`` interpolation of R's ``boot`` package, Davison & Hinkley 1997, eq. 5.8).
"""
from __future__ import annotations

import math
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.special import ndtri

from csat.core.diagnostics import Diagnostic, diagnostic
from csat.core.procs import die_with_parent

EFFECT_KINDS = ["direct", "indirect", "total", "std.direct", "std.indirect", "std.total"]
EFFECT_COLUMNS = ["from", "to"] + EFFECT_KINDS
CI_COLUMNS = [f"{k}.ci.{s}" for k in EFFECT_KINDS for s in ("lower", "upper")]
STATUS = ("ok", "failed", "inadmissible")


# -- effects ---------------------------------------------------------------------------------
def effect_matrices(B) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(direct, indirect, total)`` for a structural matrix ``B`` (``B[i, j]``: effect of j on i).

    ``total = (I − B)⁻¹ − I`` and ``indirect = total − B`` (Bollen 1987).  Raises ``ValueError``
    when ``I − B`` is singular or the effects of a non-recursive model do not converge
    (spectral radius of B ≥ 1), because total effects are then undefined.
    """
    B = np.asarray(B, dtype=float)
    if B.ndim != 2 or B.shape[0] != B.shape[1]:
        raise ValueError(f"B must be a square matrix, got shape {B.shape}")
    k = B.shape[0]
    if k and np.max(np.abs(np.linalg.eigvals(B))) >= 1 - 1e-12:
        raise ValueError("the structural matrix B has spectral radius >= 1: total effects do not converge")
    total = np.linalg.inv(np.eye(k) - B) - np.eye(k)
    return B.copy(), total - B, total


def standardize_effect_matrix(E, sd) -> np.ndarray:
    """``E[i, j] · sd[j] / sd[i]`` (effect of j on i in standard-deviation units)."""
    E = np.asarray(E, dtype=float)
    sd = np.asarray(sd, dtype=float)
    return E * sd[None, :] / sd[:, None]


def effects_table(B: pd.DataFrame, sd: Mapping[str, float] | pd.Series | None = None,
                  tol: float = 1e-12) -> pd.DataFrame:
    """Tidy direct/indirect/total effects for every ordered pair with a non-zero total effect.

    ``B`` is a square DataFrame (rows = outcomes, columns = predictors, same names).  ``sd`` gives
    the model-implied standard deviation of each variable (for the ``std.*`` columns; NaN
    without it).  Columns ``from, to, direct, indirect, total, std.direct, std.indirect,
    std.total``; rows ordered by outcome then predictor in B's order.
    """
    names = list(B.index)
    if list(B.columns) != names:
        raise ValueError("B must have the same names, in the same order, as rows and columns")
    d, ind, tot = effect_matrices(B.to_numpy(dtype=float))
    if sd is not None:
        s = np.array([float(pd.Series(sd)[n]) for n in names])
        sdir, sind, stot = (standardize_effect_matrix(m, s) for m in (d, ind, tot))
    else:
        sdir = sind = stot = np.full_like(d, np.nan)
    rows = []
    for i, to in enumerate(names):
        for j, fr in enumerate(names):
            if i == j or abs(tot[i, j]) <= tol:
                continue
            rows.append({"from": fr, "to": to, "direct": d[i, j], "indirect": ind[i, j], "total": tot[i, j],
                         "std.direct": sdir[i, j], "std.indirect": sind[i, j], "std.total": stot[i, j]})
    return pd.DataFrame(rows, columns=EFFECT_COLUMNS)


def structural_matrix(estimates: pd.DataFrame, nodes: Sequence[str] | None = None) -> pd.DataFrame:
    """The structural matrix B from a lavaan-style estimates table: ``B[lhs, rhs] = est`` for each
    ``lhs ~ rhs`` row.  ``nodes`` (default: every variable in a regression, in order of first
    appearance) gives the rows/columns."""
    reg = estimates[estimates["op"] == "~"]
    if nodes is None:
        nodes = list(dict.fromkeys([v for pair in zip(reg["lhs"], reg["rhs"]) for v in (pair[1], pair[0])]))
    nodes = list(nodes)
    B = pd.DataFrame(0.0, index=nodes, columns=nodes)
    for lhs, rhs, est in zip(reg["lhs"], reg["rhs"], reg["est"]):
        if lhs in B.index and rhs in B.columns:
            B.loc[lhs, rhs] = float(est)
    return B


def order_nodes(B: pd.DataFrame) -> list[str]:
    """Variables of B in causal order (exogenous first; a topological sort that keeps B's order
    among ties); variables on a feedback loop are appended in B's order."""
    names = list(B.index)
    A = B.to_numpy() != 0          # A[i, j]: j -> i
    done: list[str] = []
    left = list(names)
    while left:
        ready = [n for n in left
                 if all(m in done for j, m in enumerate(names) if A[names.index(n), j] and m != n)]
        if not ready:
            return done + left
        done.append(ready[0])
        left.remove(ready[0])
    return done


# -- percentile interval (lavaan boot.ci.type = "perc") -----------------------------------------
def percentile_ci(t: Sequence[float], level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval exactly as lavaan ``parameterEstimates(boot.ci.type = "perc")``.

    lavaan uses ``norm.inter`` from R's ``boot`` package (Davison & Hinkley 1997, eq. 5.8):
    with R finite draws sorted as t*(1) ≤ … ≤ t*(R), α ∈ {(1−level)/2, (1+level)/2} and
    ``k = ⌊(R + 1) α⌋``, the endpoint is t*(k) when (R + 1) α is whole, else the interpolation
    ``t*(k) + (Φ⁻¹(α) − Φ⁻¹(k/(R+1))) / (Φ⁻¹((k+1)/(R+1)) − Φ⁻¹(k/(R+1))) · (t*(k+1) − t*(k))``;
    k = 0 or R take the extreme draws.  Returns ``(nan, nan)`` without finite draws.
    """
    x = np.sort(np.asarray(t, dtype=float)[np.isfinite(np.asarray(t, dtype=float))])
    R = len(x)
    if R == 0:
        return (math.nan, math.nan)
    out = []
    for a in ((1 - level) / 2, (1 + level) / 2):
        rk = (R + 1) * a
        k = int(math.trunc(rk))
        if abs(k - rk) < 1e-9 * max(1.0, rk) and 1 <= k <= R:
            out.append(float(x[k - 1]))
        elif k <= 0:
            out.append(float(x[0]))
        elif k >= R:
            out.append(float(x[R - 1]))
        else:
            z1, z2, z3 = ndtri(a), ndtri(k / (R + 1)), ndtri((k + 1) / (R + 1))   # Φ⁻¹ (= stats.norm.ppf)
            tk, tk1 = x[k - 1], x[k]
            out.append(float(tk + (z1 - z2) / (z3 - z2) * (tk1 - tk)))
    return out[0], out[1]


# -- bootstrap runner -------------------------------------------------------------------------
def bootstrap_indices(n: int, n_boot: int, seed: int) -> np.ndarray:
    """All resample row indices, drawn up front: ``default_rng(seed).integers(0, n, (n_boot, n))``."""
    if n < 1:
        raise ValueError("cannot bootstrap an empty data set")
    rng = np.random.default_rng(seed)
    return rng.integers(0, n, size=(int(n_boot), int(n)))


@dataclass
class BootstrapDraws:
    """Resample statistics: ``values`` (n_requested × k, NaN where a resample failed), ``status``
    per resample (``ok`` | ``failed`` | ``inadmissible``), the statistic names and the failure
    messages (first few).

    Examples
    --------
    99 admissible draws 1, 2, …, 99 and one failed resample: the 90% percentile interval is the
    5th and the 95th order statistic ((R + 1)·α of R = 99, no interpolation needed):

    >>> import numpy as np
    >>> from csat.sem.effects import BootstrapDraws, bootstrap_diagnostics
    >>> draws = BootstrapDraws(["b"], np.append(np.arange(1.0, 100.0), np.nan)[:, None],
    ...                        np.array(["ok"] * 99 + ["failed"]))
    >>> draws.counts()
    {'n_requested': 100, 'n_ok': 99, 'n_failed': 1, 'n_inadmissible': 0}
    >>> draws.ci(0.90)[["name", "ci.lower", "ci.upper"]]
      name  ci.lower  ci.upper
    0    b       5.0      95.0
    >>> [d.code for d in bootstrap_diagnostics(draws)]
    ['bootstrap_failed']
    """

    names: list[str]
    values: np.ndarray
    status: np.ndarray
    messages: list[str] = field(default_factory=list)

    @property
    def n_requested(self) -> int:
        return int(len(self.status))

    @property
    def n_ok(self) -> int:
        return int(np.sum(self.status == "ok"))

    @property
    def n_failed(self) -> int:
        return int(np.sum(self.status == "failed"))

    @property
    def n_inadmissible(self) -> int:
        return int(np.sum(self.status == "inadmissible"))

    def counts(self) -> dict:
        """``{"n_requested", "n_ok", "n_failed", "n_inadmissible"}``."""
        return {"n_requested": self.n_requested, "n_ok": self.n_ok, "n_failed": self.n_failed,
                "n_inadmissible": self.n_inadmissible}

    def ok_values(self) -> np.ndarray:
        return self.values[self.status == "ok"]

    def ci(self, level: float = 0.95) -> pd.DataFrame:
        """Percentile intervals (lavaan's ``perc``) from the admissible resamples, one row per statistic:
        ``name, ci.lower, ci.upper, boot.se`` (sd of the admissible draws, ddof = 1)."""
        ok = self.ok_values()
        rows = []
        for j, nm in enumerate(self.names):
            lo, hi = percentile_ci(ok[:, j], level) if len(ok) else (math.nan, math.nan)
            col = ok[:, j][np.isfinite(ok[:, j])] if len(ok) else np.array([])
            rows.append({"name": nm, "ci.lower": lo, "ci.upper": hi,
                         "boot.se": float(np.std(col, ddof=1)) if len(col) > 1 else math.nan})
        return pd.DataFrame(rows, columns=["name", "ci.lower", "ci.upper", "boot.se"])


def _run_chunk(stat: Callable, rows: np.ndarray, idx: np.ndarray):
    """Apply ``stat`` to resamples ``idx`` (2-D) in one process, BLAS limited to one thread."""
    from threadpoolctl import threadpool_limits

    out = []
    with threadpool_limits(limits=1):
        for r, ix in zip(rows, idx):
            try:
                status, vals = stat(ix)
                if status not in STATUS:
                    raise ValueError(f"statistic returned unknown status {status!r}")
                out.append((int(r), status, None if vals is None else np.asarray(vals, dtype=float), None))
            except Exception as err:  # a failed resample is counted, never dropped
                out.append((int(r), "failed", None, f"{type(err).__name__}: {err}"))
    return out


def default_workers() -> int:
    """Worker processes: the CPUs this process may use (``os.sched_getaffinity``), else ``os.cpu_count()``."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def run_bootstrap(stat: Callable[[np.ndarray], tuple[str, Sequence[float] | None]], indices: np.ndarray,
                  names: Sequence[str], workers: int | None = None, chunks_per_worker: int = 4,
                  map_chunks: Callable | None = None) -> BootstrapDraws:
    """Apply ``stat(row_indices) -> (status, values)`` to every resample in ``indices``.

    ``stat`` must be picklable when ``workers > 1`` (it is sent to worker processes with each
    chunk).  Resamples are split into contiguous chunks and run on a ``ProcessPoolExecutor``;
    results are put back in resample order, so they do not depend on the number of workers.
    A resample whose statistic raises is counted as ``failed`` with its message kept.

    ``map_chunks`` (a map-like callable, ``map_chunks(fn, *iterables)`` returning ``fn``'s results in order,
    as ``Executor.map`` or a Dask client's map, :func:`csat.pipeline.cluster.bootstrap_options`) runs the
    chunks instead of the process pool, e.g. on a cluster; ``workers`` is then the number of workers it
    spreads them over.  The resamples are the same, so are the results.
    """
    indices = np.asarray(indices)
    n_boot = indices.shape[0]
    k = len(names)
    workers = default_workers() if workers is None else max(1, int(workers))
    values = np.full((n_boot, k), np.nan)
    status = np.array(["failed"] * n_boot, dtype=object)
    messages: list[str] = []
    if n_boot == 0:
        return BootstrapDraws(list(names), values, status.astype(str), messages)
    rows = np.arange(n_boot)
    if map_chunks is not None:
        splits = np.array_split(rows, min(n_boot, workers * chunks_per_worker))
        parts = list(map_chunks(_run_chunk, [stat] * len(splits), splits, [indices[s] for s in splits]))
    elif workers == 1 or n_boot < 2:
        parts = [_run_chunk(stat, rows, indices)]
    else:
        n_chunks = min(n_boot, workers * chunks_per_worker)
        splits = np.array_split(rows, n_chunks)
        # a kernel killed during 05_sem (Ctrl-C on make, a killed build) leaves no worker running
        with ProcessPoolExecutor(max_workers=workers, initializer=die_with_parent,
                                 initargs=(os.getpid(),)) as ex:
            futs = [ex.submit(_run_chunk, stat, s, indices[s]) for s in splits]
            parts = [f.result() for f in futs]
    for part in parts:
        for r, st, vals, msg in part:
            status[r] = st
            if vals is not None:
                if vals.shape != (k,):
                    status[r] = "failed"
                    msg = f"statistic returned {vals.shape[0] if vals.ndim else 0} values, expected {k}"
                else:
                    values[r] = vals
            if msg and len(messages) < 20:
                messages.append(f"resample {r + 1}: {msg}")
    return BootstrapDraws(list(names), values, status.astype(str), messages)


def bootstrap_diagnostics(draws: BootstrapDraws, where: str = "bootstrap") -> list[Diagnostic]:
    """Diagnostics for failed or inadmissible resamples (``bootstrap_failed``,
    ``bootstrap_inadmissible``, ``bootstrap_too_few`` when under half are usable).

    Parameters
    ----------
    draws : BootstrapDraws
    where : str
        The place named in each diagnostic.

    Returns
    -------
    list of csat.core.diagnostics.Diagnostic
        Empty for no resamples (``bootstrap: 0``).  See :class:`BootstrapDraws` for an example.
    """
    out = []
    c = draws.counts()
    if c["n_requested"] == 0:
        return out
    if c["n_failed"]:
        if draws.messages:
            out.append(diagnostic("bootstrap_failed", "warning", where,
                                  "{n_failed} of {n_requested} bootstrap resamples failed to converge or raised an "
                                  "error; intervals use the {n_ok} admissible resamples. First: {first}",
                                  n_failed=c["n_failed"], n_requested=c["n_requested"], n_ok=c["n_ok"],
                                  first=draws.messages[0]))
        else:
            out.append(diagnostic("bootstrap_failed", "warning", where,
                                  "{n_failed} of {n_requested} bootstrap resamples failed to converge or raised an "
                                  "error; intervals use the {n_ok} admissible resamples.",
                                  n_failed=c["n_failed"], n_requested=c["n_requested"], n_ok=c["n_ok"]))
    if c["n_inadmissible"]:
        out.append(diagnostic("bootstrap_inadmissible", "warning", where,
                              "{n_inadmissible} of {n_requested} bootstrap resamples had a negative "
                              "variance (inadmissible); intervals use the {n_ok} admissible resamples.",
                              n_inadmissible=c["n_inadmissible"], n_requested=c["n_requested"], n_ok=c["n_ok"]))
    if c["n_ok"] < 0.5 * c["n_requested"]:
        out.append(diagnostic("bootstrap_too_few", "error", where,
                              "only {n_ok} of {n_requested} bootstrap resamples are usable; the "
                              "bootstrap intervals are untrustworthy.", n_ok=c["n_ok"], n_requested=c["n_requested"]))
    return out


def effects_with_ci(effects: pd.DataFrame, draws: BootstrapDraws, level: float = 0.95) -> pd.DataFrame:
    """Add percentile CI columns (``direct.ci.lower`` … ``std.total.ci.upper``) to an effects table.

    Parameters
    ----------
    effects : DataFrame
        :func:`sem_effects` (or :func:`effects_table`).
    draws : BootstrapDraws
        Resampled effects; ``draws.names`` must hold ``"<kind>|<from>|<to>"`` for each kind in
        :data:`EFFECT_KINDS` (:func:`effect_stat_names`).
    level : float
        Confidence level of the percentile intervals (lavaan ``boot.ci.type = "perc"``).

    Returns
    -------
    DataFrame
        :data:`EFFECT_COLUMNS` + :data:`CI_COLUMNS`; NaN intervals where there are no draws.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from csat.sem.effects import BootstrapDraws, effects_with_ci, effect_stat_names
    >>> eff = pd.DataFrame({"from": ["X"], "to": ["Y"], "direct": [0.5], "indirect": [0.0], "total": [0.5],
    ...                     "std.direct": [0.4], "std.indirect": [0.0], "std.total": [0.4]})
    >>> names = effect_stat_names(eff)
    >>> vals = np.tile(np.arange(1.0, 100.0)[:, None] / 100, (1, len(names)))
    >>> out = effects_with_ci(eff, BootstrapDraws(names, vals, np.array(["ok"] * 99)), level=0.90)
    >>> out[["direct", "direct.ci.lower", "direct.ci.upper"]]
       direct  direct.ci.lower  direct.ci.upper
    0     0.5             0.05             0.95
    """
    ci = draws.ci(level).set_index("name") if draws.n_requested else None
    out = effects.copy()
    for kind in EFFECT_KINDS:
        lo, hi = [], []
        for fr, to in zip(out["from"], out["to"]):
            key = f"{kind}|{fr}|{to}"
            if ci is not None and key in ci.index:
                lo.append(ci.at[key, "ci.lower"])
                hi.append(ci.at[key, "ci.upper"])
            else:
                lo.append(math.nan)
                hi.append(math.nan)
        out[f"{kind}.ci.lower"] = lo
        out[f"{kind}.ci.upper"] = hi
    return out[EFFECT_COLUMNS + CI_COLUMNS]


def effect_stat_names(effects: pd.DataFrame) -> list[str]:
    """Statistic names ``"<kind>|<from>|<to>"`` of an effects table, kind-major."""
    return [f"{k}|{fr}|{to}" for k in EFFECT_KINDS for fr, to in zip(effects["from"], effects["to"])]


def effect_stat_values(B: np.ndarray, sd: np.ndarray, pairs: Sequence[tuple[int, int]]) -> np.ndarray:
    """The statistic vector matching :func:`effect_stat_names` for B (node order) and the node sds;
    ``pairs`` are ``(i_to, j_from)`` positions."""
    d, ind, tot = effect_matrices(B)
    mats = [d, ind, tot] + [standardize_effect_matrix(m, sd) for m in (d, ind, tot)]
    return np.array([m[i, j] for m in mats for i, j in pairs])


# -- effects and bootstrap of a fitted csat.sem model ---------------------------------------------
def _as_frame(M, names: Sequence[str] | None) -> pd.DataFrame:
    if isinstance(M, pd.DataFrame):
        return M
    M = np.asarray(M, dtype=float)
    names = list(names) if names is not None else [str(i) for i in range(M.shape[0])]
    return pd.DataFrame(M, index=names, columns=names)


def regression_nodes(estimates: pd.DataFrame, latent: Sequence[str] = ()) -> list[str]:
    """Variables in structural regressions: latent variables in the model's order first, then
    observed ones in order of appearance."""
    reg = estimates[estimates["op"] == "~"]
    inreg = list(dict.fromkeys([v for pair in zip(reg["rhs"], reg["lhs"]) for v in pair]))
    lat = [v for v in latent if v in set(inreg)]
    return lat + [v for v in inreg if v not in set(lat)]


def implied_sds(fit, nodes: Sequence[str]) -> pd.Series:
    """Model-implied standard deviations of ``nodes``: latent variables from ``fit.latent_cov()``,
    observed variables from ``fit.implied_cov``."""
    lat = _as_frame(fit.latent_cov(), getattr(fit, "latent", None))
    obs = _as_frame(fit.implied_cov, getattr(fit, "observed", None))
    out = {}
    for v in nodes:
        if v in lat.index:
            out[v] = float(np.sqrt(max(lat.loc[v, v], 0.0))) if lat.loc[v, v] >= 0 else math.nan
        elif v in obs.index:
            out[v] = float(np.sqrt(obs.loc[v, v])) if obs.loc[v, v] >= 0 else math.nan
        else:
            out[v] = math.nan
    return pd.Series(out, dtype=float)


def sem_effects(fit) -> pd.DataFrame:
    """Direct, indirect and total effects (raw and standardized) of a fitted ``csat.sem`` model
    between every pair of variables linked by structural paths (see :func:`effects_table`).

    Parameters
    ----------
    fit : csat.sem.SEMResult
        A fitted structural model.

    Returns
    -------
    DataFrame
        :data:`EFFECT_COLUMNS`: ``from, to, direct, indirect, total`` and their ``std.*``
        (lavaan's ``std.all`` scale); empty when the model has no regressions.

    Examples
    --------
    Bollen's (1989) political democracy model:

    >>> import pandas as pd
    >>> from csat.sem import effects; from csat import sem
    >>> d = pd.read_csv("../shared/datasets/political_democracy.csv")
    >>> model = ("ind60 =~ x1 + x2 + x3; dem60 =~ y1 + y2 + y3 + y4; dem65 =~ y5 + y6 + y7 + y8;"
    ...          "dem60 ~ ind60; dem65 ~ ind60 + dem60; y1 ~~ y5; y2 ~~ y4 + y6; y3 ~~ y7; y4 ~~ y8; y6 ~~ y8")
    >>> eff = effects.sem_effects(sem.fit(model, d))
    >>> eff[["from", "to", "indirect", "std.indirect", "std.total"]].round(3)
        from     to  indirect  std.indirect  std.total
    0  ind60  dem60     0.000         0.000      0.447
    1  ind60  dem65     1.242         0.395      0.578
    2  dem60  dem65     0.000         0.000      0.885

    In R, with the paths labelled (``dem60 ~ a*ind60``, ``dem65 ~ c*ind60 + b*dem60``,
    ``ind := a*b``, ``total := c + a*b``) and ``fit <- sem(model, PoliticalDemocracy)``:
    ``subset(parameterEstimates(fit), lhs == "ind")$est`` → 1.242,
    ``subset(standardizedSolution(fit), lhs == "ind")$est.std`` → 0.395 and
    ``subset(standardizedSolution(fit), lhs == "total")$est.std`` → 0.578.
    """
    est = fit.estimates
    nodes = regression_nodes(est, list(getattr(fit, "latent", [])))
    if not nodes:
        return pd.DataFrame(columns=EFFECT_COLUMNS)
    B = structural_matrix(est, nodes)
    return effects_table(B, implied_sds(fit, nodes))
