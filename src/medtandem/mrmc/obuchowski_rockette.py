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
* FRRC: ``X2 = (t-1) MS(T) / [Var - Cov1 + (r-1) (Cov2 - Cov3)]`` on ``t-1`` df; normal
  intervals; per-reader comparisons from that reader's variances and covariance. With
  ``Cov2 < Cov3`` the references differ: OR-DBM MRMC truncates ``Cov2 - Cov3`` at 0 here as
  in the RRRC test, MRMCaov 0.3.0 does not (``.summary.mrmc_frrc`` in ``R/summary.R``).
  ``frrc_truncate=True`` (default) follows OR-DBM MRMC and Hillis (2007): under the OR model
  ``Cov2 >= Cov3``, a negative estimate is sampling error, and the truncated denominator is
  the conservative one (never smaller) and the same quantity the RRRC test uses;
  ``frrc_truncate=False`` reproduces MRMCaov.
* RRFC: ``F = MS(T) / MS(TR)`` on ``t-1``, ``(t-1)(r-1)`` df (ordinary mixed-model ANOVA).

The three analyses are assembled by :func:`medtandem.mrmc.builder.build_factor_analyses`,
shared with DBM.

For incomplete designs (split-plot, partially paired) the same formulas hold with Cov1-Cov3
averaged over all pairs of reader-modalities, pairs without shared cases counting as 0: the
expected-mean-square identity ``E[MS(T)] - E[MS(TR)] = r (Cov2 - Cov3)`` then still holds
because the mean-square quadratic forms are invariant to permutations of readers and
modalities (compare Hillis 2014, Stat Med 33:330, marginal-mean ANOVA).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from itertools import combinations
from typing import Any

import numpy as np

from .builder import FactorInputs, build_factor_analyses, two_way_mean_squares
from .errors import MrmcInputError
from .results import MethodAnalysis, clean, format_table

__all__ = [
    "ORAnalysis",
    "ORComponents",
    "check_alpha",
    "check_fom_table",
    "or_analysis",
    "or_components",
]


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
        d = asdict(self)
        del d["n_modalities"], d["n_readers"]
        return clean(d)

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


#: OR analysis: components and the RRRC, FRRC and RRFC generalisations.
ORAnalysis = MethodAnalysis[ORComponents]


def _averaged_covariances(cov: np.ndarray, t: int, r: int) -> tuple[float, float, float, float]:
    c4 = cov.reshape(t, r, t, r)
    same_t = np.eye(t, dtype=bool)[:, None, :, None]
    same_r = np.eye(r, dtype=bool)[None, :, None, :]
    var = float(c4[same_t & same_r].mean())
    cov1 = float(c4[~same_t & same_r].mean())
    cov2 = float(c4[same_t & ~same_r].mean())
    cov3 = float(c4[~same_t & ~same_r].mean())
    return var, cov1, cov2, cov3


def check_fom_table(
    theta: Any, name: str = "theta", *, cov: Any = None, modalities: Any = None, readers: Any = None
) -> None:
    """Validate a (t, r) FOM table (t, r >= 2, finite) and, if given, its (t*r, t*r) covariance
    and labels; raise :class:`MrmcInputError` naming the argument."""
    arr = np.asarray(theta, dtype=float) if np.ndim(theta) else np.zeros((0, 0))
    if arr.ndim != 2 or arr.shape[0] < 2 or arr.shape[1] < 2:
        raise MrmcInputError(
            f"{name} must be a (modalities, readers) table with at least 2 of "
            f"each; got shape {np.shape(theta)}"
        )
    if not np.isfinite(arr).all():
        raise MrmcInputError(f"{name} must be finite")
    t, r = arr.shape
    if cov is not None:
        c = np.asarray(cov, dtype=float)
        if c.shape != (t * r, t * r) or not np.isfinite(c).all():
            raise MrmcInputError(
                f"cov must be a finite ({t * r}, {t * r}) matrix for {t} "
                f"modalities x {r} readers; got shape {c.shape}"
            )
    for label, values, n in (("modalities", modalities, t), ("readers", readers, r)):
        if values is not None and len(values) != n:
            raise MrmcInputError(f"{label} must have {n} labels; got {len(values)}")


