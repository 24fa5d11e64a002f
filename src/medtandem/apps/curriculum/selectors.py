"""Read-side queries of the curriculum: what a learner may open, progress, cohorts, national figures.

National figures read only the summary tables (:class:`NationalStat`, :class:`DelayStat`), grouped
in SQL; nothing here loops over learners.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict

from django.conf import settings
from django.db.models import (
    Count,
    DecimalField,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

if TYPE_CHECKING:  # django-stubs' helper, a development dependency
    from django_stubs_ext import WithAnnotations

from medtandem.apps.accounts.models import Profession, Role, User
from medtandem.apps.accounts.selectors import has_role, institutions_of, learners_of_instructor
from medtandem.apps.cases.selectors import filter_cases
from medtandem.apps.curriculum.models import (
    Activity,
    ActivityVisit,
    Attendance,
    Attestation,
    Competency,
    Completion,
    DelayStat,
    Enrolment,
    Module,
    NationalStat,
    Programme,
    Quiz,
    QuizAttempt,
    ReadingLink,
)
from medtandem.apps.reading.models import Condition, Read
from medtandem.apps.reading.selectors import cases_seen_with_truth, revealed_reads

ANNUAL_TARGET = 100_000
FIVE_YEAR_TARGET = 500_000


# --- what a learner may open ----------------------------------------------------------------


def enrolment_of(learner: Any, programme: Programme) -> Enrolment | None:
    if not getattr(learner, "is_authenticated", False):
        return None
    return Enrolment.objects.filter(learner=learner, programme=programme).first()


def completed_activity_ids(learner: Any, programme: Programme | int) -> set[int]:
    return set(
        Completion.objects.filter(learner=learner, programme=programme).values_list(
            "activity_id", flat=True
        )
    )


def module_done(learner: Any, module: Module, done: set[int] | None = None) -> bool:
    required = set(module.activities.filter(is_required=True).values_list("pk", flat=True))
    done = completed_activity_ids(learner, module.programme_id) if done is None else done
    return required <= done


def shown_without_ai(learner: Any, competency_id: int) -> bool:
    """The hybrid rule's evidence: a completed unaided activity (unaided ECG reading at its pass
    level) crediting that competency, in any programme."""
    return Completion.objects.filter(
        learner=learner,
        activity__kind=Activity.Kind.READING,
        activity__reading_mode=Activity.ReadingMode.UNAIDED,
        activity__competencies=competency_id,
    ).exists()


def lock_reason(learner: Any, activity: Activity) -> str | None:
    """Why the learner may not open this activity now (None: open)."""
    module = activity.module
    if not Enrolment.objects.filter(learner=learner, programme_id=module.programme_id).exists():
        return _("Inscrivez-vous au programme pour accéder à cette activité.")
    prerequisites = list(module.prerequisites.all())
    if prerequisites:
        done = completed_activity_ids(learner, module.programme_id)
        pending = [m.title for m in prerequisites if not module_done(learner, m, done)]
        if pending:
            return _("Terminez d'abord : %s.") % ", ".join(pending)
    hybrid = module.hybrid_competency_id
    if activity.ai_assisted and hybrid is not None and not shown_without_ai(learner, hybrid):
        competency = module.hybrid_competency
        assert competency is not None  # its id is set (checked above)
        return _(
            "Règle hybride : démontrez d'abord « %s » sans IA (lecture seule au niveau requis)."
        ) % (competency.name)
    return None


@dataclass
class ActivityState:
    activity: Activity
    done: bool
    locked: str | None


@dataclass
class ModuleState:
    module: Module
    activities: list[ActivityState]

    @property
    def done(self) -> bool:
        return all(a.done for a in self.activities if a.activity.is_required)


def programme_outline(learner: Any, programme: Programme) -> list[ModuleState]:
    """Modules and activities with, for this learner, done / locked (and why)."""
    enrolled = enrolment_of(learner, programme) is not None
    done = completed_activity_ids(learner, programme) if enrolled else set()
    modules = programme.modules.prefetch_related("activities", "prerequisites").select_related(
        "hybrid_competency"
    )
    outline = []
    for module in modules:
        states = []
        for activity in module.activities.all():
            activity.module = module
            locked = (
                lock_reason(learner, activity) if enrolled and activity.pk not in done else None
            )
            if not enrolled:
                locked = _("Inscrivez-vous au programme pour accéder à cette activité.")
            states.append(ActivityState(activity, activity.pk in done, locked))
        outline.append(ModuleState(module, states))
    return outline


def catalogue(learner: Any) -> QuerySet[Programme]:
    programmes = Programme.objects.filter(is_published=True).annotate(
        n_modules=Count("modules", distinct=True)
    )
    if getattr(learner, "is_authenticated", False):
        mine = Enrolment.objects.filter(programme=OuterRef("pk"), learner=learner)
        programmes = programmes.annotate(
            enrolled_at=Subquery(mine.values("enrolled_at")[:1]),
            completed_at=Subquery(mine.values("completed_at")[:1]),
        )
    return programmes.order_by("kind", "title")


def competencies_of_programme(programme: Programme) -> QuerySet[Competency]:
    return (
        Competency.objects.filter(activities__module__programme=programme)
        .distinct()
        .select_related("domain")
        .order_by("domain__position", "position")
    )


def current_link(learner: Any, activity: Activity) -> ReadingLink | None:
    """The learner's current (newest) attempt at a reading activity."""
    if not getattr(learner, "is_authenticated", False):
        return None
    return (
        ReadingLink.objects.filter(learner=learner, activity=activity)
        .select_related("session")
        .order_by("-attempt")
        .first()
    )


