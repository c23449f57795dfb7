"""The checks of a study that read its data file, run by ``csat.pipeline.build prepare`` (and by each
stage's start) before any notebook analyses the data.

The schema (:mod:`csat.config.params`) checks the parameter file alone, and :mod:`csat.config.checks`
the model against a list of columns; the checks here open the raw export with the intake's readers
(:mod:`csat.intake.readers`), so they live in the intake layer:

* :func:`load_study`: :func:`csat.config.params.load_params` followed by :func:`check_data_columns`:
  the one call that turns a parameter file into checked :class:`csat.config.params.StudyParams`.
* :func:`check_data_columns`: the data file(s) exist and hold every column the params name (one
  :class:`csat.core.errors.ParamsError` naming the key, with a near match), then
  :func:`csat.config.checks.check_model` with the header.
* :func:`check_wave_levels`: the wave labels of ``waves.order`` occur in the wave column.
* :func:`data_facts` (after cleaning): an item every analysed respondent answered identically, an
  item answered by fewer than :data:`MIN_ANSWERS` respondents, perfectly collinear items, too few
  respondents for the number of items (or, listwise, too few complete ones) and a ``recommend``
  column without answers are blocking; items answered by under :data:`LOW_ANSWER_SHARE` of the
  respondents are warnings.
* :func:`intake_check`: intake, cleaning and :func:`data_facts` in one, raising one
  :class:`csat.core.errors.DataFactError` naming the item and why for the first blocking fact.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from csat.config.checks import check_model, check_study_keys, driver_variables
from csat.config.params import StudyParams, data_label, load_params, resolve_data_paths
from csat.core.diagnostics import Diagnostic, Listing, diagnostic
from csat.core.errors import DataFactError, ParamsError
from csat.core.text import suggest
from csat.intake.readers import apply_rename, load_study_data, read_columns, read_raw, same_columns

__all__ = ["load_study", "check_data_columns", "check_wave_levels", "data_facts", "study_facts", "intake_check",
           "MIN_ANSWERS", "LOW_ANSWER_SHARE"]


def load_study(path: str | Path, overrides: dict | None = None, *, root: str | Path | None = None,
               check_data: bool = True) -> StudyParams:
    """Read, override and validate a study's parameter file (:func:`csat.config.params.load_params`)
    and, with ``check_data``, check that its data file exists and holds every column the params name
    (:func:`check_data_columns`, which also checks the model against the header).

    >>> p = load_study(project / "params" / "ecsi.yaml", {"bootstrap": 200}, root=project)
    >>> p.study, p.bootstrap
    ('ecsi', 200)
    """
    p = load_params(path, overrides, root=root)
    if check_data:
        check_data_columns(p, path, root=root)
    return p


def check_data_columns(p: StudyParams, params_path: str | Path, root: str | Path | None = None) -> None:
    """Check that the data file exists and holds every column the params name.  With one file per wave
    every file must exist and have the same columns, none named like the wave column."""
    paths = resolve_data_paths(p, params_path, root)
    for dp, given in zip(paths, p.data.files):
        if dp.is_dir():
            raise ParamsError(f"{params_path}: key 'data.path': {str(dp)!r} is a folder, not a data file; name the "
                              "file in it (e.g. data/raw/survey.csv)")
        if not dp.is_file():
            raise ParamsError(f"{params_path}: key 'data.path': data file {str(dp)!r} not found"
                              + _comment_hint(params_path, given))
    if p.data.wave_files is None:
        dp = paths[0]
        columns = read_columns(dp, encoding=p.data.encoding, sheet=p.data.sheet, rename=p.data.rename,
                               header_rows=p.data.header_rows)
    else:
        per_file = [read_columns(f, encoding=p.data.encoding, sheet=p.data.sheet, rename=p.data.rename,
                               header_rows=p.data.header_rows)
                    for f in paths]
        try:
            columns = same_columns(dict(zip(paths, per_file)), p.waves.column)
        except ValueError as err:
            raise ParamsError(f"{params_path}: key 'data.path': {err}") from None
        dp = Path(" + ".join(f.name for f in paths))
    missing = [c for c in p.data_columns if c not in columns]
    if missing:
        where = []
        ic = p.item_construct
        for c in missing:
            key = (f"constructs.{ic[c]}.items" if c in ic else
                   "groups" if c in p.groups else
                   "data.id" if c == p.data.id else
                   "data.duration" if c == p.data.duration else
                   "recommend" if c == p.recommend else
                   "invariance.group" if p.invariance and c == p.invariance.group else
                   "waves.column" if p.waves and c == p.waves.column else
                   "cleaning.attention_checks" if c in p.cleaning.attention_checks else
                   p.extra_columns.get(c, "cleaning.attention_checks"))
            where.append(f"column {c!r} (key {key!r}) is not in {dp.name}{suggest(c, columns)}")
        sheet_hint = _other_sheet(p, dp, missing) if p.data.wave_files is None else ""
        if len(missing) == len(p.data_columns) and len(missing) > 3:
            head = ", ".join(repr(str(c)[:40]) for c in columns[:6]) + (", ..." if len(columns) > 6 else "")
            raise ParamsError(f"{params_path}: none of the {len(missing)} columns the params name is in {dp.name}"
                              + (sheet_hint or f" (key 'data.path': is it the right file? its header is {head})"))
        if sheet_hint:
            raise ParamsError(f"{params_path}: {len(missing)} of the {len(p.data_columns)} columns the params name "
                              f"are not in {dp.name}{sheet_hint}")
        if len(where) > 5:
            where = where[:5] + [f"and {len(where) - 5} more columns are not in {dp.name}"]
        raise ParamsError(f"{params_path}: " + "; ".join(where))
    check_model(p, params_path, columns)
    check_study_keys(p, params_path)
    if p.waves is not None and p.waves.order is not None and p.data.wave_files is None:
        check_wave_levels(p, dp, params_path)


def _comment_hint(params_path: str | Path, given: str) -> str:
    """When the line of the params file that gives ``data.path`` goes on after it with `` #``, YAML read the
    rest as a comment: say so (the path must be quoted)."""
    try:
        text = Path(params_path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
    for line in text.splitlines():
        m = re.search(re.escape(given) + r"(\s+#.*)$", line)
        if m and not line.lstrip().startswith("#"):
            whole = (given + m.group(1)).rstrip()
            return (f"; the line reads {whole!r}, but in YAML a '#' after a space starts a comment, so the path "
                    f"ends before it: quote the path (path: \"{whole}\")")
    return ""


def _other_sheet(p: StudyParams, dp: Path, missing: list[str]) -> str:
    """For a workbook, the sheets and the one that holds the missing columns (``data.sheet``), else ''."""
    from csat.core.errors import DataError
    from csat.intake.readers import EXCEL_SUFFIXES, workbook_sheets

    if dp.suffix.lower() not in EXCEL_SUFFIXES:
        return ""
    try:
        sheets = workbook_sheets(dp)
    except DataError:
        return ""
    if len(sheets) < 2:
        return ""
    shown = p.data.sheet if p.data.sheet is not None else sheets[0]
    for name in sheets:
        if str(name) == str(shown):
            continue
        try:
            cols = read_columns(dp, encoding=p.data.encoding, sheet=name, rename=p.data.rename,
                                    header_rows=p.data.header_rows)
        except DataError:
            continue
        if all(c in cols for c in missing):
            return (f" (sheet {shown!r} was read; the workbook's sheets are {sheets} and the columns are on sheet "
                    f"{name!r}: set data.sheet: {name})")
    return f" (sheet {shown!r} was read; the workbook's sheets are {sheets}: choose one with data.sheet)"


def check_wave_levels(p: StudyParams, data_path: Path, params_path: str | Path) -> None:
    """Every level in ``waves.order`` must occur in the wave column of the raw data (compared as text)."""
    raw, _ = read_raw(data_path, encoding=p.data.encoding, sheet=p.data.sheet, allow_ragged=p.data.allow_ragged,
                      header_rows=p.data.header_rows)
    if p.data.rename:
        raw.columns = apply_rename(data_path, list(raw.columns), p.data.rename)
    present = sorted({str(v) for v in raw[p.waves.column].dropna().unique()})
    absent = [o for o in p.waves.order if str(o) not in present]
    if absent:
        raise ParamsError(f"{params_path}: key 'waves.order': wave(s) {absent} do not occur in column "
                          f"{p.waves.column!r} of {data_path.name} (waves there: {present})"
                          f"{suggest(str(absent[0]), present)}")


#: An item answered by fewer respondents than this (after cleaning) cannot be analysed.
MIN_ANSWERS = 10


#: Items answered by under this share of the analysed respondents are reported (warning).
LOW_ANSWER_SHARE = 0.5


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
    >>> from csat.config.params import load_params
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

    def block(d: Diagnostic):
        """A blocking fact: its English message is also the error the intake check raises."""
        blocking.append(d.message)
        diags.append(d)

    need = len(items) + 1
    if n < need:
        block(diagnostic("too_few_respondents", "error", "sample",
                         "only {n} respondent(s) remain after cleaning, but the analysis of {n_items} items needs at "
                         "least {need} (with fewer, the items' correlation matrix is singular and factor analysis and "
                         "SEM cannot run)", stage=stage, n=n, n_items=len(items), need=need))
        return diags, blocking
    if p.recommend and p.recommend in data.columns and not pd.to_numeric(data[p.recommend], errors="coerce").notna().any():
        block(diagnostic("recommend_no_answers", "error", p.recommend,
                         "column {column!r} (key 'recommend') has no 0–10 answer from any analysed respondent, so no "
                         "Net Promoter Score can be computed; check the column or remove the 'recommend' key",
                         stage=stage, column=p.recommend))
    for it in items:
        s = pd.to_numeric(data[it], errors="coerce")
        k = int(s.notna().sum())
        where = f"constructs.{ic[it]}.items"
        if k < MIN_ANSWERS:
            block(diagnostic("item_too_few_answers", "error", it,
                             "item {item!r} ({key}) is answered by only {k} of {n} analysed respondents (at least "
                             "{min_answers} needed); remove it from the construct or check the column",
                             stage=stage, item=it, key=where, k=k, n=n, min_answers=MIN_ANSWERS))
            continue
        if s.nunique(dropna=True) < 2:
            v = s.dropna().iloc[0]
            block(diagnostic("item_zero_variance", "error", it,
                             "item {item!r} ({key}) has the same answer ({value:g}) from every analysed respondent "
                             "(zero variance): it carries no information and makes the correlation matrix singular; "
                             "remove it from the construct", stage=stage, item=it, key=where, value=v))
            continue
        if k < LOW_ANSWER_SHARE * n:
            diags.append(diagnostic("item_few_answers", "warning", it,
                                    "item {item!r} is answered by only {k} of {n} analysed respondents ({share:.0%})",
                                    stage=stage, item=it, k=k, n=n, share=k / n))
    if blocking:
        return diags, blocking
    X = data[items].apply(pd.to_numeric, errors="coerce")
    complete = X.dropna()
    if p.sem_missing == "listwise" and len(complete) < need:
        block(diagnostic("too_few_complete", "error", "sample",
                         "only {n_complete} analysed respondent(s) answer all {n_items} items, but the listwise "
                         "analysis (sem_missing: listwise) needs at least {need}; use sem_missing: fiml or check the "
                         "items with the most missing answers",
                         stage=stage, n_complete=len(complete), n_items=len(items), need=need))
        return diags, blocking
    sets = _collinear_sets(complete.to_numpy(float), items) if len(complete) > len(items) else []
    if sets:
        s0 = sets[0]
        block(diagnostic("items_collinear", "error", s0[0],
                         "item {item!r} is an exact linear function of {others} (perfectly collinear items, e.g. a "
                         "column copied twice): the correlation matrix is singular; remove one of them",
                         stage=stage, item=s0[0], others=Listing(repr(x) for x in s0[1:])))
    return diags, blocking


def intake_check(p: StudyParams, params_path, root=None) -> list[Diagnostic]:
    """Read the raw file, apply the cleaning rules and check :func:`data_facts`; raise one
    :class:`csat.core.errors.DataFactError` (or :class:`csat.core.errors.DataError`) for the first blocking
    problem.  Returns the non-blocking diagnostics."""
    from csat.intake import cleaning       # when needed: the cleaning engine imports the statistics

    df, report = load_study_data(p, params_path, root=root)
    res = cleaning.clean(df, p)
    diags, blocking = data_facts(res.data, p)
    if blocking and blocking[0].startswith("only ") and res.n_raw > res.n_clean:
        why = ", ".join(f"{k} {v}" for k, v in res.exclusions.items() if v)
        blocking[0] += f"; cleaning excluded {res.n_raw - res.n_clean} of {res.n_raw} ({why}): check the cleaning rules"
    if blocking:
        raise DataFactError(f"{data_label(p, params_path, root)}: {blocking[0]}" + (f" (and {len(blocking) - 1} more problem(s))"
                                                               if len(blocking) > 1 else ""))
    problem = study_facts(res.data, p, report.extra)
    if problem:
        raise DataFactError(f"{data_label(p, params_path, root)}: {problem}")
    return diags


def study_facts(data: pd.DataFrame, p: StudyParams, extra: pd.DataFrame | None = None) -> str | None:
    """The optional analyses of 02 and 06 checked on the cleaned data before any notebook runs them: the weights
    (a given weights column positive for every analysed respondent; raking margins whose levels are missing from
    the data or data levels without a margin), the key drivers (enough complete respondents, no constant
    variable), the segments (enough respondents for ``segments.k``), Kano and SERVQUAL columns with no valid answer.

    Returns the first problem as one line naming the key (``None`` when all is well).

    Parameters
    ----------
    data : DataFrame
        The cleaned data (index: the raw data row numbers).
    p : StudyParams
        The study's parameters.
    extra : DataFrame, optional
        The raw columns the study names besides the cleaned ones (``IntakeReport.extra``), indexed by raw row.
    """
    from csat.core.errors import WeightsError
    from csat.intake.extras import numeric_answers
    from csat.stats import descriptives, drivers as drv, segments as seg, weights as wts

    def col(c: str) -> pd.Series:
        if c in data.columns:
            return data[c]
        return extra.loc[data.index, c] if extra is not None and c in extra.columns else pd.Series(index=data.index)

    n = len(data)
    if p.weights is not None:
        try:
            base = wts.check_weights(col(p.weights.column), p.weights.column) if p.weights.column else None
            if p.weights.rake:
                groups = pd.DataFrame({c: col(c) for c in p.weights.rake}, index=data.index)
                for c in groups.columns:              # the level text of csat.analyses.descriptives.study_weights
                    groups[c] = groups[c].map(lambda v: v if pd.isna(v) else (
                        str(int(v)) if isinstance(v, float) and float(v).is_integer() else str(v)).strip())
                wts.rake(groups, p.weights.rake, None if base is None else base.to_numpy())
        except WeightsError as err:                  # "weights.rake.region: …", "weights.column 'wt': …"
            m = re.match(r"(weights[\w.]*)(?: ('[^']*'))?: (.*)", str(err))
            if not m:
                return f"key 'weights': {err}"
            return f"key {m.group(1)!r}: " + (f"column {m.group(2)}: " if m.group(2) else "") + m.group(3)
    constructs = {name: c.items for name, c in p.constructs.items()}
    if p.drivers is not None or p.segments is not None:
        scores = descriptives.construct_scores(data, constructs, min_share=p.scores.min_share)
    if p.drivers is not None:
        target, predictors = driver_variables(p)
        frame = drv.driver_frame(scores, data, [target, *predictors]).dropna()
        if len(frame) < len(predictors) + 3:
            return (f"key 'drivers': only {len(frame)} analysed respondents have the target {target!r} and all "
                    f"{len(predictors)} predictors; the key-driver regression needs at least {len(predictors) + 3}")
        const = [c for c in frame.columns if not frame[c].std(ddof=1) > 0]
        if const:
            return (f"key 'drivers': {', '.join(map(repr, const))} do(es) not vary among the {len(frame)} complete "
                    "respondents, so it explains nothing; remove it from the drivers")
    if p.segments is not None:
        on = p.segments.on or list(constructs)
        k = int(scores[on].notna().all(axis=1).sum())
        lo = seg.K_RANGE[0]
        if p.segments.k != "auto" and k < int(p.segments.k) + 1:
            return (f"key 'segments.k': {k} analysed respondents with every construct in {on} cannot form "
                    f"{p.segments.k} segments; choose a smaller k")
        if k < 3 * lo:
            return (f"key 'segments': only {k} analysed respondents have every construct in {on}; segments need at "
                    f"least {3 * lo}")
    for f, spec in (p.kano or {}).items():
        for role in ("functional", "dysfunctional"):
            c = getattr(spec, role)
            vals, _ = numeric_answers(col(c), p.missing_codes, p.labels, 1, 5)
            if not vals.notna().any():
                return (f"key 'kano.{f}.{role}': column {c!r} has no Kano answer (a code 1–5 or a 'labels' text) "
                        f"from any of the {n} analysed respondents (values {_values(col(c))})")
    for d, spec in (p.servqual or {}).items():
        for role in ("expectation", "perception"):
            for c in getattr(spec, role):
                vals, _ = numeric_answers(col(c), p.missing_codes, p.labels, p.scale.min, p.scale.max)
                if not vals.notna().any():
                    return (f"key 'servqual.{d}.{role}': column {c!r} has no answer on the scale from any of the "
                            f"{n} analysed respondents (values {_values(col(c))})")
    return None


def _values(s: pd.Series, limit: int = 3) -> str:
    def shown(v):
        v = v.item() if isinstance(v, np.generic) else v
        return repr(int(v) if isinstance(v, float) and v.is_integer() else v)

    vals = [shown(v) for v in pd.unique(s.dropna())[:limit + 1]]
    return (", ".join(vals[:limit]) + (", …" if len(vals) > limit else "")) if vals else "all empty"
