"""What a stage's Jupyter kernel imports while it boots (``csat.pipeline.build run``).

:func:`csat.pipeline.build.run_stage` starts each stage's kernel with ``--IPKernelApp.exec_lines=import
csat.pipeline.kernel_preload``: ipykernel runs that line before it answers its first request, so the modules
every stage notebook imports (numpy, pandas, scipy.stats, matplotlib, pydantic through
``csat.config.params``, ``csat.pipeline.stage`` and ``csat.viz.plots``) load in the kernel's process while the driver
process is still importing papermill and nbconvert, instead of afterwards in the notebook's first
code cell.  Nothing a notebook shows or computes changes: the notebook still runs its own imports
(now already done), and ``exec_lines`` run without touching the execution count.

It also skips one piece of work scipy (1.15 and later) does at import that nothing here uses:
:func:`scipy._lib._array_api.xp_capabilities` rewrites the docstring of some 600 functions (parsing
each with numpydoc's docscrape) to append a table of the array libraries each supports; on the
reference machine that is about 0.4 s of the 1.5 s ``import scipy.stats`` takes, in every stage.  In
the stage kernels only, the decorator is replaced by one that returns the function unchanged, so
``help(scipy.stats.ttest_ind)`` lacks that table there; the functions themselves are the same
objects.  The replacement is skipped if scipy's internals are not as expected (another version) or
scipy.stats is already imported.  Any failure here is reported on the kernel's stderr and the
notebook's own imports then do the work as before.

In a warm kernel (booted in advance for a later stage, :mod:`csat.pipeline.warm`) it first starts the watchdog
that ends the kernel when the build no longer needs it (:func:`csat.pipeline.warm.start_watchdog_from_env`).
"""
from __future__ import annotations

import sys

MODULES = ("numpy", "pandas", "scipy.stats", "matplotlib.pyplot", "csat.config.params", "csat.pipeline.stage", "csat.viz.plots",
           "csat.core.files")


def skip_scipy_docstring_tables() -> bool:
    """Make scipy's ``xp_capabilities`` decorator a no-op for the modules imported from now on;
    True if it was replaced (see the module docstring)."""
    if "scipy.stats" in sys.modules:
        return False
    try:
        import scipy._lib._array_api as aa
    except Exception:                     # no scipy, or another layout: nothing to skip
        return False
    if not callable(getattr(aa, "xp_capabilities", None)):
        return False

    def xp_capabilities(*args, **kwargs):
        def decorator(f):
            return f
        return decorator

    aa.xp_capabilities = xp_capabilities
    return True


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
try:
    skip_scipy_docstring_tables()
except Exception as _err:                 # never stop a kernel from starting
    print(f"csat.pipeline.kernel_preload: {_err}", file=sys.stderr)
preload()
