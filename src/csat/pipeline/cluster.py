"""Studies and bootstraps on a Dask cluster: ``make all SCHEDULER=<address>`` (or ``CSAT_SCHEDULER``).

``python -m csat.pipeline.cluster all --scheduler tcp://host:8786`` (``local``: a :class:`distributed.LocalCluster`
with the machine's cores) builds every study of ``params/`` as tasks of a ``dask.distributed`` cluster, then
``reports/index.html``:

* **one task per study** (:func:`build_study`), which runs ``make study STUDY=<name>`` in the shared project folder,
  exactly as a serial ``make all`` does: the stamps, the study's lock and the all-or-nothing workspaces
  (:mod:`csat.pipeline.stamps`, :mod:`csat.pipeline.lock`, :mod:`csat.pipeline.workspace`) work as they always
  do, so each study's ``results/`` is byte-identical to a serial build.  The workers see the project through a
  shared file system (the same path on every machine) and run its environment (``.venv``);
* **a failed study is a value, not an exception**: the task returns ``{"state": "failed", "stage", "message"}``
  (the stage and message the build recorded in ``.build/status.json``), so Dask does not retry a deterministic
  failure, the other studies go on, and the index shows ``FAILED at <stage>: <message>`` as with Make;
* **a lost worker is Dask's business**: a worker that dies during a study (killed, its machine gone) has its task
  re-run on another worker (the scheduler's ``allowed-failures``; exceptions the task itself raises get
  ``retries``).  The build it ran dies with it (:func:`guard`: the ``make`` process group is ended when the worker
  is), no half-written output is left (a stage's outputs replace the old ones only when it succeeded), and the
  re-run takes the study's lock once it is free and re-runs only what was not finished (``prepare`` records the
  interrupted stages, stamps say which are current) — the same results;
* before submitting, every worker is asked whether it can build (:func:`environment_problems`: the project folder,
  its ``.venv`` with csat, papermill, nbconvert and ipykernel, ``make``); a worker that cannot is named with what
  it lacks, and nothing starts;
* a progress bar (tqdm) of the studies done / running / failed, and the dashboard's address.

**The bootstrap on the cluster** (``bootstrap_scheduler: cluster`` in a study's params, with ``SCHEDULER`` set
for ``make study``): :func:`bootstrap_options` connects the 05 stage's kernel to the scheduler and gives the
bootstrap engines (:func:`csat.sem.bootstrap.bootstrap_sem`, :func:`csat.sem.pls.bootstrap_pls`) a map-like
callable that sends chunks of resamples to the cluster; the resamples are drawn up front from the seed, so the
draws and the intervals are identical to a local run.  The engines know nothing of Dask or params.  Within a
programme (``make all SCHEDULER=…``) the studies already fill the cluster, so their bootstraps run locally on the
worker that builds them (a study's task waiting for its own chunks could otherwise wait for ever).

Every error is one line, ``error: …``.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from csat.core.procs import alive, die_with_parent

#: The environment variable that names the scheduler (``make … SCHEDULER=`` sets it).
ENV = "CSAT_SCHEDULER"

#: What a worker's project environment must import to run a study's stages and report.
STAGE_MODULES = ("csat", "papermill", "nbconvert", "ipykernel", "yaml")


def scheduler_address(value: str | None = None) -> str | None:
    """The scheduler to use: ``value`` if given, else ``$CSAT_SCHEDULER``; None for none (blank).

    >>> scheduler_address("tcp://10.0.0.1:8786")
    'tcp://10.0.0.1:8786'
    >>> scheduler_address("  ") is None
    True
    """
    v = value if value is not None else os.environ.get(ENV, "")
    v = v.strip()
    return v or None


# ------------------------------------------------------------------------------------------- connecting
def connect(address: str, n_workers: int | None = None, dashboard_address: str | None = ":8787"):
    """A :class:`distributed.Client` of the scheduler at ``address``; ``local`` starts a
    :class:`distributed.LocalCluster` of ``n_workers`` (default: the machine's cores) single-threaded worker
    processes, closed with the client."""
    import dask
    from distributed import Client, LocalCluster

    environ = driver_environ()            # before a nanny of this process sets its own values (below)
    if address == "local":
        n = n_workers or os.cpu_count() or 1
        try:
            with dask.config.set({"distributed.worker.daemon": False}):   # a worker starts make, papermill, kernels
                cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                       dashboard_address=dashboard_address, silence_logs=40)
        finally:
            _set_environ(environ)
        client = Client(cluster)
        client.csat_cluster = cluster
    else:
        client = Client(address, timeout="30s")
    client.csat_environ = environ
    return client


def close(client) -> None:
    cluster = getattr(client, "csat_cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()


def total_threads(client) -> int:
    """The number of task slots (threads) of the cluster's workers."""
    return max(1, sum(w.get("nthreads", 1) for w in client.scheduler_info(n_workers=-1)["workers"].values()))


# ------------------------------------------------------------------------------------------- the bootstrap
class ClusterMap:
    """A map-like callable over a Dask client: ``ClusterMap(client)(fn, *iterables)`` runs ``fn`` on the cluster
    for each tuple of arguments and returns the results in order (what the bootstrap engines' ``map_chunks`` is)."""

    def __init__(self, client):
        self.client = client
        self.workers = total_threads(client)

    def __call__(self, fn, *iterables):
        futures = self.client.map(fn, *iterables, pure=False, retries=2)
        return self.client.gather(futures)


_CLIENTS: dict[str, object] = {}


def bootstrap_options(params, scheduler: str | None = None) -> dict:
    """The keyword arguments of a study's bootstrap (``map_chunks``, ``workers``): ``{}`` (run locally) unless
    ``params.bootstrap_scheduler`` is ``cluster`` and a scheduler is set (``scheduler`` or ``$CSAT_SCHEDULER``);
    then the chunks of resamples go to that cluster (one connection per process, kept)."""
    if getattr(params, "bootstrap_scheduler", "local") != "cluster" or getattr(params, "bootstrap", 0) <= 0:
        return {}
    address = scheduler_address(scheduler)
    if address is None:
        print("note: bootstrap_scheduler is cluster but no scheduler is set (SCHEDULER= or CSAT_SCHEDULER); "
              "the bootstrap runs on this machine", file=sys.__stderr__)
        return {}
    if address not in _CLIENTS:
        _CLIENTS[address] = connect(address, dashboard_address=":0")
    m = ClusterMap(_CLIENTS[address])
    return {"map_chunks": m, "workers": m.workers}


# ------------------------------------------------------------------------------------------- the environment
def environment_problems(root: str | Path, venv: str | Path = ".venv", python_check: bool = True) -> list[str]:
    """What this machine lacks to build the project's studies (empty when nothing): the project folder (seen
    through the shared file system), its environment (``<venv>/bin/python`` importing :data:`STAGE_MODULES`) and
    ``make``.  Each entry names the missing thing and how to provide it."""
    root = Path(root)
    out = []
    if not (root / "Makefile").is_file() or not (root / "params").is_dir():
        return [f"the project folder {root} (with its Makefile and params/): workers must see the project at the "
                "same path through a shared file system"]
    py = Path(venv) if Path(venv).is_absolute() else root / venv
    py = py / "bin" / "python"
    if not py.exists():
        out.append(f"the project's environment {py} (run make setup on the shared file system)")
    elif python_check:
        code = ("import importlib, sys\nmissing = []\nfor m in sys.argv[1:]:\n    try:\n        importlib.import_module(m)"
                "\n    except Exception as err:\n        missing.append(f'{m} ({type(err).__name__})')\nprint(', '.join(missing))")
        try:
            r = subprocess.run([str(py), "-c", code, *STAGE_MODULES], capture_output=True, text=True, cwd=root,
                               timeout=120)
            missing = r.stdout.strip() if r.returncode == 0 else f"a working Python ({r.stderr.strip()[-200:]})"
        except (OSError, subprocess.TimeoutExpired) as err:
            missing = f"a working Python ({err})"
        if missing:
            out.append(f"in {py}: the modules {missing} (run make setup)")
    if shutil.which("make") is None:
        out.append("GNU make on the PATH (Debian: apt-get install make)")
    return out


_PROBE = '''
def probe(root, venv):
    import os, socket, sys
    try:
        from csat.pipeline.cluster import environment_problems
    except Exception as err:
        return [f"csat in the worker's Python {sys.executable} ({type(err).__name__}: {err}); start the workers "
                "with the project's environment (its .venv, PYTHONPATH=<project>/src)"]
    return environment_problems(root, venv)
'''


def _probe_function():
    """The environment check as a function Dask sends by value (its module is not importable), so that it runs
    even on a worker that cannot import csat, and says so."""
    ns = {"__name__": "csat_cluster_probe"}
    exec(_PROBE, ns)                      # noqa: S102 (our own constant code)
    return ns["probe"]


def check_workers(client, root: str | Path, venv: str | Path) -> dict[str, list[str]]:
    """``{worker address: problems}`` of the workers that cannot build (:func:`environment_problems`)."""
    out = client.run(_probe_function(), str(root), str(venv))
    return {w: p for w, p in out.items() if p}


# ------------------------------------------------------------------------------------------- one study
def _wait_for_lock(root: Path, study: str, timeout: float) -> None:
    """Wait (up to ``timeout`` s) until no live process holds the study's lock: the build of a worker that was
    lost may take a moment to end (:func:`guard`)."""
    from csat.pipeline.lock import StudyLocked, study_lock

    end = time.monotonic() + timeout
    while True:
        try:
            with study_lock(root, study):
                return
        except StudyLocked:
            if time.monotonic() > end:
                return                    # make study will say who holds it
            time.sleep(0.5)


def _last_error(text: str) -> str | None:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip().startswith("error:")]
    return lines[-1].removeprefix("error:").strip() if lines else None


