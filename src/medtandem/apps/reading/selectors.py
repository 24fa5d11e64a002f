"""Read-side queries of the reading app: sessions, steps, and learner progress."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from medtandem.apps.cases.models import Case
from medtandem.apps.reading.models import Condition, Mode, Read, ReadingSession
from medtandem.apps.reading.services import FEEDBACK, cases_of, reads_by_case, step_for
from medtandem.ecg.ptbxl import SUPERCLASSES
from medtandem.reliance.metrics import AnswerChanges, BinaryMetrics, answer_changes, binary_metrics

# --- what a learner may already know: the truth-visibility rule ---------------------------------


def revealed_reads(reads: QuerySet[Read] | None = None) -> QuerySet[Read]:
    """The reads whose case's truth their reader may see in that session.

    This is the one rule behind every learner-facing figure: a read counts only once its session
    shows feedback and the case's last read of the session's mode is stored (in practice mode, the
    aided read; in unaided-only or aided-only mode, the one read). Before that, a figure scored
    against the truth would give the truth away while a step is still open.
    """
    reads = Read.objects.all() if reads is None else reads
    aided_stored = Read.objects.filter(session=OuterRef("session"), case=OuterRef("case"),
                                       condition=Condition.AIDED)
    return reads.filter(session__show_feedback=True).filter(~Q(session__mode=Mode.PRACTICE) | Exists(aided_stored))


def _revealing_reads(learners: Iterable[Any]) -> QuerySet[Read]:
    """The reads that revealed a truth: the last read of a case in a session that shows feedback."""
    return Read.objects.filter(learner__in=list(learners), session__show_feedback=True).filter(
        Q(condition=Condition.AIDED) | ~Q(session__mode=Mode.PRACTICE)
    )


def cases_seen_with_truth(learners: Iterable[Any], *, before: datetime | None = None,
                          excluding_session: ReadingSession | None = None) -> set[int]:
    """Ids of the cases any of these learners has already seen with their truth (before ``before``).

    Such a case must not count in that learner's assessment or study reads (contamination).
    """
    reads = _revealing_reads(learners)
    if before is not None:
        reads = reads.filter(submitted_at__lt=before)
    if excluding_session is not None:
        reads = reads.exclude(session=excluding_session)
    return set(reads.values_list("case_id", flat=True))


def seen_with_truth_by_case(learners: Iterable[Any]) -> dict[int, set[int]]:
    """case id -> ids of the learners (among these) who saw it with its truth (the case-set builder)."""
    out: dict[int, set[int]] = {}
    for case_id, learner_id in _revealing_reads(learners).values_list("case_id", "learner_id").distinct():
        out.setdefault(case_id, set()).add(learner_id)
    return out


def sessions_of(learner: Any) -> QuerySet[ReadingSession]:
    return (
        ReadingSession.objects.filter(learner=learner)
        .select_related("case_set", "assignment")
        .annotate(n_cases=Count("case_set__cases", distinct=True), n_reads=Count("reads", distinct=True))
    )


@dataclass(frozen=True)
class CaseStatus:
    position: int
    case: Case
    step: str
    reads: dict[str, Read]


def session_outline(session: ReadingSession) -> list[CaseStatus]:
    done = reads_by_case(session)
    return [
        CaseStatus(i, case, step_for(session, case, done.get(case.pk, {})), done.get(case.pk, {}))
        for i, case in enumerate(cases_of(session))
    ]


def session_counts(session: ReadingSession) -> dict[str, int]:
    outline = session_outline(session)
    return {"cases": len(outline), "done": sum(s.step == FEEDBACK for s in outline)}


@dataclass(frozen=True)
class SuperclassProgress:
    superclass: str
    unaided: BinaryMetrics
    aided: BinaryMetrics
    changes: AnswerChanges | None


@dataclass(frozen=True)
class LearnerProgress:
    n_reads: int
    n_unaided: int
    n_aided: int
    n_cases: int
    by_superclass: list[SuperclassProgress]
    rhythm_unaided: BinaryMetrics
    rhythm_aided: BinaryMetrics
    overall_changes: AnswerChanges | None


def learner_progress(learner: Any) -> LearnerProgress:
    """Unaided vs aided accuracy, sensitivity and specificity per superclass, and AI-induced changes.

    A case "changed" when the set of superclasses (or the rhythm) differs between the unaided and
    the aided read of the same case in the same session.
    """
    reads = list(Read.objects.filter(learner=learner).select_related("case"))
    unaided = [r for r in reads if r.condition == Condition.UNAIDED]
    aided = [r for r in reads if r.condition == Condition.AIDED]
    pairs = {}
    for r in unaided:
        pairs[(r.session_id, r.case_id)] = [r, None]
    for r in aided:
        if (r.session_id, r.case_id) in pairs:
            pairs[(r.session_id, r.case_id)][1] = r
    paired = [(u, a) for u, a in pairs.values() if a is not None]
    rows = []
    for name in SUPERCLASSES:
        key = name.lower()
        changes = (
            answer_changes(
                [getattr(u.case, key) for u, _ in paired],
                [getattr(u, key) for u, _ in paired],
                [getattr(a, key) for _, a in paired],
            )
            if paired
            else None
        )
        rows.append(
            SuperclassProgress(
                name,
                binary_metrics([getattr(r.case, key) for r in unaided], [getattr(r, key) for r in unaided]),
                binary_metrics([getattr(r.case, key) for r in aided], [getattr(r, key) for r in aided]),
                changes,
            )
        )
    overall = None
    if paired:
        # Whole-answer view: correct when all five superclass decisions and the rhythm match the truth.
        def right(read: Read) -> bool:
            return read.superclasses == read.case.superclasses and read.rhythm == read.case.rhythm

        overall = answer_changes([True] * len(paired), [right(u) for u, _ in paired], [right(a) for _, a in paired])
        changed = sum(
            (u.superclasses != a.superclasses) or (u.rhythm != a.rhythm) for u, a in paired
        )
        overall = AnswerChanges(overall.n, changed, overall.improved, overall.worsened)

    def afib(rs: list[Read]) -> BinaryMetrics:
        return binary_metrics([r.case.rhythm == "afib_flutter" for r in rs], [r.rhythm == "afib_flutter" for r in rs])

    return LearnerProgress(
        n_reads=len(reads),
        n_unaided=len(unaided),
        n_aided=len(aided),
        n_cases=len({r.case_id for r in reads}),
        by_superclass=rows,
        rhythm_unaided=afib(unaided),
        rhythm_aided=afib(aided),
        overall_changes=overall,
    )


def assignment_progress(assignment: Any) -> list[dict[str, Any]]:
    """Per learner: reads stored and whether the session is complete."""
    n_cases = assignment.case_set.cases.count()
    steps = 2 if assignment.mode == "practice" else 1
    rows = []
    for session in assignment.sessions.select_related("learner").annotate(n_reads=Count("reads")):
        rows.append({
            "learner": session.learner,
            "reads": session.n_reads,
            "expected": n_cases * steps,
            "completed_at": session.completed_at,
        })
    return rows



def unaided_superclass_accuracy(session: ReadingSession) -> int | None:
    """Percent of a session's unaided reads whose five superclass decisions all match the truth
    (the pass level of an unaided reading activity); None before any unaided read."""
    agg = Read.objects.filter(session=session, condition=Condition.UNAIDED).aggregate(
        n=Count("id"),
        correct=Count("id", filter=Q(norm=F("case__norm"), mi=F("case__mi"), sttc=F("case__sttc"),
                                     cd=F("case__cd"), hyp=F("case__hyp"))),
    )
    if not agg["n"]:
        return None
    return round(100 * agg["correct"] / agg["n"])
