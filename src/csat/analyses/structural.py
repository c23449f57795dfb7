"""Study- and language-aware steps of the structural-model stage (05_sem): the study's model from its
params, and for each step of the notebook the tables, figures, sentences and diagnostics it shows, in
the study's language.

The notebook holds two branches (``%%estimator ml`` / ``%%estimator pls`` cells,
:meth:`csat.pipeline.stage.Stage.estimator_cells`):

* **ML** (``estimator: ml``): :func:`ml_estimate_tables` (paths, loadings, variances, R²),
  :func:`ml_effects` (effects with their percentile bootstrap intervals), :func:`path_diagram_caption`,
  :func:`ml_ipma` (the importance–performance map of the standardized total effects) and the
  interpretation :func:`csat.analyses.verdicts.sem_text`;
* **PLS** (``estimator: pls``): :func:`pls_target`, :func:`pls_run`, :func:`pls_measurement` and
  :func:`pls_measurement_tables`, :func:`pls_structural_tables`, :func:`pls_index`, :func:`pls_ipma` and
  the interpretation :func:`pls_text`.

A step whose output depends on the data (a table, or a sentence saying why there is none) returns a
:class:`Step`: what it shows, in order, and its diagnostics; the notebook writes the results files and
calls :meth:`Step.show`.  The engines below take plain arguments: :mod:`csat.sem.templates` (the model
from constructs, model and template), :mod:`csat.sem.structure` (the model's shape),
:mod:`csat.sem.bootstrap` and :mod:`csat.sem.effects` (ML effects), :mod:`csat.sem.pls` (PLS-SEM) and
:mod:`csat.sem.ipma` (importance–performance); the charts are in :mod:`csat.viz.structural`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import re

import numpy as np
import pandas as pd

from csat.analyses.verdicts import error_summary, ipma_priority_text, list_text
from csat.config import checks
from csat.core.diagnostics import Diagnostic, diagnostic
from csat.core.i18n import N_, is_chinese, localize, tr, trc
from csat.sem import effects as eff
from csat.sem import ipma, pls
from csat.sem import structure as shape
from csat.sem.bootstrap import bootstrap_sem
from csat.sem.result import RESULT_EST_COLUMNS
from csat.sem.templates import ModelSpec, model_spec
from csat.viz import structural as charts

__all__ = ["Step", "Effects", "IPMA", "Index", "PLSMeasurement", "PLS_MEASUREMENT_FILES", "study_model", "model_notes", "model_diagnostics",
           "no_structural_text", "no_structural_diagnostic", "ml_estimate_tables", "threshold_table", "ml_effects",
           "path_diagram_caption", "ipma_display", "ml_ipma", "pls_target", "index_scale", "pls_run", "pls_run_table",
           "pls_measurement", "pls_measurement_tables", "pls_measurement_reading", "pls_structural_tables",
           "pls_structural_reading", "pls_index", "pls_ipma", "pls_text", "pls_options", "pls_labels",
           "pls_estimates", "Moderation", "pls_moderation", "moderation_sentence"]
__all__ += ["PLSGroups", "mga_surviving", "pls_mga_step", "Prediction", "pls_predict_step", "PREDICTIVE_POWER"]


@dataclass
class Step:
    """What one step of the stage shows, in order, and the diagnostics it raised.

    shown : list of tuple
        The calls of the notebook's :class:`csat.pipeline.stage.Stage` that show the step:
        ``("table", frame, caption)``, ``("say", sentence)``, ``("figure", fig, name, caption)``.
    diagnostics : list of Diagnostic
    """

    shown: list[tuple] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def show(self, stage) -> None:
        """Show the step on ``stage`` (``stage.table`` / ``stage.say`` / ``stage.figure``, in order)."""
        for method, *args in self.shown:
            getattr(stage, method)(*args)


@dataclass
class Effects(Step):
    """The ML effects step (:func:`ml_effects`): ``effects`` (``sem_effects.csv``), the bootstrap's
    ``counts`` (``sem_bootstrap.json``) and the bootstrap itself (``None`` when none was run)."""

    effects: pd.DataFrame | None = None
    counts: dict = field(default_factory=dict)
    boot: Any = None


@dataclass
class IPMA(Step):
    """An importance–performance step (:func:`ml_ipma`, :func:`pls_ipma`): ``table`` is ``ipma.csv``
    (``None`` when the map does not apply; the shown sentence says why)."""

    table: pd.DataFrame | None = None


def study_model(params) -> ModelSpec:
    """The study's model (:func:`csat.sem.templates.model_spec`): ``params.model``, else the expanded
    ``params.model_template``, else one factor per construct of ``params.constructs``."""
    return model_spec(params.constructs, getattr(params, "model", None), getattr(params, "model_template", None))


def no_structural_text(language: str = "en") -> str:
    """What the SEM stage reports for a model without structural regressions."""
    return tr("The model has no structural part (no `~` regressions): it is a measurement model (a confirmatory "
              "factor analysis). This stage reports its fit, loadings, variances and the correlations between the "
              "factors; there are no effects between constructs, so no bootstrap of effects and no "
              "importance–performance map (IPMA).", language)


def no_structural_diagnostic() -> Diagnostic:
    """The ``no_structural_part`` note of a model without structural regressions."""
    return diagnostic("no_structural_part", "info", "model",
                      N_("The model has no structural regressions (a measurement model): effects, their bootstrap "
                         "and the importance–performance map do not apply and are not reported."))


_TEMPLATE_NOTES = (
    (re.compile(r"^The study has no construct for (?P<missing>.+) of the (?P<template>\w+) template; dropped with its "
                r"paths: (?P<paths>.+)\.$"),
     N_("The study has no construct for {missing} of the {template} template; dropped with its paths: {paths}.")),
    (re.compile(r"^(?P<constructs>.+) lost all its template paths and is left out\.$"),
     N_("{constructs} lost all its template paths and is left out.")),
    (re.compile(r"^Construct\(s\) (?P<constructs>.+) are not part of the (?P<template>\w+) template and are left out of "
                r"the structural model \(give params\.model to include them\)\.$"),
     N_("Construct(s) {constructs} are not part of the {template} template and are left out of the structural model "
        "(write the model in the params file to include them).")),
    (re.compile(r"^Template constructs mapped by name: (?P<pairs>.+)\.$"),
     N_("Template constructs mapped by name: {pairs}.")),
    (re.compile(r"^No model or model_template is given: .*$"),
     N_("The study states no structural model: the model has one factor per construct and no structural paths "
        "(the factors correlate freely).")),
)


def template_note(note: str, language: str = "en") -> str:
    """A note of :func:`csat.sem.templates.expand_template` (English, the engine knows no language) in
    ``language``; a note of another form unchanged.

    >>> template_note("The study has no construct for COMP of the ECSI template; dropped with its paths: SAT -> COMP.", "zh")
    '本研究没有与 ECSI 模板中 COMP 对应的维度；已删除它及其路径：SAT -> COMP。'
    """
    for pattern, message in _TEMPLATE_NOTES:
        m = pattern.match(note)
        if m:
            return tr(message, language, **m.groupdict())
    return note


def model_notes(params, spec: ModelSpec) -> list[str]:
    """The sentences said under the model's syntax, in the study's language: the notes of the model's
    expansion (:attr:`csat.sem.templates.ModelSpec.notes`), what the stage reports for a model without
    structural part (:func:`no_structural_text`) and which constructs have a single item (measured
    without error)."""
    language = params.language
    out = [template_note(n, language) for n in getattr(spec, "notes", []) or []]
    if not shape.has_structural_part(spec.syntax):
        out.append(no_structural_text(language))
    single = shape.single_item_constructs(params.constructs)
    if single:
        out.append(tr("Single-item construct(s) {constructs} are measured without error: the item's residual "
                      "variance is fixed at 0 (as lavaan does), so the construct is the item.", language,
                      constructs=list_text([params.construct_label(c) for c in single], language)))
    return out


def model_diagnostics(spec: ModelSpec) -> list[Diagnostic]:
    """The model's own diagnostics: :func:`no_structural_diagnostic` when it has no ``~`` regression."""
    return [] if shape.has_structural_part(spec.syntax) else [no_structural_diagnostic()]


