"""Read-side queries of the reading app: sessions, steps, and learner progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medtandem.apps.accounts.models import User
from medtandem.apps.accounts.selectors import cohorts_of_instructor
from medtandem.apps.cases.models import Case
from medtandem.apps.reading import rating
from medtandem.apps.reading.models import (
    MODE_STEPS,
    Condition,
    Read,
    ReadingAssignment,
    ReadingSession,
    Reread,
    RereadSchedule,
    StepOpening,
)
from medtandem.apps.reading.services import (
    FEEDBACK,
    cases_of,
    reads_by_case,
    reread_due_on,
    reread_round,
    reread_title,
    step_for,
)
from medtandem.apps.reading.visibility import cases_seen_with_truth as cases_seen_with_truth
from medtandem.apps.reading.visibility import revealed_reads
from medtandem.apps.reading.visibility import revealing_q as revealing_q
from medtandem.apps.reading.visibility import seen_with_truth_by_case as seen_with_truth_by_case
from medtandem.ecg.ptbxl import SUPERCLASSES
from medtandem.reliance.estimates import Estimate
from medtandem.reliance.metrics import (
    AnswerChanges,
    BinaryMetrics,
    Proportion,
    answer_changes,
    binary_metrics,
)
from medtandem.reliance.rereads import RereadSeries, reread_series
from medtandem.web.prepared import Prepared

_OWN_SESSION: Prepared[ReadingSession] = Prepared(
    lambda pk, learner_id: ReadingSession.objects.select_related("case_set", "reread").filter(
        pk=pk, learner_id=learner_id
    )
)


def own_session(pk: int, learner_id: int) -> ReadingSession | None:
    """The learner's session ``pk`` with its case set and, for a re-read, its round (one query,
    compiled once per process: every request of the reading path asks it), or None when it is not
    theirs."""
    return _OWN_SESSION.first(pk=pk, learner_id=learner_id)


def session_title(session: ReadingSession) -> str:
    """The session's title in the reader's language. A re-read's stored title is in the language of
    the request that opened it, so it is written again from its case set (the schedule's). Load the
    session with ``select_related("case_set", "reread")``, or this runs two queries."""
    if getattr(session, "reread", None) is not None:  # reverse one-to-one: absent unless a re-read
        return reread_title(session.case_set.name)
    return session.title


def assignments_visible_to(user: Any) -> QuerySet[ReadingAssignment]:
    """The assignments a staff member follows: those they created (superusers: all), newest first."""
    qs = ReadingAssignment.objects.select_related("case_set").order_by("-created_at")
    return qs if user.is_superuser else qs.filter(created_by=user)


def new_assignments(learner: Any) -> list[ReadingSession]:
    """Assigned sessions the learner has not opened yet (no step served), soonest due first."""
    return list(
        ReadingSession.objects.filter(
            learner=learner, assignment__isnull=False, completed_at__isnull=True
        )
        .exclude(Exists(StepOpening.objects.filter(session=OuterRef("pk"))))
        .select_related("assignment")
        .order_by(F("assignment__due_at").asc(nulls_last=True), "created_at")
    )


@dataclass(frozen=True)
class SessionRow:
    """A line of the learner's dashboard: the session, its title in the reader's language, and
    how far it is (cases finished: every step read)."""

    session: ReadingSession
    title: str
    cases: int
    done: int
    overdue: bool


def session_rows(learner: Any, now: datetime | None = None) -> list[SessionRow]:
    """The learner's sessions and their counts, in two queries however many sessions there are.

    A session's cases are its case set's (its order is a permutation of them, and no service edits
    a set once read), so the count is the set's; a case is finished when the session's every step
    has a read of it."""
    sessions = list(
        ReadingSession.objects.filter(learner=learner)
        .select_related("case_set", "assignment", "reread")
        .annotate(n_cases=Count("case_set__cases", distinct=True))
    )
    steps_read: dict[tuple[int, int], set[str]] = {}
    for session_id, case_id, condition in Read.objects.filter(
        session__in=[s.pk for s in sessions]
    ).values_list("session_id", "case_id", "condition"):
        steps_read.setdefault((session_id, case_id), set()).add(condition)
    done: dict[int, int] = {}
    by_pk = {s.pk: s for s in sessions}
    for (session_id, case_id), conditions in steps_read.items():
        if step_for(by_pk[session_id], Case(pk=case_id), conditions) == FEEDBACK:
            done[session_id] = done.get(session_id, 0) + 1
    now = now or timezone.now()
    rows = []
    for session in sessions:
        due = session.assignment.due_at if session.assignment is not None else None
        rows.append(
            SessionRow(
                session=session,
                title=session_title(session),
                cases=session.n_cases,
                done=done.get(session.pk, 0),
                overdue=bool(due and session.completed_at is None and due < now),
            )
        )
    return rows


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
    the aided read of the same case in the same session. Only reads whose truth the learner may
    already see count (:func:`revealed_reads`): a figure that moved after an unaided read, while the
    aided step is still open or in a study that hides feedback, would give the truth away.
    """
    reads = list(revealed_reads(Read.objects.filter(learner=learner)).select_related("case"))
    unaided = [r for r in reads if r.condition == Condition.UNAIDED]
    aided = [r for r in reads if r.condition == Condition.AIDED]
    # The unaided and the aided read of one case in one session, in the order of the unaided reads.
    aided_of = {(r.session_id, r.case_id): r for r in aided}
    first = {(r.session_id, r.case_id): r for r in unaided}
    paired = [(u, aided_of[key]) for key, u in first.items() if key in aided_of]
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
                binary_metrics(
                    [getattr(r.case, key) for r in unaided], [getattr(r, key) for r in unaided]
                ),
                binary_metrics(
                    [getattr(r.case, key) for r in aided], [getattr(r, key) for r in aided]
                ),
                changes,
            )
        )
    overall = None
    if paired:
        # Whole-answer view: correct when all five superclass decisions and the rhythm match the truth.
        def right(read: Read) -> bool:
            return read.superclasses == read.case.superclasses and read.rhythm == read.case.rhythm

        overall = answer_changes(
            [True] * len(paired), [right(u) for u, _ in paired], [right(a) for _, a in paired]
        )
        changed = sum(
            (u.superclasses != a.superclasses) or (u.rhythm != a.rhythm) for u, a in paired
        )
        overall = AnswerChanges(overall.n, changed, overall.improved, overall.worsened)

    def afib(rs: list[Read]) -> BinaryMetrics:
        return binary_metrics(
            [r.case.rhythm == "afib_flutter" for r in rs], [r.rhythm == "afib_flutter" for r in rs]
        )

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
    """Per learner: cases finished (every read of the mode stored) out of the set's, and completion."""
    n_cases = assignment.case_set.cases.count()
    n_steps = len(MODE_STEPS[assignment.mode])
    rows = []
    sessions = assignment.sessions.select_related("learner").order_by(
        "learner__last_name", "learner__username"
    )
    done_by_session: dict[int, int] = {}
    for session_id, _case_id in (
        Read.objects.filter(session__assignment=assignment)
        .values("session_id", "case_id")
        .annotate(n=Count("id"))
        .filter(n__gte=n_steps)
        .values_list("session_id", "case_id")
    ):
        done_by_session[session_id] = done_by_session.get(session_id, 0) + 1
    for session in sessions:
        rows.append(
            {
                "learner": session.learner,
                "cases_done": done_by_session.get(session.pk, 0),
                "n_cases": n_cases,
                "completed_at": session.completed_at,
            }
        )
    return rows


