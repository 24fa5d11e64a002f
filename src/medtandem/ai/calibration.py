"""Probability calibration: Platt scaling per output, fitted on a held-out (validation) fold.

Platt J. Probabilistic outputs for support vector machines and comparisons to regularized likelihood
methods. In: Advances in Large Margin Classifiers, MIT Press, 1999. The map is
``p' = sigmoid(a * logit(p) + b)``, fitted by L2-regularised logistic regression (C = 1) on the logit,
which keeps it close to the identity when the validation fold is small.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from sklearn.linear_model import LogisticRegression

_EPS = 1e-6


def logit(p: NDArray[np.floating]) -> NDArray[np.float64]:
    q = np.clip(np.asarray(p, dtype=np.float64), _EPS, 1 - _EPS)
    return np.log(q / (1 - q))


def sigmoid(z: NDArray[np.floating]) -> NDArray[np.float64]:
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=np.float64)))


@dataclass(frozen=True)
class PlattCalibrator:
    """Per-output slope ``a`` and intercept ``b`` on the logit scale (identity: a = 1, b = 0)."""

    a: tuple[float, ...]
    b: tuple[float, ...]

    @classmethod
    def identity(cls, n_outputs: int) -> PlattCalibrator:
        return cls((1.0,) * n_outputs, (0.0,) * n_outputs)

    @classmethod
    def fit(
        cls, proba: NDArray[np.floating], y: NDArray[np.integer], min_positives: int = 3
    ) -> PlattCalibrator:
        """Fit on uncalibrated probabilities ``proba`` (n, k) and binary targets ``y`` (n, k).

        An output with fewer than ``min_positives`` positives or negatives keeps the identity map.
        """
        proba = np.asarray(proba, dtype=np.float64)
        y = np.asarray(y)
        if proba.shape != y.shape or proba.ndim != 2:
            raise ValueError(
                f"proba and y must be (n, k) of the same shape, got {proba.shape} and {y.shape}"
            )
        a, b = [], []
        for k in range(proba.shape[1]):
            pos = int(y[:, k].sum())
            if pos < min_positives or len(y) - pos < min_positives:
                a.append(1.0)
                b.append(0.0)
                continue
            lr = LogisticRegression(C=1.0).fit(logit(proba[:, k])[:, None], y[:, k])
            a.append(float(lr.coef_[0, 0]))
            b.append(float(lr.intercept_[0]))
        return cls(tuple(a), tuple(b))

    def transform(self, proba: NDArray[np.floating]) -> NDArray[np.float64]:
        z = logit(proba)
        return sigmoid(z * np.asarray(self.a) + np.asarray(self.b))

    def to_dict(self) -> dict[str, list[float]]:
        return {"a": list(self.a), "b": list(self.b)}

    @classmethod
    def from_dict(cls, d: dict[str, list[float]]) -> PlattCalibrator:
        return cls(tuple(float(v) for v in d["a"]), tuple(float(v) for v in d["b"]))
