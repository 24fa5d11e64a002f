"""Calibration, paired and independent differences, AUC: hand-computed values."""

from __future__ import annotations

import math

import pytest
from scipy.stats import norm

from medtandem.reliance import auc_estimate, calibration, paired_difference, roc_curve
from medtandem.reliance.estimates import mean_estimate
from medtandem.reliance.metrics import Proportion


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


# Newcombe RG (1998) "Two-sided confidence intervals for the single proportion: comparison of seven
# methods", Stat Med 17:857-872, Table I, method 3 (Wilson score, no continuity correction).
NEWCOMBE_WILSON_TABLE_I = [
    ((81, 263), (0.2553, 0.3662)),
    ((15, 148), (0.0624, 0.1605)),
    ((0, 20), (0.0, 0.1611)),
    ((1, 29), (0.0061, 0.1718)),
    ((29, 29), (0.8830, 1.0)),
]


@pytest.mark.parametrize(("counts", "limits"), NEWCOMBE_WILSON_TABLE_I)
def test_the_wilson_interval_matches_newcombe_1998_table_i(
    counts: tuple[int, int], limits: tuple[float, float]
) -> None:
    assert Proportion(*counts).confidence_interval() == pytest.approx(limits, abs=5e-5)


# Newcombe RG (1998) "Improved confidence intervals for the difference between binomial proportions
# based on paired data", Stat Med 17:2635-2650, Table III, method 10, 95 %: cells (e, f, g, h) of the
# paired table (both, first only, second only, neither) -> limits for theta = (f - g) / n. The
# figures are the paper's; the same rows are reproduced by several public implementations.
NEWCOMBE_PAIRED_TABLE_III = [
    ((36, 12, 2, 0), (0.0569, 0.3404)),
    ((20, 12, 2, 16), (0.0562, 0.3292)),
    ((18, 12, 2, 18), (0.0562, 0.3290)),
    ((36, 14, 0, 0), (0.1528, 0.4167)),
    ((35, 14, 0, 1), (0.1461, 0.4175)),
    ((18, 14, 0, 18), (0.1441, 0.3963)),
    ((2, 97, 1, 0), (0.8721, 0.9854)),
    ((1, 97, 1, 1), (0.8736, 0.9850)),
    ((54, 0, 0, 0), (-0.0664, 0.0664)),
    ((30, 0, 0, 24), (-0.0358, 0.0358)),
]


@pytest.mark.parametrize(("cells", "limits"), NEWCOMBE_PAIRED_TABLE_III)
def test_paired_difference_newcombe_method_10_matches_newcombe_1998_table_iii(
    cells: tuple[int, int, int, int], limits: tuple[float, float]
) -> None:
    # Newcombe's theta is p(first) - p(second) = (f - g) / n; paired_difference(a, b) is
    # mean(b) - mean(a), so the two outcome lists go in swapped.
    e, f, g, h = cells
    first, second = _paired(e, f, g, h)
    d = paired_difference(second, first)
    assert d.value == pytest.approx((f - g) / (e + f + g + h))
    # One unit of the printed fourth decimal: row (1, 97, 1, 1) computes 0.87367 (z = 1.96 or
    # 1.959964 alike) where the paper prints 0.8736; every other row agrees within 5e-5.
    assert (d.ci_lower, d.ci_upper) == pytest.approx(limits, abs=1e-4)


def test_mean_of_proportions_near_one_is_truncated_to_the_range():
    # Readers at 0.95, 1, 1, 1, 0.9: mean 0.97, sd 0.0447, t(4) 2.776 -> 0.9145 to 1.0255 untruncated.
    values = [0.95, 1.0, 1.0, 1.0, 0.9]
    free = mean_estimate(values)
    assert free.ci_upper == pytest.approx(0.97 + 2.7764451 * 0.0447214 / math.sqrt(5), abs=1e-6)
    assert free.ci_upper > 1
    bounded = mean_estimate(values, bounds=(0.0, 1.0))
    assert bounded.value == pytest.approx(0.97)
    assert bounded.ci_lower == pytest.approx(free.ci_lower)
    assert bounded.ci_upper == 1.0
    assert "truncated" in bounded.method


def _paired(n11: int, n12: int, n21: int, n22: int) -> tuple[list[int], list[int]]:
    """A paired 2x2 table as two outcome lists (rows: first outcome, columns: second)."""
    first = [1] * (n11 + n12) + [0] * (n21 + n22)
    second = [1] * n11 + [0] * n12 + [1] * n21 + [0] * n22
    return first, second


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        # Cavo et al. (2012) in Fagerland, Lydersen & Laake, "Statistical Analysis of Contingency
        # Tables" (2017), ch. 8; the R package contingencytables 3.0.0 (tests/testthat/test-ch8.R)
        # prints Newcombe's square-and-add interval: -0.0621 (-0.1186 to -0.0046).
        ((59, 6, 16, 80), (-0.0621, -0.1186, -0.0046)),
        # The same package's edge case: one concordant pair of each kind, no discordant pair.
        ((1, 0, 0, 1), (0.0, -0.5734, 0.5734)),
    ],
)
def test_paired_difference_matches_the_contingencytables_package(
    table: tuple[int, int, int, int], expected: tuple[float, float, float]
) -> None:
    # The package's estimate is p(first) - p(second): ours is second minus first, so swap.
    first, second = _paired(*table)
    d = paired_difference(second, first)
    assert (d.value, d.ci_lower, d.ci_upper) == pytest.approx(expected, abs=5e-5)


def test_paired_difference_without_discordant_pairs_keeps_a_width():
    # The Wald interval collapses to [0, 0] here; the score interval does not.
    d = paired_difference([1] * 9 + [0], [1] * 9 + [0])
    assert d.value == 0.0
    assert d.ci_lower < -0.1 and d.ci_upper > 0.1


def test_confidence_ece_uses_the_confidence_in_the_chosen_label():
    # Guo et al. (2017): P(present) 0.3 and 0.7, both present. Calls 0 and 1, confidence in the
    # chosen label 0.7 and 0.7, right 0 and 1: one bin, |0.7 - 0.5| = 0.2.
    # The prevalence ECE bins 0.3 (observed 1) and 0.7 (observed 1): (0.7 + 0.3)/2 = 0.5.
    c = calibration([1, 1], [0.3, 0.7])
    assert c.ece == pytest.approx(0.5)
    assert c.confidence_ece.value == pytest.approx(0.2)
    assert "Guo" in c.confidence_ece.method


def test_confidence_ece_follows_the_readers_own_calls():
    # Rated 0.6 present but called absent; the finding was absent: confidence in the call 0.4, right.
    c = calibration([0], [0.6], decision=[False])
    assert c.confidence_ece.value == pytest.approx(0.6)


def test_confidence_ece_has_a_bootstrap_interval_around_it():
    truth = [1, 0] * 20
    probs = [0.8, 0.3, 0.6, 0.45] * 10
    e = calibration(truth, probs).confidence_ece
    assert e.ci_lower is not None and e.ci_lower <= e.value <= e.ci_upper
    assert e == calibration(truth, probs).confidence_ece  # seeded: reproducible
