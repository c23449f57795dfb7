"""Reference values from the R package seminr itself (not the Python port): its own test fixtures.

The sem-in-r/seminr GitHub repository keeps, under tests/fixtures/V_3_6_0/, CSV files that R
seminr wrote in its test scripts.  This script copies the ones csat can check, verbatim, into
tests/reference/pls_seminr_R.json:

* corp_rep_simple_paths.csv (tests/testthat/test_clean_data.R): the Primer's simple corporate-
  reputation model (COMP, LIKE, CUSA single item, CUSL) on corp_rep_data, path weighting,
  mean_replacement, missing_value "-99";
* rsquared1.csv and fsquared1.csv (tests/testthat/test-metric.R): Image, Expectation, Value ->
  Satisfaction on mobi, Mode A, path weighting: R², adjusted R² and f²(Image -> Satisfaction);
* hoc-paths.csv, hoc-loadings.csv, hoc-weights.csv (tests/testthat/test-hoc.R): mobi with the higher-order
  composite Satisfaction of Image and Value (two-stage, Mode A);
* interaction_fsquare.csv (tests/testthat/test-plsc-fsquared.R): f² of the Primer's switching-cost moderation
  (CUSA*SC -> CUSL, two-stage) on corp_rep_data;
* plsc-interaction-paths.csv (tests/testthat/test-consistent-interactions.R): PLSc with an orthogonal product
  term Image*Expectation on mobi: R², adjusted R² and paths to Satisfaction, rounded to 3 decimals.

Usage: python tests/reference/pls_seminr_R.py <path to a git clone of sem-in-r/seminr>
"""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(repo: str) -> None:
    def show(p: str) -> str:
        return subprocess.check_output(["git", "-C", repo, "show", "HEAD:" + p]).decode()

    commit = subprocess.check_output(["git", "-C", repo, "rev-parse", "HEAD"]).decode().strip()
    rows = list(csv.reader(io.StringIO(show("tests/fixtures/V_3_6_0/corp_rep_simple_paths.csv"))))
    cols = rows[0][1:]
    paths = [{"from": r[0], "to": c, "est": float(v)} for r in rows[1:] for c, v in zip(cols, r[1:]) if float(v) != 0]
    r2 = list(csv.reader(io.StringIO(show("tests/fixtures/V_3_6_0/rsquared1.csv"))))
    f2 = list(csv.reader(io.StringIO(show("tests/fixtures/V_3_6_0/fsquared1.csv"))))
    out = {
        "_source": f"R package seminr (R, not the Python port): fixtures of the sem-in-r/seminr GitHub repository "
                   f"at commit {commit}, tests/fixtures/V_3_6_0/, written by its own test scripts; copied verbatim "
                   "by tests/reference/pls_seminr_R.py",
        "corp_simple_paths": {
            "file": "tests/fixtures/V_3_6_0/corp_rep_simple_paths.csv",
            "made_by": "tests/testthat/test_clean_data.R (Primer simple corporate-reputation model, path weighting, "
                       "mean_replacement, missing_value -99)",
            "paths": paths},
        "mobi_satisfaction": {
            "file": "tests/fixtures/V_3_6_0/rsquared1.csv, fsquared1.csv", "made_by": "tests/testthat/test-metric.R",
            "syntax": "Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5\nExpectation =~ CUEX1 + CUEX2 + CUEX3\n"
                      "Value =~ PERV1 + PERV2\nSatisfaction =~ CUSA1 + CUSA2 + CUSA3\n"
                      "Satisfaction ~ Image + Expectation + Value\n",
            "r2": float(r2[1][1]), "r2.adj": float(r2[2][1]), "f2_image_satisfaction": float(f2[1][1])},
    }
    def matrix(name: str) -> dict:
        rows = list(csv.reader(io.StringIO(show(f"tests/fixtures/V_3_6_0/{name}"))))
        return {r[0]: {c: (None if v == "NA" else float(v)) for c, v in zip(rows[0][1:], r[1:])} for r in rows[1:]}

    out["hoc_mobi"] = {
        "file": "tests/fixtures/V_3_6_0/hoc-paths.csv, hoc-loadings.csv, hoc-weights.csv",
        "made_by": "tests/testthat/test-hoc.R (rows: from/item, columns: to/construct)",
        "paths": matrix("hoc-paths.csv"), "loadings": matrix("hoc-loadings.csv"), "weights": matrix("hoc-weights.csv")}
    out["moderation_fsquare"] = {
        "file": "tests/fixtures/V_3_6_0/interaction_fsquare.csv", "made_by": "tests/testthat/test-plsc-fsquared.R "
        "(rows: from, columns: to; NA for the main effects of the product term)", "f2": matrix("interaction_fsquare.csv")}
    rows = list(csv.reader(io.StringIO(show("tests/fixtures/V_3_6_0/plsc-interaction-paths.csv"))))
    out["plsc_interaction"] = {
        "file": "tests/fixtures/V_3_6_0/plsc-interaction-paths.csv", "made_by": "tests/testthat/test-consistent-"
        "interactions.R (reflective constructs, orthogonal product term, rounded to 3 decimals)",
        "syntax": "Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5\nExpectation =~ CUEX3\nValue =~ PERV1 + PERV2\n"
                  "Satisfaction =~ CUSA1 + CUSA2 + CUSA3\n"
                  "Satisfaction ~ Image + Expectation + Value + Image:Expectation\n",
        "summary": {r[0]: float(r[1]) for r in rows[1:]}}
    (HERE / "pls_seminr_R.json").write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
