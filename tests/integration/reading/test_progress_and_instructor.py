"""Learner progress figures, and the instructor's case-set building and assignment."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from medtandem.apps.cases.models import CaseSet
from medtandem.apps.reading.models import ReadingSession
from medtandem.apps.reading.selectors import learner_progress

from .conftest import answer

pytestmark = pytest.mark.django_db


def _read(client, session, position, condition, supers, rhythm="sinus"):  # type: ignore[no-untyped-def]
    r = client.post(
        reverse("reading:submit", args=[session.pk, position]),
        answer(condition, str(uuid.uuid4()), supers, rhythm),
        HTTP_ACCEPT="application/json",
    )
    assert r.status_code == 201, r.content


def test_progress_counts_what_the_ai_changed(learner_client, learner, practice) -> None:
    cases = list(practice.case_set.ordered_cases())
    truths = [tuple(c.superclasses) for c in cases]
    # Case 0: right alone, right with AI. Case 1: wrong alone, right with AI. Case 2: right alone, wrong with AI.
    _read(learner_client, practice, 0, "unaided", truths[0], cases[0].rhythm)
    _read(learner_client, practice, 0, "aided", truths[0], cases[0].rhythm)
    _read(
        learner_client,
        practice,
        1,
        "unaided",
        ("HYP",) if truths[1] != ("HYP",) else ("MI",),
        cases[1].rhythm,
    )
    _read(learner_client, practice, 1, "aided", truths[1], cases[1].rhythm)
    _read(learner_client, practice, 2, "unaided", truths[2], cases[2].rhythm)
    _read(
        learner_client,
        practice,
        2,
        "aided",
        ("HYP",) if truths[2] != ("HYP",) else ("MI",),
        cases[2].rhythm,
    )

    progress = learner_progress(learner)
    assert (progress.n_reads, progress.n_unaided, progress.n_aided, progress.n_cases) == (
        6,
        3,
        3,
        3,
    )
    changes = progress.overall_changes
    assert changes is not None and (
        changes.n,
        changes.changed,
        changes.improved,
        changes.worsened,
    ) == (3, 2, 1, 1)
    hyp = next(row for row in progress.by_superclass if row.superclass == "HYP")
    assert hyp.unaided.accuracy.n == 3
    page = learner_client.get(reverse("reading:progress")).content.decode()
    assert 'id="progress-table"' in page
    assert "2 fois" in page and "1 fois pour une réponse devenue juste" in page


def test_instructor_builds_a_sampled_case_set_and_assigns_it(
    client, instructor, learner, bank
) -> None:
    client.force_login(instructor)
    preview = client.get(reverse("reading:case_bank"), {"superclasses": ["NORM"]})
    n_norm = sum(c.norm for c in bank)
    assert preview.status_code == 200 and f"{n_norm} cas correspondent" in preview.content.decode()
    response = client.post(
        reverse("reading:case_bank"),
        {
            "name": "Normaux",
            "superclasses": ["NORM"],
            "match": "any",
            "sample_size": "3",
            "seed": "11",
        },
    )
    case_set = CaseSet.objects.get(name="Normaux")
    assert response.status_code == 302
    assert case_set.cases.count() == 3 and all(c.norm for c in case_set.cases.all())
    assert case_set.criteria["seed"] == 11
    again = client.post(
        reverse("reading:case_bank"),
        {
            "name": "Normaux bis",
            "superclasses": ["NORM"],
            "match": "any",
            "sample_size": "3",
            "seed": "11",
        },
    )
    assert again.status_code == 302
    same = CaseSet.objects.get(name="Normaux bis")
    assert [c.pk for c in same.ordered_cases()] == [c.pk for c in case_set.ordered_cases()]

    cohort = instructor.taught_cohorts.get()
    response = client.post(
        reverse("reading:assign", args=[case_set.pk]),
        {"title": "Normaux", "mode": "unaided", "cohorts": [cohort.pk]},
    )
    assert response.status_code == 302
    session = ReadingSession.objects.get(learner=learner, title="Normaux")
    assert session.mode == "unaided" and session.assignment is not None


def test_instructor_previews_a_case_as_its_tracing_with_its_truth(client, instructor, bank) -> None:
    client.force_login(instructor)
    case = next(c for c in bank if c.scp_statements)
    bank_page = client.get(reverse("reading:case_bank")).content.decode()
    url = reverse("reading:case_preview", args=[case.pk])
    assert f'href="{url}"' in bank_page  # each row of the bank links to its preview
    page = client.get(url).content.decode()
    # The 12-lead tracing, named by its source record (staff may see it), and the truth beside it.
    assert page.count('id="ecg-tracing"') == 1 and "<svg" in page
    for lead in ("aVR", "V6"):
        assert f">{lead}<" in page
    assert case.record_name in page and case.external_id in page
    assert case.get_rhythm_display() in page
    for statement in case.scp_statements:
        assert f"<strong>{statement.code}</strong>" in page
    assert client.get(reverse("reading:case_preview", args=[10**9])).status_code == 404
    # A second look comes from the tracing cache and draws the same tracing.
    again = client.get(url).content.decode()

    def tracing(html: str) -> str:
        return html[html.index("<svg") : html.index("</svg>")]

    assert tracing(again) == tracing(page)


def test_case_set_from_explicit_case_ids_and_unknown_ids(client, instructor, bank) -> None:
    client.force_login(instructor)
    ids = ", ".join(c.external_id for c in bank[:2])
    assert (
        client.post(
            reverse("reading:case_bank"), {"name": "Deux", "case_ids": ids, "match": "any"}
        ).status_code
        == 302
    )
    assert CaseSet.objects.get(name="Deux").cases.count() == 2
    response = client.post(
        reverse("reading:case_bank"), {"name": "Faux", "case_ids": "ptbxl:99999", "match": "any"}
    )
    assert response.status_code == 200 and "ptbxl:99999" in response.content.decode()
    assert not CaseSet.objects.filter(name="Faux").exists()


def test_learners_cannot_use_instructor_pages(learner_client, case_set) -> None:
    assert learner_client.get(reverse("reading:instructor")).status_code == 403
    assert learner_client.get(reverse("reading:case_bank")).status_code == 403
    case = case_set.cases.first()
    preview = learner_client.get(reverse("reading:case_preview", args=[case.pk]))
    assert preview.status_code == 403 and case.external_id not in preview.content.decode()
    assert learner_client.post(reverse("reading:assign", args=[case_set.pk]), {}).status_code == 403


def test_instructor_sees_only_their_learners_progress(
    client, instructor, learner, other_learner
) -> None:
    client.force_login(instructor)
    assert client.get(reverse("reading:learner_progress", args=[learner.pk])).status_code == 200
    assert (
        client.get(reverse("reading:learner_progress", args=[other_learner.pk])).status_code == 404
    )


def test_an_assignment_with_a_due_date_is_announced_on_the_dashboard_and_by_mail(
    client, instructor, learner, case_set, settings, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    settings.MEDTANDEM_NOTIFY_BY_EMAIL = True
    learner.email = "camille@example.org"
    learner.save(update_fields=["email"])
    client.force_login(instructor)
    cohort = instructor.taught_cohorts.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reading:assign", args=[case_set.pk]),
            {
                "title": "Révision",
                "mode": "practice",
                "cohorts": [cohort.pk],
                "due_at": "2030-06-01T18:00",
            },
        )
    assert response.status_code == 302
    assert (
        len(mailoutbox) == 1
        and "Révision" in mailoutbox[0].subject
        and mailoutbox[0].to == [learner.email]
    )
    assert "À terminer avant le" in mailoutbox[0].body
    client.force_login(learner)
    page = client.get(reverse("reading:dashboard")).content.decode()
    assert 'id="new-assignments"' in page and "Révision" in page and "à terminer avant le" in page
    session = ReadingSession.objects.get(learner=learner, assignment__title="Révision")
    client.get(reverse("reading:case", args=[session.pk, 0]))  # opened: no longer new
    assert 'id="new-assignments"' not in client.get(reverse("reading:dashboard")).content.decode()


def test_assigning_again_adds_only_new_learners(
    instructor, learner, other_learner, case_set
) -> None:
    from medtandem.apps.reading.services import assign

    first = assign(case_set, [learner], mode="practice", title="Série", created_by=instructor)
    again = assign(
        case_set, [learner, other_learner], mode="practice", title="Série", created_by=instructor
    )
    assert first.pk == again.pk
    assert sorted(again.sessions.values_list("learner__username", flat=True)) == [
        "camille",
        "yanis",
    ]
