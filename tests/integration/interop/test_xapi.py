"""xAPI statements reach a real record store (Ralph on loopback) once each, even when it stops
in the middle of a delivery and a reply is lost."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from tests.integration.interop.lrs import PASSWORD, USER, Ralph, unavailable
from tests.integration.jobs.conftest import job_queue  # noqa: F401  (fixture)

from medtandem.apps.accounts.models import Role
from medtandem.apps.accounts.services import create_person
from medtandem.apps.cases.models import Case
from medtandem.apps.cases.services import build_case_set, import_demo_bank
from medtandem.apps.interop import http, outbox, selectors
from medtandem.apps.interop.models import Statement
from medtandem.apps.jobs import enqueue
from medtandem.apps.jobs import services as jobs
from medtandem.apps.jobs.models import JobRun
from medtandem.apps.reading.models import ReadingSession
from medtandem.apps.reading.services import (
    ReadAnswer,
    cases_of,
    commit_read,
    open_step,
    start_session,
)

pytestmark = pytest.mark.django_db
SITE = "https://medtandem.univ-test.fr"


@pytest.fixture
def ralph(tmp_path) -> Iterator[Ralph]:  # type: ignore[no-untyped-def]
    reason = unavailable()
    if reason:
        pytest.skip(reason)
    lrs = Ralph(tmp_path / "ralph").prepare().start()
    yield lrs
    lrs.stop()


@pytest.fixture
def lrs_settings(settings, ralph):  # type: ignore[no-untyped-def]
    settings.MEDTANDEM_SITE_URL = SITE
    settings.MEDTANDEM_XAPI_LRS_URL = ralph.url
    settings.MEDTANDEM_XAPI_LRS_USER = USER
    settings.MEDTANDEM_XAPI_LRS_PASSWORD = PASSWORD
    return settings


def _practice_session() -> ReadingSession:
    """A learner reads three cases, unaided then with the AI; the session completes."""
    import_demo_bank(limit=3)
    case_set = build_case_set("Trois ECG", case_ids=list(Case.objects.values_list("pk", flat=True)))
    learner = create_person("ines", None, [Role.LEARNER])
    session = start_session(learner, case_set, "practice")
    for case in cases_of(session):
        answer = ReadAnswer({"NORM": 90, "MI": 10, "STTC": 10, "CD": 10, "HYP": 10}, "sinus")
        for condition in ("unaided", "aided"):
            open_step(session, case, condition)
            commit_read(session, case, condition, answer, uuid.uuid4())
    session.refresh_from_db()
    assert session.completed_at is not None
    return session


@pytest.mark.usefixtures("job_queue")
def test_every_statement_reaches_ralph_once_across_an_outage_and_a_lost_reply(
    transactional_db, lrs_settings, ralph, monkeypatch
):
    # transactional_db: a job attempt (jobs.run) runs in autocommit, as in the worker.
    session = _practice_session()
    # 1 session started + 6 reads + 3 AI suggestions shown + 1 session completed.
    assert outbox.collect() == 11
    assert outbox.collect() == 0  # collected once
    ids = set(Statement.objects.values_list("statement_id", flat=True))
    assert len(ids) == 11

    monkeypatch.setattr(outbox, "BATCH", 3)
    first = outbox.deliver(max_batches=2)  # mid-stream: 6 of 11 sent
    assert (first.sent, first.pending) == (6, 5)
    ralph.stop()
    with pytest.raises(http.RemoteError):
        outbox.deliver()
    job = enqueue("interop.xapi_flush", key="xapi-test")
    assert jobs.run(job.pk) == "queued"  # retried later, with back-off
    assert "xAPI/statements" in JobRun.objects.get(pk=job.pk).last_error
    backlog = selectors.backlog()
    assert (backlog.pending, backlog.failing, backlog.sent) == (5, 3, 6)

    ralph.start()  # back, with what it had stored
    # The reply of the first batch was lost: those three go again.
    first_batch = Statement.objects.order_by("created_at", "pk")[:3]
    Statement.objects.filter(pk__in=[s.pk for s in first_batch]).update(sent_at=None)
    assert jobs.run(job.pk) == "done"
    assert selectors.backlog().pending == 0

    stored = ralph.stored_ids()
    assert set(stored) == {str(i) for i in ids}
    assert set(stored.values()) == {1}  # each statement stored exactly once
    assert not Statement.objects.filter(rejected_at__isnull=False).exists()  # Ralph accepted all

    completed = Statement.objects.get(kind="session-completed").payload
    assert completed["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed"
    assert completed["object"]["id"] == f"{SITE}/xapi/activities/reading-session/{session.pk}"
    assert completed["result"]["completion"] is True and "score" in completed["result"]
    read = Statement.objects.filter(kind="read").first().payload
    assert read["result"]["response"] == "NORM;sinus"  # the learner's own answer, nothing else
    assert read["actor"]["account"]["name"] != "ines" and "ines" not in str(read)


def test_nothing_is_collected_without_a_record_store(settings, db):
    settings.MEDTANDEM_XAPI_LRS_URL = ""
    _practice_session()
    assert outbox.collect() == 0 and not Statement.objects.exists()


def test_the_outbox_page_shows_the_backlog_and_the_failures_to_administrators(settings, client, db):
    from tests.integration.interop.platform import free_port

    settings.MEDTANDEM_XAPI_LRS_URL = f"http://127.0.0.1:{free_port()}"  # nobody listens there
    _practice_session()
    outbox.collect()
    with pytest.raises(http.RemoteError):
        outbox.deliver()
    admin = create_person("admin-xapi", None, [Role.ADMINISTRATOR])
    client.force_login(admin)
    page = client.get("/interop/xapi/outbox/").content.decode()
    assert '<dd id="xapi-pending">11</dd>' in page
    assert '<dd id="xapi-failing">11</dd>' in page  # one batch of 11 tried and failed
    assert '<dd id="xapi-sent">0</dd>' in page
    assert "Connection refused" in page
    assert client.post("/interop/xapi/outbox/").status_code == 302
    assert JobRun.objects.filter(name="interop.xapi_flush").count() == 1
    learner = create_person("curieux", None, [Role.LEARNER])
    client.force_login(learner)
    assert client.get("/interop/xapi/outbox/").status_code == 403
