"""What every notebook does around its analysis: load params, find paths, show, save.

A notebook starts with::

    stage = csat.pipeline.stage.start("02_descriptives", params_file, overrides)

and ends with ``stage.finish()``.  The :class:`Stage` object knows the study's
validated parameters, where its processed data and results live, the report
language, and how to show a numbered table or figure with escaped user text.
"""
from __future__ import annotations

import html
import re
import json
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from typing import TYPE_CHECKING

from csat.core import i18n, paths, procs
from csat.core.diagnostics import Diagnostic, merge_diagnostics
from csat.pipeline.graph import STAGES
from csat.core import files as res

if TYPE_CHECKING:                      # pragma: no cover
    import pandas as pd

    from csat.config.params import StudyParams

# pandas and the parameter schema (pydantic) are imported where they are used: the build driver imports
# this module for STAGE_READS and starts faster without them.












@dataclass
class Stage:
    name: str
    params: StudyParams
    params_file: Path
    overrides: dict
    root: Path
    started: float = field(default_factory=time.time)
    _n_tables: int = 0
    _n_figures: int = 0
    info: dict = field(default_factory=dict)
    workspace: Any = None                  # csat.pipeline.workspace.Workspace

    # -- paths --------------------------------------------------------------------------
    @property
    def study(self) -> str:
        return self.params.study

    @property
    def report_dir(self) -> Path:
        return paths.report_dir(self.root, self.study)

    # The stage reads and writes in its workspace (csat.pipeline.workspace): the files it reads from other
    # stages are linked in, and what it writes replaces its previous outputs only when it succeeded.
    def _dir(self, kind: str) -> Path:
        if self.workspace is not None:
            return self.workspace.dir(kind)
        from csat.pipeline.workspace import final_dir

        return final_dir(self.root, self.study, kind)

    @property
    def results(self) -> Path:
        return self._dir("results")

    @property
    def figures(self) -> Path:
        return self._dir("figures")

    @property
    def processed(self) -> Path:
        return self._dir("processed")

    @property
    def processed_destination(self) -> Path:
        """Where the processed data are published when the stage succeeds (the reader's folder, not the
        workspace the stage writes in)."""
        from csat.pipeline.workspace import final_dir

        return final_dir(self.root, self.study, "processed")

    def result_path(self, name: str) -> Path:
        return self.results / name

    # -- data ---------------------------------------------------------------------------
    def clean_data(self) -> pd.DataFrame:
        """The analysis data written by 01_cleaning (reverse-keyed items already recoded)."""
        p = self.processed / "clean.parquet"
        if not p.is_file():
            raise FileNotFoundError(f"{p} not found: run 01_cleaning for study {self.study!r} first")
        import pandas as pd

        return pd.read_parquet(p)

    # -- language -----------------------------------------------------------------------
    def tr(self, message: str, /, **values) -> str:
        """``message`` (English, a catalog message) in the study's language, formatted with ``values``
        (:func:`csat.core.i18n.tr`)."""
        return i18n.tr(message, self.params.language, **self._options(values))

    def _options(self, values: dict) -> dict:
        """Params options among ``values`` (``listwise``, ``oblimin`` …) as the reader reads them
        (:func:`csat.analyses.display.option_name`)."""
        from csat.analyses.display import option_name

        return {k: option_name(v, self.params.language) for k, v in values.items()}

    def trc(self, context: str, message: str, /, **values) -> str:
        """:meth:`tr` of a message the catalog holds with a context (:func:`csat.core.i18n.trc`)."""
        return i18n.trc(context, message, self.params.language, **self._options(values))

    # -- results ------------------------------------------------------------------------
    def record(self, *paths: str | Path) -> None:
        """Note files this stage wrote outside the writers below.  In the stage's workspace every file
        written is an output of the stage, so there is nothing to note; outside one they are listed so that
        a repeated build removes them."""
        if self.workspace is not None:
            return
        from csat.pipeline.build import record_output

        for path in paths:
            record_output(self.report_dir, self.name, path)

    def write_json(self, name: str, obj: Any) -> Path:
        out = res.write_json(self.result_path(name), obj)
        self.record(out)
        return out

    def write_csv(self, name: str, df: pd.DataFrame, index: bool = False) -> Path:
        out = res.write_csv(self.result_path(name), df, index=index)
        self.record(out)
        return out

    def diagnostics(self, diags: Iterable[Diagnostic | dict]) -> list[dict]:
        """Record this stage's diagnostics in ``results/diagnostics.json`` (replacing older ones)."""
        return merge_diagnostics(self.result_path("diagnostics.json"), self.name, diags)

    # -- display ------------------------------------------------------------------------
    def table(self, df: pd.DataFrame, caption: str, *, index: bool = False, digits: int = 3,
              note: str | None = None):
        """Show a numbered table with an escaped caption (user text is never raw HTML), its cells and headers
        as the reader sees them in the study's language (:func:`csat.analyses.display.display_table`: labels,
        no ``<NA>``/``True``/``-0.00``, whole numbers without decimals, empty columns left out)."""
        from IPython.display import HTML, display

        from csat.analyses.display import display_table

        self._n_tables += 1
        shown = display_table(df, self.params.language, digits=digits, names=self.params, index=index)
        body = shown.to_html(index=index, escape=True, float_format=lambda x: f"{x:.{digits}f}",
                             na_rep="", border=0, classes="csat-table")
        cap = html.escape(caption)
        note_html = f'<p class="csat-note">{html.escape(note)}</p>' if note else ""
        display(HTML(f'<figure class="csat-table-wrap" data-stage="{self.name}">'
                     f'<figcaption class="csat-caption csat-table-caption">{cap}</figcaption>'
                     f"{body}{note_html}</figure>"))

    def figure(self, fig, name: str, caption: str, *, dpi: int = 150):
        """Save a matplotlib figure to ``reports/<study>/figures/<name>.png`` and show it."""
        import base64
        import io

        import matplotlib.pyplot as plt
        from IPython.display import HTML, display

        self._n_figures += 1
        self.figures.mkdir(parents=True, exist_ok=True)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
        res.atomic_write_bytes(self.figures / f"{name}.png", buf.getvalue())
        self.record(self.figures / f"{name}.png")
        plt.close(fig)
        b64 = base64.b64encode(buf.getvalue()).decode("ascii")
        display(HTML(f'<figure class="csat-figure" data-stage="{self.name}">'
                     f'<img src="data:image/png;base64,{b64}" alt="{html.escape(caption, quote=True)}"/>'
                     f'<figcaption class="csat-caption csat-figure-caption">{html.escape(caption)}</figcaption>'
                     "</figure>"))

    def markdown(self, text: str):
        """Show markdown text written by the notebook (headings and explanations of one branch)."""
        from IPython.display import Markdown, display

        display(Markdown(text))

    def bootstrap_options(self) -> dict:
        """The bootstrap engines' ``map_chunks``/``workers`` for this study: ``{}`` (this machine) unless its
        ``bootstrap_scheduler`` is ``cluster`` and a Dask scheduler is set (:func:`csat.pipeline.cluster.bootstrap_options`)."""
        from csat.pipeline.cluster import bootstrap_options

        return bootstrap_options(self.params)

    def estimator_cells(self):
        """Register the cell magic ``%%estimator ml`` / ``%%estimator pls``: the cell runs only when
        the study's ``estimator`` is the one named (05_sem holds both branches); ``ml`` stands for every
        estimator of :data:`csat.config.params.ML_BRANCH` (ml, mlr, mlm, wlsmv)."""
        from IPython import get_ipython

        ip = get_ipython()
        if ip is None:
            return

        from csat.config.params import estimator_branch

        def estimator(line: str, cell: str):
            want = line.strip()
            if want not in ("ml", "pls"):
                raise ValueError(f"%%estimator needs 'ml' or 'pls', not {want!r}")
            if estimator_branch(self.params.estimator) == want:
                exec(compile(cell, f"<{self.name} cell>", "exec"), ip.user_ns)

        ip.register_magic_function(estimator, magic_kind="cell", magic_name="estimator")

    def say(self, text: str):
        """Show a generated paragraph (plain text, escaped)."""
        from IPython.display import HTML, display

        display(HTML(f'<p class="csat-text">{html.escape(text)}</p>'))

    def absent(self, text: str, what: str | None = None):
        """Say that a part of the stage is not part of this study (its params key is absent).  The report
        leaves that part's section out and names all such parts in one sentence (``what``: the part's name)."""
        from IPython.display import HTML, display

        attr = f' data-what="{html.escape(what, quote=True)}"' if what else ""
        display(HTML(f'<p class="csat-text csat-absent"{attr}>{html.escape(text)}</p>'))

    def show_diagnostics(self, diags: Iterable[Diagnostic | dict]):
        """Show the stage's diagnostics plainly, most severe first, in the study's language
        (:func:`diagnostic_item`; a diagnostic's ``where`` only when it names the study's own codes,
        :func:`reader_names`)."""
        from IPython.display import HTML, display

        rows = [d.to_dict() if isinstance(d, Diagnostic) else dict(d) for d in diags]
        if not rows:
            none = self.tr("No diagnostics were raised at this stage.")
            display(HTML(f'<p class="csat-ok">{html.escape(none)}</p>'))
            return
        order = {"error": 0, "warning": 1, "info": 2}
        rows.sort(key=lambda d: order.get(d.get("severity"), 3))
        names = reader_names(self.params)
        items = "".join(diagnostic_item(d, self.params.language, names) for d in rows)
        display(HTML(f'<ul class="csat-diagnostics">{items}</ul>'))

    def finish(self) -> None:
        """Record when the stage ran and how long it took (for the report's provenance) in
        ``runinfo/<stage>.json`` and :attr:`info`.  Run by hand (no build driver), the stage's outputs then
        replace its previous ones (:meth:`csat.pipeline.workspace.Workspace.commit`); under ``make`` the
        driver does that once the notebook is saved.  Returns nothing, so a notebook's last cell shows no
        stray Python value."""
        info = {
            "stage": self.name,
            "study": self.study,
            "params_file": str(self.params_file),
            "overrides": self.overrides,
            "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "seconds": round(time.time() - self.started, 3),
            # booted in advance while the stages before it ran (csat.pipeline.warm), or started by this stage
            "warm_kernel": bool(os.environ.get("CSAT_WARM_RECORD")),
        }
        res.write_json(self._dir("runinfo") / f"{self.name}.json", info)
        self.info = info
        if self.workspace is not None and not self.workspace.driven():
            self.workspace.commit(with_notebook=False)
            from csat.pipeline.build import running_marker

            running_marker(self.root, self.study, self.name).unlink(missing_ok=True)


