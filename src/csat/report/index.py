"""The studies index, ``reports/index.html``: every study folder with a report, results or a build status
— its state, title, n, headline index, model fit and links to its report and notebooks — and the
comparison of the studies that share construct names (:func:`study_comparison`).

What the index says of a study is what its report says: the params are the ones its last build used
(:func:`study_params`: the params file and the run's overrides recorded in ``.build/papermill.yaml``),
and the headline index is the one of the report's summary (``results/summary.json``), or, without a
current summary, the one the summary would state (:func:`csat.report.summary.construct_indices` and
:func:`csat.report.summary.headline_construct`).

``python -m csat.report index`` writes it; so does the build when a study is recorded as built or failed.
"""
from __future__ import annotations

import datetime as _dt
import math
from pathlib import Path
from typing import Any

import yaml

from csat.config.params import load_params, local_text
from csat.core import paths
from csat.core.errors import ParamsError, ReportError
from csat.core.i18n import is_chinese
from csat.core.files import atomic_write_text
from csat.pipeline.graph import STAGES
from csat.report.pages import css, csat_version, jinja_env, publish
from csat.report.provenance import read_json, read_overrides_file, read_runinfo


def _fmt(x: Any, digits: int = 3) -> str:
    if x is None:
        return "–"
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, (int, float)):
        if isinstance(x, float) and not math.isfinite(x):
            return "–"
        return f"{x:.{digits}f}" if isinstance(x, float) else str(x)
    try:
        return f"{float(x):.{digits}f}"
    except (TypeError, ValueError):
        return str(x)


def _fit_values(obj: Any) -> dict[str, str]:
    """cfi, tli, rmsea, srmr from ``sem_fit.json`` (flat mapping, nested under fit/measures, or rows)."""
    flat: dict[str, Any] = {}

    def walk(o: Any, depth: int = 0):
        if depth > 3:
            return
        if isinstance(o, dict):
            if "measure" in o and "value" in o:
                flat.setdefault(str(o["measure"]).lower(), o["value"])
            for k, v in o.items():
                if isinstance(v, (int, float)) or v is None:
                    flat.setdefault(str(k).lower(), v)
            for v in o.values():
                if isinstance(v, (dict, list)):
                    walk(v, depth + 1)
        elif isinstance(o, list):
            for v in o:
                walk(v, depth + 1)

    walk(obj)
    return {k: _fmt(flat.get(k)) for k in ("cfi", "tli", "rmsea", "srmr")}


def study_params(root: str | Path, study: str):
    """The params the study's last build used: the params file and the run's overrides recorded in
    ``reports/<study>/.build/papermill.yaml`` (by ``csat.pipeline.build prepare``), else
    ``params/<study>.yaml`` as it is.  Returns a :class:`csat.config.params.StudyParams`, or None when
    there is no params file or it does not load (a study that failed at prepare)."""
    root = Path(root)
    pm = paths.build_dir(root, study) / "papermill.yaml"
    files, overrides = [root / "params" / f"{study}.yaml"], {}
    if pm.is_file():
        try:
            overrides = read_overrides_file(pm)
            recorded = (yaml.safe_load(pm.read_text(encoding="utf-8")) or {}).get("params_file")
        except ReportError:
            overrides, recorded = {}, None
        if recorded:
            files.insert(0, Path(recorded) if Path(recorded).is_absolute() else root / recorded)
    for f in files:
        if f.is_file():
            try:
                return load_params(f, overrides, root=root)
            except ParamsError:
                return None
    return None


