"""Deskilling watch: does a reader's unaided performance fall as they read with the AI?

Each unaided read is tagged with its *exposure*, the number of aided reads the reader had committed
before it. The baseline is the unaided accuracy before ``after_aided`` aided reads; the follow-up is
the unaided accuracy after them. An alert is raised when the follow-up is lower with a one-sided
pooled two-proportion z test below ``alpha`` (and each period holds at least ``min_reads`` reads).
The trend is the unaided accuracy over consecutive windows (Wilson bands), and a least-squares slope
of correctness on exposure (per 100 aided reads).

Context: Budzyń K et al. (2025) Lancet Gastroenterol Hepatol, "Endoscopist deskilling risk after
exposure to artificial intelligence in colonoscopy" (adenoma detection fell after AI exposure).
Reads within a reader are treated as independent: the alert is a prompt to look, not a verdict.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy.stats import t as student

from medtandem.reliance.estimates import Estimate, format_table, two_proportion_difference
from medtandem.reliance.metrics import Proportion


@dataclass(frozen=True)
class TrendPoint:
    """Unaided accuracy over one window of consecutive unaided reads."""

    exposure: float  # mean number of prior aided reads in the window
    n: int
    accuracy: float
    ci_lower: float
    ci_upper: float

    def to_dict(self) -> dict[str, float]:
        return {
            "exposure": self.exposure,
            "n": self.n,
            "accuracy": self.accuracy,
            "ci_lower": self.ci_lower,
            "ci_upper": self.ci_upper,
        }


@dataclass(frozen=True)
class DeskillingWatch:
    after_aided: int
    baseline: Proportion
    follow_up: Proportion
    change: Estimate  # follow-up minus baseline; p one-sided for a decline
    alert: bool
    slope_per_100: Estimate
    points: tuple[TrendPoint, ...]
    alpha: float
    min_reads: int
    method: str = "unaided accuracy before vs after N aided reads; pooled one-sided z test; windowed Wilson trend"

    def to_dict(self) -> dict[str, object]:
        return {
            "after_aided": self.after_aided,
            "baseline": self.baseline.to_dict(),
            "follow_up": self.follow_up.to_dict(),
            "change": self.change.to_dict(),
            "alert": self.alert,
            "slope_per_100": self.slope_per_100.to_dict(),
            "points": [p.to_dict() for p in self.points],
            "alpha": self.alpha,
            "min_reads": self.min_reads,
            "method": self.method,
        }

    def summary(self) -> str:
        rows = [
            (
                f"unaided before {self.after_aided} aided reads",
                self.baseline.value,
                self.baseline.n,
            ),
            (
                f"unaided after {self.after_aided} aided reads",
                self.follow_up.value,
                self.follow_up.n,
            ),
            ("change", self.change.value, None),
            ("one-sided p (decline)", self.change.p, None),
            ("slope per 100 aided reads", self.slope_per_100.value, None),
        ]
        flag = (
            "ALERT: unaided accuracy fell significantly" if self.alert else "no significant decline"
        )
        return "Deskilling watch\n" + format_table(["", "value", "n"], rows) + "\n" + flag


def deskilling_watch(
    reads: Sequence[tuple[str, bool]],
    *,
    after_aided: int = 20,
    window: int = 20,
    alpha: float = 0.05,
    min_reads: int = 10,
) -> DeskillingWatch:
    """Watch the unaided accuracy of one reader over their reads in chronological order.

    Args:
        reads: ``(condition, correct)`` per read, oldest first; condition ``unaided`` or ``aided``.
        after_aided: N, the exposure that separates baseline from follow-up.
        window: unaided reads per trend point.
    """
    if after_aided < 1 or window < 1:
        raise ValueError("after_aided and window must be at least 1")
    exposure = 0
    tagged: list[tuple[int, bool]] = []
    for i, (condition, correct) in enumerate(reads):
        if condition == "aided":
            exposure += 1
        elif condition == "unaided":
            tagged.append((exposure, bool(correct)))
        else:
            raise ValueError(
                f"reads[{i}]: condition must be 'unaided' or 'aided', got {condition!r}"
            )
    before = [c for e, c in tagged if e < after_aided]
    after = [c for e, c in tagged if e >= after_aided]
    baseline, follow_up = Proportion(sum(before), len(before)), Proportion(sum(after), len(after))
    change = two_proportion_difference(
        baseline.successes, baseline.n, follow_up.successes, follow_up.n
    )
    alert = bool(
        baseline.n >= min_reads
        and follow_up.n >= min_reads
        and change.p is not None
        and change.p < alpha
        and (change.value or 0) < 0
    )
    points: list[TrendPoint] = []
    for start in range(0, len(tagged), window):
        chunk = tagged[start : start + window]
        if len(chunk) < max(2, window // 2) and points:
            break  # a short last window would only add noise
        prop = Proportion(sum(c for _, c in chunk), len(chunk))
        lo, hi = prop.confidence_interval() or (0.0, 1.0)
        value = prop.value or 0.0
        points.append(
            TrendPoint(
                sum(e for e, _ in chunk) / len(chunk),
                len(chunk),
                value,
                min(lo, value),
                max(hi, value),
            )
        )  # guard float rounding at 0 and 1
    return DeskillingWatch(
        after_aided,
        baseline,
        follow_up,
        change,
        alert,
        _slope(tagged),
        tuple(points),
        alpha,
        min_reads,
    )


def _slope(tagged: list[tuple[int, bool]]) -> Estimate:
    method = "least-squares slope of correctness on exposure, per 100 aided reads"
    n = len(tagged)
    if n < 3:
        return Estimate.empty(method)
    xs = [e / 100 for e, _ in tagged]
    ys = [1.0 if c else 0.0 for _, c in tagged]
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return Estimate.empty(method)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    resid = sum((y - my - b * (x - mx)) ** 2 for x, y in zip(xs, ys, strict=True))
    se = math.sqrt(resid / (n - 2) / sxx)
    q = float(student.ppf(0.975, n - 2))
    p = float(2 * student.sf(abs(b / se), n - 2)) if se > 0 else None
    return Estimate(b, se, b - q * se, b + q * se, method, p, n)
