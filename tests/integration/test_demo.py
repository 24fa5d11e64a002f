"""`make demo` loads real cases, the shipped model, people, sessions, programmes and a study — twice safely."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from medtandem.apps.cases.models import AIPrediction, Case
from medtandem.apps.reading.models import ReadingSession
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
    assert client.get(reverse("observatory:model_card")).status_code == 200
