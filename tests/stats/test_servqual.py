"""csat.stats.servqual: gaps and paired t-tests (= pingouin.ttest paired), Holm (= statsmodels
multipletests), ratio, and recovery of the simulated SERVQUAL gaps."""
from __future__ import annotations

import pandas as pd
import pingouin as pg
import pytest
from statsmodels.stats.multitest import multipletests

from csat.stats import servqual as SQ
from csat.intake import simulate as sim


def _dims():
    return {d: {"expectation": [f"sq_{d}{i}_e" for i in range(1, m + 1)],
                "perception": [f"sq_{d}{i}_p" for i in range(1, m + 1)]} for d, _, m in sim.SERVQUAL_DIMENSIONS}


@pytest.fixture(scope="module")
def extras():
    ex, truth = sim.simulate_extras(600, 2024)
    return ex, truth


def test_item_gap_equals_pingouin_paired_t(extras):
    ex, _ = extras
    g = SQ.gaps(ex, _dims())
    assert list(g.columns) == SQ.GAP_COLUMNS
    row = g[(g.level == "item") & (g.expectation == "sq_reliability1_e")].iloc[0]
    d = ex[["sq_reliability1_e", "sq_reliability1_p"]].dropna()
    ref = pg.ttest(d["sq_reliability1_p"], d["sq_reliability1_e"], paired=True)
    assert row["t"] == pytest.approx(ref["T"].iloc[0], rel=1e-10)
    assert row["pvalue"] == pytest.approx(ref["p_val"].iloc[0] if "p_val" in ref else ref["p-val"].iloc[0], rel=1e-8)
    assert row["df"] == ref["dof"].iloc[0] and row["n"] == len(d)
    ci = ref[[c for c in ref.columns if c.startswith("CI")][0]].iloc[0]
    assert (row["ci.lower"], row["ci.upper"]) == pytest.approx(tuple(ci), abs=5e-3)   # pingouin rounds to 2 dp
    assert row["gap"] == pytest.approx((d["sq_reliability1_p"] - d["sq_reliability1_e"]).mean())
    assert row["ratio"] == pytest.approx(d["sq_reliability1_p"].mean() / d["sq_reliability1_e"].mean())


def test_holm_within_items_and_within_dimensions(extras):
    ex, _ = extras
    g = SQ.gaps(ex, _dims())
    for lev in ("item", "dimension"):
        sub = g[g.level == lev]
        assert sub["p.holm"].to_numpy() == pytest.approx(multipletests(sub["pvalue"], method="holm")[1], rel=1e-10)


def test_dimension_score_uses_respondents_with_every_item(extras):
    ex, _ = extras
    g = SQ.gaps(ex, _dims())
    row = g[(g.level == "dimension") & (g.dimension == "tangibles")].iloc[0]
    e = ex[["sq_tangibles1_e", "sq_tangibles2_e"]]
    p = ex[["sq_tangibles1_p", "sq_tangibles2_p"]]
    ok = e.notna().all(axis=1) & p.notna().all(axis=1)
    assert row["n"] == ok.sum()
    assert row["gap"] == pytest.approx((p[ok].mean(axis=1) - e[ok].mean(axis=1)).mean())


def test_simulated_gaps_are_recovered():
    ex, truth = sim.simulate_extras(6000, 5)
    g = SQ.gaps(ex, _dims())
    dims = g[g.level == "dimension"].set_index("dimension")
    for d, gap in truth["servqual"].items():
        assert dims.loc[d, "ci.lower"] - 0.02 < gap < dims.loc[d, "ci.upper"] + 0.02, d
    assert dims.loc["reliability", "p.holm"] < 1e-10 and dims.loc["tangibles", "p.holm"] > 0.001


def test_unequal_pairs_are_an_error():
    with pytest.raises(ValueError, match="2 expectation items but 1 perception"):
        SQ.gaps(pd.DataFrame({"a": [1.0], "b": [1.0], "c": [1.0]}), {"x": {"expectation": ["a", "b"], "perception": ["c"]}})
