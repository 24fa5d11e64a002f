"""Reader studies: design, readers (participants), their study sessions, imported reads."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from medtandem.apps.cases.models import Case, CaseSet
from medtandem.apps.reading.models import ReadingSession
from medtandem.ecg.ptbxl import SUPERCLASSES


class Design(models.TextChoices):
    CROSSED = "crossed", _("Croisé complet avec période d'élimination (washout)")
    SEQUENTIAL = "sequential", _("Séquentiel : sans IA puis avec IA sur le même cas")
    SPLIT_PLOT = (
        "split_plot",
        _("Split-plot : des groupes de lecteurs lisent des blocs de cas différents"),
    )


class Status(models.TextChoices):
    OPEN = "open", _("Ouverte")
    LOCKED = "locked", _("Verrouillée")


ENDPOINT_CHOICES = [(s, s) for s in SUPERCLASSES]


class Study(models.Model):
    """A reader study. Once locked, nothing about it changes; its analysis comes from the locked reads."""

    title = models.CharField(_("titre"), max_length=200)
    question = models.TextField(_("question de recherche"))
    endpoint = models.CharField(
        _("critère principal : classe"),
        max_length=8,
        choices=ENDPOINT_CHOICES,
        default="MI",
        help_text=_("AUC de la confiance 0–100 que cette classe est présente."),
    )
    threshold = models.PositiveSmallIntegerField(
        _("seuil de décision (confiance ≥ seuil)"),
        default=50,
        help_text=_("Pour la sensibilité et la spécificité."),
    )
    design = models.CharField(
        _("plan d'étude"), max_length=12, choices=Design.choices, default=Design.CROSSED
    )
    case_set = models.ForeignKey(
        CaseSet, on_delete=models.PROTECT, related_name="studies", verbose_name=_("série de cas")
    )
    conditions = models.JSONField(default=list)
    washout_days = models.PositiveSmallIntegerField(_("période d'élimination (jours)"), default=28)
    n_blocks = models.PositiveSmallIntegerField(_("nombre de blocs (split-plot)"), default=2)
    seed = models.BigIntegerField(_("graine de randomisation"))
    invitation_code = models.CharField(_("code d'invitation"), max_length=16, unique=True)
    consent_text = models.TextField(_("texte de consentement"))
    ai_model_name = models.CharField(_("IA : nom"), max_length=80, blank=True)
    ai_model_version = models.CharField(_("IA : version"), max_length=40, blank=True)
    ai_model_card_url = models.URLField(_("IA : fiche modèle (URL)"), blank=True)
    intended_use = models.TextField(_("usage prévu de l'IA"), blank=True)
    reader_training = models.TextField(_("formation des lecteurs"), blank=True)
    poor_quality_handling = models.TextField(
        _("traitement des tracés de mauvaise qualité"), blank=True
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    is_simulated = models.BooleanField(_("simulée"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    locked_at = models.DateTimeField(null=True, blank=True)
    locked_reads_csv = models.TextField(
        blank=True, help_text="the exported reads at lock: the analysis source"
    )
    locked_reads_sha256 = models.CharField(max_length=64, blank=True)
    locked_analysis = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("étude de lecteurs")

    def __str__(self) -> str:
        return self.title

    @property
    def is_locked(self) -> bool:
        return self.status == Status.LOCKED


class StudyBlock(models.Model):
    """A split-plot block: the cases one group of readers reads (its own case set)."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="blocks")
    index = models.PositiveSmallIntegerField()
    case_set = models.ForeignKey(CaseSet, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["index"]
        constraints = [
            models.UniqueConstraint(fields=["study", "index"], name="one_block_per_index")
        ]


class Participant(models.Model):
    """A reader enrolled in a study, with consent, a pseudonym and the profile captured at enrolment."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="study_participations"
    )
    pseudonym = models.CharField(max_length=12)
    join_index = models.PositiveIntegerField()
    arm = models.PositiveSmallIntegerField(
        help_text="index of the condition order (counterbalancing)"
    )
    block = models.PositiveSmallIntegerField(null=True, blank=True)
    condition_order = models.JSONField(default=list)
    profession = models.CharField(max_length=20, blank=True)
    practice_status = models.CharField(max_length=20, blank=True)
    years_experience = models.PositiveSmallIntegerField(null=True, blank=True)
    prior_ecg_training = models.BooleanField(default=False)
    consent_sha256 = models.CharField(max_length=64)
    consented_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["join_index"]
        constraints = [
            models.UniqueConstraint(fields=["study", "user"], name="one_participation_per_study"),
            models.UniqueConstraint(
                fields=["study", "join_index"], name="one_reader_per_join_index"
            ),
            models.UniqueConstraint(
                fields=["study", "pseudonym"], name="unique_pseudonym_per_study"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.study} · {self.pseudonym}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class StudySession(models.Model):
    """One period of a reader's study: a reading session with its recorded seed and planned order."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="sessions")
    reading_session = models.OneToOneField(
        ReadingSession, on_delete=models.PROTECT, related_name="study_session"
    )
    period = models.PositiveSmallIntegerField()
    mode = models.CharField(max_length=10)
    seed = models.BigIntegerField()
    case_order = models.JSONField()

    class Meta:
        ordering = ["participant", "period"]
        constraints = [
            models.UniqueConstraint(fields=["participant", "period"], name="one_session_per_period")
        ]


class ImportedRead(models.Model):
    """A read made in another tool and imported in the MRMC layout (reader, case, modality, truth, rating)."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="imported_reads")
    reader = models.CharField(max_length=64)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    modality = models.CharField(max_length=16)
    truth = models.BooleanField()
    rating = models.FloatField()
    source = models.CharField(max_length=200, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["study", "reader", "case", "modality"], name="one_imported_read_per_step"
            )
        ]
