"""The report's command line: ``python -m csat.report study|index ...`` (the Makefile's report steps).

``python -m csat.report study --study <name> --params params/<name>.yaml [--overrides JSON]
[--overrides-file reports/<name>/.build/papermill.yaml] [--no-pdf] [--finish]`` writes
``reports/<study>/report.html`` (:mod:`csat.report.html`) and ``report.pdf`` (:mod:`csat.report.pdf`);
``--finish`` then records the study as built and writes the studies index.

``python -m csat.report index [--root .]`` writes ``reports/index.html`` (:mod:`csat.report.index`).

Every error is one line on stderr (``error: …``, exit status 2), never a traceback.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from csat.config.params import parse_overrides, project_root
from csat.core import paths
from csat.core.errors import ParamsError, ReportError
from csat.report.html import build_report_html
from csat.report.index import build_index
from csat.report.pdf import Chromium, exit_cleanly_on_sigterm
from csat.report.provenance import read_overrides_file


def parse_overrides_arg(text: str | None) -> dict:
    """``--overrides`` value: a JSON object, or ``key=value key2=value2`` (YAML values)."""
    if text is None or not str(text).strip():
        return {}
    text = str(text).strip()
    if text.startswith("{"):
        try:
            obj = json.loads(text)
        except json.JSONDecodeError as err:
            raise ReportError(f"--overrides: not a valid JSON object ({err})") from None
        if not isinstance(obj, dict):
            raise ReportError("--overrides: must be a JSON object like {\"bootstrap\": 200}")
        return obj
    return parse_overrides(text)


def build_study(study: str, params_file: str | Path, overrides: dict | None = None,
                root: str | Path | None = None, pdf: bool = True) -> dict:
    """Build ``report.html`` (and ``report.pdf``) of one study; return ``{"html": path, "pdf": path|None}``."""
    chromium, missing = None, None
    if pdf:
        try:
            chromium = Chromium()                   # starts while report.html is built
        except ReportError as err:                  # no Chromium: report.html is still written, then the error
            missing = err
    try:
        html_path = build_report_html(study, params_file, overrides, root=root)
        if missing is not None:
            raise missing
        pdf_path = chromium.print_pdf(html_path, html_path.with_name("report.pdf")) if chromium else None
    finally:
        if chromium is not None:
            chromium.close()
    return {"html": html_path, "pdf": pdf_path}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m csat.report", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    st = sub.add_parser("study", help="build reports/<study>/report.html and report.pdf")
    st.add_argument("--study", required=True)
    st.add_argument("--params", required=True, help="params/<study>.yaml")
    st.add_argument("--overrides", default=None,
                    help='one-run overrides: JSON object {"bootstrap": 200} or "bootstrap=200 seed=7"')
    st.add_argument("--overrides-file", default=None,
                    help="YAML file with the overrides (reports/<study>/.build/papermill.yaml)")
    st.add_argument("--root", default=None, help="project root (default: parent of params/)")
    st.add_argument("--no-pdf", action="store_true", help="build report.html only")
    st.add_argument("--finish", action="store_true",
                    help="then record the study as built and write reports/index.html (the Makefile's last step, "
                         "done here to save a process start)")
    ix = sub.add_parser("index", help="build reports/index.html")
    ix.add_argument("--root", default=".", help="project root (default: current directory)")
    args = ap.parse_args(argv)
    if args.cmd == "study":          # in a process forked from the study's fork server, if one is ready
        from csat.pipeline import warm

        root = Path(args.root) if args.root else project_root(Path(args.params))
        rc = warm.call_here_or_there(paths.warm_kernels_dir(root.resolve(), args.study), "csat.report.cli",
                                     list(argv if argv is not None else sys.argv[1:]))
        if rc is not None:
            return rc
    exit_cleanly_on_sigterm()
    try:
        if args.cmd == "study":
            overrides = read_overrides_file(args.overrides_file) if args.overrides_file else {}
            overrides.update(parse_overrides_arg(args.overrides))
            out = build_study(args.study, args.params, overrides, root=args.root, pdf=not args.no_pdf)
            print(f"wrote {out['html']}" + (f" and {out['pdf']}" if out["pdf"] else ""))
            if args.finish:
                from csat.pipeline.build import record_success

                root = Path(args.root) if args.root else project_root(Path(args.params))
                if record_success(root, args.study):           # the state changed, or there is no index
                    print(f"wrote {Path(os.path.relpath(build_index(root), root)).as_posix()}", flush=True)
        else:
            print(f"wrote {build_index(args.root)}")
    except (ReportError, ParamsError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0
