"""csat.config.checks: the study's model checked against the data's columns and the estimator; the model
that 03–05 fit, built from the params and the data's header, refused by ``prepare`` with one line naming the
key; warnings about weak settings."""
from __future__ import annotations

import textwrap

import pytest

from csat.config.params import ParamsError, validate_params

from config.test_params import BASE
from studyfactory import PARAMS, edit, fails_with, prepare, project


def test_intake_checks_the_pls_model():
    from csat.config import checks

    cons = {"A": {"items": ["a1", "a2"]}, "B": {"items": ["b1", "b2"]}}
    cols = ["a1", "a2", "b1", "b2"]
    p = validate_params({**BASE, "constructs": cons, "estimator": "pls", "model": "A =~ a1 + a2\nB =~ b1 + b2\nB ~ A"})
    checks.check_model(p, "params/s.yaml", cols)                       # fine
    p = validate_params({**BASE, "constructs": cons, "estimator": "pls"})      # no model: one factor per construct
    with pytest.raises(ParamsError, match="no structural paths"):
        checks.check_model(p, "params/s.yaml", cols)
    p = validate_params({**BASE, "constructs": cons, "estimator": "pls", "model": "A =~ a1 + a2\nB =~ b1 + b9\nB ~ A"})
    with pytest.raises(ParamsError, match="b9"):
        checks.check_model(p, "params/s.yaml", cols)


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


def test_no_satisfaction_construct_and_no_ipma_target_builds_without_an_importance_map(tmp_path):
    """A structural model about something else (technology acceptance) needs no extra key: no importance map
    (05 says so in a note naming ipma.target); naming the outcome in ipma.target gives one."""
    params = (PARAMS.replace("SAT", "USE").replace('"Satisfaction"', '"Intention to use"')
              .replace("VAL", "PU").replace('"Value"', '"Perceived usefulness"')
              .replace("ipma: {target: USE}\n", ""))
    project(tmp_path, params)
    r = prepare(tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""


def test_no_ipma_note_says_how_to_get_one():
    from csat.analyses.structural import ml_ipma
    from csat.config.params import validate_params

    p = validate_params({**BASE, "constructs": {"PU": {"items": ["a1", "a2", "a3"]},
                                                "USE": {"items": ["b1", "b2", "b3"]}}})
    step = ml_ipma(p, None, None, {}, structural=True)
    assert [d.code for d in step.diagnostics] == ["ipma_unavailable"]
    assert "name the outcome construct as the map's target in the params file" in step.diagnostics[0].message
    assert step.diagnostics[0].where == "ipma.target"
