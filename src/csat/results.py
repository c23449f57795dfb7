"""Machine-readable results: atomic writers and the diagnostics record.

Every notebook writes its results under ``reports/<study>/results/`` through these
functions, so that a file is either complete or absent (write to a temporary file in
the same folder, then ``os.replace``).
"""
from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable, Literal

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:                      # pragma: no cover
    import pandas as pd

# numpy and pandas are not imported here: the build driver (csat.build) writes its files through this
# module and starts faster without them.  A numpy or pandas object can only exist once they are imported.

_UMASK = os.umask(0)
os.umask(_UMASK)

Severity = Literal["info", "warning", "error"]


@dataclass(frozen=True)
class Diagnostic:
    """One warning raised by an analysis.

    code : short stable identifier, e.g. ``low_alpha``, ``heywood``, ``htmt``.
    severity : ``info`` | ``warning`` | ``error`` (``error`` = estimates untrustworthy).
    where : what it concerns, e.g. a construct, an item or a parameter (``SAT =~ sat1``).
    message : one plain sentence for the report, in English.
    message_zh : the same sentence in Chinese, shown in a ``language: zh`` report (empty: the
        registry's Chinese meaning of the code is shown, :data:`csat.diagnostic_codes.CODES`).
    """

    code: str
    severity: Severity
    where: str
    message: str
    stage: str = ""
    message_zh: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def _json_default(o: Any):
    np = sys.modules.get("numpy")
    if np is not None:
        if isinstance(o, (np.integer,)):
            return int(o)
        if isinstance(o, (np.floating,)):
            return float(o)
        if isinstance(o, np.ndarray):
            return o.tolist()
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(o, (pd.Timestamp,)):
        return o.isoformat()
    if isinstance(o, Diagnostic):
        return o.to_dict()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def _clean_nan(o: Any):
    """Replace NaN/inf by None so the JSON is standard (NaN is not valid JSON)."""
    if isinstance(o, float) and not math.isfinite(o):
        return None
    np = sys.modules.get("numpy")
    if np is not None and isinstance(o, np.floating) and not np.isfinite(o):
        return None
    if isinstance(o, dict):
        return {str(k): _clean_nan(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_clean_nan(v) for v in o]
    return o


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o666 & ~_UMASK)          # mkstemp makes 0600; results are ordinary files
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def write_json(path: str | Path, obj: Any) -> Path:
    """Write ``obj`` as pretty, standard JSON (NaN -> null), atomically."""
    obj = json.loads(json.dumps(obj, default=_json_default, allow_nan=True))
    return atomic_write_text(path, json.dumps(_clean_nan(obj), indent=2, ensure_ascii=False) + "\n")


def write_csv(path: str | Path, df: pd.DataFrame, index: bool = False) -> Path:
    """Write a DataFrame as UTF-8 CSV with a header row, atomically (17 significant digits)."""
    return atomic_write_text(path, df.to_csv(index=index, float_format="%.17g", lineterminator="\n"))


def write_parquet(path: str | Path, df: pd.DataFrame) -> Path:
    import io

    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return atomic_write_bytes(path, buf.getvalue())


def results_dir(study: str, root: str | Path = ".") -> Path:
    from .paths import results_dir as _results_dir

    return _results_dir(root, study)


class UnknownDiagnosticCode(ValueError):
    """A diagnostic whose code is not in :data:`csat.diagnostic_codes.CODES` (a bug: register the code)."""


def check_code(code: str, severity: str | None = None) -> None:
    """Check a diagnostic's code against the registry (:mod:`csat.diagnostic_codes`) and its severity.

    An unknown code or severity raises :class:`UnknownDiagnosticCode` when the environment variable
    ``CSAT_STRICT_DIAGNOSTICS`` is ``1`` (the test suite sets it), else it is a ``UserWarning`` and the
    diagnostic is still written: a report is never lost to an unregistered code.
    """
    from .diagnostic_codes import CODES

    problem = None
    if code not in CODES:
        problem = f"diagnostic code {code!r} is not registered in csat.diagnostic_codes"
    elif severity is not None and severity not in ("info", "warning", "error"):
        problem = f"diagnostic {code!r}: severity {severity!r} is not info, warning or error"
    if problem is None:
        return
    if os.environ.get("CSAT_STRICT_DIAGNOSTICS") == "1":
        raise UnknownDiagnosticCode(problem)
    import warnings

    warnings.warn(problem, stacklevel=3)


def merge_diagnostics(path: str | Path, stage: str, diags: Iterable[Diagnostic | dict]) -> list[dict]:
    """Replace this stage's entries in ``diagnostics.json`` by ``diags`` and write it atomically.

    The file is one JSON list of ``{"code", "severity", "where", "message", "stage", "message_zh"}``;
    entries of other stages are kept, so each notebook can be re-run on its own.  Entries are
    ordered by stage name (``01_cleaning`` < ``02_…``), each stage's in the order given, so the file
    does not depend on the order in which stages ran; the read-modify-write holds an exclusive lock on
    the file's folder, so stages running at the same time (``make -j``) do not lose each other's entries.
    Every new entry's code must be registered (:func:`check_code`).
    """
    import fcntl
    import os

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        old: list[dict] = []
        if path.is_file():
            try:
                old = json.loads(path.read_text(encoding="utf-8"))
            except json.JSONDecodeError:
                old = []
        new = []
        for d in diags:
            d = d.to_dict() if isinstance(d, Diagnostic) else dict(d)
            check_code(d.get("code"), d.get("severity"))
            d["stage"] = stage
            new.append(d)
        kept = [d for d in old if d.get("stage") != stage]
        out = sorted(kept + new, key=lambda d: str(d.get("stage")))
        write_json(path, out)
    finally:
        os.close(fd)                       # releases the lock
    return out