def threshold_table(est: pd.DataFrame) -> pd.DataFrame | None:
    """The thresholds (rows ``item | t1`` … of an ordinal fit's estimates) as one row per item with the columns
    ``item, t1, t2, …`` (blank where an item has fewer categories); None without thresholds.

    >>> est = pd.DataFrame({"lhs": ["y1", "y1", "y2"], "op": "|", "rhs": ["t1", "t2", "t1"], "est": [-1.0, 0.5, 0.2]})
    >>> threshold_table(est)
      item   t1   t2
    0   y1 -1.0  0.5
    1   y2  0.2  NaN
    """
    th = est[est["op"] == "|"]
    if th.empty:
        return None
    items = list(dict.fromkeys(th["lhs"]))
    cols = sorted(dict.fromkeys(th["rhs"]), key=lambda t: int(str(t)[1:]) if str(t)[1:].isdigit() else 0)
    wide = th.pivot(index="lhs", columns="rhs", values="est").reindex(index=items, columns=cols)
    wide.columns.name = None
    return wide.rename_axis("item").reset_index()


def ml_estimate_tables(fit, est: pd.DataFrame, labels: Mapping[str, str], structural: bool,
                       language: str = "en") -> list[tuple[pd.DataFrame, str]]:
    """The estimate tables of an ML fit with their captions, in the order shown: structural paths and
    defined parameters (with a structural part), loadings, variances and covariances (their captions name
    a robust estimator's standard errors: "(MLR, robust standard errors)"), the thresholds of ordered items
    (:func:`threshold_table`, WLSMV), R² of the
    latent endogenous constructs (when there are any) and, for a measurement model with several
    factors, the factor correlations.

    Parameters
    ----------
    fit : csat.sem.SEMResult
    est : DataFrame
        The estimates of :func:`csat.sem.result_tables` (``sem_estimates.csv``).
    labels : mapping
        ``{construct: label}``.
    structural : bool
        Whether the model has ``~`` regressions (:func:`csat.sem.structure.has_structural_part`).
    language : str

    Returns
    -------
    list of (DataFrame, str)
    """
    cols = RESULT_EST_COLUMNS
    out = []
    name = getattr(fit, "estimator", "ML")

    def cap(caption: str) -> str:             # a robust estimator: its standard errors named
        return caption if name == "ML" else tr("{caption} ({estimator}, robust standard errors)", language,
                                               caption=caption, estimator=name)
    if structural:
        out.append((est[est["op"].isin(["~", ":="])][cols], cap(tr("Structural paths and defined parameters",
                                                                   language))))
    out.append((est[est["op"] == "=~"][cols], cap(tr("Measurement model (loadings)", language))))
    out.append((est[est["op"] == "~~"][cols], cap(tr("Variances and covariances", language))))
    th = threshold_table(est)
    if th is not None:                         # WLSMV: the thresholds, one row per ordered item
        out.append((th, tr("Thresholds of the ordered items ({estimator}): the latent response, in standard "
                           "deviations, above which the answer is the next category up (t1 = between the lowest two)",
                           language, estimator=name)))
    r2 = fit.r2.copy()
    r2_lat = r2[r2["variable"].isin(fit.latent)].assign(label=lambda d: d["variable"].map(labels))
    if len(r2_lat):
        out.append((r2_lat, tr("Explained variance (R²) of the endogenous constructs", language)))
    if not structural and len(fit.latent) > 1:
        out.append((shape.factor_correlations(est, list(fit.latent), labels),
                    tr("Correlations between the factors (std.all of the factor covariances)", language)))
    return out


def _no_draws() -> eff.BootstrapDraws:
    return eff.BootstrapDraws([], np.empty((0, 0)), np.array([]))


