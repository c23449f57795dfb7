"""Processes: whether one still runs, and how a child ends with its parent.

A build starts many processes — bootstrap workers (:func:`csat.sem.effects.run_bootstrap`), Jupyter
kernels (:mod:`csat.pipeline.warm`, :mod:`csat.pipeline.forkserver`), Chromium printing the PDF
(:mod:`csat.report.pdf`) — and none of them may outlive a build that is interrupted or killed.
The few system calls that ensure it live here, below every layer, so that each user calls the same
code:

* :func:`alive`: whether a pid runs (a zombie does not);
* :func:`die_with_parent`: the kernel kills this process when its parent ends (Linux
  ``prctl(PR_SET_PDEATHSIG, SIGKILL)``);
* :func:`exit_with_parent`: a thread ends this process when its parent changes (for processes whose
  parent may be a thread that ends before it, where the death signal would come too early);
* :func:`become_subreaper`: orphans of this process's descendants are re-parented to it, not to
  init (Linux ``prctl(PR_SET_CHILD_SUBREAPER)``), so that it can reap them and count their CPU time.

Elsewhere than on Linux the ``prctl`` calls do nothing.  Only the standard library is used.
"""
from __future__ import annotations

import os

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36


def alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, ended but not yet reaped, does not).

    >>> alive(os.getpid())
    True
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:                                   # a zombie (exited, not yet reaped) is not alive
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as fh:
            return fh.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True


def _prctl(option: int, arg: int) -> bool:
    """``prctl(option, arg, 0, 0, 0)`` through the C library; False where it fails or does not exist."""
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl(option, arg, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def die_with_parent(parent_pid: int | None = None, sig: int | None = None) -> None:
    """Have this process killed (``SIGKILL``, or the signal ``sig``) when the process that forked it ends.

    Called in the child: a bootstrap worker (as the pool's initializer), Chromium before ``exec``.
    On Linux ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` asks the kernel to do it; elsewhere nothing is
    set.  With ``parent_pid`` (the parent's pid, read in the parent), a parent that is already gone
    ends this process at once, since its death signal would never come."""
    import signal

    _prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL if sig is None else sig))
    if parent_pid is not None and os.getppid() != parent_pid:
        os._exit(1)


def exit_with_parent(parent: int, interval: float = 1.0) -> None:
    """End this process (``os._exit(1)``) once its parent is no longer ``parent``: a daemon thread
    checks every ``interval`` seconds."""
    import threading
    import time

    def watch() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="csat-exit-with-parent", daemon=True).start()


def become_subreaper() -> bool:
    """Make this process the subreaper of what it starts (Linux ``PR_SET_CHILD_SUBREAPER``): a
    descendant whose parent ends is re-parented to this process rather than to init, so that its CPU
    time and memory count among this process's children once it is reaped.  True if it worked."""
    return _prctl(PR_SET_CHILD_SUBREAPER, 1)
