"""Declared jobs: name -> function and its retry policy, and the periodic schedules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from huey import crontab


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: Callable[..., Any]
    max_attempts: int
    #: Delay before the first retry; each later retry waits twice as long (exponential back-off).
    backoff_s: float
    #: How long one attempt may run before another worker may take the job over.
    lease_s: float

    def retry_delay(self, attempts: int) -> float:
        return self.backoff_s * (2 ** max(0, attempts - 1))


@dataclass(frozen=True)
class PeriodicSpec:
    name: str
    schedule: Any  # huey.crontab validator
    #: Strftime pattern of the period: one job per period, whichever worker enqueues it.
    period: str


JOBS: dict[str, JobSpec] = {}
PERIODIC: dict[str, PeriodicSpec] = {}


def job(
    name: str, *, max_attempts: int = 5, backoff_s: float = 10.0, lease_s: float = 600.0
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare ``func`` as the job ``name`` (a dotted "app.what" name, unique)."""
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")

    def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
        existing = JOBS.get(name)
        if (
            existing is not None
            and existing.func is not func
            and (existing.func.__module__, existing.func.__qualname__)
            != (func.__module__, func.__qualname__)
        ):
            raise ValueError(f"job {name!r} is already declared by {existing.func.__module__}")
        JOBS[name] = JobSpec(name, func, max_attempts, backoff_s, lease_s)
        return func

    return decorator


def periodic(
    name: str,
    *,
    minute: str = "*",
    hour: str = "*",
    day: str = "*",
    month: str = "*",
    day_of_week: str = "*",
    period: str = "%Y-%m-%dT%H:%M",
) -> None:
    """Run the job ``name`` (declared with :func:`job`, no arguments) on a cron schedule.

    Each worker's scheduler may fire it; the job's key is its name and the period (``period``, a
    strftime pattern, e.g. ``"%Y-%m-%d"`` for a nightly job), so it runs once per period.
    """
    PERIODIC[name] = PeriodicSpec(
        name,
        crontab(minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week),
        period,
    )


def spec(name: str) -> JobSpec:
    try:
        return JOBS[name]
    except KeyError:
        raise LookupError(f"no job named {name!r}; declared: {sorted(JOBS)}") from None
