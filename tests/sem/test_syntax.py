"""Parser tests: lavaan syntax -> parameter table (the table lavaan's ``lavaanify`` gives for the
user rows), and syntax errors naming the line."""
from __future__ import annotations

import math

import pytest

from csat.sem import syntax
from csat.sem.syntax import ModelSyntaxError, latent_names, measurement_syntax, observed_names, parse_model


def rows(t):
    return [(r.lhs, r.op, r.rhs) for r in t.itertuples()]


def test_operators_lists_and_order():
    t = parse_model("visual =~ x1 + x2 + x3\ntextual =~ x4 + x5\nvisual ~ textual\nx1 ~~ x4")
    assert rows(t) == [("visual", "=~", "x1"), ("visual", "=~", "x2"), ("visual", "=~", "x3"),
                       ("textual", "=~", "x4"), ("textual", "=~", "x5"), ("visual", "~", "textual"),
                       ("x1", "~~", "x4")]
    assert list(t["line"]) == [1, 1, 1, 2, 2, 3, 4]
    assert latent_names(t) == ["visual", "textual"]
    assert observed_names(t) == ["x1", "x2", "x3", "x4", "x5"]


def test_modifiers():
    t = parse_model("f =~ NA*x1 + a*x2 + 0.5*x3 + 1*x4 + -2e-1*x5")
    assert t["free"].iloc[0] is True and math.isnan(t["fixed"].iloc[0])
    assert t["label"].iloc[1] == "a" and math.isnan(t["fixed"].iloc[1])
    assert t["fixed"].iloc[2] == 0.5 and t["free"].iloc[2] is False
    assert t["fixed"].iloc[3] == 1.0
    assert t["fixed"].iloc[4] == pytest.approx(-0.2)


def test_comments_semicolons_and_continuation():
    text = """
    # a comment line
    f1 =~ y1 + y2 +   # loadings continue
          y3
    f2 =~
        y4 + y5
    f2 ~ b*f1 ; y1 ~~ y4   ! lavaan also allows '!'
    ind := b * 2
    """
    t = parse_model(text)
    assert rows(t) == [("f1", "=~", "y1"), ("f1", "=~", "y2"), ("f1", "=~", "y3"), ("f2", "=~", "y4"),
                       ("f2", "=~", "y5"), ("f2", "~", "f1"), ("y1", "~~", "y4"), ("ind", ":=", "b * 2")]
    assert list(t["line"]) == [3, 3, 3, 5, 5, 7, 7, 8]
    assert t.loc[5, "label"] == "b"


def test_leading_plus_continues_and_multiple_lhs():
    t = parse_model("f =~ x1\n  + x2\ny1 + y2 ~ f")
    assert rows(t) == [("f", "=~", "x1"), ("f", "=~", "x2"), ("y1", "~", "f"), ("y2", "~", "f")]


def test_defined_parameter_expression():
    t = parse_model("y ~ a*x\nz ~ b*y\nind := a*b\ntot := a*b + sqrt(a^2)")
    d = t[t["op"] == ":="]
    assert list(d["lhs"]) == ["ind", "tot"]
    assert list(d["rhs"]) == ["a*b", "a*b + sqrt(a^2)"]


@pytest.mark.parametrize("text, line, fragment", [
    ("f =~ x1 + x2\ny <- x1", 2, "operator '<'"),
    ("f =~ x1\n\ny x1", 3, "no operator"),
    ("f =~ x1 + x2\ng =~ x3 +\n", 2, "empty term"),
    ("f =~ x1\n =~ x2", 2, "nothing on the left"),
    ("f =~ x1\ny ~ ", 2, "nothing on the right"),
    ("f =~ 2x", 1, "not a valid variable name"),
    ("f =~ a b*x1", 1, "not a label, a number or NA"),
    ("a == b", 1, "'==' is not supported"),
    ("y ~ x\nd := a + ", 2, "not a valid arithmetic expression"),
    ("y ~ x\nd := foo(a)", 2, "may only use labels"),
    ("y ~ 1", 1, "intercepts"),
    ("f =~ x1 + x2\nf =~ x2", 2, "specified twice"),
])
def test_syntax_errors_name_line(text, line, fragment):
    with pytest.raises(ModelSyntaxError) as e:
        parse_model(text)
    msg = str(e.value)
    assert f"line {line}" in msg
    assert fragment in msg


def test_error_message_shows_text():
    with pytest.raises(ModelSyntaxError, match=r"line 2: .*'y = x'"):
        parse_model("f =~ x1\ny = x")


def test_empty_model():
    with pytest.raises(ModelSyntaxError, match="empty"):
        parse_model("# only a comment\n\n")


def test_measurement_syntax_roundtrip():
    s = measurement_syntax({"SAT": ["sat1", "sat2", "sat3"], "LOY": ["loy1", "loy2"]})
    assert s == "SAT =~ sat1 + sat2 + sat3\nLOY =~ loy1 + loy2\n"
    t = parse_model(s)
    assert latent_names(t) == ["SAT", "LOY"]
    assert observed_names(t) == ["sat1", "sat2", "sat3", "loy1", "loy2"]
    with pytest.raises(ModelSyntaxError, match="no items"):
        measurement_syntax({"SAT": []})
    with pytest.raises(ModelSyntaxError, match="not a valid lavaan name"):
        measurement_syntax({"my construct": ["a"]})


def test_chinese_names_parse_as_lavaan_does():
    t = syntax.parse_model("服务 =~ 服务1 + a*服务2 + 服务3\n满意 =~ 满意度\n满意 ~ b*服务\n间接 := a*b")
    assert list(t["lhs"]) == ["服务"] * 3 + ["满意", "满意", "间接"]
    assert t.loc[1, "label"] == "a" and t.loc[4, "rhs"] == "服务"
    assert syntax.latent_names(t) == ["服务", "满意"]
    for good in ("服务1", "满意度", "x_1", "Q1.2", "_a", "Ｘ1"):
        assert syntax.is_name(good), good
    for bad in ("1服务", "满意 度", "满意度（1）", "a-b", ""):
        assert not syntax.is_name(bad), bad
    with pytest.raises(syntax.ModelSyntaxError, match="'满意 度' is not a valid variable name"):
        syntax.parse_model("满意 =~ 满意 度")
    assert syntax.measurement_syntax({"服务": ["服务1", "服务2"]}) == "服务 =~ 服务1 + 服务2\n"
