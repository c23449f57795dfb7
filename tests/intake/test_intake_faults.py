"""Issue #31: damaged input found at intake with one line naming the thing (encodings detected, rules that
apply or are refused, ragged rows, messages that name the folder, the sheet, the YAML comment, the scale).

Each test reproduces one case on the mini study of :mod:`studyfactory` (``prepare`` refuses it with the exact
line, no half output, the raw file byte-identical) or on a small file read by :func:`load_study_data`."""
from __future__ import annotations

import pandas as pd
import pytest

from csat.core.errors import DataError
from csat.intake.readers import load_study_data, read_raw

from studyfactory import edit, fails_with, prepare, project, sha, survey


# ------------------------------------------------------------------------------------ 8. messages
def test_unquoted_hash_in_the_data_path_says_yaml_read_a_comment(tmp_path):
    pf = project(tmp_path)
    raw = tmp_path / "data" / "raw" / "mini.csv"
    raw.rename(tmp_path / "data" / "raw" / "mini #2.csv")
    edit(pf, "path: data/raw/mini.csv", "path: data/raw/mini #2.csv")
    fails_with(tmp_path, f"params/mini.yaml: key 'data.path': data file {str(tmp_path / 'data/raw/mini')!r} not "
                         "found; the line reads 'data/raw/mini #2.csv', but in YAML a '#' after a space starts a "
                         "comment, so the path ends before it: quote the path (path: \"data/raw/mini #2.csv\")")
    edit(pf, "path: data/raw/mini #2.csv", "path: \"data/raw/mini #2.csv\"")
    assert prepare(tmp_path).returncode == 0


def test_a_folder_as_data_path_is_named_a_folder(tmp_path):
    pf = project(tmp_path)
    edit(pf, "path: data/raw/mini.csv", "path: data/raw")
    fails_with(tmp_path, f"params/mini.yaml: key 'data.path': {str(tmp_path / 'data/raw')!r} is a folder, not a "
                         "data file; name the file in it (e.g. data/raw/survey.csv)")
    with pytest.raises(DataError, match="raw: is a folder, not a data file"):
        read_raw(tmp_path / "data" / "raw")


def test_xlsx_with_the_data_on_the_second_sheet_names_the_sheets(tmp_path):
    pf = project(tmp_path)
    x = tmp_path / "data" / "raw" / "mini.xlsx"
    with pd.ExcelWriter(x) as w:
        pd.DataFrame({"About": ["This workbook holds the mini survey."]}).to_excel(w, sheet_name="Info", index=False)
        survey().to_excel(w, sheet_name="Data", index=False)
    edit(pf, "path: data/raw/mini.csv", "path: data/raw/mini.xlsx")
    fails_with(tmp_path, "params/mini.yaml: none of the 12 columns the params name is in mini.xlsx (sheet 'Info' was "
                         "read; the workbook's sheets are ['Info', 'Data'] and the columns are on sheet 'Data': set "
                         "data.sheet: Data)")
    edit(pf, "path: data/raw/mini.xlsx", "path: data/raw/mini.xlsx\n  sheet: Data")
    assert prepare(tmp_path).returncode == 0


def test_an_item_whose_every_answer_is_outside_the_scale_says_so(tmp_path):
    df = survey()
    df["sat2"] = df["sat2"] + 10                    # 11..15 on a 1-5 scale
    project(tmp_path, data=df)
    raw = tmp_path / "data" / "raw" / "mini.csv"
    fails_with(tmp_path, f"{raw}: column 'sat2' (key 'constructs.SAT.items'): all 60 answers are outside 1–5 "
                         "(values 11, 12, 13, 14, 15); check scale.min and scale.max or the column")
