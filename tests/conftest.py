"""Shared test fixtures: the read-only ``shared/`` folder beside the project (datasets, references)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

# every diagnostic code written to results/diagnostics.json must be registered (csat.core.codes);
# set before any test, so the notebook kernels that integration tests start inherit it
os.environ["CSAT_STRICT_DIAGNOSTICS"] = "1"

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``<repo>/../shared`` (CI clones the repo next to it)."""
    return SHARED
