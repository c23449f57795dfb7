"""The Kano model: which features delight, which are expected, which do not matter.

Each feature is asked twice (Kano et al. 1984; Berger et al. 1993): the **functional** question
("If the store offers X, how do you feel?") and the **dysfunctional** one ("If it does not offer
X, …"), each with the standard five answers coded

    1 = I like it, 2 = I expect it (must be), 3 = I am neutral, 4 = I can live with it, 5 = I dislike it.

The pair is classified with Berger et al.'s (1993, Table 1) evaluation table (rows functional,
columns dysfunctional)::

                 like  must-be  neutral  live-with  dislike
    like          Q      A        A         A         O
    must-be       R      I        I         I         M
    neutral       R      I        I         I         M
    live-with     R      I        I         I         M
    dislike       R      R        R         R         Q

A = attractive, O = one-dimensional, M = must-be, I = indifferent, R = reverse, Q = questionable.
A feature's category is the most frequent answer category; ties are broken in the order
M > O > A > I > R > Q (Berger et al.'s rule "M > O > A > I": when in doubt, the category with the
larger effect on the product's acceptance). The customer-satisfaction coefficients (Timko, in
Berger et al. 1993) are ``Better = (A + O)/(A + O + M + I)`` and ``Worse = −(O + M)/(A + O + M + I)``.

References: Kano, N., Seraku, N., Takahashi, F., & Tsuji, S. (1984). Attractive quality and
must-be quality. *Hinshitsu*, 14(2), 39–48. Berger, C., Blauth, R., Boger, D., et al. (1993).
Kano's methods for understanding customer-defined quality. *Center for Quality of Management
Journal*, 2(4), 3–36. Matzler, K., & Hinterhuber, H. H. (1998). How to make product development
projects more successful by integrating Kano's model. *Technovation*, 18, 25–38.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from csat.core.diagnostics import Diagnostic, diagnostic

CATEGORIES = ["A", "O", "M", "I", "R", "Q"]
TIE_ORDER = ["M", "O", "A", "I", "R", "Q"]
#: Berger et al. (1993) evaluation table: EVALUATION[functional - 1][dysfunctional - 1]
EVALUATION = (
    ("Q", "A", "A", "A", "O"),
    ("R", "I", "I", "I", "M"),
    ("R", "I", "I", "I", "M"),
    ("R", "I", "I", "I", "M"),
    ("R", "R", "R", "R", "Q"),
)
KANO_COLUMNS = ["feature", "n", *CATEGORIES, "category", "better", "worse", "functional", "dysfunctional"]


def classify(functional, dysfunctional) -> pd.Series:
    """Kano category of each respondent's answer pair (codes 1–5); missing or other codes -> <NA>.

    Examples
    --------
    >>> classify([1, 2, 1, 3], [5, 5, 3, 3]).tolist()
    ['O', 'M', 'A', 'I']
    """
    f = pd.Series(functional, dtype="float64") if not isinstance(functional, pd.Series) else functional.astype(float)
    d = pd.Series(dysfunctional, dtype="float64", index=f.index) if not isinstance(dysfunctional, pd.Series) \
        else dysfunctional.astype(float)
    out = []
    for a, b in zip(f.to_numpy(), d.to_numpy()):
        if np.isnan(a) or np.isnan(b) or a not in (1, 2, 3, 4, 5) or b not in (1, 2, 3, 4, 5):
            out.append(pd.NA)
        else:
            out.append(EVALUATION[int(a) - 1][int(b) - 1])
    return pd.Series(out, index=f.index, dtype="object", name="category")


def summarize(counts: Mapping[str, int]) -> dict:
    """Category by majority (ties M > O > A > I > R > Q), Better and Worse from category counts.

    Examples
    --------
    >>> r = summarize({"A": 10, "O": 30, "M": 50, "I": 10, "R": 0, "Q": 0})
    >>> r["category"], round(r["better"], 2), round(r["worse"], 2)
    ('M', 0.4, -0.8)
    """
    c = {k: int(counts.get(k, 0)) for k in CATEGORIES}
    top = max(c.values())
    cat = next(k for k in TIE_ORDER if c[k] == top) if top > 0 else None
    base = c["A"] + c["O"] + c["M"] + c["I"]
    better = (c["A"] + c["O"]) / base if base else np.nan
    worse = -(c["O"] + c["M"]) / base if base else np.nan
    return {**c, "category": cat, "better": better, "worse": worse}


def kano_table(df: pd.DataFrame, features: Mapping[str, Mapping[str, str]]) -> pd.DataFrame:
    """Counts of A/O/M/I/R/Q, the majority category, Better and Worse per feature.

    ``features`` = ``{feature: {"functional": column, "dysfunctional": column}}``. Columns
    ``feature, n, A, O, M, I, R, Q, category, better, worse, functional, dysfunctional`` (n = pairs
    with both answers valid).

    Parameters
    ----------
    df : DataFrame
        The cleaned data with the answer codes 1–5.
    features : mapping
        ``{feature: {"functional": column, "dysfunctional": column}}`` (``params.kano``).

    Returns
    -------
    DataFrame
        One row per feature.

    Examples
    --------
    >>> d = pd.DataFrame({"f_wifi": [1, 1, 2, 3, 1, 4], "d_wifi": [5, 3, 5, 3, 5, 2]})
    >>> kano_table(d, {"wifi": {"functional": "f_wifi", "dysfunctional": "d_wifi"}}).iloc[:, :11]
      feature  n  A  O  M  I  R  Q category  better  worse
    0    wifi  6  1  2  1  2  0  0        O     0.5   -0.5

    No R package gives Kano's classification; the counts follow Berger et al.'s table above (pairs
    (1, 5) → O, (1, 3) → A, (2, 5) → M, (3, 3) and (4, 2) → I).
    """
    rows = []
    for feat, spec in features.items():
        fcol, dcol = spec["functional"], spec["dysfunctional"]
        cat = classify(df[fcol], df[dcol]).dropna()
        counts = cat.value_counts().to_dict()
        rows.append({"feature": feat, "n": int(len(cat)), **summarize(counts), "functional": fcol,
                     "dysfunctional": dcol})
    return pd.DataFrame(rows, columns=KANO_COLUMNS)


def kano_diagnostics(table: pd.DataFrame) -> list[Diagnostic]:
    """Many questionable answers (Q > 5 %: the question pair was misunderstood) and close calls
    (the top two categories within 5 % of the answers: the category is uncertain).

    Parameters
    ----------
    table : DataFrame
        The table of :func:`kano_table`.

    Returns
    -------
    list of Diagnostic
        ``kano_empty``, ``kano_questionable`` (warnings), ``kano_close`` (info).
    """
    out = []
    for _, r in table.iterrows():
        if r["n"] == 0:
            out.append(diagnostic("kano_empty", "warning", str(r["feature"]), "No valid answer pair."))
            continue
        if r["Q"] / r["n"] > 0.05:
            out.append(diagnostic("kano_questionable", "warning", str(r["feature"]),
                                  "{share:.0f}% questionable answer pairs (like/like or dislike/dislike): "
                                  "the question pair may have been misunderstood.", share=100 * r["Q"] / r["n"]))
        top = sorted((r[k] for k in CATEGORIES), reverse=True)
        if top[0] - top[1] < 0.05 * r["n"]:
            out.append(diagnostic("kano_close", "info", str(r["feature"]),
                                  "The two most frequent categories differ by {gap} answers "
                                  "(< 5 %); the category is uncertain (see Better/Worse).", gap=int(top[0] - top[1])))
    return out
