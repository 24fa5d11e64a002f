"""Log-in throttling counts the account the backend resolves and the client address, so no spelling of
a name (trailing space, full-width letters, upper case) and no list of names gets more guesses."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from medtandem.apps.accounts import services
from medtandem.apps.accounts.models import Role
from medtandem.apps.accounts.services import create_person

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-enough-passphrase"


@pytest.fixture(autouse=True)
def _clear_throttle() -> None:
    cache.clear()


@pytest.fixture
def ines(db: None):  # type: ignore[no-untyped-def]
    return create_person("ines", PASSWORD, [Role.LEARNER])


def _fail(client: Client, username: str, times: int = 5, address: str = "203.0.113.7") -> None:
    for _ in range(times):
        response = client.post(
            reverse("accounts:login"),
            {"username": username, "password": "wrong"},
            REMOTE_ADDR=address,
        )
        assert response.status_code == 200


@pytest.mark.parametrize(
    "spelling", ["ines ", " ines", "ｉｎｅｓ", "INES", "Ines", "ｉｎｅｓ\u3000"]
)
def test_another_spelling_of_a_blocked_name_is_still_blocked(
    client: Client, ines, spelling: str
) -> None:  # type: ignore[no-untyped-def]
    _fail(client, "ines")
    response = client.post(
        reverse("accounts:login"),
        {"username": spelling, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("spelling", ["ines ", "ｉｎｅｓ", "INES"])
def test_failures_under_other_spellings_count_for_the_same_account(
    client: Client, ines, spelling: str
) -> None:  # type: ignore[no-untyped-def]
    _fail(client, spelling)
    response = client.post(
        reverse("accounts:login"),
        {"username": "ines", "password": PASSWORD},
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.status_code == 429


def test_the_blocked_page_is_the_429_page_with_retry_after(client: Client, ines) -> None:  # type: ignore[no-untyped-def]
    _fail(client, "ines")
    response = client.post(
        reverse("accounts:login"),
        {"username": "ines", "password": PASSWORD},
        REMOTE_ADDR="203.0.113.7",
    )
    body = response.content.decode()
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Trop de tentatives" in body and 'href="/"' in body and 'class="brand"' in body


def test_one_address_trying_many_names_is_blocked(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.LOGIN_THROTTLE_ADDRESS_ATTEMPTS = 8
    create_person("victim", PASSWORD, [Role.LEARNER])
    for i in range(8):
        _fail(client, f"name-{i}", times=1)
    response = client.post(
        reverse("accounts:login"),
        {"username": "victim", "password": PASSWORD},
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.status_code == 429
    other = Client().post(
        reverse("accounts:login"),
        {"username": "victim", "password": PASSWORD},
        REMOTE_ADDR="198.51.100.20",
    )
    assert other.status_code == 302  # another address is not blocked by this one's failures


def test_an_account_guessed_from_many_addresses_is_blocked(client: Client, ines, settings) -> None:  # type: ignore[no-untyped-def]
    settings.LOGIN_THROTTLE_IDENTITY_ATTEMPTS = 6
    for i in range(6):
        _fail(client, "ines", times=1, address=f"198.51.100.{i + 1}")
    response = client.post(
        reverse("accounts:login"),
        {"username": "ines", "password": PASSWORD},
        REMOTE_ADDR="198.51.100.99",
    )
    assert response.status_code == 429


def test_a_success_does_not_reset_the_address_allowance(client: Client, ines, settings) -> None:  # type: ignore[no-untyped-def]
    settings.LOGIN_THROTTLE_ADDRESS_ATTEMPTS = 6
    _fail(client, "someone-else", times=3)
    assert (
        client.post(
            reverse("accounts:login"),
            {"username": "ines", "password": PASSWORD},
            REMOTE_ADDR="203.0.113.7",
        ).status_code
        == 302
    )
    client.logout()
    _fail(client, "someone-else-2", times=3)
    assert (
        client.post(
            reverse("accounts:login"),
            {"username": "ines", "password": PASSWORD},
            REMOTE_ADDR="203.0.113.7",
        ).status_code
        == 429
    )


def test_identity_is_the_account_for_every_spelling(ines) -> None:  # type: ignore[no-untyped-def]
    expected = f"user:{ines.pk}"
    for spelling in ("ines", "ines ", "ｉｎｅｓ", "INES", "\tIneS\n"):
        assert services.login_identity(spelling) == expected
    assert (
        services.login_identity("nobody ")
        == services.login_identity("ＮＯＢＯＤＹ")
        == "name:nobody"
    )


def test_ipv6_addresses_of_one_network_count_together() -> None:
    assert (
        services.client_key("2001:db8::1")
        == services.client_key("2001:db8::ffff")
        == "2001:db8::/64"
    )
    assert services.client_key("::ffff:192.0.2.1") == "192.0.2.1"
    assert services.client_key("not-an-ip") == "not-an-ip"
