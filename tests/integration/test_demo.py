"""`make demo` loads real cases, the shipped model, people, sessions, programmes and a study — twice safely."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from medtandem.apps.cases.models import AIPrediction, Case
from medtandem.apps.reading import selectors as reading_selectors
from medtandem.apps.reading.models import ReadingSession, RereadSchedule
from medtandem.web.demo import DEMO_PEOPLE, load_demo


@pytest.mark.django_db
def test_demo_loads_and_is_idempotent() -> None:
    first = load_demo(progress=lambda _msg: None)
    assert first.cases_imported == 500 and Case.objects.count() == 500
    assert AIPrediction.objects.count() == 500
    counts = (ReadingSession.objects.count(), AIPrediction.objects.count())
    second = load_demo(progress=lambda _msg: None)
    assert second.cases_imported == 0 and second.predictions_cached == 0
    assert (ReadingSession.objects.count(), AIPrediction.objects.count()) == counts

    username, password, *_ = DEMO_PEOPLE[0]
    client = Client()
    assert (
        client.post(
            reverse("accounts:login"), {"username": username, "password": password}
        ).status_code
        == 302
    )
    page = client.get(reverse("reading:dashboard")).content.decode()
    assert "Pratique hybride — découverte" in page
    # The real learner missed round 0 of the cohort's re-read; round 1 is due and opens now.
    assert "Relecture sans IA" in page
    schedule = RereadSchedule.objects.get()
    readers, cohort = reading_selectors.reread_results(schedule)
    assert len(readers) == 14 and all([r.round for r in s.rounds] == [0, 1] for s in readers)
    assert [r.accuracy.n for r in cohort.rounds] == [14 * 8, 14 * 8]
    assert cohort.change.value is not None and cohort.change.n == 14
    assert client.get(reverse("observatory:model_card")).status_code == 200
