"""Write-side rules of the curriculum: enrolment, completion, quizzes, attestations, national figures.

Every rule is a plain function taking explicit arguments; views only parse input and call them.

Invariants (see docs/curriculum.md):
- A page credits its hours only once the server has measured enough reading time since it first
  served the page to the learner (:func:`selectors.page_time_floor`), and its check questions, when
  it has some, are passed: :func:`mark_page_read` refuses earlier, saying how long remains.
- A reading gate (unaided reading with a pass level) may be attempted again after a failure, at
  most ``Activity.max_attempts`` times, ``Activity.retry_wait_hours`` apart, each attempt on cases
  the learner never saw with their truth nor read in an earlier attempt; one row per attempt
  (``ReadingLink``, unique per activity, learner and attempt number), the newest being current.
- An attestation is issued only when every required activity is completed and every domain quiz is
  passed; it freezes the evidence of its hours and is recorded on the audit trail, as is its
  revocation, every CSV enrolment import and every quiz import.
"""

from __future__ import annotations

import csv
import fnmatch
import io
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.db.models.functions import ExtractYear
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from medtandem.apps.accounts.models import Institution, Profession, Role, User
from medtandem.apps.accounts.selectors import has_role, learners_of_instructor
from medtandem.apps.accounts.services import create_person
from medtandem.apps.audit.services import Action, record
from medtandem.apps.cases.selectors import filter_cases
from medtandem.apps.cases.services import build_case_set
from medtandem.apps.curriculum import badges, quizformats, selectors
from medtandem.apps.curriculum.models import (
    Activity,
    ActivityVisit,
    Answer,
    Attendance,
    Attestation,
    Completion,
    DelayStat,
    Enrolment,
    NationalStat,
    Programme,
    Question,
    Quiz,
    QuizAttempt,
    ReadingLink,
)
from medtandem.apps.reading import selectors as reading_selectors
from medtandem.apps.reading import services as reading
from medtandem.apps.reading.models import ReadingSession


class CurriculumRuleError(Exception):
    """A request breaks a rule of the curriculum (closed enrolment, locked activity, no attempts left)."""


