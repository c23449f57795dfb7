"""Benchmark (``make bench``): wall time and peak memory of the costly steps.

Not a test: it prints a table and writes ``reports/bench.json``.  Every case runs in a fresh
process (so its peak resident memory is its own) at least three times; the median wall time
is reported.  Cases:

1. ``ecsi_fit`` / ``ecsi_bootstrap_1000``: the ECSI model on ``../shared/datasets/
   ecsi_satisfaction.csv`` (the demo model on the demo data when that file is absent): one ML fit
   (the modules it imports loaded first, as lavaan's is timed after ``library(lavaan)``),
   and a percentile bootstrap with B = 1000 (failed / non-admissible resamples counted);
   ``ecsi_pls_bootstrap_5000``: the same model estimated by PLS-PM (``csat.sem.pls``) and a B = 5000
   PLS bootstrap (SmartPLS's publication default) with indices and IPMA (target ≤ 5 s on 2 cores);
   ``pls_mga_5000``: PLS-MGA of that model by gender (B = 5000 per group for Henseler's test, 5000
   permutations for the permutation test and MICOM) and ``pls_predict_10x10``: PLSpredict, 10 folds × 10
   repetitions, both techniques (targets ≤ 5 s each; beside them seminr's ``estimate_pls_mga``, timed on
   B/10 and scaled per resample to B (it has no permutation test), and ``predict_pls`` on 10 × 10 folds
   with both techniques; CPU time of all processes reported too).
2. ``demo_end_to_end``: ``make study STUDY=demo`` from clean reports (PDF included), and
   ``demo_incremental_sem``: the rebuild after a parameter only the SEM stage reads changes.
3. ``scale_n<N>``: simulated studies of N = 1,000, 10,000 and 100,000 respondents with 40 items
   in 8 constructs: every stage but the bootstrap, timed per stage.

4. ``scale_n1000000`` (not with ``--quick``): the same at a million respondents (target ≤ 60 s and
   ≤ 4 GB); every scale row also gives the cost per 100,000 respondents, so a cost that grows faster
   than n shows.
5. ``programme_<n>_j1`` / ``_j2`` / ``_dask1`` / ``_dask2``: a programme of n copies of the demo study (50; 6 with
   ``--quick``) built by ``make -j1 all``, ``make -j2 all`` and on a Dask ``LocalCluster`` of 1 and 2 workers
   (:mod:`csat.pipeline.cluster`): studies per minute, results identical to the first build, and each Dask run's
   overhead per study and share of ``make -jW``'s studies per minute (target: at least 90 % with 2 workers).
6. ``wlsmv_cfa_25x2500``: the WLSMV CFA (``csat.sem.wlsmv``: thresholds, polychoric matrix, NACOV, DWLS,
   robust SEs, scaled-shifted test) of 25 five-point items in 5 factors on 2,500 simulated respondents,
   beside lavaan's ``cfa(ordered = TRUE)`` on the same data, wall and CPU time (ours: this process's,
   lavaan's: ``system.time``'s user + system; targets ≥ 5× faster and ≥ 5× less CPU time).

Every figure is printed beside its target (:data:`TARGETS`) and, where the field's tools are
present, beside theirs measured in the same run: lavaan (``Rscript`` with lavaan; the ML fit and
its bootstrap, ``se = "bootstrap"``, timed per resample on a smaller B and scaled to the same B) and
seminr (the Python port, PyPI ``seminr``, if it is installed in this environment: the PLS
bootstrap).  When a tool is absent the comparison is skipped with a note.  The ML bootstrap also
gets a profile of its resamples on one worker (``ecsi_bootstrap_profile``): CPU time per resample,
Newton iterations and objective evaluations per resample, and where the time goes.  Machines are
shared and noisy: the ratios to lavaan / seminr measured in the same run are the figures to quote.

Usage: ``python -m csat.pipeline.bench [--runs 3] [--quick] [--only GROUP ...] [--out reports/bench.json]``;
``--quick`` runs the scale cases only up to N = 10,000, the bootstrap with B = 200 (lavaan with
B = 20) and a programme of 6 studies; ``--only demo scale`` runs only those groups of :data:`GROUPS`
(``ecsi``, ``pls``, ``demo``, ``scale``, ``programme``, ``wlsmv``) and writes ``reports/bench-demo-scale.json``,
leaving the full run's ``bench.json`` as it is (``make bench ONLY="demo"``).

Adding a case: a worker function returning a dict with ``seconds`` (``_child_main`` dispatches
on its name), a ``show(_summary(...))`` line in :func:`run`, and, if it has one, its target in
:data:`TARGETS`.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from csat.core import paths, procs

ROOT = Path(__file__).resolve().parents[3]
SHARED_ECSI = ROOT.parent / "shared" / "datasets" / "ecsi_satisfaction.csv"

# case name -> target (issue 18).  kind: "max_s" wall median at most; "min_ratio" lavaan's (or
# seminr's) time over ours at least; "min_cpu_ratio" the same for CPU times; "max_mb" peak memory at
# most.  A case may have several.
TARGETS: dict[str, list[dict]] = {
    "ecsi_bootstrap_1000": [{"kind": "min_ratio", "vs": "lavaan", "value": 100.0,
                             "text": ">= 100x faster than lavaan"}],
    "ecsi_pls_bootstrap_5000": [{"kind": "max_s", "value": 5.0, "text": "<= 5 s"}],
    "pls_mga_5000": [{"kind": "max_s", "value": 5.0, "text": "<= 5 s"}],
    "pls_predict_10x10": [{"kind": "max_s", "value": 5.0, "text": "<= 5 s"}],
    "demo_end_to_end": [{"kind": "max_s", "value": 30.0, "text": "<= 30 s"}],
    "scale_n1000000": [{"kind": "max_s", "value": 60.0, "text": "<= 60 s"},
                       {"kind": "max_mb", "value": 4096.0, "text": "<= 4 GB"}],
    "wlsmv_cfa_25x2500": [{"kind": "min_ratio", "vs": "lavaan", "value": 5.0, "text": ">= 5x faster than lavaan"},
                          {"kind": "min_cpu_ratio", "vs": "lavaan", "value": 5.0,
                           "text": ">= 5x less CPU time than lavaan"}],
}


# --------------------------------------------------------------------------- workers (child processes)
def _peak_mb() -> float:
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(self_kb, child_kb) / 1024.0


def _ecsi_data_and_model():
    import pandas as pd

    from csat.analyses.structural import study_model
    from csat.intake.preflight import load_study

    if SHARED_ECSI.is_file():
        p = load_study(ROOT / "params" / "ecsi.yaml", root=ROOT)
        return pd.read_csv(SHARED_ECSI), study_model(p).syntax, "ecsi"
    from csat.intake.simulate import population_syntax, simulate_responses

    return simulate_responses(600, seed=2024), population_syntax(), "demo-model"


def worker_ecsi(kind: str, n_boot: int) -> dict:
    from csat import sem
    from csat.sem.bootstrap import bootstrap_sem

    data, model, which = _ecsi_data_and_model()
    # what sem.fit imports on first use, loaded before the clock starts, as R's library(lavaan) is
    # outside lavaan's timing (the fit itself, not the imports, is compared)
    from scipy import linalg, optimize, stats  # noqa: F401

    t0 = time.perf_counter()
    fit = sem.fit(model, data)
    out: dict = {"data": which}
    if kind == "bootstrap":
        cpu0 = _cpu_seconds()
        t0 = time.perf_counter()
        boot = bootstrap_sem(fit, data, n_boot=n_boot, seed=2024)
        out.update({"B": n_boot, "n_ok": int(boot.n_ok), "n_failed": int(boot.n_failed),
                    "n_inadmissible": int(boot.n_inadmissible), "workers": int(boot.workers),
                    "cpu_s": _cpu_seconds() - cpu0})
    out["seconds"] = time.perf_counter() - t0
    return out


def _cpu_seconds() -> float:
    """User + system CPU time of this process and its finished (waited-for) children."""
    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


# where an ML resample's time goes: profile function name -> part (names of csat.sem's functions)
_PROFILE_PARTS = {"derivatives": "gradient + Hessian (derivatives)", "objective": "line search (objective)",
                  "values_at": "effects of the resample",
                  "cov": "resample covariance"}


def worker_ecsi_profile(n_boot: int) -> dict:
    """The ML bootstrap's resamples on one worker under cProfile: cost per resample and its parts."""
    import cProfile
    import pstats

    from csat import sem
    from csat.sem.bootstrap import bootstrap_sem

    data, model, which = _ecsi_data_and_model()
    fit = sem.fit(model, data)
    prof = cProfile.Profile()
    cpu0 = time.process_time()
    prof.enable()
    boot = bootstrap_sem(fit, data, n_boot=n_boot, seed=2024, workers=1)
    prof.disable()
    cpu = time.process_time() - cpu0
    st = pstats.Stats(prof).stats
    total = sum(v[2] for v in st.values())           # tottime over every function = the profiled time
    parts, calls = {}, {}
    for (_, _, name), (_, ncalls, _, cum, _) in st.items():
        if name in _PROFILE_PARTS:
            parts[name] = parts.get(name, 0.0) + cum
            calls[name] = calls.get(name, 0) + ncalls
    share = {_PROFILE_PARTS[k]: v / total for k, v in parts.items()}
    share["other (optimiser loop, bookkeeping)"] = max(0.0, 1.0 - sum(share.values()))
    return {"data": which, "B": n_boot, "workers": 1, "n_ok": int(boot.n_ok), "n_failed": int(boot.n_failed),
            "n_inadmissible": int(boot.n_inadmissible), "seconds": cpu,
            "cpu_ms_per_resample_profiled": 1000 * cpu / n_boot,
            "iterations_per_resample": calls.get("derivatives", 0) / n_boot,
            "objective_evals_per_resample": calls.get("objective", 0) / n_boot,
            "time_share": share}


