"""The Make graph says what the notebooks read (issue 16 item 4).

csat.pipeline.graph.STAGE_READS is the one table of what each stage reads from other stages; the Makefile's
stage prerequisites are generated from it (reports/<study>/.build/deps.mk).  These tests read the
notebooks' code and check that every stage reads only files its declared producers write, that each
declaration is used, and that the Makefile holds no hand-written stage-to-stage prerequisite and names no
stage (deps.mk defines the stage list and the scheduling order, from csat.pipeline.graph).
"""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from csat.pipeline import build, graph

ROOT = Path(__file__).resolve().parents[2]
NB = ROOT / "notebooks"


def _code(name: str) -> str:
    nb = json.loads((NB / f"{name}.ipynb").read_text(encoding="utf-8"))
    cells = []
    for c in nb["cells"]:
        if c["cell_type"] != "code":
            continue
        src = "".join(c["source"])
        src = "\n".join(line for line in src.splitlines() if not line.lstrip().startswith("%"))   # cell magics
        cells.append(src)
    return "\n".join(cells)


def _calls(code: str, method: str) -> list[ast.Call]:
    out = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == method:
            out.append(node)
    return out


def _literal_args(calls: list[ast.Call]) -> set[str]:
    return {c.args[0].value for c in calls if c.args and isinstance(c.args[0], ast.Constant)
            and isinstance(c.args[0].value, str)}


def _named_file_lists(code: str) -> set[str]:
    """File names a notebook handles through a package constant such as ``measurement.CFA_FILES`` (any attribute
    ending in ``_FILES`` of a module imported as ``from csat.<layer> import <module> as <alias>``)."""
    import importlib

    tree = ast.parse(code)
    alias = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("csat"):
            for a in node.names:
                alias[a.asname or a.name] = f"{node.module}.{a.name}"
    out = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and node.attr.endswith("_FILES") and isinstance(node.value, ast.Name)
                and node.value.id in alias):
            out |= set(getattr(importlib.import_module(alias[node.value.id]), node.attr))
    return out


def writes(name: str) -> set[str]:
    """``results/<f>`` and ``processed/<f>`` files a notebook writes."""
    code = _code(name)
    out = {f"results/{f}" for f in _literal_args(_calls(code, "write_csv") + _calls(code, "write_json"))}
    out |= {f"results/{f}" for f in _named_file_lists(code)}
    if _calls(code, "diagnostics"):
        out.add("results/diagnostics.json")
    if _calls(code, "write_processed"):
        out.add("processed/clean.parquet")
    return out


def reads(name: str) -> set[str]:
    """Files of other stages a notebook reads: ``stage.result_path("<f>")`` of a file it does not write
    itself (writing includes removing its own stale output), ``stage.clean_data()`` and the raw data."""
    code = _code(name)
    own = writes(name)
    out = set()
    for f in _literal_args(_calls(code, "result_path")):
        if f"results/{f}" not in own:
            out.add(f"results/{f}")
    if _calls(code, "carried_diagnostics"):          # every stage writes its own entries; this reads 03's
        out.add("results/diagnostics.json")
    if _calls(code, "clean_data"):
        out.add("processed/clean.parquet")
    if _calls(code, "load_study_data") or re.search(r"\braw_columns\(", code):
        out.add("data")
    return out | _called_reads(code)


def _called_reads(code: str) -> set[str]:
    """What the csat functions a notebook calls read of other stages' files: a function that reads them
    says so in its ``reads`` attribute (``csat.analyses.factor.read_cfa.reads``: 03's CFA files)."""
    import importlib

    tree = ast.parse(code)
    alias = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("csat"):
            for a in node.names:
                alias[a.asname or a.name] = (node.module, a.name)
    out = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        obj = None
        if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in alias:
            module, name = alias[f.value.id]
            try:
                obj = getattr(importlib.import_module(f"{module}.{name}"), f.attr, None)
            except ImportError:
                obj = None
        elif isinstance(f, ast.Name) and f.id in alias:
            module, name = alias[f.id]
            obj = getattr(importlib.import_module(module), name, None)
        out |= set(getattr(obj, "reads", ()))
    return out


@pytest.mark.parametrize("name", graph.STAGES)
def test_each_notebook_reads_only_what_its_declared_prerequisites_produce(name):
    declared = {f for files in graph.STAGE_READS[name].values() for f in files}
    actual = reads(name)
    assert actual <= declared, f"{name} reads {sorted(actual - declared)}: declare them in csat.pipeline.graph.STAGE_READS"
    assert declared <= actual, f"{name} declares {sorted(declared - actual)} but does not read them"
    for producer, files in graph.STAGE_READS[name].items():
        if producer == "raw":
            assert set(files) == {"data"}
            continue
        assert graph.STAGES.index(producer) < graph.STAGES.index(name), f"{name} reads a later stage {producer}"
        missing = set(files) - writes(producer)
        assert not missing, f"{name} declares {sorted(missing)} from {producer}, which does not write them"


