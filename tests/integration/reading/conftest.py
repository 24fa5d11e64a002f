from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from medtandem.apps.accounts.models import Cohort, Role
from medtandem.apps.accounts.services import create_person
from medtandem.apps.cases.models import Case
from medtandem.apps.cases.services import build_case_set, import_demo_bank
from medtandem.apps.reading.services import start_session
from medtandem.ecg.ptbxl import SUPERCLASSES

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def bank(db: None) -> list[Case]:
    """Twelve real PTB-XL cases from the embedded bank."""
    import_demo_bank(limit=12)
    return list(Case.objects.order_by("external_id"))


@pytest.fixture
def learner(db: None):  # type: ignore[no-untyped-def]
    return create_person("camille", PASSWORD, [Role.LEARNER])


@pytest.fixture
def other_learner(db: None):  # type: ignore[no-untyped-def]
    return create_person("yanis", PASSWORD, [Role.LEARNER])


@pytest.fixture
def instructor(db: None, learner):  # type: ignore[no-untyped-def]
    teacher = create_person("dr-lefevre", PASSWORD, [Role.INSTRUCTOR])
    cohort = Cohort.objects.create(name="DFASM1")
    cohort.learners.add(learner)
    cohort.instructors.add(teacher)
    return teacher


@pytest.fixture
def case_set(bank, instructor):  # type: ignore[no-untyped-def]
    return build_case_set("Trois ECG", created_by=instructor, case_ids=[c.pk for c in bank[:3]])


@pytest.fixture
def practice(learner, case_set):  # type: ignore[no-untyped-def]
    return start_session(learner, case_set, "practice", title="Pratique")


@pytest.fixture
def learner_client(client, learner):  # type: ignore[no-untyped-def]
    client.force_login(learner)
    return client


def answer(
    condition: str, key: str, superclasses=("NORM",), rhythm: str = "sinus", conf: int = 70
) -> dict:  # type: ignore[no-untyped-def]
    """A read form's fields: ``conf`` for the superclasses called present, ``100 - conf`` for the others."""
    data = {
        "condition": condition,
        "submission_key": key,
        "rhythm": rhythm,
        "client_time_ms": "12000",
    }
    for name in ("norm", "mi", "sttc", "cd", "hyp"):
        data[f"rating_{name}"] = str(conf if name.upper() in superclasses else 100 - conf)
    return data


def unaided_read(client, session, position: int, right: bool) -> None:  # type: ignore[no-untyped-def]
    """Post an unaided read of the case at ``position``: every superclass right, or every one wrong."""
    case = list(session.case_set.ordered_cases())[position]
    truth = tuple(s for s in SUPERCLASSES if getattr(case, s.lower()))
    called = truth if right else tuple(s for s in SUPERCLASSES if s not in truth)
    r = client.post(
        reverse("reading:submit", args=[session.pk, position]),
        answer("unaided", str(uuid.uuid4()), called),
        HTTP_ACCEPT="application/json",
    )
    assert r.status_code == 201, r.content
