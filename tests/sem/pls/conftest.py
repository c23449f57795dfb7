"""Fixtures of the :mod:`csat.sem.pls` tests: every seminr reference model fitted (``case``, one per model)
and the Primer's simple corporate-reputation model (``small``), module-scoped."""
from __future__ import annotations

from pathlib import Path

import pytest

from csat.sem import pls

from conftest import SHARED
from sem.pls.seminr_ref import MODELS, REF, load


@pytest.fixture(scope="module", params=MODELS)
def case(request):
    shared = SHARED
    name = request.param
    df = load(name, shared)
    return name, REF[name], df, pls.pls_fit(REF[name]["syntax"], df)


@pytest.fixture(scope="module")
def small():
    df = load("corp_simple", Path("."))
    return pls.pls_fit(REF["corp_simple"]["syntax"], df)
