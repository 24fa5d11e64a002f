"""Deskilling watch: does a reader's unaided performance fall as they read with the AI?

Each unaided read is tagged with its **exposure**, the number of aided *reads* (not per-finding
entries) the reader had committed before it, and its **practice**, the number of unaided reads
before it. Three things are computed:

1. **Descriptive**: unaided accuracy before and after ``after_aided`` aided reads, and the trend over
   consecutive windows (Wilson bands). Not a test.
2. **Model** (:func:`exposure_model`): logistic regression of unaided correctness on exposure and
   practice (per 100 reads) and case difficulty (the logit of the case's expected accuracy, e.g. other
   readers' unaided accuracy on it), with one intercept per reader (fixed reader effects: the
   conditional approximation to reader random intercepts; statsmodels is not a dependency) and a
   sandwich standard error clustered by reader (by read with one reader). Exposure and practice are
   separated only when they do not move together; in a purely hybrid flow (each case unaided then
   aided) they are collinear, the model says so (``identifiable`` False) and the exposure effect is
   not reported: schedule unaided-only re-reads of a fixed test set to separate them. Nor is it
   reported when the unaided reads span fewer than ``MIN_EXPOSURE_SPAN`` aided reads of exposure:
   a slope "per 100 reads" fitted on a span of 12 would be an eight-fold extrapolation (the demo's
   learners with one practice set and two re-read rounds gave +11 log-odds per 100 reads, p = 0.002).
3. **Monitoring rule** built for repeated looks: a risk-adjusted Bernoulli CUSUM of unaided errors
   (Steiner SH, Cook RJ, Farewell VT, Treasure T (2000) "Monitoring surgical performance using
   risk-adjusted cumulative sum charts", Biostatistics 1:441-452). The expected error probability
   ``p_t`` of each follow-up read comes from the reader's baseline (the first ``after_aided``
   exposure), adjusted for case difficulty; the chart tests ``odds ratio = 1`` against
   ``CUSUM_ODDS_RATIO`` = 2 (odds of an error doubled)::

       W_t = y_t log R - log(1 - p_t + R p_t),  S_t = max(0, S_{t-1} + W_t),  alarm when S_t >= h

   ``h = CUSUM_THRESHOLD`` = 6. Its operating characteristics, simulated with a 20-read baseline and
   100 follow-up reads (the simulation of ``tests/unit/reliance/test_deskilling.py`` checks them): false alarm about 10 % with no change
   (baseline error 20-35 %), detection about 50-57 % when the odds of an error double and 80-84 %
   when they triple. Because the chart accumulates evidence over reads, looking at it at every page
   view does not inflate its false alarms, unlike re-running a test each time. The alert is the alarm
   (with at least ``min_reads`` baseline reads).

Context: Budzyn K, Romanczyk M, Kitala D et al. (2025) "Endoscopist deskilling risk after exposure to
artificial intelligence in colonoscopy: a multicentre, observational study", Lancet Gastroenterol
Hepatol 10:896-903: adenoma detection in non-AI colonoscopies fell from 28.4 % to 22.4 % after AI
was introduced (-6.0 points, 95 % CI -10.5 to -1.6); in a multivariable logistic regression,
exposure to AI kept an odds ratio of 0.69 (0.53-0.89) beside patient sex and age. Our model follows
the same logic (exposure, adjusted for reader and case), on unaided ECG reads.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy.stats import norm

from medtandem.reliance.estimates import (
    Estimate,
    difference_of_proportions,
    format_table,
    logit,
)
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
        return asdict(self)


#: Risk-adjusted CUSUM: odds ratio of an error it is tuned to detect, and its decision threshold.
CUSUM_ODDS_RATIO = 2.0
CUSUM_THRESHOLD = 6.0

#: Exposure and practice are "collinear" above this absolute correlation.
COLLINEAR = 0.95

#: The least exposure (aided reads) the unaided reads must span for an exposure effect to be reported:
#: the watch's own baseline length, so a slope is read over at least one baseline's worth of exposure.
MIN_EXPOSURE_SPAN = 20

EXPOSURE_MODEL_METHOD = (
    "logistic regression, reader intercepts, exposure and practice per 100 reads, logit case "
    "difficulty; sandwich SE clustered by reader"
)
WATCH_METHOD = (
    "descriptive before/after and windowed Wilson trend; logistic model on exposure, practice "
    "and difficulty; alert = risk-adjusted CUSUM alarm (Steiner et al. 2000)"
)


@dataclass(frozen=True)
class UnaidedRead:
    """One unaided read for the model: who, how much exposure and practice before it, the outcome."""

    reader: str
    exposure: int
    practice: int
    correct: bool
    expected: float | None = None  # P(correct) for an average reader on this case (difficulty)


@dataclass(frozen=True)
class ExposureModel:
    """Logistic model of unaided correctness; coefficients are log odds ratios per 100 reads."""

    n: int
    n_readers: int
    exposure: Estimate
    practice: Estimate
    difficulty: Estimate
    identifiable: bool
    method: str = EXPOSURE_MODEL_METHOD

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def exposure_model(reads: Sequence[UnaidedRead], confidence_level: float = 0.95) -> ExposureModel:
    """Fit the model of the module docstring (Newton-Raphson; reader-clustered sandwich variance)."""
    method = ExposureModel.method
    empty = Estimate.empty(method)
    readers = sorted({r.reader for r in reads})
    n = len(reads)
    if n < 10 or len({r.correct for r in reads}) < 2:
        return ExposureModel(n, len(readers), empty, empty, empty, False)
    code = {name: k for k, name in enumerate(readers)}
    exposure = np.array([r.exposure / 100 for r in reads])
    practice = np.array([r.practice / 100 for r in reads])
    has_difficulty = all(r.expected is not None for r in reads)
    difficulty = np.array([logit(r.expected) if r.expected is not None else 0.0 for r in reads])
    identifiable = bool(
        (exposure.max() - exposure.min()) * 100 >= MIN_EXPOSURE_SPAN
        and practice.std() > 0
        and abs(float(np.corrcoef(exposure, practice)[0, 1])) < COLLINEAR
    )
    columns = [np.array([code[r.reader] == k for r in reads], float) for k in range(len(readers))]
    names = ["exposure"]
    columns.append(exposure)
    if identifiable:
        columns.append(practice)
        names.append("practice")
    if has_difficulty and difficulty.std() > 0:
        columns.append(difficulty)
        names.append("difficulty")
    x = np.column_stack(columns)
    y = np.array([r.correct for r in reads], float)
    beta = np.zeros(x.shape[1])
    ridge = 1e-4 * np.eye(x.shape[1])  # keeps the fit finite under separation
    for _ in range(50):
        p = 1 / (1 + np.exp(-(x @ beta)))
        hessian = x.T @ (x * (p * (1 - p))[:, None]) + ridge
        step = np.linalg.solve(hessian, x.T @ (y - p) - ridge @ beta)
        beta += step
        if np.abs(step).max() < 1e-8:
            break
    p = 1 / (1 + np.exp(-(x @ beta)))
    bread = np.linalg.inv(x.T @ (x * (p * (1 - p))[:, None]) + ridge)
    scores = x * (y - p)[:, None]
    groups = np.array([code[r.reader] for r in reads]) if len(readers) > 1 else np.arange(n)
    summed = np.zeros((int(groups.max()) + 1, x.shape[1]))
    np.add.at(summed, groups, scores)
    g = len(summed)
    meat = summed.T @ summed * (g / (g - 1) if g > 1 else 1.0)
    cov = bread @ meat @ bread
    z = float(norm.ppf(0.5 + confidence_level / 2))

    def coefficient(name: str) -> Estimate:
        if name not in names:
            return empty
        k = len(readers) + names.index(name)
        b, se = float(beta[k]), float(math.sqrt(max(cov[k, k], 0.0)))
        pval = float(2 * norm.sf(abs(b / se))) if se > 0 else None
        return Estimate(b, se, b - z * se, b + z * se, method, pval, n)

    exposure_effect = coefficient("exposure") if identifiable else empty
    return ExposureModel(
        n,
        len(readers),
        exposure_effect,
        coefficient("practice"),
        coefficient("difficulty"),
        identifiable,
    )


@dataclass(frozen=True)
class Cusum:
    """Risk-adjusted Bernoulli CUSUM of unaided errors after the baseline (Steiner et al. 2000)."""

    points: tuple[CusumPoint, ...]  # one per follow-up read (the class below)
    odds_ratio: float
    threshold: float
    alarm_at: int | None  # index in ``points`` of the first alarm
    method: str = "risk-adjusted Bernoulli CUSUM (Steiner et al. 2000)"

    @property
    def alarm(self) -> bool:
        return self.alarm_at is not None

    @property
    def statistic(self) -> float:
        return self.points[-1].statistic if self.points else 0.0

    def to_dict(self) -> dict[str, object]:
        return asdict(self) | {"alarm": self.alarm, "statistic": self.statistic}


@dataclass(frozen=True)
class CusumPoint:
    """One follow-up unaided read on the chart: its exposure, expected and observed error, S_t."""

    exposure: int
    expected_error: float
    error: bool
    statistic: float


def risk_adjusted_cusum(
    baseline: Sequence[tuple[bool, float | None]],
    follow_up: Sequence[tuple[int, bool, float | None]],
    *,
    odds_ratio: float = CUSUM_ODDS_RATIO,
    threshold: float = CUSUM_THRESHOLD,
) -> Cusum:
    """CUSUM of ``follow_up`` errors, ``(exposure, correct, expected P(correct))``, against ``baseline``.

    Expected error of each follow-up read: ``sigmoid(offset + logit(1 - expected))``, ``offset``
    chosen so the baseline's expected errors sum to its observed errors (plus one half, so a perfect
    baseline does not make every later error infinitely surprising); without difficulty, the
    baseline error rate ``(errors + 0.5) / (n + 1)``.
    """
    if odds_ratio <= 1 or threshold <= 0:
        raise ValueError("odds_ratio must exceed 1 and threshold be positive")
    errors = sum(not c for c, _ in baseline) + 0.5
    with_difficulty = all(e is not None for _, e in baseline) and all(
        e is not None for *_, e in follow_up
    )
    offset = 0.0
    if with_difficulty and baseline:
        base = np.array([logit(1 - float(e)) for _, e in baseline])  # type: ignore[arg-type]
        lo, hi = -20.0, 20.0
        for _ in range(80):  # bisection: the expected errors rise with the offset
            mid = (lo + hi) / 2
            if (
                float((1 / (1 + np.exp(-(base + mid)))).sum()) * (len(base) + 1) / len(base)
                < errors
            ):
                lo = mid
            else:
                hi = mid
        offset = (lo + hi) / 2
    rate = errors / (len(baseline) + 1)
    log_r = math.log(odds_ratio)
    s, alarm_at = 0.0, None
    points = []
    for k, (exposure, correct, expected) in enumerate(follow_up):
        risk = logit(1 - float(expected)) if with_difficulty and expected is not None else 0.0
        p = 1 / (1 + math.exp(-(offset + risk))) if with_difficulty else rate
        error = not correct
        s = max(0.0, s + (log_r if error else 0.0) - math.log(1 - p + odds_ratio * p))
        if alarm_at is None and s >= threshold:
            alarm_at = k
        points.append(CusumPoint(exposure, p, error, s))
    return Cusum(tuple(points), odds_ratio, threshold, alarm_at)


@dataclass(frozen=True)
class DeskillingWatch:
    after_aided: int
    baseline: Proportion
    follow_up: Proportion
    change: Estimate  # follow-up minus baseline, Newcombe hybrid score interval; descriptive
    alert: bool
    points: tuple[TrendPoint, ...]
    model: ExposureModel
    cusum: Cusum
    min_reads: int
    method: str = WATCH_METHOD

    def to_dict(self) -> dict[str, object]:
        return asdict(self) | {"cusum": self.cusum.to_dict()}

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
            ("change (descriptive)", self.change.value, None),
            ("exposure log-OR per 100 aided reads", self.model.exposure.value, self.model.n),
            ("practice log-OR per 100 unaided reads", self.model.practice.value, self.model.n),
            ("CUSUM statistic (threshold)", self.cusum.statistic, None),
        ]
        flag = (
            "ALERT: the risk-adjusted CUSUM of unaided errors crossed its threshold"
            if self.alert
            else "no CUSUM alarm"
        )
        return "Deskilling watch\n" + format_table(["", "value", "n"], rows) + "\n" + flag


def deskilling_watch(
    reads: Sequence[tuple[str, bool] | tuple[str, bool, float | None]],
    *,
    after_aided: int = 20,
    window: int = 20,
    min_reads: int = 10,
    reader: str = "reader",
) -> DeskillingWatch:
    """Watch the unaided performance of one reader over their reads in chronological order.

    Args:
        reads: ``(condition, correct)`` or ``(condition, correct, expected)`` per *read*, oldest
            first; condition ``unaided`` or ``aided``; ``expected`` the case's expected unaided
            accuracy for an average reader (difficulty), in (0, 1), or None.
        after_aided: N, the exposure that separates baseline from follow-up.
        window: unaided reads per trend point.
        min_reads: baseline unaided reads needed before the alert can fire.
    """
    if after_aided < 1 or window < 1:
        raise ValueError("after_aided and window must be at least 1")
    exposure = practice = 0
    tagged: list[UnaidedRead] = []
    for i, read in enumerate(reads):
        condition, correct = read[0], read[1]
        expected = read[2] if len(read) > 2 else None
        if expected is not None and not 0 < float(expected) < 1:
            raise ValueError(f"reads[{i}]: expected must lie strictly between 0 and 1")
        if condition == "aided":
            exposure += 1
        elif condition == "unaided":
            tagged.append(UnaidedRead(reader, exposure, practice, bool(correct), expected))
            practice += 1
        else:
            raise ValueError(
                f"reads[{i}]: condition must be 'unaided' or 'aided', got {condition!r}"
            )
    before = [r for r in tagged if r.exposure < after_aided]
    after = [r for r in tagged if r.exposure >= after_aided]
    baseline = Proportion(sum(r.correct for r in before), len(before))
    follow_up = Proportion(sum(r.correct for r in after), len(after))
    change = difference_of_proportions(baseline, follow_up)
    cusum = risk_adjusted_cusum(
        [(r.correct, r.expected) for r in before],
        [(r.exposure, r.correct, r.expected) for r in after],
    )
    alert = bool(baseline.n >= min_reads and cusum.alarm)
    points: list[TrendPoint] = []
    for start in range(0, len(tagged), window):
        chunk = tagged[start : start + window]
        if len(chunk) < max(2, window // 2) and points:
            break  # a short last window would only add noise
        prop = Proportion(sum(r.correct for r in chunk), len(chunk))
        lo, hi = prop.confidence_interval() or (0.0, 1.0)
        value = prop.value or 0.0
        points.append(
            TrendPoint(
                sum(r.exposure for r in chunk) / len(chunk),
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
        tuple(points),
        exposure_model(tagged),
        cusum,
        min_reads,
    )