def or_components(theta: np.ndarray, cov: np.ndarray) -> ORComponents:
    """OR variance components from FOMs (t, r) and their covariance (t*r, t*r).

    ``Var(TR) = MS(TR) - Var + Cov1 + Cov2 - Cov3`` and
    ``Var(R) = [MS(R) - MS(TR)]/t - Cov1 + Cov3`` (method of moments; Hillis 2005).
    """
    check_fom_table(theta, cov=cov)
    theta = np.asarray(theta, dtype=float)
    cov = np.asarray(cov, dtype=float)
    t, r = theta.shape
    ms_t, ms_r, ms_tr = two_way_mean_squares(theta)
    var, cov1, cov2, cov3 = _averaged_covariances(cov, t, r)
    var_tr = ms_tr - var + cov1 + cov2 - cov3
    var_r = (ms_r - ms_tr) / t - cov1 + cov3
    return ORComponents(var_r, var_tr, var, cov1, cov2, cov3, ms_t, ms_r, ms_tr, t, r)


def check_alpha(alpha: Any) -> None:
    """``alpha`` must be a number in (0, 1)."""
    if (
        isinstance(alpha, bool)
        or not isinstance(alpha, int | float | np.floating)
        or not 0 < alpha < 1
    ):
        raise MrmcInputError(f"alpha must be between 0 and 1 (a number); got {alpha!r}")


def or_analysis(
    theta: np.ndarray,
    cov: np.ndarray,
    modalities: tuple[str, ...],
    readers: tuple[str, ...],
    alpha: float = 0.05,
    *,
    frrc_truncate: bool = True,
) -> ORAnalysis:
    """Obuchowski-Rockette analysis with Hillis df (see module docstring).

    Args:
        theta: FOM per modality and reader, shape (t, r).
        cov: covariance of the FOMs over cases, (t*r, t*r), modality-major.
        modalities, readers: labels for the rows/columns of ``theta``.
        alpha: significance level.
        frrc_truncate: truncate ``Cov2 - Cov3`` at 0 in the FRRC analysis (OR-DBM MRMC) or
            not (MRMCaov).

    Raises:
        MrmcInputError: fewer than 2 modalities or readers, shapes that disagree, non-finite
            values, ``alpha`` outside (0, 1).
    """
    check_fom_table(theta, cov=cov, modalities=modalities, readers=readers)
    check_alpha(alpha)
    theta = np.asarray(theta, dtype=float)
    cov = np.asarray(cov, dtype=float)
    t, r = theta.shape
    comp = or_components(theta, cov)
    c4 = cov.reshape(t, r, t, r)
    off = ~np.eye(r, dtype=bool)
    cov2_i = np.array([c4[i, :, i, :][off].mean() for i in range(t)])
    var_i = np.array([np.diag(c4[i, :, i, :]).mean() for i in range(t)])
    c23 = comp.cov2 - comp.cov3
    pairs = list(combinations(range(t), 2))
    reader_var = np.array(
        [[c4[a, j, a, j] + c4[b, j, b, j] - 2 * c4[a, j, b, j] for a, b in pairs] for j in range(r)]
    )
    rrrc, frrc, rrfc = build_factor_analyses(
        FactorInputs(
            method="or",
            modalities=modalities,
            readers=readers,
            means=theta.mean(axis=1),
            theta=theta,
            ms_t=comp.ms_t,
            ms_tr=comp.ms_tr,
            rrrc_excess=r * max(c23, 0.0),
            ms_r_i=np.var(theta, axis=1, ddof=1),
            rrrc_excess_i=r * np.maximum(cov2_i, 0.0),
            frrc_den=comp.var_error
            - comp.cov1
            + (r - 1) * (max(c23, 0.0) if frrc_truncate else c23),
            frrc_df=None,
            frrc_var_i=var_i + (r - 1) * np.maximum(cov2_i, 0.0),
            frrc_df_i=None,
            reader_var=reader_var,
        ),
        alpha,
    )
    return ORAnalysis(comp, rrrc, frrc, rrfc)