_LAVAAN_R = r"""
suppressPackageStartupMessages(library(lavaan))
a <- commandArgs(trailingOnly = TRUE)
model <- paste(readLines(a[1], encoding = "UTF-8"), collapse = "
")
d <- read.csv(a[2], check.names = FALSE)
B <- as.integer(a[3])
cpu <- function(t) t[["user.self"]] + t[["sys.self"]]
t0 <- proc.time()
fit <- sem(model, data = d)
t1 <- proc.time()
fb <- sem(model, data = d, se = "bootstrap", bootstrap = B, iseed = 2024)
t2 <- proc.time()
bc <- lavInspect(fb, "boot")
err <- attr(bc, "error.idx")
cat(sprintf(paste0('LAVAAN-RESULT {"version": "%s", "fit_s": %.6f, "boot_s": %.6f, "boot_cpu_s": %.6f, ',
                   '"B": %d, "n_error": %d}\n'),
            as.character(packageVersion("lavaan")), t1[["elapsed"]] - t0[["elapsed"]],
            t2[["elapsed"]] - t1[["elapsed"]], cpu(t2) - cpu(t1), B, length(err)))
"""


def worker_lavaan(n_boot: int) -> dict:
    """lavaan's ML fit and bootstrap (``se = "bootstrap"``) on the same data and model, via Rscript."""
    import shutil

    if shutil.which("Rscript") is None:
        return {"skipped": "Rscript not found: no lavaan comparison"}
    data, model, which = _ecsi_data_and_model()
    with tempfile.TemporaryDirectory() as tmp:
        mf, df_, rf = Path(tmp) / "model.lav", Path(tmp) / "data.csv", Path(tmp) / "bench.R"
        mf.write_text(model, encoding="utf-8")
        data.to_csv(df_, index=False)
        rf.write_text(_LAVAAN_R, encoding="utf-8")
        r = subprocess.run(["Rscript", str(rf), str(mf), str(df_), str(n_boot)], capture_output=True, text=True)
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("LAVAAN-RESULT ")]
    if r.returncode != 0 or not lines:
        why = (r.stderr.strip().splitlines() or ["no output"])[-1]
        return {"skipped": f"lavaan could not be run ({why})"}
    out = json.loads(lines[-1].removeprefix("LAVAAN-RESULT "))
    out.update({"data": which, "seconds": out["boot_s"], "per_resample_s": out["boot_s"] / max(1, n_boot),
                "cpu_per_resample_s": out["boot_cpu_s"] / max(1, n_boot)})
    return out


