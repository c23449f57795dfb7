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
import re
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator,
                      model_validator)


from csat.core.i18n import LANGUAGES, is_chinese, localize
from csat.core.text import suggest
from csat.core.errors import ParamsError  # noqa: E402,F401  (defined in csat.core.errors; re-exported here)
from csat.core.paths import project_root  # noqa: F401  (defined in csat.core.paths; re-exported here)


def _not_bool(v):
    """YAML reads yes/no/on/off/true/false as booleans; a boolean is never accepted as a number."""
    if isinstance(v, bool):
        raise ValueError(f"{str(v).lower()} is a yes/no value, not a number (YAML reads yes/no/true/false/on/off "
                         "as booleans); write a number")
    return v


#: Numbers that refuse YAML booleans (pydantic would otherwise read ``yes`` as 1).
Int = Annotated[int, BeforeValidator(_not_bool)]
Num = Annotated[float, BeforeValidator(_not_bool)]
Code = Annotated[float | int | str, BeforeValidator(_not_bool)]

#: Fewest bootstrap resamples accepted (percentile intervals need tails of >= 5 draws), and the
#: number below which the params check warns.
MIN_BOOTSTRAP = 200
RECOMMENDED_BOOTSTRAP = 1000


def _enough_resamples(v: int, zero_means: str, advice: str = "") -> int:
    """Bootstrap resamples: 0 (off) or at least :data:`MIN_BOOTSTRAP` (percentile intervals need tails)."""
    if 0 < v < MIN_BOOTSTRAP:
        raise ValueError(f"{v} resamples are too few for 95% percentile intervals; use 0 ({zero_means}) or at "
                         f"least {MIN_BOOTSTRAP}{advice}")
    return v


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class DataSpec(_Strict):
    path: str | list[str] | dict[str, str] = Field(
        description="Raw data file (.csv .xlsx .sav .dta), relative to the project root; or one file per wave "
                    "of a tracking study: a list (the wave of each file is its name without extension, the "
                    "list is the time order) or a mapping wave -> file (in time order).")
    id: str | None = Field(None, description="Respondent id column (optional).")
    duration: str | None = Field(None, description="Completion-time column in seconds (optional).")
    encoding: str = Field("auto", description="Text encoding of a CSV: auto (UTF-8, else detected among GB18030, "
                                              "Big5 and Windows-1252) | utf-8 | gbk | gb18030 | big5 | cp1252 | ...")
    sheet: str | int | None = Field(None, description="XLSX sheet name or index (optional).")
    rename: dict[str, str] = Field(default_factory=dict,
                                   description="Header in the file -> short column name used everywhere else.")
    header_rows: int = Field(1, ge=1, le=5, description="Header rows at the top of the file: 2 or 3 for Qualtrics "
                                                        "and SurveyMonkey exports (question texts, import ids below "
                                                        "the names).")
    allow_ragged: bool = Field(False, description="Read CSV rows with fewer or more fields than the header (short "
                                                  "rows padded with blanks, extra fields dropped) with a warning "
                                                  "counting them, instead of refusing the file.")

    @field_validator("path")
    @classmethod
    def _paths(cls, v):
        if isinstance(v, str):
            if not v.strip():
                raise ValueError("give the raw data file")
            return v
        files = list(v.values()) if isinstance(v, dict) else list(v)
        if len(files) < 2:
            raise ValueError("a list of files is one file per wave: give at least 2 (or one file as a plain path)")
        if any(not str(f).strip() for f in files):
            raise ValueError("a file name is empty")
        dup = sorted({f for f in files if files.count(f) > 1})
        if dup:
            raise ValueError(f"file {dup[0]!r} is listed twice")
        if isinstance(v, list):
            stems = [Path(f).stem for f in files]
            same = sorted({s for s in stems if stems.count(s) > 1})
            if same:
                raise ValueError(f"two files are named {same[0]!r} (without extension), so their waves cannot be "
                                 "told apart; give data.path as a mapping wave: file")
        return v

    @property
    def files(self) -> list[str]:
        """Every raw data file, in the order given (one for an ordinary study)."""
        p = self.path
        return [p] if isinstance(p, str) else list(p.values()) if isinstance(p, dict) else list(p)

    @property
    def wave_files(self) -> dict[str, str] | None:
        """``{wave: file}`` in time order when ``path`` gives one file per wave, else None."""
        p = self.path
        if isinstance(p, str):
            return None
        return {str(k): f for k, f in p.items()} if isinstance(p, dict) else {Path(f).stem: f for f in p}

    @field_validator("rename")
    @classmethod
    def _rename_unique(cls, v):
        new = list(v.values())
        dup = sorted({n for n in new if new.count(n) > 1})
        if dup:
            raise ValueError(f"two headers are renamed to the same name {dup[0]!r}")
        return v


