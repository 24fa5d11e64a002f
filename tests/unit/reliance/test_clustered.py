"""Clustered (reader x case) intervals: coverage on simulated crossed studies, hand-worked variance.

Oracle: the simulation's generating model. Readers and cases have random effects on the logit of a
correct read (sd 0.5 and 1.0), so reads of one reader, and reads of one case, are correlated. The
target is the population accuracy E[sigmoid(mu + a + b)], computed once by a large Monte-Carlo.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from medtandem.reliance.clustered import (
    STATISTICS,
    clustered_estimates,
    clustered_measures,
    two_way_variance,
)

MU, SD_READER, SD_CASE = 1.2, 0.5, 1.0
STUDIES, READERS, CASES = 1000, 10, 40
ACCURACY = {"accuracy": (((1.0, {"ok": 1.0}, "n"),), 0.0, 1.0)}


def _population_accuracy(rng: np.random.Generator) -> float:
    x = MU + rng.normal(0, SD_READER, 1_000_000) + rng.normal(0, SD_CASE, 1_000_000)
    return float(np.mean(1 / (1 + np.exp(-x))))


def _coverage() -> tuple[float, float]:
    rng = np.random.default_rng(2024)
    target = _population_accuracy(rng)
    reader = np.repeat(np.arange(READERS), CASES)
    case = np.tile(np.arange(CASES), READERS)
    clustered = naive = 0
    for _ in range(STUDIES):
        a, b = rng.normal(0, SD_READER, READERS), rng.normal(0, SD_CASE, CASES)
        ok = rng.random(READERS * CASES) < 1 / (1 + np.exp(-(MU + a[reader] + b[case])))
        e = clustered_estimates(reader, case, {"ok": ok, "n": np.ones(len(ok))}, ACCURACY)[
            "accuracy"
        ]
        clustered += e.ci_lower <= target <= e.ci_upper
        p = ok.mean()
        naive += abs(p - target) <= 1.96 * math.sqrt(p * (1 - p) / len(ok))
    return clustered / STUDIES, naive / STUDIES


@pytest.fixture(scope="module")
def coverage() -> tuple[float, float]:
    return _coverage()


def test_clustered_interval_covers_at_the_nominal_95_percent(coverage):
    # Monte-Carlo standard error of a coverage over 1,000 studies: sqrt(0.95 * 0.05 / 1000) = 0.0069;
    # 95 % must lie within 2.58 of them (a 99 % band).
    mc = math.sqrt(0.95 * 0.05 / STUDIES)
    assert abs(coverage[0] - 0.95) <= 2.58 * mc


def test_reads_taken_as_independent_undercover(coverage):
    # The same simulation, Wald intervals over pooled reads: far below 95 % (the test has power).
    assert coverage[1] < 0.85


def test_two_way_variance_by_hand():
    # 2 readers x 2 cases, z = [[1, -1], [2, -2]]: reader sums 0 and 0, case sums 3 and -3,
    # cells 1 + 1 + 4 + 4 = 10. V = 2 * 0 + 2 * (9 + 9) - 10 = 26.
    reader = np.array([0, 0, 1, 1])
    case = np.array([0, 1, 0, 1])
    assert two_way_variance(reader, case, np.array([1.0, -1.0, 2.0, -2.0])) == pytest.approx(26.0)


def test_one_reader_is_clustered_by_case_only():
    reader = np.zeros(4, dtype=np.int64)
    case = np.array([0, 0, 1, 1])
    # case sums 2 and -2: V = 2/1 * (4 + 4) = 16.
    assert two_way_variance(reader, case, np.array([1.0, 1.0, -1.0, -1.0])) == pytest.approx(16.0)


def test_pooled_measures_match_the_hand_worked_table():
    # The table of test_reliance_measures, read by two readers identically, each finding its own case.
    truth = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]
    ai = [1, 1, 1, 0, 0, 0, 0, 0, 1, 1]
    unaided = [1, 0, 0, 1, 0, 0, 1, 0, 0, 1]
    aided = [1, 1, 0, 0, 0, 0, 0, 0, 1, 1]
    frame = pd.DataFrame(
        {
            "reader": ["r1"] * 10 + ["r2"] * 10,
            "case": list(range(10)) * 2,
            "truth": truth * 2,
            "unaided": unaided * 2,
            "aided": aided * 2,
            "ai": ai * 2,
        }
    ).astype({c: bool for c in ("truth", "unaided", "aided", "ai")})
    m = clustered_measures(frame)
    assert m.over_reliance.value == pytest.approx(1.0)  # switched on both right-alone items
    assert m.rsr.value == pytest.approx(0.0)
    assert m.rair.value == pytest.approx(2 / 3)
    assert m.dratsch_contrast.value == pytest.approx(-5 / 6)
    assert m.accuracy_unaided.ci_lower < 0.5 < m.accuracy_unaided.ci_upper
    assert set(STATISTICS) <= set(m.to_dict())
    assert "Cameron" in m.accuracy_unaided.method


def test_findings_of_one_case_move_together():
    # Five findings of one case, all right or all wrong: clustering by case widens the interval.
    rng = np.random.default_rng(3)
    ok_case = rng.random(30) < 0.7
    items = pd.DataFrame(
        {
            "reader": "r",
            "case": [f"{c}:{k}" for c in range(30) for k in range(5)],
            "cluster": [c for c in range(30) for _ in range(5)],
            "truth": True,
            "unaided": np.repeat(ok_case, 5),
            "aided": np.repeat(ok_case, 5),
            "ai": True,
        }
    )
    by_case = clustered_measures(items).accuracy_unaided
    by_item = clustered_measures(items.drop(columns="cluster")).accuracy_unaided
    assert by_case.se == pytest.approx(by_item.se * math.sqrt(5), rel=0.05)
