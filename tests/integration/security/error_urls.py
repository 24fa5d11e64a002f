"""The site's URLs plus views that fail on purpose, for the error-page tests."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from medtandem.web.urls import handler400, handler403, handler404, handler500
from medtandem.web.urls import urlpatterns as site


def _boom(request):  # type: ignore[no-untyped-def]
    raise RuntimeError("secret detail that must never reach the page")


def _denied(request):  # type: ignore[no-untyped-def]
    raise PermissionDenied("secret reason")


def _bad(request):  # type: ignore[no-untyped-def]
    raise SuspiciousOperation("secret suspicion")


urlpatterns = [path("boom/", _boom), path("denied/", _denied), path("bad/", _bad), *site]
__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
