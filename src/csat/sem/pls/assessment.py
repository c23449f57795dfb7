"""Assessment of a fitted PLS model by its quality criteria: reliability, convergent and discriminant
validity, collinearity and effect sizes, and the plain warnings they give.

Quality criteria (Hair, Hult, Ringle & Sarstedt, *A Primer on PLS-SEM*, 3rd ed. 2022; as seminr
computes them): Cronbach's alpha on the item correlations, Dijkstra–Henseler ``rho_A``
(Dijkstra & Henseler 2015, MIS Quarterly 39, 297–316), composite reliability ``rho_C`` and AVE
from the loadings, HTMT (Henseler, Ringle & Sarstedt 2015; arithmetic means of absolute
correlations), Fornell–Larcker (Fornell & Larcker 1981), indicator and inner VIFs, Cohen's f².
Reliability criteria are reported for reflective (Mode A) constructs only.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from csat.core.diagnostics import Diagnostic, diagnostic
from csat.sem.pls.consistent import plsc
from csat.sem.pls.estimate import PLSResult, fit_weights, solution
from csat.sem.pls.model import PLSSpec

__all__ = ["quality", "htmt", "htmt_pairs", "fornell_larcker", "item_vif", "inner_vif", "f_squared",
           "quality_diagnostics", "QUALITY_COLUMNS"]

QUALITY_COLUMNS = ["construct", "mode", "n_items", "r2", "r2.adj", "alpha", "rhoA", "rhoC", "ave"]


def _block_R(res: PLSResult, c: str) -> np.ndarray:
    ix = res.spec.item_slices()[c]
    return res.R[np.ix_(ix, ix)]


def quality(res: PLSResult) -> pd.DataFrame:
    """Construct quality table: ``construct, mode, n_items, r2, r2.adj, alpha, rhoA, rhoC, ave``.

    For Mode A blocks with k ≥ 2 items (Hair et al. 2022, ch. 4; seminr's ``reliability_table``)::

        alpha = k/(k−1) · (1 − k / ΣR)                       (standardized items)
        rhoA  = (wᵀw)² · wᵀ(R − diag R)w / wᵀ(wwᵀ − diag(wwᵀ))w   (Dijkstra & Henseler 2015)
        rhoC  = (Σλ)² / ((Σλ)² + Σ(1 − λ²))
        AVE   = Σλ² / k

    A single-item block gets 1 for all four (as seminr); a formative (Mode B) block has no
    internal-consistency reliability: NaN.  ``r2``/``r2.adj`` are NaN for exogenous constructs.
    """
    r2 = res.r2.set_index("construct")
    rows = []
    for c in res.spec.constructs:
        items = res.spec.blocks[c]
        k = len(items)
        row = {"construct": c, "mode": res.spec.modes[c], "n_items": k,
               "r2": float(r2.loc[c, "r2"]) if c in r2.index else math.nan,
               "r2.adj": float(r2.loc[c, "r2.adj"]) if c in r2.index else math.nan}
        if res.spec.modes[c] == "B":
            row.update(alpha=math.nan, rhoA=math.nan, rhoC=math.nan, ave=math.nan)
        elif k == 1:
            row.update(alpha=1.0, rhoA=1.0, rhoC=1.0, ave=1.0)
        else:
            Rb = _block_R(res, c)
            w = res.weights.loc[list(items), c].to_numpy()
            lam = res.loadings.loc[list(items), c].to_numpy()
            off = Rb - np.diag(np.diag(Rb))
            ww = np.outer(w, w)
            row["alpha"] = k / (k - 1) * (1 - k / Rb.sum())
            row["rhoA"] = float((w @ w) ** 2 * (w @ off @ w) / (w @ (ww - np.diag(np.diag(ww))) @ w))
            s = lam.sum()
            row["rhoC"] = float(s ** 2 / (s ** 2 + np.sum(1 - lam ** 2)))
            row["ave"] = float(np.mean(lam ** 2))
        rows.append(row)
    return pd.DataFrame(rows, columns=QUALITY_COLUMNS)


def htmt(res: PLSResult) -> pd.DataFrame:
    """HTMT of every pair of constructs (Henseler, Ringle & Sarstedt 2015), as seminr: mean absolute
    heterotrait correlation over √(product of the mean absolute monotrait correlations); a
    single-item block's monotrait mean is 1.  Square matrix with a leading ``construct`` column."""
    cons = list(res.spec.constructs)
    sl = res.spec.item_slices()
    A = np.abs(res.R)
    mono = {}
    for c in cons:
        ix = sl[c]
        k = len(ix)
        mono[c] = 1.0 if k == 1 else float((A[np.ix_(ix, ix)].sum() - k) / (k * (k - 1)))
    H = np.eye(len(cons))
    for a, ca in enumerate(cons):
        for b, cb in enumerate(cons):
            if a != b:
                H[a, b] = A[np.ix_(sl[ca], sl[cb])].mean() / math.sqrt(mono[ca] * mono[cb])
    out = pd.DataFrame(H, columns=cons)
    out.insert(0, "construct", cons)
    return out


def htmt_pairs(R: np.ndarray, spec: PLSSpec) -> np.ndarray:
    """HTMT of every construct pair (a < b in the model's order) for a stack ``R`` (b, p, p)."""
    cons = list(spec.constructs)
    sl = spec.item_slices()
    A = np.abs(R)
    mono = []
    for c in cons:
        ix = sl[c]
        k = len(ix)
        mono.append(np.ones(len(R)) if k == 1 else (A[:, ix][:, :, ix].sum(axis=(1, 2)) - k) / (k * (k - 1)))
    out = []
    for a in range(len(cons)):
        for b in range(a + 1, len(cons)):
            het = A[:, sl[cons[a]]][:, :, sl[cons[b]]].mean(axis=(1, 2))
            with np.errstate(invalid="ignore", divide="ignore"):
                out.append(het / np.sqrt(mono[a] * mono[b]))
    return np.stack(out, axis=1) if out else np.empty((len(R), 0))


def fornell_larcker(res: PLSResult) -> pd.DataFrame:
    """Fornell–Larcker table: √AVE on the diagonal (Mode A blocks), construct-score correlations off
    it.  Square matrix with a leading ``construct`` column."""
    cons = list(res.spec.constructs)
    M = res.scores.corr().to_numpy().copy()
    q = quality(res).set_index("construct")
    for j, c in enumerate(cons):
        a = q.loc[c, "ave"]
        M[j, j] = math.sqrt(a) if np.isfinite(a) else math.nan
    out = pd.DataFrame(M, columns=cons)
    out.insert(0, "construct", cons)
    return out


def item_vif(res: PLSResult) -> pd.DataFrame:
    """Indicator VIFs within each block: ``diag(R_block⁻¹)`` (1 for a single item).
    Columns ``construct, item, vif``."""
    rows = []
    for c in res.spec.constructs:
        items = res.spec.blocks[c]
        v = np.ones(1) if len(items) == 1 else np.diag(np.linalg.inv(_block_R(res, c)))
        rows += [{"construct": c, "item": it, "vif": float(x)} for it, x in zip(items, v)]
    return pd.DataFrame(rows, columns=["construct", "item", "vif"])


def inner_vif(res: PLSResult) -> pd.DataFrame:
    """Inner-model VIFs: for each endogenous construct, ``diag(C_PP⁻¹)`` of its predecessors'
    score correlations (NaN with one predecessor, as seminr).  Columns ``from, to, vif``."""
    C = res.scores.corr()
    rows = []
    for c in res.spec.endogenous:
        P = res.spec.predecessors(c)
        v = [math.nan] if len(P) == 1 else np.diag(np.linalg.inv(C.loc[P, P].to_numpy()))
        rows += [{"from": a, "to": c, "vif": float(x)} for a, x in zip(P, v)]
    return pd.DataFrame(rows, columns=["from", "to", "vif"])


def f_squared(res: PLSResult) -> pd.DataFrame:
    """Cohen's f² of every path: ``(R²_incl − R²_excl) / (1 − R²_incl)`` with R²_excl from the model
    re-estimated without the path (as seminr and SmartPLS; a construct left without any path drops
    out of that model; with PLSc, corrected R²s).  The main effects of a product term get NaN (seminr).  Columns ``from, to, f2``."""
    rows = []
    r2 = res.r2.set_index("construct")["r2"]
    parts = {(f, b) for a, b in res.spec.paths if a in res.exempt for f in a.split(":")}
    for a, b in res.spec.paths:
        if (a, b) in parts:            # a main effect of a product term: no f² (as seminr's model_fsquares)
            rows.append({"from": a, "to": b, "f2": math.nan})
            continue
        inc = float(r2[b])
        others = tuple(p for p in res.spec.paths if p != (a, b))
        if not any(t == b for _, t in others):
            exc = 0.0
        else:
            linked = {v for q in others for v in q}      # a construct left without paths drops out
            keep = tuple(c for c in res.spec.constructs if c in linked)
            sub = PLSSpec(keep, {c: res.spec.blocks[c] for c in keep}, {c: res.spec.modes[c] for c in keep},
                          others)
            ix = np.concatenate([res.spec.item_slices()[c] for c in keep])
            Rs = res.R[np.ix_(ix, ix)][None]
            W, _, _ = fit_weights(Rs, sub, tol=res.tol, max_iter=res.max_iter)
            sol = solution(Rs, W, sub)
            if res.consistent:
                sol = plsc(Rs, W, sub, sol, tuple(c for c in res.exempt if c in keep))
            exc = float(sol["r2"][0, list(sub.constructs).index(b)])
        rows.append({"from": a, "to": b, "f2": (inc - exc) / (1 - inc)})
    return pd.DataFrame(rows, columns=["from", "to", "f2"])


def quality_diagnostics(q: pd.DataFrame, ht: pd.DataFrame, ivif: pd.DataFrame, inner: pd.DataFrame,
                        thresholds=None) -> list[Diagnostic]:
    """Plain warnings for the PLS quality criteria (Hair et al. 2022): reflective blocks with
    alpha/rhoC below ``cr`` (.70) or AVE below ``ave`` (.50), HTMT above ``htmt`` (.85),
    formative indicators with VIF ≥ 5, inner VIF ≥ 5."""
    th = {"cr": 0.70, "ave": 0.50, "htmt": 0.85}
    if thresholds is not None:
        th.update({k: getattr(thresholds, k) for k in th if hasattr(thresholds, k)})
    out = []
    for r in q.itertuples(index=False):
        if r.mode != "A" or r.n_items < 2:
            continue
        if np.isfinite(r.rhoC) and r.rhoC < th["cr"]:
            out.append(diagnostic("pls_reliability", "warning", r.construct,
                                  "composite reliability rhoC = {rhoC:.3f} is below {threshold:.2f}",
                                  rhoC=r.rhoC, threshold=th["cr"]))
        if np.isfinite(r.ave) and r.ave < th["ave"]:
            out.append(diagnostic("pls_convergent_validity", "warning", r.construct,
                                  "AVE = {ave:.3f} is below {threshold:.2f}", ave=r.ave, threshold=th["ave"]))
    H = ht.set_index("construct")
    names = list(H.index)
    for a in range(len(names)):
        for b in range(a + 1, len(names)):
            v = H.iloc[a, b]
            if np.isfinite(v) and v > th["htmt"]:
                out.append(diagnostic("pls_htmt", "warning", f"{names[a]} – {names[b]}",
                                      "HTMT of {a} and {b} in the PLS model (arithmetic means of the item "
                                      "correlations, as seminr) is {htmt:.3f}, above {threshold:.2f}: the two "
                                      "constructs may not be distinct (discriminant validity)",
                                      a=names[a], b=names[b], htmt=v, threshold=th["htmt"]))
    for r in ivif.itertuples(index=False):
        if np.isfinite(r.vif) and r.vif >= 5:
            out.append(diagnostic("pls_collinearity", "warning", f"{r.construct}: {r.item}",
                                  "indicator VIF = {vif:.2f} ≥ 5 (collinearity)", vif=r.vif))
    for r in inner.itertuples(index=False):
        if np.isfinite(r.vif) and r.vif >= 5:
            out.append(diagnostic("pls_collinearity", "warning", f"{r[0]} -> {r[1]}",
                                  "inner VIF = {vif:.2f} ≥ 5 (collinearity among predictors)", vif=r.vif))
    return out
