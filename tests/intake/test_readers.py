"""Intake of raw survey exports: formats, encodings, labels, and a clear message for every bad input.

Every test writes its own small files in tmp_path and checks that the raw file is left
byte-identical (SHA-256 before and after).
"""
from __future__ import annotations

import hashlib
import math
import shutil
import textwrap
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest

from csat.intake.cleaning import clean
from csat.intake.readers import load_study_data, make_codebook, read_columns, read_raw, write_processed
from csat.config.params import validate_params
from csat.core.errors import DataError, ParamsError
from csat.intake.preflight import load_study
from csat.analyses.cleaning import intake_summary

from studyfactory import ITEMS as MINI_ITEMS, edit, fails_with, prepare, project, survey
from zhsurvey import FIX

# ---------------------------------------------------------------- one small study, five file formats
# id, s1 s2 s3 (SAT), l1 l2 l3 (LOY, l3 reverse-keyed), gender (1 = male, 2 = female), dur (seconds)
BASE = [
    (101, 4, 5, 4, 4, 4, 2, 1, 300),
    (102, 2, 3, 2, 3, 2, 4, 2, 280),
    (103, 5, 5, 4, 5, 4, 1, 1, 410),
    (103, 1, 2, 1, 2, 1, 5, 2, 330),   # repeated id -> duplicates
    (104, 3, 4, 3, 4, 3, 99, 2, 35),  # speeder (dur < 60); 99 = missing code
    (105, 3, 3, 3, 3, 3, 3, 1, 250),   # straightliner
    (106, None, None, None, None, None, None, 2, 200),  # answered nothing -> max_missing_share
    (107, 4, 4, 5, 3, 4, 2, 1, 360),
    (108, 2, 2, 3, 2, 1, 4, 2, 500),
    (109, 5, 4, 5, 4, 5, 99, 1, 290),
]
ITEMS = ["s1", "s2", "s3", "l1", "l2", "l3"]
ZH_LAB = {1: "非常不满意", 2: "不满意", 3: "一般", 4: "满意", 5: "非常满意"}
EN_LAB = {1: "Strongly disagree", 2: "Disagree", 3: "Neutral", 4: "Agree", 5: "Strongly agree"}
SEX = {1: "男", 2: "女"}
EXPECTED_EXCLUSIONS = {"duplicates": 1, "speeders": 1, "straightlining": 1, "attention_checks": 0,
                       "max_missing_share": 1}


def params(path: Path, cols: dict[str, str] | None = None, **over):
    """A study whose column names are ``cols[name]`` (identity by default)."""
    c = {k: k for k in ["id", *ITEMS, "gender", "dur"]}
    c.update(cols or {})
    raw = {
        "study": "fmt",
        "data": {"path": str(path), "id": c["id"], "duration": c["dur"]},
        "scale": {"min": 1, "max": 5},
        "missing_codes": [99],
        "labels": {**{v: k for k, v in ZH_LAB.items()}, **{v: k for k, v in EN_LAB.items()}},
        "constructs": {"SAT": {"label": "Satisfaction", "items": [c["s1"], c["s2"], c["s3"]]},
                       "LOY": {"label": "Loyalty", "items": [c["l1"], c["l2"], c["l3"]]}},
        "reverse": [c["l3"]],
        "groups": [c["gender"]],
        "cleaning": {"min_duration": 60},
    }
    for k, v in over.items():
        raw[k] = v
    return validate_params(raw)


def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def frame(text_items=(), labels=EN_LAB) -> pd.DataFrame:
    """BASE as a frame; items in ``text_items`` written as text answers."""
    df = pd.DataFrame(BASE, columns=["id", *ITEMS, "gender", "dur"]).astype(object)
    for it in text_items:
        df[it] = [labels.get(v, v) if v is not None else None for v in df[it]]
    return df


def to_csv_bytes(df: pd.DataFrame, encoding: str, sep: str = ",") -> bytes:
    lines = [sep.join(df.columns)]
    for r in df.itertuples(index=False):
        lines.append(sep.join("" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v) for v in r))
    return ("\n".join(lines) + "\n").encode(encoding)


