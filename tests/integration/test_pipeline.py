"""Integration: the whole demo study through Make and papermill, in a copy of the project.

The copy keeps the files' modification times (so the virtual environment counts as up to
date) and uses this checkout's ``.venv``.  It checks the results contract, that no notebook
has an error cell, that a second ``make`` does nothing, that a parameter only the SEM stage
reads re-runs only ``05_sem`` and the reports, and that a bad params file stops the build
with a message naming the key.
"""
from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
STAGES = ["01_cleaning", "02_descriptives", "03_reliability_validity", "04_factor_analysis", "05_sem"]
FIT_NAMES = ["npar", "chisq", "df", "pvalue", "cfi", "tli", "nfi", "gfi", "agfi", "rmsea",
             "rmsea.ci.lower", "rmsea.ci.upper", "srmr", "aic", "bic", "logl", "ntotal"]
EST_COLS = ["lhs", "op", "rhs", "est", "se", "z", "pvalue", "ci.lower", "ci.upper", "std.all"]

pytestmark = pytest.mark.integration


def _copy_project(dst: Path) -> None:
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for f in files:
        src = ROOT / f
        if not src.is_file():
            continue
        (dst / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst / f)          # keeps mtimes: the lock stays older than .venv/.installed


def _make(proj: Path, *args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, MAKEFLAGS="", **(env_extra or {}))
    return subprocess.run(["make", "--no-print-directory", f"VENV={ROOT / '.venv'}", *args], cwd=proj,
                          capture_output=True, text=True, env=env, timeout=1800)


def _warm_kernels_running(proj: Path, wait: float = 0.0) -> list[int]:
    """Pids of processes that are warm kernels booted for a study of ``proj`` (csat.pipeline.warm), or its kernel
    fork server and the kernels it forked (their command line is the server's: csat.pipeline.forkserver); waits up to
    ``wait`` seconds for them to end (they notice the end of the build within a quarter second)."""
    import time

    end = time.monotonic() + wait
    while True:
        found = _warm_processes(proj)
        if not found or time.monotonic() >= end:
            return found
        time.sleep(0.1)


def _warm_processes(proj: Path) -> list[int]:
    found = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                env = (d / "environ").read_bytes()
                cmd = (d / "cmdline").read_bytes()
            except OSError:
                continue
            if (f"CSAT_WARM_RECORD={proj.resolve()}".encode() in env
                    or (b"csat.pipeline.forkserver" in cmd and str(proj.resolve()).encode() in cmd)):
                found.append(int(d.name))
    return found


def _header(path: Path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as fh:
        return next(csv.reader(fh))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    proj = tmp_path_factory.mktemp("project")
    _copy_project(proj)
    shared = proj.parent / "shared"          # params/ecsi.yaml reads ../shared/datasets, as in a clone
    if not shared.exists():
        shared.symlink_to(ROOT.parent / "shared")
    r = _make(proj, "-j1", "study", "STUDY=demo", "BOOTSTRAP=200")          # serial (see the -j2 test)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    return proj, r


def test_every_stage_ran_without_error_cells(built):
    proj, _ = built
    out = proj / "reports" / "demo"
    for s in STAGES:
        nb = nbformat.read(out / f"{s}.ipynb", as_version=4)
        errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.get("output_type") == "error"]
        assert not errors, f"{s}: error output {errors[0].get('ename')}"
        assert (out / f"{s}.html").stat().st_size > 10_000
        # an English study's notebooks keep the English explanations only (no cell tagged zh)
        assert nb.metadata.csat.language == "en" and nb.metadata.papermill.input_path == f"notebooks/{s}.ipynb"
        assert not [c for c in nb.cells if "zh" in c.metadata.get("tags", [])], s
    assert (out / "report.html").is_file() and (out / "report.pdf").is_file()
    assert (proj / "reports" / "index.html").is_file()
    assert (proj / "data" / "processed" / "demo" / "clean.parquet").is_file()
    # every stage ran on a kernel booted in advance (01's by `csat.pipeline.build prepare`, the others' by the
    # stage before them: csat.pipeline.warm), and none of those kernels is left
    warm = {s: json.loads((out / "runinfo" / f"{s}.json").read_text(encoding="utf-8"))["warm_kernel"] for s in STAGES}
    assert warm == {s: True for s in STAGES}
    assert not _warm_kernels_running(proj, wait=10)
    assert not [f for f in (out / ".build" / "kernels").iterdir() if f.name != "zygote.log"]


