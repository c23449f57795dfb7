"""The PLS estimation of any model csat reads (:func:`pls_fit`): a first-order model as
:func:`csat.sem.pls.estimate.pls_fit`, and the extensions — higher-order constructs
(:mod:`csat.sem.pls.higher_order`), product terms (:mod:`csat.sem.pls.interaction`) and consistent PLS
(:mod:`csat.sem.pls.consistent`).

An extended model is estimated as seminr's ``estimate_pls`` does: the items are prepared (missing answers),
the higher-order stage appends the dimensions' scores, the product terms append their columns, and the
model of the second stage is estimated on them; PLSc corrects the result last.  The generated columns are
made by an :class:`csat.sem.pls.interaction.Augment` kept in the result, which the bootstrap runs on each
resample.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from csat.sem.pls.assessment import f_squared as assessment_f_squared
from csat.sem.pls.consistent import plsc
from csat.sem.pls.estimate import PLSResult, fit_prepared, prepare_data, solution
from csat.sem.pls.higher_order import APPROACHES, copy_name, disjoint_spec, repeated_spec
from csat.sem.pls.interaction import METHODS, Augment, Columns, FirstStageScores, ProductTerm, adjust_paths
from csat.sem.pls.model import PLSModel, PLSSpec, pls_model

__all__ = ["pls_fit", "make_consistent", "f_squared", "stage_two_frame"]


def make_consistent(res: PLSResult, keep_loadings=()) -> PLSResult:
    """``res`` with PLSc's paths, total effects, R² and reflective loadings (:func:`csat.sem.pls.consistent.plsc`)."""
    spec = res.spec
    W = res.weights.to_numpy()[None]
    sol = plsc(res.R[None], W, spec, solution(res.R[None], W, spec), res.exempt, keep_loadings)
    cons = list(spec.constructs)
    r2 = res.r2.copy()
    for i, c in enumerate(r2["construct"]):
        q = len(spec.predecessors(c))
        v = float(sol["r2"][0, cons.index(c)])
        r2.loc[i, "r2"], r2.loc[i, "r2.adj"] = v, 1 - (1 - v) * (res.n - 1) / (res.n - q - 1)
    res.paths = pd.DataFrame(sol["B"][0], index=cons, columns=cons)
    res.total = pd.DataFrame(sol["total"][0], index=cons, columns=cons)
    res.loadings = pd.DataFrame(sol["L"][0], index=spec.items, columns=cons)
    res.r2 = r2
    res.consistent = True
    res.options = {**res.options, "keep_loadings": tuple(keep_loadings)}
    return res


def _finite(X: np.ndarray, what: str) -> None:
    if not np.isfinite(X).all():
        raise ValueError(f"PLS: the {what} could not be computed (a first stage did not converge or a column has no "
                         "variance)")


