"""csat.sem.pls.higher_order: higher-order constructs against seminr 0.2.1 (tests/reference/pls_seminr_ext.py):
the disjoint two-stage approach (``higher_composite``, Mode A and B, corporate reputation and mobi), the
repeated-indicators model and the embedded two-stage approach (seminr's ``estimate_pls`` of each stage)."""
from __future__ import annotations

import pytest

from csat.sem import pls
from csat.sem.syntax import ModelSyntaxError
from sem.pls.ext_ref import EXT, check_boot, check_point, corp, mobi


@pytest.mark.parametrize("name,approach", [("hoc_reputation", "disjoint"), ("hoc_formative", "disjoint"),
                                           ("hoc_mobi", "disjoint"), ("embedded_reputation", "embedded"),
                                           ("ri_reputation", "repeated")])
def test_higher_order_equals_seminr(name, approach):
    r = EXT[name]
    res = pls.pls_fit(r["syntax"], mobi() if "mobi" in name else corp(), higher_order=approach)
    if approach == "repeated":                    # the repeated indicators are the columns item@REP
        r = {**r, **{k: {**r[k], "REP": {f"{i}@REP": v for i, v in r[k]["REP"].items()}}
                     for k in ("weights", "loadings")}}
    check_point(res, r)
    if "first_stage" in r:
        check_point(res.first_stage, r["first_stage"])


def test_disjoint_bootstrap_and_both_levels():
    r = EXT["hoc_reputation"]
    res = pls.pls_fit(r["syntax"], corp())
    check_boot(res, r, pls)
    q = pls.level_quality(res).set_index("construct")
    assert q.loc["REP", "level"] == 2 and q.loc["COMP", "level"] == 1
    assert q.loc[["REP", "COMP", "LIKE", "CUSL"], "ave"].notna().all()
    rows = pls.first_stage_rows(res)
    assert set(rows["lhs"]) == {"COMP", "LIKE"}
    est = res.estimates()
    assert ((est["lhs"] == "REP") & (est["op"] == "=~") & (est["rhs"] == "COMP")).any()


def test_higher_order_with_moderation_and_plsc_runs():
    syntax = EXT["hoc_reputation"]["syntax"].replace("CUSL ~ REP + CUSA", "SC =~ switch_1 + switch_2 + switch_3 + "
                                                     "switch_4\nCUSL ~ REP + CUSA + SC + CUSA:SC")
    res = pls.pls_fit(syntax, corp(), consistent=True)
    assert "CUSA:SC" in res.paths.columns
    boot = pls.bootstrap_pls(res, 20, seed=1, workers=1)
    assert boot.counts()["n_ok"] == 20
    f2 = pls.f_squared(res).set_index(["from", "to"])["f2"]
    assert f2[("REP", "CUSA")] > 0 and f2[("CUSA:SC", "CUSL")] >= 0


def test_higher_order_syntax():
    m = pls.pls_model("A =~ a1 + a2; B =~ b1 + b2; H <~ A + B; Y =~ y1 + y2; Y ~ H")
    assert m.hocs == {"H": ("A", "B")} and m.modes["H"] == "B" and ("H", "Y") in m.paths
    with pytest.raises(ModelSyntaxError, match="structural path of its own"):
        pls.pls_model("A =~ a1 + a2; B =~ b1 + b2; H =~ A + B; Y =~ y1 + y2; Y ~ H + A")
    with pytest.raises(ModelSyntaxError, match="item"):
        pls.pls_model("A =~ a1 + a2; B =~ b1 + b2; H =~ A + B + x; Y =~ y1 + y2; Y ~ H")
    with pytest.raises(ModelSyntaxError, match="pls_fit"):
        pls.pls_spec("A =~ a1 + a2; B =~ b1 + b2; H =~ A + B; Y =~ y1 + y2; Y ~ H")


def test_higher_order_index_lies_between_its_dimensions():
    """The 0–100 index of a higher-order construct is the ACSI-weighted mean of its dimensions' (SmartPLS's IPMA
    performance of a HOC); a product term has no index."""
    r = EXT["hoc_reputation"]
    res = pls.pls_fit(r["syntax"].replace("CUSL ~ REP + CUSA", "SC =~ switch_1 + switch_2 + switch_3 + switch_4\n"
                                          "CUSL ~ REP + CUSA + SC + CUSA:SC"), corp())
    boot = pls.bootstrap_pls(res, 20, seed=1, workers=1, scale=(1, 7), target="CUSL")
    idx = boot.index.set_index("construct")["index"]
    dims = pls.csi_index(res.first_stage, 1, 7)
    assert min(dims["COMP"], dims["LIKE"]) < idx["REP"] < max(dims["COMP"], dims["LIKE"])
    assert "CUSA:SC" not in idx.index and "CUSA:SC" not in set(boot.ipma["from"])
