"""Key figures of the demo study's results, for the regression test that speed-ups change nothing.

Regenerate the stored copy (only when a change is *meant* to alter results, and say why in the
commit):  python tests/keyfigures.py reports/demo/results > tests/reference/demo_key_figures.json
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd


def key_figures(results: Path) -> dict:
    results = Path(results)
    out: dict = {}
    cl = json.loads((results / "cleaning.json").read_text())
    out["cleaning"] = {"n_raw": cl["n_raw"], "n_clean": cl["n_clean"], "exclusions": cl["exclusions"]}
    rel = pd.read_csv(results / "reliability.csv")
    out["reliability"] = {r.construct: {"alpha": r.alpha, "omega": r.omega, "cr": r.cr, "ave": r.ave}
                          for r in rel.itertuples()}
    efa = json.loads((results / "efa.json").read_text())
    out["efa"] = {"kmo": efa["kmo"], "n_factors": efa["n_factors"], "bartlett_chisq": efa["bartlett"]["chisq"]}
    for stage in ("cfa", "sem"):
        out[f"{stage}_fit"] = json.loads((results / f"{stage}_fit.json").read_text())
        est = pd.read_csv(results / f"{stage}_estimates.csv")
        out[f"{stage}_estimates"] = {f"{r['lhs']} {r['op']} {r['rhs']}": [r["est"], r["se"], r["std.all"]]
                                     for _, r in est.iterrows()}
    eff = pd.read_csv(results / "sem_effects.csv")
    out["sem_effects"] = {f"{r['from']}->{r['to']}": [r["direct"], r["indirect"], r["total"], r["std.total"]]
                          for _, r in eff.iterrows()}
    scores = pd.read_csv(results / "construct_scores.csv")
    out["index"] = dict(zip(scores["construct"], scores["index"]))
    return out


if __name__ == "__main__":
    print(json.dumps(key_figures(Path(sys.argv[1])), indent=1, sort_keys=True))


def _pdf_text(pdf: Path, first: int | None = None, last: int | None = None) -> str:
    import subprocess

    args = ["pdftotext", "-layout"] + (["-f", str(first), "-l", str(last)] if first else []) + [str(pdf), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def _printed(x: float, digits: int) -> str:
    return f"{x:.{digits}f}".replace("-", "−")


def page_one_problems(root: Path, study: str) -> list[str]:
    """One value per quantity: the headline index page 1 of the report states (``summary.json``) is the number the
    appendix shows (its source file's value, as the appendix table prints it, 1 to 3 decimals, rounding to the
    same 0.1) and the number ``reports/index.html`` shows for the study — in the study row and in the comparison
    table, where every construct's index is the one page 1 states.  Returns the problems found (empty: none)."""
    root = Path(root)
    d = root / "reports" / study
    summ = json.loads((d / "results" / "summary.json").read_text(encoding="utf-8"))
    h = summ.get("headline")
    problems = []
    if h is None:
        return problems
    shown = _printed(h["index"], 1)
    page1 = _pdf_text(d / "report.pdf", 1, 1)
    if shown not in page1:
        problems.append(f"{study}: page 1 does not state the headline {shown}")
    text = _pdf_text(d / "report.pdf")
    appendix = text[text.find("\f", text.find("Appendix B") if "Appendix B" in text else text.find("附录 B")):]
    if not any(_printed(h["index"], k) in appendix for k in (1, 2, 3)):
        problems.append(f"{study}: no appendix table shows the headline {h['index']:.3f} ({h['source']})")
    idx = (root / "reports" / "index.html").read_text(encoding="utf-8")
    row = idx[idx.find(f'{study}/report.html') - 2000:idx.find(f'{study}/report.html')]
    if f">{shown}<" not in row.replace(" ", "") and shown not in row:
        problems.append(f"{study}: reports/index.html does not show the headline {shown}")
    if 'id="comparison"' in idx:
        table = idx[idx.index('id="comparison"'):].split("</table>")[0]
        if f'data-study="{study}"' in table:
            line = table[table.index(f'data-study="{study}"'):].split("</tr>")[0]
            head = table.split("</thead>")[0]
            for i in summ.get("indices") or []:
                if f">{i['construct']}<" in head and _printed(i["index"], 1).replace("−", "-") not in line:
                    problems.append(f"{study}: the comparison table does not show {i['construct']} {i['index']:.1f}")
    return problems


#: Report-lint finding codes that issue #30 still leaves open, so the integration tests do not assert them:
#: none (a figure too tall for the rest of a page is now set smaller to fit it, csat.report.pdf.figure_fits,
#: so no page is left near empty).  Every code is asserted absent from every report the integration tests build.
OPEN_LINT_CODES: frozenset[str] = frozenset()