def ml_effects(fit, data: pd.DataFrame, params, structural: bool, map_chunks=None, workers: int | None = None) -> Effects:
    """The direct, indirect and total effects of an ML fit with their percentile bootstrap intervals
    (``params.bootstrap`` resamples seeded by ``params.seed``, :func:`csat.sem.bootstrap.bootstrap_sem`).

    Without a structural part or with ``bootstrap: 0`` no bootstrap is run: the effects have no
    intervals and a sentence says why.  The diagnostics are the params' notes on the bootstrap
    (:func:`csat.config.checks.params_diagnostics`, with a structural part) and the failed or
    inadmissible resamples.  Shown: the resample counts, the defined parameters' intervals, the
    effects table.  ``map_chunks`` and ``workers`` run the resamples elsewhere (a cluster,
    :func:`csat.pipeline.cluster.bootstrap_options`), with the same draws.
    """
    language = params.language
    step = Effects()
    if structural:
        step.diagnostics += checks.params_diagnostics(params)   # e.g. fewer than 1000 resamples
    if not structural:
        step.effects = eff.effects_with_ci(eff.sem_effects(fit), _no_draws())
        step.counts = {"n_requested": 0}
        step.shown.append(("say", tr("No structural part: there are no effects between constructs and no "
                                     "bootstrap.", language)))
    elif params.bootstrap > 0:
        boot = bootstrap_sem(fit, data, n_boot=params.bootstrap, seed=params.seed, workers=workers, map_chunks=map_chunks)
        step.boot, step.effects, step.counts = boot, boot.effects, boot.counts()
        step.diagnostics += eff.bootstrap_diagnostics(boot.draws, "bootstrap")
        step.shown.append(("table", pd.DataFrame([step.counts]), tr("Bootstrap resamples", language)))
        if len(boot.defined):
            step.shown.append(("table", boot.defined,
                               tr("Defined parameters with percentile bootstrap intervals", language)))
    else:
        step.effects = eff.effects_with_ci(eff.sem_effects(fit), _no_draws())
        step.counts = {"n_requested": 0}
        step.shown.append(("say", tr("No bootstrap was run (bootstrap = 0); effects are shown without intervals.",
                                     language)))
    if structural:
        show = step.effects[["from", "to", "direct", "indirect", "total", "std.direct", "std.indirect", "std.total",
                             "std.total.ci.lower", "std.total.ci.upper"]]
        step.shown.append(("table", show, tr("Effects between constructs (95% percentile bootstrap CI of the "
                                             "standardized total effect, B = {n_boot})", language,
                                             n_boot=params.bootstrap)))
    return step


def path_diagram_caption(structural: bool, language: str = "en") -> str:
    """The caption of the ML path diagram (a measurement model's diagram shows the loadings and the
    factor correlations instead of paths)."""
    if structural:
        return tr("Path diagram with standardized coefficients and R²", language)
    return tr("Measurement model: factors with their items' standardized loadings and the factor correlations",
              language)


def ipma_display(table: pd.DataFrame, language: str = "en") -> pd.DataFrame:
    """The columns of an :func:`csat.sem.ipma.ipma_table` a reader sees, in ``language``: ``label,
    importance, performance`` and the quadrant and action in the report's script (the bilingual
    columns ``quadrant_en``/``quadrant_zh``, ``action_en``/``action_zh`` of ``ipma.csv``)."""
    if not is_chinese(language):
        return table[["label", "importance", "performance", "quadrant_en", "action_en"]].rename(
            columns={"quadrant_en": "quadrant", "action_en": "action"})
    out = table[["label", "importance", "performance", "quadrant_zh", "action_zh"]]
    return pd.DataFrame({"label": out["label"], "importance": out["importance"], "performance": out["performance"],
                         "quadrant": [localize(x, language) for x in out["quadrant_zh"]],
                         "action": [localize(x, language) for x in out["action_zh"]]}, index=out.index)


def _ipma_shown(step: IPMA, table: pd.DataFrame, target_label: str, language: str, unstandardized: bool) -> None:
    step.shown.append(("table", ipma_display(table, language),
                       tr("Importance–performance for {target}", language, target=target_label)))
    step.shown.append(("figure", charts.ipma_chart(table, target_label, language, unstandardized=unstandardized),
                       "ipma", tr("Importance–performance map for {target}", language, target=target_label)))


def _ipma_hedge(step: IPMA, effects: pd.DataFrame | None, target: str, labels: Mapping[str, str],
                language: str) -> None:
    """Say which drivers' importance the bootstrap intervals do not separate (:func:`ipma_not_separable`), and
    mark them on the table (``attrs["not_separable"]``, not written to ``ipma.csv``) for the stage's summary."""
    from csat.analyses.verdicts import ipma_hedge_text, ipma_not_separable

    hedged = ipma_not_separable(step.table, effects, target)
    step.table.attrs["not_separable"] = hedged
    if hedged:
        step.shown.append(("say", ipma_hedge_text(hedged, labels, language)))


def ml_ipma(params, data: pd.DataFrame, effects: pd.DataFrame, labels: Mapping[str, str],
            structural: bool) -> IPMA:
    """The importance–performance map of an ML model (:func:`csat.sem.ipma.ipma_table`): importance is
    the standardized total effect on the target construct (``params.ipma.target``, else the one named
    like satisfaction), performance the constructs' 0–100 index.

    It does not apply (an ``ipma_unavailable`` note and a sentence, no table) without a structural
    part, without a target, on a scale without bounds, or when :func:`csat.sem.ipma.ipma_table`
    refuses the effects.  Shown: the table and the quadrant chart, or the sentence.
    """
    language = params.language
    step = IPMA()
    target = ipma.find_target(params.constructs, params.ipma.target)
    if not structural:
        step.shown.append(("say", tr("No importance–performance map: the model has no structural part.", language)))
        return step
    if target is None:
        where, why = "ipma.target", N_("No importance–performance map: no construct is named like satisfaction and "
                                      "no target construct is chosen for the map (name the outcome construct as the "
                                      "map's target in the params file to get one).")
    elif not params.scale.bounded:
        where, why = target, N_("No importance–performance map: the scale has no bounds (continuous scores without "
                                "a minimum and maximum), so there is no 0–100 performance index.")
    else:
        constructs = {name: c.items for name, c in params.constructs.items()}
        perf = ipma.performance_index(data, constructs, params.scale.min, params.scale.max, params.scores.min_share)
        try:
            step.table = ipma.ipma_table(effects, perf, target, labels)
        except ValueError as err:
            step.diagnostics.append(Diagnostic(
                "ipma_unavailable", "info", target, str(err),
                message_zh=tr("No importance–performance map: {reason}", "zh", reason=err)))
            step.shown.append(("say", str(err)))
            return step
        _ipma_shown(step, step.table, labels[target], language, unstandardized=False)
        _ipma_hedge(step, effects, target, labels, language)
        return step
    step.diagnostics.append(diagnostic("ipma_unavailable", "info", where, why))
    step.shown.append(("say", tr(why, language)))
    return step


