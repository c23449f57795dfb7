"""Issue #31, point 10: a property-based fuzz test (Hypothesis) of the intake and the params check.

Random truncations, encodings, delimiters, mixed types, duplicated and missing columns of the mini study's data
file, and mutations of its YAML: every generated case ends either in a :class:`csat.core.errors.CsatError` whose
message is one line naming a file, key, column or line, or in a successful read whose report counts what was
changed (each item cell is a kept answer, a value outside the scale, a missing code or a missing token) —
never another exception; the raw file is byte-identical afterwards.

Seeded (``derandomize``) with a bounded number of examples, so it runs the same in CI in a few seconds.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings, strategies as st

from csat.core.errors import CsatError
from csat.intake.preflight import load_study
from csat.intake.readers import load_study_data

from studyfactory import ITEMS, PARAMS, survey

FUZZ = settings(max_examples=40, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

DELIMITERS = [",", ";", "\t", "|"]
ENCODINGS = ["utf-8", "utf-8-sig", "gbk", "gb18030", "big5", "cp1252", "utf-16"]
ODD_CELLS = ["", "NA", "n/a", "(跳过)", "99", "0", "6", "-3", "2.5", "nan", "inf", "非常满意", "Köln", "Zürich",
             "1,5", "\"", "x\"y", " 3 ", "１", "1e3", "007", "#", "a;b", "\t"]


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def _names_something(msg: str, *things: str) -> bool:
    return any(t in msg for t in things) or any(w in msg for w in ("key ", "column", "line", "row", "sheet"))


def _check_outcome(tmp: Path, pf: Path, raw: Path) -> None:
    before = _sha(raw)
    try:
        p = load_study(pf, root=tmp)
        df, report = load_study_data(p, pf, root=tmp)
    except CsatError as err:
        msg = str(err)
        assert "\n" not in msg, msg
        assert msg.strip(), "empty message"
        assert _names_something(msg, str(raw), raw.name, "mini.yaml"), msg
    else:
        # the report counts every item cell that is no kept answer
        for it in [c for c in ITEMS if c in df.columns]:
            kept = int(df[it].notna().sum())
            oor = int((report.out_of_range["column"] == it).sum())
            codes = int(report.missing_codes_found.loc[report.missing_codes_found["column"] == it, "n"].sum())
            toks = int(report.missing_tokens.loc[report.missing_tokens["column"] == it, "n"].sum())
            assert kept + oor + codes + toks == len(df), (it, kept, oor, codes, toks, len(df))
        report.diagnostics()
    assert _sha(raw) == before


@st.composite
def damaged_csv(draw):
    df = survey(12).astype(object)
    cols = list(df.columns)
    rows = [[str(v) for v in r] for r in df.itertuples(index=False)]
    for _ in range(draw(st.integers(0, 6))):                       # mixed types and odd cells
        i, j = draw(st.integers(0, len(rows) - 1)), draw(st.integers(0, len(cols) - 1))
        rows[i][j] = draw(st.sampled_from(ODD_CELLS) | st.text(max_size=6))
    action = draw(st.sampled_from(["none", "duplicate_column", "drop_column", "rename_column", "drop_cell",
                                   "extra_cell"]))
    if action == "duplicate_column":
        j = draw(st.integers(0, len(cols) - 1))
        cols.append(cols[j])
        rows = [r + [r[j]] for r in rows]
    elif action == "drop_column":
        j = draw(st.integers(0, len(cols) - 1))
        cols.pop(j)
        rows = [r[:j] + r[j + 1:] for r in rows]
    elif action == "rename_column":
        cols[draw(st.integers(0, len(cols) - 1))] = draw(st.text(min_size=0, max_size=5))
    elif action == "drop_cell":
        r = rows[draw(st.integers(0, len(rows) - 1))]
        r.pop()
    elif action == "extra_cell":
        rows[draw(st.integers(0, len(rows) - 1))].append(draw(st.sampled_from(["", "x", "5"])))
    delim = draw(st.sampled_from(DELIMITERS))
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    text = eol.join(delim.join(r) for r in [cols, *rows]) + eol
    enc = draw(st.sampled_from(ENCODINGS))
    data = text.encode(enc, errors="replace")
    if draw(st.booleans()):                                         # a file cut off anywhere
        data = data[: draw(st.integers(0, len(data)))]
    allow_ragged = draw(st.booleans())
    return data, allow_ragged


@FUZZ
@given(case=damaged_csv())
def test_fuzzed_data_files_end_in_one_clear_error_or_a_counted_read(tmp_path_factory, case):
    data, allow_ragged = case
    tmp = tmp_path_factory.mktemp("fuzz")
    (tmp / "params").mkdir()
    raw = tmp / "data" / "raw" / "mini.csv"
    raw.parent.mkdir(parents=True)
    raw.write_bytes(data)
    params = PARAMS.replace("  duration: secs\n", "  duration: secs\n  allow_ragged: true\n") if allow_ragged \
        else PARAMS
    pf = tmp / "params" / "mini.yaml"
    pf.write_text(params, encoding="utf-8")
    _check_outcome(tmp, pf, raw)


@st.composite
def mutated_yaml(draw):
    lines = PARAMS.splitlines()
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["delete", "duplicate", "indent", "dedent", "comment", "replace_value",
                                     "garbage", "hash_path"]))
        if kind == "delete":
            lines.pop(i)
        elif kind == "duplicate":
            lines.insert(i, lines[i])
        elif kind == "indent":
            lines[i] = "  " + lines[i]
        elif kind == "dedent":
            lines[i] = lines[i].lstrip()
        elif kind == "comment":
            lines[i] = "# " + lines[i]
        elif kind == "replace_value" and ":" in lines[i]:
            key = lines[i].split(":", 1)[0]
            lines[i] = key + ": " + draw(st.sampled_from(["", "-1", "0", "1e9", "[]", "{}", "yes", "'x'", "null",
                                                          "[sat1, sat1]", "{min: 5, max: 1}", "sat9", "0.5"]))
        elif kind == "garbage":
            lines[i] = draw(st.text(max_size=12))
        elif kind == "hash_path":
            lines = [ln.replace("data/raw/mini.csv", "data/raw/mini #1.csv") for ln in lines]
        if not lines:
            lines = [""]
    return "\n".join(lines) + "\n"


@FUZZ
@given(text=mutated_yaml())
def test_fuzzed_params_end_in_one_clear_error_or_a_checked_study(tmp_path_factory, text):
    tmp = tmp_path_factory.mktemp("fuzzp")
    (tmp / "params").mkdir()
    raw = tmp / "data" / "raw" / "mini.csv"
    raw.parent.mkdir(parents=True)
    survey(40).to_csv(raw, index=False)
    pf = tmp / "params" / "mini.yaml"
    pf.write_text(text, encoding="utf-8")
    _check_outcome(tmp, pf, raw)
