"""Reference values for csat.sem.pls.mga and csat.sem.pls.predict, made with seminr 0.2.1 (the Python port of
the R package seminr, PyPI ``seminr==0.2.1``: ``seminr.mga.estimate_pls_mga`` and
``seminr.predict.predict_pls``, ports of R seminr's ``estimate_pls_mga`` and ``predict_pls``).

Run from the project root in a venv with seminr 0.2.1 installed:

    python tests/reference/pls_mga_predict_seminr.py     # writes tests/reference/pls_mga_predict_seminr.json

Models as in tests/reference/pls_seminr.py (path weighting, stop criterion 1e-7, mean replacement):
``ecsi`` (../shared/datasets/ecsi_satisfaction.csv), ``corp_simple`` and ``corp_extended`` (the Primer's
corporate-reputation models on tests/reference/pls_corp_rep_data.csv, -99 = missing).

* ``mga``: PLS-MGA of ``ecsi`` by gender (group 1 = female) and of ``corp_simple`` by ``servicetype``
  (tests/reference/pls_corp_rep_servicetype.csv, copied from seminr 0.2.1's corp_rep_data.csv; group 1 =
  servicetype 1, as in the Primer's MGA chapter): the group estimates and Henseler's p (seminr's one-sided
  ``pls_mga_p``) with the bootstrap row indices of each group given (``default_rng(seed).integers(0, n_g,
  (500, n_g))``, seeds below: deterministic, compared to 1e-9), and seminr's own seeded bootstrap
  (``seed=2024, nboot=2000``: a different random stream, compared within Monte Carlo error).
* ``predict``: PLSpredict item RMSE and MAE (PLS and LM, out of and in sample) by leave-one-out
  (``no_folds=None``, deterministic) with both techniques (``predict_DA``, ``predict_EA``), and 10-fold with
  the row order ``default_rng(7).permutation(n)`` given (``ordering``).
"""
from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
from seminr import composite, constructs, estimate_pls, paths, relationships
from seminr.mga import estimate_pls_mga
from seminr.predict.metrics import item_metrics
from seminr.predict.predict_pls import predict_pls
from seminr.predict.techniques import predict_DA, predict_EA
from seminr.specify.constructs import mode_A, mode_B

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[2] / "shared" / "datasets"
ECSI_PATHS = [("IMAG", "EXPE"), ("IMAG", "SAT"), ("IMAG", "LOY"), ("EXPE", "QUAL"), ("EXPE", "VAL"),
              ("EXPE", "SAT"), ("QUAL", "VAL"), ("QUAL", "SAT"), ("VAL", "SAT"), ("SAT", "LOY")]
CORP_PATHS = [("COMP", "CUSA"), ("COMP", "CUSL"), ("LIKE", "CUSA"), ("LIKE", "CUSL"), ("CUSA", "CUSL")]
MODELS = {
    "ecsi": dict(data=SHARED / "ecsi_satisfaction.csv", paths=ECSI_PATHS,
                 blocks={"IMAG": ("A", [f"imag{i}" for i in range(1, 6)]),
                         "EXPE": ("A", [f"expe{i}" for i in range(1, 6)]),
                         "QUAL": ("A", [f"qual{i}" for i in range(1, 6)]),
                         "VAL": ("A", [f"val{i}" for i in range(1, 5)]),
                         "SAT": ("A", [f"sat{i}" for i in range(1, 5)]),
                         "LOY": ("A", [f"loy{i}" for i in range(1, 5)])}),
    "corp_simple": dict(data=HERE / "pls_corp_rep_data.csv", missing=-99, paths=CORP_PATHS,
                        blocks={"COMP": ("A", ["comp_1", "comp_2", "comp_3"]),
                                "LIKE": ("A", ["like_1", "like_2", "like_3"]),
                                "CUSA": ("A", ["cusa"]), "CUSL": ("A", ["cusl_1", "cusl_2", "cusl_3"])}),
    "corp_extended": dict(data=HERE / "pls_corp_rep_data.csv", missing=-99,
                          paths=[(a, b) for a in ("QUAL", "PERF", "CSOR", "ATTR") for b in ("COMP", "LIKE")]
                          + CORP_PATHS,
                          blocks={"QUAL": ("B", [f"qual_{i}" for i in range(1, 9)]),
                                  "PERF": ("B", [f"perf_{i}" for i in range(1, 6)]),
                                  "CSOR": ("B", [f"csor_{i}" for i in range(1, 6)]),
                                  "ATTR": ("B", ["attr_1", "attr_2", "attr_3"]),
                                  "COMP": ("A", ["comp_1", "comp_2", "comp_3"]),
                                  "LIKE": ("A", ["like_1", "like_2", "like_3"]),
                                  "CUSA": ("A", ["cusa"]), "CUSL": ("A", ["cusl_1", "cusl_2", "cusl_3"])}),
}
MGA = {"ecsi": dict(column="gender", group1="female", seeds=[11, 12]),
       "corp_simple": dict(column="servicetype", group1=1, seeds=[21, 22])}
