"""Faults and bad input (issue #20, #19 items 2 and 5): one early, plain error; never a wrong or stale result.

One test per class of mistake.  Each runs ``python -m csat.pipeline.build prepare`` (the command Make runs
before any notebook) on a small but analysable study in ``tmp_path``, and asserts

* the exact one-line message on stderr (no traceback, nothing else),
* that no half output remains (no stage notebook, no results file, no report),
* that the raw data file is byte-identical afterwards.

The build-state tests check that a failed or interrupted build leaves no stale report and that
``reports/index.html`` says so; the fault tests check that bootstrap workers and Chromium
profiles do not outlive an interrupted build.  Platform-style exports (问卷星/腾讯问卷: Chinese
headers, ``156秒``, ``(跳过)``, GBK CSV and XLSX) and an R-written CSV with ``NA`` are read with
every missing token counted.
"""
from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import numpy as np
import openpyxl
import pandas as pd
import pytest
from markupsafe import escape

from csat.pipeline import build
from csat.report import cli as report_cli, html as report_html, index as report_index, pdf
from csat.analyses.cleaning import intake_summary
from csat.core.errors import DataError, DataFactError, ParamsError
from csat.intake.preflight import data_facts
from csat.intake.readers import load_study_data
from csat.config.params import validate_params
from csat.intake.preflight import load_study

ROOT = Path(__file__).resolve().parents[1]
ITEMS = ["sat1", "sat2", "sat3", "val1", "val2", "val3", "loy1", "loy2", "loy3"]

PARAMS = """\
study: mini
title: "Mini"
data:
  path: data/raw/mini.csv
  id: rid
  duration: secs
scale: {min: 1, max: 5}
missing_codes: [99]
constructs:
  SAT: {label: "Satisfaction", items: [sat1, sat2, sat3]}
  VAL: {label: "Value", items: [val1, val2, val3]}
  LOY: {label: "Loyalty", items: [loy1, loy2, loy3]}
groups: [gender]
cleaning: {min_duration: 30}
model: |
  SAT =~ sat1 + sat2 + sat3
  VAL =~ val1 + val2 + val3
  LOY =~ loy1 + loy2 + loy3
  SAT ~ VAL
  LOY ~ SAT
ipma: {target: SAT}
bootstrap: 1000
seed: 1
"""


def survey(n: int = 60, seed: int = 3) -> pd.DataFrame:
    """A small three-construct survey (5-point items driven by one latent score per construct)."""
    rng = np.random.default_rng(seed)
    v = rng.normal(size=n)
    s = 0.6 * v + 0.8 * rng.normal(size=n)
    l_ = 0.7 * s + 0.7 * rng.normal(size=n)
    cols = {}
    for name, f in (("sat", s), ("val", v), ("loy", l_)):
        for k in (1, 2, 3):
            cols[f"{name}{k}"] = np.clip(np.round(3 + f + 0.8 * rng.normal(size=n)), 1, 5).astype(int)
    df = pd.DataFrame(cols)
    df.insert(0, "rid", np.arange(1, n + 1))
    df["gender"] = np.where(rng.random(n) < 0.5, "f", "m")
    df["secs"] = rng.integers(60, 900, size=n)
    return df


def write_csv(df: pd.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False)
    return path


def project(tmp_path: Path, params: str = PARAMS, data: pd.DataFrame | None = None) -> Path:
    (tmp_path / "params").mkdir(exist_ok=True)
    write_csv(survey() if data is None else data, tmp_path / "data" / "raw" / "mini.csv")
    pf = tmp_path / "params" / "mini.yaml"
    pf.write_text(params, encoding="utf-8")
    return pf


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def prepare(tmp_path: Path, overrides: str = "") -> subprocess.CompletedProcess:
    """``python -m csat.pipeline.build prepare params/mini.yaml`` run in ``tmp_path`` (in this process, for speed;
    :func:`test_the_fixture_study_passes` runs the real command once)."""
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = build.main(["prepare", "params/mini.yaml", "--overrides", overrides])
    finally:
        os.chdir(cwd)
    return subprocess.CompletedProcess([], rc, out.getvalue(), err.getvalue())


def no_half_output(tmp_path: Path) -> None:
    rep = tmp_path / "reports" / "mini"
    left = [p for p in rep.rglob("*") if p.is_file() and ".build" not in p.parts] if rep.exists() else []
    assert left == [], left


def fails_with(tmp_path: Path, expected: str, overrides: str = "") -> None:
    raw = tmp_path / "data" / "raw" / "mini.csv"
    before = sha(raw) if raw.is_file() else None
    r = prepare(tmp_path, overrides)
    assert r.returncode == 2, r.stderr
    assert r.stdout == ""
    assert "Traceback" not in r.stderr
    assert r.stderr.count("\n") == 1, r.stderr
    assert r.stderr == f"error: {expected}\n"
    no_half_output(tmp_path)
    if before is not None:
        assert sha(raw) == before


def edit(pf: Path, old: str, new: str) -> None:
    text = pf.read_text(encoding="utf-8")
    assert old in text, old
    pf.write_text(text.replace(old, new, 1), encoding="utf-8")