#: Variables a Dask nanny sets for its worker (``distributed.nanny.pre-spawn-environ``: one BLAS/OpenMP thread,
#: malloc trimming).  A study's build must not inherit them: the number of BLAS threads changes the order of
#: floating-point sums, and so the last bits of some results (e.g. ``cfa_modindices.csv``); the build gets the
#: values of the shell that started the programme instead (:func:`driver_environ`).
NANNY_VARIABLES = ("MALLOC_TRIM_THRESHOLD_", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                   "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")


def driver_environ() -> dict[str, str | None]:
    """The values (None: unset) of :data:`NANNY_VARIABLES` and of the nanny's configured ones here, in the process
    that starts the programme, for the studies' builds on the workers (:func:`build_study`).

    A :class:`distributed.LocalCluster`'s nannies run in the process that starts it and write their
    ``pre-spawn-environ`` into *its* ``os.environ`` (``Nanny.start``: ``os.environ.update``, never undone, again at
    each worker restart): read after :func:`connect` this would be the nanny's one thread.  :func:`connect` therefore
    reads it before starting the cluster, keeps it as ``client.csat_environ`` (what :func:`build_programme` sends)
    and puts the values back."""
    import dask

    keys = set(NANNY_VARIABLES) | set(dask.config.get("distributed.nanny.pre-spawn-environ", {}) or {})
    return {k: os.environ.get(k) for k in sorted(keys)}


