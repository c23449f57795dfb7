"""Fixtures of the :mod:`csat.sem` tests: the Holzinger–Swineford and political-democracy data, their
lavaan references (``shared/reference/*.json``, made by ``shared/reference/make_refs.R``) and the fits of
their models (module-scoped: fitted once per test module that uses them)."""
from __future__ import annotations

import json

import pytest

from csat.sem import fit

from conftest import SHARED
from sem.lavaan_checks import dataset


@pytest.fixture(scope="module")
def hs_data():
    return dataset("holzinger1939")


@pytest.fixture(scope="module")
def pd_data():
    return dataset("political_democracy")


@pytest.fixture(scope="module")
def hs_ref():
    return json.loads((SHARED / "reference" / "holzinger1939.json").read_text())


@pytest.fixture(scope="module")
def pd_ref():
    return json.loads((SHARED / "reference" / "political_democracy.json").read_text())


@pytest.fixture(scope="module")
def hs_fit(hs_data, hs_ref):
    return fit(hs_ref["model"], hs_data)


@pytest.fixture(scope="module")
def pd_fit(pd_data, pd_ref):
    return fit(pd_ref["model"], pd_data)
