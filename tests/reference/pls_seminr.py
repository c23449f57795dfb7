"""Reference values for csat.sem.pls, made with seminr 0.2.1 (the Python port of the R package seminr,
PyPI ``seminr==0.2.1``) and seminrextras 0.1.0 (PyPI, port of seminrExtras: IPMA helpers).

Run from the project root in a scratch venv with those two packages installed:

    python tests/reference/pls_seminr.py     # writes tests/reference/pls_seminr.json

Models (PLS-PM, path weighting, Mode A = seminr ``composite(..., weights = mode_A)``, Mode B =
``composite(..., weights = mode_B)``, stop criterion 1e-7, at most 300 iterations, mean
replacement):

* ``ecsi``: the project's ECSI study (``../shared/datasets/ecsi_satisfaction.csv``, plspm's
  ``satisfaction`` data) with the ECSI template paths (no complaints construct), scale 0–10;
* ``mobi``: Tenenhaus et al. (2005) ECSI model on seminr's ``mobi`` data (tests/reference/
  pls_mobi.csv, copied from seminr 0.2.1's ``seminr/datasets/mobi.csv``), complaints COMP single-item (CUSCO);
* ``corp_simple``: Hair et al., *A Primer on PLS-SEM* (3rd ed.), simple corporate-reputation model;
* ``corp_extended``: the Primer's extended model with the formative drivers QUAL, PERF, CSOR, ATTR.
  Both on ``corp_rep_data`` (tests/reference/pls_corp_rep_data.csv: the used columns of seminr
  0.2.1's ``seminr/datasets/corp_rep_data.csv``; -99 = missing, mean replacement), scale 1–7.

Recorded per model: outer weights, loadings, path coefficients, R² and adjusted R², total effects,
alpha/rhoA/rhoC/AVE, HTMT, Fornell–Larcker, item and inner VIFs, f² (seminr); the 0–100 index and
the IPMA importances (seminrextras' ``compute_ipma_performance`` and ``compute_unstd_total_effects``
fed with the *unstandardized* outer weights w/sd, which is how SmartPLS and the ACSI weight items);
and a bootstrap of 200 resamples with the row indices ``numpy.random.default_rng(2024).integers(0,
n, (200, n))`` passed to seminr's ``bootstrap_model(indices=...)`` (bootstrap SD and 2.5/97.5%
quantiles of paths, loadings, weights and HTMT).
"""
from __future__ import annotations

import json
import math
from dataclasses import replace
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
from seminr import (bootstrap_model, composite, constructs, estimate_pls, fl_criteria_table, htmt,
                    item_vifs, model_fsquares, paths, pls_antecedent_vifs, relationships)
from seminr.evaluate import reliability_table
from seminr.evaluate.constructs_in_model import constructs_in_model
from seminr.math.named_matrix import NamedMatrix
from seminr.specify.constructs import mode_A, mode_B
from seminrExtras.cipma import compute_ipma_performance, compute_unstd_total_effects

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[2] / "shared" / "datasets"

ECSI_PATHS = [("IMAG", "EXPE"), ("IMAG", "SAT"), ("IMAG", "LOY"), ("EXPE", "QUAL"), ("EXPE", "VAL"),
              ("EXPE", "SAT"), ("QUAL", "VAL"), ("QUAL", "SAT"), ("VAL", "SAT"), ("SAT", "LOY")]
