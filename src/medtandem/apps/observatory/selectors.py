"""Read-side queries of the observatory, and the public shapes of its records (pages, API, exports).

Public shapes never carry a person: no reporter, no free text of a report, no case, no database key.
"""

from __future__ import annotations

import difflib
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

if TYPE_CHECKING:  # django-stubs' helper, a development dependency
    from django_stubs_ext import WithAnnotations

from medtandem.apps.observatory.fields import CHAI_SECTIONS, FIELDS, GROUPS, grouped
from medtandem.apps.observatory.models import (
    Alert,
    Application,
    ApplicationVersion,
    FieldMetric,
    Hurdle,
    HurdleCategory,
    Incident,
    MonitoringRun,
    Revision,
    Source,
)

#: Below this count an aggregate cell of hurdles is shown as "< 3" (k-anonymity of reporters).
MIN_CELL = 3


def registry() -> QuerySet[ApplicationVersion]:
    return ApplicationVersion.objects.filter(published=True).select_related("application")


def in_service() -> ApplicationVersion | None:
    return ApplicationVersion.objects.filter(in_service=True).first()


def facts_of(name: str, version: str) -> dict[str, object] | None:
    """The AI-facts label registered for that model version, if any."""
    entry = ApplicationVersion.objects.filter(name=name, version=version).only("facts").first()
    return dict(entry.facts) if entry and entry.facts else None


def version_of(name: str, version: str) -> ApplicationVersion | None:
    return ApplicationVersion.objects.filter(
        application__source=Source.MEDTANDEM, name=name, version=version
    ).first()


@dataclass(frozen=True)
class RegistryFilters:
    q: str = ""
    task: str = ""
    modality: str = ""
    status: str = ""
    risk_class: str = ""
    region: str = ""
    source: str = ""
    has_field_data: bool = False
    has_open_incidents: bool = False


class RegistryAnnotations(TypedDict):
    """What :func:`filter_registry` adds to each version."""

    open_incidents: int
    field_data: bool


def filter_registry(
    f: RegistryFilters,
) -> QuerySet[WithAnnotations[ApplicationVersion, RegistryAnnotations]]:
    qs = registry().annotate(
        open_incidents=Count(
            "incidents", filter=~Q(incidents__state=Incident.State.CLOSED), distinct=True
        ),
        field_data=Exists(MonitoringRun.objects.filter(version=OuterRef("pk"), n_reads__gt=0)),
    )
    if f.q:
        qs = qs.filter(
            Q(name__icontains=f.q) | Q(developer__icontains=f.q) | Q(fda_submission__iexact=f.q)
        )
    for key in ("status", "risk_class"):
        if getattr(f, key):
            qs = qs.filter(**{key: getattr(f, key)})
    for key in ("task", "modality", "region", "source"):
        if getattr(f, key):
            qs = qs.filter(**{f"application__{key}": getattr(f, key)})
    if f.has_field_data:
        qs = qs.filter(field_data=True)
    if f.has_open_incidents:
        qs = qs.filter(open_incidents__gt=0)
    return qs.order_by("-in_service", "application__source", "name", "-decision_date", "version")


def filter_choices() -> dict[str, list[str]]:
    apps = Application.objects.filter(versions__published=True).distinct()
    return {
        key: sorted(v for v in apps.values_list(key, flat=True).distinct() if v)
        for key in ("task", "modality", "region")
    }


def version_by_slug(slug: str) -> ApplicationVersion | None:
    return ApplicationVersion.objects.select_related("application").filter(slug=slug).first()


def application_by_slug(slug: str) -> Application | None:
    return Application.objects.filter(slug=slug).first()


def sheet_values(version: ApplicationVersion) -> dict[str, Any]:
    values = dict(version.sheet)
    values.update(
        {
            "trade_name": version.name,
            "version": version.version,
            "provider_name": version.developer,
            "intended_purpose": version.intended_use,
            "mdr_class": version.get_mdr_class_display() if version.mdr_class else "",
            "risk_class": version.get_risk_class_display() if version.risk_class else "",
            "fda_submission": version.fda_submission,
            "regulatory_status": version.regulatory_status,
            "status": version.get_status_display(),
        }
    )
    return values


def sheet_groups(version: ApplicationVersion) -> list[Any]:
    return grouped(sheet_values(version))


# --- history and diffs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiffRow:
    key: str
    label: str
    old: str
    new: str
    lines: list[str]


def _label(key: str) -> str:
    for f in FIELDS:
        if f.key == key:
            return str(f.label)
    return key


