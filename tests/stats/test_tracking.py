"""csat.stats.tracking against R (t.test, prop.test(correct = FALSE), p.adjust(holm)): per-wave indices and the tests
of change, on the ECSI data cut into three pseudo-waves (``tests/reference/waves.R`` → ``waves.json``)."""
from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from csat.analyses.descriptives import waves_text
from csat.stats.tracking import WAVE_CHANGE_COLUMNS, WAVE_INDEX_COLUMNS, wave_levels, wave_tables
from csat.viz.descriptives import trend_chart

from conftest import SHARED

REF = json.loads((Path(__file__).resolve().parents[1] / "reference" / "waves.json").read_text())
CONSTRUCTS = {"sat": [f"sat{k}" for k in range(1, 5)], "val": [f"val{k}" for k in range(1, 5)]}


@pytest.fixture(scope="module")
def tables():
    d = pd.read_csv(SHARED / "datasets" / "ecsi_satisfaction.csv")
    d["wave"] = ["W1"] * 80 + ["W2"] * 85 + ["W3"] * 85
    d = d.sample(frac=1.0, random_state=3)          # row order must not matter
    return wave_tables(d, "wave", ["W1", "W2", "W3"], CONSTRUCTS, 1, 10, recommend="loy1",
                       labels={"sat": "Satisfaction", "val": "Value"})


def test_per_wave_index_equals_r(tables):
    idx, _ = tables
    assert list(idx.columns) == WAVE_INDEX_COLUMNS
    for r in REF["per_wave"]:
        row = idx[(idx["wave"] == r["wave"]) & (idx["construct"] == r["construct"])].iloc[0]
        assert row["n"] == r["n"]
        for k in ("estimate", "ci.lower", "ci.upper"):
            assert row[k] == pytest.approx(r[k], abs=1e-6)
    assert set(idx.loc[idx["measure"] == "nps", "wave"]) == {"W1", "W2", "W3"}


def test_changes_equal_r(tables):
    _, ch = tables
    assert list(ch.columns) == WAVE_CHANGE_COLUMNS
    # consecutive pairs and first-to-last
    assert list(dict.fromkeys(zip(ch["from"], ch["to"], ch["comparison"]))) == [
        ("W1", "W2", "consecutive"), ("W2", "W3", "consecutive"), ("W1", "W3", "first-last")]
    for r in REF["changes"]:
        row = ch[(ch["measure"] == r["measure"]) & (ch["construct"] == r["construct"]) & (ch["from"] == r["from"])
                 & (ch["to"] == r["to"])].iloc[0]
        assert row["change"] == pytest.approx(r["change"], abs=1e-6)
        assert row["pvalue"] == pytest.approx(r["pvalue"], abs=1e-6)
        if r["measure"] == "index":
            for k in ("ci.lower", "ci.upper", "statistic", "df", "p.holm"):
                assert row[k] == pytest.approx(r[k], abs=1e-6), k
        else:
            assert row["statistic"] ** 2 == pytest.approx(r["statistic_sq"], abs=1e-6)


def test_nps_change_and_holm_family(tables):
    _, ch = tables
    nps = ch[ch["family"] == "nps"]
    assert set(nps["measure"]) == {"nps", "promoters", "detractors"}
    r = nps[nps["measure"] == "nps"].iloc[0]
    assert r["change"] == pytest.approx(r["estimate.to"] - r["estimate.from"])
    assert r["ci.lower"] < r["change"] < r["ci.upper"]
    p = nps["pvalue"].to_numpy()
    m = len(p)
    order = np.argsort(p)
    expect = np.maximum.accumulate(np.minimum(1, (m - np.arange(m)) * p[order]))
    np.testing.assert_allclose(nps["p.holm"].to_numpy()[order], expect)


def test_levels_order_and_errors():
    s = pd.Series([2024, 2023, 2024, 2025])
    assert wave_levels(s) == [2023, 2024, 2025]
    assert wave_levels(s, ["2025", "2023"]) == [2025, 2023]          # text in params matches numbers
    with pytest.raises(ValueError, match="do not occur"):
        wave_levels(s, ["2022"])
    d = pd.DataFrame({"w": ["a"] * 5, "x": [1, 2, 3, 4, 5.0]})
    with pytest.raises(ValueError, match="at least 2"):
        wave_tables(d, "w", None, {"c": ["x"]}, 1, 5)
    with pytest.raises(ValueError, match="not a column"):
        wave_tables(d, "wave", None, {"c": ["x"]}, 1, 5)


def test_text_and_chart(tables):
    idx, ch = tables
    en = waves_text(idx, ch, "en")
    assert en.startswith("3 waves (W1: n = 80, W2: n = 85, W3: n = 85)")
    assert "波" not in en and "共 3 期" in waves_text(idx, ch, "zh")
    fig = trend_chart(idx)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["W1", "W2", "W3"]
    assert {t.get_text() for t in ax.get_legend().get_texts()} == {"Satisfaction", "Value"}
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Wave", "Index (0–100)")
    with warnings.catch_warnings():                          # no CJK font set up here: only the texts count
        warnings.simplefilter("ignore", UserWarning)
        ax = trend_chart(idx, language="zh").axes[0]        # the axis labels in the study's language
        assert (ax.get_xlabel(), ax.get_ylabel()) == ("期次", "指数（0–100）")
        assert trend_chart(idx, language="zh-Hant").axes[0].get_ylabel() == "指數（0–100）"


def test_stack_wave_files(tmp_path):
    from csat.intake.waves import main, stack_wave_files

    a = tmp_path / "h1.csv"
    b = tmp_path / "h2.csv"
    a.write_text("id,q1,q2\n1,3,4\n2,5,5\n", encoding="utf-8")
    b.write_bytes("id,q1,q3,备注\n3,2,1,好\n".encode("gb18030"))          # another encoding, another column
    out = stack_wave_files({"2025H1": str(a), "2025H2": str(b)})
    assert list(out.columns) == ["wave", "id", "q1", "q2", "q3", "备注"]
    assert list(out["wave"]) == ["2025H1", "2025H1", "2025H2"] and out["q2"].isna().tolist() == [False, False, True]
    assert main(["stack", "--out", str(tmp_path / "all.csv"), f"W1={a}", f"W2={b}"]) == 0
    back = pd.read_csv(tmp_path / "all.csv")
    assert len(back) == 3 and list(back["wave"]) == ["W1", "W1", "W2"]
    with pytest.raises(ValueError, match="already has a column 'q1'"):
        stack_wave_files({"x": str(a), "y": str(b)}, wave_column="q1")
    assert main(["stack", "--out", str(tmp_path / "x.csv"), f"W1={a}"]) == 2


def test_unbounded_scale_gives_means():
    rng = np.random.default_rng(1)
    d = pd.DataFrame({"w": ["a"] * 50 + ["b"] * 50, "x": np.r_[rng.normal(3, 1, 50), rng.normal(4, 1, 50)]})
    idx, ch = wave_tables(d, "w", None, {"c": ["x"]}, None, None)
    assert set(idx["measure"]) == {"mean"} and idx["estimate"].tolist() == pytest.approx(
        [d.x[:50].mean(), d.x[50:].mean()])
    r = ch.iloc[0]
    assert r["measure"] == "mean" and r["change"] == pytest.approx(d.x[50:].mean() - d.x[:50].mean())
    assert r["ci.lower"] < r["change"] < r["ci.upper"]
    trend_chart(idx)
