"""The observatory: a public registry of AI applications in care, with their cards and field figures."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AIApplication(models.Model):
    """One AI application (a model at a version) as the public sees it."""

    slug = models.SlugField(max_length=120, unique=True)
    name = models.CharField(_("nom"), max_length=120)
    version = models.CharField(_("version"), max_length=40)
    developer = models.CharField(_("développeur"), max_length=200, blank=True)
    intended_use = models.TextField(_("usage prévu"), blank=True)
    regulatory_status = models.CharField(_("statut réglementaire"), max_length=200, blank=True)
    model_card = models.JSONField(default=dict, blank=True)
    facts = models.JSONField(default=dict, blank=True)
    frugality = models.JSONField(default=dict, blank=True)
    in_service = models.BooleanField(_("en service dans MedTandem"), default=False)
    registered_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "-registered_at"]
        constraints = [models.UniqueConstraint(fields=["name", "version"], name="one_entry_per_model_version")]
        verbose_name = _("application d'IA")

    def __str__(self) -> str:
        return f"{self.name} {self.version}"
