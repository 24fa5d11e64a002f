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
    given = {
        "action__startswith": action,
        "actor_name": actor,
        "target_type": target_type,
        "target_id": target_id,
        "at__date__gte": since,
        "at__date__lte": until,
    }
    # Columns of the one table: one filter() with them all is the same query as a chain.
    return AuditEntry.objects.filter(**{lookup: v for lookup, v in given.items() if v})


def actions() -> list[str]:
    return sorted(AuditEntry.objects.values_list("action", flat=True).distinct())