def headline_index(root: str | Path, study: str, p, current: bool) -> tuple[str | None, float | None]:
    """``(construct, index)`` of the study's headline, as its report states it: from the summary
    (``results/summary.json``) when the report is ``current``, otherwise from its results by the
    summary's rule (:func:`csat.report.summary.construct_indices`, the PLS/ACSI index with
    ``estimator: pls``; :func:`csat.report.summary.headline_construct`, the IPMA target or the construct
    named like satisfaction).  ``(None, None)`` for a study without one (a scale validation) or
    without params ``p``."""
    from csat.report import summary as S

    d = paths.report_dir(root, study) / paths.RESULTS
    if current:
        head = (read_json(d / "summary.json", {}) or {}).get("headline")
        if isinstance(head, dict) and head.get("construct") and head.get("index") is not None:
            return str(head["construct"]), float(head["index"])
    if p is None:
        return None, None
    indices, _ = S.construct_indices(S.load_results(d, S.INDEX_FILES), p)
    target = S.headline_construct(p, [i["construct"] for i in indices])
    if target is None:
        return None, None
    idx = next(i["index"] for i in indices if i["construct"] == target)
    return target, None if math.isnan(idx) else float(idx)


def study_summary(root: str | Path, study: str) -> dict:
    """Key figures of one built study for the index page."""
    root = Path(root)
    d = paths.report_dir(root, study)
    p = study_params(root, study)
    cleaning = read_json(d / paths.RESULTS / "cleaning.json", {}) or {}
    status = build_state(root, study)
    construct, idx = headline_index(root, study, p, status["current"])
    label = construct
    if construct is not None and p is not None and construct in p.constructs:
        c = p.constructs[construct]
        if c.label or (is_chinese(p.language) and c.label_zh):       # labelled in the study's language
            label = f"{construct}: {p.construct_label(construct)}"
    fit = _fit_values(read_json(d / paths.RESULTS / "sem_fit.json", {}))
    links = []
    for name, text in [("report.html", "report (HTML)"), ("report.pdf", "report (PDF)")]:
        if (d / name).is_file():
            links.append({"href": f"{study}/{name}", "text": text})
    for s in STAGES:
        for ext in ("html", "ipynb"):
            if (d / f"{s}.{ext}").is_file():
                links.append({"href": f"{study}/{s}.{ext}", "text": f"{s[:2]} {ext}"})
                break
    n = cleaning.get("n_clean")
    return {"study": study, "title": _title(p),
            "n": "–" if n is None else str(n),
            "index": None if idx is None else _fmt(idx, 1), "index_construct": label, "fit": fit,
            "links": links, "status": status}


def _title(p) -> str:
    """The study's title in its language, ``""`` without one (or without params)."""
    return (local_text(p.title, p.language) or "") if p is not None else ""


def build_state(root: str | Path, study: str) -> dict:
    """``{"state", "text", "current"}`` of a study from ``reports/<study>/.build/status.json``:
    ``built`` (current), ``failed`` (at which stage, with the message) or ``building`` (running or
    interrupted); a study without a status file but with a report counts as built."""
    from csat.pipeline.build import read_status

    st = read_status(root, study)
    state = st.get("state")
    d = paths.report_dir(root, study)
    if state is None:
        state = "built" if (d / "report.html").is_file() else "incomplete"
    if state == "failed":
        text = f"FAILED at {st.get('stage')}: {st.get('message') or ''}".strip()
    elif state == "building":
        text = (f"INCOMPLETE: the build stopped or is running (last started: {st.get('stage')}); "
                "the report is not current")
    elif state == "incomplete":
        text = "INCOMPLETE: no report"
    else:
        text = "built"
    return {"state": state, "text": text, "current": state == "built" and (d / "report.html").is_file(),
            "time": st.get("time")}


