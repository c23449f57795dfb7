"""The recipes of docs/architecture.md, each followed once with a toy in a temporary copy of the repository.

Every test copies the project (``src/``, ``notebooks/``, ``params/``, ``docs/``, ``tests/``, the demo's raw data
and the project files) into ``tmp_path``, makes the changes a recipe lists (one comment per step number of
the page), and then checks in a subprocess with ``PYTHONPATH=<copy>/src``, so that the copy's code is what
runs, that the toy works and that the project's own checks still pass on it.  When a recipe changes, its test
changes with it; when the code changes so that a recipe no longer works, the test fails, and the recipe
cannot go stale.

The changes are made to the copy's source as a contributor would make them (a new file, an entry added to a
table), located with ``ast`` rather than by exact text, so that a table's formatting may change freely.
"""
from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "architecture.md"
HOLZINGER = ROOT.parent / "shared" / "datasets" / "holzinger1939.csv"


# ------------------------------------------------------------------------------------------------ helpers
def _copy(tmp_path: Path) -> Path:
    """A copy of the project in ``tmp_path/repo`` (no outputs, no caches)."""
    repo = tmp_path / "repo"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".ipynb_checkpoints")
    for d in ("src", "notebooks", "params", "docs", "tests"):
        shutil.copytree(ROOT / d, repo / d, ignore=ignore)
    for f in ("pyproject.toml", "Makefile", "README.md", "requirements.lock", "data/raw/demo.csv"):
        (repo / f).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / f, repo / f)
    (repo / "data" / "processed").mkdir(parents=True, exist_ok=True)
    (repo / "reports").mkdir()
    return repo


def _env(repo: Path) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(repo / "src"), CSAT_STRICT_DIAGNOSTICS="1", CSAT_WARM_KERNELS="0",
               MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1")
    env.pop("CSAT_STUDY", None)
    return env


def _run(repo: Path, *args: str, timeout: int = 300) -> str:
    """Run ``python *args`` in the copy; its stdout (the test fails with both streams if it fails)."""
    done = subprocess.run([sys.executable, *args], cwd=repo, env=_env(repo), capture_output=True, text=True,
                          timeout=timeout)
    if done.returncode:
        pytest.fail(f"python {' '.join(args)[:200]} failed ({done.returncode}):\n{done.stdout[-4000:]}\n"
                    f"{done.stderr[-4000:]}")
    return done.stdout


def _python(repo: Path, code: str) -> dict:
    """Run ``code`` in the copy; it prints one JSON object as its last line, returned."""
    return json.loads(_run(repo, "-c", textwrap.dedent(code)).strip().splitlines()[-1])


