"""Helpers shared by the curriculum specifications (import them relatively: ``from .curriculum_helpers import ...``)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from medtandem.apps.curriculum import selectors, services
from medtandem.apps.curriculum.models import Activity, Completion, Programme, Quiz


def activity(programme: Programme, title: str) -> Activity:
    return Activity.objects.get(module__programme=programme, title=title)


def right_answers(quiz: Quiz) -> dict[int, object]:
    """The responses that earn full marks."""
    responses: dict[int, object] = {}
    for question in quiz.questions.prefetch_related("answers"):
        best = [a for a in question.answers.all() if a.fraction > 0]
        if question.kind == "multiple":
            responses[question.pk] = [str(a.pk) for a in best]
        elif question.kind == "numeric":
            responses[question.pk] = str(best[0].value)
        elif question.kind == "short":
            responses[question.pk] = best[0].text
        else:
            responses[question.pk] = str(max(best, key=lambda a: a.fraction).pk)
    return responses


def read_page(learner, page: Activity) -> Completion:  # type: ignore[no-untyped-def]
    """The page was opened just over its reading-time floor ago (time moved by ``at``); validate it now."""
    services.record_visit(
        learner, page, at=timezone.now() - selectors.page_time_floor(page) - timedelta(seconds=1)
    )
    return services.mark_page_read(learner, page)


def complete_programme(learner, programme) -> None:  # type: ignore[no-untyped-def]
    services.enrol(learner, programme)
    for module in programme.modules.order_by("position"):
        for a in module.activities.order_by("position"):
            if a.kind == "page":
                read_page(learner, a)
            elif a.kind == "quiz":
                services.submit_quiz(learner, a, right_answers(a.quiz))
