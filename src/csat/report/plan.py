"""``make plan STUDY=<name>``: the survey plan and the questionnaire of a study, before fieldwork.

``python -m csat.report.plan --study <name> --params params/<name>.yaml [--overrides "language=zh"]
[--root DIR] [--no-pdf]`` reads the params (their ``design:`` block, the constructs, the model, the
item wording), runs no stage and needs no data, and writes

- ``reports/<name>/plan.html`` and ``plan.pdf``: sample size, stratified allocation, fieldwork and cost,
  the power of the structural model (:func:`csat.analyses.planning.compute_plan`, :mod:`csat.stats.planning`);
- ``reports/<name>/results/plan.json``: the plan's numbers;
- ``reports/<name>/questionnaire.html``, ``questionnaire.pdf`` and ``questionnaire.csv``
  (:mod:`csat.analyses.questionnaire`),

in the study's language, in the style of the report (its stylesheet, ``templates/document.html.j2``) and
printed by the report's Chromium (:class:`csat.report.pdf.Chromium`). Every error is one line on stderr
(``error: …``, exit status 2).
"""
from __future__ import annotations

import argparse
import datetime as _dt
import sys
from pathlib import Path

from markupsafe import Markup

from csat.analyses.planning import compute_plan, plan_sections
from csat.analyses.questionnaire import questionnaire_rows, questionnaire_sections
from csat.config.params import load_params, local_text, parse_overrides, project_root
from csat.core import paths
from csat.core.errors import ParamsError, ReportError
from csat.core.files import atomic_write_text, write_csv, write_json
from csat.core.i18n import html_lang, tr
from csat.report.pages import css, csat_version, jinja_env, publish
from csat.report.pdf import Chromium, exit_cleanly_on_sigterm

__all__ = ["render_document", "write_plan", "main"]


def _table_html(df) -> Markup:
    html = df.to_html(index=False, classes="csat-table", border=0, escape=True, na_rep="")
    return Markup(html.replace(' style="text-align: right;"', ""))


def render_document(title: str, kicker: str, meta: list[tuple[str, str]], sections: list[dict],
                    language: str) -> str:
    """One document page (the plan, the questionnaire) in the report's style."""
    secs = [{**s, "tables": [(c, _table_html(t)) for c, t in s.get("tables", [])]} for s in sections]
    return jinja_env().get_template("document.html.j2").render(
        title=title, kicker=kicker, meta=meta, sections=secs, language=language, lang_attr=html_lang(language),
        css=css(), csat_version=csat_version())


def write_plan(study: str, params_file: str | Path, overrides: dict | None = None, root: str | Path | None = None,
               pdf: bool = True, now: _dt.datetime | None = None) -> dict:
    """Write the plan and the questionnaire of ``study``; return the paths written."""
    params_file = Path(params_file)
    root = Path(root) if root else project_root(params_file)
    params = load_params(params_file, overrides, root=root)
    if params.study != study:
        raise ParamsError(f"{params_file}: study is {params.study!r}, not {study!r}")
    language = params.language
    chromium = None
    if pdf:
        chromium = Chromium()                           # starts while the pages are built
    try:
        out_dir = paths.report_dir(root, study)
        plan = compute_plan(params)
        write_json(paths.result_file(root, study, "plan.json"), plan)
        study_title = local_text(params.title, language) or study
        date = (now or _dt.datetime.now().astimezone()).strftime("%Y-%m-%d")
        meta = [(tr("Study", language), study), (tr("Date", language), date),
                (tr("Parameters", language), paths.relative(params_file.resolve(), root.resolve()))]
        written = {"plan.json": paths.result_file(root, study, "plan.json")}
        docs = {"plan": (tr("Survey plan", language), plan_sections(plan, language)),
                "questionnaire": (tr("Questionnaire", language), questionnaire_sections(params, language))}
        for name, (kicker, sections) in docs.items():
            html_path = out_dir / f"{name}.html"
            publish(atomic_write_text(html_path, render_document(study_title, kicker, meta, sections, language)))
            written[f"{name}.html"] = html_path
            if chromium is not None:
                written[f"{name}.pdf"] = chromium.print_pdf(html_path, out_dir / f"{name}.pdf")
        csv_path = out_dir / "questionnaire.csv"
        write_csv(csv_path, questionnaire_rows(params, language))
        written["questionnaire.csv"] = csv_path
    finally:
        if chromium is not None:
            chromium.close()
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m csat.report.plan", description=__doc__.split("\n\n")[0])
    ap.add_argument("--study", required=True)
    ap.add_argument("--params", required=True, help="params/<study>.yaml")
    ap.add_argument("--overrides", default=None, help='one-run overrides, e.g. "language=zh"')
    ap.add_argument("--root", default=None, help="project root (default: parent of params/)")
    ap.add_argument("--no-pdf", action="store_true", help="write the HTML and JSON only")
    args = ap.parse_args(argv)
    exit_cleanly_on_sigterm()
    try:
        out = write_plan(args.study, args.params, parse_overrides(args.overrides), root=args.root,
                         pdf=not args.no_pdf)
    except (ReportError, ParamsError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    root = Path(args.root) if args.root else project_root(Path(args.params))
    for p in out.values():
        print(f"wrote {paths.relative(p, root)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
