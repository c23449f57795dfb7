"""`make new`: a study's params file drafted from its raw export, every choice commented.

:func:`draft_study` reads the export with the intake's reader (:func:`csat.intake.readers.read_raw`: encodings,
XLSX/SAV/DTA, 问卷星/腾讯问卷 headers, the extra header rows of Qualtrics and SurveyMonkey) and infers what a
params file says — :func:`render` writes it as commented YAML, :func:`write_draft` to ``params/<study>.yaml``
(never over an existing file; the data file is referred to where it is, nothing is copied).

What is inferred, and from what:

* **columns** by their header: the respondent id (``序号``, ``Respondent ID``, ``ResponseId`` …), the
  submission time (``提交答卷时间``, ``EndDate`` …), the duration (``所用时间``, ``Duration (in seconds)`` …), and
  the platform's columns that are left out (source, IP, location, status …);
* **items**: answers that are a standard answer scale (:mod:`csat.intake.anchors`), SPSS/Stata value labels
  that are one, or whole numbers 0–10 in a question of several columns or a question about satisfaction,
  agreement, rating …; the **scale** from the anchors' number of points, else from the observed range;
  a 0–10 question about recommending is the NPS column (``recommend``);
* **short names** (``data.rename``): the sub-question of a matrix question (``2、(服务1)`` → ``服务1``), else
  ``q<number>`` (``q5_1``) or a slug of the header; unique and valid names of the model syntax;
* **groups**: columns with 2–12 answers that are not items; **open text**: many different texts;
* **constructs**: the items of one matrix question, of a shared header stem or of a numbering ``Q5_1 …
  Q5_4``, named by the stem; without any such structure, the factors of an EFA (parallel analysis, each
  item to its largest loading) as a suggestion;
* **model**: the ACSI/ECSI template when every construct is one of its constructs
  (:func:`csat.sem.templates.canonical_name`), else the other constructs → the satisfaction-like one
  (→ loyalty and complaints), else a CFA only;
* ``language`` from the headers, ``title`` from the file name, the fieldwork dates from the submission times.

A file that cannot be a study is one :class:`csat.core.errors.DataError`: unreadable (the reader's message),
a single data row, no item-like column.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from csat.core.errors import DataError, ParamsError
from csat.intake.anchors import SCALES, match_scales, prefixed_code, standard_codes
from csat.intake.readers import missing_token, read_raw
from csat.sem.syntax import is_name
from csat.sem.templates import canonical_name

__all__ = ["Draft", "Column", "draft_study", "render", "write_draft", "ROLE_HEADERS"]

#: Headers of the platforms' own columns (casefolded, spaces removed) -> role.
ROLE_HEADERS: dict[str, list[str]] = {
    "id": ["序号", "编号", "答卷编号", "答卷序号", "用户id", "id", "respondentid", "responseid", "respondent_id",
           "response_id", "答题序号", "answerid"],
    "time": ["提交答卷时间", "提交时间", "结束答题时间", "结束时间", "完成时间", "enddate", "recordeddate", "end date",
             "submittime", "submitted", "答题结束时间"],
    "duration": ["所用时间", "答题时长", "用时", "作答时长", "答题用时", "duration(inseconds)", "duration", "durationinseconds",
                 "timetaken", "duration_sec", "duration_s", "seconds"],
    "drop": ["来源", "来源详情", "来自ip", "ip", "ipaddress", "ip地址", "地理位置", "地理位置(国家)", "地理位置(省份)",
             "地理位置(城市)", "status", "progress", "finished", "collectorid", "emailaddress", "firstname", "lastname",
             "customdata1", "自定义字段", "总分", "externalreference", "externaldatareference", "distributionchannel",
             "userlanguage", "locationlatitude", "locationlongitude", "recipientlastname", "recipientfirstname",
             "recipientemail", "startdate", "start date", "开始时间", "开始答题时间", "答题开始时间", "渠道来源", "微信昵称",
             "提交地址", "设备", "浏览器", "操作系统", "qualtrics", "ipaddress"],
}
_ROLE_INDEX = {re.sub(r"\s+", "", h).casefold(): role for role, hs in ROLE_HEADERS.items() for h in hs}

#: Words that make a single numeric 0–10 column a rating question.
RATING_WORDS = ["满意", "评价", "同意", "认同", "打分", "评分", "推荐", "符合", "重要", "可能", "感知", "体验",
                "satisf", "agree", "rate", "rating", "likely", "recommend", "important", "quality", "experience"]
RECOMMEND_WORDS = ["推荐", "recommend", "nps"]
#: Numbers that mean no answer beside 0–10 answers: 问卷星 writes -3 for a skipped question (-2 for one not shown),
#: and 98/99/999 are the usual "don't know" / "no answer" codes.
MISSING_CODES = [-3, -2, -1, 98, 99, 999, 9999]
_CJK = re.compile(r"[\u4e00-\u9fff]")
_QNUM = re.compile(r"^\s*(?:第\s*)?(\d{1,3})\s*(?:题)?\s*[、.．:：]\s*(.*)$", re.S)
_INDEXED = (re.compile(r"^(.*?[^_.\s])[_.](\d{1,3})$"), re.compile(r"^(.*?[^\d_.\s])(\d{1,3})$"))
_SEPS = "(（-—–:：|_/ 　"
_STOP = {"what", "is", "your", "are", "you", "how", "the", "of", "with", "our", "do", "did", "please", "a", "an",
         "to", "in", "on", "for", "it", "be", "any", "other", "likely", "is", "would", "which", "overall", "and", "or", "we", "us", "this", "that", "were", "was"}


@dataclass
class Column:
    """One column of the export and what the draft makes of it."""
    header: str
    name: str
    role: str = "other"           # id time duration drop item recommend group text other
    why: str = ""
    check: str = ""
    key: str | None = None        # the question it belongs to (number or stem)
    stem: str = ""
    sub: str = ""
    wording: str = ""
    points: int | None = None
    lo: float | None = None
    hi: float | None = None
    levels: int = 0
    whole: bool = True
    missing: tuple = ()           # codes that mean no answer (问卷星 -3, 99 …)


@dataclass
class Draft:
    """Everything :func:`render` writes."""
    study: str
    data_path: str
    header_rows: int
    encoding: str | None
    sheet: str | None
    n: int
    language: str
    title: str
    columns: list[Column]
    scale: tuple[float, float]
    scale_why: str
    scale_check: str = ""
    constructs: dict[str, dict] = field(default_factory=dict)
    model: str | None = None
    template: str | None = None
    model_why: str = ""
    fieldwork: tuple[str, str] | None = None
    efa_note: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def missing_codes(self) -> list[int]:
        return sorted({int(v) for c in self.columns if c.role in ("item", "recommend") for v in c.missing})

    def role(self, role: str) -> list[Column]:
        return [c for c in self.columns if c.role == role]

    @property
    def groups(self) -> list[str]:
        return [c.name for c in self.role("group")]

    @property
    def renamed(self) -> dict[str, str]:
        return {c.header: c.name for c in self.columns if c.role in ("item", "recommend", "group") and c.name != c.header}


# ----------------------------------------------------------------------------- reading
def _norm(h: str) -> str:
    return re.sub(r"\s+", "", str(h)).casefold()


def _header_rows(df: pd.DataFrame) -> int:
    """How many of the first data rows are more header rows (Qualtrics, SurveyMonkey): 0, 1 or 2."""
    k = 0
    for i in range(min(2, len(df) - 2)):
        row = df.iloc[i]
        rest = df.iloc[i + 1:]
        if any(isinstance(v, str) and (v.strip().startswith('{"ImportId"') or v.strip().casefold()
                                       in ("response", "open-ended response")) for v in row):
            k += 1
            continue
        votes = total = 0
        for c in df.columns:
            vals = rest[c].dropna()
            v = row[c]
            if vals.empty or (isinstance(v, float) and np.isnan(v)) or v is None:
                continue
            if vals.nunique() <= 12:
                total += 1
                votes += v not in set(vals.unique())
        if total and votes / total >= 0.6:
            k += 1
        else:
            break
    return k


def _read(path: Path) -> tuple[pd.DataFrame, dict]:
    df, meta = read_raw(path, allow_ragged=False)
    k = _header_rows(df)
    if k:
        df, meta = read_raw(path, header_rows=k + 1)
    return df, meta


# ----------------------------------------------------------------------------- names
def _slug(text: str) -> str:
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z0-9]*", text) if w.casefold() not in _STOP]
    return "_".join(w.lower() for w in words[:3])


def _clean_name(text: str) -> str:
    """A valid model-syntax name from a short text (spaces and punctuation → ``_``), or ''."""
    t = re.sub(r"[^\w.]+", "_", str(text).strip()).strip("_.")
    if t and t[0].isdigit():
        t = "q" + t
    return t if t and is_name(t) and len(t) <= 24 else ""


def _common_prefix(texts: list[str]) -> str:
    """The texts' common beginning, cut back to a separator (``(服务1)``, ``(服务2)`` → ``(``)."""
    p = os.path.commonprefix(texts)
    if len(texts) > 1 and p and not all(t == p for t in texts):
        cut = max(p.rfind(ch) for ch in _SEPS)
        p = p[:cut + 1] if cut >= 0 else ""
    return p


