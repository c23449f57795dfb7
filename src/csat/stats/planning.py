"""Survey planning before fieldwork: sample sizes, stratified allocation, invitations and SEM power.

Pure functions of numbers (no study, no language); :mod:`csat.analyses.planning` reads the study's
``design:`` block and writes the plan's texts. Every number equals R (base R ``qnorm`` for Cochran and
the allocations, semTools 0.5-6 ``findRMSEApower`` / ``findRMSEAsamplesize`` for the power of the test
of close fit); ``tests/reference/planning.R`` makes the references and ``tests/stats/test_planning.py``
compares them to 1e-6.

Formulas (``z = qnorm(1 − (1 − level)/2)``, 1.959964 at 95 %):

- Cochran (1977, *Sampling Techniques*, 3rd ed., §4.4): for a proportion ``n₀ = z² p(1 − p) / e²``, for a
  mean ``n₀ = z² σ² / e²``; times the design effect ``deff``; with a finite population of ``N`` the
  correction ``n = n₀ / (1 + (n₀ − 1)/N)``.
- The margin achieved by ``n`` inverts it: ``e = z √(deff · S² / n · (N − n)/(N − 1))`` (proportion,
  ``S² = p(1 − p)``), ``e = z √(deff · σ² / n · (1 − n/N))`` (mean).
- Stratified (Cochran §5.5, §5.9): ``V = Σ W_h² (1 − n_h/N_h) S_h² / n_h`` with ``W_h = N_h/N``; the
  allocations ``n_h ∝ N_h`` (proportional), ``n_h ∝ N_h S_h`` (Neyman), ``n_h = n/H`` (equal); each
  ``n_h`` is rounded up and raised to its minimum (never above ``N_h``).
- MacCallum, Browne & Sugawara (1996, *Psychological Methods* 1, 130–149): under RMSEA ε the test
  statistic is non-central χ² with ``df`` and ``λ = (n − 1) df ε²``; the power of the test of close fit
  (H₀: ε ≤ ε₀ against ε_A > ε₀) is ``P(χ²(df, λ_A) > q)`` with ``q`` the ``1 − α`` quantile under ε₀.
"""
from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["z_value", "n_proportion", "n_mean", "margin_proportion", "margin_mean", "allocate",
           "stratified_margin", "invitations", "rmsea_power", "rmsea_sample_size", "ALLOCATIONS"]

ALLOCATIONS = ("proportional", "neyman", "equal")


def z_value(level: float = 0.95) -> float:
    """The two-sided normal quantile of a confidence level, R's ``qnorm(1 - (1 - level) / 2)``.

    >>> round(z_value(), 6)
    1.959964
    """
    return float(stats.norm.ppf(1 - (1 - level) / 2))


def _fpc(n0: float, population: float | None) -> float:
    return n0 if population is None else n0 / (1 + (n0 - 1) / population)


def n_proportion(margin: float, p: float = 0.5, level: float = 0.95, population: float | None = None,
                 deff: float = 1.0) -> float:
    """Cochran's sample size for a proportion: ``n₀ = deff · z² p(1 − p)/e²``, then ``n₀/(1 + (n₀ − 1)/N)``.

    Not rounded (round up for the plan). ``p = .5`` is the worst case.

    >>> round(n_proportion(0.05), 4)            # R: qnorm(.975)^2 * .25 / .05^2 = 384.1459
    384.1459
    >>> round(n_proportion(0.05, population=2000), 4)   # R: n0 / (1 + (n0 - 1) / 2000) = 322.3855
    322.3855
    """
    z = z_value(level)
    return _fpc(deff * z * z * p * (1 - p) / margin ** 2, population)


def n_mean(margin: float, sd: float, level: float = 0.95, population: float | None = None,
           deff: float = 1.0) -> float:
    """Cochran's sample size for a mean: ``n₀ = deff · z² σ²/e²``, then the finite-population correction.

    >>> round(n_mean(2.5, 20), 4)               # R: qnorm(.975)^2 * 20^2 / 2.5^2 = 245.8534
    245.8534
    """
    z = z_value(level)
    return _fpc(deff * z * z * sd * sd / margin ** 2, population)


def margin_proportion(n: float, p: float = 0.5, level: float = 0.95, population: float | None = None,
                      deff: float = 1.0) -> float:
    """Half-width of the interval of a proportion from ``n`` respondents (the inverse of :func:`n_proportion`).

    >>> round(margin_proportion(400), 6)        # R: qnorm(.975) * sqrt(.25 / 400) = 0.048999
    0.048999
    """
    f = 1.0 if population is None else (population - n) / (population - 1)
    return z_value(level) * math.sqrt(max(deff * p * (1 - p) / n * f, 0.0))


def margin_mean(n: float, sd: float, level: float = 0.95, population: float | None = None,
                deff: float = 1.0) -> float:
    """Half-width of the interval of a mean from ``n`` respondents: ``z √(deff σ²/n (1 − n/N))``.

    >>> round(margin_mean(400, 20), 6)          # R: qnorm(.975) * 20 / sqrt(400) = 1.959964
    1.959964
    """
    f = 1.0 if population is None else 1 - n / population
    return z_value(level) * math.sqrt(max(deff * sd * sd / n * f, 0.0))


