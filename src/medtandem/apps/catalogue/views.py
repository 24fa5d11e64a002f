"""Catalogue pages. Search and offer pages are public; publishing needs the institution
administrator (or administrator) role; reviewing and national counts need the administrator role;
a practitioner's record needs an account. Views parse, call a service or selector, render."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from medtandem.apps.accounts.http import AuthedRequest
from medtandem.apps.accounts.models import Profession, Role
from medtandem.apps.accounts.permissions import role_required
from medtandem.apps.catalogue import selectors, services
from medtandem.apps.catalogue.forms import CompletionForm, OfferForm, ReviewForm
from medtandem.apps.catalogue.models import Audience, Format, Kind, Offer, Status
from medtandem.web.downloads import csv_response


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 10 else None


def _filters(request: HttpRequest) -> selectors.OfferFilters:
    g = {k: str(request.GET.get(k, "")).replace("\x00", "")[:200] for k in request.GET}
    try:
        max_hours = Decimal(g["max_hours"]) if g.get("max_hours") else None
        if max_hours is not None and not max_hours.is_finite():
            max_hours = None
    except InvalidOperation:
        max_hours = None
    return selectors.OfferFilters(
        q=g.get("q", "").strip()[:100],
        kind=g.get("kind", "") if g.get("kind", "") in Kind.values else "",
        region=g.get("region", "")[:100],
        institution=_int(g.get("institution", "")),
        audience=g.get("audience", "") if g.get("audience", "") in Audience.values else "",
        profession=g.get("profession", "") if g.get("profession", "") in Profession.values else "",
        format=g.get("format", "") if g.get("format", "") in Format.values else "",
        dpc=g.get("dpc") == "1",
        free=g.get("free") == "1",
        competency=_int(g.get("competency", "")),
        max_hours=max_hours,
    )


def search(request: HttpRequest) -> HttpResponse:
    f = _filters(request)
    offers = [(o, *selectors.in_language(o)) for o in selectors.search(f)]
    return render(
        request,
        "catalogue/search.html",
        {
            "offers": offers,
            "f": f,
            "choices": selectors.filter_choices(),
            "kinds": Kind.choices,
            "formats": Format.choices,
            "audiences": Audience.choices,
            "professions": Profession.choices,
            "may_publish": bool(selectors.publishable_institutions(request.user).exists())  # type: ignore[arg-type]
            if request.user.is_authenticated
            else False,
        },
    )


def _visible_offer(request: HttpRequest, slug: str) -> Offer:
    """A published offer, or one the signed-in person manages (to see it before review)."""
    offer = selectors.offer_by_slug(slug)
    if offer is None:
        raise Http404
    if offer.status != Status.PUBLISHED and not (
        request.user.is_authenticated
        and selectors.managed_offers(request.user).filter(pk=offer.pk).exists()  # type: ignore[arg-type]
    ):
        raise Http404
    return offer


def offer(request: HttpRequest, slug: str) -> HttpResponse:
    item = _visible_offer(request, slug)
    title, summary = selectors.in_language(item)
    return render(
        request,
        "catalogue/offer.html",
        {
            "offer": item,
            "title": title,
            "summary": summary,
            "professions": [Profession(p).label for p in selectors.offer_professions(item)],
            "competencies": item.competencies.select_related("domain"),
            "completion_form": CompletionForm(initial={"completed_on": timezone.localdate()}),
        },
    )


@role_required(Role.INSTITUTION_ADMIN, Role.ADMINISTRATOR)
def manage(request: AuthedRequest) -> HttpResponse:
    return render(
        request, "catalogue/manage.html", {"offers": selectors.managed_offers(request.user)}
    )


@role_required(Role.INSTITUTION_ADMIN, Role.ADMINISTRATOR)
def edit(request: AuthedRequest, slug: str | None = None) -> HttpResponse:
    existing = None
    if slug is not None:
        existing = selectors.managed_offers(request.user).filter(slug=slug).first()
        if existing is None:
            raise Http404
    institutions = selectors.publishable_institutions(request.user)
    initial = OfferForm.initial_for(existing) if existing else None
    form = OfferForm(request.POST or None, institutions=institutions, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.submit_offer(form.data_object(), by=request.user, offer=existing)
        except services.CatalogueError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("Offre enregistrée : elle attend la relecture d'un administrateur.")
            )
            return redirect("catalogue:offer", slug=saved.slug)
    return render(request, "catalogue/edit.html", {"form": form, "offer": existing})


@role_required(Role.ADMINISTRATOR)
def review_queue(request: AuthedRequest) -> HttpResponse:
    return render(request, "catalogue/review.html", {"offers": selectors.pending()})


@role_required(Role.ADMINISTRATOR)
@require_POST
def review(request: AuthedRequest, slug: str) -> HttpResponse:
    item = selectors.offer_by_slug(slug)
    if item is None:
        raise Http404
    form = ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choisissez de publier ou de refuser."))
        return redirect("catalogue:review_queue")
    try:
        services.review_offer(
            item,
            by=request.user,
            publish=form.cleaned_data["decision"] == "publish",
            note=form.cleaned_data["note"],
        )
    except services.CatalogueError as exc:
        messages.error(request, str(exc))
    return redirect("catalogue:review_queue")


@login_required
@require_POST
def complete(request: AuthedRequest, slug: str) -> HttpResponse:
    item = _visible_offer(request, slug)
    form = CompletionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Indiquez la date de fin."))
        return redirect("catalogue:offer", slug=slug)
    try:
        services.record_completion(
            request.user, item, form.cleaned_data["completed_on"], today=timezone.localdate()
        )
    except services.CatalogueError as exc:
        messages.error(request, str(exc))
        return redirect("catalogue:offer", slug=slug)
    messages.success(request, _("Formation ajoutée à votre parcours."))
    return redirect("catalogue:record")


@login_required
def record(request: AuthedRequest) -> HttpResponse:
    return render(
        request, "catalogue/record.html", {"record": selectors.practitioner_record(request.user)}
    )


@login_required
@require_POST
def record_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    if not services.remove_completion(request.user, pk):
        raise Http404
    return redirect("catalogue:record")


@login_required
@require_safe
def record_csv(request: AuthedRequest) -> HttpResponse:
    """The practitioner's record as CSV (through the csvsafe writer), for the DPC obligation."""
    data = selectors.practitioner_record(request.user)
    return csv_response(
        "medtandem-dpc-record.csv",
        selectors.record_csv_rows(request.user, data),
        selectors.RECORD_CSV_HEADER,
    )


@role_required(Role.ADMINISTRATOR)
def national(request: AuthedRequest) -> HttpResponse:
    return render(
        request,
        "catalogue/national.html",
        {
            "real": selectors.learners_per_kind(),
            "simulated": selectors.learners_per_kind(simulated=True),
        },
    )
