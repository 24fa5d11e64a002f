"""Read-side queries of the curriculum: what a learner may open, progress, cohorts, national figures.

National figures read only the summary tables (:class:`NationalStat`, :class:`DelayStat`), grouped
in SQL; nothing here loops over learners.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    F,
    IntegerField,
    Max,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from medtandem.apps.accounts.models import Profession, User
from medtandem.apps.accounts.selectors import learners_of_instructor
from medtandem.apps.curriculum.models import (
    Activity,
    Attestation,
    Competency,
    Completion,
    DelayStat,
    Enrolment,
    Module,
    NationalStat,
    Programme,
    QuizAttempt,
    ReadingLink,
)

ANNUAL_TARGET = 100_000
FIVE_YEAR_TARGET = 500_000


# --- what a learner may open ----------------------------------------------------------------


def enrolment_of(learner: Any, programme: Programme) -> Enrolment | None:
    if not getattr(learner, "is_authenticated", False):
        return None
    return Enrolment.objects.filter(learner=learner, programme=programme).first()


def completed_activity_ids(learner: Any, programme: Programme | int) -> set[int]:
    return set(Completion.objects.filter(learner=learner, programme=programme).values_list("activity_id", flat=True))


def module_done(learner: Any, module: Module, done: set[int] | None = None) -> bool:
    required = set(module.activities.filter(is_required=True).values_list("pk", flat=True))
    done = completed_activity_ids(learner, module.programme_id) if done is None else done
    return required <= done


def shown_without_ai(learner: Any, competency_id: int) -> bool:
    """The hybrid rule's evidence: a completed unaided activity (unaided ECG reading at its pass
    level) crediting that competency, in any programme."""
    return Completion.objects.filter(
        learner=learner, activity__kind=Activity.Kind.READING,
        activity__reading_mode=Activity.ReadingMode.UNAIDED, activity__competencies=competency_id,
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
    if (activity.ai_assisted and module.hybrid_competency_id
            and not shown_without_ai(learner, module.hybrid_competency_id)):
        return _("Règle hybride : démontrez d'abord « %s » sans IA (lecture seule au niveau requis).") % (
            module.hybrid_competency.name
        )
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
    modules = programme.modules.prefetch_related("activities", "prerequisites").select_related("hybrid_competency")
    outline = []
    for module in modules:
        states = []
        for activity in module.activities.all():
            activity.module = module
            locked = lock_reason(learner, activity) if enrolled and activity.pk not in done else None
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
    return (Competency.objects.filter(activities__module__programme=programme).distinct()
            .select_related("domain").order_by("domain__position", "position"))


def reading_session_of(learner: Any, activity: Activity) -> Any:
    link = ReadingLink.objects.filter(learner=learner, activity=activity).select_related("session").first()
    return link.session if link else None


def unaided_accuracy(session: Any) -> int | None:
    """Percent of the session's unaided reads whose five superclasses all match the experts' truth."""
    from medtandem.apps.reading.selectors import unaided_superclass_accuracy

    return unaided_superclass_accuracy(session)


def quiz_attempts(learner: Any, activity: Activity) -> QuerySet[QuizAttempt]:
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
        completions.values(framework=F("activity__module__domain__framework__name"),
                           domain=F("activity__module__domain__name"),
                           target=F("activity__module__domain__hours"))
        .annotate(hours=Sum("activity__hours"), activities=Count("id"))
        .order_by("framework", "domain")
    )
    competencies = list(
        Competency.objects.filter(activities__completions__learner=learner).distinct()
        .select_related("domain__framework").order_by("domain__framework__name", "domain__position", "position")
    )
    total = completions.aggregate(h=Coalesce(Sum("activity__hours"), Value(Decimal(0)),
                                             output_field=DecimalField()))["h"]
    enrolments = list(Enrolment.objects.filter(learner=learner).select_related("programme", "attestation"))
    return LearnerProgress(by_domain, competencies, completions.count(), total, enrolments)


def cohort_progress(
    instructor: User,
    *,
    cohort_id: int | None = None,
    programme_id: int | None = None,
    status: str = "",
    profession: str = "",
) -> QuerySet[Enrolment]:
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
    mine = Completion.objects.filter(learner=OuterRef("learner"), programme=OuterRef("programme")).order_by()
    done = mine.values("programme").annotate(c=Count("id")).values("c")
    hours = mine.values("programme").annotate(h=Sum("activity__hours")).values("h")
    required = (Activity.objects.filter(module__programme=OuterRef("programme"), is_required=True).order_by()
                .values("module__programme").annotate(c=Count("id")).values("c"))
    return (
        qs.select_related("learner__institution", "programme")
        .annotate(
            activities_done=Coalesce(Subquery(done, output_field=IntegerField()), 0),
            activities_required=Coalesce(Subquery(required, output_field=IntegerField()), 0),
            hours_done=Coalesce(Subquery(hours, output_field=DecimalField()), Value(Decimal(0)),
                                output_field=DecimalField()),
        )
        .order_by("learner__last_name", "learner__username", "programme__title")
    )


def attestation_by_code(code: str) -> Attestation | None:
    return Attestation.objects.select_related("enrolment__programme").filter(code=code.strip().upper()).first()


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
    by_year = [(r["year"], r["n"]) for r in learners.values("year").annotate(n=Sum("trained")).order_by("year")]
    this_year = dict(by_year).get(year, 0)
    window = (year - 4, year)
    cumulative = sum(n for y, n in by_year if window[0] <= y <= window[1])
    simulated = (learners.filter(year=year, is_simulated=True).aggregate(n=Sum("trained"))["n"] or 0)

    professions = dict(Profession.choices)
    medians: dict[int, list[tuple[int, int]]] = {}
    for r in (delays.filter(year=year).values("programme_id", "days").annotate(n=Sum("count"))
              .order_by("programme_id", "days")):
        medians.setdefault(r["programme_id"], []).append((r["days"], r["n"]))
    all_buckets: dict[int, int] = {}
    for buckets in medians.values():
        for d, n in buckets:
            all_buckets[d] = all_buckets.get(d, 0) + n

    def breakdown(title: str, key: str, label: Any) -> Breakdown:
        trained = {r[key]: r["n"] for r in learners.filter(year=year).values(key).annotate(n=Sum("trained"))}
        started = {r[key]: r for r in enrolments.filter(year=year).values(key).annotate(
            enrolled=Sum("enrolled"), done=Sum("enrolled_completed"), completions=Sum("trained"))}
        rows = []
        for k in sorted(set(trained) | set(started), key=lambda k: -(trained.get(k) or 0)):
            s = started.get(k, {})
            rows.append({"key": k, "label": label(k), "trained": trained.get(k, 0),
                         "enrolled": s.get("enrolled") or 0, "completions": s.get("completions") or 0,
                         "completion_rate": _rate(s.get("done"), s.get("enrolled"))})
        return Breakdown(title, rows)

    institution_names = dict(
        NationalStat.objects.filter(year=year, institution__isnull=False)
        .values_list("institution_id", "institution__name").distinct()
    )
    programme_titles = dict(Programme.objects.values_list("pk", "title"))
    programme_rows = []
    for r in (enrolments.filter(year=year).values("programme_id")
              .annotate(enrolled=Sum("enrolled"), done=Sum("enrolled_completed"), completions=Sum("trained"))
              .order_by("-completions")):
        programme_rows.append({
            "key": r["programme_id"], "label": programme_titles.get(r["programme_id"], "?"),
            "trained": r["completions"] or 0, "enrolled": r["enrolled"] or 0, "completions": r["completions"] or 0,
            "completion_rate": _rate(r["done"], r["enrolled"]),
            "median_days": _median(medians.get(r["programme_id"], [])),
        })
    totals = enrolments.filter(year=year).aggregate(enrolled=Sum("enrolled"), done=Sum("enrolled_completed"))
    return NationalFigures(
        year=year,
        include_simulated=include_simulated,
        trained_by_year=by_year,
        trained_this_year=this_year,
        simulated_this_year=simulated,
        cumulative_five_years=cumulative,
        five_year_window=window,
        breakdowns=[
            breakdown(_("Par profession"), "profession", lambda k: professions.get(k, k or _("Non renseignée"))),
            breakdown(_("Par région"), "region", lambda k: k or _("Non renseignée")),
            breakdown(_("Par établissement"), "institution_id",
                      lambda k: institution_names.get(k, _("Sans établissement"))),
            Breakdown(_("Par programme"), programme_rows),
        ],
        completion_rate=_rate(totals["done"], totals["enrolled"]),
        median_days=_median(sorted(all_buckets.items())),
        refreshed_at=NationalStat.objects.aggregate(t=Max("refreshed_at"))["t"],
    )


def national_csv_rows(figures: NationalFigures) -> list[list[Any]]:
    """The dashboard's figures as CSV rows (header first)."""
    rows: list[list[Any]] = [["section", "label", "year", "learners_trained", "enrolments", "completions",
                              "completion_rate_pct", "median_days_to_complete", "target"]]
    for y, n in figures.trained_by_year:
        rows.append(["per_year", str(y), y, n, "", "", "", "", figures.annual_target])
    rows.append(["five_years", f"{figures.five_year_window[0]}-{figures.five_year_window[1]}", figures.year,
                 figures.cumulative_five_years, "", "", "", "", figures.five_year_target])
    rows.append(["total", "all", figures.year, figures.trained_this_year, "", "",
                 _fmt(figures.completion_rate), _fmt(figures.median_days), figures.annual_target])
    names = ("profession", "region", "institution", "programme")
    for name, breakdown in zip(names, figures.breakdowns, strict=True):
        for r in breakdown.rows:
            rows.append([name, str(r["label"]), figures.year, r["trained"], r["enrolled"], r["completions"],
                         _fmt(r["completion_rate"]), _fmt(r.get("median_days")), ""])
    return rows


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:g}"
