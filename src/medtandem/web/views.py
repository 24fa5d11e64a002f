from __future__ import annotations

import sys

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from medtandem.web.availability import RETRY_AFTER_S, is_unavailable, unavailable_response


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and readiness for a load balancer: 200 when the database answers, else 503 (JSON)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        connection.close_if_unusable_or_obsolete()
        response = JsonResponse(
            {"status": "unavailable", "database": "down", "detail": type(exc).__name__}, status=503
        )
        response["Retry-After"] = str(RETRY_AFTER_S)
        return response
    return JsonResponse({"status": "ok", "database": "ok"})


# --- error pages ------------------------------------------------------------------------------
# Django's own handlers would render the same templates; ours add the "back" link (the referring
# page, when it is on this site) and never pass the exception to the template.


def back_url(request: HttpRequest) -> str:
    """The referring page when it is one of ours (never an off-site address), else ''."""
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return ""


def _error(request: HttpRequest, template: str, status: int, **context: object) -> HttpResponse:
    try:
        back = back_url(request)
    except Exception:  # noqa: BLE001 — a bad Host header must not turn a 400 into a 500
        back = ""
    return render(request, template, {"back_url": back, **context}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return HttpResponse(loader.get_template("400.html").render({}), status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, "403.html", 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, "404.html", 404)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page: no request context, no database (either may be what failed).

    Django calls it while handling the uncaught exception. A lost database connection raised
    outside a view (a middleware reading the session on the way out, after the view's own 503) is
    still the retryable JSON 503 the reading page and other clients retry, not an HTML 500."""
    if is_unavailable(sys.exc_info()[1]):
        return unavailable_response()
    return HttpResponse(loader.get_template("500.html").render({}), status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: our page, in the layout, instead of Django's technical one."""
    return _error(request, "403_csrf.html", 403)


def too_many_requests(request: HttpRequest, retry_after_s: int) -> HttpResponse:
    """429 with ``Retry-After`` (used by the log-in throttle)."""
    minutes = max(1, -(-retry_after_s // 60))
    response = _error(request, "429.html", 429, retry_minutes=minutes)
    response["Retry-After"] = str(retry_after_s)
    return response
