"""The R numbers quoted in the docstring examples are R's numbers.

Each docstring example prints our value (checked by the doctest, see the root conftest.py) and then
quotes the R call that gives the same number, as ``R call`` → value.  tests/reference/
docstring_examples.R ran every one of those calls in R (lavaan, psych, semTools, survey, stats) and
stored the unrounded result in docstring_examples.json.  This test checks that each docstring quotes
that call and that the quoted value is R's value rounded to the digits shown.
"""
from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest

REF = json.loads((Path(__file__).parent / "reference" / "docstring_examples.json").read_text(encoding="utf-8"))
#: modules whose public functions carry researcher-facing examples (issue 16, item 6)
DOCUMENTED = ("intake.cleaning", "intake.readers", "stats.descriptives", "stats.reliability", "stats.factor",
              "stats.weights", "stats.drivers", "stats.segments", "stats.kano", "stats.servqual", "stats.tracking",
              "sem.ipma", "intake.preflight", "config.checks", "config.params")
NUMBER = re.compile(r"\s*→\s*(-?\d+(?:\.(\d+))?)")


def _docstring(func: str) -> str:
    module, name = func.rsplit(".", 1)
    doc = getattr(importlib.import_module(f"csat.{module}"), name).__doc__ or ""
    return " ".join(doc.split())             # line breaks inside a quoted call do not matter


@pytest.mark.parametrize("entry", REF, ids=[f"{e['func']}:{e['r_call'][:40]}" for e in REF])
def test_quoted_r_value(entry):
    doc = _docstring(entry["func"])
    call = "``" + " ".join(entry["r_call"].split()) + "``"
    assert call in doc, f"the docstring of csat.{entry['func']} does not quote {call}"
    m = NUMBER.match(doc, doc.index(call) + len(call))
    assert m, f"csat.{entry['func']}: no '→ value' after {call}"
    shown, decimals = float(m.group(1)), len(m.group(2) or "")
    assert abs(shown - entry["value"]) <= 0.5 * 10 ** -decimals + 1e-9, (
        f"csat.{entry['func']}: the docstring says {call} → {m.group(1)}, R gives {entry['value']:.6g}")


def test_every_quoted_r_call_has_a_reference():
    """A docstring that quotes an R result must have it in docstring_examples.json (no unchecked numbers)."""
    known = {(e["func"], " ".join(e["r_call"].split())) for e in REF}
    modules = {e["func"].rsplit(".", 1)[0] for e in REF} | set(DOCUMENTED)
    quoted = re.compile(r"``([^`]+)``\s*→\s*-?\d")
    missing = []
    for module in sorted(modules):
        mod = importlib.import_module(f"csat.{module}")
        for name, obj in vars(mod).items():
            if callable(obj) and getattr(obj, "__module__", None) == mod.__name__ and obj.__doc__:
                for call in quoted.findall(" ".join(obj.__doc__.split())):
                    if (f"{module}.{name}", call) not in known and "(" in call:
                        missing.append(f"csat.{module}.{name}: {call}")
    assert not missing, "R calls quoted without a reference value:\n" + "\n".join(missing)
