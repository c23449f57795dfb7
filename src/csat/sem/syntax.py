"""A parser for the lavaan model syntax (the subset csat uses).

Operators (Rosseel 2012, *lavaan: An R package for structural equation modeling*, J. Stat.
Softw. 48(2), section "the model syntax")::

    f =~ x1 + x2 + x3        # f is measured by x1, x2, x3 (factor loadings)
    y ~ f1 + f2              # regression of y on f1 and f2
    x1 ~~ x2                 # (residual) covariance; x1 ~~ x1 is a (residual) variance
    f <~ x1 + x2 + x3        # f is formed by x1, x2, x3 (a formative block; PLS estimator only)
    ind := a*b               # defined parameter: an arithmetic expression of labels

Modifiers premultiply a right-hand-side term: ``a*x`` gives the parameter the label ``a``
(two parameters with the same label are constrained equal), ``1*x`` or ``0.5*x`` fixes it to
that value, ``NA*x`` frees it (e.g. the first loading, which is otherwise the marker).
Statements are separated by newlines or ``;``; ``#`` and ``!`` start a comment; a statement
continues on the next line when the line ends with ``+``, ``*`` or an operator, or the next
line starts with ``+``.

:func:`parse_model` returns the user's statements as a parameter table (one row per
parameter, lavaan's ``lavaanify`` columns ``lhs, op, rhs, label`` plus ``fixed`` (the fixed
value or NaN), ``free`` (True for ``NA*``, False for a fixed value, NaN for the default) and
``line`` (1-based line of the statement)).
"""
from __future__ import annotations

import ast
import math
import re

import pandas as pd

__all__ = ["ModelSyntaxError", "parse_model", "latent_names", "observed_names", "measurement_syntax",
           "defined_names", "OPERATORS", "is_name", "NAME_RULE"]

OPERATORS = ("=~", "<~", "~~", "~", ":=")
_UNSUPPORTED = ("==", "<=", ">=", "|", "~*~", "%", "<", ">")
# A variable or label name: Unicode letters (Chinese included), digits, "_" and ".", not starting
# with a digit -- what lavaan's parser accepts (``服务 =~ 服务1 + 服务2``).  ``\w`` is Unicode-aware.
_NAME = re.compile(r"^(?:[^\W\d]|\.)[\w.]*$")
NAME_RULE = "letters (any script, e.g. Chinese), digits, '_' and '.', not starting with a digit"
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_ALLOWED_FUNCS = {"sqrt", "exp", "log", "abs"}
COLUMNS = ["lhs", "op", "rhs", "label", "fixed", "free", "line"]


def is_name(name: object) -> bool:
    """True when ``name`` can be a variable or label name in the model syntax (see :data:`NAME_RULE`)."""
    return isinstance(name, str) and bool(_NAME.match(name))


from csat.core.errors import ModelSyntaxError  # noqa: E402,F401  (defined in csat.core.errors; re-exported here)


def _fail(lineno: int, text: str, why: str):
    raise ModelSyntaxError(f"model syntax error on line {lineno}: {why}: {text.strip()!r}")


def _statements(text: str) -> list[tuple[int, str]]:
    """Split the model text into ``(first line number, statement)`` pairs, joining continuations."""
    if not isinstance(text, str):
        raise ModelSyntaxError(f"the model must be a string of lavaan syntax, got {type(text).__name__}")
    pieces: list[tuple[int, str]] = []
    for i, raw in enumerate(text.splitlines(), start=1):
        line = re.split(r"[#!]", raw, maxsplit=1)[0]
        for part in line.split(";"):
            pieces.append((i, part.strip()))
    out: list[tuple[int, str]] = []
    cont = False
    for i, s in pieces:
        if not s:
            continue
        if out and (cont or s.startswith("+") or s.startswith("*")):
            out[-1] = (out[-1][0], out[-1][1] + " " + s)
        else:
            out.append((i, s))
        cont = bool(re.search(r"(\+|\*|=~|<~|~~|~|:=)\s*$", s))
    return out


def _find_op(lineno: int, stmt: str) -> str:
    if ":=" in stmt:
        return ":="
    for bad in ("==", "~*~"):
        if bad in stmt:
            _fail(lineno, stmt, f"operator {bad!r} is not supported (use =~, <~, ~, ~~ or :=)")
    for op in ("=~", "<~", "~~", "~"):
        if op in stmt:
            return op
    for bad in ("<=", ">=", "<", ">", "|"):
        if bad in stmt:
            _fail(lineno, stmt, f"operator {bad!r} is not supported (use =~, ~, ~~ or :=)")
    _fail(lineno, stmt, "no operator found (expected one of =~, ~, ~~, :=)")
    raise AssertionError  # unreachable


def _check_expression(lineno: int, stmt: str, expr: str) -> None:
    try:
        tree = ast.parse(expr, mode="eval")
    except SyntaxError:
        _fail(lineno, stmt, "the defined parameter is not a valid arithmetic expression")
    for node in ast.walk(tree):
        if isinstance(node, (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Name, ast.Load, ast.Add, ast.Sub,
                             ast.Mult, ast.Div, ast.Pow, ast.USub, ast.UAdd)):
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _ALLOWED_FUNCS:
            continue
        _fail(lineno, stmt, "a defined parameter may only use labels, numbers, + - * / ^ and "
                            "sqrt/exp/log/abs")


