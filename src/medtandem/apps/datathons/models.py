"""Datathons: challenges on the case bank, their teams and the predictions they submit.

A challenge has two phases over disjoint cases: *development* (cases and truth downloadable) and
*final* (cases downloadable, truth never leaving the server). Every case of a challenge has an
opaque ``public_id`` (``D-…`` or ``F-…``, random): the PTB-XL number of a final-phase case would
let anyone look its labels up in the public dataset, so it appears on no page, file or message.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Task(models.TextChoices):
    SUPERCLASSES = "superclasses", _("Cinq superclasses PTB-XL (NORM, MI, STTC, CD, HYP)")
    ABNORMAL = "abnormal", _("Normal ou anormal")


class Metric(models.TextChoices):
    MACRO_AUC = "macro_auc", _("AUC macro (moyenne des AUC par sortie)")
    BRIER = "brier", _("Score de Brier moyen (plus bas = meilleur)")


class Phase(models.TextChoices):
    DEVELOPMENT = "development", _("Développement")
    FINAL = "final", _("Finale")


def _invite_code() -> str:
    return secrets.token_urlsafe(9)


class Challenge(models.Model):
    slug = models.SlugField(unique=True)
    title = models.CharField(_("titre"), max_length=200)
    summary = models.TextField(_("présentation"), blank=True)
    task = models.CharField(_("tâche"), max_length=20, choices=Task.choices)
    metric = models.CharField(
        _("métrique principale"), max_length=20, choices=Metric.choices, default=Metric.MACRO_AUC
    )
    development_opens = models.DateTimeField(_("ouverture du développement"))
    final_opens = models.DateTimeField(_("ouverture de la finale"))
    final_closes = models.DateTimeField(_("clôture de la finale"))
    max_final_submissions = models.PositiveSmallIntegerField(
        _("soumissions finales par équipe"), default=3
    )
    max_team_size = models.PositiveSmallIntegerField(_("taille maximale d'une équipe"), default=5)
    seed = models.PositiveIntegerField(default=0)
    is_simulated = models.BooleanField(
        _("simulé"), default=False, help_text=_("Datathon de démonstration : équipes simulées.")
    )
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-development_opens"]
        verbose_name = _("datathon")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(development_opens__lt=models.F("final_opens"))
                & models.Q(final_opens__lt=models.F("final_closes")),
                name="challenge_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.title


class ChallengeCase(models.Model):
    """A case of the bank in one phase of a challenge, known outside only by ``public_id``."""

    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="cases")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    phase = models.CharField(max_length=12, choices=Phase.choices)
    public_id = models.CharField(max_length=16)

    class Meta:
        ordering = ["challenge", "phase", "public_id"]
        constraints = [
            models.UniqueConstraint(fields=["challenge", "case"], name="case_once_per_challenge"),
            models.UniqueConstraint(
                fields=["challenge", "public_id"], name="public_id_once_per_challenge"
            ),
        ]


class Team(models.Model):
    challenge = models.ForeignKey(Challenge, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(_("nom de l'équipe"), max_length=80)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="datathon_teams")
    invite_code = models.CharField(max_length=20, unique=True, default=_invite_code)
    is_simulated = models.BooleanField(_("simulée"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["challenge", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["challenge", "name"], name="team_name_once_per_challenge"
            )
        ]
        verbose_name = _("équipe")

    def __str__(self) -> str:
        return self.name


class Submission(models.Model):
    """One accepted predictions file, scored. Refused files leave no row (all or nothing).

    ``predictions`` maps each case's ``public_id`` to its probabilities (in the task's output
    order): kept for the paired comparison with the leader. ``scores`` holds only aggregates.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="submissions")
    phase = models.CharField(max_length=12, choices=Phase.choices)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField()
    #: The team's number for this phase (1, 2, …): with the constraint below, two simultaneous
    #: uploads cannot both take the last final-phase slot.
    number = models.PositiveSmallIntegerField()
    method = models.CharField(_("méthode (description courte)"), max_length=200, blank=True)
    model_parameters = models.PositiveBigIntegerField(_("taille du modèle (paramètres)"), null=True)
    energy_mj = models.FloatField(_("énergie par inférence (mJ)"), null=True)
    file_sha256 = models.CharField(max_length=64)
    predictions = models.JSONField()
    scores = models.JSONField()
    registered_version = models.ForeignKey(
        "observatory.ApplicationVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "phase", "number"], name="one_submission_number_per_phase"
            )
        ]
        verbose_name = _("soumission")
