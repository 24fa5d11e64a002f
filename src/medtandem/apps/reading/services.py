"""The hybrid reading rules.

For each case of a session the server walks the mode's steps in order (practice: unaided, then
aided; then feedback). Nothing reveals the AI suggestion before the unaided read is stored, nor the
truth before the case's last read is stored. A committed read is never modified; a retried
submission (same submission key) returns the read already stored.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from medtandem.apps.accounts.models import User
from medtandem.apps.cases.models import AIPrediction, Case, CaseSet
from medtandem.apps.cases.services import current_model, suggestion_for
from medtandem.apps.reading.models import (
    Condition,
    Mode,
    Read,
    ReadingAssignment,
    ReadingSession,
    StepOpening,
)
from medtandem.ecg.ptbxl import RHYTHM_CHOICES, SUPERCLASSES

FEEDBACK = "feedback"


class ReadingRuleError(Exception):
    """A request breaks the reading order or the immutability of reads (HTTP 409)."""


class ReadValidationError(ValueError):
    """A submitted read is malformed (HTTP 400); ``errors`` maps field names to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class ReadAnswer:
    """A validated answer, before it is stored."""

    superclasses: frozenset[str]
    confidences: dict[str, int]
    rhythm: str
    comment: str = ""
    client_time_ms: int | None = None


def parse_answer(data: Any) -> ReadAnswer:
    """Validate a submitted form or JSON body (a QueryDict or a dict)."""
    errors: dict[str, str] = {}
    getlist = data.getlist if hasattr(data, "getlist") else (lambda k: data.get(k) or [])
    chosen = set(getlist("superclasses"))
    unknown = chosen - set(SUPERCLASSES)
    if unknown:
        errors["superclasses"] = f"unknown superclasses {sorted(unknown)}"
    confidences: dict[str, int] = {}
    for name in SUPERCLASSES:
        key = f"confidence_{name.lower()}"
        raw = data.get(key)
        try:
            value = int(str(raw))
        except (TypeError, ValueError):
            errors[key] = "a whole number from 0 to 100 is required"
            continue
        if not 0 <= value <= 100:
            errors[key] = "must be between 0 and 100"
        confidences[name] = value
    rhythm = str(data.get("rhythm") or "")
    if rhythm not in RHYTHM_CHOICES:
        errors["rhythm"] = f"choose one of {list(RHYTHM_CHOICES)}"
    comment = str(data.get("comment") or "")[:2000]
    client_time: int | None = None
    raw_time = data.get("client_time_ms")
    if raw_time not in (None, ""):
        try:
            client_time = max(0, min(int(float(str(raw_time))), 24 * 3600 * 1000))
        except ValueError:
            errors["client_time_ms"] = "must be a number of milliseconds"
    if errors:
        raise ReadValidationError(errors)
    return ReadAnswer(frozenset(chosen), confidences, rhythm, comment, client_time)


# --- sessions -------------------------------------------------------------------------------


def start_session(
    learner: User,
    case_set: CaseSet,
    mode: str = Mode.PRACTICE,
    *,
    title: str = "",
    assignment: ReadingAssignment | None = None,
    case_order: list[int] | None = None,
    show_feedback: bool = True,
    available_from: datetime | None = None,
    ai_model: tuple[str, str] | None = None,
) -> ReadingSession:
    """Open a reading session.

    The AI the learner will see is fixed now: ``ai_model`` (name, version) when given (a reader
    study pins its model), else the model in service. ``case_order`` (case ids, e.g. randomised per
    reader) must be a permutation of the case set; ``available_from`` implements a washout.
    """
    if mode not in Mode.values:
        raise ValueError(f"unknown mode {mode!r}")
    if case_order is not None:
        expected = set(case_set.cases.values_list("pk", flat=True))
        if sorted(case_order) != sorted(expected) or len(case_order) != len(expected):
            raise ValueError("case_order must list every case of the case set exactly once")
    model_name = model_version = ""
    if mode != Mode.UNAIDED:
        if ai_model is None:
            model = current_model()
            ai_model = (model.name, model.version)
        model_name, model_version = ai_model
    return ReadingSession.objects.create(
        learner=learner,
        case_set=case_set,
        mode=mode,
        title=title or case_set.name,
        assignment=assignment,
        ai_model_name=model_name,
        ai_model_version=model_version,
        case_order=list(case_order) if case_order is not None else None,
        show_feedback=show_feedback,
        available_from=available_from,
    )