# ------------------------------------------------------------------------------ params mistakes
def test_the_fixture_study_passes(tmp_path):
    project(tmp_path)
    r = subprocess.run([sys.executable, "-m", "csat.pipeline.build", "prepare", "params/mini.yaml"], cwd=tmp_path,
                       capture_output=True, text=True)
    assert r.returncode == 0 and r.stderr == "" and r.stdout == "", r.stderr
    edit(tmp_path / "params" / "mini.yaml", "seed: 1", "seed: yes")
    r = subprocess.run([sys.executable, "-m", "csat.pipeline.build", "prepare", "params/mini.yaml"], cwd=tmp_path,
                       capture_output=True, text=True)
    assert r.returncode == 2 and r.stdout == "" and r.stderr == (
        "error: params/mini.yaml: key 'seed': true is a yes/no value, not a number (YAML reads yes/no/true/false/"
        "on/off as booleans); write a number\n")


#: Mistakes in params/mini.yaml, each made by text edits of the file and refused by ``prepare`` with
#: one line: steps of ``(old, new, expected error or None)`` (None: an edit without a check, e.g. undoing
#: the previous mistake).
PARAMS_MISTAKES = {
    "a_yaml_boolean_is_never_a_number": [
        ("bootstrap: 1000", "bootstrap: yes",
         "params/mini.yaml: key 'bootstrap': true is a yes/no value, not a number (YAML reads yes/no/true/false/on/off "
         "as booleans); write a number"),
        ("bootstrap: yes", "bootstrap: 1000", None),
        ("min: 1, max: 5", "min: off, max: 5",
         "params/mini.yaml: key 'scale.min': false is a yes/no value, not a number (YAML reads yes/no/true/false/on/"
         "off as booleans); write a number")],
    "a_key_written_twice_is_named_with_its_lines": [
        ("seed: 1\n", "seed: 1\nseed: 2\n",
         "params/mini.yaml: key 'seed' is written twice (lines 23 and 24); YAML would silently keep only the last "
         "one: delete or merge one of them")],
    "one_column_in_two_roles": [
        ("groups: [gender]", "groups: [gender, sat2]",
         "params/mini.yaml: groups: 'sat2' is an item of construct 'SAT'; a column cannot be both an item and a "
         "group (list the group column, e.g. gender, instead)")],
    "missing_codes_inside_the_scale_are_refused": [
        ("missing_codes: [99]", "missing_codes: [99, 5]",
         "params/mini.yaml: missing_codes: 5 lies inside the answer scale 1–5, so real answers 5 would be deleted; "
         "use a code outside the scale (e.g. 99 or -1)")],
    "speeder_rule_without_a_duration_column": [
        ("  duration: secs\n", "",
         "params/mini.yaml: cleaning.min_duration / cleaning.speeder_median_ratio is set but data.duration (the "
         "completion-time column) is not; set data.duration or switch the speeder rule off")],
    "model_variable_that_is_not_a_column_or_construct": [
        ("LOY ~ SAT", "LOY ~ SAT + VALL",
         "params/mini.yaml: key 'model': model variable 'VALL' is neither a column of the data nor a latent variable "
         "(did you mean 'VAL'?)")],
    "model_variable_the_analysis_data_do_not_hold": [
        ("LOY ~ SAT", "LOY ~ SAT + gender",
         "params/mini.yaml: key 'model': model variable 'gender' is a group column (categories, not numbers); code "
         "it as numbers in a column of its own and make that an item of a construct to use it in the model"),
        ("LOY ~ SAT + gender", "LOY ~ SAT + rid",
         "params/mini.yaml: key 'model': model variable 'rid' is a column of the data but not an item of any "
         "construct, so the analysis data do not hold it; add it to a construct's items (a single-item construct) "
         "to use it in the model")],
    "model_syntax_error_names_the_line": [
        ("LOY ~ SAT", "LOY ~ SAT +",
         "params/mini.yaml: key 'model': model syntax error on line 5: empty term (a '+' with nothing after it): "
         "'LOY ~ SAT +'")],
    "unknown_ipma_target": [
        ("target: SAT", "target: SATS",
         "params/mini.yaml: ipma.target: 'SATS' is not a construct (did you mean 'SAT'?)")],
    "ipma_target_that_no_path_leads_to": [
        ("target: SAT", "target: VAL",
         "params/mini.yaml: key 'ipma.target': no path in the model leads to 'VAL', so it has no importance map; "
         "choose a construct that paths lead to (SAT, LOY)")],
}


@pytest.mark.parametrize("case", list(PARAMS_MISTAKES))
def test_a_params_mistake_is_one_line(tmp_path, case):
    pf = project(tmp_path)
    for old, new, expected in PARAMS_MISTAKES[case]:
        edit(pf, old, new)
        if expected is not None:
            fails_with(tmp_path, expected)


def test_too_few_bootstrap_resamples_are_refused_and_few_warned(tmp_path):
    pf = project(tmp_path)
    edit(pf, "bootstrap: 1000", "bootstrap: 1")
    fails_with(tmp_path, "params/mini.yaml: key 'bootstrap': 1 resamples are too few for 95% percentile intervals; "
                         "use 0 (no bootstrap) or at least 200 (1000 or more recommended)")
    edit(pf, "bootstrap: 1", "bootstrap: 0")                 # 0 = no bootstrap, as before
    assert prepare(tmp_path).returncode == 0
    edit(pf, "bootstrap: 0", "bootstrap: 400")
    r = prepare(tmp_path)
    assert r.returncode == 0
    assert r.stderr == ("warning: bootstrap: only 400 bootstrap resamples: the 95% interval limits rest on 10 draws "
                        "in each tail and vary from seed to seed; use 1000 or more for reporting\n")


