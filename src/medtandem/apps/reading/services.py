"""The hybrid reading rules.

For each case of a session the server walks the mode's steps in order (practice: unaided, then
aided; then feedback). Nothing reveals the AI suggestion before the unaided read is stored, nor the
truth before the case's last read is stored. A committed read is never modified; a retried
submission (same submission key) returns the read already stored.
"""

from __future__ import annotations

import contextlib
import math
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mass_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import Case as SqlCase
from django.db.models import F, Q, QuerySet, When
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from medtandem.apps.accounts.models import Cohort, User
from medtandem.apps.cases.models import AIPrediction, Case, CaseSet
from medtandem.apps.cases.selectors import cached_prediction, remember_prediction
from medtandem.apps.cases.services import build_case_set, current_model, suggestion_for
from medtandem.apps.reading import rating, visibility
from medtandem.apps.reading.models import (
    Condition,
    FeedbackView,
    Mode,
    Read,
    ReadingAssignment,
    ReadingSession,
    Reread,
    RereadSchedule,
    StepOpening,
)
from medtandem.ecg.ptbxl import RHYTHM_CHOICES, SUPERCLASSES
from medtandem.web.prepared import Prepared

FEEDBACK = "feedback"


class ReadingRuleError(Exception):
    """A request breaks the reading order or the immutability of reads (HTTP 409)."""


class SessionLockedError(ReadingRuleError):
    """The session's reads are frozen (its reader study is locked): nothing more is accepted (HTTP 409)."""


class CaseNotOpenError(ReadingRuleError):
    """The case is not (yet) open to this learner in this session: a later case, or none (HTTP 404)."""