ZH_COLS = {"id": "编号", "s1": "满意度1", "s2": "满意度2", "s3": "满意度3", "l1": "忠诚度1", "l2": "忠诚度2",
           "l3": "忠诚度3", "gender": "性别", "dur": "用时"}


def write_gbk(tmp_path: Path) -> tuple[Path, object]:
    df = frame(text_items=["s1", "s2", "l1"], labels=ZH_LAB)
    df["gender"] = [SEX[g] for g in df["gender"]]
    df.columns = [ZH_COLS[c] for c in df.columns]
    p = tmp_path / "gbk.csv"
    p.write_bytes(to_csv_bytes(df, "gbk"))
    return p, params(p, ZH_COLS)


def write_bom(tmp_path: Path) -> tuple[Path, object]:
    df = frame(text_items=["s3", "l2"], labels=EN_LAB)
    df["gender"] = [SEX[g] for g in df["gender"]]
    p = tmp_path / "bom.csv"
    p.write_bytes(b"\xef\xbb\xbf" + to_csv_bytes(df, "utf-8"))
    return p, params(p)


def write_xlsx(tmp_path: Path) -> tuple[Path, object]:
    df = frame(text_items=["l1"], labels=EN_LAB)
    df["gender"] = [SEX[g] for g in df["gender"]]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "说明"
    ws.append(["This sheet only explains the survey."])
    ws2 = wb.create_sheet("data")
    ws2.append(list(df.columns))
    for r in df.itertuples(index=False):
        ws2.append([None if v is None else v for v in r])
    p = tmp_path / "survey.xlsx"
    wb.save(p)
    return p, params(p, data={"path": str(p), "id": "id", "duration": "dur", "sheet": "data"})


def numeric_frame() -> pd.DataFrame:
    df = pd.DataFrame(BASE, columns=["id", *ITEMS, "gender", "dur"])
    return df.astype({c: "float64" for c in ITEMS})


def write_sav(tmp_path: Path) -> tuple[Path, object]:
    p = tmp_path / "survey.sav"
    labels = {it: {float(k): v for k, v in ZH_LAB.items()} for it in ITEMS}
    labels["gender"] = {float(k): v for k, v in SEX.items()}
    pyreadstat.write_sav(numeric_frame(), str(p), variable_value_labels=labels,
                         column_labels={"s1": "Overall satisfaction", "l3": "Would switch (reverse)"})
    return p, params(p)


def write_dta(tmp_path: Path) -> tuple[Path, object]:
    p = tmp_path / "survey.dta"
    df = numeric_frame()
    df["gender"] = df["gender"].astype("int32")
    pyreadstat.write_dta(df, str(p), variable_value_labels={"gender": {1: "男", 2: "女"}})
    return p, params(p)


WRITERS = {"gbk_csv": write_gbk, "utf8_bom_csv": write_bom, "xlsx_second_sheet": write_xlsx, "sav": write_sav,
           "dta": write_dta}


def expected_clean() -> pd.DataFrame:
    keep = [0, 1, 2, 7, 8, 9]
    df = numeric_frame().iloc[keep].copy()
    df.index = pd.Index([k + 1 for k in keep], name="row")
    df.loc[df["l3"] == 99, "l3"] = np.nan
    df["l3"] = 6 - df["l3"]
    df["gender"] = [SEX[g] for g in df["gender"]]
    df["dur"] = df["dur"].astype(float)
    return df


@pytest.mark.parametrize("fmt", list(WRITERS))
def test_every_format_cleans_to_the_same_analysis_data(tmp_path, fmt):
    path, p = WRITERS[fmt](tmp_path)
    before = sha(path)
    df, report = load_study_data(p, path=path)
    res = clean(df, p)
    exp = expected_clean()
    got = res.data.copy()
    inv = {v: k for k, v in ZH_COLS.items()} if fmt == "gbk_csv" else {}
    got.columns = [inv.get(c, c) for c in got.columns]
    assert list(got.columns) == ["id", *ITEMS, "gender", "dur"]
    assert list(got.index) == list(exp.index)
    np.testing.assert_allclose(got[ITEMS].to_numpy(float), exp[ITEMS].to_numpy(float), equal_nan=True)
    assert [int(x) for x in got["id"]] == list(exp["id"])
    assert list(got["gender"]) == list(exp["gender"])
    np.testing.assert_allclose(got["dur"].to_numpy(float), exp["dur"].to_numpy(float))
    assert res.exclusions == EXPECTED_EXCLUSIONS
    assert report.n_rows == 10 and report.n_all_items_missing == 1
    assert int(report.missing_codes_found["n"].sum()) == 2
    assert sha(path) == before


