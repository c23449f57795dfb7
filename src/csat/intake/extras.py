"""Columns the analyses of 02/06 read from the raw file besides the ones 01_cleaning keeps.

Weights columns, raking variables that are not ``groups``, Kano answers and SERVQUAL items are
not part of the cleaned data (01 keeps id, items, groups, recommend and duration). They are read
here from the raw file with the same reader (:func:`csat.intake.readers.read_raw`) and aligned to the cleaned
respondents by the raw data row number (the ``row`` column of ``clean.parquet``), so the
exclusions of 01 apply to them too. ``missing_codes`` become missing and text answers are mapped
with ``labels``, as for the items.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd


def numeric_answers(s: pd.Series, missing_codes: Sequence = (), labels: dict | None = None,
                    lo: float | None = None, hi: float | None = None) -> tuple[pd.Series, int]:
    """Answers as floats: missing codes and unmapped text -> NaN, text -> ``labels`` code, numbers
    outside ``lo..hi`` -> NaN. Returns ``(values, n_set_missing)`` (answers given but not usable)."""
    labels = labels or {}
    miss = {str(m).strip() for m in missing_codes}
    out = []
    bad = 0
    for v in s.tolist():
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            out.append(np.nan)
            continue
        t = str(v).strip()
        if t == "" or t in miss:
            out.append(np.nan)
            continue
        try:
            x = float(t)
            if x == int(x) and str(int(x)) in miss:
                out.append(np.nan)
                continue
        except ValueError:
            x = labels.get(t)
            if x is None:
                low = {str(k).lower(): c for k, c in labels.items()}
                x = low.get(t.lower())
            if x is None:
                bad += 1
                out.append(np.nan)
                continue
            x = float(x)
        if (lo is not None and x < lo) or (hi is not None and x > hi):
            bad += 1
            out.append(np.nan)
            continue
        out.append(x)
    return pd.Series(out, index=s.index, dtype=float, name=s.name), bad


def raw_columns(params, params_file: str | Path, clean: pd.DataFrame, columns: Sequence[str],
                root: str | Path | None = None) -> pd.DataFrame:
    """The raw file's ``columns`` for the respondents of ``clean`` (aligned on its ``row`` column).

    Returns a frame indexed like ``clean``. Columns already in ``clean`` are taken from it.
    """
    from csat.intake.readers import read_study_raw

    columns = list(dict.fromkeys(columns))
    need = [c for c in columns if c not in clean.columns]
    out = pd.DataFrame(index=clean.index)
    if need:
        raw, _, dp = read_study_raw(params, params_file, root=root)
        missing = [c for c in need if c not in raw.columns]
        if missing:
            raise KeyError(f"{dp}: column(s) {missing} not in the file")
        rows = clean["row"].to_numpy() if "row" in clean.columns else np.asarray(clean.index)
        sub = raw.loc[rows, need]
        sub.index = clean.index
        for c in need:
            out[c] = sub[c]
    for c in columns:
        if c in clean.columns:
            out[c] = clean[c]
    return out[columns]
