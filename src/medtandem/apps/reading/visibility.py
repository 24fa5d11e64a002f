"""What a learner may already know: the truth-visibility rule, in one place.

A lower layer of the reading app (it imports only models) so that both the services, which stamp
a read's provenance, and the selectors, which build every learner-facing figure, use the same rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from medtandem.apps.reading.models import Condition, Mode, Read, ReadingSession


def revealed_reads(reads: QuerySet[Read] | None = None) -> QuerySet[Read]:
    """The reads whose case's truth their reader may see in that session.

    This is the one rule behind every learner-facing figure: a read counts only once its session
    shows feedback and the case's last read of the session's mode is stored (in practice mode, the
    aided read; in unaided-only or aided-only mode, the one read). Before that, a figure scored
    against the truth would give the truth away while a step is still open.
    """
    reads = Read.objects.all() if reads is None else reads
    aided_stored = Read.objects.filter(
        session=OuterRef("session"), case=OuterRef("case"), condition=Condition.AIDED
    )
    return reads.filter(session__show_feedback=True).filter(
        ~Q(session__mode=Mode.PRACTICE) | Exists(aided_stored)
    )


def revealing_q() -> Q:
    """The condition on a read that makes it reveal its case's truth (see :func:`revealing_reads`)."""
    return Q(session__show_feedback=True) & (
        Q(condition=Condition.AIDED) | ~Q(session__mode=Mode.PRACTICE)
    )


def revealing_reads(learners: Iterable[Any]) -> QuerySet[Read]:
    """The reads that revealed a truth: the last read of a case in a session that shows feedback."""
    return Read.objects.filter(learner__in=list(learners)).filter(revealing_q())


def cases_seen_with_truth(
    learners: Iterable[Any],
    *,
    before: datetime | None = None,
    excluding_session: ReadingSession | None = None,
) -> set[int]:
    """Ids of the cases any of these learners has already seen with their truth (before ``before``).

    Such a case must not count in that learner's assessment or study reads (contamination).
    """
    reads = revealing_reads(learners)
    if before is not None:
        reads = reads.filter(submitted_at__lt=before)
    if excluding_session is not None:
        reads = reads.exclude(session=excluding_session)
    return set(reads.values_list("case_id", flat=True))


def seen_with_truth_by_case(learners: Iterable[Any]) -> dict[int, set[int]]:
    """case id -> ids of the learners (among these) who saw it with its truth (the case-set builder)."""
    out: dict[int, set[int]] = {}
    for case_id, learner_id in (
        revealing_reads(learners).values_list("case_id", "learner_id").distinct()
    ):
        out.setdefault(case_id, set()).add(learner_id)
    return out
