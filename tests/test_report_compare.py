"""The index page's comparison of studies that share construct names (reports/index.html)."""
from __future__ import annotations

import re

from csat.report import render as report

from test_report import make_fake_study


def test_comparison_of_studies_sharing_constructs(tmp_path):
    make_fake_study(tmp_path, study="branch_a")
    make_fake_study(tmp_path, study="branch_b")
    make_fake_study(tmp_path, study="other")
    # branch_b: other indices, with intervals; "other" shares no construct
    (tmp_path / "reports" / "branch_b" / "results" / "construct_scores.csv").write_text(
        "construct,n,index,index.ci.lower,index.ci.upper\nSAT,150,70.04,66.2,73.9\nVAL,150,55.5,52,59\n")
    (tmp_path / "reports" / "other" / "results" / "construct_scores.csv").write_text("construct,n,index\nQ,10,50\n")
    cmp = report.study_comparison(tmp_path, report.built_studies(tmp_path))
    assert [c["name"] for c in cmp["constructs"]] == ["SAT"]                # the only shared construct
    assert [r["study"] for r in cmp["rows"]] == ["branch_a", "branch_b"]
    a, b = cmp["rows"]
    assert a["cells"][0]["text"] == "77.2" and b["cells"][0]["text"] == "70.0"
    assert b["cells"][0]["ci"] == "95% CI [66.2, 73.9], n = 150"
    assert a["n"] == "180" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", a["date"])
    idx = report.build_index(tmp_path).read_text(encoding="utf-8")
    table = idx[idx.index('id="comparison"'):]
    assert 'data-study="branch_a"' in table and 'data-study="branch_b"' in table
    assert 'data-study="other"' not in table.split("</table>")[0]
    assert 'data-sort="77.250000"' in table and "csat-sortable" in idx and "<script>" in idx
    assert report.external_resources(idx) == []


def test_no_comparison_without_shared_constructs(tmp_path):
    make_fake_study(tmp_path, study="only")
    assert report.study_comparison(tmp_path, ["only"]) == {"constructs": [], "rows": []}
    idx = report.build_index(tmp_path).read_text(encoding="utf-8")
    assert 'id="comparison"' not in idx and "<script" not in idx
