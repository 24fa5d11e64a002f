"""Background jobs of the curriculum: the national statistics, rebuilt nightly."""

from __future__ import annotations

from medtandem.apps.jobs import job, periodic


@job("curriculum.refresh_national_stats", max_attempts=5, backoff_s=60.0, lease_s=3600.0)
def refresh_national_stats() -> dict[str, int]:
    """Rebuild the national summary tables (idempotent: the tables are rebuilt whole)."""
    from medtandem.apps.curriculum.services import refresh_national_stats as refresh

    return {"rows": refresh()}


# 01:30 UTC (02:30 or 03:30 in Paris), one run per night whichever worker fires it.
periodic("curriculum.refresh_national_stats", minute="30", hour="1", period="%Y-%m-%d")
