"""Uploads of one team racing for its last final-phase slot: exactly the limit is stored.

Two threads, two connections, released together by a barrier, on PostgreSQL (SQLite serialises
writers, so the race cannot happen there).
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from medtandem.apps.accounts.models import User
from medtandem.apps.datathons import services
from medtandem.apps.datathons.models import Submission, Team

from .conftest import build_world, predictions_csv

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_four_simultaneous_final_uploads_store_only_the_limit(bank, organiser) -> None:  # type: ignore[no-untyped-def]
    w = build_world(organiser, phase="final")
    texts = [predictions_csv(w.challenge, "final", noise=1, seed=k) for k in range(4)]
    services.submit(w.team, w.member, texts[0])  # one used: two slots left for four uploads
    barrier = threading.Barrier(3)
    outcomes: list[object] = [None] * 3

    def attempt(i: int) -> None:
        try:
            team = Team.objects.get(pk=w.team.pk)
            member = User.objects.get(pk=w.member.pk)
            barrier.wait(timeout=10)
            outcomes[i] = services.submit(team, member, texts[i + 1])
        except services.DatathonError as exc:
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert (
        Submission.objects.filter(team=w.team, phase="final").count()
        == w.challenge.max_final_submissions
    )
    assert sum(isinstance(o, services.DatathonError) for o in outcomes) == 1
    numbers = sorted(Submission.objects.filter(team=w.team).values_list("number", flat=True))
    assert numbers == [1, 2, 3]