class ReadValidationError(ValueError):
    """A submitted read is malformed (HTTP 400); ``errors`` maps field names to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class ReadAnswer:
    """A validated answer, before it is stored: one 0-100 rating per superclass (see :mod:`.rating`)."""

    ratings: dict[str, int]
    rhythm: str
    comment: str = ""
    client_time_ms: int | None = None

    @property
    def superclasses(self) -> frozenset[str]:
        """The superclasses called present, derived from the ratings."""
        return frozenset(name for name, value in self.ratings.items() if rating.call(value))

    def fields(self) -> dict[str, Any]:
        """The Read columns this answer fills (ratings and their derived calls)."""
        out: dict[str, Any] = {f"rating_{n.lower()}": self.ratings[n] for n in SUPERCLASSES}
        out.update({n.lower(): rating.call(self.ratings[n]) for n in SUPERCLASSES})
        return out


#: The longest time on task a browser may report (a day); beyond it the value is refused.
MAX_CLIENT_TIME_MS = 24 * 3600 * 1000


def parse_answer(data: Any) -> ReadAnswer:
    """Validate a submitted form or JSON body (a QueryDict or a dict).

    Every superclass needs a rating (a whole number from 0 to 100; there is no preset value): the
    field ``rating_<code>`` or, when given, ``rating_<code>_exact``. The rhythm is one of :data:`RHYTHM_CHOICES`. ``client_time_ms`` is optional, a finite number of
    milliseconds.
    """
    if not hasattr(data, "get"):
        raise ReadValidationError({"body": _("un objet de champs est attendu")})
    errors: dict[str, str] = {}
    ratings: dict[str, int] = {}
    for name in SUPERCLASSES:
        key = f"rating_{name.lower()}"
        # The form sends a quick level and, optionally, an exact value that takes precedence.
        exact = data.get(f"{key}_exact")
        raw = exact if exact not in (None, "") else data.get(key)
        try:
            value = int(str(raw).strip())
        except (TypeError, ValueError):
            errors[key] = _("une note entière de 0 à 100 est requise")
            continue
        if not 0 <= value <= 100:
            errors[key] = _("la note doit être comprise entre 0 et 100")
        ratings[name] = value
    rhythm = str(data.get("rhythm") or "")
    if rhythm not in RHYTHM_CHOICES:
        errors["rhythm"] = _("choisissez l'un de %(c)s") % {"c": ", ".join(RHYTHM_CHOICES)}
    comment = str(data.get("comment") or "")[:2000]
    client_time: int | None = None
    raw_time = data.get("client_time_ms")
    if raw_time not in (None, ""):
        try:
            number = float(str(raw_time))
        except ValueError:
            number = math.nan
        if not math.isfinite(number) or not 0 <= number <= MAX_CLIENT_TIME_MS:
            errors["client_time_ms"] = _(
                "un nombre de millisecondes entre 0 et %(m)d est attendu"
            ) % {"m": MAX_CLIENT_TIME_MS}
        else:
            client_time = int(number)
    if errors:
        raise ReadValidationError(errors)
    return ReadAnswer(ratings, rhythm, comment, client_time)


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
    return_url: str = "",
) -> ReadingSession:
    """Open a reading session.

    The AI the learner will see is fixed now: ``ai_model`` (name, version) when given (a reader
    study pins its model), else the model in service. ``case_order`` (case ids, e.g. randomised per
    reader) must be a permutation of the case set; ``available_from`` implements a washout;
    ``return_url`` (a path on this site) is where the session's last page leads back to.
    """
    if return_url and not (return_url.startswith("/") and not return_url.startswith("//")):
        raise ValueError("return_url must be a path on this site")
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
        return_url=return_url,
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
    database's one-read-per-step constraint also guards this). A session these reads complete gets
    its completion time (the last read's) and is announced to the completion listeners after the
    commit, as a session completed read by read is. Returns the number stored.
    """
    objects = []
    steps_seen: set[tuple[int, int, str]] = set()
    case_ids: dict[int, set[int]] = {}
    # When each learner first saw each case with its truth, in which session (stored reads only).
    revealed: dict[tuple[int, int], list[tuple[datetime, int]]] = {}
    learner_ids = {item.session.learner_id for item in reads}
    for learner_id, case_id, session_id, at in visibility.revealing_reads(learner_ids).values_list(
        "learner_id", "case_id", "session_id", "submitted_at"
    ):
        revealed.setdefault((learner_id, case_id), []).append((at, session_id))
    for item in reads:
        session = item.session
        if session.locked_at is not None:
            raise SessionLockedError(_("la séance %(s)d est verrouillée") % {"s": session.pk})
        if session.pk not in case_ids:
            case_ids[session.pk] = set(session.case_set.cases.values_list("pk", flat=True))
        if item.case.pk not in case_ids[session.pk]:
            raise ReadingRuleError(f"case {item.case} is not part of session {session.pk}")
        if item.condition not in session.steps:
            raise ReadingRuleError(
                f"a {item.condition} read does not belong to a {session.mode} session"
            )
        step = (session.pk, item.case.pk, item.condition)
        if step in steps_seen:
            raise ReadingRuleError(
                f"case {item.case} is read twice under {item.condition} in session {session.pk}"
            )
        steps_seen.add(step)
        objects.append(
            Read(
                session=session,
                learner=session.learner,
                case=item.case,
                condition=item.condition,
                rhythm=item.answer.rhythm,
                comment=item.answer.comment,
                client_time_ms=item.answer.client_time_ms,
                opened_at=item.opened_at,
                ai_prediction=item.ai_prediction,
                **item.answer.fields(),
                seen_truth_before=any(
                    at < item.submitted_at and sid != session.pk
                    for at, sid in revealed.get((session.learner_id, item.case.pk), [])
                ),
            )
        )
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
            # Only a session these reads complete is announced, as commit_read announces its own.
            finished = ReadingSession.objects.filter(
                pk=session.pk, completed_at__isnull=True
            ).update(completed_at=last)
            if finished:
                session.completed_at = last
                _announce_completed(session)
    return len(objects)


