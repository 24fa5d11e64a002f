"""Hours that mean something: a page credits its hours only after server-measured reading time (and
its check questions); an attestation needs the domain quizzes and says how its hours were evidenced."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from medtandem.apps.audit.models import AuditEntry
from medtandem.apps.audit.services import Action
from medtandem.apps.curriculum import selectors, services
from medtandem.apps.curriculum.models import Attestation, Completion, Quiz

from .conftest import QUIZ_GIFT
from .curriculum_helpers import activity, complete_programme, read_page, right_answers

pytestmark = pytest.mark.django_db

PAGE = "Qu'est-ce qu'une donnée de santé ?"  # 5 h: floor 30 min at the default 10 %


def test_the_floor_is_ten_percent_of_the_credited_time_with_a_minimum(programme, settings):
    page = activity(programme, PAGE)
    assert selectors.page_time_floor(page) == timedelta(minutes=30)
    page.hours = 0
    assert selectors.page_time_floor(page) == timedelta(minutes=2)
    settings.CURRICULUM_PAGE_TIME_SHARE, settings.CURRICULUM_PAGE_MIN_MINUTES = 0.2, 5
    page.hours = 5
    assert selectors.page_time_floor(page) == timedelta(hours=1)


def test_a_page_is_refused_before_its_floor_saying_how_long_remains_and_credited_after(
    learner, programme
):
    services.enrol(learner, programme)
    page = activity(programme, PAGE)
    opened = timezone.now()
    services.record_visit(learner, page, at=opened)
    with pytest.raises(services.CurriculumRuleError, match=r"Encore 20 min de lecture"):
        services.mark_page_read(learner, page, now=opened + timedelta(minutes=10))
    assert not Completion.objects.filter(learner=learner, activity=page).exists()
    completion = services.mark_page_read(learner, page, now=opened + timedelta(minutes=30))
    assert completion.completed_at == opened + timedelta(minutes=30)
    assert selectors.learner_progress(learner).total_hours == 5


def test_serving_the_page_again_does_not_restart_the_clock(learner, programme):
    services.enrol(learner, programme)
    page = activity(programme, PAGE)
    opened = timezone.now()
    services.record_visit(learner, page, at=opened)
    services.record_visit(learner, page, at=opened + timedelta(minutes=29))
    assert selectors.page_time_remaining(
        learner, page, now=opened + timedelta(minutes=30)
    ) == timedelta(0)


def test_a_page_never_served_is_refused(learner, programme):
    services.enrol(learner, programme)
    with pytest.raises(services.CurriculumRuleError, match="Ouvrez d'abord la page"):
        services.mark_page_read(learner, activity(programme, PAGE))


def test_two_clicks_in_two_minutes_no_longer_earn_the_hours(client, learner, programme):
    services.enrol(learner, programme)
    page = activity(programme, PAGE)
    client.force_login(learner)
    assert (
        "au moins 30 min de lecture"
        in client.get(reverse("curriculum:activity", args=[page.pk])).content.decode()
    )
    response = client.post(reverse("curriculum:activity_done", args=[page.pk]), follow=True)
    assert "Encore 30 min de lecture" in response.content.decode()
    assert not Completion.objects.filter(learner=learner).exists()


def test_a_page_with_check_questions_needs_them_passed(learner, programme):
    services.enrol(learner, programme)
    page = activity(programme, PAGE)
    checks = Quiz.objects.create(title="Vérification", pass_mark=100)
    services.import_questions(checks, QUIZ_GIFT, "gift")
    page.quiz = checks
    page.save()
    opened = timezone.now() - timedelta(hours=1)
    services.record_visit(learner, page, at=opened)
    with pytest.raises(services.CurriculumRuleError, match="questions de vérification"):
        services.mark_page_read(learner, page)
    outcome = services.submit_quiz(learner, page, right_answers(checks))
    assert outcome.attempt.passed and not Completion.objects.filter(activity=page).exists()
    assert services.mark_page_read(learner, page)


def test_the_attestation_needs_every_domain_quiz_passed_even_an_optional_one(learner, programme):
    quiz = activity(programme, "Quiz données")
    quiz.is_required = False
    quiz.save()
    services.enrol(learner, programme)
    read_page(learner, activity(programme, PAGE))
    read_page(learner, activity(programme, "Hygiène numérique"))
    assert not Attestation.objects.exists()
    assert selectors.missing_quizzes(learner, programme) == [quiz]
    services.submit_quiz(learner, quiz, right_answers(quiz.quiz))
    assert Attestation.objects.filter(enrolment__learner=learner).exists()


def test_the_attestation_says_how_its_hours_were_evidenced(client, learner, programme):
    complete_programme(learner, programme)
    attestation = Attestation.objects.get()
    evidence = attestation.evidence
    assert [p["title"] for p in evidence["pages"]] == [PAGE, "Hygiène numérique"]
    assert all(p["minutes"] >= 30 for p in evidence["pages"])
    assert evidence["quizzes"][0]["score"] == "100.00" and evidence["pages_hours"] == "10.00"
    assert evidence["unevidenced"] == []
    lines = selectors.evidence_lines(evidence)
    assert any("mesurées par le serveur" in line for line in lines)
    assert any("Quiz données 100 %" in line for line in lines)
    html = services.attestation_html(attestation, verify_url="https://example.org/v")
    assert "mesurées par le serveur" in html and "Quiz données 100 %" in html
    badge = services.open_badge(
        attestation, issuer_url="https://example.org/", verify_url="https://example.org/v"
    )
    assert any("mesurées par le serveur" in e["narrative"] for e in badge["evidence"])
    public = client.get(reverse("curriculum:verify", args=[attestation.code])).content.decode()
    assert (
        "mesurées par le serveur" in public
        and "Quiz réussis : 1" in public
        and "100 %" not in public
    )


def test_the_quiz_review_shows_the_answer_given_the_right_one_and_the_feedback(
    client, learner, programme
):
    services.enrol(learner, programme)
    read_page(learner, activity(programme, PAGE))
    quiz = activity(programme, "Quiz données")
    wrong = {}
    for question in quiz.quiz.questions.prefetch_related("answers"):
        worst = min(question.answers.all(), key=lambda a: a.fraction)
        wrong[f"q{question.pk}"] = str(worst.pk)
    client.force_login(learner)
    page = client.post(reverse("curriculum:quiz_submit", args=[quiz.pk]), wrong).content.decode()
    assert "Quiz non validé" in page
    assert "Votre réponse" in page and "Réponse attendue" in page
    assert "anonymisées" in page and "pseudonymisées" in page  # given, expected
    assert "Non, la ré-identification reste possible." in page  # the feedback of the answer given
    assert "Faux" in page and "Vrai" in page  # true/false given and expected


def test_issuing_and_revoking_an_attestation_is_on_the_audit_trail(
    learner, programme, administrator
):
    complete_programme(learner, programme)
    attestation = Attestation.objects.get()
    issued = AuditEntry.objects.get(action=Action.ATTESTATION_ISSUED)
    assert issued.target_id == str(attestation.pk) and issued.details["code"] == attestation.code
    services.revoke_attestation(attestation, by=administrator, reason="fraude")
    services.revoke_attestation(attestation, by=administrator)  # once
    revoked = AuditEntry.objects.get(action=Action.ATTESTATION_REVOKED)
    assert revoked.actor_id == administrator.pk and revoked.details["reason"] == "fraude"
    assert not Attestation.objects.get().is_valid


def test_csv_enrolment_and_quiz_imports_are_on_the_audit_trail(programme, administrator):
    services.enrol_from_csv(programme, "username\nzoe\nemma\n", by=administrator)
    entry = AuditEntry.objects.get(action=Action.ENROLMENTS_IMPORTED)
    assert entry.actor_id == administrator.pk and entry.details["rows"] == 2
    quiz = Quiz.objects.create(title="Importé")
    services.import_questions(quiz, QUIZ_GIFT, "gift", by=administrator)
    entry = AuditEntry.objects.get(action=Action.QUIZ_IMPORTED, target_id=str(quiz.pk))
    assert entry.details == {"format": "gift", "questions": 2, "replace": False}
