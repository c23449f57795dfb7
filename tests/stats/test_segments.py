"""csat.stats.segments: recovery of simulated segments (adjusted Rand >= .9), k chosen by silhouette/BIC,
reproducibility, numbering, profile and group tests (chi-square = scipy/R chisq.test)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.metrics import adjusted_rand_score

from csat.stats import descriptives as D
from csat.stats import segments as SG
from csat.intake import simulate as sim


def _scores(items: pd.DataFrame) -> pd.DataFrame:
    return D.construct_scores(items, {n: list(its) for n, its in sim.CONSTRUCTS})


@pytest.fixture(scope="module")
def segmented():
    items, labels = sim.simulate_segments(n=600, k=3, separation=3.5, seed=11, shares=(0.5, 0.3, 0.2))
    return _scores(items), labels


@pytest.mark.parametrize("method", ["kmeans", "ward", "gmm"])
def test_well_separated_segments_are_recovered(segmented, method):
    scores, truth = segmented
    seg, sel, info = SG.segment(scores, list(scores.columns), "auto", method, seed=5)
    assert info["k"] == 3 and info["k_auto"] and info["n"] == 600
    assert adjusted_rand_score(truth, seg.to_numpy(int)) >= 0.9
    assert list(sel["k"]) == list(range(2, 9))
    crit = sel["bic"] if method == "gmm" else sel["silhouette"]
    assert crit.notna().all() and sel["k"][crit.idxmin() if method == "gmm" else crit.idxmax()] == 3


def test_segments_are_reproducible_and_numbered_by_size(segmented):
    scores, _ = segmented
    a, _, _ = SG.segment(scores, list(scores.columns), 3, "kmeans", seed=7)
    b, _, _ = SG.segment(scores, list(scores.columns), 3, "kmeans", seed=7)
    assert a.equals(b)
    sizes = a.value_counts().sort_index().to_numpy()
    assert (np.diff(sizes) <= 0).all() and set(a.unique()) == {1, 2, 3}


def test_respondents_missing_a_construct_get_no_segment(segmented):
    scores, _ = segmented
    s = scores.copy()
    s.iloc[:4, 0] = np.nan
    seg, _, info = SG.segment(s, list(s.columns), 3, "ward")
    assert seg.iloc[:4].isna().all() and seg.iloc[4:].notna().all() and info["n_missing"] == 4


def test_profile_and_group_tests(segmented):
    scores, truth = segmented
    seg, _, info = SG.segment(scores, list(scores.columns), 3, "kmeans", seed=1)
    prof = SG.segment_profile(scores, seg, 1, 10)
    assert list(prof.columns) == SG.PROFILE_COLUMNS and len(prof) == 3 * scores.shape[1]
    first = prof[prof.segment == 1].iloc[0]
    m = scores.loc[seg == 1, first["construct"]]
    assert first["mean"] == pytest.approx(m.mean()) and first["index"] == pytest.approx(100 * (m.mean() - 1) / 9)
    assert prof.groupby("segment")["share"].first().sum() == pytest.approx(1)
    # weighted shares
    w = pd.Series(np.where(seg == 1, 2.0, 1.0), index=scores.index)
    pw = SG.segment_profile(scores, seg, 1, 10, w).groupby("segment")["share"].first()
    n1 = (seg == 1).sum()
    assert pw[1] == pytest.approx(2 * n1 / (2 * n1 + len(seg) - n1))
    # a group column that follows the true segments, one that does not
    rng = np.random.default_rng(2)
    groups = pd.DataFrame({"channel": np.where(truth == 0, "store", rng.choice(["online", "app"], len(truth))),
                           "noise": rng.choice(["a", "b"], len(truth))}, index=scores.index)
    tests, table = SG.segment_groups(seg, groups)
    ref = stats.chi2_contingency(pd.crosstab(groups["channel"], seg), correction=False)
    row = tests.set_index("group").loc["channel"]
    assert row["statistic"] == pytest.approx(ref[0]) and row["pvalue"] < 1e-10 and row["cramers_v"] > 0.5
    assert tests.set_index("group").loc["noise", "cramers_v"] < 0.15
    assert set(table.columns) == {"group", "level", "segment", "n", "share"}
    assert table.groupby(["group", "level"])["share"].sum().to_numpy() == pytest.approx(1)


def test_continuum_without_segments_is_flagged():
    rng = np.random.default_rng(0)
    scores = pd.DataFrame(rng.standard_normal((400, 5)), columns=list("ABCDE"))
    seg, sel, info = SG.segment(scores, list("ABCDE"), "auto", "kmeans", seed=0)
    diags = SG.segment_diagnostics(info, sel, pd.DataFrame(columns=["group", "min_expected"]))
    assert any(d.code == "segments_weak" for d in diags)


def test_too_few_respondents_is_an_error():
    with pytest.raises(ValueError, match="only 4 respondents"):
        SG.segment(pd.DataFrame({"A": [1.0, 2, 3, 4]}), ["A"], "auto")
