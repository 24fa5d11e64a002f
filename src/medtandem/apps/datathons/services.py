"""Write-side rules of datathons: challenges, teams, submissions and their scores.

Invariants this module guarantees:

* A challenge's development and final cases are disjoint, drawn from the case bank with a stored
  seed, and each is known outside the server only by a random ``public_id``.
* A submission is a file of predictions, never code. It is accepted whole or refused whole: a
  refused file (too large, not UTF-8, wrong columns, an unknown or repeated case, a value that is
  not a probability, a missing case) writes nothing and does not count against the team's limit.
* Validation sees the phase's case ids, never their truth (:mod:`.predictions`): no error message
  depends on a label. The score is computed on the server and stored as aggregates only.
* The final phase accepts at most ``max_final_submissions`` per team; the per-team submission
  number and its unique constraint make two simultaneous uploads unable to exceed it.
* Creating a challenge, a submission and a link to the observatory's registry are on the audit trail.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from medtandem.ai.metrics import evaluate
from medtandem.apps.accounts.models import User
from medtandem.apps.audit.services import Action, record
from medtandem.apps.cases.models import Case
from medtandem.apps.datathons import selectors
from medtandem.apps.datathons.models import Challenge, ChallengeCase, Phase, Submission, Team
from medtandem.apps.datathons.predictions import PredictionFileError, parse_predictions
from medtandem.apps.observatory.models import ApplicationVersion
from medtandem.jsonsafe import clean
from medtandem.web.slugs import free_slug

#: Bootstrap resamples of the score's confidence interval (percentile bootstrap over cases).
N_BOOT = 1000


class DatathonError(Exception):
    """A rule refused the action; ``str(exc)`` is the message for the page (translated)."""


class SubmissionRefused(DatathonError):
    """The file was refused; ``errors`` lists every problem (nothing was stored)."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


# --- challenges -------------------------------------------------------------------------------------


def _public_ids(prefix: str, n: int, taken: set[str]) -> list[str]:
    out: list[str] = []
    while len(out) < n:
        candidate = f"{prefix}-{secrets.token_hex(4)}"
        if candidate not in taken:
            taken.add(candidate)
            out.append(candidate)
    return out


