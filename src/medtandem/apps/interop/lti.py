"""LTI 1.3 / LTI Advantage message rules, without Django: validate a launch's ``id_token``, read its
claims, build the JWTs the tool signs (deep-linking response, client-credentials assertion).

References: IMS Global "Learning Tools Interoperability Core Specification 1.3" (section 5.1.2,
the OIDC third-party-initiated login and the ``id_token`` checks), "1EdTech Security Framework 1.0"
(section 5.1.3, authentication response validation; 4.1, the client-credentials grant with a JWT
``client_assertion``, RFC 7523), "LTI Deep Linking 2.0", "LTI Assignment and Grade Services 2.0",
"LTI Names and Role Provisioning Services 2.0".

Built on PyJWT + cryptography (already the product's JOSE stack, maintained, audited signature
verification; the reasons are in docs/interop.md). Every check is explicit here so that each refusal
has its own reason code, shown to the person and tested.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import jwt

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"

RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"
MESSAGE_TYPES = (RESOURCE_LINK_REQUEST, DEEP_LINKING_REQUEST)

SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_MEMBERSHIP = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"

#: Roles that make an LTI user an instructor here (context roles of the LIS vocabulary, and the
#: short forms some platforms send). Any other role, or none, makes a learner.
INSTRUCTOR_ROLES = frozenset(
    {
        "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
        "http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper",
        "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant",
        "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor",
        "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Faculty",
        "Instructor",
        "ContentDeveloper",
        "TeachingAssistant",
    }
)
#: How far a platform's clock may be ahead of ours (seconds) when checking ``iat``/``exp``.
LEEWAY_S = 60
#: An ``id_token`` issued longer ago than this is refused even when its ``exp`` is later.
MAX_AGE_S = 600


class LaunchError(Exception):
    """A launch refused. ``code`` names the failed check (shown, and asserted by the tests)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Launch:
    """The claims of a validated launch that the tool uses."""

    message_type: str
    issuer: str
    client_id: str
    deployment_id: str
    sub: str
    roles: tuple[str, ...]
    name: str = ""
    given_name: str = ""
    family_name: str = ""
    email: str = ""
    locale: str = ""
    context_id: str = ""
    context_title: str = ""
    resource_link_id: str = ""
    resource_link_title: str = ""
    target_link_uri: str = ""
    custom: dict[str, str] = field(default_factory=dict)
    document_target: str = ""
    return_url: str = ""
    #: Assignment and Grade Services: the line item of this link (scores go there), its scopes.
    lineitem: str = ""
    lineitems: str = ""
    ags_scopes: tuple[str, ...] = ()
    #: Names and Role Provisioning: the context's membership URL.
    memberships_url: str = ""
    #: Deep linking: where the chosen items go back to, and the platform's opaque ``data``.
    deep_link_return_url: str = ""
    deep_link_data: str = ""
    deep_link_accept_types: tuple[str, ...] = ()

    @property
    def is_instructor(self) -> bool:
        return any(role in INSTRUCTOR_ROLES for role in self.roles)


def validate_id_token(
    token: str,
    *,
    issuer: str,
    client_id: str,
    key_for: Callable[[str | None], Any],
    deployments: Sequence[str],
    nonce: str,
    now: float | None = None,
) -> Launch:
    """Check an ``id_token`` as the Security Framework (5.1.3) requires, and return its claims.

    ``key_for(kid)`` returns the platform's public key for the header's ``kid`` (from its JWKS);
    ``nonce`` is the one this browser's login initiation stored (single use is the caller's:
    it consumes the state that holds it). Raises :class:`LaunchError` with the failed check.
    """
    if not isinstance(token, str) or token.count(".") != 2 or len(token) > 64_000:
        raise LaunchError("malformed", "the id_token is not a compact JWS")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise LaunchError("malformed", str(exc)) from None
    if header.get("alg") != "RS256":
        raise LaunchError("algorithm", f"alg {header.get('alg')!r}, expected RS256")
    try:
        key = key_for(header.get("kid"))
    except LookupError as exc:
        raise LaunchError("unknown_key", str(exc)) from None
    now = time.time() if now is None else now
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=["RS256"],
            options={"verify_aud": False, "verify_exp": False, "verify_iat": False},
        )
    except jwt.InvalidSignatureError:
        raise LaunchError("signature", "the signature does not match the platform's key") from None
    except jwt.PyJWTError as exc:
        raise LaunchError("malformed", str(exc)) from None
    if claims.get("iss") != issuer:
        raise LaunchError("issuer", f"iss {claims.get('iss')!r}")
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    if client_id not in audiences:
        raise LaunchError("audience", f"aud {aud!r} does not name client {client_id!r}")
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise LaunchError("azp", f"azp {claims.get('azp')!r} with several audiences")
    if "azp" in claims and claims["azp"] != client_id:
        raise LaunchError("azp", f"azp {claims.get('azp')!r}")
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int | float) or not isinstance(iat, int | float):
        raise LaunchError("expired", "exp and iat are required numbers")
    if exp < now - LEEWAY_S:
        raise LaunchError("expired", "the id_token has expired")
    if iat > now + LEEWAY_S or iat < now - MAX_AGE_S:
        raise LaunchError("expired", "the id_token was not issued just now")
    if not nonce or claims.get("nonce") != nonce:
        raise LaunchError("nonce", "the nonce is not the one this login started with")
    deployment = claims.get(CLAIM + "deployment_id")
    if not isinstance(deployment, str) or deployment not in deployments:
        raise LaunchError("deployment", f"deployment {deployment!r} is not registered")
    if claims.get(CLAIM + "version") != "1.3.0":
        raise LaunchError("version", f"LTI version {claims.get(CLAIM + 'version')!r}")
    message_type = claims.get(CLAIM + "message_type")
    if message_type not in MESSAGE_TYPES:
        raise LaunchError("message_type", f"message type {message_type!r}")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub or len(sub) > 255:
        raise LaunchError("subject", "an anonymous launch (no sub) cannot open a reading session")
    return _launch(claims, message_type, issuer, client_id, deployment, sub)


