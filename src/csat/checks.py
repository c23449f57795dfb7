"""Study checks that run before any analysis: what the params and the data's header already show,
and the facts of the data that would stop a later stage.

Three groups, each raising one error whose message names the key, column or item:

* :func:`cross_check_roles` (part of the schema, :class:`csat.params.StudyParams`): a column used
  in two roles (an item that is also a group, the id, the duration or the recommend column; a
  construct named like an item) and numeric ``missing_codes`` that lie inside the answer scale
  (``missing_codes: [5]`` on a 1–10 scale would silently delete real answers).
* :func:`check_model` (called by :func:`csat.params.check_data_columns` with the header): the
  model that 03–05 fit is built here, once, from the params and the column names only — lavaan
  syntax errors, variables that are neither columns nor constructs (with a near match), model
  variables the analysis data do not hold (a group column, a column that is no item), a template
  that cannot be formed, negative degrees of freedom, a construct measured by two items and tied to
  nothing else (not identified), ``efa.n_factors`` larger than the items allow, and an IPMA target
  that does not exist or that no path leads to.
  The syntax goes through :func:`csat.syntax.parse_model` and :func:`csat.sem.build_model`, the
  same parser and model builder the stages use, so the check accepts exactly what they accept.
* :func:`data_facts` (after cleaning; :func:`intake_check` runs intake + cleaning + facts for
  ``csat.build prepare``): an item every analysed respondent answered identically, an item
  answered by fewer than :data:`MIN_ANSWERS` respondents, perfectly collinear items, too few
  respondents for the number of items (or, listwise, too few complete ones) and a ``recommend``
  column without answers are blocking (:class:`DataFactError` naming the item and why);
  items answered by under half the respondents are warnings.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from .params import ParamsError, StudyParams, suggest
from .results import Diagnostic

__all__ = ["cross_check_roles", "check_model", "params_diagnostics", "DataFactError", "data_facts",
           "intake_check", "MIN_ANSWERS"]

#: An item answered by fewer respondents than this (after cleaning) cannot be analysed.
MIN_ANSWERS = 10
#: Items answered by under this share of the analysed respondents are reported (warning).
LOW_ANSWER_SHARE = 0.5


# ------------------------------------------------------------------------------ params only
def _num(v) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    try:
        return float(str(v).strip())
    except ValueError:
        return None


def cross_check_roles(p: StudyParams) -> None:
    """Raise ``ValueError`` (turned into a :class:`ParamsError` naming the key) when one column
    plays two roles, or a numeric missing code lies inside the answer scale."""
    ic = p.item_construct
    for g in p.groups:
        if g in ic:
            raise ValueError(f"groups: {g!r} is an item of construct {ic[g]!r}; a column cannot be both an item "
                             "and a group (list the group column, e.g. gender, instead)")
    if len(set(p.groups)) != len(p.groups):
        raise ValueError(f"groups: {sorted({g for g in p.groups if p.groups.count(g) > 1})[0]!r} is listed twice")
    for key, col in (("data.id", p.data.id), ("data.duration", p.data.duration), ("recommend", p.recommend)):
        if col and col in ic:
            raise ValueError(f"{key}: {col!r} is an item of construct {ic[col]!r}; a column cannot be both")
    for name in p.constructs:
        if name in ic:
            raise ValueError(f"constructs: the construct {name!r} has the same name as an item of construct "
                             f"{ic[name]!r}; give the construct another name")
    for f in p.data.files:
        if p.data.sheet is not None and Path(f).suffix.lower() not in (".xlsx", ".xlsm"):
            raise ValueError(f"data.sheet: {p.data.sheet!r} is given but {Path(f).name!r} is not an .xlsx "
                             "workbook; remove data.sheet")
    c = p.cleaning
    if (c.min_duration is not None or c.speeder_median_ratio is not None) and not p.data.duration:
        raise ValueError("cleaning.min_duration / cleaning.speeder_median_ratio is set but data.duration (the "
                         "completion-time column) is not; set data.duration or switch the speeder rule off")
    bounded = p.scale.min is not None and p.scale.max is not None     # a continuous scale may have no bounds
    lo, hi = (float(p.scale.min), float(p.scale.max)) if bounded else (None, None)
    for c in p.missing_codes:
        n = _num(c)
        if bounded and n is not None and lo <= n <= hi:
            raise ValueError(f"missing_codes: {c!r} lies inside the answer scale {lo:g}–{hi:g}, so real answers "
                             f"{n:g} would be deleted; use a code outside the scale (e.g. 99 or -1)")


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
    from . import reliability, sem, syntax, templates_sem

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
        spec = templates_sem.model_spec(p)
    except (ValueError, KeyError) as err:
        key = "model_template" if p.model_template else "constructs"
        raise _model_error(params_path, key, str(err).removeprefix("model_template: ")) from None
    key = "model" if p.model else "model_template" if p.model_template else "constructs"
    cols = [str(c) for c in columns]
    if str(getattr(p, "estimator", "ml") or "ml").lower() != "ml":
        from . import pls           # PLS: blocks and paths only, every indicator a column of the data

        try:
            ps = pls.pls_spec(spec.syntax)
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
    from . import ipma

    reg = cm.rows[cm.rows["op"] == "~"]
    target = None
    ipma_possible = p.scale.min is not None and p.scale.max is not None   # performance needs a bounded scale
    if len(reg) and (ipma_possible or p.ipma.target is not None):
        # a structural model: 05 draws the importance map for its target
        try:
            target = ipma.default_target(p.constructs, p.ipma.target)
        except ValueError as err:
            raise _model_error(params_path, "ipma.target", str(err).removeprefix("ipma.target: ")) from None
    if p.ipma.target is not None and len(reg) and target not in set(reg["lhs"]):
        outcomes = list(dict.fromkeys(x for x in reg["lhs"] if x in p.constructs))
        raise ParamsError(f"{params_path}: key 'ipma.target': no path in the model leads to {target!r}, so it has "
                          f"no importance map; choose a construct that paths lead to ({', '.join(outcomes)})")
    try:
        cfa = reliability.measurement_model({n: c.items for n, c in p.constructs.items()}, p.model)
        cm_cfa = sem.build_model(cfa, cols)
    except (sem.ModelError, syntax.ModelSyntaxError, ValueError) as err:
        raise _model_error(params_path, key if p.model else "constructs",
                           f"the measurement model (CFA of 03/04) cannot be built: {err}") from None
    bad = _isolated_two_indicator_factors(cm_cfa)
    if bad:
        f = bad[0]
        raise ParamsError(f"{params_path}: key 'constructs': construct {f!r} is the only construct and has two "
                          "items, so its measurement model is not identified; it needs at least three items")


def params_diagnostics(p: StudyParams) -> list[Diagnostic]:
    """Warnings about valid but weak settings (shown in the stage that uses them).

    Parameters
    ----------
    p : StudyParams
        The study's parameters.

    Returns
    -------
    list of Diagnostic
        ``bootstrap_few`` when 0 < ``bootstrap`` < :data:`csat.params.RECOMMENDED_BOOTSTRAP`.

    Examples
    --------
    >>> from csat.params import load_params
    >>> p = load_params(project / "params" / "ecsi.yaml", {"bootstrap": 200}, root=project)
    >>> [d.code for d in params_diagnostics(p)]
    ['bootstrap_few']
    """
    from .params import RECOMMENDED_BOOTSTRAP

    out = []
    if 0 < p.bootstrap < RECOMMENDED_BOOTSTRAP:
        out.append(Diagnostic("bootstrap_few", "warning", "bootstrap",
                              f"only {p.bootstrap} bootstrap resamples: the 95% interval limits rest on "
                              f"{max(1, int(p.bootstrap * 0.025))} draws in each tail and vary from seed to seed; "
                              f"use {RECOMMENDED_BOOTSTRAP} or more for reporting",
                              message_zh=f"自助法重抽样仅 {p.bootstrap} 次：95% 区间的上下限在每一尾只依据 "
                              f"{max(1, int(p.bootstrap * 0.025))} 次抽样，且随随机种子而变化；"
                              f"报告时请使用 {RECOMMENDED_BOOTSTRAP} 次或更多。"))
    return out


# ------------------------------------------------------------------------------ data facts
from .errors import DataFactError  # noqa: E402,F401  (defined in csat.errors; re-exported here)


def _collinear_sets(X: np.ndarray, names: list[str], tol: float = 1e-8) -> list[list[str]]:
    """Items whose values are an exact linear function of other items (complete cases)."""
    n, k = X.shape
    if n <= k or k < 2:
        return []
    Z = X - X.mean(axis=0)
    sd = Z.std(axis=0)
    Z = Z / np.where(sd > 0, sd, 1.0)
    eig = np.linalg.eigvalsh(np.corrcoef(Z, rowvar=False))
    if eig[0] > tol * max(1.0, eig[-1]) * k:
        return []
    out = []
    for j in range(k):
        others = np.delete(Z, j, axis=1)
        beta, *_ = np.linalg.lstsq(others, Z[:, j], rcond=None)
        resid = Z[:, j] - others @ beta
        if float(resid @ resid) <= tol * n:
            big = [names[i if i < j else i + 1] for i in np.argsort(-np.abs(beta))[:3] if abs(beta[i]) > 1e-6]
            out.append([names[j], *big])
    return out


def data_facts(data: pd.DataFrame, p: StudyParams, *, stage: str = "01_cleaning") -> tuple[list[Diagnostic], list[str]]:
    """Facts of the analysed data that the later stages depend on.

    Returns ``(diagnostics, blocking)``: ``blocking`` is a list of one-line messages, each naming an
    item (or the sample) and why 02–05 cannot analyse it; the diagnostics hold them as ``error`` and
    the non-blocking facts as ``warning``.

    Parameters
    ----------
    data : DataFrame
        The cleaned data.
    p : StudyParams
        The study's parameters.
    stage : str
        The stage named in the diagnostics.

    Returns
    -------
    diagnostics : list of Diagnostic
    blocking : list of str

    Examples
    --------
    >>> from csat.params import load_params
    >>> p = load_params(project / "params" / "ecsi.yaml", root=project)
    >>> data_facts(ecsi, p)
    ([], [])
    >>> facts, blocking = data_facts(ecsi.assign(sat1=5), p)                # sat1 constant
    >>> [d.code for d in facts], len(blocking)
    (['item_zero_variance'], 1)
    """
    items = list(p.items)
    ic = p.item_construct
    n = len(data)
    diags: list[Diagnostic] = []
    blocking: list[str] = []

    def block(code: str, where: str, msg: str, msg_zh: str = ""):
        blocking.append(msg)
        diags.append(Diagnostic(code, "error", where, msg, stage, message_zh=msg_zh))

    need = len(items) + 1
    if n < need:
        block("too_few_respondents", "sample",
              f"only {n} respondent(s) remain after cleaning, but the analysis of {len(items)} items needs at least "
              f"{need} (with fewer, the items' correlation matrix is singular and factor analysis and SEM cannot run)",
              f"清洗后仅剩 {n} 名受访者，但分析 {len(items)} 个题项至少需要 {need} 名（少于此数时题项的相关矩阵奇异，"
              "因子分析和结构方程模型无法运行）。")
        return diags, blocking
    if p.recommend and p.recommend in data.columns and not pd.to_numeric(data[p.recommend], errors="coerce").notna().any():
        block("recommend_no_answers", p.recommend,
              f"column {p.recommend!r} (key 'recommend') has no 0–10 answer from any analysed respondent, so no Net "
              "Promoter Score can be computed; check the column or remove the 'recommend' key",
              f"列 {p.recommend!r}（键 'recommend'）在参与分析的受访者中没有任何 0–10 的答案，无法计算净推荐值（NPS）；"
              "请检查该列或删除 'recommend' 键。")
    for it in items:
        s = pd.to_numeric(data[it], errors="coerce")
        k = int(s.notna().sum())
        where = f"constructs.{ic[it]}.items"
        if k < MIN_ANSWERS:
            block("item_too_few_answers", it,
                  f"item {it!r} ({where}) is answered by only {k} of {n} analysed respondents (at least "
                  f"{MIN_ANSWERS} needed); remove it from the construct or check the column",
                  f"题项 {it!r}（{where}）在 {n} 名参与分析的受访者中仅有 {k} 人作答（至少需要 {MIN_ANSWERS} 人）；"
                  "请将其从构念中移除或检查该列。")
            continue
        if s.nunique(dropna=True) < 2:
            v = s.dropna().iloc[0]
            block("item_zero_variance", it,
                  f"item {it!r} ({where}) has the same answer ({v:g}) from every analysed respondent (zero "
                  "variance): it carries no information and makes the correlation matrix singular; remove it from "
                  "the construct",
                  f"所有参与分析的受访者在题项 {it!r}（{where}）上的答案都相同（{v:g}，方差为零）：该题项不含任何信息，"
                  "且会使相关矩阵奇异；请将其从构念中移除。")
            continue
        if k < LOW_ANSWER_SHARE * n:
            diags.append(Diagnostic("item_few_answers", "warning", it,
                                    f"item {it!r} is answered by only {k} of {n} analysed respondents ({k / n:.0%})",
                                    stage,
                                    message_zh=f"题项 {it!r} 在 {n} 名参与分析的受访者中仅有 {k} 人作答（{k / n:.0%}）。"))
    if blocking:
        return diags, blocking
    X = data[items].apply(pd.to_numeric, errors="coerce")
    complete = X.dropna()
    if p.sem_missing == "listwise" and len(complete) < need:
        block("too_few_complete", "sample",
              f"only {len(complete)} analysed respondent(s) answer all {len(items)} items, but the listwise "
              f"analysis (sem_missing: listwise) needs at least {need}; use sem_missing: fiml or check the items "
              "with the most missing answers",
              f"参与分析的受访者中仅 {len(complete)} 人回答了全部 {len(items)} 个题项，但列表删除分析"
              f"（sem_missing: listwise）至少需要 {need} 人；请改用 sem_missing: fiml，或检查缺失最多的题项。")
        return diags, blocking
    sets = _collinear_sets(complete.to_numpy(float), items) if len(complete) > len(items) else []
    if sets:
        s0 = sets[0]
        block("items_collinear", s0[0],
              f"item {s0[0]!r} is an exact linear function of {', '.join(repr(x) for x in s0[1:])} "
              "(perfectly collinear items, e.g. a column copied twice): the correlation matrix is singular; "
              "remove one of them",
              f"题项 {s0[0]!r} 是 {'、'.join(repr(x) for x in s0[1:])} 的精确线性函数（完全共线的题项，"
              "如同一列被复制了两次）：相关矩阵奇异；请删除其中之一。")
    return diags, blocking


def intake_check(p: StudyParams, params_path, root=None) -> list[Diagnostic]:
    """Read the raw file, apply the cleaning rules and check :func:`data_facts`; raise one
    :class:`DataFactError` (or :class:`csat.io.DataError`) for the first blocking problem.
    Returns the non-blocking diagnostics."""
    from . import cleaning, io as csat_io
    from .params import data_label

    df, _ = csat_io.load_study_data(p, params_path, root=root)
    res = cleaning.clean(df, p)
    diags, blocking = data_facts(res.data, p)
    if blocking and blocking[0].startswith("only ") and res.n_raw > res.n_clean:
        why = ", ".join(f"{k} {v}" for k, v in res.exclusions.items() if v)
        blocking[0] += f"; cleaning excluded {res.n_raw - res.n_clean} of {res.n_raw} ({why}): check the cleaning rules"
    if blocking:
        raise DataFactError(f"{data_label(p, params_path, root)}: {blocking[0]}" + (f" (and {len(blocking) - 1} more problem(s))"
                                                               if len(blocking) > 1 else ""))
    return diags
