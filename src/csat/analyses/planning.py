"""The survey plan of a study (``make plan``), before fieldwork: the study-aware part of
:mod:`csat.stats.planning`.

:func:`compute_plan` reads the params' ``design:`` block (:class:`csat.config.params.DesignSpec`) and the
study's model, and returns the plan as plain numbers (``results/plan.json``); :func:`plan_sections`
writes its texts and tables in the study's language; :mod:`csat.report.plan` renders them (HTML, PDF).

Choices: the overall n is the larger of Cochran's n for a proportion (``design.margin``, ``design.p``)
and for the 0–100 index (half-width ``100 · design.margin`` points, SD ``design.index_sd``), both times
``design.deff`` and with the finite-population correction (``design.population``, or the sum of the
strata). Over strata it is allocated as ``design.allocation`` says, and each stratum is raised to the n
that gives it ``design.margin_group`` on its own (both estimates, its own population). The SEM part takes
the model's degrees of freedom and free parameters from the compiled model (:func:`csat.sem.build_model`,
as 05_sem fits it).
"""
from __future__ import annotations

import math

import pandas as pd

from csat.core.errors import CsatError
from csat.analyses.labels import column_label, level_label
from csat.core.i18n import N_, tr
from csat.sem import build_model
from csat.sem.syntax import observed_names, parse_model
from csat.sem.templates import model_spec
from csat.stats import planning as pl

__all__ = ["model_size", "compute_plan", "plan_sections", "planned_vs_achieved", "ALLOCATION_NAMES", "RULE_MIN_N", "RULE_PER_PARAM"]

#: the rules of thumb shown beside the power analysis
RULE_PER_PARAM = 10
RULE_MIN_N = 200
RMSEA0, RMSEA_A, ALPHA = 0.05, 0.08, 0.05

ALLOCATION_NAMES = {"proportional": N_("proportional allocation"), "neyman": N_("Neyman allocation"),
                    "equal": N_("equal allocation")}


def model_size(params) -> dict:
    """The study's model as 05_sem compiles it: ``{"df", "npar", "source"}``, or ``{"error": why}`` when
    maximum likelihood cannot compile it (a PLS model with composites, a model not identified)."""
    try:
        spec = model_spec(params.constructs, getattr(params, "model", None), getattr(params, "model_template", None))
        cm = build_model(spec.syntax, observed_names(parse_model(spec.syntax)))
    except (CsatError, ValueError) as err:
        return {"error": str(err)}
    return {"df": int(cm.df), "npar": int(cm.npar), "source": spec.source}


def _ceil(x: float) -> int:
    return int(math.ceil(x - 1e-9))