def _text(value: Any, limit: int = 255) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _strings(value: Any) -> tuple[str, ...]:
    """The strings of a claim that should be a list of strings (anything else in it is dropped)."""
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def _obj(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _launch(
    claims: dict[str, Any],
    message_type: str,
    issuer: str,
    client_id: str,
    deployment: str,
    sub: str,
) -> Launch:
    roles = claims.get(CLAIM + "roles")
    if not isinstance(roles, list):
        raise LaunchError("roles", "the roles claim is required")
    context = _obj(claims.get(CLAIM + "context"))
    link = _obj(claims.get(CLAIM + "resource_link"))
    if message_type == RESOURCE_LINK_REQUEST and not _text(link.get("id")):
        raise LaunchError("resource_link", "a resource link launch needs resource_link.id")
    presentation = _obj(claims.get(CLAIM + "launch_presentation"))
    ags = _obj(claims.get(AGS_CLAIM))
    nrps = _obj(claims.get(NRPS_CLAIM))
    settings = _obj(claims.get(DL_CLAIM + "deep_linking_settings"))
    if message_type == DEEP_LINKING_REQUEST and not _text(
        settings.get("deep_link_return_url"), 2000
    ):
        raise LaunchError("deep_linking", "deep_linking_settings.deep_link_return_url is required")
    custom = {str(k)[:100]: _text(v, 500) for k, v in _obj(claims.get(CLAIM + "custom")).items()}
    scopes = ags.get("scope")
    accept = settings.get("accept_types")
    return Launch(
        message_type=message_type,
        issuer=issuer,
        client_id=client_id,
        deployment_id=deployment,
        sub=sub,
        roles=tuple(r for r in roles if isinstance(r, str)),
        name=_text(claims.get("name")),
        given_name=_text(claims.get("given_name"), 150),
        family_name=_text(claims.get("family_name"), 150),
        email=_text(claims.get("email"), 254),
        locale=_text(claims.get("locale"), 20),
        context_id=_text(context.get("id")),
        context_title=_text(context.get("title")),
        resource_link_id=_text(link.get("id")),
        resource_link_title=_text(link.get("title")),
        target_link_uri=_text(claims.get(CLAIM + "target_link_uri"), 2000),
        custom=custom,
        document_target=_text(presentation.get("document_target"), 20),
        return_url=_text(presentation.get("return_url"), 2000),
        lineitem=_text(ags.get("lineitem"), 2000),
        lineitems=_text(ags.get("lineitems"), 2000),
        ags_scopes=_strings(scopes),
        memberships_url=_text(nrps.get("context_memberships_url"), 2000),
        deep_link_return_url=_text(settings.get("deep_link_return_url"), 2000),
        deep_link_data=_text(settings.get("data"), 2000),
        deep_link_accept_types=_strings(accept),
    )


# --- what the tool signs -----------------------------------------------------------------------


def deep_linking_response(
    *,
    client_id: str,
    issuer: str,
    deployment_id: str,
    data: str,
    items: Sequence[Mapping[str, Any]],
    private_key: Any,
    kid: str,
    now: float | None = None,
) -> str:
    """The ``LtiDeepLinkingResponse`` JWT (Deep Linking 2.0, 4.2): the tool is the issuer (its client
    id), the platform the audience; ``data`` is echoed back unchanged."""
    now = time.time() if now is None else now
    claims: dict[str, Any] = {
        "iss": client_id,
        "aud": issuer,
        "iat": int(now),
        "exp": int(now) + 600,
        "nonce": uuid.uuid4().hex,
        CLAIM + "deployment_id": deployment_id,
        CLAIM + "message_type": "LtiDeepLinkingResponse",
        CLAIM + "version": "1.3.0",
        DL_CLAIM + "content_items": list(items),
    }
    if data:
        claims[DL_CLAIM + "data"] = data
    return jwt.encode(claims, private_key, algorithm="RS256", headers={"kid": kid})


def client_assertion(
    *, client_id: str, token_url: str, private_key: Any, kid: str, now: float | None = None
) -> str:
    """The JWT that authenticates the tool to the platform's token endpoint (RFC 7523, Security
    Framework 4.1.1): ``iss`` = ``sub`` = client id, ``aud`` = the token URL, a fresh ``jti``."""
    now = time.time() if now is None else now
    claims = {
        "iss": client_id,
        "sub": client_id,
        "aud": token_url,
        "iat": int(now),
        "exp": int(now) + 300,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, private_key, algorithm="RS256", headers={"kid": kid})


def role_of(launch: Launch) -> str:
    """The MedTandem role a launch grants: ``instructor`` or ``learner`` (accounts' Role values)."""
    return "instructor" if launch.is_instructor else "learner"
