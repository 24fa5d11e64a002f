"""Reliance measures against a small case computed by hand.

Ten items (finding present = 1):

    item     0 1 2 3 4 5 6 7 8 9
    truth    1 1 1 1 1 0 0 0 0 0
    AI       1 1 1 0 0 0 0 0 1 1   AI right on 0,1,2,5,6,7; wrong on 3,4,8,9
    unaided  1 0 0 1 0 0 1 0 0 1   right on 0,3,5,7,8
    aided    1 1 0 0 0 0 0 0 1 1   right on 0,1,5,6,7
"""

from __future__ import annotations

import math

import pytest

from medtandem.reliance import reliance_measures

TRUTH = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0]
AI = [1, 1, 1, 0, 0, 0, 0, 0, 1, 1]
UNAIDED = [1, 0, 0, 1, 0, 0, 1, 0, 0, 1]
AIDED = [1, 1, 0, 0, 0, 0, 0, 0, 1, 1]


@pytest.fixture
def m():
    return reliance_measures(TRUTH, UNAIDED, AIDED, AI)


def test_accuracy_unaided_aided_and_ai_alone(m):
    assert (m.unaided.accuracy.successes, m.unaided.accuracy.n) == (5, 10)
    assert (m.aided.accuracy.successes, m.aided.accuracy.n) == (5, 10)
    assert (m.ai.accuracy.successes, m.ai.accuracy.n) == (6, 10)
    assert (m.aided.sensitivity.successes, m.aided.sensitivity.n) == (2, 5)
    assert (m.aided.specificity.successes, m.aided.specificity.n) == (3, 5)


def test_benefit_is_the_paired_difference_of_accuracies(m):
    # Two improvements (items 1, 6) and two deteriorations (items 3, 8): no net benefit, McNemar p = 1.
    assert m.benefit.value == 0.0
    assert m.benefit.se == pytest.approx(math.sqrt(4) / 10)
    assert m.benefit.p == pytest.approx(1.0)
    assert "Newcombe (1998) method 10" in m.benefit.method
    assert (m.changes.changed, m.changes.improved, m.changes.worsened) == (4, 2, 2)


def test_benefit_over_the_ai_alone(m):
    # AI right but team wrong: item 2 only. d = -1/10, se = sqrt(1 - 1/10)/10.
    assert m.benefit_over_ai.value == pytest.approx(-0.1)
    assert m.benefit_over_ai.se == pytest.approx(math.sqrt(0.9) / 10)


def test_over_reliance_counts_switching_to_a_wrong_ai_from_a_right_answer(m):
    # Right unaided, AI wrong (items 3 and 8): both switched to the AI's wrong answer.
    assert (m.over_reliance.successes, m.over_reliance.n) == (2, 2)
    assert m.over_reliance.value == pytest.approx(1 - m.rsr.value)


def test_agreement_with_a_wrong_ai_also_counts_errors_made_alone(m):
    # AI wrong on 3, 4, 8, 9; aided agrees with it on all four, but on 4 and 9 the reader was
    # already wrong alone: they are not reliance.
    assert (m.agreement_with_wrong_ai.successes, m.agreement_with_wrong_ai.n) == (4, 4)


def test_a_reader_who_never_switches_has_no_over_reliance():
    # Never changes their answer, always wrong when the AI is wrong: the old "over-reliance"
    # (agreement with a wrong AI) scores 1.0; switching to a wrong AI is 0.
    truth, ai = [1, 1, 0, 0], [0, 1, 1, 0]
    reader = [0, 1, 1, 1]
    m = reliance_measures(truth, reader, reader, ai)
    assert m.agreement_with_wrong_ai.value == 1.0
    assert m.over_reliance.n == 0 and m.over_reliance.value is None


def test_under_reliance_counts_keeping_a_wrong_answer_when_the_ai_is_right(m):
    # AI right, reader wrong unaided: items 1, 2, 6; kept own answer on item 2 only.
    assert (m.under_reliance.successes, m.under_reliance.n) == (1, 3)


