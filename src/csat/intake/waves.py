"""One data file per wave: read each with the intake's readers and stack them with a wave column.

``python -m csat.intake.waves`` writes the stacked file (see :func:`main`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd


# --------------------------------------------------------------------------------------------
# stacking one file per wave into one raw file
# --------------------------------------------------------------------------------------------
def same_columns(columns: Mapping, wave_column: str) -> list[str]:
    """The columns of the stacked data (``[wave_column, *columns of the first file]``) when every file has
    the same columns (in any order) and none is named ``wave_column``; else ``ValueError`` naming the file
    and the column.  ``columns``: ``{file: its column names}`` in wave order."""
    files = list(columns)
    first = list(columns[files[0]])
    for f in files:
        cols = list(columns[f])
        if wave_column in cols:
            raise ValueError(f"{f}: already has a column {wave_column!r}; name the wave column otherwise "
                             "(waves.column / --wave-column)")
        extra = [c for c in cols if c not in first]
        if extra:
            raise ValueError(f"{f}: column {extra[0]!r} is not in {files[0]}; every wave file must have the same "
                             "columns (rename it with data.rename or remove it)")
        absent = [c for c in first if c not in cols]
        if absent:
            raise ValueError(f"{f}: column {absent[0]!r} of {files[0]} is missing; every wave file must have "
                             "the same columns")
    return [wave_column] + first


def read_wave_files(files: Mapping, wave_column: str = "wave", *, encoding: str = "auto",
                    sheet: str | int | None = None, rename: Mapping[str, str] | None = None,
                    same: bool = True) -> tuple[pd.DataFrame, list[dict]]:
    """Read one raw export per wave (``{wave: path}``, in time order) and stack them with a wave column in
    front.  Each file is read by :func:`csat.intake.readers.read_raw` (CSV in any supported encoding, XLSX, SPSS,
    Stata) with the same ``encoding``/``sheet``, and ``rename`` (``data.rename``) is applied to each.

    ``same=True`` (a study's ``data.path`` listing one file per wave): every file must have the same
    columns (:func:`same_columns`).  ``same=False`` (``python -m csat.stats.tracking stack``): the columns are the
    union in order of first appearance (a question missing from a wave is blank there).  A file that
    already has a column named ``wave_column`` is a ``ValueError`` naming the file.

    Returns ``(data, metas)``: the stacked rows, indexed ``row`` = 1, 2, … across the files in order
    (the numbering of the stacked file ``python -m csat.stats.tracking stack`` writes), and each file's
    :func:`csat.intake.readers.read_raw` metadata with its ``wave`` added.
    """
    from csat.intake import readers as csat_io

    if len(files) < 2:
        raise ValueError("give at least two waves (wave=file)")
    frames, metas = [], []
    for wave, path in files.items():
        df, meta = csat_io.read_raw(path, encoding=encoding, sheet=sheet)
        if rename:
            df.columns = csat_io.apply_rename(Path(path), list(df.columns), dict(rename))
        if not same and wave_column in df.columns:
            raise ValueError(f"{path}: already has a column {wave_column!r}; choose another --wave-column")
        frames.append((path, df))
        metas.append({**meta, "wave": str(wave)})
    if same:
        same_columns({path: list(df.columns) for path, df in frames}, wave_column)
    out = []
    for (path, df), meta in zip(frames, metas):
        df = df.reset_index(drop=True)
        df.insert(0, wave_column, meta["wave"])
        out.append(df)
    data = pd.concat(out, ignore_index=True, sort=False)
    if same:
        data = data[list(out[0].columns)]
    data.index = pd.Index(np.arange(1, len(data) + 1), name="row")
    return data, metas


def stack_wave_files(files: Mapping[str, str], wave_column: str = "wave") -> pd.DataFrame:
    """Stack one raw export per wave (``{wave: path}``, in time order) into one table with a wave
    column in front, for a study whose ``data.path`` is the stacked file (:func:`read_wave_files` with
    the union of the columns; a question missing from a wave is blank there).  Raises ``ValueError``
    naming the file when a file already has a column named ``wave_column``."""
    return read_wave_files(files, wave_column, same=False)[0].reset_index(drop=True)


def main(argv: list[str] | None = None) -> int:
    """``python -m csat.stats.tracking stack --out data/raw/tracking.csv 2025H1=data/raw/h1.csv 2025H2=data/raw/h2.xlsx``"""
    import argparse
    import sys

    ap = argparse.ArgumentParser(prog="python -m csat.stats.tracking", description="tracking-study helpers")
    sub = ap.add_subparsers(dest="cmd", required=True)
    st = sub.add_parser("stack", help="stack one raw file per wave into one CSV with a wave column")
    st.add_argument("waves", nargs="+", metavar="WAVE=FILE", help="wave name and its raw file, in time order")
    st.add_argument("--out", required=True, help="the stacked UTF-8 CSV to write")
    st.add_argument("--wave-column", default="wave")
    a = ap.parse_args(argv)
    files = {}
    for tok in a.waves:
        if "=" not in tok:
            ap.error(f"{tok!r} must look like WAVE=FILE")
        w, f = tok.split("=", 1)
        if w in files:
            ap.error(f"wave {w!r} given twice")
        files[w] = f
    try:
        out = stack_wave_files(files, a.wave_column)
    except (ValueError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    from csat.intake.simulate import write_study_csv

    path = write_study_csv(out, a.out)
    print(f"wrote {path}: {len(out)} rows from {len(files)} waves ({', '.join(files)}); "
          f"set waves: {{column: {a.wave_column}, order: [{', '.join(files)}]}} in the params file")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
