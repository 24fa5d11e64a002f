"""The reading path's compiled-once queries (medtandem.web.prepared) return what the ORM returns.

The oracle is the ORM itself: the same queryset, built and run the ordinary way, for other ids than
the ones the query was compiled with.
"""

from __future__ import annotations

import uuid

import pytest
from django.db.models import Q

from medtandem.apps.reading.models import Read, ReadingSession
from medtandem.apps.reading.selectors import own_session
from medtandem.web.prepared import Prepared

from .conftest import answer

pytestmark = pytest.mark.django_db


def test_model_rows_with_select_related_match_the_orm(practice, other_learner, case_set):  # type: ignore[no-untyped-def]
    from medtandem.apps.reading.services import start_session

    other = start_session(other_learner, case_set, "practice", title="Autre")
    for session in (practice, other):  # compiled on the first, bound to the second
        got = own_session(session.pk, session.learner_id)
        want = ReadingSession.objects.select_related("case_set").get(pk=session.pk)
        assert got is not None
        assert [getattr(got, f.attname) for f in ReadingSession._meta.concrete_fields] == [
            getattr(want, f.attname) for f in ReadingSession._meta.concrete_fields
        ]
        assert got.case_set.name == want.case_set.name  # loaded by the same query
    assert own_session(practice.pk, other_learner.pk) is None  # not theirs: nothing


def test_values_rows_are_converted_as_the_orm_converts_them(learner_client, practice):  # type: ignore[no-untyped-def]
    from django.urls import reverse

    for condition in ("unaided", "aided"):
        r = learner_client.post(
            reverse("reading:submit", args=[practice.pk, 0]),
            answer(condition, str(uuid.uuid4())),
            HTTP_ACCEPT="application/json",
        )
        assert r.status_code == 201
    fields = ("case_id", "condition", "submission_key", "submitted_at", "rating_norm")
    query: Prepared[tuple[object, ...]] = Prepared(
        lambda session_id, condition: Read.objects.filter(
            Q(session_id=session_id) & Q(condition=condition)
        ).values_list(*fields),
        kinds={"condition": str},
    )
    for condition in ("unaided", "aided"):
        want = list(
            Read.objects.filter(session_id=practice.pk, condition=condition).values_list(*fields)
        )
        assert want and query.all(session_id=practice.pk, condition=condition) == want
        assert isinstance(want[0][2], uuid.UUID)  # a converted value (SQLite stores text)


def test_a_value_the_lookup_transforms_is_refused_at_once(practice):  # type: ignore[no-untyped-def]
    query: Prepared[ReadingSession] = Prepared(
        lambda title: ReadingSession.objects.filter(title__icontains=title), kinds={"title": str}
    )
    with pytest.raises(ValueError, match="not found among its parameters"):
        query.all(title="Pratique")


def test_the_session_state_loads_in_full_only_the_reads_of_the_case_shown(learner_client, practice):  # type: ignore[no-untyped-def]
    """Every column of the shown case's reads as the ORM loads them; for the other cases only
    which conditions are read (the query sends NULL for their other columns)."""
    from django.urls import reverse

    from medtandem.apps.reading.services import load_state

    for position, conditions in ((0, ("unaided", "aided")), (1, ("unaided",))):
        for condition in conditions:
            r = learner_client.post(
                reverse("reading:submit", args=[practice.pk, position]),
                answer(condition, str(uuid.uuid4())),
                HTTP_ACCEPT="application/json",
            )
            assert r.status_code == 201, r.content
    fields = [f.attname for f in Read._meta.concrete_fields]
    for position in (0, 1, 2, None):  # compiled with one case, bound to the others
        state = load_state(practice, position)
        assert state.done == {
            case_id: set(conds) for case_id, conds in _conditions_by_case(practice).items()
        }
        shown = state.case_ids[position] if position is not None else None
        assert set(state.reads) == ({shown} if shown in state.done else set())
        if shown is not None:
            assert set(state.case_reads(shown)) == state.done.get(shown, set())
        for condition, read in state.case_reads(shown).items() if shown else ():
            want = Read.objects.get(session=practice, case_id=shown, condition=condition)
            assert [getattr(read, f) for f in fields] == [getattr(want, f) for f in fields]
            assert read.submitted_at is not None and isinstance(read.submission_key, uuid.UUID)


def _conditions_by_case(session: ReadingSession) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for case_id, condition in Read.objects.filter(session=session).values_list(
        "case_id", "condition"
    ):
        out.setdefault(case_id, []).append(condition)
    return out