def test_parallel_build_gives_byte_identical_results(built, tmp_path_factory):
    """make -j2 runs independent stages at once (02, 03, 04 after 01; 05 and 06 after 02): every file in
    results/ (and figures/) equals the serial build's byte for byte, and no stage is left marked running.
    This build also starts every stage's kernel itself (CSAT_WARM_KERNELS=0) where the serial one used
    kernels booted in advance (csat.pipeline.warm): neither may change a result.  No kernel outlives either build."""
    proj, _ = built
    par = tmp_path_factory.mktemp("project_j2")
    _copy_project(par)
    r = _make(par, "-j2", "study", "STUDY=demo", "BOOTSTRAP=200", env_extra={"CSAT_WARM_KERNELS": "0"})
    assert not (par / "reports" / "demo" / ".build" / "kernels").exists()
    assert not _warm_kernels_running(proj, wait=10) and not _warm_kernels_running(par, wait=10)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    for sub in ("results", "figures"):
        a, b = proj / "reports" / "demo" / sub, par / "reports" / "demo" / sub
        names = sorted(f.name for f in a.iterdir())
        assert names == sorted(f.name for f in b.iterdir())
        differ = [n for n in names if (a / n).read_bytes() != (b / n).read_bytes()]
        assert not differ, f"{sub}/ files differ between make and make -j2: {differ}"
    assert not list((par / "reports" / "demo" / ".build").glob("running-*"))


def test_build_prints_no_kernel_transport_warning(built):
    _, r = built
    assert "without encryption" not in r.stdout + r.stderr


def test_results_follow_the_contract(built):
    proj, _ = built
    res = proj / "reports" / "demo" / "results"
    cl = json.loads((res / "cleaning.json").read_text())
    assert isinstance(cl["n_raw"], int) and isinstance(cl["n_clean"], int) and cl["n_clean"] < cl["n_raw"]
    assert set(cl["exclusions"]) >= {"duplicates", "speeders", "straightlining", "attention_checks", "max_missing_share"}
    assert cl["n_raw"] - cl["n_clean"] == sum(cl["exclusions"].values())
    assert _header(res / "items.csv")[:11] == ["item", "construct", "n", "missing", "mean", "sd", "median",
                                               "min", "max", "skew", "kurtosis"]
    assert _header(res / "reliability.csv")[:9] == ["construct", "n_items", "n", "alpha", "alpha.ci.lower",
                                                    "alpha.ci.upper", "omega", "cr", "ave"]
    assert _header(res / "item_total.csv")[:4] == ["construct", "item", "r.drop", "alpha.if.deleted"]
    for m in ("htmt.csv", "fornell_larcker.csv"):
        h = _header(res / m)
        rows = list(csv.reader(open(res / m, encoding="utf-8")))[1:]
        assert [r[0] for r in rows] == h[1:], f"{m} is not square with names as first column and header"
    efa = json.loads((res / "efa.json").read_text())
    assert {"kmo", "kmo_items", "bartlett", "n_factors_parallel", "n_factors", "method", "rotation"} <= set(efa)
    assert set(efa["bartlett"]) >= {"chisq", "df", "pvalue"}
    assert _header(res / "efa_loadings.csv")[0] == "item"
    for stage in ("cfa", "sem"):
        fit = json.loads((res / f"{stage}_fit.json").read_text())
        assert list(fit)[: len(FIT_NAMES)] == FIT_NAMES or set(FIT_NAMES) <= set(fit)
        assert _header(res / f"{stage}_estimates.csv")[:10] == EST_COLS
    assert _header(res / "sem_r2.csv")[:2] == ["variable", "r2"]
    assert _header(res / "sem_effects.csv")[:5] == ["from", "to", "direct", "indirect", "total"]
    diags = json.loads((res / "diagnostics.json").read_text())
    assert isinstance(diags, list)
    for d in diags:
        assert {"code", "severity", "where", "message"} <= set(d)


def test_report_lint_finds_nothing_in_the_english_demo(built):
    """Issue #30: the report lint (csat.report.lint, `make check-report`) finds no defect in the demo's
    report.pdf and report.html as built here (English)."""
    from csat.report.lint import lint_report
    from keyfigures import OPEN_LINT_CODES

    proj, _ = built
    found = [f for f in lint_report(proj / "reports" / "demo") if f.code not in OPEN_LINT_CODES]
    assert not found, f"{len(found)} findings:\n" + "\n".join(map(str, found))