def _ordinal_data_and_model():
    """The WLSMV case's data: 2,500 simulated respondents, 25 five-point items in 5 correlated factors
    (loadings .55–.83, factor correlations .4; seeded), and its CFA."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(2024)
    n, k, m = 2500, 5, 5
    F = rng.multivariate_normal(np.zeros(k), 0.4 * np.ones((k, k)) + 0.6 * np.eye(k), size=n)
    cols = {}
    for f in range(k):
        for j in range(m):
            lam = 0.55 + 0.07 * j
            y = lam * F[:, f] + np.sqrt(1 - lam ** 2) * rng.standard_normal(n)
            cols[f"f{f + 1}_{j + 1}"] = 1 + np.searchsorted(np.array([-1.6, -0.7, 0.1, 0.9]) + 0.1 * (j - 2), y)
    model = "\n".join(f"F{f + 1} =~ " + " + ".join(f"f{f + 1}_{j + 1}" for j in range(m)) for f in range(k))
    return pd.DataFrame(cols), model


def worker_wlsmv() -> dict:
    """The WLSMV CFA of :func:`_ordinal_data_and_model` (thresholds, polychoric matrix and its NACOV
    included), the modules it imports loaded first."""
    import scipy.optimize  # noqa: F401  (loaded before timing, as lavaan is)
    import scipy.stats  # noqa: F401

    from csat.sem.wlsmv import fit_wlsmv

    data, model = _ordinal_data_and_model()
    t0, c0 = time.perf_counter(), time.process_time()
    res = fit_wlsmv(model, data)
    return {"seconds": time.perf_counter() - t0, "cpu_s": time.process_time() - c0, "items": data.shape[1],
            "respondents": len(data), "chisq_scaled": res.fit_measures["chisq.scaled"]}


_LAVAAN_WLSMV_R = r"""
suppressPackageStartupMessages(library(lavaan))
a <- commandArgs(trailingOnly = TRUE)
model <- paste(readLines(a[1]), collapse = "\n")
d <- read.csv(a[2])
t <- system.time(fit <- cfa(model, data = d, ordered = TRUE))
cat(sprintf('LAVAAN-RESULT {"seconds": %.6f, "cpu_s": %.6f, "chisq_scaled": %.6f, "version": "%s"}\n',
            t[["elapsed"]], t[["user.self"]] + t[["sys.self"]], fitMeasures(fit, "chisq.scaled"),
            as.character(packageVersion("lavaan"))))
"""


def worker_lavaan_wlsmv() -> dict:
    """lavaan's ``cfa(model, data, ordered = TRUE)`` (WLSMV) on the same data, via Rscript."""
    import shutil

    if shutil.which("Rscript") is None:
        return {"skipped": "Rscript not found: no lavaan comparison"}
    data, model = _ordinal_data_and_model()
    with tempfile.TemporaryDirectory() as tmp:
        mf, df_, rf = Path(tmp) / "model.lav", Path(tmp) / "data.csv", Path(tmp) / "bench.R"
        mf.write_text(model, encoding="utf-8")
        data.to_csv(df_, index=False)
        rf.write_text(_LAVAAN_WLSMV_R, encoding="utf-8")
        r = subprocess.run(["Rscript", str(rf), str(mf), str(df_)], capture_output=True, text=True)
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("LAVAAN-RESULT ")]
    if r.returncode != 0 or not lines:
        why = (r.stderr.strip().splitlines() or ["no output"])[-1]
        return {"skipped": f"lavaan could not be run ({why})"}
    return json.loads(lines[-1].removeprefix("LAVAAN-RESULT "))


def worker_seminr(n_boot: int) -> dict:
    """seminr's (Python port) PLS estimate and bootstrap on the ECSI blocks and paths, if installed."""
    try:
        from seminr import bootstrap_model, composite, constructs, estimate_pls, paths, relationships
        from seminr.specify.constructs import mode_A, mode_B
    except ImportError:
        return {"skipped": "seminr (PyPI) is not installed in this environment: no seminr comparison"}
    from importlib.metadata import version

    from csat.sem import pls

    data, model, which = _ecsi_data_and_model()
    spec = pls.pls_fit(model, data).spec
    df = data[spec.items].astype(float)
    mm = constructs(*[composite(c, list(spec.blocks[c]), weights=mode_A if spec.modes[c] == "A" else mode_B)
                      for c in spec.constructs])
    sm = relationships(*[paths(from_=a, to=b) for a, b in spec.paths])
    import numpy as np

    idx = np.random.default_rng(2024).integers(0, len(df), size=(n_boot, len(df)))
    t0 = time.perf_counter()
    est = estimate_pls(df, mm, sm)
    bootstrap_model(est, n_boot, indices=idx)
    return {"data": which, "B": n_boot, "version": version("seminr"), "seconds": time.perf_counter() - t0}


def worker_pls(n_boot: int) -> dict:
    from csat.sem import pls

    data, model, which = _ecsi_data_and_model()
    t0 = time.perf_counter()
    res = pls.pls_fit(model, data)
    lo, hi = (0, 10) if which == "ecsi" else (1, 10)
    boot = pls.bootstrap_pls(res, n_boot=n_boot, seed=2024, scale=(lo, hi), target=res.spec.endogenous[-1])
    c = boot.counts()
    return {"data": which, "B": n_boot, "n_ok": c["n_ok"], "n_failed": c["n_failed"], "n_inadmissible": 0,
            "workers": c["workers"], "seconds": time.perf_counter() - t0}


def worker_pls_mga(n_perm: int) -> dict:
    """PLS-MGA of the ECSI model by gender: each group bootstrapped B = n_perm times (Henseler's test) and
    n_perm permutations (the permutation test and MICOM), as :func:`csat.sem.pls.pls_mga`."""
    from csat.sem import pls

    data, model, which = _ecsi_data_and_model()
    group = "gender" if "gender" in data.columns else data.columns[-1]
    cpu0 = _cpu_seconds()
    t0 = time.perf_counter()
    m = pls.pls_mga(model, data, group, n_boot=n_perm, n_perm=n_perm, seed=2024)
    return {"data": which, "B": n_perm, "groups": {str(k): v for k, v in m.groups.items()},
            "seconds": time.perf_counter() - t0, "cpu_s": _cpu_seconds() - cpu0}