def test_gbk_is_detected_and_text_answers_mapped(tmp_path):
    path, p = write_gbk(tmp_path)
    df, meta = read_raw(path)
    assert meta["encoding"] == "gb18030" and meta["format"] == "csv"
    assert list(df.columns)[:2] == ["编号", "满意度1"]
    assert df.loc[1, "满意度1"] == "满意"
    assert read_columns(path) == list(ZH_COLS.values())
    data, report = load_study_data(p, path=path)
    assert data.loc[1, "满意度1"] == 4.0 and data.loc[2, "满意度2"] == 3.0
    lab = report.labels_applied
    assert set(lab["column"]) == {"满意度1", "满意度2", "忠诚度1"}
    assert lab.loc[(lab["column"] == "满意度1") & (lab["answer"] == "非常满意"), "n"].item() == 2


def test_explicit_encoding_is_used(tmp_path):
    path, p = write_gbk(tmp_path)
    df, meta = read_raw(path, encoding="gbk")
    assert meta["encoding"] == "gbk" and df.loc[1, "性别"] == "男"


def test_utf8_bom_header_has_no_bom(tmp_path):
    path, _ = write_bom(tmp_path)
    df, meta = read_raw(path)
    assert meta["encoding"] == "utf-8-sig"
    assert list(df.columns)[0] == "id"
    assert read_columns(path)[0] == "id"


def test_sav_value_labels_are_kept_as_metadata(tmp_path):
    path, p = write_sav(tmp_path)
    df, meta = read_raw(path)
    assert meta["format"] == "sav"
    assert meta["value_labels"]["gender"] == {1: "男", 2: "女"}
    assert meta["value_labels"]["s1"][5] == "非常满意"
    assert meta["variable_labels"]["s1"] == "Overall satisfaction"
    assert read_columns(path) == ["id", *ITEMS, "gender", "dur"]
    data, report = load_study_data(p, path=path)
    assert report.group_value_labels["gender"] == {1: "男", 2: "女"}
    cb = make_codebook(clean(data, p).data, p, meta)
    assert cb.set_index("item").loc["s1", "label"] == "Overall satisfaction"   # file's variable label


def test_xlsx_sheet_by_index_and_name(tmp_path):
    path, p = write_xlsx(tmp_path)
    df1, m1 = read_raw(path, sheet=1)
    df2, m2 = read_raw(path, sheet="data")
    assert m1["sheet"] == m2["sheet"] == "data"
    pd.testing.assert_frame_equal(df1, df2)
    assert list(df1.index[:3]) == [1, 2, 3]
    with pytest.raises(DataError) as ei:       # default: the first sheet, which holds no data
        read_raw(path)
    assert "sheet '说明' has a header row but no data rows" in str(ei.value) and "'data'" in str(ei.value)


def test_xlsx_unknown_sheet_is_named(tmp_path):
    path, _ = write_xlsx(tmp_path)
    before = sha(path)
    with pytest.raises(DataError) as ei:
        read_raw(path, sheet="dta")
    msg = str(ei.value)
    assert "survey.xlsx" in msg and "no sheet named 'dta'" in msg and "did you mean 'data'" in msg
    with pytest.raises(DataError, match="sheet index 5 does not exist"):
        read_columns(path, sheet=5)
    assert sha(path) == before


def test_load_params_checks_columns_through_read_columns(tmp_path):
    (tmp_path / "params").mkdir()
    (tmp_path / "data" / "raw").mkdir(parents=True)
    path, _ = write_gbk(tmp_path / "data" / "raw")
    yml = tmp_path / "params" / "fmt.yaml"
    yml.write_text(textwrap.dedent("""
        study: fmt
        data: {path: data/raw/gbk.csv, id: 编号}
        constructs:
          SAT: {items: [满意度1, 满意度2, 满意度]}
    """), encoding="utf-8")
    with pytest.raises(ParamsError) as ei:
        load_study(yml)
    assert "'满意度'" in str(ei.value) and "did you mean" in str(ei.value)


