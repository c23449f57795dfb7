"""Reference values and comparisons shared by the tests of :mod:`csat.sem` against lavaan 0.6
(every estimate, SE, z, p, std.all, fit measure and R², to 1e-3).

References: ``shared/reference/holzinger1939.json`` ("cfa") and ``political_democracy.json``
("sem") made by ``shared/reference/make_refs.R``; ``tests/reference/sem_extra.json`` made by
``tests/reference/sem_extra.R`` (std.lv, modification indices, residuals, latent moments,
defined parameters, equality constraints, fixed.x covariates, the ECSI model, a Heywood case);
``tests/reference/sem_fiml.json`` made by ``tests/reference/sem_fiml.R`` (lavaan ``missing = "ml"``).
The test modules import it as ``sem.lavaan_checks`` (``tests/`` is on the path); the fixtures built
on it are in ``tests/sem/conftest.py``.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from conftest import SHARED

TOL = 1e-3
HERE = Path(__file__).resolve().parents[1]            # tests/
EXTRA = json.loads((HERE / "reference" / "sem_extra.json").read_text())
FIML = json.loads((HERE / "reference" / "sem_fiml.json").read_text())
LAVAAN_FIT = ["npar", "chisq", "df", "pvalue", "cfi", "tli", "nfi", "gfi", "agfi", "rmsea", "rmsea.ci.lower",
              "rmsea.ci.upper", "srmr", "aic", "bic", "logl", "ntotal"]


def dataset(name: str) -> pd.DataFrame:
    return pd.read_csv(SHARED / "datasets" / f"{name}.csv")


def _close(a, b, tol=TOL):
    if b is None:
        return a is None or not np.isfinite(a)
    return abs(float(a) - float(b)) <= tol


def check_estimates(res, ref_rows, cols=("est", "se", "z", "pvalue", "std.all"), tol=TOL):
    """Every reference row is present, in lavaan's order, with every listed column within tol."""
    est = res.estimates
    assert len(est) == len(ref_rows)
    bad = []
    for k, row in enumerate(ref_rows):
        mine = est.iloc[k]
        assert (mine["lhs"], mine["op"], mine["rhs"]) == (row["lhs"], row["op"], row["rhs"]), k
        for c in cols:
            if c not in row:                 # lavaan leaves z/pvalue out for fixed parameters
                continue
            if not _close(mine[c], row[c], tol):
                bad.append((row["lhs"], row["op"], row["rhs"], c, mine[c], row[c]))
    assert not bad, bad


def check_fit(res, ref_fit, names=LAVAAN_FIT, tol=TOL):
    bad = [(m, res.fit_measures[m], ref_fit[m]) for m in names
           if not _close(res.fit_measures[m], ref_fit[m], tol * max(1.0, abs(ref_fit[m] or 0) / 1000))]
    assert not bad, bad


def check_r2(res, ref_r2, tol=TOL):
    got = dict(zip(res.r2["variable"], res.r2["r2"]))
    assert list(got) == list(ref_r2)
    bad = [(v, got[v], x) for v, x in ref_r2.items() if not _close(got[v], x, tol)]
    assert not bad, bad
