"""A database that is down (restarting, failing over) answers a retryable 503, not an HTML 500.

Clients (the reading page's script, the load benchmark, a mobile app) retry a ``503`` that carries
``Retry-After``; a ``500`` says "bug" and is not retried. The submission key makes a retried read
idempotent, so retrying is always safe on the reading path.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

RETRY_AFTER_S = 2


def unavailable_response() -> JsonResponse:
    response = JsonResponse(
        {
            "error": "unavailable",
            "detail": "the database is unavailable; retry shortly",
            "retry": True,
        },
        status=503,
    )
    response["Retry-After"] = str(RETRY_AFTER_S)
    response["Cache-Control"] = "no-store"
    return response


def is_unavailable(exception: BaseException | None) -> bool:
    """Whether ``exception`` says the database cannot be reached (retry later), not a bug."""
    return isinstance(exception, OperationalError | InterfaceError)


class DatabaseUnavailableMiddleware:
    """Turn a lost database connection raised by a view into a JSON ``503`` with ``Retry-After``.

    One raised by a middleware (outside any view) reaches the 500 handler instead, which answers
    the same 503 (``medtandem.web.views.server_error``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_unavailable(exception):
            return unavailable_response()
        return None
