"""Seeded simulator of a CSI-style retail customer-satisfaction survey from a known population SEM.

The demo study (``params/demo.yaml``, ``data/raw/demo.csv``) is drawn from the population
below, so every estimate the pipeline produces can be compared with a known truth.  The raw
file is made by the deterministic command::

    python -m csat.intake.simulate --out data/raw/demo.csv --n 600 --seed 2024

(``n`` is the number of raw rows, duplicates included); re-running it gives a byte-identical file.

Population model
----------------
Seven standardized latent variables (variance 1), ECSI-like structural model with
standardized path coefficients (lavaan orientation, ``lhs ~ rhs``)::

    EXPE ~ IMAG   0.50
    QUAL ~ EXPE   0.55
    VAL  ~ EXPE   0.20
    VAL  ~ QUAL   0.50
    SAT  ~ IMAG   0.20
    SAT  ~ EXPE   0.10
    SAT  ~ QUAL   0.35
    SAT  ~ VAL    0.30
    COMP ~ SAT    0.50
    LOY  ~ IMAG   0.20
    LOY  ~ SAT    0.45
    LOY  ~ COMP   0.20

IMAG is exogenous.  COMP is measured, as in the ECSI, by how well complaints are handled, so
it rises with satisfaction.  Each disturbance variance is ``1 - R^2`` so that every latent variance is
exactly 1 (:func:`population` computes them and the implied latent correlation
``Phi = (I - B)^-1 Psi (I - B)^-T``; Bollen 1989, ch. 4).  Resulting R^2: EXPE 0.250,
QUAL 0.302, VAL 0.400, SAT 0.545, COMP 0.250, LOY 0.464.

Measurement model (standardized loadings of the continuous responses, 0.70-0.90)::

    IMAG  imag1 0.78  imag2 0.82  imag3 0.72  imag4 0.85  imag5 0.75
    EXPE  expe1 0.74  expe2 0.80  expe3 0.77  expe4 0.71
    QUAL  qual1 0.84  qual2 0.80  qual3 0.76  qual4 0.73  qual5 0.82
    VAL   val1 0.86   val2 0.83   val3 0.75   val4 0.80
    SAT   sat1 0.88   sat2 0.82   sat3 0.79   sat4 0.76
    COMP  comp1 0.83  comp2 0.87  comp3 0.74
    LOY   loy1 0.85   loy2 0.77   loy3 0.82   loy4 0.72   (loy4 is reverse-keyed)

The continuous response is ``y*_j = lambda_j eta + sqrt(1 - lambda_j^2) e_j`` (all standard
normal), so the implied correlation of two continuous responses is
``lambda_i lambda_j Phi[c(i), c(j)]`` (``lambda_i lambda_j`` within a construct).

Discretization to the 10-point scale (1..10)
---------------------------------------------
``x_j = clip(round(mu_j + 1.5 y*_j), 1, 10)``, i.e. thresholds
``tau_{j,k} = (k + 0.5 - mu_j) / 1.5`` for k = 1..9 on the standardized ``y*`` and
``x_j = 1 + #{k : y*_j > tau_{j,k}}``.  Item centres ``mu_j`` (the mean before rounding)::

    imag 6.6 7.0 5.8 6.3 6.0 | expe 6.8 6.5 6.2 6.4 | qual 6.7 6.9 6.3 6.1 6.4
    val 5.8 5.5 5.4 5.9 | sat 6.5 6.4 5.9 6.7 | comp 5.7 5.4 6.0 | loy 6.6 5.6 6.2 6.3

The discretization is mild (at most ~5 % of answers at the ceiling): it multiplies each item's
correlation with its continuous response by ``c_j`` = 0.979-0.982.  The exact post-discretization
means, covariances and correlations are computed by :meth:`Population.item_moments` with the
Hermite (Mehler) expansion ``cov(x_i, x_j) = sum_m rho^m A_im A_jm / m!`` where
``A_jm = sum_k phi(tau_jk) He_{m-1}(tau_jk)`` (Kendall & Stuart, vol. 2, bivariate normal
tetrachoric series).  ``loy4`` is worded negatively ("I am likely to switch to another
retailer soon") and written to the raw file as ``11 - x``; the cleaning's ``min + max - x``
recode restores ``x``.  The same tables, rendered from :func:`population`, are in
``docs/demo_population.md`` (``python -m csat.intake.simulate --population-doc docs/demo_population.md``).

Exact latent moments for the analysed respondents
-------------------------------------------------
The demo is a worked example whose estimates are compared with the population values, so the
sampling error of the latent draw is taken out: for the respondents who pass cleaning (546 of
the 600 rows) the seven standard-normal disturbances are rescaled to a sample mean of exactly 0
and a sample covariance of exactly the identity (:func:`exact_moments`, the device of
``MASS::mvrnorm(empirical = TRUE)``), so their true construct scores have exactly the population
correlations ``Phi`` and exactly the population structural coefficients.  The item errors stay
ordinary random draws: measurement error, the rounding to 1..10 and the missing answers (listwise
deletion) still move the estimates, and the fit statistics (chi-square, RMSEA, ...) behave as for
a random sample.  In a Monte Carlo check of this design (``python -m csat.intake.simulate
--design-check 150``: 150 samples of 546 with 463 complete cases per design, :func:`design_check`)
all 12 paths were within 1.96 sampling SDs of their population values in 94 % of the samples,
against 55 % for fully random samples, where each single path is within in 95 % of samples (with
12 intervals, one miss or more is common); the mean chi-square was 370 and 374 on 365 df.  :func:`simulate_responses` and
``simulate_study(..., exact_moments_valid=False)`` draw fully random samples; the recovery tests
at n = 5000 use those.

Raw study file (:func:`simulate_study`)
---------------------------------------
Columns: ``respondent_id`` (``R00001``...), ``gender`` (female .54 / male .46),
``age_band`` (18-24 .14, 25-34 .24, 35-44 .23, 45-54 .20, 55+ .19), ``region`` (North .27,
South .26, East .25, West .22), ``channel`` (store .55, online .30, app .15), ``duration``
(seconds, lognormal: ``exp(log 420 + 0.4 z)``, redrawn below 150 s for valid respondents),
the items, an attention check ``attn`` ("please answer 3", placed after the quality block), and
``nps`` (0-10 likelihood to recommend: ``clip(round(7 + 2 r), 0, 10)`` with
``r = 0.45 SAT + 0.35 LOY + e`` standardized; missing for break-offs).  Demographics are
independent of the answers.  The last 20 columns (:func:`simulate_extras`, their own random stream
``default_rng([seed, 6])``, so all columns above are the same with or without them) are four Kano
feature pairs ``kano_<f>_f``/``kano_<f>_d`` (answers 1-5; true categories selfcheckout A,
delivery O, cleanliness M, app I) and three SERVQUAL dimensions of two expectation/perception
pairs ``sq_<d><i>_e``/``_p`` (1-10; true gaps before rounding tangibles 0, reliability -1,
responsiveness -0.5), 2 % blank.  After them come the answers to an open question (:func:`simulate_open_ended`, their
own stream ``default_rng([seed, 8])``): ``comment`` in Chinese and ``comment_en`` the same answers in English,
25 % empty, 10 % non-answers, the rest mentioning seven themes with probabilities tied to the true SAT score
(queues and prices go with dissatisfaction; :data:`OPEN_ENDED_THEMES`).  :func:`simulate_segments` draws samples made of k segments
with known membership (for the clustering tests; the demo's constructs have no segments).

Injected defects (counts ``round(rate * n)``; each defective respondent violates exactly one
cleaning rule, so the cleaning's exclusion counts in the fixed rule order equal
``truth["injected"]``):

1. ``duplicates`` (1.5 %): an exact copy of a valid respondent's row (same ``respondent_id``),
   placed a few rows after the original;
2. ``speeders`` (2 %): ``duration`` uniform in 40-115 s (``min_duration`` = 120);
3. ``straightlining`` (1.5 %): the same raw answer (5..10) to every item (``loy4`` included,
   so the rule must look at the answers as given, before the reverse recode), ``attn`` = 3;
4. ``attention_checks`` (2.5 %): ``attn`` != 3 and careless (uniform random) answers;
5. ``max_missing_share`` (1.5 %): break-off after the attention check, 9-16 of the 29 items
   missing (blank, some coded 99) — always > 20 % of the items.

Valid respondents have at most 2 of 29 items missing (6.9 %): missing codes 99 and blanks are
sprinkled in, and a few out-of-range entries (0, 11, 12; 1 % of n) whose positions are listed
in ``truth["out_of_range"]``.  No valid row is constant across its observed items.
"""
from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.special import ndtr

