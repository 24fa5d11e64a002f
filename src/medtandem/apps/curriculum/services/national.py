"""National figures: the summary tables behind the dashboard, refreshed in bulk."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import ExtractYear
from django.utils import timezone

from medtandem.apps.curriculum.models import (
    DelayStat,
    Enrolment,
    NationalStat,
)

# --- national figures -----------------------------------------------------------------------


def _insert_aggregate(
    model: Any, queryset: Any, columns: dict[str, str], constants: dict[str, Any]
) -> int:
    """``INSERT INTO model (...) SELECT ... FROM (<queryset's SQL>)``: the aggregate never leaves the
    database. ``columns`` maps a model column to a column alias of the queryset (or to ``None`` for 0),
    ``constants`` gives fixed values."""
    quote = connection.ops.quote_name
    sql, params = queryset.query.sql_with_params()
    targets: list[str] = []
    sources: list[str] = []
    values: list[Any] = []
    for column, alias in columns.items():
        targets.append(quote(column))
        sources.append(f"COALESCE(agg.{quote(alias)}, %s)" if alias else "%s")
        values.append({"profession": "", "region": "", "is_simulated": False}.get(column, 0))
        if alias and column in ("programme_id", "institution_id"):
            sources[-1] = f"agg.{quote(alias)}"
            values.pop()
    for column, value in constants.items():
        targets.append(quote(column))
        sources.append("%s")
        values.append(value)
    statement = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(targets)}) "
        f"SELECT {', '.join(sources)} FROM ({sql}) agg"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, (*values, *params) if values else params)
        return cursor.rowcount


@transaction.atomic
def refresh_national_stats(*, now: datetime | None = None) -> int:
    """Rebuild the summary tables from enrolments with four ``INSERT … SELECT … GROUP BY``.

    :class:`NationalStat` gets one row per group and metric (enrolments started in a year; completions
    in a year; learners by the year of their first completion, ``programme`` null); the dashboard
    sums them. :class:`DelayStat` gets the histogram of days to complete. Returns the rows written.
    """
    now = now or timezone.now()
    group = {
        "programme_id": "programme_id",
        "profession": "learner__profession",
        "region": "learner__institution__region",
        "institution_id": "learner__institution_id",
        "is_simulated": "learner__is_simulated",
    }
    completed = Enrolment.objects.filter(completed_at__isnull=False).annotate(
        year=ExtractYear("completed_at")
    )
    started = (
        Enrolment.objects.annotate(year=ExtractYear("enrolled_at"))
        .values("year", *group.values())
        .annotate(n=Count("id"), done=Count("id", filter=Q(completed_at__isnull=False)))
        .order_by()
    )
    per_programme = completed.values("year", *group.values()).annotate(n=Count("id")).order_by()
    earlier = Enrolment.objects.filter(
        learner_id=OuterRef("learner_id"), completed_at__lt=OuterRef("completed_at")
    )
    first = (
        completed.filter(~Exists(earlier))
        .values("year", *list(group.values())[1:])
        .annotate(n=Count("learner_id", distinct=True))
        .order_by()
    )
    delays = (
        completed.values("year", "programme_id", "learner__is_simulated", "duration_days")
        .annotate(n=Count("id"))
        .order_by()
    )
    NationalStat.objects.all().delete()
    DelayStat.objects.all().delete()
    stamp = {"refreshed_at": now}
    rows = _insert_aggregate(
        NationalStat,
        started,
        {"year": "year", **group, "enrolled": "n", "enrolled_completed": "done", "trained": ""},
        stamp,
    )
    rows += _insert_aggregate(
        NationalStat,
        per_programme,
        {"year": "year", **group, "enrolled": "", "enrolled_completed": "", "trained": "n"},
        stamp,
    )
    no_programme = {k: v for k, v in group.items() if k != "programme_id"}
    rows += _insert_aggregate(
        NationalStat,
        first,
        {"year": "year", **no_programme, "enrolled": "", "enrolled_completed": "", "trained": "n"},
        stamp,
    )
    _insert_aggregate(
        DelayStat,
        delays,
        {
            "year": "year",
            "programme_id": "programme_id",
            "is_simulated": "learner__is_simulated",
            "days": "duration_days",
            "count": "n",
        },
        {},
    )
    return rows
