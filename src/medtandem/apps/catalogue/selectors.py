"""Read-side of the catalogue: search and filters, a practitioner's record, national counts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import get_language

from medtandem.apps.accounts.models import Institution, Role, User
from medtandem.apps.accounts.selectors import has_role, institutions_of
from medtandem.apps.catalogue.models import Kind, Offer, OfferCompletion, Status
from medtandem.apps.curriculum.models import Competency
from medtandem.apps.curriculum.selectors import learners_per_programme_kind


@dataclass(frozen=True)
class OfferFilters:
    q: str = ""
    kind: str = ""
    region: str = ""
    institution: int | None = None
    audience: str = ""
    profession: str = ""
    format: str = ""
    dpc: bool = False
    free: bool = False
    competency: int | None = None
    max_hours: Decimal | None = None


def published() -> QuerySet[Offer]:
    return Offer.objects.filter(status=Status.PUBLISHED).select_related("institution")


def search(f: OfferFilters) -> QuerySet[Offer]:
    """Published offers matching every filter; ``q`` searches both languages' titles and texts
    and the institution's name."""
    qs = published()
    if f.q:
        qs = qs.filter(
            Q(title__icontains=f.q)
            | Q(title_en__icontains=f.q)
            | Q(summary__icontains=f.q)
            | Q(summary_en__icontains=f.q)
            | Q(institution__name__icontains=f.q)
        )
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.region:
        qs = qs.filter(institution__region=f.region)
    if f.institution:
        qs = qs.filter(institution_id=f.institution)
    if f.audience:
        qs = qs.filter(Q(audience=f.audience) | Q(audience="both"))
    if f.profession:
        qs = qs.filter(Q(professions="") | Q(professions__contains=f",{f.profession},"))
    if f.format:
        qs = qs.filter(format=f.format)
    if f.dpc:
        qs = qs.exclude(dpc_reference="")
    if f.free:
        qs = qs.filter(cost_eur=0)
    if f.competency:
        qs = qs.filter(competencies__id=f.competency)
    if f.max_hours is not None:
        qs = qs.filter(hours__lte=f.max_hours)
    return qs.distinct().order_by("starts_on", "title")


def filter_choices() -> dict[str, Any]:
    offers = published()
    return {
        "regions": sorted({r for r in offers.values_list("institution__region", flat=True) if r}),
        "institutions": Institution.objects.filter(
            pk__in=offers.values_list("institution_id", flat=True)
        ).order_by("name"),
        "competencies": Competency.objects.filter(
            pk__in=offers.values_list("competencies__id", flat=True)
        ).select_related("domain"),
    }


def offer_by_slug(slug: str) -> Offer | None:
    return Offer.objects.select_related("institution", "programme").filter(slug=slug).first()


def in_language(offer: Offer) -> tuple[str, str]:
    """Title and summary in the active language (English text when given, else the French)."""
    if (get_language() or "fr").startswith("en"):
        return offer.title_en or offer.title, offer.summary_en or offer.summary
    return offer.title, offer.summary


def offer_professions(offer: Offer) -> list[str]:
    return [p for p in offer.professions.split(",") if p]


def managed_offers(user: User) -> QuerySet[Offer]:
    """The offers a publisher may change: all for an administrator, else their institutions'."""
    qs = Offer.objects.select_related("institution").order_by("-updated_at")
    if has_role(user, Role.ADMINISTRATOR):
        return qs
    return qs.filter(institution_id__in=institutions_of(user, Role.INSTITUTION_ADMIN))


def publishable_institutions(user: User) -> QuerySet[Institution]:
    if has_role(user, Role.ADMINISTRATOR):
        return Institution.objects.all()
    return Institution.objects.filter(pk__in=institutions_of(user, Role.INSTITUTION_ADMIN))


def pending() -> QuerySet[Offer]:
    return Offer.objects.filter(status=Status.PENDING).select_related("institution", "submitted_by")


# --- a practitioner's record ------------------------------------------------------------------------


@dataclass(frozen=True)
class CompetencyHours:
    competency: Competency
    hours: Decimal
    offers: int


@dataclass(frozen=True)
class PractitionerRecord:
    completions: tuple[OfferCompletion, ...]
    total_hours: Decimal
    dpc_hours: Decimal
    by_competency: tuple[CompetencyHours, ...]


def practitioner_record(learner: User) -> PractitionerRecord:
    """The offers a practitioner completed and, per competency, the hours of those that cover it
    (an offer covering two competencies counts its hours toward each: its hours are not split)."""
    completions = tuple(
        OfferCompletion.objects.filter(learner=learner)
        .select_related("offer", "offer__institution")
        .prefetch_related("offer__competencies__domain")
        .order_by("-completed_on")
    )
    hours: dict[int, Decimal] = defaultdict(Decimal)
    counts: dict[int, int] = defaultdict(int)
    known: dict[int, Competency] = {}
    for c in completions:
        for competency in c.offer.competencies.all():
            known[competency.pk] = competency
            hours[competency.pk] += c.offer.hours
            counts[competency.pk] += 1
    by_competency = tuple(
        CompetencyHours(known[pk], hours[pk], counts[pk])
        for pk in sorted(known, key=lambda pk: (known[pk].domain.position, known[pk].position))
    )
    return PractitionerRecord(
        completions=completions,
        total_hours=sum((c.offer.hours for c in completions), Decimal(0)),
        dpc_hours=sum((c.offer.hours for c in completions if c.offer.dpc_reference), Decimal(0)),
        by_competency=by_competency,
    )


def record_csv_rows(learner: User, record: PractitionerRecord) -> list[list[Any]]:
    """One row per completed offer, for the DPC export (written through :mod:`medtandem.csvsafe`)."""
    name = learner.display_name()
    return [
        [
            name,
            c.offer.title,
            c.offer.get_kind_display(),
            c.offer.institution.name,
            c.completed_on.isoformat(),
            c.offer.hours,
            c.offer.ects,
            c.offer.dpc_reference,
            "; ".join(comp.code for comp in c.offer.competencies.all()),
            "verified" if c.verified else "declared",
        ]
        for c in record.completions
    ]


RECORD_CSV_HEADER = [
    "practitioner",
    "offer",
    "kind",
    "institution",
    "completed_on",
    "hours",
    "ects",
    "dpc_reference",
    "competencies",
    "evidence",
]


# --- national counts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class KindCount:
    kind: str
    label: str
    offers: int
    enrolled_on_medtandem: int
    recorded_completions: int


def learners_per_kind(*, simulated: bool = False) -> list[KindCount]:
    """Per offer kind: published offers, learners enrolled in MedTandem programmes of that kind,
    and learners who recorded a completed offer of that kind (real or simulated accounts apart)."""
    offers = dict(published().values("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    enrolled = learners_per_programme_kind(simulated=simulated)
    completed = dict(
        OfferCompletion.objects.filter(learner__is_simulated=simulated)
        .values("offer__kind")
        .annotate(n=Count("learner", distinct=True))
        .values_list("offer__kind", "n")
    )
    return [
        KindCount(
            k.value,
            str(k.label),
            offers.get(k.value, 0),
            enrolled.get(k.value, 0),
            completed.get(k.value, 0),
        )
        for k in Kind
    ]
