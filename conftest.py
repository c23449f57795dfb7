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
- ``hs_constructs``: the three factors of lavaan's ``HS.model``, ``{"visual": ["x1", "x2", "x3"],
  "textual": ["x4", "x5", "x6"], "speed": ["x7", "x8", "x9"]}``;
- ``hs_fit``: that CFA fitted to ``holzinger`` (``csat.sem.fit(measurement_model(hs_constructs),
  holzinger)``; R's ``fit <- lavaan::cfa(HS.model, HS)``);
- ``poldem``: ``political_democracy.csv`` (Bollen 1989, 75 countries; lavaan's ``PoliticalDemocracy``);
- ``ecsi``: ``ecsi_satisfaction.csv`` (ECSI mobile-phone survey, 250 respondents, 1-10 items + gender;
  plspm's ``mobi``);
- ``demo_params``, ``demo_raw``, ``demo_intake``, ``demo_clean``: the demo study (``params/demo.yaml``,
  600 simulated respondents): its parameters, the raw data and intake report of
  :func:`csat.intake.readers.load_study_data`, and the :class:`csat.intake.cleaning.CleaningResult` of
  :func:`csat.intake.cleaning.clean`.

``hs_fit`` and the demo study are made once per session, and only for the docstrings that name them;
an example must not change any of these objects.

A researcher running an example by hand gets the same objects with, e.g.,
``ecsi = pd.read_csv("../shared/datasets/ecsi_satisfaction.csv")``, and the demo study (in the project
root) with::

    from csat.config.params import load_params
    from csat.intake.cleaning import clean
    from csat.intake.readers import load_study_data
    demo_params = load_params("params/demo.yaml", root=".")
    demo_raw, demo_intake = load_study_data(demo_params, "params/demo.yaml", root=".")
    demo_clean = clean(demo_raw, demo_params)
"""
from __future__ import annotations

from functools import cache
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


@cache
def _demo_study() -> dict:
    """The demo study's objects of the doctest namespace (read on first use)."""
    from csat.config.params import load_params
    from csat.intake.cleaning import clean
    from csat.intake.readers import load_study_data

    path = PROJECT / "params" / "demo.yaml"
    params = load_params(path, root=PROJECT)
    raw, intake = load_study_data(params, path, root=PROJECT)
    return dict(demo_params=params, demo_raw=raw, demo_intake=intake, demo_clean=clean(raw, params))


#: The three-factor model of Holzinger & Swineford (lavaan's ``HS.model``) as ``{construct: [item, ...]}``.
HS_CONSTRUCTS = {"visual": ["x1", "x2", "x3"], "textual": ["x4", "x5", "x6"], "speed": ["x7", "x8", "x9"]}


@cache
def _hs_fit():
    """The CFA of :data:`HS_CONSTRUCTS` on ``holzinger1939.csv`` (fitted on first use)."""
    import csat.sem
    from csat.sem.measurement import measurement_model

    return csat.sem.fit(measurement_model(HS_CONSTRUCTS), pd.read_csv(DATASETS / "holzinger1939.csv"))


@pytest.fixture(autouse=True)
def _csat_doctest_namespace(request, doctest_namespace):
    """Fill the doctest namespace (only doctests use it; ordinary tests are unaffected)."""
    if not isinstance(request.node, pytest.DoctestItem):
        return
    doctest_namespace.update(np=np, pd=pd, datasets=DATASETS, project=PROJECT,
                             holzinger=pd.read_csv(DATASETS / "holzinger1939.csv"),
                             poldem=pd.read_csv(DATASETS / "political_democracy.csv"),
                             ecsi=pd.read_csv(DATASETS / "ecsi_satisfaction.csv"),
                             hs_constructs={k: list(v) for k, v in HS_CONSTRUCTS.items()})
    docstring = request.node.dtest.docstring or ""
    if "hs_fit" in docstring:
        doctest_namespace.update(hs_fit=_hs_fit())
    if "demo_" in docstring:
        doctest_namespace.update(_demo_study())
