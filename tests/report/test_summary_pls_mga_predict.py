"""The executive summary's PLS-MGA and PLSpredict sentences (issue #33): group differences that survive and
the predictive power, in English and Chinese, from pls_mga.csv, pls_micom.csv and pls_predict.csv."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from csat.intake.preflight import load_study
from csat.report import summary as S

ROOT = Path(__file__).resolve().parents[2]


def _params(**pls):
    return load_study(ROOT / "params" / "ecsi_pls.yaml", {f"pls.{k}": v for k, v in pls.items()}, root=ROOT,
                      check_data=False)


def _labels(p):
    return {c: (p.constructs[c].label or c, p.constructs[c].label_zh or c) for c in p.constructs}


MGA = pd.DataFrame({"lhs": ["LOY", "LOY", "SAT"], "op": "~", "rhs": ["SAT", "IMAG", "VAL"],
                    "group1": "female", "group2": "male", "est.group1": [0.26, 0.47, 0.48],
                    "est.group2": [0.72, 0.08, 0.27], "diff": [-0.46, 0.39, 0.21],
                    "pvalue.henseler": [0.001, 0.01, 0.03], "pvalue.permutation": [0.002, 0.004, 0.02]})
MICOM = pd.DataFrame({"group1": "female", "group2": "male", "construct": ["IMAG", "SAT", "LOY", "VAL"],
                      "compositional": [True, True, True, False]})


def test_mga_sentence_names_surviving_differences_only():
    p = _params(mga={"group": "gender"})
    out = S._pls_mga_sentences({"pls_mga.csv": MGA, "pls_micom.csv": MICOM}, _labels(p), p)
    assert [s["key"] for s in out] == ["pls_mga"]
    en, zh = out[0]["en"], out[0]["zh"]
    assert "Satisfaction → Loyalty (Female 0.26, Male 0.72)" in en and "Image → Loyalty" in en
    assert "Perceived value" not in en                    # VAL is not compositionally invariant
    assert "满意度 → 忠诚" in zh and "女性" in zh
    none = S._pls_mga_sentences({"pls_mga.csv": MGA.assign(**{"pvalue.permutation": 0.5}), "pls_micom.csv": MICOM},
                                _labels(p), p)
    assert [s["key"] for s in none] == ["pls_mga_none"]
    assert S._pls_mga_sentences({"pls_mga.csv": MGA, "pls_micom.csv": MICOM}, _labels(p), _params()) == []


def test_predict_sentence():
    p = _params()
    t = pd.DataFrame({"indicator": ["sat1", "sat2", "sat1", "sat2"], "construct": "SAT",
                      "technique": ["EA", "EA", "DA", "DA"], "rmse.pls": [1.0, 1.2, 1.0, 1.0],
                      "rmse.lm": [1.1, 1.1, 0.9, 0.9], "q2.predict": [0.3, 0.2, 0.3, 0.2], "target": True})
    out = S._pls_predict_sentences({"pls_predict.csv": t}, _labels(p))
    assert out[0]["en"].startswith("Out of sample (PLSpredict, Shmueli et al. 2019) the model has medium predictive "
                                   "power for Satisfaction: it predicts 1 of 2 indicators")
    assert "预测能力中等" in out[0]["zh"] and out[0]["numbers"] == {"k": 1, "n": 2}
    assert S._pls_predict_sentences({"pls_predict.csv": None}, _labels(p)) == []