def compute_plan(params) -> dict:
    """The plan of ``params`` (its ``design`` block, defaults when absent) as plain numbers."""
    from csat.config.params import DesignSpec

    d = params.design or DesignSpec()
    margin_index = 100 * d.margin
    strata = next(iter(d.strata.values())) if d.strata else None
    population = float(sum(strata.values())) if strata else d.population
    sizes = {
        "proportion": {"margin": d.margin, "p": d.p,
                       "n0": pl.n_proportion(d.margin, d.p),
                       "n": pl.n_proportion(d.margin, d.p, population=population, deff=d.deff)},
        "index": {"margin": margin_index, "sd": d.index_sd,
                  "n0": pl.n_mean(margin_index, d.index_sd),
                  "n": pl.n_mean(margin_index, d.index_sd, population=population, deff=d.deff)},
    }
    required = max(_ceil(sizes["proportion"]["n"]), _ceil(sizes["index"]["n"]))
    out = {"margin": d.margin, "margin_index": margin_index, "p": d.p, "index_sd": d.index_sd,
           "population": population, "deff": d.deff, "level": 0.95, "sizes": sizes, "required": required,
           "allocation": d.allocation if strata else None, "stratum_column": d.stratum_column,
           "margin_group": d.margin_group, "strata": None}
    if strata:
        sds = {k: float((d.strata_sd or {}).get(k, d.index_sd)) for k in strata}
        minimum = {}
        if d.margin_group is not None:
            for k, N in strata.items():
                minimum[k] = max(pl.n_proportion(d.margin_group, d.p, population=N, deff=d.deff),
                                 pl.n_mean(100 * d.margin_group, sds[k], population=N, deff=d.deff))
        tab = pl.allocate(required, strata, d.allocation, sds=sds, minimum=minimum)
        tab["margin_proportion"] = [pl.margin_proportion(n, d.p, population=N, deff=d.deff)
                                    for n, N in zip(tab["n"], tab["population"])]
        tab["margin_index"] = [pl.margin_mean(n, s, population=N, deff=d.deff)
                               for n, s, N in zip(tab["n"], tab["sd"], tab["population"])]
        total = int(tab["n"].sum())
        N = tab["population"].astype(float)
        sp = (d.p * (1 - d.p) * N / (N - 1)) ** 0.5
        achieved_p = pl.stratified_margin(tab["n"], N, sp, deff=d.deff)
        achieved_i = pl.stratified_margin(tab["n"], N, tab["sd"], deff=d.deff)
        tab["invite"] = [pl.invitations(n, d.response_rate, d.valid_rate) for n in tab["n"]]
        if d.cost_per_interview is not None:
            tab["cost"] = tab["n"] * d.cost_per_interview
        out["strata"] = tab.to_dict(orient="records")
    else:
        total = required
        achieved_p = pl.margin_proportion(total, d.p, population=population, deff=d.deff)
        achieved_i = pl.margin_mean(total, d.index_sd, population=population, deff=d.deff)
    out.update({"n": total, "achieved_margin": achieved_p, "achieved_margin_index": achieved_i,
                "response_rate": d.response_rate, "valid_rate": d.valid_rate,
                "invite": (sum(r["invite"] for r in out["strata"]) if strata
                           else pl.invitations(total, d.response_rate, d.valid_rate)),
                "cost_per_interview": d.cost_per_interview,
                "cost": None if d.cost_per_interview is None else total * d.cost_per_interview})
    size = model_size(params)
    sem = {"rmsea0": RMSEA0, "rmsea_a": RMSEA_A, "alpha": ALPHA, "power_target": d.power, **size}
    if "df" in size and size["df"] > 0:
        sem["power"] = pl.rmsea_power(size["df"], total, RMSEA0, RMSEA_A, ALPHA)
        sem["n_for_power"] = pl.rmsea_sample_size(size["df"], d.power, RMSEA0, RMSEA_A, ALPHA)
        sem["n_per_param"] = RULE_PER_PARAM * size["npar"]
        sem["n_min"] = RULE_MIN_N
    out["sem"] = sem
    return out


def _pts(x: float) -> str:
    return f"±{x:.1f}"


def _money(x: float) -> str:
    return f"{x:,.0f}"