class ScaleSpec(_Strict):
    """The answer scale of the items.

    ``min``/``max``: the Likert range (default 1–5); answers outside it are reported and set
    missing.  ``continuous: true`` declares the items continuous scores (a 0–100 slider, averaged
    or standardized scores): no Likert chart or top-box.  A continuous study may omit the bounds
    (or set them to null): then no value is out of range and no 0–100 index is computed.  Items
    of a Likert study whose values are not all scale points are treated as continuous anyway
    (:mod:`csat.intake.itemtypes`).
    """
    min: Num | None = 1
    max: Num | None = 5
    continuous: bool = False

    @model_validator(mode="before")
    @classmethod
    def _open_bounds(cls, v):
        if isinstance(v, dict) and v.get("continuous") is True:
            v = dict(v)
            v.setdefault("min", None)
            v.setdefault("max", None)
        return v

    @model_validator(mode="after")
    def _order(self):
        if (self.min is None) != (self.max is None):
            raise ValueError("give both scale.min and scale.max, or neither (only with scale.continuous: true)")
        if self.min is None and not self.continuous:
            raise ValueError("scale.min and scale.max may be omitted only with scale.continuous: true")
        import math

        if self.min is not None and not (math.isfinite(self.min) and math.isfinite(self.max)):
            raise ValueError(f"scale.min and scale.max must be finite numbers (got {self.min:g}, {self.max:g})")
        if self.min is not None and not self.max > self.min:
            raise ValueError(f"scale.max ({self.max}) must be greater than scale.min ({self.min})")
        return self

    @property
    def bounded(self) -> bool:
        """True when the scale has a min and a max (needed for 0–100 indices and reverse coding)."""
        return self.min is not None and self.max is not None


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
    max_missing_share: Num | None = Field(0.2, ge=0, le=1)
    straightlining: bool = True
    min_duration: Num | None = Field(None, ge=0)
    speeder_median_ratio: Num | None = Field(
        None, gt=0, lt=1,
        description="Median-relative speeder rule: drop if duration < ratio x median duration.")
    attention_checks: dict[str, Any] = Field(default_factory=dict)


class ScoresSpec(_Strict):
    """How a respondent's construct score is formed (:func:`csat.stats.descriptives.construct_scores`)."""
    min_share: Num = Field(0.5, ge=0, le=1, description=(
        "A respondent gets a construct score (the mean of the answered items) when at least "
        "max(1, ceil(min_share x k)) of the construct's k items are answered: 0.5 = half the items, "
        "0 = any item, 1 = every item."))


class EFASpec(_Strict):
    n_factors: int | Literal["auto"] = "auto"
    method: Literal["minres", "ml", "principal"] = "minres"
    rotation: Literal["oblimin", "promax", "varimax", "none"] = "oblimin"
    parallel_iter: Int = Field(100, ge=10, description="Simulated datasets for Horn's parallel analysis.")
    parallel_percentile: Num = Field(95, gt=0, le=100)

    @field_validator("n_factors", mode="before")
    @classmethod
    def _n_factors(cls, v):
        if v == "auto":
            return v
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(f"{v!r} is not a number of factors; use 'auto' or a whole number from 1 up")
        return v


class ThresholdSpec(_Strict):
    # all are proportions or correlations: 70 instead of .70 would fail every construct silently
    alpha: Num = Field(0.70, gt=0, le=1)
    cr: Num = Field(0.70, gt=0, le=1)
    ave: Num = Field(0.50, gt=0, le=1)
    loading: Num = Field(0.50, gt=0, le=1)
    loading_good: Num = Field(0.70, gt=0, le=1)
    htmt: Num = Field(0.85, gt=0, le=1)


class IPMASpec(_Strict):
    target: str | None = None


class PLSMGAOptions(_Strict):
    group: str = Field(description="Grouping column of the PLS multi-group analysis (PLS-MGA with MICOM).")
    permutations: int | None = Field(None, ge=100, description="Permutations of the permutation test and MICOM "
                                                                "(default: the study's bootstrap count).")


class PLSPredictOptions(_Strict):
    folds: int | Literal["loo"] = Field(10, description="PLSpredict folds (k-fold cross-validation) or 'loo'.")
    repetitions: int = Field(10, ge=1, description="Repetitions of the k-fold cross-validation on new shuffles.")

    @field_validator("folds")
    @classmethod
    def _folds(cls, v):
        if isinstance(v, int) and v < 2:
            raise ValueError("pls.predict.folds must be at least 2 (or 'loo')")
        return v


class PLSOptions(_Strict):
    missing: Literal["mean", "listwise"] = Field(
        "mean", description="Missing answers in PLS-SEM: item-mean replacement (SmartPLS/seminr default) or listwise.")
    interaction: Literal["two_stage", "product_indicator", "orthogonal"] = Field(
        "two_stage", description="How a product term x:z of the model (moderation) is measured: the two-stage "
                                 "approach (product of the first-stage construct scores; Hair et al.'s default), "
                                 "the products of the standardized items, or those orthogonalized on the items.")
    higher_order: Literal["disjoint", "embedded", "repeated"] = Field(
        "disjoint", description="How a construct measured by constructs (REP =~ COMP + LIKE) is estimated: the "
                                "disjoint two-stage approach (seminr's higher_composite), the embedded two-stage "
                                "approach, or repeated indicators.")
    consistent: bool = Field(False, description="Consistent PLS (PLSc, Dijkstra & Henseler 2015): correct the "
                                                "reflective (=~) constructs' correlations, paths and loadings by rhoA.")
    mga: PLSMGAOptions | None = Field(None, description="Multi-group analysis (PLS-MGA, MICOM) over a group column.")
    predict: PLSPredictOptions | None = Field(default_factory=PLSPredictOptions,
                                              description="PLSpredict (on by default; null switches it off).")
    labels: dict[str, ItemLabel | str] = Field(
        default_factory=dict, description="Names of the constructs the model adds (a higher-order construct such as "
                                          "PERF =~ QUAL + VAL): {name: text or {en, zh}}.")


class InvarianceSpec(_Strict):
    group: str = Field(description="Grouping column for the measurement-invariance tests (multi-group CFA).")


