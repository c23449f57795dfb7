"""BLAS threads: one for the small and tall matrix products of the estimators.

On a machine whose cores are shared (bootstrap workers, parallel builds), BLAS threads on products of a
few hundred columns only contend.  :func:`one_blas_thread` limits BLAS to one thread for a ``with``
block and restores the previous number after it, as ``threadpoolctl.threadpool_limits(limits=1,
user_api="blas")`` does, but cheaply: threadpoolctl resolves the path of every loaded shared library
(hundreds once pandas, pyarrow and scipy are loaded: some 15 ms of CPU time and, on a loaded machine,
a quarter of a second of file-system calls) at every call.  Here the OpenBLAS libraries that numpy and
scipy load (pthreads builds, as their wheels) are found once per process in ``/proc/self/maps`` and
their ``openblas_set_num_threads`` called directly; elsewhere (another BLAS, an OpenMP build, not Linux)
threadpoolctl's controller is made once and reused.
"""
from __future__ import annotations

import itertools
import os
from contextlib import contextmanager

__all__ = ["one_blas_thread"]

_OPENBLAS = None          # [(get_num_threads, set_num_threads)] of the loaded OpenBLAS, or [] if not usable
_CONTROLLER = None        # threadpoolctl's controller, the fallback


def _openblas() -> list:
    """The thread-count functions of the loaded OpenBLAS libraries (numpy's and scipy's), found once;
    ``[]`` when a BLAS there is not a pthreads OpenBLAS (the caller then uses threadpoolctl)."""
    global _OPENBLAS
    if _OPENBLAS is not None:
        return _OPENBLAS
    import ctypes

    import numpy  # noqa: F401  (numpy's and scipy's BLAS loaded before the one look)
    import scipy.linalg  # noqa: F401

    found: list = []
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as fh:
            maps = [ln.split(maxsplit=5)[-1].strip() for ln in fh if ln.count(" ") >= 5]
    except OSError:
        maps = []
    paths = list(dict.fromkeys(p for p in maps if p.startswith("/")))
    blas = [p for p in paths if "blas" in os.path.basename(p).lower() and ".so" in os.path.basename(p)
            and not os.path.basename(p).startswith("_") and "cython" not in os.path.basename(p)]
    for path in blas:
        name = os.path.basename(path).lower()
        if "openblas" not in name:
            _OPENBLAS = []                       # another BLAS (MKL, BLIS, reference): threadpoolctl
            return _OPENBLAS
        try:
            lib = ctypes.CDLL(path, mode=getattr(os, "RTLD_NOLOAD", 0))
        except OSError:
            _OPENBLAS = []
            return _OPENBLAS
        for pre, suf in itertools.product(("", "scipy_"), ("", "64_", "_64")):
            get = getattr(lib, f"{pre}openblas_get_num_threads{suf}", None)
            if get is None:
                continue
            par = getattr(lib, f"{pre}openblas_get_parallel{suf}", None)
            if par is None or par() == 2:         # an OpenMP build: per-thread limits, threadpoolctl's way
                _OPENBLAS = []
                return _OPENBLAS
            found.append((get, getattr(lib, f"{pre}openblas_set_num_threads{suf}")))
            break
        else:
            _OPENBLAS = []
            return _OPENBLAS
    _OPENBLAS = found
    return _OPENBLAS


@contextmanager
def _openblas_one(libs: list):
    before = [get() for get, _ in libs]
    for _, set_ in libs:
        set_(1)
    try:
        yield
    finally:
        for (_, set_), k in zip(libs, before):
            set_(k)


def one_blas_thread():
    """A context manager: BLAS on one thread inside the block, the previous limits restored after.

    >>> import numpy as np
    >>> with one_blas_thread():
    ...     float(np.ones((3, 3)).sum())
    9.0
    """
    libs = _openblas()
    if libs:
        return _openblas_one(libs)
    global _CONTROLLER
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")