@transaction.atomic
def create_challenge(
    *,
    title: str,
    task: str,
    n_development: int,
    n_final: int,
    development_opens: datetime,
    final_opens: datetime,
    final_closes: datetime,
    organiser: User | None,
    metric: str = "macro_auc",
    summary: str = "",
    max_final_submissions: int = 3,
    max_team_size: int = 5,
    seed: int = 0,
    is_simulated: bool = False,
) -> Challenge:
    """Create a challenge on ``n_development + n_final`` cases of the bank, split at random (seeded).

    Refused (:class:`DatathonError`) when the dates are out of order, the bank is too small, or the
    final phase would lack two cases of each class of an output (its AUC needs both).
    """
    if not development_opens < final_opens < final_closes:
        raise DatathonError(
            _("Les dates doivent se suivre : développement, puis finale, puis clôture.")
        )
    if n_development < 4 or n_final < 4:
        raise DatathonError(_("Il faut au moins 4 cas par phase."))
    if max_final_submissions < 1:
        raise DatathonError(_("La finale doit accepter au moins une soumission."))
    # A case already in a challenge that has not closed is left out (its truth may be downloadable
    # there, or hidden there); a case whose truth any development phase published never enters a
    # final phase.
    busy = set(selectors.cases_in_unclosed_challenges(timezone.now()))
    published = set(selectors.cases_with_published_truth())
    pool = [
        pk
        for pk in Case.objects.filter(signal__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
        if pk not in busy
    ]
    rng = np.random.default_rng(seed)
    shuffled = [pool[i] for i in rng.permutation(len(pool))]
    final = [pk for pk in shuffled if pk not in published][:n_final]
    development = [pk for pk in shuffled if pk not in set(final)][:n_development]
    if len(final) < n_final or len(development) < n_development:
        raise DatathonError(
            _(
                "La banque ne compte pas assez de cas libres : %(f)d pour la finale, %(d)d pour le développement."
            )
            % {"f": len(final), "d": len(development)}
        )
    outputs = selectors.outputs(task)
    for label, chosen in ((_("la finale"), final), (_("le développement"), development)):
        truth = selectors.truth_rows(Case.objects.filter(pk__in=chosen), task)
        for k, output in enumerate(outputs):
            positives = sum(row[k] for row in truth.values())
            if positives < 2 or len(chosen) - positives < 2:
                raise DatathonError(
                    _(
                        "Il manque à %(phase)s deux cas de chaque classe pour %(o)s (son AUC et sa "
                        "comparaison en ont besoin) ; changez la graine ou la taille."
                    )
                    % {"phase": label, "o": output}
                )
    slug = free_slug(Challenge, title, max_length=40, fallback="datathon")
    challenge = Challenge.objects.create(
        slug=slug,
        title=title,
        summary=summary,
        task=task,
        metric=metric,
        development_opens=development_opens,
        final_opens=final_opens,
        final_closes=final_closes,
        max_final_submissions=max_final_submissions,
        max_team_size=max_team_size,
        seed=seed,
        is_simulated=is_simulated,
        organiser=organiser,
    )
    taken: set[str] = set()
    rows = [
        ChallengeCase(challenge=challenge, case_id=pk, phase=Phase.DEVELOPMENT, public_id=pid)
        for pk, pid in zip(development, _public_ids("D", len(development), taken), strict=True)
    ] + [
        ChallengeCase(challenge=challenge, case_id=pk, phase=Phase.FINAL, public_id=pid)
        for pk, pid in zip(final, _public_ids("F", len(final), taken), strict=True)
    ]
    ChallengeCase.objects.bulk_create(rows)
    record(
        Action.CHALLENGE_CREATED,
        actor=organiser,
        target=challenge,
        details={"task": task, "development": n_development, "final": n_final, "seed": seed},
    )
    return challenge


# --- teams ------------------------------------------------------------------------------------------


@transaction.atomic
def create_team(
    challenge: Challenge, name: str, founder: User, *, is_simulated: bool = False
) -> Team:
    """A team with its founder as first member; a person is in one team per challenge."""
    name = " ".join(name.split())[:80]
    if not name:
        raise DatathonError(_("Donnez un nom à l'équipe."))
    if selectors.team_of(challenge, founder) is not None:
        raise DatathonError(_("Vous êtes déjà dans une équipe de ce datathon."))
    if timezone.now() >= challenge.final_closes and not is_simulated:
        raise DatathonError(_("Ce datathon est clos."))
    if Team.objects.filter(challenge=challenge, name__iexact=name).exists():
        raise DatathonError(_("Une équipe porte déjà ce nom."))
    team = Team.objects.create(challenge=challenge, name=name, is_simulated=is_simulated)
    team.members.add(founder)
    return team


@transaction.atomic
def join_team(challenge: Challenge, code: str, user: User) -> Team:
    team = (
        Team.objects.select_for_update()
        .filter(challenge=challenge, invite_code=code.strip())
        .first()
    )
    if team is None:
        raise DatathonError(_("Code d'invitation inconnu pour ce datathon."))
    if selectors.team_of(challenge, user) is not None:
        raise DatathonError(_("Vous êtes déjà dans une équipe de ce datathon."))
    if team.members.count() >= challenge.max_team_size:
        raise DatathonError(_("Cette équipe est complète."))
    team.members.add(user)
    return team


# --- submissions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Declared:
    """What a team declares with a submission (frugality track); nothing of it is measured here."""

    method: str = ""
    model_parameters: int | None = None
    energy_mj: float | None = None


def score(
    truth: np.ndarray, probabilities: np.ndarray, outputs: tuple[str, ...], seed: int
) -> dict[str, Any]:
    """Aggregate scores of one submission (no per-case value): :func:`medtandem.ai.metrics.evaluate`."""
    ev = evaluate(truth, probabilities, outputs, n_boot=N_BOOT, seed=seed)
    return clean(
        {
            "n": ev.n,
            "macro_auc": ev.macro_auc,
            "macro_auc_ci": list(ev.macro_auc_ci),
            "auc": ev.auc,
            "brier": ev.brier_mean,
            "ece": ev.ece,
            "method": ev.method,
        }
    )


def submit(
    team: Team,
    user: User,
    text: str,
    *,
    declared: Declared = Declared(),
    now: datetime | None = None,
) -> Submission:
    """Validate, score and store one predictions file for the phase open at ``now``.

    ``text`` is the file already read within the upload limits (:func:`read_upload`). Raises
    :class:`SubmissionRefused` (the file) or :class:`DatathonError` (a rule); stores nothing then.
    """
    now = now or timezone.now()
    challenge = team.challenge
    if not team.members.filter(pk=user.pk).exists():
        raise DatathonError(_("Vous n'êtes pas membre de cette équipe."))
    phase = selectors.open_phase(challenge, now)
    if phase is None:
        raise DatathonError(_("Aucune phase n'est ouverte aux soumissions."))
    if declared.model_parameters is not None and declared.model_parameters < 0:
        raise DatathonError(_("La taille du modèle ne peut pas être négative."))
    if declared.energy_mj is not None and not (0 <= declared.energy_mj < 1e12):
        raise DatathonError(_("L'énergie par inférence doit être un nombre positif."))
    ids = selectors.public_ids(challenge, phase)
    outputs = selectors.outputs(challenge.task)
    try:
        probabilities = parse_predictions(
            text, ids=ids, outputs=outputs, phase_label=str(Phase(phase).label)
        )
    except PredictionFileError as exc:
        raise SubmissionRefused(exc.errors) from None
    truth = selectors.truth_matrix(challenge, phase, ids)
    scores = score(truth, probabilities, outputs, challenge.seed)
    try:
        with transaction.atomic():
            locked = Team.objects.select_for_update().get(pk=team.pk)
            used = Submission.objects.filter(team=locked, phase=phase).count()
            if phase == Phase.FINAL and used >= challenge.max_final_submissions:
                raise DatathonError(
                    _("Limite atteinte : %(n)d soumissions finales par équipe.")
                    % {"n": challenge.max_final_submissions}
                )
            submission = Submission.objects.create(
                team=locked,
                phase=phase,
                submitted_by=user,
                submitted_at=now,
                number=used + 1,
                method=declared.method[:200],
                model_parameters=declared.model_parameters,
                energy_mj=declared.energy_mj,
                file_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
                predictions={
                    case_id: [float(v) for v in row]
                    for case_id, row in zip(ids, probabilities, strict=True)
                },
                scores=scores,
            )
            record(
                Action.SUBMISSION_SCORED,
                actor=user,
                target=submission,
                details={"challenge": challenge.slug, "team": team.name, "phase": phase},
            )
    except IntegrityError:  # a simultaneous upload took this number: the team submits again
        raise DatathonError(
            _("Une autre soumission de l'équipe arrivait en même temps ; réessayez.")
        ) from None
    return submission


@transaction.atomic
def link_to_registry(
    submission: Submission, version: ApplicationVersion | None, *, by: User
) -> Submission:
    """Name the registry entry (observatory) of the model behind a submission; ``None`` unlinks.

    Only a member of the submitting team may do it. The entry's evidence then lists the
    challenge's result (:func:`selectors.results_for_version`).
    """
    if not submission.team.members.filter(pk=by.pk).exists():
        raise DatathonError(_("Seule l'équipe qui a soumis peut lier cette soumission."))
    submission.registered_version = version
    submission.save(update_fields=["registered_version"])
    record(
        Action.SUBMISSION_LINKED,
        actor=by,
        target=submission,
        details={"version": version.slug if version else None},
    )
    return submission
