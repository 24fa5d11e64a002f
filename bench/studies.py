"""Benchmark: live analysis of a reader study with 50 readers x 500 cases x 2 conditions (50,000 reads).

Seeds a temporary SQLite database (or the one in BENCH_DATABASE_URL), then times the investigator's
analysis page (``studies:analysis``) and the analysis service alone. Target: under 2 s.

    .venv/bin/python bench/studies.py
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from pathlib import Path

N_READERS, N_CASES = (
    int(os.environ.get("BENCH_READERS", 50)),
    int(os.environ.get("BENCH_CASES", 500)),
)


def main() -> int:
    tmp = tempfile.TemporaryDirectory()
    os.environ["DATABASE_URL"] = os.environ.get(
        "BENCH_DATABASE_URL", f"sqlite:///{Path(tmp.name) / 'bench.sqlite3'}"
    )
    os.environ["DJANGO_SETTINGS_MODULE"] = "medtandem.web.settings"
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.urls import reverse

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    from medtandem.apps.accounts.services import create_person
    from medtandem.apps.cases.models import AIPrediction, Case
    from medtandem.apps.cases.services import build_case_set
    from medtandem.apps.studies.demo import load_demo_study
    from medtandem.apps.studies.report import analysis_for

    rng = random.Random(1)
    t0 = time.perf_counter()
    cases = Case.objects.bulk_create(
        [
            Case(
                external_id=f"bench:{i:05d}",
                record_name=f"{i:05d}",
                mi=rng.random() < 0.3,
                norm=rng.random() < 0.4,
                sttc=rng.random() < 0.2,
                cd=rng.random() < 0.2,
                hyp=rng.random() < 0.1,
                rhythm="sinus",
            )
            for i in range(N_CASES)
        ]
    )
    cases = list(Case.objects.order_by("pk"))
    AIPrediction.objects.bulk_create(
        [
            AIPrediction(
                case=c,
                model_name="bench-ai",
                model_version="1",
                probabilities={
                    k: round(
                        min(
                            0.99,
                            max(
                                0.01,
                                (0.75 if getattr(c, k.lower(), False) else 0.25)
                                + rng.gauss(0, 0.2),
                            ),
                        ),
                        3,
                    )
                    for k in ("NORM", "MI", "STTC", "CD", "HYP")
                }
                | {"AFIB": 0.05},
            )
            for c in cases
        ]
    )
    case_set = build_case_set("bench", case_ids=[c.pk for c in cases])
    investigator = create_person("bench-inv", "bench-pw-123", ["investigator"])
    readers = [
        create_person(f"bench-r{i}", None, ["learner"], years_experience=i % 20, is_simulated=True)
        for i in range(N_READERS)
    ]
    study = load_demo_study(
        case_set, readers, seed=7, lock=False, created_by=investigator, title="bench"
    )
    seeded = time.perf_counter() - t0
    from medtandem.apps.reading.models import Read

    n_reads = Read.objects.count()
    print(
        f"seeded {N_READERS} readers x {N_CASES} cases x 2 conditions = {n_reads} reads in {seeded:.1f} s"
    )

    client = Client()
    client.force_login(investigator)
    url = reverse("studies:analysis", args=[study.pk])
    timings = []
    for _ in range(3):
        t = time.perf_counter()
        response = client.get(url)
        timings.append(time.perf_counter() - t)
        assert response.status_code == 200, response.status_code
        assert b"RRRC" in response.content
    service = []
    for _ in range(3):
        t = time.perf_counter()
        analysis = analysis_for(study)
        service.append(time.perf_counter() - t)
    best, worst = min(timings), max(timings)
    print(
        f"live analysis page ({url}): best {best:.2f} s, worst {worst:.2f} s over 3 requests "
        f"(target < 2 s: {'OK' if worst < 2 else 'MISSED'})"
    )
    print(
        f"analysis service alone: best {min(service):.2f} s; mean AUC {analysis.mrmc['mean_auc'] if analysis.mrmc else analysis.mrmc_error}"
    )
    tmp.cleanup()
    return 0 if worst < 2 else 1


if __name__ == "__main__":
    sys.exit(main())
