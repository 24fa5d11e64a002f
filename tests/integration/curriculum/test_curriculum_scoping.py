"""Institution scoping: an instructor sees and changes only their institution's curriculum objects."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from medtandem.apps.accounts.models import Cohort, Institution, Role
from medtandem.apps.accounts.services import create_person
from medtandem.apps.curriculum import selectors, services
from medtandem.apps.curriculum.models import Quiz

from .conftest import PASSWORD, QUIZ_GIFT

pytestmark = pytest.mark.django_db

OTHER_GIFT = "::Autre::Une question de Brest.{TRUE}"


@pytest.fixture
def brest(db):  # type: ignore[no-untyped-def]
    return Institution.objects.create(name="Faculté de médecine de Brest", region="Bretagne")


@pytest.fixture
def brest_learner(brest):  # type: ignore[no-untyped-def]
    return create_person(
        "maelys",
        PASSWORD,
        [Role.LEARNER],
        institution=brest,
        first_name="Maëlys",
        last_name="Le Goff",
    )


@pytest.fixture
def brest_instructor(brest, brest_learner):  # type: ignore[no-untyped-def]
    teacher = create_person("dr-kerjean", PASSWORD, [Role.INSTRUCTOR], institution=brest)
    cohort = Cohort.objects.create(name="Brest DFGSM2", institution=brest)
    cohort.learners.add(brest_learner)
    cohort.instructors.add(teacher)
    return teacher


@pytest.fixture
def brest_quiz(brest):  # type: ignore[no-untyped-def]
    quiz = Quiz.objects.create(title="Quiz de Brest", owner_institution=brest)
    services.import_questions(quiz, OTHER_GIFT, "gift")
    return quiz


def _enrolled(programme, *learners) -> None:  # type: ignore[no-untyped-def]
    for learner in learners:
        services.enrol(learner, programme)


def test_an_instructor_sees_only_the_enrolments_of_their_institution_and_cohorts(
    client, programme, learner, instructor, brest_learner, brest_instructor
):
    _enrolled(programme, learner, brest_learner)
    client.force_login(instructor)
    page = client.get(
        reverse("curriculum:manage_enrolments", args=[programme.slug])
    ).content.decode()
    assert "Camille" in page and "Maëlys" not in page and "maelys" not in page
    assert [e.learner for e in selectors.enrolments_visible_to(brest_instructor, programme)] == [
        brest_learner
    ]


def test_an_administrator_sees_every_enrolment(
    client, programme, learner, brest_learner, administrator
):
    _enrolled(programme, learner, brest_learner)
    client.force_login(administrator)
    page = client.get(
        reverse("curriculum:manage_enrolments", args=[programme.slug])
    ).content.decode()
    assert "Camille" in page and "Maëlys" in page


def test_an_instructor_cannot_replace_or_export_another_institutions_quiz(
    client, instructor, brest_quiz
):
    client.force_login(instructor)
    import_url = reverse("curriculum:quiz_import", args=[brest_quiz.pk])
    assert client.get(import_url).status_code == 404
    upload = SimpleUploadedFile("q.gift", QUIZ_GIFT.encode())
    assert (
        client.post(import_url, {"format": "gift", "file": upload, "replace": "on"}).status_code
        == 404
    )
    assert list(brest_quiz.questions.values_list("name", flat=True)) == ["Autre"]
    assert client.get(reverse("curriculum:quiz_export", args=[brest_quiz.pk])).status_code == 404
    # same answer as a quiz that does not exist: no existence leak
    assert client.get(reverse("curriculum:quiz_import", args=[999_999])).status_code == 404


def test_a_shared_quiz_is_exported_by_all_but_changed_only_by_its_owner(
    client, instructor, brest_instructor, brest_quiz
):
    brest_quiz.shared = True
    brest_quiz.save()
    client.force_login(instructor)
    assert client.get(reverse("curriculum:quiz_export", args=[brest_quiz.pk])).status_code == 200
    assert client.get(reverse("curriculum:quiz_import", args=[brest_quiz.pk])).status_code == 404
    client.force_login(brest_instructor)
    assert client.get(reverse("curriculum:quiz_import", args=[brest_quiz.pk])).status_code == 200


def test_a_quiz_without_owner_is_for_administrators_only(instructor, administrator):
    quiz = Quiz.objects.create(title="Sans propriétaire")
    assert selectors.quiz_for_staff(instructor, quiz.pk, change=False) is None
    assert selectors.quiz_for_staff(administrator, quiz.pk, change=True) == quiz


def test_an_administrator_replaces_and_exports_any_quiz(client, administrator, brest_quiz):
    client.force_login(administrator)
    upload = SimpleUploadedFile("q.gift", QUIZ_GIFT.encode())
    response = client.post(
        reverse("curriculum:quiz_import", args=[brest_quiz.pk]),
        {"format": "gift", "file": upload, "replace": "on"},
    )
    assert response.status_code == 302 and brest_quiz.questions.count() == 2
    export = client.get(reverse("curriculum:quiz_export", args=[brest_quiz.pk]))
    assert export.status_code == 200 and b"Pseudonymisation" in export.content


def test_a_learner_cannot_reach_the_quiz_pages(client, learner, brest_quiz):
    client.force_login(learner)
    assert client.get(reverse("curriculum:quiz_export", args=[brest_quiz.pk])).status_code in (
        302,
        403,
    )
