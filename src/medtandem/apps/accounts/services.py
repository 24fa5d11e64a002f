"""Write-side rules for people: creating accounts with roles, and log-in throttling."""

from __future__ import annotations

import hashlib
import ipaddress
import unicodedata
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from medtandem.apps.accounts.models import Cohort, Institution, Role, RoleAssignment, User
from medtandem.apps.audit.services import Action, record


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


@transaction.atomic
def grant_role(
    user: User, role: str, institution: Institution | None = None, *, by: User | None = None
) -> None:
    """Give a role (scoped to an institution, or everywhere); a new grant is on the audit trail."""
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}")
    _assignment, created = RoleAssignment.objects.get_or_create(
        user=user, role=role, institution=institution
    )
    user.__dict__.pop("_medtandem_roles", None)
    if created:
        _record_role(Action.ROLE_GRANTED, user, role, institution, by)


@transaction.atomic
def revoke_role(
    user: User, role: str, institution: Institution | None = None, *, by: User | None = None
) -> bool:
    """Take a role away; returns whether the person held it. On the audit trail."""
    deleted, _ = RoleAssignment.objects.filter(
        user=user, role=role, institution=institution
    ).delete()
    user.__dict__.pop("_medtandem_roles", None)
    if deleted:
        _record_role(Action.ROLE_REVOKED, user, role, institution, by)
    return bool(deleted)


def _record_role(
    action: str, user: User, role: str, institution: Institution | None, by: User | None
) -> None:
    """A role granted or taken away, on the audit trail (the institution by name)."""
    record(
        action,
        actor=by,
        target=user,
        details={"role": role, "institution": institution.name if institution else None},
    )


# --- log-in throttling --------------------------------------------------------------------------
# Three counters, each within LOGIN_THROTTLE_WINDOW_S:
#   (identity, address) -> LOGIN_THROTTLE_ATTEMPTS           guessing one account from one place
#   address             -> LOGIN_THROTTLE_ADDRESS_ATTEMPTS   trying many names from one place
#   identity            -> LOGIN_THROTTLE_IDENTITY_ATTEMPTS  guessing one account from many places
# The identity is what the authentication backend resolves, not the string typed: the log-in form
# normalises a name with NFKC and strips it ("ｉｎｅｓ " is "ines"), so the throttle does the same and
# also folds case; when an account matches, the identity is its primary key. No spelling of a name
# therefore gets a fresh allowance. A success clears only the (identity, address) counter, so
# logging in to one's own account does not reset the address's allowance for others.


def login_identity(username: str) -> str:
    """The account a submitted user name designates, as the throttle counts it.

    ``user:<pk>`` when an account matches the normalised name (NFKC, stripped, case-folded),
    else ``name:<normalised name>``.
    """
    name = unicodedata.normalize("NFKC", username or "").strip()
    folded = unicodedata.normalize("NFKC", name.casefold())
    match = (
        User.objects.filter(username__iexact=name)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
        if name
        else None
    )
    return f"user:{match}" if match is not None else f"name:{folded}"


def client_key(address: str) -> str:
    """The client address as the throttle counts it: IPv4 as is, IPv6 by its /64 network (one host
    usually holds a whole /64, so counting single IPv6 addresses would give it billions of tries)."""
    try:
        ip = ipaddress.ip_address((address or "").strip())
    except ValueError:
        return address or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _key(*parts: str) -> str:
    return "login-fail:" + hashlib.sha256("|".join(parts).encode()).hexdigest()


def _keys(username: str, client: str) -> dict[str, tuple[str, int]]:
    identity, address = login_identity(username), client_key(client)
    return {
        "pair": (_key("pair", identity, address), settings.LOGIN_THROTTLE_ATTEMPTS),
        "address": (_key("address", address), settings.LOGIN_THROTTLE_ADDRESS_ATTEMPTS),
        "identity": (_key("identity", identity), settings.LOGIN_THROTTLE_IDENTITY_ATTEMPTS),
    }


def login_blocked(username: str, client: str) -> bool:
    """True when this account from this address, this address, or this account failed too often
    within the window (whatever the spelling of the name)."""
    keys = _keys(username, client)
    counts = cache.get_many([key for key, _limit in keys.values()])
    return any(int(counts.get(key, 0)) >= limit for key, limit in keys.values())


def _increment(key: str) -> int:
    if cache.add(key, 1, timeout=settings.LOGIN_THROTTLE_WINDOW_S):
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=settings.LOGIN_THROTTLE_WINDOW_S)
        return 1


def record_login_failure(username: str, client: str) -> int:
    """Count a failure on every counter; returns the (identity, address) count."""
    keys = _keys(username, client)
    counts = {name: _increment(key) for name, (key, _limit) in keys.items()}
    return counts["pair"]


def clear_login_failures(username: str, client: str) -> None:
    cache.delete(_keys(username, client)["pair"][0])


# --- institutions, cohorts, people in bulk (the demo loaders and imports write through these) ----


def get_or_create_institution(
    name: str, *, kind: str = Institution.Kind.FACULTY, region: str = ""
) -> Institution:
    institution, _ = Institution.objects.get_or_create(
        name=name, defaults={"kind": kind, "region": region}
    )
    return institution


def get_or_create_cohort(name: str, *, institution: Institution | None = None) -> Cohort:
    cohort, _ = Cohort.objects.get_or_create(name=name, institution=institution)
    return cohort


def add_to_cohort(
    cohort: Cohort, *, learners: Iterable[User] = (), instructors: Iterable[User] = ()
) -> None:
    """Add people to a cohort (adding someone already in it changes nothing)."""
    cohort.learners.add(*learners)
    cohort.instructors.add(*instructors)


def set_password(user: User, password: str) -> None:
    user.set_password(password)
    user.save(update_fields=["password"])


@transaction.atomic
def create_people_in_bulk(
    people: Sequence[dict[str, object]], *, role: str = Role.LEARNER, batch_size: int = 1000
) -> list[User]:
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
        batch_size=batch_size,
        ignore_conflicts=True,
    )
    return created
