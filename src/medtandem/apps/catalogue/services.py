"""Write-side rules of the catalogue: offers submitted, reviewed, completed.

Invariants:

* Only an institution administrator of the offer's institution (or an administrator) submits or
  changes an offer; every submission or change puts it back in review, and only an administrator
  publishes or refuses it. Both are on the audit trail.
* A completion of an offer that is a MedTandem programme is *verified* only when the platform holds
  that programme's completion; any other completion is recorded as declared by the practitioner.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from medtandem.apps.accounts.models import Institution, Role, User
from medtandem.apps.accounts.selectors import has_role, institutions_of
from medtandem.apps.audit.services import Action, record
from medtandem.apps.catalogue.models import Offer, OfferCompletion, Status
from medtandem.apps.curriculum.models import Competency, Programme
from medtandem.apps.curriculum.selectors import completed_programme_on
from medtandem.web.slugs import free_slug


class CatalogueError(Exception):
    """A rule refused the action; ``str(exc)`` is the message for the page (translated)."""


class NotAllowed(CatalogueError):
    """The person may not act on this institution's offers."""


@dataclass(frozen=True)
class OfferData:
    """The fields of an offer as its publisher gives them."""

    title: str
    kind: str
    institution: Institution
    format: str
    hours: Decimal
    title_en: str = ""
    summary: str = ""
    summary_en: str = ""
    audience: str = "both"
    professions: tuple[str, ...] = ()
    ects: Decimal | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    cost_eur: Decimal | None = None
    dpc_reference: str = ""
    competencies: tuple[Competency, ...] = ()
    programme: Programme | None = None
    enrol_url: str = ""
    is_example: bool = False


def may_publish_for(user: User, institution: Institution) -> bool:
    """Administrators everywhere; institution administrators for their institutions."""
    if has_role(user, Role.ADMINISTRATOR):
        return True
    return has_role(user, Role.INSTITUTION_ADMIN) and institution.pk in institutions_of(
        user, Role.INSTITUTION_ADMIN
    )


def _check(data: OfferData) -> None:
    if not data.title.strip():
        raise CatalogueError(_("L'intitulé est obligatoire."))
    if data.hours <= 0:
        raise CatalogueError(_("Le volume horaire doit être positif."))
    if data.starts_on and data.ends_on and data.starts_on > data.ends_on:
        raise CatalogueError(_("La fin précède le début."))
    if data.ects is not None and data.ects < 0:
        raise CatalogueError(_("Les ECTS ne peuvent pas être négatifs."))
    if data.cost_eur is not None and data.cost_eur < 0:
        raise CatalogueError(_("Le coût ne peut pas être négatif."))
    if not data.programme and not data.enrol_url:
        raise CatalogueError(
            _("Dites comment s'inscrire : un programme MedTandem ou un lien vers l'établissement.")
        )


def _fields(data: OfferData) -> dict[str, object]:
    return {
        "title": data.title.strip(),
        "title_en": data.title_en.strip(),
        "summary": data.summary,
        "summary_en": data.summary_en,
        "kind": data.kind,
        "institution": data.institution,
        "audience": data.audience,
        "professions": ("," + ",".join(data.professions) + ",") if data.professions else "",
        "format": data.format,
        "hours": data.hours,
        "ects": data.ects,
        "starts_on": data.starts_on,
        "ends_on": data.ends_on,
        "cost_eur": data.cost_eur,
        "dpc_reference": data.dpc_reference.strip(),
        "programme": data.programme,
        "enrol_url": data.enrol_url,
        "is_example": data.is_example,
    }


@transaction.atomic
def submit_offer(data: OfferData, *, by: User, offer: Offer | None = None) -> Offer:
    """Create (``offer`` None) or change an offer; either way it waits for review."""
    if not may_publish_for(by, data.institution) or (
        offer is not None and not may_publish_for(by, offer.institution)
    ):
        raise NotAllowed(_("Vous ne publiez pas pour cet établissement."))
    _check(data)
    fields = _fields(data)
    if offer is None:
        slug = free_slug(Offer, data.title, max_length=100, fallback="offre")
        offer = Offer.objects.create(slug=slug, submitted_by=by, status=Status.PENDING, **fields)
    else:
        for name, value in fields.items():
            setattr(offer, name, value)
        offer.status, offer.submitted_by, offer.reviewed_by = Status.PENDING, by, None
        offer.save()
    offer.competencies.set(data.competencies)
    record(Action.OFFER_SUBMITTED, actor=by, target=offer, details={"title": offer.title})
    return offer


@transaction.atomic
def review_offer(offer: Offer, *, by: User, publish: bool, note: str = "") -> Offer:
    """An administrator publishes or refuses an offer waiting for review."""
    if not has_role(by, Role.ADMINISTRATOR):
        raise NotAllowed(_("Seul un administrateur relit les offres."))
    if offer.status != Status.PENDING:
        raise CatalogueError(_("Cette offre n'attend pas de relecture."))
    offer.status = Status.PUBLISHED if publish else Status.REJECTED
    offer.review_note, offer.reviewed_by = note.strip()[:2000], by
    offer.save(update_fields=["status", "review_note", "reviewed_by", "updated_at"])
    record(Action.OFFER_REVIEWED, actor=by, target=offer, details={"status": offer.status})
    return offer


@transaction.atomic
def record_completion(
    learner: User, offer: Offer, completed_on: date, *, today: date
) -> OfferCompletion:
    """Add an offer to a practitioner's record (once per offer; not in the future)."""
    if offer.status != Status.PUBLISHED:
        raise CatalogueError(_("Cette offre n'est pas publiée."))
    if completed_on > today:
        raise CatalogueError(_("La date de fin ne peut pas être dans le futur."))
    if OfferCompletion.objects.filter(learner=learner, offer=offer).exists():
        raise CatalogueError(_("Cette formation figure déjà dans votre parcours."))
    verified = False
    if offer.programme is not None:
        done = completed_programme_on(learner, offer.programme)
        if done is None:
            raise CatalogueError(
                _(
                    "Cette formation se suit sur MedTandem : elle s'ajoute une fois le programme terminé."
                )
            )
        completed_on, verified = done, True
    return OfferCompletion.objects.create(
        learner=learner, offer=offer, completed_on=completed_on, verified=verified
    )


def remove_completion(learner: User, completion_id: int) -> bool:
    """A practitioner removes an entry of their own record; returns whether one was removed."""
    deleted, _n = OfferCompletion.objects.filter(learner=learner, pk=completion_id).delete()
    return bool(deleted)


def set_competencies(offer: Offer, competencies: Iterable[Competency]) -> None:
    offer.competencies.set(list(competencies))
