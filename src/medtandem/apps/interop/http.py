"""Outbound HTTP to platforms and record stores (standard library only: a few JSON calls)."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

TIMEOUT_S = 10.0
MAX_BODY = 5_000_000


class RemoteError(Exception):
    """A remote service refused or could not be reached (the job that called it is retried)."""


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError as exc:
            raise RemoteError(f"not JSON: {self.body[:200]!r}") from exc


def request(
    method: str,
    url: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    ok: tuple[int, ...] = (200, 201, 202, 204),
) -> Reply:
    if urllib.parse.urlparse(url).scheme not in ("http", "https"):
        raise RemoteError(f"not an http(s) URL: {url!r}")
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT_S) as response:  # noqa: S310 (scheme checked)
            reply = Reply(
                response.status,
                response.read(MAX_BODY),
                {k.lower(): v for k, v in response.headers.items()},
            )
    except urllib.error.HTTPError as exc:
        reply = Reply(exc.code, exc.read(MAX_BODY), {k.lower(): v for k, v in exc.headers.items()})
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise RemoteError(f"{method} {url}: {exc}") from exc
    if reply.status not in ok:
        raise RemoteError(f"{method} {url}: HTTP {reply.status} {reply.body[:300]!r}")
    return reply


def get_json(url: str, *, headers: dict[str, str] | None = None) -> tuple[Any, Reply]:
    reply = request(
        "GET", url, headers={"Accept": "application/json", **(headers or {})}, ok=(200,)
    )
    return reply.json(), reply


def post_form(url: str, fields: dict[str, str]) -> Any:
    body = urllib.parse.urlencode(fields).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    return request("POST", url, body=body, headers=headers, ok=(200,)).json()


def post_json(url: str, payload: Any, *, content_type: str, headers: dict[str, str]) -> Reply:
    body = json.dumps(payload).encode()
    return request("POST", url, body=body, headers={"Content-Type": content_type, **headers})


def json_bytes(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()
