"""The ACSI-style 0–100 index of every construct of a fitted PLS model and SmartPLS's IPMA importance.

The 0–100 index (Fornell 1992; Fornell, Johnson, Anderson, Cha & Bryant 1996, *The American
Customer Satisfaction Index*, J. Marketing 60(4), 7–18; SmartPLS's IPMA, Ringle & Sarstedt 2016):
unstandardized weights ``ŵ_i = w_i / sd(x_i)``, normalised to sum to one, applied to the item
means and rescaled: ``index = 100 · (Σ ŵ_i x̄_i − min) / (max − min)``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from csat.core.diagnostics import Diagnostic, diagnostic
from csat.sem.pls.estimate import PLSResult

__all__ = ["csi_index", "index_values", "rescaled_sd", "index_diagnostics", "ipma_importance", "INDEX_COLUMNS"]

INDEX_COLUMNS = ["construct", "index", "ci.lower", "ci.upper"]


def _index_weights(W: np.ndarray, sd: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Unstandardized weights ``w/sd`` normalised to sum to one within each block (b, p, k)."""
    U = W / sd[..., :, None] * mask[None]
    with np.errstate(invalid="ignore", divide="ignore"):
        return U / U.sum(axis=-2, keepdims=True)


def index_values(W, m, sd, mask, lo, hi) -> np.ndarray:
    """0–100 index per construct (b, k)."""
    U = _index_weights(W, sd, mask)
    return 100 * ((m[:, None, :] @ U)[:, 0, :] - lo) / (hi - lo)


def rescaled_sd(W, R, sd, mask, lo, hi) -> np.ndarray:
    """sd of the 0–100 rescaled construct scores ``Σ ŵ_i · 100 (x_i − min)/(max − min)`` (b, k)."""
    U = _index_weights(W, sd, mask) * sd[..., :, None]      # weights on standardized items
    v = np.sum(U * (R @ U), axis=-2)
    return 100 / (hi - lo) * np.sqrt(v)


def csi_index(res: PLSResult, scale_min: float, scale_max: float) -> pd.Series:
    """The 0–100 index of every construct, the ACSI way (Fornell et al. 1996; module docstring):
    ``100 · (Σ ŵ_i x̄_i − min)/(max − min)`` with ``ŵ_i = (w_i/sd_i) / Σ_j (w_j/sd_j)``.
    Negative weights make the index meaningless: :func:`index_diagnostics` says so."""
    v = index_values(res.weights.to_numpy()[None], res.means.to_numpy()[None], res.sds.to_numpy()[None],
                     res.spec.mask, scale_min, scale_max)[0]
    return pd.Series(v, index=list(res.spec.constructs), name="index")


def index_diagnostics(res: PLSResult) -> list[Diagnostic]:
    """``pls_negative_weight`` for every construct with a negative outer weight (its index and IPMA
    performance then do not lie between the item indices)."""
    out = []
    for c in res.spec.constructs:
        w = res.weights.loc[list(res.spec.blocks[c]), c]
        if (w < 0).any():
            out.append(diagnostic("pls_negative_weight", "warning", c,
                                  "negative outer weight(s) {items}: the 0–100 index and the "
                                  "IPMA performance of this construct are not a weighted mean of its items",
                                  items=list(w[w < 0].index)))
    return out


def ipma_importance(res: PLSResult, target: str, scale_min: float, scale_max: float) -> pd.DataFrame:
    """IPMA importance as SmartPLS computes it (Ringle & Sarstedt 2016): the unstandardized total
    effect on ``target`` in units of the 0–100 rescaled construct scores,
    ``total_std(X → T) · sd(T̃) / sd(X̃)``.  Columns ``from, to, importance, std.total``."""
    cons = list(res.spec.constructs)
    if target not in cons:
        raise ValueError(f"ipma: target {target!r} is not a construct of the PLS model ({cons})")
    s = rescaled_sd(res.weights.to_numpy()[None], res.R[None], res.sds.to_numpy()[None], res.spec.mask,
                    scale_min, scale_max)[0]
    t = cons.index(target)
    rows = []
    for j, c in enumerate(cons):
        tot = float(res.total.iloc[t, j])
        if j != t and abs(tot) > 1e-12:
            rows.append({"from": c, "to": target, "importance": tot * s[t] / s[j], "std.total": tot})
    return pd.DataFrame(rows, columns=["from", "to", "importance", "std.total"])