# ---------------------------------------------------------------- bad input: one clear message, raw file unchanged
def csv_study(tmp_path: Path, text: str, name: str = "bad.csv", encoding: str = "utf-8", **over):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    raw = {"study": "bad", "data": {"path": str(p), "id": "id"}, "scale": {"min": 1, "max": 5},
           "missing_codes": [99], "labels": {"Agree": 4, "Strongly agree": 5},
           "constructs": {"SAT": {"items": ["sat_1", "sat_2", "sat_3"]}}}
    raw.update(over)
    return p, validate_params(raw)


GOOD_CSV = "id,sat_1,sat_2,sat_3\n1,1,2,3\n2,2,3,4\n3,Agree,4,5\n4,5,5,4\n"


def test_unknown_column_suggests_near_match(tmp_path):
    p, par = csv_study(tmp_path, GOOD_CSV, constructs={"SAT": {"items": ["sat1", "sat_2", "sat_3"]}})
    before = sha(p)
    with pytest.raises(DataError) as ei:
        load_study_data(par, path=p)
    msg = str(ei.value)
    assert str(p) in msg and "column 'sat1'" in msg and "constructs.SAT.items" in msg
    assert "did you mean 'sat_1'" in msg
    assert sha(p) == before


def test_unmapped_text_answer_names_column_value_and_rows(tmp_path):
    text = GOOD_CSV + "5,2,Quite nice,3\n6,3,3,3\n7,4,Quite nice,2\n"
    p, par = csv_study(tmp_path, text)
    before = sha(p)
    with pytest.raises(DataError) as ei:
        load_study_data(par, path=p)
    msg = str(ei.value)
    assert "bad.csv" in msg and "column 'sat_2'" in msg and "'Quite nice'" in msg and "rows 5, 7" in msg
    assert "labels" in msg
    assert sha(p) == before


def test_out_of_range_is_reported_and_made_missing(tmp_path):
    text = GOOD_CSV + "5,7,2,3\n6,3,0,3\n7,3,3,99\n"
    p, par = csv_study(tmp_path, text)
    before = sha(p)
    df, report = load_study_data(par, path=p)
    oor = report.out_of_range
    assert list(oor.columns) == ["column", "row", "value"]
    assert oor.to_dict("records") == [{"column": "sat_1", "row": 5, "value": 7.0},
                                      {"column": "sat_2", "row": 6, "value": 0.0}]
    assert math.isnan(df.loc[5, "sat_1"]) and math.isnan(df.loc[6, "sat_2"])
    assert math.isnan(df.loc[7, "sat_3"])                     # 99 is a missing code, not out of range
    assert report.missing_codes_found.to_dict("records") == [{"column": "sat_3", "code": 99.0, "n": 1}]
    assert df.loc[3, "sat_1"] == 4.0                          # "Agree" mapped
    assert sha(p) == before


def test_row_numbers_follow_the_file_with_blank_lines(tmp_path):
    text = "id,sat_1,sat_2,sat_3\n1,1,2,3\n\n3,2,9,4\n"
    p, par = csv_study(tmp_path, text)
    df, report = load_study_data(par, path=p)
    assert list(df.index) == [1, 3]
    assert report.out_of_range.to_dict("records") == [{"column": "sat_2", "row": 3, "value": 9.0}]


@pytest.mark.parametrize("content,expect", [
    (b"", "the file is empty (0 bytes)"),
    (b"\n\n  \n", "the file is empty (no header row)"),
    (b"id,sat_1,sat_2,sat_3\n", "has a header row but no data rows"),
])
def test_empty_file(tmp_path, content, expect):
    p = tmp_path / "empty.csv"
    p.write_bytes(content)
    before = sha(p)
    _, par = csv_study(tmp_path, GOOD_CSV)
    with pytest.raises(DataError) as ei:
        load_study_data(par, path=p)
    assert "empty.csv" in str(ei.value) and expect in str(ei.value)
    assert sha(p) == before


def _png_bytes() -> bytes:
    import io

    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1, 1))
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


