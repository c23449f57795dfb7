"""The index page's comparison of studies that share construct names (reports/index.html)."""
from __future__ import annotations

import re

from csat.report import index as report_index, pages

from report.test_html import make_fake_study


def test_comparison_of_studies_sharing_constructs(tmp_path):
    make_fake_study(tmp_path, study="branch_a")
    make_fake_study(tmp_path, study="branch_b")
    make_fake_study(tmp_path, study="other")
    # branch_b: other indices, with intervals; "other" shares no construct
    (tmp_path / "reports" / "branch_b" / "results" / "construct_scores.csv").write_text(
        "construct,n,index,index.ci.lower,index.ci.upper\nSAT,150,70.04,66.2,73.9\nVAL,150,55.5,52,59\n")
    (tmp_path / "reports" / "other" / "results" / "construct_scores.csv").write_text("construct,n,index\nQ,10,50\n")
    cmp = report_index.study_comparison(tmp_path, report_index.built_studies(tmp_path))
    assert [c["name"] for c in cmp["constructs"]] == ["SAT"]                # the only shared construct
    assert [r["study"] for r in cmp["rows"]] == ["branch_a", "branch_b"]
    a, b = cmp["rows"]
    assert a["cells"][0]["text"] == "77.2" and b["cells"][0]["text"] == "70.0"
    assert b["cells"][0]["ci"] == "95% CI [66.2, 73.9], n = 150"
    assert a["n"] == "180" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", a["date"])
    idx = report_index.build_index(tmp_path).read_text(encoding="utf-8")
    table = idx[idx.index('id="comparison"'):]
    assert 'data-study="branch_a"' in table and 'data-study="branch_b"' in table
    assert 'data-study="other"' not in table.split("</table>")[0]
    assert 'data-sort="77.250000"' in table and "csat-sortable" in idx and "<script>" in idx
    assert pages.external_resources(idx) == []


def test_no_comparison_without_shared_constructs(tmp_path):
    make_fake_study(tmp_path, study="only")
    assert report_index.study_comparison(tmp_path, ["only"]) == {"constructs": [], "rows": []}
    idx = report_index.build_index(tmp_path).read_text(encoding="utf-8")
    assert 'id="comparison"' not in idx and "<script" not in idx


# ---------------------------------------------------------------- the index agrees with the summary
def _rename_target(root, study, name, label_zh="总体评价"):
    """The fake study with its satisfaction construct renamed ``name`` (labelled unlike satisfaction) and
    no ipma.target, so that only the construct's name can make it the headline."""
    params = root / "params" / f"{study}.yaml"
    text = params.read_text(encoding="utf-8").replace("ipma:\n  target: SAT\n", "")
    text = text.replace("  SAT:\n", f"  {name}:\n").replace("label_zh: 满意度", f"label_zh: {label_zh}")
    params.write_text(text, encoding="utf-8")
    scores = root / "reports" / study / "results" / "construct_scores.csv"
    scores.write_text(scores.read_text().replace("SAT,", f"{name},"))
    return params


def _summary_headline(root, study):
    from csat.config.params import load_params
    from csat.report import summary as S

    p = load_params(root / "params" / f"{study}.yaml", root=root)
    head = S.build_summary(S.load_results(root / "reports" / study / "results"), p)["headline"]
    return None if head is None else head["construct"]


def test_the_index_finds_the_headline_by_the_summarys_rule(tmp_path):
    """Without a current summary the index finds the headline as the summary does (the IPMA target, else the
    construct named like satisfaction, "sat" in its name included), not by a rule of its own."""
    make_fake_study(tmp_path, study="osat", label="Overall rating")
    _rename_target(tmp_path, "osat", "OSAT")
    make_fake_study(tmp_path, study="acsi", label="Overall rating")
    _rename_target(tmp_path, "acsi", "ACSI")
    for study in ("osat", "acsi"):
        (tmp_path / "reports" / study / "report.html").unlink(missing_ok=True)     # no report: no summary
    assert _summary_headline(tmp_path, "osat") == "OSAT"
    row = report_index.study_summary(tmp_path, "osat")
    assert (row["index"], row["index_construct"]) == ("77.2", "OSAT: Overall rating")
    assert _summary_headline(tmp_path, "acsi") is None                 # "ACSI" is not named like satisfaction
    row = report_index.study_summary(tmp_path, "acsi")
    assert row["index"] is None


def test_the_index_reads_the_params_the_build_used(tmp_path):
    """reports/<study>/.build/papermill.yaml holds the params file and the run's overrides: the index shows
    the study as that run built it (here: another IPMA target and the study in Chinese)."""
    import yaml

    make_fake_study(tmp_path, study="ovr")
    build = tmp_path / "reports" / "ovr" / ".build"
    build.mkdir(parents=True, exist_ok=True)
    (build / "papermill.yaml").write_text(yaml.safe_dump(
        {"params_file": "params/ovr.yaml", "overrides": {"ipma.target": "LOY", "language": "zh"}}), encoding="utf-8")
    p = report_index.study_params(tmp_path, "ovr")
    assert (p.language, p.ipma.target) == ("zh", "LOY")
    row = report_index.study_summary(tmp_path, "ovr")
    assert (row["index"], row["index_construct"]) == ("62.5", "LOY: 忠诚度")
    # a current report's summary states the headline: the index shows that one
    rep = tmp_path / "reports" / "ovr"
    (rep / "report.html").write_text("<html></html>")
    (rep / "results" / "summary.json").write_text('{"headline": {"construct": "LOY", "index": 61.04}}')
    row = report_index.study_summary(tmp_path, "ovr")
    assert row["status"]["current"] and (row["index"], row["index_construct"]) == ("61.0", "LOY: 忠诚度")
    # params that do not load (a study that failed at prepare): the row is still shown, without them
    (tmp_path / "params" / "ovr.yaml").write_text("study: ovr\nscale: nonsense\n")
    assert report_index.study_params(tmp_path, "ovr") is None
    assert report_index.study_summary(tmp_path, "ovr")["title"] == ""


def test_the_comparison_shows_the_values_page_one_states(tmp_path):
    """A current report's summary (results/summary.json) states the PLS or weighted index: the comparison shows that
    number, not the equal-weight index of construct_scores.csv (one value per quantity)."""
    import json

    make_fake_study(tmp_path, study="branch_a")
    make_fake_study(tmp_path, study="branch_b")
    res = tmp_path / "reports" / "branch_b" / "results"
    (res / "construct_scores.csv").write_text("construct,n,index,index.ci.lower,index.ci.upper\nSAT,150,68.33,66.2,70.5\n")
    (res / "summary.json").write_text(json.dumps({"headline": {"construct": "SAT", "index": 68.502},
                                                  "indices": [{"construct": "SAT", "index": 68.502, "ci_lower": 66.33,
                                                               "ci_upper": 70.61, "n": 150}]}))
    (tmp_path / "reports" / "branch_b" / "report.html").write_text("<html></html>")
    cmp = report_index.study_comparison(tmp_path, report_index.built_studies(tmp_path))
    b = next(r for r in cmp["rows"] if r["study"] == "branch_b")
    assert b["cells"][0]["text"] == "68.5" and b["cells"][0]["ci"].startswith("95% CI [66.3, 70.6]")
