"""The hybrid reading loop: the server enforces the order, reads are immutable, submissions idempotent.

Each test tries to break one rule through the HTTP interface a browser or a script would use.
"""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from medtandem.apps.cases.models import AIPrediction
from medtandem.apps.cases.services import current_model
from medtandem.apps.observatory.services import register_model
from medtandem.apps.reading.models import Read
from medtandem.apps.reading.services import start_session

from .conftest import answer

pytestmark = pytest.mark.django_db


def case_url(session, position=0):  # type: ignore[no-untyped-def]
    return reverse("reading:case", args=[session.pk, position])


def submit_url(session, position=0):  # type: ignore[no-untyped-def]
    return reverse("reading:submit", args=[session.pk, position])


def ai_url(session, position=0):  # type: ignore[no-untyped-def]
    return reverse("reading:ai_json", args=[session.pk, position])


def test_unaided_step_reveals_neither_ai_nor_truth(learner_client, practice) -> None:
    case = practice.case_set.ordered_cases()[0]
    page = learner_client.get(case_url(practice)).content.decode()
    assert "Lecture sans IA" in page
    assert (
        "<svg" in page and 'class="lead" data-lead="V1"' in page
    )  # the tracing itself, not escaped text
    assert 'id="ai-title"' not in page and "Suggestion de l" not in page
    assert practice.ai_model_version not in page
    assert case.report[:25] not in page  # the cardiologists' report is part of the truth
    assert 'id="feedback-table"' not in page
    response = learner_client.get(ai_url(practice))
    assert response.status_code == 403