class WavesSpec(_Strict):
    column: str = Field("wave", description="Wave column of a tracking study (with one file per wave: the column "
                                            "made for the waves).")
    order: list[str | int] | None = Field(None, description="The waves in time order (default: sorted levels).")

    @field_validator("order")
    @classmethod
    def _order(cls, v):
        if v is not None:
            if len(v) < 2:
                raise ValueError("a tracking study needs at least 2 waves")
            if len({str(x) for x in v}) != len(v):
                raise ValueError(f"waves listed twice: {v}")
        return v


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
    bootstrap: Int = Field(1000, ge=0, description="Bootstrap resamples for the LMG intervals.")

    @field_validator("bootstrap")
    @classmethod
    def _enough_resamples(cls, v):
        return _enough_resamples(v, "no intervals")


class SegmentsSpec(_Strict):
    k: Int | Literal["auto"] = "auto"
    method: Literal["kmeans", "ward", "gmm"] = "kmeans"
    on: list[str] | None = Field(None, description="Constructs to cluster on [all].")

    @field_validator("k")
    @classmethod
    def _k(cls, v):
        if v != "auto" and not 2 <= v <= 20:
            raise ValueError("k must be auto or a whole number from 2 to 20")
        return v


class ItemLabel(_Strict):
    en: str | None = None
    zh: str | None = None


class KanoFeature(_Strict):
    functional: str
    dysfunctional: str
    label: str | ItemLabel | None = Field(None, description="The feature's name shown to the reader: one text "
                                                            "or {en: …, zh: …} [the feature's key].")
    label_zh: str | None = Field(None, description="Chinese name (as a construct's label_zh).")


class ServqualDimension(_Strict):
    expectation: list[str]
    perception: list[str]
    label: str | ItemLabel | None = Field(None, description="The dimension's name shown to the reader: one text "
                                                            "or {en: …, zh: …} [the dimension's key].")
    label_zh: str | None = Field(None, description="Chinese name (as a construct's label_zh).")

    @model_validator(mode="after")
    def _pairs(self):
        if not self.expectation:
            raise ValueError("give at least one expectation/perception pair")
        if len(self.expectation) != len(self.perception):
            raise ValueError(f"{len(self.expectation)} expectation items but {len(self.perception)} perception items; "
                             "they are paired by position")
        return self


class OpenEndedColumn(_Strict):
    """An open question's column (``open_ended.<column>``): its name, the themes its answers are coded into
    (each a list of keywords; an entry ``/…/`` is a regular expression) with their names, and stop words
    added to the built-in lists."""
    label: str | ItemLabel | None = Field(None, description="The question's name shown to the reader: one text "
                                                            "or {en: …, zh: …} [the column's name].")
    themes: dict[str, list[str]] = Field(default_factory=dict, description="{theme: [keyword, …]}.")
    theme_labels: dict[str, ItemLabel | str] = Field(default_factory=dict, description="{theme: name shown "
                                                     "(one text or {en: …, zh: …})} [the theme's key].")
    stopwords: list[str] = Field(default_factory=list, description="Words left out of the word counts besides "
                                                                   "the built-in Chinese and English stop words.")

    @model_validator(mode="after")
    def _keywords(self):
        for theme, kws in self.themes.items():
            if not kws:
                raise ValueError(f"themes.{theme}: give at least one keyword")
            for k in kws:
                if not isinstance(k, str) or not k.strip():
                    raise ValueError(f"themes.{theme}: {k!r} is not a keyword (give text)")
                if len(k) > 2 and k.startswith("/") and k.endswith("/"):
                    try:
                        re.compile(k[1:-1])
                    except re.error as e:
                        raise ValueError(f"themes.{theme}: {k!r} is not a valid regular expression ({e})") from None
        extra = [t for t in self.theme_labels if t not in self.themes]
        if extra:
            raise ValueError(f"theme_labels: {extra[0]!r} is not a theme{suggest(extra[0], list(self.themes))}")
        return self


def local_text(value, language: str = "en") -> str | None:
    """A text given as a plain string (every language) or as ``{en: …, zh: …}`` (an :class:`ItemLabel`
    or the raw mapping), in ``language``, falling back to the other one; None when absent.  The ``zh``
    text serves every Chinese language, converted to traditional characters for ``zh-Hant``
    (:func:`csat.core.i18n.localize`).

    >>> local_text({"en": "Satisfaction survey", "zh": "满意度调查"}, "zh"), local_text("Survey", "zh")
    ('满意度调查', 'Survey')
    >>> local_text({"en": "Satisfaction survey", "zh": "满意度调查"}, "zh-Hant")
    '滿意度調查'
    """
    if value is None or isinstance(value, str):
        return value
    get = value.get if isinstance(value, dict) else (lambda k: getattr(value, k, None))
    en, zh = get("en"), get("zh")
    if is_chinese(language):
        return localize(zh, language) if zh else en
    return en or zh


class SurveySpec(_Strict):
    """How the survey was done (all optional): shown in the report's summary and methods section;
    ``invited``/``responded`` give the response rate, ``responded`` and the cleaned n the valid rate."""
    objectives: str | ItemLabel | None = Field(None, description="Why the study was done: its background and "
                                               "objectives, shown first in the report.")
    client: str | ItemLabel | None = Field(None, description="Who commissioned the study.")
    population: str | ItemLabel | None = Field(None, description="The population the sample is meant to represent.")
    sampling: str | ItemLabel | None = Field(None, description="How respondents were selected.")
    mode: str | ItemLabel | None = Field(None, description="How the questionnaire was administered (online, phone, ...).")
    fieldwork_start: date | None = Field(None, description="First day of fieldwork (YYYY-MM-DD).")
    fieldwork_end: date | None = Field(None, description="Last day of fieldwork (YYYY-MM-DD).")
    invited: Int | None = Field(None, ge=1, description="People invited to answer.")
    responded: Int | None = Field(None, ge=0, description="People who returned a questionnaire.")

    def text(self, key: str, language: str = "en") -> str | None:
        """A text field in the report language (a plain string is used for every language)."""
        return local_text(getattr(self, key), language)

    @model_validator(mode="after")
    def _consistent(self):
        if self.invited is not None and self.responded is not None and self.responded > self.invited:
            raise ValueError(f"responded ({self.responded}) is larger than invited ({self.invited})")
        if self.fieldwork_start and self.fieldwork_end and self.fieldwork_end < self.fieldwork_start:
            raise ValueError(f"fieldwork_end ({self.fieldwork_end}) is before fieldwork_start ({self.fieldwork_start})")
        return self



