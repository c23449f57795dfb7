"""The Chinese survey fixture of the studies of any shape (issue #19): Unicode names, a continuous item, a
single-item construct, a model with or without a structural part.

tests/fixtures/zh_survey.csv is a GBK export (made by tests/fixtures/make_zh_survey.py; its params are
tests/fixtures/zh_survey.yaml); the ``zh`` fixture of tests/conftest.py reads it.  :data:`REF` holds
lavaan 0.6-14's results for it: tests/reference/single_item_sem.json, made by
tests/reference/single_item_sem.R.
"""
from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIX = HERE / "fixtures"
REF = json.loads((HERE / "reference" / "single_item_sem.json").read_text(encoding="utf-8"))
ZH_CONS = {"服务": ["服务1", "服务2", "服务3"], "价格": ["价格1", "价格2", "价格3"], "满意": ["满意度"],
           "忠诚": ["忠诚1", "忠诚2", "忠诚3"]}