@pytest.mark.parametrize("kind", ["png", "junk", "zip_as_csv"])
def test_file_that_is_not_a_table(tmp_path, kind):
    p = tmp_path / "export.csv"
    if kind == "png":
        p.write_bytes(_png_bytes())
    elif kind == "junk":
        p.write_bytes(np.random.default_rng(3).bytes(4096))
    else:
        write_xlsx(tmp_path)
        p.write_bytes((tmp_path / "survey.xlsx").read_bytes())
    _, par = csv_study(tmp_path, GOOD_CSV)
    before = sha(p)
    for fn in (lambda: load_study_data(par, path=p), lambda: read_columns(p)):
        with pytest.raises(DataError) as ei:
            fn()
        msg = str(ei.value)
        assert "export.csv" in msg and "is not a table" in msg
    if kind == "png":
        assert "PNG image" in msg
    if kind == "zip_as_csv":
        assert "name it .xlsx" in msg
    assert sha(p) == before


def test_csv_renamed_xlsx_or_sav_is_not_a_table(tmp_path):
    for name in ("fake.xlsx", "fake.sav", "fake.dta"):
        p = tmp_path / name
        p.write_bytes(GOOD_CSV.encode())
        before = sha(p)
        with pytest.raises(DataError) as ei:
            read_raw(p)
        assert name in str(ei.value) and "is not a table" in str(ei.value)
        assert sha(p) == before


def test_unreadable_encoding(tmp_path):
    p = tmp_path / "enc.csv"
    p.write_bytes(b"id,sat_1,sat_2,sat_3\n1,2,3,4\n2,\xff\xfe\xff,3,4\n")
    before = sha(p)
    with pytest.raises(DataError) as ei:
        read_raw(p)
    msg = str(ei.value)
    assert "enc.csv" in msg and "cannot read the text encoding" in msg and "line 3" in msg
    assert "data.encoding" in msg
    gbk, _ = write_gbk(tmp_path)
    with pytest.raises(DataError, match="cannot read the text encoding .*utf-8 fails"):
        read_raw(gbk, encoding="utf-8")
    with pytest.raises(DataError, match="unknown text encoding 'gbkk'"):
        read_raw(gbk, encoding="gbkk")
    assert sha(p) == before


def test_unsupported_extension(tmp_path):
    p = tmp_path / "data.json"
    p.write_text("{}")
    with pytest.raises(DataError, match=r"data.json: unsupported file type '.json'"):
        read_raw(p)


def test_ragged_row_is_named(tmp_path):
    p, par = csv_study(tmp_path, "id,sat_1,sat_2,sat_3\n1,1,2,3\n2,2,3,4,5,6\n")
    with pytest.raises(DataError, match=r"data row 2 \(line 3\) has 6 fields but the header has 4 columns"):
        load_study_data(par, path=p)


def test_one_respondent_all_missing_is_kept_at_intake_and_dropped_by_missing_rule(tmp_path):
    p, par = csv_study(tmp_path, GOOD_CSV + "5,,,\n6,99,99,99\n")
    before = sha(p)
    df, report = load_study_data(par, path=p)
    assert report.n_all_items_missing == 2 and len(df) == 6
    res = clean(df, par)
    assert res.exclusions["max_missing_share"] == 2
    assert list(res.flags.loc[res.flags["excluded_by"] != "", "row"]) == [5, 6]
    assert sha(p) == before


def test_every_respondent_all_missing_is_an_error(tmp_path):
    p, par = csv_study(tmp_path, "id,sat_1,sat_2,sat_3\n1,,,\n2,99,,99\n3,8,9,\n")
    before = sha(p)
    with pytest.raises(DataError) as ei:
        load_study_data(par, path=p)
    msg = str(ei.value)
    assert "bad.csv" in msg and "every respondent (3) has all items missing" in msg
    assert "2 out-of-range values were set missing" in msg
    assert sha(p) == before


def test_duration_text_is_parsed_or_named(tmp_path):
    text = "id,sat_1,sat_2,sat_3,t\n1,1,2,3,125秒\n2,2,3,4,02:05\n3,3,4,5,fast\n"
    p, par = csv_study(tmp_path, text, data={"path": "x", "id": "id", "duration": "t"})
    with pytest.raises(DataError) as ei:
        load_study_data(par, path=p)
    assert "column 't'" in str(ei.value) and "'fast'" in str(ei.value) and "row 3" in str(ei.value)
    p.write_bytes(text.replace("fast", "1:00:00").encode())
    df, _ = load_study_data(par, path=p)
    assert list(df["t"]) == [125.0, 125.0, 3600.0]


