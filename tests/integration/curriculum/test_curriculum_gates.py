"""A reading gate teaches instead of locking out: a failed unaided reading says what to practise and
opens new attempts on cases the learner never saw, within an attempt limit and a waiting time."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse

from medtandem.apps.accounts.models import Cohort, Institution, Role
from medtandem.apps.accounts.services import create_person
from medtandem.apps.cases.models import Case
from medtandem.apps.cases.services import build_case_set, import_demo_bank
from medtandem.apps.curriculum import demo, selectors, services
from medtandem.apps.curriculum.models import Activity, Completion, ReadingLink
from medtandem.apps.reading.services import ReadAnswer, cases_of, commit_read, start_session

from .curriculum_helpers import read_page, right_answers

pytestmark = pytest.mark.django_db


def _bank(n: int) -> list[int]:
    import_demo_bank(limit=n)
    return list(Case.objects.order_by("external_id").values_list("pk", flat=True))


def _programme(bank: list[int], *, set_size: int = 4, **gate):  # type: ignore[no-untyped-def]
    programme = demo.load_ai_programme(build_case_set("Série du module", case_ids=bank[:set_size]))
    Activity.objects.filter(module__programme=programme, reading_mode="unaided").update(**gate)
    return programme


def _ready(programme, username: str = "lea", institution=None):  # type: ignore[no-untyped-def]
    learner = create_person(username, None, [Role.LEARNER], institution=institution)
    services.enrol(learner, programme)
    for a in programme.modules.get(position=0).activities.all():
        if a.kind == "page":
            read_page(learner, a)
        else:
            services.submit_quiz(learner, a, right_answers(a.quiz))
    return learner


def _gate(programme) -> Activity:  # type: ignore[no-untyped-def]
    return Activity.objects.select_related("module__programme", "case_set").get(
        module__programme=programme, reading_mode="unaided"
    )


def _aided(programme) -> Activity:  # type: ignore[no-untyped-def]
    return Activity.objects.get(module__programme=programme, reading_mode="practice")


def _read(session, correct: int) -> None:  # type: ignore[no-untyped-def]
    """Read every case unaided: the first ``correct`` match the truth, the others claim MI (or NORM)."""
    for i, case in enumerate(cases_of(session)):
        truth = set(case.superclasses)
        chosen = truth if i < correct else ({"MI"} if truth != {"MI"} else {"NORM"})
        commit_read(
            session,
            case,
            "unaided",
            ReadAnswer(
                {s: 90 if s in chosen else 10 for s in ("NORM", "MI", "STTC", "CD", "HYP")}, "sinus"
            ),
            uuid.uuid4(),
        )
    session.refresh_from_db()


def _case_ids(session) -> set[int]:  # type: ignore[no-untyped-def]
    return set(session.case_set.cases.values_list("pk", flat=True))


def test_a_failed_gate_opens_a_second_attempt_on_unseen_cases_that_passes_and_opens_the_ai():
    programme = _programme(_bank(12), retry_wait_hours=24, max_attempts=3)
    learner, gate = _ready(programme), _gate(programme)
    first = services.start_reading(learner, gate)
    _read(first, correct=1)  # 25 % < 60 %
    assert services.sync_reading(learner, gate) is None
    state = selectors.gate_state(learner, gate, now=first.completed_at + timedelta(hours=25))
    assert state.failed and state.can_retry and state.attempts_left == 2
    assert state.missed and state.missed[0].errors >= 1

    second = services.start_new_attempt(learner, gate, now=first.completed_at + timedelta(hours=25))
    assert second != first and selectors.reading_session_of(learner, gate) == second
    assert len(_case_ids(second)) == 4 and not _case_ids(second) & _case_ids(first)
    assert ReadingLink.objects.get(session=second).attempt == 2
    _read(second, correct=4)
    completion = services.sync_reading(learner, gate)
    assert completion is not None and completion.score == 100
    assert selectors.lock_reason(learner, _aided(programme)) is None
    assert [a.passed for a in selectors.attempts_of(learner, gate)] == [False, True]


def test_a_new_attempt_waits_the_hours_set_on_the_activity():
    programme = _programme(_bank(12), retry_wait_hours=24)
    learner, gate = _ready(programme), _gate(programme)
    first = services.start_reading(learner, gate)
    _read(first, correct=0)
    with pytest.raises(services.CurriculumRuleError, match=r"dans 23 h 00 min"):
        services.start_new_attempt(learner, gate, now=first.completed_at + timedelta(hours=1))
    assert ReadingLink.objects.filter(learner=learner).count() == 1
    assert services.start_new_attempt(learner, gate, now=first.completed_at + timedelta(hours=24))


def test_no_attempt_beyond_the_limit_set_on_the_activity():
    programme = _programme(_bank(16), retry_wait_hours=0, max_attempts=2)
    learner, gate = _ready(programme), _gate(programme)
    _read(services.start_reading(learner, gate), correct=0)
    second = services.start_new_attempt(learner, gate)
    _read(second, correct=1)
    state = selectors.gate_state(learner, gate)
    assert state.failed and not state.can_retry and state.attempts_left == 0
    with pytest.raises(services.CurriculumRuleError, match="Nombre maximum de tentatives atteint"):
        services.start_new_attempt(learner, gate)


def test_no_new_attempt_when_the_bank_has_too_few_unseen_cases():
    programme = _programme(_bank(6), retry_wait_hours=0)
    learner, gate = _ready(programme), _gate(programme)
    _read(services.start_reading(learner, gate), correct=0)
    state = selectors.gate_state(learner, gate)
    assert state.refusal and "2 disponibles, 4 nécessaires" in state.refusal
    with pytest.raises(services.CurriculumRuleError, match="Plus assez d'ECG"):
        services.start_new_attempt(learner, gate)


def test_a_passed_or_open_gate_offers_no_new_attempt():
    programme = _programme(_bank(12), retry_wait_hours=0)
    learner, gate = _ready(programme), _gate(programme)
    services.start_reading(learner, gate)
    with pytest.raises(services.CurriculumRuleError, match="seulement après une tentative"):
        services.start_new_attempt(learner, gate)


def test_the_first_attempt_replaces_the_cases_already_seen_with_their_truth():
    bank = _bank(10)
    programme = _programme(bank)
    learner, gate = _ready(programme), _gate(programme)
    practice = start_session(learner, build_case_set("Entraînement", case_ids=[bank[0]]), "unaided")
    _read(practice, correct=1)  # unaided mode with feedback: the truth of bank[0] is shown
    session = services.start_reading(learner, gate)
    link = ReadingLink.objects.get(session=session)
    assert link.replaced_seen == 1 and session.case_set != gate.case_set
    assert bank[0] not in _case_ids(session) and set(bank[1:4]) <= _case_ids(session)
    assert len(_case_ids(session)) == 4


def test_a_learner_who_saw_nothing_reads_the_activity_case_set():
    programme = _programme(_bank(6))
    learner, gate = _ready(programme), _gate(programme)
    session = services.start_reading(learner, gate)
    assert (
        session.case_set == gate.case_set
        and ReadingLink.objects.get(session=session).replaced_seen == 0
    )


def test_the_page_of_a_failed_gate_gives_the_score_the_level_what_to_practise_and_a_new_attempt(
    client,
):
    programme = _programme(_bank(12), retry_wait_hours=0)
    learner, gate = _ready(programme), _gate(programme)
    _read(services.start_reading(learner, gate), correct=1)
    client.force_login(learner)
    page = client.get(reverse("curriculum:activity", args=[gate.pk])).content.decode()
    assert "Niveau requis non atteint" in page and "25 %" in page and "60 %" in page
    assert (
        "À travailler en priorité" in page
        and reverse("curriculum:programme", args=[programme.slug]) in page
    )
    assert "Nouvelle tentative" in page
    response = client.post(reverse("curriculum:reading_retry", args=[gate.pk]))
    second = selectors.reading_session_of(learner, gate)
    assert response.status_code == 302 and response["Location"] == reverse(
        "reading:session", args=[second.pk]
    )


def test_the_page_says_when_the_next_attempt_opens(client):
    programme = _programme(_bank(12), retry_wait_hours=48)
    learner, gate = _ready(programme), _gate(programme)
    _read(services.start_reading(learner, gate), correct=0)
    client.force_login(learner)
    page = client.get(reverse("curriculum:activity", args=[gate.pk])).content.decode()
    assert (
        "Prochaine tentative possible dans 4" in page and "Nouvelle tentative</button>" not in page
    )


def test_the_instructor_sees_every_attempt_of_their_learners_only(client):
    programme = _programme(_bank(12), retry_wait_hours=0)
    rennes, brest = (
        Institution.objects.create(name="Rennes"),
        Institution.objects.create(name="Brest"),
    )
    learner, outsider, gate = (
        _ready(programme, institution=rennes),
        _ready(programme, "noe", brest),
        _gate(programme),
    )
    _read(services.start_reading(learner, gate), correct=1)
    _read(services.start_new_attempt(learner, gate), correct=4)
    _read(services.start_reading(outsider, gate), correct=0)
    teacher = create_person("dr-rennes", None, [Role.INSTRUCTOR], institution=rennes)
    Cohort.objects.create(name="Rennes 2026", institution=rennes).instructors.add(teacher)
    rows = selectors.reading_attempts_for_staff(teacher, gate)
    assert [r.learner for r in rows] == [learner]
    assert [(a.number, a.score, a.passed) for a in rows[0].attempts] == [
        (1, 25, False),
        (2, 100, True),
    ]
    client.force_login(teacher)
    page = client.get(reverse("curriculum:reading_attempts", args=[gate.pk])).content.decode()
    assert "25 %" in page and "100 %" in page and "noe" not in page
    for case in cases_of(selectors.reading_session_of(learner, gate)):
        assert case.external_id in page


def test_a_programme_session_leads_back_to_its_activity(client):
    programme = _programme(_bank(6))
    learner, gate = _ready(programme), _gate(programme)
    session = services.start_reading(learner, gate)
    back = reverse("curriculum:activity", args=[gate.pk])
    assert session.return_url == back
    client.force_login(learner)
    cases = cases_of(session)
    for case in cases:
        commit_read(
            session,
            case,
            "unaided",
            ReadAnswer({s: 10 for s in ("NORM", "MI", "STTC", "CD", "HYP")}, "sinus"),
            uuid.uuid4(),
        )
    last = client.get(reverse("reading:case", args=[session.pk, len(cases) - 1])).content.decode()
    assert f'href="{back}" id="back-to-activity"' in last
    overview = client.get(reverse("reading:session", args=[session.pk])).content.decode()
    assert f'href="{back}" id="back-to-activity"' in overview
    other = start_session(
        learner, build_case_set("Libre", case_ids=[Case.objects.first().pk]), "unaided"
    )
    assert other.return_url == ""
    with pytest.raises(ValueError, match="path on this site"):
        start_session(learner, other.case_set, "unaided", return_url="//evil.example/")


def test_a_passed_gate_completes_its_activity_when_the_session_ends_without_a_page_view(
    django_capture_on_commit_callbacks,
):
    programme = _programme(_bank(6))
    learner, gate = _ready(programme), _gate(programme)
    session = services.start_reading(learner, gate)
    with django_capture_on_commit_callbacks(execute=True):
        _read(session, correct=4)
    completion = Completion.objects.get(learner=learner, activity=gate)  # pushed by the reading app
    assert completion.score == 100 and completion.completed_at == session.completed_at
