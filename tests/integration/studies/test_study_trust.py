"""Study reads that can be trusted: blinding, locked means immutable, contamination, audit trail."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from medtandem.apps.accounts.services import create_person
from medtandem.apps.audit.models import AuditEntry
from medtandem.apps.audit.services import Action, verify_chain
from medtandem.apps.reading.models import Read
from medtandem.apps.reading.services import cases_of, commit_read, parse_answer, start_session
from medtandem.apps.studies import services
from medtandem.apps.studies.analysis import analyze_frame
from medtandem.apps.studies.report import analysis_for
from medtandem.apps.studies.selectors import study_frame

from .conftest import MODEL, answer_for, read_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def study(case_set, investigator):
    return services.create_study(
        title="Étude MI",
        question="?",
        case_set=case_set,
        created_by=investigator,
        washout_days=0,
        seed=3,
        ai_model_name=MODEL[0],
        ai_model_version=MODEL[1],
    )


@pytest.fixture
def readers(study, make_reader):
    people = [make_reader(years=y) for y in (1, 8)]
    for person in people:
        participant = services.join_study(person, study.invitation_code, consent=True)
        for _ in range(2):
            session = services.advance(participant)
            if session is not None:
                read_session(session.reading_session)
    return people


def test_the_investigator_sees_pseudonyms_only(client, study, readers, investigator):
    client.force_login(investigator)
    page = client.get(reverse("studies:detail", args=[study.pk])).content.decode()
    for person in readers:
        assert person.username not in page
    assert all(p.pseudonym in page for p in study.participants.all())
    assert "Lever le pseudonyme" not in page
    participant = study.participants.first()
    assert (
        client.post(reverse("studies:reveal", args=[study.pk, participant.pk])).status_code == 403
    )
    assert not AuditEntry.objects.filter(action=Action.PSEUDONYM_REVEALED).exists()


def test_an_administrator_may_reveal_a_pseudonym_and_the_look_is_recorded(client, study, readers):
    admin = create_person("root", "pw-root-admin-123", ["administrator"])
    client.force_login(admin)
    participant = study.participants.order_by("join_index").first()
    response = client.post(reverse("studies:reveal", args=[study.pk, participant.pk]))
    assert response.status_code == 200 and participant.user.username in response.content.decode()
    entry = AuditEntry.objects.get(action=Action.PSEUDONYM_REVEALED)
    assert (entry.actor_name, entry.target_id, entry.details["pseudonym"]) == (
        "root",
        str(participant.pk),
        participant.pseudonym,
    )
    assert client.get(reverse("studies:reveal", args=[study.pk, participant.pk])).status_code == 405
    assert verify_chain().ok


def test_a_locked_study_accepts_no_more_reads(client, study, make_reader, investigator):
    late = make_reader()
    participant = services.join_study(late, study.invitation_code, consent=True)
    session = services.advance(participant).reading_session
    services.lock_study(study, by=investigator)
    session.refresh_from_db()
    case = cases_of(session)[0]
    client.force_login(late)
    data = {
        "condition": session.steps[0],
        "submission_key": str(uuid.uuid4()),
        **answer_for(case, 80),
    }
    response = client.post(
        reverse("reading:submit", args=[session.pk, 0]), data, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 409 and response.json()["error"] == "locked"
    assert not Read.objects.filter(session=session).exists()
    locked = AuditEntry.objects.get(action=Action.STUDY_LOCKED)
    assert (
        locked.actor_name == investigator.username
        and locked.details["reads_sha256"]
        == study.__class__.objects.get(pk=study.pk).locked_reads_sha256
    )


def test_study_creation_export_and_import_are_on_the_audit_trail(
    client, study, readers, investigator
):
    client.force_login(investigator)
    client.get(reverse("studies:export", args=[study.pk]))
    actions = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))
    assert Action.STUDY_CREATED in actions and actions[-1] == Action.STUDY_EXPORTED
    assert verify_chain().ok


def test_reads_of_cases_seen_with_truth_are_left_out_of_the_analysis_and_counted(
    study, make_reader, case_set
):
    reader = make_reader()
    # Practice first, with feedback, on the study's first two cases.
    practice = start_session(reader, case_set, "practice", ai_model=MODEL, title="Entraînement")
    for case in cases_of(practice)[:2]:
        for condition in practice.steps:
            commit_read(
                practice,
                case,
                condition,
                parse_answer(answer_for(case, 90 if case.mi else 10)),
                uuid.uuid4(),
            )
    participant = services.join_study(reader, study.invitation_code, consent=True)
    for _ in range(2):
        session = services.advance(participant)
        if session is not None:
            read_session(session.reading_session)
    seen = Read.objects.filter(
        session__study_session__participant=participant, seen_truth_before=True
    )
    assert seen.count() == 2 * 2  # two cases, read in both study sessions
    analysis = analysis_for(study)
    assert analysis.excluded["seen_truth_before"] == 4
    assert analysis.n_reads == 2 * 12 - 4
    sensitivity = analyze_frame(study_frame(study), endpoint="MI", threshold=50, include_seen=True)
    assert sensitivity.n_reads == 24 and sensitivity.excluded == {"rating_flag": 0}


def test_the_analysis_page_says_how_many_reads_were_left_out(client, study, readers, investigator):
    client.force_login(investigator)
    page = client.get(reverse("studies:analysis", args=[study.pk])).content.decode()
    assert 'id="excluded-reads"' in page and "Lectures exclues : 0" in page


def test_the_per_case_review_shows_every_readers_ratings_beside_ai_and_truth(
    client, study, readers, investigator
):
    client.force_login(investigator)
    case = study.case_set.ordered_cases()[0]
    page = client.get(reverse("studies:case_review", args=[study.pk, case.pk])).content.decode()
    table = page.split('id="review-table"')[1].split("</table>")[0]
    frame = study_frame(study)
    mine = frame[frame["case"] == case.external_id]
    for reader, rating in mine[["reader", "rating"]].itertuples(index=False):
        assert f"<td>{reader}</td>" in table
        assert f"{rating:.0f} · " in table
    for person in readers:
        assert person.username not in page  # pseudonyms only
    truth = "présent" if case.mi else "absent"
    assert f'id="review-truth"><strong>{truth}</strong>' in page
    other = client.get(reverse("studies:case_review", args=[study.pk, 10**9]))
    assert other.status_code == 404
