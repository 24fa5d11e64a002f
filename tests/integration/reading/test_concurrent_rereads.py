"""Two dashboard loads at the same moment open a learner's due re-read once.

Both requests see no re-read for the round and both start one; the ``one_reread_per_round``
constraint lets one commit and rolls the other back, session included. Real concurrency needs two
database connections released together, on PostgreSQL (SQLite serialises writers).
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.utils import timezone

from medtandem.apps.accounts.models import Cohort, User
from medtandem.apps.reading.models import ReadingSession, Reread
from medtandem.apps.reading.services import open_due_rereads, schedule_rereads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(learner_pk: int, n: int) -> list[object]:
    barrier = threading.Barrier(n)
    outcomes: list[object] = [None] * n
    today = timezone.localdate()

    def attempt(i: int) -> None:
        try:
            learner = User.objects.get(pk=learner_pk)
            barrier.wait(timeout=10)
            outcomes[i] = [s.pk for s in open_due_rereads(learner, today)]
        except Exception as exc:  # noqa: BLE001 - the test reports whatever a thread met
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return outcomes


def test_concurrent_openings_of_a_due_reread_store_one_round_and_one_session(
    learner, case_set, instructor
):  # type: ignore[no-untyped-def]
    cohort = Cohort.objects.get(name="DFASM1")
    schedule_rereads(
        cohort, case_set, period_days=14, starts_on=timezone.localdate(), created_by=instructor
    )
    sessions_before = ReadingSession.objects.filter(learner=learner).count()
    outcomes = _race(learner.pk, 3)
    assert all(isinstance(o, list) for o in outcomes), outcomes  # no thread met an error
    opened = [pk for o in outcomes for pk in o]  # type: ignore[union-attr]
    rereads = list(Reread.objects.filter(learner=learner))
    assert len(rereads) == 1 and rereads[0].round == 0
    assert opened == [rereads[0].session_id]  # exactly one call says it opened it
    # the losers' sessions were rolled back with their re-read
    assert ReadingSession.objects.filter(learner=learner).count() == sessions_before + 1