@transaction.atomic
def assign(
    case_set: CaseSet,
    learners: list[User],
    *,
    mode: str,
    title: str,
    created_by: User | None,
    due_at: datetime | None = None,
) -> ReadingAssignment:
    """Assign a case set to learners in a mode: one session each, and tell each new learner.

    Assigning the same case set in the same mode again (by the same instructor) reuses that
    assignment and adds sessions for the new learners only; learners who already have one keep it.
    A new due date, when given, replaces the assignment's. Each learner who gets a session is told
    by e-mail, where mail is configured (``settings.MEDTANDEM_NOTIFY_BY_EMAIL``), once the
    assignment is stored; the dashboard shows it either way.
    """
    assignment = (
        ReadingAssignment.objects.select_for_update()
        .filter(case_set=case_set, mode=mode, created_by=created_by)
        .order_by("created_at")
        .first()
    )
    if assignment is None:
        assignment = ReadingAssignment.objects.create(
            title=title, case_set=case_set, mode=mode, created_by=created_by, due_at=due_at
        )
    elif due_at is not None and assignment.due_at != due_at:
        ReadingAssignment.objects.filter(pk=assignment.pk).update(due_at=due_at)
        assignment.due_at = due_at
    already = set(assignment.sessions.values_list("learner_id", flat=True))
    told: list[User] = []
    for learner in learners:
        if learner.pk not in already:
            start_session(learner, case_set, mode, title=assignment.title, assignment=assignment)
            already.add(learner.pk)
            told.append(learner)
    if told and settings.MEDTANDEM_NOTIFY_BY_EMAIL:
        transaction.on_commit(lambda: notify_assigned(assignment, told))
    return assignment


def notify_assigned(assignment: ReadingAssignment, learners: list[User]) -> int:
    """E-mail each learner (who has an address) that a reading session was assigned. Returns how many."""
    messages = []
    for learner in learners:
        if not learner.email:
            continue
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("Nouvelle séance de lecture d'ECG : %(t)s") % {"t": assignment.title}
            due = (
                _("À terminer avant le %(d)s.")
                % {
                    "d": formats.date_format(
                        timezone.localtime(assignment.due_at), "DATETIME_FORMAT"
                    )
                }
                if assignment.due_at
                else ""
            )
            body = _(
                "Bonjour,\n\nUne séance de lecture d'ECG vous a été assignée : %(t)s (%(m)s). %(due)s\n"
                "Retrouvez-la dans « Lecture d'ECG » sur MedTandem."
            ) % {"t": assignment.title, "m": assignment.get_mode_display(), "due": due}
        messages.append((subject, body, None, [learner.email]))
    return send_mass_mail(messages, fail_silently=True) if messages else 0


class CaseSetError(ValueError):
    """A case set cannot be built as asked (HTTP 400); the message says why."""


def parse_case_ids(text: str) -> list[str]:
    """External ids typed by an instructor, comma- or whitespace-separated, in order, each once."""
    seen: dict[str, None] = {}
    for token in text.replace(";", ",").replace("\n", ",").split(","):
        for part in token.split():
            seen.setdefault(part.strip(), None)
    return [t for t in seen if t]


def create_case_set(
    name: str,
    *,
    created_by: User | None,
    description: str = "",
    case_ids_text: str = "",
    sample_size: int | None = None,
    seed: int | None = None,
    exclude_seen_by: list[User] | None = None,
    **criteria: Any,
) -> CaseSet:
    """An instructor's case set: explicit ids, or filters (optionally sampled).

    With ``exclude_seen_by``, the cases any of these learners already saw with their truth are left
    out (they would measure memory, not reading); the count left out is stored with the criteria.
    """
    seen = visibility.cases_seen_with_truth(exclude_seen_by) if exclude_seen_by else set()
    try:
        wanted = parse_case_ids(case_ids_text)
        if wanted:
            found = dict(
                Case.objects.filter(external_id__in=wanted).values_list("external_id", "pk")
            )
            unknown = [w for w in wanted if w not in found]
            if unknown:
                raise CaseSetError(_("cas inconnus : %s") % ", ".join(unknown))
            kept = [found[w] for w in wanted if found[w] not in seen]
            if not kept:
                raise CaseSetError(
                    _(
                        "tous ces cas ont déjà été vus avec leur correction par les apprenant·es choisi·es"
                    )
                )
            return build_case_set(
                name, created_by=created_by, description=description, case_ids=kept
            )
        return build_case_set(
            name,
            created_by=created_by,
            description=description,
            sample_size=sample_size,
            seed=seed,
            exclude_case_ids=seen,
            **criteria,
        )
    except CaseSetError:
        raise
    except ValueError as exc:  # build_case_set's own checks (no case matches, ...)
        raise CaseSetError(str(exc)) from None


def cases_of(session: ReadingSession) -> list[Case]:
    """The session's cases in reading order (its own randomised order when it has one)."""
    if session.case_order:
        by_id = {c.pk: c for c in session.case_set.cases.all()}
        return [by_id[pk] for pk in session.case_order if pk in by_id]
    return list(session.case_set.ordered_cases())


