"""The case bank: ECG cases with their expert truth, signals, case sets, and cached AI predictions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from medtandem.ecg.ptbxl import SUPERCLASSES


class Rhythm(models.TextChoices):
    SINUS = "sinus", _("Rythme sinusal")
    AFIB_FLUTTER = "afib_flutter", _("Fibrillation ou flutter atrial")
    OTHER = "other", _("Autre rythme")


class ScpStatement(models.Model):
    """An SCP-ECG statement (PTB-XL's 71), with its diagnostic class."""

    code = models.CharField(max_length=16, primary_key=True)
    description = models.CharField(max_length=200)
    diagnostic_class = models.CharField(max_length=8, blank=True)
    diagnostic_subclass = models.CharField(max_length=16, blank=True)
    is_diagnostic = models.BooleanField(default=False)
    is_form = models.BooleanField(default=False)
    is_rhythm = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.code} — {self.description}"


class Case(models.Model):
    """One ECG to read, with the cardiologists' truth and its provenance."""

    class Sex(models.TextChoices):
        MALE = "M", _("Homme")
        FEMALE = "F", _("Femme")
        UNKNOWN = "", _("Non renseigné")

    source = models.CharField(_("source"), max_length=40, default="PTB-XL")
    external_id = models.CharField(max_length=64, unique=True, help_text="e.g. ptbxl:00001")
    record_name = models.CharField(max_length=64)
    patient_ref = models.CharField(max_length=32, blank=True)
    age = models.PositiveSmallIntegerField(_("âge"), null=True, blank=True)
    sex = models.CharField(_("sexe"), max_length=1, choices=Sex.choices, blank=True)
    site = models.CharField(_("site d'enregistrement"), max_length=32, blank=True)
    device = models.CharField(_("appareil"), max_length=64, blank=True)
    recorded_at = models.CharField(max_length=32, blank=True)
    strat_fold = models.PositiveSmallIntegerField(null=True, blank=True)
    # Truth (expert labels). One boolean per superclass keeps filtering portable and indexable.
    norm = models.BooleanField("NORM", default=False)
    mi = models.BooleanField("MI", default=False)
    sttc = models.BooleanField("STTC", default=False)
    cd = models.BooleanField("CD", default=False)
    hyp = models.BooleanField("HYP", default=False)
    rhythm = models.CharField(
        _("rythme"), max_length=16, choices=Rhythm.choices, default=Rhythm.OTHER
    )
    scp_codes = models.JSONField(default=dict, help_text="SCP code -> likelihood (%)")
    report = models.TextField(_("compte rendu d'origine"), blank=True)
    report_language = models.CharField(max_length=8, default="de")
    licence = models.CharField(max_length=40, default="CC BY 4.0")
    attribution = models.TextField(blank=True)
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["external_id"]
        indexes = [models.Index(fields=["source", "strat_fold"])]
        verbose_name = _("cas")

    def __str__(self) -> str:
        return self.external_id

    @property
    def superclasses(self) -> list[str]:
        return [name for name in SUPERCLASSES if getattr(self, name.lower())]

    @property
    def scp_statements(self) -> list[ScpStatement]:
        known = {s.code: s for s in ScpStatement.objects.filter(code__in=list(self.scp_codes))}
        return [known[c] for c in self.scp_codes if c in known]


class CaseSignal(models.Model):
    """The tracing, compressed (see :mod:`medtandem.ecg.bundle`); kept apart so case lists stay light."""

    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, related_name="signal", primary_key=True
    )
    fs = models.FloatField()
    leads = models.JSONField()
    n_samples = models.PositiveIntegerField()
    data = models.BinaryField()


class CaseSet(models.Model):
    """An ordered selection of cases, built by an instructor or investigator."""

    name = models.CharField(_("nom"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    criteria = models.JSONField(default=dict, blank=True, help_text="the filters it was built from")
    cases: models.ManyToManyField[Case, CaseSetItem] = models.ManyToManyField(
        Case, through="CaseSetItem", related_name="case_sets"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("série de cas")

    def __str__(self) -> str:
        return self.name

    def ordered_cases(self) -> models.QuerySet[Case]:
        return self.cases.order_by("casesetitem__position")


class CaseSetItem(models.Model):
    case_set = models.ForeignKey(CaseSet, on_delete=models.CASCADE)
    case = models.ForeignKey(Case, on_delete=models.PROTECT)
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["case_set", "case"], name="case_once_per_set"),
            models.UniqueConstraint(fields=["case_set", "position"], name="one_case_per_position"),
        ]


class AIPrediction(models.Model):
    """A model's suggestion for a case, cached so reading never waits on inference."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="predictions")
    model_name = models.CharField(max_length=80)
    model_version = models.CharField(max_length=40)
    probabilities = models.JSONField()
    explanation = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "model_name", "model_version"], name="one_prediction_per_model"
            )
        ]
