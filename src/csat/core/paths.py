"""Where a study's files live: the one module that knows the project's directory layout.

::

    params/<study>.yaml                 the study (input)
    data/raw/                           raw data (input; never written by the pipeline)
    data/processed/<study>/             cleaned data written by 01_cleaning
    reports/<study>/                    executed notebooks, their HTML, report.html, report.pdf
    reports/<study>/results/            machine-readable results (lavaan names)
    reports/<study>/figures/            figures (PNG)
    reports/<study>/runinfo/            when each stage ran and how long it took (provenance)
    reports/<study>/.build/             build bookkeeping (stamps, status, manifests, deps.mk)
    reports/<study>/.build/kernels/     warm Jupyter kernels waiting for the next stages (csat.pipeline.warm)
    reports/index.html                  the index of every study

Every function takes the project ``root`` (a path) and returns a :class:`pathlib.Path` under it;
nothing here creates or reads a file.

Example
-------
>>> from csat.core import paths
>>> paths.results_dir("/proj", "demo").as_posix()
'/proj/reports/demo/results'
>>> paths.relative(paths.processed_dir("/proj", "demo") / "clean.parquet", "/proj")
'data/processed/demo/clean.parquet'
"""
from __future__ import annotations

from pathlib import Path

REPORTS = "reports"
PROCESSED = ("data", "processed")
RAW = ("data", "raw")
PARAMS = "params"
#: sub-folders of ``reports/<study>/``
RESULTS = "results"
FIGURES = "figures"
RUNINFO = "runinfo"
BUILD = ".build"


def reports_root(root: str | Path) -> Path:
    """``reports/``: every study's report folder and the index."""
    return Path(root) / REPORTS


def report_dir(root: str | Path, study: str) -> Path:
    """``reports/<study>/``: the executed notebooks, their HTML and the report."""
    return reports_root(root) / study


def results_dir(root: str | Path, study: str) -> Path:
    """``reports/<study>/results/``: the machine-readable results."""
    return report_dir(root, study) / RESULTS


def result_file(root: str | Path, study: str, name: str) -> Path:
    """``reports/<study>/results/<name>``."""
    return results_dir(root, study) / name


def figures_dir(root: str | Path, study: str) -> Path:
    """``reports/<study>/figures/``."""
    return report_dir(root, study) / FIGURES


def runinfo_dir(root: str | Path, study: str) -> Path:
    """``reports/<study>/runinfo/``: each stage's run time and finish time (provenance, not results)."""
    return report_dir(root, study) / RUNINFO


def build_dir(root: str | Path, study: str) -> Path:
    """``reports/<study>/.build/``: stamps, build status, output manifests, ``deps.mk``."""
    return report_dir(root, study) / BUILD


def warm_kernels_dir(root: str | Path, study: str) -> Path:
    """``reports/<study>/.build/kernels/``: the records of warm kernels booted for the next stages."""
    return build_dir(root, study) / "kernels"


def processed_dir(root: str | Path, study: str) -> Path:
    """``data/processed/<study>/``: the cleaned data 01_cleaning writes for the later stages."""
    return processed_root(root) / study


def processed_root(root: str | Path) -> Path:
    """``data/processed/``: every study's cleaned data."""
    return Path(root).joinpath(*PROCESSED)


def raw_dir(root: str | Path) -> Path:
    """``data/raw/``: raw data, never written by the pipeline."""
    return Path(root).joinpath(*RAW)


def params_file(root: str | Path, study: str) -> Path:
    """``params/<study>.yaml``."""
    return Path(root) / PARAMS / f"{study}.yaml"


def index_file(root: str | Path) -> Path:
    """``reports/index.html``."""
    return reports_root(root) / "index.html"


def stage_notebook(root: str | Path, study: str, stage: str) -> Path:
    """``reports/<study>/<stage>.ipynb``: the executed notebook of a stage."""
    return report_dir(root, study) / f"{stage}.ipynb"


def relative(path: str | Path, root: str | Path) -> str:
    """``path`` relative to ``root`` in POSIX form (as Make and manifests write it), or the
    absolute path if it lies outside ``root``."""
    path, root = Path(path), Path(root)
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def project_root(params_path: str | Path) -> Path:
    """The project a params file belongs to: the folder above ``params/`` (``/proj`` for
    ``/proj/params/demo.yaml``), else the working folder."""
    params_path = Path(params_path).resolve()
    if params_path.parent.name == PARAMS:
        return params_path.parent.parent
    return Path.cwd()


__all__ = ["reports_root", "report_dir", "results_dir", "result_file", "figures_dir", "runinfo_dir", "build_dir",
           "processed_dir", "processed_root", "raw_dir", "params_file", "index_file", "stage_notebook", "relative",
           "project_root"]