def _parse_headers(cols: list[Column], labels: dict) -> None:
    """Question keys, stems and sub-questions from the headers (and SPSS/Qualtrics question texts)."""
    for c in cols:
        m = _QNUM.match(c.header)
        c.wording = str(labels.get(c.header) or c.header)
        if m:
            c.key, c.stem = f"#{m.group(1)}", m.group(2).strip()
            continue
        if " - " in c.header:
            stem, _, sub = c.header.rpartition(" - ")
            c.key, c.stem, c.sub = f"~{stem.strip()}", stem.strip(), sub.strip()
            continue
        m = _INDEXED[0].match(c.header) or _INDEXED[1].match(c.header)
        if m and len(m.group(1)) >= 2:
            c.key, c.stem = f"@{m.group(1)}", m.group(1)
    keys = pd.Series([c.key for c in cols]).value_counts()
    by_key: dict[str, list[Column]] = {}
    for c in cols:
        if c.key is not None and keys.get(c.key, 0) >= 2:
            by_key.setdefault(c.key, []).append(c)
        elif c.key is not None and c.key.startswith("~"):
            c.key, c.stem, c.sub = None, "", ""
        elif c.key is not None and c.key.startswith("@"):
            c.key = None
    for key, members in by_key.items():
        if key.startswith("#"):
            rests = [m.stem for m in members]
            pre = _common_prefix(rests)
            for m in members:
                sub = m.stem[len(pre):].strip().strip("()（）").strip()
                m.sub = sub or m.stem
                m.stem = pre.strip().rstrip(_SEPS).strip()
        elif key.startswith("@"):
            for m in members:       # SPSS variable labels or Qualtrics question texts say what the item is
                lab = labels.get(m.header)
                m.sub = str(lab).rpartition(" - ")[2].strip() if lab else m.header


