"""The stage graph: the stages in order (:data:`STAGES`), what each reads (:data:`STAGE_READS`) and the
order in which Make starts them (:data:`SCHEDULE`, :data:`RUN_AFTER`).

The Makefile's stage list and prerequisites (``reports/<study>/.build/deps.mk``) are generated from
these tables (:func:`make_dependencies`), and the build's invalidation (:func:`downstream`) follows them.
"""
from __future__ import annotations


STAGES = ["01_cleaning", "02_descriptives", "03_reliability_validity", "04_factor_analysis", "05_sem",
          "06_drivers_segments"]


#: What each stage reads that another stage (or the raw data) produced: ``{stage: {producer: files}}``.
#: ``"raw"`` is the study's raw data file; ``processed/<f>`` lies in ``data/processed/<study>/``,
#: ``results/<f>`` in ``reports/<study>/results/``.  This one table is the Make graph: ``csat.pipeline.build
#: prepare`` writes each stage's prerequisites from it into ``reports/<study>/.build/deps.mk``, the
#: invalidation of downstream stages (:data:`csat.pipeline.build.DOWNSTREAM`) follows it, and
#: ``tests/pipeline/test_graph.py`` checks that every notebook reads only what is declared here and that
#: each declared producer writes it.  A notebook that starts reading another file must declare it here.
STAGE_READS: dict[str, dict[str, tuple[str, ...]]] = {
    "01_cleaning": {"raw": ("data",)},
    "02_descriptives": {"raw": ("data",),                                # survey weights' raw columns
                        "01_cleaning": ("processed/clean.parquet", "results/item_types.csv")},
    "03_reliability_validity": {"01_cleaning": ("processed/clean.parquet",)},
    "04_factor_analysis": {"01_cleaning": ("processed/clean.parquet",),
                           "03_reliability_validity": ("results/cfa.json", "results/cfa_fit.json",    # the study's
                                                       "results/cfa_estimates.csv",                   # one CFA
                                                       "results/cfa_modindices.csv", "results/cfa_residuals.csv")},
    # 05 computes the IPMA performance from the clean data (the index 02 reports, recomputed) rather than
    # reading 02's construct_scores.csv, so that it need not wait for 02: 02 and 05 run side by side
    "05_sem": {"01_cleaning": ("processed/clean.parquet",),
               "03_reliability_validity": ("results/diagnostics.json",)},    # failed discriminant validity
    "06_drivers_segments": {"raw": ("data",),                                 # extra raw columns (Kano, SERVQUAL)
                            "01_cleaning": ("processed/clean.parquet",),
                            "02_descriptives": ("results/weights.csv", "results/weights.json",
                                                "results/weighted_estimates.csv")},
}


def prerequisites(stage: str) -> list[str]:
    """The stages whose outputs ``stage`` reads (directly), in pipeline order."""
    return [s for s in STAGES if s in STAGE_READS[stage]]


def downstream(stage: str) -> list[str]:
    """Every stage that reads ``stage``'s outputs, directly or through another stage, in pipeline order."""
    out: set[str] = set()
    frontier = [stage]
    while frontier:
        s = frontier.pop()
        for t in STAGES:
            if s in STAGE_READS[t] and t not in out:
                out.add(t)
                frontier.append(t)
    return [s for s in STAGES if s in out]


#: The order in which Make considers the stage notebooks when several are ready (``$(STAGE_NBS)``, the
#: prerequisites of the report, from ``deps.mk``): longest first (05 before 04, 06 before 04), so that
#: with two job slots the long stages start as soon as they can and the short 04 fills the gap at the
#: end.  Only the order of independent stages changes; :data:`STAGE_READS` gives the graph.
SCHEDULE = ["01_cleaning", "02_descriptives", "03_reliability_validity", "05_sem", "06_drivers_segments",
            "04_factor_analysis"]


#: Scheduling hints, not reads: ``{stage: stages it starts after}``, written into ``deps.mk`` as
#: order-only prerequisites (they never make a stage re-run, and no result depends on them).  The short
#: 04 starts after 02, not as soon as 03 is done: GNU Make queues a ready stage for the next free job
#: slot, so with two slots an early-ready 04 would take the slot 06 needs when 02 ends, and the longer
#: 06 would finish last (on the demo: about 3 s later).
RUN_AFTER: dict[str, tuple[str, ...]] = {"04_factor_analysis": ("02_descriptives",)}


def make_dependencies() -> str:
    """The stage graph as Make text (for ``reports/<study>/.build/deps.mk``): the stages
    (``STAGES``: :data:`STAGES`, for which the Makefile writes its stage rules) and the executed
    notebooks in the order Make considers them (``STAGE_NBS``: :data:`SCHEDULE`), then the rules:
    each executed notebook depends on the notebooks of the stages it reads, and on ``$(RAW)`` (the
    raw data's stamp) when it reads the raw data; the stages of :data:`RUN_AFTER` follow ``|``
    (order-only).  Uses the Makefile's ``$(OUT)`` and ``$(RAW)``.

    >>> print(make_dependencies().splitlines()[0])
    STAGES := 01_cleaning 02_descriptives 03_reliability_validity 04_factor_analysis 05_sem 06_drivers_segments
    """
    lines = [f"STAGES := {' '.join(STAGES)}",
             f"STAGE_NBS := {' '.join(f'$(OUT)/{s}.ipynb' for s in SCHEDULE)}"]
    for s in STAGES:
        pre = [f"$(OUT)/{t}.ipynb" for t in prerequisites(s)]
        if "raw" in STAGE_READS[s]:
            pre.append("$(RAW)")
        after = [f"$(OUT)/{t}.ipynb" for t in RUN_AFTER.get(s, ())]
        if pre or after:
            lines.append(f"$(OUT)/{s}.ipynb: {' '.join(pre)}" + (f" | {' '.join(after)}" if after else ""))
    return "\n".join(lines) + "\n"
