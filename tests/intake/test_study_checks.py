"""Issue #31, point 5: every study check before the first notebook.  The driver, segment, Kano, SERVQUAL and
raking checks that 02 and 06 met only after 25–34 s, with a traceback, are made by ``prepare`` (the preflight):
one line naming the key, no half output, the raw file unchanged.  Each test edits a copy of the demo study."""
from __future__ import annotations

import contextlib
import io
import os
import shutil
from pathlib import Path

import pytest

from csat.pipeline import build

from studyfactory import sha

ROOT = Path(__file__).resolve().parents[2]


def demo(tmp_path: Path) -> Path:
    (tmp_path / "params").mkdir()
    (tmp_path / "data" / "raw").mkdir(parents=True)
    shutil.copy(ROOT / "data" / "raw" / "demo.csv", tmp_path / "data" / "raw" / "demo.csv")
    pf = tmp_path / "params" / "demo.yaml"
    shutil.copy(ROOT / "params" / "demo.yaml", pf)
    return pf


def edit(pf: Path, old: str, new: str) -> None:
    text = pf.read_text(encoding="utf-8")
    assert old in text, old
    pf.write_text(text.replace(old, new, 1), encoding="utf-8")


def refused(tmp_path: Path, expected: str) -> None:
    raw = tmp_path / "data" / "raw" / "demo.csv"
    before = sha(raw)
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = build.main(["prepare", "params/demo.yaml"])
    finally:
        os.chdir(cwd)
    assert rc == 2, err.getvalue()
    assert err.getvalue() == f"error: {expected}\n"
    assert sha(raw) == before
    rep = tmp_path / "reports" / "demo"
    assert not [p for p in rep.rglob("*") if p.is_file() and ".build" not in p.parts] if rep.exists() else True


def test_a_driver_target_that_is_also_a_predictor(tmp_path):
    pf = demo(tmp_path)
    edit(pf, "predictors: [IMAG, EXPE, QUAL, VAL]", "predictors: [IMAG, EXPE, QUAL, VAL, SAT]")
    refused(tmp_path, "params/demo.yaml: key 'drivers.predictors': the target 'SAT' is also a predictor; remove it "
                      "from drivers.predictors (or choose another drivers.target)")


def test_drivers_without_a_satisfaction_construct_or_a_target(tmp_path):
    pf = demo(tmp_path)
    edit(pf, "drivers: {target: SAT, predictors: [IMAG, EXPE, QUAL, VAL], bootstrap: 1000}",
         "drivers: {predictors: [IMAG, EXPE], bootstrap: 1000}")
    edit(pf, "ipma: {target: SAT}", "")
    text = pf.read_text(encoding="utf-8")
    pf.write_text(text.replace("SAT", "HAPPY").replace("Satisfaction", "Happiness").replace("满意", "开心")
                  .replace("satisf", "happi"), encoding="utf-8")
    refused(tmp_path, "params/demo.yaml: key 'drivers.target': no construct looks like satisfaction (SAT, "
                      "Satisfaction, 满意度); set drivers.target (or ipma.target) in the params file")


@pytest.mark.parametrize("case", ["margin_level_not_in_data", "data_level_not_in_margins"])
def test_raking_margins_that_do_not_match_the_data(tmp_path, case):
    pf = demo(tmp_path)
    if case == "margin_level_not_in_data":
        edit(pf, "gender: {female: 0.50, male: 0.50}", "gender: {female: 0.50, male: 0.40, diverse: 0.10}")
        refused(tmp_path, f"{tmp_path / 'data/raw/demo.csv'}: key 'weights.rake.gender': level(s) ['diverse'] have "
                          "a population share but no respondent")
    else:
        edit(pf, '"55+": 0.28}', '"55-64": 0.28}')
        refused(tmp_path, f"{tmp_path / 'data/raw/demo.csv'}: key 'weights.rake.age_band': level(s) ['55+'] of "
                          "column 'age_band' have no population share (shares given for ['18-24', '25-34', '35-44', "
                          "'45-54', '55-64'])")


def test_more_segments_than_respondents(tmp_path):
    from csat.intake.preflight import study_facts
    from csat.config.params import load_params
    from csat.intake import cleaning
    from csat.intake.readers import load_study_data

    pf = demo(tmp_path)
    p = load_params(pf, {"segments.k": 20}, root=tmp_path)
    df, report = load_study_data(p, pf, root=tmp_path)
    data = cleaning.clean(df, p).data.head(15)
    assert study_facts(data, p, report.extra).startswith("key 'segments.k': 15 analysed respondents with every "
                                                         "construct in ['IMAG', 'EXPE', 'QUAL', 'VAL', 'SAT', 'COMP', "
                                                         "'LOY'] cannot form 20 segments; choose a smaller k")


def test_a_kano_column_without_any_valid_answer(tmp_path):
    pf = demo(tmp_path)
    raw = tmp_path / "data" / "raw" / "demo.csv"
    lines = raw.read_text(encoding="utf-8").splitlines()
    head = lines[0].split(",")
    j = head.index("kano_app_d")
    out = [lines[0]]
    for line in lines[1:]:
        cells = line.split(",")
        cells[j] = "9"
        out.append(",".join(cells))
    raw.write_text("\n".join(out) + "\n", encoding="utf-8")
    refused(tmp_path, f"{raw}: key 'kano.app.dysfunctional': column 'kano_app_d' has no Kano answer (a code 1–5 or a "
                      "'labels' text) from any of the 546 analysed respondents (values 9)")


def test_the_demo_passes_the_study_checks(tmp_path):
    from csat.intake.preflight import intake_check
    from csat.config.params import load_params

    pf = demo(tmp_path)
    p = load_params(pf, root=tmp_path)
    intake_check(p, pf, root=tmp_path)            # no error


def test_a_changed_raking_margin_is_checked_again_after_a_passed_prepare(tmp_path):
    """The preflight's cache of the intake check is keyed on the optional parts' keys too."""
    pf = demo(tmp_path)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            assert build.main(["prepare", "params/demo.yaml"]) == 0
    finally:
        os.chdir(cwd)
    edit(pf, "gender: {female: 0.50, male: 0.50}", "gender: {female: 0.50, male: 0.40, diverse: 0.10}")
    refused(tmp_path, f"{tmp_path / 'data/raw/demo.csv'}: key 'weights.rake.gender': level(s) ['diverse'] have "
                      "a population share but no respondent")
