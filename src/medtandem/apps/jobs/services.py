"""Enqueue, claim, run and recover jobs. The only writer of :class:`JobRun`.

Guarantees (docs/operations.md, "Background work"):

* enqueueing is idempotent: a job's key is unique; enqueueing an existing key returns that job;
* a job is pushed to the queue only once the enqueuing transaction commits;
* one attempt runs at a time: a worker claims the row (state, lease) with one conditional UPDATE;
* a failing attempt is retried after ``backoff_s * 2**(attempt-1)`` seconds, up to ``max_attempts``;
  then the job is ``failed`` and shown to administrators (admin, "Tâches de fond");
* a job whose worker died (or whose message was lost) is enqueued again by the reaper once its lease
  runs out: delivery is at least once, so job functions are idempotent;
* a job is marked ``done`` once (the UPDATE is conditioned on the claim that ran it).
"""

from __future__ import annotations

import json
import logging
import traceback
import uuid
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from medtandem.apps.jobs import queue, registry
from medtandem.apps.jobs.models import JobRun, JobState

logger = logging.getLogger(__name__)


def queued_grace_s() -> float:
    """How long a queued job may wait for a worker before the reaper pushes it again
    (``settings.MEDTANDEM_JOB_QUEUED_GRACE_S``). It is also how long a queued job's message lost on
    the way (taken by a worker killed before it claimed the row) waits to come back; a shorter one
    pushes a job that merely waits in a long queue a second time (harmless: the claim runs it
    once)."""
    return float(settings.MEDTANDEM_JOB_QUEUED_GRACE_S)


REAP_BATCH = 500


def enqueue(name: str, *, key: str | None = None, delay_s: float = 0, **kwargs: Any) -> JobRun:
    """Queue the job ``name`` with JSON ``kwargs``; with ``key``, at most one job per key ever.

    Returns the job (the existing one when ``key`` was already enqueued). Safe inside a transaction:
    the worker is told after the commit.
    """
    spec = registry.spec(name)
    json.dumps(kwargs)  # arguments must be JSON values: fail here, not in the worker
    key = key or f"{name}:{uuid.uuid4().hex}"
    lease = timezone.now() + timedelta(seconds=delay_s + queued_grace_s())
    run, created = JobRun.objects.get_or_create(
        key=key,
        defaults={
            "name": name,
            "kwargs": kwargs,
            "max_attempts": spec.max_attempts,
            "lease_until": lease,
        },
    )
    if created:
        transaction.on_commit(lambda: _push_quietly(run.pk, delay_s))
    return run


def _push_quietly(job_id: int, delay_s: float) -> None:
    try:
        queue.push(job_id, delay_s)
    except Exception:  # the queue is down: the reaper pushes it again when its lease runs out
        logger.exception("job %s could not be pushed; the reaper will retry", job_id)


def enqueue_periodic(spec: registry.PeriodicSpec) -> JobRun:
    """The job of this period (one per period whichever worker's scheduler fires)."""
    return enqueue(spec.name, key=f"{spec.name}@{timezone.now().strftime(spec.period)}")


def run(job_id: int) -> str:
    """Run one attempt of a job (called by the worker). Returns the job's state afterwards."""
    close_old_connections()
    try:
        return _run(job_id)
    finally:
        close_old_connections()


def _run(job_id: int) -> str:
    now = timezone.now()
    token = uuid.uuid4().hex
    job = JobRun.objects.filter(pk=job_id).only("name").first()
    if job is None:
        return "missing"
    try:
        spec = registry.spec(job.name)
    except LookupError as exc:
        JobRun.objects.filter(pk=job_id, state=JobState.QUEUED).update(
            state=JobState.FAILED, last_error=str(exc), finished_at=now
        )
        return JobState.FAILED
    claimed = (
        JobRun.objects.filter(pk=job_id)
        .filter(Q(state=JobState.QUEUED) | Q(state=JobState.RUNNING, lease_until__lt=now))
        .update(
            state=JobState.RUNNING,
            claim=token,
            attempts=F("attempts") + 1,
            started_at=now,
            lease_until=now + timedelta(seconds=spec.lease_s),
        )
    )
    if not claimed:
        return JobRun.objects.values_list("state", flat=True).get(pk=job_id)  # done, failed or held
    job = JobRun.objects.get(pk=job_id)
    mine = JobRun.objects.filter(pk=job_id, claim=token)
    try:
        result = spec.func(**job.kwargs)
        json.dumps(result)
    except Exception as exc:  # noqa: BLE001 - any failure of a job is recorded and retried
        error = "".join(traceback.format_exception_only(type(exc), exc)).strip()[:4000]
        finished = timezone.now()
        if job.attempts >= job.max_attempts:
            mine.update(state=JobState.FAILED, last_error=error, finished_at=finished)
            logger.error(
                "job %s (%s) failed for good after %d attempts: %s",
                job_id,
                job.name,
                job.attempts,
                error,
            )
            return JobState.FAILED
        delay = spec.retry_delay(job.attempts)
        mine.update(
            state=JobState.QUEUED,
            last_error=error,
            lease_until=finished + timedelta(seconds=delay + queued_grace_s()),
        )
        logger.warning(
            "job %s (%s) attempt %d failed, retry in %.0f s: %s",
            job_id,
            job.name,
            job.attempts,
            delay,
            error,
        )
        _push_quietly(job_id, delay)
        return JobState.QUEUED
    mine.update(state=JobState.DONE, result=result, finished_at=timezone.now(), lease_until=None)
    return JobState.DONE


def requeue_stale(now: Any = None) -> int:
    """Push again the jobs whose lease ran out (worker died, message lost). Returns how many."""
    close_old_connections()
    now = now or timezone.now()
    pushed = 0
    stale = JobRun.objects.filter(
        state__in=[JobState.QUEUED, JobState.RUNNING], lease_until__lt=now
    )
    for job in stale.order_by("lease_until")[:REAP_BATCH]:
        if job.state == JobState.RUNNING and job.attempts >= job.max_attempts:
            JobRun.objects.filter(pk=job.pk, state=JobState.RUNNING, lease_until__lt=now).update(
                state=JobState.FAILED,
                finished_at=now,
                last_error=(job.last_error + "\n" if job.last_error else "")
                + "worker lost during the last attempt",
            )
            continue
        # Back to the queue; the lost attempt's claim is void (its late "done" would change nothing).
        if JobRun.objects.filter(pk=job.pk, state=job.state, lease_until=job.lease_until).update(
            state=JobState.QUEUED, claim="", lease_until=now + timedelta(seconds=queued_grace_s())
        ):
            _push_quietly(job.pk, 0)
            pushed += 1
    return pushed


def retry(job_ids: list[int]) -> int:
    """An administrator's "retry now" on failed jobs: a fresh set of attempts."""
    ids = list(
        JobRun.objects.filter(pk__in=job_ids, state=JobState.FAILED).values_list("pk", flat=True)
    )
    JobRun.objects.filter(pk__in=ids).update(
        state=JobState.QUEUED,
        attempts=0,
        lease_until=timezone.now() + timedelta(seconds=queued_grace_s()),
    )
    for pk in ids:
        transaction.on_commit(partial(_push_quietly, pk, 0))
    return len(ids)
