"""At scale the queue is Redis: the same jobs, several workers, each job run once.

Skipped, with the reason, when no Redis answers at MEDTANDEM_TEST_REDIS_URL
(default redis://127.0.0.1:6379/5).
"""

from __future__ import annotations

import os
import uuid

import pytest

from medtandem.apps.jobs import enqueue, queue
from medtandem.apps.jobs.models import JobRun, JobState

from .conftest import wait_for

REDIS_URL = os.environ.get("MEDTANDEM_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")


def _redis_reachable() -> str | None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return f"no Redis at {REDIS_URL} ({type(exc).__name__}); set MEDTANDEM_TEST_REDIS_URL to run it"
    return None


_SKIP = _redis_reachable()


@pytest.mark.postgres  # four worker threads writing at once: SQLite's shared in-memory test database locks
@pytest.mark.skipif(_SKIP is not None, reason=_SKIP or "")
def test_two_workers_on_redis_run_every_job_once(transactional_db):  # type: ignore[no-untyped-def]
    name = f"medtandem-test-{uuid.uuid4().hex[:8]}"  # a queue of our own on a shared Redis
    huey = queue.build(REDIS_URL, name=name)
    queue.use(huey)
    consumers = [
        huey.create_consumer(
            workers=2, worker_type="thread", periodic=False, initial_delay=0.05, max_delay=0.2
        )
        for _ in range(2)
    ]
    try:
        for consumer in consumers:
            consumer.start()
        jobs = [enqueue("jobs.probe", tag=str(i), seconds=0.02) for i in range(20)]
        wait_for(
            lambda: JobRun.objects.filter(state=JobState.DONE).count() == len(jobs), timeout_s=60
        )
        assert sorted(JobRun.objects.values_list("attempts", flat=True)) == [1] * len(jobs)
        assert sorted(r["tag"] for r in JobRun.objects.values_list("result", flat=True)) == sorted(
            str(i) for i in range(20)
        )
    finally:
        for consumer in consumers:
            consumer.stop(graceful=True)
        huey.storage.flush_all()
        queue.use(None)
