"""The hybrid rule: AI-assisted reading opens only once the competency is shown without AI."""

from __future__ import annotations

import uuid

import pytest

from medtandem.apps.accounts.models import Role
from medtandem.apps.accounts.services import create_person
from medtandem.apps.cases.models import Case
from medtandem.apps.cases.services import build_case_set, import_demo_bank
from medtandem.apps.curriculum import demo, selectors, services
from medtandem.apps.curriculum.models import Activity, Completion
from medtandem.apps.reading.services import ReadAnswer, commit_read

pytestmark = pytest.mark.django_db


@pytest.fixture
def case_set(db):  # type: ignore[no-untyped-def]
    import_demo_bank(limit=4)
    return build_case_set(
        "Quatre ECG",
        case_ids=list(Case.objects.order_by("external_id").values_list("pk", flat=True)),
    )


@pytest.fixture
def ai_programme(case_set):  # type: ignore[no-untyped-def]
    return demo.load_ai_programme(case_set)


@pytest.fixture
def ready_learner(ai_programme):  # type: ignore[no-untyped-def]
    """Enrolled, with the introductory module (the prerequisite) done."""
    from .curriculum_helpers import read_page, right_answers

    learner = create_person("lea", None, [Role.LEARNER])
    services.enrol(learner, ai_programme)
    intro = ai_programme.modules.get(position=0)
    for a in intro.activities.all():
        if a.kind == "page":
            read_page(learner, a)
        else:
            services.submit_quiz(learner, a, right_answers(a.quiz))
    return learner


def _read_all_unaided(session, correct: int) -> None:  # type: ignore[no-untyped-def]
    """Read every case unaided; the first ``correct`` reads match the truth, the others do not."""
    from medtandem.apps.reading.services import cases_of

    for i, case in enumerate(cases_of(session)):
        truth = set(case.superclasses)
        chosen = truth if i < correct else ({"MI"} if truth != {"MI"} else {"NORM"})
        answer = ReadAnswer(
            {s: 90 if s in chosen else 10 for s in ("NORM", "MI", "STTC", "CD", "HYP")}, "sinus"
        )
        commit_read(session, case, "unaided", answer, uuid.uuid4())


def _activities(programme):  # type: ignore[no-untyped-def]
    unaided = Activity.objects.get(module__programme=programme, reading_mode="unaided")
    aided = Activity.objects.get(module__programme=programme, reading_mode="practice")
    return unaided, aided


def test_the_ai_assisted_reading_is_locked_before_the_unaided_reading(ai_programme, ready_learner):
    _unaided, aided = _activities(ai_programme)
    assert "Règle hybride" in selectors.lock_reason(ready_learner, aided)
    with pytest.raises(services.CurriculumRuleError, match="Règle hybride"):
        services.start_reading(ready_learner, aided)


def test_an_unaided_reading_below_the_pass_level_keeps_the_ai_locked(ai_programme, ready_learner):
    unaided, aided = _activities(ai_programme)
    session = services.start_reading(ready_learner, unaided)
    assert session.mode == "unaided"
    _read_all_unaided(session, correct=2)  # 50 % < 60 %
    assert services.sync_reading(ready_learner, unaided) is None
    assert selectors.lock_reason(ready_learner, aided) is not None


def test_an_unaided_reading_at_the_pass_level_completes_and_opens_the_ai(
    ai_programme, ready_learner
):
    unaided, aided = _activities(ai_programme)
    session = services.start_reading(ready_learner, unaided)
    _read_all_unaided(session, correct=3)  # 75 % >= 60 %
    completion = services.sync_reading(ready_learner, unaided)
    assert completion is not None and completion.score == 75
    assert selectors.lock_reason(ready_learner, aided) is None


def test_reading_the_same_activity_again_reuses_the_session(ai_programme, ready_learner):
    unaided, _aided = _activities(ai_programme)
    assert services.start_reading(ready_learner, unaided) == services.start_reading(
        ready_learner, unaided
    )


def test_without_a_case_set_the_reading_activities_exist_but_are_not_required(db):
    programme = demo.load_ai_programme(None)
    unaided, aided = _activities(programme)
    assert unaided.case_set is None and not unaided.is_required and not aided.is_required
    assert not Completion.objects.exists()


def test_starting_a_reading_from_its_page_opens_the_reading_session(
    client, ai_programme, ready_learner
):
    from django.urls import reverse

    unaided, aided = _activities(ai_programme)
    client.force_login(ready_learner)
    response = client.post(reverse("curriculum:reading_start", args=[unaided.pk]))
    session = selectors.reading_session_of(ready_learner, unaided)
    assert response.status_code == 302 and response["Location"] == reverse(
        "reading:session", args=[session.pk]
    )
    page = client.get(reverse("curriculum:activity", args=[aided.pk])).content.decode()
    assert "Règle hybride" in page
