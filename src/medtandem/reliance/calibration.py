"""Confidence calibration of a reader: Brier score and expected calibration error.

- Brier GW (1950) Mon Weather Rev 78:1-3: mean squared difference between the stated
  probability and the outcome (0 is perfect; 0.25 is a constant 50%).
- Two expected calibration errors, 10 equal-width bins over [0, 1], both
  ``sum_b (n_b / N) |mean x_b - mean y_b|``; they answer different questions:

  * ``ece`` (**prevalence ECE**, "reliability" form of Naeini MP, Cooper GF, Hauskrecht M (2015)
    AAAI): x = the stated probability that the finding is *present*, y = whether it is present.
  * ``confidence_ece`` (**confidence ECE**, the standard one of Guo C, Pleiss G, Sun Y, Weinberger KQ
    (2017) "On calibration of modern neural networks", ICML): x = the confidence in the label the
    reader *chose* (``p`` if they called the finding present, ``1 - p`` otherwise), y = whether that
    call was right. Without the reader's calls, the call is ``p >= 0.5``.

  The confidence ECE carries a percentile bootstrap interval over items (``n_boot`` resamples,
  fixed ``seed``); ECE is biased upward in small samples, so the interval is descriptive.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from medtandem.reliance.estimates import Estimate, format_table


@dataclass(frozen=True)
class CalibrationBin:
    lower: float
    upper: float
    n: int
    mean_stated: float | None
    observed: float | None

    def to_dict(self) -> dict[str, object]:
        return {
            "lower": self.lower,
            "upper": self.upper,
            "n": self.n,
            "mean_stated": self.mean_stated,
            "observed": self.observed,
        }


@dataclass(frozen=True)
class Calibration:
    """How well stated probabilities (confidence / 100) match how often the finding is present."""

    n: int
    brier: float | None
    ece: float | None
    bins: tuple[CalibrationBin, ...]
    confidence_ece: Estimate = Estimate.empty("confidence ECE (Guo 2017)")
    method: str = (
        "Brier score; prevalence ECE (P(present) vs frequency, 10 equal-width bins); "
        "confidence ECE (Guo 2017: confidence in the chosen label vs accuracy) with item bootstrap"
    )

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def summary(self) -> str:
        head = (
            f"Calibration (n={self.n}): Brier {self.brier:.3f}, prevalence ECE {self.ece:.3f}, "
            f"confidence ECE (Guo 2017) {self.confidence_ece}"
            if self.n
            else "Calibration: no reads"
        )
        rows = [
            (f"[{b.lower:.1f}, {b.upper:.1f}]", b.n, b.mean_stated, b.observed)
            for b in self.bins
            if b.n
        ]
        return head + (
            "\n" + format_table(["bin", "n", "stated", "observed"], rows) if rows else ""
        )


def _ece(x: NDArray[Any], y: NDArray[Any], n_bins: int) -> float:
    """``sum_b (n_b / N) |mean x_b - mean y_b|`` over equal-width bins of ``x`` (last bin closed)."""
    index = np.minimum((x * n_bins).astype(int), n_bins - 1)
    counts = np.bincount(index, minlength=n_bins)
    gap = np.bincount(index, weights=x, minlength=n_bins) - np.bincount(
        index, weights=y, minlength=n_bins
    )
    return float(np.abs(gap).sum() / len(x)) if len(x) and counts.sum() else 0.0


def confidence_ece(
    truth: Sequence[bool] | NDArray[Any],
    probability: Sequence[float] | NDArray[Any],
    decision: Sequence[bool] | NDArray[Any] | None = None,
    *,
    n_bins: int = 10,
    n_boot: int = 500,
    seed: int = 20250117,
    confidence_level: float = 0.95,
) -> Estimate:
    """Guo et al. (2017) ECE of the confidence in the chosen label, with a percentile bootstrap interval."""
    method = f"confidence ECE (Guo 2017), {n_bins} equal-width bins; item bootstrap ({n_boot}, seed {seed})"
    p = np.asarray(probability, dtype=float)
    t = np.asarray(truth, dtype=bool)
    call = p >= 0.5 if decision is None else np.asarray(decision, dtype=bool)
    if not len(p):
        return Estimate.empty(method)
    conf = np.where(call, p, 1.0 - p)
    right = (call == t).astype(float)
    value = _ece(conf, right, n_bins)
    if len(p) < 2 or n_boot < 1:
        return Estimate(value, None, None, None, method, None, len(p))
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(p), size=(n_boot, len(p)))
    # All resamples at once: bin b of resample r is cell r * n_bins + b.
    index = np.minimum((conf * n_bins).astype(int), n_bins - 1)[draws]
    cells = index + (np.arange(n_boot) * n_bins)[:, None]
    gaps = np.bincount(
        cells.ravel(), weights=(conf - right)[draws].ravel(), minlength=n_boot * n_bins
    )
    boots = np.abs(gaps.reshape(n_boot, n_bins)).sum(axis=1) / len(p)
    alpha = (1 - confidence_level) / 2
    lower, upper = np.quantile(boots, [alpha, 1 - alpha])
    return Estimate(
        value, float(boots.std(ddof=1)), float(lower), float(upper), method, None, len(p)
    )


def calibration(
    truth: Sequence[bool] | NDArray[Any],
    probability: Sequence[float] | NDArray[Any],
    n_bins: int = 10,
    *,
    decision: Sequence[bool] | NDArray[Any] | None = None,
) -> Calibration:
    """Calibration of ``probability`` (each in [0, 1]) against ``truth``.

    ``decision``: the reader's own calls (finding present or not), for the confidence ECE; without
    them the call is ``probability >= 0.5``.
    """
    if decision is not None and len(decision) != len(truth):
        raise ValueError(f"truth has {len(truth)} items but decision has {len(decision)}")
    if len(truth) != len(probability):
        raise ValueError(f"truth has {len(truth)} items but probability has {len(probability)}")
    if n_bins < 1:
        raise ValueError("n_bins must be at least 1")
    probs = np.asarray(probability, dtype=float)
    bad = probs[~((probs >= 0.0) & (probs <= 1.0))]
    if len(bad):
        raise ValueError(
            f"probability must lie in [0, 1] (divide 0-100 confidences by 100); got {bad[:3].tolist()}"
        )
    t = np.asarray(truth, dtype=bool).astype(float)
    n = len(t)
    edges = [k / n_bins for k in range(n_bins + 1)]
    index = np.minimum((probs * n_bins).astype(int), n_bins - 1)
    bins = []
    ece = 0.0
    for k in range(n_bins):
        inside = index == k
        count = int(inside.sum())
        if count:
            stated, observed = float(probs[inside].mean()), float(t[inside].mean())
            ece += count / n * abs(stated - observed)
            bins.append(CalibrationBin(edges[k], edges[k + 1], count, stated, observed))
        else:
            bins.append(CalibrationBin(edges[k], edges[k + 1], 0, None, None))
    if not n:
        return Calibration(0, None, None, tuple(bins))
    brier = float(((probs - t) ** 2).mean())
    return Calibration(
        n, brier, ece, tuple(bins), confidence_ece(t.astype(bool), probs, decision, n_bins=n_bins)
    )
