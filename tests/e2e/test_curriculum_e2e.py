"""A learner enrols in a programme, completes a page and a quiz, and downloads the attestation PDF,
whose code the public verification page confirms."""

from __future__ import annotations

import os
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

if not (
    Path(os.environ.get("MEDTANDEM_CHROMIUM", "/usr/bin/chromium")).exists()
    or shutil.which("chromium")
):
    pytest.skip("browser test skipped: no Chromium at /usr/bin/chromium", allow_module_level=True)
pytest.importorskip(
    "playwright.sync_api", reason="browser test skipped: the playwright package is not installed"
)

from medtandem.apps.accounts.models import Role  # noqa: E402
from medtandem.apps.accounts.services import create_person  # noqa: E402
from medtandem.apps.curriculum import services  # noqa: E402
from medtandem.apps.curriculum.models import Activity, Attestation, Module, Programme, Quiz  # noqa: E402

PASSWORD = "socle-apprenante-e2e-2026"
GIFT = r"""::Secret en ligne::Le secret professionnel s'applique aussi sur les réseaux sociaux.{TRUE#Si \: aucun cas reconnaissable en ligne.#Exact.}"""


def _pdf_text(pdf: bytes, attestation: Attestation, verify_url: str) -> str:
    """The PDF's text: with pypdf when installed, else from WeasyPrint's laid-out document."""
    try:
        from pypdf import PdfReader
    except ImportError:
        from weasyprint import HTML

        document = HTML(
            string=services.attestation_html(attestation, verify_url=verify_url)
        ).render()
        parts: list[str] = []

        def walk(box) -> None:  # type: ignore[no-untyped-def]
            if hasattr(box, "text"):
                parts.append(box.text)
            for child in getattr(box, "children", []):
                walk(child)

        for page in document.pages:
            walk(page._page_box)
        return " ".join(parts)
    import io

    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.django_db(transaction=True)
