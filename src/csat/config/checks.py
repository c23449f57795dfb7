"""Study checks that need more than the schema: the model the stages will fit, checked against the
data's header, and warnings about valid but weak settings.

* :func:`check_model` (called by :func:`csat.intake.preflight.check_data_columns` with the header): the
  model that 03–05 fit is built here, once, from the params and the column names only — lavaan
  syntax errors, variables that are neither columns nor constructs (with a near match), model
  variables the analysis data do not hold (a group column, a column that is no item), a template
  that cannot be formed, negative degrees of freedom, a construct measured by two items and tied to
  nothing else (not identified), ``efa.n_factors`` larger than the items allow, and an IPMA target
  that does not exist or that no path leads to.
  The syntax goes through :func:`csat.sem.syntax.parse_model` and :func:`csat.sem.build_model`, the
  same parser and model builder the stages use, so the check accepts exactly what they accept.
* :func:`params_diagnostics`: warnings about valid but weak settings (too few bootstrap resamples).

The checks of the params alone (a column used in two roles, numeric ``missing_codes`` inside the
answer scale) are part of the schema: :func:`csat.config.params.cross_check_roles`, run by
:class:`csat.config.params.StudyParams`.  The checks that read the data file are in
:mod:`csat.intake.preflight`.
"""
from __future__ import annotations

from csat.config.params import RECOMMENDED_BOOTSTRAP, StudyParams
from csat.core.diagnostics import Diagnostic, diagnostic
from csat.core.errors import ParamsError

__all__ = ["check_model", "check_study_keys", "params_diagnostics", "satisfaction_construct", "driver_variables",
           "SATISFACTION_NAMES"]


# ------------------------------------------------------------------------------ params and header
def _model_error(params_path, key: str, err: Exception) -> ParamsError:
    msg = str(err)
    return ParamsError(f"{params_path}: key {key!r}: {msg}")


def _isolated_two_indicator_factors(cm) -> list[str]:
    """Factors with exactly two indicators that share no free (or non-zero fixed) path or covariance
    with any other variable: their two loadings and the factor variance are not identified."""
    R = cm.rows
    out = []
    lat = list(cm.latent)
    for f in lat:
        load = R[(R["op"] == "=~") & (R["lhs"] == f)]
        if len(load) != 2:
            continue
        if (load["free"] < 0).all() or any(load["label"].astype(str) != ""):
            continue                               # both loadings fixed or constrained: identified
        tied = R[((R["op"] == "~") & ((R["lhs"] == f) | (R["rhs"] == f)))
                 | ((R["op"] == "~~") & (R["lhs"] != R["rhs"]) & ((R["lhs"] == f) | (R["rhs"] == f)))
                 | ((R["op"] == "=~") & (R["rhs"] == f))]
        tied = tied[(tied["free"] >= 0) | (tied["value"] != 0)]
        if tied.empty:
            out.append(f)
    return out


