"""Reference values for the PLS extensions of csat.sem.pls (moderation, higher-order constructs, PLSc),
made with seminr 0.2.1 (the Python port of the R package seminr, PyPI ``seminr==0.2.1``).

Run from the project root with seminr installed:

    python tests/reference/pls_seminr_ext.py     # writes tests/reference/pls_seminr_ext.json

Data: ``tests/reference/pls_corp_rep_full.csv`` is seminr 0.2.1's ``seminr/datasets/corp_rep_data.csv``
copied verbatim (the Primer's corporate-reputation data with the switching-cost items switch_1..4;
-99 = missing, mean replacement); ``tests/reference/pls_mobi.csv`` is its ``mobi.csv``.

Models (path weighting, stop criterion 1e-7, at most 300 iterations; lavaan-style syntax as csat reads it):

* ``moderation_<method>``: Hair et al., *A Primer on PLS-SEM* (3rd ed.), ch. 7: the extended corporate-
  reputation model with switching costs SC (Mode A, switch_1..4) moderating CUSA -> CUSL, seminr's
  ``interaction_term(iv="CUSA", moderator="SC", method=<method>)`` for two_stage, product_indicator and
  orthogonal (the Primer reports CUSA x SC -> CUSL = -0.071 for two_stage); f² of the interaction
  (seminr's ``f_squared``); for two_stage a bootstrap of 100 resamples with the indices
  ``numpy.random.default_rng(2024).integers(0, n, (100, n))`` (seminr re-builds the interaction in each);
* ``plsc_simple`` / ``plsc_extended``: the Primer's simple and extended models with the ``=~`` blocks as
  seminr ``reflective()`` (PLSc, Dijkstra & Henseler 2015) and the ``<~`` blocks ``composite(mode_B)``;
  the extended one also bootstrapped (100 resamples as above);
* ``hoc_reputation``: the simple model with REP = ``higher_composite(c("COMP", "LIKE"))`` (Mode A, two-stage),
  ``hoc_formative``: the same with ``higher_composite(..., weights = mode_B)``; ``hoc_mobi``: seminr's
  higher-order example on mobi (Satisfaction from Image and Value);
* ``ri_reputation``: the repeated-indicators model of REP (REP measured by all items of COMP and LIKE, paths
  REP -> COMP, REP -> LIKE), estimated by seminr's ``estimate_pls``; ``embedded_reputation``: its COMP and LIKE
  scores as REP's indicators in a second ``estimate_pls`` (the embedded two-stage approach).
"""
from __future__ import annotations

import json
import math
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd
from seminr import (bootstrap_model, composite, constructs, estimate_pls, f_squared, higher_composite,
                    interaction_term, paths, reflective, relationships)
from seminr.bootstrap.summarize import parse_boot_array
from seminr.specify.constructs import mode_A, mode_B
from seminr.specify.interactions import orthogonal, product_indicator, two_stage

HERE = Path(__file__).resolve().parent
N_BOOT = 100


def corp() -> pd.DataFrame:
    df = pd.read_csv(HERE / "pls_corp_rep_full.csv")
    return df.drop(columns=["servicetype", "serviceprovider"]).astype(float).replace(-99, np.nan)


def mobi() -> pd.DataFrame:
    return pd.read_csv(HERE / "pls_mobi.csv").astype(float)


def items(prefix, k):
    return [f"{prefix}{i}" for i in range(1, k + 1)]


FORMATIVE = {"QUAL": items("qual_", 8), "PERF": items("perf_", 5), "CSOR": items("csor_", 5), "ATTR": items("attr_", 3)}
REFLECTIVE = {"COMP": items("comp_", 3), "LIKE": items("like_", 3), "CUSL": items("cusl_", 3)}
EXT_PATHS = ([(a, b) for a in FORMATIVE for b in ("COMP", "LIKE")] +
             [("COMP", "CUSA"), ("LIKE", "CUSA"), ("COMP", "CUSL"), ("LIKE", "CUSL"), ("CUSA", "CUSL")])
EXT_SYNTAX = ("\n".join(f"{c} <~ " + " + ".join(v) for c, v in FORMATIVE.items()) + "\n" +
              "\n".join(f"{c} =~ " + " + ".join(v) for c, v in REFLECTIVE.items()) + "\n"
              "CUSA =~ cusa\nCOMP ~ QUAL + PERF + CSOR + ATTR\nLIKE ~ QUAL + PERF + CSOR + ATTR\n"
              "CUSA ~ COMP + LIKE\n")


