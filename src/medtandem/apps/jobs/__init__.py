"""Background work on a task queue: declare a job, enqueue it, a worker runs it.

    from medtandem.apps.jobs import job, enqueue

    @job("observatory.field_monitoring", max_attempts=5, backoff_s=30)
    def field_monitoring(application_id: int) -> None:
        ...  # idempotent: running it twice leaves the same state as once

    enqueue("observatory.field_monitoring", application_id=3, key="field-monitoring:3:2026-12-01")

Declare jobs in your app's ``tasks.py`` (imported by every worker and web process at start-up).
Arguments are JSON values. See docs/operations.md ("Background work") for the guarantees.
"""

from __future__ import annotations

from typing import Any

from medtandem.apps.jobs.registry import job, periodic

__all__ = ["enqueue", "job", "periodic"]


def __getattr__(name: str) -> Any:
    # ``enqueue`` writes the ledger (a model): it is loaded on first use, once Django's apps are
    # ready, so that this package can be named in INSTALLED_APPS.
    if name == "enqueue":
        from medtandem.apps.jobs.services import enqueue

        return enqueue
    raise AttributeError(name)