# --------------------------------------------------------------------------------------
# Population values (immutable constants; documented in the module docstring above)
# --------------------------------------------------------------------------------------
CONSTRUCTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("IMAG", ("imag1", "imag2", "imag3", "imag4", "imag5")),
    ("EXPE", ("expe1", "expe2", "expe3", "expe4")),
    ("QUAL", ("qual1", "qual2", "qual3", "qual4", "qual5")),
    ("VAL", ("val1", "val2", "val3", "val4")),
    ("SAT", ("sat1", "sat2", "sat3", "sat4")),
    ("COMP", ("comp1", "comp2", "comp3")),
    ("LOY", ("loy1", "loy2", "loy3", "loy4")),
)
LOADINGS: dict[str, float] = {
    "imag1": 0.78, "imag2": 0.82, "imag3": 0.72, "imag4": 0.85, "imag5": 0.75,
    "expe1": 0.74, "expe2": 0.80, "expe3": 0.77, "expe4": 0.71,
    "qual1": 0.84, "qual2": 0.80, "qual3": 0.76, "qual4": 0.73, "qual5": 0.82,
    "val1": 0.86, "val2": 0.83, "val3": 0.75, "val4": 0.80,
    "sat1": 0.88, "sat2": 0.82, "sat3": 0.79, "sat4": 0.76,
    "comp1": 0.83, "comp2": 0.87, "comp3": 0.74,
    "loy1": 0.85, "loy2": 0.77, "loy3": 0.82, "loy4": 0.72,
}
ITEM_CENTRES: dict[str, float] = {
    "imag1": 6.6, "imag2": 7.0, "imag3": 5.8, "imag4": 6.3, "imag5": 6.0,
    "expe1": 6.8, "expe2": 6.5, "expe3": 6.2, "expe4": 6.4,
    "qual1": 6.7, "qual2": 6.9, "qual3": 6.3, "qual4": 6.1, "qual5": 6.4,
    "val1": 5.8, "val2": 5.5, "val3": 5.4, "val4": 5.9,
    "sat1": 6.5, "sat2": 6.4, "sat3": 5.9, "sat4": 6.7,
    "comp1": 5.7, "comp2": 5.4, "comp3": 6.0,
    "loy1": 6.6, "loy2": 5.6, "loy3": 6.2, "loy4": 6.3,
}
PATHS: tuple[tuple[str, str, float], ...] = (
    ("EXPE", "IMAG", 0.50),
    ("QUAL", "EXPE", 0.55),
    ("VAL", "EXPE", 0.20), ("VAL", "QUAL", 0.50),
    ("SAT", "IMAG", 0.20), ("SAT", "EXPE", 0.10), ("SAT", "QUAL", 0.35), ("SAT", "VAL", 0.30),
    ("COMP", "SAT", 0.50),
    ("LOY", "IMAG", 0.20), ("LOY", "SAT", 0.45), ("LOY", "COMP", 0.20),
)
REVERSED_ITEM = "loy4"
SCALE_MIN, SCALE_MAX = 1, 10
SCALE_SD = 1.5                     # points of the 1..10 scale per SD of the continuous response
ATTENTION_COLUMN, ATTENTION_VALUE = "attn", 3
MIN_DURATION = 120                 # speeder threshold (params: cleaning.min_duration)
MISSING_CODE = 99
DEFECT_RATES: tuple[tuple[str, float], ...] = (
    ("duplicates", 0.015), ("speeders", 0.02), ("straightlining", 0.015),
    ("attention_checks", 0.025), ("max_missing_share", 0.015),
)
GROUPS: tuple[tuple[str, tuple[str, ...], tuple[float, ...]], ...] = (
    ("gender", ("female", "male"), (0.54, 0.46)),
    ("age_band", ("18-24", "25-34", "35-44", "45-54", "55+"), (0.14, 0.24, 0.23, 0.20, 0.19)),
    ("region", ("North", "South", "East", "West"), (0.27, 0.26, 0.25, 0.22)),
    ("channel", ("store", "online", "app"), (0.55, 0.30, 0.15)),
)
_HERMITE_TERMS = 200

# Extra blocks of the demo file (drawn from their own random stream, seed [seed, 6], appended as
# the last columns, so the columns above stay byte-identical): Kano pairs and SERVQUAL items.
#: feature -> (true Kano category, share of respondents answering in it); the rest spread evenly
#: over the other categories of A/O/M/I, and 2 % give a reverse or questionable pair.
KANO_FEATURES: tuple[tuple[str, str, float], ...] = (
    ("selfcheckout", "A", 0.55), ("delivery", "O", 0.50), ("cleanliness", "M", 0.60), ("app", "I", 0.55),
)
KANO_NOISE = 0.02
#: SERVQUAL dimension -> (true mean gap P - E on the 1..10 scale, number of item pairs)
SERVQUAL_DIMENSIONS: tuple[tuple[str, float, int], ...] = (
    ("tangibles", 0.0, 2), ("reliability", -1.0, 2), ("responsiveness", -0.5, 2),
)
SERVQUAL_E_CENTRE, SERVQUAL_SD = 7.5, 1.4
EXTRA_BLANK_SHARE = 0.02

# The open question (its own random stream, seed [seed, 8], drawn after everything else and appended as the
# last two columns, so every column above stays byte-identical): "Any comments or suggestions?" in Chinese
# (``comment``) and the same answers in English (``comment_en``). Each respondent who answers mentions theme t
# with probability logistic(a_t + b_t * SAT), SAT the true standardized satisfaction: b < 0 are what the
# dissatisfied talk about. (theme, a, b, Chinese phrases, English phrases); each phrase holds a keyword of its
# theme (OPEN_ENDED_KEYWORDS) and none of another theme's.
OPEN_ENDED_THEMES: tuple[tuple[str, float, float, tuple[str, ...], tuple[str, ...]], ...] = (
    ("queue", -1.7, -1.1, ("结账排队时间太长", "收银台太少，排队很久", "高峰期排队结账慢", "排队的人太多了"),
     ("the checkout queues are too long", "too few tills open, long queue", "checkout is slow at peak times",
      "always a queue at the tills")),
    ("price", -1.5, -0.8, ("价格偏贵", "东西太贵了", "价格比别家高", "希望价格再便宜一点"),
     ("prices are a bit high", "things are too expensive", "prices higher than other shops", "wish prices were lower")),
    ("stock", -2.2, -0.4, ("经常缺货", "想买的东西断货", "品种不够多", "热门商品老是缺货"),
     ("items often out of stock", "what I want is out of stock", "the range is too small",
      "popular products are often out of stock")),
    ("staff", -1.8, 0.7, ("店员服务态度很好", "员工热情周到", "服务态度好", "店员很耐心"),
     ("the staff are very friendly", "friendly and helpful staff", "staff always help", "very friendly service")),
    ("quality", -1.6, 0.6, ("商品质量不错", "蔬菜水果很新鲜", "质量有保证", "肉类新鲜"),
     ("good product quality", "fruit and vegetables are fresh", "quality is reliable", "the meat is fresh")),
    ("environment", -2.0, 0.5, ("店里干净整洁", "购物环境好", "环境舒适", "货架整洁"),
     ("the store is clean and tidy", "a pleasant shopping environment", "clean store", "tidy shelves")),
    ("parking", -2.4, 0.0, ("停车不方便", "停车位太少", "希望增加停车位", "停车难"),
     ("parking is difficult", "too few parking spaces", "more parking please", "hard to find parking")),
)
#: the keywords of each theme (Chinese and English), as params/demo.yaml lists them
OPEN_ENDED_KEYWORDS: dict[str, tuple[str, ...]] = {
    "queue": ("排队", "收银", "结账慢", "queue", "checkout", "till"),
    "price": ("价格", "太贵", "偏贵", "price", "expensive"),
    "stock": ("缺货", "断货", "品种", "out of stock", "range"),
    "staff": ("服务态度", "店员", "员工", "staff", "friendly"),
    "quality": ("质量", "新鲜", "quality", "fresh"),
    "environment": ("干净", "整洁", "环境", "clean", "tidy", "environment"),
    "parking": ("停车", "parking"),
}
#: answers without any theme (Chinese, English) and non-answers; shares of empty, non-answer and answer
OPEN_ENDED_OTHER = (("希望越来越好", "继续加油", "总体还行", "还可以吧", "会继续来的"),
                    ("hope you keep getting better", "keep it up", "overall okay", "it's alright", "will come back"))
OPEN_ENDED_NON_ANSWERS = (("无", "没有", "暂无", "。", "无。", "没有意见"), ("no", "none", "n/a", ".", "Nothing.", "no comment"))
OPEN_ENDED_KINDS = (("empty", 0.25), ("non_answer", 0.10), ("answer", 0.65))


def _items() -> list[str]:
    return [i for _, items in CONSTRUCTS for i in items]


def _latent_names() -> list[str]:
    return [c for c, _ in CONSTRUCTS]


def _thresholds(centres: np.ndarray, sd: float = SCALE_SD) -> np.ndarray:
    """Thresholds on the standardized response: ``tau_k = (k + 0.5 - mu) / sd``, k = 1..9."""
    k = np.arange(SCALE_MIN, SCALE_MAX, dtype=float)
    return (k[None, :] + 0.5 - np.asarray(centres, float)[:, None]) / sd