def unaided_superclass_accuracy(session: ReadingSession) -> int | None:
    """Percent of a session's unaided reads whose five superclass decisions all match the truth
    (the pass level of an unaided reading activity); None before any unaided read. Reads of cases
    the learner had already seen with their truth elsewhere do not count (contamination)."""
    agg = Read.objects.filter(
        session=session, condition=Condition.UNAIDED, seen_truth_before=False
    ).aggregate(
        n=Count("id"),
        correct=Count(
            "id",
            filter=Q(
                norm=F("case__norm"),
                mi=F("case__mi"),
                sttc=F("case__sttc"),
                cd=F("case__cd"),
                hyp=F("case__hyp"),
            ),
        ),
    )
    if not agg["n"]:
        return None
    return round(100 * agg["correct"] / agg["n"])


# --- what the reading pages show ---------------------------------------------------------------


def case_label(session: ReadingSession, position: int, case: Case, *, reveal_source: bool) -> str:
    """The tracing's title: neutral and scoped to the session while reading, the source id after."""
    label = _("ECG %(n)d de la séance") % {"n": position + 1}
    if reveal_source:
        return f"{label} · {case.external_id}"
    return label


@dataclass(frozen=True)
class RatingRow:
    """One superclass of the read form: its name and the value it starts with (None: unset)."""

    code: str
    label: str
    value: int | None
    #: The quick level checked (nearest to ``value``) and the exact value when it is not a level.
    level: int | None
    exact: int | None