def plan_sections(plan: dict, language: str = "en") -> list[dict]:
    """The plan's sections in ``language``: ``{"id", "heading", "paragraphs", "tables": [(caption, df)]}``."""
    sizes = plan["sizes"]
    sections = []
    # 1. sample size
    rows = [
        {tr("Estimate", language): tr("Proportion (top-2 box, NPS categories)", language),
         tr("Target margin (points)", language): _pts(100 * sizes["proportion"]["margin"]),
         tr("Assumption", language): f"p = {sizes['proportion']['p']:g}",
         tr("n (infinite population)", language): f"{sizes['proportion']['n0']:.1f}",
         tr("n (planned)", language): f"{_ceil(sizes['proportion']['n'])}"},
        {tr("Estimate", language): tr("Index (0–100)", language),
         tr("Target margin (points)", language): _pts(sizes["index"]["margin"]),
         tr("Assumption", language): f"SD = {sizes['index']['sd']:g}",
         tr("n (infinite population)", language): f"{sizes['index']['n0']:.1f}",
         tr("n (planned)", language): f"{_ceil(sizes['index']['n'])}"},
    ]
    paras = [tr("Cochran's formula gives the number of completed interviews for a 95 % confidence interval of "
                "the wanted half-width (margin of error): n₀ = z²·p(1 − p)/e² for a proportion, n₀ = z²·σ²/e² for "
                "the 0–100 index (z = 1.96).", language)]
    if plan["deff"] != 1:
        paras.append(tr("Both are multiplied by the design effect {deff} (unequal weights or clustering).",
                        language, deff=f"{plan['deff']:g}"))
    if plan["population"]:
        paras.append(tr("The finite-population correction n = n₀/(1 + (n₀ − 1)/N) uses a population of N = {N}.",
                        language, N=_money(plan["population"])))
    paras.append(tr("The plan takes the larger of the two: {n} completed interviews before stratification.",
                    language, n=plan["required"]))
    sections.append({"id": "sample-size", "heading": tr("Sample size", language), "paragraphs": paras,
                     "tables": [(tr("Sample size by estimate (95 % confidence level)", language), pd.DataFrame(rows))]})
    # 2. strata
    if plan["strata"]:
        col = plan["stratum_column"]
        rows = []
        for r in plan["strata"]:
            row = {tr("Stratum", language): str(r["stratum"]),
                   tr("Population", language): _money(r["population"]),
                   tr("Share", language): f"{100 * r['share']:.1f}%",
                   tr("SD of the index", language): f"{r['sd']:g}",
                   tr("Allocated", language): f"{r['exact']:.1f}",
                   tr("Minimum", language): f"{r['minimum']:.1f}" if r["minimum"] else "–",
                   tr("n", language): str(r["n"]),
                   tr("Margin, proportion", language): _pts(100 * r["margin_proportion"]),
                   tr("Margin, index", language): _pts(r["margin_index"]),
                   tr("Invitations", language): str(r["invite"])}
            if "cost" in r:
                row[tr("Cost", language)] = _money(r["cost"])
            rows.append(row)
        total = {tr("Stratum", language): tr("Total", language),
                 tr("Population", language): _money(plan["population"]), tr("Share", language): "100.0%",
                 tr("SD of the index", language): "", tr("Allocated", language): f"{plan['required']}",
                 tr("Minimum", language): "", tr("n", language): str(plan["n"]),
                 tr("Margin, proportion", language): _pts(100 * plan["achieved_margin"]),
                 tr("Margin, index", language): _pts(plan["achieved_margin_index"]),
                 tr("Invitations", language): str(plan["invite"])}
        if plan["cost"] is not None:
            total[tr("Cost", language)] = _money(plan["cost"])
        rows.append(total)
        method = ALLOCATION_NAMES[plan["allocation"]]
        paras = [tr("The sample is stratified by {column} ({allocation}).", language, column=col,
                    allocation=tr(method, language))]
        if plan["allocation"] == "neyman":
            paras.append(tr("Neyman allocation gives each stratum a share proportional to its population times the "
                            "standard deviation of the index there, which makes the overall estimate most precise "
                            "for a given n.", language))
        if plan["margin_group"] is not None:
            paras.append(tr("Each stratum is raised, where needed, to the minimum that gives it a margin of {m} "
                            "points on its own; the total becomes {n}.", language,
                            m=_pts(100 * plan["margin_group"]), n=plan["n"]))
        paras.append(tr("With this allocation the overall margin is {mp} points for a proportion and {mi} points "
                        "for the index (stratified estimate, 95 % confidence level).", language,
                        mp=_pts(100 * plan["achieved_margin"]), mi=_pts(plan["achieved_margin_index"])))
        sections.append({"id": "strata", "heading": tr("Stratified allocation", language), "paragraphs": paras,
                         "tables": [(tr("Allocation of the sample over {column}", language, column=col),
                                     pd.DataFrame(rows))]})
    # 3. fieldwork
    rows = [(tr("Completed valid interviews", language), str(plan["n"])),
            (tr("Expected response rate", language), f"{100 * plan['response_rate']:.0f}%"),
            (tr("Expected valid rate (after cleaning)", language), f"{100 * plan['valid_rate']:.0f}%"),
            (tr("People to invite", language), str(plan["invite"])),
            (tr("Margin, proportion", language), _pts(100 * plan["achieved_margin"])),
            (tr("Margin, index", language), _pts(plan["achieved_margin_index"]))]
    if plan["cost"] is not None:
        rows.append((tr("Cost ({price} per interview)", language, price=f"{plan['cost_per_interview']:g}"),
                     _money(plan["cost"])))
    paras = [tr("To obtain {n} valid interviews at a response rate of {rr} and a valid rate of {vr}, invite {inv} "
                "people.", language, n=plan["n"], rr=f"{100 * plan['response_rate']:.0f}%",
                vr=f"{100 * plan['valid_rate']:.0f}%", inv=plan["invite"])]
    sections.append({"id": "fieldwork", "heading": tr("Fieldwork", language), "paragraphs": paras,
                     "tables": [(tr("Fieldwork and cost", language),
                                 pd.DataFrame(rows, columns=[tr("Item", language), tr("Value", language)]))]})
    # 4. SEM power
    sem = plan["sem"]
    if "power" in sem:
        paras = [tr("The study's model has {df} degrees of freedom and {npar} free parameters. At n = {n}, the test "
                    "of close fit (H₀: RMSEA ≤ {r0} against RMSEA = {ra}, α = {alpha}; MacCallum, Browne & Sugawara "
                    "1996) has a power of {power}; a power of {target} needs n = {n_power}.", language,
                    df=sem["df"], npar=sem["npar"], n=plan["n"], r0=f"{sem['rmsea0']:.2f}", ra=f"{sem['rmsea_a']:.2f}",
                    alpha=f"{sem['alpha']:.2f}", power=f"{sem['power']:.2f}", target=f"{sem['power_target']:.2f}",
                    n_power=sem["n_for_power"]),
                 tr("Rules of thumb ask for {n10} respondents (10 per free parameter) and at least {nmin}.",
                    language, n10=sem["n_per_param"], nmin=sem["n_min"])]
        rows = [(tr("Power of the test of close fit at the planned n", language), f"{sem['power']:.3f}"),
                (tr("n for a power of {target}", language, target=f"{sem['power_target']:.2f}"), str(sem["n_for_power"])),
                (tr("10 respondents per free parameter", language), str(sem["n_per_param"])),
                (tr("Minimum sample size", language), str(sem["n_min"]))]
        tables = [(tr("Sample size for the structural equation model", language),
                   pd.DataFrame(rows, columns=[tr("Criterion", language), tr("Value", language)]))]
    else:
        paras = [tr("No power analysis: the model cannot be compiled for maximum likelihood ({why}).", language,
                    why=sem.get("error", "df = 0"))]
        tables = []
    sections.append({"id": "sem-power", "heading": tr("Statistical power of the structural model", language),
                     "paragraphs": paras, "tables": tables})
    return sections