Rate = Annotated[float, BeforeValidator(_not_bool), Field(gt=0, le=1)]


class DesignSpec(_Strict):
    """The survey plan (``make plan``, :mod:`csat.analyses.planning`): target margins, population, strata and
    their allocation, expected rates and cost. Margins are half-widths of the 95 % interval of a proportion
    (0.05 = ±5 points); the 0–100 index gets the same half-width in index points (0.05 → ±5)."""
    margin: Num = Field(0.05, gt=0, lt=1, description="Target half-width of the 95 % interval of a proportion.")
    p: Num = Field(0.5, gt=0, lt=1, description="Expected proportion (0.5 = the worst case).")
    index_sd: Num = Field(20.0, gt=0, description="Standard deviation of the 0-100 index.")
    population: Num | None = Field(None, gt=1, description="Population size (finite-population correction).")
    deff: Num = Field(1.0, ge=1, description="Design effect of unequal weights or clustering.")
    strata: dict[str, dict[str, Num]] | None = Field(None, description="{column: {level: population size}}.")
    allocation: Literal["proportional", "neyman", "equal"] = "proportional"
    strata_sd: dict[str, Num] | None = Field(None, description="Per-stratum SD of the index (Neyman).")
    margin_group: Num | None = Field(None, gt=0, lt=1, description="Target half-width in every stratum.")
    cost_per_interview: Num | None = Field(None, ge=0)
    power: Num = Field(0.8, gt=0, lt=1, description="Power wanted for the RMSEA test of close fit.")
    response_rate: Rate = 1.0
    valid_rate: Rate = 1.0

    @field_validator("strata")
    @classmethod
    def _strata(cls, v):
        if v is None:
            return v
        if len(v) != 1:
            raise ValueError(f"give one stratification column, not {len(v)} ({sorted(v)})")
        for col, levels in v.items():
            if len(levels) < 2:
                raise ValueError(f"{col}: give at least two levels with their population sizes")
            for level, n in levels.items():
                if not n or n <= 0:
                    raise ValueError(f"{col}.{level}: a stratum needs a population size above 0, not {n}")
        return v

    @field_validator("strata_sd")
    @classmethod
    def _sds(cls, v):
        for level, sd in (v or {}).items():
            if sd <= 0:
                raise ValueError(f"{level}: a standard deviation must be above 0, not {sd}")
        return v

    @model_validator(mode="after")
    def _neyman(self):
        if self.allocation == "neyman" and self.strata:
            levels = set(next(iter(self.strata.values())))
            missing = sorted(levels - set(self.strata_sd or {}))
            if missing:
                raise ValueError(f"design.strata_sd: Neyman allocation needs the SD of every stratum; missing {missing}")
            extra = sorted(set(self.strata_sd or {}) - levels)
            if extra:
                raise ValueError(f"design.strata_sd: {extra} are no level of design.strata")
        if self.population is not None and self.strata:
            total = sum(next(iter(self.strata.values())).values())
            if abs(total - self.population) > 0.5:
                raise ValueError(f"design.population ({self.population:g}) differs from the sum of design.strata "
                                 f"({total:g}); leave population out or make them agree")
        return self

    @property
    def stratum_column(self) -> str | None:
        return next(iter(self.strata)) if self.strata else None


