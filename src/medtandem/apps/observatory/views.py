"""Public, machine-readable observatory pages (no login: transparency is the point)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render

from medtandem.apps.observatory import selectors
from medtandem.apps.observatory.models import AIApplication


def _as_json(entry: AIApplication) -> dict[str, object]:
    return {
        "slug": entry.slug, "name": entry.name, "version": entry.version, "developer": entry.developer,
        "intended_use": entry.intended_use, "regulatory_status": entry.regulatory_status,
        "in_service": entry.in_service, "registered_at": entry.registered_at.isoformat(),
        "facts": entry.facts, "model_card": entry.model_card, "frugality": entry.frugality,
    }


def registry(request: HttpRequest) -> HttpResponse:
    return render(request, "observatory/registry.html", {"entries": selectors.registry()})


def registry_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"applications": [_as_json(e) for e in selectors.registry()]})


def _readable(value: object) -> str:
    """A card value as plain text: lists joined, nested mappings as "key: value" pairs."""
    if isinstance(value, dict):
        return "; ".join(f"{str(k).replace('_', ' ')}: {_readable(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return "; ".join(_readable(v) for v in value)
    return str(value)


def _card_sections(card: dict[str, object]) -> list[dict[str, object]]:
    sections = []
    for key, content in card.items():
        rows = (
            [(str(k).replace("_", " ").capitalize(), _readable(v)) for k, v in content.items()]
            if isinstance(content, dict)
            else [("", _readable(content))]
        )
        sections.append({"title": key.replace("_", " ").capitalize(), "rows": rows})
    return sections


def _application_page(request: HttpRequest, entry: AIApplication) -> HttpResponse:
    return render(request, "observatory/application.html",
                  {"entry": entry, "sections": _card_sections(entry.model_card)})


def application(request: HttpRequest, slug: str) -> HttpResponse:
    return _application_page(request, get_object_or_404(AIApplication, slug=slug))


def application_json(request: HttpRequest, slug: str) -> JsonResponse:
    return JsonResponse(_as_json(get_object_or_404(AIApplication, slug=slug)))


def model_card(request: HttpRequest) -> HttpResponse:
    """The card of the model now in service (the learner's AI step links here)."""
    entry = selectors.in_service()
    if entry is None:
        raise Http404("no model in service")
    return _application_page(request, entry)


def frugality(request: HttpRequest) -> HttpResponse:
    """One row per shipped model: size, energy, latency, AUC and AUC per joule, and why the default won."""
    from medtandem.ai import frugality_report

    report = frugality_report()
    if request.GET.get("format") == "json":
        return JsonResponse(report)
    return render(request, "observatory/frugality.html", {"report": report})