def pls_target(params, res) -> tuple[str | None, list[Diagnostic]]:
    """The IPMA target of a PLS model (:func:`csat.sem.ipma.find_target`) and the ``ipma_unavailable``
    note when the PLS model does not hold it (then the target is ``None``)."""
    target = ipma.find_target(params.constructs, params.ipma.target)
    if target is not None and target not in res.spec.constructs:
        return None, [diagnostic("ipma_unavailable", "info", target,
                                 N_("the IPMA target {target!r} is not in the PLS model"), target=target)]
    return target, []


def index_scale(params) -> tuple[float, float] | None:
    """``(scale.min, scale.max)`` of the study, the bounds of the 0–100 index; ``None`` for a scale
    without bounds (continuous scores), which has no index."""
    return (params.scale.min, params.scale.max) if params.scale.bounded else None


def pls_options(params) -> dict:
    """The keyword options of :func:`csat.sem.pls.pls_fit` from the study's ``pls:`` block (missing data,
    product terms, higher-order constructs, PLSc)."""
    o = params.pls
    return {"missing": o.missing, "interaction": o.interaction, "higher_order": o.higher_order,
            "consistent": o.consistent}


def pls_labels(res, labels: Mapping[str, str]) -> dict[str, str]:
    """``labels`` with the constructs a PLS model adds: a product term ``X:Z`` is "X × Z" (the constructs'
    labels), a higher-order construct that has no label of its own keeps its name."""
    out = dict(labels)
    model = getattr(res, "model", None)
    for c in res.spec.constructs:
        out.setdefault(c, c)
    if model is not None:
        for name, (x, z) in model.interactions.items():
            out[name] = f"{out.get(x, x)} × {out.get(z, z)}"
    return out


def pls_estimates(res, boot) -> pd.DataFrame:
    """``pls_estimates.csv``: the bootstrap's estimates and, for a two-stage higher-order model, the blocks of its
    dimensions from the first stage (``dimension =~ item`` / ``<~``; no bootstrap columns)."""
    est = boot.estimates
    rows = pls.first_stage_rows(res)
    if not len(rows):
        return est
    return pd.concat([est, rows.reindex(columns=est.columns)], ignore_index=True)


@dataclass
class Moderation(Step):
    """The moderation step (:func:`pls_moderation`): ``slopes`` is ``pls_simple_slopes.csv``
    (:data:`csat.sem.pls.SLOPE_COLUMNS`), ``summary`` one row per product term (``lhs, rhs, est, ci.lower,
    ci.upper, f2``)."""

    slopes: pd.DataFrame | None = None
    summary: pd.DataFrame | None = None


def moderation_sentence(row, slopes: pd.DataFrame, labels: Mapping[str, str], language: str = "en") -> str:
    """One sentence on a moderation: the product term's path with its interval and f², and the simple slopes."""
    lab = lambda c: labels.get(c, c)  # noqa: E731
    x, z = row["rhs"].split(":")
    s = slopes[(slopes["lhs"] == row["lhs"]) & (slopes["rhs"] == x)].set_index("level")["slope"]
    sig = np.isfinite(row["ci.lower"]) and (row["ci.lower"] > 0 or row["ci.upper"] < 0)
    msg = (N_("{moderator} moderates the effect of {x} on {y}: the interaction path is {b:.3f} (95% bootstrap interval "
              "{lo:.3f} to {hi:.3f}, f² = {f2:.3f}); the effect of {x} is {low:.2f} when {moderator} is one standard "
              "deviation below its mean, {mid:.2f} at its mean and {high:.2f} one standard deviation above.")
           if sig else
           N_("{moderator} does not measurably moderate the effect of {x} on {y}: the interaction path is {b:.3f} and its "
              "95% bootstrap interval ({lo:.3f} to {hi:.3f}) includes 0 (f² = {f2:.3f}); the effect of {x} is {low:.2f}, "
              "{mid:.2f} and {high:.2f} with {moderator} one standard deviation below its mean, at it and above."))
    return tr(msg, language, moderator=lab(z), x=lab(x), y=lab(row["lhs"]), b=row["est"], lo=row["ci.lower"],
              hi=row["ci.upper"], f2=row["f2"], low=s.get("-1 SD", np.nan), mid=s.get("mean", np.nan),
              high=s.get("+1 SD", np.nan))


def pls_moderation(res, boot, inner: pd.DataFrame, labels: Mapping[str, str], language: str = "en") -> Moderation:
    """The moderations of a PLS model (product terms ``X:Z``): the simple slopes of each (the effect of X with the
    moderator at −1 SD, its mean, +1 SD; :func:`csat.sem.pls.simple_slopes`, intervals from the bootstrap) as a
    table, their plot (:func:`csat.viz.structural.simple_slopes_chart`) and a sentence each.  A model without
    product terms shows nothing (``slopes`` is None)."""
    model = getattr(res, "model", None)
    step = Moderation()
    if model is None or not model.interactions:
        return step
    step.slopes = pls.simple_slopes(res.paths, model.interactions, boot)
    est = boot.estimates
    rows = est[(est["op"] == "~") & est["rhs"].isin(list(model.interactions))][["lhs", "rhs", "est", "ci.lower",
                                                                                 "ci.upper"]]
    f2 = inner.rename(columns={"from": "rhs", "to": "lhs"})[["lhs", "rhs", "f2"]]
    step.summary = rows.merge(f2, on=["lhs", "rhs"], how="left").reset_index(drop=True)
    lab = lambda c: labels.get(c, c)  # noqa: E731
    levels = {"-1 SD": trc("table cell", "−1 SD", language), "mean": trc("table cell", "mean", language),
              "+1 SD": trc("table cell", "+1 SD", language)}
    sl = step.slopes
    shown = pd.DataFrame({"lhs": sl["lhs"].map(lab), "rhs": sl["rhs"].map(lab),
                          trc("table header", "moderator", language): sl["moderator"].map(lab),
                          "level": sl["level"].map(levels), trc("table header", "slope", language): sl["slope"],
                          "ci.lower": sl["ci.lower"], "ci.upper": sl["ci.upper"]})
    step.shown += [
        ("table", shown, tr("Simple slopes: the effect of the predictor with the moderator one standard deviation below "
                            "its mean, at its mean and one above (95% percentile bootstrap intervals)", language)),
        ("figure", charts.simple_slopes_chart(step.slopes, dict(labels), language), "pls_simple_slopes",
         tr("Simple slopes of the moderation", language)),
    ]
    for _, r in step.summary.iterrows():
        step.shown.append(("say", moderation_sentence(r, step.slopes, labels, language)))
    return step