def _discretize(ystar: np.ndarray, centres: np.ndarray, sd: float = SCALE_SD) -> np.ndarray:
    """``clip(round(mu + sd * y*), 1, 10)`` (equivalently ``1 + #{k: y* > tau_k}``)."""
    x = np.floor(centres[None, :] + sd * ystar + 0.5)
    return np.clip(x, SCALE_MIN, SCALE_MAX).astype(np.int64)


def _structural_solution(names: list[str], paths) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return ``B``, disturbance variances ``psi`` (so every latent variance is 1) and ``Phi``.

    With ``eta = B eta + zeta`` (recursive model, variables listed in causal order) the
    disturbance variance of an endogenous ``eta_j`` with coefficients ``b`` on its
    predictors ``P`` is ``psi_j = 1 - b' Phi[P, P] b`` and
    ``Phi = (I - B)^-1 diag(psi) (I - B)^-T`` (Bollen 1989, eq. 4.8).
    """
    k = len(names)
    pos = {n: i for i, n in enumerate(names)}
    B = np.zeros((k, k))
    for lhs, rhs, b in paths:
        B[pos[lhs], pos[rhs]] = b
    if np.any(np.triu(B) != 0):
        raise ValueError("structural model must be recursive with variables in causal order")
    psi = np.ones(k)
    for j in range(k):
        inv = np.linalg.inv(np.eye(k) - B)
        phi = inv @ np.diag(psi) @ inv.T
        pred = np.nonzero(B[j])[0]
        if pred.size:
            b = B[j, pred]
            psi[j] = 1.0 - b @ phi[np.ix_(pred, pred)] @ b
            if psi[j] <= 0:
                raise ValueError(f"path coefficients into {names[j]} imply R^2 >= 1")
    inv = np.linalg.inv(np.eye(k) - B)
    phi = inv @ np.diag(psi) @ inv.T
    return B, psi, (phi + phi.T) / 2


def _hermite_coefficients(tau: np.ndarray, n_terms: int = _HERMITE_TERMS) -> np.ndarray:
    """Normalized Hermite coefficients ``a_m = A_m / sqrt(m!)`` of step sums (rows of ``tau``).

    For ``x = c + sum_k 1[Y > tau_k]`` with ``Y ~ N(0, 1)``:
    ``A_m = E[x He_m(Y)] = sum_k phi(tau_k) He_{m-1}(tau_k)``; uses the normalized recursion
    ``h_{m+1} = (t h_m - sqrt(m) h_{m-1}) / sqrt(m + 1)`` to avoid overflow.
    """
    tau = np.atleast_2d(tau)
    dens = np.exp(-0.5 * tau ** 2) / math.sqrt(2 * math.pi)
    out = np.empty((tau.shape[0], n_terms))
    h_prev, h = np.zeros_like(tau), np.ones_like(tau)          # h_{-1}, h_0
    for m in range(1, n_terms + 1):                               # uses h_{m-1}
        out[:, m - 1] = (dens * h).sum(axis=1) / math.sqrt(m)
        h_prev, h = h, (tau * h - math.sqrt(m - 1) * h_prev) / math.sqrt(m)
    return out


def _step_variance(tau: np.ndarray) -> np.ndarray:
    """Exact ``var(sum_k 1[Y > tau_k])`` = sum_{k,l} [Q(max(tau_k, tau_l)) - Q(tau_k) Q(tau_l)]."""
    q = ndtr(-tau)                                                # P(Y > tau)
    qmax = ndtr(-np.maximum(tau[:, :, None], tau[:, None, :]))
    return (qmax - q[:, :, None] * q[:, None, :]).sum(axis=(1, 2))


@dataclass(frozen=True)
class Population:
    """Known population of the demo study (see the module docstring).

    Attributes
    ----------
    constructs : construct -> list of items.
    paths : tidy structural coefficients ``lhs, op, rhs, std`` (lavaan orientation, op ``~``).
    loadings : tidy ``lhs, op, rhs, std, std_discrete`` (op ``=~``); ``std`` is the loading of
        the continuous response, ``std_discrete`` = ``std * c_j`` that of the 1..10 item.
    latent_cor : implied latent correlation matrix ``Phi`` (DataFrame).
    r2 : R^2 of each endogenous latent; ``psi`` : disturbance variances (``1 - R^2``; 1 for IMAG).
    centres : item centres ``mu_j``; ``scale_sd`` : points per SD; ``thresholds`` : items x 9.
    reverse : the reverse-keyed item.
    """

    constructs: dict
    paths: pd.DataFrame
    loadings: pd.DataFrame
    latent_cor: pd.DataFrame
    r2: pd.Series
    psi: pd.Series
    centres: pd.Series
    scale_sd: float
    thresholds: pd.DataFrame
    reverse: str

    @property
    def items(self) -> list[str]:
        return [i for items in self.constructs.values() for i in items]

    def item_cor_continuous(self) -> pd.DataFrame:
        """Implied correlation of the continuous responses: ``Lambda Phi Lambda'`` with unit diagonal."""
        lam = self._lambda_matrix()
        r = lam @ self.latent_cor.to_numpy() @ lam.T
        np.fill_diagonal(r, 1.0)
        return pd.DataFrame(r, index=self.items, columns=self.items)

    def _lambda_matrix(self) -> np.ndarray:
        names = list(self.constructs)
        lam = np.zeros((len(self.items), len(names)))
        for row, (lhs, item, std) in enumerate(self.loadings[["lhs", "rhs", "std"]].itertuples(index=False)):
            lam[row, names.index(lhs)] = std
        return lam

    def item_moments(self) -> tuple[pd.Series, pd.DataFrame, pd.DataFrame]:
        """Exact mean, covariance and correlation of the discretized 1..10 items (analysis keying).

        ``E[x_j] = 1 + sum_k Q(tau_jk)``; ``cov(x_i, x_j) = sum_{m>=1} rho_ij^m a_im a_jm``
        (Mehler expansion, 200 terms; ``rho_ij`` the continuous correlation);
        ``var(x_j)`` from the exact step-function formula.
        """
        tau = self.thresholds.to_numpy()
        mean = 1.0 + ndtr(-tau).sum(axis=1)
        a = _hermite_coefficients(tau)
        rho = self.item_cor_continuous().to_numpy()
        powers = rho[:, :, None] ** np.arange(1, a.shape[1] + 1)[None, None, :]
        cov = np.einsum("ijm,im,jm->ij", powers, a, a)
        var = _step_variance(tau)
        np.fill_diagonal(cov, var)
        sd = np.sqrt(var)
        cor = cov / np.outer(sd, sd)
        idx = self.items
        return (pd.Series(mean, index=idx), pd.DataFrame(cov, index=idx, columns=idx),
                pd.DataFrame(cor, index=idx, columns=idx))


def population() -> Population:
    """The demo study's population (structural paths, loadings, implied latent correlations).

    Disturbance variances are set so every latent variance is 1; ``Phi`` follows Bollen (1989,
    eq. 4.8).  The discrete loading is ``lambda_j c_j`` with ``c_j = a_j1 / sd(x_j)`` =
    ``corr(x_j, y*_j)``, ``a_j1 = sum_k phi(tau_jk)`` (Stein's lemma).
    """
    names = _latent_names()
    items = _items()
    _, psi, phi = _structural_solution(names, PATHS)
    paths = pd.DataFrame([(l, "~", r, b) for l, r, b in PATHS], columns=["lhs", "op", "rhs", "std"])
    centres = np.array([ITEM_CENTRES[i] for i in items])
    tau = _thresholds(centres)
    c = np.exp(-0.5 * tau ** 2).sum(axis=1) / math.sqrt(2 * math.pi) / np.sqrt(_step_variance(tau))
    rows = []
    for j, item in enumerate(items):
        construct = next(n for n, its in CONSTRUCTS if item in its)
        rows.append((construct, "=~", item, LOADINGS[item], LOADINGS[item] * c[j]))
    loadings = pd.DataFrame(rows, columns=["lhs", "op", "rhs", "std", "std_discrete"])
    return Population(
        constructs={n: list(its) for n, its in CONSTRUCTS},
        paths=paths,
        loadings=loadings,
        latent_cor=pd.DataFrame(phi, index=names, columns=names),
        r2=pd.Series(1.0 - psi, index=names).drop("IMAG"),
        psi=pd.Series(psi, index=names),
        centres=pd.Series(centres, index=items),
        scale_sd=SCALE_SD,
        thresholds=pd.DataFrame(tau, index=items, columns=[f"t{k}" for k in range(1, 10)]),
        reverse=REVERSED_ITEM,
    )


def population_syntax() -> str:
    """lavaan syntax of the population model (measurement for all 7 constructs + structural paths)."""
    lines = ["# measurement model"]
    lines += [f"{name} =~ {' + '.join(items)}" for name, items in CONSTRUCTS]
    lines.append("# structural model")
    order = list(dict.fromkeys(lhs for lhs, _, _ in PATHS))
    for lhs in order:
        lines.append(f"{lhs} ~ {' + '.join(r for l, r, _ in PATHS if l == lhs)}")
    return "\n".join(lines) + "\n"


