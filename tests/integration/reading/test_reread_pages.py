"""Re-reads through the pages: instructors schedule them (and only for their cohorts), learners find
the due round on their dashboard (one session per round, whatever the number of loads or schedules),
no truth before the round is finished, and the schedule's page against a hand-worked 2 x 3 x 2 table."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from medtandem.apps.accounts.models import Cohort, Role
from medtandem.apps.accounts.services import create_person
from medtandem.apps.cases.models import CaseSet
from medtandem.apps.cases.services import build_case_set
from medtandem.apps.reading import selectors
from medtandem.apps.reading.models import ReadingSession, Reread, RereadSchedule
from medtandem.apps.reading.services import open_due_rereads, schedule_rereads

from .conftest import unaided_read
from .test_no_early_truth import _flip_truth, _snapshot

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def cohort(instructor):  # type: ignore[no-untyped-def]
    return Cohort.objects.get(name="DFASM1")


@pytest.fixture
def instructor_client(instructor):  # type: ignore[no-untyped-def]
    client = Client(raise_request_exception=False)
    client.force_login(instructor)
    return client


def _form(cohort, case_set, period="14", starts_on=TODAY):  # type: ignore[no-untyped-def]
    return {
        "cohort": str(cohort.pk) if hasattr(cohort, "pk") else str(cohort),
        "case_set": str(case_set.pk),
        "period_days": period,
        "starts_on": starts_on.isoformat(),
    }


# --- scheduling ------------------------------------------------------------------------------------


def test_an_instructor_schedules_a_cohort_reread_from_the_page(
    instructor_client, cohort, case_set, instructor
):
    r = instructor_client.post(reverse("reading:rereads"), _form(cohort, case_set))
    assert r.status_code == 302 and r["Location"] == reverse("reading:rereads")
    [schedule] = RereadSchedule.objects.all()
    assert (schedule.cohort, schedule.case_set, schedule.period_days, schedule.starts_on) == (
        cohort,
        case_set,
        14,
        TODAY,
    )
    assert schedule.created_by == instructor
    page = instructor_client.get(reverse("reading:rereads")).content.decode()
    assert reverse("reading:reread_schedule", args=[schedule.pk]) in page


@pytest.mark.parametrize("period", ["0", "-3", "367", "quatorze"])
def test_a_bad_period_is_a_form_error_and_stores_nothing(
    instructor_client, cohort, case_set, period
):
    r = instructor_client.post(reverse("reading:rereads"), _form(cohort, case_set, period))
    assert r.status_code == 400
    assert 'class="errorlist' in r.content.decode()
    assert not RereadSchedule.objects.exists()


def test_an_empty_case_set_is_refused_by_the_service_and_stores_nothing(
    instructor_client, cohort, instructor
):
    empty = CaseSet.objects.create(name="Vide", created_by=instructor)  # its cases removed since
    r = instructor_client.post(reverse("reading:rereads"), _form(cohort, empty))
    assert r.status_code == 400
    assert "La série de cas est vide." in r.content.decode()
    assert not RereadSchedule.objects.exists()


@pytest.mark.parametrize("forged", ["foreign", "999999", "abc", ""])
def test_a_cohort_the_instructor_does_not_teach_is_refused_and_stores_nothing(
    instructor_client, case_set, forged
):
    foreign = Cohort.objects.create(name="Autre promotion")
    cohort_id = foreign.pk if forged == "foreign" else forged
    r = instructor_client.post(reverse("reading:rereads"), _form(cohort_id, case_set))
    assert r.status_code == 400
    assert not RereadSchedule.objects.exists()


def test_another_instructors_schedule_is_not_found(cohort, case_set, instructor):
    schedule = schedule_rereads(
        cohort, case_set, period_days=14, starts_on=TODAY, created_by=instructor
    )
    other = Client(raise_request_exception=False)
    other.force_login(create_person("dr-autre", None, [Role.INSTRUCTOR]))
    assert other.get(reverse("reading:reread_schedule", args=[schedule.pk])).status_code == 404
    listing = other.get(reverse("reading:rereads")).content.decode()
    assert reverse("reading:reread_schedule", args=[schedule.pk]) not in listing


def test_sending_the_form_twice_stores_one_schedule(instructor_client, cohort, case_set):
    for _ in range(2):
        r = instructor_client.post(reverse("reading:rereads"), _form(cohort, case_set))
        assert r.status_code == 302
    assert RereadSchedule.objects.count() == 1


# --- the learner's dashboard -----------------------------------------------------------------------


def test_the_dashboard_opens_one_session_per_round_however_often_it_is_loaded(
    learner_client, learner, cohort, case_set, instructor
):
    schedule_rereads(cohort, case_set, period_days=14, starts_on=TODAY, created_by=instructor)
    pages = [learner_client.get(reverse("reading:dashboard")) for _ in range(3)]
    assert {p.status_code for p in pages} == {200}
    [reread] = Reread.objects.filter(learner=learner)
    assert (reread.round, reread.due_on) == (0, TODAY)
    page = pages[-1].content.decode()
    assert 'id="due-rereads"' in page
    assert reverse("reading:session", args=[reread.session.pk]) in page
    assert reread.session.title in page


def test_a_missed_round_is_not_opened_later_and_an_unfinished_one_stays_listed(
    learner_client, learner, cohort, case_set, instructor, bank
):
    # Fortnightly from 28 days ago: the learner first comes 7 days ago, in round 1; round 0 was
    # missed entirely and never opens.
    schedule_rereads(
        cohort,
        case_set,
        period_days=14,
        starts_on=TODAY - timedelta(days=28),
        created_by=instructor,
    )
    other_set = build_case_set(
        "Autres ECG", created_by=instructor, case_ids=[c.pk for c in bank[3:5]]
    )
    schedule_rereads(
        cohort,
        other_set,
        period_days=7,
        starts_on=TODAY - timedelta(days=7),
        created_by=instructor,
    )
    opened_then = open_due_rereads(learner, TODAY - timedelta(days=7))  # left unfinished
    assert learner_client.get(reverse("reading:dashboard")).status_code == 200
    rounds = sorted(
        Reread.objects.filter(learner=learner).values_list("schedule__case_set__name", "round")
    )
    assert rounds == [("Autres ECG", 0), ("Autres ECG", 1), ("Trois ECG", 1), ("Trois ECG", 2)]
    due = [r.session for r in selectors.due_rereads(learner)]
    assert len(due) == 4 and set(opened_then) <= set(due)  # the unfinished ones are still due


def _queries(learner, day):  # type: ignore[no-untyped-def]
    with CaptureQueriesContext(connection) as ctx:
        open_due_rereads(learner, day)
    selects = [
        q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")
    ]
    return len(ctx.captured_queries), len(selects)


def test_opening_due_rereads_takes_as_many_reads_of_the_database_for_one_schedule_as_for_four(
    learner, cohort, case_set, instructor
):
    schedule_rereads(cohort, case_set, period_days=7, starts_on=TODAY, created_by=instructor)
    one_opening = _queries(learner, TODAY)
    one_steady = _queries(learner, TODAY)
    for period in (8, 9, 10):  # three more schedules (distinct, or they would be the same one)
        schedule_rereads(
            cohort, case_set, period_days=period, starts_on=TODAY, created_by=instructor
        )
    Reread.objects.all().delete()
    four_opening = _queries(learner, TODAY)
    four_steady = _queries(learner, TODAY)
    assert Reread.objects.filter(learner=learner).count() == 4
    assert four_opening[1] == one_opening[1]  # the SELECTs: schedules, then existing pairs
    assert four_steady == one_steady  # nothing to open: the same queries, all of them
    assert one_steady[0] <= 4  # schedules, pairs (and the transaction's own statements)


def test_two_loads_interleaved_open_one_session_and_neither_fails(
    learner_client, learner, cohort, case_set, instructor
):
    """The second load runs between the first load's look-up and its insert (the database's own
    interleaving, on the same connection): the first load's insert then hits the constraint."""
    schedule_rereads(cohort, case_set, period_days=14, starts_on=TODAY, created_by=instructor)
    state = {"raced": False}

    def second_load_after_the_lookup(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        result = execute(sql, params, many, context)
        if not state["raced"] and 'FROM "reading_reread" ' in sql:  # the existing pairs
            state["raced"] = True
            assert len(open_due_rereads(learner, TODAY)) == 1  # the other load opens it
        return result

    with connection.execute_wrapper(second_load_after_the_lookup):
        r = learner_client.get(reverse("reading:dashboard"))
    assert state["raced"]
    assert r.status_code == 200
    [reread] = Reread.objects.filter(learner=learner)
    assert ReadingSession.objects.filter(learner=learner).count() == 1  # the loser's rolled back
    assert reverse("reading:session", args=[reread.session.pk]) in r.content.decode()


# --- no truth before the round is finished ---------------------------------------------------------


def test_the_learners_pages_show_no_truth_before_the_reread_is_finished(
    learner_client, learner, cohort, case_set, instructor, django_capture_on_commit_callbacks
):
    schedule_rereads(cohort, case_set, period_days=14, starts_on=TODAY, created_by=instructor)
    learner_client.get(reverse("reading:dashboard"))
    session = Reread.objects.get(learner=learner).session
    cases = list(session.case_set.ordered_cases())
    with django_capture_on_commit_callbacks(execute=True):
        unaided_read(learner_client, session, 0, True)
        unaided_read(learner_client, session, 1, False)
    urls = [
        reverse("reading:dashboard"),
        reverse("reading:progress"),
        reverse("reading:session", args=[session.pk]) + "?overview=1",
        *[reverse("reading:case", args=[session.pk, i]) for i in range(2)],
    ]
    before = _snapshot(learner_client, urls)
    for case in cases:
        _flip_truth(case)
    assert [u for u in urls if _snapshot(learner_client, [u])[u] != before[u]] == []
    for case in cases:  # back to the real truth
        _flip_truth(type(case).objects.get(pk=case.pk))
    with django_capture_on_commit_callbacks(execute=True):
        unaided_read(learner_client, session, 2, True)
    # Finished: the feedback of a case now follows its truth (the diff above could see it).
    finished = _snapshot(learner_client, urls[3:])
    for case in cases:
        _flip_truth(type(case).objects.get(pk=case.pk))
    flipped = _snapshot(learner_client, urls[3:])
    assert [u for u in urls[3:] if finished[u] != flipped[u]] == urls[3:]


# --- the schedule's page: a hand-worked example ----------------------------------------------------
#
# Two learners, three cases, two rounds (round 0 fourteen days ago, round 1 today), a read is right
# when all five superclasses are:
#   camille  round 0: right, right, wrong  2/3     round 1: right, wrong, wrong  1/3   change -1/3
#   yanis    round 0: wrong, wrong, right  1/3     round 1: right, right, right  3/3   change +2/3
#   cohort   round 0: 3/6                          round 1: 4/6                        change +1/6
# Wilson 95 % intervals (z = 1.96): 2/3 [0.2077, 0.9385], 1/3 [0.0615, 0.7923], 3/3 [0.4385, 1],
# 3/6 [0.1876, 0.8124], 4/6 [0.3000, 0.9032]. Cohort change: mean of (-1/3, +2/3) = 1/6, sd 0.7071,
# se 0.5, t(0.975, 1 df) = 12.706: [-6.186, 6.520].
WILSON = {(2, 3): (0.2077, 0.9385), (1, 3): (0.0615, 0.7923), (3, 3): (0.4385, 1.0)}
WILSON |= {(3, 6): (0.1876, 0.8124), (4, 6): (0.3000, 0.9032)}


def test_the_schedules_page_matches_the_hand_worked_table(
    instructor_client,
    learner,
    learner_client,
    other_learner,
    cohort,
    case_set,
    instructor,
    django_capture_on_commit_callbacks,
):
    cohort.learners.add(other_learner)
    absent = create_person("zoe", None, [Role.LEARNER])
    cohort.learners.add(absent)  # never comes: round 0 missed, round 1 not opened yet
    start = TODAY - timedelta(days=14)
    schedule = schedule_rereads(
        cohort, case_set, period_days=14, starts_on=start, created_by=instructor
    )
    yanis = Client()
    yanis.force_login(other_learner)
    plan = {
        (learner, learner_client): ([True, True, False], [True, False, False]),
        (other_learner, yanis): ([False, False, True], [True, True, True]),
    }
    with django_capture_on_commit_callbacks(execute=True):
        for (person, client), rounds in plan.items():
            for day, answers in zip((start, TODAY), rounds, strict=True):
                [session] = open_due_rereads(person, day)
                for position, right in enumerate(answers):
                    unaided_read(client, session, position, right)
    overview = selectors.reread_overview(schedule, TODAY)
    assert overview.rounds == ((0, start), (1, TODAY))
    by_name = {row.learner.username: row for row in overview.rows}
    expected = {"camille": ((2, 3), (1, 3)), "yanis": ((1, 3), (3, 3))}
    for name, counts in expected.items():
        cells = by_name[name].cells
        assert [c.status for c in cells] == ["done", "done"]
        assert [(c.accuracy.successes, c.accuracy.n) for c in cells] == list(counts)
        for cell, key in zip(cells, counts, strict=True):
            assert cell.interval == pytest.approx(WILSON[key], abs=1e-4)
    assert by_name["camille"].change.value == pytest.approx(-1 / 3)
    assert by_name["yanis"].change.value == pytest.approx(2 / 3)
    assert [c.status for c in by_name["zoe"].cells] == ["missing", "pending"]  # 1 is today's
    assert by_name["zoe"].change.value is None
    assert [(c.accuracy.successes, c.accuracy.n) for c in overview.cohort] == [(3, 6), (4, 6)]
    assert [c.interval for c in overview.cohort] == [
        pytest.approx(WILSON[(3, 6)], abs=1e-4),
        pytest.approx(WILSON[(4, 6)], abs=1e-4),
    ]
    change = overview.cohort_change
    assert change.value == pytest.approx(1 / 6)
    # Two readers' changes (-1/3, +2/3): t(1) gives -6.186 to 6.520, truncated to the range [-1, 1]
    assert "truncated" in change.method
    assert (change.ci_lower, change.ci_upper) == (-1.0, 1.0)

    page = instructor_client.get(reverse("reading:reread_schedule", args=[schedule.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    for figure in ("67 %", "(2/3)", "33 %", "(1/3)", "100 %", "(3/3)", "50 %", "(3/6)", "(4/6)"):
        assert figure in html, figure
    assert "-0.33" in html or "-0,33" in html
    assert "0.67" in html or "0,67" in html
    assert html.count("reread-missing") == html.count("reread-pending") == 1  # zoe's rounds


def test_the_cohort_reliance_page_shows_each_schedules_series(
    instructor_client, cohort, case_set, instructor
):
    schedule = schedule_rereads(
        cohort, case_set, period_days=14, starts_on=TODAY, created_by=instructor
    )
    page = instructor_client.get(reverse("studies:cohort_reliance"), {"cohort": cohort.pk})
    html = page.content.decode()
    assert page.status_code == 200 and 'id="cohort-rereads-table"' in html
    assert reverse("reading:reread_schedule", args=[schedule.pk]) in html
    other = Cohort.objects.create(name="Autre")
    other.instructors.add(instructor)
    html = instructor_client.get(reverse("studies:cohort_reliance"), {"cohort": other.pk}).content
    assert b'id="cohort-rereads-table"' not in html


def test_the_dashboard_counts_each_sessions_finished_cases_in_the_same_queries_for_two_or_six(
    learner_client, learner, cohort, case_set, instructor
):
    """Cases finished per session (hand count: every step read), a re-read's title in the reader's
    language, and the number of queries of the page independent of the number of sessions."""
    from medtandem.apps.reading.services import start_session

    def dashboard_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert learner_client.get(reverse("reading:dashboard")).status_code == 200
        return len(ctx.captured_queries)

    schedule_rereads(cohort, case_set, period_days=14, starts_on=TODAY, created_by=instructor)
    first = start_session(learner, case_set, "unaided", title="Seule")
    unaided_read(learner_client, first, 0, True)
    unaided_read(learner_client, first, 1, False)
    dashboard_queries()  # opens the re-read; caches settle
    two = dashboard_queries()
    for i in range(4):
        start_session(learner, case_set, "unaided", title=f"Encore {i}")
    assert dashboard_queries() == two
    rows = {row.session.title: row for row in selectors.session_rows(learner)}
    assert (rows["Seule"].done, rows["Seule"].cases) == (2, 3)
    assert {rows[f"Encore {i}"].done for i in range(4)} == {0}
    learner_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = learner_client.get(reverse("reading:dashboard")).content.decode()
    assert f"Re-read without AI: {case_set.name}" in page
    assert "<td>2 / 3</td>" in page.replace('<td class="num">', "<td>")


def test_a_reread_opened_in_french_is_titled_in_english_on_its_own_pages(
    learner_client, learner, cohort, case_set, instructor
):
    """The stored title is the opening request's (French here); the session page and the case page
    write it in the reader's language, as the dashboard does."""
    schedule_rereads(cohort, case_set, period_days=14, starts_on=TODAY, created_by=instructor)
    assert learner_client.get(reverse("reading:dashboard")).status_code == 200  # opens it, in fr
    reread = Reread.objects.get(learner=learner)
    assert reread.session.title == f"Relecture sans IA : {case_set.name}"
    learner_client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = f"Re-read without AI: {case_set.name}"
    overview = learner_client.get(
        reverse("reading:session", args=[reread.session.pk]), {"overview": "1"}
    ).content.decode()
    case_page = learner_client.get(reverse("reading:case", args=[reread.session.pk, 0]))
    assert case_page.status_code == 200
    for html in (overview, case_page.content.decode()):
        assert english in html and "Relecture sans IA" not in html
    from medtandem.apps.reading.services import start_session

    ordinary = start_session(learner, case_set, "unaided", title="Ma séance")
    assert selectors.session_title(ordinary) == "Ma séance"