def _set_environ(values: dict[str, str | None] | None, env=os.environ):
    """Set (None: unset) these variables in ``env`` (default: this process's environment); returns ``env``."""
    for k, v in (values or {}).items():
        if v is None:
            env.pop(k, None)
        else:
            env[k] = v
    return env


def build_environ(environ: dict[str, str | None] | None = None) -> dict[str, str]:
    """The environment of a study's ``make`` on this worker: this process's, without the scheduler and Make's own
    variables, with ``environ`` set (None: unset)."""
    own = (ENV, "MAKEFLAGS", "MFLAGS", "MAKELEVEL")
    return _set_environ(environ, {k: v for k, v in os.environ.items() if k not in own})


def build_study(root: str, study: str, venv: str = ".venv", jobs: dict | int | None = None,
                lock_wait: float = 120.0, environ: dict[str, str | None] | None = None) -> dict:
    """One study as a task: ``make study STUDY=<study>`` in ``root`` (the shared project folder), its bootstrap run
    locally.  Returns ``{"study", "state": "built" | "failed", "stage", "message", "seconds", "worker"}`` — a failed
    study is a result, never an exception (so Dask does not retry it).  ``jobs``: make's ``JOBS`` (the stages of
    the study run at once), or ``{worker address: JOBS}``; ``environ``: variables to set (None: unset) for the
    build, e.g. :func:`driver_environ` of the process that started the programme."""
    from csat.pipeline.build import read_status, write_status

    t0 = time.perf_counter()
    root_p = Path(root)
    worker = _worker_address()
    out = {"study": study, "worker": worker, "state": "failed", "stage": None, "message": None}
    problems = environment_problems(root_p, venv, python_check=False)
    if problems:
        out.update(stage="environment", message=f"worker {worker} lacks " + "; ".join(problems),
                   seconds=time.perf_counter() - t0)
        return out
    if isinstance(jobs, dict):
        jobs = jobs.get(worker)
    jobs = int(jobs or 1)
    _wait_for_lock(root_p, study, lock_wait)
    env = build_environ(environ)
    cmd = ["make", "--no-print-directory", "study", f"STUDY={study}", f"VENV={venv}", f"JOBS={jobs}", "CSAT_INNER=1"]
    r = subprocess.run([sys.executable, "-m", "csat.pipeline.cluster", "guard", "--", *cmd], cwd=root_p, env=env,
                       capture_output=True, text=True)
    out["seconds"] = time.perf_counter() - t0
    out["log"] = (r.stdout + r.stderr)[-4000:]
    st = read_status(root_p, study)
    if r.returncode == 0:
        out.update(state="built")
        return out
    if st.get("state") == "failed":
        out.update(stage=st.get("stage"), message=st.get("message"))
    else:                                 # refused before anything was recorded (a new study's params error)
        msg = _last_error(r.stderr) or f"make exited with status {r.returncode}"
        out.update(stage="prepare", message=msg)
        try:
            write_status(root_p, study, "failed", "prepare", msg)
        except OSError:
            pass
    return out