def reading_session_of(learner: Any, activity: Activity) -> Any:
    """The session of the learner's current attempt (None before the first)."""
    link = current_link(learner, activity)
    return link.session if link else None


def unaided_accuracy(session: Any) -> int | None:
    """Percent of the session's unaided reads whose five superclasses all match the experts' truth."""
    from medtandem.apps.reading.selectors import unaided_superclass_accuracy

    return unaided_superclass_accuracy(session)


def quiz_attempts(learner: Any, activity: Activity) -> QuerySet[QuizAttempt]:
    if activity.quiz_id is None:  # no quiz: no attempt (an attempt always has its quiz)
        return QuizAttempt.objects.none()
    return QuizAttempt.objects.filter(learner=learner, quiz_id=activity.quiz_id)


# --- progress -------------------------------------------------------------------------------


@dataclass
class LearnerProgress:
    hours_by_domain: list[dict[str, Any]]
    competencies: list[Competency]
    activities_done: int
    total_hours: Decimal
    enrolments: list[Enrolment] = field(default_factory=list)


def learner_progress(learner: Any) -> LearnerProgress:
    completions = Completion.objects.filter(learner=learner)
    by_domain = list(
        completions.values(
            framework=F("activity__module__domain__framework__name"),
            domain=F("activity__module__domain__name"),
            target=F("activity__module__domain__hours"),
        )
        .annotate(hours=Sum("activity__hours"), activities=Count("id"))
        .order_by("framework", "domain")
    )
    competencies = list(
        Competency.objects.filter(activities__completions__learner=learner)
        .distinct()
        .select_related("domain__framework")
        .order_by("domain__framework__name", "domain__position", "position")
    )
    total = completions.aggregate(
        h=Coalesce(Sum("activity__hours"), Value(Decimal(0)), output_field=DecimalField())
    )["h"]
    enrolments = list(
        Enrolment.objects.filter(learner=learner).select_related("programme", "attestation")
    )
    return LearnerProgress(by_domain, competencies, completions.count(), total, enrolments)


class ProgressAnnotations(TypedDict):
    """What :func:`cohort_progress` adds to each enrolment."""

    activities_done: int
    activities_required: int
    hours_done: Decimal


def cohort_progress(
    instructor: User,
    *,
    cohort_id: int | None = None,
    programme_id: int | None = None,
    status: str = "",
    profession: str = "",
) -> QuerySet[WithAnnotations[Enrolment, ProgressAnnotations]]:
    """Enrolments of the instructor's learners, annotated with activities done, hours and required
    activities, filtered in SQL."""
    learners = learners_of_instructor(instructor)
    if cohort_id:
        learners = learners.filter(cohorts__pk=cohort_id)
    qs = Enrolment.objects.filter(learner__in=learners.values("pk"))
    if programme_id:
        qs = qs.filter(programme_id=programme_id)
    if status == "completed":
        qs = qs.filter(completed_at__isnull=False)
    elif status == "in_progress":
        qs = qs.filter(completed_at__isnull=True)
    if profession:
        qs = qs.filter(learner__profession=profession)
    mine = Completion.objects.filter(
        learner=OuterRef("learner"), programme=OuterRef("programme")
    ).order_by()
    done = mine.values("programme").annotate(c=Count("id")).values("c")
    hours = mine.values("programme").annotate(h=Sum("activity__hours")).values("h")
    required = (
        Activity.objects.filter(module__programme=OuterRef("programme"), is_required=True)
        .order_by()
        .values("module__programme")
        .annotate(c=Count("id"))
        .values("c")
    )
    return (
        qs.select_related("learner__institution", "programme")
        .annotate(
            activities_done=Coalesce(Subquery(done, output_field=IntegerField()), 0),
            activities_required=Coalesce(Subquery(required, output_field=IntegerField()), 0),
            hours_done=Coalesce(
                Subquery(hours, output_field=DecimalField()),
                Value(Decimal(0)),
                output_field=DecimalField(),
            ),
        )
        .order_by("learner__last_name", "learner__username", "programme__title")
    )


