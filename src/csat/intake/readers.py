"""Intake of raw survey exports: CSV (UTF-8, UTF-8-BOM, GBK/GB18030), XLSX, SPSS ``.sav``, Stata ``.dta``.

The raw file is only ever *read* (``data/raw/`` is never written).  :func:`read_raw` reads
any supported file into a DataFrame whose index is the 1-based **data row number as in the
file** (the first row below the header is row 1; in a CSV, row *r* is on line *r + 1*), and
returns the file's metadata (format, encoding, sheet, SPSS/Stata value and variable labels,
SHA-256 of the bytes).  :func:`load_study_data` then applies a study's parameters:

1. every column the study names must exist (else one :class:`csat.core.errors.DataError` listing
   near matches, "did you mean 'sat_1'?");
2. answers in item columns are turned into numbers: empty cells and ``missing_codes`` become
   missing, text answers are mapped through ``labels`` (``非常满意: 5``, ``Strongly disagree: 1``);
   a text answer that maps to nothing is an error naming the column, the answer and the first
   data rows where it occurs;
3. values outside ``scale`` (or outside 0-10 for the ``recommend`` column) are reported in a
   tidy table (``column, row, value``) and set missing - never silently kept;
4. if *every* respondent has all items missing the file cannot be analysed (error).  A single
   respondent without answers is not an error here: the cleaning stage drops it by the
   ``max_missing_share`` rule.

When ``data.path`` lists one file per wave, :func:`read_wave_files` reads each file alike and stacks
them with the wave column in front (:func:`read_study_raw`); ``python -m csat.intake.waves stack``
writes the same stacked table to one file.

Every problem is raised as one :class:`csat.core.errors.DataError` (a ``ValueError``) whose message
names the file and, where it applies, the column and rows.
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import io as _io
import math
import numbers
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from csat.core.errors import DataError
from csat.core.files import write_csv, write_parquet
from csat.core.text import suggest
from csat.intake.anchors import standard_codes

__all__ = ["IntakeReport", "read_columns", "read_raw", "apply_rename", "same_columns", "read_wave_files",
           "read_study_raw", "load_study_data", "workbook_sheets", "make_codebook", "write_processed", "CSV_SUFFIXES",
           "EXCEL_SUFFIXES", "combine_header_rows"]

CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
SPSS_SUFFIXES = {".sav", ".zsav"}
STATA_SUFFIXES = {".dta"}
SUPPORTED = ".csv .xlsx .sav .dta"
RECOMMEND_RANGE = (0.0, 10.0)
_N_ROWS_SHOWN = 5

#: Text that means "no answer" in any study (survey platforms, R, Excel, databases), recognised
#: without being listed in ``missing_codes``; each is counted in the intake report.  Latin tokens
#: match case-insensitively; empty cells are counted as ``(empty)``.
DEFAULT_MISSING_TOKENS = ("NA", "N/A", "#N/A", "NULL", "(跳过)", "（跳过）", "(空)", "（空）", "-")
#: Number-like text that is not a usable answer: set missing and reported as a warning.
NONFINITE_TOKENS = ("nan", "inf", "+inf", "-inf", "infinity", "+infinity", "-infinity")
#: A header longer than this is reported (give the column a short name with ``data.rename``).
LONG_HEADER = 200
_TOKEN_INDEX = {t.casefold(): t for t in DEFAULT_MISSING_TOKENS}


def missing_token(v) -> str | None:
    """The canonical missing token ``v`` stands for (``"NA"``, ``"(跳过)"``, ``"NaN"``, ...), else None."""
    if not isinstance(v, str):
        return None
    t = v.strip()
    if t in _TOKEN_INDEX.values():
        return t
    cf = t.casefold()
    if cf in _TOKEN_INDEX:
        return _TOKEN_INDEX[cf]
    if cf in NONFINITE_TOKENS:
        return "NaN" if cf == "nan" else "inf"
    return None

# File signatures of things that are sometimes renamed to .csv by mistake.
_MAGIC = [
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (an .xlsx workbook? then name it .xlsx)"),
    (b"\xd0\xcf\x11\xe0", "an old binary Office file (.xls/.doc; save it as .xlsx or .csv)"),
    (b"$FL2", "an SPSS .sav file (name it .sav)"),
    (b"$FL3", "an SPSS .zsav file (name it .sav)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
]


# ----------------------------------------------------------------------------- helpers
def _fmt_rows(rows, limit: int = _N_ROWS_SHOWN) -> str:
    rows = [int(r) for r in rows]
    shown = ", ".join(str(r) for r in rows[:limit])
    more = f" and {len(rows) - limit} more" if len(rows) > limit else ""
    return f"{'row' if len(rows) == 1 else 'rows'} {shown}{more}"


def _fmt_value(v) -> str:
    if isinstance(v, float) and v.is_integer():
        return repr(int(v))
    return repr(v)


def _kind(path: Path) -> str:
    suf = path.suffix.lower()
    if suf in CSV_SUFFIXES:
        return "csv"
    if suf in EXCEL_SUFFIXES:
        return "xlsx"
    if suf in SPSS_SUFFIXES:
        return "sav"
    if suf in STATA_SUFFIXES:
        return "dta"
    if suf == ".xls":
        raise DataError(f"{path}: old Excel .xls files are not supported; save the sheet as .xlsx or .csv")
    raise DataError(f"{path}: unsupported file type {path.suffix or '(no extension)'!r}; use one of {SUPPORTED}")


def _check_file(path: Path) -> None:
    if not path.exists():
        raise DataError(f"{path}: data file not found")
    if path.is_dir():
        raise DataError(f"{path}: is a folder, not a data file; name the file in it (key 'data.path')")
    if not path.is_file():
        raise DataError(f"{path}: is not a file")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: the file is empty (0 bytes)")


def _sniff_binary(path: Path, head: bytes) -> None:
    """Refuse files that are obviously not text tables (images, archives, binary junk)."""
    for magic, what in _MAGIC:
        if head.startswith(magic):
            raise DataError(f"{path}: is not a table: the file is {what}, not a CSV text file")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    if b"\x00" in head:
        raise DataError(f"{path}: is not a table: the file holds binary data (NUL bytes), not CSV text")
    ctrl = sum(1 for b in head if b < 32 and b not in (9, 10, 13, 12))
    if head and ctrl > max(2, 0.01 * len(head)):
        raise DataError(f"{path}: is not a table: the file holds binary data ({ctrl} control bytes in the "
                        f"first {len(head)}), not CSV text")


#: The legacy encodings ``encoding: auto`` tells apart when a file is not UTF-8: the Chinese platforms' GB18030
#: (a superset of GBK/GB2312) and Big5, and Windows-1252 (Western European exports from Excel).
AUTO_LEGACY = ("gb18030", "big5", "cp1252")
_ENC_NAMES = {"gb18030": "gb18030", "big5": "big5", "cp1252": "cp1252", "windows-1252": "cp1252",
              "cp950": "big5", "big5hkscs": "big5", "gbk": "gb18030", "gb2312": "gb18030"}
_TOKEN_RE = re.compile(r"[^\s,;\t|\"']*[^\x00-\x7f][^\s,;\t|\"']*")
_MAX_TOKENS = 5000


def _is_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False


def _odd_token(tok: str, enc: str) -> bool:
    """Whether one decoded value (a run of text with a non-ASCII character) looks like mojibake.

    Latin reading (cp1252) of CJK bytes: a non-letter symbol next to a non-ASCII letter (``Å®``, ``Ã©``) or
    three non-ASCII letters in a row (``ÂúÒâ``).  CJK reading of Latin bytes: a CJK character with an ASCII
    letter on both sides (``K鰈n``, ``Z黵ich``), for GB18030 a character outside GB2312 next to an ASCII letter
    (``S鉶``: an accented letter and the next ASCII letter read as one rare character), or a private-use
    character."""
    import unicodedata

    if any("\ue000" <= c <= "\uf8ff" or unicodedata.category(c) in ("Co", "Cn") for c in tok):
        return True
    if enc == "cp1252":
        run = 0
        for i, c in enumerate(tok):
            if ord(c) < 128:
                run = 0
                continue
            cat = unicodedata.category(c)
            if cat.startswith("L"):
                run += 1
                if run >= 3:
                    return True
            else:
                run = 0
                near = [tok[j] for j in (i - 1, i + 1) if 0 <= j < len(tok)]
                if any(ord(x) >= 128 and unicodedata.category(x).startswith("L") for x in near):
                    return True
        return False
    for i, c in enumerate(tok):
        if ord(c) < 128:
            continue
        left = tok[i - 1] if i > 0 else ""
        right = tok[i + 1] if i + 1 < len(tok) else ""
        l_ascii, r_ascii = left.isascii() and left.isalpha(), right.isascii() and right.isalpha()
        if l_ascii and r_ascii:
            return True
        if enc == "gb18030" and (l_ascii or r_ascii) and not _is_gb2312(c):
            return True
    return False


def _mojibake(text: str, enc: str) -> tuple[int, str | None]:
    """``(line, value)`` of the first value of ``text`` that looks like mojibake when read as ``enc``
    (:func:`_odd_token`), else ``(0, None)``; looks at the first :data:`_MAX_TOKENS` distinct values (of at most
    50 times as many)."""
    seen: set[str] = set()
    for k, m in enumerate(_TOKEN_RE.finditer(text)):
        if k >= 50 * _MAX_TOKENS:                  # a large file repeats its values: enough has been seen
            break
        tok = m.group(0)
        if tok in seen:
            continue
        seen.add(tok)
        if _odd_token(tok, enc):
            return text.count("\n", 0, m.start()) + 1, tok
        if len(seen) >= _MAX_TOKENS:
            break
    return 0, None


def _first_difference(readings: dict[str, str]) -> tuple[int, dict[str, str]]:
    """The line and the value of the first place where the readings of the same bytes differ."""
    texts = list(readings.values())
    lines = [t.splitlines() for t in texts]
    for n, row in enumerate(zip(*lines), start=1):
        if len(set(row)) > 1:
            vals = [dict.fromkeys(_TOKEN_RE.findall(r)) for r in row]
            for j, v in enumerate(vals[0]):
                others = [list(x)[j] if j < len(x) else "" for x in vals[1:]]
                if any(o != v for o in others):
                    return n, dict(zip(readings, [v, *others]))
            return n, dict(zip(readings, row))
    return 1, {e: t[:40] for e, t in readings.items()}


def common_hanzi_share(text: str, enc: str) -> float:
    """The share of the distinct Chinese characters of ``text`` that are everyday characters of ``enc``'s
    script: GB2312's first level (the 3,755 most used simplified characters, lead bytes 0xB0–0xD7) for GB18030,
    Big5's first level (the 5,401 most used traditional characters, 0xA440–0xC67E) for Big5; 1.0 without
    Chinese characters.  The same bytes read in the wrong one of the two give rare characters (GB18030
    '备注' read as Big5 is '掘蛁'), so a reading made of everyday characters against one that is not
    tells them apart where a detector cannot (short texts)."""
    chars = {c for c in text if "\u4e00" <= c <= "\u9fff"}
    if not chars:
        return 1.0
    def everyday(c: str) -> bool:
        try:
            if enc == "gb18030":
                b = c.encode("gb2312")
                return 0xB0 <= b[0] <= 0xD7
            b = c.encode("big5")
            return 0xA440 <= int.from_bytes(b[:2], "big") <= 0xC67E
        except UnicodeEncodeError:
            return False
    return sum(everyday(c) for c in chars) / len(chars)


def _detect_legacy(path: Path, data: bytes) -> tuple[str, str]:
    """Tell GB18030, Big5 and Windows-1252 apart for a file that is not UTF-8: each that decodes the bytes is read
    and checked for mojibake (:func:`_mojibake`); charset-normalizer (a maintained detector) orders the readings
    and decides when none looks clean.  Two clean readings that differ: one error asking for
    ``data.encoding``, with the two readings of the first value where they differ side by side."""
    import charset_normalizer

    readings: dict[str, str] = {}
    errors = []
    for enc in AUTO_LEGACY:
        try:
            readings[enc] = data.decode(enc)
        except UnicodeDecodeError as err:
            line = data[: err.start].count(b"\n") + 1
            errors.append(f"{enc} fails at byte {err.start} (line {line})")
    if not readings:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as err:
            line = data[: err.start].count(b"\n") + 1
            errors.insert(0, f"utf-8 fails at byte {err.start} (line {line})")
        raise DataError(f"{path}: cannot read the text encoding ({'; '.join(errors)}); set data.encoding to the "
                        "file's encoding (e.g. latin-1, cp1252, big5)")
    if len(readings) == 1:
        enc = next(iter(readings))
        line, odd = _mojibake(readings[enc], enc) if enc == "cp1252" else (0, None)
        if odd is None:
            return readings[enc], enc
        errors.append(f"cp1252 reads line {line} as {odd!r}")
        raise DataError(f"{path}: cannot read the text encoding ({'; '.join(errors)}); set data.encoding to the "
                        "file's encoding (e.g. latin-1, cp1252, big5)")
    chaos: dict[str, float] = {}            # the detector's readings, best first, with their "chaos" (0 = clean)
    for m in charset_normalizer.from_bytes(data, cp_isolation=list(readings)):
        e = _ENC_NAMES.get(str(m.encoding).replace("_", "-").lower())
        if e in readings and e not in chaos:
            chaos[e] = float(m.chaos)
    ranked = list(chaos)
    clean = [e for e in readings if _mojibake(readings[e], e)[1] is None]
    if len(clean) == 1:
        return readings[clean[0]], clean[0]
    if not clean and ranked:
        return readings[ranked[0]], ranked[0]
    both = sorted((e for e in clean if e in chaos), key=lambda e: chaos[e])
    if both and (len(both) == 1 or chaos[both[0]] + 0.01 < chaos[both[1]]):
        return readings[both[0]], both[0]          # the detector tells the clean readings apart
    common = {e: common_hanzi_share(readings[e], e) for e in clean if e in ("gb18030", "big5")}
    plain = [e for e, share in common.items() if share >= 0.98]
    if len(common) == 2 and len(plain) == 1 and min(common.values()) <= 0.9:
        return readings[plain[0]], plain[0]        # only one reading is made of everyday characters
    pair = sorted(clean or readings, key=lambda e: ranked.index(e) if e in ranked else len(ranked))[:2]
    line, vals = _first_difference({e: readings[e] for e in pair})
    side = " or ".join(f"{v!r} ({e})" for e, v in vals.items())
    raise DataError(f"{path}: the text encoding is ambiguous: the file reads as {pair[0]} and as {pair[1]}, which "
                    f"differ (line {line}: {side}); set data.encoding to the file's encoding "
                    f"(e.g. encoding: {pair[0]})")


def _decode(path: Path, data: bytes, encoding: str) -> tuple[str, str]:
    """Decode CSV bytes.  ``auto``: UTF-16 if it has a UTF-16 BOM, else UTF-8 (with or without BOM), else the
    one of GB18030 (a superset of GBK/GB2312), Big5 and Windows-1252 that reads the bytes without mojibake
    (:func:`_detect_legacy`)."""
    if encoding is None or str(encoding).lower() == "auto":
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            candidates = ["utf-16"]
        else:
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                return _detect_legacy(path, data)
            return text, ("utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8")
    else:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise DataError(f"{path}: unknown text encoding {encoding!r} (key 'data.encoding'); "
                            "use auto, utf-8, gbk, gb18030, big5, cp1252, latin-1, ...") from None
        candidates = [encoding]
    errors = []
    for enc in candidates:
        try:
            text = data.decode(enc)
        except UnicodeDecodeError as err:
            line = data[: err.start].count(b"\n") + 1
            errors.append(f"{enc} fails at byte {err.start} (line {line})")
            continue
        if enc.lower().replace("_", "-") in ("utf-8", "utf8") and text.startswith("\ufeff"):
            text = text[1:]
        return text, ("utf-8-sig" if data.startswith(codecs.BOM_UTF8) and enc == "utf-8-sig" else
                      "utf-8" if enc == "utf-8-sig" else enc)
    tried = "; ".join(errors)
    hint = ("set data.encoding to the file's encoding (e.g. latin-1, cp1252, big5)"
            if len(candidates) > 1 else "check key 'data.encoding' or use encoding: auto")
    raise DataError(f"{path}: cannot read the text encoding ({tried}); {hint}")


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in [",", ";", "\t", "|"]}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _first_line(text: str) -> str:
    """The first non-blank line (looking at a growing head of the text, not splitting all of it)."""
    size = 1 << 16
    while True:
        lines = text[:size].splitlines()
        cut = size < len(text)
        for i, line in enumerate(lines):
            if line.strip():
                if cut and i == len(lines) - 1:   # the head may end inside this line
                    break
                return line
        else:
            if not cut:
                return ""
        size *= 4


def _header_from_text(path: Path, text: str) -> tuple[list[str], str]:
    first = _first_line(text)
    if not first.strip(", ;\t|\r\n\ufeff"):
        raise DataError(f"{path}: the file is empty (no header row)")
    delim = _delimiter(first)
    header = next(csv.reader([first], delimiter=delim))
    return [h.strip().lstrip("\ufeff") for h in header], delim


def _check_header(path: Path, header: list) -> list[str]:
    names = ["" if h is None else str(h).strip() for h in header]
    seen: dict[str, int] = {}
    for i, n in enumerate(names):
        if n and n in seen:
            raise DataError(f"{path}: column {n!r} appears twice in the header (columns {seen[n] + 1} and {i + 1})")
        seen[n] = i
    # name unnamed columns as spreadsheets would show them, so messages can point at them
    return [n if n else f"Unnamed: {i}" for i, n in enumerate(names)]


# ----------------------------------------------------------------------------- column typing
_NUM_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_LEADING_ZERO_RE = re.compile(r"^0\d")


def _blank_to_nan(s: pd.Series) -> pd.Series:
    """Strip text cells; empty text becomes missing."""
    if s.dtype.kind in "biufc":
        return s
    obj = s.astype(object)
    if pd.api.types.infer_dtype(obj, skipna=False) == "string":     # every cell is text (a CSV column)
        out = obj.str.strip()
        return out.mask(out == "", np.nan).infer_objects()     # dtype inferred as Series.map does
    out = obj.map(lambda v: (v.strip() or np.nan) if isinstance(v, str) else v)
    return out.map(lambda v: np.nan if v is None else v)


_PY_ASCII_SPACE = " \t\n\v\f\r\x1c\x1d\x1e\x1f"      # what str.strip() removes from ASCII text


def _infer_ascii_numbers(s: pd.Series) -> pd.Series | None:
    """Vectorised :func:`_infer` for a column of ASCII text that holds only numbers and blanks
    (the bulk of a large CSV file); ``None`` for any other column (the general path decides)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if s.dtype.kind in "biufc" or len(s) == 0:
        return None
    obj = s.astype(object)
    if pd.api.types.infer_dtype(obj, skipna=False) != "string":
        return None
    return _arrow_numbers(pa.array(obj.to_numpy(), type=pa.string()), s.index, s.name)


