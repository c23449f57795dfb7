"""csat.sem.pls.model: the PLS path model (blocks, modes, paths) from lavaan-style syntax, and its rules."""
from __future__ import annotations

import pytest

from csat.sem import pls
from csat.sem.syntax import ModelSyntaxError


def test_spec_rules():
    s = pls.pls_spec("A =~ a1 + a2\nB <~ b1 + b2\nB ~ A\nC ~ B")
    assert s.modes == {"A": "A", "B": "B", "C": "A"} and s.blocks["C"] == ("C",)
    with pytest.raises(ModelSyntaxError, match="PLS"):
        pls.pls_spec("A =~ a1 + a2\nB =~ b1\nB ~ A\na1 ~~ a2")
    with pytest.raises(ModelSyntaxError, match="no structural paths"):
        pls.pls_spec("A =~ a1 + a2\nB =~ b1 + b2")
    with pytest.raises(ModelSyntaxError, match="no structural path"):
        pls.pls_spec("A =~ a1 + a2\nB =~ b1 + b2\nC =~ c1\nB ~ A")
    with pytest.raises(ModelSyntaxError, match="both"):
        pls.pls_spec("A =~ a1 + a2\nA <~ a3\nB =~ b1\nB ~ A")
