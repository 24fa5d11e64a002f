"""The embedded demo: real PTB-XL cases, the shipped model, demo people, sessions and programmes.

Idempotent: running it again refreshes what exists and creates what is missing.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction

from medtandem.apps.accounts.models import Institution, Profession, Role, User
from medtandem.apps.accounts.services import (
    add_to_cohort,
    create_person,
    get_or_create_cohort,
    get_or_create_institution,
    grant_role,
    set_password,
)
from medtandem.apps.cases.models import Case, CaseSet
from medtandem.apps.cases.services import (
    build_case_set,
    cache_predictions,
    current_model,
    import_demo_bank,
)
from medtandem.apps.reading.demo import load_demo_cohort
from medtandem.apps.reading.models import Mode
from medtandem.apps.reading.services import assign

#: Demo accounts: (username, password, roles, first name, last name). Printed by ``make demo``.
DEMO_PEOPLE = [
    ("apprenant", "ecg-apprenant-2026", [Role.LEARNER], "Camille", "Martin"),
    ("enseignant", "ecg-enseignant-2026", [Role.INSTRUCTOR], "Dr Hugo", "Lefèvre"),
    ("investigateur", "ecg-investigateur-2026", [Role.INVESTIGATOR], "Pr Inès", "Moreau"),
    ("admin", "ecg-admin-2026", [Role.ADMINISTRATOR, Role.ANALYST], "Nadia", "Bernard"),
]


@dataclass
class DemoReport:
    cases_imported: int = 0
    predictions_cached: int = 0
    people: list[tuple[str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _optional(module: str, name: str) -> Callable[..., object] | None:
    try:
        found: Callable[..., object] = getattr(importlib.import_module(module), name)
        return found
    except (ModuleNotFoundError, AttributeError):
        return None


def load_demo(progress: Callable[[str], None] = print) -> DemoReport:
    report = DemoReport()
    if Case.objects.filter(source="PTB-XL").count() < 500:
        progress("Importing the 500 embedded PTB-XL ECGs (500 Hz)...")
        report.cases_imported = import_demo_bank().total
    model = current_model()
    progress(f"Caching the suggestions of {model.name} {model.version} for every case...")
    report.predictions_cached = cache_predictions(
        model,
        Case.objects.exclude(
            predictions__model_name=model.name, predictions__model_version=model.version
        ),
    )
    register = _optional("medtandem.apps.observatory.services", "register_model")
    if register:
        frugality = _optional("medtandem.ai", "frugality_report")
        register(model, in_service=True, frugality=frugality() if frugality else None)

    with transaction.atomic():
        institution = get_or_create_institution(
            "Faculté de santé de démonstration", region="Île-de-France"
        )
        people = {}
        for username, password, roles, first, last in DEMO_PEOPLE:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = create_person(
                    username,
                    password,
                    roles,
                    institution=institution,
                    first_name=first,
                    last_name=last,
                    profession=Profession.MEDICINE,
                )
            else:
                set_password(user, password)
                for role in roles:
                    grant_role(user, role, institution)
            people[username] = user
            report.people.append((username, password, ", ".join(str(r.label) for r in roles)))
        cohort = get_or_create_cohort(
            "DFASM1 — promotion de démonstration", institution=institution
        )
        add_to_cohort(cohort, learners=[people["apprenant"]], instructors=[people["enseignant"]])

        discovery = CaseSet.objects.filter(name="Découverte : 12 ECG variés").first()
        if discovery is None:
            picks: list[int] = []
            for flag in ("norm", "mi", "sttc", "cd", "hyp"):
                picks += list(
                    Case.objects.filter(**{flag: True})
                    .exclude(pk__in=picks)
                    .order_by("external_id")
                    .values_list("pk", flat=True)[:2]
                )
            picks += list(
                Case.objects.filter(rhythm="afib_flutter")
                .exclude(pk__in=picks)
                .order_by("external_id")
                .values_list("pk", flat=True)[:2]
            )
            discovery = build_case_set(
                "Découverte : 12 ECG variés",
                created_by=people["enseignant"],
                description="Deux ECG de chaque superclasse et deux FA/flutter.",
                case_ids=picks,
            )
        # assign is idempotent: loading the demo again adds no assignment and no session.
        assign(
            discovery,
            [people["apprenant"]],
            mode=Mode.PRACTICE,
            title="Pratique hybride — découverte",
            created_by=people["enseignant"],
        )
        unaided_set = CaseSet.objects.filter(name="Entraînement sans IA : 10 ECG").first()
        if unaided_set is None:
            unaided_set = build_case_set(
                "Entraînement sans IA : 10 ECG",
                created_by=people["enseignant"],
                sample_size=10,
                seed=2022,
            )
        assign(
            unaided_set,
            [people["apprenant"]],
            mode=Mode.UNAIDED,
            title="Lecture sans IA — entraînement",
            created_by=people["enseignant"],
        )

    progress("Simulating a cohort of learners reading the discovery set...")
    load_demo_cohort(cohort, discovery, institution=institution, assigned_by=people["enseignant"])
    curriculum_demo = _optional("medtandem.apps.curriculum.demo", "load_demo")
    if curriculum_demo:
        progress("Loading the programmes, quizzes and simulated learners...")
        curriculum_demo(reading_case_set=discovery)
    else:
        report.notes.append("curriculum demo not available")
    study_demo = _optional("medtandem.apps.studies.demo", "load_demo_study")
    if study_demo:
        _load_demo_study(study_demo, people["investigateur"], institution, progress)
    else:
        report.notes.append("reader-study demo not available")
    observatory_demo = _optional("medtandem.apps.observatory.demo", "load_demo")
    if observatory_demo:
        report.notes.append(str(observatory_demo(progress=progress)))
    catalogue_demo = _optional("medtandem.apps.catalogue.demo", "load_demo")
    if catalogue_demo:
        progress("Filling the national catalogue with example offers...")
        username, password, role = catalogue_demo()  # type: ignore[misc]
        report.people.append((username, password, role))
    datathon_demo = _optional("medtandem.apps.datathons.demo", "load_demo")
    if datathon_demo:
        progress("Running the simulated datathon (teams submit and are scored)...")
        report.notes.append(str(datathon_demo()))
    return report


def _load_demo_study(
    study_demo: Callable[..., object],
    investigator: User,
    institution: Institution,
    progress: Callable[[str], None],
) -> None:
    """Eight simulated general practitioners read 40 ECGs with and without the AI (once)."""
    from medtandem.apps.studies.models import Study

    if Study.objects.filter(is_simulated=True).exists():
        return
    progress("Loading the simulated reader study...")
    readers = []
    for i, years in enumerate((0, 1, 2, 4, 7, 12, 18, 25), start=1):
        username = f"mg-simule-{i:02d}"
        reader = User.objects.filter(username=username).first() or create_person(
            username,
            None,
            [Role.LEARNER],
            institution=institution,
            first_name="Lecteur",
            last_name=f"simulé {i}",
            profession=Profession.MEDICINE,
            practice_status=User.PracticeStatus.PRACTISING,
            years_experience=years,
            prior_ecg_training=years >= 4,
            is_simulated=True,
        )
        readers.append(reader)
    study_set = CaseSet.objects.filter(
        name="Étude simulée : 40 ECG (IDM)"
    ).first() or build_case_set(
        "Étude simulée : 40 ECG (IDM)", created_by=investigator, sample_size=40, seed=1993
    )
    study_demo(study_set, readers, seed=1993, created_by=investigator)