MODELS = {
    "ecsi": dict(
        data=str(SHARED / "ecsi_satisfaction.csv"), scale=[0, 10], target="SAT",
        blocks={"IMAG": ("A", [f"imag{i}" for i in range(1, 6)]), "EXPE": ("A", [f"expe{i}" for i in range(1, 6)]),
                "QUAL": ("A", [f"qual{i}" for i in range(1, 6)]), "VAL": ("A", [f"val{i}" for i in range(1, 5)]),
                "SAT": ("A", [f"sat{i}" for i in range(1, 5)]), "LOY": ("A", [f"loy{i}" for i in range(1, 5)])},
        paths=ECSI_PATHS),
    "mobi": dict(
        data="pls_mobi.csv", scale=[1, 10], target="CUSA",
        blocks={"IMAG": ("A", [f"IMAG{i}" for i in range(1, 6)]), "CUEX": ("A", [f"CUEX{i}" for i in range(1, 4)]),
                "PERQ": ("A", [f"PERQ{i}" for i in range(1, 8)]), "PERV": ("A", ["PERV1", "PERV2"]),
                "CUSA": ("A", ["CUSA1", "CUSA2", "CUSA3"]), "COMP": ("A", ["CUSCO"]),
                "CUSL": ("A", ["CUSL1", "CUSL2", "CUSL3"])},
        paths=[("IMAG", "CUEX"), ("IMAG", "CUSA"), ("IMAG", "CUSL"), ("CUEX", "PERQ"), ("CUEX", "PERV"),
               ("CUEX", "CUSA"), ("PERQ", "PERV"), ("PERQ", "CUSA"), ("PERV", "CUSA"), ("CUSA", "COMP"),
               ("CUSA", "CUSL"), ("COMP", "CUSL")]),
    "corp_simple": dict(
        data="pls_corp_rep_data.csv", scale=[1, 7], target="CUSL", missing=-99,
        blocks={"COMP": ("A", ["comp_1", "comp_2", "comp_3"]), "LIKE": ("A", ["like_1", "like_2", "like_3"]),
                "CUSA": ("A", ["cusa"]), "CUSL": ("A", ["cusl_1", "cusl_2", "cusl_3"])},
        paths=[("COMP", "CUSA"), ("COMP", "CUSL"), ("LIKE", "CUSA"), ("LIKE", "CUSL"), ("CUSA", "CUSL")]),
    "corp_extended": dict(
        data="pls_corp_rep_data.csv", scale=[1, 7], target="CUSL", missing=-99,
        blocks={"QUAL": ("B", [f"qual_{i}" for i in range(1, 9)]), "PERF": ("B", [f"perf_{i}" for i in range(1, 6)]),
                "CSOR": ("B", [f"csor_{i}" for i in range(1, 6)]), "ATTR": ("B", ["attr_1", "attr_2", "attr_3"]),
                "COMP": ("A", ["comp_1", "comp_2", "comp_3"]), "LIKE": ("A", ["like_1", "like_2", "like_3"]),
                "CUSA": ("A", ["cusa"]), "CUSL": ("A", ["cusl_1", "cusl_2", "cusl_3"])},
        paths=[(a, b) for a in ("QUAL", "PERF", "CSOR", "ATTR") for b in ("COMP", "LIKE")] +
              [("COMP", "CUSA"), ("COMP", "CUSL"), ("LIKE", "CUSA"), ("LIKE", "CUSL"), ("CUSA", "CUSL")]),
}
N_BOOT = 200


def syntax(spec) -> str:
    lines = [f"{c} {'=~' if m == 'A' else '<~'} " + " + ".join(items) for c, (m, items) in spec["blocks"].items()]
    for to in dict.fromkeys(b for _, b in spec["paths"]):
        lines.append(f"{to} ~ " + " + ".join(a for a, b in spec["paths"] if b == to))
    return "\n".join(lines) + "\n"


def nm_dict(M: NamedMatrix) -> dict:
    return {r: {c: (None if not math.isfinite(float(M.values[i, j])) else float(M.values[i, j]))
                for j, c in enumerate(M.cols)} for i, r in enumerate(M.rows)}