def attestation_by_code(code: str) -> Attestation | None:
    return (
        Attestation.objects.select_related("enrolment__programme")
        .filter(code=code.strip().upper())
        .first()
    )


# --- national dashboard ---------------------------------------------------------------------


@dataclass
class Breakdown:
    title: str
    rows: list[dict[str, Any]]


@dataclass
class NationalFigures:
    year: int
    include_simulated: bool
    trained_by_year: list[tuple[int, int]]
    trained_this_year: int
    simulated_this_year: int
    cumulative_five_years: int
    five_year_window: tuple[int, int]
    breakdowns: list[Breakdown]
    completion_rate: float | None
    median_days: float | None
    refreshed_at: Any
    annual_target: int = ANNUAL_TARGET
    five_year_target: int = FIVE_YEAR_TARGET

    @property
    def annual_share(self) -> float:
        return 100 * self.trained_this_year / self.annual_target

    @property
    def five_year_share(self) -> float:
        return 100 * self.cumulative_five_years / self.five_year_target


def _median(buckets: list[tuple[int, int]]) -> float | None:
    """Median of a histogram given as sorted (value, count) pairs."""
    total = sum(c for _v, c in buckets)
    if not total:
        return None
    lower, upper = (total - 1) // 2, total // 2
    seen = 0
    found: list[int] = []
    for value, count in buckets:
        while len(found) < 2 and seen + count > (lower if not found else upper):
            found.append(value)
        seen += count
        if len(found) == 2:
            break
    return (found[0] + found[1]) / 2


def _rate(done: int | None, enrolled: int | None) -> float | None:
    return round(100 * (done or 0) / enrolled, 1) if enrolled else None


