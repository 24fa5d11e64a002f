"""Two scorers on the same cases: is the difference of their (macro) AUCs significant?

For one output this is the paired test of DeLong, DeLong & Clarke-Pearson (1988), *Biometrics*
44:837: with placement values V10 (per diseased case) and V01 (per non-diseased case) of each
scorer (Sun & Xu 2014, computed by :func:`medtandem.mrmc.fom.placement_values`), and
``d10 = V10_a - V10_b``, ``d01 = V01_a - V01_b``,

    Var(AUC_a - AUC_b) = var(d10) / m + var(d01) / n        (sample variances, ddof = 1)

which is the covariance ``method="delong"`` of :func:`medtandem.mrmc.covariance.estimate_covariance`
gives for two modalities read by one reader (the tests check they agree).

For several outputs (e.g. the five PTB-XL superclasses) scored by their mean AUC ("macro AUC"),
each output's AUC is a U-statistic over the same cases, so the AUCs are correlated. The variance of
the mean difference is estimated from the same structural components, summed per case: each case
contributes, for each output, ``(d10_i - mean d10) / sqrt(m (m - 1))`` when it is diseased for that
output and ``(d01_j - mean d01) / sqrt(n (n - 1))`` otherwise; the per-case sums (divided by the
number of outputs) are squared and added. With one output this is exactly the formula above; with
several it adds the covariances between outputs that share cases (the influence-function form of
DeLong's estimator, Hanley & Hajian-Tilaki 1997, *Acad Radiol* 4:49).

The z statistic is referred to the normal distribution (two-sided); the interval is Wald's.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from medtandem.jsonsafe import clean

from .distributions import norm_isf, norm_sf
from .errors import MrmcInputError
from .fom import placement_values

__all__ = ["PairedAucComparison", "paired_auc_comparison"]


@dataclass(frozen=True)
class PairedAucComparison:
    """Scorer ``a`` against scorer ``b`` on the same cases.

    Attributes:
        auc_a, auc_b: the (macro) AUC of each scorer over ``outputs``.
        difference: ``auc_a - auc_b``.
        se: standard error of the difference (paired DeLong).
        z, p_value: Wald statistic and its two-sided normal p-value (``nan`` when ``se`` is 0).
        ci: ``1 - alpha`` interval of the difference.
        n_cases: cases compared; outputs: indices of the outputs used (both classes present).
    """

    auc_a: float
    auc_b: float
    difference: float
    se: float
    z: float
    p_value: float
    ci: tuple[float, float]
    alpha: float
    n_cases: int
    outputs: tuple[int, ...]
    method: str = "paired DeLong (1988), structural components summed per case over outputs"

    @property
    def significant(self) -> bool:
        """Whether the two-sided test rejects equal AUCs at level ``alpha``."""
        return bool(math.isfinite(self.p_value) and self.p_value < self.alpha)

    def to_dict(self) -> dict[str, Any]:
        return dict(clean(asdict(self)), significant=self.significant)

    def summary(self) -> str:
        lo, hi = self.ci
        return (
            f"AUC a {self.auc_a:.4f}  AUC b {self.auc_b:.4f}  difference {self.difference:+.4f} "
            f"(SE {self.se:.4f}, {100 * (1 - self.alpha):g}% CI {lo:+.4f} to {hi:+.4f})  "
            f"z {self.z:.3f}  p {self.p_value:.4g}  n {self.n_cases}  [{self.method}]"
        )


def _as_matrix(values: ArrayLike, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[0] == 0:
        raise MrmcInputError(f"{name} must be (cases,) or (cases, outputs); got {array.shape}")
    if not np.isfinite(array).all():
        raise MrmcInputError(f"{name} holds NaN or infinite values")
    return array


def paired_auc_comparison(
    truth: ArrayLike, scores_a: ArrayLike, scores_b: ArrayLike, *, alpha: float = 0.05
) -> PairedAucComparison:
    """Compare two scorers' (macro) AUCs on the same cases (see the module docstring).

    Args:
        truth: 0/1 of shape (cases,) or (cases, outputs).
        scores_a, scores_b: the scorers' ratings, same shape as ``truth``.
        alpha: level of the test and of the interval.

    Outputs where one class is absent are left out (as :func:`medtandem.ai.metrics.macro_auc`
    does); an output with a single case of a class cannot carry a variance and is refused.
    """
    y = _as_matrix(truth, "truth")
    a = _as_matrix(scores_a, "scores_a")
    b = _as_matrix(scores_b, "scores_b")
    if a.shape != y.shape or b.shape != y.shape:
        raise MrmcInputError(
            f"truth {y.shape}, scores_a {a.shape} and scores_b {b.shape} must have one shape"
        )
    if not np.isin(y, (0.0, 1.0)).all():
        raise MrmcInputError("truth must hold only 0 and 1")
    if not 0 < alpha < 1:
        raise MrmcInputError(f"alpha must lie in (0, 1); got {alpha!r}")
    n_cases, n_outputs = y.shape
    used: list[int] = []
    aucs = np.zeros((2, 0))
    influence = np.zeros(n_cases)
    for k in range(n_outputs):
        pos = y[:, k] == 1
        m, n = int(pos.sum()), int((~pos).sum())
        if m == 0 or n == 0:
            continue
        if m < 2 or n < 2:
            raise MrmcInputError(
                f"output {k} has {m} diseased and {n} non-diseased cases; at least 2 of each are "
                "needed for a variance"
            )
        both = np.vstack([a[:, k], b[:, k]])
        v10, v01 = placement_values(both[:, pos], both[:, ~pos])
        theta = v10.mean(axis=1)
        d10, d01 = v10[0] - v10[1], v01[0] - v01[1]
        diff = theta[0] - theta[1]
        contribution = np.empty(n_cases)
        contribution[pos] = (d10 - diff) / math.sqrt(m * (m - 1))
        contribution[~pos] = (d01 - diff) / math.sqrt(n * (n - 1))
        influence += contribution
        aucs = np.hstack([aucs, theta[:, None]])
        used.append(k)
    if not used:
        raise MrmcInputError("no output has both classes present: the AUC is undefined")
    influence /= len(used)
    auc_a, auc_b = (float(v) for v in aucs.mean(axis=1))
    difference = auc_a - auc_b
    se = float(math.sqrt(float(np.sum(influence**2))))
    if se > 0:
        z = difference / se
        p_value = float(min(1.0, 2 * norm_sf(abs(z))))
    else:
        z, p_value = float("nan"), float("nan")
    half = norm_isf(alpha / 2) * se
    return PairedAucComparison(
        auc_a=auc_a,
        auc_b=auc_b,
        difference=difference,
        se=se,
        z=z,
        p_value=p_value,
        ci=(difference - half, difference + half),
        alpha=alpha,
        n_cases=n_cases,
        outputs=tuple(used),
    )