@dataclass(frozen=True)
class RecordedRead:
    """A read made elsewhere (another tool, or a simulation), with its own timestamps."""

    session: ReadingSession
    case: Case
    condition: str
    answer: ReadAnswer
    opened_at: datetime | None
    submitted_at: datetime
    ai_prediction: AIPrediction | None = None


@transaction.atomic
def record_reads(reads: list[RecordedRead]) -> int:
    """Store reads made elsewhere, keeping their timestamps. All or nothing.

    Each read must belong to its session's case set and mode, and no step may be read twice (the
    database's one-read-per-step constraint also guards this). Returns the number stored.
    """
    objects = []
    steps_seen: set[tuple[int, int, str]] = set()
    case_ids: dict[int, set[int]] = {}
    for item in reads:
        session = item.session
        if session.pk not in case_ids:
            case_ids[session.pk] = set(session.case_set.cases.values_list("pk", flat=True))
        if item.case.pk not in case_ids[session.pk]:
            raise ReadingRuleError(f"case {item.case} is not part of session {session.pk}")
        if item.condition not in session.steps:
            raise ReadingRuleError(f"a {item.condition} read does not belong to a {session.mode} session")
        step = (session.pk, item.case.pk, item.condition)
        if step in steps_seen:
            raise ReadingRuleError(f"case {item.case} is read twice under {item.condition} in session {session.pk}")
        steps_seen.add(step)
        fields = {name.lower(): name in item.answer.superclasses for name in SUPERCLASSES}
        fields.update({f"confidence_{n.lower()}": item.answer.confidences[n] for n in SUPERCLASSES})
        objects.append(Read(
            session=session, learner=session.learner, case=item.case, condition=item.condition,
            rhythm=item.answer.rhythm, comment=item.answer.comment, client_time_ms=item.answer.client_time_ms,
            opened_at=item.opened_at, ai_prediction=item.ai_prediction, **fields,
        ))
    try:
        Read.objects.bulk_create(objects, batch_size=2000)
    except IntegrityError:
        raise ReadingRuleError("one of these reads is already stored") from None
    # submitted_at is set by the database on insert; the recorded time replaces it.
    for obj, item in zip(objects, reads, strict=True):
        obj.submitted_at = item.submitted_at
    Read.objects.bulk_update(objects, ["submitted_at"], batch_size=2000)
    for session in {item.session.pk: item.session for item in reads}.values():
        if current_position(session) is None:
            last = max(i.submitted_at for i in reads if i.session.pk == session.pk)
            ReadingSession.objects.filter(pk=session.pk).update(completed_at=last)
    return len(objects)


@transaction.atomic
def assign(
    case_set: CaseSet, learners: list[User], *, mode: str, title: str, created_by: User | None
) -> ReadingAssignment:
    """Assign a case set to learners: one session each (assigning again adds only new learners)."""
    assignment = ReadingAssignment.objects.create(title=title, case_set=case_set, mode=mode, created_by=created_by)
    for learner in learners:
        start_session(learner, case_set, mode, title=title, assignment=assignment)
    return assignment


def cases_of(session: ReadingSession) -> list[Case]:
    """The session's cases in reading order (its own randomised order when it has one)."""
    if session.case_order:
        by_id = {c.pk: c for c in session.case_set.cases.all()}
        return [by_id[pk] for pk in session.case_order if pk in by_id]
    return list(session.case_set.ordered_cases())


def reads_by_case(session: ReadingSession) -> dict[int, dict[str, Read]]:
    out: dict[int, dict[str, Read]] = {}
    for read in session.reads.all():
        out.setdefault(read.case_id, {})[read.condition] = read
    return out


def step_for(session: ReadingSession, case: Case, reads: dict[str, Read] | None = None) -> str:
    """The step the learner is at for this case: a condition to read, or ``"feedback"``."""
    if reads is None:
        reads = {r.condition: r for r in session.reads.filter(case=case)}
    for condition in session.steps:
        if condition not in reads:
            return condition
    return FEEDBACK


def current_position(session: ReadingSession) -> int | None:
    """Index of the first case not yet fully read, or None when the session is complete."""
    return _first_unfinished(session, cases_of(session), reads_by_case(session))


