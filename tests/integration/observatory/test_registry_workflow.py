"""Providers submit, analysts review, every change is a revision with its diff; exports and filters."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from medtandem.ai import load_model
from medtandem.apps.accounts.models import Role
from medtandem.apps.accounts.services import create_person
from medtandem.apps.observatory import services
from medtandem.apps.observatory.fields import ANNEX_VIII_A, CHAI_SECTIONS, FIELDS
from medtandem.apps.observatory.models import ApplicationVersion, Incident, Revision, Source

pytestmark = pytest.mark.django_db

ENTRY = {
    "provider_name": "Acme Santé",
    "trade_name": "EchoGuide",
    "version": "1.0",
    "intended_purpose": "Aide au positionnement de la sonde d'échographie.",
    "status": "in_service",
    "risk_class": "high",
    "mdr_class": "IIa",
    "fda_submission": "K123456",
    "instructions_for_use_url": "https://example.org/ifu",
    "task": "Échographie",
    "region": "Europe",
}


@pytest.fixture
def provider():  # type: ignore[no-untyped-def]
    return create_person("acme", "pw-acme-2026", [Role.LEARNER], first_name="Fournisseur")


def test_every_annex_viii_item_and_chai_section_has_a_home() -> None:
    assert {i for f in FIELDS for i in f.annex} == set(ANNEX_VIII_A)
    assert {f.chai for f in FIELDS} == set(CHAI_SECTIONS)


def test_a_submission_is_public_only_after_an_analyst_publishes_it(
    client, provider, analyst
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(provider)
    response = client.post(reverse("observatory:submit"), ENTRY)
    assert response.status_code == 302
    version = ApplicationVersion.objects.get(name="EchoGuide")
    assert not version.published
    client.logout()
    assert client.get(reverse("observatory:application", args=[version.slug])).status_code == 404
    assert "EchoGuide" not in client.get(reverse("observatory:registry")).content.decode()
    revision = version.revisions.get()
    with pytest.raises(services.NotAllowed):
        services.review_revision(revision, reviewer=provider, approve=True)
    client.force_login(analyst)
    assert "EchoGuide" in client.get(reverse("observatory:review_queue")).content.decode()
    client.post(reverse("observatory:review", args=[revision.pk]), {"decision": "publish"})
    client.logout()
    page = client.get(reverse("observatory:application", args=[version.slug])).content.decode()
    assert "Aide au positionnement" in page and "https://example.org/ifu" in page
    version.refresh_from_db()
    assert version.published and version.risk_class == "high" and version.status == "in_service"


def test_an_update_is_a_new_revision_with_a_visible_diff(provider, analyst, client) -> None:  # type: ignore[no-untyped-def]
    first = services.submit_entry(ENTRY, author=provider)
    services.review_revision(first, reviewer=analyst, approve=True)
    second = services.submit_entry(
        {**ENTRY, "known_limitations": "Non évalué chez l'enfant.", "status": "recalled"},
        author=provider,
        version=first.version,
    )
    version = first.version
    version.refresh_from_db()
    assert "known_limitations" not in version.sheet  # not before review
    services.review_revision(second, reviewer=analyst, approve=True)
    version.refresh_from_db()
    assert (
        version.sheet["known_limitations"] == "Non évalué chez l'enfant."
        and version.status == "recalled"
    )
    assert [c.new for c in version.status_changes.all()] == ["in_service", "recalled"]
    page = client.get(reverse("observatory:history", args=[version.slug])).content.decode()
    assert "Non évalué chez l&#x27;enfant." in page and "Révision 2" in page
    with pytest.raises(services.ObservatoryError):
        services.review_revision(second, reviewer=analyst, approve=False)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("fda_submission", "X1", "numéro FDA"),
        ("instructions_for_use_url", "ftp://x", "adresse web"),
        ("trade_name", "", "obligatoire"),
        ("risk_class", "extreme", "inconnue"),
    ],
)
def test_wrong_fields_are_named(provider, field, value, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(services.EntryInvalid) as info:
        services.submit_entry({**ENTRY, field: value}, author=provider)
    assert message in info.value.errors[field]
    assert not Revision.objects.exists()


def test_the_entry_exports_as_chai_xml_and_json(client, provider, analyst) -> None:  # type: ignore[no-untyped-def]
    rev = services.submit_entry(ENTRY, author=provider)
    services.review_revision(rev, reviewer=analyst, approve=True)
    slug = rev.version.slug
    root = ET.fromstring(client.get(reverse("observatory:application_xml", args=[slug])).content)
    assert [child.tag for child in root] == list(CHAI_SECTIONS)
    uses = {f.get("key"): f.text for f in root.find("UsesAndDirections")}  # type: ignore[union-attr]
    assert uses["intended_purpose"] == ENTRY["intended_purpose"]
    data = client.get(reverse("observatory:application_json", args=[slug])).json()
    assert data["fields"]["fda_submission"] == "K123456" and data["revisions"][0]["number"] == 1


def test_a_model_registered_on_training_carries_its_card_figures() -> None:
    model = load_model()
    version = services.register_model(model)
    assert version.application.source == Source.MEDTANDEM and version.published
    # Registered in the default language (French): three decimals, a decimal comma.
    auc = model.card["key_metrics"]["cv10_macro_auc"]["value"]
    assert f"AUC macro {auc:.3f}".replace(".", ",") in version.sheet["performance_overall"]
    assert version.revisions.count() == 1
    services.register_model(model)
    assert version.revisions.count() == 1  # nothing changed: no new revision


def test_filters_and_pagination(client, provider, analyst) -> None:  # type: ignore[no-untyped-def]
    services.import_fda(maude=None)
    rev = services.submit_entry(ENTRY, author=provider)
    services.review_revision(rev, reviewer=analyst, approve=True)
    services.report_incident(
        reporter=provider,
        description="x",
        category="other",
        seriousness="not_serious",
        origin=Incident.Origin.REGISTRY,
        version=rev.version,
    )
    page = client.get(reverse("observatory:registry"), {"risk_class": "high"}).content.decode()
    assert "EchoGuide" in page and "1 fiche" in page
    page = client.get(reverse("observatory:registry"), {"incidents": "1"}).content.decode()
    assert "EchoGuide" in page and "1 fiche" in page
    page = client.get(
        reverse("observatory:registry"), {"task": "Cardiovascular", "page": "2"}
    ).content.decode()
    assert "page 2 sur 4" in page  # 90 cardiovascular devices, 25 a page
    csv_text = client.get(
        reverse("observatory:registry"), {"source": "fda", "format": "csv"}
    ).content.decode()
    assert len(csv_text.strip().splitlines()) == 883
