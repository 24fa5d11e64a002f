"""LTI Advantage services against the test platform's HTTP server: the score of a session opened
from a graded link reaches the line item once (through the job queue, retried while the platform
is down), and the course's members come into its cohort (NRPS, two pages)."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from tests.integration.interop.conftest import begin
from tests.integration.interop.platform import CLAIM, INSTRUCTOR, LEARNER, TestPlatform
from tests.integration.jobs.conftest import job_queue  # noqa: F401  (fixture)

from medtandem.apps.cases.models import Case
from medtandem.apps.cases.services import build_case_set, import_demo_bank
from medtandem.apps.interop import services
from medtandem.apps.interop.models import Context, GradeLink, Identity
from medtandem.apps.jobs import services as jobs
from medtandem.apps.jobs.models import JobRun
from medtandem.apps.reading.models import ReadingSession
from medtandem.apps.reading.services import ReadAnswer, cases_of, commit_read

AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SUPERCLASSES = ("NORM", "MI", "STTC", "CD", "HYP")


def _launch(moodle: TestPlatform, case_set_pk: int, **claims) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    state, nonce = begin(client, moodle)
    token = moodle.id_token(
        nonce=nonce,
        **{
            CLAIM + "custom": {"medtandem_kind": "case_set", "medtandem_id": str(case_set_pk)},
            AGS: {"scope": [SCORE], "lineitem": moodle.lineitem},
            **claims,
        },
    )
    response = client.post("/interop/lti/launch", {"id_token": token, "state": state})
    assert response.status_code == 302, response.content
    assert client.get(response["Location"]).status_code == 302
    return client


def _read_everything(session: ReadingSession, right: int) -> None:
    """Practice: each case unaided then aided; the first ``right`` unaided reads match the truth on
    all five superclasses, the others call MI where it is absent (or NORM where MI is the truth)."""
    for i, case in enumerate(cases_of(session)):
        truth = set(case.superclasses)
        chosen = truth if i < right else ({"MI"} if "MI" not in truth else {"NORM"})
        answer = ReadAnswer({s: 90 if s in chosen else 10 for s in SUPERCLASSES}, "sinus")
        commit_read(session, case, "unaided", answer, uuid.uuid4())
        commit_read(session, case, "aided", answer, uuid.uuid4())


@pytest.mark.usefixtures("job_queue")
def test_a_finished_session_posts_its_score_once_even_after_the_platform_was_down(
    transactional_db, moodle, registered
):
    import_demo_bank(limit=4)
    case_set = build_case_set(
        "Quatre ECG", case_ids=list(Case.objects.values_list("pk", flat=True))
    )
    moodle.tool_jwks = services.jwks()
    _launch(moodle, case_set.pk)
    session = ReadingSession.objects.get()
    assert GradeLink.objects.get().lineitem == moodle.lineitem
    moodle.down = True
    _read_everything(session, right=3)  # 3 of 4 right: the oracle is 75
    job = JobRun.objects.get(name="interop.post_score")
    assert job.key == f"lti-score:{session.pk}" and job.kwargs == {
        "grade_id": GradeLink.objects.get().pk
    }
    assert jobs.run(job.pk) == "queued"  # 503: retried later
    assert "503" in JobRun.objects.get(pk=job.pk).last_error and moodle.scores == []
    moodle.down = False
    assert jobs.run(job.pk) == "done"
    assert jobs.run(job.pk) == "done"  # a duplicate delivery posts nothing more
    (score,) = moodle.scores
    assert score["path"] == "/mod/lti/services.php/2/lineitems/7/lineitem/scores?type_id=1"
    assert score["userId"] == "moodle-user-7"
    assert (score["scoreGiven"], score["scoreMaximum"]) == (75.0, 100)
    assert (score["activityProgress"], score["gradingProgress"]) == ("Completed", "FullyGraded")
    assert GradeLink.objects.get().score == 75.0
    # The client-credentials grant carried our signed assertion and asked only for the score scope.
    assert moodle.token_requests[0]["scope"] == SCORE
    assert (
        moodle.token_requests[0]["client_assertion_type"]
        == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    )


def test_a_link_without_a_line_item_posts_no_score(
    db, moodle, registered, django_capture_on_commit_callbacks
):
    import_demo_bank(limit=2)
    case_set = build_case_set("Deux ECG", case_ids=list(Case.objects.values_list("pk", flat=True)))
    _launch(moodle, case_set.pk, **{AGS: None})
    session = ReadingSession.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        _read_everything(session, right=2)
    assert ReadingSession.objects.get().completed_at is not None
    assert not JobRun.objects.filter(name="interop.post_score").exists()


def test_members_of_the_course_join_its_cohort(db, moodle, registered):
    import_demo_bank(limit=1)
    case_set = build_case_set("Un ECG", case_ids=list(Case.objects.values_list("pk", flat=True)))
    moodle.tool_jwks = services.jwks()
    _launch(
        moodle,
        case_set.pk,
        roles=(INSTRUCTOR,),
        sub="teacher-1",
        **{
            NRPS: {
                "context_memberships_url": f"{moodle.base}/nrps/members",
                "service_versions": ["2.0"],
            }
        },
    )
    moodle.members = [
        {"user_id": "teacher-1", "roles": [INSTRUCTOR], "status": "Active", "name": "Dr Lefèvre"},
        {"user_id": "s-1", "roles": [LEARNER], "status": "Active", "name": "Inès"},
        {"user_id": "s-2", "roles": [LEARNER], "status": "Inactive", "name": "Parti"},
        {"user_id": "s-3", "roles": ["Learner"], "name": "Yanis"},
    ]
    context = Context.objects.get()
    synced = services.sync_members(context)
    assert (synced.members, synced.created) == (3, 2)  # the inactive member is left out
    cohort = context.cohort
    assert {u.lti_identities.get().sub for u in cohort.learners.all()} == {"s-1", "s-3"}
    assert [u.lti_identities.get().sub for u in cohort.instructors.all()] == ["teacher-1"]
    assert Identity.objects.count() == 3
    again = services.sync_members(context)
    assert (again.members, again.created) == (3, 0) and Identity.objects.count() == 3
