"""Standard customer-satisfaction index models (ACSI, ECSI) and the one place a stage gets its model.

:func:`model_syntax` (the lavaan syntax of :func:`model_spec`) is what every stage calls to obtain the
study's model, from the study's constructs, model and template
(:func:`csat.analyses.structural.study_model` passes them from the params):

1. ``model`` (``params.model``) if the study gives one;
2. else ``template`` (``params.model_template``, ``acsi`` or ``ecsi``) expanded by :func:`expand_template`;
3. else a measurement model with one factor per construct.

Templates
---------
ECSI (European Customer Satisfaction Index; Eklöf & Westlund 2002, Tenenhaus et al. 2005)::

    IMAG -> EXPE, IMAG -> SAT, IMAG -> LOY, EXPE -> QUAL, EXPE -> VAL, EXPE -> SAT,
    QUAL -> VAL, QUAL -> SAT, VAL -> SAT, SAT -> COMP, SAT -> LOY, COMP -> LOY

ACSI (American Customer Satisfaction Index; Fornell, Johnson, Anderson, Cha & Bryant 1996)::

    EXPE -> QUAL, EXPE -> VAL, EXPE -> SAT, QUAL -> VAL, QUAL -> SAT, VAL -> SAT,
    SAT -> COMP, SAT -> LOY, COMP -> LOY

The template's constructs are matched to the study's constructs *by name*: a study construct
matches a template construct when its name, its English label or its Chinese label equals one of
the aliases in :data:`ALIASES` (case, spaces, ``_``, ``-`` and ``.`` are ignored), e.g.
``IMAG``/``image``/``IMA``, ``EXPE``/``expectations``/``EXP``, ``QUAL``/``quality``/``PQ``,
``VAL``/``value``/``PV``, ``SAT``/``satisfaction``/``CSI``/``SATIS``, ``COMP``/``complaints``,
``LOY``/``loyalty``.  Template constructs the study lacks are dropped together with their paths
(and this is said in :attr:`ModelSpec.notes`); study constructs the template does not know are
left out of the structural model and also said.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping

#: Structural paths (from, to) of each template, in the order they are written.
TEMPLATES: dict[str, list[tuple[str, str]]] = {
    "ecsi": [("IMAG", "EXPE"), ("IMAG", "SAT"), ("IMAG", "LOY"), ("EXPE", "QUAL"), ("EXPE", "VAL"),
             ("EXPE", "SAT"), ("QUAL", "VAL"), ("QUAL", "SAT"), ("VAL", "SAT"), ("SAT", "COMP"),
             ("SAT", "LOY"), ("COMP", "LOY")],
    "acsi": [("EXPE", "QUAL"), ("EXPE", "VAL"), ("EXPE", "SAT"), ("QUAL", "VAL"), ("QUAL", "SAT"),
             ("VAL", "SAT"), ("SAT", "COMP"), ("SAT", "LOY"), ("COMP", "LOY")],
}

TEMPLATE_REFERENCES = {
    "ecsi": "ECSI model (Eklöf & Westlund 2002; Tenenhaus, Esposito Vinzi, Chatelin & Lauro 2005)",
    "acsi": "ACSI model (Fornell, Johnson, Anderson, Cha & Bryant 1996)",
}

#: Canonical template construct -> accepted names (compared after :func:`_norm`).
ALIASES: dict[str, list[str]] = {
    "IMAG": ["IMAG", "image", "IMA", "IMG", "corporate image", "company image", "形象", "企业形象", "品牌形象"],
    "EXPE": ["EXPE", "expectations", "expectation", "EXP", "customer expectations", "CE", "期望", "顾客期望",
             "客户期望"],
    "QUAL": ["QUAL", "quality", "PQ", "perceived quality", "QUA", "质量", "感知质量"],
    "VAL": ["VAL", "value", "PV", "perceived value", "价值", "感知价值"],
    "SAT": ["SAT", "satisfaction", "CSI", "SATIS", "customer satisfaction", "CS", "满意", "满意度", "顾客满意",
            "顾客满意度", "客户满意度"],
    "COMP": ["COMP", "complaints", "complaint", "CC", "customer complaints", "抱怨", "顾客抱怨", "投诉",
             "客户抱怨"],
    "LOY": ["LOY", "loyalty", "customer loyalty", "LOYAL", "忠诚", "忠诚度", "顾客忠诚", "客户忠诚"],
}


def _norm(s: str | None) -> str:
    return re.sub(r"[\s_\-.]+", "", str(s or "")).casefold()


_ALIAS_INDEX = {_norm(a): canon for canon, names in ALIASES.items() for a in names}


@dataclass
class ModelSpec:
    """The model a stage fits.

    syntax : lavaan model syntax.
    source : ``"model"`` (params.model), ``"template:acsi"``/``"template:ecsi"`` or ``"measurement"``.
    mapping : template construct -> study construct (templates only).
    dropped_paths : template paths left out because a construct is missing, as ``"A -> B"``.
    notes : plain sentences for the report (dropped constructs and paths, unknown constructs).
    """

    syntax: str
    source: str
    mapping: dict[str, str] = field(default_factory=dict)
    dropped_paths: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def canonical_name(name: str, label: str | None = None, label_zh: str | None = None) -> str | None:
    """The template construct (``IMAG``, ``EXPE``, ``QUAL``, ``VAL``, ``SAT``, ``COMP``, ``LOY``) a
    study construct stands for, judged by its name, then its English label, then its Chinese label;
    ``None`` if none matches."""
    for s in (name, label, label_zh):
        c = _ALIAS_INDEX.get(_norm(s))
        if c is not None:
            return c
    return None


def map_constructs(constructs: Mapping[str, object]) -> dict[str, str]:
    """Map template constructs to study constructs by name (see :data:`ALIASES`).

    ``constructs`` maps a study construct name to its spec (anything with ``label``/``label_zh``
    attributes or keys, or ``None``).  Returns ``{canonical: study name}``.  Two study constructs
    claiming the same template construct is an error naming both.
    """
    out: dict[str, str] = {}
    for name, spec in constructs.items():
        label = _get(spec, "label")
        label_zh = _get(spec, "label_zh")
        canon = canonical_name(name, label, label_zh)
        if canon is None:
            continue
        if canon in out:
            raise ValueError(f"model_template: constructs {out[canon]!r} and {name!r} both match the template "
                             f"construct {canon} (aliases {ALIASES[canon]}); rename one or give params.model")
        out[canon] = name
    return out


def _get(spec, key):
    if spec is None:
        return None
    if isinstance(spec, Mapping):
        return spec.get(key)
    return getattr(spec, key, None)


def _items_of(spec) -> list[str]:
    items = _get(spec, "items") if not isinstance(spec, (list, tuple)) else spec
    return list(items or [])


def measurement_lines(constructs: Mapping[str, object]) -> list[str]:
    """``NAME =~ item1 + item2 + ...`` for each construct (spec with ``items`` or a list of items)."""
    lines = []
    for name, spec in constructs.items():
        items = _items_of(spec)
        if not items:
            raise ValueError(f"constructs.{name}.items: a construct needs at least one item")
        lines.append(f"{name} =~ " + " + ".join(items))
    return lines


def expand_template(template: str, constructs: Mapping[str, object]) -> ModelSpec:
    """Expand an ACSI/ECSI template into lavaan syntax for the study's constructs.

    Measurement part: one ``=~`` line per mapped construct with its items.  Structural part:
    the template's paths whose two ends both exist, grouped per outcome
    (``SAT ~ IMAG + EXPE + QUAL + VAL``), in the template's order.  Returns a :class:`ModelSpec`
    whose notes name the template constructs the study lacks (dropped with their paths) and the
    study constructs the template does not use.
    """
    key = str(template).lower()
    if key not in TEMPLATES:
        raise ValueError(f"model_template: unknown template {template!r}; expected one of {sorted(TEMPLATES)}")
    paths = TEMPLATES[key]
    mapping = map_constructs(constructs)
    canon_used = list(dict.fromkeys([c for p in paths for c in p]))
    mapping = {c: mapping[c] for c in canon_used if c in mapping}
    if not any(a in mapping and b in mapping for a, b in paths):
        raise ValueError(f"model_template: {key}: none of the template's paths can be formed from the study's "
                         f"constructs {list(constructs)} (template constructs {canon_used}; aliases: "
                         f"{ {c: ALIASES[c][:4] for c in canon_used} }); give params.model instead")
    kept = [(a, b) for a, b in paths if a in mapping and b in mapping]
    dropped = [f"{a} -> {b}" for a, b in paths if not (a in mapping and b in mapping)]
    in_paths = list(dict.fromkeys([c for p in kept for c in p]))
    notes: list[str] = []
    missing = [c for c in canon_used if c not in mapping]
    if missing:
        notes.append(f"The study has no construct for {', '.join(missing)} of the {key.upper()} template; "
                     f"dropped with its paths: {', '.join(dropped)}.")
    isolated = [c for c in canon_used if c in mapping and c not in in_paths]
    if isolated:
        notes.append(f"{', '.join(mapping[c] for c in isolated)} lost all its template paths and is left out.")
    unused = [n for n in constructs if n not in {mapping[c] for c in in_paths}]
    unused = [n for n in unused if n not in {mapping[c] for c in isolated}]
    if unused:
        notes.append(f"Construct(s) {', '.join(unused)} are not part of the {key.upper()} template and are left "
                     "out of the structural model (give params.model to include them).")
    renamed = {c: n for c, n in mapping.items() if c != n and c in in_paths}
    if renamed:
        notes.append("Template constructs mapped by name: " +
                     ", ".join(f"{c} = {n}" for c, n in renamed.items()) + ".")
    lines = [f"# {TEMPLATE_REFERENCES[key]}", "# measurement model"]
    in_model = {mapping[c] for c in in_paths}
    lines += measurement_lines({n: constructs[n] for n in constructs if n in in_model})
    lines.append("# structural model")
    outcomes = list(dict.fromkeys(b for _, b in kept))
    for b in outcomes:
        preds = [mapping[a] for a, bb in kept if bb == b]
        lines.append(f"{mapping[b]} ~ " + " + ".join(preds))
    return ModelSpec(syntax="\n".join(lines) + "\n", source=f"template:{key}", mapping=mapping,
                     dropped_paths=dropped, notes=notes)


def model_spec(constructs: Mapping[str, object], model: str | None = None,
               template: str | None = None) -> ModelSpec:
    """The study's model: ``model``, else the expanded ``template``, else one factor per construct
    (a measurement model).  See the module docstring.

    Parameters
    ----------
    constructs : mapping
        ``{construct: spec}`` (``params.constructs``: specs with ``items``, ``label``, ``label_zh``,
        or plain lists of items).
    model : str, optional
        lavaan syntax given by the study (``params.model``).
    template : str, optional
        ``"acsi"`` or ``"ecsi"`` (``params.model_template``).

    Returns
    -------
    ModelSpec
    """
    if model:
        return ModelSpec(syntax=model.strip() + "\n", source="model")
    if template:
        return expand_template(template, constructs)
    lines = ["# one factor per construct (no model or model_template in the params)"]
    lines += measurement_lines(constructs)
    return ModelSpec(syntax="\n".join(lines) + "\n", source="measurement",
                     notes=["No model or model_template is given: the model has one factor per construct "
                            "and no structural paths (factors correlate freely)."])


def model_syntax(constructs: Mapping[str, object], model: str | None = None, template: str | None = None) -> str:
    """The lavaan syntax every stage fits for this study (see :func:`model_spec`)."""
    return model_spec(constructs, model, template).syntax


_OPS = ("=~", "~~", ":=", "~", "==", "<", ">")


def _statements(syntax: str) -> list[str]:
    out = []
    for raw in syntax.splitlines():
        line = re.split(r"[#!]", raw, maxsplit=1)[0]
        for part in line.split(";"):
            part = part.strip()
            if part:
                out.append(part)
    # lavaan allows a statement to continue on the next line after a trailing operator or '+'
    merged: list[str] = []
    for s in out:
        if merged and (merged[-1].endswith(("+", "*", "=~", "~", "~~")) or s.startswith("+")):
            merged[-1] = merged[-1] + " " + s
        else:
            merged.append(s)
    return merged


def _op_of(stmt: str) -> str | None:
    for op in _OPS:
        if op in stmt:
            return op
    return None


def _names(side: str) -> list[str]:
    out = []
    for term in side.split("+"):
        term = term.strip()
        if "*" in term:
            term = term.split("*")[-1].strip()
        if term and not re.fullmatch(r"[-+0-9.eE]+|NA", term):
            out.append(term)
    return out


def measurement_part(syntax: str, constructs: Mapping[str, object] | None = None) -> str:
    """The measurement model of ``syntax`` for a CFA: its ``=~`` statements and the residual
    covariances (``~~``) between indicators; structural regressions, latent covariances and
    defined parameters are left out (the factors then correlate freely, as in lavaan's
    ``cfa()``).  Without any ``=~`` statement, one factor per construct of ``constructs``."""
    stmts = _statements(syntax)
    meas = [s for s in stmts if _op_of(s) == "=~"]
    if not meas:
        if not constructs:
            raise ValueError("the model has no measurement (=~) statements and no constructs were given")
        return "\n".join(measurement_lines(constructs)) + "\n"
    latents = {s.split("=~")[0].strip() for s in meas}
    indicators = {n for s in meas for n in _names(s.split("=~", 1)[1])}
    keep = list(meas)
    for s in stmts:
        if _op_of(s) == "~~":
            lhs, rhs = s.split("~~", 1)
            names = _names(lhs) + _names(rhs)
            if names and all(n in indicators and n not in latents for n in names):
                keep.append(s)
    return "\n".join(keep) + "\n"


def structural_paths(syntax: str) -> list[tuple[str, str]]:
    """``(from, to)`` pairs of the ``~`` regressions in ``syntax`` (labels and fixed values removed)."""
    out = []
    for s in _statements(syntax):
        if _op_of(s) == "~":
            lhs, rhs = s.split("~", 1)
            for to in _names(lhs):
                for fr in _names(rhs):
                    out.append((fr, to))
    return out


__all__ = ["ALIASES", "TEMPLATES", "ModelSpec", "canonical_name", "map_constructs", "measurement_lines",
           "expand_template", "model_spec", "model_syntax", "measurement_part", "structural_paths"]
