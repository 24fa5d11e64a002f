"""Obuchowski-Rockette (OR) analysis of reader-modality figures of merit.

Model (Obuchowski & Rockette 1995, Commun Stat Simul Comput 24:285):
``theta_ij = mu_i + R_j + (TR)_ij + e_ij`` with error covariance over cases summarised by
``Var(error)`` and ``Cov1`` (same reader, different modalities), ``Cov2`` (different readers,
same modality), ``Cov3`` (different readers, different modalities), each averaged over the
estimated covariance matrix.

Tests and intervals follow Hillis (2007, Stat Med 26:596) and Hillis et al. (2008, Acad Radiol
15:647), as implemented in OR-DBM MRMC and MRMCaov:

* RRRC: ``F = MS(T) / [MS(TR) + r max(Cov2 - Cov3, 0)]`` on ``t-1`` and
  ``ddf_H = [MS(TR) + r max(Cov2 - Cov3, 0)]^2 / {MS(TR)^2 / [(t-1)(r-1)]}`` df;
  difference SE ``sqrt(2/r [MS(TR) + r max(Cov2 - Cov3, 0)])``; single-modality interval with
  ``MS(R_i) + r max(Cov2_i, 0)`` and Satterthwaite df.
* FRRC: ``X2 = (t-1) MS(T) / [Var - Cov1 + (r-1) max(Cov2 - Cov3, 0)]`` on ``t-1`` df; normal
  intervals; per-reader comparisons from that reader's variances and covariance.
* RRFC: ``F = MS(T) / MS(TR)`` on ``t-1``, ``(t-1)(r-1)`` df (ordinary mixed-model ANOVA).

For incomplete designs (split-plot, partially paired) the same formulas hold with Cov1-Cov3
averaged over all pairs of reader-modalities, pairs without shared cases counting as 0: the
expected-mean-square identity ``E[MS(T)] - E[MS(TR)] = r (Cov2 - Cov3)`` then still holds
because the mean-square quadratic forms are invariant to permutations of readers and
modalities (compare Hillis 2014, Stat Med 33:330, marginal-mean ANOVA).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
from scipy import stats

from .results import Difference, FactorAnalysis, GlobalTest, ModalityCI, clean, format_table

__all__ = ["ORAnalysis", "ORComponents", "or_analysis", "or_components"]


@dataclass(frozen=True)
class ORComponents:
    """OR variance components and error covariances (FOM units squared).

    ``var_r`` and ``var_tr`` are the reader and modality-by-reader variance components
    (method-of-moments estimates, may be negative); ``var_error``, ``cov1``-``cov3`` are the
    averaged error variance and covariances; ``ms_t``, ``ms_r``, ``ms_tr`` the mean squares of
    the modality x reader table of FOMs.
    """

    var_r: float
    var_tr: float
    var_error: float
    cov1: float
    cov2: float
    cov3: float
    ms_t: float
    ms_r: float
    ms_tr: float
    n_modalities: int
    n_readers: int

    def to_dict(self) -> dict[str, Any]:
        return clean(
            {
                "var_r": self.var_r,
                "var_tr": self.var_tr,
                "var_error": self.var_error,
                "cov1": self.cov1,
                "cov2": self.cov2,
                "cov3": self.cov3,
                "ms_t": self.ms_t,
                "ms_r": self.ms_r,
                "ms_tr": self.ms_tr,
            }
        )

    def summary(self) -> str:
        def corr(c: float) -> float | None:
            return c / self.var_error if self.var_error > 0 else None

        return "Obuchowski-Rockette variance component and covariance estimates:\n" + format_table(
            ["", "Estimate", "Correlation"],
            [
                ["reader (Var(R))", self.var_r, None],
                ["modality:reader (Var(TxR))", self.var_tr, None],
                ["Error (Var(error))", self.var_error, None],
                ["Cov1", self.cov1, corr(self.cov1)],
                ["Cov2", self.cov2, corr(self.cov2)],
                ["Cov3", self.cov3, corr(self.cov3)],
            ],
        )


@dataclass(frozen=True)
class ORAnalysis:
    """OR analysis: components and the RRRC, FRRC and RRFC generalisations."""

    components: ORComponents
    rrrc: FactorAnalysis
    frrc: FactorAnalysis
    rrfc: FactorAnalysis

    def to_dict(self) -> dict[str, Any]:
        return {
            "components": self.components.to_dict(),
            "rrrc": self.rrrc.to_dict(),
            "frrc": self.frrc.to_dict(),
            "rrfc": self.rrfc.to_dict(),
        }

    def summary(self) -> str:
        return "\n\n".join(
            [self.components.summary(), self.rrrc.summary(), self.frrc.summary(),
             self.rrfc.summary()]
        )


def _mean_squares(theta: np.ndarray) -> tuple[float, float, float]:
    t, r = theta.shape
    grand = theta.mean()
    mt = theta.mean(axis=1)
    mr = theta.mean(axis=0)
    ms_t = r * float(np.sum((mt - grand) ** 2)) / (t - 1)
    ms_r = t * float(np.sum((mr - grand) ** 2)) / (r - 1)
    resid = theta - mt[:, None] - mr[None, :] + grand
    ms_tr = float(np.sum(resid**2)) / ((t - 1) * (r - 1))
    return ms_t, ms_r, ms_tr


def _averaged_covariances(cov: np.ndarray, t: int, r: int) -> tuple[float, float, float, float]:
    c4 = cov.reshape(t, r, t, r)
    same_t = np.eye(t, dtype=bool)[:, None, :, None]
    same_r = np.eye(r, dtype=bool)[None, :, None, :]
    var = float(c4[same_t & same_r].mean())
    cov1 = float(c4[~same_t & same_r].mean())
    cov2 = float(c4[same_t & ~same_r].mean())
    cov3 = float(c4[~same_t & ~same_r].mean())
    return var, cov1, cov2, cov3


def or_components(theta: np.ndarray, cov: np.ndarray) -> ORComponents:
    """OR variance components from FOMs (t, r) and their covariance (t*r, t*r).

    ``Var(TR) = MS(TR) - Var + Cov1 + Cov2 - Cov3`` and
    ``Var(R) = [MS(R) - MS(TR)]/t - Cov1 + Cov3`` (method of moments; Hillis 2005).
    """
    t, r = theta.shape
    ms_t, ms_r, ms_tr = _mean_squares(theta)
    var, cov1, cov2, cov3 = _averaged_covariances(cov, t, r)
    var_tr = ms_tr - var + cov1 + cov2 - cov3
    var_r = (ms_r - ms_tr) / t - cov1 + cov3
    return ORComponents(var_r, var_tr, var, cov1, cov2, cov3, ms_t, ms_r, ms_tr, t, r)


def _two_sided_t(est: float, se: float, df: float, alpha: float) -> tuple[float, float, float, float]:
    stat = est / se if se > 0 else (np.inf if est else 0.0)
    if np.isinf(df):
        q = stats.norm.ppf(1 - alpha / 2)
        p = 2 * stats.norm.sf(abs(stat))
    else:
        q = stats.t.ppf(1 - alpha / 2, df)
        p = 2 * stats.t.sf(abs(stat), df)
    return float(stat), float(p), float(est - q * se), float(est + q * se)


def _difference(label: str, est: float, se: float, df: float | None, alpha: float,
                reader: str | None = None) -> Difference:
    stat, p, lo, hi = _two_sided_t(est, se, np.inf if df is None else df, alpha)
    return Difference(label, float(est), float(se), None if df is None else float(df), lo, hi,
                      stat, p, reader)


def _modality_ci(label: str, est: float, se: float, df: float | None, alpha: float) -> ModalityCI:
    _, _, lo, hi = _two_sided_t(est, se, np.inf if df is None else df, alpha)
    return ModalityCI(label, float(est), float(se), None if df is None else float(df), lo, hi)


def _satterthwaite(total: float, ms: float, df_ms: float) -> float:
    return float(total**2 / (ms**2 / df_ms)) if ms > 0 else float("inf")


def or_analysis(
    theta: np.ndarray,
    cov: np.ndarray,
    modalities: tuple[str, ...],
    readers: tuple[str, ...],
    alpha: float = 0.05,
) -> ORAnalysis:
    """Obuchowski-Rockette analysis with Hillis df (see module docstring).

    Args:
        theta: FOM per modality and reader, shape (t, r).
        cov: covariance of the FOMs over cases, (t*r, t*r), modality-major.
        modalities, readers: labels for the rows/columns of ``theta``.
        alpha: significance level.
    """
    t, r = theta.shape
    comp = or_components(theta, cov)
    ms_t, ms_tr = comp.ms_t, comp.ms_tr
    c23 = max(comp.cov2 - comp.cov3, 0.0)
    means = theta.mean(axis=1)
    pairs = list(combinations(range(t), 2))
    labels = {(a, b): f"{modalities[a]} - {modalities[b]}" for a, b in pairs}
    c4 = cov.reshape(t, r, t, r)

    # --- random readers, random cases
    den = ms_tr + r * c23
    ddf = _satterthwaite(den, ms_tr, (t - 1) * (r - 1))
    f = ms_t / den if den > 0 else float("inf")
    p = float(stats.f.sf(f, t - 1, ddf)) if np.isfinite(ddf) else float(stats.chi2.sf(f * (t - 1), t - 1))
    se = float(np.sqrt(2.0 / r * den))
    rrrc_diffs = tuple(_difference(labels[a, b], means[a] - means[b], se, ddf, alpha) for a, b in pairs)
    rrrc_mods = []
    for i in range(t):
        ms_ri = float(np.var(theta[i], ddof=1))
        cov2_i = float(c4[i, :, i, :][~np.eye(r, dtype=bool)].mean())
        tot = ms_ri + r * max(cov2_i, 0.0)
        rrrc_mods.append(_modality_ci(modalities[i], means[i], np.sqrt(tot / r),
                                      _satterthwaite(tot, ms_ri, r - 1), alpha))
    rrrc = FactorAnalysis("rrrc", "or", alpha, GlobalTest(float(f), t - 1, ddf, p, "F"),
                          rrrc_diffs, tuple(rrrc_mods))

    # --- fixed readers, random cases
    den_f = comp.var_error - comp.cov1 + (r - 1) * c23
    x2 = (t - 1) * ms_t / den_f if den_f > 0 else float("inf")
    p_f = float(stats.chi2.sf(x2, t - 1))
    se_f = float(np.sqrt(2.0 / r * den_f)) if den_f > 0 else 0.0
    frrc_diffs = tuple(_difference(labels[a, b], means[a] - means[b], se_f, None, alpha)
                       for a, b in pairs)
    frrc_mods = []
    for i in range(t):
        block = c4[i, :, i, :]
        var_i = float(np.diag(block).mean())
        cov2_i = float(block[~np.eye(r, dtype=bool)].mean())
        frrc_mods.append(_modality_ci(modalities[i], means[i],
                                      np.sqrt(max(var_i + (r - 1) * max(cov2_i, 0.0), 0.0) / r),
                                      None, alpha))
    reader_diffs = []
    for j in range(r):
        for a, b in pairs:
            v = c4[a, j, a, j] + c4[b, j, b, j] - 2 * c4[a, j, b, j]
            reader_diffs.append(_difference(labels[a, b], theta[a, j] - theta[b, j],
                                            np.sqrt(max(v, 0.0)), None, alpha, readers[j]))
    frrc = FactorAnalysis("frrc", "or", alpha, GlobalTest(float(x2), t - 1, None, p_f, "chi2"),
                          frrc_diffs, tuple(frrc_mods), tuple(reader_diffs))

    # --- random readers, fixed cases
    df_tr = (t - 1) * (r - 1)
    f_c = ms_t / ms_tr if ms_tr > 0 else float("inf")
    p_c = float(stats.f.sf(f_c, t - 1, df_tr))
    se_c = float(np.sqrt(2.0 / r * ms_tr))
    rrfc_diffs = tuple(_difference(labels[a, b], means[a] - means[b], se_c, df_tr, alpha)
                       for a, b in pairs)
    rrfc_mods = tuple(
        _modality_ci(modalities[i], means[i], np.sqrt(np.var(theta[i], ddof=1) / r), r - 1, alpha)
        for i in range(t)
    )
    rrfc = FactorAnalysis("rrfc", "or", alpha, GlobalTest(float(f_c), t - 1, df_tr, p_c, "F"),
                          rrfc_diffs, rrfc_mods)
    return ORAnalysis(comp, rrrc, frrc, rrfc)
