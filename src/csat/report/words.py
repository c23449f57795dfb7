"""The report's fixed words: the name of each stage, the headings of the notebooks in Chinese and the
page's labels.

The words are written in English and translated by the catalog (:mod:`csat.core.i18n`,
``csat/locale/zh/report.po``; traditional Chinese is derived from it): the tables below mark them
with :func:`~csat.core.i18n.N_` and :func:`words`, :func:`stage_title` and :func:`stage_phrase` give
them in a report's language.

:data:`STAGE_NAMES` is the one table of what the stages are called (keyed by the stage names of
:data:`csat.pipeline.graph.STAGES`, which ``tests/report/test_html.py`` checks): the heading of its part
of the report (:func:`stage_title`) and how a sentence names it (:func:`stage_phrase`, in the
summary's diagnostics).
"""
from __future__ import annotations

from typing import NamedTuple

from csat.core import i18n
from csat.core.i18n import N_, tr


class StageName(NamedTuple):
    """What a stage is called, in English (catalog messages, translated where shown)."""

    title: str          #: the heading of the stage's part of the report
    phrase: str         #: the stage named inside a sentence ("Warning (structural model): …")


STAGE_NAMES: dict[str, StageName] = {
    "01_cleaning": StageName(N_("Data cleaning"), N_("data cleaning")),
    "02_descriptives": StageName(N_("Descriptive statistics"), N_("descriptive statistics")),
    "03_reliability_validity": StageName(N_("Reliability and validity"),
                                         N_("reliability and validity")),
    "04_factor_analysis": StageName(N_("Factor analysis"), N_("factor analysis")),
    "05_sem": StageName(N_("Structural equation model"), N_("structural model")),
    "06_drivers_segments": StageName(N_("Key drivers, segments, Kano and service gaps"),
                                     N_("drivers and segments")),
}

def heading(text: str, language: str) -> str | None:
    """A fixed heading of the stage notebooks (an English markdown heading, or one a notebook writes in
    code) in ``language``: the catalog's entry with ``msgctxt "heading"`` (``csat/locale/<language>/
    headings.po``); None for English or a heading the catalog does not know.  The report shows these, so
    that the table of contents and the headings agree whichever cell wrote them.

    >>> heading("Sampling adequacy", "zh"), heading("Sampling adequacy", "en")
    ('抽样适切性', None)
    """
    if language == i18n.SOURCE:
        return None
    return i18n.catalog(language).get(i18n.catalog_key(text, "heading"))

WORDS: dict[str, str] = {
    "kicker": N_("Survey analysis report"),
    "study": N_("Study"),
    "date": N_("Date"),
    "data_file": N_("Data file"),
    "sample": N_("Sample size"),
    "params_file": N_("Parameter file"),
    "overrides": N_("Overrides for this run"),
    "commit": N_("Code version (git commit)"),
    "dirty": N_("uncommitted changes"),
    "contents": N_("Contents"),
    "provenance": N_("Provenance"),
    "provenance_intro": N_("What produced this report: software, code, data and parameters, so that it can "
                           "be checked and reproduced."),
    "list_tables": N_("Tables"),
    "list_figures": N_("Figures"),
    "table_label": N_("Table {n}."),
    "figure_label": N_("Figure {n}."),
    "software": N_("Software"),
    "package": N_("Package"),
    "locked": N_("Pinned (requirements.lock)"),
    "installed": N_("Installed"),
    "lock_source": N_("Pinned versions from"),
    "code_version": N_("Code"),
    "tree": N_("Working tree"),
    "clean_tree": N_("clean (no uncommitted changes)"),
    "dirty_tree": N_("dirty: uncommitted changes to tracked files"),
    "data": N_("Data"),
    "size": N_("Size"),
    "runs": N_("Stage runs"),
    "stage": N_("Stage"),
    "finished": N_("Finished (UTC)"),
    "seconds": N_("Duration (s)"),
    "built": N_("Report built"),
    "params": N_("Parameter file"),
    "none": N_("none"),
    "unknown": N_("unknown"),
    "not_recorded": N_("not recorded"),
    "not_found": N_("file not found"),
    "kept": N_("{n_clean} of {n_raw} responses kept after cleaning"),
    "kept_only": N_("{n_clean} responses after cleaning"),
    "summary": N_("Executive summary"),
    "summary_index": N_("Key figures"),
    "summary_drivers": N_("What drives it"),
    "summary_recs": N_("Recommendations"),
    "summary_groups": N_("Differences between groups"),
    "summary_quality": N_("Data quality and caveats"),
    "summary_figure": N_("0–100 index of every construct with its 95% confidence interval; ★ the headline index"),
    "summary_no_drivers": N_("The study has no structural model with a target construct, so no driver ranking "
                             "or priorities are given."),
    "drivers_table": N_("Drivers of {target}: importance, performance and priority"),
    "col_driver": N_("Driver"),
    "col_importance": N_("Importance (total effect)"),
    "col_performance": N_("Performance (index)"),
    "col_quadrant": N_("Priority"),
    "methods": N_("Methods"),
    "methods_survey": N_("The survey"),
    "methods_analysis": N_("Questionnaire, model and software"),
    "appendix": N_("Appendix"),
    "codebook": N_("Questionnaire and codebook"),
    "codebook_intro": N_("Every item of the questionnaire with its construct and wording; reverse-keyed "
                         "items were recoded so that a high value is always favourable."),
    "col_construct": N_("Construct"),
    "col_item": N_("Item"),
    "col_wording": N_("Wording"),
    "col_reverse": N_("Reverse-keyed"),
    "col_mean": N_("Mean"),
    "yes": N_("yes"),
    "technical": N_("Technical stages"),
    "print_contents": N_("Contents"),
    "ci95": N_("95% CI"),
}


def words(language: str) -> dict[str, str]:
    """:data:`WORDS` in ``language`` (templates such as ``kept`` still to be formatted)."""
    return {k: tr(v, language) for k, v in WORDS.items()}


def stage_title(stage: str, language: str = "en") -> str:
    """The stage's heading in the report language (``05_sem`` -> "Structural equation model");
    an unknown stage by its own name.

    >>> stage_title("05_sem"), stage_title("05_sem", "zh"), stage_title("05_sem", "zh-Hant"), stage_title("07_new")
    ('Structural equation model', '结构方程模型', '結構方程模式', '07_new')
    """
    names = STAGE_NAMES.get(stage)
    return tr(names.title, language) if names else stage


def stage_phrase(stage: str, language: str = "en") -> str:
    """How a sentence names the stage, in ``language``; an unknown stage by its own name.

    >>> stage_phrase("05_sem"), stage_phrase("05_sem", "zh"), stage_phrase("report", "zh")
    ('structural model', '结构方程模型', 'report')
    """
    names = STAGE_NAMES.get(stage)
    return tr(names.phrase, language) if names else stage
