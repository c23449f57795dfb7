"""Build bookkeeping for the Makefile: validate a study and write per-stage stamps.

``python -m csat.pipeline.build prepare params/<study>.yaml [--overrides "bootstrap=200 seed=7"]``
(``python -m csat.pipeline.build run --study S --stage X`` runs one stage; ``kernel`` installs the Jupyter kernel)

1. validates the params file (schema, data file, every named column) — bad input
   stops here with one clear message, before any notebook runs;
2. writes, under ``reports/<study>/.build/``, only when their content changes:

   - ``papermill.yaml``: the notebooks' parameters (``params_file`` and ``overrides``);
   - ``stage-01_cleaning.json`` … ``stage-06_drivers_segments.json``: the effective parameters each
     stage reads, so that Make re-runs a stage only when *its* parameters change
     (changing ``bootstrap`` re-runs 05 and the reports, not 01–04);
   - ``raw.json``: the raw data file's path and SHA-256 (every file's, when ``data.path`` lists one
     file per wave), and ``deps.mk`` naming it
     (``RAW := reports/<study>/.build/raw.json``), so the stages depend on the data's
     content; the raw file's own name never reaches Make, so any character is safe in it;
     ``deps.mk`` also holds the stage graph, each stage's prerequisites generated from
     :data:`csat.pipeline.graph.STAGE_READS` (what each notebook reads);
3. reads the raw data, applies the cleaning rules and checks the facts the analysis needs
   (:func:`csat.intake.preflight.intake_check`: constant items, items almost nobody answered,
   perfectly collinear items, too few respondents), cached in ``intake.json`` by the data's
   SHA-256 and the cleaning stage's parameters.

Files are rewritten only when their bytes change, so their modification times tell
Make exactly what changed.

Build state, so that no stale or half output survives a failed or interrupted build
(``reports/<study>/.build/status.json``, shown by ``python -m csat.report.cli index``):

* a stage runs in its workspace (:mod:`csat.pipeline.workspace`): its outputs replace the previous ones, all
  together, only when it succeeded; an output that cannot be replaced fails the stage with one line naming it;
* ``python -m csat.pipeline.build failed --study S --stage X`` (run by Make when the report fails) and a failed
  stage record ``failed``; a failed stage's previous outputs are kept, its half-run notebook goes to
  ``.build/failed/<stage>.ipynb``;
* a failed ``prepare`` records ``failed`` at ``prepare`` and removes every stage output and
  the report (they no longer match the params);
* ``prepare`` writes ``stale.mk``: the stages whose build stamps (:mod:`csat.pipeline.stamps`) are not current,
  which Make re-runs;
* ``python -m csat.pipeline.build finished --study S`` (after a complete build) records ``built``;
* ``python -m csat.pipeline.build lock --study S -- make …`` runs the build holding the study's lock
  (:mod:`csat.pipeline.lock`).

``reports/index.html`` shows these states; it is the report's (``python -m csat.report.cli index``, a
layer above this one), so the Makefile writes it after each of these commands when it is older than
the study's ``status.json``, and the report's ``study --finish`` after recording ``built`` itself.

Every error is one line on stderr (``error: …``), never a traceback.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import json
import os
import re
import shutil
import sys
from pathlib import Path

import yaml

from csat.core.files import atomic_write_text
from csat.core.diagnostics import merge_diagnostics
from csat.core.i18n import DERIVED, localize

from csat.core import paths
from csat.pipeline import stamps, warm
from csat.pipeline.graph import STAGES as STAGE_ORDER, downstream, make_dependencies

#: What ``python -m csat.pipeline.build run`` imports before its work: the kernel fork server of a build
#: imports them once (:func:`csat.pipeline.warm.start_zygote`), so that a stage run forked from it starts at once.
RUN_MODULES = ("papermill", "csat.pipeline.build")

#: Stages that read another stage's output, directly or indirectly: derived from
#: :data:`csat.pipeline.graph.STAGE_READS`, the table the Makefile's stage graph is generated from.
DOWNSTREAM: dict[str, list[str]] = {s: downstream(s) for s in STAGE_ORDER}

# Which top-level parameters each stage reads.  Keys not listed (title) only feed the reports.
STAGE_KEYS: dict[str, list[str]] = {
    "01_cleaning": ["study", "language", "data", "scale", "missing_codes", "labels", "constructs",
                    "item_labels", "reverse", "groups", "recommend", "cleaning", "invariance", "waves",
                    "column_labels", "value_labels"],
    "02_descriptives": ["study", "language", "scale", "constructs", "item_labels", "reverse", "groups",
                        "recommend", "ipma", "waves", "weights", "scores", "estimator", "ordered",
                        "column_labels", "value_labels"],
    "03_reliability_validity": ["study", "language", "scale", "constructs", "item_labels", "missing",
                                "thresholds", "model", "model_template", "sem_missing", "estimator", "ordered"],
    "04_factor_analysis": ["study", "language", "constructs", "item_labels", "efa", "model", "sem_missing",
                           "model_template", "thresholds", "seed", "invariance", "waves", "estimator", "ordered",
                           "column_labels", "value_labels"],
    "05_sem": ["study", "language", "scale", "constructs", "item_labels", "model", "model_template",
               "sem_missing", "ipma", "bootstrap", "seed", "thresholds", "estimator", "pls", "scores", "ordered",
               "bootstrap_scheduler"],
    "06_drivers_segments": ["study", "language", "data", "scale", "missing_codes", "labels", "constructs",
                            "item_labels", "groups", "ipma", "weights", "drivers", "segments", "kano", "servqual",
                            "seed", "scores", "column_labels", "value_labels", "open_ended", "recommend"],
}


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` only if the content differs; return whether it changed."""
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    atomic_write_text(path, text)
    return True


