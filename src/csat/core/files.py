"""Machine-readable results: atomic writers (JSON, CSV, parquet, text, bytes).

Every notebook writes its results under ``reports/<study>/results/`` through these
functions, so that a file is either complete or absent (write to a temporary file in
the same folder, then ``os.replace``).
"""
from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:                      # pragma: no cover
    import pandas as pd

# numpy and pandas are not imported here: the build driver (csat.pipeline.build) writes its files through this
# module and starts faster without them.  A numpy or pandas object can only exist once they are imported.

_UMASK = os.umask(0)
os.umask(_UMASK)


def json_default(o: Any):
    """``json.dumps``'s ``default``: numpy scalars and arrays, pandas timestamps, paths and objects with
    ``to_dict`` (a :class:`csat.core.diagnostics.Diagnostic`) as JSON values."""
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
    if callable(getattr(o, "to_dict", None)):          # a csat.core.diagnostics.Diagnostic
        return o.to_dict()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def clean_nan(o: Any):
    """Replace NaN/inf by None so the JSON is standard (NaN is not valid JSON)."""
    if isinstance(o, float) and not math.isfinite(o):
        return None
    np = sys.modules.get("numpy")
    if np is not None and isinstance(o, np.floating) and not np.isfinite(o):
        return None
    if isinstance(o, dict):
        return {str(k): clean_nan(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [clean_nan(v) for v in o]
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
    obj = json.loads(json.dumps(obj, default=json_default, allow_nan=True))
    return atomic_write_text(path, json.dumps(clean_nan(obj), indent=2, ensure_ascii=False) + "\n")


def write_csv(path: str | Path, df: pd.DataFrame, index: bool = False) -> Path:
    """Write a DataFrame as UTF-8 CSV with a header row, atomically (17 significant digits)."""
    return atomic_write_text(path, df.to_csv(index=index, float_format="%.17g", lineterminator="\n"))


def write_parquet(path: str | Path, df: pd.DataFrame) -> Path:
    import io

    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return atomic_write_bytes(path, buf.getvalue())
