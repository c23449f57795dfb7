"""Warm kernels (csat.pipeline.warm): which stages get one, and that one is claimed once, used, and never
outlives the build.  The end-to-end use (every stage of the demo on a warm kernel, byte-identical
results without them) is in tests/integration/test_pipeline.py."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from csat.core import paths
from csat.core.procs import alive
from csat.pipeline import warm
from csat.pipeline.graph import STAGES, prerequisites


def _wait(cond, timeout: float = 30.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def test_started_by_boots_each_stage_once_after_its_last_prerequisite():
    assert warm.started_by("01_cleaning") == ["02_descriptives", "03_reliability_validity"]
    assert warm.started_by("02_descriptives") == ["06_drivers_segments"]
    assert warm.started_by("03_reliability_validity") == ["04_factor_analysis", "05_sem"]
    assert warm.started_by("04_factor_analysis") == warm.started_by("05_sem") == warm.started_by("06_drivers_segments") == []
    booted = [t for s in STAGES for t in warm.started_by(s)]
    # every stage that reads another stage is booted by exactly one stage; the first stage by prepare
    assert sorted(booted) == sorted(t for t in STAGES if prerequisites(t))
    assert len(booted) == len(set(booted))


# file times are set in the future, so that the environment's own stamp (.venv/.installed, a
# prerequisite of every stage) is always older, whenever it was installed
T = time.time() + 10_000


def _project(tmp_path: Path, study: str = "s") -> Path:
    """A project tree with every file the Makefile's stage rules name, all written at time T."""
    files = [tmp_path / "src" / "csat" / "a.py", paths.build_dir(tmp_path, study) / "deps.mk",
             paths.build_dir(tmp_path, study) / "raw.json"]
    for s in STAGES:
        files += [tmp_path / "notebooks" / f"{s}.ipynb", paths.build_dir(tmp_path, study) / f"stage-{s}.json"]
    for f in files:
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text("x")
        os.utime(f, (T, T))
    return tmp_path


def _built(root: Path, stages, when: float, study: str = "s") -> None:
    for s in stages:
        f = paths.stage_notebook(root, study, s)
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text("{}")
        os.utime(f, (when, when))


def _touch(f: Path, when: float) -> None:
    os.utime(f, (when, when))


def test_first_wave_follows_what_make_will_run(tmp_path):
    root = _project(tmp_path)
    build = paths.build_dir(root, "s")
    assert warm.out_of_date(root, "s") == STAGES                  # nothing built
    assert warm.first_wave(root, "s") == ["01_cleaning"]
    _built(root, STAGES, T + 100)
    assert warm.out_of_date(root, "s") == [] and warm.first_wave(root, "s") == []
    _touch(build / "stage-05_sem.json", T + 200)                  # a SEM-only parameter changed
    assert warm.out_of_date(root, "s") == ["05_sem"] and warm.first_wave(root, "s") == ["05_sem"]
    _built(root, ["05_sem"], T + 300)
    _touch(build / "stage-03_reliability_validity.json", T + 400)   # 03 and what reads it
    assert warm.out_of_date(root, "s") == ["03_reliability_validity", "04_factor_analysis", "05_sem"]
    assert warm.first_wave(root, "s") == ["03_reliability_validity"]
    _built(root, STAGES, T + 500)
    _touch(build / "raw.json", T + 600)                           # new raw data
    assert warm.out_of_date(root, "s") == STAGES
    assert warm.first_wave(root, "s") == ["01_cleaning"]
    _built(root, STAGES, T + 700)
    _touch(root / "src" / "csat" / "a.py", T + 800)               # the package changed: everything
    assert warm.out_of_date(root, "s") == STAGES


@pytest.fixture()
def owner():
    proc = subprocess.Popen(["sleep", "300"])
    yield proc
    proc.kill()
    proc.wait()


def test_warm_kernel_is_claimed_once_runs_code_in_the_project_and_is_released(tmp_path, owner):
    rec = warm.spawn(tmp_path, "s", "05_sem", owner.pid)
    assert rec == warm.record_path(tmp_path, "s", "05_sem") and rec.is_file()
    assert warm.spawn(tmp_path, "s", "05_sem", owner.pid) is None          # one is waiting already
    pid = json.loads(rec.read_text())["pid"]
    km = warm.claim(tmp_path, "s", "05_sem")
    assert km is not None and km.has_kernel and km.is_alive()
    assert warm.claim(tmp_path, "s", "05_sem") is None                     # claimed: nobody else gets it
    assert not rec.exists() and [p.name for p in warm._claimed(rec)] == [f"05_sem.claimed-{os.getpid()}.json"]
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        out = []
        reply = kc.execute_interactive("import os, sys; print(os.getcwd(), 'numpy' in sys.modules)", timeout=60,
                                       output_hook=lambda m: out.append(m["content"].get("text", "")))
        assert reply["content"]["status"] == "ok"
        assert "".join(out).split() == [str(tmp_path), "True"]             # in the project, modules preloaded
    finally:
        kc.stop_channels()
    km.shutdown_kernel(now=True)                                           # what csat.pipeline.build does after a stage
    assert not alive(pid)
    assert not list(paths.warm_kernels_dir(tmp_path, "s").iterdir())      # record, connection file, log gone