def national_figures(year: int, *, include_simulated: bool = True) -> NationalFigures:
    stats = NationalStat.objects.all()
    delays = DelayStat.objects.all()
    if not include_simulated:
        stats = stats.filter(is_simulated=False)
        delays = delays.filter(is_simulated=False)
    learners = stats.filter(programme__isnull=True)
    enrolments = stats.filter(programme__isnull=False)
    by_year = [
        (r["year"], r["n"])
        for r in learners.values("year").annotate(n=Sum("trained")).order_by("year")
    ]
    this_year = dict(by_year).get(year, 0)
    window = (year - 4, year)
    cumulative = sum(n for y, n in by_year if window[0] <= y <= window[1])
    simulated = learners.filter(year=year, is_simulated=True).aggregate(n=Sum("trained"))["n"] or 0

    professions = dict(Profession.choices)
    medians: dict[int, list[tuple[int, int]]] = {}
    for r in (
        delays.filter(year=year)
        .values("programme_id", "days")
        .annotate(n=Sum("count"))
        .order_by("programme_id", "days")
    ):
        medians.setdefault(r["programme_id"], []).append((r["days"], r["n"]))
    all_buckets: dict[int, int] = {}
    for buckets in medians.values():
        for d, n in buckets:
            all_buckets[d] = all_buckets.get(d, 0) + n

    def breakdown(title: str, key: str, label: Any) -> Breakdown:
        trained = {
            r[key]: r["n"]
            for r in learners.filter(year=year).values(key).annotate(n=Sum("trained"))
        }
        started = {
            r[key]: r
            for r in enrolments.filter(year=year)
            .values(key)
            .annotate(
                enrolled=Sum("enrolled"), done=Sum("enrolled_completed"), completions=Sum("trained")
            )
        }
        rows = []
        for k in sorted(set(trained) | set(started), key=lambda k: -(trained.get(k) or 0)):
            s = started.get(k, {})
            rows.append(
                {
                    "key": k,
                    "label": label(k),
                    "trained": trained.get(k, 0),
                    "enrolled": s.get("enrolled") or 0,
                    "completions": s.get("completions") or 0,
                    "completion_rate": _rate(s.get("done"), s.get("enrolled")),
                }
            )
        return Breakdown(title, rows)

    institution_names = dict(
        NationalStat.objects.filter(year=year, institution__isnull=False)
        .values_list("institution_id", "institution__name")
        .distinct()
    )
    programme_titles = dict(Programme.objects.values_list("pk", "title"))
    programme_rows = []
    for r in (
        enrolments.filter(year=year)
        .values("programme_id")
        .annotate(
            enrolled=Sum("enrolled"), done=Sum("enrolled_completed"), completions=Sum("trained")
        )
        .order_by("-completions")
    ):
        programme_rows.append(
            {
                "key": r["programme_id"],
                "label": programme_titles.get(r["programme_id"], "?"),
                "trained": r["completions"] or 0,
                "enrolled": r["enrolled"] or 0,
                "completions": r["completions"] or 0,
                "completion_rate": _rate(r["done"], r["enrolled"]),
                "median_days": _median(medians.get(r["programme_id"], [])),
            }
        )
    totals = enrolments.filter(year=year).aggregate(
        enrolled=Sum("enrolled"), done=Sum("enrolled_completed")
    )
    return NationalFigures(
        year=year,
        include_simulated=include_simulated,
        trained_by_year=by_year,
        trained_this_year=this_year,
        simulated_this_year=simulated,
        cumulative_five_years=cumulative,
        five_year_window=window,
        breakdowns=[
            breakdown(
                _("Par profession"),
                "profession",
                lambda k: professions.get(k, k or _("Non renseignée")),
            ),
            breakdown(_("Par région"), "region", lambda k: k or _("Non renseignée")),
            breakdown(
                _("Par établissement"),
                "institution_id",
                lambda k: institution_names.get(k, _("Sans établissement")),
            ),
            Breakdown(_("Par programme"), programme_rows),
        ],
        completion_rate=_rate(totals["done"], totals["enrolled"]),
        median_days=_median(sorted(all_buckets.items())),
        refreshed_at=NationalStat.objects.aggregate(t=Max("refreshed_at"))["t"],
    )


def national_csv_rows(figures: NationalFigures) -> list[list[Any]]:
    """The dashboard's figures as CSV rows (header first)."""
    rows: list[list[Any]] = [
        [
            "section",
            "label",
            "year",
            "learners_trained",
            "enrolments",
            "completions",
            "completion_rate_pct",
            "median_days_to_complete",
            "target",
        ]
    ]
    for y, n in figures.trained_by_year:
        rows.append(["per_year", str(y), y, n, "", "", "", "", figures.annual_target])
    rows.append(
        [
            "five_years",
            f"{figures.five_year_window[0]}-{figures.five_year_window[1]}",
            figures.year,
            figures.cumulative_five_years,
            "",
            "",
            "",
            "",
            figures.five_year_target,
        ]
    )
    rows.append(
        [
            "total",
            "all",
            figures.year,
            figures.trained_this_year,
            "",
            "",
            _fmt(figures.completion_rate),
            _fmt(figures.median_days),
            figures.annual_target,
        ]
    )
    names = ("profession", "region", "institution", "programme")
    for name, breakdown in zip(names, figures.breakdowns, strict=True):
        for r in breakdown.rows:
            rows.append(
                [
                    name,
                    str(r["label"]),
                    figures.year,
                    r["trained"],
                    r["enrolled"],
                    r["completions"],
                    _fmt(r["completion_rate"]),
                    _fmt(r.get("median_days")),
                    "",
                ]
            )
    return rows


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


# --- reading gates: attempts ------------------------------------------------------------------

#: Case-set criteria keys that describe a sample, not the cases it was drawn from.
SAMPLE_KEYS = ("sample_size", "seed", "excluded_seen_with_truth")

SUPERCLASS_NAMES = {
    "NORM": gettext_lazy("ECG normal"),
    "MI": gettext_lazy("Infarctus du myocarde"),
    "STTC": gettext_lazy("Anomalies du segment ST et de l'onde T"),
    "CD": gettext_lazy("Troubles de la conduction"),
    "HYP": gettext_lazy("Hypertrophie"),
}


@dataclass(frozen=True)
class SuperclassMiss:
    """How often a learner's unaided decision on one superclass differed from the experts' truth."""

    code: str
    name: str
    errors: int
    missed: int  # present, not chosen
    false_alarms: int  # chosen, absent
    reads: int


