"""Security basics: Argon2 hashes, throttled log-in, CSRF, headers, and a clean deployment check."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from medtandem.apps.accounts.models import Role
from medtandem.apps.accounts.services import create_person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_throttle() -> None:
    cache.clear()


def test_passwords_are_hashed_with_argon2() -> None:
    user = create_person("ines", "a-long-enough-passphrase", [Role.LEARNER])
    assert user.password.startswith("argon2$")


def test_login_is_throttled_after_repeated_failures(client: Client) -> None:
    create_person("ines", "a-long-enough-passphrase", [Role.LEARNER])
    url = reverse("accounts:login")
    for _ in range(5):
        assert client.post(url, {"username": "ines", "password": "wrong"}).status_code == 200
    blocked = client.post(url, {"username": "ines", "password": "a-long-enough-passphrase"})
    assert blocked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_successful_login_clears_failures(client: Client) -> None:
    create_person("ines", "a-long-enough-passphrase", [Role.LEARNER])
    url = reverse("accounts:login")
    for _ in range(4):
        client.post(url, {"username": "ines", "password": "wrong"})
    assert (
        client.post(url, {"username": "ines", "password": "a-long-enough-passphrase"}).status_code
        == 302
    )
    client.logout()
    for _ in range(4):
        assert client.post(url, {"username": "ines", "password": "wrong"}).status_code == 200


def test_posts_without_csrf_token_are_refused() -> None:
    strict = Client(enforce_csrf_checks=True)
    create_person("ines", "a-long-enough-passphrase", [Role.LEARNER])
    response = strict.post(
        reverse("accounts:login"), {"username": "ines", "password": "a-long-enough-passphrase"}
    )
    assert response.status_code == 403


def test_pages_carry_security_headers(client: Client) -> None:
    response = client.get(reverse("home"))
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_pages_speak_french_by_default_and_english_on_request(client: Client) -> None:
    assert "Lire avec et sans l'IA" in client.get(reverse("home")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Reading with and without AI" in client.get(reverse("home")).content.decode()


def test_production_settings_pass_the_deployment_check() -> None:
    # A production process: none of the test-only switches (the browser tests allow async-unsafe ORM use).
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env |= {
        "MEDTANDEM_PRODUCTION": "1",
        "SECRET_KEY": "x" * 20 + "a-random-production-secret-with-enough-entropy-1234567890",
        "ALLOWED_HOSTS": "medtandem.example.org",
        "DJANGO_SETTINGS_MODULE": "medtandem.web.settings",
    }
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
