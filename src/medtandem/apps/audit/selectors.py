"""Reading the audit trail (the administrator's page and the CLI)."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from medtandem.apps.audit.models import AuditEntry


def entries(
    *,
    action: str = "",
    actor: str = "",
    target_type: str = "",
    target_id: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEntry]:
    """Entries, newest first, filtered by exact action prefix, actor name, target and dates."""
    qs = AuditEntry.objects.all()
    if action:
        qs = qs.filter(action__startswith=action)
    if actor:
        qs = qs.filter(actor_name=actor)
    if target_type:
        qs = qs.filter(target_type=target_type)
    if target_id:
        qs = qs.filter(target_id=target_id)
    if since:
        qs = qs.filter(at__date__gte=since)
    if until:
        qs = qs.filter(at__date__lte=until)
    return qs


def actions() -> list[str]:
    return sorted(AuditEntry.objects.values_list("action", flat=True).distinct())
