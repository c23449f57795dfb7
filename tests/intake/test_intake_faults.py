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


# ------------------------------------------------------------------------------------ 2. encodings
CITIES = [("Köln", "NRW"), ("Zürich", "ZH"), ("München", "BY"), ("Genève", "GE"), ("São Paulo", "SP"),
          ("Düsseldorf", "NRW"), ("Berlin", "BE"), ("Émile-Zola", "X")]


def _regions(tmp_path, encoding):
    df = survey()
    df["region"] = [CITIES[i % len(CITIES)][0] for i in range(len(df))]
    p = tmp_path / "regions.csv"
    p.write_bytes(df.to_csv(index=False).encode(encoding))
    return p, df


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8", "utf-8-sig"])
def test_a_windows_1252_export_is_read_as_windows_1252(tmp_path, encoding):
    """Today's GB18030 guess read 'Köln' as 'K鰈n': the detector and the mojibake check read it right."""
    p, df = _regions(tmp_path, encoding)
    before = sha(p)
    raw, meta = read_raw(p)
    assert meta["encoding"] == ("utf-8" if encoding == "utf-8" else encoding)
    assert list(raw["region"]) == list(df["region"])
    assert sha(p) == before


def test_gbk_big5_and_utf8_chinese_exports_read_unchanged(tmp_path):
    """Exports of Chinese platforms (GB18030/GBK, Big5, UTF-8 with and without BOM) read as before."""
    from zhsurvey import FIX

    import opencc

    text = (FIX / "zh_survey.csv").read_bytes().decode("gb18030")
    s2t = opencc.OpenCC("s2t").convert
    hant = s2t(text)
    expected, _ = read_raw(FIX / "zh_survey.csv")
    for name, data, enc in [("gbk.csv", text.encode("gbk"), "gb18030"), ("gb.csv", text.encode("gb18030"), "gb18030"),
                            ("u8.csv", text.encode("utf-8"), "utf-8"), ("bom.csv", b"\xef\xbb\xbf" + text.encode(), "utf-8-sig"),
                            ("big5.csv", hant.encode("big5"), "big5")]:
        p = tmp_path / name
        p.write_bytes(data)
        df, meta = read_raw(p)
        assert meta["encoding"] == enc, name
        if enc != "big5":
            pd.testing.assert_frame_equal(df, expected)
        else:
            assert list(df.columns) == [s2t(c) for c in expected.columns]
            assert list(df["性別"]) == [s2t(v) for v in expected["性别"]]


def test_short_chinese_answers_in_gbk_are_told_from_big5(tmp_path):
    p = tmp_path / "zh.csv"
    p.write_bytes("编号,满意度,性别\n1,非常满意,男\n2,满意,女\n".encode("gbk"))
    df, meta = read_raw(p)
    assert meta["encoding"] == "gb18030" and list(df["满意度"]) == ["非常满意", "满意"]


def test_an_ambiguous_encoding_asks_for_data_encoding_with_both_readings(tmp_path):
    p = tmp_path / "tiny.csv"
    p.write_bytes("id,sex\n1,男\n2,女\n".encode("gbk"))
    before = sha(p)
    with pytest.raises(DataError) as ei:
        read_raw(p)
    msg = str(ei.value)
    assert msg.count("\n") == 0
    assert msg.startswith(f"{p}: the text encoding is ambiguous: the file reads as ")
    assert "'男' (gb18030)" in msg and "(big5)" in msg and "line 2" in msg and "set data.encoding" in msg
    df, meta = read_raw(p, encoding="gbk")
    assert list(df["sex"]) == ["男", "女"]
    assert sha(p) == before


# ------------------------------------------------------------------------------------ 3. rules apply or are refused
def test_a_duration_column_without_a_readable_value_is_refused(tmp_path):
    """Today all-'n/a' durations silently switched the speeder rule off."""
    df = survey()
    df["secs"] = "n/a"
    project(tmp_path, data=df)
    raw = tmp_path / "data" / "raw" / "mini.csv"
    fails_with(tmp_path, f"{raw}: column 'secs' (key 'data.duration') has no readable completion time in any of the "
                         "60 rows (values 'n/a'), so the speeder rule (cleaning.min_duration) cannot apply; fix the "
                         "column or remove data.duration and cleaning.min_duration")


def test_mostly_unreadable_durations_are_refused_with_a_speeder_rule(tmp_path):
    df = survey().astype({"secs": object})
    df.loc[df.index[:40], "secs"] = ["NA", ""] * 20
    project(tmp_path, data=df)
    raw = tmp_path / "data" / "raw" / "mini.csv"
    fails_with(tmp_path, f"{raw}: column 'secs' (key 'data.duration'): 40 of 60 rows have no readable completion time "
                         "(values 'NA', ''), more than 50%, so the speeder rule (cleaning.min_duration) would judge "
                         "only 20; fix the column or switch the rule off")
    df.loc[df.index[:40], "secs"] = 300                    # a few missing durations are fine
    df.loc[df.index[:5], "secs"] = "n/a"
    project(tmp_path, data=df)
    assert prepare(tmp_path).returncode == 0


def test_an_empty_id_column_is_refused(tmp_path):
    df = survey()
    df["rid"] = ""
    project(tmp_path, data=df)
    raw = tmp_path / "data" / "raw" / "mini.csv"
    fails_with(tmp_path, f"{raw}: column 'rid' (key 'data.id') is empty in all 60 rows (values ''); name the "
                         "respondent id column or remove data.id")


def test_a_weights_column_that_is_not_numeric_is_refused(tmp_path):
    from studyfactory import PARAMS

    df = survey()
    df["wt"] = ["1.2", "0,8"] * 30                         # a decimal comma
    project(tmp_path, PARAMS + "weights: {column: wt}\n", data=df)
    raw = tmp_path / "data" / "raw" / "mini.csv"
    fails_with(tmp_path, f"{raw}: column 'wt' (key 'weights.column') is not numeric: '0,8' in data row 2 is no "
                         "number (values '0,8'); weights must be positive numbers")


def test_an_attention_check_that_never_holds_the_expected_answer_is_refused(tmp_path):
    df = survey()
    df["check"] = ["agree"] * 60
    pf = project(tmp_path, data=df)
    edit(pf, "cleaning: {min_duration: 30}", "cleaning: {min_duration: 30, attention_checks: {check: 'disagree'}}")
    raw = tmp_path / "data" / "raw" / "mini.csv"
    fails_with(tmp_path, f"{raw}: column 'check' (key 'cleaning.attention_checks.check') never holds the expected "
                         "answer 'disagree' (values 'agree'), so every respondent would fail the check; fix the "
                         "expected answer or the column")
    edit(pf, "check: 'disagree'", "check: 'Agree'")         # compared case-insensitively, as the cleaning does
    assert prepare(tmp_path).returncode == 0
