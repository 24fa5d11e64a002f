"""Benchmark of the observatory: field monitoring recomputed over 1,000,000 reads, and the open-data
API's latency.

    .venv/bin/python bench/observatory.py [--reads 1000000] [--requests 300]

Builds (once) a bench database: by default SQLite at /tmp/medtandem-bench-observatory.sqlite3, or
the database named by DATABASE_URL (e.g. a PostgreSQL database made for it). The reads are
synthetic and inserted in bulk (this is a bench database, not the product's path): the 500
embedded ECGs with the shipped model's cached suggestions, 2,000 simulated learners, sessions of 50
ECGs read unaided then aided, spread over 52 weeks. Prints the time of
``refresh_field_monitoring`` over 52 weekly windows and the p50/p95 latency of API requests made
in-process with Django's test client (no network).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DATABASE_URL", "sqlite:////tmp/medtandem-bench-observatory.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medtandem.web.settings")
os.environ.setdefault("MEDTANDEM_VAR_DIR", "/tmp/medtandem-bench-var")


def build(n_reads: int) -> None:
    from django.db.models import F
    from django.utils import timezone

    from medtandem.apps.accounts.models import Profession, User
    from medtandem.apps.cases.models import AIPrediction, Case
    from medtandem.apps.cases.services import (
        build_case_set,
        cache_predictions,
        current_model,
        import_demo_bank,
    )
    from medtandem.apps.observatory.services import register_model
    from medtandem.apps.reading.models import Read, ReadingSession

    if Read.objects.count() >= n_reads:
        return
    t0 = time.perf_counter()
    if Case.objects.count() < 500:
        import_demo_bank()
    model = current_model()
    cache_predictions(
        model,
        Case.objects.exclude(
            predictions__model_name=model.name, predictions__model_version=model.version
        ),
    )
    register_model(model, in_service=True)
    rng = random.Random(7)
    professions = [p for p, _label in Profession.choices]
    if User.objects.filter(username__startswith="bench-").count() < 2000:
        User.objects.bulk_create(
            [
                User(
                    username=f"bench-{i:05d}",
                    password="!",
                    is_simulated=True,
                    profession=professions[i % len(professions)],
                )
                for i in range(2000)
            ],
            batch_size=1000,
            ignore_conflicts=True,
        )
    users = list(User.objects.filter(username__startswith="bench-").values_list("pk", flat=True))
    cases = list(Case.objects.values_list("pk", "norm", "mi", "sttc", "cd", "hyp", "rhythm"))
    preds = dict(
        AIPrediction.objects.filter(model_name=model.name, model_version=model.version).values_list(
            "case_id", "pk"
        )
    )
    probs = dict(
        AIPrediction.objects.filter(model_name=model.name, model_version=model.version).values_list(
            "case_id", "probabilities"
        )
    )
    sets = []
    for k in range(10):
        picks = rng.sample([c[0] for c in cases], 50)
        sets.append((build_case_set(f"bench set {k}", case_ids=picks), picks))
    per_session = 100  # 50 cases x 2 reads
    n_sessions = n_reads // per_session
    now = timezone.now()
    by_case = {c[0]: c for c in cases}
    done = 0
    for start in range(0, n_sessions, 1000):
        sessions = ReadingSession.objects.bulk_create(
            [
                ReadingSession(
                    learner_id=rng.choice(users),
                    case_set=sets[i % 10][0],
                    mode="practice",
                    title="bench",
                    ai_model_name=model.name,
                    ai_model_version=model.version,
                )
                for i in range(start, min(start + 1000, n_sessions))
            ]
        )
        reads = []
        for s in sessions:
            picks = sets[[cs.pk for cs, _p in sets].index(s.case_set_id)][1]
            at = now - timedelta(days=rng.uniform(0, 364))
            skill = rng.uniform(0.5, 2.0)
            for case_id in picks:
                c = by_case[case_id]
                for condition in ("unaided", "aided"):
                    values = {}
                    for j, name in enumerate(("norm", "mi", "sttc", "cd", "hyp")):
                        truth = c[1 + j]
                        if condition == "aided" and rng.random() < 0.5:
                            call = probs[case_id][name.upper()] >= 0.3
                        else:
                            call = truth if rng.random() < 0.5 + skill / 5 else not truth
                        values[name] = call
                        values[f"rating_{name}"] = 80 if call else 20
                    reads.append(
                        Read(
                            session=s,
                            learner_id=s.learner_id,
                            case_id=case_id,
                            condition=condition,
                            rhythm=c[6],
                            opened_at=at,
                            ai_prediction_id=preds[case_id] if condition == "aided" else None,
                            **values,
                        )
                    )
                    at += timedelta(seconds=30)
        Read.objects.bulk_create(reads, batch_size=5000)
        done += len(reads)
        print(f"  {done:,} reads inserted ({time.perf_counter() - t0:.0f} s)", flush=True)
    Read.objects.update(submitted_at=F("opened_at"))
    print(f"bench database built in {time.perf_counter() - t0:.0f} s")


def bench_api(n_requests: int) -> list[float]:
    from django.test import Client

    from medtandem.apps.observatory.models import ApplicationVersion

    client = Client()
    slug = ApplicationVersion.objects.filter(in_service=True).values_list("slug", flat=True).first()
    urls = [
        "/api/v1/applications",
        "/api/v1/versions?page=3",
        f"/api/v1/versions/{slug}",
        f"/api/v1/field-metrics?version={slug}",
        "/api/v1/incidents",
        "/api/v1/hurdles/summary",
    ]
    timings = []
    for i in range(n_requests):
        t = time.perf_counter()
        response = client.get(urls[i % len(urls)], HTTP_HOST="localhost")
        timings.append(time.perf_counter() - t)
        assert response.status_code == 200, (urls[i % len(urls)], response.status_code)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    build(args.reads)
    from medtandem.apps.observatory.services import import_fda, refresh_field_monitoring
    from medtandem.apps.reading.models import Read

    import_fda()
    n = Read.objects.count()
    t = time.perf_counter()
    report = refresh_field_monitoring(window_days=7, n_windows=52)
    seconds = time.perf_counter() - t
    print(
        f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}; reads in the database: {n:,}"
    )
    print(
        f"refresh_field_monitoring over {report.reads:,} aided reads (52 weekly windows): {seconds:.1f} s "
        f"(target < 60 s)"
    )
    timings = bench_api(args.requests)
    ms = sorted(x * 1000 for x in timings)
    p95 = ms[int(0.95 * (len(ms) - 1))]
    print(
        f"API, {len(ms)} in-process requests over 6 endpoints: p50 {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