def _case_ids_key(session: ReadingSession) -> str:
    # A session's case set and order never change once it is opened (no service edits a case set's
    # items or a session's order), so the ordered ids are cached per session. The key carries the
    # creation time and the order, so that a reused primary key (a restored database, a test
    # database rolled back) can never pick up another session's list.
    order = ",".join(map(str, session.case_order)) if session.case_order else "set"
    stamp = session.created_at.timestamp() if session.created_at else 0
    return f"medtandem:reading:case-ids:{session.pk}:{session.case_set_id}:{stamp}:{hash(order)}"


def case_ids_of(session: ReadingSession) -> list[int]:
    """The ids of the session's cases in reading order (cached: immutable for a session)."""
    key = _case_ids_key(session)
    ids = cache.get(key)
    if ids is None:
        set_ids = list(session.case_set.ordered_cases().values_list("pk", flat=True))
        if session.case_order:
            members = set(set_ids)
            ids = [pk for pk in session.case_order if pk in members]
        else:
            ids = set_ids
        cache.set(key, ids, 24 * 3600)
    return list(ids)


def reads_by_case(session: ReadingSession) -> dict[int, dict[str, Read]]:
    out: dict[int, dict[str, Read]] = {}
    for read in session.reads.all():
        out.setdefault(read.case_id, {})[read.condition] = read
    return out


@dataclass
class SessionState:
    """A session with its case ids and reads, loaded once per request (one query for the reads).

    Every rule below (order of cases, step of a case, what may be seen) is answered from it, so a
    request never reloads the session's cases or reads to ask a second question. ``done`` holds the
    conditions read per case (all cases); ``reads`` the full reads of the cases the request shows.
    """

    session: ReadingSession
    case_ids: list[int]
    done: dict[int, set[str]]
    reads: dict[int, dict[str, Read]]

    @property
    def n_cases(self) -> int:
        return len(self.case_ids)

    def case_reads(self, case_id: int) -> dict[str, Read]:
        return self.reads.get(case_id, {})

    def step(self, case_id: int) -> str:
        return _step(self.session, self.done.get(case_id, set()))

    def current_position(self) -> int | None:
        for index, case_id in enumerate(self.case_ids):
            if self.step(case_id) != FEEDBACK:
                return index
        return None

    def may_open(self, position: int) -> bool:
        current = self.current_position()
        return 0 <= position < self.n_cases and (current is None or position <= current)

    def may_see_ai(self, case_id: int) -> bool:
        return self.session.mode != Mode.UNAIDED and self.step(case_id) in (
            Condition.AIDED,
            FEEDBACK,
        )

    def may_see_truth(self, case_id: int) -> bool:
        return self.session.show_feedback and self.step(case_id) == FEEDBACK


#: A read's columns, loaded as tuples: model instances are built only for the reads a page shows
#: (building one per read of a 40-case session cost a few ms per request).
_READ_FIELDS = tuple(f.attname for f in Read._meta.concrete_fields)
_CASE, _CONDITION = (_READ_FIELDS.index(n) for n in ("case_id", "condition"))


def _read_of(row: tuple[Any, ...]) -> Read:
    return Read.from_db("default", _READ_FIELDS, row)


#: The session's reads query loads the case and the condition of every read (the order rule needs
#: them) and the other columns only for the case the page shows (NULL for the rest, in the same
#: positions). All 24 columns of the 80 reads at the end of a 40-case session cost about 1.3 ms of
#: CPU per request to load and convert, two columns 0.2 ms (PostgreSQL, measured in a loop).
_SHOWN_ONLY = {
    name: f"shown_{name}" for name in _READ_FIELDS if name not in ("case_id", "condition")
}

