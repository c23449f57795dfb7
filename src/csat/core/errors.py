"""Every error csat raises on purpose, under one base class.

A user's mistake (a parameter file, a data file, a model) or a missing program ends a build with one
line naming the file, key, column or row.  All such errors derive from :class:`CsatError`, so the
build driver (``csat.pipeline.build``) can tell an expected, explained failure from a bug: the first is printed
as its message alone, the second with its traceback.

The classes keep the built-in base they always had (``ValueError`` for bad input, ``RuntimeError``
for a missing tool), so code that caught those keeps working.

Examples
--------
>>> from csat.core.errors import CsatError, ParamsError
>>> issubclass(ParamsError, CsatError) and issubclass(ParamsError, ValueError)
True
"""
from __future__ import annotations

__all__ = [
    "CsatError",
    "ParamsError", "DataError", "DataFactError", "ModelSyntaxError", "ModelError",
    "FactorError", "WeightsError", "ReportError", "GraphvizMissing", "FontNotFoundError",
]


class CsatError(Exception):
    """Base of every error csat raises on purpose; its message is meant for the user as it is."""


# --------------------------------------------------------------------------- bad input
class ParamsError(CsatError, ValueError):
    """A study parameter file is invalid (the message names file and key)."""


class DataError(CsatError, ValueError):
    """A raw data file cannot be used as it is (the message names the file, column and rows)."""


class DataFactError(CsatError, ValueError):
    """The cleaned data cannot be analysed as specified (the message names the item and why)."""


class ModelSyntaxError(CsatError, ValueError):
    """A model statement that cannot be parsed; the message names the line and its text."""


class ModelError(CsatError, ValueError):
    """A model that cannot be estimated: unknown variable, not identified, bad data."""


class FactorError(CsatError, ValueError):
    """The data cannot be factor-analysed (message names the reason)."""


class WeightsError(CsatError, ValueError):
    """Weights cannot be made from the given column or margins (the message names them)."""


# --------------------------------------------------------------------------- environment
class ReportError(CsatError, RuntimeError):
    """The report cannot be built (the message says which file or program is missing)."""


class GraphvizMissing(CsatError, RuntimeError):
    """Graphviz's ``dot`` program is not installed."""


class FontNotFoundError(CsatError, RuntimeError):
    """No font with Chinese glyphs is installed."""