def _first_unfinished(session: ReadingSession, cases: list[Case], done: dict[int, dict[str, Read]]) -> int | None:
    for index, case in enumerate(cases):
        if step_for(session, case, done.get(case.pk, {})) != FEEDBACK:
            return index
    return None


def may_open(session: ReadingSession, position: int) -> bool:
    """Cases are read in order: a learner may open completed cases and the current one, not later ones."""
    current = current_position(session)
    n_cases = session.case_set.cases.count()
    return 0 <= position < n_cases and (current is None or position <= current)


def open_step(session: ReadingSession, case: Case, condition: str) -> StepOpening:
    """Record (once) when the server first served a read step."""
    opening, _ = StepOpening.objects.get_or_create(session=session, case=case, condition=condition)
    return opening


def may_see_ai(session: ReadingSession, case: Case) -> bool:
    """The AI suggestion is visible once the step after the unaided read is reached (never in unaided mode)."""
    if session.mode == Mode.UNAIDED:
        return False
    step = step_for(session, case)
    return step in (Condition.AIDED, FEEDBACK)


def may_see_truth(session: ReadingSession, case: Case) -> bool:
    return session.show_feedback and step_for(session, case) == FEEDBACK


def ai_suggestion(session: ReadingSession, case: Case) -> AIPrediction:
    """The session's model's suggestion for the case, only when the rules allow it."""
    if not may_see_ai(session, case):
        raise ReadingRuleError("the AI suggestion is shown only after the unaided read is stored")
    return suggestion_for(case, session.ai_model_name, session.ai_model_version)


def commit_read(
    session: ReadingSession, case: Case, condition: str, answer: ReadAnswer, submission_key: str | uuid.UUID
) -> tuple[Read, bool]:
    """Store a read if it is the one the flow expects now.

    Returns ``(read, created)``. A retry with the same submission key returns the stored read and
    ``created=False``; any other attempt to read a step twice, or out of order, raises
    :class:`ReadingRuleError` and changes nothing.
    """
    try:
        key = uuid.UUID(str(submission_key))
    except ValueError:
        raise ReadValidationError({"submission_key": "missing or malformed"}) from None
    existing = Read.objects.filter(submission_key=key).first()
    if existing is not None:
        if (existing.session_id, existing.case_id, existing.condition) != (session.pk, case.pk, condition):
            raise ReadingRuleError("this submission key belongs to another read")
        return existing, False
    # The session's cases and reads are loaded once; every rule below is checked against them.
    cases = cases_of(session)
    case_ids = [c.pk for c in cases]
    if case.pk not in case_ids:
        raise ReadingRuleError("this case is not part of the session")
    done = reads_by_case(session)
    current = _first_unfinished(session, cases, done)
    if current is not None and case_ids.index(case.pk) > current:
        raise ReadingRuleError("cases are read in order")
    if session.available_from and timezone.now() < session.available_from:
        raise ReadingRuleError("this session opens after its washout period")
    case_reads = done.get(case.pk, {})
    expected = step_for(session, case, case_reads)
    if expected != condition:
        if expected == FEEDBACK or condition in case_reads:
            raise ReadingRuleError("this read is already committed and cannot be changed")
        raise ReadingRuleError(f"the {expected} read of this case comes first")
    prediction = ai_suggestion(session, case) if condition == Condition.AIDED else None
    opening = StepOpening.objects.filter(session=session, case=case, condition=condition).first()
    fields = {name.lower(): name in answer.superclasses for name in SUPERCLASSES}
    fields.update({f"confidence_{name.lower()}": answer.confidences[name] for name in SUPERCLASSES})
    try:
        with transaction.atomic():
            read = Read.objects.create(
                session=session,
                learner=session.learner,
                case=case,
                condition=condition,
                rhythm=answer.rhythm,
                comment=answer.comment,
                client_time_ms=answer.client_time_ms,
                opened_at=opening.served_at if opening else None,
                submission_key=key,
                ai_prediction=prediction,
                **fields,
            )
    except IntegrityError:
        # A concurrent duplicate (double click reaching two workers) lost the race.
        same = Read.objects.filter(submission_key=key).first()
        if same is not None:
            return same, False
        raise ReadingRuleError("this read is already committed and cannot be changed") from None
    done.setdefault(case.pk, {})[condition] = read
    if session.completed_at is None and _first_unfinished(session, cases, done) is None:
        ReadingSession.objects.filter(pk=session.pk, completed_at__isnull=True).update(completed_at=timezone.now())
    return read, True