# The reading path's queries, compiled once per process (web.prepared: compiling them cost more CPU
# than running them).
_SESSION_READS: Prepared[tuple[Any, ...]] = Prepared(
    lambda session_id, case_id: (
        Read.objects.filter(session_id=session_id)
        .annotate(
            **{
                alias: SqlCase(When(case_id=case_id, then=F(name)))
                for name, alias in _SHOWN_ONLY.items()
            }
        )
        .values_list(*(_SHOWN_ONLY.get(name, name) for name in _READ_FIELDS))
    )
)
#: What the order rule needs of a session's reads (no timestamps or ratings to convert), and, for
#: one case, the same learner's reads that revealed its truth in other sessions.
_RULE_FIELDS = ("case_id", "condition", "session_id", "submission_key", "id")
_RULE_READS: Prepared[tuple[Any, ...]] = Prepared(
    lambda session_id, learner_id, case_id: Read.objects.filter(
        Q(session_id=session_id)
        | (
            visibility.revealing_q()
            & Q(learner_id=learner_id, case_id=case_id)
            & ~Q(session_id=session_id)
        )
    ).values_list(*_RULE_FIELDS)
)
_OPENING: Prepared[tuple[Any, ...]] = Prepared(
    lambda session_id, case_id, condition: StepOpening.objects.filter(
        session_id=session_id, case_id=case_id, condition=condition
    ).values_list("served_at")[:1],
    kinds={"condition": str},
)


def load_state(session: ReadingSession, position: int | None = None) -> SessionState:
    """The session's state for one request: case ids (cached) and reads (one query); the full reads
    of the case at ``position`` (when given and valid)."""
    case_ids = case_ids_of(session)
    shown = case_ids[position] if position is not None and 0 <= position < len(case_ids) else None
    done: dict[int, set[str]] = {}
    reads: dict[int, dict[str, Read]] = {}
    # -1: no case's reads in full (no primary key is negative)
    for row in _SESSION_READS.all(session_id=session.pk, case_id=-1 if shown is None else shown):
        done.setdefault(row[_CASE], set()).add(row[_CONDITION])
        if shown is not None and row[_CASE] == shown:
            reads.setdefault(shown, {})[row[_CONDITION]] = _read_of(row)
    return SessionState(session, case_ids, done, reads)


def _step(session: ReadingSession, reads: dict[str, Read] | set[str]) -> str:
    for condition in session.steps:
        if condition not in reads:
            return condition
    return FEEDBACK


def step_for(
    session: ReadingSession, case: Case, reads: dict[str, Read] | set[str] | None = None
) -> str:
    """The step the learner is at for this case: a condition to read, or ``"feedback"``. ``reads``:
    the case's reads by condition, or just the conditions read (loaded when not given)."""
    if reads is None:
        reads = {r.condition: r for r in session.reads.filter(case=case)}
    return _step(session, reads)


def current_position(session: ReadingSession) -> int | None:
    """Index of the first case not yet fully read, or None when the session is complete."""
    return _first_unfinished(session, cases_of(session), reads_by_case(session))


def _first_unfinished(
    session: ReadingSession, cases: list[Case], done: dict[int, dict[str, Read]]
) -> int | None:
    for index, case in enumerate(cases):
        if step_for(session, case, done.get(case.pk, {})) != FEEDBACK:
            return index
    return None


def may_open(session: ReadingSession, position: int) -> bool:
    """Cases are read in order: a learner may open completed cases and the current one, not later ones."""
    return load_state(session).may_open(position)


def open_step(session: ReadingSession, case: Case | int, condition: str) -> None:
    """Record (once) when the server first served a read step.

    One INSERT: the first opening is kept, later ones and concurrent twins are refused by the
    one-opening-per-step constraint.
    """
    case_id = case if isinstance(case, int) else case.pk
    opening = StepOpening(session=session, case_id=case_id, condition=condition)
    if connection.in_atomic_block:
        StepOpening.objects.bulk_create([opening], ignore_conflicts=True)
        return
    # Autocommit (a request): one INSERT, its own transaction; a conflict means "already open".
    with contextlib.suppress(IntegrityError):
        opening.save(force_insert=True)


def may_see_ai(session: ReadingSession, case: Case) -> bool:
    """The AI suggestion is visible once the step after the unaided read is reached (never in unaided mode)."""
    if session.mode == Mode.UNAIDED:
        return False
    step = step_for(session, case)
    return step in (Condition.AIDED, FEEDBACK)


def may_see_truth(session: ReadingSession, case: Case) -> bool:
    return session.show_feedback and step_for(session, case) == FEEDBACK