_WATCHING_PARENT = False


def exit_with_parent() -> None:
    """In a Jupyter kernel (``JPY_PARENT_PID`` is its parent): end the kernel when the process that
    started it ends (:func:`csat.core.procs.exit_with_parent`: a daemon thread checks every second).

    Papermill starts the notebook's kernel in a session of its own, so a build killed by a signal
    can leave the kernel running; the kernel then ends too, and its bootstrap workers with it
    (they die with their parent, see :func:`csat.core.procs.die_with_parent`)."""
    global _WATCHING_PARENT
    if _WATCHING_PARENT:
        return
    import os

    parent = os.getppid()
    if os.environ.get("JPY_PARENT_PID") != str(parent):
        return                                    # not a kernel started by papermill / Jupyter
    procs.exit_with_parent(parent)
    _WATCHING_PARENT = True


def find_root(start: str | Path | None = None) -> Path:
    """The project folder: ``$CSAT_ROOT`` if set, else the first of ``start`` (default: the working
    folder) and its parents that holds ``params/`` and ``pyproject.toml`` (JupyterLab runs a notebook
    in ``notebooks/``, papermill in the project folder)."""
    import os

    env = os.environ.get("CSAT_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(start if start is not None else Path.cwd()).resolve()
    for d in (here, *here.parents):
        if (d / paths.PARAMS).is_dir() and (d / "pyproject.toml").is_file():
            return d
    return here


def default_params_file() -> str:
    """The params file a notebook runs when nobody passes one: ``params/<$CSAT_STUDY>.yaml`` (study
    ``demo`` when ``CSAT_STUDY`` is not set) in the project folder (:func:`find_root`).

    The notebooks' parameters cell calls this, so a notebook opened in JupyterLab (``make lab
    STUDY=ecsi`` sets ``CSAT_STUDY``) runs that study without editing; ``make`` passes its own
    ``params_file`` through papermill, which overrides it.  Relative to the working folder when the
    project is the working folder, else absolute."""
    import os

    study = os.environ.get("CSAT_STUDY") or "demo"
    root = find_root()
    f = paths.params_file(root, study)
    # No existence check here: under make, papermill's injected cell replaces this value, and a project
    # without params/demo.yaml must still build.  :func:`start` names a missing file and the studies.
    return f.relative_to(Path.cwd()).as_posix() if root == Path.cwd().resolve() else str(f)


#: A diagnostic's severity as the stage's list of diagnostics shows it (English; translated where shown).
SEVERITY_LABELS = {"error": i18n.N_("ERROR"), "warning": i18n.N_("WARNING"), "info": i18n.N_("INFO")}


_CARRIED = re.compile(r"^[(（](?:from|来自) \d\d_[a-z_]+[,，] ?[a-z_]+[)）] ?")


def carried_prefix(message: str) -> str:
    """A diagnostic's message without the ``(from 03_reliability_validity, htmt)`` prefix that
    :func:`csat.analyses.verdicts.carried_diagnostics` keeps in ``diagnostics.json`` (a stage file name and a code are
    no reader text; the code stays in ``diagnostics.json``).

    >>> carried_prefix("(from 03_reliability_validity, htmt) HTMT of A and B is 0.96.")
    'HTMT of A and B is 0.96.'
    >>> carried_prefix("（来自 03_reliability_validity，fornell_larcker）√AVE 较小。")
    '√AVE 较小。'
    """
    return _CARRIED.sub("", message)


_WHERE_WORD = re.compile(r"[^\s,;:–~()=<>+*/|-]+")


def reader_names(params) -> set[str]:
    """The study's own codes a reader may meet in a diagnostic's ``where``: its items, constructs and the
    columns it names (groups, ids, …), its Kano features and SERVQUAL dimensions with their items."""
    names = set(params.items) | set(params.constructs) | set(params.data_columns)
    for f, spec in (params.kano or {}).items():
        names |= {f, spec.functional, spec.dysfunctional}
    for dim, spec in (params.servqual or {}).items():
        names |= {dim, *spec.expectation, *spec.perception}
    return {str(n) for n in names if n}


def where_text(where: str, names: set[str] | None = None) -> str:
    """A diagnostic's ``where`` as the reader sees it: without the model's prefix (``CFA: ``), a covariance
    ``EXPE ~~ QUAL`` as the pair ``EXPE – QUAL``, a variance ``sat1 ~~ sat1`` as ``sat1``; empty when it
    does not name only the study's own codes ``names`` (a program's word: ``missing_codes``, ``estimator``,
    ``segments``).  ``names=None`` keeps every ``where``.

    >>> where_text("CFA: EXPE ~~ QUAL", {"EXPE", "QUAL"}), where_text("sat1 ~~ sat1", {"sat1"})
    ('EXPE – QUAL', 'sat1')
    >>> where_text("missing_codes", {"sat1"}), where_text("qual1", None)
    ('', 'qual1')
    """
    where = re.sub(r"^(?:CFA|SEM|EFA|PLS):\s*", "", str(where).strip())
    m = re.fullmatch(r"(\S+)\s*~~\s*(\S+)", where)
    if m:
        where = m.group(1) if m.group(1) == m.group(2) else f"{m.group(1)} – {m.group(2)}"
    if names is None:
        return where
    words = _WHERE_WORD.findall(where)
    return where if words and all(w in names for w in words) else ""


def diagnostic_item(d: dict, language: str = "en", names: set[str] | None = None) -> str:
    """One diagnostic as an HTML list item: severity, where and message (escaped), in ``language``.  The
    code is no reader text: it stays in ``diagnostics.json`` and in the item's ``title``; ``where`` is
    shown only when it names the study's own codes ``names`` (:func:`where_text`; ``None``: always).
    In Chinese the message is ``message_zh`` (converted for ``zh-Hant``,
    :func:`csat.core.i18n.localize`); where a diagnostic has none, the code's Chinese meaning
    (:data:`csat.core.codes.CODES`) is shown, followed by the English message."""
    from csat.core.codes import CODES

    sev = str(d.get("severity"))
    code = str(d.get("code"))
    where = where_text(str(d.get("where") or ""), names)
    msg = carried_prefix(str(d.get("message")))
    if sev in SEVERITY_LABELS:
        label = i18n.tr(SEVERITY_LABELS[sev], language)
    else:
        label = sev if i18n.is_chinese(language) else sev.upper()
    if i18n.is_chinese(language):
        zh = str(d.get("message_zh") or "")
        if not zh:
            meaning = i18n.localize(CODES[code].zh, language) if code in CODES else ""
            text = html.escape(meaning) + (f' <span lang="en">({html.escape(msg)})</span>' if msg else "")
        else:
            text = html.escape(i18n.localize(carried_prefix(zh), language))
    else:
        text = html.escape(msg)
    body = (i18n.trc("diagnostic item", "{where}: {message}", language, where=html.escape(where), message=text)
            if where else text)
    return (f'<li class="csat-diag csat-diag-{html.escape(sev)}" title="{html.escape(code, quote=True)}">'
            f'<b>{html.escape(label)}</b> {body}</li>')


def start(name: str, params_file: str | Path, overrides: dict | None = None,
          root: str | Path | None = None) -> Stage:
    """Validate the study's params (with this run's overrides) and open the stage."""
    from csat.config.params import project_root
    from csat.intake.preflight import load_study

    if name not in STAGES:
        raise ValueError(f"unknown stage {name!r}; expected one of {STAGES}")
    params_file = Path(params_file)
    if not params_file.is_file():
        import os

        from csat.core.errors import ParamsError

        known = sorted(x.stem for x in params_file.parent.glob("*.yaml"))
        env = os.environ.get("CSAT_STUDY")
        raise ParamsError(f"{'CSAT_STUDY=' + repr(env) + ': ' if env else ''}{params_file} not found "
                          f"(studies: {', '.join(known) or 'none'})")
    exit_with_parent()
    root = Path(root) if root is not None else project_root(params_file)
    overrides = dict(overrides or {})
    p = load_study(params_file, overrides, root=root)
    st = Stage(name=name, params=p, params_file=params_file, overrides=overrides, root=root)
    # the stage writes into its workspace; its previous outputs stay until it has succeeded.  Under make the
    # build driver opened the workspace (and commits it); run by hand, the stage opens it (finish() commits)
    from csat.pipeline.build import running_marker, write_status
    from csat.pipeline.workspace import Workspace

    ws = Workspace(root, p.study, name)
    st.workspace = ws if ws.driven() else ws.open()
    res.atomic_write_text(running_marker(root, p.study, name), json.dumps({"started": st.started}) + "\n")
    write_status(root, p.study, "building", name, None, started=st.started)
    return st


def json_load(path: str | Path, default: Any = None) -> Any:
    path = Path(path)
    if not path.is_file():
        return default
    return json.loads(path.read_text(encoding="utf-8"))