N_BOOT_GIVEN, N_BOOT_SEMINR = 500, 2000


def syntax(spec) -> str:
    lines = [f"{c} {'=~' if m == 'A' else '<~'} " + " + ".join(items) for c, (m, items) in spec["blocks"].items()]
    for to in dict.fromkeys(b for _, b in spec["paths"]):
        lines.append(f"{to} ~ " + " + ".join(a for a, b in spec["paths"] if b == to))
    return "\n".join(lines) + "\n"


def data_of(name):
    df = pd.read_csv(MODELS[name]["data"])
    if name.startswith("corp"):
        df["servicetype"] = pd.read_csv(HERE / "pls_corp_rep_servicetype.csv")["servicetype"]
    return df


def fit(name, df):
    spec = MODELS[name]
    items = [i for _, its in spec["blocks"].values() for i in its]
    X = df[items].astype(float)
    if "missing" in spec:
        X = X.replace(spec["missing"], np.nan)
    mm = constructs(*[composite(c, its, weights=mode_A if m == "A" else mode_B)
                      for c, (m, its) in spec["blocks"].items()])
    sm = relationships(*[paths(from_=a, to=b) for a, b in spec["paths"]])
    return estimate_pls(X, mm, sm)


def mga(name) -> dict:
    m = MGA[name]
    df = data_of(name)
    model = fit(name, df)
    cond = (df[m["column"]] == m["group1"]).to_numpy()
    n1, n2 = int(cond.sum()), int((~cond).sum())
    idx1 = np.random.default_rng(m["seeds"][0]).integers(0, n1, (N_BOOT_GIVEN, n1))
    idx2 = np.random.default_rng(m["seeds"][1]).integers(0, n2, (N_BOOT_GIVEN, n2))
    given = estimate_pls_mga(model, cond, nboot=N_BOOT_GIVEN, group1_indices=idx1, group2_indices=idx2)
    own = estimate_pls_mga(model, cond, nboot=N_BOOT_SEMINR, seed=2024)
    return {"syntax": syntax(MODELS[name]), "column": m["column"], "group1": m["group1"], "n1": n1, "n2": n2,
            "boot_seeds": m["seeds"], "nboot_given": N_BOOT_GIVEN, "nboot_seminr": N_BOOT_SEMINR,
            "paths": [{"from": r.source, "to": r.target, "group1_beta": r.group1_beta, "group2_beta": r.group2_beta,
                       "diff": r.diff, "pls_mga_p_given": r.pls_mga_p, "pls_mga_p_seminr": o.pls_mga_p}
                      for r, o in zip(given, own)]}


def predict(name) -> dict:
    model = fit(name, data_of(name))
    n = model.data.n_obs
    out = {"syntax": syntax(MODELS[name]), "n": n}
    runs = {"loo_DA": dict(technique=predict_DA, no_folds=None), "loo_EA": dict(technique=predict_EA, no_folds=None)}
    if name == "ecsi":
        order = [int(i) for i in np.random.default_rng(7).permutation(n)]
        runs["k10_EA"] = dict(technique=predict_EA, no_folds=10, ordering=order)
        runs["k10_DA"] = dict(technique=predict_DA, no_folds=10, ordering=order)
        out["ordering_seed"] = 7
    for key, kw in runs.items():
        m = item_metrics(predict_pls(model, **kw))
        out[key] = {part: {c: {"rmse": float(getattr(m, part).values[0, j]), "mae": float(getattr(m, part).values[1, j])}
                           for j, c in enumerate(getattr(m, part).cols)}
                    for part in ("pls_out_of_sample", "lm_out_of_sample", "pls_in_sample", "lm_in_sample")}
    return out


def main():
    ref = {"_source": f"seminr {version('seminr')} (PyPI), tests/reference/pls_mga_predict_seminr.py",
           "mga": {k: mga(k) for k in MGA}, "predict": {k: predict(k) for k in ("ecsi", "corp_simple", "corp_extended")}}
    (HERE / "pls_mga_predict_seminr.json").write_text(json.dumps(ref, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
