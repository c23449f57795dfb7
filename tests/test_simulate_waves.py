"""The tracking-study simulator: known shift found by the wave tests, known non-invariant item breaks scalar
invariance (and only it), the single-wave demo untouched."""
from __future__ import annotations

import pandas as pd
import pytest

from csat.sem.multigroup import invariance
from csat.intake.simulate import (CONSTRUCTS, REVERSED_ITEM, SCALE_MAX, SCALE_MIN, simulate_study,
    simulate_waves)
from csat.stats.tracking import wave_tables

CONS = {c: list(its) for c, its in CONSTRUCTS}
MODEL = "\n".join(f"{c} =~ {' + '.join(its)}" for c, its in CONS.items())


def _analysis(raw: pd.DataFrame) -> pd.DataFrame:
    d = raw.copy()
    d[REVERSED_ITEM] = SCALE_MIN + SCALE_MAX - d[REVERSED_ITEM]
    return d


@pytest.fixture(scope="module")
def waves():
    return simulate_waves(400, 2, 2025)


def test_layout(waves):
    raw, truth = waves
    demo, _ = simulate_study(60, 1, defects=False)
    core = list(demo.columns[1: list(demo.columns).index("nps") + 1])     # the demo's survey columns
    assert list(raw.columns) == ["respondent_id", "wave"] + core
    assert len(raw) == 800 and raw["respondent_id"].is_unique
    assert truth["waves"] == ["2025H1", "2025H2"] and list(raw["wave"].unique()) == truth["waves"]
    assert raw[[i for its in CONS.values() for i in its]].isin(range(1, 11)).all().all()
    again, _ = simulate_waves(400, 2, 2025)
    pd.testing.assert_frame_equal(raw, again)                  # seeded


def test_shift_is_found(waves):
    raw, truth = waves
    _, ch = wave_tables(_analysis(raw), "wave", truth["waves"], CONS, SCALE_MIN, SCALE_MAX, recommend="nps")
    idx = ch[ch["measure"] == "index"].set_index("construct")
    sat = idx.loc["SAT"]
    assert sat["p.holm"] < 0.001 and sat["ci.lower"] < truth["index_shift"]["SAT"] * 0.98 < sat["ci.upper"]
    # constructs without a true change, and without the non-invariant item, show none
    for c in ("IMAG", "EXPE", "VAL", "COMP", "LOY"):
        assert idx.loc[c, "p.holm"] > 0.05, c
    # the non-invariant item moves its construct's index although the construct did not change
    assert idx.loc["QUAL", "change"] > 3 and idx.loc["QUAL", "p.holm"] < 0.05


def test_noninvariant_item_breaks_scalar_invariance(waves):
    raw, truth = waves
    tab, fits = invariance(MODEL, _analysis(raw), "wave", group_order=truth["waves"])
    assert list(tab["verdict"]) == ["acceptable", "holds", "rejected"]
    # the configural intercept of qual3 moves by about the injected 2 points more than its neighbours
    est = fits["configural"].estimates
    nu = est[est["op"] == "~1"].pivot(index="lhs", columns="group", values="est")
    d = (nu[2] - nu[1]).loc[[i for i in CONS["QUAL"]]]
    assert d.idxmax() == "qual3" and d["qual3"] - d.drop("qual3").mean() > 1.5
    clean, truth0 = simulate_waves(400, 2, 2025, noninvariant=None)
    tab0, _ = invariance(MODEL, _analysis(clean), "wave", group_order=truth0["waves"])
    assert list(tab0["verdict"]) == ["acceptable", "holds", "holds"]
    from csat.sem.multigroup import release_tests
    rel = release_tests(fits["scalar"])
    top = rel[rel["op"] == "~1"].iloc[0]
    assert top["lhs"] == "qual3" and top["group.label"] == "2025H2" and top["pvalue"] < 1e-6


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown construct"):
        simulate_waves(50, 2, 1, shift={"SATX": 0.3})
    with pytest.raises(ValueError, match="not an item"):
        simulate_waves(50, 2, 1, noninvariant=("q9", 1.0))
    with pytest.raises(ValueError, match="integer >= 2"):
        simulate_waves(50, 1, 1)
