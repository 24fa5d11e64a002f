"""Shared set-up of the observatory's integration tests: a small world built through each app's services."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.utils import timezone

from medtandem.apps.accounts.models import Role
from medtandem.apps.accounts.services import create_person


@pytest.fixture
def analyst():  # type: ignore[no-untyped-def]
    return create_person(
        "analyste", "pw-analyste-2026", [Role.ANALYST], first_name="Ana", last_name="Lyste"
    )


@pytest.fixture
def now() -> datetime:
    return timezone.now()


def build_field_world(now: datetime, n_cases: int = 40) -> int:
    """Cases with the shipped model's cached suggestions and 12 weeks of simulated hybrid reads,
    drifting from week 9 (the demo's documented injection)."""
    from medtandem.apps.cases.models import Case
    from medtandem.apps.cases.services import cache_predictions, current_model, import_demo_bank
    from medtandem.apps.observatory import demo, services

    import_demo_bank(limit=n_cases)
    model = current_model()
    cache_predictions(model, Case.objects.all())
    services.register_model(model, in_service=True, now=now)
    return demo.load_field_reads(now)
