"""Open Badges 3.0 revocation through a W3C Bitstring Status List, verified offline: the badge
carries its status entry, the published list is a signed credential, and a revoked attestation's
bit is set (decoded here by hand from the specification, not with our decoder)."""

from __future__ import annotations

import base64
import gzip

import jwt
import pytest
from django.urls import reverse

from medtandem.apps.curriculum import badges, services
from medtandem.apps.curriculum.models import Attestation

from .curriculum_helpers import complete_programme

pytestmark = pytest.mark.django_db
STATUS_URL = "http://testserver/learn/badges/status/revocation"


@pytest.fixture
def attestation(learner, programme) -> Attestation:  # type: ignore[no-untyped-def]
    complete_programme(learner, programme)
    return Attestation.objects.get()


def _bit_by_hand(encoded: str, index: int) -> bool:
    """Bitstring Status List v1.0, 3.2: multibase 'u' + base64url(GZIP(bits)); bit 0 is the
    most significant bit of byte 0."""
    assert encoded[0] == "u"
    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(raw) == 16_384  # 131,072 bits: the specification's minimum size
    return format(raw[index // 8], "08b")[index % 8] == "1"


def _claims(token: str) -> dict:  # type: ignore[type-arg]
    return jwt.decode(token, badges.public_key(), algorithms=["EdDSA"])


def test_the_badge_carries_its_status_entry_and_the_list_is_a_signed_credential(
    client, learner, attestation
):
    client.force_login(learner)
    claims = _claims(
        client.get(
            reverse("curriculum:attestation_badge", args=[attestation.code])
        ).content.decode()
    )
    badge = claims["vc"]
    assert claims["iss"] == badge["issuer"]["id"]
    assert badge["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert badge["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert set(badge) >= {"id", "issuer", "validFrom", "credentialSubject", "credentialStatus"}
    assert badge["credentialSubject"]["achievement"]["type"] == ["Achievement"]
    assert badge["credentialStatus"] == {
        "id": f"{STATUS_URL}#{attestation.pk}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": str(attestation.pk),
        "statusListCredential": STATUS_URL,
    }
    # The issuer is a published Profile, and the JWT's issuer is that Profile.
    profile = client.get(badge["issuer"]["id"].removeprefix("http://testserver")).json()
    assert profile["id"] == badge["issuer"]["id"] == "http://testserver/learn/badges/issuer"
    assert profile["type"] == ["Profile"] and profile["name"] == "MedTandem"
    response = client.get(reverse("curriculum:badge_status"))
    assert response["Content-Type"] == "application/vc+jwt"
    listed = _claims(response.content.decode())["vc"]
    assert listed["id"] == STATUS_URL
    assert listed["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    subject = listed["credentialSubject"]
    assert (subject["type"], subject["statusPurpose"]) == ("BitstringStatusList", "revocation")
    assert not _bit_by_hand(subject["encodedList"], attestation.pk)


def test_a_revoked_badge_is_refused_offline_and_its_bit_is_set(client, learner, attestation):
    badge = services.signed_badge(
        attestation,
        issuer_url="http://testserver/learn/",
        verify_url="http://testserver/learn/verify/x",
        status_url=STATUS_URL,
    )
    before = client.get(reverse("curriculum:badge_status")).content.decode()
    check = badges.verify_offline(badge, before)
    assert check.valid and check.reason == "signature valide, badge non révoqué"

    services.revoke_attestation(attestation)
    after = client.get(reverse("curriculum:badge_status")).content.decode()
    encoded = _claims(after)["vc"]["credentialSubject"]["encodedList"]
    assert _bit_by_hand(encoded, attestation.pk)
    assert [i for i in range(attestation.pk + 8) if _bit_by_hand(encoded, i)] == [attestation.pk]
    refused = badges.verify_offline(badge, after)
    assert not refused.valid and refused.reason == "badge révoqué"

    # A status list signed by another key is not ours.
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    forged = jwt.encode(_claims(before), Ed25519PrivateKey.generate(), algorithm="EdDSA")
    assert not badges.verify_offline(badge, forged).valid


def test_the_encoder_sets_exactly_the_revoked_bits_and_refuses_an_index_outside_the_list():
    encoded = badges.encode_status_list([0, 7, 8, 131_071])
    assert [i for i in (0, 1, 6, 7, 8, 9, 131_070, 131_071) if _bit_by_hand(encoded, i)] == [
        0,
        7,
        8,
        131_071,
    ]
    with pytest.raises(ValueError):
        badges.encode_status_list([131_072])
