"""The study lock (csat.pipeline.lock): one build per study at a time, a dead holder's lock taken over."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time

import pytest

from csat.pipeline import lock
from csat.pipeline.build import main as build_main

HOLD = """
import sys, time
from csat.pipeline.lock import study_lock
with study_lock(sys.argv[1], "demo"):
    print("held", flush=True)
    time.sleep(60)
"""


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_a_second_build_stops_at_once_naming_the_holder(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        info = json.loads((tmp_path / "reports/demo/.build/lock").read_text())
        assert info["pid"] == holder.pid
        since = dt.datetime.fromisoformat(info["time"]).strftime("%H:%M")
        t0 = time.monotonic()
        with pytest.raises(lock.StudyLocked) as e:
            with lock.study_lock(tmp_path, "demo"):
                pass
        assert time.monotonic() - t0 < 1
        assert str(e.value) == (f"study demo is being built by process {holder.pid} since {since}; wait or remove "
                                "reports/demo/.build/lock if that process is gone")
    finally:
        holder.kill()
        holder.wait()
    with lock.study_lock(tmp_path, "demo") as stale:            # the holder died: its lock is free
        assert stale["pid"] == holder.pid


def test_a_stale_lock_of_a_dead_process_is_taken_over(tmp_path, capsys):
    f = tmp_path / "reports/demo/.build/lock"
    f.parent.mkdir(parents=True)
    (tmp_path / "reports/demo/results").mkdir()
    dead = _dead_pid()
    f.write_text(json.dumps({"pid": dead, "time": "2026-01-01T10:02:00+00:00"}) + "\n")
    rc = build_main(["lock", "--study", "demo", "--root", str(tmp_path), "--", sys.executable, "-c",
                     f"import json; d = json.load(open({str(f)!r})); assert d['pid'] != {dead}"])
    assert rc == 0
    err = capsys.readouterr().err
    assert f"note: study demo: took over the lock of process {dead}" in err and "no longer running" in err
    assert f.read_text() == ""                                      # released


def test_the_lock_is_released_when_the_command_fails_and_passes_its_status(tmp_path):
    (tmp_path / "reports/demo/results").mkdir(parents=True)
    assert build_main(["lock", "--study", "demo", "--root", str(tmp_path), "--", sys.executable, "-c",
                       "raise SystemExit(3)"]) == 3
    with lock.study_lock(tmp_path, "demo") as stale:
        assert stale is None


def test_a_refused_new_study_leaves_no_folder(tmp_path):
    assert build_main(["lock", "--study", "new", "--root", str(tmp_path), "--", sys.executable, "-c", "pass"]) == 0
    assert not (tmp_path / "reports" / "new").exists()


def test_the_lock_message_with_a_held_lock_is_one_line(tmp_path, capsys):
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        rc = build_main(["lock", "--study", "demo", "--root", str(tmp_path), "--", sys.executable, "-c", "pass"])
    finally:
        holder.kill()
        holder.wait()
    assert rc == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: study demo is being built by process {holder.pid} since ")
