"""Doctests of ``src/csat``: every module's docstring examples run as tests (part of ``make test``).

``pytest`` (``testpaths`` in pyproject.toml include ``src/csat``) collects each module of the package
as a doctest module through :func:`pytest_collect_file` below -- the same as ``pytest
--doctest-modules src/csat``, but without importing the scripts under ``tests/reference`` (which
need packages the project does not install).  Option flags: ``doctest_optionflags`` in
pyproject.toml (NORMALIZE_WHITESPACE, ELLIPSIS, NUMBER).

The examples in the docstrings run on the shared datasets beside the project (``../shared/datasets``,
read-only, as in ``tests/conftest.py``).  Every example can use these names without importing them:

- ``np``, ``pd``: numpy and pandas;
- ``datasets``: the folder ``../shared/datasets`` (a :class:`pathlib.Path`);
- ``project``: the project root (for ``params/demo.yaml`` and ``data/raw/demo.csv``);
- ``holzinger``: ``holzinger1939.csv`` (Holzinger & Swineford 1939, 301 pupils; lavaan's
  ``HolzingerSwineford1939``);
- ``poldem``: ``political_democracy.csv`` (Bollen 1989, 75 countries; lavaan's ``PoliticalDemocracy``);
- ``ecsi``: ``ecsi_satisfaction.csv`` (ECSI mobile-phone survey, 250 respondents, 1-10 items + gender;
  plspm's ``mobi``).

A researcher running an example by hand gets the same objects with, e.g.,
``ecsi = pd.read_csv("../shared/datasets/ecsi_satisfaction.csv")``.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from _pytest.doctest import DoctestModule

PROJECT = Path(__file__).resolve().parent
PACKAGE = PROJECT / "src" / "csat"
DATASETS = PROJECT.parent / "shared" / "datasets"


def pytest_collect_file(file_path, parent):
    """Collect every ``src/csat/**/*.py`` as a doctest module (unless --doctest-modules already does)."""
    if (file_path.suffix == ".py" and PACKAGE in file_path.parents
            and not parent.config.getoption("doctestmodules", False)):
        return DoctestModule.from_parent(parent, path=file_path)
    return None


@pytest.fixture(autouse=True)
def _csat_doctest_namespace(request, doctest_namespace):
    """Fill the doctest namespace (only doctests use it; ordinary tests are unaffected)."""
    if not isinstance(request.node, pytest.DoctestItem):
        return
    doctest_namespace.update(np=np, pd=pd, datasets=DATASETS, project=PROJECT,
                             holzinger=pd.read_csv(DATASETS / "holzinger1939.csv"),
                             poldem=pd.read_csv(DATASETS / "political_democracy.csv"),
                             ecsi=pd.read_csv(DATASETS / "ecsi_satisfaction.csv"))
