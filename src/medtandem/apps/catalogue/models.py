"""The national catalogue of AI-in-health training offers, and practitioners' records of them.

An offer is published by an institution administrator and reviewed by an administrator before it
appears in the public catalogue. Its text is held in French and, when given, in English.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """Values shared with :class:`medtandem.apps.curriculum.models.Programme.Kind` where they exist."""

    CORE = "core", _("Socle de formation initiale")
    UNIVERSITY_DIPLOMA = "du", _("Diplôme universitaire (DU / DIU)")
    MASTER = "master", _("Master exécutif")
    DOUBLE_DEGREE = "double_degree", _("Double cursus ingénieur–médecin")
    DATATHON = "datathon", _("Datathon")
    WEBINARS = "webinars", _("Cycle de webinaires")
    COURSE = "course", _("Formation courte")


class Format(models.TextChoices):
    IN_PERSON = "in_person", _("Présentiel")
    REMOTE = "remote", _("À distance")
    HYBRID = "hybrid", _("Hybride")


class Audience(models.TextChoices):
    STUDENTS = "students", _("Étudiant·es")
    PRACTITIONERS = "practitioners", _("Professionnel·les en exercice")
    BOTH = "both", _("Étudiant·es et professionnel·les")


class Status(models.TextChoices):
    PENDING = "pending", _("En attente de relecture")
    PUBLISHED = "published", _("Publiée")
    REJECTED = "rejected", _("Refusée")


class Offer(models.Model):
    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(_("intitulé"), max_length=200)
    title_en = models.CharField(_("intitulé en anglais"), max_length=200, blank=True)
    summary = models.TextField(_("présentation"), blank=True)
    summary_en = models.TextField(_("présentation en anglais"), blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, db_index=True)
    institution = models.ForeignKey(
        "accounts.Institution",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("établissement"),
    )
    audience = models.CharField(
        _("public"), max_length=20, choices=Audience.choices, default=Audience.BOTH
    )
    #: Professions admitted, as ",medicine,nursing," (empty: all): a portable "contains" filter.
    professions = models.CharField(_("professions"), max_length=200, blank=True)
    format = models.CharField(_("format"), max_length=20, choices=Format.choices, db_index=True)
    hours = models.DecimalField(_("volume horaire"), max_digits=6, decimal_places=1)
    ects = models.DecimalField(_("ECTS"), max_digits=4, decimal_places=1, null=True, blank=True)
    starts_on = models.DateField(_("début"), null=True, blank=True)
    ends_on = models.DateField(_("fin"), null=True, blank=True)
    cost_eur = models.DecimalField(
        _("coût (€)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    dpc_reference = models.CharField(
        _("référence de l'action DPC"),
        max_length=40,
        blank=True,
        help_text=_("Vide : ce n'est pas une action de DPC."),
    )
    competencies = models.ManyToManyField(
        "curriculum.Competency",
        blank=True,
        related_name="+",
        verbose_name=_("compétences couvertes"),
    )
    programme = models.ForeignKey(
        "curriculum.Programme",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("programme MedTandem (inscription sur la plateforme)"),
    )
    enrol_url = models.URLField(_("inscription auprès de l'établissement"), blank=True)
    is_example = models.BooleanField(
        _("exemple"), default=False, help_text=_("Offre inventée pour la démonstration.")
    )
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    review_note = models.TextField(_("note de relecture"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("offre de formation")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(starts_on__isnull=True)
                | models.Q(starts_on__lte=models.F("ends_on")),
                name="offer_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.title


class OfferCompletion(models.Model):
    """A practitioner's record that they completed an offer (for their DPC obligation).

    ``verified``: the offer is a MedTandem programme and the platform holds its completion;
    otherwise the practitioner declared it.
    """

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="completions")
    completed_on = models.DateField(_("terminée le"))
    verified = models.BooleanField(default=False)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-completed_on"]
        constraints = [
            models.UniqueConstraint(fields=["learner", "offer"], name="one_completion_per_offer")
        ]