def pls_run(res, boot) -> dict:
    """``pls_bootstrap.json``: the bootstrap's counts with the estimation's ``n, n_dropped, missing,
    iterations, converged``."""
    return {**boot.counts(), "n": res.n, "n_dropped": res.n_dropped, "missing": res.missing,
            "iterations": res.iterations, "converged": res.converged}


def pls_run_table(res, boot) -> pd.DataFrame:
    """The one-row table of the PLS estimation shown to the reader: the bootstrap's counts, ``n``, the
    iterations and whether the weights converged."""
    return pd.DataFrame([{**boot.counts(), "n": res.n, "iterations": res.iterations, "converged": res.converged}])


#: The results files of the PLS measurement assessment (:meth:`PLSMeasurement.files`), in the order written.
PLS_MEASUREMENT_FILES = ["pls_quality.csv", "pls_htmt.csv", "pls_htmt_ci.csv", "pls_fornell_larcker.csv",
                         "pls_item_vif.csv", "pls_inner.csv"]


@dataclass
class PLSMeasurement:
    """The measurement-model assessment of a PLS fit (:func:`pls_measurement`)."""

    quality: pd.DataFrame            #: construct quality: R², alpha, rhoA, rhoC, AVE (pls.quality)
    htmt: pd.DataFrame               #: HTMT ratios (pls.htmt)
    htmt_ci: pd.DataFrame | None     #: HTMT with bootstrap intervals (the bootstrap's ``htmt``)
    fornell_larcker: pd.DataFrame    #: √AVE and construct correlations
    item_vif: pd.DataFrame           #: indicator collinearity
    inner: pd.DataFrame              #: inner-model VIF and f²

    def files(self) -> dict[str, pd.DataFrame]:
        """The results files of the assessment, ``{file name: table}`` (:data:`PLS_MEASUREMENT_FILES`)."""
        tables = [self.quality, self.htmt, self.htmt_ci, self.fornell_larcker, self.item_vif, self.inner]
        return dict(zip(PLS_MEASUREMENT_FILES, tables))


def pls_measurement(res, boot) -> PLSMeasurement:
    """Reliability, validity and collinearity of a PLS model (:mod:`csat.sem.pls.assessment`), with the
    bootstrap's HTMT intervals; a two-stage higher-order model's quality has both levels (the dimensions from its
    first stage, :func:`csat.sem.pls.level_quality`)."""
    quality = pls.level_quality(res).drop(columns="level") if res.first_stage is not None else pls.quality(res)
    return PLSMeasurement(quality=quality, htmt=pls.htmt(res), htmt_ci=boot.htmt,
                          fornell_larcker=pls.fornell_larcker(res), item_vif=pls.item_vif(res),
                          inner=pls.inner_vif(res).merge(pls.f_squared(res), on=["from", "to"]))


def pls_measurement_tables(mm: PLSMeasurement, est: pd.DataFrame, labels: Mapping[str, str], n_boot: int,
                           language: str = "en") -> list[tuple[pd.DataFrame, str]]:
    """The measurement-model tables of a PLS model with their captions, in the order shown: construct
    quality, outer loadings and weights with their bootstrap intervals and the indicator VIF, HTMT,
    HTMT with intervals, Fornell–Larcker.

    Parameters
    ----------
    mm : PLSMeasurement
    est : DataFrame
        The bootstrap's estimates (``pls_estimates.csv``).
    labels : mapping
        ``{construct: label}``.
    n_boot : int
        The bootstrap's resamples (in the captions).
    language : str
    """
    mo = est[est["op"].isin(["=~", "<~"])]
    outer = (mo[mo["op"] == "=~"][["lhs", "rhs", "mode", "est", "ci.lower", "ci.upper"]]
             .rename(columns={"lhs": "construct", "rhs": "item", "est": "loading", "ci.lower": "loading.ci.lower",
                              "ci.upper": "loading.ci.upper"})
             .merge(mo[mo["op"] == "<~"][["lhs", "rhs", "est", "ci.lower", "ci.upper"]]
                    .rename(columns={"lhs": "construct", "rhs": "item", "est": "weight", "ci.lower": "weight.ci.lower",
                                     "ci.upper": "weight.ci.upper"}), on=["construct", "item"])
             .merge(mm.item_vif, on=["construct", "item"]))
    q = mm.quality
    return [
        (q.assign(label=q["construct"].map(labels)),
         tr("Construct quality: R², Cronbach's alpha, rhoA, composite reliability rhoC, AVE", language)),
        (outer, tr("Outer loadings and weights with 95% percentile bootstrap intervals (B = {n_boot}), indicator VIF",
                   language, n_boot=n_boot)),
        (mm.htmt, tr("HTMT (heterotrait–monotrait ratio; > .85 questions discriminant validity)", language)),
        (mm.htmt_ci, tr("HTMT with 95% percentile bootstrap intervals (B = {n_boot}): an upper bound below 1 (or .85) "
                        "supports discriminant validity", language, n_boot=n_boot)),
        (mm.fornell_larcker, tr("Fornell–Larcker: √AVE on the diagonal, construct correlations off it", language)),
    ]


def pls_measurement_reading(language: str = "en") -> str:
    """How to read the PLS measurement tables (one paragraph)."""
    return tr("How to read this: a reflective construct is measured well when its items load strongly on it "
              "(loadings ≥ .70), its items agree with each other (alpha, rhoA and rhoC ≥ .70) and it explains at least "
              "half of its items' variance (AVE ≥ .50). Two constructs are distinct when HTMT stays below .85 and each "
              "construct's √AVE exceeds its correlations with the others (Fornell–Larcker). A formative construct is "
              "judged by its weights (each item's own contribution) and by collinearity (VIF below 5); alpha and AVE "
              "do not apply to it.", language)


