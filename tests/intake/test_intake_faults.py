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


# ------------------------------------------------------------------------------------ 4. damaged files, fast
SURVEY_PARAMS_RESPONDED = "survey: {responded: 60}\n"


def _cut(raw, keep_rows: int) -> None:
    """Cut the file in the middle of data row ``keep_rows`` (as a copy interrupted mid-write)."""
    lines = raw.read_bytes().split(b"\n")
    raw.write_bytes(b"\n".join(lines[:keep_rows]) + b"\n" + lines[keep_rows][:9])


def test_a_file_cut_off_mid_line_is_refused_naming_the_line(tmp_path):
    from studyfactory import PARAMS

    project(tmp_path, PARAMS + SURVEY_PARAMS_RESPONDED)
    raw = tmp_path / "data" / "raw" / "mini.csv"
    _cut(raw, 36)                                  # 35 whole rows and the start of data row 36
    fails_with(tmp_path, f"{raw}: data row 36 (line 37) has 5 field(s) but the header has 12 columns: the row ends "
                         "early (is the file cut off, or a line broken?); repair the file or set data.allow_ragged: "
                         "true to read such rows with blanks")


def test_allow_ragged_reads_the_cut_file_with_a_warning_and_notes_responded(tmp_path):
    from studyfactory import PARAMS
    from csat.analyses.cleaning import intake_text
    from csat.intake.preflight import load_study

    pf = project(tmp_path, PARAMS + SURVEY_PARAMS_RESPONDED)
    raw = tmp_path / "data" / "raw" / "mini.csv"
    _cut(raw, 36)
    edit(pf, "  duration: secs\n", "  duration: secs\n  allow_ragged: true\n")
    before = sha(raw)
    p = load_study(pf, root=tmp_path)
    df, report = load_study_data(p, pf, root=tmp_path)
    assert len(df) == 36 and report.file_rows == 36
    assert df.loc[36, ["val1", "loy3"]].isna().all() and df.loc[36, "rid"] == 36
    diags = {d.code: d.message for d in report.diagnostics()}
    assert diags["ragged_rows"] == ("1 row(s) have fewer fields than the header (data row(s) 36); they were read "
                                    "with blanks for the missing fields")
    assert diags["fewer_rows_than_responded"].startswith("the data file holds 36 data rows but survey.responded "
                                                          "says 60 questionnaires were returned")
    assert intake_text(report).endswith("The file holds 36 data rows; 36 were read.")
    assert "文件共有 36 行数据，读取 36 行。" in intake_text(report, "zh")
    assert sha(raw) == before


def test_a_stray_delimiter_is_refused_naming_the_line(tmp_path):
    project(tmp_path)
    raw = tmp_path / "data" / "raw" / "mini.csv"
    lines = raw.read_text().splitlines()
    lines[7] = lines[7] + ",extra"
    raw.write_text("\n".join(lines) + "\n")
    fails_with(tmp_path, f"{raw}: data row 7 (line 8) has 13 fields but the header has 12 columns; is the delimiter "
                         "',' right, or is a quote missing? (data.allow_ragged: true reads such rows without their "
                         "extra fields)")


def test_trailing_delimiters_and_blank_lines_are_no_ragged_rows(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("\n\nid,a,b\n1,2,3,,\n\n   \n,,\n2,3,4\n3,\"x,y\",5\n")
    df, meta = read_raw(p)
    assert list(df.index) == [1, 5, 6] and list(df["a"]) == ["2", "3", "x,y"]
    assert "ragged" not in meta and meta["n_file_rows"] == 3


CSV_CASES = {
    "numbers": "id,a,b\n1,2,3\n2,3.5,\n3,1e2,-4\n",
    "codes": "id,a\n007,1\n008,2\n",
    "text": "id,a,b\n1,非常满意, x \n2,NA,(跳过)\n3,,nan\n",
    "quoted_newline": "id,a,b\n1,\"line\nbreak\",2\n2,x,3\n",
    "semicolon": "id;a;b\n1;2,5;3\n2;3;4\n",
    "tabs": "id\ta\n1\t 2 \n2\t3\n",
    "crlf_blank": "id,a\r\n1,2\r\n\r\n2,3\r\n",
    "short_ok_blank_extra": "id,a,b\n1,2,3,\n2,3,4, \n",
    "one_column": "a\n1\n\n2\n",
    "ints_blank": "id,a\n1,\n2,3\n",
}


@pytest.mark.parametrize("case", list(CSV_CASES))
def test_the_c_reader_reads_as_the_python_reader_did(tmp_path, case, monkeypatch):
    """Arrow's C reader gives the frame the former Python csv loop gave (same dtypes, values, row numbers)."""
    from csat.intake import readers

    p = tmp_path / "x.csv"
    p.write_text(CSV_CASES[case], encoding="utf-8")
    fast, meta = read_raw(p)
    monkeypatch.setattr(readers, "_csv_arrow", lambda *a, **k: None)
    slow, meta_slow = read_raw(p)
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    assert meta == meta_slow


def test_a_short_gb18030_file_that_big5_also_decodes_is_read_as_gb18030(tmp_path):
    """'备注' in GB18030 is valid Big5 too ('掘蛁'): only the GB18030 reading is made of everyday characters,
    so it is taken; the same text saved as Big5 is read as Big5 ('備註')."""
    from csat.intake.readers import common_hanzi_share, read_raw

    assert common_hanzi_share("备注", "gb18030") == 1.0 and common_hanzi_share("掘蛁", "big5") < 0.9
    f = tmp_path / "gb.csv"
    f.write_bytes("id,备注\n1,3\n2,4\n".encode("gb18030"))
    assert list(read_raw(f)[0].columns) == ["id", "备注"]
    g = tmp_path / "big5.csv"
    g.write_bytes("id,備註,滿意度\n1,3,4\n2,4,5\n".encode("big5"))
    assert list(read_raw(g)[0].columns) == ["id", "備註", "滿意度"]
