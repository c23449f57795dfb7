"""Shared test fixtures: the read-only ``shared/`` folder beside the project (datasets, references)."""
from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``<repo>/../shared`` (CI clones the repo next to it)."""
    return SHARED