def test_step_pages_are_never_cached(learner_client, practice) -> None:
    response = learner_client.get(case_url(practice))
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_aided_read_cannot_come_first(learner_client, practice) -> None:
    response = learner_client.post(
        submit_url(practice), answer("aided", str(uuid.uuid4())), HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 409
    assert Read.objects.count() == 0


def test_full_hybrid_read_then_feedback(learner_client, practice) -> None:
    case = practice.case_set.ordered_cases()[0]
    r = learner_client.post(
        submit_url(practice), answer("unaided", str(uuid.uuid4()), ("MI",), conf=80)
    )
    assert r.status_code == 302
    aided_page = learner_client.get(case_url(practice)).content.decode()
    assert 'id="ai-title"' in aided_page and "Lecture avec l" in aided_page
    facts = current_model().facts
    assert (
        f"{facts['macro_auc']['value']:.3f}".replace(".", ",") in aided_page
    )  # measured, in French notation
    assert case.report[:25] not in aided_page and 'id="feedback-table"' not in aided_page
    ai = learner_client.get(ai_url(practice)).json()
    stored = AIPrediction.objects.get(case=case, model_version=practice.ai_model_version)
    assert ai["probabilities"] == stored.probabilities
    assert set(ai["probabilities"]) == {"NORM", "MI", "STTC", "CD", "HYP", "AFIB"}

    learner_client.post(submit_url(practice), answer("aided", str(uuid.uuid4()), ("NORM",)))
    feedback = learner_client.get(case_url(practice)).content.decode()
    assert 'id="feedback-table"' in feedback
    assert case.report[:25] in feedback
    for statement in case.scp_statements:
        assert statement.description in feedback
    aided = Read.objects.get(case=case, condition="aided")
    assert aided.ai_prediction == stored and aided.client_time_ms == 12000
    assert (
        aided.opened_at is not None
        and aided.server_time_ms is not None
        and aided.server_time_ms >= 0
    )


def test_double_submission_stores_one_read(learner_client, practice) -> None:
    key = str(uuid.uuid4())
    first = learner_client.post(
        submit_url(practice), answer("unaided", key), HTTP_ACCEPT="application/json"
    )
    again = learner_client.post(
        submit_url(practice), answer("unaided", key), HTTP_ACCEPT="application/json"
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["read"] == again.json()["read"] == key
    assert Read.objects.filter(condition="unaided").count() == 1


def test_a_committed_read_cannot_be_changed(learner_client, practice) -> None:
    learner_client.post(
        submit_url(practice), answer("unaided", str(uuid.uuid4()), ("MI",), conf=90)
    )
    before = Read.objects.get()
    response = learner_client.post(
        submit_url(practice),
        answer("unaided", str(uuid.uuid4()), ("NORM",), conf=10),
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 409
    after = Read.objects.get()
    assert (after.pk, after.mi, after.norm, after.rating_mi) == (before.pk, True, False, 90)


def test_reusing_a_submission_key_for_another_step_is_refused(learner_client, practice) -> None:
    key = str(uuid.uuid4())
    learner_client.post(submit_url(practice), answer("unaided", key))
    response = learner_client.post(
        submit_url(practice), answer("aided", key), HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 409
    assert Read.objects.count() == 1


def test_invalid_answers_store_nothing(learner_client, practice) -> None:
    bad = answer("unaided", str(uuid.uuid4()))
    bad["rating_mi"] = "140"
    bad["rhythm"] = "bigeminy"
    response = learner_client.post(submit_url(practice), bad, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"rating_mi", "rhythm"}
    assert Read.objects.count() == 0


def test_cases_are_read_in_order(learner_client, practice) -> None:
    assert learner_client.get(case_url(practice, 1)).status_code == 404
    response = learner_client.post(
        submit_url(practice, 1),
        answer("unaided", str(uuid.uuid4())),
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 404
    assert Read.objects.count() == 0


def test_a_learner_cannot_reach_another_learners_session(client, other_learner, practice) -> None:
    client.force_login(other_learner)
    assert client.get(case_url(practice)).status_code == 404
    assert client.get(ai_url(practice)).status_code == 404
    assert (
        client.post(submit_url(practice), answer("unaided", str(uuid.uuid4()))).status_code == 404
    )


def test_anonymous_users_are_sent_to_log_in(client, practice) -> None:
    response = client.get(case_url(practice))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_unaided_mode_never_shows_the_ai(learner_client, learner, case_set) -> None:
    session = start_session(learner, case_set, "unaided")
    learner_client.post(submit_url(session), answer("unaided", str(uuid.uuid4())))
    feedback = learner_client.get(case_url(session)).content.decode()
    assert 'id="feedback-table"' in feedback and 'id="ai-title"' not in feedback
    assert learner_client.get(ai_url(session)).status_code == 403
    assert session.ai_model_name == ""


def test_aided_mode_shows_the_ai_at_once(learner_client, learner, case_set) -> None:
    session = start_session(learner, case_set, "aided")
    assert 'id="ai-title"' in learner_client.get(case_url(session)).content.decode()
    assert learner_client.get(ai_url(session)).status_code == 200


def test_session_completes_after_the_last_read(learner_client, practice) -> None:
    for position in range(3):
        learner_client.post(submit_url(practice, position), answer("unaided", str(uuid.uuid4())))
        learner_client.post(submit_url(practice, position), answer("aided", str(uuid.uuid4())))
    practice.refresh_from_db()
    assert practice.completed_at is not None
    assert Read.objects.filter(session=practice).count() == 6


def test_a_session_keeps_the_facts_of_the_model_version_it_started_with(
    learner_client, practice
) -> None:
    model = current_model()
    register_model(model)
    case = practice.case_set.ordered_cases()[0]
    AIPrediction.objects.create(
        case=case,
        model_name=model.name,
        model_version="older",
        probabilities={"NORM": 0.5, "MI": 0.5, "STTC": 0.5, "CD": 0.5, "HYP": 0.5, "AFIB": 0.5},
    )
    from types import SimpleNamespace

    # An older version of the same model, registered through the observatory's own service.
    register_model(
        SimpleNamespace(
            name=model.name,
            version="older",
            card=model.card,
            facts={**model.facts, "version": "older", "macro_auc": {"value": 0.5}},
        ),
        in_service=False,
    )
    practice.ai_model_version = "older"
    practice.save()
    learner_client.post(submit_url(practice), answer("unaided", str(uuid.uuid4())))
    page = learner_client.get(case_url(practice)).content.decode()
    assert 'id="facts-auc">0,500' in page