def test_unclaimed_warm_kernel_exits_when_its_owner_does(tmp_path, owner):
    rec = warm.spawn(tmp_path, "s", "02_descriptives", owner.pid)
    pid = json.loads(rec.read_text())["pid"]
    _wait_ready(rec)                                                       # booted, watchdog running
    assert alive(pid)
    owner.kill()
    owner.wait()
    assert _wait(lambda: not alive(pid), 10)
    assert warm.claim(tmp_path, "s", "02_descriptives") is None            # its record is not used ...
    assert warm.remove_stale(tmp_path, "s") == []                          # ... and was removed by the claim


def test_claimed_kernel_exits_when_the_stage_that_claimed_it_dies(tmp_path, owner):
    rec = warm.spawn(tmp_path, "s", "04_factor_analysis", owner.pid)
    pid = json.loads(rec.read_text())["pid"]
    code = ("import sys, time; from csat.pipeline import warm; km = warm.claim(sys.argv[1], 's', '04_factor_analysis'); "
            "print(km is not None, flush=True); time.sleep(300)")
    claimer = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert claimer.stdout.readline().strip() == "True"
        assert alive(pid)
    finally:
        claimer.kill()                                                     # the stage is killed: no release
        claimer.wait()
    assert _wait(lambda: not alive(pid), 60)
    removed = warm.remove_stale(tmp_path, "s")                             # its claimed record is cleared
    assert [p.name for p in removed] == [f"04_factor_analysis.claimed-{claimer.pid}.json"]
    assert not list(paths.warm_kernels_dir(tmp_path, "s").iterdir())


def test_a_record_of_another_process_is_never_used_or_signalled(tmp_path, owner):
    """A record left by a killed build whose pid now belongs to another program (here: `sleep`)."""
    rec = warm.record_path(tmp_path, "s", "03_reliability_validity")
    rec.parent.mkdir(parents=True)
    rec.write_text(json.dumps({"pid": owner.pid, "kernel": "python3", "connection": {}}))
    assert warm.claim(tmp_path, "s", "03_reliability_validity") is None
    assert owner.poll() is None                                            # not killed
    assert not rec.exists() and not warm._claimed(rec)


def test_warm_kernels_can_be_turned_off(tmp_path, owner, monkeypatch):
    monkeypatch.setenv("CSAT_WARM_KERNELS", "0")
    assert not warm.enabled()
    assert warm.spawn(tmp_path, "s", "05_sem", owner.pid) is None
    assert not paths.warm_kernels_dir(tmp_path, "s").exists()


def _wait_ready(rec: Path) -> None:
    """Wait until the kernel of an unclaimed record answers (without claiming it)."""
    from jupyter_client import BlockingKernelClient

    # a client with no manager judges the kernel by its heartbeat, which a kernel still booting on a loaded
    # machine may not answer within a second ("Kernel died before replying to kernel_info"): ask again
    import time

    end = time.monotonic() + 60
    while True:
        kc = BlockingKernelClient()
        kc.load_connection_info(json.loads(rec.read_text())["connection"])
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=60)
            return
        except RuntimeError:
            if time.monotonic() > end:
                raise
        finally:
            kc.stop_channels()
        time.sleep(0.5)


# ---------------------------------------------------------------- the fork server (csat.pipeline.forkserver)
@pytest.mark.skipif(sys.platform != "linux", reason="the fork server is Linux only")
def test_zygote_forks_ready_kernels_and_ends_with_its_owner(tmp_path, owner):
    from csat.pipeline import forkserver as zygote

    kdir = paths.warm_kernels_dir(tmp_path.resolve(), "s")
    assert warm.start_zygote(tmp_path, "s", owner.pid) is not None
    assert warm.start_zygote(tmp_path, "s", owner.pid) is None               # one per study
    assert warm.zygote_running(tmp_path, "s")
    rec = warm.spawn(tmp_path, "s", "06_drivers_segments", owner.pid, wait_for_zygote=60)
    zpid = json.loads(zygote.record_path(kdir).read_text())["pid"]
    pid = json.loads(rec.read_text())["pid"]
    assert Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1] == str(zpid)   # forked by it
    km = warm.claim(tmp_path, "s", "06_drivers_segments")
    assert km is not None
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        out = []
        code = ("import os, sys, threading, matplotlib; print(os.getcwd(), os.environ['CSAT_WARM_RECORD'], "
                "matplotlib.get_backend(), 'csat-warm-watchdog' in [t.name for t in threading.enumerate()])")
        reply = kc.execute_interactive(code, timeout=60, output_hook=lambda m: out.append(m["content"].get("text", "")))
        assert reply["content"]["status"] == "ok"
        cwd, record, backend, watchdog = "".join(out).split()
        assert (cwd, record, watchdog) == (str(tmp_path), str(rec), "True")
        assert backend == "module://matplotlib_inline.backend_inline"        # as in a kernel started as a program
    finally:
        kc.stop_channels()
    log = warm.release(km)
    assert not alive(pid) and "Traceback" not in log
    owner.kill()
    owner.wait()
    assert _wait(lambda: not alive(zpid), 10)
    assert not zygote.record_path(kdir).exists() and not warm.zygote_running(tmp_path, "s")


