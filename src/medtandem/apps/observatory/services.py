"""Registering AI applications in the observatory."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.text import slugify

from medtandem.apps.observatory.models import AIApplication


@transaction.atomic
def register_model(model: Any, *, in_service: bool = True, frugality: dict[str, Any] | None = None) -> AIApplication:
    """Record (or refresh) a MedTandem ECG model as an AI application; only one is in service."""
    card = dict(model.card)
    basic = card.get("basic_info") or {}
    uses = card.get("uses_and_directions") or {}
    entry, _ = AIApplication.objects.update_or_create(
        name=model.name,
        version=model.version,
        defaults={
            "slug": slugify(f"{model.name}-{model.version}"),
            "developer": str(basic.get("model_developer", "MedTandem")),
            "intended_use": str(uses.get("intended_use") or model.facts.get("intended_use", "")),
            "regulatory_status": str(card.get("regulatory_status", "Outil pédagogique, non dispositif médical")),
            "model_card": card,
            "facts": dict(model.facts),
            "frugality": frugality or {},
            "in_service": in_service,
        },
    )
    if in_service:
        AIApplication.objects.exclude(pk=entry.pk).update(in_service=False)
    return entry