# ----------------------------------------------------------------------------- answers
def _texts(s: pd.Series) -> list[str]:
    return [v for v in s.dropna().unique() if isinstance(v, str) and missing_token(v) is None]


def _classify(c: Column, s: pd.Series, vlabels: dict | None) -> None:
    """What the answers of one column look like: c.role (provisional), points, range, levels."""
    vals = s.dropna()
    vals = vals[[not (isinstance(v, str) and missing_token(v) is not None) for v in vals]]
    c.levels = int(vals.nunique())
    if vals.empty:
        c.role, c.why = "other", "every cell is empty"
        return
    if s.dtype.kind in "biuf":
        x = vals.astype(float)
        codes = x.isin(MISSING_CODES)
        if codes.any() and not codes.all() and x[~codes].between(0, 10).mean() >= 0.98:
            c.missing = tuple(sorted(set(x[codes].astype(int))))
            x = x[~codes]
            c.levels = int(x.nunique())
        whole = bool(np.all(np.mod(x, 1) == 0))
        c.whole = whole
        c.lo, c.hi = float(x.min()), float(x.max())
        inside = x.between(0, 10)
        if 0.98 <= inside.mean() < 1 and not vlabels:     # a few typing errors (11, 12) beside 0–10 answers
            stray = sorted(set(x[~inside]))
            n_stray = int((~inside).sum())
            x = x[inside]
            c.lo, c.hi, c.levels = float(x.min()), float(x.max()), int(x.nunique())
            c.check = f"{n_stray} stray value(s) {', '.join(f'{v:g}' for v in stray[:3])}: outside the scale, set " \
                "missing by the intake"
        if vlabels:
            labs = [str(vlabels[v]) for v in sorted(vlabels) if isinstance(v, (int, float))]
            scales = match_scales(labs)
            if scales:
                c.role, c.points = "item", len(SCALES[scales[0]])
                c.why = f"SPSS/Stata value labels {labs[0]!r} … {labs[-1]!r} are a standard answer scale"
                c.lo, c.hi = float(min(vlabels)), float(max(vlabels))
                return
            if 2 <= c.levels <= 12:
                c.role, c.why = "group", f"{c.levels} levels with value labels ({', '.join(labs[:4])} …)"
                return
        if c.lo >= 0 and c.hi <= 10 and c.levels >= 2:
            c.role, c.why = "rating?", f"{'whole numbers' if whole else 'numbers'} {c.lo:g}–{c.hi:g}"
            return
        if whole and 2 <= c.levels <= 12:
            c.role, c.why = "group", f"{c.levels} codes"
            c.check = "codes without their texts: value_labels names the levels"
            return
        c.role, c.why = "other", "numbers that are no answer scale"
        return
    texts = _texts(s)
    scales = match_scales(texts)
    if scales:
        pts = sorted({len(SCALES[n]) for n in scales})
        c.role, c.points, c.lo, c.hi = "item", pts[0], 1.0, float(pts[0])
        c.why = f"answers {', '.join(texts[:3])} … are a standard {pts[0]}-point scale ({scales[0].rsplit('_', 1)[0]})"
        return
    pre = [prefixed_code(t) for t in texts]
    if texts and all(pre):
        codes = [p[0] for p in pre]
        c.role, c.lo, c.hi = "item", float(min(codes)), float(max(codes))
        c.why = f"answers carry their codes ({texts[0]!r})"
        return
    if 2 <= c.levels <= 12:
        c.role, c.why = "group", f"{c.levels} different answers ({', '.join(map(str, texts[:4]))} …)"
        return
    if c.levels > 12 and c.levels >= 0.3 * len(vals):
        c.role, c.why = "text", f"{c.levels} different texts: open answers"
        return
    c.role, c.why = "other", f"{c.levels} different answers"


