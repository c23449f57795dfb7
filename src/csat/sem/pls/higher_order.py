"""Higher-order constructs in PLS: a construct whose indicators are constructs (``REP =~ COMP + LIKE``
reflective-type, ``QUAL <~ Q1 + Q2`` formative-type), estimated in one of three ways (Becker, Klein & Wetzels
2012; Sarstedt, Hair, Cheah, Becker & Ringle 2019, *How to specify, estimate, and validate higher-order
constructs in PLS-SEM*, Australas. Mark. J. 27, 197–211):

* ``disjoint`` two-stage (the default; seminr's ``higher_composite``): stage 1 estimates the model with each
  higher-order construct replaced by its dimensions (its antecedents point to every dimension, every dimension
  to its outcomes); the dimensions' scores are then the higher-order construct's indicators in stage 2;
* ``embedded`` two-stage: stage 1 is the repeated-indicators model below; its dimension scores are the
  indicators in stage 2;
* ``repeated`` indicators: the higher-order construct is measured by all items of its dimensions, with the
  paths ``HOC → dimension`` (``=~``) or ``dimension → HOC`` (``<~``); one stage.

The quality criteria of both levels: the dimensions' from the first stage (:func:`first_stage_rows`), the
higher-order construct's (its dimensions as indicators) from the second.  Part of :mod:`csat.sem.pls`.
"""
from __future__ import annotations

import pandas as pd

from csat.sem.pls.assessment import QUALITY_COLUMNS, quality
from csat.sem.pls.estimate import PLSResult
from csat.sem.pls.model import PLSModel, PLSSpec

__all__ = ["APPROACHES", "disjoint_spec", "repeated_spec", "copy_name", "first_stage_rows", "level_quality"]

APPROACHES = ("disjoint", "embedded", "repeated")


def copy_name(item: str, hoc: str) -> str:
    """The column of a repeated indicator: ``item`` as an indicator of the higher-order construct ``hoc``."""
    return f"{item}@{hoc}"


def _spec(decl: PLSModel, blocks: dict, modes: dict, paths: list) -> PLSSpec:
    paths = list(dict.fromkeys(paths))
    linked = {v for p in paths for v in p}
    cons = tuple(c for c in blocks if c in linked)
    return PLSSpec(cons, {c: tuple(blocks[c]) for c in cons}, {c: modes[c] for c in cons}, tuple(paths))


def disjoint_spec(decl: PLSModel) -> PLSSpec:
    """Stage 1 of the disjoint two-stage approach: every higher-order construct replaced by its dimensions
    (as seminr's ``expand_hoc_to_locs``); product terms left out."""
    paths = []
    for a, b in decl.paths:
        if a in decl.interactions:
            continue
        paths += [(x, y) for x in decl.hocs.get(a, (a,)) for y in decl.hocs.get(b, (b,))]
    return _spec(decl, decl.blocks, decl.modes, paths)


def repeated_spec(decl: PLSModel) -> PLSSpec:
    """The repeated-indicators model: each higher-order construct measured by all items of its dimensions
    (columns :func:`copy_name`), with paths HOC → dimension (Mode A, ``=~``) or dimension → HOC (``<~``);
    product terms left out."""
    blocks = dict(decl.blocks)
    paths = [p for p in decl.paths if p[0] not in decl.interactions]
    for h, dims in decl.hocs.items():
        blocks[h] = tuple(copy_name(i, h) for d in dims for i in decl.blocks[d])
        paths += [(h, d) if decl.modes[h] == "A" else (d, h) for d in dims]
    order = {c: blocks[c] for c in decl.constructs if c in blocks}
    return _spec(decl, order, decl.modes, paths)


def first_stage_rows(res: PLSResult) -> pd.DataFrame:
    """The dimensions' blocks of a two-stage higher-order model, from its first stage: lavaan-style rows
    ``dimension =~ item`` (loadings) and ``dimension <~ item`` (weights), columns ``lhs, op, rhs, est, mode``."""
    if res.first_stage is None or res.model is None:
        return pd.DataFrame(columns=["lhs", "op", "rhs", "est", "mode"])
    dims = {d for v in res.model.hocs.values() for d in v}
    est = res.first_stage.estimates()
    return est[est["op"].isin(["=~", "<~"]) & est["lhs"].isin(dims)].reset_index(drop=True)


def level_quality(res: PLSResult) -> pd.DataFrame:
    """Quality criteria (:func:`csat.sem.pls.quality`) of both levels of a higher-order model: the dimensions
    (from the first stage of a two-stage approach) then every construct of the estimated model; ``level`` 1 for
    a first-order construct, 2 for a higher-order one."""
    hocs = res.model.hocs if res.model is not None else {}
    dims = [d for v in hocs.values() for d in v]
    q = quality(res)
    if res.first_stage is not None and dims:
        q1 = quality(res.first_stage)
        q1 = q1[q1["construct"].isin(dims)].assign(r2=float("nan"), **{"r2.adj": float("nan")})
        q = pd.concat([q1, q[~q["construct"].isin(dims)]], ignore_index=True)
    q.insert(1, "level", [2 if c in hocs else 1 for c in q["construct"]])
    return q[["construct", "level"] + QUALITY_COLUMNS[1:]]