def pls_structural_tables(est: pd.DataFrame, boot, inner: pd.DataFrame, labels: Mapping[str, str], n_boot: int,
                          language: str = "en") -> list[tuple[pd.DataFrame, str]]:
    """The structural-model tables of a PLS model with their captions, in the order shown: path
    coefficients with bootstrap se, t, p and interval; R² with adjusted R² and interval; inner VIF
    and f²; direct, indirect and total effects with intervals."""
    paths = est[est["op"] == "~"][["lhs", "op", "rhs", "est", "se", "t", "pvalue", "ci.lower", "ci.upper"]]
    return [
        (paths, tr("Path coefficients with bootstrap se, t, p and 95% percentile interval (B = {n_boot})", language,
                   n_boot=n_boot)),
        (boot.r2.assign(label=lambda d: d["construct"].map(labels)),
         tr("Explained variance (R², adjusted R², 95% bootstrap interval of R²)", language)),
        (inner, tr("Inner-model collinearity (VIF) and effect sizes f²", language)),
        (boot.effects[["from", "to", "direct", "indirect", "total", "total.ci.lower", "total.ci.upper",
                       "indirect.ci.lower", "indirect.ci.upper"]],
         tr("Direct, indirect and total effects (standardized) with 95% bootstrap intervals", language)),
    ]


def pls_structural_reading(language: str = "en") -> str:
    """How to read the PLS structural tables (one paragraph)."""
    return tr("How to read this: a path coefficient is the change in the outcome, in standard deviations, when the "
              "predictor rises by one standard deviation and the other predictors stay fixed; it is significant when "
              "its bootstrap interval excludes 0. R² is the share of the outcome's variance the model explains (.75 "
              "substantial, .50 moderate, .25 weak in CSI models). f² tells how much R² drops without the path (.02 "
              "small, .15 medium, .35 large). A total effect adds the direct path and every indirect route through "
              "other constructs.", language)


@dataclass
class Index(Step):
    """The 0–100 indices of a PLS model (:func:`pls_index`): ``table`` has the columns of
    :data:`csat.sem.pls.INDEX_COLUMNS` (empty without scale bounds); ``written`` says whether it is a
    results file (``csi_index.csv``)."""

    table: pd.DataFrame | None = None
    written: bool = False


def pls_index(boot, labels: Mapping[str, str], params) -> Index:
    """The PLS-weighted 0–100 indices (the ACSI method, :func:`csat.sem.pls.csi_index` through the
    bootstrap) with their intervals: shown as a table, a chart and how they are computed, or a
    sentence when the scale has no bounds."""
    language = params.language
    step = Index(table=boot.index if boot.index is not None else pd.DataFrame(columns=pls.INDEX_COLUMNS),
                 written=boot.index is not None)
    if not step.written:
        step.shown.append(("say", tr("No 0–100 index: the scale has no bounds (continuous scores without "
                                     "a minimum and maximum).", language)))
        return step
    t = step.table
    lo, hi = params.scale.min, params.scale.max
    step.shown += [
        ("table", t.assign(label=t["construct"].map(labels)),
         tr("0–100 indices with 95% percentile bootstrap intervals (B = {n_boot})", language, n_boot=params.bootstrap)),
        ("figure", charts.index_chart(t, labels, language), "csi_index", tr("PLS-weighted 0–100 indices", language)),
        ("say", tr("How the index is computed (the ACSI way): each item's PLS weight is divided by the item's standard "
                   "deviation, the weights of a construct are scaled to sum to one, the weighted mean of the item means "
                   "is taken and rescaled to 0–100 as 100 × (mean − {min:g}) / ({max:g} − {min:g}). An index of 75 "
                   "means the customers' answers lie three quarters of the way from the worst to the best point of "
                   "the scale. Items that carry more information about the construct count more than in a plain "
                   "average.", language, min=lo, max=hi)),
    ]
    return step


def pls_ipma(boot, index: pd.DataFrame, target: str | None, labels: Mapping[str, str], language: str = "en") -> IPMA:
    """The importance–performance map of a PLS model (SmartPLS's IPMA): importance is the
    unstandardized total effect on the target in index points (the bootstrap's ``ipma``),
    performance the 0–100 index.  Without a target, effects on it or an index: a sentence saying what
    it needs."""
    step = IPMA()
    if target is None or boot.ipma is None or not len(boot.ipma):
        step.shown.append(("say", tr("No importance–performance map: it needs a target construct (chosen in the params "
                                     "file, or one named like satisfaction) that other constructs affect, and scale bounds for the "
                                     "0–100 performance.", language)))
        return step
    perf = index.set_index("construct")["index"]
    step.table = ipma.ipma_table(boot.ipma, perf, target, labels, importance="importance")
    _ipma_shown(step, step.table, labels[target], language, unstandardized=True)
    _ipma_hedge(step, boot.effects, target, labels, language)
    step.shown.append(("say", tr(
        "How to read this (SmartPLS's IPMA): performance is the construct's 0–100 index; importance is its total "
        "effect on {target} in index points: how many points {target}'s index would rise if this construct's index "
        "rose by one point. Constructs to the right and below the dashed lines matter much but perform poorly: "
        "improving them pays most.", language, target=labels[target])))
    return step


def pls_text(q: pd.DataFrame, est: pd.DataFrame, index: pd.DataFrame, ipma: pd.DataFrame | None,
             labels: dict, diags=(), language: str = "en") -> str:
    """A generated plain-words interpretation of a PLS model in ``language``: measurement quality,
    significant paths (bootstrap interval excluding 0), explained variance, the indices and the IPMA
    priorities."""
    lab = lambda c: labels.get(c, c)  # noqa: E731
    parts = []
    refl = q[(q["mode"] == "A") & (q["n_items"] > 1)]
    if len(refl):
        parts.append(tr("The reflective constructs have composite reliability rhoC between {low:.2f} and {high:.2f} "
                        "and a smallest AVE of {ave:.2f} (criteria: rhoC ≥ .70, AVE ≥ .50).", language,
                        low=refl["rhoC"].min(), high=refl["rhoC"].max(), ave=refl["ave"].min()))
    paths = est[est["op"] == "~"]
    sig = paths[(paths["ci.lower"] > 0) | (paths["ci.upper"] < 0)] if "ci.lower" in paths else paths.iloc[0:0]
    if len(sig):
        sig = sig.reindex(sig["est"].abs().sort_values(ascending=False).index)
        items = [f"{lab(r.rhs)} → {lab(r.lhs)} ({r.est:.2f})" for r in sig.itertuples()]
        parts.append(tr("Paths whose bootstrap interval excludes 0, largest first: {paths}.", language,
                        paths=list_text(items, language)))
    r2 = q[q["r2"].notna()]
    if len(r2):
        shares = [tr("{share:.0f}% of the variance of {construct}", language, share=100 * v, construct=lab(c))
                  for c, v in zip(r2["construct"], r2["r2"])]
        parts.append(tr("The model explains {shares}.", language, shares=list_text(shares, language)))
    if len(index):
        top = index.sort_values("index", ascending=False)
        items = [f"{lab(c)} {v:.1f}" for c, v in zip(top["construct"], top["index"])]
        parts.append(tr("The 0–100 indices (item means weighted by the PLS weights), highest first: {indices}.",
                        language, indices=list_text(items, language)))
    priority = ipma_priority_text(ipma, language)
    if priority:
        parts.append(priority)
    if error_summary(diags, language) is not None:
        parts.append(tr("Caution: the diagnostics include errors; read them before interpreting these results.",
                        language))
    return ("" if is_chinese(language) else " ").join(parts)


