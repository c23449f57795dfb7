"""The stage runtime (csat.pipeline.stage): a stage kernel does not outlive the papermill that started it."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from procwatch import alive as _alive


MIDDLE_SCRIPT = """
import os, subprocess, sys, time
env = dict(os.environ, JPY_PARENT_PID=str(os.getpid()))
kid = subprocess.Popen([sys.executable, "-c",
                        "import time, csat.pipeline.stage as s; s.exit_with_parent(); print('ready', flush=True); time.sleep(120)"],
                       env=env, stdout=subprocess.PIPE, text=True, start_new_session=True)
assert kid.stdout.readline().strip() == "ready"
print(kid.pid, flush=True)
time.sleep(120)
"""


def test_a_kernel_ends_when_papermill_is_killed(tmp_path):
    """The kernel (own session, JPY_PARENT_PID set, as jupyter_client starts it) ends with its parent."""
    script = tmp_path / "middle.py"
    script.write_text(MIDDLE_SCRIPT)
    middle = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    kernel = int(middle.stdout.readline())
    assert _alive(kernel)
    middle.kill()
    middle.wait()
    for _ in range(300):
        if not _alive(kernel):
            break
        time.sleep(0.1)
    alive = _alive(kernel)
    if alive:
        os.kill(kernel, signal.SIGKILL)
    assert not alive


def test_a_diagnostic_names_only_the_study_codes_where_it_applies():
    """The reader's list of diagnostics shows ``where`` only when it is the study's own item, construct or
    column (a program word such as ``missing_codes`` or ``segments`` is left out) and never the code."""
    from types import SimpleNamespace

    from csat.pipeline.stage import diagnostic_item, reader_names, where_text

    params = SimpleNamespace(items=["qual1", "sat1"], constructs={"QUAL": None, "SAT": None},
                             data_columns=["qual1", "sat1", "region"], kano=None, servqual=None)
    names = reader_names(params)
    assert names == {"qual1", "sat1", "QUAL", "SAT", "region"}
    assert where_text("CFA: SAT ~~ QUAL", names) == "SAT – QUAL"
    assert where_text("segments", names) == where_text("estimator", names) == ""
    d = {"code": "segments_weak", "severity": "warning", "where": "segments", "message": "Weak clusters."}
    assert diagnostic_item(d, "en", names) == ('<li class="csat-diag csat-diag-warning" title="segments_weak">'
                                               '<b>WARNING</b> Weak clusters.</li>')
    assert "<b>WARNING</b> region: Weak" in diagnostic_item({**d, "where": "region"}, "en", names)