def test_enrol_complete_and_download_the_attestation(
    live_server, page, artifacts, settings, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    settings.VAR_DIR = tmp_path
    # No reading-time floor here: the rule has its own integration tests (test_curriculum_evidence).
    settings.CURRICULUM_PAGE_TIME_SHARE, settings.CURRICULUM_PAGE_MIN_MINUTES = 0, 0
    create_person(
        "ines",
        PASSWORD,
        [Role.LEARNER],
        first_name="Inès",
        last_name="Benali",
        profession="nursing",
    )
    programme = Programme.objects.create(
        slug="socle-e2e",
        title="Formation socle au numérique en santé",
        hours=Decimal(2),
        kind=Programme.Kind.CORE,
    )
    module = Module.objects.create(programme=programme, title="Communication en santé", position=0)
    Activity.objects.create(
        module=module,
        kind="page",
        title="Identité numérique du soignant",
        hours=1,
        body="## Le secret en ligne\n\nPas de photo de patient, **jamais**.",
        position=0,
    )
    quiz = Quiz.objects.create(title="Quiz communication", pass_mark=100)
    services.import_questions(quiz, GIFT, "gift")
    Activity.objects.create(
        module=module, kind="quiz", title="Quiz communication", hours=1, quiz=quiz, position=1
    )

    page.goto(f"{live_server.url}/accounts/login/?next=/learn/")
    page.fill("#id_username", "ines")
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.click("text=Formation socle au numérique en santé")
    page.click('button:has-text("M\'inscrire")')
    page.wait_for_selector("text=Inscrit·e")

    page.click("text=Identité numérique du soignant")
    assert page.locator("article.content h2").inner_text() == "Le secret en ligne"
    page.click('button:has-text("J\'ai lu cette page")')

    page.click("a:has-text('Quiz communication')")
    page.check("label:has-text('Vrai') input")
    page.click("button:has-text('Valider mes réponses')")
    page.wait_for_selector("text=Quiz réussi")
    assert (
        page.locator("text=Si : aucun cas reconnaissable en ligne.").count() == 0
    )  # right-answer feedback only
    page.click("text=Formation socle au numérique en santé")

    link = page.locator('a:has-text("Télécharger l\'attestation (PDF)")')
    href = link.get_attribute("href")
    page.screenshot(path=str(artifacts / "curriculum-attestation.png"), full_page=True)
    response = page.request.get(f"{live_server.url}{href}")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    assert pdf.startswith(b"%PDF-")
    (artifacts / "curriculum-attestation.pdf").write_bytes(pdf)

    attestation = Attestation.objects.get()
    verify_url = f"{live_server.url}/learn/verify/{attestation.code}"
    text = _pdf_text(pdf, attestation, verify_url)
    assert "Inès Benali" in text and attestation.code in text and "Formation socle" in text

    page.goto(verify_url)
    assert page.locator("text=Attestation valide").count() == 1
    assert page.locator("dd", has_text="Inès Benali").count() == 1
    page.screenshot(path=str(artifacts / "curriculum-verification.png"), full_page=True)


def _read_unaided(session, correct: int) -> None:  # type: ignore[no-untyped-def]
    """The learner's unaided reads (stored through the reading app's service): the first ``correct``
    match the truth."""
    import uuid

    from medtandem.apps.reading.services import ReadAnswer, cases_of, commit_read

    for i, case in enumerate(cases_of(session)):
        truth = set(case.superclasses)
        chosen = truth if i < correct else ({"MI"} if truth != {"MI"} else {"NORM"})
        commit_read(
            session,
            case,
            "unaided",
            ReadAnswer(
                {s: 90 if s in chosen else 10 for s in ("NORM", "MI", "STTC", "CD", "HYP")}, "sinus"
            ),
            uuid.uuid4(),
        )


@pytest.mark.django_db(transaction=True)
def test_a_failed_gate_teaches_then_a_new_attempt_on_unseen_ecgs_passes(
    live_server, page, artifacts
) -> None:  # type: ignore[no-untyped-def]
    from medtandem.apps.cases.models import Case
    from medtandem.apps.cases.services import build_case_set, import_demo_bank
    from medtandem.apps.curriculum import selectors
    from medtandem.apps.curriculum.models import Completion

    import_demo_bank(limit=12)
    bank = list(Case.objects.order_by("external_id").values_list("pk", flat=True))
    learner = create_person("ines", PASSWORD, [Role.LEARNER], first_name="Inès", last_name="Benali")
    programme = Programme.objects.create(
        slug="ecg-e2e", title="Lire l'ECG avec et sans IA", hours=Decimal(2)
    )
    module = Module.objects.create(programme=programme, title="Lecture seule", position=0)
    gate = Activity.objects.create(
        module=module,
        kind="reading",
        title="Lecture d'ECG sans IA",
        hours=2,
        reading_mode="unaided",
        pass_level=60,
        max_attempts=3,
        retry_wait_hours=0,
        case_set=build_case_set("Série E2E", case_ids=bank[:4]),
    )
    services.enrol(learner, programme)

    page.goto(f"{live_server.url}/accounts/login/?next=/learn/activities/{gate.pk}/")
    page.fill("#id_username", "ines")
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    page.click("button:has-text('Commencer la lecture')")
    first = selectors.reading_session_of(learner, gate)
    _read_unaided(first, correct=1)  # 25 %

    page.goto(f"{live_server.url}/learn/activities/{gate.pk}/")
    panel = page.locator("section:has(#gate-failed)")
    assert "Niveau requis non atteint" in panel.inner_text()
    assert "25 %" in panel.inner_text() and "60 %" in panel.inner_text()
    assert panel.locator(f"a[href='/learn/programmes/{programme.slug}/']").count() == 1
    page.screenshot(path=str(artifacts / "curriculum-gate-failed.png"), full_page=True)
    page.click("button:has-text('Nouvelle tentative')")
    page.wait_for_url("**/reading/**")
    second = selectors.reading_session_of(learner, gate)
    assert second != first
    assert not set(second.case_set.cases.values_list("pk", flat=True)) & set(bank[:4])
    _read_unaided(second, correct=4)

    page.goto(f"{live_server.url}/learn/activities/{gate.pk}/")
    assert page.locator("text=validée").count() >= 1
    assert Completion.objects.get(learner=learner, activity=gate).score == 100
    page.screenshot(path=str(artifacts / "curriculum-gate-passed.png"), full_page=True)
