"""A simulated cohort for ``make demo``: learners who read the discovery set in hybrid practice.

So that the instructor's cohort pages (progress, reliance, assignment) have something to show. The
learners are marked simulated (``User.is_simulated``: excluded from real statistics); their reads
are stored through :func:`services.record_reads` with back-dated times, ratings drawn by
:mod:`medtandem.reliance.simulate` against the case bank's truth and the AI suggestion actually
cached for the session's model.
"""

from __future__ import annotations

import math
import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from medtandem.apps.accounts.models import Cohort, Institution, Profession, Role, User
from medtandem.apps.accounts.services import add_to_cohort, create_people_in_bulk
from medtandem.apps.cases.models import CaseSet
from medtandem.apps.cases.services import suggestion_for
from medtandem.apps.reading.models import Condition, Mode
from medtandem.apps.reading.services import ReadAnswer, RecordedRead, assign, cases_of, record_reads
from medtandem.ecg.ptbxl import SUPERCLASSES
from medtandem.reliance.simulate import reader_profile, simulated_rating

PREFIX = "cohorte-simule-"


@transaction.atomic
def load_demo_cohort(
    cohort: Cohort,
    case_set: CaseSet,
    *,
    institution: Institution | None,
    assigned_by: User,
    n_learners: int = 14,
    seed: int = 2026,
) -> int:
    """Add ``n_learners`` simulated learners to ``cohort`` who read ``case_set`` (once). Returns reads stored."""
    if User.objects.filter(username__startswith=PREFIX).exists():
        return 0
    rng = random.Random(seed)
    learners = create_people_in_bulk(
        [
            {
                "username": f"{PREFIX}{i:02d}",
                "first_name": "Étudiant·e",
                "last_name": f"simulé·e {i:02d}",
                "profession": Profession.MEDICINE,
                "institution": institution,
                "is_simulated": True,
                "years_experience": rng.choice((0, 0, 1, 1, 2, 3, 5)),
                "study_year": rng.randint(4, 6),
            }
            for i in range(1, n_learners + 1)
        ],
        role=Role.LEARNER,
    )
    add_to_cohort(cohort, learners=learners)
    assignment = assign(
        case_set,
        learners,
        mode=Mode.PRACTICE,
        title="Pratique hybride — découverte",
        created_by=assigned_by,
    )
    start = timezone.now() - timedelta(days=10)
    reads: list[RecordedRead] = []
    for k, session in enumerate(
        assignment.sessions.filter(learner__in=learners).select_related("learner")
    ):
        profile = reader_profile(session.learner.years_experience, rng)
        t = start + timedelta(days=k % 7, hours=9 + k % 5)
        for case in cases_of(session)[: rng.randint(6, len(cases_of(session)))]:
            prediction = suggestion_for(case, session.ai_model_name, session.ai_model_version)
            for condition in (Condition.UNAIDED, Condition.AIDED):
                shown = prediction if condition == Condition.AIDED else None
                ratings = {
                    s: simulated_rating(
                        getattr(case, s.lower()),
                        profile,
                        rng,
                        float(shown.probabilities.get(s, 0.5)) if shown else None,
                    )
                    for s in SUPERCLASSES
                }
                afib = (
                    case.rhythm == "afib_flutter"
                    if rng.random() < 0.8
                    else case.rhythm != "afib_flutter"
                )
                seconds = (
                    rng.lognormvariate(math.log(60 if condition == Condition.UNAIDED else 35), 0.4)
                    * profile.speed
                )
                opened, t = t, t + timedelta(seconds=seconds + 4)
                answer = ReadAnswer(
                    ratings, "afib_flutter" if afib else "sinus", client_time_ms=int(seconds * 1000)
                )
                reads.append(RecordedRead(session, case, condition, answer, opened, t, shown))
    return record_reads(reads)
