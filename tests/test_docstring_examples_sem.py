"""The R numbers quoted in the docstring examples of csat.sem, csat.sem.effects, csat.sem.multigroup and
csat.analyses.verdicts are R's numbers: tests/reference/docstring_examples_sem.R ran each quoted call in R
(lavaan 0.6-14) and stored the unrounded value; each docstring must quote that call followed by
``→ value``, the value being R's rounded to the digits shown.  (The examples themselves run as
doctests and print our numbers.)"""
from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest

REF = json.loads((Path(__file__).parent / "reference" / "docstring_examples_sem.json").read_text(encoding="utf-8"))
NUMBER = re.compile(r"\s*→\s*(-?\d+(?:\.(\d+))?)")


@pytest.mark.parametrize("entry", REF, ids=[f"{e['func']}:{e['r_call'][:40]}" for e in REF])
def test_quoted_r_value(entry):
    module, name = entry["func"].rsplit(".", 1)
    doc = " ".join((getattr(importlib.import_module(f"csat.{module}"), name).__doc__ or "").split())
    call = "``" + " ".join(entry["r_call"].split()) + "``"
    assert call in doc, f"csat.{entry['func']} does not quote {call}"
    m = NUMBER.match(doc, doc.index(call) + len(call))
    assert m, f"csat.{entry['func']}: no '→ value' after {call}"
    decimals = len(m.group(2) or "")
    assert abs(float(m.group(1)) - entry["value"]) <= 0.5 * 10 ** -decimals + 1e-9, (
        f"csat.{entry['func']}: the docstring says {call} → {m.group(1)}, R gives {entry['value']:.6g}")
