"""The registry of diagnostic codes: every ``code`` that may appear in ``results/diagnostics.json``.

A :class:`csat.core.diagnostics.Diagnostic` names what went wrong by a short stable code (``heywood``,
``low_alpha``, ``htmt`` …).  Each code is listed here once, with its usual level and its meaning (in
English, a catalog message: :meth:`DiagnosticCode.meaning` gives it in any language), so that a reader
of ``diagnostics.json`` (or of the report's diagnostics list) can look a code up, and so that a misspelt
or undocumented code cannot slip into the results: :func:`csat.core.diagnostics.merge_diagnostics`
checks every code it writes against :data:`CODES` — an unknown code is an error when
``CSAT_STRICT_DIAGNOSTICS=1`` (the test suite sets it) and a warning otherwise.
``tests/core/test_codes.py`` checks that every code the source emits is registered and that
``docs/diagnostics.md`` lists them all.

``level`` is the severity the code is raised with (``info`` < ``warning`` < ``error``; ``error`` means
the estimates concerned are not trustworthy or a stage could not run); a few codes are raised at
another level in some cases, listed in ``levels``.

Examples
--------
>>> CODES["heywood"].level
'error'
>>> is_registered("no_such_code")
False
"""
from __future__ import annotations

from dataclasses import dataclass

from csat.core.i18n import N_, tr

__all__ = ["DiagnosticCode", "CODES", "is_registered", "markdown_table"]


@dataclass(frozen=True)
class DiagnosticCode:
    code: str
    level: str                          # info | warning | error: the usual severity
    en: str                             # the meaning, in English (a catalog message)
    levels: tuple[str, ...] = ()        # every severity it is raised with (default: level only)

    @property
    def severities(self) -> tuple[str, ...]:
        return self.levels or (self.level,)

    def meaning(self, language: str) -> str:
        """The code's meaning in ``language`` (from the catalog).

        >>> CODES["heywood"].meaning("zh")
        '方差估计为负（Heywood 个案）。'
        """
        return tr(self.en, language)

    @property
    def zh(self) -> str:
        """The meaning in Chinese (simplified), as ``docs/diagnostics.md`` lists it."""
        return self.meaning("zh")


def _c(code: str, level: str, en: str, levels: tuple[str, ...] = ()) -> DiagnosticCode:
    return DiagnosticCode(code, level, en, levels)


