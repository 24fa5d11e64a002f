"""Calibration, paired and independent differences, AUC: hand-computed values."""

from __future__ import annotations

import math

import pytest
from scipy.stats import norm

from medtandem.reliance import auc_estimate, calibration, paired_difference, roc_curve
from medtandem.reliance.estimates import mean_estimate, two_proportion_difference


def test_brier_score_and_expected_calibration_error():
    c = calibration([1, 0, 1, 0], [0.9, 0.2, 0.6, 0.6])
    assert c.brier == pytest.approx((0.01 + 0.04 + 0.16 + 0.36) / 4)
    # bins: {0.9} observed 1; {0.2} observed 0; {0.6, 0.6} observed 0.5
    assert c.ece == pytest.approx(0.25 * 0.1 + 0.25 * 0.2 + 0.5 * 0.1)
    assert [b.n for b in c.bins if b.n] == [1, 2, 1]


def test_a_perfectly_confident_and_right_reader_is_perfectly_calibrated():
    c = calibration([1, 0], [1.0, 0.0])
    assert (c.brier, c.ece) == (0.0, 0.0)


def test_calibration_refuses_percentages():
    with pytest.raises(ValueError, match="divide 0-100 confidences by 100"):
        calibration([1], [80])


def test_paired_difference_with_discordant_pairs():
    first = [1, 1, 1, 0, 0, 0, 1, 1]
    second = [1, 0, 1, 1, 1, 1, 1, 1]
    d = paired_difference(first, second)  # b = 1, c = 3, n = 8
    assert d.value == pytest.approx(2 / 8)
    assert d.se == pytest.approx(math.sqrt(4 - 4 / 8) / 8)
    assert d.p == pytest.approx(2 * norm.sf(2 / 2))


def test_two_independent_proportions_one_sided_decline():
    d = two_proportion_difference(18, 20, 8, 20)
    assert d.value == pytest.approx(-0.5)
    pooled = 26 / 40
    assert d.p == pytest.approx(norm.cdf(-0.5 / math.sqrt(pooled * (1 - pooled) * 0.1)))


def test_auc_with_delong_standard_error():
    e = auc_estimate([1, 1, 0, 0], [0.9, 0.4, 0.4, 0.1])
    assert e.value == pytest.approx(0.875)
    assert e.se == pytest.approx(math.sqrt(0.03125))
    assert auc_estimate([1, 1], [0.2, 0.3]).value is None


def test_roc_curve_runs_from_origin_to_corner():
    fpr, tpr = roc_curve([1, 0, 1, 0], [0.9, 0.8, 0.3, 0.1])
    assert (fpr[0], tpr[0]) == (0.0, 0.0)
    assert (fpr[-1], tpr[-1]) == (1.0, 1.0)
    assert (fpr[1], tpr[1]) == (0.0, 0.5)


def test_mean_across_readers_with_t_interval():
    e = mean_estimate([0.1, 0.2, 0.3])
    assert e.value == pytest.approx(0.2)
    assert e.se == pytest.approx(0.1 / math.sqrt(3))
    assert e.ci_lower < 0.2 < e.ci_upper
