from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import pytest
from tests.integration.interop.platform import CLIENT_ID, DEPLOYMENT, TestPlatform

from medtandem.apps.accounts.models import Institution
from medtandem.apps.interop import services
from medtandem.apps.interop.models import Platform


@pytest.fixture
def moodle() -> Iterator[TestPlatform]:
    platform = TestPlatform().start()
    yield platform
    platform.stop()


@pytest.fixture
def registered(db: None, moodle: TestPlatform) -> Platform:
    institution = Institution.objects.create(name="Faculté de médecine de Test")
    return services.register_platform(
        **moodle.registration(), institution=institution, deployment_ids=[DEPLOYMENT]
    )


def begin(client, moodle: TestPlatform) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """The platform's login initiation; returns the (state, nonce) the tool sent to its auth URL."""
    response = client.post(
        "/interop/lti/login",
        {
            "iss": moodle.issuer,
            "login_hint": "7",
            "target_link_uri": "http://testserver/interop/lti/launch",
            "lti_message_hint": "hint-1",
            "client_id": CLIENT_ID,
        },
    )
    assert response.status_code == 302, response.content
    location = urlparse(response["Location"])
    assert (
        f"{location.scheme}://{location.netloc}{location.path}"
        == moodle.registration()["auth_login_url"]
    )
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert query["client_id"] == CLIENT_ID and query["response_mode"] == "form_post"
    assert query["redirect_uri"] == "http://testserver/interop/lti/launch"
    return query["state"], query["nonce"]
