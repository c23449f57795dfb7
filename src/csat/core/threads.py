"""BLAS threads: one for the small and tall matrix products of the estimators.

On a machine whose cores are shared (bootstrap workers, parallel builds), BLAS threads on products of a
few hundred columns only contend.  :func:`one_blas_thread` limits BLAS to one thread for a ``with``
block, as ``threadpoolctl.threadpool_limits(limits=1, user_api="blas")``, but scans the loaded
libraries once per process (numpy's and scipy's BLAS; a fresh scan costs milliseconds, more than many of the products it guards).
"""
from __future__ import annotations

__all__ = ["one_blas_thread"]

_CONTROLLER = None


def one_blas_thread():
    """A context manager: BLAS on one thread inside the block, the previous limits restored after.

    >>> import numpy as np
    >>> with one_blas_thread():
    ...     float(np.ones((3, 3)).sum())
    9.0
    """
    global _CONTROLLER
    if _CONTROLLER is None:
        import numpy  # noqa: F401  (numpy's and scipy's BLAS loaded before the one scan)
        import scipy.linalg  # noqa: F401
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")
