"""The request type of views that only signed-in people reach (``login_required``, ``role_required``)."""

from __future__ import annotations

from django.http import HttpRequest

from medtandem.apps.accounts.models import User


class AuthedRequest(HttpRequest):
    """An :class:`HttpRequest` whose ``user`` is a signed-in :class:`User` (for the type checker)."""

    user: User  # type: ignore[assignment]  # narrower than HttpRequest.user: the point of the class