def test_drivers_segments_chapter_has_all_five_parts(built):
    """06: every results file of the demo exists with its columns, the simulated truths show, and the
    report has the chapter with weights, drivers, segments, Kano and SERVQUAL sections."""
    import pandas as pd

    from csat.intake import simulate as sim

    proj, _ = built
    res = proj / "reports" / "demo" / "results"
    assert _header(res / "weights.csv") == ["row", "weight"]
    w = json.loads((res / "weights.json").read_text())
    assert w["source"] == "rake" and 0 < w["kish_neff"] < w["n"]
    assert max(abs(m["achieved"] - m["target"]) for m in w["margins"]) < 1e-9
    assert _header(res / "weighted_estimates.csv")[:6] == ["what", "name", "unweighted", "weighted", "ci.lower.w", "ci.upper.w"]
    drv = pd.read_csv(res / "drivers.csv").set_index("predictor")
    assert list(drv.columns[:1]) == ["beta"] and {"r", "relative_weight", "lmg", "lmg.ci.lower", "lmg.ci.upper"} <= set(drv.columns)
    pop = {r: b for l, r, b in sim.PATHS if l == "SAT"}
    assert set(drv.index) == set(pop) and max(abs(drv.loc[k, "beta"] - b) for k, b in pop.items()) < 0.06
    assert _header(res / "segments.csv") == ["row", "segment"]
    assert _header(res / "segment_profile.csv") == ["segment", "construct", "n", "share", "mean", "sd", "z", "index"]
    kano = pd.read_csv(res / "kano.csv").set_index("feature")
    assert kano["category"].to_dict() == {f: c for f, c, _ in sim.KANO_FEATURES}
    gaps = pd.read_csv(res / "gaps.csv")
    dims = gaps[gaps.level == "dimension"].set_index("dimension")
    assert dims.loc["reliability", "gap"] < -0.5 and dims.loc["reliability", "p.holm"] < 0.001
    page = (proj / "reports" / "demo" / "report.html").read_text(encoding="utf-8")
    for h in ("Key drivers, segments, Kano and service gaps", "Survey weights", "Key drivers of satisfaction",
              "Customer segments", "Kano model", "Service gaps (SERVQUAL)", "Weighted estimates"):
        assert h in page, h


def test_second_make_does_nothing(built):
    proj, _ = built
    r = _make(proj, "study", "STUDY=demo", "BOOTSTRAP=200")
    assert r.returncode == 0
    assert "running" not in r.stdout and "building report" not in r.stdout, r.stdout


def test_sem_only_parameter_reruns_only_sem_and_reports(built):
    proj, _ = built
    r = _make(proj, "study", "STUDY=demo", "BOOTSTRAP=300")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    ran = [s for s in STAGES if f"running {s}" in r.stdout]
    assert ran == ["05_sem"], r.stdout
    assert "building report" in r.stdout
    prov = (proj / "reports" / "demo" / "report.html").read_text(encoding="utf-8")
    assert "bootstrap" in prov and "300" in prov          # the override is recorded in the report


def test_touching_params_rebuilds_the_report(built):
    proj, _ = built
    os.utime(proj / "params" / "demo.yaml")
    r = _make(proj, "study", "STUDY=demo", "BOOTSTRAP=300")
    assert r.returncode == 0 and "building report" in r.stdout


def test_typo_in_params_fails_fast_naming_the_key(built):
    proj, _ = built
    bad = proj / "params" / "typo.yaml"
    bad.write_text((proj / "params" / "demo.yaml").read_text(encoding="utf-8")
                   .replace("study: demo", "study: typo").replace("bootstrap:", "bootstrapp:"), encoding="utf-8")
    r = _make(proj, "study", "STUDY=typo")
    assert r.returncode != 0
    assert "unknown key 'bootstrapp'" in r.stderr + r.stdout
    assert not (proj / "reports" / "typo" / "01_cleaning.ipynb").exists()
    # the kernel fork server a new study's build starts before its check is gone, with the folder it made
    assert not (proj / "reports" / "typo").exists()
    assert not _warm_kernels_running(proj, wait=10)