def run(name, spec) -> dict:
    path = spec["data"] if Path(spec["data"]).is_absolute() else HERE / spec["data"]
    df = pd.read_csv(path)
    items = [i for _, its in spec["blocks"].values() for i in its]
    df = df[items].astype(float)
    if "missing" in spec:
        df = df.replace(spec["missing"], np.nan)
    mm = constructs(*[composite(c, its, weights=mode_A if m == "A" else mode_B)
                      for c, (m, its) in spec["blocks"].items()])
    sm = relationships(*[paths(from_=a, to=b) for a, b in spec["paths"]])
    model = estimate_pls(df, mm, sm)
    cons = list(spec["blocks"])
    out = {"syntax": syntax(spec), "data": spec["data"] if name == "ecsi" else f"tests/reference/{spec['data']}",
           "scale": spec["scale"], "target": spec["target"], "missing_code": spec.get("missing"),
           "n": int(model.data.values.shape[0]), "iterations": int(model.iterations)}
    W, L, P = model.outer_weights, model.outer_loadings, model.path_coef
    out["weights"] = {c: {it: float(W.get(it, c)) for it in spec["blocks"][c][1]} for c in cons}
    out["loadings"] = {c: {it: float(L.get(it, c)) for it in spec["blocks"][c][1]} for c in cons}
    out["paths"] = [{"from": a, "to": b, "est": float(P.get(a, b))} for a, b in spec["paths"]]
    r2 = model.r_squared
    out["r2"] = {c: {"r2": float(r2.get("Rsq", c)), "r2.adj": float(r2.get("AdjRsq", c))} for c in r2.cols}
    from seminr import total_effects
    T = total_effects(P)
    out["total"] = [{"from": a, "to": b, "est": float(T.get(a, b))} for a in cons for b in cons
                    if a != b and abs(float(T.get(a, b))) > 1e-12]
    rel = reliability_table(model)
    out["reliability"] = nm_dict(rel)
    out["htmt"] = nm_dict(htmt(model))
    mc = constructs_in_model(model)
    out["fornell_larcker"] = nm_dict(fl_criteria_table(model, mc))
    out["item_vif"] = item_vifs(model, mc)
    out["inner_vif"] = {k: {a: (None if not math.isfinite(v) else v) for a, v in d.items()}
                        for k, d in pls_antecedent_vifs(model, mc).items()}
    fs = model_fsquares(model)
    out["f2"] = [{"from": a, "to": b, "f2": float(fs.get(a, b))} for a, b in spec["paths"]]
    # ACSI / SmartPLS index: unstandardized weights w/sd fed to seminrExtras' IPMA helpers
    sd = dict(zip(model.data.columns, np.std(model.data.values, axis=0, ddof=1)))
    Wu = W.values.copy()
    for i, it in enumerate(W.rows):
        Wu[i, :] = Wu[i, :] / sd[it]
    mu = replace(model, outer_weights=NamedMatrix(W.rows, W.cols, Wu))
    lo, hi = spec["scale"]
    out["index"] = compute_ipma_performance(mu, cons, lo, hi)
    U = compute_unstd_total_effects(mu, cons, lo, hi)
    t = spec["target"]
    out["ipma_importance"] = {a: float(U.get(a, t)) for a in cons if a != t and abs(float(T.get(a, t))) > 1e-12}
    # bootstrap with given indices
    n = out["n"]
    idx = np.random.default_rng(2024).integers(0, n, size=(N_BOOT, n))
    boot = bootstrap_model(model, N_BOOT, indices=idx)

    def desc(D):
        return {r: {"sd": float(D.values[i, 2]), "lo": float(D.values[i, 4]), "hi": float(D.values[i, 5])}
                for i, r in enumerate(D.rows)}

    from seminr.bootstrap.summarize import parse_boot_array, parse_boot_array_htmt
    out["boot"] = {"n_boot": N_BOOT, "seed": 2024, "fails": int(boot.fails),
                   "paths": desc(parse_boot_array(model.path_coef, boot.boot_paths)),
                   "loadings": desc(parse_boot_array(model.outer_loadings, boot.boot_loadings)),
                   "weights": desc(parse_boot_array(model.outer_weights, boot.boot_weights)),
                   "htmt": desc(parse_boot_array_htmt(htmt(model), boot.boot_htmt))}
    return out


def main():
    ref = {"_source": f"seminr {version('seminr')} and seminrextras {version('seminrextras')} (PyPI), "
                      "tests/reference/pls_seminr.py"}
    for name, spec in MODELS.items():
        ref[name] = run(name, spec)
        print(name, "n =", ref[name]["n"], "iterations =", ref[name]["iterations"])
    (HERE / "pls_seminr.json").write_text(json.dumps(ref, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