def _rating_words(text: str) -> bool:
    t = text.casefold()
    return any(w in t for w in RATING_WORDS)


# ----------------------------------------------------------------------------- constructs
_CANON_LABEL = {"IMAG": ("Image", "形象"), "EXPE": ("Expectations", "期望"), "QUAL": ("Perceived quality", "感知质量"),
                "VAL": ("Perceived value", "感知价值"), "SAT": ("Satisfaction", "满意度"), "COMP": ("Complaints", "投诉"),
                "LOY": ("Loyalty", "忠诚")}
_KEYWORDS = {"SAT": ["满意", "satisf"], "LOY": ["忠诚", "推荐", "再次", "继续", "loyal", "recommend", "again"],
             "VAL": ["价值", "性价比", "value", "price"], "QUAL": ["质量", "quality"], "EXPE": ["期望", "预期", "expect"],
             "IMAG": ["形象", "image", "reputation"], "COMP": ["投诉", "抱怨", "complain"]}


def _construct_name(members: list[Column], taken: set[str]) -> tuple[str, str]:
    """(name, why) of the construct of one question's items."""
    subs = [m.sub for m in members]
    pre = os.path.commonprefix(subs).rstrip("0123456789_.- ")
    cands = []
    if len(pre) >= 2 and (_CJK.search(pre) or len(pre) >= 3):
        cands.append((pre, f"the common part of its sub-questions ({', '.join(subs[:3])} …)"))
    stem = members[0].stem
    if members[0].key and members[0].key.startswith("@"):
        cands.append((stem, f"the numbered names {members[0].header} … {members[-1].header}"))
    wording = " ".join([stem] + [m.wording for m in members[:1]])
    canon = canonical_name(stem) if stem else None
    for k, words in _KEYWORDS.items():
        if canon is None and any(w in wording.casefold() for w in words):
            canon = k
    if canon is not None:
        en, zh = _CANON_LABEL[canon]
        cands.append((zh if _CJK.search(wording) else en.split()[-1], f"the question's words ({stem[:40]!r})"))
    num = members[0].key[1:] if members[0].key and members[0].key.startswith("#") else None
    if num:
        cands.append((f"q{num}", f"question {num}"))
    cands.append((_slug(stem) or "F", "the question's words"))
    for text, why in cands:
        name = _clean_name(text)
        if name and name not in taken:
            return name, why
    base = _clean_name(cands[-1][0]) or "F"
    i = 2
    while f"{base}{i}" in taken:
        i += 1
    return f"{base}{i}", cands[-1][1]


def _item_names(cols: list[Column], taken: set[str]) -> None:
    """Short names (``data.rename``): the sub-question, else q<number>_<k>, else a slug; unique and valid."""
    counters: dict[str, int] = {}
    for c in cols:
        if c.role not in ("item", "recommend", "group"):
            continue
        if is_name(c.header) and len(c.header) <= 24 and c.header not in taken:
            c.name = c.header
            taken.add(c.name)
            continue
        opts = []
        if c.sub:
            opts.append(_clean_name(c.sub))
        if c.key and c.key.startswith("#"):
            n = c.key[1:]
            counters[n] = counters.get(n, 0) + 1
            opts.append(f"q{n}_{counters[n]}" if c.sub else f"q{n}")
        opts.append(_clean_name(_slug(c.stem or c.header)))
        name = next((o for o in opts if o and o not in taken), "")
        if not name:
            base = opts[-1] or "v"
            i = 1
            while f"{base}_{i}" in taken:
                i += 1
            name = f"{base}_{i}"
        c.name = name
        taken.add(name)


