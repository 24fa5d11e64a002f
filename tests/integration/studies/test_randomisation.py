"""Randomisation: balanced arms and blocks, reproducible from the seed, recorded per session."""

from __future__ import annotations

from collections import Counter

import pytest

from medtandem.apps.studies import randomisation as rnd

CASES = list(range(101, 141))


def test_condition_orders_are_balanced_within_each_block_of_two_readers():
    arms = [rnd.plan_reader("crossed", 7, i, CASES).arm for i in range(40)]
    for start in range(0, 40, 2):
        assert sorted(arms[start : start + 2]) == [0, 1]
    assert Counter(arms) == {0: 20, 1: 20}


def test_arms_never_differ_by_more_than_one_reader_at_any_time():
    for seed in range(20):
        arms = [rnd.plan_reader("crossed", seed, i, CASES).arm for i in range(15)]
        for k in range(1, 16):
            counts = Counter(arms[:k])
            assert abs(counts[0] - counts[1]) <= 1


def test_unaided_first_and_aided_first_orders_both_exist():
    orders = {rnd.plan_reader("crossed", 1, i, CASES).condition_order for i in range(4)}
    assert orders == {("unaided", "aided"), ("aided", "unaided")}


def test_a_plan_is_replayed_exactly_from_the_study_seed():
    first = [rnd.plan_reader("split_plot", 99, i, CASES, n_blocks=3).to_dict() for i in range(9)]
    again = [rnd.plan_reader("split_plot", 99, i, CASES, n_blocks=3).to_dict() for i in range(9)]
    assert first == again
    assert first != [
        rnd.plan_reader("split_plot", 100, i, CASES, n_blocks=3).to_dict() for i in range(9)
    ]


def test_each_reader_and_session_gets_its_own_case_order_of_all_cases():
    plan = rnd.plan_reader("crossed", 5, 0, CASES)
    one, two = plan.sessions
    assert sorted(one.case_order) == sorted(two.case_order) == CASES
    assert one.case_order != two.case_order
    assert one.seed != two.seed
    assert rnd.shuffled(sorted(CASES), one.seed) == list(one.case_order)


def test_case_positions_are_balanced_across_readers():
    # Over many readers each case appears in the first half about as often as in the second half.
    first_half = Counter()
    for i in range(400):
        order = rnd.plan_reader("crossed", 11, i, CASES).sessions[0].case_order
        first_half.update(order[: len(order) // 2])
    assert min(first_half.values()) > 150 and max(first_half.values()) < 250


def test_split_plot_blocks_partition_the_cases_and_groups_are_balanced():
    blocks = rnd.case_blocks(CASES, 3, 42)
    assert sorted(c for b in blocks for c in b) == CASES
    assert {len(b) for b in blocks} <= {13, 14}
    groups = [rnd.plan_reader("split_plot", 42, i, CASES, n_blocks=3).block for i in range(12)]
    assert Counter(groups) == {0: 4, 1: 4, 2: 4}
    plan = rnd.plan_reader("split_plot", 42, 0, CASES, n_blocks=3)
    assert sorted(plan.sessions[0].case_order) == blocks[plan.block]


def test_sequential_design_is_one_practice_session():
    plan = rnd.plan_reader("sequential", 3, 0, CASES)
    assert [(s.period, s.mode) for s in plan.sessions] == [(1, "practice")]


def test_derived_seeds_are_stable_numbers():
    assert rnd.derive_seed(42, "order", 0, 1) == rnd.derive_seed(42, "order", 0, 1)
    assert 0 <= rnd.derive_seed(42, "x") < 2**31


def test_bad_designs_are_refused():
    with pytest.raises(ValueError, match="design must be one of"):
        rnd.plan_reader("latin", 1, 0, CASES)
