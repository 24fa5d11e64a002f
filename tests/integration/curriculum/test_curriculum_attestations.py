"""Attestations: the PDF, the public verification page, and the signed Open Badges 3.0 credential."""

from __future__ import annotations

import json

import jwt
import pytest
from django.urls import reverse

from medtandem.apps.curriculum import badges, services
from medtandem.apps.curriculum.models import Attestation

from .curriculum_helpers import complete_programme

pytestmark = pytest.mark.django_db


@pytest.fixture
def attestation(learner, programme) -> Attestation:
    complete_programme(learner, programme)
    return Attestation.objects.get()


def test_the_attestation_pdf_names_the_learner_programme_and_code(client, learner, attestation):
    client.force_login(learner)
    response = client.get(reverse("curriculum:attestation_pdf", args=[attestation.code]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    html = services.attestation_html(attestation, verify_url="http://testserver/learn/verify/X")
    assert "Camille Martin" in html and attestation.code in html and "Formation socle" in html


def test_only_the_holder_downloads_the_pdf(client, other_learner, attestation):
    client.force_login(other_learner)
    assert (
        client.get(reverse("curriculum:attestation_pdf", args=[attestation.code])).status_code
        == 403
    )


def test_the_public_verification_page_shows_validity_name_and_programme_only(client, attestation):
    page = client.get(reverse("curriculum:verify", args=[attestation.code])).content.decode()
    assert "Attestation valide" in page
    assert "Camille Martin" in page and "Formation socle au numérique en santé" in page
    assert "camille@example.org" not in page and "Rennes" not in page


def test_verification_lives_under_learn(attestation):
    assert (
        reverse("curriculum:verify", args=[attestation.code]) == f"/learn/verify/{attestation.code}"
    )


def test_an_unknown_code_is_not_found_and_a_revoked_one_says_so(client, attestation):
    assert client.get(reverse("curriculum:verify", args=["NOPE"])).status_code == 404
    services.revoke_attestation(attestation)
    assert (
        "Attestation révoquée"
        in client.get(reverse("curriculum:verify", args=[attestation.code])).content.decode()
    )


def test_the_badge_is_an_open_badges_3_credential_signed_with_ed25519(client, learner, attestation):
    client.force_login(learner)
    token = client.get(
        reverse("curriculum:attestation_badge", args=[attestation.code])
    ).content.decode()
    assert jwt.get_unverified_header(token)["alg"] == "EdDSA"
    claims = jwt.decode(token, badges.public_key(), algorithms=["EdDSA"])
    credential = claims["vc"]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert (
        credential["credentialSubject"]["achievement"]["name"]
        == "Formation socle au numérique en santé"
    )
    (holder,) = credential["credentialSubject"]["identifier"]
    assert (holder["identityType"], holder["identityHash"]) == ("name", "Camille Martin")
    # VC-JWT: sub is the holder's (opaque) id, jti the credential's id, which ends with the code.
    assert claims["sub"] == credential["credentialSubject"]["id"]
    assert claims["jti"] == credential["id"] and credential["id"].endswith(f"/{attestation.code}")


def test_the_verification_endpoint_accepts_our_signature_and_rejects_a_tampered_badge(
    client, attestation
):
    token = services.signed_badge(
        attestation,
        issuer_url="http://testserver/learn/",
        verify_url=f"http://testserver/learn/verify/{attestation.code}",
    )
    ok = client.post(reverse("curriculum:badge_verify"), {"token": token})
    assert ok.status_code == 200 and ok.json()["valid"] is True
    header, payload, signature = token.split(".")
    forged = json.loads(jwt.utils.base64url_decode(payload))
    forged["vc"]["credentialSubject"]["identifier"][0]["identityHash"] = "Quelqu'un d'autre"
    forged_payload = jwt.utils.base64url_encode(json.dumps(forged).encode()).decode()
    bad = client.post(
        reverse("curriculum:badge_verify"), {"token": f"{header}.{forged_payload}.{signature}"}
    )
    assert bad.status_code == 400 and bad.json()["reason"] == "signature invalide"
    # The reason is in the requester's language (issue 13: it was French in every language).
    client.cookies["django_language"] = "en"
    bad_en = client.post(
        reverse("curriculum:badge_verify"), {"token": f"{header}.{forged_payload}.{signature}"}
    )
    assert bad_en.json()["reason"] == "invalid signature"


def test_a_badge_signed_by_another_key_is_rejected(attestation):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    other = jwt.encode(
        {"iss": "x", "jti": "y", "vc": {}}, Ed25519PrivateKey.generate(), algorithm="EdDSA"
    )
    assert badges.verify_token(other).valid is False


def test_the_signing_key_is_generated_once_into_the_var_dir_and_published_as_jwk(client, settings):
    first = badges.public_jwk()
    assert (settings.VAR_DIR / badges.KEY_FILE).exists()
    assert oct((settings.VAR_DIR / badges.KEY_FILE).stat().st_mode & 0o777) == "0o600"
    assert badges.public_jwk() == first
    assert client.get(reverse("curriculum:jwks")).json()["keys"][0]["x"] == first["x"]
