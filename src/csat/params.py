"""One typed schema for a study's parameter file (``params/<study>.yaml``).

Everything about a study is described here and nowhere else. :func:`load_params`
reads the YAML file, applies one-run overrides, validates it against
:class:`StudyParams` and checks the data file and the item names against the data's
header *before* any analysis runs.  Every problem is raised as one
:class:`ParamsError` whose message names the file, the key and, where it applies,
the column.
"""
from __future__ import annotations

import copy
import difflib
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator


class ParamsError(ValueError):
    """A study parameter file is invalid (the message names file and key)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class DataSpec(_Strict):
    path: str = Field(description="Raw data file (.csv .xlsx .sav .dta), relative to the project root.")
    id: str | None = Field(None, description="Respondent id column (optional).")
    duration: str | None = Field(None, description="Completion-time column in seconds (optional).")
    encoding: str = Field("auto", description="Text encoding of a CSV: auto | utf-8 | gbk | gb18030 | ...")
    sheet: str | int | None = Field(None, description="XLSX sheet name or index (optional).")


class ScaleSpec(_Strict):
    min: float = 1
    max: float = 5

    @model_validator(mode="after")
    def _order(self):
        if not self.max > self.min:
            raise ValueError(f"scale.max ({self.max}) must be greater than scale.min ({self.min})")
        return self


class ConstructSpec(_Strict):
    label: str = ""
    label_zh: str | None = None
    items: list[str]

    @field_validator("items")
    @classmethod
    def _nonempty(cls, v):
        if not v:
            raise ValueError("a construct needs at least one item")
        if len(set(v)) != len(v):
            raise ValueError(f"items listed twice: {sorted({i for i in v if v.count(i) > 1})}")
        return v


class CleaningSpec(_Strict):
    drop_duplicates: bool = True
    max_missing_share: float | None = Field(0.2, ge=0, le=1)
    straightlining: bool = True
    min_duration: float | None = Field(None, ge=0)
    speeder_median_ratio: float | None = Field(
        None, gt=0, lt=1,
        description="Median-relative speeder rule: drop if duration < ratio x median duration.")
    attention_checks: dict[str, Any] = Field(default_factory=dict)


class EFASpec(_Strict):
    n_factors: int | Literal["auto"] = "auto"
    method: Literal["minres", "ml", "principal"] = "minres"
    rotation: Literal["oblimin", "promax", "varimax", "none"] = "oblimin"
    parallel_iter: int = Field(100, ge=10, description="Simulated datasets for Horn's parallel analysis.")
    parallel_percentile: float = Field(95, gt=0, le=100)


class ThresholdSpec(_Strict):
    alpha: float = 0.70
    cr: float = 0.70
    ave: float = 0.50
    loading: float = 0.50
    loading_good: float = 0.70
    htmt: float = 0.85


class IPMASpec(_Strict):
    target: str | None = None


class WeightsSpec(_Strict):
    """Survey weights: a given weight column and/or raking to population shares (``survey::rake``)."""
    column: str | None = Field(None, description="Column holding given (design) weights.")
    rake: dict[str, dict[str | int, float]] | None = Field(
        None, description="variable -> {level: population share}; shares of a variable sum to 1.")

    @model_validator(mode="after")
    def _one(self):
        if self.column is None and not self.rake:
            raise ValueError("give weights.column, weights.rake or both")
        for var, shares in (self.rake or {}).items():
            if not shares:
                raise ValueError(f"weights.rake.{var}: give at least one level with its share")
            if any(v < 0 for v in shares.values()):
                raise ValueError(f"weights.rake.{var}: shares must not be negative")
            tot = sum(shares.values())
            if abs(tot - 1) > 1e-6:
                raise ValueError(f"weights.rake.{var}: the shares sum to {tot:.6g}, not 1")
        return self


class DriversSpec(_Strict):
    target: str | None = Field(None, description="Construct or item to explain [the satisfaction construct].")
    predictors: list[str] | None = Field(None, description="Constructs or items [the other constructs].")
    bootstrap: int = Field(1000, ge=0, description="Bootstrap resamples for the LMG intervals.")


class SegmentsSpec(_Strict):
    k: int | Literal["auto"] = "auto"
    method: Literal["kmeans", "ward", "gmm"] = "kmeans"
    on: list[str] | None = Field(None, description="Constructs to cluster on [all].")

    @field_validator("k")
    @classmethod
    def _k(cls, v):
        if v != "auto" and not 2 <= v <= 20:
            raise ValueError("k must be auto or a whole number from 2 to 20")
        return v


class KanoFeature(_Strict):
    functional: str
    dysfunctional: str


class ServqualDimension(_Strict):
    expectation: list[str]
    perception: list[str]

    @model_validator(mode="after")
    def _pairs(self):
        if not self.expectation:
            raise ValueError("give at least one expectation/perception pair")
        if len(self.expectation) != len(self.perception):
            raise ValueError(f"{len(self.expectation)} expectation items but {len(self.perception)} perception items; "
                             "they are paired by position")
        return self


class ItemLabel(_Strict):
    en: str | None = None
    zh: str | None = None


class StudyParams(_Strict):
    study: str
    title: str = ""
    language: Literal["en", "zh"] = "en"
    data: DataSpec
    scale: ScaleSpec = Field(default_factory=ScaleSpec)
    missing_codes: list[float | int | str] = Field(default_factory=list)
    labels: dict[str, float | int] = Field(default_factory=dict)
    item_labels: dict[str, ItemLabel | str] = Field(default_factory=dict)
    constructs: dict[str, ConstructSpec]
    reverse: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)
    recommend: str | None = Field(None, description="0-10 likelihood-to-recommend column for NPS.")
    cleaning: CleaningSpec = Field(default_factory=CleaningSpec)
    missing: Literal["pairwise", "listwise"] = Field(
        "pairwise", description="Missing data in reliability statistics (psych default: pairwise).")
    sem_missing: Literal["listwise", "fiml"] = "listwise"
    thresholds: ThresholdSpec = Field(default_factory=ThresholdSpec)
    efa: EFASpec = Field(default_factory=EFASpec)
    model: str | None = None
    model_template: Literal["acsi", "ecsi"] | None = None
    ipma: IPMASpec = Field(default_factory=IPMASpec)
    bootstrap: int = Field(1000, ge=0)
    seed: int = 2024
    weights: WeightsSpec | None = None
    drivers: DriversSpec | None = None
    segments: SegmentsSpec | None = None
    kano: dict[str, KanoFeature] | None = None
    servqual: dict[str, ServqualDimension] | None = None

    @field_validator("study")
    @classmethod
    def _study_name(cls, v):
        if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", v):
            raise ValueError(f"study name {v!r} must be a plain folder name (letters, digits, _ . -)")
        return v

    @model_validator(mode="after")
    def _cross(self):
        items = self.items
        dup = sorted({i for i in items if items.count(i) > 1})
        if dup:
            raise ValueError(f"constructs: item(s) {dup} belong to more than one construct")
        for r in self.reverse:
            if r not in items:
                raise ValueError(f"reverse: {r!r} is not an item of any construct{suggest(r, items)}")
        if self.model is not None and self.model_template is not None:
            raise ValueError("give either model or model_template, not both")
        if self.ipma.target is not None and self.ipma.target not in self.constructs:
            raise ValueError(f"ipma.target: {self.ipma.target!r} is not a construct{suggest(self.ipma.target, list(self.constructs))}")
        self._check_drivers_segments()
        return self

    def _check_drivers_segments(self) -> None:
        names = list(self.constructs) + self.items
        if self.drivers is not None:
            for key, v in [("target", self.drivers.target)] + [("predictors", x) for x in self.drivers.predictors or []]:
                if v is not None and v not in names:
                    raise ValueError(f"drivers.{key}: {v!r} is not a construct or item{suggest(v, names)}")
        if self.segments is not None:
            for c in self.segments.on or []:
                if c not in self.constructs:
                    raise ValueError(f"segments.on: {c!r} is not a construct{suggest(c, list(self.constructs))}")

    @property
    def extra_columns(self) -> dict[str, str]:
        """Columns read by 02/06 beyond the cleaned data: column -> the params key naming it."""
        out: dict[str, str] = {}
        if self.weights is not None:
            if self.weights.column:
                out[self.weights.column] = "weights.column"
            for v in self.weights.rake or {}:
                out.setdefault(v, f"weights.rake.{v}")
        for f, spec in (self.kano or {}).items():
            out.setdefault(spec.functional, f"kano.{f}.functional")
            out.setdefault(spec.dysfunctional, f"kano.{f}.dysfunctional")
        for d, spec in (self.servqual or {}).items():
            for c in spec.expectation:
                out.setdefault(c, f"servqual.{d}.expectation")
            for c in spec.perception:
                out.setdefault(c, f"servqual.{d}.perception")
        return out

    # -- convenience -----------------------------------------------------------------
    @property
    def items(self) -> list[str]:
        """All items, in construct order."""
        return [i for c in self.constructs.values() for i in c.items]

    @property
    def item_construct(self) -> dict[str, str]:
        return {i: name for name, c in self.constructs.items() for i in c.items}

    def construct_label(self, name: str) -> str:
        c = self.constructs[name]
        if self.language == "zh" and c.label_zh:
            return c.label_zh
        return c.label or name

    def item_label(self, item: str) -> str:
        lab = self.item_labels.get(item)
        if lab is None:
            return item
        if isinstance(lab, str):
            return lab
        if self.language == "zh" and lab.zh:
            return lab.zh
        return lab.en or lab.zh or item

    @property
    def data_columns(self) -> list[str]:
        """Every column the study names in the data file."""
        cols = list(self.items) + list(self.groups)
        for c in (self.data.id, self.data.duration, self.recommend):
            if c:
                cols.append(c)
        cols += list(self.cleaning.attention_checks)
        cols += list(self.extra_columns)
        return list(dict.fromkeys(cols))


def suggest(name: str, choices) -> str:
    """`` (did you mean 'a', 'b'?)`` for the near matches of ``name`` among ``choices``, else ``""``."""
    near = difflib.get_close_matches(str(name), [str(c) for c in choices], n=3, cutoff=0.6)
    return f" (did you mean {', '.join(repr(n) for n in near)}?)" if near else ""


def _set_dotted(d: dict, key: str, value: Any) -> None:
    parts = key.split(".")
    cur = d
    for p in parts[:-1]:
        if not isinstance(cur.get(p), dict):
            cur[p] = {}
        cur = cur[p]
    cur[parts[-1]] = value


def apply_overrides(raw: dict, overrides: dict | None) -> dict:
    """Return a copy of ``raw`` with dotted-key overrides applied (``{"efa.n_factors": 3}``)."""
    out = copy.deepcopy(raw)
    for k, v in (overrides or {}).items():
        _set_dotted(out, k, v)
    return out


def parse_overrides(text: str | None) -> dict:
    """Parse ``"bootstrap=200 efa.n_factors=3"`` (YAML values) into a dict."""
    out: dict[str, Any] = {}
    for tok in (text or "").split():
        if "=" not in tok:
            raise ParamsError(f"override {tok!r} must look like key=value")
        k, v = tok.split("=", 1)
        out[k.strip()] = yaml.safe_load(v) if v != "" else None
    return out


def _format_validation_error(path: str, err: ValidationError) -> str:
    lines = []
    for e in err.errors():
        loc = ".".join(str(x) for x in e["loc"]) or "(top level)"
        if e["type"] == "extra_forbidden":
            parent = e["loc"][:-1]
            field = e["loc"][-1]
            model: Any = StudyParams
            for p in parent:
                f = getattr(model, "model_fields", {}).get(p)
                model = f.annotation if f is not None else None
            known = list(getattr(model, "model_fields", {}) or {})
            lines.append(f"unknown key {loc!r}{suggest(field, known)}")
        elif e["type"] == "missing":
            lines.append(f"missing required key {loc!r}")
        else:
            msg = e["msg"].removeprefix("Value error, ")
            lines.append(f"key {loc!r}: {msg}")
    return f"{path}: " + "; ".join(lines)


def validate_params(raw: dict, source: str = "<params>") -> StudyParams:
    """Validate a parsed params mapping (no file checks)."""
    if not isinstance(raw, dict):
        raise ParamsError(f"{source}: the file must hold a YAML mapping of keys, not {type(raw).__name__}")
    try:
        return StudyParams.model_validate(raw)
    except ValidationError as err:
        raise ParamsError(_format_validation_error(source, err)) from None


def load_params(path: str | Path, overrides: dict | None = None, *, root: str | Path | None = None,
                check_data: bool = True) -> StudyParams:
    """Read, override and validate a study's parameter file.

    Parameters
    ----------
    path : params file (``params/<study>.yaml``).
    overrides : dotted keys to override for this run, e.g. ``{"bootstrap": 200}``.
    root : project root against which ``data.path`` is resolved (default: the parent of
        the ``params/`` folder, or the current directory).
    check_data : also check that the data file exists and that every named column is in it.
    """
    path = Path(path)
    if not path.is_file():
        raise ParamsError(f"{path}: params file not found")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ParamsError(f"{path}: not valid YAML: {err}") from None
    raw = apply_overrides(raw if raw is not None else {}, overrides)
    p = validate_params(raw, str(path))
    if check_data:
        check_data_columns(p, path, root=root)
    return p


def project_root(params_path: str | Path) -> Path:
    params_path = Path(params_path).resolve()
    if params_path.parent.name == "params":
        return params_path.parent.parent
    return Path.cwd()


def resolve_data_path(p: StudyParams, params_path: str | Path, root: str | Path | None = None) -> Path:
    dp = Path(p.data.path)
    if dp.is_absolute():
        return dp
    base = Path(root) if root is not None else project_root(params_path)
    return base / dp


def check_data_columns(p: StudyParams, params_path: str | Path, root: str | Path | None = None) -> None:
    """Check that the data file exists and holds every column the params name."""
    dp = resolve_data_path(p, params_path, root)
    if not dp.is_file():
        raise ParamsError(f"{params_path}: key 'data.path': data file {str(dp)!r} not found")
    from . import io as csat_io  # local import: io depends on params

    columns = csat_io.read_columns(dp, encoding=p.data.encoding, sheet=p.data.sheet)
    missing = [c for c in p.data_columns if c not in columns]
    if missing:
        where = []
        ic = p.item_construct
        for c in missing:
            key = (f"constructs.{ic[c]}.items" if c in ic else
                   "groups" if c in p.groups else
                   "data.id" if c == p.data.id else
                   "data.duration" if c == p.data.duration else
                   "recommend" if c == p.recommend else
                   "cleaning.attention_checks" if c in p.cleaning.attention_checks else
                   p.extra_columns.get(c, "cleaning.attention_checks"))
            where.append(f"column {c!r} (key {key!r}) is not in {dp.name}{suggest(c, columns)}")
        raise ParamsError(f"{params_path}: " + "; ".join(where))
