"""The xAPI outbox: learning events become statements (:mod:`.xapi`), delivered to the record store.

Guarantees:

* nothing is lost: a statement is made from the event's own committed row (a read, a session, a
  quiz attempt, a completion, an attestation): :func:`collect` adds the statement of every event
  row that has none yet, whenever it runs; an event that is committed exists until collected;
* nothing is stored twice: one statement per event (``(kind, source_id)`` is unique), and its id
  is derived from the event, so a statement sent again (a lost reply, a retried job, two workers)
  is the same statement for the record store (xAPI 1.0.3, 2.2: the id identifies it);
* delivery is in order of collection, in batches; a failed batch leaves its statements pending
  (attempts and the error recorded) and the job is retried with back-off by the jobs app; a
  statement the store itself refuses (HTTP 400) is set aside, shown, and does not block the rest.

Feedback views come from the reading app's ``FeedbackView`` rows, which the feedback page's own
beacon (a POST from ``reading.js``) records: the page's GET keeps its query budget.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models as dj
from django.db.models import QuerySet
from django.utils import timezone

from medtandem.apps.interop import http, xapi
from medtandem.apps.interop.models import Statement

BATCH = 200


def configured() -> bool:
    return bool(settings.MEDTANDEM_XAPI_LRS_URL)


def person_id(user_id: int) -> str:
    """An opaque, stable account name for a person (HMAC of the key: not guessable from the id)."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"xapi-person:{user_id}".encode(), hashlib.sha256
    )
    return digest.hexdigest()[:32]


@dataclass(frozen=True)
class Event:
    """What one event row says in its statement; the rest (id, actor) comes from its source."""

    learner_id: int
    verb: xapi.Verb
    obj: dict[str, Any]
    timestamp: datetime
    result: dict[str, Any] | None = None
    parent: dict[str, Any] | None = None
    extensions: dict[str, Any] | None = None


@dataclass(frozen=True)
class Source:
    """One kind of learning event: its rows, and what a row says (:meth:`build` makes the statement)."""

    kind: str
    rows: Callable[[], QuerySet[Any]]
    event: Callable[[str, Any], Event]

    def build(self, site: str, row: Any) -> dict[str, Any]:
        e = self.event(site, row)
        return xapi.statement(
            site=site,
            kind=self.kind,
            source_id=row.pk,
            person_id=person_id(e.learner_id),
            verb=e.verb,
            obj=e.obj,
            timestamp=e.timestamp,
            result=e.result,
            parent=e.parent,
            extensions=e.extensions,
        )


def _session(site: str, session: Any) -> dict[str, Any]:
    return xapi.activity(site, "reading-session", session.pk, session.title)


def _step_viewed(activity: str, at: str) -> Callable[[str, Any], Event]:
    """The event of a step seen in a session (the AI's suggestion, the feedback): which one, when."""

    def event(site: str, o: Any) -> Event:
        return Event(
            o.session.learner_id,
            xapi.VIEWED,
            xapi.activity(site, activity, f"{o.session_id}-{o.case_id}"),
            getattr(o, at),
            parent=_session(site, o.session),
        )

    return event


def _reading_sources() -> list[Source]:
    from medtandem.apps.reading.models import (
        Condition,
        FeedbackView,
        Read,
        ReadingSession,
        StepOpening,
    )
    from medtandem.apps.reading.selectors import unaided_superclass_accuracy

    def started(site: str, s: Any) -> Event:
        mode = {xapi.EXT_SESSION_MODE: s.mode}
        return Event(
            s.learner_id, xapi.INITIALIZED, _session(site, s), s.created_at, extensions=mode
        )

    def read(site: str, r: Any) -> Event:
        called = [name for name in ("NORM", "MI", "STTC", "CD", "HYP") if getattr(r, name.lower())]
        return Event(
            r.learner_id,
            xapi.ANSWERED,
            xapi.activity(site, "case", r.case_id),
            r.submitted_at,
            # The learner's own answer only: never the truth, never the AI's output.
            result={"response": ",".join(called) + f";{r.rhythm}", "completion": True},
            parent=_session(site, r.session),
            extensions={xapi.EXT_CONDITION: r.condition},
        )

    def completed(site: str, s: Any) -> Event:
        accuracy = unaided_superclass_accuracy(s)
        return Event(
            s.learner_id,
            xapi.COMPLETED,
            _session(site, s),
            s.completed_at,
            result=xapi.score(float(accuracy) if accuracy is not None else None),
            extensions={xapi.EXT_SESSION_MODE: s.mode},
        )

    return [
        Source("session-started", lambda: ReadingSession.objects.all(), started),
        Source("read", lambda: Read.objects.select_related("session"), read),
        Source(
            "ai-shown",
            lambda: StepOpening.objects.filter(condition=Condition.AIDED).select_related("session"),
            _step_viewed("ai-suggestion", "served_at"),
        ),
        # The statement says that the feedback was seen, never what it showed (no truth, no AI).
        Source(
            "feedback-viewed",
            lambda: FeedbackView.objects.select_related("session"),
            _step_viewed("feedback", "viewed_at"),
        ),
        Source(
            "session-completed",
            lambda: ReadingSession.objects.filter(completed_at__isnull=False),
            completed,
        ),
    ]