def record_feedback_view(session: ReadingSession, position: int) -> bool:
    """Record (once) that the learner saw the feedback of the case at ``position``.

    Only a case whose feedback the learner may see now (all its reads stored, feedback shown in
    this session) is recorded: anything else raises (a case not open: :class:`CaseNotOpenError`;
    feedback not shown: :class:`ReadingRuleError`) and stores nothing. Returns whether this call
    recorded it (False: already recorded, a repeated beacon).
    """
    state = load_state(session)
    if not 0 <= position < state.n_cases or not state.may_open(position):
        raise CaseNotOpenError("no such case open in this session")
    case_id = state.case_ids[position]
    if not state.may_see_truth(case_id):
        raise ReadingRuleError("the feedback of this case is not shown (yet)")
    # One INSERT (no read first: the beacon stays within the reading path's query budget); a
    # repeated beacon is refused by the one-view-per-case constraint, in its own savepoint.
    try:
        with transaction.atomic():
            FeedbackView(session=session, case_id=case_id).save(force_insert=True)
    except IntegrityError:
        return False
    return True


def ai_suggestion(
    session: ReadingSession, case: Case, state: SessionState | None = None
) -> AIPrediction:
    """The session's model's suggestion for the case, only when the rules allow it.

    With ``state`` (the request's loaded state) the rule is answered without another query; the
    suggestion itself is cached per (case, model version) (it never changes for a version).
    """
    allowed = state.may_see_ai(case.pk) if state is not None else may_see_ai(session, case)
    if not allowed:
        raise ReadingRuleError("the AI suggestion is shown only after the unaided read is stored")
    return _suggestion(case, session)


def _suggestion(case: Case, session: ReadingSession) -> AIPrediction:
    cached = cached_prediction(case.pk, session.ai_model_name, session.ai_model_version)
    if cached is not None:
        return cached
    prediction = suggestion_for(case, session.ai_model_name, session.ai_model_version)
    remember_prediction(prediction)
    return prediction


def commit_read(
    session: ReadingSession,
    case: Case,
    condition: str,
    answer: ReadAnswer,
    submission_key: str | uuid.UUID,
) -> tuple[Read, bool]:
    """Store a read if it is the one the flow expects now.

    Returns ``(read, created)``. A retry with the same submission key returns the stored read and
    ``created=False`` (also when the retry arrives while, or after, its twin is being stored); any
    other attempt to read a step twice, or out of order, or in a locked session, raises
    :class:`ReadingRuleError` and changes nothing. The read records whether its reader had already
    seen this case with its truth in another session (``seen_truth_before``).
    """
    try:
        key = uuid.UUID(str(submission_key))
    except ValueError:
        raise ReadValidationError({"submission_key": _("absente ou mal formée")}) from None

    def stored_twin() -> Read | None:
        existing = Read.objects.filter(submission_key=key).first()
        if existing is not None and (existing.session_id, existing.case_id, existing.condition) != (
            session.pk,
            case.pk,
            condition,
        ):
            raise ReadingRuleError(_("cette clé de soumission appartient à une autre lecture"))
        return existing

    # One query loads the session's reads and, for this case, the reads of the same learner that
    # revealed its truth in other sessions (the provenance flag); the session's case ids are cached.
    done: dict[int, set[str]] = {}
    seen = False
    for case_id, cond, session_id, row_key, pk in _RULE_READS.all(
        session_id=session.pk, learner_id=session.learner_id, case_id=case.pk
    ):
        if session_id != session.pk:
            seen = True
            continue
        # A retry (same key) returns the stored read, whatever happened since (even a lock).
        if row_key == key:
            if (case_id, cond) != (case.pk, condition):
                raise ReadingRuleError(_("cette clé de soumission appartient à une autre lecture"))
            return Read.objects.get(pk=pk), False
        done.setdefault(case_id, set()).add(cond)
    if session.locked_at is not None:
        raise SessionLockedError(
            _("cette étude est verrouillée : aucune lecture n'est plus acceptée")
        )
    state = SessionState(session, case_ids_of(session), done, {})
    if case.pk not in state.case_ids:
        raise CaseNotOpenError(_("ce cas ne fait pas partie de la séance"))
    current = state.current_position()
    if current is not None and state.case_ids.index(case.pk) > current:
        raise CaseNotOpenError(_("les cas se lisent dans l'ordre"))
    if session.available_from and timezone.now() < session.available_from:
        raise ReadingRuleError(_("cette séance ouvre après sa période de sevrage"))
    expected = state.step(case.pk)
    if expected != condition:
        if expected == FEEDBACK or condition in state.done.get(case.pk, set()):
            raise ReadingRuleError(
                _("cette lecture est déjà validée et ne peut plus être modifiée")
            )
        raise ReadingRuleError(
            _("la lecture %(step)s de ce cas vient d'abord") % {"step": Condition(expected).label}
        )
    prediction = ai_suggestion(session, case, state) if condition == Condition.AIDED else None
    opening = _OPENING.first(session_id=session.pk, case_id=case.pk, condition=condition)
    try:
        read = _insert(
            session=session,
            learner_id=session.learner_id,
            case=case,
            condition=condition,
            rhythm=answer.rhythm,
            comment=answer.comment,
            client_time_ms=answer.client_time_ms,
            opened_at=opening[0] if opening else None,
            submission_key=key,
            ai_prediction=prediction,
            seen_truth_before=seen,
            **answer.fields(),
        )
    except IntegrityError:
        # A concurrent duplicate (double click reaching two workers) lost the race, or the key
        # belongs to a read of another session.
        twin = stored_twin()
        if twin is not None:
            return twin, False
        raise ReadingRuleError(
            _("cette lecture est déjà validée et ne peut plus être modifiée")
        ) from None
    state.done.setdefault(case.pk, set()).add(condition)
    if session.completed_at is None and state.current_position() is None:
        now = timezone.now()
        finished = ReadingSession.objects.filter(pk=session.pk, completed_at__isnull=True).update(
            completed_at=now
        )
        if finished:  # this request completed it (a concurrent twin does not announce it again)
            session.completed_at = now
            _announce_completed(session)
    return read, True


