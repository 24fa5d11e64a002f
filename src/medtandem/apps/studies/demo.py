"""A small, completed, simulated reader study for ``make demo`` (and the benchmark).

Readers differ in skill (binormal separation growing with experience); with the AI they move their
confidence toward its output, novices more than experts, so they follow it when it is wrong as well
(automation bias). Truth is the case bank's; the AI's output is its cached prediction when one
exists, else a simulated one (right about 85% of the time) cached under ``simulated-ecg-ai``.
Everything is marked as simulated.

Reads are written in bulk with back-dated times (two periods ``washout_days`` apart), which the
reading app's ``commit_read`` cannot do: this loader is for demonstrations and benchmarks only.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from medtandem.apps.accounts.models import User
from medtandem.apps.cases.models import AIPrediction, Case, CaseSet
from medtandem.apps.cases.services import store_prediction
from medtandem.apps.reading.services import ReadAnswer, RecordedRead, record_reads
from medtandem.apps.studies import services
from medtandem.apps.studies.models import Study
from medtandem.ecg.ptbxl import SUPERCLASSES
from medtandem.reliance.simulate import reader_profile, simulated_rating

SIMULATED_AI = ("simulated-ecg-ai", "demo")
OUTPUTS = (*SUPERCLASSES, "AFIB")


def _simulated_ai(cases: Sequence[Case], rng: random.Random) -> dict[int, AIPrediction]:
    """Cache a simulated AI's output for cases that have none (through a tiny model-like object)."""
    predictions = {}
    for case in cases:
        probs = {}
        for name in OUTPUTS:
            truth = case.rhythm == "afib_flutter" if name == "AFIB" else getattr(case, name.lower())
            right = rng.random() < 0.85
            present = truth if right else not truth
            probs[name] = round(
                1 / (1 + math.exp(-((1.6 if present else -1.6) + rng.gauss(0, 0.8)))), 3
            )
        predictions[case.pk], _ = store_prediction(
            case, SIMULATED_AI[0], SIMULATED_AI[1], probs, {"simulated": True}
        )
    return predictions


@transaction.atomic
def load_demo_study(
    case_set: CaseSet,
    readers: Sequence[User],
    seed: int = 2025,
    *,
    title: str = "Étude simulée : détection de l'infarctus (MI) avec et sans IA",
    washout_days: int = 28,
    lock: bool = True,
    created_by: User | None = None,
) -> Study:
    """Create and complete a simulated fully crossed study of ``readers`` on ``case_set``; lock it by default."""
    if len(readers) < 2:
        raise ValueError("a demo study needs at least two readers")
    rng = random.Random(seed)
    cases = list(case_set.ordered_cases())
    name, version = services.default_ai_model(case_set)
    cached = {
        p.case_id: p
        for p in AIPrediction.objects.filter(case__in=cases, model_name=name, model_version=version)
    }
    if not name or len(cached) < len(cases):
        name, version = SIMULATED_AI
        cached = _simulated_ai(cases, rng)
    now = timezone.now()
    start = now - timedelta(days=washout_days + 2 + len(readers) // 10)
    study = services.create_study(
        title=title,
        question="La suggestion de l'IA améliore-t-elle l'AUC des lecteurs pour l'infarctus du myocarde ?",
        case_set=case_set,
        created_by=created_by,
        design="crossed",
        endpoint="MI",
        threshold=50,
        washout_days=washout_days,
        seed=seed,
        ai_model_name=name,
        ai_model_version=version,
        intended_use="Aide à la détection des 5 superclasses diagnostiques PTB-XL sur un ECG 12 dérivations, "
        "pour des lecteurs en formation ; non destinée au diagnostic.",
        reader_training="Tutoriel de 10 minutes sur l'interface et la lecture des probabilités de l'IA.",
        poor_quality_handling="Les tracés illisibles sont exclus de la série de cas avant l'étude.",
        is_simulated=True,
    )
    by_pk = {c.pk: c for c in cases}
    reads: list[RecordedRead] = []
    for i, user in enumerate(readers):
        profile = reader_profile(user.years_experience, rng)
        done_at = start
        participant = services.join_study(user, study.invitation_code, consent=True, now=start)
        for period in (1, 2):
            if period == 1:
                session = services.advance(participant)
                if session is None:  # a new participant of an open study has a first session
                    raise RuntimeError(f"no first session for {user.username}")
            else:
                plan = services.reader_plan(study, participant.join_index).sessions[1]
                session = services._open_session(
                    participant, plan, done_at + timedelta(days=washout_days)
                )
            reading = session.reading_session
            t = start + timedelta(days=(period - 1) * (washout_days + 1) + i * 0.1, hours=9)
            for case_id in session.case_order:
                case = by_pk[case_id]
                prediction = cached.get(case_id) if session.mode == "aided" else None
                ai_p = float(prediction.probabilities["MI"]) if prediction else None
                ratings: dict[str, int] = {}
                for label in SUPERCLASSES:
                    p_label = (
                        float(prediction.probabilities.get(label, 0.5)) if prediction else None
                    )
                    ratings[label] = simulated_rating(
                        getattr(case, label.lower()),
                        profile,
                        rng,
                        p_label if label != "MI" else ai_p,
                    )
                seconds = (
                    rng.lognormvariate(math.log(40 if session.mode == "unaided" else 30), 0.4)
                    * profile.speed
                )
                opened = t
                t = t + timedelta(seconds=seconds + 5)
                answer = ReadAnswer(ratings, case.rhythm, client_time_ms=int(seconds * 1000))
                reads.append(
                    RecordedRead(reading, case, session.mode, answer, opened, t, prediction)
                )
            done_at = t
    record_reads(reads)
    if lock:
        study = services.lock_study(study, now=now)
    return study
