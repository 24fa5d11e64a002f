"""Point estimates with confidence intervals, and the small statistics the reliance measures share.

- Paired difference of two proportions (same items read twice): Newcombe RG (1998) Stat Med
  17:2635-2650, method 10 (hybrid score); p from McNemar's z.
- Difference of two differences from disjoint items (Dratsch contrast): MOVER, Zou & Donner (2008).
- Two independent proportions: Newcombe's hybrid score interval from the two Wilson intervals
  (:func:`difference_of_proportions`, by :func:`difference_of_differences`).
- Single-reader AUC with DeLong variance: DeLong ER, DeLong DM, Clarke-Pearson DL (1988)
  Biometrics 44:837-845 (structural components; equivalent to Hanley and McNeil's U statistic).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.stats import norm

from medtandem.mrmc.fom import placement_values, roc_points
from medtandem.reliance.metrics import Proportion, wilson_interval


def logit(p: float, eps: float = 1e-3) -> float:
    """``log(p / (1 - p))`` with ``p`` clipped to ``[eps, 1 - eps]`` so 0 and 1 stay finite."""
    p = min(max(p, eps), 1 - eps)
    return math.log(p / (1 - p))


def _z(confidence_level: float) -> float:
    return float(norm.ppf(0.5 + confidence_level / 2))


@dataclass(frozen=True)
class Estimate:
    """A value with its standard error, confidence interval and p (vs 0 for differences; None otherwise)."""

    value: float | None
    se: float | None
    ci_lower: float | None
    ci_upper: float | None
    method: str
    p: float | None = None
    n: int = 0

    @classmethod
    def empty(cls, method: str) -> Estimate:
        return cls(None, None, None, None, method, None, 0)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def __str__(self) -> str:
        if self.value is None:
            return "n/a"
        if self.ci_lower is None:
            return f"{self.value:.3f}"
        return f"{self.value:.3f} [{self.ci_lower:.3f}; {self.ci_upper:.3f}]"


def paired_difference(
    first: Sequence[bool], second: Sequence[bool], confidence_level: float = 0.95
) -> Estimate:
    """Difference ``mean(second) - mean(first)`` of paired yes/no outcomes (e.g. aided minus unaided correct).

    Interval: Newcombe RG (1998) "Improved confidence intervals for the difference between binomial
    proportions based on paired data", Stat Med 17:2635-2650, **method 10** (hybrid score without
    continuity correction): Wilson intervals ``(l1, u1)``, ``(l2, u2)`` of the two marginal
    proportions, combined with the correlation ``phi`` of the paired 2x2 table, whose numerator
    ``ad - bc`` becomes ``ad - bc - n/2`` when above ``n/2``, 0 when in ``[0, n/2]``::

        L = d - sqrt((p2 - l2)^2 - 2 phi (p2 - l2)(u1 - p1) + (u1 - p1)^2)
        U = d + sqrt((u2 - p2)^2 - 2 phi (u2 - p2)(p1 - l1) + (p1 - l1)^2)

    Unlike the Wald interval it does not collapse to zero width when no pair is discordant.
    ``se`` is the Wald standard error (for reference); ``p`` is McNemar's two-sided z test.
    """
    n = len(first)
    method = "Newcombe (1998) method 10 (paired hybrid score), McNemar z"
    if n == 0:
        return Estimate.empty(method)
    f, s = np.asarray(first, dtype=bool), np.asarray(second, dtype=bool)
    if len(f) != len(s):
        raise ValueError(f"first has {len(f)} items but second has {len(s)}")
    return paired_table_difference(
        int((f & s).sum()),
        int((f & ~s).sum()),
        int((s & ~f).sum()),
        int((~f & ~s).sum()),
        confidence_level,
    )


def paired_table_difference(
    both: int, first_only: int, second_only: int, neither: int, confidence_level: float = 0.95
) -> Estimate:
    """``p(second) - p(first)`` from the paired 2x2 table, Newcombe method 10 (see :func:`paired_difference`)."""
    a, b, c, d_ = both, first_only, second_only, neither
    n = a + b + c + d_
    method = "Newcombe (1998) method 10 (paired hybrid score), McNemar z"
    if n == 0:
        return Estimate.empty(method)
    z = _z(confidence_level)
    p1, p2 = (a + b) / n, (a + c) / n
    diff = p2 - p1
    l1, u1 = wilson_interval(a + b, n, z)
    l2, u2 = wilson_interval(a + c, n, z)
    denominator = (a + b) * (c + d_) * (a + c) * (b + d_)
    cross = a * d_ - b * c
    numerator = cross - n / 2 if cross > n / 2 else (0.0 if cross >= 0 else float(cross))
    phi = numerator / math.sqrt(denominator) if denominator else 0.0
    lower = diff - math.sqrt(
        max((p2 - l2) ** 2 - 2 * phi * (p2 - l2) * (u1 - p1) + (u1 - p1) ** 2, 0.0)
    )
    upper = diff + math.sqrt(
        max((u2 - p2) ** 2 - 2 * phi * (u2 - p2) * (p1 - l1) + (p1 - l1) ** 2, 0.0)
    )
    se = math.sqrt(max(b + c - (c - b) ** 2 / n, 0.0)) / n
    p = float(2 * norm.sf(abs(c - b) / math.sqrt(b + c))) if b + c else 1.0
    return Estimate(diff, se, max(-1.0, lower), min(1.0, upper), method, p, n)


def difference_of_differences(
    first: Estimate, second: Estimate, method: str = "MOVER (Zou & Donner 2008)"
) -> Estimate:
    """``first - second`` of two estimates from disjoint samples, interval by MOVER.

    Method of variance estimates recovery: Zou GY, Donner A (2008) Stat Med 27:1693-1702, the
    square-and-add combination of the two intervals Newcombe uses for independent proportions:
    ``L = d - sqrt((v1 - l1)^2 + (u2 - v2)^2)``, ``U = d + sqrt((u1 - v1)^2 + (v2 - l2)^2)``.
    """
    if first.value is None or second.value is None:
        return Estimate.empty(method)
    d = first.value - second.value
    if None in (first.ci_lower, first.ci_upper, second.ci_lower, second.ci_upper):
        return Estimate(d, None, None, None, method, None, first.n + second.n)
    l1, u1 = float(first.ci_lower), float(first.ci_upper)  # type: ignore[arg-type]
    l2, u2 = float(second.ci_lower), float(second.ci_upper)  # type: ignore[arg-type]
    lower = d - math.sqrt((first.value - l1) ** 2 + (u2 - second.value) ** 2)
    upper = d + math.sqrt((u1 - first.value) ** 2 + (second.value - l2) ** 2)
    return Estimate(d, None, lower, upper, method, None, first.n + second.n)


def difference_of_proportions(first: Proportion, second: Proportion) -> Estimate:
    """``second - first`` of two independent proportions: Newcombe (1998, Stat Med 17:873-890)
    hybrid score interval (method 10 of that paper), built from the two Wilson intervals."""
    method = "Newcombe hybrid score interval (independent proportions)"
    ci1, ci2 = first.confidence_interval(), second.confidence_interval()
    if ci1 is None or ci2 is None or first.value is None or second.value is None:
        return Estimate.empty(method)
    return difference_of_differences(
        Estimate(second.value, None, ci2[0], ci2[1], method, None, second.n),
        Estimate(first.value, None, ci1[0], ci1[1], method, None, first.n),
        method,
    )


def auc_estimate(
    truth: Sequence[bool] | NDArray[Any],
    score: Sequence[float] | NDArray[Any],
    confidence_level: float = 0.95,
) -> Estimate:
    """Empirical (Mann-Whitney) AUC of ``score`` for ``truth`` with DeLong's standard error.

    Ties count one half. Returns an empty estimate when a class is missing.
    """
    t = np.asarray(truth, dtype=bool)
    s = np.asarray(score, dtype=float)
    pos, neg = s[t], s[~t]
    method = "Mann-Whitney AUC, DeLong variance"
    if len(pos) == 0 or len(neg) == 0:
        return Estimate.empty(method)
    # DeLong's structural components from the MRMC core's midrank placement values (Sun & Xu 2014).
    m, n = len(pos), len(neg)
    v10_rows, v01_rows = placement_values(pos, neg)
    v10, v01 = v10_rows[0], v01_rows[0]
    auc = float(v10.mean())
    var = (v10.var(ddof=1) / m if m > 1 else 0.0) + (v01.var(ddof=1) / n if n > 1 else 0.0)
    se = math.sqrt(var)
    z = _z(confidence_level)
    return Estimate(auc, se, max(0.0, auc - z * se), min(1.0, auc + z * se), method, None, len(s))


def roc_curve(
    truth: Sequence[bool], score: Sequence[float]
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Empirical ROC operating points ``(fpr, tpr)`` from (0, 0) to (1, 1), one per distinct threshold."""
    t = np.asarray(truth, dtype=bool)
    s = np.asarray(score, dtype=float)
    if t.all() or not t.any():
        return (0.0, 1.0), (0.0, 1.0)
    fpr, tpr = roc_points(s[t], s[~t])
    return tuple(float(x) for x in fpr), tuple(float(x) for x in tpr)