def worker_seminr_mga(n_boot: int) -> dict:
    """seminr's (Python port) ``estimate_pls_mga`` on the same model and groups (it has no permutation test)."""
    try:
        from seminr import composite, constructs, estimate_pls, paths, relationships
        from seminr.mga import estimate_pls_mga
        from seminr.specify.constructs import mode_A, mode_B
    except ImportError:
        return {"skipped": "seminr (PyPI) is not installed in this environment: no seminr comparison"}
    from importlib.metadata import version

    from csat.sem import pls

    data, model, which = _ecsi_data_and_model()
    group = "gender" if "gender" in data.columns else data.columns[-1]
    spec = pls.pls_spec(model)
    d = data[data[group].notna()]
    df = d[spec.items].astype(float)
    mm = constructs(*[composite(c, list(spec.blocks[c]), weights=mode_A if spec.modes[c] == "A" else mode_B)
                      for c in spec.constructs])
    sm = relationships(*[paths(from_=a, to=b) for a, b in spec.paths])
    cond = (d[group] == sorted(d[group].unique(), key=str)[0]).to_numpy()
    cpu0 = _cpu_seconds()
    t0 = time.perf_counter()
    estimate_pls_mga(estimate_pls(df, mm, sm), cond, nboot=n_boot, seed=2024)
    secs, cpu = time.perf_counter() - t0, _cpu_seconds() - cpu0
    return {"data": which, "B": n_boot, "version": version("seminr"), "seconds": secs, "cpu_s": cpu,
            "per_resample_s": secs / n_boot, "cpu_per_resample_s": cpu / n_boot}


def worker_pls_predict(folds: int, reps: int) -> dict:
    """PLSpredict of the ECSI model: ``folds``-fold cross-validation repeated ``reps`` times, both techniques
    (direct and earliest antecedents) with their LM benchmarks, as :func:`csat.sem.pls.pls_predict`."""
    from csat.sem import pls

    data, model, which = _ecsi_data_and_model()
    cpu0 = _cpu_seconds()
    t0 = time.perf_counter()
    res = pls.pls_predict(model, data, folds=folds, repetitions=reps, seed=2024)
    return {"data": which, "folds": folds, "repetitions": reps, "verdict": res.verdict,
            "seconds": time.perf_counter() - t0, "cpu_s": _cpu_seconds() - cpu0}


def worker_seminr_predict(folds: int, reps: int) -> dict:
    """seminr's (Python port) ``predict_pls``: the same folds × repetitions, once per technique."""
    try:
        from seminr import composite, constructs, estimate_pls, paths, relationships
        from seminr.predict.metrics import item_metrics
        from seminr.predict.predict_pls import predict_pls
        from seminr.predict.techniques import predict_DA, predict_EA
        from seminr.specify.constructs import mode_A, mode_B
    except ImportError:
        return {"skipped": "seminr (PyPI) is not installed in this environment: no seminr comparison"}
    from importlib.metadata import version

    import numpy as np

    from csat.sem import pls

    data, model, which = _ecsi_data_and_model()
    spec = pls.pls_spec(model)
    df = data[spec.items].astype(float)
    mm = constructs(*[composite(c, list(spec.blocks[c]), weights=mode_A if spec.modes[c] == "A" else mode_B)
                      for c in spec.constructs])
    sm = relationships(*[paths(from_=a, to=b) for a, b in spec.paths])
    rng = np.random.default_rng(2024)
    cpu0 = _cpu_seconds()
    t0 = time.perf_counter()
    est = estimate_pls(df, mm, sm)
    for _ in range(reps):
        order = [int(i) for i in rng.permutation(len(df))]
        for tech in (predict_DA, predict_EA):
            item_metrics(predict_pls(est, technique=tech, no_folds=folds, ordering=order))
    return {"data": which, "folds": folds, "repetitions": reps, "version": version("seminr"),
            "seconds": time.perf_counter() - t0, "cpu_s": _cpu_seconds() - cpu0}


def worker_scale(n: int) -> dict:
    import numpy as np

    from csat.intake import cleaning, readers as io
    from csat.analyses import factor
    from csat.stats import descriptives, reliability
    from csat import sem
    from csat.sem import measurement
    from csat.config.params import validate_params
    from csat.core.files import write_csv
    from csat.intake.simulate import scale_syntax, simulate_scale

    data = simulate_scale(n, seed=1)
    rng = np.random.default_rng(1)
    data.insert(0, "respondent_id", np.arange(1, n + 1))
    data["gender"] = rng.choice(["female", "male"], size=n)
    items = [c for c in data.columns if c.startswith("f")]
    constructs = {}
    for it in items:
        constructs.setdefault(it.split("_")[0].upper(), []).append(it)
    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "scale.csv"
        write_csv(raw, data)
        params = validate_params({
            "study": "scale", "data": {"path": str(raw), "id": "respondent_id"},
            "scale": {"min": 1, "max": 10}, "groups": ["gender"],
            "constructs": {k: {"items": v} for k, v in constructs.items()},
            "model": scale_syntax(),
        })
        t = time.perf_counter()
        df, _report = io.load_study_data(params, root=tmp)
        res = cleaning.clean(df, params)
        clean = res.data
        times["01_cleaning"] = time.perf_counter() - t

        t = time.perf_counter()
        descriptives.item_table(clean, params.item_construct, 1, 10)
        scores = descriptives.construct_scores(clean, constructs)
        descriptives.construct_index(scores, 1, 10)
        descriptives.group_tests(scores, clean[["gender"]])
        descriptives.correlations(scores)
        times["02_descriptives"] = time.perf_counter() - t

        t = time.perf_counter()
        cfa = sem.fit(measurement.measurement_model(constructs), clean)
        reliability.reliability_table(clean, constructs, cfa.estimates, missing="pairwise")
        reliability.item_total_table(clean, constructs)
        reliability.htmt(clean, constructs)
        reliability.cross_loadings(clean, constructs)
        times["03_reliability_validity"] = time.perf_counter() - t

        t = time.perf_counter()
        factor.efa_results(clean, items, params.efa, seed=1)
        sem.fit(measurement.measurement_model(constructs), clean)
        times["04_factor_analysis"] = time.perf_counter() - t

        t = time.perf_counter()
        fit = sem.fit(scale_syntax(), clean)
        from csat.sem.effects import sem_effects

        sem_effects(fit)
        times["05_sem"] = time.perf_counter() - t
    return {"n": n, "stages": times, "seconds": sum(times.values())}