def pls_fit(model: str | PLSModel | PLSSpec, data: pd.DataFrame, missing: str = "mean", tol: float = 1e-7,
            max_iter: int = 300, *, interaction: str = "two_stage", higher_order: str = "disjoint",
            consistent: bool = False) -> PLSResult:
    """Estimate a PLS path model, with its higher-order constructs and product terms (module docstring).

    ``interaction``: ``two_stage`` | ``product_indicator`` | ``orthogonal`` (:mod:`csat.sem.pls.interaction`);
    ``higher_order``: ``disjoint`` | ``embedded`` | ``repeated`` (:mod:`csat.sem.pls.higher_order`);
    ``consistent``: PLSc for the ``=~`` blocks (:mod:`csat.sem.pls.consistent`).  A product term ``X:Z`` is the
    construct of that name, its path the row ``Y ~ X:Z`` of :meth:`PLSResult.estimates`.

    >>> import pandas as pd
    >>> corp = pd.read_csv("tests/reference/pls_corp_rep_full.csv").replace(-99, float("nan"))
    >>> m = ("QUAL <~ qual_1 + qual_2 + qual_3 + qual_4 + qual_5 + qual_6 + qual_7 + qual_8;"
    ...      "PERF <~ perf_1 + perf_2 + perf_3 + perf_4 + perf_5; CSOR <~ csor_1 + csor_2 + csor_3 + csor_4 + csor_5;"
    ...      "ATTR <~ attr_1 + attr_2 + attr_3; COMP =~ comp_1 + comp_2 + comp_3; LIKE =~ like_1 + like_2 + like_3;"
    ...      "CUSA =~ cusa; CUSL =~ cusl_1 + cusl_2 + cusl_3; SC =~ switch_1 + switch_2 + switch_3 + switch_4;"
    ...      "COMP ~ QUAL + PERF + CSOR + ATTR; LIKE ~ QUAL + PERF + CSOR + ATTR; CUSA ~ COMP + LIKE;"
    ...      "CUSL ~ COMP + LIKE + CUSA + SC + CUSA:SC")
    >>> round(float(pls_fit(m, corp).paths.loc["CUSL", "CUSA:SC"]), 3)     # the Primer (3rd ed.), ch. 7
    -0.071
    """
    if isinstance(model, PLSSpec):
        decl = PLSModel(model.constructs, dict(model.blocks), dict(model.modes), {}, {}, model.paths)
    else:
        decl = model if isinstance(model, PLSModel) else pls_model(model)
    if interaction not in METHODS:
        raise ValueError(f"pls interaction must be one of {METHODS}, not {interaction!r}")
    if higher_order not in APPROACHES:
        raise ValueError(f"pls higher_order must be one of {APPROACHES}, not {higher_order!r}")
    opts = {"interaction": interaction, "higher_order": higher_order, "consistent": bool(consistent)}
    if decl.plain:
        spec = decl.spec()
        X, raw, dropped = prepare_data(data, spec, missing)
        res = fit_prepared(spec, X, raw, dropped, missing, tol, max_iter)
        res.model, res.options = decl, opts
        return make_consistent(res) if consistent else res
    items = decl.items
    X0, raw, dropped = prepare_data(data, PLSSpec(("items",), {"items": tuple(items)}, {"items": "A"}, ()), missing)
    cols = list(items)
    steps: list = []
    X = X0[None]
    first = None
    dims = [d for v in decl.hocs.values() for d in v]
    hocs = dict(decl.hocs)

    def add(step, names):
        nonlocal X
        new = step(X)
        X = np.concatenate([X, new], axis=-1)
        steps.append(step)
        cols.extend(names)

    def stage_fit(spec):
        Xs = X[0][:, [cols.index(i) for i in spec.items]]
        _finite(Xs, "first-stage data")
        r = fit_prepared(spec, Xs, Xs, dropped, missing, tol, max_iter)
        if not r.converged:
            raise ValueError(f"PLS: the first stage did not converge in {max_iter} iterations")
        return r

    if hocs and higher_order in ("embedded", "repeated"):
        rep = [(i, h) for h, ds in hocs.items() for d in ds for i in decl.blocks[d]]
        add(Columns([cols.index(i) for i, _ in rep]), [copy_name(i, h) for i, h in rep])
    if hocs and higher_order in ("disjoint", "embedded"):
        spec1 = disjoint_spec(decl) if higher_order == "disjoint" else repeated_spec(decl)
        first = stage_fit(spec1)
        if consistent:
            first.exempt = ()
            make_consistent(first)
        scores = FirstStageScores(spec1, [cols.index(i) for i in spec1.items], dims, first.weights.to_numpy(),
                                  tol, max_iter, raw_units=True)
        add(scores, dims)
        blocks = {c: decl.blocks[c] for c in decl.blocks if c not in dims}
        blocks.update({h: tuple(v) for h, v in hocs.items()})
        modes = {c: decl.modes[c] for c in blocks}
        base_paths = [p for p in decl.paths if p[0] not in decl.interactions]
    elif hocs:                                   # repeated indicators: one stage
        spec_r = repeated_spec(decl)
        blocks, modes, base_paths = dict(spec_r.blocks), dict(spec_r.modes), list(spec_r.paths)
    else:
        blocks = dict(decl.blocks)
        modes = {c: decl.modes[c] for c in blocks}
        base_paths = [p for p in decl.paths if p[0] not in decl.interactions]
    order = [c for c in decl.constructs if c in blocks] + [c for c in blocks if c not in decl.constructs]
    main = PLSSpec(tuple(order), {c: tuple(blocks[c]) for c in order}, {c: modes[c] for c in order},
                   tuple(base_paths))
    if decl.interactions:
        start = None
        if interaction == "two_stage":
            start = stage_fit(main).weights.to_numpy()
        for name, (x, z) in decl.interactions.items():
            ix, iz = [cols.index(i) for i in main.blocks[x]], [cols.index(i) for i in main.blocks[z]]
            if interaction == "two_stage":
                sc = FirstStageScores(main, [cols.index(i) for i in main.items], [x, z], start, tol, max_iter)
                names, step = [name], ProductTerm(interaction, ix, iz, sc)
            else:
                names = [f"{a}:{b}" for a in main.blocks[x] for b in main.blocks[z]]
                step = ProductTerm(interaction, ix, iz)
            add(step, names)
            blocks[name], modes[name] = tuple(names), "A"
            order.append(name)
    paths = list(base_paths) + [p for p in decl.paths if p[0] in decl.interactions]
    spec = PLSSpec(tuple(order), {c: tuple(blocks[c]) for c in order}, {c: modes[c] for c in order}, tuple(paths))
    select = [cols.index(i) for i in spec.items]
    Xf = X[0][:, select]
    _finite(Xf, "generated columns (higher-order scores, product terms)")
    res = fit_prepared(spec, Xf, raw, dropped, missing, tol, max_iter)
    res.augment = Augment(steps, select)
    res.exempt = tuple(decl.interactions)
    res.first_stage, res.model, res.options = first, decl, opts
    if consistent:
        make_consistent(res, keep_loadings=tuple(hocs) if higher_order != "repeated" else ())
    if decl.interactions and not consistent:     # seminr's PLSc reports the product term's standardized path
        cons = list(spec.constructs)
        sol = adjust_paths({"B": res.paths.to_numpy()[None], "L": res.loadings.to_numpy()[None]},
                           res.sds.to_numpy()[None], spec, res.exempt)
        res.paths = pd.DataFrame(sol["B"][0], index=cons, columns=cons)
        res.total = pd.DataFrame(sol["total"][0], index=cons, columns=cons)
    return res