def _insert(**fields: Any) -> Read:
    """Store a read. In autocommit (a request) the INSERT is its own transaction, one round trip;
    inside a caller's transaction a savepoint keeps that transaction usable after a lost race."""
    if connection.in_atomic_block:
        with transaction.atomic():
            return Read.objects.create(**fields)
    return Read.objects.create(**fields)


#: Who wants to know that a session is complete: ``listener(session)`` each, after the commit. The
#: reading app knows none of the apps above it; they register here (the curriculum, in its
#: ``AppConfig.ready``, completes the programme activity the session belongs to).
_COMPLETION_LISTENERS: list[Callable[[ReadingSession], object]] = []


def on_session_completed(listener: Callable[[ReadingSession], object]) -> None:
    if listener not in _COMPLETION_LISTENERS:
        _COMPLETION_LISTENERS.append(listener)


def _announce_completed(session: ReadingSession) -> None:
    # Only sessions another app opened (they carry its return_url) have anyone to tell: a plain
    # practice session's last read stays within the reading path's query budget.
    if not session.return_url:
        return
    for listener in list(_COMPLETION_LISTENERS):
        transaction.on_commit(partial(listener, session))


@transaction.atomic
def lock_sessions(
    sessions: Iterable[ReadingSession] | QuerySet[ReadingSession], *, at: datetime
) -> int:
    """Freeze these sessions (a reader study was locked): :func:`commit_read` refuses any new read."""
    ids = [s.pk for s in sessions]
    return ReadingSession.objects.filter(pk__in=ids, locked_at__isnull=True).update(locked_at=at)


# --- periodic unaided re-reads ---------------------------------------------------------------------
#
# Invariants: a re-read session is unaided only (no AI is fixed, shown or stored) and hides the truth
# (``show_feedback`` False) until its last read is stored; then, and only then, its feedback opens.
# One session per learner, schedule and round (database constraint): asking twice opens nothing new.
# One schedule per cohort, case set, period and start (database constraint): scheduling the same
# thing twice (a form sent twice) returns the schedule already stored.
#
# Which rounds open: only the current one. A round the learner let pass without opening it (no visit
# while it was due) is not opened later: its date is gone, and a late read would sit on the
# schedule's clock under a date it was not read at. A round opened and left unfinished stays open
# (listed by ``selectors.due_rereads``) until it is finished, even once the next round is due.


#: The longest period between two rounds (the column is a small integer; beyond a year a "re-read"
#: no longer watches anything).
MAX_REREAD_PERIOD_DAYS = 366


