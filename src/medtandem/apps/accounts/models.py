"""People, their roles (scoped to an institution), institutions and cohorts."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    LEARNER = "learner", _("Apprenant·e")
    INSTRUCTOR = "instructor", _("Enseignant·e")
    INVESTIGATOR = "investigator", _("Investigateur·rice")
    ANALYST = "analyst", _("Analyste de l'observatoire")
    ADMINISTRATOR = "administrator", _("Administrateur·rice de programme")
    #: Publishes and updates its institution's offers in the national catalogue (scoped role).
    INSTITUTION_ADMIN = "institution_admin", _("Administrateur·rice d'établissement")


class Profession(models.TextChoices):
    MEDICINE = "medicine", _("Médecine")
    PHARMACY = "pharmacy", _("Pharmacie")
    ODONTOLOGY = "odontology", _("Odontologie")
    MAIEUTICS = "maieutics", _("Maïeutique")
    NURSING = "nursing", _("Soins infirmiers")
    PHYSIOTHERAPY = "physiotherapy", _("Masso-kinésithérapie")
    OTHER = "other", _("Autre")


class Institution(models.Model):
    class Kind(models.TextChoices):
        FACULTY = "faculty", _("Faculté / UFR")
        SCHOOL = "school", _("Institut / école")
        HOSPITAL = "hospital", _("Établissement de santé")
        OTHER = "other", _("Autre")

    name = models.CharField(_("nom"), max_length=200, unique=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.FACULTY)
    region = models.CharField(_("région"), max_length=100, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("établissement")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person. Clinical profile fields serve stratified analyses (experience, profession)."""

    class PracticeStatus(models.TextChoices):
        STUDENT = "student", _("En formation initiale")
        PRACTISING = "practising", _("En exercice")
        OTHER = "other", _("Autre")

    profession = models.CharField(
        _("profession"), max_length=20, choices=Profession.choices, blank=True
    )
    practice_status = models.CharField(
        _("statut"), max_length=20, choices=PracticeStatus.choices, default=PracticeStatus.STUDENT
    )
    study_year = models.PositiveSmallIntegerField(_("année d'études"), null=True, blank=True)
    years_experience = models.PositiveSmallIntegerField(
        _("années d'expérience"), null=True, blank=True
    )
    prior_ecg_training = models.BooleanField(_("formation ECG antérieure"), default=False)
    institution = models.ForeignKey(
        Institution, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    is_simulated = models.BooleanField(
        _("simulé"),
        default=False,
        help_text=_("Compte de démonstration, exclu des statistiques réelles."),
    )

    def display_name(self) -> str:
        return self.get_full_name() or self.username


class RoleAssignment(models.Model):
    """A role held by a person, optionally scoped to one institution (null = everywhere)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(max_length=20, choices=Role.choices)
    institution = models.ForeignKey(Institution, null=True, blank=True, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "institution"],
                name="unique_role_per_scope",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class Cohort(models.Model):
    """A group of learners followed by instructors (a class, a promotion, a continuing-education group)."""

    name = models.CharField(_("nom"), max_length=200)
    institution = models.ForeignKey(Institution, null=True, blank=True, on_delete=models.CASCADE)
    learners = models.ManyToManyField(User, related_name="cohorts", blank=True)
    instructors = models.ManyToManyField(User, related_name="taught_cohorts", blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("cohorte")

    def __str__(self) -> str:
        return self.name
