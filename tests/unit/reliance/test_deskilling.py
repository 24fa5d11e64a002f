"""Deskilling watch: exposure counted in reads, a model that separates practice from exposure, and a
risk-adjusted CUSUM whose false alarms and detections are checked by simulation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from medtandem.reliance import deskilling_watch
from medtandem.reliance.deskilling import (
    CUSUM_THRESHOLD,
    MIN_EXPOSURE_SPAN,
    UnaidedRead,
    exposure_model,
    risk_adjusted_cusum,
)
from medtandem.reliance.estimates import difference_of_proportions
from medtandem.reliance.metrics import Proportion

# Newcombe RG (1998) "Interval estimation for the difference between independent proportions:
# comparison of eleven methods", Stat Med 17:873-890, Table II, method 10 (hybrid score, no
# continuity correction), 95 %: (k1/n1, k2/n2) -> limits for p1 - p2.
NEWCOMBE_INDEPENDENT_TABLE_II = [
    ((56, 70, 48, 80), (0.0524, 0.3339)),
    ((9, 10, 3, 10), (0.1705, 0.8090)),
    ((6, 7, 2, 7), (0.0582, 0.8062)),
    ((5, 56, 0, 29), (-0.0381, 0.1926)),
    ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ((0, 10, 0, 10), (-0.2775, 0.2775)),
    ((10, 10, 0, 20), (0.6791, 1.0)),
    ((10, 10, 0, 10), (0.6075, 1.0)),
]


@pytest.mark.parametrize(("counts", "limits"), NEWCOMBE_INDEPENDENT_TABLE_II)
def test_the_change_in_accuracy_matches_newcombe_1998_table_ii(
    counts: tuple[int, int, int, int], limits: tuple[float, float]
) -> None:
    k1, n1, k2, n2 = counts
    # difference_of_proportions(first, second) is second - first: p1 - p2 puts p2 first.
    change = difference_of_proportions(Proportion(k2, n2), Proportion(k1, n1))
    assert change.value == pytest.approx(k1 / n1 - k2 / n2)
    assert (change.ci_lower, change.ci_upper) == pytest.approx(limits, abs=5e-5)


def _reads(before_right: int, aided: int, after_right: int, n: int = 20):
    return (
        [("unaided", i < before_right) for i in range(n)]
        + [("aided", True)] * aided
        + [("unaided", i < after_right) for i in range(n)]
    )


def test_a_large_fall_of_unaided_accuracy_raises_the_alert():
    w = deskilling_watch(_reads(18, 20, 8), after_aided=20)
    assert (w.baseline.successes, w.baseline.n) == (18, 20)
    assert (w.follow_up.successes, w.follow_up.n) == (8, 20)
    assert w.change.value == pytest.approx(-0.5)
    assert w.change.ci_upper < 0
    assert w.cusum.alarm and w.alert


def test_stable_unaided_accuracy_raises_no_alert():
    w = deskilling_watch(_reads(15, 20, 15), after_aided=20)
    assert not w.alert
    assert w.change.value == 0


def test_no_alert_before_enough_baseline_reads():
    w = deskilling_watch(_reads(5, 20, 0, n=5), after_aided=20, min_reads=10)
    assert w.change.value == -1.0
    assert not w.alert


def test_exposure_counts_aided_reads_committed_before_each_unaided_read():
    w = deskilling_watch(_reads(18, 20, 8), after_aided=21)
    assert w.follow_up.n == 0  # only 20 aided reads were made


def test_trend_points():
    w = deskilling_watch(_reads(18, 20, 8), after_aided=20, window=10)
    assert [p.n for p in w.points] == [10, 10, 10, 10]
    assert [p.exposure for p in w.points] == [0, 0, 20, 20]
    assert all(p.ci_lower <= p.accuracy <= p.ci_upper for p in w.points)
    assert "ALERT" in w.summary()


def test_cusum_path_by_hand():
    # Baseline 3 right, 1 wrong: error rate (1 + 0.5)/(4 + 1) = 0.3. R = 2:
    # a right read adds -log(1 - 0.3 + 0.6) = -log 1.3, an error log 2 - log 1.3.
    c = risk_adjusted_cusum(
        [(True, None)] * 3 + [(False, None)], [(5, False, None), (6, False, None), (7, True, None)]
    )
    step = math.log(2) - math.log(1.3)
    assert [p.statistic for p in c.points] == pytest.approx(
        [step, 2 * step, 2 * step - math.log(1.3)]
    )
    assert not c.alarm


def test_cusum_expects_more_errors_on_harder_cases():
    baseline = [(True, 0.8), (False, 0.8), (True, 0.8), (True, 0.8)]
    c = risk_adjusted_cusum(baseline, [(1, False, 0.95), (2, False, 0.3)])
    easy, hard = c.points
    assert hard.expected_error > easy.expected_error
    # the error on the hard case adds less to the statistic than the error on the easy one
    assert hard.statistic - easy.statistic < easy.statistic


def _simulated_alarms(odds_ratio: float, rng: np.random.Generator, readers: int = 400) -> float:
    alarms = 0
    for _ in range(readers):
        p_error = rng.uniform(0.2, 0.35)
        odds = p_error / (1 - p_error) * odds_ratio
        later = odds / (1 + odds)
        reads = [("unaided", rng.random() > p_error) for _ in range(20)]
        reads += [("aided", True)] * 20
        reads += [("unaided", rng.random() > later) for _ in range(100)]
        alarms += deskilling_watch(reads, after_aided=20).alert
    return alarms / readers


def test_cusum_false_alarms_stay_near_their_documented_rate():
    # Documented: about 10 % over 100 follow-up reads with no change. 400 readers: MC se 0.015.
    assert _simulated_alarms(1.0, np.random.default_rng(11)) < 0.15


def test_cusum_detects_a_tripling_of_the_odds_of_an_error():
    assert _simulated_alarms(3.0, np.random.default_rng(12)) > 0.7
    assert CUSUM_THRESHOLD == 6.0


def _learner_reads(rng, n_readers=30, exposure_effect=0.0, practice_effect=0.0):
    """Readers who read unaided re-reads and hybrid cases: practice and exposure move apart."""
    out = []
    for r in range(n_readers):
        skill = rng.normal(1.0, 0.5)
        exposure = 0
        for practice in range(120):
            difficulty = rng.uniform(0.3, 0.95)
            logit = (
                skill
                + math.log(difficulty / (1 - difficulty))
                + exposure_effect * exposure / 100
                + practice_effect * practice / 100
            )
            correct = rng.random() < 1 / (1 + math.exp(-logit))
            out.append(UnaidedRead(f"r{r}", exposure, practice, correct, difficulty))
            if practice % 3:  # two aided reads out of three steps
                exposure += 1 + (r % 3)  # readers differ in exposure per step
    return out


def test_model_recovers_an_exposure_effect_apart_from_practice():
    rng = np.random.default_rng(5)
    m = exposure_model(_learner_reads(rng, exposure_effect=-1.5, practice_effect=1.0))
    assert m.identifiable
    assert m.exposure.ci_lower < -1.5 < m.exposure.ci_upper
    assert m.exposure.ci_upper < 0
    assert m.practice.ci_lower < 1.0 < m.practice.ci_upper
    assert m.difficulty.value == pytest.approx(1.0, abs=0.25)


def test_learning_alone_is_not_read_as_deskilling():
    rng = np.random.default_rng(6)
    m = exposure_model(_learner_reads(rng, exposure_effect=0.0, practice_effect=1.5))
    assert m.exposure.ci_lower < 0 < m.exposure.ci_upper
    assert m.practice.ci_lower > 0


def test_collinear_exposure_and_practice_are_not_separated():
    # Hybrid flow only: each unaided read is followed by its aided read.
    reads = [UnaidedRead("r", k, k, k % 3 != 0) for k in range(60)]
    m = exposure_model(reads)
    assert not m.identifiable
    assert m.exposure.value is None


def test_an_exposure_span_shorter_than_a_baseline_is_not_extrapolated():
    # Two re-read rounds of 20 unaided reads at exposure 0 and 12, hybrid reads in between: exposure
    # and practice move apart (correlation 0.92, under COLLINEAR), but over 12 aided reads only.
    rng = np.random.default_rng(7)
    reads = [UnaidedRead("r", 0, k, bool(rng.random() < 0.4)) for k in range(20)]
    reads += [UnaidedRead("r", k, 20 + k, bool(rng.random() < 0.4)) for k in range(12)]
    reads += [UnaidedRead("r", 12, 32 + k, bool(rng.random() < 0.6)) for k in range(20)]
    assert MIN_EXPOSURE_SPAN == 20
    m = exposure_model(reads)
    assert not m.identifiable and m.exposure.value is None
    # The same reads spread over 24 aided reads of exposure are fitted.
    wider = [UnaidedRead(r.reader, 2 * r.exposure, r.practice, r.correct) for r in reads]
    assert exposure_model(wider).identifiable


def test_unknown_conditions_are_refused():
    with pytest.raises(ValueError, match=r"reads\[0\]: condition"):
        deskilling_watch([("sequential", True)])
