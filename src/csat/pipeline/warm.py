"""Warm kernels: the Jupyter kernel of a stage boots while the stages before it run.

Every stage of a study runs its notebook in a fresh Jupyter kernel (``csat.pipeline.build run``).  Booting one
(Python, ipykernel, and the modules every stage imports, :mod:`csat.pipeline.kernel_preload`) takes 2–3 s, and
on the demo four stages lie one after another on the critical path.  So when a stage starts, once its
own kernel is ready, it boots the kernels of the stages that Make can start as soon as it is done
(:func:`started_by`); ``csat.pipeline.build prepare`` does the same for the stages Make will run first
(:func:`first_wave`), or rather starts the build's fork server (:mod:`csat.pipeline.forkserver`), from which
the kernels are then forked.  Such a *warm* kernel waits, idle, in its own process; the next stage *claims*
it instead of starting one.  Each kernel still runs one notebook only and is stopped after it, so a
stage sees exactly the fresh kernel it saw before: only the moment it was started changes, and no
result can differ.

Records live in ``reports/<study>/.build/kernels/`` (:func:`csat.core.paths.warm_kernels_dir`):

``<stage>.json``
    a warm kernel nobody has claimed: its pid and its connection information (ports, key; the kernel
    read the same from ``<stage>.connection.json`` when it started).
``<stage>.claimed-<pid>.json``
    the same record after the stage run with process ``pid`` claimed it (an atomic rename, so two
    claimers cannot both get it).
``<stage>.log``
    what the kernel wrote on stderr; printed by the stage that used it.

A warm kernel never outlives the build: it watches its record (:func:`watch`, started by
:mod:`csat.pipeline.kernel_preload` when ``CSAT_WARM_RECORD`` is set) and exits when it is still unclaimed and
the build's Make process (``--owner``) has ended, when the stage that claimed it has ended, or when its
record is removed.  A record whose kernel is gone (a killed build, a reboot) is ignored and removed.
``CSAT_WARM_KERNELS=0`` turns warm kernels off; then every stage starts its own kernel, as before.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from csat.core import paths
from csat.core.procs import alive
from csat.pipeline.graph import STAGE_READS, STAGES, prerequisites

ENV_RECORD = "CSAT_WARM_RECORD"
ENV_OWNER = "CSAT_WARM_OWNER"
ENV_SWITCH = "CSAT_WARM_KERNELS"

#: The module a stage's kernel imports as it boots (``--IPKernelApp.exec_lines``): the modules every stage
#: imports, and in a warm kernel the watchdog (:func:`start_watchdog_from_env`).
KERNEL_PRELOAD = "csat.pipeline.kernel_preload"
PRELOAD_ARGUMENT = f"--IPKernelApp.exec_lines=import {KERNEL_PRELOAD}"


def enabled() -> bool:
    """False when ``CSAT_WARM_KERNELS`` is ``0``, ``no``, ``false`` or ``off``."""
    return os.environ.get(ENV_SWITCH, "1").strip().lower() not in ("0", "no", "false", "off")


def started_by(stage: str) -> list[str]:
    """The stages Make can start once ``stage`` is done: those whose last prerequisite (in pipeline
    order) is ``stage``.  Their kernels are booted while ``stage`` runs.

    >>> started_by("01_cleaning"), started_by("03_reliability_validity"), started_by("05_sem")
    (['02_descriptives', '03_reliability_validity'], ['04_factor_analysis', '05_sem'], [])
    """
    return [t for t in STAGES if prerequisites(t) and prerequisites(t)[-1] == stage]


def _source_files(root: Path) -> list[Path]:
    src = root / "src" / "csat"
    return [f for f in src.rglob("*") if f.is_file() and "__pycache__" not in f.parts and f.suffix != ".pyc"]


def out_of_date(root: str | Path, study: str) -> list[str]:
    """The stages of ``study`` that Make will run: those whose executed notebook is missing or older
    than one of the prerequisites the Makefile gives it (notebook, stamp, ``deps.mk``, the package
    sources, the environment, the raw data's stamp, the notebooks of the stages it reads), and those
    that read such a stage.  Only decides which kernels to boot early; Make decides what runs."""
    root = Path(root)
    build = paths.build_dir(root, study)
    common = [build / "deps.mk", Path(sys.prefix) / ".installed", *_source_files(root)]
    newest_common = max((f.stat().st_mtime for f in common if f.exists()), default=0.0)
    stale: list[str] = []
    forced = set()                           # stages whose build stamp is not current (.build/stale.mk)
    with contextlib.suppress(OSError):
        forced = {line.split("/", 1)[1].split(".ipynb")[0]
                  for line in (build / "stale.mk").read_text(encoding="utf-8").splitlines() if "/" in line}
    for s in STAGES:
        out = paths.stage_notebook(root, study, s)
        if not out.exists() or s in forced or any(p in stale for p in prerequisites(s)):
            stale.append(s)
            continue
        pre = [root / "notebooks" / f"{s}.ipynb", build / f"stage-{s}.json",
               *(paths.stage_notebook(root, study, p) for p in prerequisites(s))]
        if "raw" in STAGE_READS[s]:
            pre.append(build / "raw.json")
        newest = max([newest_common] + [f.stat().st_mtime for f in pre if f.exists()])
        if newest > out.stat().st_mtime:
            stale.append(s)
    return stale


def first_wave(root: str | Path, study: str) -> list[str]:
    """The stages Make will start first: out of date (:func:`out_of_date`), reading no stage that is."""
    stale = out_of_date(root, study)
    return [s for s in stale if not any(p in stale for p in prerequisites(s))]


def _is_kernel_of(pid: int, record: Path) -> bool:
    """Whether process ``pid`` runs and is a warm kernel booted for ``record`` (its environment names the
    record, or it was forked by the fork server of the record's study), so that a pid reused by another
    program after a reboot is never signalled."""
    if not alive(pid):
        return False
    try:
        env = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return sys.platform != "linux"       # no /proc to ask: trust the pid
    if f"{ENV_RECORD}={record}".encode() in env:
        return True                          # a kernel started as a program
    # a kernel forked by the study's fork server shows the server's command line (csat.pipeline.forkserver)
    return b"csat.pipeline.forkserver" in cmd and str(record.parent).encode() in cmd


def record_path(root: str | Path, study: str, stage: str) -> Path:
    """``reports/<study>/.build/kernels/<stage>.json``, absolute (the kernel is told this path)."""
    return paths.warm_kernels_dir(Path(root).resolve(), study) / f"{stage}.json"


def _claimed(record: Path) -> list[Path]:
    return sorted(record.parent.glob(f"{record.stem}.claimed-*.json"))


def kernel_command(kernel: str = "python3") -> tuple[list[str], dict[str, str]] | None:
    """``(interpreter, env)`` of kernel spec ``kernel`` when it is an ipykernel kernel: the part of its
    command before ``-m ipykernel_launcher`` (``[python, options...]``) and the environment it adds;
    None for any other kind of kernel (which then gets no warm kernel)."""
    from jupyter_client.kernelspec import KernelSpecManager

    try:
        spec = KernelSpecManager().get_kernel_spec(kernel)
    except Exception:                            # noqa: BLE001 - no such kernel: papermill will say so
        return None
    argv = list(spec.argv or [])
    for i in range(len(argv) - 1):
        if argv[i] == "-m" and argv[i + 1] == "ipykernel_launcher":
            interp = argv[:i]
            if interp and interp[0] in ("python", "python3", f"python{sys.version_info[0]}.{sys.version_info[1]}"):
                interp[0] = sys.executable       # as jupyter_client does
            return interp, dict(spec.env or {})
    return None


def spawn(root: str | Path, study: str, stage: str, owner: int, kernel: str = "python3",
          wait_for_zygote: float = 0.0) -> Path | None:
    """Boot a warm kernel for ``stage`` of ``study`` and return its record, or None when one is
    already waiting (or warm kernels are off, or the kernel is not an ipykernel one).  ``owner`` is the
    pid of the process whose end makes an unclaimed kernel exit (the Make running the study's build).

    The kernel is the command of its kernel spec (``python -m ipykernel_launcher -f <connection file>``
    and the preload, :data:`PRELOAD_ARGUMENT`), forked by the study's fork server when one
    is ready (:mod:`csat.pipeline.forkserver`; waiting up to ``wait_for_zygote`` seconds for one that is starting),
    otherwise started as a program.  Plain synchronous code (no event loop), so it may run in a thread.
    Never raises: a kernel that cannot be booted here is started by the stage itself later."""
    if not enabled():
        return None
    root = Path(root)
    record = record_path(root, study, stage)
    try:
        cmd = kernel_command(kernel)
        if cmd is None:
            return None
        interp, spec_env = cmd
        if record.exists():
            info = json.loads(record.read_text(encoding="utf-8"))
            if info.get("kernel") == kernel and _is_kernel_of(int(info["pid"]), record):
                return None
            record.unlink(missing_ok=True)
        record.parent.mkdir(parents=True, exist_ok=True)
        conn = _write_connection_file(record.with_name(f"{stage}.connection.json"), kernel)
        args = ["-f", str(conn[0]), PRELOAD_ARGUMENT]
        env = {**os.environ, **spec_env, ENV_RECORD: str(record), ENV_OWNER: str(int(owner))}
        log_path = record.with_name(f"{stage}.log")
        from csat.pipeline import forkserver as zygote

        pid = zygote.fork_kernel(record.parent, interp, args, env, root, log_path, wait=wait_for_zygote)
        if pid is None:                          # no fork server ready: start the kernel as a program
            with open(log_path, "wb") as log:
                pid = subprocess.Popen([*interp, "-m", "ipykernel_launcher", *args], env=env, cwd=str(root),
                                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                                       start_new_session=True).pid
        info = {"pid": pid, "kernel": kernel, "owner": int(owner), "started": time.time(), "connection": conn[1]}
        tmp = record.with_name(f".{record.name}.{os.getpid()}")
        tmp.write_text(json.dumps(info, default=_bytes), encoding="utf-8")
        os.replace(tmp, record)
        return record
    except Exception as err:                     # noqa: BLE001 - an optimisation never fails a build
        print(f"note: could not boot a kernel for {stage} in advance ({type(err).__name__}: {err})", file=sys.stderr)
        return None


def _write_connection_file(path: Path, kernel: str) -> tuple[Path, dict]:
    """A kernel connection file (random free ports, a new HMAC key, and CurveZMQ keys when pyzmq has
    them, as :func:`kernel_manager_class` gives started kernels); ``(path, info)``."""
    import uuid

    import zmq
    from jupyter_client.connect import write_connection_file

    keys = {}
    if zmq.has("curve"):
        pub, sec = zmq.curve_keypair()
        keys = {"curve_publickey": pub, "curve_secretkey": sec}
    fname, info = write_connection_file(str(path), ip=ipc_prefix(), key=str(uuid.uuid4()).encode(), transport="ipc",
                                        signature_scheme="hmac-sha256", kernel_name=kernel, **keys)
    return Path(fname), dict(info)


def ipc_prefix() -> str:
    """A new, unique path prefix for a kernel's five sockets (``<prefix>-1`` … ``<prefix>-5``).

    Kernels talk over Unix domain sockets (ZeroMQ's ``ipc`` transport), not TCP: TCP ports are chosen by
    binding port 0, closing, and handing the number to the kernel, and another kernel booting at the same
    moment (four builds at once) could take the same port first ("ZMQError: Address already in use").  A
    socket path under a fresh random name cannot clash.  The folder is ``$TMPDIR/csat-kernels-<uid>`` (mode
    0700), short enough for a socket path."""
    import tempfile
    import uuid

    d = Path(tempfile.gettempdir()) / f"csat-kernels-{os.getuid()}"
    d.mkdir(mode=0o700, exist_ok=True)
    global _SWEPT
    if not _SWEPT:
        _SWEPT = True
        _sweep_sockets(d)
    return str(d / uuid.uuid4().hex[:16])


_SWEPT = False


def _sweep_sockets(d: Path, age: float = 60.0) -> None:
    """Remove the socket files of kernels that ended without closing them (a kernel stopped with SIGKILL):
    those older than ``age`` seconds that no process listens on."""
    import socket

    now = time.time()
    for f in d.iterdir():
        with contextlib.suppress(OSError):
            if now - f.lstat().st_mtime < age:
                continue
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(0.2)
                try:
                    s.connect(str(f))
                except ConnectionRefusedError:
                    f.unlink()


def zygote_running(root: str | Path, study: str) -> bool:
    """Whether the study's kernel fork server runs (ready, or still importing)."""
    from csat.pipeline import forkserver as zygote

    return zygote.available() and zygote.running(paths.warm_kernels_dir(Path(root).resolve(), study))


def start_zygote(root: str | Path, study: str, owner: int, kernel: str = "python3",
                 commands: list[str] | tuple[str, ...] = ()) -> int | None:
    """Start the fork server of warm kernels for ``study`` (:mod:`csat.pipeline.forkserver`); its pid, or None where
    there is none (off, not Linux, a kernel that is not an ipykernel one, one running already).

    The server imports what a stage's kernel imports as it boots (:data:`KERNEL_PRELOAD`) before it is
    ready, and the modules ``commands`` once idle: those of the commands that will ask it to run them
    (:func:`call_here_or_there`), e.g. ``csat.pipeline.build`` and the report's module."""
    if not enabled():
        return None
    from csat.pipeline import forkserver as zygote

    try:
        cmd = kernel_command(kernel)
        if cmd is None:
            return None
        return zygote.start(paths.warm_kernels_dir(Path(root).resolve(), study), owner, root, cmd[0],
                            kernel_modules=[KERNEL_PRELOAD], command_modules=list(commands))
    except Exception as err:                     # noqa: BLE001 - an optimisation never fails a build
        print(f"note: no kernel fork server ({type(err).__name__}: {err})", file=sys.stderr)
        return None


def call_here_or_there(kernels_dir: str | Path, module: str, argv: list[str]) -> int | None:
    """:func:`csat.pipeline.forkserver.call`, unless this process was itself forked by a fork server to run a
    command, or warm kernels are off (``CSAT_WARM_KERNELS=0``), or there is no fork server: then None
    (run the command here)."""
    from csat.pipeline import forkserver as zygote

    if os.environ.get(zygote.ENV_CHILD) or not enabled() or not zygote.available():
        return None
    return zygote.call(kernels_dir, module, argv)


def _bytes(obj):
    if isinstance(obj, bytes):
        return obj.decode("ascii")
    raise TypeError(type(obj).__name__)


def claim(root: str | Path, study: str, stage: str, kernel: str = "python3"):
    """The warm kernel waiting for ``stage``, as a kernel manager papermill can run a notebook on
    (:class:`WarmKernelManager`), or None when there is none (or it is for another kernel, or gone)."""
    if not enabled():
        return None
    record = record_path(root, study, stage)
    mine = record.with_name(f"{stage}.claimed-{os.getpid()}.json")
    try:
        os.rename(record, mine)
    except OSError:
        return None
    try:
        info = json.loads(mine.read_text(encoding="utf-8"))
        pid = int(info["pid"])
        if info.get("kernel") != kernel or not _is_kernel_of(pid, record):
            raise ValueError("not usable")
        km = _warm_manager_class()(kernel_name=kernel)
        km.load_connection_info(info["connection"])
        km.warm_pid, km.warm_record = pid, mine
        return km
    except Exception:                            # noqa: BLE001 - unusable record: start a kernel as usual
        with contextlib.suppress(Exception):
            pid = int(json.loads(mine.read_text(encoding="utf-8"))["pid"])
            if _is_kernel_of(pid, record):
                os.killpg(pid, signal.SIGKILL)
        mine.unlink(missing_ok=True)
        return None


def kernel_manager_class():
    """A Jupyter kernel manager that provisions CurveZMQ keys for the kernel.

    Its kernel listens on Unix domain sockets (:func:`ipc_prefix`), so that kernels booting at once never race
    for TCP ports.  jupyter_client's ``KernelManager.transport_encryption`` defaults to ``"disabled"``, so a kernel
    started by papermill/nbclient talks plain TCP and ipykernel (≥ 7) prints "Kernel is running over
    TCP without encryption" at every stage.  With ``"auto"`` the manager gives the kernel keys when its
    kernelspec declares ``supported_encryption: curve`` (ipykernel's does), which removes the cause of
    the warning; kernels that do not declare it run as before.
    """
    from jupyter_client.manager import KernelManager

    class CsatKernelManager(KernelManager):
        def __init__(self, *args, **kw):
            super().__init__(*args, **kw)
            try:
                self.transport_encryption = "auto"
            except Exception:               # traitlets' TraitError: pyzmq without CurveZMQ, plain TCP as before
                pass
            # Unix domain sockets under a unique name instead of TCP ports that another kernel booting at the
            # same moment could take first (:func:`ipc_prefix`)
            self.transport = "ipc"
            self.ip = ipc_prefix()

    return CsatKernelManager


def _warm_manager_class():
    base = kernel_manager_class()

    class WarmKernelManager(base):
        """A kernel manager for a kernel another process started (a claimed warm kernel): it talks to
        it through the connection information of its record and stops it by its pid."""

        warm_pid: int | None = None
        warm_record: Path | None = None

        @property
        def has_kernel(self) -> bool:
            return self.warm_pid is not None and alive(self.warm_pid)

        # jupyter_client calls the async methods (its clients) and the sync ones (nbclient, csat.pipeline.build)
        async def _async_is_alive(self) -> bool:
            return self.has_kernel

        def is_alive(self) -> bool:
            return self.has_kernel

        async def _async_interrupt_kernel(self) -> None:
            self.interrupt_kernel()

        def interrupt_kernel(self) -> None:
            if self.has_kernel:
                os.kill(self.warm_pid, signal.SIGINT)

        async def _async_shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
            release(self)

        def shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
            release(self)

    return WarmKernelManager


def release(km) -> str:
    """Stop a claimed warm kernel (its whole process group: it ran one notebook, every output is
    received and every file written) and remove its files; return what it wrote on stderr."""
    pid, mine = getattr(km, "warm_pid", None), getattr(km, "warm_record", None)
    if pid is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
        for _ in range(200):                 # gone within a moment (reaped by whoever is its parent now)
            if not alive(pid):
                break
            time.sleep(0.01)
        km.warm_pid = None
    log_text = ""
    if mine is not None:
        stage = mine.name.split(".claimed-")[0]
        log = mine.with_name(f"{stage}.log")
        with contextlib.suppress(OSError):
            log_text = log.read_text(encoding="utf-8", errors="replace")
        conn = mine.with_name(f"{stage}.connection.json")
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
            info = json.loads(conn.read_text(encoding="utf-8"))
            if info.get("transport") == "ipc":       # the killed kernel's sockets
                for k in ("shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"):
                    Path(f"{info['ip']}-{info[k]}").unlink(missing_ok=True)
        for f in (mine, log, conn):
            f.unlink(missing_ok=True)
        km.warm_record = None
    return log_text


def remove_stale(root: str | Path, study: str) -> list[Path]:
    """Remove the records of kernels that no longer run or whose claimer has ended (a killed build),
    stopping such a kernel if it still runs, with their connection files and logs; return them."""
    d = paths.warm_kernels_dir(root, study)
    if not d.is_dir():
        return []
    removed = []
    for rec in sorted(d.glob("*.json")):
        if rec.name.endswith(".connection.json") or rec.name.startswith("zygote"):
            continue                              # the fork server ends by itself with the build
        m = re.search(r"\.claimed-(\d+)\.json$", rec.name)
        try:
            pid = int(json.loads(rec.read_text(encoding="utf-8"))["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            pid = None
        ours = pid is not None and _is_kernel_of(pid, record_path(root, study, rec.name.split(".")[0]))
        if ours and (m is None or alive(int(m.group(1)))):
            continue
        if ours:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
        rec.unlink(missing_ok=True)
        removed.append(rec)
    for f in list(d.glob("*.connection.json")) + list(d.glob("*.log")):
        stage = f.name.split(".")[0]
        if stage == "zygote":
            continue
        if not record_path(root, study, stage).exists() and not _claimed(record_path(root, study, stage)):
            f.unlink(missing_ok=True)
    return removed


def watch(record: Path, owner: int, interval: float = 0.25, grace: float = 10.0) -> None:
    """In a warm kernel: return (so the caller can exit) when the kernel is no longer wanted — its
    record is unclaimed and ``owner`` has ended, or the stage that claimed it has ended, or neither its
    record nor a claim exists (after ``grace`` seconds, the time its starter needs to write it)."""
    started = time.monotonic()
    while True:
        if record.exists():
            if not alive(owner):
                return
        else:
            claims = _claimed(record)
            if claims:
                m = re.search(r"\.claimed-(\d+)\.json$", claims[0].name)
                if m is None or not alive(int(m.group(1))):
                    return
            elif time.monotonic() - started > grace:
                return
        time.sleep(interval)


def start_watchdog_from_env() -> bool:
    """Called by :mod:`csat.pipeline.kernel_preload`: in a warm kernel (``CSAT_WARM_RECORD`` set), run
    :func:`watch` in a daemon thread and end the process when it returns.  False elsewhere."""
    record, owner = os.environ.get(ENV_RECORD), os.environ.get(ENV_OWNER)
    if not record or not owner:
        return False

    def run() -> None:
        try:
            watch(Path(record), int(owner))
        finally:
            os._exit(0)

    threading.Thread(target=run, name="csat-warm-watchdog", daemon=True).start()
    return True
