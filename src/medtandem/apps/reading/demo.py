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
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from medtandem.apps.accounts.models import Cohort, Institution, Profession, Role, User
from medtandem.apps.accounts.services import add_to_cohort, create_people_in_bulk
from medtandem.apps.cases.models import Case, CaseSet
from medtandem.apps.cases.services import build_case_set, suggestion_for
from medtandem.apps.reading.models import Condition, Mode, ReadingAssignment, RereadSchedule
from medtandem.apps.reading.services import (
    ReadAnswer,
    RecordedRead,
    assign,
    cases_of,
    open_due_rereads,
    record_reads,
    reveal_finished_reread,
    schedule_rereads,
)
from medtandem.ecg.ptbxl import SUPERCLASSES
from medtandem.reliance.simulate import ReaderProfile, reader_profile, simulated_rating

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
    profiles: dict[int, ReaderProfile] = {}
    # The discovery set in hybrid practice, 10 days ago (its draws are those the demo always made, so
    # the figures of docs/reliance.md's before/after table still come out of it).
    stored = _hybrid(assignment, profiles, rng, timezone.now() - timedelta(days=10), days=7)
    # The cohort's periodic unaided re-read of a fixed set: round 0 twelve days ago (before any AI),
    # round 1 yesterday (after the practice); round 2 is not due yet. The real demo learner, who
    # missed round 0, finds round 1 open on their dashboard.
    later = random.Random(seed + 1)
    today = timezone.localdate()
    reread_set = build_case_set(
        "8 ECG de référence",
        created_by=assigned_by,
        description="Série fixe relue sans IA à intervalle régulier (veille de la déqualification).",
        sample_size=8,
        seed=seed + 1,
        exclude_case_ids=list(case_set.cases.values_list("pk", flat=True)),
    )
    schedule = schedule_rereads(
        cohort,
        reread_set,
        period_days=11,
        starts_on=today - timedelta(days=12),
        created_by=assigned_by,
    )
    stored += _reread_round(schedule, learners, profiles, later, today - timedelta(days=12))
    # Half the cohort goes on with a 24-case hybrid set (6 days ago), past the deskilling watch's
    # baseline of 20 aided reads. The simulated readers do not change with exposure: on them the
    # watch should stay quiet.
    more = build_case_set(
        "Pratique hybride : 24 ECG de plus",
        created_by=assigned_by,
        sample_size=24,
        seed=seed + 2,
        exclude_case_ids=[
            *case_set.cases.values_list("pk", flat=True),
            *reread_set.cases.values_list("pk", flat=True),
        ],
    )
    follow_up = assign(
        more,
        learners[: len(learners) // 2],
        mode=Mode.PRACTICE,
        title="Pratique hybride — suite",
        created_by=assigned_by,
    )
    stored += _hybrid(
        follow_up, profiles, later, timezone.now() - timedelta(days=6), days=4, every_case=True
    )
    stored += _reread_round(schedule, learners, profiles, later, today - timedelta(days=1))
    return stored


def _hybrid(
    assignment: ReadingAssignment,
    profiles: dict[int, ReaderProfile],
    rng: random.Random,
    start: datetime,
    *,
    days: int,
    every_case: bool = False,
) -> int:
    """The assignment's simulated learners read its set in hybrid practice from ``start`` (over
    ``days`` days), each all of it or, by default, from 6 cases to all; a learner's profile is drawn
    on first meeting and kept in ``profiles``."""
    reads: list[RecordedRead] = []
    for k, session in enumerate(
        assignment.sessions.filter(learner__username__startswith=PREFIX).select_related("learner")
    ):
        if session.learner_id not in profiles:
            profiles[session.learner_id] = reader_profile(session.learner.years_experience, rng)
        profile = profiles[session.learner_id]
        t = start + timedelta(days=k % days, hours=9 + k % 5)
        cases = cases_of(session)
        for case in cases if every_case else cases[: rng.randint(6, len(cases))]:
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
                rhythm = _rhythm(case, rng)  # drawn before the time, as the demo always did
                seconds = (
                    rng.lognormvariate(math.log(60 if condition == Condition.UNAIDED else 35), 0.4)
                    * profile.speed
                )
                opened, t = t, t + timedelta(seconds=seconds + 4)
                answer = ReadAnswer(ratings, rhythm, client_time_ms=int(seconds * 1000))
                reads.append(RecordedRead(session, case, condition, answer, opened, t, shown))
    return record_reads(reads)


def _rhythm(case: Case, rng: random.Random) -> str:
    """The rhythm call: right four times in five (AF/flutter or sinus)."""
    afib = case.rhythm == "afib_flutter" if rng.random() < 0.8 else case.rhythm != "afib_flutter"
    return "afib_flutter" if afib else "sinus"


def _reread_round(
    schedule: RereadSchedule,
    learners: list[User],
    profiles: dict[int, ReaderProfile],
    rng: random.Random,
    day: date,
) -> int:
    """The simulated learners open the round due on ``day`` and read it all, alone."""
    reads: list[RecordedRead] = []
    sessions = []
    for learner in learners:
        profile = profiles.get(learner.pk) or reader_profile(learner.years_experience, rng)
        profiles[learner.pk] = profile
        for session in open_due_rereads(learner, day):
            sessions.append(session)
            t = datetime.combine(day, time(8), tzinfo=timezone.get_current_timezone())
            t += timedelta(minutes=rng.randint(0, 480))
            for case in cases_of(session):
                ratings = {
                    s: simulated_rating(getattr(case, s.lower()), profile, rng, None)
                    for s in SUPERCLASSES
                }
                seconds = rng.lognormvariate(math.log(60), 0.4) * profile.speed
                opened, t = t, t + timedelta(seconds=seconds + 4)
                answer = ReadAnswer(ratings, _rhythm(case, rng), client_time_ms=int(seconds * 1000))
                reads.append(
                    RecordedRead(session, case, Condition.UNAIDED, answer, opened, t, None)
                )
    stored = record_reads(reads)
    for session in sessions:
        # record_reads announces the finished sessions, but the listeners run after the commit and
        # the demo is one transaction: the next round is drawn inside it, after this one's truth
        # has been shown, so the truth is opened here at once (the listener then finds it open).
        reveal_finished_reread(session)
    return stored