def test_ids_with_leading_zeros_stay_text(tmp_path):
    p, par = csv_study(tmp_path, "id,sat_1,sat_2,sat_3\n007,1,2,3\n010,2,3,4\n")
    df, _ = load_study_data(par, path=p)
    assert list(df["id"]) == ["007", "010"]


# ---------------------------------------------------------------- writers
def test_write_processed_writes_three_files_and_never_into_raw(tmp_path):
    path, p = write_bom(tmp_path)
    df, report = load_study_data(p, path=path)
    res = clean(df, p)
    cb = make_codebook(res.data, p, report.meta)
    assert list(cb.columns) == ["item", "construct", "label", "scale_min", "scale_max", "reverse_keyed", "missing"]
    assert cb.set_index("item").loc["l3", "missing"] == 1 and bool(cb.set_index("item").loc["l3", "reverse_keyed"])
    out = write_processed(res.data, cb, tmp_path / "data" / "processed" / "fmt")
    back = pd.read_parquet(out["parquet"])
    assert list(back.columns) == ["row", "id", *ITEMS, "gender", "dur"]
    assert list(back["row"]) == list(res.data.index)
    np.testing.assert_allclose(back[ITEMS].to_numpy(float), res.data[ITEMS].to_numpy(float), equal_nan=True)
    csv_back = pd.read_csv(out["csv"])
    assert list(csv_back.columns) == list(back.columns) and len(csv_back) == len(back)
    assert pd.read_csv(out["codebook"])["item"].tolist() == ITEMS
    raw_dir = tmp_path / "data" / "raw" / "x"
    with pytest.raises(DataError, match="refusing to write into data/raw"):
        write_processed(res.data, cb, raw_dir)
    assert not raw_dir.exists()


# ------------------------------------------------------------------------------- damaged data files
@pytest.mark.parametrize("case", ["empty", "duplicate_header", "png", "xlsx_sheet", "unclosed_quote"])
def test_damaged_data_file_is_one_line(tmp_path, case):
    pf = project(tmp_path)
    raw = tmp_path / "data" / "raw" / "mini.csv"
    if case == "empty":
        raw.write_bytes(b"")
        expected = f"{raw}: the file is empty (0 bytes)"
    elif case == "duplicate_header":
        raw.write_text(raw.read_text().replace("sat2", "sat1", 1))
        expected = f"{raw}: column 'sat1' appears twice in the header (columns 2 and 3)"
    elif case == "png":
        raw.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
        expected = f"{raw}: is not a table: the file is a PNG image, not a CSV text file"
    elif case == "unclosed_quote":
        lines = raw.read_text().splitlines()
        lines[4] = '"' + lines[4]
        raw.write_text("\n".join(lines) + "\n")
        expected = (f"{raw}: data row 4 (line 5): a quote (\") opened in this row is never closed, so the following "
                    "rows are read as one text cell; remove the stray quote or close it")
    else:
        x = tmp_path / "data" / "raw" / "mini.xlsx"
        df = survey()
        with pd.ExcelWriter(x) as w:
            df.to_excel(w, sheet_name="data", index=False)
        edit(pf, "path: data/raw/mini.csv", "path: data/raw/mini.xlsx\n  sheet: Data")
        expected = f"{x}: key 'data.sheet': no sheet named 'Data'; sheets are ['data'] (did you mean 'data'?)"
    fails_with(tmp_path, expected)


# ----------------------------------------------------- survey-platform exports and text in the data
PLATFORM_HEADER = ["序号", "提交答卷时间", "所用时间", "来源", "1、您的性别：", "2、(服务1)", "2、(服务2)", "2、(服务3)",
                   "3、(价格1)", "3、(价格2)", "3、(价格3)", "4、您向朋友推荐的可能性："]
