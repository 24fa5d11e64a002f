"""Deskilling watch: unaided accuracy before and after N aided reads."""

from __future__ import annotations

import pytest

from medtandem.reliance import deskilling_watch


def _reads(before_right: int, aided: int, after_right: int, n: int = 20):
    return (
        [("unaided", i < before_right) for i in range(n)]
        + [("aided", True)] * aided
        + [("unaided", i < after_right) for i in range(n)]
    )


def test_a_significant_fall_of_unaided_accuracy_raises_the_alert():
    w = deskilling_watch(_reads(18, 20, 8), after_aided=20)
    assert (w.baseline.successes, w.baseline.n) == (18, 20)
    assert (w.follow_up.successes, w.follow_up.n) == (8, 20)
    assert w.change.value == pytest.approx(-0.5)
    assert w.change.p < 0.001
    assert w.alert


def test_stable_unaided_accuracy_raises_no_alert():
    w = deskilling_watch(_reads(15, 20, 15), after_aided=20)
    assert not w.alert
    assert w.change.value == 0


def test_no_alert_before_enough_reads_in_each_period():
    w = deskilling_watch(_reads(5, 20, 0, n=5), after_aided=20, min_reads=10)
    assert w.change.value == -1.0
    assert not w.alert


def test_exposure_counts_aided_reads_committed_before_each_unaided_read():
    w = deskilling_watch(_reads(18, 20, 8), after_aided=21)
    assert w.follow_up.n == 0  # only 20 aided reads were made


def test_trend_points_and_slope():
    w = deskilling_watch(_reads(18, 20, 8), after_aided=20, window=10)
    assert [p.n for p in w.points] == [10, 10, 10, 10]
    assert [p.exposure for p in w.points] == [0, 0, 20, 20]
    assert all(p.ci_lower <= p.accuracy <= p.ci_upper for p in w.points)
    assert w.slope_per_100.value == pytest.approx(-2.5)  # -0.5 accuracy over 20 aided reads
    assert "ALERT" in deskilling_watch(_reads(18, 20, 8)).summary()


def test_unknown_conditions_are_refused():
    with pytest.raises(ValueError, match=r"reads\[0\]: condition"):
        deskilling_watch([("sequential", True)])
