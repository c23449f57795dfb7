"""Reference values for csat.sem.pls.predict on a moderation model, made with seminr 0.2.1 (the Python port of R
seminr on PyPI; ``seminr.predict.predict_pls``, a port of R seminr's ``predict_pls``).

    python tests/reference/pls_predict_ext_seminr.py     # writes tests/reference/pls_predict_ext_seminr.json

The corporate-reputation data (tests/reference/pls_corp_rep_full.csv, -99 = missing), its first 120 rows with
complete answers on the items used; ``CUSA ~ COMP + LIKE; CUSL ~ CUSA + SC + CUSA:SC`` with the product term
``interaction_term(iv = "CUSA", moderator = "SC", method = product_indicator)``; leave-one-out PLSpredict
(``no_folds = None``, deterministic) with ``predict_DA`` and ``predict_EA``: item RMSE and MAE of PLS and LM, out
of and in sample.  (seminr refuses PLSpredict on a higher-order model: "There is no published solution for applying
PLSpredict to higher-order models"; for a two-stage product term its held-out rows use the product column made on
the whole sample, so only the product-indicator model is a like-for-like reference.)
"""
from __future__ import annotations

import json
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
from seminr import composite, constructs, estimate_pls, interaction_term, paths, product_indicator, relationships
from seminr.predict.metrics import item_metrics
from seminr.predict.predict_pls import predict_pls
from seminr.predict.techniques import predict_DA, predict_EA

HERE = Path(__file__).resolve().parent
BLOCKS = {"COMP": ["comp_1", "comp_2", "comp_3"], "LIKE": ["like_1", "like_2", "like_3"], "CUSA": ["cusa"],
          "SC": ["switch_1", "switch_2", "switch_3", "switch_4"], "CUSL": ["cusl_1", "cusl_2", "cusl_3"]}
SYNTAX = ("\n".join(f"{c} =~ " + " + ".join(v) for c, v in BLOCKS.items())
          + "\nCUSA ~ COMP + LIKE\nCUSL ~ CUSA + SC + CUSA:SC\n")
N = 120


def data() -> pd.DataFrame:
    df = pd.read_csv(HERE / "pls_corp_rep_full.csv").replace(-99, np.nan)
    items = [i for v in BLOCKS.values() for i in v]
    return df[items].dropna().iloc[:N].astype(float).reset_index(drop=True)


def main():
    X = data()
    mm = constructs(*[composite(c, v) for c, v in BLOCKS.items()],
                    interaction_term(iv="CUSA", moderator="SC", method=product_indicator))
    sm = relationships(paths(from_=["COMP", "LIKE"], to="CUSA"), paths(from_=["CUSA", "SC", "CUSA*SC"], to="CUSL"))
    model = estimate_pls(X, mm, sm)
    out = {"_source": f"seminr {version('seminr')} (PyPI), tests/reference/pls_predict_ext_seminr.py",
           "syntax": SYNTAX, "n": N}
    for key, tech in (("loo_DA", predict_DA), ("loo_EA", predict_EA)):
        m = item_metrics(predict_pls(model, technique=tech, no_folds=None))
        out[key] = {part: {c: {"rmse": float(getattr(m, part).values[0, j]), "mae": float(getattr(m, part).values[1, j])}
                           for j, c in enumerate(getattr(m, part).cols)}
                    for part in ("pls_out_of_sample", "lm_out_of_sample", "pls_in_sample", "lm_in_sample")}
    (HERE / "pls_predict_ext_seminr.json").write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