def test_gbk_params_file_is_read_and_a_foreign_encoding_named(tmp_path):
    pf = project(tmp_path)
    pf.write_bytes(PARAMS.replace('title: "Mini"', 'title: "迷你研究：满意度"').encode("gbk"))
    assert prepare(tmp_path).returncode == 0
    assert load_study(pf).title == "迷你研究：满意度"
    pf.write_bytes(PARAMS.encode("utf-8") + "# \udcff".encode("utf-8", "surrogateescape") + b"\xff\xfe\xff\n")
    fails_with(tmp_path, "params/mini.yaml: cannot read the file's text encoding (not UTF-8: byte "
                         f"{len(PARAMS.encode()) + 2}, line 24; not GBK/GB18030 either); save it as UTF-8")


def test_an_override_typo_is_blamed_on_the_override_not_the_file(tmp_path):
    project(tmp_path)
    fails_with(tmp_path, "override efa.n_factor=... (command line / SET=): unknown key 'efa.n_factor' (did you "
                         "mean 'n_factors'?); the params file was not changed", overrides="efa.n_factor=3")
    fails_with(tmp_path, "params/mini.yaml: override bootstrap='many' (command line / SET=): Input should be a "
                         "valid integer, unable to parse string as an integer", overrides="bootstrap=many")


def test_unidentified_two_item_construct(tmp_path):
    pf = project(tmp_path)
    edit(pf, "  LOY =~ loy1 + loy2 + loy3\n", "  LOY =~ loy1 + loy2\n")
    edit(pf, "  LOY ~ SAT\n", "  LOY ~~ 0*VAL\n")
    fails_with(tmp_path, "params/mini.yaml: key 'model': construct 'LOY' is measured by two items (loy1, loy2) and "
                         "tied to nothing else, so the model is not identified; add a third item, a path to or from "
                         "it, or fix its two loadings equal (a*x1 + a*x2)")
    edit(pf, "  LOY ~~ 0*VAL\n", "  LOY ~ SAT\n")             # a path identifies it
    assert prepare(tmp_path).returncode == 0


def test_a_lone_two_item_construct_is_not_identified(tmp_path):
    params = textwrap.dedent("""\
        study: mini
        data: {path: data/raw/mini.csv}
        constructs:
          SAT: {items: [sat1, sat2]}
        bootstrap: 0
        """)
    project(tmp_path, params)
    fails_with(tmp_path, "params/mini.yaml: key 'constructs': the model is not identified: it has 4 free parameters "
                         "but only 3 sample moments (df = -1 < 0); fix or remove parameters")


def test_more_factors_than_the_items_allow(tmp_path):
    project(tmp_path, PARAMS + "efa: {n_factors: 12}\n")
    fails_with(tmp_path, "params/mini.yaml: key 'efa.n_factors': 12 factors cannot be extracted from 9 items; use "
                         "'auto' or an integer from 1 to 8")


def test_template_that_cannot_be_formed(tmp_path):
    params = PARAMS.split("model: |")[0] + "model_template: acsi\nbootstrap: 0\n"
    params = params.replace("SAT: {label: \"Satisfaction\"", "S1: {label: \"Happy\"").replace(
        "VAL: {label: \"Value\"", "V1: {label: \"Money\"").replace("LOY: {label: \"Loyalty\"", "L1: {label: \"Stay\"")
    project(tmp_path, params)
    fails_with(tmp_path, "params/mini.yaml: key 'model_template': acsi: none of the template's paths can be formed "
                         "from the study's constructs ['S1', 'V1', 'L1'] (template constructs ['EXPE', 'QUAL', "
                         "'VAL', 'SAT', 'COMP', 'LOY']; aliases: {'EXPE': ['EXPE', 'expectations', 'expectation', "
                         "'EXP'], 'QUAL': ['QUAL', 'quality', 'PQ', 'perceived quality'], 'VAL': ['VAL', 'value', "
                         "'PV', 'perceived value'], 'SAT': ['SAT', 'satisfaction', 'CSI', 'SATIS'], 'COMP': ['COMP', "
                         "'complaints', 'complaint', 'CC'], 'LOY': ['LOY', 'loyalty', 'customer loyalty', "
                         "'LOYAL']}); give params.model instead")


def test_no_satisfaction_construct_and_no_ipma_target(tmp_path):
    params = (PARAMS.replace("SAT", "HAPPY").replace('"Satisfaction"', '"Happiness"')
              .replace("ipma: {target: HAPPY}\n", ""))
    project(tmp_path, params)
    fails_with(tmp_path, "params/mini.yaml: key 'ipma.target': no construct is named like satisfaction among "
                         "['HAPPY', 'VAL', 'LOY']; set ipma.target in the params")


# ------------------------------------------------------------------------------ damaged data files
@pytest.mark.parametrize("case", ["empty", "duplicate_header", "png", "xlsx_sheet", "unclosed_quote"])
def test_damaged_data_file_is_one_line(tmp_path, case):
    pf = project(tmp_path)
    raw = tmp_path / "data" / "raw" / "mini.csv"
    if case == "empty":
        raw.write_bytes(b"")
        expected = f"{raw}: the file is empty (0 bytes)"
    elif case == "duplicate_header":
        raw.write_text(raw.read_text().replace("sat2", "sat1", 1))
        expected = f"{raw}: column 'sat1' appears twice in the header (columns 2 and 3)"
    elif case == "png":
        raw.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
        expected = f"{raw}: is not a table: the file is a PNG image, not a CSV text file"
    elif case == "unclosed_quote":
        lines = raw.read_text().splitlines()
        lines[4] = '"' + lines[4]
        raw.write_text("\n".join(lines) + "\n")
        expected = (f"{raw}: data row 4 (line 5): a quote (\") opened in this row is never closed, so the following "
                    "rows are read as one text cell; remove the stray quote or close it")
    else:
        x = tmp_path / "data" / "raw" / "mini.xlsx"
        df = survey()
        with pd.ExcelWriter(x) as w:
            df.to_excel(w, sheet_name="data", index=False)
        edit(pf, "path: data/raw/mini.csv", "path: data/raw/mini.xlsx\n  sheet: Data")
        expected = f"{x}: key 'data.sheet': no sheet named 'Data'; sheets are ['data'] (did you mean 'data'?)"
    fails_with(tmp_path, expected)


