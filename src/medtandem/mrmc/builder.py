"""One builder of the RRRC, FRRC and RRFC analyses, shared by OR and DBM.

The Obuchowski-Rockette and DBM methods lead to the same three generalisations (Hillis 2008,
Acad Radiol 15:647; Hillis et al. 2005, Stat Med 24:1579); they differ only in the quantities
that enter them. Every quantity here is on the FOM scale (DBM mean squares of pseudovalues are
divided by the number of cases c); with t modalities, r readers:

* RRRC: ``F = MS(T) / D``, ``D = MS(T:R) + E`` on ``t-1`` and Satterthwaite
  ``ddf = D^2 / {MS(T:R)^2 / [(t-1)(r-1)]}`` (Hillis 2007); difference SE ``sqrt(2 D / r)``;
  modality i: ``D_i = MS(R)_i + E_i``, SE ``sqrt(D_i / r)``, df ``D_i^2 / [MS(R)_i^2/(r-1)]``.
  OR: ``E = r max(Cov2 - Cov3, 0)``, ``E_i = r max(Cov2_i, 0)``;
  DBM: ``E = max(MS(T:C) - MS(T:R:C), 0) / c``, ``E_i = max(MS(C)_i - MS(R:C)_i, 0) / c``.
* FRRC: denominator ``D_f``; OR: ``X2 = (t-1) MS(T) / D_f`` on ``t-1`` df (normal intervals),
  ``D_f = Var - Cov1 + (r-1)(Cov2 - Cov3)``; DBM: ``F = MS(T) / D_f`` on ``t-1``,
  ``(t-1)(c-1)``, ``D_f = MS(T:C)/c``. Difference SE ``sqrt(2 D_f / r)``; modality and
  per-reader variances supplied by the method.
* RRFC: ``F = MS(T) / MS(T:R)`` on ``t-1``, ``(t-1)(r-1)``; SE ``sqrt(2 MS(T:R) / r)``;
  modality SE ``sqrt(MS(R)_i / r)`` on ``r-1`` df.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from .distributions import chi2_sf, f_sf, t_isf, t_sf
from .results import Difference, FactorAnalysis, GlobalTest, ModalityCI

__all__ = ["FactorInputs", "build_factor_analyses", "satterthwaite", "two_way_mean_squares"]


def two_way_mean_squares(y: np.ndarray) -> tuple[float, float, float]:
    """Mean squares ``(MS(A), MS(C), MS(AC))`` of a two-way table ``a x c`` without replication
    (rows A, columns C): the OR method's modality x reader table of FOMs, the DBM method's tables
    of pseudovalues."""
    a, c = y.shape
    g = y.mean()
    ma = y.mean(axis=1)
    mc = y.mean(axis=0)
    ms_a = c * float(np.sum((ma - g) ** 2)) / (a - 1)
    ms_c = a * float(np.sum((mc - g) ** 2)) / (c - 1)
    ms_ac = float(np.sum((y - ma[:, None] - mc[None, :] + g) ** 2)) / ((a - 1) * (c - 1))
    return ms_a, ms_c, ms_ac


@dataclass(frozen=True)
class FactorInputs:
    """What a method contributes to the three analyses (FOM scale; see module docstring).

    Attributes:
        method: ``or`` or ``dbm``.
        modalities, readers: labels.
        means: modality means (t,); theta: reader-modality FOMs (t, r).
        ms_t, ms_tr: mean squares of modality and modality-by-reader.
        rrrc_excess: ``E`` of the RRRC denominator (already truncated at 0).
        ms_r_i, rrrc_excess_i: per modality ``MS(R)_i`` and ``E_i`` (t,).
        frrc_den: ``D_f``; frrc_df: FRRC denominator df (None: chi-square / normal).
        frrc_var_i: per modality, ``r`` times the variance of its mean (t,); frrc_df_i: its df.
        reader_var: (r, n_pairs) variance of each reader's difference for each modality pair.
    """

    method: str
    modalities: tuple[str, ...]
    readers: tuple[str, ...]
    means: np.ndarray
    theta: np.ndarray
    ms_t: float
    ms_tr: float
    rrrc_excess: float
    ms_r_i: np.ndarray
    rrrc_excess_i: np.ndarray
    frrc_den: float
    frrc_df: float | None
    frrc_var_i: np.ndarray
    frrc_df_i: float | None
    reader_var: np.ndarray


def satterthwaite(total: float, ms: float, df_ms: float) -> float:
    """Satterthwaite df of ``total`` whose only random part is ``ms`` on ``df_ms`` df."""
    return float(total**2 / (ms**2 / df_ms)) if ms > 0 else math.inf


def _interval(
    est: float, se: float, df: float | None, alpha: float
) -> tuple[float, float, float, float]:
    d = math.inf if df is None else df
    stat = est / se if se > 0 else (math.copysign(math.inf, est) if est else 0.0)
    q = t_isf(alpha / 2, d)
    p = 2 * t_sf(abs(stat), d)
    return float(stat), float(p), float(est - q * se), float(est + q * se)


def difference(
    label: str, est: float, se: float, df: float | None, alpha: float, reader: str | None = None
) -> Difference:
    stat, p, lo, hi = _interval(float(est), float(se), df, alpha)
    return Difference(
        label, float(est), float(se), None if df is None else float(df), lo, hi, stat, p, reader
    )


def modality_ci(label: str, est: float, se: float, df: float | None, alpha: float) -> ModalityCI:
    _, _, lo, hi = _interval(float(est), float(se), df, alpha)
    return ModalityCI(label, float(est), float(se), None if df is None else float(df), lo, hi)


def _f_test(stat: float, df1: int, df2: float) -> float:
    if math.isnan(stat):
        return math.nan
    return chi2_sf(stat * df1, df1) if math.isinf(df2) else f_sf(stat, df1, df2)


def _ratio(num: float, den: float) -> float:
    if den > 0:
        return num / den
    return math.inf if num > 0 else math.nan


def build_factor_analyses(
    x: FactorInputs, alpha: float
) -> tuple[FactorAnalysis, FactorAnalysis, FactorAnalysis]:
    """The RRRC, FRRC and RRFC analyses from a method's :class:`FactorInputs`."""
    t, r = x.theta.shape
    pairs = list(combinations(range(t), 2))
    labels = [f"{x.modalities[a]} - {x.modalities[b]}" for a, b in pairs]
    df_tr = (t - 1) * (r - 1)

    def diffs(var: float, df: float | None) -> tuple[Difference, ...]:
        se = math.sqrt(max(2.0 / r * var, 0.0))
        return tuple(
            difference(lab, x.means[a] - x.means[b], se, df, alpha)
            for lab, (a, b) in zip(labels, pairs, strict=True)
        )

    # random readers, random cases
    den = x.ms_tr + x.rrrc_excess
    ddf = satterthwaite(den, x.ms_tr, df_tr)
    f = _ratio(x.ms_t, den)
    mods = []
    for i in range(t):
        tot = float(x.ms_r_i[i] + x.rrrc_excess_i[i])
        mods.append(
            modality_ci(
                x.modalities[i],
                x.means[i],
                math.sqrt(max(tot, 0.0) / r),
                satterthwaite(tot, float(x.ms_r_i[i]), r - 1),
                alpha,
            )
        )
    rrrc = FactorAnalysis(
        "rrrc",
        x.method,
        alpha,
        GlobalTest(float(f), t - 1, ddf, _f_test(f, t - 1, ddf), "F"),
        diffs(den, ddf),
        tuple(mods),
    )

    # fixed readers, random cases
    if x.frrc_df is None:
        stat = _ratio((t - 1) * x.ms_t, x.frrc_den)
        test = GlobalTest(
            float(stat),
            t - 1,
            None,
            chi2_sf(stat, t - 1) if not math.isnan(stat) else math.nan,
            "chi2",
        )
    else:
        stat = _ratio(x.ms_t, x.frrc_den)
        test = GlobalTest(
            float(stat), t - 1, float(x.frrc_df), _f_test(stat, t - 1, x.frrc_df), "F"
        )
    mods_f = tuple(
        modality_ci(
            x.modalities[i],
            x.means[i],
            math.sqrt(max(float(x.frrc_var_i[i]), 0.0) / r),
            x.frrc_df_i,
            alpha,
        )
        for i in range(t)
    )
    reader_diffs = tuple(
        difference(
            labels[p],
            x.theta[a, j] - x.theta[b, j],
            math.sqrt(max(float(x.reader_var[j, p]), 0.0)),
            x.frrc_df,
            alpha,
            x.readers[j],
        )
        for j in range(r)
        for p, (a, b) in enumerate(pairs)
    )
    frrc = FactorAnalysis(
        "frrc", x.method, alpha, test, diffs(x.frrc_den, x.frrc_df), mods_f, reader_diffs
    )

    # random readers, fixed cases
    f_c = _ratio(x.ms_t, x.ms_tr)
    mods_c = tuple(
        modality_ci(x.modalities[i], x.means[i], math.sqrt(float(x.ms_r_i[i]) / r), r - 1, alpha)
        for i in range(t)
    )
    rrfc = FactorAnalysis(
        "rrfc",
        x.method,
        alpha,
        GlobalTest(float(f_c), t - 1, df_tr, _f_test(f_c, t - 1, df_tr), "F"),
        diffs(x.ms_tr, df_tr),
        mods_c,
    )
    return rrrc, frrc, rrfc
