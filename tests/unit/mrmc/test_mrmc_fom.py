from __future__ import annotations

import numpy as np
import pytest

from medtandem.mrmc.errors import MrmcInputError
from medtandem.mrmc.fom import (
    FomSpec,
    auc,
    leave_one_out_rows,
    partial_auc,
    placement_values,
    roc_points,
    sensitivity,
    specificity,
)


def brute_auc(pos, neg):
    s = 0.0
    for x in pos:
        for y in neg:
            s += 1.0 if x > y else 0.5 if x == y else 0.0
    return s / (len(pos) * len(neg))


@pytest.fixture
def tied():
    rng = np.random.default_rng(3)
    return rng.integers(1, 6, (3, 17)).astype(float) + 1, rng.integers(1, 6, (3, 23)).astype(float)


def test_auc_is_mann_whitney_with_ties_counting_half(tied):
    pos, neg = tied
    assert auc(pos, neg) == pytest.approx([brute_auc(p, n) for p, n in zip(pos, neg, strict=True)])


def test_placement_values_are_fractions_below_and_above(tied):
    pos, neg = tied
    v10, v01 = placement_values(pos, neg)
    want10 = (
        (neg[0][None, :] < pos[0][:, None]) + 0.5 * (neg[0][None, :] == pos[0][:, None])
    ).mean(1)
    want01 = (
        (pos[0][None, :] > neg[0][:, None]) + 0.5 * (pos[0][None, :] == neg[0][:, None])
    ).mean(1)
    assert v10[0] == pytest.approx(want10)
    assert v01[0] == pytest.approx(want01)


@pytest.mark.parametrize(
    "spec",
    [
        FomSpec(),
        FomSpec("sensitivity", threshold=4),
        FomSpec("specificity", threshold=3),
        FomSpec("pauc", max_fpr=0.3),
    ],
)
def test_leave_one_out_equals_recomputation(tied, spec):
    pos, neg = tied
    theta, lp, ln = leave_one_out_rows(spec, pos, neg)
    from medtandem.mrmc.fom import fom_rows

    assert theta == pytest.approx(fom_rows(spec, pos, neg))
    for i in (0, 5, 16):
        assert lp[:, i] == pytest.approx(fom_rows(spec, np.delete(pos, i, 1), neg))
    for j in (0, 9, 22):
        assert ln[:, j] == pytest.approx(fom_rows(spec, pos, np.delete(neg, j, 1)))


def test_partial_auc_to_one_equals_auc(tied):
    pos, neg = tied
    assert partial_auc(pos, neg, 1.0) == pytest.approx(auc(pos, neg))


def test_partial_auc_of_perfect_and_chance_readers():
    assert partial_auc(np.array([[2.0, 3.0]]), np.array([[0.0, 1.0]]), 0.2)[0] == pytest.approx(0.2)
    # all ratings tied: the ROC curve is the diagonal; area to 0.2 is 0.02
    assert partial_auc(np.ones((1, 4)), np.ones((1, 4)), 0.2)[0] == pytest.approx(0.02)


def test_sensitivity_and_specificity_at_threshold():
    pos = np.array([[1.0, 3.0, 5.0, 5.0]])
    neg = np.array([[1.0, 2.0, 3.0, 4.0]])
    assert sensitivity(pos, 3)[0] == 0.75
    assert specificity(neg, 3)[0] == 0.5


def test_roc_points_run_from_origin_to_corner():
    fpf, tpf = roc_points(np.array([3.0, 4.0]), np.array([1.0, 3.0]))
    assert (fpf[0], tpf[0], fpf[-1], tpf[-1]) == (0, 0, 1, 1)


@pytest.mark.parametrize(
    "kwargs,msg",
    [
        ({"name": "kappa"}, "fom must be one of"),
        ({"name": "sensitivity"}, "needs a threshold"),
        ({"name": "pauc", "max_fpr": 1.5}, "max_fpr in"),
    ],
)
def test_fom_spec_rejects_bad_arguments(kwargs, msg):
    with pytest.raises(MrmcInputError, match=msg):
        FomSpec(**kwargs)
