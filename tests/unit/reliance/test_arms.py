"""Reliance by arm: a hand-worked table (each figure counted by hand in the comments)."""

import pandas as pd
import pytest

from medtandem.reliance import reliance_by_arm

T, F = True, False
# reader, case, truth, unaided, aided, ai, unaided_first
ROWS = [
    ("A", "1", T, T, F, F, T),  # right alone, AI wrong, switched to it: over-reliance
    ("A", "2", T, T, T, F, T),  # right alone, AI wrong, kept: RSR
    ("A", "3", T, F, T, T, T),  # wrong alone, AI right, switched: RAIR
    ("A", "4", F, T, T, F, T),  # wrong alone, AI right, kept own wrong: under-reliance
    ("B", "5", T, T, T, T, T),
    ("B", "6", F, F, F, T, T),  # right alone, AI wrong, kept: RSR
    ("C", "7", T, F, T, T, F),  # aided first: the unaided read came second
    ("C", "8", T, F, T, T, F),
    ("C", "9", F, F, F, F, F),
]
FRAME = pd.DataFrame(
    ROWS, columns=["reader", "case", "truth", "unaided", "aided", "ai", "unaided_first"]
)


def test_the_unaided_first_arm_has_the_hand_counted_switch_measures():
    first = reliance_by_arm(FRAME)[0]
    assert (first.arm, first.n_readers, first.n_items) == ("unaided_first", 2, 6)
    assert (first.accuracy_unaided.successes, first.accuracy_unaided.n) == (4, 6)
    assert (first.accuracy_aided.successes, first.accuracy_aided.n) == (4, 6)
    assert first.benefit.value == pytest.approx(0.0)
    assert first.mean_benefit.value == pytest.approx(0.0)  # A: 2/4 -> 2/4, B: 2/2 -> 2/2
    assert (first.over_reliance.successes, first.over_reliance.n) == (1, 3)  # items 1, 2, 6
    assert (first.rsr.successes, first.rsr.n) == (2, 3)
    assert (first.under_reliance.successes, first.under_reliance.n) == (1, 2)  # items 3, 4
    assert (first.rair.successes, first.rair.n) == (1, 2)
    assert first.switch_applicable


def test_the_aided_first_arm_keeps_accuracy_and_marks_switch_measures_not_applicable():
    second = reliance_by_arm(FRAME)[1]
    assert (second.arm, second.n_readers, second.n_items) == ("aided_first", 1, 3)
    assert (second.accuracy_unaided.successes, second.accuracy_aided.successes) == (1, 3)
    assert second.benefit.value == pytest.approx(2 / 3)
    assert not second.switch_applicable
    assert (second.over_reliance, second.under_reliance, second.rair, second.rsr) == (None,) * 4
    assert second.to_dict()["over_reliance"] is None


def test_an_arm_without_pairs_is_not_reported_and_a_missing_column_is_named():
    assert [a.arm for a in reliance_by_arm(FRAME[FRAME["unaided_first"]])] == ["unaided_first"]
    with pytest.raises(ValueError, match="unaided_first"):
        reliance_by_arm(FRAME.drop(columns="unaided_first"))
