"""The command that stacks one raw export per wave into one file with a wave column.

``python -m csat.intake.waves stack --out data/raw/tracking.csv 2025H1=data/raw/h1.csv 2025H2=data/raw/h2.xlsx``
writes the stacked file (:func:`main`) for a study whose ``data.path`` is that one file.  A study may
instead list one file per wave in ``data.path``; then the intake reads and stacks them itself
(:func:`csat.intake.readers.read_wave_files`, the same reading and numbering of the rows).
"""
from __future__ import annotations

from typing import Mapping

import pandas as pd

from csat.intake.readers import read_wave_files

__all__ = ["stack_wave_files", "main"]


def stack_wave_files(files: Mapping[str, str], wave_column: str = "wave") -> pd.DataFrame:
    """Stack one raw export per wave (``{wave: path}``, in time order) into one table with a wave
    column in front, for a study whose ``data.path`` is the stacked file (:func:`csat.intake.readers.read_wave_files` with
    the union of the columns; a question missing from a wave is blank there).  Raises ``ValueError``
    naming the file when a file already has a column named ``wave_column``."""
    return read_wave_files(files, wave_column, same=False)[0].reset_index(drop=True)


def main(argv: list[str] | None = None) -> int:
    """``python -m csat.intake.waves stack --out data/raw/tracking.csv 2025H1=data/raw/h1.csv 2025H2=data/raw/h2.xlsx``"""
    import argparse
    import sys

    ap = argparse.ArgumentParser(prog="python -m csat.intake.waves", description="tracking-study helpers")
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