class RereadScheduleError(ValueError):
    """A schedule that cannot be kept (no period, a case set without cases) (HTTP 400)."""


def schedule_rereads(
    cohort: Cohort,
    case_set: CaseSet,
    *,
    period_days: int,
    starts_on: date,
    created_by: User | None,
) -> RereadSchedule:
    """Schedule a cohort's unaided re-reads of ``case_set`` every ``period_days`` from ``starts_on``.

    Idempotent: the same cohort, set, period and start return the schedule already stored (also
    under a race, through the ``one_reread_schedule`` constraint).
    """
    if period_days < 1:
        raise RereadScheduleError(_("La période doit être d'au moins un jour."))
    if period_days > MAX_REREAD_PERIOD_DAYS:
        raise RereadScheduleError(
            _("La période ne peut dépasser %(n)d jours.") % {"n": MAX_REREAD_PERIOD_DAYS}
        )
    if not case_set.cases.exists():
        raise RereadScheduleError(_("La série de cas est vide."))
    same = {
        "cohort": cohort,
        "case_set": case_set,
        "period_days": period_days,
        "starts_on": starts_on,
    }
    existing = RereadSchedule.objects.filter(**same).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return RereadSchedule.objects.create(**same, created_by=created_by)
    except IntegrityError:  # the same form, sent twice at once: the other request stored it
        return RereadSchedule.objects.get(**same)


def reread_round(schedule: RereadSchedule, today: date) -> int | None:
    """The round due on ``today`` (0 from ``starts_on``), None before the schedule starts."""
    days = (today - schedule.starts_on).days
    return None if days < 0 else days // schedule.period_days


def reread_due_on(schedule: RereadSchedule, k: int) -> date:
    """The day round ``k`` of ``schedule`` is due (opens)."""
    return schedule.starts_on + timedelta(days=k * schedule.period_days)


@transaction.atomic
def open_due_rereads(learner: User, today: date) -> list[ReadingSession]:
    """Give ``learner`` the re-read session of the current round of each of their cohorts'
    schedules that they do not have yet; return the sessions opened now.

    Two queries whatever the number of schedules (the schedules, then the learner's existing
    (schedule, round) pairs among them), plus the writes of each session opened. Safe under
    concurrent calls (two dashboard loads at once): each opening runs in a savepoint, and the one
    that loses the ``one_reread_per_round`` race is rolled back (its session with it), not a 500.
    Only the current round opens (see the rule at the top of this section).
    """
    due: dict[int, tuple[RereadSchedule, int]] = {}
    for schedule in RereadSchedule.objects.filter(cohort__learners=learner).select_related(
        "case_set"
    ):
        k = reread_round(schedule, today)
        if k is not None:
            due[schedule.pk] = (schedule, k)
    if not due:
        return []
    have = set(
        Reread.objects.filter(
            learner=learner,
            schedule_id__in=list(due),
            round__in={k for _s, k in due.values()},
        ).values_list("schedule_id", "round")
    )
    opened = []
    for pk, (schedule, k) in due.items():
        if (pk, k) in have:
            continue
        try:
            with transaction.atomic():
                session = start_session(
                    learner,
                    schedule.case_set,
                    Mode.UNAIDED,
                    title=reread_title(schedule.case_set.name),
                    show_feedback=False,
                    return_url=reverse("reading:dashboard"),
                )
                Reread.objects.create(
                    schedule=schedule,
                    learner=learner,
                    round=k,
                    due_on=reread_due_on(schedule, k),
                    session=session,
                )
        except IntegrityError:  # another request opened this round meanwhile: it stands
            continue
        opened.append(session)
    return opened


def reread_title(case_set_name: str) -> str:
    """A re-read session's title, in the active language (stored in the opening learner's; the
    dashboard writes it again in the reader's)."""
    return _("Relecture sans IA : %(name)s") % {"name": case_set_name}


def reveal_finished_reread(session: ReadingSession) -> bool:
    """Once a re-read session's last read is stored, open its feedback (the truth). Registered as a
    completion listener by the reading app; True when a re-read was revealed."""
    return bool(
        ReadingSession.objects.filter(
            pk=session.pk, reread__isnull=False, completed_at__isnull=False
        ).update(show_feedback=True)
    )
