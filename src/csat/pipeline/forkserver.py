"""The kernel fork server of a study build: warm kernels forked from one process that has already
imported what every stage imports.

Booting a stage's kernel costs about 2.5 s of CPU, nearly all of it importing numpy, pandas, scipy,
matplotlib, ipykernel and csat (:mod:`csat.pipeline.kernel_preload`); on a two-core machine the six stages'
kernels take a fifth of a demo build's CPU.  ``csat.pipeline.build prepare`` therefore starts
(:func:`csat.pipeline.warm.start_zygote`), for a build that will run several stages, one *zygote*: a
process that imports those modules once (the *kernel modules* its starter names), listens on a Unix
socket, and for each warm kernel :func:`csat.pipeline.warm.spawn` asks for, forks a child that becomes an
ipykernel kernel — the same ``IPKernelApp`` that ``python -m ipykernel_launcher`` runs, with the same
arguments and environment, in its own session, its stderr in the kernel's log.  The child shares the
zygote's imported modules (copy-on-write) instead of importing them again, so a kernel is ready in a
fraction of a second.  Nothing a stage computes changes: it is the same code, loaded from the same
files, and each kernel is still fresh and runs one notebook (the parallel-build test compares every
result and figure byte for byte with a build whose kernels were all started from scratch).

The zygote also runs the build's commands: once idle it imports the *command modules* its starter
names (``csat.pipeline.build``, and the report's module, which the Makefile names) and warms nbconvert
up (its HTML exporter with the templates, pygments and mistune loaded), and ``python -m
csat.pipeline.build run`` and ``python -m csat.report study`` ask it (:func:`call`, through
:func:`csat.pipeline.warm.call_here_or_there`) to run their ``main`` in a forked child with their standard
streams (passed over the socket), environment, working directory and exit status, signals passed on;
about a second of start-up less per stage and for the report.  The zygote itself imports no module of
csat by name: what it loads is given to it.

Fork safety: the zygote has a single thread (it polls the socket, it starts no thread), has created no
ZeroMQ context, and has not used OpenBLAS's thread pool or OpenMP (nothing is computed); OpenBLAS
re-creates its threads in a child by itself.  The zygote reaps the kernels it forked as they end (so
their CPU time and memory add to its own children's, which ``make bench`` reads).

The zygote exits when the build's Make process (``--owner``) ends or its record is removed.  Its
record, ``reports/<study>/.build/kernels/zygote.json``, holds its pid and the (Linux abstract,
so never too long and never left behind as a file) socket address.  Linux only: elsewhere, and when
the zygote is not ready yet, kernels are started as separate programs as before.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sys
import time
import traceback
import uuid
from pathlib import Path

from csat.core.procs import alive

RECORD = "zygote.json"
ENV_CHILD = "CSAT_ZYGOTE_CHILD"


def available() -> bool:
    """Fork servers need ``fork`` and abstract Unix sockets: Linux."""
    return sys.platform == "linux" and hasattr(os, "fork")


def record_path(kernels_dir: str | Path) -> Path:
    return Path(kernels_dir) / RECORD


def start(kernels_dir: str | Path, owner: int, cwd: str | Path, interpreter: list[str],
          kernel_modules: list[str] | tuple[str, ...] = (),
          command_modules: list[str] | tuple[str, ...] = ()) -> int | None:
    """Start a zygote for the study whose warm-kernel folder is ``kernels_dir`` (in the background: it
    writes its record when it is ready), run by ``interpreter`` (the kernel spec's ``[python, options]``,
    so that its kernels are what the spec would start); return its pid, or None where fork servers are
    not available.

    ``kernel_modules``: what a kernel imports as it boots (its ``exec_lines``), imported before the
    zygote is ready; ``command_modules``: the modules of the commands that will be run in it
    (:func:`call`), imported once it is idle (:func:`serve`)."""
    import subprocess

    if not available():
        return None
    kernels_dir = Path(kernels_dir)
    kernels_dir.mkdir(parents=True, exist_ok=True)
    if running(kernels_dir):
        return None                               # one runs for this study already
    record_path(kernels_dir).unlink(missing_ok=True)   # left by a build that was killed
    with open(kernels_dir / "zygote.log", "wb") as log:
        proc = subprocess.Popen([*interpreter, "-m", "csat.pipeline.forkserver", "--dir", str(kernels_dir.resolve()),
                                 "--owner", str(int(owner)), "--interpreter", json.dumps(list(interpreter)),
                                 "--kernel-modules", json.dumps(list(kernel_modules)),
                                 "--command-modules", json.dumps(list(command_modules))],
                                cwd=str(cwd), stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
    (kernels_dir / "zygote.pid").write_text(str(proc.pid))
    return proc.pid


def fork_kernel(kernels_dir: str | Path, interpreter: list[str], argv: list[str], env: dict[str, str],
                cwd: str | Path, log: str | Path, wait: float = 0.0, timeout: float = 5.0) -> int | None:
    """Ask the study's zygote for the kernel ``<interpreter> -m ipykernel_launcher <argv>`` would start
    (with environment ``env``, in ``cwd``, stderr to ``log``); its pid, or None when no zygote of that
    interpreter is ready (then start the kernel as a program).  Waits up to ``wait`` seconds for a
    zygote that is still starting."""
    rec = record_path(kernels_dir)
    end = time.monotonic() + wait
    while not rec.exists() and time.monotonic() < end and running(kernels_dir):
        time.sleep(0.05)
    try:
        info = json.loads(rec.read_text(encoding="utf-8"))
        if info.get("interpreter") != list(interpreter):
            return None
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect("\0" + info["address"])
            s.sendall(json.dumps({"argv": list(argv), "env": dict(env), "cwd": str(cwd), "log": str(log)}).encode()
                      + b"\n")
            reply = b""
            while not reply.endswith(b"\n"):
                chunk = s.recv(4096)
                if not chunk:
                    break
                reply += chunk
        pid = json.loads(reply.decode()).get("pid")
        return int(pid) if pid else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def running(kernels_dir: str | Path) -> bool:
    """A zygote was started for this folder and is still running (it may not be ready yet)."""
    try:
        return alive(int((Path(kernels_dir) / "zygote.pid").read_text().strip()))
    except (OSError, ValueError):
        return False


def _preload_commands(modules: list[str]) -> None:
    """What the commands forked from the zygote (:func:`call`) import and set up before their work:
    ``modules`` (the commands' modules, named by the zygote's starter), then nbconvert's HTML exporter
    with its templates, pygments and mistune loaded; done once here, so that those commands start at
    once.  Nothing it does shows in any output."""
    import importlib

    for name in modules:
        importlib.import_module(name)
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# Title\n\nSome *text*, `code` and $x^2$."),
        nbformat.v4.new_code_cell("x = 1", outputs=[nbformat.v4.new_output("stream", name="stdout", text="1\n")])])
    HTMLExporter().from_notebook_node(nb)     # loads the templates, pygments and mistune once


def call(kernels_dir: str | Path, module: str, argv: list[str]) -> int | None:
    """Run ``python -m <module> <argv>`` (its ``main(argv)``) in a process forked from the study's ready
    zygote, with this process's standard streams, environment and working directory; wait for it and
    return its exit status, or None when no zygote is ready (then run the command here).

    The forked process has the zygote's command modules imported already (:func:`start`; for a build,
    papermill, nbconvert with its templates loaded, and csat), which is most of a stage driver's or the
    report's start-up.  SIGINT, SIGTERM and SIGHUP sent to this process
    (Make interrupted) are passed on to it, and it stops if this process dies."""
    rec = record_path(kernels_dir)
    try:
        info = json.loads(rec.read_text(encoding="utf-8"))
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect("\0" + info["address"])
        req = {"call": module, "argv": list(argv), "env": dict(os.environ), "cwd": os.getcwd(), "client": os.getpid()}
        socket.send_fds(s, [json.dumps(req).encode() + b"\n"], [0, 1, 2])
        f = s.makefile("rb")
        first = json.loads(f.readline().decode() or "{}")
    except (OSError, ValueError, KeyError, TypeError):
        return None
    pid = first.get("pid")
    if not pid:
        return None
    import signal

    def forward(signum, frame):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, forward)
    s.settimeout(None)
    while True:
        try:
            line = f.readline()
            break
        except InterruptedError:
            continue
    try:
        return int(json.loads(line.decode()).get("exit", 1)) if line else 1
    except (ValueError, TypeError):
        return 1


def _call_child(req: dict, fds: list[int], conn: socket.socket) -> None:
    """In the forked child: run ``<module>.main(argv)`` with the client's streams, environment and
    working directory, send its exit status to the client, and end (never returns)."""
    import importlib
    import threading

    code = 1
    try:
        for target, fd in zip((0, 1, 2), fds):
            os.dup2(fd, target)
        for fd in fds:
            os.close(fd)
        fds.clear()
        os.chdir(req["cwd"])
        os.environ.clear()
        os.environ.update(req["env"])
        os.environ[ENV_CHILD] = "1"           # the command runs here, it does not ask a zygote again
        for stream in (sys.stdout, sys.stderr):
            stream.reconfigure(line_buffering=os.isatty(stream.fileno()))
        client = int(req["client"])

        def watch_client() -> None:           # the client was killed: stop as if interrupted
            while alive(client):
                time.sleep(0.2)
            os.kill(os.getpid(), signal.SIGTERM)

        threading.Thread(target=watch_client, name="csat-zygote-client", daemon=True).start()
        sys.argv = [f"python -m {req['call']}", *req["argv"]]
        try:
            code = importlib.import_module(req["call"]).main(list(req["argv"]))
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        except KeyboardInterrupt:
            code = 130
    except BaseException:                     # noqa: BLE001 - shown to the client
        traceback.print_exc()
        code = 1
    finally:
        _flush()
        try:
            conn.sendall(json.dumps({"exit": int(code or 0)}).encode() + b"\n")
        except Exception:                     # noqa: BLE001
            pass
        os._exit(int(code or 0) & 0xFF)


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:                     # noqa: BLE001 - a closed stream: nothing to flush
            pass


def _reap() -> bool:
    """Reap the forked kernels that have ended (so that their CPU time and memory count in this
    process's children's, as a benchmark reads them); True while some still run."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return False
        if pid == 0:
            return True