def diff(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[DiffRow]:
    """The fields that differ between two revisions' data, with a line diff of each."""
    old = old or {}
    rows = []
    for key in [f.key for f in FIELDS] + sorted(set(new) - {f.key for f in FIELDS}):
        a, b = str(old.get(key, "") or ""), str(new.get(key, "") or "")
        if a != b:
            lines = [ln for ln in difflib.ndiff(a.splitlines(), b.splitlines()) if ln[:1] in "+-"]
            rows.append(DiffRow(key, _label(key), a, b, lines))
    return rows


def previous_published(revision: Revision) -> Revision | None:
    return (
        Revision.objects.filter(
            version=revision.version, state=Revision.State.PUBLISHED, number__lt=revision.number
        )
        .order_by("-number")
        .first()
    )


def history(version: ApplicationVersion) -> list[tuple[Revision, list[DiffRow]]]:
    """Published revisions, newest first, each with its diff against the one before."""
    out = []
    previous: Revision | None = None
    for rev in version.revisions.filter(state=Revision.State.PUBLISHED).order_by("number"):
        out.append((rev, diff(previous.data if previous else None, rev.data)))
        previous = rev
    return list(reversed(out))


def pending_revisions() -> QuerySet[Revision]:
    return Revision.objects.filter(state=Revision.State.SUBMITTED).select_related(
        "version", "author"
    )


# --- field monitoring -------------------------------------------------------------------------------


def latest_run(version: ApplicationVersion) -> MonitoringRun | None:
    return version.monitoring_runs.order_by("-computed_at").first()


def run_metrics(run: MonitoringRun) -> QuerySet[FieldMetric]:
    return run.metrics.all()


def open_alerts() -> QuerySet[Alert]:
    return Alert.objects.filter(state=Alert.State.OPEN).select_related("version")


# --- incidents --------------------------------------------------------------------------------------


def public_incidents() -> QuerySet[Incident]:
    """Closed incidents with an analyst's anonymised summary, and public-source (FDA MAUDE) records."""
    return (
        Incident.objects.filter(
            Q(state=Incident.State.CLOSED) & ~Q(public_summary="")
            | Q(origin=Incident.Origin.FDA_MAUDE)
        )
        .select_related("version")
        .prefetch_related("entities")
    )


def incident_public(incident: Incident) -> dict[str, Any]:
    """The public shape of an incident: no reporter, no report text, no case, no database key."""
    return {
        "id": incident.public_id,
        "application_version": incident.version.slug if incident.version else None,
        "application_name": incident.version.name if incident.version else None,
        "category": incident.category,
        "category_label": str(incident.get_category_display()),
        "seriousness": incident.seriousness,
        "reported_seriousness": incident.reported_seriousness,
        "state": incident.state,
        "origin": incident.origin,
        "unverified": incident.unverified,
        "occurred_month": incident.occurred_on.strftime("%Y-%m") if incident.occurred_on else None,
        "aware_on": incident.aware_at.date().isoformat(),
        "summary": incident.public_summary,
        "corrective_action": incident.corrective_action,
        "entities": [{"role": e.role, "name": e.name} for e in incident.entities.all()],
    }


def triage_queue(state: str = "") -> QuerySet[Incident]:
    qs = Incident.objects.exclude(origin=Incident.Origin.FDA_MAUDE).select_related("version")
    return qs.filter(state=state) if state else qs


def is_overdue(incident: Incident, now: datetime | None = None) -> bool:
    """Past its Art. 73 deadline without a notification to the authority."""
    return bool(
        incident.deadline
        and not incident.notified_at
        and incident.deadline < (now or timezone.now())
    )


def overdue(now: datetime | None = None) -> QuerySet[Incident]:
    return triage_queue().filter(deadline__lt=now or timezone.now(), notified_at__isnull=True)


def incident_counts() -> dict[str, int]:
    return dict(triage_queue().values_list("state").annotate(n=Count("id")).order_by())


# --- hurdles ----------------------------------------------------------------------------------------


def hurdle_aggregates() -> dict[str, Any]:
    """Counts by category, and by category x profession and category x region; small cells hidden."""
    rows = list(Hurdle.objects.values_list("category", "profession", "region"))
    by_cat = Counter(c for c, _p, _r in rows)

    def cells(pairs: Counter[tuple[str, str]]) -> list[dict[str, Any]]:
        return [
            {"category": c, "group": g or "?", "count": n if n >= MIN_CELL else None}
            for (c, g), n in sorted(pairs.items())
        ]

    return {
        "total": len(rows),
        "by_category": [
            {"category": c, "label": str(HurdleCategory(c).label), "count": by_cat.get(c, 0)}
            for c in HurdleCategory.values
        ],
        "by_profession": cells(Counter((c, p) for c, p, _r in rows)),
        "by_region": cells(Counter((c, r) for c, _p, r in rows)),
        "min_cell": MIN_CELL,
    }


def published_hurdles() -> QuerySet[Hurdle]:
    return Hurdle.objects.filter(state=Hurdle.State.PUBLISHED)


def hurdle_public(h: Hurdle) -> dict[str, Any]:
    return {
        "id": h.public_id,
        "category": h.category,
        "profession": h.profession,
        "region": h.region,
        "on_behalf_of_site": h.on_behalf_of_site,
        "severity": h.severity,
        "is_example": h.is_example,
        "reported_month": h.created_at.strftime("%Y-%m"),
        "text": h.text if h.state == Hurdle.State.PUBLISHED else None,
    }


# --- public shapes of the registry ------------------------------------------------------------------


def version_public(v: ApplicationVersion, *, full: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": v.slug,
        "application": v.application.slug,
        "name": v.name,
        "version": v.version,
        "provider": v.developer,
        "source": v.application.source,
        "is_example": v.application.source == Source.EXAMPLE,
        "status": v.status,
        "risk_class": v.risk_class,
        "mdr_class": v.mdr_class,
        "fda_submission": v.fda_submission or None,
        "decision_date": v.decision_date.isoformat() if v.decision_date else None,
        "task": v.application.task,
        "modality": v.application.modality,
        "region": v.application.region,
        "in_service_in_medtandem": v.in_service,
        "intended_use": v.intended_use,
        "regulatory_status": v.regulatory_status,
        "updated_at": v.updated_at.isoformat(),
    }
    if full:
        out["fields"] = {f.key: sheet_values(v).get(f.key, "") for f in FIELDS}
        out["status_history"] = [
            {"from": s.old, "to": s.new, "at": s.at.isoformat(), "reason": s.reason}
            for s in v.status_changes.all()
        ]
        out["revisions"] = [
            {
                "number": r.number,
                "at": (r.reviewed_at or r.created_at).isoformat(),
                "by": r.author_label,
            }
            for r in v.revisions.filter(state=Revision.State.PUBLISHED)
        ]
        out["facts"] = v.facts
        out["model_card"] = v.model_card
        out["frugality"] = v.frugality
    return out


def application_public(a: Application) -> dict[str, Any]:
    # From the prefetched versions when the caller prefetched them (the API's list does).
    versions = sorted(
        (v for v in a.versions.all() if v.published),
        key=lambda v: (
            v.decision_date is None,
            v.decision_date or v.registered_at.date(),
            v.version,
        ),
    )
    return {
        "id": a.slug,
        "name": a.name,
        "provider": a.provider,
        "source": a.source,
        "is_example": a.source == Source.EXAMPLE,
        "task": a.task,
        "modality": a.modality,
        "region": a.region,
        "versions": [v.slug for v in versions],
    }


def metric_public(m: FieldMetric, version: ApplicationVersion) -> dict[str, Any]:
    return {
        "application_version": version.slug,
        "output": m.output,
        "window": m.window,
        "window_start": m.window_start.isoformat(),
        "window_end": m.window_end.isoformat(),
        "subgroup": m.subgroup,
        "subgroup_value": m.subgroup_value,
        "n": m.n,
        "n_positive": m.n_positive,
        "auc": m.auc,
        "auc_ci": [m.auc_lower, m.auc_upper] if m.auc is not None else None,
        "sensitivity": m.sensitivity,
        "sensitivity_ci": [m.sensitivity_lower, m.sensitivity_upper],
        "specificity": m.specificity,
        "specificity_ci": [m.specificity_lower, m.specificity_upper],
        "ece": m.ece,
        "enough_data": m.enough,
        "claimed_auc": m.claimed_auc,
        "claimed_sensitivity": m.claimed_sensitivity,
        "claimed_specificity": m.claimed_specificity,
    }


def chai_xml(v: ApplicationVersion) -> bytes:
    """The entry as XML following the CHAI Applied Model Card's sections (element names are ours:
    no official CHAI schema is shipped with MedTandem)."""
    root = ET.Element(
        "AppliedModelCard",
        {"id": v.slug, "source": v.application.source, "generator": "MedTandem observatory"},
    )
    values = sheet_values(v)
    for section, title in CHAI_SECTIONS.items():
        node = ET.SubElement(root, section, {"title": title})
        for f in FIELDS:
            if f.chai == section and values.get(f.key) not in (None, ""):
                item = ET.SubElement(
                    node, "Field", {"key": f.key, "annexVIIIA": ",".join(map(str, f.annex))}
                )
                item.text = str(values[f.key])
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def group_titles() -> dict[str, str]:
    return {g.key: str(g.label) for g in GROUPS}