# ------------------------------------------------------------------------------ data facts
def test_a_constant_item_is_named(tmp_path):
    df = survey()
    df["val2"] = 4
    project(tmp_path, data=df)
    raw = tmp_path / "data" / "raw" / "mini.csv"
    fails_with(tmp_path, f"{raw}: item 'val2' (constructs.VAL.items) has the same answer (4) from every analysed "
                         "respondent (zero variance): it carries no information and makes the correlation matrix "
                         "singular; remove it from the construct")


def test_too_few_respondents_for_the_model(tmp_path):
    project(tmp_path, data=survey(n=5))
    raw = tmp_path / "data" / "raw" / "mini.csv"
    fails_with(tmp_path, f"{raw}: only 5 respondent(s) remain after cleaning, but the analysis of 9 items needs at "
                         "least 10 (with fewer, the items' correlation matrix is singular and factor analysis and "
                         "SEM cannot run)")


def test_an_item_almost_nobody_answered(tmp_path):
    df = survey().astype({"loy3": object})
    df.loc[6:, "loy3"] = ""
    project(tmp_path, data=df, params=PARAMS.replace("bootstrap: 1000", "bootstrap: 1000\ncleaning: "
                                                     "{min_duration: 30, max_missing_share: 0.5}").replace(
        "cleaning: {min_duration: 30}\n", ""))
    raw = tmp_path / "data" / "raw" / "mini.csv"
    fails_with(tmp_path, f"{raw}: item 'loy3' (constructs.LOY.items) is answered by only 6 of 60 analysed "
                         "respondents (at least 10 needed); remove it from the construct or check the column")


def test_a_recommend_column_without_answers(tmp_path):
    df = survey()
    df["nps"] = 99
    project(tmp_path, PARAMS.replace("groups: [gender]", "groups: [gender]\nrecommend: nps"), data=df)
    raw = tmp_path / "data" / "raw" / "mini.csv"
    fails_with(tmp_path, f"{raw}: column 'nps' (key 'recommend') has no 0–10 answer from any analysed respondent, so "
                         "no Net Promoter Score can be computed; check the column or remove the 'recommend' key")


def test_perfectly_collinear_items(tmp_path):
    df = survey()
    df["sat3"] = df["sat1"]
    project(tmp_path, data=df)
    raw = tmp_path / "data" / "raw" / "mini.csv"
    fails_with(tmp_path, f"{raw}: item 'sat1' is an exact linear function of 'sat3' (perfectly collinear items, e.g. "
                         "a column copied twice): the correlation matrix is singular; remove one of them")


def test_data_facts_flag_items_few_answered_as_warnings(tmp_path):
    p = load_study(project(tmp_path))
    df = survey().set_index("rid").astype(float, errors="ignore")
    df.loc[df.index[:35], "val1"] = np.nan
    diags, blocking = data_facts(df, p)
    assert blocking == []
    assert [(d.code, d.where, d.message) for d in diags] == [
        ("item_few_answers", "val1", "item 'val1' is answered by only 25 of 60 analysed respondents (42%)")]


# ------------------------------------------------------------------------------ file names
def test_any_character_in_the_data_file_name_is_safe_for_make(tmp_path):
    pf = project(tmp_path)
    odd = tmp_path / "data" / "raw" / "we$ird #name: 50% (v2).csv"
    (tmp_path / "data" / "raw" / "mini.csv").rename(odd)
    edit(pf, "path: data/raw/mini.csv", f"path: '{odd.relative_to(tmp_path)}'")
    assert prepare(tmp_path).returncode == 0
    b = tmp_path / "reports" / "mini" / ".build"
    deps = (b / "deps.mk").read_text()
    assert deps.splitlines()[0] == "RAW := reports/mini/.build/raw.json" and "we$ird" not in deps
    assert json.loads((b / "raw.json").read_text()) == {"path": "data/raw/we$ird #name: 50% (v2).csv",
                                                        "sha256": sha(odd)}
    r = subprocess.run(["make", "-f", "-", "--no-print-directory", "show"], cwd=tmp_path, capture_output=True,
                       text=True, input=f"include {b}/deps.mk\nshow: $(RAW)\n\t@echo ok $(RAW)\n")
    assert r.returncode == 0 and r.stdout == "ok reports/mini/.build/raw.json\n", r.stderr


# ------------------------------------------------------------------------------ text in the data
PLATFORM_HEADER = ["序号", "提交答卷时间", "所用时间", "来源", "1、您的性别：", "2、(服务1)", "2、(服务2)", "2、(服务3)",
                   "3、(价格1)", "3、(价格2)", "3、(价格3)", "4、您向朋友推荐的可能性："]
