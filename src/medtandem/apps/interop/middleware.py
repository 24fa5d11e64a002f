"""Let the LTI platform a person came from frame our pages (and only that platform)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from medtandem.web.middleware import content_security_policy

#: Session key: the origins of the platform of this person's last launch (set by the launch).
FRAME_ORIGINS = "lti_frame_origins"


class LtiFrameMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        origins = session.get(FRAME_ORIGINS) if session is not None else None
        if origins and "Content-Security-Policy" not in response.headers:
            response.headers["Content-Security-Policy"] = content_security_policy(
                frame_ancestors=tuple(origins)
            )
            response.xframe_options_exempt = True  # type: ignore[attr-defined]
        return response
