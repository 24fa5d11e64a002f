"""Benchmark: the national dashboard at national volume, on PostgreSQL.

Seeds a throw-away database (default ``medtandem_bench``) with SQL ``generate_series`` — learners
across 300 institutions and 18 regions, enrolments in five programmes over five years, and activity
completions — then times:

1. ``refresh_national_stats()`` (the aggregate refresh of the summary tables),
2. the dashboard page (GET /learn/national/ as an administrator, full template render),
3. its CSV export, and a learner's progress page (indexed reads of the completion table).

Usage::

    python bench/dashboard.py                         # 500,000 learners, 20,000,000 completions
    python bench/dashboard.py --learners 100000 --completions 4000000
    python bench/dashboard.py --keep                  # leave the database for inspection

The database is dropped at the end unless ``--keep``. Needs a PostgreSQL server reachable with the
URL of ``--server`` (a role allowed to CREATE DATABASE).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from urllib.parse import urlparse, urlunparse

REGIONS = [
    "Auvergne-Rhône-Alpes",
    "Bourgogne-Franche-Comté",
    "Bretagne",
    "Centre-Val de Loire",
    "Corse",
    "Grand Est",
    "Hauts-de-France",
    "Île-de-France",
    "Normandie",
    "Nouvelle-Aquitaine",
    "Occitanie",
    "Pays de la Loire",
    "Provence-Alpes-Côte d'Azur",
    "Guadeloupe",
    "Martinique",
    "Guyane",
    "La Réunion",
    "Mayotte",
]
PROFESSIONS = [
    "medicine",
    "pharmacy",
    "odontology",
    "maieutics",
    "nursing",
    "physiotherapy",
    "other",
]
PROGRAMMES = 5
ACTIVITIES_PER_PROGRAMME = 40


def _step(label: str, started: float) -> float:
    now = time.perf_counter()
    print(f"  {label}: {now - started:.1f} s", flush=True)
    return now


def _admin_database(server: str, name: str, action: str) -> None:
    import psycopg

    with psycopg.connect(server, autocommit=True) as conn:
        if action in ("create", "drop"):
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if action == "create":
            conn.execute(f'CREATE DATABASE "{name}"')


def seed(learners: int, completions: int) -> dict[str, int]:
    from django.db import connection

    per_learner = max(1, min(ACTIVITIES_PER_PROGRAMME, round(completions / learners)))
    t = time.perf_counter()
    with connection.cursor() as c:
        c.execute("SET synchronous_commit = off")
        c.execute("SET maintenance_work_mem = '512MB'")
        c.execute("SET work_mem = '64MB'")
        c.execute(
            "INSERT INTO accounts_institution (name, kind, region) "
            "SELECT 'Établissement ' || g, CASE WHEN g %% 3 = 0 THEN 'school' ELSE 'faculty' END, "
            "(%s::text[])[1 + g %% %s] FROM generate_series(1, 300) g",
            [REGIONS, len(REGIONS)],
        )
        c.execute("SELECT min(id) FROM accounts_institution")
        first_institution = c.fetchone()[0]
        c.execute(
            "INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff, "
            "is_active, date_joined, profession, practice_status, study_year, prior_ecg_training, institution_id, "
            "is_simulated) "
            "SELECT '!', false, 'learner' || g, '', '', '', false, true, now(), (%s::text[])[1 + (g * 7919) %% 7], "
            "'student', 1 + g %% 3, false, %s + (g * 104729) %% 300, false FROM generate_series(1::bigint, %s) g",
            [PROFESSIONS, first_institution, learners],
        )
        t = _step(f"{learners:,} learners", t)
        c.execute(
            "INSERT INTO curriculum_programme (slug, title, summary, kind, hours, self_enrolment, is_published, "
            "created_at) SELECT 'prog-' || g, 'Programme ' || g, '', 'course', 28, true, true, now() "
            "FROM generate_series(1, %s) g",
            [PROGRAMMES],
        )
        c.execute(
            "INSERT INTO curriculum_module (programme_id, title, summary, position) "
            "SELECT id, 'Module', '', 0 FROM curriculum_programme"
        )
        c.execute(
            "INSERT INTO curriculum_activity (module_id, kind, title, position, hours, is_required, body, "
            "reading_mode, event_kind, location) "
            "SELECT m.id, 'page', 'Activité ' || g, g, 0.7, true, '', '', '', '' "
            "FROM curriculum_module m, generate_series(1, %s) g",
            [ACTIVITIES_PER_PROGRAMME],
        )
        c.execute("SELECT min(id) FROM curriculum_programme")
        first_programme = c.fetchone()[0]
        c.execute("SELECT min(id) FROM accounts_user")
        first_user = c.fetchone()[0]
        # Each learner: programme 1 (the core); one learner in three also one other programme.
        # Enrolled over five years (more each year); 80 % completed after 5-200 days.
        c.execute(
            """
            INSERT INTO curriculum_enrolment (programme_id, learner_id, enrolled_at, source, completed_at,
                                              duration_days)
            SELECT p, u, e, 'self',
                   CASE WHEN (u * 31 + p) %% 10 < 8 AND e + d * interval '1 day' < now()
                        THEN e + d * interval '1 day' END,
                   CASE WHEN (u * 31 + p) %% 10 < 8 AND e + d * interval '1 day' < now() THEN d END
            FROM (
              SELECT u, p,
                     now() - (sqrt(((u * 7 + p * 13) %% 1000) / 1000.0) * 5 * 365) * interval '1 day' AS e,
                     5 + (u * 17 + p) %% 196 AS d
              FROM (SELECT %s + g AS u FROM generate_series(0::bigint, %s - 1) g) users,
                   LATERAL (SELECT %s AS p UNION ALL
                            SELECT %s + 1 + u %% %s WHERE u %% 3 = 0) ps
            ) x
            """,
            [first_user, learners, first_programme, first_programme, PROGRAMMES - 1],
        )
        c.execute("SELECT count(*) FROM curriculum_enrolment")
        n_enrolments = c.fetchone()[0]
        t = _step(f"{n_enrolments:,} enrolments", t)
        # Drop the completion table's indexes while loading, rebuild them after (as the migration has them).
        c.execute("ALTER TABLE curriculum_completion DROP CONSTRAINT one_completion_per_activity")
        c.execute("DROP INDEX compl_prog_learner_at")
        c.execute("""SELECT indexname FROM pg_indexes WHERE tablename = 'curriculum_completion'
                     AND indexname NOT LIKE '%%pkey'""")
        fk_indexes = [r[0] for r in c.fetchall()]
        for name in fk_indexes:
            c.execute(f'DROP INDEX "{name}"')
        c.execute("""SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
                     WHERE conrelid = 'curriculum_completion'::regclass AND contype = 'f'""")
        foreign_keys = c.fetchall()
        for name, _definition in foreign_keys:
            c.execute(f'ALTER TABLE curriculum_completion DROP CONSTRAINT "{name}"')
        c.execute(
            """
            INSERT INTO curriculum_completion (learner_id, activity_id, programme_id, completed_at)
            SELECT e.learner_id, a.id, e.programme_id,
                   coalesce(e.completed_at, e.enrolled_at + interval '1 day')
            FROM curriculum_enrolment e
            JOIN curriculum_programme p ON p.id = e.programme_id AND e.programme_id = %s
            JOIN curriculum_module m ON m.programme_id = p.id
            JOIN curriculum_activity a ON a.module_id = m.id AND a.position <= %s
            """,
            [first_programme, per_learner],
        )
        c.execute("SELECT count(*) FROM curriculum_completion")
        n_completions = c.fetchone()[0]
        t = _step(f"{n_completions:,} activity completions", t)
        c.execute(
            "ALTER TABLE curriculum_completion ADD CONSTRAINT one_completion_per_activity "
            "UNIQUE (learner_id, activity_id)"
        )
        c.execute(
            "CREATE INDEX compl_prog_learner_at ON curriculum_completion (programme_id, learner_id, "
            "completed_at)"
        )
        for name in fk_indexes:
            column = (
                "activity_id"
                if "activity" in name
                else "learner_id"
                if "learner" in name
                else "programme_id"
            )
            c.execute(f'CREATE INDEX "{name}" ON curriculum_completion ({column})')
        for name, definition in foreign_keys:
            c.execute(f'ALTER TABLE curriculum_completion ADD CONSTRAINT "{name}" {definition}')
        t = _step("completion indexes and foreign keys rebuilt (validated)", t)
        c.execute("VACUUM ANALYZE") if connection.connection.autocommit else c.execute("ANALYZE")
        _step("ANALYZE", t)
    return {"learners": learners, "enrolments": n_enrolments, "completions": n_completions}


def timed(fn, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=500_000)
    parser.add_argument(
        "--completions",
        type=int,
        default=20_000_000,
        help="target number of activity completions (about 40 per learner at most)",
    )
    parser.add_argument(
        "--server",
        default=os.environ.get("BENCH_SERVER_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--database", default="medtandem_bench")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    args = parser.parse_args(argv)

    url = urlparse(args.server)
    os.environ["DATABASE_URL"] = urlunparse(url._replace(path=f"/{args.database}"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medtandem.web.settings")
    print(f"Creating database {args.database}", flush=True)
    _admin_database(args.server, args.database, "create")
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection
        from django.test import Client
        from django.utils import timezone

        from medtandem.apps.accounts.models import Role
        from medtandem.apps.accounts.services import create_person
        from medtandem.apps.curriculum import services

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        _step("migrations", started)
        print("Seeding", flush=True)
        counts = seed(args.learners, args.completions)

        refresh = timed(services.refresh_national_stats, max(1, args.repeat // 2))
        admin = create_person("bench-admin", None, [Role.ADMINISTRATOR])
        client = Client()
        client.force_login(admin)
        year = timezone.localdate().year

        def dashboard() -> None:
            response = client.get("/learn/national/", {"year": year})
            assert response.status_code == 200, response.status_code

        def export() -> None:
            assert (
                client.get("/learn/national/", {"year": year, "format": "csv"}).status_code == 200
            )

        from medtandem.apps.accounts.models import User

        learner = User.objects.filter(username="learner1").first()
        learner_client = Client()
        learner_client.force_login(learner)

        def progress() -> None:
            assert learner_client.get("/learn/progress/").status_code == 200

        dashboard()  # warm the template cache
        queries: list[str] = []
        with connection.execute_wrapper(
            lambda execute, sql, *rest: (queries.append(sql), execute(sql, *rest))[1]
        ):
            dashboard()
        page = timed(dashboard, args.repeat)
        csv_times = timed(export, args.repeat)
        progress_times = timed(progress, args.repeat)
        body = client.get("/learn/national/", {"year": year}).content.decode()
        print()
        print(
            f"Volume: {counts['learners']:,} learners, {counts['enrolments']:,} enrolments, "
            f"{counts['completions']:,} activity completions ({connection.vendor})"
        )
        print(
            f"refresh_national_stats():   median {statistics.median(refresh):.2f} s  (runs: "
            + ", ".join(f"{x:.2f}" for x in refresh)
            + ")"
        )
        print(
            f"dashboard page render:      median {statistics.median(page) * 1000:.0f} ms, "
            f"max {max(page) * 1000:.0f} ms, {len(queries)} SQL queries"
        )
        print(f"dashboard CSV export:       median {statistics.median(csv_times) * 1000:.0f} ms")
        print(
            f"learner progress page:      median {statistics.median(progress_times) * 1000:.0f} ms"
        )
        print(f"dashboard under 2 s:        {'yes' if max(page) < 2 else 'NO'}")
        assert "<svg" in body
        connection.close()
    finally:
        if args.keep:
            print(f"Kept database {args.database}")
        else:
            _admin_database(args.server, args.database, "drop")
            print(f"Dropped database {args.database}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
