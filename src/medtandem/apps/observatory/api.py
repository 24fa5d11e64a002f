"""The observatory's open data: a versioned, read-only JSON API (``/api/v1/``), with its OpenAPI 3
description at ``/api/v1/openapi.json``. No login; nothing personal (see :mod:`.selectors`).

Plain Django views: six read-only endpoints do not need a framework, and the hand-written OpenAPI
document is checked against the running app by Schemathesis in the test suite.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path, re_path
from django.views.decorators.http import require_GET

from medtandem.apps.observatory import selectors, services
from medtandem.apps.observatory.models import (
    Application,
    ApplicationVersion,
    FieldMetric,
    Incident,
    Source,
    Status,
)

API_VERSION = "1.0.0"
MAX_PAGE_SIZE = 100


class BadRequest(Exception):
    pass


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _int(request: HttpRequest, name: str, default: int, lo: int, hi: int) -> int:
    raw = request.GET.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not lo <= int(raw) <= hi:
        raise BadRequest(f"{name} must be an integer between {lo} and {hi}")
    return int(raw)


def _choice(request: HttpRequest, name: str, allowed: list[str]) -> str:
    raw = request.GET.get(name, "")
    if raw and raw not in allowed:
        raise BadRequest(f"{name} must be one of {allowed}")
    return raw


def _text(request: HttpRequest, name: str) -> str:
    """A free-text filter: at most 200 characters and no NUL (which PostgreSQL text cannot hold)."""
    raw = request.GET.get(name, "")
    if "\x00" in raw or len(raw) > 200:
        raise BadRequest(f"{name} must be at most 200 characters, without NUL")
    return raw


def _list(
    request: HttpRequest, name: str, qs: QuerySet[Any], shape: Callable[[Any], dict[str, Any]]
) -> HttpResponse:
    fmt = _choice(request, "format", ["json", "csv"]) or "json"
    page = _int(request, "page", 1, 1, 1_000_000)
    size = _int(request, "page_size", 50, 1, MAX_PAGE_SIZE)
    if fmt == "csv":
        rows = [shape(obj) for obj in qs.iterator(chunk_size=2000)]
        header = [
            k
            for k in (rows[0] if rows else {"id": None})
            if not isinstance((rows[0] if rows else {}).get(k), dict | list)
        ]
        response = HttpResponse(
            services.csv_text(header, ([r.get(h) for h in header] for r in rows)),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    count = qs.count()
    items = [shape(obj) for obj in qs[(page - 1) * size : page * size]]
    base = request.build_absolute_uri(request.path)
    query = request.GET.copy()

    def link(p: int) -> str:
        query["page"] = str(p)
        return f"{base}?{query.urlencode()}"

    return JsonResponse(
        {
            "count": count,
            "page": page,
            "page_size": size,
            "next": link(page + 1) if page * size < count else None,
            "previous": link(page - 1) if page > 1 else None,
            "results": items,
        }
    )


def _endpoint(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except BadRequest as exc:
            return _error(400, str(exc))
        response["Access-Control-Allow-Origin"] = "*"
        return response

    wrapped.__name__ = view.__name__
    return require_GET(wrapped)


@_endpoint
def applications(request: HttpRequest) -> HttpResponse:
    qs = Application.objects.filter(versions__published=True).distinct().order_by("slug")
    source = _choice(request, "source", list(Source.values))
    if source:
        qs = qs.filter(source=source)
    return _list(
        request, "applications", qs.prefetch_related("versions"), selectors.application_public
    )


@_endpoint
def application(request: HttpRequest, slug: str) -> HttpResponse:
    if "\x00" in slug:
        return _error(404, "no such application")
    app = Application.objects.filter(slug=slug, versions__published=True).first()
    return (
        JsonResponse(selectors.application_public(app))
        if app
        else _error(404, "no such application")
    )


@_endpoint
def versions(request: HttpRequest) -> HttpResponse:
    qs = selectors.registry().order_by("slug")
    status = _choice(request, "status", list(Status.values))
    source = _choice(request, "source", list(Source.values))
    if status:
        qs = qs.filter(status=status)
    if source:
        qs = qs.filter(application__source=source)
    if _text(request, "application"):
        qs = qs.filter(application__slug=_text(request, "application"))
    if _text(request, "fda_submission"):
        qs = qs.filter(fda_submission=_text(request, "fda_submission").upper())
    return _list(request, "versions", qs, selectors.version_public)


@_endpoint
def version(request: HttpRequest, slug: str) -> HttpResponse:
    v = None if "\x00" in slug else selectors.registry().filter(slug=slug).first()
    return (
        JsonResponse(selectors.version_public(v, full=True))
        if v
        else _error(404, "no such version")
    )


@_endpoint
def field_metrics(request: HttpRequest) -> HttpResponse:
    subgroup = _choice(
        request, "subgroup", ["all", "sex", "age_band", "device", "site", "profession"]
    )
    qs = (
        FieldMetric.objects.filter(run__version__published=True)
        .select_related("run__version")
        .order_by("run__version__slug", "output", "subgroup", "subgroup_value", "window")
    )
    if _text(request, "version"):
        qs = qs.filter(run__version__slug=_text(request, "version"))
    if _text(request, "output"):
        qs = qs.filter(output=_text(request, "output"))
    if subgroup:
        qs = qs.filter(subgroup=subgroup)
    return _list(request, "field-metrics", qs, lambda m: selectors.metric_public(m, m.run.version))


@_endpoint
def incidents(request: HttpRequest) -> HttpResponse:
    origin = _choice(request, "origin", list(Incident.Origin.values))
    qs = selectors.public_incidents().order_by("public_id")
    if origin:
        qs = qs.filter(origin=origin)
    if _text(request, "version"):
        qs = qs.filter(version__slug=_text(request, "version"))
    return _list(request, "incidents", qs, selectors.incident_public)


@_endpoint
def incident(request: HttpRequest, public_id: str) -> HttpResponse:
    i = (
        None
        if "\x00" in public_id
        else selectors.public_incidents().filter(public_id=public_id).first()
    )
    return (
        JsonResponse(selectors.incident_public(i)) if i else _error(404, "no such public incident")
    )


@_endpoint
def hurdles(request: HttpRequest) -> HttpResponse:
    return _list(
        request,
        "hurdles",
        selectors.published_hurdles().order_by("public_id"),
        selectors.hurdle_public,
    )


@_endpoint
def hurdles_summary(request: HttpRequest) -> HttpResponse:
    return JsonResponse(selectors.hurdle_aggregates())


@_endpoint
def openapi(request: HttpRequest) -> HttpResponse:
    return JsonResponse(openapi_document(request.build_absolute_uri("/api/v1")))


# --- the OpenAPI 3 description ------------------------------------------------------------------

S = {"type": "string"}
NS = {"type": "string", "nullable": True}
NN = {"type": "number", "nullable": True}
I = {"type": "integer"}  # noqa: E741
B = {"type": "boolean"}
CI = {"type": "array", "items": NN, "nullable": True}


def _obj(props: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": required or list(props)}


SCHEMAS: dict[str, Any] = {
    "Error": _obj({"error": S}),
    "Application": _obj(
        {
            "id": S,
            "name": S,
            "provider": S,
            "source": {"type": "string", "enum": list(Source.values)},
            "is_example": B,
            "task": S,
            "modality": S,
            "region": S,
            "versions": {"type": "array", "items": S},
        }
    ),
    "Version": _obj(
        {
            "id": S,
            "application": S,
            "name": S,
            "version": S,
            "provider": S,
            "source": S,
            "is_example": B,
            "status": {"type": "string", "enum": list(Status.values)},
            "risk_class": S,
            "mdr_class": S,
            "fda_submission": NS,
            "decision_date": NS,
            "task": S,
            "modality": S,
            "region": S,
            "in_service_in_medtandem": B,
            "intended_use": S,
            "regulatory_status": S,
            "updated_at": S,
        }
    ),
    "FieldMetric": _obj(
        {
            "application_version": S,
            "output": S,
            "window": I,
            "window_start": S,
            "window_end": S,
            "subgroup": S,
            "subgroup_value": S,
            "n": I,
            "n_positive": I,
            "auc": NN,
            "auc_ci": CI,
            "sensitivity": NN,
            "sensitivity_ci": CI,
            "specificity": NN,
            "specificity_ci": CI,
            "ece": NN,
            "enough_data": B,
            "claimed_auc": NN,
            "claimed_sensitivity": NN,
            "claimed_specificity": NN,
        }
    ),
    "Incident": _obj(
        {
            "id": S,
            "application_version": NS,
            "application_name": NS,
            "category": S,
            "category_label": S,
            "seriousness": S,
            "reported_seriousness": S,
            "state": S,
            "origin": {"type": "string", "enum": list(Incident.Origin.values)},
            "unverified": B,
            "occurred_month": NS,
            "aware_on": S,
            "summary": S,
            "corrective_action": S,
            "entities": {"type": "array", "items": _obj({"role": S, "name": S})},
        }
    ),
    "Hurdle": _obj(
        {
            "id": S,
            "category": S,
            "profession": S,
            "region": S,
            "on_behalf_of_site": B,
            "severity": I,
            "is_example": B,
            "reported_month": S,
            "text": NS,
        }
    ),
    "HurdleSummary": {
        "type": "object",
        "required": ["total", "by_category", "by_profession", "by_region", "min_cell"],
        "properties": {
            "total": I,
            "min_cell": I,
            "by_category": {
                "type": "array",
                "items": _obj({"category": S, "label": S, "count": I}),
            },
            "by_profession": {
                "type": "array",
                "items": _obj(
                    {"category": S, "group": S, "count": {"type": "integer", "nullable": True}}
                ),
            },
            "by_region": {
                "type": "array",
                "items": _obj(
                    {"category": S, "group": S, "count": {"type": "integer", "nullable": True}}
                ),
            },
        },
    },
}


def _page_of(ref: str) -> dict[str, Any]:
    return _obj(
        {
            "count": I,
            "page": I,
            "page_size": I,
            "next": NS,
            "previous": NS,
            "results": {"type": "array", "items": {"$ref": f"#/components/schemas/{ref}"}},
        }
    )


PAGING = [
    {
        "name": "page",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": 1000000},
    },
    {
        "name": "page_size",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
    },
    {
        "name": "format",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "enum": ["json", "csv"]},
    },
]
ERR = {
    "description": "invalid parameter",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}
NOT_FOUND = {
    "description": "not found",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


def _list_op(summary: str, ref: str, extra: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "parameters": PAGING + extra,
            "responses": {
                "200": {
                    "description": "a page of results (or every row as CSV with format=csv)",
                    "content": {
                        "application/json": {"schema": _page_of(ref)},
                        "text/csv": {"schema": S},
                    },
                },
                "400": ERR,
            },
        }
    }


def _one_op(summary: str, ref: str, name: str) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "parameters": [{"name": name, "in": "path", "required": True, "schema": S}],
            "responses": {
                "200": {
                    "description": "the record",
                    "content": {
                        "application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}
                    },
                },
                "404": NOT_FOUND,
            },
        }
    }


def _q(name: str, enum: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if enum:
        schema["enum"] = enum
    else:  # free text: what the endpoint accepts (PostgreSQL text cannot hold NUL)
        schema.update({"maxLength": 200, "pattern": "^[^\\u0000]*$"})
    return {"name": name, "in": "query", "required": False, "schema": schema}


def openapi_document(server: str = "/api/v1") -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "MedTandem observatory open data",
            "version": API_VERSION,
            "description": "Registry of AI applications in healthcare (including the FDA's AI-enabled device "
            "list), field monitoring of MedTandem's own models, public incidents and hurdles. "
            "Read-only, no authentication, paginated; CSV with format=csv.",
            "license": {
                "name": "Etalab Open Licence 2.0 (MedTandem data); FDA records are public domain"
            },
        },
        "servers": [{"url": server}],
        "paths": {
            "/applications": _list_op(
                "AI applications", "Application", [_q("source", list(Source.values))]
            ),
            "/applications/{id}": _one_op("One application", "Application", "id"),
            "/versions": _list_op(
                "Application versions (registry entries)",
                "Version",
                [
                    _q("status", list(Status.values)),
                    _q("source", list(Source.values)),
                    _q("application"),
                    _q("fda_submission"),
                ],
            ),
            "/versions/{id}": _one_op("One registry entry", "Version", "id"),
            "/field-metrics": _list_op(
                "Field performance figures",
                "FieldMetric",
                [
                    _q("version"),
                    _q("output"),
                    _q("subgroup", ["all", "sex", "age_band", "device", "site", "profession"]),
                ],
            ),
            "/incidents": _list_op(
                "Public incidents",
                "Incident",
                [_q("origin", list(Incident.Origin.values)), _q("version")],
            ),
            "/incidents/{id}": _one_op("One public incident", "Incident", "id"),
            "/hurdles": _list_op("Published hurdles", "Hurdle", []),
            "/hurdles/summary": {
                "get": {
                    "summary": "Hurdle counts (cells under min_cell hidden)",
                    "responses": {
                        "200": {
                            "description": "aggregates",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/HurdleSummary"}
                                }
                            },
                        }
                    },
                }
            },
        },
        "components": {"schemas": SCHEMAS},
    }


app_name = "observatory_api"
urlpatterns = [
    path("openapi.json", openapi, name="openapi"),
    path("applications", applications, name="applications"),
    re_path(r"^applications/(?P<slug>.+)$", application, name="application"),
    path("versions", versions, name="versions"),
    re_path(r"^versions/(?P<slug>.+)$", version, name="version"),
    path("field-metrics", field_metrics, name="field_metrics"),
    path("incidents", incidents, name="incidents"),
    re_path(r"^incidents/(?P<public_id>.+)$", incident, name="incident"),
    path("hurdles", hurdles, name="hurdles"),
    path("hurdles/summary", hurdles_summary, name="hurdles_summary"),
]
_ = ApplicationVersion
