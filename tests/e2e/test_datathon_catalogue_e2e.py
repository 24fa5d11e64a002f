"""A team forms, submits a refused file (and reads why), then a valid one, and sees its score and its
place on the leaderboard; the catalogue's pages in French and English. Screenshots of every new page
go to tests/e2e/artifacts/ (datathon-*.png, catalogue-*.png)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from medtandem.apps.accounts.models import Role
from medtandem.apps.accounts.services import create_person, get_or_create_institution, grant_role
from medtandem.apps.cases.services import current_model, import_demo_bank
from medtandem.apps.catalogue import services as catalogue
from medtandem.apps.datathons import selectors, services
from medtandem.apps.datathons.models import Submission
from medtandem.apps.observatory.services import register_model
from medtandem.csvsafe import write_csv

LEARNER_PW = "ecg-equipe-e2e-2026"
ADMIN_PW = "ecg-admin-e2e-2026"
LANGS = (("fr", "fr-FR"), ("en", "en-GB"))


def _login(page, url: str, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#login-submit")


def _challenge(admin):  # type: ignore[no-untyped-def]
    now = timezone.now()
    for seed in range(30):
        try:
            return services.create_challenge(
                title="Datathon ECG de test",
                summary="Normal ou anormal sur des ECG PTB-XL.",
                task="abnormal",
                n_development=20,
                n_final=20,
                development_opens=now - timedelta(days=1),
                final_opens=now + timedelta(days=10),
                final_closes=now + timedelta(days=20),
                organiser=admin,
                seed=seed,
            )
        except services.DatathonError:
            continue
    raise AssertionError("no usable seed")


@pytest.mark.django_db(transaction=True)
def test_a_team_submits_and_sees_its_score(live_server, browser, artifacts, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import_demo_bank(limit=70)
    admin = create_person("admin-e2e", ADMIN_PW, [Role.ADMINISTRATOR])
    create_person(
        "equipiere-e2e", LEARNER_PW, [Role.LEARNER], first_name="Alix", last_name="Durand"
    )
    challenge = _challenge(admin)
    ids = selectors.public_ids(challenge, "development")
    truth = selectors.truth_matrix(challenge, "development", ids)[:, 0]
    good = tmp_path / "predictions.csv"
    good.write_text(
        write_csv(
            [[i, 0.8 if t else 0.3] for i, t in zip(ids, truth, strict=True)], ["id", "ABNORMAL"]
        )
    )
    hostile = tmp_path / "hostile.csv"
    hostile.write_text("id,ABNORMAL\n" + "".join(f'{i},=HYPERLINK("x")\n' for i in ids[:3]))

    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
    page = context.new_page()
    _login(page, live_server.url, "equipiere-e2e", LEARNER_PW)
    page.goto(f"{live_server.url}/datathons/")
    page.click("text=Datathon ECG de test")
    page.fill("#id_name", "Les Dérivations")
    page.click("#team-create")
    page.wait_for_selector("#team-name")
    assert page.inner_text("#team-name") == "Les Dérivations"

    page.set_input_files("#id_file", str(hostile))
    page.click("#submit-predictions")
    page.wait_for_selector("#submission-errors")
    errors = page.inner_text("#submission-errors")
    assert "n'est pas un nombre" in errors and "17 cas de la phase sans prédiction" in errors
    page.screenshot(path=str(artifacts / "datathon-refused-fr.png"), full_page=True)
    assert Submission.objects.count() == 0

    page.click("text=Retour au datathon")
    page.set_input_files("#id_file", str(good))
    page.fill("#id_method", "Seuil sur la fréquence")
    page.fill("#id_model_parameters", "12")
    page.fill("#id_energy_mj", "0.02")
    page.click("#submit-predictions")
    page.wait_for_selector(".messages")
    submission = Submission.objects.get()
    score = f"{submission.scores['macro_auc']:.3f}".replace(".", ",")
    assert score in page.inner_text("#my-submissions")
    assert "Les Dérivations" in page.inner_text("#leaderboard-development")
    assert score in page.inner_text("#leaderboard-development")
    page.screenshot(path=str(artifacts / "datathon-detail-fr.png"), full_page=True)
    context.close()

    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-GB")
    page = context.new_page()
    _login(page, live_server.url, "equipiere-e2e", LEARNER_PW)
    page.goto(f"{live_server.url}/datathons/{challenge.slug}/")
    assert "Leaderboard: development" in page.content()
    assert score.replace(",", ".") in page.inner_text("#my-submissions")
    page.screenshot(path=str(artifacts / "datathon-detail-en.png"), full_page=True)
    page.goto(f"{live_server.url}/datathons/")
    page.screenshot(path=str(artifacts / "datathon-list-en.png"), full_page=True)
    context.close()

    # the organiser's and the evidence pages, in both languages
    version = register_model(current_model(), in_service=True)
    services.link_to_registry(submission, version, by=submission.submitted_by)  # type: ignore[arg-type]
    for lang, locale in LANGS:
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale=locale)
        page = context.new_page()
        _login(page, live_server.url, "admin-e2e", ADMIN_PW)
        page.goto(f"{live_server.url}/datathons/")
        page.screenshot(path=str(artifacts / f"datathon-list-{lang}.png"), full_page=True)
        page.goto(f"{live_server.url}/datathons/new/")
        page.screenshot(path=str(artifacts / f"datathon-create-{lang}.png"), full_page=True)
        page.goto(f"{live_server.url}/datathons/evidence/{version.slug}/")
        assert "Les Dérivations" in page.content()
        page.screenshot(path=str(artifacts / f"datathon-evidence-{lang}.png"), full_page=True)
        context.close()


@pytest.mark.django_db(transaction=True)
def test_catalogue_pages_in_both_languages(live_server, browser, artifacts) -> None:  # type: ignore[no-untyped-def]
    lyon = get_or_create_institution(
        "Université fictive de Lyon (exemple)", region="Auvergne-Rhône-Alpes"
    )
    admin = create_person("admin-cat", ADMIN_PW, [Role.ADMINISTRATOR])
    publisher = create_person("pub-cat", ADMIN_PW, [], institution=lyon)
    grant_role(publisher, Role.INSTITUTION_ADMIN, lyon)
    learner = create_person(
        "pratique-cat", LEARNER_PW, [Role.LEARNER], first_name="Jeanne", last_name="Roux"
    )
    offers = []
    for title, title_en, kind, dpc in (
        ("DU IA & Santé (exemple)", "University diploma in AI and health (example)", "du", ""),
        (
            "Webinaires IA au lit du patient (exemple)",
            "Webinars: AI at the bedside (example)",
            "webinars",
            "DPC-EX-1",
        ),
    ):
        offer = catalogue.submit_offer(
            catalogue.OfferData(
                title=title,
                title_en=title_en,
                kind=kind,
                institution=lyon,
                format="remote",
                hours=Decimal(12),
                dpc_reference=dpc,
                enrol_url="https://formation.exemple.invalid/x",
                is_example=True,
            ),
            by=publisher,
        )
        offers.append(catalogue.review_offer(offer, by=admin, publish=True))
    catalogue.submit_offer(
        catalogue.OfferData(
            title="Master e-santé (exemple)",
            kind="master",
            institution=lyon,
            format="hybrid",
            hours=Decimal(300),
            enrol_url="https://formation.exemple.invalid/m",
            is_example=True,
        ),
        by=publisher,
    )
    today = timezone.localdate()
    catalogue.record_completion(learner, offers[1], today - timedelta(days=2), today=today)

    for lang, locale in LANGS:
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale=locale)
        page = context.new_page()
        page.goto(f"{live_server.url}/catalogue/?kind=webinars")
        assert page.locator("#offer-list tbody tr").count() == 1
        page.screenshot(path=str(artifacts / f"catalogue-search-{lang}.png"), full_page=True)
        page.goto(f"{live_server.url}/catalogue/{offers[0].slug}/")
        expected = "University diploma in AI" if lang == "en" else "DU IA & Santé"
        assert expected in page.inner_text("h1")
        page.screenshot(path=str(artifacts / f"catalogue-offer-{lang}.png"), full_page=True)
        _login(page, live_server.url, "pratique-cat", LEARNER_PW)
        page.goto(f"{live_server.url}/catalogue/record/")
        assert "12" in page.inner_text("#record-table")
        page.screenshot(path=str(artifacts / f"catalogue-record-{lang}.png"), full_page=True)
        context.close()
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale=locale)
        page = context.new_page()
        _login(page, live_server.url, "admin-cat", ADMIN_PW)
        for name, path in (
            ("manage", "/catalogue/manage/"),
            ("edit", "/catalogue/manage/new/"),
            ("review", "/catalogue/review/"),
            ("national", "/catalogue/national/"),
        ):
            page.goto(f"{live_server.url}{path}")
            page.screenshot(path=str(artifacts / f"catalogue-{name}-{lang}.png"), full_page=True)
        context.close()
