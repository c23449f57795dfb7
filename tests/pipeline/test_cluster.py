"""Studies and bootstraps on a Dask cluster (csat.pipeline.cluster, issue 37).

Unit tests: the environment check names what a worker lacks; the ML and PLS bootstraps give the same draws and
intervals whether their chunks run here or on a LocalCluster of two worker processes (``map_chunks``).
Integration (``-m integration``): a programme of six small studies (tests/studyfactory.py's mini study under six
names, seeds and data) and one with a params error, built on a LocalCluster of two workers: results byte-identical
to a serial ``make -k -j1 all``, the bad study FAILED at prepare on the index and the others built; a worker killed
mid-study and the programme still completes, identical.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from csat.core import paths
from csat.pipeline import cluster

ROOT = Path(__file__).resolve().parents[2]
VENV = (ROOT / ".venv").resolve()


@pytest.fixture(scope="module")
def client():
    c = cluster.connect("local", n_workers=2, dashboard_address=":0")
    yield c
    cluster.close(c)


# ------------------------------------------------------------------------------------------- unit
def test_scheduler_address_from_the_argument_or_the_environment(monkeypatch):
    monkeypatch.setenv(cluster.ENV, "tcp://h:1")
    assert cluster.scheduler_address() == "tcp://h:1"
    assert cluster.scheduler_address("local") == "local"
    monkeypatch.setenv(cluster.ENV, "")
    assert cluster.scheduler_address() is None


def test_a_machine_without_the_project_or_its_environment_is_told_what_it_lacks(tmp_path):
    got = cluster.environment_problems(tmp_path / "nowhere")
    assert len(got) == 1 and "shared file system" in got[0] and str(tmp_path / "nowhere") in got[0]
    (tmp_path / "Makefile").write_text("")
    (tmp_path / "params").mkdir()
    got = cluster.environment_problems(tmp_path, tmp_path / "venv")
    assert any(f"{tmp_path / 'venv' / 'bin' / 'python'}" in p and "make setup" in p for p in got)
    fake = tmp_path / "venv" / "bin" / "python"          # a Python without the project's packages
    fake.parent.mkdir(parents=True)
    if Path("/usr/bin/python3").exists():                 # the system's Python: no papermill there
        fake.symlink_to("/usr/bin/python3")
        got = cluster.environment_problems(tmp_path, tmp_path / "venv")
        assert any("papermill (ModuleNotFoundError)" in p and "make setup" in p for p in got), got
    assert cluster.environment_problems(ROOT, VENV) == []


def test_the_bootstrap_options_are_local_unless_asked_and_a_scheduler_is_set(monkeypatch):
    from types import SimpleNamespace

    monkeypatch.delenv(cluster.ENV, raising=False)
    assert cluster.bootstrap_options(SimpleNamespace(bootstrap_scheduler="local", bootstrap=100), "local") == {}
    assert cluster.bootstrap_options(SimpleNamespace(bootstrap_scheduler="cluster", bootstrap=100)) == {}


def test_a_study_asking_for_the_cluster_gets_a_map_over_the_scheduler_set(client, monkeypatch):
    from types import SimpleNamespace

    address = client.scheduler.address
    monkeypatch.setenv(cluster.ENV, address)
    try:
        opts = cluster.bootstrap_options(SimpleNamespace(bootstrap_scheduler="cluster", bootstrap=100))
        assert set(opts) == {"map_chunks", "workers"} and opts["workers"] == 2
        assert opts["map_chunks"](pow, [2, 3], [3, 2]) == [8, 9]         # in order, computed on the workers
    finally:
        c = cluster._CLIENTS.pop(address, None)
        if c is not None:
            c.close()


def test_the_builds_get_the_blas_threads_of_the_driver_not_those_the_nanny_sets(client, monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "2")
    env = cluster.driver_environ()
    assert env["OMP_NUM_THREADS"] is None and env["MKL_NUM_THREADS"] == "2"
    # the workers run with one BLAS thread (a build under it could differ in the last bits): build_study undoes it
    assert set(client.run(os.getenv, "OMP_NUM_THREADS").values()) == {"1"}


def test_a_local_cluster_does_not_change_the_drivers_blas_threads_and_the_builds_get_them(monkeypatch):
    # a LocalCluster's nannies write their pre-spawn-environ (one BLAS thread) into the starting process's
    # os.environ: read after connect, the builds got one thread and cfa_modindices.csv differed in its last bits
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "2")
    c = cluster.connect("local", n_workers=1, dashboard_address=":0")
    try:
        assert os.environ.get("OMP_NUM_THREADS") is None and os.environ.get("OPENBLAS_NUM_THREADS") is None
        assert os.environ["MKL_NUM_THREADS"] == "2"
        assert c.csat_environ["OMP_NUM_THREADS"] is None and c.csat_environ["MKL_NUM_THREADS"] == "2"
        assert set(c.run(os.getenv, "OPENBLAS_NUM_THREADS").values()) == {"1"}       # the worker's own
        env = c.submit(cluster.build_environ, c.csat_environ, pure=False).result()  # its study's make's
        assert "OMP_NUM_THREADS" not in env and "OPENBLAS_NUM_THREADS" not in env and env["MKL_NUM_THREADS"] == "2"
    finally:
        cluster.close(c)


def test_the_workers_check_their_environment(client):
    assert cluster.check_workers(client, ROOT, VENV) == {}
    bad = cluster.check_workers(client, ROOT / "nowhere", VENV)
    assert len(bad) == 2 and all("shared file system" in p[0] for p in bad.values())


def test_ml_bootstrap_on_the_cluster_is_identical_to_the_local_one(client):
    from csat import sem
    from csat.intake.simulate import population_syntax, simulate_responses
    from csat.sem.bootstrap import bootstrap_sem

    data = simulate_responses(300, seed=5)
    fit = sem.fit(population_syntax(), data)
    local = bootstrap_sem(fit, data, n_boot=60, seed=11, workers=1)
    m = cluster.ClusterMap(client)
    remote = bootstrap_sem(fit, data, n_boot=60, seed=11, workers=m.workers, map_chunks=m)
    assert m.workers == 2
    np.testing.assert_array_equal(local.draws.values, remote.draws.values)
    assert list(local.draws.status) == list(remote.draws.status)
    assert local.effects.equals(remote.effects) and local.defined.equals(remote.defined)


def test_pls_bootstrap_on_the_cluster_is_identical_to_the_local_one(client):
    from csat.intake.simulate import population_syntax, simulate_responses
    from csat.sem import pls

    data = simulate_responses(300, seed=6)
    res = pls.pls_fit(population_syntax(), data)
    target = res.spec.endogenous[-1]
    local = pls.bootstrap_pls(res, n_boot=80, seed=3, workers=1, scale=(1, 10), target=target)
    m = cluster.ClusterMap(client)
    remote = pls.bootstrap_pls(res, n_boot=80, seed=3, workers=m.workers, scale=(1, 10), target=target, map_chunks=m)
    np.testing.assert_array_equal(local.draws, remote.draws)
    for a, b in ((local.estimates, remote.estimates), (local.effects, remote.effects), (local.index, remote.index),
                 (local.ipma, remote.ipma), (local.htmt, remote.htmt), (local.r2, remote.r2)):
        assert a.equals(b)


# ------------------------------------------------------------------------------------------- integration
GOOD = ["p1", "p2", "p3", "p4", "p5", "p6"]


def _programme(tmp: Path) -> Path:
    """A copy of the project (tracked files) whose params/ holds six small studies and one with a params error."""
    from studyfactory import PARAMS, survey, write_csv

    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for f in files:
        if (ROOT / f).is_file() and not f.startswith(("params/", "data/raw/", "tests/", "docs/")):
            (tmp / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / f, tmp / f)
    (tmp / "params").mkdir(exist_ok=True)
    for i, s in enumerate(GOOD):
        write_csv(survey(n=80, seed=10 + i), tmp / "data" / "raw" / f"{s}.csv")
        text = (PARAMS.replace("study: mini", f"study: {s}").replace("mini.csv", f"{s}.csv")
                .replace("bootstrap: 1000", f"bootstrap: {200 if i == 0 else 0}").replace("seed: 1", f"seed: {i}"))
        (tmp / "params" / f"{s}.yaml").write_text(text, encoding="utf-8")
    bad = PARAMS.replace("study: mini", "study: bad").replace("mini.csv", "p1.csv").replace("SAT ~ VAL", "SAT ~ NOPE")
    (tmp / "params" / "bad.yaml").write_text(bad, encoding="utf-8")
    return tmp


def _digest(proj: Path) -> dict[str, str]:
    return {f.relative_to(proj).as_posix(): hashlib.sha256(f.read_bytes()).hexdigest()
            for f in sorted(paths.reports_root(proj).glob("*/results/*")) if f.is_file()}


def _clean(proj: Path) -> None:
    for d in (paths.reports_root(proj), paths.processed_root(proj)):
        if d.is_dir():
            for sub in d.iterdir():
                if sub.name != ".gitkeep":
                    shutil.rmtree(sub) if sub.is_dir() else sub.unlink()


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    """The programme built by a serial ``make -k -j1 all`` (the reference)."""
    proj = _programme(tmp_path_factory.mktemp("serial"))
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", cluster.ENV)}
    r = subprocess.run(["make", "--no-print-directory", "-k", "-j1", f"VENV={VENV}", "CSAT_INNER=1", "all"],
                       cwd=proj, capture_output=True, text=True, env=env)
    assert r.returncode != 0 and "bad" in r.stderr           # the bad study fails; -k builds the others
    from csat.pipeline.build import read_status

    states = {s: read_status(proj, s).get("state") for s in GOOD}
    assert set(states.values()) == {"built"}, (states, r.stderr[-3000:])
    digest = _digest(proj)
    assert {k.split("/")[1] for k in digest} == set(GOOD)
    return digest


@pytest.mark.integration
def test_a_programme_on_the_cluster_is_identical_to_serial_make_and_reports_the_failed_study(serial, tmp_path,
                                                                                              client):
    proj = _programme(tmp_path)
    results = cluster.build_programme(client, proj, venv=str(VENV), progress=False)
    by = {r["study"]: r for r in results}
    assert [r["study"] for r in results] == sorted(GOOD + ["bad"])
    assert all(by[s]["state"] == "built" for s in GOOD), {s: by[s].get("log") for s in GOOD}
    assert by["bad"]["state"] == "failed" and by["bad"]["stage"] == "prepare" and "NOPE" in by["bad"]["message"]
    assert _digest(proj) == serial
    index = (proj / "reports" / "index.html").read_text(encoding="utf-8")
    assert "FAILED at prepare" in index and "NOPE" in index


@pytest.mark.integration
def test_a_worker_killed_mid_study_is_retried_elsewhere_with_identical_results(serial, tmp_path):
    proj = _programme(tmp_path)
    c = cluster.connect("local", n_workers=2, dashboard_address=":0")
    try:
        pids = c.run(os.getpid)
        out: dict = {}
        t = threading.Thread(target=lambda: out.update(
            r=cluster.build_programme(c, proj, GOOD[:3], venv=str(VENV), progress=False)))
        t.start()
        # once a stage of some study runs, kill the worker that runs that study
        victim = None
        end = time.monotonic() + 300
        while victim is None and time.monotonic() < end:
            for w, keys in c.processing().items():
                for k in keys:
                    s = next((s for s in GOOD[:3] if f"csat-study-{s}-" in str(k)), None)
                    if s and any(paths.build_dir(proj, s).glob("running-*.json")):
                        victim = (w, s)
            time.sleep(0.2)
        assert victim is not None
        os.kill(pids[victim[0]], 9)
        t.join(600)
        results = {r["study"]: r for r in out["r"]}
    finally:
        cluster.close(c)
    assert all(r["state"] == "built" for r in results.values()), results
    assert not list((proj / "reports").glob("*/.build/work/*"))          # no workspace left half-written
    assert _digest(proj) == {k: v for k, v in serial.items() if k.split("/")[1] in GOOD[:3]}