class StudyParams(_Strict):
    study: str
    title: str | ItemLabel = ""
    language: str = "en"
    data: DataSpec
    scale: ScaleSpec = Field(default_factory=ScaleSpec)
    missing_codes: list[Code] = Field(default_factory=list)
    labels: dict[str, Num] = Field(default_factory=dict)
    item_labels: dict[str, ItemLabel | str] = Field(default_factory=dict)
    column_labels: dict[str, ItemLabel | str] = Field(
        default_factory=dict, description="Column -> its name shown to the reader (one text or {en: …, zh: …}): "
                                          "group columns, invariance.group, waves.column, weights, recommend.")
    value_labels: dict[str, dict[str | int | float, ItemLabel | str]] = Field(
        default_factory=dict, description="Column -> {code or text in the data: label (one text or {en, zh})}: "
                                          "how the levels of a categorical column are shown.")
    constructs: dict[str, ConstructSpec]
    reverse: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)
    recommend: str | None = Field(None, description="0-10 likelihood-to-recommend column for NPS.")
    cleaning: CleaningSpec = Field(default_factory=CleaningSpec)
    missing: Literal["pairwise", "listwise"] = Field(
        "pairwise", description="Missing data in reliability statistics (psych default: pairwise).")
    sem_missing: Literal["listwise", "fiml"] = "listwise"
    thresholds: ThresholdSpec = Field(default_factory=ThresholdSpec)
    scores: ScoresSpec = Field(default_factory=ScoresSpec)
    efa: EFASpec = Field(default_factory=EFASpec)
    model: str | None = None
    model_template: Literal["acsi", "ecsi"] | None = None
    estimator: Literal["ml", "mlr", "mlm", "wlsmv", "pls"] = Field(
        "ml", description="The CFA (03/04), invariance (04) and SEM (05) estimator, lavaan's names: ml, mlr (robust "
                          "SEs, Yuan-Bentler scaled test), mlm (robust SEs, Satorra-Bentler test; complete data), "
                          "wlsmv (ordered items: polychoric correlations, DWLS) or pls (05 by PLS path modeling; "
                          "the CFA by ml). Default: wlsmv when ordered is given, else ml.")
    ordered: bool | list[str] = Field(
        False, description="Items analysed as ordinal (lavaan's ordered): true = every item, or a list of items.")
    pls: PLSOptions = Field(default_factory=PLSOptions)
    ipma: IPMASpec = Field(default_factory=IPMASpec)
    bootstrap: Int = Field(1000, ge=0)
    bootstrap_scheduler: Literal["local", "cluster"] = Field(
        "local", description="Where 05's bootstrap resamples run: local (this machine's cores) or cluster (in "
                             "chunks on the Dask cluster of SCHEDULER / CSAT_SCHEDULER, when one is set; the draws "
                             "and intervals are identical).")
    seed: Int = 2024
    invariance: InvarianceSpec | None = None
    waves: WavesSpec | None = None

    @field_validator("bootstrap")
    @classmethod
    def _enough_resamples(cls, v):
        return _enough_resamples(v, "no bootstrap", f" ({RECOMMENDED_BOOTSTRAP} or more recommended)")
    weights: WeightsSpec | None = None
    drivers: DriversSpec | None = None
    segments: SegmentsSpec | None = None
    kano: dict[str, KanoFeature] | None = None
    servqual: dict[str, ServqualDimension] | None = None
    open_ended: dict[str, OpenEndedColumn] | None = None
    survey: SurveySpec | None = None
    design: DesignSpec | None = None

    @model_validator(mode="before")
    @classmethod
    def _waves_of_files(cls, v):
        """One file per wave (``data.path`` a list or mapping) makes a tracking study: ``waves`` defaults to
        ``{column: wave}``."""
        if isinstance(v, dict) and isinstance(v.get("data"), dict) and isinstance(v["data"].get("path"), (list, dict)):
            if v.get("waves") is None:
                v = {**v, "waves": {}}
        return v

    @model_validator(mode="before")
    @classmethod
    def _ordered_means_wlsmv(cls, v):
        """``ordered`` given and ``estimator`` not: ``estimator`` is ``wlsmv``, as in lavaan."""
        if isinstance(v, dict) and v.get("estimator") is None and v.get("ordered") not in (None, False, []):
            v = {**v, "estimator": "wlsmv"}
        return v

    @field_validator("value_labels", mode="before")
    @classmethod
    def _level_keys(cls, v):
        """A level written yes/no/true/false/on/off is read by YAML as a boolean: ask for quotes."""
        if isinstance(v, dict):
            for col, labs in v.items():
                if not isinstance(labs, dict):
                    raise ValueError(f"{col}: give a mapping {{level: label}}, e.g. {{1: {{en: Male, zh: 男}}}}")
                for k in labs:
                    if isinstance(k, bool):
                        raise ValueError(f"{col}: the level {str(k).lower()} is read by YAML as a yes/no value; "
                                         f"quote it ('{str(k).lower()}')")
        return v

    @field_validator("study")
    @classmethod
    def _study_name(cls, v):
        if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", v):
            raise ValueError(f"study name {v!r} must be a plain folder name (letters, digits, _ . -)")
        return v

    @field_validator("language")
    @classmethod
    def _known_language(cls, v):
        """One of the languages csat has catalogs for (:data:`csat.core.i18n.LANGUAGES`)."""
        if v not in LANGUAGES:
            allowed = ", ".join(f"{k} ({name})" for k, (name, _) in LANGUAGES.items())
            raise ValueError(f"unknown language {v!r}{suggest(v, LANGUAGES)}; use one of {allowed}")
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
        if self.reverse and not self.scale.bounded:
            raise ValueError("reverse: reverse-keyed items are recoded as min + max − x, which needs scale.min "
                             "and scale.max")
        from csat.sem.syntax import NAME_RULE, is_name

        for name, c in self.constructs.items():
            if not is_name(name):
                raise ValueError(f"constructs: construct name {name!r} cannot be used in a model; use {NAME_RULE}")
            bad = [i for i in c.items if not is_name(i)]
            if bad:
                raise ValueError(f"constructs.{name}.items: item name {bad[0]!r} cannot be used in a model; "
                                 f"use {NAME_RULE} (rename the column)")
        if self.model is not None and self.model_template is not None:
            raise ValueError("give either model or model_template, not both")
        if self.model is not None:
            _check_model_for_estimator(self.model, self.estimator)
        self._check_estimator_options()
        for key, col in (("invariance.group", self.invariance and self.invariance.group),
                         ("waves.column", self.waves and self.waves.column)):
            if col and col in items:
                raise ValueError(f"{key}: {col!r} is an item; give a grouping column")
        self._check_wave_files()
        if self.ipma.target is not None and self.ipma.target not in self.constructs:
            raise ValueError(f"ipma.target: {self.ipma.target!r} is not a construct{suggest(self.ipma.target, list(self.constructs))}")
        cross_check_roles(self)
        self._check_drivers_segments()
        self._check_label_columns()
        return self

    def _check_label_columns(self) -> None:
        """``column_labels`` and ``value_labels`` name columns the study uses (a typo would silently show the
        code)."""
        known = self.data_columns
        for key, cols in (("column_labels", self.column_labels), ("value_labels", self.value_labels)):
            for col in cols:
                if col not in known:
                    raise ValueError(f"{key}: {col!r} is not a column the study uses{suggest(col, known)}")

    def _check_wave_files(self) -> None:
        """With one file per wave the waves are known before reading: ``waves.order`` must name exactly them."""
        wf = self.data.wave_files
        if wf is None or self.waves is None or self.waves.order is None:
            return
        order = [str(o) for o in self.waves.order]
        if sorted(order) != sorted(wf):
            absent = [o for o in order if o not in wf] or [w for w in wf if w not in order]
            raise ValueError(f"waves.order: {order} must list exactly the waves of data.path ({list(wf)}); "
                             f"{absent[0]!r} is {'not a wave there' if absent[0] not in wf else 'missing'}"
                             f"{suggest(absent[0], list(wf)) if absent[0] not in wf else ''}")

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
        for c in self.open_ended or {}:
            out.setdefault(c, f"open_ended.{c}")
        return out

    def _check_estimator_options(self) -> None:
        """``ordered`` names items and goes with ``wlsmv``; ``mlm`` and ``wlsmv`` take complete data."""
        items = self.items
        if isinstance(self.ordered, list):
            for i in self.ordered:
                if i not in items:
                    raise ValueError(f"ordered: {i!r} is not an item of any construct{suggest(i, items)}")
        if self.ordered_items and self.estimator != "wlsmv":
            raise ValueError(f"ordered: ordinal items are estimated by wlsmv (as lavaan), not by {self.estimator}; "
                             "set estimator: wlsmv or leave estimator out")
        if self.estimator == "wlsmv" and not self.ordered_items:
            raise ValueError("estimator: wlsmv needs ordinal items; give ordered: true (every item) or a list of items")
        if self.sem_missing == "fiml" and self.estimator in ("mlm", "wlsmv"):
            raise ValueError(f"sem_missing: fiml does not go with estimator: {self.estimator} (as in lavaan); "
                             "use estimator: mlr for robust ML with missing values")

    # -- convenience -----------------------------------------------------------------
    @property
    def ordered_items(self) -> list[str]:
        """The items analysed as ordinal: every item for ``ordered: true``, the list given, or none."""
        if self.ordered is True:
            return self.items
        return list(self.ordered) if isinstance(self.ordered, list) else []

    @property
    def sem_estimator(self) -> str:
        """The covariance-based estimator of the CFA (03/04) and invariance (04): ``estimator``, or ``ml``
        for a PLS study (its CFA is ML's)."""
        return "ml" if self.estimator == "pls" else self.estimator

    @property
    def items(self) -> list[str]:
        """All items, in construct order."""
        return [i for c in self.constructs.values() for i in c.items]

    @property
    def item_construct(self) -> dict[str, str]:
        return {i: name for name, c in self.constructs.items() for i in c.items}

    def title_text(self, language: str | None = None) -> str:
        """The study's title in ``language`` (the study's language by default); the study name without one."""
        return local_text(self.title, language or self.language) or self.study

    def construct_label(self, name: str) -> str:
        """The construct's label in the study's language: ``label_zh`` for a Chinese language (converted for
        ``zh-Hant``), else ``label``, else the name."""
        if name not in self.constructs and name in self.pls.labels:     # a higher-order construct of the PLS model
            lab = self.pls.labels[name]
            if isinstance(lab, str):
                return lab
            if is_chinese(self.language) and lab.zh:
                return localize(lab.zh, self.language)
            return lab.en or name
        c = self.constructs[name]
        if is_chinese(self.language) and c.label_zh:
            return localize(c.label_zh, self.language)
        return c.label or name

    def item_label(self, item: str) -> str:
        """The item's wording (``item_labels``) in the study's language, else the item's name."""
        lab = self.item_labels.get(item)
        if lab is None:
            return item
        if isinstance(lab, str):
            return lab
        if is_chinese(self.language) and lab.zh:
            return localize(lab.zh, self.language)
        return lab.en or lab.zh or item

    @property
    def wave_order(self) -> list | None:
        """The waves in time order: ``waves.order``, else the order of ``data.path``'s files (one per wave),
        else None (the sorted levels of the wave column)."""
        if self.waves is None:
            return None
        if self.waves.order is not None:
            return list(self.waves.order)
        wf = self.data.wave_files
        return list(wf) if wf is not None else None

    @property
    def grouping_columns(self) -> list[str]:
        """Categorical columns kept for analysis: ``groups``, ``invariance.group`` and ``waves.column``."""
        extra = [c for c in (self.invariance and self.invariance.group, self.waves and self.waves.column) if c]
        return list(dict.fromkeys(list(self.groups) + extra))

    @property
    def data_columns(self) -> list[str]:
        """Every column the study names in the data file."""
        cols = list(self.items) + list(self.groups)
        for c in (self.data.id, self.data.duration, self.recommend):
            if c:
                cols.append(c)
        cols += list(self.cleaning.attention_checks)
        cols += self.grouping_columns
        cols += list(self.extra_columns)
        return list(dict.fromkeys(cols))


