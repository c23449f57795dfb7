"""csat.analyses.structural's PLS-MGA and PLSpredict steps (issue #33): what they show and write, in English
and Chinese; off when the params do not ask for them."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from csat.analyses import structural as S
from csat.core.i18n import is_chinese
from csat.intake.preflight import load_study
from csat.sem import pls

ROOT = Path(__file__).resolve().parents[2]


def _study(language: str = "en", **pls_opts):
    over = {"language": language, **{f"pls.{k}": v for k, v in pls_opts.items()}}
    p = load_study(ROOT / "params" / "ecsi_pls.yaml", over, root=ROOT, check_data=False)
    return p.model_copy(update={"bootstrap": 200})


@pytest.fixture(scope="module")
def ecsi(shared_dir):
    return pd.read_csv(shared_dir / "datasets" / "ecsi_satisfaction.csv")


@pytest.mark.parametrize("language", ["en", "zh"])
def test_mga_step(ecsi, language):
    p = _study(language, mga={"group": "gender", "permutations": 200})
    res = pls.pls_fit(S.study_model(p).syntax, ecsi)
    labels = {c: p.construct_label(c) for c in p.constructs}
    step = S.pls_mga_step(p, ecsi, res.spec, labels)
    files = step.files()
    assert list(files["pls_mga.csv"].columns[:10]) == ["lhs", "op", "rhs", "group1", "group2", "est.group1",
                                                         "est.group2", "diff", "pvalue.henseler", "pvalue.permutation"]
    assert len(files["pls_mga.csv"]) == len(res.spec.paths) and len(files["pls_micom.csv"]) == 6
    kinds = [s[0] for s in step.shown]
    assert kinds == ["table", "table", "table", "say", "say"]
    text = step.shown[3][1]
    assert ("MICOM" in text) and (("女性" in text) if is_chinese(language) else ("Female" in text))
    surv = S.mga_surviving(step.comparisons, step.micom)
    assert ((surv["pvalue.henseler"] < .05) & (surv["pvalue.permutation"] < .05)).all()


def test_mga_off_and_missing_column(ecsi):
    p = _study()
    assert S.pls_mga_step(p, ecsi, pls.pls_spec(S.study_model(p).syntax), {}).files() == \
        {"pls_mga.csv": None, "pls_micom.csv": None, "pls_mga_groups.csv": None}
    p = _study(mga={"group": "branch"})
    step = S.pls_mga_step(p, ecsi, pls.pls_spec(S.study_model(p).syntax), {})
    assert [d.code for d in step.diagnostics] == ["pls_mga_group_skipped"] and step.comparisons is None


@pytest.mark.parametrize("language", ["en", "zh"])
def test_predict_step(ecsi, language):
    p = _study(language, predict={"folds": 5, "repetitions": 2})
    spec = pls.pls_spec(S.study_model(p).syntax)
    step = S.pls_predict_step(p, ecsi, spec, {c: p.construct_label(c) for c in p.constructs}, "SAT")
    t = step.files()["pls_predict.csv"]
    assert list(t.columns[:1]) == ["indicator"] and {"rmse.pls", "mae.pls", "rmse.lm", "mae.lm",
                                                      "q2.predict"} <= set(t.columns)
    assert sorted(t.loc[t["target"], "indicator"].unique()) == ["sat1", "sat2", "sat3", "sat4"]
    assert step.verdict in ("none", "low", "medium", "high")
    verdict_text = step.shown[1][1]
    assert ("预测能力" in verdict_text) if is_chinese(language) else ("predictive power" in verdict_text)
    assert S.pls_predict_step(_study(predict=None), ecsi, spec, {}, "SAT").files() == {"pls_predict.csv": None}
