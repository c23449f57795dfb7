"""Survey-platform exports made by the tests (no third-party files), each with the truth it was made from.

:func:`make_export` writes one export of a kind of :data:`KINDS` into a folder and returns its path and its
:class:`Truth` (the constructs with their items' short names, the scale, the groups, the recommend column, n):
what ``make new`` (:mod:`csat.intake.draft`) must infer.  The answers come from a small population model:
correlated constructs, each item ``round(mid + .9 f + .6 e)`` clipped to the scale, so every construct is
clearly one factor and the model is identified.

* ``wjx_text``  — 问卷星 按选项文本下载, CSV in GBK: ``序号, 提交答卷时间, 所用时间 (156秒), 来源, 来自IP``,
  ``1、您的性别``, matrix questions ``3、(服务1)``, answers 非常不满意 … 非常满意 and 非常不同意 … 非常同意,
  ``(跳过)``, a 0–10 recommend question and an open question;
* ``wjx_code``  — the same questionnaire 按选项序号下载 (codes, -3 for a skipped question), as XLSX;
* ``tencent``   — 腾讯问卷, CSV UTF-8: ``编号, 开始答题时间, 结束答题时间, 答题时长, IP``, ``3.请评价以下方面:服务态度``,
  7-point answers (非常不满意 … 比较满意 … 非常满意);
* ``qualtrics`` — three header rows (names ``Quality_1``, question texts ``… - Speed``, ``{"ImportId": …}``),
  numeric values 1–7, the ACSI constructs;
* ``surveymonkey`` — two header rows (the question above its first column, the sub-question or ``Response``
  below each), English answer texts;
* ``spss``      — a ``.sav`` with value labels (1 = 非常不满意 … 5 = 非常满意; 1 = 男, 2 = 女) and variable labels.
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

KINDS = ["wjx_text", "wjx_code", "tencent", "qualtrics", "surveymonkey", "spss"]

SAT5_ZH = ["非常不满意", "不满意", "一般", "满意", "非常满意"]
AGR5_ZH = ["非常不同意", "不同意", "一般", "同意", "非常同意"]
SAT7_ZH = ["非常不满意", "不满意", "比较不满意", "一般", "比较满意", "满意", "非常满意"]
SAT5_EN = ["Very dissatisfied", "Dissatisfied", "Neither satisfied nor dissatisfied", "Satisfied", "Very satisfied"]
AGR5_EN = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]


@dataclass
class Truth:
    constructs: dict[str, list[str]]
    scale: tuple[int, int]
    groups: list[str]
    recommend: str | None
    n: int
    language: str
    template: str | None = None


def _answers(n: int, sizes: list[int], points: int, rng, r: float = .45) -> list[np.ndarray]:
    """Item codes 1..points of len(sizes) correlated constructs (sizes = items per construct)."""
    k = len(sizes)
    cov = np.full((k, k), r) + (1 - r) * np.eye(k)
    f = rng.multivariate_normal(np.zeros(k), cov, size=n)
    mid = (points + 1) / 2
    spread = (points - 1) / 4
    out = []
    for j, m in enumerate(sizes):
        for _ in range(m):
            x = np.rint(mid + spread * (.9 * f[:, j] + .6 * rng.standard_normal(n)))
            out.append(np.clip(x, 1, points).astype(int))
    return out


def _times(n: int, rng) -> tuple[list[str], list[str], np.ndarray]:
    start = pd.Timestamp("2024-05-06 08:00:00")
    offs = np.sort(rng.integers(0, 13 * 24 * 3600, size=n))
    secs = rng.integers(90, 900, size=n)
    begin = [str(start + pd.Timedelta(seconds=int(o))) for o in offs]
    end = [str(start + pd.Timedelta(seconds=int(o + s))) for o, s in zip(offs, secs)]
    return begin, end, secs


def make_export(kind: str, folder: Path, n: int = 160, seed: int = 34) -> tuple[Path, Truth]:
    rng = np.random.default_rng(seed)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return globals()[f"_{kind}"](folder, n, rng)


def _wjx(folder: Path, n: int, rng, text: bool) -> tuple[Path, Truth]:
    begin, end, secs = _times(n, rng)
    sizes = [3, 3, 3, 3]
    ans = _answers(n, sizes, 5, rng)
    cols: dict[str, list] = {"序号": list(range(1, n + 1)), "提交答卷时间": end,
                             "所用时间": [f"{s}秒" for s in secs] if text else list(secs),
                             "来源": rng.choice(["微信", "手机提交", "链接"], size=n).tolist(),
                             "来源详情": ["直接访问"] * n,
                             "来自IP": [f"10.0.{i % 250}.{i % 7}(上海-上海)" for i in range(n)]}
    gender = rng.choice(["男", "女"], size=n)
    age = rng.choice(["18-25岁", "26-35岁", "36-45岁", "46岁及以上"], size=n)
    cols["1、您的性别："] = gender.tolist() if text else np.where(gender == "男", 1, 2).tolist()
    ages = ["18-25岁", "26-35岁", "36-45岁", "46岁及以上"]
    cols["2、您的年龄段："] = age.tolist() if text else [ages.index(a) + 1 for a in age]
    names = {"服务": "3", "价格": "4", "满意": "5", "忠诚": "6"}
    k = 0
    truth: dict[str, list[str]] = {}
    for stem, q in names.items():
        truth[stem] = []
        for i in range(1, 4):
            a = ans[k]
            k += 1
            labels = AGR5_ZH if stem == "忠诚" else SAT5_ZH
            vals = [labels[v - 1] for v in a] if text else a.tolist()
            for r in rng.choice(n, size=3, replace=False):
                vals[r] = "(跳过)" if text else -3          # a skipped question, as 问卷星 writes it
            cols[f"{q}、({stem}{i})"] = vals
            truth[stem].append(f"{stem}{i}")
    cols["7、您向朋友推荐我们的可能性有多大？"] = np.clip(np.rint(7 + 2 * rng.standard_normal(n)), 0, 10).astype(int).tolist()
    cols["8、您对我们还有什么建议？"] = [f"建议{i}：希望增加第{i % 37}号门店的营业时间" if i % 3 else "" for i in range(n)]
    df = pd.DataFrame(cols)
    if text:
        path = folder / "问卷星_顾客满意度.csv"
        df.to_csv(path, index=False, encoding="gbk")
    else:
        path = folder / "问卷星_顾客满意度_序号.xlsx"
        df.to_excel(path, index=False)
    return path, Truth(truth, (1, 5), ["q1", "q2"], "q7", n, "zh")


def _wjx_text(folder, n, rng):
    return _wjx(folder, n, rng, True)


def _wjx_code(folder, n, rng):
    return _wjx(folder, n, rng, False)


def _tencent(folder: Path, n: int, rng) -> tuple[Path, Truth]:
    begin, end, secs = _times(n, rng)
    ans = _answers(n, [3, 3, 3], 7, rng)
    cols: dict[str, list] = {"编号": list(range(1001, 1001 + n)), "开始答题时间": begin, "结束答题时间": end,
                             "答题时长": list(secs), "IP": [f"192.168.1.{i % 250}" for i in range(n)],
                             "1.您的性别:": rng.choice(["男", "女"], size=n).tolist(),
                             "2.您所在的城市:": rng.choice(["北京", "上海", "广州", "深圳", "成都"], size=n).tolist()}
    qs = {"3.请评价以下服务方面:": ["服务态度", "服务效率", "服务环境"],
          "4.请评价产品的质量:": ["耐用程度", "外观设计", "功能齐全"],
          "5.总体而言您是否满意:": ["总体感受", "与预期相比", "与理想相比"]}
    truth = {"服务": ["服务态度", "服务效率", "服务环境"], "感知质量": ["耐用程度", "外观设计", "功能齐全"],
             "满意度": ["总体感受", "与预期相比", "与理想相比"]}
    k = 0
    for stem, subs in qs.items():
        for s in subs:
            cols[f"{stem}{s}"] = [SAT7_ZH[v - 1] for v in ans[k]]
            k += 1
    path = folder / "腾讯问卷_门店调查.csv"
    pd.DataFrame(cols).to_csv(path, index=False, encoding="utf-8")
    return path, Truth(truth, (1, 7), ["q1", "q2"], None, n, "zh")


def _qualtrics(folder: Path, n: int, rng) -> tuple[Path, Truth]:
    begin, end, secs = _times(n, rng)
    stems = {"Expectations": ["Overall quality expected", "Meeting your needs", "Reliability expected"],
             "Quality": ["Speed", "Friendliness", "Accuracy"],
             "Value": ["Price given quality", "Quality given price", "Value for money"],
             "Satisfaction": ["Overall", "Compared with expectations", "Compared with ideal"],
             "Loyalty": ["Buy again", "First choice", "Stay if prices rise"]}
    ans = _answers(n, [3] * 5, 7, rng)
    names = ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)", "Finished",
             "RecordedDate", "ResponseId", "LocationLatitude", "LocationLongitude", "DistributionChannel",
             "UserLanguage", "Q1", "Q2"]
    texts = ["Start Date", "End Date", "Response Type", "IP Address", "Progress", "Duration (in seconds)",
             "Finished", "Recorded Date", "Response ID", "Location Latitude", "Location Longitude",
             "Distribution Channel", "User Language", "What is your gender?", "What is your age?"]
    data = [begin, end, ["0"] * n, [f"10.1.1.{i % 250}" for i in range(n)], ["100"] * n, list(secs), ["1"] * n,
            end, [f"R_{i:05d}abcXYZ" for i in range(n)], ["31.2"] * n, ["121.5"] * n, ["anonymous"] * n, ["EN"] * n,
            rng.choice(["Male", "Female"], size=n).tolist(),
            rng.choice(["18-34", "35-54", "55+"], size=n).tolist()]
    k = 0
    truth = {}
    for stem, subs in stems.items():
        truth[stem] = []
        for i, s in enumerate(subs, start=1):
            names.append(f"{stem}_{i}")
            texts.append(f"Please rate the following: {stem.lower()} - {s}")
            data.append(ans[k].tolist())
            truth[stem].append(f"{stem}_{i}")
            k += 1
    names += ["Q10", "Q11"]
    texts += ["How likely are you to recommend us to a friend or colleague?", "Anything else you want to tell us?"]
    data += [np.clip(np.rint(7 + 2 * rng.standard_normal(n)), 0, 10).astype(int).tolist(),
             [f"Comment number {i} about store {i % 41}" if i % 2 else "" for i in range(n)]]
    path = folder / "qualtrics_csat_2024.csv"
    with open(path, "w", newline="", encoding="utf-8-sig") as fh:
        w = csv.writer(fh)
        w.writerow(names)
        w.writerow(texts)
        w.writerow([json.dumps({"ImportId": f"QID{i}"}) for i in range(len(names))])
        for row in zip(*data):
            w.writerow(row)
    return path, Truth(truth, (1, 7), ["Q1", "Q2"], "Q10", n, "en", template="acsi")


def _surveymonkey(folder: Path, n: int, rng) -> tuple[Path, Truth]:
    begin, end, secs = _times(n, rng)
    ans = _answers(n, [3, 3, 3], 5, rng)
    head1 = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address", "First Name",
             "Last Name", "Custom Data 1"]
    head2 = [""] * len(head1)
    data = [[str(11000000000 + i) for i in range(n)], ["4321"] * n, begin, end,
            [f"10.2.0.{i % 250}" for i in range(n)], [""] * n, [""] * n, [""] * n, [""] * n]
    qs = {"Please rate our service": ["Service speed", "Service friendliness", "Service knowledge"],
          "Please rate our prices": ["Price level", "Price fairness", "Price transparency"],
          "Overall satisfaction": ["Overall", "Meets expectations", "Compared to ideal"]}
    truth = {"Service": ["Service_speed", "Service_friendliness", "Service_knowledge"],
             "Price": ["Price_level", "Price_fairness", "Price_transparency"],
             "Satisfaction": ["Overall", "Meets_expectations", "Compared_to_ideal"]}
    k = 0
    for q, subs in qs.items():
        for j, s in enumerate(subs):
            head1.append(q if j == 0 else "")
            head2.append(s)
            data.append([SAT5_EN[v - 1] for v in ans[k]])
            k += 1
    head1 += ["What is your gender?", "What is your age?", "How likely is it that you would recommend us to a friend?",
              "Any other comments?"]
    head2 += ["Response", "Response", "Response", "Open-Ended Response"]
    data += [rng.choice(["Female", "Male"], size=n).tolist(), rng.choice(["18-29", "30-44", "45-60", "> 60"], size=n).tolist(),
             np.clip(np.rint(8 + 2 * rng.standard_normal(n)), 0, 10).astype(int).tolist(),
             [f"Feedback {i}: the store at {i % 29} Main Street" if i % 3 else "" for i in range(n)]]
    path = folder / "SurveyMonkey-export.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(head1)
        w.writerow(head2)
        for row in zip(*data):
            w.writerow(row)
    return path, Truth(truth, (1, 5), ["gender", "age"], "recommend_friend", n, "en")


def _spss(folder: Path, n: int, rng) -> tuple[Path, Truth]:
    import pyreadstat

    ans = _answers(n, [3, 3, 3], 5, rng)
    df = pd.DataFrame({"id": np.arange(1, n + 1, dtype=float), "gender": rng.choice([1.0, 2.0], size=n),
                       "region": rng.choice([1.0, 2.0, 3.0, 4.0], size=n)})
    subs = {"q1": ["服务态度", "服务效率", "服务环境"], "q2": ["价值相对价格", "价值相对质量", "价值总体"],
            "q3": ["满意度总体", "满意度预期", "满意度理想"]}
    var_labels = {"id": "编号", "gender": "性别", "region": "地区"}
    value_labels = {"gender": {1.0: "男", 2.0: "女"}, "region": {1.0: "华东", 2.0: "华南", 3.0: "华北", 4.0: "西部"}}
    truth = {}
    k = 0
    for q, labs in subs.items():
        for i, lab in enumerate(labs, start=1):
            c = f"{q}_{i}"
            df[c] = ans[k].astype(float)
            var_labels[c] = lab
            value_labels[c] = {float(j + 1): t for j, t in enumerate(SAT5_ZH)}
            k += 1
    truth = {"服务": ["q1_1", "q1_2", "q1_3"], "价值": ["q2_1", "q2_2", "q2_3"], "满意度": ["q3_1", "q3_2", "q3_3"]}
    path = folder / "spss_survey.sav"
    pyreadstat.write_sav(df, str(path), column_labels=[var_labels[c] for c in df.columns],
                         variable_value_labels=value_labels)
    return path, Truth(truth, (1, 5), ["gender", "region"], None, n, "zh")
