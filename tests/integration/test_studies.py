"""Integration: real studies of other shapes through Make, in a copy of the project (issue #19).

* ``zh_survey`` -- the Chinese GBK fixture (tests/fixtures/zh_survey.*): Chinese column and construct
  names, a single-item construct, an averaged (continuous) item and no structural part;
* ``hs`` -- params/hs.yaml, Holzinger–Swineford's three-factor CFA of continuous test scores;
* ``political_democracy`` -- params/political_democracy.yaml, Bollen's SEM with correlated residuals.
* ``demo_ordinal`` -- params/demo_ordinal.yaml, the demo with ordered items (WLSMV) and ordinal invariance, en and zh.

Each builds a full report with ``make study STUDY=…``; the results files equal lavaan's numbers
(../shared/reference/holzinger1939.json, political_democracy.json and
tests/reference/single_item_sem.json, all lavaan 0.6-14).
"""
from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from integration.test_pipeline import ROOT, STAGES, _copy_project, _make

pytestmark = pytest.mark.integration
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    proj = tmp_path_factory.mktemp("studies")
    _copy_project(proj)
    shared = proj.parent / "shared"
    if not shared.exists():
        shared.symlink_to(SHARED)
    shutil.copy(ROOT / "tests" / "fixtures" / "zh_survey.yaml", proj / "params" / "zh_survey.yaml")
    built = {}
    for study, extra in (("zh_survey", []), ("hs", []), ("political_democracy", ["BOOTSTRAP=200"])):
        r = _make(proj, "study", f"STUDY={study}", *extra)
        built[study] = r
    return proj, built


def _ok(project, study):
    proj, built = project
    r = built[study]
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    out = proj / "reports" / study
    for s in STAGES:
        nb = nbformat.read(out / f"{s}.ipynb", as_version=4)
        errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                  if o.get("output_type") == "error"]
        assert not errors, f"{study} {s}: {errors[0].get('ename')}: {errors[0].get('evalue')}"
    assert (out / "report.html").stat().st_size > 10_000 and (out / "report.pdf").stat().st_size > 10_000
    return out / "results"


def _check_estimates(path: Path, ref_rows: list[dict], tol: float = 1e-3) -> None:
    est = pd.read_csv(path, encoding="utf-8").set_index(["lhs", "op", "rhs"])
    for e in ref_rows:
        row = est.loc[(e["lhs"], e["op"], e["rhs"])]
        for col in ("est", "se", "std.all"):
            if e.get(col) is not None:
                assert row[col] == pytest.approx(e[col], abs=tol), (e["lhs"], e["op"], e["rhs"], col)


def _check_fit(path: Path, ref: dict, tol: float = 1e-3) -> None:
    fit = json.loads(path.read_text(encoding="utf-8"))
    for k, v in ref.items():
        assert fit[k] == pytest.approx(v, abs=tol * max(1.0, abs(v))), k


