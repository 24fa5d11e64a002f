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
the OR results with jackknife covariance (Hillis 2008). DBM needs a fully crossed design. The
three analyses are assembled by :func:`medtandem.mrmc.builder.build_factor_analyses`, shared
with OR, from the mean squares divided by c (the FOM scale).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from itertools import combinations

import numpy as np

from .builder import FactorInputs, build_factor_analyses, two_way_mean_squares
from .errors import MrmcDesignError, MrmcInputError
from .obuchowski_rockette import check_alpha, check_fom_table
from .results import JsonResult, MethodAnalysis, format_table

__all__ = ["DBMAnalysis", "DBMComponents", "dbm_analysis", "pseudovalues"]


@dataclass(frozen=True)
class DBMComponents(JsonResult):
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

    def summary(self) -> str:
        rows = [[k, v] for k, v in asdict(self).items()]
        return "DBM mean squares and variance components (pseudovalue scale):\n" + format_table(
            ["", "Estimate"], rows
        )


#: DBM analysis: components and the RRRC, FRRC and RRFC generalisations.
DBMAnalysis = MethodAnalysis[DBMComponents]


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
    resid = (
        y
        - m_tr[:, :, None]
        - m_tc[:, None, :]
        - m_rc[None, :, :]
        + m_t[:, None, None]
        + m_r[None, :, None]
        + m_c[None, None, :]
        - g
    )
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


def dbm_analysis(
    theta: np.ndarray,
    loo: np.ndarray,
    modalities: tuple[str, ...],
    readers: tuple[str, ...],
    alpha: float = 0.05,
) -> DBMAnalysis:
    """DBM analysis with Hillis (2008) df from FOMs (t, r) and leave-one-out FOMs (t, r, c).

    ``loo`` holds the cases the jackknife runs over (for the sensitivity, the diseased cases).

    Raises:
        MrmcInputError: fewer than 2 modalities, readers or cases, shapes that disagree.
    """
    check_fom_table(theta, modalities=modalities, readers=readers)
    check_alpha(alpha)
    loo = np.asarray(loo, dtype=float)
    if loo.ndim != 3 or loo.shape[:2] != np.shape(theta) or loo.shape[2] < 2:
        raise MrmcInputError(
            f"loo must have shape (modalities, readers, cases) = "
            f"{np.shape(theta)} + (at least 2,); got {loo.shape}"
        )
    theta = np.asarray(theta, dtype=float)
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
    per_modality = np.array(
        [two_way_mean_squares(y[i]) for i in range(t)]
    )  # (t, 3): MS(R), MS(C), MS(RC)
    pairs = list(combinations(range(t), 2))
    ms_tc_j = np.array([two_way_mean_squares(y[:, j, :])[2] for j in range(r)])
    rrrc, frrc, rrfc = build_factor_analyses(
        FactorInputs(
            method="dbm",
            modalities=modalities,
            readers=readers,
            means=y.mean(axis=(1, 2)),
            theta=theta,
            ms_t=ms["ms_t"] / c,
            ms_tr=ms["ms_tr"] / c,
            rrrc_excess=max(ms["ms_tc"] - ms["ms_trc"], 0.0) / c,
            ms_r_i=per_modality[:, 0] / c,
            rrrc_excess_i=np.maximum(per_modality[:, 1] - per_modality[:, 2], 0.0) / c,
            frrc_den=ms["ms_tc"] / c,
            frrc_df=float((t - 1) * (c - 1)),
            frrc_var_i=per_modality[:, 1] / c,
            frrc_df_i=float(c - 1),
            reader_var=np.repeat((2.0 * ms_tc_j / c)[:, None], len(pairs), axis=1),
        ),
        alpha,
    )
    return DBMAnalysis(comp, rrrc, frrc, rrfc)
