"""Dorfman-Berbaum-Metz (DBM) analysis of jackknife pseudovalues.

Pseudovalues ``Y_ijk = c theta_ij - (c-1) theta_ij(k)`` (Dorfman, Berbaum & Metz 1992, Invest
Radiol 27:723) are analysed as a modality x reader x case ANOVA. Tests follow Hillis (2008,
"Recent developments in the Dorfman-Berbaum-Metz procedure", Acad Radiol 15:647) and Hillis
(2007) for the denominator degrees of freedom:

* RRRC: ``F = MS(T) / [MS(TR) + max(MS(TC) - MS(TRC), 0)]``,
  ``ddf = [MS(TR) + max(MS(TC) - MS(TRC), 0)]^2 / {MS(TR)^2 / [(t-1)(r-1)]}``;
* FRRC: ``F = MS(T) / MS(TC)`` on ``t-1``, ``(t-1)(c-1)``; per reader ``MS(T)_j / MS(TC)_j``;
* RRFC: ``F = MS(T) / MS(TR)`` on ``t-1``, ``(t-1)(r-1)``.

With the empirical AUC the mean pseudovalue equals the AUC, and the RRRC and RRFC results equal
the OR results with jackknife covariance (Hillis 2008). DBM needs a fully crossed design.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
from scipy import stats

from .errors import MrmcDesignError
from .obuchowski_rockette import _difference, _modality_ci, _satterthwaite
from .results import FactorAnalysis, GlobalTest, clean, format_table

__all__ = ["DBMAnalysis", "DBMComponents", "dbm_analysis", "pseudovalues"]


@dataclass(frozen=True)
class DBMComponents:
    """DBM mean squares of the pseudovalue ANOVA and the variance components (pseudovalue scale).

    Variance components are method-of-moments estimates from the expected mean squares of the
    three-way random-effects model (Dorfman et al. 1992); they may be negative.
    """

    ms_t: float
    ms_r: float
    ms_c: float
    ms_tr: float
    ms_tc: float
    ms_rc: float
    ms_trc: float
    var_r: float
    var_c: float
    var_tr: float
    var_tc: float
    var_rc: float
    var_error: float

    def to_dict(self) -> dict[str, Any]:
        return clean(self.__dict__.copy())

    def summary(self) -> str:
        rows = [[k, v] for k, v in self.__dict__.items()]
        return "DBM mean squares and variance components (pseudovalue scale):\n" + format_table(
            ["", "Estimate"], rows
        )


@dataclass(frozen=True)
class DBMAnalysis:
    """DBM analysis: components and the RRRC, FRRC and RRFC generalisations."""

    components: DBMComponents
    rrrc: FactorAnalysis
    frrc: FactorAnalysis
    rrfc: FactorAnalysis

    def to_dict(self) -> dict[str, Any]:
        return {
            "dbm_components": self.components.to_dict(),
            "rrrc": self.rrrc.to_dict(),
            "frrc": self.frrc.to_dict(),
            "rrfc": self.rrfc.to_dict(),
        }

    def summary(self) -> str:
        return "\n\n".join(
            [self.components.summary(), self.rrrc.summary(), self.frrc.summary(),
             self.rrfc.summary()]
        )


def pseudovalues(theta: np.ndarray, loo: np.ndarray) -> np.ndarray:
    """Jackknife pseudovalues (t, r, c) from FOMs (t, r) and leave-one-out FOMs (t, r, c)."""
    if np.isnan(loo).any():
        raise MrmcDesignError(
            "DBM analysis needs a fully crossed design (every reader reads every case in every "
            "modality); for this design use method='or' with cov='jackknife'"
        )
    c = loo.shape[2]
    return c * theta[:, :, None] - (c - 1) * loo


def _anova3(y: np.ndarray) -> dict[str, float]:
    t, r, c = y.shape
    g = y.mean()
    m_t = y.mean(axis=(1, 2))
    m_r = y.mean(axis=(0, 2))
    m_c = y.mean(axis=(0, 1))
    m_tr = y.mean(axis=2)
    m_tc = y.mean(axis=1)
    m_rc = y.mean(axis=0)
    ss_t = r * c * np.sum((m_t - g) ** 2)
    ss_r = t * c * np.sum((m_r - g) ** 2)
    ss_c = t * r * np.sum((m_c - g) ** 2)
    ss_tr = c * np.sum((m_tr - m_t[:, None] - m_r[None, :] + g) ** 2)
    ss_tc = r * np.sum((m_tc - m_t[:, None] - m_c[None, :] + g) ** 2)
    ss_rc = t * np.sum((m_rc - m_r[:, None] - m_c[None, :] + g) ** 2)
    resid = (y - m_tr[:, :, None] - m_tc[:, None, :] - m_rc[None, :, :]
             + m_t[:, None, None] + m_r[None, :, None] + m_c[None, None, :] - g)
    ss_trc = np.sum(resid**2)
    return {
        "ms_t": float(ss_t / (t - 1)),
        "ms_r": float(ss_r / (r - 1)),
        "ms_c": float(ss_c / (c - 1)),
        "ms_tr": float(ss_tr / ((t - 1) * (r - 1))),
        "ms_tc": float(ss_tc / ((t - 1) * (c - 1))),
        "ms_rc": float(ss_rc / ((r - 1) * (c - 1))),
        "ms_trc": float(ss_trc / ((t - 1) * (r - 1) * (c - 1))),
    }


def _anova2(y: np.ndarray) -> tuple[float, float, float]:
    """Mean squares (MS(A), MS(C), MS(AC)) of a two-way table a x c without replication."""
    a, c = y.shape
    g = y.mean()
    ma = y.mean(axis=1)
    mc = y.mean(axis=0)
    ms_a = c * float(np.sum((ma - g) ** 2)) / (a - 1)
    ms_c = a * float(np.sum((mc - g) ** 2)) / (c - 1)
    ms_ac = float(np.sum((y - ma[:, None] - mc[None, :] + g) ** 2)) / ((a - 1) * (c - 1))
    return ms_a, ms_c, ms_ac


def dbm_analysis(
    theta: np.ndarray,
    loo: np.ndarray,
    modalities: tuple[str, ...],
    readers: tuple[str, ...],
    alpha: float = 0.05,
) -> DBMAnalysis:
    """DBM analysis with Hillis (2008) df from FOMs (t, r) and leave-one-out FOMs (t, r, c)."""
    y = pseudovalues(theta, loo)
    t, r, c = y.shape
    ms = _anova3(y)
    comp = DBMComponents(
        **ms,
        var_r=(ms["ms_r"] - ms["ms_tr"] - ms["ms_rc"] + ms["ms_trc"]) / (t * c),
        var_c=(ms["ms_c"] - ms["ms_tc"] - ms["ms_rc"] + ms["ms_trc"]) / (t * r),
        var_tr=(ms["ms_tr"] - ms["ms_trc"]) / c,
        var_tc=(ms["ms_tc"] - ms["ms_trc"]) / r,
        var_rc=(ms["ms_rc"] - ms["ms_trc"]) / t,
        var_error=ms["ms_trc"],
    )
    means = y.mean(axis=(1, 2))
    pairs = list(combinations(range(t), 2))
    labels = {(a, b): f"{modalities[a]} - {modalities[b]}" for a, b in pairs}
    ms_t, ms_tr, ms_tc, ms_trc = ms["ms_t"], ms["ms_tr"], ms["ms_tc"], ms["ms_trc"]

    # RRRC
    den = ms_tr + max(ms_tc - ms_trc, 0.0)
    ddf = _satterthwaite(den, ms_tr, (t - 1) * (r - 1))
    f = ms_t / den if den > 0 else float("inf")
    p = float(stats.f.sf(f, t - 1, ddf)) if np.isfinite(ddf) else float(stats.chi2.sf(f * (t - 1), t - 1))
    se = float(np.sqrt(2.0 * den / (r * c)))
    diffs = tuple(_difference(labels[a, b], means[a] - means[b], se, ddf, alpha) for a, b in pairs)
    mods_rrrc, mods_frrc, mods_rrfc = [], [], []
    for i in range(t):
        ms_r_i, ms_c_i, ms_rc_i = _anova2(y[i])
        tot = ms_r_i + max(ms_c_i - ms_rc_i, 0.0)
        mods_rrrc.append(_modality_ci(modalities[i], means[i], np.sqrt(tot / (r * c)),
                                      _satterthwaite(tot, ms_r_i, r - 1), alpha))
        mods_frrc.append(_modality_ci(modalities[i], means[i], np.sqrt(ms_c_i / (r * c)),
                                      c - 1, alpha))
        mods_rrfc.append(_modality_ci(modalities[i], means[i], np.sqrt(ms_r_i / (r * c)),
                                      r - 1, alpha))
    rrrc = FactorAnalysis("rrrc", "dbm", alpha, GlobalTest(float(f), t - 1, ddf, p, "F"), diffs,
                          tuple(mods_rrrc))

    # FRRC
    df_tc = (t - 1) * (c - 1)
    f_f = ms_t / ms_tc if ms_tc > 0 else float("inf")
    p_f = float(stats.f.sf(f_f, t - 1, df_tc))
    se_f = float(np.sqrt(2.0 * ms_tc / (r * c)))
    diffs_f = tuple(_difference(labels[a, b], means[a] - means[b], se_f, df_tc, alpha)
                    for a, b in pairs)
    reader_diffs = []
    for j in range(r):
        _, _, ms_tc_j = _anova2(y[:, j, :])
        se_j = float(np.sqrt(2.0 * ms_tc_j / c))
        for a, b in pairs:
            reader_diffs.append(_difference(labels[a, b], theta[a, j] - theta[b, j], se_j,
                                            df_tc, alpha, readers[j]))
    frrc = FactorAnalysis("frrc", "dbm", alpha, GlobalTest(float(f_f), t - 1, df_tc, p_f, "F"),
                          diffs_f, tuple(mods_frrc), tuple(reader_diffs))

    # RRFC
    df_tr = (t - 1) * (r - 1)
    f_c = ms_t / ms_tr if ms_tr > 0 else float("inf")
    p_c = float(stats.f.sf(f_c, t - 1, df_tr))
    se_c = float(np.sqrt(2.0 * ms_tr / (r * c)))
    diffs_c = tuple(_difference(labels[a, b], means[a] - means[b], se_c, df_tr, alpha)
                    for a, b in pairs)
    rrfc = FactorAnalysis("rrfc", "dbm", alpha, GlobalTest(float(f_c), t - 1, df_tr, p_c, "F"),
                          diffs_c, tuple(mods_rrfc))
    return DBMAnalysis(comp, rrrc, frrc, rrfc)
