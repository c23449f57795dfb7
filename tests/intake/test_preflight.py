"""Facts of the data checked before any analysis (csat.intake.preflight): a constant item, too few
respondents, an item almost nobody answered, a recommend column without answers, collinear items —
each refused by ``prepare`` with one line, or flagged as a warning."""
from __future__ import annotations

import numpy as np

from csat.intake.preflight import data_facts, load_study

from studyfactory import PARAMS, fails_with, project, survey


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