def planned_vs_achieved(params, profile: pd.DataFrame, language: str = "en") -> tuple[str, pd.DataFrame] | None:
    """The methods' table of a built study with a stratified plan: per stratum of ``design.strata``, the
    planned n and margin (:func:`compute_plan`) beside the achieved n (``profile``: the 02 stage's
    ``sample_profile.csv``, columns ``variable, level, n``) and the margin it gives (a proportion at
    ``design.p``, the stratum's population, ``design.deff``); the last row the stratified total.
    None when the study has no strata or the profile lacks the stratum column."""
    if params.design is None or not params.design.strata:
        return None
    plan = compute_plan(params)
    d = params.design
    col = d.stratum_column
    got = profile[profile["variable"].astype(str) == col]
    if got.empty:
        return None
    achieved = {str(k): int(v) for k, v in zip(got["level"], got["n"])}
    cols = [tr("Stratum", language), tr("Planned n", language), tr("Achieved n", language),
            tr("Planned margin", language), tr("Achieved margin", language)]
    rows, ns, Ns = [], [], []
    for r in plan["strata"]:
        n = achieved.get(str(r["stratum"]), 0)
        ns.append(max(n, 1))
        Ns.append(float(r["population"]))
        m = pl.margin_proportion(n, d.p, population=r["population"], deff=d.deff) if n > 1 else None
        rows.append([level_label(params, col, r["stratum"], language), str(r["n"]), str(n), _pts(100 * r["margin_proportion"]),
                     "–" if m is None else _pts(100 * m)])
    N = pd.Series(Ns)
    sp = (d.p * (1 - d.p) * N / (N - 1)) ** 0.5
    total = pl.stratified_margin(ns, Ns, sp, deff=d.deff)
    rows.append([tr("Total", language), str(plan["n"]), str(sum(achieved.get(str(r["stratum"]), 0)
                                                                   for r in plan["strata"])),
                 _pts(100 * plan["achieved_margin"]), _pts(100 * total)])
    caption = tr("Planned and achieved sample by {column} (margin of a proportion, points)", language,
                 column=column_label(params, col, language))
    return caption, pd.DataFrame(rows, columns=cols)
