"""Covariance of the reader-modality figures of merit, over cases.

Three estimators of the (t*r) x (t*r) covariance matrix of the FOM estimates, rows ordered
modality-major (index ``i*r + j`` for modality i, reader j):

* **jackknife** over cases (Efron 1982; as in Obuchowski & Rockette 1995 and Hillis 2007):
  ``(c-1)/c * sum_k (theta_(k) - mean)(theta_(k) - mean)'`` over the c cases of the study
  that the FOM depends on (all cases for the AUC and partial AUC; the diseased cases for the
  sensitivity, the non-diseased for the specificity, as MRMCaov does). On incomplete designs
  two conventions exist (they coincide when fully crossed):

  - ``study_cases`` (default; MRMCaov 0.3.0, ``R/jackknife.R``): a reader-modality a that did
    not read case k keeps its full-data FOM as leave-one-out value, ``theta_a(k) = theta_a``;
    every FOM is jackknifed over all c study cases with factor ``(c-1)/c``::

        Cov_ab = (c-1)/c * sum_{k=1..c} (theta_a(k) - mean_a)(theta_b(k) - mean_b)

    where ``mean_a`` averages over the c cases (unread ones included). Where MRMCaov's design
    is "cases nested within readers" (each case read by one reader) it sets Cov2 = Cov3 = 0;
    "cases nested within modality": Cov1 = Cov3 = 0; the matrix entries of those pairs (which
    share no case) are set to 0 here, which gives the same averages.
  - ``own_cases``: each reader-modality a is jackknifed over its own n_a cases S_a, the
    cross-product running over the cases S_a and S_b share::

        Cov_ab = sqrt((n_a-1)(n_b-1)/(n_a n_b)) * sum_{k in S_a & S_b}
                 (theta_a(k) - mean_a)(theta_b(k) - mean_b)

    with ``mean_a`` over S_a (pairs sharing no case: 0). For the AUC the two differ by the
    scale factors only (the mean of the leave-one-out AUCs over S_a is theta_a): the variance
    of a FOM read on n_a of c cases is ``(c-1)/c`` vs ``(n_a-1)/n_a`` times the same sum.
* **DeLong** (DeLong, DeLong & Clarke-Pearson 1988, Biometrics 44:837) from placement values,
  computed with the fast midrank algorithm of Sun & Xu (2014): ``S10/m + S01/n``. AUC only,
  fully crossed designs only.
* **bootstrap**: resampling diseased and non-diseased cases separately (stratified), the same
  resampled cases for all readers and modalities; sample covariance of the replicates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .data import Reads
from .errors import MrmcDesignError, MrmcInputError
from .fom import FomSpec, fom_rows, leave_one_out_rows, placement_values

__all__ = [
    "COV_METHODS",
    "JACKKNIFE_CONVENTIONS",
    "FomCovariance",
    "estimate_covariance",
    "jackknife_cases",
    "leave_one_out",
]

COV_METHODS = ("jackknife", "delong", "bootstrap")
#: How the jackknife treats a case a reader-modality did not read (see the module docstring).
JACKKNIFE_CONVENTIONS = ("study_cases", "own_cases")


@dataclass(frozen=True, eq=False)
class FomCovariance:
    """FOM estimates and their covariance.

    Attributes:
        method: ``jackknife``, ``delong`` or ``bootstrap``.
        theta: FOM, shape (n_modalities, n_readers).
        cov: covariance matrix, shape (t*r, t*r), modality-major.
        loo: leave-one-case-out FOM, shape (t, r, n_cases), NaN where the case was not read
            by that reader-modality (jackknife only, else None).
        n_boot: number of bootstrap replicates (bootstrap only).
        convention: jackknife convention, ``study_cases`` or ``own_cases`` (jackknife only).
        jk_cases: boolean (n_cases,), the cases the jackknife runs over (jackknife only).
    """

    method: str
    theta: np.ndarray = field(repr=False)
    cov: np.ndarray = field(repr=False)
    loo: np.ndarray | None = field(default=None, repr=False)
    n_boot: int | None = None
    convention: str | None = None
    jk_cases: np.ndarray | None = field(default=None, repr=False)


def leave_one_out(reads: Reads, spec: FomSpec) -> tuple[np.ndarray, np.ndarray]:
    """FOM (t, r) and leave-one-case-out FOM (t, r, c) (NaN where a case was not read)."""
    t, r, c = reads.ratings.shape
    flat = reads.ratings.reshape(t * r, c)
    is_pos = reads.truth == 1
    loo = np.full((t * r, c), np.nan)
    theta = np.empty(t * r)
    if reads.is_fully_crossed:
        pos_idx = np.flatnonzero(is_pos)
        neg_idx = np.flatnonzero(~is_pos)
        theta, lp, ln = leave_one_out_rows(spec, flat[:, pos_idx], flat[:, neg_idx])
        loo[:, pos_idx] = lp
        loo[:, neg_idx] = ln
    else:
        mask = reads.read_mask.reshape(t * r, c)
        for a in range(t * r):  # loop over reader-modalities, not cases
            pos_idx = np.flatnonzero(mask[a] & is_pos)
            neg_idx = np.flatnonzero(mask[a] & ~is_pos)
            th, lp, ln = leave_one_out_rows(spec, flat[a, pos_idx], flat[a, neg_idx])
            theta[a] = th[0]
            loo[a, pos_idx] = lp[0]
            loo[a, neg_idx] = ln[0]
    return theta.reshape(t, r), loo.reshape(t, r, c)


def jackknife_cases(reads: Reads, spec: FomSpec) -> np.ndarray:
    """Boolean mask of the cases the FOM depends on, over which the jackknife runs.

    All cases for the AUC and partial AUC; diseased cases for the sensitivity, non-diseased
    for the specificity (removing a case of the other class leaves the FOM unchanged; MRMCaov
    drops those cases before its jackknife, ``preprocess()`` in ``R/utils.R``).
    """
    if spec.name == "sensitivity":
        return np.asarray(reads.truth == 1)
    if spec.name == "specificity":
        return np.asarray(reads.truth == 0)
    return np.ones(reads.truth.shape, dtype=bool)


def _no_shared_case(mask: np.ndarray) -> np.ndarray:
    """(t*r, t*r) True where two reader-modalities share no case (mask: (t*r, c))."""
    m = mask.astype(np.float64)
    return np.asarray((m @ m.T) == 0)


def _jackknife(
    reads: Reads, spec: FomSpec, convention: str, design_kind: str | None
) -> FomCovariance:
    theta, loo = leave_one_out(reads, spec)
    t, r, c = loo.shape
    keep = jackknife_cases(reads, spec)
    flat = loo.reshape(t * r, c)[:, keep]
    present = ~np.isnan(flat)
    if convention == "study_cases":
        n = flat.shape[1]
        filled = np.where(present, flat, theta.reshape(t * r, 1))
        dev = filled - filled.mean(axis=1, keepdims=True)
        cov = (n - 1) / n * (dev @ dev.T)
        if design_kind in ("cases_nested_in_reader", "cases_nested_in_modality"):
            cov[_no_shared_case(present)] = 0.0
    else:
        n_a = present.sum(axis=1)
        means = np.nanmean(flat, axis=1)
        dev = np.where(present, flat - means[:, None], 0.0)
        dev *= np.sqrt((n_a - 1) / n_a)[:, None]
        cov = dev @ dev.T
    return FomCovariance("jackknife", theta, cov, loo, convention=convention, jk_cases=keep)


def _delong(reads: Reads, spec: FomSpec) -> FomCovariance:
    if spec.name != "auc":
        raise MrmcDesignError(
            f"DeLong covariance applies to the AUC only; use cov='jackknife' or 'bootstrap' "
            f"for {spec.name}"
        )
    if not reads.is_fully_crossed:
        raise MrmcDesignError(
            "DeLong covariance is undefined on this design: it needs every reader to read the "
            "same cases in every modality (MRMCaov refuses it too: 'balanced design required "
            "for DeLong covariance method'); use cov='jackknife' (method='or')"
        )
    t, r, c = reads.ratings.shape
    flat = reads.ratings.reshape(t * r, c)
    is_pos = reads.truth == 1
    v10, v01 = placement_values(flat[:, is_pos], flat[:, ~is_pos])
    m, n = v10.shape[1], v01.shape[1]
    theta = v10.mean(axis=1)
    cov = np.cov(v10, ddof=1) / m + np.cov(v01, ddof=1) / n
    return FomCovariance("delong", theta.reshape(t, r), np.atleast_2d(cov))


def _bootstrap(reads: Reads, spec: FomSpec, n_boot: int, seed: int | None) -> FomCovariance:
    if not reads.is_fully_crossed:
        raise MrmcDesignError(
            "bootstrap covariance is implemented for fully crossed designs only; this design "
            "is incomplete: use cov='jackknife' (method='or')"
        )
    if n_boot < 2:
        raise MrmcDesignError(f"n_boot must be at least 2; got {n_boot}")
    rng = np.random.default_rng(seed)
    t, r, c = reads.ratings.shape
    flat = reads.ratings.reshape(t * r, c)
    is_pos = reads.truth == 1
    pos = flat[:, is_pos]
    neg = flat[:, ~is_pos]
    m, n = pos.shape[1], neg.shape[1]
    theta = fom_rows(spec, pos, neg)
    reps = np.empty((n_boot, t * r))
    for b in range(n_boot):
        reps[b] = fom_rows(spec, pos[:, rng.integers(0, m, m)], neg[:, rng.integers(0, n, n)])
    cov = np.atleast_2d(np.cov(reps, rowvar=False, ddof=1))
    return FomCovariance("bootstrap", theta.reshape(t, r), cov, n_boot=n_boot)


def estimate_covariance(
    reads: Reads,
    spec: FomSpec,
    method: str = "jackknife",
    *,
    n_boot: int = 2000,
    seed: int | None = None,
    convention: str = "study_cases",
    design_kind: str | None = None,
) -> FomCovariance:
    """FOM estimates and their covariance by ``method`` (see the module docstring).

    ``convention`` is the jackknife's on incomplete designs (``study_cases``, as MRMCaov, or
    ``own_cases``); ``design_kind`` (:attr:`Design.kind`) lets ``study_cases`` zero the
    covariances MRMCaov zeroes for cases nested within readers or modalities.
    """
    if convention not in JACKKNIFE_CONVENTIONS:
        raise MrmcInputError(
            f"jackknife must be one of {', '.join(JACKKNIFE_CONVENTIONS)}; got {convention!r}"
        )
    if method == "jackknife":
        return _jackknife(reads, spec, convention, design_kind)
    if method == "delong":
        return _delong(reads, spec)
    if method == "bootstrap":
        return _bootstrap(reads, spec, n_boot, seed)
    raise MrmcDesignError(f"cov must be one of {', '.join(COV_METHODS)}; got {method!r}")
