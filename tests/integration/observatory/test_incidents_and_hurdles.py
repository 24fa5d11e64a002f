"""Incidents: reporting from the reading page without revealing the case, triage, the Art. 73 clock,
public pages that carry nothing personal; hurdles aggregated with small cells hidden."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from medtandem.apps.accounts.models import Role
from medtandem.apps.accounts.services import create_person
from medtandem.apps.cases.models import Case
from medtandem.apps.cases.services import build_case_set, current_model, import_demo_bank
from medtandem.apps.observatory import selectors, services
from medtandem.apps.observatory.models import Hurdle, Incident, Seriousness
from medtandem.apps.reading.services import ReadAnswer, commit_read, start_session

pytestmark = pytest.mark.django_db
SECRET = "Dr Jeanne Secret, jeanne.secret@example.org, dossier 123456"


@pytest.fixture
def reading(now):  # type: ignore[no-untyped-def]
    import_demo_bank(limit=2)
    model = current_model()
    services.register_model(model, in_service=True, now=now)
    learner = create_person(
        "lectrice-7731", "pw-lea-2026", [Role.LEARNER], first_name="Léa", last_name="Lectrice"
    )
    case_set = build_case_set(
        "Incidents",
        case_ids=list(Case.objects.order_by("external_id").values_list("pk", flat=True)),
    )
    session = start_session(learner, case_set, "practice")
    return learner, session


def _unaided(session, case) -> None:  # type: ignore[no-untyped-def]
    commit_read(
        session,
        case,
        "unaided",
        ReadAnswer({"NORM": 80, "MI": 10, "STTC": 10, "CD": 10, "HYP": 10}, "sinus"),
        submission_key="00000000-0000-0000-0000-000000000001",
    )


def test_the_ai_step_links_to_the_report_form_without_the_case_identity(client, reading) -> None:  # type: ignore[no-untyped-def]
    learner, session = reading
    case = session.case_set.ordered_cases()[0]
    client.force_login(learner)
    page = client.get(reverse("reading:case", args=[session.pk, 0])).content.decode()
    assert "report-suggestion" not in page  # unaided step: no AI, no link
    url = reverse("observatory:report_incident")
    assert (
        client.get(url, {"session": session.pk, "position": 0}).status_code == 404
    )  # AI not shown yet
    _unaided(session, case)
    page = client.get(reverse("reading:case", args=[session.pk, 0])).content.decode()
    assert f"{url}?session={session.pk}&amp;position=0" in page
    form = client.get(url, {"session": session.pk, "position": 0}).content.decode()
    assert case.external_id not in form and case.record_name not in form
    response = client.post(
        url,
        {
            "session": session.pk,
            "position": 0,
            "description": SECRET,
            "category": "missed_finding",
            "seriousness": "not_serious",
        },
    )
    assert response.status_code == 200
    incident = Incident.objects.get()
    assert incident.case_id_private == case.pk and incident.version == selectors.in_service()
    assert incident.prediction_id_private is not None and incident.reporter == learner
    assert case.external_id not in response.content.decode()


def test_another_persons_session_cannot_be_reported_on(client, reading) -> None:  # type: ignore[no-untyped-def]
    _learner, session = reading
    _unaided(session, session.case_set.ordered_cases()[0])
    other = create_person("max", "pw-max-2026", [Role.LEARNER])
    client.force_login(other)
    assert (
        client.get(
            reverse("observatory:report_incident"), {"session": session.pk, "position": 0}
        ).status_code
        == 404
    )
    with pytest.raises(services.NotAllowed):
        services.report_from_reading(
            other, session.pk, 0, description="x", category="other", seriousness="not_serious"
        )


@pytest.mark.parametrize(
    ("seriousness", "days"),
    [
        (Seriousness.DEATH, 10),
        (Seriousness.INFRASTRUCTURE, 2),
        (Seriousness.WIDESPREAD, 2),
        (Seriousness.HEALTH, 15),
        (Seriousness.RIGHTS, 15),
        (Seriousness.UNKNOWN, 15),
        (Seriousness.NOT_SERIOUS, None),
    ],
)
def test_the_article_73_clock(seriousness, days, now) -> None:  # type: ignore[no-untyped-def]
    deadline = services.reporting_deadline(seriousness, now)
    assert deadline == (None if days is None else now + timedelta(days=days))


def test_triage_workflow_overdue_and_public_page(client, analyst, now) -> None:  # type: ignore[no-untyped-def]
    reporter = create_person(
        "site", "pw-site-2026", [Role.LEARNER], first_name="Jeanne", last_name="Secret"
    )
    incident = services.report_incident(
        reporter=reporter,
        description=SECRET,
        category="false_alarm",
        seriousness="health",
        origin=Incident.Origin.SITE,
        deployer="CH Test",
        now=now - timedelta(days=20),
    )
    assert selectors.is_overdue(incident, now) and incident in selectors.overdue(now)
    client.force_login(analyst)
    assert "en retard" in client.get(reverse("observatory:triage_list")).content.decode()
    with pytest.raises(services.ObservatoryError):
        services.triage(
            incident, by=analyst, state=Incident.State.INVESTIGATING
        )  # received -> investigating skips a step
    with pytest.raises(services.EntryInvalid):
        services.triage(incident, by=analyst, state=Incident.State.CLOSED)  # not assessed yet
    with pytest.raises(services.NotAllowed):
        services.triage(incident, by=reporter, state=Incident.State.ASSESSED)
    services.triage(
        incident, by=analyst, state=Incident.State.ASSESSED, seriousness=Seriousness.DEATH
    )
    incident.refresh_from_db()
    assert incident.deadline == incident.aware_at + timedelta(days=10)
    services.triage(incident, by=analyst, notified_at=now)
    assert not selectors.is_overdue(Incident.objects.get(pk=incident.pk), now)
    public_url = reverse("observatory:incident", args=[incident.public_id])
    client.logout()
    assert client.get(public_url).status_code == 404  # not closed: not public
    services.triage(
        incident,
        by=analyst,
        state=Incident.State.CLOSED,
        public_summary="Fausses alertes répétées ; seuil corrigé.",
        corrective_action="Seuil relevé.",
    )
    page = client.get(public_url).content.decode()
    assert "seuil corrigé" in page
    assert [e.new_state for e in incident.events.all()] == ["received", "assessed", "closed"]


def test_nothing_personal_is_ever_public(client, analyst, reading, now) -> None:  # type: ignore[no-untyped-def]
    learner, session = reading
    case = session.case_set.ordered_cases()[0]
    _unaided(session, case)
    incident = services.report_from_reading(
        learner,
        session.pk,
        0,
        description=SECRET,
        category="wrong_output",
        seriousness="not_serious",
    )
    services.triage(
        incident, by=analyst, state=Incident.State.ASSESSED, seriousness=Seriousness.NOT_SERIOUS
    )
    services.triage(
        incident,
        by=analyst,
        state=Incident.State.CLOSED,
        public_summary="Suggestion erronée signalée.",
    )
    hurdle = services.report_hurdle(
        reporter=learner, category="trust", text=SECRET, profession="medicine", region="Bretagne"
    )
    public = [
        client.get(u).content.decode()
        for u in (
            reverse("observatory:incidents"),
            reverse("observatory:incident", args=[incident.public_id]),
            reverse("observatory:incidents") + "?format=csv",
            "/api/v1/incidents",
            f"/api/v1/incidents/{incident.public_id}",
            "/api/v1/incidents?format=csv",
            reverse("observatory:hurdles"),
            "/api/v1/hurdles",
            "/api/v1/hurdles/summary",
            reverse("observatory:hurdles") + "?format=csv",
        )
    ]
    assert incident.public_id in public[1]
    for text in public:
        for personal in (
            "Jeanne",
            "Secret",
            "jeanne.secret",
            "123456",
            learner.username,
            "Léa",
            case.external_id,
            case.record_name,
            "case_id",
            "reporter",
            "prediction",
        ):
            assert personal not in text, personal
    services.review_hurdle(hurdle, by=analyst, publish=False)
    assert "Secret" not in client.get(reverse("observatory:hurdles")).content.decode()


def test_an_analyst_opens_an_incident_from_an_alert(client, analyst, now) -> None:  # type: ignore[no-untyped-def]
    from medtandem.apps.observatory.models import Alert

    version = services.register_model(current_model(), now=now)
    alert = Alert.objects.create(
        version=version,
        kind=Alert.Kind.PERFORMANCE,
        subject="all outputs",
        window_start=now,
        statistic=5.0,
        limit=4.0,
        message="CUSUM 5.0 > 4",
        raised_at=now,
    )
    client.force_login(analyst)
    response = client.post(reverse("observatory:alert_incident", args=[alert.pk]))
    incident = Incident.objects.get(alert=alert)
    assert response.status_code == 302 and incident.public_id in response["Location"]
    assert incident.category == "drift" and incident.version == version
    alert.refresh_from_db()
    assert alert.state == Alert.State.ACKNOWLEDGED
    client.post(reverse("observatory:alert_incident", args=[alert.pk]))
    assert Incident.objects.filter(alert=alert).count() == 1


def test_hurdles_are_aggregated_with_small_cells_hidden(client, analyst, now) -> None:  # type: ignore[no-untyped-def]
    reporter = create_person("pro", "pw-pro-2026", [Role.LEARNER])
    for _ in range(4):
        services.report_hurdle(
            reporter=reporter,
            category="training",
            text="Pas de formation.",
            profession="nursing",
            region="Normandie",
        )
    services.report_hurdle(
        reporter=reporter,
        category="cost",
        text="Trop cher pour nous.",
        profession="pharmacy",
        region="Corse",
    )
    agg = selectors.hurdle_aggregates()
    by_cat = {r["category"]: r["count"] for r in agg["by_category"]}
    assert by_cat["training"] == 4 and by_cat["cost"] == 1 and by_cat["energy"] == 0
    cells = {(c["category"], c["group"]): c["count"] for c in agg["by_region"]}
    assert cells[("training", "Normandie")] == 4 and cells[("cost", "Corse")] is None
    page = client.get(reverse("observatory:hurdles")).content.decode()
    assert "Trop cher" not in page  # not reviewed yet
    with pytest.raises(services.NotAllowed):
        services.review_hurdle(Hurdle.objects.get(category="cost"), by=reporter, publish=True)
    services.review_hurdle(Hurdle.objects.get(category="cost"), by=analyst, publish=True)
    assert "Trop cher" in client.get(reverse("observatory:hurdles")).content.decode()
    with pytest.raises(services.EntryInvalid):
        services.report_hurdle(reporter=reporter, category="weather", text="x")
