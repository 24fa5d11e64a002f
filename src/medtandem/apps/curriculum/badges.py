"""Open Badges 3.0 credentials for attestations, signed as a VC-JWT with an Ed25519 key (EdDSA).

References: 1EdTech Open Badges 3.0 (OpenBadgeCredential, a W3C Verifiable Credential, data model
v2: ``validFrom``, ``credentialSubject.achievement``) and its "VC-JWT" proof format (JWS compact
serialisation, ``alg`` EdDSA, claims ``iss``, ``jti``, ``sub``, ``nbf``, ``vc``).

The private key comes from ``settings.MEDTANDEM_BADGE_PRIVATE_KEY`` or the environment variable of
the same name (PEM, PKCS#8); failing both, one is generated into ``<VAR_DIR>/badge-ed25519.pem``
(mode 0600) on first use and reused afterwards.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest

KEY_ENV = "MEDTANDEM_BADGE_PRIVATE_KEY"
KEY_FILE = "badge-ed25519.pem"


def _key_path() -> Path:
    return Path(getattr(settings, "VAR_DIR", Path.cwd() / "var")) / KEY_FILE


def private_key() -> Ed25519PrivateKey:
    pem = getattr(settings, KEY_ENV, "") or os.environ.get(KEY_ENV, "")
    if not pem:
        path = _key_path()
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            generated = Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(generated)
        pem = path.read_text()
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{KEY_ENV} must be an Ed25519 private key (PEM, PKCS#8)")
    return key


def public_key() -> Ed25519PublicKey:
    return private_key().public_key()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_jwk() -> dict[str, str]:
    raw = public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": _b64url(raw),
        "alg": "EdDSA",
        "use": "sig",
        "kid": key_id(),
    }


def key_id() -> str:
    raw = public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "ed25519-" + _b64url(raw)[:16]


def sign_credential(
    credential: dict[str, Any], *, issuer: str, subject: str, jti: str, nbf: int
) -> str:
    """The credential as a compact JWS (VC-JWT)."""
    claims = {"iss": issuer, "sub": subject, "jti": jti, "nbf": nbf, "vc": credential}
    return jwt.encode(
        claims, private_key(), algorithm="EdDSA", headers={"kid": key_id(), "typ": "JWT"}
    )


@dataclass(frozen=True)
class BadgeCheck:
    valid: bool
    reason: str
    claims: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "reason": self.reason,
            "credential": (self.claims or {}).get("vc"),
        }


#: A VC-JWT of ours is a few kilobytes; anything much longer is not one (and is not decoded).
MAX_TOKEN_CHARS = 20_000


def verify_token(token: object) -> BadgeCheck:
    """Check the signature (EdDSA, our key only) and return the decoded claims.

    Never raises: whatever ``token`` is (not a string, empty, too long, not a JWT), the answer is
    a :class:`BadgeCheck` saying why it is not valid.
    """
    if not isinstance(token, str) or not token.strip():
        return BadgeCheck(
            False, "jeton absent : envoyer le champ « token » (formulaire ou JSON) ou le jeton seul"
        )
    if len(token) > MAX_TOKEN_CHARS:
        return BadgeCheck(False, f"jeton trop long ({MAX_TOKEN_CHARS} caractères au plus)")
    try:
        claims = jwt.decode(
            token.strip(),
            public_key(),
            algorithms=["EdDSA"],
            options={"require": ["iss", "jti", "vc"], "verify_aud": False},
        )
    except jwt.InvalidSignatureError:
        return BadgeCheck(False, "signature invalide")
    except jwt.PyJWTError as exc:
        return BadgeCheck(False, f"jeton illisible ou invalide ({exc})")
    return BadgeCheck(True, "signature valide", claims)


def token_from_request(request: HttpRequest) -> object:
    """The token a verifier sent to ``POST /learn/badges/verify``, however it sent it.

    Accepted: a form field ``token``; a JSON object ``{"token": "..."}``; the bare token as
    ``text/plain`` or ``application/vc+jwt``. Malformed input (bad JSON, a JSON list or number, a
    body that is not UTF-8) gives ``""`` or the non-string value, which :func:`verify_token` turns
    into a refusal with its reason, never an exception.
    """
    token: object = request.POST.get("token", "")
    if token or request.content_type not in (
        "application/json",
        "text/plain",
        "application/vc+jwt",
    ):
        return token
    try:
        body = request.body.decode("utf-8")
    except (UnicodeDecodeError, RequestDataTooBig):
        return ""
    if request.content_type != "application/json":
        return body
    try:
        data = json.loads(body)
    except ValueError:  # JSONDecodeError, and numbers too large to parse
        return ""
    return data.get("token", "") if isinstance(data, dict) else ""


def check_request(request: HttpRequest) -> BadgeCheck:
    """:func:`verify_token` on what the request carries (see :func:`token_from_request`)."""
    return verify_token(token_from_request(request))


# --- revocation: W3C Bitstring Status List v1.0 ---------------------------------------------------
#: The list's length in bits: the specification's minimum (16 KiB), so that one credential's index
#: does not single its holder out among few (herd privacy, section 6.1).
STATUS_LIST_BITS = 131_072


def encode_status_list(revoked: Iterable[int], size: int = STATUS_LIST_BITS) -> str:
    """The ``encodedList`` of a Bitstring Status List: bit ``i`` set for each revoked index ``i``
    (bit 0 is the most significant bit of the first byte), GZIP-compressed, base64url without
    padding, with the multibase prefix ``u`` (Bitstring Status List v1.0, 3.2)."""
    bits = bytearray(size // 8)
    for index in revoked:
        if not 0 <= index < size:
            raise ValueError(f"status index {index} outside the list (0..{size - 1})")
        bits[index // 8] |= 0x80 >> (index % 8)
    return "u" + _b64url(gzip.compress(bytes(bits), mtime=0))


def status_bit(encoded: str, index: int) -> bool:
    """Whether bit ``index`` of an ``encodedList`` is set (raises ValueError when unreadable)."""
    if not encoded.startswith("u"):
        raise ValueError("encodedList must be multibase base64url (prefix 'u')")
    raw = encoded[1:]
    bits = gzip.decompress(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    if not 0 <= index < len(bits) * 8:
        raise ValueError(f"status index {index} outside the list")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def verify_offline(token: object, status_token: object) -> BadgeCheck:
    """Check a credential with nothing but our public key and a status list credential already in
    hand: both signatures, then the credential's revocation bit."""
    check = verify_token(token)
    if not check.valid or check.claims is None:
        return check
    status = check.claims["vc"].get("credentialStatus")
    if not isinstance(status, dict) or status.get("type") != "BitstringStatusListEntry":
        return BadgeCheck(True, "signature valide (sans liste de statut)", check.claims)
    listed = verify_token(status_token)
    if not listed.valid or listed.claims is None:
        return BadgeCheck(False, f"liste de statut invalide : {listed.reason}")
    subject = listed.claims["vc"].get("credentialSubject", {})
    if listed.claims["vc"].get("id") != status.get("statusListCredential"):
        return BadgeCheck(False, "liste de statut d'une autre adresse que celle du badge")
    try:
        revoked = status_bit(str(subject.get("encodedList", "")), int(status["statusListIndex"]))
    except (ValueError, OSError, KeyError) as exc:
        return BadgeCheck(False, f"liste de statut illisible ({exc})")
    if revoked:
        return BadgeCheck(False, "badge révoqué", check.claims)
    return BadgeCheck(True, "signature valide, badge non révoqué", check.claims)
