"""A fast integration check of csat.analyses.display: the demo's own descriptive, Kano and SERVQUAL tables, made by
the engines from the demo data and shown as Stage.table shows them, carry no program-speak in English or Chinese
and no English header or categorical cell in Chinese (the study's codes aside)."""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from csat.analyses import drivers as A
from csat.analyses.display import display_table
from csat.config.params import load_params
from csat.stats import descriptives as D, kano as K, servqual as SQ

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = re.compile(r"<NA>|\bnan\b|\bNone\b|\bTrue\b|\bFalse\b|-0\.0+\b(?!\d)")


@pytest.fixture(scope="module")
def tables():
    p = load_params(ROOT / "params" / "demo.yaml", {"language": "zh"})
    raw = pd.read_csv(ROOT / "data" / "raw" / "demo.csv").head(300)
    items = raw[p.items].where((raw[p.items] >= 1) & (raw[p.items] <= 10))
    data = pd.concat([items, raw[p.groups]], axis=1)
    constructs = {n: c.items for n, c in p.constructs.items()}
    scores = D.construct_scores(data, constructs)
    kano_cols = [c for f in p.kano.values() for c in (f.functional, f.dysfunctional)]
    sq_cols = [c for d in p.servqual.values() for c in (*d.expectation, *d.perception)]
    out = {"profile": D.sample_profile(data, p.groups),
           "items": D.item_table(data, p.item_construct, 1, 10),
           "tests": D.group_tests(scores, data[p.groups]).drop(columns=["family"]),
           "posthoc": D.posthoc_tests(scores, data[p.groups]),
           "kano": K.kano_table(raw[kano_cols], A.kano_features(p)).drop(columns=["functional", "dysfunctional"]),
           "gaps": SQ.gaps(raw[sq_cols].where((raw[sq_cols] >= 1) & (raw[sq_cols] <= 10)), A.servqual_dimensions(p))}
    return p, out


CODES = re.compile(r"^(?:[A-Z]{2,5}|[a-z]+\d|sq_\w+|[\w+]+_[ep]|\d+x\d+|[A-Za-z])$")


def test_no_program_speak_and_no_english_in_chinese(tables):
    p, out = tables
    for name, t in out.items():
        for lang in ("en", "zh", "zh-Hant"):
            shown = display_table(t, lang, names=p)
            text = shown.to_html(index=False)
            assert not FORBIDDEN.search(text), (name, lang, FORBIDDEN.search(text).group(0))
            if lang == "en":
                continue
            cells = [str(c) for c in shown.columns] + [str(v) for v in shown.to_numpy().ravel()]
            for cell in cells:
                for word in re.findall(r"[A-Za-z_][A-Za-z_.0-9+]*", cell):
                    if CODES.match(word) or word in p.items or word in ("Welch", "Holm", "Mann", "Whitney",
                                                                         "Kruskal", "Wallis", "Hedges", "Cram", "V",
                                                                         "CI", "d_z", "ANOVA", "NPS"):
                        continue
                    raise AssertionError(f"{name} ({lang}): English {word!r} in {cell!r}")