def _close(a, b, path=""):
    if isinstance(a, dict):
        assert set(a) == set(b), f"{path}: keys differ: {set(a) ^ set(b)}"
        for k in a:
            _close(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _close(x, y, f"{path}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        if a is None or b is None or a != a or b != b:
            assert (a is None or a != a) and (b is None or b != b), f"{path}: {a} vs {b}"
        else:
            assert abs(a - b) <= 1e-6 * max(1.0, abs(b)), f"{path}: {a} vs stored {b}"
    else:
        assert a == b, f"{path}: {a} vs stored {b}"


def _population_total_effects(target: str = "SAT") -> dict[str, float]:
    """Standardized total effects on ``target`` in the simulator's population: (I − B)⁻¹ − I."""
    import numpy as np

    from csat.intake.simulate import population

    paths = population().paths
    names = sorted(set(paths["lhs"]) | set(paths["rhs"]))
    ix = {n: i for i, n in enumerate(names)}
    B = np.zeros((len(names), len(names)))
    for r in paths.itertuples():
        B[ix[r.lhs], ix[r.rhs]] = r.std
    T = np.linalg.inv(np.eye(len(names)) - B) - np.eye(len(names))
    return {n: float(T[ix[target], ix[n]]) for n in names if T[ix[target], ix[n]] != 0}


def _pdf_text(pdf: Path, first: int, last: int) -> str:
    out = subprocess.run(["pdftotext", "-f", str(first), "-l", str(last), str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    return re.sub(r"\s+", "", out)


def test_demo_summary_names_the_populations_drivers_and_states_the_results(built):
    """The executive summary of the demo (results/summary.json, report pages 1-2): the construct the
    simulator's population makes most important for satisfaction (perceived quality) leads the driver
    ranking and the recommendations, the least important (perceived value) comes last, and every number
    equals the results file it comes from."""
    import pandas as pd

    proj, _ = built
    d = proj / "reports" / "demo"
    res = d / "results"
    summ = json.loads((res / "summary.json").read_text(encoding="utf-8"))
    pop = _population_total_effects("SAT")
    ranked = sorted(pop, key=pop.get, reverse=True)
    assert ranked[0] == "QUAL" and ranked[-1] == "VAL"
    got = [x["construct"] for x in summ["drivers"]]
    assert got[0] == ranked[0] and got[-1] == ranked[-1] and set(got[:3]) == set(ranked[:3])
    assert "Perceived quality" in summ["recommendations"][0]["en"]
    assert "感知质量" in summ["recommendations"][0]["zh"]
    assert 3 <= len(summ["recommendations"]) <= 5
    # numbers equal the results files
    cs = pd.read_csv(res / "construct_scores.csv").set_index("construct")
    h = summ["headline"]
    # the demo has weights: the headline is the weighted index (02's weighted estimates), the unweighted beside it
    we = pd.read_csv(res / "weighted_estimates.csv")
    we = we[we["what"] == "index"].set_index("name")
    assert h["construct"] == "SAT" and h["source"] == "weighted_estimates.csv"
    assert h["index"] == pytest.approx(we.loc["SAT", "weighted"], abs=1e-9)
    assert h["alt_index"] == pytest.approx(cs.loc["SAT", "index"], abs=1e-9)
    assert h["margin_of_error"] == pytest.approx((we.loc["SAT", "ci.upper.w"] - we.loc["SAT", "ci.lower.w"]) / 2)
    head = summ["sections"]["headline"][0]["numbers"]
    assert head["index"] == round(we.loc["SAT", "weighted"], 1) and head["n"] == int(cs.loc["SAT", "n"])
    ipma = pd.read_csv(res / "ipma.csv").set_index("construct")
    for x in summ["drivers"]:
        assert x["importance"] == pytest.approx(ipma.loc[x["construct"], "importance"], abs=1e-12)
        assert x["performance"] == pytest.approx(ipma.loc[x["construct"], "performance"], abs=1e-12)
        assert x["quadrant"] == ipma.loc[x["construct"], "quadrant"]
    # 05 computes the IPMA performance itself (it does not wait for 02): the same 0-100 index 02 reports
    cs = pd.read_csv(res / "construct_scores.csv").set_index("construct")
    for c, perf in ipma["performance"].items():
        assert perf == pytest.approx(cs.loc[c, "index"], abs=1e-9), c
    nps = json.loads((res / "nps.json").read_text())
    assert summ["nps"]["unweighted"]["nps"] == pytest.approx(nps["nps"])
    gt = pd.read_csv(res / "group_tests.csv")
    sig = gt[gt["test"].isin(["welch_t", "welch_anova"]) & (gt["p.holm"] < 0.05)]
    groups = [x for x in summ["groups"] if x["key"] in ("group_t", "group_f")]
    assert len(groups) == min(len(sig), 8)
    for x in groups:
        assert any(abs(x["numbers"]["p"] - max(round(p, 3), 0.001)) < 1e-9 for p in sig["p.holm"])
    diags = json.loads((res / "diagnostics.json").read_text())
    n_warn = sum(x["severity"] in ("warning", "error") for x in diags)
    assert sum(x["count"] for x in summ["sections"]["quality"] if x["key"] == "diagnostic") == n_warn
    # the pages before the contents are the summary (now 1-4: objectives, findings, recommendations, caveats),
    # and say what summary.json says
    text = _pdf_text(d / "report.pdf", 1, 4)
    for heading in ("Executivesummary", "Keyfigures", "Whatdrivesit", "Recommendations", "Differencesbetweengroups",
                    "Dataqualityandcaveats"):
        assert heading in text, heading
    for part in ("headline", "drivers", "recommendations"):
        for x in summ["sections"][part]:
            assert re.sub(r"\s+", "", x["en"]) in text, x["en"]
    # one value per quantity: page 1's headline is the appendix's and reports/index.html's (tests/keyfigures.py)
    from keyfigures import page_one_problems

    assert not page_one_problems(proj, "demo")
    shutil.copy(res / "summary.json", proj / "summary_en.json")      # compared with the zh build below


def test_demo_results_equal_the_stored_key_figures(built):
    """Speed-ups must not change results: the demo's key figures equal the stored copy (1e-6)."""
    from keyfigures import key_figures

    proj, _ = built
    stored = json.loads((ROOT / "tests" / "reference" / "demo_key_figures.json").read_text())
    _close(key_figures(proj / "reports" / "demo" / "results"), stored)


def _paths_vs_population(proj: Path):
    import pandas as pd

    from csat.intake.simulate import population

    eff = pd.read_csv(proj / "reports" / "demo" / "results" / "sem_effects.csv").set_index(["from", "to"])
    rows = []
    for r in population().paths.itertuples():
        row = eff.loc[(r.rhs, r.lhs)]
        rows.append((f"{r.lhs}~{r.rhs}", r.std, row["std.direct"], row["std.direct.ci.lower"], row["std.direct.ci.upper"]))
    return rows


def test_demo_paths_recover_population_within_bootstrap_intervals(built):
    """The demo as specified (B = 1000 from params): every standardized structural path's 95%
    percentile bootstrap interval covers the simulator's population value, and every estimate is
    within .06 of it (the true scores have exact population moments; see csat.intake.simulate)."""
    proj, _ = built
    r = _make(proj, "study", "STUDY=demo")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    boot = json.loads((proj / "reports" / "demo" / "results" / "sem_bootstrap.json").read_text())
    assert boot["n_requested"] == 1000 and boot["n_ok"] + boot["n_failed"] + boot["n_inadmissible"] == 1000
    rows = _paths_vs_population(proj)
    assert len(rows) == 12
    for name, pop, est, lo, hi in rows:
        assert lo <= pop <= hi, f"{name}: population {pop} outside [{lo:.3f}, {hi:.3f}]"
        assert abs(est - pop) < 0.06, f"{name}: estimate {est:.3f} vs population {pop}"


def test_fiml_rebuild_bootstraps_with_every_respondent(built):
    """sem_missing = fiml: 03 (the study's one CFA), 04 (which reads it) and 05 re-run, the SEM uses all 546
    cleaned respondents, the
    bootstrap refits every resample by FIML, and the report says which missing-data method was used."""
    proj, _ = built
    r = _make(proj, "study", "STUDY=demo", "BOOTSTRAP=200", "SET=sem_missing=fiml")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert [s for s in STAGES if f"running {s}" in r.stdout] == ["03_reliability_validity", "04_factor_analysis",
                                                                 "05_sem"], r.stdout
    res = proj / "reports" / "demo" / "results"
    fit = json.loads((res / "sem_fit.json").read_text())
    assert fit["ntotal"] == 546
    boot = json.loads((res / "sem_bootstrap.json").read_text())
    assert boot["n_requested"] == 200 and boot["n_ok"] >= 190
    for name, pop, est, lo, hi in _paths_vs_population(proj):
        assert lo < est < hi, name
        assert abs(est - pop) < 0.06, f"{name}: estimate {est:.3f} vs population {pop}"
    html = (proj / "reports" / "demo" / "05_sem.html").read_text(encoding="utf-8")
    assert "missing data: full-information ML, n = 546" in html       # the option in words (display.option_name)


def test_report_pdf_in_chinese_has_labels_and_stage_headings(built):
    """language=zh re-runs every stage; the PDF text holds the Chinese construct labels and headings."""
    proj, _ = built
    # the English summary of the same options (earlier tests rebuild with other seeds and missing-data methods,
    # and the summary's hedges follow the bootstrap intervals)
    r = _make(proj, "study", "STUDY=demo", "BOOTSTRAP=200")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    shutil.copy(proj / "reports" / "demo" / "results" / "summary.json", proj / "summary_en.json")
    r = _make(proj, "study", "STUDY=demo", "BOOTSTRAP=200", "SET=language=zh")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    text = subprocess.run(["pdftotext", str(proj / "reports" / "demo" / "report.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    for label in ("形象", "期望", "感知质量", "感知价值", "满意度", "忠诚"):
        assert label in text, label
    for heading in ("数据清洗", "描述性统计", "信度与效度", "因子分析", "结构方程模型"):
        assert heading in text, heading
    html = (proj / "reports" / "demo" / "report.html").read_text(encoding="utf-8")
    assert "满意度" in html and "<script" not in html.lower()
    # the zh summary carries the same numbers as the en one, and pages 1-4 are that summary
    zh = json.loads((proj / "reports" / "demo" / "results" / "summary.json").read_text(encoding="utf-8"))
    en = json.loads((proj / "summary_en.json").read_text(encoding="utf-8"))
    assert zh["language"] == "zh" and en["language"] == "en"
    for part, sents in en["sections"].items():
        assert [x["numbers"] for x in zh["sections"][part]] == [x["numbers"] for x in sents], part
    first = _pdf_text(proj / "reports" / "demo" / "report.pdf", 1, 4)        # the summary: pages 1-4
    for heading in ("摘要", "驱动因素", "建议", "数据质量与注意事项"):
        assert heading in first, heading
    for x in zh["sections"]["recommendations"]:
        assert re.sub(r"\s+", "", x["zh"]) in first, x["zh"]
    assert "解读与诊断" in text and "Interpretation and diagnostics" not in text
    # the explanations, from markdown cells and from code (05's ML sections), are Chinese too
    flat = re.sub(r"\s+", "", text)
    for zh in ("受访者的维度得分是该维度中已作答题项的均值", "估计方法：采用lavaan默认设置的极大似然估计"):
        assert zh in flat, zh
    for en in ("construct score is the mean", "Estimation: maximum likelihood", "Promoters answer 9–10"):
        assert en not in text, en



def test_ecsi_study_runs_end_to_end_and_states_its_problems(built):
    """The real ECSI survey with the ECSI template: the build succeeds and the diagnostics say plainly
    what is wrong with this model on these data (standardized paths beyond 1, EXPE and QUAL hardly
    distinct, poor fit), in diagnostics.json and next to the estimates in the report."""
    proj, _ = built
    r = _make(proj, "study", "STUDY=ecsi", "BOOTSTRAP=200")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    res = proj / "reports" / "ecsi" / "results"
    diags = json.loads((res / "diagnostics.json").read_text())
    sem_codes = {d["code"] for d in diags if d["stage"] == "05_sem"}
    assert {"std_gt_1", "ill_conditioned", "poor_fit"} <= sem_codes
    assert any(d["code"] == "htmt" for d in diags if d["stage"] == "03_reliability_validity")
    # estimator: mlr (params/ecsi.yaml): lavaan's MLR, labelled in the results (tests/reference/robust_ml.json)
    fit = json.loads((res / "sem_fit.json").read_text())
    assert (fit["estimator"], fit["test"]) == ("MLR", "yuan.bentler.mplus")
    assert abs(fit["chisq.scaled"] - 903.0288) < 1e-2 and abs(fit["cfi.robust"] - 0.84057) < 1e-4
    assert any(d["code"] == "estimator_advice" and "MLR" in d["message"] for d in diags)
    nb = nbformat.read(proj / "reports" / "ecsi" / "05_sem.ipynb", as_version=4)
    html = "".join(str(o.get("data", {}).get("text/html", "")) for c in nb.cells if c.cell_type == "code"
                   for o in c.get("outputs", []))
    assert "untrustworthy" in html


def test_ecsi_pls_study_builds_the_pls_report(built):
    """`make study STUDY=ecsi_pls`: 05_sem takes the PLS branch; its results equal seminr 0.2.1's
    (tests/reference/pls_seminr.json) and the report shows the PLS tables, not the ML ones."""
    proj, _ = built
    r = _make(proj, "study", "STUDY=ecsi_pls", "BOOTSTRAP=200")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    res = proj / "reports" / "ecsi_pls" / "results"
    ref = json.loads((ROOT / "tests" / "reference" / "pls_seminr.json").read_text(encoding="utf-8"))["ecsi"]
    assert not (res / "sem_fit.json").exists()
    assert _header(res / "pls_estimates.csv")[:9] == ["lhs", "op", "rhs", "est", "se", "t", "pvalue", "ci.lower",
                                                       "ci.upper"]
    assert _header(res / "csi_index.csv") == ["construct", "index", "ci.lower", "ci.upper"]
    with open(res / "pls_estimates.csv", newline="", encoding="utf-8") as fh:
        est = {(row["lhs"], row["op"], row["rhs"]): float(row["est"]) for row in csv.DictReader(fh)}
    for p in ref["paths"]:
        assert abs(est[(p["to"], "~", p["from"])] - p["est"]) < 1e-8
    for c, d in ref["loadings"].items():
        for it, v in d.items():
            assert abs(est[(c, "=~", it)] - v) < 1e-8
            assert abs(est[(c, "<~", it)] - ref["weights"][c][it]) < 1e-8
    with open(res / "csi_index.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            assert abs(float(row["index"]) - ref["index"][row["construct"]]) < 1e-8
            assert float(row["ci.lower"]) < float(row["index"]) < float(row["ci.upper"])
    with open(res / "pls_quality.csv", newline="", encoding="utf-8") as fh:
        q = {row["construct"]: row for row in csv.DictReader(fh)}
    for c, v in ref["r2"].items():
        assert abs(float(q[c]["r2"]) - v["r2"]) < 1e-8
    assert json.loads((res / "pls_bootstrap.json").read_text())["n_ok"] == 200
    nb = nbformat.read(proj / "reports" / "ecsi_pls" / "05_sem.ipynb", as_version=4)
    assert not [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.get("output_type") == "error"]
    html = (proj / "reports" / "ecsi_pls" / "report.html").read_text(encoding="utf-8")
    assert "PLS path model" in html and "0–100 indices" in html and "Model fit (ML" not in html
    summ = json.loads((res / "summary.json").read_text(encoding="utf-8"))
    csi = {row["construct"]: float(row["index"]) for row in csv.DictReader(open(res / "csi_index.csv", encoding="utf-8"))}
    assert summ["headline"]["source"] == "csi_index.csv"
    assert summ["headline"]["index"] == pytest.approx(csi[summ["headline"]["construct"]], abs=1e-12)
    from keyfigures import page_one_problems

    assert not page_one_problems(proj, "ecsi_pls")       # page 1 = appendix F = reports/index.html


def test_two_wave_tracking_demo_shows_trend_change_and_invariance(built):
    """params/demo_waves.yaml (two simulated waves: SAT truly rises, item qual3 is non-invariant) through make:
    the change tests find the SAT rise, the invariance across waves fails at the scalar step because of
    qual3, the trend chart is drawn, and the index page compares it with the demo (shared constructs)."""
    from csat.sem.multigroup import INVARIANCE_COLUMNS
    from csat.stats.tracking import WAVE_CHANGE_COLUMNS, WAVE_INDEX_COLUMNS

    proj, _ = built
    r = _make(proj, "study", "STUDY=demo_waves", "BOOTSTRAP=0")
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    out = proj / "reports" / "demo_waves"
    for s in STAGES:
        nb = nbformat.read(out / f"{s}.ipynb", as_version=4)
        assert not [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                    if o.get("output_type") == "error"], s
    res = out / "results"
    assert _header(res / "waves.csv") == WAVE_CHANGE_COLUMNS
    assert _header(res / "wave_index.csv") == WAVE_INDEX_COLUMNS
    assert _header(res / "invariance.csv") == ["by"] + INVARIANCE_COLUMNS
    changes = list(csv.DictReader(open(res / "waves.csv", encoding="utf-8")))
    sat = next(c for c in changes if c["measure"] == "index" and c["construct"] == "SAT")
    assert float(sat["p.holm"]) < 0.001 and float(sat["ci.lower"]) < 5.1 < float(sat["ci.upper"])
    for c in changes:
        if c["measure"] == "index" and c["construct"] not in ("SAT", "QUAL"):
            assert float(c["p.holm"]) > 0.05, c["construct"]
    inv = [row for row in csv.DictReader(open(res / "invariance.csv", encoding="utf-8")) if row["by"] == "wave"]
    assert [row["verdict"] for row in inv] == ["acceptable", "holds", "rejected"]
    assert any(row["by"] == "channel" for row in csv.DictReader(open(res / "invariance.csv", encoding="utf-8")))
    rel = [row for row in csv.DictReader(open(res / "invariance_release.csv", encoding="utf-8")) if row["by"] == "wave"]
    assert rel[0]["lhs"] == "qual3" and rel[0]["op"] == "~1" and float(rel[0]["p.holm"]) < 0.001
    diags = json.loads((res / "diagnostics.json").read_text())
    assert any(d["code"] == "noninvariance" and "wave" in d["where"] for d in diags)
    assert (out / "figures" / "wave_trend.png").stat().st_size > 10_000
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "Tracking: change of the indices" in page and "Measurement invariance across wave" in page
    # the single-wave demo has neither section's results
    assert not (proj / "reports" / "demo" / "results" / "waves.csv").exists()
    assert not (proj / "reports" / "demo" / "results" / "invariance.csv").exists()
    idx = (proj / "reports" / "index.html").read_text(encoding="utf-8")
    table = idx[idx.index('id="comparison"'):].split("</table>")[0]
    assert 'data-study="demo"' in table and 'data-study="demo_waves"' in table and ">SAT<" in table


def test_report_lint_finds_nothing_in_any_report_built_here(built):
    """Issue #30: the report lint finds no defect in any study this module built (last: the Chinese demo,
    ecsi, ecsi_pls, demo_waves)."""
    from csat.report.lint import lint_report
    from keyfigures import OPEN_LINT_CODES

    proj, _ = built
    reports = [d for d in sorted((proj / "reports").iterdir()) if (d / "report.pdf").is_file()]
    assert {"demo", "ecsi", "ecsi_pls", "demo_waves"} <= {d.name for d in reports}
    found = [f"{d.name}: {f}" for d in reports for f in lint_report(d) if f.code not in OPEN_LINT_CODES]
    assert not found, f"{len(found)} findings:\n" + "\n".join(found)


def test_ordered_demo_waves_fits_wlsmv_and_tests_ordinal_invariance(built):
    """ordered: true on the two-wave demo (after the lint test, which reads the ML demo_waves): 03's CFA is WLSMV
    with threshold rows, and 04's invariance has the four ordinal steps (Wu & Estabrook 2016) with their text."""
    from csat.sem.multigroup import INVARIANCE_COLUMNS, ROBUST_INVARIANCE_COLUMNS

    proj, _ = built
    r = _make(proj, "study", "STUDY=demo_waves", "BOOTSTRAP=0", "SET=ordered=true")
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-4000:]
    res = proj / "reports" / "demo_waves" / "results"
    fit = json.loads((res / "cfa_fit.json").read_text())
    assert (fit["estimator"], fit["test"]) == ("WLSMV", "scaled.shifted")
    est = list(csv.DictReader(open(res / "cfa_estimates.csv", encoding="utf-8")))
    assert any(row["op"] == "|" and row["lhs"] == "sat1" and row["rhs"] == "t1" for row in est)
    assert _header(res / "invariance.csv") == ["by"] + INVARIANCE_COLUMNS + ROBUST_INVARIANCE_COLUMNS
    inv = [row for row in csv.DictReader(open(res / "invariance.csv", encoding="utf-8")) if row["by"] == "wave"]
    assert [row["model"] for row in inv] == ["configural", "thresholds", "metric", "scalar"]
    assert {row["estimator"] for row in inv} == {"WLSMV"}
    page = (proj / "reports" / "demo_waves" / "report.html").read_text(encoding="utf-8")
    assert "Equal thresholds (Wu &amp; Estabrook 2016)" in page or "Equal thresholds (Wu & Estabrook 2016)" in page
