"""Write-side rules for people: creating accounts with roles, and log-in throttling."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from medtandem.apps.accounts.models import Institution, Role, RoleAssignment, User


@transaction.atomic
def create_person(
    username: str,
    password: str | None,
    roles: Iterable[str] = (Role.LEARNER,),
    *,
    institution: Institution | None = None,
    **profile: object,
) -> User:
    """Create a user with the given roles (validated against :class:`Role`)."""
    roles = list(roles)
    unknown = [r for r in roles if r not in Role.values]
    if unknown:
        raise ValueError(f"unknown roles {unknown}; expected some of {Role.values}")
    user = User(username=username, institution=institution, **profile)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    for role in roles:
        RoleAssignment.objects.get_or_create(user=user, role=role, institution=institution)
    return user


def grant_role(user: User, role: str, institution: Institution | None = None) -> None:
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}")
    RoleAssignment.objects.get_or_create(user=user, role=role, institution=institution)
    user.__dict__.pop("_medtandem_roles", None)


def _throttle_key(username: str, client: str) -> str:
    digest = hashlib.sha256(f"{username.lower()}|{client}".encode()).hexdigest()
    return f"login-fail:{digest}"


def login_blocked(username: str, client: str) -> bool:
    """True when this username from this client failed too often within the window."""
    return int(cache.get(_throttle_key(username, client), 0)) >= settings.LOGIN_THROTTLE_ATTEMPTS


def record_login_failure(username: str, client: str) -> int:
    key = _throttle_key(username, client)
    if cache.add(key, 1, timeout=settings.LOGIN_THROTTLE_WINDOW_S):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=settings.LOGIN_THROTTLE_WINDOW_S)
        return 1


def clear_login_failures(username: str, client: str) -> None:
    cache.delete(_throttle_key(username, client))
