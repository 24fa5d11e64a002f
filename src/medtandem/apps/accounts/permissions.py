"""View guards by role."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from medtandem.apps.accounts.selectors import has_role


def role_required(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Allow signed-in users holding one of ``roles``; others get 403 (anonymous: log-in page)."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        @login_required
        def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