def missed_superclasses(session: Any) -> list[SuperclassMiss]:
    """Per superclass, the unaided reads of a session whose decision differs from the truth, most
    errors first; only reads whose truth the learner may already see count (the truth-visibility
    rule of :func:`medtandem.apps.reading.selectors.revealed_reads`)."""
    reads = list(
        revealed_reads(
            Read.objects.filter(session=session, condition=Condition.UNAIDED)
        ).select_related("case")
    )
    rows = []
    for code, name in SUPERCLASS_NAMES.items():
        key = code.lower()
        missed = sum(1 for r in reads if getattr(r.case, key) and not getattr(r, key))
        alarms = sum(1 for r in reads if not getattr(r.case, key) and getattr(r, key))
        if missed + alarms:
            rows.append(
                SuperclassMiss(code, str(name), missed + alarms, missed, alarms, len(reads))
            )
    return sorted(rows, key=lambda m: (-m.errors, m.code))


@dataclass(frozen=True)
class AttemptSummary:
    number: int
    session: Any
    started_at: datetime | None
    completed_at: datetime | None
    score: int | None
    passed: bool | None  # None while the session is open
    case_ids: list[int]
    case_labels: list[str]
    replaced_seen: int


@dataclass(frozen=True)
class AttemptPool:
    """Where a new attempt's cases come from: the activity's case-set criteria (the whole bank when
    none), minus the cases the learner saw with their truth and those of their earlier attempts."""

    criteria: dict[str, Any]
    excluded: frozenset[int]
    needed: int
    available: int

    @property
    def enough(self) -> bool:
        return self.available >= self.needed


@dataclass(frozen=True)
class GateState:
    """A learner's attempts at a reading gate and whether (and when) a new attempt opens."""

    activity: Activity
    attempts: list[AttemptSummary]
    done: bool
    failed: bool
    attempts_left: int
    next_attempt_at: datetime | None
    refusal: str | None
    missed: list[SuperclassMiss]

    @property
    def current(self) -> AttemptSummary | None:
        return self.attempts[-1] if self.attempts else None

    @property
    def can_retry(self) -> bool:
        return self.failed and self.refusal is None


def case_set_criteria(case_set: Any) -> dict[str, Any]:
    """The filters a case set was drawn from, without the sampling keys."""
    return {k: v for k, v in (case_set.criteria or {}).items() if k not in SAMPLE_KEYS}


def attempt_pool(learner: Any, activity: Activity) -> AttemptPool:
    earlier = ReadingLink.objects.filter(learner=learner, activity=activity)
    previous: set[int] = set()
    for link in earlier.select_related("session__case_set"):
        previous |= set(link.session.case_set.cases.values_list("pk", flat=True))
    excluded = frozenset(cases_seen_with_truth([learner]) | previous)
    case_set = activity.case_set
    if case_set is None:
        raise ValueError(f"activity {activity.pk} is not a reading gate: it has no case set")
    criteria = case_set_criteria(case_set)
    available = filter_cases(**criteria).exclude(pk__in=excluded).count()
    return AttemptPool(criteria, excluded, case_set.cases.count(), available)