def f_squared(res: PLSResult) -> pd.DataFrame:
    """Cohen's f² of every path (:func:`csat.sem.pls.assessment.f_squared`).  For a model with generated columns
    (higher-order stage, product terms) the model without the path is estimated anew from the items, its first
    stages included, as seminr's ``f_squared`` re-runs ``estimate_pls``; the main effects of a product term get
    NaN."""
    if res.augment is None or res.model is None:
        return assessment_f_squared(res)
    decl = res.model
    r2 = res.r2.set_index("construct")["r2"]
    parts = {(f, b) for a, b in decl.paths if a in decl.interactions for f in decl.interactions[a]}
    data = pd.DataFrame(res.raw, columns=decl.items)
    rows = []
    for a, b in decl.paths:
        inc = float(r2[b])
        if (a, b) in parts:
            rows.append({"from": a, "to": b, "f2": np.nan})
            continue
        others = tuple(p for p in decl.paths if p != (a, b))
        if not any(t == b for _, t in others):
            exc = 0.0
        else:
            linked = {v for p in others for v in p}
            inter = {k: v for k, v in decl.interactions.items() if k in linked}
            hocs = {h: d for h, d in decl.hocs.items() if h in linked}
            dims = {d for v in hocs.values() for d in v}
            blocks = {c: v for c, v in decl.blocks.items() if c in linked or c in dims}
            cons = tuple(c for c in decl.constructs if c in blocks or c in hocs or c in inter)
            sub = PLSModel(cons, blocks, {c: decl.modes[c] for c in cons}, hocs, inter, others)
            try:
                opts = {k: res.options[k] for k in ("interaction", "higher_order", "consistent") if k in res.options}
                fit = pls_fit(sub, data, res.missing, res.tol, res.max_iter, **opts)
                exc = float(fit.r2.set_index("construct").loc[b, "r2"])
            except (ValueError, np.linalg.LinAlgError):
                exc = np.nan
        rows.append({"from": a, "to": b, "f2": (inc - exc) / (1 - inc)})
    return pd.DataFrame(rows, columns=["from", "to", "f2"])


def stage_two_frame(res: PLSResult, data: pd.DataFrame, keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """The data of the last stage of an extended model: the columns of ``res.spec.items`` (items after the
    missing-data rule, the higher-order dimensions' scores, the product terms) as ``res`` made them from the whole
    sample, one row per usable respondent of ``data`` (its index), plus the columns ``keep`` of ``data`` (a group
    column).  The generated columns are fixed here, as the two-stage approach's second stage in SmartPLS uses the
    saved scores: a multi-group analysis of ``res.spec`` on this frame compares the second stage's (composite)
    paths.  For a first-order model the frame holds its mean-replaced items."""
    items = list(res.model.items) if res.model is not None else list(res.spec.items)
    X = data[items].apply(pd.to_numeric, errors="coerce").to_numpy(float)
    fin = np.isfinite(X)
    ok = fin.all(axis=1) if res.missing == "listwise" else fin.any(axis=1)
    if int(ok.sum()) != len(res.X):
        raise ValueError("stage_two_frame: the data are not those the model was estimated on")
    out = pd.DataFrame(res.X, columns=list(res.spec.items), index=data.index[ok])
    for c in keep:
        out[c] = data.loc[ok, c].to_numpy()
    return out
