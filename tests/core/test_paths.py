"""paths.py is the one module that knows the project's layout."""
from __future__ import annotations

import re
from pathlib import Path

from csat.core import paths

SRC = Path(__file__).resolve().parents[2] / "src" / "csat"


def test_layout():
    r = Path("/p")
    assert paths.report_dir(r, "s") == r / "reports" / "s"
    assert paths.results_dir(r, "s") == r / "reports" / "s" / "results"
    assert paths.result_file(r, "s", "x.csv") == r / "reports" / "s" / "results" / "x.csv"
    assert paths.figures_dir(r, "s") == r / "reports" / "s" / "figures"
    assert paths.runinfo_dir(r, "s") == r / "reports" / "s" / "runinfo"
    assert paths.build_dir(r, "s") == r / "reports" / "s" / ".build"
    assert paths.processed_dir(r, "s") == r / "data" / "processed" / "s"
    assert paths.params_file(r, "s") == r / "params" / "s.yaml"
    assert paths.index_file(r) == r / "reports" / "index.html"
    assert paths.stage_notebook(r, "s", "05_sem") == r / "reports" / "s" / "05_sem.ipynb"


def test_no_other_module_builds_these_paths():
    pattern = re.compile(r'/ "(reports|processed|results|figures|runinfo|\.build)"|"reports" /|"processed" /')
    offenders = []
    for f in sorted(SRC.rglob("*.py")):
        if f.name == "paths.py":
            continue
        for i, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{f.relative_to(SRC)}:{i}: {line.strip()}")
    assert not offenders, "build these paths with csat.core.paths:\n" + "\n".join(offenders)