def _numeric_items(df: pd.DataFrame, items: list[Column], lo: float, hi: float) -> pd.DataFrame:
    out = {}
    for c in items:
        s = df[c.header]
        if s.dtype.kind in "biuf":
            out[c.name] = s.astype(float)
        else:
            codes = standard_codes(_texts(s), lo, hi) or {}
            out[c.name] = s.map(lambda v: codes.get(v, np.nan)).astype(float)
    return pd.DataFrame(out)


def _efa_constructs(data: pd.DataFrame, seed: int = 2024) -> tuple[dict[str, list[str]], str]:
    from csat.stats.factor import correlation_matrix, efa, parallel_analysis

    R, n, items = correlation_matrix(data, list(data.columns))
    pa = parallel_analysis(R, n, seed=seed)
    k = int(min(max(pa["n_factors"], 1), len(items) - 1))
    if k == 1:
        return {"F1": items}, f"parallel analysis retains 1 factor (n = {n})"
    fa = efa(R, k, items=items)
    L = fa["loadings"].abs()
    best = L.idxmax(axis=1)
    out: dict[str, list[str]] = {}
    for j, col in enumerate(L.columns, start=1):
        its = [i for i in items if best[i] == col]
        if its:
            out[f"F{j}"] = its
    return out, f"parallel analysis retains {k} factors (n = {n}); each item goes to its largest oblimin loading"


# ----------------------------------------------------------------------------- model
def _model(constructs: dict[str, dict]) -> tuple[str | None, str | None, str]:
    canon: dict[str, str] = {}
    for name, spec in constructs.items():
        c = canonical_name(name, spec.get("label"), spec.get("label_zh"))
        if c and c not in canon:
            canon[c] = name
        elif c:
            canon = {}
            break
    named = set(canon.values())
    if len(canon) >= 3 and "SAT" in canon and named == set(constructs):
        t = "ecsi" if "IMAG" in canon else "acsi"
        return None, t, (f"every construct is one of the {t.upper()} model's ({', '.join(sorted(canon))}), so its "
                         "template gives the paths")
    if "SAT" in canon and len(constructs) > 1:
        sat = canon["SAT"]
        outs = [canon[k] for k in ("COMP", "LOY") if k in canon]
        ins = [n for n in constructs if n != sat and n not in outs]
        lines = [f"{n} =~ " + " + ".join(s["items"]) for n, s in constructs.items()]
        if ins:
            lines.append(f"{sat} ~ " + " + ".join(ins))
        for o in outs:
            lines.append(f"{o} ~ {sat}")
        if len(lines) == len(constructs):
            return None, None, "no construct predicts another: a CFA only"
        return "\n".join(lines) + "\n", None, (f"'{sat}' looks like satisfaction: the other constructs predict it"
                                               + (f" and it predicts {', '.join(outs)}" if outs else ""))
    return None, None, "no construct looks like satisfaction: a measurement model (CFA) only"