def test_chinese_single_item_cfa_only_study(project):
    """A Chinese GBK export with a single-item construct and no structural model builds a full
    report; its CFA equals lavaan's; results are UTF-8 CSV with the Chinese names; the report says
    which item is continuous, that single-item reliability does not apply and that the model has no
    structural part, and has no IPMA."""
    res = _ok(project, "zh_survey")
    proj, _ = project
    ref = json.loads((ROOT / "tests" / "reference" / "single_item_sem.json").read_text(encoding="utf-8"))["cfa"]
    for stage in ("cfa", "sem"):
        _check_estimates(res / f"{stage}_estimates.csv", ref["estimates"])
        _check_fit(res / f"{stage}_fit.json", ref["fit"])
    with open(res / "reliability.csv", encoding="utf-8", newline="") as fh:
        rows = {r["construct"]: r for r in csv.DictReader(fh)}
    assert list(rows) == ["服务", "价格", "满意", "忠诚"]
    assert rows["满意"]["omega"] == "" and "not applicable" in rows["满意"]["note"]
    types = pd.read_csv(res / "item_types.csv", encoding="utf-8")
    assert list(types.loc[types["type"] == "continuous", "item"]) == ["价格3"]
    items = pd.read_csv(res / "items.csv", encoding="utf-8").set_index("item")
    assert pd.isna(items.loc["价格3", "top2"]) and items.loc["服务1", "top2"] > 0
    assert not (res / "ipma.csv").exists()
    assert json.loads((res / "sem_bootstrap.json").read_text())["n_requested"] == 0
    assert pd.read_csv(res / "sem_effects.csv").empty
    diags = json.loads((res / "diagnostics.json").read_text(encoding="utf-8"))
    codes = {(d["stage"], d["code"]) for d in diags}
    assert ("05_sem", "no_structural_part") in codes and ("03_reliability_validity", "too_few_items") in codes
    assert not [d for d in diags if d["severity"] == "error"], diags
    assert not [d for d in diags if d["code"] == "missing_glyph"]
    text = subprocess.run(["pdftotext", str(proj / "reports" / "zh_survey" / "report.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    for s in ("服务", "价格", "满意", "忠诚", "价格3", "没有结构部分", "不适用"):
        assert s in text, s
    # the notebooks' explanations are in the study's language (their zh cells), in the executed
    # notebooks and in the report: "A respondent's construct score is the mean …" is gone
    assert "受访者的维度得分是该维度中已作答题项的均值" in re.sub(r"\s+", "", text)
    assert "construct score is the mean" not in text and "Little's (1988) test asks" not in text
    for stage in STAGES:
        nb = nbformat.read(str(proj / "reports" / "zh_survey" / f"{stage}.ipynb"), as_version=4)
        assert nb.metadata.papermill.input_path == f"notebooks/{stage}.ipynb" and nb.metadata.csat.language == "zh"
        md = [c.source for c in nb.cells if c.cell_type == "markdown"]
        assert md and all(re.search(r"[\u4e00-\u9fff]", m) for m in md), (stage, md)
    svg = (proj / "reports" / "zh_survey" / "figures" / "path_diagram.svg").read_text(encoding="utf-8")
    assert "服务" in svg and "满意度" in svg


def test_holzinger_swineford_equals_lavaan(project):
    """params/hs.yaml: continuous scores, three-factor CFA without structural part; the CFA fit and
    estimates, alpha, omega, AVE, HTMT and KMO equal lavaan/psych/semTools' (holzinger1939.json)."""
    res = _ok(project, "hs")
    ref = json.loads((SHARED / "reference" / "holzinger1939.json").read_text())
    for stage in ("cfa", "sem"):
        _check_fit(res / f"{stage}_fit.json", ref["cfa"]["fit"])
        _check_estimates(res / f"{stage}_estimates.csv", ref["cfa"]["estimates"])
    r2 = pd.read_csv(res / "sem_r2.csv").set_index("variable")["r2"]
    for k, v in ref["cfa"]["r2"].items():
        assert r2[k] == pytest.approx(v, abs=1e-3), k
    rel = pd.read_csv(res / "reliability.csv").set_index("construct")
    for f in ("visual", "textual", "speed"):
        assert rel.loc[f, "alpha"] == pytest.approx(ref["reliability"]["alpha"][f]["raw_alpha"], abs=1e-3)
        assert rel.loc[f, "omega"] == pytest.approx(ref["reliability"]["omega_semTools"][f], abs=1e-3)
        assert rel.loc[f, "ave"] == pytest.approx(ref["reliability"]["ave"][f], abs=1e-3)
    H = pd.read_csv(res / "htmt.csv").set_index("construct")
    assert H.to_numpy() == pytest.approx(pd.DataFrame(ref["htmt"]).to_numpy(), abs=1e-3)
    efa = json.loads((res / "efa.json").read_text())
    assert efa["kmo"] == pytest.approx(ref["kmo"]["overall"], abs=1e-3) and efa["n_factors"] == 3
    assert json.loads((res / "cleaning.json").read_text())["n_clean"] == ref["n"]
    types = pd.read_csv(res / "item_types.csv")
    assert (types["type"] == "continuous").all()
    assert pd.read_csv(res / "items.csv")["top2"].isna().all()
    assert not (res / "ipma.csv").exists()
    # the summary of a study without a structural model: no drivers, no recommendations, no headline index
    summ = json.loads((res / "summary.json").read_text(encoding="utf-8"))
    assert summ["headline"] is None and summ["drivers"] == [] and summ["recommendations"] == []
    assert [x["key"] for x in summ["sections"]["headline"]] == ["means"]


def test_political_democracy_equals_lavaan(project):
    """params/political_democracy.yaml: Bollen's SEM with correlated residuals equals lavaan's
    (political_democracy.json); no satisfaction construct, so no IPMA, said as information."""
    res = _ok(project, "political_democracy")
    ref = json.loads((SHARED / "reference" / "political_democracy.json").read_text())["sem"]
    _check_fit(res / "sem_fit.json", ref["fit"])
    _check_estimates(res / "sem_estimates.csv", ref["estimates"])
    r2 = pd.read_csv(res / "sem_r2.csv").set_index("variable")["r2"]
    for k, v in ref["r2"].items():
        assert r2[k] == pytest.approx(v, abs=1e-3), k
    eff = pd.read_csv(res / "sem_effects.csv").set_index(["from", "to"])
    assert eff.loc[("ind60", "dem65"), "direct"] == pytest.approx(
        next(e["est"] for e in ref["estimates"] if (e["lhs"], e["op"], e["rhs"]) == ("dem65", "~", "ind60")), abs=1e-3)
    diags = json.loads((res / "diagnostics.json").read_text())
    assert any(d["code"] == "ipma_unavailable" and d["severity"] == "info" for d in diags)
    assert not (res / "ipma.csv").exists()


def test_report_lint_finds_nothing_in_these_studies(project):
    """Issue #30: the report lint (csat.report.lint) finds no defect in the reports built here (zh_survey
    in Chinese, hs, political_democracy)."""
    from csat.report.lint import lint_report
    from keyfigures import OPEN_LINT_CODES

    proj, built = project
    found = []
    for study in built:
        _ok(project, study)
        found += [f"{study}: {f}" for f in lint_report(proj / "reports" / study) if f.code not in OPEN_LINT_CODES]
    assert not found, f"{len(found)} findings:\n" + "\n".join(found)


@pytest.fixture(scope="module")
def ordinal_study(tmp_path_factory):
    """params/demo_ordinal.yaml built in English, then in Chinese (SET="language=zh"); the English report is kept
    aside before the Chinese build replaces it."""
    proj = tmp_path_factory.mktemp("ordinal")
    _copy_project(proj)
    en = _make(proj, "study", "STUDY=demo_ordinal")
    kept = tmp_path_factory.mktemp("ordinal_en") / "demo_ordinal"
    if (proj / "reports" / "demo_ordinal").is_dir():
        shutil.copytree(proj / "reports" / "demo_ordinal", kept)
    zh = _make(proj, "study", "STUDY=demo_ordinal", "SET=language=zh")
    return proj, en, kept, zh


def test_ordinal_multigroup_study_builds_in_english_and_chinese(ordinal_study):
    """params/demo_ordinal.yaml (ordered: true, invariance across gender): the CFA and SEM are WLSMV with thresholds,
    the invariance has the four ordinal steps with the configural model's robust CFI (lavaan's catML) and the
    scaled ones read by the verdicts, the reports name the estimator and its test and show the thresholds table,
    and the report lint finds nothing in either language."""
    from csat.report.lint import lint_report
    from keyfigures import OPEN_LINT_CODES

    proj, en, kept, zh = ordinal_study
    for r in (en, zh):
        assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    out = proj / "reports" / "demo_ordinal"
    for d in (kept, out):
        for s in STAGES:
            nb = nbformat.read(d / f"{s}.ipynb", as_version=4)
            assert not [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                        if o.get("output_type") == "error"], (d, s)
        found = [f for f in lint_report(d) if f.code not in OPEN_LINT_CODES]
        assert not found, found
    res = kept / "results"
    for stage in ("cfa", "sem"):
        fit = json.loads((res / f"{stage}_fit.json").read_text())
        assert (fit["estimator"], fit["test"]) == ("WLSMV", "scaled.shifted") and fit["cfi.robust"] > 0.9
    inv = pd.read_csv(res / "invariance.csv")
    assert list(inv["model"]) == ["configural", "thresholds", "metric", "scalar"]
    assert inv["cfi.robust"].notna().tolist() == [True, False, False, False]
    assert not [d for d in json.loads((res / "diagnostics.json").read_text()) if d["code"] == "invariance_failed"]
    html = (kept / "report.html").read_text(encoding="utf-8")
    assert "Thresholds of the ordered items (WLSMV)" in html and "mean-and-variance adjusted" in html
    text = subprocess.run(["pdftotext", str(out / "report.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "有序题项的阈值" in text and "WLSMV" in text and "Thresholds of the ordered items" not in text
