"""Two identical submissions at the same moment store one read and both get it back.

Real concurrency needs a real server: two threads, two database connections, released together by
a barrier, on PostgreSQL (SQLite serialises writers, so the race cannot happen there).
"""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection

from medtandem.apps.reading.models import Read, ReadingSession
from medtandem.apps.reading.services import ReadingRuleError, commit_read, parse_answer

from .conftest import answer

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(session_pk: int, case_pk: int, keys: list[str], rounds: int = 1) -> list[object]:
    from medtandem.apps.cases.models import Case

    barrier = threading.Barrier(len(keys))
    outcomes: list[object] = [None] * len(keys)

    def attempt(i: int, key: str) -> None:
        try:
            session = ReadingSession.objects.get(pk=session_pk)
            case = Case.objects.get(pk=case_pk)
            parsed = parse_answer(answer("unaided", key))
            barrier.wait(timeout=10)
            outcomes[i] = commit_read(session, case, "unaided", parsed, key)
        except ReadingRuleError as exc:
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i, k)) for i, k in enumerate(keys)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return outcomes


def test_the_same_key_posted_twice_at_once_stores_one_read_and_returns_it_to_both(practice):  # type: ignore[no-untyped-def]
    case = practice.case_set.ordered_cases()[0]
    for _ in range(5):  # several rounds: the race must be won cleanly every time
        Read.objects.filter(session=practice).delete()
        key = str(uuid.uuid4())
        outcomes = _race(practice.pk, case.pk, [key, key])
        assert all(isinstance(o, tuple) for o in outcomes), outcomes  # never a 409
        reads = [o[0] for o in outcomes]  # type: ignore[index]
        assert {r.pk for r in reads} == {Read.objects.get(session=practice).pk}
        assert sorted(o[1] for o in outcomes) == [False, True]  # type: ignore[index]


def test_two_different_keys_for_one_step_at_once_store_one_read_and_refuse_the_other(practice):  # type: ignore[no-untyped-def]
    case = practice.case_set.ordered_cases()[0]
    outcomes = _race(practice.pk, case.pk, [str(uuid.uuid4()), str(uuid.uuid4())])
    assert sum(isinstance(o, tuple) for o in outcomes) == 1
    assert sum(isinstance(o, ReadingRuleError) for o in outcomes) == 1
    assert Read.objects.filter(session=practice).count() == 1