ZTEST = """
import os, sys, time

IMPORTED_BY = os.getpid()


def main(argv):
    if argv == ["preloaded"]:                # imported by the zygote before it forked this process
        return 0 if IMPORTED_BY != os.getpid() else 1
    print("out", *argv, flush=True)
    print("err", os.environ.get("ZTEST_VAR"), os.getcwd(), file=sys.stderr, flush=True)
    if argv and argv[0] == "sleep":
        with open(argv[1], "w") as fh:
            fh.write(str(os.getpid()))
        time.sleep(120)
    return 3
"""


@pytest.fixture()
def zygote_dir(tmp_path, owner, monkeypatch):
    """A running fork server whose interpreter can import the test command module csat_ztest."""
    from csat.pipeline import forkserver as zygote

    (tmp_path / "mods").mkdir()
    (tmp_path / "mods" / "csat_ztest.py").write_text(ZTEST)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(tmp_path / "mods"), os.environ.get("PYTHONPATH")])))
    assert warm.start_zygote(tmp_path, "s", owner.pid, commands=["csat_ztest"]) is not None
    kdir = paths.warm_kernels_dir(tmp_path.resolve(), "s")
    assert _wait(lambda: zygote.record_path(kdir).exists(), 60)
    return kdir


def _client(kdir: Path, argv: list[str], cwd: Path) -> subprocess.Popen:
    code = ("import sys; from csat.pipeline import forkserver as zygote; "
            f"rc = zygote.call({str(kdir)!r}, 'csat_ztest', {argv!r}); sys.exit(99 if rc is None else rc)")
    return subprocess.Popen([sys.executable, "-c", code], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=dict(os.environ, ZTEST_VAR="v"))


@pytest.mark.skipif(sys.platform != "linux", reason="the fork server is Linux only")
def test_a_command_forked_from_the_zygote_uses_the_callers_streams_env_and_exit_status(zygote_dir, tmp_path):
    c = _client(zygote_dir, ["a", "b"], tmp_path)
    out, err = c.communicate(timeout=60)
    assert (c.returncode, out, err) == (3, "out a b\n", f"err v {tmp_path}\n")


@pytest.mark.skipif(sys.platform != "linux", reason="the fork server is Linux only")
def test_a_forked_command_is_stopped_with_its_caller(zygote_dir, tmp_path):
    import signal

    for how in (signal.SIGTERM, signal.SIGKILL):            # Make interrupted; the caller killed outright
        pidfile = tmp_path / f"pid-{how}"
        c = _client(zygote_dir, ["sleep", str(pidfile)], tmp_path)
        assert _wait(lambda: pidfile.exists() and pidfile.read_text(), 60)
        pid = int(pidfile.read_text())
        assert alive(pid)
        c.send_signal(how)
        c.wait(timeout=30)
        assert _wait(lambda: not alive(pid), 10), how
        if how == signal.SIGTERM:
            assert c.returncode != 0                         # the command did not finish: a failure


@pytest.mark.skipif(sys.platform != "linux", reason="the fork server is Linux only")
def test_the_zygote_preloads_the_command_modules_it_is_given(zygote_dir, tmp_path):
    """Once idle, the zygote imports the modules its starter named (here the test command's), so that a
    command forked from it finds its module imported already; the zygote names no csat module itself."""
    end = time.monotonic() + 120
    while True:
        c = _client(zygote_dir, ["preloaded"], tmp_path)
        c.communicate(timeout=60)
        if c.returncode == 0 or time.monotonic() > end:
            break
        time.sleep(1.0)                  # the zygote imports them once it has had no request for a moment
    assert c.returncode == 0


def test_kernels_listen_on_unix_sockets_not_tcp_ports(tmp_path):
    """No TCP port is chosen for a kernel (bind to 0, close, hand over: another kernel booting at the same moment
    could take it first, "ZMQError: Address already in use"): each kernel gets sockets under a new name."""
    from csat.pipeline import warm as w

    path, info = w._write_connection_file(tmp_path / "k.connection.json", "python3")
    assert info["transport"] == "ipc" and len(str(info["ip"])) < 80
    km = w.kernel_manager_class()(kernel_name="python3")
    assert km.transport == "ipc" and km.ip != info["ip"]
    assert len({w.ipc_prefix() for _ in range(100)}) == 100
