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


def _cells(page: str, css_class: str) -> list[str]:
    import re

    return [
        re.sub(r"<[^>]+>|&nbsp;", " ", c).split("*")[0].strip()
        for c in re.findall(rf'<td class="num {css_class}">(.*?)</td>', page, re.S)
    ]


@pytest.mark.parametrize(
    ("lang", "bound", "estimated"),
    [("fr", "&lt; 0,05", "estimée par CodeCarbon"), ("en", "&lt; 0.05", "estimated by CodeCarbon")],
)
def test_frugality_training_energy_is_a_figure_a_bound_or_not_measured(
    client, lang, bound, estimated
) -> None:  # type: ignore[no-untyped-def]
    """Issue 13: the page said 0 Wh for trainings the energy file had rounded to 0 kWh."""
    client.cookies["django_language"] = lang
    report = frugality_report()
    page = client.get(reverse("observatory:frugality")).content.decode()
    cells = _cells(page, "training-energy")
    assert len(cells) == len(report["rows"])
    for row, cell in zip(report["rows"], cells, strict=True):
        figure = row["training_energy"]
        assert cell not in ("0", "0,0", "0.0")
        if figure["wh"] is not None:
            assert cell == f"{figure['wh']:g}".replace(".", "," if lang == "fr" else ".")
        elif figure["below_wh"] is not None:
            assert cell.replace("\xa0", " ").startswith(bound)
    assert estimated in page  # how the figure was obtained, in the page's language
    assert "is chosen" not in page if lang == "fr" else "est retenu" not in page


def test_model_card_sheet_is_worded_in_the_readers_language(client) -> None:  # type: ignore[no-untyped-def]
    model = load_model()
    register_model(model)
    url = reverse("observatory:model_card")
    client.cookies["django_language"] = "en"
    english = client.get(url).content.decode()
    client.cookies["django_language"] = "fr"
    french = client.get(url).content.decode()
    fr_card = model.card_in("fr")
    assert fr_card["uses_and_directions"]["intended_use"].replace("'", "&#x27;") in french
    assert model.card["uses_and_directions"]["intended_use"] not in french
    assert "Infarctus du myocarde" in french and "Myocardial infarction" not in french
    assert "Myocardial infarction" in english and "Infarctus du myocarde" not in english
    assert "Le ou la professionnelle lit d'abord seule".replace("'", "&#x27;") not in english