def _child_main(argv: list[str]) -> int:
    kind = argv[0]
    if kind == "ecsi_fit":
        out = worker_ecsi("fit", 0)
    elif kind == "ecsi_bootstrap":
        out = worker_ecsi("bootstrap", int(argv[1]))
    elif kind == "pls_bootstrap":
        out = worker_pls(int(argv[1]))
    elif kind == "pls_mga":
        out = worker_pls_mga(int(argv[1]))
    elif kind == "seminr_mga":
        out = worker_seminr_mga(int(argv[1]))
    elif kind == "pls_predict":
        out = worker_pls_predict(int(argv[1]), int(argv[2]))
    elif kind == "seminr_predict":
        out = worker_seminr_predict(int(argv[1]), int(argv[2]))
    elif kind == "scale":
        out = worker_scale(int(argv[1]))
    elif kind == "ecsi_profile":
        out = worker_ecsi_profile(int(argv[1]))
    elif kind == "lavaan":
        out = worker_lavaan(int(argv[1]))
    elif kind == "seminr":
        out = worker_seminr(int(argv[1]))
    elif kind == "wlsmv":
        out = worker_wlsmv()
    elif kind == "lavaan_wlsmv":
        out = worker_lavaan_wlsmv()
    else:
        raise SystemExit(f"unknown bench worker {kind!r}")
    out["peak_mb"] = _peak_mb()
    print("BENCH-RESULT " + json.dumps(out))
    return 0


