"""Enrolment, completion rules, progress and the instructor's cohort view."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from medtandem.apps.accounts.models import User
from medtandem.apps.curriculum import selectors, services
from medtandem.apps.curriculum.models import Attestation, Completion, Enrolment

from .curriculum_helpers import activity, complete_programme, read_page, right_answers

pytestmark = pytest.mark.django_db


def test_a_learner_can_enrol_herself_from_the_programme_page(client, learner, programme):
    client.force_login(learner)
    response = client.post(reverse("curriculum:enrol", args=[programme.slug]))
    assert response.status_code == 302
    assert Enrolment.objects.filter(learner=learner, programme=programme, source="self").exists()


def test_self_enrolment_is_refused_when_the_programme_is_closed_to_it(learner, programme):
    programme.self_enrolment = False
    programme.save()
    with pytest.raises(services.CurriculumRuleError):
        services.enrol(learner, programme)


def test_enrolling_twice_keeps_a_single_enrolment(learner, programme):
    first = services.enrol(learner, programme)
    assert services.enrol(learner, programme) == first
    assert Enrolment.objects.count() == 1


def test_an_instructor_enrols_learners_of_their_cohorts_only(
    instructor, learner, other_learner, programme
):
    services.enrol(learner, programme, by=instructor, source="instructor")
    with pytest.raises(services.CurriculumRuleError):
        services.enrol(other_learner, programme, by=instructor, source="instructor")


def test_csv_enrolment_creates_missing_learners_and_enrols_everyone(
    administrator, learner, institution, programme
):
    content = (
        "username;first_name;last_name;profession;study_year;institution\n"
        "camille;;;;;\n"
        "ines.b;Inès;Benali;nursing;1;Faculté de santé de Rennes\n"
    )
    enrolments = services.enrol_from_csv(programme, content, by=administrator)
    assert len(enrolments) == 2
    ines = User.objects.get(username="ines.b")
    assert (ines.profession, ines.study_year, ines.institution) == ("nursing", 1, institution)


def test_a_bad_csv_row_is_reported_with_its_line_number_and_nothing_is_imported(
    administrator, programme
):
    content = (
        "username,profession,study_year\nlea,nursing,2\nhugo,astronaut,1\nnina,medicine,quatre\n"
    )
    with pytest.raises(services.CsvImportError) as caught:
        services.enrol_from_csv(programme, content, by=administrator)
    assert [line for line, _message in caught.value.errors] == [3, 4]
    assert "astronaut" in caught.value.errors[0][1]
    assert not User.objects.filter(username="lea").exists()
    assert Enrolment.objects.count() == 0


def test_the_csv_upload_page_lists_the_bad_lines(client, administrator, programme):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(administrator)
    upload = SimpleUploadedFile(
        "inscriptions.csv", b"username,institution\nzoe,Inconnue\n", "text/csv"
    )
    response = client.post(
        reverse("curriculum:manage_enrolments", args=[programme.slug]), {"csv-file": upload}
    )
    assert response.status_code == 400
    assert "ligne 2" in response.content.decode()
    assert not User.objects.filter(username="zoe").exists()


def test_activities_are_locked_until_the_learner_enrols(learner, programme):
    with pytest.raises(services.CurriculumRuleError):
        services.mark_page_read(learner, activity(programme, "Qu'est-ce qu'une donnée de santé ?"))


def test_a_module_opens_only_after_its_prerequisites_are_done(learner, programme):
    services.enrol(learner, programme)
    cyber = activity(programme, "Hygiène numérique")
    assert "Données de santé" in selectors.lock_reason(learner, cyber)
    read_page(learner, activity(programme, "Qu'est-ce qu'une donnée de santé ?"))
    quiz = activity(programme, "Quiz données")
    services.submit_quiz(learner, quiz, right_answers(quiz.quiz))
    assert selectors.lock_reason(learner, cyber) is None


def test_completing_every_required_activity_completes_the_programme_and_issues_an_attestation(
    learner, programme
):
    complete_programme(learner, programme)
    enrolment = Enrolment.objects.get(learner=learner, programme=programme)
    assert enrolment.completed_at is not None
    assert enrolment.duration_days == 0
    attestation = Attestation.objects.get(enrolment=enrolment)
    assert (attestation.learner_name, attestation.hours) == ("Camille Martin", Decimal("11.0"))


def test_progress_credits_hours_per_domain_and_lists_competencies(learner, programme):
    complete_programme(learner, programme)
    progress = selectors.learner_progress(learner)
    hours = {row["domain"]: row["hours"] for row in progress.hours_by_domain}
    assert hours == {"Données de santé": Decimal(6), "Cybersécurité en santé": Decimal(5)}
    assert {c.code for c in progress.competencies} == {"D1.1", "D2.1"}
    assert progress.activities_done == 3
    assert progress.total_hours == Decimal(11)


def test_the_progress_page_shows_hours_and_the_attestation(client, learner, programme):
    complete_programme(learner, programme)
    client.force_login(learner)
    page = client.get(reverse("curriculum:progress")).content.decode()
    assert "Données de santé" in page
    assert Attestation.objects.get().code in page


def test_the_programme_page_shows_each_activity_state(client, learner, programme):
    services.enrol(learner, programme)
    client.force_login(learner)
    page = client.get(reverse("curriculum:programme", args=[programme.slug])).content.decode()
    assert "à faire" in page
    assert "Terminez d&#x27;abord" in page or "Terminez d'abord" in page


def test_a_content_page_renders_markdown_and_escapes_raw_html(client, learner, programme):
    page = activity(programme, "Qu'est-ce qu'une donnée de santé ?")
    page.body = "## Titre\n\n<script>alert('x')</script> **gras**"
    page.save()
    services.enrol(learner, programme)
    client.force_login(learner)
    html = client.get(reverse("curriculum:activity", args=[page.pk])).content.decode()
    assert "<h2>Titre</h2>" in html and "<strong>gras</strong>" in html
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html


def test_event_attendance_recorded_by_the_instructor_completes_the_activity(
    instructor, learner, programme
):
    from medtandem.apps.curriculum.models import Activity, Module

    module = Module.objects.get(programme=programme, position=0)
    webinar = Activity.objects.create(
        module=module, kind="event", event_kind="webinar", title="Webinaire", hours=1, position=5
    )
    services.enrol(learner, programme)
    assert services.record_attendance(webinar, [learner], by=instructor) == 1
    assert Completion.objects.filter(learner=learner, activity=webinar).exists()


def test_the_instructor_sees_their_cohort_filtered_and_exports_it_as_csv(
    client, instructor, learner, other_learner, programme
):
    complete_programme(learner, programme)
    services.enrol(other_learner, programme)
    client.force_login(instructor)
    page = client.get(reverse("curriculum:instructor"), {"status": "completed"}).content.decode()
    assert "Camille Martin" in page and "yanis" not in page
    export = client.get(reverse("curriculum:instructor"), {"format": "csv"})
    lines = export.content.decode().strip().splitlines()
    assert lines[0].startswith("username,last_name")
    assert lines[1].startswith("camille,Martin,Camille,nursing,Faculté de santé de Rennes")
    assert ",3,3,11" in lines[1]
    assert len(lines) == 2


def test_instructor_pages_are_refused_to_learners(client, learner):
    client.force_login(learner)
    assert client.get(reverse("curriculum:instructor")).status_code == 403
