"""Covariance of the reader-modality figures of merit, over cases.

Three estimators of the (t*r) x (t*r) covariance matrix of the FOM estimates, rows ordered
modality-major (index ``i*r + j`` for modality i, reader j):

* **jackknife** over cases (Efron 1982; as in Obuchowski & Rockette 1995 and Hillis 2007):
  ``(c-1)/c * sum_k (theta_(k) - mean)(theta_(k) - mean)'``. For incomplete designs each
  reader-modality uses its own case set S_a; the cross-product runs over the cases two
  reader-modalities share, with factor ``sqrt((n_a-1)(n_b-1)/(n_a n_b))`` (so pairs with no
  case in common have covariance 0, and the factor is ``(c-1)/c`` when fully crossed).
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
from .errors import MrmcDesignError
from .fom import FomSpec, fom_rows, leave_one_out_rows, placement_values

__all__ = ["COV_METHODS", "FomCovariance", "estimate_covariance", "leave_one_out"]

COV_METHODS = ("jackknife", "delong", "bootstrap")


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
    """

    method: str
    theta: np.ndarray = field(repr=False)
    cov: np.ndarray = field(repr=False)
    loo: np.ndarray | None = field(default=None, repr=False)
    n_boot: int | None = None


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


def _jackknife(reads: Reads, spec: FomSpec) -> FomCovariance:
    theta, loo = leave_one_out(reads, spec)
    t, r, c = loo.shape
    flat = loo.reshape(t * r, c)
    present = ~np.isnan(flat)
    n_a = present.sum(axis=1)
    means = np.nanmean(flat, axis=1)
    dev = np.where(present, flat - means[:, None], 0.0)
    dev *= np.sqrt((n_a - 1) / n_a)[:, None]
    cov = dev @ dev.T
    return FomCovariance("jackknife", theta, cov, loo)


def _delong(reads: Reads, spec: FomSpec) -> FomCovariance:
    if spec.name != "auc":
        raise MrmcDesignError(
            f"DeLong covariance applies to the AUC only; use cov='jackknife' or 'bootstrap' "
            f"for {spec.name}"
        )
    if not reads.is_fully_crossed:
        raise MrmcDesignError(
            "DeLong covariance is implemented for fully crossed designs only; this design is "
            "incomplete: use cov='jackknife' (method='or')"
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
) -> FomCovariance:
    """FOM estimates and their covariance by ``method`` (see the module docstring)."""
    if method == "jackknife":
        return _jackknife(reads, spec)
    if method == "delong":
        return _delong(reads, spec)
    if method == "bootstrap":
        return _bootstrap(reads, spec, n_boot, seed)
    raise MrmcDesignError(f"cov must be one of {', '.join(COV_METHODS)}; got {method!r}")
