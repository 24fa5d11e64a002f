"""Agreement with PTB-XL's interval statements: each statement's records are counted from the
database itself (the oracle), and the threshold rule is checked on hand-made values."""

from __future__ import annotations

from pathlib import Path

import pytest

from medtandem.ecg.agreement import INTERVAL_CRITERIA, _meets, measurement_agreement
from medtandem.ecg.ptbxl import read_database

BANK = Path(__file__).resolve().parents[3] / "src/medtandem/data/ptbxl500"


def test_threshold_rule_is_strict_for_pr_and_qtc_and_inclusive_for_qrs():
    assert INTERVAL_CRITERIA["1AVB"] == ("pr_ms", ">", 200.0)
    assert not _meets(200.0, ">", 200.0) and _meets(200.5, ">", 200.0)
    assert _meets(120.0, ">=", 120.0) and not _meets(119.9, ">=", 120.0)
    assert not _meets(None, ">", 0.0)  # not measured never meets a threshold


@pytest.fixture(scope="module")
def agreement():
    return measurement_agreement(BANK, limit=120)


def test_interval_statements_are_counted_as_the_database_states_them(agreement):
    entries = read_database(BANK, limit=120).entries
    table = agreement.interval_statements
    assert agreement.n_measured == agreement.n_records == 120
    for code in INTERVAL_CRITERIA:
        expected = sum(code in e.scp_codes for e in entries)
        row = table[code]
        assert row["n"] == expected
        assert row["n"] + row["n_others"] == 120
        if expected:
            assert 0.0 <= row["share_meeting"] <= 1.0
            assert row["q1"] <= row["median"] <= row["q3"]


def test_statements_with_a_threshold_meet_it_more_often_than_the_other_records(agreement):
    # First-degree AV block is PR > 200 ms and long QT a prolonged QTc by definition: the records that
    # carry the statement meet the threshold more often than the records that do not.
    present = [r for r in agreement.interval_statements.values() if r["n"]]
    assert len(present) >= 2, "the first 120 records hold 1AVB and LNGQT statements"
    for r in present:
        assert r["share_meeting"] > r["share_of_others_meeting"]
