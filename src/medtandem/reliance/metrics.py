"""Binary decision metrics with Wilson confidence intervals, and answer changes between two reads.

These are the building blocks of the learner progress page and of the reliance measures.
Wilson score interval: Wilson EB (1927) J Am Stat Assoc 22:209-212; Newcombe RG (1998) Stat Med 17:857-872.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields

from scipy.stats import norm


def wilson_interval(successes: int, n: int, z: float) -> tuple[float, float]:
    """The Wilson score interval of ``successes / n`` (``n`` > 0) at normal quantile ``z``, clipped
    to [0, 1]: Newcombe (1998, Stat Med 17:857-872) method 3, the building block of his paired and
    independent differences (:mod:`medtandem.reliance.estimates`)."""
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Proportion:
    """``successes`` out of ``n`` with a Wilson score interval (``None`` when ``n`` is 0)."""

    successes: int
    n: int
    confidence_level: float = 0.95

    @property
    def value(self) -> float | None:
        return self.successes / self.n if self.n else None

    def confidence_interval(self) -> tuple[float, float] | None:
        if not self.n:
            return None
        return wilson_interval(
            self.successes, self.n, float(norm.ppf(0.5 + self.confidence_level / 2))
        )

    def to_dict(self) -> dict[str, object]:
        ci = self.confidence_interval()
        return {
            "successes": self.successes,
            "n": self.n,
            "value": self.value,
            "ci_lower": ci[0] if ci else None,
            "ci_upper": ci[1] if ci else None,
        }


@dataclass(frozen=True)
class BinaryMetrics:
    """Accuracy, sensitivity and specificity of yes/no decisions against the truth."""

    accuracy: Proportion
    sensitivity: Proportion
    specificity: Proportion

    def to_dict(self) -> dict[str, object]:
        """Each proportion's own ``to_dict`` (with its interval), by field name."""
        return {f.name: getattr(self, f.name).to_dict() for f in fields(self)}


def _check_binary(name: str, values: Sequence[bool]) -> list[bool]:
    out = []
    for v in values:
        if v not in (0, 1, True, False):
            raise ValueError(f"{name} must hold booleans or 0/1, got {v!r}")
        out.append(bool(v))
    return out


def binary_metrics(truth: Sequence[bool], decision: Sequence[bool]) -> BinaryMetrics:
    """Metrics of ``decision`` against ``truth`` (same length, booleans)."""
    t, d = _check_binary("truth", truth), _check_binary("decision", decision)
    if len(t) != len(d):
        raise ValueError(f"truth has {len(t)} items but decision has {len(d)}")
    tp = sum(a and b for a, b in zip(t, d, strict=True))
    tn = sum((not a) and (not b) for a, b in zip(t, d, strict=True))
    positives = sum(t)
    negatives = len(t) - positives
    return BinaryMetrics(
        Proportion(tp + tn, len(t)), Proportion(tp, positives), Proportion(tn, negatives)
    )


@dataclass(frozen=True)
class AnswerChanges:
    """How a second (aided) decision differed from the first (unaided) one, judged against the truth."""

    n: int
    changed: int
    improved: int  # wrong before, right after
    worsened: int  # right before, wrong after

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


def answer_changes(
    truth: Sequence[bool], first: Sequence[bool], second: Sequence[bool]
) -> AnswerChanges:
    t, a, b = (
        _check_binary("truth", truth),
        _check_binary("first", first),
        _check_binary("second", second),
    )
    if not len(t) == len(a) == len(b):
        raise ValueError("truth, first and second must have the same length")
    changed = sum(x != y for x, y in zip(a, b, strict=True))
    improved = sum(x != tt and y == tt for tt, x, y in zip(t, a, b, strict=True))
    worsened = sum(x == tt and y != tt for tt, x, y in zip(t, a, b, strict=True))
    return AnswerChanges(len(t), changed, improved, worsened)
