"""Temporary: screenshots of the new curriculum pages in French and English (not committed)."""
from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from medtandem.apps.accounts.models import Cohort, Institution, Role
from medtandem.apps.accounts.services import create_person
from medtandem.apps.cases.models import Case
from medtandem.apps.cases.services import build_case_set, import_demo_bank
from medtandem.apps.curriculum import selectors, services
from medtandem.apps.curriculum.models import Activity, Attestation, Module, Programme, Quiz
from medtandem.apps.reading.services import ReadAnswer, cases_of, commit_read

OUT = Path("/tmp/shots-curr")
PW = "shots-curr-2026-xyz"
GIFT = r"""
::Pseudonymisation::Un nom remplacé par un numéro, table de correspondance conservée \: les données sont {
  =pseudonymisées#Oui, encore personnelles.
  ~anonymisées#Non, la ré-identification reste possible.
}

::RGPD::Les données de santé sont sensibles au sens du RGPD.{TRUE#Non \: elles le sont.#Exact.}
"""


def _read(session, correct):
    for i, case in enumerate(cases_of(session)):
        truth = set(case.superclasses)
        chosen = truth if i < correct else ({"MI"} if truth != {"MI"} else {"NORM"})
        commit_read(session, case, "unaided", ReadAnswer(frozenset(chosen), {s: 50 for s in ("NORM", "MI", "STTC", "CD", "HYP")}, "sinus"), uuid.uuid4())


def _login(browser, live_server, username, lang):
    context = browser.new_context(viewport={"width": 1300, "height": 900}, locale="fr-FR" if lang == "fr" else "en-GB")
    context.add_cookies([{"name": "django_language", "value": lang, "url": live_server.url}])
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PW)
    page.click("#login-submit")
    return context, page


@pytest.mark.django_db(transaction=True)
def test_shots(live_server, browser, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    OUT.mkdir(exist_ok=True)
    import_demo_bank(limit=12)
    bank = list(Case.objects.order_by("external_id").values_list("pk", flat=True))
    rennes = Institution.objects.create(name="Faculté de santé de Rennes")
    brest = Institution.objects.create(name="Faculté de médecine de Brest")
    learner = create_person("ines", PW, [Role.LEARNER], first_name="Inès", last_name="Benali", institution=rennes)
    other = create_person("maelys", PW, [Role.LEARNER], first_name="Maëlys", last_name="Le Goff", institution=brest)
    teacher = create_person("dr-lefevre", PW, [Role.INSTRUCTOR], institution=rennes, first_name="Anne", last_name="Lefèvre")
    cohort = Cohort.objects.create(name="Rennes 2026", institution=rennes)
    cohort.learners.add(learner); cohort.instructors.add(teacher)
    programme = Programme.objects.create(slug="ecg", title="Lire l'ECG avec et sans IA", hours=Decimal(3))
    m = Module.objects.create(programme=programme, title="Lecture seule", position=0)
    gate = Activity.objects.create(module=m, kind="reading", title="Lecture d'ECG sans IA", hours=2, reading_mode="unaided",
                                   pass_level=60, max_attempts=3, retry_wait_hours=0, case_set=build_case_set("Série", case_ids=bank[:4]))
    quiz = Quiz.objects.create(title="Vérification", pass_mark=100, owner_institution=rennes)
    services.import_questions(quiz, GIFT, "gift")
    page_act = Activity.objects.create(module=m, kind="page", title="Données de santé", hours=1, body="## Définition\n\nUne donnée de santé est **sensible**.", quiz=quiz, position=1)
    for u in (learner, other):
        services.enrol(u, programme)
    _read(services.start_reading(learner, gate), 1)
    _read(services.start_reading(other, gate), 0)
    for lang in ("fr", "en"):
        ctx, page = _login(browser, live_server, "ines", lang)
        page.goto(f"{live_server.url}/learn/activities/{gate.pk}/")
        page.screenshot(path=str(OUT / f"gate-failed-{lang}.png"), full_page=True)
        page.goto(f"{live_server.url}/learn/activities/{page_act.pk}/")
        page.screenshot(path=str(OUT / f"page-floor-{lang}.png"), full_page=True)
        page.click("form[action$='/done'] button")
        page.screenshot(path=str(OUT / f"page-refused-{lang}.png"), full_page=True)
        ctx.close()
    # quiz review (wrong answers)
    ctx, page = _login(browser, live_server, "ines", "fr")
    page.goto(f"{live_server.url}/learn/activities/{page_act.pk}/")
    page.locator("fieldset").nth(0).locator("input").nth(1).check()
    page.locator("fieldset").nth(1).locator("input").nth(1).check()
    page.click("button:has-text('Valider mes réponses')")
    page.screenshot(path=str(OUT / "quiz-review-fr.png"), full_page=True)
    ctx.close()
    ctx, page = _login(browser, live_server, "ines", "en")
    page.goto(f"{live_server.url}/learn/activities/{page_act.pk}/")
    page.locator("fieldset").nth(0).locator("input").nth(0).check()
    page.locator("fieldset").nth(1).locator("input").nth(0).check()
    page.click("form[action$='/quiz'] button")
    page.screenshot(path=str(OUT / "quiz-review-en.png"), full_page=True)
    ctx.close()
    # second attempt passes, then the attestation
    second = services.start_new_attempt(learner, gate)
    _read(second, 4)
    services.sync_reading(learner, gate)
    import sys; sys.path.insert(0, "tests/integration/curriculum")
    from curriculum_helpers import right_answers
    services.submit_quiz(learner, page_act, right_answers(quiz))
    services.record_visit(learner, page_act, at=timezone.now() - timedelta(minutes=20))
    services.mark_page_read(learner, page_act, now=timezone.now() + timedelta(minutes=20))
    attestation = Attestation.objects.get()
    for lang in ("fr", "en"):
        ctx, page = _login(browser, live_server, "dr-lefevre", lang)
        page.goto(f"{live_server.url}/learn/activities/{gate.pk}/attempts/")
        page.screenshot(path=str(OUT / f"attempts-{lang}.png"), full_page=True)
        page.goto(f"{live_server.url}/learn/programmes/ecg/enrolments/")
        page.screenshot(path=str(OUT / f"enrolments-{lang}.png"), full_page=True)
        page.goto(f"{live_server.url}/learn/quizzes/{quiz.pk}/import")
        page.screenshot(path=str(OUT / f"quiz-import-{lang}.png"), full_page=True)
        page.goto(f"{live_server.url}/learn/verify/{attestation.code}")
        page.screenshot(path=str(OUT / f"verify-{lang}.png"), full_page=True)
        ctx.close()
        ctx, page = _login(browser, live_server, "ines", lang)
        page.goto(f"{live_server.url}/learn/activities/{gate.pk}/")
        page.screenshot(path=str(OUT / f"gate-passed-{lang}.png"), full_page=True)
        ctx.close()
    from django.utils import translation
    for lang in ("fr", "en"):
        with translation.override(lang):
            html = services.attestation_html(attestation, verify_url=f"{live_server.url}/learn/verify/{attestation.code}")
        ctx = browser.new_context(viewport={"width": 1123, "height": 794})
        p = ctx.new_page(); p.set_content(html)
        p.screenshot(path=str(OUT / f"attestation-{lang}.png"), full_page=True)
        ctx.close()
    print(selectors.evidence_lines(attestation.evidence))
