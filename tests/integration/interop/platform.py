"""A test LTI 1.3 platform standing in for Moodle: its own RSA keys sign real RS256 id_tokens, and a
small HTTP server on loopback serves its JWKS, OAuth 2 token endpoint (checking our client
assertion against our published JWKS), AGS score endpoint and NRPS membership endpoint."""

from __future__ import annotations

import json
import secrets
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

PORTS = range(18600, 18700)
CLIENT_ID = "medtandem-client-42"
DEPLOYMENT = "deployment-1"
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 18600-18699")


@dataclass
class TestPlatform:
    __test__ = False  # not a test class

    port: int = 0
    key: Any = field(default_factory=lambda: rsa.generate_private_key(65537, 2048))
    kid: str = field(default_factory=lambda: "moodle-" + secrets.token_hex(4))
    #: Our tool's JWKS (the test sets it from services.jwks()) to check client assertions.
    tool_jwks: dict[str, Any] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    scores: list[dict[str, Any]] = field(default_factory=list)
    token_requests: list[dict[str, Any]] = field(default_factory=list)
    members: list[dict[str, Any]] = field(default_factory=list)
    #: While true, the AGS endpoint answers 503 (a platform down).
    down: bool = False
    server: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def issuer(self) -> str:
        return f"{self.base}/moodle"

    @property
    def lineitem(self) -> str:
        return f"{self.base}/mod/lti/services.php/2/lineitems/7/lineitem?type_id=1"

    def registration(self) -> dict[str, str]:
        return {
            "name": "Moodle de test",
            "issuer": self.issuer,
            "client_id": CLIENT_ID,
            "auth_login_url": f"{self.base}/mod/lti/auth.php",
            "auth_token_url": f"{self.base}/mod/lti/token.php",
            "keyset_url": f"{self.base}/mod/lti/certs.php",
        }

    def jwks(self) -> dict[str, Any]:
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def id_token(
        self,
        *,
        nonce: str,
        sub: str = "moodle-user-7",
        roles: tuple[str, ...] = (LEARNER,),
        message_type: str = "LtiResourceLinkRequest",
        key: Any = None,
        kid: str | None = None,
        **overrides: Any,
    ) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "azp": CLIENT_ID,
            "sub": sub,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "name": "Camille Martin",
            "given_name": "Camille",
            "family_name": "Martin",
            "email": "camille@example.org",
            CLAIM + "deployment_id": DEPLOYMENT,
            CLAIM + "message_type": message_type,
            CLAIM + "version": "1.3.0",
            CLAIM + "roles": list(roles),
            CLAIM + "context": {"id": "course-12", "title": "ECG DFASM1"},
            CLAIM + "target_link_uri": "http://testserver/interop/lti/launch",
        }
        if message_type == "LtiResourceLinkRequest":
            claims[CLAIM + "resource_link"] = {"id": "link-1", "title": "Trois ECG"}
        else:
            claims["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = {
                "deep_link_return_url": f"{self.base}/mod/lti/contentitem_return.php",
                "accept_types": ["ltiResourceLink"],
                "data": "opaque-42",
            }
        for name, value in overrides.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        return jwt.encode(
            claims, key or self.key, algorithm="RS256", headers={"kid": kid or self.kid}
        )

    # --- the HTTP side -------------------------------------------------------------------------

    def start(self) -> TestPlatform:
        self.port = self.port or free_port()
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                return

            def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _authorised(self) -> bool:
                auth = self.headers.get("Authorization", "")
                return auth.startswith("Bearer ") and auth[7:] in platform.tokens

            def do_GET(self) -> None:  # noqa: N802
                path = urlparse(self.path)
                if path.path == "/mod/lti/certs.php":
                    return self._send(200, platform.jwks())
                if path.path == "/nrps/members":
                    if not self._authorised():
                        return self._send(401, {"error": "unauthorised"})
                    page = int(parse_qs(path.query).get("page", ["1"])[0])
                    half = (len(platform.members) + 1) // 2
                    chunk = platform.members[:half] if page == 1 else platform.members[half:]
                    headers = (
                        {"Link": f'<{platform.base}/nrps/members?page=2>; rel="next"'}
                        if page == 1
                        else {}
                    )
                    return self._send(200, {"id": "x", "members": chunk}, headers)
                return self._send(404, {})

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length).decode()
                path = urlparse(self.path)
                if path.path == "/mod/lti/token.php":
                    form = {k: v[0] for k, v in parse_qs(body).items()}
                    platform.token_requests.append(form)
                    try:
                        header = jwt.get_unverified_header(form["client_assertion"])
                        jwk = next(
                            k for k in platform.tool_jwks["keys"] if k["kid"] == header["kid"]
                        )
                        claims = jwt.decode(
                            form["client_assertion"],
                            jwt.PyJWK(jwk).key,
                            algorithms=["RS256"],
                            audience=f"{platform.base}/mod/lti/token.php",
                        )
                        assert claims["iss"] == claims["sub"] == CLIENT_ID
                        assert form["grant_type"] == "client_credentials"
                    except Exception as exc:  # noqa: BLE001
                        return self._send(400, {"error": "invalid_client", "detail": str(exc)})
                    token = uuid.uuid4().hex
                    platform.tokens.add(token)
                    return self._send(
                        200,
                        {
                            "access_token": token,
                            "token_type": "Bearer",
                            "expires_in": 3600,
                            "scope": form.get("scope", ""),
                        },
                    )
                if path.path.endswith("/lineitem/scores"):
                    if platform.down:
                        return self._send(503, {"error": "maintenance"})
                    if not self._authorised():
                        return self._send(401, {"error": "unauthorised"})
                    if self.headers.get("Content-Type") != "application/vnd.ims.lis.v1.score+json":
                        return self._send(415, {})
                    platform.scores.append({"path": self.path, **json.loads(body)})
                    return self._send(200, {})
                return self._send(404, {})

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
