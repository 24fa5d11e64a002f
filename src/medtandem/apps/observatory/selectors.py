from __future__ import annotations

from django.db.models import QuerySet

from medtandem.apps.observatory.models import AIApplication


def registry() -> QuerySet[AIApplication]:
    return AIApplication.objects.all()


def in_service() -> AIApplication | None:
    return AIApplication.objects.filter(in_service=True).first()
