"""The national catalogue: publishing and review, search and filters in two languages, a
practitioner's record and its DPC export, learners counted per offer kind."""

from __future__ import annotations

import html
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from tests.security import assert_csv_safe

from medtandem.apps.accounts.models import Institution, Role
from medtandem.apps.accounts.services import create_person, get_or_create_institution, grant_role
from medtandem.apps.audit.models import AuditEntry
from medtandem.apps.catalogue import selectors, services
from medtandem.apps.catalogue.models import Kind, Offer, Status
from medtandem.apps.curriculum.models import Competency, Domain, Framework, Programme

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting():  # type: ignore[no-untyped-def]
    lyon = get_or_create_institution("Université A", region="Auvergne-Rhône-Alpes")
    nancy = get_or_create_institution("École B", region="Grand Est")
    publisher = create_person("pub", None, [], institution=lyon)
    grant_role(publisher, Role.INSTITUTION_ADMIN, lyon)
    admin = create_person("admin", None, [Role.ADMINISTRATOR])
    framework = Framework.objects.create(slug="ia", name="IA")
    domain = Domain.objects.create(framework=framework, code="IA1", name="Comprendre")
    c1 = Competency.objects.create(domain=domain, code="IA1.1", name="Expliquer", position=0)
    c2 = Competency.objects.create(domain=domain, code="IA1.2", name="Critiquer", position=1)
    return {
        "lyon": lyon,
        "nancy": nancy,
        "publisher": publisher,
        "admin": admin,
        "c1": c1,
        "c2": c2,
    }


def _data(institution: Institution, **kw: object) -> services.OfferData:
    base: dict[str, object] = {
        "title": "DU IA & Santé",
        "title_en": "University diploma in AI",
        "kind": Kind.UNIVERSITY_DIPLOMA,
        "institution": institution,
        "format": "hybrid",
        "hours": Decimal(120),
        "enrol_url": "https://example.invalid/du",
    }
    base.update(kw)
    return services.OfferData(**base)  # type: ignore[arg-type]


def _published(s, **kw: object) -> Offer:  # type: ignore[no-untyped-def]
    offer = services.submit_offer(_data(s["lyon"], **kw), by=s["publisher"])
    return services.review_offer(offer, by=s["admin"], publish=True)


def test_an_offer_waits_for_review_before_it_is_public(setting) -> None:  # type: ignore[no-untyped-def]
    offer = services.submit_offer(_data(setting["lyon"]), by=setting["publisher"])
    assert offer.status == Status.PENDING
    assert Client().get(reverse("catalogue:offer", kwargs={"slug": offer.slug})).status_code == 404
    assert not selectors.search(selectors.OfferFilters()).exists()
    services.review_offer(offer, by=setting["admin"], publish=True)
    assert Client().get(reverse("catalogue:offer", kwargs={"slug": offer.slug})).status_code == 200
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert "catalogue.offer_submitted" in actions and "catalogue.offer_reviewed" in actions


def test_a_change_sends_a_published_offer_back_to_review(setting) -> None:  # type: ignore[no-untyped-def]
    offer = _published(setting)
    services.submit_offer(
        _data(setting["lyon"], hours=Decimal(100)), by=setting["publisher"], offer=offer
    )
    offer.refresh_from_db()
    assert offer.status == Status.PENDING and offer.hours == 100


def test_an_institution_administrator_publishes_only_for_their_institution(setting) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(services.NotAllowed):
        services.submit_offer(_data(setting["nancy"]), by=setting["publisher"])
    learner = create_person("learner", None, [Role.LEARNER], institution=setting["lyon"])
    with pytest.raises(services.NotAllowed):
        services.submit_offer(_data(setting["lyon"]), by=learner)


