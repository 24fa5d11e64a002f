"""The truth and the AI output never reach a learner before the read that must precede them.

The oracle does not come from our own scoring code: each learner-facing page is fetched, the case's
truth is then flipped in the database, and the page is fetched again. A page that changes gives the
truth away. While a step is still open (or in a study that hides feedback) every page must stay
byte-identical; once feedback is allowed, the same flip must show, which proves each test can fail.
"""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import reverse

from medtandem.apps.cases.models import Case
from medtandem.apps.reading.services import start_session

from .conftest import answer

pytestmark = pytest.mark.django_db

_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"|name="submission_key" value="[^"]+"')


def _page(client, url: str) -> str:  # type: ignore[no-untyped-def]
    response = client.get(url, HTTP_ACCEPT="text/html")
    assert response.status_code == 200, (url, response.status_code)
    return _TOKEN.sub("", response.content.decode())


def _flip_truth(case: Case) -> None:
    """Turn the case's truth upside down (every superclass and the rhythm)."""
    Case.objects.filter(pk=case.pk).update(
        norm=not case.norm,
        mi=not case.mi,
        sttc=not case.sttc,
        cd=not case.cd,
        hyp=not case.hyp,
        rhythm="afib_flutter" if case.rhythm != "afib_flutter" else "sinus",
    )


def _learner_pages(session) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        reverse("reading:dashboard"),
        reverse("reading:progress"),
        reverse("studies:my_reliance"),
        reverse("studies:my_reliance") + "?label=MI",
        reverse("reading:session", args=[session.pk]) + "?overview=1",
        reverse("curriculum:catalogue"),
    ]


def _snapshot(client, urls: list[str]) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {url: _page(client, url) for url in urls}


def _post(client, session, position, condition, supers=("MI",)):  # type: ignore[no-untyped-def]
    r = client.post(
        reverse("reading:submit", args=[session.pk, position]),
        answer(condition, str(uuid.uuid4()), supers),
        HTTP_ACCEPT="application/json",
    )
    assert r.status_code == 201, r.content
    return r


def test_no_learner_page_changes_with_the_truth_while_the_aided_step_is_open(
    learner_client, practice
):
    case = practice.case_set.ordered_cases()[0]
    _post(learner_client, practice, 0, "unaided")
    urls = [
        *_learner_pages(practice),
        reverse("reading:case", args=[practice.pk, 0]),
        reverse("reading:ai_json", args=[practice.pk, 0]),
    ]
    before = _snapshot(learner_client, urls)
    _flip_truth(case)
    after = _snapshot(learner_client, urls)
    changed = [u for u in urls if before[u] != after[u]]
    assert changed == [], f"these pages moved with the truth before the aided read: {changed}"


def test_the_same_flip_shows_once_feedback_is_allowed(learner_client, practice):
    """The control: after the aided read the progress page is scored against the truth, so it moves."""
    case = practice.case_set.ordered_cases()[0]
    _post(learner_client, practice, 0, "unaided")
    _post(learner_client, practice, 0, "aided")
    url = reverse("reading:progress")
    before = _page(learner_client, url)
    _flip_truth(case)
    assert _page(learner_client, url) != before
    feedback = reverse("reading:case", args=[practice.pk, 0])
    assert 'id="feedback-table"' in _page(learner_client, feedback)


def test_a_study_that_hides_feedback_never_lets_the_truth_through(
    learner_client, learner, case_set
):
    session = start_session(learner, case_set, "practice", show_feedback=False, title="Étude")
    cases = list(case_set.ordered_cases())
    for position in range(len(cases)):
        _post(learner_client, session, position, "unaided")
        _post(learner_client, session, position, "aided")
    urls = [
        *_learner_pages(session),
        *[reverse("reading:case", args=[session.pk, i]) for i in range(len(cases))],
    ]
    before = _snapshot(learner_client, urls)
    for case in cases:
        _flip_truth(case)
    after = _snapshot(learner_client, urls)
    changed = [u for u in urls if before[u] != after[u]]
    assert changed == [], f"these pages moved with the truth of a blinded study: {changed}"


def test_the_reading_page_hides_the_source_id_until_feedback(learner_client, practice):
    case = practice.case_set.ordered_cases()[0]
    url = reverse("reading:case", args=[practice.pk, 0])
    for step in ("unaided", "aided"):
        page = _page(learner_client, url)
        assert case.external_id not in page and case.record_name not in page, step
        assert "ECG 1 de la séance" in page
        assert f"ecg-{case.pk}" not in page  # no database id in element ids either
        assert "PTB-XL" in page  # the attribution stays
        _post(learner_client, practice, 0, step)
    feedback = _page(learner_client, url)
    assert case.external_id in feedback


def test_the_ai_json_is_refused_before_the_unaided_read(learner_client, practice):
    response = learner_client.get(reverse("reading:ai_json", args=[practice.pk, 0]))
    assert response.status_code == 403
    assert "probabilities" not in response.content.decode()


def test_caches_warmed_by_another_learner_give_nothing_away_early(
    client, learner, other_learner, case_set
):  # type: ignore[no-untyped-def]
    """The reading path caches the tracing, the AI panel's markup and the SCP-ECG statements of a
    case once for all learners. Another learner who has read the case to its feedback fills every
    one of those caches; a learner who has not must still see neither the suggestion before their
    unaided read nor the statements (or the record name) before their aided read."""
    case = case_set.ordered_cases()[0]
    statements = [s.description for s in case.scp_statements]
    assert statements, "the oracle needs a case with SCP statements"
    url0 = lambda s: reverse("reading:case", args=[s.pk, 0])  # noqa: E731
    first = start_session(other_learner, case_set, "practice", title="Avant")
    client.force_login(other_learner)
    _page(client, url0(first))
    _post(client, first, 0, "unaided")
    ai_page = _page(client, url0(first))
    assert 'id="ai-table"' in ai_page
    _post(client, first, 0, "aided")
    feedback = _page(client, url0(first))
    assert all(text in feedback for text in statements)  # the control: shown with the feedback

    session = start_session(learner, case_set, "practice", title="Après")
    client.force_login(learner)
    unaided = _page(client, url0(session))
    assert 'id="ai-table"' not in unaided and "Suggestion de l" not in unaided
    assert not any(text in unaided for text in statements)
    assert case.record_name not in unaided and case.external_id not in unaided
    _post(client, session, 0, "unaided")
    aided = _page(client, url0(session))
    assert 'id="ai-table"' in aided  # the cached panel, once the unaided read is stored
    assert not any(text in aided for text in statements)
    assert case.record_name not in aided and case.external_id not in aided
    _post(client, session, 0, "aided")
    assert all(text in _page(client, url0(session)) for text in statements)
