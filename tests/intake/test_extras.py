"""csat.intake.extras: answers of columns read from the raw file, aligned to the cleaned respondents."""
from __future__ import annotations

import numpy as np
import pandas as pd

from csat.intake.extras import numeric_answers, raw_columns
from csat.config.params import validate_params


def test_numeric_answers_apply_missing_codes_labels_and_range():
    s = pd.Series(["1", 5, "99", None, "", "我喜欢", "LIKE", "7", "abc", 3.0])
    v, bad = numeric_answers(s, missing_codes=[99], labels={"我喜欢": 1, "like": 1}, lo=1, hi=5)
    assert v.iloc[0] == 1 and v.iloc[1] == 5 and v.iloc[2:5].isna().all()
    assert v.iloc[5] == 1 and v.iloc[6] == 1 and np.isnan(v.iloc[7]) and np.isnan(v.iloc[8]) and v.iloc[9] == 3
    assert bad == 2                                          # "7" out of range, "abc" unmapped


def test_raw_columns_follow_the_clean_rows(tmp_path):
    (tmp_path / "d.csv").write_text("q1,k\n1,a\n2,b\n3,c\n4,d\n", encoding="utf-8")
    p = validate_params({"study": "s", "data": {"path": "d.csv"}, "constructs": {"Q": {"items": ["q1"]}}})
    clean = pd.DataFrame({"row": [2, 4], "q1": [2.0, 4.0]})     # rows 1 and 3 were excluded by 01
    out = raw_columns(p, tmp_path / "params" / "s.yaml", clean, ["k", "q1"], root=tmp_path)
    assert out["k"].tolist() == ["b", "d"] and out["q1"].tolist() == [2.0, 4.0]
    assert out.index.equals(clean.index)
