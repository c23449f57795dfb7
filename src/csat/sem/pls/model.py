"""The PLS path model: constructs, their blocks and modes, and the structural paths, read from
lavaan-style syntax (``=~`` reflective blocks, ``<~`` formative blocks, ``~`` paths).

Part of :mod:`csat.sem.pls`; the estimation is in :mod:`csat.sem.pls.estimate`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from csat.sem.syntax import ModelSyntaxError, parse_model

__all__ = ["PLSSpec", "pls_spec"]


@dataclass(frozen=True)
class PLSSpec:
    """A PLS path model: constructs, their blocks and modes, and the structural paths.

    ``mode`` is ``"A"`` (reflective, ``=~``, correlation weights) or ``"B"`` (formative,
    ``<~``, regression weights).  ``paths`` are ``(from, to)`` pairs.
    """

    constructs: tuple[str, ...]
    blocks: dict[str, tuple[str, ...]]
    modes: dict[str, str]
    paths: tuple[tuple[str, str], ...]

    @property
    def items(self) -> list[str]:
        return [i for c in self.constructs for i in self.blocks[c]]

    @property
    def mask(self) -> np.ndarray:
        """``(p, k)`` block-membership matrix (1 where item i belongs to construct j)."""
        items, k = self.items, len(self.constructs)
        M = np.zeros((len(items), k))
        for j, c in enumerate(self.constructs):
            for it in self.blocks[c]:
                M[items.index(it), j] = 1.0
        return M

    def predecessors(self, c: str) -> list[str]:
        return [a for a, b in self.paths if b == c]

    @property
    def endogenous(self) -> list[str]:
        return [c for c in self.constructs if self.predecessors(c)]

    def item_slices(self) -> dict[str, np.ndarray]:
        items = self.items
        return {c: np.array([items.index(i) for i in self.blocks[c]]) for c in self.constructs}


def pls_spec(model: str | pd.DataFrame) -> PLSSpec:
    """The PLS model of lavaan-style syntax.

    ``F =~ x1 + x2`` is a reflective (Mode A) block, ``F <~ x1 + x2`` a formative (Mode B) block,
    ``Y ~ F + G`` structural paths.  A variable used in ``~`` that has no block is a single-item
    construct measured by itself.  Covariances (``~~``), defined parameters (``:=``), labels and
    fixed values have no meaning in PLS-PM and raise :class:`ModelSyntaxError`.
    """
    table = parse_model(model) if isinstance(model, str) else model.copy()
    bad = table[table["op"].isin(["~~", ":="])]
    if len(bad):
        r = bad.iloc[0]
        raise ModelSyntaxError(f"model syntax error on line {r['line']}: '{r['lhs']} {r['op']} ...' has no meaning "
                               "in a PLS path model (PLS estimates blocks =~ / <~ and paths ~ only; indirect "
                               "and total effects are reported anyway)")
    fixed = table[table["fixed"].notna() | (table["label"] != "")]
    if len(fixed):
        r = fixed.iloc[0]
        raise ModelSyntaxError(f"model syntax error on line {r['line']}: labels and fixed values "
                               f"('{r['lhs']} {r['op']} ...') are not supported by the PLS estimator")
    blocks: dict[str, list[str]] = {}
    modes: dict[str, str] = {}
    for _, r in table[table["op"].isin(["=~", "<~"])].iterrows():
        mode = "A" if r["op"] == "=~" else "B"
        if r["lhs"] in modes and modes[r["lhs"]] != mode:
            raise ModelSyntaxError(f"model syntax error on line {r['line']}: construct {r['lhs']!r} is given "
                                   "both as reflective (=~) and formative (<~)")
        modes[r["lhs"]] = mode
        blocks.setdefault(r["lhs"], []).append(r["rhs"])
    paths = [(r["rhs"], r["lhs"]) for _, r in table[table["op"] == "~"].iterrows()]
    for a, b in paths:
        for v in (a, b):
            if v not in blocks:            # an observed variable in a path: a single-item construct
                blocks[v], modes[v] = [v], "A"
    all_items = [i for v in blocks.values() for i in v]
    dup = sorted({i for i in all_items if all_items.count(i) > 1})
    if dup:
        raise ModelSyntaxError(f"PLS: indicator(s) {dup} belong to more than one block")
    nested = [i for i in all_items if i in blocks and blocks[i] != [i]]
    if nested:
        raise ModelSyntaxError(f"PLS: {nested[0]!r} is a construct used as an indicator (higher-order "
                               "constructs are not supported)")
    if not paths:
        raise ModelSyntaxError("PLS: the model has no structural paths (~); a PLS path model needs at least one")
    constructs = list(blocks)
    linked = {v for p in paths for v in p}
    lonely = [c for c in constructs if c not in linked]
    if lonely:
        raise ModelSyntaxError(f"PLS: construct(s) {lonely} are in no structural path; every construct of a "
                               "PLS path model must be connected")
    for c in constructs:
        if modes[c] == "B" and len(blocks[c]) == 1:
            modes[c] = "A"  # one item: Mode A and Mode B coincide (weight 1)
    return PLSSpec(tuple(constructs), {c: tuple(v) for c, v in blocks.items()}, modes, tuple(paths))