OPTIONS = {1: "非常不满意", 2: "不满意", 3: "一般", 4: "满意", 5: "非常满意"}
PLATFORM_PARAMS = """\
study: mini
language: zh
data:
  path: {path}
  id: 序号
  duration: 用时
  rename: {{"所用时间": 用时, "1、您的性别：": 性别, "2、(服务1)": svc1, "2、(服务2)": svc2, "2、(服务3)": svc3,
           "3、(价格1)": price1, "3、(价格2)": price2, "3、(价格3)": price3, "4、您向朋友推荐的可能性：": 推荐}}
scale: {{min: 1, max: 5}}
labels: {{非常不满意: 1, 不满意: 2, 一般: 3, 满意: 4, 非常满意: 5}}
constructs:
  SVC: {{label: Service, label_zh: 服务, items: [svc1, svc2, svc3]}}
  PRICE: {{label: Price, label_zh: 价格, items: [price1, price2, price3]}}
groups: [性别]
recommend: 推荐
cleaning: {{min_duration: 60}}
bootstrap: 0
"""


def platform_rows(n: int = 40) -> list[list]:
    rng = np.random.default_rng(7)
    rows = []
    for i in range(n):
        f, g = rng.normal(), rng.normal()
        ans = [int(np.clip(round(3 + x + 0.7 * rng.normal()), 1, 5)) for x in (f, f, f, g, g, g)]
        cells = [OPTIONS[a] for a in ans]
        if i % 7 == 3:
            cells[1] = "(跳过)"                       # a skipped matrix row
        secs = 100 + 11 * i
        dur = f"{secs}秒" if i % 3 else f"{secs // 60}分{secs % 60}秒"
        if i == 5:
            dur = "1小时2分3秒"
        rows.append([i + 1, f"2024/5/{1 + i % 28} 10:{i % 60:02d}:00", dur, "微信", "男" if i % 2 else "女",
                     *cells, "(跳过)" if i == 9 else str(i % 11)])
    return rows