def population_markdown() -> str:
    """The population of the demo study as Markdown (written to ``docs/demo_population.md``).

    Regenerate with ``python -m csat.intake.simulate --population-doc docs/demo_population.md``.
    """
    pop = population()
    out = ["# Demo study: the population it is drawn from", "",
           "Generated by `python -m csat.intake.simulate --population-doc docs/demo_population.md` from",
           "`csat.intake.simulate.population()`; the data file `data/raw/demo.csv` is made by",
           "`python -m csat.intake.simulate --out data/raw/demo.csv --n 600 --seed 2024`.",
           "See the docstring of `src/csat/simulate.py` for the generating process and the injected defects.",
           "",
           "The true construct scores of the 546 respondents who pass cleaning have exactly the population",
           "correlations and structural coefficients below (their latent disturbances are rescaled to exact",
           "moments, as `MASS::mvrnorm(empirical = TRUE)`); item errors, rounding and missing answers are",
           "random, so the demo's estimates differ from these values by measurement and missing-data error only.",
           "Check the design with `python -m csat.intake.simulate --design-check 150`.",
           "", "## Structural model (standardized path coefficients)", "",
           "| lhs | op | rhs | std |", "| --- | --- | --- | --- |"]
    out += [f"| {r.lhs} | ~ | {r.rhs} | {r.std:.2f} |" for r in pop.paths.itertuples()]
    out += ["", "R² of the endogenous constructs: "
            + ", ".join(f"{k} {v:.3f}" for k, v in pop.r2.items()) + ".", "",
            "## Implied latent correlations", "",
            "| | " + " | ".join(pop.latent_cor.columns) + " |",
            "| --- |" + " --- |" * len(pop.latent_cor.columns)]
    out += [f"| {i} | " + " | ".join(f"{v:.3f}" for v in row) + " |"
            for i, row in zip(pop.latent_cor.index, pop.latent_cor.to_numpy())]
    out += ["", "## Measurement model", "",
            "`std`: loading of the continuous response; `std_discrete`: loading of the 1–10 item after",
            f"discretization `clip(round(centre + {pop.scale_sd} y*), 1, 10)`; `mean`: exact item mean.",
            f"`{pop.reverse}` is reverse-keyed in the raw file (written as 11 − x).", "",
            "| construct | item | std | std_discrete | centre | mean |", "| --- | --- | --- | --- | --- | --- |"]
    mean = pop.item_moments()[0]
    out += [f"| {r.lhs} | {r.rhs} | {r.std:.2f} | {r.std_discrete:.3f} | {pop.centres[r.rhs]:.1f} | {mean[r.rhs]:.3f} |"
            for r in pop.loadings.itertuples()]
    return "\n".join(out) + "\n"


def exact_moments(z: np.ndarray) -> np.ndarray:
    """Rescale standard-normal draws so their sample mean is exactly 0 and their (biased) sample
    covariance exactly the identity: ``(z - mean) L^-T`` with ``L L' = cov(z)`` (Cholesky).

    The device of ``MASS::mvrnorm(..., empirical = TRUE)`` (Venables & Ripley 2002): data built
    from such draws have sample moments equal to the population moments.  Needs more rows than
    columns.
    """
    z = np.asarray(z, dtype=float)
    if z.shape[0] <= z.shape[1]:
        raise ValueError(f"exact moments need more rows ({z.shape[0]}) than variables ({z.shape[1]})")
    c = z - z.mean(axis=0)
    L = np.linalg.cholesky(c.T @ c / len(c))
    return np.linalg.solve(L, c.T).T


def _normals(n: int, rng: np.random.Generator, exact_rows: np.ndarray | None = None) -> np.ndarray:
    """Standard normals for the 7 disturbances and the 29 item errors (n x 36); the disturbances
    of the rows in ``exact_rows`` are rescaled with :func:`exact_moments`."""
    k = len(CONSTRUCTS)
    z = rng.standard_normal((n, k + len(LOADINGS)))
    if exact_rows is not None:
        z[np.ix_(exact_rows, np.arange(k))] = exact_moments(z[np.ix_(exact_rows, np.arange(k))])
    return z


