"""Shared fixtures. Integration tests use the database named by DATABASE_URL (SQLite by default)."""

from __future__ import annotations

import os

import pytest
from django.db import connection
from hypothesis import settings as hypothesis_settings

# Property tests draw new examples on every local run (that is how they find bugs); in CI (``CI``
# set) they are derandomised, so a landing's verdict is reproducible: the same examples every run,
# seeded from each test's own code. HYPOTHESIS_PROFILE picks either profile by hand.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
hypothesis_settings.register_profile("dev", print_blob=True)
hypothesis_settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev")
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    vendor = _database_vendor()
    if vendor == "postgresql":
        return
    skip = pytest.mark.skip(
        reason=f"needs PostgreSQL; this run uses {vendor} (set DATABASE_URL to run it)"
    )
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


def _database_vendor() -> str:
    url = os.environ.get("DATABASE_URL", "sqlite")
    return "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"


@pytest.fixture
def db_vendor(db: None) -> str:
    return connection.vendor


@pytest.fixture(autouse=True)
def _default_language() -> None:
    """Start every test in the default language: LocaleMiddleware leaves the last request's language
    active in the thread, which would leak from one test into the next."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    """Start every test with empty in-process caches: a test database rolled back reuses primary
    keys, so a cached case list, suggestion or tracing could otherwise outlive its rows. Only
    in-process caches are cleared (never a shared Redis)."""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    for alias in caches:
        backend = caches[alias]
        if isinstance(backend, LocMemCache):
            backend.clear()
    from medtandem.apps.reading.tracing import clear_local

    clear_local()
