"""Out-of-distribution check: is a record's measurement outside what the model was trained on?

Each model stores, per measurement feature, the range seen in its training records (the 0.5th and
99.5th percentiles, so that one extreme training record does not widen it). A record whose
measurements fall outside is flagged and the measurements are listed with their values and the
training range: the suggestion is then an extrapolation (a standard guard for tabular models; see
e.g. Klaise et al., "Monitoring and explainability of models in production", ICML workshop, 2020).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

LOW_PERCENTILE = 0.5
HIGH_PERCENTILE = 99.5


@dataclass(frozen=True)
class OutOfRange:
    name: str
    value: float
    low: float
    high: float


@dataclass(frozen=True)
class OodReport:
    """``flagged`` when at least one measurement is outside the training range; ``n_outside`` counts them."""

    flagged: bool
    n_outside: int
    n_checked: int
    outside: tuple[OutOfRange, ...] = ()


@dataclass(frozen=True)
class FeatureRange:
    names: tuple[str, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]

    @classmethod
    def fit(cls, X: NDArray[np.floating], names: Sequence[str]) -> FeatureRange:
        """Training range per column of ``X`` (NaN ignored; an all-NaN column is never flagged)."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != len(names):
            raise ValueError(f"X must be (records, {len(names)}), got {X.shape}")
        with np.errstate(all="ignore"):
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                lo = np.nanpercentile(X, LOW_PERCENTILE, axis=0)
                hi = np.nanpercentile(X, HIGH_PERCENTILE, axis=0)
        lo = np.where(np.isnan(lo), -np.inf, lo)
        hi = np.where(np.isnan(hi), np.inf, hi)
        return cls(tuple(names), tuple(float(v) for v in lo), tuple(float(v) for v in hi))

    def check(self, x: NDArray[np.floating]) -> OodReport:
        """The report of one feature vector (NaN values are not checked)."""
        v = np.asarray(x, dtype=np.float64)
        if v.shape != (len(self.names),):
            raise ValueError(f"x must have {len(self.names)} values, got shape {v.shape}")
        lo, hi = np.asarray(self.low), np.asarray(self.high)
        finite = ~np.isnan(v)
        out = finite & ((v < lo) | (v > hi))
        items = tuple(OutOfRange(self.names[i], round(float(v[i]), 4), round(float(lo[i]), 4), round(float(hi[i]), 4))
                      for i in np.flatnonzero(out))
        return OodReport(bool(out.any()), int(out.sum()), int(finite.sum()), items)

    def flag_rate(self, X: NDArray[np.floating]) -> float:
        """Fraction of the rows of ``X`` that would be flagged."""
        X = np.asarray(X, dtype=np.float64)
        lo, hi = np.asarray(self.low), np.asarray(self.high)
        with np.errstate(invalid="ignore"):
            out = (lo > X) | (hi < X)
        return float(np.mean(out.any(axis=1))) if len(X) else float("nan")

    def to_dict(self) -> dict[str, Any]:
        # infinite bounds (never-measured features) are written as null and read back as infinite
        return {"names": list(self.names), "low": list(self.low), "high": list(self.high),
                "percentiles": [LOW_PERCENTILE, HIGH_PERCENTILE]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FeatureRange:
        return cls(tuple(d["names"]), tuple(-np.inf if v is None else float(v) for v in d["low"]),
                   tuple(np.inf if v is None else float(v) for v in d["high"]))
