"""The authentication back-end loads a user and their roles in one query, as roles_of reads them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from medtandem.apps.accounts.backends import AccountsBackend
from medtandem.apps.accounts.models import Role, RoleAssignment
from medtandem.apps.accounts.selectors import roles_of
from medtandem.apps.accounts.services import create_person

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "roles",
    [(), (Role.LEARNER,), (Role.LEARNER, Role.INSTRUCTOR, Role.INVESTIGATOR)],
)
def test_the_user_comes_with_exactly_the_roles_stored_in_one_query(roles) -> None:  # type: ignore[no-untyped-def]
    person = create_person("alex", "correct-horse-battery-staple", roles)
    stored = set(RoleAssignment.objects.filter(user=person).values_list("role", flat=True))
    with CaptureQueriesContext(connection) as ctx:
        user = AccountsBackend().get_user(person.pk)
        assert user is not None and user.pk == person.pk
        assert roles_of(user) == stored == {str(r) for r in roles}
    assert len(ctx.captured_queries) == 1


def test_a_superuser_is_an_administrator_and_an_inactive_user_is_nobody() -> None:
    person = create_person("root", "correct-horse-battery-staple", [Role.LEARNER])
    person.is_superuser = True
    person.save()
    user = AccountsBackend().get_user(person.pk)
    assert roles_of(user) == {Role.LEARNER.value, Role.ADMINISTRATOR.value}
    person.is_active = False
    person.save()
    assert AccountsBackend().get_user(person.pk) is None
    assert AccountsBackend().get_user("not-an-id") is None
    assert AccountsBackend().get_user(person.pk + 1000) is None
