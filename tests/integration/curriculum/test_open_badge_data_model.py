"""Our OpenBadgeCredential, field by field, against the Open Badges 3.0 data model (1EdTech OB 3.0,
"OpenBadgeCredential" / "AchievementCredential", "Profile", "AchievementSubject", "Achievement",
"Criteria", "IdentityObject", the VC-JWT claims) and W3C Bitstring Status List v1.0
("BitstringStatusListEntry"). The expected values below are written from those tables, not from
our code; the credential is the one a learner downloads (the signed token, decoded)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlparse

import jwt
import pytest
from django.urls import reverse

from medtandem.apps.curriculum import badges
from medtandem.apps.curriculum.models import Attestation

from .curriculum_helpers import complete_programme

pytestmark = pytest.mark.django_db

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
#: DateTimeZ: an xsd:dateTime with its time zone.
DATE_TIME_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
#: Properties the data model defines (anything else would be an undeclared term).
CREDENTIAL_PROPERTIES = {
    "@context", "id", "type", "credentialSubject", "issuer", "validFrom", "validUntil", "name",
    "description", "image", "awardedDate", "proof", "credentialSchema", "credentialStatus",
    "refreshService", "termsOfUse", "evidence", "endorsement", "endorsementJwt",
}  # fmt: skip
SUBJECT_PROPERTIES = {
    "id", "type", "activityEndDate", "activityStartDate", "creditsEarned", "achievement",
    "identifier", "image", "licenseNumber", "narrative", "result", "role", "source", "term",
}  # fmt: skip


def _uri(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlparse(value)
    return bool(parts.scheme) and (bool(parts.netloc) or parts.scheme in ("urn", "did"))


def _types(node: dict[str, Any]) -> list[str]:
    t = node.get("type")
    return [t] if isinstance(t, str) else list(t or [])


def _nulls(node: Any, path: str = "") -> list[str]:
    if node is None:
        return [path]
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _nulls(v, f"{path}.{k}")]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _nulls(v, f"{path}[{i}]")]
    return []


@pytest.fixture
def downloaded(client, learner, programme):  # type: ignore[no-untyped-def]
    complete_programme(learner, programme)
    attestation = Attestation.objects.get()
    client.force_login(learner)
    token = client.get(
        reverse("curriculum:attestation_badge", args=[attestation.code])
    ).content.decode()
    claims = jwt.decode(token, badges.public_key(), algorithms=["EdDSA"])
    return attestation, claims, claims["vc"]


def test_each_required_field_of_the_open_badge_credential(downloaded):  # type: ignore[no-untyped-def]
    attestation, claims, vc = downloaded
    # @context: an ordered list, the VC 2.0 context first, then OB 3.0's.
    assert vc["@context"][:2] == [VC_CONTEXT, OB_CONTEXT]
    # id: a URI; type: VerifiableCredential and OpenBadgeCredential.
    assert _uri(vc["id"]) and vc["id"].endswith(f"/learn/verify/{attestation.code}")
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    # name: required string.
    assert isinstance(vc["name"], str) and vc["name"] == "Formation socle au numérique en santé"
    # issuer: a Profile with an id (a URI) and a type including "Profile"; name.
    issuer = vc["issuer"]
    assert _uri(issuer["id"]) and issuer["id"].endswith("/learn/badges/issuer")
    assert "Profile" in _types(issuer) and issuer["name"] == "MedTandem"
    # validFrom: DateTimeZ, the attestation's issue time.
    assert DATE_TIME_Z.match(vc["validFrom"])
    issued = attestation.issued_at.astimezone(UTC).replace(microsecond=0)
    assert datetime.fromisoformat(vc["validFrom"].replace("Z", "+00:00")) == issued

    # credentialSubject: an AchievementSubject, identified by id and/or identifier.
    subject = vc["credentialSubject"]
    assert "AchievementSubject" in _types(subject)
    assert set(subject) <= SUBJECT_PROPERTIES, set(subject) - SUBJECT_PROPERTIES
    assert _uri(subject["id"]) and subject["id"].startswith("urn:uuid:")
    for identity in subject["identifier"]:
        assert identity["type"] == "IdentityObject"
        assert isinstance(identity["identityHash"], str) and identity["identityType"] == "name"
        assert identity["hashed"] is False  # the name in clear, as on the PDF
    # credentialSubject.achievement: id, type "Achievement", criteria, name, description.
    achievement = subject["achievement"]
    assert _uri(achievement["id"]) and achievement["id"].endswith("/programmes/socle")
    assert _types(achievement) == ["Achievement"]
    assert isinstance(achievement["criteria"], dict)
    assert achievement["criteria"].get("id") or achievement["criteria"].get("narrative")
    assert achievement["name"] == "Formation socle au numérique en santé"
    assert isinstance(achievement["description"], str) and achievement["description"]
    assert achievement["achievementType"] == "Certificate"  # one of the enumeration's values
    for result in subject["result"]:
        assert "Result" in _types(result)

    # credentialStatus: a BitstringStatusListEntry.
    status = vc["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry"
    assert status["statusPurpose"] == "revocation"
    assert isinstance(status["statusListIndex"], str) and status["statusListIndex"].isdigit()
    assert int(status["statusListIndex"]) == attestation.pk
    assert _uri(status["statusListCredential"])
    assert status["statusListCredential"].endswith("/learn/badges/status/revocation")
    assert _uri(status["id"])

    for evidence in vc["evidence"]:
        assert "Evidence" in _types(evidence)
    # Nothing outside the data model, and no null (absent values are left out).
    assert set(vc) <= CREDENTIAL_PROPERTIES, set(vc) - CREDENTIAL_PROPERTIES
    assert _nulls(vc) == []

    # VC-JWT claims: iss = issuer.id, jti = id, sub = credentialSubject.id, nbf = validFrom.
    assert claims["iss"] == issuer["id"]
    assert claims["jti"] == vc["id"]
    assert claims["sub"] == subject["id"]
    assert claims["nbf"] == int(issued.timestamp())


def test_credits_appear_as_a_number_only_when_the_programme_has_them(downloaded, client):  # type: ignore[no-untyped-def]
    attestation, _claims, vc = downloaded
    assert "creditsAvailable" not in vc["credentialSubject"]["achievement"]  # no ECTS: absent
    programme = attestation.enrolment.programme
    programme.ects = Decimal("2.5")
    programme.save(update_fields=["ects"])
    token = client.get(
        reverse("curriculum:attestation_badge", args=[attestation.code])
    ).content.decode()
    vc = jwt.decode(token, badges.public_key(), algorithms=["EdDSA"])["vc"]
    assert vc["credentialSubject"]["achievement"]["creditsAvailable"] == 2.5


def test_the_holder_id_is_opaque_and_the_same_for_all_of_a_persons_badges(downloaded):  # type: ignore[no-untyped-def]
    from medtandem.apps.curriculum.services.credentials import subject_id

    attestation, _claims, vc = downloaded
    learner = attestation.enrolment.learner
    assert vc["credentialSubject"]["id"] == subject_id(learner.pk)
    assert subject_id(learner.pk) != subject_id(learner.pk + 1)
    assert learner.username not in vc["credentialSubject"]["id"]
