"""Shared test fixtures: the read-only ``shared/`` folder beside the project (datasets, references) and the
Chinese survey fixture."""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from zhsurvey import FIX

# every diagnostic code written to results/diagnostics.json must be registered (csat.core.codes);
# set before any test, so the notebook kernels that integration tests start inherit it
os.environ["CSAT_STRICT_DIAGNOSTICS"] = "1"

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``<repo>/../shared`` (CI clones the repo next to it)."""
    return SHARED


@pytest.fixture(scope="module")
def zh() -> pd.DataFrame:
    """The Chinese survey export tests/fixtures/zh_survey.csv (GBK; its constructs and lavaan reference are
    in zhsurvey.py)."""
    return pd.read_csv(FIX / "zh_survey.csv", encoding="gbk")
