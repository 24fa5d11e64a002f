"""The deskilling column of the cohort page: a baseline is shown only with its follow-up."""

from medtandem.apps.studies.selectors import CohortReader
from medtandem.reliance import deskilling_watch


def _row(reads):
    return CohortReader(None, None, deskilling_watch(reads, after_aided=2), False, False)  # type: ignore[arg-type]


def test_a_baseline_without_follow_up_is_not_shown_and_the_missing_follow_up_is_named():
    row = _row([("unaided", True)] * 5 + [("unaided", False)])  # 5/6 at baseline, no aided read
    assert row.watch.baseline.value == 5 / 6
    assert row.unaided_change is None
    assert row.missing_period == "follow_up"


def test_baseline_and_follow_up_are_shown_together():
    reads = [("unaided", True), ("unaided", False), ("aided", True), ("aided", True)]
    row = _row(
        reads + [("unaided", True), ("unaided", True), ("unaided", False), ("unaided", False)]
    )
    assert row.unaided_change == (0.5, 0.5)  # 1/2 before 2 aided reads, 2/4 after
    assert row.missing_period == ""


def test_a_follow_up_without_baseline_says_the_baseline_is_missing():
    row = _row([("aided", True)] * 2 + [("unaided", True)])
    assert row.unaided_change is None and row.missing_period == "baseline"
