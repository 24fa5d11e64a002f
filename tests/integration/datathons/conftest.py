"""A small datathon world built through the services: a bank of PTB-XL cases, a challenge, two teams."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pytest
from django.utils import timezone

from medtandem.apps.accounts.models import Role, User
from medtandem.apps.accounts.services import create_person
from medtandem.apps.cases.services import import_demo_bank
from medtandem.apps.datathons import selectors, services
from medtandem.apps.datathons.models import Challenge, ChallengeCase, Team
from medtandem.csvsafe import write_csv


@dataclass
class DatathonWorld:
    challenge: Challenge
    team: Team
    other_team: Team
    member: User
    other_member: User
    organiser: User
    now: datetime


def make_challenge(
    organiser: User,
    *,
    phase: str = "development",
    n: int = 30,
    task: str = "abnormal",
    **extra: object,
) -> Challenge:
    """A challenge whose open phase at the current time is ``phase`` (or none: ``closed``).
    Tries seeds until the final phase holds two cases of each class of every output."""
    now = timezone.now()
    starts = {
        "development": (now - timedelta(days=1), now + timedelta(days=5), now + timedelta(days=9)),
        "final": (now - timedelta(days=9), now - timedelta(days=1), now + timedelta(days=5)),
        "closed": (now - timedelta(days=9), now - timedelta(days=5), now - timedelta(days=1)),
    }[phase]
    for seed in range(50):
        try:
            return services.create_challenge(
                title=f"Défi {phase} {seed}",
                task=task,
                n_development=n,
                n_final=n,
                development_opens=starts[0],
                final_opens=starts[1],
                final_closes=starts[2],
                organiser=organiser,
                seed=seed,
                **extra,  # type: ignore[arg-type]
            )
        except services.DatathonError as exc:
            if "deux cas de chaque classe" not in str(exc):
                raise
    raise AssertionError("no seed gives a usable final phase")


def predictions_csv(challenge: Challenge, phase: str, *, noise: float, seed: int = 0) -> str:
    """Predictions that are the truth plus Gaussian noise (a better team has less noise)."""
    ids = selectors.public_ids(challenge, phase)
    truth = selectors.truth_matrix(challenge, phase, ids)
    # Public ids are random, so their order changes from run to run: the noise is drawn in the
    # order of the cases' PTB-XL ids instead, and every run scores the same predictions.
    records = dict(
        ChallengeCase.objects.filter(challenge=challenge, phase=phase).values_list(
            "public_id", "case__external_id"
        )
    )
    rank = np.argsort(np.argsort([records[i] for i in ids], kind="stable"), kind="stable")
    draws = np.random.default_rng(seed).normal(scale=noise, size=truth.shape)[rank]
    values = 1 / (1 + np.exp(-((2 * truth - 1) + draws)))
    outputs = selectors.outputs(challenge.task)
    return write_csv(
        [[i, *(round(float(v), 5) for v in row)] for i, row in zip(ids, values, strict=True)],
        ["id", *outputs],
    )


@pytest.fixture
def bank(db: None) -> None:
    import_demo_bank(limit=90)


@pytest.fixture
def organiser(db: None) -> User:
    return create_person("organisatrice", "pw-organisatrice-2026", [Role.ADMINISTRATOR])


def build_world(organiser: User, phase: str = "development", **extra: object) -> DatathonWorld:
    challenge = make_challenge(organiser, phase=phase, **extra)
    member = create_person("equipiere", "pw-equipiere-2026", [Role.LEARNER])
    other = create_person("autre-equipe", "pw-autre-2026", [Role.LEARNER])
    team = services.create_team(challenge, "Les Ondes", member)
    other_team = services.create_team(challenge, "Les Segments", other)
    return DatathonWorld(challenge, team, other_team, member, other, organiser, timezone.now())


@pytest.fixture
def world(bank: None, organiser: User) -> DatathonWorld:
    return build_world(organiser)


@pytest.fixture
def final_world(bank: None, organiser: User) -> DatathonWorld:
    return build_world(organiser, phase="final")
