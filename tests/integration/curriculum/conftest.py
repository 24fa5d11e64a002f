"""Fixtures of the curriculum specifications: a small two-module programme, people, a case bank."""

from __future__ import annotations

from decimal import Decimal

import pytest

from medtandem.apps.accounts.models import Cohort, Institution, Role
from medtandem.apps.accounts.services import create_person
from medtandem.apps.curriculum import services
from medtandem.apps.curriculum.models import (
    Activity,
    Competency,
    Domain,
    Framework,
    Module,
    Programme,
    Quiz,
)

PASSWORD = "correct-horse-battery-staple"

QUIZ_GIFT = r"""
::Pseudonymisation::Un nom remplacé par un numéro, table de correspondance conservée \: les données sont {
  =pseudonymisées#Oui, encore personnelles.
  ~anonymisées#Non, la ré-identification reste possible.
}

::RGPD::Les données de santé sont sensibles au sens du RGPD.{TRUE}
"""


@pytest.fixture(autouse=True)
def _badge_key_in_tmp(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Each test signs with its own key generated under a temporary var dir."""
    settings.VAR_DIR = tmp_path


@pytest.fixture
def institution(db: None) -> Institution:
    return Institution.objects.create(name="Faculté de santé de Rennes", region="Bretagne")


@pytest.fixture
def learner(db: None, institution):  # type: ignore[no-untyped-def]
    return create_person(
        "camille",
        PASSWORD,
        [Role.LEARNER],
        institution=institution,
        first_name="Camille",
        last_name="Martin",
        email="camille@example.org",
        profession="nursing",
        study_year=2,
    )


@pytest.fixture
def other_learner(db: None):  # type: ignore[no-untyped-def]
    return create_person("yanis", PASSWORD, [Role.LEARNER], profession="medicine")


@pytest.fixture
def instructor(db: None, learner, institution):  # type: ignore[no-untyped-def]
    teacher = create_person("dr-lefevre", PASSWORD, [Role.INSTRUCTOR], institution=institution)
    cohort = Cohort.objects.create(name="IFSI promotion 2025")
    cohort.learners.add(learner)
    cohort.instructors.add(teacher)
    return teacher


@pytest.fixture
def administrator(db: None):  # type: ignore[no-untyped-def]
    return create_person("admin-dgos", PASSWORD, [Role.ADMINISTRATOR])


@pytest.fixture
def framework(db: None) -> Framework:
    framework = Framework.objects.create(slug="socle", name="Socle numérique en santé")
    data = Domain.objects.create(
        framework=framework, code="D1", name="Données de santé", hours=6, position=0
    )
    cyber = Domain.objects.create(
        framework=framework, code="D2", name="Cybersécurité en santé", hours=5, position=1
    )
    Competency.objects.create(
        domain=data, code="D1.1", name="Distinguer donnée anonymisée et pseudonymisée"
    )
    Competency.objects.create(domain=cyber, code="D2.1", name="Reconnaître un hameçonnage")
    return framework


@pytest.fixture
def programme(framework):  # type: ignore[no-untyped-def]
    """Module 1 (data: a page of 5 h and a quiz of 1 h), module 2 (cyber: a page of 5 h) after module 1."""
    programme = Programme.objects.create(
        slug="socle",
        title="Formation socle au numérique en santé",
        hours=Decimal(11),
        framework=framework,
        kind=Programme.Kind.CORE,
    )
    data, cyber = framework.domains.order_by("position")
    m1 = Module.objects.create(
        programme=programme, title="Données de santé", position=0, domain=data
    )
    m2 = Module.objects.create(programme=programme, title="Cybersécurité", position=1, domain=cyber)
    m2.prerequisites.add(m1)
    page = Activity.objects.create(
        module=m1,
        kind="page",
        title="Qu'est-ce qu'une donnée de santé ?",
        hours=5,
        body="## Définition\n\nUne donnée de santé est **sensible**.",
        position=0,
    )
    page.competencies.set(data.competencies.all())
    quiz = Quiz.objects.create(title="Quiz données", pass_mark=50, max_attempts=2)
    services.import_questions(quiz, QUIZ_GIFT, "gift")
    q = Activity.objects.create(
        module=m1, kind="quiz", title="Quiz données", hours=1, quiz=quiz, position=1
    )
    q.competencies.set(data.competencies.all())
    cyber_page = Activity.objects.create(
        module=m2,
        kind="page",
        title="Hygiène numérique",
        hours=5,
        body="Verrouillez votre session.",
        position=0,
    )
    cyber_page.competencies.set(cyber.competencies.all())
    return programme