def _term(lineno: int, stmt: str, term: str) -> tuple[str, str, float, object]:
    """``a*x`` / ``1*x`` / ``NA*x`` / ``x`` -> (name, label, fixed, free); ``x:z`` (a product term of a
    regression, lavaan's interaction) is the name ``"x:z"``."""
    parts = [p.strip() for p in term.split("*")]
    if any(p == "" for p in parts):
        _fail(lineno, stmt, f"empty term or modifier in {term.strip()!r}")
    name = parts[-1]
    if ":" in name:
        factors = [f.strip() for f in name.split(":")]
        for f in factors:
            if not _NAME.match(f):
                _fail(lineno, stmt, f"{f!r} is not a valid variable name in the product term {name!r}")
        name = ":".join(factors)
    elif not _NAME.match(name):
        _fail(lineno, stmt, f"{name!r} is not a valid variable name")
    label, fixed, free = "", math.nan, math.nan
    for mod in parts[:-1]:
        if mod in ("NA", "na"):
            free, fixed = True, math.nan
        elif _NUMBER.match(mod):
            fixed, free = float(mod), False
        elif _NAME.match(mod):
            label = mod
        else:
            _fail(lineno, stmt, f"modifier {mod!r} is not a label, a number or NA")
    return name, label, fixed, free


def parse_model(text: str) -> pd.DataFrame:
    """Parse lavaan model syntax into a parameter table (one row per user-specified parameter).

    Columns ``lhs, op, rhs, label, fixed, free, line`` (see the module docstring); ``:=`` rows
    carry the expression text in ``rhs``.  Raises :class:`ModelSyntaxError` naming the line
    number and its text for an unknown operator, a missing side, an invalid name or modifier.
    """
    rows: list[dict] = []
    for lineno, stmt in _statements(text):
        op = _find_op(lineno, stmt)
        lhs_txt, rhs_txt = stmt.split(op, 1)
        lhs_txt, rhs_txt = lhs_txt.strip(), rhs_txt.strip()
        if not lhs_txt:
            _fail(lineno, stmt, f"nothing on the left of {op!r}")
        if not rhs_txt:
            _fail(lineno, stmt, f"nothing on the right of {op!r}")
        if op == ":=":
            if not _NAME.match(lhs_txt):
                _fail(lineno, stmt, f"{lhs_txt!r} is not a valid name for a defined parameter")
            expr = rhs_txt.replace("^", "**")
            _check_expression(lineno, stmt, expr)
            rows.append(dict(lhs=lhs_txt, op=op, rhs=rhs_txt, label=lhs_txt, fixed=math.nan, free=math.nan,
                             line=lineno))
            continue
        if any(ch in rhs_txt for ch in "~=") or (op != "~" and ":" in rhs_txt):
            _fail(lineno, stmt, "more than one operator in one statement")
        lhs_names = [t.strip() for t in lhs_txt.split("+")]
        for nm in lhs_names:
            if not _NAME.match(nm):
                _fail(lineno, stmt, f"{nm!r} is not a valid variable name")
        terms = [t for t in rhs_txt.split("+")]
        if any(t.strip() == "" for t in terms):
            _fail(lineno, stmt, "empty term (a '+' with nothing after it)")
        for lhs in lhs_names:
            for t in terms:
                if op == "~" and t.strip() == "1":
                    _fail(lineno, stmt, "intercepts ('~ 1') are not supported")
                name, label, fixed, free = _term(lineno, stmt, t)
                rows.append(dict(lhs=lhs, op=op, rhs=name, label=label, fixed=fixed, free=free, line=lineno))
    if not rows:
        raise ModelSyntaxError("the model syntax is empty (no statements)")
    df = pd.DataFrame(rows, columns=COLUMNS)
    key = df["op"] != ":="
    dup = df[key].duplicated(subset=["lhs", "op", "rhs"], keep=False)
    if dup.any():
        r = df[key][dup].iloc[-1]
        raise ModelSyntaxError(f"model syntax error on line {r['line']}: parameter "
                               f"'{r['lhs']} {r['op']} {r['rhs']}' is specified twice")
    return df


def latent_names(table: pd.DataFrame) -> list[str]:
    """Latent variables: left-hand sides of ``=~``, in order of appearance."""
    return list(dict.fromkeys(lhs for lhs, op in zip(table["lhs"].tolist(), table["op"].tolist()) if op == "=~"))


def defined_names(table: pd.DataFrame) -> list[str]:
    """Names of the defined parameters (``:=``)."""
    return list(table.loc[table["op"] == ":=", "lhs"])


def observed_names(table: pd.DataFrame) -> list[str]:
    """Observed variables in lavaan's order: indicators (in order of appearance in ``=~``), then the
    other variables of ``~`` and ``~~`` statements that are not latent."""
    lat = set(latent_names(table))
    rows = list(zip(table["lhs"].tolist(), table["op"].tolist(), table["rhs"].tolist()))
    ind = list(dict.fromkeys(rhs for _, op, rhs in rows if op == "=~"))
    other = []
    for lhs, op, rhs in rows:
        if op not in ("=~", ":="):
            other.extend([lhs, rhs])
    rest = [v for v in dict.fromkeys(other) if v not in lat and v not in set(ind)]
    return [v for v in ind if v not in lat] + rest


def measurement_syntax(constructs: dict[str, list[str]]) -> str:
    """lavaan syntax with one factor per construct: ``NAME =~ item1 + item2 + ...`` per line."""
    lines = []
    for name, items in constructs.items():
        if not _NAME.match(str(name)):
            raise ModelSyntaxError(f"construct name {name!r} is not a valid lavaan name ({NAME_RULE})")
        items = list(items)
        if not items:
            raise ModelSyntaxError(f"construct {name!r} has no items")
        for it in items:
            if not _NAME.match(str(it)):
                raise ModelSyntaxError(f"item name {it!r} of construct {name!r} is not a valid lavaan name "
                                       f"({NAME_RULE})")
        lines.append(f"{name} =~ " + " + ".join(items))
    return "\n".join(lines) + "\n"