def _duration(delta: timedelta) -> str:
    minutes = max(
        1, int(-(-delta.total_seconds() // 60))
    )  # round up: never say "0 min" while refusing
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("%(h)d h %(m)02d min") % {"h": hours, "m": minutes}
    return _("%d min") % minutes


def attempts_of(learner: Any, activity: Activity) -> list[AttemptSummary]:
    links = (
        ReadingLink.objects.filter(learner=learner, activity=activity)
        .select_related("session__case_set")
        .order_by("attempt")
    )
    out = []
    for link in links:
        session = link.session
        cases = [(c.pk, c.external_id) for c in session.case_set.ordered_cases()]
        score = unaided_accuracy(session) if session.completed_at else None
        passed = None
        if session.completed_at is not None:
            passed = activity.pass_level is None or (
                score is not None and score >= activity.pass_level
            )
        out.append(
            AttemptSummary(
                link.attempt,
                session,
                link.started_at or session.created_at,
                session.completed_at,
                score,
                passed,
                [pk for pk, _e in cases],
                [str(e) for _pk, e in cases],
                link.replaced_seen,
            )
        )
    return out


def gate_state(learner: Any, activity: Activity, *, now: datetime | None = None) -> GateState:
    """The rules of a new attempt at a reading gate (see docs/curriculum.md, "Gate attempts"):
    the current attempt is finished below the pass level, the activity is not validated, fewer than
    ``max_attempts`` attempts were made, ``retry_wait_hours`` have passed since the last one ended,
    and enough cases the learner has not seen remain."""
    now = now or timezone.now()
    attempts = attempts_of(learner, activity)
    done = Completion.objects.filter(learner=learner, activity=activity).exists()
    current = attempts[-1] if attempts else None
    failed = bool(current and current.passed is False and not done)
    left = max(0, activity.max_attempts - len(attempts))
    next_at: datetime | None = None
    refusal = None
    missed: list[SuperclassMiss] = []
    # A failed attempt is a finished one (passed is None until the session is completed).
    if failed and current is not None and current.completed_at is not None:
        missed = missed_superclasses(current.session)
        next_at = current.completed_at + timedelta(hours=activity.retry_wait_hours)
        if not left:
            refusal = _(
                "Nombre maximum de tentatives atteint (%d). Contactez votre enseignant·e."
            ) % (activity.max_attempts)
        elif now < next_at:
            refusal = _(
                "Prochaine tentative possible dans %(wait)s (délai de %(h)d h entre deux tentatives)."
            ) % {"wait": _duration(next_at - now), "h": activity.retry_wait_hours}
        else:
            pool = attempt_pool(learner, activity)
            if not pool.enough:
                refusal = _(
                    "Plus assez d'ECG que vous n'avez jamais vus pour une nouvelle tentative : "
                    "%(a)d disponibles, %(n)d nécessaires. Contactez votre enseignant·e."
                ) % {"a": pool.available, "n": pool.needed}
    return GateState(activity, attempts, done, failed, left, next_at, refusal, missed)


@dataclass(frozen=True)
class LearnerAttempts:
    learner: User
    attempts: list[AttemptSummary]
    done: bool


def reading_attempts_for_staff(staff: Any, activity: Activity) -> list[LearnerAttempts]:
    """Every attempt of every learner the staff member may see, for one reading activity."""
    learner_ids = (
        ReadingLink.objects.filter(activity=activity, learner__in=learners_visible_to(staff))
        .values_list("learner_id", flat=True)
        .distinct()
    )
    done = set(Completion.objects.filter(activity=activity).values_list("learner_id", flat=True))
    learners = User.objects.filter(pk__in=list(learner_ids)).order_by("last_name", "username")
    return [LearnerAttempts(u, attempts_of(u, activity), u.pk in done) for u in learners]


# --- pages: time measured on the server -------------------------------------------------------


def page_time_floor(activity: Activity) -> timedelta:
    """The reading time a page needs before it credits its hours: ``CURRICULUM_PAGE_TIME_SHARE``
    (default 10 %) of the hours credited, at least ``CURRICULUM_PAGE_MIN_MINUTES`` (default 2)."""
    share = float(getattr(settings, "CURRICULUM_PAGE_TIME_SHARE", 0.10))
    minimum = float(getattr(settings, "CURRICULUM_PAGE_MIN_MINUTES", 2))
    return timedelta(seconds=max(minimum * 60, share * float(activity.hours) * 3600))


def visit_of(learner: Any, activity: Activity) -> ActivityVisit | None:
    if not getattr(learner, "is_authenticated", False):
        return None
    return ActivityVisit.objects.filter(learner=learner, activity=activity).first()


def page_time_remaining(
    learner: Any, activity: Activity, *, now: datetime | None = None
) -> timedelta | None:
    """How long the learner must still wait before the page credits its hours (zero: now); None when
    the server never served the page to them."""
    visit = visit_of(learner, activity)
    if visit is None:
        return None
    elapsed = (now or timezone.now()) - visit.first_served_at
    return max(timedelta(0), page_time_floor(activity) - elapsed)


def format_duration(delta: timedelta) -> str:
    return _duration(delta)


def format_hours(value: Any) -> str:
    """Hours as a learner reads them: ``5``, ``0,5`` (French) / ``0.5`` (English), never ``5.00``."""
    amount = Decimal(str(value))
    places = (
        0 if amount == amount.to_integral_value() else len(str(amount.normalize()).split(".")[-1])
    )
    return number_format(amount, decimal_pos=places)


def check_questions_passed(learner: Any, activity: Activity) -> bool:
    """A page's check questions (its quiz, when it has one) passed; True when it has none."""
    if activity.quiz_id is None:
        return True
    return QuizAttempt.objects.filter(
        learner=learner, quiz_id=activity.quiz_id, passed=True
    ).exists()


# --- attestations: what the hours rest on ----------------------------------------------------


def missing_quizzes(learner: Any, programme: Programme | int) -> list[Activity]:
    """The programme's domain quizzes (quiz activities of modules crediting a domain, required or
    not) the learner has not passed: an attestation needs every one of them."""
    quizzes = Activity.objects.filter(
        module__programme=programme,
        kind=Activity.Kind.QUIZ,
        module__domain__isnull=False,
        quiz__isnull=False,
    )
    passed = set(
        QuizAttempt.objects.filter(
            learner=learner, passed=True, quiz_id__in=quizzes.values("quiz_id")
        ).values_list("quiz_id", flat=True)
    )
    return [a for a in quizzes.order_by("module__position", "position") if a.quiz_id not in passed]


def evidence_of(enrolment: Enrolment) -> dict[str, Any]:
    """How each credited hour of an enrolment is evidenced, as plain JSON (frozen on the attestation):
    pages with the reading time measured by the server, quizzes with the best passing score,
    events with the attendance recorded, reading sessions with their unaided score and attempts.
    Completions with none of these are listed under ``unevidenced``."""
    learner_id, programme_id = enrolment.learner_id, enrolment.programme_id
    completions = (
        Completion.objects.filter(learner_id=learner_id, programme_id=programme_id)
        .select_related("activity__quiz")
        .order_by("activity__module__position", "activity__position")
    )
    visits = {
        v.activity_id: v
        for v in ActivityVisit.objects.filter(
            learner_id=learner_id, activity__module__programme_id=programme_id
        )
    }
    best: dict[int, Decimal] = {}
    for quiz_id, score in QuizAttempt.objects.filter(
        learner_id=learner_id, passed=True
    ).values_list("quiz_id", "score"):
        best[quiz_id] = max(score, best.get(quiz_id, Decimal(0)))
    present = set(
        Attendance.objects.filter(
            learner_id=learner_id, activity__module__programme_id=programme_id
        ).values_list("activity_id", flat=True)
    )
    links: dict[int, int] = {}
    for activity_id, attempt in ReadingLink.objects.filter(learner_id=learner_id).values_list(
        "activity_id", "attempt"
    ):
        links[activity_id] = max(attempt, links.get(activity_id, 0))
    out: dict[str, Any] = {
        "pages": [],
        "quizzes": [],
        "events": [],
        "readings": [],
        "unevidenced": [],
    }
    for c in completions:
        a = c.activity
        row: dict[str, Any] = {"title": a.title, "hours": str(a.hours)}
        if a.kind == Activity.Kind.PAGE and a.pk in visits:
            seconds = max(0, int((c.completed_at - visits[a.pk].first_served_at).total_seconds()))
            row["minutes"] = seconds // 60
            if a.quiz_id is not None and a.quiz_id in best:
                row["check_score"] = str(best[a.quiz_id])
            out["pages"].append(row)
        elif a.kind == Activity.Kind.QUIZ and a.quiz_id in best:
            row.update(score=str(best[a.quiz_id]), pass_mark=a.quiz.pass_mark if a.quiz else None)
            out["quizzes"].append(row)
        elif a.kind == Activity.Kind.EVENT and a.pk in present:
            out["events"].append(row)
        elif a.kind == Activity.Kind.READING and a.pk in links:
            row.update(score=c.score, attempts=links[a.pk], pass_level=a.pass_level)
            out["readings"].append(row)
        else:
            out["unevidenced"].append(row)
    for key in ("pages", "quizzes", "events", "readings", "unevidenced"):
        out[f"{key}_hours"] = str(sum((Decimal(r["hours"]) for r in out[key]), Decimal(0)))
    out["pages_minutes"] = sum(r["minutes"] for r in out["pages"])
    return out


def evidence_lines(evidence: dict[str, Any], *, public: bool = False) -> list[str]:
    """The evidence of an attestation in sentences (``public``: without scores, for the open
    verification page)."""
    if not evidence:
        return [_("Preuves non enregistrées : attestation délivrée avant leur enregistrement.")]
    lines = []
    pages = evidence.get("pages") or []
    if pages:
        lines.append(
            ngettext(
                "Pages de contenu : %(h)s h sur %(n)d page, %(m)d min de lecture mesurées par le "
                "serveur.",
                "Pages de contenu : %(h)s h sur %(n)d pages, %(m)d min de lecture mesurées par le "
                "serveur.",
                len(pages),
            )
            % {
                "h": format_hours(evidence["pages_hours"]),
                "n": len(pages),
                "m": evidence["pages_minutes"],
            }
        )
    quizzes = evidence.get("quizzes") or []
    if quizzes:
        if public:
            lines.append(
                _("Quiz réussis : %(n)d (%(h)s h).")
                % {"n": len(quizzes), "h": format_hours(evidence["quizzes_hours"])}
            )
        else:
            scores = ", ".join(f"{q['title']} {Decimal(q['score']):.0f} %" for q in quizzes)
            lines.append(
                _("Quiz réussis : %(n)d (%(h)s h) — %(scores)s.")
                % {
                    "n": len(quizzes),
                    "h": format_hours(evidence["quizzes_hours"]),
                    "scores": scores,
                }
            )
    events = evidence.get("events") or []
    if events:
        lines.append(
            _("Événements avec présence enregistrée : %(n)d (%(h)s h).")
            % {"n": len(events), "h": format_hours(evidence["events_hours"])}
        )
    readings = evidence.get("readings") or []
    if readings:
        if public:
            lines.append(
                _("Séances de lecture d'ECG terminées : %(n)d (%(h)s h).")
                % {"n": len(readings), "h": format_hours(evidence["readings_hours"])}
            )
        else:
            detail = ", ".join(
                f"{r['title']} {r['score']} %" if r.get("score") is not None else r["title"]
                for r in readings
            )
            lines.append(
                _("Séances de lecture d'ECG terminées : %(n)d (%(h)s h) — %(d)s.")
                % {"n": len(readings), "h": format_hours(evidence["readings_hours"]), "d": detail}
            )
    if evidence.get("unevidenced"):
        lines.append(
            _("Sans preuve enregistrée : %(n)d activités (%(h)s h).")
            % {"n": len(evidence["unevidenced"]), "h": format_hours(evidence["unevidenced_hours"])}
        )
    return lines


# --- institution scoping ----------------------------------------------------------------------


def learners_visible_to(staff: Any) -> QuerySet[User]:
    """The learners a staff member may see in the curriculum: everyone for administrators; for an
    instructor, the learners of their cohorts and of the institutions they teach in."""
    if has_role(staff, Role.ADMINISTRATOR):
        return User.objects.all()
    institutions = institutions_of(staff, Role.INSTRUCTOR)
    cohorts = learners_of_instructor(staff).values("pk")
    return User.objects.filter(Q(pk__in=cohorts) | Q(institution_id__in=institutions)).distinct()


def enrolments_visible_to(staff: Any, programme: Programme) -> QuerySet[Enrolment]:
    return (
        Enrolment.objects.filter(
            programme=programme, learner__in=learners_visible_to(staff).values("pk")
        )
        .select_related("learner")
        .order_by("-enrolled_at")
    )


def quiz_for_staff(staff: Any, pk: int, *, change: bool) -> Quiz | None:
    """The quiz when the staff member may change it (``change``) or export it; None otherwise, so
    that a quiz of another institution answers as if it did not exist.

    Administrators: any quiz. Instructors: their institutions' quizzes, and shared ones for export."""
    quiz = Quiz.objects.filter(pk=pk).first()
    if quiz is None or has_role(staff, Role.ADMINISTRATOR):
        return quiz
    if not has_role(staff, Role.INSTRUCTOR):
        return None
    mine = quiz.owner_institution_id is not None and quiz.owner_institution_id in institutions_of(
        staff, Role.INSTRUCTOR
    )
    return quiz if mine or (quiz.shared and not change) else None


def completed_programme_on(learner: User, programme: Programme) -> date | None:
    """The day ``learner`` completed ``programme`` on MedTandem (None when not completed)."""
    done = (
        Enrolment.objects.filter(learner=learner, programme=programme, completed_at__isnull=False)
        .values_list("completed_at", flat=True)
        .first()
    )
    return timezone.localdate(done) if done else None


def learners_per_programme_kind(*, simulated: bool = False) -> dict[str, int]:
    """Distinct learners enrolled in MedTandem programmes, per programme kind (real or simulated)."""
    rows = (
        Enrolment.objects.filter(learner__is_simulated=simulated)
        .values("programme__kind")
        .annotate(n=Count("learner", distinct=True))
    )
    return {r["programme__kind"]: r["n"] for r in rows}
