"""Figures of merit (FOM) of ROC analysis and their leave-one-case-out values.

* Empirical AUC: the Mann-Whitney statistic, a tie counting 1/2 (Hanley & McNeil 1982),
  computed through placement values (DeLong et al. 1988) obtained from midranks (Sun & Xu 2014),
  O(n log n) per reader-modality.
* Sensitivity and specificity at a threshold: a rating ``>= threshold`` is called positive.
* Partial AUC: the area under the empirical ROC curve for false-positive fractions in
  ``[0, max_fpr]`` (not standardised; divide by ``max_fpr`` for the mean sensitivity over
  that range).

All functions work row-wise on 2-D arrays: ``pos`` (K, m) holds the ratings of the m diseased
cases and ``neg`` (K, n) those of the n non-diseased cases for K reader-modalities.
Leave-one-out values of the AUC follow in O(n) from the placement values:
removing diseased case i gives ``(m*AUC - V10_i)/(m-1)``, removing non-diseased case j gives
``(n*AUC - V01_j)/(n-1)``; no loop over cases.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import MrmcInputError

__all__ = [
    "FomSpec",
    "auc",
    "fom_rows",
    "leave_one_out_rows",
    "partial_auc",
    "placement_values",
    "roc_points",
    "sensitivity",
    "specificity",
]

FOM_NAMES = ("auc", "sensitivity", "specificity", "pauc")


@dataclass(frozen=True)
class FomSpec:
    """Which figure of merit to analyse.

    Attributes:
        name: ``auc``, ``sensitivity``, ``specificity`` or ``pauc``.
        threshold: rating threshold (``>=`` is positive); required for sensitivity/specificity.
        max_fpr: upper false-positive fraction of the partial AUC, in (0, 1].
    """

    name: str = "auc"
    threshold: float | None = None
    max_fpr: float | None = None

    def __post_init__(self) -> None:
        if self.name not in FOM_NAMES:
            raise MrmcInputError(f"fom must be one of {', '.join(FOM_NAMES)}; got {self.name!r}")
        if self.name in ("sensitivity", "specificity") and self.threshold is None:
            raise MrmcInputError(f"fom={self.name!r} needs a threshold")
        if self.name == "pauc" and (self.max_fpr is None or not 0 < self.max_fpr <= 1):
            raise MrmcInputError(f"fom='pauc' needs max_fpr in (0, 1]; got {self.max_fpr!r}")

    @property
    def label(self) -> str:
        if self.name == "auc":
            return "AUC (empirical)"
        if self.name == "pauc":
            return f"partial AUC (FPF 0-{self.max_fpr:g})"
        return f"{self.name} at rating >= {self.threshold:g}"


def _midranks(x: np.ndarray) -> np.ndarray:
    """Midranks (ties get the mean of their ranks, 1-based) along the last axis of 2-D ``x``.

    The 'average' ranks of ``scipy.stats.rankdata``, written with numpy so the package does
    not import ``scipy.stats``.
    """
    k, n = x.shape
    order = np.argsort(x, axis=1, kind="mergesort")
    xs = np.take_along_axis(x, order, axis=1)
    out = np.empty((k, n))
    if n == 0:
        return out
    new = np.ones((k, n), dtype=bool)
    new[:, 1:] = xs[:, 1:] != xs[:, :-1]
    # for each sorted position, the first and last position of its tie block
    pos = np.broadcast_to(np.arange(n), (k, n))
    start = np.maximum.accumulate(np.where(new, pos, 0), axis=1)
    end_flag = np.ones((k, n), dtype=bool)
    end_flag[:, :-1] = new[:, 1:]
    end = np.minimum.accumulate(np.where(end_flag, pos, n - 1)[:, ::-1], axis=1)[:, ::-1]
    ranks = (start + end) / 2.0 + 1.0
    np.put_along_axis(out, order, ranks, axis=1)
    return out


def placement_values(pos: np.ndarray, neg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Placement values V10 (per diseased case) and V01 (per non-diseased case).

    ``V10[k, i]`` is the fraction of non-diseased ratings below diseased rating i (ties 1/2);
    ``V01[k, j]`` the fraction of diseased ratings above non-diseased rating j (ties 1/2).
    Computed with midranks as in Sun & Xu (2014), IEEE Signal Process Lett 21:1389.
    """
    pos = np.atleast_2d(pos)
    neg = np.atleast_2d(neg)
    m, n = pos.shape[1], neg.shape[1]
    both = _midranks(np.concatenate([pos, neg], axis=1))
    v10 = (both[:, :m] - _midranks(pos)) / n
    v01 = 1.0 - (both[:, m:] - _midranks(neg)) / m
    return v10, v01


def auc(pos: np.ndarray, neg: np.ndarray) -> np.ndarray:
    """Empirical (Mann-Whitney) AUC per row, ties counting 1/2."""
    v10, _ = placement_values(pos, neg)
    return v10.mean(axis=1)


def sensitivity(pos: np.ndarray, threshold: float) -> np.ndarray:
    """Fraction of diseased ratings ``>= threshold`` per row."""
    return (np.atleast_2d(pos) >= threshold).mean(axis=1)


