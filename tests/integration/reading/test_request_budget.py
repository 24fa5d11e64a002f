"""The reading path's cost per request: at most six SQL queries, the tracing rendered once.

Counted in steady state (the session's case list, the suggestion and the tracing already cached, as
they are after the first learner of a case set): the Django session, the user with their roles (one
query, for the page's navigation), the reading session, its reads, the case, and the step's opening
or the read's insert.
"""

from __future__ import annotations

import dataclasses
import uuid

import pytest
from django.urls import reverse

from medtandem.apps.cases.selectors import record_of
from medtandem.apps.reading import tracing
from medtandem.ecg.render import render_svg

from .conftest import answer

# No test-wide transaction: requests run in autocommit as in production (no savepoints to count).
pytestmark = pytest.mark.django_db(transaction=True)

MAX_QUERIES = 6


def _urls(session, position=0):  # type: ignore[no-untyped-def]
    return (
        reverse("reading:case", args=[session.pk, position]),
        reverse("reading:submit", args=[session.pk, position]),
        reverse("reading:ai_json", args=[session.pk, position]),
    )


def test_every_request_of_the_hybrid_loop_stays_within_six_queries(
    learner_client, practice, django_assert_max_num_queries
):  # type: ignore[no-untyped-def]
    case_url, submit_url, ai_url = _urls(practice)
    # Warm the caches as the first learner of the set would (same requests, other keys).
    assert learner_client.get(case_url).status_code == 200
    with django_assert_max_num_queries(MAX_QUERIES):
        assert learner_client.get(case_url).status_code == 200  # GET case
    with django_assert_max_num_queries(MAX_QUERIES):
        r = learner_client.post(
            submit_url, answer("unaided", str(uuid.uuid4())), HTTP_ACCEPT="application/json"
        )
        assert r.status_code == 201  # POST unaided
    assert (
        learner_client.get(case_url).status_code == 200
    )  # AI step, first time: caches the suggestion
    with django_assert_max_num_queries(MAX_QUERIES):
        assert learner_client.get(case_url).status_code == 200  # GET AI step
    with django_assert_max_num_queries(MAX_QUERIES):
        assert learner_client.get(ai_url).status_code == 200  # ai.json
    with django_assert_max_num_queries(MAX_QUERIES):
        r = learner_client.post(
            submit_url, answer("aided", str(uuid.uuid4())), HTTP_ACCEPT="application/json"
        )
        assert r.status_code == 201  # POST aided
    learner_client.get(case_url)
    with django_assert_max_num_queries(MAX_QUERIES):
        page = learner_client.get(case_url)  # GET feedback
        assert 'id="feedback-table"' in page.content.decode()
    beacon = reverse("reading:feedback_viewed", args=[practice.pk, 0])
    assert beacon in page.content.decode()
    with django_assert_max_num_queries(MAX_QUERIES):
        assert learner_client.post(beacon).status_code == 201  # the page's "feedback viewed" beacon


def test_the_last_read_of_a_session_stays_within_six_queries(
    learner_client, practice, django_assert_max_num_queries
):  # type: ignore[no-untyped-def]
    """The last read also stamps the session complete."""
    n = practice.case_set.cases.count()
    for position in range(n):
        case_url, submit_url, _ = _urls(practice, position)
        learner_client.get(case_url)
        learner_client.post(
            submit_url, answer("unaided", str(uuid.uuid4())), HTTP_ACCEPT="application/json"
        )
        learner_client.get(case_url)
        if position == n - 1:
            with django_assert_max_num_queries(MAX_QUERIES):
                r = learner_client.post(
                    submit_url, answer("aided", str(uuid.uuid4())), HTTP_ACCEPT="application/json"
                )
        else:
            r = learner_client.post(
                submit_url, answer("aided", str(uuid.uuid4())), HTTP_ACCEPT="application/json"
            )
        assert r.status_code == 201
    practice.refresh_from_db()
    assert practice.completed_at is not None


def test_the_cached_tracing_is_the_one_render_svg_draws(practice):  # type: ignore[no-untyped-def]
    case = practice.case_set.ordered_cases()[0]
    record = record_of(case)
    attribution = {"kind": "attribution", "leads": ["II"], "values": [[0.0, 0.5, 1.0, 0.2]]}
    for reveal in (False, True):
        for attr in (None, attribution):
            expected = render_svg(
                record if reveal else dataclasses.replace(record, record_id=""),
                attribution=attr,
                element_id="ecg-tracing",
                lang="fr",
                title="ECG 1 <de> la séance",
            )
            for _ in range(2):  # drawn, then from the cache
                got = tracing.tracing_svg(
                    case,
                    lambda: record,
                    title="ECG 1 <de> la séance",
                    reveal_record=reveal,
                    lang="fr",
                    attribution=attr,
                    explanation_key="m:1" if attr else "",
                )
                assert got == expected


def test_the_tracing_is_drawn_once_for_every_learner_and_step(
    learner_client, practice, monkeypatch
):  # type: ignore[no-untyped-def]
    calls = []
    original = tracing.render_svg
    monkeypatch.setattr(tracing, "render_svg", lambda *a, **k: calls.append(1) or original(*a, **k))
    case_url, submit_url, _ = _urls(practice)
    for _ in range(3):
        learner_client.get(case_url)
    assert len(calls) == 1
