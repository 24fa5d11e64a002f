"""Read-side queries about people and roles, for other apps to use."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from medtandem.apps.accounts.models import Cohort, Role, RoleAssignment, User
from medtandem.web.prepared import Prepared

#: Asked by every page (the navigation): compiled once per process (web.prepared).
_ROLES: Prepared[tuple[str]] = Prepared(
    lambda user_id: RoleAssignment.objects.filter(user_id=user_id).values_list("role")
)


def roles_of(user: Any) -> set[str]:
    """The role names a user holds (cached on the user object for the request)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_medtandem_roles", None)
    if cached is None:
        cached = remember_roles(user, {role for (role,) in _ROLES.all(user_id=user.pk)})
    return set(cached)


def remember_roles(user: Any, held: set[str]) -> set[str]:
    """Keep on the user object (for the request) the roles it holds, as :func:`roles_of` reads
    them: ``held`` (its role assignments) and, for a superuser, administrator. The
    authentication back-end loads them with the user."""
    roles = set(held)
    if user.is_superuser:
        roles.add(Role.ADMINISTRATOR.value)
    user._medtandem_roles = roles
    return roles


def has_role(user: Any, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


def learners_of_instructor(instructor: User) -> QuerySet[User]:
    """Learners in the cohorts an instructor teaches (all learners for administrators)."""
    if has_role(instructor, Role.ADMINISTRATOR):
        return User.objects.filter(role_assignments__role=Role.LEARNER).distinct()
    return User.objects.filter(cohorts__instructors=instructor).distinct()


def institutions_of(user: Any, *roles: str) -> set[int]:
    """Ids of the institutions a person belongs to or holds one of ``roles`` in (their own
    institution, plus the institutions their role assignments are scoped to)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    ids = set(
        RoleAssignment.objects.filter(
            user=user, role__in=roles or Role.values, institution__isnull=False
        ).values_list("institution_id", flat=True)
    )
    if getattr(user, "institution_id", None):
        ids.add(user.institution_id)
    return ids


def cohorts_of_instructor(instructor: User) -> QuerySet[Cohort]:
    if has_role(instructor, Role.ADMINISTRATOR):
        return Cohort.objects.all()
    return Cohort.objects.filter(instructors=instructor)


def learners_of_cohorts(cohorts: Iterable[Cohort], extra: Iterable[User] = ()) -> list[User]:
    """The learners of these cohorts, plus ``extra``, each once, ordered by id (assignment, exclusions)."""
    chosen = {u.pk: u for u in extra}
    for user in User.objects.filter(cohorts__in=list(cohorts)).distinct():
        chosen.setdefault(user.pk, user)
    return [chosen[pk] for pk in sorted(chosen)]
