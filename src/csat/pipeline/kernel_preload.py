"""What a stage's Jupyter kernel imports while it boots (``csat.pipeline.build run``).

:func:`csat.pipeline.build.run_stage` starts each stage's kernel with ``--IPKernelApp.exec_lines=import
csat.pipeline.kernel_preload`` (:data:`csat.pipeline.warm.PRELOAD_ARGUMENT`): ipykernel runs that line
before it answers its first request, so the modules every stage notebook imports (numpy, pandas,
scipy.stats, matplotlib, pydantic through ``csat.config.params``, ``csat.pipeline.stage`` and
``csat.viz.plots``) load in the kernel's process while the driver process is still importing papermill
and nbconvert, instead of afterwards in the notebook's first code cell.  Nothing a notebook shows or computes changes: the notebook still runs its own imports
(now already done), and ``exec_lines`` run without touching the execution count.

In a warm kernel (booted in advance for a later stage, :mod:`csat.pipeline.warm`) it first starts the watchdog
that ends the kernel when the build no longer needs it (:func:`csat.pipeline.warm.start_watchdog_from_env`).
"""
from __future__ import annotations

import sys

MODULES = ("numpy", "pandas", "scipy.stats", "matplotlib.pyplot", "csat.config.params", "csat.pipeline.stage", "csat.viz.plots",
           "csat.core.files")


def preload(modules: tuple[str, ...] = MODULES) -> list[str]:
    """Import ``modules``; return those that could not be imported (each reported on stderr)."""
    import importlib

    failed = []
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as err:          # the notebook's own import will raise it where it is seen
            failed.append(name)
            print(f"csat.pipeline.kernel_preload: {name}: {type(err).__name__}: {err}", file=sys.stderr)
    return failed


try:
    from csat.pipeline.warm import start_watchdog_from_env

    start_watchdog_from_env()
except Exception as _err:                 # never stop a kernel from starting
    print(f"csat.pipeline.kernel_preload: {_err}", file=sys.stderr)
preload()