def check_model(p: StudyParams, params_path, columns: list[str]) -> None:
    """Build every model the stages will fit from the params and the header; raise one
    :class:`ParamsError` naming the key for anything a later stage would reject."""
    from csat import sem
    from csat.sem import measurement, syntax, templates as templates_sem

    items = p.items
    nf = p.efa.n_factors
    if nf != "auto" and not 1 <= int(nf) <= len(items) - 1:
        raise ParamsError(f"{params_path}: key 'efa.n_factors': {nf} factors cannot be extracted from "
                          f"{len(items)} items; use 'auto' or an integer from 1 to {max(1, len(items) - 1)}")
    if p.model is not None:
        try:
            syntax.parse_model(p.model)
        except syntax.ModelSyntaxError as err:
            raise _model_error(params_path, "model", err) from None
    try:
        spec = templates_sem.model_spec(p.constructs, p.model, p.model_template)
    except (ValueError, KeyError) as err:
        key = "model_template" if p.model_template else "constructs"
        raise _model_error(params_path, key, str(err).removeprefix("model_template: ")) from None
    key = "model" if p.model else "model_template" if p.model_template else "constructs"
    cols = [str(c) for c in columns]
    if str(getattr(p, "estimator", "ml") or "ml").lower() != "ml":
        from csat.sem import pls           # PLS: blocks and paths only, every indicator a column of the data

        try:
            ps = pls.pls_model(spec.syntax)
        except syntax.ModelSyntaxError as err:
            raise _model_error(params_path, key, f"(estimator: pls) {err}") from None
        absent = [i for i in ps.items if i not in cols]
        if absent:
            raise _model_error(params_path, key, f"(estimator: pls) indicator(s) {absent} are not columns of the data")
        return                      # the ML checks below do not apply
    try:
        table = syntax.parse_model(spec.syntax)
    except syntax.ModelSyntaxError as err:
        raise _model_error(params_path, key, err) from None
    usable = set(items) | {c for c in (p.recommend, p.data.duration) if c}     # numeric columns 05 receives
    for v in syntax.observed_names(table):
        if v in usable:
            continue
        if v in p.groups:
            raise ParamsError(f"{params_path}: key {key!r}: model variable {v!r} is a group column (categories, "
                              "not numbers); code it as numbers in a column of its own and make that an item of a "
                              "construct to use it in the model")
        if v in cols:
            raise ParamsError(f"{params_path}: key {key!r}: model variable {v!r} is a column of the data but not an "
                              "item of any construct, so the analysis data do not hold it; add it to a construct's "
                              "items (a single-item construct) to use it in the model")
    try:
        cm = sem.build_model(spec.syntax, cols)
    except (sem.ModelError, syntax.ModelSyntaxError) as err:
        raise _model_error(params_path, key, err) from None
    bad = _isolated_two_indicator_factors(cm)
    if bad:
        f = bad[0]
        inds = list(cm.rows[(cm.rows["op"] == "=~") & (cm.rows["lhs"] == f)]["rhs"])
        raise ParamsError(f"{params_path}: key {key!r}: construct {f!r} is measured by two items ({inds[0]}, "
                          f"{inds[1]}) and tied to nothing else, so the model is not identified; add a third "
                          "item, a path to or from it, or fix its two loadings equal (a*x1 + a*x2)")
    from csat.sem import ipma

    reg = cm.rows[cm.rows["op"] == "~"]
    target = None
    ipma_possible = p.scale.min is not None and p.scale.max is not None   # performance needs a bounded scale
    if len(reg) and (ipma_possible or p.ipma.target is not None):
        # a structural model: 05 draws the importance map for its target; a study whose constructs are not about
        # satisfaction (technology acceptance, political democracy) has none unless ipma.target names its outcome
        # (05 says so in a note)
        try:
            target = ipma.find_target(p.constructs, p.ipma.target)
        except ValueError as err:
            raise _model_error(params_path, "ipma.target", str(err).removeprefix("ipma.target: ")) from None
    if p.ipma.target is not None and len(reg) and target not in set(reg["lhs"]):
        outcomes = list(dict.fromkeys(x for x in reg["lhs"] if x in p.constructs))
        raise ParamsError(f"{params_path}: key 'ipma.target': no path in the model leads to {target!r}, so it has "
                          f"no importance map; choose a construct that paths lead to ({', '.join(outcomes)})")
    try:
        cfa = measurement.measurement_model({n: c.items for n, c in p.constructs.items()}, p.model)
        cm_cfa = sem.build_model(cfa, cols)
    except (sem.ModelError, syntax.ModelSyntaxError, ValueError) as err:
        raise _model_error(params_path, key if p.model else "constructs",
                           f"the measurement model (CFA of 03/04) cannot be built: {err}") from None
    bad = _isolated_two_indicator_factors(cm_cfa)
    if bad:
        f = bad[0]
        raise ParamsError(f"{params_path}: key 'constructs': construct {f!r} is the only construct and has two "
                          "items, so its measurement model is not identified; it needs at least three items")


# ------------------------------------------------------------------------------ the optional parts of 06
SATISFACTION_NAMES = ("sat", "satisfaction", "csi", "acsi", "满意", "满意度")


