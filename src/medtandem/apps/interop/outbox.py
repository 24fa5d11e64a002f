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

Feedback views are not captured: the reading path records no row for them (one more query on
every feedback page, beyond its budget), so no statement claims them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Iterable
from dataclasses import dataclass
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
class Source:
    """One kind of learning event: its rows, and the statement of a row."""

    kind: str
    rows: Callable[[], QuerySet[Any]]
    build: Callable[[str, Any], dict[str, Any]]


def _session(site: str, session: Any) -> dict[str, Any]:
    return xapi.activity(site, "reading-session", session.pk, session.title)


def _reading_sources() -> list[Source]:
    from medtandem.apps.reading.models import Condition, Read, ReadingSession, StepOpening
    from medtandem.apps.reading.selectors import unaided_superclass_accuracy

    def started(site: str, s: Any) -> dict[str, Any]:
        return xapi.statement(
            site=site,
            kind="session-started",
            source_id=s.pk,
            person_id=person_id(s.learner_id),
            verb=xapi.INITIALIZED,
            obj=_session(site, s),
            timestamp=s.created_at,
            extensions={xapi.EXT_SESSION_MODE: s.mode},
        )

    def read(site: str, r: Any) -> dict[str, Any]:
        called = [name for name in ("NORM", "MI", "STTC", "CD", "HYP") if getattr(r, name.lower())]
        return xapi.statement(
            site=site,
            kind="read",
            source_id=r.pk,
            person_id=person_id(r.learner_id),
            verb=xapi.ANSWERED,
            obj=xapi.activity(site, "case", r.case_id),
            timestamp=r.submitted_at,
            # The learner's own answer only: never the truth, never the AI's output.
            result={"response": ",".join(called) + f";{r.rhythm}", "completion": True},
            parent=_session(site, r.session),
            extensions={xapi.EXT_CONDITION: r.condition},
        )

    def ai_shown(site: str, o: Any) -> dict[str, Any]:
        return xapi.statement(
            site=site,
            kind="ai-shown",
            source_id=o.pk,
            person_id=person_id(o.session.learner_id),
            verb=xapi.VIEWED,
            obj=xapi.activity(site, "ai-suggestion", f"{o.session_id}-{o.case_id}"),
            timestamp=o.served_at,
            parent=_session(site, o.session),
        )

    def completed(site: str, s: Any) -> dict[str, Any]:
        accuracy = unaided_superclass_accuracy(s)
        return xapi.statement(
            site=site,
            kind="session-completed",
            source_id=s.pk,
            person_id=person_id(s.learner_id),
            verb=xapi.COMPLETED,
            obj=_session(site, s),
            timestamp=s.completed_at,
            result=xapi.score(float(accuracy) if accuracy is not None else None),
            extensions={xapi.EXT_SESSION_MODE: s.mode},
        )

    return [
        Source("session-started", lambda: ReadingSession.objects.all(), started),
        Source("read", lambda: Read.objects.select_related("session"), read),
        Source(
            "ai-shown",
            lambda: StepOpening.objects.filter(condition=Condition.AIDED).select_related("session"),
            ai_shown,
        ),
        Source(
            "session-completed",
            lambda: ReadingSession.objects.filter(completed_at__isnull=False),
            completed,
        ),
    ]


def _curriculum_sources() -> list[Source]:
    from medtandem.apps.curriculum.models import Attestation, Completion, QuizAttempt

    def quiz(site: str, a: Any) -> dict[str, Any]:
        return xapi.statement(
            site=site,
            kind="quiz",
            source_id=a.pk,
            person_id=person_id(a.learner_id),
            verb=xapi.PASSED if a.passed else xapi.FAILED,
            obj=xapi.activity(site, "quiz", a.quiz_id, a.quiz.title),
            timestamp=a.submitted_at,
            result=xapi.score(float(a.score), success=a.passed),
        )

    def completion(site: str, c: Any) -> dict[str, Any]:
        return xapi.statement(
            site=site,
            kind="completion",
            source_id=c.pk,
            person_id=person_id(c.learner_id),
            verb=xapi.COMPLETED,
            obj=xapi.activity(site, "activity", c.activity_id, c.activity.title),
            timestamp=c.completed_at,
            result=xapi.score(float(c.score) if c.score is not None else None),
            parent=xapi.activity(site, "programme", c.programme_id),
        )

    def attestation(site: str, a: Any) -> dict[str, Any]:
        return xapi.statement(
            site=site,
            kind="attestation",
            source_id=a.pk,
            person_id=person_id(a.enrolment.learner_id),
            verb=xapi.EARNED,
            obj=xapi.activity(site, "attestation", a.code, a.programme_title),
            timestamp=a.issued_at,
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
