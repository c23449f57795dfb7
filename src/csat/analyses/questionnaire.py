"""The questionnaire of a study, made from its params (``make plan``): every question with its wording
(``item_labels``), answer scale and anchors (``scale``, ``labels``), in the params' order: the
constructs' items, the attention checks, the recommend question, the Kano pairs, the SERVQUAL pairs and
the group (profile) questions, in the study's language.

:func:`questionnaire_rows` is the codebook (``questionnaire.csv``: section, code, question, answers);
:func:`questionnaire_sections` the page :mod:`csat.report.plan` renders.
"""
from __future__ import annotations

import pandas as pd

from csat.analyses.labels import column_label, dimension_label, feature_label, level_label, level_labels
from csat.core.i18n import N_, localize, tr

__all__ = ["questionnaire_rows", "questionnaire_sections", "KANO_ANSWERS"]

#: Kano answers (Berger et al. 1993), as the 06 stage codes them
KANO_ANSWERS = {1: N_("I like it"), 2: N_("I expect it"), 3: N_("I am neutral"), 4: N_("I can live with it"),
                5: N_("I dislike it")}


def _num(x) -> str:
    return f"{float(x):g}"


def _wording(params, code: str, language: str) -> str | None:
    from csat.config.params import local_text

    return local_text(params.item_labels.get(code), language)


def _scale_answers(params, language: str) -> str:
    s = params.scale
    if not s.bounded:
        return tr("a number (continuous score)", language)
    names = {}
    for text, value in params.labels.items():
        names.setdefault(float(value), text)
    lo, hi = float(s.min), float(s.max)
    if lo in names and hi in names:
        return tr("{lo} = {lo_text} … {hi} = {hi_text}", language, lo=_num(lo), hi=_num(hi),
                  lo_text=localize(names[lo], language), hi_text=localize(names[hi], language))
    return tr("{lo} = strongly disagree / very poor … {hi} = strongly agree / excellent", language,
              lo=_num(lo), hi=_num(hi))


def _construct_name(name: str, spec, language: str) -> str:
    from csat.core.i18n import is_chinese

    if is_chinese(language) and spec.label_zh:
        return localize(spec.label_zh, language)
    return spec.label or name


def questionnaire_rows(params, language: str = "en") -> pd.DataFrame:
    """Every question of the study in the params' order: ``section, code, question, answers``."""
    rows = []
    scale = _scale_answers(params, language)

    def add(section, code, question, answers):
        rows.append({"section": section, "code": code, "question": question, "answers": answers})

    for name, spec in params.constructs.items():
        section = _construct_name(name, spec, language)
        for item in spec.items:
            add(section, item, _wording(params, item, language) or item, scale)
    checks = params.cleaning.attention_checks or {}
    for col, value in checks.items():
        add(tr("Attention check", language), col,
            _wording(params, col, language) or tr("To show that you read the questions, please choose {value}.",
                                                   language, value=_num(value) if not isinstance(value, str) else value),
            scale)
    if params.recommend:
        add(tr("Recommendation", language), params.recommend,
            _wording(params, params.recommend, language)
            or tr("How likely are you to recommend us to a friend or colleague?", language),
            tr("0 = not at all likely … 10 = extremely likely", language))
    kano_answers = "; ".join(f"{k} = {tr(v, language)}" for k, v in KANO_ANSWERS.items())
    for code, pair in (params.kano or {}).items():
        feature = feature_label(params, code, language)
        add(tr("Kano: {feature}", language, feature=feature), pair.functional,
            _wording(params, pair.functional, language)
            or tr("If {feature} is offered, how do you feel?", language, feature=feature), kano_answers)
        add(tr("Kano: {feature}", language, feature=feature), pair.dysfunctional,
            _wording(params, pair.dysfunctional, language)
            or tr("If {feature} is not offered, how do you feel?", language, feature=feature), kano_answers)
    for code, sq in (params.servqual or {}).items():
        dim = dimension_label(params, code, language)
        for e, p in zip(sq.expectation, sq.perception):
            add(tr("SERVQUAL: {dimension}", language, dimension=dim), e,
                _wording(params, e, language) or tr("Expectation ({code})", language, code=e), scale)
            add(tr("SERVQUAL: {dimension}", language, dimension=dim), p,
                _wording(params, p, language) or tr("Perception ({code})", language, code=p), scale)
    levels = {}
    if params.weights is not None and params.weights.rake:
        levels.update({col: list(shares) for col, shares in params.weights.rake.items()})
    if params.design is not None and params.design.strata:
        levels.update({col: list(pops) for col, pops in params.design.strata.items()})
    for col in params.groups:
        add(tr("About you", language), col, _wording(params, col, language) or column_label(params, col, language),
            "; ".join(level_labels(params, col, levels.get(col, []), language))
            or "; ".join(level_label(params, col, v, language) for v in (params.value_labels or {}).get(col, {}))
            or tr("(answer options of the survey)", language))
    return pd.DataFrame(rows, columns=["section", "code", "question", "answers"])


def questionnaire_sections(params, language: str = "en") -> list[dict]:
    """The questionnaire page: one section per block of questions, each question with its answers."""
    rows = questionnaire_rows(params, language)
    intro = {"id": "answers", "heading": tr("How to answer", language),
             "paragraphs": [tr("Unless a question says otherwise, answer on the scale {scale}.", language,
                               scale=_scale_answers(params, language))]}
    sections = [intro]
    scale = _scale_answers(params, language)
    for i, (section, block) in enumerate(rows.groupby("section", sort=False)):
        questions = [{"code": "" if r.code == r.question else r.code, "text": r.question,
                      "answers": "" if r.answers == scale else r.answers}
                     for r in block.itertuples()]
        sections.append({"id": f"q{i + 1}", "heading": section, "paragraphs": [], "tables": [],
                         "questions": questions})
    return sections