# ----------------------------------------------------------------------------- the draft
def draft_study(data: str | Path, study: str, *, root: str | Path = ".") -> Draft:
    """Infer a study's params from its raw export (see the module docstring)."""
    root = Path(root).resolve()
    path = Path(data)
    full = path if path.is_absolute() else (root / path)
    df, meta = _read(full)
    if len(df) < 2:
        raise DataError(f"{full}: only {len(df)} data row: a study needs its respondents' answers, one per row")
    header_rows = int(meta.get("header_rows", 1))
    vlabels = meta.get("value_labels") or {}
    varlabels = meta.get("variable_labels") or {}
    cols = [Column(header=str(h), name=str(h)) for h in df.columns]
    # 1. the platform's own columns, by header
    found: set[str] = set()
    for c in cols:
        role = _ROLE_INDEX.get(_norm(c.header))
        if role and (role == "drop" or role not in found):
            c.role, c.why = role, f"the header {c.header!r}"
            found.add(role)
        elif role:
            c.role, c.why = "drop", f"the header {c.header!r} (a second {role} column)"
    for c in cols:
        if c.role == "id" and df[c.header].dropna().nunique() < 0.9 * len(df):
            c.role, c.why = "drop", f"the header {c.header!r}, but its values repeat: not an id"
    # 2. answers
    _parse_headers(cols, varlabels)
    for c in cols:
        if c.role == "other":
            _classify(c, df[c.header], vlabels.get(c.header))
    keys = pd.Series([c.key for c in cols if c.role in ("item", "rating?") and c.key]).value_counts()
    for c in cols:
        if c.role != "rating?":
            continue
        text = f"{c.header} {c.wording}".casefold()
        if any(w in text for w in RECOMMEND_WORDS) and c.hi is not None and c.hi >= 7 and "recommend" not in found:
            c.role, c.why = "recommend", f"a 0–10 question about recommending ({c.why})"
            found.add("recommend")
        elif c.key and keys.get(c.key, 0) >= 2:
            c.role, c.why = "item", f"{c.why} in a question of {keys[c.key]} columns"
        elif _rating_words(text) and c.levels >= 3 and c.whole:
            c.role, c.why = "item", f"{c.why}, and the question asks for a rating"
        elif 2 <= c.levels <= 6 and c.whole:
            c.role, c.why = "group", f"{c.levels} codes ({c.why}) of a question that is no rating"
            c.check = "codes without their texts: value_labels names the levels"
        else:
            c.role, c.why = "other", f"{c.why} of a single question that names no rating"
            c.check = "an answer scale? then add it to a construct"
    items = [c for c in cols if c.role == "item"]
    if not items:
        raise DataError(f"{full}: no column looks like answers on a rating scale (numbers 1–5, 1–7, 0–10 or standard "
                        "answer texts such as 非常满意 or Strongly agree), so no construct can be measured")
    # 3. the scale
    pts = pd.Series([c.points for c in items if c.points]).value_counts()
    scale_check = ""
    if len(pts):
        n_pts = int(pts.index[0])
        lo, hi = 1.0, float(n_pts)
        texts_or_labels = "standard answer texts" if any(df[c.header].dtype.kind not in "biuf" for c in items) \
            else "value labels"
        scale_why = f"the items' {texts_or_labels} are a {n_pts}-point scale"
    else:
        lo = float(pd.Series([c.lo for c in items]).mode().min())
        hi = float(pd.Series([c.hi for c in items]).mode().max())
        scale_why = f"most items' answers range from {lo:g} to {hi:g}"
        if lo > 1:
            lo = 1.0
            scale_check = f"no answer below {lo:g} was seen; the scale is taken to start at 1"
        wide = [c.header for c in items if c.lo < lo or c.hi > hi]
        if wide:
            scale_check = (scale_check + "; " if scale_check else "") + \
                f"{len(wide)} item(s) have answers outside {lo:g}–{hi:g} ({', '.join(h[:20] for h in wide[:3])} …): " \
                "the intake sets them missing and 01 reports them"
    for c in items:
        if c.points and c.points != hi - lo + 1:
            c.role, c.why = "other", f"{c.why}, but not on the study's scale {lo:g}–{hi:g}"
            c.check = "an item on another scale: left out"
    items = [c for c in cols if c.role == "item"]
    # 4. names
    taken = {c.header for c in cols}
    ordered = items + [c for c in cols if c.role in ("recommend", "group")]
    reserved = {c.header for c in cols} - {c.header for c in ordered}
    _item_names(ordered, set(reserved))
    names_taken = {c.name for c in cols} | taken
    # 5. constructs
    constructs: dict[str, dict] = {}
    by_key: dict[str, list[Column]] = {}
    for c in items:
        if c.key:
            by_key.setdefault(c.key, []).append(c)
    singles = [c for c in items if not c.key or len(by_key.get(c.key, [])) < 2]
    lang_zh = sum(bool(_CJK.search(c.wording)) for c in cols) >= 0.3 * len(cols)
    efa_note = ""
    for key, members in by_key.items():
        if len(members) < 2:
            continue
        name, why = _construct_name(members, names_taken | set(constructs))
        constructs[name] = {"items": [m.name for m in members], "why": f"the items of one question, named by {why}"}
    if not constructs and len(singles) >= 3:
        data = _numeric_items(df, singles, lo, hi)
        try:
            groups, efa_note = _efa_constructs(data)
        except Exception as err:            # a singular or too small matrix: one construct of them all
            groups, efa_note = {"F1": [c.name for c in singles]}, f"the EFA could not run ({err})"
        for name, its in groups.items():
            constructs[name] = {"items": its, "why": "a suggestion of the EFA", "suggested": True}
        singles = []
    leftover = []
    for c in singles:
        canon = canonical_name(_clean_name(c.header)) or next(
            (k for k, ws in _KEYWORDS.items() if any(w in c.wording.casefold() for w in ws)), None)
        if canon:
            en, zh = _CANON_LABEL[canon]
            opts = [zh, zh.rstrip("度"), en.split()[-1], canon] if lang_zh else [en.split()[-1], canon, f"{canon}_c"]
            name = next((n for n in map(_clean_name, opts) if n and n not in names_taken and n not in constructs), None)
            if name:
                constructs[name] = {"items": [c.name], "why": f"a single question about {en.lower()} ({c.header!r})"}
                continue
        leftover.append(c)
    for c in leftover:
        c.role, c.name = "other", c.header
        c.check = "an item-like column that belongs to no construct: add it to one, or leave it out"
    for name, spec in constructs.items():
        if _CJK.search(name):
            spec["label_zh"] = name
        canon = canonical_name(name)
        spec["label"] = _CANON_LABEL[canon][0] if canon else name
    model, template, model_why = _model(constructs)
    # 6. language, title, fieldwork
    language = "zh" if lang_zh else "en"
    title = re.sub(r"[_\-]+", " ", full.stem).strip() or study
    fieldwork = None
    tcol = next((c for c in cols if c.role == "time"), None)
    if tcol is not None:
        t = pd.to_datetime(df[tcol.header].astype(str), errors="coerce", format="mixed")
        if t.notna().mean() > 0.5:
            fieldwork = (t.min().date().isoformat(), t.max().date().isoformat())
    try:
        rel = full.resolve().relative_to(root)
        data_path = rel.as_posix()
    except ValueError:
        data_path = full.resolve().as_posix()
    return Draft(study=study, data_path=data_path, header_rows=header_rows, encoding=meta.get("encoding"),
                 sheet=meta.get("sheet"), n=len(df), language=language, title=title, columns=cols,
                 scale=(lo, hi), scale_why=scale_why, scale_check=scale_check, constructs=constructs, model=model,
                 template=template, model_why=model_why, fieldwork=fieldwork, efa_note=efa_note)