def allocate(n: float, populations: Mapping[str, float], method: str = "proportional",
             sds: Mapping[str, float] | None = None, minimum: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Allocate ``n`` interviews over strata.

    Parameters
    ----------
    n : total sample size (before the minimums).
    populations : stratum → population size ``N_h``.
    method : ``proportional`` (``n N_h/N``), ``neyman`` (``n N_h S_h / Σ N_k S_k``) or ``equal`` (``n/H``).
    sds : stratum → ``S_h`` (Neyman; a missing stratum counts 1).
    minimum : stratum → the least ``n_h`` (e.g. for the group's own margin).

    Returns
    -------
    DataFrame with ``stratum, population, share, sd, exact, minimum, n``: ``exact`` the unrounded
    allocation, ``n = min(N_h, max(⌈exact⌉, ⌈minimum⌉))``.

    Examples
    --------
    >>> allocate(400, {"north": 6000, "south": 3000, "west": 1000})[["stratum", "exact", "n"]]
      stratum  exact    n
    0   north  240.0  240
    1   south  120.0  120
    2    west   40.0   40
    """
    if method not in ALLOCATIONS:
        raise ValueError(f"allocation must be one of {ALLOCATIONS}, not {method!r}")
    names = list(populations)
    N = np.array([float(populations[k]) for k in names])
    S = np.array([float((sds or {}).get(k, 1.0)) for k in names])
    if method == "proportional":
        w = N / N.sum()
    elif method == "neyman":
        w = N * S / (N * S).sum()
    else:
        w = np.full(len(N), 1 / len(N))
    exact = n * w
    mins = np.array([float((minimum or {}).get(k, 0.0)) for k in names])
    # ceil of a value within 1e-9 of an integer is that integer (floating noise of n·w)
    up = np.ceil(np.maximum(exact, mins) - 1e-9)
    nh = np.minimum(up, N).astype(int)
    return pd.DataFrame({"stratum": names, "population": N.astype(int) if np.all(N == N.round()) else N,
                         "share": N / N.sum(), "sd": S, "exact": exact, "minimum": mins, "n": nh})


def stratified_margin(n: Sequence[float], populations: Sequence[float], sds: Sequence[float],
                      level: float = 0.95, deff: float = 1.0) -> float:
    """Half-width of a stratified estimate: ``z √(deff Σ W_h² (1 − n_h/N_h) S_h²/n_h)``.

    For a proportion pass ``S_h = √(p(1 − p) N_h/(N_h − 1))``.

    >>> round(stratified_margin([240, 120, 40], [6000, 3000, 1000], [20, 20, 20]), 6)   # R: 1.920365
    1.920365
    """
    n, N, S = (np.asarray(x, dtype=float) for x in (n, populations, sds))
    W = N / N.sum()
    return z_value(level) * math.sqrt(deff * float(np.sum(W ** 2 * (1 - n / N) * S ** 2 / n)))


def invitations(completes: float, response_rate: float = 1.0, valid_rate: float = 1.0) -> int:
    """How many to invite for ``completes`` valid interviews: ``⌈completes / (response · valid)⌉``.

    >>> invitations(400, 0.25, 0.9)
    1778
    """
    return int(math.ceil(completes / (response_rate * valid_rate) - 1e-9))


def rmsea_power(df: int, n: float, rmsea0: float = 0.05, rmsea_a: float = 0.08, alpha: float = 0.05,
                groups: int = 1) -> float:
    """Power of the RMSEA test (MacCallum, Browne & Sugawara 1996), semTools' ``findRMSEApower``.

    ``rmsea0 < rmsea_a`` is the test of close fit (reject H₀: ε ≤ ε₀); otherwise the test of not-close fit.

    >>> round(rmsea_power(df=50, n=200), 6)    # R: semTools::findRMSEApower(.05, .08, 50, 200) = 0.769105
    0.769105
    """
    ncp0 = (n - 1) * df * rmsea0 ** 2 / groups
    ncpa = (n - 1) * df * rmsea_a ** 2 / groups
    if rmsea0 < rmsea_a:
        q = stats.ncx2.isf(alpha, df, ncp0)
        return float(stats.ncx2.sf(q, df, ncpa))
    q = stats.ncx2.isf(1 - alpha, df, ncp0)
    return float(1 - stats.ncx2.sf(q, df, ncpa))


def rmsea_sample_size(df: int, power: float = 0.8, rmsea0: float = 0.05, rmsea_a: float = 0.08,
                      alpha: float = 0.05, groups: int = 1) -> int:
    """The least ``n ≥ 5`` whose :func:`rmsea_power` exceeds ``power`` (semTools' ``findRMSEAsamplesize``,
    which searches n = 5, 6, …; 5 when even n = 5 is enough).

    >>> rmsea_sample_size(df=50)               # R: semTools::findRMSEAsamplesize(.05, .08, 50, .8) = 214
    214
    """
    lo = 5
    if rmsea_power(df, lo, rmsea0, rmsea_a, alpha, groups) > power:
        return lo
    hi = 10
    while rmsea_power(df, hi, rmsea0, rmsea_a, alpha, groups) <= power:
        lo, hi = hi, hi * 2
        if hi > 10 ** 9:
            raise ValueError("rmsea_sample_size: no n up to 1e9 reaches the power")
    while hi - lo > 1:                          # power increases with n: bisection on integers
        mid = (lo + hi) // 2
        if rmsea_power(df, mid, rmsea0, rmsea_a, alpha, groups) > power:
            hi = mid
        else:
            lo = mid
    return int(hi / groups) if groups == 1 else hi / groups