def _child(req: dict, kernel_modules: list[str]) -> None:
    """In the forked child: become the kernel (never returns)."""
    code = 0
    try:
        os.setsid()
        null = os.open(os.devnull, os.O_RDWR)
        log = os.open(req["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(null, 0)
        os.dup2(null, 1)
        os.dup2(log, 2)
        os.close(null)
        os.close(log)
        os.chdir(req["cwd"])
        os.environ.clear()
        os.environ.update(req["env"])
        # the kernel's exec_lines import the kernel modules again: this time they see the kernel's
        # environment (csat.pipeline.kernel_preload: a warm kernel's record, whose watchdog it starts)
        for name in kernel_modules:
            sys.modules.pop(name, None)
        sys.argv = ["ipykernel_launcher", *req["argv"]]
        from ipykernel import kernelapp

        kernelapp.launch_new_instance(argv=list(req["argv"]))
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    except BaseException:                     # noqa: BLE001 - reported in the kernel's log
        traceback.print_exc()
        code = 1
    finally:
        _flush()
        os._exit(code)


def serve(kernels_dir: str | Path, owner: int, interpreter: list[str], poll: float = 0.25,
          kernel_modules: list[str] | tuple[str, ...] = (), command_modules: list[str] | tuple[str, ...] = ()) -> int:
    """Import what the stage kernels import (``kernel_modules``, see :func:`start`), then fork kernels
    and commands on request until ``owner`` ends; once idle, import ``command_modules``."""
    import importlib

    kernels_dir = Path(kernels_dir)
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]                       # as ipykernel_launcher: the kernel adds the cwd back itself
    # what ipykernel sets before a notebook can import matplotlib, set before the zygote imports it
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    import ipykernel.ipkernel  # noqa: F401
    import ipykernel.kernelapp  # noqa: F401

    kernel_modules = list(kernel_modules)
    for name in kernel_modules:                # csat.pipeline.kernel_preload: numpy, pandas, scipy.stats, ...
        importlib.import_module(name)

    commands_loaded = False                   # the stage driver's modules: loaded once idle (below)

    address = f"csat-zygote-{os.getpid()}-{uuid.uuid4().hex}"
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind("\0" + address)
    srv.listen(16)
    srv.settimeout(poll)
    rec = record_path(kernels_dir)
    tmp = rec.with_name(f".{rec.name}.{os.getpid()}")
    tmp.write_text(json.dumps({"pid": os.getpid(), "address": address, "owner": owner,
                               "interpreter": list(interpreter), "started": time.time()}),
                   encoding="utf-8")
    os.replace(tmp, rec)
    try:
        while alive(owner) and rec.exists():
            _reap()
            try:
                conn, _ = srv.accept()
            except socket.timeout:
                if not commands_loaded:       # ready for kernels first (the first stage waits for one)
                    commands_loaded = True
                    try:
                        _preload_commands(list(command_modules))
                    except Exception as err:  # noqa: BLE001 - a command forked later imports them itself
                        print(f"csat.pipeline.forkserver: {type(err).__name__}: {err}", file=sys.stderr)
                continue
            fds: list[int] = []
            try:
                conn.settimeout(5)
                data, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
                while data and not data.endswith(b"\n"):
                    chunk = conn.recv(1 << 20)
                    if not chunk:
                        break
                    data += chunk
                req = json.loads(data.decode())
                go_r, go_w = os.pipe()
                pid = os.fork()
                if pid == 0:
                    srv.close()
                    os.close(go_w)
                    os.read(go_r, 1)          # the reply with this pid is sent first
                    os.close(go_r)
                    if "call" in req:
                        _call_child(req, fds, conn)
                    conn.close()
                    _child(req, kernel_modules)
                os.close(go_r)
                conn.sendall(json.dumps({"pid": pid}).encode() + b"\n")
                os.write(go_w, b"x")
                os.close(go_w)
            except Exception as err:          # noqa: BLE001 - a bad request never ends the zygote
                print(f"csat.pipeline.forkserver: {type(err).__name__}: {err}", file=sys.stderr)
                try:
                    conn.sendall(json.dumps({"error": str(err)}).encode() + b"\n")
                except OSError:
                    pass
            finally:
                for fd in fds:
                    os.close(fd)
                conn.close()
    finally:
        srv.close()
        end = time.monotonic() + 2.0       # kernels still ending with the build: reap them too
        while _reap() and time.monotonic() < end:
            time.sleep(0.05)
        try:
            if json.loads(rec.read_text(encoding="utf-8")).get("pid") == os.getpid():
                rec.unlink()
        except (OSError, ValueError):
            pass
        try:
            pidfile = kernels_dir / "zygote.pid"
            if pidfile.read_text().strip() == str(os.getpid()):
                pidfile.unlink()
        except OSError:
            pass
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m csat.pipeline.forkserver", description="fork server of a study's warm kernels")
    ap.add_argument("--dir", required=True, help="reports/<study>/.build/kernels")
    ap.add_argument("--owner", type=int, required=True, help="pid of the build's Make: exit when it ends")
    ap.add_argument("--interpreter", required=True, help="JSON list: the command that runs this zygote's Python")
    ap.add_argument("--kernel-modules", default="[]",
                    help="JSON list: modules a kernel imports as it boots, imported before the zygote is ready")
    ap.add_argument("--command-modules", default="[]",
                    help="JSON list: modules of the commands run in forked children, imported once idle")
    args = ap.parse_args(argv)
    return serve(args.dir, args.owner, json.loads(args.interpreter), kernel_modules=json.loads(args.kernel_modules),
                 command_modules=json.loads(args.command_modules))


if __name__ == "__main__":
    sys.exit(main())
