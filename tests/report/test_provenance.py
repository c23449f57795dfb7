"""csat.report.provenance: the git commit of the project and the pinned versions of requirements.lock.
(The provenance section of a built report is checked in test_html.py.)"""
from __future__ import annotations

import subprocess

from csat.report import provenance


def test_git_info_in_repo():
    from pathlib import Path

    here = Path(__file__).resolve().parents[2]
    info = provenance.git_info(here)
    head = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True, text=True)
    if head.returncode == 0:
        assert info["commit"] == head.stdout.strip() and info["dirty"] in (True, False)
    else:
        assert info["commit"] == "unknown"


def test_read_lock_normalises_names(tmp_path):
    lock = tmp_path / "requirements.lock"
    lock.write_text("# pinned\nfactor_analyzer==0.5.1\nPyYAML==6.0.3\njupyter-core==5.9.1 ; python_version>'3'\n-e .\n")
    assert provenance.read_lock(lock) == {"factor-analyzer": "0.5.1", "pyyaml": "6.0.3", "jupyter-core": "5.9.1"}
