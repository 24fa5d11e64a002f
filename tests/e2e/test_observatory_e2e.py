"""A learner reports a problem with the AI's suggestion from the reading page; an analyst triages
and closes it; its anonymised public page shows, with nothing personal on it."""

from __future__ import annotations

import pytest

from medtandem.apps.accounts.models import Role
from medtandem.apps.accounts.services import create_person
from medtandem.apps.cases.models import Case
from medtandem.apps.cases.services import build_case_set, current_model, import_demo_bank
from medtandem.apps.observatory.models import Incident
from medtandem.apps.observatory.services import register_model
from medtandem.apps.reading.services import start_session

LEARNER_PW = "ecg-apprenant-obs-2026"
ANALYST_PW = "ecg-analyste-obs-2026"
PERSONAL = "Signalé par Camille Dupont-Secret, camille.secret@example.org"


def _login(page, url: str, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#login-submit")


@pytest.mark.django_db(transaction=True)
def test_report_from_the_reading_page_to_its_public_page(live_server, browser, artifacts) -> None:  # type: ignore[no-untyped-def]
    import_demo_bank(limit=2)
    register_model(current_model(), in_service=True)
    learner = create_person(
        "camille-obs", LEARNER_PW, [Role.LEARNER], first_name="Camille", last_name="Dupont-Secret"
    )
    create_person("analyste-obs", ANALYST_PW, [Role.ANALYST], first_name="Ana", last_name="Lyste")
    case_set = build_case_set(
        "E2E observatoire",
        case_ids=list(Case.objects.order_by("external_id").values_list("pk", flat=True)),
    )
    start_session(learner, case_set, "practice", title="Pratique E2E observatoire")
    first_case = case_set.ordered_cases()[0]

    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
    page = context.new_page()
    _login(page, live_server.url, "camille-obs", LEARNER_PW)
    page.click("text=Continuer")
    page.wait_for_selector(".ecg-viewer svg")
    assert page.locator("#report-suggestion").count() == 0
    for code in ("norm", "mi", "sttc", "cd", "hyp"):
        page.locator(f"input[name=rating_{code}]").first.check()
    page.check("input[name=rhythm][value=sinus]")
    page.click("button[type=submit]:has-text('Valider et voir l')")
    page.wait_for_selector("#ai-title")
    page.click("#report-suggestion")
    page.wait_for_selector("#incident-form")
    assert first_case.external_id not in page.content()
    page.fill("#id_description", "L'IA n'a pas vu l'anomalie du segment ST. " + PERSONAL)
    page.select_option("#id_category", "missed_finding")
    page.click("#incident-submit")
    page.wait_for_selector("#incident-ref")
    incident = Incident.objects.get()
    assert (
        incident.public_id in page.inner_text("#incident-ref")
        and incident.case_id_private == first_case.pk
    )
    page.screenshot(path=str(artifacts / "observatory-incident-reported.png"), full_page=True)
    context.close()

    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
    page = context.new_page()
    _login(page, live_server.url, "analyste-obs", ANALYST_PW)
    page.goto(f"{live_server.url}/observatory/triage/")
    page.click(f"text={incident.public_id}")
    page.wait_for_selector("#triage-form")
    assert "camille.secret@example.org" in page.content()  # the analyst sees the private report
    page.select_option("#id_state", "assessed")
    page.select_option("#id_seriousness", "not_serious")
    page.click("#triage-submit")
    page.wait_for_selector(".messages")
    page.select_option("#id_state", "closed")
    page.fill(
        "#id_public_summary",
        "Une anomalie du segment ST n'a pas été suggérée par l'IA ; cas ajouté au suivi.",
    )
    page.fill("#id_corrective_action", "Cas transmis pour la prochaine évaluation du modèle.")
    page.click("#triage-submit")
    page.wait_for_selector(".messages")
    context.close()

    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
    page = context.new_page()
    page.goto(f"{live_server.url}/observatory/incidents/")
    page.click(f"text={incident.public_id}")
    page.wait_for_selector("#incident-summary")
    assert "segment ST n'a pas été suggérée" in page.inner_text("#incident-summary")
    content = page.content()
    for personal in (
        "Camille",
        "Dupont-Secret",
        "camille.secret",
        "camille-obs",
        first_case.external_id,
    ):
        assert personal not in content
    page.screenshot(path=str(artifacts / "observatory-incident-public.png"), full_page=True)
    context.close()
