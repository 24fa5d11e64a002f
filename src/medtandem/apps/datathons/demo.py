"""Demo datathons, marked as simulated: one closed (both leaderboards public) with simulated teams,
one open in its development phase for the demo's learner to join.

Simulated teams submit through :func:`services.submit`, the path every team takes (validation,
scoring, limits). Their predictions are *simulated*: the truth plus noise of a chosen size (a team
"skill"), except one team that submits the cached suggestions of the model in service and links
its submission to that model's registry entry.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
from django.utils import timezone

from medtandem.apps.accounts.models import User
from medtandem.apps.accounts.services import create_people_in_bulk
from medtandem.apps.cases.selectors import prediction_for
from medtandem.apps.cases.services import current_model
from medtandem.apps.datathons import selectors, services
from medtandem.apps.datathons.models import Challenge, Phase, Team
from medtandem.apps.observatory.selectors import version_of
from medtandem.csvsafe import write_csv

CLOSED_TITLE = "Datathon ECG de démonstration : cinq superclasses (simulé)"
OPEN_TITLE = "Datathon ECG ouvert : normal ou anormal (démonstration)"

#: (team name, noise of its simulated predictions, declared parameters, declared mJ per inference)
SIMULATED_TEAMS = (
    ("Équipe Sinus (simulée)", 0.8, 1_200_000, 45.0),
    ("Équipe Onde P (simulée)", 1.4, 85_000, 3.2),
    ("Équipe QRS (simulée)", 2.2, 9_000, 0.4),
)


def _csv(ids: list[str], outputs: tuple[str, ...], values: np.ndarray) -> str:
    return write_csv(
        [[i, *(round(float(v), 4) for v in row)] for i, row in zip(ids, values, strict=True)],
        ["id", *outputs],
    )


def _simulated(truth: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    latent = (2 * truth - 1) + rng.normal(scale=noise, size=truth.shape)
    return np.asarray(1 / (1 + np.exp(-latent)))


def _model_predictions(challenge: Challenge, phase: str, ids: list[str]) -> np.ndarray | None:
    model = current_model()
    links = {
        c.public_id: c.case for c in selectors.phase_cases(challenge, phase).select_related("case")
    }
    rows = []
    for i in ids:
        prediction = prediction_for(links[i], model.name, model.version)
        if prediction is None:
            return None
        # A suggestion the model refused (input quality) has no probabilities: 0.5, no information.
        p = {key: float(v) for key, v in prediction.probabilities.items()}
        if challenge.task == "superclasses":
            rows.append([p.get(o, 0.5) for o in selectors.SUPERCLASS_OUTPUTS])
        else:
            rows.append([1 - p.get("NORM", 0.5)])
    return np.array(rows)


def _members(prefix: str, n: int) -> list[User]:
    existing = list(User.objects.filter(username__startswith=prefix).order_by("username"))
    if len(existing) >= n:
        return existing[:n]
    return create_people_in_bulk(
        [
            {
                "username": f"{prefix}{k:02d}",
                "first_name": "Participant",
                "last_name": f"simulé {k}",
                "is_simulated": True,
            }
            for k in range(1, n + 1)
        ]
    )


def load_demo() -> str:
    now = timezone.now()
    if not Challenge.objects.filter(title=CLOSED_TITLE).exists():
        closed = services.create_challenge(
            title=CLOSED_TITLE,
            summary="Datathon de démonstration : équipes et soumissions simulées. Prédire les cinq "
            "superclasses PTB-XL de chaque ECG ; métrique : AUC macro.",
            task="superclasses",
            n_development=120,
            n_final=120,
            development_opens=now - timedelta(days=40),
            final_opens=now - timedelta(days=10),
            final_closes=now - timedelta(days=3),
            organiser=User.objects.filter(username="admin").first(),
            seed=2026,
            is_simulated=True,
        )
        rng = np.random.default_rng(2026)
        people = _members("datathon-sim-", 2 * (len(SIMULATED_TEAMS) + 1))
        outputs = selectors.outputs(closed.task)
        teams: list[tuple[Team, User, float | None, int | None, float | None]] = []
        for k, (name, noise, params, energy) in enumerate(SIMULATED_TEAMS):
            team = services.create_team(closed, name, people[2 * k], is_simulated=True)
            team.members.add(people[2 * k + 1])
            teams.append((team, people[2 * k], noise, params, energy))
        model_team = services.create_team(
            closed, "Équipe MedTandem (modèle en service, simulée)", people[-2], is_simulated=True
        )
        teams.append((model_team, people[-2], None, None, None))
        for phase, at in (
            (Phase.DEVELOPMENT, now - timedelta(days=20)),
            (Phase.FINAL, now - timedelta(days=5)),
        ):
            ids = selectors.public_ids(closed, phase)
            truth = selectors.truth_matrix(closed, phase, ids)
            for team, member, team_noise, team_params, team_energy in teams:
                if team_noise is None:
                    values = _model_predictions(closed, phase, ids)
                    if values is None:
                        continue
                    declared = services.Declared(
                        "Suggestions en cache du modèle en service, 0,5 où il refuse le tracé (PTB-XL public : évaluation non indépendante)"
                    )
                else:
                    values = _simulated(truth, team_noise, rng)
                    declared = services.Declared(
                        "Prédictions simulées (vérité bruitée)", team_params, team_energy
                    )
                submission = services.submit(
                    team, member, _csv(ids, outputs, values), declared=declared, now=at
                )
                if team_noise is None:
                    model = current_model()
                    version = version_of(model.name, model.version)
                    if version is not None and version.published:
                        services.link_to_registry(submission, version, by=member)
    if not Challenge.objects.filter(title=OPEN_TITLE).exists():
        services.create_challenge(
            title=OPEN_TITLE,
            summary="Datathon de démonstration ouvert : formez une équipe, téléchargez les cas de "
            "développement (WFDB + CSV avec la vérité) et soumettez vos prédictions.",
            task="abnormal",
            n_development=80,
            n_final=80,
            development_opens=now - timedelta(days=1),
            final_opens=now + timedelta(days=30),
            final_closes=now + timedelta(days=37),
            organiser=User.objects.filter(username="admin").first(),
            seed=7,
            is_simulated=True,
        )
    return f"datathons: {Challenge.objects.count()} (simulated teams in '{CLOSED_TITLE}')"
