"""The reading page's script sends a read and, when the answer is lost, sends it again with the same
submission key: the read is stored once and the learner reaches the next step."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from medtandem.apps.accounts.models import Role
from medtandem.apps.accounts.services import create_person
from medtandem.apps.cases.models import Case
from medtandem.apps.cases.services import build_case_set, import_demo_bank
from medtandem.apps.reading.models import Read
from medtandem.apps.reading.services import start_session

PASSWORD = "ecg-apprenant-e2e-2026"


def _rate_and_submit(page) -> None:  # type: ignore[no-untyped-def]
    for code in ("norm", "mi", "sttc", "cd", "hyp"):
        page.check(f"input[name=rating_{code}][value='{75 if code == 'norm' else 25}']")
    page.check("input[name=rhythm][value=sinus]")
    page.click("#read-form button[type=submit]")


@pytest.mark.django_db(transaction=True)
def test_a_submission_whose_connection_drops_is_sent_again_and_stored_once(
    live_server, page
) -> None:  # type: ignore[no-untyped-def]
    import_demo_bank(limit=2)
    learner = create_person("camille", PASSWORD, [Role.LEARNER])
    case_set = build_case_set("E2E", case_ids=list(Case.objects.values_list("pk", flat=True)))
    session = start_session(learner, case_set, "practice", title="Pratique E2E")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "camille")
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.goto(f"{live_server.url}/reading/session/{session.pk}/case/0/")
    page.wait_for_selector(".ecg-viewer svg")

    seen: list[str] = []

    def flaky(route, request) -> None:  # type: ignore[no-untyped-def]
        seen.append(request.post_data or "")
        if len(seen) == 1:  # the first attempt reaches the server, but its answer is lost
            route.fetch()
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/read/", flaky)
    _rate_and_submit(page)
    page.wait_for_selector("#ai-title", timeout=20000)  # the AI step: the read went through
    assert len(seen) >= 2
    # URL-encoded bodies (as a plain form posts them); every attempt carried the same key.
    keys = {key for body in seen for key in parse_qs(body).get("submission_key", [])}
    assert len(keys) == 1, seen
    assert list(Read.objects.filter(session=session).values_list("condition", flat=True)) == [
        "unaided"
    ]
