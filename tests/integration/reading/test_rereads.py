"""Periodic unaided re-reads: due dates on a fixed clock, no AI and no truth until a round is
finished (pages diffed around a flip of the truth), and hand-computed accuracies round by round."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from medtandem.apps.accounts.models import Cohort
from medtandem.apps.reading import selectors
from medtandem.apps.reading.models import Condition, Mode, Reread
from medtandem.apps.reading.services import (
    ReadAnswer,
    RecordedRead,
    RereadScheduleError,
    open_due_rereads,
    record_reads,
    schedule_rereads,
)

from .conftest import unaided_read
from .test_no_early_truth import _flip_truth, _learner_pages, _snapshot

pytestmark = pytest.mark.django_db

START = date(2026, 1, 5)


@pytest.fixture
def schedule(case_set, instructor):  # type: ignore[no-untyped-def]
    cohort = Cohort.objects.get(name="DFASM1")
    return schedule_rereads(
        cohort, case_set, period_days=14, starts_on=START, created_by=instructor
    )


def test_a_round_is_due_every_period_from_the_start_and_opened_once(schedule, learner):
    assert open_due_rereads(learner, date(2026, 1, 4)) == []  # before the start
    [first] = open_due_rereads(learner, START)
    assert (first.mode, first.show_feedback, first.ai_model_name) == (Mode.UNAIDED, False, "")
    assert open_due_rereads(learner, START) == []  # asked again the same day
    assert open_due_rereads(learner, date(2026, 1, 18)) == []  # day 13: still round 0
    [second] = open_due_rereads(learner, date(2026, 1, 19))  # day 14: round 1
    rounds = Reread.objects.filter(learner=learner).values_list("round", "due_on")
    assert sorted(rounds) == [(0, START), (1, date(2026, 1, 19))]
    assert [r.session for r in selectors.due_rereads(learner)] == [first, second]


def test_a_schedule_needs_a_period(case_set, instructor):  # type: ignore[no-untyped-def]
    with pytest.raises(RereadScheduleError):
        schedule_rereads(
            Cohort.objects.get(name="DFASM1"),
            case_set,
            period_days=0,
            starts_on=START,
            created_by=instructor,
        )


def test_no_ai_and_no_truth_reach_the_learner_before_the_round_is_finished(
    schedule, learner, learner_client, django_capture_on_commit_callbacks
):
    [session] = open_due_rereads(learner, START)
    cases = list(session.case_set.ordered_cases())
    with django_capture_on_commit_callbacks(execute=True):
        unaided_read(learner_client, session, 0, True)
        unaided_read(learner_client, session, 1, True)
    urls = [
        *_learner_pages(session),
        *[reverse("reading:case", args=[session.pk, i]) for i in range(len(cases))],
    ]
    before = _snapshot(learner_client, urls)
    for case in cases:
        _flip_truth(case)
    after = _snapshot(learner_client, urls)
    assert [u for u in urls if before[u] != after[u]] == []
    assert learner_client.get(reverse("reading:ai_json", args=[session.pk, 0])).status_code in (
        403,
        404,
        409,
    )
    with django_capture_on_commit_callbacks(execute=True):
        unaided_read(learner_client, session, 2, True)
    session.refresh_from_db()
    assert session.completed_at is not None and session.show_feedback  # truth opens when done


def test_accuracy_on_the_same_cases_round_by_round_matches_the_hand_count(
    schedule, learner, learner_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        [round0] = open_due_rereads(learner, START)
        for position, right in enumerate([True, True, False]):  # 2/3
            unaided_read(learner_client, round0, position, right)
        [round1] = open_due_rereads(learner, date(2026, 1, 19))
        for position, right in enumerate([True, False, False]):  # 1/3
            unaided_read(learner_client, round1, position, right)
        [round2] = open_due_rereads(learner, date(2026, 2, 2))
        unaided_read(learner_client, round2, 0, True)  # unfinished: not counted
    [mine], cohort = selectors.reread_results(schedule)
    assert mine.reader == str(learner.pk)
    assert [(r.round, r.accuracy.successes, r.accuracy.n) for r in mine.rounds] == [
        (0, 2, 3),
        (1, 1, 3),
    ]
    assert mine.change.value == pytest.approx(1 / 3 - 2 / 3)
    assert [(r.round, r.accuracy.value) for r in cohort.rounds] == [(0, 2 / 3), (1, 1 / 3)]


def test_recorded_reads_that_finish_a_round_announce_it_as_live_reads_do(
    schedule, learner, django_capture_on_commit_callbacks
):
    """Reads made elsewhere (record_reads) complete a round: its completion time is the last read's
    and, after the commit, the completion listener opens its truth; a partial record does neither."""
    [session] = open_due_rereads(learner, START)
    cases = list(session.case_set.ordered_cases())
    at = datetime(2026, 1, 5, 9, tzinfo=UTC)
    answer = ReadAnswer({s: 60 for s in ("NORM", "MI", "STTC", "CD", "HYP")}, "sinus")

    def recorded(i: int) -> RecordedRead:
        return RecordedRead(
            session, cases[i], Condition.UNAIDED, answer, at, at + timedelta(minutes=i + 1)
        )

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        record_reads([recorded(0)])
    session.refresh_from_db()
    assert (callbacks, session.completed_at, session.show_feedback) == ([], None, False)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        record_reads([recorded(i) for i in range(1, len(cases))])
    session.refresh_from_db()
    assert session.completed_at == at + timedelta(minutes=len(cases))
    assert callbacks and session.show_feedback
