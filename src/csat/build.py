"""Build bookkeeping for the Makefile: validate a study and write per-stage stamps.

``python -m csat.build prepare params/<study>.yaml [--overrides "bootstrap=200 seed=7"]``

1. validates the params file (schema, data file, every named column) — bad input
   stops here with one clear message, before any notebook runs;
2. writes, under ``reports/<study>/.build/``, only when their content changes:

   - ``papermill.yaml``: the notebooks' parameters (``params_file`` and ``overrides``);
   - ``stage-01_cleaning.json`` … ``stage-06_drivers_segments.json``: the effective parameters each
     stage reads, so that Make re-runs a stage only when *its* parameters change
     (changing ``bootstrap`` re-runs 05 and the reports, not 01–04);
   - ``deps.mk``: the raw data file, so the study depends on it.

Files are rewritten only when their bytes change, so their modification times tell
Make exactly what changed.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

from .params import ParamsError, load_params, parse_overrides, project_root, resolve_data_path
from .results import atomic_write_text

# Which top-level parameters each stage reads.  Keys not listed (title) only feed the reports.
STAGE_KEYS: dict[str, list[str]] = {
    "01_cleaning": ["study", "language", "data", "scale", "missing_codes", "labels", "constructs",
                    "item_labels", "reverse", "groups", "recommend", "cleaning"],
    "02_descriptives": ["study", "language", "scale", "constructs", "item_labels", "reverse", "groups",
                        "recommend", "ipma", "weights"],
    "03_reliability_validity": ["study", "language", "scale", "constructs", "item_labels", "missing",
                                "thresholds", "model", "model_template"],
    "04_factor_analysis": ["study", "language", "constructs", "item_labels", "efa", "model", "sem_missing",
                           "model_template", "thresholds", "seed"],
    "05_sem": ["study", "language", "scale", "constructs", "item_labels", "model", "model_template",
               "sem_missing", "ipma", "bootstrap", "seed", "thresholds"],
    "06_drivers_segments": ["study", "language", "data", "scale", "missing_codes", "labels", "constructs",
                            "item_labels", "groups", "ipma", "weights", "drivers", "segments", "kano", "servqual",
                            "seed"],
}


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` only if the content differs; return whether it changed."""
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    atomic_write_text(path, text)
    return True


def prepare(params_path: str | Path, overrides_text: str = "", root: str | Path | None = None) -> dict:
    params_path = Path(params_path)
    overrides = parse_overrides(overrides_text)
    root = Path(root) if root is not None else project_root(params_path)
    p = load_params(params_path, overrides, root=root)
    expected = params_path.stem
    if p.study != expected:
        raise ParamsError(f"{params_path}: key 'study' is {p.study!r} but the file is named {expected!r}.yaml; "
                          "they must agree (the study name is also the reports/ folder)")
    build = root / "reports" / p.study / ".build"
    effective = p.model_dump(mode="json")
    changed = []
    pm = {"params_file": str(params_path), "overrides": overrides}
    if write_if_changed(build / "papermill.yaml", yaml.safe_dump(pm, allow_unicode=True, sort_keys=True)):
        changed.append("papermill.yaml")
    for stage, keys in STAGE_KEYS.items():
        sub = {k: effective[k] for k in keys}
        if write_if_changed(build / f"stage-{stage}.json",
                            json.dumps(sub, indent=1, sort_keys=True, ensure_ascii=False) + "\n"):
            changed.append(stage)
    raw = resolve_data_path(p, params_path, root)
    try:
        raw_rel = raw.resolve().relative_to(root.resolve())
    except ValueError:
        raw_rel = raw.resolve()
    raw_make = str(raw_rel).replace(" ", "\\ ")
    if write_if_changed(build / "deps.mk", f"RAW := {raw_make}\n"):
        changed.append("deps.mk")
    return {"study": p.study, "changed": changed, "build": str(build)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m csat.build")
    sub = ap.add_subparsers(dest="cmd", required=True)
    pr = sub.add_parser("prepare", help="validate a study and write its stage stamps")
    pr.add_argument("params")
    pr.add_argument("--overrides", default="", help='one-run overrides, e.g. "bootstrap=200 efa.n_factors=3"')
    pr.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)
    try:
        info = prepare(args.params, args.overrides)
    except ParamsError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.verbose and info["changed"]:
        print(f"{info['study']}: changed {', '.join(info['changed'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
