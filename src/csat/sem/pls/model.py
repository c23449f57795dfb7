"""The PLS path model: constructs, their blocks and modes, and the structural paths, read from
lavaan-style syntax (``=~`` reflective blocks, ``<~`` formative blocks, ``~`` paths).

Part of :mod:`csat.sem.pls`; the estimation is in :mod:`csat.sem.pls.estimate`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from csat.sem.syntax import ModelSyntaxError, parse_model

__all__ = ["PLSSpec", "pls_spec", "PLSModel", "pls_model"]


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
        raise ModelSyntaxError(f"PLS: {nested[0]!r} is a construct used as an indicator: a higher-order model, "
                               "which csat.sem.pls.pls_fit estimates (pls_spec reads first-order models only)")
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


@dataclass(frozen=True)
class PLSModel:
    """A PLS path model as declared, with its extensions: first-order ``blocks`` of items, higher-order
    constructs ``hocs`` (a construct whose indicators are constructs, ``REP =~ COMP + LIKE``: name ->
    its dimensions), product terms ``interactions`` (``"X:Z"`` -> ``(X, Z)``, from ``Y ~ X + Z + X:Z``),
    ``modes`` of every block and higher-order construct, and the structural ``paths`` (from, to)."""

    constructs: tuple[str, ...]
    blocks: dict[str, tuple[str, ...]]
    modes: dict[str, str]
    hocs: dict[str, tuple[str, ...]]
    interactions: dict[str, tuple[str, str]]
    paths: tuple[tuple[str, str], ...]

    @property
    def items(self) -> list[str]:
        """The manifest items, each once, in the order of the blocks."""
        return list(dict.fromkeys(i for c in self.blocks for i in self.blocks[c]))

    @property
    def plain(self) -> bool:
        """True for a first-order model without product terms (:func:`pls_spec` reads it)."""
        return not self.hocs and not self.interactions

    def spec(self) -> PLSSpec:
        """The first-order :class:`PLSSpec` of a plain model."""
        if not self.plain:
            raise ValueError("PLS: a model with higher-order constructs or product terms has no single first-order "
                             "spec; estimate it with csat.sem.pls.pls_fit")
        return PLSSpec(self.constructs, dict(self.blocks), dict(self.modes), self.paths)


def pls_model(model: str | pd.DataFrame) -> PLSModel:
    """The declared PLS model of lavaan-style syntax, with higher-order constructs and product terms.

    Beyond :func:`pls_spec`: ``REP =~ COMP + LIKE`` (or ``<~``) where COMP and LIKE are constructs makes REP a
    higher-order construct (every indicator of its block must then be a construct, measured by items, used by no
    other higher-order construct and in no structural path of its own); ``Y ~ X + Z + X:Z`` adds the product term
    ``X:Z`` (two constructs, each with its own path to Y as well).

    >>> m = pls_model("COMP =~ c1 + c2; LIKE =~ l1 + l2; REP =~ COMP + LIKE; SC =~ s1 + s2; Y =~ y1 + y2;"
    ...               "Y ~ REP + SC + REP:SC")
    >>> m.hocs, m.interactions, m.constructs
    ({'REP': ('COMP', 'LIKE')}, {'REP:SC': ('REP', 'SC')}, ('COMP', 'LIKE', 'SC', 'Y', 'REP', 'REP:SC'))
    """
    table = parse_model(model) if isinstance(model, str) else model.copy()
    declared = set(table.loc[table["op"].isin(["=~", "<~"]), "lhs"])
    hoc_rows = table["op"].isin(["=~", "<~"]) & table["rhs"].isin(declared)
    hocs: dict[str, list[str]] = {}
    hoc_modes: dict[str, str] = {}
    for _, r in table[hoc_rows].iterrows():
        hocs.setdefault(r["lhs"], []).append(r["rhs"])
        hoc_modes[r["lhs"]] = "A" if r["op"] == "=~" else "B"
    mixed = table[table["op"].isin(["=~", "<~"]) & table["lhs"].isin(list(hocs)) & ~hoc_rows]
    if len(mixed):
        r = mixed.iloc[0]
        raise ModelSyntaxError(f"model syntax error on line {r['line']}: the higher-order construct {r['lhs']!r} is "
                               f"measured by constructs and by the item {r['rhs']!r}; a higher-order construct's "
                               "indicators must all be constructs")
    dims = [d for v in hocs.values() for d in v]
    for d in dict.fromkeys(dims):
        if d in hocs:
            raise ModelSyntaxError(f"PLS: {d!r} is a higher-order construct used as a dimension of another (third-"
                                   "order models are not supported)")
        if dims.count(d) > 1:
            raise ModelSyntaxError(f"PLS: the construct {d!r} is a dimension of more than one higher-order construct")
    for h, v in hocs.items():
        if len(v) < 2:
            raise ModelSyntaxError(f"PLS: the higher-order construct {h!r} needs at least two dimensions")
    is_prod = (table["op"] == "~") & table["rhs"].str.contains(":", regex=False)
    interactions: dict[str, tuple[str, str]] = {}
    for _, r in table[is_prod].iterrows():
        f = r["rhs"].split(":")
        if len(f) != 2 or f[0] == f[1]:
            raise ModelSyntaxError(f"model syntax error on line {r['line']}: {r['rhs']!r}: a product term of PLS is "
                                   "of two different constructs (X:Z)")
        interactions[r["rhs"]] = (f[0], f[1])
    base = table[~hoc_rows & ~is_prod & ~(table["op"].isin(["=~", "<~"]) & table["lhs"].isin(list(hocs)))]
    # the first-order part, with each higher-order construct standing in as a placeholder item of itself
    placeholder = pd.DataFrame([{**table.iloc[0].to_dict(), "lhs": h, "op": "=~", "rhs": h, "label": "",
                                 "fixed": np.nan, "line": 0} for h in hocs], columns=table.columns)
    dim_links = pd.DataFrame([{**table.iloc[0].to_dict(), "lhs": h, "op": "~", "rhs": d, "label": "",
                               "fixed": np.nan, "line": 0} for h, v in hocs.items() for d in v],
                             columns=table.columns)
    if not hocs and not interactions:
        spec = pls_spec(table)
        return PLSModel(spec.constructs, dict(spec.blocks), dict(spec.modes), {}, {}, spec.paths)
    in_paths = {v for _, r in table[table["op"] == "~"].iterrows() for v in (r["lhs"], r["rhs"])}
    for d in dims:
        if d in in_paths:
            raise ModelSyntaxError(f"PLS: {d!r} is a dimension of the higher-order construct and in a structural path "
                                   "of its own; its effects go through the higher-order construct")
    flat = pd.concat([base, placeholder, dim_links], ignore_index=True)
    spec = pls_spec(flat)          # checks blocks, connectivity, duplicates of the whole first-order part
    paths = [(a, b) for a, b in spec.paths if not (b in hocs and a in dims)]
    for _, r in table[is_prod].iterrows():
        x, z = interactions[r["rhs"]]
        for f in (x, z):
            if f not in spec.constructs:
                raise ModelSyntaxError(f"model syntax error on line {r['line']}: {f!r} of the product term "
                                       f"{r['rhs']!r} is not a construct of the model")
            if (f, r["lhs"]) not in paths:
                raise ModelSyntaxError(f"model syntax error on line {r['line']}: the product term {r['rhs']!r} needs "
                                       f"the main effect {r['lhs']} ~ {f} as well")
        paths.append((r["rhs"], r["lhs"]))
    blocks = {c: v for c, v in spec.blocks.items() if c not in hocs}
    modes = {c: spec.modes[c] for c in blocks}
    modes.update(hoc_modes)
    modes.update({k: "A" for k in interactions})
    order = [c for c in spec.constructs] + list(interactions)
    return PLSModel(tuple(order), blocks, modes, {h: tuple(v) for h, v in hocs.items()}, interactions, tuple(paths))
