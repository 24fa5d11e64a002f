"""Run by test_sqlite_concurrency.py in a fresh process on a file-based SQLite (DATABASE_URL set
by the test): twelve learners submit the same quiz at the same instant, each thread with its own
connection; prints one JSON line with the status codes."""

from __future__ import annotations

import json
import os
import sys
import threading
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medtandem.web.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from medtandem.apps.accounts.models import Role  # noqa: E402
from medtandem.apps.accounts.services import create_person  # noqa: E402
from medtandem.apps.curriculum import services  # noqa: E402
from medtandem.apps.curriculum.models import Activity, Module, Programme, Quiz  # noqa: E402

THREADS = int(sys.argv[1]) if len(sys.argv) > 1 else 12

GIFT = """
::Q1::Les données de santé sont sensibles au sens du RGPD.{TRUE}

::Q2::Une donnée pseudonymisée est {=encore personnelle ~anonyme}
"""


def main() -> None:
    assert connection.vendor == "sqlite", connection.vendor
    call_command("migrate", interactive=False, verbosity=0)
    programme = Programme.objects.create(slug="concurrence", title="Concurrence", hours=Decimal(1))
    module = Module.objects.create(programme=programme, title="M", position=0)
    quiz = Quiz.objects.create(title="Quiz", pass_mark=50, max_attempts=5)
    services.import_questions(quiz, GIFT, "gift")
    activity = Activity.objects.create(
        module=module, kind="quiz", title="Quiz", hours=1, quiz=quiz, position=0
    )
    answers = {}
    for question in quiz.questions.prefetch_related("answers"):
        best = max(question.answers.all(), key=lambda a: a.fraction)
        answers[f"q{question.pk}"] = str(best.pk)
    learners = []
    for i in range(THREADS):
        learner = create_person(f"apprenant-{i:02d}", None, [Role.LEARNER])
        services.enrol(learner, programme)
        learners.append(learner)
    connection.close()

    url = reverse("curriculum:quiz_submit", args=[activity.pk])
    barrier = threading.Barrier(THREADS)
    statuses: list[int] = []
    errors: list[str] = []
    lock = threading.Lock()

    def submit(learner) -> None:  # type: ignore[no-untyped-def]
        client = Client(raise_request_exception=False)
        try:
            client.force_login(learner)
            barrier.wait(timeout=60)
            response = client.post(url, answers)
            with lock:
                statuses.append(response.status_code)
        except Exception as exc:  # noqa: BLE001 — reported to the test, which fails on it
            with lock:
                errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(learner,)) for learner in learners]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    from medtandem.apps.curriculum.models import QuizAttempt

    attempts = QuizAttempt.objects.filter(quiz=quiz).count()
    print(json.dumps({"statuses": sorted(statuses), "errors": errors, "attempts": attempts}))


if __name__ == "__main__":
    main()