def mat(M, rows=None, cols=None) -> dict:
    rows = rows or M.rows
    cols = cols or M.cols
    return {c: {r: float(M.get(r, c)) for r in rows if float(M.get(r, c)) != 0} for c in cols}


def summary(model, name_map=None) -> dict:
    nm = name_map or {}
    P = model.path_coef
    out = {"paths": [{"from": nm.get(a, a), "to": nm.get(b, b), "est": float(P.get(a, b))}
                     for a in P.rows for b in P.cols if float(P.get(a, b)) != 0],
           "weights": mat(model.outer_weights), "loadings": mat(model.outer_loadings),
           "r2": {nm.get(c, c): float(model.r_squared.get("Rsq", c)) for c in model.r_squared.cols},
           "r2.adj": {nm.get(c, c): float(model.r_squared.get("AdjRsq", c)) for c in model.r_squared.cols},
           "n": int(model.data.values.shape[0])}
    out["weights"] = {nm.get(c, c): {nm.get(r, r): v for r, v in d.items()} for c, d in out["weights"].items()}
    out["loadings"] = {nm.get(c, c): {nm.get(r, r): v for r, v in d.items()} for c, d in out["loadings"].items()}
    return out


def boot(model, name_map=None) -> dict:
    nm = name_map or {}
    n = int(model.data.values.shape[0])
    idx = np.random.default_rng(2024).integers(0, n, size=(N_BOOT, n))
    b = bootstrap_model(model, N_BOOT, indices=idx)
    D = parse_boot_array(model.path_coef, b.boot_paths)
    out = {}
    for i, r in enumerate(D.rows):
        a, t = r.split("  ->  ") if "  ->  " in r else r.split(" -> ")
        out[f"{nm.get(t.strip(), t.strip())}~{nm.get(a.strip(), a.strip())}"] = {
            "sd": float(D.values[i, 2]), "lo": float(D.values[i, 4]), "hi": float(D.values[i, 5])}
    return {"n_boot": N_BOOT, "seed": 2024, "fails": int(b.fails), "paths": out}


def moderation(method) -> dict:
    mm = constructs(*[composite(c, v, weights=mode_B) for c, v in FORMATIVE.items()],
                    *[composite(c, v) for c, v in REFLECTIVE.items()], composite("CUSA", ["cusa"]),
                    composite("SC", items("switch_", 4)),
                    interaction_term(iv="CUSA", moderator="SC", method=method))
    sm = relationships(*[paths(from_=a, to=b) for a, b in EXT_PATHS], paths(from_="SC", to="CUSL"),
                       paths(from_="CUSA*SC", to="CUSL"))
    model = estimate_pls(corp(), mm, sm)
    out = summary(model, {"CUSA*SC": "CUSA:SC"})
    out["f2_interaction"] = float(f_squared(model, "CUSA*SC", "CUSL"))
    out["syntax"] = (EXT_SYNTAX + "SC =~ " + " + ".join(items("switch_", 4)) +
                     "\nCUSL ~ COMP + LIKE + CUSA + SC + CUSA:SC\n")
    return out, model


def plsc(extended: bool) -> tuple[dict, object]:
    if extended:
        mm = constructs(*[composite(c, v, weights=mode_B) for c, v in FORMATIVE.items()],
                        *[reflective(c, v) for c, v in REFLECTIVE.items()], reflective("CUSA", ["cusa"]))
        sm = relationships(*[paths(from_=a, to=b) for a, b in EXT_PATHS])
        syntax = EXT_SYNTAX + "CUSL ~ COMP + LIKE + CUSA\n"
    else:
        mm = constructs(*[reflective(c, v) for c, v in REFLECTIVE.items()], reflective("CUSA", ["cusa"]))
        sm = relationships(*[paths(from_=a, to=b) for a, b in EXT_PATHS[-5:]])
        syntax = ("\n".join(f"{c} =~ " + " + ".join(v) for c, v in REFLECTIVE.items()) +
                  "\nCUSA =~ cusa\nCUSA ~ COMP + LIKE\nCUSL ~ COMP + LIKE + CUSA\n")
    model = estimate_pls(corp(), mm, sm)
    out = summary(model)
    out["syntax"] = syntax
    return out, model


SIMPLE_HOC_SYNTAX = ("COMP =~ comp_1 + comp_2 + comp_3\nLIKE =~ like_1 + like_2 + like_3\nCUSA =~ cusa\n"
                     "CUSL =~ cusl_1 + cusl_2 + cusl_3\nREP {op} COMP + LIKE\nCUSA ~ REP\nCUSL ~ REP + CUSA\n")