def rating_rows(prefill: Read | None) -> list[RatingRow]:
    """The read form's rows. Nothing is preset, except that the aided step starts from the
    reader's own unaided ratings (their answer so far, not a default)."""
    rows = []
    for s in SUPERCLASSES:
        value = prefill.rating(s) if prefill else None
        level = rating.nearest_level(value) if value is not None else None
        rows.append(
            RatingRow(
                s,
                str(rating.FINDING_NAMES[s]),
                value,
                level,
                value if value is not None and value != level else None,
            )
        )
    return rows


@dataclass(frozen=True)
class AiRow:
    code: str
    label: str
    probability: float
    pct: int
    #: The model's call at its documented operating point, and that threshold (None: not stated).
    call: bool | None
    threshold_pct: int | None


@dataclass(frozen=True)
class AiNotice:
    """What the AI step says beside (or instead of) the probabilities, in the reader's language."""

    refused: bool
    reasons: list[str]
    ood_count: int
    ood_items: list[dict[str, Any]]
    statement: str


#: The measurements' names in the interface language (the cores keep English names:
#: :data:`medtandem.ecg.measure.LABELS`); the keys are the measurement names of that table.
MEASURE_NAMES = {
    "heart_rate_bpm": gettext_lazy("Fréquence cardiaque"),
    "rr_mean_ms": gettext_lazy("Intervalle RR moyen"),
    "rr_sdnn_ms": gettext_lazy("Écart type des RR (SDNN)"),
    "rr_rmssd_ms": gettext_lazy("RMSSD des RR"),
    "rr_irregularity": gettext_lazy("Irrégularité des RR (écart type / moyenne)"),
    "n_beats": gettext_lazy("Battements détectés"),
    "pr_ms": gettext_lazy("Intervalle PR"),
    "p_amplitude_mv": gettext_lazy("Amplitude de P (DII)"),
    "qrs_ms": gettext_lazy("Durée du QRS"),
    "qt_ms": gettext_lazy("Intervalle QT"),
    "qtc_bazett_ms": gettext_lazy("QTc (Bazett)"),
    "qtc_fridericia_ms": gettext_lazy("QTc (Fridericia)"),
    "qrs_axis_deg": gettext_lazy("Axe frontal du QRS"),
    "t_axis_deg": gettext_lazy("Axe frontal de T"),
    "sokolow_lyon_mv": gettext_lazy("Indice de Sokolow-Lyon"),
    "cornell_mv": gettext_lazy("Indice de Cornell"),
    "limb_qrs_max_mv": gettext_lazy(
        "Plus grande amplitude du QRS dans les dérivations des membres"
    ),
    "st60_mv": gettext_lazy("Niveau du ST à J+60 ms"),
    "q_mv": gettext_lazy("Profondeur de Q"),
    "r_mv": gettext_lazy("Amplitude de R"),
    "s_mv": gettext_lazy("Profondeur de S"),
    "t_mv": gettext_lazy("Amplitude de T"),
    "p_absent": gettext_lazy("Onde P non trouvée"),
    "t_end_absent": gettext_lazy("Fin de T non trouvée"),
}


def measure_label(feature: str, fallback: str = "") -> str:
    """A model feature's name (``st60_mv_V6``, ``qrs_axis_deg_cos``, ``heart_rate_bpm``) in words."""
    if feature in MEASURE_NAMES:
        return str(MEASURE_NAMES[feature])
    base, _sep, tail = feature.rpartition("_")
    if base in MEASURE_NAMES and tail in ("cos", "sin"):
        part = _("cosinus") if tail == "cos" else _("sinus")
        return f"{MEASURE_NAMES[base]} ({part})"
    if base in MEASURE_NAMES:  # a per-lead measurement: the tail is the lead
        return _("%(measure)s en %(lead)s") % {"measure": MEASURE_NAMES[base], "lead": tail}
    return fallback or feature


def ai_explanation(prediction: Any) -> list[dict[str, Any]]:
    """The measurements that weighed most in a suggestion, named in the reader's language."""
    extra = prediction.explanation if isinstance(prediction.explanation, dict) else {}
    if extra.get("kind") != "measurements":
        return []
    return [
        {**item, "label": measure_label(str(item.get("name", "")), str(item.get("label", "")))}
        for item in (extra.get("items") or [])[:6]
    ]