def _number(v) -> float | None:
    """A missing code as a number (``"99"`` → 99.0); ``None`` for text and for booleans."""
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    try:
        return float(str(v).strip())
    except ValueError:
        return None


def cross_check_roles(p: StudyParams) -> None:
    """Raise ``ValueError`` (turned into a :class:`ParamsError` naming the key) when one column
    plays two roles, or a numeric missing code lies inside the answer scale.

    Part of the schema (run by :class:`StudyParams`' model validator): a column used in two roles
    (an item that is also a group, the id, the duration or the recommend column; a construct named
    like an item; a group listed twice), ``data.sheet`` on a file that is no workbook, a speeder rule
    without ``data.duration``, and numeric ``missing_codes`` that lie inside the answer scale
    (``missing_codes: [5]`` on a 1–10 scale would silently delete real answers).
    """
    ic = p.item_construct
    for g in p.groups:
        if g in ic:
            raise ValueError(f"groups: {g!r} is an item of construct {ic[g]!r}; a column cannot be both an item "
                             "and a group (list the group column, e.g. gender, instead)")
    if len(set(p.groups)) != len(p.groups):
        raise ValueError(f"groups: {sorted({g for g in p.groups if p.groups.count(g) > 1})[0]!r} is listed twice")
    for key, col in (("data.id", p.data.id), ("data.duration", p.data.duration), ("recommend", p.recommend)):
        if col and col in ic:
            raise ValueError(f"{key}: {col!r} is an item of construct {ic[col]!r}; a column cannot be both")
    for name in p.constructs:
        if name in ic:
            raise ValueError(f"constructs: the construct {name!r} has the same name as an item of construct "
                             f"{ic[name]!r}; give the construct another name")
    for f in p.data.files:
        if p.data.sheet is not None and Path(f).suffix.lower() not in (".xlsx", ".xlsm"):
            raise ValueError(f"data.sheet: {p.data.sheet!r} is given but {Path(f).name!r} is not an .xlsx "
                             "workbook; remove data.sheet")
    c = p.cleaning
    if (c.min_duration is not None or c.speeder_median_ratio is not None) and not p.data.duration:
        raise ValueError("cleaning.min_duration / cleaning.speeder_median_ratio is set but data.duration (the "
                         "completion-time column) is not; set data.duration or switch the speeder rule off")
    bounded = p.scale.min is not None and p.scale.max is not None     # a continuous scale may have no bounds
    lo, hi = (float(p.scale.min), float(p.scale.max)) if bounded else (None, None)
    for c in p.missing_codes:
        n = _number(c)
        if bounded and n is not None and lo <= n <= hi:
            raise ValueError(f"missing_codes: {c!r} lies inside the answer scale {lo:g}–{hi:g}, so real answers "
                             f"{n:g} would be deleted; use a code outside the scale (e.g. 99 or -1)")