def prepare(params_path: str | Path, overrides_text: str = "", root: str | Path | None = None,
            check_intake: bool = True, owner: int | None = None, command_modules: tuple[str, ...] = ()) -> dict:
    """Validate the study and write its stamps (see the module docstring); with ``owner`` (the pid of the
    Make running the build), start the kernel fork server, which also imports :data:`RUN_MODULES` and
    ``command_modules`` (those of the build's other commands, e.g. the report's), or boot the first
    stages' kernels.  Returns ``{"study", "changed", "build", "warnings"}``."""
    from csat.config.params import ParamsError, parse_overrides, project_root, resolve_data_paths
    from csat.intake.preflight import load_study

    params_path = Path(params_path)
    overrides = parse_overrides(overrides_text)
    root = Path(root) if root is not None else project_root(params_path)
    p = load_study(params_path, overrides, root=root)
    expected = params_path.stem
    if p.study != expected:
        raise ParamsError(f"{params_path}: key 'study' is {p.study!r} but the file is named {expected!r}.yaml; "
                          "they must agree (the study name is also the reports/ folder)")
    build = paths.build_dir(root, p.study)
    recover_interrupted(root, p.study)
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
    raws = []
    for raw in resolve_data_paths(p, params_path, root):
        try:
            raw_rel = raw.resolve().relative_to(root.resolve())
        except ValueError:
            raw_rel = raw.resolve()
        raws.append({"path": str(raw_rel), "sha256": hashlib.sha256(raw.read_bytes()).hexdigest()})
    # one file: {"path", "sha256"}; one file per wave: {"files": [{"path", "sha256"}, ...], "sha256": of them all},
    # so an edit of any wave file rewrites raw.json and re-runs the stages
    if len(raws) == 1:
        record, sha = raws[0], raws[0]["sha256"]
    else:
        sha = hashlib.sha256("".join(r["sha256"] + "\n" for r in raws).encode()).hexdigest()
        record = {"files": raws, "sha256": sha}
    if write_if_changed(build / "raw.json", json.dumps(record, indent=1, ensure_ascii=False) + "\n"):
        changed.append("raw.json")
    rel_build = build.relative_to(root) if build.is_relative_to(root) else build
    deps = f"RAW := {rel_build.as_posix()}/raw.json\n" + make_dependencies()
    if write_if_changed(build / "deps.mk", deps):
        changed.append("deps.mk")
    # every stage whose outputs' stamp differs from the current build is re-run, not only those whose
    # prerequisites' times changed (csat.pipeline.stamps); stale.mk is no prerequisite of anything
    write_if_changed(build / "stale.mk", stamps.make_rules(stamps.stale_stages(root, p.study)))
    if owner and warm.enabled():            # kernels for the stages Make will run boot while the checks go on
        warm.remove_stale(root, p.study)
        stale = warm.out_of_date(root, p.study)
        # the fork server (csat.pipeline.forkserver) imports while the checks go on; the first stages fork their kernels
        # from it; where there can be none, their kernels are started as programs now
        if stale and warm.start_zygote(root, p.study, owner, commands=RUN_MODULES + tuple(command_modules)) is None \
                and not warm.zygote_running(root, p.study):
            for stage in warm.first_wave(root, p.study):
                warm.spawn(root, p.study, stage, owner)
    from csat.config.checks import params_diagnostics

    warnings = [f"{d.where}: {d.message}" for d in params_diagnostics(p)]
    if check_intake:
        warnings += _cached_intake_check(p, params_path, root, build, sha)
    return {"study": p.study, "changed": changed, "build": str(build), "warnings": warnings}


