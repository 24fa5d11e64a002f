"""Read side of the job ledger."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from medtandem.apps.jobs.models import JobRun, JobState


def failed_jobs() -> QuerySet[JobRun]:
    return JobRun.objects.filter(state=JobState.FAILED).order_by("-finished_at")


def counts_by_state() -> dict[str, int]:
    return dict(JobRun.objects.values_list("state").annotate(n=Count("id")).order_by())
