"""Params keys of tracking studies: ``invariance.group`` and ``waves`` are checked before any analysis."""
from __future__ import annotations

import pytest

from csat.pipeline.build import STAGE_KEYS
from csat.config.params import ParamsError
from csat.intake.preflight import load_study

from config.test_params import GOOD, make_study

HEADER = "rid,sat1,sat2,sat3,loy1,loy2,gender,wave"


def _study(tmp_path, extra: str):
    p = make_study(tmp_path, GOOD + extra, header=HEADER)
    csv = tmp_path / "data" / "raw" / "mini.csv"
    csv.write_text(HEADER + "\n1,1,2,3,4,5,f,2024\n2,2,3,4,5,1,m,2025\n3,2,3,4,5,2,m,2025\n")
    return p


def test_tracking_keys_load(tmp_path):
    p = load_study(_study(tmp_path, "invariance: {group: gender}\nwaves: {column: wave, order: [2024, 2025]}\n"))
    assert p.invariance.group == "gender"
    assert p.waves.column == "wave" and p.waves.order == [2024, 2025]
    assert "wave" in p.data_columns and "gender" in p.data_columns
    assert "waves" in STAGE_KEYS["02_descriptives"] and "waves" in STAGE_KEYS["04_factor_analysis"]
    assert "invariance" in STAGE_KEYS["04_factor_analysis"] and "waves" in STAGE_KEYS["01_cleaning"]


def test_defaults_off(tmp_path):
    p = load_study(_study(tmp_path, ""))
    assert p.invariance is None and p.waves is None


def test_group_column_must_exist(tmp_path):
    with pytest.raises(ParamsError, match=r"column 'gendr' \(key 'invariance.group'\).*did you mean 'gender'"):
        load_study(_study(tmp_path, "invariance: {group: gendr}\n"))
    with pytest.raises(ParamsError, match=r"column 'wav' \(key 'waves.column'\)"):
        load_study(_study(tmp_path, "waves: {column: wav}\n"))


def test_wave_order_levels_must_exist(tmp_path):
    with pytest.raises(ParamsError, match=r"key 'waves.order': wave\(s\) \['2026'\] do not occur in column 'wave'"):
        load_study(_study(tmp_path, "waves: {column: wave, order: ['2024', '2026']}\n"))
    with pytest.raises(ParamsError, match="at least 2 waves"):
        load_study(_study(tmp_path, "waves: {column: wave, order: [2024]}\n"))
    with pytest.raises(ParamsError, match="listed twice"):
        load_study(_study(tmp_path, "waves: {column: wave, order: [2024, '2024']}\n"))


def test_group_column_is_not_an_item(tmp_path):
    with pytest.raises(ParamsError, match="waves.column: 'sat1' is an item"):
        load_study(_study(tmp_path, "waves: {column: sat1}\n"))
    with pytest.raises(ParamsError, match="unknown key 'waves.colum'"):
        load_study(_study(tmp_path, "waves: {colum: wave}\n"))


def test_wave_and_group_columns_reach_the_clean_data(tmp_path):
    from csat.intake import cleaning, readers as io

    path = _study(tmp_path, "invariance: {group: gender}\nwaves: {column: wave}\ngroups: []\n".replace("groups: []\n", ""))
    p = load_study(path, {"groups": []})
    assert p.grouping_columns == ["gender", "wave"]
    raw, _ = io.load_study_data(p, path, root=tmp_path)
    assert {"gender", "wave"} <= set(raw.columns)
    res = cleaning.clean(raw, p.model_copy(update={"cleaning": p.cleaning.model_copy(update={"straightlining": False})}))
    assert {"gender", "wave"} <= set(res.data.columns)
