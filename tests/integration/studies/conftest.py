"""Fixtures for reader-study tests: a small case bank with cached AI predictions, people, a reading helper."""

from __future__ import annotations

import random
import uuid

import pytest

from medtandem.apps.accounts.services import create_person
from medtandem.apps.cases.models import AIPrediction, Case
from medtandem.apps.cases.services import build_case_set
from medtandem.apps.reading.services import cases_of, commit_read, parse_answer
from medtandem.ecg.ptbxl import SUPERCLASSES

MODEL = ("test-ecg-model", "1.0")


def make_cases(n: int = 12, seed: int = 3) -> list[Case]:
    rng = random.Random(seed)
    cases = []
    for i in range(n):
        mi = i % 2 == 0
        case = Case.objects.create(
            external_id=f"ptbxl:{i + 1:05d}",
            record_name=f"{i + 1:05d}_hr",
            age=50 + i,
            sex="M" if i % 3 else "F",
            mi=mi,
            norm=not mi,
            rhythm="sinus",
        )
        # The AI is right on about four cases out of five.
        right = rng.random() < 0.8
        p_mi = (0.8 if mi else 0.2) if right else (0.3 if mi else 0.7)
        AIPrediction.objects.create(
            case=case,
            model_name=MODEL[0],
            model_version=MODEL[1],
            probabilities={
                "NORM": 1 - p_mi,
                "MI": p_mi,
                "STTC": 0.1,
                "CD": 0.1,
                "HYP": 0.1,
                "AFIB": 0.05,
            },
        )
        cases.append(case)
    return cases


@pytest.fixture
def cases(db):
    return make_cases()


@pytest.fixture
def case_set(cases):
    return build_case_set("Série d'étude", case_ids=[c.pk for c in cases])


@pytest.fixture
def investigator(db):
    return create_person("inv", "pw-inv-123", ["investigator"], profession="medicine")


@pytest.fixture
def make_reader(db):
    counter = iter(range(1000))

    def make(years: int = 3, **profile):
        k = next(counter)
        return create_person(
            f"reader{k}",
            "pw-reader-123",
            ["learner"],
            profession="medicine",
            years_experience=years,
            prior_ecg_training=bool(k % 2),
            **profile,
        )

    return make


def answer_for(case: Case, rating_mi: int) -> dict:
    data = {f"rating_{s.lower()}": 10 for s in SUPERCLASSES}
    data["rating_mi"] = rating_mi
    data["rating_norm"] = 100 - rating_mi
    data["rhythm"] = "sinus"
    data["client_time_ms"] = 30000
    return data


def read_session(session, rate=lambda case, condition: 80 if case.mi else 20):
    """Commit every read of a reading session in its order, through the reading app's rules."""
    for case in cases_of(session):
        for condition in session.steps:
            commit_read(
                session,
                case,
                condition,
                parse_answer(answer_for(case, rate(case, condition))),
                uuid.uuid4(),
            )
    session.refresh_from_db()
    return session


@pytest.fixture
def read():
    return read_session
