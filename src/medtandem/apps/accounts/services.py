"""Write-side rules for people: creating accounts with roles, and log-in throttling."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from medtandem.apps.accounts.models import Cohort, Institution, Role, RoleAssignment, User


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


# --- institutions, cohorts, people in bulk (the demo loaders and imports write through these) ----


def get_or_create_institution(name: str, *, kind: str = Institution.Kind.FACULTY, region: str = "") -> Institution:
    institution, _ = Institution.objects.get_or_create(name=name, defaults={"kind": kind, "region": region})
    return institution


def get_or_create_cohort(name: str, *, institution: Institution | None = None) -> Cohort:
    cohort, _ = Cohort.objects.get_or_create(name=name, institution=institution)
    return cohort


def add_to_cohort(cohort: Cohort, *, learners: Iterable[User] = (), instructors: Iterable[User] = ()) -> None:
    """Add people to a cohort (adding someone already in it changes nothing)."""
    cohort.learners.add(*learners)
    cohort.instructors.add(*instructors)


def set_password(user: User, password: str) -> None:
    user.set_password(password)
    user.save(update_fields=["password"])


@transaction.atomic
def create_people_in_bulk(people: Sequence[dict[str, object]], *, role: str = Role.LEARNER,
                          batch_size: int = 1000) -> list[User]:
    """Create many accounts without a usable password, each with ``role`` in their institution.

    ``people`` are the :class:`User` fields (``username`` required). For simulated learners and
    large imports, where hashing a password per person would be pointless and slow.
    """
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}")
    users = [User(password="!", **fields) for fields in people]  # "!": Django's unusable password
    User.objects.bulk_create(users, batch_size=batch_size)
    names = [str(fields["username"]) for fields in people]
    created = list(User.objects.filter(username__in=names).order_by("username"))
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=u, role=role, institution=u.institution) for u in created],
        batch_size=batch_size, ignore_conflicts=True,
    )
    return created