OPTIONS = {1: "非常不满意", 2: "不满意", 3: "一般", 4: "满意", 5: "非常满意"}
PLATFORM_PARAMS = """\
study: mini
language: zh
data:
  path: {path}
  id: 序号
  duration: 用时
  rename: {{"所用时间": 用时, "1、您的性别：": 性别, "2、(服务1)": svc1, "2、(服务2)": svc2, "2、(服务3)": svc3,
           "3、(价格1)": price1, "3、(价格2)": price2, "3、(价格3)": price3, "4、您向朋友推荐的可能性：": 推荐}}
scale: {{min: 1, max: 5}}
labels: {{非常不满意: 1, 不满意: 2, 一般: 3, 满意: 4, 非常满意: 5}}
constructs:
  SVC: {{label: Service, label_zh: 服务, items: [svc1, svc2, svc3]}}
  PRICE: {{label: Price, label_zh: 价格, items: [price1, price2, price3]}}
groups: [性别]
recommend: 推荐
cleaning: {{min_duration: 60}}
bootstrap: 0
"""


def platform_rows(n: int = 40) -> list[list]:
    rng = np.random.default_rng(7)
    rows = []
    for i in range(n):
        f, g = rng.normal(), rng.normal()
        ans = [int(np.clip(round(3 + x + 0.7 * rng.normal()), 1, 5)) for x in (f, f, f, g, g, g)]
        cells = [OPTIONS[a] for a in ans]
        if i % 7 == 3:
            cells[1] = "(跳过)"                       # a skipped matrix row
        secs = 100 + 11 * i
        dur = f"{secs}秒" if i % 3 else f"{secs // 60}分{secs % 60}秒"
        if i == 5:
            dur = "1小时2分3秒"
        rows.append([i + 1, f"2024/5/{1 + i % 28} 10:{i % 60:02d}:00", dur, "微信", "男" if i % 2 else "女",
                     *cells, "(跳过)" if i == 9 else str(i % 11)])
    return rows


