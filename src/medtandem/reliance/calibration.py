"""Confidence calibration of a reader: Brier score and expected calibration error.

- Brier GW (1950) Mon Weather Rev 78:1-3: mean squared difference between the stated
  probability and the outcome (0 is perfect; 0.25 is a constant 50%).
- Expected calibration error: Naeini MP, Cooper GF, Hauskrecht M (2015) AAAI; Guo C et al. (2017)
  ICML. Equal-width bins over [0, 1]; ECE = sum_b (n_b / N) |mean stated_b - observed frequency_b|.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from medtandem.reliance.estimates import format_table


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
    method: str = "Brier score; ECE with equal-width bins"

    def to_dict(self) -> dict[str, object]:
        return {
            "n": self.n,
            "brier": self.brier,
            "ece": self.ece,
            "method": self.method,
            "bins": [b.to_dict() for b in self.bins],
        }

    def summary(self) -> str:
        head = (
            f"Calibration (n={self.n}): Brier {self.brier:.3f}, ECE {self.ece:.3f}"
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


def calibration(
    truth: Sequence[bool] | NDArray[Any],
    probability: Sequence[float] | NDArray[Any],
    n_bins: int = 10,
) -> Calibration:
    """Calibration of ``probability`` (each in [0, 1]) against ``truth``."""
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
    return Calibration(n, brier, ece, tuple(bins))