def _cached_intake_check(p, params_path: Path, root: Path, build: Path, sha: str) -> list[str]:
    """Run :func:`csat.intake.preflight.intake_check` unless the data and the cleaning parameters are unchanged
    since it last passed; return its warnings as lines."""
    from csat.intake.preflight import intake_check

    stamp = (build / "stage-01_cleaning.json").read_text(encoding="utf-8")
    # and the keys of the checks of the optional parts (csat.intake.preflight.study_facts)
    effective = p.model_dump(mode="json")
    parts = json.dumps({k: effective.get(k) for k in ("weights", "drivers", "segments", "kano", "servqual", "scores",
                                                      "ipma", "survey")}, sort_keys=True, ensure_ascii=False)
    key = hashlib.sha256((sha + "\n" + stamp + "\n" + p.sem_missing + "\n" + parts).encode("utf-8")).hexdigest()
    cache = build / "intake.json"
    if cache.is_file():
        try:
            old = json.loads(cache.read_text(encoding="utf-8"))
            if old.get("key") == key:
                return list(old.get("warnings", []))
        except (json.JSONDecodeError, AttributeError):
            pass
    cache.unlink(missing_ok=True)
    diags = intake_check(p, params_path, root=root)
    warnings = [f"{d.where}: {d.message}" for d in diags if d.severity == "warning"]
    write_if_changed(cache, json.dumps({"key": key, "warnings": warnings}, indent=1, ensure_ascii=False) + "\n")
    return warnings


# ---------------------------------------------------------------------------------- build state
def _report_dir(root: Path, study: str) -> Path:
    return paths.report_dir(root, study)


def status_path(root: str | Path, study: str) -> Path:
    return paths.build_dir(root, study) / "status.json"


def read_status(root: str | Path, study: str) -> dict:
    """``{"state": "built" | "building" | "failed", "stage", "message", "time"}`` or ``{}``."""
    path = status_path(root, study)
    try:
        out = json.loads(path.read_text(encoding="utf-8"))
        return out if isinstance(out, dict) else {}
    except (OSError, json.JSONDecodeError):
        return {}


