"""The seminr references of the PLS extensions (moderation, higher-order constructs, PLSc):
``tests/reference/pls_seminr_ext.py`` + ``.json`` (seminr 0.2.1), with their data."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parents[2]            # tests/
EXT = json.loads((HERE / "reference" / "pls_seminr_ext.json").read_text(encoding="utf-8"))
TOL = 1e-6          # the tolerance; we agree with seminr to ~1e-10


def corp() -> pd.DataFrame:
    return pd.read_csv(HERE / "reference" / "pls_corp_rep_full.csv").replace(-99, np.nan)


def mobi() -> pd.DataFrame:
    return pd.read_csv(HERE / "reference" / "pls_mobi.csv")


def check_point(res, r, tol=TOL):
    """Paths, R², adjusted R², weights and loadings of ``res`` against the reference ``r``."""
    for p in r["paths"]:
        assert abs(res.paths.loc[p["to"], p["from"]] - p["est"]) < tol, p
    r2 = res.r2.set_index("construct")
    for c, v in r["r2"].items():
        assert abs(r2.loc[c, "r2"] - v) < tol, c
        assert abs(r2.loc[c, "r2.adj"] - r["r2.adj"][c]) < tol, c
    for kind, M in (("weights", res.weights), ("loadings", res.loadings)):
        for c, d in r[kind].items():
            if c not in M.columns:
                continue
            for it, v in d.items():
                if it in M.index:
                    assert abs(M.loc[it, c] - v) < tol, (kind, c, it)


def check_boot(res, r, pls, tol=TOL):
    b = r["boot"]
    idx = np.random.default_rng(b["seed"]).integers(0, res.n, size=(b["n_boot"], res.n))
    boot = pls.bootstrap_pls(res, indices=idx, workers=1)
    assert boot.counts()["n_ok"] == b["n_boot"] - b["fails"]
    est = boot.estimates.set_index(["lhs", "op", "rhs"])
    for k, v in b["paths"].items():
        to, fr = k.split("~")
        row = est.loc[(to, "~", fr)]
        assert abs(row["se"] - v["sd"]) < tol and abs(row["ci.lower"] - v["lo"]) < tol
        assert abs(row["ci.upper"] - v["hi"]) < tol
    return boot
