"""Error pages are the site's own, in its layout and language, with a way on, and give nothing away:
no URL patterns, no traceback, no exception text. DEBUG is off (as in the demo and in production)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.integration.security.error_urls")]

LAYOUT = ('class="brand"', 'id="error-home"', "site.css")


def _client(language: str) -> Client:
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE=language)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def test_debug_is_off() -> None:
    assert settings.DEBUG is False


@pytest.mark.parametrize(
    ("language", "heading"), [("fr", "Page introuvable"), ("en", "Page not found")]
)
def test_the_404_page_lists_no_url_pattern_and_shows_the_layout(
    language: str, heading: str
) -> None:
    response = _client(language).get("/nowhere/at/all")
    body = response.content.decode()
    assert response.status_code == 404
    assert heading in body and f'lang="{language}"' in body
    assert all(part in body for part in LAYOUT)
    for leak in (
        "urlpatterns",
        "URLconf",
        "Django tried these URL patterns",
        "Using the URLconf",
        "Traceback",
        "^admin/",
    ):
        assert leak not in body


@pytest.mark.parametrize(
    ("language", "heading"), [("fr", "Erreur du serveur"), ("en", "Server error")]
)
def test_the_500_page_shows_no_traceback(language: str, heading: str) -> None:
    response = _client(language).get("/boom/")
    body = response.content.decode()
    assert response.status_code == 500
    assert heading in body and 'id="error-home"' in body and 'class="brand"' in body
    assert "secret detail" not in body and "Traceback" not in body and "RuntimeError" not in body


@pytest.mark.parametrize(("language", "heading"), [("fr", "Accès refusé"), ("en", "Access denied")])
def test_the_403_page_is_in_the_layout(language: str, heading: str) -> None:
    response = _client(language).get("/denied/", HTTP_REFERER="http://testserver/learn/")
    body = response.content.decode()
    assert response.status_code == 403
    assert heading in body and "secret reason" not in body
    assert 'href="http://testserver/learn/"' in body  # the way back, to a page of ours


def test_the_back_link_never_points_off_site() -> None:
    body = _client("fr").get("/denied/", HTTP_REFERER="https://evil.example/phish").content.decode()
    assert "evil.example" not in body and 'id="error-back"' not in body


@pytest.mark.parametrize(
    ("language", "heading"), [("fr", "Requête invalide"), ("en", "Bad request")]
)
def test_the_400_page(language: str, heading: str) -> None:
    response = _client(language).get("/bad/")
    assert response.status_code == 400
    assert (
        heading in response.content.decode() and "secret suspicion" not in response.content.decode()
    )


@pytest.mark.parametrize(
    ("language", "heading"), [("fr", "Formulaire expiré"), ("en", "Form expired")]
)
def test_a_csrf_failure_gets_our_page(language: str, heading: str) -> None:
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE=language)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.post(reverse("accounts:login"), {"username": "x", "password": "y"})
    body = response.content.decode()
    assert response.status_code == 403
    assert heading in body and 'class="brand"' in body and "CSRF_FAILURE_VIEW" not in body


def test_a_request_body_over_the_limit_gets_413_before_it_is_read(settings) -> None:  # type: ignore[no-untyped-def]
    settings.MEDTANDEM_MAX_REQUEST_BYTES = 1000
    response = _client("fr").post(
        reverse("accounts:login"), data=b"x" * 5000, content_type="text/plain"
    )
    assert response.status_code == 413
    assert "Envoi trop volumineux" in response.content.decode()


def test_static_files_are_served_with_debug_off() -> None:
    response = _client("fr").get("/static/medtandem/site.css")
    assert response.status_code == 200
    assert b".error-page" in b"".join(response.streaming_content)
