"""A tracking study given as one raw file per wave (``data.path`` a list or a mapping; issue #15).

Every file is read by the same reader, the files are stacked with the wave column, and the study
equals the one built from the single stacked file that ``python -m csat.intake.waves stack`` writes.
Fixtures: tests/fixtures/waves/ (made by tests/fixtures/make_wave_files.py): 2025H1.csv (UTF-8) and
2025H2.xlsx (columns in another order), tracking.yaml.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from csat.intake import cleaning, readers as io
from csat.intake import waves as wave_files
from csat.pipeline.build import prepare
from csat.core.errors import DataError, ParamsError
from csat.config.params import validate_params, load_params
from csat.intake.preflight import load_study

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "waves"
FILES = ["2025H1.csv", "2025H2.xlsx"]


def _project(root: Path, path_yaml: str | None = None, waves_yaml: str | None = None, study: str = "tracking") -> Path:
    """A project folder with the two wave files in data/raw and the fixture params (optionally edited)."""
    (root / "params").mkdir(parents=True, exist_ok=True)
    (root / "data" / "raw").mkdir(parents=True, exist_ok=True)
    for f in FILES:
        shutil.copy(FIX / f, root / "data" / "raw" / f)
    text = (FIX / "tracking.yaml").read_text(encoding="utf-8").replace("study: tracking", f"study: {study}")
    if path_yaml is not None:
        text = text.replace("  path: [data/raw/2025H1.csv, data/raw/2025H2.xlsx]", f"  path: {path_yaml}")
    if waves_yaml is not None:
        text = text.replace("waves: {column: wave}", waves_yaml)
    out = root / "params" / f"{study}.yaml"
    out.write_text(text, encoding="utf-8")
    return out


def _stacked(root: Path) -> Path:
    """The single stacked file of the same two waves, made by ``python -m csat.intake.waves stack``."""
    out = root / "data" / "raw" / "stacked.csv"
    raw = root / "data" / "raw"
    assert wave_files.main(["stack", "--out", str(out), f"2025H1={raw / FILES[0]}", f"2025H2={raw / FILES[1]}"]) == 0
    return out


# ------------------------------------------------------------------------------------- the schema
def _raw(path, **extra) -> dict:
    return {"study": "s", "data": {"path": path}, "constructs": {"SAT": {"items": ["sat1", "sat2"]}}, **extra}


def test_a_list_of_files_names_the_waves_after_the_files():
    p = validate_params(_raw(["data/raw/2025H1.csv", "other/2025H2.xlsx"]))
    assert p.data.files == ["data/raw/2025H1.csv", "other/2025H2.xlsx"]
    assert p.data.wave_files == {"2025H1": "data/raw/2025H1.csv", "2025H2": "other/2025H2.xlsx"}
    assert p.waves is not None and p.waves.column == "wave"          # waves on, wave column's default name
    assert p.wave_order == ["2025H1", "2025H2"]                       # the list's order, not sorted
    assert "wave" in p.data_columns and "wave" in p.grouping_columns


def test_a_mapping_names_the_waves_and_keeps_their_order():
    p = validate_params(_raw({"Q4": "b.csv", "Q1": "a.csv"}, waves={"column": "quarter"}))
    assert p.data.wave_files == {"Q4": "b.csv", "Q1": "a.csv"} and p.wave_order == ["Q4", "Q1"]
    assert p.waves.column == "quarter"
    p = validate_params(_raw({"Q4": "b.csv", "Q1": "a.csv"}, waves={"order": ["Q1", "Q4"]}))
    assert p.wave_order == ["Q1", "Q4"]


def test_a_single_file_study_is_unchanged():
    p = validate_params(_raw("data/raw/x.csv"))
    assert p.data.files == ["data/raw/x.csv"] and p.data.wave_files is None and p.waves is None
    assert p.wave_order is None


@pytest.mark.parametrize("path, extra, message", [
    (["a.csv"], {}, "at least 2"),
    (["a.csv", "a.csv"], {}, "file 'a.csv' is listed twice"),
    (["x/w.csv", "y/w.xlsx"], {}, "two files are named 'w'.*mapping wave: file"),
    (["d/2025H1.csv", "2025H2.csv"], {"waves": {"order": ["2025H1", "2025H3"]}},
     r"waves.order.*'2025H3' is not a wave there.*did you mean '2025H2'"),
    ({"A": "a.csv", "B": "b.csv"}, {"waves": {"order": ["A", "B", "C"]}}, "waves.order"),
    ({"A": "a.csv"}, {}, "at least 2"),
])
def test_bad_wave_file_lists_are_named(path, extra, message):
    with pytest.raises(ParamsError, match=message):
        validate_params(_raw(path, **extra), "p.yaml")


# ------------------------------------------------------------------------------------- reading
def test_every_file_is_read_alike_and_stacked_like_the_stacked_file(tmp_path):
    """The intake data of the two files equal those of the stacked file, value for value and row for row;
    the cleaning result too."""
    pf = _project(tmp_path)
    p = load_study(pf)
    df, report = io.load_study_data(p, pf)
    stacked = _stacked(tmp_path)
    ps = load_study(pf, {"data.path": "data/raw/stacked.csv", "waves.order": ["2025H1", "2025H2"]})
    ref, ref_report = io.load_study_data(ps, pf)
    pd.testing.assert_frame_equal(df, ref)
    assert list(df["wave"].unique()) == ["2025H1", "2025H2"] and (df["wave"] == "2025H1").sum() == 60
    assert list(df.index) == list(range(1, 121))
    for what in ("out_of_range", "missing_codes_found", "missing_tokens"):
        pd.testing.assert_frame_equal(getattr(report, what), getattr(ref_report, what))
    assert report.meta["format"] == "csv + xlsx" and [f["wave"] for f in report.meta["files"]] == ["2025H1", "2025H2"]
    assert report.file_name == "2025H1.csv + 2025H2.xlsx" and "61–120 from 2025H2.xlsx" in report.meta["row_note"]
    assert report.to_dict()["files"][1]["sha256"] == io.read_raw(tmp_path / "data" / "raw" / FILES[1])[1]["sha256"]
    a, b = cleaning.clean(df, p), cleaning.clean(ref, ps)
    pd.testing.assert_frame_equal(a.data, b.data)
    assert stacked.is_file()


def test_files_with_different_columns_are_one_error_naming_file_and_column(tmp_path):
    pf = _project(tmp_path)
    raw = tmp_path / "data" / "raw"
    w1 = pd.read_csv(raw / FILES[0], dtype=str, keep_default_na=False)
    w1.rename(columns={"region": "area"}).to_csv(raw / "2025H1.csv", index=False)
    with pytest.raises(ParamsError, match=r"key 'data.path': .*2025H2.xlsx: column 'region' is not in .*2025H1.csv"):
        load_study(pf)
    p = load_params(pf)
    with pytest.raises(DataError, match=r"2025H2.xlsx: column 'region' is not in .*2025H1.csv"):
        io.load_study_data(p, pf)
    w1.drop(columns=["region"]).to_csv(raw / "2025H1.csv", index=False)
    with pytest.raises(DataError, match=r"2025H2.xlsx: column 'region' is not in"):
        io.load_study_data(p, pf)
    w1.to_csv(raw / "2025H1.csv", index=False)
    w2 = io.read_raw(raw / FILES[1])[0].drop(columns=["channel"])
    w2.to_csv(raw / "w2.csv", index=False)
    with pytest.raises(ValueError, match=r"w2.csv: column 'channel' of .*2025H1.csv is missing"):
        io.read_wave_files({"a": raw / "2025H1.csv", "b": raw / "w2.csv"})


def test_a_file_that_already_has_the_wave_column_is_named(tmp_path):
    pf = _project(tmp_path, waves_yaml="waves: {column: region}")
    with pytest.raises(ParamsError, match=r"2025H1.csv: already has a column 'region'"):
        load_study(pf)


def test_rename_applies_to_every_file(tmp_path):
    pf = _project(tmp_path)
    text = pf.read_text(encoding="utf-8").replace("  id: respondent_id", "  id: rid\n  rename: {respondent_id: rid}")
    pf.write_text(text, encoding="utf-8")
    p = load_study(pf)
    df, _ = io.load_study_data(p, pf)
    assert df["rid"].iloc[0] == "W1-R00001" and df["rid"].iloc[-1] == "W2-R00060"


def test_the_stack_command_keeps_the_union_of_columns(tmp_path):
    """``python -m csat.intake.waves stack`` (not a study's data.path) still stacks files whose columns differ."""
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("q1,q2\n1,2\n", encoding="utf-8")
    b.write_text("q2,q3\n3,4\n", encoding="utf-8")
    out = wave_files.stack_wave_files({"x": str(a), "y": str(b)})
    assert list(out.columns) == ["wave", "q1", "q2", "q3"] and out["q3"].isna().tolist() == [True, False]


# ------------------------------------------------------------------------------------- the build
def test_make_depends_on_every_wave_file(tmp_path):
    """.build/raw.json holds every file's SHA-256, so an edit of any wave file re-runs the stages."""
    pf = _project(tmp_path)
    prepare(pf, root=tmp_path, check_intake=False)
    raw_json = tmp_path / "reports" / "tracking" / ".build" / "raw.json"
    rec = json.loads(raw_json.read_text(encoding="utf-8"))
    assert [f["path"] for f in rec["files"]] == ["data/raw/2025H1.csv", "data/raw/2025H2.xlsx"]
    before = raw_json.read_text(encoding="utf-8")
    out = prepare(pf, root=tmp_path, check_intake=False)
    assert "raw.json" not in out["changed"]
    xlsx = tmp_path / "data" / "raw" / FILES[1]
    xlsx.write_bytes(xlsx.read_bytes() + b"\0")        # any change of the second file
    out = prepare(pf, root=tmp_path, check_intake=False)
    assert "raw.json" in out["changed"] and raw_json.read_text(encoding="utf-8") != before
    assert (tmp_path / "reports" / "tracking" / ".build" / "deps.mk").read_text().startswith("RAW := ")


ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.integration
def test_a_study_of_two_wave_files_equals_the_stacked_file_study(tmp_path):
    """Both studies through Make (01_cleaning and 02_descriptives): the processed data and every results
    file of the stages are equal; only the raw-file provenance differs.  data/raw is not written."""
    from integration.test_pipeline import _copy_project, _make

    _copy_project(tmp_path)
    _project(tmp_path)
    _project(tmp_path, path_yaml="data/raw/stacked.csv", waves_yaml="waves: {column: wave, order: [2025H1, 2025H2]}",
             study="stacked")
    _stacked(tmp_path)
    raw_before = {f.name: f.read_bytes() for f in (tmp_path / "data" / "raw").iterdir()}
    py = str(ROOT / ".venv" / "bin" / "python")
    for study in ("tracking", "stacked"):
        r = subprocess.run([py, "-m", "csat.pipeline.build", "prepare", f"params/{study}.yaml"], cwd=tmp_path,
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        r = _make(tmp_path, f"reports/{study}/02_descriptives.ipynb", f"STUDY={study}")
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert {f.name: f.read_bytes() for f in (tmp_path / "data" / "raw").iterdir()} == raw_before
    a, b = tmp_path / "reports" / "tracking" / "results", tmp_path / "reports" / "stacked" / "results"
    names = sorted(f.name for f in a.iterdir())
    assert names == sorted(f.name for f in b.iterdir())
    assert {"wave_index.csv", "waves.csv", "construct_scores.csv", "items.csv"} <= set(names)
    for name in names:
        if name == "cleaning.json":
            ca, cb = (json.loads((d / name).read_text(encoding="utf-8")) for d in (a, b))
            ra, rb = ca.pop("raw_file"), cb.pop("raw_file")
            assert ca == cb
            assert ra["path"] == "data/raw/2025H1.csv + data/raw/2025H2.xlsx" and len(ra["files"]) == 2
            assert rb["path"] == "data/raw/stacked.csv"
        else:
            assert (a / name).read_bytes() == (b / name).read_bytes(), name
    pa, pb = (tmp_path / "data" / "processed" / s / "clean.csv" for s in ("tracking", "stacked"))
    assert pa.read_bytes() == pb.read_bytes()