# --------------------------------------------------------------------------- driver
def _run_child(args: list[str]) -> dict:
    env = dict(os.environ)
    r = subprocess.run([sys.executable, "-m", "csat.pipeline.bench", "--child", *args], cwd=ROOT,
                       capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise RuntimeError(f"bench case {args} failed:\n{r.stderr[-3000:]}")
    line = [ln for ln in r.stdout.splitlines() if ln.startswith("BENCH-RESULT ")][-1]
    return json.loads(line.removeprefix("BENCH-RESULT "))


def _reap_orphans(timeout: float = 15.0) -> None:
    """Wait for the adopted processes of a finished build (they end within a moment of its Make)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.05)


def _run_reaping(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    """``subprocess.run(cmd, capture_output=True, text=True, **kw)`` that meanwhile reaps the adopted
    orphans (:func:`csat.core.procs.become_subreaper`) as they exit, so that a long run (50 studies) leaves no zombies; the
    command's own process is left to ``Popen``."""
    import threading

    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    done = threading.Event()

    def reap():
        while not done.is_set():
            try:
                info = os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
            except ChildProcessError:
                info = None
            if info is not None and info.si_pid not in (0, proc.pid):
                try:
                    os.waitpid(info.si_pid, os.WNOHANG)
                except ChildProcessError:
                    pass
                continue
            done.wait(0.2)

    reaper = threading.Thread(target=reap, daemon=True)
    reaper.start()
    try:
        out, err = proc.communicate()
    finally:
        done.set()
        reaper.join()
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def _run_make(args: list[str], timeline_of: str | None = None) -> dict:
    """One ``make`` run: wall time, and the CPU time and peak memory of every process it started,
    warm kernels included: the warm kernels and the kernel fork server of a build (csat.pipeline.warm,
    csat.pipeline.forkserver) outlive the stage that started them, so this process adopts them
    (:func:`csat.core.procs.become_subreaper`) and reaps them, their CPU time and memory counted."""
    procs.become_subreaper()
    t, t_wall = time.perf_counter(), time.time()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = _run_reaping(["make", "--no-print-directory", *args], cwd=ROOT)
    wall = time.perf_counter() - t
    _reap_orphans()
    if r.returncode != 0:
        raise RuntimeError(f"make {' '.join(args)} failed:\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = {"seconds": wall, "peak_mb": max(ru.ru_maxrss, before) / 1024.0,
           "cpu_s": (ru.ru_utime + ru.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime),
           "stages_run": [ln.split("running ")[1] for ln in r.stdout.splitlines() if "running " in ln]}
    if timeline_of:
        out["timeline"] = _build_timeline(timeline_of, t_wall)
    return out


def _build_timeline(study: str, t0: float) -> dict:
    """Where a study build's wall time went, from the files it wrote (seconds after ``make`` started):
    when ``prepare`` was done, when each stage's notebook and HTML were written with the seconds its
    cells took (runinfo; the rest of a stage is the kernel's start-up, the imports of the driver and the
    HTML export), and when report.html and report.pdf (Chromium) were written."""
    rep = paths.report_dir(ROOT, study)

    def at(p: Path):
        return round(p.stat().st_mtime - t0, 2) if p.is_file() else None

    tl = {"prepared": at(paths.build_dir(ROOT, study) / "papermill.yaml"), "stages": {}}
    for s in _stage_names():
        info = paths.runinfo_dir(ROOT, study) / f"{s}.json"
        cells = json.loads(info.read_text(encoding="utf-8")).get("seconds") if info.is_file() else None
        tl["stages"][s] = {"notebook_done": at(rep / f"{s}.ipynb"), "html_done": at(rep / f"{s}.html"),
                           "cells_s": cells}
    tl["report_html_done"], tl["report_pdf_done"] = at(rep / "report.html"), at(rep / "report.pdf")
    return tl


def _stage_names() -> list[str]:
    from csat.pipeline.graph import STAGES

    return list(STAGES)


def _summary(name: str, runs: list[dict], extra: dict | None = None) -> dict:
    secs = [r["seconds"] for r in runs]
    row = {"case": name, "runs": len(runs), "wall_median_s": statistics.median(secs),
           "wall_min_s": min(secs), "wall_max_s": max(secs),
           "peak_mb": max(r.get("peak_mb", 0.0) for r in runs)}
    if "stages" in runs[0]:
        row["stages_median_s"] = {k: statistics.median(r["stages"][k] for r in runs) for k in runs[0]["stages"]}
    if "cpu_s" in runs[0]:
        row["cpu_median_s"] = statistics.median(r["cpu_s"] for r in runs)
    if "n" in runs[0]:
        row["n"] = runs[0]["n"]
        row["s_per_100k"] = row["wall_median_s"] / runs[0]["n"] * 100_000
    for k in ("B", "n_ok", "n_failed", "n_inadmissible", "workers", "data", "stages_run", "timeline",
              "cpu_ms_per_resample_profiled", "iterations_per_resample", "objective_evals_per_resample",
              "time_share"):
        if k in runs[-1]:
            row[k] = runs[-1][k]
    row.update(extra or {})
    return row


def _check_targets(row: dict) -> None:
    """Put each target of the case beside its figure: ``row["targets"] = [{text, value, met}]``."""
    out = []
    for t in TARGETS.get(row["case"], []):
        if t["kind"] == "max_s":
            fig, met = row["wall_median_s"], row["wall_median_s"] <= t["value"]
        elif t["kind"] == "max_mb":
            fig, met = row["peak_mb"], row["peak_mb"] <= t["value"]
        else:
            fig = row.get(f"{'cpu_' if t['kind'] == 'min_cpu_ratio' else ''}ratio_{t['vs']}")
            met = None if fig is None else fig >= t["value"]
        out.append({"target": t["text"], "figure": fig, "met": met})
    if out:
        row["targets"] = out


def _compare(row: dict, tool: str, res: dict, scale_to: int | None = None) -> None:
    """Add another tool's time for the same work (scaled per resample to ``scale_to``) and the ratio."""
    if "skipped" in res:
        row[f"{tool}_note"] = res["skipped"]
        return
    secs = res["seconds"] if scale_to is None else res["per_resample_s"] * scale_to
    row[f"{tool}_s"] = secs
    row[f"{tool}_measured"] = {k: v for k, v in res.items() if k not in ("peak_mb",)}
    row[f"ratio_{tool}"] = secs / row["wall_median_s"]
    if scale_to is not None and "cpu_per_resample_s" in res and row.get("cpu_median_s"):
        row[f"cpu_ratio_{tool}"] = res["cpu_per_resample_s"] * scale_to / row["cpu_median_s"]


def _clean_demo() -> None:
    import shutil

    for p in (paths.report_dir(ROOT, "demo"), paths.processed_dir(ROOT, "demo")):
        shutil.rmtree(p, ignore_errors=True)


def _programme_project(n_studies: int) -> Path:
    """A copy of the project (tracked files, modification times kept) whose params/ holds a programme of
    ``n_studies`` studies: the demo study under the names ``prog_01`` … (bootstrap 0, so the programme
    measures the pipeline, not the SEM bootstrap)."""
    import shutil

    proj = Path(tempfile.mkdtemp(prefix="csat-programme-"))
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for f in files:
        if (ROOT / f).is_file() and not f.startswith("params/"):
            (proj / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / f, proj / f)
    demo = (ROOT / "params" / "demo.yaml").read_text(encoding="utf-8")
    (proj / "params").mkdir(exist_ok=True)
    for i in range(1, n_studies + 1):
        name = f"prog_{i:02d}"
        text = demo.replace("study: demo", f"study: {name}", 1)
        text = "\n".join("bootstrap: 0" if ln.startswith("bootstrap:") else ln for ln in text.splitlines()) + "\n"
        (proj / "params" / f"{name}.yaml").write_text(text, encoding="utf-8")
    return proj


def _results_digest(proj: Path) -> dict[str, str]:
    """SHA-256 of every file under reports/<study>/results/ of a built programme."""
    import hashlib

    return {f.relative_to(proj).as_posix(): hashlib.sha256(f.read_bytes()).hexdigest()
            for f in sorted(paths.reports_root(proj).glob("*/results/*")) if f.is_file()}


def programme(n_studies: int = 50, jobs: tuple[int, ...] = (1, 2), dask_workers: tuple[int, ...] = (1, 2)) -> list[dict]:
    """Build a programme of ``n_studies`` studies with ``make -j N all`` for each N in ``jobs`` and on a Dask
    ``LocalCluster`` of W worker processes for each W in ``dask_workers`` (``python -m csat.pipeline.cluster all
    --scheduler local``, :mod:`csat.pipeline.cluster`), from clean reports each time, and report studies per
    minute; every build's results must equal the first's byte for byte (a :class:`RuntimeError` otherwise).  A
    Dask row also gives its overhead per study beside ``make -jW`` (the difference of their wall times over the
    studies) and its studies per minute as a share of ``make -jW``'s (issue 37's target: at least 90 % with 2)."""
    import shutil

    proj = _programme_project(n_studies)
    rows, first = [], None
    by_jobs: dict[int, float] = {}
    runs = [("make", j) for j in jobs] + [("dask", w) for w in dask_workers]
    try:
        for kind, j in runs:
            for d in (paths.reports_root(proj), paths.processed_root(proj)):
                for sub in d.iterdir():
                    if sub.name != ".gitkeep":
                        shutil.rmtree(sub) if sub.is_dir() else sub.unlink()
            t = time.perf_counter()
            if kind == "dask":
                r = _run_reaping([sys.executable, "-m", "csat.pipeline.cluster", "all", "--scheduler", "local",
                                  "--workers", str(j), "--venv", str(ROOT / ".venv"), "--no-progress"], cwd=proj,
                                 env={k: v for k, v in os.environ.items()
                                      if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "CSAT_SCHEDULER")})
                wall = time.perf_counter() - t
                _reap_orphans()
                if r.returncode != 0:
                    raise RuntimeError(f"the Dask programme ({j} workers) failed:\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
                digest = _results_digest(proj)
                # a difference is reported with the files rather than raised, so that the timings are kept (the
                # BLAS thread count of the builds, which cluster.connect keeps as the shell's, decides last bits)
                differ = sorted(k for k in set(first or digest) | set(digest) if (first or digest).get(k) != digest.get(k))
                first = first or digest
                row = {"case": f"programme_{n_studies}_dask{j}", "runs": 1, "wall_median_s": wall, "wall_min_s": wall,
                       "wall_max_s": wall, "peak_mb": None, "dask_workers": j, "studies": n_studies,
                       "studies_per_minute": 60.0 * n_studies / wall, "results_files": len(digest),
                       "results_identical_to_first": not differ, "differing_files": differ, "first_jobs": jobs[0]}
                if j in by_jobs:
                    row["overhead_per_study_s"] = (wall - by_jobs[j]) / n_studies
                    row["share_of_make_jobs"] = by_jobs[j] / wall
                rows.append(row)
                continue
            r = _run_reaping(["make", "--no-print-directory", f"-j{j}", f"VENV={ROOT / '.venv'}", "all"], cwd=proj,
                             env={**{k: v for k, v in os.environ.items() if k != "CSAT_SCHEDULER"}, "MAKEFLAGS": ""})
            _reap_orphans()
            wall = time.perf_counter() - t
            if r.returncode != 0:
                raise RuntimeError(f"make -j{j} all failed:\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
            digest = _results_digest(proj)
            if first is None:
                first = digest
            elif digest != first:
                bad = sorted(k for k in set(first) | set(digest) if first.get(k) != digest.get(k))
                raise RuntimeError(f"make -j{j} all: results differ from the -j{jobs[0]} build: {bad[:10]}")
            by_jobs[j] = wall
            rows.append({"case": f"programme_{n_studies}_j{j}", "runs": 1, "wall_median_s": wall, "wall_min_s": wall,
                         "wall_max_s": wall, "peak_mb": None, "jobs": j, "studies": n_studies,
                         "studies_per_minute": 60.0 * n_studies / wall, "results_files": len(digest),
                         "results_identical_to_first": True, "first_jobs": jobs[0]})
    finally:
        shutil.rmtree(proj, ignore_errors=True)
    return rows


def _show(row: dict) -> None:
    print(f"{row['case']:<28} {row['wall_median_s']:>9.2f} s (min {row['wall_min_s']:.2f}, max "
          f"{row['wall_max_s']:.2f}, {row['runs']} runs)  peak "
          + ("    n/a" if row["peak_mb"] is None else f"{row['peak_mb']:>7.0f} MB"), flush=True)
    if "studies_per_minute" in row and "dask_workers" in row:
        same = (f"identical to the -j{row['first_jobs']} build" if row.get("results_identical_to_first", True) else
                f"{len(row['differing_files'])} DIFFER from the -j{row['first_jobs']} build: "
                + ", ".join(row["differing_files"][:5]))
        print(f"    {row['studies_per_minute']:.2f} studies per minute on a Dask LocalCluster of {row['dask_workers']} "
              f"worker(s) ({row['results_files']} results files, {same})", flush=True)
        if "overhead_per_study_s" in row:
            print(f"    beside make -j{row['dask_workers']} all: {row['overhead_per_study_s']:+.2f} s per study, "
                  f"{100 * row['share_of_make_jobs']:.0f}% of its studies per minute", flush=True)
    elif "studies_per_minute" in row:
        same = ("the reference for the other builds" if row["jobs"] == row["first_jobs"]
                else f"identical to the -j{row['first_jobs']} build")
        print(f"    {row['studies_per_minute']:.2f} studies per minute with make -j{row['jobs']} all "
              f"({row['results_files']} results files, {same})", flush=True)
    if "stages_median_s" in row:
        print("    " + ", ".join(f"{k} {v:.2f}s" for k, v in row["stages_median_s"].items())
              + f"; {row['s_per_100k']:.2f} s per 100,000 respondents", flush=True)
    if "n_failed" in row:
        print(f"    B={row['B']}: ok {row['n_ok']}, failed {row['n_failed']}, "
              f"non-admissible {row['n_inadmissible']}, workers {row['workers']} ({row['data']})", flush=True)
    if "cpu_median_s" in row and row["case"].startswith("wlsmv"):
        lav = row.get("lavaan_measured", {})
        print(f"    CPU {row['cpu_median_s']:.2f} s" + (f", lavaan {lav['cpu_s']:.2f} s" if "cpu_s" in lav else ""),
              flush=True)
    if "cpu_median_s" in row and row.get("B"):
        print(f"    CPU {row['cpu_median_s']:.2f} s = {1000 * row['cpu_median_s'] / row['B']:.1f} ms per resample",
              flush=True)
    if "cpu_median_s" in row and not row.get("B") and "timeline" not in row:
        print(f"    CPU (all processes) {row['cpu_median_s']:.2f} s", flush=True)
    if "timeline" in row:
        tl = row["timeline"]
        parts = [f"prepared {tl['prepared']}"] + [
            f"{s.split('_')[0]} done {v['html_done']} (cells {v['cells_s']:.1f})" for s, v in tl["stages"].items()
            if v["html_done"] is not None and v["cells_s"] is not None]
        parts += [f"report.html {tl['report_html_done']}", f"report.pdf {tl['report_pdf_done']}"]
        print("    last run, seconds after make started: " + ", ".join(parts), flush=True)
        if row.get("cpu_median_s"):
            print(f"    CPU (all processes) {row['cpu_median_s']:.1f} s for {row['wall_median_s']:.1f} s wall on "
                  f"{os.cpu_count()} cores", flush=True)
    if "time_share" in row:
        print(f"    one worker, profiled: {row['cpu_ms_per_resample_profiled']:.1f} ms CPU per resample, "
              f"{row['iterations_per_resample']:.1f} Newton iterations, {row['objective_evals_per_resample']:.1f} "
              f"objective evaluations per resample", flush=True)
        print("    time: " + ", ".join(f"{k} {100 * v:.0f}%" for k, v in
                                       sorted(row["time_share"].items(), key=lambda kv: -kv[1])), flush=True)
    for tool in ("lavaan", "seminr"):
        if f"{tool}_note" in row:
            print(f"    {tool}: skipped ({row[f'{tool}_note']})", flush=True)
        elif f"{tool}_s" in row:
            m = row[f"{tool}_measured"]
            how = (f" (B = {m['B']} measured, {m['per_resample_s']:.3f} s per resample)" if "per_resample_s" in m
                   else "")
            cpu = (f" (CPU time: {row[f'cpu_ratio_{tool}']:.1f}x)" if f"cpu_ratio_{tool}" in row else
                   f" (its CPU time {m['cpu_s']:.2f} s)" if "cpu_s" in m else "")
            print(f"    {tool} {m.get('version', '')}: {row[f'{tool}_s']:.2f} s{how}; ours is "
                  f"{row[f'ratio_{tool}']:.1f}x faster{cpu}", flush=True)
    for t in row.get("targets", []):
        verdict = {True: "met", False: "NOT met", None: "not measured"}[t["met"]]
        fig = "n/a" if t["figure"] is None else f"{t['figure']:.2f}"
        print(f"    target {t['target']}: {fig} -> {verdict}", flush=True)


# groups of cases ``--only`` can pick; all of them by default
GROUPS = ("ecsi", "pls", "demo", "scale", "programme", "wlsmv")


def run(runs: int = 3, quick: bool = False, out: Path | None = None,
        only: tuple[str, ...] | None = None) -> list[dict]:
    """Run the cases of the groups ``only`` (all of :data:`GROUPS` by default) and write the figures
    to ``out``: ``reports/bench.json`` for the whole benchmark, ``reports/bench-<groups>.json`` for a
    part, so that re-measuring one part does not overwrite the full run."""
    rows: list[dict] = []
    n_boot = 200 if quick else 1000
    n_boot_lavaan = 20 if quick else 100
    unknown = sorted(set(only or ()) - set(GROUPS))
    if unknown:
        raise SystemExit(f"bench: unknown group(s) {unknown}; choose from {list(GROUPS)}")
    only = tuple(g for g in GROUPS if g in (only or GROUPS))
    name = "bench.json" if only == GROUPS else f"bench-{'-'.join(only)}.json"
    out = out or paths.reports_root(ROOT) / name
    from csat.core.files import write_json

    def save(complete: bool) -> None:
        write_json(out, {"machine": {"cores": os.cpu_count(), "python": platform.python_version(),
                                     "platform": platform.platform(), "load_average": list(os.getloadavg())},
                         "date": time.strftime("%Y-%m-%d"), "complete": complete, "targets": TARGETS,
                         "cases": rows})

    def show(row):
        _check_targets(row)
        rows.append(row)
        _show(row)
        save(False)                      # a case that fails later does not lose the figures so far

    print(f"csat benchmark on {platform.node()} ({os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {', '.join(f'{x:.1f}' for x in os.getloadavg())})")
    if "ecsi" in only:
        _ecsi_cases(runs, quick, n_boot, n_boot_lavaan, show)
    if "pls" in only:
        n_pls = 1000 if quick else 5000
        row = _summary(f"ecsi_pls_bootstrap_{n_pls}", [_run_child(["pls_bootstrap", str(n_pls)]) for _ in range(runs)])
        _compare(row, "seminr", _run_child(["seminr", str(n_pls)]))
        show(row)
        row = _summary(f"pls_mga_{n_pls}", [_run_child(["pls_mga", str(n_pls)]) for _ in range(runs)])
        # seminr's MGA (bootstrap only, no permutations) timed on B/10 and scaled per resample to B
        _compare(row, "seminr", _run_child(["seminr_mga", str(n_pls // 10)]), scale_to=n_pls)
        show(row)
        row = _summary("pls_predict_10x10", [_run_child(["pls_predict", "10", "10"]) for _ in range(runs)])
        _compare(row, "seminr", _run_child(["seminr_predict", "10", "10"]))
        show(row)
    if "demo" in only:
        _demo_cases(runs, show)
    if "scale" in only:
        for n in ([1000, 10000] if quick else [1000, 10000, 100000, 1000000]):
            show(_summary(f"scale_n{n}", [_run_child(["scale", str(n)]) for _ in range(1 if n >= 1000000 else runs)]))
    if "programme" in only:
        for row in programme(6 if quick else 50):
            show(row)
    if "wlsmv" in only:
        row = _summary("wlsmv_cfa_25x2500", [_run_child(["wlsmv"]) for _ in range(runs)])
        lav = _run_child(["lavaan_wlsmv"])
        _compare(row, "lavaan", lav)
        if "cpu_s" in lav and row.get("cpu_median_s"):
            row["cpu_ratio_lavaan"] = lav["cpu_s"] / row["cpu_median_s"]
        show(row)

    save(True)
    print(f"wrote {out}")
    return rows


def _ecsi_cases(runs: int, quick: bool, n_boot: int, n_boot_lavaan: int, show) -> None:
    lav = _run_child(["lavaan", str(n_boot_lavaan)])
    row = _summary("ecsi_fit", [_run_child(["ecsi_fit"]) for _ in range(runs)])
    if "skipped" not in lav:
        _compare(row, "lavaan", {**lav, "seconds": lav["fit_s"]})
    show(row)
    row = _summary(f"ecsi_bootstrap_{n_boot}", [_run_child(["ecsi_bootstrap", str(n_boot)]) for _ in range(runs)])
    _compare(row, "lavaan", lav, scale_to=n_boot)
    show(row)
    show(_summary("ecsi_bootstrap_profile", [_run_child(["ecsi_profile", str(50 if quick else 100)])]))


def _demo_cases(runs: int, show) -> None:
    e2e, inc = [], []
    for i in range(runs):
        _clean_demo()
        e2e.append(_run_make(["study", "STUDY=demo"], timeline_of="demo"))
        # a parameter only 05_sem reads: alternate the bootstrap count so every run changes it
        inc.append(_run_make(["study", "STUDY=demo", f"BOOTSTRAP={999 - i}"]))
    _run_make(["study", "STUDY=demo"])          # leave the demo study as `make` builds it
    show(_summary("demo_end_to_end", e2e))
    show(_summary("demo_incremental_sem", inc))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child":
        return _child_main(argv[1:])
    ap = argparse.ArgumentParser(prog="python -m csat.pipeline.bench")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--only", nargs="+", choices=GROUPS, default=None,
                    help="run only these groups of cases (figures go to reports/bench-<groups>.json)")
    a = ap.parse_args(argv)
    run(max(1, a.runs), a.quick, a.out, tuple(a.only) if a.only else None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
