"""Why csat's polychoric correlations equal psych's and not lavaan's on the raw ECSI items (ten and eleven answer
categories), against lavaan 0.6.14 and psych 2.2.9 (tests/reference/polychoric_floor.R/json).

lavaan floors every bivariate cell probability at √eps ≈ 1.49e-8 in the likelihood it maximises
(``lav_bvord_noexo_pi_cache``); psych and :func:`csat.stats.polychoric.polychoric` maximise the plain two-step
likelihood.  On these data only imag1 × imag2 differs (0.7458 lavaan, 0.7071 psych and csat): one respondent
answered imag1 = 10 and imag2 = 0, a cell whose probability drops below the floor as ρ rises, so lavaan stops
penalising it and its maximum moves.  The floored likelihood computed here is maximised at lavaan's value and the
plain one at ours — the difference is lavaan's numerical guard, not a different estimator, so csat keeps the true
maximum likelihood estimate (psych's)."""
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize, stats

from csat.stats.polychoric import bvn_cdf, polychoric

from conftest import SHARED

REF = json.loads((Path(__file__).resolve().parents[1] / "reference" / "polychoric_floor.json").read_text())
DATA = pd.read_csv(SHARED / "datasets" / "ecsi_satisfaction.csv")[REF["items"]]


def test_ours_equal_psych_and_lavaan_but_one_pair():
    pc = polychoric(DATA, REF["items"])
    ours, lav, psy = pc.cor.to_numpy(), np.array(REF["lavaan"]), np.array(REF["psych"])
    np.testing.assert_allclose(ours, psy, atol=1e-4)
    diff = np.abs(ours - lav) > 1e-4
    i, j = REF["items"].index("imag1"), REF["items"].index("imag2")
    assert {tuple(x) for x in np.argwhere(diff)} == {(i, j), (j, i)}
    assert abs(ours[i, j] - REF["psych_rho"]) < 1e-4 and abs(lav[i, j] - REF["lavaan_rho"]) < 1e-12


def _neg_loglik(rho: float, floor: float) -> float:
    a, b = DATA["imag1"], DATA["imag2"]

    def cuts(v):
        cats = np.sort(v.unique())
        return cats, np.concatenate([[-40.0], stats.norm.ppf([(v <= c).mean() for c in cats[:-1]]), [40.0]])
    ca, ta = cuts(a)
    cb, tb = cuts(b)
    F = np.array([[float(bvn_cdf(x, y, rho)) for y in tb] for x in ta])
    P = F[1:, 1:] - F[:-1, 1:] - F[1:, :-1] + F[:-1, :-1]
    P = np.maximum(P, floor)
    tab = pd.crosstab(a, b).reindex(index=ca, columns=cb, fill_value=0).to_numpy()
    return -float(np.sum(tab * np.log(P))) / len(a)


def test_lavaans_probability_floor_explains_the_difference():
    floor = math.sqrt(np.finfo(float).eps)
    lav = optimize.minimize_scalar(_neg_loglik, bounds=(0.6, 0.8), method="bounded", args=(floor,),
                                   options={"xatol": 1e-7}).x
    plain = optimize.minimize_scalar(_neg_loglik, bounds=(0.6, 0.8), method="bounded", args=(0.0,),
                                     options={"xatol": 1e-7}).x
    assert abs(lav - REF["lavaan_rho"]) < 1e-3 and abs(plain - REF["psych_rho"]) < 1e-4
    # lavaan's own objective at its estimate and at psych's, as the floored likelihood computed here
    for r, v in zip(REF["lavaan_objective"]["rho"], REF["lavaan_objective"]["value"]):
        assert abs(_neg_loglik(r, floor) - v) < 1e-6