def write_status(root: str | Path, study: str, state: str, stage: str | None = None,
                 message: str | None = None, started: float | None = None) -> dict:
    info = {"state": state, "stage": stage, "message": message,
            "time": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")}
    if started is not None:
        info["started"] = started
    atomic_write_text(status_path(root, study), json.dumps(info, indent=1, ensure_ascii=False) + "\n")
    return info


def outputs_manifest(report_dir: Path, stage: str) -> Path:
    return Path(report_dir) / paths.BUILD / f"outputs-{stage}.txt"


def record_output(report_dir: str | Path, stage: str, path: str | Path) -> None:
    """Note that ``stage`` wrote ``path`` (so a later failure or re-run can remove it)."""
    report_dir = Path(report_dir)
    m = outputs_manifest(report_dir, stage)
    m.parent.mkdir(parents=True, exist_ok=True)
    path = Path(path)
    try:
        rel = path.resolve().relative_to(report_dir.resolve().parent.parent)
    except ValueError:
        rel = path.resolve()
    with open(m, "a", encoding="utf-8") as fh:
        fh.write(str(rel) + "\n")


def _remove(path: Path) -> bool:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
        return True
    except FileNotFoundError:
        return False


def invalidate(root: str | Path, study: str, stages: list[str], *, report: bool = True,
               keep_notebook: str | None = None) -> list[str]:
    """Remove everything ``stages`` wrote (results, figures, processed data listed in their output
    manifests; their executed notebooks and HTML; their run records and diagnostics) and, with
    ``report``, ``report.html``/``report.pdf``.  Never touches ``data/raw``.  Returns what was removed."""
    root = Path(root)
    d = _report_dir(root, study)
    removed: list[str] = []
    if not d.is_dir():
        return removed
    for s in stages:
        m = outputs_manifest(d, s)
        if m.is_file():
            for line in dict.fromkeys(m.read_text(encoding="utf-8").splitlines()):
                if not line.strip():
                    continue
                f = Path(line) if Path(line).is_absolute() else root / line
                parts = [x.lower() for x in f.resolve().parts]
                if any(a == "data" and b == "raw" for a, b in zip(parts, parts[1:])):
                    continue                      # raw data is never removed
                if _remove(f):
                    removed.append(str(f))
            m.unlink()
        for name in (f"{s}.html", f"{s}.ipynb", f"{paths.RUNINFO}/{s}.json"):
            if name == f"{s}.ipynb" and s == keep_notebook:
                continue
            if _remove(d / name):
                removed.append(str(d / name))
        diag = d / paths.RESULTS / "diagnostics.json"
        if diag.is_file():
            if not merge_diagnostics(diag, s, []):
                diag.unlink()                       # no stage left with diagnostics
        if s == "01_cleaning":                     # the processed data 01 writes for the later stages
            for name in ("clean.parquet", "clean.csv", "codebook.csv"):
                f = paths.processed_dir(root, study) / name
                if _remove(f):
                    removed.append(str(f))
    if report:                                  # results/summary.json is the report's (csat.report.summary)
        for name in ("report.html", "report.pdf", "results/summary.json", "results/group_means.csv"):
            if _remove(d / name):
                removed.append(str(d / name))
    return removed


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def notebook_error(nb_path: str | Path) -> str | None:
    """``"ExceptionName: message"`` of the first error output of an executed notebook, one line."""
    try:
        nb = json.loads(Path(nb_path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []) or []:
            if out.get("output_type") == "error":
                ename = _ANSI.sub("", str(out.get("ename", "")))
                evalue = _ANSI.sub("", str(out.get("evalue", "")))
                if ename == "PapermillExecutionError":
                    continue
                return " ".join(f"{ename}: {evalue}".split())
    return None


def record_failure(root: str | Path, study: str, stage: str, message: str | None = None) -> dict:
    """A stage (or ``report``/``prepare``) failed: record ``failed``.  Returns the status.

    A stage's previous outputs are untouched (it wrote into its workspace, :mod:`csat.pipeline.workspace`): the
    workspace goes and its half-run notebook is kept as ``.build/failed/<stage>.ipynb``.  A failed report
    removes ``report.html``/``report.pdf``; a failed ``prepare`` every stage output and the report (they no
    longer match the params).  A file that cannot be removed is named in the message, never a traceback."""
    from csat.pipeline.workspace import Workspace

    root = Path(root)
    d = _report_dir(root, study)
    if stage in STAGE_ORDER:
        ws = Workspace(root, study, stage)
        if message is None:
            message = (notebook_error(ws.notebook) or notebook_error(d / f"{stage}.ipynb")
                       or "the notebook failed (no error cell was saved)")
        ws.abandon()
        running_marker(root, study, stage).unlink(missing_ok=True)
    else:
        try:
            invalidate(root, study, STAGE_ORDER if stage == "prepare" else [], report=True)
        except OSError as err:
            what = paths.relative(err.filename, root) if err.filename else "an output"
            message = f"{message or 'see the messages above'}; {what} could not be removed ({err.strerror or err})"
    return write_status(root, study, "failed", stage, message or "see the messages above")


def running_marker(root: str | Path, study: str, stage: str) -> Path:
    """``reports/<study>/.build/running-<stage>.json``: written when a stage starts, removed when it
    finishes or fails.  With ``make -j`` several stages run at once, and ``status.json`` names only
    the last one that started, so these markers tell which ones an interrupted build left half done."""
    return paths.build_dir(root, study) / f"running-{stage}.json"


def recover_interrupted(root: str | Path, study: str) -> dict | None:
    """A build killed while stages ran (status ``building``, a stage's running marker or workspace left) left
    their workspaces: remove them (a half-run notebook is kept in ``.build/failed/``) and record the
    interruption; the stages' previous outputs were never touched.  Returns the new status, or None if there
    was nothing to do."""
    from csat.pipeline.workspace import leftover

    st = read_status(root, study)
    stages = [s for s in STAGE_ORDER if running_marker(root, study, s).is_file()]
    stages += [s for s in leftover(root, study) if s in STAGE_ORDER and s not in stages]
    if st.get("state") == "building" and st.get("stage") in STAGE_ORDER and st["stage"] not in stages:
        stages.append(st["stage"])
    out = None
    for s in sorted(stages):
        out = record_failure(root, study, s, "the previous build was interrupted while this stage ran")
    return out


def record_success(root: str | Path, study: str) -> bool:
    """The whole build of ``study`` finished: record ``built`` (a build with nothing to do writes
    nothing).  Returns whether ``reports/index.html`` is now out of date (the state changed or there is no
    index): the report's index (``python -m csat.report.cli index``) is to be written then."""
    root = Path(root)
    old = read_status(root, study)
    if old.get("state") == "built":
        return not paths.index_file(root).is_file()
    write_status(root, study, "built")
    return True


# ---------------------------------------------------------------------------------- running a stage
def install_kernel(prefix: str | None = None) -> str:
    """Install the Jupyter kernel ``python3`` ("Python 3 (csat)") of this environment into its prefix
    (``.venv/share/jupyter/kernels``), the kernel papermill and ``make lab`` use; returns its folder."""
    from ipykernel.kernelspec import install

    return install(prefix=prefix or sys.prefix, kernel_name="python3", display_name="Python 3 (csat)")


def preload_arguments(km) -> list[str]:
    """Arguments that make an ipykernel kernel import :mod:`csat.pipeline.kernel_preload` as it boots (the
    modules every stage imports, loaded while this process imports papermill and nbconvert); none for
    a kernel that is not ipykernel, which would not understand them."""
    try:
        argv = " ".join(km.kernel_spec.argv)
    except Exception:
        return []
    return [warm.PRELOAD_ARGUMENT] if "ipykernel" in argv else []


def run_stage(study: str, stage: str, root: str | Path = ".", kernel: str = "python3", owner: int | None = None) -> int:
    """Execute ``notebooks/<stage>.ipynb`` for ``study`` into ``reports/<study>/<stage>.ipynb`` with
    papermill and export it to ``<stage>.html`` with nbconvert, in this one process.

    The parameters come from ``reports/<study>/.build/papermill.yaml`` (written by :func:`prepare`).
    Running both steps here, rather than the ``papermill`` and ``jupyter nbconvert`` programs, saves
    one Python start-up and one import of nbconvert per stage.  The kernel is stopped at once when the
    last cell has run (``shutdown_kernel="immediate"``: every output is already received and every file
    written by then), instead of nbclient's graceful shutdown, which waits about a second for the kernel
    to exit on its own; it is started before papermill and nbconvert are imported, so that it boots
    meanwhile, and imports the modules every stage needs as it boots (:mod:`csat.pipeline.kernel_preload`).  With
    ``owner`` (the pid of the Make running the build), once this stage's kernel is ready the kernels of
    the stages that can start when it is done are booted in advance (:mod:`csat.pipeline.warm`), and this stage
    uses the one booted for it, if any.  On failure the notebook's error is
    printed, :func:`record_failure` removes what this stage and the later ones wrote, and 1 is
    returned."""
    root = Path(root)
    # a warm kernel booted for this stage while the stages before it ran (csat.pipeline.warm), if there is one, or
    # one forked now from the study's fork server (csat.pipeline.forkserver); otherwise the kernel is started first:
    # it boots in its own process (on another core) while this one imports papermill and nbconvert;
    # papermill then runs the notebook on it (we stop it)
    km = warm.claim(root, study, stage, kernel)
    if km is None and owner and warm.zygote_running(root, study):
        # none booted in advance (the first stages): fork one from the study's fork server, which may
        # still be importing; papermill and nbconvert are imported meanwhile
        import nbconvert  # noqa: F401
        import papermill  # noqa: F401

        if warm.spawn(root, study, stage, owner, kernel, wait_for_zygote=30) is not None:
            km = warm.claim(root, study, stage, kernel)
    if km is None:
        km = warm.kernel_manager_class()(kernel_name=kernel)
        try:
            km.start_kernel(cwd=str(root), extra_arguments=preload_arguments(km))
        except Exception as err:
            st = record_failure(root, study, stage, f"the Jupyter kernel {kernel!r} did not start ({_one_line(err)})")
            print(f"error: study {study!r} failed at {stage}: {st['message']}", file=sys.stderr)
            return 1
    try:
        return _run_on_kernel(km, study, stage, root, kernel, owner)
    finally:
        if getattr(km, "warm_record", None) is not None:
            log = warm.release(km)       # what the warm kernel wrote on stderr, shown as a started one's is
            if log.strip():
                print(log.rstrip(), file=sys.stderr)
        else:
            try:
                km.shutdown_kernel(now=True)
            except Exception:            # already gone
                pass


def _run_on_kernel(km, study: str, stage: str, root: Path, kernel: str, owner: int | None = None) -> int:
    booting = None
    if owner and warm.enabled() and warm.started_by(stage):
        booting = _boot_next_kernels(km, study, stage, root, kernel, owner)
    try:
        return _execute(km, study, stage, root, kernel)
    finally:
        if booting is not None:          # the next stages' kernels are booted before this stage ends
            booting.join(timeout=30)


#: Languages the notebooks' explanations are translated into.  A markdown cell tagged with one of them
#: (JupyterLab: Property Inspector, "Cell Tags") is that language's version of the untagged markdown
#: cell it follows; the stage's notebook as run for a study keeps only the study's language.  A
#: language derived from one of them (:data:`csat.core.i18n.DERIVED`: ``zh-Hant`` from ``zh``) reads
#: that one's cells, converted (:func:`csat.core.i18n.localize`).
TRANSLATION_TAGS: tuple[str, ...] = ("zh",)


def localize_notebook(nb, language: str, where: str = "notebook"):
    """The notebook as a study in ``language`` runs it (a copy; ``nb`` is not changed).

    Each untagged markdown cell (the English text) is replaced by the cell tagged ``language``
    that follows it, if there is one; the cells of other languages are dropped.  Code cells and
    untranslated markdown cells are kept as they are.  A translation that does not directly follow
    an English markdown cell (or another translation of it), or two translations of one cell into
    the same language, raise ``ValueError`` naming the cell (``where``: the notebook's path).  For a
    derived language (``zh-Hant``) the cells tagged with its base (``zh``) are taken and their text
    converted (:func:`csat.core.i18n.localize`: traditional characters and the regional terms).

    Example: cells ``[md "## Fit …", md[zh] "## 拟合 …", code]`` become ``[md "## 拟合 …", code]`` for
    ``language="zh"``, ``[md "## 適配 …", code]`` for ``"zh-Hant"`` (Taiwan's term) and
    ``[md "## Fit …", code]`` for ``"en"``.
    """
    import copy

    tag = DERIVED[language][0] if language in DERIVED else language
    out: list = []
    original: int | None = None          # index in ``out`` of the English cell being translated
    seen: set[str] = set()
    for i, cell in enumerate(nb.cells):
        tags = [t for t in cell.get("metadata", {}).get("tags", []) if t in TRANSLATION_TAGS]
        if cell.cell_type != "markdown" or not tags:
            original = len(out) if cell.cell_type == "markdown" else None
            seen = set()
            out.append(cell)
            continue
        if original is None:
            raise ValueError(f"{where}: cell {i + 1} is tagged {tags[0]!r} (a translation) but does not follow "
                             "an English markdown cell")
        if len(tags) > 1 or tags[0] in seen:
            raise ValueError(f"{where}: cell {i + 1}: a second {tags[0]!r} translation of cell {original + 1}")
        seen.add(tags[0])
        if tags[0] == tag:
            if tag != language:
                cell = copy.deepcopy(cell)
                cell.source = localize(cell.source, language)
            out[original] = cell
    result = copy.copy(nb)
    result.cells = out
    return result



def drop_other_estimators(nb, estimator: str | None):
    """The notebook without the explanations of the cells that do not run for ``estimator`` (a copy).

    A code cell that starts with ``%%estimator <name>`` (:meth:`csat.pipeline.stage.Stage.estimator_cells`)
    runs only for a study estimated by ``<name>``; the markdown cells directly before it explain it.  For
    another estimator those explanations would stand in the report with nothing under them, so they are
    dropped (the code cell stays: it shows nothing).  ``estimator=None`` keeps everything; the
    covariance-based estimators (ml, mlr, mlm, wlsmv) run the ``ml`` cells.

    Example: ``[md "With estimator: pls: …", code "%%estimator pls …", md "## Interpretation"]`` becomes
    ``[code "%%estimator pls …", md "## Interpretation"]`` for ``estimator="ml"``.
    """
    if not estimator:
        return nb
    from csat.config.params import estimator_branch

    estimator = estimator_branch(estimator)          # ml, mlr, mlm, wlsmv run the ml cells

    def skipped(source: str) -> bool:
        m = re.match(r"\s*%%estimator\s+(\S+)", source)
        return bool(m) and m.group(1) != estimator
    return _without_explanations(nb, skipped)


def _without_explanations(nb, skipped):
    """A copy of ``nb`` without the markdown cells directly before each code cell whose source ``skipped`` marks."""
    import copy

    out: list = []
    for cell in nb.cells:
        if cell.cell_type == "code" and skipped(cell.source):
            while out and out[-1].cell_type == "markdown":
                out.pop()
        out.append(cell)
    result = copy.copy(nb)
    result.cells = out
    return result

#: Optional parts whose explanation :func:`drop_absent_parts` leaves out when the study lacks them.  The parts of
#: 06 are not among them: they say so themselves (``stage.absent``), which the report gathers in one sentence
#: under their own headings (:func:`csat.report.html.drop_absent_sections`).
SILENT_PARTS: tuple[str, ...] = ("waves",)


def drop_absent_parts(nb, stamp: dict, keys: tuple[str, ...] = SILENT_PARTS):
    """The notebook without the explanations of the optional parts the study does not have (a copy).

    A code cell whose first line is ``if p.<key>:`` runs its part only when the params set ``<key>`` (a tracking
    study's ``waves``); the markdown cells directly before it explain that part.  When ``stamp`` (the stage's
    params, ``stage-<stage>.json``) holds ``<key>`` empty, those explanations would stand in the report with
    nothing under them, so they are dropped, as :func:`drop_other_estimators` does.  Only ``keys`` are
    considered; keys the stamp does not hold are left alone.

    Example: ``[md "A tracking study …", code "if p.waves: …", md "## Correlations"]`` becomes
    ``[code "if p.waves: …", md "## Correlations"]`` for ``stamp={"waves": None}``.
    """
    def skipped(source: str) -> bool:
        m = re.match(r"\s*if p\.(\w+)\s*:", source)
        return bool(m) and m.group(1) in keys and m.group(1) in stamp and not stamp[m.group(1)]
    return _without_explanations(nb, skipped)


def _execute(km, study: str, stage: str, root: Path, kernel: str) -> int:
    """Run the stage's notebook in its workspace (:mod:`csat.pipeline.workspace`), export its HTML there, and
    only then let its outputs replace the previous ones.  On failure the previous outputs stay, the half-run
    notebook is kept in ``.build/failed/<stage>.ipynb`` and the study is recorded ``failed``."""
    import logging

    import nbformat
    import papermill as pm
    from nbconvert import HTMLExporter

    from csat.pipeline.workspace import CommitError, open_workspace

    out_dir = paths.report_dir(root, study)
    out_dir.mkdir(parents=True, exist_ok=True)
    nb_in = root / "notebooks" / f"{stage}.ipynb"
    build = paths.build_dir(root, study)
    parameters = yaml.safe_load((build / "papermill.yaml").read_text(encoding="utf-8"))
    stamp = json.loads((build / f"stage-{stage}.json").read_text(encoding="utf-8"))
    language = stamp.get("language", "en")
    print(f"[{study}] running {stage}", flush=True)
    logging.getLogger("papermill").setLevel(logging.WARNING)

    def fail(message: str | None) -> int:
        try:
            st = record_failure(root, study, stage, message)
        except OSError as err:               # not even the status can be written: still one line
            what = paths.relative(err.filename, root) if err.filename else "the build status"
            st = {"message": f"{message or 'see the messages above'}; {what} could not be written "
                             f"({err.strerror or err})"}
        kept = paths.relative(failed_notebook(root, study, stage), root)
        where = f"; its notebook is kept in {kept}" if Path(root, kept).is_file() else ""
        print(f"error: study {study!r} failed at {stage}: {st['message']}; its previous outputs are "
              f"kept{where} (data/raw is untouched)", file=sys.stderr)
        return 1

    from csat.pipeline.workspace import failed_notebook

    try:
        atomic_write_text(running_marker(root, study, stage), json.dumps({"started": _dt.datetime.now().timestamp()}) + "\n")
        ws = open_workspace(root, study, stage, driver=os.getpid())
    except OSError as err:
        what = paths.relative(err.filename, root) if err.filename else "its workspace"
        return fail(f"cannot write {what} ({err.strerror or err})")
    nb_out = ws.notebook
    try:
        nb = localize_notebook(nbformat.read(str(nb_in), as_version=4), language, where=f"notebooks/{stage}.ipynb")
        nb = drop_other_estimators(nb, stamp.get("estimator"))
        nb = drop_absent_parts(nb, stamp)
        done = pm.execute_notebook(nb, str(nb_out), parameters=parameters, kernel_name=kernel,
                                   progress_bar=False, cwd=str(root), km=km)
        # papermill records its input, here the localized notebook object itself: name the file instead
        done.metadata.papermill["input_path"] = str(nb_in.relative_to(root)) if nb_in.is_relative_to(root) else str(nb_in)
        done.metadata.setdefault("csat", {})["language"] = language
        atomic_write_text(nb_out, nbformat.writes(done))
    except KeyboardInterrupt:
        ws.abandon()
        running_marker(root, study, stage).unlink(missing_ok=True)
        raise
    except Exception as err:
        print(str(err).rstrip(), file=sys.stderr)
        print(f"error: notebook notebooks/{stage}.ipynb failed for study {study} (the failing cell is shown above)",
              file=sys.stderr)
        return fail(None)
    try:
        body, _ = HTMLExporter().from_filename(str(nb_out))
        atomic_write_text(ws.html, body)
    except Exception as err:
        return fail(f"nbconvert could not write {stage}.html ({_one_line(err)})")
    try:
        ws.commit()
    except (CommitError, OSError) as err:
        msg = _one_line(err) if isinstance(err, CommitError) else f"cannot replace its outputs ({_one_line(err)})"
        return fail(msg)
    running_marker(root, study, stage).unlink(missing_ok=True)
    return 0


def _boot_next_kernels(km, study: str, stage: str, root: Path, kernel: str, owner: int):
    """Boot warm kernels for the stages that can start when this one is done (:func:`csat.pipeline.warm.started_by`).

    With the study's kernel fork server (:mod:`csat.pipeline.forkserver`) ready or starting, they are forked from it
    in a background thread (returned, to be joined when the stage is done); a fork costs little, so it
    need not wait.  Without one, they are started as programs once this stage's own kernel answers, so
    that booting them does not slow its own boot."""
    import threading

    nxt = warm.started_by(stage)
    if warm.zygote_running(root, study):
        t = threading.Thread(target=lambda: [warm.spawn(root, study, s, owner, kernel, wait_for_zygote=15)
                                             for s in nxt], name="csat-boot-next", daemon=True)
        t.start()
        return t
    kc = km.client()
    try:
        kc.start_channels()
        kc.wait_for_ready(timeout=60)
    except Exception:                    # papermill will report a kernel that does not answer
        return None
    finally:
        kc.stop_channels()
    for s in nxt:
        warm.spawn(root, study, s, owner, kernel)
    return None


def _known_errors() -> tuple[type[BaseException], ...]:
    from csat.core.errors import CsatError

    return (CsatError,)


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split())


def _stop_group(pid: int) -> None:
    """End a process started in its own session (a fork server) and everything it started."""
    import signal

    try:
        os.killpg(pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        pass


def _has_outputs(root: Path, study: str) -> bool:
    """Whether the study's report folder holds anything but the lock of the build that runs now."""
    d = paths.report_dir(root, study)
    if not d.is_dir():
        return False
    return any(p.name != paths.BUILD for p in d.iterdir()) or any(
        p.name != "lock" for p in paths.build_dir(root, study).iterdir()) if paths.build_dir(root, study).is_dir() \
        else any(True for _ in d.iterdir())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m csat.pipeline.build")
    sub = ap.add_subparsers(dest="cmd", required=True)
    pr = sub.add_parser("prepare", help="validate a study and write its stage stamps")
    pr.add_argument("params")
    pr.add_argument("--overrides", default="", help='one-run overrides, e.g. "bootstrap=200 efa.n_factors=3"')
    pr.add_argument("--verbose", action="store_true")
    pr.add_argument("--owner", type=int, default=None,
                    help="pid of the Make running the build: boot the kernels of the first stages to run (csat.pipeline.warm)")
    pr.add_argument("--command-module", action="append", default=[], dest="command_modules", metavar="MODULE",
                    help="with --owner: the module of another command of the build (python -m MODULE, e.g. the "
                         "report's), imported by the kernel fork server so that it starts at once")
    fl = sub.add_parser("failed", help="a stage or the report failed: remove its outputs, record the failure")
    fl.add_argument("--study", required=True)
    fl.add_argument("--stage", required=True, help="01_cleaning … 05_sem, or report")
    fl.add_argument("--message", default=None)
    fl.add_argument("--root", default=".")
    sub.add_parser("kernel", help="install this environment's Jupyter kernel (python3)")
    rn = sub.add_parser("run", help="execute one stage's notebook (papermill) and export its HTML (nbconvert)")
    rn.add_argument("--study", required=True)
    rn.add_argument("--stage", required=True, choices=STAGE_ORDER)
    rn.add_argument("--root", default=".")
    rn.add_argument("--kernel", default="python3")
    rn.add_argument("--owner", type=int, default=None,
                    help="pid of the Make running the build: boot the next stages' kernels in advance (csat.pipeline.warm)")
    lk = sub.add_parser("lock", help="run a command (the build) holding the study's lock (csat.pipeline.lock)")
    lk.add_argument("--study", required=True)
    lk.add_argument("--root", default=".")
    lk.add_argument("command", nargs=argparse.REMAINDER, help="-- the command to run")
    fi = sub.add_parser("finished", help="the whole build succeeded: record it (the index is the report's)")
    fi.add_argument("--study", required=True)
    fi.add_argument("--root", default=".")
    args = ap.parse_args(argv)
    if args.cmd == "failed":
        st = record_failure(Path(args.root), args.study, args.stage, args.message)
        kept = ("its previous outputs are kept" if args.stage in STAGE_ORDER else
                "its outputs were removed" if args.stage == "prepare" else "the report was removed")
        print(f"error: study {args.study!r} failed at {args.stage}: {st['message']}; {kept} (data/raw is untouched)",
              file=sys.stderr)
        return 0
    if args.cmd == "lock":
        from csat.pipeline.lock import run_locked

        command = args.command[1:] if args.command[:1] == ["--"] else args.command
        return run_locked(Path(args.root), args.study, command)
    if args.cmd == "kernel":
        install_kernel()
        return 0
    if args.cmd == "run":
        if args.owner:                   # in a process forked from the study's fork server, if it is ready
            rc = warm.call_here_or_there(paths.warm_kernels_dir(Path(args.root).resolve(), args.study),
                                         "csat.pipeline.build", list(argv if argv is not None else sys.argv[1:]))
            if rc is not None:
                return rc
        return run_stage(args.study, args.stage, Path(args.root), args.kernel, args.owner)
    if args.cmd == "finished":
        record_success(Path(args.root), args.study)
        return 0
    params_path = Path(args.params)
    study = params_path.stem
    root = paths.project_root(params_path)
    had_reports = _has_outputs(root, study)
    early = None
    plain_name = re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", study) is not None   # safe as a folder name
    if args.owner and params_path.is_file() and plain_name \
            and not paths.stage_notebook(root, study, STAGE_ORDER[0]).exists():
        # nothing built yet, so every stage will run: the kernel fork server imports while the study is
        # checked (prepare starts it later otherwise)
        early = warm.start_zygote(root, study, args.owner, commands=RUN_MODULES + tuple(args.command_modules))
    try:
        info = prepare(params_path, args.overrides, owner=args.owner, command_modules=tuple(args.command_modules))
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # every failure before the analysis is one line, never a traceback
        if isinstance(err, _known_errors()):
            msg = _one_line(err)
        else:
            msg = (f"{params_path}: unexpected {type(err).__name__} while checking the study: {_one_line(err)} "
                   "(this is a bug in csat's checks; please report it with the params file)")
        print(f"error: {msg}", file=sys.stderr)
        if early is not None:            # the early fork server goes, and the folder it made for a new study
            _stop_group(early)
            if not had_reports:
                shutil.rmtree(paths.report_dir(root, study), ignore_errors=True)
        if "(command line / SET=)" in msg:
            return 2                               # the params file and the built study are unchanged
        if plain_name and (had_reports or (paths.build_dir(root, study) / "papermill.yaml").is_file()):
            record_failure(root, study, "prepare", msg)
        return 2
    for w in info.get("warnings", []):
        print(f"warning: {w}", file=sys.stderr)
    if args.verbose and info["changed"]:
        print(f"{info['study']}: changed {', '.join(info['changed'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
