"""HTTP hardening that Django does not ship: a Content-Security-Policy header, a request-size limit."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

# Our own scripts and styles only; SVG tracings are inline, so no external image origin is needed.
_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def content_security_policy(
    *, frame_ancestors: tuple[str, ...] = (), form_action: tuple[str, ...] = ()
) -> str:
    """Our policy, with other origins allowed to frame us or to receive our forms (an LTI platform)."""
    policy = _POLICY
    if frame_ancestors:
        policy = policy.replace(
            "frame-ancestors 'none'", "frame-ancestors " + " ".join(frame_ancestors)
        )
    if form_action:
        policy = policy.replace("form-action 'self'", "form-action 'self' " + " ".join(form_action))
    return policy


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", _POLICY)
        return response


class RequestSizeLimitMiddleware:
    """Refuse, with 413 and before reading it, a request whose declared body exceeds
    ``MEDTANDEM_MAX_REQUEST_BYTES`` (uploads have their own, smaller limits per kind: see
    :mod:`medtandem.web.uploads`). A body sent without a length is bounded by Django's own
    ``DATA_UPLOAD_MAX_MEMORY_SIZE`` for form data and by the upload limits for files."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > settings.MEDTANDEM_MAX_REQUEST_BYTES:
            html = render_to_string(
                "413.html", {"limit": settings.MEDTANDEM_MAX_REQUEST_BYTES}, request=request
            )
            response = HttpResponse(html, status=413)
            response["Connection"] = "close"
            return response
        return self.get_response(request)
