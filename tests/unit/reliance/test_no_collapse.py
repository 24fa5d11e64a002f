"""Intervals that stay open when every reader scores 0 or 1 (hand-computed Wilson bounds)."""

import pandas as pd
import pytest

from medtandem.reliance import analyze_reliance, clustered_measures
from medtandem.reliance.estimates import mean_estimate, score_interval

Z2 = 1.959963984540054**2


def test_ten_readers_all_at_one_get_the_wilson_lower_bound_n_over_n_plus_z_squared():
    e = mean_estimate([1.0] * 10, bounds=(0.0, 1.0))
    assert e.value == 1.0
    assert (e.ci_lower, e.ci_upper) == pytest.approx((10 / (10 + Z2), 1.0))  # 0.7225
    assert "Wilson" in e.method


def test_readers_all_at_zero_and_a_benefit_of_zero_do_not_collapse():
    zero = mean_estimate([0.0] * 5, bounds=(0.0, 1.0))
    assert (zero.ci_lower, zero.ci_upper) == pytest.approx((0.0, Z2 / (5 + Z2)))  # 0.4345
    # benefit 0 on [-1, 1] is a proportion of 1/2 on [0, 1]: Wilson centre 1/2, half-width
    # z sqrt(1/(4n) + z^2/(4n^2)) / (1 + z^2/n) with n = 5.
    b = mean_estimate([0.0] * 5, bounds=(-1.0, 1.0))
    half = 1.959963984540054 * (1 / 20 + Z2 / 100) ** 0.5 / (1 + Z2 / 5)
    assert (b.ci_lower, b.ci_upper) == pytest.approx((-2 * half, 2 * half))
    assert score_interval(0.0, 5, -1.0, 1.0) == pytest.approx((-2 * half, 2 * half))


def test_without_bounds_the_t_interval_is_unchanged():
    e = mean_estimate([1.0] * 4)
    assert (e.ci_lower, e.ci_upper) == (1.0, 1.0)


def _all_right(readers: int, cases: int) -> pd.DataFrame:
    rows = [
        (f"r{r}", f"c{c}", c % 2 == 0, c % 2 == 0, c % 2 == 0, c % 2 == 0)
        for r in range(readers)
        for c in range(cases)
    ]
    return pd.DataFrame(rows, columns=["reader", "case", "truth", "unaided", "aided", "ai"])


def test_pooled_accuracy_of_readers_all_right_uses_wilson_on_min_readers_cases():
    m = clustered_measures(_all_right(4, 6))
    assert m.accuracy_unaided.value == 1.0
    assert (m.accuracy_unaided.ci_lower, m.accuracy_unaided.ci_upper) == pytest.approx(
        (4 / (4 + Z2), 1.0)  # min(R, C) = 4 units: 0.5101
    )


def test_reader_level_accuracy_means_of_a_perfect_cohort_stay_open():
    report = analyze_reliance(_all_right(4, 6))
    assert report.mean_benefit.value == 0.0
    assert report.mean_benefit.ci_upper > 0 > report.mean_benefit.ci_lower
