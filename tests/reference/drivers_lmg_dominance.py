"""Independent LMG reference: general dominance from PyPI ``dominance-analysis`` 1.1.9.

General dominance (Azen & Budescu 2003) = the LMG / Shapley share of R² (Grömping 2006). This
script is run once in a scratch virtual environment (the package pins bokeh 2.4.3 and pulls plotly
and cufflinks, so it is not a project dependency):

    python3.11 -m venv /tmp/da_venv && /tmp/da_venv/bin/pip install dominance-analysis==1.1.9 \
        "numpy<2" pandas==2.2.3
    /tmp/da_venv/bin/python tests/reference/drivers_lmg_dominance.py     (from the project root)

Data: R's swiss (stored in tests/reference/drivers_lmg.json by drivers_lmg.R), Fertility on the
other five; and the real ECSI survey (../shared/datasets/ecsi_satisfaction.csv, 250 respondents),
sat1 on imag1, expe1, qual1, qual2, val1, val2, loy1 (seven predictors, 127 sub-models).
Output: tests/reference/drivers_lmg_dominance.json with the package's "Total Dominance".
"""
import contextlib
import io
import json
from pathlib import Path

import bokeh.io
import pandas as pd

# Compatibility shims that do not touch the computation: the package calls bokeh's
# output_notebook() on import (which fails outside Jupyter with current IPython), and bokeh 2.4.3
# needs numpy < 2 (hence numpy 1.26.4 and pandas 2.2.3 in the scratch venv).
bokeh.io.output_notebook = lambda *a, **k: None
from dominance_analysis import Dominance  # noqa: E402

HERE = Path(__file__).resolve().parent
ECSI = HERE.parents[2] / "shared" / "datasets" / "ecsi_satisfaction.csv"
ECSI_X = ["imag1", "expe1", "qual1", "qual2", "val1", "val2", "loy1"]


def general_dominance(df: pd.DataFrame, target: str) -> dict:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        dom = Dominance(data=df.copy(), target=target, objective=1, top_k=df.shape[1] - 1)
        dom.incremental_rsquare()
        tab = dom.dominance_stats()
    return {k: float(v) for k, v in tab["Total Dominance"].items()}


swiss = pd.DataFrame(json.loads((HERE / "drivers_lmg.json").read_text())["data"])
ecsi = pd.read_csv(ECSI)[["sat1", *ECSI_X]].astype(float)
out = {
    "tool": "dominance-analysis 1.1.9 (PyPI), Dominance(objective=1).dominance_stats()['Total Dominance']",
    "swiss": {"target": "Fertility", "lmg": general_dominance(swiss, "Fertility")},
    "ecsi": {"target": "sat1", "predictors": ECSI_X, "lmg": general_dominance(ecsi, "sat1")},
}
(HERE / "drivers_lmg_dominance.json").write_text(json.dumps(out, indent=1) + "\n")
print("wrote", HERE / "drivers_lmg_dominance.json")