def _worker_address() -> str:
    try:
        from distributed import get_worker

        return get_worker().address
    except (ImportError, ValueError):
        return "local"


def jobs_per_worker(client) -> dict[str, int]:
    """``{worker: JOBS}``: the cores of each worker's machine shared among the task slots on it."""
    from urllib.parse import urlparse

    info = client.scheduler_info(n_workers=-1)["workers"]
    cores = client.run(os.cpu_count)
    by_host: dict[str, int] = {}
    for w, i in info.items():
        by_host[urlparse(w).hostname or w] = by_host.get(urlparse(w).hostname or w, 0) + i.get("nthreads", 1)
    return {w: max(1, (cores.get(w) or 1) // by_host[urlparse(w).hostname or w]) for w in info}


def guard(command: list[str]) -> int:
    """Run ``command`` (the study's ``make``) in its own process group, ended when this process's parent (the Dask
    worker) dies or when this process is terminated: a lost worker leaves no build running."""
    parent = os.getppid()
    die_with_parent(parent, signal.SIGTERM)
    child = subprocess.Popen(command, start_new_session=True)

    def stop(signum, _frame):
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(child.pid, sig)
            except (ProcessLookupError, PermissionError):
                break
            end = time.monotonic() + 10
            while time.monotonic() < end and alive(child.pid) and child.poll() is None:
                time.sleep(0.1)
            if child.poll() is not None:
                break
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    return child.wait()


# ------------------------------------------------------------------------------------------- the programme
def studies(root: str | Path) -> list[str]:
    """The studies of ``params/`` (``<name>.yaml``), sorted."""
    return sorted(p.stem for p in (Path(root) / "params").glob("*.yaml"))


def build_programme(client, root: str | Path, names: list[str] | None = None, venv: str = ".venv",
                    jobs: int | None = None, progress: bool = True, retries: int = 1, index: bool = True) -> list[dict]:
    """Build ``names`` (default: every study of ``params/``) on the cluster of ``client``, one task per study, then
    ``reports/index.html``; returns each study's result (:func:`build_study`), in the order of ``names``."""

    root = Path(root).resolve()
    names = studies(root) if names is None else list(names)
    job_map = jobs if jobs else jobs_per_worker(client)
    environ = getattr(client, "csat_environ", None)       # read before a LocalCluster's nannies changed it
    environ = driver_environ() if environ is None else environ
    futures = {s: client.submit(build_study, str(root), s, venv, job_map, environ=environ,
                                key=f"csat-study-{s}-{time.time_ns()}", pure=False, retries=retries) for s in names}
    keys = {f.key: s for s, f in futures.items()}
    results: dict[str, dict] = {}
    bar = _bar(len(names), progress)
    failed, shown = 0, None
    try:
        while len(results) < len(names):
            for s, f in futures.items():
                if s in results or not f.done():
                    continue
                if f.status == "finished":
                    res = f.result()
                else:                         # the task raised (retries spent) or its workers kept dying
                    err = f.exception()
                    res = {"study": s, "state": "failed", "stage": "cluster", "worker": None,
                           "message": f"{type(err).__name__}: {' '.join(str(err).split())}"}
                    from csat.pipeline.build import write_status

                    write_status(root, s, "failed", "cluster", res["message"])
                results[s] = res
                failed += res["state"] != "built"
                _report(res, bar, f"{len(results)} of {len(names)} done, {failed} failed")
            now = (len(results), _running(client, keys) if len(results) < len(names) else 0, failed)
            if bar is not None and now != shown:
                bar.n = now[0]
                bar.set_postfix_str(f"running {now[1]}, failed {now[2]}")
                bar.refresh()
                shown = now
            if len(results) < len(names):
                time.sleep(0.5)
    finally:
        if bar is not None:
            bar.close()
    if index:
        r = subprocess.run([sys.executable, "-m", "csat.report", "index", "--root", str(root)], capture_output=True,
                           text=True, cwd=root)
        if r.returncode != 0:
            print(f"note: reports/index.html not written ({(r.stderr.strip().splitlines() or ['?'])[-1]})",
                  file=sys.stderr)
    return [results[s] for s in names]


def _running(client, keys: dict) -> int:
    """How many of the programme's tasks run now: those the scheduler has on a worker, at most its threads each."""
    threads = {w: i.get("nthreads", 1) for w, i in client.scheduler_info(n_workers=-1)["workers"].items()}
    return sum(min(threads.get(w, 1), sum(k in keys for k in ks)) for w, ks in client.processing().items())


def _bar(total: int, enabled: bool):
    """A tqdm bar of the studies done, with those running and failed, on a terminal; None elsewhere (a log gets
    one line per study)."""
    if not enabled or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="study", desc="studies", file=sys.stderr, dynamic_ncols=True)


def _report(res: dict, bar, counts: str = "") -> None:
    if res["state"] == "built":
        line = f"[{res['study']}] built ({res.get('seconds', 0):.0f} s on {res.get('worker')})"
    else:
        line = f"error: study {res['study']!r} FAILED at {res['stage']}: {res['message']}"
    if bar is None and counts:
        line += f"  [{counts}]"
    if bar is not None:
        bar.write(line, file=sys.stderr)
    else:
        print(line, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["guard"]:
        command = argv[1:]
        command = command[1:] if command[:1] == ["--"] else command
        return guard(command)
    ap = argparse.ArgumentParser(prog="python -m csat.pipeline.cluster")
    sub = ap.add_subparsers(dest="cmd", required=True)
    al = sub.add_parser("all", help="build every study of params/ on a Dask cluster, then reports/index.html")
    al.add_argument("--scheduler", default=None, help=f"the scheduler's address, or local (default: ${ENV})")
    al.add_argument("--root", default=".")
    al.add_argument("--venv", default=".venv", help="the project's environment, as the workers see it")
    al.add_argument("--workers", type=int, default=None, help="with --scheduler local: worker processes (default: cores)")
    al.add_argument("--jobs", type=int, default=None, help="make's JOBS for each study (default: cores per task slot)")
    al.add_argument("--study", action="append", default=None, help="only these studies (repeatable)")
    al.add_argument("--no-progress", action="store_true")
    al.add_argument("--json", default=None, help="write the studies' results to this file")
    args = ap.parse_args(argv)
    address = scheduler_address(args.scheduler)
    if address is None:
        print(f"error: no scheduler: pass --scheduler <address> or local (make all SCHEDULER=…), or set {ENV}",
              file=sys.stderr)
        return 2
    root = Path(args.root).resolve()
    names = args.study or studies(root)
    try:
        client = connect(address, args.workers)
    except Exception as err:          # a scheduler that cannot be reached: one line
        print(f"error: cannot connect to the Dask scheduler {address} ({type(err).__name__}: "
              f"{' '.join(str(err).split())})", file=sys.stderr)
        return 2
    try:
        print(f"Dask dashboard: {client.dashboard_link}  ({total_threads(client)} task slots; "
              f"{len(names)} studies)", flush=True)
        bad = check_workers(client, root, args.venv)
        if bad:
            for w, problems in bad.items():
                print(f"error: worker {w} cannot build studies: it lacks {'; '.join(problems)}", file=sys.stderr)
            return 2
        t0 = time.perf_counter()
        results = build_programme(client, root, names, args.venv, args.jobs, progress=not args.no_progress)
        wall = time.perf_counter() - t0
    finally:
        close(client)
    n_failed = sum(r["state"] != "built" for r in results)
    print(f"{len(results) - n_failed} of {len(results)} studies built in {wall:.0f} s"
          + (f"; {n_failed} FAILED (see reports/index.html)" if n_failed else ""), flush=True)
    if args.json:
        from csat.core.files import write_json

        write_json(Path(args.json), {"seconds": wall, "studies": results})
    return 1 if n_failed else 0


if __name__ == "__main__":
    sys.exit(main())