def test_the_known_edges_are_declared():
    """05 reads 03's diagnostics (and computes its IPMA performance itself, so it runs beside 02);
    06 reads 02's weights (issue 16)."""
    assert graph.prerequisites("05_sem") == ["01_cleaning", "03_reliability_validity"]
    assert "02_descriptives" in graph.prerequisites("06_drivers_segments")
    assert build.DOWNSTREAM["02_descriptives"] == ["06_drivers_segments"]
    assert build.DOWNSTREAM["03_reliability_validity"] == ["04_factor_analysis", "05_sem"]     # 04 reads 03's CFA
    assert build.DOWNSTREAM["01_cleaning"] == graph.STAGES[1:]


def test_make_dependencies_follow_the_table():
    rules = dict(line.split(": ", 1) for line in graph.make_dependencies().splitlines() if line.startswith("$(OUT)/"))
    for s in graph.STAGES:
        normal, _, order_only = rules.get(f"$(OUT)/{s}.ipynb", "").partition(" | ")
        pre = normal.split()
        assert [p for p in pre if p != "$(RAW)"] == [f"$(OUT)/{t}.ipynb" for t in graph.prerequisites(s)]
        assert ("$(RAW)" in pre) == ("raw" in graph.STAGE_READS[s])
        # scheduling hints are order-only, on stages that do not read each other either way
        assert order_only.split() == [f"$(OUT)/{t}.ipynb" for t in graph.RUN_AFTER.get(s, ())]
        for t in graph.RUN_AFTER.get(s, ()):
            assert t not in graph.downstream(s) and s not in graph.downstream(t)


def test_prepare_writes_the_graph_into_deps_mk(tmp_path):
    from pipeline.test_build import make_study

    pfile = make_study(tmp_path)
    build.prepare(pfile, root=tmp_path, check_intake=False)
    deps = (tmp_path / "reports" / "mini" / ".build" / "deps.mk").read_text()
    assert deps == "RAW := reports/mini/.build/raw.json\n" + graph.make_dependencies()


def test_deps_mk_defines_the_stages_and_their_schedule():
    """The Makefile's stage list and the order Make considers the stage notebooks in come from
    csat.pipeline.graph, through deps.mk: STAGES in pipeline order, STAGE_NBS in SCHEDULE order."""
    var = dict(line.split(" := ", 1) for line in graph.make_dependencies().splitlines() if " := " in line)
    assert var["STAGES"].split() == graph.STAGES
    assert var["STAGE_NBS"].split() == [f"$(OUT)/{s}.ipynb" for s in graph.SCHEDULE]
    # SCHEDULE orders every stage once and never before a stage it reads or starts after
    assert sorted(graph.SCHEDULE) == sorted(graph.STAGES)
    for s in graph.STAGES:
        for t in graph.prerequisites(s) + list(graph.RUN_AFTER.get(s, ())):
            assert graph.SCHEDULE.index(t) < graph.SCHEDULE.index(s), (t, s)


def test_makefile_names_no_stage():
    """The Makefile takes the stages from deps.mk ($(STAGES), $(STAGE_NBS)), never lists them; deps.mk is
    included before the stage rules and the report's rule expand those variables."""
    mk = (ROOT / "Makefile").read_text(encoding="utf-8")
    for s in graph.STAGES:
        assert s not in mk, f"the Makefile names the stage {s}: take it from $(STAGES) / $(STAGE_NBS) (deps.mk)"
    assert not re.search(r"^\s*(STAGES|STAGE_NBS)\s*:?=", mk, re.M)
    include = mk.index("-include $(BUILD)/deps.mk")
    assert include < mk.index("$(foreach s,$(STAGES),") and include < mk.index("&: $(STAGE_NBS)")


def test_makefile_has_no_hand_written_stage_prerequisites():
    mk = (ROOT / "Makefile").read_text(encoding="utf-8")
    for s in graph.STAGES:
        for line in mk.splitlines():
            if re.match(rf"\$\(OUT\)/{s}\.ipynb\s*:", line):
                pytest.fail(f"Makefile line {line!r}: stage prerequisites come from deps.mk (csat.pipeline.graph.STAGE_READS)")
    assert "-include $(BUILD)/deps.mk" in mk
