"""Reads of the interop app: registrations, the fields an administrator pastes into a platform,
what an instructor may place in a course."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse

from medtandem.apps.interop.models import Context, Platform, ResourceKind, Statement


@dataclass(frozen=True)
class ToolFields:
    """What Moodle's "Configure a tool manually" form asks for (docs/interop.md)."""

    tool_url: str
    initiate_login_url: str
    redirection_uris: str
    keyset_url: str
    deep_linking_url: str


def tool_fields(request: HttpRequest) -> ToolFields:
    launch = request.build_absolute_uri(reverse("interop:lti_launch"))
    return ToolFields(
        tool_url=launch,
        initiate_login_url=request.build_absolute_uri(reverse("interop:lti_login")),
        redirection_uris=launch,
        keyset_url=request.build_absolute_uri(reverse("interop:lti_jwks")),
        deep_linking_url=launch,
    )


def platforms() -> QuerySet[Platform]:
    return Platform.objects.select_related("institution").prefetch_related("deployments")


def origin(url: str) -> str:
    parts = urlparse(url)
    return f"{parts.scheme}://{parts.netloc}"


def frame_origins(platform: Platform) -> list[str]:
    return sorted({origin(platform.issuer), origin(platform.auth_login_url)})


@dataclass(frozen=True)
class Choice:
    kind: str
    kind_label: str
    id: int
    title: str


def deep_link_choices(user: Any) -> list[Choice]:
    """What an instructor may place in a course: the shared case sets, the programme activities,
    and the reader studies open to participants that they may see."""
    from medtandem.apps.cases.models import CaseSet
    from medtandem.apps.curriculum.models import Activity
    from medtandem.apps.studies.selectors import studies_visible_to

    choices = [
        Choice(ResourceKind.CASE_SET, str(ResourceKind.CASE_SET.label), s.pk, s.name)
        for s in CaseSet.objects.order_by("name")[:200]
    ]
    choices += [
        Choice(ResourceKind.ACTIVITY, str(ResourceKind.ACTIVITY.label), a.pk, a.title)
        for a in Activity.objects.order_by("pk")[:200]
    ]
    choices += [
        Choice(ResourceKind.STUDY, str(ResourceKind.STUDY.label), s.pk, s.title)
        for s in studies_visible_to(user).filter(status="open")[:200]
    ]
    return choices


def contexts_of(user: Any) -> QuerySet[Context]:
    """The platform courses whose cohort this person teaches."""
    return Context.objects.filter(cohort__instructors=user).select_related("platform", "cohort")


# --- the xAPI outbox -------------------------------------------------------------------------


@dataclass(frozen=True)
class Backlog:
    pending: int
    failing: int
    rejected: int
    sent: int
    oldest_pending: datetime | None


def backlog() -> Backlog:
    unsent = Statement.objects.filter(sent_at__isnull=True, rejected_at__isnull=True)
    oldest = unsent.order_by("created_at").values_list("created_at", flat=True).first()
    return Backlog(
        pending=unsent.count(),
        failing=unsent.filter(attempts__gt=0).count(),
        rejected=Statement.objects.filter(rejected_at__isnull=False).count(),
        sent=Statement.objects.filter(sent_at__isnull=False).count(),
        oldest_pending=oldest,
    )


def failures(limit: int = 50) -> QuerySet[Statement]:
    return (
        Statement.objects.filter(sent_at__isnull=True)
        .exclude(last_error="")
        .order_by("-last_attempt_at")[:limit]
    )


def statements_by_kind() -> list[dict[str, Any]]:
    """Per kind of event: how many statements, how many sent."""
    return list(
        Statement.objects.values("kind")
        .annotate(total=Count("id"), sent=Count("id", filter=Q(sent_at__isnull=False)))
        .order_by("kind")
    )
