"""The observatory is public and machine-readable, and its figures come from the model's own files."""

from __future__ import annotations

import pytest
from django.urls import reverse

from medtandem.ai import frugality_report, load_model
from medtandem.apps.observatory.models import Status
from medtandem.apps.observatory.services import register_model

pytestmark = pytest.mark.django_db


def test_registering_a_model_keeps_one_in_service() -> None:
    model = load_model()
    other_model = load_model("ecg-cnn1d" if model.name != "ecg-cnn1d" else "ecg-measure-gb")
    first = register_model(model)
    other = register_model(other_model, in_service=True)
    first.refresh_from_db()
    assert other.in_service and not first.in_service and first.status == Status.WITHDRAWN
    register_model(model)
    other.refresh_from_db()
    first.refresh_from_db()
    assert first.in_service and not other.in_service
    assert first.status == Status.IN_SERVICE and other.status == Status.WITHDRAWN
    assert [c.new for c in first.status_changes.all()] == [
        Status.IN_SERVICE,
        Status.WITHDRAWN,
        Status.IN_SERVICE,
    ]
    assert first.facts["macro_auc"] == model.facts["macro_auc"]


def test_public_registry_and_card_need_no_login(client) -> None:  # type: ignore[no-untyped-def]
    model = load_model()
    entry = register_model(model)
    assert client.get(reverse("observatory:registry")).status_code == 200
    data = client.get(reverse("observatory:registry_json")).json()
    assert [a["name"] for a in data["applications"]] == [model.name]
    card = client.get(reverse("observatory:application_json", args=[entry.slug])).json()
    assert card["intended_use"] == model.card["uses_and_directions"]["intended_use"]
    assert card["developer"] == model.card["basic_info"]["model_developer"]
    assert card["model_card"]["ai_facts"] == model.facts
    page = client.get(reverse("observatory:model_card")).content.decode()
    assert model.version in page


def test_frugality_page_shows_every_shipped_model_and_the_reason(client) -> None:  # type: ignore[no-untyped-def]
    report = frugality_report()
    page = client.get(reverse("observatory:frugality")).content.decode()
    for row in report["rows"]:
        assert row["name"] in page
        assert f"{row['cv10_macro_auc']:.3f}".replace(".", ",") in page
    assert "xresnet1d101" in page
    assert (
        client.get(reverse("observatory:frugality"), {"format": "json"}).json()["default"]
        == report["default"]
    )
