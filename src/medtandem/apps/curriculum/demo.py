"""Demo data: the two frameworks, the 28-hour core programme, an "IA en santé" programme using the
hybrid ECG reading, and simulated learners (``User.is_simulated``) so the national dashboard shows
figures. Idempotent: running it again changes nothing already there.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from medtandem.apps.accounts.models import Profession, Role, User
from medtandem.apps.accounts.services import (
    add_to_cohort,
    create_people_in_bulk,
    get_or_create_cohort,
    get_or_create_institution,
)
from medtandem.apps.curriculum import content, selectors, services
from medtandem.apps.curriculum.models import (
    Activity,
    ActivityVisit,
    Competency,
    Completion,
    Domain,
    Enrolment,
    Framework,
    Module,
    Programme,
    Quiz,
    QuizAttempt,
)

CORE_SLUG = "socle-numerique-sante"
AI_SLUG = "ia-en-sante"
SIM_PREFIX = "sim-"

#: (institution, kind, region)
INSTITUTIONS = [
    ("UFR Santé — Lille (démo)", "faculty", "Hauts-de-France"),
    ("IFSI de Rouen (démo)", "school", "Normandie"),
    ("Faculté de santé de Rennes (démo)", "faculty", "Bretagne"),
    ("IFMK de Nantes (démo)", "school", "Pays de la Loire"),
    ("UFR Sciences médicales — Bordeaux (démo)", "faculty", "Nouvelle-Aquitaine"),
    ("Faculté de santé de Toulouse (démo)", "faculty", "Occitanie"),
    ("Faculté de médecine de Marseille (démo)", "faculty", "Provence-Alpes-Côte d'Azur"),
    ("UFR Santé — Lyon (démo)", "faculty", "Auvergne-Rhône-Alpes"),
    ("IFSI de Dijon (démo)", "school", "Bourgogne-Franche-Comté"),
    ("Faculté de santé de Strasbourg (démo)", "faculty", "Grand Est"),
    ("Faculté de santé de Paris (démo)", "faculty", "Île-de-France"),
    ("CHU de Tours (démo)", "hospital", "Centre-Val de Loire"),
    ("Université de la Réunion — santé (démo)", "faculty", "La Réunion"),
]
PROFESSION_WEIGHTS = [
    (Profession.MEDICINE, 30),
    (Profession.NURSING, 35),
    (Profession.PHARMACY, 10),
    (Profession.PHYSIOTHERAPY, 10),
    (Profession.MAIEUTICS, 6),
    (Profession.ODONTOLOGY, 6),
    (Profession.OTHER, 3),
]


@dataclass(frozen=True)
class DemoReport:
    programmes: int
    simulated_learners: int
    national_rows: int


def load_framework(spec: dict[str, Any]) -> Framework:
    framework, _ = Framework.objects.get_or_create(
        slug=spec["slug"],
        defaults={
            "name": spec["name"],
            "reference": spec["reference"],
            "description": spec["description"],
        },
    )
    for position, (code, name, hours, competencies) in enumerate(spec["domains"]):
        domain, _ = Domain.objects.get_or_create(
            framework=framework,
            code=code,
            defaults={"name": name, "hours": hours, "position": position},
        )
        for i, (ccode, cname) in enumerate(competencies):
            Competency.objects.get_or_create(
                domain=domain, code=ccode, defaults={"name": cname, "position": i}
            )
    return framework


def _quiz(title: str, gift: str, pass_mark: int = 60, max_attempts: int | None = 3) -> Quiz:
    """A national demo quiz: shared with every institution (exported and used by all, changed by
    administrators only, as it has no owner institution)."""
    quiz = Quiz.objects.create(
        title=title, pass_mark=pass_mark, max_attempts=max_attempts, shared=True
    )
    services.import_questions(quiz, gift, "gift")
    return quiz


def load_core_programme() -> Programme:
    existing = Programme.objects.filter(slug=CORE_SLUG).first()
    if existing:
        return existing
    framework = load_framework(content.CORE_FRAMEWORK)
    programme = Programme.objects.create(
        slug=CORE_SLUG,
        title="Formation socle au numérique en santé",
        kind=Programme.Kind.CORE,
        hours=Decimal(28),
        ects=Decimal(2),
        framework=framework,
        summary="Le socle commun à tous les étudiants en santé (arrêté du 10 novembre 2022) : **28 heures** "
        "en cinq domaines, à valider au plus tard en troisième année, avec une attestation.",
    )
    for position, domain in enumerate(framework.domains.order_by("position")):
        page_title, page_body, quiz_title, gift = content.CORE_PAGES[domain.code]
        module = Module.objects.create(
            programme=programme, title=domain.name, position=position, domain=domain
        )
        competencies = list(domain.competencies.all())
        page = Activity.objects.create(
            module=module,
            kind=Activity.Kind.PAGE,
            title=page_title,
            position=0,
            hours=domain.hours - 1,
            body=page_body,
        )
        page.competencies.set(competencies)
        quiz = Activity.objects.create(
            module=module,
            kind=Activity.Kind.QUIZ,
            title=quiz_title,
            position=1,
            hours=1,
            quiz=_quiz(quiz_title, gift),
        )
        quiz.competencies.set(competencies)
        if domain.code == "D5":
            Activity.objects.create(
                module=module,
                kind=Activity.Kind.EVENT,
                title="Webinaire : un an de télésurveillance en cardiologie",
                position=2,
                hours=0,
                is_required=False,
                event_kind=Activity.EventKind.WEBINAR,
                location="En ligne",
            )
    return programme


#: The modules of the "IA en santé" programme, in order: (title, a competency of its domain, the
#: competency its hybrid reading measures, whether the previous module comes first, activities);
#: an activity is (its fields, its competencies), a quiz's field is (title, GIFT questions).
AI_MODULES: tuple[
    tuple[str, str, str | None, bool, tuple[tuple[dict[str, Any], tuple[str, ...]], ...]], ...
] = (
    (
        "Comprendre l'IA en santé",
        "IA1.1",
        None,
        False,
        (
            (
                {
                    "kind": Activity.Kind.PAGE,
                    "title": "Ce que fait (et ne fait pas) une IA d'aide au diagnostic",
                    "hours": 1,
                    "body": content.AI_INTRO_PAGE,
                },
                ("IA1.1", "IA1.2", "IA4.2"),
            ),
            (
                {
                    "kind": Activity.Kind.QUIZ,
                    "title": "Quiz — IA en santé",
                    "hours": Decimal("0.5"),
                    "quiz": ("Quiz — IA en santé", content.AI_QUIZ),
                },
                ("IA1.2", "IA4.2", "IA5.2"),
            ),
        ),
    ),
    (
        "Lecture hybride de l'ECG",
        "IA4.1",
        "IA4.1",
        True,
        (
            (
                {
                    "kind": Activity.Kind.READING,
                    "title": "Lecture d'ECG sans IA (niveau requis)",
                    "hours": 2,
                    "reading_mode": Activity.ReadingMode.UNAIDED,
                    "pass_level": 60,
                },
                ("IA4.1", "IA4.3"),
            ),
            (
                {
                    "kind": Activity.Kind.READING,
                    "title": "Lecture hybride : seul, puis avec l'IA",
                    "hours": 2,
                    "reading_mode": Activity.ReadingMode.PRACTICE,
                },
                ("IA4.2", "IA3.2"),
            ),
        ),
    ),
    (
        "Réglementation, éthique et sobriété",
        "IA5.1",
        None,
        False,
        (
            (
                {
                    "kind": Activity.Kind.PAGE,
                    "title": "RGPD, règlement européen sur l'IA et IA frugale",
                    "hours": Decimal("0.5"),
                    "body": content.AI_REGULATION_PAGE,
                },
                ("IA5.1", "IA5.2", "IA6.1"),
            ),
        ),
    ),
)


def load_ai_programme(reading_case_set: Any = None) -> Programme:
    programme = Programme.objects.filter(slug=AI_SLUG).first()
    if programme is None:
        framework = load_framework(content.AI_FRAMEWORK)
        comp = {c.code: c for c in Competency.objects.filter(domain__framework=framework)}
        programme = Programme.objects.create(
            slug=AI_SLUG,
            title="IA en santé : lire l'ECG avec et sans l'IA",
            kind=Programme.Kind.COURSE,
            hours=Decimal(6),
            framework=framework,
            summary="Comprendre une IA d'aide au diagnostic, puis la pratiquer sur de vrais ECG : lecture "
            "**seule** d'abord (niveau requis), **avec l'IA** ensuite.",
        )
        made: list[Module] = []
        for position, (title, code, hybrid, after_previous, activities) in enumerate(AI_MODULES):
            module = Module.objects.create(
                programme=programme,
                title=title,
                position=position,
                domain=comp[code].domain,
                **({"hybrid_competency": comp[hybrid]} if hybrid else {}),
            )
            if after_previous:
                module.prerequisites.add(made[-1])
            for i, (fields, codes) in enumerate(activities):
                if "quiz" in fields:
                    fields = {**fields, "quiz": _quiz(*fields["quiz"])}
                activity = Activity.objects.create(module=module, position=i, **fields)
                activity.competencies.set([comp[c] for c in codes])
            made.append(module)
    readings = Activity.objects.filter(module__programme=programme, kind=Activity.Kind.READING)
    if reading_case_set is not None:
        readings.filter(case_set__isnull=True).update(case_set=reading_case_set, is_required=True)
    else:
        readings.filter(case_set__isnull=True).update(is_required=False)
    return programme


def _weighted(rng: random.Random, pairs: list[tuple[Any, int]]) -> Any:
    return rng.choices([p for p, _w in pairs], weights=[w for _p, w in pairs])[0]


#: How many simulated completed enrolments of the core programme get their attestation issued.
SIMULATED_ATTESTATIONS = 60


def load_simulated_learners(
    programmes: list[Programme], *, n: int, rng_seed: int, instructor: User | None = None
) -> int:
    """Simulated learners enrolled over the last four years, most of whom completed. Bulk inserts.

    Every simulated completion carries the same evidence a real one needs, with simulated
    timestamps: a page was first served longer ago than its reading-time floor, a quiz has a
    passing attempt. Attestations are then issued through :func:`services.issue_attestation`
    (which freezes that evidence) for some completed core enrolments; none is issued for a
    completion without evidence (the simulated reading activities have no reading session)."""
    if User.objects.filter(username__startswith=SIM_PREFIX, is_simulated=True).exists():
        return 0
    rng = random.Random(rng_seed)
    institutions = [
        get_or_create_institution(name, kind=kind, region=region)
        for name, kind, region in INSTITUTIONS
    ]
    people = []
    for i in range(n):
        profession = _weighted(rng, PROFESSION_WEIGHTS)
        student = rng.random() < 0.8
        people.append(
            {
                "username": f"{SIM_PREFIX}{i:05d}",
                "first_name": "Apprenant·e",
                "last_name": f"Simulé·e {i:05d}",
                "profession": profession,
                "is_simulated": True,
                "practice_status": User.PracticeStatus.STUDENT
                if student
                else User.PracticeStatus.PRACTISING,
                "study_year": rng.randint(1, 3) if student else None,
                "institution": rng.choice(institutions),
            }
        )
    users = create_people_in_bulk(people, role=Role.LEARNER)
    cohort = get_or_create_cohort("Promotion de démonstration (simulée)")
    add_to_cohort(
        cohort, learners=users[:200], instructors=[instructor] if instructor is not None else []
    )
    now = timezone.now()
    required = {
        p.pk: list(
            Activity.objects.filter(module__programme=p, is_required=True).values_list(
                "pk", flat=True
            )
        )
        for p in programmes
    }
    activities = {
        a.pk: a
        for a in Activity.objects.filter(module__programme__in=programmes).select_related("quiz")
    }
    enrolments, completions, visits, attempts = [], [], [], []
    for user in users:
        for programme in programmes:
            if programme.slug != CORE_SLUG and rng.random() > 0.35:
                continue
            # More learners each year, as the national programme ramps up.
            years_ago = _weighted(rng, [(3, 10), (2, 20), (1, 30), (0, 40)])
            enrolled = now - timedelta(
                days=years_ago * 365 + rng.randint(0, 300), hours=rng.randint(0, 23)
            )
            completed = None
            if rng.random() < 0.75:
                completed = enrolled + timedelta(days=max(1, int(rng.lognormvariate(3.6, 0.6))))
                if completed > now:
                    completed = None
            done = (
                required[programme.pk]
                if completed
                else rng.sample(
                    required[programme.pk], rng.randint(0, max(0, len(required[programme.pk]) - 1))
                )
            )
            enrolments.append(
                Enrolment(
                    programme=programme,
                    learner=user,
                    enrolled_at=enrolled,
                    source=Enrolment.Source.CSV,
                    completed_at=completed,
                    duration_days=(completed - enrolled).days if completed else None,
                )
            )
            for k, activity_id in enumerate(done):
                at = min(completed or (enrolled + timedelta(days=k + 1)), now)
                activity = activities[activity_id]
                completions.append(
                    Completion(
                        learner=user, activity_id=activity_id, programme=programme, completed_at=at
                    )
                )
                if activity.kind == Activity.Kind.PAGE:
                    opened = (
                        at
                        - selectors.page_time_floor(activity)
                        - timedelta(minutes=rng.randint(1, 40))
                    )
                    visits.append(
                        ActivityVisit(
                            learner=user,
                            activity=activity,
                            first_served_at=opened,
                            last_served_at=at,
                            views=rng.randint(1, 3),
                        )
                    )
                elif activity.kind == Activity.Kind.QUIZ and activity.quiz is not None:
                    score = Decimal(rng.randint(activity.quiz.pass_mark, 100))
                    attempts.append(
                        QuizAttempt(
                            quiz=activity.quiz,
                            activity=activity,
                            learner=user,
                            score=score,
                            passed=True,
                            submitted_at=at,
                        )
                    )
    Enrolment.objects.bulk_create(enrolments, batch_size=2000)
    Completion.objects.bulk_create(completions, batch_size=5000)
    ActivityVisit.objects.bulk_create(visits, batch_size=5000)
    QuizAttempt.objects.bulk_create(attempts, batch_size=5000)
    core = [p for p in programmes if p.slug == CORE_SLUG]
    for enrolment in (
        Enrolment.objects.filter(
            programme__in=core, learner__is_simulated=True, completed_at__isnull=False
        )
        .select_related("learner", "programme")
        .order_by("learner__username")[:SIMULATED_ATTESTATIONS]
    ):
        services.issue_attestation(enrolment)
    return len(users)


@transaction.atomic
def load_demo(
    rng_seed: int = 2024,
    reading_case_set: Any = None,
    *,
    n_learners: int = 1200,
    instructor: User | None = None,
) -> DemoReport:
    """Load the demo curriculum and simulated learners (idempotent).

    ``reading_case_set``: the case set of the hybrid-reading activities; None leaves them without one
    (shown as "not yet available", not required for completion).
    """
    core = load_core_programme()
    ai = load_ai_programme(reading_case_set)
    learners = load_simulated_learners(
        [core, ai], n=n_learners, rng_seed=rng_seed, instructor=instructor
    )
    rows = services.refresh_national_stats()
    return DemoReport(programmes=2, simulated_learners=learners, national_rows=rows)
