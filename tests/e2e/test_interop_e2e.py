"""The interop pages in a real browser, French and English: the registration data an administrator
pastes into Moodle, the xAPI outbox, a refused launch, the deep-linking picker and the iframe
launch page (screenshots under tests/e2e/artifacts/)."""

from __future__ import annotations

import pytest

from medtandem.apps.accounts.models import Institution, Role
from medtandem.apps.accounts.services import create_person
from medtandem.apps.cases.models import Case
from medtandem.apps.cases.services import build_case_set, import_demo_bank
from medtandem.apps.interop import outbox, services

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct-horse-battery-staple"
LANGUAGES = {"fr": "fr-FR", "en": "en-US"}


def _login(page, url: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_load_state()


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_the_administrators_interop_pages(live_server, browser, artifacts, settings, lang):  # type: ignore[no-untyped-def]
    home = Institution.objects.create(name="Faculté de médecine de Rennes")
    create_person("admin", PASSWORD, [Role.ADMINISTRATOR], institution=home)
    services.register_platform(
        name="Moodle Université de Rennes",
        issuer="https://moodle.univ-rennes.fr",
        client_id="Xy12AbCd34",
        auth_login_url="https://moodle.univ-rennes.fr/mod/lti/auth.php",
        auth_token_url="https://moodle.univ-rennes.fr/mod/lti/token.php",
        keyset_url="https://moodle.univ-rennes.fr/mod/lti/certs.php",
        institution=home,
        deployment_ids=["3"],
    )
    settings.MEDTANDEM_XAPI_LRS_URL = "http://127.0.0.1:18699"  # nobody there: failures shown
    import_demo_bank(limit=2)
    build_case_set("Deux ECG", case_ids=list(Case.objects.values_list("pk", flat=True)))
    from medtandem.apps.reading.services import start_session

    learner = create_person("ines", PASSWORD, [Role.LEARNER], institution=home)
    start_session(learner, build_case_set("Un ECG", case_ids=[Case.objects.first().pk]), "practice")
    outbox.collect()
    with pytest.raises(Exception):  # noqa: B017 - the record store is down
        outbox.deliver()

    context = browser.new_context(viewport={"width": 1300, "height": 1000}, locale=LANGUAGES[lang])
    page = context.new_page()
    _login(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/interop/lti/registrations/")
    fields = page.inner_text("#lti-tool-fields")
    assert f"{live_server.url}/interop/lti/login" in fields
    assert f"{live_server.url}/interop/lti/jwks.json" in fields
    assert "Moodle Université de Rennes" in page.inner_text("#lti-platforms")
    heading = page.inner_text("h1")
    assert heading == (
        "Registration in Moodle (LTI 1.3)" if lang == "en" else "Inscription dans Moodle (LTI 1.3)"
    )
    page.screenshot(path=str(artifacts / f"interop-registrations-{lang}.png"), full_page=True)

    page.goto(f"{live_server.url}/interop/xapi/outbox/")
    assert page.inner_text("#xapi-pending") == "1"
    assert "Connection refused" in page.inner_text("#xapi-failures")
    page.screenshot(path=str(artifacts / f"interop-outbox-{lang}.png"), full_page=True)

    page.goto(
        f"{live_server.url}/interop/lti/login?iss=https://inconnu.example&login_hint=1&target_link_uri=x"
    )
    assert page.inner_text("#lti-refusal-code") == "platform"
    page.screenshot(path=str(artifacts / f"interop-refused-{lang}.png"), full_page=True)
    context.close()


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_the_instructors_deep_linking_picker(live_server, browser, artifacts, lang):  # type: ignore[no-untyped-def]
    home = Institution.objects.create(name="Faculté de médecine de Rennes")
    teacher = create_person("dr-lefevre", PASSWORD, [Role.INSTRUCTOR], institution=home)
    platform = services.register_platform(
        name="Moodle Université de Rennes",
        issuer="https://moodle.univ-rennes.fr",
        client_id="Xy12AbCd34",
        auth_login_url="https://moodle.univ-rennes.fr/mod/lti/auth.php",
        auth_token_url="https://moodle.univ-rennes.fr/mod/lti/token.php",
        keyset_url="https://moodle.univ-rennes.fr/mod/lti/certs.php",
        institution=home,
        deployment_ids=["3"],
    )
    import_demo_bank(limit=2)
    build_case_set("Deux ECG de DFASM1", case_ids=list(Case.objects.values_list("pk", flat=True)))
    request = services.start_deep_link(
        platform,
        teacher,
        deployment_id="3",
        return_url="https://moodle.univ-rennes.fr/mod/lti/contentitem_return.php",
        data="",
    )
    context = browser.new_context(viewport={"width": 1300, "height": 900}, locale=LANGUAGES[lang])
    page = context.new_page()
    _login(page, live_server.url, "dr-lefevre")
    page.goto(f"{live_server.url}/interop/lti/deep-link/{request.token}")
    assert "Deux ECG de DFASM1" in page.inner_text("main")
    page.screenshot(path=str(artifacts / f"interop-deep-link-{lang}.png"), full_page=True)
    context.close()


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_dynamic_registration_inside_the_platforms_frame(live_server, browser, artifacts, lang):  # type: ignore[no-untyped-def]
    """Moodle's admin page frames our registration page; the administrator chooses the
    institution; the platform receives our configuration and our page posts the close message.

    Playwright's browser contexts block third-party cookies, as Chromium's private windows do, so
    a frame from another site would carry no session (the cross-site case is the documented
    new-window fallback, docs/interop.md). Here the tool is addressed as 127.0.0.1, the test
    platform's own site, so the framed page carries the administrator's session."""
    from urllib.parse import quote, urlencode

    from tests.integration.interop.platform import CLIENT_ID, TestPlatform

    from medtandem.apps.interop.models import Platform

    home = Institution.objects.create(name="Faculté de médecine de Rennes")
    create_person("admin", PASSWORD, [Role.ADMINISTRATOR], institution=home)
    moodle = TestPlatform().start()
    try:
        moodle.registration_tokens.add("tok-1")
        base = live_server.url.replace("localhost", "127.0.0.1")
        tool = f"{base}/interop/lti/register?" + urlencode(
            {"openid_configuration": moodle.openid_configuration_url, "registration_token": "tok-1"}
        )
        context = browser.new_context(
            viewport={"width": 1300, "height": 1000}, locale=LANGUAGES[lang]
        )
        page = context.new_page()
        _login(page, base, "admin")
        page.goto(tool)  # the page itself, for its screenshot
        assert moodle.openid_configuration_url in page.inner_text("#lti-dynreg-config")
        page.screenshot(path=str(artifacts / f"interop-dynreg-form-{lang}.png"), full_page=True)

        page.goto(f"{moodle.base}/admin/tool-registration?tool={quote(tool, safe='')}")
        frame = page.frame_locator("#tool")
        frame.locator("#id_institution").select_option(label=home.name)
        frame.locator("#lti-dynreg-submit").click()
        frame.locator("#lti-dynreg-client").wait_for()
        page.wait_for_function("document.body.dataset.closed === 'org.imsglobal.lti.close'")
        page.screenshot(path=str(artifacts / f"interop-dynreg-done-{lang}.png"), full_page=True)
        assert Platform.objects.get().client_id == CLIENT_ID
        assert len(moodle.tool_registrations) == 1

        # A configuration that speaks for another origin: refused, with its reason.
        moodle.config_issuer = "https://moodle.ailleurs.example"
        moodle.registration_tokens.add("tok-2")
        page.goto(tool.replace("tok-1", "tok-2"))
        page.select_option("#id_institution", label=home.name)
        page.click("#lti-dynreg-submit")
        assert page.inner_text("#lti-dynreg-code") == "issuer"
        page.screenshot(path=str(artifacts / f"interop-dynreg-refused-{lang}.png"), full_page=True)
        assert Platform.objects.count() == 1
        context.close()
    finally:
        moodle.stop()