_ALL = [
    # ------------------------------------------------------------------ 01 intake and cleaning
    _c("missing_tokens", "info", N_("Cells set missing because of their text (empty, NA, (跳过), …).")),
    _c("nonnumber_text", "warning", N_("Cells holding the text NaN or inf in an answer column were set missing.")),
    _c("negative_duration", "warning", N_("Negative completion times were set missing.")),
    _c("long_header", "warning", N_("A column header is very long; give it a short name with data.rename.")),
    _c("ragged_rows", "warning", N_("Rows of the data file with more or fewer fields than its header.")),
    _c("fewer_rows_than_responded", "warning", N_("The data file holds fewer rows than the questionnaires returned.")),
    _c("out_of_range", "warning", N_("Answers outside the scale were set missing.")),
    _c("missing_codes_found", "info", N_("Cells holding one of the study's missing-value codes were set missing.")),
    _c("all_items_missing", "info", N_("Respondents who answered no item.")),
    _c("high_exclusion", "warning", N_("Cleaning excluded a large share of the respondents.")),
    _c("high_missing_item", "warning", N_("An item is missing for many respondents.")),
    _c("mcar_rejected", "warning", N_("Little's test rejects that answers are missing completely at random.")),
    _c("small_sample", "warning", N_("Few respondents remain after cleaning for the planned analyses.")),
    _c("straightlining_block", "info", N_("Respondents who gave the same answer to every item of a construct.")),
    _c("item_few_answers", "warning", N_("An item was answered by few respondents.")),
    _c("bootstrap_few", "warning", N_("Fewer bootstrap resamples than recommended (1000).")),
    _c("too_few_respondents", "error", N_("Too few respondents for the model: the analysis cannot run.")),
    _c("recommend_no_answers", "error", N_("The recommend (NPS) column has no answers.")),
    _c("item_too_few_answers", "error", N_("An item has too few answers to be analysed.")),
    _c("item_zero_variance", "error", N_("An item has the same answer from everyone (no variance).")),
    _c("too_few_complete", "error", N_("Too few respondents answered every item for a listwise analysis.")),
    _c("items_collinear", "error", N_("An item is an exact linear function of others (singular correlations).")),
    # ------------------------------------------------------------------ 02 descriptives and waves
    _c("construct_score_missing", "info", N_("Respondents without a construct score (too few items answered).")),
    _c("group_single_level", "info", N_("A grouping column has one level only: no group comparison.")),
    _c("group_small_level", "warning", N_("A group level has few respondents.")),
    _c("group_test_undefined", "warning", N_("A group test cannot be computed (e.g. no variance in a group).")),
    _c("chisq_small_expected", "warning", N_("Chi-square test with small expected counts (< 5).")),
    _c("nps_column_missing", "warning", N_("The recommend column is not in the analysis data: no NPS.")),
    _c("missing_glyph", "warning", N_("A character in a chart has no glyph in the chart fonts.")),
    _c("small_wave", "warning", N_("A wave has few respondents for a construct index.")),
    _c("weights_deff", "warning", N_("Weighting inflates the variance strongly (large design effect).")),
    _c("weights_extreme", "warning", N_("Some weights are extreme.")),
    _c("weights_margins", "error", N_("Raking did not reach the target margins.")),
    _c("estimator_advice", "warning", N_("The items are ordinal or not multivariate normal: which estimator would be "
                                         "the careful choice."), ("info", "warning")),
    # ------------------------------------------------------------------ 03 reliability and validity
    _c("cfa_failed", "error", N_("The measurement model (CFA) could not be fitted.")),
    _c("too_few_items", "info", N_("A single-item construct: reliability does not apply.")),
    _c("zero_variance_item", "warning", N_("An item without variance was left out of its construct's reliability.")),
    _c("low_alpha", "warning", N_("Cronbach's alpha below the threshold.")),
    _c("low_cr", "warning", N_("Composite reliability below the threshold.")),
    _c("low_ave", "warning", N_("Average variance extracted below the threshold.")),
    _c("weak_loading", "warning", N_("A standardized loading below the threshold.")),
    _c("negative_item_total", "warning",
       N_("An item correlates negatively with the rest of its scale (not recoded?).")),
    _c("htmt", "warning", N_("HTMT at or above the threshold: two constructs may not be distinct.")),
    _c("fornell_larcker", "warning", N_("Fornell–Larcker criterion fails: √AVE below a latent correlation.")),
    _c("discriminant_validity", "warning",
       N_("Failed discriminant validity, carried into the structural model."), ("info", "warning", "error")),
    # ------------------------------------------------------------------ 04 factor analysis
    _c("low_kmo", "warning", N_("KMO below .60: the items share too little for factor analysis.")),
    _c("low_msa", "warning", N_("An item's MSA below .50.")),
    _c("bartlett_ns", "warning", N_("Bartlett's test not significant: correlations may be an identity matrix.")),
    _c("n_factors_differs", "info", N_("The number of factors chosen differs from the number of constructs.")),
    _c("n_factors_zero", "warning", N_("Parallel analysis retains no factor.")),
    _c("efa_nonconvergence", "warning", N_("The EFA extraction did not converge."), ("warning", "error")),
    _c("efa_heywood", "warning", N_("An EFA communality at or above 1 (Heywood case).")),
    _c("efa_negative_df", "warning", N_("More factors than the items allow (negative degrees of freedom).")),
    _c("efa_mismatch", "warning", N_("An item loads mainly on another construct's factor."), ("info", "warning")),
    _c("cross_loading", "warning", N_("An item loads |.30| or more on a second factor.")),
    _c("invariance_failed", "error", N_("The measurement-invariance models could not be fitted.")),
    _c("noninvariance", "warning", N_("A step of measurement invariance does not hold (ΔCFI/ΔRMSEA).")),
    # ------------------------------------------------------------------ CFA / SEM (csat.sem, csat.sem.effects)
    _c("nonconvergence", "error", N_("The model did not converge: its estimates are not trustworthy.")),
    _c("heywood", "error", N_("A negative variance estimate (Heywood case).")),
    _c("std_gt_1", "error", N_("A standardized coefficient greater than 1 in absolute value.")),
    _c("latent_not_pd", "error", N_("The latent covariance matrix is not positive definite.")),
    _c("ill_conditioned", "warning",
       N_("The information matrix is nearly singular: standard errors may be unreliable.")),
    _c("r2_near_1", "warning", N_("An R² near 1.")),
    _c("poor_fit", "warning", N_("A fit measure (CFI, TLI, RMSEA or SRMR) indicates poor fit.")),
    _c("acceptable_fit", "info", N_("A fit measure is acceptable but not good.")),
    _c("no_structural_part", "info", N_("The model has no structural part: the measurement model is reported.")),
    _c("bootstrap_failed", "warning", N_("Some bootstrap resamples failed.")),
    _c("bootstrap_inadmissible", "warning", N_("Some bootstrap resamples gave inadmissible solutions.")),
    _c("bootstrap_too_few", "error", N_("Too few successful bootstrap resamples for intervals.")),
    _c("ipma_unavailable", "info", N_("No importance–performance map (no target or no path to it).")),
    # ------------------------------------------------------------------ PLS (csat.sem.pls)
    _c("pls_not_converged", "error", N_("The PLS algorithm did not converge.")),
    _c("pls_bootstrap_failed", "warning", N_("Some PLS bootstrap resamples failed.")),
    _c("pls_bootstrap_too_few", "error", N_("Too few successful PLS bootstrap resamples.")),
    _c("pls_collinearity", "warning", N_("High VIF in a PLS block or the inner model.")),
    _c("pls_convergent_validity", "warning", N_("PLS convergent validity (AVE) below .50.")),
    _c("pls_htmt", "warning", N_("PLS HTMT at or above the threshold.")),
    _c("pls_negative_weight", "warning", N_("A negative outer weight in a formative block.")),
    _c("pls_reliability", "warning", N_("PLS reliability (alpha, rhoA or rhoC) below the threshold.")),
    _c("pls_mga_group_skipped", "warning", N_("A group is left out of the PLS multi-group analysis.")),
    _c("pls_mga_permutations_failed", "warning", N_("Many PLS-MGA permutations could not be estimated.")),
    _c("pls_predict_not_converged", "warning", N_("Some PLSpredict training samples did not converge.")),
    # ------------------------------------------------------------------ 06 drivers, segments, Kano, SERVQUAL
    _c("driver_bootstrap", "info", N_("Note on the LMG bootstrap of the driver analysis.")),
    _c("driver_suppressor", "warning", N_("A driver's beta and correlation have opposite signs (suppression).")),
    _c("driver_vif", "warning", N_("High VIF among the drivers (collinearity).")),
    _c("segments_weak", "warning", N_("The segments are weakly separated (low silhouette).")),
    _c("segments_small_expected", "info", N_("Group × segment test with small expected counts.")),
    _c("kano_close", "info", N_("Two Kano categories are nearly tied for a feature.")),
    _c("kano_empty", "warning", N_("A Kano feature has no valid answer pairs.")),
    _c("kano_questionable", "warning", N_("Many questionable Kano answer pairs.")),
    _c("kano_invalid_answers", "warning", N_("Kano answers outside 1–5 were set missing.")),
    _c("servqual_invalid_answers", "warning", N_("SERVQUAL answers outside the scale were set missing.")),
    _c("servqual_small_n", "warning", N_("A SERVQUAL dimension has few complete answer pairs.")),
]

#: code -> :class:`DiagnosticCode`, in the order of the pipeline.
CODES: dict[str, DiagnosticCode] = {c.code: c for c in _ALL}
assert len(CODES) == len(_ALL), "a diagnostic code is registered twice"


def is_registered(code: str) -> bool:
    """Whether ``code`` is in the registry."""
    return code in CODES


def markdown_table() -> str:
    """The registry as a Markdown table (``docs/diagnostics.md`` holds it)."""
    rows = ["| code | level | meaning | 含义 |", "| --- | --- | --- | --- |"]
    for c in CODES.values():
        lv = c.level if not c.levels else " / ".join(c.levels)
        rows.append(f"| `{c.code}` | {lv} | {c.en} | {c.zh} |")
    return "\n".join(rows) + "\n"