# ------------------------------------------------------------------------------------ PLS-MGA and PLSpredict
#: p-value below which a group difference or a MICOM test counts (Henseler et al. 2016; Sarstedt et al. 2011).
MGA_ALPHA = 0.05


@dataclass
class PLSGroups(Step):
    """The PLS multi-group step (:func:`pls_mga_step`): ``comparisons`` (``pls_mga.csv``), ``micom``
    (``pls_micom.csv``) and ``estimates`` (``pls_mga_groups.csv``: each group's paths with intervals);
    all ``None`` when it did not run (``pls.mga`` not set)."""

    comparisons: pd.DataFrame | None = None
    micom: pd.DataFrame | None = None
    estimates: pd.DataFrame | None = None

    def files(self) -> dict[str, pd.DataFrame | None]:
        """``{file name: table or None}``: the notebook writes a table and removes the file of a ``None``."""
        return {"pls_mga.csv": self.comparisons, "pls_micom.csv": self.micom, "pls_mga_groups.csv": self.estimates}


def mga_surviving(comparisons: pd.DataFrame, micom: pd.DataFrame, alpha: float = MGA_ALPHA) -> pd.DataFrame:
    """The group differences that survive: both tests (Henseler's two-sided and the permutation p) below
    ``alpha`` and compositional invariance (MICOM step 2) for both constructs of the path in that pair."""
    if comparisons is None or not len(comparisons):
        return pd.DataFrame(columns=list(pls.MGA_COLUMNS))
    ok = {(r.group1, r.group2, r.construct) for r in micom.itertuples() if bool(r.compositional)}
    sig = (comparisons["pvalue.henseler"] < alpha) & (comparisons["pvalue.permutation"] < alpha)
    inv = [((r["group1"], r["group2"], r["lhs"]) in ok) and ((r["group1"], r["group2"], r["rhs"]) in ok)
           for _, r in comparisons.iterrows()]
    return comparisons[sig & np.array(inv, dtype=bool)]


def pls_mga_step(params, data: pd.DataFrame, spec, labels: Mapping[str, str]) -> PLSGroups:
    """PLS-MGA with MICOM over ``params.pls.mga.group`` (:func:`csat.sem.pls.pls_mga`; B =
    ``params.bootstrap`` per group, ``pls.mga.permutations`` permutations, default B): the tables,
    how to read them and the differences that survive.  Nothing when ``pls.mga`` is not set.

    ``spec`` is the model's :class:`csat.sem.pls.PLSSpec` or its fitted :class:`csat.sem.pls.PLSResult`; for an
    extended model (higher-order construct, product term) the groups are compared on the second stage, its
    generated columns made once from the whole sample (:func:`csat.sem.pls.stage_two_frame`), and with PLSc the
    group paths are the composite estimates (the correction is not bootstrapped or permuted per group)."""
    from csat.analyses.labels import column_label, level_label

    step = PLSGroups()
    opts = params.pls.mga
    if opts is None:
        return step
    language = params.language
    col = opts.group
    if col not in data.columns:
        step.diagnostics.append(diagnostic("pls_mga_group_skipped", "warning", "PLS-MGA",
                                           N_("the group column {group} of pls.mga is not in the data"), group=col))
        step.shown.append(("say", tr("No multi-group analysis: the group column {group} is not in the data.", language,
                                     group=col)))
        return step
    res = spec if hasattr(spec, "augment") else None
    staged = res is not None and (res.augment is not None or bool(res.consistent))
    if res is not None:
        spec = res.spec
        if res.augment is not None:
            data = pls.stage_two_frame(res, data, keep=(col,))
    n_perm = opts.permutations or params.bootstrap
    m = pls.pls_mga(spec, data, col, n_boot=params.bootstrap, n_perm=n_perm, seed=params.seed,
                    missing=params.pls.missing)
    step.diagnostics += m.diagnostics
    step.comparisons, step.micom, step.estimates = m.comparisons, m.micom, m.estimates
    gname = column_label(params, col, language)
    lev = lambda g: level_label(params, col, g, language)  # noqa: E731
    lab = lambda c: labels.get(c, c)  # noqa: E731
    if len(m.groups) < 2:
        step.shown.append(("say", tr("No multi-group analysis by {group}: fewer than two groups can be estimated.",
                                     language, group=gname)))
        return step
    show = m.comparisons.assign(group1=m.comparisons["group1"].map(lev), group2=m.comparisons["group2"].map(lev))
    invariance = {"full": trc("MICOM invariance", "full", language),
                  "partial": trc("MICOM invariance", "partial", language),
                  "none": trc("MICOM invariance", "none", language)}
    step.shown += [
        ("table", m.estimates.assign(group=m.estimates["group"].map(lev)),
         tr("Path coefficients per group of {group} with 95% percentile bootstrap intervals (B = {n_boot})", language,
            group=gname, n_boot=params.bootstrap)),
        ("table", m.micom.assign(group1=m.micom["group1"].map(lev), group2=m.micom["group2"].map(lev),
                                 invariance=m.micom["invariance"].map(lambda v: invariance.get(v, v))),
         tr("Measurement invariance of the composites (MICOM, {n_perm} permutations): compositional invariance "
            "(c not below its 5% permutation quantile), equal means and equal variances", language, n_perm=n_perm)),
        ("table", show, tr("Group differences of the paths: Henseler's PLS-MGA (two-sided) and permutation p-values "
                           "({n_perm} permutations)", language, n_perm=n_perm)),
    ]
    parts = []
    for (g1, g2), mi in m.micom.groupby(["group1", "group2"], sort=False):
        full = [lab(c) for c in mi.loc[mi["invariance"] == "full", "construct"]]
        part = [lab(c) for c in mi.loc[mi["invariance"] == "partial", "construct"]]
        none = [lab(c) for c in mi.loc[mi["invariance"] == "none", "construct"]]
        clauses = []
        if full:
            clauses.append(tr("full measurement invariance for {constructs}", language,
                              constructs=list_text(full, language)))
        if part:
            clauses.append(tr("partial invariance (equal composition, different means or variances) for {constructs}",
                              language, constructs=list_text(part, language)))
        if none:
            clauses.append(tr("no compositional invariance for {constructs}, whose paths are not compared", language,
                              constructs=list_text(none, language)))
        parts.append(tr("MICOM for {g1} and {g2}: {findings}.", language, g1=lev(g1), g2=lev(g2),
                        findings=trc("list separator", "; ", language).join(clauses)))
    surv = mga_surviving(m.comparisons, m.micom)
    if len(surv):
        items = [tr("{frm} → {to} ({g1} {e1:.2f}, {g2} {e2:.2f})", language, frm=lab(r.rhs), to=lab(r.lhs),
                    g1=lev(r["group1"]), g2=lev(r["group2"]), e1=r["est.group1"], e2=r["est.group2"])
                 for _, r in surv.iterrows()]
        parts.append(tr("Paths that differ between the groups of {group} (both tests p < .05, compositional invariance "
                        "established): {paths}.", language, group=gname, paths=list_text(items, language)))
    else:
        parts.append(tr("No path differs between the groups of {group} by both tests (p < .05) where the composites "
                        "are invariant.", language, group=gname))
    if staged:
        parts.append(tr("The groups are compared on the model's second stage, as SmartPLS compares a two-stage model: "
                        "the higher-order scores and product terms are made once from the whole sample, and the group "
                        "paths are composite PLS estimates without the PLSc correction.", language))
    step.shown.append(("say", ("" if is_chinese(language) else " ").join(parts)))
    step.shown.append(("say", tr(
        "How to read this: MICOM (Henseler, Ringle & Sarstedt 2016) checks first that every construct is formed the "
        "same way in each group (the correlation c of the scores from the two groups' weights close to 1); only then "
        "may its paths be compared. Equal means and variances as well (full invariance) would allow pooling the "
        "groups. A path differs between two groups when Henseler's PLS-MGA and the permutation test both give p < .05.",
        language)))
    return step