# ----------------------------------------------------------------------------- YAML
def _q(v) -> str:
    """A YAML scalar: plain when safe, else double-quoted (JSON strings are YAML)."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return f"{v:g}"
    s = str(v)
    if re.fullmatch(r"[A-Za-z_\u4e00-\u9fff][\w.\u4e00-\u9fff-]*", s) and s.lower() not in (
            "yes", "no", "on", "off", "true", "false", "null", "y", "n"):
        return s
    return json.dumps(s, ensure_ascii=False)


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def render(d: Draft) -> str:
    """The draft as a commented params file."""
    L: list[str] = []
    a = L.append
    a(f"# Drafted by `make new STUDY={d.study}` from {d.data_path} ({d.n} rows). Every inferred choice says why;")
    a("# `# check:` marks a guess. Edit freely: this file is the study's record from now on.")
    a("")
    a(f"study: {d.study}")
    a(f"title: {_q(d.title)}                 # from the file name")
    a(f"language: {d.language}                      # the headers are "
      + ("mostly Chinese" if d.language == "zh" else "not Chinese"))
    if d.fieldwork:
        a("survey:                           # fieldwork: first and last submission time")
        a(f"  fieldwork_start: {d.fieldwork[0]}")
        a(f"  fieldwork_end: {d.fieldwork[1]}")
    a("")
    a("data:")
    a(f"  path: {_q(d.data_path)}")
    if d.header_rows > 1:
        a(f"  header_rows: {d.header_rows}                  # the first {d.header_rows - 1} row(s) below the header "
          "are question texts (Qualtrics / SurveyMonkey)")
    if d.sheet:
        a(f"  sheet: {_q(d.sheet)}")
    for role, key in (("id", "id"), ("duration", "duration")):
        c = next(iter(d.role(role)), None)
        if c is not None:
            a(f"  {key}: {_q(c.header)}   # {c.why}")
    if d.encoding and d.encoding not in ("utf-8", "utf-8-sig"):
        a(f"  # the file's text encoding was detected as {d.encoding} (encoding: auto)")
    if d.renamed:
        a("  rename:                         # long headers -> short names used everywhere else")
        for h, n in d.renamed.items():
            a(f"    {_q(h)}: {_q(n)}")
    a("")
    lo, hi = d.scale
    a(f"scale: {{min: {_num(lo)}, max: {_num(hi)}}}            # {d.scale_why}")
    if d.missing_codes:
        a(f"missing_codes: [{', '.join(map(str, d.missing_codes))}]          # beside the answers: no answer "
          "(问卷星 writes -3 for a skipped question; 98/99 are don't-know codes)")
    if d.scale_check:
        a(f"# check: {d.scale_check}")
    a("")
    a("# Constructs and their items" + (f" ({d.efa_note})" if d.efa_note else "") + ".")
    a("constructs:")
    for name, spec in d.constructs.items():
        label = f"label: {_q(spec['label'])}"
        if spec.get("label_zh"):
            label += f", label_zh: {_q(spec['label_zh'])}"
        a(f"  # {name}: {spec['why']}")
        if spec.get("suggested"):
            a("  # check: a suggestion from the data, not from the questionnaire; name the construct, check its items")
        a(f"  {_q(name)}: {{{label}, items: [{', '.join(_q(i) for i in spec['items'])}]}}")
    items = d.role("item")
    a("")
    a("item_labels:                      # each item's question, as in the export")
    for c in items:
        text = c.wording if c.wording != c.header else f"{c.stem}: {c.sub}" if c.stem and c.sub else c.sub or c.header
        a(f"  {_q(c.name)}: {_q(text)}     # {c.why}" + (f"  # check: {c.check}" if c.check else ""))
    groups = d.role("group")
    if groups:
        a("")
        a("groups: [" + ", ".join(_q(c.name) for c in groups) + "]")
        for c in groups:
            a(f"#   {c.name}: {c.why}" + ("" if c.header == c.name else f"  ({c.header})")
              + (f"  # check: {c.check}" if c.check else ""))
    rec = next(iter(d.role("recommend")), None)
    if rec is not None:
        a(f"recommend: {_q(rec.name)}     # {rec.why}: the NPS")
    named = {}
    for c in groups + ([rec] if rec is not None else []):
        text = re.sub(r"^\s*(?:第\s*)?\d{1,3}\s*(?:题)?\s*[、.．:：]\s*", "", c.wording).strip().rstrip(":：?？ ")
        if text and text != c.name:
            named[c.name] = text
    if named:
        a("column_labels:                    # how the report names them: the question's words")
        for name, text in named.items():
            a(f"  {_q(name)}: {_q(text)}")
    a("")
    if d.template:
        a(f"# Model: {d.model_why}.")
        a(f"model_template: {d.template}")
    elif d.model:
        a(f"# Model: {d.model_why}.")
        a("# check: the paths are a starting point; write the model your study's theory says")
        a("model: |")
        for line in d.model.splitlines():
            a(f"  {line}")
    else:
        a(f"# Model: {d.model_why} (add a `model:` with paths to estimate a structural model).")
    a("")
    a("# Left out (listed so that nothing is lost silently):")
    for c in d.columns:
        if c.role in ("time", "drop", "text", "other"):
            what = {"time": "submission time (used for the fieldwork dates)", "drop": "platform column",
                    "text": "open answers (for reading, not analysed)", "other": "not used"}.get(c.role, c.role)
            a(f"#   {c.header[:60]}: {what}" + (f" — {c.why}" if c.why and c.role != "drop" else "")
              + (f"  # check: {c.check}" if c.check else ""))
    texts = d.role("text")
    if texts:
        a("# Open-text columns: " + ", ".join(c.header[:40] for c in texts))
    if d.role("duration"):
        a("")
        a("# check: the speeder rule is off; cleaning: {min_duration: <seconds>} drops faster respondents")
    return "\n".join(L) + "\n"


def write_draft(study: str, data: str | Path, *, root: str | Path = ".") -> tuple[Path, Draft]:
    """Draft ``params/<study>.yaml`` (refusing to overwrite one) and return its path and the draft."""
    from csat.config.params import parse_params_yaml, validate_params
    from csat.core.files import atomic_write_text

    root = Path(root).resolve()
    if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", study or ""):
        raise ParamsError(f"study name {study!r} must be a plain folder name (letters, digits, _ . -)")
    target = root / "params" / f"{study}.yaml"
    if target.exists():
        raise ParamsError(f"{target}: already exists; make new never overwrites a params file (choose another "
                          "STUDY or delete the file)")
    d = draft_study(data, study, root=root)
    text = render(d)
    validate_params(parse_params_yaml(text, str(target)), str(target))
    atomic_write_text(target, text)
    return target, d