def _arrow_numbers(a, index: pd.Index, name) -> pd.Series | None:
    """:func:`_infer_ascii_numbers` of an Arrow string array without missing values (a column as the CSV reader
    returns it): float64 or int64 when it is ASCII and holds only numbers and blanks, else ``None``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if len(a) == 0 or not pc.all(pc.string_is_ascii(a)).as_py():
        return None
    t = pc.ascii_trim(a, characters=_PY_ASCII_SPACE)
    filled = pc.not_equal(pc.binary_length(t), 0)
    vals = pc.filter(t, filled)
    if len(vals) == 0:
        return None
    if pc.all(pc.ascii_is_decimal(vals)).as_py():          # digits only (codes, counts): no regex needed
        if pc.any(pc.and_(pc.starts_with(vals, "0"), pc.greater(pc.binary_length(vals), 1))).as_py():
            return None
    else:
        if not pc.all(pc.match_substring_regex(vals, _NUM_RE.pattern)).as_py():
            return None
        if pc.any(pc.match_substring_regex(vals, _LEADING_ZERO_RE.pattern)).as_py():
            return None
    # every filled cell matched the number pattern, which Arrow parses (correctly rounded, as float())
    parsed = pc.cast(pc.if_else(filled, t, pa.scalar(None, pa.string())), pa.float64())
    num = pd.Series(parsed.to_numpy(zero_copy_only=False), index=index, name=name, dtype="float64")
    if num.notna().all() and np.all(np.mod(num.to_numpy(), 1) == 0) and np.abs(num).max() < 2**53:
        return num.astype("int64")
    return num


def _infer(s: pd.Series, fast: bool = True) -> pd.Series:
    """Turn a column of text into numbers when *every* non-missing cell is a number
    (keeping codes with leading zeros such as respondent ids ``"007"`` as text); ``fast=False`` when
    :func:`_infer_ascii_numbers` already said no."""
    num = _infer_ascii_numbers(s) if fast else None
    if num is not None:
        return num
    return _infer_text(_blank_to_nan(s))


def _infer_text(s: pd.Series) -> pd.Series:
    """The rest of :func:`_infer` once text cells are stripped and empty text is missing."""
    if s.dtype.kind in "biuf":
        return s
    vals = s.dropna()
    if vals.empty:
        return s.astype("float64")
    ok = True
    for v in vals.unique():
        if isinstance(v, bool):
            ok = False
            break
        if isinstance(v, numbers.Number):
            continue
        if not (isinstance(v, str) and _NUM_RE.match(v) and not _LEADING_ZERO_RE.match(v)):
            ok = False
            break
    if not ok:
        return s
    num = pd.to_numeric(s, errors="coerce").astype("float64")
    if num.notna().all() and np.all(np.mod(num.to_numpy(), 1) == 0) and np.abs(num).max() < 2**53:
        return num.astype("int64")
    return num


def _finish_frame(path: Path, columns: list[str], rows: list[list], row_numbers: list[int]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=columns, dtype=object)
    df.index = pd.Index(row_numbers, name="row")
    for c in df.columns:
        df[c] = _infer(df[c])
    return _drop_empty(path, df)


def _drop_empty(path: Path, df: pd.DataFrame) -> pd.DataFrame:
    empty = df.isna().all(axis=1)
    df = df.loc[~empty]
    if df.empty:
        raise DataError(f"{path}: the file has a header row but no data rows")
    return df


# ----------------------------------------------------------------------------- readers
def _header_skip(text: str) -> int:
    """The records before the data: leading blank lines and the header line (lines end at \\r\\n, \\n or \\r)."""
    pos, n = 0, 0
    for m in re.finditer(r"\r\n|\n|\r", text):
        n += 1
        if text[pos:m.start()].strip():
            return n
        pos = m.end()
    return n + 1


def _ragged(path: Path, columns: list[str], delim: str, short: list[int], long: list[int],
            allow_ragged: bool) -> dict:
    """Rows with fewer or more fields than the header: an error naming the first (its line), or with
    ``data.allow_ragged`` the rows read anyway (short rows padded with blanks, the extra fields of long rows
    dropped), counted in the metadata (:meth:`IntakeReport.diagnostics` warns)."""
    if not short and not long:
        return {}
    if not allow_ragged:
        n, fields = min((r[0], r[1]) for r in short + long)
        if fields < len(columns):
            raise DataError(f"{path}: data row {n} (line {n + 1}) has {fields} field(s) but the header has "
                            f"{len(columns)} columns: the row ends early (is the file cut off, or a line broken?); "
                            "repair the file or set data.allow_ragged: true to read such rows with blanks")
        raise DataError(f"{path}: data row {n} (line {n + 1}) has {fields} fields but the header has "
                        f"{len(columns)} columns; is the delimiter {delim!r} right, or is a quote missing? "
                        "(data.allow_ragged: true reads such rows without their extra fields)")
    return {"short": sorted(r[0] for r in short), "long": sorted(r[0] for r in long)}


def _unclosed_quote(path: Path, n: int):
    return DataError(f"{path}: data row {n} (line {n + 1}): a quote (\") opened in this row is never closed, so the "
                     "following rows are read as one text cell; remove the stray quote or close it")


def _csv_python(path: Path, text: str, columns: list[str], delim: str,
                allow_ragged: bool) -> tuple[list[list], list[int], dict, int]:
    """The CSV records as lists of text, by Python's ``csv`` module: for files with line breaks inside quoted
    cells (and to name an unclosed quote).  Returns ``(rows, row numbers, ragged, records)``."""
    reader = csv.reader(_io.StringIO(text, newline=""), delimiter=delim)
    rows, numbers_, short, long = [], [], [], []
    seen_header = False
    n = 0
    for rec in reader:
        if not seen_header:
            if any(x.strip() for x in rec):
                seen_header = True
            continue
        n += 1
        joined = "".join(rec)
        if not joined.strip():                    # every field blank
            continue
        for x in (rec if "\n" in joined else ()):
            if "\n" in x and any(line.count(delim) >= max(1, len(columns) - 1) for line in x.splitlines()[1:]):
                raise _unclosed_quote(path, n)
        if len(rec) > len(columns):
            if any(x.strip() for x in rec[len(columns):]):
                long.append((n, len(rec)))
            rec = rec[: len(columns)]
        elif len(rec) < len(columns):
            short.append((n, len(rec)))
            rec = rec + [""] * (len(columns) - len(rec))
        rows.append(rec)
        numbers_.append(n)
    return rows, numbers_, _ragged(path, columns, delim, short, long, allow_ragged), n


def _csv_arrow(path: Path, data: bytes, skip: int, columns: list[str], delim: str, allow_ragged: bool):
    """The CSV records by Arrow's C reader (every cell as text), with ragged rows reported by its invalid-row
    handler; ``None`` when a quoted cell holds a line break or Arrow cannot parse the file (the Python reader
    then reads it and names the problem).  Returns ``(table of the non-blank records, their row numbers,
    ragged, records)``."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    k = len(columns)
    names = [f"c{i}" for i in range(k)]
    invalid: list = []

    def handler(row):
        invalid.append((row.number, row.actual_columns, row.text))
        return "skip"

    def read(threads: bool):
        return pcsv.read_csv(
            _io.BytesIO(data),
            read_options=pcsv.ReadOptions(skip_rows=skip, column_names=names, use_threads=threads,
                                          block_size=1 << 24),
            parse_options=pcsv.ParseOptions(delimiter=delim, quote_char='"', double_quote=True, escape_char=False,
                                            newlines_in_values=True, ignore_empty_lines=False,
                                            invalid_row_handler=handler),
            convert_options=pcsv.ConvertOptions(column_types={c: pa.string() for c in names}, null_values=[],
                                                strings_can_be_null=False, quoted_strings_can_be_null=False))

    try:
        table = read(True)
        if invalid:                               # the row numbers are known only to a single-threaded read
            invalid.clear()
            table = read(False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    cols = [table.column(i) for i in range(k)]
    if b'"' in data:                              # only a quoted cell can hold a line break
        for a in cols:
            if len(a) and (pc.any(pc.match_substring(a, "\n")).as_py() or pc.any(pc.match_substring(a, "\r")).as_py()):
                return None
    n_valid = table.num_rows
    bad = {int(num) - skip: (actual, text) for num, actual, text in invalid}
    if any(num is None or "\n" in text or "\r" in text for num, _, text in invalid):
        return None                               # e.g. a quote never closed: the Python reader names it
    records = n_valid + len(bad)
    if bad:
        numbers_ = np.setdiff1d(np.arange(1, records + 1, dtype="int64"), np.fromiter(bad, dtype="int64"))
    else:
        numbers_ = np.arange(1, records + 1, dtype="int64")
    # records whose every cell is blank are skipped (they keep their number)
    blank = None
    for a in cols:                                # (a row is blank only if its first cell is: mostly one pass)
        b = pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(a)), 0)
        blank = b if blank is None else pc.and_(blank, b)
        if not pc.any(blank).as_py():
            break
    if blank is not None and len(blank) and pc.any(blank).as_py():
        keep = pc.invert(blank)
        cols = [pc.filter(a, keep) for a in cols]
        keep = keep.combine_chunks() if isinstance(keep, pa.ChunkedArray) else keep
        numbers_ = numbers_[np.asarray(keep.to_numpy(zero_copy_only=False), dtype=bool)]
    short, long, patch = [], [], []
    for n, (actual, text) in sorted(bad.items()):
        rec = next(csv.reader([text], delimiter=delim), []) if text.strip() else []
        if not "".join(rec).strip():
            continue                              # a blank line (or only delimiters)
        if len(rec) > k:
            if any(x.strip() for x in rec[k:]):
                long.append((n, len(rec)))
            rec = rec[:k]
        elif len(rec) < k:
            short.append((n, len(rec)))
            rec = rec + [""] * (k - len(rec))
        patch.append((n, rec))
    ragged = _ragged(path, columns, delim, short, long, allow_ragged)
    if patch:                                     # rows read by the Python reader, put back in file order
        nums = np.concatenate([numbers_, np.array([n for n, _ in patch], dtype="int64")])
        order = np.argsort(nums, kind="stable")
        cols = [pc.take(pa.concat_arrays([*a.chunks, pa.array([r[i] for _, r in patch], pa.string())]),
                        pa.array(order)) for i, a in enumerate(cols)]
        numbers_ = nums[order]
    return cols, numbers_, ragged, records