def test_only_an_administrator_reviews(setting) -> None:  # type: ignore[no-untyped-def]
    offer = services.submit_offer(_data(setting["lyon"]), by=setting["publisher"])
    with pytest.raises(services.NotAllowed):
        services.review_offer(offer, by=setting["publisher"], publish=True)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"hours": Decimal(0)}, "volume horaire"),
        ({"enrol_url": ""}, "comment s'inscrire"),
        ({"starts_on": date(2026, 5, 1), "ends_on": date(2026, 4, 1)}, "fin précède"),
    ],
)
def test_an_offer_with_a_bad_field_is_refused(setting, change, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(services.CatalogueError, match=message):
        services.submit_offer(_data(setting["lyon"], **change), by=setting["publisher"])
    assert not Offer.objects.exists()


def test_filters_narrow_the_search(setting) -> None:  # type: ignore[no-untyped-def]
    du = _published(
        setting, competencies=(setting["c1"],), dpc_reference="DPC-1", cost_eur=Decimal(0)
    )
    web = _published(
        setting,
        title="Webinaires",
        title_en="Webinars",
        kind=Kind.WEBINARS,
        format="remote",
        hours=Decimal(6),
        professions=("nursing",),
        audience="practitioners",
        cost_eur=Decimal(50),
    )
    nancy_admin = create_person("pub-b", None, [])
    grant_role(nancy_admin, Role.INSTITUTION_ADMIN, setting["nancy"])
    master = services.review_offer(
        services.submit_offer(
            _data(setting["nancy"], title="Master", title_en="", kind=Kind.MASTER), by=nancy_admin
        ),
        by=setting["admin"],
        publish=True,
    )

    def found(**f: object) -> set[str]:
        return {o.title for o in selectors.search(selectors.OfferFilters(**f))}  # type: ignore[arg-type]

    assert found() == {du.title, web.title, master.title}
    assert found(kind=Kind.WEBINARS) == {web.title}
    assert found(region="Grand Est") == {master.title}
    assert found(format="remote") == {web.title}
    assert found(dpc=True) == {du.title}
    assert found(free=True) == {du.title}
    assert found(competency=setting["c1"].pk) == {du.title}
    assert found(max_hours=Decimal(10)) == {web.title}
    assert found(profession="nursing") == {
        du.title,
        web.title,
        master.title,
    }  # no restriction counts
    assert found(profession="pharmacy") == {du.title, master.title}
    assert found(audience="students") == {du.title, master.title}
    assert found(q="university diploma") == {du.title}
    assert found(q="cole b") == {master.title}  # institution name (SQLite folds ASCII case only)


def test_the_search_page_filters_and_speaks_both_languages(setting) -> None:  # type: ignore[no-untyped-def]
    _published(setting)
    client = Client()
    page = client.get(reverse("catalogue:search"), {"kind": "du"}).content.decode()
    assert "DU IA &amp; Santé" in page and "Catalogue national des formations" in page
    assert "1 offre" in page
    client.cookies["django_language"] = "en"
    english = client.get(
        reverse("catalogue:search"), {"kind": "du"}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "University diploma in AI" in english
    assert "National catalogue" in english
    hostile = client.get(
        reverse("catalogue:search"), {"max_hours": "NaN", "institution": "x" * 50, "kind": "\x00"}
    )
    assert hostile.status_code == 200


def test_a_record_counts_hours_per_competency_and_exports_for_dpc(setting) -> None:  # type: ignore[no-untyped-def]
    du = _published(setting, competencies=(setting["c1"], setting["c2"]), dpc_reference="DPC-1")
    course = _published(
        setting,
        title='=HYPERLINK("http://x","clic")',
        hours=Decimal(7),
        competencies=(setting["c2"],),
    )
    learner = create_person("pratique", "pw-pratique-2026", [Role.LEARNER], first_name="@Jeanne")
    today = timezone.localdate()
    services.record_completion(learner, du, today - timedelta(days=3), today=today)
    services.record_completion(learner, course, today, today=today)
    record = selectors.practitioner_record(learner)
    assert record.total_hours == 127 and record.dpc_hours == 120
    assert {(r.competency.code, r.hours, r.offers) for r in record.by_competency} == {
        ("IA1.1", 120, 1),
        ("IA1.2", 127, 2),
    }
    client = Client()
    client.force_login(learner)
    response = client.get(reverse("catalogue:record_csv"))
    text = response.content.decode()
    assert response["Content-Type"].startswith("text/csv")
    assert_csv_safe(text)
    assert "DPC-1" in text and "declared" in text
    with pytest.raises(services.CatalogueError, match="déjà"):
        services.record_completion(learner, du, today, today=today)
    with pytest.raises(services.CatalogueError, match="futur"):
        services.record_completion(
            learner, _published(setting, title="Autre"), today + timedelta(days=1), today=today
        )


def test_a_medtandem_programme_enters_the_record_only_once_completed(setting) -> None:  # type: ignore[no-untyped-def]
    from medtandem.apps.curriculum import services as curriculum

    programme = Programme.objects.create(slug="p", title="P", hours=Decimal(2))
    offer = _published(setting, programme=programme, enrol_url="")
    learner = create_person("pratique", None, [Role.LEARNER])
    curriculum.enrol(learner, programme)
    today = timezone.localdate()
    with pytest.raises(services.CatalogueError, match="programme terminé"):
        services.record_completion(learner, offer, today, today=today)


def test_learners_are_counted_per_offer_kind(setting) -> None:  # type: ignore[no-untyped-def]
    from medtandem.apps.curriculum import services as curriculum

    du = _published(setting)
    web = _published(setting, title="Webinaires", kind=Kind.WEBINARS)
    programme = Programme.objects.create(slug="w", title="W", hours=Decimal(2), kind="webinars")
    today = timezone.localdate()
    people = [create_person(f"p{i}", None, [Role.LEARNER]) for i in range(3)]
    simulated = create_person("sim", None, [Role.LEARNER], is_simulated=True)
    for person in people:
        services.record_completion(person, du, today, today=today)
    services.record_completion(people[0], web, today, today=today)
    services.record_completion(simulated, web, today, today=today)
    curriculum.enrol(people[1], programme)
    real = {row.kind: row for row in selectors.learners_per_kind()}
    assert real["du"].recorded_completions == 3 and real["du"].offers == 1
    assert (
        real["webinars"].recorded_completions == 1 and real["webinars"].enrolled_on_medtandem == 1
    )
    sim = {row.kind: row for row in selectors.learners_per_kind(simulated=True)}
    assert sim["webinars"].recorded_completions == 1
    client = Client()
    client.force_login(setting["admin"])
    page = html.unescape(client.get(reverse("catalogue:national")).content.decode())
    assert "Apprenants par type d'offre" in page


def test_the_publisher_pages_create_an_offer_for_review(setting) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(setting["publisher"])
    response = client.post(
        reverse("catalogue:new"),
        {
            "title": "Formation courte",
            "kind": "course",
            "institution": setting["lyon"].pk,
            "audience": "both",
            "format": "remote",
            "hours": "7",
            "enrol_url": "https://example.invalid/x",
            "competencies": [setting["c1"].pk],
        },
    )
    assert response.status_code == 302
    offer = Offer.objects.get()
    assert offer.status == Status.PENDING and offer.submitted_by == setting["publisher"]
    # another institution cannot be chosen
    response = client.post(
        reverse("catalogue:new"), {"title": "x", "institution": setting["nancy"].pk}
    )
    assert response.status_code == 200 and Offer.objects.count() == 1