def write_platform_csv(path: Path, encoding: str = "gbk") -> Path:
    lines = [",".join(PLATFORM_HEADER)] + [",".join(str(c) for c in r) for r in platform_rows()]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def write_platform_xlsx(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(PLATFORM_HEADER)
    for r in platform_rows():
        ws.append(r)
    wb.save(path)
    return path


@pytest.mark.parametrize("fmt", ["gbk_csv", "xlsx"])
def test_survey_platform_export(tmp_path, fmt):
    (tmp_path / "data" / "raw").mkdir(parents=True)
    (tmp_path / "params").mkdir()
    if fmt == "gbk_csv":
        raw = write_platform_csv(tmp_path / "data" / "raw" / "问卷星导出.csv")
    else:
        raw = write_platform_xlsx(tmp_path / "data" / "raw" / "问卷星导出.xlsx")
    before = sha(raw)
    pf = tmp_path / "params" / "mini.yaml"
    pf.write_text(PLATFORM_PARAMS.format(path=raw.relative_to(tmp_path)), encoding="utf-8")
    r = prepare(tmp_path)
    assert r.returncode == 0, r.stderr
    p = load_study(pf)
    df, intake = load_study_data(p, pf)
    assert list(df.columns[:2]) == ["序号", "svc1"]
    rows = platform_rows()
    expected_secs = [(100 + 11 * i) if i != 5 else 3723 for i in range(40)]
    assert df["用时"].tolist() == [float(s) for s in expected_secs]
    skipped = sum(1 for r_ in rows if r_[6] == "(跳过)")
    assert skipped == 6
    assert intake.token_counts() == {"(跳过)": skipped + 1}
    assert df["svc2"].isna().sum() == skipped and df["推荐"].isna().sum() == 1
    assert df["svc1"].tolist() == [float(k) for r_ in rows for k, v in OPTIONS.items() if v == r_[5]]
    assert intake.renamed["所用时间"] == "用时"
    assert intake.to_dict()["missing_tokens"] == {"(跳过)": 7}
    assert sha(raw) == before


def test_rename_of_a_header_that_is_not_there(tmp_path):
    (tmp_path / "data" / "raw").mkdir(parents=True)
    (tmp_path / "params").mkdir()
    raw = write_platform_csv(tmp_path / "data" / "raw" / "export.csv")
    pf = tmp_path / "params" / "mini.yaml"
    pf.write_text(PLATFORM_PARAMS.format(path="data/raw/export.csv").replace('"2、(服务3)"', '"2、(服务 3)"'),
                  encoding="utf-8")
    fails_with(tmp_path, f"{raw}: key 'data.rename': header '2、(服务 3)' is not in the file (did you mean "
                         "'2、(服务3)', '2、(服务2)', '2、(服务1)'?)")


def test_r_written_csv_with_na(tmp_path):
    df = survey()
    text = ['"rid","sat1","sat2","sat3","val1","val2","val3","loy1","loy2","loy3","gender","secs"']
    for i, r in df.iterrows():
        cells = [str(r[c]) for c in ITEMS]
        if i % 10 == 0:
            cells[4] = "NA"
        text.append(",".join([str(r["rid"]), *cells, f'"{r["gender"]}"', "NA" if i == 3 else str(r["secs"])]))
    project(tmp_path)
    raw = tmp_path / "data" / "raw" / "mini.csv"
    raw.write_text("\n".join(text) + "\n")
    assert prepare(tmp_path).returncode == 0
    data, intake = load_study_data(load_study(tmp_path / "params" / "mini.yaml"), tmp_path / "params" / "mini.yaml")
    assert intake.token_counts() == {"NA": 7}
    assert data["val2"].isna().sum() == 6 and np.isnan(data.loc[4, "secs"])
    assert data["gender"].iloc[0] in ("f", "m")


def test_nan_inf_negative_durations_and_long_headers_are_reported(tmp_path):
    df = survey().astype({"sat2": object, "secs": object})
    df.loc[2, "sat2"] = "NaN"
    df.loc[4, "sat2"] = "inf"
    df.loc[7, "secs"] = -40
    df["x" * 300] = 1
    project(tmp_path, data=df)
    p = load_study(tmp_path / "params" / "mini.yaml")
    data, intake = load_study_data(p, tmp_path / "params" / "mini.yaml")
    assert data["sat2"].isna().sum() == 2 and np.isnan(data.loc[8, "secs"])
    assert intake.token_counts() == {"NaN": 1, "inf": 1}
    d = {(x.code, x.message[:30]): x.message for x in intake.diagnostics()}
    assert [m for (c, _), m in d.items() if c == "nonnumber_text"] == [
        "1 cell(s) hold the text 'NaN' (not an answer) in column(s) 'sat2'; they were set missing",
        "1 cell(s) hold the text 'inf' (not an answer) in column(s) 'sat2'; they were set missing"]
    d = {x.code: x.message for x in intake.diagnostics()}
    assert d["negative_duration"] == "1 negative completion time(s) in data row(s) 8 were set missing"
    assert d["long_header"] == "a header is 300 characters long; give the column a short name with data.rename"
    summary = dict(zip(intake_summary(intake)["what"], intake_summary(intake)["value"]))
    assert summary["missing tokens (NaN, inf)"] == "2"
    assert summary["negative durations set missing"] == "1"


def test_duration_text_forms():
    from csat.intake.readers import _parse_duration

    assert [_parse_duration(x) for x in ["156秒", "2分30秒", "2分钟", "1小时", "1小时2分3秒", "90", "1.5分钟",
                                         "02:30", "3 min 5 s"]] == [156, 150, 120, 3600, 3723, 90, 90, 150, 185]
    assert _parse_duration("快") is None


# ------------------------------------------------------------------------------ build state
def _fake_stage_outputs(root: Path, study: str = "mini") -> None:
    """Outputs of a complete build: per-stage results (recorded), notebooks, html, report."""
    from csat.pipeline import stage as st

    d = root / "reports" / study
    for s in build.STAGE_ORDER:
        stg = st.start(s, root / "params" / f"{study}.yaml", {}, root=root)
        stg.write_csv(f"only_{s}.csv", pd.DataFrame({"a": [1]}))
        stg.diagnostics([{"code": "too_few_items", "severity": "info", "where": s, "message": "m"}])  # a registered code
        stg.finish()
        for ext in ("ipynb", "html"):
            (d / f"{s}.{ext}").write_text("{}")
    for name in ("report.html", "report.pdf"):
        (d / name).write_text("old")
    build.record_success(root, study)


def refresh_index(root: Path, study: str) -> bool:
    """What the Makefile's REFRESH_INDEX does after a command that may record a failure: write
    reports/index.html (csat.report.cli index) if there is one and it is not newer than the study's
    status.json; whether it did."""
    index, status = root / "reports" / "index.html", root / "reports" / study / ".build" / "status.json"
    if not index.is_file() or (status.is_file() and index.stat().st_mtime_ns > status.stat().st_mtime_ns):
        return False
    assert report_cli.main(["index", "--root", str(root)]) == 0
    return True


def test_a_failed_stage_removes_its_outputs_later_ones_and_the_report(tmp_path):
    project(tmp_path)
    assert prepare(tmp_path).returncode == 0
    _fake_stage_outputs(tmp_path)
    d = tmp_path / "reports" / "mini"
    report_index.build_index(tmp_path)
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("x", outputs=[nbformat.v4.new_output(
        "error", ename="LinAlgError", evalue="Singular matrix", traceback=[])]))
    nbformat.write(nb, d / "03_reliability_validity.ipynb")
    r = subprocess.run([sys.executable, "-m", "csat.pipeline.build", "failed", "--study", "mini", "--stage",
                        "03_reliability_validity"], cwd=tmp_path, capture_output=True, text=True)
    assert r.stderr == ("error: study 'mini' failed at 03_reliability_validity: LinAlgError: Singular matrix; its "
                        "outputs from this stage on were removed (data/raw is untouched)\n")
    refresh_index(tmp_path, "mini")
    res = d / "results"
    assert sorted(p.name for p in res.glob("only_*")) == ["only_01_cleaning.csv", "only_02_descriptives.csv",
                                                          "only_06_drivers_segments.csv"]   # 06 reads 01, 02 only
    for s in ("03_reliability_validity", "04_factor_analysis", "05_sem"):    # 04 reads 03's CFA
        assert not (d / f"{s}.html").exists() and not (d / f"{s}.ipynb").exists()
        assert not (d / "runinfo" / f"{s}.json").exists()
    assert (d / "02_descriptives.html").exists() and (d / "06_drivers_segments.ipynb").exists()
    assert not (d / "report.html").exists() and not (d / "report.pdf").exists()
    diag = json.loads((res / "diagnostics.json").read_text())
    assert sorted({x["stage"] for x in diag}) == ["01_cleaning", "02_descriptives", "06_drivers_segments"]
    st = json.loads((d / ".build" / "status.json").read_text())
    assert (st["state"], st["stage"], st["message"]) == ("failed", "03_reliability_validity",
                                                         "LinAlgError: Singular matrix")
    index = (tmp_path / "reports" / "index.html").read_text()
    assert "FAILED at 03_reliability_validity: LinAlgError: Singular matrix" in index
    assert 'href="mini/report.html"' not in index


