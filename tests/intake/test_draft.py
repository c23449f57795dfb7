"""`make new` (csat.intake.draft, csat.new): the params drafted from each kind of export equal the truth the
export was made from (tests/exports.py), the draft passes the study checks that read the data, and a file that
cannot be a study is one clear error.  The builds themselves: tests/integration/test_new_study.py."""
from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from csat.core.errors import DataError, ParamsError
from csat.intake import anchors
from csat.intake.draft import draft_study, render, write_draft
from csat.intake.preflight import intake_check, load_study
from csat.intake.readers import read_raw

from exports import KINDS, make_export

ROOT = Path(__file__).resolve().parents[2]


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.mark.parametrize("kind", KINDS)
def test_the_draft_of_each_export_equals_its_truth_and_passes_the_checks(tmp_path, kind):
    path, truth = make_export(kind, tmp_path / "data" / "raw")
    before = _sha(path)
    target, d = write_draft(kind, path, root=tmp_path)
    assert target == tmp_path / "params" / f"{kind}.yaml"
    raw = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert {k: v["items"] for k, v in raw["constructs"].items()} == truth.constructs
    assert (raw["scale"]["min"], raw["scale"]["max"]) == truth.scale
    assert raw.get("groups", []) == truth.groups
    assert raw.get("recommend") == truth.recommend
    assert raw["language"] == truth.language
    assert raw.get("model_template") == truth.template
    assert d.n == truth.n
    assert raw["data"]["path"] == f"data/raw/{path.name}"           # referred to where it is, nothing copied
    assert sorted(p.name for p in (tmp_path / "data" / "raw").iterdir()) == [path.name]
    # what make study checks before any notebook runs
    p = load_study(target, root=tmp_path)
    intake_check(p, target, root=tmp_path)
    assert _sha(path) == before
    # every inferred choice says why
    text = target.read_text(encoding="utf-8")
    assert text.count("#") > 20 and "scale: {min:" in text


def test_each_kind_says_its_platform_columns(tmp_path):
    path, _ = make_export("wjx_text", tmp_path / "data" / "raw")
    d = draft_study(path, "w", root=tmp_path)
    assert [c.header for c in d.role("id")] == ["序号"] and [c.header for c in d.role("duration")] == ["所用时间"]
    assert {c.header for c in d.role("drop")} == {"来源", "来源详情", "来自IP"}
    assert [c.header for c in d.role("text")] == ["8、您对我们还有什么建议？"]
    assert d.fieldwork == ("2024-05-06", "2024-05-19")
    assert d.renamed["3、(服务1)"] == "服务1" and d.renamed["1、您的性别："] == "q1"
    path, _ = make_export("qualtrics", tmp_path / "q")
    d = draft_study(path, "q", root=tmp_path)
    assert d.header_rows == 3 and [c.header for c in d.role("id")] == ["ResponseId"]
    assert [c.header for c in d.role("duration")] == ["Duration (in seconds)"]
    assert "\n# check:" not in render(d).split("constructs:")[0]          # a 7-point scale seen in full
    path, _ = make_export("surveymonkey", tmp_path / "s")
    d = draft_study(path, "s", root=tmp_path)
    assert d.header_rows == 2 and [c.header for c in d.role("id")] == ["Respondent ID"]
    assert "Any other comments?" in [c.header for c in d.role("text")]


def test_the_model_is_a_template_paths_to_satisfaction_or_a_cfa(tmp_path):
    d = draft_study(make_export("qualtrics", tmp_path / "a")[0], "a", root=tmp_path)
    assert d.template == "acsi" and d.model is None
    d = draft_study(make_export("wjx_text", tmp_path / "b")[0], "b", root=tmp_path)
    assert d.template is None and "满意 ~ 服务 + 价格" in d.model and "忠诚 ~ 满意" in d.model
    # no satisfaction-like construct: a CFA only
    rng = np.random.default_rng(1)
    f = rng.standard_normal((120, 2))
    df = pd.DataFrame({f"{s}{i}": np.clip(np.rint(3 + f[:, j] + .6 * rng.standard_normal(120)), 1, 5).astype(int)
                       for j, s in enumerate(["color", "shape"]) for i in (1, 2, 3)})
    p = tmp_path / "plain.csv"
    df.to_csv(p, index=False)
    d = draft_study(p, "plain", root=tmp_path)
    assert {k: v["items"] for k, v in d.constructs.items()} == {"color": ["color1", "color2", "color3"],
                                                               "shape": ["shape1", "shape2", "shape3"]}
    assert d.model is None and d.template is None and "CFA" in d.model_why


