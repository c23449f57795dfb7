"""One build per study at a time: the study's lock, ``reports/<study>/.build/lock``.

``make study`` runs its whole build (prepare, the stages, the report) under
``python -m csat.pipeline.build lock --study <name> -- <command>`` (:func:`run_locked`): the lock is an
exclusive ``fcntl.flock`` on the lock file, held by that process for as long as the command runs, and the
file holds the holder's pid and start time for the message a second build gets::

    error: study demo is being built by process 1234 since 10:02; wait or remove reports/demo/.build/lock if that process is gone

The kernel releases a ``flock`` when its holder ends, however it ends (an exception, a signal, ``kill -9``),
so a lock left by a dead process is simply taken over (with a note naming it).  On a filesystem
without ``flock`` the pid written in the file decides (:func:`csat.core.procs.alive`).
"""
from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import fcntl
import json
import os
import sys
from pathlib import Path

from csat.core import paths
from csat.core.errors import CsatError
from csat.core.procs import alive


class StudyLocked(CsatError):
    """Another process is building the study."""


def lock_path(root: str | Path, study: str) -> Path:
    """``reports/<study>/.build/lock``."""
    return paths.build_dir(root, study) / "lock"


def _read(fd: int) -> dict:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        data = os.read(fd, 4096).decode("utf-8", "replace")
        out = json.loads(data) if data.strip() else {}
        return out if isinstance(out, dict) else {}
    except (OSError, ValueError):
        return {}


def _since(info: dict) -> str:
    try:
        t = _dt.datetime.fromisoformat(str(info.get("time")))
        return t.astimezone().strftime("%H:%M")
    except (TypeError, ValueError):
        return "an unknown time"


def held_message(root: str | Path, study: str, info: dict) -> str:
    """The one line a second build of ``study`` stops with."""
    where = paths.relative(lock_path(root, study), root)
    return (f"study {study} is being built by process {info.get('pid', '?')} since {_since(info)}; "
            f"wait or remove {where} if that process is gone")


@contextlib.contextmanager
def study_lock(root: str | Path, study: str):
    """Hold the study's lock for the ``with`` block; raise :class:`StudyLocked` at once when another live
    process holds it.  Yields the record of a previous holder whose lock was taken over (it ended without
    releasing it), else None."""
    path = lock_path(root, study)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            if err.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise StudyLocked(held_message(root, study, _read(fd))) from None
            info = _read(fd)                    # no flock here (ENOLCK, …): the pid in the file decides
            if info.get("pid") not in (None, os.getpid()) and alive(int(info["pid"])):
                raise StudyLocked(held_message(root, study, info)) from None
        previous = _read(fd)
        stale = previous if previous.get("pid") not in (None, os.getpid()) else None
        me = {"pid": os.getpid(), "time": _dt.datetime.now().astimezone().isoformat(timespec="seconds")}
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, (json.dumps(me) + "\n").encode("utf-8"))
        try:
            yield stale
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)              # released: no holder named in the file
            _remove_if_alone(path)
    finally:
        os.close(fd)                             # releases the flock


def _remove_if_alone(path: Path) -> None:
    """A build that wrote nothing (a study refused before its first file) leaves no folder behind."""
    build, study_dir = path.parent, path.parent.parent
    with contextlib.suppress(OSError):
        if [p.name for p in build.iterdir()] == [path.name] and [p.name for p in study_dir.iterdir()] == [build.name]:
            path.unlink()
            build.rmdir()
            study_dir.rmdir()


def run_locked(root: str | Path, study: str, command: list[str]) -> int:
    """Run ``command`` (e.g. the inner ``make``) holding the study's lock; its exit status, or 1 with one line
    on stderr when another build of the study runs.  The Make jobserver's descriptors are passed on
    (``close_fds=False``); the lock's own descriptor is close-on-exec, so no child holds the lock."""
    import signal
    import subprocess

    if not command:
        print("error: lock: no command to run", file=sys.stderr)
        return 2
    try:
        with study_lock(root, study) as stale:
            if stale:
                print(f"note: study {study}: took over the lock of process {stale.get('pid')} (since "
                      f"{_since(stale)}), which is no longer running", file=sys.stderr)
            child = subprocess.Popen(command, close_fds=False)
            # Ctrl-C reaches the whole foreground group, the child included: wait for it to end; a TERM
            # sent to this process alone is passed on
            old_int = signal.signal(signal.SIGINT, signal.SIG_IGN)
            old_term = signal.signal(signal.SIGTERM, lambda *_: child.send_signal(signal.SIGTERM))
            try:
                return child.wait()
            finally:
                signal.signal(signal.SIGINT, old_int)
                signal.signal(signal.SIGTERM, old_term)
    except StudyLocked as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        print(f"error: study {study}: cannot lock {paths.relative(lock_path(root, study), root)} "
              f"({err.strerror or err})", file=sys.stderr)
        return 1
