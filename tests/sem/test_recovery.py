"""The SEM engine recovers the demo simulator's population paths (issue: foundation + 05_sem).

At n = 5000 the sampling SD of a standardized path is about 0.01-0.02 and discretising the
answers to 1..10 attenuates slightly, so each estimate must lie within 0.06 of its population
value, and the estimates must correlate > .98 with the population values.
"""
from __future__ import annotations

import numpy as np

from csat import sem
from csat.intake.simulate import population, population_syntax, simulate_responses


def test_structural_paths_recovered_at_n5000():
    pop = population().paths
    data = simulate_responses(5000, seed=2024)
    fit = sem.fit(population_syntax(), data)
    assert fit.converged
    est = fit.estimates.set_index(["lhs", "op", "rhs"])["std.all"]
    got = np.array([est[(r.lhs, "~", r.rhs)] for r in pop.itertuples()])
    want = pop["std"].to_numpy()
    assert np.abs(got - want).max() < 0.06, dict(zip(pop["lhs"] + "~" + pop["rhs"], got.round(3)))
    assert np.corrcoef(got, want)[0, 1] > 0.98
    # the model fits the data it was generated from
    assert fit.fit_measures["cfi"] > 0.99 and fit.fit_measures["srmr"] < 0.03
