"""The demo's catalogue and datathons: every offer kind present and marked as an example; the
simulated datathon's teams scored through the submission path, marked as simulated; loading twice
changes nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from medtandem.apps.accounts.models import Role
from medtandem.apps.accounts.services import create_person
from medtandem.apps.cases.services import cache_predictions, current_model, import_demo_bank
from medtandem.apps.catalogue.demo import load_demo as load_catalogue
from medtandem.apps.catalogue.models import Kind, Offer
from medtandem.apps.curriculum.demo import load_ai_programme, load_core_programme
from medtandem.apps.datathons.demo import CLOSED_TITLE, OPEN_TITLE
from medtandem.apps.datathons.demo import load_demo as load_datathons
from medtandem.apps.datathons.models import Challenge, Submission
from medtandem.apps.observatory.services import register_model


@pytest.mark.django_db
def test_the_demo_catalogue_and_datathons_load_marked_and_idempotent() -> None:
    import_demo_bank()
    model = current_model()
    from medtandem.apps.cases.models import Case

    cache_predictions(model, Case.objects.all())
    register_model(model, in_service=True)
    create_person("admin", None, [Role.ADMINISTRATOR])
    create_person("apprenant", None, [Role.LEARNER])
    load_core_programme()
    load_ai_programme()
    load_catalogue()
    load_datathons()
    offers = Offer.objects.filter(status="published")
    assert {o.kind for o in offers} == set(Kind.values)
    assert all(o.is_example and "(exemple)" in o.title for o in offers)
    closed = Challenge.objects.get(title=CLOSED_TITLE)
    assert closed.is_simulated and Challenge.objects.get(title=OPEN_TITLE).is_simulated
    assert all(t.is_simulated for t in closed.teams.all())
    counts = (Offer.objects.count(), Submission.objects.count())
    assert counts[1] == 8  # four teams, one submission per phase
    assert Submission.objects.filter(registered_version__isnull=False).count() == 2
    load_catalogue()
    load_datathons()
    assert (Offer.objects.count(), Submission.objects.count()) == counts
    page = Client().get(reverse("datathons:detail", kwargs={"slug": closed.slug})).content.decode()
    assert "datathon simulé" in page and "Classement : finale" in page
    search = Client().get(reverse("catalogue:search")).content.decode()
    assert search.count("tag-sim") == offers.count()
