"""LTI Dynamic Registration 1.0 against the suite's test platform on loopback: the platform opens
our registration URL, we read its configuration, register there, store the client id it answers;
a configuration that speaks for another origin, or a platform that refuses, stores nothing."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import Client
from tests.integration.interop.conftest import begin
from tests.integration.interop.platform import CLIENT_ID, DEPLOYMENT, TestPlatform, free_port

from medtandem.apps.accounts.models import Institution, Role
from medtandem.apps.accounts.services import create_person
from medtandem.apps.audit.models import AuditEntry
from medtandem.apps.interop import dynreg
from medtandem.apps.interop.models import Deployment, Platform

pytestmark = pytest.mark.django_db

TOKEN = "reg-token-0123456789"
TOOL = "https://purl.imsglobal.org/spec/lti-tool-configuration"
REGISTER = "/interop/lti/register"


@pytest.fixture
def admin_client(client):  # type: ignore[no-untyped-def]
    client.force_login(create_person("admin-lti", None, [Role.ADMINISTRATOR]))
    return client


@pytest.fixture
def faculty(db: None) -> Institution:
    return Institution.objects.create(name="Faculté de médecine de Test")


def _opened_by(moodle: TestPlatform, token: str = TOKEN) -> str:
    """The URL the platform opens (its registration frame)."""
    moodle.registration_tokens.add(token)
    query = {"openid_configuration": moodle.openid_configuration_url, "registration_token": token}
    return f"{REGISTER}?{urlencode(query)}"


def _confirm(client, config_url: str, faculty: Institution, token: str = TOKEN):  # type: ignore[no-untyped-def]
    return client.post(
        REGISTER,
        {
            "openid_configuration": config_url,
            "registration_token": token,
            "institution": faculty.pk,
        },
    )


def _nothing_stored() -> bool:
    return not Platform.objects.exists() and not Deployment.objects.exists()


def test_a_platform_registers_medtandem_and_a_launch_then_works(admin_client, moodle, faculty):
    page = admin_client.get(_opened_by(moodle))
    assert page.status_code == 200
    html = page.content.decode()
    assert moodle.openid_configuration_url in html and 'name="institution"' in html
    # Only the platform's origin may frame the page it opened.
    assert f"frame-ancestors {moodle.base}" in page["Content-Security-Policy"]
    assert Platform.objects.count() == 0  # opening the page registers nothing

    done = _confirm(admin_client, moodle.openid_configuration_url, faculty)
    assert done.status_code == 200, done.content.decode()
    html = done.content.decode()
    assert "interop/registration_close.js" in html  # posts {subject: "org.imsglobal.lti.close"}
    assert f'id="lti-dynreg-client">{CLIENT_ID}<' in html

    platform = Platform.objects.get()
    assert (platform.issuer, platform.client_id, platform.institution) == (
        moodle.issuer,
        CLIENT_ID,
        faculty,
    )
    assert platform.auth_login_url == f"{moodle.base}/mod/lti/auth.php"
    assert platform.auth_token_url == f"{moodle.base}/mod/lti/token.php"
    assert platform.keyset_url == f"{moodle.base}/mod/lti/certs.php"
    assert [d.deployment_id for d in platform.deployments.all()] == [DEPLOYMENT]
    assert platform.name == f"moodle · 127.0.0.1:{moodle.port}"  # no name given: product · host
    entry = AuditEntry.objects.get(action="lti.platform_registered")
    assert entry.details["how"] == "dynamic" and entry.actor.username == "admin-lti"

    # What the platform received: our configuration, with the LTI tool configuration claim.
    (sent,) = moodle.tool_registrations
    launch_url = "http://testserver/interop/lti/launch"
    assert sent["initiate_login_uri"] == "http://testserver/interop/lti/login"
    assert sent["redirect_uris"] == [launch_url]
    assert sent["jwks_uri"] == "http://testserver/interop/lti/jwks.json"
    assert sent["token_endpoint_auth_method"] == "private_key_jwt"
    assert set(sent["scope"].split()) == {
        "https://purl.imsglobal.org/spec/lti-ags/scope/score",
        "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
        "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
    }
    tool = sent[TOOL]
    assert (tool["domain"], tool["target_link_uri"]) == ("testserver", launch_url)
    assert tool["claims"] == ["iss", "sub"]
    assert tool["messages"] == [
        {"type": "LtiDeepLinkingRequest", "target_link_uri": launch_url, "label": "MedTandem"}
    ]

    # The registration is a real one: a login initiation from the platform is now answered.
    state, nonce = begin(Client(), moodle)
    assert state and nonce

    # The token was single use: the same frame confirmed twice is refused by the platform.
    again = _confirm(admin_client, moodle.openid_configuration_url, faculty)
    assert again.status_code == 502 and 'id="lti-dynreg-code">register<' in again.content.decode()
    assert Platform.objects.count() == 1


def test_a_configuration_whose_issuer_is_another_origin_is_refused(admin_client, moodle, faculty):
    moodle.config_issuer = "https://moodle.other-faculty.example"
    admin_client.get(_opened_by(moodle))
    refused = _confirm(admin_client, moodle.openid_configuration_url, faculty)
    assert refused.status_code == 400
    html = refused.content.decode()
    assert 'id="lti-dynreg-code">issuer<' in html and "Rien n'a été inscrit" in html
    assert moodle.tool_registrations == []  # we never registered there
    assert _nothing_stored() and not AuditEntry.objects.filter(action="lti.platform_registered")


@pytest.mark.parametrize("status", [401, 500])
def test_a_platform_that_refuses_the_registration_leaves_nothing(
    admin_client, moodle, faculty, status
):  # type: ignore[no-untyped-def]
    moodle.registration_status = status
    admin_client.get(_opened_by(moodle))
    token = TOKEN if status == 500 else "not-the-platform-token"
    refused = _confirm(admin_client, moodle.openid_configuration_url, faculty, token)
    assert refused.status_code == 502
    assert 'id="lti-dynreg-code">register<' in refused.content.decode()
    assert _nothing_stored()


def test_an_unreachable_configuration_is_a_clear_page(admin_client, faculty):
    nowhere = f"http://127.0.0.1:{free_port()}/mod/lti/openid-configuration.php"
    refused = _confirm(admin_client, nowhere, faculty)
    assert refused.status_code == 502
    assert 'id="lti-dynreg-code">fetch<' in refused.content.decode()
    assert _nothing_stored()


def test_only_an_administrator_registers_and_only_from_a_platform(client, moodle, faculty):
    url = _opened_by(moodle)
    assert client.get(url).status_code == 302  # to the log-in page
    client.force_login(create_person("dr-lti", None, [Role.INSTRUCTOR]))
    assert client.get(url).status_code == 403
    assert _confirm(client, moodle.openid_configuration_url, faculty).status_code == 403
    admin = Client()
    admin.force_login(create_person("admin-2", None, [Role.ADMINISTRATOR]))
    for bad in (REGISTER, f"{REGISTER}?openid_configuration=javascript:alert(1)"):
        page = admin.get(bad)
        assert page.status_code == 400 and 'id="lti-dynreg-missing"' in page.content.decode()
    no_institution = admin.post(REGISTER, {"openid_configuration": moodle.openid_configuration_url})
    assert no_institution.status_code == 400
    assert moodle.tool_registrations == [] and _nothing_stored()


def test_the_configuration_rules_without_a_platform() -> None:
    config = TestPlatform(port=18699).openid_configuration()
    url = "http://127.0.0.1:18699/mod/lti/openid-configuration.php"
    parsed = dynreg.parse_platform_configuration(config, url)
    assert parsed.issuer == "http://127.0.0.1:18699/moodle"
    assert parsed.product_family_code == "moodle"
    for name in ("issuer", "registration_endpoint", "jwks_uri"):
        broken = {**config, name: "not a url"}
        with pytest.raises(dynreg.DynamicRegistrationError) as err:
            dynreg.parse_platform_configuration(broken, url)
        assert err.value.code == "configuration"
    # Same host, another port or scheme: another origin.
    for issuer in ("http://127.0.0.1:18698/moodle", "https://127.0.0.1:18699/moodle"):
        with pytest.raises(dynreg.DynamicRegistrationError) as err:
            dynreg.parse_platform_configuration({**config, "issuer": issuer}, url)
        assert err.value.code == "issuer"
    with pytest.raises(dynreg.DynamicRegistrationError):
        dynreg.parse_registration_reply({"client_id": "x"})  # no deployment id
    assert dynreg.parse_registration_reply(
        {"client_id": "x", TOOL: {"deployment_id": "d"}}
    ) == dynreg.Registered("x", "d")