def ai_notice(prediction: Any, lang: str) -> AiNotice:
    """The model's refusal (poor input quality) and why, its out-of-distribution flag, its machine statement."""
    extra = prediction.explanation if isinstance(prediction.explanation, dict) else {}
    quality = extra.get("quality") or {}
    ood = extra.get("ood") or {}
    return AiNotice(
        refused=bool(extra.get("refused")),
        reasons=list((quality.get("messages") or {}).get(lang) or []),
        ood_count=int(ood.get("n_outside") or 0) if ood.get("flagged") else 0,
        ood_items=[
            {**item, "name": measure_label(str(item.get("name", "")))}
            for item in list(ood.get("outside") or [])[:3]
        ],
        statement=str((extra.get("statement") or {}).get(lang) or ""),
    )


def ai_rows(prediction: Any, facts: dict[str, Any] | None) -> list[AiRow]:
    """The AI step's rows: each output's probability and the model's call at its operating point
    (none when the model refused to read this ECG)."""
    if isinstance(prediction.explanation, dict) and prediction.explanation.get("refused"):
        return []
    operating = (facts or {}).get("operating_point") or {}
    rows = []
    for code in (*SUPERCLASSES, "AFIB"):
        p = float(prediction.probabilities.get(code, 0.0))
        threshold = operating.get(code)
        rows.append(
            AiRow(
                code,
                str(rating.FINDING_NAMES[code]),
                p,
                round(100 * p),
                None if threshold is None else p >= float(threshold),
                None if threshold is None else round(100 * float(threshold)),
            )
        )
    return rows


@dataclass(frozen=True)
class AnswerCell:
    """One read's answer for one finding, as feedback shows it."""

    rating: int | None
    call: bool
    correct: bool
    level: str


@dataclass(frozen=True)
class FeedbackRow:
    code: str
    label: str
    truth: bool
    unaided: AnswerCell | None
    aided: AnswerCell | None
    ai_probability: float | None
    ai_call: bool | None


@dataclass(frozen=True)
class Feedback:
    rows: list[FeedbackRow]
    rhythm_truth: str
    rhythm_unaided: tuple[str, bool] | None
    rhythm_aided: tuple[str, bool] | None
    ai_afib: float | None
    #: Whether the AI was shown in this session (the heading and columns follow it).
    ai_shown: bool


def _cell(read: Read | None, code: str, truth: bool) -> AnswerCell | None:
    if read is None:
        return None
    value = read.rating(code)
    said = bool(getattr(read, code.lower()))
    return AnswerCell(value, said, said == truth, str(rating.level_label(value)))


def feedback(
    case: Case, reads: dict[str, Read], prediction: Any, facts: dict[str, Any] | None
) -> Feedback:
    """Each read's calls against the truth (right or wrong decided here, not in the template)."""
    operating: dict[str, bool] = {}
    if prediction is not None:
        operating = {r.code: r.call for r in ai_rows(prediction, facts) if r.call is not None}
    rows = []
    for code in SUPERCLASSES:
        truth = bool(getattr(case, code.lower()))
        rows.append(
            FeedbackRow(
                code,
                str(rating.FINDING_NAMES[code]),
                truth,
                _cell(reads.get(Condition.UNAIDED), code, truth),
                _cell(reads.get(Condition.AIDED), code, truth),
                float(prediction.probabilities.get(code, 0.0)) if prediction is not None else None,
                operating.get(code),
            )
        )

    def rhythm(read: Read | None) -> tuple[str, bool] | None:
        return None if read is None else (read.get_rhythm_display(), read.rhythm == case.rhythm)

    return Feedback(
        rows,
        case.get_rhythm_display(),
        rhythm(reads.get(Condition.UNAIDED)),
        rhythm(reads.get(Condition.AIDED)),
        float(prediction.probabilities.get("AFIB", 0.0)) if prediction is not None else None,
        prediction is not None,
    )


@dataclass(frozen=True)
class CaseBankRow:
    case: Case
    #: How many of the chosen learners already saw this case with its truth.
    seen_by: int


def case_bank_rows(cases: list[Case], learners: list[Any]) -> list[CaseBankRow]:
    seen = seen_with_truth_by_case(learners) if learners else {}
    return [CaseBankRow(c, len(seen.get(c.pk, ()))) for c in cases]


# --- periodic unaided re-reads ---------------------------------------------------------------------