def test_schemmer_relative_ai_reliance_and_self_reliance(m):
    assert (m.rair.successes, m.rair.n) == (2, 3)
    assert m.rair.value == pytest.approx(1 - m.under_reliance.value)
    assert (m.rsr.successes, m.rsr.n) == (0, 2)


def test_accuracy_split_by_whether_the_ai_was_right(m):
    assert (m.aided_accuracy_ai_right.successes, m.aided_accuracy_ai_right.n) == (5, 6)
    assert (m.aided_accuracy_ai_wrong.successes, m.aided_accuracy_ai_wrong.n) == (0, 4)
    assert (m.unaided_accuracy_ai_right.successes, m.unaided_accuracy_ai_right.n) == (3, 6)
    assert (m.unaided_accuracy_ai_wrong.successes, m.unaided_accuracy_ai_wrong.n) == (2, 4)


def test_dratsch_contrast_is_the_benefit_when_the_ai_is_wrong_minus_when_it_is_right(m):
    # AI wrong (3, 4, 8, 9): unaided right 2/4, aided 0/4 -> -0.5.
    # AI right (0, 1, 2, 5, 6, 7): unaided right 3/6, aided 5/6 -> +1/3.
    assert m.benefit_ai_wrong.value == pytest.approx(-0.5)
    assert m.benefit_ai_right.value == pytest.approx(1 / 3)
    c = m.dratsch_contrast
    assert c.value == pytest.approx(-0.5 - 1 / 3)
    # MOVER (Zou & Donner 2008), worked from the two arms' limits.
    w, r = m.benefit_ai_wrong, m.benefit_ai_right
    lower = c.value - math.sqrt((w.value - w.ci_lower) ** 2 + (r.ci_upper - r.value) ** 2)
    upper = c.value + math.sqrt((w.ci_upper - w.value) ** 2 + (r.value - r.ci_lower) ** 2)
    assert (c.ci_lower, c.ci_upper) == pytest.approx((lower, upper))
    assert c.ci_lower < c.value < c.ci_upper


def test_proportions_carry_wilson_intervals(m):
    lo, hi = m.under_reliance.confidence_interval()
    assert 0 < lo < 1 / 3 < hi < 1


def test_auc_uses_confidences_when_given():
    m = reliance_measures(
        [1, 1, 0, 0],
        [1, 0, 0, 0],
        [1, 1, 0, 0],
        [1, 1, 0, 0],
        unaided_confidence=[90, 40, 40, 10],
        ai_probability=[0.9, 0.8, 0.2, 0.1],
    )
    assert m.auc_unaided.value == pytest.approx(0.875)  # 3.5 of 4 pairs, a tie counts one half
    assert m.auc_unaided.se == pytest.approx(math.sqrt(0.03125))  # DeLong
    assert m.auc_ai.value == 1.0
    assert m.auc_aided.value is None


def test_results_serialise_and_summarise(m):
    d = m.to_dict()
    assert d["over_reliance"]["value"] == 1.0
    assert d["agreement_with_wrong_ai"]["value"] == 1.0
    assert d["dratsch_contrast"]["value"] == pytest.approx(-5 / 6)
    assert d["calibration_unaided"] is None
    assert "RAIR" in m.summary()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"aided": [1, 0]}, "same length"),
        ({"ai": [1, 2, 0, 0, 0, 0, 0, 0, 0, 0]}, "ai must hold booleans"),
        ({"unaided_confidence": [150] * 10}, "unaided_confidence must lie between 0 and 100"),
    ],
)
def test_bad_input_is_refused_with_a_message_naming_the_argument(kwargs, message):
    args = {"truth": TRUTH, "unaided": UNAIDED, "aided": AIDED, "ai": AI} | kwargs
    with pytest.raises(ValueError, match=message):
        reliance_measures(**args)
