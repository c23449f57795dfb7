"""make plan: python -m csat.report.plan on the demo params, into a temporary project."""
import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from csat.report.pages import external_resources
from csat.report.plan import main, write_plan
from csat.stats import planning as pl

ROOT = Path(__file__).resolve().parents[2]


def _project(tmp_path, **edit):
    (tmp_path / "params").mkdir()
    raw = yaml.safe_load((ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))
    for k, v in edit.items():
        raw[k] = v
    path = tmp_path / "params" / "demo.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_the_demo_plan_writes_html_json_and_the_questionnaire(tmp_path):
    params = _project(tmp_path)
    out = write_plan("demo", params, root=tmp_path, pdf=False)
    assert {"plan.json", "plan.html", "questionnaire.html", "questionnaire.csv"} <= set(out)
    plan = json.loads((tmp_path / "reports/demo/results/plan.json").read_text())
    # the overall n: Cochran for a proportion (±4 points, deff 1.1, N = 161,000), as stats.planning computes it
    assert plan["required"] == int(-(-pl.n_proportion(0.04, 0.5, population=161000, deff=1.1) // 1)) == 658
    strata = pd.DataFrame(plan["strata"])
    assert strata["stratum"].tolist() == ["North", "South", "East", "West"]
    assert (strata["margin_proportion"] <= 0.08 + 1e-9).all() and plan["n"] == strata["n"].sum()
    assert plan["achieved_margin"] <= 0.04 and plan["invite"] == strata["invite"].sum()
    assert plan["sem"]["df"] == 365 and plan["sem"]["npar"] == 70     # lavaan's df and npar of the demo model
    assert plan["sem"]["n_for_power"] == pl.rmsea_sample_size(365) and plan["sem"]["n_per_param"] == 700
    html = (tmp_path / "reports/demo/plan.html").read_text(encoding="utf-8")
    assert "Neyman allocation" in html and "MacCallum" in html and "24,290" in html
    assert not external_resources(html)
    q = pd.read_csv(tmp_path / "reports/demo/questionnaire.csv")
    assert q.columns.tolist() == ["section", "code", "question", "answers"]
    assert q["code"].iloc[0] == "imag1" and q["question"].iloc[0] == "The chain can be trusted in what it says and does"
    assert {"nps", "kano_app_d", "sq_tangibles1_p", "region", "attn"} <= set(q["code"])
    assert q.set_index("code").loc["region", "answers"] == "North; South; East; West"


@pytest.mark.parametrize("language, words", [("zh", ["抽样方案", "内曼分配", "统计检验力", "误差范围"]),
                                             ("zh-Hant", ["抽樣方案", "統計檢定力"])])
def test_the_plan_speaks_the_studys_language(tmp_path, language, words):
    params = _project(tmp_path)
    write_plan("demo", params, overrides={"language": language}, root=tmp_path, pdf=False)
    html = (tmp_path / "reports/demo/plan.html").read_text(encoding="utf-8")
    assert all(w in html for w in words), [w for w in words if w not in html]
    q = (tmp_path / "reports/demo/questionnaire.html").read_text(encoding="utf-8")
    assert "調查問卷" in q or "调查问卷" in q


def test_an_impossible_plan_is_one_line_naming_the_key(tmp_path, capsys):
    params = _project(tmp_path, design={"margin": 0})
    assert main(["--study", "demo", "--params", str(params), "--root", str(tmp_path), "--no-pdf"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "design.margin" in err
    assert not (tmp_path / "reports/demo/plan.html").exists()


def test_a_study_without_design_gets_the_defaults(tmp_path):
    params = _project(tmp_path, design=None)
    write_plan("demo", params, root=tmp_path, pdf=False)
    plan = json.loads((tmp_path / "reports/demo/results/plan.json").read_text())
    assert plan["required"] == 385 and plan["strata"] is None and plan["invite"] == 385


def test_the_plan_prints_to_pdf(tmp_path):
    params = _project(tmp_path)
    out = write_plan("demo", params, root=tmp_path, pdf=True)
    for name in ("plan.pdf", "questionnaire.pdf"):
        assert out[name].read_bytes().startswith(b"%PDF-")