def satisfaction_construct(params) -> str:
    """The study's satisfaction construct: ``ipma.target`` if set, else the construct named
    SAT/Satisfaction/CSI (name or label, any case; 满意/满意度 in the Chinese label)."""
    if params.ipma.target:
        return params.ipma.target
    for name, c in params.constructs.items():
        texts = [name, c.label or "", c.label_zh or ""]
        if any(t.strip().lower() in SATISFACTION_NAMES for t in texts) or "满意" in (c.label_zh or "") \
                or "satisf" in (c.label or "").lower():
            return name
    raise ValueError("drivers.target: no construct looks like satisfaction (SAT, Satisfaction, 满意度); "
                     "set drivers.target (or ipma.target) in the params file")


def driver_variables(params) -> tuple[str, list[str]]:
    """``(target, predictors)`` from ``params.drivers`` with the defaults filled in: target = the
    satisfaction construct, predictors = the other constructs.

    Parameters
    ----------
    params : StudyParams
        The study's parameters.

    Returns
    -------
    target : str
    predictors : list of str
    """
    spec = params.drivers
    target = spec.target or satisfaction_construct(params)
    predictors = list(spec.predictors) if spec.predictors else [c for c in params.constructs if c != target]
    return target, predictors


def check_study_keys(p: StudyParams, params_path) -> None:
    """The optional parts of 06 checked from the params alone (run by ``prepare`` before any notebook): the key
    drivers' target (found, not also a predictor) and predictors (at least one, at most
    :data:`csat.stats.drivers.MAX_PREDICTORS`); a Kano feature asked with the same column twice; a SERVQUAL
    item used as expectation and perception.  One :class:`ParamsError` naming the key."""
    from csat.stats.drivers import MAX_PREDICTORS

    if p.drivers is not None:
        try:
            target, predictors = driver_variables(p)
        except ValueError as err:
            raise _model_error(params_path, "drivers.target", str(err).removeprefix("drivers.target: ")) from None
        if target in predictors:
            raise ParamsError(f"{params_path}: key 'drivers.predictors': the target {target!r} is also a predictor; "
                              "remove it from drivers.predictors (or choose another drivers.target)")
        if not predictors:
            raise ParamsError(f"{params_path}: key 'drivers.predictors': no predictor is left besides the target "
                              f"{target!r}; list the predictors")
        if len(predictors) > MAX_PREDICTORS:
            raise ParamsError(f"{params_path}: key 'drivers.predictors': {len(predictors)} predictors; the LMG share "
                              f"averages over all 2^p subsets, so at most {MAX_PREDICTORS} are allowed")
    for f, spec in (p.kano or {}).items():
        if spec.functional == spec.dysfunctional:
            raise ParamsError(f"{params_path}: key 'kano.{f}': the functional and the dysfunctional question are "
                              f"the same column {spec.functional!r}; give the two questions")
    for d, spec in (p.servqual or {}).items():
        both = [c for c in spec.expectation if c in spec.perception]
        if both:
            raise ParamsError(f"{params_path}: key 'servqual.{d}': column {both[0]!r} is both an expectation and a "
                              "perception item")


def params_diagnostics(p: StudyParams) -> list[Diagnostic]:
    """Warnings about valid but weak settings (shown in the stage that uses them).

    Parameters
    ----------
    p : StudyParams
        The study's parameters.

    Returns
    -------
    list of Diagnostic
        ``bootstrap_few`` when 0 < ``bootstrap`` < :data:`csat.config.params.RECOMMENDED_BOOTSTRAP`.

    Examples
    --------
    >>> from csat.config.params import load_params
    >>> p = load_params(project / "params" / "ecsi.yaml", {"bootstrap": 200}, root=project)
    >>> [d.code for d in params_diagnostics(p)]
    ['bootstrap_few']
    """
    out = []
    if 0 < p.bootstrap < RECOMMENDED_BOOTSTRAP:
        out.append(diagnostic("bootstrap_few", "warning", "bootstrap",
                              "only {bootstrap} bootstrap resamples: the 95% interval limits rest on "
                              "{tail} draws in each tail and vary from seed to seed; "
                              "use {recommended} or more for reporting",
                              bootstrap=p.bootstrap, tail=max(1, int(p.bootstrap * 0.025)),
                              recommended=RECOMMENDED_BOOTSTRAP))
    return out