#: the covariance-based estimators whose 05_sem cells are the ``%%estimator ml`` ones (same model, other statistics)
ML_BRANCH = ("ml", "mlr", "mlm", "wlsmv")


def estimator_branch(estimator: str) -> str:
    """The ``%%estimator`` cells of 05_sem that run for ``estimator``: ``ml`` for every estimator of
    :data:`ML_BRANCH`, else the estimator's own (``pls``).

    >>> estimator_branch("mlr"), estimator_branch("pls")
    ('ml', 'pls')
    """
    return "ml" if estimator in ML_BRANCH else estimator


def _check_model_for_estimator(model: str, estimator: str) -> None:
    """``model`` must suit ``estimator``: formative blocks (``<~``) need PLS; PLS takes only blocks
    and paths (see :func:`csat.sem.pls.pls_spec`).  Syntax errors are left to the stages that parse it."""
    from csat.sem.syntax import ModelSyntaxError, parse_model

    try:
        table = parse_model(model)
    except ModelSyntaxError:
        return
    if estimator != "pls" and (table["op"] == "<~").any():
        raise ValueError("model: formative blocks (<~) are estimated by PLS only; set estimator: pls or use =~")
    if estimator != "pls" and ((table["op"] == "~") & table["rhs"].str.contains(":", regex=False)).any():
        raise ValueError("model: product terms (x:z, moderation) are estimated by PLS only; set estimator: pls")
    if estimator == "pls":
        from csat.sem.pls import pls_model

        try:
            pls_model(table)
        except ModelSyntaxError as err:
            raise ValueError(f"model (estimator: pls): {err}") from None




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
            raise ParamsError(f"override {tok!r} (command line / SET=) must look like key=value")
        k, v = tok.split("=", 1)
        try:
            out[k.strip()] = yaml.safe_load(v) if v != "" else None
        except yaml.YAMLError:
            raise ParamsError(f"override {tok!r} (command line / SET=): the value is not valid YAML") from None
    return out


def _format_validation_error(path: str, err: ValidationError, overrides: dict | None = None) -> str:
    lines = []
    over = {str(k): v for k, v in (overrides or {}).items()}
    for e in err.errors():
        loc_t = tuple(x for x in e["loc"] if not (isinstance(x, str) and ("[" in x or x in ("int", "float", "str"))))
        loc = ".".join(str(x) for x in loc_t) or "(top level)"
        # a value given on the command line is blamed on the override, not on the params file
        hit = next((k for k in over if loc == k or loc.startswith(k + ".")), None)
        name = (f"override {hit}={over[hit]!r} (command line / SET=)" if hit is not None else f"key {loc!r}")
        if e["type"] == "extra_forbidden":
            parent = loc_t[:-1]
            field = loc_t[-1]
            model: Any = StudyParams
            for p in parent:
                f = getattr(model, "model_fields", {}).get(p)
                model = f.annotation if f is not None else None
            known = list(getattr(model, "model_fields", {}) or {})
            lines.append(f"unknown key {loc!r}{suggest(field, known)}")
        elif e["type"] == "missing":
            lines.append(f"missing required key {loc!r}")
        elif not loc_t and hit is None:
            lines.append(e["msg"].removeprefix("Value error, "))
        else:
            msg = e["msg"].removeprefix("Value error, ")
            lines.append(f"{name}: {msg}")
    # one problem per key: pydantic reports each member of a union (int | 'auto') separately
    lines = list(dict.fromkeys(lines))
    return f"{path}: " + "; ".join(lines)


def validate_params(raw: dict, source: str = "<params>", overrides: dict | None = None) -> StudyParams:
    """Validate a parsed params mapping (no file checks)."""
    if not isinstance(raw, dict):
        raise ParamsError(f"{source}: the file must hold a YAML mapping of keys, not {type(raw).__name__}")
    try:
        return StudyParams.model_validate(raw)
    except ValidationError as err:
        raise ParamsError(_format_validation_error(source, err, overrides)) from None