def _read_csv(path: Path, encoding: str, allow_ragged: bool = False) -> tuple[pd.DataFrame, dict]:
    data = path.read_bytes()
    _sniff_binary(path, data[:8192])
    if not data.strip(b" \t\r\n" + codecs.BOM_UTF8):
        raise DataError(f"{path}: the file is empty (no header row)")
    text, used = _decode(path, data, encoding)
    if "\x00" in text:
        raise DataError(f"{path}: is not a table: the file holds binary data (NUL characters), not CSV text")
    header, delim = _header_from_text(path, text)
    columns = _check_header(path, header)
    utf8 = data[len(codecs.BOM_UTF8):] if used == "utf-8-sig" else data if used == "utf-8" else text.encode("utf-8")
    fast = _csv_arrow(path, utf8, _header_skip(text), columns, delim, allow_ragged)
    if fast is not None:
        cols, numbers_, ragged, records = fast
        index = pd.Index(numbers_, name="row")
        df = pd.DataFrame(index=index)
        for c, a in zip(columns, cols):           # one block per column: no copy into a consolidated block
            df[c] = _infer_arrow(a, index, c)
        n_file = len(index)
        df = _drop_empty(path, df)
    else:
        rows, numbers_, ragged, records = _csv_python(path, text, columns, delim, allow_ragged)
        n_file = len(rows)
        df = _finish_frame(path, columns, rows, numbers_)
    meta = {"format": "csv", "encoding": used, "delimiter": delim, "sheet": None,
            "row_note": "data row r is on line r + 1 of the file", "n_file_rows": int(n_file),
            **({"ragged": ragged} if ragged else {})}
    return df, meta