def study_comparison(root: str | Path, studies: list[str]) -> dict:
    """The comparison table of the index page: every built study that shares construct names with
    another built study, with its n, the date its descriptives were built and the 0–100 index of
    every shared construct: the value the study's report states on page 1 (``results/summary.json``: the
    PLS/ACSI index with ``estimator: pls``, the weighted index with ``weights``) when the report is current,
    else the index of ``results/construct_scores.csv``.

    Returns ``{"constructs": [{"name", "label"}], "rows": [{"study", "title", "n", "date", "cells":
    [{"text", "sort", "ci"}]}]}``; constructs in order of first appearance, a study without a
    construct gets ``"–"`` there.  Empty when fewer than two studies share a construct.
    """
    import pandas as pd

    root = Path(root)
    per: dict[str, dict] = {}
    labels: dict[str, str] = {}
    for s in studies:
        d = paths.report_dir(root, s)
        f = d / paths.RESULTS / "construct_scores.csv"
        if not f.is_file():
            continue
        try:
            df = pd.read_csv(f)
        except Exception as err:  # pandas raises several parser errors
            raise ReportError(f"{f}: cannot read ({err})") from None
        if not {"construct", "index"} <= set(df.columns):
            continue
        p = study_params(root, s)
        cons = p.constructs if p is not None else {}
        for c in df["construct"].astype(str):
            labels.setdefault(c, str((cons[c].label if c in cons else None) or c))
        # the values page 1 of the report states (summary.json: the PLS index with estimator: pls, the weighted
        # index with weights), when the report is current; else the construct scores' index
        summ = (read_json(d / paths.RESULTS / "summary.json", {}) or {}) if build_state(root, s)["current"] else {}
        if isinstance(summ.get("indices"), list) and summ["indices"]:
            df = pd.DataFrame([{"construct": i["construct"], "index": i.get("index"),
                                "index.ci.lower": i.get("ci_lower"), "index.ci.upper": i.get("ci_upper"),
                                "n": i.get("n")} for i in summ["indices"] if i.get("construct")])
        info = read_runinfo(d).get("02_descriptives", {})
        date = str(info.get("finished") or "")[:10] or _dt.date.fromtimestamp(f.stat().st_mtime).isoformat()
        n = (read_json(d / paths.RESULTS / "cleaning.json", {}) or {}).get("n_clean")
        per[s] = {"title": _title(p), "n": n, "date": date,
                  "index": {str(r["construct"]): r for _, r in df.iterrows()}}
    count: dict[str, int] = {}
    for v in per.values():
        for c in v["index"]:
            count[c] = count.get(c, 0) + 1
    shared = [c for c in dict.fromkeys(c for v in per.values() for c in v["index"]) if count[c] >= 2]
    rows = []
    for s, v in per.items():
        if not any(c in v["index"] for c in shared):
            continue
        cells = []
        for c in shared:
            r = v["index"].get(c)
            val = None if r is None else pd.to_numeric(pd.Series([r["index"]]), errors="coerce").iloc[0]
            if val is None or pd.isna(val):
                cells.append({"text": "–", "sort": "", "ci": ""})
                continue
            lo, hi = (r.get("index.ci.lower"), r.get("index.ci.upper")) if hasattr(r, "get") else (None, None)
            ci = f"95% CI [{_fmt(lo, 1)}, {_fmt(hi, 1)}], n = {r.get('n', '')}" if lo is not None and hi is not None else ""
            cells.append({"text": _fmt(float(val), 1), "sort": f"{float(val):.6f}", "ci": ci})
        rows.append({"study": s, "title": v["title"], "n": "–" if v["n"] is None else str(v["n"]),
                     "date": v["date"], "cells": cells})
    if len(rows) < 2:
        return {"constructs": [], "rows": []}
    return {"constructs": [{"name": c, "label": labels.get(c, c)} for c in shared], "rows": rows}

def built_studies(root: str | Path) -> list[str]:
    """Folders under ``reports/`` that hold a report.html, a results/ folder or a build status, sorted."""
    rep = paths.reports_root(root)
    if not rep.is_dir():
        return []
    return sorted(p.name for p in rep.iterdir()
                  if p.is_dir() and not p.name.startswith(".")
                  and ((p / "report.html").is_file() or (p / paths.RESULTS).is_dir()
                       or (p / paths.BUILD / "status.json").is_file()))


def build_index(root: str | Path = ".", now: _dt.datetime | None = None) -> Path:
    """Write ``reports/index.html`` listing every built study; return its path."""
    root = Path(root)
    now = now or _dt.datetime.now().astimezone()
    names = built_studies(root)
    studies = [study_summary(root, s) for s in names]
    page = jinja_env().get_template("studies.html.j2").render(
        css=css(), csat_version=csat_version(), built=now.isoformat(timespec="seconds"), studies=studies,
        comparison=study_comparison(root, names))
    return publish(atomic_write_text(paths.index_file(root), page))