@dataclass
class Prediction(Step):
    """The PLSpredict step (:func:`pls_predict_step`): ``table`` (``pls_predict.csv``, ``None`` when it did
    not run) and ``verdict`` (none / low / medium / high)."""

    table: pd.DataFrame | None = None
    verdict: str | None = None

    def files(self) -> dict[str, pd.DataFrame | None]:
        """``{"pls_predict.csv": table or None}``."""
        return {"pls_predict.csv": self.table}


#: Shmueli et al.'s (2019) verdicts as the reader reads them (translated where shown).
PREDICTIVE_POWER = {"none": N_("no predictive power"), "low": N_("low predictive power"),
                    "medium": N_("medium predictive power"), "high": N_("high predictive power")}


def pls_predict_step(params, data: pd.DataFrame, spec, labels: Mapping[str, str], target: str | None = None) -> Prediction:
    """PLSpredict (:func:`csat.sem.pls.pls_predict`; ``pls.predict``: folds and repetitions, seeded by
    ``params.seed``) on the IPMA target's indicators when it is endogenous, else on the final
    constructs': the table, the verdict and how to read it.  Nothing when ``pls.predict`` is null.  ``spec`` is
    the model's spec or its fit (:func:`csat.sem.pls.pls_fit`); a model with a higher-order construct or a
    product term is re-estimated, first stages included, on every training fold (:mod:`csat.sem.pls.predict`)."""
    step = Prediction()
    opts = params.pls.predict
    if opts is None:
        return step
    language = params.language
    res = spec if hasattr(spec, "augment") else None
    model, fit_opts = spec, {}
    if res is not None:
        spec = res.spec
        model = res.model if res.model is not None else spec
        fit_opts = {k: res.options[k] for k in ("interaction", "higher_order", "consistent") if k in res.options}
    targets = [target] if target is not None and target in spec.endogenous else None
    r = pls.pls_predict(model, data, folds=opts.folds, repetitions=opts.repetitions, seed=params.seed,
                        missing=params.pls.missing, targets=targets, **fit_opts)
    step.diagnostics += r.diagnostics
    step.table, step.verdict = r.table, r.verdict
    c = r.counts()
    how = (tr("leave-one-out cross-validation", language) if r.loo else
           tr("{k}-fold cross-validation repeated {reps} times", language, k=r.folds, reps=r.repetitions))
    shown = r.table[r.table["technique"] == r.verdict_technique].drop(columns=["technique"])
    step.shown += [
        ("table", shown.assign(construct=shown["construct"].map(lambda x: labels.get(x, x))),
         tr("PLSpredict ({how}): out-of-sample RMSE and MAE of PLS and of the linear-model benchmark, Q²predict, and "
            "the in-sample figures", language, how=how)),
        ("say", tr("Predictive power (Shmueli et al. 2019) for {targets}: Q²predict is positive for {q2} of {n} "
                   "indicators and PLS predicts {better} of them more accurately than the linear model ({metric}): "
                   "{power}.", language,
                   targets=list_text([labels.get(t, t) for t in r.targets], language), q2=c["n_q2_positive"],
                   n=c["n_indicators"], better=c["n_pls_better"], metric=r.metric.upper(),
                   power=tr(PREDICTIVE_POWER[r.verdict], language))),
        ("say", tr("How to read this: PLSpredict estimates the model on part of the respondents and predicts the "
                   "answers of the others. Q²predict above 0 means the model predicts better than the item mean; "
                   "the model has high predictive power when it beats a plain linear regression on the same "
                   "predictors for every indicator of the key outcome, medium for most, low for a minority.",
                   language)),
    ]
    if res is not None and res.consistent:
        step.shown.append(("say", tr("The predictions use the composite (PLS) weights and paths; the PLSc correction "
                                     "is not applied to them.", language)))
    return step
