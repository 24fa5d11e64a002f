"""LTI Dynamic Registration 1.0 (IMS Global), without Django: read a platform's configuration,
build the tool's registration request, read the platform's answer.

The flow (spec sections 3.3-3.6): the administrator pastes our registration URL into the platform;
the platform opens it with ``openid_configuration`` (the URL of its OpenID configuration) and
``registration_token``; the tool fetches the configuration, checks that its ``issuer`` is the
configuration URL's own origin (a configuration cannot speak for another site), POSTs its own
configuration (OpenID Connect Dynamic Client Registration, with the LTI tool configuration claim)
to the platform's ``registration_endpoint`` with the token as a bearer token, stores the
``client_id`` (and deployment id) the platform answers, and tells the platform's page it is done
with ``postMessage({subject: "org.imsglobal.lti.close"})``.

Every refusal has its own reason code, shown to the administrator and tested.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from medtandem.apps.interop import lti

PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
#: What the tool asks for: scores and line items (AGS), the course's members (NRPS).
TOOL_SCOPES = (lti.SCOPE_SCORE, lti.SCOPE_LINEITEM, lti.SCOPE_MEMBERSHIP)
#: The claims MedTandem needs in a launch: the platform and the person's opaque id, no name, no
#: e-mail address (a platform that shares them anyway is not refused).
TOOL_CLAIMS = ("iss", "sub")
CLOSE_MESSAGE = {"subject": "org.imsglobal.lti.close"}


class DynamicRegistrationError(Exception):
    """A registration step failed; ``code`` names the step (the page explains it)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


def origin(url: str) -> str:
    """``scheme://host[:port]`` of an absolute http(s) URL, lower-cased; '' otherwise."""
    parts = urlparse(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname.lower()}{port}"


@dataclass(frozen=True)
class PlatformConfiguration:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    registration_endpoint: str
    scopes_supported: tuple[str, ...]
    product_family_code: str


def parse_platform_configuration(doc: Any, config_url: str) -> PlatformConfiguration:
    """The platform's OpenID configuration, checked: the endpoints we need are absolute http(s)
    URLs and the issuer is the configuration URL's origin (spec 3.5.1)."""
    if not isinstance(doc, Mapping):
        raise DynamicRegistrationError("configuration", "not a JSON object")
    urls: dict[str, str] = {}
    for name in (
        "issuer",
        "authorization_endpoint",
        "token_endpoint",
        "jwks_uri",
        "registration_endpoint",
    ):
        value = doc.get(name)
        if not isinstance(value, str) or not origin(value) or len(value) > 500:
            raise DynamicRegistrationError("configuration", f"{name} missing or not a URL")
        urls[name] = value
    if origin(urls["issuer"]) != origin(config_url):
        raise DynamicRegistrationError(
            "issuer", f"issuer {urls['issuer']} is not the origin of {config_url}"
        )
    scopes = doc.get("scopes_supported")
    lti_config = doc.get(PLATFORM_CONFIGURATION)
    product = lti_config.get("product_family_code") if isinstance(lti_config, Mapping) else None
    return PlatformConfiguration(
        **urls,
        scopes_supported=tuple(s for s in scopes if isinstance(s, str))
        if isinstance(scopes, list)
        else (),
        product_family_code=product if isinstance(product, str) else "",
    )


def default_name(config: PlatformConfiguration) -> str:
    """A registration's name when the administrator gives none: product and host
    (``moodle · moodle.univ-rennes.fr``)."""
    host = urlparse(config.issuer).netloc
    return f"{config.product_family_code} · {host}" if config.product_family_code else host


def tool_registration(
    *,
    name: str,
    launch_url: str,
    login_url: str,
    jwks_url: str,
    scopes_supported: Sequence[str] = (),
) -> dict[str, Any]:
    """The registration request (OpenID Connect client metadata + the LTI tool configuration)."""
    scopes = [s for s in TOOL_SCOPES if not scopes_supported or s in scopes_supported]
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": login_url,
        "redirect_uris": [launch_url],
        "client_name": name,
        "jwks_uri": jwks_url,
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(scopes),
        TOOL_CONFIGURATION: {
            "domain": urlparse(launch_url).netloc,
            "target_link_uri": launch_url,
            "claims": list(TOOL_CLAIMS),
            "messages": [
                {
                    "type": lti.DEEP_LINKING_REQUEST,
                    "target_link_uri": launch_url,
                    "label": name,
                }
            ],
        },
    }


@dataclass(frozen=True)
class Registered:
    client_id: str
    deployment_id: str


def parse_registration_reply(doc: Any) -> Registered:
    """The platform's answer: the client id it gave us and the deployment it created."""
    if not isinstance(doc, Mapping):
        raise DynamicRegistrationError("reply", "not a JSON object")
    client_id = doc.get("client_id")
    if not isinstance(client_id, str) or not client_id or len(client_id) > 255:
        raise DynamicRegistrationError("reply", "no client_id")
    config = doc.get(TOOL_CONFIGURATION)
    deployment = config.get("deployment_id") if isinstance(config, Mapping) else None
    if not isinstance(deployment, str) or not deployment or len(deployment) > 255:
        # Without a deployment id no launch could be accepted: better refused now than later.
        raise DynamicRegistrationError("reply", "no deployment_id")
    return Registered(client_id, deployment)