class _DuplicateKey(Exception):
    def __init__(self, key, first: int, second: int):
        super().__init__(key)
        self.key, self.first, self.second = key, first, second


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe YAML loader that refuses a key written twice in one mapping (YAML keeps the last silently)."""


def _construct_unique_mapping(loader, node, deep=False):
    seen: dict = {}
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            continue
        line = key_node.start_mark.line + 1
        if key in seen:
            raise _DuplicateKey(key, seen[key], line)
        seen[key] = line
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping)

#: Text encodings accepted for a params file, tried in order (GB18030 is a superset of GBK/GB2312,
#: the default of Chinese Windows editors).
PARAMS_ENCODINGS = ("utf-8-sig", "gb18030")


def read_params_text(path: str | Path) -> str:
    """The text of a params file: UTF-8 (with or without BOM) or GBK/GB18030."""
    path = Path(path)
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        first = err
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        line = data[: first.start].count(b"\n") + 1
        raise ParamsError(f"{path}: cannot read the file's text encoding (not UTF-8: byte {first.start}, line {line}; "
                          "not GBK/GB18030 either); save it as UTF-8") from None


def parse_params_yaml(text: str, source: str = "<params>") -> Any:
    """Parse params YAML, refusing duplicate keys; errors are :class:`ParamsError` naming ``source``."""
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)
    except _DuplicateKey as d:
        raise ParamsError(f"{source}: key {d.key!r} is written twice (lines {d.first} and {d.second}); YAML would "
                          "silently keep only the last one: delete or merge one of them") from None
    except yaml.YAMLError as err:
        raise ParamsError(f"{source}: not valid YAML: {' '.join(str(err).split())}") from None


def _schema_node(path: list[str]):
    """Follow dotted ``path`` through the schema; return (ok, known keys at the failing level)."""
    import typing

    model: Any = StudyParams
    for i, part in enumerate(path):
        fields = getattr(model, "model_fields", None)
        if fields is None:
            return True, []                     # inside a free mapping (constructs, labels, ...): any key
        if part not in fields:
            return False, list(fields)
        ann = fields[part].annotation
        nxt = None
        for a in (ann, *typing.get_args(ann)):
            if isinstance(a, type) and issubclass(a, BaseModel):
                nxt = a
                break
        if nxt is None:
            if i < len(path) - 1 and typing.get_origin(ann) is not dict and dict not in (
                    typing.get_origin(a) for a in typing.get_args(ann)):
                return False, []
            return True, []
        model = nxt
    return True, []


def check_override_keys(overrides: dict | None) -> None:
    """An override naming a key the schema does not have is the command line's mistake, said as such."""
    for k in overrides or {}:
        ok, known = _schema_node(str(k).split("."))
        if not ok:
            last = str(k).split(".")[-1]
            raise ParamsError(f"override {k}=... (command line / SET=): unknown key {k!r}{suggest(last, known)}; "
                              "the params file was not changed")


def load_params(path: str | Path, overrides: dict | None = None, *, root: str | Path | None = None) -> StudyParams:
    """Read, override and validate a study's parameter file.

    Parameters
    ----------
    path : params file (``params/<study>.yaml``).
    overrides : dotted keys to override for this run, e.g. ``{"bootstrap": 200}``.
    root : project root against which ``data.path`` is resolved (default: the parent of
        the ``params/`` folder, or the current directory).

    Returns
    -------
    StudyParams
        The validated parameters; a :class:`csat.core.errors.ParamsError` names the file and key of any
        problem.

    Examples
    --------
    >>> p = load_params(project / "params" / "ecsi.yaml", {"bootstrap": 200}, root=project)
    >>> p.study, p.scale.min, p.scale.max, p.bootstrap, list(p.constructs)[:3]
    ('ecsi', 0.0, 10.0, 200, ['IMAG', 'EXPE', 'QUAL'])
    """
    path = Path(path)
    if not path.is_file():
        raise ParamsError(f"{path}: params file not found")
    raw = parse_params_yaml(read_params_text(path), str(path))
    if raw is not None and not isinstance(raw, dict):
        raise ParamsError(f"{path}: the file must hold a YAML mapping of keys, not {type(raw).__name__}")
    check_override_keys(overrides)
    raw = apply_overrides(raw if raw is not None else {}, overrides)
    return validate_params(raw, str(path), overrides)


def _resolve(path: str, params_path: str | Path, root: str | Path | None) -> Path:
    dp = Path(path)
    if dp.is_absolute():
        return dp
    base = Path(root) if root is not None else project_root(params_path)
    return base / dp


def resolve_data_paths(p: StudyParams, params_path: str | Path, root: str | Path | None = None) -> list[Path]:
    """Every raw data file of the study (one, or one per wave), resolved against the project root."""
    return [_resolve(f, params_path, root) for f in p.data.files]


def resolve_data_path(p: StudyParams, params_path: str | Path, root: str | Path | None = None) -> Path:
    """The raw data file of a one-file study (a study with one file per wave: :func:`resolve_data_paths`)."""
    if p.data.wave_files is not None:
        raise ParamsError(f"{params_path}: key 'data.path' lists one file per wave; use resolve_data_paths")
    return _resolve(p.data.path, params_path, root)


def data_label(p: StudyParams, params_path: str | Path, root: str | Path | None = None) -> str:
    """How messages name the study's raw data: the file, or the wave files joined by `` + ``."""
    return " + ".join(str(f) for f in resolve_data_paths(p, params_path, root))