def _latent_and_items(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``eta = (I - B)^-1 zeta`` with ``zeta = sqrt(psi) z[:, :7]`` (n x 7) and the discretized
    items in analysis keying, ``y* = lambda eta + sqrt(1 - lambda^2) z[:, 7:]`` (n x 29, int)."""
    names = _latent_names()
    items = _items()
    B, psi, _ = _structural_solution(names, PATHS)
    k = len(names)
    eta = (z[:, :k] * np.sqrt(psi)) @ np.linalg.inv(np.eye(k) - B).T
    lam = np.array([LOADINGS[i] for i in items])
    col = np.array([names.index(next(n for n, its in CONSTRUCTS if i in its)) for i in items])
    ystar = eta[:, col] * lam + z[:, k:] * np.sqrt(1.0 - lam ** 2)
    return eta, _discretize(ystar, np.array([ITEM_CENTRES[i] for i in items]))


def simulate_responses(n: int, seed: int, raw_keying: bool = False) -> pd.DataFrame:
    """Clean 1..10 answers of ``n`` respondents drawn from :func:`population` (no defects).

    Columns are the 29 items in construct order (int64).  By default the reverse-keyed item
    ``loy4`` is in analysis keying (as after the cleaning's recode), so the population values
    apply directly; ``raw_keying=True`` returns it as written to the raw file (``11 - x``).
    """
    n = _check_n(n, 1)
    rng = np.random.default_rng(seed)
    _, x = _latent_and_items(_normals(n, rng))
    df = pd.DataFrame(x, columns=_items())
    if raw_keying:
        df[REVERSED_ITEM] = SCALE_MIN + SCALE_MAX - df[REVERSED_ITEM]
    return df


def _check_n(n, minimum: int) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < minimum:
        raise ValueError(f"n must be an integer >= {minimum}, got {n!r}")
    return int(n)


def _durations(n: int, rng: np.random.Generator, floor: float = 150.0) -> np.ndarray:
    """Lognormal completion times ``exp(log 420 + 0.4 z)``, values below ``floor`` redrawn."""
    d = np.exp(np.log(420.0) + 0.4 * rng.standard_normal(n))
    low = d < floor
    while low.any():
        d[low] = np.exp(np.log(420.0) + 0.4 * rng.standard_normal(int(low.sum())))
        low = d < floor
    return np.round(d).astype(np.int64)


def _nps(eta: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """0..10 recommend score: ``clip(round(7 + 2 r), 0, 10)``, ``r = 0.45 SAT + 0.35 LOY + e`` (var 1)."""
    names = _latent_names()
    _, _, phi = _structural_solution(names, PATHS)
    s, l = names.index("SAT"), names.index("LOY")
    w = np.array([0.45, 0.35])
    v = w @ phi[np.ix_([s, l], [s, l])] @ w
    r = eta[:, [s, l]] @ w + np.sqrt(1.0 - v) * rng.standard_normal(eta.shape[0])
    return np.clip(np.floor(7.0 + 2.0 * r + 0.5), 0, 10).astype(np.int64)


def _observed_nonconstant(vals: np.ndarray) -> np.ndarray:
    """Rows whose valid (1..10) answers take at least two distinct values."""
    v = np.where((vals >= SCALE_MIN) & (vals <= SCALE_MAX), vals, np.nan)
    return (np.nanmax(v, axis=1) - np.nanmin(v, axis=1)) > 0


def simulate_study(n: int = 600, seed: int = 2024, defects: bool = True,
                   exact_moments_valid: bool = True, extras: bool = True) -> tuple[pd.DataFrame, dict]:
    """A raw survey export of ``n`` rows with known, injected data-quality defects.

    Returns ``(raw, truth)``.  ``raw`` has the columns described in the module docstring (items
    and ``attn``/``nps`` as nullable Int64, blanks as <NA>, ``loy4`` reverse-keyed).  ``truth``:

    - ``n_raw``, ``n_clean``, ``seed``;
    - ``injected``: rule -> number of respondents excluded by that rule when the rules run in the
      order duplicates, speeders, straightlining, attention_checks, max_missing_share;
    - ``excluded_rows``: rule -> 0-based row positions of the excluded rows in ``raw``;
    - ``missing_codes``: number of item cells coded 99 in ``raw`` (``missing_codes_clean``:
      among rows that survive cleaning); ``blanks``/``blanks_clean`` likewise for empty cells;
    - ``out_of_range``: list of ``{row, respondent_id, item, value}`` (``out_of_range_clean``:
      how many are in surviving rows); the cleaning turns these into missing;
    - ``reverse``: the reverse-keyed items; ``min_duration``, ``max_missing_share``, ``attention``.

    With ``defects=False`` the file has no defective respondents, missing codes or out-of-range
    values (still with demographics, duration, ``attn`` = 3 and ``nps``).  With
    ``exact_moments_valid`` (default) the latent disturbances of the respondents who pass cleaning
    are rescaled by :func:`exact_moments`, so their true construct scores have exactly the
    population means, correlations and structural coefficients (item errors stay random);
    ``False`` gives an ordinary random sample.  With ``extras`` (default) the Kano pairs and
    SERVQUAL items of :func:`simulate_extras` are appended as the last columns (their own random
    stream: the other columns are the same with or without them; ``truth["kano"]``,
    ``truth["servqual"]``).
    """
    n = _check_n(n, 20)
    rng = np.random.default_rng(seed)
    items = _items()
    k = len(items)
    counts = {rule: (int(round(rate * n)) if defects else 0) for rule, rate in DEFECT_RATES}
    n_base = n - counts["duplicates"]
    n_valid = n_base - sum(v for r, v in counts.items() if r != "duplicates")
    # respondent type of each base row, in a random order
    kinds = np.array(["valid"] * n_valid + [r for r, v in counts.items() if r != "duplicates" for _ in range(v)])
    kinds = kinds[rng.permutation(n_base)]

    # the true scores of the respondents who will pass cleaning get exact population moments
    exact = np.flatnonzero(kinds == "valid") if exact_moments_valid and n_valid > len(CONSTRUCTS) else None
    eta, x = _latent_and_items(_normals(n_base, rng, exact))
    x = x.astype(float)
    nps = _nps(eta, rng).astype(float)
    duration = _durations(n_base, rng)
    attn = np.full(n_base, float(ATTENTION_VALUE))

    sl = kinds == "speeders"
    duration[sl] = rng.integers(40, 116, size=int(sl.sum()))
    # raw keying of the negatively worded item (model-based answers only)
    j_rev = items.index(REVERSED_ITEM)
    x[:, j_rev] = SCALE_MIN + SCALE_MAX - x[:, j_rev]
    # straightliners give the same raw answer to every item, the reverse-keyed one included
    st = kinds == "straightlining"
    x[st] = rng.integers(5, SCALE_MAX + 1, size=int(st.sum()))[:, None]
    at = kinds == "attention_checks"
    x[at] = rng.integers(SCALE_MIN, SCALE_MAX + 1, size=(int(at.sum()), k))
    attn[at] = rng.choice(np.array([1, 2, 4, 5, 6, 7, 8, 9, 10], float), size=int(at.sum()))

    # break-offs: everything after the attention check (placed after QUAL) may be missing
    mm = np.nonzero(kinds == "max_missing_share")[0]
    after_attn = items.index("val1")
    for i in mm:
        m = int(rng.integers(9, 17))                      # 9..16 of 29 items (> 20 %)
        cols = np.arange(k - m, k)
        if cols[0] < after_attn:
            cols = np.arange(after_attn, k)
        codes = rng.random(cols.size) < 0.25
        x[i, cols] = np.where(codes, MISSING_CODE, np.nan)
        nps[i] = np.nan

    # sprinkled missing (99 or blank) in rows that are not straightliners/break-offs: <= 2 per row
    sprinkle_rows = np.nonzero(np.isin(kinds, ["valid", "speeders", "attention_checks"]))[0]
    n_missing = np.zeros(n_base, dtype=int)
    if defects:
        per_row = rng.choice(np.array([0, 1, 2]), size=sprinkle_rows.size, p=[0.86, 0.10, 0.04])
        for i, m in zip(sprinkle_rows, per_row):
            if m:
                cols = rng.choice(k, size=int(m), replace=False)
                x[i, cols] = np.where(rng.random(int(m)) < 0.55, MISSING_CODE, np.nan)
                n_missing[i] = m
        # out-of-range entries in valid rows that have no missing yet (1 per row)
        n_oor = int(round(0.01 * n))
        cand = sprinkle_rows[(kinds[sprinkle_rows] == "valid") & (n_missing[sprinkle_rows] == 0)]
        oor_rows = np.sort(rng.choice(cand, size=n_oor, replace=False))
        oor_cols = rng.integers(0, k, size=n_oor)
        x[oor_rows, oor_cols] = rng.choice(np.array([0.0, 11.0, 12.0]), size=n_oor)
    # no row other than straightliners may be constant over its valid answers
    bad = ~_observed_nonconstant(x) & ~st
    if bad.any():                                          # practically never; fail loudly
        raise RuntimeError(f"seed {seed}: a non-straightlining row came out constant; use another seed")

    # duplicates: exact copies of valid rows, inserted a few rows after the original
    order = np.arange(n_base, dtype=float)
    valid_rows = np.nonzero(kinds == "valid")[0]
    dup_src = np.sort(rng.choice(valid_rows, size=counts["duplicates"], replace=False))
    dup_pos = dup_src + rng.uniform(0.5, 12.0, size=dup_src.size)
    src = np.concatenate([np.arange(n_base), dup_src])
    pos = np.concatenate([order, dup_pos])
    is_dup = np.concatenate([np.zeros(n_base, bool), np.ones(dup_src.size, bool)])
    perm = np.argsort(pos, kind="stable")
    src, is_dup = src[perm], is_dup[perm]

    ids = np.array([f"R{i + 1:05d}" for i in range(n_base)])
    demo = {name: rng.choice(np.array(levels), size=n_base, p=np.array(p)) for name, levels, p in GROUPS}

    raw = pd.DataFrame({"respondent_id": ids[src]})
    for name, _, _ in GROUPS:
        raw[name] = demo[name][src]
    raw["duration"] = duration[src]
    qual_end = items.index("val1")
    for j, item in enumerate(items):
        if j == qual_end:
            raw[ATTENTION_COLUMN] = pd.array(attn[src], dtype="Int64")
        raw[item] = pd.array(x[src, j], dtype="Int64")
    raw["nps"] = pd.array(nps[src], dtype="Int64")
    raw = raw[["respondent_id", *[g for g, _, _ in GROUPS], "duration", *items[:qual_end],
               ATTENTION_COLUMN, *items[qual_end:], "nps"]]
    extra_truth = {}
    if extras:
        ex, extra_truth = simulate_extras(n_base, seed)
        for c in ex.columns:
            raw[c] = pd.array(ex[c].to_numpy()[src], dtype="Int64")
        oe, oe_truth = simulate_open_ended(eta[:, _latent_names().index("SAT")], seed)
        for c in oe.columns:
            raw[c] = oe[c].to_numpy(object)[src]
        extra_truth["open_ended"] = oe_truth

    row_kind = np.where(is_dup, "duplicates", kinds[src])
    excluded_rows = {rule: [int(r) for r in np.nonzero(row_kind == rule)[0]] for rule, _ in DEFECT_RATES}
    surv = row_kind == "valid"
    xv = x[src]
    oor = [{"row": int(r), "respondent_id": str(ids[src][r]), "item": items[c], "value": int(xv[r, c])}
           for r, c in zip(*np.nonzero((xv < SCALE_MIN) | ((xv > SCALE_MAX) & (xv != MISSING_CODE))))]
    truth = {
        "n_raw": int(len(raw)),
        "n_clean": int(surv.sum()),
        "seed": int(seed),
        "injected": {rule: len(v) for rule, v in excluded_rows.items()},
        "excluded_rows": excluded_rows,
        "missing_codes": int((xv == MISSING_CODE).sum()),
        "missing_codes_clean": int((xv[surv] == MISSING_CODE).sum()),
        "blanks": int(np.isnan(xv).sum()),
        "blanks_clean": int(np.isnan(xv[surv]).sum()),
        "out_of_range": oor,
        "out_of_range_clean": int(sum(surv[o["row"]] for o in oor)),
        "reverse": [REVERSED_ITEM],
        "min_duration": MIN_DURATION,
        "max_missing_share": 0.2,
        "attention": {ATTENTION_COLUMN: ATTENTION_VALUE},
        **extra_truth,
    }
    return raw, truth


# --------------------------------------------------------------------------------------
# Extra blocks: Kano pairs, SERVQUAL items (demo file), segmented samples (tests)
# --------------------------------------------------------------------------------------
def _kano_cells() -> dict[str, list[tuple[int, int]]]:
    """Category -> the (functional, dysfunctional) answer pairs of Berger et al.'s table."""
    from csat.stats.kano import EVALUATION

    cells: dict[str, list[tuple[int, int]]] = {}
    for i, row in enumerate(EVALUATION):
        for j, c in enumerate(row):
            cells.setdefault(c, []).append((i + 1, j + 1))
    return cells


def kano_category_probabilities() -> dict[str, dict[str, float]]:
    """The simulated share of each Kano category per feature (:data:`KANO_FEATURES`)."""
    out = {}
    for feat, cat, p in KANO_FEATURES:
        probs = {c: (1 - p) * (1 - KANO_NOISE) / 3 for c in "AOMI"}
        probs[cat] = p * (1 - KANO_NOISE)
        probs["R"] = probs["Q"] = KANO_NOISE / 2
        out[feat] = probs
    return out


def _clipped_rounded_mean(mu: float, sd: float) -> float:
    """E[clip(round(mu + sd Z), 1, 10)] = 1 + sum_k P(mu + sd Z > k + 0.5), k = 1..9 (exact)."""
    k = np.arange(SCALE_MIN, SCALE_MAX)
    return float(SCALE_MIN + ndtr((mu - (k + 0.5)) / sd).sum())


def servqual_truth() -> dict[str, float]:
    """Population mean gap P − E of each SERVQUAL dimension after rounding to 1..10 (exact)."""
    e = _clipped_rounded_mean(SERVQUAL_E_CENTRE, SERVQUAL_SD)
    return {d: _clipped_rounded_mean(SERVQUAL_E_CENTRE + g, SERVQUAL_SD) - e for d, g, _ in SERVQUAL_DIMENSIONS}


def simulate_extras(n: int, seed: int) -> tuple[pd.DataFrame, dict]:
    """Kano answer pairs and SERVQUAL expectation/perception items for ``n`` respondents.

    Drawn from their own stream (``default_rng([seed, 6])``), independent of the survey answers.
    Kano: each respondent's category for feature f is drawn from
    :func:`kano_category_probabilities` (the true category has the majority), then one of that
    category's cells of the evaluation table uniformly; columns ``kano_<f>_f`` and ``kano_<f>_d``
    (answers 1–5). SERVQUAL: for dimension d and pair i, ``E = clip(round(7.5 + 1.4 e), 1, 10)``
    and ``P = clip(round(7.5 + gap_d + 1.4 p), 1, 10)`` with ``e = .7 u + .71 z``, ``p = .7 v + .71 z'``,
    ``corr(u, v) = .5`` (u, v respondent-level per dimension); columns ``sq_<d><i>_e``/``_p``.
    2 % of the answers are blank. Returns ``(frame, truth)`` with truth ``kano`` (feature ->
    category) and ``servqual`` (dimension -> exact population gap after rounding).
    """
    rng = np.random.default_rng([int(seed), 6])
    cells = _kano_cells()
    probs = kano_category_probabilities()
    out = {}
    for feat, _, _ in KANO_FEATURES:
        cats = list(probs[feat])
        draw = rng.choice(len(cats), size=n, p=np.array([probs[feat][c] for c in cats]))
        f = np.empty(n)
        d = np.empty(n)
        for ci, c in enumerate(cats):
            idx = np.flatnonzero(draw == ci)
            pick = rng.integers(0, len(cells[c]), size=idx.size)
            f[idx] = [cells[c][j][0] for j in pick]
            d[idx] = [cells[c][j][1] for j in pick]
        out[f"kano_{feat}_f"], out[f"kano_{feat}_d"] = f, d
    for dim, gap, m in SERVQUAL_DIMENSIONS:
        u = rng.standard_normal(n)
        v = 0.5 * u + math.sqrt(0.75) * rng.standard_normal(n)
        for i in range(1, m + 1):
            e = 0.7 * u + math.sqrt(0.51) * rng.standard_normal(n)
            p = 0.7 * v + math.sqrt(0.51) * rng.standard_normal(n)
            out[f"sq_{dim}{i}_e"] = np.clip(np.floor(SERVQUAL_E_CENTRE + SERVQUAL_SD * e + 0.5), SCALE_MIN, SCALE_MAX)
            out[f"sq_{dim}{i}_p"] = np.clip(np.floor(SERVQUAL_E_CENTRE + gap + SERVQUAL_SD * p + 0.5),
                                            SCALE_MIN, SCALE_MAX)
    frame = pd.DataFrame(out)
    blank = rng.random(frame.shape) < EXTRA_BLANK_SHARE
    frame = frame.mask(blank)
    truth = {"kano": {f: c for f, c, _ in KANO_FEATURES}, "servqual": servqual_truth()}
    return frame, truth


def open_ended_truth() -> dict[str, float]:
    """The population share of the answers (non-answers and empty ones left out) that mention each theme:
    E[logistic(a + b Z)], Z standard normal, by Gauss–Hermite quadrature (exact to 1e-10)."""
    x, w = np.polynomial.hermite_e.hermegauss(80)
    w = w / w.sum()
    return {t: float(np.sum(w / (1 + np.exp(-(a + b * x))))) for t, a, b, _, _ in OPEN_ENDED_THEMES}


def simulate_open_ended(sat: np.ndarray, seed: int) -> tuple[pd.DataFrame, dict]:
    """The answers to the open question of respondents whose true standardized satisfaction is ``sat``.

    Drawn from their own stream (``default_rng([seed, 8])``), after and independent of everything else.
    Each respondent gives no answer (25 %), a non-answer (10 %: 无, 没有, none, n/a, 。 …) or an answer
    (65 %); one who answers mentions theme t with probability ``logistic(a_t + b_t · sat)``
    (:data:`OPEN_ENDED_THEMES`), each mentioned theme in one of its phrases, joined by commas; an answer
    mentioning no theme is a general remark that no keyword catches. ``comment`` holds the Chinese answers,
    ``comment_en`` the same answers in English. Returns ``(frame, truth)``, truth ``{"themes": {theme:
    (a, b)}, "shares": open_ended_truth(), "dissatisfaction": the two themes with the most negative b,
    "mentions": {theme: [row positions]}}``.
    """
    rng = np.random.default_rng([int(seed), 8])
    n = len(sat)
    kinds = np.array([k for k, _ in OPEN_ENDED_KINDS])
    kind = kinds[rng.choice(len(kinds), size=n, p=[p for _, p in OPEN_ENDED_KINDS])]
    u = rng.random((n, len(OPEN_ENDED_THEMES)))
    pick = rng.integers(0, 4, size=(n, len(OPEN_ENDED_THEMES)))
    other = rng.integers(0, len(OPEN_ENDED_OTHER[0]), size=n)
    non = rng.integers(0, len(OPEN_ENDED_NON_ANSWERS[0]), size=n)
    a = np.array([x[1] for x in OPEN_ENDED_THEMES])
    b = np.array([x[2] for x in OPEN_ENDED_THEMES])
    mention = (u < 1 / (1 + np.exp(-(a + np.outer(sat, b))))) & (kind == "answer")[:, None]
    zh, en = np.full(n, None, dtype=object), np.full(n, None, dtype=object)
    for i in range(n):
        if kind[i] == "non_answer":
            zh[i], en[i] = OPEN_ENDED_NON_ANSWERS[0][non[i]], OPEN_ENDED_NON_ANSWERS[1][non[i]]
        elif kind[i] == "answer":
            js = np.flatnonzero(mention[i])
            if js.size:
                zh[i] = "，".join(OPEN_ENDED_THEMES[j][3][pick[i, j]] for j in js) + "。"
                en[i] = "; ".join(OPEN_ENDED_THEMES[j][4][pick[i, j]] for j in js)
                en[i] = en[i][0].upper() + en[i][1:] + "."
            else:
                zh[i], en[i] = OPEN_ENDED_OTHER[0][other[i]] + "。", OPEN_ENDED_OTHER[1][other[i]].capitalize() + "."
    order = sorted(OPEN_ENDED_THEMES, key=lambda x: x[2])
    truth = {"themes": {x[0]: (x[1], x[2]) for x in OPEN_ENDED_THEMES}, "shares": open_ended_truth(),
             "dissatisfaction": [x[0] for x in order[:2]],
             "mentions": {x[0]: [int(r) for r in np.flatnonzero(mention[:, j])] for j, x in enumerate(OPEN_ENDED_THEMES)}}
    return pd.DataFrame({"comment": zh, "comment_en": en}), truth


def segment_centres(k: int, separation: float) -> np.ndarray:
    """k latent mean vectors over the 7 constructs, ``separation`` SDs from the origin, fixed
    (``default_rng(k)``) and pairwise ``separation · sqrt(2)`` apart on average."""
    rng = np.random.default_rng(int(k))
    c = rng.standard_normal((k, len(CONSTRUCTS)))
    c -= c.mean(axis=0)
    return separation * c / np.linalg.norm(c, axis=1, keepdims=True)


def simulate_segments(n: int = 600, k: int = 3, separation: float = 3.0, seed: int = 0,
                      shares: tuple[float, ...] | None = None) -> tuple[pd.DataFrame, np.ndarray]:
    """Survey answers (analysis keying) from k customer segments with known membership.

    Each respondent's latent constructs follow the population SEM (as :func:`simulate_responses`)
    shifted by the segment's mean vector (:func:`segment_centres`); items as in the demo. Segments
    have ``shares`` (default equal). Returns ``(items, labels)`` with labels 0..k-1.
    """
    n = _check_n(n, 10)
    rng = np.random.default_rng([int(seed), 7])
    shares = np.full(k, 1 / k) if shares is None else np.asarray(shares, dtype=float)
    labels = rng.choice(k, size=n, p=shares / shares.sum())
    z = _normals(n, rng)
    names = _latent_names()
    B, psi, _ = _structural_solution(names, PATHS)
    kk = len(names)
    eta = (z[:, :kk] * np.sqrt(psi)) @ np.linalg.inv(np.eye(kk) - B).T + segment_centres(k, separation)[labels]
    items = _items()
    lam = np.array([LOADINGS[i] for i in items])
    col = np.array([names.index(next(nm for nm, its in CONSTRUCTS if i in its)) for i in items])
    ystar = eta[:, col] * lam + z[:, kk:] * np.sqrt(1.0 - lam ** 2)
    x = _discretize(ystar, np.array([ITEM_CENTRES[i] for i in items]))
    return pd.DataFrame(x, columns=items), labels


def design_check(n_samples: int = 150, n: int = 546, n_complete: int = 463, seed: int = 1000) -> pd.DataFrame:
    """Monte Carlo check of the demo design (the figures quoted in the module docstring).

    Draws ``n_samples`` fully random samples and ``n_samples`` samples with exact latent moments
    (:func:`exact_moments` on the disturbances), each of ``n`` respondents of whom a random
    ``n_complete`` are kept (listwise deletion as in the demo), fits the population model by ML and
    compares the standardized paths with the population values.  Returns one row per design:
    ``design, samples, max_abs_bias, mean_sd, all_within`` (share of samples with every path within
    1.96 SDs of the random design's sampling SD of that path), ``mean_chisq`` and ``df``.
    """
    from csat import sem

    pop = np.array([b for *_, b in PATHS])
    syntax = population_syntax()

    def run(exact: bool, base: int):
        est, chisq, df = [], [], 0
        for s in range(n_samples):
            rng = np.random.default_rng(base + s)
            _, x = _latent_and_items(_normals(n, rng, np.arange(n) if exact else None))
            keep = rng.permutation(n)[:n_complete]
            res = sem.fit(syntax, pd.DataFrame(x[keep].astype(float), columns=_items()))
            e = res.estimates
            est.append(e.loc[e["op"] == "~", "std.all"].to_numpy())
            chisq.append(res.fit_measures["chisq"])
            df = res.fit_measures["df"]
        return np.array(est), float(np.mean(chisq)), df

    rand, chi_r, df = run(False, seed)
    exact, chi_e, _ = run(True, seed + 100_000)
    sd = rand.std(axis=0)
    rows = []
    for name, est, chi in (("random", rand, chi_r), ("exact latent moments", exact, chi_e)):
        rows.append({"design": name, "samples": n_samples, "max_abs_bias": float(np.abs(est.mean(0) - pop).max()),
                     "mean_sd": float(est.std(axis=0).mean()),
                     "all_within": float((np.abs(est - pop) < 1.96 * sd).all(axis=1).mean()),
                     "mean_chisq": chi, "df": df})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------
# Tracking studies: several waves with a known shift and a known non-invariant item
# --------------------------------------------------------------------------------------
#: default shift of the construct means in the last wave (population SDs; linear in between)
WAVE_SHIFT: dict[str, float] = {"SAT": 0.40}
#: default non-invariant item: its centre moves by this many scale points from the second wave on
WAVE_NONINVARIANT: tuple[str, float] = ("qual3", 2.0)


def wave_labels(n_waves: int, start_year: int = 2025) -> list[str]:
    """Half-year wave names ``2025H1, 2025H2, 2026H1, ...``."""
    return [f"{start_year + k // 2}H{k % 2 + 1}" for k in range(n_waves)]


def simulate_waves(n: int = 400, n_waves: int = 2, seed: int = 2025, shift: dict[str, float] | None = None,
                   noninvariant: tuple[str, float] | None = WAVE_NONINVARIANT) -> tuple[pd.DataFrame, dict]:
    """A tracking study: ``n_waves`` independent samples of ``n`` respondents from the demo population,
    stacked with a ``wave`` column, with known changes between waves.

    * ``shift`` (default :data:`WAVE_SHIFT`): construct → shift of its latent mean in the last wave, in
      population SDs (wave k of K gets ``shift · k/(K−1)``).  Only the named constructs move (the shift
      is added to their scores, not passed along the paths), so every other construct's true change is 0.
    * ``noninvariant`` (default :data:`WAVE_NONINVARIANT`): ``(item, points)``: from the second wave on the
      item's centre moves by ``points`` scale points while its construct does not — an intercept that
      differs between waves, which breaks scalar invariance (loadings stay equal: metric invariance holds).
      ``None`` draws measurement-invariant waves.

    As in the demo, each wave's latent disturbances get exact moments (:func:`exact_moments`), so the true
    construct means differ between waves by exactly the shift (item errors and rounding stay random).
    Each wave draws from its own random stream ``default_rng([seed, k])``, so the single-study demo
    (:func:`simulate_study`) is untouched.  No defects are injected (every row passes cleaning); the
    columns are those of :func:`simulate_study` with ``wave`` after ``respondent_id`` (ids ``W1-R00001``…,
    unique across waves).  Returns ``(raw, truth)`` with ``truth = {"waves", "n", "seed", "shift",
    "noninvariant", "index_shift"}``; ``index_shift`` is the expected change of each shifted construct's
    0–100 index from the first to the last wave, ``100 · δ · 1.5 · mean(c_j λ_j) / 9`` (discretization
    factor ``c_j`` ≈ 0.98 ignored, so it is approximate).
    """
    n = _check_n(n, 20)
    n_waves = _check_n(n_waves, 2)
    shift = dict(WAVE_SHIFT if shift is None else shift)
    names = _latent_names()
    items = _items()
    unknown = [c for c in shift if c not in names]
    if unknown:
        raise ValueError(f"shift: unknown construct(s) {unknown}; constructs: {names}")
    if noninvariant is not None and noninvariant[0] not in items:
        raise ValueError(f"noninvariant: {noninvariant[0]!r} is not an item")
    B, psi, _ = _structural_solution(names, PATHS)
    k = len(names)
    lam = np.array([LOADINGS[i] for i in items])
    col = np.array([names.index(next(c for c, its in CONSTRUCTS if i in its)) for i in items])
    labels = wave_labels(n_waves)
    frames = []
    for w in range(n_waves):
        rng = np.random.default_rng([seed, w])
        z = rng.standard_normal((n, k + len(items)))
        z[:, :k] = exact_moments(z[:, :k])
        eta = (z[:, :k] * np.sqrt(psi)) @ np.linalg.inv(np.eye(k) - B).T
        for c, d in shift.items():
            eta[:, names.index(c)] += d * w / (n_waves - 1)
        ystar = eta[:, col] * lam + z[:, k:] * np.sqrt(1.0 - lam ** 2)
        centres = np.array([ITEM_CENTRES[i] for i in items])
        if noninvariant is not None and w > 0:
            centres[items.index(noninvariant[0])] += noninvariant[1]
        x = _discretize(ystar, centres)
        x[:, items.index(REVERSED_ITEM)] = SCALE_MIN + SCALE_MAX - x[:, items.index(REVERSED_ITEM)]
        raw = pd.DataFrame({"respondent_id": [f"W{w + 1}-R{i + 1:05d}" for i in range(n)], "wave": labels[w]})
        for name, levels, prob in GROUPS:
            raw[name] = rng.choice(np.array(levels), size=n, p=np.array(prob))
        raw["duration"] = _durations(n, rng)
        qual_end = items.index("val1")
        for j, item in enumerate(items):
            if j == qual_end:
                raw[ATTENTION_COLUMN] = ATTENTION_VALUE
            raw[item] = x[:, j].astype(np.int64)
        raw["nps"] = _nps(eta, rng)
        if not _observed_nonconstant(x.astype(float)).all():
            raise RuntimeError(f"seed {seed}, wave {w + 1}: a row came out constant; use another seed")
        frames.append(raw)
    out = pd.concat(frames, ignore_index=True)
    idx_shift = {c: 100 * d * SCALE_SD * float(np.mean([LOADINGS[i] for i in dict(CONSTRUCTS)[c]])) / (SCALE_MAX - SCALE_MIN)
                 for c, d in shift.items()}
    truth = {"waves": labels, "n": n, "seed": seed, "shift": shift,
             "noninvariant": None if noninvariant is None else {"item": noninvariant[0], "points": noninvariant[1]},
             "index_shift": idx_shift}
    return out, truth


def write_study_csv(raw: pd.DataFrame, path: str | Path) -> Path:
    """Write a raw study frame as UTF-8 CSV with ``\\n`` line ends and blank missing cells."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = raw.to_csv(index=False, lineterminator="\n")
    path.write_bytes(text.encode("utf-8"))
    return path


# --------------------------------------------------------------------------------------
# The PLS demo (params/demo_pls.yaml): a moderator and a group difference
# --------------------------------------------------------------------------------------
#: constructs of the PLS demo and their items (all loadings PLS_LOADING)
PLS_CONSTRUCTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("IMAG", ("imag1", "imag2", "imag3", "imag4")),
    ("QUAL", ("qual1", "qual2", "qual3", "qual4")),
    ("VAL", ("val1", "val2", "val3")),
    ("SAT", ("sat1", "sat2", "sat3")),
    ("SC", ("sc1", "sc2", "sc3")),
    ("LOY", ("loy1", "loy2", "loy3")),
)
PLS_LOADING = 0.82
#: the true model: PERF (perceived performance) is formed by QUAL and VAL (0.85, 0.80); SAT depends on PERF with a
#: path that differs between the channels, LOY on SAT moderated by switching costs SC (negative interaction:
#: with high switching costs loyalty depends less on satisfaction)
PLS_TRUTH = {"QUAL~PERF": 0.85, "VAL~PERF": 0.80, "PERF~IMAG": 0.40, "SAT~IMAG": 0.25,
             "SAT~PERF": {"store": 0.65, "online": 0.25}, "LOY~SAT": 0.45, "LOY~SC": 0.25, "LOY~SAT:SC": -0.20,
             "channel": {"store": 0.5, "online": 0.5}}


def simulate_pls_study(n: int = 500, seed: int = 2024) -> tuple[pd.DataFrame, dict]:
    """The raw file of the PLS demo (``data/raw/demo_pls.csv``; its own random stream ``default_rng([seed, 9])``,
    independent of the demo's), drawn from :data:`PLS_TRUTH`: standardized latent scores (IMAG, SC standard normal,
    independent); ``PERF = 0.4 IMAG + e``; QUAL and VAL its dimensions; ``SAT = 0.25 IMAG + b_g PERF + e`` with
    ``b_g`` 0.65 in store, 0.25 online; ``LOY = 0.45 SAT + 0.25 SC − 0.20 SAT·SC + e`` (every ``e`` scaled so
    the construct has variance 1 without the group and product terms); items ``λ η + √(1 − λ²) ε`` with
    λ = 0.82 on the 1..10 scale as the demo's (``round(6.5 + 1.5 y*)``), 1 % of answers blank.  Columns
    ``respondent_id``, ``channel``, the items.  Returns the frame and the truth (:data:`PLS_TRUTH`)."""
    rng = np.random.default_rng([seed, 9])
    t = PLS_TRUTH
    levels = list(t["channel"])
    channel = rng.choice(levels, size=n, p=[t["channel"][g] for g in levels])
    imag, sc = rng.standard_normal(n), rng.standard_normal(n)
    perf = t["PERF~IMAG"] * imag + math.sqrt(1 - t["PERF~IMAG"] ** 2) * rng.standard_normal(n)

    def dim(lam):
        return lam * perf + math.sqrt(1 - lam ** 2) * rng.standard_normal(n)

    qual, val = dim(t["QUAL~PERF"]), dim(t["VAL~PERF"])
    b = np.array([t["SAT~PERF"][g] for g in channel])
    sat = t["SAT~IMAG"] * imag + b * perf
    sat = sat + np.sqrt(np.clip(1 - b ** 2 - t["SAT~IMAG"] ** 2 - 2 * b * t["SAT~IMAG"] * t["PERF~IMAG"], 0.05, 1)) \
        * rng.standard_normal(n)
    sat = (sat - sat.mean()) / sat.std()
    loy = t["LOY~SAT"] * sat + t["LOY~SC"] * sc + t["LOY~SAT:SC"] * sat * sc
    loy = loy + math.sqrt(1 - t["LOY~SAT"] ** 2 - t["LOY~SC"] ** 2 - t["LOY~SAT:SC"] ** 2) * rng.standard_normal(n)
    eta = {"IMAG": imag, "QUAL": qual, "VAL": val, "SAT": sat, "SC": sc, "LOY": loy}
    out = {"respondent_id": [f"P{i + 1:05d}" for i in range(n)], "channel": channel}
    lam = PLS_LOADING
    for c, items in PLS_CONSTRUCTS:
        for it in items:
            ystar = lam * eta[c] + math.sqrt(1 - lam ** 2) * rng.standard_normal(n)
            x = np.clip(np.round(6.5 + SCALE_SD * ystar), SCALE_MIN, SCALE_MAX)
            x[rng.random(n) < 0.01] = np.nan
            out[it] = pd.array(x, dtype="Int64")
    return pd.DataFrame(out), {k: v for k, v in t.items()}


# --------------------------------------------------------------------------------------
# Benchmark data
# --------------------------------------------------------------------------------------
def _scale_layout(n_items: int, n_constructs: int) -> list[list[str]]:
    if n_constructs < 1 or n_items < n_constructs:
        raise ValueError(f"need n_constructs >= 1 and n_items >= n_constructs, got {n_items}, {n_constructs}")
    sizes = [n_items // n_constructs + (1 if c < n_items % n_constructs else 0) for c in range(n_constructs)]
    return [[f"f{c + 1}_{j + 1}" for j in range(s)] for c, s in enumerate(sizes)]


def scale_syntax(n_items: int = 40, n_constructs: int = 8) -> str:
    """lavaan syntax of the :func:`simulate_scale` model (``F1 -> F2 -> ... -> Fk`` chain)."""
    layout = _scale_layout(n_items, n_constructs)
    lines = [f"F{c + 1} =~ {' + '.join(its)}" for c, its in enumerate(layout)]
    lines += [f"F{c + 1} ~ F{c}" for c in range(1, n_constructs)]
    return "\n".join(lines) + "\n"


def simulate_scale(n: int, n_items: int = 40, n_constructs: int = 8, seed: int = 0) -> pd.DataFrame:
    """Clean 10-point items for benchmarks: a chain ``F_{c+1} = 0.5 F_c + zeta`` of standardized factors.

    Items ``f<c>_<j>`` (as even a split as possible: 8 x 5 by default) with loadings cycling
    0.70, 0.75, 0.80, 0.85, 0.90, centres 6.0 and the demo discretization; fully vectorised.
    """
    n = _check_n(n, 1)
    layout = _scale_layout(n_items, n_constructs)
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n, n_constructs))
    eta = np.empty_like(z)
    eta[:, 0] = z[:, 0]
    for c in range(1, n_constructs):
        eta[:, c] = 0.5 * eta[:, c - 1] + math.sqrt(0.75) * z[:, c]
    col = np.concatenate([[c] * len(its) for c, its in enumerate(layout)])
    lam = np.array([0.70, 0.75, 0.80, 0.85, 0.90])[np.arange(n_items) % 5]
    e = rng.standard_normal((n, n_items))
    ystar = eta[:, col] * lam + e * np.sqrt(1.0 - lam ** 2)
    x = _discretize(ystar, np.full(n_items, 6.0))
    return pd.DataFrame(x, columns=[i for its in layout for i in its])


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m csat.intake.simulate --out data/raw/demo.csv --n 600 --seed 2024``."""
    ap = argparse.ArgumentParser(prog="python -m csat.intake.simulate", description=__doc__.splitlines()[0])
    ap.add_argument("--out", help="CSV file to write")
    ap.add_argument("--population-doc", help="write the population as Markdown to this file")
    ap.add_argument("--n", type=int, default=None, help="raw rows (duplicates included; default 600, --pls 500)")
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--no-defects", action="store_true", help="no injected defects")
    ap.add_argument("--design-check", type=int, metavar="SAMPLES",
                    help="Monte Carlo check of the demo design with this many samples per design")
    ap.add_argument("--no-extras", action="store_true", help="without the Kano and SERVQUAL columns")
    ap.add_argument("--random-moments", action="store_true",
                    help="an ordinary random sample (default: exact latent moments for the valid respondents)")
    ap.add_argument("--pls", action="store_true",
                    help="the PLS demo's file (simulate_pls_study: moderator SC, a channel difference; --n rows, "
                         "default 500) instead of the demo")
    ap.add_argument("--waves", type=int, metavar="K",
                    help="a tracking study of K waves of --n respondents each (simulate_waves: known shift "
                         "of SAT, non-invariant item qual3), instead of the single-wave demo")
    a = ap.parse_args(argv)
    if a.n is None:
        a.n = 500 if a.pls else 600
    if a.pls:
        if not a.out:
            ap.error("--pls needs --out")
        raw, _ = simulate_pls_study(a.n, a.seed)
        path = write_study_csv(raw, a.out)
        print(f"wrote {path}: {len(raw)} rows")
        return 0
    if a.waves:
        if not a.out:
            ap.error("--waves needs --out")
        raw, truth = simulate_waves(a.n, a.waves, a.seed)
        path = write_study_csv(raw, a.out)
        print(f"wrote {path}: {len(raw)} rows in waves {truth['waves']}; shift {truth['shift']}, "
              f"non-invariant item {truth['noninvariant']}")
        return 0
    if a.design_check:
        print(design_check(a.design_check).to_string(index=False))
        if not a.out and not a.population_doc:
            return 0
    if not a.out and not a.population_doc:
        ap.error("give --out and/or --population-doc")
    if a.population_doc:
        doc = Path(a.population_doc)
        doc.parent.mkdir(parents=True, exist_ok=True)
        doc.write_bytes(population_markdown().encode("utf-8"))
        print(f"wrote {doc}")
    if not a.out:
        return 0
    raw, truth = simulate_study(a.n, a.seed, defects=not a.no_defects, exact_moments_valid=not a.random_moments,
                                extras=not a.no_extras)
    path = write_study_csv(raw, a.out)
    print(f"wrote {path}: {truth['n_raw']} rows, {truth['n_clean']} valid; injected {truth['injected']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