def test_without_structure_the_constructs_are_an_efa_suggestion(tmp_path):
    rng = np.random.default_rng(7)
    n = 300
    f = rng.multivariate_normal([0, 0], [[1, .3], [.3, 1]], size=n)
    heads = ["How satisfied with the speed", "Rate the friendliness", "Rate the staff's knowledge",
             "Rate the price level", "How satisfied with the price fairness", "Rate the value you get"]
    df = pd.DataFrame({h: np.clip(np.rint(3 + 1.1 * f[:, j // 3] + .5 * rng.standard_normal(n)), 1, 5).astype(int)
                       for j, h in enumerate(heads)})
    p = tmp_path / "flat.csv"
    df.to_csv(p, index=False)
    d = draft_study(p, "flat", root=tmp_path)
    groups = sorted(sorted(v["items"]) for v in d.constructs.values())
    named = {c.header: c.name for c in d.columns}
    assert groups == sorted(sorted(named[h] for h in heads[k:k + 3]) for k in (0, 3))
    assert all(v.get("suggested") for v in d.constructs.values())
    text = render(d)
    assert "parallel analysis retains 2 factors" in text and "# check: a suggestion" in text


@pytest.mark.parametrize("content, message", [
    ("name,city\nAnn,Paris\nBob,Rome\nCid,Oslo\n", "no column looks like answers on a rating scale"),
    ("q1,q2,q3\n1,2,3\n", "only 1 data row"),
])
def test_a_file_that_cannot_be_a_study_is_one_clear_error(tmp_path, content, message):
    p = tmp_path / "x.csv"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        draft_study(p, "x", root=tmp_path)


def test_an_unreadable_file_is_the_readers_error(tmp_path):
    p = tmp_path / "x.csv"
    p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    with pytest.raises(DataError, match="PNG image"):
        draft_study(p, "x", root=tmp_path)


def test_new_never_overwrites_and_says_errors_in_one_line(tmp_path):
    path, _ = make_export("spss", tmp_path / "data" / "raw")
    (tmp_path / "params").mkdir()
    old = tmp_path / "params" / "s.yaml"
    old.write_text("study: s\n", encoding="utf-8")
    with pytest.raises(ParamsError, match="already exists"):
        write_draft("s", path, root=tmp_path)
    assert old.read_text(encoding="utf-8") == "study: s\n"
    cmd = [sys.executable, "-m", "csat.new", "--study", "s", "--data", str(path), "--root", str(tmp_path)]
    r = subprocess.run(cmd, capture_output=True, text=True, env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin"})
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and r.stderr.startswith("error: ") and "already" in r.stderr
    r = subprocess.run(cmd[:4] + ["t"] + cmd[5:], capture_output=True, text=True,
                       env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin"})
    assert r.returncode == 0, r.stderr
    assert "wrote" in r.stdout and (tmp_path / "params" / "t.yaml").is_file()


def test_standard_answer_texts_need_no_labels():
    assert anchors.standard_codes(["非常满意", "满意", "一般", "不满意", "非常不满意"], 1, 5) == {
        "非常满意": 5.0, "满意": 4.0, "一般": 3.0, "不满意": 2.0, "非常不满意": 1.0}
    assert anchors.standard_codes(["很满意", "比较满意", "很不满意"], 1, 5) == {"很满意": 5.0, "比较满意": 4.0, "很不满意": 1.0}
    seven = ["非常不满意", "不满意", "比较不满意", "一般", "比较满意", "满意", "非常满意"]
    assert anchors.standard_codes(seven, 1, 7) == {t: float(i) for i, t in enumerate(seven, start=1)}
    assert anchors.standard_codes(seven, 1, 5) is None                 # two texts on one point of a 5-point scale
    assert anchors.standard_codes(["完全不同意", "完全同意"], 1, 5) == {"完全不同意": 1.0, "完全同意": 5.0}
    assert anchors.standard_codes(["Strongly Disagree", "neither agree nor disagree"], 1, 5) == {
        "Strongly Disagree": 1.0, "neither agree nor disagree": 3.0}
    assert anchors.standard_codes(["1 = 非常不满意", "3 = 一般", "5 = 非常满意"], 1, 5) == {
        "1 = 非常不满意": 1.0, "3 = 一般": 3.0, "5 = 非常满意": 5.0}
    assert anchors.standard_codes(["Never", "Always", "Sometimes"], 1, 5) == {"Never": 1.0, "Always": 5.0,
                                                                             "Sometimes": 3.0}
    assert anchors.standard_codes(["好吃", "一般"], 1, 5) is None


def test_two_header_rows_are_read_as_the_study_reads_them(tmp_path):
    path, _ = make_export("surveymonkey", tmp_path)
    df, meta = read_raw(path, header_rows=2)
    assert "Please rate our service - Service speed" in df.columns and "What is your gender?" in df.columns
    assert df.index[0] == 2 and str(df["How likely is it that you would recommend us to a friend?"].dtype) == "int64"
    path, _ = make_export("qualtrics", tmp_path / "q")
    df, meta = read_raw(path, header_rows=3)
    assert list(df.columns[-4:]) == ["Loyalty_2", "Loyalty_3", "Q10", "Q11"]
    assert meta["variable_labels"]["Quality_1"] == "Please rate the following: quality - Speed"
    assert str(df["Quality_1"].dtype) == "int64" and len(df) == 160


def test_a_stata_file_with_value_labels_is_drafted_as_the_spss_one(tmp_path):
    import pyreadstat

    sav, truth = make_export("spss", tmp_path / "s")
    df, meta = pyreadstat.read_sav(str(sav))
    dta = tmp_path / "data" / "raw" / "survey.dta"
    dta.parent.mkdir(parents=True)
    labels = {c: {int(k): v for k, v in labs.items()} for c, labs in meta.variable_value_labels.items()}
    pyreadstat.write_dta(df.astype({c: "int64" for c in df.columns}), str(dta), column_labels=meta.column_labels,
                         variable_value_labels=labels)
    d = draft_study(dta, "dta", root=tmp_path)
    assert {k: v["items"] for k, v in d.constructs.items()} == truth.constructs
    assert d.groups == truth.groups and d.scale == (1.0, 5.0) and d.language == "zh"


def test_wjx_code_exports_skip_code_is_a_missing_code(tmp_path):
    path, _ = make_export("wjx_code", tmp_path / "data" / "raw")
    d = draft_study(path, "w", root=tmp_path)
    assert d.missing_codes == [-3] and d.scale == (1.0, 5.0)
    assert "missing_codes: [-3]" in render(d)


def test_the_projects_own_data_are_drafted_as_their_params_say(tmp_path):
    """The demo's export (1–10 items with 99 and stray 11/12) and the zh fixture (a half-point item, a single
    satisfaction item): the drafted constructs are those of params/demo.yaml and tests/zhsurvey.py."""
    from csat.config.params import load_params
    from zhsurvey import ZH_CONS

    demo = load_params(ROOT / "params" / "demo.yaml", root=ROOT)
    d = draft_study(ROOT / "data" / "raw" / "demo.csv", "demo2", root=ROOT)
    assert {k.upper(): v["items"] for k, v in d.constructs.items()} == {k: s.items for k, s in demo.constructs.items()}
    assert d.template == "ecsi" and d.scale == (1.0, 10.0) and d.missing_codes == [99]
    assert [c.name for c in d.role("recommend")] == ["nps"] and d.groups[:4] == ["gender", "age_band", "region", "channel"]
    d = draft_study(ROOT / "tests" / "fixtures" / "zh_survey.csv", "zh2", root=ROOT)
    assert {k: v["items"] for k, v in d.constructs.items()} == ZH_CONS
    assert d.groups == ["性别"] and d.scale == (1.0, 5.0) and "满意 ~ 服务 + 价格" in d.model