class CsvImportError(ValueError):
    """A CSV upload is refused; ``errors`` lists (line number, message); nothing was imported."""

    def __init__(self, errors: list[tuple[int, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"ligne {n} : {m}" for n, m in errors))


# --- enrolment ------------------------------------------------------------------------------


def enrol(
    learner: User,
    programme: Programme,
    *,
    by: User | None = None,
    source: str = Enrolment.Source.SELF,
    at: datetime | None = None,
) -> Enrolment:
    """Enrol a learner (idempotent: enrolling twice returns the first enrolment).

    Self-enrolment needs a published programme open to it; an instructor may enrol only the
    learners of their cohorts (administrators: anyone).
    """
    if source == Enrolment.Source.SELF:
        if not (programme.is_published and programme.self_enrolment):
            raise CurriculumRuleError(_("Ce programme n'est pas ouvert à l'auto-inscription."))
    elif (by is not None and not has_role(by, Role.ADMINISTRATOR)
          and not learners_of_instructor(by).filter(pk=learner.pk).exists()):
        raise CurriculumRuleError(_("Cette personne n'est pas dans vos cohortes."))
    enrolment, _created = Enrolment.objects.get_or_create(
        programme=programme, learner=learner,
        defaults={"enrolled_at": at or timezone.now(), "enrolled_by": by, "source": source},
    )
    return enrolment


CSV_COLUMNS = ("username", "first_name", "last_name", "email", "profession", "practice_status",
               "study_year", "institution")


@transaction.atomic
def enrol_from_csv(programme: Programme, content: str, *, by: User | None) -> list[Enrolment]:
    """Enrol every row of a CSV (``username`` required; unknown usernames are created as learners
    with the profile columns given). All or nothing: any bad row raises :class:`CsvImportError`
    listing every bad line, and nothing is written."""
    reader = csv.DictReader(io.StringIO(content.lstrip("\ufeff")), delimiter=_sniff_delimiter(content))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if "username" not in header:
        raise CsvImportError([(1, _("colonne « username » absente (colonnes : %s)") % ", ".join(CSV_COLUMNS))])
    unknown = sorted(set(header) - set(CSV_COLUMNS))
    if unknown:
        raise CsvImportError([(1, _("colonnes inconnues : %s") % ", ".join(unknown))])
    institutions = {i.name.lower(): i for i in Institution.objects.all()}
    errors: list[tuple[int, str]] = []
    planned: list[tuple[int, str, dict[str, Any]]] = []
    seen: set[str] = set()
    for row in reader:
        line = reader.line_num
        row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
        username = row.get("username", "")
        if not username:
            errors.append((line, _("identifiant vide")))
            continue
        if username in seen:
            errors.append((line, _("identifiant « %s » en double") % username))
            continue
        seen.add(username)
        profile: dict[str, Any] = {}
        for key in ("first_name", "last_name", "email"):
            if row.get(key):
                profile[key] = row[key]
        if row.get("profession"):
            if row["profession"] not in Profession.values:
                errors.append((line, _("profession « %(p)s » inconnue (attendu : %(v)s)")
                               % {"p": row["profession"], "v": ", ".join(Profession.values)}))
                continue
            profile["profession"] = row["profession"]
        if row.get("practice_status"):
            if row["practice_status"] not in User.PracticeStatus.values:
                errors.append((line, _("statut « %s » inconnu") % row["practice_status"]))
                continue
            profile["practice_status"] = row["practice_status"]
        if row.get("study_year"):
            if not row["study_year"].isdigit() or not 1 <= int(row["study_year"]) <= 12:
                errors.append((line, _("année d'études « %s » invalide (1 à 12)") % row["study_year"]))
                continue
            profile["study_year"] = int(row["study_year"])
        if row.get("institution"):
            institution = institutions.get(row["institution"].lower())
            if institution is None:
                errors.append((line, _("établissement « %s » inconnu") % row["institution"]))
                continue
            profile["institution"] = institution
        planned.append((line, username, profile))
    if errors:
        raise CsvImportError(errors)
    if not planned:
        raise CsvImportError([(1, _("aucune ligne à importer"))])
    existing = {u.username: u for u in User.objects.filter(username__in=[u for _l, u, _p in planned])}
    enrolments = []
    created = 0
    for _line, username, profile in planned:
        learner = existing.get(username)
        if learner is None:
            institution = profile.pop("institution", None)
            learner = create_person(username, None, [Role.LEARNER], institution=institution, **profile)
            created += 1
        enrolments.append(enrol(learner, programme, by=by, source=Enrolment.Source.CSV))
    record(Action.ENROLMENTS_IMPORTED, actor=by, target=programme,
           details={"rows": len(planned), "people_created": created, "programme": programme.slug})
    return enrolments


def _sniff_delimiter(content: str) -> str:
    first = content.lstrip("\ufeff").split("\n", 1)[0]
    return ";" if first.count(";") > first.count(",") else ","


# --- completion -----------------------------------------------------------------------------


def complete_activity(
    learner: User, activity: Activity, *, score: int | None = None, at: datetime | None = None
) -> Completion:
    """Record that a learner completed an activity, then complete the programme when it is done.

    Refuses locked activities (not enrolled, prerequisites, hybrid rule). Idempotent.
    """
    reason = selectors.lock_reason(learner, activity)
    if reason:
        raise CurriculumRuleError(reason)
    programme_id = activity.module.programme_id
    with transaction.atomic():
        completion, created = Completion.objects.get_or_create(
            learner=learner, activity=activity,
            defaults={"programme_id": programme_id, "completed_at": at or timezone.now(), "score": score},
        )
        if created:
            enrolment = Enrolment.objects.select_for_update().get(programme_id=programme_id, learner=learner)
            complete_programme_if_done(enrolment, at=completion.completed_at)
    return completion


def complete_programme_if_done(enrolment: Enrolment, *, at: datetime | None = None) -> Attestation | None:
    """When every required activity of the programme is completed, close the enrolment and issue
    the attestation. Returns the attestation (new or existing) or None."""
    if enrolment.completed_at is not None:
        return Attestation.objects.filter(enrolment=enrolment).first()
    required = Activity.objects.filter(module__programme_id=enrolment.programme_id, is_required=True)
    missing = required.exclude(
        Exists(Completion.objects.filter(learner_id=enrolment.learner_id, activity=OuterRef("pk")))
    )
    if not required.exists() or missing.exists():
        return None
    if selectors.missing_quizzes(enrolment.learner_id, enrolment.programme_id):
        return None
    at = at or timezone.now()
    enrolment.completed_at = at
    enrolment.duration_days = max(0, (at - enrolment.enrolled_at).days)
    enrolment.save(update_fields=["completed_at", "duration_days"])
    return issue_attestation(enrolment)


def record_visit(learner: User, activity: Activity, *, at: datetime | None = None) -> ActivityVisit | None:
    """Stamp that the server served a page activity to an enrolled learner who may open it (the
    first stamp starts the reading time; later ones only count views). None when not recorded."""
    if activity.kind != Activity.Kind.PAGE or not getattr(learner, "is_authenticated", False):
        return None
    if selectors.lock_reason(learner, activity):
        return None
    at = at or timezone.now()
    visit, created = ActivityVisit.objects.get_or_create(
        learner=learner, activity=activity, defaults={"first_served_at": at, "last_served_at": at})
    if not created:
        ActivityVisit.objects.filter(pk=visit.pk).update(last_served_at=at, views=F("views") + 1)
    return visit


def mark_page_read(learner: User, activity: Activity, *, now: datetime | None = None) -> Completion:
    """Complete a page ("J'ai lu cette page") on evidence: the server served it at least
    :func:`selectors.page_time_floor` ago and its check questions, if any, are passed."""
    if activity.kind != Activity.Kind.PAGE:
        raise CurriculumRuleError(_("Seule une page de contenu se valide par lecture."))
    reason = selectors.lock_reason(learner, activity)
    if reason:
        raise CurriculumRuleError(reason)
    if Completion.objects.filter(learner=learner, activity=activity).exists():
        return Completion.objects.get(learner=learner, activity=activity)
    now = now or timezone.now()
    remaining = selectors.page_time_remaining(learner, activity, now=now)
    floor = selectors.format_duration(selectors.page_time_floor(activity))
    if remaining is None:
        raise CurriculumRuleError(_("Ouvrez d'abord la page : son temps de lecture se mesure à partir de là."))
    if remaining:
        raise CurriculumRuleError(
            _("Encore %(left)s de lecture avant de pouvoir valider cette page : elle crédite %(h)s h, "
              "ce qui demande au moins %(floor)s passées sur la page, mesurées par le serveur depuis "
              "votre première ouverture.") % {"left": selectors.format_duration(remaining),
                                                "h": selectors.format_hours(activity.hours),
                                                "floor": floor})
    if not selectors.check_questions_passed(learner, activity):
        raise CurriculumRuleError(_("Répondez d'abord aux questions de vérification de cette page."))
    return complete_activity(learner, activity, at=now)


@transaction.atomic
def record_attendance(activity: Activity, learners: list[User], *, by: User) -> int:
    """Mark learners present at an event; each presence completes the activity. Returns how many."""
    if activity.kind != Activity.Kind.EVENT:
        raise CurriculumRuleError(_("La présence ne se note que pour un événement."))
    if not has_role(by, Role.ADMINISTRATOR):
        allowed = set(learners_of_instructor(by).filter(pk__in=[u.pk for u in learners]).values_list("pk", flat=True))
        outsiders = [u.username for u in learners if u.pk not in allowed]
        if outsiders:
            raise CurriculumRuleError(_("Hors de vos cohortes : %s") % ", ".join(outsiders))
    count = 0
    for learner in learners:
        Attendance.objects.get_or_create(activity=activity, learner=learner, defaults={"recorded_by": by})
        complete_activity(learner, activity)
        count += 1
    return count


# --- ECG reading activities -----------------------------------------------------------------


def _attempt_seed(activity: Activity, learner: User, number: int) -> int:
    return (activity.pk * 1_000_003 + learner.pk * 7919 + number) % (2**31)


def _attempt_name(activity: Activity, learner: User, number: int) -> str:
    return f"{activity.title} — apprenant·e #{learner.pk} — tentative {number}"[:200]


def _first_gate_case_set(learner: User, activity: Activity) -> tuple[Any, int]:
    """The activity's case set, or — when the learner already saw some of its cases with their truth —
    a personal one where each such case is replaced by an unseen case drawn from the same criteria."""
    base_ids = list(activity.case_set.ordered_cases().values_list("pk", flat=True))
    seen = reading_selectors.cases_seen_with_truth([learner])
    replaced = [pk for pk in base_ids if pk in seen]
    if not replaced:
        return activity.case_set, 0
    pool = sorted(filter_cases(**selectors.case_set_criteria(activity.case_set))
                  .exclude(pk__in=seen | set(base_ids)).values_list("pk", flat=True))
    if len(pool) < len(replaced):
        raise CurriculumRuleError(
            _("Vous avez déjà vu %(n)d ECG de cette série avec leur correction et la banque n'en a pas "
              "assez d'autres pour les remplacer (%(a)d disponibles). Contactez votre enseignant·e.")
            % {"n": len(replaced), "a": len(pool)})
    rng = random.Random(_attempt_seed(activity, learner, 1))
    fresh = iter(rng.sample(pool, len(replaced)))
    case_ids = [next(fresh) if pk in seen else pk for pk in base_ids]
    case_set = build_case_set(
        _attempt_name(activity, learner, 1), created_by=learner, case_ids=case_ids,
        description=f"{len(replaced)} case(s) of '{activity.case_set.name}' seen with truth, replaced",
    )
    return case_set, len(replaced)


def _open_attempt(learner: User, activity: Activity, number: int, now: datetime) -> ReadingSession:
    replaced = 0
    if number == 1 and activity.is_gate:
        case_set, replaced = _first_gate_case_set(learner, activity)
    elif number == 1:
        case_set = activity.case_set
    else:
        pool = selectors.attempt_pool(learner, activity)
        if not pool.enough:
            raise CurriculumRuleError(_("Plus assez d'ECG que vous n'avez jamais vus pour une nouvelle tentative : "
                                        "%(a)d disponibles, %(n)d nécessaires. Contactez votre enseignant·e.")
                                      % {"a": pool.available, "n": pool.needed})
        case_set = build_case_set(_attempt_name(activity, learner, number), created_by=learner,
                                  sample_size=pool.needed, seed=_attempt_seed(activity, learner, number),
                                  exclude_case_ids=pool.excluded, **pool.criteria)
    label = _("tentative %d") % number
    title = activity.title if number == 1 else f"{activity.title} ({label})"
    session = reading.start_session(learner, case_set, activity.reading_mode or "practice", title=title,
                                    return_url=reverse("curriculum:activity", args=[activity.pk]))
    ReadingLink.objects.create(activity=activity, learner=learner, session=session, attempt=number,
                               started_at=now, replaced_seen=replaced)
    return session


def _lock_learner(learner: User, activity: Activity) -> None:
    """Serialise a learner's attempts at an activity (the enrolment row is the lock)."""
    Enrolment.objects.select_for_update().filter(programme_id=activity.module.programme_id,
                                                 learner=learner).first()


def start_reading(learner: User, activity: Activity, *, now: datetime | None = None) -> ReadingSession:
    """The session of the learner's current attempt, opening the first attempt on first use.

    For a gate, the first attempt leaves out the cases the learner already saw with their truth
    (a personal case set; ``ReadingLink.replaced_seen`` says how many were replaced)."""
    if activity.kind != Activity.Kind.READING or activity.case_set_id is None:
        raise CurriculumRuleError(_("Cette activité n'a pas encore de série d'ECG."))
    reason = selectors.lock_reason(learner, activity)
    if reason:
        raise CurriculumRuleError(reason)
    link = selectors.current_link(learner, activity)
    if link is not None:
        return link.session
    with transaction.atomic():
        _lock_learner(learner, activity)
        link = selectors.current_link(learner, activity)
        if link is not None:
            return link.session
        return _open_attempt(learner, activity, 1, now or timezone.now())


def start_new_attempt(learner: User, activity: Activity, *, now: datetime | None = None) -> ReadingSession:
    """Open the next attempt at a failed reading gate (rules: :func:`selectors.gate_state`)."""
    if not activity.is_gate or activity.case_set_id is None:
        raise CurriculumRuleError(_("Seule une lecture sans IA avec un niveau requis se retente."))
    reason = selectors.lock_reason(learner, activity)
    if reason:
        raise CurriculumRuleError(reason)
    now = now or timezone.now()
    with transaction.atomic():
        _lock_learner(learner, activity)
        state = selectors.gate_state(learner, activity, now=now)
        if not state.failed:
            raise CurriculumRuleError(_("Une nouvelle tentative s'ouvre seulement après une tentative "
                                        "terminée sous le niveau requis."))
        if state.refusal:
            raise CurriculumRuleError(state.refusal)
        return _open_attempt(learner, activity, len(state.attempts) + 1, now)


def sync_reading(learner: User, activity: Activity) -> Completion | None:
    """Complete a reading activity once its current attempt's session is complete and, when a pass
    level is set, the unaided accuracy reaches it. Safe to call at any time (idempotent)."""
    link = selectors.current_link(learner, activity)
    if link is None or link.session.completed_at is None:
        return None
    score = selectors.unaided_accuracy(link.session)
    if activity.pass_level is not None and (score is None or score < activity.pass_level):
        return None
    if selectors.lock_reason(learner, activity):
        return None
    return complete_activity(learner, activity, score=score, at=link.session.completed_at)


# --- quizzes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuestionResult:
    """One graded response, with what the review shows: the learner's answer (``given``), the
    expected answer(s) (``expected``) and the feedback."""

    question: Question
    fraction: Decimal
    feedback: list[str]
    response: Any
    given: list[str] = field(default_factory=list)
    expected: list[str] = field(default_factory=list)

    @property
    def correct(self) -> bool:
        return self.fraction >= 1


def _normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _answer_label(question: Question, answer: Answer) -> str:
    if question.kind == Question.Kind.TRUE_FALSE:
        return _("Vrai") if answer.text == "true" else _("Faux")
    if question.kind == Question.Kind.NUMERIC and answer.value is not None:
        return f"{answer.value:g} ± {answer.tolerance:g}" if answer.tolerance else f"{answer.value:g}"
    return answer.text


def _expected(question: Question, answers: list[Answer]) -> list[str]:
    """The answers that earn the most: every positive answer of a multiple-choice question, else
    the best-scoring ones."""
    positive = [a for a in answers if a.fraction > 0]
    if question.kind != Question.Kind.MULTIPLE and positive:
        top = max(a.fraction for a in positive)
        positive = [a for a in positive if a.fraction == top]
    return [_answer_label(question, a) for a in positive]


def grade_question(question: Question, response: Any) -> QuestionResult:
    """Score one response (0 to 1 of the question's points) and collect the feedback to show.

    single/truefalse: an answer id; multiple: a list of answer ids (fractions added, then clipped
    to 0..1, Moodle's rule); numeric: a number (the best answer whose value ± tolerance contains it);
    short: text, compared case- and space-insensitively, ``*`` as a wildcard (Moodle's rule).
    """
    answers = list(question.answers.all())
    feedback: list[str] = []
    given: list[str] = []
    fraction = Decimal(0)
    if question.kind in (Question.Kind.SINGLE, Question.Kind.TRUE_FALSE):
        chosen = next((a for a in answers if str(a.pk) == str(response)), None)
        if chosen is not None:
            fraction = chosen.fraction
            feedback.append(chosen.feedback)
            given.append(_answer_label(question, chosen))
    elif question.kind == Question.Kind.MULTIPLE:
        ids = {str(r) for r in (response or [])}
        for a in answers:
            if str(a.pk) in ids:
                fraction += a.fraction
                feedback.append(a.feedback)
                given.append(_answer_label(question, a))
    elif question.kind == Question.Kind.NUMERIC:
        try:
            value = float(str(response).replace(",", ".").strip())
        except ValueError:
            value = None
        if str(response or "").strip():
            given.append(str(response).strip())
        if value is not None:
            matching = [a for a in answers if a.value is not None and abs(value - a.value) <= a.tolerance + 1e-9]
            if matching:
                best = max(matching, key=lambda a: a.fraction)
                fraction = best.fraction
                feedback.append(best.feedback)
    else:
        given_text = _normalise(str(response or ""))
        if given_text:
            given.append(str(response).strip())
        matching = [a for a in answers if given_text and fnmatch.fnmatchcase(given_text, _normalise(a.text))]
        if matching:
            best = max(matching, key=lambda a: a.fraction)
            fraction = best.fraction
            feedback.append(best.feedback)
    fraction = min(Decimal(1), max(Decimal(0), Decimal(fraction)))
    if fraction > Decimal("0.999"):  # 3 x 33.33333 % is a full answer
        fraction = Decimal(1)
    if question.general_feedback:
        feedback.append(question.general_feedback)
    return QuestionResult(question, fraction, [f for f in feedback if f], response, given,
                          _expected(question, answers))


@dataclass(frozen=True)
class QuizOutcome:
    attempt: QuizAttempt
    results: list[QuestionResult]


def submit_quiz(learner: User, activity: Activity, responses: dict[int, Any], *,
                at: datetime | None = None) -> QuizOutcome:
    """Grade a quiz attempt; passing (score ≥ pass mark) completes a quiz activity. A page's check
    questions are graded the same way; passing them is one of the page's conditions (see
    :func:`mark_page_read`).

    ``responses`` maps question id to the response (see :func:`grade_question`).
    """
    quiz = activity.quiz
    if activity.kind not in (Activity.Kind.QUIZ, Activity.Kind.PAGE) or quiz is None:
        raise CurriculumRuleError(_("Cette activité n'est pas un quiz."))
    reason = selectors.lock_reason(learner, activity)
    if reason:
        raise CurriculumRuleError(reason)
    at = at or timezone.now()
    with transaction.atomic():
        # Serialise a learner's attempts on this quiz so the attempt limit holds under double submits.
        Enrolment.objects.select_for_update().filter(programme_id=activity.module.programme_id,
                                                     learner=learner).first()
        used = QuizAttempt.objects.filter(learner=learner, quiz=quiz).count()
        if quiz.max_attempts is not None and used >= quiz.max_attempts:
            raise CurriculumRuleError(_("Nombre maximum de tentatives atteint (%d).") % quiz.max_attempts)
        questions = list(quiz.questions.prefetch_related("answers"))
        results = [grade_question(q, responses.get(q.pk)) for q in questions]
        total = sum((q.points for q in questions), Decimal(0))
        earned = sum((r.fraction * r.question.points for r in results), Decimal(0))
        score = (earned / total * 100).quantize(Decimal("0.01")) if total else Decimal(0)
        passed = score >= quiz.pass_mark
        attempt = QuizAttempt.objects.create(
            quiz=quiz, activity=activity, learner=learner, score=score, passed=passed, submitted_at=at,
            responses={str(r.question.pk): r.response for r in results},
        )
    if passed and activity.kind == Activity.Kind.QUIZ:
        complete_activity(learner, activity, score=int(score), at=at)
    return QuizOutcome(attempt, results)


FORMATS = ("gift", "moodle_xml")


@transaction.atomic
def import_questions(quiz: Quiz, content: str | bytes, fmt: str, *, replace: bool = False,
                     by: User | None = None) -> list[Question]:
    """Import GIFT or Moodle XML into a quiz, all or nothing.

    Raises :class:`~medtandem.apps.curriculum.quizformats.QuizFormatError` naming the bad question;
    nothing is written then.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {FORMATS}")
    if fmt == "gift":
        text = content.decode("utf-8-sig") if isinstance(content, bytes) else content
        parsed = quizformats.parse_gift(text)
    else:
        parsed = quizformats.parse_moodle_xml(content)
    if replace:
        quiz.questions.all().delete()
    start = (quiz.questions.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    created = []
    for offset, pq in enumerate(parsed):
        question = Question.objects.create(
            quiz=quiz, position=start + offset, kind=pq.kind, name=pq.name[:200], text=pq.text,
            general_feedback=pq.general_feedback, points=pq.points,
        )
        Answer.objects.bulk_create([
            Answer(question=question, position=i, text=a.text[:500], fraction=a.fraction, feedback=a.feedback,
                   value=a.value, tolerance=a.tolerance)
            for i, a in enumerate(pq.answers)
        ])
        created.append(question)
    record(Action.QUIZ_IMPORTED, actor=by, target=quiz,
           details={"format": fmt, "questions": len(created), "replace": replace})
    return created


def export_questions(quiz: Quiz, fmt: str) -> str:
    questions = quiz.questions.prefetch_related("answers")
    if fmt == "gift":
        return quizformats.to_gift(questions)
    if fmt == "moodle_xml":
        return quizformats.to_moodle_xml(questions, category=quiz.title)
    raise ValueError(f"unknown format {fmt!r}; expected one of {FORMATS}")


# --- attestations ---------------------------------------------------------------------------


def issue_attestation(enrolment: Enrolment, *, by: User | None = None) -> Attestation:
    """The attestation of a completed enrolment (created once; the code never changes), with the
    evidence of its hours frozen in it (:func:`selectors.evidence_of`) and an audit entry."""
    if enrolment.completed_at is None:
        raise CurriculumRuleError(_("Le programme n'est pas terminé."))
    existing = Attestation.objects.filter(enrolment=enrolment).first()
    if existing is not None:
        return existing
    learner, programme = enrolment.learner, enrolment.programme
    for _try in range(5):
        try:
            with transaction.atomic():
                attestation = Attestation.objects.create(
                    enrolment=enrolment, issued_at=enrolment.completed_at,
                    learner_name=learner.get_full_name() or learner.username,
                    programme_title=programme.title, hours=programme.hours,
                    evidence=selectors.evidence_of(enrolment),
                )
                record(Action.ATTESTATION_ISSUED, actor=by, target=attestation,
                       details={"code": attestation.code, "programme": programme.slug,
                                "learner_id": learner.pk, "hours": str(programme.hours)})
                return attestation
        except IntegrityError:  # code collision (1 in 32^12) or a concurrent issue
            existing = Attestation.objects.filter(enrolment=enrolment).first()
            if existing is not None:
                return existing
    raise RuntimeError("could not allocate an attestation code")


def revoke_attestation(attestation: Attestation, *, by: User | None = None, reason: str = "") -> None:
    """Revoke an attestation (once; revoking again changes nothing), on the audit trail."""
    if attestation.revoked_at is not None:
        return
    with transaction.atomic():
        attestation.revoked_at = timezone.now()
        attestation.save(update_fields=["revoked_at"])
        record(Action.ATTESTATION_REVOKED, actor=by, target=attestation,
               details={"code": attestation.code, "reason": reason})


def attestation_pdf(attestation: Attestation, *, verify_url: str, base_url: str | None = None) -> bytes:
    """The attestation as PDF (WeasyPrint), with its code and verification address."""
    from weasyprint import HTML

    html = attestation_html(attestation, verify_url=verify_url)
    return HTML(string=html, base_url=base_url).write_pdf()


def attestation_html(attestation: Attestation, *, verify_url: str) -> str:
    competencies = selectors.competencies_of_programme(attestation.enrolment.programme)
    return render_to_string("curriculum/attestation_pdf.html", {
        "attestation": attestation, "programme": attestation.enrolment.programme,
        "verify_url": verify_url, "competencies": competencies,
        "evidence_lines": selectors.evidence_lines(attestation.evidence),
    })


def open_badge(attestation: Attestation, *, issuer_url: str, verify_url: str) -> dict[str, Any]:
    """The attestation as an Open Badges 3.0 ``OpenBadgeCredential`` (unsigned JSON)."""
    programme = attestation.enrolment.programme
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2",
                     "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": verify_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer_url, "type": ["Profile"], "name": "MedTandem"},
        "validFrom": attestation.issued_at.isoformat(),
        "name": programme.title,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": attestation.learner_name,
            "achievement": {
                "id": f"{issuer_url}programmes/{programme.slug}",
                "type": ["Achievement"],
                "name": programme.title,
                "description": programme.summary or programme.title,
                "criteria": {"narrative": _("Toutes les activités obligatoires du programme validées.")},
                "achievementType": "Certificate",
                "creditsAvailable": float(programme.ects) if programme.ects else None,
                "humanCode": attestation.code,
            },
            "result": [{"type": ["Result"], "value": f"{attestation.hours} h"}],
        },
        "evidence": [{"type": ["Evidence"], "name": _("Preuve des heures"), "narrative": line}
                     for line in selectors.evidence_lines(attestation.evidence)],
    }


def signed_badge(attestation: Attestation, *, issuer_url: str, verify_url: str) -> str:
    credential = open_badge(attestation, issuer_url=issuer_url, verify_url=verify_url)
    return badges.sign_credential(credential, issuer=issuer_url, subject=attestation.code, jti=verify_url,
                                  nbf=int(attestation.issued_at.timestamp()))


# --- national figures -----------------------------------------------------------------------


def _insert_aggregate(model: Any, queryset: Any, columns: dict[str, str], constants: dict[str, Any]) -> int:
    """``INSERT INTO model (...) SELECT ... FROM (<queryset's SQL>)``: the aggregate never leaves the
    database. ``columns`` maps a model column to a column alias of the queryset (or to ``None`` for 0),
    ``constants`` gives fixed values."""
    from django.db import connection

    quote = connection.ops.quote_name
    sql, params = queryset.query.sql_with_params()
    targets, sources, values = [], [], []
    for column, alias in columns.items():
        targets.append(quote(column))
        sources.append(f"COALESCE(agg.{quote(alias)}, %s)" if alias else "%s")
        values.append({"profession": "", "region": "", "is_simulated": False}.get(column, 0))
        if alias and column in ("programme_id", "institution_id"):
            sources[-1] = f"agg.{quote(alias)}"
            values.pop()
    for column, value in constants.items():
        targets.append(quote(column))
        sources.append("%s")
        values.append(value)
    statement = (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(targets)}) "
                 f"SELECT {', '.join(sources)} FROM ({sql}) agg")
    with connection.cursor() as cursor:
        cursor.execute(statement, (*values, *params) if values else params)
        return cursor.rowcount


@transaction.atomic
def refresh_national_stats(*, now: datetime | None = None) -> int:
    """Rebuild the summary tables from enrolments with four ``INSERT … SELECT … GROUP BY``.

    :class:`NationalStat` gets one row per group and metric (enrolments started in a year; completions
    in a year; learners by the year of their first completion, ``programme`` null); the dashboard
    sums them. :class:`DelayStat` gets the histogram of days to complete. Returns the rows written.
    """
    now = now or timezone.now()
    group = {"programme_id": "programme_id", "profession": "learner__profession",
             "region": "learner__institution__region", "institution_id": "learner__institution_id",
             "is_simulated": "learner__is_simulated"}
    completed = Enrolment.objects.filter(completed_at__isnull=False).annotate(year=ExtractYear("completed_at"))
    started = (Enrolment.objects.annotate(year=ExtractYear("enrolled_at")).values("year", *group.values())
               .annotate(n=Count("id"), done=Count("id", filter=Q(completed_at__isnull=False))).order_by())
    per_programme = completed.values("year", *group.values()).annotate(n=Count("id")).order_by()
    earlier = Enrolment.objects.filter(learner_id=OuterRef("learner_id"), completed_at__lt=OuterRef("completed_at"))
    first = (completed.filter(~Exists(earlier)).values("year", *list(group.values())[1:])
             .annotate(n=Count("learner_id", distinct=True)).order_by())
    delays = (completed.values("year", "programme_id", "learner__is_simulated", "duration_days")
              .annotate(n=Count("id")).order_by())
    NationalStat.objects.all().delete()
    DelayStat.objects.all().delete()
    stamp = {"refreshed_at": now}
    rows = _insert_aggregate(NationalStat, started, {"year": "year", **group, "enrolled": "n",
                                                      "enrolled_completed": "done", "trained": ""}, stamp)
    rows += _insert_aggregate(NationalStat, per_programme, {"year": "year", **group, "enrolled": "",
                                                            "enrolled_completed": "", "trained": "n"}, stamp)
    no_programme = {k: v for k, v in group.items() if k != "programme_id"}
    rows += _insert_aggregate(NationalStat, first, {"year": "year", **no_programme, "enrolled": "",
                                                    "enrolled_completed": "", "trained": "n"}, stamp)
    _insert_aggregate(DelayStat, delays, {"year": "year", "programme_id": "programme_id",
                                          "is_simulated": "learner__is_simulated", "days": "duration_days",
                                          "count": "n"}, {})
    return rows