def hoc(mode) -> dict:
    mm = constructs(composite("COMP", REFLECTIVE["COMP"]), composite("LIKE", REFLECTIVE["LIKE"]),
                    composite("CUSA", ["cusa"]), composite("CUSL", REFLECTIVE["CUSL"]),
                    higher_composite("REP", ["COMP", "LIKE"], method="two_stage", weights=mode))
    sm = relationships(paths(from_="REP", to=["CUSA", "CUSL"]), paths(from_="CUSA", to="CUSL"))
    model = estimate_pls(corp(), mm, sm)
    out = summary(model)
    out["first_stage"] = summary(model.first_stage_model)
    out["syntax"] = SIMPLE_HOC_SYNTAX.format(op="=~" if mode is mode_A else "<~")
    return out, model


def hoc_mobi() -> dict:
    mm = constructs(composite("Image", items("IMAG", 5)), composite("Expectation", items("CUEX", 3)),
                    composite("Quality", items("PERQ", 7)), composite("Value", items("PERV", 2)),
                    higher_composite("Satisfaction", ["Image", "Value"], method="two_stage"),
                    composite("Complaints", ["CUSCO"]), composite("Loyalty", items("CUSL", 3)))
    sm = relationships(paths(from_=["Expectation", "Quality"], to="Satisfaction"),
                       paths(from_="Satisfaction", to=["Complaints", "Loyalty"]))
    model = estimate_pls(mobi(), mm, sm)
    out = summary(model)
    out["first_stage"] = summary(model.first_stage_model)
    out["syntax"] = ("Image =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5\nExpectation =~ CUEX1 + CUEX2 + CUEX3\n"
                     "Quality =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7\nValue =~ PERV1 + PERV2\n"
                     "Satisfaction =~ Image + Value\nComplaints =~ CUSCO\nLoyalty =~ CUSL1 + CUSL2 + CUSL3\n"
                     "Satisfaction ~ Expectation + Quality\nComplaints ~ Satisfaction\nLoyalty ~ Satisfaction\n")
    return out


def repeated_and_embedded() -> tuple[dict, dict]:
    df = corp()
    mm = constructs(composite("COMP", REFLECTIVE["COMP"]), composite("LIKE", REFLECTIVE["LIKE"]),
                    composite("CUSA", ["cusa"]), composite("CUSL", REFLECTIVE["CUSL"]),
                    composite("REP", REFLECTIVE["COMP"] + REFLECTIVE["LIKE"]))
    sm = relationships(paths(from_="REP", to=["COMP", "LIKE", "CUSA", "CUSL"]), paths(from_="CUSA", to="CUSL"))
    ri = estimate_pls(df, mm, sm)
    scores = ri.construct_scores
    d2 = df.copy()
    d2 = d2.fillna(d2.mean())
    d2["COMP"] = scores.column("COMP")
    d2["LIKE"] = scores.column("LIKE")
    mm2 = constructs(composite("CUSA", ["cusa"]), composite("CUSL", REFLECTIVE["CUSL"]),
                     composite("REP", ["COMP", "LIKE"]))
    sm2 = relationships(paths(from_="REP", to=["CUSA", "CUSL"]), paths(from_="CUSA", to="CUSL"))
    emb = estimate_pls(d2, mm2, sm2)
    syntax = SIMPLE_HOC_SYNTAX.format(op="=~")
    a, b = summary(ri), summary(emb)
    a["syntax"] = b["syntax"] = syntax
    return a, b


def main():
    ref = {"_source": f"seminr {version('seminr')} (PyPI, the Python port of R seminr), "
                      "tests/reference/pls_seminr_ext.py"}
    for name, method in (("two_stage", two_stage), ("product_indicator", product_indicator),
                         ("orthogonal", orthogonal)):
        out, model = moderation(method)
        if name == "two_stage":
            out["boot"] = boot(model, {"CUSA*SC": "CUSA:SC"})
        ref[f"moderation_{name}"] = out
        print(name, [p for p in out["paths"] if p["from"] == "CUSA:SC"])
    ref["plsc_simple"], _ = plsc(False)
    ref["plsc_extended"], model = plsc(True)
    ref["plsc_extended"]["boot"] = boot(model)
    ref["hoc_reputation"], model = hoc(mode_A)
    ref["hoc_reputation"]["boot"] = boot(model)
    ref["hoc_formative"], _ = hoc(mode_B)
    ref["hoc_mobi"] = hoc_mobi()
    ref["ri_reputation"], ref["embedded_reputation"] = repeated_and_embedded()
    (HERE / "pls_seminr_ext.json").write_text(json.dumps(ref, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
