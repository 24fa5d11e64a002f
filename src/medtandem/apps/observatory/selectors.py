from __future__ import annotations

from django.db.models import QuerySet

from medtandem.apps.observatory.models import AIApplication


def registry() -> QuerySet[AIApplication]:
    return AIApplication.objects.all()


def in_service() -> AIApplication | None:
    return AIApplication.objects.filter(in_service=True).first()


def facts_of(name: str, version: str) -> dict[str, object] | None:
    """The AI-facts label registered for that model version, if any."""
    entry = AIApplication.objects.filter(name=name, version=version).only("facts").first()
    return dict(entry.facts) if entry and entry.facts else None
