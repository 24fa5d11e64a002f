"""A learner logs in, reads one ECG alone, then with the AI, and sees the feedback."""

from __future__ import annotations

import pytest

from medtandem.apps.accounts.models import Role
from medtandem.apps.accounts.services import create_person
from medtandem.apps.cases.models import Case
from medtandem.apps.cases.services import build_case_set, import_demo_bank
from medtandem.apps.reading.models import Read
from medtandem.apps.reading.services import start_session

PASSWORD = "ecg-apprenant-e2e-2026"


@pytest.mark.django_db(transaction=True)
def test_hybrid_read_in_the_browser(live_server, page, artifacts) -> None:  # type: ignore[no-untyped-def]
    import_demo_bank(limit=3)
    learner = create_person("camille", PASSWORD, [Role.LEARNER], first_name="Camille")
    case_set = build_case_set(
        "E2E", case_ids=list(Case.objects.order_by("external_id").values_list("pk", flat=True))
    )
    start_session(learner, case_set, "practice", title="Pratique E2E")

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "camille")
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.click("text=Continuer")

    # Unaided read: the tracing is there, the AI is not.
    page.wait_for_selector(".ecg-viewer svg")
    assert page.locator("#ai-title").count() == 0
    assert (
        page.locator("#read-form input[type=radio][name^=rating_]:checked").count() == 0
    )  # nothing preset
    page.check("input[name=rhythm][value=sinus]")
    # A rating left unset blocks the submission with a message, and nothing is stored.
    page.check("input[name=rating_norm][value='100']")
    page.click("button[type=submit]:has-text('Valider et voir l')")
    assert "Donnez une note" in page.inner_text(".form-error")
    assert not Read.objects.filter(learner=learner).exists()
    for code in ("mi", "sttc", "cd"):
        page.check(f"input[name=rating_{code}][value='0']")
    # An exact value checks the nearest quick level.
    page.fill("input[name=rating_hyp_exact]", "62")
    assert page.is_checked("input[name=rating_hyp][value='50']")
    page.screenshot(path=str(artifacts / "rating-control.png"), full_page=True)
    page.click("button[type=submit]:has-text('Valider et voir l')")

    # Aided read: the AI suggestion and its facts label are shown beside the tracing, with the
    # learner's own ratings carried over.
    page.wait_for_selector("#ai-title")
    assert page.locator(".ai-facts").count() == 1
    assert page.is_checked("input[name=rating_norm][value='100']")
    assert page.input_value("input[name=rating_hyp_exact]") == "62"
    page.screenshot(path=str(artifacts / "aided-step.png"), full_page=True)
    page.click("button[type=submit]:has-text('Valider ma lecture')")

    page.wait_for_selector("#feedback-table")
    assert "Vérité" in page.inner_text("#feedback-table")
    page.screenshot(path=str(artifacts / "hybrid-feedback.png"), full_page=True)
    reads = Read.objects.filter(learner=learner).order_by("submitted_at")
    assert [r.condition for r in reads] == ["unaided", "aided"]
    assert reads[0].client_time_ms is not None and reads[0].norm
    assert (reads[0].rating_norm, reads[0].rating_hyp, reads[0].hyp) == (100, 62, True)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_feedback_page_reports_that_it_was_seen(live_server, browser, artifacts, lang) -> None:  # type: ignore[no-untyped-def]
    """The page's script sends the "feedback viewed" beacon (with the CSRF token) once."""
    import uuid

    from medtandem.apps.reading.models import FeedbackView
    from medtandem.apps.reading.services import ReadAnswer, cases_of, commit_read, open_step

    import_demo_bank(limit=2)
    learner = create_person("camille", PASSWORD, [Role.LEARNER], first_name="Camille")
    case_set = build_case_set("E2E", case_ids=list(Case.objects.values_list("pk", flat=True)))
    session = start_session(learner, case_set, "practice", title="Pratique E2E")
    case = cases_of(session)[0]
    answer = ReadAnswer({"NORM": 90, "MI": 10, "STTC": 10, "CD": 10, "HYP": 10}, "sinus")
    for condition in ("unaided", "aided"):
        open_step(session, case, condition)
        commit_read(session, case, condition, answer, uuid.uuid4())

    context = browser.new_context(
        viewport={"width": 1400, "height": 1000}, locale={"fr": "fr-FR", "en": "en-US"}[lang]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "camille")
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_load_state()
    with page.expect_response(lambda r: "feedback-viewed" in r.url) as beacon:
        page.goto(f"{live_server.url}/reading/session/{session.pk}/case/0/")
    assert beacon.value.status == 201
    page.wait_for_selector("#feedback-table")
    page.screenshot(path=str(artifacts / f"feedback-beacon-{lang}.png"), full_page=True)
    # Seen again: the beacon answers 200, nothing more is stored. Its answer is awaited before
    # the table is read: the live server's in-memory SQLite shares one cache between threads,
    # where a read beside the server's open write fails with "table is locked".
    with page.expect_response(lambda r: "feedback-viewed" in r.url) as again:
        page.reload()
    assert again.value.status == 200
    assert list(FeedbackView.objects.values_list("session_id", "case_id")) == [
        (session.pk, case.pk)
    ]
    context.close()