def score_interval(
    value: float, n: int, low: float, high: float, confidence_level: float = 0.95
) -> tuple[float, float]:
    """Wilson score interval for ``value`` in ``[low, high]`` on ``n`` independent units, the value
    rescaled to ``[0, 1]`` and back (Wilson 1927). The fallback where a variance-based interval
    collapses to a point: all units at 0 or 1 (or all alike) give ``se = 0``, yet ``n`` units
    cannot rule out a proportion of about ``z^2 / (n + z^2)`` (e.g. 0.28 for 10 units)."""
    z = _z(confidence_level)
    p = (value - low) / (high - low)
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    lo, hi = max(0.0, centre - half), min(1.0, centre + half)
    return low + (high - low) * min(lo, p), low + (high - low) * max(hi, p)


def mean_estimate(
    values: Sequence[float],
    confidence_level: float = 0.95,
    method: str = "mean, t interval",
    bounds: tuple[float, float] | None = None,
) -> Estimate:
    """Mean of per-reader values with a Student t interval (readers as the unit).

    With ``bounds`` (the range the values can take: ``(0, 1)`` for a proportion, ``(-1, 1)`` for a
    difference of two), a t interval of zero width (every reader alike, e.g. all at 0 or all at 1)
    is replaced by :func:`score_interval` on the readers, so it does not collapse to a point, and a
    t interval that overshoots the range is truncated to it (readers at 0.95-1.0 give a mean RAIR
    whose symmetric interval passes 1; Fagerland, Lydersen & Laake 2017 truncate the same way).
    """
    from scipy.stats import t as student

    x = np.asarray([v for v in values if v is not None and not math.isnan(v)], dtype=float)
    if len(x) == 0:
        return Estimate.empty(method)
    m = float(x.mean())
    if len(x) < 2:
        return Estimate(m, None, None, None, method, None, 1)
    se = float(x.std(ddof=1) / math.sqrt(len(x)))
    if se < 1e-12 and bounds is not None:
        lo, hi = score_interval(m, len(x), *bounds, confidence_level)
        return Estimate(
            m, 0.0, lo, hi, method + "; no spread: Wilson score on readers", None, len(x)
        )
    q = float(student.ppf(0.5 + confidence_level / 2, len(x) - 1))
    p = float(2 * student.sf(abs(m / se), len(x) - 1)) if se > 0 else None
    lo, hi = m - q * se, m + q * se
    if bounds is not None and (lo < bounds[0] or hi > bounds[1]):
        lo, hi = max(lo, bounds[0]), min(hi, bounds[1])
        method += "; truncated to the range"
    return Estimate(m, se, lo, hi, method, p, len(x))


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table for ``summary()`` (first column left-aligned, numbers to 3 decimals)."""

    def fmt(v: object) -> str:
        if v is None:
            return "-"
        if isinstance(v, float):
            return f"{v:.3f}"
        return str(v)

    cells = [[str(h) for h in headers]] + [[fmt(v) for v in row] for row in rows]
    widths = [max(len(row[k]) for row in cells) for k in range(len(headers))]
    return "\n".join(
        "  ".join([row[0].ljust(widths[0])] + [row[k].rjust(widths[k]) for k in range(1, len(row))])
        for row in cells
    )