def specificity(neg: np.ndarray, threshold: float) -> np.ndarray:
    """Fraction of non-diseased ratings ``< threshold`` per row."""
    return (np.atleast_2d(neg) < threshold).mean(axis=1)


def roc_points(pos: np.ndarray, neg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Empirical ROC operating points (FPF, TPF) of one reader-modality, from (0,0) to (1,1)."""
    pos = np.asarray(pos, dtype=float).ravel()
    neg = np.asarray(neg, dtype=float).ravel()
    thresholds = np.unique(np.concatenate([pos, neg]))[::-1]
    pos_s = np.sort(pos)
    neg_s = np.sort(neg)
    tpf = (pos.size - np.searchsorted(pos_s, thresholds, side="left")) / pos.size
    fpf = (neg.size - np.searchsorted(neg_s, thresholds, side="left")) / neg.size
    return np.concatenate([[0.0], fpf]), np.concatenate([[0.0], tpf])


def _partial_area(fpf: np.ndarray, tpf: np.ndarray, max_fpr: float) -> float:
    if max_fpr >= 1.0:
        return float(np.trapezoid(tpf, fpf))
    stop = np.searchsorted(fpf, max_fpr, side="right")
    x = fpf[:stop]
    y = tpf[:stop]
    if x[-1] < max_fpr:
        # interpolate along the next segment (the empirical curve is piecewise linear)
        x0, x1, y0, y1 = fpf[stop - 1], fpf[stop], tpf[stop - 1], tpf[stop]
        y_end = y0 + (y1 - y0) * (max_fpr - x0) / (x1 - x0)
        x = np.append(x, max_fpr)
        y = np.append(y, y_end)
    return float(np.trapezoid(y, x))


def partial_auc(pos: np.ndarray, neg: np.ndarray, max_fpr: float) -> np.ndarray:
    """Area under the empirical ROC curve for FPF in ``[0, max_fpr]``, per row.

    With ``max_fpr=1`` it equals the empirical AUC (ties contribute a diagonal segment, which
    is the 1/2 convention).
    """
    pos = np.atleast_2d(pos)
    neg = np.atleast_2d(neg)
    out = np.empty(pos.shape[0])
    for k in range(pos.shape[0]):
        fpf, tpf = roc_points(pos[k], neg[k])
        out[k] = _partial_area(fpf, tpf, max_fpr)
    return out


def fom_rows(spec: FomSpec, pos: np.ndarray, neg: np.ndarray) -> np.ndarray:
    """The figure of merit ``spec`` for each row of ``pos`` (K, m) / ``neg`` (K, n)."""
    if spec.name == "auc":
        return auc(pos, neg)
    if spec.name == "sensitivity":
        return sensitivity(pos, float(spec.threshold))  # type: ignore[arg-type]
    if spec.name == "specificity":
        return specificity(neg, float(spec.threshold))  # type: ignore[arg-type]
    return partial_auc(pos, neg, float(spec.max_fpr))  # type: ignore[arg-type]


def leave_one_out_rows(
    spec: FomSpec, pos: np.ndarray, neg: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """FOM per row and its leave-one-case-out values.

    Returns:
        ``(theta, loo_pos, loo_neg)``: theta (K,), loo_pos (K, m) the FOM without diseased
        case i, loo_neg (K, n) the FOM without non-diseased case j.
    """
    pos = np.atleast_2d(pos)
    neg = np.atleast_2d(neg)
    m, n = pos.shape[1], neg.shape[1]
    if spec.name == "auc":
        v10, v01 = placement_values(pos, neg)
        theta = v10.mean(axis=1)
        loo_pos = (
            (m * theta[:, None] - v10) / (m - 1) if m > 1 else np.full((pos.shape[0], 1), np.nan)
        )
        loo_neg = (
            (n * theta[:, None] - v01) / (n - 1) if n > 1 else np.full((neg.shape[0], 1), np.nan)
        )
        return theta, loo_pos, loo_neg
    if spec.name in ("sensitivity", "specificity"):
        thr = float(spec.threshold)  # type: ignore[arg-type]
        hit_pos = (pos >= thr).astype(float)
        ok_neg = (neg < thr).astype(float)
        se = hit_pos.mean(axis=1)
        sp = ok_neg.mean(axis=1)
        if spec.name == "sensitivity":
            loo_pos = (m * se[:, None] - hit_pos) / max(m - 1, 1)
            loo_neg = np.repeat(se[:, None], n, axis=1)
            return se, loo_pos, loo_neg
        loo_pos = np.repeat(sp[:, None], m, axis=1)
        loo_neg = (n * sp[:, None] - ok_neg) / max(n - 1, 1)
        return sp, loo_pos, loo_neg
    theta = fom_rows(spec, pos, neg)
    loo_pos = np.empty_like(pos, dtype=float)
    loo_neg = np.empty_like(neg, dtype=float)
    for i in range(m):
        loo_pos[:, i] = fom_rows(spec, np.delete(pos, i, axis=1), neg)
    for j in range(n):
        loo_neg[:, j] = fom_rows(spec, pos, np.delete(neg, j, axis=1))
    return theta, loo_pos, loo_neg