def write_platform_csv(path: Path, encoding: str = "gbk") -> Path:
    lines = [",".join(PLATFORM_HEADER)] + [",".join(str(c) for c in r) for r in platform_rows()]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def write_platform_xlsx(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(PLATFORM_HEADER)
    for r in platform_rows():
        ws.append(r)
    wb.save(path)
    return path


@pytest.mark.parametrize("fmt", ["gbk_csv", "xlsx"])
def test_survey_platform_export(tmp_path, fmt):
    (tmp_path / "data" / "raw").mkdir(parents=True)
    (tmp_path / "params").mkdir()
    if fmt == "gbk_csv":
        raw = write_platform_csv(tmp_path / "data" / "raw" / "问卷星导出.csv")
    else:
        raw = write_platform_xlsx(tmp_path / "data" / "raw" / "问卷星导出.xlsx")
    before = sha(raw)
    pf = tmp_path / "params" / "mini.yaml"
    pf.write_text(PLATFORM_PARAMS.format(path=raw.relative_to(tmp_path)), encoding="utf-8")
    r = prepare(tmp_path)
    assert r.returncode == 0, r.stderr
    p = load_study(pf)
    df, intake = load_study_data(p, pf)
    assert list(df.columns[:2]) == ["序号", "svc1"]
    rows = platform_rows()
    expected_secs = [(100 + 11 * i) if i != 5 else 3723 for i in range(40)]
    assert df["用时"].tolist() == [float(s) for s in expected_secs]
    skipped = sum(1 for r_ in rows if r_[6] == "(跳过)")
    assert skipped == 6
    assert intake.token_counts() == {"(跳过)": skipped + 1}
    assert df["svc2"].isna().sum() == skipped and df["推荐"].isna().sum() == 1
    assert df["svc1"].tolist() == [float(k) for r_ in rows for k, v in OPTIONS.items() if v == r_[5]]
    assert intake.renamed["所用时间"] == "用时"
    assert intake.to_dict()["missing_tokens"] == {"(跳过)": 7}
    assert sha(raw) == before


def test_rename_of_a_header_that_is_not_there(tmp_path):
    (tmp_path / "data" / "raw").mkdir(parents=True)
    (tmp_path / "params").mkdir()
    raw = write_platform_csv(tmp_path / "data" / "raw" / "export.csv")
    pf = tmp_path / "params" / "mini.yaml"
    pf.write_text(PLATFORM_PARAMS.format(path="data/raw/export.csv").replace('"2、(服务3)"', '"2、(服务 3)"'),
                  encoding="utf-8")
    fails_with(tmp_path, f"{raw}: key 'data.rename': header '2、(服务 3)' is not in the file (did you mean "
                         "'2、(服务3)', '2、(服务2)', '2、(服务1)'?)")


def test_r_written_csv_with_na(tmp_path):
    df = survey()
    text = ['"rid","sat1","sat2","sat3","val1","val2","val3","loy1","loy2","loy3","gender","secs"']
    for i, r in df.iterrows():
        cells = [str(r[c]) for c in MINI_ITEMS]
        if i % 10 == 0:
            cells[4] = "NA"
        text.append(",".join([str(r["rid"]), *cells, f'"{r["gender"]}"', "NA" if i == 3 else str(r["secs"])]))
    project(tmp_path)
    raw = tmp_path / "data" / "raw" / "mini.csv"
    raw.write_text("\n".join(text) + "\n")
    assert prepare(tmp_path).returncode == 0
    data, intake = load_study_data(load_study(tmp_path / "params" / "mini.yaml"), tmp_path / "params" / "mini.yaml")
    assert intake.token_counts() == {"NA": 7}
    assert data["val2"].isna().sum() == 6 and np.isnan(data.loc[4, "secs"])
    assert data["gender"].iloc[0] in ("f", "m")


def test_nan_inf_negative_durations_and_long_headers_are_reported(tmp_path):
    df = survey().astype({"sat2": object, "secs": object})
    df.loc[2, "sat2"] = "NaN"
    df.loc[4, "sat2"] = "inf"
    df.loc[7, "secs"] = -40
    df["x" * 300] = 1
    project(tmp_path, data=df)
    p = load_study(tmp_path / "params" / "mini.yaml")
    data, intake = load_study_data(p, tmp_path / "params" / "mini.yaml")
    assert data["sat2"].isna().sum() == 2 and np.isnan(data.loc[8, "secs"])
    assert intake.token_counts() == {"NaN": 1, "inf": 1}
    d = {(x.code, x.message[:30]): x.message for x in intake.diagnostics()}
    assert [m for (c, _), m in d.items() if c == "nonnumber_text"] == [
        "1 cell(s) hold the text 'NaN' (not an answer) in column(s) 'sat2'; they were set missing",
        "1 cell(s) hold the text 'inf' (not an answer) in column(s) 'sat2'; they were set missing"]
    d = {x.code: x.message for x in intake.diagnostics()}
    assert d["negative_duration"] == "1 negative completion time(s) in data row(s) 8 were set missing"
    assert d["long_header"] == "a header is 300 characters long; give the column a short name with data.rename"
    summary = dict(zip(intake_summary(intake)["what"], intake_summary(intake)["value"]))
    assert summary["missing tokens (NaN, inf)"] == "2"
    assert summary["negative durations set missing"] == "1"


def test_duration_text_forms():
    from csat.intake.readers import _parse_duration

    assert [_parse_duration(x) for x in ["156秒", "2分30秒", "2分钟", "1小时", "1小时2分3秒", "90", "1.5分钟",
                                         "02:30", "3 min 5 s"]] == [156, 150, 120, 3600, 3723, 90, 90, 150, 185]
    assert _parse_duration("快") is None


def test_gbk_export_with_chinese_names_reads(tmp_path):
    (tmp_path / "params").mkdir()
    shutil.copy(FIX / "zh_survey.yaml", tmp_path / "params" / "zh_survey.yaml")
    (tmp_path / "tests" / "fixtures").mkdir(parents=True)
    shutil.copy(FIX / "zh_survey.csv", tmp_path / "tests" / "fixtures" / "zh_survey.csv")
    p = load_study(tmp_path / "params" / "zh_survey.yaml")
    data, intake = load_study_data(p, tmp_path / "params" / "zh_survey.yaml")
    assert intake.meta["encoding"].lower().replace("-", "") in ("gbk", "gb18030")
    assert list(data.columns[:3]) == ["编号", "服务1", "服务2"] and len(data) == 240
    assert data["价格3"].eq(3.5).any() and len(intake.out_of_range) == 0
