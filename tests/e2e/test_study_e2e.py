"""A two-reader study from creation to report, in the browser.

The investigator creates a sequential study on the study pages; two readers join with the
invitation code and consent, then read every case through the reading pages (unaided, then with
the AI); the investigator follows progress, opens the live analysis, locks the study and reads
the report. Screenshots land in tests/e2e/artifacts/.
"""

from __future__ import annotations

import pytest

from medtandem.apps.accounts.models import Role
from medtandem.apps.accounts.services import create_person
from medtandem.apps.cases.models import Case
from medtandem.apps.cases.services import build_case_set, import_demo_bank
from medtandem.apps.reading.models import Read
from medtandem.apps.studies.models import Study
from medtandem.ecg.ptbxl import SUPERCLASSES

PASSWORD = "etude-lecteurs-e2e-2026"
N_CASES = 6


def _login(page, base: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


def _pick(cases: list[Case]) -> tuple[str, list[Case]]:
    """A superclass and N_CASES cases, half with it and half without (an AUC needs both)."""
    for name in ("MI", "NORM", "STTC", "CD", "HYP"):
        yes = [c for c in cases if getattr(c, name.lower())]
        no = [c for c in cases if not getattr(c, name.lower())]
        if len(yes) >= N_CASES // 2 and len(no) >= N_CASES // 2:
            return name, yes[: N_CASES // 2] + no[: N_CASES // 2]
    pytest.skip("the demo bank's first records do not mix present and absent findings")


@pytest.mark.django_db(transaction=True)
def test_two_reader_study_from_creation_to_report(live_server, page, artifacts) -> None:  # type: ignore[no-untyped-def]
    import_demo_bank(limit=30)
    endpoint, cases = _pick(list(Case.objects.order_by("external_id")))
    build_case_set("Série E2E", case_ids=[c.pk for c in cases])
    create_person("investigatrice", PASSWORD, [Role.INVESTIGATOR], first_name="Inès")
    readers = [
        create_person(
            f"lecteur{i}",
            PASSWORD,
            [Role.LEARNER],
            profession="medicine",
            years_experience=y,
            first_name=f"Lecteur {i}",
        )
        for i, y in ((1, 1), (2, 12))
    ]
    base = live_server.url

    # 1. The investigator creates the study.
    _login(page, base, "investigatrice")
    page.goto(f"{base}/studies/new/")
    page.fill("#id_title", "Étude E2E")
    page.fill("#id_question", "L'IA aide-t-elle à lire l'ECG ?")
    page.select_option("#id_endpoint", endpoint)
    page.select_option("#id_design", "sequential")
    page.select_option("#id_case_set", label="Série E2E")
    page.fill("#id_seed", "2026")
    page.fill("#id_intended_use", "Formation à la lecture de l'ECG")
    page.click("#study-form button[type=submit]")
    page.wait_for_selector("#invitation-code")
    code = page.inner_text("#invitation-code").strip()
    study = Study.objects.get(title="Étude E2E")
    assert code == study.invitation_code and study.seed == 2026
    page.screenshot(path=str(artifacts / "study-created.png"), full_page=True)

    # 2. Each reader joins with the code and consent, then reads every case through the reading pages.
    for k, reader in enumerate(readers):
        _login(page, base, reader.username)
        page.goto(f"{base}/studies/join/?code={code}")
        assert "Consentement" in page.inner_text("main")
        page.check("#id_consent")
        page.click("#join-form button[type=submit]")
        page.wait_for_selector("#my-sessions")
        session = reader.reading_sessions.get()
        assert session.show_feedback is False and session.case_order
        for position, case_id in enumerate(session.case_order):
            case = Case.objects.get(pk=case_id)
            truth = getattr(case, endpoint.lower())
            page.goto(f"{base}/reading/session/{session.pk}/case/{position}/")
            for step in ("unaided", "aided"):
                page.wait_for_selector("form input[name=condition]", state="attached")
                assert page.input_value("input[name=condition]") == step
                # Reader 2 reads better; both lean on the AI in the aided step.
                sure = 85 if (k == 1 or step == "aided" or position % 3) else 40
                for finding in ("norm", "mi", "sttc", "cd", "hyp"):
                    if finding != endpoint.lower():
                        page.check(f"input[name=rating_{finding}][value='0']")
                page.fill(
                    f"input[name=rating_{endpoint.lower()}_exact]",
                    str(sure if truth else 100 - sure),
                )
                page.check("input[name=rhythm][value=sinus]")
                # reading.js posts the read and then loads the case page again: wait for that load.
                with page.expect_navigation():
                    page.click("form button[type=submit].primary")
            page.wait_for_load_state()
        assert Read.objects.filter(learner=reader).count() == 2 * N_CASES
    page.screenshot(path=str(artifacts / "study-reader-done.png"), full_page=True)

    # 3. The investigator follows progress, analyses live, locks and reports.
    _login(page, base, "investigatrice")
    page.goto(f"{base}/studies/{study.pk}/")
    progress = page.inner_text("#progress")
    assert progress.count(f"{2 * N_CASES}/{2 * N_CASES}") == 2 and "terminé" in progress
    page.goto(f"{base}/studies/{study.pk}/analysis/")
    assert "2 lecteurs" in page.inner_text("#analysis")
    page.screenshot(path=str(artifacts / "study-analysis.png"), full_page=True)
    page.goto(f"{base}/studies/{study.pk}/")
    page.click("#lock-button")
    page.wait_for_selector("#study-status")
    assert "Verrouillée" in page.inner_text("#study-status")
    page.goto(f"{base}/studies/{study.pk}/report/")
    report = page.inner_text("body")
    assert "Listes de contrôle : DECIDE-AI, CONSORT-AI et CLAIM" in report and "R001" in report
    assert "Lecteurs inclus : 2" in page.inner_text("#flow")
    assert page.locator("svg.mt-chart").count() >= 2
    page.screenshot(path=str(artifacts / "study-report.png"), full_page=True)
    assert set(SUPERCLASSES) >= {endpoint}
