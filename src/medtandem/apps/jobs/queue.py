"""The huey instance: which storage carries the queue, and the one huey task that runs our jobs.

Storage, from ``settings.MEDTANDEM_QUEUE_URL``:

* empty (the embedded default, no extra service): the application's own database: PostgreSQL
  (huey's ``PostgresHuey``: ``SKIP LOCKED`` dequeue and ``LISTEN/NOTIFY`` wake-ups, safe with several
  workers on several nodes) or, on SQLite, a queue file beside it (``var/queue.sqlite3``, one machine);
* ``redis://host:port/db`` (at scale): huey's ``RedisHuey``;
* ``sqlite:///path/file.sqlite3`` or ``postgres://...``: that file or that database.

The queue carries only a :class:`~medtandem.apps.jobs.models.JobRun` id: the row is the record.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from huey import Huey, PostgresHuey, RedisHuey, SqliteHuey, crontab

#: Deliveries of a job's message again (1 s apart) when the database refuses its claim.
TRANSIENT_RETRIES = 3

_lock = threading.Lock()
_huey: Huey | None = None


def _postgres_dsn() -> str:
    db = settings.DATABASES["default"]
    parts = {
        "dbname": db.get("NAME"),
        "user": db.get("USER"),
        "password": db.get("PASSWORD"),
        "host": db.get("HOST"),
        "port": db.get("PORT"),
    }
    return " ".join(f"{k}={v}" for k, v in parts.items() if v)


def build(url: str | None = None, name: str | None = None) -> Huey:
    """A huey instance for ``url`` (see the module docstring), with our tasks registered on it."""
    url = settings.MEDTANDEM_QUEUE_URL if url is None else url
    name = name or settings.MEDTANDEM_QUEUE_NAME
    options: dict[str, Any] = {"results": False, "utc": True}
    if not url:
        if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
            huey: Huey = PostgresHuey(
                name, dsn=_postgres_dsn(), table_prefix="jobs_huey", **options
            )
        else:
            settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
            huey = SqliteHuey(name, filename=str(settings.VAR_DIR / "queue.sqlite3"), **options)
    else:
        scheme = urlparse(url).scheme
        if scheme in ("redis", "rediss", "unix"):
            huey = RedisHuey(name, url=url, **options)
        elif scheme == "sqlite":
            huey = SqliteHuey(
                name, filename=url.removeprefix("sqlite:///").removeprefix("sqlite://"), **options
            )
        elif scheme in ("postgres", "postgresql"):
            huey = PostgresHuey(name, dsn=url, table_prefix="jobs_huey", **options)
        else:
            raise ValueError(
                f"MEDTANDEM_QUEUE_URL: unknown scheme {scheme!r} (redis://, sqlite:///, postgres://)"
            )
    _register(huey)
    return huey


def _register(huey: Huey) -> None:
    from medtandem.apps.jobs import registry, services

    # A job's own failure is caught and retried by services.run with its back-off; what reaches huey is
    # the database refusing the claim itself (a lost connection, a lock on SQLite). The message is
    # delivered again a second later rather than left to the reaper's grace (minutes): the claim makes
    # a second delivery harmless.
    @huey.task(name="medtandem.run_job", retries=TRANSIENT_RETRIES, retry_delay=1)
    def run_job(job_id: int) -> None:
        services.run(job_id)

    # Kept on the Huey instance so push() finds the task of this instance (Huey has no such slot).
    huey.medtandem_run_job = run_job  # type: ignore[attr-defined]

    @huey.periodic_task(crontab(minute="*"), name="medtandem.reap")
    def reap() -> None:
        services.requeue_stale()

    for spec in registry.PERIODIC.values():

        def fire(spec: registry.PeriodicSpec = spec) -> None:
            services.enqueue_periodic(spec)

        huey.periodic_task(spec.schedule, name=f"medtandem.periodic.{spec.name}")(fire)


def get_huey() -> Huey:
    global _huey
    with _lock:
        if _huey is None:
            _huey = build()
        return _huey


def use(huey: Huey | None) -> None:
    """Make ``huey`` the process's queue (tests, the benchmarks); ``None`` rebuilds from settings."""
    global _huey
    with _lock:
        _huey = huey


def push(job_id: int, delay_s: float = 0) -> None:
    task = get_huey().medtandem_run_job  # type: ignore[attr-defined]  # set by _register
    if delay_s > 0:
        task.schedule((job_id,), delay=delay_s)
    else:
        task(job_id)