def _pytest(repo: Path, *args: str) -> None:
    """The copy's own tests ``args`` pass in the copy."""
    _run(repo, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not integration", *args, timeout=600)


def _append(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    path.write_text(old.rstrip("\n") + ("\n\n" if old else "") + textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def _offset(text: str, line: int, col: int) -> int:
    """The character offset of ``ast``'s (1-based line, 0-based UTF-8 byte column)."""
    lines = text.splitlines(keepends=True)
    head = "".join(lines[:line - 1])
    return len(head) + len(lines[line - 1].encode("utf-8")[:col].decode("utf-8"))


def _insert_into(text: str, node: ast.AST, item: str) -> str:
    """``text`` with ``item`` added as the last element of the list, tuple or dict display ``node`` (right
    after its last element, so that a trailing comma or comment stays where it is)."""
    elements = node.values if isinstance(node, ast.Dict) else node.elts
    if not elements:
        at = _offset(text, node.lineno, node.col_offset) + 1             # after the opening bracket
        return text[:at] + item + text[at:]
    at = _offset(text, elements[-1].end_lineno, elements[-1].end_col_offset)
    return text[:at] + ", " + item + text[at:]


def _add_to_table(path: Path, name: str, item: str) -> None:
    """Add ``item`` (an element, or ``key: value``) to the module-level list/tuple/dict ``name`` of ``path``."""
    text = path.read_text(encoding="utf-8")
    for node in ast.parse(text).body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        if any(isinstance(t, ast.Name) and t.id == name for t in targets) and \
                isinstance(node.value, (ast.List, ast.Tuple, ast.Dict)):
            path.write_text(_insert_into(text, node.value, item), encoding="utf-8")
            return
    pytest.fail(f"{path.name} has no table {name} (docs/architecture.md's recipe needs updating)")


def _accept_in_literal(path: Path, cls: str, field: str, value: str) -> None:
    """Let ``cls.field`` of ``path`` accept ``value``: added to its ``Literal[...]`` if it is one (a field that
    is no Literal is assumed to take the new name already; the test's checks then say whether it does)."""
    text = path.read_text(encoding="utf-8")
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ClassDef) and node.name == cls:
            for stmt in node.body:
                if (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == field
                        and isinstance(stmt.annotation, ast.Subscript)
                        and getattr(stmt.annotation.value, "id", None) == "Literal"):
                    sl = stmt.annotation.slice
                    at = _offset(text, sl.end_lineno, sl.end_col_offset) if not isinstance(sl, ast.Tuple) else None
                    text = (_insert_into(text, sl, f'"{value}"') if at is None      # Literal["en"]: no tuple
                            else text[:at] + f', "{value}"' + text[at:])
                    path.write_text(text, encoding="utf-8")
            return


def _add_table_row(page: Path, header: str, row: str, after: str | None = None) -> None:
    """Add ``row`` to the Markdown table of ``page`` whose header line starts with ``header``: after the row
    starting with ``after``, or as its last row."""
    lines = page.read_text(encoding="utf-8").split("\n")
    start = next(i for i, ln in enumerate(lines) if ln.startswith(header))
    end = start
    while end + 1 < len(lines) and lines[end + 1].startswith("|"):
        end += 1
    at = end
    if after is not None:
        at = next(i for i in range(start, end + 1) if lines[i].startswith(after))
    lines.insert(at + 1, row)
    page.write_text("\n".join(lines), encoding="utf-8")


def _cell(kind: str, source: str, n: int, tags: tuple[str, ...] = ()) -> dict:
    cell = {"cell_type": kind, "id": f"toy-{n}", "metadata": {"tags": list(tags)} if tags else {},
            "source": textwrap.dedent(source).strip("\n").splitlines(keepends=True)}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return {k: cell[k] for k in sorted(cell)}


def _read_nb(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _write_nb(path: Path, nb: dict) -> None:
    path.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _po_entries(entries: dict[str, str], context: str | None = None) -> str:
    def q(s: str) -> str:
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    ctx = f"msgctxt {q(context)}\n" if context else ""
    return "".join(f"{ctx}msgid {q(k)}\nmsgstr {q(v)}\n\n" for k, v in entries.items())


PO_HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'


def _add_po(path: Path, entries: dict[str, str], context: str | None = None) -> None:
    """Add translations to a catalog of ``src/csat/locale/`` (a new file gets a header)."""
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(PO_HEADER, encoding="utf-8")
    _append(path, _po_entries(entries, context))


# ------------------------------------------------------------------------------------------------ the page
def _stage_rows(text: str) -> dict[str, list[str]]:
    """The rows of the page's stage table (``| stage | reads | its modules |``), by stage."""
    lines = text.split("\n")
    start = next(i for i, ln in enumerate(lines) if ln.startswith("| stage | reads |"))
    rows = {}
    for ln in lines[start + 2:]:
        if not ln.startswith("|"):
            break
        cells = [c.strip() for c in ln.strip().strip("|").split(" | ")]
        rows[cells[0].strip("`")] = cells
    return rows


def reads_text(reads: dict[str, tuple[str, ...]]) -> str:
    """How the page writes one entry of :data:`csat.pipeline.graph.STAGE_READS`."""
    return "; ".join("raw data" if producer == "raw" else f"`{producer}`: " + ", ".join(f"`{f}`" for f in files)
                     for producer, files in reads.items())


def test_the_pages_stage_table_is_stage_reads():
    """The page's table of what each stage reads is csat.pipeline.graph.STAGE_READS, stage by stage."""
    from csat.pipeline import graph

    rows = _stage_rows(DOC.read_text(encoding="utf-8"))
    assert list(rows) == graph.STAGES, "docs/architecture.md: the stage table must list csat.pipeline.graph.STAGES"
    for s in graph.STAGES:
        assert rows[s][1] == reads_text(graph.STAGE_READS[s]), \
            f"docs/architecture.md, stage {s}: write its reads as {reads_text(graph.STAGE_READS[s])!r}"


# ------------------------------------------------------------------------------------------------ estimator
TOY_ESTIMATOR = '''\
    """A toy estimator (tests/docs/test_recipes.py): maximum likelihood under another name."""
    from __future__ import annotations

    from csat.sem.ml import CovFit, fit_cov
    from csat.sem.partable import CompiledModel
    from csat.sem.samplestats import SampleStats


    def toy_fit(cm: CompiledModel, ss: SampleStats) -> CovFit:
        """The estimation step: ML on the complete cases' covariance matrix."""
        return fit_cov(cm, ss.cov, ss.n)
'''

TOY_REGISTRATION = '''\
    from csat.sem.toyml import toy_fit


    def estimate_toy(cm: CompiledModel, ss: SampleStats) -> SEMResult:
        """The toy estimator's fit as a :class:`SEMResult` (as :func:`estimate_ml`)."""
        return build_result(cm, toy_fit(cm, ss), ss.cov, ss.n)


    def _fit_toy(model: str, data: pd.DataFrame, *, std_lv: bool = False) -> SEMResult:
        cm = build_model(model, list(data.columns), std_lv=std_lv)
        return estimate_toy(cm, sample_stats(cm, data, "listwise"))


    register(Estimator("toy", "a toy: ML under another name", fit=_fit_toy, estimate=estimate_toy, missing="listwise"))
'''

TOY_ESTIMATOR_TEST = f'''\
    """The toy estimator against its reference (for a toy: csat's ML, itself equal to lavaan)."""
    import numpy as np
    import pandas as pd

    from csat import sem

    HS = pd.read_csv({str(HOLZINGER)!r})
    MODEL = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"


    def test_the_toy_estimator_equals_its_reference():
        toy = sem.get_estimator("toy").fit(MODEL, HS)
        ref = sem.ESTIMATORS["ml"].fit(MODEL, HS)
        assert isinstance(toy, sem.SEMResult)
        assert np.allclose(toy.estimates["est"], ref.estimates["est"])
        assert round(toy.fit_measures["chisq"], 3) == 85.306          # lavaan: fitMeasures(fit, "chisq")
'''


def test_a_new_estimator(tmp_path):
    repo = _copy(tmp_path)
    sem = repo / "src" / "csat" / "sem"
    # 1. the estimation step in a new module csat/sem/<name>.py: (CompiledModel, SampleStats) -> CovFit
    (sem / "toyml.py").write_text(textwrap.dedent(TOY_ESTIMATOR), encoding="utf-8")
    # 2. estimate_<name> and a fit in csat.sem.estimators, both registered
    _append(sem / "estimators.py", TOY_REGISTRATION)
    # 3. a test against the reference
    (repo / "tests" / "sem" / "test_toyml.py").write_text(textwrap.dedent(TOY_ESTIMATOR_TEST), encoding="utf-8")
    # 4. the module named in the page's table of modules
    _add_table_row(repo / "docs" / "architecture.md", "| layer | module |",
                   "| | `csat.sem.toyml` | a toy estimator: ML under another name |", after="| sem |")
    # 5. a study may choose it: the params schema and 05_sem's %%estimator cells accept the name
    _accept_in_literal(repo / "src" / "csat" / "config" / "params.py", "StudyParams", "estimator", "toy")
    stage_py = repo / "src" / "csat" / "pipeline" / "stage.py"
    stage_py.write_text(stage_py.read_text(encoding="utf-8").replace('("ml", "pls")', '("ml", "pls", "toy")'),
                        encoding="utf-8")

    # the public entry point fits with it
    got = _python(repo, f"""
        import json
        import pandas as pd
        from csat import sem
        hs = pd.read_csv({str(HOLZINGER)!r})
        model = "visual =~ x1 + x2 + x3; textual =~ x4 + x5 + x6; speed =~ x7 + x8 + x9"
        res = sem.get_estimator("toy").fit(model, hs)
        print(json.dumps({{"known": sorted(sem.ESTIMATORS), "type": type(res).__name__,
                           "cfi": round(res.fit_measures["cfi"], 3), "rows": len(res.estimates)}}))
    """)
    assert got["known"] == sorted({"ml", "fiml", "mlr", "mlm", "pls", "toy"}) and got["type"] == "SEMResult"
    assert got["cfi"] == 0.931 and got["rows"] > 9                    # lavaan: fitMeasures(fit, "cfi")
    # the reference test and the architecture's rules (layers, no cycle, every module named) pass on it
    _pytest(repo, "tests/sem/test_toyml.py", "tests/test_architecture.py")
    # a study chooses it, and 05_sem's cells for it run
    got = _python(repo, """
        import json
        from pathlib import Path
        from IPython.core.interactiveshell import InteractiveShell
        from csat.config.params import load_params
        from csat.pipeline.stage import Stage
        p = load_params("params/demo.yaml", {"estimator": "toy"}, root=".")
        ip = InteractiveShell.instance()
        stage = Stage(name="05_sem", params=p, params_file=Path("params/demo.yaml"), overrides={}, root=Path("."))
        stage.estimator_cells()
        ip.run_cell_magic("estimator", "ml", "ran_ml = True")
        ip.run_cell_magic("estimator", "toy", "ran_toy = True")
        print(json.dumps({"estimator": p.estimator, "ml": "ran_ml" in ip.user_ns, "toy": "ran_toy" in ip.user_ns}))
    """)
    assert got == {"estimator": "toy", "ml": False, "toy": True}


# ------------------------------------------------------------------------------------------------ stage
TOY_STAGE = "07_toy"


def _toy_stage_notebook() -> dict:
    nb = _read_nb(ROOT / "notebooks" / "01_cleaning.ipynb")          # the notebook format of the project
    nb["cells"] = [
        _cell("markdown", "# 07 · Toy stage\n\nA stage added by following the recipe: how many respondents "
                          "answered each item.", 0),
        _cell("markdown", "# 07 · 玩具阶段\n\n按照步骤添加的阶段：每个题项有多少受访者作答。", 1, ("zh",)),
        _cell("code", """
            import csat.pipeline.stage

            params_file = csat.pipeline.stage.default_params_file()   # params/<CSAT_STUDY>.yaml
            overrides = {}
        """, 2, ("parameters",)),
        _cell("code", f"""
            import csat.pipeline.stage

            stage = csat.pipeline.stage.start("{TOY_STAGE}", params_file, overrides)
            p = stage.params
            data = stage.clean_data()
        """, 3),
        _cell("markdown", "The number of respondents who answered each item, after cleaning.", 4),
        _cell("markdown", "清洗后每个题项的作答人数。", 5, ("zh",)),
        _cell("code", """
            counts = data[p.items].notna().sum().rename("n").rename_axis("item").reset_index()
            stage.write_csv("toy_counts.csv", counts)
            stage.table(counts, stage.tr("Answers per item"))
            stage.finish()
        """, 6),
    ]
    return nb


def _add_toy_stage(repo: Path) -> None:
    """The recipe "A new stage" with the toy ``07_toy``, which counts the answers of each item."""
    src = repo / "src" / "csat"
    # 1. the notebook: title (en + zh), parameters, start, explanation before each short code cell, finish
    _write_nb(repo / "notebooks" / f"{TOY_STAGE}.ipynb", _toy_stage_notebook())
    # 2. csat.pipeline.graph: STAGES, SCHEDULE (after what it reads), STAGE_READS
    graph = src / "pipeline" / "graph.py"
    _add_to_table(graph, "STAGES", f'"{TOY_STAGE}"')
    _add_to_table(graph, "SCHEDULE", f'"{TOY_STAGE}"')
    _add_to_table(graph, "STAGE_READS", f'"{TOY_STAGE}": {{"01_cleaning": ("processed/clean.parquet",)}}')
    # 3. the params keys it reads: csat.pipeline.build.STAGE_KEYS
    _add_to_table(src / "pipeline" / "build.py", "STAGE_KEYS", f'"{TOY_STAGE}": ["study", "language", "constructs"]')
    # 4. its heading and its name in a sentence: csat.report.words.STAGE_NAMES
    _add_to_table(src / "report" / "words.py", "STAGE_NAMES",
                  f'"{TOY_STAGE}": StageName(N_("Toy stage"), N_("toy stage"))')
    # 5. its texts: English messages (stage.tr), translated in locale/zh/<NN>_<name>.po
    _add_po(src / "locale" / "zh" / f"{TOY_STAGE}.po", {"Answers per item": "各题项的作答人数",
                                                         "Toy stage": "玩具阶段", "toy stage": "玩具阶段"})
    # 6. the notebook named in docs/architecture.md (its stage table), its result file in README § Results
    _add_table_row(repo / "docs" / "architecture.md", "| stage | reads |",
                   f"| `{TOY_STAGE}` | `01_cleaning`: `processed/clean.parquet` | (one line in the notebook) |")
    _add_table_row(repo / "README.md", "| file | stage | content |",
                   "| `toy_counts.csv` | 07 | `item, n`: respondents who answered each item |")
    # 7. analyses: the toy's one line needs none (test_a_new_analysis follows that recipe)


def test_a_new_stage(tmp_path):
    repo = _copy(tmp_path)
    _add_toy_stage(repo)

    got = _python(repo, f"""
        import json
        from csat.pipeline import build, graph
        from csat.report import words
        print(json.dumps({{"deps": graph.make_dependencies(), "stages": graph.STAGES,
                           "downstream_01": build.DOWNSTREAM["01_cleaning"], "downstream": build.DOWNSTREAM["{TOY_STAGE}"],
                           "title": [words.stage_title("{TOY_STAGE}"), words.stage_title("{TOY_STAGE}", "zh")],
                           "phrase": [words.stage_phrase("{TOY_STAGE}", "en"), words.stage_phrase("{TOY_STAGE}", "zh")]}}))
    """)
    assert got["stages"][-1] == TOY_STAGE
    deps = got["deps"].splitlines()
    assert deps[0].split(" := ")[1].split()[-1] == TOY_STAGE                          # the Makefile's $(STAGES)
    assert f"$(OUT)/{TOY_STAGE}.ipynb" in deps[1]                                      # $(STAGE_NBS)
    assert f"$(OUT)/{TOY_STAGE}.ipynb: $(OUT)/01_cleaning.ipynb" in deps              # its prerequisite
    assert TOY_STAGE in got["downstream_01"] and got["downstream"] == []              # re-run when 01 changes
    assert got["title"] == ["Toy stage", "玩具阶段"] and got["phrase"] == ["toy stage", "玩具阶段"]
    # the project's checks of stages, notebooks, catalogs, the report's names and this page hold for it
    _pytest(repo, "tests/test_architecture.py", "tests/core/test_i18n.py",
            f"tests/pipeline/test_graph.py::test_each_notebook_reads_only_what_its_declared_prerequisites_produce[{TOY_STAGE}]",
            "tests/pipeline/test_graph.py::test_the_known_edges_are_declared",
            "tests/pipeline/test_graph.py::test_make_dependencies_follow_the_table",
            "tests/pipeline/test_graph.py::test_deps_mk_defines_the_stages_and_their_schedule",
            "tests/pipeline/test_graph.py::test_makefile_names_no_stage",
            "tests/test_language.py::test_every_explanation_of_the_notebooks_has_its_chinese_version",
            "tests/report/test_html.py::test_the_stage_names_are_those_of_the_stage_graph",
            *(f"tests/notebooks/test_worked_examples.py::{t}[{TOY_STAGE}]" for t in (
                "test_every_code_cell_is_a_few_lines", "test_every_result_follows_its_explanation",
                "test_no_code_cell_writes_reader_text_in_a_language")),
            "tests/docs/test_recipes.py::test_the_pages_stage_table_is_stage_reads")


@pytest.mark.integration
def test_the_new_stage_runs_on_the_demo(tmp_path):
    """The toy stage runs as Make runs a stage (papermill, its own kernel), after 01, on the demo study."""
    repo = _copy(tmp_path)
    _add_toy_stage(repo)
    _run(repo, "-m", "csat.pipeline.build", "prepare", "params/demo.yaml")
    for stage in ("01_cleaning", TOY_STAGE):
        _run(repo, "-m", "csat.pipeline.build", "run", "--study", "demo", "--stage", stage)
    out = repo / "reports" / "demo"
    counts = (out / "results" / "toy_counts.csv").read_text(encoding="utf-8").splitlines()
    assert counts[0] == "item,n" and len(counts) == 1 + 29                      # the demo's 29 items
    assert (out / f"{TOY_STAGE}.html").is_file()
    assert json.loads((out / ".build" / f"stage-{TOY_STAGE}.json").read_text())["language"] == "en"


# ------------------------------------------------------------------------------------------------ analysis
TOY_STATISTIC = '''\
    """A toy statistic (tests/docs/test_recipes.py): the top-box share of each item."""
    from __future__ import annotations

    import pandas as pd

    __all__ = ["top_box"]


    def top_box(data: pd.DataFrame, items: list[str], top: float) -> pd.DataFrame:
        """``item, n, top_box``: how many respondents answered each item, and the share of them whose answer
        is ``top`` or higher.

        >>> top_box(pd.DataFrame({"a": [1, 5, 4, None]}), ["a"], top=4).to_dict("records")
        [{'item': 'a', 'n': 3, 'top_box': 0.666...}]
        """
        answered = data[items].notna()
        n = answered.sum()
        share = (data[items] >= top).sum() / n
        return pd.DataFrame({"item": items, "n": n.to_numpy(), "top_box": share.to_numpy()})
'''

TOY_MESSAGE = "{item} has the highest top-box share: {share:.0%} of {n} respondents."
TOY_MESSAGE_ZH = "{item} 的最高档比例最高：{n} 名受访者中占 {share:.0%}。"

TOY_TEXT = f'''\
    from csat.core.i18n import tr


    def top_box_text(table: pd.DataFrame, language: str = "en") -> str:
        """The sentence naming the item with the highest top-box share (:func:`csat.stats.topbox.top_box`), in
        ``language`` (a toy of tests/docs/test_recipes.py)."""
        best = table.loc[table["top_box"].idxmax()]
        return tr("{TOY_MESSAGE}", language,
                  item=best["item"], share=best["top_box"], n=int(best["n"]))
'''

TOY_FIGURE = '''\
    def top_box_chart(table: pd.DataFrame, *, title: str, xlabel: str):
        """The top-box share of each item as bars (a toy of tests/docs/test_recipes.py); the texts come
        translated."""
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6, 1 + 0.3 * len(table)))
        ax.barh(table["item"], table["top_box"])
        ax.set_title(title)
        ax.set_xlabel(xlabel)
        return fig
'''

TOY_CELL = """
    from csat.stats import topbox
    from csat.analyses import descriptives as study_descriptives
    from csat.viz.descriptives import top_box_chart

    top = topbox.top_box(data, p.items, top=p.scale.max - 1)
    stage.write_csv("top_box.csv", top)
    stage.table(top, stage.tr("Top-box share of each item"))
    stage.say(study_descriptives.top_box_text(top, p.language))
    fig = top_box_chart(top, title=stage.tr("Top-box share of each item"), xlabel=stage.tr("Top-box share"))
    stage.figure(fig, "top_box", stage.tr("Top-box share of each item"))
"""


def test_a_new_analysis(tmp_path):
    repo = _copy(tmp_path)
    src = repo / "src" / "csat"
    # 1. the statistic in csat.stats.<topic>: DataFrame and options in, tidy DataFrame out, with a doctest
    (src / "stats" / "topbox.py").write_text(textwrap.dedent(TOY_STATISTIC), encoding="utf-8")
    # 2. the study-aware part in the stage's csat.analyses module, its text through tr
    _append(src / "analyses" / "descriptives.py", TOY_TEXT)
    # 3. the new messages in the stage's zh catalog (zh-Hant follows by conversion)
    _add_po(src / "locale" / "zh" / "02_descriptives.po", {
        TOY_MESSAGE: TOY_MESSAGE_ZH, "Top-box share of each item": "各题项的最高档比例", "Top-box share": "最高档比例"})
    # 4. the figure in csat.viz.<topic>, its texts passed in translated
    _append(src / "viz" / "descriptives.py", TOY_FIGURE)
    # 5. the stage's cells: explanation (en, then zh), then a short code cell, before the closing section; its
    #    result file in README § Results
    nb_path = repo / "notebooks" / "02_descriptives.ipynb"
    nb = _read_nb(nb_path)
    last_en = max(i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "markdown"
                  and not c["metadata"].get("tags"))
    new = [_cell("markdown", "The top-box share of an item is the part of its respondents who gave one of the "
                             "two highest answers.", 900),
           _cell("markdown", "题项的最高档比例是给出两个最高答案之一的受访者所占的比例。", 901, ("zh",)),
           _cell("code", TOY_CELL, 902)]
    nb["cells"][last_en:last_en] = new
    _write_nb(nb_path, nb)
    _add_table_row(repo / "README.md", "| file | stage | content |",
                   "| `top_box.csv` | 02 | `item, n, top_box`: the top-box share of each item |")
    # 6. the new module named in the page's table of modules
    _add_table_row(repo / "docs" / "architecture.md", "| layer | module |",
                   "| | `csat.stats.topbox` | a toy: the top-box share of each item |", after="| stats |")

    got = _python(repo, """
        import json
        import pandas as pd
        from matplotlib.figure import Figure
        from csat.analyses import descriptives
        from csat.core import i18n
        from csat.stats import topbox
        from csat.viz.descriptives import top_box_chart
        data = pd.read_csv("data/raw/demo.csv").replace(99, float("nan"))
        top = topbox.top_box(data, ["sat1", "sat2", "sat3", "sat4"], top=9)
        fig = top_box_chart(top, title=i18n.tr("Top-box share of each item", "zh"), xlabel=i18n.tr("Top-box share", "zh"))
        best = top.loc[top["top_box"].idxmax()]
        print(json.dumps({"en": descriptives.top_box_text(top, "en"), "zh": descriptives.top_box_text(top, "zh"),
                          "zh-Hant": descriptives.top_box_text(top, "zh-Hant"), "figure": isinstance(fig, Figure),
                          "title": fig.axes[0].get_title(), "best": [best["item"], best["top_box"], int(best["n"])],
                          "hant": i18n.localize(descriptives.top_box_text(top, "zh"), "zh-Hant")}))
    """)
    item, share, n = got["best"]
    assert got["en"] == TOY_MESSAGE.format(item=item, share=share, n=n)
    assert got["zh"] == TOY_MESSAGE_ZH.format(item=item, share=share, n=n)
    assert got["zh-Hant"] == got["hant"] != got["zh"]                              # converted: 档 → 檔
    assert got["figure"] and got["title"] == "各题项的最高档比例"
    # the stage cell: after its explanation and translation, short, no text in a language
    cells = _read_nb(nb_path)["cells"]
    i = next(k for k, c in enumerate(cells) if c.get("id") == "toy-902")
    assert cells[i - 1]["metadata"]["tags"] == ["zh"] and cells[i - 2]["cell_type"] == "markdown"
    code = [ln for ln in "".join(cells[i]["source"]).splitlines() if ln.strip()]
    assert len(code) <= 15 and not re.search(r"[\u3400-\u9fff]|language\s*[!=]=|stage\.t\(", "\n".join(code))
    # engines know no study or language, every message is translated, the notebooks' explanations pair up,
    # and the statistic's doctest passes
    _pytest(repo, "tests/test_architecture.py", "tests/core/test_i18n.py",
            "tests/test_language.py::test_every_explanation_of_the_notebooks_has_its_chinese_version")
    _pytest(repo, "--doctest-modules", "src/csat/stats/topbox.py")


# ------------------------------------------------------------------------------------------------ language
def _pseudo(text: str) -> str:
    return f"⟦{text}⟧"


def test_a_new_language(tmp_path):
    repo = _copy(tmp_path)
    src = repo / "src" / "csat"
    # 1. a catalog folder locale/<lang>/: one PO file per file of locale/zh/, every message translated (the toy
    #    is a pseudo-locale, "qps": the English in brackets, fields kept; tests/core/test_i18n.py uses "xx" as
    #    the example of an unknown language)
    got = _python(repo, """
        import json
        from pathlib import Path
        from babel.messages.pofile import read_po, write_po
        done = []
        for f in sorted(Path("src/csat/locale/zh").glob("*.po")):
            with f.open("rb") as fh:
                cat = read_po(fh)
            for m in cat:
                if m.id:
                    m.string = tuple(f"⟦{s}⟧" for s in m.id) if isinstance(m.id, tuple) else f"⟦{m.id}⟧"
            out = Path("src/csat/locale/qps") / f.name
            out.parent.mkdir(parents=True, exist_ok=True)
            with out.open("wb") as fh:
                write_po(fh, cat, width=0)
            done.append(f.name)
        print(json.dumps(done))
    """)
    assert got, "locale/zh holds no catalog"
    # 2. its entry in csat.core.i18n.LANGUAGES
    _add_to_table(src / "core" / "i18n.py", "LANGUAGES", '"qps": ("Pseudo", "⟦Pseudo⟧")')
    # 3. the texts in no catalog: the section texts, and the notebooks' explanations (a cell tagged "qps" after
    #    each English markdown cell and its translations; "qps" in TRANSLATION_TAGS)
    for f in sorted((src / "analyses" / "texts").glob("section_*.en.md")):
        f.with_name(f.name.replace(".en.md", ".qps.md")).write_text(_pseudo(f.read_text(encoding="utf-8")),
                                                                      encoding="utf-8")
    _add_to_table(src / "pipeline" / "build.py", "TRANSLATION_TAGS", '"qps"')
    for nb_path in sorted((repo / "notebooks").glob("*.ipynb")):
        nb = _read_nb(nb_path)
        cells = []
        for k, c in enumerate(nb["cells"]):
            cells.append(c)
            nxt = nb["cells"][k + 1] if k + 1 < len(nb["cells"]) else None
            translated = c["cell_type"] == "markdown" and (not c["metadata"].get("tags") or "zh" in c["metadata"]["tags"])
            if translated and not (nxt and nxt["cell_type"] == "markdown" and nxt["metadata"].get("tags")):
                english = next(e for e in reversed(cells) if e["cell_type"] == "markdown" and not e["metadata"].get("tags"))
                cells.append(_cell("markdown", _pseudo("".join(english["source"])), 1000 + k, ("qps",)))
        nb["cells"] = cells
        _write_nb(nb_path, nb)
    # 4. a study may choose it: StudyParams.language accepts every key of LANGUAGES (checked below); a
    #    Literal there would be extended
    _accept_in_literal(src / "config" / "params.py", "StudyParams", "language", "qps")

    got = _python(repo, """
        import json, os
        from pathlib import Path
        import nbformat
        from csat.core import i18n
        from csat.analyses.verdicts import section_markdown
        from csat.config.params import load_params
        from csat.pipeline.build import localize_notebook
        zh = i18n.catalog("zh")
        plain = next(m for m in zh if not i18n.placeholders(m) and "\\x04" not in m)
        fields = next(m for m in zh if i18n.placeholders(m) and "\\x04" not in m and ":" not in m)
        values = {k: "V" for k in i18n.placeholders(fields)}
        notebooks = {}
        for f in sorted(Path("notebooks").glob("*.ipynb")):
            nb = nbformat.read(str(f), as_version=4)
            loc, zh_nb = localize_notebook(nb, "qps"), localize_notebook(nb, "zh")
            notebooks[f.stem] = [all(c.source.startswith("⟦") for c in loc.cells if c.cell_type == "markdown"),
                                 [c.source for c in loc.cells if c.cell_type == "code"]
                                 == [c.source for c in zh_nb.cells if c.cell_type == "code"],
                                 not any(c.source.startswith("⟦") for c in zh_nb.cells)]
        os.environ["CSAT_STRICT_DIAGNOSTICS"] = "1"
        try:
            i18n.tr("A sentence nobody translated", "qps")
            strict = False
        except i18n.MissingTranslation:
            strict = True
        print(json.dumps({"plain": [plain, i18n.tr(plain, "qps")],
                          "fields": [fields.format(**values), i18n.tr(fields, "qps", **values)],
                          "languages": list(i18n.LANGUAGES), "strict": strict,
                          "section": section_markdown("tracking", "qps")[:1], "notebooks": notebooks,
                          "study": load_params("params/demo.yaml", {"language": "qps"}, root=".").language}))
    """)
    assert got["plain"][1] == _pseudo(got["plain"][0]) and got["fields"][1] == _pseudo(got["fields"][0])
    assert "qps" in got["languages"] and got["strict"] and got["section"] == "⟦" and got["study"] == "qps"
    assert all(all(v) for v in got["notebooks"].values()), got["notebooks"]
    # the catalogs' own checks hold for the new language: every message translated, no field lost, none unused
    _pytest(repo, "tests/core/test_i18n.py")


def test_a_derived_language(tmp_path):
    """A toy Traditional Chinese for Hong Kong, derived from zh as zh-Hant is (OpenCC ``s2hk``)."""
    repo = _copy(tmp_path)
    src = repo / "src" / "csat"
    i18n_py = src / "core" / "i18n.py"
    # 1. LANGUAGES, and DERIVED: its base language and OpenCC configuration
    _add_to_table(i18n_py, "LANGUAGES", '"zh-HK": ("Traditional Chinese (Hong Kong)", "繁體中文（香港）")')
    _add_to_table(i18n_py, "DERIVED", '"zh-HK": ("zh", "s2hk")')
    # 2. locale/<lang>/terms.po: regional terms (msgctxt "term": converted → regional); an entry without the
    #    context replaces a whole message
    override = _python(repo, """
        import json
        from csat.core import i18n
        print(json.dumps(next(m for m in i18n.catalog("zh") if not i18n.placeholders(m) and "\\x04" not in m)))
    """)
    terms = src / "locale" / "zh-HK" / "terms.po"
    _add_po(terms, {"因子分析": "因素分析"}, context="term")
    _add_po(terms, {override: "（香港用語）"})
    # 3. a study may choose it
    _accept_in_literal(src / "config" / "params.py", "StudyParams", "language", "zh-HK")

    got = _python(repo, f"""
        import json
        import opencc
        from csat.core import i18n
        from csat.config.params import load_params
        zh, hk = i18n.catalog("zh"), i18n.catalog("zh-HK")
        other = [m for m in zh if m != {override!r}]
        s2hk = opencc.OpenCC("s2hk.json")
        print(json.dumps({{"complete": set(zh) <= set(hk),
                           "converted": all(hk[m] == i18n.localize(zh[m], "zh-HK") for m in other),
                           "changed": sum(hk[m] != zh[m] for m in other), "override": hk[{override!r}],
                           "term": i18n.localize("样本量与因子分析", "zh-HK"),
                           "opencc": s2hk.convert("样本量与因子分析"), "chinese": i18n.is_chinese("zh-HK"),
                           "study": load_params("params/demo.yaml", {{"language": "zh-HK"}}, root=".").language}}))
    """)
    assert got["complete"] and got["converted"] and got["changed"] > 0 and got["chinese"]
    assert got["override"] == "（香港用語）" and got["study"] == "zh-HK"
    assert got["opencc"] == "樣本量與因子分析" and got["term"] == "樣本量與因素分析"    # OpenCC, then the term
    _pytest(repo, "tests/core/test_i18n.py")