def _infer_arrow(a, index: pd.Index, name: str) -> pd.Series:
    """:func:`_infer` of a column as the Arrow CSV reader returns it (text, no missing values).  A column with
    few distinct values (answer codes, groups) is decided on its distinct values once (Arrow's dictionary
    encoding) and expanded by their codes, which gives the same values and types."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(a)
    if n:
        d = pc.dictionary_encode(a)
        if isinstance(d, pa.ChunkedArray):
            d = d.unify_dictionaries()
            chunks = d.chunks
        else:
            chunks = [d]
        dictionary = chunks[0].dictionary if chunks else pa.array([], pa.string())
        if len(dictionary) <= max(1000, n // 20):
            codes = np.concatenate([np.asarray(c.indices.to_numpy(zero_copy_only=False), dtype="int64")
                                    for c in chunks]) if chunks else np.zeros(0, dtype="int64")
            ent = _arrow_numbers(dictionary, pd.RangeIndex(len(dictionary)), name)
            if ent is not None:
                return pd.Series(ent.to_numpy()[codes], index=index, name=name, dtype=ent.dtype)
            stripped = [t.strip() for t in dictionary.to_pylist()]
            vals = np.empty(len(stripped), dtype=object)
            vals[:] = [np.nan if t == "" else t for t in stripped]
            s = pd.Series(vals[codes], index=index, name=name, dtype=object)
            return _infer_text(s.infer_objects())     # as _blank_to_nan does
    col = a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a
    num = _arrow_numbers(col, index, name)
    if num is not None:
        return num
    s = pd.Series(col.to_numpy(zero_copy_only=False), index=index, name=name, dtype=object)
    return _infer(s, fast=False)


def _open_workbook(path: Path):
    import zipfile

    import openpyxl

    with open(path, "rb") as fh:
        head = fh.read(8)
    if not head.startswith(b"PK\x03\x04"):
        what = next((w for m, w in _MAGIC if head.startswith(m)), "not a ZIP-based workbook")
        raise DataError(f"{path}: is not a table: not a valid .xlsx workbook ({what})")
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as err:
        raise DataError(f"{path}: is not a table: not a valid .xlsx workbook ({err})") from None


def workbook_sheets(path: str | Path) -> list[str]:
    """The sheet names of an .xlsx workbook, in order (a :class:`DataError` if it is not one)."""
    wb = _open_workbook(Path(path))
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def _pick_sheet(path: Path, wb, sheet):
    names = wb.sheetnames
    if sheet is None:
        return wb[names[0]], names[0]
    if isinstance(sheet, int) or (isinstance(sheet, str) and sheet.strip().lstrip("-").isdigit()
                                  and sheet not in names):
        i = int(sheet)
        if not 0 <= i < len(names):
            raise DataError(f"{path}: key 'data.sheet': sheet index {i} does not exist; the workbook has "
                            f"{len(names)} sheet(s) {names} (index 0 is the first)")
        return wb[names[i]], names[i]
    if sheet not in names:
        raise DataError(f"{path}: key 'data.sheet': no sheet named {sheet!r}; sheets are {names}{suggest(sheet, names)}")
    return wb[sheet], sheet


def _read_xlsx(path: Path, sheet) -> tuple[pd.DataFrame, dict]:
    wb = _open_workbook(path)
    try:
        ws, name = _pick_sheet(path, wb, sheet)
        it = ws.iter_rows(values_only=True)
        header = None
        skipped = 0
        for rec in it:
            skipped += 1
            if rec is not None and any(v is not None and str(v).strip() for v in rec):
                header = list(rec)
                break
        if header is None:
            raise DataError(f"{path}: sheet {name!r} is empty (no header row)")
        while header and (header[-1] is None or not str(header[-1]).strip()):
            header.pop()
        columns = _check_header(path, header)
        rows, numbers_ = [], []
        for n, rec in enumerate(it, start=1):
            rec = list(rec or [])[: len(columns)]
            if not any(v is not None and str(v).strip() for v in rec):
                continue
            rows.append(rec + [None] * (len(columns) - len(rec)))
            numbers_.append(n)
        sheets = list(wb.sheetnames)
    finally:
        wb.close()
    try:
        df = _finish_frame(path, columns, rows, numbers_)
    except DataError:
        raise DataError(f"{path}: sheet {name!r} has a header row but no data rows (key 'data.sheet'; "
                        f"the workbook's sheets are {sheets})") from None
    meta = {"format": "xlsx", "encoding": None, "delimiter": None, "sheet": name,
            "row_note": f"data row r is on sheet row r + {skipped}"}
    return df, meta


def _read_stat(path: Path, kind: str, *, metadataonly: bool = False):
    import pyreadstat

    fn = pyreadstat.read_sav if kind == "sav" else pyreadstat.read_dta
    try:
        return fn(str(path), metadataonly=metadataonly)
    except Exception as err:  # pyreadstat raises its own error types (ReadstatError, PyreadstatError)
        what = "SPSS .sav" if kind == "sav" else "Stata .dta"
        raise DataError(f"{path}: is not a table: not a readable {what} file ({type(err).__name__}: {err})") from None


def _read_sav_dta(path: Path, kind: str) -> tuple[pd.DataFrame, dict]:
    raw, m = _read_stat(path, kind)
    if raw.shape[1] == 0:
        raise DataError(f"{path}: the file is empty (no variables)")
    raw = raw.copy()
    raw.index = pd.Index(np.arange(1, len(raw) + 1), name="row")
    _check_header(path, list(raw.columns))
    for c in raw.columns:
        raw[c] = _infer(raw[c])
    raw = raw.loc[~raw.isna().all(axis=1)]
    if raw.empty:
        raise DataError(f"{path}: the file has variables but no data rows (cases)")
    value_labels = {}
    for col, labs in (m.variable_value_labels or {}).items():
        value_labels[col] = {(int(k) if isinstance(k, float) and k.is_integer() else k): v for k, v in labs.items()}
    meta = {"format": kind, "encoding": getattr(m, "file_encoding", None), "delimiter": None, "sheet": None,
            "row_note": "data row r is case r of the file",
            "value_labels": value_labels,
            "variable_labels": {k: v for k, v in (m.column_names_to_labels or {}).items() if v}}
    return raw, meta


# ----------------------------------------------------------------------------- public readers
def apply_rename(path: Path, columns: list[str], rename: dict | None) -> list[str]:
    """Column names after ``data.rename`` (header in the file -> short name).  A header that is not
    in the file, or a new name that collides with another column, is a :class:`DataError`."""
    if not rename:
        return list(columns)
    cols = [str(c) for c in columns]
    for old in rename:
        if str(old).strip() not in cols:
            raise DataError(f"{path}: key 'data.rename': header {old!r} is not in the file{suggest(old, cols)}")
    mapping = {str(k).strip(): str(v) for k, v in rename.items()}
    out = [mapping.get(c, c) for c in cols]
    kept = set(c for c in cols if c not in mapping)
    for old, new in mapping.items():
        if new in kept:
            raise DataError(f"{path}: key 'data.rename': {old!r} is renamed to {new!r}, but the file already has "
                            f"a column {new!r}; choose another name")
    return out


def read_columns(path: str | Path, *, encoding: str = "auto", sheet: str | int | None = None,
                 rename: dict | None = None, header_rows: int = 1) -> list[str]:
    """The column names of a raw data file (header only; cheap), after ``rename``.

    Raises :class:`DataError` for a missing, empty, unreadable or non-table file.
    """
    if rename:
        return apply_rename(Path(path), read_columns(path, encoding=encoding, sheet=sheet,
                                                     header_rows=header_rows), rename)
    if header_rows > 1:
        return list(read_raw(path, encoding=encoding, sheet=sheet, header_rows=header_rows, allow_ragged=True)[0].columns)
    path = Path(path)
    if path.is_dir():
        _check_file(path)
    kind = _kind(path)
    _check_file(path)
    if kind == "csv":
        with open(path, "rb") as fh:
            head = fh.read(1 << 20)
            more = fh.read(1)
        _sniff_binary(path, head[:8192])
        if more and b"\n" in head:
            head = head[: head.rindex(b"\n") + 1]       # never cut a multi-byte character in two
        if not head.strip(b" \t\r\n" + codecs.BOM_UTF8):
            raise DataError(f"{path}: the file is empty (no header row)")
        text, _ = _decode(path, head, encoding)
        header, _ = _header_from_text(path, text)
        return _check_header(path, header)
    if kind == "xlsx":
        wb = _open_workbook(path)
        try:
            ws, name = _pick_sheet(path, wb, sheet)
            for rec in ws.iter_rows(values_only=True):
                if rec is not None and any(v is not None and str(v).strip() for v in rec):
                    header = list(rec)
                    while header and (header[-1] is None or not str(header[-1]).strip()):
                        header.pop()
                    return _check_header(path, header)
        finally:
            wb.close()
        raise DataError(f"{path}: sheet {name!r} is empty (no header row)")
    _, m = _read_stat(path, kind, metadataonly=True)
    return list(m.column_names)


def read_raw(path: str | Path, *, encoding: str = "auto", sheet: str | int | None = None,
             allow_ragged: bool = False, header_rows: int = 1) -> tuple[pd.DataFrame, dict]:
    """Read a raw survey export without changing it.

    Returns ``(df, meta)``.  ``df`` has one row per data row of the file (completely blank rows
    are skipped) and its index, named ``row``, is the 1-based data row number as in the file.
    Columns whose every non-empty cell is a number become numeric (codes with leading zeros,
    e.g. ids ``"007"``, stay text); text cells are stripped and empty text is missing.

    ``meta`` holds ``path, format, encoding, delimiter, sheet, n_rows, n_columns, columns,
    sha256, row_note`` and, for ``.sav``/``.dta``, ``value_labels`` (column -> {code: label})
    and ``variable_labels`` (column -> label).

    CSV encodings with ``encoding="auto"``: UTF-8 (with or without BOM), UTF-16 with BOM, else the one of
    GB18030 (a superset of GBK/GB2312), Big5 and Windows-1252 that reads the bytes without mojibake
    (charset-normalizer and :func:`_mojibake`; two plausible readings are an error asking for
    ``data.encoding``).  Any Python codec name may be given instead.

    A CSV is read by Arrow's C reader.  A row with fewer or more fields than the header is an error naming
    its line, unless ``allow_ragged`` (``data.allow_ragged``): then short rows are padded with blanks, long rows
    lose their extra fields, and ``meta["ragged"]`` lists them (``{"short": rows, "long": rows}``).
    ``meta["n_file_rows"]`` counts the data rows of a CSV file (blank lines left out) before rows without
    any value are dropped.

    ``header_rows`` > 1 (``data.header_rows``): the export has more header rows (Qualtrics: names, question
    texts, import ids; SurveyMonkey: questions, then the sub-question or option of each column); see
    :func:`combine_header_rows`.  Data rows keep their numbers in the file.
    """
    path = Path(path)
    if path.is_dir():
        _check_file(path)
    kind = _kind(path)
    _check_file(path)
    if kind == "csv":
        df, meta = _read_csv(path, encoding, allow_ragged)
    elif kind == "xlsx":
        df, meta = _read_xlsx(path, sheet)
    else:
        df, meta = _read_sav_dta(path, kind)
    meta.setdefault("value_labels", {})
    meta.setdefault("variable_labels", {})
    if header_rows > 1:
        df = combine_header_rows(path, df, meta, header_rows)
    meta.update(path=str(path), n_rows=int(len(df)), n_columns=int(df.shape[1]), columns=list(df.columns),
                sha256=hashlib.sha256(path.read_bytes()).hexdigest())
    return df, meta


#: Second-row texts of SurveyMonkey that name no sub-question (the column holds the question's answer).
_PLAIN_ANSWER = {"response", "open-ended response", "回答", "答案"}


def combine_header_rows(path: Path, df: pd.DataFrame, meta: dict, header_rows: int) -> pd.DataFrame:
    """Take the first ``header_rows - 1`` data rows of ``df`` as more header rows.

    When the first header row names every column once (Qualtrics: ``Q5_1``; then the question texts and
    import ids), the names stay and the second row's texts become ``meta["variable_labels"]``.  Otherwise
    (SurveyMonkey: a question's text above its first column only, the sub-question or option below each
    column) a column is named ``question - sub-question`` (the question carried over blank cells; the
    second row's ``Response`` adds nothing).  The columns are typed again without the header rows.
    """
    extra = df.iloc[:header_rows - 1]
    if len(df) <= header_rows - 1:
        raise DataError(f"{path}: key 'data.header_rows': the file has {header_rows} header rows but no data rows")
    second = ["" if pd.isna(v) else str(v).strip() for v in extra.iloc[0]]
    first = list(df.columns)
    blank = [str(c).startswith("Unnamed: ") for c in first]
    if not any(blank):
        names = first
        meta["variable_labels"] = {**{c: t for c, t in zip(first, second) if t and t != c},
                                   **meta.get("variable_labels", {})}
    else:
        names, stem = [], ""
        spans: dict[str, int] = {}
        for c, b in zip(first, blank):
            stem = stem if b else str(c)
            spans[stem] = spans.get(stem, 0) + 1
        stem = ""
        for c, b, sub in zip(first, blank, second):
            stem = stem if b else str(c)
            useful = sub and sub.casefold() not in _PLAIN_ANSWER and sub != stem
            names.append(f"{stem} - {sub}" if useful and (b or spans[stem] > 1) else stem if stem else str(c))
    names = _check_header(path, names)
    out = df.iloc[header_rows - 1:].copy()
    out.columns = names
    for c in names:
        out[c] = _infer(out[c].astype(object))
    if "n_file_rows" in meta:
        meta["n_file_rows"] = int(meta["n_file_rows"]) - (header_rows - 1)
    meta.update(columns=list(names), n_columns=len(names), header_rows=int(header_rows),
                row_note=str(meta.get("row_note", "")) + f"; the first {header_rows - 1} data row(s) are header rows")
    return out


# ----------------------------------------------------------------------------- one file per wave
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
                    same: bool = True, allow_ragged: bool = False) -> tuple[pd.DataFrame, list[dict]]:
    """Read one raw export per wave (``{wave: path}``, in time order) and stack them with a wave column in
    front.  Each file is read by :func:`read_raw` (CSV in any supported encoding, XLSX, SPSS,
    Stata) with the same ``encoding``/``sheet``, and ``rename`` (``data.rename``) is applied to each.

    ``same=True`` (a study's ``data.path`` listing one file per wave): every file must have the same
    columns (:func:`same_columns`).  ``same=False`` (``python -m csat.intake.waves stack``): the columns are the
    union in order of first appearance (a question missing from a wave is blank there).  A file that
    already has a column named ``wave_column`` is a ``ValueError`` naming the file.

    Returns ``(data, metas)``: the stacked rows, indexed ``row`` = 1, 2, … across the files in order
    (the numbering of the stacked file ``python -m csat.intake.waves stack`` writes), and each file's
    :func:`read_raw` metadata with its ``wave`` added.
    """
    if len(files) < 2:
        raise ValueError("give at least two waves (wave=file)")
    frames, metas = [], []
    for wave, path in files.items():
        df, meta = read_raw(path, encoding=encoding, sheet=sheet, allow_ragged=allow_ragged)
        if rename:
            df.columns = apply_rename(Path(path), list(df.columns), dict(rename))
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


def read_study_raw(params, params_path: str | Path | None = None, *, root: str | Path | None = None,
                   path: str | Path | None = None) -> tuple[pd.DataFrame, dict, Path]:
    """A study's raw data as :func:`read_raw` reads it, with ``data.rename`` applied: the one file of
    ``data.path``, or -- when ``data.path`` gives one file per wave -- every file read the same way and
    stacked with the wave column (``waves.column``) in front (:func:`read_wave_files`: the
    files must have the same columns; rows are numbered 1, 2, … across the files in wave order, as in the
    stacked file ``python -m csat.intake.waves stack`` writes).

    Returns ``(df, meta, label)``; ``label`` names the data in messages (the file, or the wave files
    joined by `` + ``).  With several files ``meta["files"]`` lists each file's ``path, wave, format,
    encoding, sheet, n_rows, sha256`` and ``meta["sha256"]`` is the SHA-256 of their SHA-256s, one per
    line.  ``path`` reads that one file instead of ``data.path`` (tests).
    """
    from csat.config.params import resolve_data_paths

    rename = dict(getattr(params.data, "rename", None) or {})
    if path is not None:
        paths = [Path(path)]
    elif params_path is None and root is None:
        raise ValueError("load_study_data needs params_path, root or path to locate data.path")
    else:
        paths = resolve_data_paths(params, params_path or Path("params") / "x.yaml", root)
    wf = params.data.wave_files if path is None else None
    if wf is None:
        dp = paths[0]
        df, meta = read_raw(dp, encoding=params.data.encoding, sheet=params.data.sheet,
                            allow_ragged=params.data.allow_ragged, header_rows=params.data.header_rows)
        if rename:
            df.columns = apply_rename(dp, list(df.columns), rename)
        return df, meta, dp
    files = dict(zip(wf, paths))
    try:
        df, metas = read_wave_files(files, params.waves.column, encoding=params.data.encoding,
                                    sheet=params.data.sheet, rename=rename, allow_ragged=params.data.allow_ragged)
    except DataError:
        raise
    except ValueError as err:
        raise DataError(f"key 'data.path': {err}") from None
    label = Path(" + ".join(str(f) for f in paths))
    first, bounds = 1, []
    for m in metas:
        bounds.append(f"{first}–{first + m['n_rows'] - 1} from {Path(m['path']).name}")
        first += m["n_rows"]
    def joined(key):                    # "csv" when every file is a CSV, else "csv + xlsx"
        vals = [m.get(key) for m in metas]
        return vals[0] if len(set(map(str, vals))) == 1 else " + ".join("–" if v is None else str(v) for v in vals)

    meta = {**{k: joined(k) for k in ("format", "encoding", "delimiter", "sheet")},
            "path": str(label), "n_rows": int(len(df)), "n_columns": int(df.shape[1]), "columns": list(df.columns),
            "sha256": hashlib.sha256("".join(m["sha256"] + "\n" for m in metas).encode()).hexdigest(),
            **({"n_file_rows": sum(m["n_file_rows"] for m in metas)} if all("n_file_rows" in m for m in metas)
               else {}),
            **({"ragged": {k: [r for m in metas for r in m.get("ragged", {}).get(k, [])] for k in ("short", "long")}}
               if any(m.get("ragged") for m in metas) else {}),
            "row_note": "data rows are numbered across the wave files in order: rows " + "; ".join(bounds),
            "value_labels": {k: v for m in reversed(metas) for k, v in m["value_labels"].items()},
            "variable_labels": {k: v for m in reversed(metas) for k, v in m["variable_labels"].items()},
            "files": [{"path": m["path"], "wave": m["wave"], "format": m["format"], "encoding": m["encoding"],
                       "sheet": m["sheet"], "n_rows": m["n_rows"], "sha256": m["sha256"]} for m in metas]}
    return df, meta, label


# ----------------------------------------------------------------------------- study intake
@dataclass
class IntakeReport:
    """What :func:`load_study_data` found and changed while reading a study's raw file (shown to the
    reader by :func:`csat.analyses.cleaning.intake_summary` and :func:`csat.analyses.cleaning.intake_text`).

    out_of_range : tidy table ``column, row, value`` of values outside the allowed range (set missing).
    missing_codes_found : ``column, code, n`` - cells holding a ``missing_codes`` value (set missing).
    labels_applied : ``column, answer, code, n`` - text answers mapped through ``labels``.
    """

    path: str
    meta: dict
    n_rows: int
    columns_used: list[str]
    columns_ignored: list[str]
    out_of_range: pd.DataFrame
    missing_codes_found: pd.DataFrame
    labels_applied: pd.DataFrame
    n_all_items_missing: int
    group_value_labels: dict = field(default_factory=dict)
    #: ``column, token, n``: cells holding a recognised missing token (``(empty)``, ``NA``, ``(跳过)``,
    #: ``NaN``, ...) in the item, recommend and duration columns, set missing.
    missing_tokens: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["column", "token", "n"]))
    #: ``column, row, value``: negative completion times (set missing).
    negative_durations: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["column", "row", "value"]))
    #: ``column, length``: headers longer than :data:`LONG_HEADER` characters.
    long_headers: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["column", "length"]))
    #: header in the file -> name used (``data.rename``).
    renamed: dict = field(default_factory=dict)
    #: data rows in a CSV file (blank lines left out), else None; ``meta["ragged"]`` lists rows with fewer or
    #: more fields than the header, read with ``data.allow_ragged``.
    file_rows: int | None = None
    #: ``survey.responded`` (questionnaires returned): more than the file holds suggests a file cut off.
    responded: int | None = None
    #: the raw columns of ``params.extra_columns`` (weights, raking variables, Kano and SERVQUAL answers) as read,
    #: indexed by data row, for the checks of :func:`csat.intake.preflight.study_facts`.
    extra: pd.DataFrame | None = None

    @property
    def file_name(self) -> str:
        """The raw file's name, or the wave files' names joined by `` + ``."""
        files = self.meta.get("files")
        return " + ".join(Path(f["path"]).name for f in files) if files else Path(self.path).name

    def token_counts(self) -> dict[str, int]:
        """``{token: cells}`` over all columns, in order of first appearance."""
        if not len(self.missing_tokens):
            return {}
        g = self.missing_tokens.groupby("token", sort=False)["n"].sum()
        return {str(k): int(v) for k, v in g.items()}

    def diagnostics(self, stage: str = "01_cleaning") -> list:
        """Warnings and notes about what the intake changed: missing tokens (info), non-number text such
        as NaN/inf (warning), negative durations (warning), very long headers (warning)."""
        from csat.core.diagnostics import Listing, diagnostic
        from csat.core.i18n import trc

        out = []
        tc = self.token_counts()
        plain = {k: v for k, v in tc.items() if k not in ("NaN", "inf")}
        if plain:
            out.append(diagnostic("missing_tokens", "info", "items", "cells set missing by their text: {tokens}",
                                  stage=stage, tokens=Listing((f"{k} × {v}", f"{trc('table cell', '(empty)', 'zh')} × {v}")
                                                              if k == "(empty)" else f"{k} × {v}"
                                                              for k, v in plain.items())))
        mt = self.missing_tokens
        for tok in ("NaN", "inf"):
            hit = mt[mt["token"] == tok] if len(mt) else mt
            if len(hit):
                cols = ", ".join(repr(c) for c in dict.fromkeys(hit["column"]))
                out.append(diagnostic("nonnumber_text", "warning", str(hit["column"].iloc[0]),
                                      "{n} cell(s) hold the text {token!r} (not an answer) in column(s) "
                                      "{columns}; they were set missing", stage=stage,
                                      n=int(hit["n"].sum()), token=tok, columns=cols))
        nd = self.negative_durations
        if len(nd):
            rows = ", ".join(str(r) for r in nd["row"].head(5)) + (" …" if len(nd) > 5 else "")
            out.append(diagnostic("negative_duration", "warning", str(nd["column"].iloc[0]),
                                  "{n} negative completion time(s) in data row(s) {rows} were set missing",
                                  stage=stage, n=len(nd), rows=rows))
        rg = self.meta.get("ragged") or {}
        for kind, rows in (("short", rg.get("short") or []), ("long", rg.get("long") or [])):
            if not rows:
                continue
            shown = ", ".join(str(r) for r in rows[:5]) + (" …" if len(rows) > 5 else "")
            if kind == "short":
                out.append(diagnostic("ragged_rows", "warning", "data.allow_ragged",
                                      "{n} row(s) have fewer fields than the header (data row(s) {rows}); they were "
                                      "read with blanks for the missing fields", stage=stage, n=len(rows), rows=shown))
            else:
                out.append(diagnostic("ragged_rows", "warning", "data.allow_ragged",
                                      "{n} row(s) have more fields than the header (data row(s) {rows}); their extra "
                                      "fields were dropped", stage=stage, n=len(rows), rows=shown))
        n_file = self.file_rows if self.file_rows is not None else self.n_rows
        if self.responded is not None and n_file < self.responded:
            out.append(diagnostic("fewer_rows_than_responded", "warning", "survey.responded",
                                  "the data file holds {n_file} data rows but survey.responded says {responded} "
                                  "questionnaires were returned: is the file complete (cut off, a wave missing)? "
                                  "The valid rate is computed against {responded}", stage=stage, n_file=n_file,
                                  responded=self.responded))
        for _, r in self.long_headers.iterrows():
            out.append(diagnostic("long_header", "warning", str(r["column"])[:40] + "…",
                                  "a header is {length} characters long; give the column a short name "
                                  "with data.rename", stage=stage, length=int(r["length"])))
        return out

    def to_dict(self) -> dict:
        return {
            "path": self.path, "format": self.meta.get("format"), "encoding": self.meta.get("encoding"),
            "sheet": self.meta.get("sheet"), "sha256": self.meta.get("sha256"), "n_rows": self.n_rows,
            **({"files": self.meta["files"]} if self.meta.get("files") else {}),
            "columns_used": self.columns_used, "columns_ignored": self.columns_ignored,
            "out_of_range": int(len(self.out_of_range)),
            "missing_codes_found": int(self.missing_codes_found["n"].sum()) if len(self.missing_codes_found) else 0,
            "labels_applied": int(self.labels_applied["n"].sum()) if len(self.labels_applied) else 0,
            "n_all_items_missing": self.n_all_items_missing,
            "missing_tokens": self.token_counts(),
            "negative_durations": int(len(self.negative_durations)),
            "long_headers": int(len(self.long_headers)),
            "renamed": dict(self.renamed),
        }


def _as_number(v) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, numbers.Number):
        f = float(v)
        return f if not math.isnan(f) else None
    if isinstance(v, str):
        t = v.strip()
        if _NUM_RE.match(t):
            return float(t)
        try:                          # full-width digits etc.
            return float(t)
        except ValueError:
            return None
    return None


def _missing_code_sets(codes) -> tuple[set[float], set[str]]:
    nums, texts = set(), set()
    for c in codes:
        if isinstance(c, str):
            texts.add(c.strip())
            n = _as_number(c)
            if n is not None:
                nums.add(n)
        else:
            nums.add(float(c))
    return nums, texts


def _count_tokens(col: str, s: pd.Series, tokens_found: list | None) -> None:
    """Count empty cells and recognised missing tokens of one raw column into ``tokens_found``."""
    if tokens_found is None:
        return
    n_empty = int(s.isna().sum())
    if n_empty:
        tokens_found.append((col, "(empty)", n_empty))
    if s.dtype.kind in "biuf":
        return
    counts: dict[str, int] = {}
    for v, n in s.dropna().value_counts(sort=False).items():
        t = missing_token(v)
        if t is not None:
            counts[t] = counts.get(t, 0) + int(n)
    for t, n in counts.items():
        tokens_found.append((col, t, n))


def _convert_answers(path: Path, col: str, s: pd.Series, *, labels: dict, miss_num: set, miss_txt: set,
                     lo: float | None, hi: float | None, use_labels: bool, out_of_range: list,
                     codes_found: list, labels_found: list, unmapped: list,
                     tokens_found: list | None = None) -> pd.Series:
    """Map one answer column to float codes (see :func:`load_study_data`)."""
    _count_tokens(col, s, tokens_found)
    if s.dtype.kind in "biuf":
        out = s.astype("float64")
        return _codes_and_range(col, out, miss_num=miss_num, lo=lo, hi=hi, out_of_range=out_of_range,
                                codes_found=codes_found)
    labels_cf = {str(k).strip().casefold(): v for k, v in labels.items()} if use_labels else {}
    labels_ex = {str(k).strip(): v for k, v in labels.items()} if use_labels else {}
    mapping: dict[Any, float] = {}
    pending: list = []
    for v in s.dropna().unique():
        key = v.strip() if isinstance(v, str) else v
        if isinstance(key, str):
            if key in miss_txt:
                mapping[v] = np.nan
                codes_found.append((col, key, int((s == v).sum())))
                continue
            if key not in labels_ex and key.casefold() not in labels_cf and missing_token(key) is not None:
                mapping[v] = np.nan            # counted by _count_tokens
                continue
            if key in labels_ex or key.casefold() in labels_cf:
                code = float(labels_ex[key] if key in labels_ex else labels_cf[key.casefold()])
                mapping[v] = code
                labels_found.append((col, key, code, int((s == v).sum())))
                continue
        num = _as_number(key)
        if num is None:
            pending.append((v, key))
            continue
        mapping[v] = num
    if pending:             # answers no label maps: a standard answer scale (csat.intake.anchors), else an error
        std = standard_codes([key for _, key in pending], lo, hi) if use_labels else None
        for v, key in pending:
            if std is not None:
                mapping[v] = std[key]
                labels_found.append((col, key, std[key], int((s == v).sum())))
            else:
                unmapped.append((col, key, list(s.index[s == v])))
    out = s.map(lambda v: mapping.get(v, np.nan) if not (v is None or (isinstance(v, float) and math.isnan(v))) else np.nan)
    out = pd.to_numeric(out, errors="coerce").astype("float64")
    return _codes_and_range(col, out, miss_num=miss_num, lo=lo, hi=hi, out_of_range=out_of_range,
                            codes_found=codes_found)


def _codes_and_range(col, out, *, miss_num, lo, hi, out_of_range, codes_found) -> pd.Series:
    out = out.copy()
    if miss_num:
        is_code = out.isin(list(miss_num))
        if is_code.any():
            for code, n in out[is_code].value_counts().sort_index().items():
                codes_found.append((col, float(code), int(n)))
            out[is_code] = np.nan
    if lo is not None:
        bad = out.notna() & ((out < lo) | (out > hi))
        for r, v in out[bad].items():
            out_of_range.append((col, int(r), float(v)))
        out[bad] = np.nan
    return out


_DURATION_RE = re.compile(r"^\s*([0-9.]+)\s*(s|sec|secs|seconds?|秒)?\s*$", re.I)
# 1小时2分30秒, 2分30秒, 2分钟, 156秒, 1.5小时, 2 min 30 s, 1h 2m 3s
_UNITS_RE = re.compile(
    r"^\s*(?:(?P<h>\d+(?:\.\d+)?)\s*(?:小时|時|时|hours?|hrs?|h)\s*)?"
    r"(?:(?P<m>\d+(?:\.\d+)?)\s*(?:分钟|分鐘|分|minutes?|mins?|m)\s*)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)\s*(?:秒钟|秒鐘|秒|seconds?|secs?|s)?\s*)?$", re.I)
_HMS_RE = re.compile(r"^\s*(?:(\d+):)?(\d+):(\d+(?:\.\d*)?)\s*$")


def _parse_duration(v) -> float | None:
    n = _as_number(v)
    if n is not None:
        return n
    if isinstance(v, str):
        m = _DURATION_RE.match(v)
        if m:
            return float(m.group(1))
        m = _HMS_RE.match(v)
        if m:
            h = float(m.group(1) or 0)
            return h * 3600 + float(m.group(2)) * 60 + float(m.group(3))
        m = _UNITS_RE.match(v)
        if m and any(m.group(g) for g in ("h", "m", "s")):
            return (float(m.group("h") or 0) * 3600 + float(m.group("m") or 0) * 60 + float(m.group("s") or 0))
    return None


def _convert_duration(path: Path, col: str, s: pd.Series, tokens_found: list | None = None,
                      negative: list | None = None) -> pd.Series:
    bad: dict[str, list] = {}
    vals = []
    _count_tokens(col, s, tokens_found)
    for r, v in s.items():
        if v is None or (isinstance(v, float) and math.isnan(v)) or missing_token(v) is not None:
            vals.append(np.nan)
            continue
        d = _parse_duration(v)
        if d is not None and not math.isfinite(d):
            d = None
        if d is not None and d < 0:
            if negative is not None:
                negative.append((col, int(r), float(d)))
            vals.append(np.nan)
            continue
        if d is None:
            bad.setdefault(str(v), []).append(r)
            vals.append(np.nan)
        else:
            vals.append(d)
    if bad:
        first = next(iter(bad))
        raise DataError(f"{path}: column {col!r} (key 'data.duration'): {first!r} is not a duration in seconds "
                        f"(data {_fmt_rows(bad[first])}); use numbers of seconds, '125秒', '2分30秒', '1小时5分' "
                        "or 'mm:ss'")
    return pd.Series(vals, index=s.index, dtype="float64", name=col)


def _group_text(s: pd.Series, labels: dict | None, miss_num: set, miss_txt: set) -> pd.Series:
    """Group column as text: missing codes -> missing, SPSS/Stata value labels applied,
    whole numbers written without '.0'."""
    def conv(v):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return np.nan
        if isinstance(v, str):
            t = v.strip()
            return np.nan if (not t or t in miss_txt or missing_token(t) is not None) else t
        num = _as_number(v)
        if num is not None and num in miss_num:
            return np.nan
        key = int(num) if num is not None and num.is_integer() else v
        if labels and key in labels:
            return str(labels[key])
        return str(key)

    if s.dtype.kind in "iuf" or pd.api.types.infer_dtype(s, skipna=True) == "string":
        # numbers only or text only: convert each distinct value once (1 and True cannot both occur)
        codes, uniq = pd.factorize(s, use_na_sentinel=True)
        mapped = np.array([conv(v) for v in list(uniq.tolist())] + [np.nan], dtype=object)
        return pd.Series(mapped[codes], index=s.index, dtype=object, name=s.name)
    return pd.Series([conv(v) for v in s], index=s.index, dtype=object, name=s.name)


def _clean_id(s: pd.Series) -> pd.Series:
    if s.dtype.kind == "f" and s.notna().all() and np.all(np.mod(s.to_numpy(), 1) == 0):
        return s.astype("int64")
    return s


def _bound(v, none=None):
    """A scale bound as float; ``none`` when the (continuous) scale has no bound."""
    return none if v is None else float(v)


def _fmt_bound(v) -> str:
    return "none" if v is None else f"{v:g}"


def load_study_data(params, params_path: str | Path | None = None, *, root: str | Path | None = None,
                    path: str | Path | None = None) -> tuple[pd.DataFrame, IntakeReport]:
    """Read a study's raw file and turn answers into analysable numbers.

    Parameters
    ----------
    params : :class:`csat.config.params.StudyParams`.
    params_path : the params file (``data.path`` is resolved against its project root).
    root : project root (overrides the one derived from ``params_path``).
    path : read this file instead of ``data.path`` (tests).

    Returns
    -------
    df : the study's columns only (id, items, groups, recommend, duration, attention checks),
        index ``row`` = data row number as in the file.  Items and ``recommend`` are float
        codes; groups are text (SPSS/Stata value labels applied); duration is seconds.
    report : :class:`IntakeReport`.

    Rules: empty cells and ``missing_codes`` -> missing; text answers -> ``labels`` codes
    (exact match, then case-insensitive); numbers written as text -> numbers; any other text
    in an item or ``recommend`` column -> :class:`DataError`; codes outside ``scale.min..max``
    (items) or 0..10 (``recommend``) -> reported in ``report.out_of_range`` and set missing.

    Examples
    --------
    The ECSI study reads the shared data file:

    >>> from csat.config.params import load_params
    >>> p = load_params(project / "params" / "ecsi.yaml", root=project)
    >>> df, report = load_study_data(p, project / "params" / "ecsi.yaml", root=project)
    >>> df.shape, df.index.name, str(df["sat1"].dtype)
    ((250, 28), 'row', 'float64')
    """
    df, meta, dp = read_study_raw(params, params_path, root=root, path=path)
    rename = dict(getattr(params.data, "rename", None) or {})
    long_headers = [(c, len(str(c))) for c in meta["columns"] if len(str(c)) > LONG_HEADER]

    ic = params.item_construct
    missing = [c for c in params.data_columns if c not in df.columns]
    if missing:
        parts = []
        for c in missing:
            key = (f"constructs.{ic[c]}.items" if c in ic else "groups" if c in params.groups else
                   "data.id" if c == params.data.id else "data.duration" if c == params.data.duration else
                   "recommend" if c == params.recommend else "cleaning.attention_checks")
            parts.append(f"column {c!r} (key {key!r}) is not in the file{suggest(c, df.columns)}")
        raise DataError(f"{dp}: " + "; ".join(parts))

    miss_num, miss_txt = _missing_code_sets(params.missing_codes)
    oor: list = []
    codes_found: list = []
    labels_found: list = []
    unmapped: list = []
    tokens_found: list = []
    negative: list = []
    out = pd.DataFrame(index=df.index)
    if params.data.id:
        out[params.data.id] = _clean_id(df[params.data.id])
    for it in params.items:
        out[it] = _convert_answers(dp, it, df[it], labels=params.labels, miss_num=miss_num, miss_txt=miss_txt,
                                   lo=_bound(params.scale.min), hi=_bound(params.scale.max), use_labels=True,
                                   out_of_range=oor, codes_found=codes_found, labels_found=labels_found,
                                   unmapped=unmapped, tokens_found=tokens_found)
    if params.recommend:
        out[params.recommend] = _convert_answers(dp, params.recommend, df[params.recommend], labels=params.labels,
                                                 miss_num=miss_num, miss_txt=miss_txt, lo=RECOMMEND_RANGE[0],
                                                 hi=RECOMMEND_RANGE[1], use_labels=True, out_of_range=oor,
                                                 codes_found=codes_found, labels_found=labels_found,
                                                 unmapped=unmapped, tokens_found=tokens_found)
    if unmapped:
        parts = []
        for col, val, rows in unmapped[:5]:
            parts.append(f"column {col!r}: answer {val!r} (data {_fmt_rows(rows)}) is not a number and not in 'labels'"
                         f"{suggest(val, params.labels)}")
        more = f"; and {len(unmapped) - 5} more unmapped answers" if len(unmapped) > 5 else ""
        hint = (" Add each text answer to the 'labels' key of the params file (e.g. labels: {非常满意: 5}) "
                "or to 'missing_codes'.")
        raise DataError(f"{dp}: " + "; ".join(parts) + more + "." + hint)
    vlabels = meta.get("value_labels", {})
    group_labels = {}
    for g in params.grouping_columns:
        if g in out.columns:
            continue
        labs = vlabels.get(g)
        if labs:
            group_labels[g] = labs
        out[g] = _group_text(df[g], labs, miss_num, miss_txt)
    if params.data.duration and params.data.duration not in out.columns:
        out[params.data.duration] = _convert_duration(dp, params.data.duration, df[params.data.duration],
                                                      tokens_found, negative)
    for c in params.cleaning.attention_checks:
        if c not in out.columns:
            out[c] = df[c]
    _check_rules(dp, params, df, out)

    items = params.items
    all_missing = out[items].isna().all(axis=1)
    if len(out) and all_missing.all():
        why = []
        if oor:
            why.append(f"{len(oor)} out-of-range values were set missing")
        if codes_found:
            why.append("missing codes were set missing")
        raise DataError(f"{dp}: every respondent ({len(out)}) has all items missing"
                        + (f" ({'; '.join(why)})" if why else "")
                        + f"; check scale (min {_fmt_bound(params.scale.min)}, max {_fmt_bound(params.scale.max)}), "
                          "missing_codes and the item columns")

    _all_outside_scale(dp, params, out, oor)

    used = list(out.columns)
    report = IntakeReport(
        path=str(dp), meta=meta, n_rows=int(len(out)), columns_used=used,
        columns_ignored=[c for c in df.columns if c not in used],
        out_of_range=pd.DataFrame(oor, columns=["column", "row", "value"]).astype(
            {"column": object, "row": "int64", "value": "float64"}),
        missing_codes_found=pd.DataFrame(codes_found, columns=["column", "code", "n"]).astype(
            {"column": object, "code": object, "n": "int64"}),
        labels_applied=pd.DataFrame(labels_found, columns=["column", "answer", "code", "n"]).astype(
            {"column": object, "answer": object, "code": "float64", "n": "int64"}),
        n_all_items_missing=int(all_missing.sum()),
        group_value_labels=group_labels,
        missing_tokens=pd.DataFrame(tokens_found, columns=["column", "token", "n"]).astype(
            {"column": object, "token": object, "n": "int64"}),
        negative_durations=pd.DataFrame(negative, columns=["column", "row", "value"]).astype(
            {"column": object, "row": "int64", "value": "float64"}),
        long_headers=pd.DataFrame(long_headers, columns=["column", "length"]).astype(
            {"column": object, "length": "int64"}),
        renamed=rename,
        file_rows=meta.get("n_file_rows"),
        extra=df[[c for c in params.extra_columns if c in df.columns and c not in out.columns]],
        responded=getattr(getattr(params, "survey", None), "responded", None),
    )
    return out, report


#: A speeder rule (``cleaning.min_duration``, ``cleaning.speeder_median_ratio``) is refused when more than this
#: share of the respondents have no readable completion time (empty, ``n/a``, negative): the rule would judge
#: only the few with one and silently keep the others.  A ``data.duration`` column without any readable value is
#: refused with or without a rule.
MAX_UNREADABLE_DURATION = 0.5


def _sample(values: pd.Series, limit: int = 3) -> str:
    """A few distinct raw values of a column as they are in the file (``''`` for an empty cell)."""
    seen = []
    for v in values.tolist():
        t = "" if v is None or (isinstance(v, float) and math.isnan(v)) else (
            _fmt_value(v) if not isinstance(v, str) else v)
        if t not in seen:
            seen.append(t)
        if len(seen) > limit:
            break
    shown = ", ".join(repr(t) for t in seen[:limit])
    return shown + (", …" if len(seen) > limit else "")


def _check_rules(dp: Path, params, raw: pd.DataFrame, out: pd.DataFrame) -> None:
    """Every configured rule applies or is refused: a completion-time column with no (or too few) readable values,
    an id column that is empty, a weights column that holds no numbers, an attention check whose column never
    holds the expected answer -- each one :class:`DataError` naming the column, the key and a sample of its values."""
    n = len(out)
    if n == 0:
        return
    c = params.cleaning
    col = params.data.duration
    if col:
        readable = out[col].notna()
        k = int(readable.sum())
        rule = ("cleaning.min_duration" if c.min_duration is not None else
                "cleaning.speeder_median_ratio" if c.speeder_median_ratio is not None else None)
        if k == 0:
            raise DataError(f"{dp}: column {col!r} (key 'data.duration') has no readable completion time in any of "
                            f"the {n} rows (values {_sample(raw[col])})"
                            + (f", so the speeder rule ({rule}) cannot apply" if rule else "")
                            + "; fix the column or remove data.duration" + (f" and {rule}" if rule else ""))
        if rule and n - k > MAX_UNREADABLE_DURATION * n:
            raise DataError(f"{dp}: column {col!r} (key 'data.duration'): {n - k} of {n} rows have no readable "
                            f"completion time (values {_sample(raw.loc[~readable, col])}), more than "
                            f"{MAX_UNREADABLE_DURATION:.0%}, so the speeder rule ({rule}) would judge only {k}; "
                            f"fix the column or switch the rule off")
    idc = params.data.id
    if idc and out[idc].isna().all():
        raise DataError(f"{dp}: column {idc!r} (key 'data.id') is empty in all {n} rows (values {_sample(raw[idc])}); "
                        "name the respondent id column or remove data.id")
    w = params.weights.column if params.weights is not None else None
    if w and w in raw.columns:
        s = raw[w]
        if s.dtype.kind not in "biuf":
            txt = s.map(lambda v: v.strip() if isinstance(v, str) else v)
            num = pd.to_numeric(txt, errors="coerce")
            bad = txt.notna() & num.isna() & ~txt.map(lambda v: missing_token(v) is not None)
            if bad.any():
                first = bad.idxmax()
                raise DataError(f"{dp}: column {w!r} (key 'weights.column') is not numeric: {raw.at[first, w]!r} in "
                                f"data row {first} is no number (values {_sample(s[bad])}); weights must be "
                                "positive numbers")
        else:
            num = s
        if not pd.to_numeric(num, errors="coerce").notna().any():
            raise DataError(f"{dp}: column {w!r} (key 'weights.column') holds no weight in any of the {n} rows "
                            f"(values {_sample(s)}); weights must be positive numbers")
    if c.attention_checks:
        from csat.intake.cleaning import answer_matches

        for col, expected in c.attention_checks.items():
            vals = raw[col].dropna().unique()
            if not any(answer_matches(v, expected, params.labels) for v in vals):
                raise DataError(f"{dp}: column {col!r} (key 'cleaning.attention_checks.{col}') never holds the expected "
                                f"answer {expected!r} (values {_sample(raw[col])}), so every respondent would fail "
                                "the check; fix the expected answer or the column")


def _all_outside_scale(dp: Path, params, out: pd.DataFrame, oor: list) -> None:
    """An item (or ``recommend``) every answer of which lies outside its range cannot be analysed: one
    error counting them as such (rather than "answered by only 0" after cleaning)."""
    if not oor:
        return
    per_col: dict[str, list[float]] = {}
    for col, _, v in oor:
        per_col.setdefault(col, []).append(v)
    for col, vals in per_col.items():
        if out[col].notna().any():
            continue
        if col == params.recommend:
            key, lo, hi = "recommend", RECOMMEND_RANGE[0], RECOMMEND_RANGE[1]
            hint = "the likelihood to recommend is a 0–10 answer; check the column"
        else:
            key, lo, hi = (f"constructs.{params.item_construct[col]}.items", _bound(params.scale.min),
                           _bound(params.scale.max))
            hint = "check scale.min and scale.max or the column"
        shown = ", ".join(f"{v:g}" for v in sorted(set(vals))[:5])
        raise DataError(f"{dp}: column {col!r} (key {key!r}): all {len(vals)} answers are outside "
                        f"{lo:g}–{hi:g} (values {shown}{', …' if len(set(vals)) > 5 else ''}); {hint}")


# ----------------------------------------------------------------------------- outputs
def make_codebook(clean: pd.DataFrame, params, meta: dict | None = None) -> pd.DataFrame:
    """One row per item: ``item, construct, label, scale_min, scale_max, reverse_keyed, missing``.

    ``label`` is the params ``item_labels`` wording (study language), else the variable label
    stored in a .sav/.dta file, else the item name; ``missing`` counts missing cells in ``clean``.

    Parameters
    ----------
    clean : DataFrame
        The cleaned data.
    params : StudyParams
        The study's parameters.
    meta : dict, optional
        ``IntakeReport.meta`` (variable labels of a .sav/.dta file).

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> from csat.config.params import load_params
    >>> p = load_params(project / "params" / "ecsi.yaml", root=project)
    >>> df, report = load_study_data(p, project / "params" / "ecsi.yaml", root=project)
    >>> make_codebook(df, p, report.meta).head(2)
        item construct  label  scale_min  scale_max  reverse_keyed  missing
    0  imag1      IMAG  imag1        0.0       10.0          False        0
    1  imag2      IMAG  imag2        0.0       10.0          False        0
    """
    vlab = (meta or {}).get("variable_labels", {}) or {}
    ic = params.item_construct
    rows = []
    for it in params.items:
        lab = params.item_label(it) if it in params.item_labels else vlab.get(it, it)
        rows.append({"item": it, "construct": ic[it], "label": lab, "scale_min": _bound(params.scale.min, math.nan),
                     "scale_max": _bound(params.scale.max, math.nan), "reverse_keyed": it in params.reverse,
                     "missing": int(clean[it].isna().sum()) if it in clean.columns else 0})
    return pd.DataFrame(rows, columns=["item", "construct", "label", "scale_min", "scale_max",
                                       "reverse_keyed", "missing"])


def _inside_raw(out_dir: Path) -> bool:
    parts = [p.lower() for p in out_dir.resolve().parts]
    return any(a == "data" and b == "raw" for a, b in zip(parts, parts[1:]))


def write_processed(df: pd.DataFrame, codebook: pd.DataFrame, out_dir: str | Path) -> dict[str, Path]:
    """Write ``clean.parquet``, ``clean.csv`` and ``codebook.csv`` to ``out_dir`` (each atomically).

    The index of ``df`` (the data row number ``row`` in the raw file) is written as a first
    column ``row`` unless ``df`` already has such a column.  Refuses to write under ``data/raw``.

    Parameters
    ----------
    df : DataFrame
        The cleaned data.
    codebook : DataFrame
        :func:`make_codebook`.
    out_dir : str or Path
        ``data/processed/<study>``.

    Returns
    -------
    dict
        ``{"parquet": path, "csv": path, "codebook": path}``.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     out = write_processed(holzinger.head(3), pd.DataFrame({"item": ["x1"]}), Path(tmp))
    ...     sorted(path.name for path in out.values())
    ['clean.csv', 'clean.parquet', 'codebook.csv']
    """
    out_dir = Path(out_dir)
    if _inside_raw(out_dir):
        raise DataError(f"{out_dir}: refusing to write into data/raw (raw data is read only)")
    data = df.copy()
    if "row" not in data.columns:
        data.insert(0, "row", np.asarray(df.index, dtype="int64") if df.index.dtype.kind in "iu"
                    else np.arange(1, len(df) + 1))
    data = data.reset_index(drop=True)
    for c in data.columns:                   # parquet wants one type per column
        if data[c].dtype == object:
            data[c] = data[c].map(lambda v: v if (v is None or isinstance(v, str) or
                                                  (isinstance(v, float) and math.isnan(v))) else str(v))
    out = {
        "parquet": write_parquet(out_dir / "clean.parquet", data),
        "csv": write_csv(out_dir / "clean.csv", data),
        "codebook": write_csv(out_dir / "codebook.csv", codebook),
    }
    return out
