"""Quizzes: grading, submission (with its review), import and export (GIFT, Moodle XML)."""

from __future__ import annotations

import fnmatch
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from medtandem.apps.accounts.models import User
from medtandem.apps.audit.services import Action, record
from medtandem.apps.curriculum import quizformats
from medtandem.apps.curriculum.models import (
    Activity,
    Answer,
    Enrolment,
    Question,
    Quiz,
    QuizAttempt,
)
from medtandem.apps.curriculum.services.enrolment import complete_activity, require_unlocked
from medtandem.apps.curriculum.services.errors import CurriculumRuleError

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
        return (
            f"{answer.value:g} ± {answer.tolerance:g}" if answer.tolerance else f"{answer.value:g}"
        )
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
            matching = [
                a
                for a in answers
                if a.value is not None and abs(value - a.value) <= a.tolerance + 1e-9
            ]
            if matching:
                best = max(matching, key=lambda a: a.fraction)
                fraction = best.fraction
                feedback.append(best.feedback)
    else:
        given_text = _normalise(str(response or ""))
        if given_text:
            given.append(str(response).strip())
        matching = [
            a for a in answers if given_text and fnmatch.fnmatchcase(given_text, _normalise(a.text))
        ]
        if matching:
            best = max(matching, key=lambda a: a.fraction)
            fraction = best.fraction
            feedback.append(best.feedback)
    fraction = min(Decimal(1), max(Decimal(0), Decimal(fraction)))
    if fraction > Decimal("0.999"):  # 3 x 33.33333 % is a full answer
        fraction = Decimal(1)
    if question.general_feedback:
        feedback.append(question.general_feedback)
    return QuestionResult(
        question,
        fraction,
        [f for f in feedback if f],
        response,
        given,
        _expected(question, answers),
    )


@dataclass(frozen=True)
class QuizOutcome:
    attempt: QuizAttempt
    results: list[QuestionResult]


def submit_quiz(
    learner: User, activity: Activity, responses: dict[int, Any], *, at: datetime | None = None
) -> QuizOutcome:
    """Grade a quiz attempt; passing (score ≥ pass mark) completes a quiz activity. A page's check
    questions are graded the same way; passing them is one of the page's conditions (see
    :func:`mark_page_read`).

    ``responses`` maps question id to the response (see :func:`grade_question`).
    """
    quiz = activity.quiz
    if activity.kind not in (Activity.Kind.QUIZ, Activity.Kind.PAGE) or quiz is None:
        raise CurriculumRuleError(_("Cette activité n'est pas un quiz."))
    require_unlocked(learner, activity)
    at = at or timezone.now()
    with transaction.atomic():
        # Serialise a learner's attempts on this quiz so the attempt limit holds under double submits.
        Enrolment.objects.select_for_update().filter(
            programme_id=activity.module.programme_id, learner=learner
        ).first()
        used = QuizAttempt.objects.filter(learner=learner, quiz=quiz).count()
        if quiz.max_attempts is not None and used >= quiz.max_attempts:
            raise CurriculumRuleError(
                _("Nombre maximum de tentatives atteint (%d).") % quiz.max_attempts
            )
        questions = list(quiz.questions.prefetch_related("answers"))
        results = [grade_question(q, responses.get(q.pk)) for q in questions]
        total = sum((q.points for q in questions), Decimal(0))
        earned = sum((r.fraction * r.question.points for r in results), Decimal(0))
        score = (earned / total * 100).quantize(Decimal("0.01")) if total else Decimal(0)
        passed = score >= quiz.pass_mark
        attempt = QuizAttempt.objects.create(
            quiz=quiz,
            activity=activity,
            learner=learner,
            score=score,
            passed=passed,
            submitted_at=at,
            responses={str(r.question.pk): r.response for r in results},
        )
    if passed and activity.kind == Activity.Kind.QUIZ:
        complete_activity(learner, activity, score=int(score), at=at)
    return QuizOutcome(attempt, results)


FORMATS = ("gift", "moodle_xml")


@transaction.atomic
def import_questions(
    quiz: Quiz, content: str | bytes, fmt: str, *, replace: bool = False, by: User | None = None
) -> list[Question]:
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
    start = (
        quiz.questions.order_by("-position").values_list("position", flat=True).first() or 0
    ) + 1
    created = []
    for offset, pq in enumerate(parsed):
        question = Question.objects.create(
            quiz=quiz,
            position=start + offset,
            kind=pq.kind,
            name=pq.name[:200],
            text=pq.text,
            general_feedback=pq.general_feedback,
            points=pq.points,
        )
        Answer.objects.bulk_create(
            [
                Answer(
                    question=question,
                    position=i,
                    text=a.text[:500],
                    fraction=a.fraction,
                    feedback=a.feedback,
                    value=a.value,
                    tolerance=a.tolerance,
                )
                for i, a in enumerate(pq.answers)
            ]
        )
        created.append(question)
    record(
        Action.QUIZ_IMPORTED,
        actor=by,
        target=quiz,
        details={"format": fmt, "questions": len(created), "replace": replace},
    )
    return created


def export_questions(quiz: Quiz, fmt: str) -> str:
    questions = quiz.questions.prefetch_related("answers")
    if fmt == "gift":
        return quizformats.to_gift(questions)
    if fmt == "moodle_xml":
        return quizformats.to_moodle_xml(questions, category=quiz.title)
    raise ValueError(f"unknown format {fmt!r}; expected one of {FORMATS}")