def due_rereads(learner: Any) -> list[Reread]:
    """The learner's re-read sessions not yet finished, the earliest due first."""
    return list(
        Reread.objects.filter(learner=learner, session__completed_at__isnull=True)
        .select_related("session", "schedule__case_set")
        .order_by("due_on", "pk")
    )


def schedules_of_instructor(instructor: Any) -> QuerySet[RereadSchedule]:
    """The re-read schedules of the cohorts the instructor teaches (administrators: all cohorts)."""
    return RereadSchedule.objects.filter(
        cohort__in=cohorts_of_instructor(instructor)
    ).select_related("cohort", "case_set")


def reread_results(schedule: RereadSchedule) -> tuple[tuple[RereadSeries, ...], RereadSeries]:
    """Unaided accuracy round by round on the schedule's fixed set, per learner and cohort.

    Only revealed reads count (:func:`revealed_reads`: a re-read's truth opens when it is finished),
    so an unfinished round never shows. A read is right when all five superclasses are called right.
    """
    fields = [s.lower() for s in SUPERCLASSES]
    rows = revealed_reads(Read.objects.filter(session__reread__schedule=schedule)).values(
        "learner_id", "session__reread__round", "case_id", *fields, *[f"case__{f}" for f in fields]
    )
    reads = [
        (
            str(r["learner_id"]),
            int(r["session__reread__round"]),
            str(r["case_id"]),
            all(bool(r[f]) == bool(r[f"case__{f}"]) for f in fields),
        )
        for r in rows
    ]
    return reread_series(reads, n_cases=schedule.case_set.cases.count())


@dataclass(frozen=True)
class RereadCell:
    """One learner's round: ``status`` is ``done`` (finished), ``open`` (opened, unfinished),
    ``pending`` (the current round, not opened yet) or ``missing`` (a past round never opened: it
    will not open any more); ``accuracy`` only for a finished round (its truth is revealed)."""

    round: int
    status: str
    accuracy: Proportion | None

    @property
    def interval(self) -> tuple[float, float] | None:
        return self.accuracy.confidence_interval() if self.accuracy else None


@dataclass(frozen=True)
class RereadRow:
    """A learner's line of the schedule's page: one cell per round due so far, and the change."""

    learner: User
    cells: tuple[RereadCell, ...]
    change: Estimate


@dataclass(frozen=True)
class RereadOverview:
    """What the schedule's page shows: rounds due so far (number, date), learners, the cohort."""

    schedule: RereadSchedule
    rounds: tuple[tuple[int, date], ...]
    rows: tuple[RereadRow, ...]
    cohort: tuple[RereadCell, ...]
    cohort_change: Estimate


def reread_overview(schedule: RereadSchedule, today: date) -> RereadOverview:
    """Per learner of the cohort (and anyone who re-read under the schedule and left it since), the
    rounds due up to ``today`` with their status and unaided accuracy (:func:`reread_results`), the
    change from round 0 to the last finished round, and the cohort's figures. Four queries."""
    current = reread_round(schedule, today)
    rounds = (
        tuple((k, reread_due_on(schedule, k)) for k in range(current + 1))
        if current is not None
        else ()
    )
    status = {
        (learner_id, k): "done" if completed else "open"
        for learner_id, k, completed in Reread.objects.filter(schedule=schedule).values_list(
            "learner_id", "round", "session__completed_at"
        )
    }
    readers, cohort = reread_results(schedule)

    def unopened(k: int) -> str:
        return "pending" if k == current else "missing"

    series = {s.reader: s for s in readers}
    learners = (
        User.objects.filter(Q(cohorts=schedule.cohort_id) | Q(pk__in={pk for pk, _k in status}))
        .distinct()
        .order_by("last_name", "first_name", "username")
    )
    rows = []
    for learner in learners:
        mine = series.get(str(learner.pk))
        accuracy = {r.round: r.accuracy for r in mine.rounds} if mine else {}
        rows.append(
            RereadRow(
                learner,
                tuple(
                    RereadCell(k, status.get((learner.pk, k), unopened(k)), accuracy.get(k))
                    for k, _due in rounds
                ),
                mine.change if mine else Estimate.empty("no reads"),
            )
        )
    pooled = {r.round: r.accuracy for r in cohort.rounds}
    return RereadOverview(
        schedule,
        rounds,
        tuple(rows),
        tuple(
            RereadCell(k, "done" if k in pooled else unopened(k), pooled.get(k)) for k, _d in rounds
        ),
        cohort.change,
    )