def test_a_failed_prepare_leaves_no_stale_report(tmp_path):
    pf = project(tmp_path)
    assert prepare(tmp_path).returncode == 0
    _fake_stage_outputs(tmp_path)
    d = tmp_path / "reports" / "mini"
    report_index.build_index(tmp_path)
    # an override typo changes nothing: the built study stays as it is
    r = prepare(tmp_path, "efa.n_factor=3")
    assert r.returncode == 2 and (d / "report.html").exists()
    assert json.loads((d / ".build" / "status.json").read_text())["state"] == "built"
    assert not refresh_index(tmp_path, "mini")                            # nothing recorded: the index stays
    edit(pf, "LOY ~ SAT", "LOY ~ SAT + PRICE")
    r = prepare(tmp_path)
    msg = ("params/mini.yaml: key 'model': model variable 'PRICE' is neither a column of the data nor a latent "
           "variable")
    assert r.returncode == 2 and r.stderr == f"error: {msg}\n"
    assert refresh_index(tmp_path, "mini")
    no_half_output(tmp_path)
    st = json.loads((d / ".build" / "status.json").read_text())
    assert (st["state"], st["stage"], st["message"]) == ("failed", "prepare", msg)
    assert str(escape(f"FAILED at prepare: {msg}")) in (tmp_path / "reports" / "index.html").read_text()


def test_a_stage_that_starts_outdates_later_stages_and_the_report(tmp_path):
    from csat.pipeline import stage as st

    project(tmp_path)
    assert prepare(tmp_path).returncode == 0
    _fake_stage_outputs(tmp_path)
    d = tmp_path / "reports" / "mini"
    st.start("03_reliability_validity", tmp_path / "params" / "mini.yaml", {}, root=tmp_path)
    assert (d / "03_reliability_validity.ipynb").exists()          # papermill is writing it
    assert not (d / "03_reliability_validity.html").exists() and not (d / "05_sem.ipynb").exists()
    assert not (d / "results" / "only_05_sem.csv").exists() and not (d / "report.html").exists()
    assert not (d / "results" / "only_04_factor_analysis.csv").exists()       # 04 reads 03's CFA
    assert (d / "results" / "only_06_drivers_segments.csv").exists()          # 06 does not read 03
    state = report_index.build_state(tmp_path, "mini")
    assert state["state"] == "building" and not state["current"]
    assert state["text"].startswith("INCOMPLETE: the build stopped or is running (last started: "
                                    "03_reliability_validity)")


def test_an_interrupted_stage_is_cleaned_up_by_the_next_build(tmp_path):
    """A build killed during 05 (make gets SIGKILL: its half notebook and partial results stay) must not
    be taken as done by the next make: prepare removes them and records the interruption."""
    from csat.pipeline import stage as st

    project(tmp_path)
    assert prepare(tmp_path).returncode == 0
    _fake_stage_outputs(tmp_path)
    d = tmp_path / "reports" / "mini"
    stg = st.start("05_sem", tmp_path / "params" / "mini.yaml", {}, root=tmp_path)
    (d / "05_sem.ipynb").write_text("{half")
    stg.write_json("sem_fit.json", {"chisq": 1})
    (d / "figures").mkdir(exist_ok=True)
    (d / "figures" / "path_diagram.svg").write_text("<svg/>")        # written by other means
    assert prepare(tmp_path).returncode == 0
    assert not (d / "05_sem.ipynb").exists() and not (d / "results" / "sem_fit.json").exists()
    assert not (d / "figures" / "path_diagram.svg").exists()
    assert (d / "04_factor_analysis.ipynb").exists() and (d / "results" / "only_04_factor_analysis.csv").exists()
    status = json.loads((d / ".build" / "status.json").read_text())
    assert (status["state"], status["stage"], status["message"]) == (
        "failed", "05_sem", "the previous build was interrupted while this stage ran")


def test_stray_python_values_are_not_shown_in_reports():
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("p", outputs=[
        nbformat.v4.new_output("execute_result", data={"text/plain": "PosixPath('/x/y')"}, execution_count=1),
        nbformat.v4.new_output("display_data", data={"text/html": "<table></table>", "text/plain": "t"})]))
    nb.cells.append(nbformat.v4.new_code_cell("stage.finish()", outputs=[
        nbformat.v4.new_output("execute_result", data={"text/plain": "{'stage': '01_cleaning'}"}, execution_count=2)]))
    assert report_html.drop_stray_reprs(nb) == 2
    assert [o["output_type"] for c in nb.cells for o in c["outputs"]] == ["display_data"]


SHOWS_NOTHING = ("stage.say(", "stage.table(", "stage.figure(", "stage.show_diagnostics(", "stage.finish(", "print(",
                 "display(", "stage.markdown(", "stage.estimator_cells(")


def test_no_notebook_cell_ends_with_a_stray_value():
    """A code cell whose last line is an expression prints its value (a path, a dict) into the stage HTML."""
    import ast

    bad = []
    for nbp in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(nbp, as_version=4)
        for i, c in enumerate(nb.cells):
            if c.cell_type != "code" or "parameters" in c.metadata.get("tags", []):
                continue
            src = c.source
            if src.lstrip().startswith("%%"):      # a cell magic runs its body with exec(): nothing is echoed
                continue
            body = ast.parse(src).body
            if body and isinstance(body[-1], ast.Expr):
                last = ast.get_source_segment(src, body[-1])
                if not last.startswith(SHOWS_NOTHING):
                    bad.append(f"{nbp.name} cell {i}: {last[:60]}")
    assert bad == []


