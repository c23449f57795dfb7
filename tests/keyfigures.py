"""Key figures of the demo study's results, for the regression test that speed-ups change nothing.

Regenerate the stored copy (only when a change is *meant* to alter results, and say why in the
commit):  python tests/keyfigures.py reports/demo/results > tests/reference/demo_key_figures.json
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd


def key_figures(results: Path) -> dict:
    results = Path(results)
    out: dict = {}
    cl = json.loads((results / "cleaning.json").read_text())
    out["cleaning"] = {"n_raw": cl["n_raw"], "n_clean": cl["n_clean"], "exclusions": cl["exclusions"]}
    rel = pd.read_csv(results / "reliability.csv")
    out["reliability"] = {r.construct: {"alpha": r.alpha, "omega": r.omega, "cr": r.cr, "ave": r.ave}
                          for r in rel.itertuples()}
    efa = json.loads((results / "efa.json").read_text())
    out["efa"] = {"kmo": efa["kmo"], "n_factors": efa["n_factors"], "bartlett_chisq": efa["bartlett"]["chisq"]}
    for stage in ("cfa", "sem"):
        out[f"{stage}_fit"] = json.loads((results / f"{stage}_fit.json").read_text())
        est = pd.read_csv(results / f"{stage}_estimates.csv")
        out[f"{stage}_estimates"] = {f"{r['lhs']} {r['op']} {r['rhs']}": [r["est"], r["se"], r["std.all"]]
                                     for _, r in est.iterrows()}
    eff = pd.read_csv(results / "sem_effects.csv")
    out["sem_effects"] = {f"{r['from']}->{r['to']}": [r["direct"], r["indirect"], r["total"], r["std.total"]]
                          for _, r in eff.iterrows()}
    scores = pd.read_csv(results / "construct_scores.csv")
    out["index"] = dict(zip(scores["construct"], scores["index"]))
    return out


if __name__ == "__main__":
    print(json.dumps(key_figures(Path(sys.argv[1])), indent=1, sort_keys=True))
