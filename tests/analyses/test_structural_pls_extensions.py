"""csat.analyses.structural's steps for the PLS extensions (moderation, higher-order constructs, PLSc), the
simple-slopes chart (csat.viz.structural) and the executive summary's moderation sentence (csat.report.summary),
on the Primer's corporate-reputation data with its switching-cost moderation."""
from __future__ import annotations

import types

import numpy as np
import pandas as pd
import pytest

from csat.analyses import structural as A
from csat.sem import pls
from csat.viz.structural import simple_slopes_chart
from sem.pls.ext_ref import EXT, corp


@pytest.fixture(scope="module")
def fitted():
    res = pls.pls_fit(EXT["moderation_two_stage"]["syntax"], corp())
    boot = pls.bootstrap_pls(res, 100, seed=1, workers=1)
    return res, boot


def test_pls_options_reads_the_params():
    p = types.SimpleNamespace(pls=types.SimpleNamespace(missing="mean", interaction="orthogonal",
                                                        higher_order="embedded", consistent=True))
    assert A.pls_options(p) == {"missing": "mean", "interaction": "orthogonal", "higher_order": "embedded",
                                "consistent": True}


def test_moderation_step(fitted):
    res, boot = fitted
    labels = A.pls_labels(res, {"CUSA": "Satisfaction", "SC": "Switching costs", "CUSL": "Loyalty"})
    assert labels["CUSA:SC"] == "Satisfaction × Switching costs" and labels["QUAL"] == "QUAL"
    mm = A.pls_measurement(res, boot)
    step = A.pls_moderation(res, boot, mm.inner, labels, "en")
    assert list(step.slopes.columns) == pls.SLOPE_COLUMNS and len(step.slopes) == 3
    assert step.summary.loc[0, "rhs"] == "CUSA:SC" and step.summary.loc[0, "f2"] == pytest.approx(0.0142853, abs=1e-6)
    kinds = [s[0] for s in step.shown]
    assert kinds == ["table", "figure", "say"]
    assert "Switching costs" in step.shown[-1][1] and "-0.071" in step.shown[-1][1]
    zh = A.pls_moderation(res, boot, mm.inner, labels, "zh")
    assert "调节" in zh.shown[-1][1]


def test_no_product_term_no_moderation_step():
    res = pls.pls_fit(EXT["plsc_simple"]["syntax"], corp())
    boot = pls.bootstrap_pls(res, 10, seed=1, workers=1)
    step = A.pls_moderation(res, boot, pls.f_squared(res), {}, "en")
    assert step.slopes is None and step.shown == []
    assert A.pls_estimates(res, boot) is boot.estimates


def test_higher_order_estimates_and_quality_have_both_levels():
    res = pls.pls_fit(EXT["hoc_reputation"]["syntax"], corp())
    boot = pls.bootstrap_pls(res, 10, seed=1, workers=1)
    est = A.pls_estimates(res, boot)
    assert ((est["lhs"] == "COMP") & (est["op"] == "=~") & (est["rhs"] == "comp_1")).any()
    assert ((est["lhs"] == "REP") & (est["op"] == "=~") & (est["rhs"] == "COMP")).any()
    q = A.pls_measurement(res, boot).quality
    assert list(q.columns) == pls.QUALITY_COLUMNS and {"REP", "COMP", "LIKE"} <= set(q["construct"])


def test_simple_slopes_chart(fitted):
    res, boot = fitted
    fig = simple_slopes_chart(pls.simple_slopes(res.paths, res.model.interactions, boot), {"SC": "Switching costs"})
    ax = fig.axes[0]
    assert len(ax.lines) == 3 and "Switching costs" in ax.get_legend().get_texts()[0].get_text()


def test_summary_moderation_sentence(fitted):
    from csat.report.summary import _moderation_sentences, pls_moderations

    res, boot = fitted
    results = {"pls_simple_slopes.csv": pls.simple_slopes(res.paths, res.model.interactions, boot),
               "pls_estimates.csv": boot.estimates}
    mods = pls_moderations(results, {"SC": ("Switching costs", "转换成本")})
    assert len(mods) == 1 and mods[0]["est"] == pytest.approx(-0.0711328, abs=1e-6)
    s = _moderation_sentences(mods)[0]
    assert s["key"] in ("moderation", "moderation_none") and "Switching costs" in s["en"] and "转换成本" in s["zh"]
    assert pls_moderations({"pls_simple_slopes.csv": None}, {}) == []