def _curriculum_sources() -> list[Source]:
    from medtandem.apps.curriculum.models import Attestation, Completion, QuizAttempt

    def quiz(site: str, a: Any) -> Event:
        return Event(
            a.learner_id,
            xapi.PASSED if a.passed else xapi.FAILED,
            xapi.activity(site, "quiz", a.quiz_id, a.quiz.title),
            a.submitted_at,
            result=xapi.score(float(a.score), success=a.passed),
        )

    def completion(site: str, c: Any) -> Event:
        return Event(
            c.learner_id,
            xapi.COMPLETED,
            xapi.activity(site, "activity", c.activity_id, c.activity.title),
            c.completed_at,
            result=xapi.score(float(c.score) if c.score is not None else None),
            parent=xapi.activity(site, "programme", c.programme_id),
        )

    def attestation(site: str, a: Any) -> Event:
        return Event(
            a.enrolment.learner_id,
            xapi.EARNED,
            xapi.activity(site, "attestation", a.code, a.programme_title),
            a.issued_at,
            parent=xapi.activity(site, "programme", a.enrolment.programme_id),
        )

    return [
        Source("quiz", lambda: QuizAttempt.objects.select_related("quiz"), quiz),
        Source("completion", lambda: Completion.objects.select_related("activity"), completion),
        Source("attestation", lambda: Attestation.objects.select_related("enrolment"), attestation),
    ]


def sources() -> list[Source]:
    return _reading_sources() + _curriculum_sources()


def collect(limit: int = 5000) -> int:
    """Add the statements of the events that have none yet; returns how many were added."""
    if not configured():
        return 0
    site = settings.MEDTANDEM_SITE_URL
    added = 0
    for source in sources():
        done = Statement.objects.filter(kind=source.kind).values("source_id")
        pending = source.rows().exclude(pk__in=done).order_by("pk")[: max(0, limit - added)]
        rows = [
            Statement(statement_id=body["id"], kind=source.kind, source_id=row.pk, payload=body)
            for row in pending
            for body in [source.build(site, row)]
        ]
        # A concurrent collector may have added some: the unique constraints keep one of each.
        Statement.objects.bulk_create(rows, ignore_conflicts=True)
        added += len(rows)
    return added


@dataclass(frozen=True)
class Delivery:
    sent: int
    rejected: int
    pending: int


def _post(statements: list[Statement]) -> http.Reply:
    auth = f"{settings.MEDTANDEM_XAPI_LRS_USER}:{settings.MEDTANDEM_XAPI_LRS_PASSWORD}"
    return http.request(
        "POST",
        f"{settings.MEDTANDEM_XAPI_LRS_URL}/xAPI/statements",
        body=http.json_bytes([s.payload for s in statements]),
        headers={
            "Content-Type": "application/json",
            "X-Experience-API-Version": xapi.XAPI_VERSION,
            "Authorization": "Basic " + base64.b64encode(auth.encode()).decode(),
        },
        ok=(200, 204, 400, 409),
    )


def _mark(statements: Iterable[Statement], **fields: Any) -> None:
    Statement.objects.filter(pk__in=[s.pk for s in statements]).update(**fields)


def deliver(max_batches: int = 50) -> Delivery:
    """Send pending statements, oldest first, until none is left (or ``max_batches``).

    Raises :class:`http.RemoteError` when the record store cannot be reached or answers an error
    other than a refusal: the statements stay pending (the job is retried with back-off)."""
    sent = rejected = 0
    for _ in range(max_batches):
        batch = list(
            Statement.objects.filter(sent_at__isnull=True, rejected_at__isnull=True).order_by(
                "created_at", "pk"
            )[:BATCH]
        )
        if not batch:
            break
        now = timezone.now()
        try:
            reply = _post(batch)
        except http.RemoteError as exc:
            _mark(
                batch,
                attempts=dj.F("attempts") + 1,
                last_attempt_at=now,
                last_error=str(exc)[:2000],
            )
            raise
        if reply.status in (200, 204):
            _mark(
                batch,
                sent_at=now,
                attempts=dj.F("attempts") + 1,
                last_attempt_at=now,
                last_error="",
            )
            sent += len(batch)
            continue
        if reply.status == 409 or len(batch) > 1:
            # A conflict (some ids already stored) or a refusal of the batch: one at a time tells
            # which statements are already there (409: sent) and which the store refuses (400).
            for statement in batch:
                single = _post([statement])
                if single.status in (200, 204, 409):
                    _mark(
                        [statement],
                        sent_at=now,
                        attempts=dj.F("attempts") + 1,
                        last_attempt_at=now,
                        last_error="",
                    )
                    sent += 1
                else:
                    _mark(
                        [statement],
                        rejected_at=now,
                        attempts=dj.F("attempts") + 1,
                        last_attempt_at=now,
                        last_error=single.body[:2000].decode(errors="replace"),
                    )
                    rejected += 1
            continue
        _mark(
            batch,
            rejected_at=now,
            attempts=dj.F("attempts") + 1,
            last_attempt_at=now,
            last_error=reply.body[:2000].decode(errors="replace"),
        )
        rejected += len(batch)
    pending = Statement.objects.filter(sent_at__isnull=True, rejected_at__isnull=True).count()
    return Delivery(sent, rejected, pending)
