"""A real queue and a real worker: huey's consumer in threads of the test process.

The queue is the embedded default's kind (a SQLite file, here in the test's temporary folder); the
worker runs our jobs against the test database, so the tests use ``transactional_db`` (the worker's
threads must see committed rows).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from medtandem.apps.jobs import queue
from medtandem.apps.jobs.models import JobRun


@pytest.fixture
def job_queue(tmp_path, transactional_db):  # type: ignore[no-untyped-def]
    huey = queue.build(f"sqlite:///{tmp_path / 'queue.sqlite3'}", name="test")
    queue.use(huey)
    yield huey
    queue.use(None)


def start_worker(huey):  # type: ignore[no-untyped-def]
    from django.db import connection

    # SQLite's shared in-memory test database has table locks without a busy timeout: one thread.
    workers = 1 if connection.vendor == "sqlite" else 2
    consumer = huey.create_consumer(
        workers=workers,
        worker_type="thread",
        periodic=False,
        initial_delay=0.05,
        backoff=1.2,
        max_delay=0.2,
    )
    consumer.start()
    return consumer


@pytest.fixture
def worker(job_queue) -> Iterator[object]:  # type: ignore[no-untyped-def]
    consumer = start_worker(job_queue)
    yield consumer
    consumer.stop(graceful=True)


def wait_for(predicate: Callable[[], bool], timeout_s: float = 30.0) -> None:
    from django.db import OperationalError

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except OperationalError:  # SQLite's shared in-memory database: the worker holds the table
            pass
        time.sleep(0.05)
    raise AssertionError(f"not true after {timeout_s} s: {predicate}")


def state_of(job: JobRun) -> str:
    return JobRun.objects.values_list("state", flat=True).get(pk=job.pk)