# ------------------------------------------------------------------------------ faults
WORKER_SCRIPT = """
import os, sys, time
import numpy as np
from csat.sem import effects

def slow(idx):
    time.sleep(120)
    return "ok", [1.0]

if __name__ == "__main__":
    effects.run_bootstrap(slow, np.zeros((4, 3), dtype=int), ["x"], workers=2, chunks_per_worker=1)
"""


def _children(pid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(d.name))
    return out


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_bootstrap_workers_die_with_their_parent(tmp_path):
    script = tmp_path / "boot.py"
    script.write_text(WORKER_SCRIPT)
    proc = subprocess.Popen([sys.executable, str(script)], start_new_session=True)
    workers: list[int] = []
    for _ in range(300):                      # wait (up to 30 s) until both workers run
        workers = _children(proc.pid)
        if len(workers) >= 2:
            break
        time.sleep(0.1)
    assert len(workers) >= 2, "the pool did not start"
    os.kill(proc.pid, signal.SIGKILL)           # the kernel is killed mid-bootstrap
    proc.wait()
    for _ in range(300):
        if not any(_alive(w) for w in workers):
            break
        time.sleep(0.1)
    left = [w for w in workers if _alive(w)]
    for w in left:                              # never leave them behind, even when the test fails
        os.kill(w, signal.SIGKILL)
    assert left == []


MIDDLE_SCRIPT = """
import os, subprocess, sys, time
env = dict(os.environ, JPY_PARENT_PID=str(os.getpid()))
kid = subprocess.Popen([sys.executable, "-c",
                        "import time, csat.pipeline.stage as s; s.exit_with_parent(); print('ready', flush=True); time.sleep(120)"],
                       env=env, stdout=subprocess.PIPE, text=True, start_new_session=True)
assert kid.stdout.readline().strip() == "ready"
print(kid.pid, flush=True)
time.sleep(120)
"""


def test_a_kernel_ends_when_papermill_is_killed(tmp_path):
    """The kernel (own session, JPY_PARENT_PID set, as jupyter_client starts it) ends with its parent."""
    script = tmp_path / "middle.py"
    script.write_text(MIDDLE_SCRIPT)
    middle = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    kernel = int(middle.stdout.readline())
    assert _alive(kernel)
    middle.kill()
    middle.wait()
    for _ in range(300):
        if not _alive(kernel):
            break
        time.sleep(0.1)
    alive = _alive(kernel)
    if alive:
        os.kill(kernel, signal.SIGKILL)
    assert not alive


FAKE_CHROMIUM = """#!/bin/sh
sleep 300 &
echo $! > "$CSAT_TEST_DIR/helper.pid"
echo $$ > "$CSAT_TEST_DIR/chromium.pid"
for a in "$@"; do case "$a" in --user-data-dir=*) echo "${a#--user-data-dir=}" > "$CSAT_TEST_DIR/profile";; esac; done
sleep 300
"""


def test_an_interrupted_pdf_print_leaves_no_chromium_and_no_profile(tmp_path):
    fake = tmp_path / "chromium"
    fake.write_text(FAKE_CHROMIUM)
    fake.chmod(0o755)
    (tmp_path / "r.html").write_text("<html></html>")
    env = dict(os.environ, CSAT_CHROMIUM=str(fake), CSAT_TEST_DIR=str(tmp_path), TMPDIR=str(tmp_path))
    code = ("from csat.report import pdf; pdf.exit_cleanly_on_sigterm(); "
            f"pdf.html_to_pdf({str(tmp_path / 'r.html')!r}, {str(tmp_path / 'r.pdf')!r})")
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stderr=subprocess.PIPE, text=True)
    for _ in range(300):
        if (tmp_path / "profile").is_file() and (tmp_path / "helper.pid").is_file():
            break
        time.sleep(0.1)
    profile = Path((tmp_path / "profile").read_text().strip()).parent
    assert profile.is_dir() and profile.name.startswith(f"csat-chromium-{proc.pid}-")
    chromium, helper = (int((tmp_path / f).read_text()) for f in ("chromium.pid", "helper.pid"))
    proc.send_signal(signal.SIGTERM)                       # make is interrupted while the PDF prints
    proc.wait(timeout=60)
    alive = [p for p in (chromium, helper) if _alive(p)]
    for p in alive:
        os.kill(p, signal.SIGKILL)
    assert proc.returncode == 128 + signal.SIGTERM
    assert alive == [] and not profile.exists() and not (tmp_path / "r.pdf").exists()


def test_stale_chromium_profiles_are_removed(tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f"csat-chromium-{dead.pid}-abc"
    live = tmp_path / f"csat-chromium-{os.getpid()}-def"
    other = tmp_path / "someone-else"
    for d in (stale, live, other):
        (d / "profile").mkdir(parents=True)
    assert pdf.remove_stale_profiles(tmp_path) == [stale]
    assert not stale.exists() and live.exists() and other.exists()


def test_validate_params_refuses_booleans_everywhere():
    base = {"study": "x", "data": {"path": "x.csv"}, "constructs": {"A": {"items": ["a1", "a2", "a3"]}}}
    for key, val in [("seed", True), ("efa", {"n_factors": True}), ("missing_codes", [True]),
                     ("labels", {"yes": True}), ("thresholds", {"alpha": False})]:
        with pytest.raises(ParamsError, match="is a yes/no value, not a number|is not a number of factors"):
            validate_params({**base, key: val})


def test_thresholds_are_proportions(tmp_path):
    project(tmp_path, PARAMS + "thresholds: {alpha: 70}\n")
    fails_with(tmp_path, "params/mini.yaml: key 'thresholds.alpha': Input should be less than or equal to 1")
