"""The feedback page's beacon: "feedback viewed" is recorded once per case, by a POST of the
page's script, for the session's owner only and only once the case's feedback may be shown."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from medtandem.apps.reading.models import FeedbackView
from medtandem.apps.reading.services import start_session

from .conftest import answer

pytestmark = pytest.mark.django_db


def _urls(session, position=0):  # type: ignore[no-untyped-def]
    return (
        reverse("reading:case", args=[session.pk, position]),
        reverse("reading:submit", args=[session.pk, position]),
        reverse("reading:feedback_viewed", args=[session.pk, position]),
    )


def _read(client, session, position, conditions=("unaided", "aided")):  # type: ignore[no-untyped-def]
    case_url, submit_url, _ = _urls(session, position)
    for condition in conditions:
        client.get(case_url)
        r = client.post(submit_url, answer(condition, str(uuid.uuid4())))
        assert r.status_code == 302


def test_a_learner_cannot_record_feedback_viewed_before_the_feedback_is_allowed(
    learner_client, practice
):  # type: ignore[no-untyped-def]
    case_url, _submit, beacon = _urls(practice)
    learner_client.get(case_url)
    assert learner_client.post(beacon).status_code == 409  # nothing read yet
    _read(learner_client, practice, 0, conditions=("unaided",))
    assert learner_client.post(beacon).status_code == 409  # the aided read still to come
    # A later case, not open yet: no such case for this learner.
    assert learner_client.post(_urls(practice, 1)[2]).status_code == 404
    assert learner_client.post(_urls(practice, 99)[2]).status_code == 404
    assert not FeedbackView.objects.exists()
    # Until then the page carries no beacon either.
    assert "data-feedback-viewed" not in learner_client.get(case_url).content.decode()


def test_the_feedback_page_sends_the_beacon_and_it_is_recorded_once(learner_client, practice):  # type: ignore[no-untyped-def]
    case_url, _submit, beacon = _urls(practice)
    _read(learner_client, practice, 0)
    page = learner_client.get(case_url).content.decode()
    assert 'id="feedback-table"' in page
    assert f'data-feedback-viewed="{beacon}"' in page and "medtandem/reading.js" in page
    assert FeedbackView.objects.count() == 0  # the GET itself records nothing
    first = learner_client.post(beacon, HTTP_ACCEPT="application/json")
    assert (first.status_code, first.json()["created"]) == (201, True)
    again = learner_client.post(beacon, HTTP_ACCEPT="application/json")
    assert (again.status_code, again.json()["created"]) == (200, False)
    (view,) = FeedbackView.objects.all()
    assert (view.session_id, view.case_id) == (practice.pk, practice.case_set.ordered_cases()[0].pk)
    assert learner_client.get(beacon).status_code == 405


def test_only_the_owner_with_a_csrf_token_records_it(client, learner, other_learner, practice):  # type: ignore[no-untyped-def]
    owner = Client(enforce_csrf_checks=True)
    owner.force_login(learner)
    case_url, _submit, beacon = _urls(practice)
    client.force_login(learner)
    _read(client, practice, 0)
    assert owner.post(beacon).status_code == 403  # no CSRF token: refused
    page = owner.get(case_url)
    token = page.cookies["csrftoken"].value if "csrftoken" in page.cookies else None
    assert token, "the feedback page sets the CSRF cookie its beacon needs"
    stranger = Client()
    stranger.force_login(other_learner)
    assert stranger.post(beacon).status_code == 404  # another learner's session: no leak
    assert Client().post(beacon).status_code == 302  # anonymous: to the log-in page
    assert not FeedbackView.objects.exists()
    assert owner.post(beacon, HTTP_X_CSRFTOKEN=token).status_code == 201
    assert FeedbackView.objects.count() == 1


def test_a_study_that_hides_the_truth_records_no_feedback_view(client, learner, case_set):  # type: ignore[no-untyped-def]
    hidden = start_session(learner, case_set, "unaided", title="Étude", show_feedback=False)
    client.force_login(learner)
    _read(client, hidden, 0, conditions=("unaided",))
    case_url, _submit, beacon = _urls(hidden)
    assert "data-feedback-viewed" not in client.get(case_url).content.decode()
    assert client.post(beacon).status_code == 409
    assert not FeedbackView.objects.exists()
